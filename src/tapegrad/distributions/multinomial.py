"""The Multinomial distribution."""
from __future__ import annotations

import numpy as np

import tapegrad as _tg
from .binomial import Binomial
from .categorical import Categorical
from .distribution import Distribution, _data, _lgamma_np, _sample_tensor

__all__ = ["Multinomial"]


class Multinomial(Distribution):
    """Multinomial distribution: how many of ``total_count`` independent draws land in each of
    ``K`` categories.

    Args:
        total_count: how many draws make up one sample (a single Python ``int``, shared by every
            batch element).  Each sample's counts add up to exactly this number.  ``log_prob``
            reads the total off the value itself (with ``validate_args=False`` the value's
            total may differ from ``total_count``).
        probs: the chance of each category on one draw, along the last dimension.  Any
            non-negative weights are accepted; they are divided by their sum, so ``torch.ones(6)``
            means a fair six-sided die.
        logits: the same information as unnormalised log-probabilities (``probs`` is
            ``softmax(logits)``).  Pass either ``probs`` or ``logits``, never both.
        validate_args: check arguments (and values passed to ``log_prob``) when true.

    Leading dimensions of ``probs``/``logits`` form the ``batch_shape``; the last one, ``K``, is
    the ``event_shape``.  ``sample(sample_shape)`` returns floating-point counts of shape
    ``sample_shape + batch_shape + (K,)``.

    Example::

        >>> m = Multinomial(100, torch.tensor([1., 1., 1., 1.]))
        >>> m.sample()  # equal probability of 0, 1, 2, 3
        tensor([ 21.,  24.,  30.,  25.])
        >>> Multinomial(4, torch.tensor([1., 1., 1., 1.])).log_prob(torch.tensor([1., 2., 1., 0.]))
        tensor(-3.0603)
    """

    def __init__(self, total_count=1, probs=None, logits=None, validate_args=None):
        if not isinstance(total_count, (int, np.integer)) or isinstance(total_count, bool):
            raise NotImplementedError("inhomogeneous total_count is not supported")
        self.total_count = int(total_count)
        self._categorical = Categorical(probs=probs, logits=logits, validate_args=validate_args)
        self._binomial = Binomial(total_count=self.total_count, probs=self.probs,
                                  validate_args=False)
        self._param_names = self._categorical._param_names
        param_shape = self._categorical._param.shape
        super().__init__(param_shape[:-1], param_shape[-1:], validate_args=validate_args)

    def _arg_checks(self):
        if self.total_count < 0:
            raise ValueError(f"Expected parameter total_count of distribution {self!r} to be "
                             f"non-negative, but found {self.total_count}")
        return []

    @property
    def probs(self):
        """Event probabilities, normalised along the last dimension."""
        return self._categorical.probs

    @property
    def logits(self):
        """Event log-probabilities (normalised ``logits``) along the last dimension."""
        return self._categorical.logits

    @property
    def param_shape(self):
        """Shape of the underlying ``probs`` or ``logits`` parameter."""
        return self._categorical.param_shape

    @property
    def _support_desc(self):
        return f"Multinomial(upper_bound={self.total_count})"

    def _support_ok(self, value):
        return np.all(value >= 0) and np.all(value.sum(-1) <= self.total_count)

    @property
    def mean(self):
        return self.probs * self.total_count

    @property
    def variance(self):
        return self.total_count * self.probs * (1 - self.probs)

    def sample(self, sample_shape=()):
        if isinstance(sample_shape, int):
            sample_shape = (sample_shape,)
        # torch draws total_count categorical samples and counts them along the last dimension
        samples = self._categorical.sample((self.total_count,) + tuple(sample_shape))
        samples = samples.permute(*range(1, samples.dim()), 0)
        counts = _tg.zeros(self._extended_shape(sample_shape), dtype=_tg.int64)
        counts.scatter_add_(-1, samples, _tg.ones_like(samples))
        return counts.type_as(self.probs)

    def log_prob(self, value):
        value = self._value(value)
        x = _data(value)
        min_real = float(np.finfo(self.logits._data.dtype).min)
        logits = _tg.clamp(self.logits, min=min_real)  # 0 * -inf -> 0 for impossible categories
        log_factorial_n = _lgamma_np(x.sum(-1) + 1)
        log_factorial_xs = _lgamma_np(x + 1).sum(-1)
        log_norm = _sample_tensor(np.asarray(log_factorial_n - log_factorial_xs,
                                             dtype=self.logits._data.dtype))
        return log_norm + (value * logits).sum(-1)

    def entropy(self):
        n = self.total_count
        cat_entropy = self._categorical.entropy()
        term1 = n * cat_entropy - float(_lgamma_np(np.asarray(n + 1.0)))
        support = self._binomial.enumerate_support(expand=False)[1:]
        binomial_probs = _tg.exp(self._binomial.log_prob(support))
        weights = _sample_tensor(_lgamma_np(support._data + 1))
        term2 = (binomial_probs * weights).sum(0).sum(-1)
        return term1 + term2
