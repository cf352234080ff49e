"""``tapegrad.save`` / ``tapegrad.load`` in PyTorch's own file format.

A checkpoint written by ``tapegrad.save`` is the zip archive ``torch.save`` writes (a pickle
plus one 64-byte-aligned record of raw bytes per storage), so real ``torch.load`` reads it, and
``tapegrad.load`` reads what torch 2.x saved: tensors of every tapegrad dtype (views and
non-contiguous ones too; tensors that shared memory share it again after loading),
``nn.Parameter``, nested dicts/lists/tuples, ``OrderedDict`` state_dicts and optimizer
state_dicts.  The pre-1.6 format (``_use_new_zipfile_serialization=False``) is written and read
too.

``weights_only=True`` is the default, as in torch 2.6 and later: the pickle may then only use an
allowlist of globals (tensors, storages, dtypes, ``OrderedDict``, ...), so loading a file cannot
run code; anything else is refused with torch's ``pickle.UnpicklingError``.  Allow a trusted
class with ``add_safe_globals([cls])``, or load with ``weights_only=False`` (any pickle: only for
files you trust).  ``map_location`` ('cpu', a device, a dict or a function) is honoured; CUDA
targets are refused as torch's CPU build refuses them.

Example::

    tapegrad.save({"w": tapegrad.randn(3, 4), "step": 10}, "checkpoint.pt")
    state = tapegrad.load("checkpoint.pt")          # also fine: torch.load("checkpoint.pt")
"""
from __future__ import annotations

import io
import mmap as _mmap
import os
import pickle
import re
import struct
import sys
import warnings
from contextlib import contextmanager
from typing import Any, BinaryIO, Callable, Iterator

import numpy as np

from . import _tensor_pickling as _tp
from ._weights_only_unpickler import WeightsUnpickler
from ._zip_archive import ArchiveReader, ArchiveWriter

__all__ = ["save", "load"]

DEFAULT_PROTOCOL = 2
# The legacy (pre-zip) format: a magic number, its version and machine facts, then the pickle.
_MAGIC_NUMBER = 0x1950A86A20F9469CFC6C
_PROTOCOL_VERSION = 1001
_STORAGE_ALIGNMENT = 64
_FILE_FORMAT_VERSION = b"3\n"

UNSAFE_MESSAGE = (
    "In PyTorch 2.6, we changed the default value of the `weights_only` argument in `torch.load` "
    "from `False` to `True`. Re-running `torch.load` with `weights_only` set to `False` will "
    "likely succeed, but it can result in arbitrary code execution. Do it only if you got the "
    "file from a trusted source.")
_DOCS_MESSAGE = ("\n\nCheck the documentation of torch.load to learn more about types accepted by "
                 "default with weights_only https://pytorch.org/docs/stable/generated/"
                 "torch.load.html.")

_user_safe_globals: set = set()


# -- the allowlist -------------------------------------------------------------------------------
def add_safe_globals(safe_globals: list) -> None:
    """Allow these classes/functions in ``weights_only`` loads (only ones you trust).

    Each entry is an object (found by its ``__module__`` and ``__qualname__``) or a pair
    ``(object, "dotted.name")`` for an object pickled under another name.
    """
    global _user_safe_globals
    _user_safe_globals = _user_safe_globals | set(safe_globals)


def get_safe_globals() -> list:
    """The globals allowed by ``add_safe_globals`` so far."""
    return list(_user_safe_globals)


def clear_safe_globals() -> None:
    """Forget every global allowed by ``add_safe_globals``."""
    global _user_safe_globals
    _user_safe_globals = set()


@contextmanager
def safe_globals(safe_globals: list) -> Iterator[None]:
    """Allow these globals for ``weights_only`` loads inside the ``with`` block only."""
    add_safe_globals(safe_globals)
    try:
        yield
    finally:
        global _user_safe_globals
        _user_safe_globals = _user_safe_globals - set(safe_globals)


def _user_allowed_globals() -> dict:
    table = {}
    for entry in _user_safe_globals:
        if isinstance(entry, tuple):
            if len(entry) != 2:
                raise ValueError("Expected tuple of length 2 (global, str of callable full path), "
                                 f"but got tuple of length: {len(entry)}")
            if type(entry[1]) is not str:
                raise TypeError("Expected second item in tuple to be str of callable full path, "
                                f"but got: {type(entry[1])}")
            table[entry[1]] = entry[0]
        else:
            table[f"{entry.__module__}.{entry.__qualname__}"] = entry
    return table


# -- saving --------------------------------------------------------------------------------------
def _is_path(f: Any) -> bool:
    return isinstance(f, (str, os.PathLike))


def _archive_name(path: str) -> str:
    """The archive's folder name, as torch derives it: the file's name without its extension
    ('archive' for names that are not ASCII)."""
    try:
        path.encode("ascii")
    except UnicodeEncodeError:
        return "archive"
    base = os.path.basename(path)
    stem = base.rsplit(".", 1)[0] if "." in base else base
    if not stem:
        raise RuntimeError(f"[enforce fail at inline_container.cc:720] . invalid file name: {path}")
    return stem


def save(obj: object, f: Any, pickle_module: Any = pickle, pickle_protocol: int = DEFAULT_PROTOCOL,
         _use_new_zipfile_serialization: bool = True,
         _disable_byteorder_record: bool = False) -> None:
    """Save ``obj`` to ``f`` (a path, ``pathlib.Path`` or binary file object) in torch's format.

    Tensors are stored as raw bytes, one record per storage, and referenced from the pickle of
    ``obj``; tensors sharing memory are stored once and share it again when loaded.  Real
    ``torch.load`` reads the file.  ``pickle_module`` is accepted for compatibility (tapegrad
    writes with its own pickler, which names torch's classes).

    Example::

        tapegrad.save(model.state_dict(), "model.pt")
        buffer = io.BytesIO(); tapegrad.save(tapegrad.arange(3), buffer)
    """
    if not _is_path(f) and not hasattr(f, "write"):
        raise AttributeError("expected 'f' to be string, path, or a file-like object with a "
                             "'write' attribute")
    if _is_path(f):
        f = os.fspath(f)
    elif not callable(f.write):
        raise TypeError(f"Buffer of {str(type(f)).strip('<>')} has no callable attribute 'write'")
    archive = _archive_name(f) if isinstance(f, str) else "archive"
    # Pickle first: an object that cannot be pickled leaves no half-written file behind.
    pickled = io.BytesIO()
    if _use_new_zipfile_serialization:
        pickler = _tp.CheckpointPickler(pickled, pickle_protocol)
        pickler.dump(obj)
    else:
        pickler = _pickle_legacy(obj, pickled, pickle_protocol)
    with (_open_for_writing(f) if isinstance(f, str) else _Borrowed(f)) as stream:
        if _use_new_zipfile_serialization:
            _write_archive(stream, archive, pickled.getvalue(), pickler.storages,
                           _disable_byteorder_record)
        else:
            _write_legacy(stream, pickled.getvalue(), pickler.storages, pickle_protocol)
        if hasattr(stream, "flush"):
            stream.flush()


def _open_for_writing(path: str) -> BinaryIO:
    """Open ``path`` for writing, with torch's errors for a missing folder or a folder path."""
    parent = os.path.dirname(path)
    if parent and not os.path.isdir(parent):
        raise RuntimeError(f"Parent directory {parent} does not exist.")
    try:
        return open(path, "wb")
    except OSError as error:
        raise RuntimeError("[enforce fail at inline_container.cc:747] . open file failed with "
                           f"strerror: {os.strerror(error.errno)}") from None


class _Borrowed:
    """A caller's file object in a ``with`` block, left open at the end."""

    def __init__(self, f: BinaryIO) -> None:
        self.f = f

    def __enter__(self) -> BinaryIO:
        return self.f

    def __exit__(self, *exc: Any) -> None:
        pass


def _storage_bytes(record: Any) -> memoryview:
    return memoryview(np.ascontiguousarray(record.array).reshape(-1).view(np.uint8))


def _write_archive(stream: BinaryIO, archive: str, pickled: bytes, storages: list,
                   skip_byteorder: bool) -> None:
    """The records in torch's order: pickle, format facts, storages, version, id."""
    writer = ArchiveWriter(stream, archive, _STORAGE_ALIGNMENT)
    writer.write_record("data.pkl", pickled)
    writer.write_record(".format_version", b"1")
    writer.write_record(".storage_alignment", str(_STORAGE_ALIGNMENT).encode())
    if not skip_byteorder:
        writer.write_record("byteorder", sys.byteorder.encode())
    for record in storages:
        writer.write_record(f"data/{record.key}", _storage_bytes(record))
    writer.write_record("version", _FILE_FORMAT_VERSION)
    # torch writes 40 digits that identify this save; they are random, so drawn from the OS and
    # not from tapegrad's generator (saving must not change the random stream).
    serial = int.from_bytes(os.urandom(16), "little")
    writer.write_record(".data/serialization_id", f"{serial % 10**40:040d}".encode())
    writer.finish()


def _pickle_legacy(obj: Any, out: BinaryIO, protocol: int) -> Any:
    """The legacy format's pickles: magic number, version, machine facts, then ``obj`` whose
    storage ids carry a sixth field (the view, None)."""
    for header in (_MAGIC_NUMBER, _PROTOCOL_VERSION,
                   {"protocol_version": _PROTOCOL_VERSION, "little_endian": sys.byteorder == "little",
                    "type_sizes": {"short": 2, "int": 4, "long": 4}}):
        pickle.dump(header, out, protocol=protocol)
    pickler = _tp.CheckpointPickler(out, protocol)
    pickler.legacy = True
    pickler.dump(obj)
    return pickler


def _write_legacy(stream: BinaryIO, pickled: bytes, storages: list, protocol: int) -> None:
    stream.write(pickled)
    keys = sorted(record.key for record in storages)
    pickle.dump(keys, stream, protocol=protocol)
    by_key = {record.key: record for record in storages}
    for key in keys:
        stream.write(struct.pack("<q", by_key[key].numel))
        stream.write(_storage_bytes(by_key[key]))


# -- loading -------------------------------------------------------------------------------------
def _default_restore(storage: _tp.Storage, location: Any) -> _tp.Storage:
    """Put a storage where ``location`` says: the CPU, or torch's errors for anything else."""
    location = location.decode("ascii") if isinstance(location, bytes) else str(location)
    if location == "cpu":
        return storage
    if re.match(r"cuda(:|[0-9]+|$)", location):
        raise RuntimeError("Attempting to deserialize object on a CUDA device but "
                           "torch.cuda.is_available() is False. If you are running on a CPU-only "
                           "machine, please use torch.load with map_location=torch.device('cpu') "
                           "to map your storages to the CPU.")
    if location.startswith("mps"):
        raise RuntimeError("torch.UntypedStorage(): Storage device not recognized: mps")
    if location == "meta":
        raise RuntimeError("tapegrad runs on the CPU only; map_location='meta' is not available")
    raise RuntimeError("don't know how to restore data location of torch.storage.UntypedStorage "
                       f"(tagged with {location})")


def _restore_location(map_location: Any) -> Callable[[_tp.Storage, str], _tp.Storage]:
    if map_location is None:
        return _default_restore
    if isinstance(map_location, dict):
        return lambda storage, location: _default_restore(
            storage, map_location.get(location, location))
    if isinstance(map_location, (str, bytes)):
        return lambda storage, location: _default_restore(storage, map_location)
    if isinstance(map_location, _tp.device):
        return lambda storage, location: _default_restore(storage, str(map_location))

    def call(storage: _tp.Storage, location: str) -> _tp.Storage:
        result = map_location(storage, location)
        return _default_restore(storage, location) if result is None else result
    return call


def _check_seekable(f: Any) -> None:
    """torch's test: a file object must seek (the archive is read from its end)."""
    try:
        f.seek(f.tell())
    except (io.UnsupportedOperation, AttributeError) as error:
        if "seek" in str(error) or "tell" in str(error):
            raise type(error)(f"{error}. You can only torch.load from a file that is seekable. "
                              "Please pre-load the data into a buffer like io.BytesIO and try to "
                              "load from it instead.") from None
        raise


def _wrap_weights_only_error(message: str) -> str:
    """torch's advice around an error of the weights-only unpickler."""
    if re.search(r"GLOBAL (\S+) was not an allowed global by default.", message):
        return ("Weights only load failed. This file can still be loaded, to do so you have two "
                "options, \033[1mdo those steps only if you trust the source of the checkpoint"
                f"\033[0m. \n\t(1) {UNSAFE_MESSAGE}\n\t(2) Alternatively, to load with "
                "`weights_only=True` please check the recommended steps in the following error "
                "message.\n\tWeightsUnpickler error: " + message + _DOCS_MESSAGE)
    if re.search(r"(\S+) must be (\S+) to load", message):
        return f"Weights only load failed. {message}\n {UNSAFE_MESSAGE}\n"
    text = f"Weights only load failed. {UNSAFE_MESSAGE}\n"
    if not re.search(r"whose module (\S+) is blocked", message):
        text += ("Please file an issue with the following so that we can make `weights_only=True` "
                 "compatible with your use case: WeightsUnpickler error: ")
    return text + "\n\n" + message + _DOCS_MESSAGE


class _Loader:
    """One ``load``: resolves storages (cached by key) and runs the chosen unpickler."""

    def __init__(self, map_location: Any, weights_only: bool, pickle_module: Any,
                 load_args: dict) -> None:
        self.restore = _restore_location(map_location)
        self.weights_only = weights_only
        self.pickle_module = pickle_module
        self.load_args = load_args
        self.storages: dict[str, _tp.Storage] = {}
        self.read_bytes: Callable[[str, int], Any] = None  # set by the format being read

    def storage(self, saved_id: Any) -> _tp.Storage:
        """A persistent id ('storage', type, key, location, numel[, view]) -> its Storage."""
        if not isinstance(saved_id, tuple):
            raise AssertionError(f"saved_id must be a tuple, got {type(saved_id).__name__}")
        if _ascii(saved_id[0]) != "storage":
            raise AssertionError("Unknown typename for persistent_load, expected 'storage' but "
                                 f"got '{_ascii(saved_id[0])}'")
        storage_type, key, location, numel = saved_id[1:5]
        dtype = _tp.storage_dtype(storage_type)
        if key not in self.storages:
            raw = self.read_bytes(key, numel * dtype.itemsize)
            raw = np.frombuffer(raw, dtype=np.uint8) if not isinstance(raw, np.ndarray) else raw
            storage = self.restore(_tp.Storage(raw, dtype), _ascii(location))
            if not isinstance(storage, _tp.Storage):
                raise RuntimeError(f"map_location returned {type(storage).__name__}, expected the "
                                   "storage it was given")
            self.storages[key] = storage
        storage = self.storages[key]
        return storage if storage.dtype is dtype else _tp.Storage(storage.raw, dtype)

    def unpickle(self, file: BinaryIO) -> Any:
        if self.weights_only:
            for name in self.load_args:
                if name != "encoding":  # the weights-only unpickler takes nothing else
                    raise TypeError(f"Unpickler.__init__() got an unexpected keyword argument "
                                    f"'{name}'")
            allowed = dict(_tp.torch_globals())
            allowed.update(_user_allowed_globals())
            param = _tp.parameter_class()
            special = {} if param is None else {param: (param, None)}
            unpickler = WeightsUnpickler(file, allowed, self.storage, special=special,
                                         encoding=self.load_args.get("encoding", "utf-8"))
            return unpickler.load()
        unpickler_class = _full_unpickler_class(self.pickle_module)
        return unpickler_class(file, self, **self.load_args).load()


def _full_unpickler_class(pickle_module: Any) -> type:
    """An unpickler class of ``pickle_module`` (normally ``pickle``) that knows torch's names."""

    class FullUnpickler(pickle_module.Unpickler):
        """Any pickle (``weights_only=False``), with torch's names read as tapegrad's objects."""

        def __init__(self, file: BinaryIO, loader: _Loader, **kwargs: Any) -> None:
            super().__init__(file, **kwargs)
            self._torch = _tp.torch_globals()
            self._loader = loader

        def persistent_load(self, saved_id: Any) -> Any:
            return self._loader.storage(saved_id)

        def find_class(self, module: str, name: str) -> Any:
            full = f"{module}.{name}"
            if full in self._torch:
                return self._torch[full]
            if module == "torch.tensor":  # torch's own mapping of an old module name
                module = "torch._tensor"
            if module == "torch" or module.startswith("torch."):
                try:  # a torch name tapegrad has, e.g. torch.nn.modules.linear.Linear
                    __import__("tapegrad" + module[5:])
                    return getattr(sys.modules["tapegrad" + module[5:]], name)
                except (ImportError, AttributeError):
                    pass
            return super().find_class(module, name)

    return FullUnpickler


def _ascii(value: Any) -> Any:
    return value.decode("ascii") if isinstance(value, bytes) else value


def _load_archive(reader: ArchiveReader, loader: _Loader, mapped: bool) -> Any:
    if reader.has_record(".format_version"):  # torch reads these first: same errors first
        reader.read(".format_version")
    byteorder = b"little"
    if reader.has_record("byteorder"):
        byteorder = bytes(reader.read("byteorder"))
        if byteorder not in (b"little", b"big"):
            raise ValueError("Unknown endianness type: " + byteorder.decode())
    swap = byteorder.decode() != sys.byteorder
    if reader.has_record(".storage_alignment"):
        reader.read(".storage_alignment")

    def read_bytes(key: str, nbytes: int) -> np.ndarray:
        name = f"data/{key}"
        data = reader.read(name, check_crc=not mapped)
        if len(data) != nbytes:
            raise RuntimeError(f"PytorchStreamReader failed reading file {name}: the record holds "
                               f"{len(data)} bytes, the checkpoint expects {nbytes}")
        return np.frombuffer(data, dtype=np.uint8)

    loader.read_bytes = read_bytes
    pickled = io.BytesIO(bytes(reader.read("data.pkl")))
    result = loader.unpickle(pickled)
    if swap:
        for storage in loader.storages.values():
            storage.raw.view(storage.dtype.np).byteswap(inplace=True)
    return result


def _load_legacy(f: BinaryIO, loader: _Loader) -> Any:
    """The pre-1.6 format: header pickles, the object, the storage keys, then each storage's
    element count (int64) and bytes."""
    def read_header() -> Any:
        if not loader.weights_only:
            return pickle.load(f, **loader.load_args)
        for name in loader.load_args:
            if name != "encoding":
                raise TypeError(f"load() got an unexpected keyword argument '{name}'")
        return WeightsUnpickler(f, {}, _no_persistent_id).load()

    if read_header() != _MAGIC_NUMBER:
        raise RuntimeError("Invalid magic number; corrupt file?")
    version = read_header()
    if version != _PROTOCOL_VERSION:
        raise RuntimeError(f"Invalid protocol version: {version}")
    read_header()  # machine facts (byte order, sizes of C types)
    pending: dict[str, np.ndarray] = {}

    def read_bytes(key: str, nbytes: int) -> np.ndarray:
        pending[key] = np.zeros(nbytes, dtype=np.uint8)  # filled after the object's pickle
        return pending[key]

    loader.read_bytes = read_bytes
    result = loader.unpickle(f)
    for key in read_header():
        if key not in pending:
            raise RuntimeError(f"storage key {key!r} not found in the checkpoint's object")
        raw = pending[key]
        _read_exactly(f, memoryview(bytearray(8)))  # the element count, known from the pickle
        _read_exactly(f, memoryview(raw))
    return result


def _read_exactly(f: BinaryIO, into: memoryview) -> None:
    got = f.readinto(into) or 0
    if got != into.nbytes:
        raise RuntimeError(f"unexpected EOF, expected {into.nbytes - got} more bytes. The file "
                           "might be corrupted.")


def _no_persistent_id(saved_id: Any) -> Any:
    raise pickle.UnpicklingError("unsupported persistent id encountered")


def load(f: Any, map_location: Any = None, pickle_module: Any = None, *,
         weights_only: "bool | None" = None, mmap: "bool | None" = None,
         **pickle_load_args: Any) -> Any:
    """Load an object saved with ``tapegrad.save`` or ``torch.save`` from ``f`` (a path,
    ``pathlib.Path`` or seekable binary file object).

    Args:
        map_location: where storages go: ``'cpu'``, ``tapegrad.device('cpu')``, a dict from saved
            to wanted locations, or ``fn(storage, location)``.  tapegrad has only the CPU, so
            files saved from GPUs need ``map_location='cpu'`` (as with torch's CPU build).
        weights_only: default ``True``: only tensors, containers, numbers, strings and the other
            allowlisted types load; ``False`` runs any pickle (trusted files only).
        mmap: map the file's storages into memory instead of reading them (paths only).
        pickle_load_args: passed to the unpickler (``encoding``, ...; ``weights_only=False``).

    A damaged or truncated file raises ``RuntimeError`` (torch's "PytorchStreamReader failed
    ..."); nothing is returned half-built.
    """
    weights_only_not_set = weights_only is None
    if weights_only_not_set:
        weights_only = pickle_module is None
    forced_on = os.getenv("TORCH_FORCE_WEIGHTS_ONLY_LOAD", "0").lower() in ("1", "y", "yes", "true")
    forced_off = os.getenv("TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD", "0").lower() in ("1", "y", "yes",
                                                                                "true")
    if forced_on and forced_off:
        raise RuntimeError("Only one of `TORCH_FORCE_WEIGHTS_ONLY_LOAD` or "
                           "`TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD` should be set, but both were set.")
    if forced_on:
        weights_only = True
    elif forced_off and weights_only_not_set:
        warnings.warn("Environment variable TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD detected, since the"
                      "`weights_only` argument was not explicitly passed to `torch.load`, forcing "
                      "weights_only=False.", UserWarning, stacklevel=2)
        weights_only = False
    if weights_only and pickle_module is not None:
        raise RuntimeError("Can not safely load weights when explicit pickle_module is specified")
    pickle_module = pickle_module or pickle
    if pickle_load_args and weights_only:
        warnings.warn("pickle_load_args only works if `weights_only=False`.", UserWarning,
                      stacklevel=2)
    pickle_load_args.setdefault("encoding", "utf-8")
    if mmap and not _is_path(f):
        raise ValueError("f must be a file path in order to use the mmap argument")
    loader = _Loader(map_location, bool(weights_only), pickle_module, pickle_load_args)
    with (open(os.fspath(f), "rb") if _is_path(f) else _Borrowed(f)) as stream:
        _check_seekable(stream)
        try:
            return _load_stream(stream, f, loader, bool(mmap))
        except pickle.UnpicklingError as error:
            if not weights_only:
                raise
            raise pickle.UnpicklingError(_wrap_weights_only_error(str(error))) from None


def _load_stream(stream: BinaryIO, f: Any, loader: _Loader, mapped: bool) -> Any:
    start = stream.tell()
    is_zip = stream.read(4) == b"PK\x03\x04"
    stream.seek(start)
    if not is_zip:
        if mapped:
            name = f"{f}, " if isinstance(f, str) else ""
            raise RuntimeError("mmap can only be used with files saved with "
                               f"`torch.save({name}_use_new_zipfile_serialization=True), please "
                               "torch.save your checkpoint with this option in order to use mmap.")
        return _load_legacy(stream, loader)
    buffer = None
    if mapped:
        buffer = memoryview(_mmap.mmap(stream.fileno(), 0, access=_mmap.ACCESS_COPY))
    reader = ArchiveReader(stream, buffer)
    if reader.has_record("constants.pkl"):
        if loader.weights_only:
            raise RuntimeError("Cannot use ``weights_only=True`` with TorchScript archives passed "
                               "to ``torch.load``. " + UNSAFE_MESSAGE)
        raise RuntimeError("tapegrad cannot load TorchScript archives (torch.jit.save files)")
    return _load_archive(reader, loader, mapped)
