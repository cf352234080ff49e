"""Padding ops with torch's own backward: constant, reflection and replication padding.

All are linear (constant padding: up to the constant).  ``constant_pad_nd`` puts the input into a block of ``value`` (negative pads crop);
its transpose takes the block back out.  Reflection and replication padding read each output
element from one input element, so along every padded dim they are a gather by an index vector
(``2 1 | 0 1 2 3 | 2 1`` for reflection, ``0 0 | 0 1 2 3 | 3 3`` for replication); their transpose
adds the gradient back at those indices (``pad_gather_transpose``), and that op's transpose is the
gather again, so every order of derivative follows.  torch names the node after the number of
padded dims (``ReflectionPad2DBackward0``), so each mode is declared once per count.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ._registry import general, linear

# -- constant ------------------------------------------------------------------------------------
def _pairs(pad: tuple, ndim: int) -> list:
    """``pad`` (last dim first, (left, right) pairs) as one (left, right) pair per dim."""
    pairs = [(0, 0)] * ndim
    for i in range(len(pad) // 2):
        pairs[ndim - 1 - i] = (pad[2 * i], pad[2 * i + 1])
    return pairs


def _constant_pad(a: np.ndarray, pad: tuple, value: float) -> np.ndarray:
    pairs = _pairs(pad, a.ndim)
    crop = tuple(slice(max(-lo, 0), a.shape[d] - max(-hi, 0)) for d, (lo, hi) in enumerate(pairs))
    a = a[crop]
    grow = [(max(lo, 0), max(hi, 0)) for lo, hi in pairs]
    return np.pad(a, grow, mode="constant", constant_values=a.dtype.type(value))


def _constant_pad_vjp(g: Any, pad: tuple) -> Any:
    return CONSTANT_PAD_ND(g, pad=tuple(-p for p in pad), value=0.0)


# affine, not linear, in the input (the padding holds ``value``): the tangent is padded with 0
CONSTANT_PAD_ND = general("constant_pad_nd", _constant_pad, "ConstantPadNdBackward0",
                          vjp_input=_constant_pad_vjp,
                          jvp=lambda tangents, pad: None if tangents[0] is None else
                          CONSTANT_PAD_ND(tangents[0], pad=pad, value=0.0))


# -- reflection and replication: gathers along the padded dims -----------------------------------
def pad_indices(size: int, left: int, right: int, mode: str) -> np.ndarray:
    """For each output position along one dim, the input position it reads."""
    positions = np.arange(-left, size + right)
    if mode == "reflect":
        if size == 1:
            return np.zeros_like(positions)
        period = 2 * (size - 1)
        positions = np.abs(positions) % period
        return np.where(positions >= size, period - positions, positions)
    return np.clip(positions, 0, size - 1)


def _gather_dims(a: np.ndarray, indices: tuple) -> np.ndarray:
    """``a`` gathered along its last ``len(indices)`` dims, one index vector per dim."""
    first = a.ndim - len(indices)
    for k, idx in enumerate(indices):
        a = np.take(a, idx, axis=first + k)
    return a


def _scatter_dims(g: np.ndarray, indices: tuple, shape: tuple) -> np.ndarray:
    """The transpose of ``_gather_dims``: gradients added back at the indices they came from,
    into an array of ``shape`` (the gathered input's)."""
    first = len(shape) - len(indices)
    for k in reversed(range(len(indices))):
        axis = first + k
        target = list(g.shape)
        target[axis] = shape[axis]
        out = np.zeros(target, g.dtype)
        moved = np.moveaxis(out, axis, 0)
        np.add.at(moved, indices[k], np.moveaxis(g, axis, 0))
        g = out
    return g


def _gather_vjp(g: Any, input_shape: tuple, indices: tuple) -> Any:
    return PAD_GATHER_TRANSPOSE(g, indices=indices, shape=tuple(input_shape))


PAD_GATHER_TRANSPOSE = linear(
    "pad_gather_transpose", _scatter_dims, "PadGatherTransposeBackward0",
    lambda g, indices: _GATHERS["reflect", len(indices)](g, indices=indices),
    params=("indices", "shape"))

_GATHERS: dict = {}
for _mode, _name in (("reflect", "Reflection"), ("replicate", "Replication")):
    for _n in (1, 2, 3):
        _GATHERS[_mode, _n] = linear(f"{_mode}_pad{_n}d", _gather_dims,
                                     f"{_name}Pad{_n}DBackward0", _gather_vjp,
                                     params=("indices",))
REFLECTION_PAD1D, REFLECTION_PAD2D, REFLECTION_PAD3D = (_GATHERS["reflect", n] for n in (1, 2, 3))
REPLICATION_PAD1D, REPLICATION_PAD2D, REPLICATION_PAD3D = (_GATHERS["replicate", n]
                                                           for n in (1, 2, 3))


def gather_pad(input: Any, pad: tuple, mode: str) -> Any:
    """``input`` padded by ``mode`` ('reflect' or 'replicate') on its last ``len(pad) // 2``
    dims, through the op torch names for that count."""
    n = len(pad) // 2
    shape = tuple(input.shape)
    indices = tuple(pad_indices(shape[-n + k], pad[2 * (n - 1 - k)], pad[2 * (n - 1 - k) + 1],
                                mode) for k in range(n))
    return _GATHERS[mode, n](input, indices=indices)


__all__ = ["CONSTANT_PAD_ND", "PAD_GATHER_TRANSPOSE", "REFLECTION_PAD1D", "REFLECTION_PAD2D",
           "REFLECTION_PAD3D", "REPLICATION_PAD1D", "REPLICATION_PAD2D", "REPLICATION_PAD3D",
           "gather_pad", "pad_indices"]
