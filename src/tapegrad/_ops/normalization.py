"""Normalisation ops with torch's fused backward: layer norm, batch norm and ``at::norm``.

``native_layer_norm`` normalises over the trailing ``normalized_ndim`` dims; ``native_batch_norm``
over every dim but the channel dim 1 (with the batch's statistics when ``training``, else with
the running ones it is given).  Their rules recompute the normalised input ``xhat`` and the
reciprocal standard deviation from the input with tapegrad ops instead of saving them, so the
gradient is differentiable again (``create_graph``) at the price of one more pass over the input:

    d input = rstd * (gw - mean(gw) - xhat * mean(gw * xhat)),   gw = grad * weight

(the means over the normalised dims).  ``norm_p`` is the p-norm along dims that torch records
as ``NormBackward1`` (``pairwise_distance`` uses it).
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from ._registry import general, lift, raw
from .elementwise import abs as abs_, rsqrt, sign, where
from .reduction import MEAN_DIM, SUM_DIM, _kept, _unreduce
from .shape import EXPAND, reshape


# The input's VJP runs just before the weight's on the same node (the engine takes a node's
# inputs in order), and both need xhat: on the array path (an ordinary backward) the input's
# rule leaves it here for the weight's, keyed by the very arrays it came from.
_last_stats: list = [None] * 5  # gradient, input, (dims, eps), xhat, rstd


def _stats(input: Any, dims: tuple, eps: float, g: Any = None) -> tuple:
    """``xhat`` (the input normalised over ``dims``) and ``rstd``: with tapegrad ops, so that
    gradients of gradients follow, or in NumPy directly on the array path."""
    if input.__class__ is np.ndarray:
        last = _last_stats
        if g is not None and last[0] is g and last[1] is input and last[2] == (dims, eps):
            return last[3], last[4]
        t = input.dtype.type
        n = t(_count(input, dims))
        centered = input - np.add.reduce(input, axis=dims, keepdims=True) / n
        rstd = t(1) / np.sqrt(np.add.reduce(centered * centered, axis=dims, keepdims=True) / n
                              + t(eps))
        centered *= rstd
        if g is not None:
            last[:] = [g, input, (dims, eps), centered, rstd]
        return centered, rstd
    centered = input - MEAN_DIM(input, dim=dims, keepdim=True)
    rstd = rsqrt(MEAN_DIM(centered * centered, dim=dims, keepdim=True) + eps)
    return centered * rstd, rstd


def _forget_stats() -> None:
    _last_stats[:] = [None] * 5


def _normalized_grad(g: Any, xhat: Any, rstd: Any, dims: tuple) -> Any:
    """The gradient through ``xhat = (x - mean) * rstd`` given the gradient of xhat."""
    if g.__class__ is np.ndarray and xhat.__class__ is np.ndarray:
        n = g.dtype.type(_count(g, dims))
        mean_g = np.add.reduce(g, axis=dims, keepdims=True) / n
        mean_gx = np.add.reduce(g * xhat, axis=dims, keepdims=True) / n
        return rstd * (g - mean_g - xhat * mean_gx)
    return rstd * (g - MEAN_DIM(g, dim=dims, keepdim=True)
                   - xhat * MEAN_DIM(g * xhat, dim=dims, keepdim=True))


def _full(t: Any, shape: tuple) -> Any:
    return t if tuple(t.shape) == tuple(shape) else EXPAND(t, shape=tuple(shape))


def _add(total: Any, term: Any) -> Any:
    return term if total is None else total + term


# -- layer norm ----------------------------------------------------------------------------------
def _trailing(ndim: int, normalized_ndim: int) -> tuple:
    return tuple(range(ndim - normalized_ndim, ndim))


def _layer_norm(input: np.ndarray, weight: Any, bias: Any, normalized_ndim: int,
                eps: float) -> np.ndarray:
    dims = _trailing(input.ndim, normalized_ndim)
    t = input.dtype.type
    centered = input - np.add.reduce(input, axis=dims, keepdims=True) / t(_count(input, dims))
    var = np.add.reduce(centered * centered, axis=dims, keepdims=True) / t(_count(input, dims))
    out = centered * (t(1) / np.sqrt(var + t(eps)))
    if weight is not None:
        out = out * weight
    if bias is not None:
        out = out + bias
    return out


def _count(a: np.ndarray, dims: tuple) -> int:
    n = 1
    for d in dims:
        n *= a.shape[d]
    return n


def _layer_norm_vjp_input(g: Any, input: Any, weight: Any, normalized_ndim: int,
                          eps: float) -> Any:
    dims = _trailing(len(input.shape), normalized_ndim)
    xhat, rstd = _stats(input, dims, eps, g if weight is not None else None)
    return _normalized_grad(g if weight is None else g * weight, xhat, rstd, dims)


def _layer_norm_vjp_weight(g: Any, input: Any, normalized_ndim: int, eps: float) -> Any:
    # the full-shape product; the engine sums it down to the weight's (trailing) shape
    xhat = _stats(input, _trailing(len(input.shape), normalized_ndim), eps, g)[0]
    _forget_stats()
    return g * xhat


def _layer_norm_jvp(tangents: list, input: Any, weight: Any, normalized_ndim: int,
                    eps: float) -> Any:
    tx, tw, tb = tangents
    dims = _trailing(len(input.shape), normalized_ndim)
    xhat, rstd = _stats(input, dims, eps)
    total = None
    if tx is not None:
        d = _normalized_grad(tx, xhat, rstd, dims)
        total = d if weight is None else d * weight
    if tw is not None:
        total = _add(total, xhat * tw)
    if tb is not None:
        total = _add(total, _full(tb, tuple(input.shape)))
    return total


NATIVE_LAYER_NORM = general("native_layer_norm", _layer_norm, "NativeLayerNormBackward0",
                            ("input", "weight", "bias"),
                            vjp_input=_layer_norm_vjp_input,
                            vjp_weight=_layer_norm_vjp_weight,
                            vjp_bias=lambda g: g,
                            jvp=_layer_norm_jvp)


# -- batch norm ----------------------------------------------------------------------------------
def _batch_dims(ndim: int) -> tuple:
    return (0,) + tuple(range(2, ndim))


def _channel_shape(ndim: int, channels: int) -> tuple:
    return (1, channels) + (1,) * (ndim - 2)


def _per_channel(v: Any, ndim: int) -> Any:
    """A (C,) tensor shaped to broadcast along dim 1 of an ``ndim``-dim input."""
    return reshape(v, shape=_channel_shape(ndim, v.shape[0]))


def _batch_norm(input: np.ndarray, weight: Any, bias: Any, running_mean: Any, running_var: Any,
                training: bool, eps: float) -> np.ndarray:
    t = input.dtype.type
    shape = _channel_shape(input.ndim, input.shape[1])
    if training:
        dims = _batch_dims(input.ndim)
        n = t(_count(input, dims))
        mean = np.add.reduce(input, axis=dims, keepdims=True) / n
        centered = input - mean
        var = np.add.reduce(centered * centered, axis=dims, keepdims=True) / n
    else:
        centered = input - running_mean.reshape(shape).astype(input.dtype, copy=False)
        var = running_var.reshape(shape).astype(input.dtype, copy=False)
    out = centered * (t(1) / np.sqrt(var + t(eps)))
    if weight is not None:
        out = out * weight.reshape(shape)
    if bias is not None:
        out = out + bias.reshape(shape)
    return out


def _batch_norm_parts(input: Any, running_mean: Any, running_var: Any, training: bool,
                      eps: float, g: Any = None) -> tuple:
    """``xhat`` and ``rstd``: from the batch (differentiable) or from the running statistics."""
    ndim = len(input.shape)
    if training:
        return _stats(input, _batch_dims(ndim), eps, g)
    mean = lift(input, raw(running_mean).astype(raw(input).dtype).reshape(
        _channel_shape(ndim, input.shape[1])))
    var = lift(input, raw(running_var).astype(raw(input).dtype).reshape(
        _channel_shape(ndim, input.shape[1])))
    rstd = rsqrt(var + eps)
    return (input - mean) * rstd, rstd


def _batch_norm_vjp_input(g: Any, input: Any, weight: Any, running_mean: Any, running_var: Any,
                          training: bool, eps: float) -> Any:
    ndim = len(input.shape)
    xhat, rstd = _batch_norm_parts(input, running_mean, running_var, training, eps,
                                   g if weight is not None else None)
    gw = g if weight is None else g * _per_channel(weight, ndim)
    if training:
        return _normalized_grad(gw, xhat, rstd, _batch_dims(ndim))
    return gw * rstd


def _batch_norm_vjp_weight(g: Any, input: Any, running_mean: Any, running_var: Any,
                           training: bool, eps: float) -> Any:
    xhat = _batch_norm_parts(input, running_mean, running_var, training, eps, g)[0]
    _forget_stats()
    return SUM_DIM(g * xhat, dim=_batch_dims(len(input.shape)), keepdim=False)


def _batch_norm_jvp(tangents: list, input: Any, weight: Any, running_mean: Any,
                    running_var: Any, training: bool, eps: float) -> Any:
    tx, tw, tb = tangents[:3]
    ndim = len(input.shape)
    xhat, rstd = _batch_norm_parts(input, running_mean, running_var, training, eps)
    total = None
    if tx is not None:
        d = _normalized_grad(tx, xhat, rstd, _batch_dims(ndim)) if training else tx * rstd
        total = d if weight is None else d * _per_channel(weight, ndim)
    if tw is not None:
        total = _add(total, xhat * _per_channel(tw, ndim))
    if tb is not None:
        total = _add(total, _full(_per_channel(tb, ndim), tuple(input.shape)))
    return total


NATIVE_BATCH_NORM = general(
    "native_batch_norm", _batch_norm, "NativeBatchNormBackward0",
    ("input", "weight", "bias", "running_mean", "running_var"),
    vjp_input=_batch_norm_vjp_input, vjp_weight=_batch_norm_vjp_weight,
    vjp_bias=lambda g, input: SUM_DIM(g, dim=_batch_dims(len(input.shape)), keepdim=False),
    jvp=_batch_norm_jvp)


# -- p-norm along dims (at::norm) ------------------------------------------------------------------
def _norm_p(a: np.ndarray, p: float, dim: tuple, keepdim: bool) -> np.ndarray:
    x = np.abs(a)
    if p == math.inf:
        return np.max(x, axis=dim, keepdims=keepdim)
    if p == -math.inf:
        return np.min(x, axis=dim, keepdims=keepdim)
    if p == 0:
        return np.add.reduce((x != 0).astype(a.dtype), axis=dim, keepdims=keepdim)
    if p == 1:
        return np.add.reduce(x, axis=dim, keepdims=keepdim)
    if p == 2:
        return np.sqrt(np.add.reduce(x * x, axis=dim, keepdims=keepdim))
    t = a.dtype.type
    return np.add.reduce(x ** t(p), axis=dim, keepdims=keepdim) ** t(1.0 / p)


def _norm_p_vjp(g: Any, input: Any, result: Any, p: float, dim: tuple, keepdim: bool) -> Any:
    shape = tuple(input.shape)
    spread = _unreduce(g, shape, dim, keepdim)
    if p == 0:
        return spread * 0
    if p == 1:
        return spread * sign(input)
    kept = _kept(result, shape, dim, keepdim)
    safe = where(kept == 0, 1.0, kept)
    if p == 2:
        return spread * where(kept == 0, 0.0, input / safe)
    if abs(p) == math.inf:  # shared evenly between the entries of largest (smallest) size
        hits = (abs_(input) == kept) * 1.0
        return spread * sign(input) * hits / SUM_DIM(hits, dim=dim, keepdim=True)
    scale = input * abs_(input) ** (p - 2) / safe ** (p - 1)
    return spread * where(kept == 0, 0.0, scale)


def _norm_p_jvp(tangents: list, input: Any, result: Any, p: float, dim: tuple,
                keepdim: bool) -> Any:
    t = tangents[0]
    if t is None:
        return None
    ones = lift(t, np.ones(tuple(result.shape), raw(t).dtype))
    return SUM_DIM(t * _norm_p_vjp(ones, input, result, p, dim, keepdim), dim=dim,
                   keepdim=keepdim)


NORM_P = general("norm_p", _norm_p, "NormBackward1", vjp_input=_norm_p_vjp, jvp=_norm_p_jvp)

__all__ = ["NATIVE_LAYER_NORM", "NATIVE_BATCH_NORM", "NORM_P"]
