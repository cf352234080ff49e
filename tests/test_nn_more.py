"""EmbeddingBag / F.embedding_bag, RReLU / F.rrelu and the other nn additions against torch:
values, gradients, grad_fn names, reprs, seeded random draws and errors."""
from __future__ import annotations

import numpy as np
import pytest

import tapegrad as tg
import tapegrad.nn as tnn
import tapegrad.nn.functional as TF

torch = pytest.importorskip("torch")
F = torch.nn.functional


def _both(array: np.ndarray, requires_grad: bool = False):
    return (torch.tensor(array, requires_grad=requires_grad),
            tg.tensor(array, requires_grad=requires_grad))


def _error(fn_torch, fn_tg):
    with pytest.raises(Exception) as theirs:
        fn_torch()
    with pytest.raises(Exception) as ours:
        fn_tg()
    assert type(ours.value).__name__ == type(theirs.value).__name__
    assert str(ours.value) == str(theirs.value)


# -- embedding_bag ---------------------------------------------------------------------------------
INDICES = [1, 2, 4, 5, 4, 3, 2, 9, 0, 7]
BAGS = [
    ({"offsets": [0, 4, 4, 7]}),
    ({"offsets": [0, 3, 10], "include_last_offset": True}),
    ({"offsets": [0, 2, 5], "padding_idx": 4}),
    ({"offsets": [0, 5, 9], "padding_idx": -1}),  # row 9
    ({"offsets": [0], "padding_idx": 2}),
    ({"two_d": True}),
    ({"two_d": True, "padding_idx": 0}),
]


def _bag_args(lib, spec):
    indices = lib.tensor(INDICES)
    kw = {k: v for k, v in spec.items() if k not in ("offsets", "two_d")}
    if spec.get("two_d"):
        return indices.view(2, 5), kw
    return indices, dict(kw, offsets=lib.tensor(spec["offsets"]))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
@pytest.mark.parametrize("spec", BAGS, ids=lambda s: str(s))
def test_embedding_bag_values_and_gradients_match_torch(spec, mode, dtype):
    table = np.random.default_rng(0).standard_normal((10, 4)).astype(dtype)
    results = []
    for lib, functional in ((torch, F), (tg, TF)):
        w = lib.tensor(table, requires_grad=True)
        indices, kw = _bag_args(lib, spec)
        out = functional.embedding_bag(indices, w, mode=mode, **kw)
        weights = lib.tensor(np.arange(out.numel(), dtype=dtype).reshape(tuple(out.shape)))
        (out * weights).sum().backward()
        results.append((out.detach().numpy(), w.grad.numpy(), type(out.grad_fn).__name__
                        if lib is tg else out.grad_fn.name(), str(out.dtype).split(".")[-1]))
    (t_out, t_grad, t_name, t_dtype), (g_out, g_grad, g_name, g_dtype) = results
    assert g_name == t_name == "EmbeddingBagBackward0" and g_dtype == t_dtype
    tol = 1e-6 if dtype == "float32" else 1e-14
    np.testing.assert_allclose(g_out, t_out, rtol=tol, atol=tol)
    np.testing.assert_allclose(g_grad, t_grad, rtol=tol, atol=tol)


@pytest.mark.parametrize("spec", BAGS[:3] + BAGS[5:6], ids=lambda s: str(s))
def test_embedding_bag_per_sample_weights_values_and_both_gradients(spec):
    rng = np.random.default_rng(1)
    table, psw = rng.standard_normal((10, 3)), rng.uniform(size=10)
    results = []
    for lib, functional in ((torch, F), (tg, TF)):
        w = lib.tensor(table, requires_grad=True)
        p = lib.tensor(psw, requires_grad=True)
        indices, kw = _bag_args(lib, spec)
        out = functional.embedding_bag(indices, w, mode="sum",
                                       per_sample_weights=p.view(indices.shape), **kw)
        loss = (out * out).sum()
        gw, gp = lib.autograd.grad(loss, [w, p])  # (torch has no second order here)
        results.append([t.detach().numpy() for t in (out, gw, gp)])
    for ours, theirs in zip(results[1], results[0]):
        np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-13)


def test_embedding_bag_forward_mode_is_the_op_on_the_tangent():
    """torch has no forward mode for embedding_bag; tapegrad's tangent is what the op is
    linear in: the bags of the tangent (sum, mean), or the tangent at torch's own max_indices."""
    rng = np.random.default_rng(2)
    table, tangent = rng.standard_normal((10, 3)), rng.standard_normal((10, 3))
    indices, offsets = [1, 2, 4, 5, 4, 3, 2, 9], [0, 3, 3, 8]
    fwAD = tg.autograd.forward_ad
    for mode, enum in (("sum", 0), ("mean", 1), ("max", 2)):
        with fwAD.dual_level():
            w = fwAD.make_dual(tg.tensor(table), tg.tensor(tangent))
            out = TF.embedding_bag(tg.tensor(indices), w, tg.tensor(offsets), mode=mode)
            ours = fwAD.unpack_dual(out).tangent.numpy()
        if mode == "max":
            *_, rows = torch.embedding_bag(torch.tensor(table), torch.tensor(indices),
                                           torch.tensor(offsets), False, enum)
            expected = tangent[rows.numpy(), np.arange(3)]
            expected[[1, 3]] = 0  # the empty bags
        else:
            expected = F.embedding_bag(torch.tensor(indices), torch.tensor(tangent),
                                       torch.tensor(offsets), mode=mode).numpy()
        np.testing.assert_allclose(ours, expected, rtol=1e-14, atol=1e-15)


def test_embedding_bag_max_takes_the_first_of_equal_maxima_like_torch():
    table = np.array([[1.0, 2.0], [1.0, 5.0], [0.5, 5.0]])
    grads = []
    for lib, functional in ((torch, F), (tg, TF)):
        w = lib.tensor(table, requires_grad=True)
        functional.embedding_bag(lib.tensor([[0, 1, 2]]), w, mode="max").sum().backward()
        grads.append(w.grad.numpy())
    np.testing.assert_array_equal(grads[1], grads[0])
    assert grads[1][0, 0] == 1 and grads[1][1, 1] == 1


BAG_ERRORS = [
    lambda lib, fn: fn(lib.tensor(INDICES), lib.zeros(10, 3), lib.tensor([1, 4])),
    lambda lib, fn: fn(lib.tensor(INDICES), lib.zeros(10, 3), lib.tensor([0, 11])),
    lambda lib, fn: fn(lib.tensor(INDICES), lib.zeros(9, 3), lib.tensor([0, 4])),
    lambda lib, fn: fn(lib.tensor([1, -1]), lib.zeros(9, 3), lib.tensor([0])),
    lambda lib, fn: fn(lib.tensor(INDICES), lib.zeros(10, 3), lib.tensor([0]), padding_idx=10),
    lambda lib, fn: fn(lib.tensor(INDICES), lib.zeros(10, 3), lib.tensor([0]), mode="median"),
    lambda lib, fn: fn(lib.tensor(INDICES), lib.zeros(10, 3), lib.tensor([0]),
                       per_sample_weights=lib.ones(10)),  # mode='mean' by default
    lambda lib, fn: fn(lib.tensor(INDICES), lib.zeros(10, 3), lib.tensor([0]), mode="sum",
                       per_sample_weights=lib.ones(9)),
    lambda lib, fn: fn(lib.tensor(INDICES), lib.zeros(10, 3), lib.tensor([0]), mode="sum",
                       per_sample_weights=lib.ones(10, dtype=lib.float64)),
    lambda lib, fn: fn(lib.tensor(INDICES), lib.zeros(10), lib.tensor([0])),
    lambda lib, fn: fn(lib.tensor(INDICES).view(2, 5), lib.zeros(10, 3), lib.tensor([0])),
    lambda lib, fn: fn(lib.tensor(INDICES), lib.zeros(10, 3)),
    lambda lib, fn: fn(lib.tensor(INDICES).view(1, 2, 5), lib.zeros(10, 3)),
    lambda lib, fn: fn(lib.tensor(INDICES).float(), lib.zeros(10, 3), lib.tensor([0])),
    lambda lib, fn: fn(lib.tensor(INDICES), lib.zeros(10, 3), lib.tensor([0]), mode="max",
                       scale_grad_by_freq=True),
]


@pytest.mark.parametrize("case", range(len(BAG_ERRORS)))
def test_embedding_bag_errors_match_torch(case):
    _error(lambda: BAG_ERRORS[case](torch, F.embedding_bag),
           lambda: BAG_ERRORS[case](tg, TF.embedding_bag))


@pytest.mark.parametrize("kwargs", [{}, {"mode": "sum"}, {"mode": "max", "padding_idx": -2},
                                    {"max_norm": 1.0, "norm_type": 1.5, "mode": "sum",
                                     "include_last_offset": True},
                                    {"scale_grad_by_freq": True, "padding_idx": 3}])
def test_embedding_bag_module_draws_reprs_and_state_dict_match_torch(kwargs):
    torch.manual_seed(3)
    theirs = torch.nn.EmbeddingBag(10, 3, **kwargs)
    tg.manual_seed(3)
    ours = tnn.EmbeddingBag(10, 3, **kwargs)
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["weight"]
    np.testing.assert_array_equal(ours.weight.detach().numpy(), theirs.weight.detach().numpy())
    if kwargs.get("scale_grad_by_freq"):
        return
    offsets = [0, 4, 10] if kwargs.get("include_last_offset") else [0, 4]
    y_t = theirs(torch.tensor(INDICES), torch.tensor(offsets))
    y_g = ours(tg.tensor(INDICES), tg.tensor(offsets))
    np.testing.assert_allclose(y_g.detach().numpy(), y_t.detach().numpy(), rtol=1e-6, atol=1e-7)
    # max_norm renormalised the rows looked up, in place, in both
    np.testing.assert_allclose(ours.weight.detach().numpy(), theirs.weight.detach().numpy(),
                               rtol=1e-6, atol=1e-7)


def test_embedding_bag_from_pretrained_and_constructor_errors():
    table = [[1, 2.3, 3], [4, 5.1, 6.3]]
    theirs = torch.nn.EmbeddingBag.from_pretrained(torch.tensor(table), mode="sum")
    ours = tnn.EmbeddingBag.from_pretrained(tg.tensor(table), mode="sum")
    assert ours.weight.requires_grad is theirs.weight.requires_grad is False
    np.testing.assert_allclose(ours(tg.tensor([[1, 0]])).numpy(),
                               theirs(torch.tensor([[1, 0]])).numpy())
    _error(lambda: torch.nn.EmbeddingBag(5, 2, padding_idx=5),
           lambda: tnn.EmbeddingBag(5, 2, padding_idx=5))
    _error(lambda: torch.nn.EmbeddingBag(5, 2, _weight=torch.zeros(4, 2)),
           lambda: tnn.EmbeddingBag(5, 2, _weight=tg.zeros(4, 2)))
    _error(lambda: torch.nn.EmbeddingBag.from_pretrained(torch.zeros(4)),
           lambda: tnn.EmbeddingBag.from_pretrained(tg.zeros(4)))


# -- rrelu -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("bounds", [(1 / 8, 1 / 3), (0.1, 0.6), (0.01, 0.99), (0.2, 0.2)])
def test_rrelu_training_draws_torchs_slopes_bit_for_bit(bounds, dtype):
    x = np.random.default_rng(4).standard_normal((7, 9)).astype(dtype)
    x[0, :3] = [0.0, -0.0, np.nan]
    results = []
    for lib, functional in ((torch, F), (tg, TF)):
        lib.manual_seed(5)
        t = lib.tensor(x, requires_grad=True)
        y = functional.rrelu(t, *bounds, training=True)
        y.backward(lib.ones_like(y))
        after = lib.rand(3)  # the generator moved on by as many draws in both
        name = y.grad_fn.name() if lib is torch else type(y.grad_fn).__name__
        results.append((y.detach().numpy(), t.grad.numpy(), after.numpy(), name))
    for ours, theirs in zip(results[1], results[0]):
        if isinstance(ours, str):
            assert ours == theirs == "RreluWithNoiseBackward0"
        else:
            np.testing.assert_array_equal(ours, theirs)


@pytest.mark.parametrize("training", [False, True])
def test_rrelu_in_place_forms_and_module_match_torch(training):
    x = np.random.default_rng(6).standard_normal((4, 5)).astype("float32")
    outs = []
    for lib, functional, nn in ((torch, F, torch.nn), (tg, TF, tnn)):
        lib.manual_seed(7)
        leaf = lib.tensor(x, requires_grad=True)
        a = leaf * 1
        functional.rrelu_(a, 0.1, 0.3, training)
        b = leaf * 2
        functional.rrelu(b, training=training, inplace=True)
        m = nn.RReLU(0.05, 0.5, inplace=True)
        m.train(training)
        c = leaf * 3
        m(c)
        (a.sum() + b.sum() + c.sum()).backward()
        names = [t.grad_fn.name() if lib is torch else type(t.grad_fn).__name__
                 for t in (a, b, c)]
        outs.append(([t.detach().numpy() for t in (a, b, c, leaf.grad)], names,
                     repr(m), repr(nn.RReLU())))
    (t_vals, t_names, t_repr, t_default), (g_vals, g_names, g_repr, g_default) = outs
    for ours, theirs in zip(g_vals, t_vals):
        np.testing.assert_array_equal(ours, theirs)
    assert g_names == t_names == ["RreluWithNoiseBackward1"] * 3
    assert (g_repr, g_default) == (t_repr, t_default)


def test_rrelu_eval_is_a_fixed_slope_and_rejects_integers_like_torch():
    x = [-2.0, -0.5, 0.0, 1.5]
    ours = TF.rrelu(tg.tensor(x), 0.2, 0.4)
    theirs = F.rrelu(torch.tensor(x), 0.2, 0.4)
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    assert ours[0].item() == pytest.approx(-0.6)
    _error(lambda: F.rrelu(torch.tensor([1, 2])), lambda: TF.rrelu(tg.tensor([1, 2])))


# -- lazy instance norms ---------------------------------------------------------------------------
LAZY = [("LazyInstanceNorm1d", (2, 3, 7)), ("LazyInstanceNorm2d", (2, 3, 4, 5)),
        ("LazyInstanceNorm3d", (2, 3, 2, 3, 4))]


@pytest.mark.parametrize("kwargs", [{}, {"affine": False}, {"track_running_stats": False},
                                    {"momentum": None, "eps": 1e-3}])
@pytest.mark.parametrize("name,shape", LAZY)
def test_lazy_instance_norm_becomes_instance_norm_like_torch(name, shape, kwargs):
    x = np.random.default_rng(8).standard_normal(shape).astype("float32")
    outs = []
    for lib, nn in ((torch, torch.nn), (tg, tnn)):
        m = getattr(nn, name)(**kwargs)
        before = (repr(m), list(m.state_dict()), m.has_uninitialized_params())
        t = lib.tensor(x, requires_grad=True)
        y = m(t)
        y.backward(lib.tensor(np.linspace(-1, 1, y.numel()).reshape(shape).astype("float32")))
        m.eval()
        evaluated = m(lib.tensor(x)).detach().numpy()
        state = {k: v.detach().numpy() for k, v in m.state_dict().items()}
        outs.append((before, repr(m), type(m).__name__, y.detach().numpy(), t.grad.numpy(),
                     evaluated, state))
    theirs, ours = outs
    assert ours[:3] == theirs[:3]
    for a, b in zip(ours[3:6], theirs[3:6]):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5)
    assert list(ours[6]) == list(theirs[6])
    for key in theirs[6]:
        np.testing.assert_allclose(ours[6][key], theirs[6][key], rtol=1e-5, atol=1e-6)


def test_lazy_instance_norm_rejects_a_wrong_rank_like_torch():
    _error(lambda: torch.nn.LazyInstanceNorm1d()(torch.zeros(2, 3, 4, 5)),
           lambda: tnn.LazyInstanceNorm1d()(tg.zeros(2, 3, 4, 5)))


# -- channel shuffle -------------------------------------------------------------------------------
@pytest.mark.parametrize("shape,groups", [((2, 6, 2, 2), 3), ((1, 4, 5), 2), ((2, 8, 1, 2, 2), 4),
                                          ((3, 5, 2), 1), ((1, 6, 3), 6)])
def test_channel_shuffle_values_gradient_and_node_match_torch(shape, groups):
    from tapegrad.nn.functional import channel_shuffle
    x = np.random.default_rng(9).standard_normal(shape)
    weights = np.arange(np.prod(shape), dtype=float).reshape(shape)
    results = []
    for lib, fn, nn in ((torch, torch.channel_shuffle, torch.nn), (tg, channel_shuffle, tnn)):
        t = lib.tensor(x, requires_grad=True)
        y = fn(t, groups)
        z = nn.ChannelShuffle(groups)(t)
        ((y + z) * lib.tensor(weights)).sum().backward()
        name = y.grad_fn.name() if lib is torch else type(y.grad_fn).__name__
        results.append((y.detach().numpy(), z.detach().numpy(), t.grad.numpy(), name,
                        repr(nn.ChannelShuffle(groups))))
    for ours, theirs in zip(results[1], results[0]):
        if isinstance(ours, str):
            assert ours == theirs
        else:
            np.testing.assert_array_equal(ours, theirs)
    assert results[1][3] == "ChannelShuffleBackward0"


@pytest.mark.parametrize("shape,groups", [((1, 4, 2), 3), ((1, 4, 2), 0), ((1, 4, 2), -2),
                                          ((2, 4), 2), ((4,), 2)])
def test_channel_shuffle_errors_match_torch(shape, groups):
    _error(lambda: torch.nn.ChannelShuffle(groups)(torch.zeros(shape)),
           lambda: tnn.ChannelShuffle(groups)(tg.zeros(shape)))


# -- pooling additions -----------------------------------------------------------------------------
WITH_INDICES = [
    ("max_pool1d_with_indices", (2, 3, 9), (3,), {"stride": 2, "padding": 1}),
    ("max_pool2d_with_indices", (2, 2, 5, 6), ((2, 3),), {"dilation": (1, 2)}),
    ("max_pool2d_with_indices", (2, 5, 6), (2,), {"ceil_mode": True, "return_indices": False}),
    ("max_pool3d_with_indices", (1, 2, 4, 5, 6), (2,), {"stride": 1, "padding": 1}),
    ("adaptive_max_pool1d_with_indices", (2, 3, 9), (4,), {}),
    ("adaptive_max_pool2d_with_indices", (2, 2, 5, 7), ((3, 2),), {}),
    ("adaptive_max_pool3d_with_indices", (1, 2, 4, 5, 6), ((2, 3, 2),), {}),
]


@pytest.mark.parametrize("name,shape,args,kwargs", WITH_INDICES,
                         ids=[f"{c[0]}-{c[3]}" for c in WITH_INDICES])
def test_with_indices_forms_return_values_and_indices_like_torch(name, shape, args, kwargs):
    x = np.random.default_rng(10).standard_normal(shape)
    results = []
    for lib, functional in ((torch, F), (tg, TF)):
        t = lib.tensor(x, requires_grad=True)
        got = getattr(functional, name)(t, *args, **kwargs)
        assert isinstance(got, tuple) and len(got) == 2
        values, indices = got
        values.sum().backward()
        results.append((values.detach().numpy(), indices.numpy(), t.grad.numpy(),
                        str(indices.dtype).split(".")[-1]))
    for ours, theirs in zip(results[1], results[0]):
        if isinstance(ours, str):
            assert ours == theirs == "int64"
        else:
            np.testing.assert_array_equal(ours, theirs)


@pytest.mark.parametrize("norm_type", [2, 1.5, 3.0, float("inf"), -float("inf")])
@pytest.mark.parametrize("kernel,stride,ceil_mode", [(2, None, False), ((2, 1, 3), 1, True),
                                                     ((1, 2, 2), (1, 2, 1), False)])
def test_lp_pool3d_and_module_match_torch(norm_type, kernel, stride, ceil_mode):
    x = np.random.default_rng(11).uniform(0.1, 1.0, (2, 2, 3, 4, 5))
    results = []
    for lib, functional, nn in ((torch, F, torch.nn), (tg, TF, tnn)):
        t = lib.tensor(x, requires_grad=True)
        y = functional.lp_pool3d(t, norm_type, kernel, stride, ceil_mode)
        m = nn.LPPool3d(norm_type, kernel, stride, ceil_mode)
        z = m(t)
        (y.sum() + z.sum()).backward()
        name = y.grad_fn.name() if lib is torch else type(y.grad_fn).__name__
        results.append((y.detach().numpy(), z.detach().numpy(), t.grad.numpy(), name, repr(m)))
    for ours, theirs in zip(results[1], results[0]):
        if isinstance(ours, str):
            assert ours == theirs
        else:
            np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("kernel,stride,padding,output_size", [
    (2, None, 0, None), ((2, 1, 2), 1, (0, 0, 1), None), (2, 2, 0, (5, 4, 7)),
    (2, None, 0, (1, 2, 5, 4, 6))])
def test_max_unpool3d_and_module_match_torch(kernel, stride, padding, output_size):
    x = np.random.default_rng(12).standard_normal((1, 2, 4, 4, 6))
    results = []
    for lib, functional, nn in ((torch, F, torch.nn), (tg, TF, tnn)):
        t = lib.tensor(x, requires_grad=True)
        values, indices = functional.max_pool3d(t, kernel, stride, padding,
                                                return_indices=True)
        y = functional.max_unpool3d(values, indices, kernel, stride, padding, output_size)
        m = nn.MaxUnpool3d(kernel, stride, padding)
        z = m(values, indices, output_size)
        (y * y).sum().backward()
        results.append((y.detach().numpy(), z.detach().numpy(), t.grad.numpy(), repr(m)))
    for ours, theirs in zip(results[1], results[0]):
        if isinstance(ours, str):
            assert ours == theirs
        else:
            np.testing.assert_array_equal(ours, theirs)


def test_max_unpool_rejects_indices_outside_the_output_like_torch():
    """The same error type and text, but for which bad index is named: torch's kernel runs
    over the planes in parallel and names whichever it meets; tapegrad names the first."""
    import re
    for d, shape in ((2, (2, 4, 5)), (3, (1, 2, 4, 5, 6))):
        x = np.random.default_rng(13).standard_normal(shape)
        messages = []
        for lib, functional in ((torch, F), (tg, TF)):
            values, idx = getattr(functional, f"max_pool{d}d")(lib.tensor(x), 2,
                                                              return_indices=True)
            with pytest.raises(RuntimeError) as info:
                getattr(functional, f"max_unpool{d}d")(values, idx, 2)
            messages.append(re.sub(r"index: \d+", "index: N", str(info.value)))
        assert messages[0] == messages[1]
        assert "output volumes are of size 4x4" in messages[1]


# -- fractional max pooling ------------------------------------------------------------------------
FRACTIONAL = [
    ("FractionalMaxPool2d", (2, 3, 9, 11), ((2, 3),), {"output_size": (4, 5)}),
    ("FractionalMaxPool2d", (3, 8, 7), (2,), {"output_ratio": 0.5, "return_indices": True}),
    ("FractionalMaxPool2d", (1, 2, 6, 6), (3,), {"output_size": 1}),
    ("FractionalMaxPool3d", (2, 2, 6, 7, 8), ((2, 1, 2),), {"output_size": 3,
                                                            "return_indices": True}),
    ("FractionalMaxPool3d", (2, 5, 6, 7), (2,), {"output_ratio": (0.5, 0.5, 0.6)}),
]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name,shape,args,kwargs", FRACTIONAL,
                         ids=[f"{c[0]}-{c[3]}" for c in FRACTIONAL])
def test_fractional_max_pool_draws_windows_like_torch(name, shape, args, kwargs, dtype):
    """Seeded: the same windows drawn at each call, hence the same values, indices, gradient
    and the same state of the generator afterwards."""
    x = np.random.default_rng(14).standard_normal(shape).astype(dtype)
    results = []
    for lib, nn in ((torch, torch.nn), (tg, tnn)):
        lib.manual_seed(15)
        t = lib.tensor(x, requires_grad=True)
        m = getattr(nn, name)(*args, **kwargs)
        first, second = m(t), m(t)  # two calls: two draws
        values = first[0] if kwargs.get("return_indices") else first
        indices = first[1].numpy() if kwargs.get("return_indices") else None
        again = second[0] if kwargs.get("return_indices") else second
        (values * values).sum().backward()
        name_ = values.grad_fn.name() if lib is torch else type(values.grad_fn).__name__
        results.append([values.detach().numpy(), again.detach().numpy(), t.grad.numpy(),
                        indices, lib.rand(2).numpy(), name_, repr(m)])
    for ours, theirs in zip(results[1], results[0]):
        if ours is None or isinstance(ours, str):
            assert ours == theirs
        else:
            np.testing.assert_array_equal(ours, theirs)
    assert results[1][5] == f"FractionalMaxPool{name[-2]}DBackward0"


def test_fractional_max_pool_functions_with_given_samples_and_errors_match_torch():
    x = np.random.default_rng(16).standard_normal((2, 3, 9, 11))
    s = np.random.default_rng(17).uniform(size=(2, 3, 2))
    outs = []
    for lib, functional in ((torch, F), (tg, TF)):
        values, indices = functional.fractional_max_pool2d_with_indices(
            lib.tensor(x), 3, output_size=(4, 4), _random_samples=lib.tensor(s))
        plain = functional.fractional_max_pool2d(lib.tensor(x), 3, output_ratio=(0.4, 0.5),
                                                 _random_samples=lib.tensor(s))
        outs.append((values.numpy(), indices.numpy(), plain.numpy()))
    for ours, theirs in zip(outs[1], outs[0]):
        np.testing.assert_array_equal(ours, theirs)
    for make in (lambda nn: nn.FractionalMaxPool2d(2),
                 lambda nn: nn.FractionalMaxPool2d(2, 3, 0.5),
                 lambda nn: nn.FractionalMaxPool3d(2, output_ratio=1.5)):
        _error(lambda: make(torch.nn), lambda: make(tnn))
    _error(lambda: F.fractional_max_pool2d(torch.zeros(1, 4, 4), 2),
           lambda: TF.fractional_max_pool2d(tg.zeros(1, 4, 4), 2))
