"""Adadelta: step sizes from running averages of squared gradients and squared updates."""
from __future__ import annotations

from typing import Any, Iterable

import tapegrad
from tapegrad import Tensor

from . import _pointwise as P
from .optimizer import Optimizer

__all__ = ["Adadelta"]


class Adadelta(Optimizer):
    """Adadelta (Zeiler, 2012).

    Each step, with ``g`` the gradient (negated if ``maximize``)::

        g = g + weight_decay * p                          (if weight_decay != 0)
        v = rho * v + (1 - rho) * g * g                    (state 'square_avg')
        delta = sqrt(u + eps) / sqrt(v + eps) * g
        u = rho * u + (1 - rho) * delta * delta            (state 'acc_delta')
        p = p - lr * delta

    Args:
        params: tensors to optimize, or dicts defining parameter groups.
        lr: scales ``delta`` before it is applied (default 1.0).
        rho: decay rate of the running averages (default 0.9).
        eps: added inside the square roots for numerical stability (default 1e-6).
        weight_decay: L2 penalty (default 0).
        foreach, capturable, maximize, differentiable: as in torch.
    """

    def __init__(self, params: Iterable[Any], lr: float | Tensor = 1.0, rho: float = 0.9,
                 eps: float = 1e-6, weight_decay: float = 0, foreach: bool | None = None, *,
                 capturable: bool = False, maximize: bool = False,
                 differentiable: bool = False) -> None:
        if isinstance(lr, Tensor) and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f"Invalid rho value: {rho}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = {"lr": lr, "rho": rho, "eps": eps, "weight_decay": weight_decay,
                    "maximize": maximize, "capturable": capturable, "foreach": foreach,
                    "differentiable": differentiable}
        super().__init__(params, defaults)

    def _init_state(self, p: Tensor, group: dict[str, Any]) -> dict[str, Any]:
        return {"step": self._new_step(group), "square_avg": tapegrad.zeros_like(p),
                "acc_delta": tapegrad.zeros_like(p)}

    def _update(self, p: Tensor, grad: Tensor, group: dict[str, Any]) -> None:
        state = self._state_for(p, group)
        self._check_capturable(group, supports_xla=False)
        rho, eps = group["rho"], group["eps"]
        square_avg, acc_delta = state["square_avg"], state["acc_delta"]
        state["step"] += 1
        if group["weight_decay"] != 0:
            grad = P.add(grad, p, alpha=group["weight_decay"])
        P.addcmul_(square_avg.mul_(rho), grad, grad, value=1 - rho)
        std = square_avg.add(eps).sqrt_()
        delta = acc_delta.add(eps).sqrt_().div_(std).mul_(grad)
        P.addcmul_(acc_delta.mul_(rho), delta, delta, value=1 - rho)
        P.add_(p, delta, alpha=-group["lr"])
