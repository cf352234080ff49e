"""Public shape, indexing and comparison helpers with torch's signatures (reshape, cat, x[i]...).

Like ``_api.py``, these only normalise and check arguments, then pick the op torch would record.
"""
from __future__ import annotations

import builtins
import math
from typing import Any, Sequence

import numpy as np

from . import _dtype
from ._api import _accepts_numpy_names, _dims, _out
from ._ops import _transforms, elementwise as E, shape as S
from ._tensor import Tensor, _wrap_dim, writable


# -- shapes --------------------------------------------------------------------------------------
def _shape_arg(shape: Sequence[Any]) -> tuple:
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = shape[0]
    return tuple(map(builtins.int, shape))


def _infer_shape(shape: tuple, numel: int) -> tuple:
    """Resolve one ``-1`` and check the element count, with torch's messages."""
    inferred = shape.count(-1)
    if inferred > 1:
        raise RuntimeError("only one dimension can be inferred")
    known = math.prod(shape) * (-1 if inferred else 1)
    if inferred:
        if known == 0 and numel == 0:
            raise RuntimeError(f"cannot reshape tensor of 0 elements into shape {list(shape)} "
                               "because the unspecified dimension size -1 can be any value and "
                               "is ambiguous")
        if known == 0 or numel % known:
            raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
        shape = tuple(numel // known if s == -1 else s for s in shape)
    elif known != numel:
        raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
    return shape


def _can_view(a: np.ndarray, shape: tuple) -> bool:
    if a.flags.c_contiguous:  # any shape of a contiguous array is a view of it
        return True
    return np.may_share_memory(a.reshape(shape), a) or a.size == 0


def reshape(input: Tensor, shape: Sequence[int]) -> Tensor:
    """The same elements in a new shape (one dimension may be -1); a copy only when needed."""
    new = _infer_shape(_shape_arg((shape,)), input.numel() if input.__class__ is not Tensor
                       else input._data.size)
    if input.__class__ is not Tensor or _can_view(input._data, new):  # batched: vmap's rule decides
        return S.RESHAPE(input, shape=new)
    return S.UNSAFE_VIEW(E.CLONE(input), shape=new)  # torch's record for a copying reshape


def view(input: Tensor, *shape: Any) -> Tensor:
    """Like reshape, but the result always shares memory with ``input``."""
    if len(shape) == 1 and not isinstance(shape[0], (tuple, list, builtins.int)):
        return input.to(shape[0])  # view(dtype)
    new = _infer_shape(_shape_arg(shape), input.numel())
    if input.__class__ is Tensor and not _can_view(input._data, new):
        raise RuntimeError("view size is not compatible with input tensor's size and stride (at "
                           "least one dimension spans across two contiguous subspaces). Use "
                           ".reshape(...) instead.")
    return S.RESHAPE(input, shape=new)


def flatten(input: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """Merge dimensions ``start_dim..end_dim`` into one."""
    if input.ndim == 0:
        return S.RESHAPE(input, shape=(1,))
    s, e = _wrap_dim(start_dim, input.ndim), _wrap_dim(end_dim, input.ndim)
    shape = input.shape
    merged = 1
    for n in shape[s:e + 1]:
        merged *= n
    new = tuple(shape[:s]) + (merged,) + tuple(shape[e + 1:])
    return input if new == tuple(shape) else S.RESHAPE(input, shape=new)


@_accepts_numpy_names
def squeeze(input: Tensor, dim: Any = None) -> Tensor:
    """Remove dimensions of size 1 (all, or those named by ``dim``)."""
    shape = input.shape
    if dim is None:
        return S.SQUEEZE(input, shape=tuple(s for s in shape if s != 1))
    dims = _dims(dim, input.ndim)
    return S.SQUEEZE_DIM(input, shape=tuple(s for i, s in enumerate(shape)
                                            if not (i in dims and s == 1)))


@_accepts_numpy_names
def unsqueeze(input: Tensor, dim: int) -> Tensor:
    """Insert a dimension of size 1 at ``dim``."""
    d = _wrap_dim(dim, input.ndim + 1)
    shape = tuple(input.shape)
    return S.UNSQUEEZE(input, shape=shape[:d] + (1,) + shape[d:])


def permute(input: Tensor, *dims: Any) -> Tensor:
    """Reorder the dimensions."""
    order = tuple(_wrap_dim(d, input.ndim) for d in _shape_arg(dims))
    if len(order) != input.ndim:
        raise RuntimeError(f"permute(sparse_coo): number of dimensions in the tensor input does "
                           f"not match the length of the desired ordering of dimensions i.e. "
                           f"input.dim() = {input.ndim} is not equal to len(dims) = {len(order)}")
    if len(set(order)) != len(order):
        raise RuntimeError("permute(): duplicate dims are not allowed.")
    return S.PERMUTE(input, dims=order)


@_accepts_numpy_names
def transpose(input: Tensor, dim0: int, dim1: int) -> Tensor:
    """Swap two dimensions."""
    return S.TRANSPOSE(input, dim0=_wrap_dim(dim0, input.ndim), dim1=_wrap_dim(dim1, input.ndim))


swapaxes = swapdims = transpose


def t(input: Tensor) -> Tensor:
    """Transpose a matrix (0-D and 1-D tensors are returned as is)."""
    if input.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {input.ndim}D")
    return S.T_OP(input)


def expand(input: Tensor, *sizes: Any) -> Tensor:
    """Broadcast to a larger shape without copying; -1 keeps a dimension."""
    target = _shape_arg(sizes)
    lead = len(target) - input.ndim
    if lead < 0:
        raise RuntimeError(f"expand({input.dtype.__repr__().replace('tapegrad.', 'torch.')}"
                           f"{{{list(input.shape)}}}, size={list(target)}): the number of sizes "
                           "provided must be greater or equal to the number of dimensions in the tensor")
    shape = tuple(input.shape)
    out = []
    for i, s in enumerate(target):
        old = shape[i - lead] if i >= lead else None
        if s == -1:
            s = old
        elif old is not None and old != 1 and old != s:
            raise RuntimeError(f"The expanded size of the tensor ({s}) must match the existing size "
                               f"({old}) at non-singleton dimension {i}.  Target sizes: "
                               f"{list(target)}.  Tensor sizes: {list(shape)}")
        out.append(s)
    return S.EXPAND(input, shape=tuple(out))


def broadcast_to(input: Tensor, size: Sequence[int]) -> Tensor:
    """``input`` broadcast to ``size`` without copying (the same as ``input.expand(size)``)."""
    return expand(input, tuple(size))


def expand_as(input: Tensor, other: Tensor) -> Tensor:
    """``input`` expanded to ``other``'s shape without copying."""
    return expand(input, tuple(other.shape))


def repeat(input: Tensor, *sizes: Any) -> Tensor:
    """Tile the tensor ``sizes[i]`` times along each dimension."""
    reps = _shape_arg(sizes)
    if len(reps) < input.ndim:
        raise RuntimeError("Number of dimensions of repeat dims can not be smaller than number of "
                           "dimensions of tensor")
    return S.REPEAT(input, repeats=reps)


@_accepts_numpy_names
def cat(tensors: Sequence[Tensor], dim: int = 0, *, out: Tensor | None = None) -> Tensor:
    """Join tensors along an existing dimension."""
    shapes = [t._data.shape if t.__class__ is Tensor else tuple(t.shape) for t in tensors]
    for k, shape in enumerate(shapes):
        if not shape:
            raise RuntimeError(f"zero-dimensional tensor (at position {k}) cannot be "
                               "concatenated")
    if any(s == (0,) for s in shapes):  # empty 1-D tensors are skipped, as in torch
        kept = [k for k, s in enumerate(shapes) if s != (0,)] or [0]
        tensors, shapes = [tensors[k] for k in kept], [shapes[k] for k in kept]
    first = shapes[0]
    d = _wrap_dim(dim, len(first))
    for k, shape in enumerate(shapes[1:], 1):
        if len(shape) != len(first):
            raise RuntimeError(f"Tensors must have same number of dimensions: got {len(first)} "
                               f"and {len(shape)}")
        if shape[:d] != first[:d] or shape[d + 1:] != first[d + 1:]:
            i = next(i for i, (a, b) in enumerate(zip(first, shape)) if i != d and a != b)
            raise RuntimeError(f"Sizes of tensors must match except in dimension {d}. Expected "
                               f"size {first[i]} but got size {shape[i]} for tensor number {k} "
                               "in the list.")
    return _out(S.CAT(*tensors, dim=d, sizes=tuple(s[d] for s in shapes)), out)


concat = concatenate = cat


@_accepts_numpy_names
def stack(tensors: Sequence[Tensor], dim: int = 0, *, out: Tensor | None = None) -> Tensor:
    """Join tensors of equal shape along a new dimension."""
    for k, t in enumerate(tensors[1:], 1):
        if t.shape != tensors[0].shape:
            raise RuntimeError(f"stack expects each tensor to be equal size, but got "
                               f"{list(tensors[0].shape)} at entry 0 and {list(t.shape)} at entry {k}")
    d = _wrap_dim(dim, tensors[0].ndim + 1)
    return _out(S.STACK(*tensors, dim=d, count=len(tensors)), out)


@_accepts_numpy_names
def split(tensor: Tensor, split_size_or_sections: Any, dim: int = 0) -> tuple:
    """Pieces of ``split_size`` along ``dim`` (the last may be smaller), or of the given sizes."""
    d = _wrap_dim(dim, tensor.ndim)
    n = tensor.shape[d]
    if isinstance(split_size_or_sections, (list, tuple)):
        sizes = tuple(split_size_or_sections)
        if builtins.sum(sizes) != n:
            raise RuntimeError(f"split_with_sizes expects split_sizes to sum exactly to {n} (input "
                               f"tensor's size at dimension {d}), but got split_sizes={list(sizes)}")
    else:
        step = builtins.int(split_size_or_sections)
        sizes = tuple(builtins.min(step, n - i) for i in range(0, n, step)) or (0,)
    return S.SPLIT(tensor, dim=d, sizes=sizes)


@_accepts_numpy_names
def chunk(input: Tensor, chunks: int, dim: int = 0) -> tuple:
    """Split into ``chunks`` nearly equal pieces (fewer if the size does not allow)."""
    n = input.shape[_wrap_dim(dim, input.ndim)]
    step = -(-n // chunks)
    return split(input, builtins.max(step, 1), dim)


@_accepts_numpy_names
def unbind(input: Tensor, dim: int = 0) -> tuple:
    """All slices along ``dim``, as a tuple."""
    return S.UNBIND(input, dim=_wrap_dim(dim, input.ndim))


def narrow(input: Tensor, dim: int, start: int, length: int) -> Tensor:
    """The slice ``start:start + length`` along ``dim``, as a view; ``start`` may be negative.

    ``tapegrad.narrow(x, 1, 0, 2)`` is ``x[:, 0:2]``.
    """
    d = _wrap_dim(dim, input.ndim)
    return S.NARROW(input, dim=d, start=start % input.shape[d] if start < 0 else start,
                    length=length)


def atleast_1d(input: Tensor) -> Tensor:
    """``input`` with at least one dimension (a 0-D tensor becomes shape (1,))."""
    return input if input.ndim >= 1 else S.RESHAPE(input, shape=(1,))


def atleast_2d(input: Tensor) -> Tensor:
    """``input`` with at least two dimensions (new ones in front)."""
    return input if input.ndim >= 2 else S.RESHAPE(input, shape=(1,) * (2 - input.ndim) +
                                                   tuple(input.shape))


def atleast_3d(input: Tensor) -> Tensor:
    """``input`` with at least three dimensions: (n,) becomes (1, n, 1), (m, n) (m, n, 1)."""
    if input.ndim >= 3:
        return input
    shape = {0: (1, 1, 1), 1: (1, input.numel(), 1)}.get(input.ndim, tuple(input.shape) + (1,))
    return S.RESHAPE(input, shape=shape)


def roll(input: Tensor, shifts: Any, dims: Any = None) -> Tensor:
    """Shift elements by ``shifts`` along ``dims`` (ints or tuples), wrapping around; with no
    dims, along the flattened tensor (the shape is kept)."""
    shifts = tuple(shifts) if isinstance(shifts, (tuple, list)) else (shifts,)
    if dims is None:
        if len(shifts) != 1:
            raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shifts)}, dims:0")
        return S.ROLL(input, shifts=(builtins.int(shifts[0]),), dims=None)
    dims = tuple(dims) if isinstance(dims, (tuple, list)) else (dims,)
    if len(shifts) != len(dims):
        raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shifts)}, "
                           f"dims:{len(dims)}")
    return S.ROLL(input, shifts=tuple(builtins.int(k) for k in shifts),
                  dims=tuple(_wrap_dim(d, input.ndim) for d in dims))


def movedim(input: Tensor, source: Any, destination: Any) -> Tensor:
    """The dimensions ``source`` (int or tuple) moved to positions ``destination``, the
    others keeping their order."""
    src = source if isinstance(source, (tuple, list)) else (source,)
    dst = destination if isinstance(destination, (tuple, list)) else (destination,)
    if len(src) != len(dst):
        raise RuntimeError(f"movedim: Invalid source or destination dims: source ({list(src)} "
                           f"dims) should contain the same number of dims as destination "
                           f"({list(dst)} dims)")
    src = [_wrap_dim(d, input.ndim) for d in src]
    dst = [_wrap_dim(d, input.ndim) for d in dst]
    rest = iter(d for d in range(input.ndim) if d not in src)
    placed = dict(zip(dst, src))
    order = tuple(placed[i] if i in placed else next(rest) for i in range(input.ndim))
    return input if order == tuple(range(input.ndim)) else S.PERMUTE(input, dims=order)


moveaxis = movedim


def unflatten(input: Tensor, dim: int, sizes: Sequence[int]) -> Tensor:
    """Split dimension ``dim`` into ``sizes`` (one may be -1)."""
    d = _wrap_dim(dim, input.ndim)
    sizes = _infer_shape(tuple(sizes), input.shape[d])
    return reshape(input, tuple(input.shape[:d]) + sizes + tuple(input.shape[d + 1:]))


def broadcast_shape(*shapes: tuple) -> tuple:
    """The common shape of ``shapes`` under broadcasting, with torch's error (which names the
    shape broadcast so far as tensor a) when they do not broadcast."""
    out: tuple = ()
    for shape in shapes:
        n = builtins.max(len(out), len(shape))
        a, b = (1,) * (n - len(out)) + out, (1,) * (n - len(shape)) + tuple(shape)
        for i in range(n - 1, -1, -1):
            if a[i] != b[i] and a[i] != 1 and b[i] != 1:
                raise RuntimeError(f"The size of tensor a ({a[i]}) must match the size of tensor "
                                   f"b ({b[i]}) at non-singleton dimension {i}")
        out = tuple(x if y == 1 else y for x, y in zip(a, b))
    return out


def broadcast_tensors(*tensors: Tensor) -> tuple:
    """The tensors expanded to their common broadcast shape."""
    shape = broadcast_shape(*(tuple(t.shape) for t in tensors))
    return tuple(t if tuple(t.shape) == shape else expand(t, shape) for t in tensors)


def masked_fill(input: Tensor, mask: Tensor, value: Any) -> Tensor:
    """``input`` with ``value`` where the bool ``mask`` (broadcast to its shape) is True."""
    if mask.dtype is not _dtype.bool:
        c_type = {"int64": "long int", "int32": "int", "int16": "short int", "int8": "signed char",
                  "uint8": "unsigned char", "float32": "float", "float64": "double",
                  "float16": "c10::Half"}.get(mask.dtype.np.name, mask.dtype.np.name)
        raise RuntimeError(f"masked_fill_ only supports boolean masks, but got mask with dtype "
                           f"{c_type}")
    if isinstance(value, Tensor):
        if value.ndim:
            raise RuntimeError(f"masked_fill_ only supports a 0-dimensional value tensor, but got "
                               f"tensor with {value.ndim} dimension(s).")
        if value.requires_grad:  # the value's gradient flows too
            return E.WHERE(mask, value.to(input.dtype), input)
        value = value.item()
    return E.MASKED_FILL(input, mask, value=value)


def clone(input: Tensor, *, memory_format: Any = None) -> Tensor:
    """A copy that stays in the graph (gradients flow back to ``input``)."""
    return E.CLONE(input)


def detach(input: Tensor) -> Tensor:
    """A tensor sharing ``input``'s data but outside the autograd graph (no ``grad_fn``)."""
    return input.detach()


def numel(input: Tensor) -> int:
    """Total number of elements in ``input``."""
    return input.numel()


def is_tensor(obj: Any) -> bool:
    """True if ``obj`` is a tapegrad Tensor."""
    return isinstance(obj, Tensor)


def is_floating_point(input: Tensor) -> bool:
    """True if ``input`` has a floating-point dtype (float16, float32 or float64)."""
    return input.is_floating_point()


def allclose(input: Tensor, other: Tensor, rtol: float = 1e-05, atol: float = 1e-08,
             equal_nan: bool = False) -> bool:
    """True if ``|input - other| <= atol + rtol * |other|`` for every element.

    NaNs compare equal only with ``equal_nan=True``.  See ``isclose`` for the elementwise test.
    """
    return builtins.bool(np.allclose(input._data, other._data, rtol, atol, equal_nan))


def isclose(input: Tensor, other: Tensor, rtol: float = 1e-05, atol: float = 1e-08,
            equal_nan: bool = False) -> Tensor:
    """Bool tensor: where ``|input - other| <= atol + rtol * |other|`` holds (see ``allclose``)."""
    return Tensor._make(np.isclose(input._data, other._data, rtol, atol, equal_nan))


def equal(input: Tensor, other: Tensor) -> bool:
    """True if both tensors have the same shape and the same elements."""
    return input.shape == other.shape and builtins.bool(np.array_equal(input._data, other._data))


# -- indexing ------------------------------------------------------------------------------------
def _index(index: Any, shape: tuple) -> Any:
    """Turn tensors inside an index into arrays and check integer bounds like torch."""
    items = index if isinstance(index, tuple) else (index,)
    arrays = []
    for item in items:
        if isinstance(item, Tensor):
            item = item._data
            if item.ndim == 0 and item.dtype.kind in "iu":
                item = builtins.int(item)
        elif isinstance(item, list):
            item = np.asarray([i._data if isinstance(i, Tensor) else i for i in item])
        arrays.append(item)
    dim = 0  # the dimension of the input the next item indexes
    seen = 0  # index arrays so far: torch names an array's dimension by its position among them
    for k, item in enumerate(arrays):
        if item is Ellipsis:  # the items after it index the last dimensions
            dim = len(shape) - builtins.sum(_dims_taken(i) for i in arrays[k + 1:])
            continue
        if item.__class__ is np.ndarray:
            if item.dtype.kind in "iu" and item.size and dim < len(shape):
                n = shape[dim]
                bad = (item < -n) | (item >= n)
                if bad.any():
                    raise IndexError(f"index {builtins.int(item[bad].flat[0])} is out of bounds "
                                     f"for dimension {seen} with size {n}")
            seen += item.ndim if item.dtype.kind == "b" else 1
            dim += item.ndim if item.dtype.kind == "b" else 1
        elif isinstance(item, (builtins.int, np.integer)) and not isinstance(item, builtins.bool):
            if not shape:
                raise IndexError("invalid index of a 0-dim tensor. Use `tensor.item()` in Python or "
                                 "`tensor.item<T>()` in C++ to convert a 0-dim tensor to a number")
            if dim >= len(shape):
                raise IndexError(f"too many indices for tensor of dimension {len(shape)}")
            if not -shape[dim] <= item < shape[dim]:
                raise IndexError(f"index {item} is out of bounds for dimension {dim} with size "
                                 f"{shape[dim]}")
            dim += 1
        elif item is not None:
            dim += 1
    return tuple(arrays) if isinstance(index, tuple) else arrays[0]


def _torch_order(index: Any, shape: tuple) -> Any:
    """The index NumPy needs to place the indexed dimensions where torch places them.

    torch applies the integers of an index first (as ``select``), so they do not separate the
    index arrays: ``x[0, :, [1, 2]]`` is ``x[0][:, [1, 2]]``, shape (3, 2) for x of (2, 3, 4),
    where NumPy, counting the 0 as an index array, moves the indexed dimension to the front.
    Only then (arrays and integers together, not adjacent in NumPy's sense, adjacent once the
    integers are gone) is the index rewritten, as the positions the two steps pick, one integer
    array per dimension.
    """
    if not isinstance(index, tuple):
        return index
    advanced = [k for k, i in enumerate(index) if i.__class__ is np.ndarray
                or (isinstance(i, (builtins.int, np.integer)) and not isinstance(i, builtins.bool))]
    arrays = [k for k in advanced if index[k].__class__ is np.ndarray]
    if not arrays or len(arrays) == len(advanced) or advanced[-1] - advanced[0] == len(advanced) - 1:
        return index  # no integers among arrays, or NumPy's group is adjacent: same as torch
    if any(k not in advanced for k in range(arrays[0], arrays[-1] + 1)
           if index[k].__class__ is not np.ndarray and not isinstance(index[k], (builtins.int, np.integer))):
        return index  # arrays separated by slices or None: both put their dimensions first
    first = tuple(item if item.__class__ is not np.ndarray
                  else (slice(None),) * (item.ndim if item.dtype.kind == "b" else 1)
                  for item in index)
    first = tuple(x for item in first for x in (item if isinstance(item, tuple) else (item,)))
    second = tuple(item if item.__class__ is np.ndarray or item is Ellipsis else slice(None)
                   for item in index
                   if not (isinstance(item, (builtins.int, np.integer))
                           and not isinstance(item, builtins.bool)))
    positions = np.arange(math.prod(shape), dtype=np.intp).reshape(shape)[first][second]
    return np.unravel_index(positions, shape)


def _numpy_index_error(exc: IndexError) -> IndexError:
    """NumPy's message for an integer array index out of bounds, in torch's words."""
    return IndexError(str(exc).replace(" for axis ", " for dimension "))


def _dims_taken(item: Any) -> int:
    """How many dimensions of the input an index item consumes."""
    if item is None or item is Ellipsis:
        return 0
    return item.ndim if isinstance(item, np.ndarray) and item.dtype == bool else 1


def getitem(input: Tensor, index: Any) -> Tensor:
    if _transforms.active and _batched_items(index):  # an index tensor batched by vmap
        from ._vmap import batched_getitem
        return batched_getitem(input, index)
    if index.__class__ is builtins.int and input.__class__ is Tensor and input._data.ndim:
        n = input._data.shape[0]  # x[i], the common case: the checks of _index, inline
        if not -n <= index < n:
            raise IndexError(f"index {index} is out of bounds for dimension 0 with size {n}")
        return S.INDEX_SELECT(input, index=index)
    shape = input._data.shape if input.__class__ is Tensor else tuple(input.shape)
    idx = _index(index, shape)
    try:
        idx = _torch_order(idx, shape)
        return S.index_op_for(idx)(input, index=idx)
    except IndexError as exc:
        raise _numpy_index_error(exc) from None


def _selects(index: Any) -> bool:
    """Whether an advanced index also selects, slices or adds dimensions (an integer, a slice
    other than ``:``, None): torch then writes through a view, recorded as CopySlices."""
    items = index if isinstance(index, tuple) else (index,)
    return any(i is None or (isinstance(i, slice) and i != slice(None))
               or (isinstance(i, (builtins.int, np.integer)) and not isinstance(i, builtins.bool))
               for i in items)


def _batched_items(index: Any) -> bool:
    items = index if isinstance(index, tuple) else (index,)
    return any(isinstance(i, Tensor) and i.__class__ is not Tensor for i in items)


def setitem(input: Tensor, index: Any, value: Any) -> None:
    idx = _index(index, input.shape)
    if (isinstance(value, Tensor) and not value._requires_grad and not input._requires_grad
            and not _transforms.active):  # plain values are cheaper; a transform must see the Tensor
        value = value._data
    if (input.__class__ is Tensor and not input._data.flags.writeable and S._is_basic(idx)
            and not input._requires_grad and not isinstance(value, Tensor)):
        # a slice of an expanded tensor: torch writes it (a row of x.expand(2, 3) is one copy of
        # the memory), unless the slice itself repeats memory
        np.copyto(writable(S._getitem(input._data, idx), overlap_ok=False), value,
                  casting="unsafe")
        input._bump()
        return
    op = S.INDEX_PUT if S._is_basic(idx) or _selects(idx) else S.INDEX_PUT_ADVANCED
    try:
        idx = _torch_order(idx, tuple(input.shape))
        input._inplace(op, value, index=idx)
    except IndexError as exc:
        raise _numpy_index_error(exc) from None

