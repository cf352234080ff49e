"""RMSprop: divide the gradient by a running root-mean-square of recent gradients."""
from __future__ import annotations

from typing import Any, Iterable

import tapegrad
from tapegrad import Tensor

from . import _pointwise as P
from .optimizer import Optimizer

__all__ = ["RMSprop"]


class RMSprop(Optimizer):
    """RMSprop (Hinton's lecture 6e), optionally centered and with momentum.

    Each step, with ``g`` the gradient (negated if ``maximize``)::

        g = g + weight_decay * p                         (if weight_decay != 0)
        v = alpha * v + (1 - alpha) * g * g               (state 'square_avg')
        m = alpha * m + (1 - alpha) * g                   (centered: state 'grad_avg')
        avg = sqrt(v - m * m) if centered else sqrt(v);  avg = avg + eps
        b = momentum * b + g / avg;  p = p - lr * b       (momentum > 0: 'momentum_buffer')
        p = p - lr * g / avg                              (otherwise)

    Args:
        params: tensors to optimize, or dicts defining parameter groups.
        lr: learning rate (default 1e-2).
        alpha: smoothing constant (default 0.99).
        eps: added to the denominator for numerical stability (default 1e-8).
        weight_decay: L2 penalty (default 0).
        momentum: momentum factor (default 0).
        centered: normalize by an estimate of the gradient's variance (default False).
        capturable, foreach, maximize, differentiable: as in torch.
    """

    def __init__(self, params: Iterable[Any], lr: float | Tensor = 1e-2, alpha: float = 0.99,
                 eps: float = 1e-8, weight_decay: float = 0, momentum: float = 0,
                 centered: bool = False, capturable: bool = False,
                 foreach: bool | None = None, maximize: bool = False,
                 differentiable: bool = False) -> None:
        if isinstance(lr, Tensor) and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= momentum:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if not 0.0 <= alpha:
            raise ValueError(f"Invalid alpha value: {alpha}")
        defaults = {"lr": lr, "momentum": momentum, "alpha": alpha, "eps": eps,
                    "centered": centered, "weight_decay": weight_decay,
                    "capturable": capturable, "foreach": foreach, "maximize": maximize,
                    "differentiable": differentiable}
        super().__init__(params, defaults)

    def _init_state(self, p: Tensor, group: dict[str, Any]) -> dict[str, Any]:
        state = {"step": self._new_step(group), "square_avg": tapegrad.zeros_like(p)}
        if group["momentum"] > 0:
            state["momentum_buffer"] = tapegrad.zeros_like(p)
        if group["centered"]:
            state["grad_avg"] = tapegrad.zeros_like(p)
        return state

    def _update(self, p: Tensor, grad: Tensor, group: dict[str, Any]) -> None:
        state = self._state_for(p, group)
        self._check_capturable(group)
        alpha, eps, lr = group["alpha"], group["eps"], group["lr"]
        square_avg = state["square_avg"]
        state["step"] += 1
        if group["weight_decay"] != 0:
            grad = P.add(grad, p, alpha=group["weight_decay"])
        P.addcmul_(square_avg.mul_(alpha), grad, grad, value=1 - alpha)
        if group["centered"]:
            grad_avg = state["grad_avg"]
            P.lerp_(grad_avg, grad, 1 - alpha)
            avg = P.addcmul(square_avg, grad_avg, grad_avg, value=-1).sqrt_()
        else:
            avg = square_avg.sqrt()
        avg.add_(eps)
        if group["momentum"] > 0:
            buf = state["momentum_buffer"]
            P.addcdiv_(buf.mul_(group["momentum"]), grad, avg)
            P.add_(p, buf, alpha=-lr)
        else:
            P.addcdiv_(p, grad, avg, value=-lr)
