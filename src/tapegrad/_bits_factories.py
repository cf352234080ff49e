"""Factories of torch's long tail: the signal windows, the deprecated ``range``, tensors of given
strides (``empty_strided``, ``empty_permuted``), and the small Tensor methods ``apply_``,
``map_``, ``map2_``, ``as_subclass``, ``dim_order`` and ``to_dense``.

The windows are computed in the requested dtype, step by step in torch's order (``arange``,
scale, ``cos``, scale, shift), so that float32 and float16 round where torch's do:

    >>> tapegrad.hann_window(4)
    tensor([0.0000, 0.5000, 1.0000, 0.5000])
"""
from __future__ import annotations

import builtins
import math
from typing import Any, Callable, Sequence

import numpy as np

from . import _dtype
from ._ops import shape as S
from ._tensor import Tensor, check_device
from ._warnings import warn_at_caller

_CPP_NAMES = {"int64": "long int", "int32": "int", "int16": "short int", "int8": "signed char",
              "uint8": "unsigned char", "bool": "bool"}


def _window_dtype(name: str, length: Any, dtype: Any, requires_grad: bool) -> np.dtype:
    if not isinstance(length, (int, np.integer)) or isinstance(length, bool):
        raise TypeError(f"{name}(): argument 'window_length' (position 1) must be int, not "
                        f"{type(length).__name__}")
    if length < 0:
        raise RuntimeError(f"{name} requires non-negative window_length, got "
                           f"window_length={length}")
    np_d = _dtype.default_float() if dtype is None else _dtype.to_numpy_dtype(dtype)
    if np_d.kind not in "fc":
        rg = "true" if requires_grad else "false (default)"
        raise RuntimeError(f"{name} expects floating point dtypes, got: TensorOptions(dtype="
                           f"{_CPP_NAMES.get(np_d.name, np_d.name)}, device=cpu, layout=Strided "
                           f"(default), requires_grad={rg}, pinned_memory=false, "
                           "memory_format=(nullopt))")
    return np_d


def _window(name: str, length: int, periodic: bool, dtype: Any, device: Any,
            requires_grad: bool, body: Callable[[int, np.dtype], np.ndarray]) -> Tensor:
    check_device(device)
    np_d = _window_dtype(name, length, dtype, requires_grad)
    work = np_d if np_d.kind == "f" else np.dtype(np.float64)  # complex windows: real values
    if length <= 1:
        values = np.ones((length,), work)
    else:
        n = length + 1 if periodic else length
        values = body(n, work)[:length]
    out = Tensor._make(np.ascontiguousarray(values.astype(np_d, copy=False)))
    return out.requires_grad_(True) if requires_grad else out


def _scalar(x: float, d: np.dtype) -> np.generic:
    return d.type(x)  # a Python double scalar meets a tensor in the tensor's dtype


def hamming_window(window_length: int, periodic: bool = True, alpha: float = 0.54,
                   beta: float = 0.46, *, dtype: Any = None, layout: Any = None,
                   device: Any = None, pin_memory: bool = False,
                   requires_grad: bool = False) -> Tensor:
    """Hamming window ``alpha - beta * cos(2 pi n / (N - 1))``; ``periodic=True`` (for spectral
    analysis) computes N + 1 points and drops the last."""
    def body(n: int, d: np.dtype) -> np.ndarray:
        w = np.arange(n, dtype=d) * _scalar(math.pi * 2.0 / (n - 1), d)
        return np.cos(w) * _scalar(-beta, d) + _scalar(alpha, d)
    return _window("hamming_window", window_length, periodic, dtype, device, requires_grad, body)


def hann_window(window_length: int, periodic: bool = True, *, dtype: Any = None,
                layout: Any = None, device: Any = None, pin_memory: bool = False,
                requires_grad: bool = False) -> Tensor:
    """Hann window ``0.5 - 0.5 * cos(2 pi n / (N - 1))`` (a Hamming window with 0.5, 0.5)."""
    def body(n: int, d: np.dtype) -> np.ndarray:
        w = np.arange(n, dtype=d) * _scalar(math.pi * 2.0 / (n - 1), d)
        return np.cos(w) * _scalar(-0.5, d) + _scalar(0.5, d)
    return _window("hann_window", window_length, periodic, dtype, device, requires_grad, body)


def bartlett_window(window_length: int, periodic: bool = True, *, dtype: Any = None,
                    layout: Any = None, device: Any = None, pin_memory: bool = False,
                    requires_grad: bool = False) -> Tensor:
    """Triangular window: rises ``2n / (N - 1)`` to 1 at the middle, then falls back to 0."""
    def body(n: int, d: np.dtype) -> np.ndarray:
        w = np.arange(n, dtype=d) * _scalar(2.0 / (n - 1), d)
        half = ((n - 1) >> 1) + 1
        w[half:] = w[half:] * _scalar(-1, d) + _scalar(2, d)
        return w
    return _window("bartlett_window", window_length, periodic, dtype, device, requires_grad, body)


def blackman_window(window_length: int, periodic: bool = True, *, dtype: Any = None,
                    layout: Any = None, device: Any = None, pin_memory: bool = False,
                    requires_grad: bool = False) -> Tensor:
    """Blackman window ``0.42 - 0.5 cos(2 pi n / (N - 1)) + 0.08 cos(4 pi n / (N - 1))``."""
    def body(n: int, d: np.dtype) -> np.ndarray:
        w = np.arange(n, dtype=d) * _scalar(math.pi / (n - 1), d)
        four, two = np.cos(w * _scalar(4, d)), np.cos(w * _scalar(2, d))
        return four * _scalar(0.08, d) - two * _scalar(0.5, d) + _scalar(0.42, d)
    return _window("blackman_window", window_length, periodic, dtype, device, requires_grad, body)


def kaiser_window(window_length: int, periodic: bool = True, beta: float = 12.0, *,
                  dtype: Any = None, layout: Any = None, device: Any = None,
                  pin_memory: bool = False, requires_grad: bool = False) -> Tensor:
    """Kaiser window ``I0(beta sqrt(1 - ((n - a) / a)^2)) / I0(beta)`` with ``a = (N - 1) / 2``
    (``I0``: the modified Bessel function of order 0)."""
    def body(n: int, d: np.dtype) -> np.ndarray:
        a = (n - 1) / 2.0
        ratio = (np.arange(n, dtype=np.float64) - a) / a
        return np.i0(beta * np.sqrt(np.maximum(1 - ratio * ratio, 0))) / np.i0(beta)
    return _window("kaiser_window", window_length, periodic, dtype, device, requires_grad, body)


_RANGE_WARNING = ("torch.range is deprecated and will be removed in a future release because its "
                  "behavior is inconsistent with Python's range builtin. Instead, use "
                  "torch.arange, which produces values in [start, end).")


def range(start: float = 0, end: float | None = None, step: float = 1, *, dtype: Any = None,
          layout: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """Deprecated: values from ``start`` to ``end`` *inclusive* by ``step``, in the default
    float dtype unless ``dtype`` is given.  Use ``arange`` (end excluded)."""
    if end is None:
        raise TypeError('range() missing 1 required positional arguments: "end"')
    warn_at_caller(_RANGE_WARNING)
    check_device(device)
    np_d = _dtype.default_float() if dtype is None else _dtype.to_numpy_dtype(dtype)
    if step == 0:
        raise RuntimeError("step must be nonzero")
    if (step > 0 and end < start) or (step < 0 and end > start):
        raise RuntimeError("upper bound and lower bound inconsistent with step sign")
    count = int(math.floor((end - start) / step)) + 1
    values = (start + np.arange(count, dtype=np.float64) * step).astype(np_d)
    out = Tensor._make(values)
    return out.requires_grad_(True) if requires_grad else out


def _empty_with_strides(size: Sequence[int], stride: Sequence[int], np_d: np.dtype) -> Tensor:
    """An uninitialised tensor whose array has exactly these element strides."""
    size, stride = tuple(builtins.int(s) for s in size), tuple(builtins.int(s) for s in stride)
    if len(size) != len(stride):
        raise RuntimeError(f"dimensionality of sizes ({len(size)}) must match dimensionality of "
                           f"strides ({len(stride)})")
    span = 1 + sum((n - 1) * s for n, s in zip(size, stride)) if all(size) else 0
    storage = np.zeros((span,), np_d)
    values = np.lib.stride_tricks.as_strided(
        storage, shape=size, strides=tuple(s * np_d.itemsize for s in stride))
    return Tensor._make(values)


def _finish(t: Tensor, requires_grad: bool) -> Tensor:
    return t.requires_grad_(True) if requires_grad else t


def empty_strided(size: Sequence[int], stride: Sequence[int], *, dtype: Any = None,
                  layout: Any = None, device: Any = None, requires_grad: bool = False,
                  pin_memory: bool = False) -> Tensor:
    """An uninitialised tensor of ``size`` laid out with ``stride`` (in elements)."""
    check_device(device)
    np_d = _dtype.default_float() if dtype is None else _dtype.to_numpy_dtype(dtype)
    return _finish(_empty_with_strides(size, stride, np_d), requires_grad)


def empty_permuted(size: Sequence[int], physical_layout: Sequence[int], *, dtype: Any = None,
                   layout: Any = None, device: Any = None, requires_grad: bool = False,
                   pin_memory: bool = False) -> Tensor:
    """An uninitialised tensor of ``size`` whose dims lie in memory in the order
    ``physical_layout`` (outermost first): ``empty_permuted((2, 3, 4), (0, 2, 1))`` has strides
    ``(12, 1, 3)``."""
    check_device(device)
    size, order = tuple(size), tuple(physical_layout)
    if len(size) != len(order):
        raise RuntimeError("Number of dimensions in size does not match the length of the "
                           f"physical_layout; i.e. len(size) = {len(size)} is not equal to "
                           f"len(physical_layout) = {len(order)}")
    if len(set(order)) != len(order):
        raise RuntimeError("Duplicate dim not allowed")
    np_d = _dtype.default_float() if dtype is None else _dtype.to_numpy_dtype(dtype)
    physical = np.empty(tuple(size[d] for d in order), np_d)
    values = np.transpose(physical, np.argsort(order))
    return _finish(Tensor._make(values), requires_grad)


def new_empty_strided(self: Tensor, size: Sequence[int], stride: Sequence[int], *,
                      dtype: Any = None, layout: Any = None, device: Any = None,
                      requires_grad: bool = False, pin_memory: bool = False) -> Tensor:
    """``empty_strided`` with this tensor's dtype unless ``dtype`` is given."""
    return empty_strided(size, stride, dtype=self.dtype if dtype is None else dtype,
                         device=device, requires_grad=requires_grad)


# -- small Tensor methods ------------------------------------------------------------------------
def _python_map(self: Tensor, name: str, fn: Callable, *others: Tensor) -> Tensor:
    if self.requires_grad:
        raise RuntimeError(f"Can't call {name}() on Variable that requires grad. Use "
                           f"var.detach().{name}() instead.")
    arrays = []
    for o in others:
        try:
            arrays.append(np.broadcast_to(o._data, self._data.shape))
        except ValueError:
            raise RuntimeError(
                f"The expanded size of the tensor ({list(self.shape)[-1]}) must match the "
                f"existing size ({list(o.shape)[-1]}) at non-singleton dimension "
                f"{self.dim() - 1}.  Target sizes: {list(self.shape)}.  Tensor sizes: "
                f"{list(o.shape)}") from None
    target = self._data
    cast = target.dtype.type
    flat = [a.flatten() for a in arrays]
    for pos, index in enumerate(np.ndindex(target.shape)):
        args = [target[index].item(), *(a[pos].item() for a in flat)] if flat else \
            [target[index].item()]
        value = fn(*args)
        if isinstance(value, str) or not isinstance(value, (int, float, bool, np.generic)):
            raise TypeError(f"must be real number, not {type(value).__name__}")
        target[index] = cast(value)
    self._bump()
    return self


def apply_(self: Tensor, callable: Callable) -> Tensor:  # noqa: A002  (torch's name)
    """Replace every element ``v`` by ``callable(v)`` (a Python call per element: slow)."""
    return _python_map(self, "apply_", callable)


def map_(self: Tensor, tensor: Tensor, callable: Callable) -> Tensor:  # noqa: A002
    """Replace every element ``a`` by ``callable(a, b)`` with ``b`` from ``tensor``
    (broadcast to this tensor's shape)."""
    return _python_map(self, "map_", callable, tensor)


def map2_(self: Tensor, x: Tensor, y: Tensor, callable: Callable) -> Tensor:  # noqa: A002
    """Replace every element ``a`` by ``callable(a, b, c)`` with ``b``, ``c`` from ``x``, ``y``."""
    return _python_map(self, "map2_", callable, x, y)


def as_subclass(self: Tensor, cls: type) -> Tensor:
    """This tensor's values (shared, not copied) as an instance of the Tensor subclass ``cls``;
    when it requires grad, the result is an alias of it in the graph (AliasBackward0)."""
    if not (isinstance(cls, type) and issubclass(cls, Tensor)):
        raise TypeError("Creating a Tensor subclass from a class that does not inherit from "
                        "Tensor is not possible. Make sure your class inherits from Tensor.")
    alias = S.INDEX_ALIAS(self, index=(Ellipsis,)) if self.requires_grad else \
        Tensor._make(self._data)
    out = object.__new__(cls)
    for slot in Tensor.__slots__:
        if slot != "__weakref__" and hasattr(alias, slot):
            object.__setattr__(out, slot, getattr(alias, slot))
    return out


def dim_order(self: Tensor, *, ambiguity_check: bool = False) -> tuple:
    """The dims from outermost to innermost in memory (``(0, 1)`` for a contiguous matrix,
    ``(1, 0)`` for its transpose); ties keep the logical order."""
    strides = self.stride()
    return tuple(sorted(builtins.range(len(strides)), key=lambda d: -strides[d]))


def to_dense(self: Tensor, dtype: Any = None, *, masked_grad: bool | None = None) -> Tensor:
    """A strided tensor is already dense: itself (converted when ``dtype`` is given)."""
    return self if dtype is None else self.to(dtype)


FUNCTIONS = {f.__name__: f for f in (hamming_window, hann_window, bartlett_window,
                                      blackman_window, kaiser_window, range, empty_strided,
                                      empty_permuted)}
METHODS = {f.__name__: f for f in (new_empty_strided, apply_, map_, map2_, as_subclass,
                                    dim_order, to_dense)}
