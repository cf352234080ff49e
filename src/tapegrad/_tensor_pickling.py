"""Tensors in and out of a checkpoint's pickle, in torch's vocabulary.

Writing: ``CheckpointPickler`` pickles an object as torch would.  A tensor becomes a call of
``torch._utils._rebuild_tensor_v2(storage, offset, size, stride, requires_grad, OrderedDict())``
whose storage is a *persistent id* ``('storage', torch.FloatStorage, key, 'cpu', numel)``: the
bytes themselves go to the archive's ``data/<key>`` record.  Tensors that share memory (views,
slices, transposes) share one storage, saved once, as torch does.  A ``Parameter`` becomes
``torch._utils._rebuild_parameter(data, requires_grad, OrderedDict())``; dtypes, devices and
sizes become ``torch.float32``, ``torch.device('cpu')``, ``torch.Size([...])``.  These names are
written as text, so real torch is not needed to write a file torch can read.

Reading: ``Storage`` holds one record's bytes; the ``rebuild_*`` functions are what the names
above resolve to when tapegrad loads a file (``torch_globals()``).
"""
from __future__ import annotations

import pickle
from collections import OrderedDict
from typing import Any

import numpy as np

import tapegrad
from . import _dtype
from ._tensor import Size, Tensor, check_device, device

# dtype <-> the storage class torch names in a persistent id
STORAGE_NAMES = {
    _dtype.float32: "FloatStorage", _dtype.float64: "DoubleStorage",
    _dtype.float16: "HalfStorage", _dtype.int8: "CharStorage", _dtype.uint8: "ByteStorage",
    _dtype.int16: "ShortStorage", _dtype.int32: "IntStorage", _dtype.int64: "LongStorage",
    _dtype.bool: "BoolStorage", _dtype.complex64: "ComplexFloatStorage",
    _dtype.complex128: "ComplexDoubleStorage",
}
# Storage classes of dtypes tapegrad does not have: recognised, refused with a clear error.
_MISSING_STORAGES = {"BFloat16Storage": "bfloat16", "QInt8Storage": "qint8",
                     "QUInt8Storage": "quint8", "QInt32Storage": "qint32",
                     "QUInt4x2Storage": "quint4x2", "QUInt2x4Storage": "quint2x4"}


# torch's dtypes that tapegrad does not have: a checkpoint may name them (they are allowlisted in
# torch), and loading a tensor of one says so clearly.
_MISSING_DTYPES = ("bfloat16", "complex32", "uint16", "uint32", "uint64", "float8_e4m3fn",
                   "float8_e4m3fnuz", "float8_e5m2", "float8_e5m2fnuz", "float8_e8m0fnu",
                   "float4_e2m1fn_x2", "qint8", "quint8", "qint32", "quint4x2", "quint2x4",
                   "bits1x8", "bits2x4", "bits4x2", "bits8", "bits16",
                   *(f"int{n}" for n in range(1, 8)), *(f"uint{n}" for n in range(1, 8)))


class MissingDtype:
    """A torch dtype named in a checkpoint that tapegrad does not have."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"torch.{self.name}"


# -- writing ---------------------------------------------------------------------------------------
class TorchName:
    """A global of torch's, written into a pickle by name (``GLOBAL 'torch FloatStorage'``)."""

    __slots__ = ("module", "name")

    def __init__(self, module: str, name: str) -> None:
        self.module, self.name = module, name

    def __repr__(self) -> str:
        return f"{self.module}.{self.name}"

    def __call__(self, *args: Any) -> Any:  # the pickler asks reduce functions to be callable
        raise TypeError(f"{self!r} is torch's name, written into checkpoints; it is not callable")


_NAMES: dict = {}


def torch_name(module: str, name: str) -> TorchName:
    """One object per name, so that the pickle's memo writes each name once, as torch's does."""
    return _NAMES.setdefault((module, name), TorchName(module, name))


class _StorageRecord:
    """One storage to write: its key, dtype, size in elements, and its bytes (a 1-D array)."""

    __slots__ = ("key", "dtype", "numel", "array")

    def __init__(self, key: str, dtype: _dtype.dtype, array: np.ndarray) -> None:
        self.key, self.dtype, self.array = key, dtype, array
        self.numel = array.nbytes // dtype.itemsize

    def persistent_id(self) -> tuple:
        name = torch_name("torch", STORAGE_NAMES[self.dtype])
        return ("storage", name, self.key, "cpu", self.numel)


def _memory_root(array: np.ndarray) -> np.ndarray:
    """The NumPy array that owns (or first exposes) ``array``'s memory: views share one root."""
    root = array
    while isinstance(root.base, np.ndarray):
        root = root.base
    return root


class CheckpointPickler(pickle._Pickler):  # the Python pickler, to write torch's names as text
    """Pickle an object the way ``torch.save`` does; ``storages`` collects the records to write.

    Built on the pure-Python pickler because its globals are written from our table of torch's
    names rather than looked up by importing them.
    """

    dispatch = dict(pickle._Pickler.dispatch)

    def __init__(self, file: Any, protocol: int) -> None:
        super().__init__(file, protocol)
        self.storages: list[_StorageRecord] = []
        self._by_root: dict[int, tuple[np.ndarray, _StorageRecord]] = {}

    # -- torch's names -----------------------------------------------------------------------
    def _write_global(self, module: str, name: str, obj: Any) -> None:
        """Write a global by name, as ``pickle`` writes one it has imported, and memoize ``obj``."""
        if self.proto >= 4:
            self.save(module)
            self.save(name)
            self.write(pickle.STACK_GLOBAL)
        else:
            self.write(pickle.GLOBAL + module.encode("utf-8") + b"\n" + name.encode("utf-8")
                       + b"\n")
        self.memoize(obj)

    def _save_torch_name(self, obj: TorchName) -> None:
        self._write_global(obj.module, obj.name, obj)

    dispatch[TorchName] = _save_torch_name

    def _save_dtype(self, obj: _dtype.dtype) -> None:
        self._write_global("torch", obj.name, obj)  # torch.float32 pickles as its name

    dispatch[_dtype.dtype] = _save_dtype

    def _save_device(self, obj: device) -> None:
        # A fresh string object, as torch's device makes one: the pickle then writes 'cpu' out
        # instead of referring back to the 'cpu' of a storage id (same bytes as torch's file).
        kind = "".join(list(obj.type))
        args = (kind,) if obj.index is None else (kind, obj.index)
        self.save_reduce(torch_name("torch", "device"), args, obj=obj)

    dispatch[device] = _save_device

    def _save_size(self, obj: Size) -> None:
        self.save_reduce(torch_name("torch", "Size"), (tuple(obj),), obj=obj)

    dispatch[Size] = _save_size

    # -- tensors and their storages ------------------------------------------------------------
    legacy = False  # the pre-1.6 format's ids carry a sixth field: the view (None)

    def persistent_id(self, obj: Any) -> "tuple | None":
        if not isinstance(obj, _StorageRecord):
            return None
        return obj.persistent_id() + ((None,) if self.legacy else ())

    def reducer_override(self, obj: Any) -> Any:
        if not isinstance(obj, Tensor):
            return NotImplemented
        kind = type(obj).__name__
        if kind in ("UninitializedParameter", "UninitializedBuffer"):
            # as torch: the class and requires_grad only (a weights-only load refuses it)
            return (torch_name("torch.nn.parameter", kind), (obj.requires_grad,))
        parameter = parameter_class()
        if parameter is not None and isinstance(obj, parameter):
            return self._reduce_parameter(obj)
        storage, offset, stride = self._storage_of(obj)
        return (torch_name("torch._utils", "_rebuild_tensor_v2"),
                (storage, offset, tuple(obj.shape), stride, obj.requires_grad, OrderedDict()))

    def _reduce_parameter(self, param: Tensor) -> tuple:
        data = Tensor._make(param._data)  # like torch's ``param.data``: same memory, no grad
        state = dict(getattr(param, "__dict__", {}))  # attributes a user set on the parameter
        if not state:
            return (torch_name("torch._utils", "_rebuild_parameter"),
                    (data, param.requires_grad, OrderedDict()))
        return (torch_name("torch._utils", "_rebuild_parameter_with_state"),
                (data, param.requires_grad, OrderedDict(), state))

    def _storage_of(self, tensor: Tensor) -> tuple:
        """(storage record, offset, stride) for ``tensor``: the shared storage of its memory
        root when its layout fits torch's (non-negative element strides), else a private copy."""
        array = np.asarray(tensor._data)
        dtype = _dtype.from_numpy_dtype(array.dtype)
        root = _memory_root(array)
        layout = _layout_in(array, root) if array.dtype.isnative else None
        if layout is None:
            copy = np.array(array, order="C", dtype=array.dtype.newbyteorder("="))
            return self._new_record(dtype, copy), 0, contiguous_strides(copy.shape)
        known = self._by_root.get(id(root))
        if known is None:
            flat = root.reshape(-1, order="F" if root.flags.f_contiguous and not
                                root.flags.c_contiguous else "C")
            record = self._new_record(dtype, flat)
            self._by_root[id(root)] = (root, record)  # keeps root alive: ids stay unique
        else:
            record = known[1]
            if record.dtype is not dtype:
                raise RuntimeError("Cannot save multiple tensors or storages that view the same "
                                   "data as different types")
        return (record,) + layout

    def _new_record(self, dtype: _dtype.dtype, array: np.ndarray) -> _StorageRecord:
        record = _StorageRecord(str(len(self.storages)), dtype, array)
        self.storages.append(record)
        return record


def contiguous_strides(shape: tuple) -> tuple:
    """torch's strides of a contiguous tensor (a size-0 dim counts as 1)."""
    strides, step = [], 1
    for n in reversed(shape):
        strides.append(step)
        step *= max(n, 1)
    return tuple(reversed(strides))


def _layout_in(array: np.ndarray, root: np.ndarray) -> "tuple | None":
    """(offset, stride) of ``array`` in elements within ``root``'s memory, or None when it does
    not fit torch's rules (root not contiguous, negative or misaligned strides, ...)."""
    if not (root.flags.c_contiguous or root.flags.f_contiguous):
        return None
    itemsize = array.itemsize
    if root.nbytes % itemsize:
        return None
    if array.size == 0:  # no element is read: torch's contiguous strides, offset 0
        return 0, contiguous_strides(array.shape)
    start = root.__array_interface__["data"][0]
    offset = array.__array_interface__["data"][0] - start
    strides, end, inner = [], offset + itemsize, 1
    for n, step in zip(reversed(array.shape), reversed(array.strides)):
        if n == 1:  # any stride is valid here; torch's unsqueeze gives the inner dim's extent
            step = inner * itemsize
        if step < 0 or step % itemsize:
            return None
        strides.append(step // itemsize)
        inner = n * (step // itemsize)
        end += (n - 1) * step
    if offset < 0 or offset % itemsize or end > root.nbytes:
        return None
    return offset // itemsize, tuple(reversed(strides))


# -- reading ---------------------------------------------------------------------------------------
class StorageType:
    """What a storage class name (``torch.FloatStorage``) resolves to when loading: its dtype."""

    __slots__ = ("name", "dtype")

    def __init__(self, name: str, dtype: "_dtype.dtype | None") -> None:
        self.name, self.dtype = name, dtype

    def __repr__(self) -> str:
        return f"StorageType(dtype={self.dtype})"


STORAGE_TYPES = {name: StorageType(name, dtype) for dtype, name in STORAGE_NAMES.items()}
STORAGE_TYPES.update({name: StorageType(name, None) for name in _MISSING_STORAGES})
UNTYPED_STORAGE = StorageType("UntypedStorage", _dtype.uint8)


def storage_dtype(storage_type: Any) -> _dtype.dtype:
    """The dtype of a storage type from a persistent id; clear errors for unknown ones."""
    if not isinstance(storage_type, StorageType):
        raise RuntimeError(f"unknown storage type in checkpoint: {storage_type!r}")
    if storage_type.dtype is None:
        raise TypeError(f"tapegrad has no {_MISSING_STORAGES[storage_type.name]} dtype: cannot "
                        f"load a tensor stored as torch.{storage_type.name}")
    return storage_type.dtype


class Storage:
    """A storage read from a checkpoint: a block of bytes and the dtype it holds.

    It stands for torch's ``TypedStorage`` where user code meets one, in a ``map_location``
    function (``lambda storage, location: storage``): ``cpu()`` returns it, ``cuda()`` is
    refused as torch's CPU build refuses it.
    """

    def __init__(self, raw: np.ndarray, dtype: _dtype.dtype) -> None:
        self.raw = raw  # 1-D uint8, writable
        self.dtype = dtype

    @property
    def device(self) -> device:
        return device("cpu")

    def nbytes(self) -> int:
        return self.raw.nbytes

    def size(self) -> int:
        return self.raw.nbytes // self.dtype.itemsize

    __len__ = size

    def cpu(self) -> "Storage":
        return self

    def cuda(self, *args: Any, **kwargs: Any) -> "Storage":
        check_device("cuda")
        return self  # pragma: no cover

    def __repr__(self) -> str:
        return f"<checkpoint storage of {self.size()} {self.dtype.name} values>"


def rebuild_tensor(storage: Storage, storage_offset: int, size: tuple, stride: tuple) -> Tensor:
    """A tensor over ``storage``'s memory with torch's geometry (elements, not bytes)."""
    if not isinstance(storage, Storage):
        raise RuntimeError(f"expected a storage in a tensor record, got {type(storage).__name__}")
    itemsize = storage.dtype.itemsize
    size, stride = tuple(int(s) for s in size), tuple(int(s) for s in stride)
    numel = storage.size()
    needed = 0
    if all(size) and len(size) == len(stride):
        needed = storage_offset + 1 + sum((n - 1) * s for n, s in zip(size, stride))
    if (len(size) != len(stride) or storage_offset < 0 or any(s < 0 for s in size + stride)
            or needed > numel):
        raise RuntimeError(f"setStorage: sizes {list(size)}, strides {list(stride)}, storage "
                           f"offset {storage_offset}, and itemsize {itemsize} requiring a storage "
                           f"size of {needed * itemsize} are out of bounds for storage of size "
                           f"{storage.nbytes()}")
    flat = storage.raw.view(storage.dtype.np)
    start = min(storage_offset, numel)
    array = np.lib.stride_tricks.as_strided(flat[start:], shape=size,
                                            strides=tuple(s * itemsize for s in stride))
    if any(n > 1 and s == 0 for n, s in zip(size, stride)):
        # an expanded tensor: its elements overlap in memory, so it is read-only, like the
        # tensors tapegrad's own expand() makes
        array.flags.writeable = False
    return Tensor._make(array)


def rebuild_tensor_v2(storage: Storage, storage_offset: int, size: tuple, stride: tuple,
                      requires_grad: bool, backward_hooks: Any, metadata: Any = None) -> Tensor:
    """``torch._utils._rebuild_tensor_v2``: the tensor of a checkpoint, with ``requires_grad``."""
    tensor = rebuild_tensor(storage, storage_offset, size, stride)
    if requires_grad:
        tensor.requires_grad_(True)
    return tensor


def rebuild_tensor_v3(storage: Storage, storage_offset: int, size: tuple, stride: tuple,
                      requires_grad: bool, backward_hooks: Any, dtype: Any,
                      metadata: Any = None) -> Tensor:
    """``torch._utils._rebuild_tensor_v3``: as v2, with the dtype given apart from the storage."""
    if not isinstance(dtype, _dtype.dtype):
        raise TypeError(f"tapegrad has no {getattr(dtype, 'name', dtype)} dtype: cannot load a "
                        f"tensor of dtype {dtype!r}")
    typed = Storage(storage.raw, dtype)
    return rebuild_tensor_v2(typed, storage_offset, size, stride, requires_grad, backward_hooks)


def rebuild_parameter(data: Tensor, requires_grad: bool, backward_hooks: Any) -> Tensor:
    """``torch._utils._rebuild_parameter``: an ``nn.Parameter`` around ``data``."""
    from tapegrad.nn import Parameter
    return Parameter(data, requires_grad)


def rebuild_parameter_with_state(data: Tensor, requires_grad: bool, backward_hooks: Any,
                                 state: Any) -> Tensor:
    """``torch._utils._rebuild_parameter_with_state``: a Parameter plus its Python attributes."""
    param = rebuild_parameter(data, requires_grad, backward_hooks)
    return _set_state(param, state)


def _set_state(obj: Any, state: Any) -> Any:
    if isinstance(state, tuple) and len(state) == 2:
        state, slots = state
        for key, value in (slots or {}).items():
            setattr(obj, key, value)
    for key, value in (state or {}).items():
        setattr(obj, key, value)
    return obj


def rebuild_from_type_v2(func: Any, new_type: Any, args: tuple, state: Any) -> Any:
    """``torch._tensor._rebuild_from_type_v2``: a tensor subclass (tapegrad: Tensor, Parameter)."""
    result = func(*args)
    if new_type is not Tensor and not isinstance(result, new_type):
        raise RuntimeError(f"tapegrad cannot rebuild a tensor of type {new_type!r}")
    return _set_state(result, state) if state else result


def get_layout(name: str) -> str:
    """``torch.serialization._get_layout``: tapegrad's layouts are their names (``torch.strided``)."""
    return name


def _unsupported_rebuild(name: str):
    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError(f"tapegrad cannot load this checkpoint: it holds tensors rebuilt by "
                           f"torch._utils.{name} (quantized, sparse, nested, meta or device "
                           "tensors), which tapegrad does not have")
    refuse.__name__ = name
    return refuse


def parameter_class() -> Any:
    """``tapegrad.nn.Parameter`` (None while ``nn`` is not imported yet)."""
    return getattr(getattr(tapegrad, "nn", None), "Parameter", None)


REBUILDERS = {
    "_rebuild_tensor": rebuild_tensor, "_rebuild_tensor_v2": rebuild_tensor_v2,
    "_rebuild_tensor_v3": rebuild_tensor_v3, "_rebuild_parameter": rebuild_parameter,
    "_rebuild_parameter_with_state": rebuild_parameter_with_state,
}
REBUILDERS.update({name: _unsupported_rebuild(name) for name in (
    "_rebuild_qtensor", "_rebuild_sparse_tensor", "_rebuild_meta_tensor_no_storage",
    "_rebuild_nested_tensor", "_rebuild_wrapper_subclass", "_rebuild_device_tensor_from_numpy",
    "_rebuild_device_tensor_from_cpu_tensor")})


def torch_globals() -> dict:
    """torch's dotted names -> tapegrad's objects: the globals a checkpoint may use (the
    weights-only allowlist, before the user's additions)."""
    table: dict[str, Any] = {
        "collections.OrderedDict": OrderedDict,
        "collections.Counter": __import__("collections").Counter,
        "torch.Size": Size, "torch.Tensor": Tensor, "torch._tensor.Tensor": Tensor,
        "torch.device": device,
        "_codecs.encode": __import__("codecs").encode,
        "builtins.bytearray": bytearray, "builtins.set": set, "builtins.complex": complex,
        "torch._tensor._rebuild_from_type_v2": rebuild_from_type_v2,
        "torch.serialization._get_layout": get_layout,
        "torch.UntypedStorage": UNTYPED_STORAGE, "torch.storage.UntypedStorage": UNTYPED_STORAGE,
    }
    if parameter_class() is not None:
        table["torch.nn.parameter.Parameter"] = parameter_class()
    for name in _MISSING_DTYPES:
        table[f"torch.{name}"] = MissingDtype(name)
    for d in _dtype.ALL:
        table[f"torch.{d.name}"] = d
    for name, kind in STORAGE_TYPES.items():
        table[f"torch.{name}"] = kind
    for name in ("FloatTensor", "DoubleTensor", "HalfTensor", "LongTensor", "IntTensor",
                 "ShortTensor", "CharTensor", "ByteTensor", "BoolTensor"):
        table[f"torch.{name}"] = getattr(tapegrad, name)
    for name, fn in REBUILDERS.items():
        table[f"torch._utils.{name}"] = fn
    return table
