"""Whole-function derivatives with torch.autograd.functional's API.

``vjp``, ``jvp``, ``jacobian``, ``hessian``, ``hvp`` and ``vhp`` take a function and its inputs
(a tensor or a tuple of tensors) and return derivatives, built on ``tapegrad.autograd.grad``:

* ``jvp`` uses the double-VJP trick: ``u -> J^T u`` is linear in ``u``, so differentiating
  ``<J^T u, v>`` with respect to ``u`` gives ``J v``.
* ``jacobian`` runs one reverse pass per output element (the graph is kept between passes), or
  a single *batched* reverse pass: ``tapegrad.func.vmap`` over the cotangents, one basis vector
  per output element.  ``vectorize=None`` (tapegrad's default; torch's is False) picks the
  batched pass from a few rows on, where it is faster; the results are the same.
* ``hessian`` is the Jacobian of the gradient; ``hvp``/``vhp`` differentiate ``<grad f, v>``.

Results are detached unless ``create_graph=True``.  With ``strict=True`` an output that does not
depend on an input raises instead of giving zeros, as in torch.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable

import tapegrad
from tapegrad._public import public_dir as _public_dir
from tapegrad.autograd.grad_mode import enable_grad

if TYPE_CHECKING:
    from tapegrad._tensor import Tensor

__all__ = ["vjp", "jvp", "jacobian", "hessian", "hvp", "vhp"]


def __dir__() -> list[str]:
    return _public_dir(globals())


def _pack(x: Any, what: str, fn: str) -> tuple[tuple, bool]:
    """(tuple of tensors, whether the caller gave a tuple)."""
    was_tuple = isinstance(x, (tuple, list))
    items = tuple(x) if was_tuple else (x,)
    for i, t in enumerate(items):
        if not isinstance(t, tapegrad.Tensor):
            where = f"The {what} given to {fn}" if not was_tuple else \
                f"Entry {i} in the {what} given to {fn}"
            raise TypeError(f"{where} must be a Tensor or a tuple of Tensors but got "
                            f"{type(t).__name__}.")
    return items, was_tuple


def _unpack(items: tuple, was_tuple: bool) -> Any:
    return items if was_tuple else items[0]


def _leaves(inputs: tuple, create_graph: bool) -> tuple:
    """Inputs to differentiate with respect to.

    Without create_graph they are fresh leaves; with it, an input that already requires grad
    is aliased (``view_as``) so the result stays connected to the caller's graph.
    """
    if create_graph:
        return tuple(t.view_as(t) if t.requires_grad else t.detach().requires_grad_(True)
                     for t in inputs)
    return tuple(t.detach().requires_grad_(True) for t in inputs)


def _result(t: Tensor | None, create_graph: bool) -> Tensor | None:
    return t if t is None or create_graph else t.detach()


def _grads(outputs: tuple, inputs: tuple, seeds: tuple | None, *, create_graph: bool,
           strict: bool) -> tuple:
    """d(sum_k <outputs_k, seeds_k>)/d(inputs), zeros where an input is not used."""
    live = [k for k, o in enumerate(outputs) if o.requires_grad]
    if strict:
        for k, o in enumerate(outputs):
            if not o.requires_grad:
                raise RuntimeError(f"Output {k} of the user-provided function does not require "
                                   "gradients. The outputs must be computed in a differentiable "
                                   "manner from the input when running in strict mode.")
    if live:
        got = tapegrad.autograd.grad([outputs[k] for k in live], inputs,
                                     None if seeds is None else [seeds[k] for k in live],
                                     retain_graph=True, create_graph=create_graph,
                                     allow_unused=True)
    else:
        got = (None,) * len(inputs)
    out = []
    for i, (g, x) in enumerate(zip(got, inputs)):
        if g is None:
            if strict:
                raise RuntimeError("Output 0 of the user-provided function is independent of "
                                   f"input {i}. This is not allowed in strict mode.")
            g = tapegrad.zeros_like(x)
        out.append(g)
    return tuple(out)


def _vectors(v: Any, like: tuple, fn: str, default_allowed_if: str) -> tuple:
    """Check (or default) the vector ``v`` against ``like`` (outputs for vjp, inputs for jvp)."""
    if v is None:
        if len(like) != 1 or like[0].numel() != 1:
            raise RuntimeError(f"The vector v can only be None if the {default_allowed_if} is a "
                               "single Tensor with a single element.")
        return (tapegrad.ones_like(like[0]),)
    vs, _ = _pack(v, "v", fn)
    if len(vs) != len(like):
        raise RuntimeError(f"v is a tuple of invalid length: should be {len(like)} but got "
                           f"{len(vs)}.")
    for a, b in zip(vs, like):
        if a.shape != b.shape:
            raise RuntimeError(f"Mismatch in shape: v has invalid size: should be {b.shape} but "
                               f"got {a.shape}.")
    return tuple(a.detach() for a in vs)


def vjp(func: Callable, inputs: Any, v: Any = None, create_graph: bool = False,
        strict: bool = False) -> tuple:
    """``(func(inputs), v^T J)``: the vector-Jacobian product at ``inputs``."""
    xs, in_tuple = _pack(inputs, "inputs", "vjp")
    with enable_grad():
        xs = _leaves(xs, create_graph)
        outs, out_tuple = _pack(func(*xs), "outputs of the user-provided function", "vjp")
        vs = _vectors(v, outs, "vjp", "user-provided function returns")
        gs = _grads(outs, xs, vs, create_graph=create_graph, strict=strict)
    return (_unpack(tuple(_result(o, create_graph) for o in outs), out_tuple),
            _unpack(tuple(_result(g, create_graph) for g in gs), in_tuple))


def jvp(func: Callable, inputs: Any, v: Any = None, create_graph: bool = False,
        strict: bool = False) -> tuple:
    """``(func(inputs), J v)``: the Jacobian-vector product, by the double-VJP trick."""
    xs, in_tuple = _pack(inputs, "inputs", "jvp")
    with enable_grad():
        xs = _leaves(xs, create_graph)
        vs = _vectors(v, xs, "jvp", "input to the user-provided function")
        outs, out_tuple = _pack(func(*xs), "outputs of the user-provided function", "jvp")
        us = tuple(tapegrad.zeros_like(o).requires_grad_(True) for o in outs)
        jt_u = _grads(outs, xs, us, create_graph=True, strict=strict)
        jv = tapegrad.autograd.grad(jt_u, us, vs, create_graph=create_graph, allow_unused=True)
        jv = tuple(tapegrad.zeros_like(o) if g is None else g for g, o in zip(jv, outs))
    return (_unpack(tuple(_result(o, create_graph) for o in outs), out_tuple),
            _unpack(tuple(_result(g, create_graph) for g in jv), out_tuple))


def jacobian(func: Callable, inputs: Any, create_graph: bool = False, strict: bool = False,
             vectorize: bool | None = None, strategy: str = "reverse-mode") -> Any:
    """The Jacobian of ``func`` at ``inputs``: shape ``output.shape + input.shape`` per pair.

    With several inputs or outputs the result nests as torch's: ``J[i][j]`` is d out_i / d in_j.
    ``vectorize``: True computes every row in one batched backward pass, False one backward pass
    per row (torch's default); tapegrad's default, None, picks by size (batched from
    ``tapegrad._vmap.BATCHED_FROM`` rows on, where it is faster).  The values are the same.
    """
    if strategy not in ("reverse-mode", "forward-mode"):
        raise RuntimeError('Expected strategy to be either "forward-mode" or "reverse-mode".')
    if strategy == "forward-mode" and (not vectorize or create_graph):
        raise RuntimeError("torch.autograd.functional.jacobian: `strategy=\"forward-mode\"` "
                           "requires `vectorize=True` and `create_graph=False`.")
    xs, in_tuple = _pack(inputs, "inputs", "jacobian")
    with enable_grad():
        xs = _leaves(xs, create_graph)
        outs, out_tuple = _pack(func(*xs), "outputs of the user-provided function", "jacobian")
        if vectorize is not False:  # the rows from one batched backward pass (vmap)
            from tapegrad._vmap import jacobian_rows
            rows = jacobian_rows(lambda cts: _grads(outs, xs, cts, create_graph=create_graph,
                                                    strict=strict), outs, xs, vectorize=vectorize)
            blocks = [tuple(_result(b, create_graph) for b in row) for row in rows]
            outs = ()
        else:
            blocks = []
        for k, out in enumerate(outs):
            rows: list[list] = [[] for _ in xs]
            flat = out.reshape(-1)
            for e in range(flat.numel()):
                gs = _grads((flat[e],), xs, None, create_graph=create_graph, strict=strict)
                for j, g in enumerate(gs):
                    rows[j].append(g)
            blocks.append(tuple(
                _result(_stack_rows(r, out, x), create_graph) for r, x in zip(rows, xs)))
    if not out_tuple:
        return _unpack(blocks[0], in_tuple)
    return tuple(_unpack(b, in_tuple) for b in blocks)


def _stack_rows(rows: list, out: Tensor, x: Tensor) -> Tensor:
    if not rows:
        return tapegrad.zeros(tuple(out.shape) + tuple(x.shape), dtype=x.dtype)
    return tapegrad.stack(rows).reshape(tuple(out.shape) + tuple(x.shape))


def _scalar(func: Callable, xs: tuple, fn: str) -> Tensor:
    out = func(*xs)
    if isinstance(out, (tuple, list)) or not isinstance(out, tapegrad.Tensor):
        raise RuntimeError(f"The function given to {fn} should return a single Tensor")
    if out.numel() != 1:
        raise RuntimeError(f"The Tensor returned by the function given to {fn} should contain "
                           "a single element")
    return out


def hessian(func: Callable, inputs: Any, create_graph: bool = False, strict: bool = False,
            vectorize: bool | None = None, outer_jacobian_strategy: str = "reverse-mode") -> Any:
    """The Hessian of a scalar ``func``: the Jacobian of its gradient (``vectorize`` as in
    ``jacobian``)."""
    xs, in_tuple = _pack(inputs, "inputs", "hessian")

    def gradient(*args: Tensor) -> tuple:
        out = _scalar(func, args, "hessian")
        gs = _grads((out.reshape(()),), args, None, create_graph=True, strict=strict)
        for i, g in enumerate(gs):
            if strict and not g.requires_grad:
                raise RuntimeError(
                    "While computing the hessian, found that the jacobian of the user-provided "
                    f"function with respect to input {i} is independent of the input. This is not "
                    "allowed in strict mode. You should ensure that your function is twice "
                    "differentiable and that the jacobian depends on the inputs (this would be "
                    "violated by a linear function for example).")
        return gs

    return jacobian(gradient if in_tuple else (lambda x: gradient(x)[0]), _unpack(xs, in_tuple),
                    create_graph=create_graph, strict=strict, vectorize=vectorize)


def _curvature_product(func: Callable, inputs: Any, v: Any, create_graph: bool, strict: bool,
                       fn: str) -> tuple:
    """``(f(x), d<grad f, v>/dx)``, which is both H v and v^T H for a scalar f."""
    xs, in_tuple = _pack(inputs, "inputs", fn)
    with enable_grad():
        xs = _leaves(xs, create_graph)
        vs = _vectors(v, xs, fn, "input to the user-provided function")
        out = _scalar(func, xs, fn)
        g = _grads((out,), xs, None, create_graph=True, strict=strict)
        inner = sum((gi * vi).sum() for gi, vi in zip(g, vs))
        hv = _grads((inner,), xs, None, create_graph=create_graph, strict=strict)
    return (_result(out, create_graph),
            _unpack(tuple(_result(h, create_graph) for h in hv), in_tuple))


def hvp(func: Callable, inputs: Any, v: Any = None, create_graph: bool = False,
        strict: bool = False) -> tuple:
    """``(func(inputs), H v)`` for a scalar function ``func``."""
    return _curvature_product(func, inputs, v, create_graph, strict, "hvp")


def vhp(func: Callable, inputs: Any, v: Any = None, create_graph: bool = False,
        strict: bool = False) -> tuple:
    """``(func(inputs), v^T H)`` for a scalar function ``func``."""
    return _curvature_product(func, inputs, v, create_graph, strict, "vhp")
