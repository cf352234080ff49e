"""AdamW: Adam with decoupled weight decay (Loshchilov and Hutter, 2017)."""
from __future__ import annotations

from typing import Any, Iterable

from tapegrad import Tensor

from .adam import Adam

__all__ = ["AdamW"]


class AdamW(Adam):
    """Adam whose weight decay shrinks the parameters directly, ``p = p * (1 - lr * wd)``,
    instead of entering the gradient averages; the usual optimizer for transformers.

    Same arguments as ``Adam`` (without ``decoupled_weight_decay``, which is always on), with
    ``weight_decay`` defaulting to 1e-2.
    """

    def __init__(self, params: Iterable[Any], lr: float | Tensor = 1e-3,
                 betas: tuple[float | Tensor, float | Tensor] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 1e-2, amsgrad: bool = False, *, maximize: bool = False,
                 foreach: bool | None = None, capturable: bool = False,
                 differentiable: bool = False, fused: bool | None = None) -> None:
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, foreach=foreach,
                         maximize=maximize, capturable=capturable,
                         differentiable=differentiable, fused=fused,
                         decoupled_weight_decay=True)

    def __setstate__(self, state: dict[str, Any]) -> None:
        super().__setstate__(state)
        for group in self.param_groups:  # a loaded Adam state dict still decays decoupled
            group["decoupled_weight_decay"] = True
