"""Cases for tests/test_gradcheck.py's table (format: name -> (fn, [list of input-spec lists]);
see tests/core_alias_cases.py), for the registry ops of this family: the decompositions and
solvers of ``tapegrad._ops.linalg_decomp``.

Inputs are shaped so that each function is smooth there: symmetric positive-definite matrices
are built as ``a a^T + 3 I``, triangular ones get ``3 I`` on the diagonal, symmetric ones are
``a + a^T`` (distinct eigenvalues for these seeds).
"""
from __future__ import annotations

import tapegrad as tg


def U(*shape, lo=-1.0, hi=1.0):
    return ("u", shape, lo, hi)


def _eye(n=3):
    return tg.eye(n, dtype=tg.float64)


def _spd(a):
    return a @ a.mT + 3 * _eye(a.shape[-1])


def _low(a):
    return a.tril() + 3 * _eye(a.shape[-1])


CASES = {
    "cholesky": (lambda a: tg.linalg.cholesky(_spd(a)), [[U(3, 3)], [U(2, 3, 3)]]),
    "cholesky_upper": (lambda a: tg.linalg.cholesky(_spd(a), upper=True), [[U(3, 3)]]),
    "cholesky_legacy": (lambda a: tg.cholesky(_spd(a)), [[U(3, 3)]]),
    "solve_triangular": (lambda a, b: tg.linalg.solve_triangular(a + 3 * _eye(), b, upper=False),
                         [[U(3, 3), U(3, 2)], [U(2, 3, 3), U(3, 2)]]),
    "solve_triangular_right": (lambda a, b: tg.linalg.solve_triangular(
        a + 3 * _eye(), b, upper=True, left=False, unitriangular=True), [[U(3, 3), U(2, 3)]]),
    "triangular_solve": (lambda b, a: tg.triangular_solve(b, a + 3 * _eye(), transpose=True),
                         [[U(3, 2), U(3, 3)]]),
    "qr": (tg.linalg.qr, [[U(3, 3)], [U(4, 3)], [U(3, 4)]]),
    "svd": (lambda a: tg.linalg.svd(a, full_matrices=False), [[U(3, 3)], [U(4, 3)], [U(3, 4)]]),
    "svdvals": (tg.linalg.svdvals, [[U(3, 4)], [U(2, 3, 3)]]),
    "eigh": (lambda a: tg.linalg.eigh(a + a.mT), [[U(3, 3)], [U(2, 3, 3)]]),
    "eigvalsh": (lambda a: tg.linalg.eigvalsh(a + a.mT), [[U(3, 3)]]),
    "matrix_exp": (tg.linalg.matrix_exp, [[U(3, 3)], [U(2, 2, 2)]]),
    "pinv": (tg.linalg.pinv, [[U(3, 4)], [U(4, 3)], [U(3, 3)]]),
    "lstsq": (lambda a, b: tg.linalg.lstsq(a, b).solution, [[U(4, 3), U(4, 2)]]),
    "cholesky_inverse": (lambda a: tg.cholesky_inverse(_low(a)), [[U(3, 3)]]),
    "cholesky_solve": (lambda b, a: tg.cholesky_solve(b, _low(a)), [[U(3, 2), U(3, 3)]]),
    "lu_factor": (lambda a: tg.linalg.lu_factor(a).LU, [[U(3, 3)], [U(2, 3, 3)]]),
    "lu_solve": (lambda a, b: tg.linalg.lu_solve(*tg.linalg.lu_factor(a), b), [[U(3, 3), U(3, 2)]]),
}
INDIRECT: set = set()
