"""Family 'indexing' of torch's surface (see tapegrad._surface): selecting, scattering,
splitting and rotating, with torch's signatures, checks and messages.

The functions that write at an index tensor (``scatter_reduce``, ``index_fill``, ``put``, ...)
live in ``tapegrad._selecting``; this module holds the shaping ones (``tensor_split``,
``rot90``, ``diag_embed``, the ``*_scatter`` and ``*_copy`` functions, ...), and the tables
that attach both as ``tapegrad.<name>`` and as Tensor methods.  The ops with a derivative are
in ``_ops/index_scatter.py``, ``_ops/index_views.py`` and ``_ops/index_copies.py``.
"""
from __future__ import annotations

import builtins
from typing import Any, Sequence

import numpy as np

from .. import _dtype, _selecting as Sel
from .._ops import index_copies as C, index_views as V, shape as S
from .._tensor import Tensor, _wrap_dim
from .._ops import index_checks as H


def select(input: Tensor, dim: int, index: int) -> Tensor:
    """The slice of ``input`` at ``index`` along ``dim``, that dim removed (a view):
    ``x.select(1, 0)`` is ``x[:, 0]``."""
    if input.ndim == 0:
        raise IndexError("select() cannot be applied to a 0-dim tensor.")
    d = _wrap_dim(dim, input.ndim)
    i = H.check_select(input, d, index)
    return S.SELECT_ALONG(input, dim=d, i=i)


def select_scatter(input: Tensor, src: Tensor, dim: int, index: int) -> Tensor:
    """A copy of ``input`` with ``src`` written at ``input.select(dim, index)``."""
    d = _wrap_dim(dim, input.ndim)
    i = H.check_select(input, d, index)
    H.check_slice_size(src, tuple(np.empty(input.shape, np.int8)[V.select_index(
        input.shape, d, i)].shape))
    return V.SELECT_SCATTER(input, src.to(input.dtype), dim=d, index=i)


def slice_scatter(input: Tensor, src: Tensor, dim: int = 0, start: int | None = None,
                  end: int | None = None, step: int = 1) -> Tensor:
    """A copy of ``input`` with ``src`` written at the slice ``start:end:step`` along ``dim``::

        tapegrad.slice_scatter(tapegrad.zeros(4), tapegrad.ones(2), start=2)
        # tensor([0., 0., 1., 1.])
    """
    d = _wrap_dim(dim, input.ndim)
    start, end = H.slice_bounds(input.shape[d] if input.ndim else 1, start, end)
    H.check_slice_size(src, tuple(np.empty(input.shape, np.int8)[V.slice_index(
        input.shape, d, start, end, step)].shape))
    return V.SLICE_SCATTER(input, src.to(input.dtype), dim=d, start=start, end=end, step=step)


def diagonal(input: Tensor, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
    """The diagonal of the planes ``(dim1, dim2)``, as the last dim; ``offset > 0`` above
    the main diagonal, ``< 0`` below.  ``diagonal(x, 0, -2, -1)`` is each matrix's diagonal in
    a batch."""
    d1, d2 = H.diagonal_dims(input.ndim, dim1, dim2)
    return V.DIAGONAL_ND(input, offset=int(offset), dim1=d1, dim2=d2)


def diagonal_scatter(input: Tensor, src: Tensor, offset: int = 0, dim1: int = 0,
                     dim2: int = 1) -> Tensor:
    """A copy of ``input`` with ``src`` written on its diagonal (as ``diagonal`` reads it)."""
    d1, d2 = H.diagonal_dims(input.ndim, dim1, dim2)
    index = V.diagonal_index(tuple(input.shape), int(offset), d1, d2)
    H.check_slice_size(src, tuple(np.empty(input.shape, np.int8)[index].shape))
    return V.DIAGONAL_SCATTER(input, src.to(input.dtype), offset=int(offset), dim1=d1, dim2=d2)


def diag_embed(input: Tensor, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:
    """Matrices whose diagonal (in the planes ``dim1, dim2`` of the result) holds ``input``'s
    last dim: ``diag_embed(tapegrad.tensor([1., 2.]))`` is ``[[1, 0], [0, 2]]``; batches too."""
    d1, d2 = H.diagonal_dims(input.ndim + 1, dim1, dim2)
    return V.DIAG_EMBED(input, offset=int(offset), dim1=d1, dim2=d2)


def diagflat(input: Tensor, offset: int = 0) -> Tensor:
    """A 2-D matrix with ``input``, flattened, on its ``offset`` diagonal."""
    return V.DIAG_EMBED(S.RESHAPE(input, shape=(-1,)), offset=int(offset), dim1=0, dim2=1)


def fill_diagonal_(self: Tensor, fill_value: Any, wrap: bool = False) -> Tensor:
    """Write ``fill_value`` on the main diagonal, in place (every dim of equal size beyond 2-D).
    ``wrap=True`` on a tall matrix starts again N+1 rows further down, as in torch."""
    index = H.fill_diagonal_index(tuple(self.shape), builtins.bool(wrap))
    value = Tensor._make(np.asarray(fill_value.item() if isinstance(fill_value, Tensor)
                                    else fill_value).astype(self.dtype.np))
    return self._inplace(lambda t: S.INDEX_PUT(t, value, index=index))


# -- splitting --------------------------------------------------------------------------------------
def split_with_sizes(input: Tensor, split_sizes: Sequence[int], dim: int = 0) -> tuple:
    """``input`` cut along ``dim`` into pieces of the given sizes (summing to its size)."""
    d, sizes = H.checked_sizes(input, split_sizes, dim)
    return tuple(C.SPLIT_WITH_SIZES(input, dim=d, sizes=sizes))


def unsafe_split_with_sizes(input: Tensor, split_sizes: Sequence[int], dim: int = 0) -> tuple:
    """``split_with_sizes``, the pieces being new tensors rather than views."""
    d, sizes = H.checked_sizes(input, split_sizes, dim)
    return tuple(C.UNSAFE_SPLIT_WITH_SIZES(input, dim=d, sizes=sizes))


def unsafe_split(input: Tensor, split_size: int, dim: int = 0) -> tuple:
    """``split`` into pieces of ``split_size`` (the last one shorter), as new tensors."""
    d = _wrap_dim(dim, input.ndim)
    return tuple(C.UNSAFE_SPLIT(input, dim=d, sizes=H.even_sizes(input.shape[d], split_size)))


def unsafe_chunk(input: Tensor, chunks: int, dim: int = 0) -> tuple:
    """``chunk`` as new tensors (torch records it as an unsafe_split)."""
    d = _wrap_dim(dim, input.ndim)
    if chunks <= 0:
        raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    size = input.shape[d]
    if size == 0:  # an empty dim: ``chunks`` empty pieces
        return tuple(C.UNSAFE_SPLIT(input, dim=d, sizes=(0,) * chunks))
    return unsafe_split(input, -(-size // chunks), d)


def tensor_split(input: Tensor, indices_or_sections: Any = None, dim: int = 0, *,
                 sections: int | None = None, indices: Any = None) -> tuple:
    """Views of ``input`` cut along ``dim``: into ``n`` nearly equal parts (the first
    ``size % n`` one longer), or at the given ``indices``::

        tapegrad.arange(7).tensor_split(3)      # sizes 3, 2, 2
        tapegrad.arange(7).tensor_split([1, 5])  # [0], [1..4], [5, 6]
    """
    if input.ndim == 0:
        raise RuntimeError("tensor_split expected at least a 1-dimensional tensor, but got a "
                           "tensor with 0 dims")
    d = _wrap_dim(dim, input.ndim)
    bounds = H.split_bounds(input.shape[d], indices_or_sections, sections, indices)
    return tuple(S.NARROW(input, dim=d, start=a, length=b - a) for a, b in bounds)


def _directional(name: str, dim: int, least: int) -> Any:
    def split(input: Tensor, indices_or_sections: Any) -> tuple:
        if input.ndim < least:
            raise RuntimeError(f"torch.{name} requires a tensor with at least {least} dimension, "
                               f"but got a tensor with {input.ndim} dimensions!")
        d = 0 if name == "hsplit" and input.ndim == 1 else dim
        if isinstance(indices_or_sections, (int, np.integer)):
            size, n = input.shape[d], int(indices_or_sections)
            if n == 0 or size % n:
                raise RuntimeError(f"torch.{name} attempted to split along dimension {d}, but "
                                   f"the size of the dimension {size} is not divisible by the "
                                   f"split_size {n}!")
        return tensor_split(input, indices_or_sections, d)
    split.__name__ = split.__qualname__ = name
    split.__doc__ = (f"``tensor_split`` along dim {dim} (``{name}``), an int number of equal "
                     "parts (it must divide the size) or a list of indices.")
    return split


hsplit = _directional("hsplit", 1, 1)
vsplit = _directional("vsplit", 0, 2)
dsplit = _directional("dsplit", 2, 3)


# -- rotating and flipping ----------------------------------------------------------------------------
def rot90(input: Tensor, k: int = 1, dims: Sequence[int] = (0, 1)) -> Tensor:
    """``input`` turned by ``k`` quarter turns in the plane ``dims``, from the first dim
    towards the second (``k < 0`` the other way)."""
    dims = list(dims)
    if len(dims) != 2:
        raise RuntimeError(f"expected total rotation dims == 2, but got dims = {len(dims)}")
    if input.ndim < 2:
        raise RuntimeError(f"expected total dims >= 2, but got total dims = {input.ndim}")
    d0, d1 = (_wrap_dim(d, input.ndim) for d in dims)
    if d0 == d1:
        raise RuntimeError(f"expected rotation dims to be different, but got dim0 = {d0} and "
                           f"dim1 = {d1}")
    return V.ROT90(input, k=int(k) % 4, dims=(d0, d1))


def fliplr(input: Tensor) -> Tensor:
    """Columns in reverse order (dim 1); at least 2-D."""
    if input.ndim < 2:
        raise RuntimeError("Input must be >= 2-d.")
    return S.FLIP(input, dims=(1,))


def flipud(input: Tensor) -> Tensor:
    """Rows in reverse order (dim 0); at least 1-D."""
    if input.ndim < 1:
        raise RuntimeError("Input must be >= 1-d.")
    return S.FLIP(input, dims=(0,))


def flip(input: Tensor, dims: Any) -> Tensor:
    """``input`` with the order of elements reversed along each of ``dims`` (a copy); a dim
    named twice is an error, as in torch."""
    if isinstance(dims, (int, np.integer)):
        raise TypeError("flip(): argument 'dims' (position 2) must be tuple of ints, not int")
    wrapped = tuple(_wrap_dim(int(d), input.ndim) for d in dims)
    for k, d in enumerate(wrapped):
        if d in wrapped[:k]:
            raise RuntimeError(f"dim {d} appears multiple times in the list of dims")
    return S.FLIP(input, dims=wrapped if input.ndim else ())


def _flip_method(self: Tensor, *dims: Any, **kwargs: Any) -> Tensor:
    """``x.flip(0, 1)``, ``x.flip([0, 1])`` or ``x.flip(dims=...)``: see ``tapegrad.flip``."""
    if "dims" in kwargs:
        dims = (kwargs.pop("dims"),)
    if kwargs:
        raise TypeError(f"flip() got an unexpected keyword argument '{next(iter(kwargs))}'")
    if not dims:
        raise TypeError('flip() missing 1 required positional arguments: "dims"')
    if len(dims) == 1 and not isinstance(dims[0], (int, np.integer)):
        dims = tuple(dims[0])
    return flip(self, dims)


# -- finding and comparing -----------------------------------------------------------------------------
def nonzero(input: Tensor, *, as_tuple: bool = False) -> Any:
    """Indices of the nonzero elements: an ``(n, ndim)`` int64 tensor (``(0, ndim)`` when
    none), or with ``as_tuple`` one 1-D tensor per dim (a 0-d input counts as 1-D)."""
    data = input._data
    if as_tuple:
        found = np.nonzero(np.atleast_1d(data))
        return tuple(Tensor._make(i.astype(np.int64)) for i in found)
    if data.ndim == 0:
        return Tensor._make(np.zeros((int(data != 0), 0), np.int64))
    return Tensor._make(np.argwhere(data).astype(np.int64).reshape(-1, data.ndim))


def argwhere(input: Tensor) -> Tensor:
    """``nonzero(input)``: one row of indices per nonzero element."""
    return nonzero(input)


def nonzero_static(input: Tensor, *, size: int, fill_value: int = -1) -> Tensor:
    """``nonzero`` cut or padded (with ``fill_value``) to exactly ``size`` rows."""
    found = nonzero(input)._data[:size]
    pad = np.full((size - found.shape[0], found.shape[1]), fill_value, np.int64)
    return Tensor._make(np.concatenate([found, pad]))


def is_nonzero(input: Tensor) -> bool:
    """The truth of a one-element tensor (torch's error for any other)."""
    n = input.numel()
    if n == 0:
        raise RuntimeError("Boolean value of Tensor with no values is ambiguous")
    if n > 1:
        raise RuntimeError("Boolean value of Tensor with more than one value is ambiguous")
    return builtins.bool(input._data.reshape(()) != 0)


def is_same_size(input: Tensor, other: Tensor) -> bool:
    """Whether the two tensors have the same shape."""
    return tuple(input.shape) == tuple(other.shape)


def sum_to_size(input: Tensor, *size: Any) -> Tensor:
    """``input`` summed down to ``size`` (which ``input`` must expand from); the same tensor
    when the shapes agree."""
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    size = tuple(int(s) for s in size)
    H.check_expandable(size, tuple(input.shape))
    if size == tuple(input.shape):
        return input
    lead = input.ndim - len(size)
    summed = S.SUM_TO_SIZE(input, shape=(1,) * lead + size)
    return S.RESHAPE(summed, shape=size) if lead else summed  # torch views away the lead dims


def index_put_(input: Tensor, indices: Any, values: Tensor, accumulate: bool = False) -> Tensor:
    """``input.index_put_(indices, values, accumulate)``: ``index_put`` written into ``input``."""
    return input.index_put_(indices, values, accumulate)


from .._ops.index_find import isin, unique_consecutive, unravel_index  # noqa: E402
from .._ops.index_copy_api import COPY_FUNCTIONS  # noqa: E402


METHODS: dict = {
    "scatter": Sel.scatter, "scatter_reduce": Sel.scatter_reduce, "index_fill": Sel.index_fill,
    "index_copy": Sel.index_copy, "index_put": Sel.index_put, "index_reduce": Sel.index_reduce,
    "put": Sel.put, "take_along_dim": Sel.take_along_dim, "masked_scatter": Sel.masked_scatter,
    "select": select, "select_scatter": select_scatter, "slice_scatter": slice_scatter,
    "diagonal_scatter": diagonal_scatter, "diagonal": diagonal, "diag_embed": diag_embed,
    "diagflat": diagflat, "fill_diagonal_": fill_diagonal_, "tensor_split": tensor_split,
    "hsplit": hsplit, "vsplit": vsplit, "dsplit": dsplit, "split_with_sizes": split_with_sizes,
    "unsafe_split": unsafe_split, "unsafe_split_with_sizes": unsafe_split_with_sizes,
    "unsafe_chunk": unsafe_chunk, "rot90": rot90, "fliplr": fliplr, "flipud": flipud,
    "flip": _flip_method, "nonzero": nonzero, "argwhere": argwhere, "nonzero_static": nonzero_static,
    "unique_consecutive": unique_consecutive, "sum_to_size": sum_to_size,
    "is_same_size": is_same_size, "is_nonzero": is_nonzero,
    "narrow_copy": COPY_FUNCTIONS["narrow_copy"],
}
INPLACE: dict = {
    "scatter": Sel.scatter, "scatter_reduce": Sel.scatter_reduce, "index_fill": Sel.index_fill,
    "index_copy": Sel.index_copy, "index_put": Sel.index_put, "index_reduce": Sel.index_reduce,
    "put": Sel.put, "masked_scatter": Sel.masked_scatter,
}
FUNCTIONS: dict = {
    **{name: fn for name, fn in METHODS.items() if name not in ("fill_diagonal_", "sum_to_size")},
    "flip": flip,
    "index_put_": index_put_,
    "isin": isin, "unravel_index": unravel_index,
    **COPY_FUNCTIONS,
}
