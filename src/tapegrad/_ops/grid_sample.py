"""``F.grid_sample`` as torch records it: one fused node, ``GridSampler2DBackward0`` (4-D input;
bilinear, nearest or bicubic) or ``GridSampler3DBackward0`` (5-D; trilinear, called
``'bilinear'``, or nearest).

Every mode is a weighted sum over a few *taps* per output point: the 2 (linear) or 4 (cubic)
neighbouring pixels along each spatial dim, or the nearest one; with D dims, ``K = taps**D``
of them.  Which pixels are read (and whether they lie inside the image) depends on the grid
only piecewise-constantly, so it is computed once on the grid's values; the weights are
polynomials of the source coordinate, itself an affine function of the grid (unnormalising,
then clipping or reflecting by ``padding_mode``; bicubic pads its taps instead).  So:

    out[n, c, p]   = sum_k W[n, k, p] * input[n, c, idx[n, k, p]]
    d input        = scatter-add of g * W at idx
    d grid[..., d] = slope_d * sum_k dW/du_d * sum_c g * input[idx]

Both rules are written with tapegrad ops (gather, scatter_add, products, sums), so they
differentiate again in input, grid and the incoming gradient.  Nearest sampling gives the
grid a zero gradient, as torch does.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ._registry import general, lift, raw
from .reduction import SUM_DIM
from .selection import GATHER, SCATTER_ADD
from .shape import STACK, reshape

_A = -0.75  # the cubic convolution constant torch uses


def _np_dtype(x: Any) -> np.dtype:
    """A value's NumPy dtype from its dtype's name (under vmap a batched tensor's data is not
    readable)."""
    return x.dtype if x.__class__ is np.ndarray else np.dtype(str(x.dtype).rsplit(".", 1)[-1])


# -- source coordinates: values and slopes, computed on the grid's values in its dtype --------

def _reflect(x: np.ndarray, twice_low: int, twice_high: int) -> tuple:
    """Mirror ``x`` into [low, high]; returns the value and the slope (+-1)."""
    t = x.dtype.type
    if twice_low == twice_high:
        return np.zeros_like(x), np.zeros_like(x)
    low = t(twice_low) / t(2)
    span = t(twice_high - twice_low) / t(2)
    shifted = x - low
    sign = np.where(shifted < 0, t(-1), t(1))
    dist = np.abs(shifted)
    extra = np.fmod(dist, span)
    even = np.floor(dist / span) % 2 == 0
    return (np.where(even, extra + low, span - extra + low).astype(x.dtype),
            np.where(even, sign, -sign).astype(x.dtype))


def _clip(x: np.ndarray, size: int, slope: np.ndarray) -> tuple:
    """Clamp into [0, size - 1]; torch counts the bounds themselves as outside (zero slope)."""
    t = x.dtype.type
    inside = (x > 0) & (x < size - 1)
    return (np.minimum(t(size - 1), np.maximum(x, t(0))).astype(x.dtype),
            np.where(inside, slope, t(0)).astype(x.dtype))


def _unnormalize(coord: np.ndarray, size: int, align_corners: bool) -> tuple:
    t = coord.dtype.type
    if align_corners:  # -1 and 1 are the centres of the corner pixels
        scale = t(size - 1) / t(2)
        return ((coord + t(1)) / t(2) * t(size - 1)).astype(coord.dtype), scale
    scale = t(size) / t(2)  # -1 and 1 are the outer edges of the corner pixels
    return (((coord + t(1)) * t(size) - t(1)) / t(2)).astype(coord.dtype), scale


def _pad(x: np.ndarray, slope: Any, size: int, padding_mode: str, align_corners: bool) -> tuple:
    slope = np.broadcast_to(np.asarray(slope, x.dtype), x.shape)
    if padding_mode == "border":
        return _clip(x, size, slope)
    if padding_mode == "reflection":
        x, sign = (_reflect(x, 0, 2 * (size - 1)) if align_corners
                   else _reflect(x, -1, 2 * size - 1))
        return _clip(x, size, slope * sign)
    return x, slope


# -- taps along one dim: integer positions, weights and their derivatives ---------------------

def _cubic(t: Any) -> list:
    a = _A
    x1, x2 = t + 1, 1 - t
    return [((a * x1 - 5 * a) * x1 + 8 * a) * x1 - 4 * a,
            ((a + 2) * t - (a + 3)) * t * t + 1,
            ((a + 2) * x2 - (a + 3)) * x2 * x2 + 1,
            ((a * (x2 + 1) - 5 * a) * (x2 + 1) + 8 * a) * (x2 + 1) - 4 * a]


def _cubic_slopes(t: Any) -> list:
    a = _A
    d1 = lambda x: (3 * (a + 2) * x - 2 * (a + 3)) * x             # noqa: E731
    d2 = lambda x: (3 * a * x - 10 * a) * x + 8 * a                 # noqa: E731
    return [d2(t + 1), d1(t), -d1(1 - t), -d2(2 - t)]


def _taps(coord: Any, size: int, mode: str, padding_mode: str, align_corners: bool) -> tuple:
    """For one spatial dim: ``(positions, inside, weights, weight slopes, slope)``, one list
    entry per tap; ``coord`` the grid's (N, P) coordinates along that dim."""
    values = raw(coord)
    u, scale = _unnormalize(values, size, align_corners)
    if mode == "bicubic":  # the taps are padded, not the coordinate
        slope = np.full(values.shape, scale, values.dtype)
        base = np.floor(u)
        pos = []
        for k in range(4):
            p, _ = _pad(base + (k - 1), 1, size, padding_mode, align_corners)
            pos.append(p)
    else:
        u, slope = _pad(u, scale, size, padding_mode, align_corners)
        base = np.rint(u) if mode == "nearest" else np.floor(u)
        pos = [base] if mode == "nearest" else [base, base + 1]
    # the source coordinate as an expression of the grid (affine), so rules differentiate it
    src = u if coord.__class__ is np.ndarray else coord * slope + (u - values * slope)
    if mode == "nearest":
        ones = np.ones(values.shape, values.dtype)
        weights, slopes = [ones], [ones * 0]
    elif mode == "bicubic":
        weights, slopes = _cubic(src - base), _cubic_slopes(src - base)
    else:  # torch's corner weights: (x0 + 1) - x and x - x0
        weights, slopes = [(base + 1) - src, src - base], [-1.0, 1.0]
    inside = [(p >= 0) & (p <= size - 1) for p in pos]
    return pos, inside, weights, slopes, slope


def _pieces(grid: Any, spatial: tuple, mode: str, padding_mode: str, align_corners: bool
            ) -> tuple:
    """``(index (N, K*P), inside (N, K, P), W (N, K, P), [dW/du_d], [slope_d])`` with the taps
    ordered as torch sums them: the last grid coordinate (z, or y) outermost."""
    n = tuple(grid.shape)[0]
    dims = len(spatial)
    flat = reshape(grid, shape=(n, -1, dims))
    per_dim = [_taps(flat[:, :, d], spatial[dims - 1 - d], mode, padding_mode, align_corners)
               for d in range(dims)]
    p = tuple(flat.shape)[1]
    index, inside, weight = [], [], []
    dweight: list = [[] for _ in range(dims)]
    for combo in np.ndindex(*[len(t[0]) for t in reversed(per_dim)]):
        ks = combo[::-1]  # ks[d]: the tap along grid coordinate d (x first)
        idx = np.zeros((n, p), np.int64)
        ok = np.ones((n, p), bool)
        w = None
        for d, k in enumerate(ks):
            pos, ins = per_dim[d][0][k], per_dim[d][1][k]
            stride = int(np.prod(spatial[dims - d:], dtype=np.int64))
            idx += np.clip(pos, 0, spatial[dims - 1 - d] - 1).astype(np.int64) * stride
            ok &= ins
            w = per_dim[d][2][k] if w is None else w * per_dim[d][2][k]
        for d in range(dims):
            dw = per_dim[d][3][ks[d]]
            for e, k in enumerate(ks):
                if e != d:
                    dw = dw * per_dim[e][2][k]
            dweight[d].append(dw)
        index.append(idx)
        inside.append(ok)
        weight.append(w)
    count = len(index)
    dtype = _np_dtype(grid)
    mask = np.stack(inside, 1).astype(dtype)
    return (np.concatenate(index, 1), mask, STACK(*weight, dim=1, count=count) * mask,
            [STACK(*dw, dim=1, count=count) * mask if not isinstance(dw[0], float)
             else np.asarray(dw, dtype)[None, :, None] * mask for dw in dweight],
            [t[4] for t in per_dim])


def _gathered(input: Any, index: np.ndarray, k: int) -> Any:
    """``input[n, c, idx[n, k, p]]`` as (N, C, K, P)."""
    n, c = tuple(input.shape)[:2]
    flat = reshape(input, shape=(n, c, -1))
    spread = np.broadcast_to(index[:, None, :], (n, c, index.shape[1]))
    return reshape(GATHER(flat, spread, dim=2), shape=(n, c, k, -1))


def _sample(input: np.ndarray, grid: np.ndarray, mode: str, padding_mode: str,
            align_corners: bool) -> np.ndarray:
    spatial = input.shape[2:]
    index, mask, weight, _, _ = _pieces(grid, spatial, mode, padding_mode, align_corners)
    values = _gathered(input, index, mask.shape[1]) * weight[:, None]
    out = values.sum(2)  # (torch adds the taps one after the other)
    return out.reshape(input.shape[:2] + grid.shape[1:-1])


def _input_vjp(g: Any, input_shape: tuple, grid: Any, mode: str, padding_mode: str,
               align_corners: bool) -> Any:
    spatial = tuple(input_shape)[2:]
    n, c = tuple(input_shape)[:2]
    index, mask, weight, _, _ = _pieces(grid, spatial, mode, padding_mode, align_corners)
    k = mask.shape[1]
    spread = reshape(reshape(g, shape=(n, c, 1, -1)) * reshape(weight, shape=(n, 1, k, -1)),
                     shape=(n, c, -1))
    zeros = np.zeros((n, c, int(np.prod(spatial, dtype=np.int64))), _np_dtype(g))
    target = np.broadcast_to(index[:, None, :], (n, c, index.shape[1]))
    return reshape(SCATTER_ADD(zeros, target, spread, dim=2), shape=tuple(input_shape))


def _grid_vjp(g: Any, input: Any, grid: Any, mode: str, padding_mode: str,
              align_corners: bool) -> Any:
    spatial = tuple(input.shape)[2:]
    n, c = tuple(input.shape)[:2]
    if mode == "nearest":  # piecewise constant in the grid: a zero gradient, as torch's
        return lift(g, np.zeros(tuple(grid.shape), _np_dtype(g)))
    index, mask, _, dweight, slopes = _pieces(grid, spatial, mode, padding_mode, align_corners)
    k = mask.shape[1]
    per_tap = SUM_DIM(reshape(g, shape=(n, c, 1, -1)) * _gathered(input, index, k), dim=(1,),
                      keepdim=False)  # (N, K, P)
    parts = [SUM_DIM(per_tap * dw, dim=(1,), keepdim=False) * slope
             for dw, slope in zip(dweight, slopes)]
    return reshape(STACK(*parts, dim=2, count=len(parts)), shape=tuple(grid.shape))


def _jvp(tangents: list, input: Any, grid: Any, mode: str, padding_mode: str,
         align_corners: bool) -> Any:
    t_input, t_grid = tangents
    spatial = tuple(input.shape)[2:]
    n, c = tuple(input.shape)[:2]
    out_shape = (n, c) + tuple(grid.shape)[1:-1]
    index, mask, weight, dweight, slopes = _pieces(grid, spatial, mode, padding_mode,
                                                   align_corners)
    k = mask.shape[1]
    total = None
    if t_input is not None:
        total = SUM_DIM(_gathered(t_input, index, k) * reshape(weight, shape=(n, 1, k, -1)),
                        dim=(2,), keepdim=False)
    if t_grid is not None and mode != "nearest":
        moved = reshape(t_grid, shape=(n, -1, len(spatial)))
        rate = None  # dW along the tangent: (N, K, P)
        for d, (dw, slope) in enumerate(zip(dweight, slopes)):
            term = dw * reshape(moved[:, :, d] * slope, shape=(n, 1, -1))
            rate = term if rate is None else rate + term
        term = SUM_DIM(_gathered(input, index, k) * reshape(rate, shape=(n, 1, k, -1)),
                       dim=(2,), keepdim=False)
        total = term if total is None else total + term
    return None if total is None else reshape(total, shape=out_shape)


def _op(dims: int) -> Any:
    return general(
        f"grid_sampler_{dims}d", _sample, f"GridSampler{dims}DBackward0", ("input", "grid"),
        vjp_input=_input_vjp, vjp_grid=_grid_vjp, jvp=_jvp,
        doc=f"Sample a {dims + 2}-D input at a grid's normalised locations (``F.grid_sample``).")


GRID_SAMPLER_2D = _op(2)
GRID_SAMPLER_3D = _op(3)


def _batched(level: Any, op: Any, args: tuple, params: dict) -> Any:
    """vmap: the examples' batches side by side, (V, N, ...) -> (V*N, ...)."""
    from .._vmap._batched import wrap
    from .._vmap._rules import _front
    input, grid = (_front(a, level) for a in args)
    v, n = tuple(input.shape)[:2]
    out = op(reshape(input, shape=(v * n,) + tuple(input.shape)[2:]),
             reshape(grid, shape=(v * n,) + tuple(grid.shape)[2:]), **params)
    return wrap(reshape(out, shape=(v, n) + tuple(out.shape)[1:]), level)


def _declare_rules() -> None:
    from .._vmap import _rules as V
    V._declare(_batched, "grid_sampler_2d", "grid_sampler_3d")


_declare_rules()

__all__ = ["GRID_SAMPLER_2D", "GRID_SAMPLER_3D"]
