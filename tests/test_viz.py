"""Tests for tapegrad.viz (autograd graph drawing)."""

import importlib.util
import shutil

import pytest

import tapegrad as torch
from tapegrad import viz
from tapegrad.viz import Graph, draw


def _setup():
    x = torch.arange(4.0, requires_grad=True)
    y = 2 * torch.dot(x, x)
    return x, y


def _ids_by_label(g: Graph, text: str):
    return [nid for nid, attrs in g.nodes if text in attrs.get("label", "")]


def test_dot_contains_ops_leaf_and_edges():
    x, y = _setup()
    g = draw(y)
    src = g.source
    assert src.startswith("digraph")
    assert "MulBackward0" in src and "DotBackward0" in src
    assert "(4,)" in src
    assert str(g) == src

    (mul,) = _ids_by_label(g, "MulBackward0")
    (dot,) = _ids_by_label(g, "DotBackward0")
    leaf = f"n{id(x)}"
    assert "(4,)" in g.label(leaf) and "float32" in g.label(leaf)
    assert (leaf, dot) in g.edges
    assert (dot, mul) in g.edges
    assert f'"{leaf}" -> "{dot}"' in src
    assert f'"{dot}" -> "{mul}"' in src


def test_shared_leaf_is_one_node():
    x, y = _setup()
    g = draw(y)
    leaves = [nid for nid, _ in g.nodes if nid == f"n{id(x)}"]
    assert len(leaves) == 1
    assert len(_ids_by_label(g, "(4,)")) == 1


def test_params_label_leaves():
    x, y = _setup()
    g = draw(y, params={"weights": x})
    assert "weights" in g.label(f"n{id(x)}")
    assert "weights" in g.source


def test_show_values_and_grads():
    x, y = _setup()
    y.backward()
    g = draw(y, params={"x": x}, show_values=True, show_grads=True)
    label = g.label(f"n{id(x)}")
    assert "value=[0., 1., 2., 3.]" in label
    assert "grad=[ 0.,  4.,  8., 12.]" in label or "grad=[0., 4., 8., 12.]" in label
    assert "value=28." in g.source  # the output's value


def test_detached_input_not_drawn():
    x = torch.arange(3.0, requires_grad=True)
    w = torch.ones(3, requires_grad=True)
    y = (x * w.detach()).sum()
    g = draw(y)
    tensor_boxes = [nid for nid, a in g.nodes if a.get("shape") == "box"]
    assert f"n{id(x)}" in tensor_boxes
    assert len(tensor_boxes) == 2  # leaf x and the output


def test_retained_grad_is_dashed():
    x = torch.arange(3.0, requires_grad=True)
    h = x * 3
    h.retain_grad()
    y = h.sum()
    g = draw(y, params={"h": h})
    (rid,) = [nid for nid, a in g.nodes if a.get("style") == "dashed"]
    assert "h" in g.label(rid)
    assert "dashed" in g.source


def test_long_chain_no_recursion_error():
    x = torch.ones(1, requires_grad=True)
    y = x
    for _ in range(10_000):
        y = y * 1.0
    g = draw(y)
    assert len(_ids_by_label(g, "MulBackward0")) == 10_000
    assert len(g.edges) == 10_001


def test_save_dot(tmp_path):
    _, y = _setup()
    path = tmp_path / "graph.dot"
    draw(y).save(path)
    text = path.read_text()
    assert text.startswith("digraph") and "DotBackward0" in text


def test_save_svg_with_or_without_graphviz(tmp_path, monkeypatch):
    _, y = _setup()
    g = draw(y)
    available = shutil.which("dot") is not None and importlib.util.find_spec("graphviz") is not None
    if available:
        g.save(tmp_path / "dot.svg", renderer="graphviz")
        assert "<svg" in (tmp_path / "dot.svg").read_text()
        assert g._repr_svg_().lstrip().startswith(("<?xml", "<svg", "<!--"))
    monkeypatch.setattr(viz, "_graphviz_available", lambda: False)
    path = tmp_path / "graph.svg"
    g.save(path)  # renderer="auto" falls back to the built-in layout
    text = path.read_text()
    assert text == g.render_svg()
    assert "DotBackward0" in text and "MulBackward0" in text
    assert g._repr_svg_() == text


def test_png_needs_graphviz(tmp_path, monkeypatch):
    _, y = _setup()
    g = draw(y)
    monkeypatch.setattr(viz.shutil, "which", lambda name: None)  # no ``dot`` on PATH
    path = tmp_path / "graph.png"
    with pytest.raises(RuntimeError, match=r"pip install 'tapegrad\[graph\]'") as info:
        g.save(path)
    assert "dot" in str(info.value)
    with pytest.raises(RuntimeError, match="dot"):
        g.save(tmp_path / "graph.svg", renderer="graphviz")
    with pytest.raises(ValueError, match="SVG only"):
        g.save(path, renderer="builtin")
    with pytest.raises(ValueError, match="renderer must be one of"):
        g.save(tmp_path / "graph.svg", renderer="cairo")
    assert not path.exists()


def test_edge_labels_in_dot():
    g = Graph()
    g.add_edge("a", "b", label="[1., 2.]")
    g.add_edge("b", "c")
    assert '"a" -> "b" [label="[1., 2.]"];' in g.source
    assert '"b" -> "c";' in g.source
    assert g.edges == [("a", "b"), ("b", "c")]
