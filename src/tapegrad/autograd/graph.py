"""``torch.autograd.graph``: ``increment_version``, for code that writes a tensor's memory
directly (an optimizer kernel working on ``tensor.numpy()``)."""
from __future__ import annotations

from typing import Any, Iterable

__all__ = ["increment_version"]


def increment_version(tensor: Any | Iterable[Any]) -> None:
    """Count an in-place change of ``tensor`` (or of each tensor in an iterable) that autograd
    did not see, so that a graph which saved the old values refuses to use them, as after any
    in-place op."""
    from .._tensor import Tensor  # (autograd is imported by _tensor)
    for t in (tensor,) if isinstance(tensor, Tensor) else tensor:
        t._bump()
