"""The convolution op (torch's ``convolution``, grad_fn ``ConvolutionBackward0``) for 1, 2 and 3
spatial dims, plain or transposed, with its derivative rules.

``convolution(input, weight, bias, stride=, padding=, dilation=, transposed=, output_padding=,
groups=)``: ``input`` ``(N, C_in, *spatial)``; ``weight`` ``(C_out, C_in / groups, *kernel)``
(transposed: ``(C_in, C_out / groups, *kernel)``); ``bias`` ``(C_out,)`` or None; ``padding`` is
symmetric per spatial dim (``nn.functional`` pads asymmetric cases itself first, as torch does).

How it is computed (no Python loop over pixels or batch items):

* plain: a strided window view of the zero-padded input, ``(N, groups, C_in/g, *kernel,
  *out)``, copied once into columns ``(N, groups, C_in/g * prod(kernel), prod(out))``, then one
  batched matrix product with the weight seen as ``(groups, C_out/g, C_in/g * prod(kernel))``.
* transposed: the product the other way round (weight transposed times input columns), then each
  kernel offset's slab added into the output at its strided positions (a loop over the kernel's
  offsets, e.g. 9 for 3x3), then the padding cropped.

Derivative rules, all written with this op (so they are differentiable again):

* plain: d input is the transposed convolution of the gradient with the same weight
  (``output_padding`` makes up the rows the last window did not reach); d weight is the
  correlation of input and gradient, itself a convolution with batch and channels swapped and
  stride and dilation exchanged; d bias sums the gradient over batch and space.
* transposed: d input is the plain convolution of the gradient; d weight the same correlation
  with the roles of input and gradient exchanged.
* forward mode: the op is bilinear in (input, weight), plus the bias' tangent.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import as_strided

from ._registry import general
from . import elementwise as E, reduction as R, shape as S


# -- forward on arrays -------------------------------------------------------------------------
def _pad(x: np.ndarray, padding: tuple) -> np.ndarray:
    if not any(padding):
        return x
    return np.pad(x, [(0, 0), (0, 0)] + [(p, p) for p in padding])


def _columns(xp: np.ndarray, kernel: tuple, out: tuple, stride: tuple, dilation: tuple,
             groups: int) -> np.ndarray:
    """The windows of the padded input as ``(N, groups, C_g * prod(kernel), prod(out))``."""
    n, c = xp.shape[:2]
    st = xp.strides
    shape = (n, groups, c // groups) + kernel + out
    strides = (st[0], st[1] * (c // groups), st[1]) \
        + tuple(s * d for s, d in zip(st[2:], dilation)) \
        + tuple(s * k for s, k in zip(st[2:], stride))
    view = as_strided(xp, shape, strides, writeable=False)
    return view.reshape(n, groups, (c // groups) * math.prod(kernel), math.prod(out))


def _out_size(size: tuple, kernel: tuple, stride: tuple, padding: tuple,
              dilation: tuple) -> tuple:
    return tuple((i + 2 * p - d * (k - 1) - 1) // s + 1
                 for i, k, s, p, d in zip(size, kernel, stride, padding, dilation))


def _conv(x: np.ndarray, w: np.ndarray, stride: tuple, padding: tuple, dilation: tuple,
          groups: int) -> np.ndarray:
    n = x.shape[0]
    c_out = w.shape[0]
    kernel = w.shape[2:]
    out = _out_size(x.shape[2:], kernel, stride, padding, dilation)
    cols = _columns(_pad(x, padding), kernel, out, stride, dilation, groups)
    wm = w.reshape(groups, c_out // groups, w.size // max(c_out, 1))
    return np.matmul(wm, cols).reshape((n, c_out) + out)


def _conv_transposed(x: np.ndarray, w: np.ndarray, stride: tuple, padding: tuple,
                     dilation: tuple, output_padding: tuple, groups: int) -> np.ndarray:
    n, size = x.shape[0], x.shape[2:]
    full = tuple((i - 1) * s + d * (k - 1) + 1 + op
                 for i, s, d, k, op in zip(size, stride, dilation, w.shape[2:], output_padding))
    if groups == 1 and size[-1] < 16 and n >= 2 * size[-1]:
        return _conv_transposed_batch_last(x, w, stride, padding, dilation, full)
    return _conv_transposed_general(x, w, stride, padding, dilation, full, groups)


def _conv_transposed_general(x: np.ndarray, w: np.ndarray, stride: tuple, padding: tuple,
                             dilation: tuple, full: tuple, groups: int) -> np.ndarray:
    """The products of every input position with the kernel, then one strided add per kernel
    offset into the (uncropped) output."""
    n, c_in = x.shape[:2]
    c_out = w.shape[1] * groups
    kernel = w.shape[2:]
    size = x.shape[2:]
    wm = w.reshape(groups, c_in // groups, w.size // max(c_in, 1)).swapaxes(1, 2)  # (g, C_out/g * K, C_in/g)
    xm = x.reshape(n, groups, c_in // groups, math.prod(size))
    cols = np.matmul(wm, xm).reshape((n, c_out, math.prod(kernel)) + size)
    out = np.zeros((n, c_out) + full, dtype=np.result_type(x, w))
    for k, offset in enumerate(np.ndindex(*kernel)):  # one strided add per kernel offset
        where = tuple(slice(o * d, o * d + (i - 1) * s + 1, s)
                      for o, d, i, s in zip(offset, dilation, size, stride))
        out[(slice(None), slice(None)) + where] += cols[:, :, k]
    if not any(padding):
        return out
    crop = tuple(slice(p, f - p) for p, f in zip(padding, full))
    return np.ascontiguousarray(out[(slice(None), slice(None)) + crop])  # contiguous, as torch's


def _conv_transposed_batch_last(x: np.ndarray, w: np.ndarray, stride: tuple, padding: tuple,
                                dilation: tuple, full: tuple) -> np.ndarray:
    """:func:`_conv_transposed` (one group) for small images in large batches, as LeNet's
    gradients are: the one strided add per kernel offset then runs over rows of short image
    width, slowly.  Here the batch is the innermost, contiguous axis while the adds run, and
    moves back to the front once, at the end.  The same products and the same order of adds,
    so the same values bit for bit."""
    n, c_in = x.shape[:2]
    c_out, kernel, size = w.shape[1], w.shape[2:], x.shape[2:]
    taps = math.prod(kernel)
    wk = w.reshape(c_in, c_out, taps).transpose(2, 1, 0).reshape(taps * c_out, c_in)
    cols = (wk @ np.moveaxis(x, 0, -1).reshape(c_in, -1)).reshape((taps, c_out) + size + (n,))
    out = np.zeros((c_out,) + full + (n,), dtype=np.result_type(x, w))
    for k, offset in enumerate(np.ndindex(*kernel)):
        where = tuple(slice(o * d, o * d + (i - 1) * s + 1, s)
                      for o, d, i, s in zip(offset, dilation, size, stride))
        out[(slice(None),) + where] += cols[k]
    crop = tuple(slice(p, f - p) for p, f in zip(padding, full))
    return np.ascontiguousarray(np.moveaxis(out, -1, 0)[(slice(None), slice(None)) + crop])


def _forward(input: np.ndarray, weight: np.ndarray, bias: np.ndarray | None, stride: tuple,
             padding: tuple, dilation: tuple, transposed: bool, output_padding: tuple,
             groups: int) -> np.ndarray:
    if transposed:
        out = _conv_transposed(input, weight, stride, padding, dilation, output_padding, groups)
    else:
        out = _conv(input, weight, stride, padding, dilation, groups)
    if bias is not None:
        out += bias.reshape((-1,) + (1,) * (out.ndim - 2))
    return out


# -- derivative rules (tapegrad ops, so differentiable again) ----------------------------------
def _correlate(x: Any, g: Any, kernel: tuple, stride: tuple, padding: tuple, dilation: tuple,
               groups: int) -> Any:
    """``dw[o, c, k] = sum_{n, j} g[n, o, j] * x_padded[n, c, j * stride + k * dilation]`` for a
    plain convolution of ``x`` giving ``g``'s shape, as one convolution: channels of ``x`` as
    the batch, its batch as the channels, ``g`` as the kernel, stride and dilation exchanged."""
    n, c = x.shape[:2]
    o = g.shape[1]
    sp = tuple(x.shape[2:])
    osp = tuple(g.shape[2:])
    nd = len(sp)
    cg, og = c // groups, o // groups
    # x: (N, g, C/g, *) -> (C/g, g * N, *);  g: (N, g, O/g, *) -> (g * O/g, N, *)
    xs = S.RESHAPE(x, shape=(n, groups, cg) + sp)
    xs = S.RESHAPE(S.PERMUTE(xs, dims=(2, 1, 0) + tuple(range(3, 3 + nd))),
                   shape=(cg, groups * n) + sp)
    gs = S.RESHAPE(g, shape=(n, groups, og) + osp)
    gs = S.RESHAPE(S.PERMUTE(gs, dims=(1, 2, 0) + tuple(range(3, 3 + nd))),
                   shape=(o, n) + osp)
    dw = CONVOLUTION(xs, gs, None, stride=dilation, padding=padding, dilation=stride,
                     transposed=False, output_padding=(0,) * nd, groups=groups)
    for axis, k in enumerate(kernel):  # the windows past the kernel's extent are not wanted
        if dw.shape[2 + axis] != k:
            dw = S.NARROW(dw, dim=2 + axis, start=0, length=k)
    return S.TRANSPOSE(dw, dim0=0, dim1=1)  # (C/g, O, *k) -> (O, C/g, *k)


def _correlate_arrays(x: np.ndarray, g: np.ndarray, kernel: tuple, stride: tuple,
                      padding: tuple, dilation: tuple, groups: int) -> np.ndarray:
    """``_correlate`` on plain arrays (an ordinary backward, nothing recorded), faster: the
    forward's columns times the gradient, one batched product summed over the batch."""
    n, o = g.shape[:2]
    cols = _columns(_pad(x, padding), kernel, tuple(g.shape[2:]), stride, dilation, groups)
    gm = g.reshape(n, groups, o // groups, math.prod(g.shape[2:]))
    dw = np.matmul(gm, cols.swapaxes(2, 3)).sum(axis=0)  # (groups, O/g, C/g * prod(kernel))
    return dw.reshape((o, x.shape[1] // groups) + kernel)


def _vjp_input(g: Any, input_shape: tuple, weight: Any, stride: tuple, padding: tuple,
               dilation: tuple, transposed: bool, output_padding: tuple, groups: int) -> Any:
    nd = len(stride)
    if transposed:
        return CONVOLUTION(g, weight, None, stride=stride, padding=padding, dilation=dilation,
                           transposed=False, output_padding=(0,) * nd, groups=groups)
    # the rows the last window did not reach come back as output padding
    extra = tuple(i + 2 * p - ((o - 1) * s + d * (k - 1) + 1)
                  for i, p, o, s, d, k in zip(input_shape[2:], padding, g.shape[2:], stride,
                                              dilation, weight.shape[2:]))
    return CONVOLUTION(g, weight, None, stride=stride, padding=padding, dilation=dilation,
                       transposed=True, output_padding=extra, groups=groups)


def _vjp_weight(g: Any, input: Any, weight_shape: tuple, stride: tuple, padding: tuple,
                dilation: tuple, transposed: bool, groups: int) -> Any:
    kernel = tuple(weight_shape[2:])
    x, g = (g, input) if transposed else (input, g)  # transposed: the roles swap
    if isinstance(x, np.ndarray) and isinstance(g, np.ndarray):  # first order: plain arrays
        return _correlate_arrays(x, g, kernel, stride, padding, dilation, groups)
    return _correlate(x, g, kernel, stride, padding, dilation, groups)


def _vjp_bias(g: Any) -> Any:
    return R.SUM(g, dim=(0,) + tuple(range(2, len(g.shape))), keepdim=False)


def _jvp(tangents: list, input: Any, weight: Any, stride: tuple, padding: tuple,
         dilation: tuple, transposed: bool, output_padding: tuple, groups: int) -> Any:
    t_input, t_weight, t_bias = tangents
    kw = dict(stride=stride, padding=padding, dilation=dilation, transposed=transposed,
              output_padding=output_padding, groups=groups)
    out = None
    if t_input is not None:
        out = CONVOLUTION(t_input, weight, None, **kw)
    if t_weight is not None:
        term = CONVOLUTION(input, t_weight, None, **kw)
        out = term if out is None else E.ADD(out, term)
    if t_bias is not None:
        nd = len(stride)
        t_b = S.RESHAPE(t_bias, shape=(-1,) + (1,) * nd)
        if out is None:  # only the bias moves: its tangent broadcast over batch and space
            return S.EXPAND(t_b, shape=_output_shape(input, weight, **kw))
        out = E.ADD(out, t_b)
    return out


def _output_shape(input: Any, weight: Any, stride: tuple, padding: tuple, dilation: tuple,
                  transposed: bool, output_padding: tuple, groups: int) -> tuple:
    size, kernel = tuple(input.shape[2:]), tuple(weight.shape[2:])
    if transposed:
        out = tuple((i - 1) * s - 2 * p + d * (k - 1) + 1 + op for i, s, p, d, k, op
                    in zip(size, stride, padding, dilation, kernel, output_padding))
        return (input.shape[0], weight.shape[1] * groups) + out
    return (input.shape[0], weight.shape[0]) + _out_size(size, kernel, stride, padding, dilation)


CONVOLUTION = general(
    "convolution", _forward, "ConvolutionBackward0", ("input", "weight", "bias"),
    vjp_input=_vjp_input, vjp_weight=_vjp_weight, vjp_bias=_vjp_bias, jvp=_jvp,
    doc="N-d convolution (plain or transposed) of a batched input: torch's convolution.")


# -- batching rule ---------------------------------------------------------------------------------
def _convolution_rule(level: Any, op: Any, args: tuple, params: dict) -> Any:
    """vmap over convolutions without a loop.  A batch of inputs against one weight: the vmap
    dim joins the batch dim.  A weight (or bias) per example: the examples become groups
    (``groups * B``), their channels side by side, so one grouped convolution does them all."""
    from .._vmap import _rules as V
    x, w, b = args
    px, pw = V._value(x, level), V._value(w, level)
    pb = V._value(b, level) if b is not None else None
    if pw is None and pb is None:
        batch, n = px.shape[:2]
        out = op(S.RESHAPE(px, shape=(batch * n,) + tuple(px.shape[2:])), w, b, **params)
        return V.wrap(S.RESHAPE(out, shape=(batch, n) + tuple(out.shape[1:])), level)
    fx, fw = V._front(x, level), V._front(w, level)
    batch, n, c = fx.shape[:3]
    sp = tuple(fx.shape[3:])
    xs = S.RESHAPE(S.TRANSPOSE(fx, dim0=0, dim1=1), shape=(n, batch * c) + sp)
    ws = S.RESHAPE(fw, shape=(batch * fw.shape[1],) + tuple(fw.shape[2:]))
    bs = None if b is None else S.RESHAPE(V._front(b, level), shape=(-1,))
    kw = dict(params, groups=params["groups"] * batch)
    out = op(xs, ws, bs, **kw)
    out = S.RESHAPE(out, shape=(n, batch, out.shape[1] // batch) + tuple(out.shape[2:]))
    return V.wrap(S.TRANSPOSE(out, dim0=0, dim1=1), level)


def _declare_rules() -> None:
    from .._vmap import _rules as V
    V._declare(_convolution_rule, "convolution")


_declare_rules()
