"""How torch's CPU kernels turn the generator's words into values, kernel by kernel.

Each function draws the values of ``n`` elements in the order torch fills them and returns a flat
array. The arithmetic follows torch's: which draws take one 32-bit word and which take two, the
float32 or float64 precision of each step, where the compiler fused a multiply-add, and the
branches torch takes by size. Float64 transcendental functions go through ``libm``: Python's
``math`` (the C library torch calls too) for small counts, NumPy's vectorised versions for large
ones, which agree with it but for an occasional last bit.
"""
from __future__ import annotations

import math
from typing import Callable

import numpy as np

from . import avx_math
from .generator import Generator

f32, f64 = np.float32, np.float64
_MASK53 = np.uint64(2 ** 53 - 1)
_TWO_PI_F32 = f32(2.0 * math.pi)
_ROWS_PER_CHUNK = 2048  # Box-Muller blocks of 16 per chunk of vectorised work
_EXACT_LIBM_BELOW = 64  # element counts up to this use Python's math module, torch's exact libm


def libm(name: str, x: np.ndarray) -> np.ndarray:
    """The float64 C-library function ``name`` (``log``, ``log1p``, ``sin``, ...) elementwise."""
    if x.size <= _EXACT_LIBM_BELOW:
        fn: Callable[[float], float] = getattr(math, name)
        return np.array([fn(v) for v in x.ravel().tolist()], dtype=f64).reshape(x.shape)
    return getattr(np, name)(x)


def fma64(a: np.ndarray, b: float, c: float) -> np.ndarray:
    """``a * b + c`` with one rounding in float64 (Dekker's exact product, then a compensated sum)."""
    a = np.asarray(a, f64)
    if b == 1.0 or c == 0.0:
        return a * b + c  # one rounding already
    product = a * b
    split = 134217729.0  # 2**27 + 1
    ta, tb = split * a, split * b
    a_hi, b_hi = ta - (ta - a), tb - (tb - b)
    a_lo, b_lo = a - a_hi, b - b_hi
    product_err = ((a_hi * b_hi - product) + a_hi * b_lo + a_lo * b_hi) + a_lo * b_lo
    total = product + c
    back = total - product
    sum_err = (product - (total - back)) + (c - back)
    return total + (sum_err + product_err)


# -- uniform ----------------------------------------------------------------------------------
def uniform_float(gen: Generator, n: int) -> np.ndarray:
    """``uniform_real_distribution<float>(0, 1)``: 24 bits of one word each, as float32."""
    words = gen.words32(n)
    words &= np.uint32(2 ** 24 - 1)
    values = words.view(np.int32).astype(f32)  # below 2**24: exact, and int32 converts fastest
    values *= f32(2.0 ** -24)
    return values


def uniform_double(gen: Generator, n: int) -> np.ndarray:
    """``uniform_real_distribution<double>(0, 1)``: 53 bits of a 64-bit word each."""
    values = (gen.words64(n) & _MASK53).astype(f64)
    values *= 2.0 ** -53
    return values


def uniform(gen: Generator, n: int, dtype: np.dtype, low: float = 0.0, high: float = 1.0) -> np.ndarray:
    """``uniform_(low, high)``: float32 and float16 compute in float32, float64 in float64;
    a value that rounds up to ``high`` in the tensor's dtype becomes ``low``."""
    dtype = np.dtype(dtype)
    if dtype == f64:
        x = uniform_double(gen, n)
        values = x if (low, high) == (0.0, 1.0) else fma64(x, high - low, low)
    else:
        x = uniform_float(gen, n)
        lo, hi = f32(low), f32(high)
        values = x if (low, high) == (0.0, 1.0) else avx_math.fma32(x, hi - lo, lo)
    values = values.astype(dtype, copy=False)
    if dtype != f32 or (low, high) != (0.0, 1.0):
        values[values == dtype.type(high)] = dtype.type(low)
    return values


# -- normal -----------------------------------------------------------------------------------
def normal(gen: Generator, n: int, dtype: np.dtype, mean: float = 0.0, std: float = 1.0,
           contiguous: bool = True) -> np.ndarray:
    """``normal_(mean, std)``: 16 or more contiguous elements take the blockwise Box-Muller fill,
    smaller or strided tensors one ``normal_distribution<double>`` draw per element."""
    dtype = np.dtype(dtype)
    if n >= 16 and contiguous:
        return _normal_fill(gen, n, dtype, mean, std)
    return normal_doubles(gen, n, mean, std).astype(dtype)


def normal_doubles(gen: Generator, n: int, mean: float = 0.0, std: float = 1.0) -> np.ndarray:
    """``n`` draws of ``normal_distribution<double>``: Box-Muller pairs whose spare (sine) value
    waits in the generator for the next draw, even across calls."""
    head = []
    if n and gen._normal is not None:
        head, gen._normal = [gen._normal], None
    pairs = (n - len(head) + 1) // 2
    u = uniform_double(gen, 2 * pairs)
    radius = np.sqrt(-2.0 * libm("log1p", -u[1::2]))
    theta = 2.0 * math.pi * u[0::2]
    values = np.empty(2 * pairs)
    values[0::2] = radius * libm("cos", theta)
    values[1::2] = radius * libm("sin", theta)
    if len(head) + 2 * pairs > n:           # one value too many: keep it for next time
        gen._normal = float(values[-1])
        values = values[:-1]
    values = np.concatenate([np.array(head, f64), values]) if head else values
    return fma64(values, std, mean)


def _normal_fill(gen: Generator, n: int, dtype: np.dtype, mean: float, std: float) -> np.ndarray:
    """torch's ``normal_fill``: uniforms for every element, Box-Muller on each block of 16
    (first 8 give the radii, last 8 the angles); a ragged end redraws the last 16 elements."""
    blocks, ragged = divmod(n, 16)
    if dtype == f64:
        draw, fill = uniform_double, _box_muller16_double
    else:  # float32, and float16 through a float32 buffer
        draw, fill = uniform_float, _box_muller16_float
    # float32/float64 draw every element first; float16 draws block by block, so its ragged end
    # starts at the word after the last full block.
    u = draw(gen, n if dtype in (f32, f64) else 16 * blocks)
    out = np.empty(n, dtype)
    out[:16 * blocks] = fill(u[:16 * blocks].reshape(blocks, 16), mean, std).ravel()
    if ragged:
        out[n - 16:] = fill(draw(gen, 16).reshape(1, 16), mean, std).ravel()
    return out


def _box_muller16_float(u: np.ndarray, mean: float, std: float) -> np.ndarray:
    out = np.empty_like(u)
    for start in range(0, len(u), _ROWS_PER_CHUNK):   # chunks that stay in the CPU's cache
        block = u[start:start + _ROWS_PER_CHUNK]
        radius = np.sqrt(f32(-2.0) * avx_math.log(f32(1.0) - block[:, :8]))
        sin, cos = avx_math.sincos(_TWO_PI_F32 * block[:, 8:])
        chunk = out[start:start + _ROWS_PER_CHUNK]
        np.multiply(radius, cos, out=chunk[:, :8])
        np.multiply(radius, sin, out=chunk[:, 8:])
    return out if (mean, std) == (0.0, 1.0) else avx_math.fma32(out, f32(std), f32(mean))


def _box_muller16_double(u: np.ndarray, mean: float, std: float) -> np.ndarray:
    radius = np.sqrt(-2.0 * libm("log", 1.0 - u[:, :8]))
    theta = 2.0 * math.pi * u[:, 8:]
    out = np.concatenate([radius * libm("cos", theta), radius * libm("sin", theta)], axis=1)
    return fma64(out, std, mean)


# -- integers ---------------------------------------------------------------------------------
def integers_from_to(gen: Generator, n: int, span: int, low: int) -> np.ndarray:
    """``random_(from, to)``: ``word % span + from`` as int64, with a 64-bit word from a span of
    2**28 on (torch's modulo has a small bias, reproduced here)."""
    words = gen.words64(n) if span >= 2 ** 28 else gen.words(n)
    if span < 2 ** 64:
        words %= np.uint64(span)
    words += np.uint64(low % 2 ** 64)
    return words.view(np.int64)


def integers_full(gen: Generator, n: int, dtype: np.dtype) -> np.ndarray:
    """``random_()``: integer dtypes over [0, max], floating ones over [0, 2**mantissa]."""
    dtype = np.dtype(dtype)
    wide = dtype in (np.dtype(np.int64), np.dtype(f64))
    words = gen.words64(n) if wide else gen.words(n)
    if dtype == np.bool_:
        return (words & np.uint64(1)).astype(np.bool_)
    if dtype.kind == "f":
        modulus = 2 ** (np.finfo(dtype).nmant + 1) + 1
    else:
        modulus = int(np.iinfo(dtype).max) + 1
    return (words % np.uint64(modulus)).astype(dtype)


# -- other distributions, one or two words per element ----------------------------------------
def bernoulli(gen: Generator, p: np.ndarray | float, n: int, precision: np.dtype = f64) -> np.ndarray:
    """``bernoulli``: a uniform below ``p``; double uniforms for a float p or a float64 tensor p,
    float32 uniforms for a float32 or float16 tensor p."""
    if np.dtype(precision) == f64:
        return uniform_double(gen, n) < np.asarray(p, f64)
    return uniform_float(gen, n) < np.asarray(p, f32)


def exponential(gen: Generator, n: int, lambd: float) -> np.ndarray:
    """``exponential_(lambd)``: ``-1/lambd * log1p(-u)`` in float64."""
    return (-1.0 / lambd) * libm("log1p", -uniform_double(gen, n))


def geometric(gen: Generator, n: int, p: float) -> np.ndarray:
    """``geometric_(p)``: ``ceil(log(u) / log1p(-p))``, the trial of the first success."""
    return np.ceil(libm("log", uniform_double(gen, n)) / math.log1p(-p))


def log_normal(gen: Generator, n: int, mean: float, std: float) -> np.ndarray:
    """``log_normal_(mean, std)``: exp of ``normal_distribution<double>`` draws."""
    return libm("exp", normal_doubles(gen, n, mean, std))


def cauchy(gen: Generator, n: int, median: float, sigma: float) -> np.ndarray:
    """``cauchy_(median, sigma)``: ``median + sigma * tan(pi * (u - 0.5))``."""
    return median + sigma * libm("tan", math.pi * (uniform_double(gen, n) - 0.5))


# -- permutations and categorical draws -------------------------------------------------------
def randperm(gen: Generator, n: int) -> np.ndarray:
    """torch's Fisher-Yates shuffle of 0..n-1: swap i with i + word % (n - i), i = 0..n-2.

    The draws are vectorised; the swaps depend on each other, so they run as one list loop.
    """
    perm = list(range(n))
    if n < 2 ** 32 // 20:
        offsets = (gen.words(max(n - 1, 0)) % np.arange(n, 1, -1, dtype=np.uint64)).tolist()
        for i, z in enumerate(offsets):
            j = i + z
            perm[i], perm[j] = perm[j], perm[i]
    else:  # huge n: the "inside-out" variant with 64-bit words, as torch
        picks = gen.words64(n) % np.arange(1, n + 1, dtype=np.uint64)
        for i, z in enumerate(picks.tolist()):
            perm[i], perm[z] = perm[z], i
    return np.array(perm, dtype=np.int64)


def multinomial_with_replacement(gen: Generator, probs: np.ndarray, num_samples: int) -> np.ndarray:
    """Rows of ``probs`` (already checked) to ``num_samples`` category indices each: a binary
    search of one double uniform in the row's normalised running sum (float32 sums for float32)."""
    work = f64 if probs.dtype == f64 else f32
    out = np.empty((probs.shape[0], num_samples), dtype=np.int64)
    for row, p in enumerate(probs.astype(work, copy=False)):
        cumulative = np.cumsum(p, dtype=work)
        cumulative /= cumulative[-1]
        cumulative[-1] = 1
        out[row] = np.searchsorted(cumulative.astype(f64), uniform_double(gen, num_samples),
                                   side="left")
    return out
