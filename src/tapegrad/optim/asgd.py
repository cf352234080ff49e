"""ASGD: stochastic gradient descent that also keeps a running average of the iterates."""
from __future__ import annotations

from typing import Any, Iterable

import tapegrad
from tapegrad import Tensor

from . import _pointwise as P
from .adam import _to_scalar
from .optimizer import Optimizer, _capturable_devices

__all__ = ["ASGD"]


class ASGD(Optimizer):
    """Averaged SGD (Polyak and Juditsky, 1992), with the decaying step of Bottou's variant.

    Each step ``t``, with ``g`` the gradient (negated if ``maximize``)::

        g = g + weight_decay * p                       (if weight_decay != 0)
        p = p * (1 - lambd * eta) - eta * g
        ax = ax + mu * (p - ax)                        (state 'ax', the averaged parameters)
        eta = lr / (1 + lambd * lr * t) ** alpha       (state 'eta')
        mu = 1 / max(1, t - t0)                        (state 'mu')

    Averaging starts after ``t0`` steps; before, ``ax`` just follows ``p``.

    Args:
        params: tensors to optimize, or dicts defining parameter groups.
        lr: learning rate (default 1e-2).
        lambd: decay term (default 1e-4).
        alpha: power of the step-size decay (default 0.75).
        t0: the step at which averaging starts (default 1e6).
        weight_decay: L2 penalty (default 0).
        foreach, maximize, differentiable, capturable: as in torch.

    The state of a parameter: ``step``, ``eta``, ``mu`` (0-d float32 tensors) and ``ax``.
    """

    def __init__(self, params: Iterable[Any], lr: float | Tensor = 1e-2, lambd: float = 1e-4,
                 alpha: float = 0.75, t0: float = 1e6, weight_decay: float = 0,
                 foreach: bool | None = None, maximize: bool = False,
                 differentiable: bool = False, capturable: bool = False) -> None:
        if isinstance(lr, Tensor) and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = {"lr": lr, "lambd": lambd, "alpha": alpha, "t0": t0,
                    "weight_decay": weight_decay, "foreach": foreach, "maximize": maximize,
                    "differentiable": differentiable, "capturable": capturable}
        super().__init__(params, defaults)

    def _init_state(self, p: Tensor, group: dict[str, Any]) -> dict[str, Any]:
        lr = _to_scalar(group["lr"])
        eta = tapegrad.as_tensor(lr.item() if isinstance(lr, Tensor) else lr,
                                 dtype=tapegrad.float32)
        return {"step": tapegrad.zeros(()), "eta": eta.clone(), "mu": tapegrad.ones(()),
                "ax": tapegrad.zeros_like(p)}

    def _update(self, p: Tensor, grad: Tensor, group: dict[str, Any]) -> None:
        state = self._state_for(p, group)
        if group["capturable"]:
            raise AssertionError(f"If capturable=True, params, mus, etas, and state_steps must be "
                                 f"on supported devices: {_capturable_devices()}.")
        lr, lambd, weight_decay = _to_scalar(group["lr"]), group["lambd"], group["weight_decay"]
        mu, ax, eta = state["mu"], state["ax"], state["eta"]
        state["step"] += 1
        if weight_decay != 0:
            grad = P.add(grad, p, alpha=weight_decay)
        eta_value = eta.item()
        p.mul_(1 - lambd * eta_value)
        P.add_(p, grad, alpha=-eta_value)
        if mu.item() != 1:
            ax.add_(p.sub(ax).mul_(mu))
        else:
            ax.copy_(p)
        step = state["step"].item()
        # torch makes 0-d tensors of the new numbers (float32, the default dtype) and copies.
        eta.copy_(tapegrad.as_tensor(lr / ((1 + lambd * lr * step) ** group["alpha"])))
        mu.copy_(tapegrad.as_tensor(1 / max(1, step - group["t0"])))
