"""One declaration per op: its forward on NumPy arrays and its derivative rules, side by side.

Ops are declared by kind, so that most derivative rules are one line:

* ``elementwise``: give the local partial derivative of the result for each input
  (``sin: input=lambda input: cos(input)``); the VJP ``g * partial`` and the JVP
  ``sum(t_i * partial_i)`` are derived.
* ``linear``: give the transpose (the VJP); the JVP is the op applied to the tangent.
* ``bilinear``: give one VJP per argument; the JVP is the product rule.
* ``general``: give the VJPs (and, optionally, the JVP) by hand.

Rules name what they read by torch's argument names: an input (``input``, ``other``), its shape
(``input_shape``), a parameter (``dim``), or the op's ``result``.  The registry saves exactly those
values when the op is recorded.  Rules are written with tapegrad's own ops and operators, which
accept raw arrays as well as Tensors: the engine feeds them arrays for an ordinary backward (cheap)
and Tensors under ``create_graph=True`` (recorded, hence differentiable again).

Calling an op with raw arrays runs the forward only; with Tensors it returns a Tensor and, when grad
mode is on and an input requires grad, records a node.
"""
from __future__ import annotations

import inspect
from typing import Any, Callable, Sequence

import numpy as np

from .. import _dtype
from ..autograd import grad_mode
from ..autograd._engine import Node, _next_seq
from . import _transforms

REGISTRY: dict[str, "Op"] = {}
"""Every declared op by name; tests walk it to check each rule."""

Tensor: Any = None            # these three are bound by bind() once _tensor.py is loaded
_check_view: Any = None       # _tensor.check_view
_view_generation: Any = None  # _tensor.view_generation


_new_node = object.__new__

_CPP_NODE_NAMES = {"CopySlices": "torch::autograd::CopySlices"}


class Op:
    """A declared operation; calling it applies the op (see module docstring).

    Each op carries its own docstring, so ``help(tapegrad.sin)`` describes sin: it is written
    once, when the op is declared, from the declaration (signature, kind, grad_fn, which inputs
    are differentiable); ``doc=`` puts a hand-written line on top.
    """

    def __init__(self, name: str, forward: Callable, grad_fn: str, args: Sequence[str], *,
                 vjps: Sequence[Callable | None] = (), jvp: Callable | None = None,
                 promote: str | None = None, differentiable: bool = True, view: bool = False,
                 multi_output: bool = False, kind: str = "general",
                 partials: Sequence[Callable | int | None] = (), doc: str | None = None) -> None:
        self.name = name
        self.forward = forward
        self.args = tuple(args)
        self.kind = kind
        self.promote = promote
        self.differentiable = differentiable
        self.view = view
        self.multi_output = multi_output
        self.variadic = bool(args) and args[0].startswith("*")
        self._arg_names = frozenset(a for a in self.args if not a.startswith("*"))
        self.partials = tuple(partials)
        body = {"__slots__": (), "op": self}
        if grad_fn in _CPP_NODE_NAMES:  # nodes torch implements in C++ answer name() with these
            body["name"] = lambda node, full=_CPP_NODE_NAMES[grad_fn]: full
        self.node_cls = type(grad_fn, (Node,), body)
        self.vjps = tuple(vjps)
        self._jvp = jvp
        # Which values the rules read, resolved by parameter name.  The first parameter of a
        # VJP or JVP rule is the incoming gradient (or the tangents), not a saved value.
        reads = [_reads(r, True) for r in (*self.vjps, jvp) if callable(r)]
        reads += [_reads(p, False) for p in self.partials if callable(p)]
        wanted: list[str] = []
        for names in reads:
            for p in names:
                if p not in wanted:
                    wanted.append(p)
        self.saved_names = tuple(wanted)
        self.save_plan = tuple(_plan(n, self.args) for n in wanted)
        self.input_slots = tuple(i for i, n in enumerate(wanted) if n in self.args)
        self.result_slot = wanted.index("result") if "result" in wanted else -1
        self.saves_tensors = bool(self.input_slots) or self.result_slot >= 0
        self._plans: dict[int, tuple] = {}  # save plans by requires-grad mask (see _plan_for)
        self.vjp_args = tuple(_slots_for(_reads(r, True), wanted) if callable(r) else ()
                              for r in self.vjps)
        self.jvp_args = _slots_for(_reads(jvp, True), wanted) if callable(jvp) else ()
        self.partial_args = tuple(_slots_for(_reads(p, False), wanted) if callable(p) else ()
                                  for p in self.partials)
        # The VJPs as the engine calls them, rule(g, saved), with the saved values picked out.
        parts = self.partials or (None,) * len(self.vjps)
        self._bound = tuple(_bind(rule, slots, part) for rule, slots, part
                            in zip(self.vjps, self.vjp_args, parts))
        self.__doc__ = _docs.describe(self, doc)
        fast = _fast.fast_path(self)
        if fast is not None:  # calls with one or two plain operands skip the general path
            self.__class__ = type(type(self).__name__, (type(self),),
                                  {"__call__": staticmethod(fast), "fast": staticmethod(fast)})
        REGISTRY[name] = self

    def __repr__(self) -> str:
        return f"<op {self.name} ({self.kind}) -> {self.node_cls.__name__}>"

    # -- applying ------------------------------------------------------------------------------
    def __call__(self, *args: Any, **params: Any) -> Any:
        if params and not self._arg_names.isdisjoint(params):  # torch.sin(input=x)
            args, params = self._by_position(args, params)
        for a in args:
            if isinstance(a, Tensor):
                if _transforms.active:
                    return _transforms.dispatch(self, args, params)
                return self.record(args, params)
        return self.forward(*args, **params)

    def _by_position(self, args: tuple, params: dict) -> tuple[tuple, dict]:
        """Operands given by torch's keyword names (``input=``, ``other=``) moved into place."""
        params = dict(params)
        args = list(args)
        for name in self.args[len(args):]:
            if name not in params:
                break
            args.append(params.pop(name))
        clash = self._arg_names.intersection(params)
        if clash:
            name = sorted(clash)[0]
            raise TypeError(f"{self.name}() got multiple values for argument '{name}'"
                            if name in self.args[:len(args)] else
                            f"{self.name}() missing an operand before '{name}'")
        return tuple(args), params

    def record(self, args: Sequence, params: dict) -> Any:
        """Run the forward on Tensors' arrays and, if needed, record a node."""
        arrays = []
        edges = []
        needs = 0  # bit i set: args[i] requires grad
        bit = 1
        for a in args:
            if isinstance(a, Tensor):
                d = a._data
                arrays.append(d)
                if a._requires_grad:
                    needs |= bit
                    if a._base is not None and grad_mode.state.enabled:
                        _check_view(a)
                    edges.append((a._grad_fn or a, a._output_nr, d.shape, d.dtype))
                else:
                    edges.append(None)
            else:
                arrays.append(a)
                edges.append(None)
            bit <<= 1
        out_dtype = None
        promote = self.promote
        if promote is not None:
            first = arrays[0]
            if promote == "float":
                if first.dtype.kind not in "fc":
                    arrays, out_dtype = _promote(promote, arrays)
            elif promote == "promote" and len(arrays) == 2 and (
                    (arrays[1].__class__ is float and first.dtype.kind == "f")
                    or (arrays[1].__class__ is np.ndarray and arrays[1].dtype is first.dtype)):
                out_dtype = first.dtype  # tensor op float, or same dtypes: nothing to promote
            else:
                arrays, out_dtype = _promote(promote, arrays)
        try:
            out = self.forward(*arrays, **params)
        except ValueError as exc:
            raise _shape_error(self, arrays, exc) from None
        if self.multi_output:
            return self._wrap_many([_as_array(o, out_dtype) for o in out], args, params, needs)
        if out.__class__ is not np.ndarray or (out_dtype is not None and out.dtype is not out_dtype
                                               and out.dtype != out_dtype):
            out = _as_array(out, out_dtype)
        if needs and self.differentiable and grad_mode.state.enabled and out.dtype.kind in "fc":
            plan = self._plans.get(needs) or self._plan_for(needs)
            saved, checks = _save(plan, args, params, out)
            node = _new_node(self.node_cls)  # Node.__init__'s fields, set inline (hot path)
            node._seq = _next_seq()
            node._next = tuple(edges)
            node._saved = saved
            node._checks = checks
            node._n_outputs = 1
            node._extra = None
            result = Tensor._make(out, node, True)
            if plan[1]:  # the rules read the result: it must not change in place either
                node._checks = checks + ((result._version_box(), 0, -1),)
        else:
            result = Tensor._make(out)
        if self.view:
            src = args[0]
            root = result._base = src._base if src._base is not None else src
            box = root._vbox
            if box is not None and len(box) > 1:  # the base's history was replaced before
                result._view_gen = box[1]
        return result

    def _wrap_many(self, outs: list, args: Sequence, params: dict, needs: int) -> tuple:
        if needs and self.differentiable and grad_mode.state.enabled and outs[0].dtype.kind in "fc":
            plan = self._plans.get(needs) or self._plan_for(needs)
            node = self.node_cls(_edges(args, needs), *_save(plan, args, params, None))
            node._n_outputs = len(outs)
            results = [Tensor._make(o, node, True, nr) for nr, o in enumerate(outs)]
        else:
            results = [Tensor._make(o) for o in outs]
        if self.view:
            root = args[0]._base if args[0]._base is not None else args[0]
            made = _view_generation(root)
            for r in results:
                r._base = root
                if made:
                    r._view_gen = made
        return tuple(results)

    def _plan_for(self, needs: int) -> tuple:
        """What to save when the inputs in the bit mask ``needs`` require grad: only the values
        their VJP rules read (``x * 2`` keeps the 2, not x).  Cached per mask.

        A plan is a plain tuple, read by index on the hot path: ``(steps, reads_result,
        n_slots, empty, operands_only)`` where ``steps`` are ``(slot, kind, key)`` triples,
        ``empty`` is ``(None,) * n_slots`` and ``operands_only`` says that every step saves the
        first or second operand or the result (the fast entry saves those inline)."""
        if self.variadic:
            slots = set(self.vjp_args[0]) if self.vjps[0] is not None else set()
        else:
            slots = set()
            for i, (rule, read) in enumerate(zip(self.vjps, self.vjp_args)):
                if needs >> i & 1 and rule is not None:
                    slots.update(read)
        steps = tuple((slot, *self.save_plan[slot]) for slot in sorted(slots))
        n_slots = len(self.save_plan)
        operands_only = all(kind in (_INPUT, _RESULT) and (kind == _RESULT or key < 2)
                            for _, kind, key in steps)
        plan = (steps, self.result_slot in slots, n_slots, (None,) * n_slots, operands_only)
        self._plans[needs] = plan
        return plan

    # -- derivatives ---------------------------------------------------------------------------
    def backward(self, node: Node, g: Any, saved: list) -> list:
        """Gradients for each input (None where the input needs none)."""
        if self.variadic:  # one rule returns the gradients of all inputs
            grads = self.vjps[0](g, *[saved[i] for i in self.vjp_args[0]])
            return [None if e is None else gi for e, gi in zip(node._next, grads)]
        edges = node._next
        n = len(edges)
        if n == 1:  # unary and binary nodes are the common ones: no comprehension's frame
            rule = self._bound[0]
            grads = [None if edges[0] is None or rule is None else rule(g, saved)]
        elif n == 2:
            first, second = edges
            rule0, rule1 = self._bound
            grads = [None if first is None or rule0 is None else rule0(g, saved),
                     None if second is None or rule1 is None else rule1(g, saved)]
        else:
            grads = [None if edge is None or rule is None else rule(g, saved)
                     for edge, rule in zip(edges, self._bound)]
        if masked_zero_grads and self.kind == "elementwise":
            grads = [_keep_zeros(g, gi) for gi in grads]
        return grads

    def jvp(self, saved: list, tangents: list) -> Any:
        """Tangent of the result given tangents of the inputs (None = zero tangent)."""
        if self._jvp is None:
            raise NotImplementedError(f"forward-mode AD is not implemented for {self.name}")
        return self._jvp(tangents, *[saved[i] for i in self.jvp_args])

    def save_for(self, args: Sequence, params: dict, result: Any) -> list:
        """The values the rules read, for callers outside the engine (forward mode)."""
        return [_resolve(n, self, args, params, result) for n in self.saved_names]


masked_zero_grads = False
"""Masked-where mode (``tapegrad.autograd.set_masked_where``): a zero gradient entering an
elementwise op leaves it as an exact zero, even where the local derivative is inf or NaN."""


def _keep_zeros(g: Any, grad: Any) -> Any:
    if grad is None:
        return None
    zero = raw(g) == 0
    if not zero.any():
        return grad
    if isinstance(grad, Tensor):
        return WHERE(lift(grad, zero), 0.0, grad)
    return np.where(zero, np.zeros((), grad.dtype), grad)


WHERE: Any = None  # the where op, bound by elementwise.py
REFUSE_BOOL_SUB: Any = None  # raises torch's error for a bool operand; bound by elementwise.py


def _param_names(fn: Callable) -> list[str]:
    return list(inspect.signature(fn).parameters)


def _reads(rule: Callable, skip_first: bool) -> list[str]:
    names = _param_names(rule)
    return names[1:] if skip_first else names


def _slots_for(names: list[str], wanted: list[str]) -> tuple[int, ...]:
    return tuple(wanted.index(p) for p in names)


def _resolve(name: str, op: Op, args: Sequence, params: dict, result: Any) -> Any:
    if name == "result":
        return result
    if name in op.args:
        return args[op.args.index(name)]
    if name.endswith("_shape") and name[:-6] in op.args:
        a = args[op.args.index(name[:-6])]
        return a.shape if isinstance(a, (Tensor, np.ndarray)) else ()
    if name in params:
        return params[name]
    raise TypeError(f"derivative rule of {op.name} reads unknown value {name!r}")


def _any_requires_grad(args: Sequence) -> bool:
    for a in args:
        if isinstance(a, Tensor) and a._requires_grad:
            return True
    return False


_INPUT, _SHAPE, _PARAM, _RESULT = range(4)


def _plan(name: str, args: tuple) -> tuple:
    """How to fetch a saved value by name, decided once per op."""
    if name == "result":
        return (_RESULT, None)
    if name in args:
        return (_INPUT, args.index(name))
    if name.endswith("_shape") and name[:-6] in args:
        return (_SHAPE, args.index(name[:-6]))
    return (_PARAM, name)


def _save(plan: tuple, args: Sequence, params: dict, result: Any) -> tuple[list, tuple]:
    """The values a node keeps (None in the slots no needed rule reads) and their version checks
    ``(version box, version, slot)``; the box is shared by a tensor and its views."""
    steps, _, _, empty, _ = plan
    saved = list(empty)
    checks: tuple = ()
    for slot, kind, key in steps:
        if kind == _INPUT:
            v = args[key]
            if isinstance(v, Tensor):
                box = v._version_box()
                checks += ((box, box[0], slot),)
        elif kind == _RESULT:
            v = result
        elif kind == _PARAM:
            v = params[key]
        else:
            a = args[key]
            v = a.shape if isinstance(a, (Tensor, np.ndarray)) else ()
        saved[slot] = v
    return saved, checks


def _shape_error(op: Op, arrays: list, exc: ValueError) -> Exception:
    """torch's message for operands that do not broadcast; other errors pass through."""
    shapes = [np.shape(a) for a in arrays if isinstance(a, np.ndarray)]
    if len(shapes) == 2 and "broadcast" in str(exc):
        a, b = shapes
        n = max(len(a), len(b))
        a, b = (1,) * (n - len(a)) + a, (1,) * (n - len(b)) + b
        for i in range(n - 1, -1, -1):
            if a[i] != b[i] and a[i] != 1 and b[i] != 1:
                return RuntimeError(f"The size of tensor a ({a[i]}) must match the size of tensor b "
                                    f"({b[i]}) at non-singleton dimension {i}")
    return exc


def _edges(args: Sequence, needs: int = -1) -> tuple:
    """One edge per argument: ``(node or leaf, output_nr, shape, dtype)`` where it requires grad
    (and its bit is set in ``needs``), else None."""
    edges = []
    for a in args:
        if needs & 1 and isinstance(a, Tensor) and a._requires_grad:
            d = a._data
            edges.append((a._grad_fn or a, a._output_nr, d.shape, d.dtype))
        else:
            edges.append(None)
        needs >>= 1
    return tuple(edges)


def _as_array(out: Any, dtype: np.dtype | None) -> np.ndarray:
    if out.__class__ is not np.ndarray:
        out = np.asarray(out)
    if dtype is not None and out.dtype != dtype:
        out = out.astype(dtype)
    return out


def _promote(rule: str, arrays: list) -> tuple[list, np.dtype | None]:
    """Cast array operands to torch's computation dtype; return the result dtype."""
    if rule == "float":  # unary ops that only make sense on floats: ints become the default float
        a = arrays[0]
        if a.dtype.kind not in "fc":
            return [a.astype(_dtype.default_float())] + arrays[1:], None
        return arrays, None
    if rule == "sub":  # "promote", once bools are refused (promotion would turn them to ints)
        REFUSE_BOOL_SUB(*arrays)
        rule = "promote"
    if rule == "where":
        cond, a, b = arrays
        if cond.dtype != _dtype.BOOL:
            raise RuntimeError("where expected condition to be a boolean tensor, but got a tensor "
                               f"with dtype {_dtype.torch_name(cond.dtype)}")
        common = _dtype.result_dtype(a, b)
        return [cond] + [x.astype(common) if x.__class__ is np.ndarray and x.dtype != common
                         else x for x in (a, b)], common
    if len(arrays) == 2:
        a, b = arrays
        bc = b.__class__
        if bc is np.ndarray and a.dtype is b.dtype or (bc is float and a.dtype.kind == "f"):
            common = a.dtype  # the common case: nothing to cast
            if rule == "compare":
                return arrays, _dtype.BOOL
            if rule != "float_binary" or common.kind in "fc":
                return arrays, common
        common = _dtype.result_dtype(a, b)
    else:
        common = arrays[0].dtype
        for b in arrays[1:]:
            common = _dtype.result_dtype(np.empty((1,), common), b)
    if rule == "float_binary" and common.kind not in "fc":
        common = _dtype.default_float()
    arrays = [x.astype(common) if x.__class__ is np.ndarray and x.dtype != common else x
              for x in arrays]
    if rule == "compare":
        return arrays, _dtype.BOOL
    return arrays, common


def raw(x: Any) -> Any:
    """The array behind a Tensor (rules that need plain values, e.g. masks)."""
    return x._data if isinstance(x, Tensor) else x


def zeros_like(x: Any) -> Any:
    """Zeros of ``x``'s shape and dtype, of its kind (an array, or a constant Tensor)."""
    return lift(x, np.zeros(tuple(x.shape), x.dtype.np if isinstance(x, Tensor) else x.dtype))


def lift(like: Any, array: np.ndarray) -> Any:
    """``array`` as a constant of the same kind as ``like``: a Tensor when rules run on Tensors."""
    return Tensor._make(array) if isinstance(like, Tensor) else array


# -- declaring ops by kind ---------------------------------------------------------------------
def _scaled(partial: Callable | int | None) -> Callable | None:
    """The VJP ``g * partial`` for an elementwise partial derivative."""
    if partial is None:
        return None
    if partial == 1 and not callable(partial):
        return lambda g: g
    if partial == -1 and not callable(partial):
        return lambda g: -g
    if partial == 0 and not callable(partial):  # piecewise constant: a zero gradient (not g * 0,
        return lambda g: zeros_like(g)          # which is -0.0 where g is negative)
    rule = partial
    names = _param_names(rule)
    # Keep the partial's parameter names so that the registry saves the same values.
    return _with_params(lambda g, *a: g * rule(*a), ["g", *names])


def _bind(rule: Callable | None, slots: tuple, partial: Any = None) -> Callable | None:
    """``rule`` as ``f(g, saved)`` reading its values from the saved list; an elementwise rule
    becomes ``g * partial(...)`` in one call.  Spelled out for few values: this runs once per
    node in every backward pass."""
    if rule is None:
        return None
    if partial is not None and not callable(partial):  # a constant partial: 1, -1 or 0
        return {1: lambda g, s: g, -1: lambda g, s: -g, 0: lambda g, s: zeros_like(g)}[partial]
    if partial is not None:
        f = partial
        if len(slots) == 1:
            (i,) = slots
            return lambda g, s: g * f(s[i])
        if len(slots) == 2:
            i, j = slots
            return lambda g, s: g * f(s[i], s[j])
        return lambda g, s: g * f(*[s[k] for k in slots])
    f = rule
    if not slots:
        return lambda g, s: f(g)
    if len(slots) == 1:
        (i,) = slots
        return lambda g, s: f(g, s[i])
    if len(slots) == 2:
        i, j = slots
        return lambda g, s: f(g, s[i], s[j])
    return lambda g, s: f(g, *[s[k] for k in slots])


def _with_params(fn: Callable, names: list[str]) -> Callable:
    fn.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [inspect.Parameter(n, inspect.Parameter.POSITIONAL_ONLY) for n in names])
    return fn


def elementwise(name: str, forward: Callable, grad_fn: str, args: Sequence[str] = ("input",), *,
                promote: str | None = "same", doc: str | None = None,
                **partials: Callable | int | None) -> Op:
    """An op applied element by element; ``partials`` maps input names to d(result)/d(input)."""
    parts = [partials.get(a) for a in args]
    names = sorted({p for part in parts if callable(part) for p in _param_names(part)})

    def jvp(tangents, *vals):
        env = dict(zip(names, vals))
        total = None
        for t, part in zip(tangents, parts):
            if t is None or part is None:
                continue
            if callable(part):
                term = t * part(*[env[p] for p in _param_names(part)])
            elif part == 0:
                term = zeros_like(t)
            else:
                term = t if part == 1 else -t
            total = term if total is None else total + term
        return total

    return Op(name, forward, grad_fn, args, vjps=[_scaled(p) for p in parts],
              jvp=_with_params(jvp, ["tangents", *names]), promote=promote, kind="elementwise",
              partials=parts, doc=doc)


def linear(name: str, forward: Callable, grad_fn: str, transpose: Callable, *,
           args: Sequence[str] = ("input",), params: Sequence[str] = (), **kw: Any) -> Op:
    """An op linear in its one tensor input; ``transpose(g, ...)`` is its VJP.

    ``params`` names the keyword parameters the forward takes, so the JVP can re-apply it.
    """
    def jvp(tangents, *vals):
        t = tangents[0]
        return None if t is None else op(t, *vals[:len(args) - 1], **dict(zip(params, vals[len(args) - 1:])))

    extra = [a for a in args[1:]] + list(params)
    op = Op(name, forward, grad_fn, args, vjps=[transpose] + [None] * (len(args) - 1),
            jvp=_with_params(jvp, ["tangents", *extra]), kind="linear", **kw)
    return op


def bilinear(name: str, forward: Callable, grad_fn: str, args: Sequence[str] = ("input", "other"),
             *, params: Sequence[str] = (), doc: str | None = None, **vjps: Callable) -> Op:
    """An op linear in each of its two inputs separately (products): JVP by the product rule."""
    a_name, b_name = args

    def jvp(tangents, a, b, *vals):
        kw = dict(zip(params, vals))
        ta, tb = tangents
        first = None if ta is None else op(ta, b, **kw)
        second = None if tb is None else op(a, tb, **kw)
        if first is None:
            return second
        return first if second is None else first + second

    op = Op(name, forward, grad_fn, args, vjps=[vjps.get(a) for a in args],
            jvp=_with_params(jvp, ["tangents", a_name, b_name, *params]), kind="bilinear", doc=doc)
    return op


def general(name: str, forward: Callable, grad_fn: str, args: Sequence[str] = ("input",), *,
            jvp: Callable | None = None, **kw: Any) -> Op:
    """An op whose rules are given by hand: ``vjp_<arg>=rule(g, ...)`` for each input."""
    vjps = [kw.pop(f"vjp_{a.lstrip('*')}", None) for a in args]
    return Op(name, forward, grad_fn, args, vjps=vjps, jvp=jvp, kind="general", **kw)


def nondifferentiable(name: str, forward: Callable, args: Sequence[str] = ("input",), **kw: Any) -> Op:
    """An op with no derivative (comparisons, argmax, ...): results never require grad."""
    return Op(name, forward, "NotDifferentiable", args, differentiable=False, kind="none", **kw)


def bind(tensor_cls: Any, check_view: Any, view_generation: Any) -> None:
    """Late binding of what lives in _tensor.py (an import cycle), here and in the fast entries."""
    global Tensor, _check_view, _view_generation
    Tensor = _fast.Tensor = tensor_cls
    from .._tensor import PLAIN_SUBCLASSES
    _fast._PLAIN = PLAIN_SUBCLASSES  # the same set object: subclasses defined later join it
    _check_view = _fast._check_view = check_view
    _view_generation = view_generation


from . import _docs, _fast  # noqa: E402  (they build on the registry above)
