"""``layer_norm``, ``rms_norm``, ``batch_norm``, ``normalize``.

``layer_norm`` and ``batch_norm`` call the fused ops of ``tapegrad._ops.normalization``
(``NativeLayerNormBackward0``, ``NativeBatchNormBackward0``); ``rms_norm`` and ``normalize`` are
compositions, as in torch.  ``batch_norm`` in training mode also updates the running statistics
it is given, in place, as torch's kernel does: ``running = (1 - momentum) * running + momentum *
batch_statistic``, with the unbiased variance of the batch for ``running_var``.

    >>> import tapegrad as torch
    >>> import tapegrad.nn.functional as F
    >>> F.layer_norm(torch.tensor([[1.0, 2.0, 3.0]]), (3,))
    tensor([[-1.2247,  0.0000,  1.2247]])
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

import tapegrad
from tapegrad import Tensor
from tapegrad._ops import normalization as _N

from .activation import _scalar_name

__all__ = ["layer_norm", "rms_norm", "batch_norm", "normalize"]


def _shape_list(shape: Sequence[int]) -> list:
    return [int(s) for s in shape]


def _check_normalized(input: Tensor, normalized_shape: Any, weight: Tensor | None,
                      bias: Tensor | None, function: str, star: bool) -> list:
    """torch's checks of layer_norm/rms_norm arguments; the normalized shape as a list."""
    if isinstance(normalized_shape, int):
        if function == "layer_norm":
            raise TypeError("layer_norm(): argument 'normalized_shape' (position 2) must be "
                            "tuple of ints, not int")
        normalized_shape = (normalized_shape,)
    shape = _shape_list(normalized_shape)
    if not shape:
        raise RuntimeError("Expected normalized_shape to be at least 1-dimensional, i.e., "
                           "containing at least one element, but got normalized_shape = []")
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and list(t.shape) != shape:
            raise RuntimeError(f"Expected {name} to be of same shape as normalized_shape, but "
                               f"got {name} of shape {list(t.shape)} and normalized_shape = "
                               f"{shape}")
    if input.ndim < len(shape) or list(input.shape[input.ndim - len(shape):]) != shape:
        # (torch's two spellings: layer_norm "[*, 3, 5]", rms_norm "[*3, 5]")
        expected = "".join(f", {s}" for s in shape) if star else ", ".join(map(str, shape))
        raise RuntimeError(f"Given normalized_shape={shape}, expected input with shape "
                           f"[*{expected}], but got input of size{list(input.shape)}")
    return shape


def layer_norm(input: Tensor, normalized_shape: Sequence[int], weight: Tensor | None = None,
               bias: Tensor | None = None, eps: float = 1e-5) -> Tensor:
    """Normalise over the trailing ``normalized_shape`` dims (mean 0, biased variance 1, ``eps``
    added to the variance), then scale by ``weight`` and shift by ``bias`` elementwise."""
    shape = _check_normalized(input, normalized_shape, weight, bias, "layer_norm", True)
    if not input.dtype.is_floating_point:
        raise NotImplementedError('"LayerNormKernelImpl" not implemented for '
                                  f"'{_scalar_name(input.dtype)}'")
    return _N.NATIVE_LAYER_NORM(input, weight, bias, normalized_ndim=len(shape), eps=eps)


def rms_norm(input: Tensor, normalized_shape: Sequence[int], weight: Tensor | None = None,
             eps: float | None = None) -> Tensor:
    """``input / sqrt(mean(input ** 2) + eps)`` over the trailing ``normalized_shape`` dims,
    times ``weight``; ``eps`` defaults to the machine epsilon of the input's dtype."""
    shape = _check_normalized(input, normalized_shape, weight, None, "rms_norm", False)
    if eps is None:
        eps = float(np.finfo(np.dtype(str(input.dtype).split(".")[-1])).eps)
    dims = list(range(input.ndim - len(shape), input.ndim))
    scale = tapegrad.pow(input, 2).mean(dims, keepdim=True).add_(eps).rsqrt()
    result = input.mul(scale).type_as(input)
    if weight is not None:
        result = result.mul(weight).type_as(result)
    return result


def normalize(input: Tensor, p: float = 2.0, dim: int = 1, eps: float = 1e-12,
              out: Tensor | None = None) -> Tensor:
    """``input / max(||input||_p, eps)`` along ``dim``."""
    denom = input.norm(p, dim, keepdim=True).clamp_min(eps).expand_as(input)
    if out is None:
        return input / denom
    return tapegrad.div(input, denom, out=out)


def batch_norm(input: Tensor, running_mean: Tensor | None, running_var: Tensor | None,
               weight: Tensor | None = None, bias: Tensor | None = None, training: bool = False,
               momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """Normalise each channel (dim 1) over the batch and any further dims.

    Training: with the batch's mean and biased variance, updating ``running_mean`` and
    ``running_var`` (when given) by ``momentum``; evaluation: with the running statistics."""
    if training:
        size = input.size()
        count = size[0]
        for s in size[2:]:
            count *= s
        if count == 1:
            raise ValueError("Expected more than 1 value per channel when training, got input "
                             f"size {size}")
        if eps <= 0.0:
            raise ValueError(f"batch_norm eps must be positive during training, but got {eps}")
    elif eps < 0.0:
        raise ValueError(f"batch_norm eps must be non-negative, but got {eps}")
    if input.ndim < 2:
        raise IndexError("Dimension out of range (expected to be in range of "
                         f"[{-max(input.ndim, 1)}, {max(input.ndim, 1) - 1}], but got 1)")
    channels = input.shape[1]
    for name, t in (("weight", weight), ("bias", bias), ("running_mean", running_mean),
                    ("running_var", running_var)):
        if t is not None and t.numel() != channels:
            raise RuntimeError(f"{name} should contain {channels} elements not {t.numel()}")
    if not training:
        for name, t in (("running_mean", running_mean), ("running_var", running_var)):
            if t is None:
                raise RuntimeError(f"{name} must be defined in evaluation mode")
    out = _N.NATIVE_BATCH_NORM(input, weight, bias, running_mean, running_var,
                               training=bool(training), eps=eps)
    if training and (running_mean is not None or running_var is not None):
        _update_running_stats(input, running_mean, running_var, momentum)
    return out


def _update_running_stats(input: Tensor, running_mean: Tensor | None,
                          running_var: Tensor | None, momentum: float) -> None:
    """torch's update, in its arithmetic: the batch mean in the running dtype, the unbiased
    variance from the sum of squares (accumulated in float64), the momentum in that dtype.
    Written into the arrays directly, as torch's kernel does (no version bump)."""
    x = input.detach().numpy()
    dims = (0,) + tuple(range(2, x.ndim))
    n = x.size // x.shape[1]
    wide = x.astype(np.float64)
    mean64 = wide.mean(axis=dims)
    var_sum64 = ((wide - mean64.reshape((1, -1) + (1,) * (x.ndim - 2))) ** 2).sum(axis=dims)
    if running_mean is not None:
        rm = running_mean.numpy()
        t = rm.dtype.type
        m = t(momentum)
        rm[...] = m * mean64.astype(rm.dtype) + (t(1) - m) * rm
    if running_var is not None:
        rv = running_var.numpy()
        t = rv.dtype.type
        m = t(momentum)
        var_sum = var_sum64.astype(rv.dtype)
        with np.errstate(divide="ignore", invalid="ignore"):
            unbiased = var_sum / t(n - 1)
        rv[...] = (np.float64(m) * unbiased.astype(np.float64)
                   + np.float64(t(1) - m) * rv.astype(np.float64)).astype(rv.dtype)
