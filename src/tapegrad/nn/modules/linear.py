"""``Identity``, ``Linear``, ``Bilinear``, ``LazyLinear``."""
from __future__ import annotations

import math
from typing import Any

import tapegrad
from .. import functional as F
from .. import init
from ..parameter import Parameter, UninitializedParameter
from .lazy import LazyModuleMixin
from .module import Module

__all__ = ["Identity", "Linear", "Bilinear", "LazyLinear"]


class Identity(Module):
    """Returns its input unchanged (any constructor arguments are ignored).

    Shape: input and output ``(*)``, the same.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__()

    def forward(self, input: tapegrad.Tensor) -> tapegrad.Tensor:
        return input


class Linear(Module):
    """The affine map ``y = x @ weight.T + bias``.

    Args:
        in_features: size of each input sample.
        out_features: size of each output sample.
        bias: whether to learn an additive bias (default True).
        dtype: the parameters' dtype (default: the default float dtype).

    Shape: input ``(*, in_features)``, output ``(*, out_features)``.

    ``weight`` ``(out_features, in_features)`` and ``bias`` ``(out_features)`` start uniform on
    ``[-1/sqrt(in_features), 1/sqrt(in_features)]``, drawn in torch's order (weight, then
    bias), so ``torch.manual_seed(0); nn.Linear(3, 2)`` holds torch's numbers.

    Example::

        >>> layer = nn.Linear(20, 30)
        >>> layer(torch.randn(128, 20)).shape
        torch.Size([128, 30])
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True,
                 device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        self.in_features = in_features
        self.out_features = out_features
        self.weight = Parameter(tapegrad.empty((out_features, in_features), device=device,
                                               dtype=dtype))
        if bias:
            self.bias = Parameter(tapegrad.empty(out_features, device=device, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Draw the initial values again (torch's recipe and order: weight, then bias)."""
        init._default_layer_init_(self.weight, self.bias, empty_bias=True)

    def forward(self, input: tapegrad.Tensor) -> tapegrad.Tensor:
        return F.linear(input, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")


class Bilinear(Module):
    """``y = x1 @ weight @ x2 + bias``, one bilinear form per output feature.

    Shape: inputs ``(*, in1_features)`` and ``(*, in2_features)``, output
    ``(*, out_features)``.  ``weight`` ``(out, in1, in2)`` and ``bias`` start uniform on
    ``[-1/sqrt(in1_features), 1/sqrt(in1_features)]``.
    """

    def __init__(self, in1_features: int, in2_features: int, out_features: int,
                 bias: bool = True, device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        self.in1_features = in1_features
        self.in2_features = in2_features
        self.out_features = out_features
        self.weight = Parameter(tapegrad.empty((out_features, in1_features, in2_features),
                                               device=device, dtype=dtype))
        if bias:
            self.bias = Parameter(tapegrad.empty(out_features, device=device, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Draw the initial values again (weight, then bias)."""
        bound = 1 / math.sqrt(self.weight.size(1))
        init.uniform_(self.weight, -bound, bound)
        if self.bias is not None:
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input1: tapegrad.Tensor, input2: tapegrad.Tensor) -> tapegrad.Tensor:
        return F.bilinear(input1, input2, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (f"in1_features={self.in1_features}, in2_features={self.in2_features}, "
                f"out_features={self.out_features}, bias={self.bias is not None}")


class LazyLinear(LazyModuleMixin, Linear):
    """A ``Linear`` whose ``in_features`` is read from its first input (``input.shape[-1]``).

    Until then ``weight`` and ``bias`` are ``UninitializedParameter``s; the first call
    initialises them (torch's recipe) and the module becomes a ``Linear``.

    Example::

        >>> net = nn.Sequential(nn.LazyLinear(256), nn.ReLU(), nn.LazyLinear(10))
        >>> net(torch.rand(2, 20)).shape
        torch.Size([2, 10])
        >>> net[0]
        Linear(in_features=20, out_features=256, bias=True)
    """

    cls_to_become = Linear

    def __init__(self, out_features: int, bias: bool = True, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__(0, 0, False)  # no bias yet: it would be replaced at once
        self.weight = UninitializedParameter(device=device, dtype=dtype)
        self.out_features = out_features
        if bias:
            self.bias = UninitializedParameter(device=device, dtype=dtype)

    def reset_parameters(self) -> None:
        """Initialise (only once the parameters have their shapes)."""
        if not self.has_uninitialized_params() and self.in_features != 0:
            super().reset_parameters()

    def initialize_parameters(self, input: tapegrad.Tensor) -> None:  # type: ignore[override]
        """Take ``in_features`` from ``input`` and initialise the parameters."""
        if self.has_uninitialized_params():
            with tapegrad.no_grad():
                self.in_features = input.shape[-1]
                self.weight.materialize((self.out_features, self.in_features))
                if self.bias is not None:
                    self.bias.materialize((self.out_features,))
                self.reset_parameters()
        if self.in_features == 0:
            if input.shape[-1] != self.weight.shape[-1]:
                raise AssertionError(f"The in_features inferred from input: {input.shape[-1]} is "
                                     f"not equal to in_features from self.weight: "
                                     f"{self.weight.shape[-1]}")
            self.in_features = input.shape[-1]
