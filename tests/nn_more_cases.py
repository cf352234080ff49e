"""Cases for tests/test_gradcheck.py's table (and so test_forward_ad.py's and test_vmap.py's):
the ops of ``tapegrad._ops.embedding_bag`` (embedding_bag, embedding_bag_max),
``tapegrad._ops.rrelu`` (rrelu_with_noise, rrelu_with_noise_), ``tapegrad._ops.channel_shuffle``
and ``tapegrad._ops.fractional_pool`` (fractional_max_pool2d/3d), in that table's format:
name -> (fn, [list of input-spec lists]).  Merged there through its FAMILY_CASE_MODULES list.
"""
from __future__ import annotations

import tapegrad as tg
import tapegrad.nn.functional as F


def U(*shape, lo=-1.0, hi=1.0):
    return ("u", shape, lo, hi)


_INDICES = [1, 2, 4, 5, 4, 3, 2, 0]


def _bag(mode, padding_idx=None):
    def fn(w):
        return F.embedding_bag(tg.tensor(_INDICES), w, tg.tensor([0, 3, 3, 6]), mode=mode,
                               padding_idx=padding_idx)
    return fn


def _weighted(w, psw):
    return F.embedding_bag(tg.tensor(_INDICES), w, tg.tensor([0, 5]), mode="sum",
                           per_sample_weights=psw, padding_idx=4)


CASES = {
    "embedding_bag_sum": (_bag("sum"), [[U(6, 3)]]),
    "embedding_bag_mean": (_bag("mean", padding_idx=2), [[U(6, 3)], [U(7, 2)]]),
    "embedding_bag_weighted": (_weighted, [[U(6, 3), U(8)]]),
    "embedding_bag_max": (_bag("max"), [[U(6, 3)], [U(6, 4)]]),
    "embedding_bag_max_padding": (_bag("max", padding_idx=4), [[U(6, 2)]]),
}
INDIRECT: set = set()


def _rrelu_inplace(x):
    y = x * 1.0
    F.rrelu_(y, 0.2, 0.5)
    return y


CASES.update({
    "rrelu_eval": (lambda x: F.rrelu(x, 0.1, 0.3), [[U(3)], [U(2, 3)]]),
    "rrelu_inplace": (_rrelu_inplace, [[U(2, 3)]]),
})


from tapegrad.nn.functional import channel_shuffle  # noqa: E402

CASES.update({
    "channel_shuffle": (lambda x: channel_shuffle(x, 2), [[U(2, 4, 3)], [U(1, 6, 2, 2)]]),
})


def _fractional2d(x):
    samples = tg.tensor([[[0.3, 0.7], [0.9, 0.1]]], dtype=x.dtype)
    return F.fractional_max_pool2d(x, 2, output_size=(3, 2), _random_samples=samples)


def _fractional3d(x):
    samples = tg.tensor([[[0.3, 0.7, 0.5]]], dtype=x.dtype)
    return F.fractional_max_pool3d(x, (2, 1, 2), output_size=2, _random_samples=samples)


CASES.update({
    "fractional_max_pool2d": (_fractional2d, [[U(1, 2, 5, 4)], [U(2, 5, 5)]]),
    "fractional_max_pool3d": (_fractional3d, [[U(1, 1, 3, 3, 4)]]),
})
