"""Elementwise ops added for torch's wider surface: the inverse hyperbolic functions
(``acosh``, ``asinh``, ``atanh``) and ``sgn`` (``sign`` recorded under torch's SgnBackward0).

Each is the NumPy forward plus its derivative, written with tapegrad ops so that it can be
differentiated again (higher order, forward mode, vmap come from the registry):

    d/dx acosh(x) = 1 / sqrt(x**2 - 1)
    d/dx asinh(x) = 1 / sqrt(x**2 + 1)
    d/dx atanh(x) = 1 / (1 - x**2)
"""
from __future__ import annotations

import numpy as np

from ._registry import elementwise
from .elementwise import RSQRT as _rsqrt, SIGN as _sign

ACOSH = elementwise("acosh", np.arccosh, "AcoshBackward0", promote="float",
                    input=lambda input: _rsqrt(input * input - 1))
ASINH = elementwise("asinh", np.arcsinh, "AsinhBackward0", promote="float",
                    input=lambda input: _rsqrt(input * input + 1))
ATANH = elementwise("atanh", np.arctanh, "AtanhBackward0", promote="float",
                    input=lambda input: 1 / (1 - input * input))
SGN = elementwise("sgn", _sign.forward, "SgnBackward0", input=0)
