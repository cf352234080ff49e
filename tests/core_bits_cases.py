"""Cases for tests/test_gradcheck.py's table (format: name -> (fn, [list of input-spec lists]);
see tests/core_alias_cases.py), for the registry ops of this family: ``angle`` of real tensors
(``tapegrad._ops.complex_angle``; its derivative is zero away from 0).  The bitwise ops have no
derivative."""
from __future__ import annotations

import tapegrad as tg


def U(*shape, lo=-1.0, hi=1.0):
    return ("u", shape, lo, hi)


CASES: dict = {
    "angle": (tg.angle, [[U(3, lo=0.2, hi=1.0)], [U(2, 3, lo=-1.0, hi=-0.2)]]),
}
INDIRECT: set = set()
