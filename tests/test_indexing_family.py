"""The selecting and shaping family (scatter_reduce, index_fill, put, the *_scatter and *_copy
functions, tensor_split, rot90, unique_consecutive, ...) against real torch: values, dtypes,
grad_fn names, gradients, warnings, error types and messages.

Every case is a function ``f(m, *tensors)`` run once with ``m = torch`` and once with
``m = tapegrad`` on the same float64 inputs; the expected values are torch's.
"""
from __future__ import annotations

import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")
import tapegrad as tg  # noqa: E402

_rng = np.random.default_rng(3)
A = _rng.uniform(-1, 1, (3, 4))
POS = _rng.uniform(0.5, 2.0, (3, 4))
SRC = _rng.uniform(-1, 1, (2, 4))
SRC_POS = _rng.uniform(0.5, 2.0, (2, 4))
B = _rng.uniform(-1, 1, (2, 3, 4))
V3 = _rng.uniform(-1, 1, 3)
M32 = _rng.uniform(-1, 1, (3, 2))
D = (np.arange(12.0).reshape(3, 4) * 0.37) % 1.9  # distinct values, with ties against SRC_T
SRC_T = np.array([[D[0, 0], 0.1, 5.0, D[0, 3]], [0.2, D[2, 1], -1.0, 0.3]])  # ties for amax
MASK = A > 0
Z = np.array([[2.0, 0.0, 3.0, 1.0], [0.0, 5.0, 1.0, 0.0], [1.0, 1.0, 0.0, 2.0]])  # zero factors
Z_SRC = np.array([[0.0, 2.0, 0.0, 3.0], [4.0, 0.0, 0.0, 0.0]])


def _ix(m, values):
    return m.tensor(values)


CASES = {
    # name: (fn(m, *tensors), inputs)
    **{f"scatter_reduce_{r}_{inc}": (
        (lambda r, inc: lambda m, x, s: x.scatter_reduce(
            0, _ix(m, [[0, 1, 2, 0], [2, 2, 1, 0]]), s, r, include_self=inc))(r, inc),
        [POS, SRC_POS] if r == "prod" else [A, SRC])
       for r in ("sum", "prod", "mean", "amax", "amin") for inc in (True, False)},
    **{f"scatter_reduce_prod_zeros_{inc}": (
        (lambda inc: lambda m, x, s: x.scatter_reduce(
            0, _ix(m, [[0, 1, 2, 0], [0, 0, 2, 2]]), s, "prod", include_self=inc))(inc),
        [Z, Z_SRC]) for inc in (True, False)},
    "scatter_reduce_ties": (lambda m, x, s: x.scatter_reduce(
        0, _ix(m, [[0, 2, 2, 0], [1, 2, 0, 0]]), s, "amax"), [D, SRC_T]),
    "scatter_reduce_dim1": (lambda m, x, s: m.scatter_reduce(
        x, 1, _ix(m, [[3, 3], [0, 1], [2, 2]]), s, "mean", include_self=False), [A, M32]),
    "scatter_value": (lambda m, x: x.scatter(1, _ix(m, [[0, 2], [1, 1], [3, 0]]), -0.25), [A]),
    "index_fill": (lambda m, x: x.index_fill(1, _ix(m, [2, 0, -1]), 0.75), [A]),
    "index_fill_tensor": (lambda m, x, v: x.index_fill(0, _ix(m, [2, 2]), v.sum()), [A, V3]),
    "index_copy": (lambda m, x, s: x.index_copy(1, _ix(m, [3, 0]), s), [A, M32]),
    "masked_scatter": (lambda m, x, s: x.masked_scatter(m.tensor(MASK), s.reshape(-1)), [A, B]),
    "masked_scatter_bcast": (lambda m, x, s: x.masked_scatter(
        m.tensor([True, False, False, True]), s.reshape(-1)), [A, B]),
    "put": (lambda m, x, s: x.put(_ix(m, [-1, 0, 6]), s), [A, V3]),
    "put_accumulate": (lambda m, x, s: x.put(_ix(m, [1, 1, 6]), s, accumulate=True), [A, V3]),
    "index_put_accumulate": (lambda m, x, s: x.index_put(
        (_ix(m, [0, 0, 2]), _ix(m, [1, 1, 3])), s, accumulate=True), [A, V3]),
    "index_put_row_accumulate": (lambda m, x, s: x.index_put(
        (_ix(m, [0, 0]),), s[0], accumulate=True), [A, SRC]),
    "index_put": (lambda m, x, s: x.index_put((_ix(m, [0, 2]), _ix(m, [1, 1])), s[:2]),
                  [A, V3]),
    "index_reduce_prod": (lambda m, x, s: x.index_reduce(0, _ix(m, [0, 2]), s, "prod"),
                          [POS, SRC_POS]),
    "index_reduce_amin": (lambda m, x, s: x.index_reduce(0, _ix(m, [2, 2]), s, "amin",
                                                         include_self=False), [A, SRC]),
    "take_along_dim": (lambda m, x: x.take_along_dim(_ix(m, [[2, 0, 1, 1]]), 0), [A]),
    "take_along_dim_flat": (lambda m, x: m.take_along_dim(x, _ix(m, [0, 11, 5])), [A]),
    "take_along_dim_bcast": (lambda m, x: x.take_along_dim(_ix(m, [[[1], [0], [3]]]), 2), [B]),
    "select": (lambda m, x: x.select(1, -1), [B]),
    "select_scatter": (lambda m, x, s: m.select_scatter(x, s, 1, 0), [A, V3]),
    "slice_scatter": (lambda m, x, s: m.slice_scatter(x, s, 1, 0, None, 2), [A, M32]),
    "slice_scatter_default": (lambda m, x, s: x.slice_scatter(s[:2], start=1), [A, A]),
    "diagonal_scatter": (lambda m, x, s: m.diagonal_scatter(x, s[:, :2], 1, 0, 2), [B, M32]),
    "diagonal": (lambda m, x: x.diagonal(-1, 2, 0), [B]),
    "diagonal_2d": (lambda m, x: m.diagonal(x, 1), [A]),
    "diag_embed": (lambda m, x: m.diag_embed(x, 1, 0, 2), [A]),
    "diag_embed_default": (lambda m, x: x.diag_embed(), [B]),
    "diagflat": (lambda m, x: m.diagflat(x, -1), [M32]),
    "fill_diagonal": (lambda m, x: (x * 1).fill_diagonal_(0.5), [A]),
    "tensor_split": (lambda m, x: x.tensor_split(3, dim=-1), [B]),
    "tensor_split_indices": (lambda m, x: m.tensor_split(x, [1, 3], 2), [B]),
    "hsplit": (lambda m, x: x.hsplit([1]), [B]),
    "vsplit": (lambda m, x: m.vsplit(x, 2), [B]),
    "dsplit": (lambda m, x: x.dsplit(2), [B]),
    "split_with_sizes": (lambda m, x: x.split_with_sizes([1, 3], 1), [A]),
    "unsafe_split": (lambda m, x: m.unsafe_split(x, 3, 1), [A]),
    "unsafe_split_with_sizes": (lambda m, x: x.unsafe_split_with_sizes([2, 1]), [A]),
    "unsafe_chunk": (lambda m, x: x.unsafe_chunk(2, -1), [B]),
    "rot90": (lambda m, x: x.rot90(), [A]),
    "rot90_neg": (lambda m, x: m.rot90(x, -3, [2, 0]), [B]),
    "fliplr": (lambda m, x: x.fliplr(), [B]),
    "flipud": (lambda m, x: m.flipud(x), [A]),
    "sum_to_size": (lambda m, x: x.sum_to_size(3, 1), [B]),
    "sum_to_size_keep": (lambda m, x: x.sum_to_size((1, 3, 4)), [B]),
    "narrow_copy": (lambda m, x: x.narrow_copy(1, -3, 2), [A]),
    "alias_copy": (lambda m, x: m.alias_copy(x), [A]),
    "diagonal_copy": (lambda m, x: m.diagonal_copy(x, 0, 1, 2), [B]),
    "expand_copy": (lambda m, x: m.expand_copy(x[:1], (2, 3, -1)), [A]),
    "permute_copy": (lambda m, x: m.permute_copy(x, (2, 0, 1)), [B]),
    "select_copy": (lambda m, x: m.select_copy(x, 2, 1), [B]),
    "slice_copy": (lambda m, x: m.slice_copy(x, 1, 1, None, 2), [A]),
    "split_copy": (lambda m, x: m.split_copy(x, 3, 1), [A]),
    "split_with_sizes_copy": (lambda m, x: m.split_with_sizes_copy(x, [2, 1]), [A]),
    "squeeze_copy": (lambda m, x: m.squeeze_copy(x[:, :1]), [A]),
    "squeeze_copy_dim": (lambda m, x: m.squeeze_copy(x[:, :1], 1), [A]),
    "squeeze_copy_dims": (lambda m, x: m.squeeze_copy(x[:, :1], (0, 1)), [A]),
    "t_copy": (lambda m, x: m.t_copy(x), [A]),
    "transpose_copy": (lambda m, x: m.transpose_copy(x, 0, -1), [B]),
    "unbind_copy": (lambda m, x: m.unbind_copy(x, 1), [A]),
    "unfold_copy": (lambda m, x: m.unfold_copy(x, 1, 2, 1), [A]),
    "unsqueeze_copy": (lambda m, x: m.unsqueeze_copy(x, -1), [A]),
    "view_copy": (lambda m, x: m.view_copy(x, (4, -1)), [A]),
    "fill": (lambda m, x: m.fill(x, 0.5), [A]),
    "fill_tensor": (lambda m, x, v: m.fill(x, v.sum()), [A, V3]),
    "fill_": (lambda m, x: m.fill_(x * 1, 2.0), [A]),
    "zero_": (lambda m, x: m.zero_(x * 1), [A]),
    "scatter_reduce_": (lambda m, x, s: (x * 1).scatter_reduce_(
        0, _ix(m, [[1, 1, 0, 2]]), s[:1], "amin"), [A, SRC]),
    "index_fill_": (lambda m, x: (x * 1).index_fill_(0, _ix(m, [1]), -2.0), [A]),
    "index_copy_": (lambda m, x, s: (x * 1).index_copy_(1, _ix(m, [3, 0]), s), [A, M32]),
    "index_put_": (lambda m, x, s: (x * 1).index_put_((_ix(m, [1]),), s[0]), [A, SRC]),
    "put_": (lambda m, x, s: (x * 1).put_(_ix(m, [2, 4, 7]), s, accumulate=True), [A, V3]),
    "masked_scatter_": (lambda m, x, s: (x * 1).masked_scatter_(m.tensor(MASK), s.reshape(-1)),
                        [A, B]),
}


# Cases whose zero gradients may differ from torch's in sign (none: _ops/shape.py's index_put
# and CopySlices write exact +0.0, as torch does)
_SIGNED_ZEROS: set = set()


def _outputs(out):
    return list(out) if isinstance(out, (tuple, list)) else [out]


def _run(m, fn, arrays):
    xs = [m.tensor(a, requires_grad=True) for a in arrays]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        outs = _outputs(fn(m, *xs))
    weights = [m.tensor(np.linspace(-1.0, 2.0, int(np.prod(o.shape))).reshape(tuple(o.shape)))
               for o in outs]
    total = sum((o * w).sum() for o, w in zip(outs, weights))
    grads = m.autograd.grad(total, xs, allow_unused=True)
    return outs, grads


@pytest.mark.parametrize("name", sorted(CASES))
def test_values_grad_fn_and_gradients_match_torch(name):
    fn, arrays = CASES[name]
    t_outs, t_grads = _run(torch, fn, arrays)
    g_outs, g_grads = _run(tg, fn, arrays)
    assert len(t_outs) == len(g_outs)
    for t, g in zip(t_outs, g_outs):
        assert tuple(g.shape) == tuple(t.shape)
        assert str(g.dtype).replace("tapegrad", "torch") == str(t.dtype)
        assert type(g.grad_fn).__name__ == type(t.grad_fn).__name__
        np.testing.assert_allclose(g.detach().numpy(), t.detach().numpy(), rtol=1e-12,
                                   atol=1e-12)
    for t, g in zip(t_grads, g_grads):
        assert (t is None) == (g is None)
        if t is not None:
            np.testing.assert_allclose(g.numpy(), t.numpy(), rtol=1e-10, atol=1e-12)
            if name not in _SIGNED_ZEROS:  # +0.0 where a place was overwritten, as torch's
                assert not np.signbit(g.numpy()[g.numpy() == 0]).any()


# -- integer and bool results, shapes of empty results ---------------------------------------------
RUNS = np.array([1, 1, 2, 2, 3, 1, 1, 2])
VALUES = {
    "unique_consecutive": lambda m: m.unique_consecutive(m.tensor(RUNS)),
    "unique_consecutive_all": lambda m: m.tensor(RUNS).reshape(2, 4).unique_consecutive(
        return_inverse=True, return_counts=True),
    "unique_consecutive_dim": lambda m: m.unique_consecutive(
        m.tensor([[1, 2], [1, 2], [3, 4], [1, 2]]), return_inverse=True, return_counts=True,
        dim=0),
    "unique_consecutive_dim1": lambda m: m.unique_consecutive(
        m.tensor([[1.0, 1.0, 2.0], [2.0, 2.0, 2.0]]), return_inverse=True, dim=1),
    "unique_consecutive_0d": lambda m: m.unique_consecutive(m.tensor(3.0), return_inverse=True,
                                                            return_counts=True),
    "unique_consecutive_empty": lambda m: m.unique_consecutive(
        m.tensor([]), return_inverse=True, return_counts=True),
    "isin": lambda m: m.isin(m.tensor(RUNS), m.tensor([1, 3])),
    "isin_number": lambda m: m.isin(m.tensor(RUNS), 2, invert=True),
    "isin_number_first": lambda m: m.isin(3, m.tensor(RUNS)),
    "isin_mixed": lambda m: m.isin(m.tensor([0.5, 1.0]), m.tensor([1, 3]), assume_unique=True),
    "unravel_index": lambda m: m.unravel_index(m.tensor([4, 1, 7]), (2, 3)),
    "unravel_index_int": lambda m: m.unravel_index(m.tensor(5), 6),
    "unravel_index_2d": lambda m: m.unravel_index(m.tensor([[3]]), (2, 2, 2)),
    "argwhere": lambda m: m.argwhere(m.tensor(A) > 0),
    "argwhere_0d": lambda m: m.tensor(1.0).argwhere(),
    "nonzero_empty": lambda m: m.zeros(0, 3).nonzero(),
    "nonzero_empty_3d": lambda m: m.zeros(2, 0, 3).nonzero(),
    "nonzero_0d_zero": lambda m: m.tensor(0.0).nonzero(),
    "nonzero_0d": lambda m: m.tensor(2).nonzero(),
    "nonzero_tuple_empty": lambda m: m.zeros(0).nonzero(as_tuple=True),
    "nonzero_tuple_0d": lambda m: m.tensor(5).nonzero(as_tuple=True),
    "nonzero_static_pad": lambda m: m.nonzero_static(m.tensor([0, 1, 2, 0]), size=4),
    "nonzero_static_cut": lambda m: m.tensor([[0, 1], [2, 0]]).nonzero_static(
        size=1, fill_value=9),
    "scatter_add_reduce": lambda m: m.zeros(2, 3).scatter(
        0, m.tensor([[1, 0, 1]]), m.ones(1, 3), reduce="add"),
    "scatter_multiply_value": lambda m: m.full((2, 3), 2.0).scatter(
        0, m.tensor([[1, 0, 1]]), 3.0, reduce="multiply"),
    "scatter_reduce_int_mean": lambda m: m.tensor([5, 7, 9]).scatter_reduce(
        0, m.tensor([0, 0, 2]), m.tensor([2, 3, 4]), "mean"),
    "scatter_value_int": lambda m: m.zeros(3, dtype=m.int64).scatter(0, m.tensor([0]), 2.7),
    "fill_diagonal_wrap": lambda m: m.zeros(7, 3).fill_diagonal_(2, wrap=True),
    "fill_diagonal_cube": lambda m: m.zeros(2, 2, 2, dtype=m.int64).fill_diagonal_(2.7),
    "view_copy_dtype": lambda m: m.view_copy(m.tensor([1.0, -2.0]), m.int64),
    "tensor_split_backwards": lambda m: m.arange(7).tensor_split([6, 2]),
    "tensor_split_tensor": lambda m: m.arange(7).tensor_split(m.tensor([1, 5])),
    "tensor_split_0d_tensor": lambda m: m.arange(7).tensor_split(m.tensor(3)),
    "tensor_split_sections": lambda m: m.tensor_split(m.arange(7), sections=2),
    "unsafe_chunk_empty": lambda m: m.ones(0).unsafe_chunk(2),
    "hsplit_1d": lambda m: m.arange(6).hsplit(3),
    "is_same_size": lambda m: (m.ones(2, 3).is_same_size(m.zeros(2, 3)),
                               m.is_same_size(m.ones(2), m.ones(3))),
    "is_nonzero": lambda m: (m.tensor([0.0]).is_nonzero(), m.is_nonzero(m.tensor(2))),
    "diagonal_is_a_view": lambda m: (lambda x: (x.diagonal(1).fill_(1.0), x.diagonal(0, 1, 2)
                                                 .add_(2.0), x)[2])(m.zeros(2, 3, 3)),
    "flip_list": lambda m: (m.flip(m.tensor(A), [1, 0]), m.tensor(A).flip(-1),
                            m.tensor(A).flip(dims=[0])),
}


def _plain(out):
    if isinstance(out, (tuple, list)):
        return [_plain(o) for o in out]
    if isinstance(out, bool):
        return out
    return (str(out.dtype).split(".")[-1], tuple(out.shape), out.tolist())


@pytest.mark.parametrize("name", sorted(VALUES))
def test_results_match_torch(name):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert _plain(VALUES[name](tg)) == _plain(VALUES[name](torch))


# -- errors --------------------------------------------------------------------------------------------
X = np.zeros((2, 3), np.float32)
ERRORS = {
    "scatter_bad_reduce": lambda m: m.tensor(X).scatter(0, m.tensor([[0]]), 1.0, reduce="max"),
    "scatter_reduce_dtype": lambda m: m.tensor(X).scatter_reduce(
        0, m.tensor([[0]]), m.ones(1, 1, dtype=m.float64), "sum"),
    "scatter_reduce_index_dtype": lambda m: m.tensor(X).scatter_reduce(
        0, m.tensor([[0.0]]), m.ones(1, 1), "sum"),
    "scatter_reduce_bounds": lambda m: m.tensor(X).scatter_reduce(
        0, m.tensor([[0, 5, 1]]), m.ones(1, 3), "sum"),
    "index_fill_dtype": lambda m: m.tensor(X).index_fill(0, m.tensor([0.0]), 2),
    "index_fill_bounds": lambda m: m.tensor(X).index_fill(0, m.tensor([3]), 2),
    "index_fill_value": lambda m: m.tensor(X).index_fill(0, m.tensor([0]), m.tensor([2.0, 3])),
    "index_fill_matrix": lambda m: m.tensor(X).index_fill(0, m.tensor([[0]]), 1.0),
    "index_copy_dtype": lambda m: m.tensor(X).index_copy(
        0, m.tensor([0]), m.ones(1, 3, dtype=m.float64)),
    "index_copy_bounds": lambda m: m.tensor(X).index_copy(0, m.tensor([-1]), m.ones(1, 3)),
    "index_copy_count": lambda m: m.tensor(X).index_copy(0, m.tensor([0]), m.ones(2, 3)),
    "index_copy_slice": lambda m: m.tensor(X).index_copy(0, m.tensor([0]), m.ones(1, 2)),
    "index_copy_index_dtype": lambda m: m.tensor(X).index_copy(0, m.tensor([0.0]), m.ones(1, 3)),
    "masked_scatter_mask": lambda m: m.tensor(X).masked_scatter(m.tensor([1, 0, 1]), m.ones(6)),
    "masked_scatter_dtype": lambda m: m.tensor(X).masked_scatter(
        m.tensor([True, False, True]), m.arange(6)),
    "masked_scatter_short": lambda m: m.tensor(X).masked_scatter(m.tensor(X) == 0, m.ones(2)),
    "put_bounds": lambda m: m.tensor(X).put(m.tensor([7]), m.ones(1)),
    "put_count": lambda m: m.tensor(X).put(m.tensor([1, 0]), m.ones(3)),
    "put_dtype": lambda m: m.tensor(X).put(m.tensor([1, 0]), m.tensor([5, 6])),
    "put_index": lambda m: m.tensor(X).put(m.tensor([1.0, 0]), m.ones(2)),
    "take_along_dim_ndim": lambda m: m.tensor(X).take_along_dim(m.tensor([0]), 1),
    "index_put_shape": lambda m: m.tensor(X).index_put((m.tensor([0]),), m.ones(4)),
    "index_put_dtype": lambda m: m.tensor(X).index_put((m.tensor([0]),), m.tensor(1)),
    "index_put_not_tuple": lambda m: m.tensor(X).index_put(m.tensor([0]), m.tensor(1.0)),
    "index_reduce_sum": lambda m: m.tensor(X).index_reduce(0, m.tensor([0]), m.ones(1, 3), "sum"),
    "select_range": lambda m: m.tensor(X).select(0, 5),
    "select_dim": lambda m: m.tensor(X).select(2, 0),
    "select_0d": lambda m: m.tensor(1.0).select(0, 0),
    "select_scatter_size": lambda m: m.select_scatter(m.tensor(X), m.ones(2), 0, 0),
    "slice_scatter_size": lambda m: m.slice_scatter(m.tensor(X), m.ones(2, 3), 1, 0, 2),
    "diagonal_scatter_size": lambda m: m.diagonal_scatter(m.zeros(3, 3), m.ones(3), 1),
    "diagonal_same_dims": lambda m: m.tensor(X).diagonal(0, 0, -2),
    "diagonal_dim_range": lambda m: m.zeros(2, 3, 4).diagonal(0, 1, 3),
    "diag_embed_same_dims": lambda m: m.diag_embed(m.tensor(X), 0, 0, 0),
    "fill_diagonal_unequal": lambda m: m.zeros(2, 3, 3).fill_diagonal_(1),
    "fill_diagonal_1d": lambda m: m.zeros(3).fill_diagonal_(1),
    "tensor_split_zero": lambda m: m.arange(7).tensor_split(0),
    "tensor_split_2d_tensor": lambda m: m.arange(7).tensor_split(m.tensor([[1]])),
    "hsplit_divisible": lambda m: m.tensor(X).hsplit(2),
    "hsplit_0d": lambda m: m.tensor(1.0).hsplit(1),
    "vsplit_divisible": lambda m: m.tensor(X).vsplit(3),
    "dsplit_rank": lambda m: m.tensor(X).dsplit(1),
    "split_with_sizes_sum": lambda m: m.tensor(X).split_with_sizes([1, 1], 1),
    "split_with_sizes_negative": lambda m: m.ones(3).split_with_sizes([4, -1]),
    "unsafe_split_negative": lambda m: m.ones(3).unsafe_split(-1),
    "unsafe_split_zero": lambda m: m.ones(3).unsafe_split(0),
    "rot90_same_dims": lambda m: m.tensor(X).rot90(1, [0, 0]),
    "rot90_one_dim": lambda m: m.tensor(X).rot90(1, [0]),
    "rot90_1d": lambda m: m.ones(3).rot90(),
    "fliplr_1d": lambda m: m.ones(3).fliplr(),
    "flipud_0d": lambda m: m.tensor(1.0).flipud(),
    "flip_repeated": lambda m: m.tensor(X).flip(0, 0),
    "flip_repeated_negative": lambda m: m.flip(m.tensor(X), [1, -1]),
    "flip_int": lambda m: m.flip(m.tensor(X), 0),
    "sum_to_size_bad": lambda m: m.tensor(X).sum_to_size(3, 3),
    "sum_to_size_longer": lambda m: m.tensor(X).sum_to_size(1, 1, 3),
    "is_nonzero_many": lambda m: m.tensor(X).is_nonzero(),
    "is_nonzero_empty": lambda m: m.tensor([]).is_nonzero(),
    "narrow_copy_range": lambda m: m.tensor(X).narrow_copy(1, 2, 5),
    "unravel_index_float": lambda m: m.unravel_index(m.tensor(1.0), (2,)),
    "unravel_index_negative": lambda m: m.unravel_index(m.tensor(5), (-1, 3)),
    "unique_consecutive_dim": lambda m: m.unique_consecutive(m.tensor(X), dim=3),
    "fill_vector_value": lambda m: m.fill(m.ones(2), m.tensor([1.0, 2])),
    "t_copy_3d": lambda m: m.t_copy(m.zeros(2, 3, 4)),
    "permute_copy_short": lambda m: m.permute_copy(m.zeros(2, 3, 4), (0, 1)),
    "view_copy_size": lambda m: m.view_copy(m.tensor(X), (5,)),
}


def _error(fn, m):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(Exception) as info:
            fn(m)
    message = str(info.value).split("\n")[0].replace("tapegrad.", "torch.")  # dtype reprs
    return type(info.value).__name__, message


@pytest.mark.parametrize("name", sorted(ERRORS))
def test_errors_match_torch(name):
    assert _error(ERRORS[name], tg) == _error(ERRORS[name], torch)


# -- warnings and the legacy scatter(reduce=) ----------------------------------------------------
def _warning_texts(m, fn):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fn(m)
    return [str(w.message).split(" (Triggered internally")[0] for w in caught]


_FIRST_WARNINGS = """
import warnings, torch
warnings.simplefilter("always")
with warnings.catch_warnings(record=True) as caught:
    torch.zeros(3).index_reduce(0, torch.tensor([0]), torch.ones(1), "amax")
    torch.zeros(2, 3).scatter(0, torch.tensor([[1, 0, 1]]), torch.ones(1, 3), reduce="add")
for w in caught:
    print(str(w.message).split(" (Triggered internally")[0])
"""


def test_beta_and_deprecation_warnings_match_torch():
    """torch warns once per process (TORCH_WARN_ONCE): its first warnings, in a fresh process."""
    import subprocess
    import sys
    expected = subprocess.run([sys.executable, "-c", _FIRST_WARNINGS], capture_output=True,
                              text=True, check=True).stdout.splitlines()
    from tapegrad import _selecting
    _selecting._warned_index_reduce = _selecting._warned_scatter_reduce = False

    def both(m):
        m.zeros(3).index_reduce(0, m.tensor([0]), m.ones(1), "amax")
        m.zeros(2, 3).scatter(0, m.tensor([[1, 0, 1]]), m.ones(1, 3), reduce="add")
    assert _warning_texts(tg, both) == expected and len(expected) == 2
    assert _warning_texts(tg, both) == []  # once per process


def test_scatter_value_with_reduce_does_not_warn():
    call = lambda m: m.zeros(2, 3).scatter(0, m.tensor([[1, 0, 1]]), 2.0, reduce="add")  # noqa
    assert _warning_texts(tg, call) == _warning_texts(torch, call) == []


def test_in_place_op_on_a_diagonal_reaches_the_base_and_its_gradient_matches_torch():
    def run(m):
        a = m.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=m.float64, requires_grad=True)
        b = m.tensor([5.0, 6.0], dtype=m.float64, requires_grad=True)
        y = a * 1
        d = y.diagonal()
        d.mul_(b)
        (y.sum() * 2 + d.sum()).backward()
        return y.tolist(), a.grad.tolist(), b.grad.tolist()
    assert run(tg) == run(torch)


def test_in_place_forms_write_into_self_and_record_the_op():
    x = tg.zeros(3, 4, dtype=tg.float64)
    src = tg.ones(1, 4, dtype=tg.float64, requires_grad=True)
    out = x.scatter_reduce_(0, tg.tensor([[0, 1, 2, 0]]), src, "sum")
    assert out is x and type(x.grad_fn).__name__ == "ScatterReduceBackward0"
    assert x.detach().numpy().sum() == 4.0
    y = tg.zeros(2, 3)
    assert y.put_(tg.tensor([5]), tg.tensor([2.0])) is y and y[1, 2].item() == 2.0
