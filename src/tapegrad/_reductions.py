"""Public reductions with torch's signatures: sum, mean, prod, max/min/median (with indices
along a dim), amax, argmax, all/any, cumsum/cumprod, norm, var/std, logsumexp, softmax; and the
scans and statistics of issue 14: cummax/cummin, logcumsumexp, std_mean/var_mean, aminmax,
nansum/nanmean/nanmedian, mode, dist, renorm, pdist, histc/histogram/histogramdd.

Like ``_api.py``, these normalise and check arguments (``dim`` becomes a tuple of non-negative
ints or None; a repeated dim is refused), refuse or promote dtypes as torch does, then pick the
op torch would record.  A 0-d tensor may be reduced over dim 0 or -1, as in torch.
"""
from __future__ import annotations

import builtins
from typing import Any

import numpy as np

from . import _dtype
from ._api import (_accepts_numpy_names, _check_tensor, _dims as _api_dims, _kthvalue_result,
                   _max_result, _median_result, _min_result, _return_type)
from ._ops import elementwise as E, reduction as R, scan_ops as SC, stat_ops as ST
from ._tensor import Tensor, _wrap_dim
from ._warnings import warn_at_caller


def _dims(dim: Any, ndim: int) -> tuple | None:
    """``dim`` as a sorted tuple of non-negative ints (None: all), refusing repeats as torch."""
    dims = _api_dims(dim, ndim)
    if dims is not None:
        for a, b in zip(dims, dims[1:]):
            if a == b:
                raise RuntimeError(f"dim {a} appears multiple times in the list of dims")
    return dims


# -- reductions ----------------------------------------------------------------------------------
def _reduce(whole: Any, along: Any, input: Tensor, dim: Any, keepdim: bool, dtype: Any) -> Tensor:
    """Pick the op torch records: one for a full reduction (``...Backward0``), one along dims."""
    if dtype is not None:
        input = input.to(dtype)
    dims = _dims(dim, input.ndim)
    if dims is None:
        return whole(input, dim=None, keepdim=False)
    return along(input, dim=dims, keepdim=keepdim)


@_accepts_numpy_names
def sum(input: Tensor, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:
    """Sum of all elements, or over ``dim`` (int or tuple)."""
    _check_tensor(input, "sum")
    return _reduce(R.SUM, R.SUM_DIM, input, dim, keepdim, dtype)


@_accepts_numpy_names
def mean(input: Tensor, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:
    """Arithmetic mean of all elements, or over ``dim``."""
    return _reduce(R.MEAN, R.MEAN_DIM, input, dim, keepdim, dtype)


@_accepts_numpy_names
def prod(input: Tensor, dim: int | None = None, keepdim: bool = False, *,
         dtype: Any = None) -> Tensor:
    """Product of all elements, or along one ``dim``."""
    if dtype is not None:
        input = input.to(dtype)
    if dim is None:
        return R.PROD(input, dim=None, keepdim=False)
    return R.PROD_DIM(input, dim=_dims(dim, input.ndim), keepdim=keepdim)


def _extreme(input: Tensor, dim: Any, keepdim: bool, full, along, arg, result_type) -> Any:
    if isinstance(dim, Tensor):  # torch.max(a, b) is maximum
        return (E.MAXIMUM if full is R.MAX else E.MINIMUM)(input, dim)
    if dim is None:
        if input.numel() == 0:
            raise RuntimeError(f"{full.name}(): Expected reduction dim to be specified for "
                               "input.numel() == 0. Specify the reduction dim with the 'dim' "
                               "argument.")
        return full(input, dim=None, keepdim=False)
    d = _wrap_dim(dim, input.ndim)
    if input.ndim and input.shape[d] == 0:
        raise IndexError(f"{full.name}(): Expected reduction dim {d} to have non-zero size.")
    if input.__class__ is not Tensor:  # batched (vmap): the batching rule finds the indices
        values = along(input, dim=(d,), keepdim=keepdim, indices=None)
        index_op = R.ARGMAX if full is R.MAX else R.ARGMIN
        return result_type(values, index_op(input, dim=d, keepdim=keepdim))
    indices = arg(input._data, axis=d, keepdims=keepdim).astype(np.int64, copy=False)
    values = along(input, dim=(d,), keepdim=keepdim, indices=indices)
    return result_type(values, Tensor._make(indices))


@_accepts_numpy_names
def max(input: Tensor, dim: Any = None, keepdim: bool = False) -> Any:
    """Largest element; with ``dim``, the named tuple ``(values, indices)`` along it."""
    return _extreme(input, dim, keepdim, R.MAX, R.MAX_DIM, np.ndarray.argmax, _max_result)


@_accepts_numpy_names
def min(input: Tensor, dim: Any = None, keepdim: bool = False) -> Any:
    """Smallest element; with ``dim``, the named tuple ``(values, indices)`` along it."""
    return _extreme(input, dim, keepdim, R.MIN, R.MIN_DIM, np.ndarray.argmin, _min_result)


@_accepts_numpy_names
def median(input: Tensor, dim: Any = None, keepdim: bool = False) -> Any:
    """The lower median of all elements; with ``dim``, the named tuple ``(values, indices)``
    along it.  NaN wherever the values include one."""
    if input.dtype is _dtype.bool:  # (torch's kernels, by their names)
        kernel = "median_cpu" if dim is None else "median_out"
        raise NotImplementedError(f'"{kernel}" not implemented for \'Bool\'')
    if dim is None:
        return R.MEDIAN(input, dim=None, keepdim=False)
    d = _wrap_dim(dim, input.ndim)
    if input.ndim and input.shape[d] == 0:
        raise IndexError(f"median(): Expected reduction dim {d} to have non-zero size.")
    if input.__class__ is not Tensor:  # batched (vmap): the batching rule finds the indices
        return _median_result(R.MEDIAN_DIM(input, dim=(d,), keepdim=keepdim, indices=None),
                              R.MEDIAN_INDEX(input, dim=d, keepdim=keepdim))
    if input.ndim == 0:  # its one element
        return _median_result(R.MEDIAN_DIM(input, dim=(0,), keepdim=keepdim, indices=None),
                              Tensor._make(np.zeros((), np.int64)))
    indices = R.median_index(input._data, d)
    if not keepdim:
        indices = np.squeeze(indices, d)
    values = R.MEDIAN_DIM(input, dim=(d,), keepdim=keepdim, indices=indices)
    return _median_result(values, Tensor._make(indices))


@_accepts_numpy_names
def kthvalue(input: Tensor, k: int, dim: int = -1, keepdim: bool = False) -> Any:
    """The named tuple ``(values, indices)`` of the ``k``-th smallest elements along ``dim``."""
    d = _wrap_dim(dim, input.ndim)
    size = input.shape[d] if input.ndim else 1
    if not 1 <= k <= size:
        raise RuntimeError(f"kthvalue(): selected number k out of range for dimension {d}")
    if input.ndim == 0:
        return _kthvalue_result(R.MEDIAN(input, dim=None, keepdim=False),
                                Tensor._make(np.zeros((), np.int64)))
    if input.__class__ is not Tensor:  # batched (vmap): the batching rule finds the indices
        return _kthvalue_result(R.KTHVALUE(input, dim=(d,), keepdim=keepdim, indices=None, k=k),
                                R.KTHVALUE_INDEX(input, k=k, dim=d, keepdim=keepdim))
    indices = R.kth_index(input._data, k, d)
    if not keepdim:
        indices = np.squeeze(indices, d)
    values = R.KTHVALUE(input, dim=(d,), keepdim=keepdim, indices=indices, k=k)
    return _kthvalue_result(values, Tensor._make(indices))


@_accepts_numpy_names
def amax(input: Tensor, dim: Any = (), keepdim: bool = False) -> Tensor:
    """Largest value over ``dim`` (an int or tuple; all dimensions by default).

    Unlike ``max(input, dim)`` it returns values only, and a gradient is shared evenly among
    tied maxima::

        tapegrad.amax(tapegrad.tensor([[1., 5.], [7., 2.]]), dim=1)   # tensor([5., 7.])
    """
    dims = None if dim == () else _dims(dim, input.ndim)
    return R.AMAX(input, dim=dims, keepdim=keepdim)


@_accepts_numpy_names
def amin(input: Tensor, dim: Any = (), keepdim: bool = False) -> Tensor:
    """Smallest value over ``dim`` (an int or tuple; all dimensions by default).

    Values only (no indices); a gradient is shared evenly among tied minima.
    """
    dims = None if dim == () else _dims(dim, input.ndim)
    return R.AMIN(input, dim=dims, keepdim=keepdim)


@_accepts_numpy_names
def argmax(input: Tensor, dim: int | None = None, keepdim: bool = False) -> Tensor:
    """Index of the largest element (of the flattened tensor when ``dim`` is None)."""
    _refuse_bool(input, "argmax")
    return R.ARGMAX(input, dim=None if dim is None else _wrap_dim(dim, input.ndim), keepdim=keepdim)


@_accepts_numpy_names
def argmin(input: Tensor, dim: int | None = None, keepdim: bool = False) -> Tensor:
    """Index of the smallest element (of the flattened tensor when ``dim`` is None)."""
    _refuse_bool(input, "argmin")
    return R.ARGMIN(input, dim=None if dim is None else _wrap_dim(dim, input.ndim), keepdim=keepdim)


def _refuse_bool(input: Tensor, fn: str) -> None:
    if input.dtype is _dtype.bool:
        raise RuntimeError(f"{fn}(): does not support bool input")


@_accepts_numpy_names
def all(input: Tensor, dim: Any = None, keepdim: bool = False) -> Tensor:
    """Whether every element (along ``dim``: int or tuple) is nonzero; a bool tensor (uint8
    for uint8 input, as in torch)."""
    return R.ALL(input, dim=_dims(dim, input.ndim), keepdim=keepdim)


@_accepts_numpy_names
def any(input: Tensor, dim: Any = None, keepdim: bool = False) -> Tensor:
    """Whether some element (along ``dim``: int or tuple) is nonzero."""
    return R.ANY(input, dim=_dims(dim, input.ndim), keepdim=keepdim)


def count_nonzero(input: Tensor, dim: Any = None) -> Tensor:
    """The number of nonzero elements (along ``dim``: int or tuple), as int64."""
    return R.COUNT_NONZERO(input, dim=_dims(dim, input.ndim))


@_accepts_numpy_names
def cumsum(input: Tensor, dim: int, *, dtype: Any = None) -> Tensor:
    """Running sum along ``dim``."""
    return _cumulative(R.CUMSUM, input, dim, dtype)


@_accepts_numpy_names
def cumprod(input: Tensor, dim: int, *, dtype: Any = None) -> Tensor:
    """Running product along ``dim`` (its gradient is exact where the input has zeros)."""
    return _cumulative(R.CUMPROD, input, dim, dtype)


def _cumulative(op: Any, input: Tensor, dim: int, dtype: Any) -> Tensor:
    """cumsum/cumprod: integers accumulate in int64 unless ``dtype`` names the result's dtype."""
    if dtype is not None:
        if _dtype.to_numpy_dtype(dtype).kind == "b":
            raise NotImplementedError(f'"{op.name}_out_cpu" not implemented for \'Bool\'')
        input = input.to(dtype)
    out = op(input, dim=_wrap_dim(dim, input.ndim))
    return out if dtype is None or out.dtype is input.dtype else out.to(dtype)


@_accepts_numpy_names
def norm(input: Tensor, p: Any = "fro", dim: Any = None, keepdim: bool = False,
         dtype: Any = None) -> Tensor:
    """Vector ``p``-norm over ``dim`` (2 by default, also 'fro'; any other number, inf and 0
    included); one ``LinalgVectorNormBackward0`` node, as in torch."""
    if input.dtype.np.kind not in "fc" and dtype is None:
        raise RuntimeError("linalg.vector_norm: Expected a floating point or complex tensor as "
                           f"input. Got {_dtype.torch_name(input.dtype.np)}")
    if dtype is not None:
        input = input.to(dtype)
    dims = _dims(dim, input.ndim)
    if p in ("fro", 2, 2.0, None):
        return R.NORM(input, dim=dims, keepdim=keepdim)
    return ST.NORM_P(input, dim=dims, keepdim=keepdim, p=float(p))


def _spread_arguments(name: str, input: Tensor, dim: Any, unbiased: Any,
                      correction: Any) -> tuple:
    """The dims and correction of var/std/var_mean/std_mean (torch also takes ``unbiased`` as
    the second positional argument), with torch's warning when no degree of freedom is left."""
    if isinstance(dim, builtins.bool):
        unbiased, dim = dim, None
    if correction is None:
        correction = 1 if unbiased is None or unbiased else 0
    dims = _dims(dim, input.ndim)
    count = 1
    for i, size in enumerate(input.shape):
        count *= size if dims is None or i in dims else 1
    if count - correction <= 0:
        warn_at_caller(f"{name}(): degrees of freedom is <= 0. Correction should be strictly "
                       "less than the reduction factor (input numel divided by output numel). "
                       "(Triggered internally at /__w/pytorch/pytorch/aten/src/ATen/native/"
                       "ReduceOps.cpp:1861.)")
    return dims, correction


def _spread(op: Any, input: Tensor, dim: Any, unbiased: Any, keepdim: bool,
            correction: Any) -> Tensor:
    """var/std."""
    if input.dtype.np.kind not in "fc":
        raise RuntimeError("std and var only support floating point and complex dtypes")
    dims, correction = _spread_arguments(op.name, input, dim, unbiased, correction)
    return op(input, dim=dims, keepdim=keepdim, correction=correction)


@_accepts_numpy_names
def var(input: Tensor, dim: Any = None, unbiased: Any = None, keepdim: bool = False, *,
        correction: Any = None) -> Tensor:
    """Variance (Bessel-corrected unless ``correction=0`` / ``unbiased=False``)."""
    return _spread(R.VAR, input, dim, unbiased, keepdim, correction)


@_accepts_numpy_names
def std(input: Tensor, dim: Any = None, unbiased: Any = None, keepdim: bool = False, *,
        correction: Any = None) -> Tensor:
    """Standard deviation (Bessel-corrected by default)."""
    return _spread(R.STD, input, dim, unbiased, keepdim, correction)


@_accepts_numpy_names
def logsumexp(input: Tensor, dim: Any, keepdim: bool = False) -> Tensor:
    """``log(sum(exp(input)))`` over ``dim``, computed without overflow."""
    if input.dtype.np.kind not in "fc":  # integers and bools: the default float, as in torch
        input = input.to(_dtype.get_default_dtype())
    return R.LOGSUMEXP(input, dim=_dims(dim, input.ndim), keepdim=keepdim)


@_accepts_numpy_names
def softmax(input: Tensor, dim: int, dtype: Any = None) -> Tensor:
    """``exp(x) / sum(exp(x))`` along ``dim``."""
    return _normalised(R.SOFTMAX, "softmax", input, dim, dtype)


@_accepts_numpy_names
def log_softmax(input: Tensor, dim: int, dtype: Any = None) -> Tensor:
    """``log(softmax(x))`` along ``dim``, computed stably."""
    return _normalised(R.LOG_SOFTMAX, "log_softmax", input, dim, dtype)


def _normalised(op: Any, kernel: str, input: Tensor, dim: int, dtype: Any) -> Tensor:
    if dtype is not None:
        input = input.to(dtype)
    _refuse_integers(input, dim, kernel)
    return op(input, dim=_wrap_dim(dim, input.ndim))


def _refuse_integers(input: Tensor, dim: int, kernel: str) -> None:
    """torch's CPU softmax kernels exist for floating dtypes only."""
    if input.dtype.np.kind not in "fc":
        last = input.ndim == 0 or _wrap_dim(dim, input.ndim) == input.ndim - 1
        raise NotImplementedError(f'"{kernel}_{"lastdim_" if last else ""}kernel_impl" not '
                                  f"implemented for '{_dtype.torch_name(input.dtype.np)}'")


# -- scans and statistics of issue 14 ------------------------------------------------------------
_cummax_result = _return_type("cummax")
_cummin_result = _return_type("cummin")
_aminmax_result = _return_type("aminmax", ("min", "max"))
_nanmedian_result = _return_type("nanmedian")
_mode_result = _return_type("mode")
_histogram_result = _return_type("histogram", ("hist", "bin_edges"))


def _running(values_op: Any, index_op: Any, result: Any, input: Tensor, dim: int) -> Any:
    d = _wrap_dim(dim, input.ndim)
    return result(values_op(input, dim=d), index_op(input, dim=d))


def cummax(input: Tensor, dim: int) -> Any:
    """The named tuple ``(values, indices)`` of the running maximum along ``dim``; an index
    moves on at an equal value, and NaN, once seen, stays the maximum::

        tapegrad.cummax(tapegrad.tensor([1., 3., 2.]), 0).values   # tensor([1., 3., 3.])
    """
    return _running(SC.CUMMAX, SC.CUMMAX_INDEX, _cummax_result, input, dim)


def cummin(input: Tensor, dim: int) -> Any:
    """The named tuple ``(values, indices)`` of the running minimum along ``dim``."""
    return _running(SC.CUMMIN, SC.CUMMIN_INDEX, _cummin_result, input, dim)


def logcumsumexp(input: Tensor, dim: int) -> Tensor:
    """``log(cumsum(exp(input)))`` along ``dim``, without overflow (floating dtypes only)."""
    if input.dtype.np.kind not in "fc":
        raise NotImplementedError('"logcumsumexp_out_cpu" not implemented for '
                                  f"'{_dtype.torch_name(input.dtype.np)}'")
    return SC.LOGCUMSUMEXP(input, dim=_wrap_dim(dim, input.ndim))


def _spread_mean(op: Any, name: str, input: Tensor, dim: Any, unbiased: Any, keepdim: bool,
                 correction: Any) -> tuple:
    """std_mean/var_mean: the same arguments as std/var, both results from one node."""
    if input.dtype.np.kind not in "fc":
        raise RuntimeError(f"{name} only support floating point and complex dtypes")
    dims, correction = _spread_arguments(name, input, dim, unbiased, correction)
    return tuple(op(input, dim=dims, keepdim=keepdim, correction=correction))


@_accepts_numpy_names
def std_mean(input: Tensor, dim: Any = None, unbiased: Any = None, keepdim: bool = False, *,
             correction: Any = None) -> tuple:
    """``(std, mean)`` over ``dim`` (std Bessel-corrected by default), from one node."""
    return _spread_mean(ST.STD_MEAN, "std_mean", input, dim, unbiased, keepdim, correction)


@_accepts_numpy_names
def var_mean(input: Tensor, dim: Any = None, unbiased: Any = None, keepdim: bool = False, *,
             correction: Any = None) -> tuple:
    """``(var, mean)`` over ``dim`` (var Bessel-corrected by default), from one node."""
    return _spread_mean(ST.VAR_MEAN, "var_mean", input, dim, unbiased, keepdim, correction)


def aminmax(input: Tensor, *, dim: int | None = None, keepdim: bool = False) -> Any:
    """The named tuple ``(min, max)``, over everything or along ``dim``."""
    if input.numel() == 0:
        raise RuntimeError("aminmax(): cannot compute aminmax over an empty dimension as the "
                           "operation has no identity.")
    dims = None if dim is None else (_wrap_dim(dim, input.ndim),)
    return _aminmax_result(*ST.AMINMAX(input, dim=dims, keepdim=keepdim))


@_accepts_numpy_names
def nansum(input: Tensor, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:
    """Sum treating NaN as zero (NaNs get no gradient)."""
    if dtype is not None:
        input = input.to(dtype)
    return ST.NANSUM(input, dim=_dims(dim, input.ndim), keepdim=keepdim)


@_accepts_numpy_names
def nanmean(input: Tensor, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:
    """Mean of the non-NaN elements (``nansum / count``, recorded as a division as in torch)."""
    if dtype is not None:
        input = input.to(dtype)
    if input.dtype.np.kind not in "fc":
        raise RuntimeError("nanmean(): expected input to have floating point or complex dtype "
                           f"but got {_dtype.torch_name(input.dtype.np)}")
    dims = _dims(dim, input.ndim)
    count = R.SUM_DIM((~E.ISNAN(input)).to(input.dtype), dim=dims, keepdim=keepdim)
    return ST.NANSUM(input, dim=dims, keepdim=keepdim) / count


@_accepts_numpy_names
def nanmedian(input: Tensor, dim: Any = None, keepdim: bool = False) -> Any:
    """The lower median ignoring NaNs (NaN only where every value is NaN); with ``dim``, the
    named tuple ``(values, indices)``."""
    if dim is None:
        return ST.NANMEDIAN(input, dim=None, keepdim=False)
    d = _wrap_dim(dim, input.ndim)
    if input.ndim and input.shape[d] == 0:
        raise IndexError(f"nanmedian(): Expected reduction dim {d} to have non-zero size.")
    return _nanmedian_result(ST.NANMEDIAN_DIM(input, dim=d, keepdim=keepdim),
                             ST.NANMEDIAN_INDEX(input, dim=d, keepdim=keepdim))


@_accepts_numpy_names
def mode(input: Tensor, dim: int = -1, keepdim: bool = False) -> Any:
    """The named tuple ``(values, indices)`` of the most frequent value along ``dim`` (the
    smallest of equally frequent ones, at its last position)."""
    d = _wrap_dim(dim, input.ndim)
    return _mode_result(ST.MODE(input, dim=d, keepdim=keepdim),
                        ST.MODE_INDEX(input, dim=d, keepdim=keepdim))


def dist(input: Tensor, other: Tensor, p: Any = 2) -> Tensor:
    """The ``p``-norm of ``input - other`` (broadcast), as a 0-d tensor."""
    return ST.DIST(input, other, p=float(p))


def histc(input: Tensor, bins: int = 100, min: Any = 0, max: Any = 0) -> Tensor:
    """Counts of ``input`` in ``bins`` equal bins over ``[min, max]`` (the data's range when both
    are 0); values outside are ignored.  Not differentiable."""
    if input.dtype.np.kind not in "f":
        raise NotImplementedError(f'"histogram_cpu" not implemented for '
                                  f"'{_dtype.torch_name(input.dtype.np)}'")
    if bins <= 0:
        raise RuntimeError(f"torch.histc: bins must be > 0, but got {bins} for dimension 0")
    data = input.detach().numpy().reshape(-1)
    lo, hi = float(min), float(max)
    if lo == hi and data.size:
        lo, hi = float(data.min()), float(data.max())
    if lo == hi:
        lo, hi = lo - 1, hi + 1
    if lo > hi:
        raise RuntimeError("torch.histc: max must be larger than min")
    counts, _ = np.histogram(data, bins=bins, range=(lo, hi))
    return Tensor._make(counts.astype(input.dtype.np))


def histogram(input: Tensor, bins: Any = 100, *, range: Any = None, weight: Tensor | None = None,
              density: bool = False) -> Any:
    """The named tuple ``(hist, bin_edges)``: ``bins`` equal bins over ``range`` (the data's
    range by default) or the given edges.  Not differentiable."""
    data = input.detach().numpy().reshape(-1)
    edges = bins.detach().numpy() if isinstance(bins, Tensor) else bins
    w = None if weight is None else weight.detach().numpy().reshape(-1)
    if input.dtype.np.kind != "f":
        raise NotImplementedError(f'"histogram_cpu" not implemented for '
                                  f"'{_dtype.torch_name(input.dtype.np)}'")
    hist, bin_edges = np.histogram(data, bins=edges, range=range, weights=w, density=density)
    dt = input.dtype.np
    return _histogram_result(Tensor._make(hist.astype(dt)), Tensor._make(bin_edges.astype(dt)))


def renorm(input: Tensor, p: Any, dim: int, maxnorm: Any) -> Tensor:
    """Each slice ``input.select(dim, i)`` whose ``p``-norm exceeds ``maxnorm``, scaled down to
    norm ``maxnorm`` (the others unchanged)::

        tapegrad.ones(2, 3).renorm(2, 0, 1.0)   # each row scaled to norm 1
    """
    if p <= 0:
        raise RuntimeError("renorm: non-positive-norm not supported")
    if maxnorm < 0:
        raise RuntimeError(f"renorm: expected maxnorm to be >= 0 but got {float(maxnorm):g}")
    if input.ndim <= 1:
        raise RuntimeError(f"renorm: input needs at least 2 dimensions, got {input.ndim} "
                           "dimensions")
    return ST.RENORM(input, p=float(p), dim=_wrap_dim(dim, input.ndim), maxnorm=float(maxnorm))


def pdist(input: Tensor, p: Any = 2) -> Tensor:
    """The ``p``-norm distance between each pair of rows ``i < j`` of a 2-D tensor, in the
    order of ``itertools.combinations`` (``N * (N - 1) / 2`` values)."""
    if input.ndim != 2:
        raise RuntimeError(f"pdist only supports 2D tensors, got: {input.ndim}D")
    if p < 0:
        raise RuntimeError("pdist only supports non-negative p values")
    return ST.PDIST(input, p=float(p))


_histogramdd_result = _return_type("histogramdd", ("hist", "bin_edges"))


def histogramdd(input: Tensor, bins: Any = 10, *, range: Any = None,
                weight: Tensor | None = None, density: bool = False) -> Any:
    """The named tuple ``(hist, bin_edges)`` of the points in the rows of ``input`` (its last
    dim is the point's coordinates): ``bins`` per dim (an int, one int per dim, or each dim's
    edges as tensors), over ``range`` (a flat list of (min, max) pairs; the data's by default).
    Not differentiable."""
    if input.dtype.np.kind != "f":
        raise NotImplementedError(f'"histogramdd" not implemented for '
                                  f"'{_dtype.torch_name(input.dtype.np)}'")
    data = input.detach().numpy()
    dims = data.shape[-1] if data.ndim else 1
    points = data.reshape(-1, dims)
    if isinstance(bins, (list, tuple)) and bins and isinstance(bins[0], Tensor):
        edges: Any = [b.detach().numpy() for b in bins]
    else:
        edges = bins
    pairs = None if range is None else [tuple(range[2 * k:2 * k + 2]) for k in builtins.range(
        dims)]
    w = None if weight is None else weight.detach().numpy().reshape(-1)
    hist, bin_edges = np.histogramdd(points, bins=edges, range=pairs, weights=w,
                                     density=density)
    dt = input.dtype.np
    return _histogramdd_result(Tensor._make(hist.astype(dt)),
                               tuple(Tensor._make(e.astype(dt)) for e in bin_edges))
