"""Cases for tests/test_gradcheck.py's table (and so tests/test_forward_ad.py's and the other
registry sweeps) for the convolution op (src/tapegrad/_ops/convolution.py), in that table's
format: name -> (fn, [list of input-spec lists]).

test_gradcheck.py merges them next to nn_gradcheck_cases:
``from nn_conv_cases import CASES as CONV_CASES, INDIRECT as CONV_INDIRECT``, then
``CASES.update(CONV_CASES)`` and ``INDIRECT |= CONV_INDIRECT``.
"""
from __future__ import annotations

import tapegrad.nn.functional as F


def U(*shape, lo=-1.0, hi=1.0):
    return ("u", shape, lo, hi)


CASES = {
    "conv2d": (lambda x, w, b: F.conv2d(x, w, b, stride=(2, 1), padding=(1, 0),
                                         dilation=(1, 2), groups=2),
               [[U(2, 4, 5, 6), U(6, 2, 2, 3), U(6)]]),
    "conv2d_nobias": (lambda x, w: F.conv2d(x, w, padding=1), [[U(1, 2, 3, 4), U(3, 2, 3, 3)]]),
    "conv1d": (lambda x, w, b: F.conv1d(x, w, b, stride=3), [[U(1, 2, 7), U(3, 2, 3), U(3)]]),
    "conv3d": (lambda x, w: F.conv3d(x, w, groups=2, padding=1),
               [[U(1, 2, 3, 2, 3), U(2, 1, 2, 2, 2)]]),
    "conv_transpose2d": (lambda x, w, b: F.conv_transpose2d(x, w, b, stride=2, padding=1,
                                                            output_padding=1, groups=2),
                         [[U(1, 4, 3, 3), U(4, 1, 2, 3), U(2)]]),
    "conv_transpose1d": (lambda x, w: F.conv_transpose1d(x, w, stride=2, dilation=2),
                         [[U(2, 2, 3), U(2, 3, 2)]]),
}

INDIRECT: set = set()
