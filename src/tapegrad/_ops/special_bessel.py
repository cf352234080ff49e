"""Vectorised NumPy kernels of the Bessel and Airy functions (no Python call per element).

Each function is evaluated by one of three means, by range:

* near 0, its power series (a fixed number of terms, evaluated for all elements at once);
* far out, its asymptotic (Hankel) expansion, whose error is below float64's there;
* in between, a Taylor series around the nearest point of a table spaced 1/32 apart.  The
  function satisfies a linear differential equation ``P2(x) y'' + P1(x) y' + P0(x) y = 0``
  (Bessel's: ``x^2 y'' + x y' +- x^2 y = 0``; Airy's: ``y'' = x y``), so its Taylor coefficients
  follow from the value and the slope by a recurrence.  The table itself is built once, on first
  use, by stepping with that same recurrence in extended precision, in the direction where the
  wanted solution does not lose to the other one (towards 0 for K0 and Ai, either way for the
  oscillating J0 / Y0), starting from the asymptotic expansion.

The results are float64 (float32 inputs get the correctly rounded float64 value).
"""
from __future__ import annotations

import math
from typing import Callable

import numpy as np

_EULER = 0.57721566490153286060651209
_STEP = 32


def _f64(a: np.ndarray) -> np.ndarray:
    return np.asarray(a, dtype=np.float64)


def _back(out: np.ndarray, like: np.ndarray) -> np.ndarray:
    dtype = like.dtype if isinstance(like, np.ndarray) and like.dtype.kind == "f" else np.float64
    return np.asarray(out, dtype=dtype)


# -- Taylor steps of a linear second-order equation ----------------------------------------------
def _shifted(poly: tuple, c):
    """The coefficients of P(c + h) in h, for P of degree <= 2 given as (p0, p1, p2)."""
    p0, p1, p2 = poly
    return (p0 + p1 * c + p2 * c * c, p1 + 2 * p2 * c, p2 + 0 * c)


def _taylor(ode: tuple, c, y, dy, h, terms: int):
    """The value and slope at c + h of the solution with value y and slope dy at c.

    Works on arrays (one centre per element) of any float dtype; ``b_k = a_k h^k`` is carried
    so that h = 0 needs no special case for the value."""
    polys = [_shifted(p, c) for p in ode]  # P0, P1, P2 around c
    # which shifted coefficients can be nonzero: degree j needs a term of degree >= j
    live = [[any(p[j:]) for j in range(3)] for p in ode]
    powers = [h ** 0, h, h * h, h * h * h, h * h * h * h]
    b = [y, dy * h]
    for m in range(terms - 2):
        rhs = 0.0
        for d in range(3):
            for j in range(3):
                k = m - j + d  # b_k with k = m - j + d, weighted by (m - j + d)! / (m - j)!
                if (d == 2 and j == 0) or m - j < 0 or not live[d][j]:
                    continue
                rhs = rhs + polys[d][j] * math.perm(k, d) * b[k] * powers[j + 2 - d]
        b.append(-rhs / (polys[2][0] * (m + 2) * (m + 1)))
    value = sum(b[1:], b[0])
    slope_h = sum(k * b[k] for k in range(1, len(b)))
    with np.errstate(divide="ignore", invalid="ignore"):
        slope = np.where(h == 0, dy, slope_h / np.where(h == 0, 1, h))
    return value, slope


class _Table:
    """Values and slopes of one solution at the multiples of 1/32 in [lo, hi], built on first
    use by stepping from ``start`` (the end where ``seed`` gives value and slope)."""

    def __init__(self, ode: tuple, lo: float, hi: float, start: float,
                 seed: Callable[[float], tuple]) -> None:
        self.ode, self.lo, self.hi, self.start, self.seed = ode, lo, hi, start, seed
        self.values: np.ndarray | None = None

    def _build(self) -> None:
        n = int(round((self.hi - self.lo) * _STEP)) + 1
        centres = self.lo + np.arange(n, dtype=np.longdouble) / _STEP
        values = np.empty(n, np.longdouble)
        slopes = np.empty(n, np.longdouble)
        i = 0 if self.start == self.lo else n - 1
        direction = 1 if i == 0 else -1
        y, dy = self.seed(self.start)
        values[i], slopes[i] = y, dy
        h = np.longdouble(direction) / _STEP
        for _ in range(n - 1):
            y, dy = _taylor(self.ode, centres[i], values[i], slopes[i], h, 30)
            i += direction
            values[i], slopes[i] = y, dy
        self.centres = centres.astype(np.float64)
        self.values, self.slopes = values.astype(np.float64), slopes.astype(np.float64)

    def __call__(self, x: np.ndarray) -> tuple:
        if self.values is None:
            self._build()
        i = np.rint((x - self.lo) * _STEP).astype(np.intp)
        c = self.centres[i]
        return _taylor(self.ode, c, self.values[i], self.slopes[i], x - c, 15)


# -- asymptotic expansions -----------------------------------------------------------------------
def _hankel(nu: int, x, terms: int = 30) -> tuple:
    """P and Q of the Hankel expansion of J_nu and Y_nu (any float dtype)."""
    mu = 4.0 * nu * nu
    p, q = x * 0 + 1, x * 0
    term = x * 0 + 1
    for k in range(1, 2 * terms):
        term = term * (mu - (2 * k - 1) ** 2) / (k * 8.0 * x)
        if k % 2 == 1:
            q = q + (-1) ** (k // 2) * term
        else:
            p = p + (-1) ** (k // 2) * term
    return p, q


def _jy_far(nu: int, x, terms: int = 10) -> tuple:
    """J_nu(x) and Y_nu(x) for large x > 0, by Hankel's expansion (x >= 25: 20 terms reach
    float64 precision; the table seeds take more)."""
    p, q = _hankel(nu, x, terms)
    if x.dtype == np.longdouble:  # the table seeds: the phase split exactly
        c, s = np.cos(x), np.sin(x)
        half = np.sqrt(np.longdouble(0.5))
        if nu == 0:  # chi = x - pi/4
            cos_chi, sin_chi = (c + s) * half, (s - c) * half
        else:        # chi = x - 3 pi/4
            cos_chi, sin_chi = (s - c) * half, -(s + c) * half
    else:  # chi rounded to float64 first, as torch (Cephes) does: equal results for huge x
        chi = x - (0.25 if nu == 0 else 0.75) * np.pi
        cos_chi, sin_chi = np.cos(chi), np.sin(chi)
    scale = np.sqrt(2.0 / (np.pi * x)) if x.dtype != np.longdouble else \
        np.sqrt(np.longdouble(2) / (np.longdouble(np.pi) * x))
    return scale * (p * cos_chi - q * sin_chi), scale * (p * sin_chi + q * cos_chi)


def _k_far_scaled(nu: int, x) -> np.ndarray:
    """exp(x) K_nu(x) for large x, by its asymptotic expansion."""
    mu = 4.0 * nu * nu
    total, term = x * 0 + 1, x * 0 + 1
    for k in range(1, 40):
        term = term * (mu - (2 * k - 1) ** 2) / (k * 8.0 * x)
        total = total + term
    return np.sqrt(np.pi / (2.0 * x)) * total


def _i_far_scaled(nu: int, x: np.ndarray) -> np.ndarray:
    """exp(-x) I_nu(x) for large x, by its asymptotic expansion."""
    mu = 4.0 * nu * nu
    total, term = np.ones_like(x), np.ones_like(x)
    for k in range(1, 40):
        term = term * -(mu - (2 * k - 1) ** 2) / (k * 8.0 * x)
        total = total + term
    return total / np.sqrt(2.0 * np.pi * x)


# -- power series near 0 ---------------------------------------------------------------------------
def _series(x: np.ndarray, sign: float, order: int, terms: int, harmonic: bool = False):
    """sum_k sign^k (x/2)^(2k + order) / (k! (k + order)!), and with ``harmonic`` also the
    sum weighted by psi(k + 1) + psi(k + order + 1) (for Y and K)."""
    z = sign * x * x / 4.0
    term = (x / 2.0) ** order / math.factorial(order)
    total = term.copy()
    weighted = term * (2 * -_EULER + sum(1.0 / j for j in range(1, order + 1)))
    for k in range(1, terms):
        term = term * z / (k * (k + order))
        total = total + term
        if harmonic:
            psi = (-_EULER + sum(1.0 / j for j in range(1, k + 1))
                   - _EULER + sum(1.0 / j for j in range(1, k + order + 1)))
            weighted = weighted + term * psi
    return total, weighted


# -- J0, J1, Y0, Y1 --------------------------------------------------------------------------------
_BESSEL = ((0.0, 0.0, 1.0), (0.0, 1.0, 0.0), (0.0, 0.0, 1.0))   # P0 = x^2, P1 = x, P2 = x^2
_MODIFIED = ((0.0, 0.0, -1.0), (0.0, 1.0, 0.0), (0.0, 0.0, 1.0))  # P0 = -x^2


def _seed_j0(x0: float) -> tuple:
    x = np.array([x0], np.longdouble)
    j0, _ = _jy_far(0, x, terms=16)
    j1, _ = _jy_far(1, x, terms=16)
    return j0[0], -j1[0]


def _seed_y0(x0: float) -> tuple:
    x = np.array([x0], np.longdouble)
    _, y0 = _jy_far(0, x, terms=16)
    _, y1 = _jy_far(1, x, terms=16)
    return y0[0], -y1[0]


def _seed_k0(x0: float) -> tuple:
    x = np.array([x0], np.longdouble)
    e = np.exp(-x)
    return (_k_far_scaled(0, x) * e)[0], -(_k_far_scaled(1, x) * e)[0]


_J0 = _Table(_BESSEL, 1.0, 25.0, 25.0, _seed_j0)
_Y0 = _Table(_BESSEL, 1.0, 25.0, 25.0, _seed_y0)
_K0 = _Table(_MODIFIED, 1.0, 25.0, 25.0, _seed_k0)


def _j_or_y(a: np.ndarray, nu: int, second: bool) -> np.ndarray:
    x = _f64(a)
    ax = np.abs(x)
    out = np.full_like(x, np.nan)
    near, mid, far = ax < 1.0, (ax >= 1.0) & (ax < 25.0), ax >= 25.0
    xs = ax[near]
    if second:
        with np.errstate(divide="ignore", invalid="ignore"):
            j, weighted = _series(xs, -1.0, nu, 20, harmonic=True)
            value = (2.0 / np.pi) * np.log(xs / 2.0) * j - weighted / np.pi
            if nu == 1:
                value = value - 2.0 / (np.pi * xs)
        out[near] = value
    else:
        out[near] = _series(xs, -1.0, nu, 20)[0]
    y, dy = (_Y0 if second else _J0)(ax[mid])
    out[mid] = y if nu == 0 else -dy
    with np.errstate(invalid="ignore"):
        jf, yf = _jy_far(nu, ax[far])
    out[far] = yf if second else jf
    if second:  # Y is real only for x > 0; Y(0) = -inf
        out[x < 0] = np.nan
        out[x == 0] = -np.inf
    elif nu == 1:  # J1 is odd (and torch keeps the sign of -0.0)
        out = np.where(np.signbit(x), -out, out)
    out[np.isinf(x) | np.isnan(x)] = np.nan  # torch's value at +-inf
    return _back(out, a)


def bessel_j0(a: np.ndarray) -> np.ndarray:
    """The Bessel function of the first kind of order 0."""
    return _j_or_y(a, 0, False)


def bessel_j1(a: np.ndarray) -> np.ndarray:
    """The Bessel function of the first kind of order 1."""
    return _j_or_y(a, 1, False)


def bessel_y0(a: np.ndarray) -> np.ndarray:
    """The Bessel function of the second kind of order 0 (NaN for x < 0)."""
    return _j_or_y(a, 0, True)


def bessel_y1(a: np.ndarray) -> np.ndarray:
    """The Bessel function of the second kind of order 1 (NaN for x < 0)."""
    return _j_or_y(a, 1, True)


# -- I0, I1, K0, K1 (plain and exponentially scaled) -----------------------------------------------
def _i_scaled(a: np.ndarray, nu: int) -> np.ndarray:
    """exp(-|x|) I_nu(x)."""
    x = _f64(a)
    ax = np.abs(x)
    out = np.full_like(x, np.nan)
    near = ax <= 20.0
    xs = ax[near]
    out[near] = _series(xs, 1.0, nu, 45)[0] * np.exp(-xs)
    far = ax > 20.0
    with np.errstate(invalid="ignore", divide="ignore"):
        out[far] = _i_far_scaled(nu, ax[far])
    out[np.isposinf(ax)] = 0.0
    if nu == 1:
        out = np.where(x < 0, -out, out)
    out[np.isnan(x)] = np.nan
    return out


def _i_plain(a: np.ndarray, nu: int) -> np.ndarray:
    x = _f64(a)
    with np.errstate(over="ignore", invalid="ignore"):
        ax = np.abs(x)
        # exp(|x|) in two halves so that it overflows only when the product does
        half = np.exp(ax / 2.0)
        out = _i_scaled(x, nu) * half * half
    out[np.isinf(x)] = np.nan  # torch's value at +-inf
    return out


def _quiet(fn: Callable) -> Callable:
    """``fn`` with NumPy's floating-point warnings off (NaN and inf are results here)."""
    def wrapper(a: np.ndarray) -> np.ndarray:
        with np.errstate(all="ignore"):
            return fn(a)
    wrapper.__name__, wrapper.__doc__ = fn.__name__, fn.__doc__
    return wrapper


def i0(a):
    """The modified Bessel function of the first kind of order 0."""
    return _back(_i_plain(a, 0), a)


def i1(a):
    """The modified Bessel function of the first kind of order 1."""
    return _back(_i_plain(a, 1), a)


def i0e(a):
    """exp(-|x|) i0(x)."""
    return _back(_i_scaled(a, 0), a)


def i1e(a):
    """exp(-|x|) i1(x)."""
    return _back(_i_scaled(a, 1), a)


def _k_scaled(a: np.ndarray, nu: int) -> np.ndarray:
    """exp(x) K_nu(x) for x > 0; +inf at 0 and NaN below."""
    x = _f64(a)
    out = np.full_like(x, np.nan)
    near = (x > 0) & (x < 1.0)
    xs = x[near]
    i, weighted = _series(xs, 1.0, nu, 20, harmonic=True)
    if nu == 0:
        value = -np.log(xs / 2.0) * i + weighted / 2.0
    else:
        value = 1.0 / xs + np.log(xs / 2.0) * i - weighted / 2.0
    out[near] = value * np.exp(xs)
    mid = (x >= 1.0) & (x < 25.0)
    y, dy = _K0(x[mid])
    out[mid] = (y if nu == 0 else -dy) * np.exp(x[mid])
    far = x >= 25.0
    out[far] = _k_far_scaled(nu, x[far])
    out[np.isposinf(x)] = 0.0
    out[x == 0] = np.inf
    return out


def modified_bessel_k0(a):
    """The modified Bessel function of the second kind of order 0."""
    x = _f64(a)
    with np.errstate(under="ignore", over="ignore", invalid="ignore"):
        out = _k_scaled(x, 0) * np.exp(-np.where(np.isinf(x), 0.0, x))
    return _back(np.where(np.isposinf(x), 0.0, out), a)


def modified_bessel_k1(a):
    """The modified Bessel function of the second kind of order 1."""
    x = _f64(a)
    with np.errstate(under="ignore", over="ignore", invalid="ignore"):
        out = _k_scaled(x, 1) * np.exp(-np.where(np.isinf(x), 0.0, x))
    return _back(np.where(np.isposinf(x), 0.0, out), a)


def scaled_modified_bessel_k0(a):
    """exp(x) k0(x)."""
    return _back(_k_scaled(a, 0), a)


def scaled_modified_bessel_k1(a):
    """exp(x) k1(x)."""
    return _back(_k_scaled(a, 1), a)


# -- Airy Ai ---------------------------------------------------------------------------------------
_AIRY = ((0.0, -1.0, 0.0), (0.0, 0.0, 0.0), (1.0, 0.0, 0.0))  # y'' - x y = 0


def _airy_u(terms: int) -> list:
    """u_k of the Airy asymptotic expansions: u_k = u_{k-1} (6k-5)(6k-3)(6k-1) / (216 k (2k-1))."""
    u = [1.0]
    for k in range(1, terms):
        u.append(u[-1] * (6 * k - 5) * (6 * k - 3) * (6 * k - 1) / (216.0 * k * (2 * k - 1)))
    return u


_U = _airy_u(40)


def _airy_right(x) -> tuple:
    """Ai and Ai' for large x > 0 (any float dtype)."""
    zeta = 2.0 * x * np.sqrt(x) / 3.0
    s, ds = x * 0 + 1, x * 0 + 1
    power = x * 0 + 1
    for k in range(1, 25):
        power = -power / zeta
        s = s + _U[k] * power
        ds = ds - (6 * k + 1) / (6 * k - 1) * _U[k] * power  # v_k = -(6k+1)/(6k-1) u_k
    e = np.exp(-zeta) / (2.0 * np.sqrt(np.pi))
    return e * s / np.sqrt(np.sqrt(x)), -e * ds * np.sqrt(np.sqrt(x))


def _seed_airy(x0: float) -> tuple:
    y, dy = _airy_right(np.array([x0], np.longdouble))
    return y[0], dy[0]


_AI = _Table(_AIRY, -20.0, 10.0, 10.0, _seed_airy)


def airy_ai(a: np.ndarray) -> np.ndarray:
    """The Airy function Ai."""
    x = _f64(a)
    out = np.full_like(x, np.nan)
    mid = (x >= -20.0) & (x <= 10.0)
    out[mid] = _AI(x[mid])[0]
    right = (x > 10.0) & (x < 110.0)
    with np.errstate(under="ignore"):
        out[right] = _airy_right(x[right])[0]
    out[x >= 110.0] = 0.0
    left = x < -20.0
    t = -x[left]
    zeta = 2.0 * t * np.sqrt(t) / 3.0
    even, odd = np.ones_like(t), np.zeros_like(t)
    power = np.ones_like(t)
    for k in range(1, 30):
        power = power / zeta
        if k % 2:
            odd = odd + (-1) ** (k // 2) * _U[k] * power
        else:
            even = even + (-1) ** (k // 2) * _U[k] * power
    phase = zeta + np.pi / 4.0
    with np.errstate(invalid="ignore"):
        out[left] = (np.sin(phase) * even - np.cos(phase) * odd) / (np.sqrt(np.pi)
                                                                     * np.sqrt(np.sqrt(t)))
    out[np.isinf(x)] = np.nan  # torch's value at +-inf
    return _back(out, a)


def spherical_bessel_j0(a: np.ndarray) -> np.ndarray:
    """sin(x) / x, 1 at 0 (by its series for |x| < 0.5) and 0 at +-inf."""
    x = _f64(a)
    z = x * x
    series = np.zeros_like(x)
    for k in range(12, -1, -1):  # sum (-1)^k x^2k / (2k + 1)!
        series = series * z + (-1) ** k / math.factorial(2 * k + 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.where(np.abs(x) < 0.5, series, np.sin(x) / x)
    out = np.where(np.isinf(x), 0.0, out)
    return _back(out, a)


modified_bessel_i0, modified_bessel_i1 = i0, i1
for _name in ("bessel_j0", "bessel_j1", "bessel_y0", "bessel_y1", "i0", "i1", "i0e", "i1e",
              "modified_bessel_i0", "modified_bessel_i1", "modified_bessel_k0",
              "modified_bessel_k1", "scaled_modified_bessel_k0", "scaled_modified_bessel_k1",
              "airy_ai", "spherical_bessel_j0"):
    globals()[_name] = _quiet(globals()[_name])
