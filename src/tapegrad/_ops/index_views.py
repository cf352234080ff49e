"""The ``*_scatter`` ops (the inverse of a view: a copy of the input with the view's elements
replaced), diagonals on any rank, ``diag_embed``, ``rot90`` and ``narrow_copy``.

Each pair is the other's transpose: ``select``/``select_scatter``, a slice/``slice_scatter``,
``diagonal``/``diagonal_scatter``, ``diagonal``/``diag_embed``.  So every rule is one line of
the partner op: the input's gradient is ``g`` with the view zeroed (the scatter of zeros), the
written source's gradient is ``g``'s view.

    tapegrad.select_scatter(tapegrad.zeros(2, 2), tapegrad.ones(2), 0, 0)
    # tensor([[1., 1.], [0., 0.]])
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ._registry import general, lift, linear, raw
from .index_scatter import np_dtype
from .shape import INDEX_ADVANCED


def _zeros(like: Any, shape: tuple) -> Any:
    return lift(like, np.zeros(tuple(shape), np_dtype(like)))


def _both(tangents: list, input_shape: tuple, src_shape: tuple) -> tuple:
    """The two tangents of a scatter op, zeros for a missing one (the op is linear in both)."""
    t_in, t_src = tangents
    like = t_in if t_in is not None else t_src
    return (_zeros(like, input_shape) if t_in is None else t_in,
            _zeros(like, src_shape) if t_src is None else t_src)


def _written(where: Any) -> Any:
    def forward(input: np.ndarray, src: np.ndarray, **params: Any) -> np.ndarray:
        out = input.copy()
        out[where(out.shape, **params)] = src
        return out
    return forward


def select_index(shape: tuple, dim: int, index: int) -> tuple:
    return (slice(None),) * dim + (index,)


def slice_index(shape: tuple, dim: int, start: int, end: int, step: int) -> tuple:
    return (slice(None),) * dim + (slice(start, end, step),)


def diagonal_index(shape: tuple, offset: int, dim1: int, dim2: int) -> tuple:
    """The NumPy index of the diagonal of planes (dim1, dim2); the diagonal comes last."""
    n = max(0, min(shape[dim1] + min(offset, 0), shape[dim2] - max(offset, 0)))
    rows = np.arange(n) + max(0, -offset)
    cols = np.arange(n) + max(0, offset)
    rest = [k for k in range(len(shape)) if k not in (dim1, dim2)]
    index: list = [None] * len(shape)
    for pos, k in enumerate(rest):  # other dims as broadcast aranges in front of the diagonal
        view = [1] * (len(rest) + 1)
        view[pos] = shape[k]
        index[k] = np.arange(shape[k]).reshape(view)
    index[dim1] = rows.reshape((1,) * len(rest) + (n,))
    index[dim2] = cols.reshape((1,) * len(rest) + (n,))
    return tuple(index)


# Rules: the input's gradient is g with the written view zeroed, src's is g's view.
SELECT_SCATTER = general(
    "select_scatter", _written(select_index), "SelectScatterBackward0", ("input", "src"),
    vjp_input=lambda g, src_shape, dim, index: SELECT_SCATTER(g, _zeros(g, src_shape), dim=dim,
                                                              index=index),
    vjp_src=lambda g, input_shape, dim, index: INDEX_ADVANCED(
        g, index=select_index(input_shape, dim, index)),
    jvp=lambda t, input_shape, src_shape, dim, index: SELECT_SCATTER(
        *_both(t, input_shape, src_shape), dim=dim, index=index),
    doc="A copy of input with src at input.select(dim, index).")
SLICE_SCATTER = general(
    "slice_scatter", _written(slice_index), "SliceScatterBackward0", ("input", "src"),
    vjp_input=lambda g, src_shape, dim, start, end, step: SLICE_SCATTER(
        g, _zeros(g, src_shape), dim=dim, start=start, end=end, step=step),
    vjp_src=lambda g, input_shape, dim, start, end, step: INDEX_ADVANCED(
        g, index=slice_index(input_shape, dim, start, end, step)),
    jvp=lambda t, input_shape, src_shape, dim, start, end, step: SLICE_SCATTER(
        *_both(t, input_shape, src_shape), dim=dim, start=start, end=end, step=step),
    doc="A copy of input with src at the slice start:end:step along dim.")
DIAGONAL_SCATTER = general(
    "diagonal_scatter", _written(diagonal_index), "DiagonalScatterBackward0", ("input", "src"),
    vjp_input=lambda g, src_shape, offset, dim1, dim2: DIAGONAL_SCATTER(
        g, _zeros(g, src_shape), offset=offset, dim1=dim1, dim2=dim2),
    vjp_src=lambda g, offset, dim1, dim2: DIAGONAL_ND(g, offset=offset, dim1=dim1, dim2=dim2),
    jvp=lambda t, input_shape, src_shape, offset, dim1, dim2: DIAGONAL_SCATTER(
        *_both(t, input_shape, src_shape), offset=offset, dim1=dim1, dim2=dim2),
    doc="A copy of input with src on the diagonal of planes (dim1, dim2).")


# -- diagonal and diag_embed on any rank --------------------------------------------------------
def _diagonal(a: np.ndarray, offset: int, dim1: int, dim2: int) -> np.ndarray:
    """The diagonal as a view of ``a`` (writing into it writes into ``a``, as in torch): the
    other dims keep their strides, the diagonal steps by both dims' strides at once."""
    shape = a.shape
    n = max(0, min(shape[dim1] + min(offset, 0), shape[dim2] - max(offset, 0)))
    rest = [k for k in range(a.ndim) if k not in (dim1, dim2)]
    if n == 0:
        return np.zeros(tuple(shape[k] for k in rest) + (0,), a.dtype)
    corner = a[tuple(slice(max(-offset, 0), None) if k == dim1 else
                     slice(max(offset, 0), None) if k == dim2 else slice(None)
                     for k in range(a.ndim))]
    return np.lib.stride_tricks.as_strided(
        corner, shape=tuple(shape[k] for k in rest) + (n,),
        strides=tuple(a.strides[k] for k in rest) + (a.strides[dim1] + a.strides[dim2],),
        writeable=a.flags.writeable)


def _embedded_shape(shape: tuple, offset: int, dim1: int, dim2: int) -> tuple:
    n = shape[-1] + abs(offset)
    out = list(shape[:-1])
    for d in sorted((dim1, dim2)):
        out.insert(d, n)
    return tuple(out)


def _diag_embed(a: np.ndarray, offset: int, dim1: int, dim2: int) -> np.ndarray:
    shape = _embedded_shape(a.shape, offset, dim1, dim2)
    out = np.zeros(shape, a.dtype)
    out[diagonal_index(shape, offset, dim1, dim2)] = a
    return out


DIAGONAL_ND = linear("diagonal_nd", _diagonal, "DiagonalBackward0",
                     lambda g, input_shape, offset, dim1, dim2: DIAGONAL_SCATTER(
                         _zeros(g, input_shape), g, offset=offset, dim1=dim1, dim2=dim2),
                     params=("offset", "dim1", "dim2"), view=True,
                     doc="The diagonal of planes (dim1, dim2), as the last dim (a view).")
DIAG_EMBED = linear("diag_embed", _diag_embed, "DiagEmbedBackward0",
                    lambda g, offset, dim1, dim2: DIAGONAL_ND(g, offset=offset, dim1=dim1,
                                                              dim2=dim2),
                    params=("offset", "dim1", "dim2"),
                    doc="Matrices whose diagonal (planes dim1, dim2) is input's last dim.")


# -- rot90, narrow_copy --------------------------------------------------------------------------
ROT90 = linear("rot90", lambda a, k, dims: np.rot90(a, k, dims).copy(), "Rot90Backward0",
               lambda g, k, dims: ROT90(g, k=-k, dims=dims), params=("k", "dims"),
               doc="Rotated k quarter turns in the plane dims (from the first dim to the second).")


def _narrow_copy_vjp(g: Any, input_shape: tuple, dim: int, start: int, length: int) -> Any:
    return SLICE_SCATTER(_zeros(g, input_shape), g, dim=dim, start=start, end=start + length,
                         step=1)


NARROW_COPY = linear("narrow_copy", lambda a, dim, start, length: a[
                         (slice(None),) * dim + (slice(start, start + length),)].copy(),
                     "NarrowCopyBackward0", _narrow_copy_vjp, params=("dim", "start", "length"),
                     doc="input's elements start..start+length along dim, as a new tensor.")
