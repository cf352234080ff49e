"""``Dropout`` and ``AlphaDropout``."""
from __future__ import annotations

import tapegrad
from .. import functional as F
from .module import Module

__all__ = ["Dropout", "AlphaDropout", "FeatureAlphaDropout"]


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


class FeatureAlphaDropout(_DropoutNd):
    """Alpha dropout of whole channels (``F.feature_alpha_dropout``), for SELU networks."""

    def forward(self, input: tapegrad.Tensor) -> tapegrad.Tensor:
        return F.feature_alpha_dropout(input, self.p, self.training)


class Dropout1d(_DropoutNd):
    """In training, zero whole channels of an (N, C, L) or (C, L) input with probability
    ``p`` and scale the others by ``1 / (1 - p)`` (``F.dropout1d``)."""

    def forward(self, input: tapegrad.Tensor) -> tapegrad.Tensor:
        return F.dropout1d(input, self.p, self.training, self.inplace)


class Dropout2d(_DropoutNd):
    """In training, zero whole channels of an (N, C, H, W) input with probability ``p`` and
    scale the others by ``1 / (1 - p)`` (``F.dropout2d``); masks as torch draws them."""

    def forward(self, input: tapegrad.Tensor) -> tapegrad.Tensor:
        return F.dropout2d(input, self.p, self.training, self.inplace)


class Dropout3d(_DropoutNd):
    """In training, zero whole channels of an (N, C, D, H, W) or (C, D, H, W) input with
    probability ``p`` (``F.dropout3d``)."""

    def forward(self, input: tapegrad.Tensor) -> tapegrad.Tensor:
        return F.dropout3d(input, self.p, self.training, self.inplace)


__all__ += ["Dropout1d", "Dropout2d", "Dropout3d"]
