"""tapegrad.optim against torch.optim: 50 steps of every optimizer, state_dict, reprs, errors.

Both libraries start from the same values and are given the same gradients (a NumPy function of
each library's own parameters, so any difference in the parameters shows up in the gradients
too). torch's CPU optimizers round in a particular way: ``add_(x, alpha=a)``, ``lerp_`` and
``addcmul_`` use a fused multiply-add; tapegrad reproduces that for float32, so float32 runs
agree bit for bit once torch's ``sqrt`` (MKL's, not always correctly rounded) is replaced by a
correctly rounded one, as tapegrad's is. With torch's own sqrt they agree within a few units in
the last place; float64 runs (where tapegrad does not emulate the FMA) agree to ~1e-15.
"""
from __future__ import annotations

import copy
import math
import warnings

import numpy as np
import pytest

import tapegrad as tg
from tapegrad.optim.optimizer import register_optimizer_step_pre_hook

torch = pytest.importorskip("torch")

SHAPES = ((5,), (3, 4), (40,), ())
STEPS = 50

CASES = [
    ("SGD", {"lr": 0.05}),
    ("SGD", {"lr": 0.05, "momentum": 0.9}),
    ("SGD", {"lr": 0.05, "momentum": 0.9, "nesterov": True, "weight_decay": 0.1}),
    ("SGD", {"lr": 0.05, "momentum": 0.5, "dampening": 0.3, "maximize": True}),
    ("Adam", {"lr": 0.01}),
    ("Adam", {"lr": 0.02, "betas": (0.8, 0.99), "eps": 1e-6, "weight_decay": 0.1,
              "amsgrad": True}),
    ("Adam", {"lr": 0.01, "maximize": True, "weight_decay": 0.05,
              "decoupled_weight_decay": True}),
    ("AdamW", {"lr": 0.01}),
    ("AdamW", {"lr": 0.01, "weight_decay": 0.3, "amsgrad": True, "betas": (0.6, 0.7)}),
    ("RMSprop", {"lr": 0.01}),
    ("RMSprop", {"lr": 0.01, "momentum": 0.9, "centered": True, "weight_decay": 0.1}),
    ("RMSprop", {"lr": 0.01, "alpha": 0.3, "momentum": 0.2, "maximize": True}),
    ("Adagrad", {"lr": 0.1}),
    ("Adagrad", {"lr": 0.1, "lr_decay": 0.01, "initial_accumulator_value": 0.1,
                 "weight_decay": 0.1, "eps": 1e-5}),
    ("Adadelta", {}),
    ("Adadelta", {"lr": 0.5, "rho": 0.8, "weight_decay": 0.1, "maximize": True}),
]
IDS = [f"{name}-{'-'.join(f'{k}={v}' for k, v in kw.items()) or 'defaults'}"
       for name, kw in CASES]


def _grad(x: np.ndarray, k: int, sign: int = 1) -> np.ndarray:
    """The gradient both libraries are given: elementwise, so it is the same function of the
    same values in both (a quadratic bowl around a target, plus a cubic; turned upside down
    for an optimizer that maximizes)."""
    target = np.linspace(-1, 1, x.size, dtype=x.dtype).reshape(x.shape) + x.dtype.type(k)
    g = x.dtype.type(2) * (x - target) + x.dtype.type(0.3) * x * x * x
    return (g if sign == 1 else -g).astype(x.dtype)


def _params(lib, dtype: str, seed: int = 0) -> list:
    rng = np.random.default_rng(seed)
    return [lib.tensor(rng.standard_normal(s).astype(dtype), requires_grad=True)
            for s in SHAPES]


def _set_grads(lib, params: list, maximize: bool = False) -> None:
    for k, p in enumerate(params):
        p.grad = lib.tensor(_grad(p.detach().numpy(), k, -1 if maximize else 1))


def _value(x):
    return x.detach().numpy() if hasattr(x, "detach") else x


def _run(name: str, kwargs: dict, dtype: str, steps: int = STEPS):
    """Step both optimizers; yield both libraries' parameters after each step."""
    tp, gp = _params(torch, dtype), _params(tg, dtype)
    topt, gopt = getattr(torch.optim, name)(tp, **kwargs), getattr(tg.optim, name)(gp, **kwargs)
    for _ in range(steps):
        _set_grads(torch, tp, kwargs.get("maximize", False))
        _set_grads(tg, gp, kwargs.get("maximize", False))
        topt.step()
        gopt.step()
        yield [p.detach().numpy() for p in tp], [p.detach().numpy() for p in gp]


@pytest.fixture
def correctly_rounded_sqrt(monkeypatch):
    """torch's sqrt replaced by NumPy's (correctly rounded, like tapegrad's)."""
    def sqrt(self):
        return torch.from_numpy(np.asarray(np.sqrt(self.detach().numpy())))

    def sqrt_(self):
        return self.copy_(sqrt(self))

    monkeypatch.setattr(torch.Tensor, "sqrt", sqrt)
    monkeypatch.setattr(torch.Tensor, "sqrt_", sqrt_)


@pytest.mark.parametrize("name,kwargs", CASES, ids=IDS)
def test_float32_steps_bit_equal_to_torch(name, kwargs, correctly_rounded_sqrt):
    for step, (theirs, ours) in enumerate(_run(name, kwargs, "float32")):
        for a, b in zip(theirs, ours):
            assert a.dtype == b.dtype == np.float32
            np.testing.assert_array_equal(b, a, err_msg=f"step {step + 1}")


SGD_CASES = [(n, k) for n, k in CASES if n == "SGD"]


@pytest.mark.parametrize("name,kwargs", SGD_CASES, ids=[f"{n}-{k}" for n, k in SGD_CASES])
def test_float64_sgd_steps_bit_equal_to_torch(name, kwargs):
    """SGD is made of ``add_(alpha=)`` and ``mul_``: through BLAS's fused axpy, float64 steps
    are torch's exactly too."""
    for step, (theirs, ours) in enumerate(_run(name, kwargs, "float64")):
        for a, b in zip(theirs, ours):
            np.testing.assert_array_equal(b, a, err_msg=f"step {step + 1}")


@pytest.mark.parametrize("name,kwargs", [c for c in CASES if c[0] in ("SGD", "Adam", "RMSprop")],
                         ids=lambda c: str(c))
def test_float32_steps_bit_equal_without_blas_axpy(name, kwargs, correctly_rounded_sqrt,
                                                   monkeypatch):
    """Where NumPy's BLAS offers no fused axpy, the float64 fallback gives the same bits."""
    from tapegrad.optim import _axpy
    monkeypatch.setattr(_axpy, "_CHECKED", {np.float32: None, np.float64: None})
    for step, (theirs, ours) in enumerate(_run(name, kwargs, "float32", steps=10)):
        for a, b in zip(theirs, ours):
            np.testing.assert_array_equal(b, a, err_msg=f"step {step + 1}")


@pytest.mark.parametrize("name,kwargs", [c for c in CASES if c[0] in ("Adam", "AdamW")],
                         ids=lambda c: str(c))
def test_adam_tensor_op_path_matches_the_array_path(name, kwargs, correctly_rounded_sqrt,
                                                    monkeypatch):
    """Adam's array-level fast path and its tensor-op path (taken for other dtypes, strided
    state, amsgrad) give torch's bits alike."""
    from tapegrad.optim import _pointwise
    monkeypatch.setattr(_pointwise, "plain_arrays", lambda *tensors: False)
    for step, (theirs, ours) in enumerate(_run(name, kwargs, "float32", steps=10)):
        for a, b in zip(theirs, ours):
            np.testing.assert_array_equal(b, a, err_msg=f"step {step + 1}")


def test_blas_axpy_is_found_and_fused_here():
    """The machines we test on ship NumPy wheels with OpenBLAS: the fused path must be live
    (otherwise the speed of optimizer steps silently falls back)."""
    from tapegrad.optim import _axpy
    if not _axpy._libraries():
        pytest.skip("this NumPy does not bundle OpenBLAS (e.g. macOS wheels use Accelerate)")
    y = np.array([1.0, 2.0], dtype=np.float32)
    assert _axpy.axpy(0.5, np.array([2.0, 4.0], dtype=np.float32), y)
    np.testing.assert_array_equal(y, [2.0, 4.0])
    assert not _axpy.axpy(0.5, np.ones(3, np.float32), np.ones(2, np.float32))  # sizes differ


def _assert_within_ulps(ours: np.ndarray, theirs: np.ndarray, ulps: float, what: str) -> None:
    scale = np.spacing(np.abs(theirs).max().astype(theirs.dtype))
    worst = np.abs(ours.astype(np.float64) - theirs).max() / scale
    assert worst <= ulps, f"{what}: {worst:.1f} units in the last place apart"


@pytest.mark.parametrize("dtype,ulps", [("float32", 8), ("float64", 16)])
@pytest.mark.parametrize("name,kwargs", CASES, ids=IDS)
def test_steps_agree_with_torch_to_rounding(name, kwargs, dtype, ulps):
    for step, (theirs, ours) in enumerate(_run(name, kwargs, dtype)):
        for a, b in zip(theirs, ours):
            assert b.dtype == a.dtype
            _assert_within_ulps(b, a, ulps, f"step {step + 1}")


@pytest.mark.parametrize("name,kwargs", [("SGD", {"lr": 0.1, "momentum": 0.9}),
                                         ("Adam", {"lr": 0.01}), ("AdamW", {"lr": 0.01}),
                                         ("RMSprop", {"lr": 0.001, "centered": True})])
def test_training_an_mlp_with_backward_matches_torch(name, kwargs):
    """Gradients from backward() through a small tanh MLP, float64, two parameter groups."""
    rng = np.random.default_rng(1)
    x, y = rng.standard_normal((16, 3)), rng.standard_normal((16, 1))
    init = [rng.standard_normal(s) * 0.5 for s in ((3, 8), (8,), (8, 1), (1,))]
    finals = []
    for lib in (torch, tg):
        w1, b1, w2, b2 = (lib.tensor(a, requires_grad=True) for a in init)
        X, Y = lib.tensor(x), lib.tensor(y)
        opt = getattr(lib.optim, name)([{"params": [w1, b1]},
                                        {"params": [w2, b2], "lr": kwargs["lr"] / 2}], **kwargs)
        losses = []
        for _ in range(STEPS):
            opt.zero_grad()
            loss = ((lib.tanh(X @ w1 + b1) @ w2 + b2 - Y) ** 2).mean()
            loss.backward()
            opt.step()
            losses.append(loss.item())
        finals.append(([_value(t) for t in (w1, b1, w2, b2)], losses))
    (theirs, their_losses), (ours, our_losses) = finals
    np.testing.assert_allclose(our_losses, their_losses, rtol=1e-11)
    assert our_losses[-1] < our_losses[0]
    for a, b in zip(theirs, ours):
        np.testing.assert_allclose(b, a, rtol=1e-10, atol=1e-13)


# -- state_dict ------------------------------------------------------------------------------------
def _plain(obj):
    """A state_dict as comparable Python data: tensors become (dtype, shape, values)."""
    if hasattr(obj, "detach"):
        return (str(obj.dtype).split(".")[-1], tuple(obj.shape), obj.detach().numpy().tolist())
    if isinstance(obj, dict):
        return [(k, _plain(v)) for k, v in obj.items()]  # a list: the order counts
    if isinstance(obj, (list, tuple)):
        return type(obj)(_plain(v) for v in obj)
    return obj


@pytest.mark.parametrize("name,kwargs", CASES, ids=IDS)
def test_state_dict_matches_torch(name, kwargs, correctly_rounded_sqrt):
    for steps in (0, 3):
        tp, gp = _params(torch, "float32"), _params(tg, "float32")
        groups = lambda ps: [{"params": ps[:2]}, {"params": ps[2:], "lr": 0.5}]  # noqa: E731
        topt = getattr(torch.optim, name)(groups(tp), **kwargs)
        gopt = getattr(tg.optim, name)(groups(gp), **kwargs)
        for _ in range(steps):
            # the last parameter has no grad: it keeps no state
            _set_grads(torch, tp[:3], kwargs.get("maximize", False))
            _set_grads(tg, gp[:3], kwargs.get("maximize", False))
            topt.step()
            gopt.step()
        assert _plain(gopt.state_dict()) == _plain(topt.state_dict())
        assert repr(gopt) == repr(topt)


@pytest.mark.parametrize("name,kwargs", CASES, ids=IDS)
def test_load_state_dict_round_trip_continues_identically(name, kwargs):
    check_round_trip_continues(name, kwargs)


def check_round_trip_continues(name: str, kwargs: dict) -> None:
    """Save after 20 steps, load into a fresh optimizer on copied parameters: the next 30
    steps are the same as without the interruption (also used by test_optim_more.py)."""
    params = _params(tg, "float32")
    opt = getattr(tg.optim, name)(params, **kwargs)
    maximize = kwargs.get("maximize", False)
    for _ in range(20):
        _set_grads(tg, params, maximize)
        opt.step()
    saved = copy.deepcopy(opt.state_dict())
    twins = [p.detach().clone().requires_grad_(True) for p in params]
    twin_opt = getattr(tg.optim, name)(twins, **{**kwargs, "lr": 123.0})
    twin_opt.load_state_dict(saved)
    assert twin_opt.param_groups[0]["lr"] == opt.param_groups[0]["lr"]
    assert twin_opt.param_groups[0]["params"][0] is twins[0]
    for _ in range(30):
        for ps, o in ((params, opt), (twins, twin_opt)):
            _set_grads(tg, ps, maximize)
            o.step()
    for a, b in zip(params, twins):
        np.testing.assert_array_equal(b.detach().numpy(), a.detach().numpy())


def _to_tapegrad(obj):
    if isinstance(obj, torch.Tensor):
        return tg.tensor(obj.numpy().copy())
    if isinstance(obj, dict):
        return {k: _to_tapegrad(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return type(obj)(_to_tapegrad(v) for v in obj)
    return obj


@pytest.mark.parametrize("name,kwargs", CASES[::3], ids=IDS[::3])
def test_loading_torchs_state_dict_continues_like_torch(name, kwargs, correctly_rounded_sqrt):
    tp = _params(torch, "float32")
    topt = getattr(torch.optim, name)(tp, **kwargs)
    maximize = kwargs.get("maximize", False)
    for _ in range(10):
        _set_grads(torch, tp, maximize)
        topt.step()
    gp = [tg.tensor(p.detach().numpy().copy(), requires_grad=True) for p in tp]
    gopt = getattr(tg.optim, name)(gp, **kwargs)
    gopt.load_state_dict(_to_tapegrad(topt.state_dict()))
    for _ in range(10):
        _set_grads(torch, tp, maximize)
        _set_grads(tg, gp, maximize)
        topt.step()
        gopt.step()
    for a, b in zip(tp, gp):
        np.testing.assert_array_equal(b.detach().numpy(), a.detach().numpy())


def test_load_state_dict_casts_buffers_to_the_parameters_dtype_but_not_step():
    p = tg.zeros(2, dtype=tg.float64, requires_grad=True)
    opt = tg.optim.Adam([p])
    opt.load_state_dict({"state": {0: {"step": tg.tensor(3.0), "exp_avg": tg.ones(2),
                                       "exp_avg_sq": tg.ones(2)}},
                         "param_groups": [dict(opt.state_dict()["param_groups"][0])]})
    assert opt.state[p]["exp_avg"].dtype == tg.float64
    assert opt.state[p]["step"].dtype == tg.float32
    p.grad = tg.ones(2, dtype=tg.float64)
    opt.step()
    assert opt.state[p]["step"].item() == 4.0


def test_step_counter_dtype_follows_default_dtype_and_fused():
    for lib in (torch, tg):
        lib.set_default_dtype(lib.float64)
        try:
            p = lib.zeros(2, requires_grad=True)
            p.grad = lib.ones(2)
            plain, fused = lib.optim.Adam([p]), lib.optim.Adam([p], fused=True)
            plain.step()
            fused.step()
            kinds = (str(plain.state[p]["step"].dtype), str(fused.state[p]["step"].dtype))
            assert [k.split(".")[-1] for k in kinds] == ["float64", "float32"]
        finally:
            lib.set_default_dtype(lib.float32)


# -- reprs, groups, zero_grad, closures, hooks -----------------------------------------------------
@pytest.mark.parametrize("name", ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta",
                                  "LBFGS"])
def test_repr_matches_torch(name):
    reprs = []
    for lib in (torch, tg):
        a, b = lib.zeros(2, requires_grad=True), lib.zeros(3, requires_grad=True)
        groups = [a, b] if name == "LBFGS" else [{"params": [a]}, {"params": [b], "lr": 0.25}]
        reprs.append(repr(getattr(lib.optim, name)(groups)))
    assert reprs[1] == reprs[0]
    assert reprs[1].startswith(f"{name} (\nParameter Group 0\n")


def test_named_parameters_and_tensor_lr_in_groups_and_repr():
    out = []
    for lib in (torch, tg):
        a, b = lib.zeros(2, requires_grad=True), lib.ones(2, requires_grad=True)
        opt = lib.optim.SGD([("a", a), ("b", b)], lr=lib.tensor(0.1), momentum=0.5)
        a.grad, b.grad = lib.ones(2), lib.ones(2)
        opt.step()
        out.append((repr(opt), _plain(opt.state_dict()), a.detach().numpy().tolist()))
    assert out[1] == out[0]


def test_a_set_of_parameters_is_accepted_like_torch_but_not_inside_a_group():
    for lib in (torch, tg):
        p = lib.zeros(2, requires_grad=True)
        assert lib.optim.SGD({p}).param_groups[0]["params"] == [p]  # listed first, as torch
        with pytest.raises(TypeError, match="ordered collections"):
            lib.optim.SGD([{"params": {p}}])


def test_step_returns_the_closures_loss_computed_with_grad_enabled():
    p = tg.tensor([1.0, 2.0], requires_grad=True)
    opt = tg.optim.SGD([p], lr=0.1)
    seen = []

    def closure():
        seen.append(tg.is_grad_enabled())
        opt.zero_grad()
        loss = (p * p).sum()
        loss.backward()
        return loss

    with tg.no_grad():
        loss = opt.step(closure)
    assert seen == [True] and loss.item() == 5.0
    assert p.detach().numpy().tolist() == pytest.approx([0.8, 1.6])
    assert opt.step() is None


def test_parameters_without_grad_are_skipped_and_plain_sgd_keeps_no_state():
    a, b = tg.ones(2, requires_grad=True), tg.ones(2, requires_grad=True)
    sgd = tg.optim.SGD([a, b], lr=0.1)
    adam = tg.optim.Adam([a, b])
    a.grad = tg.ones(2)
    sgd.step()
    adam.step()
    assert b.detach().numpy().tolist() == [1.0, 1.0]
    assert dict(sgd.state) == {} and sgd.state_dict()["state"] == {}
    assert list(adam.state_dict()["state"]) == [0]
    assert list(tg.optim.Adagrad([a, b]).state_dict()["state"]) == [0, 1]  # made up front


@pytest.mark.parametrize("set_to_none", [True, False])
def test_zero_grad(set_to_none):
    results = []
    for lib in (torch, tg):
        p = lib.ones(2, requires_grad=True)
        (p * 3).sum().backward()
        lib.optim.SGD([p]).zero_grad(set_to_none=set_to_none)
        results.append(None if p.grad is None else (p.grad.tolist(), p.grad.requires_grad))
    assert results[1] == results[0]


def test_add_param_group_fills_defaults_and_the_users_dict_is_the_group():
    a, b = tg.zeros(1, requires_grad=True), tg.zeros(1, requires_grad=True)
    opt = tg.optim.SGD([a], lr=0.1, momentum=0.9)
    group = {"params": b, "lr": 0.01}
    opt.add_param_group(group)
    assert opt.param_groups[1] is group
    assert group["params"] == [b] and group["momentum"] == 0.9 and group["lr"] == 0.01


def test_step_and_state_dict_hooks():
    p = tg.ones(1, requires_grad=True)
    p.grad = tg.ones(1)
    opt = tg.optim.SGD([p], lr=1.0)
    calls = []
    h1 = opt.register_step_pre_hook(lambda o, args, kwargs: calls.append(("pre", o is opt)))
    opt.register_step_post_hook(lambda o, args, kwargs: calls.append(("post", p.item())))
    g = register_optimizer_step_pre_hook(lambda o, args, kwargs: calls.append(("global",)))
    opt.step()
    h1.remove()
    g.remove()
    opt.step()
    assert calls == [("global",), ("pre", True), ("post", 0.0), ("post", -1.0)]
    opt.register_state_dict_post_hook(lambda o, sd: {**sd, "extra": 1})
    assert opt.state_dict()["extra"] == 1


def test_duplicate_parameters_warn_as_torch():
    messages = []
    for lib in (torch, tg):
        p = lib.zeros(1, requires_grad=True)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            lib.optim.SGD([p, p])
        messages.append([str(w.message) for w in caught])
    assert messages[1] == messages[0] and len(messages[0]) == 1


# -- errors ----------------------------------------------------------------------------------------
def _p(lib):
    return lib.zeros(2, requires_grad=True)


ERRORS = {
    "negative lr": lambda L: L.optim.SGD([_p(L)], lr=-0.1),
    "tensor given": lambda L: L.optim.SGD(_p(L)),
    "empty": lambda L: L.optim.SGD([]),
    "non-leaf": lambda L: L.optim.Adam([_p(L) * 2]),
    "a number": lambda L: L.optim.SGD([_p(L), 1.0]),
    "None": lambda L: L.optim.SGD([_p(L), None]),
    "set in a group": lambda L: L.optim.SGD([{"params": {_p(L)}}]),
    "two groups": lambda L: (lambda p: L.optim.SGD([{"params": [p]}, {"params": [p]}]))(_p(L)),
    "names mixed": lambda L: L.optim.SGD([("a", _p(L)), _p(L)]),
    "groups with and without names": lambda L: L.optim.SGD(
        [{"params": [_p(L)]}, {"params": [("b", _p(L))]}]),
    "group not a dict": lambda L: L.optim.SGD([_p(L)]).add_param_group([_p(L)]),
    "nesterov": lambda L: L.optim.SGD([_p(L)], nesterov=True),
    "momentum": lambda L: L.optim.SGD([_p(L)], momentum=-1),
    "weight_decay": lambda L: L.optim.SGD([_p(L)], weight_decay=-1),
    "lr tensor size": lambda L: L.optim.SGD([_p(L)], lr=L.tensor([0.1, 0.2])),
    "fused and foreach": lambda L: L.optim.SGD([_p(L)], fused=True, foreach=True),
    "fused and differentiable": lambda L: L.optim.Adam([_p(L)], fused=True,
                                                       differentiable=True),
    "betas ints": lambda L: L.optim.Adam([_p(L)], betas=(0, 0.9)),
    "beta 1": lambda L: L.optim.Adam([_p(L)], betas=(0.9, 1.0)),
    "beta 0": lambda L: L.optim.AdamW([_p(L)], betas=(-0.1, 0.9)),
    "eps": lambda L: L.optim.Adam([_p(L)], eps=-1),
    "tensor lr with foreach": lambda L: L.optim.Adam([_p(L)], lr=L.tensor(0.1), foreach=True),
    "alpha": lambda L: L.optim.RMSprop([_p(L)], alpha=-1),
    "lr_decay": lambda L: L.optim.Adagrad([_p(L)], lr_decay=-1),
    "initial_accumulator_value": lambda L: L.optim.Adagrad([_p(L)],
                                                           initial_accumulator_value=-1),
    "rho": lambda L: L.optim.Adadelta([_p(L)], rho=1.5),
    "lbfgs groups": lambda L: L.optim.LBFGS([{"params": [_p(L)]}, {"params": [_p(L)]}]),
    "lbfgs without closure": lambda L: L.optim.LBFGS([_p(L)]).step(),
    "required option": lambda L: type("Opt", (L.optim.Optimizer,), {})(
        [_p(L)], {"lr": __import__(f"{L.__name__}.optim.optimizer",
                                   fromlist=["required"]).required}),
}


def _capturable_step(L, name):
    p = _p(L)
    opt = getattr(L.optim, name)([p], capturable=True)
    p.grad = L.ones(2)
    opt.step()


for _name in ("Adam", "AdamW", "RMSprop", "Adadelta"):
    ERRORS[f"capturable {_name}"] = lambda L, n=_name: _capturable_step(L, n)


def _fused_int_step(L):
    t = L.tensor([1, 2])
    opt = L.optim.SGD([t], fused=True)
    t.grad = L.tensor([1, 1])
    opt.step()


ERRORS["fused on integers"] = _fused_int_step


def _load_mismatch(L, groups):
    opt = L.optim.SGD([_p(L), _p(L)], lr=0.1)
    other = L.optim.SGD(groups(L), lr=0.1)
    other.load_state_dict(opt.state_dict())


ERRORS["load: group count"] = lambda L: _load_mismatch(
    L, lambda L: [{"params": [_p(L)]}, {"params": [_p(L)]}])
ERRORS["load: group size"] = lambda L: _load_mismatch(L, lambda L: [_p(L)])


def _outcome(fn, lib):
    try:
        fn(lib)
    except Exception as exc:  # noqa: BLE001 - the type and text are what is compared
        return type(exc).__name__, str(exc).replace("torch.optim", "tapegrad.optim")
    return None


@pytest.mark.parametrize("case", list(ERRORS))
def test_errors_match_torch(case):
    theirs = _outcome(ERRORS[case], torch)
    assert theirs is not None, "torch raised nothing"
    assert _outcome(ERRORS[case], tg) == theirs


def test_an_error_leaves_the_parameters_untouched():
    p = tg.ones(2, requires_grad=True)
    before = p.detach().numpy().copy()
    with pytest.raises(ValueError):
        tg.optim.SGD([p, p * 2], lr=0.1)
    opt = tg.optim.Adam([p], capturable=True)
    p.grad = tg.ones(2)
    with pytest.raises(AssertionError):
        opt.step()
    np.testing.assert_array_equal(p.detach().numpy(), before)


# -- LBFGS -----------------------------------------------------------------------------------------
def _rosenbrock_run(lib, dtype: str, **kwargs):
    x = lib.tensor(np.array([-1.5, 2.0, 0.5, -0.3], dtype=dtype), requires_grad=True)
    opt = lib.optim.LBFGS([x], **kwargs)

    def closure():
        opt.zero_grad()
        loss = ((1 - x[:-1]) ** 2 + 100 * (x[1:] - x[:-1] ** 2) ** 2).sum()
        loss.backward()
        return loss

    path, losses = [], []
    for _ in range(8):
        losses.append(float(opt.step(closure).detach()))
        path.append(x.detach().numpy().copy())
    state = opt.state[x]
    return np.array(path), losses, state["func_evals"], state["n_iter"], list(state)


@pytest.mark.parametrize("kwargs", [{}, {"line_search_fn": "strong_wolfe"},
                                    {"history_size": 3, "max_iter": 5},
                                    {"line_search_fn": "strong_wolfe", "history_size": 2,
                                     "lr": 0.5, "max_eval": 9}])
def test_lbfgs_on_rosenbrock_follows_torch(kwargs):
    (tpath, tloss, tevals, titers, tkeys) = _rosenbrock_run(torch, "float64", **kwargs)
    (gpath, gloss, gevals, giters, gkeys) = _rosenbrock_run(tg, "float64", **kwargs)
    assert (gevals, giters, gkeys) == (tevals, titers, tkeys)
    np.testing.assert_allclose(gpath, tpath, rtol=1e-9, atol=1e-11)
    np.testing.assert_allclose(gloss, tloss, rtol=1e-9, atol=1e-12)
    assert gloss[-1] < 0.01 * gloss[0]


def test_lbfgs_float32_reaches_torchs_point():
    """float32 dot products are summed in another order than MKL's, so the paths drift apart
    at the rounding level; the end points agree."""
    for kwargs in ({}, {"line_search_fn": "strong_wolfe"}):
        tpath, *_ = _rosenbrock_run(torch, "float32", **kwargs)
        gpath, *_ = _rosenbrock_run(tg, "float32", **kwargs)
        np.testing.assert_allclose(gpath[-1], tpath[-1], atol=2e-3)


def test_lbfgs_rejects_unknown_line_search_and_is_silent_about_the_loss():
    for lib in (torch, tg):
        x = lib.ones(2, requires_grad=True)
        opt = lib.optim.LBFGS([x], line_search_fn="armijo")

        def closure():
            opt.zero_grad()
            loss = ((x - 3) ** 2).sum()
            loss.backward()
            return loss

        with warnings.catch_warnings():
            warnings.simplefilter("error")  # no "converting a tensor with requires_grad" here
            with pytest.raises(RuntimeError, match="only 'strong_wolfe' is supported"):
                opt.step(closure)
        assert math.isclose(float(opt.state[x]["func_evals"]), 1.0)
