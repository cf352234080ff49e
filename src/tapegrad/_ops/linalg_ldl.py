"""LDL^T factorisation of symmetric matrices with Bunch-Kaufman pivoting, in LAPACK's compact
form (sytrf, lower triangle): ``LD`` holds the unit lower factor below the diagonal and the
block-diagonal D (1 x 1 and 2 x 2 blocks) on and next to it; ``pivots`` are 1-based, positive
for a 1 x 1 block, negative (and repeated) for a 2 x 2 block.  Not differentiable (torch's
derivative is not implemented either).
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from .._api import _return_type
from .._tensor import Tensor

_ALPHA = (1 + math.sqrt(17)) / 8  # Bunch-Kaufman's threshold: bounds the growth of the factors


def _swap_symmetric(a: np.ndarray, kk: int, kp: int) -> None:
    """Interchange rows and columns kk < kp of the trailing lower triangle (from column kk)."""
    n = a.shape[0]
    if kp < n - 1:
        a[kp + 1:, [kk, kp]] = a[kp + 1:, [kp, kk]]
    between = a[kk + 1:kp, kk].copy()
    a[kk + 1:kp, kk] = a[kp, kk + 1:kp]
    a[kp, kk + 1:kp] = between
    a[kk, kk], a[kp, kp] = a[kp, kp], a[kk, kk]


def _factor_one(a: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
    """LAPACK's unblocked sytf2 (lower) on one matrix: ``(LD, pivots, info)``."""
    a = np.tril(a).astype(a.dtype, copy=True)
    n = a.shape[0]
    piv = np.zeros(n, np.int32)
    info = 0
    k = 0
    while k < n:
        step = 1
        absakk = abs(a[k, k])
        imax = k + 1 + int(np.argmax(np.abs(a[k + 1:, k]))) if k < n - 1 else k
        colmax = abs(a[imax, k]) if k < n - 1 else 0.0
        if max(absakk, colmax) == 0 or math.isnan(absakk):
            info = info or k + 1
            kp = k
        else:
            if absakk >= _ALPHA * colmax:
                kp = k
            else:
                row = np.abs(a[imax, k:imax])
                rowmax = float(row.max())
                if imax < n - 1:
                    rowmax = max(rowmax, float(np.abs(a[imax + 1:, imax]).max()))
                if absakk >= _ALPHA * colmax * (colmax / rowmax):
                    kp = k
                elif abs(a[imax, imax]) >= _ALPHA * rowmax:
                    kp = imax
                else:
                    kp, step = imax, 2
            kk = k + step - 1
            if kp != kk:
                _swap_symmetric(a, kk, kp)
                if step == 2:
                    a[k + 1, k], a[kp, k] = a[kp, k], a[k + 1, k]
            if step == 1:
                if k < n - 1:
                    r1 = 1 / a[k, k]
                    x = a[k + 1:, k].copy()
                    a[k + 1:, k + 1:] -= np.tril(np.outer(x * r1, x))
                    a[k + 1:, k] = x * r1
            elif k < n - 2:
                d21 = a[k + 1, k]
                d11 = a[k + 1, k + 1] / d21
                d22 = a[k, k] / d21
                d21 = (1 / (d11 * d22 - 1)) / d21
                wk = d21 * (d11 * a[k + 2:, k] - a[k + 2:, k + 1])
                wkp1 = d21 * (d22 * a[k + 2:, k + 1] - a[k + 2:, k])
                a[k + 2:, k + 2:] -= np.tril(np.outer(a[k + 2:, k], wk)
                                             + np.outer(a[k + 2:, k + 1], wkp1))
                a[k + 2:, k], a[k + 2:, k + 1] = wk, wkp1
        if step == 1:
            piv[k] = kp + 1
        else:
            piv[k] = piv[k + 1] = -(kp + 1)
        k += step
    return a, piv, info


def np_ldl_factor(a: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(LD, pivots, info)`` for a batch of symmetric matrices (lower triangles read)."""
    flat = a.reshape((-1,) + a.shape[-2:])
    parts = [_factor_one(m) for m in flat]
    ld = np.stack([p[0] for p in parts]).reshape(a.shape)
    piv = np.stack([p[1] for p in parts]).reshape(a.shape[:-1])
    info = np.array([p[2] for p in parts], np.int32).reshape(a.shape[:-2])
    return ld, piv, info


def _rebuild_one(ld: np.ndarray, piv: np.ndarray) -> np.ndarray:
    """The matrix ``A = M D M^T`` the compact form stands for, M = P1 L1 P2 L2 ..."""
    n = ld.shape[0]
    m = np.eye(n, dtype=ld.dtype)
    d = np.zeros_like(ld)
    k = 0
    while k < n:
        step = 1 if piv[k] > 0 else 2
        kp = abs(int(piv[k])) - 1
        kk = k + step - 1
        swap = np.eye(n, dtype=ld.dtype)
        swap[[kk, kp]] = swap[[kp, kk]]
        unit = np.eye(n, dtype=ld.dtype)
        unit[k + step:, k:k + step] = ld[k + step:, k:k + step]
        m = m @ swap @ unit
        d[k, k] = ld[k, k]
        if step == 2:
            d[k + 1, k + 1] = ld[k + 1, k + 1]
            d[k + 1, k] = d[k, k + 1] = ld[k + 1, k]
        k += step
    return m @ d @ m.T


def np_ldl_solve(ld: np.ndarray, piv: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``X`` with ``A X = B`` for the A that ``(LD, pivots)`` factorises."""
    flat_ld = ld.reshape((-1,) + ld.shape[-2:])
    flat_piv = piv.reshape((-1, piv.shape[-1]))
    a = np.stack([_rebuild_one(x, p) for x, p in zip(flat_ld, flat_piv)]).reshape(ld.shape)
    batch = np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    return np.linalg.solve(np.broadcast_to(a, batch + a.shape[-2:]),
                           np.broadcast_to(b, batch + b.shape[-2:]))


# -- the public functions, re-exported by tapegrad.linalg ---------------------------------------
def _linalg() -> Any:
    from .. import linalg
    return linalg


def _ints(a: np.ndarray) -> Tensor:
    return Tensor._make(np.asarray(a, np.int32))


_ldl_factor_ex_result = _return_type("linalg_ldl_factor_ex", ("LD", "pivots", "info"))
_ldl_factor_result = _return_type("linalg_ldl_factor", ("LD", "pivots"))


def ldl_factor_ex(A: Tensor, *, hermitian: bool = False, check_errors: bool = False) -> Any:
    """``(LD, pivots, info)``: the Bunch-Kaufman LDL^T factorisation of symmetric matrices in
    LAPACK's compact form (see ``ldl_solve``); not differentiable in tapegrad."""
    _linalg()._square("ldl_factor_ex", A)
    ld, piv, info = np_ldl_factor(A._data)
    if check_errors and info.any():
        _ldl_error("ldl_factor_ex", info)
    return _ldl_factor_ex_result(Tensor._make(ld), _ints(piv), _ints(info))


def _ldl_error(name: str, info: np.ndarray) -> None:
    code = int(info.reshape(-1)[np.flatnonzero(info.reshape(-1))[0]])
    raise RuntimeError('false INTERNAL ASSERT FAILED at "/__w/pytorch/pytorch/aten/src/ATen/'
                       'native/BatchLinearAlgebra.cpp":1642, please report a bug to PyTorch. '
                       f"torch.linalg.{name}: Unknown error code: {code}.")  # torch's own text


def ldl_factor(A: Tensor, *, hermitian: bool = False) -> Any:
    """``(LD, pivots)`` of ``ldl_factor_ex``, raising (as torch) for a singular D."""
    LD, pivots, info = ldl_factor_ex(A, hermitian=hermitian)
    if info._data.any():
        _ldl_error("ldl_factor", info._data)
    return _ldl_factor_result(LD, pivots)


def ldl_solve(LD: Tensor, pivots: Tensor, B: Tensor, *, hermitian: bool = False) -> Tensor:
    """``X`` with ``A X = B`` from ``ldl_factor``'s ``(LD, pivots)``."""
    return Tensor._make(np_ldl_solve(LD._data, pivots._data, B._data))

