"""Making tensors: from data, filled, and ranges (random draws live in ``_random``)."""
from __future__ import annotations

import builtins
import math
import warnings
from typing import Any, Sequence

import numpy as np

from . import _dtype
from ._ops import _transforms
from .autograd import _engine
from ._tensor import Tensor, _unwrap_nested, check_device

# -- from data -----------------------------------------------------------------------------------
def _infer_dtype(data: Any) -> np.dtype:
    """torch's dtype inference for nested Python data; validates that it is not ragged."""
    kinds = set()
    level, depth, shape = [data], 0, []
    while level:
        seqs = [x for x in level if isinstance(x, (list, tuple))]
        if seqs and len(seqs) != len(level):  # sequences mixed with numbers at one depth
            _raise_mixed(level)
        if not seqs:
            for x in level:
                kind = _scalar_kind(x)
                if not isinstance(x, np.generic):  # (a NumPy scalar's kind is its dtype's)
                    kinds.add(kind)
            numpy_scalars = [x.dtype for x in level if isinstance(x, np.generic)]
            if numpy_scalars:  # NumPy scalars bring their own dtype, as in torch
                return _promote_elements(numpy_scalars, kinds)
            break
        length = len(seqs[0])
        for s in seqs:
            if len(s) != length:
                raise ValueError(f"expected sequence of length {length} at dim {depth} "
                                 f"(got {len(s)})")
        shape.append(length)
        level = [x for s in seqs for x in s]
        depth += 1
    if "complex" in kinds:
        return np.dtype(np.complex64) if _dtype.default_float() == _dtype.F32 else np.dtype(np.complex128)
    if "float" in kinds:
        return _dtype.default_float()
    if "int" in kinds:
        return _dtype.I64
    if "bool" in kinds:
        return _dtype.BOOL
    return _dtype.default_float()  # empty lists


def _promote_elements(dtypes: list, kinds: set) -> np.dtype:
    """torch's promotion over the element types of a list holding NumPy scalars: the types of
    the elements promoted pairwise (``promote_types``), a Python number counting as its default
    dtype, so ``[np.int8(3)]`` stays int8 and ``[np.int8(3), 2]`` becomes int64."""
    defaults = {"bool": _dtype.BOOL, "int": _dtype.I64, "float": _dtype.default_float(),
                "complex": np.dtype(np.complex64) if _dtype.default_float() == _dtype.F32
                else np.dtype(np.complex128)}
    out = dtypes[0]
    for d in dtypes[1:] + [defaults[k] for k in kinds]:
        out = _dtype.result_dtype(np.empty((1,), out), np.empty((1,), d))
    return out


def _raise_mixed(level: list) -> None:
    """torch's TypeError for a list mixing numbers and sequences at one depth: the shape comes
    from the first element, so a later element has the wrong kind."""
    if isinstance(level[0], (list, tuple)):
        raise TypeError("not a sequence")
    bad = next(x for x in level if isinstance(x, (list, tuple)))
    numbers = {_scalar_kind(x) for x in level if not isinstance(x, (list, tuple))}
    if numbers & {"float", "complex"}:
        raise TypeError(f"must be real number, not {type(bad).__name__}")
    raise TypeError(f"'{type(bad).__name__}' object cannot be interpreted as an integer")


def _scalar_kind(x: Any) -> str:
    if isinstance(x, Tensor):
        x = x._data
    if isinstance(x, (builtins.bool, np.bool_)):
        return "bool"
    if isinstance(x, (builtins.int, np.integer)):
        return "int"
    if isinstance(x, (builtins.float, np.floating)):
        return "float"
    if isinstance(x, (complex, np.complexfloating)):
        return "complex"
    if isinstance(x, np.ndarray):
        return {"b": "bool", "i": "int", "u": "int", "f": "float", "c": "complex"}[x.dtype.kind]
    raise TypeError(f"Could not infer dtype of {type(x).__name__}")


def _array_from(data: Any, dtype: Any) -> np.ndarray:
    if isinstance(data, Tensor):
        arr = data._data
        return arr.copy() if dtype is None else arr.astype(_dtype.to_numpy_dtype(dtype))
    if isinstance(data, np.ndarray):
        target = _dtype.from_numpy_dtype(data.dtype).np if dtype is None else _dtype.to_numpy_dtype(dtype)
        return np.array(data, dtype=target)
    if isinstance(data, np.generic):  # a NumPy scalar keeps its dtype, as in torch
        return _array_from(np.asarray(data), dtype)
    if isinstance(data, range):
        data = list(data)
    target = _infer_dtype(data) if dtype is None else _dtype.to_numpy_dtype(dtype)
    return np.array(_unwrap_nested(data), dtype=target)


def tensor(data: Any, *, dtype: Any = None, device: Any = None, requires_grad: bool = False,
           pin_memory: bool = False) -> Tensor:
    """Make a new tensor holding a copy of ``data`` (nested lists, numbers, arrays or tensors).

    The dtype follows torch: Python floats give ``get_default_dtype()`` (float32), ints give
    int64, bools give bool; NumPy arrays keep their dtype.

        >>> tapegrad.tensor([[1, 2], [3, 4]])
        tensor([[1, 2],
                [3, 4]])
    """
    check_device(device)
    if isinstance(data, Tensor):
        warnings.warn("To copy construct from a tensor, it is recommended to use "
                      "sourceTensor.detach().clone() or sourceTensor.detach().clone()."
                      "requires_grad_(True), rather than torch.tensor(sourceTensor).",
                      UserWarning, stacklevel=2)
    arr = _array_from(data, dtype)
    if requires_grad:
        _check_can_require_grad(arr)
    return Tensor._make(arr, None, builtins.bool(requires_grad))


def as_tensor(data: Any, dtype: Any = None, device: Any = None) -> Tensor:
    """Like ``tensor`` but shares memory with a NumPy array or tensor of the same dtype."""
    check_device(device)
    if isinstance(data, Tensor) and (dtype is None or _dtype.to_numpy_dtype(dtype) == data._data.dtype):
        return data
    if isinstance(data, np.ndarray) and (dtype is None or _dtype.to_numpy_dtype(dtype) == data.dtype):
        _dtype.from_numpy_dtype(data.dtype)
        return Tensor._make(data)
    return Tensor._make(_array_from(data, dtype))


asarray = as_tensor


def from_numpy(array: np.ndarray) -> Tensor:
    """A tensor sharing memory with ``array``: changes to one show in the other."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(array).__name__})")
    _dtype.from_numpy_dtype(array.dtype)
    return Tensor._make(array)


# -- filled --------------------------------------------------------------------------------------
def _size(size: Sequence[Any], size_kw: Any = None, negative: str | None = None) -> tuple:
    if size_kw is not None:
        size = (size_kw,)
    if len(size) == 1 and isinstance(size[0], (tuple, list)) or (len(size) == 1 and isinstance(size[0], Tensor) and size[0].ndim == 1):
        size = tuple(size[0])
    out = []
    for s in size:
        if not isinstance(s, (builtins.int, np.integer, Tensor)):
            raise TypeError(f"size must be a tuple of ints, but got {type(s).__name__}")
        s = builtins.int(s)
        if s < 0:
            raise RuntimeError(negative or
                               f"Trying to create tensor with negative dimension {s}: {list(size)}")
        out.append(s)
    return tuple(out)


def _check_can_require_grad(arr: np.ndarray) -> None:
    if arr.dtype.kind not in "fc":
        raise RuntimeError("Only Tensors of floating point and complex dtype can require gradients")
    if arr.dtype.kind == "c":
        raise RuntimeError(_engine.COMPLEX_AUTOGRAD)


def _finish(arr: np.ndarray, requires_grad: bool, device: Any, out: Tensor | None = None) -> Tensor:
    check_device(device)
    if requires_grad:
        _check_can_require_grad(arr)
    if out is not None:
        out._data = arr
        out._bump()
        return out
    return Tensor._make(arr, None, builtins.bool(requires_grad))


def _float_or(dtype: Any) -> np.dtype:
    return _dtype.default_float() if dtype is None else _dtype.to_numpy_dtype(dtype)


def zeros(*size: Any, out: Tensor | None = None, dtype: Any = None, layout: Any = None,
          device: Any = None, requires_grad: bool = False, **kw: Any) -> Tensor:
    """A tensor of zeros of the given shape (``zeros(2, 3)`` or ``zeros((2, 3))``)."""
    shape = _size(size, kw.get("size"), "zeros: Dimension size must be non-negative.")
    return _finish(np.zeros(shape, _float_or(dtype)), requires_grad, device, out)


def ones(*size: Any, out: Tensor | None = None, dtype: Any = None, layout: Any = None,
         device: Any = None, requires_grad: bool = False, **kw: Any) -> Tensor:
    """A tensor of ones of the given shape."""
    return _finish(np.ones(_size(size, kw.get("size")), _float_or(dtype)), requires_grad, device, out)


def empty(*size: Any, out: Tensor | None = None, dtype: Any = None, layout: Any = None,
          device: Any = None, requires_grad: bool = False, **kw: Any) -> Tensor:
    """An uninitialised tensor (tapegrad fills it with zeros, so results are reproducible)."""
    return _finish(np.zeros(_size(size, kw.get("size")), _float_or(dtype)), requires_grad, device, out)


def full(size: Sequence[int], fill_value: Any, *, out: Tensor | None = None, dtype: Any = None,
         layout: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of ``size`` filled with ``fill_value`` (dtype inferred from the value)."""
    if dtype is None:
        dtype_np = _infer_dtype(fill_value.item() if isinstance(fill_value, Tensor) else fill_value)
    else:
        dtype_np = _dtype.to_numpy_dtype(dtype)
    value = fill_value.item() if isinstance(fill_value, Tensor) else fill_value
    return _finish(np.full(_size((size,)), value, dtype_np), requires_grad, device, out)


def eye(n: int, m: int | None = None, *, out: Tensor | None = None, dtype: Any = None,
        layout: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """The identity matrix of size n x m (m defaults to n)."""
    return _finish(np.eye(n, m, dtype=_float_or(dtype)), requires_grad, device, out)


def _like(fill, input: Tensor, dtype: Any, requires_grad: bool, device: Any) -> Tensor:
    if input.__class__ is not Tensor:  # batched (inside vmap): a plain tensor of one example's shape
        np_d = input.dtype.np if dtype is None else _dtype.to_numpy_dtype(dtype)
        return _finish(fill(tuple(input.shape), np_d), requires_grad, device)
    np_d = input._data.dtype if dtype is None else _dtype.to_numpy_dtype(dtype)
    return _finish(fill(input._data.shape, np_d), requires_grad, device)


def zeros_like(input: Tensor, *, dtype: Any = None, layout: Any = None, device: Any = None,
               requires_grad: bool = False, memory_format: Any = None) -> Tensor:
    """Zeros with the shape (and, by default, dtype) of ``input``."""
    return _like(np.zeros, input, dtype, requires_grad, device)


def ones_like(input: Tensor, *, dtype: Any = None, layout: Any = None, device: Any = None,
              requires_grad: bool = False, memory_format: Any = None) -> Tensor:
    """Ones with the shape (and, by default, dtype) of ``input``."""
    return _like(np.ones, input, dtype, requires_grad, device)


def empty_like(input: Tensor, *, dtype: Any = None, layout: Any = None, device: Any = None,
               requires_grad: bool = False, memory_format: Any = None) -> Tensor:
    """An uninitialised tensor shaped like ``input`` (tapegrad fills it with zeros)."""
    return _like(np.zeros, input, dtype, requires_grad, device)


def full_like(input: Tensor, fill_value: Any, *, dtype: Any = None, layout: Any = None,
              device: Any = None, requires_grad: bool = False, memory_format: Any = None) -> Tensor:
    """A tensor shaped like ``input`` (by default of its dtype too) filled with ``fill_value``."""
    return _like(lambda s, d: np.full(s, fill_value, d), input, dtype, requires_grad, device)


# -- ranges --------------------------------------------------------------------------------------
_MISSING: Any = object()
_FACTORY_KW = ("torch.dtype dtype = None, torch.layout layout = None, torch.device device = None, "
               "bool pin_memory = False, bool requires_grad = False")
_SIGNATURES = {
    "arange": [f"(Number end, *, Tensor out = None, {_FACTORY_KW})",
               f"(Number start, Number end, *, {_FACTORY_KW})",
               f"(Number start, Number end, Number step = 1, *, Tensor out = None, {_FACTORY_KW})"],
    "linspace": [f"({a} start, {b} end, int steps, *, Tensor out = None, {_FACTORY_KW})"
                 for a, b in (("Tensor", "Tensor"), ("Number", "Tensor"), ("Tensor", "Number"),
                              ("Number", "Number"))],
    "logspace": [f"({a} start, {b} end, int steps, float base = 10.0, *, Tensor out = None, "
                 f"{_FACTORY_KW})" for a, b in (("Tensor", "Tensor"), ("Number", "Tensor"),
                                                ("Tensor", "Number"), ("Number", "Number"))],
}


def _type_name(x: Any) -> str:
    return "Tensor" if isinstance(x, Tensor) else type(x).__name__


def _bad_arguments(fn: str, args: tuple, kwargs: dict) -> TypeError:
    """torch's TypeError for arguments that match none of a function's signatures."""
    got = [_type_name(a) for a in args] + [f"{k}={_type_name(v)}" for k, v in kwargs.items()]
    lines = "".join(f" * {sig}\n" for sig in _SIGNATURES[fn])
    return TypeError(f"{fn}() received an invalid combination of arguments - got "
                     f"({', '.join(got)}), but expected one of:\n{lines}")


def _is_number(x: Any) -> bool:
    return isinstance(x, (builtins.int, builtins.float, np.integer, np.floating)) or (
        isinstance(x, Tensor) and x.ndim == 0)


def arange(start: Any = _MISSING, end: Any = _MISSING, step: Any = _MISSING, *args: Any,
           out: Tensor | None = None, dtype: Any = None, layout: Any = None, device: Any = None,
           pin_memory: bool = False, requires_grad: bool = False) -> Tensor:
    """Values from ``start`` (default 0) up to, not including, ``end``, spaced by ``step``.

    Integer arguments give int64; any float argument gives the default float dtype.
    ``tapegrad.arange(1, 2.5, 0.5)`` is ``tensor([1.0000, 1.5000, 2.0000])``.
    """
    if start is _MISSING and end is not _MISSING:  # arange(end=4)
        start = 0
    given = [v for v in (start, end, step) if v is not _MISSING]
    if args or not given or (len(given) > 1 and not all(map(_is_number, given))):
        raise _bad_arguments("arange", tuple(given) + args, {})
    if not _is_number(given[0]):
        raise TypeError(f"arange(): argument 'end' (position 1) must be Number, not "
                        f"{_type_name(given[0])}")
    if end is _MISSING:
        start, end = 0, start
    if step is _MISSING:
        step = 1
    vals = [v.item() if isinstance(v, Tensor) else v for v in (start, end, step)]
    if dtype is None:
        is_float = any(isinstance(v, (builtins.float, np.floating)) for v in vals)
        np_d = _dtype.default_float() if is_float else _dtype.I64
    else:
        np_d = _dtype.to_numpy_dtype(dtype)
    if np_d.kind == "b":
        raise NotImplementedError('"arange_cpu" not implemented for \'Bool\'')
    lo, hi, by = vals
    if not (math.isfinite(lo) and math.isfinite(hi)):
        raise RuntimeError(f"unsupported range: {_range_str(lo)} -> {_range_str(hi)}")
    if by == 0:
        raise RuntimeError("step must be nonzero")
    if (by > 0 and hi < lo) or (by < 0 and hi > lo):
        raise RuntimeError("upper bound and lower bound inconsistent with step sign")
    n = math.ceil((hi - lo) / by)
    if n > 2 ** 62:
        raise RuntimeError("invalid size, possible overflow?")
    arr = (lo + np.arange(n, dtype=np.float64) * by) if np_d.kind in "fc" else \
        np.arange(lo, hi, by)
    return _finish(arr.astype(np_d), requires_grad, device, out)


def _range_str(v: Any) -> str:
    return str(v) if not isinstance(v, builtins.float) or not v.is_integer() else str(int(v))


def _evenly(fn: str, start: Any, end: Any, steps: Any, extra: dict) -> tuple[float, float, int]:
    """Check ``linspace``/``logspace``'s arguments as torch does; return them as numbers."""
    if steps is _MISSING or start is _MISSING or end is _MISSING or not (
            isinstance(steps, (builtins.int, np.integer)) or (
            isinstance(steps, Tensor) and steps.ndim == 0 and steps.dtype.np.kind in "iu")) \
            or isinstance(steps, builtins.bool):
        given = tuple(v for v in (start, end) if v is not _MISSING)
        kw = dict(extra)
        if steps is not _MISSING:
            given += (steps,)
        raise _bad_arguments(fn, given, kw)
    for name, v in (("start", start), ("end", end)):
        if isinstance(v, Tensor) and v.ndim:
            raise RuntimeError(f"{fn} only supports 0-dimensional start and end tensors, but got "
                               f"{name} with {v.ndim} dimension(s).")
    steps = builtins.int(steps)
    if steps < 0:
        raise RuntimeError("number of steps must be non-negative")
    return (start.item() if isinstance(start, Tensor) else start,
            end.item() if isinstance(end, Tensor) else end, steps)


def linspace(start: Any = _MISSING, end: Any = _MISSING, steps: Any = _MISSING, *,
             out: Tensor | None = None, dtype: Any = None, layout: Any = None, device: Any = None,
             pin_memory: bool = False, requires_grad: bool = False) -> Tensor:
    """``steps`` evenly spaced values from ``start`` to ``end`` inclusive."""
    lo, hi, n = _evenly("linspace", start, end, steps, {})
    return _finish(np.linspace(lo, hi, n).astype(_float_or(dtype)), requires_grad, device, out)


def logspace(start: Any = _MISSING, end: Any = _MISSING, steps: Any = _MISSING,
             base: float = 10.0, *, out: Tensor | None = None, dtype: Any = None,
             layout: Any = None, device: Any = None, pin_memory: bool = False,
             requires_grad: bool = False) -> Tensor:
    """``steps`` values ``base ** x``, ``x`` evenly spaced from ``start`` to ``end`` inclusive.

    ``tapegrad.logspace(0, 2, 3)`` is ``tensor([1., 10., 100.])``.
    """
    lo, hi, n = _evenly("logspace", start, end, steps, {})
    return _finish(np.logspace(lo, hi, n, base=base).astype(_float_or(dtype)), requires_grad,
                   device, out)


# -- torch's legacy typed constructors (torch.FloatTensor([1, 2]), isinstance(x, LongTensor)) --
class _LegacyTensorType(type):
    """The class of ``FloatTensor``, ``LongTensor``, ...: calling one makes a tensor of its dtype
    (from data, or uninitialised of a shape), and ``isinstance`` checks a tensor's dtype."""

    dtype: Any

    def __call__(cls, *args: Any, device: Any = None) -> Tensor:
        check_device(device)
        if len(args) == 1 and not isinstance(args[0], (builtins.int, np.integer)):
            return tensor(args[0], dtype=cls.dtype)
        return zeros(*args, dtype=cls.dtype)

    def __instancecheck__(cls, obj: Any) -> bool:
        return isinstance(obj, Tensor) and obj.dtype is cls.dtype

    def __repr__(cls) -> str:
        return f"<class 'tapegrad.{cls.__name__}'>"


def _legacy(name: str, dtype: Any) -> type:
    doc = (f"Legacy constructor: ``{name}(data)`` is ``tensor(data, dtype={dtype!r})``, "
           f"``{name}(2, 3)`` an uninitialised {dtype!r} tensor of that shape.")
    return _LegacyTensorType(name, (), {"dtype": dtype, "__doc__": doc, "__module__": "tapegrad"})


LEGACY_TYPES = {name: _legacy(name, d) for name, d in (
    ("FloatTensor", _dtype.float32), ("DoubleTensor", _dtype.float64),
    ("HalfTensor", _dtype.float16), ("LongTensor", _dtype.int64), ("IntTensor", _dtype.int32),
    ("ShortTensor", _dtype.int16), ("CharTensor", _dtype.int8), ("ByteTensor", _dtype.uint8),
    ("BoolTensor", _dtype.bool))}


def new_factory(fill: Any, name: str) -> Any:
    """The Tensor method ``new_<name>``: ``fill`` (zeros, ones, empty, full, tensor) with this
    tensor's dtype unless another is given."""
    def method(self: Tensor, *args: Any, dtype: Any = None, device: Any = None,
               requires_grad: bool = False, **kw: Any) -> Tensor:
        return fill(*args, dtype=self.dtype if dtype is None else dtype, device=device,
                    requires_grad=requires_grad, **kw)
    method.__name__ = method.__qualname__ = f"new_{name}"
    method.__doc__ = (f"``tapegrad.{name}(...)`` with this tensor's dtype (unless ``dtype=`` "
                      "says otherwise), not attached to any graph.")
    return method
