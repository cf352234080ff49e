"""class Tensor: a NumPy array plus what autograd needs to know about it.

The state is kept small (``__slots__``): the array, whether it requires grad, the node that made
it (``grad_fn``), its accumulated ``.grad``, and a version counter shared with its views so that
in-place changes to values saved for backward are caught.  Operators and most methods are
attached by ``_methods.py``, one table that maps each method to the op that implements it.
"""
from __future__ import annotations

import warnings
from typing import Any, Callable, Iterator

import numpy as np

from . import _dtype
from .autograd import _engine, grad_mode
from ._ops import _transforms

_NON_LEAF_GRAD_WARNING = (
    "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. Its .grad "
    "attribute won't be populated during autograd.backward(). If you indeed want the .grad field "
    "to be populated for a non-leaf Tensor, use .retain_grad() on the non-leaf Tensor. If you "
    "access the non-leaf Tensor by mistake, make sure you access the leaf Tensor instead. See "
    "github.com/pytorch/pytorch/pull/30531 for more information. (Triggered internally at "
    "/__w/pytorch/pytorch/build/aten/src/ATen/core/TensorBody.h:493.)")


class Size(tuple):
    """The shape of a tensor: a tuple that prints as ``tapegrad.Size([2, 3])``."""

    __slots__ = ()

    def __repr__(self) -> str:
        return f"tapegrad.Size({list(self)})"

    def numel(self) -> int:
        """The number of elements: the product of the sizes."""
        n = 1
        for s in self:
            n *= s
        return n

    def __getitem__(self, key):  # slices stay Size, as in torch
        out = tuple.__getitem__(self, key)
        return Size(out) if isinstance(key, slice) else out


class device:
    """A device label; tapegrad computes on the CPU only (``device('cpu')``)."""

    __slots__ = ("type", "index")

    def __init__(self, type: "str | device" = "cpu", index: int | None = None) -> None:  # noqa: A002
        if isinstance(type, device):
            type, index = type.type, type.index
        name, _, idx = str(type).partition(":")
        if name not in ("cpu", "cuda", "mps", "meta", "xpu"):
            raise RuntimeError(f"Expected one of cpu, cuda, mps, meta, xpu device type at start of "
                               f"device string: {type}")
        self.type = name
        self.index = int(idx) if idx else index

    def __repr__(self) -> str:
        extra = f", index={self.index}" if self.index is not None else ""
        return f"device(type='{self.type}'{extra})"

    def __str__(self) -> str:
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, str):
            other = device(other)
        return isinstance(other, device) and (self.type, self.index) == (other.type, other.index)

    def __hash__(self) -> int:
        return hash((self.type, self.index))


CPU = device("cpu")


def check_device(dev: Any) -> None:
    """Accept ``'cpu'``/``device('cpu')``/``None``; refuse accelerators the way torch's CPU build does."""
    if dev is None:
        return
    d = dev if isinstance(dev, device) else device(dev)
    if d.type != "cpu":
        raise AssertionError("Torch not compiled with CUDA enabled" if d.type == "cuda"
                             else f"tapegrad runs on the CPU only; device {d} is not available")


# Tensor subclasses that hold their own array (nn.Parameter, user subclasses): the fast op entry
# treats them as tensors. A subclass that does not (vmap's BatchedTensor) says _plain = False.
PLAIN_SUBCLASSES: set = set()
_WARNED_FLOAT: list = []


class Tensor:
    """A multi-dimensional array that records the operations applied to it for autograd.

    Create tensors with ``tapegrad.tensor(data)`` (dtype inferred as torch does) or with the
    legacy constructor ``tapegrad.Tensor(data)``, which always makes float32.
    """

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.__dict__.get("_plain", True):
            PLAIN_SUBCLASSES.add(cls)

    __slots__ = ("_data", "_requires_grad", "_grad_fn", "_output_nr", "_grad", "_base", "_vbox",
                 "_hooks", "_retains_grad", "_view_gen", "__weakref__")
    # _view_gen (set on views only, when nonzero): how many recorded in-place ops had replaced the
    # base's history when the view was made; see _note_rebase.
    __array_priority__ = 1000  # NumPy defers mixed operators to the Tensor's reflected methods
    _n_outputs = 1  # a leaf is a graph target with one "output" (see autograd/_engine.py)

    def __init__(self, *args: Any, device: Any = None) -> None:
        check_device(device)
        if len(args) == 1 and not isinstance(args[0], int):
            data = np.array(_unwrap_nested(args[0]), dtype=np.float32)
        else:
            data = np.empty(tuple(args), dtype=np.float32)
        self._init(data, None, False, 0)

    def _init(self, data: np.ndarray, grad_fn, requires_grad: bool, output_nr: int) -> None:
        self._data = data
        self._grad_fn = grad_fn
        self._requires_grad = requires_grad
        self._output_nr = output_nr
        self._grad = None
        self._base = None
        self._vbox = None
        self._hooks = None
        self._retains_grad = False

    @staticmethod
    def _make(data: np.ndarray, grad_fn=None, requires_grad: bool = False,
              output_nr: int = 0) -> "Tensor":
        """Wrap an array without copying (internal, hot path)."""
        t = _new(Tensor)
        t._data = data
        t._grad_fn = grad_fn
        t._requires_grad = requires_grad
        t._output_nr = output_nr
        t._grad = None
        t._base = None
        t._vbox = None
        t._hooks = None
        t._retains_grad = False
        return t

    # -- autograd state ------------------------------------------------------------------------
    @property
    def requires_grad(self) -> bool:
        """Whether gradients are computed for this tensor."""
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, flag: bool) -> None:
        self.requires_grad_(flag)

    def requires_grad_(self, requires_grad: bool = True) -> "Tensor":
        """Set ``requires_grad`` in place (leaves only) and return self."""
        if self._grad_fn is not None:
            if requires_grad:
                return self
            raise RuntimeError("you can only change requires_grad flags of leaf variables. If you "
                               "want to use a computed variable in a subgraph that doesn't require "
                               "differentiation use var_no_grad = var.detach().")
        if requires_grad and self._data.dtype.kind not in "fc":
            raise RuntimeError("only Tensors of floating point dtype can require gradients")
        if requires_grad and self._data.dtype.kind == "c":
            raise RuntimeError(_engine.COMPLEX_AUTOGRAD)
        self._requires_grad = bool(requires_grad)
        return self

    @property
    def grad_fn(self):
        """The node that created this tensor (None for leaves)."""
        return self._grad_fn

    @property
    def is_leaf(self) -> bool:
        """True for tensors not produced by a recorded op (user-created or ``requires_grad=False``)."""
        return self._grad_fn is None

    @property
    def grad(self) -> "Tensor | None":
        """Gradient accumulated by ``backward()`` (leaves, or non-leaves after ``retain_grad()``)."""
        if self._grad_fn is not None and not self._retains_grad:
            warnings.warn(_NON_LEAF_GRAD_WARNING, UserWarning, stacklevel=2)
        return self._grad

    @grad.setter
    def grad(self, value: "Tensor | None") -> None:
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError(f"assigned grad expected to be a Tensor or None but got grad of "
                                f"type {type(value).__name__}")
            if value.shape != self.shape:
                raise RuntimeError(f"assigned grad has data of a different size: "
                                   f"{value.shape} vs {self.shape}")
        self._grad = value

    @property
    def retains_grad(self) -> bool:
        """Whether ``retain_grad()`` was called on this non-leaf tensor."""
        return self._retains_grad

    def retain_grad(self) -> None:
        """Ask for this non-leaf tensor's gradient to be stored in ``.grad`` during backward."""
        if not self._requires_grad:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        if self._grad_fn is None or self._retains_grad:
            return
        self._retains_grad = True
        _engine.retain(self._grad_fn, self._output_nr, self)

    def register_hook(self, hook: Callable[["Tensor"], "Tensor | None"]):
        """Call ``hook(grad)`` whenever a gradient for this tensor is computed.

        The hook may return a tensor to use instead of ``grad``.  Returns a handle with
        ``.remove()``.
        """
        if not self._requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self._grad_fn is None:
            if self._hooks is None:
                self._hooks = []
            return _engine._RemovableHandle(self._hooks, (0, hook))
        node = self._grad_fn
        extra = node._extras()
        if extra.pre_hooks is None:
            extra.pre_hooks = []
        return _engine._RemovableHandle(extra.pre_hooks, (self._output_nr, hook))

    def backward(self, gradient: "Tensor | None" = None, retain_graph: bool | None = None,
                 create_graph: bool = False, inputs=None) -> None:
        """Accumulate d(self)/d(leaf) into each leaf's ``.grad`` (see ``tapegrad.autograd.backward``)."""
        from tapegrad.autograd import backward
        backward(self, gradient, retain_graph, create_graph, inputs=inputs)

    def detach(self) -> "Tensor":
        """A tensor sharing this one's data but cut from the graph (``requires_grad=False``)."""
        t = Tensor._make(self._data)
        t._base = self._base if self._base is not None else self
        return t

    def detach_(self) -> "Tensor":
        """Cut this tensor from the graph in place."""
        self._grad_fn = None
        self._requires_grad = False
        return self

    @property
    def data(self) -> "Tensor":
        """The same values as a tensor outside autograd (changes to it are not tracked)."""
        return Tensor._make(self._data)

    @data.setter
    def data(self, value: "Tensor") -> None:
        self._data = value._data if isinstance(value, Tensor) else np.asarray(value)

    @property
    def _version(self) -> int:
        root = self._base if self._base is not None else self
        return 0 if root._vbox is None else root._vbox[0]

    def _version_box(self) -> list:
        root = self._base if self._base is not None else self
        if root._vbox is None:
            root._vbox = [0]
        return root._vbox

    def _bump(self) -> None:
        """Count an in-place change (shared by all views of the same data)."""
        root = self._base if self._base is not None else self
        if root._vbox is None:
            root._vbox = [1]
        else:
            root._vbox[0] += 1

    @property
    def output_nr(self) -> int:
        """Which output of its ``grad_fn`` this tensor is (0 for single-output ops)."""
        return self._output_nr

    def _is_view(self) -> bool:
        """Whether this tensor is a view of another one (its ``_base``); ``detach()`` shares
        its base's array and version counter without being a view, as in torch."""
        return self._base is not None and self._data is not self._base._data

    # -- metadata ------------------------------------------------------------------------------
    @property
    def shape(self) -> Size:
        """The size of each dimension, as a ``tapegrad.Size``."""
        return Size(self._data.shape)

    def size(self, dim: int | None = None):
        """The shape, or the length of one dimension."""
        if dim is None:
            return Size(self._data.shape)
        return self._data.shape[_wrap_dim(dim, self._data.ndim)]

    @property
    def dtype(self) -> _dtype.dtype:
        """The element type, e.g. ``tapegrad.float32``."""
        return _dtype.from_numpy_dtype(self._data.dtype)

    @property
    def ndim(self) -> int:
        """The number of dimensions."""
        return self._data.ndim

    def dim(self) -> int:
        """The number of dimensions (also ``ndimension()``)."""
        return self._data.ndim

    ndimension = dim

    def numel(self) -> int:
        """The number of elements (also ``nelement()``)."""
        return self._data.size

    nelement = numel

    def element_size(self) -> int:
        """Bytes per element."""
        return self._data.itemsize

    @property
    def itemsize(self) -> int:
        """Bytes per element."""
        return self._data.itemsize

    @property
    def nbytes(self) -> int:
        """Bytes taken by the elements: ``numel() * itemsize``."""
        return self._data.nbytes

    @property
    def device(self) -> device:
        """Always ``device('cpu')``: tapegrad computes on the CPU."""
        return CPU

    is_cuda = False
    is_sparse = False
    is_quantized = False
    is_meta = False
    layout = "torch.strided"

    def get_device(self) -> int:
        """-1, torch's answer for a CPU tensor."""
        return -1

    def is_floating_point(self) -> bool:
        """True for float dtypes (float16/32/64)."""
        return self._data.dtype.kind == "f"

    def is_complex(self) -> bool:
        """True for complex dtypes."""
        return self._data.dtype.kind == "c"

    def is_contiguous(self, memory_format: Any = None) -> bool:
        """Whether the elements lie in memory in row-major order without gaps."""
        return bool(self._data.flags.c_contiguous)

    def stride(self, dim: int | None = None):
        """The step, in elements, between neighbours along each dimension (or along ``dim``)."""
        strides = tuple(s // self._data.itemsize for s in self._data.strides)
        return strides if dim is None else strides[_wrap_dim(dim, self._data.ndim)]

    def data_ptr(self) -> int:
        """The address of the first element."""
        return self._data.__array_interface__["data"][0]

    def storage_offset(self) -> int:
        """Offset of the first element, in elements, from the start of the base tensor's data."""
        return 0 if self._base is None else (self.data_ptr() - self._base.data_ptr()) // self._data.itemsize

    # -- conversion to Python / NumPy ----------------------------------------------------------
    def item(self) -> float | int | bool:
        """The value of a one-element tensor as a Python number."""
        if self._data.size != 1:
            raise RuntimeError(f"a Tensor with {self._data.size} elements cannot be converted to "
                               "Scalar")
        return self._data.reshape(()).item()

    def tolist(self):
        """The values as (nested) Python lists of numbers."""
        return self._data.tolist()

    def numpy(self, *, force: bool = False) -> np.ndarray:
        """The values as a NumPy array sharing memory with this tensor."""
        if self._requires_grad and not force:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use "
                               "tensor.detach().numpy() instead.")
        return self._data

    def __array__(self, dtype=None, copy=None) -> np.ndarray:
        a = self.numpy()
        return a if dtype is None else a.astype(dtype, copy=False)

    def cpu(self) -> "Tensor":
        """Self: tensors already live on the CPU."""
        return self

    def cuda(self, *args: Any, **kwargs: Any) -> "Tensor":
        """Refused (AssertionError, as in torch's CPU build): tapegrad has no GPU backend."""
        check_device("cuda")
        return self  # pragma: no cover (check_device raised)

    def __len__(self) -> int:
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self) -> Iterator["Tensor"]:
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self._data.shape[0]))

    def __bool__(self) -> bool:
        if self._data.size != 1:
            raise RuntimeError("Boolean value of Tensor with more than one value is ambiguous")
        return bool(self._data.reshape(()))

    def __float__(self) -> float:
        if self._requires_grad and grad_mode.state.enabled and not _WARNED_FLOAT:
            _WARNED_FLOAT.append(True)  # torch warns once per process
            warnings.warn("Converting a tensor with requires_grad=True to a scalar may lead to "
                          "unexpected behavior.\nConsider using tensor.detach() first. (Triggered "
                          "internally at /__w/pytorch/pytorch/torch/csrc/autograd/generated/"
                          "python_variable_methods.cpp:822.)", UserWarning, stacklevel=2)
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __complex__(self) -> complex:
        return complex(self.item())

    def __index__(self) -> int:
        if self._data.dtype.kind not in "iub" or self._data.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self.item())

    __hash__ = object.__hash__  # identity, as torch (set again by _methods.install after __eq__)

    def __repr__(self, *, tensor_contents: Any = None) -> str:
        from tapegrad._formatting import tensor_repr
        fn = self._grad_fn
        tangent = None
        if _transforms.active:
            from tapegrad.autograd.forward_ad import tangent_for_repr
            t = tangent_for_repr(self)
            if t is not None:
                tangent = repr(float(t._data)) if t._data.ndim == 0 else repr(t)
        # torch shows the node's class name (CopySlices), not name() (torch::autograd::CopySlices)
        return tensor_repr(self._data, grad_fn_name=None if fn is None else type(fn).__name__,
                           requires_grad=self._requires_grad,
                           default_float=_dtype.default_float(), tangent=tangent)

    def __format__(self, spec: str) -> str:
        if self._data.ndim == 0:
            return self.item().__format__(spec)
        return object.__format__(self, spec)

    def __deepcopy__(self, memo: dict) -> "Tensor":
        if self._grad_fn is not None:
            raise RuntimeError("Only Tensors created explicitly by the user (graph leaves) support "
                               "the deepcopy protocol at the moment.  If you were attempting to "
                               "deepcopy a module, this may be because of a torch.nn.utils."
                               "weight_norm usage, see https://github.com/pytorch/pytorch/pull/103001")
        t = Tensor._make(self._data.copy(), None, self._requires_grad)
        if self._grad is not None:
            t._grad = Tensor._make(self._grad._data.copy())
        memo[id(self)] = t
        return t

    def __reduce_ex__(self, protocol: int):
        return (_rebuild, (self._data, self._requires_grad))

    # -- in-place machinery --------------------------------------------------------------------
    def _ufunc_into(self, op: Any, args: tuple) -> bool:
        """``self op= args`` with the op's NumPy ufunc writing into self's array, when that is
        exactly what the general path would do: a float self, operands that broadcast to its
        shape.  Returns False (nothing done) otherwise."""
        ufunc = getattr(op, "forward", None)
        ufunc = getattr(ufunc, "ufunc", ufunc)  # a forward that checks its operands first
        mine = self._data
        if ufunc.__class__ is not np.ufunc or mine.dtype.kind != "f" or ufunc.nin != 1 + len(args):
            return False
        operands = []
        for a in args:
            if isinstance(a, Tensor):
                d = a._data
                if d.dtype.kind not in "fiu":  # bools take the general path (sub refuses them)
                    return False
                if d.shape != mine.shape:
                    try:
                        if np.broadcast_shapes(d.shape, mine.shape) != mine.shape:
                            return False
                    except ValueError:  # the general path raises torch's message
                        return False
                operands.append(d)
            elif a.__class__ is float or a.__class__ is int:
                operands.append(a)
            else:
                return False
        try:
            ufunc(mine, *operands, out=mine, casting="same_kind")
        except ValueError:  # a read-only array: a slice of an expanded one can still be written
            alias = writable(mine, overlap_ok=False)
            ufunc(alias, *operands, out=alias, casting="same_kind")
        self._bump()
        return True

    def _inplace_on_view(self, op: Callable, args: tuple, kwargs: dict,
                         recording: bool) -> "Tensor":
        """``view.op_(...)`` that autograd must record (torch's CopySlices).

        The base tensor's history becomes "the old base with the view's elements replaced by
        ``op(old view)``" (an index_put, recorded as CopySlices), and the view's history becomes
        those elements of the new base.  Which base elements the view covers is read from the
        two arrays' memory layout, so any NumPy view (slices, transposes, reshapes) works.
        """
        from tapegrad._ops import shape as S
        base = self._base
        if recording and base._grad_fn is None and base._requires_grad:
            raise RuntimeError("a view of a leaf Variable that requires grad is being used in an "
                               "in-place operation.")
        index = _view_index(base._data, self._data)
        if index is None:
            raise RuntimeError("tapegrad cannot record an in-place operation on this view (its "
                               "base is not a contiguous array); use an out-of-place operation")
        snapshot = Tensor._make(base._data.copy(), base._grad_fn, base._requires_grad,
                                base._output_nr)
        fw = _transforms.active  # forward AD: tangents follow the values through the rebasing
        if fw:
            from tapegrad.autograd.forward_ad import copy_tangent
            copy_tangent(snapshot, base)
        view_old = S.INDEX_ADVANCED(snapshot, index=index)
        if fw:  # the view's own tangent (a dual made by make_dual has one its base lacks)
            copy_tangent(view_old, self)
        result = op(view_old, *args, **kwargs)
        out, mine = result._data, self._data
        _check_inplace_result(out, mine)
        new_base = S.INDEX_PUT(snapshot, result, index=index)
        np.copyto(mine, out, casting="unsafe")  # writes through into the base's array
        self._bump()
        if recording:
            base._grad_fn, base._output_nr, base._requires_grad = new_base._grad_fn, 0, True
            self._view_gen = _note_rebase(base)  # this view's history is the new one
        current = Tensor._make(base._data, base._grad_fn, base._requires_grad, base._output_nr)
        if fw:
            copy_tangent(base, new_base)
            copy_tangent(current, new_base)
        as_view = S.INDEX_AS_STRIDED(current, index=index)
        if recording:
            self._grad_fn, self._output_nr, self._requires_grad = as_view._grad_fn, 0, True
        if fw:
            copy_tangent(self, as_view)
        return self

    def _view_inplace(self, op: Callable, **params: Any) -> "Tensor":
        """``x.unsqueeze_(0)``, ``x.t_()``...: self becomes the view ``op(self)`` of its own data.

        The values stay in place: only the shape and strides change.  When recorded, self takes
        the view's node (``UnsqueezeBackward1``...), as torch's in-place view ops do; a leaf
        that requires grad is refused, with torch's message.
        """
        if self.__class__ is not Tensor and self.__class__ not in PLAIN_SUBCLASSES:
            result = op(self, **params)  # inside vmap: the batched view replaces self's value
            self._value = result._value
            return self
        recording = grad_mode.state.enabled and self._requires_grad
        if recording and self._grad_fn is None:
            raise RuntimeError(("a view of a leaf Variable" if self._base is not None else
                                "a leaf Variable") + " that requires grad is being used in an "
                               "in-place operation.")
        result = op(self, **params)
        self._data = result._data
        if recording:
            self._grad_fn, self._output_nr = result._grad_fn, 0
        if _transforms.active:
            from tapegrad.autograd.forward_ad import copy_tangent
            copy_tangent(self, result)
        self._bump()
        return self

    def _inplace(self, op: Callable, *args: Any, **kwargs: Any) -> "Tensor":
        """Apply ``op(self, *args)`` and store the result in self, as torch's ``op_`` methods do.

        When the op is recorded, self takes over the result's graph node (its history is
        rebased) and its version counter moves on, so that a node that saved the old value
        refuses to run backward with the new one.
        """
        recording = grad_mode.state.enabled and (
            self._requires_grad or any(isinstance(a, Tensor) and a._requires_grad for a in args))
        if self._base is not None and _transforms.active and not recording:
            from tapegrad.autograd.forward_ad import level_entered
            if level_entered():  # the base's tangent must change with the view's values
                return self._inplace_on_view(op, args, kwargs, recording=False)
        if recording:
            if self._grad_fn is None and self._requires_grad:
                raise RuntimeError("a leaf Variable that requires grad is being used in an "
                                   "in-place operation.")
            if self._base is not None and (self._base._requires_grad or not self._requires_grad):
                return self._inplace_on_view(op, args, kwargs, recording=True)
            old = Tensor._make(self._data.copy(), self._grad_fn, self._requires_grad,
                               self._output_nr)
            if _transforms.active:
                from tapegrad.autograd.forward_ad import copy_tangent
                copy_tangent(old, self)
            result = op(old, *args, **kwargs)
        elif not _transforms.active and not kwargs and self._ufunc_into(op, args):
            return self  # computed straight into self's array (the optimiser step's path)
        else:
            result = op(self, *args, **kwargs)
        try:
            out = result._data
        except RuntimeError:  # a batched result (inside vmap) cannot go into an unbatched tensor
            raise RuntimeError(f"output with shape {list(self.shape)} doesn't match the broadcast "
                               f"shape {list(result._value.shape)}") from None
        mine = self._data
        _check_inplace_result(out, mine)
        try:
            np.copyto(mine, out, casting="unsafe")
        except ValueError:  # a read-only array: a slice of an expanded one can still be written
            np.copyto(writable(mine, overlap_ok=False), out, casting="unsafe")
        self._bump()
        if _transforms.active:  # forward AD: self now holds the result, and its tangent
            from tapegrad.autograd.forward_ad import copy_tangent
            copy_tangent(self, result)
        if recording:
            self._grad_fn = result._grad_fn
            self._output_nr = 0
            self._requires_grad = True
            _note_rebase(self)
        return self


_new = object.__new__


def _check_inplace_result(out: np.ndarray, mine: np.ndarray) -> None:
    """torch's errors when an in-place op's result cannot be stored in the tensor."""
    if out.dtype != mine.dtype and not np.can_cast(out.dtype, mine.dtype, "same_kind"):
        raise RuntimeError(f"result type {_dtype.torch_name(out.dtype)} can't be cast to the "
                           f"desired output type {_dtype.torch_name(mine.dtype)}")
    if out.shape != mine.shape:
        raise RuntimeError(f"output with shape {list(mine.shape)} doesn't match the broadcast "
                           f"shape {list(out.shape)}")


_OVERLAP_ERROR = ("unsupported operation: more than one element of the written-to tensor refers "
                  "to a single memory location. Please clone() the tensor before performing the "
                  "operation.")


def writable(mine: np.ndarray, overlap_ok: bool = True) -> np.ndarray:
    """A writeable alias of a read-only array made by expanding (NumPy's broadcasting views are
    read-only; torch's are not), for the writes torch allows.  Elements that share memory get
    the last value written; where torch refuses that (``overlap_ok=False``: arithmetic in
    place, ``copy_``, ``fill_`` with a tensor), its RuntimeError."""
    if mine.flags.writeable:
        return mine
    if not overlap_ok and any(st == 0 and n > 1 for n, st in zip(mine.shape, mine.strides)):
        raise RuntimeError(_OVERLAP_ERROR)
    root = mine
    while isinstance(root.base, np.ndarray):
        root = root.base
    if not (root.flags.writeable and root.flags.c_contiguous):
        raise RuntimeError("tapegrad cannot write into this tensor: its memory is read-only")
    start = mine.__array_interface__["data"][0] - root.__array_interface__["data"][0]
    flat = root.reshape(-1)[start // root.itemsize:]
    return np.lib.stride_tricks.as_strided(flat, mine.shape, mine.strides)


def _note_rebase(tensor: Tensor) -> int:
    """Count a recorded in-place op that gave ``tensor``'s root a new history (kept in the root's
    version box, after the version).  Views made before it still point at the old history, so
    using them is refused (``check_view``) instead of giving a silently wrong gradient."""
    root = tensor._base if tensor._base is not None else tensor
    box = root._version_box()
    if len(box) == 1:
        box.append(1)
    else:
        box[1] += 1
    return box[1]


def view_generation(root: Tensor) -> int:
    """How many history-replacing in-place ops ``root`` has seen (0 for most tensors)."""
    box = root._vbox
    return box[1] if box is not None and len(box) > 1 else 0


def check_view(view: Tensor) -> None:
    """Refuse a view whose base's history was replaced after the view was made."""
    made = view._view_gen if hasattr(view, "_view_gen") else 0
    if view_generation(view._base) != made:
        raise RuntimeError(
            "this view was made before an in-place operation that autograd recorded changed its "
            "base (or another view of it); tapegrad does not regenerate the view's history as "
            "torch does, so its gradient would be wrong. Index the base again after the "
            "in-place operation.")


def _view_index(base: np.ndarray, view: np.ndarray) -> tuple | None:
    """The base elements a view covers, as an index into ``base`` shaped like the view (or None
    when the base's memory is not C-contiguous, where offsets do not map to positions)."""
    if not base.flags.c_contiguous or view.dtype != base.dtype:
        return None
    size = base.itemsize
    start = view.__array_interface__["data"][0] - base.__array_interface__["data"][0]
    if start % size:
        return None
    pos = np.full(view.shape, start // size, dtype=np.intp)
    for axis, (n, stride) in enumerate(zip(view.shape, view.strides)):
        if stride % size:
            return None
        shape = [1] * view.ndim
        shape[axis] = n
        pos = pos + (np.arange(n, dtype=np.intp) * (stride // size)).reshape(shape)
    if pos.size and (pos.min() < 0 or pos.max() >= base.size):
        return None
    return np.unravel_index(pos, base.shape)


def _rebuild(data: np.ndarray, requires_grad: bool) -> Tensor:
    return Tensor._make(np.array(data), None, requires_grad)


def _wrap_dim(dim: int, ndim: int) -> int:
    """Turn a possibly negative dim into an index, with torch's IndexError when out of range."""
    lo, hi = (-ndim, ndim - 1) if ndim else (-1, 0)
    if not lo <= dim <= hi:
        raise IndexError(f"Dimension out of range (expected to be in range of [{lo}, {hi}], but "
                         f"got {dim})")
    return dim + ndim if dim < 0 and ndim else (0 if ndim == 0 else dim)


def _unwrap_nested(data: Any) -> Any:
    """Replace tensors inside nested lists by their arrays (for ``tensor([t1, t2])``)."""
    if isinstance(data, Tensor):
        return data._data
    if isinstance(data, (list, tuple)):
        return [_unwrap_nested(d) for d in data]
    return data


_engine.bind(tensor_cls=Tensor)
