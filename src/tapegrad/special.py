"""``tapegrad.special``: torch.special's functions, by the same names.

Most are tapegrad's own ops under torch.special's names (``expit`` is ``sigmoid``, ``gammaln``
is ``lgamma``, ``psi`` is ``digamma``, ``gammainc`` is ``igamma``); the others are registry ops
of ``tapegrad._ops.special_ops`` (``erfcx``, ``ndtri``, ``i1``, ``zeta``, ...) or are written with
those ops, so each differentiable one is differentiable to any order.  The Bessel functions and
the orthogonal polynomials have no derivative in torch, and none here (no grad_fn).  Everything
is vectorised NumPy: no Python call per element.

    >>> import tapegrad as torch
    >>> torch.special.chebyshev_polynomial_t(torch.tensor([0.5]), 3)
    tensor([-1.])
"""
from __future__ import annotations

import math
from typing import Any

from ._public import public_dir as _public_dir
from ._api import polygamma, xlogy
from ._reductions import log_softmax, logsumexp, softmax
from ._ops.elementwise import EXP2, EXPM1, LOG1P, SIGMOID, WHERE, ROUND
from ._ops.special import DIGAMMA, ERF, ERFC, LGAMMA
from ._ops import special_bessel as _bessel_kernels, special_ops as _O
from ._surface.math import erfinv, i0, logit, sinc
from ._tensor import Tensor

_BESSEL_NAMES = ["airy_ai", "bessel_j0", "bessel_j1", "bessel_y0", "bessel_y1",
                 "modified_bessel_i0", "modified_bessel_i1", "modified_bessel_k0",
                 "modified_bessel_k1", "scaled_modified_bessel_k0", "scaled_modified_bessel_k1",
                 "spherical_bessel_j0"]
_POLYNOMIAL_NAMES = sorted(_O.POLYNOMIALS)
__all__ = sorted(["digamma", "entr", "erf", "erfc", "erfcx", "erfinv", "exp2", "expit", "expm1",
                  "gammainc", "gammaincc", "gammaln", "i0", "i0e", "i1", "i1e", "log1p",
                  "log_ndtr", "log_softmax", "logit", "logsumexp", "multigammaln", "ndtr",
                  "ndtri", "polygamma", "psi", "round", "sinc", "softmax", "xlog1py", "xlogy",
                  "zeta"] + _BESSEL_NAMES + _POLYNOMIAL_NAMES)

erf, erfc, digamma, gammaln, expm1, exp2, log1p = ERF, ERFC, DIGAMMA, LGAMMA, EXPM1, EXP2, LOG1P
psi = digamma
expit = SIGMOID
round = ROUND  # noqa: A001  (torch's name)


def xlog1py(input: Any, other: Any) -> Tensor:
    """``input * log1p(other)``, and 0 wherever ``input`` is 0 (even where log1p is not
    finite); either may be a number (grad_fn SpecialXlog1PyBackward0/1/2, as torch)."""
    return _O.xlog1py(input, other)


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


def multigammaln(input: Tensor, p: int) -> Tensor:
    """The log of the multivariate gamma function of dimension ``p`` (``tapegrad.mvlgamma``)."""
    from ._surface.math import mvlgamma
    return mvlgamma(input, p)


def erfcx(input: Tensor) -> Tensor:
    """The scaled complementary error function ``exp(x^2) erfc(x)`` (no overflow for large x)."""
    return _O.ERFCX(input)


def ndtri(input: Tensor) -> Tensor:
    """The inverse of the standard normal CDF ``ndtr``: -inf at 0, +inf at 1."""
    return _O.NDTRI(input)


def i0e(input: Tensor) -> Tensor:
    """The exponentially scaled modified Bessel function of order 0, ``exp(-|x|) i0(x)``."""
    return _O.I0E(input)


def i1(input: Tensor) -> Tensor:
    """The modified Bessel function of the first kind of order 1."""
    return _O.I1(input)


def i1e(input: Tensor) -> Tensor:
    """The exponentially scaled modified Bessel function of order 1, ``exp(-|x|) i1(x)``."""
    return _O.I1E(input)


def gammainc(input: Tensor, other: Tensor) -> Tensor:
    """The regularised lower incomplete gamma function (``tapegrad.igamma``)."""
    from ._surface.math import _need_tensor
    _need_tensor("special_gammainc", input, "input", 1)
    _need_tensor("special_gammainc", other, "other", 2)
    return _O.IGAMMA(input, other)


def gammaincc(input: Tensor, other: Tensor) -> Tensor:
    """The regularised upper incomplete gamma function (``tapegrad.igammac``)."""
    from ._surface.math import _need_tensor
    _need_tensor("special_gammaincc", input, "input", 1)
    _need_tensor("special_gammaincc", other, "other", 2)
    return _O.IGAMMAC(input, other)


def _signature_error(name: str, first: str, second: str) -> TypeError:
    return TypeError(
        f"special_{name}() received an invalid combination of arguments - got (float, float), "
        f"but expected one of:\n * (Tensor {first}, Tensor {second}, *, Tensor out = None)\n"
        f" * (Number {'self' if first == 'input' else first}, Tensor {second}, *, Tensor out = "
        f"None)\n * (Tensor {first}, Number {second}, *, Tensor out = None)\n")


def zeta(input: Any, other: Any) -> Tensor:
    """The Hurwitz zeta function ``sum_{k >= 0} (other + k) ** -input``; either argument may be
    a number.  Differentiable in ``other`` only (torch raises for ``input``)."""
    if isinstance(input, Tensor):
        if isinstance(other, Tensor):
            return _O.ZETA(input, other)
        return _O.ZETA_SCALAR_OTHER(input, q=float(other))
    if isinstance(other, Tensor):
        return _O.ZETA_SCALAR_SELF(other, x=float(input))
    raise _signature_error("zeta", "input", "other")


def _bessel(name: str):
    op = _O.BESSEL[name]

    def fn(input: Tensor) -> Tensor:
        return op(input)
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = getattr(_bessel_kernels, name).__doc__ + "  Not differentiable (as in torch)."
    return fn


def _polynomial(name: str):
    op = _O.POLYNOMIALS[name]

    def fn(input: Any, n: Any) -> Tensor:
        if not isinstance(input, Tensor) and not isinstance(n, Tensor):
            raise _signature_error(name, "x", "n")
        # A number becomes a 0-dim tensor of its default dtype: it then promotes as torch's
        # number operands do (a float32 tensor stays float32).
        x = input if isinstance(input, Tensor) else _scalar(input)
        m = n if isinstance(n, Tensor) else _scalar(n)
        return op(x, m)
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = (f"torch.special.{name}(input, n): the polynomial of degree n (truncated to an "
                  "integer) at input; 0 for n < 0.  Either may be a number.  Evaluated by its "
                  "three-term recurrence (torch's shortcuts first).  Not differentiable.")
    return fn


def _scalar(value: Any) -> Tensor:
    from tapegrad._creation import tensor
    return tensor(value)


for _name in _BESSEL_NAMES:
    globals()[_name] = _bessel(_name)
for _name in _POLYNOMIAL_NAMES:
    globals()[_name] = _polynomial(_name)


def _as_tensor(value: Any, like: Any) -> Tensor:
    from tapegrad._creation import tensor
    return tensor(value, dtype=like.dtype if isinstance(like, Tensor) else None)


def __dir__() -> list[str]:
    return _public_dir(globals())
