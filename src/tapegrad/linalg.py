"""``tapegrad.linalg``: torch.linalg's inverse, determinants, solve and norms.

Matrices are the last two dimensions; any leading dimensions are a batch.  ``inv``, ``det``,
``slogdet`` and ``solve`` have their own derivative rules (first and higher order, forward mode,
vmap); the norms are built from recorded ops.  The gradient at a singular matrix is not defined
here: the rules need the inverse and raise ``LinAlgError`` (torch defines some of them through
an SVD).
"""
from __future__ import annotations

from typing import Any

from ._api import _return_type
from ._ops import linalg as L
from ._public import public_dir as _public_dir
from ._reductions import norm as _norm
from ._tensor import Tensor

__all__ = ["LinAlgError", "det", "inv", "matrix_norm", "norm", "slogdet", "solve",
           "vector_norm"]

LinAlgError = L._LinAlgError
_slogdet_result = _return_type("linalg_slogdet", ("sign", "logabsdet"))


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


def inv(A: Tensor) -> Tensor:
    """The inverse of each square matrix; ``LinAlgError`` if one is singular."""
    _square("inv", A)
    return L.INV(A)


def det(A: Tensor) -> Tensor:
    """The determinant of each square matrix."""
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


def vector_norm(x: Tensor, ord: Any = 2, dim: Any = None, keepdim: bool = False, *,
                dtype: Any = None) -> Tensor:
    """The ``ord``-norm of ``x`` flattened (or along ``dim``)."""
    return _norm(x, p=ord, dim=dim, keepdim=keepdim, dtype=dtype)


def matrix_norm(A: Tensor, ord: Any = "fro", dim: Any = (-2, -1), keepdim: bool = False, *,
                dtype: Any = None) -> Tensor:
    """The Frobenius norm of each matrix (other ``ord`` values are not implemented yet)."""
    if ord != "fro":
        raise NotImplementedError(f"linalg.matrix_norm(ord={ord!r}) is not implemented in "
                                  "tapegrad yet; ord='fro' is")
    return _norm(A, dim=dim, keepdim=keepdim, dtype=dtype)


def norm(A: Tensor, ord: Any = None, dim: Any = None, keepdim: bool = False, *,
         dtype: Any = None) -> Tensor:
    """``vector_norm`` of the flattened tensor by default, ``matrix_norm`` for ``ord='fro'``
    over two dims."""
    if ord in (None, "fro"):
        return _norm(A, dim=dim, keepdim=keepdim, dtype=dtype)
    return vector_norm(A, ord, dim, keepdim, dtype=dtype)


def __dir__() -> list[str]:
    return _public_dir(globals())
