"""tapegrad.autograd.Function: custom ops with torch's API, semantics and error messages.

Expected values are closed forms (exp, powers, constants); expected messages are torch 2.13's
text, checked against real torch in ``test_messages_match_torch`` when torch is installed.
"""
from __future__ import annotations

import gc
import warnings
import weakref

import numpy as np
import pytest

import tapegrad as tg
from tapegrad.autograd import Function, FunctionCtx, once_differentiable
from tapegrad.autograd import forward_ad as fwAD

F64 = tg.float64


def leaf(values, requires_grad=True):
    return tg.tensor(np.asarray(values, dtype=np.float64), requires_grad=requires_grad)


class MyExp(Function):
    seen: dict = {}

    @staticmethod
    def forward(ctx, x):
        MyExp.seen["forward_grad_mode"] = tg.is_grad_enabled()
        MyExp.seen["ctx"] = ctx
        y = x.exp()
        ctx.save_for_backward(y)
        ctx.constant = 3
        return y

    @staticmethod
    def backward(ctx, grad):
        MyExp.seen["backward_grad_mode"] = tg.is_grad_enabled()
        (y,) = ctx.saved_tensors
        return grad * y


class Cube(Function):
    """x**3 with a backward written in tapegrad ops on the saved input: differentiable again."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x ** 3

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * 3 * x ** 2


# -- forward, node, ctx --------------------------------------------------------------------------
def test_apply_records_a_named_node_and_the_gradient_is_the_users():
    x = leaf([0.5, -1.0, 2.0])
    y = MyExp.apply(x)
    assert MyExp.seen["forward_grad_mode"] is False
    assert type(y.grad_fn).__name__ == "MyExpBackward" and y.grad_fn.name() == "MyExpBackward"
    assert "grad_fn=<MyExpBackward>" in repr(y)
    assert MyExp.seen["ctx"] is y.grad_fn          # as in torch, ctx is the node
    assert isinstance(y.grad_fn, FunctionCtx)
    assert y.grad_fn.constant == 3
    assert y.grad_fn.needs_input_grad == (True,)
    ((acc, nr),) = y.grad_fn.next_functions
    assert acc.variable is x and nr == 0
    np.testing.assert_allclose(y.detach().numpy(), np.exp([0.5, -1.0, 2.0]))
    (y * tg.tensor([1.0, 2.0, 3.0], dtype=F64)).sum().backward()
    assert MyExp.seen["backward_grad_mode"] is False
    np.testing.assert_allclose(x.grad.numpy(), np.exp([0.5, -1.0, 2.0]) * [1, 2, 3])


def test_function_inside_a_larger_graph():
    x = leaf([0.1, 0.2])
    (MyExp.apply(x * 2) * 3).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 6 * np.exp(2 * np.array([0.1, 0.2])))


def test_no_graph_without_grad():
    with tg.no_grad():
        y = MyExp.apply(leaf([1.0]))
    assert y.grad_fn is None and not y.requires_grad
    z = MyExp.apply(leaf([1.0], requires_grad=False))
    assert z.grad_fn is None and not z.requires_grad


def test_non_tensor_arguments_get_none_and_needs_input_grad():
    class Scale(Function):
        @staticmethod
        def forward(ctx, x, y, k):
            ctx.k = k
            return x * y * k

        @staticmethod
        def backward(ctx, g):
            return g * ctx.k, None, None

    x = leaf([1.0, 2.0])
    out = Scale.apply(x, tg.ones(2, dtype=F64), 3)
    assert out.grad_fn.needs_input_grad == (True, False, False)
    out.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [3.0, 3.0])


def test_saved_tensors_are_the_inputs_and_outputs_and_none():
    class Keep(Function):
        @staticmethod
        def forward(ctx, x):
            y = x * 2
            ctx.save_for_backward(x, None, y)
            return y

        @staticmethod
        def backward(ctx, g):
            return g * 2

    x = leaf([1.0, 2.0])
    y = Keep.apply(x)
    sx, none, sy = y.grad_fn.saved_tensors
    assert sx is x and none is None
    assert sy.grad_fn is y.grad_fn and np.array_equal(sy.detach().numpy(), [2.0, 4.0])


def test_node_and_output_form_no_reference_cycle():
    class SaveOutput(Function):
        @staticmethod
        def forward(ctx, x):
            y = x.exp()
            ctx.save_for_backward(x, y)
            return y

        @staticmethod
        def backward(ctx, g):
            return g * ctx.saved_tensors[1]

    gc.disable()
    try:
        y = SaveOutput.apply(leaf([1.0]))
        node = weakref.ref(y.grad_fn)
        out = weakref.ref(y)
        del y
        assert node() is None and out() is None   # freed by reference counting alone
    finally:
        gc.enable()


# -- backward validation (torch's messages) ------------------------------------------------------
def _fn(forward, backward):
    return type("Fn", (Function,), {"forward": staticmethod(forward),
                                    "backward": staticmethod(backward)})


def test_wrong_number_of_gradients():
    x = leaf([1.0, 2.0])
    two = _fn(lambda ctx, x: x * 2, lambda ctx, g: (g, g))
    with pytest.raises(RuntimeError, match=r"^function FnBackward returned an incorrect number of "
                                           r"gradients \(expected 1, got 2\)$"):
        two.apply(x).sum().backward()
    none = _fn(lambda ctx, x: x * 2, lambda ctx, g: ())
    with pytest.raises(RuntimeError, match=r"\(expected 1, got 0\)"):
        none.apply(x).sum().backward()
    trailing = _fn(lambda ctx, x: x * 2, lambda ctx, g: (g * 2, None))   # allowed
    trailing.apply(x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 2.0])


def test_gradient_for_a_non_tensor_input_and_non_tensor_gradient():
    x = leaf([1.0, 2.0])
    fn = _fn(lambda ctx, x, k: x * k, lambda ctx, g: (g, g))
    with pytest.raises(RuntimeError, match=r"^function FnBackward returned a gradient different "
                                           r"than None at position 2, but the corresponding "
                                           r"forward input was not a Variable$"):
        fn.apply(x, 2).sum().backward()
    number = _fn(lambda ctx, x: x * 2, lambda ctx, g: 3.0)
    with pytest.raises(RuntimeError, match=r"^expected Variable or None \(got float\)$"):
        number.apply(x).sum().backward()


def test_gradient_shape_is_validated_and_broadcast_gradients_are_summed():
    x = leaf([1.0, 2.0])
    bad = _fn(lambda ctx, x: x * 2, lambda ctx, g: tg.ones(3, dtype=F64))
    with pytest.raises(RuntimeError, match=r"^Function FnBackward returned an invalid gradient at "
                                           r"index 0 - got \[3\] but expected shape compatible "
                                           r"with \[2\]$"):
        bad.apply(x).sum().backward()
    wide = _fn(lambda ctx, x: x * 2, lambda ctx, g: tg.ones(3, 2, dtype=F64))
    wide.apply(x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [3.0, 3.0])


def test_missing_forward_backward_and_both_backward_and_vjp():
    x = leaf([1.0])
    with pytest.raises(NotImplementedError, match="You must implement the forward function for "
                                                  "custom autograd.Function."):
        Function.apply(x)

    class NoBackward(Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

    with pytest.raises(NotImplementedError, match="You must implement either the backward or vjp"):
        NoBackward.apply(x).sum().backward()

    class VjpOnly(NoBackward):
        @staticmethod
        def vjp(ctx, g):
            return g * 5

    VjpOnly.apply(x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [5.0])

    class Both(VjpOnly):
        @staticmethod
        def backward(ctx, g):
            return g

    with pytest.raises(RuntimeError, match="Implementing both 'backward' and 'vjp'"):
        Both.apply(x).sum().backward()


def test_save_for_backward_refuses_non_tensors():
    fn = _fn(lambda ctx, x: (ctx.save_for_backward(x, None, 3), x * 1)[1], lambda ctx, g: g)
    with pytest.raises(TypeError, match=r"^save_for_backward can only save variables, but "
                                        r"argument 2 is of type int$"):
        fn.apply(leaf([1.0]))


def test_instantiating_warns_and_calling_an_instance_fails():
    with pytest.warns(DeprecationWarning, match="should not be instantiated"):
        f = MyExp()
    with pytest.raises(RuntimeError, match="Legacy autograd function with non-static forward"):
        f(leaf([1.0]))


# -- freeing and in-place checks -----------------------------------------------------------------
FREED = "Trying to backward through the graph a second time (or directly access saved tensors"


def test_saved_tensors_are_freed_after_backward():
    x = leaf([1.0, 2.0])
    y = MyExp.apply(x)
    y.sum().backward(retain_graph=True)
    assert len(y.grad_fn.saved_tensors) == 1            # retained
    y.sum().backward()
    with pytest.raises(RuntimeError) as info:
        y.grad_fn.saved_tensors
    assert str(info.value).startswith(FREED)
    with pytest.raises(RuntimeError, match=r"Trying to backward through the graph a second time"):
        y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * np.exp([1.0, 2.0]))


def test_a_function_that_saves_nothing_can_run_backward_twice():
    x = leaf([1.0, 2.0])
    fn = _fn(lambda ctx, x: x * 2, lambda ctx, g: g * 2)
    y = fn.apply(x)
    y.sum().backward()
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [4.0, 4.0])


def test_in_place_change_of_a_saved_input_or_output_is_detected():
    class Save(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * 2

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * x

    a = leaf([1.0, 2.0])
    b = a * 1
    out = Save.apply(b)
    b.add_(1)
    with pytest.raises(RuntimeError, match=r"^one of the variables needed for gradient computation "
                                           r"has been modified by an inplace operation: "
                                           r"\[torch.DoubleTensor \[2\]\], which is output 0 of "
                                           r"Add, is at version 1; expected version 0 instead"):
        out.sum().backward()
    y = MyExp.apply(a * 1)
    y.mul_(2)
    with pytest.raises(RuntimeError, match=r"which is output 0 of MyExp, is at version 1; "
                                           r"expected version 0 instead"):
        y.sum().backward()


# -- outputs: several, non-differentiable, aliases, dirty ----------------------------------------
class Two(Function):
    received: list = []

    @staticmethod
    def forward(ctx, x):
        return x * 2, x * 3

    @staticmethod
    def backward(ctx, a, b):
        Two.received.append((a, b))
        return (0 if a is None else a * 2) + (0 if b is None else b * 3)


class TwoNoMaterialize(Two):
    @staticmethod
    def forward(ctx, x):
        ctx.set_materialize_grads(False)
        return x * 2, x * 3


def test_multiple_outputs_share_one_node():
    x = leaf([1.0, 2.0])
    a, b = Two.apply(x)
    assert a.grad_fn is b.grad_fn and (a.output_nr, b.output_nr) == (0, 1)
    (a.sum() + b.sum()).backward()
    np.testing.assert_allclose(x.grad.numpy(), [5.0, 5.0])


@pytest.mark.parametrize("cls,materialized", [(Two, True), (TwoNoMaterialize, False)])
def test_missing_output_gradients_are_zeros_unless_materialize_is_off(cls, materialized):
    Two.received.clear()
    x = leaf([1.0, 2.0])
    _, b = cls.apply(x)
    b.sum().backward()
    ((ga, gb),) = Two.received
    if materialized:
        assert np.array_equal(ga.numpy(), [0.0, 0.0]) and ga.dtype == F64
    else:
        assert ga is None
    np.testing.assert_allclose(gb.numpy(), [1.0, 1.0])
    np.testing.assert_allclose(x.grad.numpy(), [3.0, 3.0])


def test_mark_non_differentiable_and_non_tensor_outputs():
    got = {}

    class ArgMax(Function):
        @staticmethod
        def forward(ctx, x):
            idx = x.argmax()
            ctx.mark_non_differentiable(idx)
            return x * 2, idx, 7

        @staticmethod
        def backward(ctx, gv, gi, g7):
            got.update(gi=gi, g7=g7)
            return gv * 2

    x = leaf([1.0, 3.0, 2.0])
    v, idx, seven = ArgMax.apply(x)
    assert v.requires_grad and not idx.requires_grad and idx.grad_fn is None and seven == 7
    v.sum().backward()
    assert got["g7"] is None and got["gi"].numpy() == 0
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 2.0, 2.0])


def test_returning_an_input_gives_a_new_alias_with_the_node():
    ident = _fn(lambda ctx, x: x, lambda ctx, g: g * 4)
    x = leaf([1.0, 2.0])
    y = ident.apply(x)
    assert y is not x and y._base is x and x.grad_fn is None
    assert np.shares_memory(y.detach().numpy(), x.detach().numpy())
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [4.0, 4.0])


def test_mark_dirty_moves_the_history_of_the_modified_input():
    class Double_(Function):
        @staticmethod
        def forward(ctx, x):
            x.mul_(2)
            ctx.mark_dirty(x)
            return x

        @staticmethod
        def backward(ctx, g):
            return g * 2

    a = leaf([1.0, 2.0])
    z = a * 1
    out = Double_.apply(z)
    assert out is z and z.grad_fn.name() == "Double_Backward"
    np.testing.assert_allclose(z.detach().numpy(), [2.0, 4.0])
    out.sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), [2.0, 2.0])
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad has been used in an "
                                           "in-place operation."):
        Double_.apply(leaf([1.0]))


# -- the newer style and keyword arguments -------------------------------------------------------
def test_setup_context_style_with_defaults_and_keywords():
    seen = []

    class Scale(Function):
        @staticmethod
        def forward(x, k=2.0):
            seen.append(("forward", tg.is_grad_enabled()))
            return x * k

        @staticmethod
        def setup_context(ctx, inputs, output):
            seen.append(("setup", inputs[1], output.shape))
            ctx.k = inputs[1]

        @staticmethod
        def backward(ctx, g):
            return g * ctx.k, None

    x = leaf([1.0, 2.0])
    Scale.apply(x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 2.0])
    x.grad = None
    Scale.apply(x, k=5.0).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [5.0, 5.0])
    assert seen[:2] == [("forward", False), ("setup", 2.0, tg.Size([2]))]
    assert seen[3] == ("setup", 5.0, tg.Size([2]))


def test_old_style_keyword_arguments_count_as_inputs():
    class Scale(Function):
        @staticmethod
        def forward(ctx, x, k=2.0):
            ctx.k = k
            return x * k

        @staticmethod
        def backward(ctx, g):
            return g * ctx.k, None

    x = leaf([1.0])
    y = Scale.apply(x, k=3.0)
    assert y.grad_fn.needs_input_grad == (True, False)
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [3.0])


# -- higher order --------------------------------------------------------------------------------
def test_double_backward_through_a_backward_written_with_ops():
    x = leaf([0.5, -1.5, 2.0])
    (g,) = tg.autograd.grad(Cube.apply(x).sum(), x, create_graph=True)
    np.testing.assert_allclose(g.detach().numpy(), 3 * x.detach().numpy() ** 2)
    (h,) = tg.autograd.grad(g.sum(), x)
    np.testing.assert_allclose(h.numpy(), 6 * x.detach().numpy())


def test_double_backward_through_a_saved_output():
    x = leaf([0.3, 1.2])
    (g,) = tg.autograd.grad(MyExp.apply(x).sum(), x, create_graph=True)
    assert MyExp.seen["backward_grad_mode"] is True
    (h,) = tg.autograd.grad(g.sum(), x)
    np.testing.assert_allclose(h.numpy(), np.exp([0.3, 1.2]))


class OnceCube(Function):
    grad_mode_inside: list = []

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x ** 3

    @staticmethod
    @once_differentiable
    def backward(ctx, grad):
        OnceCube.grad_mode_inside.append(tg.is_grad_enabled())
        (x,) = ctx.saved_tensors
        return grad * 3 * x ** 2


def test_once_differentiable_refuses_double_backward():
    x = leaf([1.0, 2.0])
    v = tg.ones(2, dtype=F64, requires_grad=True)
    (g,) = tg.autograd.grad(OnceCube.apply(x), x, v, create_graph=True)
    assert OnceCube.grad_mode_inside[-1] is False
    np.testing.assert_allclose(g.detach().numpy(), [3.0, 12.0])
    assert g.requires_grad and g.grad_fn.name() == "torch::autograd::Error"
    with pytest.raises(RuntimeError, match="^trying to differentiate twice a function that was "
                                           "marked with @once_differentiable$"):
        g.sum().backward()
    # Seeds that need no gradient: the result is simply not differentiable.
    (g2,) = tg.autograd.grad(OnceCube.apply(x).sum(), x, create_graph=True)
    assert not g2.requires_grad
    np.testing.assert_allclose(g2.numpy(), [3.0, 12.0])


# -- forward mode --------------------------------------------------------------------------------
class ScaledExp(Function):
    received: list = []

    @staticmethod
    def forward(ctx, x, w, k):
        y = (x * w).exp() * k
        ctx.save_for_forward(y, w)
        ctx.k = k
        return y

    @staticmethod
    def backward(ctx, g):
        raise AssertionError("not used")

    @staticmethod
    def jvp(ctx, tx, tw, tk):
        ScaledExp.received.append((tx, tw, tk))
        y, w = ctx.saved_tensors
        return y * tx * w


def test_jvp_receives_tangents_and_forward_saved_tensors():
    ScaledExp.received.clear()
    x0, w0 = np.array([0.2, -0.4]), np.array([1.5, 0.5])
    with fwAD.dual_level():
        x = fwAD.make_dual(tg.tensor(x0), tg.tensor([1.0, 3.0], dtype=F64))
        y = ScaledExp.apply(x, tg.tensor(w0), 2.0)
        primal, tangent = fwAD.unpack_dual(y)
    ((tx, tw, tk),) = ScaledExp.received
    assert tk is None                                      # a non-Tensor input
    assert np.array_equal(tw.numpy(), [0.0, 0.0])          # a Tensor input without tangent
    np.testing.assert_allclose(primal.numpy(), 2 * np.exp(x0 * w0))
    np.testing.assert_allclose(tangent.numpy(), 2 * np.exp(x0 * w0) * w0 * [1.0, 3.0])


def test_jvp_errors():
    x = lambda: fwAD.make_dual(tg.tensor([1.0, 2.0]), tg.ones(2))  # noqa: E731
    no_jvp = _fn(lambda ctx, x: x * 2, lambda ctx, g: g)
    with fwAD.dual_level():
        with pytest.raises(NotImplementedError, match="^You must implement the jvp function for "
                                                      "custom autograd.Function to use it with "
                                                      "forward mode AD.$"):
            no_jvp.apply(x())
        assert no_jvp.apply(tg.ones(2)).grad_fn is None     # no tangent: no jvp needed
    two = type("Two", (Function,), {"forward": staticmethod(lambda ctx, x: x * 2),
                                    "jvp": staticmethod(lambda ctx, t: (t, t))})
    with fwAD.dual_level(), pytest.raises(RuntimeError, match=r"^Function's jvp returned an "
                                                              r"invalid number of forward "
                                                              r"gradients \(expected 1 but got "
                                                              r"2\)$"):
        two.apply(x())
    size = type("Size", (Function,), {"forward": staticmethod(lambda ctx, x: x * 2),
                                      "jvp": staticmethod(lambda ctx, t: tg.ones(3))})
    with fwAD.dual_level(), pytest.raises(RuntimeError, match=r"Tensor is of size \[2\] while the "
                                                              r"given forward gradient is of "
                                                              r"size \[3\]\.$"):
        size.apply(x())


def test_jvp_with_several_outputs_and_reverse_mode_together():
    class SinCos(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            ctx.save_for_forward(x)
            return x.sin(), x.cos()

        @staticmethod
        def backward(ctx, gs, gc_):
            (x,) = ctx.saved_tensors
            return gs * x.cos() - gc_ * x.sin()

        @staticmethod
        def jvp(ctx, t):
            (x,) = ctx.saved_tensors
            return t * x.cos(), -t * x.sin()

    x0 = np.array([0.3, 1.1])
    x = leaf(x0)
    with fwAD.dual_level():
        d = fwAD.make_dual(x, tg.tensor([2.0, -1.0], dtype=F64))
        s, c = SinCos.apply(d)
        ts, tc = fwAD.unpack_dual(s).tangent, fwAD.unpack_dual(c).tangent
        (s + c).sum().backward()
    np.testing.assert_allclose(ts.detach().numpy(), np.cos(x0) * [2.0, -1.0])
    np.testing.assert_allclose(tc.detach().numpy(), -np.sin(x0) * [2.0, -1.0])
    np.testing.assert_allclose(x.grad.numpy(), np.cos(x0) - np.sin(x0))


def test_jacfwd_and_hessian_of_a_custom_function():
    class Exp2(MyExp):
        @staticmethod
        def jvp(ctx, t):
            return t * ctx.saved_for_forward[0]

        @staticmethod
        def forward(ctx, x):
            y = x.exp()
            ctx.save_for_backward(y)
            ctx.save_for_forward(y)
            return y

    x0 = np.array([0.2, -0.3, 0.9])
    np.testing.assert_allclose(tg.func.jacfwd(Exp2.apply)(tg.tensor(x0)).numpy(),
                               np.diag(np.exp(x0)))
    hess = tg.func.hessian(lambda a: Exp2.apply(a).sum())(tg.tensor(x0))
    np.testing.assert_allclose(hess.numpy(), np.diag(np.exp(x0)))


# -- parity with torch ---------------------------------------------------------------------------
def _error_text(mod, case):
    """Run one misuse of a custom Function under ``mod`` (torch or tapegrad); return its error."""
    A = mod.autograd.Function
    x = mod.tensor([1.0, 2.0], dtype=mod.float64, requires_grad=True)

    def fn(forward, backward):
        return type("Fn", (A,), {"forward": staticmethod(forward),
                                 "backward": staticmethod(backward)})

    cases = {
        "count": lambda: fn(lambda c, x: x * 2, lambda c, g: (g, g)).apply(x).sum().backward(),
        "shape": lambda: fn(lambda c, x: x * 2,
                            lambda c, g: mod.ones(3, dtype=mod.float64)).apply(x).sum().backward(),
        "non_tensor_input": lambda: fn(lambda c, x, k: x * k,
                                       lambda c, g: (g, g)).apply(x, 2).sum().backward(),
        "float_grad": lambda: fn(lambda c, x: x * 2, lambda c, g: 3.0).apply(x).sum().backward(),
        "save_int": lambda: fn(lambda c, x: (c.save_for_backward(x, 3), x * 1)[1],
                               lambda c, g: g).apply(x),
        "freed": lambda: [y.sum().backward() for y in [fn(
            lambda c, x: (c.save_for_backward(x), x * 1)[1],
            lambda c, g: g * c.saved_tensors[0]).apply(x)] for _ in range(2)],
        "no_forward": lambda: A.apply(x),
    }
    try:
        cases[case]()
    except Exception as exc:  # noqa: BLE001 (the text is what is compared)
        return type(exc).__name__, str(exc)
    return None


@pytest.mark.parametrize("case", ["count", "shape", "non_tensor_input", "float_grad", "save_int",
                                  "freed", "no_forward"])
def test_messages_match_torch(case):
    torch = pytest.importorskip("torch")
    expected = _error_text(torch, case)
    assert expected is not None
    assert _error_text(tg, case) == expected
