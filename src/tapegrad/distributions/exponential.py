"""The Exponential distribution."""
from __future__ import annotations

from numbers import Number

import tapegrad as _tg
from .distribution import Distribution, _broadcast_all, _sample_tensor

__all__ = ["Exponential"]


class Exponential(Distribution):
    """Exponential distribution with density ``rate * exp(-rate * x)`` for ``x >= 0``.

    Args:
        rate: the rate (inverse scale, lambda) of the distribution; must be positive.
        validate_args: check arguments (and values passed to ``log_prob``) when true.

    Example::

        >>> m = Exponential(torch.tensor([1.0]))
        >>> m.sample()  # Exponential distributed with rate=1
        tensor([ 0.1046])

    ``rsample`` is reparameterised (``E / rate`` with ``E ~ Exponential(1)``).
    """

    has_rsample = True
    _param_names = ("rate",)
    _support_desc = "GreaterThanEq(lower_bound=0.0)"

    def __init__(self, rate, validate_args=None):
        (self.rate,) = _broadcast_all(rate)
        batch_shape = () if isinstance(rate, Number) else self.rate.shape
        super().__init__(batch_shape, validate_args=validate_args)

    def _arg_checks(self):
        return [("rate", lambda a: a > 0, "GreaterThan(lower_bound=0.0)")]

    def _support_ok(self, value):
        return value >= 0

    @property
    def mean(self):
        return self.rate.reciprocal()

    @property
    def mode(self):
        return _tg.zeros_like(self.rate)

    @property
    def stddev(self):
        return self.rate.reciprocal()

    @property
    def variance(self):
        return self.rate ** -2

    def rsample(self, sample_shape=()):
        shape = self._extended_shape(sample_shape)
        return _tg.empty(shape, dtype=self.rate.dtype).exponential_() / self.rate

    def log_prob(self, value):
        value = self._value(value)
        return _tg.log(self.rate) - self.rate * value

    def cdf(self, value):
        value = self._value(value)
        return 1 - _tg.exp(-self.rate * value)

    def icdf(self, value):
        return -_tg.log1p(-value) / self.rate

    def entropy(self):
        return 1.0 - _tg.log(self.rate)
