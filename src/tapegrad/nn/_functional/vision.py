"""Channel dropout for images and sequences (``dropout1d``/``2d``/``3d``), ``unfold``/``fold``
(sliding blocks as columns and back: the ops ``Im2ColBackward0``/``Col2ImBackward0`` of
``tapegrad._ops.vision``), ``pixel_shuffle``/``pixel_unshuffle``, ``interpolate``, and
``affine_grid``/``grid_sample`` (sampling an image at the points of a grid).

Channel dropout zeroes whole channels: one Bernoulli draw per (example, channel), in torch's
order (``empty((N, C, 1, ...)).bernoulli_(1 - p)``, then ``/ (1 - p)``), so seeded masks are
torch's.

    >>> import tapegrad as torch
    >>> import tapegrad.nn.functional as F
    >>> _ = torch.manual_seed(0)
    >>> F.dropout1d(torch.ones(2, 3, 2), 0.5)[:, :, 0]
    tensor([[0., 0., 2.],
            [0., 0., 0.]])
"""
from __future__ import annotations

import warnings

from typing import Any

import tapegrad
from tapegrad._ops.channel_shuffle import CHANNEL_SHUFFLE
from tapegrad import Tensor
from tapegrad._ops import grid_sample as _GS, vision as _V

__all__ = ["dropout1d", "dropout2d", "dropout3d", "unfold", "fold", "pixel_shuffle",
           "pixel_unshuffle"]


def _check_p(p: float) -> None:
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def _feature_dropout(input: Tensor, p: float, training: bool, inplace: bool) -> Tensor:
    """Dropout of whole features: dims 0 and 1 draw, the rest share the draw."""
    if p == 0 or not training or input.numel() == 0:
        return input
    if p == 1:
        zero = tapegrad.zeros((), dtype=input.dtype)
        return input.mul_(zero) if inplace else input * zero
    shape = tuple(input.shape[:2]) + (1,) * (input.dim() - 2)
    noise = tapegrad.empty(shape, dtype=input.dtype).bernoulli_(1 - p)
    noise.div_(1 - p)
    return input.mul_(noise) if inplace else input * noise


def _unbatched(input: Tensor, p: float, training: bool, inplace: bool,
               batched: bool) -> Tensor:
    if batched:
        return _feature_dropout(input, p, training, inplace)
    x = input.unsqueeze_(0) if inplace else input.unsqueeze(0)
    out = _feature_dropout(x, p, training, inplace)
    return out.squeeze_(0) if inplace else out.squeeze(0)


def dropout1d(input: Tensor, p: float = 0.5, training: bool = True,
              inplace: bool = False) -> Tensor:
    """Zero whole channels of an (N, C, L) or (C, L) input with probability ``p``, scaling the
    rest by ``1 / (1 - p)`` (in training)."""
    _check_p(p)
    if input.dim() not in (2, 3):
        raise RuntimeError(f"dropout1d: Expected 2D or 3D input, but received a {input.dim()}D "
                           "input. Note that dropout1d exists to provide channel-wise dropout on "
                           "inputs with 1 spatial dimension, a channel dimension, and an "
                           "optional batch dimension (i.e. 2D or 3D inputs).")
    return _unbatched(input, p, training, inplace, input.dim() == 3)


def dropout2d(input: Tensor, p: float = 0.5, training: bool = True,
              inplace: bool = False) -> Tensor:
    """Zero whole channels of an (N, C, H, W) input with probability ``p``, scaling the rest by
    ``1 / (1 - p)``.  As in torch, a 3-D input is read as (N, C, L), with a warning."""
    _check_p(p)
    dim = input.dim()
    if dim not in (3, 4):
        warnings.warn(f"dropout2d: Received a {dim}-D input to dropout2d, which is deprecated "
                      "and will result in an error in a future release. To retain the behavior "
                      "and silence this warning, please use dropout instead. Note that "
                      "dropout2d exists to provide channel-wise dropout on inputs with 2 "
                      "spatial dimensions, a channel dimension, and an optional batch dimension "
                      "(i.e. 3D or 4D inputs).", stacklevel=2)
    if dim == 3:
        warnings.warn("dropout2d: Received a 3D input to dropout2d and assuming that "
                      "channel-wise 1D dropout behavior is desired - input is interpreted as "
                      "shape (N, C, L), where C is the channel dim. This behavior will change in "
                      "a future release to interpret the input as one without a batch "
                      "dimension, i.e. shape (C, H, W). To maintain the 1D channel-wise dropout "
                      "behavior, please switch to using dropout1d instead.", stacklevel=2)
    return _feature_dropout(input, p, training, inplace)


def dropout3d(input: Tensor, p: float = 0.5, training: bool = True,
              inplace: bool = False) -> Tensor:
    """Zero whole channels of an (N, C, D, H, W) or (C, D, H, W) input with probability
    ``p``, scaling the rest by ``1 / (1 - p)``."""
    _check_p(p)
    dim = input.dim()
    if dim not in (4, 5):
        warnings.warn(f"dropout3d: Received a {dim}-D input to dropout3d, which is deprecated "
                      "and will result in an error in a future release. To retain the behavior "
                      "and silence this warning, please use dropout instead. Note that "
                      "dropout3d exists to provide channel-wise dropout on inputs with 3 "
                      "spatial dimensions, a channel dimension, and an optional batch dimension "
                      "(i.e. 4D or 5D inputs).", stacklevel=2)
    return _unbatched(input, p, training, inplace, dim == 5)


def _pair(value: Any) -> tuple:
    return (int(value), int(value)) if isinstance(value, int) else tuple(int(v) for v in value)


def _window(kernel_size: Any, dilation: Any, padding: Any, stride: Any) -> tuple:
    return _pair(kernel_size), _pair(dilation), _pair(padding), _pair(stride)


def _fmt(t: tuple) -> str:
    return f"({t[0]}, {t[1]})"


def unfold(input: Tensor, kernel_size: Any, dilation: Any = 1, padding: Any = 0,
           stride: Any = 1) -> Tensor:
    """The sliding ``kernel_size`` blocks of a (N, C, H, W) or (C, H, W) input as columns:
    (N, C * kh * kw, L), L the number of blocks (im2col)."""
    if input.dim() < 3:
        d = input.dim()
        raise IndexError(f"Dimension out of range (expected to be in range of [{-d}, {d - 1}], "
                         f"but got 2)")
    if input.dim() != 4 and input.dim() != 3:
        raise NotImplementedError(f"Input Error: Only 3D or 4D input Tensors are supported "
                                  f"(got {input.dim()}D)")
    k, d, p, s = _window(kernel_size, dilation, padding, stride)
    size = tuple(input.shape[-2:])
    out = _V.blocks(size, k, d, p, s)
    if min(out) < 1:
        raise RuntimeError(f"Given input with spatial size {_fmt(size)}, kernel_size={_fmt(k)}, "
                           f"dilation={_fmt(d)}, padding={_fmt(p)}, calculated shape of the "
                           f"array of sliding blocks as {_fmt(out)}, but its components must be "
                           f"at least one.")
    return _V.IM2COL(input, kernel_size=k, dilation=d, padding=p, stride=s)


def fold(input: Tensor, output_size: Any, kernel_size: Any, dilation: Any = 1,
         padding: Any = 0, stride: Any = 1) -> Tensor:
    """The inverse arrangement of ``unfold``: columns (N, C * kh * kw, L) summed back into an
    image (N, C, *output_size); overlapping blocks add up (col2im)."""
    if input.dim() not in (2, 3):
        raise NotImplementedError(f"Input Error: Only unbatched (2D) or batched (3D) input "
                                  f"Tensors are supported (got {input.dim()}D)")
    size = _pair(output_size)
    k, d, p, s = _window(kernel_size, dilation, padding, stride)
    # (torch's messages count dims as if the input were batched)
    if input.shape[-2] % (k[0] * k[1]):
        raise RuntimeError(f"Expected size of input's dimension 1 to be divisible by the "
                           f"product of kernel_size, but got input.size(1)="
                           f"{input.shape[-2]} and kernel_size={_fmt(k)}.")
    out = _V.blocks(size, k, d, p, s)
    if out[0] * out[1] != input.shape[-1]:
        ldim = 2
        raise RuntimeError(f"Given output_size={_fmt(size)}, kernel_size={_fmt(k)}, "
                           f"dilation={_fmt(d)}, padding={_fmt(p)}, stride={_fmt(s)}, expected "
                           f"size of input's dimension {ldim} to match the calculated number of "
                           f"sliding blocks {out[0]} * {out[1]} = {out[0] * out[1]}, but got "
                           f"input.size({ldim})={input.shape[-1]}.")
    return _V.COL2IM(input, output_size=size, kernel_size=k, dilation=d, padding=p, stride=s)


def pixel_shuffle(input: Tensor, upscale_factor: int) -> Tensor:
    """(*, C * r * r, H, W) -> (*, C, H * r, W * r), r the ``upscale_factor``."""
    r = int(upscale_factor)
    if input.dim() < 3:
        raise RuntimeError(f"pixel_shuffle expects input to have at least 3 dimensions, but got "
                           f"input with {input.dim()} dimension(s)")
    if r <= 0:
        raise RuntimeError(f"pixel_shuffle expects a positive upscale_factor, but got {r}")
    c = input.shape[-3]
    if c % (r * r):
        raise RuntimeError(f"pixel_shuffle expects its input's 'channel' dimension to be "
                           f"divisible by the square of upscale_factor, but input.size(-3)={c} "
                           f"is not divisible by {r * r}")
    return _V.PIXEL_SHUFFLE(input, upscale_factor=r)


def pixel_unshuffle(input: Tensor, downscale_factor: int) -> Tensor:
    """(*, C, H * r, W * r) -> (*, C * r * r, H, W), r the ``downscale_factor``."""
    r = int(downscale_factor)
    if input.dim() < 3:
        raise RuntimeError(f"pixel_unshuffle expects input to have at least 3 dimensions, but "
                           f"got input with {input.dim()} dimension(s)")
    if r <= 0:
        raise RuntimeError(f"pixel_unshuffle expects a positive downscale_factor, but got {r}")
    for name, dim in (("height", -2), ("width", -1)):
        if input.shape[dim] % r:
            raise RuntimeError(f"pixel_unshuffle expects {name} to be divisible by "
                               f"downscale_factor, but input.size({dim})={input.shape[dim]} is "
                               f"not divisible by {r}")
    return _V.PIXEL_UNSHUFFLE(input, downscale_factor=r)


_LETTERS = {1: ("W",), 2: ("H", "W"), 3: ("D", "H", "W")}
_NEEDS = {"linear": 3, "bilinear": 4, "bicubic": 4, "trilinear": 5, "lanczos": 4}


def interpolate(input: Tensor, size: Any = None, scale_factor: Any = None,
                mode: str = "nearest", align_corners: bool | None = None,
                recompute_scale_factor: bool | None = None, antialias: bool = False) -> Tensor:
    """Resize the spatial dims (all dims after N and C) to ``size``, or by ``scale_factor``
    (the output size is ``floor(size * scale_factor)``), with ``mode`` one of ``'nearest'``,
    ``'nearest-exact'``, ``'linear'`` (3-D input), ``'bilinear'``/``'bicubic'`` (4-D),
    ``'trilinear'`` (5-D), ``'lanczos'`` (4-D, antialiased only) or ``'area'`` (adaptive
    average pooling).  ``align_corners`` maps the corner pixels' centres onto each other
    (interpolating modes only).  ``antialias=True`` (bilinear, bicubic, lanczos; 4-D) widens
    the filter by the shrink factor, as PIL does, so a downscaled image does not alias:

        >>> x = torch.arange(16.).reshape(1, 1, 4, 4)
        >>> F.interpolate(x, size=(2, 2), mode='bilinear', antialias=True)
        tensor([[[[ 3.5714,  5.1429],
                  [ 9.8571, 11.4286]]]])
    """
    import math
    if mode in ("nearest", "area", "nearest-exact"):
        if align_corners is not None:
            raise ValueError("align_corners option can only be set with the interpolating "
                             "modes: linear | bilinear | bicubic | trilinear")
    elif align_corners is None:
        align_corners = False
    dim = input.dim() - 2
    if size is not None and scale_factor is not None:
        raise ValueError("only one of size or scale_factor should be defined")
    output_size, scales = None, None
    if size is not None:
        if isinstance(size, (list, tuple)):
            if len(size) != dim:
                raise ValueError("Input and output must have the same number of spatial "
                                 "dimensions, but got input with spatial dimensions of "
                                 f"{list(input.shape[2:])} and output size of {size}. Please "
                                 "provide input tensor in (N, C, d1, d2, ...,dK) format and "
                                 "output size in (o1, o2, ...,oK) format.")
            output_size = [int(s) for s in size]
        else:
            output_size = [int(size)] * dim
    elif scale_factor is not None:
        if isinstance(scale_factor, (list, tuple)):
            if len(scale_factor) != dim:
                raise ValueError("Input and scale_factor must have the same number of spatial "
                                 "dimensions, but got input with spatial dimensions of "
                                 f"{list(input.shape[2:])} and scale_factor of shape "
                                 f"{scale_factor}. Please provide input tensor in (N, C, d1, "
                                 "d2, ...,dK) format and scale_factor in (s1, s2, ...,sK) "
                                 "format.")
            scales = [float(s) for s in scale_factor]
        else:
            scales = [float(scale_factor)] * dim
    else:
        raise ValueError("either size or scale_factor should be defined")
    if recompute_scale_factor is not None and recompute_scale_factor and size is not None:
        raise ValueError("recompute_scale_factor is not meaningful with an explicit size.")
    if mode == "area" and output_size is None:
        recompute_scale_factor = True
    if output_size is None:
        output_size = [math.floor(float(input.shape[i + 2]) * scales[i]) for i in range(dim)]
    if recompute_scale_factor:
        scales = None
    if antialias and not (mode in ("bilinear", "bicubic", "lanczos") and input.dim() == 4):
        raise ValueError("Anti-alias option is restricted to bilinear, bicubic, and lanczos "
                         "modes and requires a 4-D tensor as input")
    if mode == "lanczos" and input.dim() == 4:
        if align_corners:
            raise ValueError("Lanczos mode does not support align_corners=True")
        if not antialias:
            raise ValueError("Lanczos mode requires antialias=True")
    known = mode in ("nearest", "nearest-exact", "area") or mode in _NEEDS
    # (torch names the needed rank for linear, bilinear and trilinear only)
    if mode in ("bicubic", "lanczos") and input.dim() != 4:
        known = False
    if not known or input.dim() not in (3, 4, 5):
        raise NotImplementedError(f"Input Error: Only 3D, 4D and 5D input Tensors supported "
                                  f"(got {input.dim()}D) for the modes: nearest | linear | "
                                  f"bilinear | bicubic | trilinear | lanczos | area | "
                                  f"nearest-exact (got {mode})")
    if mode in _NEEDS and input.dim() != _NEEDS[mode]:
        raise NotImplementedError(f"Got {input.dim()}D input, but {mode} mode needs "
                                  f"{_NEEDS[mode]}D input")
    if mode == "area":
        from .pooling import adaptive_avg_pool1d, adaptive_avg_pool2d, adaptive_avg_pool3d
        pool = (adaptive_avg_pool1d, adaptive_avg_pool2d, adaptive_avg_pool3d)[dim - 1]
        return pool(input, output_size if dim > 1 else output_size[0])
    if min(output_size) <= 0 or min(input.shape[2:]) <= 0:
        letters = _LETTERS[dim]
        ins = ", ".join(f"{c}: {s}" for c, s in zip(letters, input.shape[2:]))
        outs = ", ".join(f"{c}: {s}" for c, s in zip(letters, output_size))
        raise RuntimeError(f"Input and output sizes should be greater than 0, but got input "
                           f"({ins}) output ({outs})")
    if antialias:  # (a wider, normalised filter when shrinking: _upsample_*2d_aa)
        mode = mode + "-aa"
    op = _V.INTERPOLATE[(mode, dim)]
    return op(input, output_size=tuple(output_size), mode=mode,
              align_corners=bool(align_corners),
              scales=None if scales is None else tuple(scales))


def upsample(input: Tensor, size: Any = None, scale_factor: Any = None, mode: str = "nearest",
             align_corners: bool | None = None) -> Tensor:
    """The old name of ``interpolate`` (torch warns that it is deprecated)."""
    warnings.warn("`nn.functional.upsample` is deprecated. Use `nn.functional.interpolate` "
                  "instead.", stacklevel=2)
    return interpolate(input, size, scale_factor, mode, align_corners)


__all__ += ["interpolate", "upsample"]


# -- affine_grid and grid_sample -------------------------------------------------------------------
# affine_grid is the registry op AffineGridGeneratorBackward0 (linear in theta); grid_sample is
# composed from tapegrad ops (its grad_fn is ViewBackward0, not torch's fused
# GridSampler2DBackward0); gradients flow to theta, input and grid.
_ALIGN_WARNING = ("Default grid_sample and affine_grid behavior has changed to "
                  "align_corners=False since 1.3.0. Please specify align_corners=True if the old "
                  "behavior is desired. See the documentation of grid_sample for details.")


def affine_grid(theta: Tensor, size: Any, align_corners: bool | None = None) -> Tensor:
    """The sampling grid of a batch of affine maps ``theta`` (N, 2, 3) for an output of
    ``size`` (N, C, H, W): (N, H, W, 2) normalised (x, y) source coordinates (and (N, 3, 4) ->
    (N, D, H, W, 3) for 5-D sizes), to feed ``grid_sample``.  Linear in theta."""
    if align_corners is None:
        warnings.warn(_ALIGN_WARNING, stacklevel=2)
        align_corners = False
    if not theta.is_floating_point():
        raise ValueError(f"Expected theta to have floating point type, but got {theta.dtype}")
    if len(size) == 4:
        if theta.dim() != 3 or theta.shape[-2] != 2 or theta.shape[-1] != 3:
            raise ValueError(f"Expected a batch of 2D affine matrices of shape Nx2x3 for size "
                             f"{size}. Got {theta.shape}.")
        spatial = tuple(size[-2:])
    elif len(size) == 5:
        if theta.dim() != 3 or theta.shape[-2] != 3 or theta.shape[-1] != 4:
            raise ValueError(f"Expected a batch of 3D affine matrices of shape Nx3x4 for size "
                             f"{size}. Got {theta.shape}.")
        spatial = tuple(size[-3:])
    else:
        raise NotImplementedError(f"affine_grid only supports 4D and 5D sizes, for 2D and 3D "
                                  f"affine transforms, respectively. Got size {size}.")
    if align_corners and min(spatial) == 1:
        warnings.warn("Since version 1.3.0, affine_grid behavior has changed for unit-size "
                      "grids when align_corners=True. This is not an intended use case of "
                      "affine_grid. See the documentation of affine_grid for details.",
                      stacklevel=2)
    elif min(size) <= 0:
        raise ValueError(f"Expected non-zero, positive output size. Got {size}")
    return _V.AFFINE_GRID(theta, spatial=tuple(int(v) for v in spatial),
                          align_corners=bool(align_corners))


def grid_sample(input: Tensor, grid: Tensor, mode: str = "bilinear",
                padding_mode: str = "zeros", align_corners: bool | None = None) -> Tensor:
    """Sample ``input`` (N, C, H, W) at the normalised (x, y) locations of ``grid``
    (N, Ho, Wo, 2), -1 and 1 being the image's extremes: (N, C, Ho, Wo); or a 5-D input
    (N, C, D, H, W) at (x, y, z) locations (N, Do, Ho, Wo, 3).  ``mode`` ``'bilinear'``
    (trilinear for 5-D), ``'nearest'`` or ``'bicubic'`` (4-D only); ``padding_mode`` says
    what lies outside the image (``'zeros'``, ``'border'``: the edge pixels,
    ``'reflection'``: the mirrored image).  Differentiable in input and grid (twice, and in
    forward mode); nearest sampling gives the grid a zero gradient, as torch does.

        >>> img = torch.arange(4.).reshape(1, 1, 2, 2)
        >>> F.grid_sample(img, torch.zeros(1, 1, 1, 2), align_corners=False)
        tensor([[[[1.5000]]]])
    """
    if mode not in ("bilinear", "nearest", "bicubic"):
        raise ValueError(f"nn.functional.grid_sample(): expected mode to be 'bilinear', "
                         f"'nearest' or 'bicubic', but got: '{mode}'")
    if padding_mode not in ("zeros", "border", "reflection"):
        raise ValueError(f"nn.functional.grid_sample(): expected padding_mode to be 'zeros', "
                         f"'border', or 'reflection', but got: '{padding_mode}'")
    if align_corners is None:
        warnings.warn(_ALIGN_WARNING, stacklevel=2)
        align_corners = False
    sizes = list(grid.shape)
    if grid.shape[-1] != input.dim() - 2:
        raise RuntimeError(f"grid_sampler(): expected grid to have size {input.dim() - 2} in "
                           f"last dimension, but got grid with sizes {sizes}")
    if input.shape[0] != grid.shape[0]:
        raise RuntimeError(f"grid_sampler(): expected grid and input to have same batch size, "
                           f"but got input with sizes {list(input.shape)} and grid with sizes "
                           f"{sizes}")
    if input.dim() != grid.dim() or input.dim() not in (4, 5):
        rank = 4 if input.dim() == 4 else 5
        raise RuntimeError(f"grid_sampler(): expected {rank}D input and grid with same number "
                           f"of dimensions, but got input with sizes {list(input.shape)} and "
                           f"grid with sizes {sizes}")
    for d in range(2, input.dim()):
        if input.shape[d] == 0:
            raise RuntimeError(f"grid_sampler(): expected input to have non-empty spatial "
                               f"dimensions, but input has sizes {list(input.shape)} with "
                               f"dimension {d} being empty")
    if mode == "bicubic" and input.dim() == 5:
        raise RuntimeError("grid_sampler(): bicubic interpolation only supports 4D input")
    if input.dtype != grid.dtype:
        from .activation import _scalar_name
        raise RuntimeError(f"expected scalar type {_scalar_name(input.dtype)} but found "
                           f"{_scalar_name(grid.dtype)}")
    op = _GS.GRID_SAMPLER_2D if input.dim() == 4 else _GS.GRID_SAMPLER_3D
    return op(input, grid, mode=mode, padding_mode=padding_mode,
              align_corners=bool(align_corners))


__all__ += ["affine_grid", "grid_sample"]


def channel_shuffle(input: Tensor, groups: int) -> Tensor:
    """The channels of an ``(N, C, *)`` tensor interleaved across ``groups`` (torch's
    ``channel_shuffle``): split them into ``groups`` blocks, then take one from each in turn.

    >>> import tapegrad as torch
    >>> channel_shuffle(torch.arange(4.).view(1, 4, 1), 2).flatten()
    tensor([0., 2., 1., 3.])
    """
    if input.dim() <= 2:
        raise RuntimeError("channel_shuffle expects input with > 2 dims, but got input with "
                           f"sizes {list(input.shape)}")
    if groups <= 0:
        raise RuntimeError("Number of groups to divide channels in must be positive. Value of "
                           f"groups:{groups}")
    channels = input.shape[1]
    if channels % groups != 0:
        raise RuntimeError(f"Number of channels must be divisible by groups. Got {channels} "
                           f"channels and {groups} groups.")
    return CHANNEL_SHUFFLE(input, groups=groups)


native_channel_shuffle = channel_shuffle  # torch's other name for it
__all__ += ["channel_shuffle", "native_channel_shuffle"]
