"""Products: dot, mv, mm and broadcasting matmul (all bilinear), plus trace and diagonals."""
from __future__ import annotations

from typing import Any

import numpy as np

from ._registry import bilinear, linear
from .shape import INDEX_BACKWARD, reshape, transpose


def _mT(x: Any) -> Any:
    return transpose(x, dim0=-2, dim1=-1)


DOT = bilinear("dot", np.dot, "DotBackward0",
               input=lambda g, other: g * other, other=lambda g, input: g * input)
MV = bilinear("mv", np.matmul, "MvBackward0", ("input", "vec"),
              input=lambda g, vec: reshape(g, shape=(-1, 1)) * vec,
              vec=lambda g, input: matmul(_mT(input), g))
# 2-D products: ``@`` and ``.T`` are NumPy's own on arrays (an ordinary backward) and recorded
# tapegrad ops on Tensors (create_graph), so one rule serves both at no dispatch cost.
MM = bilinear("mm", np.matmul, "MmBackward0", ("input", "mat2"),
              input=lambda g, mat2: g @ mat2.T,
              mat2=lambda g, input: input.T @ g)


# Broadcasting matmul.  1-D operands are treated as a row (left) or column (right) matrix; the
# engine sums the batch dimensions broadcasting added.
def _matmul_vjp_input(g: Any, input: Any, other: Any) -> Any:
    if other.ndim == 1:
        g = reshape(g, shape=tuple(g.shape) + (1,))
        other = reshape(other, shape=(1, -1))
    else:
        other = _mT(other)
    if input.ndim == 1:
        g = reshape(g, shape=tuple(g.shape[:-1]) + (1, g.shape[-1]))
        out = matmul(g, other)
        return reshape(out, shape=tuple(out.shape[:-2]) + (out.shape[-1],))
    return matmul(g, other)


def _matmul_vjp_other(g: Any, input: Any, other: Any) -> Any:
    if input.ndim == 1:
        g = reshape(g, shape=tuple(g.shape[:-1]) + (1, g.shape[-1])) if other.ndim > 1 else g
        input = reshape(input, shape=(-1, 1))
    else:
        input = _mT(input)
    if other.ndim == 1:
        g = reshape(g, shape=tuple(g.shape) + (1,)) if input.ndim > 1 else g
        out = matmul(input, g)
        return reshape(out, shape=tuple(out.shape[:-1]))
    return matmul(input, g)


def _matmul_op(grad_fn: str):
    return bilinear("matmul_" + grad_fn, np.matmul, grad_fn, input=_matmul_vjp_input,
                    other=_matmul_vjp_other)


MATMUL = _matmul_op("UnsafeViewBackward0")      # batched (3-D and up)
MATMUL_MV = _matmul_op("MvBackward0")           # matrix @ vector
MATMUL_MM = bilinear("matmul_MmBackward0", np.matmul, "MmBackward0",  # matrix @ matrix
                     input=lambda g, other: g @ other.T, other=lambda g, input: input.T @ g)
MATMUL_VM = _matmul_op("SqueezeBackward4")      # vector @ matrix


def matmul(input: Any, other: Any) -> Any:
    """Matrix product with NumPy/torch broadcasting; picks torch's grad_fn name by shapes."""
    a, b = input.ndim, other.ndim
    if a == 1 and b == 1:
        return DOT(input, other)
    if a == 2 and b == 1:
        return MATMUL_MV(input, other)
    if a == 2 and b == 2:
        return MATMUL_MM(input, other)
    if a == 1 and b == 2:
        return MATMUL_VM(input, other)
    return MATMUL(input, other)


TRACE = linear("trace", np.trace, "TraceBackward0",
               lambda g, input_shape: g * np.eye(*input_shape))


def _diag_embed(a: np.ndarray, diagonal: int) -> np.ndarray:
    return np.diag(a, diagonal)


def _diagonal_index(shape: tuple, offset: int) -> tuple:
    rows = np.arange(max(0, -offset), shape[0])
    cols = rows + offset
    keep = (cols >= 0) & (cols < shape[1])
    return rows[keep], cols[keep]


DIAG = linear("diag", _diag_embed, "DiagEmbedBackward0",
              lambda g, diagonal: diagonal_op(g, offset=diagonal), params=("diagonal",))
DIAGONAL = linear("diagonal", lambda a, offset: np.diagonal(a, offset).copy(), "DiagonalBackward0",
                  lambda g, input_shape, offset: INDEX_BACKWARD(
                      g, index=_diagonal_index(input_shape, offset), shape=input_shape),
                  params=("offset",))
diagonal_op = DIAGONAL
TRIL = linear("tril", lambda a, diagonal: np.tril(a, diagonal), "TrilBackward0",
              lambda g, diagonal: TRIL(g, diagonal=diagonal), params=("diagonal",))
TRIU = linear("triu", lambda a, diagonal: np.triu(a, diagonal), "TriuBackward0",
              lambda g, diagonal: TRIU(g, diagonal=diagonal), params=("diagonal",))
