"""``y += a * x`` with one rounding per element, through the BLAS that NumPy ships with.

torch's CPU kernels for ``add_(x, alpha=a)`` and ``lerp_`` use fused multiply-adds.  NumPy has
no FMA, but the OpenBLAS inside NumPy's wheels does: its ``saxpy``/``daxpy`` kernels compute
``y[i] = fma(a, x[i], y[i])`` on every x86-64 CPU with FMA and on ARM.  Calling them through
``ctypes`` gives torch's exact result faster than NumPy's own (unfused) ``y += a * x``.

Nothing here is trusted blindly: ``axpy`` is only offered after a self-test has compared the
library's results with an exact reference on random data (tails included), once per dtype.
Where no such BLAS is found, or the test fails (a build without FMA), ``axpy`` is ``None`` for
that dtype and callers use their float64 fallback.
"""
from __future__ import annotations

import ctypes
import glob
import os
from typing import Callable

import numpy as np

# Names the CBLAS axpy routines carry in NumPy's bundled OpenBLAS builds, newest first
# (NumPy 2 wheels prefix "scipy_"; the 64-bit-integer builds suffix "64_").
_SYMBOLS = {np.float32: ("scipy_cblas_saxpy64_", "cblas_saxpy64_", "cblas_saxpy"),
            np.float64: ("scipy_cblas_daxpy64_", "cblas_daxpy64_", "cblas_daxpy")}
_C_SCALAR = {np.float32: ctypes.c_float, np.float64: ctypes.c_double}


def _libraries() -> list[ctypes.CDLL]:
    """The OpenBLAS libraries vendored by NumPy's wheels (Linux, macOS, Windows layouts)."""
    here = os.path.dirname(np.__file__)
    patterns = [os.path.join(here, "..", "numpy.libs", "*openblas*"),
                os.path.join(here, ".dylibs", "*openblas*"),
                os.path.join(here, "..", "numpy.libs", "*.dll")]
    found = []
    for pattern in patterns:
        for path in sorted(glob.glob(pattern)):
            try:
                found.append(ctypes.CDLL(path))
            except OSError:
                continue
    return found


def _routine(dtype: type) -> Callable | None:
    for library in _libraries():
        for symbol in _SYMBOLS[dtype]:
            fn = getattr(library, symbol, None)
            if fn is None:
                continue
            integer = ctypes.c_int64 if "64" in symbol else ctypes.c_int
            fn.restype = None
            fn.argtypes = [integer, _C_SCALAR[dtype], ctypes.c_void_p, integer,
                           ctypes.c_void_p, integer]
            return fn
    return None


def _exact_reference(a: float, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """``fma(a, x, y)`` rounded once: float32 through float64 (the product of two float32
    numbers is exact there), float64 through exact fractions (it needs more than 53 bits)."""
    if x.dtype == np.float32:
        return (np.multiply(x, a, dtype=np.float64) + y).astype(np.float32)
    from fractions import Fraction
    return np.array([float(Fraction(float(a)) * Fraction(float(xi)) + Fraction(float(yi)))
                     for xi, yi in zip(x, y)])


def _passes_self_test(fn: Callable, dtype: type) -> bool:
    rng = np.random.default_rng(1234)
    for n in (1, 3, 8, 13, 64, 257):  # vector body and scalar tail
        x = rng.standard_normal(n).astype(dtype)
        y = rng.standard_normal(n).astype(dtype)
        a = dtype(-0.3183098861837907)
        expected = _exact_reference(a, x, y)
        fn(n, a, x.ctypes.data, 1, y.ctypes.data, 1)
        if not np.array_equal(y, expected):
            return False
    return True


_CHECKED: dict[type, Callable | None] = {}


def _axpy_for(dtype: type) -> Callable | None:
    if dtype not in _CHECKED:
        fn = None
        try:
            candidate = _routine(dtype)
            if candidate is not None and _passes_self_test(candidate, dtype):
                fn = candidate
        except (OSError, AttributeError, ctypes.ArgumentError):
            fn = None
        _CHECKED[dtype] = fn
    return _CHECKED[dtype]


def axpy(a: float, x: np.ndarray, y: np.ndarray) -> bool:
    """``y += a * x`` in place, one rounding per element, when the BLAS path applies: both
    arrays C-contiguous, of the same size and of dtype float32 or float64, ``y`` writeable.
    Returns False (touching nothing) where it does not, so the caller falls back."""
    if not (isinstance(x, np.ndarray) and isinstance(y, np.ndarray)):
        return False  # NumPy scalars (from 0-d arithmetic) have no buffer to hand over
    dtype = y.dtype.type
    if (dtype not in _SYMBOLS or x.dtype != y.dtype or x.size != y.size
            or not (x.flags.c_contiguous and y.flags.c_contiguous and y.flags.writeable)):
        return False
    fn = _axpy_for(dtype)
    if fn is None:
        return False
    if y.size:
        fn(y.size, a, x.ctypes.data, 1, y.ctypes.data, 1)
    return True
