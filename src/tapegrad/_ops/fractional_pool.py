"""Fractional max pooling (Graham, 2014), torch's ``FractionalMaxPool2DBackward0`` and
``FractionalMaxPool3DBackward0``.

Each output cell is the maximum of a ``kernel_size`` window whose start along a dim of input
size ``L`` (``P`` the kernel, ``O`` the output size, ``u`` the plane's random sample in [0, 1))
is ``int((i + u) * alpha) - int(u * alpha)`` with ``alpha = (L - P) / (O - 1)``, the last one
``L - P``: pseudo-random windows that overlap or not, so the output can shrink by a fraction.

Two ops: ``fractional_max_pool_indices`` (not differentiable) finds the flat index of each
window's maximum (the first, or the first NaN, as torch's kernel keeps it), and
``fractional_max_pool2d`` / ``3d`` gather the input there (linear: the gradient is scattered
back to those indices).
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ._registry import linear, nondifferentiable
from . import selection as X, shape as S


def _starts(sample: float, size: int, out: int, kernel: int) -> np.ndarray:
    """The first input position of each of the ``out`` windows along one dim."""
    if out == 1:
        return np.array([size - kernel], dtype=np.int64)
    alpha = (size - kernel) / (out - 1)
    first = [int((i + sample) * alpha) - int(sample * alpha) for i in range(out - 1)]
    return np.array(first + [size - kernel], dtype=np.int64)


def _indices(input: np.ndarray, samples: np.ndarray, kernel_size: tuple,
             output_size: tuple) -> np.ndarray:
    """Flat indices (over the last ``d`` dims) of each window's maximum; ``samples`` is
    ``(N, C, d)`` (or ``(1, C, d)`` for an unbatched input), read as torch reads it: width
    first in 2-D (``(w, h)``), but in dim order in 3-D (``(t, h, w)``)."""
    d = len(kernel_size)
    spatial = input.shape[-d:]
    planes = input.reshape((-1,) + spatial)
    flat_samples = samples.reshape(-1, d)
    out = np.empty((planes.shape[0],) + tuple(output_size), dtype=np.int64)
    strides = np.cumprod((1,) + spatial[::-1])[:-1][::-1]  # flat index of a unit step per dim
    offsets = np.indices(kernel_size).reshape(d, -1)  # positions inside a window
    for p, plane in enumerate(planes):
        sample = flat_samples[p][::-1] if d == 2 else flat_samples[p]
        starts = [_starts(float(sample[k]), spatial[k], output_size[k], kernel_size[k])
                  for k in range(d)]
        grids = np.meshgrid(*starts, indexing="ij")  # the start of every output window
        coords = [g.reshape(-1, 1) + offsets[k] for k, g in enumerate(grids)]
        window = plane[tuple(coords)]  # (cells, window size)
        best = np.argmax(np.where(np.isnan(window), np.inf, window), axis=1)
        nan_first = np.isnan(window).any(axis=1)
        best = np.where(nan_first, np.argmax(np.isnan(window), axis=1), best)
        picked = [c[np.arange(c.shape[0]), best] for c in coords]
        out[p] = sum(c * s for c, s in zip(picked, strides)).reshape(output_size)
    return out.reshape(input.shape[:-d] + tuple(output_size))


FRACTIONAL_MAX_POOL_INDICES = nondifferentiable(
    "fractional_max_pool_indices", _indices, ("input", "samples"),
    doc="Flat indices of the maxima of fractional max pooling's windows.")


def _gather(input: np.ndarray, indices: np.ndarray, dims: int) -> np.ndarray:
    lead = input.shape[:-dims]
    flat = input.reshape(lead + (-1,))
    picked = np.take_along_axis(flat, indices.reshape(lead + (-1,)), axis=-1)
    return picked.reshape(indices.shape)


def _gather_vjp(g: Any, input_shape: tuple, indices: Any, dims: int) -> Any:
    lead = tuple(input_shape[:-dims])
    volume = int(np.prod(input_shape[-dims:]))
    flat_g = S.RESHAPE(g, shape=lead + (-1,))
    flat_i = S.RESHAPE(indices, shape=lead + (-1,))
    grad = X.SCATTER_ADD(X._zeros(flat_g, lead + (volume,)), flat_i, flat_g, dim=len(lead))
    return S.RESHAPE(grad, shape=tuple(input_shape))


FRACTIONAL_MAX_POOL2D = linear("fractional_max_pool2d", _gather, "FractionalMaxPool2DBackward0",
                               _gather_vjp, args=("input", "indices"), params=("dims",),
                               doc="input at the flat indices of fractional max pooling's "
                                   "maxima (2-D).")
FRACTIONAL_MAX_POOL3D = linear("fractional_max_pool3d", _gather, "FractionalMaxPool3DBackward0",
                               _gather_vjp, args=("input", "indices"), params=("dims",),
                               doc="input at the flat indices of fractional max pooling's "
                                   "maxima (3-D).")


# -- batching rules --------------------------------------------------------------------------------
def _leading_rule(level: Any, op: Any, args: tuple, params: dict) -> Any:
    """Both ops work plane by plane over any leading dims: the batch dim is one more (an
    unbatched operand is repeated over it)."""
    from .._vmap import _rules as V
    return V.wrap(op(*(V._front(a, level) for a in args), **params), level)


def _declare_rules() -> None:
    from .._vmap import _rules as V
    V._declare(_leading_rule, "fractional_max_pool_indices", "fractional_max_pool2d",
               "fractional_max_pool3d")


_declare_rules()
