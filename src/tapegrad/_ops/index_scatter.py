"""Ops that write into a copy of a tensor at chosen places: ``scatter_reduce``, ``index_fill``,
``index_copy``, ``masked_scatter``, ``put``, ``index_put(accumulate=True)``, and the
``*_scatter`` family (``select_scatter``, ``slice_scatter``, ``diagonal_scatter``), plus the
diagonal ops on any rank (``diagonal``, ``diag_embed``) and ``rot90``.

Each has torch's own grad_fn name.  The rules follow one pattern: the input's gradient is the
incoming gradient with the overwritten places zeroed (the op applied to ``g`` and zeros), the
written operand's gradient is ``g`` read back at those places (the matching selection op).  Index
operands are integer arrays, never differentiated; they are operands (not parameters) so that
vmap can give every example its own.

``scatter_reduce`` is locally linear for ``sum``, ``mean``, ``amax`` and ``amin``: the result is
``scatter_sum(w_in * input, index, w_src * src)`` with constant weights (``1/count`` for a mean,
the share of a tie for an extreme), so one pair of rules serves all four; ``prod``'s weights are
each factor's "product of the others" (a zero factor is replaced by 1 and the product taken
again, as torch's formula does), differentiable again.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from . import _registry
from ._registry import general, lift, raw
from .selection import GATHER, INDEX_SELECT, _check_bounds, _coords, _fit
from .shape import INDEX_ADVANCED, INDEX_BACKWARD, RESHAPE, SELECT_ALONG


def _zeros(like: Any, shape: tuple) -> Any:
    return lift(like, np.zeros(tuple(shape), np_dtype(like)))


def np_dtype(x: Any) -> np.dtype:
    """The NumPy dtype of an array or a Tensor (batched ones too: no data is read)."""
    return x.dtype.np if isinstance(x, _registry.Tensor) else x.dtype


def _or_zeros(t: Any, like: Any, shape: tuple) -> Any:
    return _zeros(like, shape) if t is None else t


def _first(*ts: Any) -> Any:
    return next(t for t in ts if t is not None)


# -- scatter_reduce -----------------------------------------------------------------------------
_IDENTITY = {"sum": 0, "mean": 0, "prod": 1}


def _extreme_identity(dtype: np.dtype, reduce: str) -> Any:
    if dtype.kind == "f":
        return -np.inf if reduce == "amax" else np.inf
    if dtype.kind == "b":
        return reduce != "amax"
    info = np.iinfo(dtype)
    return info.min if reduce == "amax" else info.max


def _scattered(index: np.ndarray, dim: int, shape: tuple) -> np.ndarray:
    """How many src elements land on each place of an input of ``shape``."""
    counts = np.zeros(shape, np.int64)
    if len(shape) == 0:
        return np.asarray(index.size, np.int64)
    np.add.at(counts, _coords(index, dim), 1)
    return counts


def _scatter_reduce(input: np.ndarray, index: np.ndarray, src: np.ndarray, dim: int,
                    reduce: str, include_self: bool) -> np.ndarray:
    shape = input.shape
    _check_bounds(index, shape[dim] if input.ndim else 1, dim)
    picked = src[tuple(slice(0, s) for s in index.shape)]
    out = input.reshape(shape or (1,)).copy()
    coords = _coords(index.reshape(index.shape or (1,)), dim) if input.ndim else (
        np.zeros(index.size, np.int64),)
    picked = picked.reshape(-1) if not input.ndim else picked
    hit = _scattered(index, dim, shape).reshape(out.shape) > 0
    if not include_self:
        out[hit] = (_IDENTITY[reduce] if reduce in _IDENTITY
                    else _extreme_identity(out.dtype, reduce))
    ufunc = {"sum": np.add, "mean": np.add, "prod": np.multiply, "amax": np.fmax,
             "amin": np.fmin}[reduce]
    if reduce in ("amax", "amin") and out.dtype.kind == "f":  # NaN wins, as in torch
        ufunc = np.maximum if reduce == "amax" else np.minimum
    ufunc.at(out, coords, picked)
    if reduce == "mean":
        count = _scattered(index, dim, shape).reshape(out.shape) + (1 if include_self else 0)
        count = np.maximum(count, 1)
        out = out / count if out.dtype.kind == "f" else np.floor_divide(out, count)
        out = out.astype(input.dtype)
    return out.reshape(shape)


def _weights(input: Any, index: Any, src: Any, result: Any, dim: int, reduce: str,
             include_self: bool) -> tuple:
    """``(w_in, w_src)`` with ``result = scatter_sum(w_in * input, index, w_src * src)`` near
    the point: constants for sum/mean/amax/amin, tapegrad expressions for prod."""
    idx = raw(index)
    shape = tuple(raw(input).shape)
    hit = _scattered(idx, dim, shape)
    keep = (hit == 0) | include_self  # where the input's own value takes part
    dtype = raw(input).dtype
    src_shape = tuple(idx.shape)
    if reduce == "sum":
        return lift(input, keep.astype(dtype)), lift(input, np.ones(src_shape, dtype))
    if reduce == "mean":
        count = np.maximum(hit + include_self, 1).astype(dtype)
        w_in = keep / count
        return lift(input, w_in.astype(dtype)), lift(input, _gather_np(1 / count, idx, dim))
    if reduce == "prod":
        picked = src if tuple(raw(src).shape) == src_shape else INDEX_ADVANCED(
            src, index=tuple(slice(0, s) for s in src_shape))
        return _prod_weights(input, index, picked, result, dim, include_self, keep)
    # amax / amin: ties share the gradient evenly, as in torch
    res, x = raw(result), raw(input)
    self_mask = keep & (x == res)
    value = _gather_np(res, idx, dim)
    src_mask = raw(src)[tuple(slice(0, s) for s in src_shape)] == value
    count = self_mask.astype(dtype)
    if count.ndim:
        np.add.at(count, _coords(idx, dim), src_mask)
    else:
        count = count + src_mask.sum()
    count = np.maximum(count, 1)
    return (lift(input, (self_mask / count).astype(dtype)),
            lift(input, (src_mask / _gather_np(count, idx, dim)).astype(dtype)))


def _ones_at(x: Any, where: np.ndarray) -> Any:
    """``x`` with 1 where ``where`` holds (a zero factor left out of a product)."""
    if not where.any():
        return x
    return _registry.WHERE(lift(x, where), lift(x, np.ones((), np_dtype(x))), x)


def _prod_weights(input: Any, index: Any, src: Any, result: Any, dim: int, include_self: bool,
                  keep: np.ndarray) -> tuple:
    """prod's weights, each factor's "product of the others", exact at zero factors (torch's
    formulas: a zero is replaced by 1 and the product taken again, rather than divided out)."""
    x, idx, s = raw(input), raw(index), raw(src)
    masked_self = _ones_at(input, x == 0)
    w_in = _masked(SCATTER_REDUCE(masked_self, index, src, dim=dim, reduce="prod",
                                  include_self=include_self) / masked_self, keep)
    src_zero = s == 0
    zeros_at = (_zero_counts(idx, src_zero, dim, x.shape) if x.ndim
                else np.asarray(src_zero.sum()))  # zero src elements landing on each place
    single = src_zero & (_gather_np(zeros_at, idx, dim) == 1)
    others = SCATTER_REDUCE(input, index, _ones_at(src, single), dim=dim, reduce="prod",
                            include_self=include_self)
    w_src = GATHER(result, index, dim=dim) / _ones_at(src, src_zero)
    if single.any():
        w_src = _registry.WHERE(lift(w_src, single), GATHER(others, index, dim=dim), w_src)
    return w_in, w_src


def _zero_counts(idx: np.ndarray, src_zero: np.ndarray, dim: int, shape: tuple) -> np.ndarray:
    """How many zero src elements land on each place."""
    counts = np.zeros(shape, np.int64)
    np.add.at(counts, _coords(idx, dim), src_zero.astype(np.int64))
    return counts


def _gather_np(a: np.ndarray, index: np.ndarray, dim: int) -> np.ndarray:
    if a.ndim == 0:
        return np.broadcast_to(a, index.shape).copy()
    return a[_coords(index, dim)]


def _sr_vjp_input(g, input, index, src, result, dim, reduce, include_self):
    w_in = _weights(input, index, src, result, dim, reduce, include_self)[0]
    return _masked(g * w_in, raw(w_in) != 0)


def _masked(x: Any, keep: np.ndarray) -> Any:
    """``x`` with exact (positive) zeros where ``keep`` is False, as torch's masked_fill."""
    if keep.all():
        return x
    return _registry.WHERE(lift(x, keep), x, lift(x, np.zeros((), np_dtype(x))))


def _sr_vjp_src(g, input, index, src, result, dim, reduce, include_self):
    w_src = _weights(input, index, src, result, dim, reduce, include_self)[1]
    grad = _masked(GATHER(g, index, dim=dim) * w_src, raw(w_src) != 0)
    return _fit(grad, tuple(raw(src).shape))


def _sr_jvp(tangents, input, index, src, result, dim, reduce, include_self):
    t_in, _, t_src = tangents
    like = _first(t_in, t_src)
    w_in, w_src = _weights(input, index, src, result, dim, reduce, include_self)
    t_in = _or_zeros(t_in, like, raw(input).shape)
    t_src = _or_zeros(t_src, like, raw(src).shape)
    picked = t_src if tuple(t_src.shape) == tuple(raw(index).shape) else INDEX_ADVANCED(
        t_src, index=tuple(slice(0, s) for s in raw(index).shape))
    return SCATTER_REDUCE(t_in * w_in, index, picked * w_src, dim=dim, reduce="sum",
                          include_self=True)


def _scatter_reduce_op(name: str, grad_fn: str, doc: str) -> Any:
    return general(name, _scatter_reduce, grad_fn, ("input", "index", "src"),
                   vjp_input=_sr_vjp_input, vjp_src=_sr_vjp_src, jvp=_sr_jvp, doc=doc)


SCATTER_REDUCE = _scatter_reduce_op(
    "scatter_reduce", "ScatterReduceBackward0",
    "A copy of input with src's elements combined (sum, prod, mean, amax, amin) at index.")
# index_reduce is a scatter_reduce whose 1-D index tapegrad.index_reduce spreads over src.
INDEX_REDUCE = _scatter_reduce_op(
    "index_reduce", "IndexReduceBackward0",
    "A copy of input with src's slices combined (prod, mean, amax, amin) at index along dim.")


def _scatter_value(input: np.ndarray, index: np.ndarray, dim: int, value: Any) -> np.ndarray:
    out = input.copy()
    if input.ndim == 0:
        _check_bounds(index, 1, dim)
        return np.asarray(value if index.size else out, out.dtype)
    _check_bounds(index, input.shape[dim], dim)
    out[_coords(index, dim)] = value
    return out


SCATTER_VALUE = general(
    "scatter_value", _scatter_value, "ScatterBackward1", ("input", "index"),
    vjp_input=lambda g, index, dim: SCATTER_VALUE(g, index, dim=dim, value=0),
    jvp=lambda t, index, dim: SCATTER_VALUE(t[0], index, dim=dim, value=0),
    doc="A copy of input with the number value written at index along dim.")


def total(g: Any) -> Any:
    """The sum of every element of ``g`` (a 0-d array or Tensor)."""
    return g.sum() if isinstance(g, _registry.Tensor) else np.asarray(np.sum(g))


# -- index_fill, index_copy ---------------------------------------------------------------------
def _along(dim: int, index: Any) -> tuple:
    return (slice(None),) * dim + (index,)


def _index_fill(input: np.ndarray, index: np.ndarray, dim: int, value: Any) -> np.ndarray:
    out = input.copy()
    flat = index.reshape(-1)
    _check_index_bounds(flat, out.shape[dim] if out.ndim else 1, dim)
    if out.ndim == 0:
        return np.asarray(value if flat.size else out, out.dtype)
    out[_along(dim, flat)] = value
    return out


def _check_index_bounds(flat: np.ndarray, size: int, dim: int) -> None:
    if flat.size and (flat.min() < -size or flat.max() >= size):
        bad = flat[(flat < -size) | (flat >= size)][0]
        raise IndexError(f"index {bad} is out of bounds for dimension {dim} with size {size}")


def _fill_jvp(tangents, index, dim, value):
    return INDEX_FILL(tangents[0], index, dim=dim, value=0)


INDEX_FILL = general("index_fill", _index_fill, "IndexFillBackward0", ("input", "index"),
                     vjp_input=lambda g, index, dim: INDEX_FILL(g, index, dim=dim, value=0),
                     jvp=_fill_jvp,
                     doc="A copy of input with the number value written at index along dim.")


def _index_fill_tensor(input: np.ndarray, index: np.ndarray, value: np.ndarray,
                       dim: int) -> np.ndarray:
    return _index_fill(input, index, dim, value.astype(input.dtype))


def _unique_along(g: Any, index: Any, dim: int) -> Any:
    """``g``'s slices at each distinct index (a repeated index fills its place once)."""
    shape = tuple(g.shape)
    unique = np.unique(raw(index).reshape(-1) % max(shape[dim] if shape else 1, 1))
    if not shape:
        return g
    return INDEX_SELECT(g, lift(g, unique), dim=dim)


def _fill_tensor_jvp(tangents, input_shape, index, value_shape, dim):
    t_in, _, t_value = tangents
    like = _first(t_in, t_value)
    return INDEX_FILL_TENSOR(_or_zeros(t_in, like, input_shape), index,
                             _or_zeros(t_value, like, value_shape), dim=dim)


INDEX_FILL_TENSOR = general(
    "index_fill_tensor", _index_fill_tensor, "IndexFillBackward1", ("input", "index", "value"),
    vjp_input=lambda g, index, dim: INDEX_FILL(g, index, dim=dim, value=0),
    vjp_value=lambda g, index, dim: total(_unique_along(g, index, dim)),
    jvp=_fill_tensor_jvp,
    doc="A copy of input with the 0-d tensor value written at index along dim.")


def _index_copy(input: np.ndarray, index: np.ndarray, source: np.ndarray, dim: int) -> np.ndarray:
    out = input.copy()
    flat = index.reshape(-1)
    _check_index_bounds(flat, out.shape[dim] if out.ndim else 1, dim)
    if out.ndim == 0:
        return source.reshape(()).astype(out.dtype).copy() if flat.size else out
    out[_along(dim, flat)] = source if source.ndim else source.reshape(-1)
    return out


def _copy_jvp(tangents, input_shape, index, source_shape, dim):
    t_in, _, t_src = tangents
    like = _first(t_in, t_src)
    return INDEX_COPY(_or_zeros(t_in, like, input_shape), index,
                      _or_zeros(t_src, like, source_shape), dim=dim)


def _source_vjp(g: Any, index: Any, source_shape: tuple, dim: int) -> Any:
    if not len(g.shape):
        return RESHAPE(g, shape=tuple(source_shape))
    picked = INDEX_SELECT(g, index, dim=dim)
    return picked if tuple(picked.shape) == tuple(source_shape) else RESHAPE(
        picked, shape=tuple(source_shape))


INDEX_COPY = general("index_copy", _index_copy, "IndexCopyBackward0", ("input", "index", "source"),
                     vjp_input=lambda g, index, dim: INDEX_FILL(g, index, dim=dim, value=0),
                     vjp_source=_source_vjp, jvp=_copy_jvp,
                     doc="A copy of input with source's slices written at index along dim.")


# -- masked_scatter, put, index_put(accumulate=True) ---------------------------------------------
def _masked_scatter(input: np.ndarray, mask: np.ndarray, source: np.ndarray) -> np.ndarray:
    out = input.copy()
    m = np.broadcast_to(mask, out.shape)
    out[m] = source.reshape(-1)[:int(m.sum())]
    return out


def _masked_source_vjp(g: Any, mask: Any, source_shape: tuple) -> Any:
    m = np.broadcast_to(raw(mask), tuple(g.shape))
    count, numel = int(m.sum()), int(np.prod(source_shape, dtype=np.int64))
    picked = INDEX_ADVANCED(g, index=m)
    if count != numel:
        picked = INDEX_BACKWARD(picked, index=(slice(0, count),), shape=(numel,))
    return RESHAPE(picked, shape=tuple(source_shape))


def _masked_scatter_jvp(tangents, input_shape, mask, source_shape):
    t_in, _, t_src = tangents
    like = _first(t_in, t_src)
    return MASKED_SCATTER(_or_zeros(t_in, like, input_shape), mask,
                          _or_zeros(t_src, like, source_shape))


MASKED_SCATTER = general(
    "masked_scatter", _masked_scatter, "MaskedScatterBackward0", ("input", "mask", "source"),
    vjp_input=lambda g, mask: _masked(g, ~np.broadcast_to(raw(mask), tuple(g.shape))),
    vjp_source=_masked_source_vjp, jvp=_masked_scatter_jvp,
    doc="A copy of input with source's first elements written, in order, where mask is True.")


def _put(input: np.ndarray, index: np.ndarray, source: np.ndarray, accumulate: bool) -> np.ndarray:
    out = input.copy().reshape(-1)
    flat = index.reshape(-1)
    n = out.size
    if flat.size and (flat.min() < -n or flat.max() >= n):
        bad = flat[(flat < -n) | (flat >= n)][0]
        raise IndexError(f"out of range: tried to access index {bad} on a tensor of {n} "
                         "elements.")
    if accumulate:
        np.add.at(out, flat, source.reshape(-1))
    else:
        out[flat] = source.reshape(-1)
    return out.reshape(input.shape)


def _take(g: Any, index: Any, shape: tuple) -> Any:
    flat = RESHAPE(g, shape=(-1,))
    picked = INDEX_ADVANCED(flat, index=raw(index).reshape(-1))
    return RESHAPE(picked, shape=tuple(shape))


def _put_jvp(tangents, input_shape, index, source_shape, accumulate):
    t_in, _, t_src = tangents
    like = _first(t_in, t_src)
    return PUT(_or_zeros(t_in, like, input_shape), index, _or_zeros(t_src, like, source_shape),
               accumulate=accumulate)


PUT = general("put", _put, "PutBackward0", ("input", "index", "source"),
              vjp_input=lambda g, index, source_shape, accumulate: g if accumulate else PUT(
                  g, index, _zeros(g, source_shape), accumulate=False),
              vjp_source=lambda g, index, source_shape: _take(g, index, source_shape),
              jvp=_put_jvp,
              doc="A copy of input, read as 1-D, with source written (or added) at index.")


def _index_put_acc(input: np.ndarray, values: np.ndarray, index: tuple) -> np.ndarray:
    out = input.copy()
    target = out[index]
    np.add.at(out, index, np.broadcast_to(values, target.shape))
    return out


def _index_put_acc_jvp(tangents, input_shape, values_shape, index):
    t_in, t_values = tangents
    like = _first(t_in, t_values)
    return INDEX_PUT_ACCUMULATE(_or_zeros(t_in, like, input_shape),
                                _or_zeros(t_values, like, values_shape), index=index)


def _values_vjp(g: Any, index: tuple) -> Any:
    return INDEX_ADVANCED(g, index=index)  # the engine sums it down to a broadcast value's shape


INDEX_PUT_ACCUMULATE = general(
    "index_put_accumulate", _index_put_acc, "IndexPutBackward0", ("input", "values"),
    vjp_input=lambda g: g, vjp_values=_values_vjp, jvp=_index_put_acc_jvp,
    doc="A copy of input with values added at the (advanced) index; repeats accumulate.")
