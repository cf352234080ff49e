"""Collation: turning a list of samples into one batch, by torch's rules.

``default_collate`` (what ``DataLoader`` uses when it batches) looks at the first sample's type:

* tensors are stacked along a new first dimension;
* NumPy arrays become tensors and are stacked; NumPy scalars become a tensor;
* Python ``float`` → a float64 tensor, ``int`` → an int64 tensor (``bool`` → a bool tensor);
* ``str`` and ``bytes`` are kept as they come (the batch's list, or a tuple of them when they
  sat inside tuples or lists);
* mappings are collated key by key, named tuples field by field, and other sequences are
  transposed (a batch of ``(x, y)`` pairs becomes ``[xs, ys]``: a *list*, as in torch).

``default_convert`` (used when ``DataLoader`` does not batch) only turns NumPy arrays into
tensors, recursing through the same containers.  ``collate(batch, collate_fn_map=...)`` is the
engine behind both: extend ``default_collate_fn_map`` to teach it a new type.

Example::

    default_collate([(0, "a"), (1, "b")])   # [tensor([0, 1]), ('a', 'b')]
"""
from __future__ import annotations

import collections.abc
import copy
import re
from typing import Any, Callable

import numpy as np

import tapegrad

__all__ = ["collate", "default_collate", "default_collate_fn_map", "default_convert"]

# NumPy arrays of strings or objects (dtype.str such as '<U3', '|S2', '|O') are left alone.
_STRING_OR_OBJECT_ARRAY = re.compile(r"[SaUO]")

_ERROR_FORMAT = ("default_collate: batch must contain tensors, numpy arrays, numbers, dicts or "
                 "lists; found {}")


def _rebuild_like(template: Any, items: Callable[[], Any], mapping: bool) -> Any:
    """A container of ``template``'s type holding ``items()``: a shallow copy updated in place
    for mutable types (keeps subclasses' extra state), else the type called on the items, else a
    plain dict/list when the type cannot be built that way (torch's fallbacks)."""
    values = items()
    try:
        if mapping:
            if isinstance(template, collections.abc.MutableMapping):
                clone = copy.copy(template)
                clone.update(values)
                return clone
            return type(template)(values)
        if isinstance(template, collections.abc.MutableSequence):
            clone = copy.copy(template)
            for i, value in enumerate(values):
                clone[i] = value
            return clone
        return type(template)(values)
    except TypeError:
        return dict(values) if mapping else list(values)


def default_convert(data: Any) -> Any:
    """Turn NumPy arrays (and NumPy scalars) inside ``data`` into tensors; leave the rest.

    Tuples come back as lists and named tuples as named tuples, as in torch.
    """
    elem_type = type(data)
    if isinstance(data, tapegrad.Tensor):
        return data
    if elem_type.__module__ == "numpy" and elem_type.__name__ not in ("str_", "string_"):
        if (elem_type.__name__ == "ndarray"
                and _STRING_OR_OBJECT_ARRAY.search(data.dtype.str) is not None):
            return data
        return tapegrad.as_tensor(data)
    if isinstance(data, collections.abc.Mapping):
        return _rebuild_like(data, lambda: {key: default_convert(data[key]) for key in data}, True)
    if isinstance(data, tuple) and hasattr(data, "_fields"):  # a named tuple
        return elem_type(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]
    if isinstance(data, collections.abc.Sequence) and not isinstance(data, (str, bytes)):
        return _rebuild_like(data, lambda: [default_convert(d) for d in data], False)
    return data


def collate(batch: list, *, collate_fn_map: "dict | None" = None) -> Any:
    """Collate ``batch`` (a list of samples) by the type of its first element.

    ``collate_fn_map`` maps a type (or tuple of types) to a function ``fn(batch, *,
    collate_fn_map)``; the exact type is looked up first, then each key in order with
    ``isinstance``.  Containers (mappings, named tuples, sequences) recurse.
    """
    elem = batch[0]
    elem_type = type(elem)
    if collate_fn_map is not None:
        if elem_type in collate_fn_map:
            return collate_fn_map[elem_type](batch, collate_fn_map=collate_fn_map)
        for collate_type in collate_fn_map:
            if isinstance(elem, collate_type):
                return collate_fn_map[collate_type](batch, collate_fn_map=collate_fn_map)
    if isinstance(elem, collections.abc.Mapping):
        return _rebuild_like(elem, lambda: {key: collate([d[key] for d in batch],
                                                         collate_fn_map=collate_fn_map)
                                            for key in elem}, True)
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):  # a named tuple
        return elem_type(*(collate(samples, collate_fn_map=collate_fn_map)
                           for samples in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        size = len(elem)
        if not all(len(sample) == size for sample in batch):
            raise RuntimeError("each element in list of batch should be of equal size")
        transposed = list(zip(*batch))
        columns = lambda: [collate(samples, collate_fn_map=collate_fn_map)  # noqa: E731
                           for samples in transposed]
        if isinstance(elem, tuple):
            return columns()  # a list, not a tuple: torch keeps this for backward compatibility
        return _rebuild_like(elem, columns, False)
    raise TypeError(_ERROR_FORMAT.format(elem_type))


def collate_tensor_fn(batch: list, *, collate_fn_map: "dict | None" = None) -> tapegrad.Tensor:
    """Stack equally shaped tensors along a new first dimension."""
    return tapegrad.stack(batch, 0)


def collate_numpy_array_fn(batch: list, *, collate_fn_map: "dict | None" = None) -> Any:
    """NumPy arrays become tensors, then collate as tensors (string/object arrays are refused)."""
    elem = batch[0]
    if _STRING_OR_OBJECT_ARRAY.search(elem.dtype.str) is not None:
        raise TypeError(_ERROR_FORMAT.format(elem.dtype))
    return collate([tapegrad.as_tensor(b) for b in batch], collate_fn_map=collate_fn_map)


def collate_numpy_scalar_fn(batch: list, *, collate_fn_map: "dict | None" = None) -> Any:
    """NumPy scalars become one 1-D tensor of their dtype (mixed dtypes promote as tensors do:
    int8 with uint8 gives int16, as in torch)."""
    # Each scalar as a 0-d tensor of its own dtype, then stacked, so that NumPy's dtypes (not
    # Python's int/float) decide the result, as torch.as_tensor does for a list of them.
    return tapegrad.stack([tapegrad.as_tensor(np.asarray(scalar)) for scalar in batch])


def collate_float_fn(batch: list, *, collate_fn_map: "dict | None" = None) -> tapegrad.Tensor:
    """Python floats become a float64 tensor (not the default float32), as in torch."""
    return tapegrad.tensor(batch, dtype=tapegrad.float64)


def collate_int_fn(batch: list, *, collate_fn_map: "dict | None" = None) -> tapegrad.Tensor:
    """Python ints become an int64 tensor (bools a bool tensor)."""
    return tapegrad.tensor(batch)


def collate_str_fn(batch: list, *, collate_fn_map: "dict | None" = None) -> list:
    """Strings and bytes stay as they are: the batch is their list."""
    return batch


default_collate_fn_map: dict = {
    tapegrad.Tensor: collate_tensor_fn,
    np.ndarray: collate_numpy_array_fn,
    (np.bool_, np.number, np.object_): collate_numpy_scalar_fn,
    float: collate_float_fn,
    int: collate_int_fn,
    str: collate_str_fn,
    bytes: collate_str_fn,
}


def default_collate(batch: list) -> Any:
    """Merge a list of samples into a batch by torch's rules (see the module's help).

    Examples::

        default_collate([0, 1, 2, 3])                       # tensor([0, 1, 2, 3])
        default_collate([{"A": 0, "B": 1}, {"A": 100, "B": 100}])
        # {'A': tensor([  0, 100]), 'B': tensor([  1, 100])}
        default_collate([(0, 1), (2, 3)])                   # [tensor([0, 2]), tensor([1, 3])]
    """
    return collate(batch, collate_fn_map=default_collate_fn_map)
