"""dtypes: tapegrad's names for NumPy dtypes, and torch's type-promotion rules.

A ``tapegrad.dtype`` is a thin, hashable label around a NumPy dtype, printed the way torch
prints its dtypes (``tapegrad.float32``).  Tensors store plain NumPy arrays; the label is only
looked up when a user asks for ``tensor.dtype``.
"""
from __future__ import annotations

import numpy as np

__all__ = ["dtype", "get_default_dtype", "set_default_dtype", "to_numpy_dtype"]


class dtype:
    """A tensor element type, e.g. ``tapegrad.float32`` (torch's ``torch.dtype``)."""

    __slots__ = ("name", "np", "is_floating_point", "is_complex", "is_signed", "itemsize")

    def __init__(self, name: str, np_dtype) -> None:
        self.name = name
        self.np = np.dtype(np_dtype)
        self.is_floating_point = self.np.kind == "f"
        self.is_complex = self.np.kind == "c"
        self.is_signed = self.np.kind in "fic"
        self.itemsize = self.np.itemsize

    def __repr__(self) -> str:
        return f"tapegrad.{self.name}"

    def to_real(self) -> "dtype":
        """The real dtype of a complex one (complex64 -> float32); any other dtype as is."""
        return _FROM_NUMPY[np.finfo(self.np).dtype] if self.is_complex else self

    def __reduce__(self):
        return (_by_name, (self.name,))


float16 = half = dtype("float16", np.float16)
float32 = float = dtype("float32", np.float32)
float64 = double = dtype("float64", np.float64)
int8 = dtype("int8", np.int8)
uint8 = dtype("uint8", np.uint8)
int16 = short = dtype("int16", np.int16)
int32 = int = dtype("int32", np.int32)
int64 = long = dtype("int64", np.int64)
bool = dtype("bool", np.bool_)  # noqa: A001  (torch's name)
complex64 = cfloat = dtype("complex64", np.complex64)
complex128 = cdouble = dtype("complex128", np.complex128)

ALL = (float16, float32, float64, int8, uint8, int16, int32, int64, bool, complex64, complex128)
_FROM_NUMPY = {d.np: d for d in ALL}
_NAMES = {d.name: d for d in ALL}

# NumPy dtypes used on hot paths.
F32 = np.dtype(np.float32)
F64 = np.dtype(np.float64)
I64 = np.dtype(np.int64)
BOOL = np.dtype(np.bool_)

_default_float = F32


def _by_name(name: str) -> dtype:
    return _NAMES[name]


def from_numpy_dtype(np_dtype) -> dtype:
    """The tapegrad dtype for a NumPy dtype; TypeError for dtypes torch has no twin of."""
    try:
        return _FROM_NUMPY[np.dtype(np_dtype)]
    except (KeyError, TypeError):
        raise TypeError(f"can't convert np.ndarray of type {np.dtype(np_dtype)}. The only supported "
                        "types are: float64, float32, float16, complex64, complex128, int64, int32, "
                        "int16, int8, uint8, and bool.") from None


def to_numpy_dtype(d) -> np.dtype:
    """Accept a tapegrad dtype, a NumPy dtype or a Python type (``float``, ``int``, ``bool``)."""
    if d.__class__ is dtype:
        return d.np
    if d is builtins_float:
        return _default_float
    if d is builtins_int:
        return I64
    if d is builtins_bool:
        return BOOL
    if isinstance(d, (np.dtype, type)) or isinstance(d, str):
        try:
            return from_numpy_dtype(d).np
        except TypeError:
            pass
    raise TypeError(f"dtype must be a tapegrad.dtype (e.g. tapegrad.float32), not {d!r}")


import builtins as _builtins  # noqa: E402

builtins_float, builtins_int, builtins_bool = _builtins.float, _builtins.int, _builtins.bool


def get_default_dtype() -> dtype:
    """The dtype of floating tensors made from Python floats (``tapegrad.float32`` at start)."""
    return _FROM_NUMPY[_default_float]


def default_float() -> np.dtype:
    """The default floating dtype as a NumPy dtype (hot-path form of ``get_default_dtype``)."""
    return _default_float


def set_default_dtype(d: dtype) -> None:
    """Set the default floating dtype; like torch, only float32 and float64 are accepted here."""
    global _default_float
    np_d = to_numpy_dtype(d)
    if np_d.kind != "f":
        raise TypeError(f"only floating-point types are supported as the default type, got {d!r}")
    _default_float = np_d


def is_float(np_d: np.dtype) -> _builtins.bool:
    return np_d.kind in "fc"


# torch's promotion: categories bool < integer < floating < complex.  Operands fall in three
# groups by priority: dimensioned tensors, 0-dim tensors, Python scalars (a scalar's type stands
# for its category's default dtype: float32 for a float, complex64 for a complex).  Inside a
# group dtypes promote as usual; across groups the higher-priority group's dtype wins unless the
# other group is of a higher category (then see _combine).
_CATEGORY = {"b": 0, "u": 1, "i": 1, "f": 2, "c": 3}


def result_dtype(a, b) -> np.dtype:
    """Result dtype of a binary op between two operands (NumPy arrays, 0-dim arrays or scalars)."""
    da, wa = _operand(a)
    db, wb = _operand(b)
    if da is db:
        return da
    if wa == wb:
        if wa == 2:
            da, db = _scalar_default(da), _scalar_default(db)
        return promote_pair(da, db)
    if wa > wb:
        da, db, wa, wb = db, da, wb, wa
    if wb == 2:
        db = _scalar_default(db)
    return _combine(da, db)


def promote_pair(da: np.dtype, db: np.dtype) -> np.dtype:
    """torch.promote_types: NumPy's, except that an integer or bool never widens a floating or
    complex type (int64 with float16 is float16, with complex64 complex64)."""
    ca, cb = _CATEGORY[da.kind], _CATEGORY[db.kind]
    if ca != cb and (ca >= 2 or cb >= 2) and min(ca, cb) <= 1:
        return da if ca > cb else db
    return np.promote_types(da, db)


def _combine(higher: np.dtype, lower: np.dtype) -> np.dtype:
    """The dtype of a higher-priority group of operands with a lower-priority one."""
    ch, cl = _CATEGORY[higher.kind], _CATEGORY[lower.kind]
    if ch == 3:
        return higher
    if cl == 3:  # a complex scalar keeps a floating tensor's precision: float64 * 1j is complex128
        return _COMPLEX_OF.get(higher, lower) if ch == 2 else lower
    if ch == 2:
        return higher
    if ch == 0 or cl == 2:
        return promote_pair(higher, lower)
    return higher


def _scalar_default(d: np.dtype) -> np.dtype:
    """The dtype a Python scalar of NumPy type ``d`` stands for."""
    return _category_default(_CATEGORY[d.kind])


def _category_default(c):
    if c == 2:
        return _default_float
    if c == 1:
        return I64
    if c == 3:
        return np.dtype(np.complex64) if _default_float == F32 else np.dtype(np.complex128)
    return BOOL


_COMPLEX_OF = {np.dtype(np.float16): np.dtype(np.complex64),  # complex32 has no NumPy type
               np.dtype(np.float32): np.dtype(np.complex64),
               np.dtype(np.float64): np.dtype(np.complex128)}


def _operand(x):
    """(numpy dtype, weakness) of an operand: 0 = dimensioned array, 1 = 0-dim, 2 = Python scalar."""
    cls = x.__class__
    if cls is np.ndarray:
        return x.dtype, (0 if x.ndim else 1)
    if cls is builtins_float:
        return F64, 2
    if cls is builtins_int:
        return I64, 2
    if cls is builtins_bool:
        return BOOL, 2
    if cls is complex:
        return np.dtype(np.complex128), 2
    if isinstance(x, np.generic):
        return x.dtype, 1
    raise TypeError(f"unsupported operand type {type(x).__name__}")


_TORCH_NAMES = {"float32": "Float", "float64": "Double", "float16": "Half", "int64": "Long",
                "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool",
                "complex64": "ComplexFloat", "complex128": "ComplexDouble"}


def torch_name(np_d: np.dtype) -> str:
    """torch's scalar-type name (``Float``, ``Long``...) used in its error messages."""
    return _TORCH_NAMES.get(np.dtype(np_d).name, str(np_d))
