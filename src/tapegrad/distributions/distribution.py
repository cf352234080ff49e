"""The ``Distribution`` base class and the helpers shared by the concrete distributions."""
from __future__ import annotations

import math
from typing import Any, Callable

import numpy as np

import tapegrad as _tg
from .._tensor import Size, Tensor

__all__ = ["Distribution"]


# -- helpers used by the concrete distributions ----------------------------------------------------
def _as_float_tensor(x: Any) -> Tensor:
    """A floating tensor for a parameter; tensors keep their graph, numbers become float32."""
    if isinstance(x, Tensor):
        if x._data.dtype.kind in "fc":
            return x
        return Tensor._make(x._data.astype(_tg.get_default_dtype().np))
    return _tg.tensor(x, dtype=_tg.get_default_dtype())


def _broadcast_all(*values: Any) -> tuple[Tensor, ...]:
    """Broadcast parameters to a common shape (``torch.distributions.utils.broadcast_all``)."""
    tensors = [_as_float_tensor(v) for v in values]
    shape = np.broadcast_shapes(*(t._data.shape for t in tensors))
    return tuple(t if tuple(t.shape) == shape else _tg.broadcast_to(t, shape) for t in tensors)


def _lgamma_np(a: np.ndarray) -> np.ndarray:
    """``lgamma`` of an array of data (counts); no gradient is needed through it."""
    a = np.asarray(a)
    return np.vectorize(math.lgamma, otypes=[np.float64])(a).astype(
        a.dtype if a.dtype.kind == "f" else np.float32)


def _data(x: Any) -> np.ndarray:
    return x._data if isinstance(x, Tensor) else np.asarray(x)


def _softplus(x: Tensor) -> Tensor:
    """Numerically stable ``log(1 + exp(x))`` built from differentiable tapegrad ops."""
    return _tg.clamp(x, min=0) + _tg.log1p(_tg.exp(-_tg.abs(x)))


def _probs_to_logits(probs: Tensor, is_binary: bool = False) -> Tensor:
    eps = float(np.finfo(probs._data.dtype).eps)
    p = _tg.clamp(probs, min=eps, max=1 - eps)
    return _tg.log(p) - _tg.log1p(-p) if is_binary else _tg.log(p)


def _sample_tensor(array: np.ndarray) -> Tensor:
    array = np.asarray(array)  # (np.ascontiguousarray would turn a 0-d array into shape (1,))
    if not (array.flags.c_contiguous and array.flags.writeable):
        array = array.copy()
    return Tensor._make(array)


class Distribution:
    """Abstract base class for probability distributions (``torch.distributions.Distribution``).

    A distribution has a ``batch_shape`` (independent, possibly differently parameterised copies)
    and an ``event_shape`` (the shape of a single draw).  ``sample(sample_shape)`` returns a tensor
    of shape ``sample_shape + batch_shape + event_shape``; ``rsample`` does the same through the
    reparameterisation trick so gradients flow back into the parameters; ``log_prob(value)``
    scores values.  Draws use tapegrad's default generator, so ``tapegrad.manual_seed`` makes
    them reproducible.
    """

    has_rsample = False
    has_enumerate_support = False
    _validate_args = __debug__

    @staticmethod
    def set_default_validate_args(value: bool) -> None:
        """Turn argument validation on or off for distributions created afterwards."""
        if value not in (True, False):
            raise ValueError
        Distribution._validate_args = value

    def __init__(self, batch_shape: tuple = Size(), event_shape: tuple = Size(),
                 validate_args: bool | None = None) -> None:
        self._batch_shape = Size(tuple(batch_shape))
        self._event_shape = Size(tuple(event_shape))
        if validate_args is not None:
            self._validate_args = validate_args
        if self._validate_args:
            self._check_args()

    # -- validation ---------------------------------------------------------------------------
    def _arg_checks(self) -> list[tuple[str, Callable[[np.ndarray], np.ndarray], str]]:
        """(parameter name, elementwise predicate on its data, constraint description)."""
        return []

    def _check_args(self) -> None:
        for name, ok, desc in self._arg_checks():
            value = getattr(self, name)
            if not np.all(ok(_data(value))):
                raise ValueError(
                    f"Expected parameter {name} ({type(value).__name__} of shape "
                    f"{tuple(_data(value).shape)}) of distribution {self!r} to satisfy the "
                    f"constraint {desc}, but found invalid values:\n{value}")

    def _support_ok(self, value: np.ndarray) -> np.ndarray:
        return np.ones(value.shape, dtype=bool)

    def _validate_sample(self, value: Tensor) -> None:
        if not isinstance(value, Tensor):
            raise ValueError("The value argument to log_prob must be a Tensor")
        ev = len(self._event_shape)
        if ev and tuple(value.shape[-ev:]) != tuple(self._event_shape):
            raise ValueError(f"The right-most size of value must match event_shape: "
                             f"{tuple(value.shape)} vs {tuple(self._event_shape)}.")
        try:
            np.broadcast_shapes(tuple(value.shape), tuple(self._batch_shape + self._event_shape))
        except ValueError:
            raise ValueError(f"Value is not broadcastable with batch_shape+event_shape: "
                             f"{tuple(value.shape)} vs "
                             f"{tuple(self._batch_shape + self._event_shape)}.") from None
        if not np.all(self._support_ok(value._data)):
            raise ValueError(f"Expected value argument ({type(value).__name__} of shape "
                             f"{tuple(value.shape)}) to be within the support "
                             f"({self._support_desc}) of the distribution {self!r}, but found "
                             f"invalid values:\n{value}")

    _support_desc = "Real()"

    def _value(self, value: Any) -> Tensor:
        if not isinstance(value, Tensor):
            value = _as_float_tensor(value)
        if self._validate_args:
            self._validate_sample(value)
        return value

    # -- shapes -------------------------------------------------------------------------------
    @property
    def batch_shape(self) -> Size:
        """The shape over which parameters are batched."""
        return self._batch_shape

    @property
    def event_shape(self) -> Size:
        """The shape of a single sample (without batching)."""
        return self._event_shape

    def _extended_shape(self, sample_shape: tuple = Size()) -> Size:
        if isinstance(sample_shape, int):
            sample_shape = (sample_shape,)
        return Size(tuple(sample_shape) + tuple(self._batch_shape) + tuple(self._event_shape))

    # -- interface ----------------------------------------------------------------------------
    def sample(self, sample_shape: tuple = Size()) -> Tensor:
        """Draw ``sample_shape`` batches of samples, outside the autograd graph."""
        with _tg.no_grad():
            return self.rsample(sample_shape).detach()

    def rsample(self, sample_shape: tuple = Size()) -> Tensor:
        """Reparameterised sample: differentiable with respect to the parameters."""
        raise NotImplementedError(f"{type(self).__name__} does not implement rsample")

    def sample_n(self, n: int) -> Tensor:
        """``n`` samples, as ``sample((n,))`` (kept for torch's older API)."""
        return self.sample((n,))

    def log_prob(self, value: Tensor) -> Tensor:
        """Log of the probability density/mass function evaluated at ``value``."""
        raise NotImplementedError

    def cdf(self, value: Tensor) -> Tensor:
        """Cumulative distribution function evaluated at ``value``."""
        raise NotImplementedError(f"{type(self).__name__} does not implement cdf")

    def icdf(self, value: Tensor) -> Tensor:
        """Inverse of ``cdf``: the value below which the probability is ``value``."""
        raise NotImplementedError(f"{type(self).__name__} does not implement icdf")

    def enumerate_support(self, expand: bool = True) -> Tensor:
        """Every value of a discrete support, along a new leading dimension.

        The result has shape ``(cardinality,) + batch_shape + event_shape``; with
        ``expand=False`` the batch dimensions have size 1 instead.
        """
        raise NotImplementedError(f"{type(self).__name__} does not implement enumerate_support")

    def entropy(self) -> Tensor:
        """Entropy of the distribution, batched over ``batch_shape``."""
        raise NotImplementedError

    def perplexity(self) -> Tensor:
        """``exp(entropy())``."""
        return _tg.exp(self.entropy())

    @property
    def mean(self) -> Tensor:
        """Mean of the distribution, batched over ``batch_shape``."""
        raise NotImplementedError(f"{type(self).__name__} does not implement mean")

    @property
    def mode(self) -> Tensor:
        """Most likely value, batched over ``batch_shape`` (NaN where it is not unique)."""
        raise NotImplementedError(f"{type(self).__name__} does not implement mode")

    @property
    def variance(self) -> Tensor:
        """Variance of the distribution, batched over ``batch_shape``."""
        raise NotImplementedError(f"{type(self).__name__} does not implement variance")

    @property
    def stddev(self) -> Tensor:
        """Standard deviation, ``variance.sqrt()``."""
        return _tg.sqrt(self.variance)

    _param_names: tuple[str, ...] = ()

    def __repr__(self) -> str:
        parts = []
        for name in self._param_names:
            if name in self.__dict__ or name in type(self).__dict__:
                v = getattr(self, name)
                parts.append(f"{name}: {v if _data(v).size == 1 else 'torch.Size(' + str(list(_data(v).shape)) + ')'}")
        return f"{type(self).__name__}({', '.join(parts)})"
