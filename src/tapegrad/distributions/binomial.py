"""The Binomial distribution."""
from __future__ import annotations

from numbers import Number

import numpy as np

import tapegrad as _tg
from .bernoulli import _one_of
from .distribution import (Distribution, _broadcast_all, _data, _lgamma_np, _probs_to_logits,
                           _sample_tensor, _softplus)

__all__ = ["Binomial"]


class Binomial(Distribution):
    """Binomial distribution: the number of successes in ``total_count`` independent Bernoulli
    trials that each succeed with probability ``probs``.

    Give exactly one of ``probs`` / ``logits``:

    Args:
        total_count: number of trials (non-negative integer, or a tensor of them; default 1).
        probs: success probability of each trial, in ``[0, 1]``.
        logits: log-odds of success of each trial.
        validate_args: check arguments (and values passed to ``log_prob``) when true.

    Example::

        >>> m = Binomial(100, torch.tensor([0, .2, .8, 1]))
        >>> m.sample()
        tensor([   0.,   22.,   71.,  100.])

    ``total_count`` is data, not a parameter: ``log_prob`` is differentiable with respect to
    ``probs``/``logits`` only.
    """

    has_enumerate_support = True

    def __init__(self, total_count=1, probs=None, logits=None, validate_args=None):
        _one_of(probs, logits)
        if probs is not None:
            self.total_count, self.probs = _broadcast_all(total_count, probs)
            self.logits = _probs_to_logits(self.probs, is_binary=True)
            self._param, self._param_names = self.probs, ("total_count", "probs")
            scalar = isinstance(probs, Number)
        else:
            self.total_count, self.logits = _broadcast_all(total_count, logits)
            self.probs = _tg.sigmoid(self.logits)
            self._param, self._param_names = self.logits, ("total_count", "logits")
            scalar = isinstance(logits, Number)
        self.total_count = self.total_count.detach()
        scalar = scalar and isinstance(total_count, Number)
        super().__init__(() if scalar else self._param.shape, validate_args=validate_args)

    def _arg_checks(self):
        checks = [("total_count", lambda a: (a >= 0) & (a == np.floor(a)),
                   "IntegerGreaterThan(lower_bound=0)")]
        if "probs" in self._param_names:
            checks.append(("probs", lambda a: (a >= 0) & (a <= 1),
                           "Interval(lower_bound=0.0, upper_bound=1.0)"))
        else:
            checks.append(("logits", lambda a: a == a, "Real()"))
        return checks

    @property
    def _support_desc(self):
        return f"IntegerInterval(lower_bound=0, upper_bound={self.total_count})"

    def _support_ok(self, value):
        return (value >= 0) & (value <= self.total_count._data) & (value == np.floor(value))

    @property
    def param_shape(self):
        """Shape of the parameter tensor (``probs`` or ``logits``, whichever was given)."""
        return self._param.shape

    @property
    def mean(self):
        return self.total_count * self.probs

    @property
    def mode(self):
        n = self.total_count._data
        return _sample_tensor(np.minimum(np.floor((n + 1) * self.probs._data), n))

    @property
    def variance(self):
        return self.total_count * self.probs * (1 - self.probs)

    def sample(self, sample_shape=()):
        shape = self._extended_shape(sample_shape)
        with _tg.no_grad():
            return _tg.binomial(self.total_count.expand(shape), self.probs.expand(shape))

    def log_prob(self, value):
        value = self._value(value)
        n, k = self.total_count._data, _data(value)
        log_comb = _lgamma_np(n + 1) - _lgamma_np(k + 1) - _lgamma_np(n - k + 1)
        log_comb = _sample_tensor(np.asarray(log_comb, dtype=self.logits._data.dtype))
        # log C(n, k) + k * logit - n * log(1 + exp(logit)), stable in the logits.
        return log_comb + value * self.logits - self.total_count * _softplus(self.logits)

    def entropy(self):
        n = self.total_count._data
        if n.size and not np.all(n == n.flat[0]):
            raise NotImplementedError("Inhomogeneous total count not supported by `entropy`.")
        support = self.enumerate_support(expand=False)
        lp = self.log_prob(support)
        return -(_tg.exp(lp) * lp).sum(0)

    def enumerate_support(self, expand=True):
        n = self.total_count._data
        total = int(n.flat[0]) if n.size else 0
        if n.size and not np.all(n == total):
            raise NotImplementedError("Inhomogeneous total count not supported by "
                                      "`enumerate_support`.")
        values = np.arange(1 + total, dtype=self.probs._data.dtype).reshape(
            (-1,) + (1,) * len(self._batch_shape))
        if expand:
            values = np.broadcast_to(values, (1 + total,) + tuple(self._batch_shape))
        return _sample_tensor(values)
