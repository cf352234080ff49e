"""Cases for tests/test_gradcheck.py's table (and so test_forward_ad.py's and test_vmap.py's):
the ops of ``tapegrad._ops.extra_elementwise`` (acosh, asinh, atanh, sgn), in that table's
format: name -> (fn, [list of input-spec lists]).  Merged there by
``CASES.update(ALIAS_CASES)`` and ``INDIRECT |= ALIAS_INDIRECT``.
"""
from __future__ import annotations

import tapegrad as tg


def U(*shape, lo=-1.0, hi=1.0):
    return ("u", shape, lo, hi)


CASES = {
    "acosh": (tg.acosh, [[U(3, lo=1.2, hi=3.0)], [U(2, 3, lo=1.2, hi=3.0)]]),
    "asinh": (tg.asinh, [[U(3)], [U(2, 3, lo=-3.0, hi=3.0)]]),
    "atanh": (tg.atanh, [[U(3, lo=-0.8, hi=0.8)], [U(2, 3, lo=-0.8, hi=0.8)]]),
    "sgn": (tg.sgn, [[U(3, lo=0.2, hi=1.0)], [U(2, 3, lo=-1.0, hi=-0.2)]]),
}
INDIRECT: set = set()
