"""NAdam, RAdam, Adamax, ASGD and Rprop against torch.optim: 50 steps, state_dict, errors.

Both libraries start from the same values and get the same gradients (a NumPy function of each
library's own parameters).  float32 runs must agree bit for bit once torch's ``sqrt`` (MKL's,
not always correctly rounded) is swapped for NumPy's correctly rounded one, as tapegrad's is;
float64 runs agree to a few units in the last place (tapegrad emulates torch's FMA for float32).
"""
from __future__ import annotations


import numpy as np
import pytest

import tapegrad as tg

torch = pytest.importorskip("torch")


CASES = [
    ("NAdam", {}),
    ("NAdam", {"lr": 0.01, "betas": (0.8, 0.99), "weight_decay": 0.1, "momentum_decay": 0.01}),
    ("NAdam", {"lr": 0.01, "weight_decay": 0.1, "decoupled_weight_decay": True,
               "maximize": True}),
    ("RAdam", {"lr": 0.01}),
    ("RAdam", {"lr": 0.01, "betas": (0.5, 0.6), "weight_decay": 0.1, "eps": 1e-4}),
    ("RAdam", {"lr": 0.01, "weight_decay": 0.1, "decoupled_weight_decay": True,
               "maximize": True}),
    ("Adamax", {}),
    ("Adamax", {"lr": 0.01, "betas": (0.7, 0.9), "weight_decay": 0.1, "eps": 1e-3,
                "maximize": True}),
    ("ASGD", {}),
    ("ASGD", {"lr": 0.05, "lambd": 0.01, "alpha": 0.5, "t0": 10, "weight_decay": 0.1}),
    ("ASGD", {"lr": 0.05, "t0": 0, "maximize": True}),
    ("Rprop", {}),
    ("Rprop", {"lr": 0.05, "etas": (0.3, 1.5), "step_sizes": (1e-3, 0.2), "maximize": True}),
]
IDS = [f"{name}-{'-'.join(f'{k}={v}' for k, v in kw.items()) or 'defaults'}"
       for name, kw in CASES]


# The harness of tests/test_optim.py: the same gradients, parameters, stepping loop and the
# fixture that gives torch a correctly rounded sqrt.
from test_optim import (_params, _plain, _run, _set_grads, _to_tapegrad,  # noqa: E402,F401
                        check_round_trip_continues, correctly_rounded_sqrt)


@pytest.mark.parametrize("name,kwargs", CASES, ids=IDS)
def test_float32_steps_bit_equal_to_torch(name, kwargs, correctly_rounded_sqrt):
    for step, (theirs, ours) in enumerate(_run(name, kwargs, "float32")):
        for a, b in zip(theirs, ours):
            assert a.dtype == b.dtype == np.float32
            np.testing.assert_array_equal(b, a, err_msg=f"step {step + 1}")


@pytest.mark.parametrize("name,kwargs", CASES, ids=IDS)
def test_float64_steps_agree_with_torch_to_rounding(name, kwargs):
    moved = False
    for step, (theirs, ours) in enumerate(_run(name, kwargs, "float64")):
        for a, b in zip(theirs, ours):
            assert b.dtype == a.dtype == np.float64
            np.testing.assert_allclose(b, a, rtol=1e-13, atol=1e-14, err_msg=f"step {step + 1}")
    start = _params(tg, "float64")
    moved = any(not np.array_equal(a, s.detach().numpy()) for a, s in zip(ours, start))
    assert moved


@pytest.mark.parametrize("name,kwargs", CASES, ids=IDS)
def test_state_dict_and_repr_match_torch(name, kwargs, correctly_rounded_sqrt):
    for steps in (0, 3):
        tp, gp = _params(torch, "float32"), _params(tg, "float32")
        groups = lambda ps: [{"params": ps[:2]}, {"params": ps[2:], "lr": 0.5}]  # noqa: E731
        topt = getattr(torch.optim, name)(groups(tp), **kwargs)
        gopt = getattr(tg.optim, name)(groups(gp), **kwargs)
        for _ in range(steps):
            _set_grads(torch, tp[:3], kwargs.get("maximize", False))  # the last one: no state
            _set_grads(tg, gp[:3], kwargs.get("maximize", False))
            topt.step()
            gopt.step()
        assert _plain(gopt.state_dict()) == _plain(topt.state_dict())
        assert repr(gopt) == repr(topt)


@pytest.mark.parametrize("name,kwargs", CASES, ids=IDS)
def test_load_state_dict_round_trip_continues_identically(name, kwargs):
    check_round_trip_continues(name, kwargs)


def _to_torch(obj):
    if isinstance(obj, tg.Tensor):
        return torch.tensor(obj.numpy().copy())
    if isinstance(obj, dict):
        return {k: _to_torch(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return type(obj)(_to_torch(v) for v in obj)
    return obj


@pytest.mark.parametrize("direction", ["torch-to-tapegrad", "tapegrad-to-torch"])
@pytest.mark.parametrize("name,kwargs", CASES, ids=IDS)
def test_state_dicts_cross_between_the_libraries(name, kwargs, direction,
                                                 correctly_rounded_sqrt):
    """Ten steps in one library, its state_dict loaded by the other, ten more in both."""
    tp, gp = _params(torch, "float32"), _params(tg, "float32")
    topt = getattr(torch.optim, name)(tp, **kwargs)
    gopt = getattr(tg.optim, name)(gp, **kwargs)
    maximize = kwargs.get("maximize", False)
    first, second = (torch, tp, topt), (tg, gp, gopt)
    if direction == "tapegrad-to-torch":
        first, second = second, first
    lib, ps, opt = first
    for _ in range(10):
        _set_grads(lib, ps, maximize)
        opt.step()
    for a, b in zip(ps, second[1]):
        b.detach().copy_(second[0].tensor(a.detach().numpy().copy()))
    convert = _to_tapegrad if lib is torch else _to_torch
    second[2].load_state_dict(convert(opt.state_dict()))
    for _ in range(10):
        for lib_, ps_, opt_ in (first, second):
            _set_grads(lib_, ps_, maximize)
            opt_.step()
    for a, b in zip(tp, gp):
        np.testing.assert_array_equal(b.detach().numpy(), a.detach().numpy())


ERRORS = [
    ("NAdam", {"lr": -1.0}), ("NAdam", {"eps": -1.0}), ("NAdam", {"betas": (1.0, 0.9)}),
    ("NAdam", {"betas": (0.9, -0.1)}), ("NAdam", {"weight_decay": -1.0}),
    ("NAdam", {"momentum_decay": -1.0}), ("NAdam", {"lr": None}),
    ("RAdam", {"lr": -0.5}), ("RAdam", {"betas": (0.9, 1.0)}), ("RAdam", {"weight_decay": -2}),
    ("Adamax", {"eps": -1e-3}), ("Adamax", {"betas": (-0.1, 0.9)}),
    ("ASGD", {"lr": -1.0}), ("ASGD", {"weight_decay": -0.1}),
    ("Rprop", {"lr": -1.0}), ("Rprop", {"etas": (1.5, 1.2)}), ("Rprop", {"etas": (0.5, 0.9)}),
    ("Rprop", {"etas": (0.0, 1.2)}),
]


@pytest.mark.parametrize("name,kwargs", ERRORS, ids=[f"{n}-{k}" for n, k in ERRORS])
def test_constructor_errors_match_torch(name, kwargs):
    with pytest.raises(Exception) as theirs:
        getattr(torch.optim, name)([torch.zeros(2, requires_grad=True)], **kwargs)
    with pytest.raises(Exception) as ours:
        getattr(tg.optim, name)([tg.zeros(2, requires_grad=True)], **kwargs)
    assert type(ours.value).__name__ == type(theirs.value).__name__
    assert str(ours.value) == str(theirs.value)


@pytest.mark.parametrize("name", ["NAdam", "RAdam", "Adamax", "ASGD", "Rprop"])
def test_capturable_fails_at_the_first_step_as_on_torchs_cpu(name):
    errors = []
    for lib in (torch, tg):
        p = lib.zeros(2, requires_grad=True)
        opt = getattr(lib.optim, name)([p], capturable=True)
        p.grad = lib.ones(2)
        with pytest.raises(AssertionError) as info:
            opt.step()
        errors.append(str(info.value))
    assert errors[0] == errors[1]


@pytest.mark.parametrize("name", ["NAdam", "RAdam", "Adamax", "ASGD", "Rprop"])
def test_training_an_mlp_with_backward_matches_torch(name):
    """Gradients from backward() through a small tanh MLP, float64, two parameter groups."""
    rng = np.random.default_rng(1)
    x, y = rng.standard_normal((16, 3)), rng.standard_normal((16, 1))
    init = [rng.standard_normal(s) * 0.5 for s in ((3, 8), (8,), (8, 1), (1,))]
    finals = []
    for lib in (torch, tg):
        w1, b1, w2, b2 = (lib.tensor(a, requires_grad=True) for a in init)
        X, Y = lib.tensor(x), lib.tensor(y)
        opt = getattr(lib.optim, name)([{"params": [w1, b1]},
                                        {"params": [w2, b2], "lr": 0.005}], lr=0.01)
        losses = []
        for _ in range(30):
            opt.zero_grad()
            loss = ((lib.tanh(X @ w1 + b1) @ w2 + b2 - Y) ** 2).mean()
            loss.backward()
            opt.step()
            losses.append(loss.item())
        finals.append(losses)
    np.testing.assert_allclose(finals[1], finals[0], rtol=1e-11)
    assert finals[1][-1] < finals[1][0]


def test_the_new_optimizers_are_exported_like_torchs():
    for name in ("NAdam", "RAdam", "Adamax", "ASGD", "Rprop"):
        assert name in tg.optim.__all__ and name in torch.optim.__all__
        assert getattr(tg.optim, name).__name__ == name
        assert not hasattr(tg.optim, name.lower())
