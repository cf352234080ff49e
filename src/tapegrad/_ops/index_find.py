"""Finding values: ``isin``, ``unique_consecutive`` and ``unravel_index`` (integer or boolean
results, so no derivative), with torch's signatures and result dtypes.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .. import _dtype
from .._tensor import Tensor, _wrap_dim


def _array(x: Any) -> np.ndarray:
    return x._data if isinstance(x, Tensor) else np.asarray(x)


def isin(elements: Any, test_elements: Any, *, assume_unique: bool = False,
         invert: bool = False) -> Tensor:
    """A bool tensor of ``elements``' shape: whether each element occurs in
    ``test_elements`` (``invert=True``: does not).  Either may be a number::

        tapegrad.isin(tapegrad.tensor([1, 2, 3]), tapegrad.tensor([2, 5]))
        # tensor([False,  True, False])
    """
    a, b = _array(elements), _array(test_elements)
    common = _dtype.result_dtype(a, b) if isinstance(elements, Tensor) or isinstance(
        test_elements, Tensor) else np.result_type(a, b)
    found = np.isin(a.astype(common), b.astype(common), assume_unique=bool(assume_unique),
                    invert=bool(invert))
    return Tensor._make(np.asarray(found, np.bool_))


def unique_consecutive(input: Tensor, return_inverse: bool = False,
                       return_counts: bool = False, dim: int | None = None) -> Any:
    """``input`` with each run of equal consecutive elements (slices along ``dim``; without
    ``dim``, of the flattened tensor) kept once; optionally the index of each element's run
    (``return_inverse``, ``input``'s shape; along ``dim``, one per slice) and each run's
    length (``return_counts``)::

        tapegrad.unique_consecutive(tapegrad.tensor([1, 1, 2, 1]), return_counts=True)
        # (tensor([1, 2, 1]), tensor([2, 1, 1]))
    """
    data = input._data
    if dim is None:
        flat = data.reshape(-1)
        starts = np.ones(flat.shape[0], bool)
        starts[1:] = flat[1:] != flat[:-1]
        values = flat[starts]
        inverse_shape = data.shape
    else:
        d = _wrap_dim(dim, data.ndim)
        moved = np.moveaxis(data, d, 0)
        rows = moved.reshape(moved.shape[0], -1)
        starts = np.ones(rows.shape[0], bool)
        starts[1:] = (rows[1:] != rows[:-1]).any(axis=1)
        values = np.moveaxis(moved[starts], 0, d)
        inverse_shape = (rows.shape[0],)
    run = np.cumsum(starts) - 1
    result = [Tensor._make(np.ascontiguousarray(values))]
    if return_inverse:
        result.append(Tensor._make(run.astype(np.int64).reshape(inverse_shape)))
    if return_counts:
        bounds = np.append(np.flatnonzero(starts), starts.shape[0])
        result.append(Tensor._make(np.diff(bounds).astype(np.int64)))
    return result[0] if len(result) == 1 else tuple(result)


def unravel_index(indices: Tensor, shape: Any) -> tuple:
    """The coordinates, one int64 tensor per dim of ``shape``, of the flat (row-major)
    ``indices``: ``unravel_index(tapegrad.tensor(4), (2, 3))`` is ``(tensor(1), tensor(1))``."""
    if not isinstance(indices, Tensor):
        raise AttributeError(f"'{type(indices).__name__}' object has no attribute 'is_complex'")
    if indices.dtype.np.kind not in "iu":
        raise TypeError(f"expected 'indices' to be integer dtype, but got {indices.dtype}")
    shape = (int(shape),) if isinstance(shape, (int, np.integer)) else tuple(int(s)
                                                                              for s in shape)
    if any(s < 0 for s in shape):
        raise ValueError(f"'shape' cannot have negative values, but got {shape}")
    rest = indices._data.astype(np.int64)
    coords = []
    for size in reversed(shape):  # the last dim varies fastest
        coords.append(rest % size if size else rest * 0)
        rest = rest // size if size else rest
    return tuple(Tensor._make(np.asarray(c, np.int64)) for c in reversed(coords))
