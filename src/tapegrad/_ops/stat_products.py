"""Fused matrix products with their own backward in torch: ``addmv``, ``addr``, ``addbmm``,
``baddbmm`` (``beta * input + alpha * product``), ``vdot``, ``linalg_cross`` and ``block_diag``.

torch records these as one node each (``AddmvBackward0``, ``AddrBackward0``, ...), so they are
declared here rather than composed.  Every rule is a product of the other operand with the
incoming gradient, written with tapegrad's ``@``, ``matmul`` and ``reshape`` so that it is
differentiable again.  ``input`` may broadcast to the result; the engine sums its gradient back
to its shape.  With ``beta == 0`` the input's values are ignored (NaN included), as in torch.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ._registry import bilinear, general, lift, raw
from .linalg import _mT, matmul
from .shape import EXPAND, reshape


def _scaled_sum(input: np.ndarray, product: np.ndarray, beta: Any, alpha: Any) -> np.ndarray:
    """``beta * input + alpha * product``, where ``beta == 0`` ignores ``input`` entirely."""
    scaled = product if alpha == 1 else product * alpha
    if beta == 0:
        return np.broadcast_to(scaled, np.broadcast_shapes(input.shape, scaled.shape)).copy()
    out = scaled + (input if beta == 1 else input * beta)
    return out.astype(np.result_type(input, product), copy=False)


def _total(terms: list, shape: tuple) -> Any:
    """The sum of the tangent terms that exist, broadcast to the result's ``shape``."""
    terms = [t for t in terms if t is not None]
    if not terms:
        return None
    out = terms[0]
    for t in terms[1:]:
        out = out + t
    if tuple(out.shape) != tuple(shape):
        out = EXPAND(out, shape=tuple(shape))
    return out


def _times(x: Any, k: Any) -> Any:
    return x if k == 1 else x * k


def _outer(a: Any, b: Any) -> Any:
    return reshape(a, shape=(-1, 1)) * b


# -- addmv: beta * input + alpha * (mat @ vec) ---------------------------------------------------
def _addmv_jvp(tangents: list, input: Any, mat: Any, vec: Any, beta: Any, alpha: Any) -> Any:
    t_in, t_mat, t_vec = tangents
    return _total([None if t_in is None else _times(t_in, beta),
                   None if t_mat is None else _times(matmul(t_mat, vec), alpha),
                   None if t_vec is None else _times(matmul(mat, t_vec), alpha)],
                  (raw(mat).shape[0],))


ADDMV = general("addmv", lambda input, mat, vec, beta, alpha: _scaled_sum(
                    input, np.matmul(mat, vec), beta, alpha), "AddmvBackward0",
                ("input", "mat", "vec"), promote="promote",
                vjp_input=lambda g, beta: _times(g, beta),
                vjp_mat=lambda g, vec, alpha: _times(_outer(g, vec), alpha),
                vjp_vec=lambda g, mat, alpha: _times(matmul(_mT(mat), g), alpha),
                jvp=_addmv_jvp)


# -- addr: beta * input + alpha * outer(vec1, vec2) ----------------------------------------------
def _addr_jvp(tangents: list, input: Any, vec1: Any, vec2: Any, beta: Any, alpha: Any) -> Any:
    t_in, t1, t2 = tangents
    return _total([None if t_in is None else _times(t_in, beta),
                   None if t1 is None else _times(_outer(t1, vec2), alpha),
                   None if t2 is None else _times(_outer(vec1, t2), alpha)],
                  (raw(vec1).shape[0], raw(vec2).shape[0]))


ADDR = general("addr", lambda input, vec1, vec2, beta, alpha: _scaled_sum(
                   input, np.multiply.outer(vec1, vec2), beta, alpha), "AddrBackward0",
               ("input", "vec1", "vec2"), promote="promote",
               vjp_input=lambda g, beta: _times(g, beta),
               vjp_vec1=lambda g, vec2, alpha: _times(matmul(g, vec2), alpha),
               vjp_vec2=lambda g, vec1, alpha: _times(matmul(_mT(g), vec1), alpha),
               jvp=_addr_jvp)


# -- baddbmm: beta * input + alpha * (batch1 @ batch2), batch by batch ---------------------------
def _baddbmm_jvp(tangents: list, input: Any, batch1: Any, batch2: Any, beta: Any,
                 alpha: Any) -> Any:
    t_in, t1, t2 = tangents
    b1, b2 = raw(batch1).shape, raw(batch2).shape
    return _total([None if t_in is None else _times(t_in, beta),
                   None if t1 is None else _times(matmul(t1, batch2), alpha),
                   None if t2 is None else _times(matmul(batch1, t2), alpha)],
                  (b1[0], b1[1], b2[2]))


BADDBMM = general("baddbmm", lambda input, batch1, batch2, beta, alpha: _scaled_sum(
                      input, np.matmul(batch1, batch2), beta, alpha), "BaddbmmBackward0",
                  ("input", "batch1", "batch2"), promote="promote",
                  vjp_input=lambda g, beta: _times(g, beta),
                  vjp_batch1=lambda g, batch2, alpha: _times(matmul(g, _mT(batch2)), alpha),
                  vjp_batch2=lambda g, batch1, alpha: _times(matmul(_mT(batch1), g), alpha),
                  jvp=_baddbmm_jvp)


# -- addbmm: beta * input + alpha * sum_b (batch1[b] @ batch2[b]) --------------------------------
def _addbmm_jvp(tangents: list, input: Any, batch1: Any, batch2: Any, beta: Any,
                alpha: Any) -> Any:
    t_in, t1, t2 = tangents
    b1, b2 = raw(batch1).shape, raw(batch2).shape
    parts = [None if t is None else matmul(a, b).sum(0)
             for t, a, b in ((t1, t1, batch2), (t2, batch1, t2))]
    return _total([None if t_in is None else _times(t_in, beta),
                   None if parts[0] is None else _times(parts[0], alpha),
                   None if parts[1] is None else _times(parts[1], alpha)], (b1[1], b2[2]))


def _each_batch(g: Any, batch: Any) -> Any:
    """The (n, p) gradient repeated for each of the batch's matrices."""
    return EXPAND(g, shape=(raw(batch).shape[0],) + tuple(g.shape))


ADDBMM = general("addbmm", lambda input, batch1, batch2, beta, alpha: _scaled_sum(
                     input, np.matmul(batch1, batch2).sum(0), beta, alpha), "AddbmmBackward0",
                 ("input", "batch1", "batch2"), promote="promote",
                 vjp_input=lambda g, beta: _times(g, beta),
                 vjp_batch1=lambda g, batch1, batch2, alpha: _times(
                     matmul(_each_batch(g, batch1), _mT(batch2)), alpha),
                 vjp_batch2=lambda g, batch1, alpha: _times(
                     matmul(_mT(batch1), _each_batch(g, batch1)), alpha),
                 jvp=_addbmm_jvp)

# -- vdot (real tensors: dot, under its own node) and the cross product --------------------------
VDOT = bilinear("vdot", np.dot, "VdotBackward0",
                input=lambda g, other: g * other, other=lambda g, input: g * input)

CROSS = bilinear("linalg_cross", lambda input, other, dim: np.cross(input, other, axis=dim),
                 "LinalgCrossBackward0", params=("dim",),
                 input=lambda g, other, dim: CROSS(other, g, dim=dim),
                 other=lambda g, input, dim: CROSS(g, input, dim=dim))


# -- block_diag: the operands (as 2-D matrices) along the diagonal -------------------------------
def _block_diag(*arrays: np.ndarray, shapes: tuple) -> np.ndarray:
    rows = sum(s[0] for s in shapes)
    cols = sum(s[1] for s in shapes)
    out = np.zeros((rows, cols), np.result_type(*arrays) if arrays else np.float32)
    r = c = 0
    for a, (h, w) in zip(arrays, shapes):
        out[r:r + h, c:c + w] = a.reshape(h, w)
        r, c = r + h, c + w
    return out


def _block_diag_vjp(g: Any, shapes: tuple) -> list:
    grads, r, c = [], 0, 0
    for (h, w) in shapes:
        piece = g[r:r + h, c:c + w]
        grads.append(piece.copy() if piece.__class__ is np.ndarray else piece)
        r, c = r + h, c + w
    return grads


def _block_diag_jvp(tangents: list, shapes: tuple) -> Any:
    like = next(t for t in tangents if t is not None)
    pieces = [t if t is not None else lift(like, np.zeros(s, dtype=raw(like).dtype))
              for t, s in zip(tangents, shapes)]
    return BLOCK_DIAG(*pieces, shapes=shapes)


BLOCK_DIAG = general("block_diag", _block_diag, "BlockDiagBackward0", ("*tensors",),
                     promote="promote", vjp_tensors=_block_diag_vjp, jvp=_block_diag_jvp,
                     doc="2-D operands along the diagonal of a zero matrix.")


def _declare_rules() -> None:
    """Batching rules: the cross product is elementwise along its (negative) dim, so operands
    padded to one rank line up; the fused products run example by example."""
    from .._vmap._rules import RULES, elementwise, fallback
    RULES["linalg_cross"] = elementwise
    for name in ("addmv", "addr", "addbmm", "baddbmm", "vdot", "block_diag"):
        RULES[name] = fallback


_declare_rules()
