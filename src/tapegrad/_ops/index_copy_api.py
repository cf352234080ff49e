"""torch's functional copies of the view functions (``tapegrad.permute_copy(x, dims)``, ...),
``narrow_copy`` and the torch-level ``fill``/``fill_``/``zero_``.

Each checks its arguments the way the view function does (by calling it without recording,
so the messages are the view's own) and then applies the copy op of ``index_copies.py``, whose
grad_fn torch names ``<View>Backward0_copy``.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from .._tensor import Tensor, _wrap_dim
from ..autograd import grad_mode
from . import index_checks as H, index_copies as C, index_views as V


def _shaping() -> Any:
    from .. import _shaping  # the public view functions (imported late: they import the ops)
    return _shaping


def _checked(view: Callable, *args: Any) -> Tensor:
    with grad_mode.no_grad():
        return view(*args)


def alias_copy(input: Tensor) -> Tensor:
    """A new tensor with ``input``'s values (AliasBackward0_copy)."""
    return C.ALIAS_COPY(input)


def detach_copy(input: Tensor) -> Tensor:
    """A new tensor with ``input``'s values, out of the graph."""
    return Tensor._make(input._data.copy())


def diagonal_copy(input: Tensor, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
    """``diagonal`` as a new tensor."""
    d1, d2 = H.diagonal_dims(input.ndim, dim1, dim2)
    return C.DIAGONAL_COPY(input, offset=int(offset), dim1=d1, dim2=d2)


def expand_copy(input: Tensor, size: Any, *, implicit: bool = False) -> Tensor:
    """``expand`` as a new tensor (the repeated values are real copies)."""
    shape = tuple(_checked(_shaping().expand, input, tuple(size)).shape)
    return C.EXPAND_COPY(input, shape=shape)


def permute_copy(input: Tensor, dims: Any) -> Tensor:
    """``permute`` as a new tensor."""
    _checked(_shaping().permute, input, tuple(dims))
    return C.PERMUTE_COPY(input, dims=tuple(_wrap_dim(d, input.ndim) for d in dims))


def select_copy(input: Tensor, dim: int, index: int) -> Tensor:
    """``select`` as a new tensor."""
    if input.ndim == 0:
        raise IndexError("select() cannot be applied to a 0-dim tensor.")
    d = _wrap_dim(dim, input.ndim)
    return C.SELECT_COPY(input, dim=d, i=H.check_select(input, d, index))


def slice_copy(input: Tensor, dim: int = 0, start: int | None = None, end: int | None = None,
               step: int = 1) -> Tensor:
    """``input[..., start:end:step]`` along ``dim``, as a new tensor."""
    d = _wrap_dim(dim, input.ndim)
    if step <= 0:
        raise RuntimeError("slice step must be positive")
    start, end = H.slice_bounds(input.shape[d], start, end)
    return C.SLICE_COPY(input, dim=d, start=start, end=end, step=int(step))


def split_copy(input: Tensor, split_size: int, dim: int = 0) -> tuple:
    """``split`` into pieces of ``split_size``, as new tensors."""
    d = _wrap_dim(dim, input.ndim)
    return tuple(C.SPLIT_COPY(input, dim=d, sizes=H.even_sizes(input.shape[d], split_size)))


def split_with_sizes_copy(input: Tensor, split_sizes: Any, dim: int = 0) -> tuple:
    """``split_with_sizes``, as new tensors."""
    d, sizes = H.checked_sizes(input, split_sizes, dim)
    return tuple(C.SPLIT_WITH_SIZES_COPY(input, dim=d, sizes=sizes))


def squeeze_copy(input: Tensor, dim: Any = None) -> Tensor:
    """``squeeze`` as a new tensor."""
    shape = tuple(_checked(_shaping().squeeze, input, dim).shape)
    op = (C.SQUEEZE_COPY if dim is None else C.SQUEEZE_DIMS_COPY
          if isinstance(dim, (tuple, list)) else C.SQUEEZE_DIM_COPY)
    return op(input, shape=shape)


def t_copy(input: Tensor) -> Tensor:
    """``t`` as a new tensor."""
    _checked(_shaping().t, input)
    return C.T_COPY(input)


def transpose_copy(input: Tensor, dim0: int, dim1: int) -> Tensor:
    """``transpose`` as a new tensor."""
    return C.TRANSPOSE_COPY(input, dim0=_wrap_dim(dim0, input.ndim),
                            dim1=_wrap_dim(dim1, input.ndim))


def unbind_copy(input: Tensor, dim: int = 0) -> tuple:
    """``unbind`` as new tensors."""
    return tuple(C.UNBIND_COPY(input, dim=_wrap_dim(dim, input.ndim)))


def unfold_copy(input: Tensor, dimension: int, size: int, step: int) -> Tensor:
    """``Tensor.unfold`` as a new tensor."""
    _checked(lambda: input.unfold(dimension, size, step))
    nd = max(input.ndim, 1)
    if input.ndim == 0:
        return C.VIEW_COPY(input, shape=(1,))
    return C.UNFOLD_COPY(input, dim=dimension % nd - nd, size=int(size), step=int(step))


def unsqueeze_copy(input: Tensor, dim: int) -> Tensor:
    """``unsqueeze`` as a new tensor."""
    return C.UNSQUEEZE_COPY(input, shape=tuple(_checked(_shaping().unsqueeze, input, dim).shape))


def view_copy(input: Tensor, size: Any) -> Tensor:
    """``view`` as a new tensor; ``view_copy(x, dtype)`` reinterprets the bits (no graph)."""
    if not isinstance(size, (tuple, list, int, np.integer)):  # a dtype
        data = np.ascontiguousarray(input._data)
        return Tensor._make(data.view(size.np).copy())  # the same bits read as another dtype
    size = (size,) if isinstance(size, (int, np.integer)) else tuple(size)
    return C.VIEW_COPY(input, shape=tuple(_checked(_shaping().reshape, input, size).shape))


def narrow_copy(input: Tensor, dim: int, start: int, length: int) -> Tensor:
    """``narrow`` as a new tensor (NarrowCopyBackward0)."""
    d = _wrap_dim(dim, input.ndim)
    size = input.shape[d]
    if start < 0:
        start += size
    if start + length > size or start < 0 or length < 0:
        raise RuntimeError(f"start ({start}) + length ({length}) exceeds dimension size "
                           f"({size}).")
    return V.NARROW_COPY(input, dim=d, start=int(start), length=int(length))


def fill(input: Tensor, value: Any) -> Tensor:
    """A new tensor of ``input``'s shape and dtype holding ``value`` everywhere (a 0-d tensor
    ``value`` gets the gradient of all of it)."""
    if isinstance(value, Tensor):
        if value.ndim:
            raise RuntimeError("fill_ only supports 0-dimension value tensor but got tensor "
                               f"with {value.ndim} dimensions.")
        return C.FILL_OUT_TENSOR(input, value)
    return C.FILL_OUT(input, value=value)


def fill_(input: Tensor, value: Any) -> Tensor:
    """``input.fill_(value)``: ``value`` everywhere in ``input``, in place."""
    return input.fill_(value)


def zero_(input: Tensor) -> Tensor:
    """``input.zero_()``: zeros everywhere in ``input``, in place."""
    return input.zero_()


COPY_FUNCTIONS: dict[str, Callable] = {
    fn.__name__: fn for fn in (
        alias_copy, detach_copy, diagonal_copy, expand_copy, permute_copy, select_copy,
        slice_copy, split_copy, split_with_sizes_copy, squeeze_copy, t_copy, transpose_copy,
        unbind_copy, unfold_copy, unsqueeze_copy, view_copy, narrow_copy, fill, fill_, zero_)}
