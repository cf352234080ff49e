"""tapegrad.optim.lr_scheduler against torch's: the learning rates (and cycled momentums) of
100 steps, float for float, state_dict keys and values, warnings and errors."""
from __future__ import annotations

import copy
import warnings

import pytest

import tapegrad as tg

torch = pytest.importorskip("torch")


SCHEDULERS = {
    "StepLR": lambda L, o: L.StepLR(o, step_size=7, gamma=0.3),
    "MultiStepLR": lambda L, o: L.MultiStepLR(o, milestones=[5, 20, 20, 60], gamma=0.5),
    "ExponentialLR": lambda L, o: L.ExponentialLR(o, gamma=0.97),
    "CosineAnnealingLR": lambda L, o: L.CosineAnnealingLR(o, T_max=30, eta_min=0.001),
    "CosineAnnealingLR-short": lambda L, o: L.CosineAnnealingLR(o, T_max=3),
    "LambdaLR": lambda L, o: L.LambdaLR(o, lambda e: 1 / (1 + e) ** 0.5),
    "LambdaLR-per-group": lambda L, o: L.LambdaLR(o, [lambda e: 0.9 ** e, lambda e: 1 + e]),
    "MultiplicativeLR": lambda L, o: L.MultiplicativeLR(o, lambda e: 0.99),
    "LinearLR": lambda L, o: L.LinearLR(o, start_factor=0.1, end_factor=0.9, total_iters=37),
    "LinearLR-defaults": lambda L, o: L.LinearLR(o),
    "ConstantLR": lambda L, o: L.ConstantLR(o, factor=0.3, total_iters=9),
    "PolynomialLR": lambda L, o: L.PolynomialLR(o, total_iters=60, power=2.0),
    "OneCycleLR": lambda L, o: L.OneCycleLR(o, max_lr=0.7, total_steps=100),
    "OneCycleLR-three-phase-linear": lambda L, o: L.OneCycleLR(
        o, max_lr=[0.7, 0.2], epochs=10, steps_per_epoch=10, three_phase=True,
        anneal_strategy="linear", pct_start=0.25, div_factor=10.0),
    "OneCycleLR-no-momentum": lambda L, o: L.OneCycleLR(o, max_lr=0.3, total_steps=120,
                                                        cycle_momentum=False),
    "CyclicLR-triangular2": lambda L, o: L.CyclicLR(o, base_lr=0.01, max_lr=0.1,
                                                    step_size_up=7, mode="triangular2"),
    "CyclicLR-exp_range": lambda L, o: L.CyclicLR(o, base_lr=[0.01, 0.02], max_lr=0.1,
                                                  step_size_up=7, step_size_down=4,
                                                  mode="exp_range", gamma=0.99),
    "CosineAnnealingWarmRestarts": lambda L, o: L.CosineAnnealingWarmRestarts(
        o, T_0=7, T_mult=2, eta_min=0.01),
    "CosineAnnealingWarmRestarts-T_mult-1": lambda L, o: L.CosineAnnealingWarmRestarts(o, 10),
    "SequentialLR": lambda L, o: L.SequentialLR(
        o, [L.LinearLR(o, 0.1, total_iters=5), L.CosineAnnealingLR(o, T_max=50)],
        milestones=[5]),
    "SequentialLR-three": lambda L, o: L.SequentialLR(
        o, [L.ConstantLR(o, 0.5, total_iters=4), L.ExponentialLR(o, 0.9),
            L.StepLR(o, 10, 0.5)], milestones=[10, 30]),
    "ChainedScheduler": lambda L, o: L.ChainedScheduler([L.ExponentialLR(o, 0.98),
                                                         L.StepLR(o, 10, 0.5)]),
}


def _optimizer(lib, name: str):
    p, q = lib.zeros(3, requires_grad=True), lib.zeros(2, requires_grad=True)
    kwargs = {"lr": 0.1, "momentum": 0.9} if name == "SGD" else {"lr": 0.1}
    return getattr(lib.optim, name)([{"params": [p]}, {"params": [q], "lr": 0.05}], **kwargs)


def _momentums(opt) -> list:
    return [g.get("momentum", g.get("betas")) for g in opt.param_groups]


def _history(lib, key: str, optimizer: str, steps: int = 100):
    opt = _optimizer(lib, optimizer)
    sched = SCHEDULERS[key](lib.optim.lr_scheduler, opt)
    lrs, momentums = [sched.get_last_lr()], [_momentums(opt)]
    for _ in range(steps):
        opt.step()
        sched.step()
        lrs.append(sched.get_last_lr())
        momentums.append(_momentums(opt))
    return lrs, momentums, sched


@pytest.mark.parametrize("optimizer", ["SGD", "Adam"])
@pytest.mark.parametrize("key", list(SCHEDULERS))
def test_learning_rates_equal_torchs(key, optimizer):
    theirs_lr, theirs_m, theirs = _history(torch, key, optimizer)
    ours_lr, ours_m, ours = _history(tg, key, optimizer)
    assert ours_lr == theirs_lr  # float for float
    assert ours_m == theirs_m
    assert [g["lr"] for g in ours.optimizer.param_groups] == ours_lr[-1]
    assert type(ours).__module__ == "tapegrad.optim.lr_scheduler"


def _plain(obj):
    if callable(obj) and not isinstance(obj, type):
        return "<function>"
    if isinstance(obj, dict):
        return [(k, _plain(v)) for k, v in obj.items()]
    if isinstance(obj, (list, tuple)):
        return [_plain(v) for v in obj]
    if type(obj).__name__ == "Counter":
        return sorted(obj.items())
    return obj


@pytest.mark.parametrize("key", list(SCHEDULERS))
def test_state_dict_matches_torch_and_round_trips(key):
    _, _, theirs = _history(torch, key, "SGD", steps=20)
    _, _, ours = _history(tg, key, "SGD", steps=20)
    saved = copy.deepcopy(ours.state_dict())
    assert _plain(saved) == _plain(theirs.state_dict())
    assert "optimizer" not in saved

    # A fresh scheduler on a fresh optimizer, given both states, continues identically.
    opt_state = copy.deepcopy(ours.optimizer.state_dict())
    twin_opt = _optimizer(tg, "SGD")
    twin = SCHEDULERS[key](tg.optim.lr_scheduler, twin_opt)
    twin_opt.load_state_dict(opt_state)
    twin.load_state_dict(saved)
    for _ in range(30):
        for sched in (ours, twin):
            sched.optimizer.step()
            sched.step()
        assert twin.get_last_lr() == ours.get_last_lr()


def _caught(fn):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fn()
    return [(w.category.__name__, str(w.message)) for w in caught]


def test_stepping_the_scheduler_first_warns_as_torch():
    results = []
    for lib in (torch, tg):
        opt = _optimizer(lib, "SGD")
        sched = lib.optim.lr_scheduler.StepLR(opt, 2)
        results.append((_caught(sched.step), _caught(opt.step), _caught(sched.step)))
    assert results[1] == results[0]
    assert "before `optimizer.step()`" in results[0][0][0][1]
    assert results[0][2] == []


def test_no_warning_in_the_right_order_and_when_step_is_replaced():
    results = []
    for lib in (torch, tg):
        opt = _optimizer(lib, "SGD")
        sched = lib.optim.lr_scheduler.ExponentialLR(opt, 0.5)
        good = _caught(lambda: (opt.step(), sched.step()))
        opt2 = _optimizer(lib, "SGD")
        sched2 = lib.optim.lr_scheduler.ExponentialLR(opt2, 0.5)
        opt2.step = lambda: None  # overridden after the scheduler was made
        results.append((good, _caught(sched2.step)))
    assert results[1] == results[0]
    assert results[0][0] == [] and "overridden" in results[0][1][0][1]


def test_get_lr_outside_step_and_an_epoch_argument_warn_as_torch():
    results = []
    for lib in (torch, tg):
        L = lib.optim.lr_scheduler
        opt = _optimizer(lib, "SGD")
        sched = L.StepLR(opt, 3, gamma=0.5)
        opt.step()
        first = _caught(sched.get_lr)
        second = _caught(lambda: sched.step(7))  # the closed form
        results.append((first, second, sched.get_last_lr()))
    assert results[1] == results[0]
    assert results[0][2] == [0.1 * 0.5 ** 2, 0.05 * 0.5 ** 2]


@pytest.mark.parametrize("key,epochs", [
    ("StepLR", [3, 7, 14, 2]), ("MultiStepLR", [4, 5, 21, 60, 61]),
    ("ExponentialLR", [0, 5, 9]), ("CosineAnnealingLR", [4, 31, 45]),
    ("LinearLR", [1, 20, 40]), ("ConstantLR", [3, 9, 12]), ("PolynomialLR", [10, 70]),
    ("CosineAnnealingWarmRestarts", [0, 3.5, 7, 8.25, 30, 100]),
    ("CosineAnnealingWarmRestarts-T_mult-1", [5, 10, 23.5]),
    ("LambdaLR", [4, 9])])
def test_step_with_an_epoch_uses_the_closed_form_as_torch(key, epochs):
    results = []
    for lib in (torch, tg):
        opt = _optimizer(lib, "SGD")
        sched = SCHEDULERS[key](lib.optim.lr_scheduler, opt)
        out = []
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for epoch in epochs:
                opt.step()
                sched.step(epoch)
                out.append((sched.get_last_lr(), sched.last_epoch))
        results.append(out)
    assert results[1] == results[0]


PLATEAU = [
    {}, {"mode": "max", "factor": 0.5, "patience": 2},
    {"threshold_mode": "abs", "threshold": 0.05, "patience": 1, "cooldown": 3},
    {"mode": "max", "threshold_mode": "abs", "patience": 0, "min_lr": [0.01, 0.02]},
    {"patience": 1, "min_lr": 0.03, "eps": 0.02, "factor": 0.7},
]


@pytest.mark.parametrize("kwargs", PLATEAU)
def test_reduce_lr_on_plateau_matches_torch(kwargs):
    metrics = [1.0, 0.9, 0.91, 0.92, 0.95, 0.89, 0.9, 0.9, 0.9, 1.2, 1.3, 0.5, 0.5, 0.5,
               0.5] * 4
    results = []
    for lib in (torch, tg):
        opt = _optimizer(lib, "SGD")
        sched = lib.optim.lr_scheduler.ReduceLROnPlateau(opt, **kwargs)
        history = [sched.get_last_lr()]
        for m in metrics:
            opt.step()
            sched.step(lib.tensor(m) if m == 0.5 else m)
            history.append((sched.get_last_lr(), sched.num_bad_epochs, sched.cooldown_counter,
                            sched.best, sched.in_cooldown))
        results.append((history, _plain(sched.state_dict())))
    assert results[1] == results[0]


def test_reduce_lr_on_plateau_load_state_dict():
    opt = _optimizer(tg, "SGD")
    sched = tg.optim.lr_scheduler.ReduceLROnPlateau(opt, mode="max", patience=0)
    sched.step(1.0)
    twin = tg.optim.lr_scheduler.ReduceLROnPlateau(_optimizer(tg, "SGD"))
    twin.load_state_dict(sched.state_dict())
    assert (twin.mode, twin.best, twin.mode_worse) == ("max", 1.0, float("-inf"))


def test_tensor_learning_rate_is_filled_in_place():
    results = []
    for lib in (torch, tg):
        p = lib.zeros(2, requires_grad=True)
        lr = lib.tensor(0.1)
        opt = lib.optim.SGD([p], lr=lr)
        sched = lib.optim.lr_scheduler.StepLR(opt, 2, gamma=0.5)
        for _ in range(5):
            opt.step()
            sched.step()
        assert opt.param_groups[0]["lr"] is lr
        results.append((float(lr), [float(x) for x in sched.get_last_lr()],
                        float(opt.param_groups[0]["initial_lr"])))
    assert results[1] == results[0]


ERRORS = {
    "not an optimizer": lambda L, o: L.StepLR(object(), 3),
    "resume without initial_lr": lambda L, o: L.StepLR(o, 3, last_epoch=4),
    "lambdas count": lambda L, o: L.LambdaLR(o, [lambda e: 1.0]),
    "multiplicative not callable": lambda L, o: L.MultiplicativeLR(o, [1.0, 2.0]),
    "constant factor": lambda L, o: L.ConstantLR(o, factor=2.0),
    "linear start": lambda L, o: L.LinearLR(o, start_factor=0),
    "linear end": lambda L, o: L.LinearLR(o, end_factor=1.5),
    "sequential empty": lambda L, o: L.SequentialLR(o, [], []),
    "sequential milestones": lambda L, o: L.SequentialLR(o, [L.StepLR(o, 2)], [3]),
    "sequential plateau": lambda L, o: L.SequentialLR(o, [L.ReduceLROnPlateau(o)], []),
    "sequential other optimizer": lambda L, o: L.SequentialLR(
        o, [L.StepLR(o, 2), L.StepLR(type(o)([_zeros(L)]), 2)], [3]),
    "chained empty": lambda L, o: L.ChainedScheduler([]),
    "chained not a scheduler": lambda L, o: L.ChainedScheduler([L.StepLR(o, 2), 3], o),
    "plateau factor": lambda L, o: L.ReduceLROnPlateau(o, factor=1.0),
    "plateau mode": lambda L, o: L.ReduceLROnPlateau(o, mode="up"),
    "plateau threshold mode": lambda L, o: L.ReduceLROnPlateau(o, threshold_mode="x"),
    "plateau min_lrs": lambda L, o: L.ReduceLROnPlateau(o, min_lr=[0.1]),
    "plateau not an optimizer": lambda L, o: L.ReduceLROnPlateau(3),
    "onecycle steps": lambda L, o: L.OneCycleLR(o, 0.1, total_steps=0),
    "onecycle nothing": lambda L, o: L.OneCycleLR(o, 0.1),
    "onecycle epochs": lambda L, o: L.OneCycleLR(o, 0.1, epochs=0, steps_per_epoch=3),
    "onecycle pct": lambda L, o: L.OneCycleLR(o, 0.1, total_steps=10, pct_start=1),
    "onecycle anneal": lambda L, o: L.OneCycleLR(o, 0.1, total_steps=10,
                                                 anneal_strategy="exp"),
    "onecycle max_lr list": lambda L, o: L.OneCycleLR(o, [0.1], total_steps=10),
    "onecycle too many steps": lambda L, o: [s.step() for s in
                                             [L.OneCycleLR(o, 0.1, total_steps=3)]
                                             for _ in range(4)],
    "cyclic mode": lambda L, o: L.CyclicLR(o, 0.1, 1.0, mode="saw"),
    "cyclic no momentum": lambda L, o: L.CyclicLR(_adagrad(L), 0.1, 1.0),
    "warm restarts T_0": lambda L, o: L.CosineAnnealingWarmRestarts(o, T_0=0),
    "warm restarts T_mult": lambda L, o: L.CosineAnnealingWarmRestarts(o, 3, T_mult=1.5),
    "warm restarts eta_min": lambda L, o: L.CosineAnnealingWarmRestarts(o, 3, eta_min="0"),
    "warm restarts epoch": lambda L, o: L.CosineAnnealingWarmRestarts(o, 3).step(-1),
}


def _zeros(L):
    lib = torch if L.__name__.startswith("torch") else tg
    return lib.zeros(1, requires_grad=True)


def _adagrad(L):
    lib = torch if L.__name__.startswith("torch") else tg
    return lib.optim.Adagrad([lib.zeros(1, requires_grad=True)])


def _outcome(fn, lib):
    opt = _optimizer(lib, "SGD")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fn(lib.optim.lr_scheduler, opt)
    except Exception as exc:  # noqa: BLE001 - the type and text are what is compared
        text = str(exc)
        if "which is different from" in text:  # names the other optimizer's repr
            text = text.split(" has ")[0]
        return type(exc).__name__, text
    return None


@pytest.mark.parametrize("case", list(ERRORS))
def test_errors_match_torch(case):
    theirs = _outcome(ERRORS[case], torch)
    assert theirs is not None, "torch raised nothing"
    assert _outcome(ERRORS[case], tg) == theirs
