"""Convolutions against real torch: F.conv1d/2d/3d and conv_transpose1d/2d/3d (values, input,
weight and bias gradients in float32 and float64, odd sizes), gradcheck and gradgradcheck,
forward mode, grad_fn names, the modules (seeded init bit for bit, reprs, padding modes, lazy
forms), torch's error messages, and D2L chapter 7's dataset-free code run under both."""
from __future__ import annotations

import io
import re
import warnings
from contextlib import redirect_stdout

import numpy as np
import pytest

import tapegrad as tg
import tapegrad.nn as tnn
import tapegrad.nn.functional as TF

torch = pytest.importorskip("torch")
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402

# (function, input shape, weight shape, bias?, keyword arguments)
CONFIGS = [
    ("conv2d", (2, 3, 7, 6), (4, 3, 3, 3), True, dict(padding=1)),
    ("conv2d", (2, 4, 7, 6), (6, 2, 3, 2), True,
     dict(stride=(2, 3), padding=(1, 2), dilation=(2, 1), groups=2)),
    ("conv2d", (2, 4, 7, 6), (4, 1, 3, 3), False, dict(stride=4, groups=4)),  # depthwise, s > k
    ("conv2d", (1, 2, 3, 3), (3, 2, 5, 4), True, dict(padding=(1, 2))),  # kernel > input
    ("conv2d", (2, 3, 7, 6), (5, 3, 2, 2), True, dict(padding="same")),  # even kernel
    ("conv2d", (2, 3, 7, 6), (5, 3, 2, 4), True, dict(padding="same", dilation=(3, 1))),
    ("conv2d", (2, 3, 7, 6), (5, 3, 3, 2), True, dict(padding="valid", stride=2)),
    ("conv2d", (3, 7, 6), (5, 3, 2, 2), True, {}),  # unbatched
    ("conv1d", (2, 3, 9), (5, 3, 2), True, dict(stride=3, padding=1)),
    ("conv1d", (2, 4, 11), (4, 2, 3), False, dict(dilation=3, groups=2, padding="same")),
    ("conv3d", (2, 2, 5, 6, 4), (4, 1, 2, 3, 2), True,
     dict(stride=(1, 2, 2), padding=(1, 0, 1), groups=2)),
    ("conv_transpose2d", (2, 4, 5, 6), (4, 3, 3, 2), True,
     dict(stride=(2, 3), padding=(1, 0), output_padding=(1, 2), groups=2, dilation=(1, 2))),
    ("conv_transpose1d", (2, 4, 5), (4, 3, 3), True,
     dict(stride=3, padding=2, output_padding=1, dilation=2)),
    ("conv_transpose3d", (2, 2, 3, 4, 3), (2, 3, 2, 2, 3), False, dict(stride=2)),
]


def _run(lib, fname, x, w, b, kw):
    F_ = TF if lib is tg else F
    X = lib.tensor(x, requires_grad=True)
    W = lib.tensor(w, requires_grad=True)
    B = lib.tensor(b, requires_grad=True) if b is not None else None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        y = getattr(F_, fname)(X, W, B, **kw)
    g = lib.tensor(np.cos(np.arange(y.numel())).reshape(tuple(y.shape)).astype(x.dtype))
    (y * g).sum().backward()
    grads = [X.grad.numpy(), W.grad.numpy()] + ([B.grad.numpy()] if b is not None else [])
    return y.detach().numpy(), grads, type(y.grad_fn).__name__


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("config", CONFIGS, ids=[f"{c[0]}-{i}" for i, c in enumerate(CONFIGS)])
def test_values_and_gradients_match_torch(config, dtype):
    fname, xs, ws, has_bias, kw = config
    rng = np.random.default_rng(0)
    x = rng.standard_normal(xs).astype(dtype)
    w = rng.standard_normal(ws).astype(dtype)
    b = rng.standard_normal(ws[1] * kw.get("groups", 1) if "transpose" in fname
                            else ws[0]).astype(dtype) if has_bias else None
    y, grads, name = _run(tg, fname, x, w, b, kw)
    ty, tgrads, tname = _run(torch, fname, x, w, b, kw)
    tol = dict(rtol=1e-4, atol=1e-4) if dtype == "float32" else dict(rtol=1e-10, atol=1e-10)
    assert y.dtype == ty.dtype and y.shape == ty.shape
    np.testing.assert_allclose(y, ty, **tol)
    for a, t in zip(grads, tgrads):
        assert a.shape == t.shape and a.dtype == t.dtype
        np.testing.assert_allclose(a, t, **tol)
    assert name == tname


GRADCHECK = [
    (TF.conv2d, (2, 4, 5, 6), (6, 2, 2, 3), True,
     dict(stride=(2, 1), padding=(1, 0), dilation=(1, 2), groups=2)),
    (TF.conv1d, (1, 2, 7), (3, 2, 3), True, dict(stride=3)),
    (TF.conv3d, (1, 2, 3, 4, 3), (2, 1, 2, 2, 2), False, dict(groups=2, padding=1)),
    (TF.conv2d, (1, 3, 4, 5), (2, 3, 2, 2), True, dict(padding="same")),
    (TF.conv_transpose2d, (1, 4, 3, 3), (4, 1, 2, 3), True,
     dict(stride=2, output_padding=1, groups=2, padding=1)),
    (TF.conv_transpose1d, (2, 2, 3), (2, 3, 2), False, dict(stride=2, dilation=2)),
]


@pytest.mark.parametrize("case", GRADCHECK, ids=[f"{c[0].__name__}-{i}"
                                                 for i, c in enumerate(GRADCHECK)])
def test_gradcheck_gradgradcheck_forward_mode(case):
    fn, xs, ws, has_bias, kw = case
    tg.manual_seed(0)
    args = [tg.randn(*xs, dtype=tg.float64, requires_grad=True),
            tg.randn(*ws, dtype=tg.float64, requires_grad=True)]
    if has_bias:
        out_ch = ws[1] * kw.get("groups", 1) if "transpose" in fn.__name__ else ws[0]
        args.append(tg.randn(out_ch, dtype=tg.float64, requires_grad=True))

    def f(*a):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return fn(*a, **kw)

    assert tg.autograd.gradcheck(f, args)
    assert tg.autograd.gradgradcheck(f, args)
    assert tg.autograd.gradcheck(f, args, check_forward_ad=True)


def test_grad_fn_names():
    x = tg.randn(3, 5, 5, requires_grad=True)
    out = TF.conv2d(x, tg.randn(6, 3, 3, 3))
    assert type(out.grad_fn).__name__ == "SqueezeBackward1"
    assert type(out.grad_fn.next_functions[0][0]).__name__ == "ConvolutionBackward0"
    with pytest.warns(UserWarning, match="padding='same' with even kernel lengths"):
        out = TF.conv2d(x.unsqueeze(0), tg.randn(6, 3, 2, 2), padding="same")
    assert out.shape == (1, 6, 5, 5)
    assert type(out.grad_fn.next_functions[0][0]).__name__ == "ConstantPadNdBackward0"


def test_create_graph_double_backward_matches_torch():
    rng = np.random.default_rng(1)
    x, w = rng.standard_normal((2, 2, 5, 5)), rng.standard_normal((3, 2, 3, 3))
    res = []
    for lib, F_ in ((tg, TF), (torch, F)):
        X, W = lib.tensor(x, requires_grad=True), lib.tensor(w, requires_grad=True)
        y = F_.conv2d(X, W, stride=2, padding=1)
        gx, = lib.autograd.grad((y ** 2).sum(), X, create_graph=True)
        (gx.sin().sum()).backward()
        res.append((gx.detach().numpy(), X.grad.numpy(), W.grad.numpy()))
    for a, b in zip(*res):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-10)


# -- modules ---------------------------------------------------------------------------------------
MODULES = [
    ("Conv2d", (4, 6, 3), {}),
    ("Conv2d", (4, 6, (3, 2)), dict(stride=2, padding=1, dilation=2, groups=2, bias=False,
                                    padding_mode="reflect")),
    ("Conv2d", (4, 6, 3), dict(padding="same")),
    ("Conv2d", (3, 4, (2, 3)), dict(padding="same", padding_mode="circular")),
    ("Conv2d", (2, 3, 3), dict(padding=(1, 2), padding_mode="replicate")),
    ("Conv1d", (4, 6, 3), dict(padding="valid")),
    ("Conv1d", (2, 4, 3), dict(padding=2, padding_mode="reflect", groups=2)),
    ("Conv3d", (4, 6, 3), {}),
    ("Conv3d", (2, 2, (1, 2, 3)), dict(stride=(1, 2, 1), padding=1, bias=False)),
    ("ConvTranspose2d", (4, 6, 3), dict(stride=2, output_padding=1)),
    ("ConvTranspose1d", (2, 4, 3), dict(groups=2, dilation=2)),
    ("ConvTranspose3d", (2, 3, 2), dict(stride=2, padding=1)),
]


@pytest.mark.parametrize("spec", MODULES, ids=[f"{m[0]}-{i}" for i, m in enumerate(MODULES)])
def test_module_init_repr_forward_match_torch(spec):
    cls, args, kw = spec
    outs = []
    for lib, nn_ in ((tg, tnn), (torch, nn)):
        lib.manual_seed(0)
        m = getattr(nn_, cls)(*args, **kw)
        n = int(cls[-2])
        x = lib.randn(2, args[0], *(5,) * n)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            y = m(x)
        outs.append((repr(m), list(m.state_dict()), m.weight.detach().numpy(),
                     None if m.bias is None else m.bias.detach().numpy(), y.detach().numpy(),
                     m._reversed_padding_repeated_twice, m.padding, m.output_padding))
    (r, keys, w, b, y, rp, p, op), (tr, tkeys, tw, tb, ty, trp, tp, top) = outs
    assert r == tr and keys == tkeys and rp == trp and p == tp and op == top
    np.testing.assert_array_equal(w, tw)  # seeded draws: bit for bit
    if tb is None:
        assert b is None
    else:
        np.testing.assert_array_equal(b, tb)
    np.testing.assert_allclose(y, ty, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("cls,shape", [("LazyConv1d", (2, 3, 7)), ("LazyConv2d", (2, 3, 5, 5)),
                                        ("LazyConv2d", (3, 5, 5)),
                                        ("LazyConv3d", (1, 2, 3, 4, 4)),
                                        ("LazyConvTranspose2d", (2, 3, 4, 4))])
def test_lazy_modules_match_torch(cls, shape):
    outs = []
    for lib, nn_ in ((tg, tnn), (torch, nn)):
        lib.manual_seed(0)
        m = getattr(nn_, cls)(4, 3, stride=1, padding=1)
        before = repr(m)
        x = lib.randn(*shape)
        y = m(x)
        outs.append((before, repr(m), type(m).__name__, m.weight.detach().numpy(),
                     m.bias.detach().numpy(), y.detach().numpy()))
    a, t = outs
    assert a[:3] == t[:3]
    np.testing.assert_array_equal(a[3], t[3])
    np.testing.assert_array_equal(a[4], t[4])
    np.testing.assert_allclose(a[5], t[5], rtol=1e-5, atol=1e-5)


def test_conv_transpose_output_size():
    for lib, nn_ in ((tg, tnn), (torch, nn)):
        lib.manual_seed(0)
        m = nn_.ConvTranspose2d(2, 3, 3, stride=2)
        assert tuple(m(lib.randn(1, 2, 4, 5), output_size=[10, 12]).shape) == (1, 3, 10, 12)


# -- errors ----------------------------------------------------------------------------------------
def _error(fn):
    try:
        fn()
    except Exception as exc:  # noqa: BLE001  (the type is compared)
        return type(exc).__name__, str(exc)
    raise AssertionError("no error raised")


ERRORS = [
    ("conv2d", (2, 4, 5, 5), (6, 3, 3, 3), {}),  # wrong channel count
    ("conv2d", (2, 4, 5, 5), (6, 2, 3, 3), dict(groups=3)),
    ("conv2d", (2, 4, 5, 5), (6, 1, 3, 3), dict(groups=4)),  # groups do not divide
    ("conv2d", (2, 4, 5, 5), (6, 4, 7, 7), {}),  # kernel larger than padded input
    ("conv2d", (2, 4, 5, 5), (6, 4, 3, 3), dict(dilation=3)),
    ("conv2d", (2, 4, 5, 5), (6, 4, 3, 3), dict(stride=2, padding="same")),
    ("conv2d", (2, 4, 5, 5), (6, 4, 3, 3), dict(padding="foo")),
    ("conv2d", (5, 5), (6, 4, 3, 3), {}),
    ("conv2d", (2, 4, 5, 5), (6, 4, 3, 3), dict(stride=0)),
    ("conv2d", (2, 4, 5, 5), (6, 4, 3, 3), dict(padding=-1)),
    ("conv2d", (2, 4, 5, 5), (6, 4, 3, 3), dict(dilation=0)),
    ("conv2d", (2, 4, 5, 5), (6, 4, 3, 3), dict(groups=0)),
    ("conv2d", (2, 4, 5, 5), (6, 4, 3, 3), dict(stride=(1, 2, 3))),
    ("conv1d", (2, 4, 5), (6, 4, 3), dict(padding=(1, 2))),
    ("conv_transpose2d", (2, 4, 5, 5), (4, 3, 3, 3), dict(stride=2, output_padding=2)),
    ("conv_transpose2d", (2, 4, 5, 5), (5, 3, 3, 3), {}),
    ("conv_transpose2d", (2, 4, 5, 5), (4, 3, 3, 3), dict(groups=3)),
    ("conv_transpose2d", (1, 2, 2, 3), (2, 3, 2, 2), dict(padding=(0, 2))),  # output too small
    ("conv_transpose1d", (1, 2, 2), (2, 3, 2), dict(padding=2)),
    ("conv_transpose3d", (1, 2, 2, 2, 2), (2, 3, 2, 2, 2), dict(padding=2)),
    ("conv1d", (1, 2, 3), (2, 2, 5), {}),
    ("conv3d", (1, 2, 3, 3, 3), (2, 2, 5, 1, 1), {}),
]


@pytest.mark.parametrize("case", ERRORS, ids=[f"{e[0]}-{i}" for i, e in enumerate(ERRORS)])
def test_errors_match_torch(case):
    fname, xs, ws, kw = case
    got = _error(lambda: getattr(TF, fname)(tg.zeros(*xs), tg.zeros(*ws), **kw))
    want = _error(lambda: getattr(F, fname)(torch.zeros(*xs), torch.zeros(*ws), **kw))
    assert got == want


def test_bias_and_dtype_errors_match_torch():
    for make in (lambda lib, F_: F_.conv2d(lib.zeros(2, 4, 5, 5), lib.zeros(6, 4, 3, 3),
                                           lib.zeros(5)),
                 lambda lib, F_: F_.conv2d(lib.zeros(2, 4, 5, 5),
                                           lib.zeros(6, 4, 3, 3, dtype=lib.float64))):
        assert _error(lambda: make(tg, TF)) == _error(lambda: make(torch, F))


@pytest.mark.parametrize("kw", [dict(groups=4), dict(groups=3), dict(groups=0),
                                dict(padding="same", stride=2), dict(padding="foo")])
def test_module_construction_errors_match_torch(kw):
    assert _error(lambda: tnn.Conv2d(4, 6, 3, **kw)) == _error(lambda: nn.Conv2d(4, 6, 3, **kw))


def test_padding_mode_error():
    name, msg = _error(lambda: tnn.Conv2d(4, 6, 3, padding_mode="foo"))
    tname, tmsg = _error(lambda: nn.Conv2d(4, 6, 3, padding_mode="foo"))
    # the set's order in the text is Python's hash order, which changes from run to run
    strip = re.compile(r"\{.*\}")
    assert name == tname and strip.sub("", msg) == strip.sub("", tmsg)
    assert _error(lambda: tnn.ConvTranspose2d(2, 2, 3, padding_mode="reflect")) == \
        _error(lambda: nn.ConvTranspose2d(2, 2, 3, padding_mode="reflect"))


# -- D2L chapter 7 (no dataset) --------------------------------------------------------------------
def _d2l_chapter7(torch, nn):  # noqa: ANN001  (either library, as a user imports it)
    def corr2d(X, K):
        h, w = K.shape
        Y = torch.zeros((X.shape[0] - h + 1, X.shape[1] - w + 1))
        for i in range(Y.shape[0]):
            for j in range(Y.shape[1]):
                Y[i, j] = (X[i:i + h, j:j + w] * K).sum()
        return Y

    torch.manual_seed(0)
    X = torch.tensor([[0.0, 1.0, 2.0], [3.0, 4.0, 5.0], [6.0, 7.0, 8.0]])
    K = torch.tensor([[0.0, 1.0], [2.0, 3.0]])
    print(corr2d(X, K))

    class Conv2D(nn.Module):
        def __init__(self, kernel_size):
            super().__init__()
            self.weight = nn.Parameter(torch.rand(kernel_size))
            self.bias = nn.Parameter(torch.zeros(1))

        def forward(self, x):
            return corr2d(x, self.weight) + self.bias

    print(Conv2D((2, 2))(X))
    # edge detection
    X = torch.ones((6, 8))
    X[:, 2:6] = 0
    print(X)
    K = torch.tensor([[1.0, -1.0]])
    Y = corr2d(X, K)
    print(Y)
    print(corr2d(X.t(), K))
    # learning a kernel
    conv2d = nn.LazyConv2d(1, kernel_size=(1, 2), bias=False)
    X = X.reshape((1, 1, 6, 8))
    Y = Y.reshape((1, 1, 6, 7))
    lr = 3e-2
    for i in range(10):
        Y_hat = conv2d(X)
        loss = (Y_hat - Y) ** 2
        conv2d.zero_grad()
        loss.sum().backward()
        conv2d.weight.data[:] -= lr * conv2d.weight.grad
        if (i + 1) % 2 == 0:
            print(f"epoch {i + 1}, loss {loss.sum():.3f}")
    print(conv2d.weight.data.reshape((1, 2)))
    print(conv2d)

    # padding and strides
    def comp_conv2d(conv2d, X):
        X = X.reshape((1, 1) + X.shape)
        Y = conv2d(X)
        return Y.reshape(Y.shape[2:])

    X = torch.rand(size=(8, 8))
    for conv2d in (nn.LazyConv2d(1, kernel_size=3, padding=1),
                   nn.LazyConv2d(1, kernel_size=(5, 3), padding=(2, 1)),
                   nn.LazyConv2d(1, kernel_size=3, padding=1, stride=2),
                   nn.LazyConv2d(1, kernel_size=(3, 5), padding=(0, 1), stride=(3, 4))):
        print(comp_conv2d(conv2d, X).shape)

    # multiple input and output channels
    def corr2d_multi_in(X, K):
        return sum(corr2d(x, k) for x, k in zip(X, K))

    X = torch.tensor([[[0.0, 1.0, 2.0], [3.0, 4.0, 5.0], [6.0, 7.0, 8.0]],
                      [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]]])
    K = torch.tensor([[[0.0, 1.0], [2.0, 3.0]], [[1.0, 2.0], [3.0, 4.0]]])
    print(corr2d_multi_in(X, K))

    def corr2d_multi_in_out(X, K):
        return torch.stack([corr2d_multi_in(X, k) for k in K], 0)

    K = torch.stack((K, K + 1, K + 2), 0)
    print(K.shape)
    print(corr2d_multi_in_out(X, K))
    print(torch.nn.functional.conv2d(X.unsqueeze(0), K))

    def corr2d_multi_in_out_1x1(X, K):
        c_i, h, w = X.shape
        c_o = K.shape[0]
        X = X.reshape((c_i, h * w))
        K = K.reshape((c_o, c_i))
        Y = torch.matmul(K, X)
        return Y.reshape((c_o, h, w))

    X = torch.normal(0, 1, (3, 3, 3))
    K = torch.normal(0, 1, (2, 3, 1, 1))
    Y1 = corr2d_multi_in_out_1x1(X, K)
    Y2 = corr2d_multi_in_out(X, K)
    print(float(torch.abs(Y1 - Y2).sum()) < 1e-6)
    print(torch.nn.functional.conv2d(X, K))


def test_d2l_chapter7_prints_what_torch_prints():
    printed = []
    for lib, nn_ in ((tg, tnn), (torch, nn)):
        buf = io.StringIO()
        with redirect_stdout(buf):
            _d2l_chapter7(lib, nn_)
        # run in-process, tapegrad names its Size class by its own module (torch-diff maps it)
        printed.append(buf.getvalue().replace("tapegrad.Size", "torch.Size"))
    assert printed[0] == printed[1]
    assert "epoch 10, loss" in printed[0]


# -- vmap ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("dims", [(0, None, None), (0, 0, 0), (None, 0, None), (None, None, 0)])
def test_vmap_batching_rule_matches_a_loop(dims):
    from tapegrad.func import vmap
    from tapegrad._vmap._rules import RULES
    assert "convolution" in RULES  # no example-by-example fallback
    tg.manual_seed(0)
    full = [tg.randn(3, 2, 4, 5, 6, dtype=tg.float64), tg.randn(3, 6, 2, 2, 3, dtype=tg.float64),
            tg.randn(3, 6, dtype=tg.float64)]
    args = [a if d == 0 else a[0] for a, d in zip(full, dims)]
    kw = dict(stride=(2, 1), padding=1, groups=2)
    out = vmap(lambda x, w, b: TF.conv2d(x, w, b, **kw), in_dims=dims)(*args)
    pick = [lambda i, a=a, d=d: a[i] if d == 0 else a for a, d in zip(args, dims)]
    ref = tg.stack([TF.conv2d(*(p(i) for p in pick), **kw) for i in range(3)])
    np.testing.assert_allclose(out.numpy(), ref.numpy(), rtol=1e-12, atol=1e-12)


def test_vmap_transposed_per_example_weights():
    from tapegrad.func import vmap
    tg.manual_seed(0)
    x, w = tg.randn(3, 2, 4, 3, 3, dtype=tg.float64), tg.randn(3, 4, 3, 2, 2, dtype=tg.float64)
    kw = dict(stride=2, groups=2, output_padding=1)
    out = vmap(lambda a, c: TF.conv_transpose2d(a, c, **kw))(x, w)
    ref = tg.stack([TF.conv_transpose2d(x[i], w[i], **kw) for i in range(3)])
    np.testing.assert_allclose(out.numpy(), ref.numpy(), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("dims,x_shape,w_shape,kwargs", [
    (2, (16, 3, 5, 4), (3, 2, 3, 3), {}),
    (2, (20, 4, 6, 5), (4, 3, 3, 2), {"stride": (2, 1), "padding": (1, 0), "dilation": (1, 2),
                                      "output_padding": (1, 0)}),
    (1, (12, 2, 5), (2, 3, 3), {"stride": 2, "padding": 1, "output_padding": 1}),
    (3, (10, 2, 3, 4, 2), (2, 2, 2, 2, 2), {"padding": (0, 1, 0)}),
])
def test_transposed_convolution_of_small_images_in_large_batches(dims, x_shape, w_shape, kwargs):
    """Batches at least twice the image width take the batch-last path of _ops/convolution.py:
    values and gradients as torch's, and the same values as the general path."""
    from tapegrad._ops import convolution as C
    rng = np.random.default_rng(11)
    x, w = rng.standard_normal(x_shape), rng.standard_normal(w_shape)
    results = []
    for lib in (tg, torch):
        xt = lib.tensor(x, requires_grad=True)
        wt = lib.tensor(w, requires_grad=True)
        y = getattr(lib.nn.functional, f"conv_transpose{dims}d")(xt, wt, **kwargs)
        (y * y).sum().backward()
        results.append([y.detach().numpy(), xt.grad.numpy(), wt.grad.numpy()])
    for ours, theirs in zip(*results):
        np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-10)
    nd = dims
    args = tuple(kwargs.get(k, d) for k, d in (("stride", 1), ("padding", 0), ("dilation", 1),
                                               ("output_padding", 0)))
    args = tuple(a if isinstance(a, tuple) else (a,) * nd for a in args)
    stride, padding, dilation, output_padding = args
    full = tuple((i - 1) * s + d * (k - 1) + 1 + op for i, s, d, k, op in
                 zip(x_shape[2:], stride, dilation, w_shape[2:], output_padding))
    fast = C._conv_transposed_batch_last(x, w, stride, padding, dilation, full)
    general = C._conv_transposed_general(x, w, stride, padding, dilation, full, 1)
    assert x_shape[0] >= 2 * x_shape[-1] and x_shape[-1] < 16  # the case the fast path takes
    np.testing.assert_array_equal(fast, general)
    np.testing.assert_array_equal(fast, results[0][0])
