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
from tapegrad._ops import group_norm as _G, normalization as _N

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


# -- group, instance and local response normalisation (images) --------------------------------
def group_norm(input: Tensor, num_groups: int, weight: Tensor | None = None,
               bias: Tensor | None = None, eps: float = 1e-5) -> Tensor:
    """Split the channels (dim 1) into ``num_groups`` groups and normalise each group of each
    example over its channels and further dims; then ``weight`` and ``bias`` per channel.

    The fused op ``NativeGroupNormBackward0``, as in torch."""
    if input.dim() < 2:
        raise RuntimeError(f"Expected at least 2 dimensions for input tensor but received "
                           f"{input.dim()}")
    size = list(input.shape)
    _check_values_per_group(input, num_groups)
    channels = size[1]
    if num_groups <= 0 or channels % num_groups:
        raise RuntimeError(f"Expected number of channels in input to be divisible by num_groups, "
                           f"but got input of shape {size} and num_groups={num_groups}")
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and (t.dim() != 1 or t.numel() != channels):
            raise RuntimeError(f"Expected {name} to be a vector of size equal to the number of "
                               f"channels in input, but got {name} of shape {list(t.shape)} "
                               f"and input of shape {size}")
    return _G.NATIVE_GROUP_NORM(input, weight, bias, group=int(num_groups), eps=eps)


def _check_values_per_group(input: Tensor, num_groups: int) -> None:
    """torch's ``_verify_batch_size`` on the grouped shape ``[N * C // G, G, *spatial]``."""
    size = list(input.shape)
    if not num_groups:
        return
    grouped = [size[0] * size[1] // num_groups, num_groups] + size[2:]
    count = grouped[0]
    for s in grouped[2:]:
        count *= s
    if count == 1:
        raise ValueError(f"Expected more than 1 value per channel when training, got input size "
                         f"{grouped}")


def instance_norm(input: Tensor, running_mean: Tensor | None = None,
                  running_var: Tensor | None = None, weight: Tensor | None = None,
                  bias: Tensor | None = None, use_input_stats: bool = True,
                  momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """Normalise each channel of each example over its spatial dims: batch norm of the input
    viewed as one example with ``N * C`` channels (as torch computes it).  Running statistics,
    when given, are updated with the mean over the examples of their statistics."""
    size = input.size()
    if use_input_stats:
        count = 1
        for s in size[2:]:
            count *= s
        if count == 1:
            raise ValueError(f"Expected more than 1 spatial element when training, got input "
                             f"size {size}")
    n, c = input.shape[0], input.shape[1]
    folded = input.contiguous().view((1, n * c) + tuple(input.shape[2:]))
    w = weight.repeat(n) if weight is not None else None
    b = bias.repeat(n) if bias is not None else None
    rm = running_mean.repeat(n) if running_mean is not None else None
    rv = running_var.repeat(n) if running_var is not None else None
    out = batch_norm(folded, rm, rv, w, b, use_input_stats, momentum, eps)
    with tapegrad.no_grad():
        if running_mean is not None:
            running_mean.copy_(rm.view(n, c).mean(0, keepdim=False))
        if running_var is not None:
            running_var.copy_(rv.view(n, c).mean(0, keepdim=False))
    return out.view_as(input)


def local_response_norm(input: Tensor, size: int, alpha: float = 1e-4, beta: float = 0.75,
                        k: float = 1.0) -> Tensor:
    """Divide each element by ``(k + alpha * mean of squares over `size` neighbouring
    channels) ** beta`` (the channel window zero-padded at both ends)."""
    from .distance import pad
    from .pooling import avg_pool2d, avg_pool3d
    dim = input.dim()
    if dim < 3:
        # (torch's message has a run of spaces in it, kept for equal messages)
        raise ValueError("Expected 3D or higher dimensionality" + " " * 26
                         + f"input (got {dim} dimensions)")
    if input.numel() == 0:
        return input
    div = input.mul(input)
    if dim == 3:
        div = pad(div.unsqueeze(1), (0, 0, size // 2, (size - 1) // 2))
        div = avg_pool2d(div, (size, 1), stride=1).squeeze(1)
    else:
        shape = input.size()
        div = div.view(shape[0], 1, shape[1], shape[2], -1)
        div = pad(div, (0, 0, 0, 0, size // 2, (size - 1) // 2))
        div = avg_pool3d(div, (size, 1, 1), stride=1).squeeze(1).view(shape)
    div = div.mul(alpha).add(k).pow(beta)
    return input / div


__all__ += ["group_norm", "instance_norm", "local_response_norm"]
