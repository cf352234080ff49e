"""Probability distributions with torch's API (``torch.distributions``).

Each distribution is built from tapegrad tensor ops, so ``log_prob`` (and ``rsample`` for the
reparameterisable ones) are differentiable with respect to the parameters.  Draws come from
tapegrad's default generator, so ``tapegrad.manual_seed`` makes them reproducible::

    from tapegrad.distributions import multinomial
    multinomial.Multinomial(10, torch.ones([6]) / 6).sample((5,))   # (5, 6) float counts
"""
from __future__ import annotations

from . import (bernoulli, beta, binomial, categorical, distribution, exponential, gamma,
               multinomial, normal, uniform)
from .bernoulli import Bernoulli
from .beta import Beta
from .binomial import Binomial
from .categorical import Categorical
from .distribution import Distribution
from .exponential import Exponential
from .gamma import Gamma
from .multinomial import Multinomial
from .normal import Normal
from .uniform import Uniform
from .._public import public_dir as _public_dir

__all__ = ["Bernoulli", "Beta", "Binomial", "Categorical", "Distribution", "Exponential", "Gamma",
           "Multinomial", "Normal", "Uniform"]


def __dir__() -> list[str]:
    return _public_dir(globals())
