"""Loss functions that torch computes with a fused kernel and its own backward.

Two kinds:

* pointwise losses, reduced (``mse_loss``, ``smooth_l1_loss``, ``huber_loss``,
  ``binary_cross_entropy``, ``binary_cross_entropy_with_logits``): declared by the loss of one
  element and its partial derivative in each input, as elementwise ops are; ``pointwise_loss``
  derives the reverse rule (the incoming gradient spread back over the elements, times the
  partial) and the forward rule (the reduction of tangent times partial).
* ``nll_loss`` and ``nll_loss2d``: the negative of the input picked at each target class,
  weighted; linear in the input, so the transpose is the whole rule.

``reduction`` is ``'none'``, ``'mean'`` or ``'sum'``; the functions of ``tapegrad.nn.functional``
check arguments and give torch's errors before calling these.
"""
from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from ._registry import _param_names, _with_params, general, lift, linear, raw
from .activation import LOG_SIGMOID
from .elementwise import CLAMP, log, sigmoid, where
from .reduction import MEAN, SUM, _unreduce
from .shape import reshape

_EPSILON = 1e-12  # torch's floor for x * (1 - x) in binary_cross_entropy's gradient


def _reduce(loss: np.ndarray, reduction: str) -> np.ndarray:
    if reduction == "none":
        return loss
    if reduction == "sum":
        return np.add.reduce(loss, axis=None)
    with np.errstate(invalid="ignore"):  # the mean of nothing is NaN, as in torch
        return np.asarray(np.add.reduce(loss, axis=None) / loss.size, loss.dtype)


def _spread(g: Any, input_shape: tuple, reduction: str) -> Any:
    """The gradient of a reduced loss, spread back to every element."""
    if reduction == "none":
        return g
    if reduction == "mean":
        n = 1
        for s in input_shape:
            n *= s
        g = g / n
    return _unreduce(g, input_shape, None, False)


def _reduce_op(x: Any, reduction: str) -> Any:
    """``_reduce`` with tapegrad ops (tangents in forward mode)."""
    if reduction == "none":
        return x
    op = SUM if reduction == "sum" else MEAN
    return op(x, dim=None, keepdim=False)


def pointwise_loss(name: str, forward: Callable, grad_fn: str, args: Sequence[str],
                   doc: str | None = None, **partials: Callable | None) -> Any:
    """A loss ``reduce(f(input, target, ...))`` declared by ``f``'s partials, one per input.

    ``forward(*arrays, **params)`` gives the unreduced loss; a partial reads inputs and
    parameters by name as an elementwise partial does.  Inputs without a partial (weights) are
    not differentiable, as in torch.
    """
    parts = [partials.get(a) for a in args]
    names = sorted({p for part in parts if part is not None for p in _param_names(part)})

    def fwd(*arrays: Any, reduction: str, **params: Any) -> np.ndarray:
        return _reduce(forward(*arrays, **params), reduction)

    def vjp_for(part: Callable | None) -> Callable | None:
        if part is None:
            return None
        reads = _param_names(part)
        return _with_params(lambda g, *vals: _spread(g, vals[-2], vals[-1]) * part(*vals[:-2]),
                            ["g", *reads, "input_shape", "reduction"])

    def jvp(tangents: list, *vals: Any) -> Any:
        env = dict(zip([*names, "reduction"], vals))
        total = None
        for t, part in zip(tangents, parts):
            if t is None or part is None:
                continue
            term = t * part(*[env[p] for p in _param_names(part)])
            total = term if total is None else total + term
        return None if total is None else _reduce_op(total, env["reduction"])

    return general(name, fwd, grad_fn, args, doc=doc,
                   jvp=_with_params(jvp, ["tangents", *names, "reduction"]),
                   **{f"vjp_{a}": vjp_for(p) for a, p in zip(args, parts)})


# -- regression losses ---------------------------------------------------------------------------
def _mse(input: np.ndarray, target: np.ndarray) -> np.ndarray:
    d = input - target
    return d * d


MSE_LOSS = pointwise_loss("mse_loss", _mse, "MseLossBackward0", ("input", "target"),
                          input=lambda input, target: (input - target) * 2,
                          target=lambda input, target: (target - input) * 2)


def _smooth_l1(input: np.ndarray, target: np.ndarray, beta: float) -> np.ndarray:
    z = np.abs(input - target)
    t = z.dtype.type
    return np.where(z < beta, t(0.5) * z * z / t(beta), z - t(0.5 * beta))


def _smooth_l1_partial(input: Any, target: Any, beta: float) -> Any:
    d = input - target
    return where(d < -beta, -1.0, where(d > beta, 1.0, d / beta))


SMOOTH_L1_LOSS = pointwise_loss(
    "smooth_l1_loss", _smooth_l1, "SmoothL1LossBackward0", ("input", "target"),
    input=_smooth_l1_partial,
    target=lambda input, target, beta: -_smooth_l1_partial(input, target, beta))


def _huber(input: np.ndarray, target: np.ndarray, delta: float) -> np.ndarray:
    z = np.abs(input - target)
    t = z.dtype.type
    return np.where(z < delta, t(0.5) * z * z, t(delta) * (z - t(0.5 * delta)))


def _huber_partial(input: Any, target: Any, delta: float) -> Any:
    d = input - target
    return where(d < -delta, -delta, where(d > delta, delta, d))


HUBER_LOSS = pointwise_loss(
    "huber_loss", _huber, "HuberLossBackward0", ("input", "target"),
    input=_huber_partial,
    target=lambda input, target, delta: -_huber_partial(input, target, delta))


# -- binary classification -----------------------------------------------------------------------
def _weighted(loss: Any, weight: Any) -> Any:
    return loss if weight is None else loss * weight


def _bce(input: np.ndarray, target: np.ndarray, weight: Any) -> np.ndarray:
    t = input.dtype.type
    with np.errstate(divide="ignore"):  # log(0) = -inf, floored at -100 as torch does
        log_x = np.maximum(np.log(input), t(-100))
        log_1mx = np.maximum(np.log1p(-input), t(-100))
    return _weighted((target - t(1)) * log_1mx - target * log_x, weight)


def _bce_input_partial(input: Any, target: Any, weight: Any) -> Any:
    return _weighted((input - target) / CLAMP((1 - input) * input, min=_EPSILON, max=None),
                     weight)


def _bce_target_partial(input: Any, weight: Any) -> Any:
    return _weighted(-log(input / (1 - input)), weight)  # -logit(input)


BINARY_CROSS_ENTROPY = pointwise_loss(
    "binary_cross_entropy", _bce, "BinaryCrossEntropyBackward0", ("input", "target", "weight"),
    input=_bce_input_partial, target=_bce_target_partial)


def _bce_logits(input: np.ndarray, target: np.ndarray, weight: Any, pos_weight: Any) -> np.ndarray:
    log_sig = raw(LOG_SIGMOID(input))
    if pos_weight is not None:
        log_sig = log_sig * ((pos_weight - 1) * target + 1)
    return _weighted((1 - target) * input - log_sig, weight)


def _bce_logits_input_partial(input: Any, target: Any, weight: Any, pos_weight: Any) -> Any:
    if pos_weight is None:
        return _weighted(sigmoid(input) - target, weight)
    t = pos_weight * target
    return _weighted((t + 1 - target) * sigmoid(input) - t, weight)


def _bce_logits_target_partial(input: Any, weight: Any, pos_weight: Any) -> Any:
    if pos_weight is None:
        return _weighted(-input, weight)
    return _weighted(LOG_SIGMOID(-input) - LOG_SIGMOID(input) * pos_weight, weight)


BINARY_CROSS_ENTROPY_WITH_LOGITS = pointwise_loss(
    "binary_cross_entropy_with_logits", _bce_logits, "BinaryCrossEntropyWithLogitsBackward0",
    ("input", "target", "weight", "pos_weight"),
    input=_bce_logits_input_partial, target=_bce_logits_target_partial)


# -- negative log likelihood ---------------------------------------------------------------------
def _class_axis(input_shape: tuple) -> int:
    return 0 if len(input_shape) == 1 else 1


def _nll_weights(target: np.ndarray, weight: Any, ignore_index: int, classes: int,
                 dtype: np.dtype) -> tuple:
    """Each target's weight (0 where ignored; None when all are 1) and the target with ignored
    entries made safe to index with; torch's error for a target out of range."""
    ignored = target == ignore_index
    some_ignored = ignored.any()
    bad = (target < 0) | (target >= classes)
    if some_ignored:
        bad &= ~ignored
    if bad.any():
        raise IndexError(f"Target {target[bad].flat[0]} is out of bounds.")
    safe = np.where(ignored, 0, target) if some_ignored else target
    if weight is None and not some_ignored:
        return None, safe
    w = np.ones(target.shape, dtype) if weight is None else weight[safe].astype(dtype, copy=False)
    return (np.where(ignored, dtype.type(0), w) if some_ignored else w), safe


def _positions(safe: np.ndarray, axis: int, ndim: int) -> tuple:
    """An index that picks, along the class axis, each target's entry."""
    if ndim == 1:
        return (safe,)
    if ndim == 2:
        return (np.arange(safe.shape[0]), safe)
    grids = np.indices(safe.shape, sparse=True)
    return (grids[0], safe, *grids[1:])


def _nll(input: np.ndarray, target: np.ndarray, weight: Any, reduction: str,
         ignore_index: int) -> np.ndarray:
    axis = _class_axis(input.shape)
    w, safe = _nll_weights(target, weight, ignore_index, input.shape[axis], input.dtype)
    picked = input[_positions(safe, axis, input.ndim)]
    losses = -picked if w is None else -picked * w
    if reduction == "none":
        return losses
    total = np.add.reduce(losses, axis=None)
    if reduction == "sum":
        return np.asarray(total, input.dtype)
    count = losses.dtype.type(losses.size) if w is None else np.add.reduce(w, axis=None)
    with np.errstate(invalid="ignore", divide="ignore"):  # all ignored: 0 / 0 = NaN, as torch
        return np.asarray(total / count, input.dtype)


def _nll_transpose(g: Any, target: np.ndarray, weight: Any, input_shape: tuple, reduction: str,
                   ignore_index: int) -> Any:
    """The gradient of the input: -weight at each target class (over the total weight for
    'mean'), times the incoming gradient; zero elsewhere."""
    axis = _class_axis(input_shape)
    dtype = g.dtype if isinstance(g.dtype, np.dtype) else g.dtype.np  # g may be batched
    w, safe = _nll_weights(raw(target), raw(weight), ignore_index, input_shape[axis], dtype)
    if w is None:
        w = np.ones(safe.shape, dtype)
    if reduction == "mean":
        with np.errstate(invalid="ignore", divide="ignore"):
            w = w / np.add.reduce(w, axis=None)
    coef = np.zeros(input_shape, dtype)
    coef[_positions(safe, axis, len(input_shape))] = -w
    if reduction == "none" and len(input_shape) > 1:
        kept = list(input_shape)
        kept[axis] = 1
        g = reshape(g, shape=tuple(kept))
    return g * lift(g, coef)


NLL_LOSS = linear("nll_loss", _nll, "NllLossBackward0", _nll_transpose,
                  args=("input", "target", "weight"), params=("reduction", "ignore_index"))
NLL_LOSS2D = linear("nll_loss2d", _nll, "NllLoss2DBackward0", _nll_transpose,
                    args=("input", "target", "weight"), params=("reduction", "ignore_index"))

# -- a scalar division that torch records as DivBackward1 (div.Scalar) ---------------------------
DIV_SCALAR = linear("div_scalar", lambda input, other: input / input.dtype.type(other),
                    "DivBackward1", lambda g, other: g / other, params=("other",))

__all__ = ["pointwise_loss", "MSE_LOSS", "SMOOTH_L1_LOSS", "HUBER_LOSS", "BINARY_CROSS_ENTROPY",
           "BINARY_CROSS_ENTROPY_WITH_LOGITS", "NLL_LOSS", "NLL_LOSS2D", "DIV_SCALAR"]


def _declare_rules() -> None:
    """The batching rules of nn's ops (this module's, and those of activation, normalization
    and padding) go into vmap's table once these ops exist (as ``layers.py`` does)."""
    from .._vmap import _nn_rules  # noqa: F401  (it declares them on import)


_declare_rules()
