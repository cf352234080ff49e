"""The operators ``& | ^ ~ << >>`` and their reflected and in-place forms, over the bitwise ops.

An operand that is neither a tensor nor a number gives ``NotImplemented``, so Python raises its
own ``TypeError: unsupported operand type(s)`` as it does for torch.
"""
from __future__ import annotations

import numbers
from typing import Any, Callable

import numpy as np

from . import _dtype
from ._ops import bitwise as B
from ._tensor import Tensor

OPS: dict[str, Any] = {"and": B.BITWISE_AND, "or": B.BITWISE_OR, "xor": B.BITWISE_XOR,
                       "lshift": B.BITWISE_LEFT_SHIFT, "rshift": B.BITWISE_RIGHT_SHIFT}


def _operand(x: Any) -> bool:
    return isinstance(x, (Tensor, numbers.Number))


def _forward(op: Any, name: str) -> Callable:
    def method(self: Tensor, other: Any) -> Any:
        return op(self, other) if _operand(other) else NotImplemented
    method.__name__ = method.__qualname__ = f"__{name}__"
    method.__doc__ = f"``self {name} other`` by ``tapegrad.{op.name}``."
    return method


def _reflected(op: Any, name: str) -> Callable:
    def method(self: Tensor, other: Any) -> Any:
        return op(other, self) if _operand(other) else NotImplemented
    method.__name__ = method.__qualname__ = f"__r{name}__"
    method.__doc__ = f"``other {name} self`` by ``tapegrad.{op.name}``."
    return method


def _in_place(op: Any, name: str) -> Callable:
    def method(self: Tensor, other: Any) -> Any:
        if not _operand(other):
            return NotImplemented
        _check_cast(self, other)
        return self._inplace(op, other)
    method.__name__ = method.__qualname__ = name
    method.__doc__ = f"In-place ``{op.name}``: the result written into self."
    return method


def _check_cast(self: Tensor, other: Any) -> None:
    """torch checks that the promoted type fits self before it looks for a kernel."""
    value = other._data if isinstance(other, Tensor) else other
    common = _dtype.result_dtype(self._data, value)
    if not np.can_cast(common, self._data.dtype, "same_kind"):
        raise RuntimeError(f"result type {_dtype.torch_name(common)} can't be cast to the "
                           f"desired output type {_dtype.torch_name(self._data.dtype)}")


def _invert(self: Tensor) -> Tensor:
    """``~x``: bitwise not of an integer or bool tensor."""
    if self.dtype.is_floating_point or self.dtype.is_complex:
        raise TypeError("~ (operator.invert) is only implemented on integer and Boolean-type "
                        "tensors")
    return B.BITWISE_NOT(self)


def _in_place_not(self: Tensor) -> Tensor:
    """In-place ``bitwise_not``."""
    return self._inplace(B.BITWISE_NOT)


def dunders() -> dict[str, Callable]:
    """Tensor's bitwise operator methods by name."""
    table: dict[str, Callable] = {"__invert__": _invert}
    for name, op in OPS.items():
        table[f"__{name}__"] = _forward(op, name)
        table[f"__r{name}__"] = _reflected(op, name)
        table[f"__i{name}__"] = _in_place(op, f"__i{name}__")
    for op in OPS.values():
        table[op.name + "_"] = _in_place(op, op.name + "_")
    table["bitwise_not_"] = _in_place_not
    return table
