"""Scaled dot-product attention as one op: torch's fused CPU kernel for 4-D inputs
(``ScaledDotProductFlashAttentionForCpuBackward0``), which ``nn.functional`` uses where torch
does (4-D query, key and value of one head size, no dropout, a 2-D or 4-D mask or none).

    out = softmax(Q K^T * scale + mask) V       (rows that see no key give zeros)

With ``P`` the attention weights and ``G`` the gradient of ``out``, the rules are

    dV = P^T G,   dS = P * (G V^T - rowsum(P * G V^T)),   dQ = dS K * scale,   dK = dS^T Q * scale

written with tapegrad ops, so gradients of gradients follow.  ``groups > 1`` shares each key and
value head among that many query heads (grouped-query attention).
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ._registry import general, lift, raw
from .elementwise import where
from .linalg import matmul
from .reduction import SOFTMAX, SUM_DIM
from .shape import EXPAND, reshape, transpose


def _mT(x: Any) -> Any:
    n = len(x.shape)
    return transpose(x, dim0=n - 2, dim1=n - 1)


def _shared(x: Any, groups: int) -> Any:
    """Key/value heads (dim 1) repeated for their groups of query heads."""
    if groups == 1:
        return x
    b, h, s, e = x.shape
    wide = EXPAND(reshape(x, shape=(b, h, 1, s, e)), shape=(b, h, groups, s, e))
    return reshape(wide, shape=(b, h * groups, s, e))


def _unshared(g: Any, groups: int) -> Any:
    """The transpose of ``_shared``: each group's gradients summed into its key/value head."""
    if groups == 1:
        return g
    b, h, s, e = g.shape
    return SUM_DIM(reshape(g, shape=(b, h // groups, groups, s, e)), dim=(2,), keepdim=False)


def _bias(attn_mask: Any, is_causal: bool, length: int, source: int, dtype: Any) -> tuple:
    """The additive mask (a constant array, or None) and the rows it hides entirely."""
    bias = None if attn_mask is None else raw(attn_mask)
    if is_causal:
        causal = np.where(np.tril(np.ones((length, source), bool)), 0.0, -np.inf).astype(dtype)
        bias = causal if bias is None else bias + causal
    if bias is None:
        return None, None
    empty = np.all(bias == -np.inf, axis=-1, keepdims=True)
    return bias.astype(dtype, copy=False), (empty if empty.any() else None)


def _weights(query: Any, key: Any, attn_mask: Any, is_causal: bool, scale: float,
             groups: int) -> Any:
    """The attention weights ``P`` (tapegrad ops on arrays or tensors)."""
    k = _shared(key, groups)
    scores = matmul(query, _mT(k)) * scale
    dtype = raw(query).dtype
    bias, empty = _bias(attn_mask, is_causal, query.shape[-2], key.shape[-2], dtype)
    if bias is not None:
        scores = scores + lift(scores, bias)
    last = len(query.shape) - 1
    if empty is None:
        return SOFTMAX(scores, dim=last)
    hidden = lift(scores, empty)
    return where(hidden, 0.0, SOFTMAX(where(hidden, 0.0, scores), dim=last))


def _forward(query: np.ndarray, key: np.ndarray, value: np.ndarray, attn_mask: Any,
             is_causal: bool, scale: float, groups: int) -> np.ndarray:
    p = _weights(query, key, attn_mask, is_causal, scale, groups)
    return np.matmul(p, _shared(value, groups)).astype(query.dtype, copy=False)


# On the array path (an ordinary backward) the three rules of one node share P and dS.
_last: list = [None] * 3  # key, P, dS


def _parts(g: Any, query: Any, key: Any, value: Any, attn_mask: Any, is_causal: bool,
           scale: float, groups: int) -> tuple:
    ident = (g, query, key, value, attn_mask, is_causal, scale, groups)
    arrays = g.__class__ is np.ndarray and query.__class__ is np.ndarray
    if arrays and _last[0] is not None and all(a is b for a, b in zip(_last[0], ident)):
        return _last[1], _last[2]
    p = _weights(query, key, attn_mask, is_causal, scale, groups)
    dp = matmul(g, _mT(_shared(value, groups)))
    last = len(p.shape) - 1
    ds = p * (dp - SUM_DIM(p * dp, dim=(last,), keepdim=True))
    if arrays:
        _last[:] = [ident, p, ds]
    return p, ds


def _vjp_query(g: Any, query: Any, key: Any, value: Any, attn_mask: Any, is_causal: bool,
               scale: float, groups: int) -> Any:
    ds = _parts(g, query, key, value, attn_mask, is_causal, scale, groups)[1]
    return matmul(ds, _shared(key, groups)) * scale


def _vjp_key(g: Any, query: Any, key: Any, value: Any, attn_mask: Any, is_causal: bool,
             scale: float, groups: int) -> Any:
    ds = _parts(g, query, key, value, attn_mask, is_causal, scale, groups)[1]
    return _unshared(matmul(_mT(ds), query), groups) * scale


def _vjp_value(g: Any, query: Any, key: Any, value: Any, attn_mask: Any, is_causal: bool,
               scale: float, groups: int) -> Any:
    p = _parts(g, query, key, value, attn_mask, is_causal, scale, groups)[0]
    _last[:] = [None] * 3
    return _unshared(matmul(_mT(p), g), groups)


def _jvp(tangents: list, query: Any, key: Any, value: Any, attn_mask: Any, is_causal: bool,
         scale: float, groups: int) -> Any:
    tq, tk, tv = tangents[:3]
    p = _weights(query, key, attn_mask, is_causal, scale, groups)
    total = None
    if tq is not None or tk is not None:
        ts = None
        if tq is not None:
            ts = matmul(tq, _mT(_shared(key, groups))) * scale
        if tk is not None:
            term = matmul(query, _mT(_shared(tk, groups))) * scale
            ts = term if ts is None else ts + term
        last = len(p.shape) - 1
        tp = p * (ts - SUM_DIM(p * ts, dim=(last,), keepdim=True))
        total = matmul(tp, _shared(value, groups))
    if tv is not None:
        term = matmul(p, _shared(tv, groups))
        total = term if total is None else total + term
    return total


SDPA_FLASH_CPU = general(
    "scaled_dot_product_flash_attention_for_cpu", _forward,
    "ScaledDotProductFlashAttentionForCpuBackward0", ("query", "key", "value", "attn_mask"),
    vjp_query=_vjp_query, vjp_key=_vjp_key, vjp_value=_vjp_value, jvp=_jvp)

__all__ = ["SDPA_FLASH_CPU"]
