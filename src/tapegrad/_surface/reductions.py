"""Family 'reductions' of torch's surface (see tapegrad._surface): scans and statistics (from
``tapegrad._reductions``) and the matrix products torch keeps at its top level.

The products with ``beta``/``alpha`` (``addmv``, ``addr``, ``addbmm``, ``baddbmm``) record one
fused node, as torch does; ``kron``, ``inner``, ``cartesian_prod``, ``combinations`` and
``chain_matmul`` are compositions whose last op is the one torch records::

    >>> tapegrad.addmv(tapegrad.ones(2), tapegrad.ones(2, 3), tapegrad.ones(3), beta=0.5)
    tensor([3.5000, 3.5000])
"""
from __future__ import annotations

import builtins
import itertools
from typing import Any

import tapegrad

from .. import _reductions as red
from .._ops import stat_composites as C, stat_products as P
from .._ops import shape as S
from .._dtype import torch_name
from .._warnings import warn_at_caller


_WARNED: set = set()


def _warn_once(key: str, message: str) -> None:
    """torch's TORCH_WARN_ONCE: a deprecation said once per process."""
    if key not in _WARNED:
        _WARNED.add(key)
        warn_at_caller(message)


# -- beta * input + alpha * product --------------------------------------------------------------
def _same_dtype(name: str, *tensors: Any) -> None:
    if len({t.dtype for t in tensors}) > 1:
        names = [torch_name(t.dtype.np) for t in tensors]
        raise RuntimeError(f"{name} input tensors must have the same dtype, but got "
                           f"{names[0]}, {names[1]}, and {names[2]}")


def _broadcast_input(input: Any, shape: tuple) -> None:
    """torch expands ``input`` to the product's shape (and says so when it cannot)."""
    have = tuple(input.shape)
    padded = (1,) * (len(shape) - len(have)) + have
    if len(have) > len(shape) or any(h not in (1, s) for h, s in zip(padded, shape)):
        bad = next((i for i, (h, s) in enumerate(zip(padded, shape)) if h not in (1, s)), 0)
        raise RuntimeError(f"The expanded size of the tensor ({shape[bad]}) must match the "
                           f"existing size ({padded[bad]}) at non-singleton dimension {bad}.  "
                           f"Target sizes: {list(shape)}.  Tensor sizes: {list(have)}")


def addmv(input: Any, mat: Any, vec: Any, *, beta: Any = 1, alpha: Any = 1) -> Any:
    """``beta * input + alpha * (mat @ vec)`` (one ``AddmvBackward0`` node)."""
    if mat.ndim != 2 or vec.ndim != 1 or input.ndim > 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got {input.ndim}, {mat.ndim}, "
                           f"{vec.ndim}")
    n, m = mat.shape
    if m != vec.shape[0] or (input.ndim == 1 and input.shape[0] not in (1, n)):
        have = f"({input.shape[0]})" if input.ndim else "[]"
        raise RuntimeError(f"size mismatch, got input {have}, mat ({n}x{m}), vec "
                           f"({vec.shape[0]})")
    _same_dtype("addmv", input, mat, vec)
    return P.ADDMV(input, mat, vec, beta=beta, alpha=alpha)


def addr(input: Any, vec1: Any, vec2: Any, *, beta: Any = 1, alpha: Any = 1) -> Any:
    """``beta * input + alpha * outer(vec1, vec2)`` (one ``AddrBackward0`` node)."""
    for name, v in (("vec1", vec1), ("vec2", vec2)):
        if v.ndim != 1:
            raise RuntimeError(f"addr: Expected 1-D argument {name}, but got {v.ndim}-D")
    _broadcast_input(input, (vec1.shape[0], vec2.shape[0]))
    return P.ADDR(input, vec1, vec2, beta=beta, alpha=alpha)


def _check_batches(name: str, input: Any, batch1: Any, batch2: Any) -> None:
    """torch's checks, in its order: the result's shape is read from the batches' sizes (an
    IndexError for a short batch2), ``input`` expanded to it, then the ranks checked."""
    if batch2.ndim < 3:
        n = builtins.max(batch2.ndim, 1)
        raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], "
                         "but got 2)")
    if batch1.ndim >= 2:
        lead = (batch1.shape[0], batch1.shape[1]) if name == "baddbmm" else (batch1.shape[1],)
        _broadcast_input(input, lead + (batch2.shape[2],))
    for k, b in ((1, batch1), (2, batch2)):
        if b.ndim != 3:
            raise RuntimeError(f"batch{k} must be a 3D tensor")
    if name == "baddbmm":
        want = [batch1.shape[0], batch1.shape[2]]
        if list(batch2.shape[:2]) != want:
            raise RuntimeError("Expected size for first two dimensions of batch2 tensor to be: "
                               f"{want} but got: {list(batch2.shape[:2])}.")
    elif batch1.shape[0] != batch2.shape[0] or batch1.shape[2] != batch2.shape[1]:
        raise RuntimeError(f"Incompatible matrix sizes for bmm ({batch1.shape[1]}x"
                           f"{batch1.shape[2]} and {batch2.shape[1]}x{batch2.shape[2]})")


def baddbmm(input: Any, batch1: Any, batch2: Any, *, beta: Any = 1, alpha: Any = 1) -> Any:
    """``beta * input + alpha * (batch1 @ batch2)`` for batches of matrices."""
    _check_batches("baddbmm", input, batch1, batch2)
    return P.BADDBMM(input, batch1, batch2, beta=beta, alpha=alpha)


def addbmm(input: Any, batch1: Any, batch2: Any, *, beta: Any = 1, alpha: Any = 1) -> Any:
    """``beta * input + alpha * sum_b(batch1[b] @ batch2[b])``."""
    _check_batches("addbmm", input, batch1, batch2)
    return P.ADDBMM(input, batch1, batch2, beta=beta, alpha=alpha)


# -- vector products -----------------------------------------------------------------------------
def vdot(input: Any, other: Any) -> Any:
    """The dot product of two 1-D tensors (the first conjugated, for complex ones)."""
    if input.ndim != 1 or other.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {input.ndim}D and {other.ndim}D "
                           "tensors")
    if input.dtype is not other.dtype:
        raise RuntimeError("dot : expected both vectors to have same dtype, but found "
                           f"{torch_name(input.dtype.np)} and {torch_name(other.dtype.np)}")
    if input.shape[0] != other.shape[0]:
        raise RuntimeError("inconsistent tensor size, expected tensor [{0}] and src [{1}] to "
                           "have the same number of elements, but got {0} and {1} elements "
                           "respectively".format(input.shape[0], other.shape[0]))
    return P.VDOT(input, other)


def inner(input: Any, other: Any) -> Any:
    """Sum of products over the last dimension of both (a scalar times a tensor for 0-d)."""
    if input.ndim == 0 or other.ndim == 0:
        return input * other
    if input.shape[-1] != other.shape[-1]:
        raise RuntimeError("inner() the last dimension must match on both input tensors but "
                           f"got shapes {list(input.shape)} and {list(other.shape)}")
    a = input.reshape(-1, input.shape[-1])
    b = other.reshape(-1, other.shape[-1])
    return tapegrad.mm(a, b.t()).view(*input.shape[:-1], *other.shape[:-1])


def kron(input: Any, other: Any) -> Any:
    """Kronecker product: every element of ``input`` scales a copy of ``other``."""
    rank = max(input.ndim, other.ndim)
    sa = (1,) * (rank - input.ndim) + tuple(input.shape)
    sb = (1,) * (rank - other.ndim) + tuple(other.shape)
    # a's dims interleaved with b's: (a0, 1, a1, 1, ...) * (1, b0, 1, b1, ...)
    a = input.reshape(tuple(s for n in sa for s in (n, 1)))
    b = other.reshape(tuple(s for n in sb for s in (1, n)))
    return S.UNSAFE_VIEW(a * b, shape=tuple(x * y for x, y in zip(sa, sb)))


def cross(input: Any, other: Any, dim: int | None = None) -> Any:
    """Cross product of 3-vectors along ``dim``; without ``dim``, the first dimension of size
    3 (deprecated in torch, with its warning)."""
    if input.ndim != other.ndim:
        raise RuntimeError("linalg.cross: inputs must have the same number of dimensions.")
    shape = tapegrad.broadcast_shapes(input.shape, other.shape)
    if dim is None:
        dim = next((i for i, n in enumerate(input.shape) if n == 3), None)
        if dim is None:
            raise RuntimeError("no dimension of size 3 in input")
        _warn_once("cross", "Using torch.cross without specifying the dim arg is deprecated.\n"
                   "Please either pass the dim explicitly or simply use torch.linalg.cross.\n"
                   "The default value of dim will change to agree with that of linalg.cross in "
                   "a future release. (Triggered internally at /__w/pytorch/pytorch/aten/src/"
                   "ATen/native/Cross.cpp:63.)")
    ndim = len(shape)
    d = dim + ndim if dim < 0 else dim
    sizes = [t.shape[d - ndim + t.ndim] if d - ndim + t.ndim >= 0 else 1 for t in (input, other)]
    if sizes != [3, 3]:
        raise RuntimeError(f"linalg.cross: inputs dimension {dim} must have length 3. Got "
                           f"{sizes[0]} and {sizes[1]}")
    return P.CROSS(input, other, dim=d - ndim)


def block_diag(*tensors: Any) -> Any:
    """The tensors (0-d as 1x1, 1-D as one row) along the diagonal of a zero matrix."""
    if not tensors:
        return tapegrad.empty(1, 0)
    mats = []
    for i, t in enumerate(tensors):
        if t.ndim > 2:
            raise RuntimeError("torch.block_diag: Input tensors must have 2 or fewer "
                               f"dimensions. Input {i} has {t.ndim} dimensions")
        mats.append(t if t.ndim == 2 else t.reshape(1, -1))
    return P.BLOCK_DIAG(*mats, shapes=tuple(tuple(m.shape) for m in mats))


def _vector(t: Any) -> None:
    if t.ndim != 1:
        raise RuntimeError(f"Expect a 1D vector, but got shape {list(t.shape)}")


def cartesian_prod(*tensors: Any) -> Any:
    """Every combination of one element from each 1-D tensor, one per row."""
    for t in tensors:
        _vector(t)
    if len(tensors) == 1:
        return tensors[0]
    grids = tapegrad.meshgrid(*tensors, indexing="ij")
    return tapegrad.stack([g.flatten() for g in grids], dim=1)


def combinations(input: Any, r: int = 2, with_replacement: bool = False) -> Any:
    """Length-``r`` combinations of the elements of a 1-D tensor, one per row (in
    ``itertools.combinations`` order)."""
    _vector(input)
    if r < 0:
        raise RuntimeError(f"Expect a non-negative number, but got {r}")
    if r == 0:
        return tapegrad.empty(0, dtype=input.dtype)
    pick = itertools.combinations_with_replacement if with_replacement else \
        itertools.combinations
    rows = list(pick(range(input.shape[0]), r))
    if not rows:
        return tapegrad.empty(0, r, dtype=input.dtype)
    columns = tapegrad.tensor(rows, dtype=tapegrad.int64).t()
    return tapegrad.stack([input[columns[k]] for k in range(r)], dim=1)


def ger(input: Any, vec2: Any) -> Any:
    """The outer product of two vectors (an alias of ``outer``)."""
    return tapegrad.outer(input, vec2)


def addmv_(input: Any, mat: Any, vec: Any, *, beta: Any = 1, alpha: Any = 1) -> Any:
    """In-place ``addmv``: ``input`` becomes ``beta * input + alpha * (mat @ vec)``."""
    return input.addmv_(mat, vec, beta=beta, alpha=alpha)


def chain_matmul(*matrices: Any) -> Any:
    """The product of 2-D matrices, left to right (deprecated in torch: ``linalg.multi_dot``)."""
    _warn_once("chain_matmul", "torch.chain_matmul is deprecated and will be removed in a "
               "future PyTorch release. Use torch.linalg.multi_dot instead, which accepts a "
               "list of two or more tensors rather than multiple parameters. (Triggered "
               "internally at /__w/pytorch/pytorch/aten/src/ATen/native/LinearAlgebra.cpp:1102.)")
    for m in matrices:
        if m.ndim != 2:
            raise RuntimeError(f"Tensor dimension is {m.ndim}, expected 2 instead.")
    if len(matrices) == 1:
        return matrices[0].clone()
    out = matrices[0]
    for m in matrices[1:]:
        out = tapegrad.mm(out, m)
    return out.view(out.shape)


_STATS = ("cummax", "cummin", "logcumsumexp", "aminmax", "nansum", "nanmean", "nanmedian",
          "mode", "dist", "histc", "histogram", "renorm")

METHODS: dict = {
    "addmv": addmv, "addr": addr, "addbmm": addbmm, "baddbmm": baddbmm, "vdot": vdot,
    "inner": inner, "kron": kron, "cross": cross, "ger": ger,
    **{name: getattr(red, name) for name in _STATS},
    **{name: getattr(C, name) for name in ("cov", "corrcoef", "quantile", "nanquantile")},
}
INPLACE: dict = {"addmv": addmv, "addr": addr, "addbmm": addbmm, "baddbmm": baddbmm,
                 "renorm": red.renorm}
FUNCTIONS: dict = {
    "addmv": addmv, "addr": addr, "addbmm": addbmm, "baddbmm": baddbmm, "vdot": vdot,
    "inner": inner, "kron": kron, "cross": cross, "block_diag": block_diag,
    "cartesian_prod": cartesian_prod, "combinations": combinations, "chain_matmul": chain_matmul,
    "addmv_": addmv_,
    "std_mean": red.std_mean, "var_mean": red.var_mean, "pdist": red.pdist,
    "histogramdd": red.histogramdd,
    **{name: getattr(red, name) for name in _STATS}, **C.FUNCTIONS,
}
