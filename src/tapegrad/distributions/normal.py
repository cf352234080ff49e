"""The Normal (Gaussian) distribution."""
from __future__ import annotations

import math
from numbers import Number

import numpy as np

import tapegrad as _tg
from .distribution import Distribution, _broadcast_all, _sample_tensor

__all__ = ["Normal"]


class Normal(Distribution):
    """Normal (Gaussian) distribution parameterised by ``loc`` and ``scale``.

    Args:
        loc: mean of the distribution (often written mu).
        scale: standard deviation (sigma); must be positive.
        validate_args: check arguments (and values passed to ``log_prob``) when true.

    Example::

        >>> m = Normal(torch.tensor([0.0]), torch.tensor([1.0]))
        >>> m.sample()  # normally distributed with loc=0 and scale=1
        tensor([ 0.1046])

    ``rsample`` is reparameterised (``loc + scale * eps``), so gradients reach ``loc``/``scale``.
    """

    has_rsample = True
    _param_names = ("loc", "scale")
    _support_desc = "Real()"

    def __init__(self, loc, scale, validate_args=None):
        self.loc, self.scale = _broadcast_all(loc, scale)
        batch_shape = () if isinstance(loc, Number) and isinstance(scale, Number) \
            else self.loc.shape
        super().__init__(batch_shape, validate_args=validate_args)

    def _arg_checks(self):
        return [("loc", lambda a: a == a, "Real()"),
                ("scale", lambda a: a > 0, "GreaterThan(lower_bound=0.0)")]

    def _support_ok(self, value):
        return ~np.isnan(value)

    @property
    def mean(self):
        return self.loc

    @property
    def mode(self):
        return self.loc

    @property
    def stddev(self):
        return self.scale

    @property
    def variance(self):
        return self.scale ** 2

    def rsample(self, sample_shape=()):
        shape = self._extended_shape(sample_shape)
        eps = _tg.empty(shape, dtype=self.loc.dtype).normal_()
        return self.loc + eps * self.scale

    def sample(self, sample_shape=()):
        shape = self._extended_shape(sample_shape)
        with _tg.no_grad():
            return _tg.normal(self.loc.expand(shape), self.scale.expand(shape))

    def log_prob(self, value):
        value = self._value(value)
        var = self.scale ** 2
        return -((value - self.loc) ** 2) / (2 * var) - _tg.log(self.scale) \
            - math.log(math.sqrt(2 * math.pi))

    def entropy(self):
        return 0.5 + 0.5 * math.log(2 * math.pi) + _tg.log(self.scale)
