"""Tests for tapegrad.autograd.trace_backward (a recorded backward pass)."""
from __future__ import annotations

import threading
import xml.etree.ElementTree as ET

import numpy as np
import pytest

import tapegrad as torch
from tapegrad.autograd import BackwardTrace, _engine, trace_backward


def _graph_targets(y) -> list:
    """Every node and leaf reachable from y (walked independently of the trace)."""
    seen, stack, out = set(), [y.grad_fn], []
    while stack:
        obj = stack.pop()
        if id(obj) in seen:
            continue
        seen.add(id(obj))
        out.append(obj)
        for edge in getattr(obj, "_next", ()):
            if edge is not None:
                stack.append(edge[0])
    return out


def _check_order(trace: BackwardTrace) -> None:
    """A node runs only after every node that sends it a gradient."""
    for step in trace:
        for flow in step.grad_out:
            assert flow.step is not None and flow.step > step.index, (step, flow)


def test_product_sum_hand_derived():
    x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    w = torch.tensor([4.0, 5.0, 6.0], requires_grad=True)
    y = (x * w).sum()
    trace = trace_backward(y, names={"x": x, "w": w})

    assert [s.name for s in trace][:2] == ["SumBackward0", "MulBackward0"]
    assert sorted(s.name for s in trace[2:]) == ["w", "x"]
    s_sum, s_mul = trace[0], trace[1]
    assert s_sum.target is y.grad_fn and not s_sum.is_leaf
    np.testing.assert_array_equal(s_sum.grad_in[0], 1.0)
    (flow,) = s_sum.grad_out
    assert flow.name == "MulBackward0" and flow.step == 2
    np.testing.assert_array_equal(flow.grad, [1.0, 1.0, 1.0])
    # d(x*w)/dx = w and d(x*w)/dw = x, times the incoming ones
    to_x, to_w = s_mul.grad_out
    assert (to_x.name, to_w.name) == ("x", "w")
    assert to_x.target is x and to_w.target is w
    np.testing.assert_array_equal(to_x.grad, [4.0, 5.0, 6.0])
    np.testing.assert_array_equal(to_w.grad, [1.0, 2.0, 3.0])
    assert trace.step_of(x).is_leaf and trace.step_of(x).grad_out == []
    np.testing.assert_array_equal(trace.step_of(x).grad_in[0], [4.0, 5.0, 6.0])
    np.testing.assert_array_equal(trace.step_of(w).grad_in[0], [1.0, 2.0, 3.0])
    # backward really ran
    np.testing.assert_array_equal(x.grad.numpy(), [4.0, 5.0, 6.0])
    np.testing.assert_array_equal(w.grad.numpy(), [1.0, 2.0, 3.0])
    _check_order(trace)


def test_every_node_once_and_leaves_with_final_gradient():
    x = torch.tensor([0.5, 1.0, 2.0], requires_grad=True)
    a = x * 2.0
    y = (torch.exp(a) + torch.sin(a) * x).sum()  # a is shared, x is used twice
    graph = _graph_targets(y)
    trace = trace_backward(y)
    assert len(trace) == len(graph)
    ran = [s.target for s in trace]
    for target in graph:
        assert sum(t is target for t in ran) == 1, target
    _check_order(trace)
    xv = np.array([0.5, 1.0, 2.0])
    expected = 2 * np.exp(2 * xv) + 2 * np.cos(2 * xv) * xv + np.sin(2 * xv)
    leaf = trace.step_of(x)
    assert leaf is trace[-1] and leaf.name == "leaf#0"
    np.testing.assert_allclose(leaf.grad_in[0], expected, rtol=1e-6)
    np.testing.assert_allclose(leaf.grad_in[0], x.grad.numpy())


def test_gradients_into_a_node_sum_to_what_it_receives():
    x = torch.tensor([0.3, -1.2], requires_grad=True)
    h = x * x
    y = (torch.sin(h) + h * 3.0).sum()
    trace = trace_backward(y)
    node = trace.step_of(h)
    sent = [f.grad for s in trace for f in s.grad_out if f.target is h.grad_fn]
    assert len(sent) == 2
    np.testing.assert_allclose(sum(sent), node.grad_in[0])
    np.testing.assert_allclose(node.grad_in[0], np.cos(x.detach().numpy() ** 2) + 3.0,
                               rtol=1e-6)


def test_broadcast_gradient_is_shown_reduced():
    x = torch.ones(2, 3, requires_grad=True)
    b = torch.tensor([10.0], requires_grad=True)
    y = (x * 2.0 + b).sum()
    trace = trace_backward(y, names={"b": b})
    (to_b,) = [f for s in trace for f in s.grad_out if f.name == "b"]
    assert to_b.grad.shape == (1,)
    np.testing.assert_array_equal(to_b.grad, [6.0])  # six elements, each d/db = 1
    np.testing.assert_array_equal(b.grad.numpy(), [6.0])


def test_gradient_argument_and_inputs():
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    w = torch.tensor([3.0, 4.0], requires_grad=True)
    y = x * w
    trace = trace_backward(y, gradient=torch.tensor([1.0, 10.0]), inputs=[x])
    np.testing.assert_array_equal(trace[0].grad_in[0], [1.0, 10.0])
    np.testing.assert_array_equal(x.grad.numpy(), [3.0, 40.0])
    assert w.grad is None


def test_multi_output_node():
    a = torch.arange(6.0, requires_grad=True)
    p, q, r = a.split(2)
    y = (p * 2.0 + q).sum()  # r unused
    trace = trace_backward(y, names={"a": a})
    split = trace.step_of(p)
    assert split.name == "SplitBackward0" and len(split.grad_in) == 3
    np.testing.assert_array_equal(split.grad_in[0], [2.0, 2.0])
    np.testing.assert_array_equal(split.grad_in[1], [1.0, 1.0])
    assert split.grad_in[2] is None
    flows = {f.output_nr for s in trace for f in s.grad_out if f.target is p.grad_fn}
    assert flows == {0, 1}
    text = trace.table()
    assert "SplitBackward0 output 0" in text and "[2] None" in text
    np.testing.assert_array_equal(a.grad.numpy(), [2.0, 2.0, 1.0, 1.0, 0.0, 0.0])


def test_observer_removed_even_when_backward_raises():
    before = list(_engine.observers)
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="grad can be implicitly created only for scalar"):
        trace_backward(x * 2)
    assert _engine.observers == before

    def boom(g):
        raise ZeroDivisionError("raised inside the engine")

    x.register_hook(boom)
    with pytest.raises(ZeroDivisionError):
        trace_backward((x * 3).sum())
    assert _engine.observers == before


def test_other_threads_are_not_recorded():
    x = torch.tensor(2.0, requires_grad=True)
    z_leaf = torch.tensor(5.0, requires_grad=True)
    z = torch.exp(z_leaf) * 4.0

    def run_elsewhere(g):
        thread = threading.Thread(target=z.backward)
        thread.start()
        thread.join()

    x.register_hook(run_elsewhere)
    trace = trace_backward(torch.sin(x))
    assert [s.name for s in trace] == ["SinBackward0", "leaf#0"]
    assert z_leaf.grad is not None  # the other backward did run


def test_table_lists_steps_and_names():
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    u = torch.tensor([3.0, 4.0], requires_grad=True)
    y = (torch.exp(x) * u).sum()
    trace = trace_backward(y, names={"x": x})
    text = str(trace)
    assert text == trace.table()
    lines = text.splitlines()
    assert lines[0].split() == ["step", "node", "grad", "in", "grad", "out", "to"]
    for name in ("SumBackward0", "MulBackward0", "ExpBackward0", "x (2,)", "leaf#0 (2,)"):
        assert name in text
    starts = [line.split()[0] for line in lines[1:] if line[:4].strip()]
    assert starts == [str(i) for i in range(1, len(trace) + 1)]
    assert "MulBackward0 (step 2)" in text
    assert repr(trace) == f"<BackwardTrace: {len(trace)} steps>"


def test_large_arrays_are_abbreviated():
    x = torch.ones(100, 3, requires_grad=True)
    trace = trace_backward((x * 2.0).sum())
    text = trace.table()
    assert "(100, 3) [2., 2., 2., ..., 2.]" in text
    assert max(len(line) for line in text.splitlines()) < 120


def test_leaf_output():
    x = torch.tensor(3.0, requires_grad=True)
    trace = trace_backward(x)
    assert len(trace) == 1 and trace[0].is_leaf and trace[0].target is x
    np.testing.assert_array_equal(trace[0].grad_in[0], 1.0)


def test_draw_labels_edges_with_gradients():
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    trace = trace_backward(y, names={"x": x})
    g = trace.draw()
    n_flows = sum(len(s.grad_out) for s in trace)
    assert len(g.nodes) == len(trace) + 1  # plus the output
    assert len(g.edges) == n_flows + 1
    labels = [a.get("label") for a in g.edge_attrs]
    assert labels.count("[1., 2.]") == 2  # d(x*x) sends x along each of its two edges
    assert "[1., 1.]" in labels and "1." in labels
    root = ET.fromstring(g.render_svg())
    texts = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
    assert "1. SumBackward0" in texts and "2. MulBackward0" in texts and "3. x" in texts
    assert texts.count("[1., 2.]") == 2
    assert "grad=[2., 4.]" in texts


def test_module_docstring_shows_real_output():
    from tapegrad.autograd import trace as trace_module

    doc = trace_module.__doc__
    shown = doc[doc.index(">>> print(trace)\n") + len(">>> print(trace)\n"):
                doc.index("    >>> trace.draw()")]
    x = torch.tensor([0.5, 1.0, 2.0], requires_grad=True)
    y = (x * x + torch.sin(x)).sum()
    trace = trace_backward(y, names={"x": x})
    assert [line[4:] for line in shown.splitlines()] == str(trace).splitlines()


def test_readme_shows_real_output():
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    start = readme.index('print(trace)\n```\n```\n') + len('print(trace)\n```\n```\n')
    shown = readme[start:readme.index("```", start)]
    x = torch.tensor([0.5, 1.0, 2.0], requires_grad=True)
    y = (x * x + torch.sin(x)).sum()
    assert shown.rstrip("\n") == str(trace_backward(y, names={"x": x}))
