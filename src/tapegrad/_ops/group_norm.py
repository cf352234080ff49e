"""Group normalisation with torch's fused backward (``NativeGroupNormBackward0``).

The channels (dim 1) of each example are split into ``group`` groups; each group is normalised
over its channels and every further dim, then each channel is scaled by ``weight`` and shifted
by ``bias``.  The rules reuse layer norm's (``_ops.normalization``): with the input viewed as
``(N, group, -1)``, the normalised dim is the last one.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ._registry import general
from .normalization import (_add, _batch_dims, _full, _normalized_grad, _per_channel, _stats)
from .reduction import SUM_DIM
from .shape import reshape


def _grouped(input: Any, group: int) -> Any:
    shape = tuple(input.shape)
    return reshape(input, shape=(shape[0], group, -1)) if input.__class__ is not np.ndarray \
        else input.reshape(shape[0], group, -1)


def _back(x: Any, shape: tuple) -> Any:
    return x.reshape(shape) if x.__class__ is np.ndarray else reshape(x, shape=shape)


def _xhat(input: Any, group: int, eps: float) -> tuple:
    xhat, rstd = _stats(_grouped(input, group), (2,), eps)
    return xhat, rstd


def _group_norm(input: np.ndarray, weight: Any, bias: Any, group: int,
                eps: float) -> np.ndarray:
    xhat, _ = _xhat(input, group, eps)
    out = xhat.reshape(input.shape)
    shape = (1, input.shape[1]) + (1,) * (input.ndim - 2)
    if weight is not None:
        out = out * weight.reshape(shape)
    if bias is not None:
        out = out + bias.reshape(shape)
    return out


def _vjp_input(g: Any, input: Any, weight: Any, group: int, eps: float) -> Any:
    shape = tuple(input.shape)
    xhat, rstd = _xhat(input, group, eps)
    gw = g if weight is None else g * _per_channel(weight, len(shape))
    return _back(_normalized_grad(_grouped(gw, group), xhat, rstd, (2,)), shape)


def _vjp_weight(g: Any, input: Any, group: int, eps: float) -> Any:
    shape = tuple(input.shape)
    xhat = _back(_xhat(input, group, eps)[0], shape)
    return SUM_DIM(g * xhat, dim=_batch_dims(len(shape)), keepdim=False)


def _jvp(tangents: list, input: Any, weight: Any, group: int, eps: float) -> Any:
    tx, tw, tb = tangents
    shape = tuple(input.shape)
    xhat, rstd = _xhat(input, group, eps)
    total = None
    if tx is not None:
        d = _back(_normalized_grad(_grouped(tx, group), xhat, rstd, (2,)), shape)
        total = d if weight is None else d * _per_channel(weight, len(shape))
    if tw is not None:
        total = _add(total, _back(xhat, shape) * _per_channel(tw, len(shape)))
    if tb is not None:
        total = _add(total, _full(_per_channel(tb, len(shape)), shape))
    return total


NATIVE_GROUP_NORM = general(
    "native_group_norm", _group_norm, "NativeGroupNormBackward0", ("input", "weight", "bias"),
    vjp_input=_vjp_input, vjp_weight=_vjp_weight,
    vjp_bias=lambda g, input: SUM_DIM(g, dim=_batch_dims(len(input.shape)), keepdim=False),
    jvp=_jvp, doc="Group normalisation: channels split into ``group`` groups, each normalised "
                  "over its channels and the further dims, then a per-channel affine map.")


def _vmap_rule(level: Any, op: Any, args: tuple, params: dict) -> Any:
    """Examples are normalised independently: the vmapped dim folds into the batch dim."""
    from .._vmap import _rules as V
    input, weight, bias = args
    if V._value(weight, level) is not None or V._value(bias, level) is not None:
        return V.fallback(level, op, args, params)
    v = V._front(input, level)
    shape = tuple(v.shape)
    out = op(reshape(v, shape=(shape[0] * shape[1],) + shape[2:]), weight, bias, **params)
    return V.wrap(reshape(out, shape=shape), level)


def _declare_rules() -> None:
    from .._vmap import _rules as V
    V._declare(_vmap_rule, "native_group_norm")


_declare_rules()

__all__ = ["NATIVE_GROUP_NORM"]
