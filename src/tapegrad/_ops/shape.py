"""Ops that move, select or copy elements without computing new values.

All of them are linear: each declares its transpose (the VJP), usually another op of this
module, so gradients of gradients come for free.
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from ..autograd import _engine
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
    mask = np.ones(g.shape, dtype=bool)
    mask[index] = False
    return g * mask


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
