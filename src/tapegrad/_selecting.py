"""Public selection by index with torch's signatures: gather, scatter, scatter_add, index_add,
index_select, argsort, sort and topk (argument checks and torch's messages; the ops are in
``_ops/selection.py``).
"""
from __future__ import annotations

import builtins
from typing import Any

import numpy as np

from . import _dtype
from ._api import _out, _sort_result, _topk_result
from ._ops import _transforms, selection as X, shape as S
from ._tensor import Tensor, _wrap_dim
from ._topk_order import topk_indices


# -- selecting by index --------------------------------------------------------------------------
def _check_index(index: Any, fn: str, position: int, dtype_message: str) -> None:
    if not isinstance(index, Tensor):
        raise TypeError(f"{fn}(): argument 'index' (position {position}) must be Tensor, not "
                        f"{type(index).__name__}")
    if index.dtype.np not in (np.dtype(np.int64), np.dtype(np.int32)):
        raise RuntimeError(dtype_message)


def _size_list(shape: Any) -> str:
    return "[" + ", ".join(str(s) for s in shape) + "]"


def gather(input: Tensor, dim: int, index: Tensor, *, sparse_grad: bool = False,
           out: Tensor | None = None) -> Tensor:
    """Values of ``input`` at ``index`` along ``dim``: ``out[i][j] = input[i][index[i][j]]`` for
    ``dim=1``.  ``index`` has input's number of dims (not larger than input apart from ``dim``)::

        tapegrad.gather(tapegrad.tensor([[1., 2.], [3., 4.]]), 1, tapegrad.tensor([[1], [0]]))
        # tensor([[2.], [3.]])
    """
    _check_index(index, "gather", 3, "gather(): Expected dtype int32/int64 for index")
    d = _wrap_dim(dim, input.ndim)
    if input.ndim and index.ndim != input.ndim:
        raise RuntimeError("Index tensor must have the same number of dimensions as input tensor")
    for k in range(index.ndim if input.ndim else 0):
        if k != d and index.shape[k] > input.shape[k]:
            raise RuntimeError(f"Size does not match at dimension {k} expected index "
                               f"{_size_list(index.shape)} to be no larger than self "
                               f"{_size_list(input.shape)} apart from dimension {d}")
    return _out(X.GATHER(input, index, dim=d), out)


def scatter_add(input: Tensor, dim: int, index: Tensor, src: Tensor) -> Tensor:
    """A copy of ``input`` with ``src``'s elements added at ``index`` along ``dim``:
    ``out[i][index[i][j]] += src[i][j]`` for ``dim=1`` (repeated indices accumulate)."""
    d = _scatter_checks(input, dim, index, src, "scatter_add")
    return X.SCATTER_ADD(input, index, src, dim=d)


def scatter(input: Tensor, dim: int, index: Tensor, src: Any = None, *, value: Any = None,
            reduce: Any = None) -> Tensor:
    """A copy of ``input`` with ``src``'s elements (or the number ``value``) written at
    ``index`` along ``dim``: ``out[i][index[i][j]] = src[i][j]`` for ``dim=1``.  The one-hot
    idiom: ``zeros(n, c).scatter_(1, labels.unsqueeze(1), 1.0)``."""
    if reduce is not None:
        raise NotImplementedError("scatter(reduce=...) is not implemented in tapegrad yet; "
                                  "scatter_add covers reduce='add'")
    if src is None:
        src = value
    if not isinstance(src, Tensor):  # a number: written everywhere the index points
        from tapegrad._creation import full
        src = full(tuple(index.shape), src, dtype=input.dtype)
    d = _scatter_checks(input, dim, index, src, "scatter")
    return X.SCATTER(input, index, src, dim=d)


def index_add(input: Tensor, dim: int, index: Tensor, source: Tensor, *,
              alpha: Any = 1) -> Tensor:
    """A copy of ``input`` with ``alpha * source``'s slices added along ``dim`` at the positions
    in the 1-D ``index`` (repeats accumulate): a scatter_add with the index spread over
    ``source``'s shape (so its grad_fn is ScatterAddBackward0, where torch's is
    IndexAddBackward0)."""
    d = _wrap_dim(dim, input.ndim)
    if index.ndim > 1:
        raise IndexError("index_add_(): Index is supposed to be a vector")
    _check_index(index, "index_add", 3, "index_add_(): Expected dtype int32/int64 for index")
    if source.ndim and source.shape[d] != index.numel():
        raise RuntimeError(f"index_add_(): Number of indices ({index.numel()}) should be equal to "
                           f"source.size(dim): ({source.shape[d]}), for dim: {d}")
    shape = [1] * builtins.max(source.ndim, 1)
    shape[d if source.ndim else 0] = -1
    spread = S.EXPAND(S.RESHAPE(index, shape=tuple(shape)), shape=tuple(source.shape) or (1,))
    if alpha != 1:
        source = source * alpha
    return X.INDEX_ADD(input, spread.to(_dtype.int64), source, dim=d)


def _scatter_checks(input: Tensor, dim: int, index: Tensor, src: Tensor, name: str) -> int:
    _check_index(index, name, 3, "scatter(): Expected dtype int32/int64 for index")
    if src.dtype != input.dtype:
        raise RuntimeError("scatter(): Expected self.dtype to be equal to src.dtype")
    d = _wrap_dim(dim, input.ndim)
    if input.ndim and index.ndim != input.ndim:
        raise RuntimeError("Index tensor must have the same number of dimensions as self tensor")
    for k in range(index.ndim if input.ndim else 0):
        if (k != d and index.shape[k] > input.shape[k]) or index.shape[k] > src.shape[k]:
            raise RuntimeError(f"Expected index {_size_list(index.shape)} to be no larger than "
                               f"self {_size_list(input.shape)} apart from dimension {d} and to "
                               f"be no larger size than src {_size_list(src.shape)}")
    return d


def index_select(input: Tensor, dim: int, index: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The slices of ``input`` along ``dim`` at the positions in the 1-D ``index`` (repeats
    allowed): ``index_select(x, 0, tapegrad.tensor([2, 0]))`` is rows 2 and 0 of ``x``."""
    if isinstance(index, Tensor) and index.ndim > 1:
        raise IndexError("index_select(): Index is supposed to be a vector")
    _check_index(index, "index_select", 3,
                 "index_select(): Expected dtype int32 or int64 for index")
    return _out(X.INDEX_SELECT(input, index, dim=_wrap_dim(dim, input.ndim)), out)


def argsort(input: Tensor, dim: int = -1, descending: bool = False, *,
            stable: bool = False) -> Tensor:
    """Indices that sort ``input`` along ``dim`` (int64).  Sorting is always stable here (equal
    values keep their order), which ``stable=False`` allows."""
    return X.ARGSORT(input, dim=_wrap_dim(dim, input.ndim), descending=builtins.bool(descending),
                     stable=builtins.bool(stable))


def sort(input: Tensor, dim: int = -1, descending: bool = False, *, stable: bool = False) -> Any:
    """The named tuple ``(values, indices)`` of ``input`` sorted along ``dim``; NaN sorts as the
    largest value.  The gradient of ``values`` goes back to where each value came from::

        tapegrad.sort(tapegrad.tensor([3., 1., 2.]))
        # tapegrad.return_types.sort(values=tensor([1., 2., 3.]), indices=tensor([1, 2, 0]))
    """
    d = _wrap_dim(dim, input.ndim)
    indices = argsort(input, d, descending, stable=stable)
    return _sort_result(X.SORT(input, indices, dim=d), indices)


def topk(input: Tensor, k: int, dim: int = -1, largest: bool = True, sorted: bool = True) -> Any:
    """The named tuple ``(values, indices)`` of the ``k`` largest (``largest=False``: smallest)
    elements along ``dim``, largest first. Tied values come in the order torch's CPU
    ``topk`` leaves them (``_topk_order.py``), and so does ``sorted=False``."""
    if input.dtype is _dtype.bool:
        raise RuntimeError("topk does not support bool dtypes on CPU")
    d = _wrap_dim(dim, input.ndim)
    size = input.shape[d] if input.ndim else 1
    if not 0 <= k <= size:
        raise RuntimeError("selected index k out of range")
    order = argsort(input, d, largest, stable=True)
    indices = order if input.ndim == 0 else S.NARROW(order, dim=d, start=0, length=k)
    if input.ndim and not _transforms.active:  # ties: the order torch's partial sorts leave
        indices = Tensor._make(_torch_topk_order(input._data, order._data, k, d, largest,
                                                 builtins.bool(sorted)))
    return _topk_result(X.TOPK(input, indices, dim=d), indices)


def _torch_topk_order(data: np.ndarray, order: np.ndarray, k: int, dim: int, largest: bool,
                      sorted: bool) -> np.ndarray:
    """topk's indices along ``dim`` as torch returns them, given the stable sorting ``order``:
    rows without ties keep the sorted order; rows with ties replay torch's selection."""
    rows = np.moveaxis(data, dim, -1).reshape(-1, data.shape[dim])
    orders = np.moveaxis(order, dim, -1).reshape(rows.shape)
    picked = orders[:, :k].copy()
    for r in range(rows.shape[0]):
        picked[r] = topk_indices(rows[r], k, largest, sorted, orders[r])
    shape = np.moveaxis(data, dim, -1).shape[:-1] + (k,)
    return np.moveaxis(picked.reshape(shape), -1, dim)
