"""Cases for tests/test_gradcheck.py's table (format: name -> (fn, [list of input-spec lists]);
see tests/core_alias_cases.py), for the registry ops of this family: ``_ops/index_scatter.py``,
``_ops/index_views.py`` and ``_ops/index_copies.py`` (scatter_reduce, index_fill, put, the
``*_scatter`` ops, diagonals, rot90, the ``*_copy`` ops, the split variants, fill)."""
from __future__ import annotations

import numpy as np

import tapegrad as tg


def U(*shape, lo=-1.0, hi=1.0):
    return ("u", shape, lo, hi)


def P(*shape):  # positive, away from zero (prod's rules divide by the factors)
    return ("u", shape, 0.5, 2.0)


def D(*shape):  # well-separated values: no ties for amax/amin
    return ("d", shape, 1.0, None)


IDX = tg.tensor([[0, 1, 2, 0], [2, 2, 1, 0]])  # scatter_reduce into dim 0 of a (3, 4)
IDX1 = tg.tensor([[1, 1], [0, 2], [3, 3]])     # ... into dim 1, index smaller than src
ROWS = tg.tensor([2, 0])
MASK = tg.tensor(np.array([[True, False, True, False], [False, True, True, True],
                           [True, False, False, False]]))


def _sr(reduce, include_self, dim=0, index=IDX):
    return lambda x, s: tg.scatter_reduce(x, dim, index, s, reduce, include_self=include_self)


def _split_sum(pieces):
    return tuple(p * (k + 1) for k, p in enumerate(pieces))


CASES = {
    "scatter_reduce_sum": (_sr("sum", True), [[U(3, 4), U(2, 4)]]),
    "scatter_reduce_sum_noself": (_sr("sum", False, 1, IDX1), [[U(3, 4), U(3, 3)]]),
    "scatter_reduce_mean": (_sr("mean", True), [[U(3, 4), U(2, 4)]]),
    "scatter_reduce_mean_noself": (_sr("mean", False), [[U(3, 4), U(2, 4)]]),
    "scatter_reduce_prod": (_sr("prod", True), [[P(3, 4), P(2, 4)]]),
    "scatter_reduce_prod_noself": (_sr("prod", False), [[P(3, 4), P(2, 4)]]),
    "scatter_reduce_amax": (_sr("amax", True), [[D(3, 4), D(2, 4)]]),
    "scatter_reduce_amin_noself": (_sr("amin", False), [[D(3, 4), D(2, 4)]]),
    "index_reduce": (lambda x, s: tg.index_reduce(x, 0, ROWS, s, "mean"),
                     [[U(3, 4), U(2, 4)]]),
    "scatter_value": (lambda x: tg.scatter(x, 0, IDX, 0.5), [[U(3, 4)]]),
    "index_fill": (lambda x: x.index_fill(1, ROWS, -0.5), [[U(3, 4)]]),
    "index_fill_tensor": (lambda x, v: x.index_fill(0, tg.tensor([2, 2]), v.sum()),
                          [[U(3, 4), U(2)]]),
    "index_copy": (lambda x, s: x.index_copy(1, ROWS, s), [[U(3, 4), U(3, 2)]]),
    "masked_scatter": (lambda x, s: x.masked_scatter(MASK, s), [[U(3, 4), U(9)]]),
    "put": (lambda x, s: x.put(tg.tensor([1, -1, 5]), s), [[U(3, 4), U(3)]]),
    "put_accumulate": (lambda x, s: x.put(tg.tensor([1, 1, 5]), s, accumulate=True),
                       [[U(3, 4), U(3)]]),
    "index_put_accumulate": (lambda x, v: x.index_put((tg.tensor([0, 0, 2]),), v,
                                                      accumulate=True),
                             [[U(3, 4), U(3, 4)], [U(3, 4), U(4)]]),
    "select_scatter": (lambda x, s: tg.select_scatter(x, s, 1, -1), [[U(3, 4), U(3)]]),
    "slice_scatter": (lambda x, s: tg.slice_scatter(x, s, 1, 0, None, 2), [[U(3, 4), U(3, 2)]]),
    "diagonal_scatter": (lambda x, s: tg.diagonal_scatter(x, s, 1, 0, 2),
                         [[U(2, 3, 4), U(3, 2)]]),
    "diagonal_nd": (lambda x: x.diagonal(-1, 2, 0), [[U(2, 3, 4)]]),
    "diag_embed_dims": (lambda x: tg.diag_embed(x, 1, 0, 2), [[U(2, 3)]]),
    "diagflat": (lambda x: tg.diagflat(x, -1), [[U(2, 2)]]),
    "rot90": (lambda x: tg.rot90(x, 1, (2, 0)), [[U(2, 3, 4)]]),
    "narrow_copy": (lambda x: x.narrow_copy(1, 1, 2), [[U(3, 4)]]),
    "alias_copy": (tg.alias_copy, [[U(3, 4)]]),
    "diagonal_copy": (lambda x: tg.diagonal_copy(x, 0, 1, 2), [[U(2, 3, 4)]]),
    "expand_copy": (lambda x: tg.expand_copy(x, (2, 3, 4)), [[U(3, 1)]]),
    "permute_copy": (lambda x: tg.permute_copy(x, (2, 0, 1)), [[U(2, 3, 4)]]),
    "select_copy": (lambda x: tg.select_copy(x, 1, 2), [[U(2, 3, 4)]]),
    "squeeze_copy": (tg.squeeze_copy, [[U(3, 1, 4)]]),
    "squeeze_dim_copy": (lambda x: tg.squeeze_copy(x, 1), [[U(3, 1, 4)]]),
    "squeeze_dims_copy": (lambda x: tg.squeeze_copy(x, (1, 2)), [[U(3, 1, 1)]]),
    "t_copy": (tg.t_copy, [[U(3, 4)]]),
    "transpose_copy": (lambda x: tg.transpose_copy(x, 0, 2), [[U(2, 3, 4)]]),
    "unfold_copy": (lambda x: tg.unfold_copy(x, 1, 2, 1), [[U(3, 4)]]),
    "unsqueeze_copy": (lambda x: tg.unsqueeze_copy(x, 1), [[U(3, 4)]]),
    "view_copy": (lambda x: tg.view_copy(x, (4, 3)), [[U(3, 4)]]),
    "slice_copy": (lambda x: tg.slice_copy(x, 1, 1, None, 2), [[U(3, 4)]]),
    "split_with_sizes": (lambda x: _split_sum(x.split_with_sizes([1, 3], 1)), [[U(3, 4)]]),
    "split_unsafe": (lambda x: _split_sum(x.unsafe_split(2, 0)), [[U(3, 4)]]),
    "unsafe_split_with_sizes": (lambda x: _split_sum(tg.unsafe_split_with_sizes(x, [2, 2], 1)),
                                [[U(3, 4)]]),
    "split_copy": (lambda x: _split_sum(tg.split_copy(x, 3, 1)), [[U(3, 4)]]),
    "split_with_sizes_copy": (lambda x: _split_sum(tg.split_with_sizes_copy(x, [2, 1])),
                              [[U(3, 4)]]),
    "unbind_copy": (lambda x: _split_sum(tg.unbind_copy(x, 1)), [[U(3, 4)]]),
    "fill_out": (lambda x: tg.fill(x, 0.5) * x, [[U(3, 4)]]),
    "fill_out_tensor": (lambda x, v: tg.fill(x, v.sum()) * x, [[U(3, 4), U(2)]]),
}
INDIRECT: set = set()
