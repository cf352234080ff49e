"""``conv1d``/``2d``/``3d`` and ``conv_transpose1d``/``2d``/``3d``.

Each is one ``ConvolutionBackward0`` node (the core's ``convolution`` op, with its own rules for
input, weight and bias).  What lives here is torch's argument handling: ints or tuples for
stride/padding/dilation, ``padding='same'``/``'valid'``, unbatched inputs (a batch of one,
squeezed back: ``SqueezeBackward1``), and torch's checks and messages for bad shapes.
"""
from __future__ import annotations

import warnings
from typing import Any

import tapegrad
from tapegrad._ops.convolution import CONVOLUTION

__all__ = ["conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
           "conv_transpose3d"]

Tensor = tapegrad.Tensor
_TYPE_NAMES = {"float32": "Float", "float64": "Double", "float16": "Half",
               "bfloat16": "BFloat16"}


def _tuple(value: Any, n: int, name: str) -> tuple:
    if isinstance(value, int):
        return (value,) * n
    value = tuple(value)
    if len(value) == 1:
        return value * n
    if len(value) != n:
        raise RuntimeError(f"expected {name} to be a single integer value or a list of {n} "
                           f"values to match the convolution dimensions, but got "
                           f"{name}={list(value)}")
    return value


def _shape(t: Any) -> str:
    return f"[{', '.join(str(s) for s in t.shape)}]"


def _type_name(t: Tensor) -> str:
    return f"torch.{_TYPE_NAMES.get(str(t.dtype).rpartition('.')[2], 'Float')}Tensor"


def _check(input: Tensor, weight: Tensor, bias: Tensor | None, stride: tuple, padding: tuple,
           dilation: tuple, groups: int, transposed: bool, output_padding: tuple) -> None:
    """torch's checks, in torch's order, with its messages."""
    if any(s <= 0 for s in stride):
        raise RuntimeError("non-positive stride is not supported")
    if any(p < 0 for p in padding):
        raise RuntimeError("negative padding is not supported")
    if any(d <= 0 for d in dilation):
        raise RuntimeError("non-positive dilation is not supported")
    if groups <= 0:
        raise RuntimeError("non-positive groups is not supported")
    if input.dtype != weight.dtype:
        raise RuntimeError(f"Input type ({_type_name(input)}) and weight type "
                           f"({_type_name(weight)}) should be the same or input should be a "
                           f"MKLDNN tensor and weight is a dense tensor")
    if weight.shape[0] % groups:
        raise RuntimeError(f"Given groups={groups}, expected weight to be divisible by {groups} "
                           f"at dimension 0, but got weight of size [{_shape(weight)}] instead")
    channels = weight.shape[0] if transposed else weight.shape[1] * groups
    if input.shape[1] != channels:
        given = "transposed=1" if transposed else f"groups={groups}"
        raise RuntimeError(f"Given {given}, weight of size {_shape(weight)}, expected "
                           f"input{_shape(input)} to have {channels} channels, but got "
                           f"{input.shape[1]} channels instead")
    out_channels = weight.shape[1] * groups if transposed else weight.shape[0]
    if bias is not None and (bias.dim() != 1 or bias.shape[0] != out_channels):
        raise RuntimeError(f"Given weight of size {_shape(weight)}, expected bias to be "
                           f"1-dimensional with {out_channels} elements, but got bias of size "
                           f"{_shape(bias)} instead")
    if transposed:
        if any(op >= s and op >= d for op, s, d in zip(output_padding, stride, dilation)):
            names = ["depth", "height", "width"][-len(stride):] if len(stride) > 1 else [""]
            parts = [" ".join(f"{what}_{n}: {v}" if n else f"{what}: {v}"
                              for n, v in zip(names, values))
                     for what, values in (("output_padding", output_padding),
                                          ("stride", stride), ("dilation", dilation))]
            raise RuntimeError("output padding must be smaller than either stride or "
                               "dilation, but got " + " ".join(parts))
        size = tuple(input.shape[2:])
        out = tuple((i - 1) * s - 2 * p + d * (k - 1) + op + 1 for i, s, p, d, k, op
                    in zip(size, stride, padding, dilation, weight.shape[2:], output_padding))
        if any(o <= 0 for o in out):
            if len(size) == 1:  # torch computes a 1-D transposed convolution as a 2-D one
                size, out = (1,) + size, (1,) + out
            raise RuntimeError(f"Given input size per channel: ({' x '.join(map(str, size))}). "
                               f"Calculated output size per channel: "
                               f"({' x '.join(map(str, out))}). Output size is too small")
        return
    padded = tuple(i + 2 * p for i, p in zip(input.shape[2:], padding))
    kernel = tuple(d * (k - 1) + 1 for d, k in zip(dilation, weight.shape[2:]))
    if any(k > p for k, p in zip(kernel, padded)):
        raise RuntimeError(f"Calculated padded input size per channel: "
                           f"({' x '.join(map(str, padded))}). Kernel size: "
                           f"({' x '.join(map(str, kernel))}). Kernel size can't be greater "
                           f"than actual input size")


def _batched(input: Tensor, n: int, name: str) -> bool:
    if input.dim() not in (n + 1, n + 2):
        raise RuntimeError(f"Expected {n + 1}D (unbatched) or {n + 2}D (batched) input to "
                           f"{name}, but got input of size: {_shape(input)}")
    return input.dim() == n + 2


def _conv(n: int, name: str, input: Tensor, weight: Tensor, bias: Tensor | None, stride: Any,
          padding: Any, dilation: Any, groups: int) -> Tensor:
    batched = _batched(input, n, name)
    if not batched:
        input = input.unsqueeze(0)
    k = weight.dim() - 2
    stride = _tuple(stride, k, "stride")
    dilation = _tuple(dilation, k, "dilation")
    if isinstance(padding, str):
        if padding == "valid":
            padding = (0,) * k
        elif padding == "same":
            if any(s != 1 for s in stride):
                raise RuntimeError("padding='same' is not supported for strided convolutions")
            input, padding = _pad_same(input, weight, dilation)
        else:
            raise RuntimeError(f"Invalid padding string: '{padding}'")
    else:
        padding = _tuple(padding, k, "padding")
    _check(input, weight, bias, stride, padding, dilation, groups, False, (0,) * k)
    out = CONVOLUTION(input, weight, bias, stride=stride, padding=padding, dilation=dilation,
                      transposed=False, output_padding=(0,) * k, groups=groups)
    return out if batched else out.squeeze(0)


def _pad_same(input: Tensor, weight: Tensor, dilation: tuple) -> tuple[Tensor, tuple]:
    """Symmetric padding for the op, plus one extra zero on the right of each dim whose total
    padding ``dilation * (kernel - 1)`` is odd (a separate pad, as torch does)."""
    totals = [d * (k - 1) for d, k in zip(dilation, weight.shape[2:])]
    extra = [t % 2 for t in totals]
    if any(extra):
        warnings.warn("Using padding='same' with even kernel lengths and odd dilation may "
                      "require a zero-padded copy of the input be created", UserWarning,
                      stacklevel=4)
        pads: list[int] = []
        for e in reversed(extra):  # F.pad's order: last dim first
            pads += [0, e]
        input = tapegrad.nn.functional.pad(input, pads)
    return input, tuple(t // 2 for t in totals)


def _conv_transpose(n: int, name: str, input: Tensor, weight: Tensor, bias: Tensor | None,
                    stride: Any, padding: Any, output_padding: Any, groups: int,
                    dilation: Any) -> Tensor:
    batched = _batched(input, n, name)
    if not batched:
        input = input.unsqueeze(0)
    k = weight.dim() - 2
    stride = _tuple(stride, k, "stride")
    padding = _tuple(padding, k, "padding")
    output_padding = _tuple(output_padding, k, "output_padding")
    dilation = _tuple(dilation, k, "dilation")
    _check(input, weight, bias, stride, padding, dilation, groups, True, output_padding)
    out = CONVOLUTION(input, weight, bias, stride=stride, padding=padding, dilation=dilation,
                      transposed=True, output_padding=output_padding, groups=groups)
    return out if batched else out.squeeze(0)



def conv1d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Any = 1,
           padding: Any = 0, dilation: Any = 1, groups: int = 1) -> Tensor:
    """1-D convolution (cross-correlation) over ``input`` ``(N, C_in, L)`` or ``(C_in, L)``
    with ``weight`` ``(C_out, C_in / groups, k)``.  ``padding``: an int, a tuple, ``'valid'``
    (none) or ``'same'`` (output as long as the input; stride 1 only)."""
    return _conv(1, "conv1d", input, weight, bias, stride, padding, dilation, groups)


def conv2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Any = 1,
           padding: Any = 0, dilation: Any = 1, groups: int = 1) -> Tensor:
    """2-D convolution (cross-correlation) over ``input`` ``(N, C_in, H, W)`` or
    ``(C_in, H, W)`` with ``weight`` ``(C_out, C_in / groups, kH, kW)``: output
    ``(N, C_out, H_out, W_out)`` with ``H_out = (H + 2 * padding - dilation * (kH - 1) - 1)
    // stride + 1``.  ``groups=C_in`` gives a depthwise convolution.

    Example::

        >>> x = torch.ones(1, 1, 4, 4)
        >>> F.conv2d(x, torch.ones(1, 1, 3, 3), padding=1)[0, 0, 0]
        tensor([4., 6., 6., 4.])
    """
    return _conv(2, "conv2d", input, weight, bias, stride, padding, dilation, groups)


def conv3d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Any = 1,
           padding: Any = 0, dilation: Any = 1, groups: int = 1) -> Tensor:
    """3-D convolution over ``input`` ``(N, C_in, D, H, W)`` or ``(C_in, D, H, W)`` with
    ``weight`` ``(C_out, C_in / groups, kD, kH, kW)``."""
    return _conv(3, "conv3d", input, weight, bias, stride, padding, dilation, groups)


def conv_transpose1d(input: Tensor, weight: Tensor, bias: Tensor | None = None,
                     stride: Any = 1, padding: Any = 0, output_padding: Any = 0,
                     groups: int = 1, dilation: Any = 1) -> Tensor:
    """Transposed 1-D convolution (the gradient of ``conv1d`` with respect to its input):
    ``weight`` ``(C_in, C_out / groups, k)``; output length ``(L - 1) * stride - 2 * padding
    + dilation * (k - 1) + output_padding + 1``."""
    return _conv_transpose(1, "conv_transpose1d", input, weight, bias, stride, padding,
                           output_padding, groups, dilation)


def conv_transpose2d(input: Tensor, weight: Tensor, bias: Tensor | None = None,
                     stride: Any = 1, padding: Any = 0, output_padding: Any = 0,
                     groups: int = 1, dilation: Any = 1) -> Tensor:
    """Transposed 2-D convolution ("deconvolution"): ``weight`` ``(C_in, C_out / groups, kH,
    kW)``; each output size is ``(H - 1) * stride - 2 * padding + dilation * (kH - 1) +
    output_padding + 1``."""
    return _conv_transpose(2, "conv_transpose2d", input, weight, bias, stride, padding,
                           output_padding, groups, dilation)


def conv_transpose3d(input: Tensor, weight: Tensor, bias: Tensor | None = None,
                     stride: Any = 1, padding: Any = 0, output_padding: Any = 0,
                     groups: int = 1, dilation: Any = 1) -> Tensor:
    """Transposed 3-D convolution: ``weight`` ``(C_in, C_out / groups, kD, kH, kW)``."""
    return _conv_transpose(3, "conv_transpose3d", input, weight, bias, stride, padding,
                           output_padding, groups, dilation)
