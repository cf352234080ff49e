"""Ops that move, select or copy elements without computing new values.

All of them are linear: each declares its transpose (the VJP), usually another op of this
module, so gradients of gradients come for free.
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from ..autograd import _engine
from . import _registry
from ._registry import Op, general, lift, linear, raw

# -- reshaping -----------------------------------------------------------------------------------


def _reshape(a: np.ndarray, shape: tuple) -> np.ndarray:
    return a.reshape(shape)  # (the method: np.reshape adds a Python-level wrapper)


def _view_vjp(g: Any, input_shape: tuple) -> Any:
    return reshape(g, shape=input_shape)


RESHAPE = linear("reshape", _reshape, "ViewBackward0", _view_vjp, params=("shape",), view=True)
UNSAFE_VIEW = linear("unsafe_view", _reshape, "UnsafeViewBackward0", _view_vjp, params=("shape",))
SQUEEZE = linear("squeeze", _reshape, "SqueezeBackward0", _view_vjp, params=("shape",), view=True)
SQUEEZE_DIM = linear("squeeze_dim", _reshape, "SqueezeBackward1", _view_vjp, params=("shape",),
                     view=True)
UNSQUEEZE = linear("unsqueeze", _reshape, "UnsqueezeBackward0", _view_vjp, params=("shape",),
                   view=True)
reshape = RESHAPE


def _inverse(perm: Sequence[int]) -> tuple:
    inv = [0] * len(perm)
    for i, p in enumerate(perm):
        inv[p] = i
    return tuple(inv)


PERMUTE = linear("permute", lambda a, dims: a.transpose(dims), "PermuteBackward0",
                 lambda g, dims: permute(g, dims=_inverse(dims)), params=("dims",), view=True)
permute = PERMUTE
TRANSPOSE = linear("transpose", lambda a, dim0, dim1: a.swapaxes(dim0, dim1),
                   "TransposeBackward0",
                   lambda g, dim0, dim1: transpose(g, dim0=dim0, dim1=dim1),
                   params=("dim0", "dim1"), view=True)
transpose = TRANSPOSE
T_OP = linear("t", lambda a: a.T, "TBackward0", lambda g: t_op(g), view=True)
t_op = T_OP

# Tensor.resize (deprecated in torch, a Python autograd Function there): a view of the same size
RESIZE = linear("resize", _reshape, "ResizeBackward", _view_vjp, params=("shape",), view=True,
                doc="``x.resize(*sizes)``: the same elements viewed in a new shape.")
# The in-place forms (x.unsqueeze_(0), x.t_()): the same views, under torch's names for them.
UNSQUEEZE_ = linear("unsqueeze_", _reshape, "UnsqueezeBackward1", _view_vjp, params=("shape",),
                    view=True, doc="``x.unsqueeze_(dim)``: x becomes this view of itself.")
SQUEEZE_ = linear("squeeze_", _reshape, "SqueezeBackward3", _view_vjp, params=("shape",),
                  view=True, doc="``x.squeeze_()``: x becomes this view of itself.")
SQUEEZE_DIM_ = linear("squeeze_dim_", _reshape, "SqueezeBackward4", _view_vjp, params=("shape",),
                      view=True, doc="``x.squeeze_(dim)``: x becomes this view of itself.")
SQUEEZE_DIMS_ = linear("squeeze_dims_", _reshape, "SqueezeBackward5", _view_vjp,
                       params=("shape",), view=True,
                       doc="``x.squeeze_((d0, d1))``: x becomes this view of itself.")
TRANSPOSE_ = linear("transpose_", lambda a, dim0, dim1: a.swapaxes(dim0, dim1),
                    "TransposeBackward1",
                    lambda g, dim0, dim1: transpose(g, dim0=dim0, dim1=dim1),
                    params=("dim0", "dim1"), view=True,
                    doc="``x.transpose_(d0, d1)``: x becomes this view of itself.")
T_ = linear("t_", lambda a: a.T, "TBackward1", lambda g: t_op(g), view=True,
            doc="``x.t_()``: x becomes this view of itself.")

# -- strided views of the storage (as_strided) ---------------------------------------------------


class Storage:
    """Where a tensor's elements lie in its storage (the memory of its base tensor), for
    ``as_strided``, whose strides and offset count in storage elements.

    ``positions``: each element's index in the flat storage, shaped like the tensor; ``size``:
    the storage's length; ``root``: the storage array itself, so that the forward can return a
    real view when it gets that tensor (other arrays, e.g. forward-mode tangents, are placed
    into a storage of zeros first).
    """

    __slots__ = ("positions", "size", "root")

    def __init__(self, positions: np.ndarray, size: int, root: np.ndarray | None) -> None:
        self.positions, self.size, self.root = positions, size, root

    def __repr__(self) -> str:
        return f"Storage(size={self.size})"


def _owner(a: np.ndarray) -> np.ndarray:
    while isinstance(a.base, np.ndarray):
        a = a.base
    return a


def strided_positions(size: tuple, stride: tuple, offset: int) -> np.ndarray:
    """The storage index of each element of an ``as_strided(size, stride, offset)`` view."""
    pos = np.full(size, offset, dtype=np.intp)
    for axis, (n, st) in enumerate(zip(size, stride)):
        shape = [1] * len(size)
        shape[axis] = n
        pos = pos + (np.arange(n, dtype=np.intp) * st).reshape(shape)
    return pos


def _as_strided(a: np.ndarray, size: tuple, stride: tuple, storage_offset: int,
                storage: Storage) -> np.ndarray:
    root = storage.root
    if root is not None and a.size and _owner(a) is _owner(root) and a.dtype == root.dtype:
        flat = root.reshape(-1)[storage_offset:]  # the tensor itself: a view, as in torch
        return np.lib.stride_tricks.as_strided(flat, size, tuple(st * a.itemsize for st in stride))
    flat = np.zeros(storage.size, dtype=a.dtype)
    flat[storage.positions] = a
    return flat[strided_positions(size, stride, storage_offset)]


def _as_strided_vjp(g: Any, size: tuple, stride: tuple, storage_offset: int,
                    storage: Storage) -> Any:
    # every element of the view sends its gradient to its place in the storage (summed where
    # the view repeats a place); the input takes the places it covers
    flat = INDEX_BACKWARD(g, index=(strided_positions(size, stride, storage_offset),),
                          shape=(storage.size,))
    return select_index(flat, index=(storage.positions,))


AS_STRIDED = linear("as_strided", _as_strided, "AsStridedBackward0", _as_strided_vjp,
                    params=("size", "stride", "storage_offset", "storage"), view=True,
                    doc="A view of the input's storage with the given sizes, strides (in "
                        "elements) and offset.")
AS_STRIDED_ = linear("as_strided_", _as_strided, "AsStridedBackward1", _as_strided_vjp,
                     params=("size", "stride", "storage_offset", "storage"), view=True,
                     doc="``x.as_strided_(...)``: x becomes this view of its storage.")
AS_STRIDED_COPY = linear("as_strided_copy",
                         lambda a, **kw: np.array(_as_strided(a, **kw)), "AsStridedBackward0_copy",
                         _as_strided_vjp,
                         params=("size", "stride", "storage_offset", "storage"),
                         doc="``as_strided_copy``: the elements of ``as_strided``, copied.")


def _as_strided_scatter(input: np.ndarray, src: np.ndarray, size: tuple, stride: tuple,
                        storage_offset: int, storage: Storage) -> np.ndarray:
    flat = np.zeros(storage.size, dtype=np.result_type(input, src))
    flat[storage.positions] = input
    flat[strided_positions(size, stride, storage_offset)] = src
    return flat[storage.positions]


def _kept_mask(like: Any, size: tuple, stride: tuple, storage_offset: int,
               storage: Storage) -> Any:
    """1 where an element of the input survives the scatter, 0 where src replaced it."""
    dtype = like.dtype.np if hasattr(like.dtype, "np") else like.dtype  # (a batched g has no array)
    flat = np.ones(storage.size, dtype=dtype)
    flat[strided_positions(size, stride, storage_offset)] = 0
    return lift(like, flat[storage.positions])


def _as_strided_scatter_src_vjp(g: Any, size: tuple, stride: tuple, storage_offset: int,
                                storage: Storage) -> Any:
    flat = INDEX_BACKWARD(g, index=(storage.positions,), shape=(storage.size,))
    return select_index(flat, index=(strided_positions(size, stride, storage_offset),))


def _as_strided_scatter_jvp(tangents: list, input_shape: tuple, src_shape: tuple, size: tuple,
                            stride: tuple, storage_offset: int, storage: Storage) -> Any:
    t_input, t_src = tangents
    like = t_input if t_input is not None else t_src
    t_input = _zeros_like_shape(like, input_shape) if t_input is None else t_input
    t_src = _zeros_like_shape(like, src_shape) if t_src is None else t_src
    return AS_STRIDED_SCATTER(t_input, t_src, size=size, stride=stride,
                              storage_offset=storage_offset, storage=storage)


AS_STRIDED_SCATTER = general(
    "as_strided_scatter", _as_strided_scatter, "AsStridedScatterBackward0", ("input", "src"),
    promote=None,
    vjp_input=lambda g, size, stride, storage_offset, storage:
        g * _kept_mask(g, size, stride, storage_offset, storage),
    vjp_src=_as_strided_scatter_src_vjp, jvp=_as_strided_scatter_jvp,
    doc="The input with ``src`` written into the places ``as_strided(size, stride, offset)`` "
        "would view.")

# -- broadcasting --------------------------------------------------------------------------------


def _sum_to(a: np.ndarray, shape: tuple) -> np.ndarray:
    """Sum ``a`` over the dimensions that broadcasting added or stretched to reach ``shape``."""
    lead = a.ndim - len(shape)
    if lead:  # summed away entirely: the result is a fresh array, not a reshaped view
        a = np.add.reduce(a, axis=0 if lead == 1 else tuple(range(lead)))
        if a.shape == shape:  # the common case, a bias: nothing was stretched
            return a
    stretched = tuple(i for i, s in enumerate(shape) if s == 1 and a.shape[i] != 1)
    return np.add.reduce(a, axis=stretched, keepdims=True) if stretched else a


EXPAND = linear("expand", lambda a, shape: np.broadcast_to(a, shape), "ExpandBackward0",
                lambda g, input_shape: sum_to_size(g, shape=input_shape), params=("shape",),
                view=True)
expand = EXPAND
SUM_TO_SIZE = linear("sum_to_size", _sum_to, "SumBackward1",
                     lambda g, input_shape: expand(g, shape=input_shape), params=("shape",))
sum_to_size = SUM_TO_SIZE


def _repeat(a: np.ndarray, repeats: tuple) -> np.ndarray:
    a = a.reshape((1,) * (len(repeats) - a.ndim) + a.shape)
    return np.tile(a, repeats)


def _repeat_vjp(g: Any, input_shape: tuple, repeats: tuple) -> Any:
    # View g as (r0, s0, r1, s1, ...) and sum over the r axes.
    padded = (1,) * (len(repeats) - len(input_shape)) + tuple(input_shape)
    split, target = [], []
    for r, s in zip(repeats, padded):
        split += [r, s]
        target += [1, s]
    summed = sum_to_size(reshape(g, shape=tuple(split)), shape=tuple(target))
    return reshape(summed, shape=tuple(input_shape))


REPEAT = linear("repeat", _repeat, "RepeatBackward0", _repeat_vjp, params=("repeats",))

# -- selecting and joining -----------------------------------------------------------------------


def _getitem(a: np.ndarray, index: Any) -> np.ndarray:
    out = a[index]
    if out.__class__ is not np.ndarray and _is_basic(index):
        # every dimension taken by an integer: NumPy returns a scalar (a copy); with an Ellipsis
        # after the integers it returns a 0-d view, so that x[1, 2].add_(1) changes x, as in torch
        out = a[(*index, Ellipsis) if isinstance(index, tuple) else (index, Ellipsis)]
    return out


def _scatter_into_zeros(g: np.ndarray, index: Any, shape: tuple) -> np.ndarray:
    """The transpose of indexing: a zero array of ``shape`` with ``g`` added at ``index``."""
    out = np.zeros(shape, dtype=g.dtype)
    if _is_basic(index):
        out[index] = g
    else:
        np.add.at(out, index, g)
    return out


def _is_basic(index: Any) -> bool:
    items = index if isinstance(index, tuple) else (index,)
    return all(i is None or i is Ellipsis or (isinstance(i, (int, np.integer, slice))
                                            and not isinstance(i, (bool, np.bool_)))
               for i in items)  # (a bool index is a mask, as in torch: advanced)


INDEX_BACKWARD = linear("index_backward", _scatter_into_zeros, "IndexBackwardBackward0",
                        lambda g, index: select_index(g, index=index),
                        params=("index", "shape"))


def _index_vjp(g: Any, input_shape: tuple, index: Any) -> Any:
    return INDEX_BACKWARD(g, index=index, shape=input_shape)


def _index_op(grad_fn: str, view: bool) -> Op:
    return linear("index_" + grad_fn, _getitem, grad_fn, _index_vjp, params=("index",), view=view)


INDEX_SELECT = _index_op("SelectBackward0", True)
INDEX_SLICE = _index_op("SliceBackward0", True)
INDEX_UNSQUEEZE = _index_op("UnsqueezeBackward0", True)
INDEX_ALIAS = _index_op("AliasBackward0", True)
INDEX_ADVANCED = _index_op("IndexBackward0", False)
# The elements of a base tensor a view covers, after an in-place op on the view (CopySlices).
INDEX_AS_STRIDED = _index_op("AsStridedBackward0", False)
select_index = INDEX_ADVANCED


def index_op_for(index: Any) -> Op:
    """The op (hence grad_fn name) torch records for ``tensor[index]``."""
    items = index if isinstance(index, tuple) else (index,)
    if not _is_basic(index):
        return INDEX_ADVANCED
    for item in reversed(items):
        if isinstance(item, (int, np.integer)):
            return INDEX_SELECT
        if isinstance(item, slice):
            if item != slice(None):
                return INDEX_SLICE
        elif item is None:
            return INDEX_UNSQUEEZE
    return INDEX_SLICE if any(isinstance(i, slice) for i in items) else INDEX_ALIAS


def _index_put(a: np.ndarray, values: Any, index: Any) -> np.ndarray:
    out = a.copy()
    out[index] = values
    return out


def _zero_at(g: Any, index: Any) -> Any:
    """``g`` with exact (positive) zeros at ``index``, as torch's backward writes them (a
    product with a mask would leave -0.0 where ``g`` is negative)."""
    keep = np.ones(g.shape, dtype=bool)
    keep[index] = False
    if g.__class__ is np.ndarray:
        return np.where(keep, g, np.zeros((), g.dtype))
    return _registry.WHERE(lift(g, keep), g, 0.0)


def _index_put_jvp(tangents: list, input_shape: tuple, values_shape: tuple, index: Any) -> Any:
    t_input, t_values = tangents
    like = t_input if t_input is not None else t_values
    if t_input is None:
        t_input = _zeros_like_shape(like, input_shape)
    if t_values is None:
        t_values = _zeros_like_shape(like, values_shape)
    return INDEX_PUT(t_input, t_values, index=index)


INDEX_PUT = general("index_put", _index_put, "CopySlices", ("input", "values"), promote=None,
                    vjp_input=lambda g, index: _zero_at(g, index),
                    vjp_values=lambda g, index: select_index(g, index=index), jvp=_index_put_jvp)
INDEX_PUT_ADVANCED = general("index_put_advanced", _index_put, "IndexPutBackward0",
                             ("input", "values"), promote=None,
                             vjp_input=lambda g, index: _zero_at(g, index),
                             vjp_values=lambda g, index: select_index(g, index=index),
                             jvp=_index_put_jvp)


def _cat_vjp(g: Any, dim: int, sizes: tuple) -> list:
    grads, start = [], 0
    for size in sizes:
        grads.append(narrow(g, dim=dim, start=start, length=size))
        start += size
    return grads


def _narrow(a: np.ndarray, dim: int, start: int, length: int) -> np.ndarray:
    index = (slice(None),) * dim + (slice(start, start + length),)
    return a[index]


def _narrow_vjp(g: Any, input_shape: tuple, dim: int, start: int, length: int) -> Any:
    index = (slice(None),) * dim + (slice(start, start + length),)
    return INDEX_BACKWARD(g, index=index, shape=input_shape)


NARROW = linear("narrow", _narrow, "SliceBackward0", _narrow_vjp,
                params=("dim", "start", "length"), view=True)
narrow = NARROW
def _cat_jvp(tangents: list, dim: int, sizes: tuple) -> Any:
    like = next(t for t in tangents if t is not None)
    pieces = []
    for t, size in zip(tangents, sizes):
        if t is None:  # an input without tangent contributes zeros of its shape
            shape = list(raw(like).shape)
            shape[dim] = size
            t = _zeros_like_shape(like, tuple(shape))
        pieces.append(t)
    return CAT(*pieces, dim=dim, sizes=sizes)


CAT = general("cat", lambda *arrays, dim, sizes: np.concatenate(arrays, axis=dim), "CatBackward0",
              ("*tensors",), promote="promote", vjp_tensors=_cat_vjp, jvp=_cat_jvp)


def _stack_vjp(g: Any, dim: int, count: int) -> list:
    return [select_along(g, dim=dim, i=i) for i in range(count)]


def _select_along(a: np.ndarray, dim: int, i: int) -> np.ndarray:
    return a[(slice(None),) * dim + (i,)]


def _select_along_vjp(g: Any, input_shape: tuple, dim: int, i: int) -> Any:
    return INDEX_BACKWARD(g, index=(slice(None),) * dim + (i,), shape=input_shape)


SELECT_ALONG = linear("select", _select_along, "SelectBackward0", _select_along_vjp,
                      params=("dim", "i"), view=True)
select_along = SELECT_ALONG
def _stack_jvp(tangents: list, dim: int, count: int) -> Any:
    like = next(t for t in tangents if t is not None)
    pieces = [t if t is not None else _zeros_like_shape(like, raw(like).shape) for t in tangents]
    return STACK(*pieces, dim=dim, count=count)


STACK = general("stack", lambda *arrays, dim, count: np.stack(arrays, axis=dim), "StackBackward0",
                ("*tensors",), promote="promote", vjp_tensors=_stack_vjp, jvp=_stack_jvp)


def _split_forward(a: np.ndarray, dim: int, sizes: tuple) -> list:
    bounds = np.cumsum(sizes)[:-1]
    return np.split(a, bounds, axis=dim)


def _split_vjp(grads: list, input_shape: tuple, dim: int, sizes: tuple) -> Any:
    """Join the pieces' gradients; a piece that got none contributes zeros."""
    like = next(g for g in grads if g is not None)
    pieces = []
    for g, size in zip(grads, sizes):
        if g is None:
            shape = list(input_shape)
            shape[dim] = size
            g = _zeros_like_shape(like, tuple(shape))
        pieces.append(g)
    return cat_op(*pieces, dim=dim, sizes=tuple(sizes))


def _zeros_like_shape(like: Any, shape: tuple) -> Any:
    return lift(like, np.zeros(shape, dtype=raw(like).dtype))


SPLIT = general("split", _split_forward, "SplitBackward0", multi_output=True,
                vjp_input=_split_vjp, jvp=lambda t, dim, sizes: SPLIT(t[0], dim=dim, sizes=sizes))


def _unbind_vjp(grads: list, input_shape: tuple, dim: int) -> Any:
    like = next(g for g in grads if g is not None)
    piece = tuple(s for k, s in enumerate(input_shape) if k != dim)
    filled = [g if g is not None else _zeros_like_shape(like, piece) for g in grads]
    return stack_op(*filled, dim=dim, count=len(grads))


UNBIND = general("unbind", lambda a, dim: [np.take(a, i, axis=dim) for i in range(a.shape[dim])],
                 "UnbindBackward0", multi_output=True, vjp_input=_unbind_vjp,
                 jvp=lambda t, dim: UNBIND(t[0], dim=dim))
FLIP = linear("flip", lambda a, dims: np.flip(a, dims).copy(), "FlipBackward0",
              lambda g, dims: flip(g, dims=dims), params=("dims",),
              doc="Reverse the order of elements along dims; a copy, as in torch (not a view).")
flip = FLIP
ROLL = linear("roll", lambda a, shifts, dims: np.roll(a, shifts, dims), "RollBackward0",
              lambda g, shifts, dims: ROLL(g, shifts=tuple(-k for k in shifts), dims=dims),
              params=("shifts", "dims"),
              doc="Shift elements along dims (None: the flattened tensor), wrapping around; the "
                  "VJP rolls back.")


def cat_op(*arrays: Any, dim: int, sizes: tuple) -> Any:
    return CAT(*arrays, dim=dim, sizes=sizes)


def stack_op(*arrays: Any, dim: int, count: int) -> Any:
    return STACK(*arrays, dim=dim, count=count)


_engine.bind(sum_to_size=SUM_TO_SIZE)
