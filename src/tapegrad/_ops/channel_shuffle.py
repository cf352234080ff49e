"""``channel_shuffle``: the channels of an ``(N, C, *)`` tensor interleaved across ``groups``
(ShuffleNet), one node as in torch (``ChannelShuffleBackward0``).

Channel ``g * (C // groups) + k`` moves to position ``k * groups + g``.  The op is a
permutation, so its VJP is the inverse permutation: a shuffle with ``C // groups`` groups.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ._registry import linear


def _channel_shuffle(input: np.ndarray, groups: int) -> np.ndarray:
    n, c = input.shape[:2]
    rest = input.shape[2:]
    grouped = input.reshape((n, groups, c // groups) + rest)
    return np.ascontiguousarray(grouped.swapaxes(1, 2)).reshape(input.shape)


def _channel_shuffle_vjp(g: Any, input_shape: tuple, groups: int) -> Any:
    return CHANNEL_SHUFFLE(g, groups=input_shape[1] // groups)


CHANNEL_SHUFFLE = linear("channel_shuffle", _channel_shuffle, "ChannelShuffleBackward0",
                         _channel_shuffle_vjp, params=("groups",),
                         doc="The channels of an (N, C, *) input interleaved across groups.")


def _channel_shuffle_rule(level: Any, op: Any, args: tuple, params: dict) -> Any:
    """The batch dim folded into the examples' own: ``(B, N, C, ...) -> (B * N, C, ...)``."""
    from .._vmap import _rules as V
    from . import shape as S
    v = V._front(args[0], level)
    shape = tuple(v.shape)
    out = op(S.RESHAPE(v, shape=(shape[0] * shape[1],) + shape[2:]), **params)
    return V.wrap(S.RESHAPE(out, shape=shape), level)


def _declare_rules() -> None:
    from .._vmap import _rules as V
    V._declare(_channel_shuffle_rule, "channel_shuffle")


_declare_rules()
