"""Forward-mode automatic differentiation (torch.autograd.forward_ad's API).

Inside ``dual_level()``, a *dual* tensor carries a tangent next to its value.  Every op applied to
dual tensors computes the tangent of its result from the tangents of its inputs with the op's JVP
rule, declared in the registry beside its VJP (derived automatically for elementwise, linear and
bilinear ops).  One forward pass therefore gives a Jacobian-vector product::

    import tapegrad.autograd.forward_ad as fwAD
    with fwAD.dual_level():
        x = fwAD.make_dual(tapegrad.tensor([1.0, 2.0]), tapegrad.tensor([1.0, 0.0]))
        y = x.sin() * x
        fwAD.unpack_dual(y).tangent      # d y / d x[0] along the direction (1, 0)

A level is a transform (``tapegrad._ops._transforms``): the JVP rules run below it, so they can be
recorded by reverse mode (forward-over-reverse Hessians) and nested levels never mix tangents.
``dual_level`` allows one level at a time, as torch does; ``tapegrad.func.jacfwd`` nests freely.
"""
from __future__ import annotations

import weakref
from typing import Any, NamedTuple, Sequence

import numpy as np

from .._ops import _transforms
from .._public import public_dir as _public_dir

__all__ = ["dual_level", "make_dual", "unpack_dual", "enter_dual_level", "exit_dual_level",
           "UnpackedDualTensor"]


def __dir__() -> list[str]:
    return _public_dir(globals())

_Tensor: Any = None  # tapegrad.Tensor, bound on first use (import cycle)
_view_op: Any = None


def _bind() -> None:
    global _Tensor, _view_op
    if _Tensor is None:
        from tapegrad._ops.shape import RESHAPE
        from tapegrad._tensor import Tensor
        _Tensor, _view_op = Tensor, RESHAPE


class UnpackedDualTensor(NamedTuple):
    """What ``unpack_dual`` returns: the primal value and its tangent (None if it has none)."""

    primal: Any
    tangent: Any


class ForwardLevel(_transforms.Transform):
    """One forward-mode level: remembers the tangent of each dual tensor made or computed in it."""

    kind = "forward"

    def __init__(self) -> None:
        self._tangents: dict[int, tuple[weakref.ref, Any]] = {}
        # The same tangents by graph node and output number: a Tensor that stands for a node's
        # output (the engine rebuilds saved results this way under create_graph) shares it.
        self._by_node: dict[tuple[int, int], tuple[weakref.ref, Any]] = {}

    def tangent_of(self, t: Any) -> Any:
        entry = self._tangents.get(id(t))
        if entry is not None and entry[0]() is t:
            return entry[1]
        node = t._grad_fn
        if node is not None and self._by_node:
            entry = self._by_node.get((id(node), t._output_nr))
            if entry is not None and entry[0]() is node:
                return entry[1]
        return None

    def set_tangent(self, t: Any, tangent: Any) -> None:
        key = id(t)
        table = self._tangents
        table[key] = (weakref.ref(t, lambda _, key=key: table.pop(key, None)), tangent)
        node = t._grad_fn
        if node is not None:
            by_node = self._by_node
            nkey = (id(node), t._output_nr)
            by_node[nkey] = (weakref.ref(node, lambda _, k=nkey: by_node.pop(k, None)), tangent)

    def clear(self) -> None:
        self._tangents.clear()
        self._by_node.clear()

    def process(self, op: Any, args: Sequence, params: dict) -> Any:
        tangents = None
        for i, a in enumerate(args):
            if isinstance(a, _Tensor):
                t = self.tangent_of(a)
                if t is not None:
                    if tangents is None:
                        tangents = [None] * len(args)
                    tangents[i] = t
        result = op(*args, **params)  # this level is off the stack: the plain op runs below
        if tangents is None or not op.differentiable:
            return result
        saved = op.save_for(args, params, result)
        out_tangent = op.jvp(saved, tangents)
        if getattr(op, "multi_output", False):
            for r, t in zip(result, out_tangent):
                self._attach(r, t)
        else:
            self._attach(result, out_tangent)
        return result

    def _attach(self, result: Any, tangent: Any) -> None:
        # Shapes and dtypes through the public accessors: under vmap these are batched tensors,
        # whose logical shape is what counts.
        if tangent is None or not isinstance(result, _Tensor) or not _is_float(result):
            return
        if not isinstance(tangent, _Tensor):
            tangent = _Tensor._make(np.asarray(tangent))
        if tangent.shape != result.shape:  # e.g. x + y with only y's tangent
            tangent = tangent.expand(tuple(result.shape))
        if tangent.dtype != result.dtype:
            tangent = tangent.to(result.dtype)
        self.set_tangent(result, tangent)


_dual = None  # the level entered through this module (torch allows one at a time)


def enter_dual_level() -> int:
    """Enter a new forward-AD level and return its index (prefer ``with dual_level():``)."""
    global _dual
    _bind()
    if _dual is not None and _dual.is_entered():
        raise RuntimeError("Nested forward mode AD is not supported at the moment")
    _dual = ForwardLevel()
    _dual.push()
    return 0


def exit_dual_level(*, level: int | None = None) -> None:
    """Leave the current level: its tangents are dropped."""
    global _dual
    if _dual is None:
        raise RuntimeError("Trying to exit a forward AD level that was not the last one that was "
                           "created. This is not supported.")
    _dual.pop()
    _dual.clear()
    _dual = None


class dual_level:
    """Context manager for forward AD; dual tensors made inside lose their tangents on exit."""

    def __enter__(self) -> int:
        return enter_dual_level()

    def __exit__(self, *exc: object) -> None:
        exit_dual_level()


def _level(level: int | None) -> ForwardLevel | None:
    return _dual if _dual is not None and _dual.is_entered() else None


def make_dual(tensor: Any, tangent: Any, *, level: int | None = None) -> Any:
    """A view of ``tensor`` carrying ``tangent`` (same shape) at the current level."""
    _bind()
    fw = _level(level)
    if fw is None:
        raise RuntimeError("Trying to create a dual Tensor for forward AD but no level exists, make "
                           "sure to enter_dual_level() first.")
    return make_dual_at(fw, tensor, tangent)


def _is_float(t: Any) -> bool:
    return t.dtype.is_floating_point or t.dtype.is_complex


def _check_dual_args(tensor: Any, tangent: Any) -> None:
    if not isinstance(tensor, _Tensor) or not isinstance(tangent, _Tensor):
        bad = tangent if isinstance(tensor, _Tensor) else tensor
        raise AttributeError(f"'{type(bad).__name__}' object has no attribute 'is_floating_point'")
    if not _is_float(tensor):
        raise ValueError(f"Expected primal to be floating point or complex, but got: {tensor.dtype}")
    if not _is_float(tangent):
        raise ValueError(f"Expected tangent to be floating point or complex, but got: "
                         f"{tangent.dtype}")
    if tangent.shape != tensor.shape:
        raise RuntimeError("Trying to set a forward gradient that has a different size than that "
                           "of the original Tensor, this is not supported. Tensor is of size "
                           f"{list(tensor.shape)} while the given forward gradient is of size "
                           f"{list(tangent.shape)}.")


def make_dual_at(level: ForwardLevel, tensor: Any, tangent: Any) -> Any:
    """``make_dual`` at a given (entered) level; function transforms nest levels this way."""
    _bind()
    _check_dual_args(tensor, tangent)
    dual = _below(level, _view_op, tensor, shape=tuple(tensor.shape))
    if tangent.dtype != tensor.dtype:
        tangent = tangent.to(tensor.dtype)
    level.set_tangent(dual, tangent)
    return dual


class entered:
    """Context manager: push ``level`` for the block, pop it and drop its tangents after."""

    def __init__(self, level: ForwardLevel) -> None:
        _bind()
        self.level = level

    def __enter__(self) -> ForwardLevel:
        self.level.push()
        return self.level

    def __exit__(self, *exc: object) -> None:
        self.level.pop()
        self.level.clear()


def unpack_dual(tensor: Any, *, level: int | None = None) -> UnpackedDualTensor:
    """``(primal, tangent)`` of a dual tensor; the primal is a view with no tangent."""
    _bind()
    fw = _level(level)
    tangent = fw.tangent_of(tensor) if fw is not None else None
    if tangent is None:
        return UnpackedDualTensor(tensor, None)
    return UnpackedDualTensor(_below(fw, _view_op, tensor, shape=tuple(tensor.shape)), tangent)


def _below(fw: ForwardLevel, op: Any, *args: Any, **params: Any) -> Any:
    """Apply ``op`` as the levels under ``fw`` see it (no tangent is attached)."""
    levels = _transforms.stack.levels
    above = levels[fw.level:]
    del levels[fw.level:]
    try:
        return op(*args, **params)
    finally:
        levels.extend(above)


def tangent_for_repr(tensor: Any) -> Any:
    """The tangent ``repr`` shows (the innermost level that knows the tensor), or None."""
    for lvl in reversed(_transforms.stack.levels):
        if isinstance(lvl, ForwardLevel):
            t = lvl.tangent_of(tensor)
            if t is not None:
                return t
    return None


def copy_tangent(target: Any, source: Any) -> None:
    """Give ``target`` the tangent ``source`` has at each entered level (in-place ops, detached
    leaves made by function transforms)."""
    if not _transforms.active:
        return
    for lvl in _transforms.stack.levels:
        if isinstance(lvl, ForwardLevel):
            t = lvl.tangent_of(source)
            if t is not None:
                lvl.set_tangent(target, t)


def level_entered() -> bool:
    """Whether a forward-mode level is entered in this thread."""
    return bool(_transforms.active) and any(isinstance(lvl, ForwardLevel)
                                            for lvl in _transforms.stack.levels)
