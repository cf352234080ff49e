"""Loss functions (``mse_loss``, ``cross_entropy``, ``nll_loss``, ...), with torch's signatures.

Every loss takes ``reduction='mean' | 'sum' | 'none'`` (and the legacy ``size_average`` /
``reduce`` flags, with torch's deprecation warning).  Losses that torch computes with a fused
kernel call the ops of ``tapegrad._ops.loss`` (``grad_fn`` ``MseLossBackward0``,
``NllLossBackward0``, ...); ``cross_entropy`` is ``log_softmax`` followed by ``nll_loss``, as in
torch, and ``l1_loss`` and ``kl_div`` are compositions, as in torch.  Arguments are checked first,
with torch's errors.

    >>> import tapegrad as torch
    >>> import tapegrad.nn.functional as F
    >>> logits = torch.tensor([[2.0, 0.5, -1.0], [0.1, 0.2, 3.0]], requires_grad=True)
    >>> F.cross_entropy(logits, torch.tensor([0, 2]))
    tensor(0.1755, grad_fn=<NllLossBackward0>)
"""
from __future__ import annotations

import warnings

import tapegrad
from tapegrad import Tensor
from tapegrad._ops import loss as _L

from .activation import _scalar_name

__all__ = ["l1_loss", "mse_loss", "smooth_l1_loss", "huber_loss", "binary_cross_entropy",
           "binary_cross_entropy_with_logits", "nll_loss", "cross_entropy", "kl_div"]


# -- reduction arguments -------------------------------------------------------------------------
def _reduction(reduction: str) -> str:
    """``reduction`` checked (torch's ``_Reduction.get_enum``)."""
    if reduction in ("none", "mean", "sum"):
        return reduction
    if reduction == "elementwise_mean":
        warnings.warn("reduction='elementwise_mean' is deprecated. Please use reduction='mean' "
                      "instead.", stacklevel=2)  # (torch's: the line in the library)
        return "mean"
    raise ValueError(f"{reduction} is not a valid value for reduction")


def _legacy_reduction(size_average: bool | None, reduce: bool | None) -> str:
    """The ``reduction`` meant by the deprecated ``size_average`` and ``reduce`` flags."""
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    ret = "mean" if size_average and reduce else "sum" if reduce else "none"
    warnings.warn("size_average and reduce args will be deprecated, please use "
                  f"reduction='{ret}' instead.", stacklevel=2)  # (as torch's)
    return ret


def _warn_size(input: Tensor, target: Tensor) -> None:
    if target.size() != input.size():
        warnings.warn(f"Using a target size ({target.size()}) that is different to the input "
                      f"size ({input.size()}). This will likely lead to incorrect results due "
                      "to broadcasting. Please ensure they have the same size.", stacklevel=3)


def _broadcast(input: Tensor, target: Tensor) -> tuple[Tensor, Tensor]:
    """``broadcast_tensors(input, target)``, with torch's message when the shapes do not fit."""
    a, b = tuple(input.shape), tuple(target.shape)
    n = max(len(a), len(b))
    a, b = (1,) * (n - len(a)) + a, (1,) * (n - len(b)) + b
    for i in range(n - 1, -1, -1):
        if a[i] != b[i] and 1 not in (a[i], b[i]):
            raise RuntimeError(f"The size of tensor a ({a[i]}) must match the size of tensor b "
                               f"({b[i]}) at non-singleton dimension {i}")
    return tapegrad.broadcast_tensors(input, target)


def _common_float(input: Tensor, target: Tensor, kernel: str) -> tuple[Tensor, Tensor]:
    """Both operands in their common dtype (torch's promotion), floating point only."""
    a, b = input.dtype, target.dtype
    if a != b:
        if a.is_floating_point and b.is_floating_point:
            common = a if a.itemsize >= b.itemsize else b
        elif a.is_floating_point or b.is_floating_point:
            common = a if a.is_floating_point else b
        else:
            common = a if a.itemsize >= b.itemsize else b
        input, target = input.to(common), target.to(common)
    if not input.dtype.is_floating_point:
        raise NotImplementedError(f'"{kernel}" not implemented for '
                                  f"'{_scalar_name(input.dtype)}'")
    return input, target


def _no_grad_required(t: Tensor | None, argument: str, function: str) -> None:
    if t is not None and t.requires_grad and tapegrad.is_grad_enabled():
        raise RuntimeError(f"The function '{function}' is not differentiable with respect to "
                           f"argument '{argument}'. This input cannot have requires_grad True.")


def _weighted_reduction(loss: Tensor, weight: Tensor, input: Tensor, reduction: str) -> Tensor:
    """torch's reduction of an elementwise-weighted loss (mse_loss/l1_loss with ``weight``)."""
    if weight.size() != input.size():
        raise ValueError("Weights and input must have the same size.")
    weighted = loss * weight
    if reduction == "none":
        return weighted
    if reduction == "sum":
        return tapegrad.sum(weighted)
    if reduction == "mean":
        return tapegrad.sum(weighted) / tapegrad.sum(weight)
    raise ValueError(f"Invalid reduction mode: {reduction}. Expected one of 'none', 'mean', "
                     "'sum'.")


# -- regression ------------------------------------------------------------------------------------
def mse_loss(input: Tensor, target: Tensor, size_average: bool | None = None,
             reduce: bool | None = None, reduction: str = "mean",
             weight: Tensor | None = None) -> Tensor:
    """The squared error ``(input - target) ** 2``, reduced."""
    _warn_size(input, target)
    if size_average is not None or reduce is not None:
        reduction = _legacy_reduction(size_average, reduce)
    input, target = _broadcast(input, target)
    if weight is not None:
        return _weighted_reduction(tapegrad.pow(input - target, 2), weight, input, reduction)
    input, target = _common_float(input, target, "mse_cpu")
    return _L.MSE_LOSS(input, target, reduction=_reduction(reduction))


def l1_loss(input: Tensor, target: Tensor, size_average: bool | None = None,
            reduce: bool | None = None, reduction: str = "mean",
            weight: Tensor | None = None) -> Tensor:
    """The absolute error ``|input - target|``, reduced (a composition, as in torch)."""
    _warn_size(input, target)
    if size_average is not None or reduce is not None:
        reduction = _legacy_reduction(size_average, reduce)
    input, target = _broadcast(input, target)
    if weight is not None:
        return _weighted_reduction(tapegrad.abs(input - target), weight, input, reduction)
    return _reduce(tapegrad.abs(input - target), _reduction(reduction))


def _reduce(loss: Tensor, reduction: str) -> Tensor:
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss


def smooth_l1_loss(input: Tensor, target: Tensor, size_average: bool | None = None,
                   reduce: bool | None = None, reduction: str = "mean",
                   beta: float = 1.0) -> Tensor:
    """Squared error (halved, over ``beta``) below ``beta``, absolute error above; reduced."""
    _warn_size(input, target)
    if size_average is not None or reduce is not None:
        reduction = _legacy_reduction(size_average, reduce)
    input, target = _broadcast(input, target)
    if beta == 0.0:
        return _reduce(tapegrad.abs(input - target), _reduction(reduction))
    reduction = _reduction(reduction)
    if beta < 0:
        raise RuntimeError("smooth_l1_loss does not support negative values for beta.")
    input, target = _common_float(input, target, "smooth_l1_cpu")
    return _L.SMOOTH_L1_LOSS(input, target, reduction=reduction, beta=beta)


def huber_loss(input: Tensor, target: Tensor, reduction: str = "mean", delta: float = 1.0,
               weight: Tensor | None = None) -> Tensor:
    """Halved squared error below ``delta``, ``delta * (|error| - delta / 2)`` above; reduced."""
    _warn_size(input, target)
    input, target = _broadcast(input, target)
    if weight is not None:
        if weight.size() != input.size():
            raise ValueError("Weights and input must have the same size.")
        loss = huber_loss(input, target, "none", delta) * weight
        if reduction == "none":
            return loss
        if reduction == "sum":
            return tapegrad.sum(loss)
        if reduction == "mean":
            return loss.mean()
        raise ValueError(f"Invalid reduction mode: {reduction}. Expected one of 'none', "
                         "'mean', 'sum'.")
    reduction = _reduction(reduction)
    if delta <= 0:
        raise RuntimeError("huber_loss does not support non-positive values for delta.")
    input, target = _common_float(input, target, "huber_cpu")
    return _L.HUBER_LOSS(input, target, reduction=reduction, delta=delta)


# -- binary classification -----------------------------------------------------------------------
def _any_outside_unit_interval(t: Tensor) -> bool:
    """Whether some element lies outside [0, 1]. Under vmap the values are per example and
    cannot be read (torch checks them inside its kernel); the check is then left out."""
    data = t.detach()
    try:
        return bool(((data < 0) | (data > 1)).any())
    except RuntimeError:  # vmap: "data-dependent control flow" on a batched tensor
        return False


def binary_cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None,
                         size_average: bool | None = None, reduce: bool | None = None,
                         reduction: str = "mean") -> Tensor:
    """``-w * (t * log(x) + (1 - t) * log(1 - x))`` for probabilities ``x``; each log is
    floored at -100 (torch's guard against ``log(0)``)."""
    if size_average is not None or reduce is not None:
        reduction = _legacy_reduction(size_average, reduce)
    reduction = _reduction(reduction)
    if target.size() != input.size():
        raise ValueError(f"Using a target size ({target.size()}) that is different to the "
                         f"input size ({input.size()}) is deprecated. Please ensure they have "
                         "the same size.")
    if weight is not None:
        weight = weight.expand(*_broadcast_shape(target.shape, weight.shape))
    _no_grad_required(weight, "weight", "binary_cross_entropy")
    for other in (target, weight):
        if other is not None and other.dtype != input.dtype:
            raise RuntimeError(f"Found dtype {_scalar_name(other.dtype)} but expected "
                               f"{_scalar_name(input.dtype)}")
    if not input.dtype.is_floating_point:
        raise NotImplementedError('"binary_cross_entropy" not implemented for '
                                  f"'{_scalar_name(input.dtype)}'")
    if _any_outside_unit_interval(input):
        raise RuntimeError("all elements of input should be between 0 and 1")
    if _any_outside_unit_interval(target):
        raise RuntimeError("all elements of target should be between 0 and 1")
    return _L.BINARY_CROSS_ENTROPY(input, target, weight, reduction=reduction)


def _broadcast_shape(a: tuple, b: tuple) -> tuple:
    return tuple(tapegrad.broadcast_tensors(tapegrad.empty(a), tapegrad.empty(b))[0].shape)


def binary_cross_entropy_with_logits(input: Tensor, target: Tensor,
                                     weight: Tensor | None = None,
                                     size_average: bool | None = None,
                                     reduce: bool | None = None, reduction: str = "mean",
                                     pos_weight: Tensor | None = None) -> Tensor:
    """Binary cross entropy of ``sigmoid(input)``, computed from the logits without overflow
    (through log-sigmoid); ``pos_weight`` weighs the positive term per class."""
    if size_average is not None or reduce is not None:
        reduction = _legacy_reduction(size_average, reduce)
    reduction = _reduction(reduction)
    if target.size() != input.size():
        raise ValueError(f"Target size ({target.size()}) must be the same as input size "
                         f"({input.size()})")
    _no_grad_required(weight, "weight", "binary_cross_entropy_with_logits")
    _no_grad_required(pos_weight, "pos_weight", "binary_cross_entropy_with_logits")
    if not target.dtype.is_floating_point and input.dtype.is_floating_point:
        raise RuntimeError(f"result type {_scalar_name(input.dtype)} can't be cast to the "
                           f"desired output type {_scalar_name(target.dtype)}")
    input, target = _common_float(input, target, "binary_cross_entropy_with_logits")
    if pos_weight is not None:  # torch's first use: (pos_weight - 1) * target
        _broadcast(pos_weight, target)
    return _L.BINARY_CROSS_ENTROPY_WITH_LOGITS(input, target, weight, pos_weight,
                                               reduction=reduction)


# -- classification over classes ---------------------------------------------------------------
def _check_nll_arguments(input: Tensor, target: Tensor, weight: Tensor | None,
                         two_d: bool) -> None:
    """torch's checks of nll_loss (1-D/2-D input) or nll_loss2d (4-D input), in its order."""
    if two_d:
        if target.ndim != 3:
            raise RuntimeError("only batches of spatial targets supported (3D tensors) but got "
                               f"targets of dimension: {target.ndim}")
        if weight is not None and weight.numel() != input.shape[1]:
            raise RuntimeError("weight tensor should be defined either for all or no classes")
        n, _, h, w = input.shape
        if (n, h, w) != tuple(target.shape):
            raise RuntimeError(f"size mismatch (got input: {list(input.shape)} , target: "
                               f"{list(target.shape)}")
    else:
        if target.ndim > 1:
            raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
        if input.ndim == 1 and target.ndim == 1 and target.shape[0] != 1:
            raise ValueError("For 1D input, 1D target must have size 1, but got target size: "
                             f"{target.shape[0]}")
        classes = input.shape[-1]
        if weight is not None and (weight.ndim != 1 or weight.numel() != classes):
            raise RuntimeError(f"weight tensor should be defined either for all {classes} "
                               "classes or no classes but got weight tensor of shape: "
                               f"{list(weight.shape)}")
    if str(target.dtype).split(".")[-1] not in ("int64", "uint8"):
        raise RuntimeError("expected target dtype to be Long or Byte, but got "
                           f"{_scalar_name(target.dtype)}")
    if not input.dtype.is_floating_point:
        raise NotImplementedError('"nll_loss_out_frame" not implemented for '
                                  f"'{_scalar_name(input.dtype)}'")
    if weight is not None and weight.dtype != input.dtype:
        raise RuntimeError(f"expected scalar type {_scalar_name(input.dtype)} but found "
                           f"{_scalar_name(weight.dtype)}")


def _nll_nd(input: Tensor, target: Tensor, weight: Tensor | None, reduction: str,
            ignore_index: int) -> Tensor:
    """torch's ``nll_loss_nd``: nll_loss for 1-D/2-D input, nll_loss2d for 4-D, other ranks
    through a (N, C, 1, -1) view of the input."""
    if input.ndim < 1:
        raise ValueError(f"Expected 1 or more dimensions (got {input.ndim})")
    if input.ndim != 1 and input.shape[0] != (target.shape[0] if target.ndim else 0):
        raise ValueError(f"Expected input batch_size ({input.shape[0]}) to match target "
                         f"batch_size ({target.shape[0] if target.ndim else 0}).")
    _no_grad_required(weight, "weight", "nll_loss_forward")
    if input.ndim <= 2:
        _check_nll_arguments(input, target, weight, False)
        if input.ndim == 1 and target.ndim == 1:  # one example, its target given as [class]
            target = target.reshape(())
        return _L.NLL_LOSS(input, target, weight, reduction=reduction,
                           ignore_index=ignore_index)
    if input.ndim == 4:
        _check_nll_arguments(input, target, weight, True)
        return _L.NLL_LOSS2D(input, target, weight, reduction=reduction,
                             ignore_index=ignore_index)
    n, c = input.shape[:2]
    out_size = [n, *input.shape[2:]]
    if list(target.shape[1:]) != list(input.shape[2:]):
        raise RuntimeError(f"Expected target size {out_size}, got {list(target.shape)}")
    input = input.reshape(n, c, 1, -1) if input.numel() else input.reshape(n, c, 0, 0)
    target = target.reshape(n, 1, -1) if target.numel() else target.reshape(n, 0, 0)
    _check_nll_arguments(input, target, weight, True)
    out = _L.NLL_LOSS2D(input, target, weight, reduction=reduction, ignore_index=ignore_index)
    return out if reduction != "none" else out.view(out_size)


def nll_loss(input: Tensor, target: Tensor, weight: Tensor | None = None,
             size_average: bool | None = None, ignore_index: int = -100,
             reduce: bool | None = None, reduction: str = "mean") -> Tensor:
    """The negative log likelihood: ``-weight[t] * input[n, t]`` for each target class ``t``
    (``input`` holds log-probabilities, classes along dim 1); ``'mean'`` divides by the total
    weight of the targets that are not ``ignore_index``."""
    if size_average is not None or reduce is not None:
        reduction = _legacy_reduction(size_average, reduce)
    return _nll_nd(input, target, weight, _reduction(reduction), ignore_index)


def cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None,
                  size_average: bool | None = None, ignore_index: int = -100,
                  reduce: bool | None = None, reduction: str = "mean",
                  label_smoothing: float = 0.0) -> Tensor:
    """Cross entropy between the logits ``input`` (classes along dim 1) and ``target``: class
    indices (``log_softmax`` then ``nll_loss``) or, when ``target`` has the input's shape, class
    probabilities.  ``label_smoothing`` mixes the target with the uniform distribution."""
    if size_average is not None or reduce is not None:
        reduction = _legacy_reduction(size_average, reduce)
    reduction = _reduction(reduction)
    class_dim = 0 if input.ndim == 1 else 1
    if tuple(input.shape) == tuple(target.shape):
        if not target.dtype.is_floating_point:
            raise RuntimeError("Expected floating point type for target with class "
                               f"probabilities, got {_scalar_name(target.dtype)}")
        if ignore_index >= 0:
            raise RuntimeError("ignore_index is not supported for floating point target")
        return _cross_entropy_probabilities(input, target, weight, reduction, label_smoothing)
    if label_smoothing > 0.0:
        if label_smoothing > 1.0:
            raise RuntimeError("label_smoothing must be between 0.0 and 1.0. Got: "
                               f"{label_smoothing}")
        return _cross_entropy_smoothed(input, target, weight, reduction, ignore_index,
                                       label_smoothing)
    return _nll_nd(tapegrad.log_softmax(input, class_dim), target, weight, reduction,
                   ignore_index)


def _class_shape(input: Tensor, class_dim: int, classes: int) -> list:
    shape = [1] * input.ndim
    shape[class_dim] = classes
    return shape


def _cross_entropy_probabilities(input: Tensor, target: Tensor, weight: Tensor | None,
                                 reduction: str, label_smoothing: float) -> Tensor:
    class_dim = 0 if input.ndim == 1 else 1
    classes = input.shape[class_dim]
    if weight is not None and (weight.ndim != 1 or weight.numel() != classes):
        raise RuntimeError(f"cross_entropy: weight tensor should be defined either for all "
                           f"{classes} classes or no classes but got weight tensor of shape: "
                           f"{list(weight.shape)}")
    logp = tapegrad.log_softmax(input, class_dim)
    if label_smoothing > 0.0:
        if label_smoothing > 1.0:
            raise RuntimeError("label_smoothing must be between 0.0 and 1.0. Got: "
                               f"{label_smoothing}")
        target = target * (1 - label_smoothing) + label_smoothing / classes
    terms = logp * target
    if weight is not None:
        terms = terms * weight.view(_class_shape(input, class_dim, classes))
    if reduction == "none":
        return -terms.sum(class_dim)
    total = -terms.sum()
    if reduction == "sum":
        return total
    if input.numel() == 0:
        return total * float("nan")
    return _L.DIV_SCALAR(total, other=input.numel() // classes)


def _cross_entropy_smoothed(input: Tensor, target: Tensor, weight: Tensor | None,
                            reduction: str, ignore_index: int, label_smoothing: float) -> Tensor:
    """torch's label smoothing for class indices: the nll loss mixed with the mean of
    ``-log p`` over the classes (weighted), ignored targets contributing nothing."""
    class_dim = 0 if input.ndim == 1 else 1
    classes = input.shape[class_dim]
    logp = tapegrad.log_softmax(input, class_dim)
    nll = _nll_nd(logp, target, weight, reduction, ignore_index)
    ignored = target == ignore_index
    if weight is not None:
        smooth = -(logp * weight.view(_class_shape(input, class_dim, classes))).sum(class_dim)
    else:
        smooth = -logp.sum(class_dim)
    smooth = smooth.masked_fill(ignored, 0.0)
    if reduction == "mean":
        if weight is not None:
            kept = target.masked_select(~ignored).flatten().long()
            ret = smooth.sum() / weight.gather(0, kept).sum()
        else:
            # (the count in the loss's dtype: the same quotient as torch's integer count)
            ret = smooth.sum() / (~ignored).sum().to(smooth.dtype)
    elif reduction == "sum":
        ret = smooth.sum()
    else:
        ret = smooth
    return (1 - label_smoothing) * nll + ret * (label_smoothing / classes)


def kl_div(input: Tensor, target: Tensor, size_average: bool | None = None,
           reduce: bool | None = None, reduction: str = "mean",
           log_target: bool = False) -> Tensor:
    """Kullback-Leibler divergence ``target * (log(target) - input)`` for log-probabilities
    ``input`` (``log_target=True``: the target is given as log-probabilities too).
    ``reduction='batchmean'`` divides the sum by the batch size (the mathematical KL);
    ``'mean'`` divides by the number of elements, with torch's warning."""
    if size_average is not None or reduce is not None:
        reduction = _legacy_reduction(size_average, reduce)
    else:
        if reduction == "mean":
            warnings.warn("reduction: 'mean' divides the total loss by both the batch size and "
                          "the support size.'batchmean' divides only by the batch size, and "
                          "aligns with the KL div math definition.'mean' will be changed to "
                          "behave the same as 'batchmean' in the next major release.",
                          stacklevel=2)
        if reduction != "batchmean":
            reduction = _reduction(reduction)
    if not (input.dtype.is_floating_point and target.dtype.is_floating_point):
        raise RuntimeError("kl_div: Integral inputs not supported.")
    if log_target:
        loss = tapegrad.exp(target) * (target - input)
    else:
        loss = tapegrad.xlogy(target, target) - target * input
    if reduction == "batchmean":
        total = loss.sum()
        return total / input.shape[0] if input.ndim != 0 else total
    return _reduce(loss, reduction)
