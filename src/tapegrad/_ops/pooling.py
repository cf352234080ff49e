"""Pooling ops with torch's fused backward: max, average and adaptive pooling over the trailing
2 or 3 dims (1-D pooling is 2-D pooling of an unsqueezed input, as in torch).

Every forward looks at the input through a strided window view (``sliding_window_view``), so
there is no Python loop over output pixels.  The derivative rules are ops too, linear in the
incoming gradient, so that ``create_graph`` and forward mode work:

* max pooling sends each output's gradient to the input position that won its window
  (``max_pool_backward``: a scatter-add at the flat indices torch returns with
  ``return_indices``); its transpose gathers at those indices again;
* average pooling spreads ``g / divisor`` over each window (``avg_pool_backward``); its transpose
  is average pooling again;
* adaptive average pooling sums rows and columns with 0/1 window matrices (torch's windows
  ``start = floor(i * L / out)``, ``end = ceil((i + 1) * L / out)``) and divides by their sizes.

Ties go to the first maximum in window order (row-major over the kernel), as in torch.
"""
from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from ._registry import general, linear, lift, raw
from .shape import reshape

Ints = Sequence[int]


# -- geometry ------------------------------------------------------------------------------------
def pooled_size(size: int, kernel: int, stride: int, pad: int, dilation: int,
                ceil_mode: bool) -> int:
    """torch's output length; in ceil mode a last window that would start in the right
    padding (or past the input) is dropped."""
    span = size + 2 * pad - dilation * (kernel - 1) - 1
    out = (-(-span // stride) if ceil_mode else span // stride) + 1
    if ceil_mode and (out - 1) * stride >= size + pad:
        out -= 1
    return out


def _padded_view(a: np.ndarray, kernel: Ints, stride: Ints, pad: Ints, dilation: Ints,
                 out: Ints, fill: Any) -> np.ndarray:
    """The windows of ``a``'s trailing dims: shape ``(..., *out, *kernel)``; positions outside
    the input read ``fill``."""
    d = len(kernel)
    widths = [(0, 0)] * (a.ndim - d)
    for L, k, s, p, dl, o in zip(a.shape[-d:], kernel, stride, pad, dilation, out):
        need = (o - 1) * s + dl * (k - 1) + 1  # padded length the windows reach
        widths.append((p, max(need - L - p, 0)))
    padded = np.pad(a, widths, constant_values=fill) if any(map(any, widths)) else a
    spans = tuple(dl * (k - 1) + 1 for k, dl in zip(kernel, dilation))
    win = sliding_window_view(padded, spans, axis=tuple(range(a.ndim - d, a.ndim)))
    lead = (slice(None),) * (a.ndim - d)
    return win[lead + tuple(slice(0, o * s, s) for o, s in zip(out, stride))
               + tuple(slice(None, None, dl) for dl in dilation)]


def _flat_windows(win: np.ndarray, d: int) -> np.ndarray:
    return win.reshape(win.shape[:win.ndim - d] + (-1,))


def _output(a: np.ndarray, kernel: Ints, stride: Ints, pad: Ints, dilation: Ints,
            ceil_mode: bool) -> tuple:
    d = len(kernel)
    return tuple(pooled_size(L, k, s, p, dl, ceil_mode) for L, k, s, p, dl
                 in zip(a.shape[-d:], kernel, stride, pad, dilation))


def _lowest(dtype: np.dtype) -> Any:
    return -np.inf if dtype.kind == "f" else np.iinfo(dtype).min


# -- max pooling ---------------------------------------------------------------------------------
_last_max: list = [None, None, None]  # input array, geometry, indices: the VJP reuses them


def max_pool_indices(a: np.ndarray, kernel: Ints, stride: Ints, padding: Ints, dilation: Ints,
                     ceil_mode: bool, fresh: bool = False) -> np.ndarray:
    """The flat index (into the trailing dims of ``a``) of each window's first maximum.

    The last answer is kept for the derivative rules, which ask again for the same array;
    a forward asks ``fresh`` (the array may have changed in place since)."""
    key = (tuple(kernel), tuple(stride), tuple(padding), tuple(dilation), ceil_mode)
    if not fresh and _last_max[0] is a and _last_max[1] == key:
        return _last_max[2]
    d = len(kernel)
    out = _output(a, kernel, stride, padding, dilation, ceil_mode)
    flat = _flat_windows(_padded_view(a, kernel, stride, padding, dilation, out,
                                      _lowest(a.dtype)), d)
    arg = np.argmax(flat, axis=-1)  # the first maximum in window order, as torch's
    if a.dtype.kind == "f" and np.isnan(np.take_along_axis(flat, arg[..., None], -1)).any():
        # argmax stops at the first NaN; torch lets the last NaN of a window win
        nan = np.isnan(flat)
        last = flat.shape[-1] - 1 - np.argmax(nan[..., ::-1], axis=-1)
        arg = np.where(nan.any(axis=-1), last, arg)
    where_k = np.unravel_index(arg, tuple(kernel))
    coords = []
    for i, (kk, s, p, dl) in enumerate(zip(where_k, stride, padding, dilation)):
        o = np.arange(out[i]).reshape((-1,) + (1,) * (d - 1 - i))
        coords.append(o * s - p + kk * dl)
    idx = np.ravel_multi_index(tuple(coords), a.shape[-d:], mode="clip").astype(np.int64)
    _last_max[:] = [a, key, idx]
    return idx


def _max_pool(input: np.ndarray, kernel_size: Ints, stride: Ints, padding: Ints,
              dilation: Ints, ceil_mode: bool) -> np.ndarray:
    idx = max_pool_indices(input, kernel_size, stride, padding, dilation, ceil_mode, True)
    return _take(input, idx, len(kernel_size))


def _take(a: np.ndarray, idx: np.ndarray, d: int) -> np.ndarray:
    flat = a.reshape(a.shape[:a.ndim - d] + (-1,))
    lead = idx.shape[:idx.ndim - d]
    got = np.take_along_axis(flat, idx.reshape(lead + (-1,)), axis=-1)
    return got.reshape(idx.shape)


def _scatter(g: np.ndarray, indices: np.ndarray, target: tuple, dims: int) -> np.ndarray:
    """Each gradient entry added at its flat index into the trailing ``dims`` of ``target``
    (the pooled input's shape)."""
    input_shape = tuple(target)
    spatial = int(np.prod(input_shape[len(input_shape) - dims:]))
    rows = int(np.prod(input_shape[:len(input_shape) - dims]))
    offs = indices.reshape(rows, -1) + (np.arange(rows) * spatial)[:, None]
    total = np.bincount(offs.ravel(), weights=g.reshape(-1).astype(np.float64, copy=False),
                        minlength=rows * spatial)
    return total.astype(g.dtype, copy=False).reshape(input_shape)


def _take_vjp(g: Any, input_shape: tuple, indices: np.ndarray, dims: int) -> Any:
    return MAX_POOL_SCATTER(g, indices=indices, target=tuple(input_shape), dims=dims)


POOL_TAKE = linear("max_pool_take", lambda input, indices, dims: _take(input, indices, dims),
                   "MaxPoolTakeBackward0", _take_vjp, params=("indices", "dims"),
                   doc="The trailing ``dims`` of input read at flat ``indices`` (the forward "
                       "of max pooling once its winners are known).")


def _scatter_op(name: str, grad_fn: str) -> Any:
    return linear(name, _scatter, grad_fn,
                  lambda g, indices, dims: POOL_TAKE(g, indices=indices, dims=dims),
                  params=("indices", "target", "dims"),
                  doc="The gradient of max pooling: ``input`` (the pooled gradient) added at "
                      "the winners' flat ``indices`` into zeros of shape ``target``.")


MAX_POOL_SCATTER = _scatter_op("max_pool_scatter", "MaxPoolScatterBackward0")
MAX_POOL2D_BACKWARD = _scatter_op("max_pool2d_backward", "MaxPool2DWithIndicesBackwardBackward0")
MAX_POOL3D_BACKWARD = _scatter_op("max_pool3d_backward", "MaxPool3DWithIndicesBackwardBackward0")
ADAPTIVE_MAX_POOL2D_BACKWARD = _scatter_op("adaptive_max_pool2d_backward",
                                           "AdaptiveMaxPool2DBackwardBackward0")
ADAPTIVE_MAX_POOL3D_BACKWARD = _scatter_op("adaptive_max_pool3d_backward",
                                           "AdaptiveMaxPool3DBackwardBackward0")


def _max_pool_op(name: str, grad_fn: str, backward: Any) -> Any:
    def vjp(g: Any, input: Any, kernel_size: Ints, stride: Ints, padding: Ints, dilation: Ints,
            ceil_mode: bool) -> Any:
        idx = max_pool_indices(raw(input), kernel_size, stride, padding, dilation, ceil_mode)
        return backward(g, indices=idx, target=tuple(input.shape), dims=len(kernel_size))

    def jvp(tangents: list, input: Any, kernel_size: Ints, stride: Ints, padding: Ints,
            dilation: Ints, ceil_mode: bool) -> Any:
        idx = max_pool_indices(raw(input), kernel_size, stride, padding, dilation, ceil_mode)
        return POOL_TAKE(tangents[0], indices=idx, dims=len(kernel_size))

    return general(name, _max_pool, grad_fn, vjp_input=vjp, jvp=jvp,
                   doc="Max pooling over the trailing dims (one per kernel entry).")


MAX_POOL2D = _max_pool_op("max_pool2d", "MaxPool2DWithIndicesBackward0", MAX_POOL2D_BACKWARD)
MAX_POOL3D = _max_pool_op("max_pool3d", "MaxPool3DWithIndicesBackward0", MAX_POOL3D_BACKWARD)


# -- average pooling -----------------------------------------------------------------------------
def _divisor(sizes: Ints, kernel: Ints, stride: Ints, pad: Ints, out: Ints,
             count_include_pad: bool, divisor_override: int | None, dtype: np.dtype) -> Any:
    """The divisor of each window: its size clipped to the padded input (or to the input
    itself without ``count_include_pad``), or ``divisor_override``."""
    if divisor_override:
        return dtype.type(divisor_override)
    total = np.ones((), np.int64)
    for i, (L, k, s, p, o) in enumerate(zip(sizes, kernel, stride, pad, out)):
        start = np.arange(o) * s - p
        end = np.minimum(start + k, L + p)
        if not count_include_pad:
            start, end = np.maximum(start, 0), np.minimum(end, L)
        total = total[..., None] * (end - start)
    return total.astype(dtype) if dtype.kind == "f" else total


def _pool_geometry(shape: tuple, kernel: Ints, stride: Ints, padding: Ints,
                   ceil_mode: bool) -> tuple:
    d = len(kernel)
    sizes = tuple(shape[-d:])
    out = tuple(pooled_size(L, k, s, p, 1, ceil_mode) for L, k, s, p
                in zip(sizes, kernel, stride, padding))
    return sizes, out


def _avg_pool(input: np.ndarray, kernel_size: Ints, stride: Ints, padding: Ints,
              ceil_mode: bool, count_include_pad: bool, divisor_override: int | None) -> Any:
    d = len(kernel_size)
    sizes, out = _pool_geometry(input.shape, kernel_size, stride, padding, ceil_mode)
    win = _padded_view(input, kernel_size, stride, padding, (1,) * d, out, 0)
    total = None
    for offset in np.ndindex(*kernel_size):  # one strided slice per kernel position
        part = win[(Ellipsis,) + offset]
        total = part.copy() if total is None else np.add(total, part, out=total)
    div = _divisor(sizes, kernel_size, stride, padding, out, count_include_pad,
                   divisor_override, input.dtype)
    if input.dtype.kind != "f":  # integer pooling divides as C does, towards zero
        return (np.sign(total) * (np.abs(total) // div)).astype(input.dtype)
    return total / div


def _avg_spread(input: np.ndarray, target: tuple, kernel_size: Ints, stride: Ints,
                padding: Ints, ceil_mode: bool, count_include_pad: bool,
                divisor_override: int | None) -> np.ndarray:
    """The transpose of average pooling: each ``input / divisor`` added over its window."""
    g = input
    d = len(kernel_size)
    shape = tuple(target)
    sizes, out = _pool_geometry(shape, kernel_size, stride, padding, ceil_mode)
    g = g / _divisor(sizes, kernel_size, stride, padding, out, count_include_pad,
                     divisor_override, g.dtype)
    span = [max((o - 1) * s + k, L + 2 * p) for L, k, s, p, o
            in zip(sizes, kernel_size, stride, padding, out)]
    acc = np.zeros(shape[:len(shape) - d] + tuple(span), g.dtype)
    lead = (slice(None),) * (len(shape) - d)
    for offset in np.ndindex(*kernel_size):  # a loop over kernel positions, not pixels
        acc[lead + tuple(slice(k, k + o * s, s) for k, o, s
                         in zip(offset, out, stride))] += g
    return np.ascontiguousarray(acc[lead + tuple(slice(p, p + L) for p, L
                                                 in zip(padding, sizes))])


_AVG_PARAMS = ("kernel_size", "stride", "padding", "ceil_mode", "count_include_pad",
               "divisor_override")


def _avg_pair(name: str, grad_fn: str) -> tuple:
    def down(g: Any, input_shape: tuple, kernel_size: Ints, stride: Ints, padding: Ints,
             ceil_mode: bool, count_include_pad: bool, divisor_override: Any) -> Any:
        return back(g, target=tuple(input_shape), kernel_size=kernel_size, stride=stride,
                    padding=padding, ceil_mode=ceil_mode, count_include_pad=count_include_pad,
                    divisor_override=divisor_override)

    def up(g: Any, kernel_size: Ints, stride: Ints, padding: Ints, ceil_mode: bool,
           count_include_pad: bool, divisor_override: Any) -> Any:
        return op(g, kernel_size=kernel_size, stride=stride, padding=padding,
                  ceil_mode=ceil_mode, count_include_pad=count_include_pad,
                  divisor_override=divisor_override)

    op = linear(name, _avg_pool, grad_fn, down, params=_AVG_PARAMS,
                doc="Average pooling over the trailing dims (one per kernel entry).")
    back = linear(name + "_backward", _avg_spread, grad_fn.replace("Backward0",
                                                                   "BackwardBackward0"),
                  up, params=("target",) + _AVG_PARAMS,
                  doc="The gradient of average pooling (its transpose).")
    return op, back


AVG_POOL2D, AVG_POOL2D_BACKWARD = _avg_pair("avg_pool2d", "AvgPool2DBackward0")
AVG_POOL3D, AVG_POOL3D_BACKWARD = _avg_pair("avg_pool3d", "AvgPool3DBackward0")


# -- adaptive pooling ----------------------------------------------------------------------------
def adaptive_windows(size: int, out: int) -> tuple:
    """torch's adaptive windows along one dim: ``[floor(i*L/out), ceil((i+1)*L/out))``."""
    i = np.arange(out)
    start = (i * size) // out
    end = -((-(i + 1) * size) // out)
    return start, end


def _along(a: np.ndarray, mats: list) -> np.ndarray:
    """``a``'s trailing dims each multiplied by a matrix (``a[..., l] -> M @ a[..., l]``)."""
    d = len(mats)
    for i, m in enumerate(mats):
        ax = a.ndim - d + i
        a = np.moveaxis(np.moveaxis(a, ax, -1) @ m.T.astype(a.dtype), -1, ax)
    return a


def _window_matrices(sizes: Ints, out: Ints) -> tuple:
    mats, count = [], np.ones((), np.int64)
    for L, o in zip(sizes, out):
        start, end = adaptive_windows(L, o)
        pos = np.arange(L)
        mats.append(((pos >= start[:, None]) & (pos < end[:, None])).astype(np.int64))
        count = count[..., None] * (end - start)
    return mats, count


def _adaptive_avg(input: np.ndarray, output_size: Ints) -> np.ndarray:
    d = len(output_size)
    mats, count = _window_matrices(input.shape[-d:], output_size)
    total = _along(input, mats)
    if input.dtype.kind != "f":
        return (np.sign(total) * (np.abs(total) // count)).astype(input.dtype)
    return np.ascontiguousarray(total / count.astype(input.dtype))


def _adaptive_spread(input: np.ndarray, target: tuple, output_size: Ints) -> np.ndarray:
    d = len(output_size)
    mats, count = _window_matrices(tuple(target)[-d:], output_size)
    return np.ascontiguousarray(_along(input / count.astype(input.dtype),
                                       [m.T for m in mats]))


def _adaptive_pair(name: str, grad_fn: str) -> tuple:
    op = linear(name, _adaptive_avg, grad_fn,
                lambda g, input_shape, output_size: back(
                    g, target=tuple(input_shape), output_size=output_size),
                params=("output_size",),
                doc="Adaptive average pooling of the trailing dims to ``output_size``.")
    back = linear(name + "_backward", _adaptive_spread,
                  grad_fn.replace("Backward0", "BackwardBackward0"),
                  lambda g, output_size: op(g, output_size=output_size),
                  params=("target", "output_size"),
                  doc="The gradient of adaptive average pooling (its transpose).")
    return op, back


ADAPTIVE_AVG_POOL2D, ADAPTIVE_AVG_POOL2D_BACKWARD = _adaptive_pair(
    "adaptive_avg_pool2d", "AdaptiveAvgPool2DBackward0")
ADAPTIVE_AVG_POOL3D, ADAPTIVE_AVG_POOL3D_BACKWARD = _adaptive_pair(
    "adaptive_avg_pool3d", "AdaptiveAvgPool3DBackward0")


def adaptive_max_indices(a: np.ndarray, output_size: Ints, fresh: bool = False) -> np.ndarray:
    """The flat index of each adaptive window's first maximum (row-major window order).

    Reduced one dim at a time from the innermost: the first maximum along each outer dim of
    the rows' first maxima is the first maximum of the whole window."""
    key = ("adaptive", tuple(output_size))
    if not fresh and _last_max[0] is a and _last_max[1] == key:
        return _last_max[2]
    d = len(output_size)
    vals = a
    coords: list = []
    for i in reversed(range(d)):
        ax = a.ndim - d + i
        L, o = a.shape[ax], output_size[i]
        start, end = adaptive_windows(L, o)
        width = int((end - start).max()) if o else 1
        table = np.minimum(start[:, None] + np.arange(width), end[:, None] - 1)
        table = np.clip(table, 0, max(L - 1, 0))

        def pick(x: np.ndarray, arg: Any = None) -> np.ndarray:
            got = np.moveaxis(np.take(x, table, axis=ax), ax + 1, -1)
            return got if arg is None else np.take_along_axis(got, arg[..., None], -1)[..., 0]

        window = pick(vals)
        keyed = np.where(np.isnan(window), np.inf, window) if a.dtype.kind == "f" else window
        arg = np.argmax(keyed, axis=-1)
        coords = [pick(c, arg) for c in coords]
        shape = [1] * arg.ndim
        shape[ax] = o
        coords.insert(0, start.reshape(shape) + arg)
        vals = pick(vals, arg)
    idx = np.ravel_multi_index(tuple(coords), a.shape[-d:]).astype(np.int64)
    _last_max[:] = [a, key, idx]
    return idx


def _adaptive_max(input: np.ndarray, output_size: Ints) -> np.ndarray:
    return _take(input, adaptive_max_indices(input, output_size, True), len(output_size))


def _adaptive_max_op(name: str, grad_fn: str, backward: Any) -> Any:
    return general(
        name, _adaptive_max, grad_fn,
        vjp_input=lambda g, input, output_size: backward(
            g, indices=adaptive_max_indices(raw(input), output_size),
            target=tuple(input.shape), dims=len(output_size)),
        jvp=lambda tangents, input, output_size: POOL_TAKE(
            tangents[0], indices=adaptive_max_indices(raw(input), output_size),
            dims=len(output_size)),
        doc="Adaptive max pooling of the trailing dims to ``output_size``.")


ADAPTIVE_MAX_POOL2D = _adaptive_max_op("adaptive_max_pool2d", "AdaptiveMaxPool2DBackward0",
                                       ADAPTIVE_MAX_POOL2D_BACKWARD)
ADAPTIVE_MAX_POOL3D = _adaptive_max_op("adaptive_max_pool3d", "AdaptiveMaxPool3DBackward0",
                                       ADAPTIVE_MAX_POOL3D_BACKWARD)



# -- vmap ----------------------------------------------------------------------------------------
def _trailing_rule(level: Any, op: Any, args: tuple, params: dict) -> Any:
    """Every pooling op works on trailing dims: the same call on the physical value, with the
    batch dim added to a ``target`` shape and to per-example ``indices``."""
    from .._vmap import _rules as V
    v = V._front(args[0], level)
    batch = tuple(v.shape)[:1]
    params = dict(params)
    if "target" in params:
        params["target"] = batch + tuple(params["target"])
    if "indices" in params and params["indices"].ndim < len(v.shape):
        idx = params["indices"]
        params["indices"] = np.broadcast_to(idx, batch + idx.shape)
    return V.wrap(op(v, **params), level)


def _declare_rules() -> None:
    from .._vmap import _rules as V
    V._declare(_trailing_rule, *[name for name, op in globals().items()
                                 if name.isupper() and hasattr(op, "node_cls")
                                 for name in [op.name]])


_declare_rules()

__all__ = ["MAX_POOL2D", "MAX_POOL3D", "AVG_POOL2D", "AVG_POOL3D", "ADAPTIVE_AVG_POOL2D",
           "ADAPTIVE_AVG_POOL3D", "ADAPTIVE_MAX_POOL2D", "ADAPTIVE_MAX_POOL3D", "max_pool_indices",
           "adaptive_max_indices", "pooled_size", "adaptive_windows"]
