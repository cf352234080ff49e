"""torch functions that are compositions of tapegrad's ops: stacking helpers, tile, meshgrid,
diff, lerp, nan_to_num, masked_select, take, repeat_interleave, tensordot, cdist, trapezoid,
addmm/addcmul/addcdiv, and the counting functions unique, bincount, searchsorted and bucketize.

Each is built from recorded ops, so its gradients (of every order), forward mode and vmap come
from theirs; ``grad_fn`` shows the last op.  lerp, addcmul and addcdiv are ops of their own
(``_ops/fused.py``), rounded as torch's fused kernels and recorded under their names.  The counting functions return integer tensors, outside autograd.
"""
from __future__ import annotations

import math
import warnings
from typing import Any, Sequence

import numpy as np

from . import _api, _reductions, _selecting, _shaping
from ._ops import elementwise as E, fused as F
from ._tensor import Tensor, _wrap_dim


# -- stacking ------------------------------------------------------------------------------------
def hstack(tensors: Sequence[Tensor]) -> Tensor:
    """Concatenate along dim 1 (dim 0 for 1-D tensors)."""
    tensors = [_shaping.atleast_1d(t) for t in tensors]
    return _shaping.cat(tensors, 0 if tensors[0].ndim == 1 else 1)


def vstack(tensors: Sequence[Tensor]) -> Tensor:
    """Concatenate along dim 0, 1-D tensors first made rows."""
    return _shaping.cat([_shaping.atleast_2d(t) for t in tensors], 0)


row_stack = vstack


def column_stack(tensors: Sequence[Tensor]) -> Tensor:
    """Tensors as columns: 0-D and 1-D ones become (n, 1), then concatenate along dim 1."""
    cols = [t.reshape(t.numel(), 1) if t.ndim <= 1 else t for t in tensors]
    return _shaping.cat(cols, 1)


def dstack(tensors: Sequence[Tensor]) -> Tensor:
    """Concatenate along dim 2, each tensor first made at least 3-D."""
    return _shaping.cat([_shaping.atleast_3d(t) for t in tensors], 2)


def tile(input: Tensor, dims: Sequence[int]) -> Tensor:
    """``input`` repeated ``dims`` times along each dimension (missing ones count as 1)."""
    dims = tuple(dims)
    if len(dims) < input.ndim:
        dims = (1,) * (input.ndim - len(dims)) + dims
    return _shaping.repeat(input, *dims)


def meshgrid(*tensors: Any, indexing: str | None = None) -> tuple:
    """Coordinate grids from 1-D tensors: ``'ij'`` (matrix) or ``'xy'`` (Cartesian) indexing."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    if indexing is None:
        warnings.warn("torch.meshgrid: in an upcoming release, it will be required to pass the "
                      "indexing argument. (Triggered internally at /__w/pytorch/pytorch/aten/src/"
                      "ATen/native/TensorShape.cpp:4215.)", UserWarning, stacklevel=2)
        indexing = "ij"
    if indexing not in ("ij", "xy"):
        raise RuntimeError(f"torch.meshgrid: indexing must be one of \"xy\" or \"ij\", but "
                           f"received: {indexing}")
    swap = indexing == "xy" and len(tensors) >= 2  # 'xy': the first two take each other's axes
    order = list(tensors)
    if swap:
        order[0], order[1] = order[1], order[0]
    shape = tuple(t.numel() for t in order)
    grids = []
    for k, t in enumerate(order):
        view = [1] * len(order)
        view[k] = t.numel()
        grids.append(_shaping.expand(t.reshape(*view), *shape))
    if swap:
        grids[0], grids[1] = grids[1], grids[0]
    return tuple(grids)


# -- differences and interpolation ---------------------------------------------------------------
def diff(input: Tensor, n: int = 1, dim: int = -1, prepend: Tensor | None = None,
         append: Tensor | None = None) -> Tensor:
    """The ``n``-th forward difference along ``dim`` (with ``prepend``/``append`` joined first)."""
    d = _wrap_dim(dim, input.ndim)
    parts = [t for t in (prepend, input, append) if t is not None]
    out = _shaping.cat(parts, d) if len(parts) > 1 else input
    for _ in range(n):
        size = out.shape[d]
        if size == 0:
            break
        out = (_shaping.narrow(out, d, 1, size - 1) - _shaping.narrow(out, d, 0, size - 1))
    return out


def lerp(input: Tensor, end: Tensor, weight: Any) -> Tensor:
    """``input + weight * (end - input)``, computed from the nearer end and rounded as torch's
    fused kernel (``LerpBackward0``, or ``LerpBackward1`` for a tensor weight)."""
    if isinstance(weight, Tensor):
        return F.LERP_TENSOR(input, end, weight)
    return F.LERP(input, end, weight=float(weight))


def nan_to_num(input: Tensor, nan: float = 0.0, posinf: float | None = None,
               neginf: float | None = None) -> Tensor:
    """NaN, +inf and -inf replaced by ``nan`` and the dtype's largest and smallest finite values
    (or ``posinf``/``neginf``); the gradient passes where the value was finite."""
    if input.dtype.np.kind not in "fc":
        return input.clone()
    info = np.finfo(input.dtype.np)
    hi = info.max if posinf is None else posinf
    lo = info.min if neginf is None else neginf
    out = E.WHERE(input.isnan(), nan, input)
    out = E.WHERE(out == math.inf, hi, out)
    return E.WHERE(out == -math.inf, lo, out)


# -- picking -------------------------------------------------------------------------------------
def masked_select(input: Tensor, mask: Tensor) -> Tensor:
    """The elements where the bool ``mask`` (broadcast against ``input``) holds, as 1-D."""
    a, m = _shaping.broadcast_tensors(input, mask)
    return a[m]


def take(input: Tensor, index: Tensor) -> Tensor:
    """``input`` read as 1-D at ``index`` (the result has ``index``'s shape)."""
    return input.reshape(-1)[index]


def repeat_interleave(input: Tensor, repeats: Any = None, dim: int | None = None, *,
                      output_size: int | None = None) -> Tensor:
    """Each element (along ``dim``; of the flattened tensor when None) repeated ``repeats``
    times.  ``repeat_interleave(counts)`` alone gives ``0`` counts[0] times, ``1`` ...

    (torch's own kernel is RepeatInterleaveBackward0; this is an index_select.)"""
    if repeats is None:  # the one-argument form: indices repeated by the counts
        counts = np.asarray(input._data, dtype=np.int64)
        return Tensor._make(np.repeat(np.arange(counts.size, dtype=np.int64), counts))
    if dim is None:
        input, dim = input.reshape(-1), 0
    d = _wrap_dim(dim, input.ndim)
    n = input.shape[d]
    counts = np.asarray(repeats._data if isinstance(repeats, Tensor) else repeats, dtype=np.int64)
    if counts.ndim and counts.size not in (1, n):
        raise RuntimeError("repeats must have the same size as input along dim, but got "
                           f"repeats.size(0) = {counts.size} and input.size({d}) = {n}")
    index = np.repeat(np.arange(n, dtype=np.int64), np.broadcast_to(counts.reshape(-1), (n,)))
    return _selecting.index_select(input, d, Tensor._make(index))


# -- products and distances ----------------------------------------------------------------------
def tensordot(a: Tensor, b: Tensor, dims: Any = 2) -> Tensor:
    """Sum of products over the last ``dims`` dims of ``a`` and the first of ``b``, or over the
    dims given as two lists."""
    from tapegrad._einsum import einsum
    if isinstance(dims, int):
        left, right = list(range(a.ndim - dims, a.ndim)), list(range(dims))
    else:
        left, right = [list(d) if isinstance(d, (list, tuple)) else [d] for d in dims]
    letters = iter("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
    la = [next(letters) for _ in range(a.ndim)]
    lb = [next(letters) for _ in range(b.ndim)]
    for i, j in zip(left, right):
        lb[_wrap_dim(j, b.ndim)] = la[_wrap_dim(i, a.ndim)]
    summed = {la[_wrap_dim(i, a.ndim)] for i in left}
    out = [l for l in la if l not in summed] + [l for l in lb if l not in summed]
    return einsum(f"{''.join(la)},{''.join(lb)}->{''.join(out)}", a, b)


def cdist(x1: Tensor, x2: Tensor, p: float = 2.0) -> Tensor:
    """Pairwise ``p``-norm distances between the rows of ``x1`` (…, n, d) and ``x2`` (…, m, d)."""
    diff_ = x1.unsqueeze(-2) - x2.unsqueeze(-3)
    if p == 2.0:
        return (diff_ * diff_).sum(-1).sqrt()
    return _reductions.norm(diff_, p=p, dim=-1)


def trapezoid(y: Tensor, x: Tensor | None = None, *, dx: float = 1.0, dim: int = -1) -> Tensor:
    """The trapezoidal rule along ``dim``, at spacing ``dx`` or at the points ``x``."""
    d = _wrap_dim(dim, y.ndim)
    n = y.shape[d]
    mids = (_shaping.narrow(y, d, 1, n - 1) + _shaping.narrow(y, d, 0, n - 1)) * 0.5
    widths = diff(x, dim=-1 if x.ndim == 1 else d) if x is not None else dx
    if x is not None and x.ndim == 1 and y.ndim > 1:
        widths = widths.reshape(*[n - 1 if k == d else 1 for k in range(y.ndim)])
    return (mids * widths).sum(d)


trapz = trapezoid


def addmm(input: Tensor, mat1: Tensor, mat2: Tensor, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
    """``beta * input + alpha * (mat1 @ mat2)``."""
    return _scaled(input, beta) + _scaled(_api.mm(mat1, mat2), alpha)


def addcmul(input: Tensor, tensor1: Tensor, tensor2: Tensor, *, value: Any = 1) -> Tensor:
    """``input + value * tensor1 * tensor2``, rounded as torch's fused kernel
    (``AddcmulBackward0``)."""
    return F.ADDCMUL(input, tensor1, tensor2, value=value)


def addcdiv(input: Tensor, tensor1: Tensor, tensor2: Tensor, *, value: Any = 1) -> Tensor:
    """``input + value * tensor1 / tensor2``, in torch's order of operations
    (``AddcdivBackward0``)."""
    if tensor1.dtype.np.kind in "biu" and tensor2.dtype.np.kind in "biu":
        raise RuntimeError("Integer division with addcdiv is no longer supported, and in a future  "
                           "release addcdiv will perform a true division of tensor1 and tensor2. "
                           "The historic addcdiv behavior can be implemented as (input + value * "
                           "torch.trunc(tensor1 / tensor2)).to(input.dtype) for integer inputs and "
                           "as (input + value * tensor1 / tensor2) for float inputs. The future "
                           "addcdiv behavior is just the latter implementation: (input + value * "
                           "tensor1 / tensor2), for all dtypes.")
    return F.ADDCDIV(input, tensor1, tensor2, value=value)


def clamp_min(input: Tensor, min: Any) -> Tensor:
    """``clamp(input, min=min)``."""
    return _api.clamp(input, min=min)


def clamp_max(input: Tensor, max: Any) -> Tensor:
    """``clamp(input, max=max)``."""
    return _api.clamp(input, max=max)


def deg2rad(input: Tensor) -> Tensor:
    """Degrees to radians."""
    return input * (math.pi / 180.0)


def rad2deg(input: Tensor) -> Tensor:
    """Radians to degrees."""
    return input * (180.0 / math.pi)


def _scaled(t: Tensor, factor: Any) -> Tensor:
    return t if factor == 1 else t * factor


# -- counting (integer results, outside autograd) ------------------------------------------------
def unique(input: Tensor, sorted: bool = True, return_inverse: bool = False,
           return_counts: bool = False, dim: int | None = None) -> Any:
    """The distinct values (sorted), with the inverse indices and the counts on request; with
    ``dim``, the distinct slices along it."""
    data = input._data
    if dim is None:
        values, inverse, counts = np.unique(data, return_inverse=True, return_counts=True)
        inverse = inverse.reshape(data.shape)
    else:
        d = _wrap_dim(dim, input.ndim)
        values, inverse, counts = np.unique(data, return_inverse=True, return_counts=True, axis=d)
        inverse = inverse.reshape(-1)
    out = [Tensor._make(values)]
    if return_inverse:
        out.append(Tensor._make(inverse.astype(np.int64)))
    if return_counts:
        out.append(Tensor._make(counts.astype(np.int64)))
    return out[0] if len(out) == 1 else tuple(out)


def bincount(input: Tensor, weights: Tensor | None = None, minlength: int = 0) -> Tensor:
    """How often each value 0, 1, ... occurs in the 1-D int ``input`` (or the sum of
    ``weights`` there)."""
    if input.ndim != 1 or input.dtype.np.kind not in "iu":
        raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
    w = None if weights is None else weights._data
    out = np.bincount(input._data, weights=w, minlength=minlength)
    return Tensor._make(out.astype(np.int64 if w is None else w.dtype))


def searchsorted(sorted_sequence: Tensor, input: Any, *, out_int32: bool = False,
                 right: bool = False, side: str | None = None) -> Tensor:
    """Where each value of ``input`` would go in the sorted last dim of ``sorted_sequence``."""
    side = side or ("right" if right else "left")
    seq = sorted_sequence._data
    values = input._data if isinstance(input, Tensor) else np.asarray(input)
    if seq.ndim == 1:
        out = np.searchsorted(seq, values, side=side)
    else:
        out = np.stack([np.searchsorted(s, v, side=side)
                        for s, v in zip(seq.reshape(-1, seq.shape[-1]),
                                        values.reshape(-1, values.shape[-1]))]).reshape(values.shape)
    return Tensor._make(np.asarray(out, dtype=np.int32 if out_int32 else np.int64))


def bucketize(input: Any, boundaries: Tensor, *, out_int32: bool = False,
              right: bool = False) -> Tensor:
    """The bucket of each value of ``input`` among the sorted 1-D ``boundaries``."""
    return searchsorted(boundaries, input, out_int32=out_int32, right=right)
