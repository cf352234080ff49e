"""Rprop: resilient backpropagation, steps driven by the sign of the gradient only."""
from __future__ import annotations

from typing import Any, Iterable

import tapegrad
from tapegrad import Tensor

from . import _pointwise as P
from .adam import _to_scalar
from .optimizer import Optimizer

__all__ = ["Rprop"]


class Rprop(Optimizer):
    """Rprop (Riedmiller and Braun, 1993).

    Every coordinate has its own step size (state 'step_size', starting at ``lr``).  Each step,
    with ``g`` the gradient (negated if ``maximize``) and ``prev`` the last gradient kept::

        same sign as prev:      step_size = min(step_size * etaplus, step_size_max)
        opposite sign:          step_size = max(step_size * etaminus, step_size_min); g = 0
        either is zero:         step_size unchanged
        p = p - sign(g) * step_size;  prev = g

    Args:
        params: tensors to optimize, or dicts defining parameter groups.
        lr: initial step size (default 1e-2).
        etas: ``(etaminus, etaplus)``, the factors that shrink and grow step sizes
            (default (0.5, 1.2)).
        step_sizes: ``(min, max)`` bounds of the step sizes (default (1e-6, 50)).
        capturable, foreach, maximize, differentiable: as in torch.

    The state of a parameter: ``step`` (a 0-d float32 tensor), ``prev``, ``step_size``.
    """

    def __init__(self, params: Iterable[Any], lr: float | Tensor = 1e-2,
                 etas: tuple[float, float] = (0.5, 1.2),
                 step_sizes: tuple[float, float] = (1e-6, 50), *, capturable: bool = False,
                 foreach: bool | None = None, maximize: bool = False,
                 differentiable: bool = False) -> None:
        if isinstance(lr, Tensor) and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 < etas[0] < 1.0 < etas[1]:
            raise ValueError(f"Invalid eta values: {etas[0]}, {etas[1]}")
        defaults = {"lr": lr, "etas": etas, "step_sizes": step_sizes, "foreach": foreach,
                    "maximize": maximize, "differentiable": differentiable,
                    "capturable": capturable}
        super().__init__(params, defaults)

    def _init_state(self, p: Tensor, group: dict[str, Any]) -> dict[str, Any]:
        lr = _to_scalar(group["lr"])
        lr = lr.item() if isinstance(lr, Tensor) else lr
        return {"step": self._new_step(group), "prev": tapegrad.zeros_like(p),
                "step_size": tapegrad.full_like(p.grad, lr)}

    def _update(self, p: Tensor, grad: Tensor, group: dict[str, Any]) -> None:
        state = self._state_for(p, group)
        self._check_capturable(group)
        etaminus, etaplus = group["etas"]
        step_size_min, step_size_max = group["step_sizes"]
        prev, step_size = state["prev"], state["step_size"]
        state["step"] += 1
        sign = grad.mul(prev).sign()
        sign[sign.gt(0)] = etaplus
        sign[sign.lt(0)] = etaminus
        sign[sign.eq(0)] = 1
        step_size.mul_(sign).clamp_(step_size_min, step_size_max)
        grad = grad.clone()
        grad[sign.eq(etaminus)] = 0  # a sign change: skip this coordinate's move once
        P.addcmul_(p, grad.sign(), step_size, value=-1)
        prev.copy_(grad)
