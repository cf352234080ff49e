"""tapegrad.func's forward-mode transforms: jvp, jacfwd, forward-over-reverse hessian, nesting."""
from __future__ import annotations

import numpy as np
import pytest

import tapegrad as tg
from tapegrad.func import grad, hessian, jacfwd, jacrev, jvp


def _fd_jacobian(f, x: np.ndarray, eps=1e-6) -> np.ndarray:
    """Central differences of a function of one float64 array."""
    out0 = np.asarray(f(x))
    jac = np.zeros(out0.shape + x.shape)
    for idx in np.ndindex(x.shape):
        step = np.zeros_like(x)
        step[idx] = eps
        jac[(...,) + idx] = (np.asarray(f(x + step)) - np.asarray(f(x - step))) / (2 * eps)
    return jac


def test_jvp_of_sin_is_cos_times_tangent():
    x = tg.tensor([0.3, -1.2, 2.0], dtype=tg.float64)
    v = tg.tensor([1.0, 2.0, -0.5], dtype=tg.float64)
    value, tangent = jvp(tg.sin, (x,), (v,))
    np.testing.assert_allclose(value.numpy(), np.sin(x.numpy()))
    np.testing.assert_allclose(tangent.numpy(), np.cos(x.numpy()) * v.numpy())
    assert not tangent.requires_grad


def test_jvp_tuple_outputs_and_aux():
    x = tg.tensor([1.0, 2.0])
    (a, b), (ta, tb), aux = jvp(lambda t: ((t * 2, t.sum()), "aux"), (x,), (tg.ones(2),),
                                has_aux=True)
    assert ta.tolist() == [2.0, 2.0] and tb.item() == 2.0 and aux == "aux"


def test_jvp_of_an_output_independent_of_the_input_is_zero():
    x = tg.tensor([1.0, 2.0])
    _, t = jvp(lambda t: tg.ones(3), (x,), (tg.ones(2),))
    assert t.tolist() == [0.0, 0.0, 0.0]


def test_jvp_argument_checks_follow_torch():
    x = tg.tensor([1.0, 2.0])
    with pytest.raises(RuntimeError, match="Expected primals to be a tuple"):
        jvp(tg.sin, x, (tg.ones(2),))
    with pytest.raises(RuntimeError, match="same python structure"):
        jvp(tg.sin, (x,), (tg.ones(2), tg.ones(2)))
    with pytest.raises(RuntimeError, match="different size"):
        jvp(tg.sin, (x,), (tg.ones(3),))


def _mlp(x):
    w = tg.tensor(np.linspace(-1, 1, 12).reshape(3, 4), dtype=tg.float64)
    return tg.tanh(w @ x) * x[:3]


@pytest.mark.parametrize("fn,n", [(_mlp, 4), (lambda x: tg.softmax(x, 0), 5),
                                  (lambda x: tg.cumsum(x * x, 0), 3)])
def test_jacfwd_matches_jacrev_and_finite_differences(fn, n):
    x = tg.tensor(np.random.default_rng(0).uniform(-1, 1, n))
    fwd = jacfwd(fn)(x).numpy()
    rev = jacrev(fn)(x).numpy()
    np.testing.assert_allclose(fwd, rev, rtol=1e-12, atol=1e-12)
    numeric = _fd_jacobian(lambda a: fn(tg.tensor(a)).numpy(), x.numpy())
    np.testing.assert_allclose(fwd, numeric, rtol=1e-6, atol=1e-8)


def test_jacfwd_argnums_tuple_and_shapes():
    x = tg.tensor([[1.0, 2.0], [3.0, 4.0]])
    y = tg.tensor([0.5, -1.0])
    jx, jy = jacfwd(lambda a, b: a * b, argnums=(0, 1))(x, y)
    assert tuple(jx.shape) == (2, 2, 2, 2) and tuple(jy.shape) == (2, 2, 2)
    # d(a*b)[i,j]/d b[k] = a[i,j] [j == k]
    expected = np.einsum("ij,jk->ijk", x.numpy(), np.eye(2))
    np.testing.assert_allclose(jy.numpy(), expected)


# Hessians (forward over reverse) of functions with matmul, softmax, logsumexp, vs closed forms.
def _rosenbrock(x):
    return (100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2).sum()


def _rosenbrock_hessian(x: np.ndarray) -> np.ndarray:
    n = len(x)
    h = np.zeros((n, n))
    for i in range(n - 1):
        h[i, i] += 1200 * x[i] ** 2 - 400 * x[i + 1] + 2
        h[i, i + 1] += -400 * x[i]
        h[i + 1, i] += -400 * x[i]
        h[i + 1, i + 1] += 200
    return h


def test_hessian_of_rosenbrock_is_the_closed_form():
    x = np.random.default_rng(1).uniform(-1, 1, 6)
    h = hessian(_rosenbrock)(tg.tensor(x))
    np.testing.assert_allclose(h.numpy(), _rosenbrock_hessian(x), rtol=1e-10)
    assert not h.requires_grad


def test_hessian_of_logsumexp_is_diag_p_minus_ppT():
    x = np.array([0.1, -0.7, 1.3, 0.2])
    p = np.exp(x) / np.exp(x).sum()
    h = hessian(lambda a: tg.logsumexp(a, 0))(tg.tensor(x))
    np.testing.assert_allclose(h.numpy(), np.diag(p) - np.outer(p, p), rtol=1e-10, atol=1e-12)


def test_hessian_of_quadratic_form_through_matmul():
    a = np.array([[2.0, 1.0, 0.0], [0.0, 3.0, -1.0], [1.0, 0.0, 1.0]])
    x = tg.tensor([0.5, 1.0, -2.0], dtype=tg.float64)
    h = hessian(lambda v: v @ (tg.tensor(a) @ v))(x)
    np.testing.assert_allclose(h.numpy(), a + a.T)


def test_hessian_of_softmax_cross_entropy_matches_finite_differences():
    target = 2
    x = np.array([0.3, -0.2, 0.9, 0.1])

    def loss(v):
        return -tg.log(tg.softmax(v, 0)[target])

    h = hessian(loss)(tg.tensor(x)).numpy()
    numeric = _fd_jacobian(lambda a: grad(loss)(tg.tensor(a)).numpy(), x)
    np.testing.assert_allclose(h, numeric, rtol=1e-6, atol=1e-8)


def test_nested_derivatives_to_order_four():
    x = tg.tensor(0.7, dtype=tg.float64)
    d4 = grad(grad(grad(grad(tg.sin))))(x)
    assert d4.item() == pytest.approx(np.sin(0.7), rel=1e-12)
    fwd4 = jacfwd(jacfwd(jacfwd(jacfwd(lambda t: t ** 5))))(x)
    assert fwd4.item() == pytest.approx(120 * 0.7, rel=1e-12)
    mixed = jacfwd(grad(jacfwd(grad(tg.exp))))(x)
    assert mixed.item() == pytest.approx(np.exp(0.7), rel=1e-12)


def test_forward_levels_do_not_confuse_perturbations():
    # d/dx [x * d/dy (x * y)] = d/dx [x * x] = 2x: the inner level must not see x's tangent.
    x = tg.tensor(3.0, dtype=tg.float64)
    inner = lambda a: jvp(lambda y: a * y, (tg.tensor(1.0, dtype=tg.float64),),
                          (tg.tensor(1.0, dtype=tg.float64),))[1]
    _, outer = jvp(lambda a: a * inner(a), (x,), (tg.tensor(1.0, dtype=tg.float64),))
    assert outer.item() == pytest.approx(6.0)


def test_hessian_agrees_with_torch_when_installed():
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(2).uniform(-1, 1, 5)
    ours = hessian(_rosenbrock)(tg.tensor(x)).numpy()
    theirs = torch.func.hessian(_rosenbrock)(torch.tensor(x)).numpy()
    np.testing.assert_allclose(ours, theirs, rtol=1e-12)


def test_jacfwd_uses_one_batched_pass_and_agrees_with_the_column_loop():
    from tapegrad._ops._transforms import Transform
    x = tg.tensor(np.random.default_rng(4).uniform(-1, 1, 6))
    seen = []
    original = Transform.push

    def spy(self):
        seen.append(self.kind)
        return original(self)

    Transform.push = spy
    try:
        batched = jacfwd(_mlp)(x[:4]).numpy()
    finally:
        Transform.push = original
    assert seen.count("vmap") == 1 and seen.count("forward") == 1  # one pass, not four
    columns = np.stack([jvp(_mlp, (x[:4],), (tg.eye(4, dtype=tg.float64)[j],))[1].numpy()
                        for j in range(4)], axis=-1)
    np.testing.assert_allclose(batched, columns, rtol=1e-12, atol=1e-14)


def test_per_example_jvp_under_vmap_matches_a_loop():
    xs = tg.tensor(np.random.default_rng(5).uniform(-1, 1, (3, 4)))
    ts = tg.tensor(np.random.default_rng(6).uniform(-1, 1, (3, 4)))
    got = tg.func.vmap(lambda a, t: jvp(_mlp, (a,), (t,))[1])(xs, ts).numpy()
    loop = np.stack([jvp(_mlp, (xs[i],), (ts[i],))[1].numpy() for i in range(3)])
    np.testing.assert_allclose(got, loop, rtol=1e-12)


def test_jvp_of_per_example_gradients():
    """Forward mode below vmap: the tangent of vmap(grad(f)) is H v per example."""
    xs = tg.tensor([[0.5, -1.0], [2.0, 0.25]], dtype=tg.float64)
    v = tg.tensor([[1.0, 0.0], [0.0, 1.0]], dtype=tg.float64)
    f = lambda a: (a ** 3).sum() + a[0] * a[1]
    _, tangent = jvp(tg.func.vmap(grad(f)), (xs,), (v,))
    # H = [[6 a0, 1], [1, 6 a1]]; row 0 pushes e0, row 1 pushes e1
    expected = np.array([[6 * 0.5, 1.0], [1.0, 6 * 0.25]])
    np.testing.assert_allclose(tangent.numpy(), expected)


def test_backward_inside_forward_inside_vmap_is_refused_not_wrong():
    from tapegrad._ops._transforms import UnsupportedNesting
    x = tg.tensor([1.0, 2.0], dtype=tg.float64)
    with pytest.raises(UnsupportedNesting, match="backward pass"):
        tg.func.vmap(lambda t: jvp(grad(lambda a: (a ** 3).sum()), (x,), (t,))[1])(
            tg.eye(2, dtype=tg.float64))
    # jacfwd over a gradient still works: it falls back to one forward pass per column
    h = jacfwd(grad(lambda a: (a ** 3).sum()))(tg.tensor([1.0, 2.0, 3.0, 4.0], dtype=tg.float64))
    np.testing.assert_allclose(h.numpy(), np.diag([6.0, 12.0, 18.0, 24.0]))
