"""Public functions with torch's signatures, on top of the declared ops.

These wrappers only normalise arguments (dims, shapes, scalars), check them with torch's error
messages, and pick the op (hence the ``grad_fn`` name) torch would record.
"""
from __future__ import annotations

import builtins
import functools
from collections import namedtuple
from typing import Any

import numpy as np

from ._tensor import Tensor, _wrap_dim
from . import _dtype
from .autograd import grad_mode
from ._ops import elementwise as E, linalg as L, reduction as R, selection as X, shape as S
from ._ops import special as SP

def _return_type(name: str) -> type:
    """torch.return_types.NAME: a named tuple ``(values, indices)`` printed as torch prints it."""
    base = namedtuple(name, ["values", "indices"])

    def __repr__(self: Any) -> str:
        return f"tapegrad.return_types.{name}(\nvalues={self.values!r},\nindices={self.indices!r})"

    return type(name, (base,), {"__slots__": (), "__repr__": __repr__})


_max_result = _return_type("max")
_min_result = _return_type("min")
_sort_result = _return_type("sort")
_topk_result = _return_type("topk")
_median_result = _return_type("median")


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
    """``other - alpha * input``: subtraction with the operands reversed."""
    return E.RSUB(input, other if alpha == 1 else other * alpha)


def pow(input: Any, exponent: Any, *, out: Tensor | None = None) -> Tensor:
    """``input ** exponent`` elementwise."""
    return _out(E.pow(input, exponent), out)


def square(input: Tensor) -> Tensor:
    """``input * input`` elementwise (recorded as ``pow(input, 2)``, as torch does)."""
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
    """Limit values to [min, max] (either bound may be None).

    The bounds are numbers (``ClampBackward1``) or tensors that broadcast against ``input``
    (``ClampBackward0``: the gradient also flows to a bound wherever it is the value taken)::

        tapegrad.clamp(x, min=lo, max=hi)   # lo, hi: tensors
    """
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        if not builtins.all(b is None or isinstance(b, Tensor) for b in (min, max)):
            got = ", ".join(type(a).__name__ for a in (input, min, max) if a is not None)
            raise TypeError(
                f"clamp() received an invalid combination of arguments - got ({got}), but "
                "expected one of:\n * (Tensor input, Tensor min = None, Tensor max = None, *, "
                "Tensor out = None)\n * (Tensor input, Number min = None, Number max = None, *, "
                "Tensor out = None)\n")
        return _out(E.CLAMP_TENSOR(input, min, max), out)
    return _out(E.CLAMP(_clamp_operand(input, min, max), min=min, max=max), out)


def _clamp_operand(input: Tensor, min: Any, max: Any) -> Tensor:
    """``input`` in the dtype torch computes the clamp in: promoted with the number bounds (an
    int tensor clamped at 0.5 is float); a clamp of bools by bools is refused."""
    own = input.dtype.np
    target = own
    for bound in (min, max):
        if bound is not None:
            target = _dtype.result_dtype(np.empty((1,), target), bound)
    if target.kind == "b":
        kernel = "clamp_scalar_cpu" if min is not None and max is not None else (
            "clamp_min_scalar_cpu" if min is not None else "clamp_max_scalar_cpu")
        raise NotImplementedError(f'"{kernel}" not implemented for \'Bool\'')
    return input if target == own else input.to(_dtype.from_numpy_dtype(target))


clip = clamp


def where(condition: Tensor, input: Any = None, other: Any = None) -> Any:
    """Pick ``input`` where ``condition`` holds, else ``other``; with one argument, nonzero()."""
    if input is None and other is None:
        return tuple(Tensor._make(i) for i in np.nonzero(condition._data))
    return E.WHERE(condition, input, other)


# -- reductions ----------------------------------------------------------------------------------
def _reduce(whole: Any, along: Any, input: Tensor, dim: Any, keepdim: bool, dtype: Any) -> Tensor:
    """Pick the op torch records: one for a full reduction (``...Backward0``), one along dims."""
    if dtype is not None:
        input = input.to(dtype)
    dims = _dims(dim, input.ndim)
    if dims is None:
        return whole(input, dim=None, keepdim=False)
    return along(input, dim=dims, keepdim=keepdim)


@_accepts_numpy_names
def sum(input: Tensor, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:
    """Sum of all elements, or over ``dim`` (int or tuple)."""
    _check_tensor(input, "sum")
    return _reduce(R.SUM, R.SUM_DIM, input, dim, keepdim, dtype)


@_accepts_numpy_names
def mean(input: Tensor, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:
    """Arithmetic mean of all elements, or over ``dim``."""
    return _reduce(R.MEAN, R.MEAN_DIM, input, dim, keepdim, dtype)


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
    if input.__class__ is not Tensor:  # batched (vmap): the batching rule finds the indices
        values = along(input, dim=(d,), keepdim=keepdim, indices=None)
        index_op = R.ARGMAX if full is R.MAX else R.ARGMIN
        return result_type(values, index_op(input, dim=d, keepdim=keepdim))
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
def median(input: Tensor, dim: Any = None, keepdim: bool = False) -> Any:
    """The lower median of all elements; with ``dim``, the named tuple ``(values, indices)``
    along it.  NaN wherever the values include one."""
    if input.dtype is _dtype.bool:  # (torch's kernels, by their names)
        kernel = "median_cpu" if dim is None else "median_out"
        raise NotImplementedError(f'"{kernel}" not implemented for \'Bool\'')
    if dim is None:
        return R.MEDIAN(input, dim=None, keepdim=False)
    d = _wrap_dim(dim, input.ndim)
    if input.ndim and input.shape[d] == 0:
        raise IndexError(f"median(): Expected reduction dim {d} to have non-zero size.")
    if input.__class__ is not Tensor:  # batched (vmap): the batching rule finds the indices
        return _median_result(R.MEDIAN_DIM(input, dim=(d,), keepdim=keepdim, indices=None),
                              R.MEDIAN_INDEX(input, dim=d, keepdim=keepdim))
    if input.ndim == 0:  # its one element (recorded as the median of everything)
        return _median_result(R.MEDIAN(input, dim=None, keepdim=False),
                              Tensor._make(np.zeros((), np.int64)))
    indices = R.median_index(input._data, d)
    if not keepdim:
        indices = np.squeeze(indices, d)
    values = R.MEDIAN_DIM(input, dim=(d,), keepdim=keepdim, indices=indices)
    return _median_result(values, Tensor._make(indices))


@_accepts_numpy_names
def amax(input: Tensor, dim: Any = (), keepdim: bool = False) -> Tensor:
    """Largest value over ``dim`` (an int or tuple; all dimensions by default).

    Unlike ``max(input, dim)`` it returns values only, and a gradient is shared evenly among
    tied maxima::

        tapegrad.amax(tapegrad.tensor([[1., 5.], [7., 2.]]), dim=1)   # tensor([5., 7.])
    """
    dims = None if dim == () else _dims(dim, input.ndim)
    return R.AMAX(input, dim=dims, keepdim=keepdim)


@_accepts_numpy_names
def amin(input: Tensor, dim: Any = (), keepdim: bool = False) -> Tensor:
    """Smallest value over ``dim`` (an int or tuple; all dimensions by default).

    Values only (no indices); a gradient is shared evenly among tied minima.
    """
    dims = None if dim == () else _dims(dim, input.ndim)
    return R.AMIN(input, dim=dims, keepdim=keepdim)


@_accepts_numpy_names
def argmax(input: Tensor, dim: int | None = None, keepdim: bool = False) -> Tensor:
    """Index of the largest element (of the flattened tensor when ``dim`` is None)."""
    _refuse_bool(input, "argmax")
    return R.ARGMAX(input, dim=None if dim is None else _wrap_dim(dim, input.ndim), keepdim=keepdim)


@_accepts_numpy_names
def argmin(input: Tensor, dim: int | None = None, keepdim: bool = False) -> Tensor:
    """Index of the smallest element (of the flattened tensor when ``dim`` is None)."""
    _refuse_bool(input, "argmin")
    return R.ARGMIN(input, dim=None if dim is None else _wrap_dim(dim, input.ndim), keepdim=keepdim)


def _refuse_bool(input: Tensor, fn: str) -> None:
    if input.dtype is _dtype.bool:
        raise RuntimeError(f"{fn}(): does not support bool input")


@_accepts_numpy_names
def all(input: Tensor, dim: Any = None, keepdim: bool = False) -> Tensor:
    """Whether every element (along ``dim``: int or tuple) is nonzero; a bool tensor (uint8
    for uint8 input, as in torch)."""
    return R.ALL(input, dim=_dims(dim, input.ndim), keepdim=keepdim)


@_accepts_numpy_names
def any(input: Tensor, dim: Any = None, keepdim: bool = False) -> Tensor:
    """Whether some element (along ``dim``: int or tuple) is nonzero."""
    return R.ANY(input, dim=_dims(dim, input.ndim), keepdim=keepdim)


def count_nonzero(input: Tensor, dim: Any = None) -> Tensor:
    """The number of nonzero elements (along ``dim``: int or tuple), as int64."""
    return R.COUNT_NONZERO(input, dim=_dims(dim, input.ndim))


@_accepts_numpy_names
def cumsum(input: Tensor, dim: int, *, dtype: Any = None) -> Tensor:
    """Running sum along ``dim``."""
    return _cumulative(R.CUMSUM, input, dim, dtype)


@_accepts_numpy_names
def cumprod(input: Tensor, dim: int, *, dtype: Any = None) -> Tensor:
    """Running product along ``dim`` (its gradient is exact where the input has zeros)."""
    return _cumulative(R.CUMPROD, input, dim, dtype)


def _cumulative(op: Any, input: Tensor, dim: int, dtype: Any) -> Tensor:
    """cumsum/cumprod: integers accumulate in int64 unless ``dtype`` names the result's dtype."""
    if dtype is not None:
        if _dtype.to_numpy_dtype(dtype).kind == "b":
            raise NotImplementedError(f'"{op.name}_out_cpu" not implemented for \'Bool\'')
        input = input.to(dtype)
    out = op(input, dim=_wrap_dim(dim, input.ndim))
    return out if dtype is None or out.dtype is input.dtype else out.to(dtype)


@_accepts_numpy_names
def norm(input: Tensor, p: Any = "fro", dim: Any = None, keepdim: bool = False,
         dtype: Any = None) -> Tensor:
    """Vector 2-norm (default, also 'fro'); other ``p`` are built from abs/pow/sum."""
    if input.dtype.np.kind not in "fc" and dtype is None:
        raise RuntimeError("linalg.vector_norm: Expected a floating point or complex tensor as "
                           f"input. Got {_dtype.torch_name(input.dtype.np)}")
    if dtype is not None:
        input = input.to(dtype)
    dims = _dims(dim, input.ndim)
    if p in ("fro", 2, 2.0, None):
        return R.NORM(input, dim=dims, keepdim=keepdim)
    total = sum(E.ABS(input) ** p, dim=dims, keepdim=keepdim) if dims else sum(E.ABS(input) ** p)
    return total ** (1.0 / p)


def _spread(op: Any, input: Tensor, dim: Any, unbiased: Any, keepdim: bool,
            correction: Any) -> Tensor:
    """var/std: torch also takes ``unbiased`` as the second positional argument."""
    if input.dtype.np.kind not in "fc":
        raise RuntimeError("std and var only support floating point and complex dtypes")
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
    if input.dtype.np.kind not in "fc":  # integers and bools: the default float, as in torch
        input = input.to(_dtype.get_default_dtype())
    return R.LOGSUMEXP(input, dim=_dims(dim, input.ndim), keepdim=keepdim)


@_accepts_numpy_names
def softmax(input: Tensor, dim: int, dtype: Any = None) -> Tensor:
    """``exp(x) / sum(exp(x))`` along ``dim``."""
    if dtype is not None:
        input = input.to(dtype)
    _refuse_integers(input, dim, "softmax")
    return R.SOFTMAX(input, dim=_wrap_dim(dim, input.ndim))


@_accepts_numpy_names
def log_softmax(input: Tensor, dim: int, dtype: Any = None) -> Tensor:
    """``log(softmax(x))`` along ``dim``, computed stably."""
    if dtype is not None:
        input = input.to(dtype)
    _refuse_integers(input, dim, "log_softmax")
    return R.LOG_SOFTMAX(input, dim=_wrap_dim(dim, input.ndim))


def _refuse_integers(input: Tensor, dim: int, kernel: str) -> None:
    """torch's CPU softmax kernels exist for floating dtypes only."""
    if input.dtype.np.kind not in "fc":
        last = input.ndim == 0 or _wrap_dim(dim, input.ndim) == input.ndim - 1
        raise NotImplementedError(f'"{kernel}_{"lastdim_" if last else ""}kernel_impl" not '
                                  f"implemented for '{_dtype.torch_name(input.dtype.np)}'")


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
    if input.__class__ is Tensor and other.__class__ is Tensor:  # the common 2-D case first
        a, b = input._data.shape, other._data.shape
        if len(a) == 2 and len(b) == 2 and a[1] == b[0]:
            return L.MATMUL_MM(input, other)
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
    """Batched matrix product: ``(b, n, m)`` and ``(b, m, p)`` give ``(b, n, p)``."""
    return matmul(input, mat2)


def outer(input: Tensor, vec2: Tensor) -> Tensor:
    """Outer product of two vectors (recorded as a broadcast multiply, as torch does)."""
    return E.MUL(S.RESHAPE(input, shape=(-1, 1)), vec2)


ger = outer


def trace(input: Tensor) -> Tensor:
    """Sum of the main diagonal of a 2-D tensor."""
    return L.TRACE(input)


def diag(input: Tensor, diagonal: int = 0) -> Tensor:
    """A diagonal matrix from a vector, or the diagonal of a matrix."""
    if input.ndim == 1:
        return L.DIAG(input, diagonal=diagonal)
    return L.DIAGONAL(input, offset=diagonal)


def tril(input: Tensor, diagonal: int = 0) -> Tensor:
    """Lower triangle of a matrix (or batch of matrices); the rest is set to zero.

    ``diagonal`` moves the boundary: 0 keeps the main diagonal, 1 also the one above it, -1
    drops the main diagonal.
    """
    return L.TRIL(input, diagonal=diagonal)


def triu(input: Tensor, diagonal: int = 0) -> Tensor:
    """Upper triangle of a matrix (or batch of matrices); the rest is set to zero.

    ``diagonal`` moves the boundary: 0 keeps the main diagonal, 1 drops it, -1 also keeps the
    one below it.
    """
    return L.TRIU(input, diagonal=diagonal)


# -- special functions ---------------------------------------------------------------------------
def xlogy(input: Any, other: Any, *, out: Tensor | None = None) -> Tensor:
    """``input * log(other)``, 0 where ``input == 0`` (unless ``other`` is NaN); either operand
    may be a number.  Useful for entropies: ``xlogy(p, p)`` is 0 at ``p = 0``."""
    return _out(SP.xlogy(input, other), out)


def polygamma(n: int, input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The ``n``-th derivative of ``digamma`` (``polygamma(0, x)`` is ``digamma(x)``)."""
    if not isinstance(n, (builtins.int, np.integer)) or isinstance(n, builtins.bool):
        raise TypeError(f"polygamma(): argument 'n' (position 1) must be int, not "
                        f"{type(n).__name__}")
    if n < 0:
        raise RuntimeError("polygamma(n, x) does not support negative n.")
    return _out(SP.POLYGAMMA(input, n=builtins.int(n)), out)


# -- selecting by index --------------------------------------------------------------------------
def _check_index(index: Any, fn: str, position: int, dtype_message: str) -> None:
    if not isinstance(index, Tensor):
        raise TypeError(f"{fn}(): argument 'index' (position {position}) must be Tensor, not "
                        f"{type(index).__name__}")
    if index.dtype.np not in (np.dtype(np.int64), np.dtype(np.int32)):
        raise RuntimeError(dtype_message)


def _size_list(shape: Any) -> str:
    return "[" + ", ".join(str(s) for s in shape) + "]"


def gather(input: Tensor, dim: int, index: Tensor, *, sparse_grad: bool = False,
           out: Tensor | None = None) -> Tensor:
    """Values of ``input`` at ``index`` along ``dim``: ``out[i][j] = input[i][index[i][j]]`` for
    ``dim=1``.  ``index`` has input's number of dims (not larger than input apart from ``dim``)::

        tapegrad.gather(tapegrad.tensor([[1., 2.], [3., 4.]]), 1, tapegrad.tensor([[1], [0]]))
        # tensor([[2.], [3.]])
    """
    _check_index(index, "gather", 3, "gather(): Expected dtype int32/int64 for index")
    d = _wrap_dim(dim, input.ndim)
    if input.ndim and index.ndim != input.ndim:
        raise RuntimeError("Index tensor must have the same number of dimensions as input tensor")
    for k in range(index.ndim if input.ndim else 0):
        if k != d and index.shape[k] > input.shape[k]:
            raise RuntimeError(f"Size does not match at dimension {k} expected index "
                               f"{_size_list(index.shape)} to be no larger than self "
                               f"{_size_list(input.shape)} apart from dimension {d}")
    return _out(X.GATHER(input, index, dim=d), out)


def scatter_add(input: Tensor, dim: int, index: Tensor, src: Tensor) -> Tensor:
    """A copy of ``input`` with ``src``'s elements added at ``index`` along ``dim``:
    ``out[i][index[i][j]] += src[i][j]`` for ``dim=1`` (repeated indices accumulate)."""
    d = _scatter_checks(input, dim, index, src, "scatter_add")
    return X.SCATTER_ADD(input, index, src, dim=d)


def scatter(input: Tensor, dim: int, index: Tensor, src: Any = None, *, value: Any = None,
            reduce: Any = None) -> Tensor:
    """A copy of ``input`` with ``src``'s elements (or the number ``value``) written at
    ``index`` along ``dim``: ``out[i][index[i][j]] = src[i][j]`` for ``dim=1``.  The one-hot
    idiom: ``zeros(n, c).scatter_(1, labels.unsqueeze(1), 1.0)``."""
    if reduce is not None:
        raise NotImplementedError("scatter(reduce=...) is not implemented in tapegrad yet; "
                                  "scatter_add covers reduce='add'")
    if src is None:
        src = value
    if not isinstance(src, Tensor):  # a number: written everywhere the index points
        from tapegrad._creation import full
        src = full(tuple(index.shape), src, dtype=input.dtype)
    d = _scatter_checks(input, dim, index, src, "scatter")
    return X.SCATTER(input, index, src, dim=d)


def index_add(input: Tensor, dim: int, index: Tensor, source: Tensor, *,
              alpha: Any = 1) -> Tensor:
    """A copy of ``input`` with ``alpha * source``'s slices added along ``dim`` at the positions
    in the 1-D ``index`` (repeats accumulate): a scatter_add with the index spread over
    ``source``'s shape (so its grad_fn is ScatterAddBackward0, where torch's is
    IndexAddBackward0)."""
    d = _wrap_dim(dim, input.ndim)
    if index.ndim > 1:
        raise IndexError("index_add_(): Index is supposed to be a vector")
    _check_index(index, "index_add", 3, "index_add_(): Expected dtype int32/int64 for index")
    if source.ndim and source.shape[d] != index.numel():
        raise RuntimeError(f"index_add_(): Number of indices ({index.numel()}) should be equal to "
                           f"source.size(dim): ({source.shape[d]}), for dim: {d}")
    shape = [1] * builtins.max(source.ndim, 1)
    shape[d if source.ndim else 0] = -1
    spread = S.EXPAND(S.RESHAPE(index, shape=tuple(shape)), shape=tuple(source.shape) or (1,))
    if alpha != 1:
        source = source * alpha
    return X.INDEX_ADD(input, spread.to(_dtype.int64), source, dim=d)


def _scatter_checks(input: Tensor, dim: int, index: Tensor, src: Tensor, name: str) -> int:
    _check_index(index, name, 3, "scatter(): Expected dtype int32/int64 for index")
    if src.dtype != input.dtype:
        raise RuntimeError("scatter(): Expected self.dtype to be equal to src.dtype")
    d = _wrap_dim(dim, input.ndim)
    if input.ndim and index.ndim != input.ndim:
        raise RuntimeError("Index tensor must have the same number of dimensions as self tensor")
    for k in range(index.ndim if input.ndim else 0):
        if (k != d and index.shape[k] > input.shape[k]) or index.shape[k] > src.shape[k]:
            raise RuntimeError(f"Expected index {_size_list(index.shape)} to be no larger than "
                               f"self {_size_list(input.shape)} apart from dimension {d} and to "
                               f"be no larger size than src {_size_list(src.shape)}")
    return d


def index_select(input: Tensor, dim: int, index: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The slices of ``input`` along ``dim`` at the positions in the 1-D ``index`` (repeats
    allowed): ``index_select(x, 0, tapegrad.tensor([2, 0]))`` is rows 2 and 0 of ``x``."""
    if isinstance(index, Tensor) and index.ndim > 1:
        raise IndexError("index_select(): Index is supposed to be a vector")
    _check_index(index, "index_select", 3,
                 "index_select(): Expected dtype int32 or int64 for index")
    return _out(X.INDEX_SELECT(input, index, dim=_wrap_dim(dim, input.ndim)), out)


def argsort(input: Tensor, dim: int = -1, descending: bool = False, *,
            stable: bool = False) -> Tensor:
    """Indices that sort ``input`` along ``dim`` (int64).  Sorting is always stable here (equal
    values keep their order), which ``stable=False`` allows."""
    return X.ARGSORT(input, dim=_wrap_dim(dim, input.ndim), descending=builtins.bool(descending),
                     stable=builtins.bool(stable))


def sort(input: Tensor, dim: int = -1, descending: bool = False, *, stable: bool = False) -> Any:
    """The named tuple ``(values, indices)`` of ``input`` sorted along ``dim``; NaN sorts as the
    largest value.  The gradient of ``values`` goes back to where each value came from::

        tapegrad.sort(tapegrad.tensor([3., 1., 2.]))
        # tapegrad.return_types.sort(values=tensor([1., 2., 3.]), indices=tensor([1, 2, 0]))
    """
    d = _wrap_dim(dim, input.ndim)
    indices = argsort(input, d, descending, stable=stable)
    return _sort_result(X.SORT(input, indices, dim=d), indices)


def topk(input: Tensor, k: int, dim: int = -1, largest: bool = True, sorted: bool = True) -> Any:
    """The named tuple ``(values, indices)`` of the ``k`` largest (``largest=False``: smallest)
    elements along ``dim``, largest first (always sorted here, which ``sorted=False`` allows)."""
    if input.dtype is _dtype.bool:
        raise RuntimeError("topk does not support bool dtypes on CPU")
    d = _wrap_dim(dim, input.ndim)
    size = input.shape[d] if input.ndim else 1
    if not 0 <= k <= size:
        raise RuntimeError("selected index k out of range")
    order = argsort(input, d, largest, stable=True)
    indices = order if input.ndim == 0 else S.NARROW(order, dim=d, start=0, length=k)
    return _topk_result(X.TOPK(input, indices, dim=d), indices)
