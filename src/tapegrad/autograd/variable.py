"""``torch.autograd.Variable``: the pre-0.4 wrapper, kept so that old code and libraries written
for it (torchviz checks ``isinstance(p, Variable)``) run unchanged.

Since torch 0.4 every Tensor is a Variable: ``isinstance(t, Variable)`` holds for any tensor,
and ``Variable(t, requires_grad=True)`` returns a new tensor sharing ``t``'s data, detached
from ``t``'s history, that requires grad::

    >>> x = Variable(tapegrad.ones(2), requires_grad=True)
    >>> x
    tensor([1., 1.], requires_grad=True)
"""
from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from . import _engine

__all__ = ["Variable"]


class _VariableMeta(type):
    """Makes ``isinstance(t, Variable)`` true for every tensor, as in torch."""

    def __instancecheck__(cls, other: Any) -> bool:
        return isinstance(other, _engine._Tensor)


class Variable(metaclass=_VariableMeta):
    """``Variable(data, requires_grad=False, volatile=False)``: ``data`` itself as a new tensor
    (same memory, no history) that requires grad if asked.  ``volatile`` is obsolete: it warns
    and does nothing (use ``tapegrad.no_grad()``)."""

    def __new__(cls, data: Any = None, requires_grad: bool = False,
                volatile: bool = False) -> Any:
        if volatile:
            warnings.warn("volatile was removed and now has no effect. Use `with torch.no_grad():`"
                          " instead.", UserWarning, stacklevel=2)
            if requires_grad:
                raise ValueError("Variable can't be volatile and require_grad at the same time!")
        Tensor = _engine._Tensor
        if data is None:
            return Tensor._make(np.empty((0,), np.float32))  # torch: an empty float tensor
        if not isinstance(data, Tensor):
            raise TypeError(f"Variable data has to be a tensor, but got {type(data).__name__}")
        out = data.detach()
        if requires_grad:
            if out.dtype.np.kind not in "fc":
                raise RuntimeError("Only Tensors of floating point and complex dtype can require "
                                   "gradients")
            out.requires_grad_(True)
        return out
