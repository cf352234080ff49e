"""Composable function transforms (``torch.func`` / JAX style) on the reverse-mode engine.

``grad``, ``grad_and_value``, ``vjp``, ``jacrev``, ``jacfwd`` and ``hessian`` return new functions
and nest freely (``grad(grad(f))``, ``jacfwd(jacrev(f))``...).  Each transform differentiates with
respect to fresh copies of its arguments: a detached leaf when the argument does not require
grad, or an alias (``x.view_as(x)``) that stays connected to the outer graph when it does (i.e.
when an enclosing transform, or the caller's own autograd graph, is differentiating through it).
Using an alias rather than the argument itself keeps nested transforms from confusing their
variables (``grad(lambda x: x * grad(lambda y: x * y)(x))`` is ``2x``, not ``4x``).  The backward
pass records its own graph (``create_graph=True``) only when needed: inside another transform or
when an argument already requires grad; top-level results are plain tensors.

``vmap`` (``tapegrad._vmap``) vectorises a function over a batch dimension and composes with the
others both ways: ``vmap(grad(f))`` gives per-example gradients (inside vmap, the arguments are
repeated over the batch before differentiating, so each example gets its own gradient), and
``jacrev`` builds a whole Jacobian with one *batched* backward pass, ``vmap`` over the
cotangents of a VJP, instead of one backward pass per output element.

Limitations:

* arguments being differentiated must be Tensors, except for ``grad``/``grad_and_value``, which
  also take dicts/lists/tuples of Tensors (a module's parameters for ``functional_call``);
  outputs may be a Tensor or a tuple of Tensors;
* ``jvp`` and ``jacfwd`` use forward mode (``tapegrad.autograd.forward_ad``'s levels, which
  nest); ``jacfwd`` runs one forward pass per input element, and forward mode does not run on
  vmap's batched tensors (so no ``jacfwd``/``jvp`` inside ``vmap``).
"""
from __future__ import annotations

import functools
import threading
from typing import Any, Callable

import numpy as np

import tapegrad
from ._ops import _transforms
from ._public import public_dir as _public_dir
from .autograd import forward_ad
from .autograd.grad_mode import enable_grad, is_grad_enabled
from ._vmap import fresh as _fresh_in_vmap
from ._vmap import BATCHED_FROM, jacobian_rows as _jacobian_rows, vmap
from ._vmap import _leaves as _tree_leaves, _rebuild as _tree_rebuild

__all__ = ["grad", "grad_and_value", "vjp", "jvp", "jacrev", "jacfwd", "hessian", "vmap",
           "functional_call", "stack_module_state"]


def __dir__() -> list[str]:
    return _public_dir(globals())

_state = threading.local()


def _depth() -> int:
    return getattr(_state, "depth", 0)


class _Level:
    """Marks that a transform is running (nested transforms must keep their graphs)."""

    def __enter__(self):
        _state.depth = _depth() + 1

    def __exit__(self, *exc):
        _state.depth = _depth() - 1
        return False


def _check_tensor(x: Any, what: str) -> None:
    if not isinstance(x, tapegrad.Tensor):
        raise TypeError(f"{what}: expected a Tensor to differentiate, got {type(x).__name__}")


def _fresh(x):
    """Inside vmap, first repeated over the batch at every vmap level (see ``_leaf``)."""
    leaf = _fresh_in_vmap(x, _leaf)
    if leaf is not x:  # a forward-mode level above the vmap still sees x's tangent
        forward_ad.copy_tangent(leaf, x)
    return leaf


def _leaf(x):
    """A tensor to differentiate with respect to, connected to any outer graph."""
    if x.requires_grad and is_grad_enabled():
        return x.view_as(x)
    leaf = x.detach().requires_grad_()
    forward_ad.copy_tangent(leaf, x)  # an enclosing forward-mode level still sees its tangent
    return leaf


def _needs_graph(args: tuple) -> bool:
    """Record the backward pass when an outer transform (or caller) differentiates through it,
    or when a forward-mode level must push tangents through the backward pass."""
    return is_grad_enabled() and (_depth() > 1 or any(a.requires_grad for a in args)
                                  or forward_ad.level_entered())


def _norm_argnums(argnums, nargs: int, name: str) -> tuple:
    is_tuple = isinstance(argnums, (tuple, list))
    nums = tuple(argnums) if is_tuple else (argnums,)
    if is_tuple and not nums:
        raise RuntimeError(f"{name}: argnums must be non-empty")
    out = []
    for n in nums:
        if not isinstance(n, int):
            raise RuntimeError(f"{name}: argnums must be int or Tuple[int, ...], got {type(n)}")
        if not -nargs <= n < nargs:
            raise RuntimeError(f"Got argnums={n}, but only {nargs} positional inputs")
        out.append(n % nargs)
    return tuple(out), is_tuple


def _grads(outputs: tuple, inputs: tuple, grad_outputs: tuple | None, create_graph: bool) -> tuple:
    """Gradients (zeros where unused / not connected) of outputs wrt inputs; graph retained."""
    if grad_outputs is None:
        grad_outputs = (None,) * len(outputs)
    pairs = [(o, g) for o, g in zip(outputs, grad_outputs) if o.requires_grad]
    if pairs:
        got = tapegrad.autograd.grad(tuple(o for o, _ in pairs), inputs,
                                     tuple(g for _, g in pairs), retain_graph=True,
                                     create_graph=create_graph, allow_unused=True)
    else:
        got = (None,) * len(inputs)
    return tuple(tapegrad.zeros_like(x) if g is None else g for g, x in zip(got, inputs))


def _finish(t, create_graph: bool):
    return t if create_graph else t.detach()


def _as_out_tuple(out: Any, name: str) -> tuple[tuple, bool]:
    if isinstance(out, tapegrad.Tensor):
        return (out,), False
    if isinstance(out, (tuple, list)) and all(isinstance(o, tapegrad.Tensor) for o in out):
        return tuple(out), True
    raise RuntimeError(f"{name}: the function must return a Tensor or a tuple of Tensors, got "
                       f"{type(out).__name__}")


def _call_on_leaves(func: Callable, args: tuple, kwargs: dict, nums: tuple, has_aux: bool,
                    name: str, prefix: str) -> tuple:
    """Call ``func`` with ``args[nums]`` replaced by leaves to differentiate with respect to.

    Returns ``(leaves, output, aux, create_graph)``; runs inside the caller's ``_Level``.
    """
    for n in nums:
        _check_tensor(args[n], name)
    create_graph = _needs_graph(tuple(args[n] for n in nums))
    args = list(args)
    for n in nums:
        args[n] = _fresh(args[n])
    out, aux = _split_aux(func(*args, **kwargs), has_aux, prefix)
    return tuple(args[n] for n in nums), out, aux, create_graph


def _split_aux(out: Any, has_aux: bool, prefix: str) -> tuple:
    """``(output, aux)`` of a function called by a transform (aux None without has_aux)."""
    if not has_aux:
        return out, None
    if not (isinstance(out, tuple) and len(out) == 2):
        raise RuntimeError(f"{prefix}: output of function f should be a tuple: (output, aux) "
                           "if has_aux is True")
    return out


def _flatten_trees(func: Callable, args: tuple, nums: tuple) -> tuple:
    """Differentiated arguments that are dicts/lists/tuples of Tensors (pytrees, e.g. a
    module's parameters for ``functional_call``) spread into one positional Tensor each.

    Returns ``(func, args, nums, regroup)``: the function taking those leaves first, the new
    arguments, their positions, and ``regroup(grads)`` rebuilding each argument's structure
    (None when every differentiated argument is a Tensor already)."""
    if all(isinstance(args[n], tapegrad.Tensor) for n in nums):
        return func, args, nums, None
    leaves = [leaf for n in nums for leaf in _tree_leaves(args[n])]
    k = len(leaves)

    def on_leaves(*given, **kwargs):
        it = iter(given[:k])
        full = list(given[k:])
        for n in nums:
            full[n] = _tree_rebuild(args[n], it)
        return func(*full, **kwargs)

    def regroup(grads: tuple) -> tuple:
        it = iter(grads)
        return tuple(_tree_rebuild(args[n], it) for n in nums)

    return on_leaves, tuple(leaves) + tuple(args), tuple(range(k)), regroup


def grad_and_value(func: Callable, argnums: Any = 0, has_aux: bool = False) -> Callable:
    """Return a function computing ``(grad, value)`` (``(grad, (value, aux))`` with has_aux).

    A differentiated argument may be a Tensor or a dict/list/tuple of Tensors; its gradient has
    the same structure (``grad(loss)(dict(model.named_parameters()), x)`` gives a dict).
    """

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        nums, is_tuple = _norm_argnums(argnums, len(args), "grad_and_value")
        f, args, flat_nums, regroup = _flatten_trees(func, args, nums)
        with _Level(), enable_grad():
            diff, out, aux, create_graph = _call_on_leaves(
                f, args, kwargs, flat_nums, has_aux, "grad_and_value", "grad_and_value(f)(*args)")
            if not isinstance(out, tapegrad.Tensor):
                raise RuntimeError("grad_and_value(f)(*args): Expected f(*args) to return a "
                                   f"Tensor, got {type(out)}")
            if out.numel() != 1:
                raise RuntimeError("grad_and_value(f)(*args): Expected f(*args) to return a "
                                   f"scalar Tensor, got tensor with {out.dim()} dims. Maybe you "
                                   "wanted to use the vjp or jacrev APIs instead?")
            gs = _grads((out,), tuple(diff), None, create_graph)
        gs = tuple(_finish(g, create_graph) for g in gs)
        if regroup is not None:
            gs = regroup(gs)
        value = _finish(out, create_graph)
        g = gs if is_tuple else gs[0]
        if has_aux:
            return g, (value, aux)
        return g, value

    return wrapper


def grad(func: Callable, argnums: Any = 0, has_aux: bool = False) -> Callable:
    """Return a function computing the gradient of the scalar ``func`` wrt ``args[argnums]``."""
    gv = grad_and_value(func, argnums, has_aux)

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        g, value = gv(*args, **kwargs)
        if has_aux:
            return g, value[1]
        return g

    return wrapper


def vjp(func: Callable, *primals, has_aux: bool = False):
    """Return ``(func(*primals), vjp_fn)``; ``vjp_fn(cotangents)`` gives one gradient per primal.

    ``vjp_fn`` may be called several times (the graph is retained).
    """
    for p in primals:
        _check_tensor(p, "vjp")
    with _Level(), enable_grad():
        create_graph = _needs_graph(primals)
        diff = tuple(_fresh(p) for p in primals)
        out, aux = _split_aux(func(*diff), has_aux, "vjp(f, *primals)")
        outs, is_out_tuple = _as_out_tuple(out, "vjp")
    depth_at_creation = _depth()

    def vjp_fn(cotangents, *rest):
        cts = (cotangents,) + rest if rest else cotangents
        ct_tuple, _ = _as_out_tuple(cts, "vjp_fn") if is_out_tuple else ((cts,), False)
        if len(ct_tuple) != len(outs):
            raise RuntimeError(f"Expected {len(outs)} cotangents, got {len(ct_tuple)}")
        for c, o in zip(ct_tuple, outs):
            if tuple(c.shape) != tuple(o.shape):
                raise RuntimeError(f"Mismatch in shape: cotangent has shape {tuple(c.shape)} but "
                                   f"output has shape {tuple(o.shape)}")
        with enable_grad():
            cg = create_graph or (is_grad_enabled() and (_depth() > depth_at_creation
                                                         or any(c.requires_grad for c in ct_tuple)))
            gs = _grads(outs, diff, ct_tuple, cg)
        return tuple(_finish(g, cg) for g in gs)

    res = tuple(_finish(o, create_graph) for o in outs)
    res = res if is_out_tuple else res[0]
    if has_aux:
        return res, vjp_fn, aux
    return res, vjp_fn


def jacrev(func: Callable, argnums: Any = 0, *, has_aux: bool = False,
           chunk_size: int | None = None) -> Callable:
    """Return a function computing the Jacobian of ``func`` wrt ``args[argnums]``.

    Shapes as ``torch.func.jacrev``: ``out.shape + arg.shape``; a tuple of outputs gives a tuple,
    and a tuple ``argnums`` gives (per output) a tuple over the arguments.  All rows come from one
    batched backward pass (``vmap`` over the VJP's cotangents); ``chunk_size`` bounds how many
    rows are computed at once.
    """

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        nums, is_tuple = _norm_argnums(argnums, len(args), "jacrev")
        with _Level(), enable_grad():
            diff, out, aux, create_graph = _call_on_leaves(
                func, args, kwargs, nums, has_aux, "jacrev", "jacrev(f, ...)(*args)")
            outs, is_out_tuple = _as_out_tuple(out, "jacrev")
            blocks = _jacobian_rows(lambda cts: _grads(outs, diff, cts, create_graph), outs, diff,
                                    chunk_size)
            result = []
            for row in blocks:
                per_arg = tuple(_finish(b, create_graph) for b in row)
                result.append(per_arg if is_tuple else per_arg[0])
        res = tuple(result) if is_out_tuple else result[0]
        if has_aux:
            return res, aux
        return res

    return wrapper


def jvp(func: Callable, primals: Any, tangents: Any, *, strict: bool = False,
        has_aux: bool = False):
    """Return ``(func(*primals), jvp_out)``: the Jacobian of ``func`` applied to ``tangents``,
    by one forward-mode pass (``torch.func.jvp``).  Outputs may be a Tensor or a tuple of them.
    """
    prefix = "jvp(f, primals, tangents)"
    if not isinstance(primals, tuple):
        raise RuntimeError(f"{prefix}: Expected primals to be a tuple. E.g. it should be valid to "
                           "call f(*primals).")
    if not isinstance(tangents, tuple) or len(tangents) != len(primals):
        raise RuntimeError(f"{prefix}: Expected primals and tangents to have the same python "
                           "structure. For example, if primals is a tuple of 3 tensors, tangents "
                           "also must be.")
    for p in primals:
        _check_tensor(p, "jvp")
    # Results stay differentiable only for an enclosing transform or a caller's graph.
    keep_graph = is_grad_enabled() and (_depth() > 0 or forward_ad.level_entered()
                                        or any(p.requires_grad for p in primals))
    level = forward_ad.ForwardLevel()
    with _Level(), forward_ad.entered(level):
        duals = tuple(forward_ad.make_dual_at(level, p, t) for p, t in zip(primals, tangents))
        out, aux = _split_aux(func(*duals), has_aux, prefix)
        outs, is_out_tuple = _as_out_tuple(out, "jvp")
        out_tangents = tuple(_finish(_tangent_or_zeros(level, o), keep_graph) for o in outs)
    outs = tuple(_finish(o, keep_graph) for o in outs)
    primal_out = outs if is_out_tuple else outs[0]
    tangent_out = out_tangents if is_out_tuple else out_tangents[0]
    if has_aux:
        return primal_out, tangent_out, aux
    return primal_out, tangent_out


def _tangent_or_zeros(level, out):
    t = level.tangent_of(out)
    return tapegrad.zeros_like(out) if t is None else t


def jacfwd(func: Callable, argnums: Any = 0, has_aux: bool = False, *,
           randomness: str = "error") -> Callable:
    """Return a function computing the Jacobian of ``func`` wrt ``args[argnums]`` by forward mode.

    Every column comes from one forward-mode pass with a batch of basis tangents (``vmap`` over
    ``jvp``); below ``BATCHED_FROM`` columns, one pass per column is cheaper and is used instead.
    Forward mode suits functions with more outputs than inputs.  Shapes as ``jacrev``.
    """

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        nums, is_tuple = _norm_argnums(argnums, len(args), "jacfwd")
        for n in nums:
            _check_tensor(args[n], "jacfwd")
        # Keep the Jacobian differentiable only for an enclosing transform or a caller's graph.
        keep_graph = is_grad_enabled() and (_depth() > 0 or forward_ad.level_entered()
                                            or any(args[n].requires_grad for n in nums))
        primals = tuple(args[n] for n in nums)

        def restricted(*xs):
            full = list(args)
            for n, x in zip(nums, xs):
                full[n] = x
            return func(*full, **kwargs)

        sizes = [x.numel() for x in primals]
        total = sum(sizes)
        basis = _basis(primals, sizes, total)
        aux = None
        if total == 0 or has_aux:  # outputs (and aux) of one plain call
            out = restricted(*primals)
            if has_aux:
                out, aux = out
            outs, is_out_tuple = _as_out_tuple(out, "jacfwd")
        if total == 0:
            columns = [tapegrad.zeros((0,) + tuple(o.shape), dtype=o.dtype) for o in outs]
        else:
            def push(*tangents):
                res = jvp(restricted, primals, tangents, has_aux=has_aux)
                return res[1]

            got = None
            if total >= BATCHED_FROM:
                try:
                    got = vmap(push, randomness=randomness)(*basis)
                except _transforms.UnsupportedNesting:  # a backward pass inside: by columns
                    got = None
            if got is None:
                per_column = [push(*(b[i] for b in basis)) for i in range(total)]
                got = tuple(tapegrad.stack([c[k] for c in per_column])
                            for k in range(len(per_column[0]))) \
                    if isinstance(per_column[0], tuple) else tapegrad.stack(per_column)
            is_out_tuple = isinstance(got, tuple)
            columns = list(got) if is_out_tuple else [got]
        result = []
        for col in columns:  # col: (total, *out.shape) -> per argument out.shape + arg.shape
            out_shape = tuple(col.shape)[1:]
            if col.dim() > 1:
                col = col.permute(tuple(range(1, col.dim())) + (0,))
            blocks, start = [], 0
            for x, n in zip(primals, sizes):
                part = col if n == total else col.narrow(-1, start, n)
                blocks.append(_finish(part.reshape(out_shape + tuple(x.shape)), keep_graph))
                start += n
            result.append(tuple(blocks) if is_tuple else blocks[0])
        res = tuple(result) if is_out_tuple else result[0]
        if has_aux:
            return res, aux
        return res

    return wrapper


def _basis(primals: tuple, sizes: list, total: int) -> list:
    """One batch of tangents per primal: together, the rows of the identity over all of them."""
    basis, start = [], 0
    for x, n in zip(primals, sizes):
        rows = np.zeros((total, n), dtype=x.dtype.np)
        rows[start:start + n] = np.eye(n, dtype=x.dtype.np)
        basis.append(tapegrad.tensor(rows.reshape((total,) + tuple(x.shape))))
        start += n
    return basis


def hessian(func: Callable, argnums: Any = 0) -> Callable:
    """Return a function computing the Hessian of ``func`` wrt ``args[argnums]``.

    Shape ``out.shape + arg.shape + arg.shape``.  Computed as ``jacrev(jacrev(func, argnums),
    argnums)``: the outer Jacobian is one batched backward pass through the gradient's graph.
    torch computes forward over reverse (``jacfwd(jacrev)``), the same values; tapegrad's
    ``jacfwd`` runs one forward pass per input element, which measured 3x (2 inputs) to 190x (200
    inputs) slower here.
    """
    return jacrev(jacrev(func, argnums), argnums)


# -- modules as functions of their parameters ------------------------------------------------------
def _tied_names(module: Any) -> dict:
    """For each parameter/buffer name that shares its tensor with another name, all those names."""
    by_tensor: dict[int, set] = {}
    named = list(module.named_parameters(remove_duplicate=False))
    named += list(module.named_buffers(remove_duplicate=False))
    for name, t in named:
        by_tensor.setdefault(id(t), set()).add(name)
    return {name: names for names in by_tensor.values() if len(names) > 1 for name in names}


def _untie(module: Any, values: dict) -> dict:
    """``values`` with every tied name given the value given for one of its group."""
    tied = _tied_names(module)
    given = [name for name in values if name in tied]
    for name in given:
        group = tied[name]
        if len(group.intersection(given)) > 1 and len({id(values[n]) for n in group
                                                       if n in values}) != 1:
            raise ValueError(f"functional_call got multiple values for keys {sorted(group)}, "
                             "which are tied. Consider using tie_weights=False")
    out = dict(values)
    for name in given:
        for other in tied[name]:
            out[other] = values[name]
    return out


def _swap(module: Any, name: str, value: Any) -> Any:
    """Put ``value`` at the dotted ``name`` of ``module`` (into its parameter or buffer table,
    bypassing the type checks of attribute assignment); return what was there (or a marker)."""
    path, _, leaf = name.rpartition(".")
    owner = module
    for part in path.split(".") if path else ():
        owner = getattr(owner, part)
    for table in (owner.__dict__.get("_parameters"), owner.__dict__.get("_buffers")):
        if table is not None and leaf in table:
            old = table[leaf]
            table[leaf] = value
            return old
    old = owner.__dict__.get(leaf, _MISSING)
    if value is _MISSING:
        owner.__dict__.pop(leaf, None)
    else:
        owner.__dict__[leaf] = value
    return old


_MISSING = object()


def functional_call(module: Any, parameter_and_buffer_dicts: Any, args: Any = None,
                    kwargs: dict | None = None, *, tie_weights: bool = True,
                    strict: bool = False) -> Any:
    """Call ``module`` with some of its parameters and buffers replaced by the given tensors
    (``torch.func.functional_call``); the module itself is left as it was.

    This makes a model a function of its parameters, for ``grad`` and ``vmap``::

        params = {k: v.detach() for k, v in model.named_parameters()}
        def loss(params, x, y):
            return ((functional_call(model, params, (x,)) - y) ** 2).mean()
        per_example = vmap(grad(loss), in_dims=(None, 0, 0))(params, X, Y)

    ``parameter_and_buffer_dicts``: a dict by dotted name, or a tuple of dicts with distinct
    keys.  ``args``: a tuple of positional arguments (anything else is the single argument).
    ``tie_weights``: a value given for one of several names sharing a tensor serves them all.
    ``strict``: the names must be exactly the module's parameters and buffers.
    """
    if isinstance(parameter_and_buffer_dicts, dict):
        values = parameter_and_buffer_dicts
    elif isinstance(parameter_and_buffer_dicts, (tuple, list)):
        if not all(isinstance(d, dict) for d in parameter_and_buffer_dicts):
            raise ValueError("Expected all elements of parameter_and_buffer_dicts to be "
                             "dictionaries")
        counts: dict = {}
        for d in parameter_and_buffer_dicts:
            for k in d:
                counts[k] = counts.get(k, 0) + 1
        repeated = [k for k, n in counts.items() if n > 1]
        if repeated:
            raise ValueError(f"{repeated} appeared in multiple dictionaries; behavior of "
                             "functional call is ambiguous")
        values = {k: v for d in parameter_and_buffer_dicts for k, v in d.items()}
    else:
        raise ValueError("Expected parameter_and_buffer_dicts to be a dict, or a list/tuple of "
                         f"dicts, but got {type(parameter_and_buffer_dicts)}")
    if tie_weights:
        values = _untie(module, values)
    if strict:
        known = [n for n, _ in module.named_parameters(remove_duplicate=False)]
        known += [n for n, _ in module.named_buffers(remove_duplicate=False)]
        missing = [n for n in known if n not in values]
        unexpected = [n for n in values if n not in set(known)]
        errors = []
        if unexpected:
            errors.append(f"Unexpected key(s): {', '.join(map(repr, unexpected))}.")
        if missing:
            errors.append(f"Missing key(s): {', '.join(map(repr, missing))}.")
        if errors:
            raise RuntimeError("Error(s) in reparametrizing for {}:\n\t{}".format(
                module._get_name(), "\n\t".join(errors)))
    if args is None:
        args = ()
    elif not isinstance(args, tuple):
        args = (args,)
    originals: list = []
    try:
        for name, value in values.items():
            originals.append((name, _swap(module, name, value)))
        return module(*args, **(kwargs or {}))
    finally:
        for name, old in reversed(originals):
            _swap(module, name, old)


def stack_module_state(models: Any) -> tuple[dict, dict]:
    """``(params, buffers)``: each parameter and buffer of the same-class ``models`` stacked
    along a new first dim, by name, for ``vmap`` over an ensemble::

        params, buffers = stack_module_state(models)
        out = vmap(lambda p, b, x: functional_call(models[0], (p, b), (x,)),
                   in_dims=(0, 0, None))(params, buffers, x)

    Stacked parameters are new leaves that require grad (when the originals do).
    """
    models = list(models)
    if not models:
        raise RuntimeError("stack_module_state: Expected at least one model, got 0.")
    if not (all(m.training for m in models) or not any(m.training for m in models)):
        raise RuntimeError("stack_module_state: Expected all models to have the same "
                           "training/eval mode.")
    if not all(type(m) is type(models[0]) for m in models):
        raise RuntimeError("stack_module_state: Expected all models to be of the same class.")

    def stacked(tables: list, name: str) -> Any:
        tensors = [t[name] for t in tables]
        grads = [t.requires_grad for t in tensors]
        if any(grads) and not all(grads):
            raise RuntimeError(f"Expected {name} from each model to have the same .requires_grad")
        out = tapegrad.stack(tensors)
        return out.detach().requires_grad_() if all(grads) else out

    params = [dict(m.named_parameters()) for m in models]
    buffers = [dict(m.named_buffers()) for m in models]
    return ({k: stacked(params, k) for k in params[0]},
            {k: stacked(buffers, k) for k in buffers[0]})
