"""Batching rules (vmap) for the ops of ``index_scatter.py``, ``index_views.py`` and
``index_copies.py``, declared into ``_vmap._rules.RULES`` when this module is imported.

* dims moved one further on (``dim``, ``dim1``, ``dim2``, ``dims``) with every operand given the
  batch in front: ``scatter_reduce`` (index and src have input's rank), the ``*_scatter`` ops,
  ``diagonal``, ``diag_embed``, ``rot90``, ``narrow_copy``, ``slice_copy``, the splits;
* ``index_fill``/``index_copy``: one index for all examples keeps the op; an index (or a value)
  per example becomes the equivalent ``scatter`` with the index spread over the slices;
* ``put``: each example's flat indices moved past the examples before it, one physical put;
* ``masked_scatter``: each example reads its own source from the start, so the source is
  gathered at the running count of the mask within the example, then a ``where``;
* ``index_put`` (accumulate): a full slice in front of the index, as for ``x[index] = v``;
* the ``*_copy`` ops: their view's rule (``fill`` is elementwise: its kind's rule).
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .._tensor import Tensor
from .._vmap._batched import wrap
from .._vmap._rules import RULES, _front, _front_any, _pad, _value
from . import elementwise as E, selection as X, shape as S
from . import index_copies as C, index_scatter as I, index_views as V

_DIM_KEYS = ("dim", "dim1", "dim2")


def _shifted(params: dict) -> dict:
    new = dict(params)
    for key in _DIM_KEYS:
        if key in new:
            new[key] = new[key] + 1
    if "dims" in new:
        new["dims"] = tuple(d + 1 for d in new["dims"])
    return new


def _wrap_all(out: Any, op: Any, level: Any) -> Any:
    if op.multi_output:
        return tuple(wrap(o, level) for o in out)
    return wrap(out, level)


def along_dims(level: Any, op: Any, args: tuple, params: dict) -> Any:
    """Every operand batched in front, dims shifted past the batch dim."""
    return _wrap_all(op(*[_front_any(a, level) for a in args], **_shifted(params)), op, level)


def _spread(index: Any, dim: int, shape: tuple, level: Any) -> Any:
    """Physical per-example (or shared) 1-D indices laid along ``dim`` of physical ``shape``."""
    iv = _value(index, level)
    n = shape[0]
    flat = (S.RESHAPE(iv, shape=(n, -1)) if iv is not None
            else S.EXPAND(S.RESHAPE(index, shape=(1, -1)), shape=(n, int(index.numel()))))
    size = tuple(flat.shape)[1]
    along = S.RESHAPE(flat, shape=tuple(s if k == 0 else (size if k == dim else 1)
                                        for k, s in enumerate(shape)))
    target = tuple(size if k == dim else s for k, s in enumerate(shape))
    return S.EXPAND(along, shape=target), target


def index_written(level: Any, op: Any, args: tuple, params: dict) -> Any:
    """index_fill, index_fill with a tensor value, index_copy."""
    x, index = args[0], args[1]
    rest = args[2:]
    dim = params["dim"] + 1
    xv = _front(x, level)
    if all(_value(a, level) is None for a in args[1:]):
        return wrap(op(xv, *args[1:], **{**params, "dim": dim}), level)
    shape = tuple(xv.shape)
    idx, target = _spread(index, dim, shape, level)
    idx = idx % shape[dim]  # negative indices count from the end, as in index_fill
    if op is I.INDEX_COPY:
        src = S.RESHAPE(_front(rest[0], level), shape=target)
        return wrap(X.SCATTER(xv, idx, src, dim=dim), level)
    # a fill: a mask of the places (a repeated index fills its place once), then a where
    mask = np.zeros(shape, np.bool_)
    np.put_along_axis(mask, np.asarray(idx._data), True, axis=dim)
    if op is I.INDEX_FILL:
        value = Tensor._make(np.asarray(params["value"], xv.dtype.np))
    else:  # a 0-d value, maybe one per example
        value = _front(rest[0], level)
        value = S.RESHAPE(value, shape=(shape[0],) + (1,) * (len(shape) - 1))
    return wrap(E.WHERE(Tensor._make(mask), value, xv), level)


def put(level: Any, op: Any, args: tuple, params: dict) -> Any:
    x, index, source = args
    xv = _front(x, level)
    n = tuple(xv.shape)[0]
    numel = int(np.prod(tuple(xv.shape)[1:], dtype=np.int64))
    iv = S.RESHAPE(_front(index, level), shape=(n, -1))
    offsets = np.arange(n, dtype=np.int64).reshape(n, 1) * numel
    flat_index = (iv % max(numel, 1)) + Tensor._make(offsets.astype(iv.dtype.np))
    src = S.RESHAPE(_front(source, level), shape=(n, -1))
    return wrap(op(xv, flat_index, src, **params), level)


def masked_scatter(level: Any, op: Any, args: tuple, params: dict) -> Any:
    x, mask, source = args
    xv = _front(x, level)
    shape = tuple(xv.shape)
    n = shape[0]
    mv = np.broadcast_to(np.asarray(_front(mask, level)._data), shape)
    running = np.cumsum(mv.reshape(n, -1), axis=1) - 1
    src = S.RESHAPE(_front(source, level), shape=(n, -1))
    width = tuple(src.shape)[1]
    at = np.clip(running, 0, max(width - 1, 0))
    if width == 0:
        return wrap(xv, level) if not mv.any() else wrap(op(xv, mask, source), level)
    picked = S.RESHAPE(X.GATHER(src, Tensor._make(at.astype(np.int64)), dim=1), shape=shape)
    return wrap(E.WHERE(Tensor._make(np.ascontiguousarray(mv)), picked, xv), level)


def index_put_accumulate(level: Any, op: Any, args: tuple, params: dict) -> Any:
    x, values = args
    index = params["index"]
    target = _front(x, level)
    v = _value(values, level)
    if v is not None:
        picked = np.broadcast_to(np.empty((), np.int8), tuple(x.shape))[index]
        values = _pad(v, picked.ndim)
    return wrap(op(target, values, index=(slice(None),) + tuple(index)), level)


def copy_rule(level: Any, op: Any, args: tuple, params: dict) -> Any:
    _, view = C.COPIES[op.name]
    return RULES[view.name](level, view, args, params)


def _declare(rule: Any, *ops: Any) -> None:
    for op in ops:
        RULES[op.name] = rule


_declare(along_dims, I.SCATTER_REDUCE, I.INDEX_REDUCE, I.SCATTER_VALUE, V.SELECT_SCATTER, V.SLICE_SCATTER, V.DIAGONAL_SCATTER,
         V.DIAGONAL_ND, V.DIAG_EMBED, V.ROT90, V.NARROW_COPY, C.SLICE_COPY, C.SPLIT_WITH_SIZES,
         C.UNSAFE_SPLIT, C.UNSAFE_SPLIT_WITH_SIZES, C.SPLIT_COPY, C.SPLIT_WITH_SIZES_COPY,
         C.UNBIND_COPY, C.ALIAS_COPY)
_declare(index_written, I.INDEX_FILL, I.INDEX_FILL_TENSOR, I.INDEX_COPY)
_declare(put, I.PUT)
_declare(masked_scatter, I.MASKED_SCATTER)
_declare(index_put_accumulate, I.INDEX_PUT_ACCUMULATE)
_declare(copy_rule, *(op for op, _ in C.COPIES.values()))
