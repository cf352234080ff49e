"""Complex tensors: building them (``complex``, ``polar``, ``view_as_complex``, ``cfloat``),
taking them apart (``real``, ``imag``, ``angle``, ``abs``, ``view_as_real``) and conjugating.

Complex tensors hold NumPy ``complex64``/``complex128`` arrays, so arithmetic, ``exp``,
``sum``, ``mean`` and ``matmul`` work as NumPy does them.  Autograd through complex values is
not implemented: these functions refuse an input that requires grad with a clear error rather
than record a graph that would give wrong (non-conjugated) gradients.  ``complex32``
(``chalf``) has no NumPy type and is refused.

``real`` and ``imag`` are views, as in torch: writing into them writes into the complex tensor.

    >>> z = tapegrad.complex(tapegrad.tensor([1., 2.]), tapegrad.tensor([3., 4.]))
    >>> z
    tensor([1.+3.j, 2.+4.j])
    >>> z.imag
    tensor([3., 4.])
"""
from __future__ import annotations

from typing import Any

import numpy as np

from . import _dtype
from ._ops.complex_angle import ANGLE
from ._ops.elementwise import ABS as _REAL_ABS
from ._tensor import Tensor
from .autograd import grad_mode

_COMPLEX_OF = {np.dtype(np.float32): np.dtype(np.complex64),
               np.dtype(np.float64): np.dtype(np.complex128)}


def _no_grad(name: str, *tensors: Any) -> None:
    """Refuse autograd through complex values (not implemented, and wrong if recorded)."""
    if grad_mode.state.enabled and any(isinstance(t, Tensor) and t.requires_grad
                                       for t in tensors):
        raise RuntimeError(f"tapegrad does not implement autograd through complex tensors: "
                           f"{name}() got a tensor that requires grad (use .detach() first)")


def _chalf_refused() -> RuntimeError:
    return RuntimeError("tapegrad has no complex32 (chalf) dtype: NumPy has no complex type "
                        "of two float16; use complex64 (cfloat) instead")


def _view(base: Tensor, array: np.ndarray) -> Tensor:
    """A tensor on ``array`` (a NumPy view of base's data), known to autograd as base's view."""
    out = Tensor._make(array)
    out._base = base._base if base._base is not None else base
    return out


def _real(self: Tensor) -> Tensor:
    """The real parts (a view) of a complex tensor; a real tensor itself."""
    if not self.is_complex():
        return self
    _no_grad("real", self)
    return _view(self, self._data.real)


def _imag(self: Tensor) -> Tensor:
    """The imaginary parts (a view) of a complex tensor; real tensors have none (an error)."""
    if not self.is_complex():
        raise RuntimeError("imag is not implemented for tensors with non-complex dtypes.")
    _no_grad("imag", self)
    return _view(self, self._data.imag)


def _set_part(getter: Any) -> Any:
    def setter(self: Tensor, value: Any) -> None:
        getter(self).copy_(value if isinstance(value, Tensor) else Tensor._make(np.asarray(value)))
    return setter


def real(input: Tensor) -> Tensor:
    """``input.real``: the real parts of a complex tensor (a view), a real tensor itself."""
    return _real(input)


def imag(input: Tensor) -> Tensor:
    """``input.imag``: the imaginary parts of a complex tensor (a view)."""
    return _imag(input)


def angle(input: Tensor) -> Tensor:
    """The argument of each element in radians: ``atan2(imag, real)`` for complex tensors,
    0 or pi for real ones (integers give the default float dtype)."""
    if input.is_complex():
        _no_grad("angle", input)
        return Tensor._make(np.angle(input._data).astype(input.dtype.to_real().np))
    return ANGLE(input)


def abs(input: Tensor) -> Tensor:  # noqa: A001  (torch's name)
    """Absolute value; the modulus (a real tensor) for complex input."""
    if input.is_complex():
        _no_grad("abs", input)
        return Tensor._make(np.abs(input._data))
    return _REAL_ABS(input)


def conj_physical(input: Tensor) -> Tensor:
    """The complex conjugate, computed now into a new tensor (a copy for real tensors)."""
    if not input.is_complex():
        return input.clone() if input.dtype.is_floating_point else Tensor._make(input._data.copy())
    _no_grad("conj_physical", input)
    return Tensor._make(np.conj(input._data))


def conj(input: Tensor) -> Tensor:
    """The complex conjugate; a real tensor itself.  (torch returns a lazy view flagged by
    ``is_conj()``; here the values are conjugated at once, and ``is_conj()`` is False.)"""
    if not input.is_complex():
        return input
    _no_grad("conj", input)
    return Tensor._make(np.conj(input._data))


def resolve_conj(input: Tensor) -> Tensor:
    """Materialise a lazy conjugation: tapegrad never has one, so the tensor itself."""
    return input


def is_conj(input: Tensor) -> bool:
    """Whether the tensor is a lazy conjugate view: never, here (``conj`` conjugates at once)."""
    return False


def _float_pair(first: Tensor, second: Tensor) -> np.dtype:
    """torch's checks on the two real inputs of ``complex`` and ``polar``."""
    a, b = first.dtype, second.dtype
    if not (a.is_floating_point and b.is_floating_point):
        raise RuntimeError(f"Expected both inputs to be Half, Float or Double tensors but got "
                           f"{_dtype.torch_name(a.np)} and {_dtype.torch_name(b.np)}")
    if a is not b:
        raise RuntimeError(f"Expected object of scalar type {_dtype.torch_name(a.np)} but got "
                           f"scalar type {_dtype.torch_name(b.np)} for second argument")
    if a.np not in _COMPLEX_OF:
        raise _chalf_refused()
    return _COMPLEX_OF[a.np]


def complex(real: Tensor, imag: Tensor) -> Tensor:  # noqa: A001  (torch's name)
    """The complex tensor ``real + i imag`` (broadcast); both float32 or both float64."""
    out = _float_pair(real, imag)
    _no_grad("complex", real, imag)
    r, i = np.broadcast_arrays(real._data, imag._data)
    values = np.empty(r.shape, out)
    values.real, values.imag = r, i
    return Tensor._make(values)


def polar(abs: Tensor, angle: Tensor) -> Tensor:  # noqa: A002  (torch's names)
    """The complex tensor ``abs * (cos(angle) + i sin(angle))``."""
    out = _float_pair(abs, angle)
    _no_grad("polar", abs, angle)
    r, t = np.broadcast_arrays(abs._data, angle._data)
    values = np.empty(r.shape, out)
    values.real, values.imag = r * np.cos(t), r * np.sin(t)
    return Tensor._make(values)


def view_as_real(input: Tensor) -> Tensor:
    """A real view of a complex tensor with a last dim of 2 (real, imaginary): shares memory."""
    if not input.is_complex():
        raise RuntimeError("view_as_real is only supported for complex tensors")
    _no_grad("view_as_real", input)
    data = input._data
    pairs = data[..., None].view(input.dtype.to_real().np)  # (..., 1) complex -> (..., 2) real
    return _view(input, pairs)


def view_as_complex(input: Tensor) -> Tensor:
    """A complex view of a float tensor whose last dim holds (real, imaginary) pairs."""
    kind = input.dtype
    if not kind.is_floating_point:
        raise RuntimeError("view_as_complex is only supported for half, float and double "
                           f"tensors, but got a tensor of scalar type: "
                           f"{_dtype.torch_name(kind.np)}")
    if kind.np not in _COMPLEX_OF:
        raise _chalf_refused()
    if input.dim() == 0 or input.shape[-1] != 2:
        raise RuntimeError("Tensor must have a last dimension of size 2")
    strides = input.stride()
    if strides[-1] != 1:
        raise RuntimeError("Tensor must have a last dimension with stride 1")
    if any(s % 2 for s in strides[:-1]):
        raise RuntimeError("Tensor must have a stride divisible by 2 for all but last dimension")
    _no_grad("view_as_complex", input)
    values = input._data.view(_COMPLEX_OF[kind.np])[..., 0]
    return _view(input, values)


def view_as_real_copy(input: Tensor) -> Tensor:
    """``view_as_real`` into new memory."""
    return Tensor._make(view_as_real(input)._data.copy())


def view_as_complex_copy(input: Tensor) -> Tensor:
    """``view_as_complex`` into new memory."""
    return Tensor._make(view_as_complex(input)._data.copy())


def _to_complex(name: str, target: Any) -> Any:
    def cast(self: Tensor, memory_format: Any = None) -> Tensor:
        _no_grad(name, self)
        return self if self.dtype is target else Tensor._make(self._data.astype(target.np))
    cast.__name__ = cast.__qualname__ = name
    cast.__doc__ = f"This tensor as {target!r} (a copy unless it already is)."
    return cast


def chalf(self: Tensor, memory_format: Any = None) -> Tensor:
    """complex32 is not available (NumPy has no such type): refused."""
    raise _chalf_refused()


def install_properties() -> None:
    """``Tensor.real`` and ``Tensor.imag`` are attributes in torch, not methods: properties
    (with setters that write into the view)."""
    Tensor.real = property(_real, _set_part(_real), doc=_real.__doc__)
    Tensor.imag = property(_imag, _set_part(_imag), doc=_imag.__doc__)


FUNCTIONS = {f.__name__: f for f in (abs, real, imag, angle, conj, conj_physical, resolve_conj,
                                      is_conj, complex, polar, view_as_real, view_as_complex,
                                      view_as_real_copy, view_as_complex_copy)}
METHODS = {"abs": abs, "__abs__": abs, "angle": angle, "conj": conj, "conj_physical": conj_physical,
           "resolve_conj": resolve_conj, "is_conj": is_conj,
           "cfloat": _to_complex("cfloat", _dtype.complex64),
           "cdouble": _to_complex("cdouble", _dtype.complex128), "chalf": chalf}
