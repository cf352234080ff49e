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
from ._ops import elementwise as E, linalg as L, shape as S
from ._ops import special as SP
from ._ops import fused as F

def _return_type(name: str, fields: tuple = ("values", "indices")) -> type:
    """torch.return_types.NAME: a named tuple (``(values, indices)`` unless ``fields`` says
    otherwise) printed as torch prints it."""
    base = namedtuple(name, fields)

    def __repr__(self: Any) -> str:
        parts = ",\n".join(f"{f}={getattr(self, f)!r}" for f in fields)
        return f"tapegrad.return_types.{name}(\n{parts})"

    return type(name, (base,), {"__slots__": (), "__repr__": __repr__})


_max_result = _return_type("max")
_min_result = _return_type("min")
_sort_result = _return_type("sort")
_topk_result = _return_type("topk")
_median_result = _return_type("median")
_kthvalue_result = _return_type("kthvalue")


def _accepts_numpy_names(fn):
    """Accept NumPy's ``axis``/``keepdims`` for torch's ``dim``/``keepdim``, as torch does."""
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if kwargs:
            if "axis" in kwargs:
                kwargs["dim"] = kwargs.pop("axis")
            if "keepdims" in kwargs:
                kwargs["keepdim"] = kwargs.pop("keepdims")
        return fn(*args, **kwargs)
    return wrapper


def _dims(dim: Any, ndim: int) -> tuple | None:
    if dim is None:
        return None
    if dim.__class__ is builtins.int:  # the common single dim, without the sort
        return (_wrap_dim(dim, ndim),)
    items = dim if isinstance(dim, (tuple, list)) else (dim,)
    return tuple(sorted(_wrap_dim(builtins.int(d), ndim) for d in items))


def _check_tensor(x: Any, fn: str) -> None:
    if not isinstance(x, Tensor):
        raise TypeError(f"{fn}(): argument 'input' (position 1) must be Tensor, not "
                        f"{type(x).__name__}")


# -- arithmetic ----------------------------------------------------------------------------------
def add(input: Any, other: Any, *, alpha: Any = 1, out: Tensor | None = None) -> Tensor:
    """``input + alpha * other`` with broadcasting."""
    if alpha == 1:
        return _out(E.ADD(input, other), out, "add")
    return _out(F.ADD_ALPHA(input, other, alpha=alpha), out, "add")  # one rounding, as torch


def sub(input: Any, other: Any, *, alpha: Any = 1, out: Tensor | None = None) -> Tensor:
    """``input - alpha * other`` with broadcasting."""
    if alpha == 1:
        return _out(E.SUB(input, other), out, "sub")
    return _out(F.SUB_ALPHA(input, other, alpha=alpha), out, "sub")


subtract = sub


def mul(input: Any, other: Any, *, out: Tensor | None = None) -> Tensor:
    """Elementwise product with broadcasting."""
    return _out(E.MUL(input, other), out, "mul")


multiply = mul


def div(input: Any, other: Any, *, rounding_mode: str | None = None,
        out: Tensor | None = None) -> Tensor:
    """True division (ints give floats); ``rounding_mode='floor'|'trunc'`` rounds the quotient."""
    if rounding_mode is not None:  # integer dtypes kept, torch's errors for a bad mode
        return _out(E.div_rounding(input, other, rounding_mode), out, "div")
    return _out(E.DIV(input, other), out, "div")


divide = true_divide = div


def rsub(input: Any, other: Any, *, alpha: Any = 1) -> Tensor:
    """``other - alpha * input``: subtraction with the operands reversed."""
    return E.RSUB(input, other if alpha == 1 else other * alpha)


def pow(input: Any, exponent: Any, *, out: Tensor | None = None) -> Tensor:
    """``input ** exponent`` elementwise."""
    return _out(E.pow(input, exponent), out, "pow")


def square(input: Tensor) -> Tensor:
    """``input * input`` elementwise (recorded as ``pow(input, 2)``, as torch does)."""
    return E.POW(input, 2)


def _out(result: Tensor, out: Tensor | None, name: str = "out") -> Tensor:
    """torch's ``out=`` for a direct call of these functions (``tapegrad.<name>`` goes through
    ``tapegrad._out``'s wrapper first): ``result`` written into ``out`` by torch's rules."""
    if out is None:
        return result
    from ._out import call_with_out
    return call_with_out(lambda: result, name, (), {}, out)


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
        return _out(E.CLAMP_TENSOR(input, min, max), out, "clamp")
    return _out(E.CLAMP(_clamp_operand(input, min, max), min=min, max=max), out, "clamp")


def _clamp_operand(input: Tensor, min: Any, max: Any) -> Tensor:
    """``input`` in the dtype torch computes the clamp in: promoted with the number bounds (an
    int tensor clamped at 0.5 is float); a clamp of bools by bools is refused."""
    own = input.dtype.np
    if own.kind == "f" and builtins.all(b is None or b.__class__ in (builtins.float, builtins.int)
                               for b in (min, max)):
        return input  # the common case: a float tensor keeps its dtype against numbers
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


# -- linear algebra ------------------------------------------------------------------------------
def dot(input: Tensor, other: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Inner product of two 1-D tensors."""
    if out is not None:  # torch's out=: the result copied into out
        return _out(dot(input, other), out, "dot")
    if input.ndim != 1 or other.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {input.ndim}D and {other.ndim}D tensors")
    if input.shape[0] != other.shape[0]:
        raise RuntimeError(f"inconsistent tensor size, expected tensor [{input.shape[0]}] and src "
                           f"[{other.shape[0]}] to have the same number of elements, but got "
                           f"{input.shape[0]} and {other.shape[0]} elements respectively")
    return L.DOT(input, other)


inner = dot
vdot = dot


def mv(input: Tensor, vec: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Matrix-vector product."""
    if out is not None:  # torch's out=: the result copied into out
        return _out(mv(input, vec), out, "mv")
    if input.ndim != 2 or vec.ndim != 1 or input.shape[1] != vec.shape[0]:
        raise RuntimeError(f"size mismatch, got input ({input.shape[0]}), mat "
                           f"({'x'.join(map(str, input.shape))}), vec ({vec.shape[0]})")
    return L.MV(input, vec)


def mm(input: Tensor, mat2: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Matrix-matrix product of 2-D tensors."""
    if out is not None:  # torch's out=: the result copied into out
        return _out(mm(input, mat2), out, "mm")
    if input.ndim != 2 or mat2.ndim != 2:
        raise RuntimeError("self must be a matrix" if input.ndim != 2 else "mat2 must be a matrix")
    _check_mm(input.shape, mat2.shape)
    return L.MM(input, mat2)


def _check_mm(a: tuple, b: tuple) -> None:
    if a[-1] != b[-2]:
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({a[-2]}x{a[-1]} and "
                           f"{b[-2]}x{b[-1]})")


def matmul(input: Tensor, other: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Matrix product with broadcasting over batch dimensions (the ``@`` operator)."""
    if out is not None:  # torch's out=: the result copied into out
        return _out(matmul(input, other), out, "matmul")
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


def bmm(input: Tensor, mat2: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Batched matrix product: ``(b, n, m)`` and ``(b, m, p)`` give ``(b, n, p)``."""
    if out is not None:  # torch's out=: the result copied into out
        return _out(bmm(input, mat2), out, "bmm")
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
    return _out(SP.xlogy(input, other), out, "xlogy")


def polygamma(n: int, input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The ``n``-th derivative of ``digamma`` (``polygamma(0, x)`` is ``digamma(x)``)."""
    if not isinstance(n, (builtins.int, np.integer)) or isinstance(n, builtins.bool):
        raise TypeError(f"polygamma(): argument 'n' (position 1) must be int, not "
                        f"{type(n).__name__}")
    if n < 0:
        raise RuntimeError("polygamma(n, x) does not support negative n.")
    return _out(SP.POLYGAMMA(input, n=builtins.int(n)), out, "polygamma")


# -- printed names -------------------------------------------------------------------------------
PUBLIC_CLASSES = ("Tensor", "Size", "dtype", "device", "Generator")


def name_public_classes(namespace: dict) -> None:
    """Give the core classes the names torch prints: ``type(x)`` is ``<class
    'tapegrad.Tensor'>`` (torch: ``<class 'torch.Tensor'>``), likewise Size, dtype, device and
    Generator.  They are defined in private modules; pickles made from now on name them by their
    public home, and older pickles (``tapegrad._tensor.Size``) still load.

    ``tapegrad/__init__.py`` calls it with its ``globals()`` once the classes are imported.
    """
    for name in PUBLIC_CLASSES:
        cls = namespace[name]
        cls.__module__ = "tapegrad"
        cls.__qualname__ = name
