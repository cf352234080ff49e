"""tapegrad.nn.functional's activations, normalisations, padding, distances and attention, and
the activation modules, against torch: values, gradients, grad_fn names, reprs, errors; every
functional through gradcheck/gradgradcheck (float64, forward mode too), vmap and func.jvp."""
from __future__ import annotations

import math
import warnings

from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")
import torch.nn.functional as TF  # noqa: E402

import tapegrad as tg  # noqa: E402
import tapegrad.nn as gnn  # noqa: E402
import tapegrad.nn.functional as GF  # noqa: E402

_rng = np.random.default_rng(12)
# values on and around the kinks of the piecewise functions, and a spread elsewhere
KINKS = np.array([0.0, -3.0, 3.0, 1.0, -1.0, 0.5, -0.5, 6.0, 2.0, -2.0, 20.0, -20.0])
A = np.concatenate([KINKS, _rng.standard_normal(12) * 3]).reshape(4, 6)
SMOOTH = _rng.standard_normal((3, 4)) * 2   # away from kinks, for finite differences
TOL = {"float32": 2e-6, "float64": 1e-12}


def _libs():
    return ((torch, TF), (tg, GF))


def _np(t):
    return t.detach().numpy()


# name -> fn(F, m, x); every activation of nn.functional with its settings
ACTIVATIONS = {
    "relu": lambda F, m, x: F.relu(x),
    "relu6": lambda F, m, x: F.relu6(x),
    "leaky_relu": lambda F, m, x: F.leaky_relu(x, 0.2),
    "leaky_relu_default": lambda F, m, x: F.leaky_relu(x),
    "elu": lambda F, m, x: F.elu(x, 0.7),
    "selu": lambda F, m, x: F.selu(x),
    "celu": lambda F, m, x: F.celu(x, 1.3),
    "gelu": lambda F, m, x: F.gelu(x),
    "gelu_tanh": lambda F, m, x: F.gelu(x, approximate="tanh"),
    "silu": lambda F, m, x: F.silu(x),
    "mish": lambda F, m, x: F.mish(x),
    "sigmoid": lambda F, m, x: F.sigmoid(x),
    "tanh": lambda F, m, x: F.tanh(x),
    "softplus": lambda F, m, x: F.softplus(x),
    "softplus_beta": lambda F, m, x: F.softplus(x, beta=2.0, threshold=3.0),
    "softsign": lambda F, m, x: F.softsign(x),
    "hardtanh": lambda F, m, x: F.hardtanh(x, -2.0, 1.0),
    "hardsigmoid": lambda F, m, x: F.hardsigmoid(x),
    "hardswish": lambda F, m, x: F.hardswish(x),
    "logsigmoid": lambda F, m, x: F.logsigmoid(x),
    "softmax": lambda F, m, x: F.softmax(x, 1),
    "softmax0": lambda F, m, x: F.softmax(x, dim=0),
    "log_softmax": lambda F, m, x: F.log_softmax(x, -1),
    "softmin": lambda F, m, x: F.softmin(x, 1),
    "threshold": lambda F, m, x: F.threshold(x, 0.5, -4.0),
    "tanhshrink": lambda F, m, x: F.tanhshrink(x),
    "hardshrink": lambda F, m, x: F.hardshrink(x, 1.0),
    "softshrink": lambda F, m, x: F.softshrink(x, 1.0),
    "glu": lambda F, m, x: F.glu(x, -1),
    "glu0": lambda F, m, x: F.glu(x, 0),
    "prelu_channels": lambda F, m, x: F.prelu(x, m.tensor([0.1, -0.2, 0.3, 0.4, 0.5, 0.6],
                                                          dtype=x.dtype)),
    "prelu_one": lambda F, m, x: F.prelu(x, m.tensor([0.25], dtype=x.dtype)),
}


def _forward_backward(m, F, fn, array, dtype, second=False):
    x = m.tensor(array, dtype=getattr(m, dtype), requires_grad=True)
    y = fn(F, m, x)
    v = m.tensor(np.cos(np.arange(y.numel())).reshape(tuple(y.shape)), dtype=y.dtype)
    (g,) = m.autograd.grad(y, x, v, create_graph=second)
    h = None
    if second:
        h = np.zeros(array.shape)
        if g.requires_grad:
            (h,) = m.autograd.grad((g * g).sum(), x, allow_unused=True)
            h = np.zeros(array.shape) if h is None else _np(h)
    return y, _np(g), h


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_activation_matches_torch(name, dtype):
    ty, tgrad, _ = _forward_backward(torch, TF, ACTIVATIONS[name], A, dtype)
    gy, ggrad, _ = _forward_backward(tg, GF, ACTIVATIONS[name], A, dtype)
    assert gy.grad_fn.name() == ty.grad_fn.name()
    assert str(gy.dtype).split(".")[-1] == str(ty.dtype).split(".")[-1]
    assert tuple(gy.shape) == tuple(ty.shape)
    np.testing.assert_allclose(_np(gy), _np(ty), rtol=TOL[dtype], atol=TOL[dtype])
    np.testing.assert_allclose(ggrad, tgrad, rtol=TOL[dtype], atol=TOL[dtype])


# torch has no double backward for hardsigmoid; it is checked by gradgradcheck below
@pytest.mark.parametrize("name", sorted(set(ACTIVATIONS) - {"hardsigmoid"}))
def test_activation_second_derivative_matches_torch(name):
    *_, th = _forward_backward(torch, TF, ACTIVATIONS[name], A, "float64", second=True)
    *_, gh = _forward_backward(tg, GF, ACTIVATIONS[name], A, "float64", second=True)
    np.testing.assert_allclose(gh, th, rtol=1e-10, atol=1e-10)


def test_prelu_weight_gradient_matches_torch():
    out = []
    for m, F in _libs():
        x = m.tensor(A.reshape(2, 3, 4), requires_grad=True)
        w = m.tensor([0.1, -0.2, 0.3], dtype=m.float64, requires_grad=True)
        y = F.prelu(x, w)
        y.backward(m.tensor(np.sin(np.arange(24.0)).reshape(2, 3, 4), dtype=y.dtype))
        out.append((_np(y), _np(x.grad), _np(w.grad), y.grad_fn.name()))
    for a, b in zip(*out):
        if isinstance(a, str):
            assert a == b
        else:
            np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-6)


# -- in place ------------------------------------------------------------------------------------
INPLACE = {
    "relu": lambda F, x: F.relu(x, inplace=True),
    "relu_": lambda F, x: F.relu_(x),
    "relu6": lambda F, x: F.relu6(x, inplace=True),
    "leaky_relu": lambda F, x: F.leaky_relu(x, 0.3, inplace=True),
    "leaky_relu_": lambda F, x: F.leaky_relu_(x, 0.3),
    "elu": lambda F, x: F.elu(x, 0.5, inplace=True),
    "elu_": lambda F, x: F.elu_(x),
    "selu": lambda F, x: F.selu(x, inplace=True),
    "celu": lambda F, x: F.celu(x, 2.0, inplace=True),
    "silu": lambda F, x: F.silu(x, inplace=True),
    "mish": lambda F, x: F.mish(x, inplace=True),
    "hardtanh": lambda F, x: F.hardtanh(x, -0.5, 0.5, inplace=True),
    "hardtanh_": lambda F, x: F.hardtanh_(x),
    "hardsigmoid": lambda F, x: F.hardsigmoid(x, inplace=True),
    "hardswish": lambda F, x: F.hardswish(x, inplace=True),
    "threshold": lambda F, x: F.threshold(x, 0.1, 2.0, inplace=True),
    "threshold_": lambda F, x: F.threshold_(x, 0.1, -2.0),
}


@pytest.mark.parametrize("name", sorted(INPLACE))
def test_inplace_activation_matches_torch(name):
    out = []
    for m, F in _libs():
        leaf = m.tensor(SMOOTH, requires_grad=True)
        x = leaf * 1
        y = INPLACE[name](F, x)
        assert y is x
        y.backward(m.tensor(np.cos(np.arange(12.0)).reshape(3, 4), dtype=y.dtype))
        out.append((y.grad_fn.name(), _np(y), _np(leaf.grad)))
    assert out[0][0] == out[1][0]
    np.testing.assert_allclose(out[1][1], out[0][1], rtol=2e-6, atol=1e-6)
    np.testing.assert_allclose(out[1][2], out[0][2], rtol=2e-6, atol=1e-6)


def test_inplace_on_a_leaf_is_refused_as_in_torch():
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad is being used in "
                                           "an in-place operation."):
        GF.relu(tg.ones(2, requires_grad=True), inplace=True)


# -- dtypes and errors ---------------------------------------------------------------------------
INT_CASES = ["relu", "relu6", "leaky_relu", "elu", "selu", "celu", "gelu", "silu", "mish",
             "softplus", "hardtanh", "hardsigmoid", "hardswish", "logsigmoid", "threshold",
             "hardshrink", "softshrink", "softmax", "log_softmax", "softmin", "glu"]


def _call_int(F, m, name):
    x = m.tensor([1, -2, 3, 4])
    if name == "threshold":
        return F.threshold(x, 1, 2)
    if name in ("softmax", "log_softmax", "softmin"):
        return getattr(F, name)(x, 0)
    return getattr(F, name)(x)


@pytest.mark.parametrize("name", INT_CASES)
def test_integer_inputs_behave_as_in_torch(name):
    results = []
    for m, F in _libs():
        try:
            y = _call_int(F, m, name)
            results.append(("ok", str(y.dtype).split(".")[-1], y.tolist()))
        except Exception as exc:  # noqa: BLE001 - compared with torch's
            results.append((type(exc).__name__, str(exc)))
    assert results[0] == results[1]


@pytest.mark.parametrize("call,exc", [
    (lambda F, m: F.gelu(m.ones(2), approximate="exact"), RuntimeError),
    (lambda F, m: F.hardtanh(m.ones(2), 2.0, 1.0), ValueError),
    (lambda F, m: F.glu(m.ones(3)), RuntimeError),
    (lambda F, m: F.glu(m.tensor(1.0)), RuntimeError),
    (lambda F, m: F.glu(m.ones(2, 4), 2), IndexError),
    (lambda F, m: F.prelu(m.ones(2, 3), m.ones(2)), RuntimeError),
    (lambda F, m: F.softshrink(m.ones(2), -1.0), RuntimeError),
])
def test_activation_errors_match_torch(call, exc):
    messages = []
    for m, F in _libs():
        with pytest.raises(exc) as info:
            call(F, m)
        messages.append(str(info.value))
    assert messages[0] == messages[1]


@pytest.mark.parametrize("ndim", [0, 1, 2, 3, 4])
@pytest.mark.parametrize("name", ["softmax", "log_softmax", "softmin"])
def test_implicit_softmax_dim_warns_and_picks_torchs_dim(name, ndim):
    array = _rng.standard_normal((2, 3, 2, 2)[:ndim])
    out = []
    for m, F in _libs():
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            y = getattr(F, name)(m.tensor(array))
        assert len(caught) == 1 and caught[0].category is UserWarning
        assert caught[0].filename == __file__  # attributed to the caller, as in torch
        out.append((str(caught[0].message), _np(y)))
    assert out[0][0] == out[1][0]
    np.testing.assert_allclose(out[1][1], out[0][1], rtol=1e-6)


def test_softmax_dtype_argument():
    for name in ("softmax", "log_softmax", "softmin"):
        y = getattr(GF, name)(tg.tensor([1.0, 2.0]), 0, dtype=tg.float64)
        t = getattr(TF, name)(torch.tensor([1.0, 2.0]), 0, dtype=torch.float64)
        assert y.dtype == tg.float64
        np.testing.assert_allclose(_np(y), _np(t), rtol=1e-12)


def test_gelu_is_stable_far_out_and_keeps_float32():
    # (torch's float32 kernels lose the far negative tail to cancellation, ~1e-7 absolute;
    # tapegrad computes in float64 and rounds once)
    x = np.array([-40.0, -10.0, -5.5, -1e-3, 1e-30, 5.5, 10.0, 40.0, -np.inf, np.nan])
    for dtype, atol in (("float32", 1e-7), ("float64", 1e-15)):
        for approximate in ("none", "tanh"):
            ours = GF.gelu(tg.tensor(x, dtype=getattr(tg, dtype)), approximate=approximate)
            theirs = TF.gelu(torch.tensor(x, dtype=getattr(torch, dtype)), approximate=approximate)
            assert ours.dtype == getattr(tg, dtype)
            np.testing.assert_allclose(_np(ours), _np(theirs), rtol=2e-7, atol=atol,
                                       equal_nan=True)


# -- gradcheck, gradgradcheck, forward mode and vmap on every functional -------------------------
def _t(array, requires_grad=True):
    return tg.tensor(array, dtype=tg.float64, requires_grad=requires_grad)


# functions of float64 tensors, at inputs away from every kink
AWAY = np.array([[-2.7, -1.6, -0.8, -0.3, 0.2, 0.7], [1.4, 2.3, 2.9, 4.1, -4.2, 0.35]])
GRADCHECK = {name: ((lambda fn: lambda x: fn(GF, tg, x))(fn), [AWAY])
             for name, fn in ACTIVATIONS.items() if not name.startswith("prelu")}
GRADCHECK.update({
    "prelu": (lambda x, w: GF.prelu(x, w), [SMOOTH.reshape(2, 3, 2), np.array([0.1, -0.3, 0.6])]),
    "layer_norm": (lambda x, w, b: GF.layer_norm(x, (4,), w, b, 1e-3),
                   [SMOOTH, SMOOTH[0] + 1, SMOOTH[1]]),
    "layer_norm_2d": (lambda x: GF.layer_norm(x.reshape(1, 3, 4), (3, 4)), [SMOOTH]),
    "rms_norm": (lambda x, w: GF.rms_norm(x, (4,), w), [SMOOTH, SMOOTH[0]]),
    "batch_norm": (lambda x, w, b: GF.batch_norm(x, None, None, w, b, training=True),
                   [SMOOTH.T, SMOOTH[0, :3], SMOOTH[1, :3]]),
    "batch_norm_3d": (lambda x: GF.batch_norm(x.reshape(2, 2, 3), None, None, training=True),
                      [SMOOTH]),
    "batch_norm_eval": (lambda x, w: GF.batch_norm(x, _t([0.1, 0.2, 0.3], False),
                                                   _t([1.0, 2.0, 0.5], False), w),
                        [SMOOTH.T, SMOOTH[0, :3]]),
    "normalize": (lambda x: GF.normalize(x, dim=1), [SMOOTH]),
    "normalize_p1": (lambda x: GF.normalize(x, p=1.0, dim=0), [SMOOTH]),
    "cosine_similarity": (lambda a, b: GF.cosine_similarity(a, b), [SMOOTH, SMOOTH[::-1] * 0.5 + 0.3]),
    "pairwise_distance": (lambda a, b: GF.pairwise_distance(a, b), [SMOOTH, SMOOTH[::-1] * 0.5 + 0.3]),
    "pairwise_distance_p3": (lambda a, b: GF.pairwise_distance(a, b, p=3.0),
                             [SMOOTH, SMOOTH[::-1] * 0.5 + 0.3]),
    "pairwise_distance_p1": (lambda a, b: GF.pairwise_distance(a, b, p=1.0),
                             [SMOOTH, SMOOTH[::-1] * 0.5 + 0.3]),
    "pad_constant": (lambda x: GF.pad(x, (1, 2, -1, 1), value=0.5), [SMOOTH]),
    "pad_reflect": (lambda x: GF.pad(x.reshape(1, 3, 4), (2, 3), mode="reflect"), [SMOOTH]),
    "pad_reflect2d": (lambda x: GF.pad(x.reshape(1, 3, 4), (1, 2, 2, 1), mode="reflect"),
                      [SMOOTH]),
    "pad_replicate": (lambda x: GF.pad(x.reshape(1, 3, 4), (2, 3), mode="replicate"), [SMOOTH]),
    "pad_replicate3d": (lambda x: GF.pad(x.reshape(1, 1, 3, 2, 2), (1, 0, 1, 2, 0, 1),
                                         mode="replicate"), [SMOOTH]),
    "pad_circular": (lambda x: GF.pad(x.reshape(1, 3, 4), (2, 1), mode="circular"), [SMOOTH]),
    "sdpa": (lambda q, k, v: GF.scaled_dot_product_attention(q, k, v),
             [SMOOTH.reshape(1, 3, 4), SMOOTH[::-1].reshape(1, 3, 4), SMOOTH.reshape(1, 3, 4)]),
    "sdpa_causal": (lambda q: GF.scaled_dot_product_attention(q, q, q, is_causal=True,
                                                              scale=0.3), [SMOOTH]),
    "sdpa_fused": (lambda q, k, v: GF.scaled_dot_product_attention(
        q.reshape(1, 2, 3, 2), k.reshape(1, 2, 3, 2), v.reshape(1, 2, 3, 2), is_causal=True),
                   [SMOOTH.reshape(2, 6), SMOOTH[::-1].reshape(2, 6), SMOOTH.reshape(2, 6) * 2]),
    "sdpa_fused_gqa": (lambda q, k, v: GF.scaled_dot_product_attention(
        q.reshape(1, 2, 3, 2), k.reshape(1, 1, 3, 2), v.reshape(1, 1, 3, 2),
        attn_mask=tg.tensor([[0.5, -1.0, 0.0]]).expand(3, 3), enable_gqa=True),
                       [SMOOTH.reshape(2, 6), SMOOTH.reshape(12)[:6], SMOOTH.reshape(12)[6:]]),
})


@pytest.mark.parametrize("name", sorted(GRADCHECK))
def test_gradcheck_and_gradgradcheck(name):
    fn, arrays = GRADCHECK[name]
    inputs = tuple(_t(a) for a in arrays)
    assert tg.autograd.gradcheck(fn, inputs, check_forward_ad=True)
    assert tg.autograd.gradgradcheck(fn, inputs)


VMAPPED = ["relu", "gelu", "gelu_tanh", "elu", "softplus", "leaky_relu", "logsigmoid", "glu",
           "softmax", "hardswish", "layer_norm", "batch_norm", "pad_reflect", "pad_constant",
           "pairwise_distance", "cosine_similarity", "rms_norm", "sdpa_causal", "sdpa_fused",
           "sdpa_fused_gqa"]


@pytest.mark.parametrize("name", VMAPPED)
def test_vmap_matches_a_loop_over_examples(name):
    fn, arrays = GRADCHECK[name]
    batch = [np.stack([a * (1 + 0.1 * i) for i in range(3)]) for a in arrays]
    mapped = tg.func.vmap(fn)(*[_t(b, False) for b in batch])
    looped = [fn(*[_t(b[i], False) for b in batch]) for i in range(3)]
    np.testing.assert_allclose(_np(mapped), np.stack([_np(r) for r in looped]), rtol=1e-12)


@pytest.mark.parametrize("name", ["gelu", "elu", "softplus", "mish", "silu", "log_softmax"])
def test_func_jvp_matches_torch(name):
    fn = ACTIVATIONS[name]
    tangent = np.sin(np.arange(12.0)).reshape(3, 4)
    ours = tg.func.jvp(lambda x: fn(GF, tg, x), (_t(SMOOTH, False),), (_t(tangent, False),))
    theirs = torch.func.jvp(lambda x: fn(TF, torch, x), (torch.tensor(SMOOTH),),
                            (torch.tensor(tangent),))
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(_np(a), _np(b), rtol=1e-12, atol=1e-14)


def test_per_example_gradients_through_vmap_and_grad():
    w = np.array([0.5, -1.0, 0.25, 2.0])
    xs = SMOOTH

    def loss(m, F, w, x):
        return F.gelu(F.layer_norm(x * w, (4,))).pow(2).sum()

    ours = tg.func.vmap(tg.func.grad(lambda w, x: loss(tg, GF, w, x)), in_dims=(None, 0))(
        _t(w, False), _t(xs, False))
    theirs = torch.func.vmap(torch.func.grad(lambda w, x: loss(torch, TF, w, x)),
                             in_dims=(None, 0))(torch.tensor(w), torch.tensor(xs))
    np.testing.assert_allclose(_np(ours), _np(theirs), rtol=1e-10, atol=1e-12)


# -- activation modules --------------------------------------------------------------------------
MODULES = [
    ("Threshold", (0.1, 20.0), {}), ("Threshold", (0.1, 20), {"inplace": True}),
    ("ReLU", (), {}), ("ReLU", (True,), {}), ("Hardtanh", (), {}), ("Hardtanh", (-2.0, 2.0), {}),
    ("Hardtanh", (-2, 2, True), {}), ("ReLU6", (), {}), ("ReLU6", (True,), {}), ("Sigmoid", (), {}),
    ("Hardsigmoid", (), {}), ("Hardsigmoid", (True,), {}), ("Tanh", (), {}), ("SiLU", (), {}),
    ("SiLU", (True,), {}), ("Mish", (), {}), ("Mish", (True,), {}), ("Hardswish", (True,), {}),
    ("ELU", (), {}), ("ELU", (0.5, True), {}), ("CELU", (), {}), ("CELU", (2.0,), {}),
    ("SELU", (), {}), ("SELU", (True,), {}), ("GLU", (), {}), ("GLU", (0,), {}),
    ("GELU", (), {}), ("GELU", ("tanh",), {}), ("Hardshrink", (), {}), ("Hardshrink", (1,), {}),
    ("LeakyReLU", (), {}), ("LeakyReLU", (0.2, True), {}), ("LogSigmoid", (), {}),
    ("Softplus", (), {}), ("Softplus", (2, 10), {}), ("Softshrink", (), {}),
    ("Softshrink", (0.3,), {}), ("PReLU", (), {}), ("PReLU", (4,), {"init": 0.1}),
    ("Softsign", (), {}), ("Tanhshrink", (), {}), ("Softmin", (1,), {}), ("Softmax", (), {}),
    ("Softmax", (-1,), {}), ("LogSoftmax", (0,), {}), ("Softmax2d", (), {}),
]


@pytest.mark.parametrize("name,args,kwargs", MODULES)
def test_activation_module_matches_torch(name, args, kwargs):
    t_mod = getattr(torch.nn, name)(*args, **kwargs)
    g_mod = getattr(gnn, name)(*args, **kwargs)
    assert repr(g_mod) == repr(t_mod)
    array = A[:, :4].reshape(1, 4, 2, 2) if name == "Softmax2d" else A[:, :4]
    outs = []
    for m, mod in ((torch, t_mod), (tg, g_mod)):
        leaf = m.tensor(array, dtype=m.float32, requires_grad=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            y = mod(leaf * 1)
        y.sum().backward()
        params = [_np(p.grad) for p in mod.parameters()]
        outs.append((y.grad_fn.name(), _np(y), _np(leaf.grad), params,
                     list(mod.state_dict().keys())))
    assert outs[0][0] == outs[1][0]
    assert outs[0][4] == outs[1][4]
    np.testing.assert_allclose(outs[1][1], outs[0][1], rtol=2e-6, atol=1e-6)
    np.testing.assert_allclose(outs[1][2], outs[0][2], rtol=2e-6, atol=1e-6)
    for a, b in zip(outs[1][3], outs[0][3]):
        np.testing.assert_allclose(a, b, rtol=2e-6, atol=1e-6)


def test_prelu_parameter_and_dtype():
    m = gnn.PReLU(3, init=0.5, dtype=tg.float64)
    assert m.weight.dtype == tg.float64 and m.weight.tolist() == [0.5, 0.5, 0.5]
    assert [n for n, _ in m.named_parameters()] == ["weight"]
    m.weight.data.fill_(0.0)
    m.reset_parameters()
    assert m.weight.tolist() == [0.5, 0.5, 0.5]


def test_softmax_module_without_dim_warns():
    with pytest.warns(UserWarning, match="Implicit dimension choice for softmax"):
        gnn.Softmax()(tg.ones(2, 3))


def test_softmax2d_refuses_other_ranks():
    for mod in (torch.nn.Softmax2d(), gnn.Softmax2d()):
        with pytest.raises(ValueError, match="Softmax2d: expected input to be 3D or 4D, got 2D "
                                             "instead"):
            mod(tg.ones(2, 3) if isinstance(mod, gnn.Module) else torch.ones(2, 3))


def test_help_shows_docstrings():
    assert "x * Phi(x)" in GF.gelu.__doc__
    assert "Shape" in gnn.modules.activation.__doc__
    assert math.isclose(GF.selu(tg.tensor(1.0)).item(), TF.selu(torch.tensor(1.0)).item(),
                        rel_tol=1e-7)


# -- padding -------------------------------------------------------------------------------------
PADS = [
    ((3, 4), (1, 2), "constant", None), ((3, 4), (1, 2, 2, 0), "constant", 1.5),
    ((2, 3, 4), (-1, 2, 0, -1), "constant", None), ((2, 3, 1), (1, 1, 1, 1, 1, 1), "constant", 0.0),
    ((2, 5), (2, 3), "reflect", None), ((1, 2, 4), (3, 3), "reflect", None),
    ((1, 2, 3, 4), (1, 2, 2, 1), "reflect", None), ((2, 3, 3, 4), (1, 2, 2, 1, 1, 0), "reflect", 0),
    ((2, 3, 4), (-1, 1), "reflect", None), ((2, 5), (4, 6), "replicate", None),
    ((1, 3, 3), (1, 0, 2, 2), "replicate", None), ((1, 1, 2, 2, 3), (1, 1, 2, 0, 0, 3),
                                                     "replicate", None),
    ((1, 2, 4), (-1, 2), "replicate", None), ((1, 2, 4), (2, 1), "circular", None),
    ((2, 4), (4, 0), "circular", None), ((1, 3, 4), (1, 2, 3, 0), "circular", None),
    ((1, 2, 4), (-1, 2), "circular", None), ((1, 1, 2, 3, 2), (1, 1, 1, 0, 2, 2),
                                             "circular", None),
]


@pytest.mark.parametrize("shape,pad,mode,value", PADS)
def test_pad_matches_torch(shape, pad, mode, value):
    array = np.arange(float(np.prod(shape))).reshape(shape) * 0.5 - 1
    out = []
    for m, F in _libs():
        leaf = m.tensor(array, requires_grad=True)
        y = F.pad(leaf, pad, mode=mode, value=value)
        y.backward(m.tensor(np.cos(np.arange(y.numel())).reshape(tuple(y.shape))))
        out.append((y.grad_fn.name(), tuple(y.shape), _np(y), _np(leaf.grad)))
    assert out[0][:2] == out[1][:2]
    np.testing.assert_allclose(out[1][2], out[0][2], rtol=1e-12)
    np.testing.assert_allclose(out[1][3], out[0][3], rtol=1e-12, atol=1e-12)


def test_pad_keeps_integer_dtype_and_truncates_the_value():
    ours, theirs = GF.pad(tg.tensor([1, 2]), (1, 1), value=3.5), TF.pad(torch.tensor([1, 2]),
                                                                         (1, 1), value=3.5)
    assert ours.tolist() == theirs.tolist() and str(ours.dtype) == "tapegrad.int64"


@pytest.mark.parametrize("shape,pad,mode,value", [
    ((1, 2, 3), (1,), "constant", None), ((1, 2, 3), (1,) * 8, "constant", None),
    ((1, 2, 3), (3, 3), "reflect", None), ((1, 2, 3), (1, 1, 2, 2), "reflect", None),
    ((1, 3, 3, 3), (1, 1, 1, 1, 3, 0), "reflect", None),
    ((1, 2, 3), (1, 1, 1, 1, 1, 1), "replicate", None), ((3,), (1, 1), "reflect", None),
    ((1, 1, 3, 3), (1, 1), "circular", None), ((1, 2, 3), (4, 2), "circular", None),
    ((1, 2, 3), (1, 1), "wrap", None), ((1, 2, 3), (1, 1), "reflect", 1.0),
    ((1, 2, 3), (-2, -2), "constant", None),
])
def test_pad_errors_match_torch(shape, pad, mode, value):
    errors = []
    for m, F in _libs():
        with pytest.raises(Exception) as info:
            F.pad(m.zeros(shape), pad, mode=mode, value=value)
        errors.append((type(info.value).__name__, str(info.value)))
    assert errors[0] == errors[1]


# -- distances -----------------------------------------------------------------------------------
DISTANCES = {
    "cos": lambda F, a, b: F.cosine_similarity(a, b),
    "cos_dim0": lambda F, a, b: F.cosine_similarity(a, b, dim=0),
    "cos_bcast": lambda F, a, b: F.cosine_similarity(a, b[0], dim=-1),
    "cos_zero": lambda F, a, b: F.cosine_similarity(a, b * 0, eps=1e-3),
    "pd": lambda F, a, b: F.pairwise_distance(a, b),
    "pd_keep": lambda F, a, b: F.pairwise_distance(a, b, keepdim=True),
    "pd_p1": lambda F, a, b: F.pairwise_distance(a, b, p=1),
    "pd_p3": lambda F, a, b: F.pairwise_distance(a, b, p=3.0, eps=0.0),
    "pd_inf": lambda F, a, b: F.pairwise_distance(a, b, p=math.inf),
    "pd_bcast": lambda F, a, b: F.pairwise_distance(a, b[1]),
    "normalize": lambda F, a, b: F.normalize(a + b),
    "normalize_p3": lambda F, a, b: F.normalize(a, p=3, dim=0),
}


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", sorted(DISTANCES))
def test_distances_match_torch(name, dtype):
    out = []
    b_array = SMOOTH[::-1] * 0.5 + 0.3
    for m, F in _libs():
        a = m.tensor(SMOOTH, dtype=getattr(m, dtype), requires_grad=True)
        b = m.tensor(b_array, dtype=getattr(m, dtype), requires_grad=True)
        y = DISTANCES[name](F, a, b)
        y.backward(m.tensor(np.cos(np.arange(y.numel())).reshape(tuple(y.shape)), dtype=y.dtype))
        out.append((y.grad_fn.name(), _np(y), _np(a.grad), b.grad))
    assert out[0][0] == out[1][0]
    assert (out[0][3] is None) == (out[1][3] is None)
    for ours, theirs in zip(out[1][1:], out[0][1:]):
        if theirs is not None:
            np.testing.assert_allclose(_np(ours) if not isinstance(ours, np.ndarray) else ours,
                                       _np(theirs) if not isinstance(theirs, np.ndarray) else
                                       theirs, rtol=5 * TOL[dtype], atol=5 * TOL[dtype])


def test_cosine_similarity_of_integers_is_refused_as_in_torch():
    errors = []
    for m, F in _libs():
        with pytest.raises(RuntimeError) as info:
            F.cosine_similarity(m.tensor([[1, 2]]), m.tensor([[3, 4]]))
        errors.append(str(info.value))
    assert errors[0] == errors[1]


# -- attention -----------------------------------------------------------------------------------
def _qkv(shape_q, shape_kv, seed=3):
    rng = np.random.default_rng(seed)
    return rng.standard_normal(shape_q), rng.standard_normal(shape_kv), rng.standard_normal(
        shape_kv[:-1] + (shape_kv[-1] + 1,))


ATTENTION = {
    "plain_2d": ((4, 3), (5, 3), {}),
    "plain_3d": ((2, 4, 3), (2, 5, 3), {}),
    "bool_mask": ((2, 4, 3), (2, 5, 3), {"attn_mask": np.tril(np.ones((4, 5), bool), 1)}),
    "float_mask": ((2, 4, 3), (2, 5, 3), {"attn_mask": np.linspace(-1, 1, 20).reshape(4, 5)}),
    "empty_row": ((2, 4, 3), (2, 5, 3), {"attn_mask": np.tril(np.ones((4, 5), bool), -1)}),
    "causal": ((2, 4, 3), (2, 4, 3), {"is_causal": True}),
    "causal_rect": ((1, 3, 2), (1, 5, 2), {"is_causal": True}),
    "scale": ((2, 4, 3), (2, 5, 3), {"scale": 0.7}),
    "negative_scale": ((2, 4, 3), (2, 5, 3), {"scale": -0.4}),
    "heads_4d": ((2, 2, 4, 3), (2, 2, 5, 3), {}),
    "heads_4d_mask": ((2, 2, 4, 3), (2, 2, 5, 3), {"attn_mask": np.tril(np.ones((4, 5), bool))}),
    "heads_4d_mask_4d": ((2, 2, 4, 3), (2, 2, 5, 3),
                         {"attn_mask": np.linspace(-1, 1, 40).reshape(2, 1, 4, 5)}),
    "heads_4d_empty_row": ((1, 2, 4, 3), (1, 2, 5, 3),
                           {"attn_mask": np.tril(np.ones((4, 5), bool), -1)}),
    "heads_4d_causal_scale": ((2, 2, 4, 3), (2, 2, 4, 3), {"is_causal": True, "scale": 0.5}),
    "heads_4d_mask_3d": ((2, 2, 4, 3), (2, 2, 5, 3),
                         {"attn_mask": np.linspace(-1, 1, 40).reshape(2, 4, 5)}),
    "heads_4d_broadcast": ((1, 2, 4, 3), (1, 1, 5, 3), {}),
    "gqa": ((1, 4, 3, 2), (1, 2, 5, 2), {"enable_gqa": True}),
    "5d": ((1, 2, 2, 3, 2), (1, 2, 2, 4, 2), {}),
}


@pytest.mark.parametrize("name", sorted(ATTENTION))
def test_scaled_dot_product_attention_matches_torch(name):
    shape_q, shape_kv, kwargs = ATTENTION[name]
    arrays = _qkv(shape_q, shape_kv)
    out = []
    for m, F in _libs():
        q, k, v = (m.tensor(a, requires_grad=True) for a in arrays)
        kw = {key: m.tensor(val) if isinstance(val, np.ndarray) else val
              for key, val in kwargs.items()}
        if "attn_mask" in kw and kw["attn_mask"].dtype == m.float64:
            kw["attn_mask"] = kw["attn_mask"].to(m.float64)
        y = F.scaled_dot_product_attention(q, k, v, **kw)
        y.backward(m.tensor(np.sin(np.arange(y.numel())).reshape(tuple(y.shape))))
        out.append((y.grad_fn.name(), _np(y), _np(q.grad), _np(k.grad), _np(v.grad)))
    assert out[0][0] == out[1][0]
    for ours, theirs in zip(out[1][1:], out[0][1:]):
        np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("seed", [0, 7])
def test_attention_dropout_draws_as_torch(seed):
    arrays = _qkv((2, 4, 3), (2, 5, 3), seed)
    out = []
    for m, F in _libs():
        q, k, v = (m.tensor(a, dtype=m.float32) for a in arrays)
        m.manual_seed(seed)
        y = F.scaled_dot_product_attention(q, k, v, dropout_p=0.4)
        out.append((_np(y), m.rand(2).tolist()))  # the stream continues where torch's does
    np.testing.assert_allclose(out[1][0], out[0][0], rtol=1e-5, atol=1e-6)
    assert out[0][1] == out[1][1]


@pytest.mark.parametrize("call", [
    lambda F, m: F.scaled_dot_product_attention(m.ones(2, 3), m.ones(2, 3, dtype=m.float64),
                                                m.ones(2, 3)),
    lambda F, m: F.scaled_dot_product_attention(m.ones(3), m.ones(3), m.ones(3)),
    lambda F, m: F.scaled_dot_product_attention(m.ones(2, 3), m.ones(2, 3), m.ones(2, 3),
                                                attn_mask=m.ones(2, 2, dtype=m.bool),
                                                is_causal=True),
    lambda F, m: F.scaled_dot_product_attention(m.ones(2, 3), m.ones(2, 3), m.ones(2, 3),
                                                attn_mask=m.ones(2, 2, dtype=m.long)),
])
def test_attention_errors_match_torch(call):
    errors = []
    for m, F in _libs():
        with pytest.raises(RuntimeError) as info:
            call(F, m)
        errors.append(str(info.value))
    assert errors[0] == errors[1]


# -- torch's top-level forms (nn/_functional/toplevel.py, re-exported by tapegrad) ---------------
from tapegrad.nn._functional import toplevel as TOP  # noqa: E402

TOPLEVEL = {
    "selu": lambda m, c, x: m.selu(x), "celu": lambda m, c, x: m.celu(x, 0.5),
    "prelu": lambda m, c, x: m.prelu(x, c.tensor([0.2, 0.1, -0.3, 0.4], dtype=x.dtype)),
    "hardshrink": lambda m, c, x: m.hardshrink(x, 1.0),
    "threshold": lambda m, c, x: m.threshold(x, 0.2, -1.0),
    "layer_norm": lambda m, c, x: m.layer_norm(x, (4,), None, None, 1e-3, True),
    "batch_norm": lambda m, c, x: m.batch_norm(x, c.ones(4, dtype=x.dtype), None, None, None,
                                               True, 0.1, 1e-5, False),
    "rms_norm": lambda m, c, x: m.rms_norm(x, [4]),
    "binary_cross_entropy_with_logits": lambda m, c, x: m.binary_cross_entropy_with_logits(
        x, x.sigmoid().detach() * 0.5, None, None, 2),
    "kl_div": lambda m, c, x: m.kl_div(x, x.detach().exp(), 0, log_target=False),
    "cosine_similarity": lambda m, c, x: m.cosine_similarity(x, x * x, 0),
    "pairwise_distance": lambda m, c, x: m.pairwise_distance(x, x * 2, 1.0),
    "constant_pad_nd": lambda m, c, x: m.constant_pad_nd(x, [1, -1], 2.5),
}


@pytest.mark.parametrize("name", sorted(TOPLEVEL))
def test_top_level_forms_match_torch(name):
    out = []
    for m, c in ((torch, torch), (TOP, tg)):
        leaf = c.tensor(SMOOTH, requires_grad=True)
        y = TOPLEVEL[name](m, c, leaf)
        y.sum().backward()
        out.append((y.grad_fn.name(), _np(y), _np(leaf.grad)))
    assert out[0][0] == out[1][0]
    np.testing.assert_allclose(out[1][1], out[0][1], rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(out[1][2], out[0][2], rtol=1e-12, atol=1e-14)


def test_every_top_level_form_is_tested():
    """Here, in tests/test_nn_toplevel_forms.py (its CALLS and the dropout draws), or by
    tests/scripts/api_nn_toplevel.py."""
    from test_nn_toplevel_forms import CALLS
    scripted = {"adaptive_avg_pool1d", "adaptive_max_pool1d", "max_pool1d_with_indices",
                "grid_sampler_2d", "grid_sampler_3d", "conv_tbc", "rrelu", "channel_shuffle",
                "native_channel_shuffle", "dropout", "alpha_dropout",
                "feature_dropout", "feature_alpha_dropout"}
    script = (Path(__file__).parent / "scripts" / "api_nn_toplevel.py").read_text()
    assert all(f"torch.{name}(" in script for name in scripted - {
        "dropout", "alpha_dropout", "feature_dropout", "feature_alpha_dropout"})
    untested = {n for n in TOP.__all__ if not n.endswith("_")} - set(TOPLEVEL) - set(CALLS) \
        - {c.split("_transposed")[0] for c in CALLS} - scripted
    assert not untested
