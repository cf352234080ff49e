"""NAdam: Adam with Nesterov momentum and a warming-up momentum schedule."""
from __future__ import annotations

from typing import Any, Iterable

import tapegrad
from tapegrad import Tensor

from . import _pointwise as P
from .adam import _check_adam_like, _to_scalar
from .optimizer import Optimizer, _capturable_devices

__all__ = ["NAdam"]


class NAdam(Optimizer):
    """NAdam (Dozat, 2016): Adam whose momentum looks one step ahead.

    Each step ``t``, with ``g`` the gradient (negated if ``maximize``)::

        mu_t = beta1 * (1 - 0.5 * 0.96 ** (t * momentum_decay))
        mu_product = mu_product * mu_t                      (state 'mu_product')
        m = beta1 * m + (1 - beta1) * g                     (state 'exp_avg')
        v = beta2 * v + (1 - beta2) * g * g                 (state 'exp_avg_sq')
        denom = sqrt(v / (1 - beta2**t)) + eps
        p = p - lr * (1 - mu_t) / (1 - mu_product) * g / denom
              - lr * mu_{t+1} / (1 - mu_product * mu_{t+1}) * m / denom

    Args:
        params: tensors to optimize, or dicts defining parameter groups.
        lr: learning rate (default 2e-3).
        betas: decay rates of the two running averages (default (0.9, 0.999)).
        eps: added to the denominator for numerical stability (default 1e-8).
        weight_decay: L2 penalty (default 0).
        momentum_decay: how fast the momentum schedule warms up (default 4e-3).
        decoupled_weight_decay: shrink the parameters directly (as AdamW) instead of adding
            ``weight_decay * p`` to the gradient.
        foreach, maximize, capturable, differentiable: as in torch.

    The state of a parameter: ``step`` and ``mu_product`` (0-d float32 tensors), ``exp_avg``,
    ``exp_avg_sq``.

    Example::

        opt = tapegrad.optim.NAdam(model.parameters(), lr=1e-3)
    """

    def __init__(self, params: Iterable[Any], lr: float | Tensor = 2e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, momentum_decay: float = 4e-3,
                 decoupled_weight_decay: bool = False, *, foreach: bool | None = None,
                 maximize: bool = False, capturable: bool = False,
                 differentiable: bool = False) -> None:
        _check_adam_like(lr, betas, eps, weight_decay)
        if not 0.0 <= momentum_decay:
            raise ValueError(f"Invalid momentum_decay value: {momentum_decay}")
        defaults = {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay,
                    "momentum_decay": momentum_decay,
                    "decoupled_weight_decay": decoupled_weight_decay, "maximize": maximize,
                    "foreach": foreach, "capturable": capturable,
                    "differentiable": differentiable}
        super().__init__(params, defaults)

    def _init_state(self, p: Tensor, group: dict[str, Any]) -> dict[str, Any]:
        return {"step": self._new_step(group), "mu_product": tapegrad.tensor(1.0),
                "exp_avg": tapegrad.zeros_like(p), "exp_avg_sq": tapegrad.zeros_like(p)}

    def _update(self, p: Tensor, grad: Tensor, group: dict[str, Any]) -> None:
        state = self._state_for(p, group)
        if group["capturable"]:
            raise AssertionError(f"If capturable=True, params, mu_products and state_steps must be "
                                 f"on supported devices: {_capturable_devices()}.")
        lr, weight_decay, eps = _to_scalar(group["lr"]), group["weight_decay"], group["eps"]
        beta1, beta2 = group["betas"]
        exp_avg, exp_avg_sq, mu_product = state["exp_avg"], state["exp_avg_sq"], \
            state["mu_product"]
        state["step"] += 1
        step = state["step"].item()
        bias_correction2 = 1 - beta2 ** step
        if weight_decay != 0:
            if group["decoupled_weight_decay"]:
                p.mul_(1 - lr * weight_decay)
            else:
                grad = P.add(grad, p, alpha=weight_decay)
        decay = group["momentum_decay"]
        # The momentum schedule of this step and the next one (Python floats, as in torch).
        mu = beta1 * (1.0 - 0.5 * (0.96 ** (step * decay)))
        mu_next = beta1 * (1.0 - 0.5 * (0.96 ** ((step + 1) * decay)))
        mu_product *= mu  # kept in float32: the rounding torch keeps too
        P.lerp_(exp_avg, grad, 1 - beta1)
        P.addcmul_(exp_avg_sq.mul_(beta2), grad, grad, value=1 - beta2)
        denom = exp_avg_sq.div(bias_correction2).sqrt()
        product = mu_product.item()
        denom.add_(eps)
        P.addcdiv_(p, grad, denom, value=-lr * (1.0 - mu) / (1.0 - product))
        P.addcdiv_(p, exp_avg, denom, value=(-lr * mu_next) / (1.0 - product * mu_next))

