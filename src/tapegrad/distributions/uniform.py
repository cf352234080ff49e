"""The continuous Uniform distribution."""
from __future__ import annotations

from numbers import Number

import tapegrad as _tg
from .distribution import Distribution, _broadcast_all, _sample_tensor

__all__ = ["Uniform"]


class Uniform(Distribution):
    """Uniform distribution on the half-open interval ``[low, high)``.

    Args:
        low: lower bound (inclusive).
        high: upper bound (exclusive); must be greater than ``low``.
        validate_args: check arguments (and values passed to ``log_prob``) when true.

    Example::

        >>> m = Uniform(torch.tensor([0.0]), torch.tensor([5.0]))
        >>> m.sample()  # uniformly distributed in the range [0.0, 5.0)
        tensor([ 2.3418])

    ``rsample`` is reparameterised (``low + u * (high - low)``).
    """

    has_rsample = True
    _param_names = ("low", "high")

    def __init__(self, low, high, validate_args=None):
        self.low, self.high = _broadcast_all(low, high)
        batch_shape = () if isinstance(low, Number) and isinstance(high, Number) \
            else self.low.shape
        super().__init__(batch_shape, validate_args=validate_args)

    def _arg_checks(self):
        high = self.high._data
        return [("low", lambda a: a < high, "LessThan(upper_bound=high)")]

    @property
    def _support_desc(self):
        return f"Interval(lower_bound={self.low}, upper_bound={self.high})"

    def _support_ok(self, value):
        return (self.low._data <= value) & (value < self.high._data)

    @property
    def mean(self):
        return (self.high + self.low) / 2

    @property
    def mode(self):
        return self.mean * float("nan")

    @property
    def stddev(self):
        return (self.high - self.low) / 12 ** 0.5

    @property
    def variance(self):
        return (self.high - self.low) ** 2 / 12

    def rsample(self, sample_shape=()):
        shape = self._extended_shape(sample_shape)
        u = _tg.rand(shape, dtype=self.low.dtype)
        return self.low + u * (self.high - self.low)

    def log_prob(self, value):
        value = self._value(value)
        inside = ((self.low._data <= value._data) & (self.high._data > value._data))
        inside = _sample_tensor(inside.astype(self.low._data.dtype))
        return _tg.log(inside) - _tg.log(self.high - self.low)

    def cdf(self, value):
        value = self._value(value)
        return _tg.clamp((value - self.low) / (self.high - self.low), min=0, max=1)

    def icdf(self, value):
        return value * (self.high - self.low) + self.low

    def entropy(self):
        return _tg.log(self.high - self.low)
