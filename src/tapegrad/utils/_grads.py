"""Resetting gradients, shared by ``nn.Module.zero_grad`` and ``optim.Optimizer.zero_grad``."""
from __future__ import annotations

from typing import Any, Iterable


def zero_grads(params: Iterable[Any], set_to_none: bool = True) -> None:
    """Set each parameter's ``.grad`` to None (torch's default), or detach it and fill it
    with zeros in place (``set_to_none=False``)."""
    for p in params:
        if p.grad is None:
            continue
        if set_to_none:
            p.grad = None
            continue
        if p.grad.grad_fn is not None:
            p.grad.detach_()
        else:
            p.grad.requires_grad_(False)
        p.grad.zero_()
