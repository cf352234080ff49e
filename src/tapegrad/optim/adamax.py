"""Adamax: Adam with the infinity norm of past gradients in place of their root mean square."""
from __future__ import annotations

from typing import Any, Iterable

import tapegrad
from tapegrad import Tensor

from . import _pointwise as P
from .adam import _check_adam_like, _to_scalar
from .optimizer import Optimizer

__all__ = ["Adamax"]


class Adamax(Optimizer):
    """Adamax (Kingma and Ba, 2014, section 7).

    Each step ``t``, with ``g`` the gradient (negated if ``maximize``)::

        g = g + weight_decay * p                        (if weight_decay != 0)
        m = beta1 * m + (1 - beta1) * g                 (state 'exp_avg')
        u = max(beta2 * u, |g| + eps)                   (state 'exp_inf')
        p = p - lr / (1 - beta1**t) * m / u

    Args:
        params: tensors to optimize, or dicts defining parameter groups.
        lr: learning rate (default 2e-3).
        betas: decay rates of the running average and of the infinity norm
            (default (0.9, 0.999)).
        eps: added to ``|g|`` for numerical stability (default 1e-8).
        weight_decay: L2 penalty (default 0).
        foreach, maximize, differentiable, capturable: as in torch.

    The state of a parameter: ``step`` (a 0-d float32 tensor), ``exp_avg``, ``exp_inf``.
    """

    def __init__(self, params: Iterable[Any], lr: float | Tensor = 2e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, foreach: bool | None = None, *,
                 maximize: bool = False, differentiable: bool = False,
                 capturable: bool = False) -> None:
        _check_adam_like(lr, betas, eps, weight_decay)
        defaults = {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay,
                    "foreach": foreach, "maximize": maximize, "differentiable": differentiable,
                    "capturable": capturable}
        super().__init__(params, defaults)

    def _init_state(self, p: Tensor, group: dict[str, Any]) -> dict[str, Any]:
        return {"step": self._new_step(group), "exp_avg": tapegrad.zeros_like(p),
                "exp_inf": tapegrad.zeros_like(p)}

    def _update(self, p: Tensor, grad: Tensor, group: dict[str, Any]) -> None:
        state = self._state_for(p, group)
        self._check_capturable(group)
        lr, eps, weight_decay = _to_scalar(group["lr"]), group["eps"], group["weight_decay"]
        beta1, beta2 = group["betas"]
        exp_avg, exp_inf = state["exp_avg"], state["exp_inf"]
        state["step"] += 1
        if weight_decay != 0:
            grad = P.add(grad, p, alpha=weight_decay)
        P.lerp_(exp_avg, grad, 1 - beta1)
        exp_inf.copy_(tapegrad.maximum(exp_inf.mul_(beta2), grad.abs().add_(eps)))
        clr = lr / (1 - beta1 ** state["step"].item())
        P.addcdiv_(p, exp_avg, exp_inf, value=-clr)
