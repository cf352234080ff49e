"""nn.Module, Parameter, Buffer, containers, lazy modules, hooks and functional_call, against
real torch: the same code runs on both libraries (``m`` is ``tapegrad`` or ``torch``) and must
give the same names, orders, reprs, values, gradients and errors."""
from __future__ import annotations

import copy
import pickle
from collections import OrderedDict

import numpy as np
import pytest

import tapegrad as tg

torch = pytest.importorskip("torch")


# -- helpers ---------------------------------------------------------------------------------------
def _np(x):
    if hasattr(x, "detach"):
        x = x.detach()
    return np.asarray(x.numpy()) if hasattr(x, "numpy") else np.asarray(x)


def _text(x) -> str:
    return (x if isinstance(x, str) else repr(x)).replace("tapegrad", "torch")


def _both(fn):
    """``fn(m)`` for tapegrad and torch, each after ``manual_seed(0)``."""
    out = []
    for m in (tg, torch):
        m.manual_seed(0)
        out.append(fn(m))
    return out


def _error(fn, m):
    try:
        fn(m)
    except Exception as exc:  # noqa: BLE001 - the two libraries must fail alike
        return type(exc).__name__, _text(str(exc))
    return None


def _same_error(fn):
    ours, theirs = _error(fn, tg), _error(fn, torch)
    assert theirs is not None, "torch raised nothing"
    assert ours == theirs


def _net(m):
    """A small model with a nested module, a shared parameter, buffers of both kinds."""
    class Block(m.nn.Module):
        def __init__(self):
            super().__init__()
            self.lin = m.nn.Linear(3, 4)
            self.register_buffer("steps", m.zeros(1))
            self.register_buffer("cache", m.ones(2), persistent=False)

        def forward(self, x):
            return self.lin(x) * 2

    class Net(m.nn.Module):
        def __init__(self):
            super().__init__()
            self.scale = m.nn.Parameter(m.ones(1))
            self.block = Block()
            self.head = m.nn.Sequential(m.nn.Linear(4, 2), m.nn.Identity())
            self.alias = self.block.lin  # shared: listed once
            self.mean = m.nn.Buffer(m.zeros(2))

        def forward(self, x):
            return self.head(self.block(x)) * self.scale

    return Net()


# -- Parameter and Buffer --------------------------------------------------------------------------
@pytest.mark.parametrize("make", [
    lambda m: m.nn.Parameter(m.tensor([1.0, -2.0])),
    lambda m: m.nn.Parameter(m.tensor([[1.0, 2.0]], dtype=m.float64)),
    lambda m: m.nn.Parameter(m.tensor([1.0]), requires_grad=False),
    lambda m: m.nn.Parameter(),
    lambda m: m.nn.Parameter(m.tensor([1, 2]), requires_grad=False),
])
def test_parameter_repr_matches_torch(make):
    ours, theirs = _both(make)
    assert _text(ours) == repr(theirs)
    assert isinstance(ours, tg.Tensor) and isinstance(ours, tg.nn.Parameter)


def test_parameter_shares_data_and_ops_give_plain_tensors():
    x = tg.tensor([1.0, 2.0])
    p = tg.nn.Parameter(x)
    x.add_(1)
    assert p.tolist() == [2.0, 3.0]
    for out in (p * 2, p.data, p.detach(), p.clone(), p[0], p.view(2), p.reshape(1, 2)):
        assert type(out) is tg.Tensor
    assert p.is_leaf and p.requires_grad
    (p * p).sum().backward()
    assert p.grad.tolist() == [4.0, 6.0]
    with tg.no_grad():
        p -= 0.5 * p.grad
    assert type(p) is tg.nn.Parameter and p.tolist() == [0.0, 0.0]
    p.data = tg.ones(3, dtype=tg.float64)
    assert p.shape == (3,) and p.dtype == tg.float64 and type(p) is tg.nn.Parameter


def test_parameter_of_integers_cannot_require_grad():
    _same_error(lambda m: m.nn.Parameter(m.tensor([1, 2])))


def test_parameter_deepcopy_and_pickle_keep_the_class():
    p = tg.nn.Parameter(tg.tensor([1.0, 2.0]))
    p.grad = tg.ones(2)
    q = copy.deepcopy(p)
    assert type(q) is tg.nn.Parameter and q.requires_grad and q.grad is None
    assert q.tolist() == [1.0, 2.0] and q is not p
    r = pickle.loads(pickle.dumps(p))
    assert type(r) is tg.nn.Parameter and r.requires_grad and r.tolist() == [1.0, 2.0]


def test_buffer_marks_a_tensor_for_registration():
    ours, theirs = _both(lambda m: type(m.nn.Buffer(m.ones(2))).__name__)
    assert ours == theirs == "Tensor"
    assert isinstance(tg.nn.Buffer(tg.ones(1)), tg.nn.Buffer)
    assert not isinstance(tg.ones(1), tg.nn.Buffer)

    def names(m):
        mod = m.nn.Module()
        mod.a = m.nn.Buffer(m.ones(1))
        mod.b = m.nn.Buffer(m.ones(1), persistent=False)
        mod.c = m.ones(1)  # a plain attribute
        return [n for n, _ in mod.named_buffers()], list(mod.state_dict())

    ours, theirs = _both(names)
    assert ours == theirs == (["a", "b"], ["a"])


def test_uninitialized_parameter():
    ours, theirs = _both(lambda m: repr(m.nn.UninitializedParameter()))
    assert ours == theirs == "<UninitializedParameter>"
    _same_error(lambda m: m.nn.UninitializedParameter().shape)
    u = tg.nn.UninitializedParameter()
    assert tg.nn.parameter.is_lazy(u)
    u.materialize((2, 3))
    assert type(u) is tg.nn.Parameter and u.shape == (2, 3) and u.requires_grad
    b = tg.nn.UninitializedBuffer()
    b.materialize(3)
    assert type(b) is tg.Tensor and b.shape == (3,)


# -- registration, traversal, state_dict -----------------------------------------------------------
def test_names_and_orders_match_torch():
    def walk(m):
        net = _net(m)
        return ([n for n, _ in net.named_parameters()],
                [n for n, _ in net.named_parameters(remove_duplicate=False)],
                [n for n, _ in net.named_parameters(prefix="model", recurse=True)],
                [n for n, _ in net.named_parameters(recurse=False)],
                [n for n, _ in net.named_buffers()],
                [n for n, _ in net.named_children()],
                [n for n, _ in net.named_modules()],
                [type(c).__name__ for c in net.children()],
                [type(c).__name__ for c in net.modules()],
                list(net.state_dict()),
                list(net.state_dict(prefix="p.")),
                list(net.state_dict()._metadata.items()),
                len(list(net.parameters())), len(list(net.buffers())))

    ours, theirs = _both(walk)
    assert ours == theirs


def test_state_dict_values_are_detached_and_seeded_like_torch():
    ours, theirs = _both(lambda m: _net(m).state_dict())
    assert type(ours) is OrderedDict
    for (k1, v1), (k2, v2) in zip(ours.items(), theirs.items()):
        assert k1 == k2
        assert not v1.requires_grad and type(v1) is tg.Tensor
        np.testing.assert_array_equal(_np(v1), _np(v2))
    kept = _net(tg).state_dict(keep_vars=True)
    assert type(kept["scale"]) is tg.nn.Parameter


def test_repr_matches_torch():
    ours, theirs = _both(lambda m: repr(_net(m)))
    assert _text(ours) == theirs


@pytest.mark.parametrize("make", [
    lambda m: m.nn.Sequential(*[m.nn.Linear(2, 2) for _ in range(5)]),
    lambda m: m.nn.ModuleList([m.nn.Linear(2, 2) for _ in range(3)] + [m.nn.Identity()]
                              + [m.nn.Linear(2, 3)] * 2),
    lambda m: m.nn.ModuleList([m.nn.Sequential(m.nn.Linear(1, 1)) for _ in range(2)]),
    lambda m: m.nn.ModuleList(),
    lambda m: m.nn.Sequential(),
    lambda m: m.nn.ModuleDict({"b": m.nn.Identity(), "a": m.nn.Linear(1, 2, bias=False)}),
    lambda m: m.nn.Sequential(OrderedDict([("fc", m.nn.Linear(2, 3)), ("out", m.nn.Flatten())])),
    lambda m: m.nn.ParameterList([m.nn.Parameter(m.ones(2, 3)), m.ones(4, dtype=m.float64)]),
    lambda m: m.nn.ParameterDict({"w": m.nn.Parameter(m.ones(2)), "a": m.zeros(1, 2)}),
    lambda m: m.nn.Sequential(m.nn.Sequential(m.nn.Linear(2, 2), m.nn.Dropout(0.1)),
                              m.nn.Embedding(5, 2, padding_idx=0)),
])
def test_container_reprs_match_torch(make):
    ours, theirs = _both(lambda m: repr(make(m)))
    assert _text(ours) == theirs


@pytest.mark.parametrize("bad", [
    lambda m: m.nn.Linear(2, 2).register_parameter("a.b", None),
    lambda m: m.nn.Linear(2, 2).register_parameter("", None),
    lambda m: m.nn.Linear(2, 2).register_parameter(1, None),
    lambda m: m.nn.Linear(2, 2).register_parameter("w", m.ones(1)),
    lambda m: m.nn.Linear(2, 2).register_parameter("in_features", None),
    lambda m: m.nn.Linear(2, 2).register_buffer("a.b", None),
    lambda m: m.nn.Linear(2, 2).register_buffer("x", 3),
    lambda m: m.nn.Linear(2, 2).register_buffer("weight", m.ones(1)),
    lambda m: m.nn.Linear(2, 2).add_module("x", 3),
    lambda m: m.nn.Linear(2, 2).add_module("a.b", m.nn.Identity()),
    lambda m: m.nn.Linear(2, 2).add_module("", m.nn.Identity()),
    lambda m: m.nn.Linear(2, 2).add_module("weight", m.nn.Identity()),
    lambda m: setattr(m.nn.Linear(2, 2), "weight", m.ones(2, 2)),
    lambda m: setattr(m.nn.Sequential(m.nn.Identity()), "0", 3),
    lambda m: m.nn.Linear(2, 2).nothing,
    lambda m: m.nn.Module(3),
    lambda m: m.nn.Module(x=3),
    lambda m: m.nn.Module()(1),
    lambda m: m.nn.Linear(2, 2).train("yes"),
    lambda m: m.nn.Linear(2, 2).get_submodule("a"),
    lambda m: m.nn.Sequential(m.nn.Linear(2, 2)).get_submodule("0.weight"),
    lambda m: m.nn.Sequential(m.nn.Linear(2, 2)).get_parameter("0.nothing"),
    lambda m: m.nn.Sequential(m.nn.Linear(2, 2)).get_parameter("0.in_features"),
    lambda m: m.nn.Linear(2, 2).to(m.int64),
    lambda m: m.nn.Linear(2, 2).to("cuda"),
    lambda m: m.nn.Linear(2, 2).cuda(),
    lambda m: m.nn.Sequential()[0],
    lambda m: m.nn.Sequential(m.nn.Identity())[-2],
    lambda m: m.nn.Sequential(m.nn.Identity()) + [m.nn.Identity()],
    lambda m: m.nn.ModuleList([m.nn.Identity()])[1],
    lambda m: m.nn.ModuleList().extend(3),
    lambda m: m.nn.ParameterList()(1),
    lambda m: m.nn.ParameterDict()[1],
])
def test_errors_match_torch(bad):
    _same_error(bad)


def test_parameter_assignment_needs_module_init():
    class Early(tg.nn.Module):
        def __init__(self):
            self.w = tg.nn.Parameter(tg.ones(1))

    class EarlyT(torch.nn.Module):
        def __init__(self):
            self.w = torch.nn.Parameter(torch.ones(1))

    ours, theirs = _error(lambda m: Early(), tg), _error(lambda m: EarlyT(), torch)
    assert ours is not None and ours == theirs


def test_setattr_moves_names_between_kinds_and_delattr():
    def play(m):
        mod = m.nn.Module()
        mod.a = m.nn.Linear(1, 1)
        mod.a = m.nn.Parameter(m.ones(1))      # module -> parameter
        mod.register_buffer("b", m.ones(1))
        mod.b = m.zeros(2)                     # stays a buffer
        mod.a = None                           # a None parameter
        mod.c = m.nn.Identity()
        del mod.c
        out = [list(mod._parameters), list(mod._buffers), list(mod._modules),
               mod.b.tolist(), mod.a, list(mod.state_dict())]
        mod.register_buffer("b", None)
        out.append(list(mod.state_dict()))
        return out

    ours, theirs = _both(play)
    assert ours == theirs


def test_dir_lists_members_but_not_indices():
    names = dir(_net(tg))
    for n in ("scale", "block", "head", "mean", "forward", "training"):
        assert n in names
    assert "0" not in dir(tg.nn.Sequential(tg.nn.Identity()))


# -- load_state_dict -------------------------------------------------------------------------------
def test_load_state_dict_round_trip_keeps_parameter_objects():
    src, dst = _net(tg), _net(tg)
    with tg.no_grad():
        for p in src.parameters():
            p.add_(1)
    before = {n: p for n, p in dst.named_parameters()}
    result = dst.load_state_dict(src.state_dict())
    assert repr(result) == "<All keys matched successfully>"
    assert result.missing_keys == [] and result.unexpected_keys == []
    for n, p in dst.named_parameters():
        assert p is before[n] and p.requires_grad
        np.testing.assert_array_equal(_np(p), _np(src.get_parameter(n)))


@pytest.mark.parametrize("change", ["missing", "unexpected", "both", "shape", "not_tensor",
                                    "scalar"])
def test_load_state_dict_errors_match_torch_and_leave_the_model_untouched(change):
    def load(m):
        net = _net(m)
        sd = net.state_dict()
        sd = OrderedDict((k, v + 1) for k, v in sd.items())
        if change in ("missing", "both"):
            del sd["block.lin.bias"]
        if change in ("unexpected", "both"):
            sd["block.extra"] = m.ones(1)
            sd["head.9.weight"] = m.ones(1)
        if change == "shape":
            sd["head.0.weight"] = m.ones(3, 4)
            sd["scale"] = m.ones(2)
        if change == "not_tensor":
            sd["scale"] = 3.0
        if change == "scalar":  # a 1-element tensor into a 0-dim buffer: allowed (old format)
            net.register_buffer("zero_dim", m.tensor(0.0))
            sd["zero_dim"] = m.tensor([5.0])
        before = [_np(v).copy() for v in net.state_dict().values()]
        try:
            got = net.load_state_dict(sd)
        except RuntimeError as exc:
            after = [_np(v) for v in net.state_dict().values()]
            untouched = all(np.array_equal(a, b) for a, b in zip(before, after))
            return "raised", _text(str(exc)), untouched
        result = net.load_state_dict(sd, strict=False)
        return "loaded", repr(got), repr(result), float(net.state_dict()["zero_dim"])

    ours, theirs = _both(load)
    if ours[0] == "raised":
        assert ours[:2] == theirs[:2]
        assert ours[2], "tapegrad changed the model although loading failed"
    else:
        assert ours == theirs


def test_load_state_dict_non_strict_reports_keys():
    def load(m):
        net = m.nn.Linear(2, 2)
        result = net.load_state_dict({"weight": m.ones(2, 2), "other": m.ones(1)}, strict=False)
        return repr(result), net.weight.tolist()

    ours, theirs = _both(load)
    assert ours == theirs


def test_load_state_dict_refuses_a_non_mapping():
    _same_error(lambda m: m.nn.Linear(1, 1).load_state_dict([1]))


# -- modes, gradients, conversion ------------------------------------------------------------------
def test_train_eval_zero_grad_requires_grad_apply():
    def play(m):
        net = _net(m)
        out = [net.training, net.eval() is net, [c.training for c in net.modules()]]
        net.train()
        out.append(all(c.training for c in net.modules()))
        net(m.ones(2, 3)).sum().backward()
        net.zero_grad(set_to_none=False)
        out.append([p.grad.abs().sum().item() for p in net.parameters()])
        net.zero_grad()
        out.append([p.grad for p in net.parameters()])
        net.requires_grad_(False)
        out.append([p.requires_grad for p in net.parameters()])
        seen = []
        net.apply(lambda mod: seen.append(type(mod).__name__))
        out.append(seen)
        return out

    ours, theirs = _both(play)
    assert ours == theirs


@pytest.mark.parametrize("convert", [
    lambda net, m: net.double(), lambda net, m: net.double().float(), lambda net, m: net.half(),
    lambda net, m: net.to(m.float64), lambda net, m: net.to("cpu", m.float64),
    lambda net, m: net.to(device="cpu"), lambda net, m: net.to(m.zeros(1, dtype=m.float64)),
    lambda net, m: net.type(m.float64), lambda net, m: net.cpu(),
])
def test_conversion_keeps_parameter_objects(convert):
    def run(m):
        net = _net(m)
        net.register_buffer("count", m.tensor([3]))
        net(m.ones(1, 3)).sum().backward()
        params = list(net.parameters())
        assert convert(net, m) is net
        same = all(a is b for a, b in zip(params, net.parameters()))
        return (same, [str(p.dtype) for p in net.parameters()],
                [str(p.grad.dtype) for p in net.parameters()],
                [str(b.dtype) for b in net.buffers()])

    ours, theirs = _both(run)
    assert _text(str(ours)) == str(theirs)


# -- hooks -----------------------------------------------------------------------------------------
def test_forward_hooks_match_torch():
    def run(m):
        log = []
        lin = m.nn.Linear(2, 2)
        h1 = lin.register_forward_pre_hook(lambda mod, args: (args[0] * 2,))
        h2 = lin.register_forward_hook(lambda mod, args, out: out + 1)
        h3 = lin.register_forward_pre_hook(lambda mod, args, kw: log.append(sorted(kw)) or None,
                                           with_kwargs=True)
        h4 = lin.register_forward_hook(lambda mod, args, kw, out: log.append(out.shape[0]),
                                       with_kwargs=True, prepend=True)
        x = m.ones(1, 2)
        a = lin(x).tolist()
        h1.remove()
        b = lin(x).tolist()
        h2.remove(), h3.remove(), h4.remove()
        h2.remove()  # twice: nothing happens
        c = lin(x).tolist()
        with lin.register_forward_hook(lambda mod, args, out: out * 0):
            d = lin(x).tolist()
        e = lin(x).tolist()
        return a, b, c, d, e, log

    ours, theirs = _both(run)
    np.testing.assert_allclose(np.array(ours[:5], dtype=object).tolist(), theirs[:5], rtol=1e-6)
    assert ours[5] == theirs[5]


def test_forward_pre_hook_must_return_args_and_kwargs():
    def run(m):
        lin = m.nn.Linear(2, 2)
        lin.register_forward_pre_hook(lambda mod, args, kw: 5, with_kwargs=True)
        lin(m.ones(1, 2))

    _same_error(run)


def test_full_backward_hook_matches_torch():
    def run(m):
        seen = []
        lin = m.nn.Linear(3, 2)

        def hook(mod, grad_input, grad_output):
            seen.append([None if g is None else g.tolist() for g in grad_input])
            seen.append([g.tolist() for g in grad_output])
            return (grad_input[0] * 10,)

        lin.register_full_backward_hook(hook)
        lin.register_full_backward_pre_hook(lambda mod, go: (go[0] * 2,))
        x = m.tensor([[1.0, 2.0, 3.0]], requires_grad=True)
        y = lin(x)
        name = type(y.grad_fn).__name__
        (y * m.tensor([[1.0, -1.0]])).sum().backward()
        return name, seen, x.grad.tolist(), lin.weight.grad.tolist()

    ours, theirs = _both(run)
    assert ours[0] == theirs[0] == "BackwardHookFunctionBackward"
    np.testing.assert_allclose(np.array(ours[2]), np.array(theirs[2]), rtol=1e-6)
    np.testing.assert_allclose(np.array(ours[3]), np.array(theirs[3]), rtol=1e-6)
    for a, b in zip(ours[1], theirs[1]):
        np.testing.assert_allclose(np.array(a, dtype=float), np.array(b, dtype=float), rtol=1e-6)


# -- containers ------------------------------------------------------------------------------------
def test_sequential_operations_match_torch():
    def run(m):
        mods = [m.nn.Linear(1, 1), m.nn.Identity(), m.nn.Flatten(), m.nn.Dropout()]
        seq = m.nn.Sequential(*mods[:3])
        out = [len(seq), seq[-1] is mods[2], list(seq[1:]._modules), repr(seq[::2])]
        seq.append(mods[3])
        seq.insert(1, m.nn.Identity())
        seq.insert(-1, m.nn.Linear(2, 2))
        out.append(repr(seq))
        seq.extend(m.nn.Sequential(m.nn.Identity()))
        out.append(type(seq.pop(0)).__name__)
        del seq[1:3]
        seq[0] = m.nn.Linear(3, 3)
        out.append(repr(seq))
        both = seq + m.nn.Sequential(m.nn.Identity())
        out.append(repr(both))
        out.append([type(x).__name__ for x in seq])
        named = m.nn.Sequential(OrderedDict([("a", m.nn.Identity()), ("b", m.nn.Flatten())]))
        out.append((list(named[1:]._modules), repr(named)))
        del named[0]  # keys are renumbered, as torch does
        out.append(list(named._modules))
        out.append(repr(m.nn.Sequential(m.nn.Identity()) * 2))
        return out

    ours, theirs = _both(run)
    assert [_text(str(o)) for o in ours] == [str(o) for o in theirs]


def test_sequential_forward_chains_modules():
    ours, theirs = _both(lambda m: m.nn.Sequential(m.nn.Linear(3, 4), m.nn.Linear(4, 2))(
        m.arange(6.0).reshape(2, 3)))
    np.testing.assert_allclose(_np(ours), _np(theirs), rtol=1e-6)
    assert type(ours.grad_fn).__name__ == type(theirs.grad_fn).__name__ == "AddmmBackward0"


def test_module_list_dict_parameter_containers_match_torch():
    def run(m):
        ml = m.nn.ModuleList([m.nn.Identity(), m.nn.Linear(1, 1)])
        ml.append(m.nn.Flatten())
        ml.insert(0, m.nn.Dropout())
        ml += [m.nn.Identity()]
        out = [len(ml), [type(x).__name__ for x in ml], type(ml[-1]).__name__,
               [type(x).__name__ for x in ml[1:3]]]
        del ml[0]
        out.append(list(ml._modules))
        out.append(type(ml.pop(1)).__name__)
        md = m.nn.ModuleDict([("x", m.nn.Identity()), ("y", m.nn.Flatten())])
        md["z"] = m.nn.Linear(1, 2)
        md.update({"w": m.nn.Identity()})
        out.append((list(md.keys()), "x" in md, len(md), type(md.pop("x")).__name__))
        pl = m.nn.ParameterList([m.ones(2), m.nn.Parameter(m.zeros(1))])
        pl.append(m.ones(3))
        out.append([type(p).__name__ for p in pl] + [n for n, _ in pl.named_parameters()])
        out.append(len(pl[1:]))
        pd = m.nn.ParameterDict({"b": m.ones(1), "a": m.ones(2)})
        pd["c"] = m.ones(3)
        out.append((list(pd.keys()), [n for n, _ in pd.named_parameters()],
                    type(pd["a"]).__name__, pd.get("none", 7), list((pd | pd).keys())))
        net = m.nn.Module()
        net.layers = ml
        net.table = md
        out.append(list(net.state_dict()))
        return out

    ours, theirs = _both(run)
    assert ours == theirs


# -- copying ---------------------------------------------------------------------------------------
def test_deepcopy_and_pickle_of_a_model():
    net = _net(tg)
    net(tg.ones(1, 3)).sum().backward()
    twin = copy.deepcopy(net)
    assert twin.alias is twin.block.lin and twin.block.lin is not net.block.lin
    for (n, p), (n2, q) in zip(net.named_parameters(), twin.named_parameters()):
        assert n == n2 and p is not q and type(q) is tg.nn.Parameter and q.requires_grad
        np.testing.assert_array_equal(_np(p), _np(q))
    assert repr(twin) == repr(net)
    with tg.no_grad():
        twin.scale.fill_(5.0)
    assert net.scale.item() == 1.0
    seq = tg.nn.Sequential(tg.nn.Linear(3, 2), tg.nn.Identity())
    back = pickle.loads(pickle.dumps(seq))
    assert list(back.state_dict()) == list(seq.state_dict())
    assert type(back[0].weight) is tg.nn.Parameter
    np.testing.assert_array_equal(_np(back(tg.ones(1, 3))), _np(seq(tg.ones(1, 3))))


# -- lazy modules ----------------------------------------------------------------------------------
def test_lazy_linear_becomes_linear_with_torch_numbers():
    def run(m):
        net = m.nn.Sequential(m.nn.LazyLinear(8), m.nn.Identity(), m.nn.LazyLinear(1))
        before = repr(net)
        sd = {k: repr(v) for k, v in net.state_dict().items()}
        y = net(m.rand(2, 4))
        return (before, sd, repr(net), type(net[0]).__name__, tuple(y.shape),
                [(n, tuple(p.shape)) for n, p in net.named_parameters()],
                [_np(v) for v in net.state_dict().values()], _np(y))

    ours, theirs = _both(run)
    assert _text(str(ours[:6])) == str(theirs[:6])
    for a, b in zip(ours[6], theirs[6]):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_allclose(ours[7], theirs[7], rtol=1e-6)


def test_lazy_linear_loads_a_state_dict_and_keeps_its_dtype():
    def run(m):
        full = m.nn.Linear(3, 2)
        lazy = m.nn.LazyLinear(2)
        lazy.load_state_dict(full.state_dict())
        out = [type(lazy).__name__, tuple(lazy.weight.shape), _np(lazy.weight)]
        lazy(m.ones(1, 3))
        out.append(repr(lazy))
        wide = m.nn.LazyLinear(2).double()
        wide(m.ones(1, 5, dtype=m.float64))
        out.append(str(wide.weight.dtype))
        return out

    ours, theirs = _both(run)
    assert ours[:2] == theirs[:2] and _text(ours[3:]) == repr(theirs[3:])
    np.testing.assert_array_equal(ours[2], theirs[2])


# -- functional_call, stack_module_state, vmap(grad) -----------------------------------------------
def _mlp(m):
    return m.nn.Sequential(m.nn.Linear(3, 4), m.nn.Linear(4, 2))


def test_per_example_gradients_match_torch_func():
    def run(m):
        model = _mlp(m)
        x, y = m.randn(5, 3), m.randn(5, 2)
        params = {k: v.detach() for k, v in model.named_parameters()}

        def loss(params, x, y):
            out = m.func.functional_call(model, params, (x.unsqueeze(0),))
            return ((out - y) ** 2).mean()

        grads = m.func.vmap(m.func.grad(loss), in_dims=(None, 0, 0))(params, x, y)
        whole = m.func.grad(loss)(params, x[:1], y[:1])
        return {k: _np(v) for k, v in grads.items()}, {k: _np(v) for k, v in whole.items()}

    ours, theirs = _both(run)
    for a, b in zip(ours, theirs):
        assert list(a) == list(b)
        for k in a:
            assert a[k].shape == b[k].shape
            np.testing.assert_allclose(a[k], b[k], rtol=1e-5, atol=1e-6)


def test_functional_call_leaves_the_module_unchanged():
    def run(m):
        model = m.nn.Linear(2, 2)
        w = model.weight
        out = m.func.functional_call(model, {"weight": m.zeros(2, 2)}, m.ones(1, 2))
        two = m.func.functional_call(model, ({"weight": m.ones(2, 2)}, {"bias": m.zeros(2)}),
                                     (m.ones(1, 2),))
        return _np(out), _np(two), model.weight is w, type(model.weight).__name__

    ours, theirs = _both(run)
    for a, b in zip(ours, theirs):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("bad", [
    lambda m: m.func.functional_call(m.nn.Linear(1, 1), ({"weight": m.ones(1, 1)},
                                                         {"weight": m.ones(1, 1)}), m.ones(1)),
    lambda m: m.func.functional_call(m.nn.Linear(1, 1), {"weight": m.ones(1, 1), "x": m.ones(1)},
                                     m.ones(1), strict=True),
    lambda m: m.func.functional_call(m.nn.Linear(1, 1), 3, m.ones(1)),
    lambda m: m.func.stack_module_state([]),
    lambda m: m.func.stack_module_state([m.nn.Linear(1, 1), m.nn.Identity()]),
])
def test_functional_call_errors_match_torch(bad):
    _same_error(bad)


def test_functional_call_ties_shared_weights():
    def run(m):
        model = m.nn.Sequential(m.nn.Linear(2, 2, bias=False), m.nn.Linear(2, 2, bias=False))
        model[1].weight = model[0].weight
        x = m.ones(1, 2)
        tied = m.func.functional_call(model, {"0.weight": m.eye(2) * 2}, x)
        untied = m.func.functional_call(model, {"0.weight": m.eye(2) * 2}, x, tie_weights=False)
        try:
            m.func.functional_call(model, {"0.weight": m.eye(2), "1.weight": m.ones(2, 2)}, x)
            err = None
        except ValueError as exc:
            err = str(exc)
        return _np(tied), _np(untied), err

    ours, theirs = _both(run)
    np.testing.assert_allclose(ours[0], theirs[0])
    np.testing.assert_allclose(ours[1], theirs[1], rtol=1e-6)
    assert ours[2] == theirs[2]


def test_ensemble_with_stack_module_state_matches_torch():
    def run(m):
        models = [_mlp(m) for _ in range(3)]
        params, buffers = m.func.stack_module_state(models)
        x = m.randn(4, 3)
        out = m.func.vmap(lambda p, b, x: m.func.functional_call(models[0], (p, b), (x,)),
                          in_dims=(0, 0, None))(params, buffers, x)
        return ({k: (tuple(v.shape), v.requires_grad, v.is_leaf) for k, v in params.items()},
                _np(out))

    ours, theirs = _both(run)
    assert ours[0] == theirs[0]
    np.testing.assert_allclose(ours[1], theirs[1], rtol=1e-5, atol=1e-6)


def test_extra_state_is_saved_and_restored():
    def run(m):
        class Counter(m.nn.Module):
            def __init__(self):
                super().__init__()
                self.lin = m.nn.Linear(1, 1)
                self.count = 0

            def get_extra_state(self):
                return {"count": self.count}

            def set_extra_state(self, state):
                self.count = state["count"]

        a, b = Counter(), Counter()
        a.count = 7
        sd = a.state_dict()
        keys = list(sd)
        b.load_state_dict(sd)
        del sd["_extra_state"]
        try:
            b.load_state_dict(sd)
            err = None
        except RuntimeError as exc:
            err = str(exc)
        return keys, b.count, err, [n for n, _ in a.named_modules(remove_duplicate=False)]

    ours, theirs = _both(run)
    assert ours == theirs


@pytest.mark.parametrize("padding_idx", [None, 2])
def test_per_example_gradients_of_an_embedding_model_match_torch(padding_idx):
    def run(m):
        model = m.nn.Sequential(m.nn.Embedding(6, 3, padding_idx=padding_idx), m.nn.Flatten(0),
                                m.nn.Linear(6, 1))
        tokens = m.tensor([[0, 2], [5, 5], [2, 1], [3, 4]])
        targets = m.randn(4, 1)
        params = {k: v.detach() for k, v in model.named_parameters()}

        def loss(params, t, y):
            return ((m.func.functional_call(model, params, (t,)) - y) ** 2).sum()

        grads = m.func.vmap(m.func.grad(loss), in_dims=(None, 0, 0))(params, tokens, targets)
        return {k: _np(v) for k, v in grads.items()}

    ours, theirs = _both(run)
    assert list(ours) == list(theirs)
    for k in ours:
        np.testing.assert_allclose(ours[k], theirs[k], rtol=1e-5, atol=1e-6)
