"""``embedding_bag``: sums, means or maxima of bags of embedding rows, one node as in torch
(``EmbeddingBagBackward0``).

``nn.functional.embedding_bag`` reduces its arguments (offsets, 2-D input, padding_idx,
include_last_offset) to flat lookups: ``indices[k]`` is a row of ``weight`` that goes into bag
``bag[k]``.  Two ops then do the work:

* ``embedding_bag(weight, per_sample_weights, indices, bag, divisor, num_bags)``: bag ``b`` is
  ``sum(per_sample_weights[k] * weight[indices[k]] for k in bag b) / divisor[b]`` (ones for
  ``sum``; the bag sizes for ``mean``).  Linear in ``weight`` and in ``per_sample_weights``.
* ``embedding_bag_max(weight, rows)``: ``out[b, j] = weight[rows[b, j], j]``, zero where
  ``rows`` is -1 (an empty bag); ``rows`` (which row wins each column of each bag) is found
  first by :func:`max_rows`, so the op itself is linear in ``weight``.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ._registry import general, linear, nondifferentiable
from . import elementwise as E, reduction as R, selection as X, shape as S


def _embedding_bag(weight: np.ndarray, per_sample_weights: np.ndarray, indices: np.ndarray,
                   bag: np.ndarray, divisor: np.ndarray, num_bags: int) -> np.ndarray:
    rows = weight[indices] * per_sample_weights[:, None]
    out = np.zeros((num_bags, weight.shape[1]), dtype=weight.dtype)
    np.add.at(out, bag, rows)  # in lookup order, as torch accumulates a bag
    out /= divisor[:, None]
    return out


def _per_lookup(g: Any, bag: Any, divisor: Any) -> Any:
    """The output gradient of each lookup's bag, divided by that bag's divisor."""
    scaled = E.DIV(g, S.RESHAPE(divisor, shape=(-1, 1)))
    return X.INDEX_SELECT(scaled, bag, dim=0)


def _vjp_weight(g: Any, weight_shape: tuple, per_sample_weights: Any, indices: Any, bag: Any,
                divisor: Any) -> Any:
    rows = E.MUL(_per_lookup(g, bag, divisor), S.RESHAPE(per_sample_weights, shape=(-1, 1)))
    index = X.spread_index(indices, 0, tuple(rows.shape))
    return X.SCATTER_ADD(X._zeros(rows, weight_shape), index, rows, dim=0)


def _vjp_per_sample_weights(g: Any, weight: Any, indices: Any, bag: Any, divisor: Any) -> Any:
    looked_up = X.INDEX_SELECT(weight, indices, dim=0)
    return R.SUM_DIM(E.MUL(_per_lookup(g, bag, divisor), looked_up), dim=(1,), keepdim=False)


def _jvp(tangents: list, weight: Any, per_sample_weights: Any, indices: Any, bag: Any,
         divisor: Any, num_bags: int) -> Any:
    t_weight, t_psw = tangents[0], tangents[1]
    out = None
    if t_weight is not None:
        out = EMBEDDING_BAG(t_weight, per_sample_weights, indices, bag, divisor,
                            num_bags=num_bags)
    if t_psw is not None:
        term = EMBEDDING_BAG(weight, t_psw, indices, bag, divisor, num_bags=num_bags)
        out = term if out is None else E.ADD(out, term)
    return out


EMBEDDING_BAG = general(
    "embedding_bag", _embedding_bag, "EmbeddingBagBackward0",
    ("weight", "per_sample_weights", "indices", "bag", "divisor"),
    vjp_weight=_vjp_weight, vjp_per_sample_weights=_vjp_per_sample_weights, jvp=_jvp,
    doc="Weighted sums of bags of weight's rows, each divided by its bag's divisor "
        "(nn.functional.embedding_bag's sum and mean).")


# -- max -------------------------------------------------------------------------------------------
def max_rows(weight: np.ndarray, indices: np.ndarray, bag: np.ndarray,
             num_bags: int) -> np.ndarray:
    """For each bag and column, the row of ``weight`` holding the bag's maximum (the first one
    on a tie, as torch's kernel keeps the first), or -1 for an empty bag."""
    dim = weight.shape[1]
    rows = np.full((num_bags, dim), -1, dtype=np.int64)
    best = np.zeros((num_bags, dim), dtype=weight.dtype)
    for k in range(indices.shape[0]):  # in lookup order: a later equal value does not win
        b, values = bag[k], weight[indices[k]]
        better = (rows[b] < 0) | (values > best[b])
        rows[b] = np.where(better, indices[k], rows[b])
        best[b] = np.where(better, values, best[b])
    return rows


# Non-differentiable (which row wins is piecewise constant), and an op so that vmap batches it.
MAX_ROWS = nondifferentiable("embedding_bag_max_rows", max_rows, ("weight", "indices", "bag"),
                             doc="For each bag and column, the row of weight holding the bag's "
                                 "maximum (-1 for an empty bag).")


def _embedding_bag_max(weight: np.ndarray, rows: np.ndarray) -> np.ndarray:
    out = weight[np.maximum(rows, 0), np.arange(weight.shape[1])]
    out[rows < 0] = 0
    return out


def _max_vjp(g: Any, weight_shape: tuple, rows: Any) -> Any:
    empty = E.LT(rows, 0)
    src = E.MASKED_FILL(g, empty, value=0.0)
    index = E.MASKED_FILL(rows, empty, value=0)
    return X.SCATTER_ADD(X._zeros(g, weight_shape), index, src, dim=0)


EMBEDDING_BAG_MAX = linear("embedding_bag_max", _embedding_bag_max, "EmbeddingBagBackward0",
                           _max_vjp, args=("weight", "rows"),
                           doc="weight[rows[b, j], j] for each bag b and column j (zero where "
                               "rows is -1): nn.functional.embedding_bag's max.")


# -- batching rules --------------------------------------------------------------------------------
# A batch of tables folds into the columns, (B, n, dim) -> (n, B * dim): every op here treats
# the columns of the table independently, so one call serves the whole batch.
def _columns(x: Any, level: Any) -> Any:
    from .._vmap import _rules as V
    v = V._front(x, level)
    batch, rows, dim = v.shape
    return S.RESHAPE(S.TRANSPOSE(v, dim0=0, dim1=1), shape=(rows, batch * dim))


def _uncolumns(out: Any, batch: int, level: Any) -> Any:
    from .._vmap import _rules as V
    rows = out.shape[0]
    spread = S.RESHAPE(out, shape=(rows, batch, out.shape[1] // batch))
    return V.wrap(S.TRANSPOSE(spread, dim0=0, dim1=1), level)


def _bag_rule(level: Any, op: Any, args: tuple, params: dict) -> Any:
    """Batched tables: one call on the folded columns.  Batched lookups or weights: example by
    example."""
    from .._vmap import _rules as V
    if any(V._value(a, level) is not None for a in args[1:]):
        return V.fallback(level, op, args, params)
    out = op(_columns(args[0], level), *args[1:], **params)
    return _uncolumns(out, level.batch_size, level)


def _max_rule(level: Any, op: Any, args: tuple, params: dict) -> Any:
    """Tables and winning rows (both per example, or one repeated) folded into columns."""
    out = op(_columns(args[0], level), _columns(args[1], level), **params)
    return _uncolumns(out, level.batch_size, level)


def _declare_rules() -> None:
    from .._vmap import _rules as V
    V._declare(_bag_rule, "embedding_bag", "embedding_bag_max_rows")
    V._declare(_max_rule, "embedding_bag_max")


_declare_rules()
