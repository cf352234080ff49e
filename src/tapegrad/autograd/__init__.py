"""Reverse-mode automatic differentiation: ``backward`` and ``grad`` (torch.autograd's API)."""
from __future__ import annotations

from typing import Any

import numpy as np

from . import _engine, grad_mode
from .._ops import _transforms
from .._public import public_dir as _public_dir
from .grad_mode import enable_grad, inference_mode, is_grad_enabled, no_grad, set_grad_enabled

__all__ = ["backward", "grad", "functional", "forward_ad", "trace_backward", "BackwardTrace",
           "no_grad", "enable_grad", "set_grad_enabled", "is_grad_enabled",
           "inference_mode", "Function", "FunctionCtx", "once_differentiable", "gradcheck",
           "gradgradcheck", "GradcheckError", "detect_anomaly", "set_detect_anomaly",
           "masked_where", "set_masked_where", "is_masked_where_enabled", "Variable"]


def __dir__() -> list[str]:
    return _public_dir(globals())


def _as_tuple(x: Any) -> tuple:
    if x is None:
        return ()
    return tuple(x) if isinstance(x, (list, tuple)) else (x,)


def _root_grads(outputs: tuple, grads: tuple, create_graph: bool) -> list:
    """The seed gradients: given ones checked against the outputs, or 1 for scalar outputs."""
    Tensor = _engine._Tensor
    seeds = []
    for i, out in enumerate(outputs):
        g = grads[i] if i < len(grads) else None
        if g is None:
            if out._data.size != 1:
                raise RuntimeError("grad can be implicitly created only for scalar outputs")
            if out._data.dtype.kind not in "fc":
                raise RuntimeError("grad can be implicitly created only for real scalar outputs "
                                   f"but got {out.dtype}")
            shape = out._data.shape  # np.array is C-level; np.ones goes through Python
            arr = np.array(1, dtype=out._data.dtype)
            if shape:
                arr = arr.reshape(shape)
            seeds.append(Tensor._make(arr) if create_graph else arr)
            continue
        if not isinstance(g, Tensor):
            g = Tensor._make(np.asarray(g, dtype=out._data.dtype))
        if g._data.shape != out._data.shape:
            raise RuntimeError(f"Mismatch in shape: grad_output[{i}] has a shape of {g.shape} and "
                               f"output[{i}] has a shape of {out.shape}.")
        seeds.append(g if create_graph else g._data)
    return seeds


def _roots(outputs: tuple) -> list:
    roots = []
    for i, out in enumerate(outputs):
        if not out._requires_grad:
            raise RuntimeError(f"element {i} of tensors does not require grad and does not have a "
                               "grad_fn")
        roots.append((out._grad_fn or out, out._output_nr))
    return roots


def backward(tensors: Any, grad_tensors: Any = None, retain_graph: bool | None = None,
             create_graph: bool = False, grad_variables: Any = None, inputs: Any = None) -> None:
    """Accumulate the gradients of ``tensors`` into the ``.grad`` of the leaves they depend on.

    ``grad_tensors`` is the vector in the vector-Jacobian product (needed for non-scalar
    outputs).  The graph's saved values are freed afterwards unless ``retain_graph=True``;
    ``create_graph=True`` records the backward pass itself, for higher derivatives.
    """
    outputs = _as_tuple(tensors)
    grads = _as_tuple(grad_tensors if grad_tensors is not None else grad_variables)
    if retain_graph is None:
        retain_graph = create_graph
    if _transforms.active:
        from tapegrad._vmap import backward_check
        backward_check(outputs, grads, _as_tuple(inputs))
    roots = _roots(outputs)
    seeds = _root_grads(outputs, grads, create_graph)
    capture = None
    if inputs is not None:
        inputs = _as_tuple(inputs)
        if not inputs:
            raise RuntimeError("backward() received an empty list of inputs.")
        capture = [(t._grad_fn or t, t._output_nr) for t in inputs]
    got = _engine.run_backward(roots, seeds, retain_graph=retain_graph, create_graph=create_graph,
                               capture=capture, accumulate=True)
    if inputs is not None:  # non-leaf inputs receive their gradient in .grad too
        for t, g in zip(inputs, got):
            if t._grad_fn is not None and g is not None:
                _engine._accumulate_into(t, g, create_graph)


def missing_grad(t: Any, index: int, allow_unused: bool | None, materialize: bool) -> Any:
    """What ``grad`` gives for input number ``index`` when no gradient reached it: zeros,
    None, or torch's error."""
    if materialize:
        return _engine._Tensor._make(np.zeros(tuple(t.shape), t.dtype.np))
    if not allow_unused:
        raise RuntimeError(f"The differentiated Tensor at index {index} appears to not have been "
                           "used in the graph. Set allow_unused=True if this is the desired "
                           "behavior.")
    return None


def grad(outputs: Any, inputs: Any, grad_outputs: Any = None, retain_graph: bool | None = None,
         create_graph: bool = False, only_inputs: bool = True, allow_unused: bool | None = None,
         is_grads_batched: bool = False, materialize_grads: bool = False) -> tuple:
    """Return the gradients of ``outputs`` with respect to ``inputs`` (nothing is accumulated).

    With ``create_graph=True`` the returned gradients are themselves differentiable::

        x = tapegrad.tensor(2.0, requires_grad=True)
        (dy,) = tapegrad.autograd.grad(x ** 3, x, create_graph=True)    # 3x^2 = 12
        (d2y,) = tapegrad.autograd.grad(dy, x)                          # 6x = 12
    """
    outs = _as_tuple(outputs)
    ins = _as_tuple(inputs)
    if retain_graph is None:
        retain_graph = create_graph
    if is_grads_batched or _transforms.active:  # batched tensors: see tapegrad/_vmap/_autograd.py
        from tapegrad._vmap import route_grad
        routed = route_grad(outs, ins, grad_outputs, retain_graph, create_graph, allow_unused,
                            is_grads_batched, materialize_grads)
        if routed is not None:
            return routed
    for t in ins:
        if not t._requires_grad:
            raise RuntimeError("One of the differentiated Tensors does not require grad")
    roots = _roots(outs)
    seeds = _root_grads(outs, _as_tuple(grad_outputs), create_graph)
    capture = [(t._grad_fn or t, t._output_nr) for t in ins]
    got = _engine.run_backward(roots, seeds, retain_graph=retain_graph, create_graph=create_graph,
                               capture=capture, accumulate=False)
    Tensor = _engine._Tensor
    result = []
    for i, (t, g) in enumerate(zip(ins, got)):
        if g is None:
            result.append(missing_grad(t, i, allow_unused, materialize_grads))
            continue
        if not isinstance(g, Tensor):
            g = Tensor._make(np.array(g, dtype=t._data.dtype))
        result.append(g)
    return tuple(result)


from . import functional  # noqa: E402  (imports grad from this module at call time)
from .function import Function, FunctionCtx, once_differentiable  # noqa: E402
# As in torch, the name gradcheck is the function; the module stays importable by its full name.
from .gradcheck import GradcheckError, gradcheck, gradgradcheck  # noqa: E402
from .trace import BackwardTrace, trace_backward  # noqa: E402
from .variable import Variable  # noqa: E402
from . import forward_ad, graph  # noqa: E402
from .anomaly_mode import (detect_anomaly, is_masked_where_enabled, masked_where,  # noqa: E402
                           set_detect_anomaly, set_masked_where)
