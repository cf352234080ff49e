"""tapegrad.autograd.gradcheck / gradgradcheck: torch's API, checks and messages.

Deliberately wrong custom Functions must be caught; correct registry ops (the same cases that
tests/test_gradcheck.py checks with its own finite differences) must pass.
"""
from __future__ import annotations

import sys

import numpy as np
import pytest

import tapegrad as tg
from tapegrad.autograd import Function, GradcheckError, gradcheck, gradgradcheck, once_differentiable
from test_function import Cube
from test_gradcheck import CASES, _make_any

F64 = tg.float64


def leaf(values, requires_grad=True, dtype=F64):
    return tg.tensor(np.asarray(values, dtype=np.float64), dtype=dtype, requires_grad=requires_grad)


class WrongProduct(Function):
    """out = x * w, but the gradient of x is 10% too large."""

    @staticmethod
    def forward(ctx, x, w):
        ctx.save_for_backward(x, w)
        return x * w

    @staticmethod
    def backward(ctx, g):
        x, w = ctx.saved_tensors
        return g * w * 1.1, g * x


class CubeDetached(Cube):
    """Right first derivative; its backward ignores that x is differentiable (wrong 2nd order)."""

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * 3 * x.detach() ** 2


class CubeGradDetached(Cube):
    """Right first derivative; its backward is not linear in g as a function (wrong w.r.t. v)."""

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g.detach() * 3 * x ** 2


# -- the public names ----------------------------------------------------------------------------
def test_names_follow_torch():
    assert callable(tg.autograd.gradcheck) and tg.autograd.gradcheck is gradcheck
    module = sys.modules["tapegrad.autograd.gradcheck"]
    assert module.gradcheck is gradcheck and module.gradgradcheck is gradgradcheck
    assert module.GradcheckError is GradcheckError
    assert issubclass(GradcheckError, RuntimeError)
    for name in ("Function", "FunctionCtx", "once_differentiable", "gradcheck", "gradgradcheck",
                 "GradcheckError"):
        assert name in tg.autograd.__all__


# -- catching wrong derivatives ------------------------------------------------------------------
def test_wrong_function_raises_with_both_jacobians():
    x, w = leaf([1.0, 2.0]), leaf([3.0, 4.0])
    with pytest.raises(GradcheckError) as info:
        gradcheck(WrongProduct.apply, (x, w))
    text = str(info.value)
    assert text.startswith("Jacobian mismatch for output 0 with respect to input 0,\nnumerical:")
    numerical, analytical = text.split("\nanalytical:")
    # d(x*w)/dx = diag(w); the wrong rule gives diag(1.1 w).
    assert "3.0000" in numerical and "4.0000" in numerical
    assert "3.3000" in analytical and "4.4000" in analytical
    assert text.endswith("\n")


def test_raise_exception_false_returns_false():
    x, w = leaf([1.0, 2.0]), leaf([3.0, 4.0])
    assert gradcheck(WrongProduct.apply, (x, w), raise_exception=False) is False
    assert gradcheck(WrongProduct.apply, (x, w), raise_exception=False, fast_mode=True) is False
    # Only the input whose rule is right is checked: passes.
    assert gradcheck(WrongProduct.apply, (leaf([1.0, 2.0], requires_grad=False), w)) is True


def test_input_index_counts_only_inputs_that_require_grad():
    class WrongSecond(WrongProduct):
        @staticmethod
        def backward(ctx, g):
            x, w = ctx.saved_tensors
            return g * w, g * x * 2

    with pytest.raises(GradcheckError, match="for output 0 with respect to input 0,"):
        gradcheck(WrongSecond.apply, (leaf([1.0, 2.0], requires_grad=False), leaf([3.0, 4.0])))
    with pytest.raises(GradcheckError, match="for output 0 with respect to input 1,"):
        gradcheck(WrongSecond.apply, (leaf([1.0, 2.0]), leaf([3.0, 4.0])))


def test_output_index_and_jacobian_layout():
    class WrongSum(Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2, x.sum()

        @staticmethod
        def backward(ctx, g, gs):
            return g * 2 + gs * 1.5

    with pytest.raises(GradcheckError) as info:
        gradcheck(WrongSum.apply, (leaf([1.0, 2.0, 3.0]),))
    text = str(info.value)
    assert "for output 1 with respect to input 0," in text
    # One row per input element, one column per output element: a 3 x 1 Jacobian.
    assert "numerical:tensor([[1.0000],\n        [1.0000],\n        [1.0000]]" in text


def test_fast_mode_passes_right_and_catches_wrong():
    x = leaf(np.linspace(-1, 1, 5))
    assert gradcheck(Cube.apply, (x,), fast_mode=True)
    with pytest.raises(GradcheckError, match="Jacobian mismatch"):
        gradcheck(WrongProduct.apply, (x, leaf(np.arange(5.0))), fast_mode=True)


def test_backward_not_multiplied_by_grad_output():
    class Offset(Cube):
        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * 3 * x ** 2 + 1e-7   # within tolerance, but not zero for g = 0

    with pytest.raises(GradcheckError, match="^backward not multiplied by grad_output$"):
        gradcheck(Offset.apply, (leaf([1.0, 2.0]),))


def test_nondeterministic_backward():
    calls = [0]

    class Drift(Cube):
        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            calls[0] += 1
            return g * 3 * x ** 2 * (1 + 1e-9 * calls[0])

    with pytest.raises(GradcheckError, match="^Backward is not reentrant"):
        gradcheck(Drift.apply, (leaf([1.0, 2.0]),))
    assert gradcheck(Drift.apply, (leaf([1.0, 2.0]),), nondet_tol=1e-6)


def test_undefined_output_gradients():
    class Pair(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.set_materialize_grads(False)
            return x * 2, x * 3

        @staticmethod
        def backward(ctx, a, b):
            if a is None or b is None:
                raise RuntimeError("an output gradient is missing")
            return a * 2 + b * 3

    # As in torch: the Jacobian of one output already leaves the other's gradient undefined, and
    # the backward's own error propagates (it is not a GradcheckError).
    with pytest.raises(RuntimeError, match="an output gradient is missing"):
        gradcheck(Pair.apply, (leaf([1.0, 2.0]),), raise_exception=False)

    class Triple(Function):
        """Handles one defined output gradient, and three, but not two."""

        @staticmethod
        def forward(ctx, x):
            ctx.set_materialize_grads(False)
            return x * 2, x * 3, x * 4

        @staticmethod
        def backward(ctx, *grads):
            if sum(g is None for g in grads) == 1:
                raise RuntimeError("exactly one output gradient is missing")
            return sum(g * k for g, k in zip(grads, (2, 3, 4)) if g is not None)

    with pytest.raises(GradcheckError, match="^Expected backward function to handle undefined "
                                             "output grads"):
        gradcheck(Triple.apply, (leaf([1.0, 2.0]),))
    assert gradcheck(Triple.apply, (leaf([1.0, 2.0]),), check_undefined_grad=False)


def test_no_differentiable_outputs():
    x = leaf([1.0, 2.0])
    with pytest.raises(GradcheckError, match="^Numerical gradient for function expected to be "
                                             "zero$"):
        gradcheck(lambda a: a.detach() * 2, (x,))
    assert gradcheck(lambda a: a > 1.5, (x,))


def test_input_checks_and_warning():
    with pytest.raises(ValueError, match="gradcheck expects at least one input tensor to require "
                                         "gradient, but none of them have requires_grad=True."):
        gradcheck(tg.sin, (leaf([1.0], requires_grad=False),))
    with pytest.warns(UserWarning, match=r"^Input #1 requires gradient and is not a double "
                                         r"precision floating point or complex\. This check will "
                                         r"likely fail if all the inputs are not of double "
                                         r"precision floating point or complex\. $"):
        gradcheck(tg.mul, (leaf([1.0]), leaf([2.0], dtype=tg.float32)), eps=1e-2, atol=1e-3)
    with pytest.raises(AssertionError, match="Expected at least one of check_forward_ad or "
                                             "check_backward_ad to be True"):
        gradcheck(tg.sin, (leaf([1.0]),), check_backward_ad=False)


def test_inputs_are_left_exactly_as_they_were():
    values = np.array([0.1, 0.7, -0.3])
    x = leaf(values)
    version = x._version
    gradcheck(tg.sin, (x,))
    gradcheck(tg.sin, (x,), fast_mode=True)
    assert np.array_equal(x.detach().numpy(), values) and x._version == version
    assert x.grad is None


def test_single_tensor_and_list_inputs_and_non_tensor_arguments():
    x = leaf([0.2, 0.4])
    assert gradcheck(lambda a: a.sum() * 3, x)
    assert gradcheck(lambda a: a.sum() * 3, [x])
    assert gradcheck(lambda a, k: a * k, (x, 3.0))


def test_check_batched_grad():
    if getattr(tg.func, "vmap", None) is None:
        pytest.skip("tapegrad.func.vmap is not available")
    x = leaf([0.1, 0.5, 0.9])
    assert gradcheck(lambda a: (a.sin() * a, a.sum()), (x,), check_batched_grad=True)
    assert gradcheck(Cube.apply, (x,), check_batched_grad=True)
    assert gradgradcheck(Cube.apply, (x,), check_batched_grad=True)

    class ViaPython(Cube):
        """Right values, but reads the gradient as Python numbers: cannot run under vmap."""

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return tg.tensor(g.tolist(), dtype=F64) * 3 * x ** 2

    assert gradcheck(ViaPython.apply, (x,))
    with pytest.raises(GradcheckError, match="^While computing batched gradients, got: "):
        gradcheck(ViaPython.apply, (x,), check_batched_grad=True)


# -- forward mode --------------------------------------------------------------------------------
class ExpWithJvp(Function):
    @staticmethod
    def forward(ctx, x):
        y = x.exp()
        ctx.save_for_backward(y)
        ctx.save_for_forward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        return g * ctx.saved_tensors[0]

    @staticmethod
    def jvp(ctx, t):
        return t * ctx.saved_tensors[0]


class ExpWrongJvp(ExpWithJvp):
    @staticmethod
    def jvp(ctx, t):
        return t * ctx.saved_tensors[0] * 2


@pytest.mark.parametrize("fast", [False, True])
def test_check_forward_ad(fast):
    x = leaf([0.3, -0.2, 0.8])
    assert gradcheck(ExpWithJvp.apply, (x,), check_forward_ad=True, fast_mode=fast)
    assert gradcheck(tg.sin, (x,), check_forward_ad=True, check_backward_ad=False, fast_mode=fast)
    with pytest.raises(GradcheckError, match="^Jacobian computed with forward mode mismatch for "
                                             "output 0 with respect to input 0,"):
        gradcheck(ExpWrongJvp.apply, (x,), check_forward_ad=True, fast_mode=fast)
    # Reverse mode alone does not look at the jvp.
    assert gradcheck(ExpWrongJvp.apply, (x,), fast_mode=fast)
    with pytest.raises(NotImplementedError, match="You must implement the jvp function"):
        gradcheck(Cube.apply, (x,), check_forward_ad=True, fast_mode=fast)


# -- second order --------------------------------------------------------------------------------
def test_gradgradcheck_passes_a_twice_differentiable_function():
    x = leaf([0.5, -1.2, 2.0])
    assert gradgradcheck(Cube.apply, (x,))
    assert gradgradcheck(Cube.apply, (x,), gen_non_contig_grad_outputs=True)
    assert gradgradcheck(Cube.apply, (x,), (leaf([1.0, -2.0, 0.5]),))
    assert gradgradcheck(Cube.apply, (x,), fast_mode=True)
    # First-order gradcheck cannot tell CubeDetached from Cube ...
    assert gradcheck(CubeDetached.apply, (x,)) and gradcheck(CubeGradDetached.apply, (x,))


def test_gradgradcheck_catches_wrong_second_derivatives():
    x = leaf([0.5, -1.2, 2.0])
    # ... gradgradcheck can: d/dx of 3 v x^2 is 6 v x, the detached rule gives 0.
    with pytest.raises(GradcheckError, match="for output 0 with respect to input 0,"):
        gradgradcheck(CubeDetached.apply, (x,))
    # d/dv of 3 v x^2 is 3 x^2 (input 1 is the grad_output v); the detached g gives 0.
    with pytest.raises(GradcheckError, match="for output 0 with respect to input 1,"):
        gradgradcheck(CubeGradDetached.apply, (x,))
    assert gradgradcheck(CubeDetached.apply, (x,), raise_exception=False) is False


def test_gradgradcheck_of_a_once_differentiable_function_fails():
    class OnceCube(Cube):
        @staticmethod
        @once_differentiable
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * 3 * x ** 2

    x = leaf([0.5, 2.0])
    assert gradcheck(OnceCube.apply, (x,))
    assert gradgradcheck(OnceCube.apply, (x,), raise_exception=False) is False


def test_gradgradcheck_forward_over_reverse():
    x = leaf([0.3, -0.6])
    assert gradgradcheck(lambda a: (a.sin() * a).sum(), (x,), check_fwd_over_rev=True)


# -- registry ops: agreement with tests/test_gradcheck.py ---------------------------------------
SAMPLE = ["sin", "log", "pow_tensor", "mul", "div", "where", "sum_dim", "prod", "max_dim",
          "logsumexp", "softmax", "var", "mm", "matmul_batched", "expand", "cat", "split",
          "unbind", "index_list", "setitem_basic"]


@pytest.mark.parametrize("name", SAMPLE)
def test_registry_ops_pass_gradcheck_and_gradgradcheck(name):
    fn, shapes = CASES[name]
    for i, specs in enumerate(shapes[:2]):
        args = [tg.tensor(a, requires_grad=True) for a in _make_any(specs, seed=i + 1)]
        assert gradcheck(fn, args), (name, i)
        assert gradgradcheck(fn, args), (name, i)


def test_a_perturbed_registry_rule_is_caught(monkeypatch):
    from tapegrad._ops._registry import REGISTRY
    sin = REGISTRY["sin"]
    x = leaf([0.2, 0.9])
    assert gradcheck(tg.sin, (x,))
    (slot,) = sin.vjp_args[0]  # where the saved input sits; the engine calls rule(g, saved)
    monkeypatch.setattr(sin, "_bound", (lambda g, saved: g * tg.cos(saved[slot]) * 1.01,))
    assert gradcheck(tg.sin, (x,), raise_exception=False) is False


# -- parity with torch ---------------------------------------------------------------------------
def test_mismatch_message_matches_torch():
    torch = pytest.importorskip("torch")

    def message(mod):
        class Wrong(mod.autograd.Function):
            @staticmethod
            def forward(ctx, x, w):
                ctx.save_for_backward(x, w)
                return x * w, x.sum()

            @staticmethod
            def backward(ctx, g, gs):
                x, w = ctx.saved_tensors
                return g * w * 1.1 + gs, g * x

        x = mod.tensor([1.0, 2.0], dtype=mod.float64, requires_grad=True)
        w = mod.tensor([3.0, 4.0], dtype=mod.float64, requires_grad=True)
        with pytest.raises(RuntimeError) as info:
            mod.autograd.gradcheck(Wrong.apply, (x, w))
        assert type(info.value).__name__ == "GradcheckError"
        return str(info.value)

    assert message(tg).replace("tapegrad.", "torch.") == message(torch)
