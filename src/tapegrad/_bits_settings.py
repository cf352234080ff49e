"""Process-wide switches of torch's namespace: threads, determinism, matmul precision, warnings,
the default device and tensor type, plus the small helpers ``typename``, ``broadcast_shapes``
and ``get_device``.

tapegrad computes with NumPy, so most switches only remember their value (NumPy's kernels are
deterministic and run at full float32 precision whatever is asked).  The one that acts is the
thread count: it sets the threads of the OpenBLAS library NumPy ships with, found by ctypes.

    >>> tapegrad.set_num_threads(1); tapegrad.get_num_threads()
    1
"""
from __future__ import annotations

import ctypes
import glob
import os
import warnings
from typing import Any, Callable, Sequence

import numpy as np

from . import _dtype
from ._creation import LEGACY_TYPES
from ._tensor import Size, Tensor, check_device, device


# -- threads -------------------------------------------------------------------------------------
def _openblas() -> tuple[Callable | None, Callable | None]:
    """(get, set) of the thread count of NumPy's bundled OpenBLAS, or (None, None)."""
    libs = os.path.join(os.path.dirname(np.__file__), os.pardir, "numpy.libs")
    for path in sorted(glob.glob(os.path.join(libs, "*openblas*"))):
        try:
            lib = ctypes.CDLL(path)  # already loaded by NumPy: the same handle, no new copy
        except OSError:
            continue
        for prefix, suffix in (("scipy_openblas", "64_"), ("scipy_openblas", ""),
                               ("openblas", "64_"), ("openblas", "")):
            get = getattr(lib, f"{prefix}_get_num_threads{suffix}", None)
            put = getattr(lib, f"{prefix}_set_num_threads{suffix}", None)
            if get is not None and put is not None:
                get.restype, put.argtypes = ctypes.c_int, [ctypes.c_int]
                return get, put
    return None, None


_BLAS_GET, _BLAS_SET = _openblas()
_threads = {"intra": _BLAS_GET() if _BLAS_GET else (os.cpu_count() or 1),
            "interop": os.cpu_count() or 1}


def _thread_count(name: str, n: Any) -> int:
    if not isinstance(n, (int, np.integer)) or isinstance(n, bool):
        raise RuntimeError(f"{name} expects an int, but got {type(n).__name__}")
    if n <= 0:
        raise RuntimeError(f"{name} expects a positive integer")
    return int(n)


def get_num_threads() -> int:
    """Threads used for intra-op parallelism: those of NumPy's BLAS (matmul and friends)."""
    return _BLAS_GET() if _BLAS_GET else _threads["intra"]


def set_num_threads(int: int) -> None:  # noqa: A002  (torch's argument name)
    """Set the threads of NumPy's BLAS (remembered only where that library is not OpenBLAS)."""
    n = _thread_count("set_num_threads", int)
    _threads["intra"] = n
    if _BLAS_SET:
        _BLAS_SET(n)


def get_num_interop_threads() -> int:
    """Threads for inter-op parallelism; tapegrad runs ops one after the other, so only a
    remembered number (the CPU count at start, as torch)."""
    return _threads["interop"]


def set_num_interop_threads(int: int) -> None:  # noqa: A002
    """Remember the inter-op thread count (nothing runs ops in parallel here)."""
    _threads["interop"] = _thread_count("set_num_interop_threads", int)


# -- determinism, precision, warnings ------------------------------------------------------------
_state: dict[str, Any] = {"deterministic": False, "warn_only": False, "precision": "highest",
                          "warn_always": False}


def use_deterministic_algorithms(mode: bool, *, warn_only: bool = False) -> None:
    """Ask for deterministic kernels; NumPy's always are, so this only records the wish."""
    if not isinstance(mode, bool):
        raise TypeError("_set_deterministic_algorithms(): argument 'mode' (position 1) must be "
                        f"bool, not {type(mode).__name__}")
    _state["deterministic"], _state["warn_only"] = mode, bool(warn_only)


def are_deterministic_algorithms_enabled() -> bool:
    """Whether ``use_deterministic_algorithms(True)`` is in force."""
    return _state["deterministic"]


def is_deterministic_algorithms_warn_only_enabled() -> bool:
    """Whether it was switched on with ``warn_only=True``."""
    return _state["warn_only"]


_DEBUG_MODES = {"default": 0, "warn": 1, "error": 2}


def set_deterministic_debug_mode(debug_mode: str | int) -> None:
    """``'default'``/0 off, ``'warn'``/1 deterministic with warnings, ``'error'``/2 strict."""
    if isinstance(debug_mode, str):
        if debug_mode not in _DEBUG_MODES:
            raise RuntimeError("invalid value of debug_mode, expected one of `default`, `warn`, "
                               f"`error`, but got {debug_mode}")
        debug_mode = _DEBUG_MODES[debug_mode]
    elif not isinstance(debug_mode, int):
        raise TypeError(f"debug_mode must be str or int, but got {type(debug_mode)}")
    if debug_mode not in (0, 1, 2):
        raise RuntimeError(f"invalid value of debug_mode, expected 0, 1, or 2, but got {debug_mode}")
    use_deterministic_algorithms(debug_mode > 0, warn_only=debug_mode == 1)


def get_deterministic_debug_mode() -> int:
    """0, 1 or 2 as ``set_deterministic_debug_mode`` takes them."""
    if not _state["deterministic"]:
        return 0
    return 1 if _state["warn_only"] else 2


def get_float32_matmul_precision() -> str:
    """``'highest'``, ``'high'`` or ``'medium'``: the last value set (NumPy always uses full
    float32 precision)."""
    return _state["precision"]


def set_float32_matmul_precision(precision: str) -> None:
    """Record the float32 matmul precision; an unknown value warns and changes nothing."""
    if precision not in ("highest", "high", "medium"):
        warnings.warn(f"{precision} is not one of 'highest', 'high', or 'medium'; the current"
                      "setFloat32MatmulPrecision call has no effect. (Triggered internally at "
                      "/__w/pytorch/pytorch/aten/src/ATen/Context.cpp:458.)", UserWarning,
                      stacklevel=2)
        return
    _state["precision"] = precision


def set_flush_denormal(mode: bool) -> bool:
    """torch returns whether the CPU can flush denormals to zero; NumPy gives no control over
    the FPU's flush mode, so this answers False (not supported) and changes nothing."""
    return False


def set_warn_always(b: bool) -> None:
    """Whether warnings torch gives once per process should be given every time (recorded)."""
    _state["warn_always"] = bool(b)


def is_warn_always_enabled() -> bool:
    """The value last given to ``set_warn_always``."""
    return _state["warn_always"]


# -- default device and tensor type --------------------------------------------------------------
def get_default_device() -> device:
    """The device new tensors are made on: always the CPU here."""
    return device("cpu")


def set_default_device(device: Any) -> None:  # noqa: F811  (torch's argument name)
    """Only the CPU (or None) is accepted: accelerators get the error torch's CPU build gives
    when a tensor is made on them."""
    check_device(device)


def set_default_tensor_type(t: Any) -> None:
    """Deprecated: sets the default dtype from a legacy type (``tapegrad.DoubleTensor`` or the
    string ``'torch.DoubleTensor'``); only floating types are accepted.  Warns once per
    process (every time after ``set_warn_always(True)``), as torch does."""
    if not _state.get("warned_tensor_type") or _state["warn_always"]:
        _state["warned_tensor_type"] = True
        warnings.warn("torch.set_default_tensor_type() is deprecated as of PyTorch 2.1, please use "
                      "torch.set_default_dtype() and torch.set_default_device() as alternatives. "
                      "(Triggered internally at /__w/pytorch/pytorch/torch/csrc/tensor/"
                      "python_tensor.cpp:434.)", UserWarning, stacklevel=2)
    if isinstance(t, str):
        name = t.split(".", 1)[1] if t.startswith(("torch.", "tapegrad.")) else t
        if name not in LEGACY_TYPES:
            raise TypeError(f"invalid type: '{t}'")
        t = LEGACY_TYPES[name]
    d = getattr(t, "dtype", None)
    if not isinstance(d, _dtype.dtype):
        raise TypeError(f"invalid type object: only floating-point types are supported as the "
                        f"default type, got {t!r}")
    if not d.is_floating_point or d is _dtype.float16:
        raise TypeError("only floating-point types are supported as the default type")
    _dtype.set_default_dtype(d)


# -- small helpers -------------------------------------------------------------------------------
_TYPE_NAMES = {d: f"torch.{name}" for name, t in LEGACY_TYPES.items() for d in (t.dtype,)}
_TYPE_NAMES.update({_dtype.complex64: "torch.ComplexFloatTensor",
                    _dtype.complex128: "torch.ComplexDoubleTensor"})


def typename(obj: Any) -> str:
    """A readable type name: ``'torch.FloatTensor'`` for a tensor (torch's legacy names),
    ``'int'`` for builtins, ``module.QualName`` for anything else."""
    if isinstance(obj, Tensor):
        return _TYPE_NAMES.get(obj.dtype, "torch.Tensor")
    module = getattr(obj, "__module__", "") or ""
    if hasattr(obj, "__qualname__"):
        qualname = obj.__qualname__
    elif hasattr(obj, "__name__"):
        qualname = obj.__name__
    else:
        module = obj.__class__.__module__ or ""
        qualname = obj.__class__.__qualname__
    return qualname if module in ("", "builtins") else f"{module}.{qualname}"


def broadcast_shapes(*shapes: int | Sequence[int]) -> Size:
    """The shape that tensors of all ``shapes`` broadcast to, without making any tensor.

        >>> tapegrad.broadcast_shapes((2, 1), (3,))
        tapegrad.Size([2, 3])
    """
    shapes = tuple((s,) if isinstance(s, (int, np.integer)) else s
                   for s in shapes if s is not None)
    if not shapes:
        return Size([])
    for s in shapes:
        if not isinstance(s, Sequence):
            raise RuntimeError("Input shapes should be of type ints, a tuple of ints, or a list "
                               f"of ints, got {s}")
    common = [1] * max(len(s) for s in shapes)
    for at, s in enumerate(shapes):
        for i in range(-1, -1 - len(s), -1):
            if s[i] == common[i]:
                continue
            if common[i] == 1:
                if s[i] < 0:
                    raise ValueError("Attempting to broadcast a dimension with negative length!")
                common[i] = s[i]
            if s[i] != 1 and s[i] != common[i]:
                raise RuntimeError(f"Attempting to broadcast a dimension of length {s[i]} at {i}! "
                                   f"Mismatching argument at index {at} had {s}; but expected "
                                   f"shape should be broadcastable to {common}")
    return Size(common)


def get_device(input: Tensor) -> int:
    """The index of the tensor's device: -1 for the CPU (the only device here)."""
    if not isinstance(input, Tensor):
        raise TypeError("get_device(): argument 'input' (position 1) must be Tensor, not "
                        f"{type(input).__name__}")
    return -1


FUNCTIONS = {f.__name__: f for f in (
    get_num_threads, set_num_threads, get_num_interop_threads, set_num_interop_threads,
    use_deterministic_algorithms, are_deterministic_algorithms_enabled,
    is_deterministic_algorithms_warn_only_enabled, set_deterministic_debug_mode,
    get_deterministic_debug_mode, get_float32_matmul_precision, set_float32_matmul_precision,
    set_flush_denormal, set_warn_always, is_warn_always_enabled, get_default_device,
    set_default_device, set_default_tensor_type, typename, broadcast_shapes, get_device)}
