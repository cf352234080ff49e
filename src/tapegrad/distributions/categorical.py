"""The Categorical distribution."""
from __future__ import annotations

import math

import numpy as np

import tapegrad as _tg
from .bernoulli import _one_of
from .distribution import Distribution, _as_float_tensor, _probs_to_logits, _sample_tensor

__all__ = ["Categorical"]


class Categorical(Distribution):
    """Categorical distribution over the category indices ``0 .. K-1``.

    Give exactly one of:

    Args:
        probs: non-negative event weights along the last dimension (``K`` categories); they are
            normalised to sum to 1, so they need not already do so.
        logits: unnormalised log-probabilities along the last dimension.
        validate_args: check arguments (and values passed to ``log_prob``) when true.

    Leading dimensions of ``probs``/``logits`` form the ``batch_shape``; samples are ``int64``
    category indices with an empty ``event_shape``.

    Example::

        >>> m = Categorical(torch.tensor([0.25, 0.25, 0.25, 0.25]))
        >>> m.sample()  # equal probability of 0, 1, 2, 3
        tensor(3)
    """

    has_enumerate_support = True

    def __init__(self, probs=None, logits=None, validate_args=None):
        _one_of(probs, logits)
        if probs is not None:
            probs = _as_float_tensor(probs)
            if probs.dim() < 1:
                raise ValueError("`probs` parameter must be at least one-dimensional.")
            self._raw = probs
            self.probs = probs / probs.sum(-1, keepdim=True)
            self.logits = _probs_to_logits(self.probs)
            self._param, self._param_names = self.probs, ("probs",)
        else:
            logits = _as_float_tensor(logits)
            if logits.dim() < 1:
                raise ValueError("`logits` parameter must be at least one-dimensional.")
            self._raw = logits
            self.logits = logits - _tg.logsumexp(logits, -1, keepdim=True)
            self.probs = _tg.exp(self.logits)
            self._param, self._param_names = self.logits, ("logits",)
        self._num_events = self._param.shape[-1]
        super().__init__(self._param.shape[:-1], validate_args=validate_args)

    def _arg_checks(self):
        if self._param_names == ("probs",):
            def simplex(a):
                raw = self._raw._data
                return np.all(raw >= 0) and np.all(np.abs(a.sum(-1) - 1) < 1e-6)
            return [("probs", simplex, "Simplex()")]
        return [("logits", lambda a: ~np.isnan(a), "IndependentConstraint(Real(), 1)")]

    @property
    def _support_desc(self):
        return f"IntegerInterval(lower_bound=0, upper_bound={self._num_events - 1})"

    def _support_ok(self, value):
        return (value == np.round(value)) & (value >= 0) & (value <= self._num_events - 1)

    @property
    def param_shape(self):
        """Shape of the parameter tensor (``probs`` or ``logits``, whichever was given)."""
        return self._param.shape

    @property
    def mean(self):
        return _sample_tensor(np.full(self._extended_shape(), np.nan, self.probs._data.dtype))

    @property
    def mode(self):
        return _sample_tensor(np.argmax(self.probs._data, -1).astype(np.int64))

    @property
    def variance(self):
        return _sample_tensor(np.full(self._extended_shape(), np.nan, self.probs._data.dtype))

    def sample(self, sample_shape=()):
        if isinstance(sample_shape, int):
            sample_shape = (sample_shape,)
        probs_2d = self.probs.detach().reshape(-1, self._num_events)
        samples_2d = _tg.multinomial(probs_2d, math.prod(sample_shape), True).T
        return samples_2d.reshape(self._extended_shape(sample_shape))

    def log_prob(self, value):
        value = self._value(value)
        idx = value._data.astype(np.int64)
        onehot = np.eye(self._num_events, dtype=self.logits._data.dtype)[idx]
        return (_sample_tensor(onehot) * self.logits).sum(-1)

    def entropy(self):
        min_real = float(np.finfo(self.logits._data.dtype).min)
        logits = _tg.clamp(self.logits, min=min_real)
        return -(logits * self.probs).sum(-1)

    def enumerate_support(self, expand=True):
        values = np.arange(self._num_events, dtype=np.int64).reshape(
            (-1,) + (1,) * len(self._batch_shape))
        if expand:
            values = np.broadcast_to(values, (self._num_events,) + tuple(self._batch_shape))
        return _sample_tensor(values)
