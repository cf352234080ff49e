"""Run PyTorch-style scripts on tapegrad: ``import torch`` loads tapegrad (``tapegrad run``).

:func:`torch_alias` puts an import hook first on :data:`sys.meta_path` so that ``torch`` and
every ``torch.X.Y`` resolve to ``tapegrad`` / ``tapegrad.X.Y``.  Each alias is a small module
proxy that forwards attribute reads to the tapegrad object, so ``torch.tensor`` *is*
``tapegrad.tensor`` and ``isinstance(t, torch.Tensor)`` holds.  Only the proxies know the torch
names, which lets them say what is missing: ``torch.nn`` raises ModuleNotFoundError "torch.nn
is not implemented in tapegrad yet", ``torch.compile`` raises AttributeError "tapegrad does not
implement torch.compile yet".  Plain ``import tapegrad`` is untouched.

The hook claims every ``torch`` name, so an installed PyTorch is never reached while it is on.
"""
from __future__ import annotations

import contextlib
import importlib
import importlib.abc
import importlib.machinery
import os
import runpy
import sys
import traceback
import types
from typing import Any, Iterator, Sequence

__all__ = ["torch_alias", "run_script", "as_torch"]


def _target_name(torch_name: str) -> str:
    return "tapegrad" + torch_name[len("torch"):]


class _Alias(types.ModuleType):
    """The module ``torch.X`` standing for the tapegrad object ``tapegrad.X``."""

    def __init__(self, name: str, target: Any) -> None:
        super().__init__(name, getattr(target, "__doc__", None))
        self.__path__: list[str] = []  # a package, so ``import torch.X.Y`` may look inside
        object.__setattr__(self, "_tapegrad_target", target)

    def __getattr__(self, attr: str) -> Any:
        target = object.__getattribute__(self, "_tapegrad_target")
        try:
            value = getattr(target, attr)
        except AttributeError:
            if attr.startswith("__") and attr.endswith("__"):
                raise AttributeError(f"module {self.__name__!r} has no attribute {attr!r}") \
                    from None
            raise AttributeError(f"tapegrad does not implement {self.__name__}.{attr} yet") \
                from None
        if isinstance(value, types.ModuleType) and value.__name__.startswith("tapegrad"):
            value = _alias_for(f"{self.__name__}.{attr}", value)
            setattr(self, attr, value)  # later reads skip __getattr__
        return value

    def __dir__(self) -> list[str]:
        target = object.__getattribute__(self, "_tapegrad_target")
        return sorted(set(dir(target)) | set(self.__dict__))

    def __repr__(self) -> str:
        target = object.__getattribute__(self, "_tapegrad_target")
        return f"<module {self.__name__!r} (tapegrad alias of {target!r})>"


def _alias_for(name: str, target: Any) -> _Alias:
    """The one alias module for ``name``, registered in sys.modules."""
    alias = sys.modules.get(name)
    if isinstance(alias, _Alias):
        return alias
    alias = _Alias(name, target)
    alias.__spec__ = importlib.machinery.ModuleSpec(name, None, is_package=True)
    sys.modules[name] = alias
    return alias


def _not_implemented(name: str) -> ModuleNotFoundError:
    # ``name`` is the tapegrad module that is missing; were it the torch name, ``from torch
    # import nn`` would swallow this error and report a vaguer "cannot import name".
    return ModuleNotFoundError(f"{name} is not implemented in tapegrad yet",
                               name=_target_name(name))


def _resolve(name: str) -> Any:
    """The tapegrad object behind ``torch`` or ``torch.X.Y``; ModuleNotFoundError if none."""
    target = _target_name(name)
    try:
        return importlib.import_module(target)
    except ModuleNotFoundError as exc:
        if exc.name is None or not target.startswith(exc.name):
            raise  # a module tapegrad itself needs is missing: not an aliasing question
    # Not a module, but maybe an attribute (tapegrad.cuda is a class standing for a module).
    parent, _, child = name.rpartition(".")
    owner = sys.modules.get(parent)
    value = getattr(object.__getattribute__(owner, "_tapegrad_target"), child, None) \
        if isinstance(owner, _Alias) else None
    if value is None:
        raise _not_implemented(name)
    if not isinstance(value, (types.ModuleType, type)):  # e.g. ``import torch.tensor``
        raise ModuleNotFoundError(f"No module named {name!r}", name=name)
    return value


class _Loader(importlib.abc.Loader):
    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType:
        existing = sys.modules.get(spec.name)
        if isinstance(existing, _Alias):
            return existing
        return _Alias(spec.name, _resolve(spec.name))

    def exec_module(self, module: types.ModuleType) -> None:
        pass


class _Finder(importlib.abc.MetaPathFinder):
    """Claims ``torch`` and ``torch.*``; everything else goes to the normal finders."""

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> Any:
        if name != "torch" and not name.startswith("torch."):
            return None
        _resolve(name)  # fail here, at import time, with the not-implemented message
        return importlib.machinery.ModuleSpec(name, _Loader(), is_package=True)


@contextlib.contextmanager
def torch_alias() -> Iterator[None]:
    """While active, ``import torch`` (and ``torch.X``) gives tapegrad; restored on exit."""
    saved = {k: v for k, v in sys.modules.items() if k == "torch" or k.startswith("torch.")}
    for key in saved:
        del sys.modules[key]
    finder = _Finder()
    sys.meta_path.insert(0, finder)
    try:
        yield
    finally:
        sys.meta_path.remove(finder)
        for key in [k for k in sys.modules if k == "torch" or k.startswith("torch.")]:
            del sys.modules[key]
        sys.modules.update(saved)


_installed: list = []  # the finder and the torch modules it displaced, while as_torch() is on


def as_torch(enable: bool = True) -> None:
    """From now on, ``import torch`` anywhere (a notebook, a library such as ``d2l``) gives
    tapegrad; ``as_torch(False)`` undoes it. Call it before anything imports torch.

    In IPython or Jupyter, ``%load_ext tapegrad`` does the same and ``%unload_ext tapegrad``
    undoes it. Modules that imported torch earlier keep what they imported.
    """
    if enable and not _installed:
        saved = {k: v for k, v in sys.modules.items() if k == "torch" or k.startswith("torch.")}
        for key in saved:
            del sys.modules[key]
        finder = _Finder()
        sys.meta_path.insert(0, finder)
        _installed.extend([finder, saved])
    elif not enable and _installed:
        finder, saved = _installed
        _installed.clear()
        sys.meta_path.remove(finder)
        for key in [k for k in sys.modules if k == "torch" or k.startswith("torch.")]:
            del sys.modules[key]
        sys.modules.update(saved)


def _print_script_error(exc: BaseException, script: str) -> None:
    """Print the traceback as ``python SCRIPT`` would: no runner or import-hook frames."""
    real = os.path.realpath(script)
    frames = exc.__traceback__
    while frames is not None and os.path.realpath(frames.tb_frame.f_code.co_filename) != real:
        frames = frames.tb_next
    report = traceback.TracebackException(type(exc), exc, frames)  # None for a SyntaxError
    report.stack = traceback.StackSummary.from_list(
        [f for f in report.stack if os.path.realpath(f.filename) != os.path.realpath(__file__)])
    print("".join(report.format()), end="", file=sys.stderr)


def run_script(script: str, args: Sequence[str] = ()) -> int:
    """Run ``script`` as ``__main__`` with torch aliased to tapegrad; return its exit status.

    ``sys.argv`` becomes ``[script, *args]`` and the script's directory goes first on
    ``sys.path``, as with ``python script``.  ``sys.exit(n)`` in the script returns ``n``; an
    uncaught exception prints its traceback and returns 1.
    """
    if not os.path.exists(script):
        print(f"tapegrad run: error: can't open file {script!r}: no such file", file=sys.stderr)
        return 2
    saved_argv, saved_path = sys.argv[:], sys.path[:]
    sys.argv = [script, *args]
    sys.path.insert(0, os.path.dirname(os.path.abspath(script)))
    try:
        with torch_alias():
            runpy.run_path(script, run_name="__main__")
    except SystemExit as exc:
        code = exc.code
        if code is None or isinstance(code, int):
            return code or 0
        print(code, file=sys.stderr)  # sys.exit("message") prints it and exits with 1
        return 1
    except Exception as exc:  # noqa: BLE001 (the script's own error, reported as Python would)
        _print_script_error(exc, script)
        return 1
    finally:
        sys.argv, sys.path[:] = saved_argv, saved_path
    return 0
