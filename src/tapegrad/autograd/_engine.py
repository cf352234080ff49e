"""The backward pass: graph nodes and an iterative (recursion-free) reverse sweep.

Every recorded operation leaves one ``Node`` (its class is named after torch's ``grad_fn``, e.g.
``MulBackward0``).  A node holds

* ``_next``: one edge per input, ``None`` when that input needs no gradient, else a tuple
  ``(target, output_nr, shape, dtype)`` where ``target`` is the producing node, or the leaf
  tensor itself for leaves;
* ``_saved``: the values its derivative rule reads (tensors, shapes, parameters, its result);
* ``_checks``: ``(version_box, version, saved_slot)`` triples that detect in-place
  changes to saved tensors.

The engine does the work shared by all rules once: it reduces broadcast gradients to the input's
shape, casts them to the input's dtype, sums gradients that meet at a node, calls hooks, fills
``.grad`` of leaves and of tensors that asked for ``retain_grad()``, and frees saved values.
Rules run on raw NumPy arrays unless ``create_graph=True``, in which case they run on Tensors
and are recorded, which is what makes higher derivatives work.
"""
from __future__ import annotations

import heapq
import itertools
import re
import weakref
from typing import Any, Sequence

import numpy as np

from . import grad_mode
from .._ops import _transforms

_FREED_MSG = (
    "Trying to backward through the graph a second time (or directly access saved tensors after "
    "they have already been freed). Saved intermediate values of the graph are freed when you call "
    ".backward() or autograd.grad(). Specify retain_graph=True if you need to backward through the "
    "graph a second time or if you need to access saved tensors after calling backward.")

_Tensor: Any = None        # tapegrad.Tensor, bound by _tensor.py (import cycle)
observers: list = []
"""Callables ``fn(target, grad_outputs, grad_inputs)`` told about every step of every backward
(a node, or a leaf Tensor with ``grad_inputs == []``); used by the backward trace and anomaly mode."""
_sum_to_size: Any = None   # differentiable sum-to-shape, bound by _ops/shape.py
_cast: Any = None          # differentiable dtype conversion, bound by _ops/elementwise.py


_next_seq = itertools.count().__next__


class Node:
    """A recorded operation in the autograd graph (torch's ``grad_fn`` objects).

    ``y.grad_fn.name()`` gives torch's name, ``next_functions`` the edges to the inputs' nodes
    (``AccumulateGrad`` for leaves), and ``register_hook`` / ``register_prehook`` torch's hooks.
    """

    __slots__ = ("_next", "_saved", "_checks", "_n_outputs", "_extra", "_seq", "__weakref__")
    op: Any = None  # the op declaration, set on each generated subclass
    _plain = True   # saved values and release as below (the engine inlines them)

    def __init__(self, next_edges: tuple, saved: tuple = (), checks: tuple = ()) -> None:
        self._seq = _next_seq()  # creation order: a node's inputs always come earlier
        self._next = next_edges
        self._saved = saved  # None once freed by backward
        self._checks = checks
        self._n_outputs = 1
        self._extra = None  # hooks, retained outputs, metadata: rare, so kept aside (_Extras)

    def name(self) -> str:
        return type(self).__name__

    def __repr__(self) -> str:
        return f"<{type(self).__name__} object at {id(self):#x}>"

    def __getattr__(self, name: str) -> Any:
        # Only reached for names the class lacks: torch's _saved_* / _raw_saved_* attributes.
        if name.startswith(("_saved_", "_raw_saved_")):
            from . import saved
            return saved.lookup(self, name)
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __dir__(self) -> list[str]:
        from . import saved
        return sorted(set(super().__dir__()) | set(saved.names(self)))

    def _extras(self) -> "_Extras":
        extra = self._extra
        if extra is None:
            extra = self._extra = _Extras()
        return extra

    @property
    def metadata(self) -> dict:
        """A dict for the user's notes; anomaly mode stores the forward traceback here."""
        extra = self._extras()
        if extra.metadata is None:
            extra.metadata = {}
        return extra.metadata

    @property
    def next_functions(self) -> tuple:
        extra = self._extra
        if extra is not None and extra.shown is not None:
            return extra.shown  # the same objects each time, as torch's graph holds them
        edges = self._next
        if self.op is not None and self.op.name in _PRESENTED:  # a fused op: torch's edges
            from . import saved
            edges = saved.torch_edges(self)
        out = []
        for edge in edges:
            if edge is None:
                out.append((None, 0))
            elif isinstance(edge, Node):  # a node torch has where tapegrad fused it in
                out.append((edge, 0))
            elif isinstance(edge[0], Node):
                out.append((edge[0], edge[1]))
            else:
                out.append((AccumulateGrad.of(edge[0]), 0))
        shown = self._extras().shown = tuple(out)
        return shown

    def register_hook(self, fn) -> "_RemovableHandle":
        """``fn(grad_inputs, grad_outputs)`` runs after this node computed its input gradients."""
        extra = self._extras()
        if extra.hooks is None:
            extra.hooks = []
        return _RemovableHandle(extra.hooks, fn)

    def register_prehook(self, fn) -> "_RemovableHandle":
        """``fn(grad_outputs)`` runs before this node; it may return replacement gradients."""
        extra = self._extras()
        if extra.pre_hooks is None:
            extra.pre_hooks = []
        return _RemovableHandle(extra.pre_hooks, fn)

    def saved_values(self, create_graph: bool) -> list:
        """The values the derivative rule reads: arrays, or Tensors when building a graph."""
        if self._saved is None:
            raise RuntimeError(_FREED_MSG)
        self._check_versions()
        values = list(self._saved)
        op = self.op
        if create_graph:
            if op.result_slot >= 0:
                values[op.result_slot] = _Tensor._make(values[op.result_slot], self, True)
        else:
            for i in op.input_slots:
                v = values[i]
                if isinstance(v, _Tensor):
                    values[i] = v._data
        return values

    def _check_versions(self) -> None:
        """Refuse to run if a saved tensor was changed in place since it was saved."""
        for box, version, slot in self._checks:
            if box[0] != version:
                raise RuntimeError(_modified_message(self, slot, box[0], version))

    def release(self) -> None:
        """Drop saved tensors (called after backward unless retain_graph)."""
        if self.op.saves_tensors:
            self._saved = None


# Ops that tapegrad fuses where torch's graph has more nodes; next_functions shows torch's.
_PRESENTED = frozenset({"linear"})


class _Extras:
    """What few nodes have: hooks, tensors that asked for ``retain_grad()``, user metadata."""

    __slots__ = ("hooks", "pre_hooks", "retained", "metadata", "shown")

    def __init__(self) -> None:
        self.hooks = self.pre_hooks = self.retained = self.metadata = None
        self.shown = None  # next_functions, made once: its AccumulateGrad/TBackward0 stay alive


class AccumulateGrad:
    """The node torch shows for a leaf in ``next_functions``; ``variable`` is the leaf.

    tapegrad's graph points at leaves directly; this node is made when asked for, and the same
    object is given back while anyone holds it (torch's is unique per leaf: tools such as
    torchviz identify nodes by ``id``).
    """

    __slots__ = ("variable", "__weakref__")
    _made: dict = {}  # id(leaf) -> weak reference to its AccumulateGrad

    def __init__(self, variable) -> None:
        self.variable = variable

    @classmethod
    def of(cls, leaf) -> "AccumulateGrad":
        """The leaf's AccumulateGrad: the one still alive, else a new one."""
        key = id(leaf)
        ref = cls._made.get(key)
        node = ref() if ref is not None else None
        if node is None or node.variable is not leaf:
            node = cls(leaf)
            made = cls._made
            cls._made[key] = weakref.ref(
                node, lambda r, key=key: made.pop(key) if made.get(key) is r else None)
        return node

    def name(self) -> str:
        return "torch::autograd::AccumulateGrad"

    next_functions = ()

    def __repr__(self) -> str:
        return f"<AccumulateGrad object at {id(self):#x}>"

    def __eq__(self, other) -> bool:
        return isinstance(other, AccumulateGrad) and other.variable is self.variable

    def __hash__(self) -> int:
        return id(self.variable)


# torch differentiates through complex numbers (Wirtinger calculus); tapegrad's rules are written
# for real numbers, so it refuses rather than return gradients without the conjugations.
COMPLEX_AUTOGRAD = ("tapegrad does not implement autograd through complex tensors: a complex "
                    "tensor cannot require grad, and gradients cannot flow through complex values")

# The slot under which a leaf's hook list keeps ``register_post_accumulate_grad_hook`` hooks
# (the others are keyed by output number 0), run once ``.grad`` has been accumulated.
POST_ACCUMULATE = -1


class _RemovableHandle:
    __slots__ = ("_list", "_fn")

    def __init__(self, hooks: list, fn) -> None:
        self._list, self._fn = hooks, fn
        hooks.append(fn)

    def remove(self) -> None:
        if self._fn in self._list:
            self._list.remove(self._fn)


def _modified_message(node: Node, slot: int, now: int, expected: int) -> str:
    """torch's text, naming the saved tensor's type, shape and the op that last wrote it."""
    if slot < 0:  # the node's own result
        data, producer = node._saved[node.op.result_slot], node
    else:
        tensor = node._saved[slot]
        data, producer = tensor._data, tensor._grad_fn
    type_name = _LEGACY_TYPES.get(data.dtype.name, "Tensor")
    where = ""
    if producer is not None:
        where = f", which is output 0 of {re.sub(r'Backward[0-9]*$', '', producer.name())},"
    return ("one of the variables needed for gradient computation has been modified by an inplace "
            f"operation: [torch.{type_name} {list(data.shape)}]{where} is at version {now}; "
            f"expected version {expected} instead. Hint: enable anomaly detection to find the "
            "operation that failed to compute its gradient, with "
            "torch.autograd.set_detect_anomaly(True, check_nan=False).")


_LEGACY_TYPES = {"float32": "FloatTensor", "float64": "DoubleTensor", "float16": "HalfTensor",
                 "complex64": "ComplexFloatTensor", "complex128": "ComplexDoubleTensor"}


def _needed(roots: Sequence, capture: dict) -> set:
    """Ids of the nodes from which some captured target can be reached (others are skipped)."""
    parents: dict = {}
    stack = list(dict.fromkeys(r for r in roots if isinstance(r, Node)))
    seen = set(map(id, stack))
    while stack:
        node = stack.pop()
        for edge in node._next:
            if edge is None:
                continue
            parents.setdefault(id(edge[0]), []).append(node)
            if isinstance(edge[0], Node) and id(edge[0]) not in seen:
                seen.add(id(edge[0]))
                stack.append(edge[0])
    needed: set = set()
    stack = [t for t, _ in capture]
    while stack:
        obj = stack.pop()
        for parent in parents.get(id(obj), ()):
            if id(parent) not in needed:
                needed.add(id(parent))
                stack.append(parent)
    for t, _ in capture:
        needed.add(id(t))
    return needed


def _add(a, b):
    """Sum two gradients, either possibly None (a zero never materialised)."""
    if a is None:
        return b
    if b is None:
        return a
    return a + b


def _as_tensor(g):
    return g if g is None or g.__class__ is _Tensor else _Tensor._make(np.asarray(g))


def run_backward(roots: Sequence, root_grads: Sequence, *, retain_graph: bool, create_graph: bool,
                 capture: Sequence | None = None, accumulate: bool = True,
                 tensor_rules: bool = False) -> list:
    """Propagate ``root_grads`` from ``roots`` (pairs ``(node_or_leaf, output_nr)``) to the leaves.

    With ``capture`` (pairs ``(node_or_leaf, output_nr)`` standing for tensors), the gradients
    reaching those tensors are returned in that order; with ``accumulate`` they are also (or
    only, without capture) added to leaves' ``.grad``.  ``tensor_rules`` runs the rules on
    Tensors, as under ``create_graph``, but without recording them (vmap's batched backward).
    """
    if _transforms.active:
        _transforms.check_backward()
    prev_mode = grad_mode.state.enabled
    grad_mode.state.enabled = create_graph
    try:
        return _sweep(roots, root_grads, retain_graph, create_graph or tensor_rules, capture,
                      accumulate)
    finally:
        grad_mode.state.enabled = prev_mode


def _sweep(roots, root_grads, retain_graph, create_graph, capture, accumulate):
    """Run the nodes in reverse order of creation (a valid reverse topological order, since a
    node's inputs are always made before it), from a heap of the nodes that received a gradient;
    no separate pass over the graph is needed.  Leaves are finished at the end, once every
    gradient that reaches them has been summed."""
    targets = [r for r, _ in roots]
    capture_at: dict = {}
    if capture is not None:
        for i, (t, nr) in enumerate(capture):
            capture_at.setdefault((id(t), nr), []).append(i)
    captured: list = [None] * (len(capture) if capture is not None else 0)
    needed = _needed(targets, capture) if capture is not None and not accumulate else None

    buffers: dict = {}
    heap: list = []
    leaves: list = []
    # Arrays that others may hold, never given to a .grad: the seeds and the gradients rules
    # passed on unchanged.  Weak references, so that a dead array's id, reused by a new
    # one, is not mistaken for it (see _owned).
    passed = {id(g): weakref.ref(g) for g in root_grads if g.__class__ is np.ndarray}
    for (target, nr), g in zip(roots, root_grads):
        if target not in buffers:
            if isinstance(target, Node):
                heap.append((-target._seq, target))
            else:
                leaves.append(target)
        _deposit(buffers, target, nr, g)
    heapq.heapify(heap)
    pop, push = heapq.heappop, heapq.heappush
    while heap:
        node = pop(heap)[1]
        grads = buffers.pop(node)
        n_out = node._n_outputs
        extra = node._extra
        if (extra is not None and (extra.pre_hooks or extra.retained)) or capture_at:
            outs = _pre_node(node, grads if n_out > 1 else [grads], create_graph, capture_at,
                             captured)
            grads = outs if n_out > 1 else outs[0]
        if (grads is None if n_out == 1 else all(g is None for g in grads)) or (
                needed is not None and id(node) not in needed):
            in_grads = [None] * len(node._next)
        else:
            if node._plain and not create_graph:  # Node.saved_values, inlined (hot path)
                saved = node._saved
                if saved is None:
                    raise RuntimeError(_FREED_MSG)
                for box, version, _ in node._checks:
                    if box[0] != version:
                        node._check_versions()  # raises, naming the tensor
                op = node.op
                if op.input_slots:
                    if retain_graph or saved.__class__ is not list:
                        saved = list(saved)  # the node keeps its tensors, or a shared tuple
                    for i in op.input_slots:  # else the list is freed below: convert in place
                        v = saved[i]
                        if isinstance(v, _Tensor):
                            saved[i] = v._data
                if not retain_graph and op.saves_tensors:
                    node._saved = None
                in_grads = op.backward(node, grads, saved)
            else:
                in_grads = node.op.backward(node, grads, node.saved_values(create_graph))
                if not retain_graph:
                    node.release()
            if (extra is not None and extra.hooks) or observers:
                _post_node(node, (grads,) if n_out == 1 else grads, in_grads)
        for edge, g in zip(node._next, in_grads):
            if edge is None:
                continue
            dest, nr, shape, dtype = edge
            if dest not in buffers:  # first gradient to reach dest: schedule it
                if dest.__class__ is _Tensor or not isinstance(dest, Node):
                    leaves.append(dest)
                else:
                    push(heap, (-dest._seq, dest))
                if g is None:
                    buffers[dest] = None if dest._n_outputs == 1 else [None] * dest._n_outputs
                    continue
            elif g is None:
                continue
            if g is grads or (n_out > 1 and any(g is o for o in grads)):
                if g.__class__ is np.ndarray:  # passed through unchanged: it goes on
                    passed[id(g)] = weakref.ref(g)
            if create_graph and g.__class__ is not _Tensor:
                if isinstance(g, _Tensor):  # a batched gradient (vmap): logical shape, dtype
                    arr = g._meta
                else:
                    g = _Tensor._make(np.asarray(g, dtype=dtype))
                    arr = g._data
            else:
                arr = g._data if create_graph else g
            if arr.shape != shape:
                # an array (ordinary backward) goes straight to NumPy; a Tensor is recorded
                g = (_sum_to_size.forward(g, shape) if g.__class__ is np.ndarray
                     else _sum_to_size(g, shape=shape))
            if arr.dtype is not dtype and arr.dtype != dtype:  # builtin dtypes are singletons
                if arr.dtype.kind == "c":  # from a complex op, whose real-number rules would
                    raise RuntimeError(COMPLEX_AUTOGRAD)  # have left out the conjugations
                g = _cast(g, dtype)
            if dest._n_outputs == 1:
                old = buffers.get(dest)
                buffers[dest] = g if old is None else old + g
            else:
                _deposit(buffers, dest, nr, g)
    plain = accumulate and not (create_graph or capture_at or observers)
    for leaf in leaves:
        grads = buffers.pop(leaf)
        if plain and leaf._grad is None and leaf._hooks is None and grads is not None:
            # The common end of a training step: the leaf takes the array (see _owned).
            if not _owned(grads, passed):
                grads = np.array(grads, copy=True)
            leaf._grad = _Tensor._make(grads)
            continue
        if observers and grads is not None:
            for fn in observers:
                fn(leaf, [grads], [])
        _finish_leaf(leaf, grads, create_graph, capture_at, captured, accumulate,
                     not observers and _owned(grads, passed))
    return captured


def _deposit(buffers: dict, target, nr: int, g) -> None:
    if target._n_outputs > 1:
        slot = buffers.get(target)
        if slot is None:
            slot = buffers[target] = [None] * target._n_outputs
        slot[nr] = _add(slot[nr], g)
    else:
        buffers[target] = _add(buffers.get(target), g)


def _post_node(node: Node, outs: Sequence, in_grads: list) -> None:
    """The node's own hooks, then the observers, once it has computed its input gradients."""
    extra = node._extra
    if extra is not None and extra.hooks:
        in_t = tuple(_as_tensor(g) for g in in_grads)
        out_t = tuple(_as_tensor(g) for g in outs)
        for hook in extra.hooks:
            hook(in_t, out_t)
    for fn in observers:
        fn(node, list(outs), in_grads)


def _pre_node(node: Node, outs: list, create_graph: bool, capture_at: dict, captured: list) -> list:
    """Tensor hooks, retain_grad and captures for the tensors this node produced."""
    extra = node._extra
    if extra is not None and (extra.pre_hooks or extra.retained):
        outs = list(outs)
        for nr in range(len(outs)):
            outs[nr] = _tensor_hooks(extra.pre_hooks, nr, outs[nr], create_graph)
            ref = extra.retained.get(nr) if extra.retained else None
            tensor = ref() if ref is not None else None
            if tensor is not None and outs[nr] is not None:
                _accumulate_into(tensor, outs[nr], create_graph)
    if capture_at:
        for nr, g in enumerate(outs):
            for i in capture_at.get((id(node), nr), ()):
                captured[i] = g
    return outs


def _tensor_hooks(hooks, nr: int, g, create_graph: bool):
    """Run the hooks registered with ``Tensor.register_hook`` on output ``nr``."""
    if not hooks or g is None:
        return g
    for hook_nr, fn in list(hooks):
        if hook_nr != nr:
            continue
        was_array = g.__class__ is not _Tensor
        result = fn(_as_tensor(g))
        if result is not None:
            g = result if create_graph or not was_array else result._data
    return g


def _finish_leaf(leaf, g, create_graph: bool, capture_at: dict, captured: list, accumulate: bool,
                 owned: bool = False):
    if g is None:
        return
    if leaf._hooks:
        g = _tensor_hooks(leaf._hooks, 0, g, create_graph)
        owned = False  # a hook may keep the array it was given, or return one the user holds
    for i in capture_at.get((id(leaf), 0), ()):
        captured[i] = g
        owned = False
    if accumulate and (not capture_at or (id(leaf), 0) in capture_at):
        _accumulate_into(leaf, g, create_graph, owned)
        if leaf._hooks:
            for hook_nr, fn in list(leaf._hooks):
                if hook_nr == POST_ACCUMULATE:
                    fn(leaf)


def _owned(g, passed: dict) -> bool:
    """Whether the array ``g`` reaching a leaf belongs to nobody else, so ``.grad`` may take it
    instead of a copy: made by a rule (not passed through unchanged, not a seed the caller
    gave) and owning its memory (not a view of another gradient)."""
    if g.__class__ is not np.ndarray or g.base is not None:
        return False
    ref = passed.get(id(g))
    return ref is None or ref() is not g


def _accumulate_into(tensor, g, create_graph: bool, owned: bool = False) -> None:
    """``tensor.grad += g`` as torch does it: in place unless building a graph."""
    old = tensor._grad
    if create_graph:
        g = _as_tensor(g)
        tensor._grad = g if old is None else old + g
    elif old is None:
        data = g._data if g.__class__ is _Tensor else g
        tensor._grad = _Tensor._make(data if owned else np.array(data, copy=True))
    elif old._requires_grad:
        tensor._grad = _Tensor._make(old._data + (g._data if g.__class__ is _Tensor else g))
    else:
        old._data += g._data if g.__class__ is _Tensor else g
        old._bump()


def bind(tensor_cls=None, sum_to_size=None, cast=None) -> None:
    """Late binding of the pieces that live in modules importing this one."""
    global _Tensor, _sum_to_size, _cast
    if tensor_cls is not None:
        _Tensor = tensor_cls
    if sum_to_size is not None:
        _sum_to_size = sum_to_size
    if cast is not None:
        _cast = cast


def retain(node: Node, nr: int, tensor) -> None:
    """Make ``tensor`` (output ``nr`` of ``node``) receive its gradient in ``.grad``."""
    extra = node._extras()
    if extra.retained is None:
        extra.retained = {}
    extra.retained[nr] = weakref.ref(tensor)
