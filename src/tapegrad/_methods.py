"""Tensor methods and operators, as one table mapping each name to the function behind it."""
from __future__ import annotations

import types
import warnings
from typing import Any

import numpy as np

from . import _api as A, _composites as Co, _creation as C, _dtype, _reductions as Rd
from . import _inplace_views as V, _selecting as Sel, _shaping as Sh, linalg as La
from ._ops import _transforms, elementwise as E, special as SP
from ._ops._registry import Op
from .autograd import grad_mode
from ._random import functions as _random_functions
from ._tensor import PLAIN_SUBCLASSES, Tensor, writable


def _reflect(fn):
    return lambda self, other: fn(other, self) if isinstance(other, Tensor) else _swap(fn, self, other)


def _swap(fn, self: Tensor, other: Any):
    if fn is E.SUB:
        return E.RSUB(self, other)
    if fn is E.DIV:
        return E.MUL(E.RECIPROCAL(self), other)  # torch records 2 / x as reciprocal * 2
    if fn is E.pow:
        return E.RPOW(self, other)
    if fn in (E.FLOOR_DIVIDE, E.REMAINDER):  # not commutative: put the number first
        return fn(np.asarray(other), self)
    return fn(self, other)


def _inplace(fn, name: str):
    """The in-place method ``name`` (``sin_``, ``__iadd__``) applying ``fn`` to self."""
    def method(self: Tensor, *args: Any, **kwargs: Any) -> Tensor:
        return self._inplace(fn, *args, **kwargs)
    method.__name__ = method.__qualname__ = name
    of = "__" + name[3:] if name.startswith("__i") else name[:-1]
    method.__doc__ = f"In-place form of ``{of}``: writes the result into this tensor, returns it."
    return method


def _legacy_new(self: Tensor, *args: Any, **kwargs: Any) -> Tensor:
    """Legacy ``x.new(...)``: ``x.new(2, 3)`` an uninitialised tensor of that shape, ``x.new(data)``
    a tensor of ``data``, ``x.new()`` an empty one, each with ``x``'s dtype."""
    if len(args) == 1 and not isinstance(args[0], (int, np.integer)):
        data = args[0]
        if isinstance(data, Tensor):
            return data.to(self.dtype)
        return C.tensor(data, dtype=self.dtype)
    return C.empty(*args or (0,), dtype=self.dtype, **kwargs)


def _to(self: Tensor, *args: Any, **kwargs: Any) -> Tensor:
    """Convert dtype (``to(tapegrad.float64)``); devices other than 'cpu' are refused."""
    from tapegrad._tensor import check_device
    dtype = kwargs.get("dtype")
    for a in args:
        if isinstance(a, _dtype.dtype):
            dtype = a
        elif isinstance(a, Tensor):
            dtype = a.dtype
        else:
            check_device(a)
    check_device(kwargs.get("device"))
    own = self._data.dtype if self.__class__ is Tensor else self.dtype.np  # batched: no _data
    if dtype is None or _dtype.to_numpy_dtype(dtype) == own:
        return self.clone() if kwargs.get("copy") else self
    return E.TO_COPY(self, dtype=_dtype.to_numpy_dtype(dtype))


def _cast(name: str, target: _dtype.dtype):
    def method(self: Tensor, memory_format: Any = None) -> Tensor:
        return _to(self, target)
    method.__name__ = method.__qualname__ = name
    method.__doc__ = f"This tensor as {target.name}: ``self.to({target!r})``."
    return method


def _type(self: Tensor, dtype: Any = None, **kw: Any):
    """With no argument, torch's type string (``'torch.FloatTensor'``); else ``to(dtype)``,
    where dtype may also be a legacy type (``tapegrad.LongTensor``) or its name as a string."""
    names = {t.dtype: f"torch.{name}" for name, t in C.LEGACY_TYPES.items()}
    if dtype is None:
        return names.get(self.dtype, "torch.Tensor")
    if isinstance(dtype, str):
        by_name = {v: k for k, v in names.items()}
        if dtype not in by_name:
            raise ValueError(f"invalid type: '{dtype}'")
        dtype = by_name[dtype]
    return _to(self, getattr(dtype, "dtype", dtype) if isinstance(dtype, type) else dtype)


def _reshape(self: Tensor, *shape: Any) -> Tensor:
    """Same elements in a new shape, given as ints or one tuple (a view when possible)."""
    return Sh.reshape(self, Sh._shape_arg(shape))


def _reshape_as(self: Tensor, other: Tensor) -> Tensor:
    """``self.reshape(other.shape)``."""
    return Sh.reshape(self, tuple(other.shape))


def _view_as(self: Tensor, other: Tensor) -> Tensor:
    """``self.view(other.shape)``: a view with ``other``'s shape."""
    return Sh.view(self, tuple(other.shape))


def _type_as(self: Tensor, other: Tensor) -> Tensor:
    """This tensor cast to ``other``'s dtype: ``self.to(other.dtype)``."""
    return _to(self, other.dtype)


def _where(self: Tensor, condition: Tensor, other: Any) -> Tensor:
    """``tapegrad.where(condition, self, other)``: self where condition holds, else other."""
    return A.where(condition, self, other)


def _contiguous(self: Tensor, memory_format: Any = None) -> Tensor:
    """Self if its elements are laid out in row-major order, else a row-major copy (so that
    ``x.transpose(1, 2).contiguous().view(...)`` works, as in torch)."""
    if (self.__class__ is Tensor or self.__class__ in PLAIN_SUBCLASSES) \
            and self._data.flags.c_contiguous:
        return self
    return E.CONTIGUOUS(self)


def _zero_(self: Tensor) -> Tensor:
    """Fill this tensor with zeros in place; returns self (ZeroBackward0 when recorded)."""
    if _read_only(self) and not self._requires_grad:
        return _fill_expanded(self, 0, overlap_ok=True)
    return self._inplace(E.ZERO)


def _fill_(self: Tensor, value: Any) -> Tensor:
    """Fill this tensor with ``value`` (a number or a 0-d tensor) in place; returns self.

    An expanded tensor may be filled with a number (torch allows it: every element gets the
    same value), not with a tensor."""
    overlap_ok = True
    if isinstance(value, Tensor):
        if value.ndim:
            raise RuntimeError(f"fill_ only supports 0-dimension value tensor but got tensor with "
                               f"{value.ndim} dimensions.")
        if _transforms.active or (
                (value._requires_grad or self._requires_grad) and grad_mode.state.enabled):
            return self._inplace(E.FILL_TENSOR, value)  # the value's gradient (or tangent) flows
        value, overlap_ok = value.item(), False
    if _read_only(self) and not self._requires_grad:
        return _fill_expanded(self, value, overlap_ok)
    return self._inplace(E.FILL, value=value)


def _read_only(self: Tensor) -> bool:
    """An expanded tensor (NumPy's broadcast views are read-only); batched ones are not."""
    return (self.__class__ is Tensor or self.__class__ in PLAIN_SUBCLASSES) \
        and not self._data.flags.writeable


def _fill_expanded(self: Tensor, value: Any, overlap_ok: bool) -> Tensor:
    writable(self._data, overlap_ok)[...] = value
    self._bump()
    return self


def _polygamma(self: Tensor, n: int) -> Tensor:
    """``tapegrad.polygamma(n, self)``: the n-th derivative of digamma at this tensor."""
    return A.polygamma(n, self)


def _copy_(self: Tensor, src: Tensor, non_blocking: bool = False) -> Tensor:
    """Copy ``src``'s values (broadcast to this shape) into this tensor; differentiable in src."""
    recording = grad_mode.state.enabled and (
        self._requires_grad or isinstance(src, Tensor) and src._requires_grad)
    if not (recording or _transforms.active):
        # nothing to record: write the values into this tensor's array (its views see them)
        np.copyto(writable(self._data, overlap_ok=False),
                  src._data if isinstance(src, Tensor) else np.asarray(src), casting="unsafe")
        self._bump()
        return self
    return self._inplace(lambda t, s: t * 0 + s, src)


_BINARY = {
    "add": A.add, "sub": A.sub, "mul": A.mul, "div": A.div, "pow": A.pow,
    "maximum": E.MAXIMUM, "minimum": E.MINIMUM, "remainder": E.REMAINDER, "fmod": E.FMOD,
    "eq": E.EQ, "ne": E.NE, "lt": E.LT, "le": E.LE, "gt": E.GT, "ge": E.GE,
    "logical_and": E.LOGICAL_AND, "logical_or": E.LOGICAL_OR, "logical_xor": E.LOGICAL_XOR,
    "floor_divide": E.FLOOR_DIVIDE, "xlogy": A.xlogy, "atan2": E.ATAN2, "arctan2": E.ATAN2,
    "hypot": E.HYPOT, "logaddexp": E.LOGADDEXP,
}
_UNARY = {
    "neg": E.NEG, "exp": E.EXP, "exp2": E.EXP2, "expm1": E.EXPM1, "log": E.LOG, "log2": E.LOG2,
    "log10": E.LOG10, "log1p": E.LOG1P, "sqrt": E.SQRT, "rsqrt": E.RSQRT, "sin": E.SIN,
    "cos": E.COS, "tan": E.TAN, "asin": E.ASIN, "acos": E.ACOS, "atan": E.ATAN, "sinh": E.SINH,
    "cosh": E.COSH, "tanh": E.TANH, "sigmoid": E.SIGMOID, "relu": E.RELU, "abs": E.ABS,
    "sign": E.SIGN, "floor": E.FLOOR, "ceil": E.CEIL, "round": E.ROUND, "trunc": E.TRUNC,
    "frac": E.FRAC, "reciprocal": E.RECIPROCAL, "square": A.square, "logical_not": E.LOGICAL_NOT,
    "isnan": E.ISNAN, "isinf": E.ISINF, "isfinite": E.ISFINITE, "erf": SP.ERF, "erfc": SP.ERFC,
    "lgamma": SP.LGAMMA, "digamma": SP.DIGAMMA,
}
_OTHER = {
    "sum": Rd.sum, "mean": Rd.mean, "prod": Rd.prod, "max": Rd.max, "min": Rd.min, "amax": Rd.amax,
    "amin": Rd.amin, "argmax": Rd.argmax, "argmin": Rd.argmin, "cumsum": Rd.cumsum, "norm": Rd.norm,
    "all": Rd.all, "any": Rd.any, "count_nonzero": Rd.count_nonzero, "cumprod": Rd.cumprod,
    "median": Rd.median, "kthvalue": Rd.kthvalue,
    "var": Rd.var, "std": Rd.std, "logsumexp": Rd.logsumexp, "softmax": Rd.softmax,
    "log_softmax": Rd.log_softmax, "dot": A.dot, "mv": A.mv, "mm": A.mm, "matmul": A.matmul,
    "bmm": A.bmm, "outer": A.outer, "polygamma": _polygamma, "gather": Sel.gather,
    "scatter_add": Sel.scatter_add, "scatter": Sel.scatter, "index_add": Sel.index_add,
    "index_select": Sel.index_select, "sort": Sel.sort,
    "argsort": Sel.argsort, "topk": Sel.topk,
    "reshape": _reshape, "view": Sh.view, "flatten": Sh.flatten,
    "squeeze": Sh.squeeze, "unsqueeze": Sh.unsqueeze, "permute": Sh.permute,
    "transpose": Sh.transpose, "swapaxes": Sh.transpose, "t": Sh.t, "expand": Sh.expand,
    "expand_as": Sh.expand_as, "broadcast_to": Sh.broadcast_to, "repeat": Sh.repeat,
    "split": Sh.split, "chunk": Sh.chunk, "unbind": Sh.unbind, "narrow": Sh.narrow,
    "clone": Sh.clone, "clamp": A.clamp, "clip": A.clamp, "where": _where, "trace": A.trace,
    "diag": A.diag, "tril": A.tril, "triu": A.triu, "roll": Sh.roll,
    "movedim": Sh.movedim, "moveaxis": Sh.movedim, "unflatten": Sh.unflatten,
    "masked_fill": Sh.masked_fill, "tile": Co.tile, "diff": Co.diff,
    "lerp": Co.lerp, "nan_to_num": Co.nan_to_num, "masked_select": Co.masked_select,
    "take": Co.take, "repeat_interleave": Co.repeat_interleave, "addmm": Co.addmm,
    "addcmul": Co.addcmul, "addcdiv": Co.addcdiv, "unique": Co.unique, "bincount": Co.bincount,
    "clamp_min": Co.clamp_min, "clamp_max": Co.clamp_max, "deg2rad": Co.deg2rad,
    "rad2deg": Co.rad2deg, "inverse": La.inv, "det": La.det, "slogdet": La.slogdet,
    "allclose": Sh.allclose, "isclose": Sh.isclose, "equal": Sh.equal, "rsub": A.rsub,
    "to": _to, "type": _type, "type_as": _type_as, "view_as": _view_as, "reshape_as": _reshape_as,
    "float": _cast("float", _dtype.float32), "double": _cast("double", _dtype.float64),
    "half": _cast("half", _dtype.float16), "long": _cast("long", _dtype.int64),
    "int": _cast("int", _dtype.int32), "bool": _cast("bool", _dtype.bool),
    "short": _cast("short", _dtype.int16), "byte": _cast("byte", _dtype.uint8),
    "char": _cast("char", _dtype.int8), "contiguous": _contiguous,
    "zero_": _zero_, "fill_": _fill_, "copy_": _copy_,
    "unsqueeze_": V.unsqueeze_, "squeeze_": V.squeeze_, "t_": V.t_, "transpose_": V.transpose_,
    "swapaxes_": V.transpose_, "swapdims_": V.transpose_, "as_strided": V.as_strided,
    "as_strided_": V.as_strided_, "as_strided_scatter": V.as_strided_scatter,
    "resize_": V.resize_, "resize_as_": V.resize_as_, "resize": V.resize,
    "resize_as": V.resize_as,
    **_random_functions.FILLS,
    "__getitem__": Sh.getitem, "__setitem__": Sh.setitem, "__matmul__": A.matmul,
    "__rmatmul__": lambda self, other: A.matmul(other, self),
    "__neg__": E.NEG, "__pos__": lambda self: self, "__abs__": E.ABS,
}
_OPERATORS = {"add": E.ADD, "sub": E.SUB, "mul": E.MUL, "truediv": E.DIV, "pow": E.pow,
              "floordiv": E.FLOOR_DIVIDE, "mod": E.REMAINDER}
# & | ^ ~ << >> and their reflected and in-place forms: tapegrad._bits_bitwise
_COMPARISONS = {"eq": E.EQ, "ne": E.NE, "lt": E.LT, "le": E.LE, "gt": E.GT, "ge": E.GE}


def _as_method(fn):
    """Ops are callable objects, not functions: wrap them so they bind ``self``.

    ``self`` is a Tensor, so an op's method goes straight to ``record`` (or to the innermost
    transform), skipping ``Op.__call__``'s search for a Tensor argument: the hot path of
    ``y * 0.9``.
    """
    if isinstance(fn, types.FunctionType):
        return fn
    if isinstance(fn, Op):
        fast = getattr(fn, "fast", None)
        if fast is not None:  # the op's common-call entry (a function, so it binds ``self``)
            return fast
        record = fn.record

        def method(self, *args, **params):
            if _transforms.active:
                return _transforms.dispatch(fn, (self, *args), params)
            return record((self, *args), params)

        method.__name__ = method.__qualname__ = fn.name
        method.__doc__ = (f"Method form of ``{fn.name}``; this tensor is its ``{fn.args[0]}``."
                          f"\n\n{fn.__doc__}")
        return method
    return lambda self, *args, **kwargs: fn(self, *args, **kwargs)


def _set(name: str, fn) -> None:
    setattr(Tensor, name, _as_method(fn))


def install() -> None:
    """Attach every method and operator to Tensor."""
    for name, fn in {**_BINARY, **_UNARY, **_OTHER}.items():
        _set(name, fn)
    for name, fn in {**_BINARY, **_UNARY}.items():
        if name not in ("eq", "ne", "lt", "le", "gt", "ge", "isnan", "isinf", "isfinite"):
            _set(name + "_", _inplace(fn, name + "_"))
    for name, fn in {"clamp": A.clamp, "clip": A.clamp, "sub": A.sub, "div": A.div,
                     "masked_fill": Sh.masked_fill,
                     "polygamma": _polygamma, "scatter_add": Sel.scatter_add, "scatter": Sel.scatter,
                     "index_add": Sel.index_add, "addcmul": Co.addcmul, "addcdiv": Co.addcdiv,
                     "lerp": Co.lerp}.items():
        _set(name + "_", _inplace(fn, name + "_"))
    _set("new", _legacy_new)
    _set("true_divide", A.div)
    for name in ("zeros", "ones", "empty", "full", "tensor"):
        setattr(Tensor, f"new_{name}", C.new_factory(getattr(C, name), name))
    for name, fn in _OPERATORS.items():
        _set(f"__{name}__", fn)
        # ``2 * x`` is ``x * 2`` for the commutative ops: the reflected operator is the op itself
        _set(f"__r{name}__", fn if fn in (E.ADD, E.MUL) else _reflect(fn))
        _set(f"__i{name}__", _inplace(fn, f"__i{name}__"))
    for name, fn in _COMPARISONS.items():
        _set(f"__{name}__", fn)
    # __eq__ is elementwise, so hashing is by identity, as in torch; object's C-level hash is
    # identity too, and the engine hashes leaves on every backward.
    Tensor.__hash__ = object.__hash__
    Tensor.T = property(lambda self: S_T(self), doc="Dimensions reversed (PermuteBackward0).")
    Tensor.mT = property(lambda self: Sh.transpose(self, -2, -1),
                         doc="The last two dimensions swapped.")
    from ._ops.vision import tensor_unfold
    _set("unfold", tensor_unfold)
    from . import _aliases  # torch's other names and in-place forms (absolute, exp_, ...)
    _aliases.install(_set, _inplace)
    from . import _surface  # the long tail: kron, cummax, bitwise_and, erfinv, ...
    _surface.install_methods(_set, _inplace)


_T_WARNINGS = {  # torch warns once per process, like its C++ TORCH_WARN_ONCE
    True: "Tensor.T is deprecated on 0-D tensors. This function is the identity in these cases. "
          "(Triggered internally at /__w/pytorch/pytorch/aten/src/ATen/native/TensorShape.cpp"
          ":4321.)",
    False: "The use of `x.T` on tensors of dimension other than 2 to reverse their shape is "
           "deprecated and it will throw an error in a future release. Consider `x.mT` to "
           "transpose batches of matrices or `x.permute(*torch.arange(x.ndim - 1, -1, -1))` to "
           "reverse the dimensions of a tensor. (Triggered internally at "
           "/__w/pytorch/pytorch/aten/src/ATen/native/TensorShape.cpp:4314.)"}


def S_T(self: Tensor) -> Tensor:
    if self.ndim != 2:
        message = _T_WARNINGS.pop(self.ndim == 0, None)
        if message is not None:
            warnings.warn(message, UserWarning, stacklevel=3)
    if self.ndim < 2:
        return self
    return Sh.permute(self, tuple(range(self.ndim - 1, -1, -1)))


install()
