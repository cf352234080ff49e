"""Pointwise ops that torch's CPU kernels compute in one pass, rounded as those kernels round.

``add(x, y, alpha=a)``, ``sub(x, y, alpha=a)``, ``lerp`` and ``addcmul`` compute ``p * q + r``
with a fused multiply-add: the product is not rounded before the sum.  NumPy has no FMA, so
float32 (and float16) work in float64, where the product of two float32 numbers is exact, and
round once at the end: torch's float32 results, bit for bit (a double rounding could differ on
a tie only, about once in 2**29 operations).  float64 uses plain operations (at most one unit
in the last place from torch's).  ``addcdiv`` is not fused in torch: it rounds after each step,
in torch's order ``input + (value * tensor1) / tensor2``.  A number (``alpha``, ``value``,
``weight``) is first rounded to the tensor's dtype, as torch's kernel receives it.

Each op records torch's node (``AddBackward0``, ``LerpBackward0``, ``AddcmulBackward0``...);
the partial derivatives are the usual ones, written with tapegrad ops.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ._registry import elementwise

_NARROW = (np.dtype(np.float32), np.dtype(np.float16))


def _dtype_of(*values: Any) -> np.dtype:
    return np.result_type(*values)


def _number(value: Any, dtype: np.dtype) -> Any:
    """A Python number as the kernel sees it: rounded to a float tensor's dtype."""
    return dtype.type(value) if dtype.kind == "f" else value


def fma(p: Any, q: Any, r: Any, dtype: np.dtype) -> np.ndarray:
    """``p * q + r`` rounded once to ``dtype`` (float32/float16), else computed plainly."""
    if dtype in _NARROW:
        wide = np.multiply(p, q, dtype=np.float64)
        wide += r
        return np.asarray(wide.astype(dtype))
    return np.asarray(np.add(np.multiply(p, q), r), dtype=dtype)


def _add_alpha(input: Any, other: Any, alpha: Any) -> np.ndarray:
    dtype = _dtype_of(input, other)
    return fma(other, _number(alpha, dtype), input, dtype)


def _sub_alpha(input: Any, other: Any, alpha: Any) -> np.ndarray:
    dtype = _dtype_of(input, other)
    return fma(other, -_number(alpha, dtype), input, dtype)


ADD_ALPHA = elementwise("add_alpha", _add_alpha, "AddBackward0", ("input", "other"),
                        promote="promote", input=1, other=lambda alpha: alpha,
                        doc="``add(input, other, alpha=a)``: ``input + a * other``, fused.")
SUB_ALPHA = elementwise("sub_alpha", _sub_alpha, "SubBackward0", ("input", "other"),
                        promote="sub", input=1, other=lambda alpha: -alpha,
                        doc="``sub(input, other, alpha=a)``: ``input - a * other``, fused.")


def _lerp(input: Any, end: Any, weight: Any) -> np.ndarray:
    """torch's lerp: from the nearer end, so that a weight near 1 stays accurate."""
    dtype = _dtype_of(input, end, weight) if not isinstance(weight, float) else _dtype_of(input, end)
    w = np.asarray(_number(weight, dtype) if isinstance(weight, float) else weight)
    diff = np.subtract(end, input, dtype=dtype)
    near_start = np.abs(w) < 0.5
    if near_start.all():
        return fma(w, diff, input, dtype)
    from_end = fma(w - dtype.type(1), diff, end, dtype)
    if not near_start.any():
        return from_end
    return np.where(near_start, fma(w, diff, input, dtype), from_end)


LERP = elementwise("lerp", _lerp, "LerpBackward0", ("input", "end"), promote="promote",
                   input=lambda weight: 1 - weight, end=lambda weight: weight,
                   doc="``lerp(input, end, weight)`` for a number weight: "
                       "``input + weight * (end - input)``.")
LERP_TENSOR = elementwise("lerp_tensor", _lerp, "LerpBackward1", ("input", "end", "weight"),
                          promote="promote", input=lambda weight: 1 - weight,
                          end=lambda weight: weight, weight=lambda input, end: end - input,
                          doc="``lerp(input, end, weight)`` for a tensor weight.")


def _addcmul(input: Any, tensor1: Any, tensor2: Any, value: Any) -> np.ndarray:
    dtype = _dtype_of(input, tensor1, tensor2)
    scaled = np.multiply(tensor1, _number(value, dtype), dtype=dtype)  # torch scales first
    return fma(scaled, tensor2, input, dtype)


def _addcdiv(input: Any, tensor1: Any, tensor2: Any, value: Any) -> np.ndarray:
    dtype = _dtype_of(input, tensor1, tensor2)
    scaled = np.multiply(tensor1, _number(value, dtype), dtype=dtype)
    return np.asarray(np.add(input, np.true_divide(scaled, tensor2, dtype=dtype), dtype=dtype))


ADDCMUL = elementwise("addcmul", _addcmul, "AddcmulBackward0", ("input", "tensor1", "tensor2"),
                      promote="promote", input=1,
                      tensor1=lambda tensor2, value: tensor2 * value,
                      tensor2=lambda tensor1, value: tensor1 * value,
                      doc="``input + value * tensor1 * tensor2``, fused.")
ADDCDIV = elementwise("addcdiv", _addcdiv, "AddcdivBackward0", ("input", "tensor1", "tensor2"),
                      promote="promote", input=1,
                      tensor1=lambda tensor2, value: value / tensor2,
                      tensor2=lambda tensor1, tensor2, value:
                          -value * tensor1 / (tensor2 * tensor2),
                      doc="``input + value * tensor1 / tensor2``.")
