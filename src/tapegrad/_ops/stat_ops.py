"""Statistics with their own backward in torch: ``nansum``, ``std_mean``/``var_mean`` and
``aminmax`` (one node, two outputs), ``nanmedian`` and ``mode`` along a dim, ``dist``, vector
norms for every ``p`` (``norm_p``: ``LinalgVectorNormBackward0``), ``renorm``, ``pdist``, and the
tuple-of-dims squeeze (``SqueezeBackward4``) that ends ``quantile``.

Rules reuse ``reduction.py``'s (``_unreduce``, the even split between tied extremes, var's and
std's derivatives), so most are a line or two; two-output ops recompute what they need from the
input (a multi-output node saves no result).  ``dim`` arrives normalised: None or a tuple
(one int for the ops along a single dim).  Where torch leaves a gradient undefined (the
0-"norm" of ``dist`` and ``norm``), the rule returns None and the input's ``.grad`` stays None.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ._registry import general, lift, nondifferentiable, raw
from . import reduction as R
from .elementwise import ABS as abs_, EQ as eq, SIGN as sign, where
from .reduction import MEAN_DIM, SUM_DIM, _kept, _unreduce
from .selection import GATHER
from .linalg import _mT
from .shape import reshape


# -- nansum: NaNs count as zero, and get no gradient ---------------------------------------------
def _np_nansum(a: np.ndarray, dim: tuple | None, keepdim: bool) -> np.ndarray:
    out = np.nansum(a, axis=R._axes(a, dim), keepdims=keepdim)
    return np.asarray(out.astype(np.int64) if a.dtype.kind in "biu" else out)


NANSUM = R.reduction("nansum", _np_nansum, "NansumBackward0",
                     lambda g, input, input_shape, dim, keepdim: _unreduce(
                         g, input_shape, dim, keepdim) * lift(g, ~np.isnan(raw(input))))


# -- std_mean / var_mean -------------------------------------------------------------------------
def _spread_and_mean(root: bool) -> Any:
    def forward(a: np.ndarray, dim: tuple | None, keepdim: bool, correction: float) -> list:
        var = R._np_var(a, dim, keepdim, correction)
        mean = np.mean(a, axis=R._axes(a, dim), keepdims=keepdim) if a.size else np.full(
            var.shape, np.nan, a.dtype)
        return [np.sqrt(var) if root else var, np.asarray(mean, a.dtype)]

    def vjp(grads: list, input: Any, input_shape: tuple, dim: tuple | None, keepdim: bool,
            correction: float) -> Any:
        g_spread, g_mean = grads
        total = None
        if g_spread is not None:
            if root:
                std = R.STD(input, dim=dim, keepdim=keepdim, correction=correction)
                total = R._std_vjp(g_spread, input, std, input_shape, dim, keepdim, correction)
            else:
                total = R._var_vjp(g_spread, input, input_shape, dim, keepdim, correction)
        if g_mean is not None:
            part = R._mean_vjp(g_mean, input_shape, dim, keepdim)
            total = part if total is None else total + part
        return total

    def jvp(tangents: list, input: Any, dim: tuple | None, keepdim: bool,
            correction: float) -> Any:
        t = tangents[0]
        shape = tuple(input.shape)
        centered = input - MEAN_DIM(input, dim=dim, keepdim=True)
        d_var = SUM_DIM(t * centered, dim=dim, keepdim=keepdim) * R._per_dof(
            2.0, shape, dim, correction)
        if root:
            d_var = d_var / (2.0 * R.STD(input, dim=dim, keepdim=keepdim, correction=correction))
        return d_var, MEAN_DIM(t, dim=dim, keepdim=keepdim)

    name = "std_mean" if root else "var_mean"
    return general(name, forward, "StdMeanBackward0" if root else "VarMeanBackward0",
                   multi_output=True, vjp_input=vjp, jvp=jvp,
                   doc=f"({'std' if root else 'var'}, mean) over dim, in one pass.")


STD_MEAN = _spread_and_mean(True)
VAR_MEAN = _spread_and_mean(False)


# -- aminmax: (amin, amax) together; ties share the gradient as for amin/amax -------------------
def _ties(input: Any, dim: tuple | None, keepdim: bool, largest: bool) -> Any:
    """Each element's share of the extreme's gradient: 1/count where it ties the extreme."""
    op = R.AMAX if largest else R.AMIN
    kept = _kept(op(input, dim=dim, keepdim=keepdim), tuple(input.shape), dim, keepdim)
    ties = eq(input, kept) * 1.0
    return ties / SUM_DIM(ties, dim=dim, keepdim=True)


def _aminmax_vjp(grads: list, input: Any, input_shape: tuple, dim: tuple | None,
                 keepdim: bool) -> Any:
    total = None
    for g, largest in zip(grads, (False, True)):
        if g is not None:
            part = _unreduce(g, input_shape, dim, keepdim) * _ties(input, dim, keepdim, largest)
            total = part if total is None else total + part
    return total


AMINMAX = general("aminmax", lambda a, dim, keepdim: [
                      np.min(a, axis=R._axes(a, dim), keepdims=keepdim),
                      np.max(a, axis=R._axes(a, dim), keepdims=keepdim)],
                  "AminmaxBackward0", multi_output=True, vjp_input=_aminmax_vjp,
                  jvp=lambda t, input, dim, keepdim: tuple(
                      SUM_DIM(t[0] * _ties(input, dim, keepdim, largest), dim=dim,
                              keepdim=keepdim) for largest in (False, True)),
                  doc="(amin, amax) over dim.")


# -- nanmedian and mode along one dim: the gradient goes to the index returned -------------------
def nanmedian_index(a: np.ndarray, dim: int) -> np.ndarray:
    """Index (kept as a size-1 axis) of the lower median of the non-NaN values along ``dim``."""
    order = np.argsort(a, axis=dim, kind="stable")  # NaNs sort last
    count = (~np.isnan(a)).sum(axis=dim, keepdims=True) if a.dtype.kind in "fc" else \
        np.full([1 if d == dim else n for d, n in enumerate(a.shape)], a.shape[dim])
    k = np.maximum(count - 1, 0) // 2
    return np.take_along_axis(order, k, axis=dim).astype(np.int64)


def mode_index(a: np.ndarray, dim: int) -> tuple:
    """(values, indices) of the most frequent value along ``dim``, both kept as size-1 axes:
    the smallest such value, at its last position (torch's choice)."""
    x = np.moveaxis(a, dim, -1)
    flat = x.reshape(-1, x.shape[-1])
    values = np.empty(flat.shape[0], a.dtype)
    indices = np.empty(flat.shape[0], np.int64)
    for r, row in enumerate(flat):
        uniq, counts = np.unique(row, return_counts=True)
        v = uniq[np.argmax(counts)]
        values[r] = v
        indices[r] = np.flatnonzero(row == v)[-1] if v == v else np.flatnonzero(row != row)[0]
    shape = x.shape[:-1] + (1,)
    return (np.moveaxis(values.reshape(shape), -1, dim),
            np.moveaxis(indices.reshape(shape), -1, dim))


def _picked(a: np.ndarray, dim: int, keepdim: bool, index: np.ndarray) -> np.ndarray:
    if a.ndim == 0:
        return a.copy()
    out = np.take_along_axis(a, index, dim)
    return out if keepdim else np.squeeze(out, dim)


def _index_of(kind: str, a: np.ndarray, dim: int) -> np.ndarray:
    if a.ndim == 0:
        return np.zeros((), np.int64)
    return nanmedian_index(a, dim) if kind == "nanmedian" else mode_index(a, dim)[1]


def _picked_vjp(kind: str) -> Any:
    def vjp(g: Any, input: Any, dim: int, keepdim: bool) -> Any:
        if not len(input.shape):
            return g
        index = _index_of(kind, raw(input), dim)
        shape = tuple(input.shape)
        onehot = np.arange(shape[dim]).reshape(
            [-1 if i == dim else 1 for i in range(len(shape))]) == index
        return _unreduce(g, shape, (dim,), keepdim) * lift(g, onehot.astype(raw(input).dtype))
    return vjp


def _picked_op(kind: str, grad_fn: str) -> Any:
    def jvp(tangents: list, input: Any, dim: int, keepdim: bool) -> Any:
        t = tangents[0]
        if not len(input.shape):
            return t
        out = GATHER(t, lift(t, _index_of(kind, raw(input), dim)), dim=dim)
        return out if keepdim else reshape(out, shape=tuple(
            n for i, n in enumerate(input.shape) if i != dim))

    return general(kind + "_dim", lambda a, dim, keepdim: _picked(
        a, dim, keepdim, _index_of(kind, a, dim)), grad_fn, vjp_input=_picked_vjp(kind),
        jvp=jvp)


NANMEDIAN_DIM = _picked_op("nanmedian", "NanmedianBackward1")
MODE = _picked_op("mode", "ModeBackward0")
NANMEDIAN_INDEX = nondifferentiable("nanmedian_index", lambda a, dim, keepdim: _squeezed(
    _index_of("nanmedian", a, dim), dim, keepdim))
MODE_INDEX = nondifferentiable("mode_index", lambda a, dim, keepdim: _squeezed(
    _index_of("mode", a, dim), dim, keepdim))


def _squeezed(index: np.ndarray, dim: int, keepdim: bool) -> np.ndarray:
    return index if keepdim or index.ndim == 0 else np.squeeze(index, dim)


def _np_nanmedian(a: np.ndarray, dim: tuple | None, keepdim: bool) -> np.ndarray:
    flat = a.reshape(-1)
    if flat.size == 0:
        out = np.asarray(np.nan, a.dtype)
    else:
        out = flat[nanmedian_index(flat, 0)[0]]
    return np.asarray(out, a.dtype).reshape((1,) * a.ndim if keepdim else ())


NANMEDIAN = R.reduction("nanmedian", _np_nanmedian, "NanmedianBackward0", R._even_vjp)


# -- dist: the p-norm of input - other -----------------------------------------------------------
def _np_dist(a: np.ndarray, b: np.ndarray, p: float) -> np.ndarray:
    d = np.abs(a - b).reshape(-1)
    if p == 0:
        out = np.count_nonzero(d)
    elif np.isinf(p):
        out = (d.max() if p > 0 else d.min()) if d.size else 0.0
    else:
        out = np.sum(d ** p) ** (1.0 / p)
    return np.asarray(out, np.result_type(a, b))


def _dist_slope(input: Any, other: Any, result: Any, p: float) -> Any:
    """d(dist)/d(input), broadcast to the operands' common shape."""
    d = input - other
    if p == 0:
        return d * 0.0
    if np.isinf(p):
        ties = eq(abs_(d), result) * 1.0
        return sign(d) * ties / ties.sum()
    safe = where(result == 0, 1.0, result)
    if p == 1:
        slope = sign(d)
    elif p == 2:
        slope = d / safe
    else:
        slope = sign(d) * abs_(d) ** (p - 1) / safe ** (p - 1)
    return where(result == 0, 0.0, slope)


DIST = general("dist", _np_dist, "DistBackward0", ("input", "other"), promote="promote",
               vjp_input=lambda g, input, other, result, p: _dist_vjp(g, input, other,
                                                                     result, p, 1.0),
               vjp_other=lambda g, input, other, result, p: _dist_vjp(g, input, other,
                                                                     result, p, -1.0),
               jvp=lambda t, input, other, result, p: _dist_jvp(t, input, other, result, p))


def _dist_vjp(g: Any, input: Any, other: Any, result: Any, p: float, sign_: float) -> Any:
    if p == 0:  # torch leaves the gradient undefined (None) for the 0-"norm"
        return None
    return g * _dist_slope(input, other, result, p) * sign_


def _dist_jvp(tangents: list, input: Any, other: Any, result: Any, p: float) -> Any:
    t_in, t_other = tangents
    slope = _dist_slope(input, other, result, p)
    total = None
    for t, k in ((t_in, 1.0), (t_other, -1.0)):
        if t is not None:
            part = (t * slope).sum() * k
            total = part if total is None else total + part
    return total


# -- vector p-norms other than 2 (torch's linalg_vector_norm, one node for every p) -------------
def _np_norm_p(a: np.ndarray, dim: tuple | None, keepdim: bool, p: float) -> np.ndarray:
    axis = R._axes(a, dim)
    m = np.abs(a)
    if p == 0:
        out = np.sum(m != 0, axis=axis, keepdims=keepdim)
    elif np.isinf(p):
        out = (np.max if p > 0 else np.min)(m, axis=axis, keepdims=keepdim)
    else:
        with np.errstate(divide="ignore"):
            out = np.sum(m ** p, axis=axis, keepdims=keepdim) ** (1.0 / p)
    return np.asarray(out, a.dtype)


def _norm_slope(input: Any, result: Any, input_shape: tuple, dim: tuple | None, keepdim: bool,
                p: float) -> Any:
    """d(norm)/dx: sign(x) (|x| / norm)^(p - 1), 0 where x or the norm is 0 (torch's choice);
    for p = +-inf the sign shared evenly between the elements at the extreme."""
    kept = _kept(result, input_shape, dim, keepdim)
    magnitude = abs_(input)
    if np.isinf(p):
        ties = eq(magnitude, kept) * 1.0
        return sign(input) * ties / SUM_DIM(ties, dim=dim, keepdim=True)
    if p == 1:
        return sign(input)
    zero = (input == 0) | (kept == 0)
    ratio = magnitude / where(zero, 1.0, kept)
    return where(zero, 0.0, sign(input) * where(zero, 1.0, ratio) ** (p - 1))


def _norm_p_vjp(g: Any, input: Any, result: Any, input_shape: tuple, dim: tuple | None,
                keepdim: bool, p: float) -> Any:
    if p == 0:  # torch leaves the gradient of the 0-"norm" undefined
        return None
    return _unreduce(g, input_shape, dim, keepdim) * _norm_slope(input, result, input_shape, dim,
                                                                 keepdim, p)


def _norm_p_jvp(tangents: list, input: Any, result: Any, dim: tuple | None, keepdim: bool,
                p: float) -> Any:
    t = tangents[0]
    if p == 0:
        return SUM_DIM(t * 0.0, dim=dim, keepdim=keepdim)
    slope = _norm_slope(input, result, tuple(input.shape), dim, keepdim, p)
    return SUM_DIM(t * slope, dim=dim, keepdim=keepdim)


NORM_P = general("norm_p", _np_norm_p, "LinalgVectorNormBackward0", vjp_input=_norm_p_vjp,
                 jvp=_norm_p_jvp, doc="The vector p-norm over dim (p other than 2).")


# -- renorm: slices along dim whose p-norm exceeds maxnorm are scaled down to it -----------------
def _others(ndim: int, dim: int) -> tuple:
    return tuple(d for d in range(ndim) if d != dim)


def _np_renorm(a: np.ndarray, p: float, dim: int, maxnorm: float) -> np.ndarray:
    norms = _np_norm_p(a, _others(a.ndim, dim), True, p)
    factor = np.where(norms > maxnorm, maxnorm / (norms + 1e-7), 1.0).astype(a.dtype)
    return a * factor


def _renorm_parts(input: Any, p: float, dim: int, maxnorm: float) -> tuple:
    """(factor, d factor / d norm, d norm / d input), each broadcasting against the input."""
    shape = tuple(input.shape)
    others = _others(len(shape), dim)
    norms = NORM_P(input, dim=others, keepdim=True, p=p)
    over = norms > maxnorm
    factor = where(over, maxnorm / (norms + 1e-7), 1.0)
    d_factor = where(over, -maxnorm / (norms + 1e-7) ** 2, 0.0)
    return factor, d_factor, _norm_slope(input, norms, shape, others, True, p), others


def _renorm_vjp(g: Any, input: Any, p: float, dim: int, maxnorm: float) -> Any:
    factor, d_factor, slope, others = _renorm_parts(input, p, dim, maxnorm)
    return g * factor + slope * d_factor * SUM_DIM(g * input, dim=others, keepdim=True)


def _renorm_jvp(tangents: list, input: Any, p: float, dim: int, maxnorm: float) -> Any:
    t = tangents[0]
    factor, d_factor, slope, others = _renorm_parts(input, p, dim, maxnorm)
    return t * factor + input * d_factor * SUM_DIM(slope * t, dim=others, keepdim=True)


RENORM = general("renorm", _np_renorm, "RenormBackward0", vjp_input=_renorm_vjp,
                 jvp=_renorm_jvp, doc="Each slice along dim with p-norm above maxnorm, scaled "
                 "to norm maxnorm.")


# -- pdist: the p-norm distance between every pair of rows i < j --------------------------------
def pair_matrix(n: int, dtype: Any) -> np.ndarray:
    """The (pairs, n) matrix with +1 at row i and -1 at row j for each pair i < j, in torch's
    order: ``pair_matrix @ x`` is every difference ``x[i] - x[j]``."""
    i, j = np.triu_indices(n, 1)
    out = np.zeros((len(i), n), dtype)
    out[np.arange(len(i)), i] = 1
    out[np.arange(len(i)), j] = -1
    return out


def _np_pdist(a: np.ndarray, p: float) -> np.ndarray:
    diffs = pair_matrix(a.shape[0], a.dtype) @ a
    return _np_norm_p(diffs, (1,), False, p)


def _pdist_slope(input: Any, result: Any, p: float) -> tuple:
    pairs = lift(input, pair_matrix(input.shape[0], raw(input).dtype))
    diffs = pairs @ input
    return pairs, _norm_slope(diffs, result, tuple(diffs.shape), (1,), False, p)


def _pdist_vjp(g: Any, input: Any, result: Any, p: float) -> Any:
    pairs, slope = _pdist_slope(input, result, p)
    if p == 0:  # (zeros here, where dist's gradient is undefined: torch's choices)
        slope = slope * 0.0
    return _mT(pairs) @ (reshape(g, shape=(-1, 1)) * slope)


def _pdist_jvp(tangents: list, input: Any, result: Any, p: float) -> Any:
    pairs, slope = _pdist_slope(input, result, p)
    if p == 0:
        slope = slope * 0.0
    return SUM_DIM((pairs @ tangents[0]) * slope, dim=(1,), keepdim=False)


PDIST = general("pdist", _np_pdist, "PdistBackward0", vjp_input=_pdist_vjp, jvp=_pdist_jvp,
                doc="p-norm distances between the rows of a 2-D input, pairs i < j in order.")


def _declare_rules() -> None:
    """Batching rules: reductions shift their dims; the rest run example by example."""
    from .._vmap._rules import RULES, fallback, reduction, shift_dims

    def two_outputs(level: Any, op: Any, args: tuple, params: dict) -> Any:
        from .._vmap._rules import _value
        from .._vmap._batched import wrap
        v = _value(args[0], level)
        dim = params["dim"]
        dim = tuple(range(1, len(v.shape))) if dim is None else tuple(d + 1 for d in dim)
        return tuple(wrap(o, level) for o in op(v, **{**params, "dim": dim}))

    RULES["nansum"] = RULES["norm_p"] = reduction
    RULES["std_mean"] = RULES["var_mean"] = RULES["aminmax"] = two_outputs
    for name in ("nanmedian_dim", "mode_dim", "nanmedian_index", "mode_index"):
        RULES[name] = shift_dims
    for name in ("nanmedian", "dist", "renorm", "pdist"):
        RULES[name] = fallback


_declare_rules()


# squeeze with a tuple of dims (torch's ``SqueezeBackward4``), the last step of quantile
from .shape import _reshape, _view_vjp  # noqa: E402

SQUEEZE_DIMS = R.linear("squeeze_dims", _reshape, "SqueezeBackward4", _view_vjp,
                        params=("shape",), view=True)


def _declare_squeeze_rule() -> None:
    from .._vmap._rules import RULES, reshaped
    RULES["squeeze_dims"] = reshaped


_declare_squeeze_rule()
