"""F.affine_grid, F.grid_sample and Tensor.unfold against real torch: values, gradients
(input, grid, theta), gradcheck, warnings and errors."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import tapegrad  # noqa: E402
import tapegrad.nn.functional as F  # noqa: E402

DTYPES = [("float32", 1e-5), ("float64", 1e-10)]


def _pair(array: np.ndarray, grad: bool = True) -> tuple:
    return (torch.tensor(array, requires_grad=grad), tapegrad.tensor(array, requires_grad=grad))


def _close(ours, theirs, tol) -> None:
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=tol,
                               atol=tol)


@pytest.mark.parametrize("dtype,tol", DTYPES)
@pytest.mark.parametrize("align", [False, True])
@pytest.mark.parametrize("size", [(2, 3, 4, 5), (1, 1, 1, 3), (2, 1, 2, 3, 4)])
def test_affine_grid_values_and_grad(dtype, tol, align, size):
    rng = np.random.default_rng(0)
    k = len(size) - 2
    theta = rng.normal(size=(size[0], k, k + 1)).astype(dtype)
    (tt, ot) = _pair(theta)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = torch.nn.functional.affine_grid(tt, size, align_corners=align)
        got = F.affine_grid(ot, size, align_corners=align)
    assert tuple(got.shape) == tuple(expected.shape)
    _close(got, expected, tol)
    weights = rng.normal(size=tuple(expected.shape)).astype(dtype)
    (expected * torch.tensor(weights)).sum().backward()
    (got * tapegrad.tensor(weights)).sum().backward()
    _close(ot.grad, tt.grad, tol * 10)


def _messages(fn, *args, **kw) -> list:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fn(*args, **kw)
    return [(w.category, str(w.message)) for w in caught]


def test_affine_grid_and_grid_sample_warnings():
    theta = np.eye(2, 3)[None]
    assert (_messages(F.affine_grid, tapegrad.tensor(theta), (1, 1, 2, 2))
            == _messages(torch.nn.functional.affine_grid, torch.tensor(theta), (1, 1, 2, 2)))
    assert (_messages(F.affine_grid, tapegrad.tensor(theta), (1, 1, 1, 2), align_corners=True)
            == _messages(torch.nn.functional.affine_grid, torch.tensor(theta), (1, 1, 1, 2),
                         align_corners=True))
    x, g = np.ones((1, 1, 2, 2)), np.zeros((1, 1, 1, 2))
    ours = _messages(F.grid_sample, tapegrad.tensor(x), tapegrad.tensor(g))
    theirs = _messages(torch.nn.functional.grid_sample, torch.tensor(x), torch.tensor(g))
    assert ours == theirs and len(ours) == 1


def _error(fn, *args, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            fn(*args, **kw)
        except Exception as e:  # noqa: BLE001 - the type is what is compared
            return type(e).__name__, str(e).replace("torch.", "tapegrad.")
    return None


@pytest.mark.parametrize("shape,size", [((1, 2, 2), (1, 1, 2, 2)), ((1, 3, 4), (1, 1, 2, 2)),
                                        ((1, 2, 3), (1, 1, 2, 2, 2)), ((1, 2, 3), (1, 1, 2)),
                                        ((2, 3), (1, 1, 2, 2)), ((1, 2, 3), (1, 1, 0, 2))])
def test_affine_grid_errors(shape, size):
    theta = np.zeros(shape)
    ours = _error(F.affine_grid, tapegrad.tensor(theta), size, align_corners=False)
    theirs = _error(torch.nn.functional.affine_grid, torch.tensor(theta), size,
                    align_corners=False)
    assert ours is not None and ours == theirs
    ints = _error(F.affine_grid, tapegrad.zeros(1, 2, 3, dtype=tapegrad.int64), (1, 1, 2, 2))
    assert ints == _error(torch.nn.functional.affine_grid,
                          torch.zeros(1, 2, 3, dtype=torch.int64), (1, 1, 2, 2))


@pytest.mark.parametrize("kw", [dict(mode="foo"), dict(padding_mode="foo"),
                                dict(grid=(1, 2, 2, 3)), dict(grid=(2, 2, 2, 2)),
                                dict(dtype="float32")])
def test_grid_sample_errors(kw):
    kw = dict(kw)
    grid = np.zeros(kw.pop("grid", (1, 2, 2, 2)), kw.pop("dtype", "float64"))
    x = np.ones((1, 1, 3, 3))
    ours = _error(F.grid_sample, tapegrad.tensor(x), tapegrad.tensor(grid), **kw)
    theirs = _error(torch.nn.functional.grid_sample, torch.tensor(x), torch.tensor(grid), **kw)
    assert ours is not None and ours == theirs


def _grid(rng, n, ho, wo, dtype):
    g = rng.uniform(-1.4, 1.4, size=(n, ho, wo, 2))
    g[0, 0, 0] = (1.0, -1.0)        # exact corners and the image's centre
    g[0, 0, 1] = (0.0, 0.0)
    g[-1, -1, -1] = (3.3, -2.7)     # several reflections away
    return g.astype(dtype)


@pytest.mark.parametrize("dtype,tol", DTYPES)
@pytest.mark.parametrize("align", [False, True])
@pytest.mark.parametrize("padding", ["zeros", "border", "reflection"])
@pytest.mark.parametrize("mode", ["bilinear", "nearest"])
def test_grid_sample_matches_torch(dtype, tol, align, padding, mode):
    rng = np.random.default_rng(1)
    x = rng.normal(size=(2, 3, 4, 5)).astype(dtype)
    g = _grid(rng, 2, 3, 6, dtype)
    tx, ox = _pair(x)
    tg, og = _pair(g)
    kw = dict(mode=mode, padding_mode=padding, align_corners=align)
    expected = torch.nn.functional.grid_sample(tx, tg, **kw)
    got = F.grid_sample(ox, og, **kw)
    assert tuple(got.shape) == tuple(expected.shape) and got.dtype == ox.dtype
    _close(got, expected, tol)
    w = rng.normal(size=tuple(expected.shape)).astype(dtype)
    (expected * torch.tensor(w)).sum().backward()
    (got * tapegrad.tensor(w)).sum().backward()
    _close(ox.grad, tx.grad, tol * 10)
    _close(og.grad, tg.grad, tol * 100)


@pytest.mark.parametrize("align", [False, True])
@pytest.mark.parametrize("padding", ["zeros", "border", "reflection"])
def test_grid_sample_gradcheck(align, padding):
    rng = np.random.default_rng(2)
    x = tapegrad.tensor(rng.normal(size=(1, 2, 3, 3)), requires_grad=True)
    # away from pixel edges and bounds, where bilinear sampling is not differentiable
    g = tapegrad.tensor(rng.uniform(-0.8, 0.8, size=(1, 2, 2, 2)) + 0.013, requires_grad=True)
    fn = lambda a, b: F.grid_sample(a, b, padding_mode=padding, align_corners=align)  # noqa: E731
    assert tapegrad.autograd.gradcheck(fn, (x, g))


def test_affine_grid_then_grid_sample_gradcheck():
    theta = tapegrad.tensor([[[0.9, 0.1, 0.05], [-0.2, 1.1, 0.03]]], dtype=tapegrad.float64,
                            requires_grad=True)
    x = tapegrad.rand(1, 1, 4, 4, dtype=tapegrad.float64)
    fn = lambda t: F.grid_sample(x, F.affine_grid(t, (1, 1, 3, 3), align_corners=False),  # noqa
                                 align_corners=False)
    assert tapegrad.autograd.gradcheck(fn, (theta,))


# -- Tensor.unfold -------------------------------------------------------------------------------
from tapegrad._ops.vision import tensor_unfold  # noqa: E402


@pytest.mark.parametrize("shape,args", [((10,), (0, 3, 2)), ((2, 5), (1, 2, 1)),
                                        ((2, 5), (-1, 5, 3)), ((3, 4, 2), (0, 2, 1)),
                                        ((2, 7, 3), (-2, 3, 3)), ((2, 0), (1, 0, 1)),
                                        ((), (0, 1, 1))])
def test_tensor_unfold_matches_torch(shape, args):
    rng = np.random.default_rng(3)
    x = rng.normal(size=shape)
    tx, ox = _pair(x)
    expected = tx.unfold(*args)
    got = tensor_unfold(ox, *args)
    assert tuple(got.shape) == tuple(expected.shape)
    _close(got, expected, 0)
    if x.ndim:
        assert got.stride() == expected.stride() and got._base is ox
        assert type(got.grad_fn).__name__ == "UnfoldBackward0"
    w = rng.normal(size=tuple(expected.shape))
    (expected * torch.tensor(w)).sum().backward()
    (got * tapegrad.tensor(w)).sum().backward()
    _close(ox.grad, tx.grad, 1e-12)


def test_tensor_unfold_double_backward_and_view_write():
    x = tapegrad.arange(4.0, requires_grad=True)
    v = tapegrad.ones(3, 2, requires_grad=True)
    (g,) = tapegrad.autograd.grad(tensor_unfold(x, 0, 2, 1), x, v, create_graph=True)
    assert type(g.grad_fn).__name__ == "UnfoldBackwardBackward0"
    assert g.tolist() == [1.0, 2.0, 2.0, 1.0]
    assert tapegrad.autograd.gradcheck(lambda a: tensor_unfold(a, 0, 2, 1),
                                       (tapegrad.rand(5, dtype=tapegrad.float64,
                                                      requires_grad=True),))
    base = tapegrad.zeros(6)
    tensor_unfold(base, 0, 2, 2)[1, 0] = 7.0  # a view: writes reach the base
    assert base.tolist() == [0.0, 0.0, 7.0, 0.0, 0.0, 0.0]


@pytest.mark.parametrize("args", [(0, 6, 1), (-1, 6, 1), (0, -1, 0), (0, 2, 0), (1, 2, 1),
                                  (-2, 2, 1)])
def test_tensor_unfold_errors(args):
    ours = _error(tensor_unfold, tapegrad.zeros(5), *args)
    theirs = _error(torch.zeros(5).unfold, *args)
    assert ours is not None and ours == theirs


def test_affine_grid_graph_reuse_and_grad_fn():
    theta = tapegrad.tensor([[[0.8, -0.3, 0.1], [0.2, 0.9, -0.05]]], requires_grad=True)
    grid = F.affine_grid(theta, (1, 1, 3, 4), align_corners=False)
    assert type(grid.grad_fn).__name__ == "AffineGridGeneratorBackward0"
    x = tapegrad.arange(20.0).reshape(1, 1, 4, 5)
    F.grid_sample(x, grid, align_corners=False).sum().backward()
    first = theta.grad.clone()
    F.grid_sample(x, grid, align_corners=False).sum().backward()  # (saves no tensors: no error)
    np.testing.assert_allclose(theta.grad.numpy(), 2 * first.numpy(), rtol=1e-6)


# -- the fused sampler: 5-D input, bicubic, grad_fn names, second order -------------------------

def _grid_nd(rng, shape, dtype):
    g = rng.uniform(-1.4, 1.4, size=shape)
    flat = g.reshape(-1, shape[-1])
    flat[0] = 1.0 * np.sign(np.arange(shape[-1]) - 0.5)   # exact corners
    flat[1] = 0.0                                          # the centre
    flat[-1] = 3.3 * (-1.0) ** np.arange(shape[-1])        # several reflections away
    return g.astype(dtype)


SAMPLED = [((2, 3, 4, 5), (2, 3, 6, 2), "bicubic"), ((2, 2, 3, 4, 5), (2, 2, 3, 2, 3), "bilinear"),
           ((1, 2, 3, 4, 2), (1, 3, 2, 2, 3), "nearest")]


@pytest.mark.parametrize("dtype,tol", DTYPES)
@pytest.mark.parametrize("align", [False, True])
@pytest.mark.parametrize("padding", ["zeros", "border", "reflection"])
@pytest.mark.parametrize("xshape,gshape,mode", SAMPLED)
def test_grid_sample_5d_and_bicubic_match_torch(dtype, tol, align, padding, xshape, gshape, mode):
    rng = np.random.default_rng(3)
    x = rng.normal(size=xshape).astype(dtype)
    g = _grid_nd(rng, gshape, dtype)
    tx, ox = _pair(x)
    tg, og = _pair(g)
    kw = dict(mode=mode, padding_mode=padding, align_corners=align)
    expected = torch.nn.functional.grid_sample(tx, tg, **kw)
    got = F.grid_sample(ox, og, **kw)
    assert type(got.grad_fn).__name__ == type(expected.grad_fn).__name__
    assert tuple(got.shape) == tuple(expected.shape) and got.dtype == ox.dtype
    _close(got, expected, tol * 10)
    w = rng.normal(size=tuple(expected.shape)).astype(dtype)
    (expected * torch.tensor(w)).sum().backward()
    (got * tapegrad.tensor(w)).sum().backward()
    _close(ox.grad, tx.grad, tol * 10)
    _close(og.grad, tg.grad, tol * 1000)


@pytest.mark.parametrize("xshape,gshape,mode", SAMPLED + [((1, 2, 3, 4), (1, 2, 2, 2), "bilinear"),
                                                          ((1, 2, 3, 4), (1, 2, 2, 2), "nearest")])
@pytest.mark.parametrize("padding", ["zeros", "reflection"])
def test_grid_sample_second_order_matches_torch(xshape, gshape, mode, padding):
    """torch differentiates the sampler's backward again, in input and grid."""
    rng = np.random.default_rng(4)
    x = rng.normal(size=xshape)
    g = rng.uniform(-0.9, 0.9, size=gshape) + 0.013
    results = []
    for lib in (torch, tapegrad):
        xi, gi = lib.tensor(x, requires_grad=True), lib.tensor(g, requires_grad=True)
        out = lib.nn.functional.grid_sample(xi, gi, mode=mode, padding_mode=padding,
                                            align_corners=False)
        dx, dg = lib.autograd.grad((out * out).sum(), (xi, gi), create_graph=True)
        second = lib.autograd.grad((dx.sin().sum() + (dg * dg).sum()), (xi, gi),
                                   allow_unused=True)
        results.append([dx, dg] + [s if s is not None else lib.zeros_like(xi)
                                   for s in second])
    for ours, theirs in zip(results[1], results[0]):
        _close(ours, theirs, 1e-9)


@pytest.mark.parametrize("mode", ["bilinear", "nearest", "bicubic"])
def test_grid_sample_gradcheck_and_gradgradcheck(mode):
    rng = np.random.default_rng(5)
    x = tapegrad.tensor(rng.normal(size=(1, 2, 3, 4)), requires_grad=True)
    g = tapegrad.tensor(rng.uniform(-0.8, 0.8, size=(1, 2, 2, 2)) + 0.013, requires_grad=True)
    fn = lambda a, b: F.grid_sample(a, b, mode=mode, padding_mode="border",  # noqa: E731
                                    align_corners=True)
    assert tapegrad.autograd.gradcheck(fn, (x, g))
    assert tapegrad.autograd.gradgradcheck(fn, (x, g))


@pytest.mark.parametrize("xshape,gshape,kw", [
    ((1, 2, 3), (1, 2, 1), {}), ((1, 2, 3, 4), (1, 2, 2, 2, 2), {}),
    ((1, 2, 3, 4, 5), (1, 2, 2, 3), {}), ((1, 2, 3, 4, 5, 6), (1, 2, 2, 2, 2, 4), {}),
    ((1, 2, 0, 4), (1, 2, 2, 2), {}), ((1, 2, 3, 4, 5), (1, 2, 2, 2, 3), {"mode": "bicubic"}),
    ((2, 2, 3, 4, 5), (1, 2, 2, 2, 3), {})])
def test_grid_sample_rank_errors(xshape, gshape, kw):
    x, g = np.ones(xshape), np.zeros(gshape)
    ours = _error(F.grid_sample, tapegrad.tensor(x), tapegrad.tensor(g), align_corners=False,
                  **kw)
    theirs = _error(torch.nn.functional.grid_sample, torch.tensor(x), torch.tensor(g),
                    align_corners=False, **kw)
    assert ours is not None and ours == theirs
