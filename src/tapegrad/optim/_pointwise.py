"""The fused pointwise updates optimizers are made of, rounded the way torch's CPU kernels round.

torch's optimizers are written with ``add_(other, alpha=a)``, ``lerp_``, ``addcmul_`` and
``addcdiv_``.  On the CPU the first three compute ``x * y + z`` with a fused multiply-add: one
rounding instead of two.  NumPy has no FMA.  Where one factor is a number (``add_``, ``lerp_``)
the update goes through the BLAS axpy NumPy ships with, which fuses (``_axpy.py``: exact for
float32 and float64, and faster than NumPy's ``y += a * x``).  Otherwise, and where that BLAS is
missing, float32 (and half types) work in float64, where the product of two float32 numbers is
exact, and round once at the end; that reproduces torch's float32 results bit for bit (a double
rounding could only differ on a tie, about once in 2**29 operations), while float64 falls back
to plain operations and may differ from torch's results by one unit in the last place now and
then.  A scalar coefficient is first rounded to the tensor's dtype, because that is what
torch's kernel receives.

Like torch's kernels, these work on the tensors' NumPy arrays (``t.detach().numpy()``: no graph)
and store each result with one in-place tensor op (``copy_``), so the tensor keeps its identity
and its version counter moves on.  They expect ``tapegrad.no_grad()``, as in ``Optimizer.step``.
"""
from __future__ import annotations

import struct
from typing import Any

import numpy as np

import tapegrad
from tapegrad import Tensor

from ._axpy import axpy


def scalar(value: Any, like: Tensor) -> float:
    """``value`` (a number or a one-element tensor) as a kernel on ``like`` sees it: rounded to
    ``like``'s dtype (float32 unless ``like`` is float64)."""
    value = float(value)
    if like.dtype == tapegrad.float64:
        return value
    return struct.unpack("f", struct.pack("f", value))[0]


def _array(t: Tensor) -> np.ndarray:
    return t.detach().numpy()


def _fma(a: Any, b: Any, c: Any, dtype: np.dtype, out: np.ndarray | None = None) -> np.ndarray:
    """``a * b + c`` rounded once to ``dtype`` (arrays of that dtype, or rounded numbers),
    written into ``out`` when given (it may be ``c`` itself)."""
    if dtype == np.float64:
        wide = np.asarray(a * b + c)  # no FMA in NumPy: see the module's docstring
    else:
        wide = np.multiply(a, b, dtype=np.float64)  # exact: 24-bit times 24-bit mantissas
        wide += c
    if out is None:
        return np.asarray(wide.astype(dtype, copy=False))
    np.copyto(out, wide, casting="same_kind")  # the one rounding, straight into place
    return out


def _store(t: Tensor, value: np.ndarray) -> Tensor:
    return t.copy_(tapegrad.from_numpy(np.asarray(value)))


def _fma_into(t: Tensor, a: Any, b: Any, c: Any) -> Tensor:
    """``t = fma(a, b, c)`` in place: straight into ``t``'s array when it is contiguous, and
    through BLAS's fused axpy when ``c`` is that array and ``b`` a number."""
    data = _array(t)
    if (c is data and isinstance(b, float) and isinstance(a, np.ndarray)
            and a.shape == data.shape and axpy(b, a, data)):
        tapegrad.autograd.graph.increment_version(t)  # the write autograd did not see
        return t
    if data.flags.c_contiguous and data.flags.writeable and t.dtype != tapegrad.float64:
        _fma(a, b, c, data.dtype, out=data)
        tapegrad.autograd.graph.increment_version(t)  # the write autograd did not see
        return t
    return _store(t, _fma(a, b, c, data.dtype))


def add(input: Tensor, other: Tensor, alpha: Any = 1) -> Tensor:
    """``input.add(other, alpha=alpha)``: a new tensor ``input + alpha * other``."""
    if alpha == 1:
        return input + other
    a, b = _array(input), _array(other)
    if a.shape == b.shape:
        out = np.array(a)  # a fresh C-contiguous copy, updated in place
        if axpy(scalar(alpha, input), b, out):
            return tapegrad.from_numpy(out)
    return tapegrad.from_numpy(_fma(b, scalar(alpha, input), a, a.dtype))


def add_(input: Tensor, other: Tensor, alpha: Any = 1) -> Tensor:
    """``input.add_(other, alpha=alpha)`` in place."""
    if alpha == 1:
        return input.add_(other)
    a = _array(input)
    return _fma_into(input, _array(other), scalar(alpha, input), a)


def lerp_(input: Tensor, end: Tensor, weight: Any) -> Tensor:
    """``input.lerp_(end, weight)``: ``input + weight * (end - input)`` in place.

    torch starts from the nearer end, so that a weight close to 1 stays accurate: below 0.5
    it computes ``input + w * diff``, otherwise ``end + (w - 1) * diff``.
    """
    w = scalar(weight, input)
    a, e = _array(input), _array(end)
    diff = e - a
    if abs(w) < 0.5:
        return _fma_into(input, diff, w, a)
    if a.shape == e.shape and a.flags.c_contiguous and a.flags.writeable:
        np.copyto(a, e)  # input = end, then input += (w - 1) * diff
        return _fma_into(input, diff, scalar(w - 1, input), a)
    return _store(input, _fma(scalar(w - 1, input), diff, e, a.dtype))


def addcmul(input: Tensor, tensor1: Tensor, tensor2: Tensor, value: Any = 1) -> Tensor:
    """``input.addcmul(tensor1, tensor2, value=value)``: a new ``input + value * t1 * t2``.

    torch's kernel multiplies ``value * tensor1`` first, then fuses ``* tensor2 + input``.
    """
    a = _array(input)
    scaled = _array(tensor1) * a.dtype.type(scalar(value, input))
    return tapegrad.from_numpy(_fma(scaled, _array(tensor2), a, a.dtype))


def addcmul_(input: Tensor, tensor1: Tensor, tensor2: Tensor, value: Any = 1) -> Tensor:
    """``input.addcmul_(tensor1, tensor2, value=value)`` in place."""
    a = _array(input)
    scaled = _array(tensor1) * a.dtype.type(scalar(value, input))
    return _store(input, _fma(scaled, _array(tensor2), a, a.dtype))


def addcdiv_(input: Tensor, tensor1: Tensor, tensor2: Tensor, value: Any = 1) -> Tensor:
    """``input.addcdiv_(tensor1, tensor2, value=value)``: ``input + value * t1 / t2`` in place,
    rounded after each operation (this kernel is not fused in torch)."""
    a = _array(input)
    return _store(input, a + _array(tensor1) * a.dtype.type(scalar(value, input))
                  / _array(tensor2))


# -- the same kernels on arrays, for optimizers' array-level fast paths ---------------------------
def array_of(t: Tensor) -> np.ndarray:
    """The tensor's own NumPy array (writes to it change the tensor; bump its version)."""
    return t.detach().numpy()


def plain_arrays(*tensors: Tensor) -> bool:
    """Whether every tensor is a C-contiguous, writeable float32/float64 array of one dtype,
    the case the array-level paths handle."""
    dtype = tensors[0].dtype
    if dtype not in (tapegrad.float32, tapegrad.float64):
        return False
    for t in tensors[:-1]:
        data = array_of(t)
        if t.dtype != dtype or not (data.flags.c_contiguous and data.flags.writeable):
            return False
    return True


def add_arrays(a: np.ndarray, b: np.ndarray, alpha: float) -> np.ndarray:
    """A new ``a + alpha * b`` rounded once (``add(a, b, alpha=alpha)``)."""
    out = np.array(a)
    if a.shape == b.shape and axpy(alpha, b, out):
        return out
    return _fma(b, alpha, a, a.dtype)


def lerp_arrays(a: np.ndarray, end: np.ndarray, weight: float) -> None:
    """``a.lerp_(end, weight)`` on arrays, rounded as torch's kernel (see :func:`lerp_`)."""
    diff = end - a
    if abs(weight) < 0.5:
        if not axpy(weight, diff, a):
            _fma(weight, diff, a, a.dtype, out=a)
        return
    np.copyto(a, end)
    if not axpy(weight - 1, diff, a):
        _fma(weight - 1, diff, end, a.dtype, out=a)


def fma_arrays(a: np.ndarray, b: np.ndarray, c: np.ndarray, out: np.ndarray) -> np.ndarray:
    """``a * b + c`` rounded once, into ``out``."""
    return _fma(a, b, c, out.dtype, out=out)
