"""Cases for tests/test_gradcheck.py's table (and so test_forward_ad.py's and test_vmap.py's):
the pooling ops of ``tapegrad._ops.pooling`` group norm (``_ops.group_norm``) and ``_ops.vision``, in that table's format: name -> (fn, [list of
input-spec lists]).  Merged there by ``CASES.update(POOLING_CASES)`` and
``INDIRECT |= POOLING_INDIRECT``.

Max pooling inputs are well separated (``D``), so a small step never changes a window's winner.
"""
from __future__ import annotations

import numpy as np

import tapegrad.nn.functional as F
from tapegrad._ops import pooling as _P


def U(*shape, lo=-1.0, hi=1.0):
    return ("u", shape, lo, hi)


def P(*shape, lo=0.5, hi=2.0):
    return ("u", shape, lo, hi)


def D(*shape, scale=1.0):
    return ("d", shape, scale, None)


_IDX = np.array([[[0, 5], [4, 8]]])  # flat winners into a 3x3 input, for the helper ops

POOLING_CASES = {
    "max_pool2d": (lambda x: F.max_pool2d(x, 2, 1, 1, ceil_mode=True),
                   [[D(1, 2, 3, 4)], [D(2, 3, 3)]]),
    "max_pool2d_dilated": (lambda x: F.max_pool2d(x, (2, 3), (2, 1), (1, 1), dilation=(2, 1)),
                           [[D(1, 1, 4, 5)]]),
    "max_pool3d": (lambda x: F.max_pool3d(x, 2, 1, 1), [[D(1, 1, 2, 3, 2)]]),
    "max_pool1d": (lambda x: F.max_pool1d(x, 3, 2, 1), [[D(2, 2, 5)]]),
    "avg_pool2d": (lambda x: F.avg_pool2d(x, 3, 2, 1, ceil_mode=True, count_include_pad=False),
                   [[U(1, 2, 4, 5)], [U(2, 4, 4)]]),
    "avg_pool2d_divisor": (lambda x: F.avg_pool2d(x, 2, 1, divisor_override=3), [[U(1, 1, 3, 3)]]),
    "avg_pool3d": (lambda x: F.avg_pool3d(x, 2, 1, 1), [[U(1, 1, 2, 3, 2)]]),
    "adaptive_avg_pool2d": (lambda x: F.adaptive_avg_pool2d(x, (2, 3)), [[U(1, 2, 5, 4)]]),
    "adaptive_avg_pool3d": (lambda x: F.adaptive_avg_pool3d(x, (2, 1, 2)), [[U(1, 3, 3, 3)]]),
    "adaptive_max_pool2d": (lambda x: F.adaptive_max_pool2d(x, (2, 3)), [[D(1, 2, 5, 4)]]),
    "adaptive_max_pool3d": (lambda x: F.adaptive_max_pool3d(x, (2, 1, 2)), [[D(1, 3, 2, 3)]]),
    "lp_pool2d": (lambda x: F.lp_pool2d(x, 2.0, 2), [[U(1, 1, 4, 4, lo=0.5, hi=1.5)]]),
    # group normalisation (_ops/group_norm.py)
    "group_norm": (lambda x, w, b: F.group_norm(x, 2, w, b), [[U(2, 4, 3), P(4), U(4)]]),
    "group_norm_plain": (lambda x: F.group_norm(x, 1), [[U(3, 2, 2, 2)]]),
    # the rest of vision (_ops/vision.py)
    "im2col": (lambda x: F.unfold(x, (2, 3), 2, 1, (1, 2)), [[U(1, 2, 4, 5)], [U(2, 3, 4)]]),
    "col2im": (lambda x: F.fold(x, (3, 4), 2, padding=(1, 0)), [[U(1, 8, 12)]]),
    "pixel_shuffle": (lambda x: F.pixel_shuffle(x, 2), [[U(1, 8, 2, 3)]]),
    "pixel_unshuffle": (lambda x: F.pixel_unshuffle(x, 2), [[U(2, 4, 2)]]),
    "upsample_nearest1d": (lambda x: F.interpolate(x, scale_factor=1.5), [[U(1, 2, 3)]]),
    "upsample_nearest2d": (lambda x: F.interpolate(x, size=(3, 5)), [[U(1, 1, 2, 3)]]),
    "upsample_nearest3d": (lambda x: F.interpolate(x, scale_factor=2), [[U(1, 1, 2, 1, 2)]]),
    "upsample_nearestexact1d": (lambda x: F.interpolate(x, size=5, mode="nearest-exact"),
                                [[U(1, 2, 3)]]),
    "upsample_nearestexact2d": (lambda x: F.interpolate(x, size=(3, 2), mode="nearest-exact"),
                                [[U(1, 1, 2, 3)]]),
    "upsample_nearestexact3d": (lambda x: F.interpolate(x, size=(1, 3, 3), mode="nearest-exact"),
                                [[U(1, 1, 2, 2, 2)]]),
    "upsample_linear1d": (lambda x: F.interpolate(x, size=5, mode="linear"), [[U(1, 2, 3)]]),
    "upsample_bilinear2d": (lambda x: F.interpolate(x, size=(3, 5), mode="bilinear",
                                                    align_corners=True), [[U(1, 1, 2, 3)]]),
    "upsample_bicubic2d": (lambda x: F.interpolate(x, scale_factor=1.5, mode="bicubic"),
                           [[U(1, 1, 3, 3)]]),
    "upsample_trilinear3d": (lambda x: F.interpolate(x, size=(2, 3, 3), mode="trilinear"),
                             [[U(1, 1, 2, 2, 2)]]),
    # the helpers that the derivative rules are made of, applied directly
    "max_pool_take": (lambda x: _P.POOL_TAKE(x, indices=_IDX, dims=2), [[U(1, 3, 3)]]),
    "max_pool_scatter": (lambda g: _P.MAX_POOL_SCATTER(g, indices=_IDX, target=(1, 3, 3),
                                                       dims=2), [[U(1, 2, 2)]]),
}

# ops that only gradients' graphs contain (create_graph=True)
POOLING_INDIRECT = {"max_pool2d_backward", "max_pool3d_backward", "avg_pool2d_backward",
                    "avg_pool3d_backward", "adaptive_avg_pool2d_backward",
                    "adaptive_avg_pool3d_backward", "adaptive_max_pool2d_backward",
                    "adaptive_max_pool3d_backward"}
POOLING_INDIRECT |= {name + "_backward" for name in POOLING_CASES if name.startswith("upsample")}
