"""Stochastic gradient descent, with optional momentum, Nesterov momentum and weight decay."""
from __future__ import annotations

from typing import Any, Iterable

from tapegrad import Tensor

from . import _pointwise as P
from .optimizer import Optimizer

__all__ = ["SGD"]


class SGD(Optimizer):
    """Stochastic gradient descent (optionally with momentum).

    Each step, with ``g`` the gradient (negated if ``maximize``)::

        g = g + weight_decay * p                      (if weight_decay != 0)
        b = g  at the first step, else  b = momentum * b + (1 - dampening) * g
        g = g + momentum * b  if nesterov  else  b    (if momentum != 0)
        p = p - lr * g

    Args:
        params: tensors to optimize, or dicts defining parameter groups.
        lr: learning rate (default 1e-3).
        momentum: momentum factor (default 0).
        dampening: dampening for momentum (default 0).
        weight_decay: L2 penalty (default 0).
        nesterov: use Nesterov momentum (needs momentum > 0 and dampening 0).
        maximize: maximize the objective instead of minimizing it.
        foreach, differentiable, fused: accepted as torch does; tapegrad always runs the
            one-tensor-at-a-time algorithm, which gives torch's numbers on the CPU.

    Example::

        >>> w = tapegrad.zeros(3, requires_grad=True)
        >>> opt = tapegrad.optim.SGD([w], lr=0.1, momentum=0.9)
        >>> loss = ((w - 1) ** 2).sum(); loss.backward(); opt.step(); opt.zero_grad()

    The state of a parameter is ``{'momentum_buffer': tensor}`` once it has taken a step with
    momentum; plain SGD keeps no state.
    """

    def __init__(self, params: Iterable[Any], lr: float | Tensor = 1e-3, momentum: float = 0,
                 dampening: float = 0, weight_decay: float | Tensor = 0,
                 nesterov: bool = False, *, maximize: bool = False,
                 foreach: bool | None = None, differentiable: bool = False,
                 fused: bool | None = None) -> None:
        if isinstance(lr, Tensor) and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        if lr < 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if momentum < 0.0:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if weight_decay < 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = {"lr": lr, "momentum": momentum, "dampening": dampening,
                    "weight_decay": weight_decay, "nesterov": nesterov, "maximize": maximize,
                    "foreach": foreach, "differentiable": differentiable, "fused": fused}
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, defaults)

    def _update(self, p: Tensor, grad: Tensor, group: dict[str, Any]) -> None:
        momentum = group["momentum"]
        if group["weight_decay"] != 0:
            grad = P.add(grad, p, alpha=group["weight_decay"])
        if momentum != 0:
            state = self.state[p]  # no state at all without momentum, as in torch
            buf = state.get("momentum_buffer")
            if buf is None:
                buf = state["momentum_buffer"] = grad.detach().clone()
            else:
                P.add_(buf.mul_(momentum), grad, alpha=1 - group["dampening"])
            grad = P.add(grad, buf, alpha=momentum) if group["nesterov"] else buf
        P.add_(p, grad, alpha=-group["lr"])
