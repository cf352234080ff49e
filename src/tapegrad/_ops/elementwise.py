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
NEG = elementwise("neg", _negative, "NegBackward0", input=-1)
RECIPROCAL = elementwise("reciprocal", np.reciprocal, "ReciprocalBackward0", promote="float",
                         input=lambda result: -(result * result))
CLONE = linear("clone", np.copy, "CloneBackward0", lambda g: g)
# x.contiguous() of a strided tensor: a row-major copy (torch records it as a clone too)
CONTIGUOUS = linear("contiguous", np.ascontiguousarray, "CloneBackward0", lambda g: g)


def _pow_partial(input: Any, exponent: Any) -> Any:
    if not isinstance(exponent, (np.ndarray, _registry.Tensor)):
        if exponent == 0:
            return input * 0
        if exponent == 2:  # the common square: skip the power
            return input * 2
    return exponent * input ** (exponent - 1)


def _pow_exponent_partial(input: Any, result: Any) -> Any:
    # d(b**e)/de = b**e * log(b); torch defines it as 0 where b == 0 (and e >= 0).
    return where(input == 0, 0.0, result * log(where(input == 0, 1.0, input)))


POW = elementwise("pow", np.power, "PowBackward0", ("input", "exponent"), promote="promote",
                  input=_pow_partial)
POW_TENSOR = elementwise("pow_tensor", _no_bool_kernel(np.power, "pow"), "PowBackward1",
                         ("input", "exponent"), promote="promote", input=_pow_partial,
                         exponent=_pow_exponent_partial)


def _rpow_partial(base: float, result: Any) -> Any:
    # d(base**x)/dx = base**x * log(base), for a number base.
    return result * (math.log(base) if base > 0 else (-math.inf if base == 0 else math.nan))


RPOW = elementwise("rpow", lambda input, base: np.power(base, input), "PowBackward2",
                   ("input", "base"), promote="promote", input=_rpow_partial)

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
    # exp of a non-positive number only, so large |a| neither overflows nor warns; half
    # precision is computed in single and rounded once, as torch does.
    x = a.astype(np.float32) if a.dtype.char == "e" else a  # "e": float16
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e)).astype(a.dtype, copy=False)


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
REMAINDER = elementwise("remainder", _no_bool_kernel(np.remainder, "remainder_cpu"),
                        "RemainderBackward0", ("input", "other"), promote="promote", input=1,
                        other=lambda input, other: -floor(input / other))
FMOD = elementwise("fmod", np.fmod, "FmodBackward0", ("input", "other"), promote="promote",
                   input=1, other=lambda input, other: -trunc(input / other))


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
BITWISE_AND = nondifferentiable("bitwise_and", np.bitwise_and, ("input", "other"), promote="promote")
BITWISE_OR = nondifferentiable("bitwise_or", np.bitwise_or, ("input", "other"), promote="promote")
BITWISE_XOR = nondifferentiable("bitwise_xor", np.bitwise_xor, ("input", "other"), promote="promote")
BITWISE_NOT = nondifferentiable("bitwise_not", np.invert)
ISNAN = nondifferentiable("isnan", np.isnan)
ISINF = nondifferentiable("isinf", np.isinf)
ISFINITE = nondifferentiable("isfinite", np.isfinite)
FLOOR_DIVIDE = nondifferentiable("floor_divide", _no_bool_kernel(np.floor_divide, "div_floor_cpu"),
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
