"""The float32 ``log`` and ``sincos`` that torch's AVX2 normal sampler evaluates, step for step.

torch fills float32 tensors of 16 or more normals with a Box-Muller transform over 8 lanes, using
the Cephes polynomial approximations of ``avx_mathfun.h`` rather than libm. Their results differ
from correctly rounded ones in the last bit now and then, so to draw torch's numbers exactly we
evaluate the same polynomials with the same float32 roundings. The compiler fuses some
multiply-adds into FMAs; ``fma32`` reproduces those (a float32 product is exact in float64, so
one float64 rounding then one float32 rounding is the fused result but for vanishingly rare ties).
"""
from __future__ import annotations

import numpy as np

f32 = np.float32

_MIN_NORM_POS = np.array([0x00800000], np.int32).view(np.float32)[0]
_HALF_BITS = np.int32(np.float32(0.5).view(np.int32))
_LOG_POLY = tuple(f32(c) for c in (7.0376836292e-2, -1.1514610310e-1, 1.1676998740e-1,
                                   -1.2420140846e-1, 1.4249322787e-1, -1.6668057665e-1,
                                   2.0000714765e-1, -2.4999993993e-1, 3.3333331174e-1))
_LOG_Q1, _LOG_Q2 = f32(-2.12194440e-4), f32(0.693359375)
_SQRT_HALF = f32(0.707106781186547524)
_FOUR_OVER_PI = f32(1.27323954473516)
_MINUS_DP = (f32(-0.78515625), f32(-2.4187564849853515625e-4), f32(-3.77489497744594108e-8))
_COS_POLY = (f32(2.443315711809948e-5), f32(-1.388731625493765e-3), f32(4.166664568298827e-2))
_SIN_POLY = (f32(-1.9515295891e-4), f32(8.3321608736e-3), f32(-1.6666654611e-1))


def fma32(a: np.ndarray, b, c) -> np.ndarray:
    """``a * b + c`` rounded once to float32 (a fused multiply-add)."""
    return (np.asarray(a, np.float64) * np.float64(b) + np.asarray(c, np.float64)).astype(f32)


def _poly(x64: np.ndarray, coefs: tuple) -> np.ndarray:
    """Horner's rule with a fused multiply-add at each step: ``fma(... fma(c0, x, c1) ..., x, cn)``,
    computed in float64 (a float32 product is exact there) and rounded to float32 after each."""
    acc = x64 * float(coefs[0])
    acc += float(coefs[1])
    y = np.empty(acc.shape, f32)
    for coef in coefs[2:]:
        np.copyto(y, acc, casting="same_kind")   # round to float32 ...
        np.copyto(acc, y)                         # ... and carry on in float64
        acc *= x64
        acc += float(coef)
    np.copyto(y, acc, casting="same_kind")
    return y


def _fused(a: np.ndarray, b64: np.ndarray, c: np.ndarray) -> np.ndarray:
    """fma(a, b, c) for float32 ``a`` and ``c`` and ``b`` given in float64."""
    acc = np.multiply(a, b64)
    acc += c
    return acc.astype(f32)


def log(x: np.ndarray) -> np.ndarray:
    """Natural log of float32 values in [2**-126, 1], as ``log256_ps`` computes it."""
    bits = x.view(np.int32)
    mantissa = ((bits & 0x007FFFFF) | 0x3F000000).view(f32)        # in [0.5, 1)
    small = (mantissa < _SQRT_HALF).view(np.uint8).astype(f32)       # then use 2m - 1, e - 1
    exponent = (bits >> 23).astype(f32)
    exponent -= f32(0x7E)
    exponent -= small
    x = mantissa - f32(1)
    small *= mantissa
    x += small
    z = x * x
    y = _poly(x.astype(np.float64), _LOG_POLY)
    y *= x
    y = _fused(y, z.astype(np.float64), exponent * _LOG_Q1)
    y -= z * f32(0.5)
    x += y
    x += exponent * _LOG_Q2          # exact product (small integer times a 9-bit constant)
    return x


def sincos(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(sin x, cos x) of float32 values in [0, 8192), as ``sincos256_ps`` computes them."""
    octant = ((x * _FOUR_OVER_PI).astype(np.int32) + 1) & ~1        # j = (j + 1) & ~1
    y = octant.astype(f32)
    x = x + y * _MINUS_DP[0]          # x - y * pi/4 in three parts; the first two products are
    x += y * _MINUS_DP[1]             # exact (y <= 8192 times a short constant)
    x = _fused(y, np.float64(_MINUS_DP[2]), x)
    z = x * x
    z64 = z.astype(np.float64)
    cos = _poly(z64, _COS_POLY) * z
    cos = _fused(cos, z64, -(z * f32(0.5)))
    cos += f32(1)
    sin = _poly(z64, _SIN_POLY) * z
    sin = _fused(sin, x.astype(np.float64), x)
    # swap the polynomials in octants 2-3 and 6-7, then set the signs, all on the bits
    sin_bits, cos_bits = sin.view(np.int32), cos.view(np.int32)
    swap = (sin_bits ^ cos_bits) & -((octant >> 1) & 1)
    sin_bits ^= swap ^ ((octant & 4) << 29)
    cos_bits ^= swap ^ (((octant + 2) & 4) << 29)
    return sin, cos
