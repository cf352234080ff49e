"""Reductions and normalisations: sum, mean, prod, max/min, var/std, norm, logsumexp, softmax.

``dim`` arrives here already normalised by the public wrappers (``_reductions.py``): ``None`` for all
dimensions, else a tuple of non-negative ints.  Gradients are sent back by re-inserting the
reduced dimensions (``_unreduce``) and broadcasting.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .elementwise import exp, where
from ._registry import _param_names, _with_params, general, lift, linear, nondifferentiable, raw
from .elementwise import ABS, EQ as eq, ISNAN as isnan
from .shape import expand, flip, reshape, transpose


def _kept_shape(input_shape: tuple, dim: tuple | None) -> tuple:
    if dim is None:
        return (1,) * len(input_shape)
    return tuple(1 if i in dim else s for i, s in enumerate(input_shape))


def _unreduce(g: Any, input_shape: tuple, dim: tuple | None, keepdim: bool) -> Any:
    """Broadcast a reduced gradient back to the input's shape."""
    if g.__class__ is np.ndarray or isinstance(g, np.generic):  # an ordinary backward (a
        # NumPy scalar when a 0-d gradient was divided): NumPy directly, no op dispatch.  A
        # filled array rather than a broadcast view: the next rule or the leaf's .grad would
        # allocate one anyway, and np.broadcast_to costs microseconds of Python.
        out = np.empty(input_shape, g.dtype)
        out[...] = g if keepdim or dim is None else g.reshape(_kept_shape(input_shape, dim))
        return out
    if not keepdim:
        g = reshape(g, shape=_kept_shape(input_shape, dim))
    return expand(g, shape=tuple(input_shape))


def _kept(x: Any, input_shape: tuple, dim: tuple | None, keepdim: bool) -> Any:
    """A reduced value (e.g. the result) reshaped so it broadcasts against the input."""
    return x if keepdim else reshape(x, shape=_kept_shape(input_shape, dim))


def _count(input_shape: tuple, dim: tuple | None) -> int:
    n = 1
    for i, s in enumerate(input_shape):
        if dim is None or i in dim:
            n *= s
    return n


def _reduced_shape(input_shape: tuple, dim: tuple | None, keepdim: bool) -> tuple:
    if keepdim:
        return _kept_shape(input_shape, dim)
    return () if dim is None else tuple(s for i, s in enumerate(input_shape) if i not in dim)


def _jvp_from_vjp(vjp: Any) -> Any:
    """Forward rule of a reduction in which each input element feeds one output element.

    The VJP of a gradient of ones is then exactly d(out)/d(x_i) at every input position, so the
    tangent is the sum over each reduced group of ``t_i * d(out)/d(x_i)``.  One rule, both modes.
    """
    names = _param_names(vjp)[1:]

    def jvp(tangents: list, *values: Any) -> Any:
        env = dict(zip(names, values))
        t = tangents[0]
        dim, keepdim = env["dim"], env["keepdim"]
        ones = lift(t, np.ones(_reduced_shape(env["input_shape"], dim, keepdim), raw(t).dtype))
        return SUM_DIM(t * vjp(ones, *values), dim=dim, keepdim=keepdim)

    return _with_params(jvp, ["tangents", *names])


def reduction(name: str, forward: Any, grad_fn: str, vjp: Any, **kw: Any) -> Any:
    """A reduction declared by its VJP; its JVP is derived (see ``_jvp_from_vjp``)."""
    return general(name, forward, grad_fn, vjp_input=vjp, jvp=_jvp_from_vjp(vjp), **kw)


def _axes(a: np.ndarray, dim: tuple | None) -> tuple | None:
    """NumPy's ``axis`` for ``dim``: a 0-d tensor reduced over dim 0 (or -1, which torch allows)
    is reduced over everything, which for one element is itself."""
    return None if a.ndim == 0 else dim


def _np_sum(a: np.ndarray, dim: tuple | None, keepdim: bool) -> np.ndarray:
    dim = _axes(a, dim)
    if a.dtype.kind in "fc":  # np.sum's own step, without its Python-level wrapper
        return np.add.reduce(a, axis=dim, keepdims=keepdim)
    out = np.sum(a, axis=dim, keepdims=keepdim)
    return out.astype(np.int64) if a.dtype.kind in "biu" else out


SUM = linear("sum", _np_sum, "SumBackward0",
             lambda g, input_shape, dim, keepdim: _unreduce(g, input_shape, dim, keepdim),
             params=("dim", "keepdim"))
SUM_DIM = linear("sum_dim", _np_sum, "SumBackward1",
                 lambda g, input_shape, dim, keepdim: _unreduce(g, input_shape, dim, keepdim),
                 params=("dim", "keepdim"))


def _mean_vjp(g: Any, input_shape: tuple, dim: tuple | None, keepdim: bool) -> Any:
    return _unreduce(g / _count(input_shape, dim), input_shape, dim, keepdim)


def _np_mean(a: np.ndarray, dim: tuple | None, keepdim: bool) -> np.ndarray:
    dim = _axes(a, dim)
    if a.dtype.kind not in "fc":
        raise RuntimeError("mean(): could not infer output dtype. Input dtype must be either a "
                           f"floating point or complex dtype. Got: {_torch_name(a.dtype)}")
    if a.dtype.kind == "f" and a.dtype.itemsize >= 4:  # np.mean's own steps, without its
        # Python-level wrapper (half precision keeps np.mean: it sums in float32)
        return np.add.reduce(a, axis=dim, keepdims=keepdim) / _count(a.shape, dim)
    return np.mean(a, axis=dim, keepdims=keepdim)


MEAN = linear("mean", _np_mean, "MeanBackward0", _mean_vjp, params=("dim", "keepdim"))
MEAN_DIM = linear("mean_dim", _np_mean, "MeanBackward1", _mean_vjp, params=("dim", "keepdim"))


def _prod_vjp(g: Any, input: Any, result: Any, input_shape: tuple, dim: tuple | None,
              keepdim: bool) -> Any:
    # d(prod)/dx_i is the product of the other elements: result / x_i when no element is zero
    # (differentiable again); with zeros it is computed directly, as a constant.
    data = raw(input)
    if np.all(data != 0):
        others = _kept(result, input_shape, dim, keepdim) / input
    else:
        others = lift(input, _prod_of_others(data, dim))
    return _unreduce(g, input_shape, dim, keepdim) * others


def _prod_of_others(a: np.ndarray, dim: tuple | None) -> np.ndarray:
    axis = None if dim is None or a.ndim == 0 else dim[0]
    flat = a.reshape(-1) if axis is None else np.moveaxis(a, axis, -1)
    ones = np.ones(flat.shape[:-1] + (1,), dtype=a.dtype)
    left = np.cumprod(np.concatenate([ones, flat[..., :-1]], axis=-1), axis=-1)
    right = np.flip(np.cumprod(np.flip(np.concatenate([flat[..., 1:], ones], axis=-1), -1), -1), -1)
    out = left * right
    return out.reshape(a.shape) if axis is None else np.moveaxis(out, -1, axis)


def _np_prod(a: np.ndarray, dim: tuple | None, keepdim: bool) -> np.ndarray:
    out = np.prod(a, axis=_axes(a, dim), keepdims=keepdim)
    return out.astype(np.int64) if a.dtype.kind in "biu" else out


PROD = reduction("prod", _np_prod, "ProdBackward0", _prod_vjp)
PROD_DIM = reduction("prod_dim", _np_prod, "ProdBackward1", _prod_vjp)


# max/min over everything: the gradient is shared evenly between tied maxima (torch's rule).
def _even_vjp(g: Any, input: Any, result: Any, input_shape: tuple, dim: tuple | None,
              keepdim: bool) -> Any:
    kept = _kept(result, input_shape, dim, keepdim)
    ties = (eq(input, kept) | (isnan(input) & isnan(kept))) * 1.0  # a NaN result: the NaNs
    share = ties / SUM_DIM(ties, dim=dim, keepdim=True)
    return _unreduce(g, input_shape, dim, keepdim) * share


MAX = reduction("max", lambda a, dim, keepdim: np.max(a, axis=_axes(a, dim), keepdims=keepdim),
                "MaxBackward1", _even_vjp)
MIN = reduction("min", lambda a, dim, keepdim: np.min(a, axis=_axes(a, dim), keepdims=keepdim),
                "MinBackward1", _even_vjp)
AMAX = reduction("amax", lambda a, dim, keepdim: np.max(a, axis=_axes(a, dim), keepdims=keepdim),
                 "AmaxBackward0", _even_vjp)
AMIN = reduction("amin", lambda a, dim, keepdim: np.min(a, axis=_axes(a, dim), keepdims=keepdim),
                 "AminBackward0", _even_vjp)


# max/min along one dim: the gradient goes to the selected index only.
def _take(a: np.ndarray, dim: tuple, keepdim: bool, indices: np.ndarray) -> np.ndarray:
    if a.ndim == 0:  # a 0-d tensor along dim 0: its one element
        return a.copy()
    out = np.take_along_axis(a, np.expand_dims(indices, dim[0]) if not keepdim else indices, dim[0])
    return out if keepdim else np.squeeze(out, dim[0])


def _select_vjp(g: Any, input_shape: tuple, dim: tuple, keepdim: bool, indices: np.ndarray) -> Any:
    if not input_shape:
        return g
    idx = indices if keepdim else np.expand_dims(indices, dim[0])
    onehot = np.arange(input_shape[dim[0]]).reshape(
        [-1 if i == dim[0] else 1 for i in range(len(input_shape))]) == idx
    return _unreduce(g, input_shape, dim, keepdim) * onehot


# (the values by the ufunc's reduce: the same as taking them at the indices, NaN included, and
# without take_along_axis's Python-level work)
MAX_DIM = reduction("max_dim", lambda a, dim, keepdim, indices: np.maximum.reduce(
    a, axis=dim[0], keepdims=keepdim), "MaxBackward0", _select_vjp)
MIN_DIM = reduction("min_dim", lambda a, dim, keepdim, indices: np.minimum.reduce(
    a, axis=dim[0], keepdims=keepdim), "MinBackward0", _select_vjp)
# median: the lower of the two middle values (torch's choice), or NaN where the values hold one.
def median_index(a: np.ndarray, axis: int) -> np.ndarray:
    """Index of the median along ``axis`` (kept as a size-1 axis): the ((n - 1) // 2)-th in
    stable sorted order, or the first NaN."""
    order = np.argsort(a, axis=axis, kind="stable")
    index = np.take(order, [(a.shape[axis] - 1) // 2], axis=axis)
    if a.dtype.kind in "fc":
        nan = np.isnan(a)
        if nan.any():
            index = np.where(nan.any(axis=axis, keepdims=True),
                             np.argmax(nan, axis=axis, keepdims=True), index)
    return index.astype(np.int64)


def _np_median(a: np.ndarray, dim: tuple | None, keepdim: bool) -> np.ndarray:
    """The median over ``dim`` (all dims when None; several are taken together)."""
    dims = tuple(range(a.ndim)) if dim is None else dim
    rest = [d for d in range(a.ndim) if d not in dims]
    flat = np.transpose(a, rest + list(dims)).reshape([a.shape[d] for d in rest] + [-1])
    if flat.shape[-1] == 0:
        out = np.full(flat.shape[:-1], np.nan, dtype=a.dtype)
    else:
        out = np.take_along_axis(flat, median_index(flat, -1), -1)[..., 0]
    if keepdim:
        out = out.reshape([1 if d in dims else n for d, n in enumerate(a.shape)])
    return out


# over everything the gradient is shared between tied medians, as for max; along a dim it goes
# to the index returned
MEDIAN = reduction("median", _np_median, "MedianBackward0", _even_vjp)
MEDIAN_DIM = reduction("median_dim", _take, "MedianBackward1", _select_vjp)
MEDIAN_INDEX = nondifferentiable(
    "median_index", lambda a, dim, keepdim: median_index(a, dim) if keepdim
    else np.squeeze(median_index(a, dim), dim))
# kthvalue: the k-th smallest along a dim (NaN sorting last, as the largest); the gradient goes to
# the index returned.
def kth_index(a: np.ndarray, k: int, axis: int) -> np.ndarray:
    """Index of the k-th smallest value along ``axis`` (kept as a size-1 axis)."""
    order = np.argsort(a, axis=axis, kind="stable")
    return np.take(order, [k - 1], axis=axis).astype(np.int64)


KTHVALUE = reduction("kthvalue", lambda a, dim, keepdim, indices, k: _take(a, dim, keepdim,
                                                                            indices),
                     "KthvalueBackward0", _select_vjp)
KTHVALUE_INDEX = nondifferentiable(
    "kthvalue_index", lambda a, k, dim, keepdim: kth_index(a, k, dim) if keepdim
    else np.squeeze(kth_index(a, k, dim), dim))
ARGMAX = nondifferentiable("argmax", lambda a, dim, keepdim: _arg(np.argmax, a, dim, keepdim))
ARGMIN = nondifferentiable("argmin", lambda a, dim, keepdim: _arg(np.argmin, a, dim, keepdim))


def _truth(fn: Any, a: np.ndarray, dim: tuple | None, keepdim: bool) -> np.ndarray:
    out = np.asarray(fn(a, axis=_axes(a, dim), keepdims=keepdim))
    return out.astype(np.uint8) if a.dtype == np.uint8 else out  # torch keeps uint8 as uint8


ALL = nondifferentiable("all", lambda a, dim, keepdim: _truth(np.all, a, dim, keepdim))
ANY = nondifferentiable("any", lambda a, dim, keepdim: _truth(np.any, a, dim, keepdim))
COUNT_NONZERO = nondifferentiable(
    "count_nonzero", lambda a, dim: np.asarray(np.count_nonzero(a, axis=_axes(a, dim)),
                                               dtype=np.int64))


def _arg(fn, a: np.ndarray, dim: int | None, keepdim: bool) -> np.ndarray:
    if dim is None:
        out = np.asarray(fn(a), dtype=np.int64)
        return out.reshape((1,) * a.ndim) if keepdim else out
    return fn(a, axis=dim, keepdims=keepdim).astype(np.int64)


def _cumsum_vjp(g: Any, dim: int) -> Any:
    if not len(g.shape):  # a 0-d cumsum is the identity
        return g
    return flip(cumsum(flip(g, dims=(dim,)), dim=dim), dims=(dim,))


def _np_cumsum(a: np.ndarray, dim: int) -> np.ndarray:
    out = np.cumsum(a, axis=dim).reshape(a.shape)  # (NumPy makes a 0-d input 1-d)
    return out.astype(np.int64) if a.dtype.kind in "biu" else out


CUMSUM = linear("cumsum", _np_cumsum, "CumsumBackward0", _cumsum_vjp, params=("dim",))
cumsum = CUMSUM


# cumprod: y_j = prod_{k<=j} x_k.  Without zeros, dy_j/dx_i = y_j / x_i (j >= i), which gives the
# closed forms below.  With zeros, the weights W[i, j] = prod_{k<=j, k!=i} x_k (j >= i, else 0)
# are built directly: the cumprod of x with x_i set to 1, one row per i (n^2 values, but exact
# and differentiable again).
def _np_cumprod(a: np.ndarray, dim: int) -> np.ndarray:
    out = np.cumprod(a, axis=dim).reshape(a.shape)
    return out.astype(np.int64) if a.dtype.kind in "biu" else out


def _cumprod_weights(x: Any, dim: int) -> Any:
    """W[..., i, j] for ``x`` with ``dim`` moved last."""
    last = transpose(x, dim0=dim, dim1=len(x.shape) - 1)
    shape = tuple(last.shape)
    n = shape[-1]
    rows = reshape(last, shape=shape[:-1] + (1, n))  # broadcast over i
    eye = np.eye(n, dtype=bool)
    held = CUMPROD(where(lift(x, eye), 1.0, rows), dim=len(shape))
    return where(lift(x, ~np.triu(np.ones((n, n), dtype=bool))), 0.0, held)


def _cumprod_vjp(g: Any, input: Any, result: Any, dim: int) -> Any:
    if not len(input.shape):  # a 0-d cumprod is the identity
        return g
    if np.all(raw(input) != 0):
        return flip(cumsum(flip(g * result, dims=(dim,)), dim=dim), dims=(dim,)) / input
    weights = _cumprod_weights(input, dim)
    last = len(input.shape) - 1
    g_last = transpose(g, dim0=dim, dim1=last)
    g_rows = reshape(g_last, shape=tuple(g_last.shape[:-1]) + (1, g_last.shape[-1]))
    grad = SUM_DIM(weights * g_rows, dim=(last + 1,), keepdim=False)
    return transpose(grad, dim0=dim, dim1=last)


def _cumprod_jvp(tangents: list, input: Any, result: Any, dim: int) -> Any:
    t = tangents[0]
    if t is None or not len(input.shape):
        return t
    if np.all(raw(input) != 0):
        return result * cumsum(t / input, dim=dim)
    weights = _cumprod_weights(input, dim)
    last = len(input.shape) - 1
    t_last = transpose(t, dim0=dim, dim1=last)
    t_cols = reshape(t_last, shape=tuple(t_last.shape) + (1,))
    out = SUM_DIM(weights * t_cols, dim=(last,), keepdim=False)
    return transpose(out, dim0=dim, dim1=last)


CUMPROD = general("cumprod", _np_cumprod, "CumprodBackward0", vjp_input=_cumprod_vjp,
                  jvp=_cumprod_jvp)


# -- statistics ----------------------------------------------------------------------------------
def _centered(input: Any, input_shape: tuple, dim: tuple | None) -> Any:
    return input - MEAN_DIM(input, dim=dim, keepdim=True)


def _np_var(a: np.ndarray, dim: tuple | None, keepdim: bool, correction: float) -> np.ndarray:
    dim = _axes(a, dim)
    dof = _count(a.shape, dim) - correction
    if dof > 0:
        return np.var(a, axis=dim, keepdims=keepdim, ddof=correction)
    # torch divides by max(0, N - correction): 0/0 is NaN, a positive sum over 0 is inf (its
    # warning comes from the public wrapper)
    with np.errstate(divide="ignore", invalid="ignore"):
        centered = a - np.add.reduce(a, axis=dim, keepdims=True) / _count(a.shape, dim)
        total = np.add.reduce((centered * np.conj(centered)).real, axis=dim, keepdims=keepdim)
        return total / total.dtype.type(0)


def _per_dof(scale: float, input_shape: tuple, dim: tuple | None, correction: float) -> float:
    """``scale / (N - correction)`` as torch's backward takes it: along given dims the divisor
    is used as is (negative too; inf at 0), over everything it is clamped at 0 (inf)."""
    dof = _count(input_shape, dim) - correction
    if dof > 0 or (dim is not None and dof < 0):
        return scale / dof
    return float("inf")


def _var_vjp(g: Any, input: Any, input_shape: tuple, dim: tuple | None, keepdim: bool,
             correction: float) -> Any:
    scale = _per_dof(2.0, input_shape, dim, correction)
    centered = _centered(input, input_shape, dim)
    if scale == float("inf") and dim is None:  # no degrees of freedom over everything: torch's
        centered = ABS(centered)  # gradient is g * inf off the mean (NaN on it), sign-free
    return _unreduce(g, input_shape, dim, keepdim) * centered * scale


def _std_vjp(g: Any, input: Any, result: Any, input_shape: tuple, dim: tuple | None,
             keepdim: bool, correction: float) -> Any:
    scale = _per_dof(1.0, input_shape, dim, correction)
    spread = _centered(input, input_shape, dim) * scale / _kept(result, input_shape, dim, keepdim)
    return _unreduce(g, input_shape, dim, keepdim) * spread


VAR = reduction("var", _np_var, "VarBackward0", _var_vjp)
STD = reduction("std", lambda a, dim, keepdim, correction: np.sqrt(_np_var(a, dim, keepdim,
                                                                           correction)),
                "StdBackward0", _std_vjp)


def _norm_vjp(g: Any, input: Any, result: Any, input_shape: tuple, dim: tuple | None,
              keepdim: bool) -> Any:
    kept = _kept(result, input_shape, dim, keepdim)
    # d||x||/dx = x / ||x||, defined as 0 at x = 0 (torch's subgradient).
    return _unreduce(g, input_shape, dim, keepdim) * where(kept == 0, 0.0, input / where(
        kept == 0, 1.0, kept))


NORM = reduction("norm", lambda a, dim, keepdim: np.sqrt(np.sum(a * a, axis=_axes(a, dim),
                                                             keepdims=keepdim)),
                 "LinalgVectorNormBackward0", _norm_vjp)


def _np_logsumexp(a: np.ndarray, dim: tuple | None, keepdim: bool) -> np.ndarray:
    dim = _axes(a, dim)
    m = np.max(a, axis=dim, keepdims=True)
    m = np.where(np.isfinite(m), m, 0)
    out = np.log(np.sum(np.exp(a - m), axis=dim, keepdims=True)) + m
    return out if keepdim else np.squeeze(out, axis=dim)


LOGSUMEXP = reduction("logsumexp", _np_logsumexp, "LogsumexpBackward0",
                      lambda g, input, result, input_shape, dim, keepdim: _unreduce(
                          g, input_shape, dim, keepdim) * exp(input - _kept(result, input_shape,
                                                                            dim, keepdim)))


# (ufunc.reduce directly: np.max and np.sum add a Python-level wrapper; the in-place steps
# write into arrays made here.)
# Half precision is computed in single and rounded once, as torch does.
_F16 = np.dtype(np.float16)


def _max_keepdims(x: np.ndarray, dim: int) -> np.ndarray:
    """``np.maximum.reduce(x, axis=dim, keepdims=True)``, faster for many short rows.

    NumPy reduces a short last axis row by row, slowly (attention scores over 16 keys: about
    3 ns per element); reducing the transposed copy runs along contiguous memory instead.  The
    maximum does not depend on the order, so the result is the same bit for bit."""
    n = x.shape[dim] if x.ndim else 1
    if x.ndim < 2 or dim not in (-1, x.ndim - 1) or n > 32 or x.size < 64 * n:
        return np.maximum.reduce(x, axis=dim, keepdims=True)
    rows = np.ascontiguousarray(x.reshape(-1, n).T)
    return np.maximum.reduce(rows, axis=0).reshape(x.shape[:-1] + (1,))


def _np_softmax(a: np.ndarray, dim: int) -> np.ndarray:
    x = a.astype(np.float32) if a.dtype is _F16 else a
    e = np.exp(x - _max_keepdims(x, dim))
    e /= np.add.reduce(e, axis=dim, keepdims=True)
    return e.astype(a.dtype, copy=False)


def _np_log_softmax(a: np.ndarray, dim: int) -> np.ndarray:
    x = a.astype(np.float32) if a.dtype is _F16 else a
    shifted = x - _max_keepdims(x, dim)
    shifted -= np.log(np.add.reduce(np.exp(shifted), axis=dim, keepdims=True))
    return shifted.astype(a.dtype, copy=False)


def _sum_keep(x: Any, dim: int) -> Any:
    if x.__class__ is np.ndarray:  # an ordinary backward: NumPy directly, no op dispatch
        return np.add.reduce(x, axis=dim, keepdims=True)
    return SUM_DIM(x, dim=(dim,), keepdim=True)


# softmax's Jacobian is symmetric, so one formula gives both the VJP and the JVP.
SOFTMAX = general("softmax", _np_softmax, "SoftmaxBackward0", promote="float",
                  vjp_input=lambda g, result, dim: result * (g - _sum_keep(g * result, dim)),
                  jvp=lambda t, result, dim: result * (t[0] - _sum_keep(t[0] * result, dim)))
LOG_SOFTMAX = general("log_softmax", _np_log_softmax, "LogSoftmaxBackward0", promote="float",
                      vjp_input=lambda g, result, dim: g - exp(result) * _sum_keep(g, dim),
                      jvp=lambda t, result, dim: t[0] - _sum_keep(exp(result) * t[0], dim))


def _torch_name(d: np.dtype) -> str:
    from tapegrad._dtype import torch_name
    return torch_name(d)


