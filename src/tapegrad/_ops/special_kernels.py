"""Vectorised NumPy kernels of the error and gamma families (no Python call per element).

Every kernel takes a float array, computes in float64 and returns the input's dtype, so float32
results are the correctly rounded float64 values.  The algorithms are textbook ones, chosen so
that no step loses precision:

* ``erfcx(x) = exp(x^2) erfc(x)`` is the core of the family.  On ``[0, 10)`` it is a Taylor
  series around the nearest multiple of 1/32, whose derivatives follow from the differential
  equation ``y' = 2 x y - 2 / sqrt(pi)`` (``y^(n+1) = 2 x y^(n) + 2 n y^(n-1)``); the 321
  centre values come from ``math.erfc`` once, at import.  From 10 on, its asymptotic series.
* ``erf`` is its Maclaurin series for ``|x| < 0.5`` and ``1 - erfc`` beyond; ``erfc`` is
  ``erfcx(x) exp(-x^2)`` with ``x^2`` split into an exact head and a small tail (so that the
  exponential of a large square keeps full precision).
* ``lgamma``: Taylor series of ``log Gamma`` around 1 and 2 (coefficients ``zeta(k) / k``), the
  recurrence ``Gamma(x + 1) = x Gamma(x)`` down to ``[1.5, 2.5)``, Stirling's series from 10 on,
  and the reflection formula for negative arguments.
* ``erfinv`` / ``ndtri``: a closed-form first guess refined by Newton's method on ``erf``, or on
  ``log erfc`` in the tails (so that ``1 - y`` as small as 1e-300 keeps its precision).
* ``igamma`` / ``igammac`` (regularised incomplete gamma): power series below ``x = a + 1``,
  continued fraction above, iterated on the unconverged elements only.
* ``zeta`` (Hurwitz): direct sum then Euler-Maclaurin, Cephes's scheme.
"""
from __future__ import annotations

import math

import numpy as np

_SQRT_PI = math.sqrt(math.pi)
_TWO_OVER_SQRT_PI = 2.0 / _SQRT_PI
_EULER = 0.57721566490153286060651209


def _f64(a: np.ndarray) -> np.ndarray:
    return np.asarray(a, dtype=np.float64)


def _back(out: np.ndarray, like: np.ndarray) -> np.ndarray:
    """``out`` in ``like``'s dtype (a 0-d result stays an array)."""
    dtype = like.dtype if isinstance(like, np.ndarray) and like.dtype.kind == "f" else np.float64
    return np.asarray(out, dtype=dtype)


# -- erf, erfc, erfcx ------------------------------------------------------------------------------
_STEP = 32                       # erfcx's Taylor centres are the multiples of 1/32 in [0, 10]
_CENTRES = np.arange(10 * _STEP + 1) / _STEP
_ERFCX_AT = np.array([math.erfc(c) * math.exp(c * c) for c in _CENTRES])


def _erf_small(x: np.ndarray) -> np.ndarray:
    """erf by its Maclaurin series, for |x| < 0.5 (15 terms reach float64 precision)."""
    z = x * x
    total = np.zeros_like(x)
    for n in range(15, -1, -1):  # Horner in z: sum (-1)^n z^n / (n! (2n + 1))
        total = total * z + (-1) ** n / (math.factorial(n) * (2 * n + 1))
    return _TWO_OVER_SQRT_PI * x * total


def _erfcx_positive(x: np.ndarray) -> np.ndarray:
    """erfcx for x >= 0 (x may be +inf)."""
    out = np.empty_like(x)
    near = x < 10.0
    xn = x[near]
    i = np.rint(xn * _STEP).astype(np.intp)
    c = _CENTRES[i]
    h = xn - c
    # Taylor terms t_n = y^(n)(c) h^n / n!, from y^(n+1) = 2 c y^(n) + 2 n y^(n-1).
    prev = _ERFCX_AT[i]
    cur = (2.0 * c * prev - _TWO_OVER_SQRT_PI) * h
    total = prev + cur
    for n in range(1, 14):  # |2 c h| <= 0.32: 15 terms reach float64 precision
        prev, cur = cur, (2.0 * c * h * cur + 2.0 * h * h * prev) / (n + 1)
        total = total + cur
    out[near] = total
    far = x[~near]
    with np.errstate(over="ignore"):
        inv = 1.0 / (2.0 * far * far)  # sum (-1)^k (2k-1)!! / (2 x^2)^k, 16 terms from x = 10
    series = np.ones_like(far)
    term = np.ones_like(far)
    for k in range(1, 17):
        term = term * (-(2 * k - 1)) * inv
        series = series + term
    out[~near] = series / (far * _SQRT_PI)
    return out


def _exp_minus_square(x: np.ndarray) -> np.ndarray:
    """exp(-x^2), with x^2 split as head^2 (exact) + tail so that no precision is lost."""
    head = np.round(x * 65536.0) / 65536.0
    with np.errstate(over="ignore", invalid="ignore"):
        return np.exp(-head * head) * np.exp(-(x - head) * (x + head))


def _exp_square(x: np.ndarray) -> np.ndarray:
    head = np.round(x * 65536.0) / 65536.0
    with np.errstate(over="ignore", invalid="ignore"):
        return np.exp(head * head) * np.exp((x - head) * (x + head))


def _erfc_positive(x: np.ndarray) -> np.ndarray:
    """erfc for x >= 0.5."""
    with np.errstate(under="ignore", invalid="ignore"):
        big = x > 27.5  # erfc underflows to zero there
        out = _erfcx_positive(np.where(big, 10.0, x)) * _exp_minus_square(np.where(big, 0.0, x))
    return np.where(big, 0.0, out)


def erf(a: np.ndarray) -> np.ndarray:
    """The error function, elementwise."""
    x = _f64(a)
    ax = np.abs(x)
    small = ax < 0.5
    out = np.empty_like(x)
    out[small] = _erf_small(x[small])
    rest = ~small & (ax < 6.0)  # erfc(6) < 2**-54: erf is +-1 from there on
    out[rest] = np.copysign(1.0 - _erfc_positive(ax[rest]), x[rest])
    one = ax >= 6.0
    out[one] = np.copysign(1.0, x[one])
    out[np.isnan(x)] = np.nan
    return _back(out, a)


def erfc(a: np.ndarray) -> np.ndarray:
    """The complementary error function, elementwise."""
    x = _f64(a)
    out = np.full_like(x, np.nan)
    mid = np.abs(x) < 0.5
    out[mid] = 1.0 - _erf_small(x[mid])
    pos = x >= 0.5
    out[pos] = _erfc_positive(x[pos])
    neg = x <= -0.5
    out[neg] = 2.0 - _erfc_positive(-x[neg])
    return _back(out, a)


def erfcx(a: np.ndarray) -> np.ndarray:
    """The scaled complementary error function ``exp(x^2) erfc(x)``, elementwise."""
    x = _f64(a)
    out = np.full_like(x, np.nan)
    pos = x >= 0
    out[pos] = _erfcx_positive(x[pos])
    neg = x < 0
    xn = x[neg]
    with np.errstate(over="ignore", invalid="ignore"):
        out[neg] = 2.0 * _exp_square(xn) - _erfcx_positive(-xn)
    out[np.isneginf(x)] = np.inf
    return _back(out, a)


# -- inverse error functions -------------------------------------------------------------------
def _erfcinv_lower(q: np.ndarray) -> np.ndarray:
    """x >= 0 with erfc(x) = q, for 0 < q <= 1: Newton's method on log(erfc(x)) - log(q)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        # First guess: the inverse of erfc(x) ~ exp(-x^2) / (x sqrt(pi)) (good in the tail),
        # blended with the linear guess near q = 1.
        t = -np.log(q)
        x = np.sqrt(np.maximum(t - 0.5 * np.log(np.maximum(np.pi * t, 1e-300)), 0.0))
        x = np.where(q > 0.5, (1.0 - q) * _SQRT_PI / 2.0, x)
        logq = np.log(q)
        for _ in range(6):
            y = _erfcx_positive(x)
            x = x + (np.log(y) - x * x - logq) * y * (_SQRT_PI / 2.0)
            x = np.maximum(x, 0.0)
    return x


def _erfinv_small(y: np.ndarray) -> np.ndarray:
    """erfinv for |y| <= 0.5: Newton's method on erf from the series' first two terms."""
    x = y * (_SQRT_PI / 2.0) * (1.0 + (np.pi / 12.0) * y * y)
    for _ in range(4):
        x = x - (_back(erf(x), x) - y) * (_SQRT_PI / 2.0) * np.exp(x * x)
    return x


def erfinv(a: np.ndarray) -> np.ndarray:
    """The inverse error function on [-1, 1] (+-inf at +-1, NaN outside)."""
    y = _f64(a)
    out = np.full_like(y, np.nan)
    ay = np.abs(y)
    small = ay <= 0.5
    out[small] = _erfinv_small(y[small])
    tail = (ay > 0.5) & (ay < 1.0)
    out[tail] = np.copysign(_erfcinv_lower(1.0 - ay[tail]), y[tail])
    out[ay == 1.0] = np.copysign(np.inf, y[ay == 1.0])
    return _back(out, a)


def ndtri(a: np.ndarray) -> np.ndarray:
    """The inverse of the standard normal CDF on [0, 1] (-inf at 0, +inf at 1, NaN outside)."""
    p = _f64(a)
    out = np.full_like(p, np.nan)
    mid = (p >= 0.25) & (p <= 0.75)
    out[mid] = math.sqrt(2.0) * _erfinv_small(2.0 * p[mid] - 1.0)  # 2p - 1 is exact here
    low = (p > 0.0) & (p < 0.25)
    out[low] = -math.sqrt(2.0) * _erfcinv_lower(2.0 * p[low])
    high = (p > 0.75) & (p < 1.0)
    out[high] = math.sqrt(2.0) * _erfcinv_lower(2.0 * (1.0 - p[high]))
    out[p == 0.0] = -np.inf
    out[p == 1.0] = np.inf
    return _back(out, a)


# -- lgamma ----------------------------------------------------------------------------------------
def _zeta_minus_one(k: int) -> float:
    """zeta(k) - 1 = sum_{n >= 2} n^-k, for k >= 2 (summed to 2000, tail by Euler-Maclaurin)."""
    n = np.arange(2000, 1, -1, dtype=np.float64)
    head = float(np.sum(n ** -float(k)))
    m = 2001.0
    tail = m ** (1 - k) / (k - 1) + 0.5 * m ** -k + k * m ** (-k - 1) / 12.0
    return head + tail


_ZM1 = [0.0, 0.0] + [_zeta_minus_one(k) for k in range(2, 64)]
# log Gamma(1 + z) = -gamma z + sum_{k>=2} (-1)^k zeta(k) z^k / k     (|z| <= 0.5)
_AROUND_ONE = [0.0, -_EULER] + [(-1) ** k * (1.0 + _ZM1[k]) / k for k in range(2, 64)]
# log Gamma(2 + z) = (1 - gamma) z + sum_{k>=2} (-1)^k (zeta(k) - 1) z^k / k
_AROUND_TWO = [0.0, 1.0 - _EULER] + [(-1) ** k * _ZM1[k] / k for k in range(2, 40)]
# B_2k / (2k (2k - 1)): Stirling's series.
_STIRLING = [1 / 12, -1 / 360, 1 / 1260, -1 / 1680, 1 / 1188, -691 / 360360, 1 / 156,
             -3617 / 122400, 43867 / 244188]


def _horner(coefficients: list, z: np.ndarray) -> np.ndarray:
    total = np.zeros_like(z)
    for c in reversed(coefficients):
        total = total * z + c
    return total


def _lgamma_positive(x: np.ndarray) -> np.ndarray:
    """log Gamma(x) for finite x > 0."""
    out = np.empty_like(x)
    tiny = x < 0.5
    z = x[tiny]
    out[tiny] = _horner(_AROUND_ONE, z) - np.log(z)
    one = (x >= 0.5) & (x < 1.5)
    out[one] = _horner(_AROUND_ONE, x[one] - 1.0)
    two = (x >= 1.5) & (x < 10.0)
    y = x[two]
    shift = np.floor(y - 1.5)  # log Gamma(y) = log((y-1)...(y-s)) + log Gamma(y - s)
    product = np.ones_like(y)
    for j in range(1, 9):
        product = np.where(j <= shift, product * (y - j), product)
    out[two] = np.log(product) + _horner(_AROUND_TWO, y - shift - 2.0)
    big = x >= 10.0
    y = x[big]
    inv = 1.0 / y
    series = _horner(_STIRLING, inv * inv) * inv
    with np.errstate(over="ignore"):
        out[big] = (y - 0.5) * np.log(y) - y + 0.5 * math.log(2.0 * math.pi) + series
    return out


def lgamma(a: np.ndarray) -> np.ndarray:
    """log |Gamma(x)| elementwise; +inf at the poles (0, -1, -2, ...) and at +-inf."""
    x = _f64(a)
    out = np.full_like(x, np.inf)
    pos = (x > 0) & np.isfinite(x)
    out[pos] = _lgamma_positive(x[pos])
    neg = (x < 0) & np.isfinite(x)
    xn = x[neg]
    r = xn - np.round(xn)  # sin(pi x) reduced to |r| <= 1/2: exact argument
    s = np.abs(np.sin(np.pi * r))
    with np.errstate(divide="ignore"):
        value = np.log(np.pi / s) - _lgamma_positive(1.0 - xn)
    out[neg] = np.where(r == 0, np.inf, value)
    out[np.isnan(x)] = np.nan
    return _back(out, a)


# -- the incomplete gamma functions ------------------------------------------------------------
def _prefactor(a: np.ndarray, x: np.ndarray) -> np.ndarray:
    """x^a exp(-x) / Gamma(a), through logs.  For a >= 10 the log is regrouped with Stirling's
    formula as ``-a (t - log1p(t)) + log(a) / 2 - log(2 pi) / 2 - S(a)``, ``t = (x - a) / a``,
    whose rounding error scales with ``|x - a|`` instead of with ``a log x``."""
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        direct = a * np.log(x) - x - _lgamma_positive(a)
        big = a >= 10.0
        if big.any():
            ab, t = a[big], (x[big] - a[big]) / a[big]
            inv = 1.0 / ab
            correction = _horner(_STIRLING, inv * inv) * inv
            direct[big] = (-ab * (t - np.log1p(t)) + 0.5 * np.log(ab)
                           - 0.5 * math.log(2.0 * math.pi) - correction)
        return np.exp(direct)


def _iterate(step, state: list, done_when, limit: int = 5000) -> list:
    """Run ``step`` on the unconverged elements only until ``done_when`` says so."""
    active = np.arange(state[0].size)
    for _ in range(limit):
        if active.size == 0:
            break
        sub = [s[active] for s in state]
        sub = step(*sub)
        for s, v in zip(state, sub):
            s[active] = v
        active = active[~done_when(*sub)]
    return state


def _lower_series(a: np.ndarray, x: np.ndarray) -> np.ndarray:
    """P(a, x) by sum x^n / ((a+1)...(a+n)), times x^a e^-x / Gamma(a + 1)."""
    term = np.ones_like(a)
    total = np.ones_like(a)
    ap = a.copy()

    def step(term, total, ap, a, x):
        ap = ap + 1.0
        term = term * x / ap
        return term, total + term, ap, a, x

    state = _iterate(step, [term, total, ap, a.copy(), x.copy()],
                     lambda term, total, *_: np.abs(term) <= np.abs(total) * 1e-17)
    return state[1] * _prefactor(a, x) / a


def _upper_fraction(a: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Q(a, x) by its continued fraction (modified Lentz), for x >= a + 1."""
    tiny = 1e-300
    b = x + 1.0 - a
    c = np.full_like(a, 1.0 / tiny)
    d = 1.0 / b
    h = d.copy()
    i = np.zeros_like(a)

    def step(b, c, d, h, i, a, x):
        i = i + 1.0
        an = -i * (i - a)
        b = b + 2.0
        d = an * d + b
        d = np.where(np.abs(d) < tiny, tiny, d)
        c = b + an / c
        c = np.where(np.abs(c) < tiny, tiny, c)
        d = 1.0 / d
        delta = d * c
        return b, c, d, h * delta, i, a, x, delta

    def run(b, c, d, h, i, a, x, delta):
        return step(b, c, d, h, i, a, x)

    state = [b, c, d, h, i, a.copy(), x.copy(), np.zeros_like(a)]
    state = _iterate(run, state, lambda *s: np.abs(s[-1] - 1.0) <= 1e-16)
    return state[3] * _prefactor(a, x)


def _igamma_pair(a_in: np.ndarray, x_in: np.ndarray, upper: bool) -> np.ndarray:
    a, x = np.broadcast_arrays(_f64(a_in), _f64(x_in))
    a, x = a.astype(np.float64).ravel(), x.astype(np.float64).ravel()
    out = np.full(a.shape, np.nan)
    ok = (a > 0) & (x > 0) & np.isfinite(a) & np.isfinite(x)
    series = ok & (x < a + 1.0)
    fraction = ok & ~series
    p = _lower_series(a[series], x[series])
    q = _upper_fraction(a[fraction], x[fraction])
    out[series] = 1.0 - p if upper else p
    out[fraction] = q if upper else 1.0 - q
    # torch's (Cephes's) edge cases, tested in this order (NaN fails every comparison)
    lo, hi = (1.0, 0.0) if upper else (0.0, 1.0)
    cases = [(x < 0) | (a < 0), a == 0, x == 0, np.isinf(a), np.isinf(x)]
    values = [np.nan, np.where(x > 0, hi, np.nan), lo, np.where(np.isinf(x), np.nan, lo), hi]
    return np.select(cases, values, out)
    return out


def igamma(a: np.ndarray, x: np.ndarray) -> np.ndarray:
    """The regularised lower incomplete gamma function P(a, x), elementwise."""
    out = _igamma_pair(a, x, upper=False)
    return _back(out.reshape(np.broadcast_shapes(np.shape(a), np.shape(x))), _common(a, x))


def igammac(a: np.ndarray, x: np.ndarray) -> np.ndarray:
    """The regularised upper incomplete gamma function Q(a, x) = 1 - P(a, x), elementwise."""
    out = _igamma_pair(a, x, upper=True)
    return _back(out.reshape(np.broadcast_shapes(np.shape(a), np.shape(x))), _common(a, x))


def _common(a, x) -> np.ndarray:
    for v in (a, x):
        if isinstance(v, np.ndarray) and v.dtype.kind == "f":
            return v
    return np.empty(0)


# -- Hurwitz zeta ----------------------------------------------------------------------------------
# (2j)! / B_2j, the Euler-Maclaurin divisors of Cephes's zeta.
_EM = [math.factorial(2 * j) / b for j, b in enumerate(
    [1 / 6, -1 / 30, 1 / 42, -1 / 30, 5 / 66, -691 / 2730, 7 / 6, -3617 / 510, 43867 / 798,
     -174611 / 330, 854513 / 138, -236364091 / 2730], start=1)]


def zeta(x_in: np.ndarray, q_in: np.ndarray) -> np.ndarray:
    """The Hurwitz zeta function sum_{k >= 0} (q + k)^-x, elementwise (torch's edge cases)."""
    x, q = np.broadcast_arrays(_f64(x_in), _f64(q_in))
    shape = x.shape
    x, q = x.astype(np.float64).ravel(), q.astype(np.float64).ravel()
    out = np.full(x.shape, np.nan)
    with np.errstate(all="ignore"):
        pole_q = (q <= 0) & (q == np.floor(q))
        bad = np.isnan(x) | np.isnan(q) | (x < 1) | ((q <= 0) & ~pole_q & (x != np.floor(x)))
        run = ~bad & ~pole_q & (x != 1)
        xs, qs = x[run], q[run]
        s = qs ** -xs
        a = qs.copy()
        b = np.zeros_like(s)
        done = np.zeros(s.shape, bool)
        i = 0
        while True:
            going = ~done & ((i < 9) | (a <= 9))
            if not going.any():
                break
            i += 1
            a = np.where(going, a + 1.0, a)
            b = np.where(going, a ** -xs, b)
            s = np.where(going, s + b, s)
            done |= going & (np.abs(b / s) < 1.11022302462515654042e-16)
        w = a
        tail = ~done
        s = np.where(tail, s + b * w / (xs - 1.0) - 0.5 * b, s)
        fac = np.ones_like(s)
        k = 0.0
        for j in range(12):
            fac = fac * (xs + k)
            b = b / w
            t = fac * b / _EM[j]
            s = np.where(tail, s + t, s)
            tail &= ~(np.abs(t / s) < 1.11022302462515654042e-16)
            k += 1.0
            fac = fac * (xs + k)
            b = b / w
            k += 1.0
        out[run] = s
        out[~bad & (pole_q | (x == 1))] = np.inf
    return _back(out.reshape(shape), _common(x_in, q_in))
