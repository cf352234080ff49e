"""Transforms stacked over the op registry: forward-mode AD levels and vmap levels.

A transform is an interpreter for ops.  While one is entered, every op applied to a Tensor goes to
the innermost transform's ``process(op, args, params)`` instead of straight to ``Op.record``.  The
transform runs with itself taken off the stack, so the ops its rule applies (including the op
itself, on unwrapped values) go to the transform below it, and finally to the plain engine.  This
is how levels nest without confusing each other's perturbations or batch dimensions: a forward-AD
level inside a vmap sees only its own tangents, and the vmap below it batches them.

The stack is thread-local; ``active`` counts entered transforms in all threads so that the hot path
pays one integer test when none is in use.
"""
from __future__ import annotations

import threading
from typing import Any, Sequence


class _Stack(threading.local):
    def __init__(self) -> None:
        self.levels: list["Transform"] = []


stack = _Stack()
active = 0
"""Number of transforms entered, in all threads (0: ops go straight to the engine)."""

_lock = threading.Lock()


class UnsupportedNesting(RuntimeError):
    """A combination of levels tapegrad cannot compute correctly (raised rather than wrong)."""


class Transform:
    """Base of stacked interpreters; subclasses implement ``process``."""

    level: int = -1
    kind = "transform"  # "forward" (forward-AD levels), "vmap", ...

    def process(self, op: Any, args: Sequence, params: dict) -> Any:  # pragma: no cover
        raise NotImplementedError

    def push(self) -> None:
        global active
        levels = stack.levels
        self.level = len(levels)
        levels.append(self)
        with _lock:
            active += 1

    def pop(self) -> None:
        global active
        levels = stack.levels
        if not levels or levels[-1] is not self:
            raise RuntimeError("transform levels must be exited in the reverse order of entering")
        levels.pop()
        with _lock:
            active -= 1

    def is_entered(self) -> bool:
        levels = stack.levels
        return self.level < len(levels) and levels[self.level] is self


def dispatch(op: Any, args: Sequence, params: dict) -> Any:
    """Hand ``op`` to the innermost entered transform of this thread (or to the engine)."""
    levels = stack.levels
    if not levels:  # transforms are entered in another thread only
        return op.record(args, params)
    top = levels.pop()
    try:
        return top.process(op, args, params)
    finally:
        levels.append(top)


def check_backward() -> None:
    """Refuse a backward pass under a forward-AD level that sits above a vmap level.

    Autograd inside vmap records and replays the physical (whole-batch) ops, while the tangents
    of a forward level entered inside the vmap belong to the logical (per-example) tensors; the
    replayed ops would not see them and the tangents would silently be zero.
    """
    seen_vmap = False
    for lvl in stack.levels:
        if lvl.kind == "vmap":
            seen_vmap = True
        elif lvl.kind == "forward" and seen_vmap:
            raise UnsupportedNesting(
                "tapegrad cannot run a backward pass (grad, vjp, jacrev, hessian...) inside "
                "forward-mode AD (jvp, jacfwd) that is itself inside vmap; compute the inner "
                "derivative outside the vmap, or use reverse mode (jacrev) for the outer one")


def current() -> "Transform | None":
    """The innermost transform entered in this thread."""
    levels = stack.levels
    return levels[-1] if levels else None
