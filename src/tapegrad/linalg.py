"""``tapegrad.linalg``: torch.linalg's decompositions, solvers, inverses, determinants and norms.

Matrices are the last two dimensions; any leading dimensions are a batch.  Functions with a
derivative of their own (``inv``, ``det``, ``cholesky``, ``qr``, ``svd``, ``eigh``, ``pinv``,
``solve_triangular``, ``matrix_exp``, ...) are registry ops with torch's formulas (first and
higher order, forward mode, vmap); the others are built from recorded ops, as torch builds them,
so their ``grad_fn`` names match torch's.  Results that torch returns as named tuples
(``torch.return_types.linalg_qr``) are named tuples here too::

    >>> Q, R = tapegrad.linalg.qr(tapegrad.tensor([[1., 2.], [3., 4.]]))
    >>> tapegrad.linalg.svd(A).S            # fields by name

``eig``/``eigvals`` return complex tensors and are not differentiable here.
"""
from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np

from ._api import _return_type
from ._ops import linalg as L, linalg_decomp as D, linalg_solvers as LS, stat_products
from ._ops.linalg_ldl import ldl_factor, ldl_factor_ex, ldl_solve  # noqa: F401  (re-exported)
from ._ops.linalg_lu import lu, lu_factor, lu_factor_ex, lu_solve, lu_unpack_parts  # noqa: F401
from ._public import public_dir as _public_dir
from ._reductions import norm as _norm
from ._tensor import Tensor

__all__ = ["LinAlgError", "cholesky", "cholesky_ex", "cond", "cross", "det", "diagonal", "eig",
           "eigh", "eigvals", "eigvalsh", "householder_product", "inv", "inv_ex", "ldl_factor",
           "ldl_factor_ex", "ldl_solve", "lstsq", "lu", "lu_factor", "lu_factor_ex",
           "lu_solve", "matmul", "matrix_exp", "matrix_norm", "matrix_power", "matrix_rank",
           "multi_dot", "norm", "pinv", "qr", "slogdet", "solve", "solve_ex",
           "solve_triangular", "svd", "svdvals", "tensorinv", "tensorsolve", "vander",
           "vecdot", "vector_norm"]

LinAlgError = L._LinAlgError
_slogdet_result = _return_type("linalg_slogdet", ("sign", "logabsdet"))
_cholesky_ex_result = _return_type("linalg_cholesky_ex", ("L", "info"))
_inv_ex_result = _return_type("linalg_inv_ex", ("inverse", "info"))
_solve_ex_result = _return_type("linalg_solve_ex", ("result", "info"))
_qr_result = _return_type("linalg_qr", ("Q", "R"))
_svd_result = _return_type("linalg_svd", ("U", "S", "Vh"))
_eigh_result = _return_type("linalg_eigh", ("eigenvalues", "eigenvectors"))
_eig_result = _return_type("linalg_eig", ("eigenvalues", "eigenvectors"))
_lstsq_result = _return_type("linalg_lstsq", ("solution", "residuals", "rank",
                                              "singular_values"))


def _matrix(name: str, A: Tensor, what: str = "A") -> None:
    if A.ndim < 2:
        raise RuntimeError(f"linalg.{name}: The input tensor {what} must have at least 2 "
                           "dimensions.")
    if A.dtype.np.kind not in "fc":
        raise RuntimeError(f"linalg.{name}: Expected a floating point or complex tensor as input. "
                           f"Got {_torch_name(A)}")


def _square(name: str, A: Tensor) -> None:
    if A.ndim < 2:
        raise RuntimeError(f"linalg.{name}: The input tensor A must have at least 2 dimensions.")
    if A.shape[-1] != A.shape[-2]:
        raise RuntimeError(f"linalg.{name}: A must be batches of square matrices, but they are "
                           f"{A.shape[-2]} by {A.shape[-1]} matrices")
    if A.dtype.np.kind not in "fc":
        raise RuntimeError(f"linalg.{name}: Expected a floating point or complex tensor as input. "
                           f"Got {_torch_name(A)}")


def _torch_name(t: Tensor) -> str:
    from tapegrad._dtype import torch_name
    return torch_name(t.dtype.np)


def _int_tensor(a: Any, dtype: Any = np.int32) -> Tensor:
    return Tensor._make(np.asarray(a, dtype=dtype))


# -- inverse, determinant, solve ---------------------------------------------------------------
def inv(A: Tensor) -> Tensor:
    """The inverse of each square matrix; ``LinAlgError`` if one is singular."""
    _square("inv", A)
    return L.INV(A)


def inv_ex(A: Tensor, *, check_errors: bool = False) -> Any:
    """``(inverse, info)``: ``info`` is 0 for an invertible matrix, else the first zero pivot
    (and the inverse is not meaningful) unless ``check_errors`` raises instead."""
    _square("inv_ex", A)
    info = _pivot_info(A._data)
    if check_errors or not info.any():
        return _inv_ex_result(L.INV(A), _int_tensor(info))
    bad = np.full(A.shape, np.nan, A.dtype.np)
    return _inv_ex_result(Tensor._make(bad), _int_tensor(info))


def _pivot_info(a: np.ndarray) -> np.ndarray:
    flat = a.reshape((-1,) + a.shape[-2:])
    info = [L._zero_pivot(m) or 0 for m in flat]
    return np.asarray(info, np.int32).reshape(a.shape[:-2])


def det(A: Tensor) -> Tensor:
    """The determinant of each square matrix (its gradient is defined at singular matrices)."""
    _square("det", A)
    return L.DET(A)


def slogdet(A: Tensor) -> Any:
    """The named tuple ``(sign, logabsdet)``: ``det(A) = sign * exp(logabsdet)``, computed
    without overflow.  Only ``logabsdet`` is differentiable."""
    _square("slogdet", A)
    return _slogdet_result(L.SLOGDET_SIGN(A), L.LOGABSDET(A))


def solve(A: Tensor, B: Tensor, *, left: bool = True) -> Tensor:
    """``X`` with ``A @ X = B``: ``B`` a matrix (or batch), or a vector when it has one dimension
    fewer than ``A``.  ``left=False`` solves ``X @ A = B``."""
    _square("solve", A)
    if not left:
        return solve(A.mT, B.mT).mT
    vector = B.ndim == 1 or (B.ndim == A.ndim - 1 and tuple(B.shape) == tuple(A.shape[:-1]))
    if B.ndim < 1 or B.shape[-1 if vector else -2] != A.shape[-1]:
        rows = B.shape[-1] if vector else B.shape[-2] if B.ndim > 1 else 1
        raise RuntimeError(f"linalg.solve: Incompatible shapes of A and B for the equation AX = B"
                           f" ({A.shape[-2]}x{A.shape[-1]} and {rows}x"
                           f"{1 if vector else B.shape[-1]})")
    return L.SOLVE(A, B, vector=vector)


def solve_ex(A: Tensor, B: Tensor, *, left: bool = True, check_errors: bool = False) -> Any:
    """``(result, info)`` of ``solve``; ``info`` names the first zero pivot of a singular A."""
    _square("solve_ex", A)
    info = _pivot_info(A._data)
    if check_errors or not info.any():
        return _solve_ex_result(solve(A, B, left=left), _int_tensor(info))
    shape = np.broadcast_shapes(tuple(A.shape[:-2]), tuple(B.shape[:-2]) if B.ndim > 1 else ())
    out = np.full(shape + tuple(B.shape[-2:] if B.ndim > 1 else B.shape), np.nan, A.dtype.np)
    return _solve_ex_result(Tensor._make(out), _int_tensor(info))


# -- Cholesky, QR, SVD, eigendecompositions ----------------------------------------------------
def cholesky(A: Tensor, *, upper: bool = False) -> Tensor:
    """``L`` with ``A = L L^H`` (lower triangular; ``upper=True``: ``U`` with ``A = U^H U``).
    Reads one triangle of A; ``LinAlgError`` if A is not positive-definite."""
    _square("cholesky", A)
    return D.CHOLESKY(A, upper=upper)


def cholesky_ex(A: Tensor, *, upper: bool = False, check_errors: bool = False) -> Any:
    """``(L, info)``: ``info`` is 0, or the order of the leading minor that is not
    positive-definite (then ``L`` holds LAPACK's partial factor)."""
    _square("cholesky", A)
    info = D.cholesky_info(A._data, upper)
    if check_errors and info.any():
        D._np_cholesky(A._data, upper, "linalg.cholesky_ex")  # raises, naming the minor
    if not info.any():
        return _cholesky_ex_result(D.CHOLESKY(A, upper=upper), _int_tensor(info))
    return _cholesky_ex_result(Tensor._make(_partial_cholesky(A._data, upper)),
                               _int_tensor(info))


def _partial_cholesky(a: np.ndarray, upper: bool) -> np.ndarray:
    """What LAPACK's unblocked Cholesky leaves when it stops: the columns done, the failing
    diagonal value, the rest of the lower triangle untouched."""
    src = np.swapaxes(a, -1, -2) if upper else a
    out = np.tril(src).copy()
    flat = out.reshape((-1,) + out.shape[-2:])
    for m in flat:
        n = m.shape[0]
        for j in range(n):
            ajj = m[j, j] - m[j, :j] @ m[j, :j]
            if not ajj > 0:
                m[j, j] = ajj
                break
            m[j, j] = math.sqrt(ajj)
            m[j + 1:, j] = (m[j + 1:, j] - m[j + 1:, :j] @ m[j, :j]) / m[j, j]
    return np.swapaxes(out, -1, -2).copy() if upper else out


def qr(A: Tensor, mode: str = "reduced") -> Any:
    """``(Q, R)`` with ``A = QR``: ``mode`` 'reduced' (k = min(m, n) columns of Q),
    'complete' (square Q) or 'r' (R only; Q is empty)."""
    _matrix("qr", A)
    if mode not in ("reduced", "complete", "r"):
        raise RuntimeError(f"qr received unrecognized mode '{mode}' but expected one of "
                           "'reduced' (default), 'r', or 'complete'")
    return _qr_result(*D.QR(A, mode=mode))


def svd(A: Tensor, full_matrices: bool = True, *, driver: str | None = None) -> Any:
    """``(U, S, Vh)`` with ``A = U diag(S) Vh``, singular values in descending order."""
    _matrix("svd", A)
    return _svd_result(*D.SVD(A, full_matrices=full_matrices))


def svdvals(A: Tensor, *, driver: str | None = None) -> Tensor:
    """The singular values of each matrix, in descending order."""
    _matrix("svd", A)
    return D.SVDVALS(A)


def _uplo(UPLO: str) -> None:
    if UPLO not in ("L", "U"):
        raise RuntimeError("Expected UPLO argument to be 'L' or 'U', but got " + UPLO)


def _eigh_checks(A: Tensor) -> None:
    if A.ndim >= 2 and A.dtype.np.kind not in "fc":
        raise NotImplementedError(f'"linalg_eigh_cpu" not implemented for \'{_torch_name(A)}\'')
    _square("eigh", A)


def eigh(A: Tensor, UPLO: str = "L") -> Any:
    """``(eigenvalues, eigenvectors)`` of symmetric (Hermitian) matrices, values ascending;
    ``UPLO`` says which triangle is read."""
    _eigh_checks(A)
    _uplo(UPLO)
    return _eigh_result(*D.EIGH(A, UPLO=UPLO))


def eigvalsh(A: Tensor, UPLO: str = "L") -> Tensor:
    """The eigenvalues of symmetric (Hermitian) matrices, ascending."""
    _eigh_checks(A)
    _uplo(UPLO)
    return D.EIGVALSH(A, UPLO=UPLO)


def _complex(a: np.ndarray, like: Tensor) -> Tensor:
    kind = np.complex64 if like.dtype.np in (np.float32, np.complex64) else np.complex128
    return Tensor._make(np.asarray(a, dtype=kind))


def eig(A: Tensor) -> Any:
    """``(eigenvalues, eigenvectors)`` of general square matrices, as complex tensors
    (eigenvectors of unit norm, as LAPACK's geev returns them).  Not differentiable here."""
    _square("eig", A)
    w, v = np.linalg.eig(A._data)
    return _eig_result(_complex(w, A), _complex(v, A))


def eigvals(A: Tensor) -> Tensor:
    """The eigenvalues of general square matrices, as a complex tensor."""
    _square("eigvals", A)
    return _complex(np.linalg.eigvals(A._data), A)


# -- solvers and inverses built on the factorisations ------------------------------------------
def solve_triangular(A: Tensor, B: Tensor, *, upper: bool, left: bool = True,
                     unitriangular: bool = False) -> Tensor:
    """``X`` with ``A X = B`` (``left=False``: ``X A = B``) for triangular A: only its
    ``upper`` or lower triangle is read (and not its diagonal if ``unitriangular``)."""
    _matrix("solve_triangular", A)
    if B.ndim < 2:
        raise RuntimeError("linalg.solve_triangular: The input tensor B must have at least 2 "
                           "dimensions.")
    if A.shape[-1] != A.shape[-2]:
        raise RuntimeError("linalg.solve_triangular: A must be batches of square matrices, but "
                           f"they are {A.shape[-2]} by {A.shape[-1]} matrices")
    inner = B.shape[-2] if left else B.shape[-1]
    if inner != A.shape[-1]:
        raise RuntimeError("linalg.solve_triangular: Incompatible shapes of A and B for the "
                           f"equation {'AX = B' if left else 'XA = B'} ({A.shape[-2]}x"
                           f"{A.shape[-1]} and {B.shape[-2]}x{B.shape[-1]})")
    return D.SOLVE_TRIANGULAR(A, B, upper=upper, left=left, unitriangular=unitriangular)


def pinv(A: Tensor, *, atol: Any = None, rtol: Any = None, hermitian: bool = False,
         rcond: Any = None) -> Tensor:
    """The Moore-Penrose pseudo-inverse: singular values at most ``max(atol, rtol * s_max)``
    are treated as zero (default ``rtol``: machine epsilon times max(m, n))."""
    if A.ndim < 2 or A.dtype.np.kind not in "fc":
        raise RuntimeError(f"linalg.pinv({_torch_name(A)}{{{list(A.shape)}}}): expected a tensor "
                           "with 2 or more dimensions of float, double, cfloat or cdouble types")
    if rcond is not None:
        rtol = rcond
    return D.PINV(A, atol=_number(atol), rtol=_number(rtol), hermitian=hermitian)


def _number(x: Any) -> Any:
    return float(x.item()) if isinstance(x, Tensor) else x


def lstsq(A: Tensor, B: Tensor, rcond: Any = None, *, driver: str | None = None) -> Any:
    """Least-squares solution of ``A X = B``: ``(solution, residuals, rank, singular_values)``.
    As on torch's CPU, the default driver 'gelsy' leaves residuals and singular values empty;
    'gelsd'/'gelss' fill them (residuals when m > n and A has full rank)."""
    _matrix("lstsq", A)
    if driver not in (None, "gels", "gelsy", "gelsd", "gelss"):
        raise RuntimeError("torch.linalg.lstsq: parameter `driver` should be one of "
                           "(gels, gelsy, gelsd, gelss)")
    vector = B.ndim == A.ndim - 1
    rhs = B.unsqueeze(-1) if vector else B
    if rhs.shape[-2] != A.shape[-2]:
        raise RuntimeError("torch.linalg.lstsq: input.size(-2) should match other.size(-2)")
    x = D.LSTSQ(A, rhs, rcond=_number(rcond))
    empty = Tensor._make(np.zeros((0,), A.dtype.np))
    m, n = A.shape[-2:]
    tol = (_number(rcond) if rcond is not None else np.finfo(A.dtype.np).eps * max(m, n))
    s = D.SVDVALS(A.detach())  # ops, not arrays: lstsq works under vmap too
    rank = (s > s.narrow(-1, 0, 1) * tol).sum(-1) if min(m, n) else s.sum(-1).long()
    residuals, values = empty, empty
    if driver in ("gelsd", "gelss"):
        values = s
    if driver not in (None, "gelsy") and m > n and bool((rank == n).all()):
        residuals = ((A @ x - rhs).abs() ** 2).sum(-2)
    rank_t = rank if driver != "gels" else Tensor._make(np.zeros((0,), np.int64))
    if vector:
        x = x.squeeze(-1)
    return _lstsq_result(x, residuals, rank_t, values)


def matrix_rank(A: Tensor, tol: Any = None, hermitian: bool = False, *, atol: Any = None,
                rtol: Any = None) -> Tensor:
    """The number of singular values above ``max(atol, rtol * s_max)`` (int64)."""
    _matrix("matrix_rank", A)
    if tol is not None:
        atol, rtol = tol, 0.0
    atol, rtol = _number(atol), _number(rtol)
    m, n = A.shape[-2:]
    if rtol is None:
        rtol = 0.0 if atol is not None and atol > 0 else np.finfo(A.dtype.np).eps * max(m, n)
    atol = 0.0 if atol is None else atol
    a = A._data
    s = np.abs(np.linalg.eigvalsh(a)) if hermitian else np.linalg.svd(a, compute_uv=False)
    if s.shape[-1] == 0:
        return _int_tensor(np.zeros(a.shape[:-2]), np.int64)
    cut = np.maximum(atol, rtol * s.max(axis=-1, keepdims=True))
    return _int_tensor((s > cut).sum(-1), np.int64)


def matrix_power(A: Tensor, n: int) -> Tensor:
    """``A`` multiplied by itself ``n`` times (negative n: of its inverse), by binary powers
    in torch's order of products."""
    if A.ndim < 2 or A.shape[-1] != A.shape[-2]:
        raise RuntimeError("linalg.matrix_power: A must be batches of square matrices, but they "
                           f"are {A.shape[-2] if A.ndim > 1 else 1} by {A.shape[-1]} matrices")
    if n == 0:
        out = A.clone()
        out.copy_(Tensor._make(np.broadcast_to(np.eye(A.shape[-1], dtype=A.dtype.np), A.shape)))
        return out
    if n < 0:
        A, n = inv(A), -n
    if n == 1:
        return A.clone()
    if n == 2:
        return A @ A
    if n == 3:
        return (A @ A) @ A
    z = result = None
    while n > 0:
        bit, n = n % 2, n // 2
        z = A if z is None else z @ z
        if bit:
            result = z if result is None else result @ z
    return result


def matrix_exp(A: Tensor) -> Tensor:
    """The matrix exponential ``sum_k A^k / k!`` of each square matrix."""
    _square("matrix_exp", A)
    return D.MATRIX_EXP(A)


def multi_dot(tensors: Sequence[Tensor]) -> Tensor:
    """The product of a chain of matrices (the first may be a vector, and the last), in the
    order of multiplications that costs least."""
    ts = list(tensors)
    if len(ts) < 2:
        raise RuntimeError("multi_dot(): expected at least 2 tensors but got " + str(len(ts)))
    first_vec, last_vec = ts[0].ndim == 1, ts[-1].ndim == 1
    if first_vec:
        ts[0] = ts[0].unsqueeze(0)
    if last_vec:
        ts[-1] = ts[-1].unsqueeze(-1)
    for i, t in enumerate(ts):
        if t.ndim != 2:
            raise RuntimeError(f"multi_dot(): tensor {i} must be 2D but got {t.ndim}D")
    out_shape = [ts[0].shape[0], ts[-1].shape[1]]
    out = _chain(ts)
    keep = [s for s, vec in zip(out_shape, (first_vec, last_vec)) if not vec]
    return out.view(keep)


def _chain(ts: list) -> Tensor:
    """Matrix-chain order by dynamic programming (textbook), then the products."""
    if len(ts) == 2:
        return ts[0] @ ts[1]
    dims = [t.shape[0] for t in ts] + [ts[-1].shape[1]]
    n = len(ts)
    cost = [[0] * n for _ in range(n)]
    split = [[0] * n for _ in range(n)]
    for length in range(1, n):
        for i in range(n - length):
            j = i + length
            cost[i][j] = None
            for k in range(i, j):
                c = cost[i][k] + cost[k + 1][j] + dims[i] * dims[k + 1] * dims[j + 1]
                if cost[i][j] is None or c < cost[i][j]:
                    cost[i][j], split[i][j] = c, k

    def product(i: int, j: int) -> Tensor:
        if i == j:
            return ts[i]
        k = split[i][j]
        return product(i, k) @ product(k + 1, j)

    return product(0, n - 1)


# -- products and shapes -----------------------------------------------------------------------
def matmul(input: Tensor, other: Tensor) -> Tensor:
    """``input @ other`` (an alias of ``tapegrad.matmul``)."""
    return input @ other


def cross(input: Tensor, other: Tensor, *, dim: int = -1) -> Tensor:
    """The cross product of 3-vectors along ``dim`` (operands broadcast)."""
    if input.ndim != other.ndim:
        raise RuntimeError("linalg.cross: inputs must have the same number of dimensions.")
    nd = max(input.ndim, other.ndim)
    d = dim + nd if dim < 0 else dim
    if input.shape[d] != 3 or other.shape[d] != 3:
        raise RuntimeError(f"linalg.cross: inputs dimension {dim} must have length 3. Got "
                           f"{input.shape[d]} and {other.shape[d]}")
    return stat_products.CROSS(input, other, dim=d - nd)


def vecdot(x: Tensor, y: Tensor, *, dim: int = -1) -> Tensor:
    """The dot product along ``dim`` (the first operand conjugated)."""
    return (x.conj() * y).sum(dim) if x.is_complex() else (x * y).sum(dim)


def vander(x: Tensor, *, N: int | None = None) -> Tensor:
    """Vandermonde matrix: columns ``x**0, x**1, ..., x**(N-1)`` (N defaults to len(x))."""
    from ._ops.shape import CAT
    if x.ndim < 1:
        raise RuntimeError("linalg.vander: x must have at least one dimension.")
    n = x.shape[-1] if N is None else N
    if n <= 1:
        if n < 1:
            raise RuntimeError("N must be greater than 1.")
        return x.new_ones(tuple(x.shape) + (1,))
    powers = x.unsqueeze(-1).expand(*x.shape, n - 1).cumprod(-1)
    ones = x.new_ones(tuple(x.shape) + (1,))
    return CAT(ones, powers, dim=x.ndim, sizes=(1, n - 1))


def diagonal(A: Tensor, *, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:
    """The diagonals of the matrices (a view), torch.diagonal with matrix defaults."""
    import tapegrad
    return tapegrad.diagonal(A, offset=offset, dim1=dim1, dim2=dim2)


def tensorinv(A: Tensor, ind: int = 2) -> Tensor:
    """The inverse of ``A`` seen as a linear map from its first ``ind`` dims to the others."""
    if ind <= 0:
        raise RuntimeError("Expected a strictly positive integer for 'ind', but got " + str(ind))
    rows, cols = tuple(A.shape[:ind]), tuple(A.shape[ind:])
    nr, nc = math.prod(rows), math.prod(cols)
    if nr != nc:
        raise RuntimeError("Expected self to satisfy the requirement prod(self.shape[ind:]) == "
                           f"prod(self.shape[:ind]), but got {nc} != {nr}")
    return inv(A.reshape(nr, nc)).reshape(*cols, *rows)


def tensorsolve(A: Tensor, B: Tensor, dims: Sequence[int] | None = None) -> Tensor:
    """``X`` with ``tensordot(A, X, X.ndim) = B``."""
    if dims is not None:
        moved = [d % A.ndim for d in dims]
        keep = [d for d in range(A.ndim) if d not in moved]
        A = A.permute(*keep, *moved)
    rest = tuple(A.shape[B.ndim:])
    nb, nr = B.numel(), math.prod(rest)
    if nb != nr:
        raise RuntimeError("Expected self to satisfy the requirement prod(self.shape[other.ndim:]"
                           f") == prod(self.shape[:other.ndim]), but got {nr} != {nb}")
    return solve(A.reshape(nb, nr), B.reshape(nb)).view(rest)


# -- norms and condition numbers ---------------------------------------------------------------
def vector_norm(x: Tensor, ord: Any = 2, dim: Any = None, keepdim: bool = False, *,
                dtype: Any = None) -> Tensor:
    """The ``ord``-norm of ``x`` flattened (or along ``dim``)."""
    return _norm(x, p=ord, dim=dim, keepdim=keepdim, dtype=dtype)


def matrix_norm(A: Tensor, ord: Any = "fro", dim: Any = (-2, -1), keepdim: bool = False, *,
                dtype: Any = None) -> Tensor:
    """Frobenius ('fro'), nuclear ('nuc'), spectral (2, -2: largest/smallest singular value),
    max column sum (1, -1) or max row sum (inf, -inf) norm of each matrix over ``dim``."""
    if A.ndim < 2:
        raise RuntimeError("linalg.matrix_norm: The input tensor A must have at least 2 "
                           "dimensions.")
    if ord == "fro":
        return _norm(A, dim=dim, keepdim=keepdim, dtype=dtype)
    if ord not in ("nuc", 2, -2, 1, -1, math.inf, -math.inf):
        raise RuntimeError(f"linalg.matrix_norm: Order {ord} not supported.")
    if dtype is not None:
        A = A.to(dtype)
    d0, d1 = (d % A.ndim for d in dim)
    M = A.movedim((d0, d1), (-2, -1))
    if ord in ("nuc", 2, -2):
        s = svdvals(M)
        out = s.sum(-1) if ord == "nuc" else s.amax(-1) if ord == 2 else s.amin(-1)
    else:
        along = -2 if abs(ord) == 1 else -1
        sums = M.abs().sum(along)
        out = sums.amax(-1) if ord > 0 else sums.amin(-1)
    if keepdim:
        for d in sorted((d0, d1)):
            out = out.unsqueeze(d)
    return out


def norm(A: Tensor, ord: Any = None, dim: Any = None, keepdim: bool = False, *,
         dtype: Any = None) -> Tensor:
    """``vector_norm`` over one dim (or the flattened tensor), ``matrix_norm`` over two dims
    (or a 2-D tensor with a matrix ``ord``)."""
    if isinstance(dim, int):
        dim = (dim,)
    if ord is None:
        return _norm(A, dim=dim, keepdim=keepdim, dtype=dtype)
    if dim is None:
        if A.ndim == 2:
            return matrix_norm(A, ord, (-2, -1), keepdim, dtype=dtype)
        if A.ndim != 1:
            raise RuntimeError("linalg.norm: If dim is not specified but ord is, the input must "
                               f"be 1D or 2D. Got {A.ndim}D.")
        return vector_norm(A, ord, None, keepdim, dtype=dtype)
    if len(dim) == 2:
        return matrix_norm(A, ord, tuple(dim), keepdim, dtype=dtype)
    return vector_norm(A, ord, dim, keepdim, dtype=dtype)


def cond(A: Tensor, p: Any = None) -> Tensor:
    """The condition number ``norm(A, p) * norm(inv(A), p)``; for p = None, 2 or -2 the ratio
    of extreme singular values (any shape), otherwise square matrices (inf where singular)."""
    _matrix("cond", A)
    if p in (None, 2, -2):
        s = svdvals(A)
        big, small = s.narrow(-1, 0, 1), s.narrow(-1, s.shape[-1] - 1, 1)
        return (big / small if p != -2 else small / big).squeeze(-1)
    _square("cond", A)
    info = _pivot_info(A._data)
    if info.any():
        import tapegrad
        safe = Tensor._make(np.where(info[..., None, None] > 0, np.eye(A.shape[-1]),
                                     A._data).astype(A.dtype.np))
        value = matrix_norm(A, p) * matrix_norm(inv(safe), p)
        return tapegrad.where(Tensor._make(info > 0), math.inf, value)
    return (matrix_norm(A, p) * matrix_norm(inv(A), p)).nan_to_num(math.inf, math.inf)


def householder_product(A: Tensor, tau: Tensor) -> Tensor:
    """The first n columns of ``H_1 ... H_k`` with ``H_i = I - tau_i v_i v_i^H``, where ``v_i``
    is column i of A below the diagonal with a 1 on it (LAPACK's orgqr; the ``Q`` of
    ``geqrf``).  Built from recorded ops, so A and tau get gradients."""
    _matrix("householder_product", A, "input")
    m, n = A.shape[-2:]
    k = tau.shape[-1]
    if n > m:
        raise RuntimeError("torch.linalg.householder_product: input.shape[-2] must be greater "
                           "than or equal to input.shape[-1]")
    if k > n:
        raise RuntimeError("torch.linalg.householder_product: input.shape[-1] must be greater "
                           "than or equal to tau.shape[-1]")
    return reflect(A, tau, m).narrow(-1, 0, n)


def reflect(A: Tensor, tau: Tensor, m: int) -> Tensor:
    """``H_1 ... H_k`` as an m x m matrix (batched like A)."""
    rows = np.arange(m)
    q = Tensor._make(np.broadcast_to(np.eye(m, dtype=A.dtype.np),
                                     tuple(A.shape[:-2]) + (m, m)).copy())
    for i in range(tau.shape[-1]):
        below = Tensor._make((rows > i).astype(A.dtype.np))
        unit = Tensor._make((rows == i).astype(A.dtype.np))
        v = A[..., i] * below + unit                        # (..., m)
        qv = (q @ v.unsqueeze(-1))                          # (..., m, 1)
        q = q - (qv * tau.narrow(-1, i, 1).unsqueeze(-1)) @ v.unsqueeze(-2)
    return q


def __dir__() -> list[str]:
    return _public_dir(globals())

