"""Element-by-element ops: arithmetic, powers, exponentials, trigonometry, activations.

Each op is one declaration: the NumPy forward and the partial derivative of the result with
respect to each input, written with tapegrad ops so it can be differentiated again.
"""
from __future__ import annotations

import builtins
import math
from typing import Any

import numpy as np

from .. import _dtype
from ..autograd import _engine
from ._registry import elementwise, general, linear, nondifferentiable
from . import _registry

# -- arithmetic ----------------------------------------------------------------------------------
_NOT_BOOL = np.dtype(np.float64)


def _is_bool(x: Any) -> bool:
    return x.__class__ is bool or getattr(x, "dtype", _NOT_BOOL).kind == "b"


def _refuse_bool_sub(input: Any, other: Any) -> None:
    """Subtracting bools is an error in torch (NumPy raises only for two bool arrays)."""
    if _is_bool(input) or _is_bool(other):
        if _is_bool(input) and _is_bool(other):
            raise RuntimeError("Subtraction, the `-` operator, with two bool tensors is not "
                               "supported. Use the `^` or `logical_xor()` operator instead.")
        raise RuntimeError("Subtraction, the `-` operator, with a bool tensor is not supported. "
                           "If you are trying to invert a mask, use the `~` or `logical_not()` "
                           "operator instead.")


def _subtract(input: Any, other: Any) -> Any:
    _refuse_bool_sub(input, other)
    return np.subtract(input, other)


def _negative(input: Any) -> Any:
    if _is_bool(input):
        raise RuntimeError("Negation, the `-` operator, on a bool tensor is not supported. If you "
                           "are trying to invert a mask, use the `~` or `logical_not()` operator "
                           "instead.")
    return np.negative(input)


def _no_bool_kernel(ufunc: np.ufunc, kernel: str) -> Any:
    """``ufunc`` of two operands, refusing two bools as torch's CPU kernel ``kernel`` does."""
    def forward(input: Any, other: Any) -> Any:
        if _is_bool(input) and _is_bool(other):
            raise NotImplementedError(f'"{kernel}" not implemented for \'Bool\'')
        return ufunc(input, other)
    forward.ufunc = ufunc  # type: ignore[attr-defined]
    return forward


def _dividing_kernel(ufunc: np.ufunc, kernel: str) -> Any:
    """Like ``_no_bool_kernel``, and an integer division by zero is torch's RuntimeError (NumPy
    would give 0 with a warning)."""
    def forward(input: Any, other: Any) -> Any:
        if _is_bool(input) and _is_bool(other):
            raise NotImplementedError(f'"{kernel}" not implemented for \'Bool\'')
        if np.result_type(input, other).kind in "iu" and not np.all(other):
            raise RuntimeError("ZeroDivisionError")
        return ufunc(input, other)
    forward.ufunc = ufunc  # type: ignore[attr-defined]
    return forward


_subtract.ufunc = np.subtract  # type: ignore[attr-defined]  # in-place arithmetic writes through it
_negative.ufunc = np.negative  # type: ignore[attr-defined]

ADD = elementwise("add", np.add, "AddBackward0", ("input", "other"), promote="promote",
                  input=1, other=1)
SUB = elementwise("sub", _subtract, "SubBackward0", ("input", "other"), promote="sub",
                  input=1, other=-1)
RSUB = elementwise("rsub", lambda input, other: _subtract(other, input), "RsubBackward1",
                   ("input", "other"), promote="sub", input=-1, other=1)
MUL = elementwise("mul", np.multiply, "MulBackward0", ("input", "other"), promote="promote",
                  input=lambda other: other, other=lambda input: input)
DIV = elementwise("div", np.true_divide, "DivBackward0", ("input", "other"), promote="float_binary",
                  input=lambda other: 1 / other,
                  other=lambda input, other: -input / (other * other))


def _div_vjps(op: Any) -> tuple:
    """DivBackward0's rules in torch's order of operations: ``g / other`` and
    ``-g * ((input / other) / other)``, not ``g * (1 / other)``, whose two roundings drift from
    torch's float32 results (and whose ``1 / int_array`` NumPy would compute in float64)."""
    i, o = op.saved_names.index("input"), op.saved_names.index("other")

    def quotient(a: Any, b: Any, g: Any) -> Any:  # a / b in the gradient's dtype, as torch
        if isinstance(g, np.ndarray):
            return np.true_divide(a, b, dtype=g.dtype)
        return a / b

    return (lambda g, s: quotient(g, s[o], g),
            lambda g, s: -g * quotient(quotient(s[i], s[o], g), s[o], g))


DIV._bound = _div_vjps(DIV)
NEG = elementwise("neg", _negative, "NegBackward0", input=-1)
RECIPROCAL = elementwise("reciprocal", np.reciprocal, "ReciprocalBackward0", promote="float",
                         input=lambda result: -(result * result))
CLONE = linear("clone", np.copy, "CloneBackward0", lambda g: g)
# x.zero_() / x.fill_(v) on a tensor that requires grad: the new values do not depend on the old
ZERO = elementwise("zero", np.zeros_like, "ZeroBackward0", input=0,
                   doc="Zeros of the input's shape and dtype (``x.zero_()``): a zero gradient.")
FILL = elementwise("fill", lambda input, value: np.full_like(input, value), "FillBackward2",
                   input=0, doc="``x.fill_(number)``: the number everywhere, a zero gradient.")
FILL_TENSOR = elementwise("fill_tensor",
                          lambda input, value: np.full_like(input, value), "FillBackward3",
                          ("input", "value"), promote=None, input=0, value=1,
                          doc="``x.fill_(value)`` for a 0-d tensor value: the gradient of the "
                              "value is the sum of the output's (broadcasting does it).")
# x.contiguous() of a strided tensor: a row-major copy (torch records it as a clone too)
CONTIGUOUS = linear("contiguous", np.ascontiguousarray, "CloneBackward0", lambda g: g)


def _int_power(base: Any, exponent: Any) -> Any:
    """``base ** exponent`` for integers, where negative exponents give what torch's integer
    kernel gives (1 for a base of 1, +-1 for -1, else 0) instead of NumPy's ValueError."""
    exponent = np.asarray(exponent)
    negative = exponent < 0
    if not negative.any():
        return np.power(base, exponent)
    base = np.asarray(base)
    kept = np.power(base, np.where(negative, 0, exponent))
    at_negative = np.where(base == 1, 1, np.where(base == -1, np.where(exponent % 2 == 0, 1, -1),
                                                  0))
    return np.where(negative, at_negative, kept).astype(kept.dtype)


def _power(input: Any, exponent: Any) -> Any:
    """np.power with torch's integer rules: a negative integer number as exponent of an integer
    tensor is refused; negative integer tensor exponents follow ``_int_power``."""
    if _is_bool(input) and _is_bool(exponent) and isinstance(input, np.ndarray) \
            and isinstance(exponent, np.ndarray):  # two bool tensors (a Python bool is fine)
        raise NotImplementedError('"pow" not implemented for \'Bool\'')
    kind_in = getattr(input, "dtype", np.dtype(type(input))).kind
    kind_ex = getattr(exponent, "dtype", np.dtype(type(exponent))).kind
    if kind_in in "iu" and kind_ex in "iu":
        if exponent.__class__ is builtins.int or isinstance(exponent, np.integer):
            if exponent < 0 and isinstance(input, np.ndarray):
                raise RuntimeError("Integers to negative integer powers are not allowed.")
        return _int_power(input, exponent)
    return np.power(input, exponent)


_power.ufunc = np.power  # type: ignore[attr-defined]  # in-place x **= 2 on floats writes through


def _multiply_by_number(input: np.ndarray, other: float) -> np.ndarray:
    return np.multiply(input, other)


# ``tensor * number`` inside derivative formulas: torch's Scalar overload, MulBackward1 (a user's
# ``x * 2`` wraps the 2 in a tensor and records MulBackward0).
MUL_SCALAR = elementwise("mul_scalar", _multiply_by_number, "MulBackward1",
                         input=lambda other: other)


def _pow_partial(input: Any, exponent: Any) -> Any:
    # torch: 0 where the exponent is 0 (even at 0, inf or NaN), else exponent * input^(e - 1),
    # with the exponent as a double (so second-order graphs read MulBackward1 -> PowBackward0)
    if not isinstance(exponent, (np.ndarray, _registry.Tensor)):
        if exponent == 0:
            return _registry.zeros_like(input)
        e = float(exponent)
        return MUL_SCALAR(input ** (e - 1), other=e)
    return where(exponent == 0, 0.0, exponent * input ** (exponent - 1))


def _pow_exponent_partial(input: Any, exponent: Any, result: Any) -> Any:
    # d(b**e)/de = b**e * log(b); torch defines it as 0 where b == 0 and e >= 0 (where e < 0 the
    # product inf * log(0) gives -inf, as in torch). The masked log is kept finite for 2nd order.
    masked = (input == 0) & (exponent >= 0)
    return where(masked, 0.0, result * log(where(masked, 1.0, input)))


POW = elementwise("pow", _power, "PowBackward0", ("input", "exponent"), promote="promote",
                  input=_pow_partial)
POW_TENSOR = elementwise("pow_tensor", _power, "PowBackward1", ("input", "exponent"),
                         promote="promote", input=_pow_partial, exponent=_pow_exponent_partial)


def _pow_tensor_input_vjp(op: Any) -> Any:
    """PowBackward1's rule for the base in torch's form, ``where(e == 0, 0, g * (e * b^(e-1)))``
    (the gradient is masked after the product, so its node is a WhereBackward0 as in torch)."""
    i, e = op.saved_names.index("input"), op.saved_names.index("exponent")
    return lambda g, s: where(s[e] == 0, 0.0, g * (s[e] * s[i] ** (s[e] - 1)))


POW_TENSOR._bound = (_pow_tensor_input_vjp(POW_TENSOR),) + POW_TENSOR._bound[1:]


def _rpow_partial(input: Any, base: float, result: Any) -> Any:
    # d(base**x)/dx = base**x * log(base), for a number base; torch takes it as 0 where base is 0
    # and x >= 0 (and -inf where x < 0, from inf * log(0)).
    if base == 0:
        return where(input >= 0, 0.0, result * -math.inf)
    return result * (math.log(base) if base > 0 else math.nan)


RPOW = elementwise("rpow", lambda input, base: _power(base, input), "PowBackward2",
                   ("input", "base"), promote="promote", input=_rpow_partial)


def _div_rounding(input: Any, other: Any, rounding_mode: str) -> Any:
    """``input / other`` rounded towards zero (``'trunc'``) or down (``'floor'``); integer
    dtypes stay integers, and an integer division by zero is torch's RuntimeError."""
    if _is_bool(input) and _is_bool(other):
        raise NotImplementedError(f'"div_{rounding_mode}_cpu" not implemented for \'Bool\'')
    a, b = np.asarray(input), np.asarray(other)
    result_kind = np.result_type(input, other).kind
    if result_kind in "iub":
        if (b == 0).any():
            raise RuntimeError("ZeroDivisionError")
        q = np.floor_divide(input, other)
        if rounding_mode == "trunc":  # floor is one below trunc where the signs differ
            q = q + ((np.remainder(a, b) != 0) & ((a < 0) != (b < 0)))
        return q.astype(np.result_type(input, other), copy=False)
    if rounding_mode == "floor":
        return np.floor_divide(input, other)
    return np.trunc(np.true_divide(input, other))


DIV_ROUNDING = elementwise("div_rounding", _div_rounding, "DivBackward2", ("input", "other"),
                           promote="promote", input=0, other=0,
                           doc="``div(input, other, rounding_mode=...)``: the rounded quotient, "
                               "with a zero gradient (DivBackward2), as in torch.")


def div_rounding(input: Any, other: Any, rounding_mode: str | None) -> Any:
    """``tapegrad.div`` with a rounding mode: None (true division), 'trunc' or 'floor'."""
    if rounding_mode is None:
        return DIV(input, other)
    if rounding_mode not in ("trunc", "floor"):
        raise RuntimeError("div expected rounding_mode to be one of None, 'trunc', or 'floor' but "
                           f"found '{rounding_mode}'")
    return DIV_ROUNDING(input, other, rounding_mode=rounding_mode)


# -- exponentials and logarithms -----------------------------------------------------------------
EXP = elementwise("exp", np.exp, "ExpBackward0", promote="float", input=lambda result: result)
EXP2 = elementwise("exp2", np.exp2, "Exp2Backward0", promote="float",
                   input=lambda result: result * math.log(2.0))
EXPM1 = elementwise("expm1", np.expm1, "Expm1Backward0", promote="float",
                    input=lambda result: result + 1)
LOG = elementwise("log", np.log, "LogBackward0", promote="float", input=lambda input: 1 / input)
LOG2 = elementwise("log2", np.log2, "Log2Backward0", promote="float",
                   input=lambda input: 1 / (input * math.log(2.0)))
LOG10 = elementwise("log10", np.log10, "Log10Backward0", promote="float",
                    input=lambda input: 1 / (input * math.log(10.0)))
LOG1P = elementwise("log1p", np.log1p, "Log1PBackward0", promote="float",
                    input=lambda input: 1 / (input + 1))
SQRT = elementwise("sqrt", np.sqrt, "SqrtBackward0", promote="float",
                   input=lambda result: 0.5 / result)
RSQRT = elementwise("rsqrt", lambda a: 1 / np.sqrt(a), "RsqrtBackward0", promote="float",
                    input=lambda result: -0.5 * result * result * result)

# -- trigonometric and hyperbolic ----------------------------------------------------------------
SIN = elementwise("sin", np.sin, "SinBackward0", promote="float", input=lambda input: cos(input))
COS = elementwise("cos", np.cos, "CosBackward0", promote="float", input=lambda input: -sin(input))
TAN = elementwise("tan", np.tan, "TanBackward0", promote="float",
                  input=lambda result: result * result + 1)
ASIN = elementwise("asin", np.arcsin, "AsinBackward0", promote="float",
                   input=lambda input: rsqrt(1 - input * input))
ACOS = elementwise("acos", np.arccos, "AcosBackward0", promote="float",
                   input=lambda input: -rsqrt(1 - input * input))
def _atan2(input: np.ndarray, other: Any) -> np.ndarray:
    # NumPy's single-precision arctan2 can be an ulp off; double, rounded once, is not
    if input.dtype.itemsize < 8:
        return np.arctan2(input.astype(np.float64), np.asarray(other, np.float64)).astype(
            input.dtype)
    return np.arctan2(input, other)


def _atan2_scale(input: Any, other: Any) -> Any:
    """1 / (input^2 + other^2), and 0 at the origin (torch's convention there)."""
    r2 = input * input + other * other
    return where(r2 == 0, 0.0, 1 / where(r2 == 0, 1.0, r2))


ATAN2 = elementwise("atan2", _atan2, "Atan2Backward0", ("input", "other"), promote="float_binary",
                    input=lambda input, other: other * _atan2_scale(input, other),
                    other=lambda input, other: -input * _atan2_scale(input, other))
HYPOT = elementwise("hypot", np.hypot, "HypotBackward0", ("input", "other"), promote="float_binary",
                    input=lambda input, result: input / result,
                    other=lambda other, result: other / result)
LOGADDEXP = elementwise("logaddexp", np.logaddexp, "LogaddexpBackward0", ("input", "other"),
                        promote="float_binary",
                        input=lambda input, result: exp(input - result),
                        other=lambda other, result: exp(other - result))
ATAN = elementwise("atan", np.arctan, "AtanBackward0", promote="float",
                   input=lambda input: 1 / (input * input + 1))
SINH = elementwise("sinh", np.sinh, "SinhBackward0", promote="float",
                   input=lambda input: cosh(input))
COSH = elementwise("cosh", np.cosh, "CoshBackward0", promote="float",
                   input=lambda input: sinh(input))
TANH = elementwise("tanh", np.tanh, "TanhBackward0", promote="float",
                   input=lambda result: 1 - result * result)


def _sigmoid(a: np.ndarray) -> np.ndarray:
    # 1 / (1 + e) where a >= 0 and e / (1 + e) below, with e = exp(-|a|): exp of a non-positive
    # number only, so large |a| neither overflows nor warns. Half precision is computed in
    # single and rounded once, as torch does. In place where possible: the arrays of a conv
    # net are large, and every fresh one costs page faults.
    x = a.astype(np.float32) if a.dtype.char == "e" else a  # "e": float16
    if not x.shape:  # NumPy returns scalars from 0-d arithmetic; the in-place steps need arrays
        x = x.reshape(1)
    e = np.abs(x)
    np.negative(e, out=e)
    np.exp(e, out=e)
    d = e + x.dtype.type(1)
    out = np.reciprocal(d)
    np.divide(e, d, out=out, where=x < 0)
    return out.reshape(a.shape).astype(a.dtype, copy=False)


SIGMOID = elementwise("sigmoid", _sigmoid, "SigmoidBackward0", promote="float",
                      input=lambda result: result * (1 - result))

# -- piecewise -----------------------------------------------------------------------------------
def _relu(a: np.ndarray) -> np.ndarray:
    if a.dtype.kind == "b":
        raise RuntimeError("Boolean inputs not supported for relu")
    return np.maximum(a, 0).astype(a.dtype, copy=False)


def _refusing(kinds: str, fn: Any, kernel: str) -> Any:
    """``fn`` of one array, refusing the dtype kinds torch's CPU ``kernel`` lacks."""
    def forward(a: Any) -> Any:
        if a.dtype.kind in kinds:
            raise NotImplementedError(f'"{kernel}" not implemented for '
                                      f"'{_dtype.torch_name(a.dtype)}'")
        return fn(a)
    return forward


RELU = elementwise("relu", _relu, "ReluBackward0", input=lambda result: result > 0)
ABS = elementwise("abs", _refusing("b", np.abs, "abs_cpu"), "AbsBackward0",
                  input=lambda input: sign(input))
SIGN = elementwise("sign", lambda a: a.copy() if a.dtype.kind == "b" else np.sign(a),
                   "SignBackward0", input=0)
FLOOR = elementwise("floor", _refusing("b", np.floor, "floor_vml_cpu"), "FloorBackward0",
                    input=0)
CEIL = elementwise("ceil", _refusing("b", np.ceil, "ceil_vml_cpu"), "CeilBackward0",
                   input=0)
ROUND = elementwise("round", _refusing("b", np.round, "round_vml_cpu"), "RoundBackward0",
                    input=0)
TRUNC = elementwise("trunc", _refusing("b", np.trunc, "trunc_vml_cpu"), "TruncBackward0",
                    input=0)
FRAC = elementwise("frac", _refusing("biu", lambda a: a - np.trunc(a), "frac_cpu"),
                   "FracBackward0", input=1)
REMAINDER = elementwise("remainder", _dividing_kernel(np.remainder, "remainder_cpu"),
                        "RemainderBackward0", ("input", "other"), promote="promote", input=1,
                        other=lambda input, other: -floor(input / other))
FMOD = elementwise("fmod", _dividing_kernel(np.fmod, "fmod_cpu"), "FmodBackward0",
                   ("input", "other"), promote="promote", input=1, other=lambda input, other: -trunc(input / other))


def _clamp(a: np.ndarray, min: Any = None, max: Any = None) -> np.ndarray:
    out = a
    if min is not None:
        out = np.maximum(out, min)
    if max is not None:
        out = np.minimum(out, max)
    return out if out is not a else a.copy()


def _clamp_mask(input: Any, min: Any, max: Any) -> Any:
    mask = None
    if min is not None:
        mask = input >= min
    if max is not None:
        upper = input <= max
        mask = upper if mask is None else mask & upper
    return mask


CLAMP = elementwise("clamp", _clamp, "ClampBackward1", input=_clamp_mask)


def _masked_fill(input: np.ndarray, mask: np.ndarray, value: Any) -> np.ndarray:
    return np.where(mask, np.asarray(value).astype(input.dtype), input)


# The mask is not differentiable; the filled value is a number (a Tensor value that requires
# grad takes the where() path in tapegrad.masked_fill).
MASKED_FILL = general("masked_fill", _masked_fill, "MaskedFillBackward0", ("input", "mask"),
                      vjp_input=lambda g, mask: MASKED_FILL(g, mask, value=0.0),
                      jvp=lambda t, mask: None if t[0] is None else MASKED_FILL(t[0], mask,
                                                                                 value=0.0))


def _clamp_tensor(input: np.ndarray, min: Any, max: Any) -> np.ndarray:
    # Tensor bounds take part in type promotion (an int tensor clamped by float bounds is float).
    common, acc = input.dtype, input
    for bound in (min, max):
        if bound is not None:
            common = _dtype.result_dtype(acc, bound)
            acc = np.empty((1,) * builtins.max(acc.ndim, bound.ndim), common)
    return _clamp(input.astype(common, copy=False), min, max).astype(common, copy=False)


def _clamp_min_partial(input: Any, min: Any, max: Any) -> Any:
    below = input < min  # the lower bound is active (and wins over an upper bound below it)
    return below if max is None else below & (min < max)


def _clamp_max_partial(input: Any, min: Any, max: Any) -> Any:
    above = input > max  # the upper bound is active, or it lies below the lower one
    return above if min is None else above | (max < min)


# Tensor bounds (either may be None): differentiable in the bounds where they are active.
CLAMP_TENSOR = elementwise("clamp_tensor", _clamp_tensor, "ClampBackward0",
                           ("input", "min", "max"), promote=None, input=_clamp_mask,
                           min=_clamp_min_partial, max=_clamp_max_partial)
MAXIMUM = elementwise("maximum", np.maximum, "MaximumBackward0", ("input", "other"),
                      promote="promote",
                      input=lambda input, other: (input > other) + (input == other) * 0.5,
                      other=lambda input, other: (other > input) + (input == other) * 0.5)
MINIMUM = elementwise("minimum", np.minimum, "MinimumBackward0", ("input", "other"),
                      promote="promote",
                      input=lambda input, other: (input < other) + (input == other) * 0.5,
                      other=lambda input, other: (other < input) + (input == other) * 0.5)
WHERE = general("where", np.where, "WhereBackward0", ("condition", "input", "other"),
                promote="where",
                vjp_input=lambda g, condition: where(condition, g, 0.0),
                vjp_other=lambda g, condition: where(condition, 0.0, g),
                jvp=lambda tangents, condition: where(
                    condition, 0.0 if tangents[1] is None else tangents[1],
                    0.0 if tangents[2] is None else tangents[2]))

# -- dtype conversion ----------------------------------------------------------------------------
# The engine casts every gradient to its input's dtype, so the VJP is the identity.
TO_COPY = general("to_copy", lambda input, dtype: input.astype(dtype), "ToCopyBackward0",
                  vjp_input=lambda g: g,
                  jvp=lambda tangents, dtype: None if tangents[0] is None
                  else to_copy(tangents[0], dtype=dtype))

# -- comparisons and logic (no derivative) -------------------------------------------------------
EQ = nondifferentiable("eq", np.equal, ("input", "other"), promote="compare")
NE = nondifferentiable("ne", np.not_equal, ("input", "other"), promote="compare")
LT = nondifferentiable("lt", np.less, ("input", "other"), promote="compare")
LE = nondifferentiable("le", np.less_equal, ("input", "other"), promote="compare")
GT = nondifferentiable("gt", np.greater, ("input", "other"), promote="compare")
GE = nondifferentiable("ge", np.greater_equal, ("input", "other"), promote="compare")
LOGICAL_AND = nondifferentiable("logical_and", np.logical_and, ("input", "other"))
LOGICAL_OR = nondifferentiable("logical_or", np.logical_or, ("input", "other"))
LOGICAL_XOR = nondifferentiable("logical_xor", np.logical_xor, ("input", "other"))
LOGICAL_NOT = nondifferentiable("logical_not", np.logical_not)
ISNAN = nondifferentiable("isnan", np.isnan)
ISINF = nondifferentiable("isinf", np.isinf)
ISFINITE = nondifferentiable("isfinite", np.isfinite)
FLOOR_DIVIDE = nondifferentiable("floor_divide",
                                 _dividing_kernel(np.floor_divide, "div_floor_cpu"),
                                 ("input", "other"), promote="promote")

# Plain-function names used by the rules above and by the public namespace.
add, sub, mul, div, neg, reciprocal, clone = ADD, SUB, MUL, DIV, NEG, RECIPROCAL, CLONE
exp, exp2, expm1, log, log2, log10, log1p, sqrt, rsqrt = (EXP, EXP2, EXPM1, LOG, LOG2, LOG10, LOG1P,
                                                          SQRT, RSQRT)
sin, cos, tan, asin, acos, atan, sinh, cosh, tanh = SIN, COS, TAN, ASIN, ACOS, ATAN, SINH, COSH, TANH
sigmoid, relu, abs, sign, floor, ceil, round, trunc, frac = (SIGMOID, RELU, ABS, SIGN, FLOOR, CEIL,
                                                             ROUND, TRUNC, FRAC)
where, to_copy, maximum, minimum = WHERE, TO_COPY, MAXIMUM, MINIMUM
_registry.WHERE = WHERE
_registry.REFUSE_BOOL_SUB = _refuse_bool_sub


def pow(input: Any, exponent: Any) -> Any:
    """``input ** exponent`` elementwise; either may be a tensor or a number."""
    if isinstance(exponent, _registry.Tensor):
        if isinstance(input, _registry.Tensor):
            return POW_TENSOR(input, exponent)
        return RPOW(exponent, input)
    return POW(input, exponent)


def _cast(g: Any, dtype: np.dtype) -> Any:
    return TO_COPY(g, dtype=dtype)


_engine.bind(cast=_cast)
