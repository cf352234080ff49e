"""Finding where a NaN came from: anomaly detection (torch's API), and masked-where mode.

``detect_anomaly()`` (or ``set_detect_anomaly(True)``) does two things, as in torch:

* every node recorded while it is on keeps the traceback of the forward call that made it
  (``y.grad_fn.metadata["traceback_"]``);
* backward checks each node's gradients; the first node to produce a NaN raises
  ``RuntimeError: Function 'SqrtBackward0' returned nan values in its 0th output.``, after a
  warning that shows the forward traceback, the op and the shapes of its differentiable inputs.
  ``check_inf=True`` (a tapegrad extension) also stops at infinities.

``masked_where()`` / ``set_masked_where(True)`` fixes the classic NaN of
``where(x > 0, sqrt(x), 0)`` at ``x <= 0``: the untaken branch gets a zero gradient, but
``0 * d sqrt(x)/dx`` is ``0 * nan``.  In this mode a zero gradient flowing into an elementwise op
gives an exact zero out, whatever the local derivative is, so the untaken branch contributes
nothing.  The default stays torch's behaviour.
"""
from __future__ import annotations

import functools
import os
import sys
import traceback
import warnings
from typing import Any, Callable

import numpy as np

from .._ops import _registry, _transforms
from . import _engine

__all__ = ["detect_anomaly", "set_detect_anomaly", "is_anomaly_enabled",
           "is_anomaly_check_nan_enabled", "masked_where", "set_masked_where",
           "is_masked_where_enabled"]

_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_ENABLED_WARNING = ("Anomaly Detection has been enabled. This mode will increase the runtime and "
                    "should only be enabled for debugging.")


class _Recorder(_transforms.Transform):
    """A pass-through transform that stamps each new node with the forward traceback."""

    def process(self, op: Any, args: Any, params: dict) -> Any:
        result = op(*args, **params)
        first = result[0] if isinstance(result, tuple) and result else result
        node = getattr(first, "_grad_fn", None)
        if node is not None and "traceback_" not in node.metadata:
            node.metadata["traceback_"] = _user_frames()
        return result


def _user_frames() -> list[str]:
    """The formatted stack without tapegrad's own frames (what the user wrote)."""
    frames = traceback.extract_stack()
    mine = [f for f in frames if not os.path.abspath(f.filename).startswith(_PACKAGE_DIR)]
    return traceback.format_list(mine)


def _user_stacklevel() -> int:
    """The ``stacklevel`` that makes a warning point at the user's line, not tapegrad's."""
    frame, level = sys._getframe(1), 1
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(_PACKAGE_DIR):
        frame, level = frame.f_back, level + 1
    return level


class _State:
    recorder: _Recorder | None = None
    check_nan = True
    check_inf = False


_state = _State()


def _check_gradients(node: Any, grad_outputs: list, grad_inputs: list) -> None:
    """Engine observer: raise at the first node whose gradients hold NaN (or inf)."""
    if not grad_inputs:  # a leaf: nothing was computed here
        return
    for i, g in enumerate(grad_inputs):
        if g is None:
            continue
        arr = g._data if isinstance(g, _engine._Tensor) else np.asarray(g)
        if arr.dtype.kind not in "fc":
            continue
        bad = "nan" if np.isnan(arr).any() else (
            "inf" if _state.check_inf and np.isinf(arr).any() else None)
        if bad is None:
            continue
        name = node.name()
        shapes = ", ".join(str(list(e[2])) for e in node._next if e is not None)
        frames = node.metadata.get("traceback_")
        where = "".join(frames) if frames else "  (recorded before anomaly detection was enabled)\n"
        warnings.warn(f"Error detected in {name}. Traceback of forward call that caused the error:"
                      f"\n{where}  ({name}'s differentiable inputs had shapes: {shapes})",
                      UserWarning, stacklevel=_user_stacklevel())
        raise RuntimeError(f"Function '{name}' returned {bad} values in its {i}th output.")


def _enable(mode: bool, check_nan: bool, check_inf: bool) -> None:
    if mode and _state.recorder is None:
        rec = _Recorder()
        rec.push()
        _state.recorder = rec
    elif not mode and _state.recorder is not None:
        _remove(_state.recorder)
        _state.recorder = None
    _state.check_nan = bool(check_nan)
    _state.check_inf = bool(check_inf)
    checking = mode and (check_nan or check_inf)
    if checking and _check_gradients not in _engine.observers:
        _engine.observers.append(_check_gradients)
    elif not checking and _check_gradients in _engine.observers:
        _engine.observers.remove(_check_gradients)


def _remove(rec: _Recorder) -> None:
    """Take the recorder off the stack wherever it sits (modes may be toggled inside vmap)."""
    levels = _transforms.stack.levels
    if rec in levels:
        if levels[-1] is rec:
            rec.pop()
            return
        levels.remove(rec)
        for i, lvl in enumerate(levels):
            lvl.level = i
        with _transforms._lock:
            _transforms.active -= 1


def is_anomaly_enabled() -> bool:
    """Whether anomaly detection is on."""
    return _state.recorder is not None


def is_anomaly_check_nan_enabled() -> bool:
    """Whether anomaly detection checks backward results for NaN (True unless turned off)."""
    return _state.check_nan


class _Switch:
    """Base of the anomaly switches: context managers that are also decorators."""

    _prev: tuple

    def _set(self) -> None:  # pragma: no cover - subclasses define it
        raise NotImplementedError

    def __enter__(self) -> None:
        self._set()

    def __exit__(self, *exc: object) -> None:
        _enable(*self._prev)

    def __call__(self, fn: Callable) -> Callable:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with self.__class__(*self._args):
                return fn(*args, **kwargs)
        return wrapper


def _current() -> tuple:
    return (is_anomaly_enabled(), _state.check_nan, _state.check_inf)


class detect_anomaly(_Switch):
    """Context manager (and decorator) that turns anomaly detection on for a block."""

    def __init__(self, check_nan: bool = True, check_inf: bool = False) -> None:
        self._args = (check_nan, check_inf)
        self._prev = _current()
        warnings.warn(_ENABLED_WARNING, UserWarning, stacklevel=2)

    def _set(self) -> None:
        self._prev = _current()
        _enable(True, *self._args)


class set_detect_anomaly(_Switch):
    """Turn anomaly detection on or off: as a call (stays set) or as a context manager."""

    def __init__(self, mode: bool, check_nan: bool = True, check_inf: bool = False) -> None:
        self._args = (mode, check_nan, check_inf)
        self._prev = _current()
        _enable(mode, check_nan, check_inf)

    def _set(self) -> None:
        pass  # already set by the constructor, as torch does


# -- masked where ----------------------------------------------------------------------------------
def is_masked_where_enabled() -> bool:
    """Whether a zero gradient stays exactly zero through elementwise ops (see module doc)."""
    return _registry.masked_zero_grads


class set_masked_where:
    """Turn masked-where mode on or off: as a call (stays set) or as a context manager."""

    def __init__(self, mode: bool) -> None:
        self._prev = _registry.masked_zero_grads
        _registry.masked_zero_grads = bool(mode)

    def __enter__(self) -> None:
        pass

    def __exit__(self, *exc: object) -> None:
        _registry.masked_zero_grads = self._prev


class masked_where(set_masked_where):
    """Context manager: masked-where mode for a block::

        x = tapegrad.tensor([-1.0, 4.0], requires_grad=True)
        with tapegrad.autograd.masked_where():
            tapegrad.where(x > 0, x.sqrt(), 0.0).sum().backward()
        x.grad  # tensor([0.0000, 0.2500]) instead of tensor([nan, 0.2500])
    """

    def __init__(self) -> None:
        self._prev = _registry.masked_zero_grads

    def __enter__(self) -> None:
        self._prev = _registry.masked_zero_grads
        _registry.masked_zero_grads = True
