"""Tests for tapegrad.calculus (D2L 2.4 helpers)."""
from __future__ import annotations

import math
import sys

import numpy as np
import pytest

import tapegrad as torch
from tapegrad import calculus


def f(x):
    return 3 * x ** 2 - 4 * x


@pytest.mark.parametrize("i, expected", [(1, 2.3), (2, 2.03), (3, 2.003), (4, 2.0003),
                                         (5, 2.00003)])
def test_numerical_lim_matches_d2l(i, expected):
    h = 0.1 ** i
    assert calculus.numerical_lim(f, 1.0, h) == pytest.approx(expected, abs=1e-6)


def test_numerical_derivative_central_difference():
    assert calculus.numerical_derivative(f, 1.0) == pytest.approx(2.0, abs=1e-8)
    assert calculus.numerical_derivative(math.sin, 0.3) == pytest.approx(math.cos(0.3), abs=1e-8)


@pytest.mark.parametrize("fn, closed_form", [
    (torch.sin, np.cos),
    (torch.exp, np.exp),
    (lambda x: x ** 3, lambda x: 3 * x ** 2),
    (f, lambda x: 6 * x - 4),
])
def test_derivative_matches_closed_form(fn, closed_form):
    df = calculus.derivative(fn)
    for x0 in (-1.5, 0.0, 0.7, 2.0):
        d = df(x0)
        assert isinstance(d, float)
        assert d == pytest.approx(float(closed_form(x0)), rel=1e-12, abs=1e-12)
    xs = torch.linspace(-2.0, 2.0, 9, dtype=torch.float64)
    d = df(xs)
    assert isinstance(d, torch.Tensor)
    assert not d.requires_grad
    assert d.shape == xs.shape
    np.testing.assert_allclose(d.numpy(), closed_form(xs.numpy()), rtol=1e-12, atol=1e-12)


def test_derivative_agrees_with_numerical():
    assert calculus.derivative(torch.tanh)(0.4) == pytest.approx(
        calculus.numerical_derivative(math.tanh, 0.4), abs=1e-8)


def test_derivative_does_not_touch_input():
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    d = calculus.derivative(f)(x)
    assert x.grad is None
    np.testing.assert_allclose(d.numpy(), [2.0, 8.0])


def test_gradient_of_sum_of_squares():
    x = torch.tensor([1.0, -2.0, 3.5, 0.0])
    g = calculus.gradient(lambda v: (v ** 2).sum())(x)
    assert isinstance(g, torch.Tensor)
    np.testing.assert_allclose(g.numpy(), 2 * x.numpy())


def test_gradient_requires_scalar_output():
    with pytest.raises(ValueError):
        calculus.gradient(lambda v: v ** 2)(torch.tensor([1.0, 2.0]))


def test_tangent_line():
    slope, intercept = calculus.tangent_line(f, 1.0)
    assert isinstance(slope, float) and isinstance(intercept, float)
    assert (slope, intercept) == pytest.approx((2.0, -3.0))


@pytest.mark.parametrize("suffix", ["svg", "png"])
def test_plot_writes_file_and_draws_tangent(tmp_path, suffix):
    pytest.importorskip("matplotlib")
    path = tmp_path / f"tangent.{suffix}"
    ax = calculus.plot(f, x_range=(0, 3), tangent_at=1, path=str(path))
    assert path.exists() and path.stat().st_size > 0
    if suffix == "svg":
        assert "<svg" in path.read_text()
    else:
        assert path.read_bytes().startswith(b"\x89PNG")
    lines = ax.get_lines()
    assert len(lines) == 2
    fx, tangent = lines
    xs = np.asarray(fx.get_xdata())
    np.testing.assert_allclose(np.asarray(fx.get_ydata()), 3 * xs ** 2 - 4 * xs)
    tx = np.asarray(tangent.get_xdata())
    np.testing.assert_allclose(np.asarray(tangent.get_ydata()), 2 * tx - 3, atol=1e-12)
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["f(x)", "Tangent line (x=1)"]


def test_plot_without_tangent_on_given_axes():
    pytest.importorskip("matplotlib")
    from matplotlib.figure import Figure

    ax = Figure().add_subplot()
    out = calculus.plot(torch.sin, x_range=(0, 1), ax=ax, num=11)
    assert out is ax
    assert len(ax.get_lines()) == 1
    assert len(ax.get_lines()[0].get_xdata()) == 11


def test_plot_without_matplotlib(monkeypatch):
    for name in list(sys.modules):
        if name == "matplotlib" or name.startswith("matplotlib."):
            monkeypatch.setitem(sys.modules, name, None)
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    with pytest.raises(ImportError, match=r"tapegrad\[plot\]"):
        calculus.plot(f, tangent_at=1)
