"""The functions torch also exposes at top level (``torch.selu``, ``torch.layer_norm``,
``torch.binary_cross_entropy_with_logits``, ...), with torch's top-level signatures, which
differ from ``nn.functional``'s for some (``torch.batch_norm`` takes the weight before the
running statistics; losses take ``reduction`` as torch's enum: 0 'none', 1 'mean', 2 'sum').

``tapegrad/__init__.py`` re-exports them; ``nn.functional`` does not (as in torch).
"""
from __future__ import annotations

from typing import Any, Sequence

from tapegrad import Tensor

from . import activation as _act
from . import distance as _dist
from . import loss as _loss
from . import normalization as _norm

__all__ = ["selu", "selu_", "celu", "celu_", "prelu", "hardshrink", "threshold", "threshold_",
           "layer_norm", "batch_norm", "rms_norm", "binary_cross_entropy_with_logits", "kl_div",
           "cosine_similarity", "pairwise_distance", "constant_pad_nd"]

_REDUCTIONS = {0: "none", 1: "mean", 2: "sum"}


def selu(input: Tensor) -> Tensor:
    """``scale * elu(input, alpha)`` with the self-normalising constants."""
    return _act.selu(input)


def selu_(input: Tensor) -> Tensor:
    """In-place :func:`selu`."""
    return _act.selu_(input)


def celu(input: Tensor, alpha: float = 1.0) -> Tensor:
    """``max(0, x) + min(0, alpha * (exp(x / alpha) - 1))``."""
    return _act.celu(input, alpha)


def celu_(input: Tensor, alpha: float = 1.0) -> Tensor:
    """In-place :func:`celu`."""
    return _act.celu_(input, alpha)


def prelu(input: Tensor, weight: Tensor) -> Tensor:
    """Leaky ReLU with the slopes ``weight`` (one, or one per channel of dim 1)."""
    return _act.prelu(input, weight)


def hardshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    """``x`` where ``|x| > lambd``, else 0."""
    return _act.hardshrink(input, lambd)


def threshold(input: Tensor, threshold: float, value: float) -> Tensor:
    """``input`` where it is greater than ``threshold``, else ``value``."""
    return _act.threshold(input, threshold, value)


def threshold_(input: Tensor, threshold: float, value: float) -> Tensor:
    """In-place :func:`threshold`."""
    return _act.threshold_(input, threshold, value)


def layer_norm(input: Tensor, normalized_shape: Sequence[int], weight: Tensor | None = None,
               bias: Tensor | None = None, eps: float = 1e-5, cudnn_enable: bool = True) -> Tensor:
    """Layer normalisation over the trailing ``normalized_shape`` dims (see
    ``nn.functional.layer_norm``); ``cudnn_enable`` is accepted and ignored."""
    return _norm.layer_norm(input, normalized_shape, weight, bias, eps)


def batch_norm(input: Tensor, weight: Tensor | None, bias: Tensor | None,
               running_mean: Tensor | None, running_var: Tensor | None, training: bool,
               momentum: float, eps: float, cudnn_enabled: bool) -> Tensor:
    """Batch normalisation, in torch's top-level argument order (see
    ``nn.functional.batch_norm``)."""
    return _norm.batch_norm(input, running_mean, running_var, weight, bias, training, momentum,
                            eps)


def rms_norm(input: Tensor, normalized_shape: Sequence[int], weight: Tensor | None = None,
             eps: float | None = None) -> Tensor:
    """Root-mean-square normalisation (see ``nn.functional.rms_norm``)."""
    return _norm.rms_norm(input, normalized_shape, weight, eps)


def binary_cross_entropy_with_logits(input: Tensor, target: Tensor, weight: Tensor | None = None,
                                     pos_weight: Tensor | None = None,
                                     reduction: int = 1) -> Tensor:
    """Binary cross entropy of logits; ``reduction`` as torch's enum (0, 1, 2)."""
    return _loss.binary_cross_entropy_with_logits(input, target, weight,
                                                  reduction=_REDUCTIONS[reduction],
                                                  pos_weight=pos_weight)


def kl_div(input: Tensor, target: Tensor, reduction: int = 1, *,
           log_target: bool = False) -> Tensor:
    """KL divergence of log-probabilities; ``reduction`` as torch's enum (0, 1, 2)."""
    import warnings
    with warnings.catch_warnings():  # the top-level function has no 'mean' warning
        warnings.simplefilter("ignore")
        return _loss.kl_div(input, target, reduction=_REDUCTIONS[reduction],
                            log_target=log_target)


def cosine_similarity(x1: Tensor, x2: Tensor, dim: int = 1, eps: float = 1e-8) -> Tensor:
    """Cosine of the angle between ``x1`` and ``x2`` along ``dim``."""
    return _dist.cosine_similarity(x1, x2, dim, eps)


def pairwise_distance(x1: Tensor, x2: Tensor, p: float = 2.0, eps: float = 1e-6,
                      keepdim: bool = False) -> Tensor:
    """The p-norm of ``x1 - x2 + eps`` along the last dim."""
    return _dist.pairwise_distance(x1, x2, p, eps, keepdim)


def constant_pad_nd(input: Tensor, pad: Sequence[int], value: Any = 0) -> Tensor:
    """``input`` padded with ``value`` (negative amounts crop); ``pad`` from the last dim."""
    return _dist._constant_pad(input, tuple(int(p) for p in pad), value)
