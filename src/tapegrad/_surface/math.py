"""Family 'math' of torch's surface (see tapegrad._surface): elementwise math.

``erfinv``, ``i0``, ``sinc``, ``logit``, ``mvlgamma``, ``igamma``/``igammac``, ``ldexp``,
``nextafter``, ``frexp``, ``gcd``/``lcm``: torch functions, Tensor methods and (except frexp)
in-place forms.  The maths lives in ``tapegrad._ops.special_ops`` (registry ops with torch's
derivatives and grad_fn names) and its vectorised NumPy kernels.

    >>> import tapegrad as torch
    >>> torch.logit(torch.tensor([0.25, 0.5]))
    tensor([-1.0986,  0.0000])
"""
from __future__ import annotations

from typing import Any

from .._api import _return_type
from .._ops import special_ops as O
from .._tensor import Tensor

_frexp_result = _return_type("frexp", ("mantissa", "exponent"))


def _need_tensor(fn: str, value: Any, name: str, position: int) -> None:
    """torch's TypeError for a number where its signature takes only tensors."""
    if not isinstance(value, Tensor):
        raise TypeError(f"{fn}(): argument '{name}' (position {position}) must be Tensor, "
                        f"not {type(value).__name__}")


def erfinv(input: Tensor) -> Tensor:
    """The inverse error function: ``erf(erfinv(y)) = y`` on (-1, 1); +-inf at +-1."""
    return O.ERFINV(input)


def i0(input: Tensor) -> Tensor:
    """The modified Bessel function of the first kind of order 0."""
    return O.I0(input)


def sinc(input: Tensor) -> Tensor:
    """The normalized sinc, ``sin(pi x) / (pi x)``, and 1 at 0."""
    return O.SINC(input)


def logit(input: Tensor, eps: float | None = None) -> Tensor:
    """``log(p / (1 - p))``; with ``eps``, ``p`` is first clamped to ``[eps, 1 - eps]`` (and the
    gradient is 0 outside that range)."""
    return O.LOGIT(input, eps=None if eps is None else float(eps))


def mvlgamma(input: Tensor, p: int) -> Tensor:
    """The log of the multivariate gamma function of dimension ``p``:
    ``p (p - 1) / 4 log(pi) + sum_{j < p} lgamma(x - j / 2)``."""
    if p < 1:
        raise RuntimeError("p has to be greater than or equal to 1")
    return O.MVLGAMMA(input, p=int(p))


def igamma(input: Tensor, other: Tensor) -> Tensor:
    """The regularised lower incomplete gamma function ``P(input, other)``; differentiable in
    ``other`` only (torch raises for ``input``)."""
    _need_tensor("igamma", input, "input", 1)
    _need_tensor("igamma", other, "other", 2)
    return O.IGAMMA(input, other)


def igammac(input: Tensor, other: Tensor) -> Tensor:
    """The regularised upper incomplete gamma function ``Q(input, other) = 1 - P``."""
    _need_tensor("igammac", input, "input", 1)
    _need_tensor("igammac", other, "other", 2)
    return O.IGAMMAC(input, other)


def ldexp(input: Tensor, other: Tensor) -> Tensor:
    """``input * 2 ** other`` (a floating result, also for integer inputs)."""
    _need_tensor("ldexp", other, "other", 2)
    return O.LDEXP(input, other)


def nextafter(input: Tensor, other: Tensor) -> Tensor:
    """The next floating-point value after ``input`` towards ``other``."""
    _need_tensor("nextafter", other, "other", 2)
    return O.NEXTAFTER(input, other)


def gcd(input: Tensor, other: Tensor) -> Tensor:
    """The greatest common divisor, elementwise, of integer tensors (non-negative)."""
    _need_tensor("gcd", other, "other", 2)
    return O.GCD(input, other)


def lcm(input: Tensor, other: Tensor) -> Tensor:
    """The least common multiple, elementwise, of integer tensors (non-negative)."""
    _need_tensor("lcm", other, "other", 2)
    return O.LCM(input, other)


def frexp(input: Tensor):
    """``(mantissa, exponent)`` with ``input = mantissa * 2 ** exponent`` and
    ``0.5 <= |mantissa| < 1``; the exponent is int32, the mantissa carries the gradient."""
    if input.dtype.np.kind != "f":
        raise RuntimeError("torch.frexp() only supports floating-point dtypes")
    return _frexp_result(O.FREXP_MANTISSA(input), O.FREXP_EXPONENT(input))


_BOTH = {"erfinv": erfinv, "i0": i0, "sinc": sinc, "logit": logit, "mvlgamma": mvlgamma,
         "igamma": igamma, "igammac": igammac, "ldexp": ldexp, "nextafter": nextafter,
         "gcd": gcd, "lcm": lcm}

def _inplace_function(name: str):
    """``tapegrad.<name>_(input, ...)``: torch's top-level in-place form, ``input.<name>_()``."""
    def fn(input: Tensor, *args: Any, **kwargs: Any) -> Tensor:
        return getattr(input, name + "_")(*args, **kwargs)
    fn.__name__ = fn.__qualname__ = name + "_"
    fn.__doc__ = f"In-place form of ``{name}``: writes the result into ``input``, returns it."
    return fn


METHODS: dict = {**_BOTH, "frexp": frexp}
INPLACE: dict = dict(_BOTH)
FUNCTIONS: dict = {**_BOTH, "frexp": frexp,
                   # torch has these in-place forms at top level too
                   **{n + "_": _inplace_function(n) for n in ("gcd", "i0", "lcm", "ldexp",
                                                              "logit", "sinc")}}
