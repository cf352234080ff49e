"""The Beta distribution, sampled as ``X / (X + Y)`` from two Gamma draws."""
from __future__ import annotations

from numbers import Number

import numpy as np

import tapegrad as _tg
from .._random import samplers
from .._random.functions import _source
from .distribution import Distribution, _broadcast_all, _sample_tensor
from .gamma import _StandardGamma

__all__ = ["Beta"]


class Beta(Distribution):
    """Beta distribution on ``[0, 1]`` with density ``x^(c1-1) (1-x)^(c0-1) / B(c1, c0)``.

    Args:
        concentration1: first concentration ``c1`` (alpha), the weight pulling towards 1;
            must be positive.
        concentration0: second concentration ``c0`` (beta), the weight pulling towards 0;
            must be positive.
        validate_args: check arguments (and values passed to ``log_prob``) when true.

    Example::

        >>> m = Beta(torch.tensor([0.5]), torch.tensor([0.5]))
        >>> m.sample()  # Beta distributed with concentration concentration1 and concentration0
        tensor([ 0.1046])

    ``rsample`` is reparameterised: ``X / (X + Y)`` with ``X ~ Gamma(c1, 1)``, ``Y ~ Gamma(c0, 1)``
    drawn as in ``Gamma.rsample``, so gradients reach both concentrations.
    """

    has_rsample = True
    _param_names = ("concentration1", "concentration0")
    _support_desc = "Interval(lower_bound=0.0, upper_bound=1.0)"

    def __init__(self, concentration1, concentration0, validate_args=None):
        self.concentration1, self.concentration0 = _broadcast_all(concentration1, concentration0)
        batch_shape = () if isinstance(concentration1, Number) and \
            isinstance(concentration0, Number) else self.concentration1.shape
        super().__init__(batch_shape, validate_args=validate_args)

    def _arg_checks(self):
        return [("concentration1", lambda a: a > 0, "GreaterThan(lower_bound=0.0)"),
                ("concentration0", lambda a: a > 0, "GreaterThan(lower_bound=0.0)")]

    def _support_ok(self, value):
        return (value >= 0) & (value <= 1)

    @property
    def mean(self):
        return self.concentration1 / (self.concentration1 + self.concentration0)

    @property
    def mode(self):
        """``(c1 - 1) / (c1 + c0 - 2)`` with each ``c - 1`` clamped at 0, as torch computes it.

        So it is 0 or 1 where one concentration is below 1 and the other above, NaN where both
        are at most 1 and one equals 1, and 1 where both are below 1 (a U-shaped density with
        modes at both ends; torch picks 1).
        """
        m1 = _tg.clamp(self.concentration1 - 1, min=0)
        m0 = _tg.clamp(self.concentration0 - 1, min=0)
        mode = m1 / (m1 + m0)
        both_below = _tg.logical_and(self.concentration1 < 1, self.concentration0 < 1)
        return _tg.where(both_below, _tg.ones_like(mode), mode)

    @property
    def variance(self):
        total = self.concentration1 + self.concentration0
        return self.concentration1 * self.concentration0 / (total ** 2 * (total + 1))

    def rsample(self, sample_shape=()):
        shape = tuple(self._extended_shape(sample_shape))
        # torch samples Dirichlet([c1, c0]) from float64 gammas g1, g0 and keeps g1 / (g1 + g0);
        # the same gammas carry the gradient here (implicit reparameterisation of each gamma).
        c1 = self.concentration1.expand(shape)
        c0 = self.concentration0.expand(shape)
        concentration = np.stack([c1._data, c0._data], axis=-1)
        values, gammas = samplers.dirichlet(_source(None), concentration)
        dtype = c1._data.dtype
        x = _StandardGamma.apply(c1, gammas[..., 0].astype(dtype))
        y = _StandardGamma.apply(c0, gammas[..., 1].astype(dtype))
        ratio = x / (x + y)
        return _sample_tensor(values[..., 0]) + (ratio - ratio.detach())

    def log_prob(self, value):
        value = self._value(value)
        c1, c0 = self.concentration1, self.concentration0
        log_norm = _tg.lgamma(c1) + _tg.lgamma(c0) - _tg.lgamma(c1 + c0)
        return _tg.xlogy(c1 - 1, value) + _tg.xlogy(c0 - 1, 1 - value) - log_norm

    def entropy(self):
        c1, c0 = self.concentration1, self.concentration0
        total = c1 + c0
        log_beta = _tg.lgamma(c1) + _tg.lgamma(c0) - _tg.lgamma(total)
        return log_beta - (c1 - 1) * _tg.digamma(c1) - (c0 - 1) * _tg.digamma(c0) \
            + (total - 2) * _tg.digamma(total)
