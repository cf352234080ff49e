"""``tapegrad.special``: torch.special's functions, by the same names.

Most are tapegrad's own ops under torch.special's names (``expit`` is ``sigmoid``, ``gammaln``
is ``lgamma``, ``psi`` is ``digamma``); the others are written with those ops, so each is
differentiable to any order.
"""
from __future__ import annotations

import math
from typing import Any

from ._public import public_dir as _public_dir
from ._api import polygamma, xlogy
from ._reductions import log_softmax, logsumexp, softmax
from ._ops.elementwise import EXP2, EXPM1, LOG1P, SIGMOID, WHERE, ROUND
from ._ops.special import DIGAMMA, ERF, ERFC, LGAMMA
from ._tensor import Tensor

__all__ = ["digamma", "entr", "erf", "erfc", "exp2", "expit", "expm1", "gammaln", "log1p",
           "log_ndtr", "log_softmax", "logit", "logsumexp", "multigammaln", "ndtr", "polygamma",
           "psi", "round", "sinc", "softmax", "xlog1py", "xlogy"]

erf, erfc, digamma, gammaln, expm1, exp2, log1p = ERF, ERFC, DIGAMMA, LGAMMA, EXPM1, EXP2, LOG1P
psi = digamma
expit = SIGMOID
round = ROUND  # noqa: A001  (torch's name)


def logit(input: Tensor, eps: float | None = None) -> Tensor:
    """``log(p / (1 - p))``; with ``eps``, ``p`` is first clamped to ``[eps, 1 - eps]``."""
    p = input if eps is None else input.clamp(eps, 1.0 - eps)
    return (p / (1.0 - p)).log()


def xlog1py(input: Any, other: Any) -> Tensor:
    """``input * log1p(other)``, and 0 wherever ``input`` is 0 (even where log1p is not
    finite)."""
    x = input if isinstance(input, Tensor) else _as_tensor(input, other)
    y = other if isinstance(other, Tensor) else _as_tensor(other, x)
    factor = LOG1P(y)
    # Where x is 0 an infinite or NaN log1p is replaced by 0, so the product is 0; elsewhere
    # the gradient for x is log1p(y), as torch has it (also where x is 0).
    return x * WHERE((x == 0) & ~factor.isfinite(), 0.0, factor)


def entr(input: Tensor) -> Tensor:
    """Elementwise entropy term: ``-x * log(x)`` for ``x > 0``, 0 at 0, ``-inf`` below 0."""
    positive = input > 0
    safe = WHERE(positive, input, 1.0)
    inside = -input * safe.log()
    return WHERE(positive, inside, WHERE(input == 0, 0.0, _as_tensor(-math.inf, input)))


def ndtr(input: Tensor) -> Tensor:
    """The standard normal CDF: ``(1 + erf(x / sqrt(2))) / 2``."""
    return 0.5 * (1.0 + ERF(input * (1.0 / math.sqrt(2.0))))


def log_ndtr(input: Tensor) -> Tensor:
    """``log(ndtr(x))``, in double precision: through ``erfc`` (and ``log1p`` for x > 0), and by
    its asymptotic series in the far left tail, where ``erfc`` underflows."""
    x = input.double()
    far = x < -20.0
    near = WHERE(far, -20.0, x)      # each branch sees only inputs it is defined for
    tail = WHERE(far, x, -20.0)
    by_erfc = (0.5 * ERFC(near * (-1.0 / math.sqrt(2.0)))).log()
    inv2 = 1.0 / (tail * tail)       # log of 1 - 1/x^2 + 3/x^4 - 15/x^6 + 105/x^8
    series = 1.0 + inv2 * (-1.0 + inv2 * (3.0 + inv2 * (-15.0 + inv2 * 105.0)))
    by_series = (-0.5 * tail * tail - (-tail).log() - 0.5 * math.log(2.0 * math.pi)
                 + series.log())
    right = x > 0.0                 # log(1 - q) for the small upper tail q, without rounding
    up = WHERE(right, x, 0.0)
    by_log1p = LOG1P(-0.5 * ERFC(up * (1.0 / math.sqrt(2.0))))
    return WHERE(far, by_series, WHERE(right, by_log1p, by_erfc)).to(input.dtype)


def sinc(input: Tensor) -> Tensor:
    """The normalized sinc, ``sin(pi x) / (pi x)``, and 1 at 0."""
    zero = input == 0
    x = WHERE(zero, 1.0, input) * math.pi
    return WHERE(zero, 1.0, x.sin() / x)


def multigammaln(input: Tensor, p: int) -> Tensor:
    """The log of the multivariate gamma function of dimension ``p``."""
    total = (p * (p - 1) / 4.0) * math.log(math.pi)
    for j in range(p):
        total = total + gammaln(input - j / 2.0)
    return total


def _as_tensor(value: Any, like: Any) -> Tensor:
    from tapegrad._creation import tensor
    return tensor(value, dtype=like.dtype if isinstance(like, Tensor) else None)


def __dir__() -> list[str]:
    return _public_dir(globals())
