"""Tensors over other memory: ``Tensor.view(dtype)`` (the same bytes read as another dtype),
``frombuffer`` (a tensor over a Python buffer) and DLPack exchange (``from_dlpack``,
``to_dlpack``, ``Tensor.__dlpack__``) with NumPy, torch, JAX, CuPy (CPU arrays).

All of them share memory instead of copying: a write through one side shows on the other.

    >>> tapegrad.tensor([1.0]).view(tapegrad.int32)
    tensor([1065353216], dtype=tapegrad.int32)
    >>> a = numpy.arange(3.0); t = tapegrad.from_dlpack(a); t[0] = 9; a
    array([9., 1., 2.])
"""
from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from . import _dtype
from ._shaping import view as _shape_view
from ._tensor import Tensor


def _share(base: Tensor, array: np.ndarray) -> Tensor:
    """A tensor on ``array`` (NumPy's view of base's memory), registered as base's view."""
    out = Tensor._make(array)
    out._base = base._base if base._base is not None else base
    return out


def _view_error(what: str, old: np.dtype, new: np.dtype, got: Any = None) -> RuntimeError:
    tail = "" if got is None else f", but got {got}"
    return RuntimeError(f"{what} to view {_dtype.torch_name(old)} as {_dtype.torch_name(new)} "
                        f"(different element sizes){tail}")


def view_dtype(self: Tensor, dtype: Any) -> Tensor:
    """The same bytes read as ``dtype``.  With a different element size the last dim shrinks or
    grows by the size ratio, so it must be contiguous (stride 1) and divisible by the ratio."""
    new = _dtype.to_numpy_dtype(dtype)
    data = self._data
    old = data.dtype
    if new.itemsize != old.itemsize:
        if data.ndim == 0:
            raise _view_error("self.dim() cannot be 0", old, new)
        strides = self.stride()
        if strides[-1] != 1 and data.shape[-1] != 1 and data.size:
            raise _view_error("self.stride(-1) must be 1", old, new, strides[-1])
        if new.itemsize > old.itemsize:
            ratio = new.itemsize // old.itemsize
            if data.shape[-1] % ratio:
                raise _view_error(f"self.size(-1) must be divisible by {ratio}", old, new,
                                  data.shape[-1])
            if self.storage_offset() % ratio:
                raise _view_error(f"self.storage_offset() must be divisible by {ratio}", old,
                                  new, self.storage_offset())
            for d, s in enumerate(strides[:-1]):
                if s % ratio:
                    raise _view_error(f"self.stride({d}) must be divisible by {ratio}", old,
                                      new, s)
        if data.shape[-1] == 0 or data.size == 0:
            shape = data.shape[:-1] + (data.shape[-1] * old.itemsize // new.itemsize,)
            return _share(self, np.empty(shape, new))
        if data.strides[-1] != old.itemsize:  # a size-1 last dim with any stride: make it 1
            data = np.lib.stride_tricks.as_strided(data, strides=data.strides[:-1]
                                                   + (old.itemsize,))
    return _share(self, data.view(new))


def view(self: Tensor, *shape: Any, dtype: Any = None) -> Tensor:
    """``view(*shape)``: the same elements in a new shape (see reshape); ``view(dtype)``: the
    same bytes read as another dtype."""
    if dtype is not None and not shape:
        return view_dtype(self, dtype)
    if len(shape) == 1 and isinstance(shape[0], _dtype.dtype):
        return view_dtype(self, shape[0])
    return _shape_view(self, *shape)


# -- frombuffer ----------------------------------------------------------------------------------
_WARNED_READONLY: list = []


def frombuffer(buffer: Any, *, dtype: Any = None, count: int = -1, offset: int = 0,
               requires_grad: bool = False) -> Tensor:
    """A 1-D tensor over the bytes of an object with the buffer protocol (``bytearray``,
    ``array.array``, ``memoryview``...), sharing its memory: ``count`` elements of ``dtype``
    starting ``offset`` bytes in (all that fit when ``count`` is -1)."""
    if dtype is None:
        raise TypeError('frombuffer() missing 1 required positional arguments: "dtype"')
    try:
        view_of = memoryview(buffer)
    except TypeError:
        raise ValueError("object does not implement Python buffer protocol.") from None
    np_d = _dtype.to_numpy_dtype(dtype)
    size, width = view_of.nbytes, np_d.itemsize
    if size <= 0 or count == 0:
        raise ValueError(f"both buffer length ({size}) and count ({count}) must not be 0")
    if offset < 0 or offset >= size:
        raise ValueError(f"offset ({offset} bytes) must be non-negative and no greater than "
                         f"buffer length ({size} bytes) minus 1")
    if count < 0 and (size - offset) % width:
        raise ValueError(f"buffer length ({size - offset} bytes) after offset ({offset} bytes) "
                         f"must be a multiple of element size ({width})")
    n = (size - offset) // width if count < 0 else count
    if offset + n * width > size:
        raise ValueError(f"requested buffer length ({n} * {width} bytes) after offset "
                         f"({offset} bytes) must not be greater than actual buffer length "
                         f"({size} bytes)")
    if view_of.readonly and not _WARNED_READONLY:
        _WARNED_READONLY.append(True)
        warnings.warn("The given buffer is not writable, and PyTorch does not support "
                      "non-writable tensors. This means you can write to the underlying "
                      "(supposedly non-writable) buffer using the tensor. You may want to copy "
                      "the buffer to protect its data or make it writable before converting it "
                      "to a tensor. This type of warning will be suppressed for the rest of this "
                      "program. (Triggered internally at /__w/pytorch/pytorch/torch/csrc/utils/"
                      "tensor_new.cpp:1556.)", UserWarning, stacklevel=2)
    values = np.frombuffer(view_of.cast("B"), dtype=np_d, count=n, offset=offset)
    if requires_grad and np_d.kind not in "fc":
        raise RuntimeError("Only Tensors of floating point and complex dtype can require "
                           "gradients")
    out = Tensor._make(values)
    return out.requires_grad_(True) if requires_grad else out


# -- DLPack --------------------------------------------------------------------------------------
_DL_CPU = 1  # DLDeviceType.kDLCPU


def __dlpack__(self: Tensor, *, stream: Any = -1, max_version: Any = None,
               dl_device: Any = None, copy: bool | None = None) -> Any:
    """The DLPack capsule of this tensor's memory (for ``numpy.from_dlpack``,
    ``torch.from_dlpack``...); tensors that require grad must be detached first."""
    if self.requires_grad:
        raise BufferError("Can't export tensors that require gradient, use tensor.detach()")
    kwargs: dict = {}
    if max_version is not None:
        kwargs["max_version"] = max_version
    if dl_device is not None:
        kwargs["dl_device"] = dl_device
    if copy is not None:
        kwargs["copy"] = copy
    return self._data.__dlpack__(**kwargs)


def __dlpack_device__(self: Tensor) -> tuple:
    """``(device type, index)`` in DLPack's numbering: ``(1, 0)``, the CPU."""
    return (_DL_CPU, 0)


class _Capsule:
    """A bare DLPack capsule (from ``to_dlpack``) dressed as a producer for ``np.from_dlpack``."""

    def __init__(self, capsule: Any) -> None:
        self.capsule = capsule

    def __dlpack__(self, **kwargs: Any) -> Any:
        return self.capsule

    def __dlpack_device__(self) -> tuple:
        return (_DL_CPU, 0)


def from_dlpack(ext_tensor: Any) -> Tensor:
    """A tensor sharing the memory of any CPU DLPack producer (a NumPy array, a torch or JAX
    tensor, ...) or of a capsule made by ``to_dlpack``."""
    if isinstance(ext_tensor, Tensor):
        return ext_tensor
    source = ext_tensor if hasattr(ext_tensor, "__dlpack__") else _Capsule(ext_tensor)
    try:
        array = np.from_dlpack(source)
    except (TypeError, AttributeError, ValueError):
        raise RuntimeError("from_dlpack received an invalid capsule. Note that DLTensor capsules "
                           "can be consumed only once, so you might have already constructed a "
                           "tensor from it once.") from None
    return Tensor._make(array)


def to_dlpack(tensor: Tensor) -> Any:
    """The legacy form: a DLPack capsule of ``tensor``'s memory (consumed once by
    ``from_dlpack``)."""
    return tensor._data.__dlpack__()


FUNCTIONS = {"frombuffer": frombuffer, "from_dlpack": from_dlpack, "to_dlpack": to_dlpack}
METHODS = {"view": view, "__dlpack__": __dlpack__, "__dlpack_device__": __dlpack_device__}
