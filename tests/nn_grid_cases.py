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
