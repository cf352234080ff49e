"""Statistics that torch composes from other ops (so their ``grad_fn`` is that of the last
step): ``cov``, ``corrcoef``, ``quantile``/``nanquantile``, ``cumulative_trapezoid``.

Written with tapegrad's public functions, in torch's order of operations, so values,
gradients and ``grad_fn`` names come out as torch's::

    >>> tapegrad.quantile(tapegrad.tensor([1., 2., 4.]), 0.75)
    tensor(3.)
"""
from __future__ import annotations

from typing import Any

import tapegrad

from .. import _dtype
from .._tensor import Tensor, _wrap_dim
from .loss import DIV_SCALAR
from .stat_ops import SQUEEZE_DIMS


def cov(input: Tensor, *, correction: int = 1, fweights: Tensor | None = None,
        aweights: Tensor | None = None) -> Tensor:
    """Covariance matrix of the variables in the rows of ``input`` (observations in columns),
    optionally with frequency weights ``fweights`` and observation weights ``aweights``."""
    if input.ndim > 2:
        raise RuntimeError("cov(): expected input to have two or fewer dimensions but got an "
                         f"input with {input.ndim} dimensions")
    if input.ndim < 2:
        input = input.view(1, -1)
    if not input.is_floating_point() and not input.is_complex():
        input = input.to(_dtype.get_default_dtype())
    observations = input.shape[1]
    w = fweights
    if aweights is not None:
        w = aweights if w is None else w * aweights
    if w is None:
        avg = input.mean(1)
        norm_factor = observations - correction
    else:
        w_sum = w.sum()
        avg = (input * w).sum(1) / w_sum
        if correction == 0:
            norm_factor = w_sum
        elif aweights is None:
            norm_factor = w_sum - correction
        else:
            norm_factor = w_sum - correction * (w * aweights).sum() / w_sum
    if bool(tapegrad.as_tensor(norm_factor) <= 0):
        from .._warnings import warn_at_caller
        warn_at_caller("cov(): degrees of freedom is <= 0. Correction should be strictly less "
                       "than the number of observations. (Triggered internally at "
                       "/__w/pytorch/pytorch/aten/src/ATen/native/Correlation.cpp:129.)")
        norm_factor = tapegrad.zeros((), dtype=input.dtype)  # (a Python 0 has no inverse)
    centered = input - avg.unsqueeze(1)
    weighted = centered if w is None else centered * w
    c = tapegrad.mm(centered, weighted.t().conj())
    return c.div(norm_factor).squeeze()


def corrcoef(input: Tensor) -> Tensor:
    """Pearson correlation coefficients of the rows of ``input``, clipped to [-1, 1]."""
    c = cov(input)
    if c.ndim == 0:  # one variable: 1, or NaN where its variance is 0 or NaN
        return c / c
    stddev = tapegrad.sqrt(tapegrad.diag(c))
    c = c / stddev[:, None]
    c = c / stddev[None, :]
    return tapegrad.clip(c, -1, 1)


_INTERPOLATIONS = ("linear", "lower", "higher", "midpoint", "nearest")


def _quantile(name: str, input: Tensor, q: Any, dim: Any, keepdim: bool, interpolation: str,
              ignore_nan: bool) -> Tensor:
    if input.numel() == 0:
        raise RuntimeError(f"{name}() input tensor must be non-empty")
    if input.dtype not in (tapegrad.float32, tapegrad.float64):
        raise RuntimeError(f"{name}() input tensor must be either float or double dtype")
    if isinstance(q, Tensor):
        if q.ndim > 1:
            raise RuntimeError(f"{name}() q must be a scalar or 1D tensor")
        if q.dtype != input.dtype:
            raise RuntimeError(f"{name}() q tensor must be same dtype as the input tensor")
        qt = q.detach()
    else:
        qt = tapegrad.tensor(q, dtype=input.dtype)
    if bool(((qt < 0) | (qt > 1)).any()):
        if isinstance(q, Tensor):
            raise RuntimeError(f"{name}() q values must be in the range [0, 1]")
        raise RuntimeError(f"{name}() q must be in the range [0, 1] but got {q}")
    if interpolation not in _INTERPOLATIONS:
        raise RuntimeError(f"{name}() interpolation must be one of linear, lower, higher, "
                           f"midpoint or nearest, but got {interpolation}")
    scalar_q = qt.ndim == 0
    qt = qt.reshape(-1)
    if dim is None:
        rows, out_shape = input.reshape(-1), [1] * input.ndim if keepdim else []
    else:
        d = _wrap_dim(dim, input.ndim)
        rows = input.movedim(d, -1) if input.ndim else input.reshape(1)
        out_shape = list(input.shape)
        if input.ndim:
            del out_shape[d]
            if keepdim:
                out_shape.insert(d, 1)
    values = rows.sort(-1).values  # NaNs sort last
    n = values.shape[-1]
    if ignore_nan:  # ranks over the non-NaN values; an all-NaN row picks its last (NaN) value
        last = (~values.isnan()).sum(-1, keepdim=True) - 1
        last = tapegrad.where(last < 0, tapegrad.full_like(last, n - 1), last)
        ranks = qt * last.to(input.dtype)
    else:  # a row holding NaN gives NaN: every rank points at its last (NaN) value
        has_nan = values.isnan().any(-1, keepdim=True)
        ranks = tapegrad.where(has_nan, tapegrad.full_like(has_nan, n - 1, dtype=input.dtype),
                               qt * (n - 1))
    if interpolation == "lower":
        ranks = ranks.floor()
    elif interpolation == "higher":
        ranks = ranks.ceil()
    elif interpolation == "nearest":
        ranks = ranks.round()
    below = ranks.floor().long()
    result = values.gather(-1, below)
    if interpolation in ("linear", "midpoint"):
        weights = ranks - below if interpolation == "linear" else tapegrad.full_like(ranks, 0.5)
        above = values.gather(-1, ranks.ceil().long())
        result = result.lerp(above, weights)
    result = result.reshape(*out_shape, qt.shape[0])
    if scalar_q:
        return SQUEEZE_DIMS(result, shape=tuple(out_shape))
    moved = result.unsqueeze(0).transpose(0, -1)
    return SQUEEZE_DIMS(moved, shape=tuple(moved.shape[:-1]))


def quantile(input: Tensor, q: Any, dim: Any = None, keepdim: bool = False, *,
             interpolation: str = "linear") -> Tensor:
    """The ``q``-quantiles (a number or 1-D tensor in [0, 1]) of ``input``, flattened or along
    ``dim``; NaN where the values hold a NaN.  With a 1-D ``q``, its dim comes first."""
    return _quantile("quantile", input, q, dim, keepdim, interpolation, False)


def nanquantile(input: Tensor, q: Any, dim: Any = None, keepdim: bool = False, *,
                interpolation: str = "linear") -> Tensor:
    """``quantile`` ignoring NaNs (NaN only where every value is NaN)."""
    return _quantile("nanquantile", input, q, dim, keepdim, interpolation, True)


def cumulative_trapezoid(y: Tensor, x: Tensor | None = None, *, dx: Any = None,
                         dim: int = -1) -> Tensor:
    """Running trapezoid-rule integral of ``y`` along ``dim`` (spacing ``dx``, 1 by default, or
    the sample points ``x``); one fewer element than ``y`` along ``dim``."""
    if x is not None and dx is not None:
        raise TypeError("cumulative_trapezoid() received an invalid combination of arguments")
    d = _wrap_dim(dim, y.ndim)
    n = y.shape[d]
    if n == 0:
        return tapegrad.zeros_like(y)
    left, right = y.narrow(d, 0, n - 1), y.narrow(d, 1, n - 1)
    if x is not None:
        if x.ndim == 1:
            spacing = x[1:] - x[:-1]
            shape = [1] * y.ndim
            shape[d] = spacing.shape[0]
            spacing = spacing.view(shape)
        else:
            xd = _wrap_dim(dim, x.ndim)
            spacing = x.narrow(xd, 1, n - 1) - x.narrow(xd, 0, n - 1)
        return DIV_SCALAR((spacing * (left + right)).cumsum(d), other=2)  # DivBackward1, as torch
    if dx is None:
        return ((left + right) / 2).cumsum(d)
    return ((left + right) * dx / 2).cumsum(d)




def _along(x: Tensor, h: Any, d: int) -> Any:
    """A 1-D tensor of step sizes ``h`` shaped to broadcast along dim ``d`` of ``x``."""
    shape = [1] * x.ndim
    shape[d] = h.shape[0]
    return h.reshape(shape)


def _derivative(x: Tensor, h: Any, d: int, edge_order: int) -> Tensor:
    """One dim's estimate: central differences inside, one-sided ones at both ends."""
    n = x.shape[d]

    def at(start: int, length: int = 1) -> Tensor:
        return x.narrow(d, start if start >= 0 else n + start, length)

    if not isinstance(h, Tensor):  # evenly spaced samples
        inner = (at(2, n - 2) - at(0, n - 2)) / (2 * h)
        if edge_order == 1:
            first, last = (at(1) - at(0)) / h, (at(-1) - at(-2)) / h
        else:
            first = (-1.5 * at(0) + 2 * at(1) - 0.5 * at(2)) / h
            last = (0.5 * at(-3) - 2 * at(-2) + 1.5 * at(-1)) / h
        return tapegrad.cat([first, inner, last], d)
    dx = _along(x, h[1:] - h[:-1], d).to(x.dtype)
    left, right = dx.narrow(d, 0, n - 2), dx.narrow(d, 1, n - 2)
    inner = (-right / (left * (left + right)) * at(0, n - 2)
             + (right - left) / (left * right) * at(1, n - 2)
             + left / (right * (left + right)) * at(2, n - 2))
    if edge_order == 1:
        first = (at(1) - at(0)) / dx.narrow(d, 0, 1)
        last = (at(-1) - at(-2)) / dx.narrow(d, n - 2, 1)
    else:
        a, b = dx.narrow(d, 0, 1), dx.narrow(d, 1, 1)
        first = (-(2 * a + b) / (a * (a + b)) * at(0) + (a + b) / (a * b) * at(1)
                 - a / (b * (a + b)) * at(2))
        a, b = dx.narrow(d, n - 3, 1), dx.narrow(d, n - 2, 1)
        last = (b / (a * (a + b)) * at(-3) - (a + b) / (a * b) * at(-2)
                + (2 * b + a) / (b * (a + b)) * at(-1))
    return tapegrad.cat([first, inner, last], d)


def gradient(input: Tensor, *, spacing: Any = 1, dim: Any = None,
             edge_order: int = 1) -> tuple:
    """Estimated partial derivatives of ``input`` along each of ``dim`` (every dim by default):
    central differences inside, one-sided differences of order ``edge_order`` (1 or 2) at the
    ends.  ``spacing``: one step for all dims, one per dim, or each dim's sample coordinates
    (1-D tensors)::

        tapegrad.gradient(tapegrad.tensor([1., 4., 9., 16.]))   # (tensor([3., 4., 6., 7.]),)
    """
    dims = list(range(input.ndim)) if dim is None else (
        [dim] if isinstance(dim, int) else list(dim))
    dims = [_wrap_dim(d, input.ndim) for d in dims]
    if isinstance(spacing, (list, tuple)):
        if len(spacing) != len(dims):
            if dim is None:
                raise RuntimeError("torch.gradient expected spacing to be unspecified, a "
                                   "scalar, or a list of length equal to 'self.dim() = "
                                   f"{input.ndim}', since dim argument was not given, but got "
                                   f"a list of length {len(spacing)}")
            raise RuntimeError("torch.gradient expected spacing to be unspecified, a scalar or "
                               "it's spacing and dim arguments to have the same length, but got "
                               f"a spacing argument of length {len(spacing)} and a dim argument "
                               f"of length {len(dims)}.")
        steps = list(spacing)
    else:
        steps = [spacing] * len(dims)
    if any(input.shape[d] < edge_order + 1 for d in dims):
        raise RuntimeError("torch.gradient expected each dimension size to be at least "
                           "edge_order+1")
    if not input.is_floating_point() and not input.is_complex():
        input = input.to(_dtype.get_default_dtype())
    return tuple(_derivative(input, h, d, edge_order) for h, d in zip(steps, dims))


FUNCTIONS = {name: globals()[name] for name in (
    "cov", "corrcoef", "quantile", "nanquantile", "cumulative_trapezoid", "gradient")}
