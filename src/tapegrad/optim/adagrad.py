"""Adagrad: per-coordinate step sizes shrinking with the sum of past squared gradients."""
from __future__ import annotations

from typing import Any, Iterable

import tapegrad
from tapegrad import Tensor

from . import _pointwise as P
from .optimizer import Optimizer

__all__ = ["Adagrad"]


class Adagrad(Optimizer):
    """Adagrad (Duchi et al., 2011).

    Each step ``t``, with ``g`` the gradient (negated if ``maximize``)::

        g = g + weight_decay * p                        (if weight_decay != 0)
        clr = lr / (1 + (t - 1) * lr_decay)
        s = s + g * g                                    (state 'sum')
        p = p - clr * g / (sqrt(s) + eps)

    Args:
        params: tensors to optimize, or dicts defining parameter groups.
        lr: learning rate (default 1e-2).
        lr_decay: learning-rate decay (default 0).
        weight_decay: L2 penalty (default 0).
        initial_accumulator_value: the starting value of every ``sum`` (default 0).
        eps: added to the denominator for numerical stability (default 1e-10).
        foreach, maximize, differentiable, fused: as in torch.

    As in torch, the state of every parameter is created with the optimizer (``step`` 0 and
    ``sum`` filled with the optimizer-wide ``initial_accumulator_value``, which a parameter
    group cannot override).
    """

    def __init__(self, params: Iterable[Any], lr: float | Tensor = 1e-2, lr_decay: float = 0,
                 weight_decay: float = 0, initial_accumulator_value: float = 0,
                 eps: float = 1e-10, foreach: bool | None = None, *, maximize: bool = False,
                 differentiable: bool = False, fused: bool | None = None) -> None:
        if isinstance(lr, Tensor) and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= lr_decay:
            raise ValueError(f"Invalid lr_decay value: {lr_decay}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if not 0.0 <= initial_accumulator_value:
            raise ValueError("Invalid initial_accumulator_value value: "
                             f"{initial_accumulator_value}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        defaults = {"lr": lr, "lr_decay": lr_decay, "eps": eps, "weight_decay": weight_decay,
                    "initial_accumulator_value": initial_accumulator_value,
                    "foreach": foreach, "maximize": maximize,
                    "differentiable": differentiable, "fused": fused}
        super().__init__(params, defaults)
        for group in self.param_groups:
            for p in group["params"]:
                self.state[p] = self._init_state(p, group)

    def _init_state(self, p: Tensor, group: dict[str, Any]) -> dict[str, Any]:
        return {"step": self._new_step(group),
                "sum": tapegrad.full_like(p, self.defaults["initial_accumulator_value"])}

    def _update(self, p: Tensor, grad: Tensor, group: dict[str, Any]) -> None:
        state = self._state_for(p, group)
        state["step"] += 1
        step = state["step"].item()
        if group["weight_decay"] != 0:
            grad = P.add(grad, p, alpha=group["weight_decay"])
        clr = group["lr"] / (1 + (step - 1) * group["lr_decay"])
        P.addcmul_(state["sum"], grad, grad, value=1)
        std = state["sum"].sqrt().add_(group["eps"])
        P.addcdiv_(p, grad, std, value=-clr)
