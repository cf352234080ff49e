"""The public surface: dir() lists the API and not the helpers, and help() has something to say.

Walks the user-facing modules (``tapegrad``, ``tapegrad.autograd``, ``tapegrad.func``, ...):
every public callable, and every public member of a public class, carries a docstring; dir()
names only attributes that exist, never a module's own imports (``np``, ``functools``, the
``annotations`` of ``from __future__ import annotations``).
"""
from __future__ import annotations

import importlib
import inspect
import pydoc
import types

import pytest

import tapegrad
from tapegrad._dtype import dtype
from tapegrad._ops._registry import Op

MODULES = ["tapegrad", "tapegrad.autograd", "tapegrad.autograd.functional",
           "tapegrad.autograd.forward_ad", "tapegrad.func", "tapegrad.distributions",
           "tapegrad.calculus", "tapegrad.viz", "tapegrad.special", "tapegrad.linalg"]

# Names the modules import for their own use; none may show up in dir().
HELPER_IMPORTS = {"annotations", "np", "numpy", "math", "builtins", "functools", "threading",
                  "weakref", "importlib", "os", "shutil", "re", "warnings", "types", "sys",
                  "Any", "Callable", "Sequence", "Mapping", "Optional", "Dict", "List", "Tuple",
                  "NamedTuple", "TYPE_CHECKING", "namedtuple"}

# Tensor and Size live in _tensor.py / _methods.py; their gaps are checked on their own below.
OWN_TEST = {tapegrad.Tensor, tapegrad.Size}


def _public_names(module: types.ModuleType) -> list[str]:
    return [name for name in dir(module) if not name.startswith("_")]


def _callables() -> dict[str, object]:
    """``qualified name -> object`` for every public callable of MODULES (ops, dtypes excluded)."""
    found = {}
    for module_name in MODULES:
        module = importlib.import_module(module_name)
        for name in _public_names(module):
            value = getattr(module, name)
            if isinstance(value, (types.ModuleType, dtype, Op)) or not callable(value):
                continue
            found[f"{module_name}.{name}"] = value
    return found


def _members(cls: type) -> dict[str, object]:
    """Public methods, properties and nested classes that ``cls`` itself defines."""
    members = {}
    for name, raw in vars(cls).items():
        if name.startswith("_"):
            continue
        if isinstance(raw, (types.FunctionType, staticmethod, classmethod, property, type)):
            members[name] = raw if isinstance(raw, property) else getattr(cls, name)
    return members


def _has_doc(obj: object) -> bool:
    # A class needs its own docstring (not its base's); a method may inherit its base's, as
    # help() shows it then.
    doc = obj.__dict__.get("__doc__") if isinstance(obj, type) else inspect.getdoc(obj)
    return bool(doc and doc.strip())


def _first_line(obj: object) -> str:
    return inspect.getdoc(obj).strip().splitlines()[0]


# -- docstrings ----------------------------------------------------------------------------------
def test_every_public_callable_has_a_docstring():
    missing = sorted(name for name, value in _callables().items() if not _has_doc(value))
    assert not missing, f"public callables without a docstring: {missing}"


def test_every_member_of_a_public_class_has_a_docstring():
    classes = {value for value in _callables().values()
               if isinstance(value, type) and value.__module__.startswith("tapegrad")}
    missing = sorted(f"{cls.__module__}.{cls.__qualname__}.{name}"
                     for cls in classes - OWN_TEST
                     for name, member in _members(cls).items() if not _has_doc(member))
    assert not missing, f"public class members without a docstring: {missing}"


def test_the_walk_covers_the_api():
    names = _callables()
    for name in ("tapegrad.tensor", "tapegrad.allclose", "tapegrad.no_grad", "tapegrad.Tensor",
                 "tapegrad.autograd.grad", "tapegrad.autograd.functional.jacobian",
                 "tapegrad.autograd.forward_ad.make_dual", "tapegrad.func.vmap",
                 "tapegrad.distributions.Normal", "tapegrad.calculus.derivative",
                 "tapegrad.viz.draw"):
        assert name in names


def test_ops_have_their_own_docstring():
    missing = sorted(name for name in _public_names(tapegrad)
                     if isinstance(getattr(tapegrad, name), Op)
                     and inspect.getdoc(getattr(tapegrad, name)) == inspect.getdoc(Op))
    assert not missing, f"ops whose help() shows only Op's docstring: {missing}"


def test_tensor_methods_have_docstrings():
    missing = []
    for cls in OWN_TEST:
        for name, member in _members(cls).items():
            doc = inspect.getdoc(member) or ""
            if not doc.strip() or ", /, out=None" in doc.splitlines()[0]:  # NumPy's ufunc doc
                missing.append(f"{cls.__name__}.{name}")
    assert not missing, f"Tensor methods without a tapegrad docstring: {sorted(missing)}"


# -- dir() and import * --------------------------------------------------------------------------
@pytest.mark.parametrize("module_name", MODULES)
def test_dir_shows_no_helper_imports(module_name):
    module = importlib.import_module(module_name)
    names = _public_names(module)
    leaked = set(names) & HELPER_IMPORTS
    assert not leaked, f"helper imports in dir({module_name}): {sorted(leaked)}"
    for name in names:
        value = getattr(module, name)  # every listed name is an attribute
        if isinstance(value, types.ModuleType):  # submodules only, not numpy or functools
            assert value.__name__.startswith(module_name + "."), name
        else:
            assert getattr(value, "__module__", "tapegrad").startswith("tapegrad"), name
    assert set(module.__all__) <= set(names)


def test_dir_keeps_torch_like_names():
    assert {"Tensor", "tensor", "float32", "int64", "bool", "dtype", "Size", "device", "Generator",
            "default_generator", "no_grad", "manual_seed", "sin", "autograd", "func",
            "distributions", "calculus", "viz", "cuda"} <= set(dir(tapegrad))
    assert {"grad", "backward", "Function", "functional", "forward_ad", "grad_mode",
            "function"} <= set(dir(tapegrad.autograd))
    assert {"Normal", "Distribution", "normal", "bernoulli"} <= set(dir(tapegrad.distributions))


def test_import_star_gives_the_public_api():
    namespace: dict = {}
    exec("from tapegrad import *", namespace)
    assert {"tensor", "Tensor", "float32", "no_grad", "sin", "manual_seed"} <= set(namespace)
    assert not set(namespace) & HELPER_IMPORTS
    assert not any(isinstance(v, types.ModuleType) for v in namespace.values())
    assert set(tapegrad.__all__) <= set(dir(tapegrad))


# -- help() --------------------------------------------------------------------------------------
@pytest.mark.parametrize("obj", [tapegrad.tensor, tapegrad.autograd.grad, tapegrad.func.vmap,
                                 tapegrad.distributions.Normal, tapegrad.allclose],
                         ids=["tensor", "autograd.grad", "func.vmap", "Normal", "allclose"])
def test_help_shows_the_docstring(obj):
    text = pydoc.render_doc(obj, renderer=pydoc.plaintext)
    assert _first_line(obj) in text


def test_help_of_a_module_lists_its_api_only():
    text = pydoc.render_doc(tapegrad.func, renderer=pydoc.plaintext)
    assert "vmap(" in text and "jacrev(" in text
    assert "functools" not in text and "threading" not in text
