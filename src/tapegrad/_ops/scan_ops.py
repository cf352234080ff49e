"""Scans with their own backward in torch: ``cummax``/``cummin`` (values; the indices are a
separate non-differentiable op) and ``logcumsumexp``.

``cummax``'s gradient goes to the element each running maximum came from (the last of equal
values, or the latest NaN, as torch picks them); it is found again from the input in the rule,
so the op needs no index operand.  ``logcumsumexp``'s rules use the weights
``W[i, j] = exp(x_i - out_j)`` for ``j >= i`` (at most 1, so nothing overflows), built with
tapegrad ops so that they are differentiable again.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ._registry import general, lift, raw, nondifferentiable
from .elementwise import exp, where
from .reduction import SUM_DIM
from .selection import GATHER, SCATTER_ADD
from .shape import reshape, transpose


def running_index(a: np.ndarray, dim: int, largest: bool) -> np.ndarray:
    """Index of the running maximum (minimum) along ``dim``: ties and NaNs move it forward."""
    if a.ndim == 0:
        return np.zeros((), np.int64)
    x = np.moveaxis(a, dim, -1)
    n = x.shape[-1]
    index = np.zeros(x.shape, np.int64)
    best = x[..., 0].copy()
    at = np.zeros(x.shape[:-1], np.int64)
    nan_seen = np.isnan(best) if x.dtype.kind in "fc" else np.zeros(best.shape, bool)
    for j in range(1, n):  # one vectorised step per position along dim
        v = x[..., j]
        better = (v >= best) if largest else (v <= best)
        if x.dtype.kind in "fc":
            v_nan = np.isnan(v)
            better = (better & ~nan_seen) | v_nan
            nan_seen |= v_nan
        best = np.where(better, v, best)
        at = np.where(better, j, at)
        index[..., j] = at
    return np.moveaxis(index, -1, dim)


def _running(a: np.ndarray, dim: int, largest: bool) -> np.ndarray:
    if a.ndim == 0:
        return a.copy()
    return np.take_along_axis(a, running_index(a, dim, largest), dim)


def _running_vjp(largest: bool) -> Any:
    def vjp(g: Any, input: Any, dim: int) -> Any:
        if not len(input.shape):
            return g
        index = lift(g, running_index(raw(input), dim, largest))
        zeros = lift(g, np.zeros(tuple(input.shape), raw(input).dtype))
        return SCATTER_ADD(zeros, index, g, dim=dim)
    return vjp


def _running_jvp(largest: bool) -> Any:
    def jvp(tangents: list, input: Any, dim: int) -> Any:
        t = tangents[0]
        if not len(input.shape):
            return t
        return GATHER(t, lift(t, running_index(raw(input), dim, largest)), dim=dim)
    return jvp


CUMMAX = general("cummax", lambda a, dim: _running(a, dim, True), "CummaxBackward0",
                 vjp_input=_running_vjp(True), jvp=_running_jvp(True),
                 doc="The running maximum along dim (values; NaN propagates).")
CUMMIN = general("cummin", lambda a, dim: _running(a, dim, False), "CumminBackward0",
                 vjp_input=_running_vjp(False), jvp=_running_jvp(False),
                 doc="The running minimum along dim (values; NaN propagates).")
CUMMAX_INDEX = nondifferentiable("cummax_index", lambda a, dim: running_index(a, dim, True))
CUMMIN_INDEX = nondifferentiable("cummin_index", lambda a, dim: running_index(a, dim, False))


def _np_logcumsumexp(a: np.ndarray, dim: int) -> np.ndarray:
    if a.ndim == 0:
        return a.copy()
    return np.logaddexp.accumulate(a, axis=dim)


def _weights(input: Any, result: Any, dim: int) -> tuple:
    """``W[..., i, j] = exp(x_i - out_j)`` for ``j >= i`` else 0, with ``dim`` moved last."""
    last = len(input.shape) - 1
    x = transpose(input, dim0=dim, dim1=last)
    out = transpose(result, dim0=dim, dim1=last)
    shape = tuple(x.shape)
    n = shape[-1]
    diff = reshape(x, shape=shape + (1,)) - reshape(out, shape=shape[:-1] + (1, n))
    later = lift(diff, np.triu(np.ones((n, n), dtype=bool)))
    return exp(where(later, diff, float("-inf"))), last


def _logcumsumexp_vjp(g: Any, input: Any, result: Any, dim: int) -> Any:
    if not len(input.shape):
        return g
    w, last = _weights(input, result, dim)
    g_last = transpose(g, dim0=dim, dim1=last)
    rows = reshape(g_last, shape=tuple(g_last.shape[:-1]) + (1, g_last.shape[-1]))
    return transpose(SUM_DIM(w * rows, dim=(last + 1,), keepdim=False), dim0=dim, dim1=last)


def _logcumsumexp_jvp(tangents: list, input: Any, result: Any, dim: int) -> Any:
    t = tangents[0]
    if not len(input.shape):
        return t
    w, last = _weights(input, result, dim)
    t_last = transpose(t, dim0=dim, dim1=last)
    cols = reshape(t_last, shape=tuple(t_last.shape) + (1,))
    return transpose(SUM_DIM(w * cols, dim=(last,), keepdim=False), dim0=dim, dim1=last)


LOGCUMSUMEXP = general("logcumsumexp", _np_logcumsumexp, "LogcumsumexpBackward0",
                       vjp_input=_logcumsumexp_vjp, jvp=_logcumsumexp_jvp,
                       doc="``log(cumsum(exp(x)))`` along dim, computed without overflow.")


def _declare_rules() -> None:
    """Batching rules: every op here takes one ``dim``, which vmap shifts past the batch dim."""
    from .._vmap._rules import RULES, shift_dims
    for name in ("cummax", "cummin", "cummax_index", "cummin_index", "logcumsumexp"):
        RULES[name] = shift_dims


_declare_rules()
