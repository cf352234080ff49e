"""Family 'linalg' of torch's surface (see tapegrad._surface): the torch-level and Tensor-method
linear algebra (``torch.svd``, ``x.cholesky()``, ``torch.pinverse``, ...), the older spellings
of ``tapegrad.linalg``'s functions with their own argument orders and result fields.

Example::

    >>> U, S, V = tapegrad.svd(A)            # V, not Vh (torch.svd's convention)
    >>> X, _ = tapegrad.triangular_solve(b, A)  # note: b first
"""
from __future__ import annotations

import math
import os
import sys
import warnings
from typing import Any

import numpy as np

from .. import linalg as LA
from .._api import _return_type
from .._ops import linalg_decomp as D, linalg_solvers as LS
from .._tensor import Tensor

_qr_result = _return_type("qr", ("Q", "R"))
_svd_result = _return_type("svd", ("U", "S", "V"))
_triangular_solve_result = _return_type("triangular_solve", ("solution", "cloned_coefficient"))
_geqrf_result = _return_type("geqrf", ("a", "tau"))
_lu_unpack_result = _return_type("lu_unpack", ("P", "L", "U"))
_slogdet_result = _return_type("slogdet", ("sign", "logabsdet"))

# torch's deprecation warnings for its older spellings, said once per process (TORCH_WARN_ONCE)
_SITE = "(Triggered internally at /__w/pytorch/pytorch/aten/src/ATen/native/"
_DEPRECATED = {
    "cholesky": "torch.cholesky is deprecated in favor of torch.linalg.cholesky and will be "
    "removed in a future PyTorch release.\nL = torch.cholesky(A)\nshould be replaced with\nL = "
    "torch.linalg.cholesky(A)\nand\nU = torch.cholesky(A, upper=True)\nshould be replaced with"
    "\nU = torch.linalg.cholesky(A).mH\nThis transform will produce equivalent results for all "
    "valid (symmetric positive definite) inputs. " + _SITE + "BatchLinearAlgebra.cpp:1765.)",
    "qr": "torch.qr is deprecated in favor of torch.linalg.qr and will be removed in a future "
    "PyTorch release.\nThe boolean parameter 'some' has been replaced with a string parameter "
    "'mode'.\nQ, R = torch.qr(A, some)\nshould be replaced with\nQ, R = torch.linalg.qr(A, "
    "'reduced' if some else 'complete') " + _SITE + "BatchLinearAlgebra.cpp:2505.)",
    "triangular_solve": "torch.triangular_solve is deprecated in favor of "
    "torch.linalg.solve_triangularand will be removed in a future PyTorch release.\n"
    "torch.linalg.solve_triangular has its arguments reversed and does not return a copy of one "
    "of the inputs.\nX = torch.triangular_solve(B, A).solution\nshould be replaced with\nX = "
    "torch.linalg.solve_triangular(A, B). " + _SITE + "BatchLinearAlgebra.cpp:2273.)",
    "lu": "torch.lu is deprecated in favor of torch.linalg.lu_factor / torch.linalg.lu_factor_ex "
    "and will be removed in a future PyTorch release.\nLU, pivots = torch.lu(A, compute_pivots)"
    "\nshould be replaced with\nLU, pivots = torch.linalg.lu_factor(A, compute_pivots)\nand\n"
    "LU, pivots, info = torch.lu(A, compute_pivots, get_infos=True)\nshould be replaced with\n"
    "LU, pivots, info = torch.linalg.lu_factor_ex(A, compute_pivots) " + _SITE
    + "BatchLinearAlgebra.cpp:2073.)",
    "lu_solve": "torch.lu_solve is deprecated in favor of torch.linalg.lu_solveand will be "
    "removed in a future PyTorch release.\nNote that torch.linalg.lu_solve has its arguments "
    "reversed.\nX = torch.lu_solve(B, LU, pivots)\nshould be replaced with\nX = "
    "torch.linalg.lu_solve(LU, pivots, B) " + _SITE + "BatchLinearAlgebra.cpp:2230.)",
    "frobenius_norm": "at::frobenius_norm is deprecated and it is just left for JIT "
    "compatibility. It will be removed in a future PyTorch release. Please use "
    "`linalg.vector_norm(A, 2., dim, keepdim)` instead " + _SITE + "LinearAlgebra.cpp:3175.)",
    "nuclear_norm": "at::nuclear_norm is deprecated and it is just left for JIT compatibility. "
    "It will be removed in a future PyTorch release. Please use `linalg.matrix_norm(A, 'nuc', "
    "dim, keepdim)` instead " + _SITE + "LinearAlgebra.cpp:3229.)",
}
_WARNED: set = set()
_PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _deprecated(name: str) -> None:
    """Warn once, at the first frame outside tapegrad (the user's call)."""
    if name in _WARNED:
        return
    _WARNED.add(name)
    level, frame = 2, sys._getframe(1)
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(_PACKAGE):
        frame, level = frame.f_back, level + 1
    warnings.warn(_DEPRECATED[name], UserWarning, stacklevel=level)



def cholesky(input: Tensor, upper: bool = False) -> Tensor:
    """Cholesky factor (torch.cholesky; prefer ``tapegrad.linalg.cholesky``)."""
    _deprecated("cholesky")
    LA._square("cholesky", input)
    return D.CHOLESKY_LEGACY(input, upper=upper)


def cholesky_inverse(input: Tensor, upper: bool = False) -> Tensor:
    """``(L L^H)^-1`` (``(U^H U)^-1`` with ``upper``) from a Cholesky factor."""
    if input.ndim < 2 or input.shape[-1] != input.shape[-2]:
        raise RuntimeError("cholesky_inverse: A must be batches of square matrices, but they are "
                           f"{input.shape[-2] if input.ndim > 1 else 1} by {input.shape[-1]} "
                           "matrices")
    return LS.CHOLESKY_INVERSE(input, upper=upper)


def cholesky_solve(input: Tensor, input2: Tensor, upper: bool = False) -> Tensor:
    """``X`` with ``L L^H X = input``, given the Cholesky factor ``input2``."""
    if input.ndim < 2 or input2.ndim < 2:
        raise RuntimeError("b should have at least 2 dimensions, but has "
                           f"{input.ndim} dimensions instead")
    return LS.CHOLESKY_SOLVE(input, input2, upper=upper)


def slogdet(input: Tensor) -> Any:
    """``(sign, logabsdet)`` as ``torch.return_types.slogdet`` (see ``linalg.slogdet``)."""
    return _slogdet_result(*LA.slogdet(input))


def logdet(input: Tensor) -> Tensor:
    """``log(det(A))``: NaN where the determinant is negative, -inf where it is zero."""
    import tapegrad
    LA._square("logdet", input)
    sign, logabs = LA.slogdet(input)
    return tapegrad.where(sign < 0, math.nan, logabs)


def pinverse(input: Tensor, rcond: float = 1e-15) -> Tensor:
    """The pseudo-inverse, singular values below ``rcond * s_max`` treated as zero."""
    return LA.pinv(input, rtol=rcond)


def qr(input: Tensor, some: bool = True) -> Any:
    """``(Q, R)``: ``some=False`` gives the square Q of ``mode='complete'``."""
    _deprecated("qr")
    return _qr_result(*LA.qr(input, "reduced" if some else "complete"))


def svd(input: Tensor, some: bool = True, compute_uv: bool = True) -> Any:
    """``(U, S, V)`` with ``A = U diag(S) V^H`` (V itself, unlike linalg.svd's Vh); without
    ``compute_uv`` U and V are zero matrices."""
    if not compute_uv:
        m, n = input.shape[-2:]
        batch = tuple(input.shape[:-2])
        zeros = lambda r: Tensor._make(np.zeros(batch + (r, r), input.dtype.np))  # noqa: E731
        return _svd_result(zeros(m), LA.svdvals(input), zeros(n))
    U, S, Vh = LA.svd(input, full_matrices=not some)
    return _svd_result(U, S, Vh.mT)


def triangular_solve(input: Tensor, A: Tensor, upper: bool = True, transpose: bool = False,
                     unitriangular: bool = False) -> Any:
    """``(solution, cloned_coefficient)`` of ``A X = input`` (``A^T X = input`` with
    ``transpose``) for triangular A."""
    _deprecated("triangular_solve")
    if input.ndim < 2 or A.ndim < 2:
        raise RuntimeError("torch.triangular_solve: Expected b to have at least 2 dimensions, but "
                           f"it has {input.ndim} dimensions instead")
    coef = A.mT if transpose else A
    x = D.TRIANGULAR_SOLVE(coef, input, upper=upper != transpose, left=True,
                           unitriangular=unitriangular)
    return _triangular_solve_result(x, A.clone())


def matrix_power(input: Tensor, n: int) -> Tensor:
    """``input`` to the integer power ``n`` (see ``tapegrad.linalg.matrix_power``)."""
    return LA.matrix_power(input, n)


def matrix_exp(input: Tensor) -> Tensor:
    """The matrix exponential (see ``tapegrad.linalg.matrix_exp``)."""
    return LA.matrix_exp(input)


def frobenius_norm(input: Tensor, dim: Any, keepdim: bool = False) -> Tensor:
    """The square root of the sum of squares over ``dim`` (torch's ``NormBackward1``)."""
    _deprecated("frobenius_norm")
    return input.norm(p="fro", dim=dim, keepdim=keepdim)


def nuclear_norm(input: Tensor, dim: Any = None, keepdim: bool = False) -> Tensor:
    """The sum of singular values (over the last two dims, or ``dim``)."""
    _deprecated("nuclear_norm")
    if not isinstance(dim, (tuple, list)) and dim is not None:
        keepdim, dim = bool(dim), None
    return LA.matrix_norm(input, "nuc", (-2, -1) if dim is None else tuple(dim), keepdim)


def lu(A: Tensor, pivot: bool = True, get_infos: bool = False) -> tuple:
    """``(LU, pivots)`` (and ``infos`` with ``get_infos``): torch.lu, the packed factorisation
    of ``linalg.lu_factor_ex``."""
    _deprecated("lu")
    LU, pivots, info = LA.lu_factor_ex(A, pivot=pivot)
    return (LU, pivots, info) if get_infos else (LU, pivots)


def lu_solve(input: Tensor, LU_data: Tensor, LU_pivots: Tensor) -> Tensor:
    """``X`` with ``A X = input`` from ``torch.lu``'s factors (note the argument order)."""
    _deprecated("lu_solve")
    return LA.lu_solve(LU_data, LU_pivots, input)


def lu_unpack(LU_data: Tensor, LU_pivots: Tensor, unpack_data: bool = True,
              unpack_pivots: bool = True) -> Any:
    """``(P, L, U)`` from the packed factorisation."""
    return _lu_unpack_result(*LA.lu_unpack_parts(LU_data, LU_pivots, unpack_data, unpack_pivots))


def geqrf(input: Tensor) -> Any:
    """``(a, tau)``: LAPACK's geqrf, R above the diagonal of ``a`` and the Householder vectors
    below it (see ``orgqr``).  Not differentiable (as in torch)."""
    if input.ndim < 2:
        raise RuntimeError("torch.geqrf: input must have at least 2 dimensions.")
    h, tau = np.linalg.qr(input._data, mode="raw")
    return _geqrf_result(Tensor._make(np.swapaxes(h, -1, -2).copy()), Tensor._make(tau))


def orgqr(input: Tensor, tau: Tensor) -> Tensor:
    """The Q of ``geqrf`` (``linalg.householder_product``)."""
    return LA.householder_product(input, tau)


def ormqr(input: Tensor, tau: Tensor, other: Tensor, left: bool = True,
          transpose: bool = False) -> Tensor:
    """``Q @ other`` (``other @ Q`` if not ``left``; ``Q^H`` with ``transpose``) for the full
    square Q of ``geqrf``'s reflectors."""
    m = other.shape[-2] if left else other.shape[-1]
    if m != input.shape[-2]:
        side = -2 if left else -1
        raise RuntimeError(f"torch.ormqr: other.shape[{side}] must be equal to input.shape[-2]")
    if tau.shape[-1] > min(m, input.shape[-1]):
        raise RuntimeError("torch.ormqr: tau.shape[-1] must be equal to min(other.shape[-2], "
                           "input.shape[-1])")
    q = LA.reflect(input, tau, m)
    q = q.mT if transpose else q
    return q @ other if left else other @ q


def _approximate_basis(A: Tensor, q: int, niter: int) -> Tensor:
    """An orthonormal basis approximately spanning A's range (Halko et al. 2009, algorithm
    4.4): a random projection, refined by ``niter`` power iterations.  One ``randn`` draw, as
    torch makes it, so seeded results match torch's."""
    import tapegrad
    R = tapegrad.randn(A.shape[-1], q, dtype=A.dtype)
    Q = LA.qr(A @ R).Q
    for _ in range(niter):
        Q = LA.qr(A.mT @ Q).Q
        Q = LA.qr(A @ Q).Q
    return Q


def svd_lowrank(A: Tensor, q: int | None = 6, niter: int = 2, M: Tensor | None = None) -> tuple:
    """``(U, S, V)``: an approximate rank-``q`` SVD of ``A`` (minus ``M``) by randomized
    projection (Halko et al. 2009, algorithm 5.1)."""
    q = 6 if q is None else q
    if M is not None:
        A = A - M.broadcast_to(A.shape)
    m, n = A.shape[-2:]
    wide = m < n
    if wide:
        A = A.mT
    Q = _approximate_basis(A, q, 2 if niter is None else niter)
    U, S, Vh = LA.svd(Q.mT @ A, full_matrices=False)
    U, V = Q @ U, Vh.mT
    return (V, S, U) if wide else (U, S, V)


def pca_lowrank(A: Tensor, q: int | None = None, center: bool = True, niter: int = 2) -> tuple:
    """``(U, S, V)`` of the (centred) data matrix: principal directions in ``V``."""
    m, n = A.shape[-2:]
    q = min(6, m, n) if q is None else q
    if center:
        A = A - A.mean(dim=(-2,), keepdim=True)
    return svd_lowrank(A, q, niter)


def vander(x: Tensor, N: int | None = None, increasing: bool = False) -> Tensor:
    """Vandermonde matrix of a vector: columns ``x**(N-1), ..., x, 1`` (``increasing``: the
    other way round, as ``linalg.vander``)."""
    if x.ndim != 1:
        raise RuntimeError("x must be a one-dimensional tensor.")
    n = x.shape[0] if N is None else N
    if n < 0:
        raise RuntimeError("N must be non-negative.")
    if n <= 1:  # constant columns: no graph, as in torch
        return Tensor._make(np.ones((x.shape[0], n), x.dtype.np))
    out = LA.vander(x, N=n)
    return out if increasing else out.flip(-1)


def _removed(name: str, message: str):
    def removed(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("This function was deprecated since version 1.9 and is now removed."
                           + message)
    removed.__name__ = name
    removed.__doc__ = "Removed in torch 2: raises torch's RuntimeError naming the replacement."
    return removed


_solve_removed = _removed("solve", " `torch.solve` is deprecated in favor of `torch.linalg.solve`"
                          ". `torch.linalg.solve` has its arguments reversed and does not return "
                          "the LU factorization.\n\nTo get the LU factorization see `torch.lu`, "
                          "which can be used with `torch.lu_solve` or `torch.lu_unpack`.\nX = "
                          "torch.solve(B, A).solution should be replaced with:\nX = "
                          "torch.linalg.solve(A, B)")
_matrix_rank_removed = _removed("matrix_rank", "\nPlease use the `torch.linalg.matrix_rank` "
                                "function instead. The parameter 'symmetric' was renamed in "
                                "`torch.linalg.matrix_rank()` to 'hermitian'.")
_eig_removed = _removed("eig", " `torch.linalg.eig` returns complex tensors of dtype `cfloat` "
                        "or `cdouble` rather than real tensors mimicking complex tensors.\n\nL, _ "
                        "= torch.eig(A) should be replaced with:\nL_complex = "
                        "torch.linalg.eigvals(A)\n\nand\n\nL, V = torch.eig(A, "
                        "eigenvectors=True) should be replaced with:\nL_complex, V_complex = "
                        "torch.linalg.eig(A)")
_symeig_removed = _removed("symeig", " The default behavior has changed from using the upper "
                           "triangular portion of the matrix by default to using the lower "
                           "triangular portion.\n\nL, _ = torch.symeig(A, upper=upper) should be "
                           "replaced with:\nL = torch.linalg.eigvalsh(A, UPLO='U' if upper else "
                           "'L')\n\nand\n\nL, V = torch.symeig(A, eigenvectors=True) should be "
                           "replaced with:\nL, V = torch.linalg.eigh(A, UPLO='U' if upper else "
                           "'L')")
_lstsq_removed = _removed("lstsq", " `torch.lstsq` is deprecated in favor of "
                          "`torch.linalg.lstsq`.\n`torch.linalg.lstsq` has reversed arguments and "
                          "does not return the QR decomposition in the returned tuple (although "
                          "it returns other information about the problem).\n\nTo get the QR "
                          "decomposition consider using `torch.linalg.qr`.\n\nThe returned "
                          "solution in `torch.lstsq` stored the residuals of the solution in the "
                          "last m - n columns of the returned value whenever m > n. In "
                          "torch.linalg.lstsq, the residuals are in the field 'residuals' of the "
                          "returned named tuple.\n\nThe unpacking of the solution, as in\nX, _ = "
                          "torch.lstsq(B, A).solution[:A.size(1)]\nshould be replaced with:\nX = "
                          "torch.linalg.lstsq(A, B).solution")

METHODS: dict = {
    "cholesky": cholesky, "cholesky_inverse": cholesky_inverse,
    "cholesky_solve": cholesky_solve, "logdet": logdet, "pinverse": pinverse, "qr": qr,
    "svd": svd, "triangular_solve": triangular_solve, "matrix_power": matrix_power,
    "matrix_exp": matrix_exp, "solve": _solve_removed, "lu": lu, "lu_solve": lu_solve,
    "geqrf": geqrf, "orgqr": orgqr, "ormqr": ormqr, "slogdet": slogdet,
    "eig": _eig_removed, "symeig": _symeig_removed, "lstsq": _lstsq_removed,
}
INPLACE: dict = {}
FUNCTIONS: dict = {**METHODS, "frobenius_norm": frobenius_norm, "nuclear_norm": nuclear_norm,
                   "matrix_rank": _matrix_rank_removed, "lu_unpack": lu_unpack,
                   "svd_lowrank": svd_lowrank, "pca_lowrank": pca_lowrank, "vander": vander}
