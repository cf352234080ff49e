"""Views that change a tensor in place or reach into its storage: ``unsqueeze_``, ``squeeze_``,
``t_``, ``transpose_`` (and ``swapaxes_``/``swapdims_``), ``as_strided`` with its in-place, copy
and scatter forms, and ``resize_``/``resize_as_``/``resize``.

An in-place view keeps the tensor's identity and values and gives it a new shape (and, when it
requires grad, torch's node for it: ``UnsqueezeBackward1``, ``TransposeBackward1``...).
``as_strided`` counts its strides and offset in elements of the tensor's storage, which here is
the memory of its base tensor (``Storage`` in ``_ops/shape.py``).
"""
from __future__ import annotations

import builtins
import math
import warnings
from typing import Any

import numpy as np

from ._api import _dims
from ._ops import shape as S
from ._shaping import _shape_arg
from ._tensor import PLAIN_SUBCLASSES, Tensor, _view_index, _wrap_dim


# -- in-place views: the tensor itself takes the new shape ------------------------------------
def unsqueeze_(input: Tensor, dim: int) -> Tensor:
    """Insert a dimension of size 1 at ``dim``, in place (``UnsqueezeBackward1``)."""
    d = _wrap_dim(dim, input.ndim + 1)
    shape = tuple(input.shape)
    return input._view_inplace(S.UNSQUEEZE_, shape=shape[:d] + (1,) + shape[d:])


def squeeze_(input: Tensor, dim: Any = None) -> Tensor:
    """Remove dimensions of size 1 (all, ``dim``, or a tuple of dims), in place."""
    shape = input.shape
    if dim is None:
        return input._view_inplace(S.SQUEEZE_, shape=tuple(s for s in shape if s != 1))
    op = S.SQUEEZE_DIMS_ if isinstance(dim, (tuple, list)) else S.SQUEEZE_DIM_
    dims = _dims(dim, input.ndim)
    return input._view_inplace(op, shape=tuple(s for i, s in enumerate(shape)
                                               if not (i in dims and s == 1)))


def transpose_(input: Tensor, dim0: int, dim1: int) -> Tensor:
    """Swap two dimensions in place (``TransposeBackward1``); also ``swapaxes_``/``swapdims_``."""
    return input._view_inplace(S.TRANSPOSE_, dim0=_wrap_dim(dim0, input.ndim),
                               dim1=_wrap_dim(dim1, input.ndim))


def t_(input: Tensor) -> Tensor:
    """Transpose a matrix in place (0-D and 1-D tensors stay as they are)."""
    if input.ndim > 2:
        raise RuntimeError(f"t_() expects a tensor with <= 2 dimensions, but self is "
                           f"{input.ndim}D")
    return input._view_inplace(S.T_)


# -- views of the storage: as_strided and resize -------------------------------------------------
def _storage_of(input: Tensor) -> S.Storage:
    """Where ``input``'s elements lie in the memory of its base tensor (its storage); a batched
    tensor (inside vmap) counts as a contiguous one of its example's shape."""
    if input.__class__ is not Tensor and input.__class__ not in PLAIN_SUBCLASSES:
        n = input.numel()
        return S.Storage(np.arange(n, dtype=np.intp).reshape(tuple(input.shape)), n, None)
    root = input._base._data if input._base is not None else input._data
    if not root.flags.c_contiguous:
        raise RuntimeError("tapegrad's as_strided needs a tensor whose storage is contiguous "
                           "(call .contiguous() first)")
    if root is input._data:
        positions = np.arange(root.size, dtype=np.intp).reshape(root.shape)
    else:
        positions = np.ravel_multi_index(_view_index(root, input._data), root.shape)
    return S.Storage(np.asarray(positions, dtype=np.intp), root.size, root)


def _strided_args(input: Tensor, size: Any, stride: Any, storage_offset: Any,
                  storage: S.Storage) -> tuple[tuple, tuple, int]:
    """Check ``as_strided``'s arguments against the storage, with torch's errors."""
    size, stride = tuple(map(builtins.int, size)), tuple(map(builtins.int, stride))
    if len(size) != len(stride):
        raise RuntimeError("mismatch in length of strides and shape")
    if any(st < 0 for st in stride):
        raise RuntimeError(f"as_strided: Negative strides are not supported at the moment, got "
                           f"strides: {list(stride)}")
    if storage_offset is None:
        storage_offset = input.storage_offset() if storage.root is not None else 0
    offset = builtins.int(storage_offset)
    if offset < 0:
        raise RuntimeError(f"Tensor: invalid storage offset {offset}")
    needed = 0 if 0 in size else offset + 1 + builtins.sum((n - 1) * st
                                                           for n, st in zip(size, stride))
    if needed > storage.size:
        item = input.element_size()
        raise RuntimeError(f"setStorage: sizes {list(size)}, strides {list(stride)}, storage "
                           f"offset {offset}, and itemsize {item} requiring a storage size of "
                           f"{needed * item} are out of bounds for storage of size "
                           f"{storage.size * item}")
    return size, stride, offset


def as_strided(input: Tensor, size: Any, stride: Any, storage_offset: Any = None) -> Tensor:
    """A view of ``input``'s storage (its base tensor's memory) with the given sizes and
    strides (in elements), starting ``storage_offset`` elements in (default: where ``input``
    starts).  ``tapegrad.arange(9.).as_strided((2, 2), (3, 1), 1)`` is ``[[1, 2], [4, 5]]``.
    """
    storage = _storage_of(input)
    size, stride, offset = _strided_args(input, size, stride, storage_offset, storage)
    return S.AS_STRIDED(input, size=size, stride=stride, storage_offset=offset, storage=storage)


def as_strided_copy(input: Tensor, size: Any, stride: Any, storage_offset: Any = None) -> Tensor:
    """The elements ``as_strided`` would view, as a new tensor."""
    storage = _storage_of(input)
    size, stride, offset = _strided_args(input, size, stride, storage_offset, storage)
    return S.AS_STRIDED_COPY(input, size=size, stride=stride, storage_offset=offset,
                             storage=storage)


def as_strided_(input: Tensor, size: Any, stride: Any, storage_offset: Any = None) -> Tensor:
    """``as_strided`` in place: this tensor becomes the view (``AsStridedBackward1``)."""
    storage = _storage_of(input)
    size, stride, offset = _strided_args(input, size, stride, storage_offset, storage)
    return input._view_inplace(S.AS_STRIDED_, size=size, stride=stride, storage_offset=offset,
                               storage=storage)


def as_strided_scatter(input: Tensor, src: Tensor, size: Any, stride: Any,
                       storage_offset: Any = None) -> Tensor:
    """A copy of ``input`` with ``src`` written where ``input.as_strided(size, stride,
    storage_offset)`` would view (``AsStridedScatterBackward0``)."""
    storage = _storage_of(input)
    size, stride, offset = _strided_args(input, size, stride, storage_offset, storage)
    if tuple(src.shape) != size:
        raise RuntimeError(f"expected src to have a size equal to the slice of self. src size = "
                           f"{list(src.shape)}, slice size = {list(size)}")
    return S.AS_STRIDED_SCATTER(input, src, size=size, stride=stride, storage_offset=offset,
                                storage=storage)


def resize_(input: Tensor, *sizes: Any, memory_format: Any = None) -> Tensor:
    """Give this tensor the shape ``sizes``, in place, keeping its storage: the first elements
    of the storage (from where the tensor starts) in row-major order; growing the storage
    appends zeros (torch leaves them uninitialised).  Tensors that require grad are refused."""
    if input._requires_grad:
        raise RuntimeError("cannot resize variables that require grad")
    shape = _shape_arg(sizes)
    if any(n < 0 for n in shape):
        raise RuntimeError("numel: integer multiplication overflow")
    if shape != tuple(input.shape):
        n = math.prod(shape)
        root = input._base._data if input._base is not None else input._data
        offset = input.storage_offset()
        if root.flags.c_contiguous and offset + n <= root.size:
            input._data = root.reshape(-1)[offset:offset + n].reshape(shape)
        else:  # a larger storage: new memory, which the old views no longer share
            old = np.ascontiguousarray(root).reshape(-1)[offset:]
            data = np.zeros(n, dtype=root.dtype)
            data[:builtins.min(n, old.size)] = old[:n]
            input._data, input._base = data.reshape(shape), None
    input._bump()
    return input


def resize_as_(input: Tensor, the_template: Tensor, *, memory_format: Any = None) -> Tensor:
    """``input.resize_(the_template.shape)``."""
    return resize_(input, tuple(the_template.shape))


def resize(input: Tensor, *sizes: Any) -> Tensor:
    """Deprecated in torch: a view of ``input`` in the shape ``sizes``, which must hold the same
    number of elements (``ResizeBackward``)."""
    warnings.warn("non-inplace resize is deprecated", UserWarning, stacklevel=2)
    return _resized(input, _shape_arg(sizes))


def resize_as(input: Tensor, tensor: Tensor) -> Tensor:
    """Deprecated in torch: ``input`` viewed in ``tensor``'s shape (same number of elements)."""
    warnings.warn("non-inplace resize_as is deprecated", UserWarning, stacklevel=2)
    return _resized(input, tuple(tensor.shape))


def _resized(input: Tensor, shape: tuple) -> Tensor:
    total = math.prod(shape)
    if total != input.numel():
        raise RuntimeError(f"requested resize to {'x'.join(map(str, shape))} ({total} elements in "
                           f"total), but the given tensor has a size of "
                           f"{'x'.join(map(str, input.shape))} ({input.numel()} elements). "
                           "autograd's resize can only change the shape of a given tensor, while "
                           "preserving the number of elements. ")
    return S.RESIZE(input, shape=shape)


def _batched_strided(level: Any, op: Any, args: tuple, params: dict) -> Any:
    """vmap rule of the as_strided ops: the examples' storages laid end to end, one more
    dimension in front (stride: one storage) and the same view of each."""
    from ._vmap import _rules as R
    values = [R._front(a, level) for a in args]
    batch = values[0].shape[0]
    storage = params["storage"]
    starts = (np.arange(batch, dtype=np.intp) * storage.size).reshape(
        (batch,) + (1,) * storage.positions.ndim)
    joined = S.Storage(starts + storage.positions, batch * storage.size, None)
    out = op(*values, size=(batch,) + tuple(params["size"]),
             stride=(storage.size,) + tuple(params["stride"]),
             storage_offset=params["storage_offset"], storage=joined)
    return R.wrap(out, level)


def _declare_batching_rules() -> None:
    """vmap rules for these ops: the in-place views take those of their out-of-place forms (the
    batch dimension stays in front; a reshape or a dim shift moves past it)."""
    from ._vmap import _rules as R
    for name in ("unsqueeze_", "squeeze_", "squeeze_dim_", "squeeze_dims_", "resize"):
        R.RULES[name] = R.reshaped
    R.RULES["transpose_"] = R.shift_dims
    R.RULES["t_"] = R.transpose_matrix
    for name in ("as_strided", "as_strided_", "as_strided_copy", "as_strided_scatter"):
        R.RULES[name] = _batched_strided


_declare_batching_rules()
