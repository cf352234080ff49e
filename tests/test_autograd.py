"""Autograd behaviours that torch users rely on."""
from __future__ import annotations

import gc
import math
import threading
import warnings
import weakref

import numpy as np
import pytest

import tapegrad as tg


def f64(*vals, rg=True):
    return tg.tensor(list(vals), dtype=tg.float64, requires_grad=rg)


def test_gradient_accumulates_and_zero_():
    x = f64(1.0, 2.0)
    (x * 3).sum().backward()
    (x * x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [3 + 2, 3 + 4])
    x.grad.zero_()
    np.testing.assert_allclose(x.grad.numpy(), [0, 0])
    (x * 2).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [2, 2])


def test_nonscalar_backward_needs_gradient():
    x = f64(1.0, 2.0)
    with pytest.raises(RuntimeError, match="grad can be implicitly created only for scalar outputs"):
        (x * 2).backward()


def test_backward_with_gradient():
    x = f64(1.0, 2.0, 3.0)
    (x * x).backward(gradient=tg.tensor([1.0, 10.0, 100.0], dtype=tg.float64))
    np.testing.assert_allclose(x.grad.numpy(), [2, 40, 600])


def test_backward_gradient_shape_mismatch():
    x = f64(1.0, 2.0, 3.0)
    with pytest.raises(RuntimeError, match="Mismatch in shape"):
        (x * x).backward(tg.ones(2, dtype=tg.float64))


def test_second_backward_needs_retain_graph():
    x = f64(1.0, 2.0)
    y = x.exp().sum()
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * np.exp([1.0, 2.0]))
    z = x.exp().sum()
    z.backward()
    with pytest.raises(RuntimeError, match="Trying to backward through the graph a second time"):
        z.backward()


def test_detach():
    x = f64(1.0, 2.0)
    d = (x * 2).detach()
    assert not d.requires_grad and d.grad_fn is None and d.is_leaf
    y = (d * x).sum()
    y.backward()
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 4.0])


def test_retain_grad_and_nonleaf_grad_warning():
    x = f64(1.0, 2.0)
    y = x * 3
    z = x * 4
    y.retain_grad()
    (y * z).sum().backward()
    np.testing.assert_allclose(y.grad.numpy(), z.detach().numpy())
    with pytest.warns(UserWarning, match="is not a leaf Tensor"):
        assert z.grad is None


def test_is_leaf():
    x = f64(1.0)
    c = tg.tensor([1.0])
    assert x.is_leaf and c.is_leaf
    assert not (x * 2).is_leaf
    assert (c * 2).is_leaf


def test_requires_grad_on_int_tensor():
    with pytest.raises(RuntimeError, match="Only Tensors of floating point"):
        tg.tensor([1, 2], requires_grad=True)
    # torch 2.x words the in-place variant differently
    with pytest.raises(RuntimeError, match="^only Tensors of floating point dtype can require gradients$"):
        tg.tensor([1, 2]).requires_grad_()


def test_inplace_on_leaf_requiring_grad():
    x = f64(1.0, 2.0)
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad is being used in an in-place operation"):
        x.add_(1)
    with tg.no_grad():
        x.add_(1)
    np.testing.assert_allclose(x.detach().numpy(), [2.0, 3.0])


def test_modified_saved_tensor_detected():
    x = f64(1.0, 2.0)
    y = x.exp()
    y.add_(1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


def test_modified_saved_input_detected():
    x = f64(1.0, 2.0)
    a = x * 1
    y = a * a
    a.mul_(2)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


def test_iadd_keeps_identity_and_grad():
    x = f64(1.0, 2.0)
    y = x * 2
    before = id(y)
    y += 1
    assert id(y) == before
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 2.0])


def test_grad_mode_context_managers():
    x = f64(1.0)
    with tg.no_grad():
        assert not tg.is_grad_enabled()
        assert not (x * 2).requires_grad
        with tg.enable_grad():
            assert (x * 2).requires_grad
        with tg.set_grad_enabled(True):
            assert tg.is_grad_enabled()
    assert tg.is_grad_enabled()
    with tg.set_grad_enabled(False):
        assert not (x * 2).requires_grad
    assert (x * 2).requires_grad
    tg.set_grad_enabled(False)
    try:
        assert not tg.is_grad_enabled()
    finally:
        tg.set_grad_enabled(True)
    assert tg.is_grad_enabled()


def test_grad_mode_decorators():
    x = f64(1.0)

    @tg.no_grad()
    def f(t):
        return t * 2

    @tg.enable_grad()
    def g(t):
        return t * 2

    assert not f(x).requires_grad
    with tg.no_grad():
        assert g(x).requires_grad
    assert tg.is_grad_enabled()


def test_grad_mode_is_thread_local():
    seen = {}

    def worker():
        seen["enabled"] = tg.is_grad_enabled()

    with tg.no_grad():
        t = threading.Thread(target=worker)
        t.start()
        t.join()
        assert not tg.is_grad_enabled()
    assert seen["enabled"] is True


def test_hooks_on_leaf_and_nonleaf():
    x = f64(1.0, 2.0)
    calls = []
    x.register_hook(lambda g: calls.append("leaf") or g * 10)
    y = x * 3
    y.register_hook(lambda g: calls.append("mid") or g + 1)
    y.sum().backward()
    # d/dy = 1 -> hook -> 2; times 3 -> 6; leaf hook -> 60
    np.testing.assert_allclose(x.grad.numpy(), [60.0, 60.0])
    assert calls == ["mid", "leaf"]


def test_hook_handle_remove():
    x = f64(1.0)
    h = x.register_hook(lambda g: g * 100)
    h.remove()
    (x * 2).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [2.0])


def test_autograd_grad_allow_unused():
    x = f64(1.0)
    w = f64(2.0)
    y = (x * 3).sum()
    with pytest.raises(RuntimeError, match="appears to not have been used"):
        tg.autograd.grad(y, [x, w], retain_graph=True)
    gx, gw = tg.autograd.grad(y, [x, w], allow_unused=True)
    assert gw is None
    np.testing.assert_allclose(gx.numpy(), [3.0])
    assert x.grad is None  # autograd.grad does not accumulate


@pytest.mark.parametrize("x0", [0.7, -1.3, 2.0])
def test_higher_derivatives_cube(x0):
    x = tg.tensor(x0, dtype=tg.float64, requires_grad=True)
    y = x ** 3
    (d1,) = tg.autograd.grad(y, x, create_graph=True)
    (d2,) = tg.autograd.grad(d1, x, create_graph=True)
    (d3,) = tg.autograd.grad(d2, x)
    assert math.isclose(d1.item(), 3 * x0 ** 2, rel_tol=1e-12)
    assert math.isclose(d2.item(), 6 * x0, rel_tol=1e-12)
    assert math.isclose(d3.item(), 6.0, rel_tol=1e-12)


@pytest.mark.parametrize("x0", [0.3, 1.9])
def test_higher_derivatives_sin(x0):
    x = tg.tensor(x0, dtype=tg.float64, requires_grad=True)
    (d1,) = tg.autograd.grad(tg.sin(x), x, create_graph=True)
    (d2,) = tg.autograd.grad(d1, x, create_graph=True)
    (d3,) = tg.autograd.grad(d2, x)
    assert math.isclose(d1.item(), math.cos(x0), rel_tol=1e-12)
    assert math.isclose(d2.item(), -math.sin(x0), rel_tol=1e-12)
    assert math.isclose(d3.item(), -math.cos(x0), rel_tol=1e-12)


def test_long_chain_backward():
    x = tg.ones(16, dtype=tg.float64, requires_grad=True)
    y = x
    n = 100_000
    for _ in range(n):
        y = y * 1.0001 + 0.0001
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.full(16, 1.0001 ** n), rtol=1e-9)


def test_saved_tensors_freed_after_backward():
    x = f64(1.0, 2.0)
    a = x * 2
    y = a * a  # saves a
    ref = weakref.ref(a)
    node = y.grad_fn
    del a
    gc.collect()
    assert ref() is not None  # kept alive by the graph
    y.sum().backward()
    gc.collect()
    assert ref() is None
    assert not node._saved  # freed


def test_saved_tensors_kept_with_retain_graph():
    x = f64(1.0, 2.0)
    y = x.exp()
    y.sum().backward(retain_graph=True)
    assert len(y.grad_fn._saved) > 0


def test_backward_inputs():
    x = f64(1.0, 2.0)
    w = f64(3.0, 4.0)
    (x * w).sum().backward(inputs=[x])
    np.testing.assert_allclose(x.grad.numpy(), [3.0, 4.0])
    assert w.grad is None


def test_next_functions_and_names():
    x = f64(1.0)
    y = (x.exp() * 2).sum()
    assert y.grad_fn.name() == "SumBackward0"
    (mul, _), = y.grad_fn.next_functions
    assert mul.name() == "MulBackward0"
    assert mul.next_functions[0][0].name() == "ExpBackward0"
    assert mul.next_functions[0][0].next_functions[0][0].name() == "torch::autograd::AccumulateGrad"


# -- .grad may take the engine's gradient array instead of copying it: only when nobody else holds it
def test_leaves_sharing_one_gradient_get_separate_grads():
    x, y = f64(1.0, 2.0), f64(3.0, 4.0)
    (x + y).sum().backward()  # add passes the same gradient array to both
    x.grad.zero_()
    assert y.grad.tolist() == [1.0, 1.0]


def test_grad_never_aliases_the_callers_seed():
    x = f64(1.0, 2.0)
    seed = tg.tensor([5.0, 6.0], dtype=tg.float64)
    (x + 0).backward(seed)
    seed[0] = 100.0
    assert x.grad.tolist() == [5.0, 6.0]
    (x + 0).backward(seed)  # accumulating must not write into the seed either
    assert seed.tolist() == [100.0, 6.0]
    assert x.grad.tolist() == [105.0, 12.0]


def test_grad_from_a_broadcast_is_writable_and_accumulates():
    x = f64(1.0, 2.0, 3.0)
    x.sum().backward()  # the rule expands the gradient: a read-only broadcast view
    x.sum().backward()
    assert x.grad.tolist() == [2.0, 2.0, 2.0]
    x.grad.zero_()
    assert x.grad.tolist() == [0.0, 0.0, 0.0]


def test_grad_taken_from_the_engine_is_not_shared_with_a_hook():
    x = f64(1.0, 2.0)
    kept = []
    x.register_hook(lambda g: kept.append(g))
    (x * 3).sum().backward()
    x.grad.zero_()
    assert kept[0].tolist() == [3.0, 3.0]


def test_retained_intermediate_and_leaf_do_not_share():
    x = f64(1.0, 2.0)
    y = x * 2
    y.retain_grad()
    z = y + 0  # passes its gradient through
    (z * 3).sum().backward()
    y.grad.zero_()
    assert x.grad.tolist() == [6.0, 6.0]


# -- in-place arithmetic without autograd writes straight into the tensor's array
def test_inplace_ufunc_path_matches_out_of_place():
    x = tg.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    expected = (x * 2 - tg.tensor([1.0, 0.0, -1.0], dtype=tg.float64)).tolist()
    x *= 2
    x -= tg.tensor([1.0, 0.0, -1.0], dtype=tg.float64)  # float64 operand, float32 tensor
    assert x.dtype == tg.float32 and x.tolist() == expected
    with pytest.raises(RuntimeError, match=r"output with shape \[2, 3\] doesn't match the "
                                           r"broadcast shape \[2, 2, 3\]"):
        x += tg.ones(2, 2, 3)
    with pytest.raises(RuntimeError, match="The size of tensor a"):
        x += tg.ones(4)
    with pytest.raises(RuntimeError, match="result type Float can't be cast to the desired "
                                           "output type Long"):
        i = tg.tensor([1, 2])
        i += 0.5


def test_inplace_ufunc_path_bumps_versions_and_writes_through_views():
    x = f64(1.0, 2.0)
    y = x.exp()  # saves its result
    with tg.no_grad():
        y += 1
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()
    base = tg.zeros(4)
    view = base[1:3]
    view += 5
    assert base.tolist() == [0.0, 5.0, 5.0, 0.0]


# -- in-place operations on views, recorded by autograd (torch's CopySlices)
def test_iadd_into_a_slice_of_a_constant_buffer():
    w = f64(1.0, 2.0)
    z = tg.zeros(3, dtype=tg.float64)
    z[:2] += w * 3
    assert z.grad_fn.name() == "torch::autograd::CopySlices" and z.tolist() == [3.0, 6.0, 0.0]
    assert repr(z).endswith("grad_fn=<CopySlices>)")
    (z * tg.tensor([1.0, 10.0, 100.0], dtype=tg.float64)).sum().backward()
    assert w.grad.tolist() == [3.0, 30.0]


def test_inplace_on_a_view_of_a_non_leaf():
    x = f64(1.0, 1.0, 1.0)
    y = x * 2
    v = y[1:]
    v.mul_(3)
    assert type(y.grad_fn).__name__ == "CopySlices" and v.grad_fn.name() == "AsStridedBackward0"
    assert y.tolist() == [2.0, 6.0, 6.0] and v.tolist() == [6.0, 6.0]
    (y.sum() + (v * v).sum()).backward()
    # y = [2x0, 6x1, 6x2]; v = [6x1, 6x2]: d/dx = [2, 6 + 72 x1, 6 + 72 x2]
    assert x.grad.tolist() == [2.0, 78.0, 78.0]


def test_inplace_on_a_transposed_view_with_a_tensor_operand():
    x = tg.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=tg.float64, requires_grad=True)
    w = f64(10.0, 20.0)
    y = x + 0
    y.t()[0].add_(w)  # the first column of y, through a transposed view
    assert y.tolist() == [[11.0, 2.0], [23.0, 4.0]]
    y.sum().backward()
    assert x.grad.tolist() == [[1.0, 1.0], [1.0, 1.0]] and w.grad.tolist() == [1.0, 1.0]


def test_inplace_on_a_view_of_a_leaf_that_requires_grad_is_refused():
    x = f64(1.0, 2.0, 3.0)
    with pytest.raises(RuntimeError, match="a view of a leaf Variable that requires grad is "
                                           "being used in an in-place operation."):
        x[:2].mul_(2)


def test_inplace_on_a_view_invalidates_values_saved_from_the_base():
    x = f64(1.0, 2.0)
    y = x * 1
    e = y.exp()  # saves its result, not y; sin saves y
    s = y.sin()
    y[0:1].mul_(2)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        s.sum().backward()


def test_inplace_on_views_matches_torch():
    torch = pytest.importorskip("torch")

    def run(T):
        x = T.tensor([[1.0, -2.0, 3.0], [0.5, 4.0, -1.0]], dtype=T.float64, requires_grad=True)
        w = T.tensor([2.0, -1.0], dtype=T.float64, requires_grad=True)
        y = x * 1.5 + 0.5  # (exp would save y itself, which the in-place ops then invalidate)
        y[:, 1].mul_(w)
        y[1:, ::2] += w[:1] * 3.0 + x[0, :2]
        out = (y * y).sum()
        out.backward()
        return y.detach().numpy(), x.grad.numpy(), w.grad.numpy(), y.grad_fn.name()

    ours, theirs = run(tg), run(torch)
    for a, b in zip(ours[:3], theirs[:3]):
        np.testing.assert_allclose(a, b, rtol=1e-12)
    assert ours[3] == theirs[3] == "torch::autograd::CopySlices"


def test_a_view_made_before_a_recorded_inplace_change_of_its_base_is_refused():
    x = f64(1.0, 2.0, 3.0)
    w = f64(5.0)
    y = x * 1
    early = y[0:2]          # made before y's history is replaced
    y[1:3].mul_(w)          # recorded: y's elements 1, 2 now depend on w
    with pytest.raises(RuntimeError, match="view was made before an in-place operation"):
        early.sum()         # its history would miss w: refused, not a wrong gradient
    late = y[0:2]
    late.sum().backward()   # a view made afterwards is fine
    assert x.grad.tolist() == [1.0, 5.0, 0.0] and w.grad.tolist() == [2.0]
    with tg.no_grad():
        early.sum()         # nothing is recorded, nothing to refuse


def test_views_still_work_after_inplace_changes_outside_autograd():
    x = f64(1.0, 2.0)
    y = x * 1
    v = y[0:1]
    with tg.no_grad():
        y.add_(1)           # not recorded: histories are unchanged
    (v * 2).sum().backward()
    assert x.grad.tolist() == [2.0, 0.0]
