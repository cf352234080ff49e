"""Vectorised NumPy kernels of torch.special's orthogonal polynomials, ``P(x, n)``.

Each is evaluated by its three-term recurrence, run for all elements at once (element ``i``
stops after its own ``n``), with torch's shortcuts taken first so that results round as
torch's do: ``n < 0`` gives 0; the values at the ends of the interval are given exactly; and for
the Chebyshev families with larger ``n`` inside ``(-1, 1)`` the trigonometric closed form is used
(``T_n(cos t) = cos(n t)``, ...).  ``n`` is truncated to an integer, as torch does.
"""
from __future__ import annotations

from typing import Callable

import numpy as np


def _odd(n: np.ndarray) -> np.ndarray:
    return n % 2 != 0


def _recur(x: np.ndarray, n: np.ndarray, first: np.ndarray, step: Callable) -> np.ndarray:
    """P_n from P_0 = 1, P_1 = ``first`` and ``P_{i+1} = step(i, x, P_{i-1}, P_i)``."""
    p, q = np.ones_like(x), first.copy()
    top = int(n.max(initial=1))
    for i in range(1, top):
        going = i < n
        if not going.any():
            break
        r = step(i, x, p, q)
        p, q = np.where(going, q, p), np.where(going, r, q)
    return np.where(n == 0, 1.0, q)


def _chebyshev_kind(kind: str):
    """The closed forms of T, U, V, W at x = cos(t), and their values at x = +-1."""
    def ends(x, n, positive):
        m = n.astype(np.float64)
        if kind == "t":
            return np.where(positive | ~_odd(n), 1.0, -1.0)
        if kind == "u":
            return np.where(positive | ~_odd(n), m + 1, -(m + 1))
        if kind == "v":
            return np.where(positive, 1.0, np.where(_odd(n), -(m + m + 1), m + m + 1))
        return np.where(positive, m + m + 1, np.where(_odd(n), -1.0, 1.0))

    def trig(x, n):
        t = np.arccos(x)
        m = n.astype(np.float64)
        if kind == "t":
            return np.cos(m * t)
        if kind == "u":
            s = np.sin(t)
            return np.where(s != 0, np.sin((m + 1) * t) / np.where(s != 0, s, 1.0),
                            (m + 1) * np.cos((m + 1) * t))
        if kind == "v":
            ok = np.sin(t / 2) != 1
            value = np.cos((m + 0.5) * t) / np.cos(t / 2)
            return np.where(ok, value, ends(x, n, np.zeros(x.shape, bool)))
        ok = np.cos(t / 2) != 1
        value = np.sin((m + 0.5) * t) / np.sin(t / 2)
        return np.where(ok, value, ends(x, n, x > 0))

    return ends, trig


_FIRST = {"t": lambda y: y, "u": lambda y: y + y, "v": lambda y: y + y - 1,
          "w": lambda y: y + y + 1}


def _prepare(x_in, n_in) -> tuple:
    x, n = np.broadcast_arrays(np.asarray(x_in, np.float64), np.asarray(n_in))
    with np.errstate(invalid="ignore"):
        n = np.where(np.isfinite(n), np.trunc(n.astype(np.float64)), -1).astype(np.int64)
    return x.astype(np.float64), n


def chebyshev(x_in, n_in, kind: str, shifted: bool = False) -> np.ndarray:
    """Chebyshev polynomials of the first to fourth kind (T, U, V, W), plain or shifted to
    [0, 1] (argument ``2x - 1``)."""
    x, n = _prepare(x_in, n_in)
    ends, trig = _chebyshev_kind(kind)
    y = x + x - 1 if shifted else x
    with np.errstate(all="ignore"):
        if shifted:  # torch tests x == 1 and x == 0 (y = +-1) on x itself
            at_end, positive = (x == 1) | (x == 0), x == 1
        else:
            at_end, positive = np.abs(x) == 1, x > 0
        by_trig = (n > (6 if kind == "t" or shifted else 8)) & (np.abs(y) < 1)
        first = _FIRST[kind](y)
        value = _recur(y, n, first, lambda i, y, p, q: (y + y) * q - p)
        out = np.where(by_trig, trig(np.where(by_trig, y, 0.0), n), value)
        out = np.where(at_end, ends(y, n, positive), out)
    return np.where(n < 0, 0.0, out)


def hermite_h(x_in, n_in) -> np.ndarray:
    """The physicists' Hermite polynomials H_n."""
    x, n = _prepare(x_in, n_in)
    with np.errstate(all="ignore"):
        out = _recur(x, n, x + x, lambda i, x, p, q: (x + x) * q - (2 * i) * p)
    return np.where(n < 0, 0.0, out)


def hermite_he(x_in, n_in) -> np.ndarray:
    """The probabilists' Hermite polynomials He_n."""
    x, n = _prepare(x_in, n_in)
    with np.errstate(all="ignore"):
        out = _recur(x, n, x.copy(), lambda i, x, p, q: x * q - i * p)
    return np.where(n < 0, 0.0, out)


def laguerre(x_in, n_in) -> np.ndarray:
    """The Laguerre polynomials L_n (1 at x = 0)."""
    x, n = _prepare(x_in, n_in)
    with np.errstate(all="ignore"):
        out = _recur(x, n, 1 - x, lambda i, x, p, q: (((i + i) + (1 - x)) * q - i * p) / (i + 1))
        out = np.where(x == 0, 1.0, out)
    return np.where(n < 0, 0.0, out)


def legendre(x_in, n_in) -> np.ndarray:
    """The Legendre polynomials P_n (+-1 at x = +-1)."""
    x, n = _prepare(x_in, n_in)
    with np.errstate(all="ignore"):
        out = _recur(x, n, x.copy(), lambda i, x, p, q: ((i + i + 1) * x * q - i * p) / (i + 1))
        ends = np.where((x > 0) | (n == 0) | ~_odd(n), 1.0, -1.0)
        out = np.where(np.abs(x) == 1, ends, out)
    return np.where(n < 0, 0.0, out)


KERNELS: dict[str, Callable] = {
    "chebyshev_polynomial_t": lambda x, n: chebyshev(x, n, "t"),
    "chebyshev_polynomial_u": lambda x, n: chebyshev(x, n, "u"),
    "chebyshev_polynomial_v": lambda x, n: chebyshev(x, n, "v"),
    "chebyshev_polynomial_w": lambda x, n: chebyshev(x, n, "w"),
    "shifted_chebyshev_polynomial_t": lambda x, n: chebyshev(x, n, "t", True),
    "shifted_chebyshev_polynomial_u": lambda x, n: chebyshev(x, n, "u", True),
    "shifted_chebyshev_polynomial_v": lambda x, n: chebyshev(x, n, "v", True),
    "shifted_chebyshev_polynomial_w": lambda x, n: chebyshev(x, n, "w", True),
    "hermite_polynomial_h": hermite_h,
    "hermite_polynomial_he": hermite_he,
    "laguerre_polynomial_l": laguerre,
    "legendre_polynomial_p": legendre,
}
"""torch.special's name -> kernel(x, n) returning float64."""
