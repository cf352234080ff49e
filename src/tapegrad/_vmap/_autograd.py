"""Reverse mode through vmap: ``autograd.grad`` when batched tensors are involved.

Autograd records the physical computation, so a gradient of batched outputs is a gradient of their
physical values.  Two situations arise, and one function handles both:

* the outputs and inputs are batched at some levels (the differentiation happens *inside* a vmap,
  e.g. ``vmap(grad(f))``): their physical values are differentiated directly.  Because batching
  rules never mix examples, the gradient of the whole physical output with respect to the whole
  physical input holds every example's gradient.  This needs each input to be batched at every
  level its outputs are (an unbatched input would receive the sum over the batch), which is why
  ``tapegrad.func`` repeats its inputs over the active levels before differentiating (``fresh``);
* the cotangents are batched at levels the outputs are not (a vmap *around* the backward pass,
  e.g. ``vmap(vjp_fn)`` in ``jacrev``): the backward pass itself runs batched.  The engine runs
  the derivative rules on Tensors (not arrays), so that the rules' ops reach the vmap levels and
  are batched like any others; one backward pass gives a whole batch of vector-Jacobian products.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .._tensor import Tensor
from ._batched import BatchedTensor, levels_of, reorder, rewrap, unwrap_all, with_levels

_UNBATCHED_INPUT = (
    "vmap: cannot differentiate a batched output with respect to a tensor that is not batched "
    "at the same vmap levels (its gradient would be summed over the batch). Differentiate with "
    "tapegrad.func.grad / vjp / jacrev inside the mapped function, which batch their inputs.")
_BACKWARD_MSG = ("backward() called inside a functorch transform. This is not supported, please "
                 "use functorch.grad or functorch.vjp instead or call backward() outside of "
                 "functorch transforms.")


def _depth(level: Any) -> int:
    return level.level


def _any_batched(items: Any) -> bool:
    return any(t.__class__ is BatchedTensor for t in items)


def backward_check(tensors: tuple, grad_tensors: tuple, inputs: tuple) -> None:
    """``backward()`` is refused on batched tensors, as in torch."""
    if _any_batched(tensors) or _any_batched(grad_tensors) or _any_batched(inputs):
        raise RuntimeError(_BACKWARD_MSG)


def fresh(x: Tensor, make_leaf: Any) -> Tensor:
    """``make_leaf(x)`` for a tensor to differentiate with respect to inside vmap.

    The leaf is made from ``x`` repeated over every active vmap level, so that it is batched
    wherever an output can be, and each example gets its own gradient.
    """
    from . import active_levels
    levels = active_levels()
    if not levels:
        return make_leaf(x)
    plain, have = unwrap_all(with_levels(x, levels))
    return rewrap(make_leaf(plain), have)


def route_grad(outputs: tuple, inputs: tuple, grad_outputs: Any, retain_graph: bool,
               create_graph: bool, allow_unused: bool | None, is_grads_batched: bool,
               materialize_grads: bool) -> tuple | None:
    """``autograd.grad`` for batched tensors; None when none is involved (the plain path)."""
    gos = _as_tuple(grad_outputs)
    if is_grads_batched:
        return _grads_batched(outputs, inputs, gos, retain_graph, create_graph, allow_unused,
                              materialize_grads)
    if not (_any_batched(outputs) or _any_batched(inputs) or _any_batched(gos)):
        return None
    return batched_grad(outputs, inputs, gos, retain_graph, create_graph, allow_unused,
                        materialize_grads)


def _as_tuple(x: Any) -> tuple:
    if x is None:
        return ()
    return tuple(x) if isinstance(x, (list, tuple)) else (x,)


def batched_grad(outputs: tuple, inputs: tuple, gos: tuple, retain_graph: bool,
                 create_graph: bool, allow_unused: bool | None, materialize_grads: bool) -> tuple:
    from ..autograd import _engine
    found: dict = {}
    for t in outputs + inputs:
        for lv in levels_of(t):
            found[id(lv)] = lv
    lo = sorted(found.values(), key=_depth)
    for x in inputs:
        if not x._requires_grad:
            raise RuntimeError("One of the differentiated Tensors does not require grad")
        if levels_of(x) != lo:
            raise RuntimeError(_UNBATCHED_INPUT)
    roots, seeds = [], []
    extra_levels = False
    for k, o in enumerate(outputs):
        plain, _ = unwrap_all(with_levels(o, lo))
        if not plain._requires_grad:
            raise RuntimeError(f"element {k} of tensors does not require grad and does not have a "
                               "grad_fn")
        roots.append((plain._grad_fn or plain, plain._output_nr))
        g = gos[k] if k < len(gos) else None
        if g is None:
            if o.numel() != 1:
                raise RuntimeError("grad can be implicitly created only for scalar outputs")
            seeds.append(Tensor._make(np.ones(tuple(plain.shape), plain.dtype.np)))
            continue
        if not isinstance(g, Tensor):
            g = Tensor._make(np.asarray(g, dtype=o.dtype.np))
        if tuple(g.shape) != tuple(o.shape):
            raise RuntimeError(f"Mismatch in shape: grad_output[{k}] has a shape of {g.shape} and "
                               f"output[{k}] has a shape of {o.shape}.")
        gp, glv = unwrap_all(with_levels(g, lo))
        extra = [lv for lv in glv if lv not in lo]
        if extra:
            # The cotangent's own levels wrap a value laid out like the output's physical value.
            extra_levels = True
            gp = rewrap(reorder(gp, glv, extra + lo), extra)
        seeds.append(gp)
    tensor_rules = create_graph or extra_levels
    if not tensor_rules:
        seeds = [s._data for s in seeds]
    capture = []
    for x in inputs:
        plain, _ = unwrap_all(x)
        capture.append((plain._grad_fn or plain, plain._output_nr))
    got = _engine.run_backward(roots, seeds, retain_graph=retain_graph, create_graph=create_graph,
                               capture=capture, accumulate=False, tensor_rules=tensor_rules)
    from tapegrad.autograd import missing_grad
    result = []
    for i, (x, g) in enumerate(zip(inputs, got)):
        if g is None:
            result.append(missing_grad(x, i, allow_unused, materialize_grads))
            continue
        if not isinstance(g, Tensor):
            g = Tensor._make(np.asarray(g))
        gp, glv = unwrap_all(g)  # batched at cotangent levels (if any), around the input's layout
        levels = sorted(glv + lo, key=_depth)
        result.append(rewrap(reorder(gp, glv + lo, levels), levels))
    return tuple(result)


def _grads_batched(outputs: tuple, inputs: tuple, gos: tuple, retain_graph: bool,
                   create_graph: bool, allow_unused: bool | None, materialize_grads: bool) -> tuple:
    """``is_grads_batched=True``: the first dim of each grad_output runs over a batch."""
    from . import vmap
    for i, (o, g) in enumerate(zip(outputs, gos)):
        if g is not None and tuple(g.shape[1:]) != tuple(o.shape):
            raise RuntimeError(
                "If `is_grads_batched=True`, we interpret the first dimension of each grad_output "
                "as the batch dimension. The sizes of the remaining dimensions are expected to "
                "match the shape of corresponding output, but a mismatch was detected: "
                f"grad_output[{i}] has a shape of {g.shape[1:]} and output[{i}] has a shape of "
                f"{o.shape}. If you only want some tensors in `grad_output` to be considered "
                "batched, consider using vmap.")
    unused = [False] * len(inputs)

    def one(*cotangents: Any) -> tuple:
        gs = batched_grad(outputs, inputs, cotangents, retain_graph, create_graph, True, False)
        out = []
        for i, (g, x) in enumerate(zip(gs, inputs)):
            if g is None:
                unused[i] = True
                g = Tensor._make(np.zeros(tuple(x.shape), x.dtype.np))
            out.append(g)
        return tuple(out)

    dims = tuple(None if g is None else 0 for g in gos)
    got = vmap(one, in_dims=dims)(*gos)
    result = []
    from tapegrad.autograd import missing_grad
    for i, (g, flag) in enumerate(zip(got, unused)):
        if flag and not materialize_grads:
            g = missing_grad(g, i, allow_unused, False)  # raises unless unused inputs are allowed
        result.append(g)
    return tuple(result)
