"""tapegrad.nn's losses (functional and modules) against torch: every reduction, float32 and
float64, values, gradients of input and target, second derivatives, grad_fn names, weights and
ignored targets, label smoothing, warnings and errors; gradcheck, forward mode and vmap."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")
import torch.nn.functional as TF  # noqa: E402

import tapegrad as tg  # noqa: E402
import tapegrad.nn as gnn  # noqa: E402
import tapegrad.nn.functional as GF  # noqa: E402

_rng = np.random.default_rng(5)
X = _rng.standard_normal((4, 5)) * 2
T = _rng.standard_normal((4, 5))
P = _rng.uniform(0.05, 0.95, (4, 5))
Q = _rng.uniform(0.0, 1.0, (4, 5))
IDX = np.array([1, 0, 4, 2])
IDX_IGNORED = np.array([1, -100, 4, 2])
W5 = _rng.uniform(0.5, 2.0, 5)
X4, I4 = _rng.standard_normal((2, 3, 2, 2)), _rng.integers(0, 3, (2, 2, 2))
X3, I3 = _rng.standard_normal((2, 3, 4)), np.array([[0, 2, 1, -100], [2, 2, 0, 1]])
X5, I5 = _rng.standard_normal((2, 3, 2, 1, 2)), _rng.integers(0, 3, (2, 2, 1, 2))
TOL = {"float32": 1e-5, "float64": 1e-11}
REDUCTIONS = ("mean", "sum", "none")


def _np(t):
    return t.detach().numpy()


def _w(m, x):
    return m.tensor(W5, dtype=x.dtype)


# name -> (fn(F, m, input, target, reduction), input, target or None (then constant indices))
LOSSES = {
    "mse": (lambda F, m, x, t, r: F.mse_loss(x, t, reduction=r), X, T),
    "l1": (lambda F, m, x, t, r: F.l1_loss(x, t, reduction=r), X, T),
    "smooth_l1": (lambda F, m, x, t, r: F.smooth_l1_loss(x, t, reduction=r, beta=0.7), X, T),
    "smooth_l1_beta0": (lambda F, m, x, t, r: F.smooth_l1_loss(x, t, reduction=r, beta=0.0),
                        X, T),
    "huber": (lambda F, m, x, t, r: F.huber_loss(x, t, reduction=r, delta=0.8), X, T),
    "bce": (lambda F, m, x, t, r: F.binary_cross_entropy(x, t, reduction=r), P, Q),
    "bce_weight": (lambda F, m, x, t, r: F.binary_cross_entropy(x, t, _w(m, x), reduction=r),
                   P, Q),
    "bce_logits": (lambda F, m, x, t, r: F.binary_cross_entropy_with_logits(x, t, reduction=r),
                   X, Q),
    "bce_logits_weights": (lambda F, m, x, t, r: F.binary_cross_entropy_with_logits(
        x, t, _w(m, x)[:, None][:4] * 0 + 1.5, reduction=r, pos_weight=_w(m, x)), X, Q),
    "kl": (lambda F, m, x, t, r: F.kl_div(x.log_softmax(1), t.softmax(1),
                                          reduction="batchmean" if r == "mean" else r), X, T),
    "kl_log_target": (lambda F, m, x, t, r: F.kl_div(x.log_softmax(1), t.log_softmax(1),
                                                     reduction=r, log_target=True), X, T),
    "cross_entropy": (lambda F, m, x, t, r: F.cross_entropy(x, m.tensor(IDX), reduction=r),
                      X, None),
    "cross_entropy_weight_ignore": (lambda F, m, x, t, r: F.cross_entropy(
        x, m.tensor(IDX_IGNORED), _w(m, x), reduction=r), X, None),
    "cross_entropy_custom_ignore": (lambda F, m, x, t, r: F.cross_entropy(
        x, m.tensor(IDX), reduction=r, ignore_index=4), X, None),
    "cross_entropy_smoothing": (lambda F, m, x, t, r: F.cross_entropy(
        x, m.tensor(IDX_IGNORED), reduction=r, label_smoothing=0.2), X, None),
    "cross_entropy_smoothing_weight": (lambda F, m, x, t, r: F.cross_entropy(
        x, m.tensor(IDX_IGNORED), _w(m, x), reduction=r, label_smoothing=0.3), X, None),
    "cross_entropy_probabilities": (lambda F, m, x, t, r: F.cross_entropy(x, t.softmax(1),
                                                                          reduction=r), X, T),
    "cross_entropy_probabilities_all": (lambda F, m, x, t, r: F.cross_entropy(
        x, t.softmax(1), _w(m, x), reduction=r, label_smoothing=0.25), X, T),
    "cross_entropy_1d": (lambda F, m, x, t, r: F.cross_entropy(x[0], m.tensor(3), reduction=r),
                         X, None),
    "cross_entropy_3d": (lambda F, m, x, t, r: F.cross_entropy(x, m.tensor(I3), reduction=r),
                         X3, None),
    "cross_entropy_4d": (lambda F, m, x, t, r: F.cross_entropy(x, m.tensor(I4), reduction=r),
                         X4, None),
    "cross_entropy_5d_smoothing": (lambda F, m, x, t, r: F.cross_entropy(
        x, m.tensor(I5), reduction=r, label_smoothing=0.1), X5, None),
    "nll": (lambda F, m, x, t, r: F.nll_loss(x, m.tensor(IDX_IGNORED), reduction=r), X, None),
    "nll_weight": (lambda F, m, x, t, r: F.nll_loss(x, m.tensor(IDX_IGNORED), _w(m, x)[:5],
                                                    reduction=r), X, None),
    "nll_uint8_target": (lambda F, m, x, t, r: F.nll_loss(x, m.tensor(IDX, dtype=m.uint8),
                                                          reduction=r), X, None),
    "nll_2d": (lambda F, m, x, t, r: F.nll_loss(x, m.tensor(I4), reduction=r), X4, None),
}


def _run(m, F, name, reduction, dtype, second=False):
    fn, x0, t0 = LOSSES[name]
    x = m.tensor(x0, dtype=getattr(m, dtype), requires_grad=True)
    wrt = [x]
    t = None
    if t0 is not None:
        t = m.tensor(t0, dtype=getattr(m, dtype), requires_grad=not name.startswith("bce"))
        wrt += [t] if t.requires_grad else []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        y = fn(F, m, x, t, reduction)
    v = m.tensor(np.cos(np.arange(y.numel()) + 0.5).reshape(tuple(y.shape)), dtype=y.dtype)
    grads = m.autograd.grad(y, wrt, v, create_graph=second)
    hessian = None
    if second:
        total = sum((g * g).sum() for g in grads if g.requires_grad)
        hessian = [np.zeros(w.shape) for w in wrt]
        if isinstance(total, m.Tensor):
            hs = m.autograd.grad(total, wrt, allow_unused=True)
            hessian = [np.zeros(w.shape) if h is None else  # (torch may answer a ZeroTensor)
                       h.detach().numpy(force=True) if m is torch else _np(h)
                       for w, h in zip(wrt, hs)]
    return y, [_np(g) for g in grads], hessian


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name", sorted(LOSSES))
def test_loss_matches_torch(name, reduction, dtype):
    ty, tgrads, _ = _run(torch, TF, name, reduction, dtype)
    gy, ggrads, _ = _run(tg, GF, name, reduction, dtype)
    assert gy.grad_fn.name() == ty.grad_fn.name()
    assert str(gy.dtype).split(".")[-1] == str(ty.dtype).split(".")[-1]
    assert tuple(gy.shape) == tuple(ty.shape)
    np.testing.assert_allclose(_np(gy), _np(ty), rtol=TOL[dtype], atol=TOL[dtype])
    for ours, theirs in zip(ggrads, tgrads):
        np.testing.assert_allclose(ours, theirs, rtol=TOL[dtype], atol=TOL[dtype])


@pytest.mark.parametrize("reduction", ["mean", "none"])
@pytest.mark.parametrize("name", sorted(LOSSES))
def test_loss_second_derivatives_match_torch(name, reduction):
    *_, th = _run(torch, TF, name, reduction, "float64", second=True)
    *_, gh = _run(tg, GF, name, reduction, "float64", second=True)
    for ours, theirs in zip(gh, th):
        np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-11)


def test_probabilities_in_float64_and_target_promotion():
    for m, F in ((torch, TF), (tg, GF)):
        y = F.mse_loss(m.ones(3), m.ones(3, dtype=m.float64) * 2)
        assert str(y.dtype).endswith("float64") and y.item() == 1.0
        z = F.binary_cross_entropy_with_logits(m.zeros(2), m.ones(2, dtype=m.float64))
        assert str(z.dtype).endswith("float64")


def test_bce_floors_the_log_at_minus_100():
    for m, F in ((torch, TF), (tg, GF)):
        x = m.tensor([0.0, 1.0, 0.5], requires_grad=True)
        y = F.binary_cross_entropy(x, m.tensor([1.0, 0.0, 0.3]), reduction="none")
        assert y.tolist()[:2] == [100.0, 100.0]
        y.sum().backward()
        assert np.isfinite(x.grad.numpy()).all()


def test_bce_with_logits_is_stable_for_large_logits():
    x = np.array([-200.0, -30.0, 0.0, 30.0, 200.0])
    t = np.array([1.0, 0.0, 0.5, 1.0, 0.0])
    ours = GF.binary_cross_entropy_with_logits(tg.tensor(x), tg.tensor(t), reduction="none")
    theirs = TF.binary_cross_entropy_with_logits(torch.tensor(x), torch.tensor(t),
                                                 reduction="none")
    np.testing.assert_allclose(_np(ours), _np(theirs), rtol=1e-12)


def test_cross_entropy_of_extreme_logits_is_finite():
    x = tg.tensor([[1000.0, -1000.0, 0.0]], requires_grad=True)
    y = GF.cross_entropy(x, tg.tensor([1]))
    y.backward()
    assert y.item() == 2000.0 and np.isfinite(x.grad.numpy()).all()


def test_all_targets_ignored_gives_nan_as_torch():
    for m, F in ((torch, TF), (tg, GF)):
        y = F.cross_entropy(m.zeros(2, 3), m.tensor([-100, -100]))
        assert np.isnan(y.item())
        assert F.cross_entropy(m.zeros(2, 3), m.tensor([-100, -100]), reduction="sum").item() == 0


# -- warnings and errors -------------------------------------------------------------------------
def _outcome(call, m, F):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            y = call(F, m)
            result = ("ok", repr(round(float(y.sum()), 4)))  # (a repr: NaN equals NaN)
        except Exception as exc:  # noqa: BLE001 - compared with torch's
            result = (type(exc).__name__, str(exc).replace("tapegrad.", "torch."))
    return result, [(w.category.__name__, str(w.message).replace("tapegrad.", "torch."))
                    for w in caught]


x35 = lambda m: m.tensor(X[:3])  # noqa: E731
ERRORS = {
    "target_out_of_bounds": lambda F, m: F.cross_entropy(x35(m), m.tensor([0, 5, 1])),
    "negative_target": lambda F, m: F.nll_loss(x35(m), m.tensor([0, -1, 1])),
    "ignored_out_of_range_target": lambda F, m: F.cross_entropy(x35(m), m.tensor([1, 7, 1]),
                                                                ignore_index=7),
    "batch_mismatch": lambda F, m: F.cross_entropy(x35(m), m.tensor([0, 1])),
    "float_target_nll": lambda F, m: F.nll_loss(x35(m), m.tensor([0.0, 1.0, 2.0])),
    "float_target_1d_cross_entropy": lambda F, m: F.cross_entropy(x35(m),
                                                                  m.tensor([0.0, 1.0, 2.0])),
    "int32_target": lambda F, m: F.cross_entropy(x35(m), m.tensor([0, 1, 2], dtype=m.int32)),
    "multi_target": lambda F, m: F.nll_loss(x35(m), m.zeros(3, 2, dtype=m.long)),
    "probabilities_shape": lambda F, m: F.cross_entropy(x35(m), m.ones(3, 4)),
    "integer_probabilities": lambda F, m: F.cross_entropy(m.tensor(1.0), m.tensor(0)),
    "probabilities_ignore_index": lambda F, m: F.cross_entropy(x35(m), m.ones(3, 5),
                                                               ignore_index=1),
    "label_smoothing_too_big": lambda F, m: F.cross_entropy(x35(m), m.tensor([0, 1, 2]),
                                                            label_smoothing=1.5),
    "label_smoothing_probabilities": lambda F, m: F.cross_entropy(x35(m), m.ones(3, 5) / 5,
                                                                  label_smoothing=1.5),
    "negative_label_smoothing": lambda F, m: F.cross_entropy(x35(m), m.tensor([0, 1, 2]),
                                                             label_smoothing=-0.5),
    "weight_size": lambda F, m: F.cross_entropy(x35(m), m.tensor([0, 1, 2]), m.ones(3)),
    "weight_size_probabilities": lambda F, m: F.cross_entropy(x35(m), m.ones(3, 5), m.ones(3)),
    "weight_dtype": lambda F, m: F.nll_loss(x35(m).double(), m.tensor([0, 1, 2]), m.ones(5)),
    "weight_requires_grad": lambda F, m: F.cross_entropy(x35(m), m.tensor([0, 1, 2]),
                                                         m.ones(5, requires_grad=True)),
    "target_3d_shape": lambda F, m: F.nll_loss(m.zeros(2, 3, 4), m.zeros(2, 5, dtype=m.long)),
    "target_4d_rank": lambda F, m: F.nll_loss(m.zeros(2, 3, 4, 5), m.zeros(2, 4, dtype=m.long)),
    "target_4d_shape": lambda F, m: F.nll_loss(m.zeros(2, 3, 4, 5),
                                               m.zeros(2, 4, 4, dtype=m.long)),
    "weight_4d": lambda F, m: F.nll_loss(m.zeros(2, 3, 4, 5), m.zeros(2, 4, 5, dtype=m.long),
                                         m.ones(4)),
    "input_0d": lambda F, m: F.nll_loss(m.tensor(1.0), m.tensor(0)),
    "input_1d_long_target": lambda F, m: F.nll_loss(m.zeros(3), m.tensor([0, 1])),
    "input_1d_target_of_one": lambda F, m: F.nll_loss(m.arange(3.0), m.tensor([2])),
    "target_0d_for_batch": lambda F, m: F.nll_loss(x35(m), m.tensor(1)),
    "integer_input": lambda F, m: F.nll_loss(m.ones(3, 5, dtype=m.long), m.tensor([0, 1, 2])),
    "integer_logits": lambda F, m: F.cross_entropy(m.ones(3, 5, dtype=m.long),
                                                   m.tensor([0, 1, 2])),
    "bad_reduction": lambda F, m: F.cross_entropy(x35(m), m.tensor([0, 1, 2]), reduction="avg"),
    "bad_reduction_mse": lambda F, m: F.mse_loss(x35(m), x35(m), reduction="batchmean"),
    "elementwise_mean": lambda F, m: F.mse_loss(x35(m), x35(m) * 2, reduction="elementwise_mean"),
    "mse_broadcast_warning": lambda F, m: F.mse_loss(x35(m), m.ones(5)),
    "l1_broadcast_warning": lambda F, m: F.l1_loss(x35(m), m.ones(1, 5)),
    "huber_broadcast_warning": lambda F, m: F.huber_loss(x35(m), m.ones(5)),
    "mse_shapes": lambda F, m: F.mse_loss(x35(m), m.ones(4)),
    "mse_integers": lambda F, m: F.mse_loss(m.ones(3, dtype=m.long), m.ones(3, dtype=m.long)),
    "mse_integer_target": lambda F, m: F.mse_loss(x35(m), m.ones(3, 5, dtype=m.long)),
    "mse_weight": lambda F, m: F.mse_loss(x35(m), m.ones(3, 5), weight=m.ones(3, 5) * 2),
    "mse_weight_shape": lambda F, m: F.mse_loss(x35(m), m.ones(3, 5), weight=m.ones(5)),
    "l1_weight": lambda F, m: F.l1_loss(x35(m), m.ones(3, 5), reduction="sum",
                                        weight=m.ones(3, 5) * 2),
    "huber_weight": lambda F, m: F.huber_loss(x35(m), m.ones(3, 5), weight=m.ones(3, 5) * 3),
    "huber_delta": lambda F, m: F.huber_loss(x35(m), m.ones(3, 5), delta=-1.0),
    "smooth_l1_beta": lambda F, m: F.smooth_l1_loss(x35(m), m.ones(3, 5), beta=-1.0),
    "bce_shape": lambda F, m: F.binary_cross_entropy(x35(m).sigmoid(), m.ones(5)),
    "bce_input_range": lambda F, m: F.binary_cross_entropy(x35(m), m.ones(3, 5)),
    "bce_target_range": lambda F, m: F.binary_cross_entropy(x35(m).sigmoid(), m.ones(3, 5) * 2),
    "bce_target_dtype": lambda F, m: F.binary_cross_entropy(x35(m).sigmoid(),
                                                            m.ones(3, 5, dtype=m.float64)),
    "bce_weight_grad": lambda F, m: F.binary_cross_entropy(x35(m).sigmoid(), m.ones(3, 5),
                                                           m.ones(5, requires_grad=True)),
    "bce_logits_shape": lambda F, m: F.binary_cross_entropy_with_logits(x35(m), m.ones(5)),
    "bce_logits_integer_target": lambda F, m: F.binary_cross_entropy_with_logits(
        x35(m), m.ones(3, 5, dtype=m.long)),
    "bce_logits_pos_weight_shape": lambda F, m: F.binary_cross_entropy_with_logits(
        x35(m), m.ones(3, 5), pos_weight=m.ones(3)),
    "bce_logits_pos_weight_grad": lambda F, m: F.binary_cross_entropy_with_logits(
        x35(m), m.ones(3, 5), pos_weight=m.ones(5, requires_grad=True)),
    "kl_mean_warning": lambda F, m: F.kl_div(x35(m), m.ones(3, 5) / 5),
    "kl_integers": lambda F, m: F.kl_div(x35(m), m.ones(3, 5, dtype=m.long), reduction="sum"),
    "kl_bad_reduction": lambda F, m: F.kl_div(x35(m), m.ones(3, 5), reduction="avg"),
    "kl_batchmean_0d": lambda F, m: F.kl_div(m.tensor(0.3), m.tensor(0.5), reduction="batchmean"),
    "legacy_size_average": lambda F, m: F.mse_loss(x35(m), m.ones(3, 5), size_average=False),
    "legacy_reduce": lambda F, m: F.cross_entropy(x35(m), m.tensor([0, 1, 2]), reduce=False),
    "legacy_kl": lambda F, m: F.kl_div(x35(m), m.ones(3, 5), size_average=True),
    "empty_batch": lambda F, m: F.cross_entropy(m.zeros(0, 5), m.zeros(0, dtype=m.long)),
    "empty_probabilities": lambda F, m: F.cross_entropy(m.zeros(0, 5), m.zeros(0, 5)),
    "empty_mse": lambda F, m: F.mse_loss(m.zeros(0, 5), m.zeros(0, 5)),
}


@pytest.mark.parametrize("name", sorted(ERRORS))
def test_errors_and_warnings_match_torch(name):
    theirs = _outcome(ERRORS[name], torch, TF)
    ours = _outcome(ERRORS[name], tg, GF)
    assert ours == theirs


# -- gradcheck, forward mode, vmap ---------------------------------------------------------------
def _t(a, requires_grad=True):
    return tg.tensor(a, dtype=tg.float64, requires_grad=requires_grad)


GRADCHECK = {
    "mse": (lambda x, t: GF.mse_loss(x, t), [X[:2], T[:2]]),
    "mse_none": (lambda x, t: GF.mse_loss(x, t, reduction="none"), [X[:2], T[:2]]),
    "smooth_l1": (lambda x, t: GF.smooth_l1_loss(x, t, beta=0.5), [X[:2], T[:2]]),
    "huber": (lambda x, t: GF.huber_loss(x, t, reduction="sum", delta=0.9), [X[:2], T[:2]]),
    "l1": (lambda x, t: GF.l1_loss(x, t), [X[:2], T[:2]]),
    "bce": (lambda x, t: GF.binary_cross_entropy(x, t), [P[:2], Q[:2]]),
    "bce_weight": (lambda x, t: GF.binary_cross_entropy(x, t, _t(W5, False), reduction="sum"),
                   [P[:2], Q[:2]]),
    "bce_logits": (lambda x, t: GF.binary_cross_entropy_with_logits(x, t), [X[:2], Q[:2]]),
    "bce_logits_pos_weight": (lambda x, t: GF.binary_cross_entropy_with_logits(
        x, t, _t(W5[::-1].copy(), False), pos_weight=_t(W5, False), reduction="none"),
                              [X[:2], Q[:2]]),
    "kl": (lambda x, t: GF.kl_div(x, t, reduction="batchmean"), [X[:2], Q[:2]]),
    "kl_log_target": (lambda x, t: GF.kl_div(x, t, reduction="sum", log_target=True),
                      [X[:2], T[:2]]),
    "cross_entropy": (lambda x: GF.cross_entropy(x, tg.tensor(IDX_IGNORED), _t(W5, False)),
                      [X]),
    "cross_entropy_none": (lambda x: GF.cross_entropy(x, tg.tensor(IDX), reduction="none"), [X]),
    "cross_entropy_smoothing": (lambda x: GF.cross_entropy(x, tg.tensor(IDX_IGNORED),
                                                           label_smoothing=0.2), [X]),
    "cross_entropy_probabilities": (lambda x, t: GF.cross_entropy(x, t), [X[:2], Q[:2]]),
    "cross_entropy_4d": (lambda x: GF.cross_entropy(x, tg.tensor(I4)), [X4]),
    "nll": (lambda x: GF.nll_loss(x, tg.tensor(IDX_IGNORED), reduction="sum"), [X]),
}


@pytest.mark.parametrize("name", sorted(GRADCHECK))
def test_gradcheck_and_gradgradcheck(name):
    fn, arrays = GRADCHECK[name]
    inputs = tuple(_t(a) for a in arrays)
    assert tg.autograd.gradcheck(fn, inputs, check_forward_ad=True)
    assert tg.autograd.gradgradcheck(fn, inputs)


@pytest.mark.parametrize("name", ["mse", "huber", "bce_logits_pos_weight", "cross_entropy",
                                  "cross_entropy_none", "cross_entropy_smoothing", "nll", "kl",
                                  "cross_entropy_4d"])
def test_vmap_matches_a_loop_over_examples(name):
    fn, arrays = GRADCHECK[name]
    batch = [np.stack([a * (1 + 0.2 * i) for i in range(3)]) for a in arrays]
    if name.startswith("bce"):
        batch[1] = np.clip(batch[1], 0, 1)
    mapped = tg.func.vmap(fn)(*[_t(b, False) for b in batch])
    looped = np.stack([_np(fn(*[_t(b[i], False) for b in batch])) for i in range(3)])
    np.testing.assert_allclose(_np(mapped), looped, rtol=1e-12)


def test_per_example_gradients_of_cross_entropy_match_torch():
    w = _rng.standard_normal((5, 3))

    def loss(m, F, w, x, y):
        return F.cross_entropy((x @ w).unsqueeze(0), y.unsqueeze(0), label_smoothing=0.1)

    xs, ys = _rng.standard_normal((4, 5)), np.array([0, 2, 1, 2])
    ours = tg.func.vmap(tg.func.grad(lambda w, x, y: loss(tg, GF, w, x, y)),
                        in_dims=(None, 0, 0))(_t(w, False), _t(xs, False), tg.tensor(ys))
    theirs = torch.func.vmap(torch.func.grad(lambda w, x, y: loss(torch, TF, w, x, y)),
                             in_dims=(None, 0, 0))(torch.tensor(w), torch.tensor(xs),
                                                   torch.tensor(ys))
    np.testing.assert_allclose(_np(ours), _np(theirs), rtol=1e-10, atol=1e-12)


def test_func_jvp_of_losses_matches_torch():
    tangent = np.sin(np.arange(20.0)).reshape(4, 5)
    for name in ("mse", "cross_entropy", "bce_logits"):
        fn = {"mse": lambda F, m, x: F.mse_loss(x, m.tensor(T)),
              "cross_entropy": lambda F, m, x: F.cross_entropy(x, m.tensor(IDX_IGNORED)),
              "bce_logits": lambda F, m, x: F.binary_cross_entropy_with_logits(
                  x, m.tensor(Q), pos_weight=m.tensor(W5))}[name]
        ours = tg.func.jvp(lambda x: fn(GF, tg, x), (_t(X, False),), (_t(tangent, False),))
        theirs = torch.func.jvp(lambda x: fn(TF, torch, x), (torch.tensor(X),),
                                (torch.tensor(tangent),))
        for a, b in zip(ours, theirs):
            np.testing.assert_allclose(_np(a), _np(b), rtol=1e-12)


# -- modules -------------------------------------------------------------------------------------
MODULES = [
    ("L1Loss", (), {}), ("L1Loss", (), {"reduction": "sum"}), ("MSELoss", (), {}),
    ("MSELoss", (), {"reduction": "none"}), ("SmoothL1Loss", (), {"beta": 0.5}),
    ("HuberLoss", (), {"delta": 2.0}), ("KLDivLoss", (), {"reduction": "batchmean"}),
    ("KLDivLoss", (), {"reduction": "sum", "log_target": True}), ("BCELoss", (), {}),
    ("BCELoss", (), {"weight": W5}), ("BCEWithLogitsLoss", (), {}),
    ("BCEWithLogitsLoss", (), {"weight": W5, "pos_weight": W5[::-1].copy()}),
    ("CrossEntropyLoss", (), {}), ("CrossEntropyLoss", (), {"weight": W5, "ignore_index": 2}),
    ("CrossEntropyLoss", (), {"label_smoothing": 0.1, "reduction": "sum"}),
    ("NLLLoss", (), {}), ("NLLLoss", (), {"weight": W5, "reduction": "none"}),
]


def _loss_inputs(m, name):
    if name in ("CrossEntropyLoss", "NLLLoss"):
        return m.tensor(X, dtype=m.float32), m.tensor(IDX)
    if name == "BCELoss":
        return m.tensor(P, dtype=m.float32), m.tensor(Q, dtype=m.float32)
    if name == "BCEWithLogitsLoss":
        return m.tensor(X, dtype=m.float32), m.tensor(Q, dtype=m.float32)
    if name == "KLDivLoss":
        return (m.tensor(X, dtype=m.float32).log_softmax(1),
                m.tensor(T, dtype=m.float32).softmax(1))
    return m.tensor(X, dtype=m.float32), m.tensor(T, dtype=m.float32)


@pytest.mark.parametrize("name,args,kwargs", MODULES)
def test_loss_module_matches_torch(name, args, kwargs):
    out = []
    for m, nn in ((torch, torch.nn), (tg, gnn)):
        kw = {k: m.tensor(v, dtype=m.float32) if isinstance(v, np.ndarray) else v
              for k, v in kwargs.items()}
        mod = getattr(nn, name)(*args, **kw)
        x, t = _loss_inputs(m, name)
        x.requires_grad_()
        y = mod(x, t)
        y.backward(m.ones_like(y))
        out.append((repr(mod), list(mod.state_dict().keys()), [n for n, _ in mod.named_buffers()],
                    y.grad_fn.name(), _np(y), _np(x.grad), mod.reduction))
    assert out[0][:4] == out[1][:4]
    assert out[0][6] == out[1][6]
    np.testing.assert_allclose(out[1][4], out[0][4], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(out[1][5], out[0][5], rtol=1e-5, atol=1e-6)


def test_loss_module_legacy_arguments_and_errors():
    for m, nn in ((torch, torch.nn), (tg, gnn)):
        with pytest.warns(UserWarning, match="size_average and reduce args will be deprecated, "
                                             "please use reduction='sum' instead."):
            assert nn.MSELoss(size_average=False).reduction == "sum"
        with pytest.raises(TypeError, match="delta must be a float or int, got: <class 'str'>"):
            nn.HuberLoss(delta="1")
        loss = nn.CrossEntropyLoss(weight=m.ones(5))
        assert loss.weight.tolist() == [1.0] * 5 and loss.ignore_index == -100
        assert nn.CrossEntropyLoss().weight is None


def test_loss_weight_buffer_follows_the_module():
    loss = gnn.CrossEntropyLoss(weight=tg.tensor(W5, dtype=tg.float32))
    loss.double()
    assert loss.weight.dtype == tg.float64
    y = loss(tg.tensor(X), tg.tensor(IDX))
    t = torch.nn.CrossEntropyLoss(weight=torch.tensor(W5, dtype=torch.float32).double())(
        torch.tensor(X), torch.tensor(IDX))
    np.testing.assert_allclose(y.item(), t.item(), rtol=1e-12)
