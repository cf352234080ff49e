"""A restricted unpickler for ``tapegrad.load(..., weights_only=True)`` (the default).

A pickle is a small program: its opcodes can import any global and call it, which is how a
malicious checkpoint runs code.  This unpickler runs only the opcodes that checkpoints need
(protocol 2's containers, numbers, strings, memo and persistent ids) and resolves a global only
when it is in an allowlist (tensor rebuild functions, storage types, dtypes, ``OrderedDict``,
...).  Anything else stops the load with ``pickle.UnpicklingError`` and torch's words, e.g.
``Unsupported global: GLOBAL __main__.Net was not an allowed global by default.``

It follows the opcode set and the checks of torch's weights-only unpickler, so the same files
load and the same files are refused.
"""
from __future__ import annotations

import pickle
import struct
import warnings
from collections import Counter, OrderedDict
from typing import Any, BinaryIO, Callable

# Modules a checkpoint may never name, even when allowlisted by mistake.
BLOCKED_MODULES = ("sys", "os", "posix", "nt")

# torch's messages for the globals of optional subsystems tapegrad does not have.
_SUBSYSTEM_GLOBALS = {
    "``torch.nested`` and ``torch._dynamo`` must be imported to load nested jagged tensors (NJTs)":
        ("torch.nested._internal.nested_tensor.NestedTensor",
         "torch.nested._internal.nested_tensor._rebuild_njt", "torch._dynamo.decorators._DimRange"),
    "``torch.distributed.tensor`` must be imported to load DTensors":
        ("torch.distributed.device_mesh.DeviceMesh",
         "torch.distributed.tensor._dtensor_spec.DTensorSpec",
         "torch.distributed.tensor._dtensor_spec.TensorMeta", "torch.distributed.tensor.DTensor",
         "torch.distributed.tensor.placement_types.Partial",
         "torch.distributed.tensor.placement_types.Replicate",
         "torch.distributed.tensor.placement_types.Shard"),
}

# Python 2 names that Python 3 pickles at protocol <= 2 (pickle's own compatibility mapping).
_PY2_MODULES = {"__builtin__": "builtins", "copy_reg": "copyreg"}


def _unsupported_global(full_path: str) -> pickle.UnpicklingError:
    # torch names builtins without their module ("set", not "builtins.set")
    if full_path.startswith("builtins."):
        full_path = full_path[len("builtins."):]
    return pickle.UnpicklingError(
        f"Unsupported global: GLOBAL {full_path} was not an allowed global by default. "
        f"Please use `torch.serialization.add_safe_globals([{full_path}])` or the "
        f"`torch.serialization.safe_globals([{full_path}])` context manager to allowlist this "
        "global if you trust this class/function.")


class WeightsUnpickler:
    """Run a pickle's opcodes with an allowlist of globals.

    Args:
        file: a binary stream holding the pickle.
        allowed: full dotted name -> object, for every global the pickle may use.
        persistent_load: resolves a persistent id (a checkpoint's storages).
        special: how to make (NEWOBJ) or fill (BUILD) instances of particular classes, as
            ``{cls: (new, build)}``; ``Parameter`` and ``Tensor`` need it.
        encoding: how to decode Python 2 byte strings (``SHORT_BINSTRING``), or "bytes".
    """

    def __init__(self, file: BinaryIO, allowed: dict, persistent_load: Callable[[Any], Any],
                 special: "dict | None" = None, encoding: str = "bytes") -> None:
        self._read = file.read
        self._readline = file.readline
        self._allowed = allowed
        self._allowed_values = list(allowed.values())
        self._persistent_load = persistent_load
        self._special = special or {}
        self._encoding = encoding
        self._memo: dict[int, Any] = {}
        self._stack: list = []
        self._marks: list[list] = []

    # -- the stack ---------------------------------------------------------------------------------
    def _pop_mark(self) -> list:
        items = self._stack
        self._stack = self._marks.pop()
        return items

    def _global(self) -> Any:
        module = self._readline()[:-1].decode("utf-8")
        name = self._readline()[:-1].decode("utf-8")
        module = _PY2_MODULES.get(module, module)
        full_path = f"{module}.{name}"
        if module in BLOCKED_MODULES:
            raise pickle.UnpicklingError(f"Trying to load unsupported GLOBAL {full_path} whose "
                                         f"module {module} is blocked.")
        if full_path in self._allowed:
            return self._allowed[full_path]
        for message, paths in _SUBSYSTEM_GLOBALS.items():
            if full_path in paths:
                raise pickle.UnpicklingError(message)
        raise _unsupported_global(full_path)

    def _check_target(self, opcode: str) -> None:
        if type(self._stack[-1]) not in (dict, OrderedDict, Counter):
            raise pickle.UnpicklingError(
                f"Can only {opcode} for dict, collections.OrderedDict, collections.Counter, but "
                f"got {type(self._stack[-1])}")

    def _build(self, state: Any) -> None:
        inst = self._stack[-1]
        kind = type(inst)
        if kind in self._special and self._special[kind][1] is not None:
            self._special[kind][1](inst, state)
        elif kind is OrderedDict:
            inst.__dict__.update(state)
        elif any(kind is value for value in self._allowed_values):
            if hasattr(inst, "__setstate__"):
                inst.__setstate__(state)
                return
            slots = None
            if isinstance(state, tuple) and len(state) == 2:
                state, slots = state
            if state:
                inst.__dict__.update(state)
            for key, value in (slots or {}).items():
                setattr(inst, key, value)
        else:
            raise pickle.UnpicklingError(
                "Can only build Tensor, Parameter, OrderedDict or types allowlisted via "
                f"`add_safe_globals`, but got {kind}")

    # -- the program -------------------------------------------------------------------------------
    def load(self) -> Any:
        """Run the pickle and return its object (UnpicklingError at a refused step)."""
        read, stack = self._read, None
        while True:
            stack = self._stack
            key = read(1)
            if not key:
                raise EOFError
            op = key[0]
            if op == pickle.GLOBAL[0]:
                stack.append(self._global())
            elif op == pickle.NEWOBJ[0]:
                args = stack.pop()
                cls = stack.pop()
                if cls in self._special and self._special[cls][0] is not None:
                    stack.append(self._special[cls][0](*args))
                elif any(cls is value for value in self._allowed_values):
                    stack.append(cls.__new__(cls, *args))
                else:
                    raise pickle.UnpicklingError(
                        "Can only create new object for nn.Parameter or classes allowlisted via "
                        f"`add_safe_globals` but got {cls}")
            elif op == pickle.REDUCE[0]:
                args = stack.pop()
                func = stack[-1]
                if not any(func is value for value in self._allowed_values):
                    message = f"Trying to call reduce for unrecognized function {func}"
                    if hasattr(func, "__self__"):
                        message += f" which belongs to {func.__self__}"
                    raise pickle.UnpicklingError(message)
                stack[-1] = func(*args)
            elif op == pickle.BUILD[0]:
                self._build(stack.pop())
            elif op == pickle.APPEND[0]:
                item = stack.pop()
                if type(stack[-1]) is not list:
                    raise pickle.UnpicklingError(f"Can only append to lists, but got "
                                                 f"{type(stack[-1])}")
                stack[-1].append(item)
            elif op == pickle.APPENDS[0]:
                items = self._pop_mark()
                if type(self._stack[-1]) is not list:
                    raise pickle.UnpicklingError(f"Can only extend lists, but got "
                                                 f"{type(self._stack[-1])}")
                self._stack[-1].extend(items)
            elif op == pickle.SETITEM[0]:
                value, name = stack.pop(), stack.pop()
                self._check_target("SETITEM")
                stack[-1][name] = value
            elif op == pickle.SETITEMS[0]:
                items = self._pop_mark()
                self._check_target("SETITEMS")
                for i in range(0, len(items), 2):
                    self._stack[-1][items[i]] = items[i + 1]
            elif op == pickle.MARK[0]:
                self._marks.append(stack)
                self._stack = []
            elif op == pickle.TUPLE[0]:
                items = self._pop_mark()
                self._stack.append(tuple(items))
            elif op == pickle.TUPLE1[0]:
                stack[-1] = (stack[-1],)
            elif op == pickle.TUPLE2[0]:
                stack[-2:] = [(stack[-2], stack[-1])]
            elif op == pickle.TUPLE3[0]:
                stack[-3:] = [(stack[-3], stack[-2], stack[-1])]
            elif op in _CONSTANTS:
                stack.append(_CONSTANTS[op]())
            elif op == pickle.BININT[0]:
                stack.append(struct.unpack("<i", read(4))[0])
            elif op == pickle.BININT1[0]:
                stack.append(read(1)[0])
            elif op == pickle.BININT2[0]:
                stack.append(struct.unpack("<H", read(2))[0])
            elif op == pickle.BINFLOAT[0]:
                stack.append(struct.unpack(">d", read(8))[0])
            elif op == pickle.BINUNICODE[0]:
                size = struct.unpack("<I", read(4))[0]
                stack.append(str(read(size), "utf-8", "surrogatepass"))
            elif op == pickle.SHORT_BINSTRING[0]:
                data = read(read(1)[0])
                stack.append(data if self._encoding == "bytes"
                             else data.decode(self._encoding, "strict"))
            elif op == pickle.BINPERSID[0]:
                pid = stack.pop()
                if type(pid) is not tuple and type(pid) is not int:
                    raise pickle.UnpicklingError(
                        f"persistent_load id must be tuple or int, but got {type(pid)}")
                if type(pid) is tuple and pid and _ascii(pid[0]) != "storage":
                    raise pickle.UnpicklingError(
                        f"Only persistent_load of storage is allowed, but got {type(pid[0])}")
                stack.append(self._persistent_load(pid))
            elif op in (pickle.BINGET[0], pickle.LONG_BINGET[0]):
                index = read(1)[0] if op == pickle.BINGET[0] else struct.unpack("<I", read(4))[0]
                stack.append(self._memo[index])
            elif op in (pickle.BINPUT[0], pickle.LONG_BINPUT[0]):
                index = read(1)[0] if op == pickle.BINPUT[0] else struct.unpack("<I", read(4))[0]
                self._memo[index] = stack[-1]
            elif op == pickle.LONG1[0]:
                stack.append(pickle.decode_long(read(read(1)[0])))
            elif op == pickle.PROTO[0]:
                protocol = read(1)[0]
                if protocol != 2:
                    warnings.warn(
                        f"Detected pickle protocol {protocol} in the checkpoint, which was not the "
                        "default pickle protocol used by `torch.load` (2). The weights_only "
                        "Unpickler might not support all instructions implemented by this "
                        "protocol, please file an issue for adding support if you encounter this.",
                        UserWarning, stacklevel=4)
            elif op == pickle.STOP[0]:
                return stack.pop()
            else:
                raise pickle.UnpicklingError(f"Unsupported operand {op}")


_CONSTANTS: dict[int, Callable[[], Any]] = {
    pickle.NONE[0]: lambda: None, pickle.NEWFALSE[0]: lambda: False,
    pickle.NEWTRUE[0]: lambda: True, pickle.EMPTY_TUPLE[0]: tuple,
    pickle.EMPTY_LIST[0]: list, pickle.EMPTY_DICT[0]: dict, pickle.EMPTY_SET[0]: set,
}


def _ascii(value: Any) -> Any:
    return value.decode("ascii") if isinstance(value, bytes) else value
