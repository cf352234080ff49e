"""Public functions with torch's signatures, on top of the declared ops.

These wrappers only normalise arguments (dims, shapes, scalars), check them with torch's error
messages, and pick the op (hence the ``grad_fn`` name) torch would record.
"""
from __future__ import annotations

import builtins
import functools
from collections import namedtuple
from typing import Any, Sequence

import numpy as np

from ._tensor import Tensor, _wrap_dim
from .autograd import grad_mode
from ._ops import elementwise as E, linalg as L, reduction as R, shape as S

def _return_type(name: str) -> type:
    """torch.return_types.NAME: a named tuple ``(values, indices)`` printed as torch prints it."""
    base = namedtuple(name, ["values", "indices"])

    def __repr__(self: Any) -> str:
        return f"tapegrad.return_types.{name}(\nvalues={self.values!r},\nindices={self.indices!r})"

    return type(name, (base,), {"__slots__": (), "__repr__": __repr__})


_max_result = _return_type("max")
_min_result = _return_type("min")


def _accepts_numpy_names(fn):
    """Accept NumPy's ``axis``/``keepdims`` for torch's ``dim``/``keepdim``, as torch does."""
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if "axis" in kwargs:
            kwargs["dim"] = kwargs.pop("axis")
        if "keepdims" in kwargs:
            kwargs["keepdim"] = kwargs.pop("keepdims")
        return fn(*args, **kwargs)
    return wrapper


def _dims(dim: Any, ndim: int) -> tuple | None:
    if dim is None:
        return None
    items = dim if isinstance(dim, (tuple, list)) else (dim,)
    return tuple(sorted(_wrap_dim(builtins.int(d), ndim) for d in items))


def _check_tensor(x: Any, fn: str) -> None:
    if not isinstance(x, Tensor):
        raise TypeError(f"{fn}(): argument 'input' (position 1) must be Tensor, not "
                        f"{type(x).__name__}")


# -- arithmetic ----------------------------------------------------------------------------------
def add(input: Any, other: Any, *, alpha: Any = 1, out: Tensor | None = None) -> Tensor:
    """``input + alpha * other`` with broadcasting."""
    return _out(E.ADD(input, other if alpha == 1 else other * alpha), out)


def sub(input: Any, other: Any, *, alpha: Any = 1, out: Tensor | None = None) -> Tensor:
    """``input - alpha * other`` with broadcasting."""
    return _out(E.SUB(input, other if alpha == 1 else other * alpha), out)


subtract = sub


def mul(input: Any, other: Any, *, out: Tensor | None = None) -> Tensor:
    """Elementwise product with broadcasting."""
    return _out(E.MUL(input, other), out)


multiply = mul


def div(input: Any, other: Any, *, rounding_mode: str | None = None,
        out: Tensor | None = None) -> Tensor:
    """True division (ints give floats); ``rounding_mode='floor'|'trunc'`` rounds the quotient."""
    if rounding_mode == "floor":
        return _out(E.FLOOR_DIVIDE(input, other), out)
    q = E.DIV(input, other)
    if rounding_mode == "trunc":
        q = E.TRUNC(q)
    return _out(q, out)


divide = true_divide = div


def rsub(input: Any, other: Any, *, alpha: Any = 1) -> Tensor:
    return E.RSUB(input, other if alpha == 1 else other * alpha)


def pow(input: Any, exponent: Any, *, out: Tensor | None = None) -> Tensor:
    """``input ** exponent`` elementwise."""
    return _out(E.pow(input, exponent), out)


def square(input: Tensor) -> Tensor:
    return E.POW(input, 2)


def _out(result: Tensor, out: Tensor | None) -> Tensor:
    """Support torch's ``out=`` argument: copy the result into ``out`` (resized as torch does)."""
    if out is None:
        return result
    if result._requires_grad and grad_mode.state.enabled:
        raise RuntimeError("out=... arguments don't support automatic differentiation, but one of "
                           "the arguments requires grad.")
    out._data = result._data.astype(out._data.dtype, copy=False) \
        if result._data.dtype.kind == out._data.dtype.kind else result._data
    out._bump()
    return out


def clamp(input: Tensor, min: Any = None, max: Any = None, *, out: Tensor | None = None) -> Tensor:
    """Limit values to [min, max] (either bound may be None)."""
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    return _out(E.CLAMP(input, min=min, max=max), out)


clip = clamp


def where(condition: Tensor, input: Any = None, other: Any = None) -> Any:
    """Pick ``input`` where ``condition`` holds, else ``other``; with one argument, nonzero()."""
    if input is None and other is None:
        return tuple(Tensor._make(i) for i in np.nonzero(condition._data))
    return E.WHERE(condition, input, other)


# -- reductions ----------------------------------------------------------------------------------
@_accepts_numpy_names
def sum(input: Tensor, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:
    """Sum of all elements, or over ``dim`` (int or tuple)."""
    _check_tensor(input, "sum")
    if dtype is not None:
        input = input.to(dtype)
    dims = _dims(dim, input.ndim)
    if dims is None:
        return R.SUM(input, dim=None, keepdim=False)
    return R.SUM_DIM(input, dim=dims, keepdim=keepdim)


@_accepts_numpy_names
def mean(input: Tensor, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:
    """Arithmetic mean of all elements, or over ``dim``."""
    if dtype is not None:
        input = input.to(dtype)
    dims = _dims(dim, input.ndim)
    if dims is None:
        return R.MEAN(input, dim=None, keepdim=False)
    return R.MEAN_DIM(input, dim=dims, keepdim=keepdim)


@_accepts_numpy_names
def prod(input: Tensor, dim: int | None = None, keepdim: bool = False, *,
         dtype: Any = None) -> Tensor:
    """Product of all elements, or along one ``dim``."""
    if dtype is not None:
        input = input.to(dtype)
    if dim is None:
        return R.PROD(input, dim=None, keepdim=False)
    return R.PROD_DIM(input, dim=_dims(dim, input.ndim), keepdim=keepdim)


def _extreme(input: Tensor, dim: Any, keepdim: bool, full, along, arg, result_type) -> Any:
    if isinstance(dim, Tensor):  # torch.max(a, b) is maximum
        return (E.MAXIMUM if full is R.MAX else E.MINIMUM)(input, dim)
    if dim is None:
        if input.numel() == 0:
            raise RuntimeError(f"{full.name}(): Expected reduction dim to be specified for "
                               "input.numel() == 0. Specify the reduction dim with the 'dim' "
                               "argument.")
        return full(input, dim=None, keepdim=False)
    d = _wrap_dim(dim, input.ndim)
    indices = arg(input._data, axis=d, keepdims=keepdim).astype(np.int64)
    values = along(input, dim=(d,), keepdim=keepdim, indices=indices)
    return result_type(values, Tensor._make(indices))


@_accepts_numpy_names
def max(input: Tensor, dim: Any = None, keepdim: bool = False) -> Any:
    """Largest element; with ``dim``, the named tuple ``(values, indices)`` along it."""
    return _extreme(input, dim, keepdim, R.MAX, R.MAX_DIM, np.argmax, _max_result)


@_accepts_numpy_names
def min(input: Tensor, dim: Any = None, keepdim: bool = False) -> Any:
    """Smallest element; with ``dim``, the named tuple ``(values, indices)`` along it."""
    return _extreme(input, dim, keepdim, R.MIN, R.MIN_DIM, np.argmin, _min_result)


@_accepts_numpy_names
def amax(input: Tensor, dim: Any = (), keepdim: bool = False) -> Tensor:
    dims = None if dim == () else _dims(dim, input.ndim)
    return R.AMAX(input, dim=dims, keepdim=keepdim)


@_accepts_numpy_names
def amin(input: Tensor, dim: Any = (), keepdim: bool = False) -> Tensor:
    dims = None if dim == () else _dims(dim, input.ndim)
    return R.AMIN(input, dim=dims, keepdim=keepdim)


@_accepts_numpy_names
def argmax(input: Tensor, dim: int | None = None, keepdim: bool = False) -> Tensor:
    """Index of the largest element (of the flattened tensor when ``dim`` is None)."""
    return R.ARGMAX(input, dim=None if dim is None else _wrap_dim(dim, input.ndim), keepdim=keepdim)


@_accepts_numpy_names
def argmin(input: Tensor, dim: int | None = None, keepdim: bool = False) -> Tensor:
    """Index of the smallest element (of the flattened tensor when ``dim`` is None)."""
    return R.ARGMIN(input, dim=None if dim is None else _wrap_dim(dim, input.ndim), keepdim=keepdim)


@_accepts_numpy_names
def cumsum(input: Tensor, dim: int, *, dtype: Any = None) -> Tensor:
    """Running sum along ``dim``."""
    if dtype is not None:
        input = input.to(dtype)
    return R.CUMSUM(input, dim=_wrap_dim(dim, input.ndim))


@_accepts_numpy_names
def norm(input: Tensor, p: Any = "fro", dim: Any = None, keepdim: bool = False,
         dtype: Any = None) -> Tensor:
    """Vector 2-norm (default, also 'fro'); other ``p`` are built from abs/pow/sum."""
    dims = _dims(dim, input.ndim)
    if p in ("fro", 2, 2.0, None):
        return R.NORM(input, dim=dims, keepdim=keepdim)
    total = sum(E.ABS(input) ** p, dim=dims, keepdim=keepdim) if dims else sum(E.ABS(input) ** p)
    return total ** (1.0 / p)


def _spread(op: Any, input: Tensor, dim: Any, unbiased: Any, keepdim: bool,
            correction: Any) -> Tensor:
    """var/std: torch also takes ``unbiased`` as the second positional argument."""
    if isinstance(dim, builtins.bool):
        unbiased, dim = dim, None
    if correction is None:
        correction = 1 if unbiased is None or unbiased else 0
    return op(input, dim=_dims(dim, input.ndim), keepdim=keepdim, correction=correction)


@_accepts_numpy_names
def var(input: Tensor, dim: Any = None, unbiased: Any = None, keepdim: bool = False, *,
        correction: Any = None) -> Tensor:
    """Variance (Bessel-corrected unless ``correction=0`` / ``unbiased=False``)."""
    return _spread(R.VAR, input, dim, unbiased, keepdim, correction)


@_accepts_numpy_names
def std(input: Tensor, dim: Any = None, unbiased: Any = None, keepdim: bool = False, *,
        correction: Any = None) -> Tensor:
    """Standard deviation (Bessel-corrected by default)."""
    return _spread(R.STD, input, dim, unbiased, keepdim, correction)


@_accepts_numpy_names
def logsumexp(input: Tensor, dim: Any, keepdim: bool = False) -> Tensor:
    """``log(sum(exp(input)))`` over ``dim``, computed without overflow."""
    return R.LOGSUMEXP(input, dim=_dims(dim, input.ndim), keepdim=keepdim)


@_accepts_numpy_names
def softmax(input: Tensor, dim: int, dtype: Any = None) -> Tensor:
    """``exp(x) / sum(exp(x))`` along ``dim``."""
    if dtype is not None:
        input = input.to(dtype)
    return R.SOFTMAX(input, dim=_wrap_dim(dim, input.ndim))


@_accepts_numpy_names
def log_softmax(input: Tensor, dim: int, dtype: Any = None) -> Tensor:
    """``log(softmax(x))`` along ``dim``, computed stably."""
    if dtype is not None:
        input = input.to(dtype)
    return R.LOG_SOFTMAX(input, dim=_wrap_dim(dim, input.ndim))


# -- linear algebra ------------------------------------------------------------------------------
def dot(input: Tensor, other: Tensor) -> Tensor:
    """Inner product of two 1-D tensors."""
    if input.ndim != 1 or other.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {input.ndim}D and {other.ndim}D tensors")
    if input.shape[0] != other.shape[0]:
        raise RuntimeError(f"inconsistent tensor size, expected tensor [{input.shape[0]}] and src "
                           f"[{other.shape[0]}] to have the same number of elements, but got "
                           f"{input.shape[0]} and {other.shape[0]} elements respectively")
    return L.DOT(input, other)


inner = dot
vdot = dot


def mv(input: Tensor, vec: Tensor) -> Tensor:
    """Matrix-vector product."""
    if input.ndim != 2 or vec.ndim != 1 or input.shape[1] != vec.shape[0]:
        raise RuntimeError(f"size mismatch, got input ({input.shape[0]}), mat "
                           f"({'x'.join(map(str, input.shape))}), vec ({vec.shape[0]})")
    return L.MV(input, vec)


def mm(input: Tensor, mat2: Tensor) -> Tensor:
    """Matrix-matrix product of 2-D tensors."""
    if input.ndim != 2 or mat2.ndim != 2:
        raise RuntimeError("self must be a matrix" if input.ndim != 2 else "mat2 must be a matrix")
    _check_mm(input.shape, mat2.shape)
    return L.MM(input, mat2)


def _check_mm(a: tuple, b: tuple) -> None:
    if a[-1] != b[-2]:
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({a[-2]}x{a[-1]} and "
                           f"{b[-2]}x{b[-1]})")


def matmul(input: Tensor, other: Tensor) -> Tensor:
    """Matrix product with broadcasting over batch dimensions (the ``@`` operator)."""
    a, b = input.shape, other.shape
    if not a or not b:
        raise RuntimeError(f"both arguments to matmul need to be at least 1D, but they are "
                           f"{len(a)}D and {len(b)}D")
    if len(a) == 1 and len(b) == 1:
        return dot(input, other)
    if len(b) == 1:
        if a[-1] != b[0]:
            raise RuntimeError(f"size mismatch, got input ({a[0]}), mat ({'x'.join(map(str, a))}), "
                               f"vec ({b[0]})")
    elif len(a) == 1:
        _check_mm((1,) + tuple(a), b)
    elif len(a) == 2 and len(b) == 2:
        _check_mm(a, b)
    elif a[-1] != b[-2]:
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: "
                           f"[{np.prod(a[:-2], dtype=int)}, {a[-1]}] but got: "
                           f"[{np.prod(b[:-2], dtype=int)}, {b[-2]}].")
    return L.matmul(input, other)


def bmm(input: Tensor, mat2: Tensor) -> Tensor:
    return matmul(input, mat2)


def outer(input: Tensor, vec2: Tensor) -> Tensor:
    """Outer product of two vectors (recorded as a broadcast multiply, as torch does)."""
    return E.MUL(S.RESHAPE(input, shape=(-1, 1)), vec2)


ger = outer


def trace(input: Tensor) -> Tensor:
    return L.TRACE(input)


def diag(input: Tensor, diagonal: int = 0) -> Tensor:
    """A diagonal matrix from a vector, or the diagonal of a matrix."""
    if input.ndim == 1:
        return L.DIAG(input, diagonal=diagonal)
    return L.DIAGONAL(input, offset=diagonal)


def tril(input: Tensor, diagonal: int = 0) -> Tensor:
    return L.TRIL(input, diagonal=diagonal)


def triu(input: Tensor, diagonal: int = 0) -> Tensor:
    return L.TRIU(input, diagonal=diagonal)


# -- shapes --------------------------------------------------------------------------------------
def _shape_arg(shape: Sequence[Any]) -> tuple:
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    return tuple(builtins.int(s) for s in shape)


def _infer_shape(shape: tuple, numel: int) -> tuple:
    """Resolve one ``-1`` and check the element count, with torch's messages."""
    if builtins.sum(1 for s in shape if s == -1) > 1:
        raise RuntimeError("only one dimension can be inferred")
    known = 1
    for s in shape:
        if s != -1:
            known *= s
    if -1 in shape:
        if known == 0 or numel % known:
            raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
        shape = tuple(numel // known if s == -1 else s for s in shape)
    elif known != numel:
        raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
    return shape


def _can_view(a: np.ndarray, shape: tuple) -> bool:
    return np.may_share_memory(np.reshape(a, shape), a) or a.size == 0


def reshape(input: Tensor, shape: Sequence[int]) -> Tensor:
    """The same elements in a new shape (one dimension may be -1); a copy only when needed."""
    new = _infer_shape(_shape_arg((shape,)), input.numel())
    if _can_view(input._data, new):
        return S.RESHAPE(input, shape=new)
    return S.UNSAFE_VIEW(E.CLONE(input), shape=new)  # torch's record for a copying reshape


def view(input: Tensor, *shape: Any) -> Tensor:
    """Like reshape, but the result always shares memory with ``input``."""
    if len(shape) == 1 and not isinstance(shape[0], (tuple, list, builtins.int)):
        return input.to(shape[0])  # view(dtype)
    new = _infer_shape(_shape_arg(shape), input.numel())
    if not _can_view(input._data, new):
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
    return expand(input, tuple(size))


def expand_as(input: Tensor, other: Tensor) -> Tensor:
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
    tensors = [t for t in tensors if not (t.ndim == 1 and t.shape[0] == 0)] or list(tensors[:1])
    d = _wrap_dim(dim, tensors[0].ndim)
    first = tensors[0].shape
    for k, t in enumerate(tensors[1:], 1):
        for i, (a, b) in enumerate(zip(first, t.shape)):
            if i != d and a != b:
                raise RuntimeError(f"Sizes of tensors must match except in dimension {d}. Expected "
                                   f"size {a} but got size {b} for tensor number {k} in the list.")
    return _out(S.CAT(*tensors, dim=d, sizes=tuple(t.shape[d] for t in tensors)), out)


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
    d = _wrap_dim(dim, input.ndim)
    return S.NARROW(input, dim=d, start=start % input.shape[d] if start < 0 else start,
                    length=length)


@_accepts_numpy_names
def flip(input: Tensor, dims: Any) -> Tensor:
    return S.FLIP(input, dims=_dims(dims, input.ndim))


def clone(input: Tensor, *, memory_format: Any = None) -> Tensor:
    """A copy that stays in the graph (gradients flow back to ``input``)."""
    return E.CLONE(input)


def detach(input: Tensor) -> Tensor:
    return input.detach()


def numel(input: Tensor) -> int:
    return input.numel()


def is_tensor(obj: Any) -> bool:
    return isinstance(obj, Tensor)


def is_floating_point(input: Tensor) -> bool:
    return input.is_floating_point()


def allclose(input: Tensor, other: Tensor, rtol: float = 1e-05, atol: float = 1e-08,
             equal_nan: bool = False) -> bool:
    return builtins.bool(np.allclose(input._data, other._data, rtol, atol, equal_nan))


def isclose(input: Tensor, other: Tensor, rtol: float = 1e-05, atol: float = 1e-08,
            equal_nan: bool = False) -> Tensor:
    return Tensor._make(np.isclose(input._data, other._data, rtol, atol, equal_nan))


def equal(input: Tensor, other: Tensor) -> bool:
    return input.shape == other.shape and builtins.bool(np.array_equal(input._data, other._data))


# -- indexing ------------------------------------------------------------------------------------
def _index(index: Any, shape: tuple) -> Any:
    """Turn tensors inside an index into arrays and check integer bounds like torch."""
    items = index if isinstance(index, tuple) else (index,)
    out = []
    dim = 0
    for item in items:
        if isinstance(item, Tensor):
            item = item._data
            if item.ndim == 0 and item.dtype.kind in "iu":
                item = builtins.int(item)
        elif isinstance(item, list):
            item = np.asarray([i._data if isinstance(i, Tensor) else i for i in item])
        if isinstance(item, (builtins.int, np.integer)) and not isinstance(item, builtins.bool):
            if dim >= len(shape):
                raise IndexError(f"too many indices for tensor of dimension {len(shape)}")
            if not -shape[dim] <= item < shape[dim]:
                raise IndexError(f"index {item} is out of bounds for dimension {dim} with size "
                                 f"{shape[dim]}")
        if item is not None and item is not Ellipsis:
            dim += item.ndim if isinstance(item, np.ndarray) and item.dtype == bool else 1
        out.append(item)
    return tuple(out) if isinstance(index, tuple) else out[0]


def getitem(input: Tensor, index: Any) -> Tensor:
    idx = _index(index, input.shape)
    return S.index_op_for(idx)(input, index=idx)


def setitem(input: Tensor, index: Any, value: Any) -> None:
    idx = _index(index, input.shape)
    if isinstance(value, Tensor) and not value._requires_grad and not input._requires_grad:
        value = value._data
    op = S.INDEX_PUT if S._is_basic(idx) else S.INDEX_PUT_ADVANCED
    input._inplace(op, value, index=idx)
