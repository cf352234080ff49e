"""Registry ops of torch.special's wider family and of the elementwise math around it.

The forwards are the vectorised kernels of ``special_kernels``, ``special_bessel`` and
``special_poly``; the derivatives are torch's formulas written with tapegrad ops, so that they
can be differentiated again (create_graph, forward mode, vmap come from the registry):

    erfinv'(x) = sqrt(pi) / 2 * exp(erfinv(x)^2)        ndtri'(p) = sqrt(2 pi) exp(ndtri(p)^2 / 2)
    erfcx'(x)  = 2 x erfcx(x) - 2 / sqrt(pi)            i0'(x)    = i1(x)
    i1'(x)     = i0(x) - i1(x) / x   (1/2 at 0)         i0e'(x)   = i1e(x) - sgn(x) i0e(x)
    i1e'(x)    = i0e(x) - i1e(x) (sgn(x) + 1/x)         sinc'(x)  = (cos(pi x) pi x - sin(pi x)) / (pi x^2)
    logit'(x)  = 1 / (x (1 - x))                        d/dx igamma(a, x) = x^(a-1) e^-x / Gamma(a)
    d/dq zeta(x, q) = -x zeta(x + 1, q)                 mvlgamma'(x) = sum_j digamma(x - j/2)

Where torch has no derivative (igamma/igammac and zeta in their first argument) the rule raises
torch's NotImplementedError when a backward pass reaches it.  The Bessel functions and the
orthogonal polynomials are not differentiable in torch (no grad_fn): they are declared
``nondifferentiable``.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from .. import _dtype
from . import _registry, special_bessel as B, special_kernels as K, special_poly as P
from ._registry import elementwise, general, lift, nondifferentiable, raw, zeros_like
from .elementwise import COS, EXP, EXP2, LOG, SIGN, SIN, WHERE
from .special import DIGAMMA, LGAMMA

_SQRT_PI = math.sqrt(math.pi)


def _not_implemented(what: str):
    """A partial derivative torch does not have: raises when a backward pass needs it."""
    def rule(input: Any) -> Any:
        raise NotImplementedError(f"the derivative for '{what}' is not implemented.")
    return rule


def _floats_only(kernel, name: str):
    """``kernel`` for two operands after promotion; integer results are refused as torch's
    CPU kernels refuse them (``"igamma_cpu" not implemented for 'Long'``)."""
    def forward(input: np.ndarray, other: Any) -> np.ndarray:
        dtype = input.dtype if isinstance(input, np.ndarray) else np.asarray(other).dtype
        if dtype.kind not in "fc":
            raise NotImplementedError(f'"{name}_cpu" not implemented for '
                                      f"'{_dtype.torch_name(dtype)}'")
        with np.errstate(all="ignore"):
            return np.asarray(kernel(input, other), dtype=dtype)
    return forward


def _no_half(kernel, name: str):
    """``kernel``, refusing float16 as torch's CPU kernels of these functions do."""
    def forward(input: np.ndarray, *args: Any, **kwargs: Any) -> np.ndarray:
        if getattr(input, "dtype", None) == np.float16:
            raise NotImplementedError(f'"{name}_cpu" not implemented for \'Half\'')
        return kernel(input, *args, **kwargs)
    return forward


# -- error-function family -------------------------------------------------------------------------
ERFINV = elementwise("erfinv", K.erfinv, "ErfinvBackward0", promote="float",
                     input=lambda result: (_SQRT_PI / 2.0) * EXP(result * result))
ERFCX = elementwise("special_erfcx", _no_half(K.erfcx, "erfcx"), "SpecialErfcxBackward0", promote="float",
                    input=lambda input, result: 2.0 * input * result - 2.0 / _SQRT_PI)
NDTRI = elementwise("special_ndtri", _no_half(K.ndtri, "ndtri"), "SpecialNdtriBackward0", promote="float",
                    input=lambda result: math.sqrt(2.0 * math.pi) * EXP(result * result * 0.5))


# -- modified Bessel functions of the first kind ---------------------------------------------------
def _tiny_safe(x: Any) -> tuple:
    """(|x| > eps, x with the tiny entries replaced by eps): torch's guard for 1/x at 0."""
    eps = float(np.finfo(raw(x).dtype).eps)
    big = lift(x, np.abs(raw(x)) > eps)
    return big, WHERE(big, x, eps)


def _i1_partial(input: Any, result: Any) -> Any:
    big, safe = _tiny_safe(input)
    return WHERE(big, I0(safe) - result * (1.0 / safe), 0.5)


def _i1e_partial(input: Any, result: Any) -> Any:
    big, safe = _tiny_safe(input)
    return WHERE(big, I0E(safe) - result * (SIGN(safe) + 1.0 / safe), 0.5)


I0 = elementwise("i0", B.i0, "I0Backward0", promote="float", input=lambda input: I1(input))
I1 = elementwise("special_i1", B.i1, "SpecialI1Backward0", promote="float", input=_i1_partial)
I0E = elementwise("special_i0e", B.i0e, "SpecialI0EBackward0", promote="float",
                  input=lambda input, result: I1E(input) - SIGN(input) * result)
I1E = elementwise("special_i1e", B.i1e, "SpecialI1EBackward0", promote="float",
                  input=_i1e_partial)


# -- sinc, logit, mvlgamma -------------------------------------------------------------------------
def _np_sinc(input: np.ndarray) -> np.ndarray:
    """sin(pi x) / (pi x) in the input's own precision (as torch computes it: float32 for
    float16), 1 at 0."""
    x = input.astype(np.float32) if input.dtype == np.float16 else input
    with np.errstate(invalid="ignore", divide="ignore"):
        product = x * x.dtype.type(math.pi)
        out = np.where(x == 0, x.dtype.type(1), np.sin(product) / product)
    return out.astype(input.dtype, copy=False)


def _sinc_partial(input: Any) -> Any:
    zero = input == 0
    x = WHERE(zero, 1.0, input)
    px = x * math.pi
    return WHERE(zero, 0.0, (COS(px) * px - SIN(px)) / (px * x))


SINC = elementwise("sinc", _np_sinc, "SincBackward0", promote="float", input=_sinc_partial)


def _np_logit(input: np.ndarray, eps: float | None) -> np.ndarray:
    x = input if eps is None else np.clip(input, input.dtype.type(eps),
                                          input.dtype.type(1.0 - eps))
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.log(x / (1 - x))


def _logit_partial(input: Any, eps: float | None) -> Any:
    slope = 1.0 / (input * (1.0 - input))
    if eps is None:  # NaN outside [0, 1], as torch
        return WHERE((input < 0) | (input > 1), math.nan, slope)
    return WHERE((input < eps) | (input > 1.0 - eps), 0.0, slope)


LOGIT = elementwise("logit", _np_logit, "LogitBackward0", promote="float",
                    input=_logit_partial, doc="log(p / (1 - p)), p clamped to [eps, 1-eps].")


def _np_mvlgamma(input: np.ndarray, p: int) -> np.ndarray:
    x = input.astype(np.float64)
    total = sum(K.lgamma(x - j / 2.0) for j in range(p))
    return np.asarray(total + p * (p - 1) / 4.0 * math.log(math.pi), dtype=input.dtype)


MVLGAMMA = elementwise("mvlgamma", _np_mvlgamma, "MvlgammaBackward0", promote="float",
                       input=lambda input, p: sum(DIGAMMA(input - j / 2.0) for j in range(p)),
                       doc="The log of the multivariate gamma function of dimension p.")


# -- incomplete gamma, zeta ------------------------------------------------------------------------
def _igamma_density(input: Any, other: Any) -> Any:
    """d/dx P(a, x) = exp((a - 1) log x - x - lgamma(a))."""
    return EXP((input - 1.0) * LOG(other) - other - LGAMMA(input))


IGAMMA = elementwise("igamma", _floats_only(K.igamma, "igamma"), "IgammaBackward0",
                     ("input", "other"), input=_not_implemented("igamma: input"),
                     other=_igamma_density)
IGAMMAC = elementwise("igammac", _floats_only(K.igammac, "igammac"), "IgammacBackward0",
                      ("input", "other"), input=_not_implemented("igammac: input"),
                      other=lambda input, other: -_igamma_density(input, other))

ZETA = elementwise("special_zeta", _no_half(K.zeta, "zeta"), "SpecialZetaBackward0", ("input", "other"),
                   promote="float_binary", input=_not_implemented("zeta"),
                   other=lambda input, other: -input * ZETA(input + 1.0, other))
# A number as x or as q: torch records these under their own overloads.
ZETA_SCALAR_SELF = elementwise(
    "special_zeta_scalar_self",
    _no_half(lambda other, x: K.zeta(np.asarray(x, other.dtype), other), "zeta"),
    "SpecialZetaBackward1", ("other",), promote="float",
    other=lambda other, x: -x * ZETA_SCALAR_SELF(other, x=x + 1.0),
    doc="zeta(x, other) for a number x.")
# torch records zeta(tensor, number) as SpecialZetaBackward2, whose only input has no derivative
# (backward raises); here it is simply not differentiable (no grad_fn), since a node that can
# only raise would have no gradient rule to check.
ZETA_SCALAR_OTHER = nondifferentiable(
    "special_zeta_scalar_other",
    _no_half(lambda input, q: K.zeta(input, np.asarray(q, input.dtype)), "zeta"),
    promote="float", doc="zeta(input, q) for a number q.")


# -- xlog1py ----------------------------------------------------------------------------------------
def _np_xlog1py(input: Any, other: Any) -> Any:
    """``input * log1p(other)``, 0 where input == 0 unless other is NaN (torch's definition)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.multiply(input, np.log1p(other))
    zero = np.equal(input, 0) & ~np.isnan(other)
    return np.where(zero, np.zeros((), out.dtype), out)


def _xlog1py_input_vjp(g: Any, input: Any, other: Any) -> Any:
    # torch: xlog1py(grad, other), 0 where input == 0 and other <= -1 (log1p is not finite)
    if not _is_tensor_like(other):  # a number
        out = XLOG1PY_SCALAR_OTHER(g, other)
        return WHERE(input == 0, 0.0, out) if other <= -1 else out
    return WHERE((input == 0) & (other <= -1), 0.0, XLOG1PY(g, other))


def _xlog1py_other_vjp(g: Any, input: Any, other: Any) -> Any:
    return g * input / (other + 1.0)


def _is_tensor_like(x: Any) -> bool:
    return isinstance(x, (np.ndarray, _registry.Tensor))


def _xlog1py_jvp(tangents: list, input: Any, other: Any) -> Any:
    t_input, t_other = tangents
    total = None if t_input is None else _xlog1py_input_vjp(t_input, input, other)
    if t_other is not None:
        term = _xlog1py_other_vjp(t_other, input, other)
        total = term if total is None else total + term
    return total


XLOG1PY = general("special_xlog1py", _np_xlog1py, "SpecialXlog1PyBackward0", ("input", "other"),
                  promote="float_binary", vjp_input=_xlog1py_input_vjp,
                  vjp_other=_xlog1py_other_vjp, jvp=_xlog1py_jvp)
# A number operand: torch records these under their own overloads (hence their own names).
XLOG1PY_SCALAR_OTHER = general(
    "special_xlog1py_scalar_other", _np_xlog1py, "SpecialXlog1PyBackward2", ("input", "other"),
    promote="float_binary", vjp_input=_xlog1py_input_vjp,
    jvp=lambda t, input, other: _xlog1py_input_vjp(t[0], input, other))
XLOG1PY_SCALAR_SELF = general(
    "special_xlog1py_scalar_self", lambda other, input: _np_xlog1py(input, other),
    "SpecialXlog1PyBackward1", ("other", "input"), promote="float_binary",
    vjp_other=_xlog1py_other_vjp, jvp=lambda t, other, input: _xlog1py_other_vjp(t[0], input, other),
    doc="xlog1py(input, other) for a number input (the tensor comes first).")


# -- ldexp, nextafter, frexp ------------------------------------------------------------------------
def _np_ldexp(input: np.ndarray, other: Any) -> np.ndarray:
    with np.errstate(over="ignore", invalid="ignore"):
        return input * np.exp2(np.asarray(other, input.dtype))


def _ldexp_input_partial(other: Any) -> Any:
    """2 ** other; for an integer exponent torch takes that power in integer arithmetic, so
    the gradient is 0 wherever the exponent is negative (reproduced)."""
    if raw(other).dtype.kind in "iub":
        return WHERE(other < 0, 0.0, EXP2(other))
    return EXP2(other)


def _nextafter_partial(input: Any, other: Any) -> Any:
    """1, except 0 where input == other (torch's rule: the result is other itself there)."""
    zero = zeros_like(input)
    return WHERE(input == other, zero, zero + 1.0)


LDEXP = elementwise("ldexp", _np_ldexp, "LdexpBackward0", ("input", "other"),
                    promote="float_binary", input=_ldexp_input_partial,
                    other=lambda input, other: input * EXP2(other) * math.log(2.0))
NEXTAFTER = elementwise("nextafter", _floats_only(np.nextafter, "nextafter"),
                        "NextafterBackward0", ("input", "other"), input=_nextafter_partial,
                        other=0)


def _np_mantissa(input: np.ndarray) -> np.ndarray:
    return np.frexp(input)[0]


FREXP_MANTISSA = elementwise(
    "frexp", _np_mantissa, "FrexpBackward0",
    input=lambda input: lift(input, np.ldexp(np.ones_like(raw(input)),
                                             -np.frexp(raw(input))[1])),
    doc="The mantissa of frexp (the exponent is computed apart: it has no derivative).")
FREXP_EXPONENT = nondifferentiable("frexp_exponent",
                                   lambda input: np.frexp(input)[1].astype(np.int32),
                                   promote=None, doc="The int32 exponent of frexp.")


# -- not differentiable in torch: Bessel functions, polynomials, gcd/lcm -----------------------------
BESSEL = {name: nondifferentiable(f"special_{name}", _no_half(getattr(B, name), name),
                                  promote="float")
          for name in ("airy_ai", "bessel_j0", "bessel_j1", "bessel_y0", "bessel_y1",
                       "modified_bessel_i0", "modified_bessel_i1", "modified_bessel_k0",
                       "modified_bessel_k1", "scaled_modified_bessel_k0",
                       "scaled_modified_bessel_k1", "spherical_bessel_j0")}


def _polynomial(kernel):
    def forward(input: np.ndarray, n: np.ndarray) -> np.ndarray:
        return np.asarray(kernel(input, n), dtype=input.dtype)
    return forward


POLYNOMIALS = {name: nondifferentiable(f"special_{name}", _no_half(_polynomial(kernel), name),
                                       ("input", "n"), promote="float_binary")
               for name, kernel in P.KERNELS.items()}


def _np_gcd(input: np.ndarray, other: np.ndarray) -> np.ndarray:
    return np.gcd(input, other)


def _integers_only(fn, name: str):
    def forward(input: np.ndarray, other: np.ndarray) -> np.ndarray:
        dtype = np.result_type(input, other)
        if dtype.kind not in "iu":
            raise NotImplementedError(f'"{name}_cpu" not implemented for '
                                      f"'{_dtype.torch_name(dtype)}'")
        return np.asarray(fn(input, other), dtype=dtype)
    return forward


GCD = nondifferentiable("gcd", _integers_only(np.gcd, "gcd"), ("input", "other"))
LCM = nondifferentiable("lcm", _integers_only(np.lcm, "lcm"), ("input", "other"))


def xlog1py(input: Any, other: Any) -> Any:
    """``input * log1p(other)`` elementwise, 0 where input == 0; either may be a number."""
    if _is_tensor_like(input):
        if _is_tensor_like(other):
            return XLOG1PY(input, other)
        return XLOG1PY_SCALAR_OTHER(input, other)
    return XLOG1PY_SCALAR_SELF(other, input)


def _declare_rules() -> None:
    """vmap batches the ``general`` xlog1py ops and the ``nondifferentiable`` ones as the
    elementwise ops they are (the ``elementwise`` ones are batched by kind)."""
    from .._vmap import _rules
    names = ["special_xlog1py", "special_xlog1py_scalar_other", "special_xlog1py_scalar_self",
             "special_zeta_scalar_other", "frexp_exponent", "gcd", "lcm"]
    names += [op.name for op in (*BESSEL.values(), *POLYNOMIALS.values())]
    for name in names:
        _rules.RULES[name] = _rules.elementwise


_declare_rules()
