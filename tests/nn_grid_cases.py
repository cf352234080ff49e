"""Cases for tests/test_gradcheck.py's table (and so test_forward_ad.py's and test_vmap.py's):
``Tensor.unfold`` and its gradient, the ops of ``tapegrad._ops.vision`` that the grid work
added (``F.affine_grid``/``F.grid_sample`` are composed from existing ops).  Merged there by
``CASES.update(GRID_CASES)`` and ``INDIRECT |= GRID_INDIRECT``.
"""
from __future__ import annotations

from tapegrad._ops import vision as _V


def U(*shape, lo=-1.0, hi=1.0):
    return ("u", shape, lo, hi)


CASES = {
    "unfold": (lambda x: _V.tensor_unfold(x, 1, 2, 2), [[U(2, 5, 3)], [U(4, 3)]]),
    "unfold_backward": (lambda g: _V.UNFOLD_SUM(g, target=(3, 5), dim=-1, size=3, step=1),
                        [[U(3, 3, 3)]]),
}

# ops that only gradients' graphs contain (create_graph=True): none beyond the direct rows
INDIRECT: set = set()

GRID_CASES, GRID_INDIRECT = CASES, INDIRECT

CASES["affine_grid_generator"] = (
    lambda t: _V.AFFINE_GRID(t, spatial=(3, 2), align_corners=False), [[U(2, 2, 3)]])
CASES["affine_grid_generator_3d"] = (
    lambda t: _V.AFFINE_GRID(t, spatial=(2, 1, 3), align_corners=True), [[U(1, 3, 4)]])

# the fused samplers (tapegrad._ops.grid_sample): points away from pixel edges, where the
# sampling is smooth in the grid
from tapegrad._ops import grid_sample as _GS  # noqa: E402


def _sampler(op, **kw):
    return lambda x, g: op(x, g * 0.8 + 0.013, **kw)


CASES["grid_sampler_2d"] = (_sampler(_GS.GRID_SAMPLER_2D, mode="bilinear", padding_mode="zeros",
                                     align_corners=False), [[U(1, 2, 3, 4), U(1, 2, 2, 2)]])
CASES["grid_sampler_2d_bicubic"] = (
    _sampler(_GS.GRID_SAMPLER_2D, mode="bicubic", padding_mode="reflection", align_corners=True),
    [[U(1, 1, 3, 3), U(1, 2, 1, 2)]])
CASES["grid_sampler_2d_nearest"] = (
    _sampler(_GS.GRID_SAMPLER_2D, mode="nearest", padding_mode="border", align_corners=False),
    [[U(1, 2, 3, 4), U(1, 2, 2, 2)]])
CASES["grid_sampler_3d"] = (
    _sampler(_GS.GRID_SAMPLER_3D, mode="bilinear", padding_mode="border", align_corners=False),
    [[U(1, 2, 2, 3, 2), U(1, 1, 2, 2, 3)]])

# antialiased interpolation (F.interpolate(..., antialias=True)); their "_backward" ops appear
# in the second-order graphs
import tapegrad.nn.functional as _F  # noqa: E402

CASES["upsample_bilinear2d_aa"] = (
    lambda x: _F.interpolate(x, size=(2, 3), mode="bilinear", antialias=True), [[U(1, 2, 4, 5)]])
CASES["upsample_bicubic2d_aa"] = (
    lambda x: _F.interpolate(x, scale_factor=(0.6, 1.5), mode="bicubic", antialias=True),
    [[U(1, 1, 5, 3)]])
CASES["upsample_lanczos2d_aa"] = (
    lambda x: _F.interpolate(x, size=(2, 4), mode="lanczos", antialias=True), [[U(1, 1, 5, 3)]])
INDIRECT |= {"upsample_bilinear2d_aa_backward", "upsample_bicubic2d_aa_backward",
             "upsample_lanczos2d_aa_backward"}
