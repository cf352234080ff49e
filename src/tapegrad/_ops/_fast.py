"""Each op's fast entry: the hot path of every model, built once per op as one closure.

The common call takes one Tensor, or a Tensor and a Tensor of its dtype or a Python number (plus
keyword parameters), with no transform active.  The entry does what ``Op.record`` does for such
a call, with the steps that cannot apply left out and the node built inline; any other call goes
to ``Op.__call__``.  ``tests/test_fast_paths.py`` checks, op by op, that both paths record the
same thing.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from ..autograd import grad_mode
from ..autograd._engine import _next_seq
from . import _transforms
from ._registry import _RESULT, Op, _save, _shape_error

Tensor: Any = None       # bound with the registry's (see _registry.bind)
_PLAIN: set = set()      # Tensor subclasses with arrays of their own (bound likewise)
_check_view: Any = None

_FAST_PROMOTE = (None, "same", "promote", "sub", "float", "float_binary")


def fast_path(op: Op) -> Callable | None:
    """``op``'s entry for the common call, the hot path of every model: one Tensor, or a Tensor
    and another Tensor of its dtype or a Python number (plus keyword parameters), with no
    transform active.  It does what ``Op.record`` does for such calls, with the steps that
    cannot apply left out; any other call goes to ``Op.__call__``.  None for ops whose calls
    never take this form (several outputs, variadic, other promotion rules)."""
    if op.multi_output or op.variadic or op.promote not in _FAST_PROMOTE:
        return None
    is_view = op.view
    forward, node_cls, plans, plan_for = op.forward, op.node_cls, op._plans, op._plan_for
    general = Op.__call__
    state = grad_mode.state
    differentiable = op.differentiable
    floats_only = op.promote in ("float", "float_binary")  # others would be cast first
    keeps_dtype = op.promote in ("same", "promote", "sub", "float_binary")
    new = object.__new__

    arg_names = op._arg_names

    def call(a: Any = _NO, b: Any = _NO, *rest: Any, **params: Any) -> Any:
        if params and not arg_names.isdisjoint(params):  # an operand by keyword: torch's name
            return general(op, *_given(a, b, rest), **params)
        if a.__class__ is not Tensor and a.__class__ not in _PLAIN:
            if a.__class__ is np.ndarray and not (rest or isinstance(b, Tensor)):
                # rules on arrays: no tape
                return forward(a, **params) if b is _NO else forward(a, b, **params)
            return general(op, *_given(a, b, rest), **params)
        if rest or _transforms.active:
            return general(op, *_given(a, b, rest), **params)
        d = a._data
        dt = d.dtype
        if floats_only and dt.kind not in "fc":
            return general(op, *_given(a, b, rest), **params)
        needs = 1 if a._requires_grad else 0
        if b is _NO:
            try:
                out = forward(d, **params)
            except ValueError as exc:
                raise _shape_error(op, [d], exc) from None
        else:
            b_cls = b.__class__
            if b_cls is float or b_cls is int:  # a number: checked first, the common case
                if dt.kind != "f":
                    return general(op, a, b, **params)
                e = b
            elif b_cls is Tensor or b_cls in _PLAIN:
                e = b._data
                if e.dtype is not dt:
                    return general(op, a, b, **params)
                if b._requires_grad:
                    needs |= 2
            else:
                return general(op, a, b, **params)
            try:
                out = forward(d, e, **params)
            except ValueError as exc:
                raise _shape_error(op, [d, e], exc) from None
        if out.__class__ is not np.ndarray:
            out = np.asarray(out)
        if keeps_dtype and out.dtype is not dt and out.dtype != dt:
            out = out.astype(dt)
        t = new(Tensor)
        t._data = out
        t._output_nr = 0
        t._grad = t._base = t._vbox = t._hooks = None
        t._retains_grad = False
        if is_view:  # a view shares its base's version counter (see Op.record)
            root = t._base = a if a._base is None else a._base
            box = root._vbox
            if box is not None and len(box) > 1:  # the base's history was replaced before
                t._view_gen = box[1]
        if not (needs and differentiable and state.enabled and out.dtype.kind in "fc"):
            t._grad_fn = None
            t._requires_grad = False
            return t
        if needs & 1:
            if a._base is not None:
                _check_view(a)
            first = (a._grad_fn or a, a._output_nr, d.shape, dt)
        else:
            first = None
        if b is _NO:
            edges = (first,)
        elif needs & 2:
            if b._base is not None:
                _check_view(b)
            edges = (first, (b._grad_fn or b, b._output_nr, e.shape, dt))
        else:
            edges = (first, None)
        plan = plans.get(needs) or plan_for(needs)
        node = new(node_cls)
        node._seq = _next_seq()
        node._next = edges
        node._n_outputs = 1
        node._extra = None
        steps = plan[0]
        if not steps:
            node._saved = plan[3]
            node._checks = ()
        elif plan[4]:  # only operands and the result are saved: the common case, inline
            saved = list(plan[3])
            checks = ()
            for slot, kind, key in steps:
                if kind == _RESULT:
                    saved[slot] = out
                    continue
                v = saved[slot] = b if key else a
                if v.__class__ is Tensor or v.__class__ in _PLAIN:
                    box = v._version_box()
                    checks += ((box, box[0], slot),)
            if plan[1]:  # the result must not change in place either (checked last, as in record)
                box = t._vbox = [0]
                checks += ((box, 0, -1),)
            node._saved = saved
            node._checks = checks
        else:
            saved, checks = _save(plan, (a,) if b is _NO else (a, b), params, out)
            if plan[1]:
                box = t._vbox = [0]
                checks += ((box, 0, -1),)
            node._saved = saved
            node._checks = checks
        t._grad_fn = node
        t._requires_grad = True
        return t

    call.__name__ = call.__qualname__ = op.name
    call.__doc__ = op.__doc__
    return call


_NO: Any = object()  # an operand not given


def _given(a: Any, b: Any, rest: tuple) -> tuple:
    """The positional arguments of a call to a fast path, without the missing ones."""
    if a is _NO:
        return ()
    return (a,) if b is _NO else (a, b, *rest)
