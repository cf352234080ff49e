"""Cases for tests/test_gradcheck.py's table (and so tests/test_forward_ad.py's): one or more per
registry op that tapegrad.nn.functional adds (_ops/activation.py, loss.py, normalization.py,
padding.py, attention.py), in that table's format: name -> (fn, [list of input-spec lists]).

test_gradcheck.py merges them: ``CASES.update(NN_CASES)`` and ``INDIRECT |= NN_INDIRECT``.
"""
from __future__ import annotations

import numpy as np

import tapegrad as tg
import tapegrad.nn.functional as F


def U(*shape, lo=-1.0, hi=1.0):
    return ("u", shape, lo, hi)


def P(*shape, lo=0.5, hi=2.0):
    return ("u", shape, lo, hi)


def D(*shape, scale=1.0):  # well-separated values: away from the kinks of piecewise functions
    return ("d", shape, scale, None)


_IDX = np.array([2, 0, 3])
_IDX_IGNORED = np.array([2, -100, 3])
_IDX4 = np.array([[[0, 2], [1, 1]], [[2, 0], [0, 1]]])
_W4 = np.array([0.5, 1.5, 1.0, 2.0])


def _inplace(fn):
    """``fn`` applied in place to a copy of x (the in-place ops are separate registry ops)."""
    return lambda x: fn(x * 1)


NN_CASES = {
    # activations
    "gelu": (lambda x: F.gelu(x), [[U(3)], [U(2, 3, lo=-3, hi=3)]]),
    "gelu_tanh": (lambda x: F.gelu(x, approximate="tanh"), [[U(2, 3, lo=-3, hi=3)]]),
    "leaky_relu": (lambda x: F.leaky_relu(x, 0.2), [[D(5)], [D(2, 3)]]),
    "leaky_relu_inplace": (_inplace(lambda x: F.leaky_relu(x, 0.2, inplace=True)), [[D(2, 3)]]),
    "prelu": (lambda x, w: F.prelu(x, w), [[D(2, 3, 2), U(3)], [D(4), U(1)]]),
    "hardtanh": (lambda x: F.hardtanh(x, -0.5, 0.6), [[D(2, 3, scale=0.4)]]),
    "relu6": (lambda x: F.relu6(x * 4 + 3), [[D(2, 3, scale=0.4)]]),
    "threshold": (lambda x: F.threshold(x, 0.1, -2.0), [[D(2, 3)]]),
    "threshold_inplace": (_inplace(lambda x: F.threshold(x, 0.1, 2.0, inplace=True)),
                          [[D(2, 3)]]),
    "elu": (lambda x: F.elu(x, 0.7), [[D(2, 3)]]),
    "elu_inplace": (_inplace(lambda x: F.elu(x, 0.7, inplace=True)), [[D(2, 3)]]),
    "selu": (lambda x: F.selu(x), [[D(2, 3)]]),
    "celu": (lambda x: F.celu(x, 1.3), [[D(2, 3)]]),
    "celu_inplace": (_inplace(lambda x: F.celu(x, 1.3, inplace=True)), [[D(2, 3)]]),
    "softplus": (lambda x: F.softplus(x, 2.0, 1.5), [[D(2, 3)]]),
    "silu": (lambda x: F.silu(x), [[U(2, 3, lo=-3, hi=3)]]),
    "mish": (lambda x: F.mish(x), [[U(2, 3, lo=-3, hi=3)]]),
    "logsigmoid": (lambda x: F.logsigmoid(x), [[U(2, 3, lo=-3, hi=3)]]),
    "hardsigmoid": (lambda x: F.hardsigmoid(x * 5), [[D(2, 3)]]),
    "hardswish": (lambda x: F.hardswish(x * 5), [[D(2, 3)]]),
    "hardshrink": (lambda x: F.hardshrink(x, 0.35), [[D(2, 3)]]),
    "softshrink": (lambda x: F.softshrink(x, 0.35), [[D(2, 3)]]),
    "glu": (lambda x: F.glu(x, 0), [[U(4, 3)], [U(2, 6)]]),
    # losses
    "mse_loss": (lambda x, t: F.mse_loss(x, t), [[U(2, 3), U(2, 3)]]),
    "mse_loss_none": (lambda x, t: F.mse_loss(x, t, reduction="none"), [[U(2, 3), U(2, 3)]]),
    "smooth_l1_loss": (lambda x, t: F.smooth_l1_loss(x * 3, t, reduction="sum", beta=0.5),
                       [[D(2, 3), U(2, 3, lo=-0.01, hi=0.01)]]),
    "huber_loss": (lambda x, t: F.huber_loss(x * 3, t, delta=0.5),
                   [[D(2, 3), U(2, 3, lo=-0.01, hi=0.01)]]),
    "binary_cross_entropy": (lambda x, t: F.binary_cross_entropy(x, t, tg.tensor(
        [0.5, 2.0, 1.0], dtype=tg.float64)), [[U(2, 3, lo=0.1, hi=0.9), U(2, 3, lo=0, hi=1)]]),
    "binary_cross_entropy_with_logits": (lambda x, t: F.binary_cross_entropy_with_logits(
        x, t, pos_weight=tg.tensor([0.5, 2.0, 1.0], dtype=tg.float64), reduction="none"),
        [[U(2, 3, lo=-3, hi=3), U(2, 3, lo=0, hi=1)]]),
    "nll_loss": (lambda x: F.nll_loss(x, tg.tensor(_IDX_IGNORED), tg.tensor(_W4)), [[U(3, 4)]]),
    "nll_loss2d": (lambda x: F.nll_loss(x, tg.tensor(_IDX4), reduction="none"),
                   [[U(2, 3, 2, 2)]]),
    "cross_entropy": (lambda x: F.cross_entropy(x, tg.tensor(_IDX), label_smoothing=0.1),
                      [[U(3, 4)]]),
    "cross_entropy_probabilities": (lambda x, t: F.cross_entropy(x, t), [[U(3, 4), P(3, 4)]]),
    # normalisation and distances
    "layer_norm": (lambda x, w, b: F.layer_norm(x, (3,), w, b), [[U(2, 3), P(3), U(3)]]),
    "batch_norm": (lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True),
                   [[U(4, 3), P(3), U(3)], [U(2, 3, 2), P(3), U(3)]]),
    "batch_norm_eval": (lambda x, w: F.batch_norm(x, tg.zeros(3, dtype=tg.float64),
                                                  tg.ones(3, dtype=tg.float64) * 2, w),
                        [[U(4, 3), P(3)]]),
    "pairwise_distance": (lambda a, b: F.pairwise_distance(a, b), [[U(2, 3), U(2, 3)]]),
    "pairwise_distance_p3": (lambda a, b: F.pairwise_distance(a, b, p=3.0, keepdim=True),
                             [[D(2, 3), U(2, 3, lo=0.0, hi=0.01)]]),
    "attention": (lambda q, k, v: F.scaled_dot_product_attention(q, k, v, is_causal=True),
                  [[U(1, 2, 3, 2), U(1, 2, 3, 2), U(1, 2, 3, 2)]]),
    "attention_gqa": (lambda q, k, v: F.scaled_dot_product_attention(
        q, k, v, attn_mask=tg.tensor([[0.5, -1.0, 0.0, 0.2]], dtype=tg.float64),
        enable_gqa=True), [[U(1, 2, 2, 2), U(1, 1, 4, 2), U(1, 1, 4, 2)]]),
    # padding
    "pad_constant": (lambda x: F.pad(x, (1, 2, -1, 0), value=0.5), [[U(2, 3)]]),
    "pad_reflect": (lambda x: F.pad(x, (2, 1), mode="reflect"), [[U(2, 4)]]),
    "pad_reflect2d": (lambda x: F.pad(x, (1, 1, 2, 0), mode="reflect"), [[U(1, 3, 3)]]),
    "pad_reflect3d": (lambda x: F.pad(x, (1, 0, 0, 1, 1, 1), mode="reflect"),
                      [[U(1, 2, 2, 2)]]),
    "pad_replicate": (lambda x: F.pad(x, (2, 3), mode="replicate"), [[U(2, 3)]]),
    "pad_replicate2d": (lambda x: F.pad(x, (1, 0, 2, 1), mode="replicate"), [[U(1, 2, 3)]]),
    "pad_replicate3d": (lambda x: F.pad(x, (0, 1, 1, 0, 2, 0), mode="replicate"),
                        [[U(1, 2, 2, 2)]]),
}

# ops that only gradients' graphs contain (create_graph=True)
NN_INDIRECT = {"gelu_backward", "pad_gather_transpose"}
