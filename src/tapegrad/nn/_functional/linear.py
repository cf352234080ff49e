"""``linear``, ``bilinear``, ``embedding``, ``one_hot``, ``dropout``, ``alpha_dropout``.

Each function records what torch records: ``linear`` of a 2-D input with a bias is one
``AddmmBackward0`` node (other inputs are flattened to 2-D around it and viewed back, so the
output shows ``ViewBackward0``), ``embedding`` is one ``EmbeddingBackward0`` node, ``dropout``
multiplies by a scaled Bernoulli mask drawn as torch draws it (``MulBackward0``).
"""
from __future__ import annotations

import math
from typing import Any

import tapegrad
from tapegrad._ops.layers import EMBEDDING, LINEAR

__all__ = ["linear", "bilinear", "embedding", "one_hot", "dropout", "alpha_dropout",
           "feature_alpha_dropout"]

Tensor = tapegrad.Tensor

# torch's names for dtypes in its messages: ScalarType names and the C++ type names.
_SCALAR_NAMES = {"float64": "Double", "float32": "Float", "float16": "Half",
                 "bfloat16": "BFloat16", "int64": "Long", "int32": "Int", "int16": "Short",
                 "int8": "Char", "uint8": "Byte", "bool": "Bool", "complex64": "ComplexFloat",
                 "complex128": "ComplexDouble"}
_C_NAMES = {"float64": "double", "float32": "float", "float16": "c10::Half",
            "bfloat16": "c10::BFloat16", "int64": "long int", "int32": "int", "int16": "short int",
            "int8": "signed char", "uint8": "unsigned char", "bool": "bool",
            "complex64": "c10::complex<float>", "complex128": "c10::complex<double>"}


def _short(dtype: Any) -> str:
    return str(dtype).rpartition(".")[2]


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """``input @ weight.T + bias``: the affine map of ``nn.Linear``.

    Shapes: ``input`` ``(*, in_features)``, ``weight`` ``(out_features, in_features)``,
    ``bias`` ``(out_features)``; the result is ``(*, out_features)``.
    """
    if input.dim() == 0 or weight.dim() == 0:
        raise RuntimeError(f"both arguments to linear need to be at least 1D, but they are "
                           f"{input.dim()}D and {weight.dim()}D")
    if bias is not None and bias.dtype != weight.dtype:
        raise RuntimeError(f"self and mat2 must have the same dtype, but got "
                           f"{_SCALAR_NAMES[_short(bias.dtype)]} and "
                           f"{_SCALAR_NAMES[_short(weight.dtype)]}")
    if input.dtype != weight.dtype:
        if bias is None:
            raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: "
                               f"{_C_NAMES[_short(input.dtype)]} != "
                               f"{_C_NAMES[_short(weight.dtype)]}")
        raise RuntimeError(f"mat1 and mat2 must have the same dtype, but got "
                           f"{_SCALAR_NAMES[_short(input.dtype)]} and "
                           f"{_SCALAR_NAMES[_short(weight.dtype)]}")
    if weight.dim() != 2:  # a vector of weights: a plain product, as torch's matmul path
        out = tapegrad.matmul(input, weight)
        return out if bias is None else out + bias
    out_features, in_features = weight.shape
    if input.shape[-1] != in_features:
        rows = math.prod(input.shape[:-1])
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({rows}x{input.shape[-1]} "
                           f"and {in_features}x{out_features})")
    if bias is None:  # torch's matmul: MmBackward0, UnsafeViewBackward0 or SqueezeBackward4
        return tapegrad.matmul(input, weight.t())
    if bias.dim() > 1:
        return tapegrad.matmul(input, weight.t()) + bias
    if bias.dim() == 1 and bias.shape[0] not in (1, out_features):
        rows = math.prod(input.shape[:-1])
        raise RuntimeError(f"The expanded size of the tensor ({out_features}) must match the "
                           f"existing size ({bias.shape[0]}) at non-singleton dimension 1.  "
                           f"Target sizes: [{rows}, {out_features}].  Tensor sizes: "
                           f"[{bias.shape[0]}]")
    if input.dim() == 2:
        return LINEAR(input, weight, bias)
    out = LINEAR(input.reshape(-1, in_features), weight, bias)
    return out.view(*input.shape[:-1], out_features)


def bilinear(input1: Tensor, input2: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """``y[..., o] = sum_ij input1[..., i] * weight[o, i, j] * input2[..., j] + bias[o]``.

    Shapes: ``input1`` ``(*, in1)``, ``input2`` ``(*, in2)``, ``weight`` ``(out, in1, in2)``.
    """
    if input1.dim() != input2.dim():
        raise RuntimeError(f"bilinear(): input dimensions do not match: got {input1.dim()} and "
                           f"{input2.dim()}")
    for d in range(input1.dim() - 1):
        if input1.shape[d] != input2.shape[d]:
            raise RuntimeError(f"bilinear(): input batch dimensions do not match at dim {d}: got "
                               f"{input1.shape[d]} and {input2.shape[d]}")
    if input1.shape[-1] != weight.size(1):
        raise RuntimeError(f"bilinear(): input1 size does not match weight size: got "
                           f"{input1.shape[-1]} but expected {weight.size(1)}")
    if input2.shape[-1] != weight.size(2):
        raise RuntimeError(f"bilinear(): input2 size does not match weight size: got "
                           f"{input2.shape[-1]} but expected {weight.size(2)}")
    if bias is not None and bias.size(0) != weight.size(0):
        raise RuntimeError(f"bilinear(): bias size does not match weight size: got "
                           f"{bias.size(0)} but expected {weight.size(0)}")
    n_out, n1, n2 = weight.shape
    lead = tuple(input1.shape[:-1])
    x1, x2 = input1.reshape(-1, n1), input2.reshape(-1, n2)
    # x1 @ W laid out as (n1, out * n2), then the dot with x2 for every output feature
    mixed = tapegrad.matmul(x1, weight.permute(1, 0, 2).reshape(n1, n_out * n2))
    out = (mixed.reshape(-1, n_out, n2) * x2.unsqueeze(1)).sum(-1).view(*lead, n_out)
    return out if bias is None else out + bias


def embedding(input: Tensor, weight: Tensor, padding_idx: int | None = None,
              max_norm: float | None = None, norm_type: float = 2.0,
              scale_grad_by_freq: bool = False, sparse: bool = False) -> Tensor:
    """The rows of ``weight`` at the integer positions in ``input``: shape ``(*input.shape,
    embedding_dim)``.

    ``padding_idx``: that row gets no gradient.  ``max_norm``: the rows looked up are first
    rescaled in place (under no_grad) so that their ``norm_type``-norm is at most ``max_norm``.
    """
    if padding_idx is not None:
        if padding_idx > 0:
            assert padding_idx < weight.size(0), "Padding_idx must be within num_embeddings"
        elif padding_idx < 0:
            assert padding_idx >= -weight.size(0), "Padding_idx must be within num_embeddings"
            padding_idx = weight.size(0) + padding_idx
    if weight.dim() != 2:
        raise RuntimeError("'weight' must be 2-D")
    if input.dtype not in (tapegrad.int64, tapegrad.int32):
        # torch names the type as Tensor.type() does, or for bool/complex as its C++ type
        name = input.type() if input.dtype != tapegrad.bool and not input.is_complex() else \
            f"CPU{_SCALAR_NAMES[_short(input.dtype)]}Type"
        raise RuntimeError("Expected tensor for argument #1 'indices' to have one of the "
                           "following scalar types: Long, Int; but got "
                           f"{name} instead (while checking arguments for embedding)")
    if scale_grad_by_freq or sparse:
        raise NotImplementedError("tapegrad's embedding supports neither scale_grad_by_freq nor "
                                  "sparse gradients")
    if max_norm is not None:
        _renorm_rows(weight, input, max_norm, norm_type)
    return EMBEDDING(weight, input, padding_idx=padding_idx)


def _renorm_rows(weight: Tensor, input: Tensor, max_norm: float, norm_type: float) -> None:
    """torch's ``embedding_renorm_``: each row used whose norm exceeds ``max_norm`` is scaled by
    ``max_norm / (norm + 1e-7)``, in place."""
    with tapegrad.no_grad():
        rows = tapegrad.unique(input.reshape(-1))
        if rows.numel() == 0:
            return
        if rows.min() < 0 or rows.max() >= weight.size(0):
            raise IndexError("index out of range in self")
        norms = weight[rows].norm(p=norm_type, dim=1)
        big = norms > max_norm
        rows, norms = rows[big], norms[big]
        scale = (max_norm / (norms + 1e-7)).unsqueeze(1)
        weight[rows] = weight[rows] * scale


def one_hot(tensor: Tensor, num_classes: int = -1) -> Tensor:
    """Class indices (int64) to one-hot rows: shape ``(*tensor.shape, num_classes)``, int64.

    With ``num_classes=-1`` the number of classes is the largest index plus one.
    """
    if tensor.dtype != tapegrad.int64:
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    shape = tuple(tensor.shape)
    if tensor.numel() == 0:
        if num_classes == -1:
            raise RuntimeError("Can not infer total number of classes from empty tensor.")
        return tapegrad.zeros(*shape, num_classes, dtype=tapegrad.int64)
    if int(tensor.min()) < 0:
        raise RuntimeError("Class values must be non-negative.")
    if num_classes == -1:
        num_classes = int(tensor.max()) + 1
    elif int(tensor.max()) >= num_classes:
        raise RuntimeError("Class values must be smaller than num_classes.")
    out = tapegrad.zeros(*shape, num_classes, dtype=tapegrad.int64)
    return out.scatter_(-1, tensor.unsqueeze(-1), 1)


def _check_p(p: float) -> None:
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def dropout(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero each element with probability ``p`` and scale the others by ``1 / (1 - p)``
    (in training; otherwise, and for ``p == 0``, ``input`` itself is returned).

    The mask is drawn as torch draws it, so seeded results are torch's:
    ``mask = empty_like(input).bernoulli_(1 - p)``, then ``mask /= 1 - p``, then
    ``input * mask``.
    """
    _check_p(p)
    if p == 0 or not training or input.numel() == 0:
        return input
    if p == 1:  # multiplying by zero keeps the graph (and gives -0.0 where input < 0, as torch)
        zero = tapegrad.zeros((), dtype=input.dtype)
        return input.mul_(zero) if inplace else input * zero
    noise = tapegrad.empty_like(input).bernoulli_(1 - p)
    noise.div_(1 - p)
    return input.mul_(noise) if inplace else input * noise


# SELU's constants: alpha * scale of selu, the value a dropped unit takes in alpha dropout
_ALPHA_PRIME = 1.7580993408473766


def alpha_dropout(input: Tensor, p: float = 0.5, training: bool = False,
                  inplace: bool = False) -> Tensor:
    """Dropout for SELU networks: dropped units take SELU's negative saturation value and the
    result is rescaled so that mean and variance are kept (in training only)."""
    _check_p(p)
    if p == 0 or not training or input.numel() == 0:
        return input
    if p == 1:
        zero = tapegrad.zeros((), dtype=input.dtype)
        return input.mul_(zero) if inplace else input * zero
    return _alpha_dropout(input, p, inplace, tuple(input.shape))


def feature_alpha_dropout(input: Tensor, p: float = 0.5, training: bool = False,
                          inplace: bool = False) -> Tensor:
    """:func:`alpha_dropout` of whole channels: one draw per (sample, channel), shared by the
    channel's elements (for SELU networks of convolutions)."""
    _check_p(p)
    if p == 0 or not training or input.numel() == 0:
        return input
    if p == 1:
        zero = tapegrad.zeros((), dtype=input.dtype)
        return input.mul_(zero) if inplace else input * zero
    if input.dim() < 2:
        raise RuntimeError("Feature dropout requires at least 2 dimensions in the input")
    shape = tuple(input.shape[:2]) + (1,) * (input.dim() - 2)
    return _alpha_dropout(input, p, inplace, shape)


def _alpha_dropout(input: Tensor, p: float, inplace: bool, noise_shape: tuple) -> Tensor:
    noise = tapegrad.empty(noise_shape, dtype=input.dtype).bernoulli_(1 - p)
    a = 1.0 / math.sqrt((_ALPHA_PRIME * _ALPHA_PRIME * p + 1) * (1 - p))
    b = noise.add(-1).mul_(_ALPHA_PRIME * a).add_(_ALPHA_PRIME * a * p)
    noise.mul_(a)
    return input.mul_(noise).add_(b) if inplace else input * noise + b
