"""Batching rules for the ops behind ``tapegrad.nn.functional`` (``_ops/activation.py``,
``loss.py``, ``normalization.py``, ``padding.py``), declared into ``_rules.RULES`` when
``_ops/loss.py`` is imported.  The elementwise activations need none (their kind has a rule).

* reduced pointwise losses: the unreduced loss by the elementwise rule, then each example's
  mean or sum;
* ``nll_loss``/``nll_loss2d``: the examples' rows stacked into one call with
  ``reduction='none'``; ``'mean'`` divides each example's sum by its own total weight (itself an
  nll of a constant -1 input, so every step stays an op);
* ``native_layer_norm`` normalises trailing dims: the physical call is the same call (a batched
  weight or bias runs example by example);
* ``native_batch_norm``: the batch dim folded into the channels, ``(B, N, C, ...) -> (N, B*C,
  ...)``, so each example's channels get their own statistics; weights repeated (or, batched,
  flattened) to ``B*C``;
* paddings pad trailing dims: the same call on the physical value;
* the fused attention takes 4-D examples: the batch dim folded into the first one.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .._ops import loss as L, normalization as N, padding as P
from .._ops import activation as A, attention as T
from .._ops import reduction as R, shape as S
from .._tensor import Tensor
from ._batched import wrap
from ._rules import RULES, Rule, _front, _value, elementwise, fallback, reduction, shift_dims


def pointwise_loss(level: Any, op: Any, args: tuple, params: dict) -> Any:
    out = elementwise(level, op, args, {**params, "reduction": "none"})
    how = params["reduction"]
    if how == "none":
        return out
    v = out._value
    dims = tuple(range(1, len(v.shape)))
    if not dims:
        return out
    reduce = R.SUM_DIM if how == "sum" else R.MEAN_DIM
    return wrap(reduce(v, dim=dims, keepdim=False), level)


def nll(level: Any, op: Any, args: tuple, params: dict) -> Any:
    input, target, weight = args
    if _value(weight, level) is not None:  # per-example class weights
        return fallback(level, op, args, params)
    x, t = _front(input, level), _front(target, level)
    shape = tuple(x.shape)
    batch = shape[0]
    if op is L.NLL_LOSS and len(shape) == 2:  # examples of shape (C,): already rows
        rows, targets, per_example = x, t, (batch,)
    else:  # (B, N, C, ...) -> (B*N, C, ...)
        rows = S.RESHAPE(x, shape=(batch * shape[1],) + shape[2:])
        targets = S.RESHAPE(t, shape=(batch * shape[1],) + tuple(t.shape)[2:])
        per_example = (batch, shape[1]) + shape[3:]
    kw = {"ignore_index": params["ignore_index"], "reduction": "none"}
    losses = S.RESHAPE(op(rows, targets, weight, **kw), shape=per_example)
    how = params["reduction"]
    if how == "none":
        return wrap(losses, level)
    dims = tuple(range(1, len(per_example)))
    total = R.SUM_DIM(losses, dim=dims, keepdim=False) if dims else losses
    if how == "sum":
        return wrap(total, level)
    minus_ones = Tensor._make(np.full(tuple(rows.shape), -1.0, rows.dtype.np))
    weights = S.RESHAPE(op(minus_ones, targets, weight, **kw), shape=per_example)
    count = R.SUM_DIM(weights, dim=dims, keepdim=False) if dims else weights
    return wrap(total / count, level)


def layer_norm(level: Any, op: Any, args: tuple, params: dict) -> Any:
    x, weight, bias = args
    if _value(weight, level) is not None or _value(bias, level) is not None:
        return fallback(level, op, args, params)
    return wrap(op(_front(x, level), weight, bias, **params), level)


def batch_norm(level: Any, op: Any, args: tuple, params: dict) -> Any:
    v = _front(args[0], level)
    shape = tuple(v.shape)
    batch, n, c, rest = shape[0], shape[1], shape[2], shape[3:]
    folded = S.RESHAPE(S.TRANSPOSE(v, dim0=0, dim1=1), shape=(n, batch * c) + rest)

    def per_channel(a: Any) -> Any:
        if a is None:
            return None
        value = _value(a, level)
        if value is not None:  # (B, C) -> (B*C,)
            return S.RESHAPE(value, shape=(batch * c,))
        return S.REPEAT(a, repeats=(batch,))

    out = op(folded, *[per_channel(a) for a in args[1:]], **params)
    out = S.TRANSPOSE(S.RESHAPE(out, shape=(n, batch, c) + rest), dim0=0, dim1=1)
    return wrap(out, level)


def trailing_pad(level: Any, op: Any, args: tuple, params: dict) -> Any:
    v = _front(args[0], level)
    if "shape" in params:  # the transpose's target shape gains the batch dim
        params = {**params, "shape": (v.shape[0],) + tuple(params["shape"])}
    return wrap(op(v, **params), level)


def attention(level: Any, op: Any, args: tuple, params: dict) -> Any:
    query, key, value, mask = args
    if mask is not None and (len(mask.shape) == 4 or _value(mask, level) is not None):
        return fallback(level, op, args, params)
    pq, pk, pv = (_front(a, level) for a in (query, key, value))
    shape = tuple(pq.shape)

    def flat(x: Any) -> Any:  # (B, b, ...) -> (B*b, ...): still a batch of 4-D examples
        return S.RESHAPE(x, shape=(shape[0] * x.shape[1],) + tuple(x.shape[2:]))

    out = op(flat(pq), flat(pk), flat(pv), mask, **params)
    return wrap(S.RESHAPE(out, shape=shape[:2] + tuple(out.shape[1:])), level)


NN_RULES: dict[str, Rule] = {}
for _rule, _ops in (
        (pointwise_loss, (L.MSE_LOSS, L.SMOOTH_L1_LOSS, L.HUBER_LOSS, L.BINARY_CROSS_ENTROPY,
                          L.BINARY_CROSS_ENTROPY_WITH_LOGITS)),
        (nll, (L.NLL_LOSS, L.NLL_LOSS2D)),
        (elementwise, (L.DIV_SCALAR,)),
        (shift_dims, (A.GLU,)),
        (layer_norm, (N.NATIVE_LAYER_NORM,)),
        (batch_norm, (N.NATIVE_BATCH_NORM,)),
        (reduction, (N.NORM_P,)),
        (attention, (T.SDPA_FLASH_CPU,)),
        (trailing_pad, (P.CONSTANT_PAD_ND, P.PAD_GATHER_TRANSPOSE, P.REFLECTION_PAD1D,
                        P.REFLECTION_PAD2D, P.REFLECTION_PAD3D, P.REPLICATION_PAD1D,
                        P.REPLICATION_PAD2D, P.REPLICATION_PAD3D))):
    for _op in _ops:
        NN_RULES[_op.name] = _rule
RULES.update(NN_RULES)
