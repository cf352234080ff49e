"""Vectorising map: ``tapegrad.func.vmap``, with torch.func.vmap's interface and semantics.

``vmap(f)(xs)`` computes ``f`` on every example of a batch at once: ``f`` is written for one
example, and vmap runs it on the whole batch.  Each call enters one *vmap level*, a transform
(``tapegrad._ops._transforms``) that sees every op ``f`` applies.  The mapped arguments are handed
to ``f`` as ``BatchedTensor``\\s, which show one example's (logical) shape while holding the whole
batch (physical value, batch dimension first).  An op applied to a batched tensor goes to the
level, which rewrites it by the op's *batching rule* into one op on the physical values
(``_rules.py``).  The rules run below their own level, so nested vmaps, and vmap inside or around
``grad``/``jacrev``, compose: the autograd graph is recorded on the physical values.

Example, per-example gradients::

    from tapegrad.func import grad, vmap
    def loss(w, x, y):
        return ((x @ w - y) ** 2).mean()
    per_example = vmap(grad(loss), in_dims=(None, 0, 0))(w, X, Y)   # one gradient per row of X

Ops with no batching rule, which run example by example (a loop over the batch, then a stack):
``index_put_advanced``.
(``fallback_ops()`` computes this list from the op registry, and ``tests/test_vmap.py`` checks
that it is the one written here and in the README.)

Random functions follow ``randomness``: ``'error'`` (default) refuses them, ``'same'`` draws once
and shares the draw across the batch, ``'different'`` draws for every example. As in torch.func,
a ``'different'`` draw is one call over the whole batch (``randn(3)`` in a batch of 8 is one
``randn(8, 3)``, so the values are torch's), except ``randperm``, drawn example by example.
In-place fills (``x.normal_()``) fill a batched ``x`` at once (``'different'``) or with one draw
copied into every example (``'same'``); ``'different'`` on an unbatched ``x`` is refused.

Not supported inside vmap (each fails loudly): reading a batched tensor's data (``item()``,
``tolist()``, ``bool()``, ``tapegrad.allclose``...), indexing with a batched boolean mask
(examples would differ in shape), ``out=`` arguments, in-place ops on an unbatched tensor with
batched operands, ``backward()`` on a batched tensor (use ``tapegrad.func.grad``/``vjp``), and
forward-mode AD (``tapegrad.autograd.forward_ad``) on batched tensors (``jacfwd`` inside vmap
computes by reverse mode instead).
"""
from __future__ import annotations

import functools
from typing import Any, Callable

from .._ops import _transforms
from .._ops import shape as S
from .._tensor import Tensor, _wrap_dim
from ._batched import BatchedTensor, batched_at, materialize, wrap
from ._rules import batched_getitem, fallback_ops, rule_for

__all__ = ["vmap", "BatchedTensor", "fallback_ops", "jacobian_rows", "BATCHED_FROM",
           # for the rest of tapegrad: wrappers and autograd entry points that meet batched tensors
           "active_levels", "batched_getitem", "check_random", "random_function",
           "random_inplace", "fresh",
           "route_grad", "backward_check"]

_RANDOMNESS = ("error", "different", "same")
_RANDOM_ERROR = ("vmap: called random operation while in randomness error mode. Please either use "
                 "the 'same' or 'different' randomness flags on vmap or perform the randomness "
                 "operation out of vmap")
_SAME_BATCHED = ("Vmap does not currently support same randomness with a batched tensor input. "
                 "Please file an issue with functorch")
_DIFFERENT_UNBATCHED = ("vmap: Cannot ask for different inplace randomness on an unbatched tensor. "
                        "This will appear like same randomness. If this is necessary for your "
                        "usage, please file an issue with functorch.")


class VmapLevel(_transforms.Transform):
    """One vmap call in progress: its batch size and random-number policy."""

    kind = "vmap"

    def __init__(self, batch_size: int, randomness: str) -> None:
        self.batch_size = batch_size
        self.randomness = randomness
        self.vmap_depth = 1 + len(active_levels())

    def process(self, op: Any, args: tuple, params: dict) -> Any:
        for a in args:
            if a.__class__ is BatchedTensor and a._vlevel is self:
                return rule_for(op)(self, op, args, params)
        return op(*args, **params)  # nothing of this level: the level below handles it

    def __repr__(self) -> str:
        return f"<vmap level {self.vmap_depth}, batch size {self.batch_size}>"


def active_levels() -> list:
    """The vmap levels entered in this thread, outermost first."""
    return [lv for lv in _transforms.stack.levels if isinstance(lv, VmapLevel)]


# -- the public function -------------------------------------------------------------------------
def vmap(func: Callable, in_dims: Any = 0, out_dims: Any = 0, randomness: str = "error", *,
         chunk_size: int | None = None) -> Callable:
    """Vectorise ``func`` over a dimension of its inputs (torch.func.vmap).

    ``in_dims`` says, per positional argument, which dimension is the batch (``None``: not
    mapped); a tuple matches the arguments, nested tuples/lists/dicts match nested arguments, and
    an int applies to every tensor.  ``out_dims`` places the batch dimension in each output.
    ``chunk_size`` maps that many examples at a time (bounding memory).  Keyword arguments are
    passed through unmapped.
    """
    if randomness not in _RANDOMNESS:
        raise RuntimeError("Only allowed values for randomness are 'error', 'different', or "
                           f"'same'. Got {randomness}")
    if chunk_size is not None and (not isinstance(chunk_size, int) or chunk_size <= 0):
        raise ValueError(f"vmap: chunk_size should be None or greater than 0. (got {chunk_size})")

    @functools.wraps(func)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        return _call(func, in_dims, out_dims, randomness, chunk_size, args, kwargs)

    return wrapped


def _name(func: Any) -> str:
    name = getattr(func, "__name__", None)
    if name is None:
        name = getattr(func, "name", None)  # registry ops
    return name if isinstance(name, str) else repr(func)


def _call(func: Callable, in_dims: Any, out_dims: Any, randomness: str, chunk_size: int | None,
          args: tuple, kwargs: dict) -> Any:
    name = _name(func)
    if not args:
        raise ValueError(f"vmap({name})(<inputs>): got no inputs. Maybe you forgot to add inputs, "
                         "or you are trying to vmap over a function with no inputs. The latter is "
                         "unsupported.")
    prefix = f"vmap({name}, in_dims={in_dims!r}, ...)(<inputs>)"
    if not isinstance(in_dims, (int, tuple)):
        raise ValueError(f"{prefix}: expected `in_dims` to be int or a (potentially nested) tuple "
                         f"matching the structure of inputs, got: {type(in_dims)}.")
    flat_args = _leaves(args)
    flat_dims = _prefix_leaves(in_dims, args)
    if flat_dims is None:
        raise ValueError(f"{prefix}: in_dims is not compatible with the structure of `inputs`. "
                         f"in_dims has structure {_spec(in_dims)} but inputs has structure "
                         f"{_spec(args)}.")
    sizes = []
    dims = []
    for x, d in zip(flat_args, flat_dims):
        if d is not None:
            if not isinstance(d, int):
                raise ValueError(f"{prefix}: Got in_dim={d} for an input but in_dim must be either "
                                 "an integer dimension or None.")
            if not isinstance(x, Tensor):
                raise ValueError(f"{prefix}: Got in_dim={d} for an input but the input is of type "
                                 f"{type(x)}. We cannot vmap over non-Tensor arguments, please use "
                                 "None as the respective in_dim")
            n = x.dim()
            if not -n <= d < n:
                raise ValueError(f"{prefix}: Got in_dim={d} for some input, but that input is a "
                                 f"Tensor of dimensionality {n} so expected in_dim to satisfy "
                                 f"-{n} <= in_dim < {n}.")
            d %= n
            sizes.append(x.shape[d])
        dims.append(d)
    if not sizes:
        raise ValueError("vmap: Expected at least one Tensor to vmap over")
    if any(s != sizes[0] for s in sizes):
        raise ValueError("vmap: Expected all tensors to have the same size in the mapped "
                         f"dimension, got sizes {sizes} for the mapped dimension")
    _check_out_dims(out_dims, name)
    size = sizes[0]
    if chunk_size is None or size <= chunk_size:
        return _run(func, args, flat_args, dims, size, out_dims, randomness, name, kwargs)
    results = []
    for start in range(0, size, chunk_size):
        n = min(chunk_size, size - start)
        part = [x if d is None else S.NARROW(x, dim=d, start=start, length=n)
                for x, d in zip(flat_args, dims)]
        results.append(_run(func, args, part, dims, n, out_dims, randomness, name, kwargs))
    return _join_chunks(results, out_dims)


def _run(func: Callable, args: tuple, flat_args: list, dims: list, size: int, out_dims: Any,
         randomness: str, name: str, kwargs: dict) -> Any:
    """One vmap level: wrap the mapped inputs, call ``func``, unwrap its outputs."""
    physical = [x if d is None or d == 0 else S.PERMUTE(x, dims=(d,) + tuple(
        i for i in range(x.dim()) if i != d)) for x, d in zip(flat_args, dims)]
    level = VmapLevel(size, randomness)
    level.push()
    try:
        inputs = [x if d is None else wrap(p, level)
                  for x, p, d in zip(flat_args, physical, dims)]
        out = func(*_rebuild(args, iter(inputs)), **kwargs)
    finally:
        level.pop()
    return _unwrap_outputs(out, out_dims, level, name)


def _check_out_dims(out_dims: Any, name: str) -> None:
    ok = all(d is None or isinstance(d, int) for d in _leaves(out_dims))
    if not ok:
        raise ValueError(f"vmap({name}, ..., out_dims={out_dims}): `out_dims` must be an int, "
                         "None or a python collection of ints representing where in the outputs "
                         "the vmapped dimension should appear.")


def _unwrap_outputs(out: Any, out_dims: Any, level: VmapLevel, name: str) -> Any:
    if isinstance(out_dims, tuple) and len(out_dims) == 1 and not _is_node(out):
        out_dims = out_dims[0]
    flat_dims = _prefix_leaves(out_dims, out)
    if flat_dims is None:
        raise ValueError(f"vmap({name}, ..., out_dims={out_dims})(<inputs>): out_dims is not "
                         "compatible with the structure of `outputs`. out_dims has structure "
                         f"{_spec(out_dims)} but outputs has structure {_spec(out)}.")
    results = []
    for x, d in zip(_leaves(out), flat_dims):
        if d is None:
            if batched_at(x, level):
                raise ValueError(f"vmap({name}, ...): `{name}` can not return a BatchedTensor when "
                                 "out_dim is None")
            results.append(x)
            continue
        if not isinstance(x, Tensor):
            raise ValueError(f"vmap({name}, ...): `{name}` must only return Tensors, got type "
                             f"{type(x)}. Did you mean to set out_dims= to None for output?")
        value = materialize(x, level)._value
        d = _wrap_dim(d, value.dim())
        if d:
            rest = list(range(1, value.dim()))
            value = S.PERMUTE(value, dims=tuple(rest[:d]) + (0,) + tuple(rest[d:]))
        results.append(value)
    return _rebuild(out, iter(results))


def _join_chunks(results: list, out_dims: Any) -> Any:
    from .._shaping import cat
    first = results[0]
    if isinstance(out_dims, tuple) and len(out_dims) == 1 and not _is_node(first):
        out_dims = out_dims[0]
    flat_dims = _prefix_leaves(out_dims, first)
    columns = zip(*[_leaves(r) for r in results])
    joined = [col[0] if d is None else cat(list(col), d) for col, d in zip(columns, flat_dims)]
    return _rebuild(first, iter(joined))


# -- nested containers (torch's pytrees: tuples, lists, dicts) -----------------------------------
def _is_node(x: Any) -> bool:
    return isinstance(x, (tuple, list, dict))


def _children(x: Any) -> list:
    return list(x.values()) if isinstance(x, dict) else list(x)


def _leaves(tree: Any) -> list:
    if not _is_node(tree):
        return [tree]
    out = []
    for c in _children(tree):
        out.extend(_leaves(c))
    return out


def _rebuild(tree: Any, leaves: Any) -> Any:
    """``tree`` with its leaves replaced, in order, by those ``leaves`` yields."""
    if not _is_node(tree):
        return next(leaves)
    if isinstance(tree, dict):
        return {k: _rebuild(v, leaves) for k, v in tree.items()}
    children = [_rebuild(c, leaves) for c in tree]
    if isinstance(tree, tuple) and hasattr(tree, "_fields"):  # a named tuple
        return type(tree)(*children)
    return type(tree)(children)


def _prefix_leaves(prefix: Any, tree: Any) -> list | None:
    """One entry of ``prefix`` per leaf of ``tree`` (a leaf of ``prefix`` covers a whole
    subtree), or None when the structures do not match."""
    if not _is_node(prefix):
        return [prefix] * len(_leaves(tree))
    if not _is_node(tree) or _kind(prefix) is not _kind(tree):
        return None
    if isinstance(prefix, dict):
        if list(prefix) != list(tree):
            return None
        pairs = [(prefix[k], tree[k]) for k in tree]
    else:
        if len(prefix) != len(tree):
            return None
        pairs = list(zip(prefix, tree))
    out = []
    for p, t in pairs:
        sub = _prefix_leaves(p, t)
        if sub is None:
            return None
        out.extend(sub)
    return out


def _kind(x: Any) -> type:
    return dict if isinstance(x, dict) else list if isinstance(x, list) else tuple


def _spec(tree: Any, indent: int = 0) -> str:
    """The structure of ``tree`` as torch's pytree TreeSpec prints it (``*`` for a leaf)."""
    if not _is_node(tree):
        return "*"
    context = repr(list(tree)) if isinstance(tree, dict) else "None"
    kids = [_spec(c, indent + 2) for c in _children(tree)]
    body = kids[0] if kids else ""
    if len(kids) > 1:
        body += "," + ",".join("\n" + " " * (indent + 2) + k for k in kids[1:])
    return f"TreeSpec({_kind(tree).__name__}, {context}, [{body}])"


# -- random functions ----------------------------------------------------------------------------
def check_random() -> None:
    """Called by tapegrad's random number source: refuse under ``randomness='error'``."""
    levels = active_levels()
    if levels and levels[-1].randomness == "error":
        raise RuntimeError(_RANDOM_ERROR)


def random_function(fn: Callable, shape_only: bool = False, pointwise: bool = False,
                    whole_batch: Callable | None = None) -> Callable:
    """Make a random function follow the innermost vmap level's ``randomness``.

    ``shape_only``: the function reads only the shape and dtype of its tensor arguments
    (``rand_like``), so it may take a batched tensor under ``randomness='same'``.
    ``pointwise``: given tensors with the batch first, it draws for every example at once
    (``bernoulli(p)``). ``whole_batch(batch_size, args, kwargs)``: the ``(args, kwargs)`` of the
    one call that draws for the whole batch when no tensor is passed (``randn(3)`` ->
    ``randn((8, 3))``). Other calls under ``'different'`` are drawn example by example.
    """
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if _transforms.active:
            levels = active_levels()
            if levels:
                return _random_call(levels[-1], wrapper, shape_only or pointwise, whole_batch,
                                    args, kwargs, shape_only)
        return fn(*args, **kwargs)

    return wrapper


def _below(level: VmapLevel) -> Callable:
    """A context in which calls go to the transform levels below ``level``."""
    import contextlib

    @contextlib.contextmanager
    def scope():
        stack = _transforms.stack.levels
        above = stack[level.level:]
        del stack[level.level:]
        try:
            yield
        finally:
            stack.extend(above)
    return scope()


def _random_call(level: VmapLevel, again: Callable, on_physical: bool,
                 whole_batch: Callable | None, args: tuple, kwargs: dict,
                 shape_only: bool) -> Any:
    if level.randomness == "error":
        raise RuntimeError(_RANDOM_ERROR)
    values = list(args) + list(kwargs.values())
    if level.randomness == "same":
        if not shape_only and any(batched_at(v, level) for v in values):
            raise RuntimeError(_SAME_BATCHED)
        with _below(level):
            return again(*args, **kwargs)
    size = level.batch_size
    with _below(level):
        if on_physical and any(isinstance(v, Tensor) for v in values):
            # one call on the whole batch: batched tensors as they are, others expanded to it
            def physical(v: Any) -> Any:
                if batched_at(v, level):
                    return v._value
                if isinstance(v, Tensor):
                    return S.EXPAND(v, shape=(size,) + tuple(v.shape))
                return v
            out = again(*[physical(a) for a in args], **{k: physical(v) for k, v in
                                                         kwargs.items()})
        elif whole_batch is not None and size > 0:
            batch_args, batch_kwargs = whole_batch(size, args, kwargs)
            out = again(*batch_args, **batch_kwargs)
        else:
            out = _example_by_example(level, again, args, kwargs)
    return wrap(out, level)


def _example_by_example(level: VmapLevel, again: Callable, args: tuple, kwargs: dict) -> Tensor:
    draws = []
    for i in range(max(level.batch_size, 1)):
        def pick(v: Any) -> Any:
            if not batched_at(v, level):
                return v
            if level.batch_size == 0:  # one stand-in example, for the result's shape
                import numpy as np
                return Tensor._make(np.zeros(tuple(v.shape), v.dtype.np))
            return S.SELECT_ALONG(v._value, dim=0, i=i)
        draws.append(again(*[pick(a) for a in args], **{k: pick(v) for k, v in kwargs.items()}))
    if level.batch_size == 0:
        return S.EXPAND(draws[0], shape=(0,) + tuple(draws[0].shape))
    return S.STACK(*draws, dim=0, count=len(draws))


def random_inplace(method: Callable) -> Callable:
    """Make an in-place random fill (``x.normal_()``) follow vmap's ``randomness``."""
    @functools.wraps(method)
    def wrapper(self: Tensor, *args: Any, **kwargs: Any) -> Tensor:
        levels = active_levels() if _transforms.active else None
        if not levels:
            return method(self, *args, **kwargs)
        level = levels[-1]
        if level.randomness == "error":
            raise RuntimeError(_RANDOM_ERROR)
        batched = batched_at(self, level)
        if level.randomness == "different" and not batched:
            raise RuntimeError(_DIFFERENT_UNBATCHED)
        with _below(level):
            if not batched:
                return method(self, *args, **kwargs)
            if level.randomness == "different":
                method(self._value, *args, **kwargs)
            else:  # one draw for one example, copied into every example
                import numpy as np
                draw = method(Tensor._make(np.empty(tuple(self.shape), self.dtype.np)),
                              *args, **kwargs)
                self._value.copy_(draw)
        return self

    return wrapper


# -- Jacobians -----------------------------------------------------------------------------------
BATCHED_FROM = 4
"""Jacobians with at least this many rows are built by one batched backward pass by default;
with fewer, setting up the vmap costs more than the backward passes it saves (measured on
``tanh(A @ x) * x``: 0.6x the loop's speed for 1 row, 0.9x for 2, 1.5x for 4, 8x for 200)."""


def jacobian_rows(vjp: Callable, outputs: tuple, inputs: tuple, chunk_size: int | None = None,
                  vectorize: bool | None = None) -> list:
    """Every row of the Jacobian from one batched VJP: ``vjp(cotangents)`` mapped over a basis.

    ``vjp`` takes one cotangent per output and returns one gradient per input.  Returns, per
    output ``o``, a list over inputs ``x`` of ``d o / d x`` shaped ``o.shape + x.shape``.
    ``vectorize=None`` batches from ``BATCHED_FROM`` rows on; ``False`` runs one VJP per row.
    """
    import numpy as np
    sizes = [o.numel() for o in outputs]
    total = sum(sizes)
    if total == 0:
        from .._creation import zeros
        return [[zeros(tuple(o.shape) + tuple(x.shape), dtype=x.dtype) for x in inputs]
                for o in outputs]
    basis = []
    start = 0
    for o, n in zip(outputs, sizes):
        rows = np.zeros((total, n), dtype=o.dtype.np)
        rows[start:start + n] = np.eye(n, dtype=o.dtype.np)
        basis.append(Tensor._make(rows.reshape((total,) + tuple(o.shape))))
        start += n
    if vectorize is None:
        vectorize = total >= BATCHED_FROM
    if not vectorize or _has_custom_functions(outputs):  # (user backward code may not take
        # batched gradients)
        rows = [vjp(tuple(b[i] for b in basis)) for i in range(total)]
        from .._shaping import stack
        grads = [stack([r[j] for r in rows]) for j in range(len(inputs))]
    else:
        grads = vmap(lambda *cts: tuple(vjp(cts)), chunk_size=chunk_size)(*basis)
    blocks = []
    start = 0
    for o, n in zip(outputs, sizes):
        block = []
        for g, x in zip(grads, inputs):
            part = g if n == total else S.NARROW(g, dim=0, start=start, length=n)
            block.append(part.reshape(tuple(o.shape) + tuple(x.shape)))
        blocks.append(block)
        start += n
    return blocks


def _has_custom_functions(outputs: tuple) -> bool:
    """Whether the graph behind ``outputs`` holds nodes of ``autograd.Function`` subclasses."""
    from .._ops._registry import Op
    from ..autograd._engine import Node
    stack = [o.grad_fn for o in outputs if o.grad_fn is not None]
    seen: set = set()
    while stack:
        node = stack.pop()
        if id(node) in seen or not isinstance(node, Node):
            continue
        seen.add(id(node))
        if not isinstance(node.op, Op):
            return True
        stack.extend(edge[0] for edge in node._next if edge is not None)
    return False


from ._autograd import backward_check, fresh, route_grad  # noqa: E402
