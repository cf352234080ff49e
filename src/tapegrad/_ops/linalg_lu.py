"""LU factorisation with partial pivoting, ``A = P L U``, in LAPACK's packed form: ``LU`` holds
``U`` on and above the diagonal and ``L`` (unit diagonal, not stored) below it; ``pivots`` are
LAPACK's 1-based row swaps (row ``i`` was swapped with row ``pivots[i] - 1``, in order).

``LU_FACTOR`` is the differentiable op (torch's ``LinalgLuFactorExBackward0``, square
matrices); the pivots and the permutation matrix come from two ops without derivatives, so
that every step also runs under vmap.  Solving and unpacking are built from these.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .._api import _return_type
from .._tensor import Tensor
from ._registry import general, nondifferentiable
from .linalg import TRIL, TRIU, _mT
from .linalg_decomp import SOLVE_TRIANGULAR, _batched, _dtype, _eye


def _np_lu(a: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(LU, pivots, info)`` by Gaussian elimination with partial pivoting, column by column
    over the whole batch (LAPACK's getf2: the first largest entry is the pivot; a zero pivot
    is recorded in ``info`` and its column left unscaled)."""
    m, n = a.shape[-2:]
    k = min(m, n)
    batch = a.shape[:-2]
    dtype = a.dtype if a.dtype.kind in "fc" else np.float64
    lu = np.array(a, dtype=dtype).reshape((-1, m, n))
    piv = np.zeros((lu.shape[0], k), np.int32)
    info = np.zeros(lu.shape[0], np.int32)
    rows = np.arange(lu.shape[0])
    for j in range(k):
        p = j + np.argmax(np.abs(lu[:, j:, j]), axis=-1)
        piv[:, j] = p + 1
        top = lu[rows, j].copy()
        lu[rows, j] = lu[rows, p]
        lu[rows, p] = top
        pivot = lu[:, j, j]
        zero = pivot == 0
        info[(info == 0) & zero] = j + 1
        scale = np.where(zero, 1, pivot)
        below = lu[:, j + 1:, j]
        lu[:, j + 1:, j] = np.where(zero[:, None], below, below / scale[:, None])
        lu[:, j + 1:, j + 1:] -= lu[:, j + 1:, j:j + 1] * lu[:, j:j + 1, j + 1:]
    return (lu.reshape(batch + (m, n)), piv.reshape(batch + (k,)), info.reshape(batch))


def np_permutation(pivots: np.ndarray, m: int, dtype: Any) -> np.ndarray:
    """The matrix P of ``A = P L U`` from LAPACK's pivots."""
    batch = pivots.shape[:-1]
    flat = pivots.reshape((-1, pivots.shape[-1]))
    out = np.zeros((len(flat), m, m), dtype)
    for b, piv in enumerate(flat):
        perm = np.arange(m)
        for i, p in enumerate(piv):
            perm[[i, p - 1]] = perm[[p - 1, i]]
        out[b, perm, np.arange(m)] = 1
    return out.reshape(batch + (m, m))


def _unpack(lu: Any) -> tuple[Any, Any]:
    n = lu.shape[-1]
    return TRIL(lu, diagonal=-1) + _eye(lu, n), TRIU(lu, diagonal=0)


# A = P L U:  gA = P L^-H [tril(L^H gL, -1) + triu(gU U^H)] U^-H, with gL, gU packed in g;
# dA gives X = L^-1 P^T dA U^-1 and dLU = L tril(X, -1) + triu(X) U.
def _lu_vjp(g: Any, input: Any, result: Any) -> Any:
    if input.shape[-1] != input.shape[-2]:
        raise NotImplementedError("the derivative of linalg.lu_factor is implemented for square "
                                  "matrices only in tapegrad")
    low, up = _unpack(result)
    phi = TRIL(_mT(low) @ g, diagonal=-1) + TRIU(g @ _mT(up), diagonal=0)
    x = SOLVE_TRIANGULAR(_mT(low), phi, upper=True, left=True, unitriangular=True)
    x = SOLVE_TRIANGULAR(_mT(up), x, upper=False, left=False, unitriangular=False)
    return _perm_of(input) @ x


def _perm_of(input: Any) -> Any:
    return LU_PERMUTATION(LU_PIVOTS(input), m=input.shape[-2], dtype=_dtype(input))


def _lu_jvp(t: list, input: Any, result: Any) -> Any:
    low, up = _unpack(result)
    x = _mT(_perm_of(input)) @ t[0]
    x = SOLVE_TRIANGULAR(low, x, upper=False, left=True, unitriangular=True)
    x = SOLVE_TRIANGULAR(up, x, upper=True, left=False, unitriangular=False)
    return low @ TRIL(x, diagonal=-1) + TRIU(x, diagonal=0) @ up


LU_FACTOR = general("lu_factor", lambda a: _np_lu(a)[0], "LinalgLuFactorExBackward0",
                    vjp_input=_lu_vjp, jvp=_lu_jvp)
LU_PIVOTS = nondifferentiable("lu_pivots", lambda a: _np_lu(a)[1])
LU_PERMUTATION = nondifferentiable(
    "lu_permutation", lambda pivots, m, dtype: np_permutation(pivots, m, dtype))


def _register_vmap() -> None:
    from .._vmap._rules import RULES
    RULES[LU_FACTOR.name] = _batched
    RULES[LU_PIVOTS.name] = _batched
    RULES[LU_PERMUTATION.name] = _pivots_batched


def _pivots_batched(level: Any, op: Any, args: tuple, params: dict) -> Any:
    from .._vmap._batched import wrap
    from .._vmap._rules import _value
    return wrap(op(_value(args[0], level), **params), level)


_register_vmap()


# -- the public functions, re-exported by tapegrad.linalg ---------------------------------------
def _linalg() -> Any:
    from .. import linalg
    return linalg


# -- LU ----------------------------------------------------------------------------------------
_lu_factor_result = _return_type("linalg_lu_factor", ("LU", "pivots"))
_lu_factor_ex_result = _return_type("linalg_lu_factor_ex", ("LU", "pivots", "info"))
_lu_result = _return_type("linalg_lu", ("P", "L", "U"))


def lu_factor_ex(A: Tensor, *, pivot: bool = True, check_errors: bool = False) -> Any:
    """``(LU, pivots, info)``: the packed LU factorisation with partial pivoting; ``info`` is
    the 1-based index of the first zero on U's diagonal (0 if none)."""
    if A.ndim >= 2 and A.dtype.np.kind not in "fc":
        name = _linalg()._torch_name(A)
        raise NotImplementedError(f'"lu_cpu" not implemented for \'{name}\'')
    _linalg()._matrix("lu_factor_ex", A)
    if not pivot:
        raise RuntimeError("linalg.lu_factor: LU without pivoting is not implemented on the CPU")
    info = _np_lu(A._data)[2] if not _batched_data(A) else np.zeros(A.shape[:-2], np.int32)
    if check_errors and info.any():
        _raise_zero_pivot("torch.linalg.lu_factor_ex", A, info)
    info_t = Tensor._make(np.asarray(info, np.int32))
    return _lu_factor_ex_result(LU_FACTOR(A), LU_PIVOTS(A), info_t)


def _batched_data(A: Tensor) -> bool:
    try:
        A._data
    except RuntimeError:
        return True
    return False


def _raise_zero_pivot(name: str, A: Tensor, info: np.ndarray) -> None:
    flat = info.reshape(-1)
    k = int(np.flatnonzero(flat)[0])
    batch = f"(Batch element {k}): " if A.ndim > 2 else ""
    i = int(flat[k])
    raise RuntimeError(f"{name}: {batch}U[{i},{i}] is zero and using it on lu_solve would result "
                       "in a division by zero. If you still want to perform the factorization, "
                       "consider calling linalg.lu(A, pivot) or linalg.lu_factor_ex(A, pivot)")


def lu_factor(A: Tensor, *, pivot: bool = True) -> Any:
    """``(LU, pivots)`` of ``A = P L U``; raises where U would have a zero on its diagonal."""
    LU, pivots, info = lu_factor_ex(A, pivot=pivot)
    if info._data.any():
        _raise_zero_pivot("torch.linalg.lu_factor", A, info._data)
    return _lu_factor_result(LU, pivots)


def lu_unpack_parts(LU: Tensor, pivots: Tensor, unpack_data: bool = True,
                    unpack_pivots: bool = True) -> tuple:
    """``(P, L, U)`` from the packed form (L is m x k, U is k x n, k = min(m, n))."""
    m, n = LU.shape[-2:]
    k = min(m, n)
    empty = Tensor._make(np.zeros((0,), LU.dtype.np))
    P = (LU_PERMUTATION(pivots, m=m, dtype=LU.dtype.np) if unpack_pivots else empty)
    if not unpack_data:
        return P, empty, empty
    eye = Tensor._make(np.eye(m, k, dtype=LU.dtype.np))
    low = LU.narrow(-1, 0, k).tril(-1) + eye
    up = LU.narrow(-2, 0, k).triu()
    return P, low, up


def lu(A: Tensor, *, pivot: bool = True) -> Any:
    """``(P, L, U)`` with ``A = P L U``: P a permutation, L unit lower triangular, U upper."""
    _linalg()._matrix("lu", A)
    LU, pivots, _ = lu_factor_ex(A, pivot=pivot)
    return _lu_result(*lu_unpack_parts(LU, pivots))


def lu_solve(LU: Tensor, pivots: Tensor, B: Tensor, *, left: bool = True,
             adjoint: bool = False) -> Tensor:
    """``X`` with ``A X = B`` (``X A = B`` if not ``left``; ``A^H`` if ``adjoint``) from
    ``lu_factor``'s ``(LU, pivots)``."""
    _linalg()._matrix("lu_solve", LU, "LU")
    P, low, up = lu_unpack_parts(LU, pivots)
    tri = SOLVE_TRIANGULAR
    if left != adjoint:
        if adjoint:  # X A^H = B  <=>  A X^H = B^H
            return lu_solve(LU, pivots, B.mT, left=True).mT
        y = tri(low, P.mT @ B, upper=False, left=True, unitriangular=True)
        return tri(up, y, upper=True, left=True, unitriangular=False)
    if adjoint:  # A^H X = B: U^H L^H P^T X = B
        y = tri(up.mT, B, upper=False, left=True, unitriangular=False)
        return P @ tri(low.mT, y, upper=True, left=True, unitriangular=True)
    # X P L U = B
    y = tri(up, B, upper=True, left=False, unitriangular=False)
    return tri(low, y, upper=False, left=False, unitriangular=True) @ P.mT
