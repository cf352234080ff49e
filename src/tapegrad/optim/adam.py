"""Adam: per-coordinate step sizes from running averages of the gradient and its square."""
from __future__ import annotations

from typing import Any, Iterable

import numpy as np

import tapegrad
from tapegrad import Tensor

from . import _pointwise as P
from .optimizer import Optimizer

__all__ = ["Adam"]


def _to_scalar(x: Any) -> Any:
    """A one-element tensor hyperparameter as a 0-d tensor (torch squeezes it)."""
    return x.squeeze() if isinstance(x, Tensor) and x.dim() != 0 else x


def _check_adam_like(lr: Any, betas: tuple, eps: float, weight_decay: float) -> None:
    """The argument checks Adam, NAdam, RAdam and Adamax share, in torch's order and words."""
    if isinstance(lr, Tensor) and lr.numel() != 1:
        raise ValueError("Tensor lr must be 1-element")
    if not 0.0 <= lr:
        raise ValueError(f"Invalid learning rate: {lr}")
    if not 0.0 <= eps:
        raise ValueError(f"Invalid epsilon value: {eps}")
    if not 0.0 <= betas[0] < 1.0:
        raise ValueError(f"Invalid beta parameter at index 0: {betas[0]}")
    if not 0.0 <= betas[1] < 1.0:
        raise ValueError(f"Invalid beta parameter at index 1: {betas[1]}")
    if not 0.0 <= weight_decay:
        raise ValueError(f"Invalid weight_decay value: {weight_decay}")


class Adam(Optimizer):
    """Adam (Kingma and Ba, 2014), with the AMSGrad variant and optional weight decay.

    Each step ``t``, with ``g`` the gradient (negated if ``maximize``)::

        g = g + weight_decay * p         (or p = p * (1 - lr * weight_decay) if decoupled)
        m = beta1 * m + (1 - beta1) * g                 (state 'exp_avg')
        v = beta2 * v + (1 - beta2) * g * g             (state 'exp_avg_sq')
        v_max = max(v_max, v)                           (amsgrad: state 'max_exp_avg_sq')
        p = p - lr / (1 - beta1**t) * m / (sqrt(v) / sqrt(1 - beta2**t) + eps)

    Args:
        params: tensors to optimize, or dicts defining parameter groups.
        lr: learning rate (default 1e-3).
        betas: decay rates of the two running averages (default (0.9, 0.999)).
        eps: added to the denominator for numerical stability (default 1e-8).
        weight_decay: L2 penalty (default 0).
        amsgrad: use the maximum of past squared-gradient averages (default False).
        maximize: maximize the objective instead of minimizing it.
        decoupled_weight_decay: shrink the parameters directly, as AdamW does.
        foreach, capturable, differentiable, fused: accepted as torch does (``capturable=True``
            fails at the first step, as on torch's CPU).

    The state of a parameter: ``step`` (a 0-d float32 tensor), ``exp_avg``, ``exp_avg_sq``
    (and ``max_exp_avg_sq`` with amsgrad).
    """

    def __init__(self, params: Iterable[Any], lr: float | Tensor = 1e-3,
                 betas: tuple[float | Tensor, float | Tensor] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, amsgrad: bool = False, *,
                 foreach: bool | None = None, maximize: bool = False, capturable: bool = False,
                 differentiable: bool = False, fused: bool | None = None,
                 decoupled_weight_decay: bool = False) -> None:
        if isinstance(lr, Tensor):
            if foreach and not capturable:
                raise ValueError("lr as a Tensor is not supported for capturable=False and "
                                 "foreach=True")
        _check_adam_like(lr, betas, eps, weight_decay)
        if not (all(isinstance(b, float) for b in betas)
                or all(isinstance(b, Tensor) for b in betas)):
            raise ValueError("betas must be either both floats or both Tensors")
        for i, beta in enumerate(betas):
            if isinstance(beta, Tensor):
                if not capturable and foreach:
                    raise ValueError(f"betas[{i}] as a Tensor is not supported for "
                                     "capturable=False and foreach=True")
                if beta.numel() != 1:
                    raise ValueError(f"Tensor betas[{i}] must be 1-element")
        defaults = {"lr": lr, "betas": tuple(map(_to_scalar, betas)), "eps": eps,
                    "weight_decay": weight_decay, "amsgrad": amsgrad, "maximize": maximize,
                    "foreach": foreach, "capturable": capturable,
                    "differentiable": differentiable, "fused": fused,
                    "decoupled_weight_decay": decoupled_weight_decay}
        super().__init__(params, defaults)

    def _init_state(self, p: Tensor, group: dict[str, Any]) -> dict[str, Any]:
        state = {"step": self._new_step(group), "exp_avg": tapegrad.zeros_like(p),
                 "exp_avg_sq": tapegrad.zeros_like(p)}
        if group["amsgrad"]:
            state["max_exp_avg_sq"] = tapegrad.zeros_like(p)
        return state

    def _update(self, p: Tensor, grad: Tensor, group: dict[str, Any]) -> None:
        state = self._state_for(p, group)
        self._check_capturable(group)
        lr, weight_decay, eps = _to_scalar(group["lr"]), group["weight_decay"], group["eps"]
        beta1, beta2 = (_to_scalar(b) for b in group["betas"])
        exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
        if not group["amsgrad"] and P.plain_arrays(p, grad, exp_avg, exp_avg_sq, state["step"]):
            _update_arrays(p, grad, state, lr, weight_decay, eps, beta1, beta2,
                           group["decoupled_weight_decay"])
            return
        state["step"] += 1
        if weight_decay != 0:
            if group["decoupled_weight_decay"]:
                p.mul_(1 - lr * weight_decay)
            else:
                grad = P.add(grad, p, alpha=weight_decay)
        P.lerp_(exp_avg, grad, 1 - beta1)
        P.addcmul_(exp_avg_sq.mul_(beta2), grad, grad, value=1 - beta2)

        # The scalars are Python floats (float64), as in torch's single-tensor algorithm.
        step = state["step"].item()
        bias_correction1 = 1 - beta1 ** step
        bias_correction2 = 1 - beta2 ** step
        step_size = lr / bias_correction1
        bias_correction2_sqrt = bias_correction2 ** 0.5
        if group["amsgrad"]:
            max_sq = state["max_exp_avg_sq"]
            max_sq.copy_(tapegrad.maximum(max_sq, exp_avg_sq))
            denom = max_sq.sqrt() / bias_correction2_sqrt
        else:
            denom = exp_avg_sq.sqrt() / bias_correction2_sqrt
        denom.add_(eps)
        P.addcdiv_(p, exp_avg, denom, value=-step_size)


def _update_arrays(p: Tensor, grad: Tensor, state: dict[str, Any], lr: float,
                   weight_decay: float, eps: float, beta1: float, beta2: float,
                   decoupled: bool) -> None:
    """``Adam._update`` on the NumPy arrays themselves, for contiguous float32/float64 tensors
    and number hyperparameters: the same operations in the same order with the same roundings
    (the test suite checks it bit for bit against the tensor-op path and torch), without a
    tensor op's dispatch per line, which dominated the step of a small model."""
    a, g = P.array_of(p), P.array_of(grad)
    m, v, step = P.array_of(state["exp_avg"]), P.array_of(state["exp_avg_sq"]), \
        P.array_of(state["step"])
    kind = a.dtype.type
    step += 1
    if weight_decay != 0:
        if decoupled:
            a *= kind(1 - lr * weight_decay)
        else:
            g = P.add_arrays(g, a, P.scalar(weight_decay, p))
    P.lerp_arrays(m, g, P.scalar(1 - beta1, p))
    v *= kind(beta2)
    P.fma_arrays(g * kind(P.scalar(1 - beta2, p)), g, v, out=v)
    t = float(step)
    step_size = lr / (1 - beta1 ** t)
    denom = np.sqrt(v)
    denom /= kind((1 - beta2 ** t) ** 0.5)
    denom += kind(eps)
    update = m * kind(P.scalar(-step_size, p))
    update /= denom
    a += update
    for t in (p, state["exp_avg"], state["exp_avg_sq"], state["step"]):
        tapegrad.autograd.graph.increment_version(t)  # writes autograd did not see
