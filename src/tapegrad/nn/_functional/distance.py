"""``pad``, ``cosine_similarity``, ``pairwise_distance``, ``scaled_dot_product_attention``.

``pad`` follows torch's dispatch: constant padding of any dims (``ConstantPadNdBackward0``),
reflection and replication padding of the last 1, 2 or 3 dims of a batch
(``ReflectionPad2DBackward0``, ...), circular padding copied slice by slice into a new tensor
(``CopySlices``, as torch records it).  ``scaled_dot_product_attention`` is torch's reference
("math") formula written with tapegrad functions, dropout drawn from tapegrad's random stream
where torch draws it, so a seeded call gives torch's numbers.

    >>> import tapegrad as torch
    >>> import tapegrad.nn.functional as F
    >>> F.pad(torch.arange(4.0).view(1, 1, 4), (2, 1), mode="reflect")
    tensor([[[2., 1., 0., 1., 2., 3., 2.]]])
"""
from __future__ import annotations

import math
from typing import Any, Sequence

import tapegrad
from tapegrad import Tensor
from tapegrad._ops import attention as _A
from tapegrad._ops import normalization as _N
from tapegrad._ops import padding as _P

from .activation import _scalar_name

__all__ = ["pad", "cosine_similarity", "pairwise_distance", "scaled_dot_product_attention"]

_MODES = ("constant", "reflect", "replicate", "circular")


# -- padding -------------------------------------------------------------------------------------
def pad(input: Tensor, pad: Sequence[int], mode: str = "constant",
        value: float | None = None) -> Tensor:
    """Pad the last ``len(pad) // 2`` dims of ``input``; ``pad`` lists (left, right) amounts
    starting from the last dim.  ``mode``: ``'constant'`` (with ``value``, default 0; negative
    amounts crop), ``'reflect'`` (mirror without repeating the edge), ``'replicate'`` (repeat the
    edge) or ``'circular'`` (wrap around); the last three pad the last 1-3 dims of a batched or
    unbatched input."""
    if mode not in _MODES:
        raise NotImplementedError(f"Unrecognised padding mode {mode}")
    pad = tuple(int(p) for p in pad)
    if len(pad) % 2:
        raise RuntimeError("Padding length must be divisible by 2")
    if len(pad) > 2 * input.ndim:
        raise RuntimeError("Padding length should be less than or equal to two times the input "
                           f"dimension but got padding length {len(pad)} and input of dimension "
                           f"{input.ndim}")
    if mode == "constant":
        return _constant_pad(input, pad, 0.0 if value is None else value)
    if value is not None and value != 0:
        raise RuntimeError(f"Padding mode \"{mode}\" doesn't take in value argument")
    n = len(pad) // 2
    if n not in (1, 2, 3) or input.ndim not in (n + 1, n + 2):
        raise NotImplementedError(
            f"Padding size {len(pad)} is not supported for {input.ndim}D input tensor.\n"
            "Supported combinations for non-constant padding:\n"
            "  - 2D or 3D input: padding size = 2 (pads last dimension)\n"
            "  - 3D or 4D input: padding size = 4 (pads last 2 dimensions)\n"
            "  - 4D or 5D input: padding size = 6 (pads last 3 dimensions)")
    if mode == "circular":
        return _circular_pad(input, pad)
    if mode == "reflect":
        for k in range(n):
            left, right = pad[2 * k], pad[2 * k + 1]
            dim = input.ndim - 1 - k
            if not (left < input.shape[dim] and right < input.shape[dim]):
                raise RuntimeError(f"Argument #{4 + 2 * k}: Padding size should be less than the "
                                   "corresponding input dimension, but got: padding "
                                   f"({left}, {right}) at dimension {dim} of input "
                                   f"{list(input.shape)}")
    return _P.gather_pad(input, pad, mode)


def _constant_pad(input: Tensor, pad: tuple, value: float) -> Tensor:
    for i in range(len(pad) // 2):
        dim = input.ndim - 1 - i
        if input.shape[dim] + min(pad[2 * i], 0) + min(pad[2 * i + 1], 0) < 0:
            raise RuntimeError("narrow(): length must be non-negative.")
    return _P.CONSTANT_PAD_ND(input, pad=pad, value=value)


def _circular_pad(input: Tensor, pad: tuple) -> Tensor:
    """torch's recipe: the input copied into the middle of a new tensor, then each padded dim's
    edges copied from the opposite side (corners are written twice, as in torch)."""
    n = len(pad) // 2
    out_shape = list(input.shape)
    for k in range(n):
        dim = input.ndim - 1 - k
        left, right = pad[2 * k], pad[2 * k + 1]
        size = input.shape[dim]
        if not (left <= size and right <= size):
            raise RuntimeError("Padding value causes wrapping around more than once.")
        out_shape[dim] = size + left + right
        if out_shape[dim] < 0:
            raise RuntimeError("Negative padding value is resulting in an empty dimension")
    out = input.new_empty(out_shape)
    inner_out: list = [slice(None)] * input.ndim
    inner_in: list = [slice(None)] * input.ndim
    for k in range(n):
        dim = input.ndim - 1 - k
        left, right = pad[2 * k], pad[2 * k + 1]
        inner_out[dim] = slice(max(left, 0), out_shape[dim] - max(right, 0))
        inner_in[dim] = slice(max(-left, 0), input.shape[dim] - max(-right, 0))
    out[tuple(inner_out)] = input[tuple(inner_in)]
    for k in range(n):
        dim = input.ndim - 1 - k
        left, right = pad[2 * k], pad[2 * k + 1]
        size = out_shape[dim]
        if left > 0:
            out[_along(dim, 0, left)] = out[_along(dim, size - left - max(right, 0),
                                                   size - max(right, 0))]
        if right > 0:
            out[_along(dim, size - right, size)] = out[_along(dim, max(left, 0),
                                                              max(left, 0) + right)]
    return out


def _along(dim: int, start: int, stop: int) -> tuple:
    return (slice(None),) * dim + (slice(start, stop),)


# -- distances -----------------------------------------------------------------------------------
def cosine_similarity(x1: Tensor, x2: Tensor, dim: int = 1, eps: float = 1e-8) -> Tensor:
    """``<x1, x2> / (max(||x1||, eps) * max(||x2||, eps))`` along ``dim`` (broadcasting).

    As torch does, each input is divided by its own norm before the product (so the result
    stays in [-1, 1]), and the floor ``eps`` is applied without entering the gradient."""
    floating = [t.dtype for t in (x1, x2) if t.dtype.is_floating_point]
    if not floating:
        common = x1.dtype if x1.dtype.itemsize >= x2.dtype.itemsize else x2.dtype
        raise RuntimeError("expected common dtype to be floating point, yet common dtype is "
                           f"{_scalar_name(common)}")
    common = max(floating, key=lambda d: d.itemsize) if len(floating) == 2 else floating[0]
    x1, x2 = tapegrad.broadcast_tensors(x1.to(common), x2.to(common))
    n1 = tapegrad.linalg.vector_norm(x1, 2, dim=dim, keepdim=True).clone()
    n2 = tapegrad.linalg.vector_norm(x2, 2, dim=dim, keepdim=True).clone()
    with tapegrad.no_grad():
        n1.clamp_(min=eps)
        n2.clamp_(min=eps)
    return ((x1 / n1) * (x2 / n2)).sum(dim)


def pairwise_distance(x1: Tensor, x2: Tensor, p: float = 2.0, eps: float = 1e-6,
                      keepdim: bool = False) -> Tensor:
    """The p-norm of ``x1 - x2 + eps`` along the last dim (``NormBackward1``, as torch)."""
    ndim = max(x1.ndim, x2.ndim)
    diff = x1 - x2 + eps
    if ndim == 0:
        return _N.NORM_P(diff, p=float(p), dim=None, keepdim=keepdim)
    return _N.NORM_P(diff, p=float(p), dim=(ndim - 1,), keepdim=keepdim)


# -- attention -----------------------------------------------------------------------------------
# the C++ names of dtypes, as torch's attention checks print them
_CPP_NAMES = {"float32": "float", "float64": "double", "float16": "c10::Half",
              "bfloat16": "c10::BFloat16", "int64": "long int", "int32": "int",
              "int16": "short int", "int8": "signed char", "uint8": "unsigned char",
              "bool": "bool"}


def _dtype_name(t: Tensor) -> str:
    key = str(t.dtype).split(".")[-1]
    return _CPP_NAMES.get(key, key)


def scaled_dot_product_attention(query: Tensor, key: Tensor, value: Tensor,
                                 attn_mask: Tensor | None = None, dropout_p: float = 0.0,
                                 is_causal: bool = False, scale: float | None = None,
                                 enable_gqa: bool = False) -> Tensor:
    """``softmax(Q K^T * scale + mask) V`` over the last two dims (batch dims broadcast).

    ``attn_mask``: a bool mask (True takes part) or a float mask added to the scores;
    ``is_causal``: each query sees keys up to its own position; ``dropout_p``: dropout of the
    attention weights, drawn as torch draws it; ``scale`` defaults to ``1 / sqrt(E)``;
    ``enable_gqa``: key/value heads (dim -3) shared by groups of query heads.  Written as torch's
    reference formula: ``sqrt(scale)`` multiplies both Q and K, and a row that sees no key gets
    zero weights (not NaN)."""
    if not (query.dtype == key.dtype == value.dtype):
        raise RuntimeError("Expected query, key, and value to have the same dtype, but got "
                           f"query.dtype: {_dtype_name(query)} key.dtype: {_dtype_name(key)} "
                           f"and value.dtype: {_dtype_name(value)} instead.")
    if min(query.ndim, key.ndim, value.ndim) < 2:
        raise RuntimeError("Expected query, key, and value to all be  at least 2 dimensional, "
                           f"but got query.dim: {query.ndim} key.dim: {key.ndim} and value.dim: "
                           f"{value.ndim} instead.")
    if attn_mask is not None:
        if not (str(attn_mask.dtype).endswith(("bool", "float32")) or
                attn_mask.dtype == query.dtype):
            raise RuntimeError("Expected attn_mask dtype to be bool or float or to match query "
                               f"dtype, but got attn_mask.dtype: {_dtype_name(attn_mask)} and  "
                               f"query.dtype: {_dtype_name(query)} instead.")
        if is_causal:
            raise RuntimeError("_scaled_dot_product_attention: Explicit attn_mask should not be "
                               "set when is_causal=True")
        if attn_mask.dtype == tapegrad.bool:
            attn_mask = _additive_mask(attn_mask, query.dtype)
    if _fused(query, key, value, attn_mask, dropout_p, enable_gqa):
        groups = query.shape[1] // key.shape[1]
        return _A.SDPA_FLASH_CPU(query, key, value, attn_mask, is_causal=bool(is_causal),
                                 scale=1.0 / math.sqrt(query.shape[-1]) if scale is None
                                 else float(scale), groups=groups)
    negative = scale is not None and scale < 0
    factor = math.sqrt(abs(scale) if scale is not None else 1.0 / math.sqrt(query.shape[-1]))
    q = query * (-factor if negative else factor)
    if is_causal:
        length, source = q.shape[-2], key.shape[-2]
        attn_mask = _additive_mask(tapegrad.ones(length, source, dtype=tapegrad.bool).tril(),
                                   q.dtype)
    if enable_gqa and query.ndim >= 3 and key.shape[-3] != query.shape[-3]:
        key, value = _shared_heads(query, key, value)
    scores = tapegrad.matmul(q, key.transpose(-2, -1) * factor)
    if attn_mask is not None:
        scores = scores + attn_mask
    weights = scores.softmax(-1) if attn_mask is None else _safe_softmax(scores)
    if dropout_p > 0.0:
        weights = _dropout(weights, dropout_p)
    return tapegrad.matmul(weights, value)


def _fused(query: Tensor, key: Tensor, value: Tensor, attn_mask: Tensor | None,
           dropout_p: float, enable_gqa: bool) -> bool:
    """Whether torch takes its fused CPU kernel (``ScaledDotProductFlashAttentionForCpu``):
    4-D inputs of one head size and batch, no dropout, key and value heads equal to the query's
    (or dividing them, with ``enable_gqa``), a 2-D or 4-D constant mask and no empty sequence."""
    if dropout_p > 0.0 or not query.ndim == key.ndim == value.ndim == 4:
        return False
    (b, h, length, e), (kb, kh, source, ke) = query.shape, key.shape
    if value.shape != (kb, kh, source, e) or ke != e or kb != b or 0 in (length, source, e):
        return False
    if kh != h and not (enable_gqa and h % kh == 0):
        return False
    if attn_mask is None:
        return True
    if attn_mask.requires_grad or attn_mask.ndim not in (2, 4):
        return False
    lead = tuple(attn_mask.shape[:-2])
    return tuple(attn_mask.shape[-2:]) == (length, source) and all(
        n in (1, full) for n, full in zip(lead, (b, h)))


def _additive_mask(mask: Tensor, dtype: Any) -> Tensor:
    """A bool mask as torch converts it: 0 where True, -inf where False."""
    return tapegrad.zeros(mask.shape, dtype=dtype).masked_fill(mask.logical_not(), -math.inf)


def _safe_softmax(scores: Tensor) -> Tensor:
    """softmax over the last dim, with rows that are entirely -inf giving zeros."""
    empty = (scores == -math.inf).all(-1, keepdim=True)
    # (those rows' scores replaced before the softmax too, so that no NaN enters its gradient)
    return tapegrad.where(empty, 0.0, tapegrad.where(empty, 0.0, scores).softmax(-1))


def _dropout(weights: Tensor, p: float) -> Tensor:
    """torch's CPU dropout: a Bernoulli(1 - p) mask drawn over the whole tensor, scaled."""
    if p == 1.0:
        return weights * tapegrad.zeros((), dtype=weights.dtype)
    noise = tapegrad.empty_like(weights).bernoulli_(1 - p)
    noise.div_(1 - p)
    return weights * noise


def _shared_heads(query: Tensor, key: Tensor, value: Tensor) -> tuple:
    heads, kv_heads = query.shape[-3], key.shape[-3]
    if heads % kv_heads or value.shape[-3] != kv_heads:
        raise RuntimeError("Number of heads in key and value must divide the number of heads in "
                           "query")
    groups = heads // kv_heads
    return (key.repeat_interleave(groups, dim=-3), value.repeat_interleave(groups, dim=-3))
