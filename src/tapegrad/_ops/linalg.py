"""Products: dot, mv, mm and broadcasting matmul (all bilinear), plus trace and diagonals."""
from __future__ import annotations

from typing import Any

import numpy as np

from . import _registry
from ._registry import bilinear, general, linear, nondifferentiable, raw
from .reduction import PROD_DIM, SUM_DIM
from .shape import INDEX_BACKWARD, reshape, transpose


def _mT(x: Any) -> Any:
    """The matrix transpose; dims counted from the front (vmap shifts non-negative dims)."""
    n = len(x.shape)
    return transpose(x, dim0=n - 2, dim1=n - 1)


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


# -- inverse, determinant, solve: batches of square matrices in the last two dims ---------------
class _LinAlgError(RuntimeError):
    """A singular matrix where an invertible one is needed (``tapegrad.linalg.LinAlgError``,
    named as torch's class is)."""


def _singular(a: np.ndarray, what: str) -> _LinAlgError:
    """torch's message: the first zero pivot of the LU factorisation (as LAPACK reports it)."""
    flat = a.reshape((-1,) + a.shape[-2:])
    for k, m in enumerate(flat):
        pivot = _zero_pivot(m)
        if pivot is not None:
            batch = f"(Batch element {k}): " if a.ndim > 2 else ""
            return _LinAlgError(f"{what}: {batch}The diagonal element {pivot} is zero, the "
                                "inversion could not be completed because the input matrix is "
                                "singular.")
    return _LinAlgError(f"{what}: The input matrix is singular.")


def _zero_pivot(m: np.ndarray) -> int | None:
    """1-based index of the first exactly-zero pivot of LU with partial pivoting, or None."""
    u = np.array(m, dtype=np.float64)
    for j in range(u.shape[0]):
        p = j + int(np.argmax(np.abs(u[j:, j])))
        if u[p, j] == 0:
            return j + 1
        u[[j, p]] = u[[p, j]]
        u[j + 1:, j:] -= np.outer(u[j + 1:, j] / u[j, j], u[j, j:])
    return None


def _np_inv(a: np.ndarray) -> np.ndarray:
    try:
        return np.linalg.inv(a)
    except np.linalg.LinAlgError:
        raise _singular(a, "linalg.inv") from None


def _np_solve(a: np.ndarray, b: np.ndarray, vector: bool) -> np.ndarray:
    try:
        return np.linalg.solve(a, b[..., None])[..., 0] if vector else np.linalg.solve(a, b)
    except np.linalg.LinAlgError:
        raise _LinAlgError("torch.linalg.solve: The solver failed because the input matrix is "
                           "singular.") from None


def _with_unit_dims(x: Any) -> Any:
    """A batch of numbers as a batch of 1 x 1 matrices (to scale matrices)."""
    return reshape(x, shape=tuple(x.shape) + (1, 1))


def _sum_matrix(x: Any) -> Any:
    """Sum over each matrix (the last two dims), e.g. a trace of a product."""
    n = len(x.shape)
    return SUM_DIM(x, dim=(n - 2, n - 1), keepdim=False)


def _inv_t(a: Any) -> Any:
    return _mT(INV(a))


# d(A^-1) = -A^-1 dA A^-1; d det A = det A tr(A^-1 dA); d log|det A| = tr(A^-1 dA)
INV = general("inv", _np_inv, "LinalgInvExBackward0",
              vjp_input=lambda g, result: -(_mT(result) @ (g @ _mT(result))),
              jvp=lambda t, result: -(result @ (t[0] @ result)))
def _det_vjp(g: Any, input: Any, result: Any) -> Any:
    """g det(A) A^-T; where a determinant is zero, the cofactor matrix through the SVD
    (as torch): cof(A) = det(U) det(Vh) U diag(prod_{j != i} s_j) Vh."""
    try:
        zero = raw(result) == 0
    except RuntimeError:  # a batched tensor under vmap: its data is not readable here
        zero = np.zeros((), bool)
    if not zero.any():
        return _with_unit_dims(g * result) * _inv_t(input)
    if not isinstance(input, _registry.Tensor):
        # An ordinary backward takes torch's fast path, g det(A) A^-H by a triangular solve
        # that leaves a zero right-hand side alone: exact zeros where det(A) is zero.
        eye = np.eye(input.shape[-1], dtype=input.dtype)
        safe = np.where(zero[..., None, None], eye, input)
        return np.where(zero[..., None, None], 0.0,
                        _with_unit_dims(g * result) * np.swapaxes(np.linalg.inv(safe), -1, -2))
    from .linalg_decomp import SVD, _eye
    u, s, vh = SVD(input, full_matrices=False)
    n = s.shape[-1]
    others = _with_rows(s) * (1 - _eye(s, n)) + _eye(s, n)  # row i: s with s_i set to 1
    cut = PROD_DIM(others, dim=(len(others.shape) - 1,), keepdim=False)
    alpha = DET(u) * DET(vh)
    return _with_unit_dims(g * alpha) * ((u * _with_rows(cut)) @ vh)


def _with_rows(v: Any) -> Any:
    return reshape(v, shape=tuple(v.shape[:-1]) + (1, v.shape[-1]))


DET = general("det", np.linalg.det, "LinalgDetBackward0", vjp_input=_det_vjp,
              jvp=lambda t, input, result: result * _sum_matrix(_inv_t(input) * t[0]))
SLOGDET_SIGN = nondifferentiable("slogdet_sign", lambda a: np.linalg.slogdet(a)[0])
LOGABSDET = general("logabsdet", lambda a: np.linalg.slogdet(a)[1], "LinalgSlogdetBackward0",
                    vjp_input=lambda g, input: _with_unit_dims(g) * _inv_t(input),
                    jvp=lambda t, input: _sum_matrix(_inv_t(input) * t[0]))
# X = A^-1 B: dX = A^-1 (dB - dA X); the VJPs are A^-T g for B and -(A^-T g) X^T for A.  With
# ``vector`` B and X are (batches of) vectors.
def _column(x: Any) -> Any:
    return reshape(x, shape=tuple(x.shape) + (1,))


def _solve_vjp_a(g: Any, A: Any, result: Any, vector: bool) -> Any:
    grad_b = SOLVE(_mT(A), g, vector=vector)
    if vector:
        return -(_column(grad_b) @ _mT(_column(result)))
    return -(grad_b @ _mT(result))


def _solve_jvp(t: list, A: Any, result: Any, vector: bool) -> Any:
    t_a, t_b = t
    moved = None
    if t_a is not None:
        moved = (t_a @ _column(result))[..., 0] if vector else t_a @ result
    rhs = t_b if moved is None else (-moved if t_b is None else t_b - moved)
    return SOLVE(A, rhs, vector=vector)


SOLVE = general("solve", _np_solve, "LinalgSolveExBackward0", ("A", "B"),
                vjp_A=_solve_vjp_a,
                vjp_B=lambda g, A, vector: SOLVE(_mT(A), g, vector=vector),
                jvp=_solve_jvp)
