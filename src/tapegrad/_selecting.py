"""Public selection by index with torch's signatures: gather, scatter (``reduce=``, ``value=``),
scatter_add, scatter_reduce, index_add, index_copy, index_fill, index_put, index_reduce, put,
take_along_dim, masked_scatter, index_select, argsort, sort and topk (argument checks and
torch's messages; the ops are in ``_ops/selection.py`` and ``_ops/index_scatter.py``).
"""
from __future__ import annotations

import builtins
import warnings
from typing import Any

import numpy as np

from . import _dtype
from ._api import _out, _sort_result, _topk_result
from ._ops import _transforms, selection as X, shape as S
from ._ops import index_scatter as IX
from .autograd import grad_mode
from ._warnings import warn_at_caller
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


_SCATTER_REDUCE_WARNING = ("The reduce argument of torch.scatter with Tensor src is deprecated "
                           "and will be removed in a future PyTorch release. Use "
                           "torch.scatter_reduce instead for more reduction options. (Triggered "
                           "internally at /__w/pytorch/pytorch/aten/src/ATen/native/"
                           "TensorAdvancedIndexing.cpp:225.)")
_warned_scatter_reduce = False


def scatter(input: Tensor, dim: int, index: Tensor, src: Any = None, *, value: Any = None,
            reduce: str | None = None) -> Tensor:
    """A copy of ``input`` with ``src``'s elements (or the number ``value``) written at
    ``index`` along ``dim``: ``out[i][index[i][j]] = src[i][j]`` for ``dim=1``.  The one-hot
    idiom: ``zeros(n, c).scatter_(1, labels.unsqueeze(1), 1.0)``.

    ``reduce='add'`` or ``'multiply'`` combines instead of writing (torch deprecates it for a
    tensor ``src``, with a warning; use ``scatter_reduce``).  That form has no derivative here:
    its result does not require grad (torch's raises at backward).
    """
    if src is None and value is None:
        raise TypeError("scatter() received an invalid combination of arguments - got (int, "
                        "Tensor), but expected one of:\n * (int dim, Tensor index, Tensor src)\n"
                        " * (int dim, Tensor index, Tensor src, *, str reduce)\n"
                        " * (int dim, Tensor index, Number value)\n"
                        " * (int dim, Tensor index, Number value, *, str reduce)\n")
    if src is None:
        src = value
    if reduce is not None:
        return _scatter_legacy_reduce(input, dim, index, src, reduce)
    if not isinstance(src, Tensor):  # a number: written everywhere the index points
        _check_index(index, "scatter", 3, "scatter(): Expected dtype int32/int64 for index")
        d = _wrap_dim(dim, input.ndim)
        _scatter_checks(input, dim, index, None, "scatter")
        return IX.SCATTER_VALUE(input, index, dim=d, value=_number(src, input))
    d = _scatter_checks(input, dim, index, src, "scatter")
    return X.SCATTER(input, index, src, dim=d)


def _number(value: Any, input: Tensor) -> Any:
    value = value.item() if isinstance(value, Tensor) else value
    return np.asarray(value).astype(input.dtype.np)[()]


def _scatter_legacy_reduce(input: Tensor, dim: int, index: Tensor, src: Any,
                           reduce: str) -> Tensor:
    global _warned_scatter_reduce
    if reduce not in ("add", "multiply"):
        raise RuntimeError("reduce argument must be either add or multiply.")
    if isinstance(src, Tensor) and not _warned_scatter_reduce:  # torch warns once
        _warned_scatter_reduce = True
        warnings.warn(_SCATTER_REDUCE_WARNING, UserWarning, stacklevel=3)
    how = "sum" if reduce == "add" else "prod"
    if not isinstance(src, Tensor):
        from tapegrad._creation import full
        src = full(tuple(index.shape), _number(src, input), dtype=input.dtype)
    d = _scatter_checks(input, dim, index, src, "scatter")
    with grad_mode.no_grad():  # torch has no derivative for this form
        return IX.SCATTER_REDUCE(input, index, src, dim=d, reduce=how, include_self=True)


_REDUCTIONS = ("sum", "prod", "mean", "amax", "amin")


def scatter_reduce(input: Tensor, dim: int, index: Tensor, src: Tensor, reduce: str, *,
                   include_self: bool = True) -> Tensor:
    """A copy of ``input`` where each ``src[i][j]`` is combined into
    ``out[index[i][j]][j]`` (``dim=0``) by ``reduce``: ``"sum"``, ``"prod"``, ``"mean"``,
    ``"amax"`` or ``"amin"``; with ``include_self=False`` the input's own values at the places
    written do not take part::

        x = tapegrad.zeros(3)
        x.scatter_reduce(0, tapegrad.tensor([0, 0, 2]), tapegrad.tensor([1., 2., 3.]), "amax")
        # tensor([2., 0., 3.])

    Gradients: an extreme's ties share it evenly, a mean divides by the count, as in torch.
    """
    if reduce not in _REDUCTIONS:
        raise RuntimeError("reduce argument must be either sum, prod, mean, amax or amin, got "
                           f"{reduce}")
    d = _scatter_checks(input, dim, index, src, "scatter_reduce")
    return IX.SCATTER_REDUCE(input, index, src, dim=d, reduce=reduce,
                             include_self=builtins.bool(include_self))


_warned_index_reduce = False


def index_reduce(input: Tensor, dim: int, index: Tensor, source: Tensor, reduce: str, *,
                 include_self: bool = True) -> Tensor:
    """A copy of ``input`` with ``source``'s slices along ``dim`` combined by ``reduce``
    (``"prod"``, ``"mean"``, ``"amax"``, ``"amin"``) into the slices at the 1-D ``index``
    (torch marks it beta, with a warning)."""
    global _warned_index_reduce
    if not _warned_index_reduce:
        _warned_index_reduce = True
        warn_at_caller("index_reduce() is in beta and the API may change at any time. (Triggered "
                       "internally at /__w/pytorch/pytorch/aten/src/ATen/native/"
                       "TensorAdvancedIndexing.cpp:1523.)")
    if reduce not in ("prod", "mean", "amax", "amin"):
        raise RuntimeError("index_reduce(): Expected reduce to be one of prod, mean, amax or "
                           f"amin but got {reduce}.")
    d = _wrap_dim(dim, input.ndim)
    _check_index(index, "index_reduce", 3, "index_reduce_(): Expected dtype int32/int64 for "
                 "index")
    if index.ndim > 1:
        raise IndexError("index_reduce_(): Index is supposed to be a vector")
    if source.dtype != input.dtype:
        raise RuntimeError("index_reduce_(): self and source must have the same scalar type")
    spread = _spread(index, d, source)
    return IX.INDEX_REDUCE(input, spread, source, dim=d if source.ndim else 0, reduce=reduce,
                           include_self=builtins.bool(include_self))


def _spread(index: Tensor, d: int, source: Tensor) -> Tensor:
    """The 1-D ``index`` laid along ``d`` and repeated over ``source``'s other dims (int64)."""
    shape = [1] * builtins.max(source.ndim, 1)
    shape[d if source.ndim else 0] = -1
    spread = S.EXPAND(S.RESHAPE(index, shape=tuple(shape)), shape=tuple(source.shape) or (1,))
    return spread.to(_dtype.int64)


def index_fill(input: Tensor, dim: int, index: Tensor, value: Any) -> Tensor:
    """A copy of ``input`` with the slices along ``dim`` at the 1-D ``index`` set to ``value``
    (a number, or a 0-d tensor that then gets the gradient of every place it fills)::

        tapegrad.zeros(2, 3).index_fill(1, tapegrad.tensor([0, 2]), 5.)
        # tensor([[5., 0., 5.], [5., 0., 5.]])
    """
    d = _wrap_dim(dim, input.ndim)
    if not isinstance(index, Tensor):
        raise TypeError(f"index_fill(): argument 'index' (position 2) must be Tensor, not "
                        f"{type(index).__name__}")
    if index.dtype != _dtype.int64:
        raise IndexError("index_fill_(): Expected dtype int64 for index.")
    if index.ndim > 1:
        raise RuntimeError("Index has to be a vector/scalar")
    if isinstance(value, Tensor):
        if value.ndim:
            raise RuntimeError("index_fill_ only supports a 0-dimensional value tensor, but got "
                               f"tensor with {value.ndim} dimension(s).")
        return IX.INDEX_FILL_TENSOR(input, index, value.to(input.dtype), dim=d)
    return IX.INDEX_FILL(input, index, dim=d, value=_number(value, input))


def index_copy(input: Tensor, dim: int, index: Tensor, source: Tensor) -> Tensor:
    """A copy of ``input`` with ``source``'s slices along ``dim`` written at the positions in
    the 1-D ``index`` (``out[:, index[j]] = source[:, j]`` for ``dim=1``)."""
    d = _wrap_dim(dim, input.ndim)
    if index.dtype != _dtype.int64:
        raise RuntimeError("index_copy_(): Expected a long tensor for index, but got "
                           f"{_dtype.torch_name(index.dtype.np)}")
    if index.ndim > 1:
        raise IndexError("index_copy_(): Index should have dimension 1 or 0 (got "
                         f"{index.ndim})")
    if source.dtype != input.dtype:
        raise RuntimeError("index_copy_(): self and source expected to have the same dtype, but "
                           f"got (self) {_dtype.torch_name(input.dtype.np)} and (source) "
                           f"{_dtype.torch_name(source.dtype.np)}")
    n = index.numel()
    if source.ndim and source.shape[d] != n:
        raise IndexError(f"index_copy_(): Number of indices ({n}) should be equal to "
                         f"source.size(dim) ({source.shape[d]})")
    for k in range(input.ndim):
        if k != d and source.ndim == input.ndim and source.shape[k] != input.shape[k]:
            at = k - (k > d)  # the dimension counted within a slice (dim left out)
            raise RuntimeError("index_copy_(): Source/destination tensor must have same slice "
                               f"shapes. Destination slice shape: {input.shape[k]} at dimension "
                               f"{at} and source slice shape: {source.shape[k]} at dimension "
                               f"{at}.")
    size = input.shape[d] if input.ndim else 1
    bad = [int(i) for i in index._data.reshape(-1) if not 0 <= i < size]
    if bad:
        raise IndexError(f"index_copy_(): index {bad[0]} is out of bounds for dimension {d} "
                         f"with size {size}")
    return IX.INDEX_COPY(input, index, source, dim=d)


def masked_scatter(input: Tensor, mask: Tensor, source: Tensor) -> Tensor:
    """A copy of ``input`` with ``source``'s elements, in order, written where ``mask``
    (broadcast to ``input``) is True::

        tapegrad.zeros(3).masked_scatter(tapegrad.tensor([True, False, True]),
                                         tapegrad.tensor([1., 2.]))
        # tensor([1., 0., 2.])
    """
    if mask.dtype is not _dtype.bool:
        raise RuntimeError("masked_scatter_ only supports boolean masks, but got mask with dtype "
                           f"{_dtype.torch_name(mask.dtype.np)}")
    if source.dtype != input.dtype:
        raise RuntimeError("masked_scatter: expected self and source to have same dtypes but got"
                           f"{_dtype.torch_name(input.dtype.np)} and "
                           f"{_dtype.torch_name(source.dtype.np)}")
    shape = np.broadcast_shapes(tuple(input.shape), tuple(mask.shape))
    if shape != tuple(input.shape):
        input = S.EXPAND(input, shape=shape)
    if int(np.count_nonzero(np.broadcast_to(mask._data, shape))) > source.numel():
        raise RuntimeError("Number of elements of source < number of ones in mask")
    return IX.MASKED_SCATTER(input, mask, source)


def put(input: Tensor, index: Tensor, source: Tensor, accumulate: bool = False) -> Tensor:
    """A copy of ``input``, read as 1-D, with ``source``'s elements written (``accumulate``:
    added) at the flat positions in ``index`` (negative ones count from the end)."""
    if index.dtype != _dtype.int64:
        raise RuntimeError("put_(): Expected a long tensor for index, but got "
                           f"{_dtype.torch_name(index.dtype.np)}")
    if source.dtype != input.dtype:
        raise RuntimeError("put_(): self and source expected to have the same dtype, but got "
                           f"self.dtype = {_dtype.torch_name(input.dtype.np)} and source.dtype = "
                           f"{_dtype.torch_name(source.dtype.np)}")
    if source.numel() != index.numel():
        raise IndexError("put_(): Expected source and index to have the same number of "
                         f"elements, but got source.numel() = {source.numel()}, index.numel() "
                         f"= {index.numel()}")
    return IX.PUT(input, index, source, accumulate=builtins.bool(accumulate))


def take_along_dim(input: Tensor, indices: Tensor, dim: int | None = None) -> Tensor:
    """``input``'s values at ``indices`` along ``dim`` (both broadcast to each other apart
    from ``dim``): what ``argmax``/``argsort`` with ``keepdim`` pick out.  Without ``dim`` both
    are read flattened."""
    if indices.dtype not in (_dtype.int64,):
        raise RuntimeError("torch.take_along_dim(): dtype of indices should be Long but got "
                           f"{_dtype.torch_name(indices.dtype.np)}")
    if dim is None:
        return X.GATHER(S.RESHAPE(input, shape=(-1,)), S.RESHAPE(indices, shape=(-1,)), dim=0)
    if input.ndim != indices.ndim:
        raise RuntimeError("torch.take_along_dim(): input and indices should have the same "
                           f"number of dimensions, but got {input.ndim} dimensions for input, "
                           f"and {indices.ndim} dimensions for indices")
    d = _wrap_dim(dim, input.ndim)
    shape_in, shape_ix = list(input.shape), list(indices.shape)
    shape_in[d] = shape_ix[d] = 1
    common = list(np.broadcast_shapes(tuple(shape_in), tuple(shape_ix)))
    target_in = tuple(input.shape[d] if k == d else s for k, s in enumerate(common))
    target_ix = tuple(indices.shape[d] if k == d else s for k, s in enumerate(common))
    if target_in != tuple(input.shape):
        input = S.EXPAND(input, shape=target_in)
    if target_ix != tuple(indices.shape):
        indices = S.EXPAND(indices, shape=target_ix)
    return X.GATHER(input, indices, dim=d)


def index_put(input: Tensor, indices: Any, values: Tensor, accumulate: bool = False) -> Tensor:
    """A copy of ``input`` with ``values`` written (``accumulate``: added, repeats adding up)
    at ``input[indices]``, ``indices`` a tuple of index tensors (long or bool)."""
    if not isinstance(indices, (tuple, list)):
        raise TypeError("index_put(): argument 'indices' (position 1) must be tuple of Tensors, "
                        f"not {type(indices).__name__}")
    if values.dtype != input.dtype:
        raise RuntimeError("Index put requires the source and destination dtypes match, got "
                           f"{_dtype.torch_name(input.dtype.np)} for the destination and "
                           f"{_dtype.torch_name(values.dtype.np)} for the source.")
    index = tuple(i._data if isinstance(i, Tensor) else np.asarray(i) for i in indices)
    picked = np.broadcast_to(np.empty((), np.int8), tuple(input.shape))[index].shape
    try:
        np.broadcast_shapes(tuple(values.shape), picked)
    except ValueError:
        raise RuntimeError(f"shape mismatch: value tensor of shape {_size_list(values.shape)} "
                           "cannot be broadcast to indexing result of shape "
                           f"{_size_list(picked)}") from None
    if accumulate:
        return IX.INDEX_PUT_ACCUMULATE(input, values, index=index)
    return S.INDEX_PUT_ADVANCED(input, values, index=index)


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


def _scatter_checks(input: Tensor, dim: int, index: Tensor, src: Tensor | None,
                    name: str) -> int:
    _check_index(index, name, 3, "scatter(): Expected dtype int32/int64 for index")
    if src is None:  # a number: only index against input
        src = index
    if src.dtype != input.dtype and src is not index:
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

from ._ops import index_batching as _index_batching  # noqa: E402,F401  (vmap rules of the ops above)
