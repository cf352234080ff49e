"""Ops that pick elements by an index tensor: gather, scatter, scatter_add, index_select, sort,
topk.

The index is an operand of the op (an integer tensor, never differentiated), not a parameter, so
that under vmap every example can have its own.  gather is linear in its input and its transpose
is scatter_add into zeros; sort and topk are gathers along the indices that argsort finds (each
with torch's own grad_fn name); index_select's transpose is a scatter_add too.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from . import _registry
from ._registry import general, linear, nondifferentiable
from .shape import INDEX_BACKWARD, expand, reshape


def _coords(index: np.ndarray, dim: int) -> tuple:
    """The NumPy index of ``a[i_0, ..., index[i], ..., i_n]`` (``index[i]`` at ``dim``) for every
    position ``i`` of ``index``: torch's gather/scatter addressing."""
    grids = list(np.indices(index.shape, sparse=True))
    grids[dim] = index
    return tuple(grids)


def _check_bounds(index: np.ndarray, size: int, dim: int) -> None:
    if index.size and (index.min() < 0 or index.max() >= size):
        bad = index[(index < 0) | (index >= size)].flat[0]
        raise RuntimeError(f"index {bad} is out of bounds for dimension {dim} with size {size}")


def _gather(input: np.ndarray, index: np.ndarray, dim: int) -> np.ndarray:
    if input.ndim == 0:
        _check_bounds(index, 1, dim)
        return np.broadcast_to(input, index.shape).copy()
    _check_bounds(index, input.shape[dim], dim)
    return input[_coords(index, dim)]


def _scatter_add(input: np.ndarray, index: np.ndarray, src: np.ndarray, dim: int) -> np.ndarray:
    out = input.copy()
    picked = src[tuple(slice(0, s) for s in index.shape)]  # src may be larger than index
    if input.ndim == 0:
        _check_bounds(index, 1, dim)
        return np.asarray(out + np.sum(picked, dtype=out.dtype))
    _check_bounds(index, input.shape[dim], dim)
    np.add.at(out, _coords(index, dim), picked)
    return out


def _zeros(like: Any, shape: tuple) -> Any:
    """Zeros of ``shape`` and ``like``'s dtype, a Tensor when ``like`` is one (rules on Tensors)."""
    if isinstance(like, _registry.Tensor):
        return _registry.Tensor._make(np.zeros(tuple(shape), like.dtype.np))
    return np.zeros(tuple(shape), like.dtype)


def _gather_vjp(g: Any, input_shape: tuple, index: Any, dim: int) -> Any:
    return SCATTER_ADD(_zeros(g, input_shape), index, g, dim=dim)


def _fit(x: Any, shape: tuple) -> Any:
    """``x`` padded with zeros at the end of each dim up to ``shape`` (src larger than index)."""
    if tuple(x.shape) == tuple(shape):
        return x
    return INDEX_BACKWARD(x, index=tuple(slice(0, s) for s in x.shape), shape=tuple(shape))


def _scatter_add_jvp(tangents: list, input_shape: tuple, index: Any, dim: int) -> Any:
    t_input, _, t_src = tangents
    if t_src is None:
        return t_input
    if t_input is None:
        t_input = _zeros(t_src, input_shape)
    return SCATTER_ADD(t_input, index, t_src, dim=dim)


def _scatter_add_op(name: str, grad_fn: str, doc: str) -> Any:
    return general(name, _scatter_add, grad_fn, ("input", "index", "src"),
                   vjp_input=lambda g: g,
                   vjp_src=lambda g, index, src_shape, dim: _fit(GATHER(g, index, dim=dim),
                                                                 src_shape),
                   jvp=_scatter_add_jvp, doc=doc)


SCATTER_ADD = _scatter_add_op("scatter_add", "ScatterAddBackward0",
                              "A copy of input with src's elements added at index along dim.")
# index_add is a scatter_add whose index tapegrad.index_add spreads over src's shape.
INDEX_ADD = _scatter_add_op("index_add", "IndexAddBackward0",
                            "A copy of input with src's slices added at index along dim.")


def _scatter(input: np.ndarray, index: np.ndarray, src: np.ndarray, dim: int) -> np.ndarray:
    out = input.copy()
    picked = src[tuple(slice(0, s) for s in index.shape)]
    if input.ndim == 0:
        _check_bounds(index, 1, dim)
        return np.asarray(picked.reshape(-1)[-1] if picked.size else out, dtype=out.dtype)
    _check_bounds(index, input.shape[dim], dim)
    out[_coords(index, dim)] = picked  # a repeated index keeps one of its values, as in torch
    return out


def _scatter_jvp(tangents: list, input_shape: tuple, index: Any, src_shape: tuple,
                 dim: int) -> Any:
    t_input, _, t_src = tangents
    like = t_src if t_input is None else t_input
    if t_input is None:
        t_input = _zeros(like, input_shape)
    if t_src is None:
        t_src = _zeros(like, src_shape)
    return SCATTER(t_input, index, t_src, dim=dim)


# Written elements take src's values: the input's gradient is zero there, src's is gathered.
SCATTER = general("scatter", _scatter, "ScatterBackward0", ("input", "index", "src"),
                  vjp_input=lambda g, index, src_shape, dim: SCATTER(
                      g, index, _zeros(g, src_shape), dim=dim),
                  vjp_src=lambda g, index, src_shape, dim: _fit(GATHER(g, index, dim=dim),
                                                                src_shape),
                  jvp=_scatter_jvp,
                  doc="A copy of input with src's elements written at index along dim.")


def _gather_op(name: str, grad_fn: str, doc: str) -> Any:
    return linear(name, _gather, grad_fn, _gather_vjp, args=("input", "index"), params=("dim",),
                  doc=doc)


GATHER = _gather_op("gather", "GatherBackward0",
                    "input's elements at index along dim: out[i][j] = input[i][index[i][j]].")
# sort and topk: the values are input gathered at the indices argsort finds.
SORT = _gather_op("sort", "SortBackward0", "The values of sort: input gathered at the sorting "
                  "indices (tapegrad.sort computes them with argsort).")
TOPK = _gather_op("topk", "TopkBackward0", "The values of topk: input gathered at the first k "
                  "sorting indices (tapegrad.topk computes them with argsort).")


def _np_argsort(a: np.ndarray, dim: int, descending: bool, stable: bool) -> np.ndarray:
    """Indices that sort ``a`` along ``dim``; ties keep their order (stable), NaN sorts as the
    largest value, as in torch."""
    if a.ndim == 0:
        return np.zeros((), np.int64)
    if not descending:
        return np.argsort(a, axis=dim, kind="stable").astype(np.int64, copy=False)
    # Descending and stable: sort the reversed array ascending, then reverse back.
    up = np.argsort(np.flip(a, axis=dim), axis=dim, kind="stable")
    return np.flip(a.shape[dim] - 1 - up, axis=dim).astype(np.int64)


ARGSORT = nondifferentiable("argsort", _np_argsort)


# -- index_select --------------------------------------------------------------------------------
def _index_select(input: np.ndarray, index: np.ndarray, dim: int) -> np.ndarray:
    flat = index.reshape(-1)
    size = input.shape[dim] if input.ndim else 1
    if flat.size and (flat.min() < 0 or flat.max() >= size):
        bad = flat[(flat < 0) | (flat >= size)][0]
        raise RuntimeError(f"INDICES element is out of DATA bounds, id={bad} axis_dim={size}")
    if input.ndim == 0:
        return input.copy()
    return np.take(input, flat, axis=dim)


def spread_index(index: Any, dim: int, shape: tuple) -> Any:
    """A 1-D (or 0-D) ``index`` laid along ``dim`` and repeated over the other dims of ``shape``:
    the gather index equivalent to ``index_select(., dim, index)``."""
    n = int(np.prod(tuple(index.shape), dtype=np.int64))
    along = reshape(index, shape=tuple(n if k == dim else 1 for k in range(len(shape))))
    return expand(along, shape=tuple(shape))


def _index_select_vjp(g: Any, input_shape: tuple, index: Any, dim: int) -> Any:
    if not input_shape:  # a 0-d input: the gradient is g itself
        return g
    return SCATTER_ADD(_zeros(g, input_shape), spread_index(index, dim, tuple(g.shape)), g, dim=dim)


INDEX_SELECT = linear("index_select", _index_select, "IndexSelectBackward0", _index_select_vjp,
                      args=("input", "index"), params=("dim",),
                      doc="input's slices along dim at the positions in the 1-D index.")
