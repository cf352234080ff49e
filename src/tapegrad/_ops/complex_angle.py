"""``angle`` of a real tensor as an op: 0 for x >= 0, pi for x < 0, NaN kept.

Its derivative is zero everywhere (torch's AngleBackward0 gives zeros for real input), but the
result still belongs to the graph, as in torch.  Complex input is handled outside the registry
(``tapegrad._bits_complex``), where autograd is refused.

    >>> tapegrad.tensor([1., -2.]).angle()
    tensor([0.0000, 3.1416])
"""
from __future__ import annotations

import numpy as np

from ._registry import elementwise


def _angle(input: np.ndarray) -> np.ndarray:
    # not np.angle: it gives pi for -0.0, torch gives 0 (it tests x < 0)
    pi = input.dtype.type(np.pi)
    return np.where(np.isnan(input), input, np.where(input < 0, pi, input.dtype.type(0)))


ANGLE = elementwise("angle", _angle, "AngleBackward0", promote="float", input=0,
                    doc="The argument of each element: 0 or pi for real tensors.")

__all__ = ["ANGLE"]
