"""``embedding_bag``: one vector per bag of indices, the sum, mean or maximum of their rows.

The arguments (a 2-D input of fixed-size bags, or a 1-D input cut into bags at ``offsets``;
``include_last_offset``; a ``padding_idx`` whose lookups are left out) are reduced here to flat
lookups (row ``indices[k]`` goes into bag ``bag[k]``), and one op of
``tapegrad._ops.embedding_bag`` computes the bags, with torch's node (``EmbeddingBagBackward0``).

    >>> import tapegrad as torch
    >>> import tapegrad.nn.functional as F
    >>> w = torch.arange(12.).view(6, 2)
    >>> F.embedding_bag(torch.tensor([0, 1, 5]), w, torch.tensor([0, 2]), mode='sum')
    tensor([[ 2.,  4.],
            [10., 11.]])
"""
from __future__ import annotations

import warnings

import numpy as np

import tapegrad
from tapegrad import Tensor
from tapegrad._ops.embedding_bag import EMBEDDING_BAG, EMBEDDING_BAG_MAX, MAX_ROWS

__all__ = ["embedding_bag"]


def _bags(input: Tensor, offsets: Tensor | None, include_last_offset: bool,
          per_sample_weights: Tensor | None) -> tuple:
    """``(indices, bag, wide_bag, number of bags, per_sample_weights)``, flat: the bag of each
    lookup (-1 for none) from torch's two ways of giving bags; torch's errors for inconsistent
    arguments.  ``wide_bag`` differs from ``bag`` with ``include_last_offset`` only: torch's
    kernel then sums the last bag up to the last offset but counts its size (``'mean'``) and
    looks for its maxima (``'max'``) up to the end of the input."""
    if input.dim() == 2:
        if offsets is not None:
            raise ValueError("if input is 2D, then offsets has to be None, as input is treated is "
                             "a mini-batch of fixed length sequences. However, found offsets of "
                             f"type {str(type(offsets)).replace('tapegrad', 'torch')}")
        rows, size = input.shape
        bag = np.repeat(np.arange(rows, dtype=np.int64), size)
        if per_sample_weights is not None:
            per_sample_weights = per_sample_weights.reshape(-1)
        return input.reshape(-1), bag, bag, rows, per_sample_weights
    if input.dim() != 1:
        raise ValueError(f"input has to be 1D or 2D Tensor, but got Tensor of dimension "
                         f"{input.dim()}")
    if offsets is None:
        raise ValueError("offsets has to be a 1D Tensor but got None")
    if offsets.dim() != 1:
        raise ValueError("offsets has to be a 1D Tensor")
    starts = offsets.numpy().astype(np.int64)
    n = input.shape[0]
    if starts.size and starts[0] != 0:
        raise RuntimeError("offsets[0] has to be 0, i.e., the first sequence in the mini-batch "
                           f"has to start from position 0. However, got {starts[0]}\n"
                           f"[ torch.{offsets.type().split('.')[-1]}{{}} ]")
    if starts.size and starts[-1] > n:
        raise RuntimeError(f"offsets[-1] can not be greater than input's length {n} but got "
                           f"offsets[-1] of {starts[-1]}")
    if include_last_offset:
        ends, starts = starts[1:], starts[:-1]
    else:
        ends = np.append(starts[1:], n)
    if np.any(ends < starts):
        raise RuntimeError("offsets must be non-decreasing")
    bag = np.full(n, -1, dtype=np.int64)
    for b, (start, end) in enumerate(zip(starts, ends)):
        bag[start:end] = b
    wide = bag.copy()
    if starts.size:
        wide[starts[-1]:] = starts.size - 1
    return input, bag, wide, int(starts.size), per_sample_weights


def embedding_bag(input: Tensor, weight: Tensor, offsets: Tensor | None = None,
                  max_norm: float | None = None, norm_type: float = 2,
                  scale_grad_by_freq: bool = False, mode: str = "mean", sparse: bool = False,
                  per_sample_weights: Tensor | None = None, include_last_offset: bool = False,
                  padding_idx: int | None = None) -> Tensor:
    """The sum, mean or max of the rows of ``weight`` in each bag of indices.

    Args:
        input: a 2-D ``(bags, size)`` tensor of indices (one bag per row), or a 1-D one cut
            into bags at ``offsets`` (bag ``i`` starts at ``offsets[i]``).
        weight: the ``(num_embeddings, dim)`` table.
        offsets: where the bags of a 1-D input start (``offsets[0]`` must be 0).
        max_norm, norm_type: rows looked up are first rescaled in place to this norm at most.
        mode: ``'sum'``, ``'mean'`` (the default) or ``'max'``.
        per_sample_weights: a weight for each index (``'sum'`` only), same shape as ``input``.
        include_last_offset: ``offsets`` has one more entry, the end of the last bag.
        padding_idx: lookups of this row are left out (not counted by ``'mean'``).

    Returns a ``(bags, dim)`` tensor; an empty bag gives zeros.
    """
    if weight.dtype in (tapegrad.int64, tapegrad.int32) and input.is_floating_point():
        warnings.warn("Argument order of nn.functional.embedding_bag was changed. Usage "
                      "`embedding_bag(weight, input, ...)` is deprecated, and should now be "
                      "`embedding_bag(input, weight, ...)`.", stacklevel=2)
        weight, input = input, weight
    if per_sample_weights is not None and input.size() != per_sample_weights.size():
        raise ValueError(f"embedding_bag: If per_sample_weights "
                         f"({_torch_size(per_sample_weights)}) is not None, then it must have "
                         f"the same shape as the input ({_torch_size(input)})")
    if weight.dim() != 2:
        raise ValueError(f"weight has to be a 2D Tensor, but got Tensor of dimension "
                         f"{weight.dim()}")
    indices, bag, wide, num_bags, per_sample_weights = _bags(input, offsets,
                                                             include_last_offset,
                                                             per_sample_weights)
    if mode not in ("sum", "mean", "max"):
        raise ValueError("mode has to be one of sum, mean or max")
    if mode == "max" and scale_grad_by_freq:
        raise ValueError("max mode does not support scaling the gradient by the frequency")
    if mode == "max" and sparse:
        raise ValueError("max mode does not support sparse weights")
    if scale_grad_by_freq or sparse:
        raise NotImplementedError("tapegrad's embedding_bag supports neither "
                                  "scale_grad_by_freq nor sparse gradients")
    if indices.dtype not in (tapegrad.int64, tapegrad.int32):
        raise RuntimeError("Expected tensor for argument #1 'indices' to have one of the "
                           "following scalar types: Long, Int; but got "
                           f"{input.type().replace('tapegrad', 'torch')} instead (while "
                           "checking arguments for embedding_bag)")
    if max_norm is not None:
        tapegrad.nn.functional.embedding(indices, weight, max_norm=max_norm, norm_type=norm_type)
    if per_sample_weights is not None and mode != "sum":
        raise NotImplementedError("embedding_bag: per_sample_weights was not None. "
                                  "per_sample_weights is only supported for mode='sum' "
                                  f"(got mode='{mode}'). Please open a feature request on "
                                  "GitHub.")
    if per_sample_weights is not None and per_sample_weights.dtype != weight.dtype:
        raise RuntimeError("Expected tensor for argument #1 'weight' to have the same type as "
                           "tensor for argument #1 'per_sample_weights'; but type "
                           f"{weight.type().replace('tapegrad', 'torch')} does not equal "
                           f"{per_sample_weights.type().replace('tapegrad', 'torch')} (while "
                           "checking arguments for embedding_bag)")
    return _pool(indices, weight, bag, wide, num_bags, mode, per_sample_weights, padding_idx)


def _torch_size(t: Tensor) -> str:
    return f"torch.Size({list(t.shape)})"


def _pool(indices: Tensor, weight: Tensor, bag: np.ndarray, wide: np.ndarray, num_bags: int,
          mode: str, per_sample_weights: Tensor | None, padding_idx: int | None) -> Tensor:
    """The bags, once the lookups are flat: bounds, padding, then the op of the mode."""
    rows = weight.shape[0]
    flat = indices.numpy().astype(np.int64)
    bad = np.nonzero((flat < 0) | (flat >= rows))[0]
    if bad.size:
        raise RuntimeError(f"Index {bad[0]} of input takes value {flat[bad[0]]} which is not in "
                           f"the valid range [0, {rows})")
    if padding_idx is not None:
        if not -rows <= padding_idx < rows:
            raise RuntimeError("padding_idx must be within the number of embeddings, "
                               f"{-rows} through {rows - 1}, but got {padding_idx}")
        padding_idx %= rows
    counted = np.ones(flat.size, dtype=bool) if padding_idx is None else flat != padding_idx
    if mode == "max":
        keep = counted & (wide >= 0)
        best = MAX_ROWS(weight, tapegrad.from_numpy(flat[keep]),
                        tapegrad.from_numpy(wide[keep]), num_bags=num_bags)
        return EMBEDDING_BAG_MAX(weight, best)
    keep = counted & (bag >= 0)
    if per_sample_weights is None:
        per_sample_weights = tapegrad.ones(flat.size, dtype=weight.dtype)
    if not keep.all():  # padding lookups are left out (and get no gradient)
        per_sample_weights = per_sample_weights[tapegrad.from_numpy(np.nonzero(keep)[0])]
    divisor = tapegrad.ones(num_bags, dtype=weight.dtype)
    if mode == "mean":  # the bag sizes (an empty bag divides its zeros by 1)
        sizes = np.bincount(wide[counted & (wide >= 0)], minlength=num_bags)
        divisor = tapegrad.tensor(np.maximum(sizes, 1).tolist(), dtype=weight.dtype)
    return EMBEDDING_BAG(weight, per_sample_weights, tapegrad.from_numpy(flat[keep]),
                         tapegrad.from_numpy(bag[keep]), divisor, num_bags=num_bags)
