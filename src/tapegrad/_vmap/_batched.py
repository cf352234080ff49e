"""BatchedTensor: what a function mapped by vmap sees in place of a batch of tensors.

A BatchedTensor holds a *physical* tensor whose first dimension runs over the batch, and the vmap
level it belongs to.  It presents the *logical* tensor, one example of the batch: ``shape``,
``size()``, ``dim()``, ``numel()`` and ``len()`` leave the batch dimension out.  The physical value
is an ordinary tensor (or, under nested vmaps, a BatchedTensor of an outer level), so autograd
records the physical computation and works through vmap unchanged.

Nested levels wrap each other innermost-out: ``BatchedTensor(level 2, BatchedTensor(level 1,
plain))``; the plain tensor at the bottom has one leading dimension per level, in level order.

A BatchedTensor has no ``_data``: code that reads a tensor's array directly (to compute shapes, or
a data-dependent value) fails with a message that names vmap, rather than computing with the
physical shape.  Data-dependent Python conversions (``item()``, ``bool()``, ``tolist()``) raise
torch's errors.
"""
from __future__ import annotations

from typing import Any, NamedTuple

from .._ops import shape as S
from .._tensor import Size, Tensor, _wrap_dim

_ITEM_MSG = ("vmap: It looks like you're calling .item() on a Tensor. We don't support vmap over "
             "calling .item() on a Tensor, please try to rewrite what you're doing with other "
             "operations. If error is occurring somewhere inside PyTorch internals, please file a "
             "bug report.")
_CONTROL_FLOW_MSG = ("vmap: It looks like you're attempting to use a Tensor in some data-dependent "
                     "control flow. We don't support that yet, please file an issue at "
                     "https://github.com/pytorch/pytorch/issues .")
_NO_STORAGE_MSG = "Cannot access data pointer of Tensor that doesn't have storage"
_REQUIRES_GRAD_MSG = (
    "You are attempting to call Tensor.requires_grad_() (or perhaps using "
    "torch.autograd.functional.* APIs) inside of a function being transformed by a functorch "
    "transform. This is unsupported, please attempt to use the functorch transforms (e.g. grad, "
    "vjp, jacrev, jacfwd, hessian) or call requires_grad_() outside of a function being "
    "transformed instead.")
_BACKWARD_MSG = ("backward() called inside a functorch transform. This is not supported, please "
                 "use functorch.grad or functorch.vjp instead or call backward() outside of "
                 "functorch transforms.")


class BatchedDataError(RuntimeError):
    """Raised when code reads the array behind a BatchedTensor (unsupported inside vmap)."""


class _Meta(NamedTuple):
    """Shape and NumPy dtype of a logical tensor (what the engine checks gradients against)."""

    shape: tuple
    dtype: Any


def _no_data(self: "BatchedTensor") -> Any:
    raise BatchedDataError(
        "vmap: this operation reads the data of a batched tensor directly, which is not supported "
        "inside vmap (the function works on one example at a time; its data only exists for the "
        "whole batch). Use tapegrad ops on the tensor instead.")


class BatchedTensor(Tensor):
    """One example of a batch, inside ``vmap`` (see the module docstring)."""

    __slots__ = ("_value", "_vlevel")
    _plain = False  # no array of its own: ops take the general path, which batches them

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        raise TypeError("BatchedTensor objects are made by tapegrad.func.vmap")

    # The array and the graph bookkeeping belong to the physical value.
    _data = property(_no_data)

    @property
    def _requires_grad(self) -> bool:
        return self._value._requires_grad

    @property
    def _grad_fn(self) -> None:
        return None

    @property
    def _output_nr(self) -> int:
        return 0

    @property
    def _meta(self) -> _Meta:
        return _Meta(tuple(self.shape), self._value.dtype.np)

    # -- logical metadata ----------------------------------------------------------------------
    @property
    def shape(self) -> Size:
        return Size(tuple(self._value.shape)[1:])

    def size(self, dim: int | None = None):
        shape = self.shape
        return shape if dim is None else shape[_wrap_dim(dim, len(shape))]

    @property
    def dtype(self):
        return self._value.dtype

    @property
    def ndim(self) -> int:
        return self._value.ndim - 1

    def dim(self) -> int:
        return self._value.ndim - 1

    ndimension = dim

    def numel(self) -> int:
        return self.shape.numel()

    nelement = numel

    def element_size(self) -> int:
        return self._value.element_size()

    @property
    def itemsize(self) -> int:
        return self._value.itemsize

    @property
    def nbytes(self) -> int:
        return self.numel() * self._value.itemsize

    def is_floating_point(self) -> bool:
        return self._value.is_floating_point()

    def is_complex(self) -> bool:
        return self._value.is_complex()

    def is_contiguous(self, memory_format: Any = None) -> bool:
        return True

    def __len__(self) -> int:
        shape = self.shape
        if not shape:
            raise TypeError("len() of a 0-d tensor")
        return shape[0]

    def __iter__(self):
        n = len(self)
        return (self[i] for i in range(n))

    # -- autograd state (that of the physical value) --------------------------------------------
    @property
    def requires_grad(self) -> bool:
        return self._value.requires_grad

    @requires_grad.setter
    def requires_grad(self, flag: bool) -> None:
        raise RuntimeError(_REQUIRES_GRAD_MSG)

    def requires_grad_(self, requires_grad: bool = True) -> "Tensor":
        raise RuntimeError(_REQUIRES_GRAD_MSG)

    @property
    def grad_fn(self):
        return self._value.grad_fn

    @property
    def is_leaf(self) -> bool:
        return self._value.is_leaf

    @property
    def grad(self) -> None:
        return None

    @property
    def _version(self) -> int:
        return self._value._version

    def _version_box(self) -> list:
        return self._value._version_box()

    def _bump(self) -> None:
        self._value._bump()

    def backward(self, *args: Any, **kwargs: Any) -> None:
        raise RuntimeError(_BACKWARD_MSG)

    def retain_grad(self) -> None:
        raise RuntimeError("retain_grad() is not supported on a batched tensor inside vmap")

    def register_hook(self, hook: Any):
        raise RuntimeError("register_hook() is not supported on a batched tensor inside vmap")

    def detach(self) -> "BatchedTensor":
        return wrap(self._value.detach(), self._vlevel)

    def detach_(self) -> "Tensor":
        raise RuntimeError("detach_() is not supported on a batched tensor inside vmap; use "
                           "detach()")

    @property
    def data(self) -> "BatchedTensor":
        return wrap(self._value.data, self._vlevel)

    # -- values a single example cannot give ---------------------------------------------------
    def item(self):
        raise RuntimeError(_ITEM_MSG)

    __float__ = __int__ = __complex__ = __index__ = item

    def __bool__(self) -> bool:
        raise RuntimeError(_CONTROL_FLOW_MSG)

    def _no_storage(self, *args: Any, **kwargs: Any):
        raise RuntimeError(_NO_STORAGE_MSG)

    tolist = numpy = __array__ = data_ptr = stride = storage_offset = _no_storage

    def __format__(self, spec: str) -> str:
        if self.ndim == 0:
            return self.item()
        return object.__format__(self, spec)

    def __deepcopy__(self, memo: dict):
        raise RuntimeError("a batched tensor inside vmap cannot be copied with copy.deepcopy")

    def __reduce_ex__(self, protocol: int):
        raise RuntimeError("a batched tensor inside vmap cannot be pickled")

    def __repr__(self, *, tensor_contents: Any = None) -> str:
        inner = repr(self._value).replace("\n", "\n    ")
        return (f"BatchedTensor(lvl={self._vlevel.vmap_depth}, bdim=0, value=\n    {inner}\n)")

    # -- in-place ops --------------------------------------------------------------------------
    def _inplace(self, op: Any, *args: Any, **kwargs: Any) -> "BatchedTensor":
        """``self.op_(...)``: run the op on this example and store the batch in the physical value."""
        level = self._vlevel
        shape = self.shape

        def physical(old: Tensor, *_: Any) -> Tensor:
            result = op(wrap(old, level), *args, **kwargs)
            if tuple(result.shape) != tuple(shape):
                raise RuntimeError(f"output with shape {list(shape)} doesn't match the broadcast "
                                   f"shape {list(result.shape)}")
            return materialize(result, level)._value

        self._value._inplace(physical, *args)
        return self


def wrap(value: Any, level: Any) -> BatchedTensor:
    """``value`` (batch dimension first) as a batched tensor of ``level``."""
    t = _new(BatchedTensor)
    t._value = value
    t._vlevel = level
    return t


_new = object.__new__


def batched_at(x: Any, level: Any) -> bool:
    return x.__class__ is BatchedTensor and x._vlevel is level


def materialize(x: Any, level: Any) -> BatchedTensor:
    """``x`` batched at ``level``: as is when it already is, else repeated over the batch.

    ``level`` must be the innermost level ``x`` takes part in (as in a batching rule).
    """
    if batched_at(x, level):
        return x
    return wrap(S.EXPAND(x, shape=(level.batch_size,) + tuple(x.shape)), level)


# -- nesting -----------------------------------------------------------------------------------
def levels_of(x: Any) -> list:
    """The vmap levels ``x`` is batched at, outermost level first (ascending depth)."""
    out = []
    while x.__class__ is BatchedTensor:
        out.append(x._vlevel)
        x = x._value
    out.reverse()
    return out


def unwrap_all(x: Any) -> tuple:
    """``(plain, levels)``: the plain tensor at the bottom and the levels, in its dim order."""
    levels = []
    while x.__class__ is BatchedTensor:
        levels.append(x._vlevel)
        x = x._value
    levels.reverse()
    return x, levels


def rewrap(plain: Any, levels: list) -> Any:
    """Inverse of ``unwrap_all``: dims ``0..len(levels)-1`` of ``plain`` belong to ``levels``."""
    x = plain
    for level in levels:
        x = wrap(x, level)
    return x


def with_levels(x: Any, levels: list) -> Any:
    """``x`` batched at (at least) every level in ``levels`` (sorted by depth)."""
    plain, have = unwrap_all(x)
    missing = [lv for lv in levels if lv not in have]
    if not missing:
        return x
    merged = sorted(have + missing, key=_depth)
    shape = list(plain.shape)
    for pos, lv in enumerate(merged):
        if lv not in have:
            shape.insert(pos, 1)
    plain = S.RESHAPE(plain, shape=tuple(shape))
    full = [lv.batch_size if lv not in have else shape[pos] for pos, lv in enumerate(merged)]
    plain = S.EXPAND(plain, shape=tuple(full) + tuple(shape[len(merged):]))
    return rewrap(plain, merged)


def reorder(plain: Any, have: list, want: list) -> Any:
    """Permute the leading level dims of ``plain`` from the order ``have`` to the order ``want``."""
    if have == want:
        return plain
    perm = tuple(have.index(lv) for lv in want) + tuple(range(len(have), plain.ndim))
    return S.PERMUTE(plain, dims=perm)


def _depth(level: Any) -> int:
    return level.level
