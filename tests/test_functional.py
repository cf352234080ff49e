"""tapegrad.autograd.functional and tapegrad.func against closed forms and torch."""
from __future__ import annotations

import math

import numpy as np
import pytest

import tapegrad as tg
import tapegrad.autograd.functional as F
import tapegrad.func as tf

RNG = np.random.default_rng(0)
A_NP = RNG.standard_normal((4, 3))
X_NP = RNG.standard_normal(3)
R_NP = RNG.standard_normal(6) * 0.5 + 1.0   # Rosenbrock point
V6_NP = RNG.standard_normal(6)


def t64(a, rg=False):
    return tg.tensor(np.asarray(a, dtype=np.float64), dtype=tg.float64, requires_grad=rg)


def np_(t):
    return t.detach().numpy()


def tanh_ax_x(lib, A):
    return lambda x: lib.tanh(A @ x) * x.sum()


def rosen(x):
    return (100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2).sum()


def rosen_hess_np(x):
    n = len(x)
    H = np.zeros((n, n))
    for i in range(n - 1):
        H[i, i] += 1200 * x[i] ** 2 - 400 * x[i + 1] + 2
        H[i + 1, i + 1] += 200
        H[i, i + 1] += -400 * x[i]
        H[i + 1, i] += -400 * x[i]
    return H


def tanh_jac_np(A, x):
    z = np.tanh(A @ x)
    s = x.sum()
    return (1 - z ** 2)[:, None] * A * s + z[:, None] * np.ones((1, len(x)))


# -- autograd.functional: closed forms ---------------------------------------------------------

def test_jacobian_closed_form_and_shape():
    A = t64(A_NP)
    J = F.jacobian(tanh_ax_x(tg, A), t64(X_NP))
    assert tuple(J.shape) == (4, 3) and not J.requires_grad
    np.testing.assert_allclose(np_(J), tanh_jac_np(A_NP, X_NP), rtol=1e-12)


def test_jacobian_multidim_shapes_and_tuples():
    x, y = t64(RNG.standard_normal((2, 3))), t64(RNG.standard_normal(4))
    J = F.jacobian(lambda a: a * 2, x)
    assert tuple(J.shape) == (2, 3, 2, 3)
    np.testing.assert_allclose(np_(J).reshape(6, 6), 2 * np.eye(6))
    Js = F.jacobian(lambda a, b: (a.sum() * b, a ** 2), (x, y))
    assert isinstance(Js, tuple) and len(Js) == 2 and all(isinstance(r, tuple) for r in Js)
    assert [tuple(j.shape) for j in Js[0]] == [(4, 2, 3), (4, 4)]
    assert [tuple(j.shape) for j in Js[1]] == [(2, 3, 2, 3), (2, 3, 4)]
    np.testing.assert_allclose(np_(Js[0][1]), np_(x).sum() * np.eye(4))
    np.testing.assert_allclose(np_(Js[1][1]), 0)          # unused -> zeros (strict=False)
    # tuple output, single input -> tuple of tensors
    Jo = F.jacobian(lambda a: (a.sum(), a * 3), x)
    assert isinstance(Jo, tuple) and tuple(Jo[0].shape) == (2, 3) and tuple(Jo[1].shape) == (2, 3, 2, 3)
    # single output, tuple input -> tuple of tensors
    Ji = F.jacobian(lambda a, b: a.sum() * b, (x, y))
    assert isinstance(Ji, tuple) and tuple(Ji[0].shape) == (4, 2, 3)


def test_vectorize_flag_falls_back_to_loop():
    A = t64(A_NP)
    J1 = F.jacobian(tanh_ax_x(tg, A), t64(X_NP))
    J2 = F.jacobian(tanh_ax_x(tg, A), t64(X_NP), vectorize=True)
    np.testing.assert_allclose(np_(J1), np_(J2))


def test_hessian_rosenbrock_closed_form():
    H = F.hessian(rosen, t64(R_NP))
    assert tuple(H.shape) == (6, 6) and not H.requires_grad
    np.testing.assert_allclose(np_(H), rosen_hess_np(R_NP), rtol=1e-10)


def test_hessian_tuple_inputs():
    x, y = t64([1.0, 2.0]), t64([3.0])
    H = F.hessian(lambda a, b: (a ** 2).sum() * b.sum(), (x, y))
    np.testing.assert_allclose(np_(H[0][0]), 2 * 3 * np.eye(2))
    np.testing.assert_allclose(np_(H[0][1]), [[2.0], [4.0]])
    np.testing.assert_allclose(np_(H[1][0]), [[2.0, 4.0]])
    np.testing.assert_allclose(np_(H[1][1]), [[0.0]])


def test_hvp_vhp_match_hessian():
    x, v = t64(R_NP), t64(V6_NP)
    H = rosen_hess_np(R_NP)
    val, hv = F.hvp(rosen, x, v)
    val2, vh = F.vhp(rosen, x, v)
    np.testing.assert_allclose(np_(val), np_(rosen(x)))
    np.testing.assert_allclose(np_(val2), np_(rosen(x)))
    np.testing.assert_allclose(np_(hv), H @ V6_NP, rtol=1e-10)
    np.testing.assert_allclose(np_(vh), V6_NP @ H, rtol=1e-10)
    assert not hv.requires_grad and not vh.requires_grad


def test_jvp_vjp_match_jacobian():
    A = t64(A_NP)
    f = tanh_ax_x(tg, A)
    J = tanh_jac_np(A_NP, X_NP)
    v_in, v_out = RNG.standard_normal(3), RNG.standard_normal(4)
    out, jv = F.jvp(f, t64(X_NP), t64(v_in))
    out2, vj = F.vjp(f, t64(X_NP), t64(v_out))
    np.testing.assert_allclose(np_(out), np_(f(t64(X_NP))))
    np.testing.assert_allclose(np_(jv), J @ v_in, rtol=1e-12)
    np.testing.assert_allclose(np_(vj), v_out @ J, rtol=1e-12)
    assert not out.requires_grad and not jv.requires_grad and not vj.requires_grad


def test_vjp_jvp_tuple_inputs_outputs():
    x, y = t64([1.0, 2.0]), t64([3.0, 4.0])
    f = lambda a, b: (a * b, (a ** 2).sum())
    out, vj = F.vjp(f, (x, y), (t64([1.0, 1.0]), t64(1.0)))
    assert isinstance(out, tuple) and isinstance(vj, tuple)
    np.testing.assert_allclose(np_(vj[0]), [3 + 2, 4 + 4])
    np.testing.assert_allclose(np_(vj[1]), [1, 2])
    out, jv = F.jvp(f, (x, y), (t64([1.0, 0.0]), t64([0.0, 1.0])))
    np.testing.assert_allclose(np_(jv[0]), [3, 2])
    np.testing.assert_allclose(np_(jv[1]), 2.0)


def test_v_none_rules():
    x = t64([2.0])
    _, g = F.vjp(lambda a: (a ** 3).sum(), x)
    np.testing.assert_allclose(np_(g), [12.0])
    _, g = F.jvp(lambda a: a ** 3, x)
    np.testing.assert_allclose(np_(g), [12.0])
    with pytest.raises(RuntimeError, match="v can only be None"):
        F.vjp(lambda a: a * 2, t64([1.0, 2.0]))
    with pytest.raises(RuntimeError, match="v has invalid size"):
        F.vjp(lambda a: a * 2, t64([1.0, 2.0]), t64([1.0]))


def test_create_graph_results_require_grad_and_are_differentiable():
    x = t64([0.5, -0.3], rg=True)
    out, vj = F.vjp(lambda a: (a ** 3).sum(), x, create_graph=True)
    assert out.requires_grad and vj.requires_grad
    (g2,) = tg.autograd.grad(vj.sum(), x)          # d/dx sum(3x^2) = 6x
    np.testing.assert_allclose(np_(g2), 6 * np.array([0.5, -0.3]))
    J = F.jacobian(lambda a: a ** 3, x, create_graph=True)
    assert J.requires_grad
    H = F.hessian(lambda a: (a ** 3).sum(), x, create_graph=True)
    assert H.requires_grad
    (g3,) = tg.autograd.grad(H.sum(), x)           # sum(diag 6x) -> 6
    np.testing.assert_allclose(np_(g3), [6.0, 6.0])
    # without create_graph, nothing requires grad even for inputs that do
    for r in (F.vjp(lambda a: (a ** 3).sum(), x)[1], F.jacobian(lambda a: a ** 3, x),
              F.hessian(lambda a: (a ** 3).sum(), x), F.jvp(lambda a: a ** 3, x, x.detach())[1],
              F.hvp(lambda a: (a ** 3).sum(), x, x.detach())[1]):
        assert not r.requires_grad
    assert x.grad is None


def test_works_under_no_grad():
    with tg.no_grad():
        J = F.jacobian(lambda a: a ** 2, t64([1.0, 2.0]))
    np.testing.assert_allclose(np_(J), np.diag([2.0, 4.0]))


def test_strict_false_zeros_and_strict_true_raises():
    x, y = t64([1.0, 2.0]), t64([3.0])
    f = lambda a, b: a * 2                       # independent of b
    _, vj = F.vjp(f, (x, y), t64([1.0, 1.0]))
    np.testing.assert_allclose(np_(vj[1]), [0.0])
    J = F.jacobian(f, (x, y))
    np.testing.assert_allclose(np_(J[1]), np.zeros((2, 1)))
    with pytest.raises(RuntimeError, match="independent of input 1"):
        F.vjp(f, (x, y), t64([1.0, 1.0]), strict=True)
    with pytest.raises(RuntimeError, match="independent of input 1"):
        F.jacobian(f, (x, y), strict=True)
    const = lambda a: tg.ones(2, dtype=tg.float64)
    np.testing.assert_allclose(np_(F.jacobian(const, x)), np.zeros((2, 2)))
    with pytest.raises(RuntimeError, match="does not require gradients"):
        F.jacobian(const, x, strict=True)
    # linear function: hessian zero; strict rejects it
    np.testing.assert_allclose(np_(F.hessian(lambda a: (a * 3).sum(), x)), np.zeros((2, 2)))
    with pytest.raises(RuntimeError, match="independent of the input|jacobian"):
        F.hessian(lambda a: (a * 3).sum(), x, strict=True)


def test_hessian_requires_scalar_output():
    with pytest.raises(RuntimeError, match="single element"):
        F.hessian(lambda a: a ** 2, t64([1.0, 2.0]))


# -- autograd.functional vs torch --------------------------------------------------------------

def test_functional_matches_torch():
    torch = pytest.importorskip("torch")
    TF = torch.autograd.functional
    T = lambda a: torch.tensor(np.asarray(a, dtype=np.float64))
    A, tA = t64(A_NP), T(A_NP)
    np.testing.assert_allclose(np_(F.jacobian(tanh_ax_x(tg, A), t64(X_NP))),
                               TF.jacobian(tanh_ax_x(torch, tA), T(X_NP)).numpy(), rtol=1e-12)
    np.testing.assert_allclose(np_(F.hessian(rosen, t64(R_NP))),
                               TF.hessian(rosen, T(R_NP)).numpy(), rtol=1e-12)
    for ours, theirs in ((F.hvp, TF.hvp), (F.vhp, TF.vhp)):
        a, b = ours(rosen, t64(R_NP), t64(V6_NP)), theirs(rosen, T(R_NP), T(V6_NP))
        for p, q in zip(a, b):
            np.testing.assert_allclose(np_(p), q.numpy(), rtol=1e-12)
    v_in, v_out = RNG.standard_normal(3), RNG.standard_normal(4)
    a = F.jvp(tanh_ax_x(tg, A), t64(X_NP), t64(v_in))
    b = TF.jvp(tanh_ax_x(torch, tA), T(X_NP), T(v_in))
    np.testing.assert_allclose(np_(a[1]), b[1].numpy(), rtol=1e-12)
    a = F.vjp(tanh_ax_x(tg, A), t64(X_NP), t64(v_out))
    b = TF.vjp(tanh_ax_x(torch, tA), T(X_NP), T(v_out))
    np.testing.assert_allclose(np_(a[1]), b[1].numpy(), rtol=1e-12)
    # tuple inputs & outputs: same nesting and shapes
    xs, ys = RNG.standard_normal((2, 3)), RNG.standard_normal(4)
    f_tg = lambda a, b: (a.sum() * b, a ** 2)
    ours = F.jacobian(f_tg, (t64(xs), t64(ys)))
    theirs = TF.jacobian(f_tg, (T(xs), T(ys)))
    for ro, rt in zip(ours, theirs):
        for p, q in zip(ro, rt):
            assert tuple(p.shape) == tuple(q.shape)
            np.testing.assert_allclose(np_(p), q.numpy(), rtol=1e-12)
    g = lambda a, b: (a ** 2).sum() * b.sum() + (a.sum() * b ** 3).sum()
    ours = F.hessian(g, (t64(xs), t64(ys)))
    theirs = TF.hessian(g, (T(xs), T(ys)))
    for ro, rt in zip(ours, theirs):
        for p, q in zip(ro, rt):
            assert tuple(p.shape) == tuple(q.shape)
            np.testing.assert_allclose(np_(p), q.numpy(), rtol=1e-12)


# -- tapegrad.func -----------------------------------------------------------------------------

def test_func_grad_nested_sin_to_order_4():
    x = t64(0.7)
    g1 = tf.grad(tg.sin)
    g2, g3, g4 = tf.grad(g1), tf.grad(tf.grad(g1)), tf.grad(tf.grad(tf.grad(g1)))
    expected = [math.cos(0.7), -math.sin(0.7), -math.cos(0.7), math.sin(0.7)]
    for fn, e in zip((g1, g2, g3, g4), expected):
        r = fn(x)
        assert not r.requires_grad
        np.testing.assert_allclose(np_(r), e, rtol=1e-12)


def test_func_no_perturbation_confusion_and_closures():
    x = t64(0.7)
    # d/dx [x * d/dy (x y)] = d/dx x^2 = 2x
    np.testing.assert_allclose(np_(tf.grad(lambda a: a * tf.grad(lambda y: a * y)(a))(x)), 1.4)
    c = t64(3.0)
    # inner variable is a constant; closure over the outer one: d/dx (2 x c) = 2c
    np.testing.assert_allclose(np_(tf.grad(lambda a: tf.grad(lambda y: a * y ** 2)(c))(x)), 6.0)


def test_func_grad_argnums_aux_and_value():
    x, y = t64([1.0, 2.0]), t64([3.0, 4.0])
    f = lambda a, b: (a * b ** 2).sum()
    gx, gy = tf.grad(f, argnums=(0, 1))(x, y)
    np.testing.assert_allclose(np_(gx), [9, 16])
    np.testing.assert_allclose(np_(gy), [6, 16])
    np.testing.assert_allclose(np_(tf.grad(f, argnums=1)(x, y)), [6, 16])
    g, (v, aux) = tf.grad_and_value(lambda a: ((a ** 2).sum(), "aux"), has_aux=True)(x)
    np.testing.assert_allclose(np_(g), [2, 4])
    np.testing.assert_allclose(np_(v), 5.0)
    assert aux == "aux"
    g, aux = tf.grad(lambda a: ((a ** 2).sum(), a * 0), has_aux=True)(x)
    np.testing.assert_allclose(np_(g), [2, 4])
    np.testing.assert_allclose(np_(tf.grad(lambda a, b: (a * 2).sum())(x, y)), [2, 2])
    np.testing.assert_allclose(np_(tf.grad(f, argnums=1)(x, y)), [6, 16])
    # unused argument -> zeros
    np.testing.assert_allclose(np_(tf.grad(lambda a, b: a.sum(), argnums=1)(x, y)), [0, 0])
    with pytest.raises(RuntimeError, match="scalar"):
        tf.grad(lambda a: a * 2)(x)


def test_func_vjp_and_reuse():
    x, y = t64([1.0, 2.0]), t64([3.0, 4.0])
    out, fn = tf.vjp(lambda a, b: a * b, x, y)
    np.testing.assert_allclose(np_(out), [3, 8])
    for _ in range(2):
        gx, gy = fn(t64([1.0, 10.0]))
        np.testing.assert_allclose(np_(gx), [3, 40])
        np.testing.assert_allclose(np_(gy), [1, 20])
    assert not out.requires_grad and not gx.requires_grad


def test_func_jacrev_jacfwd_hessian_closed_forms():
    A = t64(A_NP)
    J = tf.jacrev(tanh_ax_x(tg, A))(t64(X_NP))
    np.testing.assert_allclose(np_(J), tanh_jac_np(A_NP, X_NP), rtol=1e-12)
    np.testing.assert_allclose(np_(tf.jacfwd(tanh_ax_x(tg, A))(t64(X_NP))), np_(J))
    H = tf.hessian(rosen)(t64(R_NP))
    np.testing.assert_allclose(np_(H), rosen_hess_np(R_NP), rtol=1e-10)
    assert not H.requires_grad
    # hessian == jacrev(grad)
    np.testing.assert_allclose(np_(tf.jacrev(tf.grad(rosen))(t64(R_NP))), np_(H), rtol=1e-12)
    x, y = t64([1.0, 2.0]), t64([3.0])
    Jx, Jy = tf.jacrev(lambda a, b: a * b, argnums=(0, 1))(x, y)
    assert tuple(Jx.shape) == (2, 2) and tuple(Jy.shape) == (2, 1)
    np.testing.assert_allclose(np_(Jy), [[1.0], [2.0]])


def test_func_composes_with_outer_autograd():
    x = t64(0.3, rg=True)
    g = tf.grad(tg.sin)(x)                    # cos(x), connected to x's graph
    assert g.requires_grad
    (d,) = tg.autograd.grad(g, x)
    np.testing.assert_allclose(np_(d), -math.sin(0.3))


def test_func_matches_torch_func():
    torch = pytest.importorskip("torch")
    T = lambda a: torch.tensor(np.asarray(a, dtype=np.float64))
    A, tA = t64(A_NP), T(A_NP)
    np.testing.assert_allclose(np_(tf.jacrev(tanh_ax_x(tg, A))(t64(X_NP))),
                               torch.func.jacrev(tanh_ax_x(torch, tA))(T(X_NP)).numpy(), rtol=1e-12)
    np.testing.assert_allclose(np_(tf.hessian(rosen)(t64(R_NP))),
                               torch.func.hessian(rosen)(T(R_NP)).numpy(), rtol=1e-12)
    np.testing.assert_allclose(np_(tf.grad(rosen)(t64(R_NP))),
                               torch.func.grad(rosen)(T(R_NP)).numpy(), rtol=1e-12)
    g4 = tf.grad(tf.grad(tf.grad(tf.grad(tg.sin))))(t64(1.1))
    tg4 = torch.func.grad(torch.func.grad(torch.func.grad(torch.func.grad(torch.sin))))(T(1.1))
    np.testing.assert_allclose(np_(g4), tg4.numpy(), rtol=1e-12)
    out, fn = tf.vjp(tanh_ax_x(tg, A), t64(X_NP))
    tout, tfn = torch.func.vjp(tanh_ax_x(torch, tA), T(X_NP))
    v = RNG.standard_normal(4)
    np.testing.assert_allclose(np_(fn(t64(v))[0]), tfn(T(v))[0].numpy(), rtol=1e-12)
    f = lambda a, b: (a.sum() * b, a ** 2)
    xs, ys = RNG.standard_normal((2, 3)), RNG.standard_normal(4)
    ours = tf.jacrev(f, argnums=(0, 1))(t64(xs), t64(ys))
    theirs = torch.func.jacrev(f, argnums=(0, 1))(T(xs), T(ys))
    for ro, rt in zip(ours, theirs):
        for p, q in zip(ro, rt):
            assert tuple(p.shape) == tuple(q.shape)
            np.testing.assert_allclose(np_(p), q.numpy(), rtol=1e-12)
