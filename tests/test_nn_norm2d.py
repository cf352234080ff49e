"""Normalisation for images against torch: BatchNorm2d/3d (running statistics in train and
eval, momentum=None), the lazy batch norms, GroupNorm (the fused NativeGroupNormBackward0 op:
values, input/weight/bias gradients, second order), InstanceNorm1d/2d/3d, LocalResponseNorm,
channel dropout (Dropout1d/2d/3d: seeded masks and the order of draws), reprs, state_dicts and
torch's error messages."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")
import torch.nn.functional as TF  # noqa: E402

import tapegrad as tg  # noqa: E402
import tapegrad.nn as gnn  # noqa: E402
import tapegrad.nn.functional as GF  # noqa: E402
from tapegrad.autograd import gradcheck, gradgradcheck  # noqa: E402

TOL = {"float32": 5e-6, "float64": 1e-11}


def _np(t):
    return t.detach().numpy()


def _pair(name, *args, **kw):
    return getattr(torch.nn, name)(*args, **kw), getattr(gnn, name)(*args, **kw)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name,shape,kw", [
    ("BatchNorm2d", (4, 3, 5, 6), {}),
    ("BatchNorm2d", (2, 3, 1, 3), dict(momentum=None)),
    ("BatchNorm2d", (3, 3, 2, 2), dict(affine=False, momentum=0.3)),
    ("BatchNorm3d", (2, 3, 3, 2, 4), {}),
    ("BatchNorm3d", (2, 2, 2, 3, 3), dict(momentum=None, eps=1e-3)),
])
def test_batch_norm_train_then_eval(name, shape, kw, dtype):
    t_mod, g_mod = _pair(name, shape[1], **kw)
    t_mod, g_mod = (t_mod.double(), g_mod.double()) if dtype == "float64" else (t_mod, g_mod)
    rng = np.random.default_rng(0)
    for step in range(3):
        x = (rng.standard_normal(shape) * (step + 1) + step).astype(dtype)
        xt, xg = torch.tensor(x, requires_grad=True), tg.tensor(x, requires_grad=True)
        yt, yg = t_mod(xt), g_mod(xg)
        assert type(yg.grad_fn).__name__ == type(yt.grad_fn).__name__
        np.testing.assert_allclose(_np(yg), _np(yt), rtol=TOL[dtype], atol=TOL[dtype])
        g = rng.standard_normal(shape).astype(dtype)
        yt.backward(torch.tensor(g))
        yg.backward(tg.tensor(g))
        np.testing.assert_allclose(xg.grad.numpy(), xt.grad.numpy(), rtol=1e-4 if dtype ==
                                   "float32" else 1e-9, atol=TOL[dtype] * 10)
    for key, value in t_mod.state_dict().items():
        np.testing.assert_allclose(g_mod.state_dict()[key].numpy(), value.numpy(),
                                   rtol=TOL[dtype], atol=TOL[dtype])
    t_mod.eval()
    g_mod.eval()
    x = rng.standard_normal(shape).astype(dtype)
    np.testing.assert_allclose(_np(g_mod(tg.tensor(x))), _np(t_mod(torch.tensor(x))),
                               rtol=TOL[dtype], atol=TOL[dtype])


@pytest.mark.parametrize("name,args,kw", [
    ("BatchNorm2d", (3,), {}), ("BatchNorm3d", (3,), dict(momentum=None)),
    ("BatchNorm2d", (2,), dict(affine=False, track_running_stats=False)),
    ("LazyBatchNorm1d", (), {}), ("LazyBatchNorm2d", (), dict(eps=1e-3)),
    ("LazyBatchNorm3d", (), dict(affine=False)),
    ("GroupNorm", (2, 4), {}), ("GroupNorm", (1, 3), dict(affine=False)),
    ("GroupNorm", (3, 6), dict(bias=False, eps=1e-3)),
    ("InstanceNorm1d", (3,), {}), ("InstanceNorm2d", (3,), dict(affine=True)),
    ("InstanceNorm2d", (3,), dict(track_running_stats=True)), ("InstanceNorm3d", (2,), {}),
    ("LocalResponseNorm", (2,), {}), ("LocalResponseNorm", (3, 1e-3, 0.5, 2.0), {}),
    ("Dropout1d", (), {}), ("Dropout2d", (0.2,), {}), ("Dropout3d", (0.1, True), {}),
])
def test_reprs_and_state_dict_keys(name, args, kw):
    t_mod, g_mod = _pair(name, *args, **kw)
    assert repr(g_mod) == repr(t_mod)
    assert list(g_mod.state_dict()) == list(t_mod.state_dict())
    assert [repr(v) for v in g_mod.state_dict().values() if "Uninit" in repr(v)] == \
        [repr(v) for v in t_mod.state_dict().values() if "Uninit" in repr(v)]


@pytest.mark.parametrize("name,shape", [("LazyBatchNorm1d", (4, 3)),
                                        ("LazyBatchNorm1d", (4, 3, 2)),
                                        ("LazyBatchNorm2d", (4, 3, 2, 2)),
                                        ("LazyBatchNorm3d", (2, 3, 2, 2, 2))])
def test_lazy_batch_norm_becomes_batch_norm(name, shape):
    t_mod, g_mod = _pair(name)
    x = np.random.default_rng(1).standard_normal(shape).astype(np.float32)
    yt, yg = t_mod(torch.tensor(x)), g_mod(tg.tensor(x))
    np.testing.assert_allclose(_np(yg), _np(yt), rtol=1e-5, atol=1e-5)
    assert type(g_mod).__name__ == type(t_mod).__name__
    assert repr(g_mod) == repr(t_mod)
    for key, value in t_mod.state_dict().items():
        np.testing.assert_allclose(g_mod.state_dict()[key].numpy(), value.numpy(), rtol=1e-6)


def test_lazy_batch_norm_loads_a_state_dict():
    src = torch.nn.BatchNorm2d(3)
    src(torch.randn(4, 3, 2, 2))
    g_mod = gnn.LazyBatchNorm2d()
    g_mod.load_state_dict({k: tg.tensor(v.numpy()) for k, v in src.state_dict().items()})
    np.testing.assert_allclose(g_mod.running_mean.numpy(), src.running_mean.numpy())
    assert int(g_mod.num_batches_tracked) == 1


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("groups,shape,affine", [(2, (2, 4, 3, 5), True), (1, (3, 3, 4), True),
                                                 (3, (2, 3, 2, 2, 2), False), (2, (2, 4), True),
                                                 (2, (1, 6, 7), True)])
def test_group_norm(groups, shape, affine, dtype):
    rng = np.random.default_rng(2)
    x = (rng.standard_normal(shape) * 3 + 1).astype(dtype)
    w = rng.uniform(0.5, 2, shape[1]).astype(dtype)
    b = rng.standard_normal(shape[1]).astype(dtype)
    g = rng.standard_normal(shape).astype(dtype)
    got = []
    for lib, F in ((torch, TF), (tg, GF)):
        xs = [lib.tensor(a, requires_grad=True) for a in (x, w, b)]
        y = F.group_norm(xs[0], groups, *(xs[1:] if affine else (None, None)))
        y.backward(lib.tensor(g))
        got.append([_np(y), type(y.grad_fn).__name__]
                   + [t.grad.numpy() for t in xs if t.grad is not None])
    assert got[1][1] == got[0][1]
    assert len(got[1]) == len(got[0])
    for a, b_ in zip(got[0][::2] + got[0][2:], got[1][::2] + got[1][2:]):
        np.testing.assert_allclose(b_, a, rtol=1e-4 if dtype == "float32" else 1e-9,
                                   atol=TOL[dtype] * 10)


def test_group_norm_gradcheck_and_gradgradcheck():
    rng = np.random.default_rng(3)
    x = tg.tensor(rng.standard_normal((2, 4, 3)), requires_grad=True)
    w = tg.tensor(rng.uniform(0.5, 2, 4), requires_grad=True)
    b = tg.tensor(rng.standard_normal(4), requires_grad=True)
    assert gradcheck(lambda x, w, b: GF.group_norm(x, 2, w, b), (x, w, b))
    assert gradgradcheck(lambda x, w, b: GF.group_norm(x, 2, w, b), (x, w, b))
    assert gradgradcheck(lambda x: GF.group_norm(x, 1), (x,))


@pytest.mark.parametrize("name,args,shape", [
    ("InstanceNorm1d", (3,), (2, 3, 5)), ("InstanceNorm1d", (3,), (3, 5)),
    ("InstanceNorm2d", (3,), (2, 3, 4, 4)), ("InstanceNorm2d", (3,), (3, 4, 4)),
    ("InstanceNorm3d", (2,), (2, 2, 2, 3, 2)),
])
@pytest.mark.parametrize("kw", [{}, dict(affine=True), dict(track_running_stats=True),
                                dict(affine=True, track_running_stats=True, momentum=None)])
def test_instance_norm(name, args, shape, kw):
    t_mod, g_mod = _pair(name, *args, **kw)
    t_mod, g_mod = t_mod.double(), g_mod.double()
    rng = np.random.default_rng(4)
    for train in (True, True, False):
        t_mod.train(train)
        g_mod.train(train)
        x = rng.standard_normal(shape) * 2 + 1
        xt, xg = torch.tensor(x, requires_grad=True), tg.tensor(x, requires_grad=True)
        yt, yg = t_mod(xt), g_mod(xg)
        assert type(yg.grad_fn).__name__ == type(yt.grad_fn).__name__
        np.testing.assert_allclose(_np(yg), _np(yt), rtol=1e-10, atol=1e-10)
        (yt ** 3).sum().backward()
        (yg ** 3).sum().backward()
        np.testing.assert_allclose(xg.grad.numpy(), xt.grad.numpy(), rtol=1e-8, atol=1e-8)
    for key, value in t_mod.state_dict().items():
        np.testing.assert_allclose(g_mod.state_dict()[key].numpy(), value.numpy(), rtol=1e-10)


@pytest.mark.parametrize("shape,args", [((2, 5, 3, 3), (3,)), ((2, 5, 4), (2, 1e-2, 0.6, 1.5)),
                                        ((1, 4, 2, 2, 2), (4,))])
def test_local_response_norm(shape, args):
    x = np.random.default_rng(5).standard_normal(shape)
    xt, xg = torch.tensor(x, requires_grad=True), tg.tensor(x, requires_grad=True)
    yt, yg = TF.local_response_norm(xt, *args), GF.local_response_norm(xg, *args)
    np.testing.assert_allclose(_np(yg), _np(yt), rtol=1e-12)
    yt.sum().backward()
    yg.sum().backward()
    np.testing.assert_allclose(xg.grad.numpy(), xt.grad.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name,args,shape", [
    ("Dropout2d", (), (2, 3, 2, 2)), ("Dropout2d", (0.3,), (3, 4, 5)),
    ("Dropout2d", (0.5,), (4, 3)), ("Dropout1d", (0.4,), (2, 5, 3)),
    ("Dropout1d", (), (4, 3)), ("Dropout3d", (0.2,), (2, 3, 1, 2, 1)),
    ("Dropout3d", (), (3, 2, 1, 2)), ("Dropout2d", (1.0,), (2, 3, 2, 2)),
    ("Dropout1d", (0.0,), (2, 3, 2)),
])
def test_channel_dropout_masks_follow_torch(name, args, shape):
    x = np.random.default_rng(6).standard_normal(shape).astype(np.float32)
    got = []
    for lib, nn in ((torch, torch.nn), (tg, gnn)):
        lib.manual_seed(0)
        m = getattr(nn, name)(*args)
        xt = lib.tensor(x, requires_grad=True)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            y = m(xt)
            y2 = m(xt)
            m.eval()
            same = m(xt) is xt
        y.sum().backward()
        got.append((_np(y), _np(y2), xt.grad.numpy(), type(y.grad_fn).__name__,
                    [str(w.message) for w in caught], same, lib.rand(2).numpy()))
    (a, b) = got
    for u, v in zip(a[:3], b[:3]):
        np.testing.assert_array_equal(v, u)
    assert a[3:6] == b[3:6]
    np.testing.assert_array_equal(b[6], a[6])  # the stream is where torch leaves it


def test_channel_dropout_inplace():
    for lib, F in ((torch, TF), (tg, GF)):
        lib.manual_seed(1)
        x = lib.ones(2, 3, 2)
        y = F.dropout1d(x, 0.5, inplace=True)
        assert y is x
    torch.manual_seed(1)
    tg.manual_seed(1)
    np.testing.assert_array_equal(GF.dropout2d(tg.ones(2, 3, 2, 2), 0.5, inplace=True).numpy(),
                                  TF.dropout2d(torch.ones(2, 3, 2, 2), 0.5, inplace=True).numpy())


ERRORS = [
    lambda nn, F, lib: nn.BatchNorm2d(3)(lib.zeros(2, 3, 4)),
    lambda nn, F, lib: nn.BatchNorm3d(3)(lib.zeros(2, 3, 4, 4)),
    lambda nn, F, lib: nn.BatchNorm2d(3)(lib.zeros(1, 3, 1, 1)),
    lambda nn, F, lib: nn.GroupNorm(3, 4),
    lambda nn, F, lib: F.group_norm(lib.zeros(2, 4, 3, 3), 3),
    lambda nn, F, lib: nn.GroupNorm(2, 4)(lib.zeros(2, 6, 3)),
    lambda nn, F, lib: F.group_norm(lib.zeros(4), 2),
    lambda nn, F, lib: F.group_norm(lib.zeros(1, 4), 4),
    lambda nn, F, lib: nn.InstanceNorm2d(3)(lib.zeros(3, 3)),
    lambda nn, F, lib: nn.InstanceNorm1d(3)(lib.zeros(3, 3, 3, 3)),
    lambda nn, F, lib: nn.InstanceNorm1d(3, affine=True)(lib.zeros(2, 4, 3)),
    lambda nn, F, lib: nn.InstanceNorm2d(3)(lib.zeros(2, 3, 1, 1)),
    lambda nn, F, lib: nn.Dropout1d()(lib.zeros(3, 3, 3, 3)),
    lambda nn, F, lib: F.dropout2d(lib.zeros(2, 3), 1.5),
    lambda nn, F, lib: nn.Dropout2d(-0.1),
    lambda nn, F, lib: nn.LocalResponseNorm(2)(lib.zeros(2, 3)),
]


@pytest.mark.parametrize("fn", ERRORS)
def test_errors(fn):
    with pytest.raises(Exception) as want:
        fn(torch.nn, TF, torch)
    with pytest.raises(type(want.value)) as got:
        fn(gnn, GF, tg)
    # (tapegrad's Size prints as tapegrad.Size unless imported as torch)
    assert str(got.value).replace("tapegrad.Size", "torch.Size") == str(want.value)
