"""Batching rules: how each registry op runs on a whole batch at once.

A rule is ``rule(level, op, args, params)``.  It runs while its vmap level is off the transform
stack, so every op it applies goes to the level below: it rewrites the logical call into a call on
the physical values (batch dimension first) and wraps the result.  Rules are looked up by op name
(``RULES``), then by the op's kind (``KIND_RULES``: every ``elementwise`` op); an op with neither
runs example by example (``fallback``), which is slow but correct, autograd included.

The rules by family:

* elementwise (and comparisons, ``where``, ``clone``, dtype casts): batched operands get size-1
  dims after the batch dim so that broadcasting against unbatched operands lines up;
* reductions: ``dim`` is shifted past the batch dim (``dim=None`` means every logical dim);
* shape ops: shapes get the batch size in front, dims are shifted, ``expand``/``repeat`` operands
  are padded to the target rank first;
* indexing: a full slice is put in front of the index (NumPy's placement of separated advanced
  indices is undone with a permute); index tensors that are themselves batched get
  ``arange(batch)`` in front instead (``batched_getitem``);
* index operands (``gather``, ``sort``, ``topk``, ``scatter_add``): every operand is repeated
  over the batch and ``dim`` shifted, so each example may have its own index; ``index_select``
  with a per-example index becomes the equivalent ``gather``;
* products: ``dot``/``mv``/``mm``/``matmul`` become one NumPy matmul; a batch of vectors or
  matrices against one unbatched matrix is a single 2-D product.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from .._ops import elementwise as E, linalg as L, reduction as R, selection as X, shape as S
from .._ops._registry import REGISTRY
from .._tensor import Tensor
from ._batched import BatchedTensor, materialize, wrap

Rule = Callable[[Any, Any, tuple, dict], Any]


def _value(x: Any, level: Any) -> Any:
    """The physical value of ``x`` at ``level`` (None when ``x`` is not batched there)."""
    if x.__class__ is BatchedTensor and x._vlevel is level:
        return x._value
    return None


def _is_array_like(x: Any) -> bool:
    return isinstance(x, (np.ndarray, Tensor))


def _pad(v: Any, rank: int) -> Any:
    """Physical ``v`` (batch first) with size-1 dims inserted after the batch dim up to ``rank``."""
    shape = tuple(v.shape)
    if len(shape) - 1 >= rank:
        return v
    return S.RESHAPE(v, shape=shape[:1] + (1,) * (rank - len(shape) + 1) + shape[1:])


def _front(x: Any, level: Any) -> Any:
    """Physical value of ``x`` at ``level``, repeated over the batch if ``x`` is not batched."""
    return materialize(x, level)._value


# -- elementwise ---------------------------------------------------------------------------------
def elementwise(level: Any, op: Any, args: tuple, params: dict) -> Any:
    rank = 0
    for a in args:
        if _is_array_like(a):
            rank = max(rank, len(a.shape))
    new = []
    for a in args:
        v = _value(a, level)
        new.append(a if v is None else _pad(v, rank))
    return wrap(op(*new, **params), level)


# -- reductions ----------------------------------------------------------------------------------
def reduction(level: Any, op: Any, args: tuple, params: dict) -> Any:
    v = _value(args[0], level)
    dim = params["dim"]
    rank = v.ndim - 1
    if dim is None:
        if op.name in ("prod", "prod_dim"):  # prod's rules take one dim: flatten first
            v = S.RESHAPE(v, shape=(v.shape[0], int(np.prod(v.shape[1:], dtype=np.int64))))
            dim = (1,)
        else:
            dim = tuple(range(1, rank + 1))
    else:
        dim = tuple(d + 1 for d in dim)
    return wrap(op(v, **{**params, "dim": dim}), level)


def extreme_along(level: Any, op: Any, args: tuple, params: dict) -> Any:
    """max/min/median/kthvalue along a dim: the values of the physical op, whose indices the level below
    finds."""
    from .. import _reductions
    v = _value(args[0], level)
    d, keep = params["dim"][0] + 1, params["keepdim"]
    if op is R.KTHVALUE:
        return wrap(_reductions.kthvalue(v, params["k"], d, keep).values, level)
    fn = {R.MAX_DIM: _reductions.max, R.MIN_DIM: _reductions.min,
          R.MEDIAN_DIM: _reductions.median}[op]
    return wrap(fn(v, d, keep).values, level)


def arg_extreme(level: Any, op: Any, args: tuple, params: dict) -> Any:
    v = _value(args[0], level)
    dim, keepdim = params["dim"], params["keepdim"]
    if dim is not None:
        return wrap(op(v, **{**params, "dim": dim + 1}), level)
    shape = tuple(v.shape)
    flat = S.RESHAPE(v, shape=(shape[0], int(np.prod(shape[1:], dtype=np.int64))))
    out = op(flat, dim=1, keepdim=False)
    if keepdim:
        out = S.RESHAPE(out, shape=(shape[0],) + (1,) * (len(shape) - 1))
    return wrap(out, level)


# -- dims and shapes -----------------------------------------------------------------------------
def shift_dims(level: Any, op: Any, args: tuple, params: dict) -> Any:
    """Ops whose ``dim``/``dims``/``dim0``/``dim1`` name logical dims (all non-negative here)."""
    new = dict(params)
    for key in ("dim", "dim0", "dim1"):
        if key in new:
            new[key] = new[key] + 1
    if "dims" in new:
        new["dims"] = tuple(d + 1 for d in new["dims"])
        if op is S.PERMUTE:
            new["dims"] = (0,) + new["dims"]
    out = op(_value(args[0], level), **new)
    if op.multi_output:
        return tuple(wrap(o, level) for o in out)
    return wrap(out, level)


def rolled(level: Any, op: Any, args: tuple, params: dict) -> Any:
    """roll: along logical dims one further on; with none, along each example flattened."""
    if params["dims"] is not None:
        return shift_dims(level, op, args, params)
    v = _value(args[0], level)
    shape = tuple(v.shape)
    flat = S.RESHAPE(v, shape=(shape[0], int(np.prod(shape[1:], dtype=np.int64))))
    return wrap(S.RESHAPE(op(flat, shifts=params["shifts"], dims=(1,)), shape=shape), level)


def matrices(level: Any, op: Any, args: tuple, params: dict) -> Any:
    """inv, det, slogdet and solve work on the last two dims (solve's right side may be a
    vector): the batch is one more leading dim.  Each batched operand's own batch dims are padded
    to the others' count, so that they line up behind the vmap dim; an unbatched operand
    broadcasts."""
    core = [2] * len(args)
    if params.get("vector"):
        core[1] = 1
    lead = max(len(a.shape) - c for a, c in zip(args, core))
    new = []
    for a, c in zip(args, core):
        v = _value(a, level)
        if v is not None and len(a.shape) - c < lead:
            pad = lead - (len(a.shape) - c)
            v = S.RESHAPE(v, shape=(v.shape[0],) + (1,) * pad + tuple(v.shape[1:]))
        new.append(a if v is None else v)
    return wrap(op(*new, **params), level)


def joined(level: Any, op: Any, args: tuple, params: dict) -> Any:
    """cat and stack: every operand repeated over the batch, then joined one dim further on."""
    return wrap(op(*[_front(a, level) for a in args], **{**params, "dim": params["dim"] + 1}),
                level)


def _resolved(shape: tuple, numel: int) -> tuple:
    if -1 not in shape:
        return tuple(shape)
    known = int(np.prod([s for s in shape if s != -1], dtype=np.int64))
    return tuple(numel // known if s == -1 else s for s in shape)


def reshaped(level: Any, op: Any, args: tuple, params: dict) -> Any:
    """reshape, view, squeeze, unsqueeze (all given the target ``shape``)."""
    x = args[0]
    shape = _resolved(tuple(params["shape"]), x.numel())
    v = _value(x, level)
    return wrap(op(v, shape=(v.shape[0],) + shape), level)


def expand(level: Any, op: Any, args: tuple, params: dict) -> Any:
    target = tuple(params["shape"])
    v = _pad(_value(args[0], level), len(target))
    return wrap(op(v, shape=(v.shape[0],) + target), level)


def sum_to_size(level: Any, op: Any, args: tuple, params: dict) -> Any:
    target = tuple(params["shape"])
    v = _value(args[0], level)
    lead = v.ndim - 1 - len(target)
    out = op(v, shape=(v.shape[0],) + (1,) * lead + target)
    if lead:
        out = S.RESHAPE(out, shape=(v.shape[0],) + target)
    return wrap(out, level)


def repeat(level: Any, op: Any, args: tuple, params: dict) -> Any:
    reps = tuple(params["repeats"])
    v = _pad(_value(args[0], level), len(reps))
    return wrap(op(v, repeats=(1,) + reps), level)


def transpose_matrix(level: Any, op: Any, args: tuple, params: dict) -> Any:
    """``t()``: the identity below two dims, a swap of the two logical dims otherwise."""
    v = _value(args[0], level)
    if v.ndim < 3:
        return wrap(S.RESHAPE(v, shape=tuple(v.shape)), level)
    return wrap(S.TRANSPOSE(v, dim0=1, dim1=2), level)


def trailing(level: Any, op: Any, args: tuple, params: dict) -> Any:
    """Ops that act on the last two dims and leave leading dims alone (tril, triu)."""
    return wrap(op(_value(args[0], level), **params), level)


# -- indexing ------------------------------------------------------------------------------------
def _advanced_split(index: Any) -> tuple:
    """``(batched index, position of the batch dim in NumPy's result)`` for a logical index."""
    items = index if isinstance(index, tuple) else (index,)
    arrays = [it for it in items if isinstance(it, np.ndarray)]
    new = (slice(None),) + items
    if not arrays:
        return new, 0
    adv = [i for i, it in enumerate(items)
           if isinstance(it, np.ndarray) or (isinstance(it, (int, np.integer))
                                             and not isinstance(it, bool))]
    if adv[-1] - adv[0] + 1 == len(adv):
        return new, 0  # adjacent advanced indices stay in place, after the batch dim
    shapes = [(int(np.count_nonzero(a)),) if a.dtype == bool else a.shape for a in arrays]
    return new, len(np.broadcast_shapes(*shapes))  # separated ones go first, before the batch


def _batch_to_front(x: Any, pos: int) -> Any:
    if pos == 0:
        return x
    perm = (pos,) + tuple(i for i in range(x.ndim) if i != pos)
    return S.PERMUTE(x, dims=perm)


def _batch_from_front(x: Any, pos: int) -> Any:
    if pos == 0:
        return x
    rest = list(range(1, x.ndim))
    perm = tuple(rest[:pos]) + (0,) + tuple(rest[pos:])
    return S.PERMUTE(x, dims=perm)


def index(level: Any, op: Any, args: tuple, params: dict) -> Any:
    new, pos = _advanced_split(params["index"])
    out = op(_value(args[0], level), index=new)
    return wrap(_batch_to_front(out, pos), level)


def index_backward(level: Any, op: Any, args: tuple, params: dict) -> Any:
    new, pos = _advanced_split(params["index"])
    v = _value(args[0], level)
    out = op(_batch_from_front(v, pos), index=new, shape=(v.shape[0],) + tuple(params["shape"]))
    return wrap(out, level)


def index_put(level: Any, op: Any, args: tuple, params: dict) -> Any:
    """``x[index] = values`` with a basic index (ints, slices, None, Ellipsis)."""
    x, values = args
    new = (slice(None),) + (params["index"] if isinstance(params["index"], tuple)
                            else (params["index"],))
    target = _front(x, level)
    v = _value(values, level)
    if v is not None:
        picked = np.broadcast_to(np.empty((), np.int8), tuple(x.shape))[params["index"]]
        values = _pad(v, picked.ndim)
    return wrap(op(target, values, index=new), level)


def batched_getitem(x: Any, index: Any) -> Any:
    """``x[index]`` where the index holds tensors batched by vmap (called by ``Tensor.__getitem__``).

    When the advanced indices (tensors, lists, ints) come first and side by side, one physical
    index does it: ``arange(batch)`` in front picks each example's own indices.  Other layouts
    (and boolean masks) go example by example.
    """
    from .._shaping import getitem
    items = index if isinstance(index, tuple) else (index,)
    level = max((t._vlevel for t in (x,) + items if t.__class__ is BatchedTensor),
                key=lambda lv: lv.level)
    n = level.batch_size
    xv = _front(x, level)
    values = [_value(it, level) if _value(it, level) is not None else it for it in items]
    advanced = [k for k, it in enumerate(items)
                if isinstance(it, (Tensor, np.ndarray, list))
                or (isinstance(it, (int, np.integer)) and not isinstance(it, bool))]
    masks = any(isinstance(it, Tensor) and it.dtype.np == np.bool_ for it in items)
    if not masks and advanced[0] == 0 and advanced[-1] == len(advanced) - 1:
        rank = max((np.ndim(it) if not isinstance(it, Tensor) else it.ndim) for it in items[
            :len(advanced)])
        ar = Tensor._make(np.arange(n).reshape((n,) + (1,) * rank))
        phys = [_pad(v, rank) if batched else v
                for v, batched in zip(values, (_value(it, level) is not None for it in items))]
        return wrap(getitem(xv, (ar, *phys)), level)
    results = []
    for b in range(n):
        pick = [S.SELECT_ALONG(v, dim=0, i=b) if _value(it, level) is not None else v
                for v, it in zip(values, items)]
        results.append(getitem(S.SELECT_ALONG(xv, dim=0, i=b), tuple(pick)))
    return wrap(S.STACK(*results, dim=0, count=n), level)


# -- selecting by index tensors ------------------------------------------------------------------
def _front_any(x: Any, level: Any) -> Any:
    """``_front`` that also takes a raw array (an index saved by a derivative rule)."""
    if isinstance(x, np.ndarray):
        x = Tensor._make(x)
    return _front(x, level)


def gathered(level: Any, op: Any, args: tuple, params: dict) -> Any:
    """gather, sort, topk, scatter and scatter_add: every operand (input, index, src) repeated over the
    batch, the dim shifted; each example then reads and writes its own row only."""
    return wrap(op(*[_front_any(a, level) for a in args], dim=params["dim"] + 1), level)


def index_select(level: Any, op: Any, args: tuple, params: dict) -> Any:
    """One index for every example: select along the shifted dim.  An index per example: the
    equivalent gather, the index laid along ``dim`` and repeated over the other dims."""
    x, index = args
    dim = params["dim"]
    if _value(index, level) is None:
        return wrap(op(_value(x, level), index, dim=dim + 1), level)
    xv, iv = _front(x, level), _value(index, level)
    shape = list(xv.shape)
    shape[dim + 1] = int(np.prod(tuple(iv.shape[1:]), dtype=np.int64))
    flat = S.RESHAPE(iv, shape=(shape[0], shape[dim + 1]))
    return wrap(X.GATHER(xv, _spread_batched(flat, dim + 1, tuple(shape)), dim=dim + 1), level)


def _spread_batched(flat: Any, dim: int, shape: tuple) -> Any:
    """Physical per-example indices ``(batch, n)`` laid along ``dim`` of ``shape`` (batch first)."""
    along = S.RESHAPE(flat, shape=tuple(s if k in (0, dim) else 1 for k, s in enumerate(shape)))
    return S.EXPAND(along, shape=shape)


# -- linear algebra ------------------------------------------------------------------------------
def products(level: Any, op: Any, args: tuple, params: dict) -> Any:
    """dot, mv, mm and matmul of every shape, as one physical matmul."""
    a, b = args
    pa, pb = _value(a, level), _value(b, level)
    ra, rb = a.ndim, b.ndim
    if pa is not None and pb is None and rb == 2 and ra <= 2:
        # a batch of vectors or matrices times one matrix: a single 2-D product
        shape = tuple(pa.shape)
        rows = S.RESHAPE(pa, shape=(shape[0] * shape[1], shape[2])) if ra == 2 else pa
        out = L.MATMUL_MM(rows, b)
        if ra == 2:
            out = S.RESHAPE(out, shape=shape[:2] + (b.shape[-1],))
        return wrap(out, level)
    if pa is None and pb is not None and ra == 2 and rb <= 2:
        # one matrix times a batch: A @ v_i = (v_i^T A^T)^T for vectors; for matrices
        # gather the batch into the columns of one right-hand side
        at = S.TRANSPOSE(a, dim0=0, dim1=1)
        if rb == 1:
            return wrap(L.MATMUL_MM(pb, at), level)
        n, k, p = pb.shape
        cols = S.RESHAPE(S.PERMUTE(pb, dims=(1, 0, 2)), shape=(k, n * p))
        out = S.RESHAPE(L.MATMUL_MM(a, cols), shape=(a.shape[0], n, p))
        return wrap(S.PERMUTE(out, dims=(1, 0, 2)), level)
    if ra == 1 and rb == 1:
        if pa is not None and pb is not None:
            return wrap(R.SUM_DIM(E.MUL(pa, pb), dim=(1,), keepdim=False), level)
        batched, other = (pa, b) if pa is not None else (pb, a)
        return wrap(L.MATMUL_MV(batched, other), level)
    # General case: a batched vector becomes a row (left) or a column (right) matrix, and batched
    # operands get size-1 dims up to the common rank so that NumPy's batch broadcasting lines up
    # (an unbatched vector is left to NumPy's own rule).
    rank = max(ra, rb, 2)
    xa, xb = a, b
    if pa is not None:
        if ra == 1:
            pa = S.RESHAPE(pa, shape=(pa.shape[0], 1, pa.shape[1]))
        xa = _pad(pa, rank)
    if pb is not None:
        if rb == 1:
            pb = S.RESHAPE(pb, shape=tuple(pb.shape) + (1,))
        xb = _pad(pb, rank)
    out = L.MATMUL(xa, xb)
    shape = tuple(out.shape)
    if pa is not None and ra == 1:
        shape = shape[:-2] + shape[-1:]
    if pb is not None and rb == 1:
        shape = shape[:-1]
    if len(shape) != out.ndim:
        out = S.RESHAPE(out, shape=shape)
    return wrap(out, level)


def trace(level: Any, op: Any, args: tuple, params: dict) -> Any:
    v = _value(args[0], level)
    n = min(v.shape[1], v.shape[2])
    diag = S.INDEX_ADVANCED(v, index=(slice(None), np.arange(n), np.arange(n)))
    return wrap(R.SUM_DIM(diag, dim=(1,), keepdim=False), level)


def diagonal(level: Any, op: Any, args: tuple, params: dict) -> Any:
    v = _value(args[0], level)
    rows, cols = L._diagonal_index(tuple(v.shape[1:]), params["offset"])
    return wrap(S.INDEX_ADVANCED(v, index=(slice(None), rows, cols)), level)


def diag_embed(level: Any, op: Any, args: tuple, params: dict) -> Any:
    v = _value(args[0], level)
    k = params["diagonal"]
    n = v.shape[1]
    size = n + abs(k)
    rows = np.arange(n) + max(0, -k)
    cols = np.arange(n) + max(0, k)
    out = S.INDEX_BACKWARD(v, index=(slice(None), rows, cols), shape=(v.shape[0], size, size))
    return wrap(out, level)


# -- example by example ------------------------------------------------------------------------
def fallback(level: Any, op: Any, args: tuple, params: dict) -> Any:
    """Apply ``op`` to each example below this level and stack the results (autograd-safe)."""
    n = level.batch_size
    if n == 0:  # run one zero example to learn the result's shape and dtype
        from .._tensor import Tensor
        sample = [Tensor._make(np.zeros(tuple(a.shape), a.dtype.np))
                  if _value(a, level) is not None else a for a in args]
        out = op(*sample, **params)
        outs = out if op.multi_output else (out,)
        empty = tuple(wrap(S.EXPAND(o, shape=(0,) + tuple(o.shape)), level) for o in outs)
        return empty if op.multi_output else empty[0]
    results = []
    for i in range(n):
        example = [a if _value(a, level) is None
                   else S.SELECT_ALONG(_value(a, level), dim=0, i=i) for a in args]
        results.append(op(*example, **params))
    if op.multi_output:
        return tuple(wrap(S.STACK(*[r[k] for r in results], dim=0, count=n), level)
                     for k in range(len(results[0])))
    return wrap(S.STACK(*results, dim=0, count=n), level)


# -- the table -----------------------------------------------------------------------------------
KIND_RULES: dict[str, Rule] = {"elementwise": elementwise}

RULES: dict[str, Rule] = {}


def _declare(rule: Rule, *names: str) -> None:
    for name in names:
        RULES[name] = rule


_declare(elementwise, "where", "masked_fill", "to_copy", "clone", "contiguous", "eq", "ne", "lt", "le", "gt", "ge",
         "logical_and", "logical_or", "logical_xor", "logical_not", "bitwise_and", "bitwise_or",
         "bitwise_xor", "bitwise_not", "isnan", "isinf", "isfinite", "floor_divide")
_declare(reduction, "sum", "sum_dim", "mean", "mean_dim", "prod", "prod_dim", "max", "min",
         "amax", "amin", "var", "std", "norm", "logsumexp", "all", "any", "count_nonzero",
         "median")
_declare(extreme_along, "max_dim", "min_dim", "median_dim", "kthvalue")
_declare(arg_extreme, "argmax", "argmin", "median_index", "kthvalue_index")
_declare(shift_dims, "cumsum", "cumprod", "softmax", "log_softmax", "permute", "transpose", "narrow",
         "select", "flip", "split", "unbind", "argsort")
_declare(joined, "cat", "stack")
_declare(rolled, "roll")
_declare(matrices, "inv", "det", "logabsdet", "slogdet_sign", "solve")
_declare(reshaped, "reshape", "unsafe_view", "squeeze", "squeeze_dim", "unsqueeze")
_declare(expand, "expand")
_declare(sum_to_size, "sum_to_size")
_declare(repeat, "repeat")
_declare(transpose_matrix, "t")
_declare(trailing, "tril", "triu")
_declare(index, "index_SelectBackward0", "index_SliceBackward0", "index_UnsqueezeBackward0",
         "index_AliasBackward0", "index_IndexBackward0", "index_AsStridedBackward0")
_declare(index_backward, "index_backward")
_declare(index_put, "index_put")
_declare(products, "dot", "mv", "mm", "matmul_UnsafeViewBackward0", "matmul_MvBackward0",
         "matmul_MmBackward0", "matmul_SqueezeBackward4")
_declare(gathered, "gather", "sort", "topk", "scatter_add", "scatter", "index_add")
_declare(index_select, "index_select")
_declare(elementwise, "xlogy", "xlogy_scalar_other", "xlogy_scalar_self")
_declare(trace, "trace")
_declare(diagonal, "diagonal")
_declare(diag_embed, "diag")


def rule_for(op: Any) -> Rule:
    """The batching rule of ``op``: by name, else by kind, else the example-by-example loop."""
    return RULES.get(op.name) or KIND_RULES.get(op.kind) or fallback


def fallback_ops() -> list[str]:
    """Registry ops with no batching rule (they run example by example under vmap)."""
    return sorted(name for name, op in REGISTRY.items()
                  if name not in RULES and op.kind not in KIND_RULES)
