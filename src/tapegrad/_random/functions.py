"""The random functions with torch's signatures, checks and error messages.

``rand``, ``randn``, ``randint``, ``randperm``, ``normal``, ``bernoulli``, ``multinomial``,
``poisson`` and the in-place fills (``x.uniform_()``, ``x.normal_()``, ...). Each checks its
arguments first, as torch does, so a refused call leaves the generator untouched, then draws
with the kernel torch's CPU build runs (``kernels.py``), in the order torch fills elements.
"""
from __future__ import annotations

import math
import warnings
from typing import Any, Sequence

import numpy as np

from .. import _dtype
from .._creation import _finish, _float_or, _size
from .._ops import _transforms
from .._tensor import Tensor
from .._topk_order import topk_indices
from . import kernels, samplers
from .generator import Generator, resolve

F32, F64 = np.dtype(np.float32), np.dtype(np.float64)

# torch names dtypes in kernel errors by their C++ type ('"normal_kernel_cpu" not implemented
# for 'Long'') and in range checks by their caffe2 type name.
_CPP_NAMES = {"uint8": "unsigned char", "int8": "signed char", "int16": "short int",
              "int32": "int", "int64": "long int", "float16": "c10::Half", "float32": "float",
              "float64": "double", "bool": "bool"}


def _source(generator: Generator | None) -> Generator:
    if _transforms.active:  # inside vmap: randomness='error' refuses random draws
        from .._vmap import check_random
        check_random()
    return resolve(generator)


def _num(value: float) -> str:
    """A number as torch's C++ stream prints it (``1.5``, ``-1``, ``1e-07``)."""
    return "%g" % value


def _not_implemented(kernel: str, np_dtype: np.dtype) -> NotImplementedError:
    return NotImplementedError(f'"{kernel}" not implemented for \'{_dtype.torch_name(np_dtype)}\'')


def _require_float(kernel: str, np_dtype: np.dtype) -> None:
    if np_dtype.kind != "f":
        raise _not_implemented(kernel, np_dtype)


def _fill(shape: tuple, np_dtype: np.dtype, values: np.ndarray) -> np.ndarray:
    return values.astype(np_dtype, copy=False).reshape(shape)


def _in_memory_order(tensor: Tensor, draw: Any) -> np.ndarray:
    """Values for an in-place fill: ``draw(n, contiguous)`` gives them in the order torch visits
    the elements, which is memory order (a transposed view is filled along its base)."""
    data = tensor._data
    if data.flags.c_contiguous or data.ndim < 2:
        return draw(data.size, True).reshape(data.shape)
    order = sorted(range(data.ndim), key=lambda d: -abs(data.strides[d]))
    values = draw(data.size, False).reshape([data.shape[d] for d in order])
    return values.transpose(np.argsort(order))


def _replace(tensor: Tensor, values: np.ndarray) -> Tensor:
    return tensor._inplace(lambda t: Tensor._make(values.astype(t._data.dtype, copy=False)))


# -- uniform and normal ---------------------------------------------------------------------
def rand(*size: Any, generator: Generator | None = None, out: Tensor | None = None,
         dtype: Any = None, layout: Any = None, device: Any = None, requires_grad: bool = False,
         pin_memory: bool = False, **kw: Any) -> Tensor:
    """Uniform samples on [0, 1), the same numbers torch draws for the same seed.

    ``tapegrad.manual_seed(0); tapegrad.rand(2)`` is ``tensor([0.4963, 0.7682])``.
    """
    shape, np_d = _size(size, kw.get("size")), _float_or(dtype)
    _require_float("check_uniform_bounds", np_d)
    values = kernels.uniform(_source(generator), math.prod(shape), np_d)
    return _finish(_fill(shape, np_d, values), requires_grad, device, out)


def randn(*size: Any, generator: Generator | None = None, out: Tensor | None = None,
          dtype: Any = None, layout: Any = None, device: Any = None, requires_grad: bool = False,
          pin_memory: bool = False, **kw: Any) -> Tensor:
    """Standard normal samples (mean 0, variance 1), the same numbers torch draws.

    ``tapegrad.manual_seed(0); tapegrad.randn(2)`` is ``tensor([ 1.5410, -0.2934])``.
    """
    shape, np_d = _size(size, kw.get("size")), _float_or(dtype)
    _require_float("normal_kernel_cpu", np_d)
    values = kernels.normal(_source(generator), math.prod(shape), np_d)
    return _finish(_fill(shape, np_d, values), requires_grad, device, out)


def rand_like(input: Tensor, *, generator: Generator | None = None, dtype: Any = None,
              layout: Any = None, device: Any = None, requires_grad: bool = False,
              memory_format: Any = None) -> Tensor:
    """Uniform samples on [0, 1) with the shape (and, by default, dtype) of ``input``."""
    return rand(input.shape, generator=generator, dtype=input.dtype if dtype is None else dtype,
                requires_grad=requires_grad, device=device)


def randn_like(input: Tensor, *, generator: Generator | None = None, dtype: Any = None,
               layout: Any = None, device: Any = None, requires_grad: bool = False,
               memory_format: Any = None) -> Tensor:
    """Standard normal samples with the shape (and, by default, dtype) of ``input``."""
    return randn(input.shape, generator=generator, dtype=input.dtype if dtype is None else dtype,
                 requires_grad=requires_grad, device=device)


def _check_std(std: Any) -> None:
    if isinstance(std, Tensor):
        if std._data.size and not (std._data >= 0).all():
            raise RuntimeError("normal expects all elements of std >= 0.0")
    elif not std >= 0.0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {_num(std)}")


def _broadcast_shape(a: tuple, b: tuple) -> tuple:
    """The broadcast of two shapes, or torch's error naming the first dimension that clashes."""
    try:
        return np.broadcast_shapes(a, b)
    except ValueError:
        n = max(len(a), len(b))
        a, b = (1,) * (n - len(a)) + tuple(a), (1,) * (n - len(b)) + tuple(b)
        i = max(i for i in range(n) if a[i] != b[i] and 1 not in (a[i], b[i]))
        raise RuntimeError(f"The size of tensor a ({a[i]}) must match the size of tensor b "
                           f"({b[i]}) at non-singleton dimension {i}") from None


def normal(mean: Any = 0.0, std: Any = 1.0, size: Sequence[int] | None = None, *,
           generator: Generator | None = None, out: Tensor | None = None, dtype: Any = None,
           layout: Any = None, device: Any = None, pin_memory: bool = False,
           requires_grad: bool = False) -> Tensor:
    """Normal samples: ``normal(mean, std)`` with tensors broadcast together, or numbers with a
    ``size``. As in torch, standard normals are drawn first, then scaled and shifted."""
    mean_t, std_t = isinstance(mean, Tensor), isinstance(std, Tensor)
    _check_std(std)
    if not (mean_t or std_t):
        if size is None:
            raise TypeError("normal() missing required argument 'size' (when mean and std are "
                            "numbers)")
        shape, np_d = _size((size,)), _float_or(dtype)
        _require_float("normal_kernel_cpu", np_d)
        values = kernels.normal(_source(generator), math.prod(shape), np_d, float(mean),
                                float(std))
        return _finish(_fill(shape, np_d, values), requires_grad, device, out)
    gen = _source(generator)
    if mean_t and not std_t:     # N(0, std), then + mean
        np_d, shape = mean._data.dtype, mean._data.shape
        _require_float("normal_kernel_cpu", np_d)
        noise = _fill(shape, np_d, kernels.normal(gen, mean._data.size, np_d, 0.0, float(std)))
        values = noise + mean._data
    else:                        # N(0, 1), then * std, then + mean
        np_d = (mean if mean_t else std)._data.dtype
        _require_float("normal_kernel_cpu", np_d)
        shape = _broadcast_shape(mean._data.shape if mean_t else (), std._data.shape)
        noise = _fill(shape, np_d, kernels.normal(gen, math.prod(shape), np_d))
        scaled = (noise * std._data).astype(np_d, copy=False)
        values = scaled + (mean._data if mean_t else np_d.type(mean))
    return _finish(np.asarray(values, dtype=np_d), False, None, out)


# -- integers ---------------------------------------------------------------------------------
def _check_range(low: int, high_inclusive: int, np_d: np.dtype) -> None:
    """torch's bounds check of ``random_``: errors outside the dtype, and for floating dtypes a
    warning beyond the integers they hold exactly."""
    name = _CPP_NAMES.get(np_d.name, np_d.name)
    if np_d.kind == "f":
        lo, hi = float(np.finfo(np_d).min), float(np.finfo(np_d).max)
    elif np_d.kind == "b":
        lo, hi = 0, 1
    else:
        lo, hi = int(np.iinfo(np_d).min), int(np.iinfo(np_d).max)
    for value, what in ((low, "from"), (high_inclusive, "to - 1")):
        if not lo <= value <= hi:
            raise RuntimeError(f"{what} is out of bounds for {name}")
    if np_d.kind == "f":
        digits = np.finfo(np_d).nmant + 1
        for value, what in ((low, "from"), (high_inclusive, "to - 1")):
            if not -(1 << digits) <= value <= 1 << digits:
                warnings.warn(f"{what} is out of bounds [-(2^{digits}), 2^{digits}]. Due to "
                              f"precision limitations {name} can support discrete uniform "
                              "distribution only within this range. This warning will become an "
                              "error in version 1.7 release, please fix the code in advance",
                              UserWarning, stacklevel=4)


def _exact_bound(bound: int, np_d: np.dtype, step: int) -> int:
    """torch's ``update_from`` (step +1) / ``update_to`` (step -1) for floating dtypes: move a
    bound inwards until its neighbour, cast to the dtype, stays on the right side of it."""
    cast = float(np_d.type(bound + step))
    # an infinite or out-of-range cast reads as INT64_MIN, as the x86 conversion gives it
    neighbour = int(cast) if math.isfinite(cast) and abs(cast) < 2.0 ** 63 else -2 ** 63
    if (neighbour < bound) if step > 0 else (neighbour >= bound):
        n = abs(bound + step).bit_length() - 1
        bound = neighbour + step * (1 << (n - np.finfo(np_d).nmant))
    return bound


def _integers(gen: Generator, n: int, np_d: np.dtype, low: int, high: int | None) -> np.ndarray:
    """``random_(low, high)`` values (``high=None``: up to the dtype's largest value)."""
    if high is not None:
        if not low < high:
            raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} "
                               f">= to={high}")
        if np_d.kind == "f":
            low, high = _exact_bound(low, np_d, 1), _exact_bound(high, np_d, -1)
            if not low < high:
                raise RuntimeError("random_ expects 'from' casted to dtype to be less than 'to' "
                                   f"casted to dtype, but got from={low} >= to={high}")
        _check_range(low, high - 1, np_d)
        return kernels.integers_from_to(gen, n, high - low, low)
    if low == -2 ** 63:
        return gen.words64(n).view(np.int64)
    if np_d.kind == "f":
        top = 1 << (np.finfo(np_d).nmant + 1)
        low = _exact_bound(low, np_d, 1)
        if not low < top:
            raise RuntimeError("random_ expects 'from' casted to dtype to be less than or equal "
                               f"to 'to_inc' casted to dtype, but got from={low} > to_inc={top}")
    else:
        top = 1 if np_d.kind == "b" else int(np.iinfo(np_d).max)
    _check_range(low, top, np_d)
    return kernels.integers_from_to(gen, n, top - low + 1, low)


def randint(low: int = 0, high: int | None = None, size: Sequence[int] | None = None, *,
            generator: Generator | None = None, out: Tensor | None = None, dtype: Any = None,
            layout: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """Uniform integers in [low, high); ``randint(high, size)`` starts at 0. int64 by default.

    Spans of 2**28 or more draw 64-bit words, smaller ones 32-bit words, reduced modulo the
    span, exactly as torch does.
    """
    if size is None:
        if isinstance(high, (tuple, list)):
            low, high, size = 0, low, high
        else:
            raise TypeError("randint() missing required argument 'size'")
    if high is None:
        low, high = 0, low
    shape = _size((size,))
    np_d = _dtype.I64 if dtype is None else _dtype.to_numpy_dtype(dtype)
    values = _integers(_source(generator), math.prod(shape), np_d, int(low), int(high))
    return _finish(_fill(shape, np_d, values), requires_grad, device, out)


def randint_like(input: Tensor, low: int = 0, high: int | None = None, *,
                 generator: Generator | None = None, dtype: Any = None, layout: Any = None,
                 device: Any = None, requires_grad: bool = False,
                 memory_format: Any = None) -> Tensor:
    """Uniform integers in [low, high) shaped like ``input``; ``randint_like(x, high)`` uses 0.

    The dtype is ``input``'s unless ``dtype`` is given.
    """
    if high is None:
        low, high = 0, low
    return randint(low, high, input.shape, generator=generator, device=device,
                   dtype=input.dtype if dtype is None else dtype, requires_grad=requires_grad)


def randperm(n: int, *, generator: Generator | None = None, out: Tensor | None = None,
             dtype: Any = None, layout: Any = None, device: Any = None,
             requires_grad: bool = False, pin_memory: bool = False) -> Tensor:
    """A random permutation of 0..n-1, torch's Fisher-Yates shuffle of the same words."""
    n = int(n)
    _size((n,))  # torch makes the result first: a negative n fails as a negative dimension
    np_d = _dtype.I64 if dtype is None else _dtype.to_numpy_dtype(dtype)
    return _finish(kernels.randperm(_source(generator), n).astype(np_d), requires_grad, device,
                   out)


# -- bernoulli, multinomial, poisson ----------------------------------------------------------
def _check_p(p: float) -> None:
    if not 0 <= p <= 1:
        raise RuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p={_num(p)}")


def _check_p_tensor(p: np.ndarray, gen: Generator) -> None:
    """Refuse probabilities outside [0, 1] as torch does: after drawing for the elements before
    the first bad one (its check sits inside the sampling loop)."""
    _require_float("bernoulli_tensor_cpu_p_", p.dtype)
    bad = np.flatnonzero(~((p >= 0) & (p <= 1)).ravel())
    if bad.size:
        kernels.bernoulli(gen, p.ravel()[:bad[0]], int(bad[0]), p.dtype)
        raise RuntimeError("Expected p_in >= 0 && p_in <= 1 to be true, but got false.  (Could "
                           "this error message be improved?  If so, please report an "
                           "enhancement request to PyTorch.)")


def bernoulli(input: Tensor, p: float | None = None, *, generator: Generator | None = None,
              out: Tensor | None = None) -> Tensor:
    """0/1 draws, 1 with probability ``input`` elementwise (or the number ``p``), in
    ``input``'s dtype."""
    shape, np_d = input._data.shape, input._data.dtype
    if p is None:
        gen = _source(generator)
        _check_p_tensor(input._data, gen)
        draws = kernels.bernoulli(gen, input._data.ravel(), input._data.size, np_d)
    else:
        _check_p(p)
        draws = kernels.bernoulli(_source(generator), p, input._data.size)
    return _finish(_fill(shape, np_d, draws), False, None, out)


def multinomial(input: Tensor, num_samples: int, replacement: bool = False, *,
                generator: Generator | None = None, out: Tensor | None = None) -> Tensor:
    """Category indices drawn from the distribution(s) in the rows of ``input``.

    Without replacement, or for one sample, torch draws an exponential per category and takes
    the largest ``p / q`` (the Gumbel-max trick); with replacement, a binary search of uniform
    draws in each row's running sum. Both are reproduced draw for draw.
    """
    probs, n = input._data, int(num_samples)
    if not 1 <= probs.ndim <= 2:
        raise RuntimeError("prob_dist must be 1 or 2 dim")
    if probs.dtype.kind != "f":
        raise RuntimeError("multinomial only supports floating-point dtypes for input, got: "
                           f"{_dtype.torch_name(probs.dtype)}")
    if n <= 0:
        raise RuntimeError("cannot sample n_sample <= 0 samples")
    if not replacement and n > probs.shape[-1]:
        raise RuntimeError("cannot sample n_sample > prob_dist.size(-1) samples without "
                           "replacement")
    if probs.shape[-1] > 2 ** 24:
        raise RuntimeError("number of categories cannot exceed 2^24")
    gen, rows = _source(generator), probs.reshape(-1, probs.shape[-1])
    if rows.shape[0] == 0:
        result = np.zeros((0, n), dtype=np.int64)
    elif not replacement or n == 1:
        if not (rows.max() < np.inf and rows.min() >= 0):
            raise RuntimeError("probability tensor contains either `inf`, `nan` or element < 0")
        if (rows.sum(-1) == 0).any():
            raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
        q = kernels.exponential(gen, rows.size, 1.0).astype(rows.dtype).reshape(rows.shape)
        keys = rows / q
        if n == 1:
            result = np.argmax(keys, axis=-1)[:, None]
        else:  # torch's topk, whose order among tied keys (zero probabilities) is its own
            result = np.stack([topk_indices(row, n) for row in keys])
    else:
        result = np.empty((rows.shape[0], n), dtype=np.int64)
        for i, row in enumerate(rows):
            if not (row >= 0).all():
                raise RuntimeError("invalid multinomial distribution (encountering probability "
                                   "entry < 0)")
            if not np.isfinite(row).all():
                raise RuntimeError("invalid multinomial distribution (encountering probability "
                                   "entry = infinity or NaN)")
            if not row.astype(F64 if row.dtype == F64 else F32).sum() > 0:
                raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
            result[i] = kernels.multinomial_with_replacement(gen, row[None], n)[0]
    result = result.astype(np.int64, copy=False)
    return _finish(result if probs.ndim == 2 else result.reshape(n), False, None, out)


def poisson(input: Tensor, generator: Generator | None = None) -> Tensor:
    """Poisson counts with the rates in ``input`` (in its dtype); torch's samplers, per element."""
    rates = input._data
    _require_float("poisson_cpu", rates.dtype)
    gen = _source(generator)
    bad = np.flatnonzero(~(rates.ravel() >= 0))
    if bad.size:  # torch draws for the elements before the first bad rate, then stops
        samplers.poisson(gen, rates.ravel()[:bad[0]])
        raise RuntimeError("invalid Poisson rate, expected rate to be non-negative")
    return Tensor._make(samplers.poisson(gen, rates).astype(rates.dtype))


def binomial(count: Tensor, prob: Tensor, generator: Generator | None = None) -> Tensor:
    """Binomial counts: ``count`` trials with success probability ``prob`` (same shapes)."""
    _require_float("binomial_cpu", count._data.dtype)
    values = samplers.binomial(_source(generator), count._data, prob._data)
    return Tensor._make(values.astype(count._data.dtype))


def _standard_gamma(input: Tensor, generator: Generator | None = None) -> Tensor:
    """Gamma(input, 1) draws (no gradient; ``distributions.Gamma`` adds the reparameterised one)."""
    _require_float("gamma_cpu", input._data.dtype)
    return Tensor._make(samplers.standard_gamma(_source(generator), input._data))


def _sample_dirichlet(input: Tensor, generator: Generator | None = None) -> Tensor:
    """Dirichlet draws with the concentrations in the last dimension of ``input``."""
    _require_float("dirichlet", input._data.dtype)
    return Tensor._make(samplers.dirichlet(_source(generator), input._data)[0])


# -- in-place fills -------------------------------------------------------------------------
def _float_fill(kernel: str, draw: Any) -> Any:
    def fill(self: Tensor, gen: Generator) -> Tensor:
        _require_float(kernel, self._data.dtype)
        return _replace(self, _in_memory_order(self, lambda n, contiguous: draw(gen, n)))
    return fill


def uniform_(self: Tensor, from_: float = 0.0, to: float = 1.0, *,
             generator: Generator | None = None, **kw: Any) -> Tensor:
    """Fill in place with uniform draws on [from, to) (torch's argument is named ``from``)."""
    low, high = float(kw.pop("from", from_)), float(to)
    np_d = self._data.dtype
    _require_float("check_uniform_bounds", np_d)
    if not low <= high:
        raise RuntimeError(f"uniform_ expects to return a [from, to) range, but found "
                           f"from={_num(low)} > to={_num(high)}")
    gen = _source(generator)
    return _replace(self, _in_memory_order(
        self, lambda n, contiguous: kernels.uniform(gen, n, np_d, low, high)))


def normal_(self: Tensor, mean: float = 0.0, std: float = 1.0, *,
            generator: Generator | None = None) -> Tensor:
    """Fill in place with draws from N(mean, std**2)."""
    np_d = self._data.dtype
    _require_float("normal_kernel_cpu", np_d)
    _check_std(std)
    gen = _source(generator)
    return _replace(self, _in_memory_order(self, lambda n, contiguous: kernels.normal(
        gen, n, np_d, float(mean), float(std), contiguous)))


def bernoulli_(self: Tensor, p: Any = 0.5, *, generator: Generator | None = None) -> Tensor:
    """Fill in place with 1s drawn with probability ``p`` (a number or a tensor), else 0s."""
    if isinstance(p, Tensor):
        gen = _source(generator)
        probs = np.broadcast_to(p._data, self._data.shape)
        _check_p_tensor(probs, gen)
        return _replace(self, kernels.bernoulli(gen, probs.ravel(), probs.size, probs.dtype)
                        .reshape(self._data.shape))
    _check_p(p)
    gen = _source(generator)
    return _replace(self, _in_memory_order(
        self, lambda n, contiguous: kernels.bernoulli(gen, float(p), n)))


def exponential_(self: Tensor, lambd: float = 1.0, *,
                 generator: Generator | None = None) -> Tensor:
    """Fill in place with draws from the exponential distribution of rate ``lambd``."""
    if not lambd > 0.0:
        raise RuntimeError(f"exponential_ expects lambda > 0.0, but found lambda={_num(lambd)}")
    if self._data.dtype.kind != "f":
        raise RuntimeError("Exponential distribution is a continuous probability distribution. "
                           f"dtype must be a floating point but you specified "
                           f"{_dtype.torch_name(self._data.dtype)}")
    gen = _source(generator)
    return _replace(self, _in_memory_order(
        self, lambda n, contiguous: kernels.exponential(gen, n, float(lambd))))


def geometric_(self: Tensor, p: float, *, generator: Generator | None = None) -> Tensor:
    """Fill in place with the number of Bernoulli(p) trials up to the first success."""
    if not 0 < p < 1:
        raise RuntimeError(f"geometric_ expects p to be in (0, 1), but got p={_num(p)}")
    gen = _source(generator)
    return _replace(self, _in_memory_order(
        self, lambda n, contiguous: kernels.geometric(gen, n, float(p))))


def log_normal_(self: Tensor, mean: float = 1.0, std: float = 2.0, *,
                generator: Generator | None = None) -> Tensor:
    """Fill in place with ``exp`` of draws from N(mean, std**2)."""
    if not std > 0.0:
        raise RuntimeError(f"log_normal_ expects std > 0.0, but found std={_num(std)}")
    _require_float("log_normal_cpu", self._data.dtype)
    gen = _source(generator)
    return _replace(self, _in_memory_order(
        self, lambda n, contiguous: kernels.log_normal(gen, n, float(mean), float(std))))


def cauchy_(self: Tensor, median: float = 0.0, sigma: float = 1.0, *,
            generator: Generator | None = None) -> Tensor:
    """Fill in place with draws from the Cauchy distribution (location median, scale sigma)."""
    if not sigma > 0.0:
        raise RuntimeError(f"cauchy_ expects sigma > 0.0, but found sigma={_num(sigma)}")
    _require_float("cauchy_cpu", self._data.dtype)
    gen = _source(generator)
    return _replace(self, _in_memory_order(
        self, lambda n, contiguous: kernels.cauchy(gen, n, float(median), float(sigma))))


def random_(self: Tensor, *args: int | None, generator: Generator | None = None,
            **kw: Any) -> Tensor:
    """Fill in place with integers: ``random_()`` over [0, the dtype's largest exact integer],
    ``random_(to)`` over [0, to), ``random_(from, to)`` over [from, to) (``to=None``: up to the
    dtype's largest value)."""
    if "from" in kw or "to" in kw:
        args = (kw.pop("from", 0), kw.pop("to", None))
    np_d = self._data.dtype
    gen = _source(generator)
    if not args:
        return _replace(self, _in_memory_order(
            self, lambda n, contiguous: kernels.integers_full(gen, n, np_d)))
    low, high = (0, args[0]) if len(args) == 1 else args
    low, high = int(low), None if high is None else int(high)
    return _replace(self, _in_memory_order(
        self, lambda n, contiguous: _integers(gen, n, np_d, low, high)))


def multinomial_method(self: Tensor, num_samples: int, replacement: bool = False, *,
                       generator: Generator | None = None) -> Tensor:
    """``tapegrad.multinomial(self, num_samples, replacement)``."""
    return multinomial(self, num_samples, replacement, generator=generator)


def bernoulli_method(self: Tensor, p: float | None = None, *,
                     generator: Generator | None = None) -> Tensor:
    """``tapegrad.bernoulli(self)``, or with ``p`` a draw per element with probability p."""
    return bernoulli(self, p, generator=generator)


FILLS = {"uniform_": uniform_, "normal_": normal_, "bernoulli_": bernoulli_,
         "exponential_": exponential_, "geometric_": geometric_, "log_normal_": log_normal_,
         "cauchy_": cauchy_, "random_": random_, "multinomial": multinomial_method,
         "bernoulli": bernoulli_method}


def _sized_batch(size: int, args: tuple, kwargs: dict) -> tuple:
    """``rand(*size)``/``randn(*size)`` arguments for a whole vmap batch of ``size``."""
    shape = _size(args, kwargs.pop("size", None))
    return ((size,) + shape,), kwargs


def _normal_batch(size: int, args: tuple, kwargs: dict) -> tuple:
    """``normal(mean, std, size)`` arguments for a whole vmap batch of ``size``."""
    args, kwargs = list(args), dict(kwargs)
    if len(args) > 2:
        args[2] = (size,) + _size((args[2],))
    else:
        kwargs["size"] = (size,) + _size((kwargs["size"],))
    return tuple(args), kwargs


def _follow_vmap_randomness() -> None:
    """Random functions called inside vmap follow its ``randomness=`` (see ``tapegrad._vmap``)."""
    from .._vmap import random_function, random_inplace
    names = globals()
    names["rand"] = random_function(rand, whole_batch=_sized_batch)
    names["randn"] = random_function(randn, whole_batch=_sized_batch)
    names["normal"] = random_function(normal, pointwise=True, whole_batch=_normal_batch)
    for name in ("randint", "randperm", "multinomial"):  # drawn example by example
        names[name] = random_function(names[name])
    for name in ("bernoulli", "poisson", "binomial", "_standard_gamma", "_sample_dirichlet"):
        names[name] = random_function(names[name], pointwise=True)
    for name in ("rand_like", "randn_like", "randint_like"):  # these read only shape and dtype
        names[name] = random_function(names[name], shape_only=True)
    for name, method in FILLS.items():
        if name.endswith("_"):
            FILLS[name] = random_inplace(method)


_follow_vmap_randomness()
