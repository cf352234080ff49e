"""Lazy modules: parameters whose shape is inferred at the first call.

A lazy module (``nn.LazyLinear``, and the lazy convolutions and batch norms built the same way)
holds ``UninitializedParameter``s until its first call.  A forward pre-hook then calls
``initialize_parameters(*args)``, which materialises them from the input's shape and
initialises them; the hooks are removed and the module turns into its ordinary class
(``cls_to_become``: a ``LazyLinear`` becomes a ``Linear``).  ``load_state_dict`` into a lazy
module materialises its parameters to the checkpoint's shapes first.

To write a lazy module: subclass ``LazyModuleMixin`` first, then the ordinary module; create the
parameters as ``UninitializedParameter()``; define ``initialize_parameters(self, input)``
(materialize each parameter under ``no_grad``, then ``reset_parameters()``); set
``cls_to_become``.
"""
from __future__ import annotations

import itertools
from typing import Any

import tapegrad
from ..parameter import is_lazy

__all__ = ["LazyModuleMixin"]


class LazyModuleMixin:
    """Mixin for modules that infer their parameters' shapes from their first input.

    Until that first call their parameters are ``UninitializedParameter``s (shown as
    ``<UninitializedParameter>`` in ``state_dict()``); convert the dtype (``.double()``)
    before it, if needed, since materialising keeps the dtype.  Lazy modules are initialised
    when first called, so their random draws happen then, after those of ordinary modules
    built earlier.
    """

    cls_to_become: type | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[call-arg]
        self._load_hook = self._register_load_state_dict_pre_hook(self._lazy_load_hook)
        self._initialize_hook = self.register_forward_pre_hook(self._infer_parameters,
                                                               with_kwargs=True)

    def _save_to_state_dict(self, destination: dict, prefix: str, keep_vars: bool) -> None:
        for name, param in self._parameters.items():
            if param is not None:
                destination[prefix + name] = param if is_lazy(param) or keep_vars \
                    else param.detach()
        for name, buf in self._buffers.items():
            if buf is not None and name not in self._non_persistent_buffers_set:
                destination[prefix + name] = buf if is_lazy(buf) or keep_vars else buf.detach()

    def _lazy_load_hook(self, state_dict: dict, prefix: str, local_metadata: dict, strict: bool,
                        missing_keys: list, unexpected_keys: list, error_msgs: list) -> None:
        """Before loading: give each uninitialised tensor the shape of its checkpoint entry."""
        for name, param in itertools.chain(self._parameters.items(), self._buffers.items()):
            key = prefix + name
            if key in state_dict and param is not None and is_lazy(param):
                value = state_dict[key]
                if not is_lazy(value):
                    with tapegrad.no_grad():
                        param.materialize(value.shape)

    def initialize_parameters(self, *args: Any, **kwargs: Any) -> None:
        """Materialise and initialise the parameters from the first call's arguments."""
        raise NotImplementedError(f"initialize_parameters is not implemented for "
                                  f"{self.__class__.__name__}")

    def has_uninitialized_params(self) -> bool:
        """Whether some parameter or buffer is still uninitialised."""
        return any(is_lazy(t) for t in itertools.chain(self._parameters.values(),
                                                       self._buffers.values()))

    def _infer_parameters(self, module: Any, args: tuple, kwargs: dict | None = None) -> None:
        """The forward pre-hook: initialise, check, drop the hooks, become ``cls_to_become``."""
        module.initialize_parameters(*args, **(kwargs or {}))
        if module.has_uninitialized_params():
            raise RuntimeError(f"module {self._get_name()} has not been fully initialized")
        module._initialize_hook.remove()
        module._load_hook.remove()
        delattr(module, "_initialize_hook")
        delattr(module, "_load_hook")
        if module.cls_to_become is not None:
            module.__class__ = module.cls_to_become
