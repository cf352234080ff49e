"""The Beta distribution, sampled as ``X / (X + Y)`` from two Gamma draws."""
from __future__ import annotations

from numbers import Number

import numpy as np

import tapegrad as _tg
from .distribution import Distribution, _broadcast_all
from .gamma import _standard_gamma

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
        x = _standard_gamma(self.concentration1, shape)
        y = _standard_gamma(self.concentration0, shape)
        eps = float(np.finfo(x._data.dtype).eps)
        tiny = float(np.finfo(x._data.dtype).tiny)
        return _tg.clamp(x / (x + y), min=tiny, max=1 - eps)

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
