"""Public reductions with torch's signatures: sum, mean, prod, max/min/median (with indices
along a dim), amax, argmax, all/any, cumsum/cumprod, norm, var/std, logsumexp, softmax.

Like ``_api.py``, these normalise and check arguments (``dim`` becomes a tuple of non-negative
ints or None), refuse or promote dtypes as torch does, then pick the op torch would record.
"""
from __future__ import annotations

import builtins
from typing import Any

import numpy as np

from . import _dtype
from ._api import (_accepts_numpy_names, _check_tensor, _dims, _kthvalue_result, _max_result,
                   _median_result, _min_result)
from ._ops import elementwise as E, reduction as R
from ._tensor import Tensor, _wrap_dim


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
    if input.ndim == 0:  # its one element (recorded as the median of everything)
        return _median_result(R.MEDIAN(input, dim=None, keepdim=False),
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
    """Vector 2-norm (default, also 'fro'); other ``p`` are built from abs/pow/sum."""
    if input.dtype.np.kind not in "fc" and dtype is None:
        raise RuntimeError("linalg.vector_norm: Expected a floating point or complex tensor as "
                           f"input. Got {_dtype.torch_name(input.dtype.np)}")
    if dtype is not None:
        input = input.to(dtype)
    dims = _dims(dim, input.ndim)
    if p in ("fro", 2, 2.0, None):
        return R.NORM(input, dim=dims, keepdim=keepdim)
    magnitude = E.ABS(input)
    if p in (float("inf"), float("-inf")):  # the largest (smallest) magnitude
        pick = amax if p > 0 else amin
        return pick(magnitude, dim=dims if dims else (), keepdim=keepdim)
    if p == 0:  # the number of nonzero entries, as a float
        nonzero = (magnitude != 0).to(magnitude.dtype)
        return sum(nonzero, dim=dims, keepdim=keepdim) if dims else sum(nonzero)
    total = sum(magnitude ** p, dim=dims, keepdim=keepdim) if dims else sum(magnitude ** p)
    return total ** (1.0 / p)


def _spread(op: Any, input: Tensor, dim: Any, unbiased: Any, keepdim: bool,
            correction: Any) -> Tensor:
    """var/std: torch also takes ``unbiased`` as the second positional argument."""
    if input.dtype.np.kind not in "fc":
        raise RuntimeError("std and var only support floating point and complex dtypes")
    if isinstance(dim, builtins.bool):
        unbiased, dim = dim, None
    if correction is None:
        correction = 1 if unbiased is None or unbiased else 0
    return op(input, dim=_dims(dim, input.ndim), keepdim=keepdim, correction=correction)


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
