"""What ``dir()`` shows for tapegrad's public modules: their API, not the helpers they import.

Each public module lists its API in ``__all__`` and defines a module-level ``__dir__``
(PEP 562) that returns :func:`public_dir`, so ``dir(tapegrad.func)`` names ``grad`` and
``vmap`` but not ``np``, ``functools`` or the ``annotations`` of ``from __future__ import``.
"""
from types import ModuleType


def public_dir(namespace: dict) -> list[str]:
    """Sorted names for a module's ``dir()``: ``__all__``, its submodules, and ``_`` names.

    ``namespace`` is the module's ``globals()``; submodules (``tapegrad.autograd.functional``)
    stay listed because they are attributes users reach through the module, as in torch.
    """
    package = namespace["__name__"] + "."
    public = set(namespace.get("__all__", ()))
    return sorted(name for name, value in namespace.items()
                  if name in public or name.startswith("_")
                  or (isinstance(value, ModuleType) and value.__name__.startswith(package)))
