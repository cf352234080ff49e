"""Layers, nn.functional's linear family, nn.init and nn.utils against real torch: seeded
initial values bit for bit, forward values, gradients, grad_fn names and error messages; the
fused ops (linear, embedding) under gradcheck, create_graph, forward mode and vmap."""
from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import tapegrad as tg
from tapegrad._ops._registry import REGISTRY

torch = pytest.importorskip("torch")


def _np(x):
    if hasattr(x, "detach"):
        x = x.detach()
    return np.asarray(x.numpy()) if hasattr(x, "numpy") else np.asarray(x)


def _both(fn, seed=0):
    out = []
    for m in (tg, torch):
        m.manual_seed(seed)
        out.append(fn(m))
    return out


def _text(x) -> str:
    return (x if isinstance(x, str) else repr(x)).replace("tapegrad", "torch")


def _error(fn, m):
    try:
        fn(m)
    except Exception as exc:  # noqa: BLE001
        return type(exc).__name__, _text(str(exc))
    return None


def _same_error(fn):
    ours, theirs = _error(fn, tg), _error(fn, torch)
    assert theirs is not None, "torch raised nothing"
    assert ours == theirs


def _assert_equal_arrays(ours, theirs):
    for a, b in zip(ours, theirs):
        a, b = _np(a), _np(b)
        assert a.dtype == b.dtype and a.shape == b.shape
        np.testing.assert_array_equal(a, b)


# -- seeded initial values -------------------------------------------------------------------------
@pytest.mark.parametrize("make", [
    lambda m: m.nn.Linear(3, 2), lambda m: m.nn.Linear(20, 7, bias=False),
    lambda m: m.nn.Linear(5, 4, dtype=m.float64), lambda m: m.nn.Linear(1, 1),
    lambda m: m.nn.Bilinear(3, 4, 5), lambda m: m.nn.Bilinear(2, 2, 1, bias=False),
    lambda m: m.nn.Embedding(6, 3), lambda m: m.nn.Embedding(6, 3, padding_idx=-2),
    lambda m: m.nn.Sequential(m.nn.Linear(4, 8), m.nn.Linear(8, 1), m.nn.Embedding(3, 2)),
])
@pytest.mark.parametrize("seed", [0, 42])
def test_seeded_parameters_equal_torch_bit_for_bit(make, seed):
    ours, theirs = _both(lambda m: list(make(m).state_dict().values()), seed)
    _assert_equal_arrays(ours, theirs)
    after = _both(lambda m: (make(m), m.rand(3))[1], seed)  # the same number of words drawn
    _assert_equal_arrays(*after)


@pytest.mark.parametrize("make", [
    lambda m: m.nn.Linear(3, 2), lambda m: m.nn.Linear(3, 2, bias=False),
    lambda m: m.nn.Bilinear(3, 4, 5), lambda m: m.nn.Identity(54, unused=1),
    lambda m: m.nn.Embedding(10, 3, padding_idx=1, max_norm=2.0, norm_type=1.0),
    lambda m: m.nn.Embedding(10, 3, scale_grad_by_freq=True, sparse=True),
    lambda m: m.nn.Flatten(), lambda m: m.nn.Flatten(0, 2), lambda m: m.nn.Unflatten(1, (2, 5)),
    lambda m: m.nn.Unflatten(-1, m.Size([2, 2])), lambda m: m.nn.Dropout(),
    lambda m: m.nn.Dropout(0.25, inplace=True), lambda m: m.nn.AlphaDropout(0.2),
    lambda m: m.nn.LazyLinear(4), lambda m: m.nn.LazyLinear(4, bias=False),
])
def test_layer_reprs_match_torch(make):
    ours, theirs = _both(lambda m: repr(make(m)))
    assert _text(ours) == theirs


# -- linear ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("shape", [(4,), (2, 4), (5, 2, 4), (2, 1, 3, 4), (0, 4)])
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_linear_values_gradients_and_grad_fn_match_torch(shape, bias, dtype):
    rng = np.random.default_rng(3)
    x0 = rng.standard_normal(shape).astype(dtype)
    g0 = rng.standard_normal(shape[:-1] + (3,)).astype(dtype)

    def run(m):
        layer = m.nn.Linear(4, 3, bias=bias, dtype=getattr(m, dtype))
        x = m.tensor(x0, requires_grad=True)
        y = layer(x)
        y.backward(m.tensor(g0))
        grads = [x.grad, layer.weight.grad] + ([layer.bias.grad] if bias else [])
        return y, type(y.grad_fn).__name__, grads

    ours, theirs = _both(run)
    assert ours[1] == theirs[1]
    tol = 1e-6 if dtype == "float32" else 1e-12
    np.testing.assert_allclose(_np(ours[0]), _np(theirs[0]), rtol=tol, atol=tol)
    assert _np(ours[0]).dtype == _np(theirs[0]).dtype
    for a, b in zip(ours[2], theirs[2]):
        np.testing.assert_allclose(_np(a), _np(b), rtol=tol * 10, atol=tol * 10)


@pytest.mark.parametrize("bad", [
    lambda m: m.nn.Linear(4, 5)(m.ones(2, 3)),
    lambda m: m.nn.Linear(4, 5)(m.ones(6, 2, 3)),
    lambda m: m.nn.Linear(4, 5)(m.ones(3)),
    lambda m: m.nn.Linear(4, 5, bias=False)(m.ones(2, 3)),
    lambda m: m.nn.Linear(4, 5)(m.ones(2, 4, dtype=m.float64)),
    lambda m: m.nn.Linear(4, 5)(m.ones(3, 2, 4, dtype=m.float64)),
    lambda m: m.nn.Linear(4, 5, bias=False)(m.ones(2, 4, dtype=m.float64)),
    lambda m: m.nn.functional.linear(m.ones(2, 4), m.ones(3, 4), m.ones(3, dtype=m.float64)),
    lambda m: m.nn.functional.linear(m.ones(2, 4), m.ones(3, 4), m.ones(2)),
    lambda m: m.nn.functional.linear(m.ones(()), m.ones(3, 4)),
])
def test_linear_errors_match_torch(bad):
    _same_error(bad)


def test_linear_refuses_bad_input_without_touching_parameters():
    layer = tg.nn.Linear(4, 5)
    before = _np(layer.weight).copy()
    with pytest.raises(RuntimeError, match=r"mat1 and mat2 shapes cannot be multiplied \(2x3 and "
                                           r"4x5\)"):
        layer(tg.ones(2, 3))
    np.testing.assert_array_equal(_np(layer.weight), before)
    assert layer.weight.grad is None


def test_fused_ops_pass_gradcheck_and_gradgradcheck():
    rng = np.random.default_rng(0)
    x = tg.tensor(rng.standard_normal((3, 4)), requires_grad=True)
    w = tg.tensor(rng.standard_normal((2, 4)), requires_grad=True)
    b = tg.tensor(rng.standard_normal(2), requires_grad=True)
    f = tg.nn.functional
    assert tg.autograd.gradcheck(f.linear, (x, w, b))
    assert tg.autograd.gradgradcheck(f.linear, (x, w, b))
    x3 = tg.tensor(rng.standard_normal((2, 3, 4)), requires_grad=True)
    assert tg.autograd.gradcheck(f.linear, (x3, w, b))
    table = tg.tensor(rng.standard_normal((5, 3)), requires_grad=True)
    idx = tg.tensor([[0, 2, 2], [4, 1, 0]])
    assert tg.autograd.gradcheck(lambda t: f.embedding(idx, t), (table,))
    assert tg.autograd.gradgradcheck(lambda t: f.embedding(idx, t) ** 2, (table,))
    u1 = tg.tensor(rng.standard_normal((2, 3)), requires_grad=True)
    u2 = tg.tensor(rng.standard_normal((2, 2)), requires_grad=True)
    wb = tg.tensor(rng.standard_normal((4, 3, 2)), requires_grad=True)
    assert tg.autograd.gradcheck(f.bilinear, (u1, u2, wb, b.new_ones(4).requires_grad_()))
    assert {"linear", "embedding"} <= set(REGISTRY)


def test_fused_ops_forward_mode_matches_reverse_mode():
    rng = np.random.default_rng(1)
    x, w, b = (tg.tensor(rng.standard_normal(s)) for s in ((3, 4), (2, 4), (2,)))
    tx, tw, tb = (tg.tensor(rng.standard_normal(s)) for s in ((3, 4), (2, 4), (2,)))
    _, tangent = tg.func.jvp(tg.nn.functional.linear, (x, w, b), (tx, tw, tb))
    want = tx @ w.t() + x @ tw.t() + tb
    np.testing.assert_allclose(_np(tangent), _np(want), rtol=1e-12)
    _, only_bias = tg.func.jvp(lambda bb: tg.nn.functional.linear(x, w, bb), (b,), (tb,))
    np.testing.assert_allclose(_np(only_bias), _np(tb.expand(3, 2)))
    table, t_table = tg.tensor(rng.standard_normal((5, 3))), tg.tensor(rng.standard_normal((5, 3)))
    idx = tg.tensor([4, 0, 4])
    _, t_out = tg.func.jvp(lambda t: tg.nn.functional.embedding(idx, t), (table,), (t_table,))
    np.testing.assert_array_equal(_np(t_out), _np(t_table)[[4, 0, 4]])


def test_fused_ops_under_vmap_match_a_loop():
    rng = np.random.default_rng(2)
    f = tg.nn.functional
    xs = tg.tensor(rng.standard_normal((4, 3, 5)))
    ws = tg.tensor(rng.standard_normal((4, 2, 5)))
    bs = tg.tensor(rng.standard_normal((4, 2)))
    w, b = ws[0], bs[0]
    for fn, dims, args in [(f.linear, (0, None, None), (xs, w, b)),
                           (f.linear, (0, 0, 0), (xs, ws, bs)),
                           (f.linear, (None, 0, None), (xs[0], ws, b))]:
        got = tg.func.vmap(fn, in_dims=dims)(*args)
        want = tg.stack([fn(*[a if d is None else a[i] for a, d in zip(args, dims)])
                         for i in range(4)])
        np.testing.assert_allclose(_np(got), _np(want), rtol=1e-12)
    tables = tg.tensor(rng.standard_normal((4, 6, 3)))
    idx = tg.tensor([[0, 5], [1, 1], [2, 0], [3, 4]])
    for dims, args in [((0, None), (idx, tables[0])), ((0, 0), (idx, tables)),
                       ((None, 0), (idx[0], tables))]:
        for pad in (None, 1):
            got = tg.func.vmap(lambda i, t: f.embedding(i, t, padding_idx=pad),
                               in_dims=dims)(*args)
            want = tg.stack([f.embedding(*[a if d is None else a[k] for a, d in zip(args, dims)],
                                         padding_idx=pad) for k in range(4)])
            np.testing.assert_array_equal(_np(got), _np(want))


def test_linear_create_graph_gives_second_derivatives_like_torch():
    def run(m):
        layer = m.nn.Linear(3, 2)
        x = m.tensor([[0.5, -1.0, 2.0]], requires_grad=True)
        (gx,) = m.autograd.grad((layer(x) ** 3).sum(), x, create_graph=True)
        (ggw,) = m.autograd.grad(gx.sum(), layer.weight)
        return gx, ggw

    ours, theirs = _both(run)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(_np(a), _np(b), rtol=1e-5)


# -- bilinear --------------------------------------------------------------------------------------
@pytest.mark.parametrize("lead", [(), (2,), (3, 2)])
@pytest.mark.parametrize("bias", [True, False])
def test_bilinear_matches_torch(lead, bias):
    def run(m):
        layer = m.nn.Bilinear(3, 4, 5, bias=bias)
        x1 = m.randn(*lead, 3, requires_grad=True)
        x2 = m.randn(*lead, 4, requires_grad=True)
        y = layer(x1, x2)
        y.sum().backward()
        return y, type(y.grad_fn).__name__, x1.grad, x2.grad, layer.weight.grad

    ours, theirs = _both(run)
    assert ours[1] == theirs[1]
    for a, b in zip(ours[:1] + ours[2:], theirs[:1] + theirs[2:]):
        np.testing.assert_allclose(_np(a), _np(b), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("bad", [
    lambda m: m.nn.functional.bilinear(m.ones(2, 3), m.ones(3, 4), m.ones(5, 3, 4)),
    lambda m: m.nn.functional.bilinear(m.ones(2, 3), m.ones(2, 3, 4), m.ones(5, 3, 4)),
    lambda m: m.nn.functional.bilinear(m.ones(2, 2), m.ones(2, 4), m.ones(5, 3, 4)),
    lambda m: m.nn.functional.bilinear(m.ones(2, 3), m.ones(2, 5), m.ones(5, 3, 4)),
    lambda m: m.nn.functional.bilinear(m.ones(2, 3), m.ones(2, 4), m.ones(5, 3, 4), m.ones(4)),
])
def test_bilinear_errors_match_torch(bad):
    _same_error(bad)


# -- embedding -------------------------------------------------------------------------------------
@pytest.mark.parametrize("padding_idx", [None, 0, 3, -1])
@pytest.mark.parametrize("index_dtype", ["int64", "int32"])
def test_embedding_values_and_gradients_match_torch(padding_idx, index_dtype):
    idx0 = np.array([[0, 3, 3], [4, 1, 0]], dtype=index_dtype)

    def run(m):
        emb = m.nn.Embedding(5, 2, padding_idx=padding_idx)
        y = emb(m.tensor(idx0))
        (y * m.arange(12.0).reshape(2, 3, 2)).sum().backward()
        return y, type(y.grad_fn).__name__, emb.weight.grad

    ours, theirs = _both(run)
    assert ours[1] == theirs[1] == "EmbeddingBackward0"
    _assert_equal_arrays([ours[0], ours[2]], [theirs[0], theirs[2]])


@pytest.mark.parametrize("bad", [
    lambda m: m.nn.Embedding(5, 2)(m.tensor([5])),
    lambda m: m.nn.Embedding(5, 2)(m.tensor([-1])),
    lambda m: m.nn.Embedding(5, 2)(m.tensor([1.0])),
    lambda m: m.nn.Embedding(5, 2)(m.tensor([True])),
    lambda m: m.nn.Embedding(5, 2, padding_idx=5),
    lambda m: m.nn.Embedding(5, 2, padding_idx=-6),
    lambda m: m.nn.functional.embedding(m.tensor([1]), m.ones(3)),
    lambda m: m.nn.Embedding.from_pretrained(m.ones(3)),
    lambda m: m.nn.Embedding(3, 2, _weight=m.ones(2, 2)),
])
def test_embedding_errors_match_torch(bad):
    _same_error(bad)


def test_embedding_from_pretrained_and_max_norm_match_torch():
    def run(m):
        table = m.tensor([[1.0, 2.0], [3.0, 4.0], [0.1, 0.1]])
        frozen = m.nn.Embedding.from_pretrained(table)
        free = m.nn.Embedding.from_pretrained(table, freeze=False, padding_idx=1)
        capped = m.nn.Embedding.from_pretrained(table.clone(), max_norm=1.5)
        out = capped(m.tensor([0, 2, 0]))
        return (frozen.weight.requires_grad, free.weight.requires_grad, repr(free),
                frozen(m.tensor([1])).tolist(), out.tolist(), capped.weight.tolist(),
                frozen.weight.data_ptr() == table.data_ptr())

    ours, theirs = _both(run)
    assert ours[:4] == theirs[:4] and ours[6] == theirs[6]
    np.testing.assert_allclose(ours[4], theirs[4], rtol=1e-6)
    np.testing.assert_allclose(ours[5], theirs[5], rtol=1e-6)


# -- one_hot ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("args", [([0, 2, 1], -1), ([0, 2], 4), ([[1], [0]], -1), ([], 3)])
def test_one_hot_matches_torch(args):
    values, n = args
    ours, theirs = _both(lambda m: m.nn.functional.one_hot(m.tensor(values, dtype=m.int64), n))
    _assert_equal_arrays([ours], [theirs])


@pytest.mark.parametrize("bad", [
    lambda m: m.nn.functional.one_hot(m.tensor([-1, 2]), 3),
    lambda m: m.nn.functional.one_hot(m.tensor([-1])),
    lambda m: m.nn.functional.one_hot(m.tensor([3]), 3),
    lambda m: m.nn.functional.one_hot(m.tensor([1.0]), 3),
    lambda m: m.nn.functional.one_hot(m.tensor([1], dtype=m.int32), 3),
    lambda m: m.nn.functional.one_hot(m.tensor([], dtype=m.int64)),
])
def test_one_hot_errors_match_torch(bad):
    _same_error(bad)


# -- dropout ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("p", [0.1, 0.5, 0.9, 1.0])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("seed", [0, 7])
def test_dropout_masks_equal_torch(p, dtype, seed):
    x0 = np.random.default_rng(seed).standard_normal((4, 33)).astype(dtype)

    def run(m):
        x = m.tensor(x0, requires_grad=True)
        y = m.nn.Dropout(p)(x)
        y.backward(m.ones_like(y))
        return y, x.grad, type(y.grad_fn).__name__, m.rand(2)

    ours, theirs = _both(run, seed)
    assert ours[2] == theirs[2] == "MulBackward0"
    _assert_equal_arrays([ours[0], ours[1], ours[3]], [theirs[0], theirs[1], theirs[3]])
    assert np.array_equal(np.signbit(_np(ours[0])), np.signbit(_np(theirs[0])))


def test_dropout_passes_through_when_off():
    x = tg.randn(3, requires_grad=True)
    assert tg.nn.functional.dropout(x, 0.0) is x
    assert tg.nn.functional.dropout(x, 0.5, training=False) is x
    layer = tg.nn.Dropout(0.5).eval()
    assert layer(x) is x
    _same_error(lambda m: m.nn.Dropout(1.5))
    _same_error(lambda m: m.nn.functional.dropout(m.ones(2), -0.1))

    def inplace(m):
        y = m.ones(2, 50)
        out = m.nn.functional.dropout(y, 0.5, inplace=True)
        return out is y, y

    ours, theirs = _both(inplace)
    assert ours[0] and theirs[0]
    _assert_equal_arrays([ours[1]], [theirs[1]])


@pytest.mark.parametrize("p", [0.2, 0.5])
def test_alpha_dropout_matches_torch(p):
    x0 = np.random.default_rng(4).standard_normal((3, 20)).astype("float32")
    ours, theirs = _both(lambda m: m.nn.AlphaDropout(p)(m.tensor(x0)))
    np.testing.assert_allclose(_np(ours), _np(theirs), rtol=1e-6, atol=1e-6)


def test_flatten_unflatten_match_torch():
    def run(m):
        x = m.arange(24.0).reshape(2, 3, 4).requires_grad_()
        a = m.nn.Flatten()(x)
        b = m.nn.Flatten(0, 1)(x)
        c = m.nn.Unflatten(2, (2, 2))(x)
        return [tuple(t.shape) for t in (a, b, c)], [type(t.grad_fn).__name__ for t in (a, b, c)]

    ours, theirs = _both(run)
    assert ours == theirs
    _same_error(lambda m: m.nn.Unflatten(1, 3))
    _same_error(lambda m: m.nn.Unflatten(1, (2, 2.0)))


# -- nn.init ---------------------------------------------------------------------------------------
INITS = [
    lambda m, t: m.nn.init.uniform_(t, -2.0, 3.0),
    lambda m, t: m.nn.init.normal_(t, 1.0, 0.5),
    lambda m, t: m.nn.init.constant_(t, 0.3),
    lambda m, t: m.nn.init.ones_(t),
    lambda m, t: m.nn.init.zeros_(t),
    lambda m, t: m.nn.init.xavier_uniform_(t),
    lambda m, t: m.nn.init.xavier_uniform_(t, gain=m.nn.init.calculate_gain("relu")),
    lambda m, t: m.nn.init.xavier_normal_(t, gain=2.0),
    lambda m, t: m.nn.init.kaiming_uniform_(t),
    lambda m, t: m.nn.init.kaiming_uniform_(t, a=math.sqrt(5)),
    lambda m, t: m.nn.init.kaiming_uniform_(t, mode="fan_out", nonlinearity="relu"),
    lambda m, t: m.nn.init.kaiming_normal_(t),
    lambda m, t: m.nn.init.kaiming_normal_(t, a=0.2, mode="fan_out"),
    lambda m, t: m.nn.init.trunc_normal_(t),
    lambda m, t: m.nn.init.trunc_normal_(t, mean=0.5, std=0.2, a=0.0, b=1.0),
    lambda m, t: m.nn.init.trunc_normal_(t, std=0.02),
    lambda m, t: m.nn.init.trunc_normal_(t, a=1.0, b=3.0),        # rejection sampler
    lambda m, t: m.nn.init.trunc_normal_(t, mean=0.0, std=1.0, a=1.9, b=2.1),
]


@pytest.mark.parametrize("k", range(len(INITS)))
@pytest.mark.parametrize("shape", [(3, 5), (4, 2, 3, 3)])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_init_draws_equal_torch(k, shape, dtype):
    def run(m):
        t = m.empty(*shape, dtype=getattr(m, dtype))
        out = INITS[k](m, t)
        return out is t, t, m.rand(2)

    ours, theirs = _both(run, seed=k)
    assert ours[0] and theirs[0]
    _assert_equal_arrays(ours[1:], theirs[1:])


def test_init_works_on_parameters_that_require_grad():
    def run(m):
        layer = m.nn.Linear(4, 3)
        m.nn.init.xavier_uniform_(layer.weight)
        m.nn.init.zeros_(layer.bias)
        return layer.weight, layer.bias, layer.weight.grad_fn is None, layer.weight.requires_grad

    ours, theirs = _both(run)
    _assert_equal_arrays(ours[:2], theirs[:2])
    assert ours[2:] == theirs[2:] == (True, True)
    assert not np.signbit(_np(ours[1])).any()


@pytest.mark.parametrize("shape", [(3, 5), (5, 3), (4, 2, 3), (6, 6)])
def test_orthogonal_matches_torch(shape):
    ours, theirs = _both(lambda m: (m.nn.init.orthogonal_(m.empty(*shape), gain=2.0), m.rand(2)))
    np.testing.assert_allclose(_np(ours[0]), _np(theirs[0]), rtol=1e-4, atol=1e-5)
    _assert_equal_arrays([ours[1]], [theirs[1]])


def test_eye_dirac_sparse_and_gain_match_torch():
    def run(m):
        return (m.nn.init.eye_(m.empty(3, 5)), m.nn.init.dirac_(m.empty(4, 2, 3)),
                m.nn.init.dirac_(m.empty(6, 2, 3, 3), groups=2),
                m.nn.init.sparse_(m.empty(5, 4), 0.4),
                [m.nn.init.calculate_gain(n, p) for n, p in [
                    ("linear", None), ("conv2d", None), ("sigmoid", None), ("tanh", None),
                    ("relu", None), ("leaky_relu", None), ("leaky_relu", 0.2), ("selu", None)]],
                m.nn.init._calculate_fan_in_and_fan_out(m.empty(5, 3, 2, 2)))

    ours, theirs = _both(run)
    _assert_equal_arrays(ours[:4], theirs[:4])
    assert ours[4:] == theirs[4:]


@pytest.mark.parametrize("bad", [
    lambda m: m.nn.init.calculate_gain("softmax"),
    lambda m: m.nn.init.calculate_gain("leaky_relu", "x"),
    lambda m: m.nn.init.xavier_uniform_(m.empty(3)),
    lambda m: m.nn.init.kaiming_uniform_(m.empty(3, 2), mode="fan"),
    lambda m: m.nn.init.eye_(m.empty(3)),
    lambda m: m.nn.init.dirac_(m.empty(3, 3)),
    lambda m: m.nn.init.dirac_(m.empty(3, 3, 3), groups=2),
    lambda m: m.nn.init.orthogonal_(m.empty(3)),
])
def test_init_errors_match_torch(bad):
    _same_error(bad)


def test_init_warnings_match_torch():
    def run(m):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            m.nn.init.kaiming_uniform_(m.empty(0, 3))
            m.nn.init.trunc_normal_(m.empty(2), mean=10.0)
            m.nn.init.uniform(m.empty(2))
        return [(w.category.__name__, str(w.message)) for w in caught]

    ours, theirs = _both(run)
    assert [(c, _text(s)) for c, s in ours] == theirs


# -- nn.utils --------------------------------------------------------------------------------------
@pytest.mark.parametrize("norm_type", [2.0, 1, float("inf"), 3.5])
@pytest.mark.parametrize("max_norm", [0.5, 100.0])
def test_clip_grad_norm_matches_torch(norm_type, max_norm):
    def run(m):
        net = m.nn.Sequential(m.nn.Linear(3, 4), m.nn.Linear(4, 2))
        (net(m.randn(5, 3)) ** 2).sum().backward()
        total = m.nn.utils.clip_grad_norm_(net.parameters(), max_norm, norm_type=norm_type)
        return total, [p.grad for p in net.parameters()]

    ours, theirs = _both(run)
    assert ours[0].shape == theirs[0].shape == ()
    np.testing.assert_allclose(_np(ours[0]), _np(theirs[0]), rtol=1e-5)
    for a, b in zip(ours[1], theirs[1]):
        np.testing.assert_allclose(_np(a), _np(b), rtol=1e-5, atol=1e-7)


def test_clip_grad_value_and_nonfinite_norm_match_torch():
    def run(m):
        p = m.nn.Parameter(m.tensor([1.0, 2.0, -3.0]))
        p.grad = m.tensor([0.5, -4.0, 2.0])
        m.nn.utils.clip_grad_value_([p], 1.0)
        q = m.nn.Parameter(m.ones(2))
        q.grad = m.tensor([float("inf"), 1.0])
        total = m.nn.utils.clip_grad_norm_(q, 1.0)
        empty = m.nn.utils.clip_grad_norm_([], 1.0)
        return p.grad.tolist(), total.item(), q.grad.tolist(), empty.item()

    ours, theirs = _both(run)
    assert str(ours) == str(theirs)

    def strict(m):
        q = m.nn.Parameter(m.ones(2))
        q.grad = m.tensor([float("nan"), 1.0])
        m.nn.utils.clip_grad_norm_([q], 1.0, error_if_nonfinite=True, foreach=False)

    _same_error(strict)


def test_parameters_and_vectors_match_torch():
    def run(m):
        net = m.nn.Linear(3, 2)
        vec = m.nn.utils.parameters_to_vector(net.parameters())
        m.nn.utils.vector_to_parameters(m.arange(8.0), net.parameters())
        return (vec, type(vec.grad_fn).__name__, net.weight, net.bias,
                type(net.weight).__name__, net.weight.requires_grad)

    ours, theirs = _both(run)
    _assert_equal_arrays([ours[0], ours[2], ours[3]], [theirs[0], theirs[2], theirs[3]])
    assert ours[1] == theirs[1] and ours[4:] == theirs[4:]
    _same_error(lambda m: m.nn.utils.vector_to_parameters([1.0], []))


# -- a training loop -------------------------------------------------------------------------------
def test_a_few_sgd_steps_follow_torch():
    def run(m):
        net = m.nn.Sequential(m.nn.Linear(4, 8), m.nn.Dropout(0.2), m.nn.Linear(8, 1))
        x, y = m.randn(16, 4), m.randn(16, 1)
        losses = []
        for _ in range(5):
            net.zero_grad()
            loss = ((net(x) - y) ** 2).mean()
            loss.backward()
            with m.no_grad():
                for p in net.parameters():
                    p -= 0.1 * p.grad
            losses.append(loss.item())
        net.eval()
        return losses, net(x)

    ours, theirs = _both(run)
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-5)
    np.testing.assert_allclose(_np(ours[1]), _np(theirs[1]), rtol=1e-4, atol=1e-6)
