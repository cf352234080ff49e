"""Watch a backward pass step by step: which node ran, what gradient came in, what went out.

:func:`trace_backward` runs ``y.backward()`` (gradients really accumulate into ``.grad``) while
an observer of the engine records every step, in the order the engine ran them.  The result,
a :class:`BackwardTrace`, prints as a table and draws as a graph whose edges are labelled with
the gradients that flowed along them.  Example::

    >>> import tapegrad as torch
    >>> x = torch.tensor([0.5, 1.0, 2.0], requires_grad=True)
    >>> y = (x * x + torch.sin(x)).sum()
    >>> trace = torch.autograd.trace_backward(y, names={"x": x})
    >>> print(trace)
    step  node          grad in                   grad out                   to
       1  SumBackward0  1.                        [1., 1., 1.]               AddBackward0 (step 2)
       2  AddBackward0  [1., 1., 1.]              [1., 1., 1.]               MulBackward0 (step 4)
                                                  [1., 1., 1.]               SinBackward0 (step 3)
       3  SinBackward0  [1., 1., 1.]              [0.8776, 0.5403, -0.4161]  x (step 5)
       4  MulBackward0  [1., 1., 1.]              [0.5, 1., 2.]              x (step 5)
                                                  [0.5, 1., 2.]              x (step 5)
       5  x (3,)        [1.8776, 2.5403, 3.5839]
    >>> trace.draw().save("backward.svg")   # the same, as a picture
    'backward.svg'

Reading it: the seed 1 enters ``SumBackward0``, whose rule copies it to every element; the sum
``x * x + sin(x)`` passes it to both terms; ``sin`` multiplies by ``cos(x)`` and ``x * x`` sends
``x`` along each of its two edges.  The leaf ``x`` runs last, once, with the sum of the three
contributions: ``2x + cos(x)``, its final ``.grad``.

Steps are recorded for the nodes through which some gradient flowed; a node whose incoming
gradients were all zero-by-absence (``None``) is skipped by the engine and not listed.  The
gradient shown on an edge is the one its destination receives: reduced to the destination's
shape when the rule's result was broadcast.
"""
from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from typing import Any, Callable, Iterator, Mapping

import numpy as np

from . import _engine

__all__ = ["trace_backward", "BackwardTrace", "TraceStep", "GradFlow"]


class GradFlow:
    """A gradient sent along one edge: to ``target`` (a node or leaf tensor) called ``name``.

    ``grad`` is the array the destination receives (``None`` when the rule sent nothing),
    ``output_nr`` which of the destination's outputs it is for, and ``step`` the number of the
    step at which the destination ran (``None`` if it never ran).
    """

    __slots__ = ("target", "name", "grad", "output_nr", "step")

    def __init__(self, target: Any, name: str, grad: np.ndarray | None, output_nr: int,
                 step: int | None) -> None:
        self.target, self.name, self.grad = target, name, grad
        self.output_nr, self.step = output_nr, step

    def __repr__(self) -> str:
        return f"GradFlow(to={self.name!r}, step={self.step}, grad={format_array(self.grad)})"


class TraceStep:
    """One step of a backward pass.

    ``index`` is its number (from 1), ``target`` the node (``MulBackward0`` ...) or leaf
    tensor, ``name`` its label, ``is_leaf`` whether it is a leaf, ``grad_in`` the gradient
    arriving for each of its outputs (a leaf has one: its gradient from this backward), and
    ``grad_out`` the :class:`GradFlow` list it sent to the next functions (empty for a leaf).
    """

    __slots__ = ("index", "target", "name", "is_leaf", "grad_in", "grad_out")

    def __init__(self, index: int, target: Any, name: str, is_leaf: bool, grad_in: list,
                 grad_out: list) -> None:
        self.index, self.target, self.name, self.is_leaf = index, target, name, is_leaf
        self.grad_in, self.grad_out = grad_in, grad_out

    @property
    def label(self) -> str:
        """``name``, followed by the shape for a leaf."""
        return f"{self.name} {_fmt_shape(self.target.shape)}" if self.is_leaf else self.name

    def __repr__(self) -> str:
        return f"<TraceStep {self.index}: {self.label}>"


class BackwardTrace(Sequence):
    """The steps of one backward pass, in the order the engine ran them (a read-only list).

    ``str(trace)`` / :meth:`table` give a fixed-width table; :meth:`draw` a :class:`viz.Graph`.
    """

    def __init__(self, steps: list, output: Any) -> None:
        self._steps = steps
        self.output = output

    def __getitem__(self, i):
        return self._steps[i]

    def __len__(self) -> int:
        return len(self._steps)

    def __iter__(self) -> Iterator[TraceStep]:
        return iter(self._steps)

    def __repr__(self) -> str:
        return f"<BackwardTrace: {len(self._steps)} steps>"

    def __str__(self) -> str:
        return self.table()

    def step_of(self, obj: Any) -> TraceStep:
        """The step of a node, of a leaf tensor, or of the node that produced a tensor."""
        if isinstance(obj, _engine._Tensor) and obj.grad_fn is not None:
            obj = obj.grad_fn
        for step in self._steps:
            if step.target is obj:
                return step
        raise KeyError(f"{obj!r} did not run in this backward pass")

    def table(self, max_values: int = 8) -> str:
        """The steps as a fixed-width table: step, node, grad in, grad out, destination.

        Arrays with at most ``max_values`` elements are printed in full, larger ones by their
        shape and a few values.
        """
        rows = [("step", "node", "grad in", "grad out", "to")]
        for step in self._steps:
            ins = [format_array(g, max_values) for g in step.grad_in]
            if len(ins) > 1:
                ins = [f"[{nr}] {text}" for nr, text in enumerate(ins)]
            outs = [(format_array(f.grad, max_values), _flow_destination(f))
                    for f in step.grad_out]
            for k in range(max(len(ins), len(outs), 1)):
                rows.append((str(step.index) if k == 0 else "", step.label if k == 0 else "",
                             ins[k] if k < len(ins) else "",
                             *(outs[k] if k < len(outs) else ("", ""))))
        widths = [max(len(r[c]) for r in rows) for c in range(5)]
        lines = []
        for r in rows:
            cells = [r[0].rjust(max(widths[0], 4))] + [r[c].ljust(widths[c]) for c in range(1, 5)]
            lines.append("  ".join(cells).rstrip())
        return "\n".join(lines)

    def draw(self, max_values: int = 4):
        """A :class:`tapegrad.viz.Graph` of the pass: edges point where gradients flowed and
        are labelled with them; nodes are numbered by step; leaves show their gradient.

        The picture is drawn by :func:`tapegrad.viz.draw_trace` (the engine holds no drawing
        code); ``import tapegrad`` installs it.
        """
        if painter is None:
            raise RuntimeError("trace.draw() needs tapegrad.viz: import tapegrad.viz first")
        return painter(self, max_values)


# Draws a BackwardTrace; tapegrad.viz sets it when imported, so the engine imports no pictures.
painter: Callable[[BackwardTrace, int], Any] | None = None


def trace_backward(y: Any, gradient: Any = None, inputs: Any = None, retain_graph: bool = False,
                   names: Mapping[str, Any] | None = None) -> BackwardTrace:
    """Run ``y.backward(gradient, retain_graph, inputs=inputs)`` and record every step.

    ``names`` maps labels to leaf tensors (``{"x": x}``); other leaves are called ``leaf#0``,
    ``leaf#1``, ... in the order the trace first meets them.  Only backward passes run by the
    calling thread are recorded.  See the module docstring for an example.
    """
    from tapegrad.autograd import backward

    me = threading.get_ident()
    raw: list = []

    def observe(target: Any, grad_outputs: list, grad_inputs: list) -> None:
        if threading.get_ident() != me:
            return
        flows = []
        if grad_inputs:
            for edge, g in zip(target._next, grad_inputs):
                if edge is not None:
                    dest, nr, shape, dtype = edge
                    flows.append((dest, nr, None if g is None else _received(g, shape, dtype)))
        raw.append((target, [None if g is None else _copy(g) for g in grad_outputs], flows))

    _engine.observers.append(observe)
    try:
        backward(y, gradient, retain_graph=retain_graph, inputs=inputs)
    finally:
        _engine.observers.remove(observe)
    return _build(raw, y, names)


def _build(raw: list, output: Any, names: Mapping[str, Any] | None) -> BackwardTrace:
    """Name the targets and resolve each flow's destination step, now that the pass is over."""
    Tensor = _engine._Tensor
    labels = {id(t): name for name, t in (names or {}).items()}
    step_of = {id(target): i + 1 for i, (target, _, _) in enumerate(raw)}
    n_leaves = 0

    def label(obj: Any) -> str:
        nonlocal n_leaves
        if isinstance(obj, Tensor):
            if id(obj) not in labels:
                labels[id(obj)] = f"leaf#{n_leaves}"
                n_leaves += 1
            return labels[id(obj)]
        return obj.name()

    steps = []
    for i, (target, grad_in, flows) in enumerate(raw):
        name = label(target)
        grad_out = [GradFlow(dest, label(dest), g, nr, step_of.get(id(dest)))
                    for dest, nr, g in flows]
        steps.append(TraceStep(i + 1, target, name, isinstance(target, Tensor), grad_in,
                               grad_out))
    return BackwardTrace(steps, output)


def _copy(g: Any) -> np.ndarray:
    return np.array(getattr(g, "_data", g), copy=True)


def _received(g: Any, shape: tuple, dtype: Any) -> np.ndarray:
    """What the engine delivers along an edge: ``g`` summed to ``shape`` and cast to ``dtype``."""
    arr = np.asarray(getattr(g, "_data", g))
    if arr.shape != tuple(shape):
        lead = arr.ndim - len(shape)
        axes = tuple(range(lead)) + tuple(
            lead + i for i, n in enumerate(shape) if n == 1 and arr.shape[lead + i] != 1)
        arr = arr.sum(axis=axes).reshape(shape)
    return np.array(arr, dtype=dtype, copy=True)


def _fmt_shape(shape: tuple) -> str:
    shape = tuple(int(s) for s in shape)
    return f"({shape[0]},)" if len(shape) == 1 else str(shape)


def _flow_destination(flow: GradFlow) -> str:
    text = flow.name
    if flow.target._n_outputs > 1:
        text += f" output {flow.output_nr}"
    return text + (f" (step {flow.step})" if flow.step is not None else " (not run)")


def _fmt_float(v: float) -> str:
    """Up to 4 decimals, no padding: 1., 0.8776, -2691.035."""
    if v != 0 and abs(v) < 1e-4 or abs(v) >= 1e16:
        return np.format_float_scientific(v, precision=3, trim="-")
    return np.format_float_positional(v, precision=4, trim=".")


def format_array(arr: np.ndarray | None, max_values: int = 8) -> str:
    """One line for a gradient: in full when small, else its shape and a few values."""
    if arr is None:
        return "None"
    arr = np.asarray(arr)
    opts = dict(separator=", ", max_line_width=10 ** 6, formatter={"float_kind": _fmt_float})
    if arr.size <= max_values:
        return re.sub(r"\n\s*", " ", np.array2string(arr, **opts))
    flat = arr.reshape(-1)
    head = np.array2string(flat[:3], **opts)[:-1]
    tail = np.array2string(flat[-1:], **opts)[1:]
    return f"{_fmt_shape(arr.shape)} {head}, ..., {tail}"
