"""Hook handles and the machinery behind ``Module.register_full_backward_hook``.

A full backward hook sees the gradients with respect to a module's inputs and outputs.  As in
torch, the module's tensor inputs and outputs are passed through an identity autograd Function
(``BackwardHookFunction``, so outputs show ``grad_fn=<BackwardHookFunctionBackward>``): the
output node's backward records the output gradients, the input node's backward calls the user
hooks with both and may replace the input gradients.
"""
from __future__ import annotations

import itertools
import warnings
import weakref
from typing import Any, Callable

import tapegrad

_ids = itertools.count()


class RemovableHandle:
    """Returned by the ``register_*_hook`` methods; ``handle.remove()`` unregisters the hook.

    Also a context manager: the hook is removed when the ``with`` block ends.
    """

    def __init__(self, hooks_dict: dict, *, extra_dict: Any = None) -> None:
        self.hooks_dict_ref = weakref.ref(hooks_dict)
        self.id = next(_ids)
        extras = extra_dict if isinstance(extra_dict, (list, tuple)) else (
            () if extra_dict is None else (extra_dict,))
        self.extra_dict_ref = tuple(weakref.ref(d) for d in extras)

    def remove(self) -> None:
        """Unregister the hook (removing it twice does nothing)."""
        for ref in (self.hooks_dict_ref, *self.extra_dict_ref):
            d = ref()
            if d is not None:
                d.pop(self.id, None)

    def __enter__(self) -> "RemovableHandle":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.remove()


class BackwardHookFunction(tapegrad.autograd.Function):
    """Identity on tensors; its backward hands the gradients to a ``BackwardHook``."""

    @staticmethod
    def forward(ctx: Any, hook: "BackwardHook", side: str, *tensors: Any) -> Any:
        ctx.hook, ctx.side = hook, side
        ctx.mark_non_differentiable(*[t for t in tensors if not t.requires_grad])
        return tensors

    @staticmethod
    def backward(ctx: Any, *grads: Any) -> Any:
        if ctx.side == "output":
            grads = ctx.hook.got_output_grads(grads)
        else:
            grads = ctx.hook.got_input_grads(grads)
        return (None, None, *grads)


class BackwardHook:
    """One module call's full backward hooks (``hooks``) and pre-hooks (``pre_hooks``)."""

    def __init__(self, module: Any, hooks: list[Callable], pre_hooks: list[Callable]) -> None:
        self.module = module
        self.hooks = hooks
        self.pre_hooks = pre_hooks
        self.grad_outputs: tuple | None = None
        self.n_inputs = 0
        self.input_index: list[int] | None = None
        self.n_outputs = 0
        self.output_index: list[int] | None = None

    @staticmethod
    def _wrap(hook: "BackwardHook", side: str, args: tuple) -> tuple[tuple, list[int] | None]:
        index = [i for i, a in enumerate(args) if isinstance(a, tapegrad.Tensor)]
        tensors = [args[i] for i in index]
        if not (tapegrad.is_grad_enabled() and any(t.requires_grad for t in tensors)):
            return args, None
        wrapped = BackwardHookFunction.apply(hook, side, *tensors)
        out = list(args)
        for i, t in zip(index, wrapped):
            out[i] = t
        return tuple(out), index

    def setup_input_hook(self, args: tuple) -> tuple:
        """The module's positional arguments, with tensors routed through the input node."""
        out, self.input_index = self._wrap(self, "input", args)
        self.n_inputs = len(args)
        return out

    def setup_output_hook(self, result: Any) -> Any:
        """The module's output (a tensor or a tuple), routed through the output node."""
        single = not isinstance(result, tuple)
        out, self.output_index = self._wrap(self, "output", (result,) if single else result)
        self.n_outputs = 1 if single else len(result)
        return out[0] if single else out

    @staticmethod
    def _spread(index: list[int] | None, values: tuple, size: int) -> tuple:
        full: list = [None] * size
        for i, v in zip(index or (), values):
            full[i] = v
        return tuple(full)

    def got_output_grads(self, grads: tuple) -> tuple:
        self.grad_outputs = self._spread(self.output_index, grads, self.n_outputs)
        for pre in self.pre_hooks:
            new = pre(self.module, self.grad_outputs)
            if new is None:
                continue
            if len(new) != len(self.grad_outputs):
                raise RuntimeError(f"Backward pre hook returned an invalid number of grad_output, "
                                   f"got {len(new)}, but expected {len(self.grad_outputs)}")
            self.grad_outputs = tuple(new)
        passed = tuple(self.grad_outputs[i] for i in self.output_index or ())
        if self.input_index is None:  # no input requires grad: the hooks fire now
            warnings.warn("Full backward hook is firing when gradients are computed with respect "
                          "to module outputs since no inputs require gradients. See "
                          "https://docs.pytorch.org/docs/main/generated/torch.nn.Module.html"
                          "#torch.nn.Module.register_full_backward_hook for more details.",
                          UserWarning, stacklevel=2)
            none = (None,) * self.n_inputs
            for hook in self.hooks:
                res = hook(self.module, none, self.grad_outputs)
                if res is not None and not (isinstance(res, tuple)
                                            and all(r is None for r in res)):
                    raise RuntimeError("Backward hook for Modules where no input requires "
                                       "gradient should always return None or None for all "
                                       "gradients.")
            self.grad_outputs = None
        return passed

    def got_input_grads(self, grads: tuple) -> tuple:
        if self.grad_outputs is None:  # reached the inputs without passing the outputs
            return grads
        res = self._spread(self.input_index, grads, self.n_inputs)
        for hook in self.hooks:
            out = hook(self.module, res, self.grad_outputs)
            if out is None:
                continue
            if len(out) != len(res):
                raise RuntimeError(f"Backward hook returned an invalid number of grad_input, got "
                                   f"{len(out)}, but expected {len(res)}")
            res = tuple(out)
        self.grad_outputs = None
        return tuple(res[i] for i in self.input_index or ())
