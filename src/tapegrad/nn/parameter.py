"""``nn.Parameter``, ``nn.Buffer`` and the uninitialised parameters of lazy modules.

A ``Parameter`` is a Tensor that a ``Module`` registers as one of its parameters when it is
assigned as an attribute (``self.w = nn.Parameter(torch.randn(3))``).  It shares its data with the
tensor it was made from, requires grad by default and prints as ``Parameter containing:``; every
operation on it returns a plain Tensor, as in torch.

``Buffer`` marks a tensor to be registered as a buffer (state that is not trained, such as
BatchNorm's running mean).  As in torch, ``Buffer(t)`` returns a plain Tensor carrying the mark;
``isinstance(b, nn.Buffer)`` recognises it.

``UninitializedParameter`` / ``UninitializedBuffer`` stand in for tensors whose shape a lazy
module learns at its first call (``nn.LazyLinear``); ``materialize(shape)`` turns them into a
``Parameter`` / plain Tensor of that shape.
"""
from __future__ import annotations

import weakref
from typing import Any

import tapegrad

__all__ = ["Parameter", "UninitializedParameter", "is_lazy", "Buffer", "UninitializedBuffer",
           "UninitializedTensorMixin"]


def _alias(cls: type, data: tapegrad.Tensor, requires_grad: bool) -> Any:
    """A new object of class ``cls`` (a Tensor subclass) sharing ``data``'s values."""
    t = object.__new__(cls)
    tapegrad.Tensor.__init__(t, 0)  # an empty tensor: the slots initialised
    t.data = data                   # ... now holding data's array itself (no copy)
    t.requires_grad_(requires_grad)
    return t


class Parameter(tapegrad.Tensor):
    """A Tensor that is a module parameter.

    Assigning a ``Parameter`` as a ``Module`` attribute registers it: it is listed by
    ``parameters()``, saved in ``state_dict()`` and converted by ``module.double()``.  Assigning a
    plain Tensor registers nothing (useful for caches such as an RNN's last hidden state).

    Args:
        data: the tensor whose data the parameter shares (an empty tensor when None).
        requires_grad: whether the parameter requires grad (``True`` by default, even inside
            ``no_grad()``).

    Example::

        >>> w = nn.Parameter(torch.ones(2))
        >>> w
        Parameter containing:
        tensor([1., 1.], requires_grad=True)
    """

    def __new__(cls, data: tapegrad.Tensor | None = None, requires_grad: bool = True) -> Any:
        if data is None:
            data = tapegrad.empty(0)
        if requires_grad and not (data.is_floating_point() or data.is_complex()):
            raise RuntimeError("Only Tensors of floating point and complex dtype can require "
                               "gradients")
        return _alias(cls, data, requires_grad)

    def __init__(self, data: tapegrad.Tensor | None = None, requires_grad: bool = True) -> None:
        pass  # __new__ did the work; Tensor.__init__ (the legacy constructor) must not run

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()

    def __deepcopy__(self, memo: dict) -> "Parameter":
        # torch copies the values and requires_grad, not .grad
        if id(self) in memo:
            return memo[id(self)]
        result = type(self)(self.data.clone(), self.requires_grad)
        memo[id(self)] = result
        return result

    def __reduce_ex__(self, protocol: int):
        return (_rebuild_parameter, (self.data, self.requires_grad, dict(self.__dict__)))


def _rebuild_parameter(data: tapegrad.Tensor, requires_grad: bool, state: dict) -> Parameter:
    """Unpickling helper (torch's ``_rebuild_parameter``)."""
    p = Parameter(data, requires_grad)
    p.__dict__.update(state)
    return p


# -- buffers ------------------------------------------------------------------------------------
# Tensors marked by Buffer(...): id -> (weak reference, persistent).  A plain Tensor has no
# attribute dictionary (it uses __slots__), so the mark is kept here rather than on the tensor.
_buffer_marks: dict[int, tuple[weakref.ref, bool]] = {}


def _mark_buffer(t: tapegrad.Tensor, persistent: bool) -> None:
    key = id(t)
    _buffer_marks[key] = (weakref.ref(t, lambda _, key=key: _buffer_marks.pop(key, None)),
                          persistent)


def buffer_persistence(t: Any) -> bool | None:
    """``persistent`` of a tensor marked by ``Buffer(...)``, None for an unmarked one."""
    entry = _buffer_marks.get(id(t))
    if entry is None or entry[0]() is not t:
        return None
    return entry[1]


class _BufferMeta(type):
    def __instancecheck__(cls, instance: Any) -> bool:
        if cls is Buffer:
            return buffer_persistence(instance) is not None
        return super().__instancecheck__(instance)


class Buffer(tapegrad.Tensor, metaclass=_BufferMeta):
    """Marks a tensor to be registered as a buffer when assigned as a ``Module`` attribute.

    Buffers are module state that is not a parameter: saved in ``state_dict()`` (unless
    ``persistent=False``) and converted by ``module.to()``, but not trained.

    Example::

        >>> self.running_mean = nn.Buffer(torch.zeros(3))   # same as register_buffer(...)
    """

    def __new__(cls, data: tapegrad.Tensor | None = None, *, persistent: bool = True) -> Any:
        if data is None:
            data = tapegrad.empty(0)
        t = data.detach().requires_grad_(data.requires_grad)
        _mark_buffer(t, persistent)
        return t


# -- lazy (uninitialised) parameters and buffers ------------------------------------------------
_UNINITIALIZED_SHAPE = (
    "Can't access the shape of an uninitialized parameter or buffer. This error usually happens "
    "in `load_state_dict` when trying to load an uninitialized parameter into an initialized one. "
    "Call `forward` to initialize the parameters before accessing their attributes.")


class UninitializedTensorMixin:
    """What uninitialised parameters and buffers share: no shape until ``materialize``."""

    __slots__ = ()
    cls_to_become: type = tapegrad.Tensor

    def materialize(self, shape: Any, device: Any = None, dtype: Any = None) -> None:
        """Give the tensor ``shape`` (uninitialised values) and turn it into ``cls_to_become``.

        ``dtype`` defaults to the dtype the uninitialised tensor was made with.
        """
        if dtype is None:
            dtype = self.data.dtype
        self.data = tapegrad.empty(shape, device=device, dtype=dtype)
        self.__class__ = self.cls_to_become

    @property
    def shape(self) -> Any:
        raise RuntimeError(_UNINITIALIZED_SHAPE)

    def size(self, dim: int | None = None) -> Any:
        raise RuntimeError(_UNINITIALIZED_SHAPE)

    def __repr__(self) -> str:
        return f"<{self.__class__.__name__}>"

    def __reduce_ex__(self, protocol: int):
        return (self.__class__, (self.requires_grad,))


def is_lazy(param: Any) -> bool:
    """Whether ``param`` is an ``UninitializedParameter`` or ``UninitializedBuffer``."""
    return isinstance(param, UninitializedTensorMixin)


class UninitializedParameter(UninitializedTensorMixin, Parameter):
    """A parameter whose shape is not known yet (held by lazy modules such as ``LazyLinear``).

    It becomes a ``Parameter`` when the module calls ``materialize(shape)`` at its first call.
    """

    cls_to_become = Parameter

    def __new__(cls, requires_grad: bool = True, device: Any = None, dtype: Any = None) -> Any:
        return _alias(cls, tapegrad.empty(0, device=device, dtype=dtype), requires_grad)

    def __init__(self, requires_grad: bool = True, device: Any = None, dtype: Any = None) -> None:
        pass

    def __deepcopy__(self, memo: dict) -> "UninitializedParameter":
        if id(self) in memo:
            return memo[id(self)]
        result = type(self)(self.requires_grad, dtype=self.data.dtype)
        memo[id(self)] = result
        return result


class UninitializedBuffer(UninitializedTensorMixin, tapegrad.Tensor):
    """A buffer whose shape is not known yet; ``materialize(shape)`` makes it a plain Tensor."""

    __slots__ = ()  # the same layout as Tensor, so that materialize can turn it into one
    cls_to_become = tapegrad.Tensor

    def __new__(cls, requires_grad: bool = False, device: Any = None, dtype: Any = None,
                persistent: bool = True) -> Any:
        t = _alias(cls, tapegrad.empty(0, device=device, dtype=dtype), requires_grad)
        _mark_buffer(t, persistent)
        return t

    def __init__(self, requires_grad: bool = False, device: Any = None, dtype: Any = None,
                 persistent: bool = True) -> None:
        pass

    def __deepcopy__(self, memo: dict) -> "UninitializedBuffer":
        if id(self) in memo:
            return memo[id(self)]
        result = type(self)(self.requires_grad, dtype=self.data.dtype,
                            persistent=bool(buffer_persistence(self)))
        memo[id(self)] = result
        return result
