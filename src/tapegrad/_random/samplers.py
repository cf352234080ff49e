"""Rejection samplers (Poisson, gamma, binomial, Dirichlet) with torch's CPU arithmetic.

How many draws an element takes depends on the values drawn, so these run element by element
in Python over a stream of doubles that is drawn ahead in vectorised chunks; the words a sampler
did not use are given back when it finishes, so the generator ends exactly where torch's does.
Float32 steps of torch's templates (``scalar_t`` arithmetic) are done in ``np.float32``; the
rest in Python floats, whose ``math`` functions are the C library torch calls.
"""
from __future__ import annotations

import math

import numpy as np

from .generator import Generator
from .kernels import uniform_double

_ONE_THIRD_F32 = np.float32(1.0) / np.float32(3.0)    # 1.0f / 3.0f
_C_0331 = float(np.float32(0.0331))                   # 0.0331f
_STIRLING_TAIL = (0.0810614667953272, 0.0413406959554092, 0.0276779256849983,
                  0.02079067210376509, 0.0166446911898211, 0.0138761288230707,
                  0.0118967099458917, 0.0104112652619720, 0.00925546218271273,
                  0.00833056343336287)


class Draws:
    """Uniform and standard normal doubles for one sampler call, consumed one at a time."""

    def __init__(self, gen: Generator, expected: int = 64) -> None:
        self.gen = gen
        self._start, self._fresh = gen._bits.state, gen._fresh
        self._chunk = max(16, expected)
        self._buffer: list[float] = []
        self._next = 0
        self._used = 0

    def uniform(self) -> float:
        """``uniform_real_distribution<double>(0, 1)``."""
        if self._next == len(self._buffer):
            self._buffer = uniform_double(self.gen, self._chunk).tolist()
            self._next = 0
            self._chunk = min(2 * self._chunk, 1 << 16)
        self._next += 1
        self._used += 1
        return self._buffer[self._next - 1]

    def normal(self) -> float:
        """``normal_distribution<double>(0, 1)``, sharing the generator's cached spare value."""
        gen = self.gen
        if gen._normal is not None:
            value, gen._normal = gen._normal, None
            return value
        u1, u2 = self.uniform(), self.uniform()
        radius = math.sqrt(-2.0 * math.log1p(-u2))
        theta = 2.0 * math.pi * u1
        gen._normal = radius * math.sin(theta)
        return radius * math.cos(theta)

    def __enter__(self) -> "Draws":
        return self

    def __exit__(self, *exc: object) -> None:
        """Rewind to the start and skip exactly the words used (two per double)."""
        if self._next == len(self._buffer):
            return
        self.gen._bits.state = self._start
        if self._used:
            self.gen.words(2 * self._used)
        else:
            self.gen._fresh = self._fresh


def poisson(gen: Generator, rates: np.ndarray) -> np.ndarray:
    """``torch.poisson``: Hoermann's transformed rejection from rate 10 on, else products of
    uniforms (both as in NumPy's legacy sampler, which torch adapted)."""
    out = np.empty(rates.size, dtype=np.float64)
    with Draws(gen, 2 * rates.size) as draws:
        for i, lam in enumerate(rates.astype(np.float64).ravel().tolist()):
            out[i] = _poisson_one(lam, draws)
    return out.reshape(rates.shape)


def _poisson_one(lam: float, draws: Draws) -> int:
    if lam >= 10:
        slam, loglam = math.sqrt(lam), math.log(lam)
        b = 0.931 + 2.53 * slam
        a = -0.059 + 0.02483 * b
        invalpha = 1.1239 + 1.1328 / (b - 3.4)
        vr = 0.9277 - 3.6224 / (b - 2)
        while True:
            u = draws.uniform() - 0.5
            v = draws.uniform()
            us = 0.5 - abs(u)
            k = math.floor((2 * a / us + b) * u + lam + 0.43)
            if us >= 0.07 and v <= vr:
                return k
            if k < 0 or (us < 0.013 and v > us):
                continue
            if (math.log(v) + math.log(invalpha) - math.log(a / (us * us) + b)
                    <= -lam + k * loglam - math.lgamma(k + 1.0)):
                return k
    if lam == 0:
        return 0
    enlam, count, prod = math.exp(-lam), 0, 1.0
    while True:
        prod *= draws.uniform()
        if prod <= enlam:
            return count
        count += 1


def standard_gamma(gen: Generator, alpha: np.ndarray) -> np.ndarray:
    """``torch._standard_gamma``: Marsaglia and Tsang's method per element, in the dtype of
    ``alpha`` where torch's template computes in it, clamped below at the dtype's tiny."""
    kind = np.float64 if alpha.dtype == np.float64 else np.float32
    out = np.empty(alpha.size, dtype=kind)
    with Draws(gen, 3 * alpha.size) as draws:
        for i, a in enumerate(alpha.astype(kind).ravel()):
            out[i] = kind(gamma_one(a, draws))
    return np.maximum(out, np.finfo(kind).tiny).reshape(alpha.shape)


def gamma_one(alpha: np.floating, draws: Draws) -> float:
    """One gamma(alpha) draw; ``alpha`` is a NumPy float32 or float64 scalar (torch's scalar_t)."""
    kind = type(alpha)
    scale = 1.0
    if alpha < 1.0:
        if alpha == 0:
            return 0.0
        scale *= math.pow(1 - draws.uniform(), float(kind(1.0) / alpha))
        alpha = kind(alpha + kind(1.0))
    d = float(alpha - kind(_ONE_THIRD_F32))
    c = 1.0 / math.sqrt(9.0 * d)
    while True:
        x = draws.normal()
        y = 1.0 + c * x
        while y <= 0:
            x = draws.normal()
            y = 1.0 + c * x
        v = y * y * y
        u = 1 - draws.uniform()
        xx = x * x
        if u < 1.0 - _C_0331 * xx * xx:
            return scale * d * v
        if math.log(u) < 0.5 * xx + d * (1.0 - v + math.log(v)):
            return scale * d * v


def dirichlet(gen: Generator, concentration: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``torch._sample_dirichlet``: float64 gamma draws, normalised along the last dimension and
    clamped into [tiny, the float just below 1] of the concentration's dtype; returns the sample
    and the gammas it came from."""
    kind = concentration.dtype.type
    gammas = np.empty(concentration.size, dtype=np.float64)
    with Draws(gen, 3 * concentration.size) as draws:
        for i, a in enumerate(concentration.astype(np.float64).ravel()):
            gammas[i] = max(np.finfo(np.float64).tiny, gamma_one(a, draws))
    gammas = gammas.reshape(concentration.shape)
    ratio = (gammas / gammas.sum(-1, keepdims=True)).astype(kind)
    return np.clip(ratio, np.finfo(kind).tiny, np.nextafter(kind(1.0), kind(0.0))), gammas


def binomial(gen: Generator, count: np.ndarray, prob: np.ndarray) -> np.ndarray:
    """``torch.binomial``: BTRS (transformed rejection) where the mean is 10 or more, else
    inversion by geometric waiting times, in the dtype of ``count``."""
    kind = np.float64 if count.dtype == np.float64 else np.float32
    count, prob = np.broadcast_arrays(count.astype(kind), prob.astype(kind))
    out = np.empty(count.size, dtype=kind)
    with Draws(gen, 4 * count.size) as draws:
        for i, (n, p) in enumerate(zip(count.ravel(), prob.ravel())):
            out[i] = _binomial_one(n, p, draws)
    return out.reshape(count.shape)


def _binomial_one(count: np.floating, prob: np.floating, draws: Draws) -> float:
    kind = type(count)
    if count <= 0.0 or prob <= 0.0:
        return 0.0
    if prob >= 1.0:
        return float(count)
    if prob <= 0.5:
        if float(count * prob) >= 10.0:
            return float(_btrs(count, prob, draws))
        return float(_inversion(count, prob, draws))
    if prob > 0.5:
        qprob = kind(1.0 - float(prob))
        if float(count * qprob) >= 10.0:
            return float(count - _btrs(count, qprob, draws))
        return float(count - _inversion(count, qprob, draws))
    return math.nan


def _inversion(count: np.floating, prob: np.floating, draws: Draws) -> np.floating:
    kind = type(count)
    logprob = float(kind(math.log1p(-float(prob))))       # log1p in the dtype of prob
    geom_sum, num_geom = 0.0, kind(0)
    while True:
        geom_sum += math.ceil(math.log(draws.uniform()) / logprob)
        if geom_sum > count:
            return num_geom
        num_geom = kind(num_geom + 1)


def _stirling_tail(k: float) -> float:
    if k < len(_STIRLING_TAIL):
        return _STIRLING_TAIL[int(k)]
    kp1sq = (k + 1) * (k + 1)
    return (1.0 / 12 - (1.0 / 360 - 1.0 / 1260 / kp1sq) / kp1sq) / (k + 1)


def _btrs(count: np.floating, prob: np.floating, draws: Draws) -> np.floating:
    kind = type(count)
    one = kind(1)
    stddev = float(np.sqrt(count * prob * (one - prob)))
    b = 1.15 + 2.53 * stddev
    a = -0.0873 + 0.0248 * b + 0.01 * float(prob)
    c = float(count * prob) + 0.5
    v_r = 0.92 - 4.2 / b
    r = float(prob / (one - prob))
    alpha = (2.83 + 5.1 / b) * stddev
    m = float(np.floor((count + one) * prob))
    n = float(count)
    while True:
        u = draws.uniform() - 0.5
        v = draws.uniform()
        us = 0.5 - abs(u)
        k = kind(math.floor((2 * a / us + b) * u + c))
        if k < 0 or k > count:
            continue
        if us >= 0.07 and v <= v_r:
            return k
        kf = float(k)
        v = math.log(v * alpha / (a / (us * us) + b))
        upperbound = ((m + 0.5) * math.log((m + 1) / (r * (n - m + 1)))
                      + float(count + one) * math.log((n - m + 1) / float(count - k + one))
                      + (kf + 0.5) * math.log(r * float(count - k + one) / float(k + one))
                      + _stirling_tail(m) + _stirling_tail(n - m)
                      - _stirling_tail(kf) - _stirling_tail(float(count - k)))
        if v <= upperbound:
            return k
