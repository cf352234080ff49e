"""``Dropout`` and ``AlphaDropout``."""
from __future__ import annotations

import tapegrad
from .. import functional as F
from .module import Module

__all__ = ["Dropout", "AlphaDropout"]


class _DropoutNd(Module):
    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        super().__init__()
        if p < 0 or p > 1:
            raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
        self.p = p
        self.inplace = inplace

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"


class Dropout(_DropoutNd):
    """In training, zero each element with probability ``p`` and scale the rest by
    ``1 / (1 - p)``; in evaluation (``model.eval()``), pass the input through.

    The masks are torch's for the same seed.  Shape: any, unchanged.
    """

    def forward(self, input: tapegrad.Tensor) -> tapegrad.Tensor:
        return F.dropout(input, self.p, self.training, self.inplace)


class AlphaDropout(_DropoutNd):
    """Dropout for SELU networks, keeping the mean and variance (training only)."""

    def forward(self, input: tapegrad.Tensor) -> tapegrad.Tensor:
        return F.alpha_dropout(input, self.p, self.training)
