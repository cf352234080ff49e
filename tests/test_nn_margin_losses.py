"""The margin, ranking and likelihood losses, the padding layers and the distance layers
against real torch: values, input gradients, reductions, reprs and errors."""
from __future__ import annotations

import numpy as np
import pytest

import tapegrad as tg

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(7)


def _signs(*shape):
    return np.where(RNG.random(shape) < 0.5, -1.0, 1.0)


def _data():
    """name -> (arrays that need grad, other arrays, kwargs builder)"""
    x, y = RNG.standard_normal((5, 4)), RNG.standard_normal((5, 4))
    rows = RNG.standard_normal((6, 3))
    labels = RNG.integers(0, 4, 5)
    multi = np.array([[3, 0, -1, 1], [0, 1, 2, 3], [-1, 0, 0, 0], [1, -1, 2, 0], [2, 3, -1, -1]])
    return {
        "hinge_embedding_loss": ([x], [_signs(5, 4)], {"margin": 0.7}),
        "margin_ranking_loss": ([x[:, 0], y[:, 0]], [_signs(5)], {"margin": 0.3}),
        "cosine_embedding_loss": ([x, y], [_signs(5)], {"margin": 0.2}),
        "soft_margin_loss": ([x], [_signs(5, 4)], {}),
        "multilabel_soft_margin_loss": ([x], [(RNG.random((5, 4)) < 0.5) * 1.0], {}),
        "multi_margin_loss": ([x], [labels], {"margin": 0.9}),
        "multilabel_margin_loss": ([x], [multi], {}),
        "triplet_margin_loss": ([rows[:2], rows[2:4], rows[4:]], [], {"margin": 1.5}),
        "poisson_nll_loss": ([x], [np.abs(y) * 3], {}),
        "gaussian_nll_loss": ([x], [y, np.abs(RNG.standard_normal((5, 4))) + 0.1], {}),
    }


DATA = _data()
VARIANTS = [("multi_margin_loss", {"p": 2}), ("multi_margin_loss", {"weight": "w4"}),
            ("triplet_margin_loss", {"swap": True, "p": 1}),
            ("poisson_nll_loss", {"log_input": False, "full": True}),
            ("poisson_nll_loss", {"full": True}), ("gaussian_nll_loss", {"full": True}),
            ("multilabel_soft_margin_loss", {"weight": "w4"})]
CASES = [(name, {}) for name in DATA] + VARIANTS


def _run(lib, name, extra, reduction, dtype):
    grads_of, others, kwargs = DATA[name]
    kwargs = {**kwargs, **extra}
    if kwargs.get("weight") == "w4":
        kwargs["weight"] = lib.tensor(np.array([0.5, 1.0, 2.0, 0.25]), dtype=dtype)
    inputs = [lib.tensor(a, dtype=dtype, requires_grad=True) for a in grads_of]
    rest = [lib.tensor(a) if a.dtype.kind == "i" else lib.tensor(a, dtype=dtype) for a in others]
    loss = getattr(lib.nn.functional, name)(*inputs, *rest, reduction=reduction, **kwargs)
    loss.sum().backward()
    return loss.detach().numpy(), [t.grad.numpy() for t in inputs]


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("name,extra", CASES, ids=[f"{n}-{e}" for n, e in CASES])
def test_loss_values_and_gradients_match_torch(name, extra, reduction):
    for dtype, tol in (("float64", 1e-12), ("float32", 2e-6)):
        ours, our_grads = _run(tg, name, extra, reduction, getattr(tg, dtype))
        theirs, their_grads = _run(torch, name, extra, reduction, getattr(torch, dtype))
        assert ours.shape == theirs.shape and ours.dtype == theirs.dtype
        np.testing.assert_allclose(ours, theirs, rtol=tol, atol=tol)
        for a, b in zip(our_grads, their_grads):
            np.testing.assert_allclose(a, b, rtol=tol, atol=tol)


@pytest.mark.parametrize("cls,args", [
    ("HingeEmbeddingLoss", {}), ("MarginRankingLoss", {"margin": 0.5}),
    ("CosineEmbeddingLoss", {}), ("SoftMarginLoss", {"reduction": "sum"}),
    ("MultiLabelSoftMarginLoss", {}), ("MultiMarginLoss", {"p": 2}), ("MultiLabelMarginLoss", {}),
    ("TripletMarginLoss", {"swap": True}), ("TripletMarginWithDistanceLoss", {}),
    ("PoissonNLLLoss", {"full": True}), ("GaussianNLLLoss", {"eps": 1e-3}),
    ("CosineSimilarity", {"dim": 0}), ("PairwiseDistance", {"p": 1.0, "keepdim": True}),
    ("ZeroPad2d", {"padding": 2}), ("ZeroPad1d", {"padding": (1, 2)}),
    ("ConstantPad3d", {"padding": 1, "value": 3.5}), ("ReflectionPad2d", {"padding": (1, 0, 2, 1)}),
    ("ReplicationPad1d", {"padding": 3}), ("CircularPad2d", {"padding": (1, 0, 2, 1)})])
def test_module_reprs_and_settings_match_torch(cls, args):
    ours, theirs = getattr(tg.nn, cls)(**args), getattr(torch.nn, cls)(**args)
    assert repr(ours) == repr(theirs)
    public = {k: v for k, v in vars(theirs).items() if not k.startswith("_") and k != "training"}
    for key, value in public.items():
        if not isinstance(value, torch.nn.Module):
            assert getattr(ours, key) == value, key


@pytest.mark.parametrize("cls,padding,shape", [
    ("ZeroPad2d", (1, 2, 0, 1), (2, 3, 4)), ("ConstantPad1d", 2, (2, 3, 4)),
    ("ReflectionPad1d", (2, 1), (2, 3, 4)), ("ReflectionPad2d", 1, (1, 2, 3, 4)),
    ("ReplicationPad2d", (0, 2, 1, 1), (1, 2, 3, 4)), ("ReplicationPad3d", 1, (1, 1, 2, 3, 4)),
    ("CircularPad1d", (1, 2), (1, 2, 4)), ("CircularPad2d", 1, (1, 2, 3, 4)),
    ("ZeroPad3d", 1, (1, 1, 2, 2, 2))])
def test_padding_layers_match_torch(cls, padding, shape):
    data = RNG.standard_normal(shape)
    args = (padding, 1.25) if cls.startswith("Constant") else (padding,)
    outs = []
    for lib in (tg, torch):
        x = lib.tensor(data, requires_grad=True)
        y = getattr(lib.nn, cls)(*args)(x)
        (y * lib.arange(y.numel(), dtype=lib.float64).reshape(y.shape)).sum().backward()
        outs.append((y.detach().numpy(), x.grad.numpy()))
    np.testing.assert_array_equal(outs[0][0], outs[1][0])
    np.testing.assert_array_equal(outs[0][1], outs[1][1])


def test_distance_modules_match_torch():
    a, b = RNG.standard_normal((4, 5)), RNG.standard_normal((4, 5))
    for cls, kwargs in (("CosineSimilarity", {"dim": 1}), ("PairwiseDistance", {"p": 3.0})):
        ours = getattr(tg.nn, cls)(**kwargs)(tg.tensor(a), tg.tensor(b))
        theirs = getattr(torch.nn, cls)(**kwargs)(torch.tensor(a), torch.tensor(b))
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-12)


@pytest.mark.parametrize("call", [
    lambda L: L.nn.functional.margin_ranking_loss(L.ones(3), L.ones(3, 1), L.ones(3)),
    lambda L: L.nn.functional.multi_margin_loss(L.ones(2, 3), L.tensor([0, 1]), p=3),
    lambda L: L.nn.TripletMarginLoss(margin=0),
    lambda L: L.nn.functional.gaussian_nll_loss(L.ones(2, 3), L.ones(2, 3), L.ones(3, 3)),
    lambda L: L.nn.functional.gaussian_nll_loss(L.ones(2), L.ones(2), -L.ones(2)),
    lambda L: L.nn.functional.hinge_embedding_loss(L.ones(2), L.ones(2), reduction="avg"),
])
def test_errors_match_torch(call):
    with pytest.raises(Exception) as theirs:
        call(torch)
    with pytest.raises(type(theirs.value)) as ours:
        call(tg)
    assert str(ours.value).replace("tapegrad.", "torch.") == str(theirs.value)
