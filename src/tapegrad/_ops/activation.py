"""Activation functions that torch computes with a fused kernel and its own backward.

Each is one elementwise declaration (NumPy forward, local derivative written with tapegrad ops),
so ``grad_fn`` carries torch's name (``GeluBackward0``, ``EluBackward0``, ...), and reverse mode,
forward mode, ``create_graph`` and ``vmap`` follow from the registry.  ``tapegrad.nn.functional``
calls them; ``relu``, ``sigmoid``, ``tanh`` and the softmaxes live with the core ops.

Torch's in-place variants that read their result in backward (``leaky_relu_``, ``elu_``,
``celu_``, ``threshold_``) are separate ops with torch's ``...Backward1`` names.

    >>> import tapegrad
    >>> from tapegrad._ops.activation import GELU
    >>> GELU(tapegrad.tensor([1.0], requires_grad=True), approximate="none")
    tensor([0.8413], grad_fn=<GeluBackward0>)
"""
from __future__ import annotations

import math
import weakref
from typing import Any

import numpy as np

from ..autograd import grad_mode
from ._registry import elementwise, general, raw
from .elementwise import CLAMP, exp, sigmoid, tanh, where
from .shape import CAT, NARROW

# -- erf, vectorised -----------------------------------------------------------------------------
# W. J. Cody's rational approximations (Math. Comp. 1969), three ranges of |x|; about 2 ulp in
# float64.  tapegrad.erf calls math.erf per element, which is too slow for GELU on every step.
_ERF_A = (3.16112374387056560e00, 1.13864154151050156e02, 3.77485237685302021e02,
          3.20937758913846947e03, 1.85777706184603153e-1)
_ERF_B = (2.36012909523441209e01, 2.44024637934444173e02, 1.28261652607737228e03,
          2.84423683343917062e03)
_ERFC_C = (5.64188496988670089e-1, 8.88314979438837594e00, 6.61191906371416295e01,
           2.98635138197400131e02, 8.81952221241769090e02, 1.71204761263407058e03,
           2.05107837782607147e03, 1.23033935479799725e03, 2.15311535474403846e-8)
_ERFC_D = (1.57449261107098347e01, 1.17693950891312499e02, 5.37181101862009858e02,
           1.62138957456669019e03, 3.29079923573345963e03, 4.36261909014324716e03,
           3.43936767414372164e03, 1.23033935480374942e03)
_ERFC_P = (3.05326634961232344e-1, 3.60344899949804439e-1, 1.25781726111229246e-1,
           1.60837851487422766e-2, 6.58749161529837803e-4, 1.63153871373020978e-2)
_ERFC_Q = (2.56852019228982242e00, 1.87295284992346725e00, 5.27905102951428412e-1,
           6.05183413124413191e-2, 2.33520497626869185e-3)
_INV_SQRT_PI = 5.6418958354775628695e-1


def _erfc_scaled_tail(y: np.ndarray, ratio: np.ndarray) -> np.ndarray:
    """``exp(-y*y) * ratio``, with y*y split so that the exponent keeps full precision."""
    head = np.trunc(y * 16.0) / 16.0
    return np.exp(-head * head) * np.exp(-(y - head) * (y + head)) * ratio


def erf(x: np.ndarray) -> np.ndarray:
    """The error function of a float array, vectorised (computed in float64, result in x's dtype)."""
    a = np.asarray(x, dtype=np.float64)
    y = np.abs(a)
    out = np.empty_like(a)
    small = y <= 0.46875
    if small.any():
        z = a[small] * a[small]
        num, den = _ERF_A[4] * z, z
        for i in range(3):
            num, den = (num + _ERF_A[i]) * z, (den + _ERF_B[i]) * z
        out[small] = a[small] * (num + _ERF_A[3]) / (den + _ERF_B[3])
    mid = ~small & (y <= 4.0)
    if mid.any():
        ym = y[mid]
        num, den = _ERFC_C[8] * ym, ym
        for i in range(7):
            num, den = (num + _ERFC_C[i]) * ym, (den + _ERFC_D[i]) * ym
        out[mid] = np.copysign(1.0 - _erfc_scaled_tail(ym, (num + _ERFC_C[7]) / (den + _ERFC_D[7])),
                               a[mid])
    big = y > 4.0  # (NaN compares false everywhere and is set below)
    if big.any():
        yb = np.minimum(y[big], 30.0)  # erfc underflows to 0 long before 30
        z = 1.0 / (yb * yb)
        num, den = _ERFC_P[5] * z, z
        for i in range(4):
            num, den = (num + _ERFC_P[i]) * z, (den + _ERFC_Q[i]) * z
        ratio = (_INV_SQRT_PI - z * (num + _ERFC_P[4]) / (den + _ERFC_Q[4])) / yb
        out[big] = np.copysign(1.0 - _erfc_scaled_tail(yb, ratio), a[big])
    nan = np.isnan(a)
    if nan.any():
        out[nan] = np.nan
    return out.astype(x.dtype, copy=False) if isinstance(x, np.ndarray) else out


# torch's float32 kernels compute erf by Abramowitz & Stegun's 7.1.26 (absolute error below
# 1.5e-7) in single precision; doing the same keeps float32 GELU close to torch's and cheap.
_AS_P = np.float32(0.3275911)
_AS_A = tuple(np.float32(c) for c in (0.254829592, -0.284496736, 1.421413741, -1.453152027,
                                      1.061405429))


def erf_single(x: np.ndarray) -> np.ndarray:
    """erf of a float32 array as torch's vectorised float32 kernels compute it:
    ``1 - exp(-x*x) * t * r(t)`` with ``t = 1 / (p|x| + 1)``, signed as x. (Each step is done
    in place, in the formula's order of operations: the arrays are large, temporaries dear.)"""
    t = np.abs(x)
    t *= _AS_P
    t += np.float32(1)
    np.reciprocal(t, out=t)
    r = _AS_A[4] * t
    for coef in (_AS_A[3], _AS_A[2], _AS_A[1]):
        r += coef
        r *= t
    r += _AS_A[0]
    e = np.multiply(x, x)
    np.negative(e, out=e)
    np.exp(e, out=e)
    e *= t
    e *= r
    np.subtract(np.float32(1), e, out=e)
    return np.copysign(e, x, out=e)


def _erf_for(x: np.ndarray) -> np.ndarray:
    return erf_single(x) if x.dtype.itemsize <= 4 else erf(x)


# -- GELU ----------------------------------------------------------------------------------------
_SQRT_HALF = math.sqrt(0.5)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_TANH_BETA = math.sqrt(2.0) * (2.0 / math.sqrt(math.pi)) * 0.5  # sqrt(2 / pi), as torch spells it
_TANH_KAPPA = 0.044715


def _check_approximate(approximate: str) -> None:
    if approximate not in ("none", "tanh"):
        raise RuntimeError(f"approximate argument must be either none or tanh.")


def _working(a: np.ndarray) -> tuple:
    """The array to compute in (half precision in single, as torch does) and its scalar type."""
    x = a.astype(np.float32) if a.dtype.itemsize < 4 else a
    return x, x.dtype.type


# The erf GELU's forward leaves ``1 + erf(x / sqrt 2)`` here for its derivative (the backward
# pass would compute the same array again), keyed by the input array while that array lives.
# The entry goes with the array: a backward that frees the graph, or no graph at all, drops it.
_ONE_PLUS_ERF: dict = {}


def _recording() -> bool:
    return grad_mode.state.enabled


def _remember_erf(a: np.ndarray, one_plus_erf: np.ndarray) -> None:
    key = id(a)
    _ONE_PLUS_ERF[key] = (weakref.ref(a, lambda _, key=key: _ONE_PLUS_ERF.pop(key, None)),
                          one_plus_erf)


def _one_plus_erf(x: np.ndarray, a: np.ndarray, t: type) -> np.ndarray:
    """``1 + erf(x / sqrt 2)`` for the GELU of ``a`` (``x`` is ``a`` in its working dtype): from
    the forward's leftovers when they are there (read-only: callers must not write to it)."""
    entry = _ONE_PLUS_ERF.get(id(a))
    if entry is not None and entry[0]() is a:
        return entry[1]
    out = _erf_for(x * t(_SQRT_HALF))
    out += t(1)
    return out


def _gelu(a: np.ndarray, approximate: str) -> np.ndarray:
    _check_approximate(approximate)
    x, t = _working(a)
    if approximate == "tanh":
        inner = t(_TANH_BETA) * (x + t(_TANH_KAPPA) * x * x * x)
        out = t(0.5) * x * (t(1) + np.tanh(inner))
    else:  # x * 0.5 * (1 + erf(x / sqrt 2)), in that order
        one_plus_erf = _erf_for(x * t(_SQRT_HALF))
        one_plus_erf += t(1)
        out = x * t(0.5)
        out *= one_plus_erf  # (1 + erf) * (x / 2): the product's rounding, one array fewer
        if a.__class__ is np.ndarray and _recording():
            _remember_erf(a, one_plus_erf)
    return out.astype(a.dtype, copy=False)


def _gelu_derivative(a: np.ndarray, approximate: str) -> np.ndarray:
    x, t = _working(a)
    if approximate == "tanh":
        th = np.tanh(t(_TANH_BETA) * (x + t(_TANH_KAPPA) * x * x * x))
        d_inner = t(_TANH_BETA) * (t(1) + t(3.0 * _TANH_KAPPA) * x * x)
        out = t(0.5) * (t(1) + th) + t(0.5) * x * (t(1) - th * th) * d_inner
    else:  # cdf + x * pdf, each factor in torch's order, in place
        cdf = _one_plus_erf(x, a, t) * t(0.5)
        pdf = t(-0.5) * x
        pdf *= x
        np.exp(pdf, out=pdf)
        pdf *= t(_INV_SQRT_2PI)
        pdf *= x
        cdf += pdf
        out = cdf
    return out.astype(a.dtype, copy=False)


def _gelu_second(input: Any, approximate: str) -> Any:
    """d2 gelu / dx2, from tapegrad ops (so every further order follows)."""
    if approximate == "tanh":
        t = tanh((input + input * input * input * _TANH_KAPPA) * _TANH_BETA)
        d_inner = (input * input * (3.0 * _TANH_KAPPA) + 1.0) * _TANH_BETA
        return (1 - t * t) * (d_inner - input * t * d_inner * d_inner
                              + input * input * (3.0 * _TANH_KAPPA * _TANH_BETA))
    return exp(input * input * -0.5) * _INV_SQRT_2PI * (2 - input * input)


# The derivative of gelu as an op of its own: its forward needs erf (vectorised here), and its
# own derivative is plain arithmetic.  It shows up only in gradients' graphs (create_graph).
GELU_BACKWARD = elementwise("gelu_backward", _gelu_derivative, "GeluBackwardBackward0",
                            input=_gelu_second)
GELU = elementwise("gelu", _gelu, "GeluBackward0",
                   input=lambda input, approximate: GELU_BACKWARD(input, approximate=approximate))


# -- rectifiers ------------------------------------------------------------------------------------
def _leaky_relu(a: np.ndarray, negative_slope: float) -> np.ndarray:
    return np.where(a > 0, a, a * a.dtype.type(negative_slope))


LEAKY_RELU = elementwise("leaky_relu", _leaky_relu, "LeakyReluBackward0",
                         input=lambda input, negative_slope: where(input > 0, 1.0, negative_slope))
# in place (leaky_relu_): torch's backward reads the result, whose sign is the input's
LEAKY_RELU_RESULT = elementwise(
    "leaky_relu_result", _leaky_relu, "LeakyReluBackward1",
    input=lambda result, negative_slope: where(result > 0, 1.0, negative_slope))


def _prelu(input: np.ndarray, weight: np.ndarray) -> np.ndarray:
    return np.where(input > 0, input, weight * input)


# weight arrives shaped to broadcast along the channel dim; the engine sums its gradient back
PRELU = elementwise("prelu", _prelu, "PreluKernelBackward0", ("input", "weight"),
                    input=lambda input, weight: where(input > 0, 1.0, weight),
                    weight=lambda input: where(input > 0, 0.0, input))


def _hardtanh(a: np.ndarray, min_val: float, max_val: float) -> np.ndarray:
    t = a.dtype.type
    return np.minimum(np.maximum(a, t(min_val)), t(max_val))


HARDTANH = elementwise("hardtanh", _hardtanh, "HardtanhBackward0",
                       input=lambda input, min_val, max_val: (input > min_val) & (input < max_val))


def _threshold(a: np.ndarray, threshold: float, value: float) -> np.ndarray:
    return np.where(a > threshold, a, a.dtype.type(value))


THRESHOLD = elementwise("threshold", _threshold, "ThresholdBackward0",
                        input=lambda input, threshold: input > threshold)
# in place (threshold_): the same rule on the input as it was, under torch's other name
THRESHOLD_INPLACE = elementwise("threshold_inplace", _threshold, "ThresholdBackward1",
                                input=lambda input, threshold: input > threshold)


# -- exponential units ---------------------------------------------------------------------------
def _elu(a: np.ndarray, alpha: float, scale: float, input_scale: float) -> np.ndarray:
    t = a.dtype.type
    with np.errstate(over="ignore"):  # the branch not taken may overflow
        negative = np.expm1(a * t(input_scale)) * t(alpha * scale)
    return np.where(a <= 0, negative, a * t(scale))


def _elu_partial(result: Any, alpha: float, scale: float, input_scale: float) -> Any:
    # for x <= 0, d/dx = input_scale * alpha * scale * exp(x * input_scale)
    #                  = input_scale * (result + alpha * scale): read from the result, no overflow.
    # At 0 itself the constant value, so that the second derivative there is 0, as torch's.
    at_zero = alpha * scale * input_scale
    return where(result < 0, (result + alpha * scale) * input_scale,
                 where(result == 0, at_zero, scale))


def _elu_input_partial(input: Any, alpha: float, scale: float, input_scale: float) -> Any:
    at_zero = alpha * scale * input_scale
    negative = exp(CLAMP(input, min=None, max=0.0) * input_scale) * at_zero  # (clamped: cannot overflow)
    return where(input < 0, negative, where(input == 0, at_zero, scale))


ELU = elementwise("elu", _elu, "EluBackward0", input=_elu_input_partial)
ELU_RESULT = elementwise("elu_result", _elu, "EluBackward1", input=_elu_partial)


def _celu(a: np.ndarray, alpha: float) -> np.ndarray:
    return _elu(a, alpha, 1.0, 1.0 / alpha)


def _celu_input_scale(alpha: float) -> float:
    """1 / alpha as torch's celu backward has it: alpha rounded to float32 first."""
    return 1.0 / float(np.float32(alpha))


CELU = elementwise("celu", _celu, "CeluBackward0",
                   input=lambda input, alpha: _elu_input_partial(input, alpha, 1.0,
                                                                 _celu_input_scale(alpha)))
CELU_RESULT = elementwise("celu_result", _celu, "CeluBackward1",
                          input=lambda result, alpha: _elu_partial(result, alpha, 1.0,
                                                                   _celu_input_scale(alpha)))


# -- smooth rectifiers ---------------------------------------------------------------------------
def _softplus(a: np.ndarray, beta: float = 1.0, threshold: float = 20.0) -> np.ndarray:
    t = a.dtype.type
    z = a * t(beta)
    above = z > threshold
    soft = np.log1p(np.exp(np.minimum(z, t(threshold)))) / t(beta)  # (exp cannot overflow)
    return np.where(above, a, soft)


def _softplus_partial(input: Any, beta: float, threshold: float) -> Any:
    # sigmoid(beta * x) below the threshold, 1 above; at the threshold itself the constant
    # sigmoid(threshold), so that the second derivative there is 0 (torch tests z < threshold)
    z = input * beta
    at = 1.0 / (1.0 + math.exp(-threshold))
    return where(z > threshold, 1.0, where(z < threshold, sigmoid(z), at))


SOFTPLUS = elementwise("softplus", _softplus, "SoftplusBackward0", input=_softplus_partial)


def _silu(a: np.ndarray) -> np.ndarray:
    return a * raw(sigmoid(a))


SILU = elementwise("silu", _silu, "SiluBackward0",
                   input=lambda input: _silu_partial(input))


def _silu_partial(input: Any) -> Any:
    s = sigmoid(input)
    return s * (input * (1 - s) + 1)


def _mish(a: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore"):  # exp(x) = inf gives tanh(inf) = 1: the right limit
        return a * np.tanh(np.log1p(np.exp(a)))


def _mish_partial(input: Any) -> Any:
    t = tanh(SOFTPLUS(input, beta=1.0, threshold=20.0))
    return t + input * sigmoid(input) * (1 - t * t)


MISH = elementwise("mish", _mish, "MishBackward0", input=_mish_partial)


def _log_sigmoid(a: np.ndarray) -> np.ndarray:
    return np.minimum(a, 0) - np.log1p(np.exp(-np.abs(a)))


LOG_SIGMOID = elementwise("log_sigmoid", _log_sigmoid, "LogSigmoidBackward0",
                          input=lambda input: sigmoid(-input))


# -- hard approximations and shrinkage -----------------------------------------------------------
def _hardsigmoid(a: np.ndarray) -> np.ndarray:
    t = a.dtype.type
    return np.minimum(np.maximum(a + t(3), t(0)), t(6)) / t(6)


_ONE_SIXTH = float(np.float32(1.0) / np.float32(6.0))  # torch's backward uses 1.0f / 6.0f
HARDSIGMOID = elementwise("hardsigmoid", _hardsigmoid, "HardsigmoidBackward0",
                          input=lambda input: ((input > -3.0) & (input < 3.0)) * _ONE_SIXTH)


def _hardswish(a: np.ndarray) -> np.ndarray:
    t = a.dtype.type
    return a * np.minimum(np.maximum(a + t(3), t(0)), t(6)) / t(6)


HARDSWISH = elementwise("hardswish", _hardswish, "HardswishBackward0",
                        input=lambda input: where(input <= -3.0, 0.0,
                                                  where(input < 3.0, input / 3 + 0.5, 1.0)))


def _hardshrink(a: np.ndarray, lambd: float) -> np.ndarray:
    return np.where((a >= -lambd) & (a <= lambd), a.dtype.type(0), a)


def _softshrink(a: np.ndarray, lambd: float) -> np.ndarray:
    t = a.dtype.type
    return np.where(a > lambd, a - t(lambd), np.where(a < -lambd, a + t(lambd), t(0)))


HARDSHRINK = elementwise("hardshrink", _hardshrink, "HardshrinkBackward0",
                         input=lambda input, lambd: (input < -lambd) | (input > lambd))
SOFTSHRINK = elementwise("softshrink", _softshrink, "SoftshrinkBackward0",
                         input=lambda input, lambd: (input < -lambd) | (input > lambd))


# -- gated linear unit ---------------------------------------------------------------------------
def _halves(x: Any, dim: int) -> tuple:
    n = x.shape[dim] // 2
    return NARROW(x, dim=dim, start=0, length=n), NARROW(x, dim=dim, start=n, length=n)


def _glu(a: np.ndarray, dim: int) -> np.ndarray:
    first, second = np.split(a, 2, axis=dim)
    return first * raw(sigmoid(second))


def _glu_vjp(g: Any, input: Any, dim: int) -> Any:
    first, second = _halves(input, dim)
    s = sigmoid(second)
    return CAT(g * s, g * first * s * (1 - s), dim=dim, sizes=(second.shape[dim],) * 2)


def _glu_jvp(tangents: list, input: Any, dim: int) -> Any:
    t = tangents[0]
    if t is None:
        return None
    first, second = _halves(input, dim)
    t_first, t_second = _halves(t, dim)
    s = sigmoid(second)
    return t_first * s + first * s * (1 - s) * t_second


GLU = general("glu", _glu, "GluBackward0", vjp_input=_glu_vjp, jvp=_glu_jvp)

__all__ = ["erf", "erf_single", "GELU", "GELU_BACKWARD", "LEAKY_RELU", "LEAKY_RELU_RESULT", "PRELU", "HARDTANH",
           "THRESHOLD", "THRESHOLD_INPLACE", "ELU", "ELU_RESULT", "CELU", "CELU_RESULT",
           "SOFTPLUS", "SILU", "MISH", "LOG_SIGMOID", "HARDSIGMOID", "HARDSWISH", "HARDSHRINK",
           "SOFTSHRINK", "GLU"]
