"""Draw the autograd graph behind a tensor as Graphviz DOT.

Usage::

    import tapegrad as torch
    from tapegrad.viz import draw

    x = torch.arange(4.0, requires_grad=True)
    y = 2 * torch.dot(x, x)
    g = draw(y, params={"x": x})
    print(g)              # DOT source
    g.save("graph.dot")   # DOT text
    g.save("graph.svg")   # SVG: Graphviz's ``dot`` when installed, else the built-in layout
    g.render_svg()        # SVG text from the built-in layout (pure Python, always works)
    g.save("graph.png")   # needs ``pip install 'tapegrad[graph]'`` and Graphviz's ``dot``

The graph has one box per leaf tensor that requires grad, one ellipse per backward
operation (named after its ``grad_fn``), and a box for the output tensor.  Edges point
in data-flow direction: inputs -> op -> ... -> output.  Non-leaf tensors that retain
their gradient (``t.retain_grad()``) appear as dashed boxes hanging off the op that
produced them.  Detached inputs have no edge in the autograd graph and are not drawn.
The built-in SVG layout (``tapegrad._svg``) puts the leaves on top and the output at the
bottom, like Graphviz's ``dot`` does with this DOT text.

The walk is iterative, so arbitrarily deep graphs do not hit Python's recursion limit.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import shutil
from typing import Any, Dict, List, Mapping, Optional, Tuple

import numpy as np

from tapegrad import _svg
from tapegrad._public import public_dir as _public_dir

__all__ = ["Graph", "draw", "draw_trace"]


def __dir__() -> list[str]:
    return _public_dir(globals())

_INSTALL_HINT = (
    "Rendering to {fmt!r} needs the 'graphviz' Python package and Graphviz's 'dot' "
    "program. Install them with `pip install 'tapegrad[graph]'` and your system's "
    "package manager (e.g. `apt-get install graphviz` or `brew install graphviz`), "
    "or save to a '.dot' or '.svg' file instead (SVG has a built-in renderer)."
)
_RENDERERS = ("auto", "builtin", "graphviz")


def _quote(text: str) -> str:
    """Quote ``text`` as a DOT string literal."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def _fmt_shape(shape: Tuple[int, ...]) -> str:
    shape = tuple(int(s) for s in shape)
    return f"({shape[0]},)" if len(shape) == 1 else str(shape)


def _fmt_dtype(dtype: Any) -> str:
    return str(getattr(dtype, "name", dtype)).replace("torch.", "")


def _fmt_array(array: Any) -> str:
    arr = np.asarray(array)
    return np.array2string(arr, precision=4, suppress_small=True, threshold=20,
                           max_line_width=60, separator=", ")


def _grad_array(tensor: Any) -> Optional[np.ndarray]:
    grad = getattr(tensor, "_grad", None)
    if grad is None:
        return None
    return getattr(grad, "_data", grad)


class Graph:
    """An autograd graph as DOT text, or as SVG drawn by Graphviz or by the built-in layout.

    ``nodes`` is a list of ``(node_id, attributes)`` pairs and ``edges`` a list of
    ``(tail_id, head_id)`` pairs, both in DOT order, with ``edge_attrs[i]`` the attributes
    of ``edges[i]`` (e.g. a ``label``); ``source`` is the full DOT text.
    """

    def __init__(self, name: str = "autograd") -> None:
        self.name = name
        self.nodes: List[Tuple[str, Dict[str, str]]] = []
        self.edges: List[Tuple[str, str]] = []
        self.edge_attrs: List[Dict[str, str]] = []

    # -- building ---------------------------------------------------------
    def add_node(self, node_id: str, **attrs: str) -> None:
        """Add a node; ``attrs`` are Graphviz attributes (``label``, ``shape``, ...)."""
        self.nodes.append((node_id, dict(attrs)))

    def add_edge(self, tail: str, head: str, **attrs: str) -> None:
        """Add an edge ``tail -> head`` with optional Graphviz attributes."""
        self.edges.append((tail, head))
        self.edge_attrs.append(dict(attrs))

    def label(self, node_id: str) -> str:
        """Return the label of ``node_id`` (raises ``KeyError`` if absent)."""
        for nid, attrs in self.nodes:
            if nid == node_id:
                return attrs.get("label", nid)
        raise KeyError(node_id)

    # -- output -----------------------------------------------------------
    @property
    def source(self) -> str:
        """The graph as Graphviz DOT text."""
        lines = [f"digraph {_quote(self.name)} {{",
                 '  graph [rankdir=TB];',
                 '  node [fontname="monospace", fontsize=10];']
        for nid, attrs in self.nodes:
            attr_text = ", ".join(f"{k}={_quote(v)}" for k, v in attrs.items())
            lines.append(f"  {_quote(nid)} [{attr_text}];")
        for (tail, head), attrs in zip(self.edges, self.edge_attrs):
            attr_text = ", ".join(f"{k}={_quote(v)}" for k, v in attrs.items())
            suffix = f" [{attr_text}]" if attrs else ""
            lines.append(f"  {_quote(tail)} -> {_quote(head)}{suffix};")
        lines.append("}")
        return "\n".join(lines) + "\n"

    def __str__(self) -> str:
        return self.source

    def __repr__(self) -> str:
        return f"<Graph {self.name!r}: {len(self.nodes)} nodes, {len(self.edges)} edges>"

    def _render(self, fmt: str) -> bytes:
        """Render through the ``graphviz`` package; RuntimeError if it or ``dot`` is missing."""
        try:
            graphviz = importlib.import_module("graphviz")
        except ImportError:
            raise RuntimeError(_INSTALL_HINT.format(fmt=fmt)) from None
        if shutil.which("dot") is None:
            raise RuntimeError(_INSTALL_HINT.format(fmt=fmt))
        try:
            return graphviz.Source(self.source).pipe(format=fmt)
        except graphviz.ExecutableNotFound:  # pragma: no cover - raced with PATH
            raise RuntimeError(_INSTALL_HINT.format(fmt=fmt)) from None

    def render_svg(self) -> str:
        """SVG text from tapegrad's own layered layout; needs neither Graphviz nor any extra."""
        edges = [(t, h, a) for (t, h), a in zip(self.edges, self.edge_attrs)]
        return _svg.render(self.nodes, edges, title=self.name)

    def save(self, path: "str | os.PathLike[str]", renderer: str = "auto") -> str:
        """Write the graph to ``path``; the suffix picks the format (.dot, .gv, .svg, .png, .pdf).

        ``renderer`` chooses who draws an SVG: ``"graphviz"`` (needs the ``graph`` extra and
        ``dot``), ``"builtin"`` (:meth:`render_svg`), or ``"auto"``: Graphviz when it is
        installed, else the built-in layout.  PNG and PDF always need Graphviz.
        """
        if renderer not in _RENDERERS:
            raise ValueError(f"renderer must be one of {_RENDERERS}, got {renderer!r}")
        path = os.fspath(path)
        ext = os.path.splitext(path)[1].lower().lstrip(".")
        if ext in ("dot", "gv", ""):
            with open(path, "w", encoding="utf-8") as fh:
                fh.write(self.source)
            return path
        if ext not in ("svg", "png", "pdf"):
            raise ValueError(f"unsupported graph format {ext!r}; use .dot, .svg, .png or .pdf")
        if ext == "svg" and (renderer == "builtin"
                             or (renderer == "auto" and not _graphviz_available())):
            data = self.render_svg().encode("utf-8")
        elif renderer == "builtin":
            raise ValueError(f"the built-in renderer writes SVG only, not {ext!r}")
        else:
            data = self._render(ext)
        with open(path, "wb") as fh:
            fh.write(data)
        return path

    def _repr_svg_(self) -> str:
        """SVG for Jupyter: Graphviz's drawing when it is installed, else the built-in one."""
        if _graphviz_available():
            try:
                return self._render("svg").decode("utf-8")
            except RuntimeError:  # pragma: no cover - dot vanished or failed
                pass
        return self.render_svg()


def _graphviz_available() -> bool:
    return shutil.which("dot") is not None and importlib.util.find_spec("graphviz") is not None


def _tensor_label(tensor: Any, title: Optional[str], show_values: bool,
                  show_grads: bool) -> str:
    lines = [title] if title else []
    lines.append(f"{_fmt_shape(tensor.shape)} {_fmt_dtype(tensor.dtype)}")
    if show_values:
        lines.append("value=" + _fmt_array(tensor._data))
    if show_grads:
        grad = _grad_array(tensor)
        lines.append("grad=" + ("None" if grad is None else _fmt_array(grad)))
    return "\n".join(lines)


def draw(tensor: Any, params: Optional[Mapping[str, Any]] = None,
         show_values: bool = False, show_grads: bool = False) -> Graph:
    """Build a :class:`Graph` of the autograd graph that produced ``tensor``.

    ``params`` maps names to tensors and is used to label leaves; unnamed leaves are
    labelled by shape and dtype only.  ``show_values`` / ``show_grads`` add the tensor
    data / ``.grad`` (when set) to tensor labels.
    """
    names: Dict[int, str] = {id(t): name for name, t in (params or {}).items()}
    graph = Graph()

    def node_id(obj: Any) -> str:
        return f"n{id(obj)}"

    out_id = f"out{id(tensor)}"
    graph.add_node(out_id, shape="box", style="filled", fillcolor="darkolivegreen1",
                   label=_tensor_label(tensor, names.get(id(tensor), "output"),
                                       show_values, show_grads))
    root = tensor.grad_fn
    if root is None:
        return graph  # a leaf (or a tensor without history) is its own whole graph
    graph.add_edge(node_id(root), out_id)

    seen = {id(root)}
    stack = [root]
    while stack:
        fn = stack.pop()
        graph.add_node(node_id(fn), shape="ellipse", style="filled",
                       fillcolor="lightgrey", label=fn.name())
        extra = getattr(fn, "_extra", None)
        for nr, ref in sorted(((extra.retained if extra is not None else None) or {}).items()):
            kept = ref()
            if kept is None or kept is tensor:
                continue
            kept_id = f"r{id(kept)}"
            graph.add_node(kept_id, shape="box", style="dashed",
                           label=_tensor_label(kept, names.get(id(kept), f"retained[{nr}]"),
                                               show_values, show_grads))
            graph.add_edge(node_id(fn), kept_id)
        for edge in fn._next:
            if edge is None:
                continue  # input that does not require grad (e.g. detached)
            target = edge[0]
            graph.add_edge(node_id(target), node_id(fn))
            if id(target) in seen:
                continue
            seen.add(id(target))
            if hasattr(target, "_next"):
                stack.append(target)
            else:  # a leaf tensor that requires grad
                graph.add_node(node_id(target), shape="box", style="filled",
                               fillcolor="lightblue",
                               label=_tensor_label(target, names.get(id(target)),
                                                   show_values, show_grads))
    return graph


def draw_trace(trace: Any, max_values: int = 4) -> Graph:
    """A :class:`Graph` of a :class:`tapegrad.autograd.trace.BackwardTrace` (what
    ``trace.draw()`` returns): edges point where gradients flowed and are labelled with them;
    nodes are numbered by step; leaves show their gradient.

    Example::

        trace = torch.autograd.trace_backward((x * x).sum(), names={"x": x})
        draw_trace(trace).save("backward.svg")
    """
    from tapegrad.autograd.trace import _fmt_shape as shape_text, format_array

    graph = Graph("backward")
    ids = {id(s.target): f"s{s.index}" for s in trace}
    out = trace.output
    graph.add_node("output", shape="box", style="filled", fillcolor="darkolivegreen1",
                   label=f"output\n{shape_text(out.shape)} {_fmt_dtype(out.dtype)}")
    for step in trace:
        if step.is_leaf:
            t = step.target
            graph.add_node(ids[id(t)], shape="box", style="rounded,filled",
                           fillcolor="lightblue",
                           label=f"{step.index}. {step.name}\n{shape_text(t.shape)} "
                                 f"{_fmt_dtype(t.dtype)}\n"
                                 f"grad={format_array(step.grad_in[0], max_values)}")
        else:
            graph.add_node(ids[id(step.target)], shape="ellipse", style="filled",
                           fillcolor="lightgrey", label=f"{step.index}. {step.name}")
    if len(trace):
        first = trace[0]
        nr = out._output_nr if len(first.grad_in) > 1 else 0
        graph.add_edge("output", ids[id(first.target)],
                       label=format_array(first.grad_in[nr], max_values))
    for step in trace:
        for flow in step.grad_out:
            dest = ids.get(id(flow.target))
            if dest is None:  # reached, but the engine never ran it (no gradient)
                dest = ids[id(flow.target)] = f"u{len(ids)}"
                graph.add_node(dest, shape="ellipse", style="dashed", label=flow.name)
            graph.add_edge(ids[id(step.target)], dest,
                           label=format_array(flow.grad, max_values))
    return graph


def _install_trace_painter() -> None:
    """Let ``BackwardTrace.draw()`` use :func:`draw_trace` (the engine imports no pictures)."""
    from tapegrad.autograd import trace as trace_module

    trace_module.painter = draw_trace


_install_trace_painter()
