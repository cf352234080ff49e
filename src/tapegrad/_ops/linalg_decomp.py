"""Matrix decompositions and the functions built on them: Cholesky, QR, SVD, symmetric
eigendecomposition, triangular solves, the matrix exponential and the pseudo-inverse.

Matrices are the last two dimensions; leading dimensions are a batch.  The forwards call NumPy's
LAPACK wrappers; the derivative rules are torch's formulas written with tapegrad ops, so they
can be differentiated again (``create_graph=True``) and run in forward mode.

Ops with several outputs (``qr``, ``svd``, ``eigh``) cannot save their results for the rules
(the registry saves one result), so their rules factor the input again: the factorisation is
deterministic, and under ``create_graph`` the recomputation is itself recorded.

Example::

    >>> A = tapegrad.tensor([[4., 1.], [1., 3.]], requires_grad=True)
    >>> tapegrad.linalg.cholesky(A).grad_fn
    <LinalgCholeskyExBackward0 object at ...>
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ._registry import general, lift
from .linalg import TRIL as TRIL_, TRIU as TRIU_, _LinAlgError, _mT
from .reduction import SUM_DIM
from .shape import CAT, reshape

# -- helpers usable on arrays (plain backward) and Tensors (create_graph) ----------------------


def _dtype(x: Any) -> np.dtype:
    """The NumPy dtype of an array or Tensor (without reading a batched tensor's data)."""
    return x.dtype.np if hasattr(x.dtype, "np") else x.dtype


def _eye(like: Any, n: int) -> Any:
    return lift(like, np.eye(n, dtype=_dtype(like)))


def _diag(x: Any) -> Any:
    """The diagonals of a batch of square matrices, as a batch of vectors."""
    n = len(x.shape)
    return SUM_DIM(x * _eye(x, x.shape[-1]), dim=(n - 1,), keepdim=False)


def _diag_embed(v: Any) -> Any:
    """A batch of vectors as a batch of diagonal matrices."""
    return reshape(v, shape=tuple(v.shape) + (1,)) * _eye(v, v.shape[-1])


def _col(v: Any) -> Any:
    return reshape(v, shape=tuple(v.shape[:-1]) + (v.shape[-1], 1))


def _row(v: Any) -> Any:
    return reshape(v, shape=tuple(v.shape[:-1]) + (1, v.shape[-1]))


def _tril(x: Any, k: int = 0) -> Any:
    return TRIL_(x, diagonal=k)


def _triu(x: Any, k: int = 0) -> Any:
    return TRIU_(x, diagonal=k)



def _offdiag(x: Any) -> Any:
    return x - x * _eye(x, x.shape[-1])


def _batch_error(a: np.ndarray, k: int, text: str, name: str) -> _LinAlgError:
    batch = f"(Batch element {k}): " if a.ndim > 2 else ""
    return _LinAlgError(f"{name}: {batch}{text}")


def _flat(a: np.ndarray) -> np.ndarray:
    return a.reshape((-1,) + a.shape[-2:])


# -- Cholesky ----------------------------------------------------------------------------------
def _bad_minor(m: np.ndarray) -> int:
    """The order of the first leading minor that is not positive-definite (LAPACK's info)."""
    for k in range(1, m.shape[0] + 1):
        try:
            np.linalg.cholesky(m[:k, :k])
        except np.linalg.LinAlgError:
            return k
    return 0


def cholesky_info(a: np.ndarray, upper: bool) -> np.ndarray:
    """LAPACK's ``info`` per matrix: 0, or the order of the failing leading minor."""
    src = np.swapaxes(a, -1, -2) if upper else a
    flat = _flat(src)
    info = np.zeros(len(flat), np.int32)
    for k, m in enumerate(flat):
        try:
            np.linalg.cholesky(m)
        except np.linalg.LinAlgError:
            info[k] = _bad_minor(m)
    return info.reshape(a.shape[:-2])


def _np_cholesky(a: np.ndarray, upper: bool, name: str = "linalg.cholesky",
                 check: bool = True) -> np.ndarray:
    src = np.swapaxes(a, -1, -2) if upper else a  # LAPACK reads one triangle: the upper one here
    try:
        low = np.linalg.cholesky(src)
    except np.linalg.LinAlgError:
        if not check:
            low = np.zeros_like(a)
        else:
            info = cholesky_info(a, upper).reshape(-1)
            k = int(np.flatnonzero(info)[0])
            raise _batch_error(a, k, "The factorization could not be completed because the input "
                               f"is not positive-definite (the leading minor of order "
                               f"{info[k]} is not positive-definite).", name) from None
    return np.swapaxes(low, -1, -2).copy() if upper else low


def _phi(x: Any) -> Any:
    """Lower triangle with the diagonal halved."""
    return _tril(x, -1) + 0.5 * x * _eye(x, x.shape[-1])


# A = L L^H: gA = sym(L^-H phi(L^H gL) L^-1) / 2; dL = L phi(L^-1 dA L^-H).
def _cholesky_vjp(g: Any, result: Any, upper: bool) -> Any:
    low, g = (_mT(result), _mT(g)) if upper else (result, g)
    inv = SOLVE_TRIANGULAR(low, _eye(low, low.shape[-1]), upper=False, left=True,
                           unitriangular=False)
    ga = _mT(inv) @ (_phi(_mT(low) @ g) @ inv)
    return 0.5 * (ga + _mT(ga))


def _cholesky_jvp(t: list, result: Any, upper: bool) -> Any:
    low = _mT(result) if upper else result
    inv = SOLVE_TRIANGULAR(low, _eye(low, low.shape[-1]), upper=False, left=True,
                           unitriangular=False)
    dl = low @ _phi(inv @ (t[0] @ _mT(inv)))
    return _mT(dl) if upper else dl


CHOLESKY = general("cholesky", _np_cholesky, "LinalgCholeskyExBackward0",
                   vjp_input=_cholesky_vjp, jvp=_cholesky_jvp)
CHOLESKY_LEGACY = general("cholesky_legacy",
                          lambda a, upper: _np_cholesky(a, upper, "cholesky"),
                          "CholeskyBackward0", vjp_input=_cholesky_vjp, jvp=_cholesky_jvp)


# -- triangular solve --------------------------------------------------------------------------
def _np_solve_triangular(a: np.ndarray, b: np.ndarray, upper: bool, left: bool,
                         unitriangular: bool) -> np.ndarray:
    if not left:  # X A = B  <=>  A^T X^T = B^T
        return np.swapaxes(_substitute(np.swapaxes(a, -1, -2), np.swapaxes(b, -1, -2),
                                       not upper, unitriangular), -1, -2)
    return _substitute(a, b, upper, unitriangular)


def _substitute(a: np.ndarray, b: np.ndarray, upper: bool, unit: bool) -> np.ndarray:
    """Forward or back substitution, row by row over the whole batch: like LAPACK's trtrs, a
    zero on the diagonal gives inf/nan rather than an error.  Reads one triangle of ``a``."""
    batch = np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    dtype = np.result_type(a, b)
    a = np.broadcast_to(a, batch + a.shape[-2:])
    x = np.array(np.broadcast_to(b, batch + b.shape[-2:]), dtype=dtype)
    n = a.shape[-1]
    order = range(n - 1, -1, -1) if upper else range(n)
    with np.errstate(divide="ignore", invalid="ignore"):
        for i in order:
            rest = slice(i + 1, n) if upper else slice(0, i)
            if rest.stop > rest.start:
                x[..., i, :] -= np.einsum("...j,...jk->...k", a[..., i, rest], x[..., rest, :])
            if not unit:
                x[..., i, :] /= a[..., i, i][..., None]
    return x


def _tri_part(x: Any, upper: bool, unitriangular: bool) -> Any:
    part = _triu(x) if upper else _tril(x)
    return _offdiag(part) if unitriangular else part


def _st_vjp_b(g: Any, A: Any, upper: bool, left: bool, unitriangular: bool) -> Any:
    return SOLVE_TRIANGULAR(_mT(A), g, upper=not upper, left=left, unitriangular=unitriangular)


def _st_vjp_a(g: Any, A: Any, result: Any, upper: bool, left: bool, unitriangular: bool) -> Any:
    gb = _st_vjp_b(g, A, upper, left, unitriangular)
    ga = -(gb @ _mT(result)) if left else -(_mT(result) @ gb)
    return _tri_part(ga, upper, unitriangular)


def _st_jvp(t: list, A: Any, result: Any, upper: bool, left: bool, unitriangular: bool) -> Any:
    ta, tb = t
    rhs = tb
    if ta is not None:
        ta = _tri_part(ta, upper, unitriangular)
        moved = ta @ result if left else result @ ta
        rhs = -moved if rhs is None else rhs - moved
    return SOLVE_TRIANGULAR(A, rhs, upper=upper, left=left, unitriangular=unitriangular)


SOLVE_TRIANGULAR = general("solve_triangular", _np_solve_triangular,
                           "LinalgSolveTriangularBackward0", ("A", "B"),
                           vjp_A=_st_vjp_a, vjp_B=_st_vjp_b, jvp=_st_jvp)
# torch.triangular_solve: the same maths under its older name (called with left=True)
TRIANGULAR_SOLVE = general("triangular_solve", _np_solve_triangular, "TriangularSolveBackward0",
                           ("A", "B"), vjp_A=_st_vjp_a, vjp_B=_st_vjp_b, jvp=_st_jvp)


# -- QR ----------------------------------------------------------------------------------------
def _np_qr(a: np.ndarray, mode: str) -> list:
    if a.shape[-1] == 0 or a.shape[-2] == 0:
        m, n = a.shape[-2:]
        k = m if mode == "complete" else min(m, n)
        q = np.zeros(a.shape[:-2] + (m, k), a.dtype) + (np.eye(m, k, dtype=a.dtype))
        return [q, np.zeros(a.shape[:-2] + (k, n), a.dtype)]
    if mode == "r":
        return [np.zeros((0,), a.dtype), np.linalg.qr(a, mode="r")]
    q, r = np.linalg.qr(a, mode=mode)
    return [q, r]


def _copyltu(m: Any) -> Any:
    """The symmetric matrix whose lower triangle is ``m``'s."""
    low = _tril(m, -1)
    return low + _mT(low) + m * _eye(m, m.shape[-1])


def _qr_square_vjp(gq: Any, gr: Any, q: Any, r: Any) -> Any:
    """A = QR with m >= n: gA = (gQ + Q copyltu(R gR^H - gQ^H Q)) R^-H."""
    m = (r @ _mT(gr)) - (_mT(gq) @ q)
    rhs = gq + q @ _copyltu(m)
    return SOLVE_TRIANGULAR(_mT(r), rhs, upper=False, left=False, unitriangular=False)


def _qr_vjp(grads: list, input: Any, mode: str) -> Any:
    if mode == "r":
        raise RuntimeError("The derivative of linalg.qr depends on Q, which is not computed when "
                           "mode='r'. Please use linalg.qr(A, mode='reduced') if you are going to "
                           "differentiate through linalg.qr.")
    m, n = input.shape[-2:]
    if mode == "complete" and m > n:
        raise RuntimeError("The QR decomposition is not differentiable when mode='complete' and "
                           "nrows > ncols.")
    q, r = QR(input, mode=mode)
    gq, gr = grads
    gq = _zeros_of(q) if gq is None else gq
    gr = _zeros_of(r) if gr is None else gr
    if m >= n:
        return _qr_square_vjp(gq, gr, q, r)
    # A = [X | Y] with X = Q U square: Y = Q V adds Y gV^H to gQ.
    u, v = r[..., :, :m], r[..., :, m:]
    gu, gv = gr[..., :, :m], gr[..., :, m:]
    y = input[..., :, m:]
    gx = _qr_square_vjp(gq + y @ _mT(gv), gu, q, u)
    return CAT(gx, q @ gv, dim=len(input.shape) - 1, sizes=(m, n - m))


def _qr_jvp(t: list, input: Any, mode: str) -> Any:
    m, n = input.shape[-2:]
    if mode == "r" or (mode == "complete" and m > n):
        raise NotImplementedError("forward-mode AD of linalg.qr needs Q (mode='reduced')")
    q, r = QR(input, mode=mode)
    if m >= n:
        return _qr_square_jvp(t[0], q, r)
    # A = [X | Y] with X = Q U square, Y = Q V: dV = Q^H (dY - dQ V)
    da = t[0]
    dq, du = _qr_square_jvp(da[..., :, :m], q, r[..., :, :m])
    dv = _mT(q) @ (da[..., :, m:] - dq @ r[..., :, m:])
    return dq, CAT(du, dv, dim=len(input.shape) - 1, sizes=(m, n - m))


def _qr_square_jvp(da: Any, q: Any, r: Any) -> tuple:
    """m >= n: with X = Q^H dA R^-1, C = skew part of X's strict lower triangle,
    dR = (X - C) R and dQ = dA R^-1 - Q (X - C)."""
    da_rinv = SOLVE_TRIANGULAR(r, da, upper=True, left=False, unitriangular=False)
    x = _mT(q) @ da_rinv
    low = _tril(x, -1)
    c = low - _mT(low)
    return da_rinv - q @ (x - c), (x - c) @ r


def _zeros_of(x: Any) -> Any:
    return lift(x, np.zeros(tuple(x.shape), _dtype(x)))


QR = general("qr", _np_qr, "LinalgQrBackward0", multi_output=True, vjp_input=_qr_vjp,
             jvp=_qr_jvp)


# -- SVD ---------------------------------------------------------------------------------------
def _np_svd(a: np.ndarray, full_matrices: bool) -> list:
    u, s, vh = np.linalg.svd(a, full_matrices=full_matrices)
    return [u, s, vh]


def _svd_vjp(grads: list, input: Any, full_matrices: bool) -> Any:
    gu, gs, gvh = grads
    u, s, vh = SVD(input, full_matrices=False)
    m, n = input.shape[-2:]
    k = s.shape[-1]
    if full_matrices:  # only the first k singular vectors carry a gradient
        gu = None if gu is None else gu[..., :, :k]
        gvh = None if gvh is None else gvh[..., :k, :]
    if gu is None and gvh is None:
        return u @ (_diag_embed(gs) @ vh)
    v = _mT(vh)
    gv = None if gvh is None else _mT(gvh)
    s2 = s * s
    e = _row(s2) - _col(s2)
    e = e + _eye(e, k)  # E_jk = s_k^2 - s_j^2, ones on the diagonal
    ret = None
    if gu is not None:
        uhgu = _mT(u) @ gu
        ret = ((uhgu - _mT(uhgu)) / e) * _row(s)
    if gv is not None:
        vhgv = _mT(v) @ gv
        term = _col(s) * ((vhgv - _mT(vhgv)) / e)
        ret = term if ret is None else ret + term
    if gs is not None:
        ret = ret + _diag_embed(gs)
    if m > k and gu is not None:
        ret = u @ ret
        gu_sinv = gu / _row(s)
        ret = ret + gu_sinv - u @ (_mT(u) @ gu_sinv)
        return ret @ vh
    if n > k and gv is not None:
        ret = ret @ vh
        sinv_gvh = _mT(gv) / _col(s)
        ret = ret + sinv_gvh - (sinv_gvh @ v) @ vh
        return u @ ret
    return u @ (ret @ vh)


def _svd_jvp(t: list, input: Any, full_matrices: bool) -> Any:
    if full_matrices and input.shape[-1] != input.shape[-2]:
        raise NotImplementedError("forward-mode AD of linalg.svd needs full_matrices=False")
    u, s, vh = SVD(input, full_matrices=False)
    v = _mT(vh)
    da = t[0]
    dp = _mT(u) @ (da @ v)
    ds = _diag(dp)
    k = s.shape[-1]
    s2 = s * s
    e = _row(s2) - _col(s2) + _eye(s, k)
    du = u @ _offdiag((dp * _row(s) + _col(s) * _mT(dp)) / e)
    dv = v @ _offdiag((_col(s) * dp + _mT(dp) * _row(s)) / e)
    m, n = input.shape[-2:]
    if m > k:
        du = du + (da @ v - u @ (_mT(u) @ (da @ v))) / _row(s)
    if n > k:
        dv = dv + (_mT(da) @ u - v @ (_mT(v) @ (_mT(da) @ u))) / _row(s)
    return du, ds, _mT(dv)


SVD = general("svd", _np_svd, "LinalgSvdBackward0", multi_output=True, vjp_input=_svd_vjp,
              jvp=_svd_jvp)
SVDVALS = general("svdvals", lambda a: np.linalg.svd(a, compute_uv=False), "LinalgSvdBackward0",
                  vjp_input=lambda g, input: _svd_vjp([None, g, None], input, False),
                  jvp=lambda t, input: _svd_jvp(t, input, False)[1])


# -- symmetric eigendecomposition --------------------------------------------------------------
def _np_eigh(a: np.ndarray, UPLO: str) -> list:
    w, v = np.linalg.eigh(a, UPLO=UPLO)
    return [w, v]


def _eigh_vjp(grads: list, input: Any, UPLO: str) -> Any:
    gl, gv = grads
    w, v = EIGH(input, UPLO=UPLO)
    if gv is None:
        return v @ (_diag_embed(gl) @ _mT(v))
    vhgv = _mT(v) @ gv
    n = w.shape[-1]
    e = _row(w) - _col(w) + _eye(w, n)  # E_jk = l_k - l_j, ones on the diagonal
    inner = _offdiag(0.5 * (vhgv - _mT(vhgv)) / e)
    if gl is not None:
        inner = inner + _diag_embed(gl)
    return v @ (inner @ _mT(v))


def _eigh_jvp(t: list, input: Any, UPLO: str) -> Any:
    w, v = EIGH(input, UPLO=UPLO)
    dp = _mT(v) @ (t[0] @ v)
    e = _row(w) - _col(w) + _eye(w, w.shape[-1])
    return _diag(dp), v @ _offdiag(dp / e)


EIGH = general("eigh", _np_eigh, "LinalgEighBackward0", multi_output=True,
               vjp_input=_eigh_vjp, jvp=_eigh_jvp)
EIGVALSH = general("eigvalsh", lambda a, UPLO: np.linalg.eigvalsh(a, UPLO=UPLO),
                   "LinalgEighBackward0",
                   vjp_input=lambda g, input, UPLO: _eigh_vjp([g, None], input, UPLO),
                   jvp=lambda t, input, UPLO: _eigh_jvp(t, input, UPLO)[0])


# -- matrix exponential ------------------------------------------------------------------------
def _np_matrix_exp(a: np.ndarray) -> np.ndarray:
    """Scaling and squaring with a degree-18 Taylor polynomial: each matrix is scaled so that
    its 1-norm is below 1/2, where the truncated series is exact to working precision."""
    if a.shape[-1] == 0:
        return a.copy()
    norms = np.abs(a).sum(axis=-2).max(axis=-1, initial=0.0)
    top = float(np.max(norms)) if norms.size else 0.0
    s = max(0, int(np.ceil(np.log2(top / 0.5)))) if top > 0.5 and np.isfinite(top) else 0
    x = a / (2.0 ** s)
    eye = np.broadcast_to(np.eye(a.shape[-1], dtype=a.dtype), a.shape)
    out = eye.copy()
    term = eye.copy()
    for k in range(1, 19):
        term = term @ x / k
        out = out + term
    for _ in range(s):
        out = out @ out
    return out.astype(a.dtype, copy=False)


def _block_exp_corner(a: Any, b: Any) -> Any:
    """The upper-right block of exp([[a, b], [0, a]]): the derivative of exp at a along b."""
    n = a.shape[-1]
    nd = len(a.shape)
    batch = tuple(np.broadcast_shapes(tuple(a.shape[:-2]), tuple(b.shape[:-2])))
    a = a + _zeros_of(b) if tuple(a.shape[:-2]) != batch else a
    b = b + _zeros_of(a) if tuple(b.shape[:-2]) != batch else b
    zero = lift(a, np.zeros(batch + (n, n), _dtype(a)))
    top = CAT(a, b, dim=nd - 1, sizes=(n, n))
    bottom = CAT(zero, a, dim=nd - 1, sizes=(n, n))
    big = MATRIX_EXP(CAT(top, bottom, dim=nd - 2, sizes=(n, n)))
    return big[..., :n, n:]


MATRIX_EXP = general("matrix_exp", _np_matrix_exp, "LinalgMatrixExpBackward0",
                     vjp_input=lambda g, input: _block_exp_corner(_mT(input), g),
                     jvp=lambda t, input: _block_exp_corner(input, t[0]))


# -- pseudo-inverse ----------------------------------------------------------------------------
def _np_pinv(a: np.ndarray, atol: float | None, rtol: float | None,
             hermitian: bool) -> np.ndarray:
    m, n = a.shape[-2:]
    if m == 0 or n == 0:
        return np.zeros(a.shape[:-2] + (n, m), a.dtype)
    if rtol is None:
        rtol = 0.0 if atol is not None and atol > 0 else np.finfo(a.dtype).eps * max(m, n)
    atol = 0.0 if atol is None else atol
    if hermitian:
        w, v = np.linalg.eigh(a)
        s = np.abs(w)
        cut = np.maximum(atol, rtol * s.max(axis=-1, keepdims=True))
        inv = np.where(s > cut, 1 / np.where(w == 0, 1, w), 0)
        return (v * inv[..., None, :]) @ np.swapaxes(v, -1, -2)
    u, s, vh = np.linalg.svd(a, full_matrices=False)
    cut = np.maximum(atol, rtol * s.max(axis=-1, keepdims=True))
    inv = np.where(s > cut, 1 / np.where(s == 0, 1, s), 0)
    return np.swapaxes(vh, -1, -2) @ (inv[..., :, None] * np.swapaxes(u, -1, -2))


def pinv_vjp(g: Any, result: Any, input: Any) -> Any:
    """torch's pinv backward, arranged to multiply the smallest matrices."""
    x, a = result, input
    m, n = a.shape[-2:]
    xh, gh = _mT(x), _mT(g)
    if m <= n:
        k = gh @ x
        kxh = k @ xh
        return -_mT(x @ k) + kxh - (a @ x) @ kxh + (xh @ x) @ (gh - k @ a)
    k = x @ gh
    xhk = xh @ k
    return -_mT(k @ x) + ((gh - a @ k) @ x) @ xh + xhk - (xhk @ x) @ a


def _pinv_jvp(t: list, result: Any, input: Any) -> Any:
    # dX = -X dA X + X X^H dA^H (I - A X) + (I - X A) dA^H X^H X
    x, a, da = result, input, t[0]
    m, n = a.shape[-2:]
    dah = _mT(da)
    first = -(x @ (da @ x))
    second = (x @ _mT(x)) @ (dah - (dah @ a) @ x)
    third = (dah - x @ (a @ dah)) @ (_mT(x) @ x)
    return first + second + third


PINV = general("pinv", _np_pinv, "LinalgPinvBackward0", vjp_input=pinv_vjp, jvp=_pinv_jvp)


# -- least squares (solution only; the other outputs carry no gradient here) -------------------
def _np_lstsq(a: np.ndarray, b: np.ndarray, rcond: float | None) -> np.ndarray:
    batch = np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    a = np.broadcast_to(a, batch + a.shape[-2:])
    b = np.broadcast_to(b, batch + b.shape[-2:])
    out = np.empty(batch + (a.shape[-1], b.shape[-1]), np.result_type(a, b))
    fa, fb, fo = _flat(a), _flat(b), out.reshape((-1,) + out.shape[-2:])
    for i in range(len(fa)):
        fo[i] = np.linalg.lstsq(fa[i], fb[i], rcond=rcond)[0]
    return out


def _lstsq_vjp_a(g: Any, A: Any, B: Any, rcond: Any) -> Any:
    x = PINV(A, atol=None, rtol=None, hermitian=False)
    return pinv_vjp(g @ _mT(B), x, A)


def _lstsq_jvp(t: list, A: Any, B: Any, result: Any, rcond: Any) -> Any:
    ta, tb = t
    x = PINV(A, atol=None, rtol=None, hermitian=False)
    out = None if tb is None else x @ tb
    if ta is not None:
        term = _pinv_jvp([ta], x, A) @ B
        out = term if out is None else out + term
    return out


LSTSQ = general("lstsq", _np_lstsq, "LinalgLstsqBackward0", ("A", "B"),
                vjp_A=_lstsq_vjp_a,
                vjp_B=lambda g, A: _mT(PINV(A, atol=None, rtol=None, hermitian=False)) @ g,
                jvp=_lstsq_jvp)


# -- vmap: every op here works on the trailing matrix dims, so the batch is one more leading dim
def _batched(level: Any, op: Any, args: tuple, params: dict) -> Any:
    """vmap's rule for the ops of this family: the NumPy forwards batch over leading dims, so
    each batched operand only gets size-1 dims up to the others' batch rank (unbatched ones
    broadcast) and the op runs once."""
    from .._vmap._batched import wrap
    from .._vmap._rules import _value
    from .shape import RESHAPE
    core = [2] * len(args)
    lead = max(len(a.shape) - c for a, c in zip(args, core))
    new = []
    for a, c in zip(args, core):
        v = _value(a, level)
        if v is not None and len(a.shape) - c < lead:
            pad = lead - (len(a.shape) - c)
            v = RESHAPE(v, shape=(v.shape[0],) + (1,) * pad + tuple(v.shape[1:]))
        new.append(a if v is None else v)
    out = op(*new, **params)
    if op.multi_output:
        return tuple(wrap(o, level) for o in out)
    return wrap(out, level)


def _register_vmap() -> None:
    from .._vmap._rules import RULES
    for op in (CHOLESKY, CHOLESKY_LEGACY, SOLVE_TRIANGULAR, TRIANGULAR_SOLVE, QR, SVD, SVDVALS,
               EIGH, EIGVALSH, MATRIX_EXP, PINV, LSTSQ):
        RULES[op.name] = _batched


_register_vmap()
