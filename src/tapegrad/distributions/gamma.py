"""The Gamma distribution, with a reparameterised (implicitly differentiated) ``rsample``."""
from __future__ import annotations

from numbers import Number

import numpy as np

import tapegrad as _tg
from .._ops.special import _np_polygamma
from ..autograd.function import Function
from .._random import samplers
from .._random.functions import _source
from .distribution import Distribution, _broadcast_all, _sample_tensor

__all__ = ["Gamma"]

# Gauss-Legendre nodes and weights on [0, 1], used panel by panel by _standard_gamma_grad.
_GL_X, _GL_W = np.polynomial.legendre.leggauss(24)
_GL_X, _GL_W = (_GL_X + 1) / 2, _GL_W / 2
_PANELS = 6  # on each side of the integrand's peak
_DROP = 46.0  # integrate until the integrand is e^-46 (~1e-20) below its peak


def _standard_gamma_grad(alpha: np.ndarray, x: np.ndarray) -> np.ndarray:
    """``dx/dalpha`` for a draw ``x`` of Gamma(alpha, 1), by implicit differentiation.

    ``x`` is held at a fixed quantile, ``P(alpha, x) = u``, so ``dx/dalpha = -dP/dalpha / f(x)``
    with ``P`` the regularised incomplete gamma function and ``f`` the density.  Dividing by
    ``f(x)`` under the integral and substituting ``t = x e^(+-y)`` gives, for ``s = +1`` (upper
    tail: ``dP/dalpha = -dQ/dalpha``) or ``s = -1`` (lower tail),

        dx/dalpha = x * integral_0^inf exp(phi(y)) * s * (log x + s*y - digamma(alpha)) dy,
        phi(y) = s*alpha*y - x*(e^(s*y) - 1)

    The tail is chosen so that ``log t - digamma(alpha)`` has one sign over the whole range
    (lower when ``log x <= digamma(alpha)``), so the integral has no cancellation and keeps full
    relative accuracy even far in either tail.  ``phi`` is concave, so the integrand has a single
    peak; the range is cut where it has fallen ``e^-46`` below that peak and integrated by
    composite Gauss-Legendre quadrature, with panels on each side of the peak.  Everything is
    float64 and vectorised over elements.
    """
    a = np.asarray(alpha, dtype=np.float64)
    x = np.asarray(x, dtype=np.float64)
    a, x = np.broadcast_arrays(a, x)
    shape = a.shape
    a, x = a.ravel(), x.ravel()
    psi = _np_polygamma(0, a)
    logx = np.log(x)
    s = np.where(logx > psi, 1.0, -1.0)

    def phi(y):
        return s * a * y - x * np.expm1(s * y)

    # the peak of phi: interior (upper tail with x < alpha) at y = log(alpha / x), else at y = 0
    ystar = np.where((s > 0) & (a > x), np.log(np.maximum(a / x, 1.0)), 0.0)
    pmax = phi(ystar)
    # bracket the cut-off Y > ystar with phi(Y) = pmax - DROP, then bisect
    width = np.maximum(1.0 / np.sqrt(np.maximum(a, 1e-300)), 1e-3)
    hi = ystar + width
    for _ in range(200):
        short = phi(hi) > pmax - _DROP
        if not short.any():
            break
        hi = np.where(short, ystar + 2 * (hi - ystar), hi)
    lo = ystar.copy()
    for _ in range(60):
        mid = (lo + hi) / 2
        above = phi(mid) > pmax - _DROP
        lo, hi = np.where(above, mid, lo), np.where(above, hi, mid)
    # panels on both sides of the peak: the rise can be long and flat, the fall short and steep
    frac = np.linspace(0.0, 1.0, _PANELS + 1)[None, :]
    edges = np.concatenate([ystar[:, None] * frac,
                            ystar[:, None] + (hi - ystar)[:, None] * frac[:, 1:]], axis=1)
    left, step = edges[:, :-1], np.diff(edges, axis=1)
    y = left[:, :, None] + step[:, :, None] * _GL_X                             # (n, P, k)
    w = step[:, :, None] * _GL_W
    s3, a3, x3 = s[:, None, None], a[:, None, None], x[:, None, None]
    expo = s3 * a3 * y - x3 * np.expm1(s3 * y) - pmax[:, None, None]
    integrand = np.exp(expo) * s3 * (logx[:, None, None] + s3 * y - psi[:, None, None])
    total = (integrand * w).sum(axis=(1, 2))
    return (x * np.exp(pmax) * total).reshape(shape)


class _StandardGamma(Function):
    """A Gamma(alpha, 1) draw whose gradient with respect to ``alpha`` is ``dx/dalpha``."""

    @staticmethod
    def forward(ctx, alpha, draws):
        out = _sample_tensor(draws)
        ctx.save_for_backward(alpha, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        alpha, out = ctx.saved_tensors
        dx = _standard_gamma_grad(alpha._data, out._data).astype(out._data.dtype)
        return grad * _sample_tensor(dx), None


def _standard_gamma(alpha, shape) -> "_tg.Tensor":
    """Draw Gamma(alpha, 1) of ``shape`` (alpha broadcast to it), torch's draws for its seed;
    draws are at least the dtype's tiny, as torch clamps them."""
    a = np.broadcast_to(alpha._data, shape)
    draws = samplers.standard_gamma(_source(None), a)
    if tuple(alpha.shape) != tuple(shape):
        alpha = _tg.broadcast_to(alpha, shape)
    return _StandardGamma.apply(alpha, draws)


class Gamma(Distribution):
    """Gamma distribution with density ``rate^c x^(c-1) e^(-rate x) / Gamma(c)`` for ``x >= 0``.

    Args:
        concentration: shape parameter ``c`` (often written alpha or k); must be positive.
        rate: inverse scale (beta); must be positive.  The mean is ``concentration / rate``.
        validate_args: check arguments (and values passed to ``log_prob``) when true.

    Example::

        >>> m = Gamma(torch.tensor([1.0]), torch.tensor([1.0]))
        >>> m.sample()  # Gamma distributed with concentration=1 and rate=1
        tensor([ 0.1046])

    ``rsample`` is reparameterised: a standard-gamma draw ``x`` divided by ``rate``, where ``x``
    carries the gradient ``dx/dconcentration`` obtained by implicit differentiation of its CDF
    (the quantile of ``x`` is held fixed), so gradients reach both parameters.
    """

    has_rsample = True
    _param_names = ("concentration", "rate")
    _support_desc = "GreaterThanEq(lower_bound=0.0)"

    def __init__(self, concentration, rate, validate_args=None):
        self.concentration, self.rate = _broadcast_all(concentration, rate)
        batch_shape = () if isinstance(concentration, Number) and isinstance(rate, Number) \
            else self.concentration.shape
        super().__init__(batch_shape, validate_args=validate_args)

    def _arg_checks(self):
        return [("concentration", lambda a: a > 0, "GreaterThan(lower_bound=0.0)"),
                ("rate", lambda a: a > 0, "GreaterThan(lower_bound=0.0)")]

    def _support_ok(self, value):
        return value >= 0

    @property
    def mean(self):
        return self.concentration / self.rate

    @property
    def mode(self):
        return _tg.clamp((self.concentration - 1) / self.rate, min=0)

    @property
    def variance(self):
        return self.concentration / self.rate ** 2

    def rsample(self, sample_shape=()):
        shape = tuple(self._extended_shape(sample_shape))
        x = _standard_gamma(self.concentration, shape) / self.rate
        tiny = float(np.finfo(x._data.dtype).tiny)
        return _tg.clamp(x, min=tiny)

    def log_prob(self, value):
        value = self._value(value)
        c, r = self.concentration, self.rate
        return _tg.xlogy(c, r) + _tg.xlogy(c - 1, value) - r * value - _tg.lgamma(c)

    def entropy(self):
        c = self.concentration
        return c - _tg.log(self.rate) + _tg.lgamma(c) + (1.0 - c) * _tg.digamma(c)
