"""Image rearrangements with torch's fused backward: ``im2col``/``col2im`` (``F.unfold`` and
``F.fold``: ``Im2ColBackward0``, ``Col2ImBackward0``), ``pixel_shuffle``/``pixel_unshuffle`` and
the interpolations of ``F.interpolate`` (``UpsampleNearest2DBackward0``, ...; with
``antialias=True``, ``UpsampleBilinear2DAaBackward0`` and the bicubic and lanczos ones),
``Tensor.unfold`` (a strided view, ``UnfoldBackward0``) and ``F.affine_grid``
(``AffineGridGeneratorBackward0``).

All four are linear, and they come in transposed pairs: the gradient of ``im2col`` is a
``col2im`` (each window's gradient added back where the window was read) and the other way
round; ``pixel_shuffle`` and ``pixel_unshuffle`` are each other's inverse and transpose.  Each
op takes any leading (batch) dims.
"""
from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np

from ._registry import linear
from .reduction import SUM_DIM
from .shape import reshape
from .pooling import _padded_view, _trailing_rule

Ints = Sequence[int]


def blocks(size: Ints, kernel: Ints, dilation: Ints, padding: Ints, stride: Ints) -> tuple:
    """The number of sliding blocks along each spatial dim."""
    return tuple((L + 2 * p - d * (k - 1) - 1) // s + 1 for L, k, d, p, s
                 in zip(size, kernel, dilation, padding, stride))


def _im2col(input: np.ndarray, kernel_size: Ints, dilation: Ints, padding: Ints,
            stride: Ints) -> np.ndarray:
    lead = input.shape[:-3]
    out = blocks(input.shape[-2:], kernel_size, dilation, padding, stride)
    win = _padded_view(input, kernel_size, stride, padding, dilation, out, 0)
    n = len(lead)  # (..., C, oH, oW, kH, kW) -> (..., C, kH, kW, oH, oW)
    win = win.transpose(tuple(range(n + 1)) + (n + 3, n + 4, n + 1, n + 2))
    c = input.shape[-3]
    return win.reshape(lead + (c * kernel_size[0] * kernel_size[1], out[0] * out[1]))


def _col2im(input: np.ndarray, output_size: Ints, kernel_size: Ints, dilation: Ints,
            padding: Ints, stride: Ints) -> np.ndarray:
    lead = input.shape[:-2]
    kh, kw = kernel_size
    out = blocks(output_size, kernel_size, dilation, padding, stride)
    cols = input.reshape(lead + (-1, kh, kw) + out)
    (ph, pw), (dh, dw), (sh, sw) = padding, dilation, stride
    acc = np.zeros(lead + (cols.shape[-5], output_size[0] + 2 * ph, output_size[1] + 2 * pw),
                   input.dtype)
    for i in range(kh):  # a loop over kernel positions, not over blocks
        for j in range(kw):
            acc[..., i * dh:i * dh + out[0] * sh:sh, j * dw:j * dw + out[1] * sw:sw] += \
                cols[..., i, j, :, :]
    return np.ascontiguousarray(acc[..., ph:ph + output_size[0], pw:pw + output_size[1]])


_WINDOW = ("kernel_size", "dilation", "padding", "stride")

IM2COL = linear(
    "im2col", _im2col, "Im2ColBackward0",
    lambda g, input_shape, kernel_size, dilation, padding, stride: COL2IM(
        g, output_size=tuple(input_shape)[-2:], kernel_size=kernel_size, dilation=dilation,
        padding=padding, stride=stride),
    params=_WINDOW, doc="The sliding blocks of the last two dims as columns (``F.unfold``).")
COL2IM = linear(
    "col2im", _col2im, "Col2ImBackward0",
    lambda g, kernel_size, dilation, padding, stride: IM2COL(
        g, kernel_size=kernel_size, dilation=dilation, padding=padding, stride=stride),
    params=("output_size",) + _WINDOW,
    doc="Columns of sliding blocks summed back into an image (``F.fold``).")


def _pixel_shuffle(input: np.ndarray, upscale_factor: int) -> np.ndarray:
    r = upscale_factor
    *lead, c, h, w = input.shape
    n = len(lead)
    x = input.reshape(tuple(lead) + (c // (r * r), r, r, h, w))
    x = x.transpose(tuple(range(n + 1)) + (n + 3, n + 1, n + 4, n + 2))
    return x.reshape(tuple(lead) + (c // (r * r), h * r, w * r))


def _pixel_unshuffle(input: np.ndarray, downscale_factor: int) -> np.ndarray:
    r = downscale_factor
    *lead, c, h, w = input.shape
    n = len(lead)
    x = input.reshape(tuple(lead) + (c, h // r, r, w // r, r))
    x = x.transpose(tuple(range(n + 1)) + (n + 2, n + 4, n + 1, n + 3))
    return x.reshape(tuple(lead) + (c * r * r, h // r, w // r))


PIXEL_SHUFFLE = linear(
    "pixel_shuffle", _pixel_shuffle, "PixelShuffleBackward0",
    lambda g, upscale_factor: PIXEL_UNSHUFFLE(g, downscale_factor=upscale_factor),
    params=("upscale_factor",),
    doc="(*, C*r*r, H, W) -> (*, C, H*r, W*r): channel blocks spread over the pixels.")
PIXEL_UNSHUFFLE = linear(
    "pixel_unshuffle", _pixel_unshuffle, "PixelUnshuffleBackward0",
    lambda g, downscale_factor: PIXEL_SHUFFLE(g, upscale_factor=downscale_factor),
    params=("downscale_factor",),
    doc="(*, C, H*r, W*r) -> (*, C*r*r, H, W): the inverse of pixel_shuffle.")


# -- interpolation (F.interpolate) ---------------------------------------------------------------
# Every mode is separable: one (out, in) weight matrix per spatial dim, applied dim by dim; the
# gradient applies the transposed matrices.  Coordinates follow torch's kernels (float32 math
# for a float32 input, as torch's opmath).
_A = -0.75  # the bicubic convolution constant torch uses


def _scale(size: int, out: int, align_corners: bool, scale: float | None, t: Any) -> Any:
    if align_corners:
        return t((size - 1) / (out - 1)) if out > 1 else t(0)
    return t(1.0 / scale) if scale is not None and scale > 0 else t(size) / t(out)


def _cubic(t: np.ndarray, a: float = _A) -> list:
    x1, x2 = t + 1, 1 - t
    return [((a * x1 - 5 * a) * x1 + 8 * a) * x1 - 4 * a,
            ((a + 2) * t - (a + 3)) * t * t + 1,
            ((a + 2) * x2 - (a + 3)) * x2 * x2 + 1,
            ((a * (x2 + 1) - 5 * a) * (x2 + 1) + 8 * a) * (x2 + 1) - 4 * a]


# Antialiased resizing (``antialias=True``) widens the filter by the scale when shrinking, so
# every input pixel under an output pixel counts, then normalises each row of weights: the
# filters (support in input pixels at scale 1) and torch's windowing, as PIL does it.
def _sinc(x: float) -> float:
    return 1.0 if x == 0 else math.sin(math.pi * x) / (math.pi * x)


_AA_FILTERS = {
    "bilinear-aa": (2, lambda x: max(0.0, 1.0 - abs(x))),
    "bicubic-aa": (4, lambda x: _cubic(np.float64(abs(x)), -0.5)[1] if abs(x) < 1 else
                   _cubic(np.float64(abs(x)) - 1, -0.5)[0] if abs(x) < 2 else 0.0),
    "lanczos-aa": (6, lambda x: _sinc(x) * _sinc(x / 3) if -3 <= x < 3 else 0.0),
}


def _aa_weights(size: int, out: int, mode: str, align_corners: bool, scale: float | None,
                dtype: np.dtype) -> np.ndarray:
    taps, filt = _AA_FILTERS[mode]
    t = dtype.type
    s = _scale(size, out, align_corners, scale, t)
    support = t(taps * 0.5) * s if s >= 1 else t(taps * 0.5)
    invscale = t(1) / s if s >= 1 else t(1)
    widest = int(math.ceil(support)) * 2 + 1
    m = np.zeros((out, size), dtype)
    for i in range(out):
        center = s * t(i + 0.5)
        lo = max(int(center - support + t(0.5)), 0)
        count = min(max(min(int(center + support + t(0.5)), size) - lo, 0), widest)
        w = np.array([filt(float((t(j + lo) - center + t(0.5)) * invscale))
                      for j in range(count)], dtype)
        total = w.sum(dtype=dtype)
        m[i, lo:lo + count] = w / total if total != 0 else w
    return m


def _weights(size: int, out: int, mode: str, align_corners: bool, scale: float | None,
             dtype: np.dtype) -> np.ndarray:
    """The (out, size) interpolation matrix of one dim."""
    if mode in _AA_FILTERS:
        return _aa_weights(size, out, mode, align_corners, scale, dtype)
    m = np.zeros((out, size), dtype)
    dst = np.arange(out)
    rows = dst
    if mode in ("nearest", "nearest-exact"):
        t = np.float32
        s = _scale(size, out, False, scale, t)
        pos = dst.astype(t) + (t(0.5) if mode == "nearest-exact" else t(0))
        src = np.minimum(np.floor(pos * s).astype(np.int64), size - 1)
        m[rows, src] = 1
        return m
    t = dtype.type
    s = _scale(size, out, align_corners, scale, t)
    d = dst.astype(dtype)
    if mode == "bicubic":
        real = s * d if align_corners else s * (d + t(0.5)) - t(0.5)
        base = np.floor(real).astype(np.int64)
        for k, w in enumerate(_cubic((real - base).astype(dtype))):
            np.add.at(m, (rows, np.clip(base - 1 + k, 0, size - 1)), w)
        return m
    real = s * d if align_corners else np.maximum(s * (d + t(0.5)) - t(0.5), t(0))
    i0 = real.astype(np.int64)
    i1 = i0 + (i0 < size - 1)
    l1 = (real - i0).astype(dtype)
    np.add.at(m, (rows, i0), t(1) - l1)
    np.add.at(m, (rows, i1), l1)
    return m


def _interp_mats(shape: tuple, output_size: Ints, mode: str, align_corners: bool,
                 scales: Any, dtype: np.dtype) -> list:
    d = len(output_size)
    scales = scales or (None,) * d
    return [_weights(L, o, mode, align_corners, sc, dtype) for L, o, sc
            in zip(shape[-d:], output_size, scales)]


def _apply(a: np.ndarray, mats: list) -> np.ndarray:
    d = len(mats)
    for i, m in enumerate(mats):
        ax = a.ndim - d + i
        a = np.moveaxis(np.moveaxis(a, ax, -1) @ m.T, -1, ax)
    return np.ascontiguousarray(a)


def _interpolate(input: np.ndarray, output_size: Ints, mode: str, align_corners: bool,
                 scales: Any) -> np.ndarray:
    dtype = input.dtype if input.dtype.kind == "f" else np.dtype(np.float32)
    mats = _interp_mats(input.shape, output_size, mode, align_corners, scales, dtype)
    if input.dtype.kind != "f":  # (nearest on integers: a pure selection)
        return _apply(input.astype(np.float64), mats).astype(input.dtype)
    return _apply(input, mats)


def _interpolate_t(input: np.ndarray, target: tuple, output_size: Ints, mode: str,
                   align_corners: bool, scales: Any) -> np.ndarray:
    mats = _interp_mats(tuple(target), output_size, mode, align_corners, scales, input.dtype)
    return _apply(input, [m.T for m in mats])


_INTERP = ("output_size", "mode", "align_corners", "scales")


def _interp_pair(name: str, grad_fn: str) -> tuple:
    op = linear(name, _interpolate, grad_fn,
                lambda g, input_shape, output_size, mode, align_corners, scales: back(
                    g, target=tuple(input_shape), output_size=output_size, mode=mode,
                    align_corners=align_corners, scales=scales),
                params=_INTERP, doc="Interpolation of the trailing dims (``F.interpolate``).")
    back = linear(name + "_backward", _interpolate_t,
                  grad_fn.replace("Backward0", "BackwardBackward0"),
                  lambda g, output_size, mode, align_corners, scales: op(
                      g, output_size=output_size, mode=mode, align_corners=align_corners,
                      scales=scales),
                  params=("target",) + _INTERP, doc="The gradient of interpolation.")
    return op, back


_KINDS = {("nearest", 1): "UpsampleNearest1D", ("nearest", 2): "UpsampleNearest2D",
          ("nearest", 3): "UpsampleNearest3D", ("nearest-exact", 1): "UpsampleNearestExact1D",
          ("nearest-exact", 2): "UpsampleNearestExact2D",
          ("nearest-exact", 3): "UpsampleNearestExact3D", ("linear", 1): "UpsampleLinear1D",
          ("bilinear", 2): "UpsampleBilinear2D", ("bicubic", 2): "UpsampleBicubic2D",
          ("trilinear", 3): "UpsampleTrilinear3D"}
_KINDS.update({("bilinear-aa", 2): "UpsampleBilinear2DAa", ("bicubic-aa", 2): "UpsampleBicubic2DAa",
               ("lanczos-aa", 2): "UpsampleLanczos2DAa"})
INTERPOLATE = {key: _interp_pair("upsample_" + kind[8:].lower().replace("daa", "d_aa"),
                                 kind + "Backward0")[0]
               for key, kind in _KINDS.items()}
"""The interpolation ops by (mode, number of spatial dims); ``antialias=True`` is the mode
``'<mode>-aa'``."""


# -- Tensor.unfold: every window of ``size`` elements, ``step`` apart, along one dim -----------
# The forward is a strided view of the input (no copy); the gradient adds each window back where
# it was read.  ``dim`` is negative, counted from the input's end, so a vmap batch dim in front
# changes nothing.


def _unfold_view(input: np.ndarray, dim: int, size: int, step: int) -> np.ndarray:
    ax = input.ndim + dim
    count = (input.shape[ax] - size) // step + 1
    shape = input.shape[:ax] + (count,) + input.shape[ax + 1:] + (size,)
    strides = (input.strides[:ax] + (input.strides[ax] * step,) + input.strides[ax + 1:]
               + (input.strides[ax],))
    return np.lib.stride_tricks.as_strided(input, shape, strides)


def _unfold_sum(input: np.ndarray, target: tuple, dim: int, size: int, step: int) -> np.ndarray:
    out = np.zeros(tuple(target), input.dtype)
    ax = out.ndim + dim
    count = input.shape[ax]
    windows = np.moveaxis(input, -1, 0)  # (size, ...): one slice per position in the window
    for k in range(size):  # a loop over window positions, not over windows
        index = (slice(None),) * ax + (slice(k, k + (count - 1) * step + 1, step),)
        out[index] += windows[k]
    return out


TENSOR_UNFOLD = linear(
    "unfold", _unfold_view, "UnfoldBackward0",
    lambda g, input_shape, dim, size, step: UNFOLD_SUM(
        g, target=tuple(input_shape), dim=dim, size=size, step=step),
    params=("dim", "size", "step"), view=True,
    doc="The windows of ``size`` elements, ``step`` apart, along ``dim`` (``Tensor.unfold``).")
UNFOLD_SUM = linear(
    "unfold_backward", _unfold_sum, "UnfoldBackwardBackward0",
    lambda g, dim, size, step: TENSOR_UNFOLD(g, dim=dim, size=size, step=step),
    params=("target", "dim", "size", "step"), doc="The gradient of ``Tensor.unfold``.")


def tensor_unfold(self: Any, dimension: int, size: int, step: int) -> Any:
    """``Tensor.unfold(dimension, size, step)``: a view holding every slice of ``size``
    elements along ``dimension``, ``step`` apart, in a new last dim.

        >>> import tapegrad as torch
        >>> torch.arange(5.).unfold(0, 2, 2)
        tensor([[0., 1.],
                [2., 3.]])
    """
    nd = max(self.dim(), 1)
    if not -nd <= dimension < nd:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-nd}, "
                         f"{nd - 1}], but got {dimension})")
    pos = dimension % nd
    length = self.shape[pos] if self.dim() else 1
    if size < 0:
        raise RuntimeError(f"size is {size} but must be >= 0")
    if size > length:
        raise RuntimeError(f"maximum size for tensor at dimension {pos} is {length} but size "
                           f"is {size}")
    if step <= 0:
        raise RuntimeError(f"step is {step} but must be > 0")
    if self.dim() == 0:  # (torch: a 0-d tensor's one window is the value itself)
        return self.reshape(1)
    return TENSOR_UNFOLD(self, dim=pos - nd, size=int(size), step=int(step))


# -- affine_grid: the base grid of homogeneous pixel coordinates times theta ---------------------
# Linear in theta and saving no tensors (only the output size), so, as in torch, a grid can be
# backpropagated through more than once.


def _base_line(steps: int, align_corners: bool, dtype: np.dtype) -> np.ndarray:
    """Normalised pixel-centre coordinates of one dim, as torch's linspace computes them in
    ``dtype`` (forward from -1 for the first half, back from 1 for the second)."""
    t = dtype.type
    if steps <= 1:
        return np.zeros(steps, dtype)
    step = t(2) / t(steps - 1)
    i = np.arange(steps)
    half = steps // 2
    line = np.where(i < half, t(-1) + step * i.astype(dtype),
                    t(1) - step * (steps - 1 - i).astype(dtype)).astype(dtype)
    return line if align_corners else (line * t(steps - 1) / t(steps)).astype(dtype)


def affine_base(spatial: Ints, align_corners: bool, dtype: np.dtype) -> np.ndarray:
    """(P, k + 1) rows (x, y[, z], 1) over the output pixels, x varying fastest."""
    lines = [_base_line(int(s), align_corners, dtype) for s in spatial]
    mesh = np.meshgrid(*lines, indexing="ij")
    cols = [m.reshape(-1) for m in reversed(mesh)] + [np.ones(mesh[0].size, dtype)]
    return np.stack(cols, axis=1)


def _affine_grid(theta: np.ndarray, spatial: Ints, align_corners: bool) -> np.ndarray:
    base = affine_base(spatial, align_corners, theta.dtype)
    out = base @ np.swapaxes(theta, -1, -2)  # (..., P, k)
    return out.reshape(theta.shape[:-2] + tuple(spatial) + (len(spatial),))


def _affine_grid_vjp(g: Any, input_shape: tuple, spatial: Ints, align_corners: bool) -> Any:
    k = len(spatial)
    lead = tuple(input_shape)[:-2]
    # (the dtype's name, not raw(g).dtype: under vmap g's data is not readable)
    dtype = np.dtype(str(g.dtype).rsplit(".", 1)[-1])
    base = affine_base(spatial, align_corners, dtype)
    # (a broadcast product summed over the pixels: matmul with a constant is not vmap-safe)
    cols = reshape(g, shape=lead + (base.shape[0], k, 1)) * base.reshape(base.shape[0], 1, k + 1)
    return SUM_DIM(cols, dim=(len(lead),), keepdim=False)  # (the registry op wants dims >= 0)


AFFINE_GRID = linear(
    "affine_grid_generator", _affine_grid, "AffineGridGeneratorBackward0", _affine_grid_vjp,
    params=("spatial", "align_corners"),
    doc="The sampling grid (N, *spatial, k) of affine maps theta (N, k, k + 1).")


def _declare_rules() -> None:
    from .._vmap import _rules as V
    V._declare(_trailing_rule, "im2col", "col2im", "pixel_shuffle", "pixel_unshuffle",
               "unfold", "unfold_backward", "affine_grid_generator")
    for kind in _KINDS.values():
        name = "upsample_" + kind[8:].lower().replace("daa", "d_aa")
        V._declare(_trailing_rule, name, name + "_backward")


_declare_rules()

__all__ = ["IM2COL", "COL2IM", "PIXEL_SHUFFLE", "PIXEL_UNSHUFFLE", "INTERPOLATE", "TENSOR_UNFOLD",
           "UNFOLD_SUM", "tensor_unfold", "AFFINE_GRID", "affine_base", "blocks"]
