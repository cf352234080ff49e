"""Special functions: erf, erfc, lgamma, digamma, polygamma and xlogy.

Each derivative is again a special function of this module (``lgamma' = digamma``,
``digamma' = polygamma(1, .)``, ``polygamma(n, .)' = polygamma(n + 1, .)``), so every order of
derivative is available.  Only NumPy is used, vectorised throughout: erf, erfc and lgamma are the
kernels of ``special_kernels`` (Taylor series around tabulated points, asymptotic series,
recurrences: no Python call per element); digamma and polygamma use recurrence, reflection and
an asymptotic series, accurate to a few units in the last place of float64.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from . import _registry, special_kernels as _K
from ._registry import elementwise, general
from .elementwise import exp, where

# -- erf and erfc --------------------------------------------------------------------------------
_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)


ERF = elementwise("erf", _K.erf, "ErfBackward0", promote="float",
                  input=lambda input: _TWO_OVER_SQRT_PI * exp(-(input * input)))
ERFC = elementwise("erfc", _K.erfc, "ErfcBackward0", promote="float",
                   input=lambda input: -_TWO_OVER_SQRT_PI * exp(-(input * input)))


# -- the gamma family ----------------------------------------------------------------------------
# B_2, B_4, ..., B_20: the Bernoulli numbers of the asymptotic series of polygamma.
_BERNOULLI = (1 / 6, -1 / 30, 1 / 42, -1 / 30, 5 / 66, -691 / 2730, 7 / 6, -3617 / 510,
              43867 / 798, -174611 / 330)


def _cot_derivative(n: int) -> np.ndarray:
    """Coefficients of P_n with d^n/dx^n cot(pi x) = pi^n P_n(cot(pi x)).

    From P_0(c) = c and d/dx cot(pi x) = -pi (1 + c^2): P_{k+1}(c) = -(1 + c^2) P_k'(c).
    """
    poly = np.array([0.0, 1.0])
    for _ in range(n):
        poly = -np.polynomial.polynomial.polymul([1.0, 0.0, 1.0],
                                                 np.polynomial.polynomial.polyder(poly))
    return poly


def _asymptotic(n: int, y: np.ndarray) -> np.ndarray:
    """polygamma(n, y) for y >= the shift threshold, by its asymptotic series in 1/y."""
    z = 1.0 / y
    z2 = z * z
    if n == 0:
        total = np.log(y) - 0.5 * z
        power = z2
        for k, b in enumerate(_BERNOULLI, start=1):
            total = total - b / (2 * k) * power
            power = power * z2
        return total
    total = math.factorial(n - 1) * z ** n + 0.5 * math.factorial(n) * z ** (n + 1)
    power = z ** (n + 2)
    for k, b in enumerate(_BERNOULLI, start=1):
        total = total + b * math.factorial(2 * k + n - 1) / math.factorial(2 * k) * power
        power = power * z2
    return total if n % 2 == 1 else -total


def _np_polygamma(n: int, a: np.ndarray) -> np.ndarray:
    """The n-th derivative of digamma (n = 0: digamma itself), elementwise, in float64.

    Positive arguments are shifted up with psi_n(x) = psi_n(x + 1) - (-1)^n n! / x^(n+1) until
    the asymptotic series is accurate; negative ones are first reflected with
    psi_n(x) = (-1)^n psi_n(1 - x) - pi^(n+1) P_n(cot(pi x)).  Poles as torch gives them:
    digamma(+-0) = -+inf, digamma(negative integer) = nan, polygamma(n >= 1, pole) = +-inf
    (torch's trigamma gives a large finite number at negative integers instead); at -inf the
    value is nan, at +inf the limit (torch gives nan for n >= 2).
    """
    x = np.asarray(a, dtype=np.float64)
    reflect = x < 0
    y = np.where(reflect, 1.0 - x, x)
    threshold = 10.0 + n
    acc = np.zeros_like(y)
    step = (-1) ** n * math.factorial(n)
    low = y < threshold
    while low.any():
        acc[low] -= step / y[low] ** (n + 1)
        y[low] += 1.0
        low = y < threshold
    out = _asymptotic(n, y) + acc
    if reflect.any():
        xr = x[reflect]
        r = xr - np.round(xr)  # cot(pi x) has period 1: reduce first, for accuracy
        with np.errstate(all="ignore"):  # at the poles c is infinite; they are set below
            c = 1.0 / np.tan(math.pi * r)
            cot_n = np.polynomial.polynomial.polyval(c, _cot_derivative(n))
        out[reflect] = (-1) ** n * out[reflect] - math.pi ** (n + 1) * cot_n
    poles = (x <= 0) & (x == np.floor(x)) & np.isfinite(x)
    if poles.any():
        if n == 0:
            out[poles & (x != 0)] = np.nan
        else:
            out[poles] = math.inf if n % 2 == 1 else -math.inf
    return out.astype(a.dtype, copy=False) if isinstance(a, np.ndarray) else out


def _np_polygamma_op(input: np.ndarray, n: int) -> np.ndarray:
    return _np_polygamma(n, input)


LGAMMA = elementwise("lgamma", _K.lgamma, "LgammaBackward0",
                     promote="float", input=lambda input: digamma(input))
DIGAMMA = elementwise("digamma", lambda a: _np_polygamma(0, a), "DigammaBackward0",
                      promote="float", input=lambda input: polygamma(input, n=1))
POLYGAMMA = elementwise("polygamma", _np_polygamma_op, "PolygammaBackward0", promote="float",
                        input=lambda input, n: polygamma(input, n=n + 1),
                        doc="The n-th derivative of digamma (tapegrad.polygamma(n, input)).")
digamma, polygamma = DIGAMMA, POLYGAMMA


# -- xlogy ---------------------------------------------------------------------------------------
def _np_xlogy(input: Any, other: Any) -> Any:
    """``input * log(other)``, 0 where input == 0 unless other is NaN (torch's definition)."""
    out = np.multiply(input, np.log(other))
    zero = (np.equal(input, 0)) & ~np.isnan(other)
    return np.where(zero, np.zeros((), out.dtype), out)


def _is_tensor_like(x: Any) -> bool:
    return isinstance(x, (np.ndarray, _registry.Tensor))


def _dead(input: Any, other: Any) -> Any:
    """Where torch sets d/d(input) to 0: input == 0 and other <= 0 (None: nowhere)."""
    if not _is_tensor_like(other):  # a number
        return (input == 0) if other <= 0 else None
    return (input == 0) & (other <= 0)


def _xlogy_input_vjp(g: Any, input: Any, other: Any) -> Any:
    # torch: xlogy(grad, other), set to 0 where input == 0 and other <= 0 (log(other) is not
    # finite there).  xlogy(grad, .) keeps a zero gradient an exact zero.
    out = xlogy(g, other)
    dead = _dead(input, other)
    return out if dead is None else where(dead, 0.0, out)


def _xlogy_jvp(tangents: list, input: Any, other: Any) -> Any:
    t_input, t_other = tangents
    total = None if t_input is None else _xlogy_input_vjp(t_input, input, other)
    if t_other is not None:
        term = t_other * input / other
        total = term if total is None else total + term
    return total


XLOGY = general("xlogy", _np_xlogy, "XlogyBackward0", ("input", "other"), promote="float_binary",
                vjp_input=_xlogy_input_vjp, vjp_other=lambda g, input, other: g * input / other,
                jvp=_xlogy_jvp)
# Number operands: torch records them as separate overloads (hence their own grad_fn names).
XLOGY_SCALAR_OTHER = general("xlogy_scalar_other", _np_xlogy, "XlogyBackward2",
                            ("input", "other"), promote="float_binary",
                            vjp_input=_xlogy_input_vjp,
                            jvp=lambda t, input, other: _xlogy_input_vjp(t[0], input, other))
XLOGY_SCALAR_SELF = general("xlogy_scalar_self", lambda other, input: _np_xlogy(input, other),
                            "XlogyBackward1", ("other", "input"), promote="float_binary",
                            vjp_other=lambda g, input, other: g * input / other,
                            jvp=lambda t, input, other: t[0] * input / other,
                            doc="xlogy(input, other) for a number input (the tensor comes first).")


def xlogy(input: Any, other: Any) -> Any:
    """``input * log(other)`` elementwise, 0 where input == 0; either may be a number."""
    if _is_tensor_like(input):
        if _is_tensor_like(other):
            return XLOGY(input, other)
        return XLOGY_SCALAR_OTHER(input, other)
    return XLOGY_SCALAR_SELF(other, input)
