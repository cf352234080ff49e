"""Grad mode: whether operations are recorded for backward (thread-local, like torch).

``no_grad``, ``enable_grad`` and ``set_grad_enabled`` work as context managers and as
decorators; ``inference_mode`` is accepted as an alias of ``no_grad``.
"""
from __future__ import annotations

import functools
import threading
from typing import Any, Callable, TypeVar

__all__ = ["no_grad", "enable_grad", "set_grad_enabled", "is_grad_enabled", "inference_mode"]

F = TypeVar("F", bound=Callable[..., Any])


class _State(threading.local):
    def __init__(self) -> None:
        self.enabled = True


state = _State()


def is_grad_enabled() -> bool:
    """True when new operations are recorded in the autograd graph (the default)."""
    return state.enabled


class _GradModeContext:
    """Base of the grad-mode switches: a context manager that is also a decorator."""

    _mode: bool = True

    def __enter__(self) -> None:
        self._prev = state.enabled
        state.enabled = self._mode

    def __exit__(self, *exc: object) -> None:
        state.enabled = self._prev

    def __call__(self, fn: F) -> F:
        mode = self._mode

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            prev = state.enabled
            state.enabled = mode
            try:
                return fn(*args, **kwargs)
            finally:
                state.enabled = prev

        return wrapper  # type: ignore[return-value]

    def clone(self) -> "_GradModeContext":
        """A fresh context manager of the same kind (one object may not be entered twice)."""
        return self.__class__()


class no_grad(_GradModeContext):
    """Context manager / decorator that disables gradient recording.

    Results computed inside have ``requires_grad=False`` even when inputs require grad::

        with tapegrad.no_grad():
            w -= lr * w.grad
    """

    _mode = False

    def __init__(self, orig_func: Callable | None = None) -> None:
        # Allows the bare decorator form ``@no_grad`` besides ``@no_grad()``.
        self._orig = orig_func

    def __new__(cls, orig_func: Callable | None = None):  # type: ignore[misc]
        if orig_func is not None and callable(orig_func):
            return _GradModeContext.__call__(super().__new__(cls), orig_func)
        return super().__new__(cls)


class enable_grad(no_grad):
    """Context manager / decorator that re-enables gradient recording inside ``no_grad``."""

    _mode = True


class inference_mode(no_grad):
    """Accepted for torch compatibility; behaves as ``no_grad`` in tapegrad."""

    def __init__(self, mode: bool = True) -> None:
        self._mode = not mode

    def __new__(cls, mode: Any = True):  # type: ignore[misc]
        if callable(mode):
            return _GradModeContext.__call__(object.__new__(cls), mode)
        return object.__new__(cls)


class set_grad_enabled(_GradModeContext):
    """Set grad mode on (``True``) or off (``False``).

    Takes effect at once when called as a function, and is undone at the end of a ``with`` block
    or of a decorated function, as in torch.
    """

    def __init__(self, mode: bool) -> None:
        self._mode = bool(mode)
        self._prev = state.enabled
        state.enabled = self._mode

    def __enter__(self) -> None:
        pass

    def __exit__(self, *exc: object) -> None:
        state.enabled = self._prev

    def __call__(self, fn: F) -> F:
        state.enabled = self._prev  # used as a decorator: switch only while fn runs
        return super().__call__(fn)

    def clone(self) -> "set_grad_enabled":
        """A fresh ``set_grad_enabled`` with the same mode."""
        return self.__class__(self._mode)
