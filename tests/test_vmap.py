"""tapegrad.func.vmap: every registry op against a per-example loop, autograd through and inside
vmap, nesting, in_dims/out_dims pytrees, torch's error messages, randomness, vectorised Jacobians.

References are never values computed by vmap itself: a Python loop over the examples applying the
same function, closed forms, or real torch where it is installed.
"""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

import tapegrad as tg
from tapegrad._vmap import BatchedTensor, _rules, fallback_ops
from tapegrad.func import grad, hessian, jacfwd, jacrev, vjp, vmap

from test_gradcheck import CASES, _make_any

try:
    import torch
    import torch.func as tfunc
except ImportError:  # pragma: no cover - torch is optional
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="torch not installed")
B = 3


def _leaves(out):
    if isinstance(out, (tuple, list)):
        return [x for o in out for x in _leaves(o)]
    return [out]


def _batch(specs, seed):
    """B examples of each input, stacked along dim 0 (as arrays)."""
    examples = [_make_any(specs, seed=seed + 10 * b) for b in range(B)]
    return [np.stack([ex[k] for ex in examples]) for k in range(len(specs))]


def _loop(fn, arrays, in_dims):
    """The reference: ``fn`` on each example, outputs stacked along dim 0."""
    per_example = []
    for b in range(B):
        args = [tg.tensor(np.take(a, b, axis=d)) if d is not None else tg.tensor(a)
                for a, d in zip(arrays, in_dims)]
        per_example.append(_leaves(fn(*args)))
    return [np.stack([ex[k].numpy() for ex in per_example]) for k in range(len(per_example[0]))]


def _cases(exclude=frozenset()):
    for name, (fn, shapes) in CASES.items():
        if name in exclude:
            continue
        for i in range(len(shapes)):
            yield pytest.param(name, i, id=f"{name}-{i}")


# Writing into a tensor made inside the function with a batched value is refused (as in torch).
WRITES_INTO_UNBATCHED = {"setitem_basic", "setitem_adv", "iadd_into_constant_slice"}


@pytest.mark.parametrize("name,i", list(_cases()))
def test_every_case_matches_a_loop(name, i):
    fn, shapes = CASES[name]
    arrays = _batch(shapes[i], seed=i + 1)
    dims = [0] * len(arrays)
    if name in WRITES_INTO_UNBATCHED:
        dims = [0] + [None] * (len(arrays) - 1)
        arrays = [arrays[0]] + [a[0] for a in arrays[1:]]
    got = _leaves(vmap(fn, in_dims=tuple(dims))(*[tg.tensor(a) for a in arrays]))
    want = _loop(fn, arrays, dims)
    assert len(got) == len(want)
    for g, w in zip(got, want):
        assert type(g) is tg.Tensor
        assert tuple(g.shape) == w.shape
        np.testing.assert_allclose(g.numpy(), w, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name,i", list(_cases()))
def test_first_input_mapped_along_its_last_dim(name, i):
    """in_dims=-1 for the first argument, the others unbatched (mixed operands)."""
    fn, shapes = CASES[name]
    first = _batch(shapes[i][:1], seed=i + 1)[0]
    first = np.moveaxis(first, 0, -1).copy()
    rest = _make_any(shapes[i][1:], seed=i + 7)
    arrays = [first] + rest
    dims = [-1] + [None] * len(rest)
    got = _leaves(vmap(fn, in_dims=tuple(dims))(*[tg.tensor(a) for a in arrays]))
    want = _loop(fn, arrays, dims)
    for g, w in zip(got, want):
        np.testing.assert_allclose(g.numpy(), w, rtol=1e-12, atol=1e-12)


# (the cases writing into an unbatched tensor are covered with an unbatched value above)
@pytest.mark.parametrize("name,i", list(_cases(exclude=WRITES_INTO_UNBATCHED)))
def test_gradient_through_vmap_matches_loop(name, i):
    """autograd.grad of vmap(fn)'s outputs = the loop's gradients (autograd on physical values)."""
    fn, shapes = CASES[name]
    arrays = _batch(shapes[i], seed=i + 1)
    rng = np.random.default_rng(i)
    xs = [tg.tensor(a, requires_grad=True) for a in arrays]
    outs = [o for o in _leaves(vmap(fn)(*xs)) if o.dtype == tg.float64]
    vs = [tg.tensor(rng.standard_normal(tuple(o.shape))) for o in outs]
    got = tg.autograd.grad(outs, xs, vs, allow_unused=True)
    for k, x in enumerate(xs):
        want = np.zeros(arrays[k].shape)
        for b in range(B):
            xb = [tg.tensor(a[b], requires_grad=True) for a in arrays]
            ob = [o for o in _leaves(fn(*xb)) if o.dtype == tg.float64]
            gb = tg.autograd.grad(ob, xb, [v[b] for v in vs], allow_unused=True)
            if gb[k] is not None:
                want[b] = gb[k].numpy()
        have = np.zeros(arrays[k].shape) if got[k] is None else got[k].numpy()
        np.testing.assert_allclose(have, want, rtol=1e-10, atol=1e-12)


@pytest.fixture
def always_batched(monkeypatch):
    """Jacobians of every size by the batched backward pass (small ones default to a loop)."""
    import tapegrad._vmap as module
    monkeypatch.setattr(module, "BATCHED_FROM", 1)


@pytest.mark.parametrize("name,i", list(_cases()))
def test_jacrev_matches_row_by_row_backward(name, i, always_batched):
    """jacrev's one batched backward pass = one ordinary backward pass per output element."""
    fn, shapes = CASES[name]
    arrays = _make_any(shapes[i], seed=i + 1)

    def f(*xs):
        return tuple(o for o in _leaves(fn(*xs)) if o.dtype == tg.float64)

    argnums = tuple(range(len(arrays)))
    got = jacrev(f, argnums=argnums)(*[tg.tensor(a) for a in arrays])
    xs = [tg.tensor(a, requires_grad=True) for a in arrays]
    outs = f(*xs)
    for k, o in enumerate(outs):
        flat = o.reshape(-1)
        for j, x in enumerate(xs):
            rows = []
            for e in range(flat.numel()):
                g = tg.autograd.grad(flat[e], x, retain_graph=True, allow_unused=True)[0]
                rows.append(np.zeros(x.shape) if g is None else g.numpy())
            want = np.array(rows).reshape(tuple(o.shape) + tuple(x.shape))
            np.testing.assert_allclose(got[k][j].numpy(), want, rtol=1e-10, atol=1e-12)


INDEXINGS = [
    lambda a, i: a[i],
    lambda a, i: a[i, 1:],
    lambda a, i: a[i, i],
    lambda a, i: a[:, i[0]],
    lambda a, i: a[1, i],
    lambda a, i: a[:, i],
    lambda a, i: a[[0, 2], i],
]


@pytest.mark.parametrize("k", range(len(INDEXINGS)))
def test_indexing_with_batched_index_tensors(k):
    """Each example indexed by its own index tensor: values and gradients = a loop."""
    rng = np.random.default_rng(16)
    x = tg.tensor(rng.standard_normal((B, 4, 4)), requires_grad=True)
    idx = tg.tensor(np.array([[0, 1], [3, 3], [2, 0]]))
    f = INDEXINGS[k]
    got = vmap(f)(x, idx)
    want = tg.stack([f(x[b], idx[b]) for b in range(B)])
    np.testing.assert_allclose(got.detach().numpy(), want.detach().numpy())
    seed = tg.tensor(rng.standard_normal(tuple(got.shape)))
    g1 = tg.autograd.grad(got, x, seed)[0]
    g2 = tg.autograd.grad(want, x, seed)[0]
    np.testing.assert_allclose(g1.numpy(), g2.numpy())
    captured = vmap(lambda i: f(x[0], i))(idx)  # an unbatched tensor indexed by a batched index
    np.testing.assert_allclose(captured.detach().numpy(),
                               tg.stack([f(x[0], idx[b]) for b in range(B)]).detach().numpy())


SELECTIONS = {
    "gather": lambda a, i: tg.gather(a, 1, i),
    "gather0": lambda a, i: a.gather(0, i),
    "scatter_add": lambda a, i: tg.scatter_add(a, 1, i, a[:, 1:3] * 2),
    "index_select": lambda a, i: tg.index_select(a, 1, i[0]),
    "index_select0": lambda a, i: a.index_select(0, i[:, 1]),
    "index_select_0d": lambda a, i: a.index_select(1, i[1, 0]),
    "sort_then_gather": lambda a, i: tg.gather(tg.sort(a, 0).values, 1, i),
    "topk_indices": lambda a, i: tg.gather(a, 1, tg.topk(a, 2).indices) * tg.gather(a, 1, i),
}


@pytest.mark.parametrize("dims", [(0, 0), (None, 0), (0, None)], ids=["both", "index", "input"])
@pytest.mark.parametrize("name", sorted(SELECTIONS))
def test_selecting_with_batched_index_tensors(name, dims):
    """gather / scatter_add / index_select with an index per example (or one for all, or one
    input for all): values and gradients = a loop over the examples."""
    rng = np.random.default_rng(17)
    x = tg.tensor(rng.standard_normal((B, 3, 4)), requires_grad=True)
    idx = tg.tensor(rng.integers(0, 3, (B, 3, 2)))
    f = SELECTIONS[name]
    args = [x if dims[0] == 0 else x[0], idx if dims[1] == 0 else idx[0]]
    got = vmap(f, in_dims=dims)(*args)
    want = tg.stack([f(*[a[b] if d == 0 else a for a, d in zip(args, dims)]) for b in range(B)])
    np.testing.assert_allclose(got.detach().numpy(), want.detach().numpy(), rtol=1e-12)
    seed = tg.tensor(rng.standard_normal(tuple(got.shape)))
    g1 = tg.autograd.grad(got, x, seed)[0]
    g2 = tg.autograd.grad(want, x, seed)[0]
    np.testing.assert_allclose(g1.numpy(), g2.numpy(), rtol=1e-12)


# -- per-example gradients and composition ---------------------------------------------------
def _data(seed=0, n=5, d=3):
    rng = np.random.default_rng(seed)
    return (tg.tensor(rng.standard_normal(d)), tg.tensor(rng.standard_normal((n, d))),
            tg.tensor(rng.standard_normal(n)))


def loss(w, x, y):
    return (tg.tanh(x @ w) - y) ** 2


def test_per_example_gradients_closed_form():
    w, X, Y = _data()
    got = vmap(grad(loss), in_dims=(None, 0, 0))(w, X, Y)
    t = np.tanh(X.numpy() @ w.numpy())
    want = (2 * (t - Y.numpy()) * (1 - t * t))[:, None] * X.numpy()
    np.testing.assert_allclose(got.numpy(), want, rtol=1e-12)
    assert got.shape == (5, 3) and not got.requires_grad


def test_per_example_gradients_of_a_captured_batched_tensor():
    """grad inside vmap with respect to an unbatched argument that meets a batched one."""
    w, X, Y = _data(1)
    got = vmap(lambda x, y: grad(lambda w: loss(w, x, y))(w))(X, Y)
    want = tg.stack([grad(loss)(w, X[b], Y[b]) for b in range(5)])
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-12)


def test_grad_of_vmap():
    w, X, Y = _data(2)
    got = grad(lambda w: vmap(loss, in_dims=(None, 0, 0))(w, X, Y).sum())(w)
    want = sum(grad(loss)(w, X[b], Y[b]) for b in range(5))
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-12)


def test_grad_of_vmap_of_grad():
    w, X, Y = _data(3)
    got = grad(lambda w: vmap(grad(loss), in_dims=(None, 0, 0))(w, X, Y).sum())(w)
    want = sum(grad(lambda w: grad(loss)(w, X[b], Y[b]).sum())(w) for b in range(5))
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-10)


def test_vmap_of_jacrev_and_hessian(always_batched):
    w, X, _ = _data(4)
    f = lambda x: tg.sin(x) * (x @ w)  # noqa: E731
    got = vmap(jacrev(f))(X)
    want = tg.stack([jacrev(f)(X[b]) for b in range(5)])
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-12)
    h = vmap(hessian(lambda x: (x ** 3).sum() * x[0]))(X)
    for b in range(5):
        x = X[b].numpy()
        closed = np.diag(6 * x * x[0])
        closed[0, :] += 3 * x ** 2
        closed[:, 0] += 3 * x ** 2
        np.testing.assert_allclose(h[b].numpy(), closed, rtol=1e-12)


def test_nested_vmap():
    x = tg.tensor(np.random.default_rng(5).standard_normal((2, 3, 4)))
    got = vmap(vmap(lambda a: a * a.sum() + a.max()))(x)
    a = x.numpy()
    want = a * a.sum(-1, keepdims=True) + a.max(-1, keepdims=True)
    np.testing.assert_allclose(got.numpy(), want, rtol=1e-12)
    outer = vmap(lambda r: vmap(lambda c: r @ c, in_dims=1)(x[0].t()), in_dims=0)(x[1])
    np.testing.assert_allclose(outer.numpy(), a[1] @ a[0].T, rtol=1e-12)


def test_nested_vmap_of_grad():
    x = tg.tensor(np.random.default_rng(6).standard_normal((2, 3, 4)))
    got = vmap(vmap(grad(lambda v: (v.sin() * v).sum())))(x)
    a = x.numpy()
    np.testing.assert_allclose(got.numpy(), np.cos(a) * a + np.sin(a), rtol=1e-12)


def test_vjp_fn_under_vmap_is_a_batch_of_vjps():
    x = tg.tensor(np.random.default_rng(7).standard_normal(4))
    out, vjp_fn = vjp(lambda v: v.exp() * v.sum(), x)
    cts = tg.eye(4, dtype=tg.float64)
    got = vmap(vjp_fn)(cts)[0]
    want = tg.stack([vjp_fn(cts[i])[0] for i in range(4)])
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-12)


@needs_torch
def test_jacrev_jacfwd_hessian_agree_with_torch(always_batched):
    rng = np.random.default_rng(8)
    A = rng.standard_normal((4, 3))
    x = rng.standard_normal(3)
    f = lambda T, a: lambda v: T.tanh(a @ v) * v.sum()  # noqa: E731
    tg_x, t_x = tg.tensor(x), torch.tensor(x)
    for ours, theirs in ((jacrev, tfunc.jacrev), (jacfwd, tfunc.jacfwd)):
        np.testing.assert_allclose(ours(f(tg, tg.tensor(A)))(tg_x).numpy(),
                                   theirs(f(torch, torch.tensor(A)))(t_x).numpy(), rtol=1e-12)
    g = lambda T: lambda v: (T.sin(v) * v).sum() * v[0]  # noqa: E731
    np.testing.assert_allclose(hessian(g(tg))(tg_x).numpy(), tfunc.hessian(g(torch))(t_x).numpy(),
                               rtol=1e-12)


def _compositions(T):
    F = T.func
    rng = np.random.default_rng(17)
    A, x = T.tensor(rng.standard_normal((5, 5))), T.tensor(rng.standard_normal(5))
    f = lambda v: T.tanh(A @ v) * v  # noqa: E731
    return [
        F.grad(lambda v: F.jacrev(f)(v).sum())(x),
        F.jacrev(F.jacrev(f))(x),
        F.vmap(F.hessian(lambda v: (f(v) ** 2).sum()))(A),
        F.grad(lambda v: F.vmap(F.grad(lambda r: T.sin(r * v).sum()))(A).sum())(x),
        F.jacrev(lambda v: F.vmap(lambda r: r @ v)(A))(x),
        F.vmap(F.jacrev(lambda r, v: (r * v).cumsum(0)), in_dims=(0, None))(A, x),
        F.vmap(lambda r: F.vmap(lambda c: (r * c).softmax(0))(A))(A).sum(0),
    ]


@needs_torch
@pytest.mark.parametrize("batched", [False, True])
def test_compositions_agree_with_torch(batched, monkeypatch):
    import tapegrad._vmap as module
    if batched:
        monkeypatch.setattr(module, "BATCHED_FROM", 1)
    for ours, theirs in zip(_compositions(tg), _compositions(torch)):
        assert tuple(ours.shape) == tuple(theirs.shape)
        np.testing.assert_allclose(ours.numpy(), theirs.detach().numpy(), rtol=1e-10, atol=1e-12)


def test_jacrev_tuple_outputs_and_chunks(always_batched):
    x = tg.tensor([0.3, -1.2, 2.0])
    f = lambda v: (v * v, v.sum().reshape(1), v.prod())  # noqa: E731
    whole = jacrev(f)(x)
    chunked = jacrev(f, chunk_size=2)(x)
    xv = x.numpy()
    want = (np.diag(2 * xv), np.ones((1, 3)), np.array([xv[1] * xv[2], xv[0] * xv[2], xv[0] * xv[1]]))
    for w_, a, c in zip(want, whole, chunked):
        np.testing.assert_allclose(a.numpy(), w_, rtol=1e-12)
        np.testing.assert_allclose(c.numpy(), w_, rtol=1e-12)


def test_functional_jacobian_and_hessian_vectorized(always_batched):
    from tapegrad.autograd.functional import hessian as fhessian, jacobian
    rng = np.random.default_rng(9)
    A = tg.tensor(rng.standard_normal((5, 4)))
    x, y = tg.tensor(rng.standard_normal(4)), tg.tensor(rng.standard_normal(5))
    f = lambda a, b: (tg.tanh(A @ a) * b, a.sum() * b[:2])  # noqa: E731
    loop = jacobian(f, (x, y))
    vec = jacobian(f, (x, y), vectorize=True)
    for r1, r2 in zip(loop, vec):
        for a, b in zip(r1, r2):
            assert a.shape == b.shape
            np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-12)
    s = lambda v: (v.sin() * v).sum()  # noqa: E731
    np.testing.assert_allclose(fhessian(s, x, vectorize=True).numpy(),
                               fhessian(s, x).numpy(), rtol=1e-12)
    with pytest.raises(RuntimeError, match="independent of input 1"):
        jacobian(lambda a, b: a * 2, (x, x), strict=True, vectorize=True)


@needs_torch
def test_is_grads_batched_matches_torch():
    x = np.random.default_rng(10).standard_normal(3)
    ours = tg.tensor(x, requires_grad=True)
    theirs = torch.tensor(x, requires_grad=True)
    seeds = np.random.default_rng(11).standard_normal((4, 3))
    (g,) = tg.autograd.grad(ours.sin() * ours, ours, tg.tensor(seeds), is_grads_batched=True)
    (h,) = torch.autograd.grad(theirs.sin() * theirs, theirs, torch.tensor(seeds),
                               is_grads_batched=True)
    np.testing.assert_allclose(g.numpy(), h.numpy(), rtol=1e-12)
    with pytest.raises(RuntimeError, match="If `is_grads_batched=True`, we interpret the first"):
        tg.autograd.grad(ours.sin(), ours, tg.ones(3), is_grads_batched=True)


# -- in_dims, out_dims, pytrees, chunks --------------------------------------------------------
def test_pytree_inputs_and_outputs():
    rng = np.random.default_rng(12)
    a, b, c = (tg.tensor(rng.standard_normal(s)) for s in ((3, 2), (2,), (2, 3)))

    def f(pair, d):
        x, y = pair
        return {"sum": x + y + d["c"], "x": [x]}

    out = vmap(f, in_dims=((0, None), {"c": 1}))((a, b), {"c": c})
    np.testing.assert_allclose(out["sum"].numpy(), a.numpy() + b.numpy() + c.numpy().T)
    np.testing.assert_allclose(out["x"][0].numpy(), a.numpy())
    out = vmap(lambda x: (x, x.sum()), out_dims=(1, 0))(a)
    np.testing.assert_allclose(out[0].numpy(), a.numpy().T)
    np.testing.assert_allclose(out[1].numpy(), a.numpy().sum(1))


def test_out_dims_none_and_unbatched_outputs():
    x = tg.tensor(np.arange(6.0).reshape(3, 2))
    const, same = vmap(lambda v: (tg.ones(2), 7), out_dims=(0, None))(x)
    assert tuple(const.shape) == (3, 2) and same == 7
    np.testing.assert_array_equal(vmap(lambda v: v, out_dims=-1)(x).numpy(), x.numpy().T)


def test_chunk_size_gives_the_same_result():
    x = tg.tensor(np.random.default_rng(13).standard_normal((7, 3)))
    f = lambda v: (v.softmax(0), v.max())  # noqa: E731
    for a, b in zip(vmap(f, chunk_size=3)(x), vmap(f)(x)):
        np.testing.assert_allclose(a.numpy(), b.numpy())


def test_empty_batch():
    x = tg.zeros(0, 3)
    out = vmap(lambda v: v.sum() * v)(x)
    assert tuple(out.shape) == (0, 3)


def test_kwargs_are_not_mapped():
    x = tg.tensor([[1.0, 2.0], [3.0, 4.0]])
    out = vmap(lambda v, *, scale: v * scale)(x, scale=tg.tensor([10.0, 100.0]))
    np.testing.assert_array_equal(out.numpy(), x.numpy() * [10.0, 100.0])


# -- batched tensors -----------------------------------------------------------------------------
def test_batched_tensor_shows_one_example():
    seen = {}

    def f(v):
        seen.update(shape=v.shape, size=v.size(-1), dim=v.dim(), ndim=v.ndim, numel=v.numel(),
                    len=len(v), cls=type(v), text=repr(v), dtype=v.dtype)
        return v

    x = tg.tensor(np.arange(24.0).reshape(2, 3, 4))
    vmap(f, in_dims=1)(x)
    assert seen["shape"] == tg.Size([2, 4]) and seen["size"] == 4 and seen["dim"] == 2
    assert seen["ndim"] == 2 and seen["numel"] == 8 and seen["len"] == 2
    assert seen["cls"] is BatchedTensor and seen["dtype"] == tg.float64
    assert seen["text"].startswith("BatchedTensor(lvl=1, bdim=0, value=\n    tensor(")


def test_reading_data_inside_vmap_fails_loudly():
    x = tg.ones(3, 2)
    with pytest.raises(RuntimeError, match="reads the data of a batched tensor"):
        vmap(lambda v: v._data)(x)
    with pytest.raises(RuntimeError, match="reads the data of a batched tensor"):
        vmap(lambda v: tg.allclose(v, v))(x)
    with pytest.raises(RuntimeError, match="Cannot access data pointer"):
        vmap(lambda v: v.numpy())(x)


@needs_torch
@pytest.mark.parametrize("call", [
    lambda T, x: T.func.vmap(lambda v: v.sum().item())(x),
    lambda T, x: T.func.vmap(lambda v: float(v.sum()))(x),
    lambda T, x: T.func.vmap(lambda v: v if v.sum() > 0 else -v)(x),
    lambda T, x: T.func.vmap(lambda v: v.requires_grad_())(x),
    lambda T, x: T.func.vmap(lambda v: v.sum().backward())(x.clone().requires_grad_()),
    lambda T, x: T.func.vmap(lambda v: T.zeros(2).add_(v))(x),
])
def test_data_dependent_errors_match_torch(call):
    x = np.ones((3, 2))
    with pytest.raises(Exception) as theirs:
        call(torch, torch.tensor(x))
    with pytest.raises(Exception) as ours:
        call(tg, tg.tensor(x))
    assert type(ours.value) is type(theirs.value)
    assert str(ours.value) == str(theirs.value)


# -- errors ----------------------------------------------------------------------------------------
def _named(T, name):
    return T.sin if name == "sin" else getattr(T, name)


ERROR_CASES = [
    ("sizes", lambda T, x, y: T.func.vmap(T.add)(x, y)),
    ("in_dim range", lambda T, x, y: T.func.vmap(T.sin, in_dims=2)(x)),
    ("in_dim negative", lambda T, x, y: T.func.vmap(T.sin, in_dims=-3)(x)),
    ("in_dims structure", lambda T, x, y: T.func.vmap(T.sin, in_dims=(0, 1))(x)),
    ("in_dims nested", lambda T, x, y: T.func.vmap(lambda p: p[0] + p[1],
                                                   in_dims=((0, None, 0),))((x, x))),
    ("in_dims list vs tuple", lambda T, x, y: T.func.vmap(lambda p: p[0],
                                                          in_dims=([0, None],))((x, x))),
    ("in_dims dict keys", lambda T, x, y: T.func.vmap(lambda d: d["a"],
                                                      in_dims=({"b": 0},))({"a": x})),
    ("in_dims type", lambda T, x, y: T.func.vmap(T.sin, in_dims=[0])(x)),
    ("in_dims None", lambda T, x, y: T.func.vmap(T.sin, in_dims=None)(x)),
    ("in_dim float", lambda T, x, y: T.func.vmap(T.sin, in_dims=(0.5,))(x)),
    ("non-tensor input", lambda T, x, y: T.func.vmap(lambda a, n: a * n)(x, 2.0)),
    ("0-d input", lambda T, x, y: T.func.vmap(T.sin)(T.tensor(1.0))),
    ("no inputs", lambda T, x, y: T.func.vmap(T.sin)()),
    ("nothing mapped", lambda T, x, y: T.func.vmap(T.add, in_dims=(None, None))(x, x)),
    ("non-tensor output", lambda T, x, y: T.func.vmap(lambda a: 1.0)(x)),
    ("None output", lambda T, x, y: T.func.vmap(lambda a: (a, None))(x)),
    ("batched out_dim None", lambda T, x, y: T.func.vmap(lambda a: a, out_dims=(None,))(x)),
    ("out_dims structure", lambda T, x, y: T.func.vmap(lambda a: (a, a), out_dims=(0,))(x)),
    ("out_dims type", lambda T, x, y: T.func.vmap(T.sin, out_dims="a")(x)),
    ("out_dim range", lambda T, x, y: T.func.vmap(lambda a: a.sum(), out_dims=1)(x)),
    ("chunk_size", lambda T, x, y: T.func.vmap(T.sin, chunk_size=0)),
    ("randomness value", lambda T, x, y: T.func.vmap(T.sin, randomness="bogus")),
    ("random op", lambda T, x, y: T.func.vmap(lambda a: T.rand(4) + a)(x)),
    ("random like", lambda T, x, y: T.func.vmap(lambda a: T.rand_like(a))(x)),
    ("same with batched input", lambda T, x, y: T.func.vmap(lambda a: T.bernoulli(a.sigmoid()),
                                                            randomness="same")(x)),
]


@needs_torch
@pytest.mark.parametrize("name,call", ERROR_CASES, ids=[c[0] for c in ERROR_CASES])
def test_error_messages_match_torch(name, call):
    x, y = np.ones((3, 4)), np.ones((5, 4))
    with pytest.raises(Exception) as theirs:
        call(torch, torch.tensor(x), torch.tensor(y))
    with pytest.raises(Exception) as ours:
        call(tg, tg.tensor(x), tg.tensor(y))
    assert type(ours.value) is type(theirs.value)
    assert str(ours.value) == str(theirs.value)


def test_backward_on_a_batched_output_is_refused():
    w, X, Y = _data()
    wg = w.clone().requires_grad_()
    with pytest.raises(RuntimeError, match="cannot differentiate a batched output"):
        vmap(lambda x: tg.autograd.grad((x @ wg).sin(), wg))(X)


# -- randomness ----------------------------------------------------------------------------------
def test_randomness_same_and_different():
    x = tg.zeros(4, 3)
    tg.manual_seed(0)
    same = vmap(lambda v: v + tg.rand(3), randomness="same")(x)
    np.testing.assert_array_equal(same.numpy(), np.broadcast_to(same.numpy()[0], (4, 3)))
    tg.manual_seed(0)
    first = tg.rand(3).numpy()
    np.testing.assert_array_equal(same.numpy()[0], first)  # one draw, as outside vmap
    different = vmap(lambda v: v + tg.randn(3), randomness="different")(x)
    assert len({tuple(r) for r in different.numpy().tolist()}) == 4
    like = vmap(lambda v: tg.rand_like(v), randomness="same")(x)
    assert tuple(like.shape) == (4, 3) and np.all(like.numpy() == like.numpy()[0])
    probs = tg.tensor(np.linspace(0.0, 1.0, 12).reshape(4, 3))
    draws = vmap(tg.bernoulli, randomness="different")(probs)
    np.testing.assert_array_equal(draws.numpy()[0, 0], 0.0)  # p = 0
    np.testing.assert_array_equal(draws.numpy()[3, 2], 1.0)  # p = 1


# -- the fallback and its documentation ----------------------------------------------------------
def test_advanced_setitem_inside_vmap_runs_example_by_example():
    assert "index_put_advanced" in fallback_ops()
    rng = np.random.default_rng(15)
    x = tg.tensor(rng.standard_normal((B, 3, 4)), requires_grad=True)
    v = tg.tensor(rng.standard_normal((B, 2, 4)), requires_grad=True)

    def f(a, b):
        y = a * 1.0
        y[[0, 2]] = b.exp()
        return y

    got = vmap(f)(x, v)
    want = tg.stack([f(x[i], v[i]) for i in range(B)])
    np.testing.assert_allclose(got.detach().numpy(), want.detach().numpy())
    g1 = tg.autograd.grad(got.sum(), (x, v))
    g2 = tg.autograd.grad(want.sum(), (x, v))
    for a, b in zip(g1, g2):
        np.testing.assert_allclose(a.numpy(), b.numpy())


def test_fallback_runs_example_by_example(monkeypatch):
    """With the rules removed, ops run through the per-example loop and agree with the rules."""
    x = tg.tensor(np.random.default_rng(14).standard_normal((4, 3, 2)), requires_grad=True)
    f = lambda v: (v.sin() @ v.t()).split(1, 0)  # noqa: E731
    with_rules = vmap(f)(x)
    gr = tg.autograd.grad(with_rules[1].sum(), x)[0]
    monkeypatch.setattr(_rules, "RULES", {})
    monkeypatch.setattr(_rules, "KIND_RULES", {})
    assert "sin" in fallback_ops() and "split" in fallback_ops()
    looped = vmap(f)(x)
    for a, b in zip(looped, with_rules):
        np.testing.assert_allclose(a.numpy(force=True), b.numpy(force=True), rtol=1e-12)
    gl = tg.autograd.grad(looped[1].sum(), x)[0]
    np.testing.assert_allclose(gl.numpy(), gr.numpy(), rtol=1e-12)
    assert tuple(vmap(f)(tg.zeros(0, 3, 2))[0].shape) == (0, 1, 3)


def _documented_fallback(text: str) -> list[str]:
    match = re.search(r"Ops with no batching rule, which run example by example \([^)]*\):\s*"
                      r"(.*?)\.\n", text, re.S)
    assert match, "fallback list not found"
    return sorted(re.findall(r"``(\w+)``", match.group(1)))


def test_documented_fallback_list_is_current():
    import tapegrad._vmap as module
    assert _documented_fallback(module.__doc__) == fallback_ops()
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    assert _documented_fallback(readme) == fallback_ops()
