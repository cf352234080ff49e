"""Custom differentiable operations written by the user: ``tapegrad.autograd.Function``.

A subclass gives the forward computation and its derivative side by side, as staticmethods::

    class MyExp(tapegrad.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            y = x.exp()
            ctx.save_for_backward(y)
            return y

        @staticmethod
        def backward(ctx, grad):
            (y,) = ctx.saved_tensors
            return grad * y

    y = MyExp.apply(x)          # y.grad_fn is a MyExpBackward node

The newer style, ``forward(*args)`` plus ``setup_context(ctx, inputs, output)``, works too, and a
``jvp(ctx, *tangents)`` staticmethod gives the forward-mode rule.

How it fits the engine: ``apply`` creates the graph node first and hands it to ``forward`` as
``ctx`` (as torch does, the context *is* the ``<Name>Backward`` node).  ``forward`` runs with grad
mode off; its Tensor outputs are then attached to the node.  When the engine reaches the node it
calls the user's ``backward`` with grad mode equal to ``create_graph``, so a ``backward`` written
with tapegrad's ops is differentiable again unless it is wrapped in ``once_differentiable``.
Saved tensors are checked against in-place changes when they are read, like the registry's ops.

Under a transform (a forward-AD or vmap level, see ``_ops/_transforms.py``) ``apply`` goes through
the transform stack with an op-like object for the call (``_Application``): the transforms run
the forward below their level and ask it for the tangent of the outputs (``jvp``).
"""
from __future__ import annotations

import functools
import inspect
import types
import warnings
from typing import Any, Callable

import numpy as np

from .._ops import _transforms
from . import _engine, grad_mode
from ._engine import Node

__all__ = ["Function", "FunctionCtx", "BackwardCFunction", "once_differentiable"]

_NO_FORWARD = "You must implement the forward function for custom autograd.Function."
_NO_BACKWARD = ("You must implement either the backward or vjp method for your custom "
                "autograd.Function to use it with backward mode AD.")
_NO_JVP = ("You must implement the jvp function for custom autograd.Function to use it with "
           "forward mode AD.")
_ONCE = "trying to differentiate twice a function that was marked with @once_differentiable"
_BOTH_BACKWARD_AND_VJP = ("Implementing both 'backward' and 'vjp' for a custom Function is not "
                          "allowed. You should only implement one of them.")


def _tensor_cls():
    return _engine._Tensor


class FunctionCtx:
    """What ``forward`` tells ``backward`` and ``jvp``: saved tensors, marks, and any attribute.

    ``ctx.k = 3`` stores a non-tensor value; tensors go through ``save_for_backward`` so that
    in-place changes to them are detected and they are freed after backward.
    """

    def save_for_backward(self, *tensors: Any) -> None:
        """Keep tensors (or None) for ``backward``; read them back with ``ctx.saved_tensors``."""
        Tensor = _tensor_cls()
        for i, t in enumerate(tensors):
            if t is not None and not isinstance(t, Tensor):
                raise TypeError(f"save_for_backward can only save variables, but argument {i} is "
                                f"of type {type(t).__name__}")
        self.to_save = tensors

    def save_for_forward(self, *tensors: Any) -> None:
        """Keep tensors for ``jvp``; inside ``jvp`` they are ``ctx.saved_tensors``."""
        Tensor = _tensor_cls()
        for t in tensors:
            if t is not None and not isinstance(t, Tensor):
                raise AssertionError("save_for_forward expects all arguments to be tensors; you "
                                     "should save non-tensors as attributes on ctx.")
        self.saved_for_forward = tensors

    def mark_dirty(self, *args: Any) -> None:
        """Declare inputs that ``forward`` modified in place (they must be returned as outputs)."""
        self.dirty_tensors = args

    def mark_non_differentiable(self, *args: Any) -> None:
        """Declare outputs that are not differentiable (indices, masks): they won't require grad.

        ``backward`` still receives a gradient for each of them (zeros).
        """
        self.non_differentiable = args

    def set_materialize_grads(self, value: bool) -> None:
        """``False``: ``backward`` receives ``None`` for outputs that got no gradient (default: zeros)."""
        self.materialize_grads = bool(value)


class BackwardCFunction(Node, FunctionCtx):
    """The node of one ``Function.apply`` call, and the ``ctx`` its staticmethods receive.

    Each Function subclass gets its own subclass of this, named ``<ClassName>Backward``.
    """

    _forward_cls: Any = None
    _plain = False  # its own saved_values and release
    _freed = False
    materialize_grads = True
    non_differentiable: tuple = ()
    dirty_tensors: tuple = ()
    saved_for_forward: tuple = ()
    needs_input_grad: tuple = ()
    _in_jvp = False
    _tensor_inputs: tuple = ()   # per input: was it a Tensor
    _out_meta: tuple = ()        # per output: (shape, dtype), or None for a non-Tensor output

    @property
    def saved_tensors(self) -> tuple:
        """The tensors given to ``save_for_backward`` (in ``jvp``: to ``save_for_forward``)."""
        if self._in_jvp:
            return tuple(self.saved_for_forward)
        if self._freed:
            raise RuntimeError(_engine._FREED_MSG)
        out = []
        for entry in self._saved:
            if entry is None:
                out.append(None)
                continue
            tensor, box, version = self._unpack(entry)
            if box[0] != version:
                probe = types.SimpleNamespace(_saved=(tensor,))
                raise RuntimeError(_engine._modified_message(probe, 0, box[0], version))
            out.append(tensor)
        return tuple(out)

    def _unpack(self, entry: tuple) -> tuple:
        """A saved entry as (tensor, version box, version when saved)."""
        if entry[0] == "input":
            return entry[1], entry[2], entry[3]
        # One of this node's own outputs: kept as its array, so node and output form no cycle.
        _, data, nr, box, version, base = entry
        t = _tensor_cls()._make(data, self, True, nr)
        if base is None:
            t._vbox = box
        else:
            t._base = base
        return t, box, version

    def saved_values(self, create_graph: bool) -> tuple:
        return ()  # the user's backward reads ctx.saved_tensors itself

    def release(self) -> None:
        if self._saved:
            self._saved = ()
            self._freed = True


class _FunctionOp:
    """The ``op`` of a Function's node class: what the engine calls during backward."""

    differentiable = True
    kind = "function"
    multi_output = False
    saves_tensors = True
    result_slot = -1
    input_slots = ()

    def __init__(self, fn_cls: type) -> None:
        self.fn_cls = fn_cls
        self.name = fn_cls.__name__

    def __repr__(self) -> str:
        return f"<custom Function {self.name}>"

    def backward(self, node: BackwardCFunction, g: Any, saved: Any) -> list:
        Tensor = _tensor_cls()
        grads = list(g) if node._n_outputs > 1 else [g]
        # The engine hands arrays for a plain backward, Tensors when the rules must run on
        # Tensors (create_graph, or vmap's batched backward); answer in the same currency.
        as_tensors = False
        for nr, meta in enumerate(node._out_meta):
            gi = grads[nr]
            if meta is None:            # a non-Tensor output has no gradient
                grads[nr] = None
            elif gi is None:
                if node.materialize_grads:
                    grads[nr] = Tensor._make(np.zeros(meta[0], dtype=meta[1]))
            elif isinstance(gi, Tensor):
                as_tensors = True
            else:
                grads[nr] = Tensor._make(np.asarray(gi))
        result = _user_backward(self.fn_cls)(node, *grads)
        return _checked_grads(node, result, as_tensors)


def _user_backward(cls: type) -> Callable:
    backward, vjp = cls.backward, cls.vjp
    if backward is not Function.backward and vjp is not Function.vjp:
        raise RuntimeError(_BOTH_BACKWARD_AND_VJP)
    return vjp if vjp is not Function.vjp else backward


def _checked_grads(node: BackwardCFunction, result: Any, as_tensors: bool) -> list:
    """One gradient per input, validated with torch's messages; as Tensors or as arrays."""
    Tensor = _tensor_cls()
    got = result if isinstance(result, tuple) else (result,)
    n = len(node._next)
    if len(got) > n and all(x is None for x in got[n:]):
        got = got[:n]   # trailing Nones are allowed
    if len(got) != n:
        raise RuntimeError(f"function {node.name()} returned an incorrect number of gradients "
                           f"(expected {n}, got {len(got)})")
    out = []
    for i, (gi, edge, was_tensor) in enumerate(zip(got, node._next, node._tensor_inputs)):
        if gi is None:
            out.append(None)
            continue
        if not isinstance(gi, Tensor):
            raise RuntimeError(f"expected Variable or None (got {type(gi).__name__})")
        if not was_tensor:
            raise RuntimeError(f"function {node.name()} returned a gradient different than None "
                               f"at position {i + 1}, but the corresponding forward input was "
                               "not a Variable")
        if edge is None:
            out.append(None)
            continue
        shape, gshape = edge[2], tuple(gi.shape)
        if gshape != shape and not _expandable(shape, gshape):
            raise RuntimeError(f"Function {node.name()} returned an invalid gradient at index {i} "
                               f"- got {list(gshape)} but expected shape compatible with "
                               f"{list(shape)}")
        out.append(gi if as_tensors else gi._data)   # the engine sums broadcast gradients
    return out


def _expandable(shape: tuple, to: tuple) -> bool:
    """Whether a tensor of ``shape`` broadcasts to ``to`` (so a gradient of ``to`` can be summed)."""
    if len(shape) > len(to):
        return False
    return all(s == d or s == 1 for s, d in zip(shape[::-1], to[::-1]))


class Function:
    """Base class of custom differentiable operations (see the module docstring).

    Subclasses define ``forward`` and ``backward`` (or ``vjp``) staticmethods, optionally
    ``setup_context`` and ``jvp``, and are called through the classmethod ``apply``.
    """

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._backward_cls = type(f"{cls.__name__}Backward", (BackwardCFunction,),
                                 {"_forward_cls": cls, "op": _FunctionOp(cls)})
        cls._signature = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        warnings.warn(f"{self.__class__} should not be instantiated. Methods on autograd functions "
                      "are all static, so you should invoke them on the class itself. "
                      "Instantiating an autograd function will raise an error in a future "
                      "version of PyTorch.", DeprecationWarning, stacklevel=2)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("Legacy autograd function with non-static forward method is deprecated. "
                           "Please use new-style autograd function with static forward method. "
                           "(Example: https://pytorch.org/docs/stable/autograd.html#torch.autograd."
                           "Function)")

    @staticmethod
    def forward(*args: Any, **kwargs: Any) -> Any:
        """``forward(ctx, *args)``, or ``forward(*args)`` together with ``setup_context``."""
        raise NotImplementedError(_NO_FORWARD)

    @staticmethod
    def setup_context(ctx: Any, inputs: tuple, output: Any) -> None:
        """Fill ``ctx`` from the inputs and the output (newer style, forward without ctx)."""
        raise NotImplementedError("setup_context is not implemented.")

    @staticmethod
    def backward(ctx: Any, *grad_outputs: Any) -> Any:
        """Gradients of the inputs (one per ``forward`` input; None where there is none)."""
        raise NotImplementedError(_NO_BACKWARD)

    vjp = backward

    @staticmethod
    def jvp(ctx: Any, *grad_inputs: Any) -> Any:
        """Tangents of the outputs, given one tangent per input (None for non-Tensor inputs)."""
        raise NotImplementedError(_NO_JVP)

    @classmethod
    def apply(cls, *args: Any, **kwargs: Any) -> Any:
        """Run ``forward`` on ``args`` and record the node that will run ``backward``."""
        if cls.setup_context is not Function.setup_context:
            if cls._signature is None:
                cls._signature = inspect.signature(cls.forward)
            bound = cls._signature.bind(*args, **kwargs)
            bound.apply_defaults()
            args, kwargs = bound.args, bound.kwargs
        if _transforms.active:
            Tensor = _tensor_cls()
            for a in args:
                if isinstance(a, Tensor):
                    return _Application(cls).run(args, kwargs)
        out, ctx = _apply(cls, args, kwargs)
        ctx.__dict__.pop("saved_for_forward", None)   # only a jvp (under a transform) reads these
        return out


Function.__init_subclass__()  # Function.apply itself raises torch's "must implement forward"


def _edges(inputs: tuple) -> tuple:
    Tensor = _tensor_cls()
    edges = []
    for a in inputs:
        if isinstance(a, Tensor) and a._requires_grad:
            d = a._data
            edges.append((a._grad_fn or a, a._output_nr, d.shape, d.dtype))
        else:
            edges.append(None)
    return tuple(edges)


def _apply(cls: type, args: tuple, kwargs: dict) -> tuple:
    """Run the forward with grad mode off and attach its outputs to a new node: (outputs, ctx)."""
    Tensor = _tensor_cls()
    inputs = args + tuple(kwargs.values()) if kwargs else tuple(args)
    needs = tuple(isinstance(a, Tensor) and a._requires_grad for a in inputs)
    tracking = grad_mode.state.enabled and any(needs)
    ctx = cls._backward_cls(_edges(inputs) if tracking else (None,) * len(inputs))
    ctx.needs_input_grad = needs
    ctx._tensor_inputs = tuple(isinstance(a, Tensor) for a in inputs)
    prev = grad_mode.state.enabled
    grad_mode.state.enabled = False
    try:
        if cls.setup_context is not Function.setup_context:
            out = cls.forward(*args, **kwargs)
            cls.setup_context(ctx, args, out)
        else:
            out = cls.forward(ctx, *args, **kwargs)
    finally:
        grad_mode.state.enabled = prev
    out = _attach_outputs(ctx, inputs, out, tracking)
    _keep_saved(ctx, out)
    return out, ctx


def _attach_outputs(ctx: BackwardCFunction, inputs: tuple, out: Any, tracking: bool) -> Any:
    Tensor = _tensor_cls()
    many = isinstance(out, tuple)
    outs = out if many else (out,)
    ctx._n_outputs = len(outs)
    ctx._out_meta = tuple((o._data.shape, o._data.dtype) if isinstance(o, Tensor) else None
                          for o in outs)
    dirty = {id(t) for t in ctx.dirty_tensors}
    if not tracking:
        for t in ctx.dirty_tensors:
            t._bump()
        return out
    non_diff = {id(t) for t in ctx.non_differentiable}
    given = {id(a) for a in inputs if isinstance(a, Tensor)}
    results = []
    for nr, o in enumerate(outs):
        if not isinstance(o, Tensor):
            results.append(o)
            continue
        if id(o) in dirty:  # modified in place: the input itself now comes out of this node
            if o._grad_fn is None and o._requires_grad:
                raise RuntimeError("a leaf Variable that requires grad has been used in an "
                                   "in-place operation.")
            o._bump()
            o._grad_fn, o._output_nr, o._requires_grad = ctx, nr, True
            results.append(o)
            continue
        differentiable = id(o) not in non_diff and o._data.dtype.kind in "fc"
        if id(o) in given or o._grad_fn is not None or o._requires_grad:
            # A tensor with a history of its own (e.g. an input returned as is): the output is a
            # new alias of its data, so that the input keeps its own grad_fn.
            alias = Tensor._make(o._data, ctx if differentiable else None, differentiable,
                                 nr if differentiable else 0)
            alias._base = o._base if o._base is not None else o
            o = alias
        elif differentiable:
            o._grad_fn, o._output_nr, o._requires_grad = ctx, nr, True
        results.append(o)
    return tuple(results) if many else results[0]


def _keep_saved(ctx: BackwardCFunction, out: Any) -> None:
    """Turn ``ctx.to_save`` into version-checked entries (own outputs kept as arrays)."""
    to_save = ctx.__dict__.pop("to_save", None)
    if not to_save:
        return
    Tensor = _tensor_cls()
    outs = out if isinstance(out, tuple) else (out,)
    mine = {id(o): nr for nr, o in enumerate(outs) if isinstance(o, Tensor) and o._grad_fn is ctx}
    entries = []
    for t in to_save:
        if t is None:
            entries.append(None)
            continue
        box = t._version_box()
        nr = mine.get(id(t))
        if nr is None:
            entries.append(("input", t, box, box[0]))
        else:
            entries.append(("output", t._data, nr, box, box[0], t._base))
    ctx._saved = tuple(entries)


class _Application:
    """One ``apply`` call seen as an op by the transform stack (forward AD, vmap).

    It follows the registry's op protocol: ``record`` runs the plain apply, calling it routes
    through the transforms still entered below, ``save_for`` returns what ``jvp`` needs (the ctx
    of the forward that made ``result``) and ``jvp`` calls the user's ``jvp`` staticmethod.
    """

    differentiable = True
    kind = "function"

    def __init__(self, fn_cls: type) -> None:
        self.fn_cls = fn_cls
        self.name = fn_cls.__name__
        self.multi_output = False   # known once the forward has run
        self._ctxs: dict = {}
        self._last: BackwardCFunction | None = None

    def __repr__(self) -> str:
        return f"<custom Function {self.name} (apply)>"

    def run(self, args: tuple, kwargs: dict) -> Any:
        try:
            return _transforms.dispatch(self, args, kwargs)
        finally:
            for _, ctx in self._ctxs.values():
                ctx.__dict__.pop("saved_for_forward", None)

    def __call__(self, *args: Any, **params: Any) -> Any:
        if _transforms.active:
            Tensor = _tensor_cls()
            for a in args:
                if isinstance(a, Tensor):
                    return _transforms.dispatch(self, args, params)
        return self.record(args, params)

    def record(self, args: Any, params: dict) -> Any:
        out, ctx = _apply(self.fn_cls, tuple(args), dict(params))
        self.multi_output = isinstance(out, tuple)
        first = _first_tensor(out)
        self._ctxs[id(first)] = (first, ctx)   # holding `first` keeps its id unique meanwhile
        self._last = ctx
        return out

    def save_for(self, args: Any, params: dict, result: Any) -> tuple:
        first = _first_tensor(result)
        hit = self._ctxs.get(id(first))
        ctx = hit[1] if hit is not None and hit[0] is first else self._last
        if ctx is None:
            raise RuntimeError(f"{self.name}: save_for called before the forward ran")
        return ctx, tuple(args), dict(params)

    def jvp(self, saved: tuple, tangents: Any) -> Any:
        ctx, args, params = saved
        cls = self.fn_cls
        if cls.jvp is Function.jvp:
            raise NotImplementedError(_NO_JVP)
        Tensor = _tensor_cls()
        tangents = list(tangents) + [None] * (len(args) - len(tangents))
        ts = []
        for a, t in zip(args, tangents):
            if not isinstance(a, Tensor):
                ts.append(None)
            elif t is None:   # an input without tangent: zeros, as torch passes
                ts.append(Tensor._make(np.zeros_like(a._data)))
            else:
                ts.append(t)
        ts += [None] * len(params)
        ctx._in_jvp = True
        try:
            out = cls.jvp(ctx, *ts)
        finally:
            ctx._in_jvp = False
        outs = out if isinstance(out, tuple) else (out,)
        if len(outs) != ctx._n_outputs:
            raise RuntimeError("Function's jvp returned an invalid number of forward gradients "
                               f"(expected {ctx._n_outputs} but got {len(outs)})")
        for t, meta in zip(outs, ctx._out_meta):
            if meta is not None and t is not None and tuple(t.shape) != meta[0]:
                raise RuntimeError("Trying to set a forward gradient that has a different size "
                                   "than that of the original Tensor, this is not supported. "
                                   f"Tensor is of size {list(meta[0])} while the given forward "
                                   f"gradient is of size {list(t.shape)}.")
        return tuple(outs) if self.multi_output else outs[0]


def _first_tensor(out: Any) -> Any:
    Tensor = _tensor_cls()
    for o in (out if isinstance(out, tuple) else (out,)):
        if isinstance(o, Tensor):
            return o
    return None


# -- once_differentiable ------------------------------------------------------------------------
class _ErrorOp:
    name = "Error"
    kind = "function"
    differentiable = True
    multi_output = False
    saves_tensors = False
    result_slot = -1
    input_slots = ()

    def backward(self, node: Node, g: Any, saved: Any) -> list:
        raise RuntimeError(node._message)


class Error(Node):
    """The node behind gradients computed by a ``once_differentiable`` backward: it refuses to run."""

    __slots__ = ("_message",)
    op = _ErrorOp()

    def name(self) -> str:
        return "torch::autograd::Error"


def once_differentiable(fn: Callable) -> Callable:
    """Decorate a ``backward`` that may run only once: it runs without recording, and
    differentiating its result again (double backward) raises an error."""

    @functools.wraps(fn)
    def wrapper(ctx: Any, *args: Any, **kwargs: Any) -> Any:
        with grad_mode.no_grad():
            outputs = fn(ctx, *args, **kwargs)
        if not grad_mode.state.enabled:
            return outputs
        Tensor = _tensor_cls()
        if not any(isinstance(a, Tensor) and a._requires_grad for a in args):
            return outputs
        many = isinstance(outputs, tuple)
        wrapped = []
        for o in (outputs if many else (outputs,)):
            if o.__class__ is Tensor and o._data.dtype.kind in "fc":
                node = Error(())
                node._message = _ONCE
                o = Tensor._make(o._data, node, True)
            wrapped.append(o)
        return tuple(wrapped) if many else wrapped[0]

    return wrapper
