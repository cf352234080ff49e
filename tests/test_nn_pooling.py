"""Pooling (max, average, adaptive, LP, unpooling; 1-D, 2-D, 3-D) against torch: values, indices,
input gradients, grad_fn names, float32 and float64, odd geometries (kernel larger than the input
with padding, stride larger than the kernel, ceil_mode adding or dropping a window, dilation),
second derivatives, module reprs and torch's error messages."""
from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")
import torch.nn.functional as TF  # noqa: E402

import tapegrad as tg  # noqa: E402
import tapegrad.nn as gnn  # noqa: E402
import tapegrad.nn.functional as GF  # noqa: E402
from tapegrad.autograd import gradcheck, gradgradcheck  # noqa: E402

TOL = {"float32": 2e-6, "float64": 1e-12}


def _run(name, args, shape, kw, dtype, seed=0, positive=False):
    """Value, indices, grad_fn name and input gradient, under torch and under tapegrad."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape).astype(dtype)
    if positive:
        x = np.abs(x) + 0.1
    results = []
    for lib, F in ((torch, TF), (tg, GF)):
        xt = lib.tensor(x, requires_grad=True)
        out = getattr(F, name)(xt, *args, **kw)
        idx = None
        if isinstance(out, tuple):
            out, idx = out
            idx = idx.numpy()
        g = np.random.default_rng(seed + 1).standard_normal(tuple(out.shape)).astype(dtype)
        out.backward(lib.tensor(g))
        results.append((out.detach().numpy(), idx, type(out.grad_fn).__name__,
                        xt.grad.numpy(), str(out.dtype)))
    return results


def _assert_same(results, dtype):
    (vt, it, nt, gt, dt), (vg, ig, ng, gg, dg) = results
    assert vt.shape == vg.shape
    np.testing.assert_allclose(vg, vt, rtol=TOL[dtype], atol=TOL[dtype])
    np.testing.assert_allclose(gg, gt, rtol=TOL[dtype], atol=TOL[dtype])
    assert ng == nt
    assert dg == dt.replace("torch", "tapegrad")
    if it is not None:
        np.testing.assert_array_equal(ig, it)
        assert ig.dtype == it.dtype


GEOMETRIES_2D = [
    # (args, input shape, kwargs)
    ((2,), (2, 3, 6, 7), {}),
    ((3,), (1, 2, 5, 5), dict(padding=1)),
    ((2,), (1, 1, 5, 5), dict(ceil_mode=True)),  # ceil mode adds a window
    ((3,), (1, 1, 6, 6), dict(stride=2, padding=1, ceil_mode=True)),
    ((2,), (1, 1, 4, 4), dict(stride=3, ceil_mode=True, padding=1)),  # last window dropped
    ((2,), (1, 1, 5, 5), dict(stride=3)),  # stride larger than the kernel
    ((5,), (1, 1, 3, 3), dict(padding=2, stride=1)),  # kernel larger than the input
    (((2, 3),), (2, 5, 7), dict(stride=(1, 2))),  # unbatched, rectangular
    ((3,), (2, 1, 4, 9), dict(stride=(2, 1), padding=(1, 0))),
]
DILATED = [((3,), (1, 1, 7, 8), dict(dilation=2, padding=1)),
           ((2,), (1, 1, 9, 8), dict(dilation=3, padding=1, stride=2, ceil_mode=True)),
           (((2, 3),), (1, 2, 8, 9), dict(dilation=(3, 2), stride=(2, 3), ceil_mode=True))]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("args,shape,kw", GEOMETRIES_2D + DILATED)
def test_max_pool2d(args, shape, kw, dtype):
    _assert_same(_run("max_pool2d", args, shape, kw, dtype), dtype)
    _assert_same(_run("max_pool2d", args, shape, dict(kw, return_indices=True), dtype), dtype)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("count_include_pad", [True, False])
@pytest.mark.parametrize("args,shape,kw", GEOMETRIES_2D)
def test_avg_pool2d(args, shape, kw, dtype, count_include_pad):
    _assert_same(_run("avg_pool2d", args, shape, dict(kw, count_include_pad=count_include_pad),
                      dtype), dtype)


@pytest.mark.parametrize("args,shape,kw", GEOMETRIES_2D[:5])
def test_avg_pool2d_divisor_override(args, shape, kw):
    _assert_same(_run("avg_pool2d", args, shape, dict(kw, divisor_override=3), "float64"),
                 "float64")


ADAPTIVE = [((3,), (2, 3, 7, 9)), (((2, 5),), (1, 10, 7)), (((None, 4),), (1, 2, 5, 9)),
            ((1,), (1, 1, 3, 3)), (((4, 4),), (1, 1, 3, 3)), (((5, 2),), (2, 2, 7, 3))]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("args,shape", ADAPTIVE)
@pytest.mark.parametrize("name,kw", [("adaptive_avg_pool2d", {}), ("adaptive_max_pool2d", {}),
                                     ("adaptive_max_pool2d", {"return_indices": True})])
def test_adaptive_pool2d(name, kw, args, shape, dtype):
    _assert_same(_run(name, args, shape, kw, dtype), dtype)


OTHERS = [
    ("max_pool3d", (2,), (1, 2, 5, 5, 5), dict(padding=1, ceil_mode=True)),
    ("max_pool3d", ((2, 3, 1),), (2, 4, 6, 3), dict(stride=(1, 2, 2), return_indices=True)),
    ("max_pool3d", (3,), (1, 1, 7, 6, 5), dict(dilation=2, stride=2, padding=1)),
    ("avg_pool3d", (3,), (1, 2, 5, 6, 5), dict(padding=1, stride=2, count_include_pad=False)),
    ("avg_pool3d", (2,), (1, 2, 5, 4, 5), dict(ceil_mode=True, divisor_override=5)),
    ("adaptive_avg_pool3d", ((2, 3, 4),), (1, 2, 5, 6, 7), {}),
    ("adaptive_avg_pool3d", (1,), (2, 3, 3, 3), {}),
    ("adaptive_max_pool3d", ((2, 3, 2),), (1, 2, 5, 6, 3), dict(return_indices=True)),
    ("adaptive_max_pool3d", (2,), (2, 3, 4, 5), {}),
    ("max_pool1d", (3,), (2, 3, 10), dict(stride=2, padding=1)),
    ("max_pool1d", (2,), (3, 9), dict(dilation=2, ceil_mode=True, return_indices=True)),
    ("avg_pool1d", (3,), (2, 3, 10), dict(stride=2, padding=1, ceil_mode=True)),
    ("avg_pool1d", (4,), (2, 3, 9), dict(stride=5, padding=2, count_include_pad=False)),
    ("adaptive_avg_pool1d", (4,), (2, 3, 10), {}),
    ("adaptive_max_pool1d", (4,), (2, 3, 10), dict(return_indices=True)),
    ("adaptive_max_pool1d", (3,), (3, 7), {}),
]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name,args,shape,kw", OTHERS)
def test_other_poolings(name, args, shape, kw, dtype):
    _assert_same(_run(name, args, shape, kw, dtype), dtype)


@pytest.mark.parametrize("name,args,shape,kw", [
    ("lp_pool2d", (2.0, 3), (1, 2, 7, 7), dict(stride=2)),
    ("lp_pool2d", (3.0, (2, 3)), (2, 5, 6), {}),
    ("lp_pool2d", (1.5, 2), (1, 1, 5, 5), dict(ceil_mode=True)),
    ("lp_pool1d", (3.0, 2), (1, 2, 7), {}),
])
def test_lp_pool(name, args, shape, kw):
    _assert_same(_run(name, args, shape, kw, "float64", positive=True), "float64")


def test_ties_and_nan_follow_torch():
    x = np.array([[[[1.0, 3.0, 3.0, 0.0], [3.0, 2.0, 3.0, 3.0], [0.0, 0.0, 0.0, 0.0]]]])
    xn = np.array([[[[1.0, np.nan, 3.0, np.nan], [np.nan, 5.0, 2.0, 1.0]]]])
    for a, k in ((x, 2), (x, (3, 4)), (xn, (1, 4)), (xn, 2)):
        t = TF.max_pool2d(torch.tensor(a), k, return_indices=True)
        g = GF.max_pool2d(tg.tensor(a), k, return_indices=True)
        np.testing.assert_array_equal(g[1].numpy(), t[1].numpy())
        np.testing.assert_array_equal(g[0].numpy(), t[0].numpy())


def test_integer_inputs():
    x = np.arange(-5, 20).reshape(1, 1, 5, 5)
    for fn, kw in ((("max_pool2d"), {}), ("avg_pool2d", dict(padding=1)),
                   ("avg_pool2d", dict(padding=1, count_include_pad=False))):
        t = getattr(TF, fn)(torch.tensor(x), 3, 2, **kw)
        g = getattr(GF, fn)(tg.tensor(x), 3, 2, **kw)
        np.testing.assert_array_equal(g.numpy(), t.numpy())
        assert str(g.dtype) == "tapegrad.int64"


def test_max_unpool2d():
    x = np.random.default_rng(3).standard_normal((2, 3, 6, 6))
    outs = []
    for lib, F in ((torch, TF), (tg, GF)):
        xt = lib.tensor(x, requires_grad=True)
        y, i = F.max_pool2d(xt, 2, return_indices=True)
        u1 = F.max_unpool2d(y, i, 2)
        u2 = F.max_unpool2d(y, i, 2, output_size=(7, 6))
        (u1.sum() * 2 + (u2 ** 2).sum()).backward()
        outs.append((u1.detach().numpy(), u2.detach().numpy(), xt.grad.numpy()))
    for a, b in zip(*outs):
        np.testing.assert_allclose(b, a, rtol=1e-12)


def test_max_unpool1d():
    x = np.random.default_rng(4).standard_normal((2, 7))
    t = TF.max_unpool1d(*TF.max_pool1d(torch.tensor(x), 2, return_indices=True), 2,
                        output_size=[7])
    g = GF.max_unpool1d(*GF.max_pool1d(tg.tensor(x), 2, return_indices=True), 2,
                        output_size=[7])
    np.testing.assert_array_equal(g.numpy(), t.numpy())


@pytest.mark.parametrize("fn", [
    lambda F, x: F.max_pool2d(x, 3, 2, 1, ceil_mode=True),
    lambda F, x: F.max_pool2d(x, 2, 1, dilation=2),
    lambda F, x: F.avg_pool2d(x, 3, 2, 1, count_include_pad=False),
    lambda F, x: F.avg_pool2d(x, 2, 3, ceil_mode=True, divisor_override=2),
    lambda F, x: F.adaptive_avg_pool2d(x, (3, 2)),
    lambda F, x: F.adaptive_max_pool2d(x, (2, 4)),
    lambda F, x: F.max_pool3d(x, 2, 1, 1),
    lambda F, x: F.avg_pool3d(x, 2, 1, 1),
    lambda F, x: F.adaptive_avg_pool3d(x, (2, 3, 2)),
])
def test_gradcheck_and_gradgradcheck(fn):
    rng = np.random.default_rng(5)
    x = tg.tensor(rng.permutation(60).reshape(1, 2, 5, 6) * 0.1, requires_grad=True)
    assert gradcheck(lambda x: fn(GF, x), (x,))
    assert gradgradcheck(lambda x: fn(GF, x), (x,))


@pytest.mark.parametrize("name,kw", [("max_pool2d", {}), ("avg_pool2d", {}),
                                     ("adaptive_avg_pool2d", {}), ("adaptive_max_pool2d", {}),
                                     ("max_pool3d", {}), ("avg_pool3d", {})])
def test_double_backward_grad_fn_names(name, kw):
    shape = (1, 1, 4, 4, 4) if name.endswith("3d") else (1, 1, 4, 4)
    x = np.random.default_rng(6).standard_normal(shape)
    names = []
    for lib, F in ((torch, TF), (tg, GF)):
        xt = lib.tensor(x, requires_grad=True)
        y = getattr(F, name)(xt, 2)
        v = lib.ones(tuple(y.shape), dtype=lib.float64, requires_grad=True)
        g, = lib.autograd.grad(y, xt, v, create_graph=True)
        names.append(type(g.grad_fn).__name__)
    assert names[1] == names[0]


MODULES = [
    ("MaxPool2d", (3,), {}), ("MaxPool2d", ((2, 3),), dict(stride=1, padding=1, dilation=2,
                                                           return_indices=True, ceil_mode=True)),
    ("AvgPool2d", (3,), {}), ("AvgPool2d", ((2, 3), 1, 1, True, False, 3), {}),
    ("AdaptiveAvgPool2d", ((1, 1),), {}), ("AdaptiveAvgPool2d", (3,), {}),
    ("AdaptiveMaxPool2d", ((2, None),), {}), ("AdaptiveMaxPool2d", (2, True), {}),
    ("MaxPool1d", (2,), {}), ("AvgPool1d", (3, 2), {}), ("MaxPool3d", (2, 1, 1), {}),
    ("AvgPool3d", (2,), {}), ("AdaptiveAvgPool1d", (2,), {}), ("AdaptiveMaxPool1d", (3,), {}),
    ("AdaptiveAvgPool3d", ((2, None, 1),), {}), ("AdaptiveMaxPool3d", ((2, None, 1), True), {}), ("LPPool2d", (2, 3), {}),
    ("LPPool1d", (1.5, 2), {}), ("MaxUnpool2d", (2,), {}), ("MaxUnpool1d", (3, 2), {}),
]


@pytest.mark.parametrize("name,args,kw", MODULES)
def test_module_repr(name, args, kw):
    assert repr(getattr(gnn, name)(*args, **kw)) == repr(getattr(torch.nn, name)(*args, **kw))


@pytest.mark.parametrize("name,args,shape", [
    ("MaxPool2d", (3, 2, 1), (2, 3, 7, 7)), ("AvgPool2d", (3, 2, 1), (2, 3, 7, 7)),
    ("AdaptiveAvgPool2d", ((1, 1),), (2, 3, 7, 7)), ("AdaptiveMaxPool2d", (3,), (2, 3, 7, 7)),
    ("MaxPool1d", (3, 2), (2, 3, 9)), ("AvgPool3d", (2,), (1, 2, 4, 4, 4)),
    ("LPPool2d", (2, 2), (1, 2, 6, 6)),
])
def test_module_forward(name, args, shape):
    x = np.abs(np.random.default_rng(7).standard_normal(shape)) + 0.1
    t = getattr(torch.nn, name)(*args)(torch.tensor(x))
    g = getattr(gnn, name)(*args)(tg.tensor(x))
    np.testing.assert_allclose(g.numpy(), t.numpy(), rtol=1e-12)


ERRORS = [
    lambda F, x: F.max_pool2d(x, 3, padding=2),
    lambda F, x: F.avg_pool2d(x, 3, padding=2),
    lambda F, x: F.max_pool2d(x, 3, padding=2, dilation=2),
    lambda F, x: F.max_pool2d(x, (5, 3), padding=(1, 2), dilation=(1, 3)),
    lambda F, x: F.max_pool2d(x, 5),
    lambda F, x: F.avg_pool2d(x, 5),
    lambda F, x: F.max_pool2d(x, 0),
    lambda F, x: F.max_pool2d(x, 0, stride=1),
    lambda F, x: F.max_pool2d(x, 2, stride=-1),
    lambda F, x: F.max_pool2d(x, 2, padding=-1),
    lambda F, x: F.max_pool2d(x, 2, dilation=0),
    lambda F, x: F.max_pool2d(x, (2, 2, 2)),
    lambda F, x: F.max_pool2d(x, 2, stride=(1, 1, 1)),
    lambda F, x: F.max_pool2d(x, 2, padding=(1, 1, 1)),
    lambda F, x: F.max_pool2d(x, 2, dilation=(1, 1, 1)),
    lambda F, x: F.avg_pool2d(x, (2, 2, 2)),
    lambda F, x: F.avg_pool2d(x, 2, divisor_override=0),
    lambda F, x: F.max_pool2d(x[0, 0], 2),
    lambda F, x: F.avg_pool2d(x.reshape(1, 1, 1, 3, 6), 2),
    lambda F, x: F.max_pool3d(x, 2, padding=(1, 0, 1)) if False else F.max_pool3d(x[0], 2),
    lambda F, x: F.adaptive_avg_pool2d(x[0, 0, 0], 2),
    lambda F, x: F.adaptive_max_pool2d(x[0, 0], 2),
    lambda F, x: F.adaptive_max_pool2d(x, (2, 3, 4)),
    lambda F, x: F.adaptive_avg_pool2d(x[:, :, :0], 2),
    lambda F, x: F.max_pool1d(x[0, 0, 0], 2),
    lambda F, x: F.avg_pool1d(x[0, 0, 0], 2),
    lambda F, x: F.adaptive_avg_pool1d(x[0, 0, 0], 2),
    lambda F, x: F.adaptive_max_pool1d(x[0, 0, 0], 2),
    lambda F, x: F.adaptive_max_pool3d(x[0, 0], 2),
    lambda F, x: F.adaptive_avg_pool3d(x[0, 0], 2),
    lambda F, x: F.adaptive_max_pool3d(x, (1, 2)),
]


@pytest.mark.parametrize("fn", ERRORS)
def test_errors(fn):
    x = np.zeros((1, 2, 3, 3))
    with pytest.raises(Exception) as want:
        fn(TF, torch.tensor(x))
    with pytest.raises(type(want.value)) as got:
        fn(GF, tg.tensor(x))
    assert str(got.value) == str(want.value)


# -- the rest of vision: unfold/fold, pixel_shuffle/pixel_unshuffle ----------------------------
@pytest.mark.parametrize("args", [(2,), ((2, 3), 2, 1, (1, 2)), (3, 1, 1, 2),
                                  ((1, 4), 1, (0, 1), 3), ((3, 2), (1, 2), 0, (2, 1))])
@pytest.mark.parametrize("batched", [True, False])
def test_unfold_and_fold(args, batched):
    shape = (2, 3, 5, 6) if batched else (3, 5, 6)
    x = np.random.default_rng(8).standard_normal(shape)
    got = []
    for lib, F in ((torch, TF), (tg, GF)):
        xt = lib.tensor(x, requires_grad=True)
        cols = F.unfold(xt, *args)
        back = F.fold(cols * 1.5, shape[-2:], *args)
        (back ** 2).sum().backward()
        got.append((cols.detach().numpy(), back.detach().numpy(), xt.grad.numpy(),
                    type(cols.grad_fn).__name__, type(back.grad_fn).__name__))
    for a, b in zip(got[0][:3], got[1][:3]):
        assert a.shape == b.shape
        np.testing.assert_allclose(b, a, rtol=1e-12, atol=1e-12)
    assert got[1][3:] == got[0][3:]


@pytest.mark.parametrize("shape,r", [((2, 8, 3, 5), 2), ((9, 2, 2), 3), ((1, 2, 3, 4, 2, 1), 1)])
def test_pixel_shuffle_and_unshuffle(shape, r):
    x = np.random.default_rng(9).standard_normal(shape)
    for name in ("pixel_shuffle", "pixel_unshuffle"):
        if name == "pixel_unshuffle":
            x = np.random.default_rng(9).standard_normal(shape[:-3] + (shape[-3] // (r * r),
                                                                       shape[-2] * r,
                                                                       shape[-1] * r))
        got = []
        for lib, F in ((torch, TF), (tg, GF)):
            xt = lib.tensor(x, requires_grad=True)
            y = getattr(F, name)(xt, r)
            (y * lib.arange(y.numel(), dtype=lib.float64).reshape(y.shape)).sum().backward()
            got.append((y.detach().numpy(), xt.grad.numpy(), type(y.grad_fn).__name__))
        np.testing.assert_array_equal(got[1][0], got[0][0])
        np.testing.assert_array_equal(got[1][1], got[0][1])
        assert got[1][2] == got[0][2]


def test_vision_gradgradcheck():
    x = tg.tensor(np.random.default_rng(10).standard_normal((1, 2, 4, 3)), requires_grad=True)
    for fn in (lambda x: GF.unfold(x, 2, 1, 1, (2, 1)),
               lambda x: GF.fold(GF.unfold(x, 2), (4, 3), 2),
               lambda x: GF.pixel_unshuffle(GF.pixel_shuffle(x.reshape(1, 8, 1, 3), 2) ** 2, 2)):
        assert gradcheck(fn, (x,))
        assert gradgradcheck(fn, (x,))


@pytest.mark.parametrize("name,args,kw", [
    ("PixelShuffle", (2,), {}), ("PixelUnshuffle", (3,), {}), ("Unfold", (2,), {}),
    ("Unfold", ((2, 3),), dict(dilation=2, padding=1, stride=(1, 2))),
    ("Fold", ((4, 5), 2), {}), ("Fold", (6, (2, 3)), dict(stride=2, padding=1)),
])
def test_vision_module_reprs(name, args, kw):
    assert repr(getattr(gnn, name)(*args, **kw)) == repr(getattr(torch.nn, name)(*args, **kw))


VISION_ERRORS = [
    lambda F, x: F.pixel_shuffle(x, 3),
    lambda F, x: F.pixel_unshuffle(x, 2),
    lambda F, x: F.pixel_shuffle(x[0, 0], 2),
    lambda F, x: F.unfold(x[0, 0], 2),
    lambda F, x: F.unfold(x, 4),
    lambda F, x: F.fold(x.reshape(1, 8, 15)[:, :7, :4], (3, 3), 2),
    lambda F, x: F.fold(x.reshape(1, 8, 15)[:, :, :5], (3, 3), 2),
    lambda F, x: F.fold(x.reshape(8, 15)[:, :5], (3, 3), 2),
]


@pytest.mark.parametrize("fn", VISION_ERRORS)
def test_vision_errors(fn):
    x = np.zeros((1, 8, 3, 5))
    with pytest.raises(Exception) as want:
        fn(TF, torch.tensor(x))
    with pytest.raises(type(want.value)) as got:
        fn(GF, tg.tensor(x))
    assert str(got.value) == str(want.value)


# -- interpolate / Upsample ----------------------------------------------------------------------
INTERPOLATIONS = [
    ((1, 2, 5), dict(scale_factor=2)), ((1, 2, 5), dict(size=7, mode="linear")),
    ((1, 2, 5), dict(size=3, mode="linear", align_corners=True)),
    ((1, 2, 5), dict(scale_factor=1.7, mode="nearest-exact")),
    ((2, 2, 3, 4), dict(scale_factor=2)), ((2, 2, 3, 4), dict(size=(5, 7))),
    ((2, 2, 3, 4), dict(size=(2, 3))),
    ((2, 2, 3, 4), dict(scale_factor=(1.5, 2.5), mode="bilinear")),
    ((2, 2, 3, 4), dict(size=(5, 7), mode="bilinear", align_corners=True)),
    ((2, 2, 3, 4), dict(size=(6, 5), mode="bicubic")),
    ((2, 2, 3, 4), dict(size=(4, 9), mode="bicubic", align_corners=True)),
    ((2, 2, 3, 4), dict(scale_factor=1.5, mode="bilinear", recompute_scale_factor=True)),
    ((2, 2, 3, 4), dict(size=(2, 3), mode="bilinear")),
    ((2, 2, 5, 4), dict(size=(2, 3), mode="area")),
    ((2, 2, 3, 4), dict(size=(7, 5), mode="nearest-exact")),
    ((1, 1, 2, 3, 2), dict(scale_factor=2)),
    ((1, 1, 2, 3, 2), dict(size=(3, 4, 5), mode="trilinear")),
    ((1, 1, 2, 3, 2), dict(scale_factor=(2, 1, 3), mode="trilinear", align_corners=True)),
]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("shape,kw", INTERPOLATIONS)
def test_interpolate(shape, kw, dtype):
    x = np.random.default_rng(11).standard_normal(shape).astype(dtype)
    got = []
    for lib, F in ((torch, TF), (tg, GF)):
        xt = lib.tensor(x, requires_grad=True)
        y = F.interpolate(xt, **kw)
        w = lib.arange(y.numel(), dtype=getattr(lib, dtype)).reshape(y.shape).cos()
        g, = lib.autograd.grad(y, xt, w.requires_grad_(), create_graph=True)
        got.append((y.detach().numpy(), g.detach().numpy(), type(y.grad_fn).__name__,
                    type(g.grad_fn).__name__))
    tol = 1e-5 if dtype == "float32" else 1e-12
    for a, b in zip(got[0][:2], got[1][:2]):
        assert a.shape == b.shape
        np.testing.assert_allclose(b, a, rtol=tol, atol=tol)
    assert got[1][2:] == got[0][2:]


def test_interpolate_integers():
    x = np.arange(12, dtype=np.uint8).reshape(1, 1, 3, 4)
    np.testing.assert_array_equal(
        GF.interpolate(tg.tensor(x), scale_factor=1.5).numpy(),
        TF.interpolate(torch.tensor(x), scale_factor=1.5).numpy())


@pytest.mark.parametrize("name,args,kw", [
    ("Upsample", (), dict(scale_factor=2)),
    ("Upsample", (), dict(size=(3, 4), mode="bilinear", align_corners=True)),
    ("Upsample", (), dict(scale_factor=(2.0, 1.5), mode="nearest")),
    ("UpsamplingNearest2d", (), dict(scale_factor=2)), ("UpsamplingBilinear2d", (), dict(size=3)),
])
def test_upsample_modules(name, args, kw):
    t_mod, g_mod = getattr(torch.nn, name)(*args, **kw), getattr(gnn, name)(*args, **kw)
    assert repr(g_mod) == repr(t_mod)
    x = np.arange(8.0).reshape(1, 2, 2, 2)
    np.testing.assert_allclose(g_mod(tg.tensor(x)).numpy(), t_mod(torch.tensor(x)).numpy(),
                               rtol=1e-12)


INTERP_ERRORS = [
    lambda F, x: F.interpolate(x),
    lambda F, x: F.interpolate(x, size=3, scale_factor=2),
    lambda F, x: F.interpolate(x, size=3, mode="nearest", align_corners=True),
    lambda F, x: F.interpolate(x, size=3, mode="linear"),
    lambda F, x: F.interpolate(x, size=(1, 2, 3)),
    lambda F, x: F.interpolate(x, scale_factor=(1, 2, 3)),
    lambda F, x: F.interpolate(x, size=3, mode="foo"),
    lambda F, x: F.interpolate(x, size=0),
    lambda F, x: F.interpolate(x[0], size=3, mode="bilinear"),
    lambda F, x: F.interpolate(x, size=3, recompute_scale_factor=True),
]


@pytest.mark.parametrize("fn", INTERP_ERRORS)
def test_interpolate_errors(fn):
    x = np.zeros((1, 2, 3, 4))
    with pytest.raises(Exception) as want:
        fn(TF, torch.tensor(x))
    with pytest.raises(type(want.value)) as got:
        fn(GF, tg.tensor(x))
    assert str(got.value) == str(want.value)


def test_indices_follow_in_place_changes():
    """A second pooling of the same tensor, changed in place, finds the new winners."""
    got = []
    for lib, F in ((torch, TF), (tg, GF)):
        x = lib.tensor([[[[1.0, 2.0], [3.0, 4.0]]]])
        first = F.max_pool2d(x, 2, return_indices=True)
        x.mul_(-1)
        second = F.max_pool2d(x, 2, return_indices=True)
        got.append([t.numpy().tolist() for t in first + second])
    assert got[1] == got[0]


def test_pad_message_of_3d_max_pool():
    x = np.zeros((1, 1, 9, 9, 9))
    kw = dict(kernel_size=(3, 3, 5), padding=(1, 1, 3), dilation=(1, 1, 2))
    with pytest.raises(RuntimeError) as want:
        TF.max_pool3d(torch.tensor(x), **kw)
    with pytest.raises(RuntimeError) as got:
        GF.max_pool3d(tg.tensor(x), **kw)
    assert str(got.value) == str(want.value)
