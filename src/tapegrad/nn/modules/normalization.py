"""``LayerNorm``, ``RMSNorm`` and the batch norms (``BatchNorm1d``; ``_NormBase`` and
``_BatchNorm`` hold everything but the input check, so ``BatchNorm2d``/``3d`` are three lines).

Batch norm keeps its running statistics as buffers (``running_mean``, ``running_var``,
``num_batches_tracked``), updated in training mode and used in evaluation mode; ``momentum=None``
makes the running statistics a cumulative average over the batches seen.

    >>> import tapegrad as torch
    >>> from tapegrad import nn
    >>> nn.LayerNorm(3)
    LayerNorm((3,), eps=1e-05, elementwise_affine=True, bias=True)
"""
from __future__ import annotations

import numbers
from typing import Any, Sequence

import tapegrad
from tapegrad import Tensor

from .. import functional as F
from ..parameter import Parameter
from .module import Module

__all__ = ["LayerNorm", "RMSNorm", "BatchNorm1d"]


def _normalized_shape(normalized_shape: int | Sequence[int]) -> tuple:
    if isinstance(normalized_shape, numbers.Integral):
        return (int(normalized_shape),)
    return tuple(normalized_shape)


def _fill(param: Tensor | None, value: float) -> None:
    """torch's ``init.ones_``/``init.zeros_``: fill without recording."""
    if param is not None:
        with tapegrad.no_grad():
            param.fill_(value)


def _affine_parameters(module: Module, affine: bool, shape: tuple, bias: bool, device: Any,
                       dtype: Any) -> None:
    """Register ``weight`` (and ``bias`` unless ``bias=False``) of ``shape``, or None for both
    when the normalisation has no affine map, in torch's order."""
    if affine:
        module.weight = Parameter(tapegrad.empty(shape, device=device, dtype=dtype))
        if bias:
            module.bias = Parameter(tapegrad.empty(shape, device=device, dtype=dtype))
        else:
            module.register_parameter("bias", None)
    else:
        module.register_parameter("weight", None)
        module.register_parameter("bias", None)


class LayerNorm(Module):
    """Layer normalisation over the trailing ``normalized_shape`` dims, with an elementwise
    affine map (``weight`` ones and ``bias`` zeros at first) when ``elementwise_affine``.

    Shape: input (*, normalized_shape); output of the same shape."""

    def __init__(self, normalized_shape: int | Sequence[int], eps: float = 1e-5,
                 elementwise_affine: bool = True, bias: bool = True, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__()
        self.normalized_shape = _normalized_shape(normalized_shape)
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        _affine_parameters(self, elementwise_affine, self.normalized_shape, bias, device, dtype)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """``weight`` to ones, ``bias`` to zeros."""
        _fill(self.weight, 1.0)
        _fill(self.bias, 0.0)

    def forward(self, input: Tensor) -> Tensor:
        return F.layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}, bias={self.bias is not None}")


class RMSNorm(Module):
    """Root-mean-square normalisation over the trailing ``normalized_shape`` dims, times
    ``weight`` (ones at first) when ``elementwise_affine``; ``eps=None`` uses the machine
    epsilon of the input's dtype.

    Shape: input (*, normalized_shape); output of the same shape."""

    def __init__(self, normalized_shape: int | Sequence[int], eps: float | None = None,
                 elementwise_affine: bool = True, device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        self.normalized_shape = _normalized_shape(normalized_shape)
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        if elementwise_affine:
            self.weight = Parameter(tapegrad.empty(self.normalized_shape, device=device,
                                                   dtype=dtype))
        else:
            self.register_parameter("weight", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """``weight`` to ones."""
        if self.elementwise_affine:
            _fill(self.weight, 1.0)

    def forward(self, x: Tensor) -> Tensor:
        return F.rms_norm(x, self.normalized_shape, self.weight, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}")


class _NormBase(Module):
    """What every batch-like norm holds: ``num_features`` channels, an optional affine map
    (``weight``, ``bias``) and optional running statistics (buffers)."""

    _version = 2

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1,
                 affine: bool = True, track_running_stats: bool = True, device: Any = None,
                 dtype: Any = None, *, bias: bool = True) -> None:
        super().__init__()
        self.num_features = num_features
        self.eps = eps
        self.momentum = momentum
        self.affine = affine
        self.track_running_stats = track_running_stats
        if affine:
            self.weight = Parameter(tapegrad.empty(num_features, device=device, dtype=dtype))
            if bias:
                self.bias = Parameter(tapegrad.empty(num_features, device=device, dtype=dtype))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        if track_running_stats:
            self.register_buffer("running_mean", tapegrad.zeros(num_features, device=device,
                                                                dtype=dtype))
            self.register_buffer("running_var", tapegrad.ones(num_features, device=device,
                                                              dtype=dtype))
            self.register_buffer("num_batches_tracked",
                                 tapegrad.tensor(0, dtype=tapegrad.long, device=device))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)
        self.reset_parameters()

    def reset_running_stats(self) -> None:
        """Running mean 0, running variance 1, no batch seen."""
        if self.track_running_stats:
            self.running_mean.zero_()
            self.running_var.fill_(1)
            self.num_batches_tracked.zero_()

    def reset_parameters(self) -> None:
        """The running statistics reset; ``weight`` to ones, ``bias`` to zeros."""
        self.reset_running_stats()
        if self.affine:
            _fill(self.weight, 1.0)
            _fill(self.bias, 0.0)

    def _check_input_dim(self, input: Tensor) -> None:
        raise NotImplementedError

    def extra_repr(self) -> str:
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
                f"affine={self.affine}, bias={self.bias is not None}, "
                f"track_running_stats={self.track_running_stats}")

    def _load_from_state_dict(self, state_dict: dict, prefix: str, local_metadata: dict,
                              strict: bool, missing_keys: list, unexpected_keys: list,
                              error_msgs: list) -> None:
        # state dicts saved before num_batches_tracked existed (version < 2) load with 0
        version = local_metadata.get("version", None)
        if (version is None or version < 2) and self.track_running_stats:
            key = prefix + "num_batches_tracked"
            if key not in state_dict:
                state_dict[key] = (self.num_batches_tracked if self.num_batches_tracked
                                   is not None else tapegrad.tensor(0, dtype=tapegrad.long))
        super()._load_from_state_dict(state_dict, prefix, local_metadata, strict, missing_keys,
                                      unexpected_keys, error_msgs)


class _BatchNorm(_NormBase):
    """Batch normalisation over every dim but the channels (dim 1); subclasses check the rank."""

    def forward(self, input: Tensor) -> Tensor:
        self._check_input_dim(input)
        factor = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats and self.num_batches_tracked is not None:
            self.num_batches_tracked.add_(1)
            # momentum=None: the cumulative average, 1/n for the n-th batch
            factor = (1.0 / float(self.num_batches_tracked) if self.momentum is None
                      else self.momentum)
        # batch statistics in training, and in evaluation when no running ones are kept
        use_batch = self.training or (self.running_mean is None and self.running_var is None)
        keep = not self.training or self.track_running_stats
        return F.batch_norm(input, self.running_mean if keep else None,
                            self.running_var if keep else None, self.weight, self.bias,
                            use_batch, factor, self.eps)


class BatchNorm1d(_BatchNorm):
    """Batch normalisation of (N, C) or (N, C, L) inputs, per channel C.

    Shape: input (N, C) or (N, C, L); output of the same shape."""

    def _check_input_dim(self, input: Tensor) -> None:
        if input.dim() not in (2, 3):
            raise ValueError(f"expected 2D or 3D input (got {input.dim()}D input)")


# -- batch norm for images, lazy batch norms -------------------------------------------------------
class BatchNorm2d(_BatchNorm):
    """Batch normalisation of (N, C, H, W) inputs, per channel C, over N, H and W.

    Shape: input (N, C, H, W); output of the same shape."""

    def _check_input_dim(self, input: Tensor) -> None:
        if input.dim() != 4:
            raise ValueError(f"expected 4D input (got {input.dim()}D input)")


class BatchNorm3d(_BatchNorm):
    """Batch normalisation of (N, C, D, H, W) inputs, per channel C.

    Shape: input (N, C, D, H, W); output of the same shape."""

    def _check_input_dim(self, input: Tensor) -> None:
        if input.dim() != 5:
            raise ValueError(f"expected 5D input (got {input.dim()}D input)")


from ..parameter import UninitializedBuffer, UninitializedParameter  # noqa: E402
from .lazy import LazyModuleMixin  # noqa: E402


class _LazyNormBase(LazyModuleMixin, _NormBase):
    """A batch norm whose ``num_features`` is read from its first input (``input.shape[1]``);
    its parameters and running statistics stay uninitialised until then."""

    def __init__(self, eps: float = 1e-5, momentum: float | None = 0.1, affine: bool = True,
                 track_running_stats: bool = True, device: Any = None,
                 dtype: Any = None) -> None:
        # built without parameters or statistics (they would be replaced at once)
        super().__init__(0, eps, momentum, False, False, device=device, dtype=dtype)
        self.affine = affine
        self.track_running_stats = track_running_stats
        if affine:
            self.weight = UninitializedParameter(device=device, dtype=dtype)
            self.bias = UninitializedParameter(device=device, dtype=dtype)
        if track_running_stats:
            self.running_mean = UninitializedBuffer(device=device, dtype=dtype)
            self.running_var = UninitializedBuffer(device=device, dtype=dtype)
            self.num_batches_tracked = tapegrad.tensor(0, dtype=tapegrad.long, device=device)

    def reset_parameters(self) -> None:
        """Reset (only once the parameters have their shapes)."""
        if not self.has_uninitialized_params() and self.num_features != 0:
            super().reset_parameters()

    def initialize_parameters(self, input: Tensor) -> None:  # type: ignore[override]
        """Take ``num_features`` from ``input.shape[1]``; materialise and reset."""
        if self.has_uninitialized_params():
            self.num_features = input.shape[1]
            if self.affine:
                self.weight.materialize((self.num_features,))
                self.bias.materialize((self.num_features,))
            if self.track_running_stats:
                self.running_mean.materialize((self.num_features,))
                self.running_var.materialize((self.num_features,))
            self.reset_parameters()


class LazyBatchNorm1d(_LazyNormBase, _BatchNorm):
    """A ``BatchNorm1d`` whose ``num_features`` is inferred from the first input."""

    cls_to_become = BatchNorm1d
    _check_input_dim = BatchNorm1d._check_input_dim


class LazyBatchNorm2d(_LazyNormBase, _BatchNorm):
    """A ``BatchNorm2d`` whose ``num_features`` is inferred from the first input."""

    cls_to_become = BatchNorm2d
    _check_input_dim = BatchNorm2d._check_input_dim


class LazyBatchNorm3d(_LazyNormBase, _BatchNorm):
    """A ``BatchNorm3d`` whose ``num_features`` is inferred from the first input."""

    cls_to_become = BatchNorm3d
    _check_input_dim = BatchNorm3d._check_input_dim


# -- group, instance and local response norms ----------------------------------------------------
class GroupNorm(Module):
    """Group normalisation: the ``num_channels`` channels split into ``num_groups`` groups,
    each group of each example normalised over its channels and spatial dims, then a
    per-channel affine map (``weight`` ones, ``bias`` zeros at first) when ``affine``.

    Shape: input (N, C, *); output of the same shape."""

    def __init__(self, num_groups: int, num_channels: int, eps: float = 1e-5,
                 affine: bool = True, bias: bool = True, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__()
        if num_channels % num_groups != 0:
            raise ValueError(f"num_channels ({num_channels}) must be divisible by num_groups "
                             f"({num_groups})")
        self.num_groups = num_groups
        self.num_channels = num_channels
        self.eps = eps
        self.affine = affine
        _affine_parameters(self, affine, (num_channels,), bias, device, dtype)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """``weight`` to ones, ``bias`` to zeros."""
        _fill(self.weight, 1.0)
        _fill(self.bias, 0.0)

    def forward(self, input: Tensor) -> Tensor:
        return F.group_norm(input, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.num_groups}, {self.num_channels}, eps={self.eps}, "
                f"affine={self.affine}, bias={self.bias is not None}")


class _InstanceNorm(_NormBase):
    """Instance normalisation: each channel of each example normalised over its spatial dims;
    running statistics only with ``track_running_stats`` (off by default, as ``affine``)."""

    _batched_dim = 3  # the rank of a batched input; one less is an unbatched one

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1,
                 affine: bool = False, track_running_stats: bool = False, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__(num_features, eps, momentum, affine, track_running_stats,
                         device=device, dtype=dtype)

    def _check_input_dim(self, input: Tensor) -> None:
        d = self._batched_dim
        if input.dim() not in (d - 1, d):
            raise ValueError(f"expected {d - 1}D or {d}D input (got {input.dim()}D input)")

    def forward(self, input: Tensor) -> Tensor:
        import warnings
        self._check_input_dim(input)
        feature_dim = input.dim() - (self._batched_dim - 1)
        if input.size(feature_dim) != self.num_features:
            if self.affine:
                raise ValueError(f"expected input's size at dim={feature_dim} to match "
                                 f"num_features ({self.num_features}), but got: "
                                 f"{input.size(feature_dim)}.")
            warnings.warn(f"input's size at dim={feature_dim} does not match num_features. You "
                          f"can silence this warning by not passing in num_features, which is "
                          f"not used because affine=False", stacklevel=2)
        if input.dim() == self._batched_dim - 1:  # unbatched: one example
            return self._apply_instance_norm(input.unsqueeze(0)).squeeze(0)
        return self._apply_instance_norm(input)

    def _apply_instance_norm(self, input: Tensor) -> Tensor:
        return F.instance_norm(input, self.running_mean, self.running_var, self.weight,
                               self.bias, self.training or not self.track_running_stats,
                               self.momentum if self.momentum is not None else 0.0, self.eps)


class InstanceNorm1d(_InstanceNorm):
    """Instance normalisation of (N, C, L) or (C, L) inputs, per example and channel."""

    _batched_dim = 3


class InstanceNorm2d(_InstanceNorm):
    """Instance normalisation of (N, C, H, W) or (C, H, W) inputs, per example and channel."""

    _batched_dim = 4


class InstanceNorm3d(_InstanceNorm):
    """Instance normalisation of (N, C, D, H, W) or (C, D, H, W) inputs."""

    _batched_dim = 5


class LazyInstanceNorm1d(_LazyNormBase, _InstanceNorm):
    """An ``InstanceNorm1d`` whose ``num_features`` is read from ``input.shape[1]`` at the first
    call.  Unlike ``InstanceNorm1d`` it defaults to ``affine=True`` and
    ``track_running_stats=True`` (torch's lazy defaults)."""

    cls_to_become = InstanceNorm1d
    _batched_dim = 3


class LazyInstanceNorm2d(_LazyNormBase, _InstanceNorm):
    """An ``InstanceNorm2d`` whose ``num_features`` is read from ``input.shape[1]`` at the first
    call (``affine`` and ``track_running_stats`` on by default)."""

    cls_to_become = InstanceNorm2d
    _batched_dim = 4


class LazyInstanceNorm3d(_LazyNormBase, _InstanceNorm):
    """An ``InstanceNorm3d`` whose ``num_features`` is read from ``input.shape[1]`` at the first
    call (``affine`` and ``track_running_stats`` on by default)."""

    cls_to_become = InstanceNorm3d
    _batched_dim = 5


class LocalResponseNorm(Module):
    """Each element divided by ``(k + alpha * mean of squares over `size` neighbouring
    channels) ** beta`` (see ``F.local_response_norm``)."""

    def __init__(self, size: int, alpha: float = 1e-4, beta: float = 0.75,
                 k: float = 1.0) -> None:
        super().__init__()
        self.size = size
        self.alpha = alpha
        self.beta = beta
        self.k = k

    def forward(self, input: Tensor) -> Tensor:
        return F.local_response_norm(input, self.size, self.alpha, self.beta, self.k)

    def extra_repr(self) -> str:
        return f"{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}"


__all__ += ["BatchNorm2d", "BatchNorm3d", "LazyBatchNorm1d", "LazyBatchNorm2d", "LazyBatchNorm3d",
            "GroupNorm", "InstanceNorm1d", "InstanceNorm2d", "InstanceNorm3d",
            "LocalResponseNorm", "LazyInstanceNorm1d", "LazyInstanceNorm2d",
            "LazyInstanceNorm3d"]
