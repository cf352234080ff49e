"""Calculus helpers in the spirit of D2L section 2.4 ("Calculus").

The functions here let you explore derivatives in three ways:

* numerically, with :func:`numerical_lim` (forward difference, as in the book)
  and :func:`numerical_derivative` (central difference);
* exactly, with tapegrad's autograd via :func:`derivative` and :func:`gradient`;
* visually, with :func:`tangent_line` and :func:`plot` (needs matplotlib,
  ``pip install 'tapegrad[plot]'``).

Example::

    >>> from tapegrad import calculus
    >>> f = lambda x: 3 * x ** 2 - 4 * x
    >>> round(calculus.numerical_lim(f, 1.0, 0.1), 6)
    2.3
    >>> calculus.tangent_line(f, 1.0)
    (2.0, -3.0)
"""
from __future__ import annotations

from typing import Any, Callable, Sequence

import tapegrad
from tapegrad import Tensor
from tapegrad._public import public_dir as _public_dir

__all__ = ["numerical_lim", "numerical_derivative", "derivative", "gradient", "tangent_line",
           "plot"]


def __dir__() -> list[str]:
    return _public_dir(globals())

ScalarFn = Callable[[Any], Any]


def numerical_lim(f: ScalarFn, x: float, h: float) -> float:
    """Forward difference quotient ``(f(x + h) - f(x)) / h``."""
    return (f(x + h) - f(x)) / h


def numerical_derivative(f: ScalarFn, x: float, h: float = 1e-5) -> float:
    """Central difference approximation ``(f(x + h) - f(x - h)) / (2h)`` of ``f'(x)``."""
    return (f(x + h) - f(x - h)) / (2 * h)


def _as_float_tensor(x: Any) -> Tensor:
    """A detached float64 leaf tensor holding ``x`` that requires grad."""
    if isinstance(x, Tensor):
        t = x.detach().to(tapegrad.float64)
    else:
        t = tapegrad.tensor(x, dtype=tapegrad.float64)
    return t.clone().requires_grad_(True)


def _like_input(g: Tensor, x: Any) -> Tensor:
    """Give ``g`` the dtype of ``x`` when ``x`` is a floating-point tensor."""
    if isinstance(x, Tensor) and x.is_floating_point():
        return g.to(x.dtype)
    return g


def derivative(f: Callable[[Tensor], Tensor]) -> Callable[[Any], Any]:
    """Return a function computing ``df/dx`` at a point using autograd.

    ``f`` must map a tensor to a tensor elementwise.  The returned function accepts a
    Python number (and then returns a float) or a tensor (and then returns a tensor
    of the same shape holding the derivative at each point).
    """

    def df(x: Any) -> Any:
        xt = _as_float_tensor(x)
        with tapegrad.enable_grad():
            y = f(xt)
            # Summing is harmless for an elementwise f: d(sum_i f(x_i))/dx_j = f'(x_j).
            (g,) = tapegrad.autograd.grad(y.sum(), xt)
        if isinstance(x, Tensor):
            return _like_input(g.detach(), x)
        return float(g.item())

    return df


def gradient(f: Callable[[Tensor], Tensor]) -> Callable[[Any], Tensor]:
    """Return a function computing the gradient of a scalar-valued multivariate ``f``."""

    def grad_f(x: Any) -> Tensor:
        xt = _as_float_tensor(x)
        with tapegrad.enable_grad():
            y = f(xt)
            if y.numel() != 1:
                raise ValueError(f"gradient(f) needs f to return a scalar, got shape "
                                 f"{tuple(y.shape)}")
            (g,) = tapegrad.autograd.grad(y.reshape(()), xt)
        return _like_input(g.detach(), x)

    return grad_f


def tangent_line(f: Callable[[Tensor], Tensor], x0: float) -> tuple[float, float]:
    """Slope and intercept of the tangent to ``f`` at ``x0``: ``y = slope * x + intercept``."""
    x0 = float(x0)
    slope = derivative(f)(x0)
    y0 = float(f(tapegrad.tensor(x0, dtype=tapegrad.float64)).item())
    return slope, y0 - slope * x0


def plot(f: Callable[[Tensor], Tensor], x_range: tuple[float, float] = (0, 3),
         tangent_at: float | None = None, ax: Any = None, path: str | None = None,
         num: int = 100, labels: Sequence[str] | None = None) -> Any:
    """Plot ``f`` over ``x_range`` and, if ``tangent_at`` is given, its tangent line there.

    ``f`` receives a float64 tensor of ``num`` points made with :func:`tapegrad.linspace`.
    Draws on ``ax`` when given (else on a new figure, without any GUI), saves to ``path``
    (``.svg`` / ``.png``, ...) when given, and returns the matplotlib Axes.
    ``labels`` overrides the legend entries (default ``'f(x)'`` and
    ``'Tangent line (x=...)'``).
    """
    try:
        from matplotlib.figure import Figure
    except ImportError as exc:
        raise ImportError("plot() needs matplotlib; install it with "
                          "pip install 'tapegrad[plot]'") from exc

    if ax is None:
        ax = Figure(figsize=(4.5, 3.0), layout="constrained").add_subplot()
    with tapegrad.no_grad():
        x = tapegrad.linspace(float(x_range[0]), float(x_range[1]), num,
                              dtype=tapegrad.float64)
        y = f(x)
    xs, ys = x.detach().numpy(), y.detach().numpy()

    default_labels = ["f(x)"]
    if tangent_at is not None:
        default_labels.append(f"Tangent line (x={tangent_at:g})")
    names = list(labels) if labels is not None else default_labels

    # gids name the curves' groups in SVG output (<g id="calculus-f">), for tools and tests
    ax.plot(xs, ys, "-", label=names[0], gid="calculus-f")
    if tangent_at is not None:
        slope, intercept = tangent_line(f, tangent_at)
        ax.plot(xs, slope * xs + intercept, "m--", label=names[1], gid="calculus-tangent")
    ax.set_xlabel("x")
    ax.set_ylabel("f(x)")
    ax.grid(True)
    ax.legend()
    if path is not None:
        ax.figure.savefig(path)
    return ax
