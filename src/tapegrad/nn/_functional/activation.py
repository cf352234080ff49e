"""Activation functions (``relu``, ``gelu``, ``softmax``, ...), with torch's signatures.

Where torch has a fused kernel with its own backward, the function calls the op declared in
``tapegrad._ops.activation`` (so ``grad_fn`` is ``GeluBackward0``, ``EluBackward0``, ...); the
others are compositions of tapegrad functions, as in torch (``softsign`` is ``x / (|x| + 1)``,
so its ``grad_fn`` is ``DivBackward0``).  ``inplace=True`` writes into the input and returns it.

    >>> import tapegrad as torch
    >>> import tapegrad.nn.functional as F
    >>> F.gelu(torch.tensor([-1.0, 0.0, 1.0]))
    tensor([-0.1587,  0.0000,  0.8413])
"""
from __future__ import annotations

import warnings
from typing import Any

import numpy as np

import tapegrad
from tapegrad import Tensor
from tapegrad._ops import activation as _A
from tapegrad._ops.rrelu import RRELU_WITH_NOISE, RRELU_WITH_NOISE_INPLACE

__all__ = ["threshold", "threshold_", "relu", "relu_", "relu6", "leaky_relu", "leaky_relu_",
           "prelu", "elu", "elu_", "selu", "selu_", "celu", "celu_", "gelu", "silu", "mish",
           "sigmoid", "tanh", "softplus", "softsign", "hardtanh", "hardtanh_", "hardsigmoid",
           "hardswish", "logsigmoid", "softmax", "log_softmax", "softmin", "tanhshrink",
           "hardshrink", "softshrink", "glu", "rrelu", "rrelu_"]

_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946

# torch's names of dtypes (its ScalarType names), as they appear in its error messages
_SCALAR_NAMES = {"float32": "Float", "float64": "Double", "float16": "Half",
                 "bfloat16": "BFloat16", "int64": "Long", "int32": "Int", "int16": "Short",
                 "int8": "Char", "uint8": "Byte", "bool": "Bool", "complex64": "ComplexFloat",
                 "complex128": "ComplexDouble"}


def _scalar_name(dtype: Any) -> str:
    """torch's ScalarType name of ``dtype`` (``Float``, ``Long``, ...)."""
    key = str(dtype).split(".")[-1]
    return _SCALAR_NAMES.get(key, key)


def _floating(input: Tensor, kernel: str) -> None:
    """torch's error for a kernel that exists for floating dtypes only."""
    if not input.dtype.is_floating_point:
        raise NotImplementedError(f'"{kernel}" not implemented for '
                                  f"'{_scalar_name(input.dtype)}'")


def _apply(op: Any, input: Tensor, inplace: bool, **params: Any) -> Tensor:
    """``op(input)``, or written into ``input`` (returned) when ``inplace``."""
    if inplace:
        return input._inplace(op, **params)
    return op(input, **params)


# -- rectifiers ----------------------------------------------------------------------------------
def threshold(input: Tensor, threshold: float, value: float, inplace: bool = False) -> Tensor:
    """``input`` where it is greater than ``threshold``, else ``value``."""
    if inplace:
        return input._inplace(_A.THRESHOLD_INPLACE, threshold=threshold, value=value)
    return _A.THRESHOLD(input, threshold=threshold, value=value)


def threshold_(input: Tensor, threshold: float, value: float) -> Tensor:
    """In-place :func:`threshold`."""
    return input._inplace(_A.THRESHOLD_INPLACE, threshold=threshold, value=value)


def relu(input: Tensor, inplace: bool = False) -> Tensor:
    """``max(input, 0)`` elementwise."""
    return input.relu_() if inplace else tapegrad.relu(input)


def relu_(input: Tensor) -> Tensor:
    """In-place :func:`relu`."""
    return input.relu_()


def relu6(input: Tensor, inplace: bool = False) -> Tensor:
    """``min(max(input, 0), 6)``: torch computes it as ``hardtanh(input, 0, 6)``."""
    return _apply(_A.HARDTANH, input, inplace, min_val=0.0, max_val=6.0)


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    """``input`` where positive, else ``negative_slope * input``."""
    _floating(input, "leaky_relu_cpu")
    if inplace:
        return input._inplace(_A.LEAKY_RELU_RESULT, negative_slope=negative_slope)
    return _A.LEAKY_RELU(input, negative_slope=negative_slope)


def leaky_relu_(input: Tensor, negative_slope: float = 0.01) -> Tensor:
    """In-place :func:`leaky_relu`."""
    return leaky_relu(input, negative_slope, inplace=True)


def _rrelu_noise(input: Tensor, lower: float, upper: float, training: bool,
                 generator: Any = None) -> Tensor:
    """The slope of each element: 1 where the input is positive; elsewhere a fresh draw from
    U(lower, upper) while training, else the mean slope ``(lower + upper) / 2``.

    torch's CPU kernel draws one double per non-positive element, in element order, as
    ``uniform_`` on a float64 tensor draws them, scales it to ``u * (upper - lower) + lower``
    in double (bounds first rounded to the input's dtype) and rounds it to the input's dtype.
    """
    name = str(input.dtype).split(".")[-1]
    kind = np.float32 if name == "bfloat16" else np.dtype(name).type  # NumPy lacks bfloat16
    if not training:  # tapegrad ops only, so that vmap can batch it
        slope = tapegrad.tensor(kind((lower + upper) / 2).item(), dtype=input.dtype)
        return tapegrad.where(input.detach() > 0, tapegrad.ones((), dtype=input.dtype), slope)
    values = input.detach().numpy()
    noise = np.ones(values.shape, dtype=values.dtype)
    negative = values <= 0  # NaN is not: it keeps slope 1, as in torch
    lo, hi = float(kind(lower)), float(kind(upper))
    u = tapegrad.empty(int(negative.sum()), dtype=tapegrad.float64).uniform_(
        0, 1, generator=generator).numpy()
    noise[negative] = (u * (hi - lo) + lo).astype(values.dtype)
    return tapegrad.from_numpy(noise)


def rrelu(input: Tensor, lower: float = 1.0 / 8, upper: float = 1.0 / 3, training: bool = False,
          inplace: bool = False, *, generator: Any = None) -> Tensor:
    """Randomized leaky ReLU: ``input`` where positive, else ``a * input`` with ``a`` drawn
    from U(lower, upper) for each element while ``training`` (torch's draws, seeded), and
    ``a = (lower + upper) / 2`` otherwise."""
    _floating(input, "leaky_relu_cpu")
    noise = _rrelu_noise(input, lower, upper, training, generator)
    if inplace:
        return input._inplace(RRELU_WITH_NOISE_INPLACE, noise)
    return RRELU_WITH_NOISE(input, noise)


def rrelu_(input: Tensor, lower: float = 1.0 / 8, upper: float = 1.0 / 3,
           training: bool = False, *, generator: Any = None) -> Tensor:
    """In-place :func:`rrelu`."""
    return rrelu(input, lower, upper, training, inplace=True, generator=generator)


def prelu(input: Tensor, weight: Tensor) -> Tensor:
    """Leaky ReLU with a learnt slope: one for all channels, or one per channel (dim 1)."""
    n = weight.numel()
    if n != 1:
        channels = input.shape[1] if input.ndim > 1 else 1
        if channels != n:
            raise RuntimeError("Mismatch of parameter numbers and input channel size. Found "
                               f"parameter numbers = {n} and channel size = {channels}.")
    if weight.ndim > 1:
        raise RuntimeError("prelu: Expected `weight` to be a scalar or 1D tensor, but got: "
                           f"ndim = {weight.ndim}")
    if weight.dtype != input.dtype:
        raise RuntimeError("prelu: Type promoting not supported. Got "
                           f"{_scalar_name(input.dtype)} and {_scalar_name(weight.dtype)}")
    if input.ndim == 0:
        weight = weight.reshape(())
    elif n != 1 or input.ndim > 1:  # channel dim 1 (dim 0 of a 1-D input holds the channels)
        shape = [1] * input.ndim
        if input.ndim > 1:
            shape[1] = n
        else:
            shape[0] = n
        weight = weight.reshape(shape)
    return _A.PRELU(input, weight)


def hardtanh(input: Tensor, min_val: float = -1.0, max_val: float = 1.0,
             inplace: bool = False) -> Tensor:
    """``input`` clamped to ``[min_val, max_val]`` (a zero gradient at and beyond the bounds)."""
    if min_val > max_val:
        raise ValueError("min_val cannot be greater than max_val")
    return _apply(_A.HARDTANH, input, inplace, min_val=min_val, max_val=max_val)


def hardtanh_(input: Tensor, min_val: float = -1.0, max_val: float = 1.0) -> Tensor:
    """In-place :func:`hardtanh`."""
    return hardtanh(input, min_val, max_val, inplace=True)


# -- exponential units ---------------------------------------------------------------------------
def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """``input`` where positive, else ``alpha * (exp(input) - 1)``."""
    return _elu(input, alpha, 1.0, inplace)


def elu_(input: Tensor, alpha: float = 1.0) -> Tensor:
    """In-place :func:`elu`."""
    return _elu(input, alpha, 1.0, True)


def selu(input: Tensor, inplace: bool = False) -> Tensor:
    """``scale * elu(input, alpha)`` with the self-normalising constants of Klambauer et al."""
    return _elu(input, _SELU_ALPHA, _SELU_SCALE, inplace)


def selu_(input: Tensor) -> Tensor:
    """In-place :func:`selu`."""
    return _elu(input, _SELU_ALPHA, _SELU_SCALE, True)


def _elu(input: Tensor, alpha: float, scale: float, inplace: bool) -> Tensor:
    _floating(input, "elu_cpu")
    params = {"alpha": alpha, "scale": scale, "input_scale": 1.0}
    if inplace:
        if alpha < 0:
            raise RuntimeError("In-place elu backward calculation is triggered with a negative "
                               "slope which is not supported. This is caused by calling in-place "
                               "forward function with a negative slope, please call out-of-place "
                               "version instead.")
        return input._inplace(_A.ELU_RESULT, **params)
    return _A.ELU(input, **params)


def celu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """``max(0, x) + min(0, alpha * (exp(x / alpha) - 1))``."""
    _floating(input, "elu_cpu")
    if alpha == 0:
        raise RuntimeError("ZeroDivisionError")
    if inplace:
        return input._inplace(_A.CELU_RESULT, alpha=alpha)
    return _A.CELU(input, alpha=alpha)


def celu_(input: Tensor, alpha: float = 1.0) -> Tensor:
    """In-place :func:`celu`."""
    return celu(input, alpha, inplace=True)


# -- smooth rectifiers ---------------------------------------------------------------------------
def gelu(input: Tensor, approximate: str = "none") -> Tensor:
    """``x * Phi(x)`` (Phi: the standard normal CDF); ``approximate='tanh'`` uses
    ``0.5 * x * (1 + tanh(sqrt(2 / pi) * (x + 0.044715 * x**3)))``."""
    if approximate not in ("none", "tanh"):
        raise RuntimeError("approximate argument must be either none or tanh.")
    _floating(input, "GeluKernelImpl")
    return _A.GELU(input, approximate=approximate)


def silu(input: Tensor, inplace: bool = False) -> Tensor:
    """``x * sigmoid(x)`` (also called swish)."""
    _floating(input, "silu_cpu")
    return _apply(_A.SILU, input, inplace)


def mish(input: Tensor, inplace: bool = False) -> Tensor:
    """``x * tanh(softplus(x))``."""
    _floating(input, "mish_cpu")
    return _apply(_A.MISH, input, inplace)


def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """``log(1 + exp(beta * x)) / beta``, and ``x`` itself where ``beta * x > threshold``."""
    _floating(input, "softplus_cpu")
    return _A.SOFTPLUS(input, beta=beta, threshold=threshold)


def logsigmoid(input: Tensor) -> Tensor:
    """``log(sigmoid(x))``, computed without overflow."""
    _floating(input, "log_sigmoid_cpu")
    return _A.LOG_SIGMOID(input)


def sigmoid(input: Tensor) -> Tensor:
    """``1 / (1 + exp(-x))``."""
    return tapegrad.sigmoid(input)


def tanh(input: Tensor) -> Tensor:
    """The hyperbolic tangent."""
    return tapegrad.tanh(input)


def softsign(input: Tensor) -> Tensor:
    """``x / (1 + |x|)``."""
    return input / (input.abs() + 1)


def tanhshrink(input: Tensor) -> Tensor:
    """``x - tanh(x)``."""
    return input - input.tanh()


# -- hard approximations and shrinkage -----------------------------------------------------------
def hardsigmoid(input: Tensor, inplace: bool = False) -> Tensor:
    """``relu6(x + 3) / 6``: a piecewise-linear sigmoid."""
    _floating(input, "hardsigmoid_cpu")
    return _apply(_A.HARDSIGMOID, input, inplace)


def hardswish(input: Tensor, inplace: bool = False) -> Tensor:
    """``x * relu6(x + 3) / 6``."""
    _floating(input, "hardswish_cpu")
    return _apply(_A.HARDSWISH, input, inplace)


def hardshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    """``x`` where ``|x| > lambd``, else 0."""
    _floating(input, "hardshrink_cpu")
    return _A.HARDSHRINK(input, lambd=lambd)


def softshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    """``x - lambd`` above ``lambd``, ``x + lambd`` below ``-lambd``, else 0."""
    _floating(input, "softshrink_check")
    if lambd < 0:
        top = np.finfo(str(input.dtype).split(".")[-1]).max
        raise RuntimeError(f"lambda must be in range [0, {top:g}] for input dtype "
                           f"{_scalar_name(input.dtype)}, but found {lambd:g}")
    return _A.SOFTSHRINK(input, lambd=lambd)


def glu(input: Tensor, dim: int = -1) -> Tensor:
    """The gated linear unit: ``a * sigmoid(b)`` where ``a``, ``b`` are the halves of ``dim``."""
    if input.ndim == 0:
        raise RuntimeError("glu does not support scalars because halving size must be even")
    if not -input.ndim <= dim < input.ndim:
        raise IndexError(f"Dimension out of range (expected to be in range of "
                         f"[{-input.ndim}, {input.ndim - 1}], but got {dim})")
    dim = dim % input.ndim
    if input.shape[dim] % 2:
        raise RuntimeError(f"Halving dimension must be even, but dimension {dim} is size "
                           f"{input.shape[dim]}")
    _floating(input, "glu_cpu")
    return _A.GLU(input, dim=dim)


# -- softmax family ------------------------------------------------------------------------------
def _softmax_dim(name: str, ndim: int, stacklevel: int) -> int:
    """torch's legacy choice of dim when none is given (with its deprecation warning)."""
    warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the call "
                  "to include dim=X as an argument.", stacklevel=stacklevel)
    return 0 if ndim in (0, 1, 3) else 1


def softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3,
            dtype: Any = None) -> Tensor:
    """``exp(x) / sum(exp(x))`` along ``dim`` (computed with the maximum subtracted)."""
    if dim is None:
        dim = _softmax_dim("softmax", input.ndim, _stacklevel)
    return input.softmax(dim) if dtype is None else input.softmax(dim, dtype=dtype)


def log_softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3,
                dtype: Any = None) -> Tensor:
    """``log(softmax(x))`` along ``dim``, computed stably (log-sum-exp)."""
    if dim is None:
        dim = _softmax_dim("log_softmax", input.ndim, _stacklevel)
    return input.log_softmax(dim) if dtype is None else input.log_softmax(dim, dtype=dtype)


def softmin(input: Tensor, dim: int | None = None, _stacklevel: int = 3,
            dtype: Any = None) -> Tensor:
    """``softmax(-x)`` along ``dim``."""
    if dim is None:
        dim = _softmax_dim("softmin", input.ndim, _stacklevel)
    return (-input).softmax(dim) if dtype is None else (-input).softmax(dim, dtype=dtype)
