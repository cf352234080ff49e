"""Bitwise ops on integer and bool tensors: and, or, xor, not and the two shifts.

They have no derivative (their results are integers).  Operands are promoted by torch's rules
(``_dtype.result_dtype``: a Python int never widens a tensor) and the kernel then refuses
floating and complex results with torch's message, ``"bitwise_and_cpu" not implemented for
'Float'``.  Shifts follow torch's CPU kernels, not C's undefined behaviour: a shift by a
negative amount or by at least the width of the type gives 0 to the left and the sign
(0 or -1) to the right.

    >>> tapegrad.tensor([1, -8]) >> 1
    tensor([ 0, -4])
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from .. import _dtype
from ._registry import nondifferentiable


def _refuse(kernel: str, dt: np.dtype):
    raise NotImplementedError(f'"{kernel}" not implemented for \'{_dtype.torch_name(dt)}\'')


def _as(x: Any, dt: np.dtype) -> np.ndarray:
    """``x`` (array or Python number) as an array of ``dt``; numbers wrap as torch casts them."""
    if x.__class__ is np.ndarray:
        return x if x.dtype == dt else x.astype(dt)
    return np.asarray(x).astype(dt)


def _operands(kernel: str, input: Any, other: Any, kinds: str) -> tuple:
    dt = _dtype.result_dtype(_as_operand(input), _as_operand(other))
    if dt.kind not in kinds:
        _refuse(kernel, dt)
    return _as(input, dt), _as(other, dt), dt


def _as_operand(x: Any) -> Any:
    """NumPy scalars count as 0-dim tensors in torch's promotion."""
    return np.asarray(x) if isinstance(x, np.generic) else x


def _logic(kernel: str, ufunc: Callable) -> Callable:
    def forward(input: Any, other: Any) -> np.ndarray:
        a, b, _ = _operands(kernel, input, other, "biu")
        return np.asarray(ufunc(a, b))
    return forward


def _not(input: np.ndarray) -> np.ndarray:
    if input.dtype.kind not in "biu":
        _refuse("bitwise_not_cpu", input.dtype)
    return np.invert(input)


def _left_shift(input: Any, other: Any) -> np.ndarray:
    a, b, dt = _operands("lshift_cpu", input, other, "iu")
    inside = (b >= 0) & (b < dt.itemsize * 8)
    shifted = np.left_shift(a, np.where(inside, b, 0).astype(dt))
    return np.where(inside, shifted, 0).astype(dt, copy=False)


def _right_shift(input: Any, other: Any) -> np.ndarray:
    a, b, dt = _operands("rshift_cpu", input, other, "iu")
    width = dt.itemsize * 8
    inside = (b >= 0) & (b < width)
    shifted = np.right_shift(a, np.where(inside, b, 0).astype(dt))
    # out of range: signed values keep only their sign, unsigned ones become 0
    outside = np.right_shift(a, dt.type(width - 1)) if dt.kind == "i" else np.zeros_like(a)
    return np.where(inside, shifted, outside).astype(dt, copy=False)


_DOC = "Works on integer and bool tensors (and Python ints); floats are refused as torch does."
BITWISE_AND = nondifferentiable("bitwise_and", _logic("bitwise_and_cpu", np.bitwise_and),
                                ("input", "other"), doc="Elementwise AND of the bits. " + _DOC)
BITWISE_OR = nondifferentiable("bitwise_or", _logic("bitwise_or_cpu", np.bitwise_or),
                               ("input", "other"), doc="Elementwise OR of the bits. " + _DOC)
BITWISE_XOR = nondifferentiable("bitwise_xor", _logic("bitwise_xor_cpu", np.bitwise_xor),
                                ("input", "other"), doc="Elementwise XOR of the bits. " + _DOC)
BITWISE_NOT = nondifferentiable("bitwise_not", _not,
                                doc="Every bit flipped (logical not for bool). " + _DOC)
BITWISE_LEFT_SHIFT = nondifferentiable(
    "bitwise_left_shift", _left_shift, ("input", "other"),
    doc="``input << other``, wrapping in the result's width; 0 for shifts outside [0, width).")
BITWISE_RIGHT_SHIFT = nondifferentiable(
    "bitwise_right_shift", _right_shift, ("input", "other"),
    doc="``input >> other`` (arithmetic for signed types); the sign for shifts outside [0, width).")

__all__ = ["BITWISE_AND", "BITWISE_OR", "BITWISE_XOR", "BITWISE_NOT", "BITWISE_LEFT_SHIFT",
           "BITWISE_RIGHT_SHIFT"]


def _declare_rules() -> None:
    """Under vmap the shifts batch like any elementwise op (and/or/xor/not already do)."""
    from .._vmap._rules import RULES, elementwise
    RULES.setdefault("bitwise_left_shift", elementwise)
    RULES.setdefault("bitwise_right_shift", elementwise)


_declare_rules()
