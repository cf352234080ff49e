"""Tests for the built-in SVG renderer (tapegrad._svg through viz.Graph.render_svg)."""
from __future__ import annotations

import re
import time
import xml.etree.ElementTree as ET

import pytest

import tapegrad as torch
from tapegrad.viz import Graph, draw

NS = "{http://www.w3.org/2000/svg}"


def _parse(svg: str):
    root = ET.fromstring(svg)
    assert root.tag == NS + "svg"
    nodes = [g for g in root.iter(NS + "g") if g.get("class") == "node"]
    edges = [g for g in root.iter(NS + "g") if g.get("class") == "edge"]
    return root, nodes, edges


def _texts(element) -> list:
    return [t.text for t in element.iter(NS + "text")]


def _boxes(nodes) -> dict:
    """title -> (left, top, right, bottom) of each node's shape."""
    out = {}
    for g in nodes:
        title = g.find(NS + "title").text
        rect, ell = g.find(NS + "rect"), g.find(NS + "ellipse")
        if rect is not None:
            x, y = float(rect.get("x")), float(rect.get("y"))
            out[title] = (x, y, x + float(rect.get("width")), y + float(rect.get("height")))
        else:
            cx, cy = float(ell.get("cx")), float(ell.get("cy"))
            rx, ry = float(ell.get("rx")), float(ell.get("ry"))
            out[title] = (cx - rx, cy - ry, cx + rx, cy + ry)
    return out


def _ends(edge):
    """First and last point of an edge's path."""
    nums = [float(v) for v in re.findall(r"-?\d+(?:\.\d+)?", edge.find(NS + "path").get("d"))]
    return (nums[0], nums[1]), (nums[-2], nums[-1])


def _check_geometry(svg: str) -> None:
    """Nodes do not overlap; every edge leaves its tail's bottom and enters its head's top."""
    _, nodes, edges = _parse(svg)
    boxes = _boxes(nodes)
    items = list(boxes.values())
    for i, a in enumerate(items):
        for b in items[i + 1:]:
            assert a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1], (a, b)
    for e in edges:
        tail, head = e.find(NS + "title").text.split("->")
        (x0, y0), (x1, y1) = _ends(e)
        t, h = boxes[tail], boxes[head]
        assert t[3] <= h[1]  # the tail's row is above the head's
        assert t[0] <= x0 <= t[2] and (t[1] + t[3]) / 2 <= y0 <= t[3] + 0.1  # lower half
        assert h[0] <= x1 <= h[2] and h[1] - 0.1 <= y1 < h[3]


def test_small_graph_counts_and_labels():
    x = torch.arange(4.0, requires_grad=True)
    y = 2 * torch.dot(x, x)
    g = draw(y, params={"x": x})
    svg = g.render_svg()
    root, nodes, edges = _parse(svg)
    # x, DotBackward0, MulBackward0, output; x->dot twice (dot(x, x)), dot->mul, mul->output
    assert len(nodes) == 4 == len(g.nodes)
    assert len(edges) == 4 == len(g.edges)
    texts = _texts(root)
    for label in ("DotBackward0", "MulBackward0", "x", "output", "(4,) float32"):
        assert label in texts
    _check_geometry(svg)


def test_diamond_shared_subexpression():
    x = torch.tensor([0.1, 0.2], requires_grad=True)
    a = x * 2.0
    y = (torch.exp(a) + torch.sin(a)).sum()
    g = draw(y, params={"x": x})
    root, nodes, edges = _parse(g.render_svg())
    # x, Mul, Exp, Sin, Add, Sum, output
    assert len(nodes) == 7
    # x->Mul, Mul->Exp, Mul->Sin, Exp->Add, Sin->Add, Add->Sum, Sum->output
    assert len(edges) == 7
    texts = _texts(root)
    assert texts.count("MulBackward0") == 1  # the shared node is drawn once
    for label in ("ExpBackward0", "SinBackward0", "AddBackward0", "SumBackward0", "x"):
        assert label in texts
    _check_geometry(g.render_svg())


def test_multi_output_op():
    a = torch.arange(6.0, requires_grad=True)
    p, q, r = a.split(2)
    y = (p * q + r).sum()
    g = draw(y, params={"a": a})
    svg = g.render_svg()
    root, nodes, edges = _parse(svg)
    # a, Split, Mul, Add, Sum, output
    assert len(nodes) == 6
    # a->Split, Split->Mul twice, Split->Add, Mul->Add, Add->Sum, Sum->output
    assert len(edges) == 7
    assert _texts(root).count("SplitBackward0") == 1
    _check_geometry(svg)

    u = torch.ones(3, 2, requires_grad=True)
    rows = u.unbind(0)
    z = rows[0] * rows[2]
    root, nodes, edges = _parse(draw(z.sum()).render_svg())
    assert "UnbindBackward0" in _texts(root)
    assert len(nodes) == 5 and len(edges) == 5  # u, Unbind, Mul, Sum, output


def test_labels_are_escaped():
    g = Graph("a <b> & 'c'")
    g.add_node("p", label='x < y & "z"\nsecond > line', shape="box")
    g.add_node("q&r", label="<q>", shape="ellipse", style="dashed")
    g.add_edge("p", "q&r", label="a<b")
    root, nodes, edges = _parse(g.render_svg())
    texts = _texts(root)
    assert 'x < y & "z"' in texts and "second > line" in texts and "<q>" in texts
    assert "a<b" in texts
    assert edges[0].find(NS + "title").text == "p->q&r"


def test_barycentre_removes_a_crossing():
    g = Graph()
    for n in ("A", "B", "C", "D"):
        g.add_node(n, label=n, shape="box")
    g.add_edge("A", "D")
    g.add_edge("B", "C")
    _, nodes, _ = _parse(g.render_svg())
    boxes = _boxes(nodes)
    centre = {k: (b[0] + b[2]) / 2 for k, b in boxes.items()}
    assert (centre["A"] < centre["B"]) == (centre["D"] < centre["C"])


def test_long_edge_bends_around_a_node():
    # a->c skips a row that b occupies; the edge must not pass through b's box
    g = Graph()
    for n in "abc":
        g.add_node(n, label=n * 12, shape="box")
    g.add_edge("a", "b")
    g.add_edge("b", "c")
    g.add_edge("a", "c")
    svg = g.render_svg()
    _check_geometry(svg)
    _, nodes, edges = _parse(svg)
    b = _boxes(nodes)["b"]
    (long_edge,) = [e for e in edges if e.find(NS + "title").text == "a->c"]
    d = long_edge.find(NS + "path").get("d")
    pts = [float(v) for v in re.findall(r"-?\d+(?:\.\d+)?", d)]
    mids = [(pts[i], pts[i + 1]) for i in range(0, len(pts), 2)]
    at_b_row = [x for x, y in mids if b[1] <= y <= b[3]]
    assert at_b_row and all(x < b[0] or x > b[2] for x in at_b_row)


def test_colours_and_styles():
    x = torch.ones(2, requires_grad=True)
    h = x * 3.0
    h.retain_grad()
    svg = draw(h.sum(), params={"x": x, "h": h}).render_svg()
    assert 'fill="#caff70"' in svg  # darkolivegreen1, an X11 name SVG lacks
    assert 'fill="lightblue"' in svg
    assert "stroke-dasharray" in svg  # the retained tensor's dashed box


def test_cycle_and_empty_graph_do_not_hang():
    g = Graph()
    g.add_edge("a", "b")
    g.add_edge("b", "a")
    _, nodes, edges = _parse(g.render_svg())
    assert len(nodes) == 2 and len(edges) == 2
    _, nodes, edges = _parse(Graph().render_svg())
    assert nodes == [] and edges == []


def test_long_chain_renders_quickly():
    x = torch.ones(1, requires_grad=True)
    y = x
    for _ in range(2000):
        y = y * 1.0
    start = time.perf_counter()
    _, nodes, edges = _parse(draw(y).render_svg())
    assert time.perf_counter() - start < 10
    assert len(nodes) == 2002 and len(edges) == 2001


def test_save_svg_uses_builtin_renderer(tmp_path):
    x = torch.arange(3.0, requires_grad=True)
    g = draw((x * x).sum(), params={"x": x})
    path = g.save(tmp_path / "g.svg", renderer="builtin")
    text = open(path, encoding="utf-8").read()
    assert text == g.render_svg()
    _, nodes, _ = _parse(text)
    assert len(nodes) == len(g.nodes)


def test_readme_pictures_are_valid_svg():
    from pathlib import Path

    images = Path(__file__).resolve().parents[1] / "docs" / "images"
    for name, expected in (("graph.svg", "SinBackward0"), ("backward.svg", "4. MulBackward0")):
        root, nodes, edges = _parse((images / name).read_text(encoding="utf-8"))
        assert expected in _texts(root) and len(nodes) == 6
    tangent = ET.parse(images / "tangent.svg").getroot()
    ids = {g.get("id") for g in tangent.iter(NS + "g")}
    assert {"calculus-f", "calculus-tangent"} <= ids
