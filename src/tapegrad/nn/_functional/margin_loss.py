"""The margin, ranking and likelihood losses: ``hinge_embedding_loss``,
``margin_ranking_loss``, ``cosine_embedding_loss``, ``soft_margin_loss``,
``multilabel_soft_margin_loss``, ``multi_margin_loss``, ``multilabel_margin_loss``,
``triplet_margin_loss``, ``triplet_margin_with_distance_loss``, ``poisson_nll_loss`` and
``gaussian_nll_loss``.

torch composes most of them from ordinary ops, and so do we, in torch's order (so values round
alike and the gradients come from the ops' own rules).  ``reduction`` is 'mean', 'sum' or
'none'; the deprecated ``size_average``/``reduce`` flags are accepted with torch's warning.
"""
from __future__ import annotations

import math
from typing import Any, Callable

import tapegrad
from tapegrad import Tensor

from .distance import pairwise_distance
from .loss import _legacy_reduction, _reduce, _reduction

__all__ = ["hinge_embedding_loss", "margin_ranking_loss", "cosine_embedding_loss",
           "soft_margin_loss", "multilabel_soft_margin_loss", "multi_margin_loss",
           "multilabel_margin_loss", "triplet_margin_loss", "triplet_margin_with_distance_loss",
           "poisson_nll_loss", "gaussian_nll_loss"]


def _resolve(size_average: Any, reduce: Any, reduction: str) -> str:
    if size_average is not None or reduce is not None:
        return _legacy_reduction(size_average, reduce)
    return _reduction(reduction)


def hinge_embedding_loss(input: Tensor, target: Tensor, margin: float = 1.0,
                         size_average: bool | None = None, reduce: bool | None = None,
                         reduction: str = "mean") -> Tensor:
    """``input`` where ``target`` is 1 and ``max(0, margin - input)`` where it is -1 (for
    learning whether two inputs are similar from a distance ``input``)."""
    reduction = _resolve(size_average, reduce, reduction)
    zeros = tapegrad.zeros_like(input)
    margin_clamp = (margin - input).clamp_min(0)
    output_margin = tapegrad.where(target != 1, margin_clamp, zeros)
    output_self = tapegrad.where(target != -1, input, zeros)
    return _reduce(output_margin + output_self, reduction)


def margin_ranking_loss(input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0.0,
                        size_average: bool | None = None, reduce: bool | None = None,
                        reduction: str = "mean") -> Tensor:
    """``max(0, -target * (input1 - input2) + margin)``: ``target`` 1 asks ``input1`` to rank
    higher, -1 lower."""
    reduction = _resolve(size_average, reduce, reduction)
    if not input1.dim() == input2.dim() == target.dim():
        raise RuntimeError(
            "margin_ranking_loss : All input tensors should have same dimension but got sizes: "
            f"input1: {input1.size()}, input2: {input2.size()}, target: {target.size()} ")
    return _reduce((-target * (input1 - input2) + margin).clamp_min(0), reduction)


_COSINE_EPS = 1e-12


def cosine_embedding_loss(input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0.0,
                          size_average: bool | None = None, reduce: bool | None = None,
                          reduction: str = "mean") -> Tensor:
    """``1 - cos(input1, input2)`` where ``target`` is 1, ``max(0, cos - margin)`` where it is
    -1; rows of 2-D inputs (or two 1-D vectors) are compared."""
    reduction = _resolve(size_average, reduce, reduction)
    if input1.dim() not in (1, 2):
        raise RuntimeError(f"1D target tensor expects 2D input tensors, but found inputs with "
                           f"sizes {list(input1.shape)} and {list(input2.shape)}.")
    dim = 1 if input1.dim() == 2 else 0
    prod_sum = (input1 * input2).sum(dim)
    mag_square1 = (input1 * input1).sum(dim) + _COSINE_EPS
    mag_square2 = (input2 * input2).sum(dim) + _COSINE_EPS
    cos = prod_sum / (mag_square1 * mag_square2).sqrt()
    zeros = tapegrad.zeros_like(cos)
    positive = tapegrad.where(target == 1, 1 - cos, zeros)
    negative = tapegrad.where(target == -1, (cos - margin).clamp_min(0), zeros)
    return _reduce(positive + negative, reduction)


def soft_margin_loss(input: Tensor, target: Tensor, size_average: bool | None = None,
                     reduce: bool | None = None, reduction: str = "mean") -> Tensor:
    """The two-class logistic loss ``log(1 + exp(-target * input))``, targets 1 or -1."""
    reduction = _resolve(size_average, reduce, reduction)
    return _reduce(tapegrad.log1p(tapegrad.exp(-input * target)), reduction)


def multilabel_soft_margin_loss(input: Tensor, target: Tensor, weight: Tensor | None = None,
                                size_average: bool | None = None, reduce: bool | None = None,
                                reduction: str = "mean") -> Tensor:
    """Binary cross-entropy of each class's logit against a 0/1 ``target``, averaged over the
    classes (the last dimension)."""
    reduction = _resolve(size_average, reduce, reduction)
    logsigmoid = tapegrad.nn.functional.logsigmoid
    loss = -(target * logsigmoid(input) + (1 - target) * logsigmoid(-input))
    if weight is not None:
        loss = loss * weight
    class_dim = input.dim() - 1
    loss = loss.sum(dim=class_dim) / input.size(class_dim)
    return _reduce(loss, reduction)


def multi_margin_loss(input: Tensor, target: Tensor, p: int = 1, margin: float = 1.0,
                      weight: Tensor | None = None, size_average: bool | None = None,
                      reduce: bool | None = None, reduction: str = "mean") -> Tensor:
    """The multi-class hinge loss: for each sample, the mean over the other classes ``j`` of
    ``max(0, margin - x[y] + x[j]) ** p`` (times ``weight[y]``); ``p`` is 1 or 2."""
    reduction = _resolve(size_average, reduce, reduction)
    if p not in (1, 2):
        raise ValueError("only p == 1 and p == 2 supported")
    if weight is not None and weight.dim() != 1:
        raise ValueError("weight must be one-dimensional")
    rows = input if input.dim() == 2 else input.reshape(1, -1)
    labels = target.reshape(-1, 1)
    classes = rows.size(1)
    if target.numel() != rows.size(0):
        raise RuntimeError(f"inconsistent target size, expected {rows.size(0)} but got "
                           f"{list(target.shape)}")
    chosen = rows.gather(1, labels)
    hinge = (margin - chosen + rows).clamp_min(0)
    if p == 2:
        hinge = hinge * hinge
    if weight is not None:
        hinge = hinge * weight[labels]
    own_class = tapegrad.arange(classes).reshape(1, -1) == labels
    loss = hinge.masked_fill(own_class, 0).sum(1) / classes
    if input.dim() < 2:
        loss = loss.reshape(target.shape) if reduction == "none" else loss
    return _reduce(loss, reduction)


def multilabel_margin_loss(input: Tensor, target: Tensor, size_average: bool | None = None,
                           reduce: bool | None = None, reduction: str = "mean") -> Tensor:
    """The multi-label hinge loss: ``target`` lists each sample's classes (padded with -1 after
    the last); every (target class, other class) pair adds ``max(0, 1 - (x[y] - x[j]))``,
    averaged over the classes."""
    reduction = _resolve(size_average, reduce, reduction)
    rows = input if input.dim() == 2 else input.reshape(1, -1)
    labels = target.reshape(rows.shape)
    classes = rows.size(1)
    # a label counts until the first -1 of its row
    valid = (labels >= 0).to(tapegrad.int64).cumprod(1).bool()
    safe = labels.masked_fill(~valid, 0)
    # is_target[n, c]: class c is among sample n's labels (a scatter would race on the padding)
    hits = safe.unsqueeze(2) == tapegrad.arange(classes).reshape(1, 1, -1)
    is_target = (hits & valid.unsqueeze(2)).any(1)
    chosen = rows.gather(1, safe)  # (n, slots)
    hinge = (1 - (chosen.unsqueeze(2) - rows.unsqueeze(1))).clamp_min(0)  # (n, slots, classes)
    keep = valid.unsqueeze(2) & ~is_target.unsqueeze(1)
    loss = (hinge * keep).sum((1, 2)) / classes
    if input.dim() < 2 and reduction == "none":
        loss = loss.reshape(())
    return _reduce(loss, reduction)


def triplet_margin_loss(anchor: Tensor, positive: Tensor, negative: Tensor, margin: float = 1.0,
                        p: float = 2, eps: float = 1e-6, swap: bool = False,
                        size_average: bool | None = None, reduce: bool | None = None,
                        reduction: str = "mean") -> Tensor:
    """``max(0, margin + d(anchor, positive) - d(anchor, negative))`` with the p-norm distance
    (``swap`` also tries the positive-negative distance)."""
    reduction = _resolve(size_average, reduce, reduction)
    dims = (anchor.dim(), positive.dim(), negative.dim())
    if not dims[0] == dims[1] == dims[2]:
        raise RuntimeError(
            "The anchor, positive, and negative tensors are expected to have the same number of "
            f"dimensions, but got: anchor {dims[0]}D, positive {dims[1]}D, and negative "
            f"{dims[2]}D inputs")
    d_positive = pairwise_distance(anchor, positive, p, eps)
    d_negative = pairwise_distance(anchor, negative, p, eps)
    if swap:
        d_negative = tapegrad.minimum(d_negative, pairwise_distance(positive, negative, p, eps))
    return _reduce((margin + d_positive - d_negative).clamp_min(0), reduction)


def triplet_margin_with_distance_loss(anchor: Tensor, positive: Tensor, negative: Tensor, *,
                                      distance_function: Callable | None = None,
                                      margin: float = 1.0, swap: bool = False,
                                      reduction: str = "mean") -> Tensor:
    """:func:`triplet_margin_loss` with any ``distance_function`` (pairwise distance by
    default)."""
    reduction = _reduction(reduction)
    if margin <= 0:
        raise ValueError(f"TripletMarginWithDistanceLoss: expected margin to be greater than 0, "
                         f"got {margin} instead")
    distance = distance_function if distance_function is not None else pairwise_distance
    d_positive = distance(anchor, positive)
    d_negative = distance(anchor, negative)
    if swap:
        d_negative = tapegrad.minimum(d_negative, distance(positive, negative))
    return _reduce((margin + d_positive - d_negative).clamp_min(0), reduction)


def poisson_nll_loss(input: Tensor, target: Tensor, log_input: bool = True, full: bool = False,
                     size_average: bool | None = None, eps: float = 1e-8,
                     reduce: bool | None = None, reduction: str = "mean") -> Tensor:
    """The negative log-likelihood of ``target`` under a Poisson of rate ``exp(input)``
    (``log_input``) or ``input``; ``full`` adds Stirling's term for targets above 1."""
    reduction = _resolve(size_average, reduce, reduction)
    if log_input:
        loss = tapegrad.exp(input) - target * input
    else:
        loss = input - target * tapegrad.log(input + eps)
    if full:
        stirling = (target * tapegrad.log(target) - target
                    + 0.5 * tapegrad.log(2 * math.pi * target))
        loss = loss + stirling.masked_fill(target <= 1, 0)
    return _reduce(loss, reduction)


def gaussian_nll_loss(input: Tensor, target: Tensor, var: Tensor | float, full: bool = False,
                      eps: float = 1e-6, reduction: str = "mean") -> Tensor:
    """The negative log-likelihood of ``target`` under Gaussians of mean ``input`` and
    variance ``var`` (clamped below at ``eps``, without gradient through the clamp):
    ``0.5 * (log(var) + (input - target) ** 2 / var)``, plus ``0.5 * log(2 pi)`` if ``full``."""
    if not isinstance(var, Tensor):
        if var < 0:
            raise ValueError("var has negative entry/entries")
        var = tapegrad.full_like(input, float(var))
    if var.size() != input.size():
        if input.size()[:-1] == var.size():
            var = var.unsqueeze(-1)
        elif input.size()[:-1] == var.size()[:-1] and var.size(-1) == 1:
            pass
        else:
            raise ValueError("var is of incorrect size")
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(reduction + " is not valid")
    if bool((var < 0).any()):
        raise ValueError("var has negative entry/entries")
    var = var.clone()
    with tapegrad.no_grad():
        var.clamp_(min=eps)
    loss = 0.5 * (tapegrad.log(var) + (input - target) ** 2 / var)
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return _reduce(loss, reduction)
