"""Pooling functions (``max_pool2d``, ``avg_pool2d``, ``adaptive_avg_pool2d``, ...).

The 2-D and 3-D poolings are ops of ``tapegrad._ops.pooling`` with torch's fused backward
(``MaxPool2DWithIndicesBackward0``, ``AvgPool2DBackward0``, ...); the 1-D ones pool an input
unsqueezed to 2-D and squeeze it back, as torch does (their grad_fn is ``SqueezeBackward1``).
``lp_pool1d/2d/3d`` are compositions of average pooling, as in torch; the ``*_with_indices``
forms always return ``(values, indices)``.  ``max_unpool1d/2d/3d`` scatter values back to their
indices.  ``embedding_bag`` (its own module, re-exported here) pools bags of embedding rows.

    >>> import tapegrad as torch
    >>> import tapegrad.nn.functional as F
    >>> F.max_pool2d(torch.arange(16.).view(1, 1, 4, 4), 2)
    tensor([[[[ 5.,  7.],
              [13., 15.]]]])
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

import tapegrad
from tapegrad import Tensor
from tapegrad._ops import pooling as _P
from tapegrad._ops import fractional_pool as _FP

from .embedding_bag import embedding_bag  # bags of rows pooled (re-exported from here)

__all__ = ["max_pool1d", "max_pool2d", "max_pool3d", "avg_pool1d", "avg_pool2d", "avg_pool3d",
           "adaptive_avg_pool1d", "adaptive_avg_pool2d", "adaptive_avg_pool3d",
           "adaptive_max_pool1d", "adaptive_max_pool2d", "adaptive_max_pool3d", "lp_pool1d",
           "lp_pool2d",
           "max_unpool1d", "max_unpool2d", "embedding_bag", "max_pool1d_with_indices",
           "max_pool2d_with_indices", "max_pool3d_with_indices",
           "adaptive_max_pool1d_with_indices", "adaptive_max_pool2d_with_indices",
           "adaptive_max_pool3d_with_indices", "lp_pool3d", "max_unpool3d",
           "fractional_max_pool2d", "fractional_max_pool3d",
           "fractional_max_pool2d_with_indices", "fractional_max_pool3d_with_indices"]

_NAMES = {1: "one", 2: "two", 3: "three"}


def _tuple(value: Any, d: int, fn: str, what: str, phrase: str) -> tuple:
    """An int or a d-tuple as a d-tuple; else torch's error for ``what``."""
    if isinstance(value, (int, np.integer)):
        return (int(value),) * d
    value = tuple(int(v) for v in value)
    if len(value) == 1:
        return value * d
    if len(value) != d:
        raise RuntimeError(f"{fn}: {what} must {phrase}, or a tuple of {_NAMES[d]} ints")
    return value


def _geometry(fn: str, d: int, kernel_size: Any, stride: Any, padding: Any,
              dilation: Any = 1) -> tuple:
    kernel = _tuple(kernel_size, d, fn, "kernel_size", "either be a single int")
    if stride is None or (not isinstance(stride, (int, np.integer)) and len(stride) == 0):
        stride = kernel
    else:
        stride = _tuple(stride, d, fn, "stride", "either be omitted, a single int")
    pad = _tuple(padding, d, fn, "padding", "either be a single int")
    dil = _tuple(dilation, d, fn, "dilation", "be either a single int")
    letters = "HW" if d == 2 else "THW"
    if min(stride) == 0:  # (torch's first check: a zero kernel is a zero default stride)
        raise RuntimeError("stride should not be zero")
    if min(kernel) <= 0:
        raise RuntimeError("kernel size should be greater than zero, but got "
                           + " ".join(f"k{c}: {k}" for c, k in zip(letters, kernel)))
    if min(stride) < 0:
        raise RuntimeError("stride should be greater than zero, but got "
                           + " ".join(f"d{c}: {s}" for c, s in zip(letters, stride)))
    if min(dil) <= 0:
        raise RuntimeError("dilation should be greater than zero, but got "
                           + " ".join(f"dilation{c}: {v}" for c, v in zip(letters, dil)))
    if min(pad) < 0:
        raise RuntimeError(f"pad must be non-negative, but got pad: {min(pad)}")
    for k, p, dl in zip(kernel, pad, dil):
        if p > (dl * (k - 1) + 1) // 2:
            raise RuntimeError(f"pad should be at most half of effective kernel size, but got "
                               f"pad={p}, kernel_size={k} and dilation={dl}")
    if any(p > k // 2 for k, p in zip(kernel, pad)):  # torch's second check ignores dilation
        if d == 2:
            raise RuntimeError(f"pad should be smaller than or equal to half of kernel size, but "
                               f"got padW = {pad[1]}, padH = {pad[0]}, kW = {kernel[1]}, "
                               f"kH = {kernel[0]}")
        raise RuntimeError(f"pad should be smaller than or equal to half of kernel size, but got "
                           f"kT: {kernel[0]} kW: {kernel[2]} kH: {kernel[1]} padT: {pad[0]} "
                           f"padW: {pad[2]} padH: {pad[1]}")
    return kernel, stride, pad, dil


def _check_rank(input: Tensor, d: int, message: str) -> None:
    if input.dim() not in (d + 1, d + 2) or any(s == 0 for s in input.shape[-d - 1:]):
        raise RuntimeError(message)


def _check_output(input: Tensor, d: int, out: tuple) -> None:
    if min(out) < 1:
        sizes = "x".join(str(s) for s in input.shape[-d - 1:])
        outs = "x".join(str(s) for s in (input.shape[-d - 1],) + out)
        raise RuntimeError(f"Given input size: ({sizes}). Calculated output size: ({outs}). "
                           f"Output size is too small")


def _max_pool(input: Tensor, d: int, op: Any, kernel_size: Any, stride: Any, padding: Any,
              dilation: Any, ceil_mode: bool, return_indices: bool) -> Any:
    fn = f"max_pool{d}d"
    kernel, stride, pad, dil = _geometry(fn, d, kernel_size, stride, padding, dilation)
    if d == 2:
        _check_rank(input, d, "non-empty 3D or 4D (batch mode) tensor expected for input")
    else:
        _check_rank(input, d, "non-empty 4D or 5D (batch mode) tensor expected for input")
    out = tuple(_P.pooled_size(L, k, s, p, dl, ceil_mode) for L, k, s, p, dl
                in zip(input.shape[-d:], kernel, stride, pad, dil))
    _check_output(input, d, out)
    result = op(input, kernel_size=kernel, stride=stride, padding=pad, dilation=dil,
                ceil_mode=bool(ceil_mode))
    if not return_indices:
        return result
    idx = _P.max_pool_indices(input.detach().numpy(), kernel, stride, pad, dil,
                              bool(ceil_mode))
    return result, tapegrad.from_numpy(idx.copy())


def max_pool2d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0,
               dilation: Any = 1, ceil_mode: bool = False, return_indices: bool = False) -> Any:
    """The maximum of each ``kernel_size`` window of the last two dims (stride defaults to the
    kernel; padding reads as minus infinity); with ``return_indices`` also the flat index
    ``h * W + w`` of each window's (first) maximum, as ``max_unpool2d`` takes it.

    Input (N, C, H, W) or (C, H, W)."""
    return _max_pool(input, 2, _P.MAX_POOL2D, kernel_size, stride, padding, dilation,
                     ceil_mode, return_indices)


def max_pool3d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0,
               dilation: Any = 1, ceil_mode: bool = False, return_indices: bool = False) -> Any:
    """``max_pool2d`` over the last three dims: input (N, C, D, H, W) or (C, D, H, W)."""
    return _max_pool(input, 3, _P.MAX_POOL3D, kernel_size, stride, padding, dilation,
                     ceil_mode, return_indices)


def _check_1d(input: Tensor, fn: str) -> None:
    if input.dim() not in (2, 3) or input.shape[-1] == 0 or input.shape[-2] == 0:
        raise RuntimeError(f"{fn}: Expected 2D or 3D (batch mode) tensor with optional 0 dim "
                           f"batch size for input, but got:{list(input.shape)}")


def _check_1d_rank(input: Tensor, fn: str) -> None:
    if input.dim() not in (2, 3):
        raise RuntimeError(f"Expected 2 to 3 dimensions, but got {input.dim()}-dimensional tensor "
                           f"for argument #1 'self' (while checking arguments for {fn})")


def _one(value: Any) -> Any:
    """A 1-D pooling argument as the width of a 2-D one."""
    if isinstance(value, (int, np.integer)):
        return value
    value = tuple(value)
    return value[0] if len(value) == 1 else value


def max_pool1d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0,
               dilation: Any = 1, ceil_mode: bool = False, return_indices: bool = False) -> Any:
    """``max_pool2d`` along the last dim only: input (N, C, L) or (C, L)."""
    _check_1d(input, "max_pool1d")
    stride = None if stride is None or (not isinstance(stride, int) and len(stride) == 0) \
        else (1, _one(stride))
    got = max_pool2d(input.unsqueeze(-2), (1, _one(kernel_size)), stride,
                     (0, _one(padding)), (1, _one(dilation)), ceil_mode, return_indices)
    if return_indices:
        return got[0].squeeze(-2), got[1].squeeze(-2)
    return got.squeeze(-2)


def _avg_pool(input: Tensor, d: int, op: Any, kernel_size: Any, stride: Any, padding: Any,
              ceil_mode: bool, count_include_pad: bool, divisor_override: Any) -> Tensor:
    fn = f"avg_pool{d}d"
    kernel, stride, pad, _ = _geometry(fn, d, kernel_size, stride, padding)
    if d == 2:
        if input.dim() not in (3, 4) or any(s == 0 for s in input.shape[1:]):
            raise RuntimeError("Expected 3D or 4D (batch mode) tensor with optional 0 dim batch "
                               f"size for input, but got:{list(input.shape)}")
    else:
        _check_rank(input, d, "non-empty 4D or 5D (batch mode) tensor expected for input")
    if divisor_override is not None and divisor_override == 0:
        raise RuntimeError("divisor must be not zero")
    out = tuple(_P.pooled_size(L, k, s, p, 1, ceil_mode) for L, k, s, p
                in zip(input.shape[-d:], kernel, stride, pad))
    _check_output(input, d, out)
    return op(input, kernel_size=kernel, stride=stride, padding=pad, ceil_mode=bool(ceil_mode),
              count_include_pad=bool(count_include_pad),
              divisor_override=None if divisor_override is None else int(divisor_override))


def avg_pool2d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0,
               ceil_mode: bool = False, count_include_pad: bool = True,
               divisor_override: int | None = None) -> Tensor:
    """The mean of each ``kernel_size`` window of the last two dims.  The divisor is the
    window's size within the padded input (``count_include_pad``), within the input itself
    otherwise, or ``divisor_override``.  Input (N, C, H, W) or (C, H, W)."""
    return _avg_pool(input, 2, _P.AVG_POOL2D, kernel_size, stride, padding, ceil_mode,
                     count_include_pad, divisor_override)


def avg_pool3d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0,
               ceil_mode: bool = False, count_include_pad: bool = True,
               divisor_override: int | None = None) -> Tensor:
    """``avg_pool2d`` over the last three dims: input (N, C, D, H, W) or (C, D, H, W)."""
    return _avg_pool(input, 3, _P.AVG_POOL3D, kernel_size, stride, padding, ceil_mode,
                     count_include_pad, divisor_override)


def avg_pool1d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0,
               ceil_mode: bool = False, count_include_pad: bool = True) -> Tensor:
    """``avg_pool2d`` along the last dim only: input (N, C, L) or (C, L)."""
    _check_1d_rank(input, "avg_pool1d")
    stride = None if stride is None or (not isinstance(stride, int) and len(stride) == 0) \
        else (1, _one(stride))
    return avg_pool2d(input.unsqueeze(-2), (1, _one(kernel_size)), stride, (0, _one(padding)),
                      ceil_mode, count_include_pad).squeeze(-2)


def _output_size(output_size: Any, input: Tensor, d: int, fn: str) -> tuple:
    if isinstance(output_size, (int, np.integer)):
        size = (int(output_size),) * d
    else:
        size = tuple(output_size)
        if len(size) != d:
            raise RuntimeError(f"{fn}(): internal error: output_size.size() must be {d}")
    return tuple(input.shape[-d + i] if s is None else int(s) for i, s in enumerate(size))


def _check_adaptive(input: Tensor, d: int, fn: str) -> None:
    if input.dim() not in (d + 1, d + 2):
        lo, hi = d + 1, d + 2
        raise RuntimeError(f"{fn}(): Expected {lo}D or {hi}D tensor, but got {list(input.shape)}"
                           if "avg" in fn else
                           f"{fn}(): Expected {lo}D or {hi}D tensor, but got: "
                           f"{list(input.shape)}")
    for i in range(1, input.dim()):
        if input.shape[i] == 0:
            raise RuntimeError(f"{fn}(): Expected input to have non-zero size for non-batch "
                               f"dimensions, but input has sizes {list(input.shape)} with "
                               f"dimension {i} being empty")


def adaptive_avg_pool2d(input: Tensor, output_size: Any) -> Tensor:
    """Average pooling to a fixed ``output_size`` (an int, or a pair whose ``None`` keeps that
    dim): window ``i`` of a dim of length L covers ``[floor(i*L/out), ceil((i+1)*L/out))``.
    An output of 1 x 1 is a mean over the last two dims, as in torch."""
    _check_adaptive(input, 2, "adaptive_avg_pool2d")
    size = _output_size(output_size, input, 2, "adaptive_avg_pool2d")
    if size == (1, 1):
        return input.mean((-2, -1), keepdim=True)
    return _P.ADAPTIVE_AVG_POOL2D(input, output_size=size)


def adaptive_avg_pool3d(input: Tensor, output_size: Any) -> Tensor:
    """``adaptive_avg_pool2d`` over the last three dims."""
    _check_adaptive(input, 3, "adaptive_avg_pool3d")
    size = _output_size(output_size, input, 3, "adaptive_avg_pool3d")
    if size == (1, 1, 1):
        return input.mean((-3, -2, -1), keepdim=True)
    return _P.ADAPTIVE_AVG_POOL3D(input, output_size=size)


def adaptive_avg_pool1d(input: Tensor, output_size: Any) -> Tensor:
    """``adaptive_avg_pool2d`` along the last dim only: input (N, C, L) or (C, L)."""
    _check_1d_rank(input, "adaptive_avg_pool1d")
    return adaptive_avg_pool2d(input.unsqueeze(-2), (1, _one(output_size))).squeeze(-2)


def _adaptive_max(input: Tensor, output_size: Any, return_indices: bool, d: int) -> Any:
    fn = f"adaptive_max_pool{d}d"
    _check_adaptive(input, d, fn)
    size = _output_size(output_size, input, d, fn)
    result = (_P.ADAPTIVE_MAX_POOL2D if d == 2 else _P.ADAPTIVE_MAX_POOL3D)(
        input, output_size=size)
    if not return_indices:
        return result
    idx = _P.adaptive_max_indices(input.detach().numpy(), size)
    return result, tapegrad.from_numpy(idx.copy())


def adaptive_max_pool2d(input: Tensor, output_size: Any, return_indices: bool = False) -> Any:
    """The maximum of each adaptive window (see ``adaptive_avg_pool2d``); with
    ``return_indices`` also each maximum's flat index ``h * W + w``."""
    return _adaptive_max(input, output_size, return_indices, 2)


def adaptive_max_pool3d(input: Tensor, output_size: Any, return_indices: bool = False) -> Any:
    """``adaptive_max_pool2d`` over the last three dims (flat indices ``(d * H + h) * W + w``)."""
    return _adaptive_max(input, output_size, return_indices, 3)


def adaptive_max_pool1d(input: Tensor, output_size: Any, return_indices: bool = False) -> Any:
    """``adaptive_max_pool2d`` along the last dim only: input (N, C, L) or (C, L)."""
    _check_1d_rank(input, "adaptive_max_pool1d")
    got = adaptive_max_pool2d(input.unsqueeze(-2), (1, _one(output_size)), return_indices)
    if return_indices:
        return got[0].squeeze(-2), got[1].squeeze(-2)
    return got.squeeze(-2)


def lp_pool2d(input: Tensor, norm_type: float, kernel_size: Any, stride: Any = None,
              ceil_mode: bool = False) -> Tensor:
    """The p-norm of each window: ``(sum x ** p) ** (1/p)``, computed as torch does from the
    window means (``sign(m) * relu(|m|) * kw * kh``, then the 1/p power)."""
    kw, kh = (kernel_size, kernel_size) if isinstance(kernel_size, int) else kernel_size
    if stride is not None:
        out = avg_pool2d(input.pow(norm_type), kernel_size, stride, 0, ceil_mode)
    else:
        out = avg_pool2d(input.pow(norm_type), kernel_size, padding=0, ceil_mode=ceil_mode)
    return (tapegrad.sign(out) * tapegrad.relu(tapegrad.abs(out))).mul(kw * kh).pow(
        1.0 / norm_type)


def lp_pool1d(input: Tensor, norm_type: float, kernel_size: int, stride: Any = None,
              ceil_mode: bool = False) -> Tensor:
    """``lp_pool2d`` along the last dim only."""
    if stride is not None:
        out = avg_pool1d(input.pow(norm_type), kernel_size, stride, 0, ceil_mode)
    else:
        out = avg_pool1d(input.pow(norm_type), kernel_size, padding=0, ceil_mode=ceil_mode)
    return (tapegrad.sign(out) * tapegrad.relu(tapegrad.abs(out))).mul(kernel_size).pow(
        1.0 / norm_type)


def _unpool_size(input: Tensor, d: int, kernel: tuple, stride: tuple, pad: tuple,
                 output_size: Any) -> tuple:
    default = tuple((L - 1) * s - 2 * p + k for L, k, s, p
                    in zip(input.shape[-d:], kernel, stride, pad))
    if output_size is None:
        return default
    size = tuple(int(s) for s in output_size)
    if len(size) == d + 2 or len(size) == d + 1:
        size = size[-d:]
    if len(size) != d:
        raise ValueError(f"output_size should be a sequence containing {d} or {d + 2} "
                         f"elements, but it has a length of '{len(size)}'")
    for i, (s, base, st) in enumerate(zip(size, default, stride)):
        if not base - st < s < base + st:
            raise ValueError(f'invalid output_size "{list(size)}" (dim {i} must be between '
                             f"{base - st} and {base + st})")
    return size


def _max_unpool(input: Tensor, indices: Tensor, d: int, kernel_size: Any, stride: Any,
                padding: Any, output_size: Any) -> Tensor:
    """Values written at their flat indices into zeros of the unpooled size, over the last
    ``d`` dims."""
    fn = f"max_unpool{d}d"
    kernel = _tuple(kernel_size, d, fn, "kernel_size", "either be a single int")
    stride = kernel if stride is None else _tuple(stride, d, fn, "stride",
                                                  "either be omitted, a single int")
    pad = _tuple(padding, d, fn, "padding", "either be a single int")
    size = _unpool_size(input, d, kernel, stride, pad, output_size)
    lead = tuple(input.shape[:-d])
    volume = int(np.prod(size))
    where = indices.numpy()
    bad = where[(where < 0) | (where >= volume)]
    if bad.size:
        raise RuntimeError(f"Found an invalid max index: {bad.flat[0]} (output volumes are of "
                           f"size {'x'.join(str(n) for n in size)})")
    flat = tapegrad.zeros(lead + (volume,), dtype=input.dtype)
    src = input.reshape(lead + (-1,))
    out = flat.scatter(-1, indices.reshape(lead + (-1,)), src)
    return out.reshape(lead + size)


def max_unpool2d(input: Tensor, indices: Tensor, kernel_size: Any, stride: Any = None,
                 padding: Any = 0, output_size: Any = None) -> Tensor:
    """The partial inverse of ``max_pool2d``: each value written at its flat index into zeros
    of the unpooled size (``(L - 1) * stride - 2 * padding + kernel`` per dim by default)."""
    return _max_unpool(input, indices, 2, kernel_size, stride, padding, output_size)


def max_unpool3d(input: Tensor, indices: Tensor, kernel_size: Any, stride: Any = None,
                 padding: Any = 0, output_size: Any = None) -> Tensor:
    """``max_unpool2d`` over the last three dims (flat indices ``(d * H + h) * W + w``, as
    ``max_pool3d(..., return_indices=True)`` gives them)."""
    return _max_unpool(input, indices, 3, kernel_size, stride, padding, output_size)


def max_unpool1d(input: Tensor, indices: Tensor, kernel_size: Any, stride: Any = None,
                 padding: Any = 0, output_size: Any = None) -> Tensor:
    """``max_unpool2d`` along the last dim only."""
    stride = kernel_size if stride is None else stride
    if output_size is not None:
        output_size = (1, tuple(output_size)[-1])
    return max_unpool2d(input.unsqueeze(-2), indices.unsqueeze(-2), (1, _one(kernel_size)),
                        (1, _one(stride)), (0, _one(padding)), output_size).squeeze(-2)


def lp_pool3d(input: Tensor, norm_type: float, kernel_size: Any, stride: Any = None,
              ceil_mode: bool = False) -> Tensor:
    """``lp_pool2d`` over the last three dims; ``norm_type`` of plus or minus infinity is the
    max (min) of ``|x|`` per window, as in torch."""
    kd, kw, kh = (kernel_size,) * 3 if isinstance(kernel_size, int) else tuple(kernel_size)
    if norm_type == float("inf"):
        return max_pool3d(input.abs(), kernel_size, stride, 0, 1, ceil_mode)
    if norm_type == -float("inf"):
        return -max_pool3d(-input.abs(), kernel_size, stride, 0, 1, ceil_mode)
    if stride is not None:
        out = avg_pool3d(input.pow(norm_type), kernel_size, stride, 0, ceil_mode)
    else:
        out = avg_pool3d(input.pow(norm_type), kernel_size, padding=0, ceil_mode=ceil_mode)
    return (tapegrad.sign(out) * tapegrad.relu(tapegrad.abs(out))).mul(kd * kw * kh).pow(
        1.0 / norm_type)


# -- the *_with_indices forms: always (values, indices), whatever return_indices says ------------
def max_pool1d_with_indices(input: Tensor, kernel_size: Any, stride: Any = None,
                            padding: Any = 0, dilation: Any = 1, ceil_mode: bool = False,
                            return_indices: bool = False) -> tuple[Tensor, Tensor]:
    """``max_pool1d(..., return_indices=True)``: the maxima and their indices."""
    return max_pool1d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


def max_pool2d_with_indices(input: Tensor, kernel_size: Any, stride: Any = None,
                            padding: Any = 0, dilation: Any = 1, ceil_mode: bool = False,
                            return_indices: bool = False) -> tuple[Tensor, Tensor]:
    """``max_pool2d(..., return_indices=True)``: the maxima and their flat indices."""
    return max_pool2d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


def max_pool3d_with_indices(input: Tensor, kernel_size: Any, stride: Any = None,
                            padding: Any = 0, dilation: Any = 1, ceil_mode: bool = False,
                            return_indices: bool = False) -> tuple[Tensor, Tensor]:
    """``max_pool3d(..., return_indices=True)``: the maxima and their flat indices."""
    return max_pool3d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


def adaptive_max_pool1d_with_indices(input: Tensor, output_size: Any,
                                     return_indices: bool = False) -> tuple[Tensor, Tensor]:
    """``adaptive_max_pool1d(..., return_indices=True)``."""
    return adaptive_max_pool1d(input, output_size, True)


def adaptive_max_pool2d_with_indices(input: Tensor, output_size: Any,
                                     return_indices: bool = False) -> tuple[Tensor, Tensor]:
    """``adaptive_max_pool2d(..., return_indices=True)``."""
    return adaptive_max_pool2d(input, output_size, True)


def adaptive_max_pool3d_with_indices(input: Tensor, output_size: Any,
                                     return_indices: bool = False) -> tuple[Tensor, Tensor]:
    """``adaptive_max_pool3d(..., return_indices=True)``."""
    return adaptive_max_pool3d(input, output_size, True)


# -- fractional max pooling ------------------------------------------------------------------------
def _fractional(input: Tensor, d: int, kernel_size: Any, output_size: Any, output_ratio: Any,
                return_indices: bool, samples: Tensor | None) -> Any:
    """Fractional max pooling over the last ``d`` dims (see ``tapegrad._ops.fractional_pool``):
    without ``_random_samples``, one ``rand(N, C, d)`` draw (torch's, seeded) per call."""
    fn = f"fractional_max_pool{d}d"
    if output_size is None and output_ratio is None:
        raise ValueError(f"{fn} requires specifying either an output_size or an output_ratio")
    kernel = _tuple(kernel_size, d, fn, "kernel_size", "either be a single int")
    if output_size is None:
        if d == 2 and not isinstance(output_ratio, (int, float)) and len(output_ratio) > 2:
            raise ValueError(f"{fn} requires output_ratio to either be a single Int or tuple "
                             "of Ints.")
        ratio = (output_ratio,) * d if isinstance(output_ratio, (int, float)) \
            else tuple(output_ratio)
        output_size = [int(input.size(k - d) * ratio[k]) for k in range(d)]
    size = _tuple(output_size, d, fn, "output_size", "either be a single int")
    if samples is None:
        batch = 1 if input.dim() == d + 1 else input.size(0)
        samples = tapegrad.rand(batch, input.size(-d - 1), d, dtype=input.dtype)
    indices = _FP.FRACTIONAL_MAX_POOL_INDICES(input.detach(), samples.detach(),
                                              kernel_size=kernel, output_size=size)
    op = _FP.FRACTIONAL_MAX_POOL2D if d == 2 else _FP.FRACTIONAL_MAX_POOL3D
    values = op(input, indices, dims=d)
    return (values, indices) if return_indices else values


def fractional_max_pool2d(input: Tensor, kernel_size: Any, output_size: Any = None,
                          output_ratio: Any = None, return_indices: bool = False,
                          _random_samples: Tensor | None = None) -> Any:
    """Max pooling over pseudo-random ``kernel_size`` windows (Graham's fractional max pooling)
    of an (N, C, H, W) or (C, H, W) input, down to ``output_size`` or ``output_ratio`` times the
    input's size; with ``return_indices`` also the flat indices ``h * W + w`` of the maxima."""
    return _fractional(input, 2, kernel_size, output_size, output_ratio, return_indices,
                       _random_samples)


def fractional_max_pool3d(input: Tensor, kernel_size: Any, output_size: Any = None,
                          output_ratio: Any = None, return_indices: bool = False,
                          _random_samples: Tensor | None = None) -> Any:
    """``fractional_max_pool2d`` over the last three dims of an (N, C, T, H, W) or
    (C, T, H, W) input."""
    return _fractional(input, 3, kernel_size, output_size, output_ratio, return_indices,
                       _random_samples)


def fractional_max_pool2d_with_indices(input: Tensor, kernel_size: Any, output_size: Any = None,
                                       output_ratio: Any = None, return_indices: bool = False,
                                       _random_samples: Tensor | None = None) -> tuple:
    """``fractional_max_pool2d(..., return_indices=True)``."""
    return _fractional(input, 2, kernel_size, output_size, output_ratio, True, _random_samples)


def fractional_max_pool3d_with_indices(input: Tensor, kernel_size: Any, output_size: Any = None,
                                       output_ratio: Any = None, return_indices: bool = False,
                                       _random_samples: Tensor | None = None) -> tuple:
    """``fractional_max_pool3d(..., return_indices=True)``."""
    return _fractional(input, 3, kernel_size, output_size, output_ratio, True, _random_samples)
