"""``rrelu_with_noise``: the randomized leaky ReLU, given its slopes (torch's
``RreluWithNoiseBackward0``, and ``RreluWithNoiseBackward1`` in place).

``nn.functional.rrelu`` draws the slope of every non-positive element (training) or uses the
mean slope (evaluation) and passes them as ``noise``: 1 where the input is positive.  The op is
then ``input * noise``, and its derivative ``noise``; ``noise`` itself is not differentiable.
"""
from __future__ import annotations

import numpy as np

from ._registry import elementwise

RRELU_WITH_NOISE = elementwise("rrelu_with_noise", np.multiply, "RreluWithNoiseBackward0",
                               ("input", "noise"), input=lambda noise: noise,
                               doc="input * noise, noise holding the slope of each element "
                                   "(1 where input is positive): nn.functional.rrelu.")
# In place (rrelu_): the same rule, under the name torch gives the in-place node.
RRELU_WITH_NOISE_INPLACE = elementwise("rrelu_with_noise_", np.multiply,
                                       "RreluWithNoiseBackward1", ("input", "noise"),
                                       input=lambda noise: noise,
                                       doc="rrelu_with_noise written into input (rrelu_).")
