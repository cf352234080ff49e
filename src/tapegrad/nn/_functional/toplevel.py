"""The functions torch also exposes at top level (``torch.selu``, ``torch.layer_norm``,
``torch.binary_cross_entropy_with_logits``, ...), with torch's top-level signatures, which
differ from ``nn.functional``'s for some (``torch.batch_norm`` takes the weight before the
running statistics; losses take ``reduction`` as torch's enum: 0 'none', 1 'mean', 2 'sum').

``tapegrad/__init__.py`` re-exports them; ``nn.functional`` does not (as in torch).
"""
from __future__ import annotations

from typing import Any, Sequence

import tapegrad
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


# -- torch.conv2d, torch.max_pool2d, torch.dropout, ...: nn.functional under torch's top-level
# signatures (positional ``train`` for the dropouts, enum ints for losses and grid modes).
def _functional():
    return tapegrad.nn.functional


def conv1d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Any = 1,
           padding: Any = 0, dilation: Any = 1, groups: int = 1) -> Tensor:
    """1-D convolution (see ``nn.functional.conv1d``)."""
    return _functional().conv1d(input, weight, bias, stride, padding, dilation, groups)


def conv2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Any = 1,
           padding: Any = 0, dilation: Any = 1, groups: int = 1) -> Tensor:
    """2-D convolution (see ``nn.functional.conv2d``)."""
    return _functional().conv2d(input, weight, bias, stride, padding, dilation, groups)


def conv3d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Any = 1,
           padding: Any = 0, dilation: Any = 1, groups: int = 1) -> Tensor:
    """3-D convolution (see ``nn.functional.conv3d``)."""
    return _functional().conv3d(input, weight, bias, stride, padding, dilation, groups)


def conv_transpose1d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Any = 1,
                     padding: Any = 0, output_padding: Any = 0, groups: int = 1,
                     dilation: Any = 1) -> Tensor:
    """1-D transposed convolution (see ``nn.functional.conv_transpose1d``)."""
    return _functional().conv_transpose1d(input, weight, bias, stride, padding, output_padding,
                                          groups, dilation)


def conv_transpose2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Any = 1,
                     padding: Any = 0, output_padding: Any = 0, groups: int = 1,
                     dilation: Any = 1) -> Tensor:
    """2-D transposed convolution (see ``nn.functional.conv_transpose2d``)."""
    return _functional().conv_transpose2d(input, weight, bias, stride, padding, output_padding,
                                          groups, dilation)


def conv_transpose3d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Any = 1,
                     padding: Any = 0, output_padding: Any = 0, groups: int = 1,
                     dilation: Any = 1) -> Tensor:
    """3-D transposed convolution (see ``nn.functional.conv_transpose3d``)."""
    return _functional().conv_transpose3d(input, weight, bias, stride, padding, output_padding,
                                          groups, dilation)


def convolution(input: Tensor, weight: Tensor, bias: Tensor | None, stride: Sequence[int],
                padding: Sequence[int], dilation: Sequence[int], transposed: bool,
                output_padding: Sequence[int], groups: int) -> Tensor:
    """The general convolution behind the others: 1-3 spatial dims, plain or transposed."""
    dims = weight.dim() - 2
    if dims not in (1, 2, 3):
        raise RuntimeError(f"Expected 3D, 4D or 5D weight, but got {weight.dim()}D weight")
    F = _functional()
    if transposed:
        fn = (F.conv_transpose1d, F.conv_transpose2d, F.conv_transpose3d)[dims - 1]
        return fn(input, weight, bias, tuple(stride), tuple(padding), tuple(output_padding),
                  groups, tuple(dilation))
    fn = (F.conv1d, F.conv2d, F.conv3d)[dims - 1]
    return fn(input, weight, bias, tuple(stride), tuple(padding), tuple(dilation), groups)


def avg_pool1d(input: Tensor, kernel_size: Any, stride: Any = (), padding: Any = 0,
               ceil_mode: bool = False, count_include_pad: bool = True) -> Tensor:
    """1-D average pooling (see ``nn.functional.avg_pool1d``)."""
    return _functional().avg_pool1d(input, kernel_size, stride or None, padding, ceil_mode,
                                    count_include_pad)


def max_pool1d(input: Tensor, kernel_size: Any, stride: Any = (), padding: Any = 0,
               dilation: Any = 1, ceil_mode: bool = False) -> Tensor:
    """1-D max pooling (see ``nn.functional.max_pool1d``)."""
    return _functional().max_pool1d(input, kernel_size, stride or None, padding, dilation,
                                     ceil_mode)


def max_pool2d(input: Tensor, kernel_size: Any, stride: Any = (), padding: Any = 0,
               dilation: Any = 1, ceil_mode: bool = False) -> Tensor:
    """2-D max pooling (see ``nn.functional.max_pool2d``)."""
    return _functional().max_pool2d(input, kernel_size, stride or None, padding, dilation,
                                     ceil_mode)


def max_pool3d(input: Tensor, kernel_size: Any, stride: Any = (), padding: Any = 0,
               dilation: Any = 1, ceil_mode: bool = False) -> Tensor:
    """3-D max pooling (see ``nn.functional.max_pool3d``)."""
    return _functional().max_pool3d(input, kernel_size, stride or None, padding, dilation,
                                     ceil_mode)


def embedding(weight: Tensor, indices: Tensor, padding_idx: int = -1,
              scale_grad_by_freq: bool = False, sparse: bool = False) -> Tensor:
    """The rows of ``weight`` at ``indices`` (weight first, as torch's top-level form; a
    ``padding_idx`` of -1 means none)."""
    return _functional().embedding(indices, weight, None if padding_idx == -1 else padding_idx,
                                   scale_grad_by_freq=scale_grad_by_freq, sparse=sparse)


def dropout(input: Tensor, p: float, train: bool) -> Tensor:
    """Dropout (see ``nn.functional.dropout``); ``train`` is required, as in torch."""
    return _functional().dropout(input, p, train)


def dropout_(input: Tensor, p: float, train: bool) -> Tensor:
    """In-place :func:`dropout`."""
    return _functional().dropout(input, p, train, inplace=True)


def alpha_dropout(input: Tensor, p: float, train: bool) -> Tensor:
    """Alpha dropout (see ``nn.functional.alpha_dropout``)."""
    return _functional().alpha_dropout(input, p, train)


def alpha_dropout_(input: Tensor, p: float, train: bool) -> Tensor:
    """In-place :func:`alpha_dropout`."""
    return _functional().alpha_dropout(input, p, train, inplace=True)


def feature_dropout(input: Tensor, p: float, train: bool) -> Tensor:
    """Dropout of whole channels of an (N, C, ...) input (``nn.functional.dropout2d``'s
    kernel)."""
    from .vision import _feature_dropout
    return _feature_dropout(input, p, train, False)


def feature_dropout_(input: Tensor, p: float, train: bool) -> Tensor:
    """In-place :func:`feature_dropout`."""
    from .vision import _feature_dropout
    return _feature_dropout(input, p, train, True)


def feature_alpha_dropout(input: Tensor, p: float, train: bool) -> Tensor:
    """Alpha dropout of whole channels (see ``nn.functional.feature_alpha_dropout``)."""
    return _functional().feature_alpha_dropout(input, p, train)


def feature_alpha_dropout_(input: Tensor, p: float, train: bool) -> Tensor:
    """In-place :func:`feature_alpha_dropout`."""
    return _functional().feature_alpha_dropout(input, p, train, inplace=True)


def bilinear(input1: Tensor, input2: Tensor, weight: Tensor,
             bias: Tensor | None = None) -> Tensor:
    """``x1^T A x2 + b`` (see ``nn.functional.bilinear``)."""
    return _functional().bilinear(input1, input2, weight, bias)


def group_norm(input: Tensor, num_groups: int, weight: Tensor | None = None,
               bias: Tensor | None = None, eps: float = 1e-5,
               cudnn_enabled: bool = True) -> Tensor:
    """Group normalisation (see ``nn.functional.group_norm``)."""
    return _functional().group_norm(input, num_groups, weight, bias, eps)


def instance_norm(input: Tensor, weight: Tensor | None, bias: Tensor | None,
                  running_mean: Tensor | None, running_var: Tensor | None,
                  use_input_stats: bool, momentum: float, eps: float,
                  cudnn_enabled: bool) -> Tensor:
    """Instance normalisation in torch's top-level argument order."""
    return _functional().instance_norm(input, running_mean, running_var, weight, bias,
                                       use_input_stats, momentum, eps)


def pixel_shuffle(input: Tensor, upscale_factor: int) -> Tensor:
    """(*, C r^2, H, W) to (*, C, H r, W r) (see ``nn.functional.pixel_shuffle``)."""
    return _functional().pixel_shuffle(input, upscale_factor)


def pixel_unshuffle(input: Tensor, downscale_factor: int) -> Tensor:
    """The inverse of :func:`pixel_shuffle`."""
    return _functional().pixel_unshuffle(input, downscale_factor)


def hinge_embedding_loss(input: Tensor, target: Tensor, margin: float = 1.0,
                         reduction: int = 1) -> Tensor:
    """Hinge embedding loss; ``reduction`` as torch's enum (0, 1, 2)."""
    return _functional().hinge_embedding_loss(input, target, margin,
                                              reduction=_REDUCTIONS[reduction])


def margin_ranking_loss(input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0.0,
                        reduction: int = 1) -> Tensor:
    """Margin ranking loss; ``reduction`` as torch's enum (0, 1, 2)."""
    return _functional().margin_ranking_loss(input1, input2, target, margin,
                                             reduction=_REDUCTIONS[reduction])


def cosine_embedding_loss(input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0.0,
                          reduction: int = 1) -> Tensor:
    """Cosine embedding loss; ``reduction`` as torch's enum (0, 1, 2)."""
    return _functional().cosine_embedding_loss(input1, input2, target, margin,
                                               reduction=_REDUCTIONS[reduction])


def triplet_margin_loss(anchor: Tensor, positive: Tensor, negative: Tensor, margin: float = 1.0,
                        p: float = 2.0, eps: float = 1e-6, swap: bool = False,
                        reduction: int = 1) -> Tensor:
    """Triplet margin loss; ``reduction`` as torch's enum (0, 1, 2)."""
    return _functional().triplet_margin_loss(anchor, positive, negative, margin, p, eps, swap,
                                             reduction=_REDUCTIONS[reduction])


def poisson_nll_loss(input: Tensor, target: Tensor, log_input: bool, full: bool, eps: float,
                     reduction: int) -> Tensor:
    """Poisson negative log-likelihood; ``reduction`` as torch's enum (0, 1, 2)."""
    return _functional().poisson_nll_loss(input, target, log_input, full, eps=eps,
                                          reduction=_REDUCTIONS[reduction])


_GRID_MODES = {0: "bilinear", 1: "nearest", 2: "bicubic"}
_GRID_PADDINGS = {0: "zeros", 1: "border", 2: "reflection"}


def grid_sampler(input: Tensor, grid: Tensor, interpolation_mode: int, padding_mode: int,
                 align_corners: bool) -> Tensor:
    """``nn.functional.grid_sample`` with torch's enum arguments (mode 0 bilinear, 1 nearest,
    2 bicubic; padding 0 zeros, 1 border, 2 reflection)."""
    return _functional().grid_sample(input, grid, _GRID_MODES[interpolation_mode],
                                     _GRID_PADDINGS[padding_mode], align_corners)


__all__ += ["conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
            "conv_transpose3d", "convolution", "avg_pool1d", "max_pool1d", "max_pool2d",
            "max_pool3d", "embedding", "dropout", "dropout_", "alpha_dropout", "alpha_dropout_",
            "feature_dropout", "feature_dropout_", "feature_alpha_dropout",
            "feature_alpha_dropout_", "bilinear", "group_norm", "instance_norm", "pixel_shuffle",
            "pixel_unshuffle", "hinge_embedding_loss", "margin_ranking_loss",
            "cosine_embedding_loss", "triplet_margin_loss", "poisson_nll_loss", "grid_sampler"]


def adaptive_avg_pool1d(input: Tensor, output_size: Any) -> Tensor:
    """1-D adaptive average pooling (see ``nn.functional.adaptive_avg_pool1d``)."""
    return _functional().adaptive_avg_pool1d(input, output_size)


def adaptive_max_pool1d(input: Tensor, output_size: Any) -> tuple:
    """1-D adaptive max pooling: ``(values, indices)``, as torch's top-level form returns."""
    return tuple(_functional().adaptive_max_pool1d(input, output_size, return_indices=True))


def max_pool1d_with_indices(input: Tensor, kernel_size: Any, stride: Any = (), padding: Any = 0,
                            dilation: Any = 1, ceil_mode: bool = False) -> tuple:
    """1-D max pooling with the argmax indices: ``(values, indices)``."""
    return tuple(_functional().max_pool1d(input, kernel_size, stride or None, padding, dilation,
                                          ceil_mode, return_indices=True))


def grid_sampler_2d(input: Tensor, grid: Tensor, interpolation_mode: int, padding_mode: int,
                    align_corners: bool) -> Tensor:
    """:func:`grid_sampler` of a 4-D input."""
    if input.dim() != 4:
        raise RuntimeError(f"grid_sampler(): expected 4D input and grid with same number of "
                           f"dimensions, but got input with sizes {list(input.shape)} and grid "
                           f"with sizes {list(grid.shape)}")
    return grid_sampler(input, grid, interpolation_mode, padding_mode, align_corners)


def grid_sampler_3d(input: Tensor, grid: Tensor, interpolation_mode: int, padding_mode: int,
                    align_corners: bool) -> Tensor:
    """:func:`grid_sampler` of a 5-D input."""
    if input.dim() != 5:
        raise RuntimeError(f"grid_sampler(): expected 5D input and grid with same number of "
                           f"dimensions, but got input with sizes {list(input.shape)} and grid "
                           f"with sizes {list(grid.shape)}")
    return grid_sampler(input, grid, interpolation_mode, padding_mode, align_corners)


def conv_tbc(input: Tensor, weight: Tensor, bias: Tensor, pad: int = 0) -> Tensor:
    """A 1-D convolution over time of a (time, batch, channels) input, with a weight laid out
    (kernel width, in channels, out channels): fairseq's layout."""
    if input.dim() != 3:
        raise RuntimeError("Input must have 3 dims: time, batch, in_channel")
    if weight.dim() != 3:
        raise RuntimeError("Weight tensor must have 3 dims: kernel_width, in_channels, "
                           "out_channels.")
    if bias.dim() != 1:
        raise RuntimeError("Bias must be 1-D")
    if input.shape[2] != weight.shape[1]:
        raise RuntimeError("Input dim 2 (input channels) is not == dim 1 in the weight tensor")
    if weight.shape[2] != bias.shape[0]:
        raise RuntimeError("Bias size must equal dim 2 in the weight tensor (output channels).")
    out = _functional().conv1d(input.permute(1, 2, 0), weight.permute(2, 1, 0), bias,
                               padding=pad)
    return out.permute(2, 0, 1)


def embedding_renorm_(input: Tensor, indices: Tensor, max_norm: float,
                      norm_type: float) -> Tensor:
    """Scale, in place and without gradient, the rows of ``input`` that ``indices`` name so
    that none has a ``norm_type``-norm above ``max_norm`` (``nn.Embedding(max_norm=...)``)."""
    rows = tapegrad.unique(indices.reshape(-1))
    with tapegrad.no_grad():
        norms = input[rows].norm(p=norm_type, dim=1)
        scale = tapegrad.where(norms > max_norm, max_norm / (norms + 1e-7),
                               tapegrad.ones_like(norms))
        input[rows] = input[rows] * scale.unsqueeze(1)
    return input


def _tensor_hardshrink(self: Tensor, lambd: float = 0.5) -> Tensor:
    """``x`` where ``|x| > lambd``, else 0 (``nn.functional.hardshrink``)."""
    return _act.hardshrink(self, lambd)


def _tensor_prelu(self: Tensor, weight: Tensor) -> Tensor:
    """Leaky ReLU with learned slopes ``weight`` (``nn.functional.prelu``)."""
    return _act.prelu(self, weight)


# torch's Tensor methods that are nn functions: attached from here, since the core does not
# import nn.
Tensor.hardshrink = _tensor_hardshrink
Tensor.prelu = _tensor_prelu

__all__ += ["adaptive_avg_pool1d", "adaptive_max_pool1d", "max_pool1d_with_indices",
            "grid_sampler_2d", "grid_sampler_3d", "conv_tbc", "embedding_renorm_"]


def rrelu(input: Tensor, lower: float = 1.0 / 8, upper: float = 1.0 / 3,
          training: bool = False, generator: Any = None) -> Tensor:
    """Randomized leaky ReLU (see ``nn.functional.rrelu``)."""
    return _act.rrelu(input, lower, upper, training, generator=generator)


def rrelu_(input: Tensor, lower: float = 1.0 / 8, upper: float = 1.0 / 3,
           training: bool = False, generator: Any = None) -> Tensor:
    """In-place :func:`rrelu`."""
    return _act.rrelu_(input, lower, upper, training, generator=generator)


def channel_shuffle(input: Tensor, groups: int) -> Tensor:
    """The channels interleaved across ``groups`` (see ``nn.functional.channel_shuffle``)."""
    return _functional().channel_shuffle(input, groups)


native_channel_shuffle = channel_shuffle
__all__ += ["rrelu", "rrelu_", "channel_shuffle", "native_channel_shuffle"]
