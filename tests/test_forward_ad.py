"""Forward mode: every registry op's JVP rule against finite differences, and the dual-tensor API."""
from __future__ import annotations

import numpy as np
import pytest

import tapegrad as tg
import tapegrad.autograd.forward_ad as fwAD
from tapegrad._ops._registry import REGISTRY
from tapegrad.autograd.forward_ad import ForwardLevel
from test_gradcheck import CASES, EPS, INDIRECT, TOL, _as_outputs, _first_grad, _make_any, _run

_seen_ops: set = set()


@pytest.fixture(autouse=True)
def _spy(monkeypatch):
    """Record which ops the forward-AD level processed with a tangent, for the coverage test."""
    original = ForwardLevel.process

    def process(self, op, args, params):
        if any(isinstance(a, tg.Tensor) and self.tangent_of(a) is not None for a in args):
            _seen_ops.add(op.name)
        return original(self, op, args, params)

    monkeypatch.setattr(ForwardLevel, "process", process)


def _jvp(fn, arrays, tangents):
    with fwAD.dual_level():
        xs = [fwAD.make_dual(tg.tensor(a), tg.tensor(t)) for a, t in zip(arrays, tangents)]
        outs = _as_outputs(fn(*xs))
        result = []
        for o in outs:
            t = fwAD.unpack_dual(o).tangent
            result.append(np.zeros(o.shape) if t is None else t.detach().numpy().copy())
        return result


def _fd_jvp(fn, arrays, tangents):
    plus = _run(fn, [a + EPS * t for a, t in zip(arrays, tangents)])
    minus = _run(fn, [a - EPS * t for a, t in zip(arrays, tangents)])
    return [(p.numpy() - m.numpy()) / (2 * EPS) for p, m in zip(plus, minus)]


@pytest.mark.parametrize("name,i", [pytest.param(n, i, id=f"{n}-{i}")
                                    for n, (_, shapes) in CASES.items()
                                    for i in range(len(shapes))])
def test_jvp_matches_finite_differences(name, i):
    fn, shapes = CASES[name]
    arrays = _make_any(shapes[i], seed=i + 1)
    rng = np.random.default_rng(i + 7)
    tangents = [rng.standard_normal(a.shape) for a in arrays]
    analytic = _jvp(fn, arrays, tangents)
    numeric = _fd_jvp(fn, arrays, tangents)
    assert len(analytic) == len(numeric)
    for a, n in zip(analytic, numeric):
        assert a.shape == n.shape
        np.testing.assert_allclose(a, n, rtol=TOL, atol=TOL)


@pytest.mark.parametrize("name", list(CASES))
def test_jvp_through_backward_graphs(name):
    """Forward over reverse: the tangent of a gradient (inputs and cotangents both dual) matches
    finite differences of the gradient; this reaches the ops that gradients are made of."""
    fn, shapes = CASES[name]
    arrays = _make_any(shapes[0], seed=1)
    rng = np.random.default_rng(3)
    vs = [np.asarray(rng.standard_normal(o.shape)) for o in _run(fn, arrays)]
    t_x = [rng.standard_normal(a.shape) for a in arrays]
    t_v = [rng.standard_normal(v.shape) for v in vs]
    with fwAD.dual_level():
        xs = [fwAD.make_dual(tg.tensor(a, requires_grad=True), tg.tensor(t))
              for a, t in zip(arrays, t_x)]
        seeds = [fwAD.make_dual(tg.tensor(v), tg.tensor(t)) for v, t in zip(vs, t_v)]
        grads = tg.autograd.grad(_as_outputs(fn(*xs)), xs, seeds, create_graph=True,
                                 allow_unused=True)
        analytic = [np.zeros(a.shape) if g is None or fwAD.unpack_dual(g).tangent is None
                    else fwAD.unpack_dual(g).tangent.detach().numpy().copy()
                    for a, g in zip(arrays, grads)]
    plus = _first_grad(fn, [a + EPS * t for a, t in zip(arrays, t_x)],
                       [v + EPS * t for v, t in zip(vs, t_v)])
    minus = _first_grad(fn, [a - EPS * t for a, t in zip(arrays, t_x)],
                        [v - EPS * t for v, t in zip(vs, t_v)])
    for a, p, m in zip(analytic, plus, minus):
        np.testing.assert_allclose(a, (p - m) / (2 * EPS), rtol=TOL, atol=TOL)


def test_every_differentiable_op_has_a_checked_jvp():
    """Runs last in this module: each op's JVP was exercised by the tests above."""
    missing_rule = [n for n, op in REGISTRY.items() if op.differentiable and op._jvp is None]
    assert missing_rule == []
    expected = {n for n, op in REGISTRY.items() if op.kind != "none"}
    unchecked = expected - _seen_ops
    assert unchecked <= set(), f"ops whose JVP no forward-mode test reached: {sorted(unchecked)}"
    assert INDIRECT <= _seen_ops


# -- the dual-tensor API (torch.autograd.forward_ad) --------------------------------------------
def test_make_dual_requires_a_level():
    with pytest.raises(RuntimeError, match="no level exists"):
        fwAD.make_dual(tg.ones(2), tg.ones(2))


def test_tangents_are_dropped_when_the_level_exits():
    with fwAD.dual_level():
        y = fwAD.make_dual(tg.tensor([1.0, 2.0]), tg.tensor([3.0, 4.0])) * 2
        assert fwAD.unpack_dual(y).tangent.tolist() == [6.0, 8.0]
    assert fwAD.unpack_dual(y).tangent is None
    assert "tangent" not in repr(y)


def test_nested_dual_levels_are_refused_like_torch():
    with fwAD.dual_level():
        with pytest.raises(RuntimeError, match="Nested forward mode AD is not supported"):
            fwAD.enter_dual_level()


def test_shape_and_dtype_checks():
    with fwAD.dual_level():
        with pytest.raises(RuntimeError, match=r"size \[3\] while the given forward gradient is "
                                               r"of size \[2\]"):
            fwAD.make_dual(tg.ones(3), tg.ones(2))
        with pytest.raises(ValueError, match="Expected primal to be floating point"):
            fwAD.make_dual(tg.arange(3), tg.ones(3))


def test_unpack_dual_primal_has_no_tangent_and_shares_values():
    with fwAD.dual_level():
        x = tg.tensor([1.0, 2.0])
        d = fwAD.make_dual(x, tg.ones(2))
        primal, tangent = fwAD.unpack_dual(d)
        assert fwAD.unpack_dual(primal).tangent is None
        assert tangent.tolist() == [1.0, 1.0]
        x[0] = 5.0  # make_dual returns a view of x
        assert d[0].item() == 5.0


def test_in_place_ops_update_the_tangent():
    with fwAD.dual_level():
        y = fwAD.make_dual(tg.ones(3), tg.arange(3.0))
        y.mul_(3)
        assert fwAD.unpack_dual(y).tangent.tolist() == [0.0, 3.0, 6.0]
        z = tg.zeros(3)
        z.add_(y)
        assert fwAD.unpack_dual(z).tangent.tolist() == [0.0, 3.0, 6.0]


def test_non_float_results_carry_no_tangent():
    with fwAD.dual_level():
        y = fwAD.make_dual(tg.tensor([1.0, 3.0, 2.0]), tg.ones(3))
        assert fwAD.unpack_dual(y.argmax()).tangent is None
        assert fwAD.unpack_dual(y > 1).tangent is None


def test_tangent_is_differentiable_by_reverse_mode():
    """The tangent of sum(x**3) along v is 3 x**2 . v; its gradient w.r.t. x is 6 x * v."""
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    v = tg.tensor([0.5, -1.0])
    with fwAD.dual_level():
        out = (fwAD.make_dual(x, v) ** 3).sum()
        tangent = fwAD.unpack_dual(out).tangent
    assert tangent.item() == pytest.approx(3 * 1 * 0.5 + 3 * 4 * -1.0)
    (g,) = tg.autograd.grad(tangent, x)
    assert g.tolist() == pytest.approx([6 * 1 * 0.5, 6 * 2 * -1.0])


def test_repr_shows_the_tangent_like_torch():
    with fwAD.dual_level():
        assert repr(fwAD.make_dual(tg.tensor(3.0), tg.tensor(2.0))) == "tensor(3., tangent=2.0)"
        assert repr(fwAD.make_dual(tg.tensor([1.0, 2.0]), tg.ones(2))) == \
            "tensor([1., 2.], tangent=tensor([1., 1.]))"
