"""``torch.random``: seeding and saving the default generator, and ``fork_rng``."""
from __future__ import annotations

import contextlib
from typing import Any, Iterator

from ._random.generator import (default_generator, get_rng_state, initial_seed, manual_seed,
                                seed, set_rng_state)

__all__ = ["default_generator", "fork_rng", "get_rng_state", "initial_seed", "manual_seed",
           "seed", "set_rng_state"]


@contextlib.contextmanager
def fork_rng(devices: Any = None, enabled: bool = True, _caller: str = "fork_rng",
             _devices_kw: str = "devices", device_type: str = "cuda") -> Iterator[None]:
    """Run the ``with`` block on a copy of the default generator's state: draws inside it do not
    change the draws that follow it (tapegrad has only the CPU generator to fork)."""
    if not enabled:
        yield
        return
    state = get_rng_state()
    try:
        yield
    finally:
        set_rng_state(state)
