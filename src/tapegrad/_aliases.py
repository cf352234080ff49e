"""torch's alternative names, in-place forms and small helpers built from existing ops.

torch keeps several names for one operation (``absolute`` is ``abs``, ``multiply`` is ``mul``,
``fix`` is ``trunc``) and an in-place ``x_`` method for most elementwise ops; real code uses
them all.  This module defines the few functions that need a body (``copysign``, ``fmax``,
``heaviside``, the dtype helpers, ...) and ``install()`` attaches the method names to Tensor.
Every name keeps the semantics, dtype and gradient of the op it stands for.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from . import _api as A, _composites as Co, _dtype, _reductions as Rd, _selecting as Sel
from . import _shaping as Sh
from ._ops import elementwise as E, extra_elementwise as H
from ._tensor import Tensor


def positive(input: Tensor) -> Tensor:
    """``+input``: the tensor itself (refused for bool, as torch does)."""
    if input.dtype == _dtype.bool:
        raise RuntimeError("The `+` operator, on a bool tensor is not supported.")
    return input


def msort(input: Tensor) -> Tensor:
    """The elements sorted along dimension 0: ``sort(input, dim=0).values``."""
    return Sel.sort(input, 0)[0]


def ravel(input: Tensor) -> Tensor:
    """The elements as a 1-D tensor in row-major order (a view when possible)."""
    return Sh.reshape(input, (-1,))


def _tensor(x: Any) -> Tensor:
    return x if isinstance(x, Tensor) else Tensor._make(np.asarray(x))


def signbit(input: Tensor) -> Tensor:
    """True where the sign bit is set (negative numbers and ``-0.0``)."""
    return Tensor._make(np.signbit(input._data))


def isposinf(input: Tensor) -> Tensor:
    """True where the element is ``+inf``."""
    return Tensor._make(np.isposinf(input._data))


def isneginf(input: Tensor) -> Tensor:
    """True where the element is ``-inf``."""
    return Tensor._make(np.isneginf(input._data))


def isreal(input: Tensor) -> Tensor:
    """True where the element has no imaginary part (everywhere for a real tensor)."""
    return Tensor._make(np.isreal(input._data))


def copysign(input: Any, other: Any) -> Tensor:
    """``|input|`` with the sign of ``other`` (``-0.0`` counts as negative); float result.

    Example: ``copysign(tensor([1, 2]), -1)`` is ``tensor([-1., -2.])``.
    """
    a = _tensor(input)
    if not a.is_floating_point():
        a = a.to(_dtype.from_numpy_dtype(_dtype.result_dtype(a._data, 1.0)))
    b = other._data if isinstance(other, Tensor) else np.asarray(other, dtype=np.float64)
    negative = Tensor._make(np.signbit(b))
    magnitude = E.ABS(a)
    return A.where(negative, -magnitude, magnitude)


def fmax(input: Tensor, other: Tensor) -> Tensor:
    """Elementwise maximum that ignores NaN (NaN only where both are NaN); the gradient goes
    to the element chosen (to ``input`` on ties)."""
    take = Tensor._make(np.greater_equal(input._data, other._data) | np.isnan(other._data))
    return A.where(take, input, other)


def fmin(input: Tensor, other: Tensor) -> Tensor:
    """Elementwise minimum that ignores NaN (NaN only where both are NaN)."""
    take = Tensor._make(np.less_equal(input._data, other._data) | np.isnan(other._data))
    return A.where(take, input, other)


def heaviside(input: Tensor, values: Tensor) -> Tensor:
    """The step function: 0 where ``input < 0``, 1 where ``input > 0``, ``values`` where 0."""
    if input.dtype != values.dtype:
        raise RuntimeError("heaviside is not yet implemented for tensors with different dtypes.")
    return Tensor._make(np.heaviside(input._data, values._data).astype(input._data.dtype))


def logaddexp2(input: Tensor, other: Tensor) -> Tensor:
    """``log2(2**input + 2**other)``, computed without overflow (floating inputs only)."""
    for t in (input, other):
        if not t.is_floating_point():
            raise NotImplementedError(f'"logaddexp2_cpu" not implemented for '
                                      f"'{_dtype.torch_name(t._data.dtype)}'")
    big = E.MAXIMUM(input, other)
    same_inf = Tensor._make(np.isinf(big._data) & (input._data == other._data))
    gap = -E.ABS(input - other)
    return A.where(same_inf, big, big + E.LOG2(1 + E.EXP2(gap)))


def float_power(input: Any, exponent: Any) -> Tensor:
    """``input ** exponent`` computed in double precision (float64 result)."""
    a = _tensor(input).to(_dtype.float64)
    b = exponent.to(_dtype.float64) if isinstance(exponent, Tensor) else exponent
    return A.pow(a, b)


def float_power_(self: Tensor, exponent: Any) -> Tensor:
    """In-place form of ``float_power``: only for float64 tensors (the result's dtype)."""
    if self.dtype != _dtype.float64:
        raise RuntimeError("the base given to float_power_ has dtype "
                           f"{_dtype.torch_name(self._data.dtype)} but the operation's result "
                           "requires dtype Double")
    return self._inplace(float_power, exponent)


# -- dtype helpers -----------------------------------------------------------------------------
def promote_types(type1: _dtype.dtype, type2: _dtype.dtype) -> _dtype.dtype:
    """The smallest dtype both ``type1`` and ``type2`` convert to without losing their kind."""
    # promotion between two dimensioned tensors (int16 with float16 is float16, unlike NumPy)
    arrays = (np.empty(1, type1.np), np.empty(1, type2.np))
    return _dtype.from_numpy_dtype(_dtype.result_dtype(*arrays))


def _operand(x: Any) -> Any:
    return x._data if isinstance(x, Tensor) else x


def result_type(tensor1: Any, tensor2: Any) -> _dtype.dtype:
    """The dtype an arithmetic op between these two (tensors or numbers) gives."""
    if not isinstance(tensor1, Tensor) and not isinstance(tensor2, Tensor):
        # two numbers: the default dtype of the higher kind (2 and 3.0 give float32)
        kinds = [_KIND_ORDER[_dtype.result_dtype(x, x).kind] for x in (tensor1, tensor2)]
        return _dtype.from_numpy_dtype(_dtype._category_default(max(kinds)))
    return _dtype.from_numpy_dtype(_dtype.result_dtype(_operand(tensor1), _operand(tensor2)))


_KIND_ORDER = {"b": 0, "u": 1, "i": 1, "f": 2, "c": 3}


def can_cast(from_: _dtype.dtype, to: _dtype.dtype) -> bool:
    """Whether torch's type promotion allows ``from_`` to be cast to ``to``: never to a lower
    kind (complex -> float -> integer -> bool); any size within a kind."""
    return _KIND_ORDER[from_.np.kind] <= _KIND_ORDER[to.np.kind]


def is_complex(input: Tensor) -> bool:
    """True if ``input`` has a complex dtype."""
    return input.is_complex()


def is_signed(input: Tensor) -> bool:
    """True if ``input``'s dtype holds negative numbers (all but uint8 and bool)."""
    return input._data.dtype.kind not in "ub"


def scalar_tensor(s: Any, dtype: Any = None, **kwargs: Any) -> Tensor:
    """A 0-d tensor holding the number ``s``, of the default float dtype unless ``dtype``."""
    from ._creation import tensor
    return tensor(s, dtype=dtype or _dtype.get_default_dtype(), **kwargs)


# -- method tables -----------------------------------------------------------------------------
# other name -> the function behind it; each also gets its in-place ``name_`` method where listed
ALIASES = {
    "absolute": E.ABS, "arccos": E.ACOS, "arcsin": E.ASIN, "arctan": E.ATAN,
    "acosh": H.ACOSH, "asinh": H.ASINH, "atanh": H.ATANH,
    "arccosh": H.ACOSH, "arcsinh": H.ASINH, "arctanh": H.ATANH,
    "multiply": A.mul, "divide": A.div, "subtract": A.sub, "negative": E.NEG,
    "greater": E.GT, "greater_equal": E.GE, "less": E.LT, "less_equal": E.LE, "not_equal": E.NE,
    "fix": E.TRUNC, "sgn": H.SGN, "copysign": copysign, "heaviside": heaviside,
}
INPLACE = {**ALIASES, "true_divide": A.div, "eq": E.EQ, "ne": E.NE, "lt": E.LT, "le": E.LE,
           "gt": E.GT, "ge": E.GE, "tril": A.tril, "triu": A.triu, "clamp_min": Co.clamp_min,
           "clamp_max": Co.clamp_max, "cumsum": Rd.cumsum, "cumprod": Rd.cumprod,
           "deg2rad": Co.deg2rad, "rad2deg": Co.rad2deg, "nan_to_num": Co.nan_to_num,
           "addmm": Co.addmm}
METHODS = {
    **ALIASES, "positive": positive, "swapdims": Sh.transpose, "msort": msort, "ravel": ravel,
    "fmax": fmax, "fmin": fmin, "signbit": signbit, "isneginf": isneginf, "isposinf": isposinf,
    "isreal": isreal, "logaddexp2": logaddexp2, "float_power": float_power,
    "is_signed": is_signed, "float_power_": float_power_,
}
# torch's top-level in-place functions (``torch.exp_(x)``): the method under another name
TOPLEVEL_INPLACE = (
    "abs", "acos", "arccos", "asin", "arcsin", "atan", "arctan", "acosh", "arccosh",
    "asinh", "arcsinh", "atanh", "arctanh", "ceil", "clamp", "clamp_max", "clamp_min", "clip",
    "detach",
    "cos", "cosh", "deg2rad", "erf", "erfc", "exp", "exp2", "expm1", "fix", "floor", "frac",
    "log", "log10", "log1p", "log2", "nan_to_num", "neg", "negative", "rad2deg", "reciprocal",
    "relu", "round", "rsqrt", "sigmoid", "sin", "sinh", "sqrt", "square", "tan", "tanh", "trunc",
    "xlogy")


def _toplevel_inplace(name: str):
    def fn(input: Tensor, *args: Any, **kwargs: Any) -> Tensor:
        return getattr(input, name)(*args, **kwargs)
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"``input.{name}(...)``: in-place form of ``{name[:-1]}``, returns ``input``."
    return fn


def toplevel() -> dict:
    """The names this module adds to the ``tapegrad`` namespace."""
    names = {name: fn for name, fn in METHODS.items() if not name.endswith("_")}
    del names["is_signed"]
    names.update(positive=positive, msort=msort, ravel=ravel, promote_types=promote_types,
                 result_type=result_type, can_cast=can_cast, is_complex=is_complex,
                 is_signed=is_signed, scalar_tensor=scalar_tensor)
    names.update({n + "_": _toplevel_inplace(n + "_") for n in TOPLEVEL_INPLACE})
    return names


def install(set_method, inplace) -> None:
    """Attach the aliases, helpers and in-place forms to Tensor (``set_method(name, fn)``)."""
    for name, fn in METHODS.items():
        set_method(name, fn)
    for name, fn in INPLACE.items():
        set_method(name + "_", inplace(fn, name + "_"))
