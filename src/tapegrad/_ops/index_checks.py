"""Argument checks and index arithmetic shared by the selecting and splitting functions of
``tapegrad._surface.indexing``: torch's error messages for bad dims, sizes and split points,
and the NumPy indices the diagonal writers use.  Plain Python on shapes; no ops here.
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from .._tensor import Tensor, _wrap_dim


def _size_list(shape: Any) -> str:
    return "[" + ", ".join(str(s) for s in shape) + "]"


def check_select(input: Tensor, dim: int, index: int) -> int:
    """``index`` wrapped into range along ``dim``, with torch's IndexError when outside."""
    size = input.shape[dim]
    if not -size <= index < size:
        raise IndexError(f"select(): index {index} out of range for tensor of size "
                         f"{_size_list(input.shape)} at dimension {dim}")
    return int(index) % size


def check_slice_size(src: Tensor, expected: tuple) -> None:
    if tuple(src.shape) != tuple(expected):
        raise RuntimeError("expected src to have a size equal to the slice of self. src size = "
                           f"{_size_list(src.shape)}, slice size = {_size_list(expected)}")


def slice_bounds(size: int, start: int | None, end: int | None) -> tuple:
    """``start``/``end`` of a slice clamped into ``[0, size]`` as Python slicing does."""
    start, end, _ = slice(start, end).indices(size)
    return start, max(end, start)


def diagonal_dims(ndim: int, dim1: int, dim2: int) -> tuple:
    d1, d2 = _wrap_dim(dim1, ndim), _wrap_dim(dim2, ndim)
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    return d1, d2


def fill_diagonal_index(shape: tuple, wrap: bool) -> tuple:
    """The NumPy index of the places ``fill_diagonal_`` writes."""
    if len(shape) < 2:
        raise RuntimeError("dimensions must larger than 1")
    if len(shape) > 2 and len(set(shape)) != 1:
        raise RuntimeError("all dimensions of input must be of equal length")
    if len(shape) > 2:
        k = np.arange(shape[0])
        return (k,) * len(shape)
    rows, cols = shape
    if wrap and rows > cols:  # the flat stride cols + 1 runs on past the square part
        flat = np.arange(0, rows * cols, cols + 1)
        return (flat // cols, flat % cols)
    k = np.arange(min(rows, cols))
    return (k, k)


def checked_sizes(input: Tensor, split_sizes: Sequence[int], dim: int) -> tuple:
    d = _wrap_dim(dim, input.ndim)
    sizes = tuple(int(s) for s in split_sizes)
    size = input.shape[d]
    if any(s < 0 for s in sizes):
        raise RuntimeError("split_with_sizes expects split_sizes have only non-negative entries, "
                           f"but got split_sizes={_size_list(sizes)}")
    if sum(sizes) != size:
        raise RuntimeError(f"split_with_sizes expects split_sizes to sum exactly to {size} "
                           f"(input tensor's size at dimension {d}), but got "
                           f"split_sizes={_size_list(sizes)}")
    return d, sizes


def even_sizes(size: int, split_size: int) -> tuple:
    """Pieces of ``split_size`` covering ``size``, the last one shorter (torch's split)."""
    if split_size < 0:
        raise RuntimeError(f"split expects split_size be non-negative, but got split_size="
                           f"{split_size}")
    if split_size == 0:
        if size:
            raise RuntimeError(f"split_size can only be 0 if dimension size is 0, but got "
                               f"dimension size of {size}")
        return (0,)
    n = max(1, -(-size // split_size))
    return tuple(min(split_size, size - k * split_size) for k in range(n))


def split_bounds(size: int, indices_or_sections: Any, sections: Any, indices: Any) -> list:
    """``(start, end)`` of each piece of ``tensor_split``."""
    spec = indices_or_sections
    if sections is not None:
        spec = int(sections)
    elif indices is not None:
        spec = list(indices)
    if isinstance(spec, Tensor):
        if spec.ndim > 1:
            raise RuntimeError("tensor_split expected tensor_indices_or_sections to be a "
                               "zero-dimensional or one-dimensional tensor, but got a tensor "
                               f"with {spec.ndim} dims")
        if spec.dtype.np.kind not in "iu":
            raise RuntimeError("tensor_split expected tensor_indices_or_sections to have dtype "
                               f"of long, but got {spec.dtype}")
        spec = int(spec.item()) if spec.ndim == 0 else [int(v) for v in spec._data]
    if isinstance(spec, (int, np.integer)):
        n = int(spec)
        if n <= 0:
            raise RuntimeError(f"number of sections must be larger than 0, got {n}")
        base, extra = divmod(size, n)
        bounds, start = [], 0
        for k in range(n):
            length = base + (1 if k < extra else 0)
            bounds.append((start, start + length))
            start += length
        return bounds
    points = [int(p) for p in spec]
    bounds, start = [], 0
    for p in points + [size]:  # piece k is input[points[k-1]:points[k]], as Python slices
        p = min(max(p if p >= 0 else p + size, 0), size)
        bounds.append((start, max(p, start)))
        start = p
    return bounds


def check_expandable(size: tuple, shape: tuple) -> None:
    """torch's error when ``size`` cannot be expanded to ``shape`` (for ``sum_to_size``)."""
    ok = len(size) <= len(shape) and all(
        s == t or s == 1 for s, t in zip(size[::-1], shape[::-1]))
    if not ok:
        raise RuntimeError(f"size {{{_size_list(size)}}} is not expandable to size "
                           f"{{{_size_list(shape)}}}.")
