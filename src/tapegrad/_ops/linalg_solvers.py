"""The solvers that take a Cholesky factor: ``torch.cholesky_inverse`` / ``torch.cholesky_solve``, with torch's derivative rules written in
tapegrad ops (first and higher order, forward mode, vmap).
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ._registry import bilinear, general
from .linalg import _LinAlgError, _mT
from .linalg_decomp import _batched, _substitute


# -- Cholesky inverse and solve (the cross product is stat_products.CROSS) ---------------------


def _np_cholesky_inverse(a: np.ndarray, upper: bool) -> np.ndarray:
    t = np.triu(a) if upper else np.tril(a)
    prod = np.swapaxes(t, -1, -2) @ t if upper else t @ np.swapaxes(t, -1, -2)
    try:
        return np.linalg.inv(prod)
    except np.linalg.LinAlgError:
        raise _LinAlgError("cholesky_inverse: The diagonal element 1 is zero, the inversion "
                           "could not be completed because the input matrix is singular.") from None


def _ci_vjp(g: Any, input: Any, result: Any, upper: bool) -> Any:
    common = result @ ((g + _mT(g)) @ result)
    return -(input @ common) if upper else -(common @ input)


def _ci_jvp(t: list, input: Any, result: Any, upper: bool) -> Any:
    dl = t[0]
    d = _mT(dl) @ input + _mT(input) @ dl if upper else dl @ _mT(input) + input @ _mT(dl)
    return -(result @ (d @ result))


CHOLESKY_INVERSE = general("cholesky_inverse", _np_cholesky_inverse, "CholeskyInverseBackward0",
                           vjp_input=_ci_vjp, jvp=_ci_jvp)


def _np_cholesky_solve(b: np.ndarray, l: np.ndarray, upper: bool) -> np.ndarray:
    if upper:  # U^H U X = B
        return _substitute(l, _substitute(np.swapaxes(l, -1, -2), b, False, False), True, False)
    return _substitute(np.swapaxes(l, -1, -2), _substitute(l, b, False, False), True, False)


def _cs_vjp_input2(g: Any, input2: Any, result: Any, upper: bool) -> Any:
    gb = CHOLESKY_SOLVE(g, input2, upper=upper)
    common = gb @ _mT(result)
    common = common + _mT(common)
    return -(input2 @ common) if upper else -(common @ input2)


def _cs_jvp(t: list, input2: Any, result: Any, upper: bool) -> Any:
    tb, tl = t
    rhs = tb
    if tl is not None:
        d = _mT(tl) @ input2 + _mT(input2) @ tl if upper else tl @ _mT(input2) + input2 @ _mT(tl)
        moved = d @ result
        rhs = -moved if rhs is None else rhs - moved
    return CHOLESKY_SOLVE(rhs, input2, upper=upper)


CHOLESKY_SOLVE = general("cholesky_solve", _np_cholesky_solve, "CholeskySolveBackward0",
                         ("input", "input2"),
                         vjp_input=lambda g, input2, upper: CHOLESKY_SOLVE(g, input2, upper=upper),
                         vjp_input2=_cs_vjp_input2, jvp=_cs_jvp)


def _register_vmap() -> None:
    from .._vmap._rules import RULES
    for op in (CHOLESKY_INVERSE, CHOLESKY_SOLVE):
        RULES[op.name] = _batched


_register_vmap()
