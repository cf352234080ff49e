"""The Bernoulli distribution."""
from __future__ import annotations

from numbers import Number

import numpy as np

import tapegrad as _tg
from .distribution import (Distribution, _as_float_tensor, _probs_to_logits, _sample_tensor,
                           _softplus)

__all__ = ["Bernoulli"]


def _one_of(probs, logits):
    if (probs is None) == (logits is None):
        raise ValueError("Either `probs` or `logits` must be specified, but not both.")


class Bernoulli(Distribution):
    """Bernoulli distribution: 1 with probability ``probs`` and 0 otherwise.

    Give exactly one of:

    Args:
        probs: probability of drawing a 1, in ``[0, 1]``.
        logits: log-odds of drawing a 1 (``probs = sigmoid(logits)``).
        validate_args: check arguments (and values passed to ``log_prob``) when true.

    Example::

        >>> m = Bernoulli(torch.tensor([0.3]))
        >>> m.sample()  # 30% chance 1; 70% chance 0
        tensor([ 0.])

    Samples are floating point (``0.`` / ``1.``), like torch.
    """

    has_enumerate_support = True
    _support_desc = "Boolean()"

    def __init__(self, probs=None, logits=None, validate_args=None):
        _one_of(probs, logits)
        is_scalar = isinstance(probs if probs is not None else logits, Number)
        if probs is not None:
            self.probs = _as_float_tensor(probs)
            self.logits = _probs_to_logits(self.probs, is_binary=True)
            self._param = self.probs
            self._param_names = ("probs",)
        else:
            self.logits = _as_float_tensor(logits)
            self.probs = _tg.sigmoid(self.logits)
            self._param = self.logits
            self._param_names = ("logits",)
        super().__init__(() if is_scalar else self._param.shape, validate_args=validate_args)

    def _arg_checks(self):
        if self._param_names == ("probs",):
            return [("probs", lambda a: (a >= 0) & (a <= 1), "Interval(lower_bound=0.0, "
                     "upper_bound=1.0)")]
        return [("logits", lambda a: a == a, "Real()")]

    def _support_ok(self, value):
        return (value == 0) | (value == 1)

    @property
    def param_shape(self):
        """Shape of the parameter tensor (``probs`` or ``logits``, whichever was given)."""
        return self._param.shape

    @property
    def mean(self):
        return self.probs

    @property
    def mode(self):
        m = (self.probs._data >= 0.5).astype(self.probs._data.dtype)
        m[self.probs._data == 0.5] = np.nan
        return _sample_tensor(m)

    @property
    def variance(self):
        return self.probs * (1 - self.probs)

    def sample(self, sample_shape=()):
        shape = self._extended_shape(sample_shape)
        with _tg.no_grad():
            return _tg.bernoulli(self.probs.expand(shape))

    def log_prob(self, value):
        value = self._value(value)
        # -binary_cross_entropy_with_logits(logits, value)
        return value * self.logits - _softplus(self.logits)

    def entropy(self):
        return _softplus(self.logits) - self.probs * self.logits

    def enumerate_support(self, expand=True):
        values = np.arange(2, dtype=self.probs._data.dtype).reshape((2,) + (1,) * len(
            self._batch_shape))
        if expand:
            values = np.broadcast_to(values, (2,) + tuple(self._batch_shape))
        return _sample_tensor(values)
