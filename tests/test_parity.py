"""Values, gradients and grad_fn names against torch on the same float64 inputs."""
from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")
import tapegrad as tg  # noqa: E402

_rng = np.random.default_rng(7)
A = _rng.uniform(-1, 1, (3, 4))
B = _rng.uniform(-1, 1, (3, 4))
POS = _rng.uniform(0.5, 2.0, (3, 4))
V4 = _rng.uniform(-1, 1, 4)
M45 = _rng.uniform(-1, 1, (4, 5))
B234 = _rng.uniform(-1, 1, (2, 3, 4))
MASK = A > 0

# name -> (fn(m, *tensors), inputs)
CASES = {
    "add": (lambda m, a, b: a + b, [A, B]),
    "add_bcast": (lambda m, a, v: a + v, [A, V4]),
    "sub": (lambda m, a, b: a - b, [A, B]),
    "rsub": (lambda m, a: 2 - a, [A]),
    "mul": (lambda m, a, b: a * b, [A, B]),
    "div": (lambda m, a, b: a / b, [A, POS]),
    "neg": (lambda m, a: -a, [A]),
    "pow": (lambda m, a: a ** 3, [A]),
    "pow_tensor": (lambda m, a, b: a ** b, [POS, B]),
    "rpow": (lambda m, a: 2 ** a, [A]),
    "exp": (lambda m, a: a.exp(), [A]),
    "log": (lambda m, a: m.log(a), [POS]),
    "sqrt": (lambda m, a: a.sqrt(), [POS]),
    "rsqrt": (lambda m, a: m.rsqrt(a), [POS]),
    "sin": (lambda m, a: m.sin(a), [A]),
    "tanh": (lambda m, a: a.tanh(), [A]),
    "sigmoid": (lambda m, a: m.sigmoid(a), [A]),
    "relu": (lambda m, a: m.relu(a), [A]),
    "abs": (lambda m, a: a.abs(), [A]),
    "clamp": (lambda m, a: a.clamp(-0.5, 0.5), [A]),
    "clamp_min": (lambda m, a: a.clamp(min=0.1), [A]),
    "maximum": (lambda m, a, b: m.maximum(a, b), [A, B]),
    "where": (lambda m, a, b: m.where(m.tensor(MASK), a, b), [A, B]),
    "sum": (lambda m, a: a.sum(), [A]),
    "sum_dim": (lambda m, a: a.sum(1, keepdim=True), [A]),
    "mean": (lambda m, a: a.mean(), [A]),
    "mean_dim": (lambda m, a: a.mean(0), [A]),
    "prod": (lambda m, a: a.prod(), [POS]),
    "prod_dim": (lambda m, a: a.prod(1), [POS]),
    "max": (lambda m, a: a.max(), [A]),
    "max_dim": (lambda m, a: a.max(1).values, [A]),
    "amax": (lambda m, a: m.amax(a, 0), [A]),
    "cumsum": (lambda m, a: a.cumsum(1), [A]),
    "norm": (lambda m, a: a.norm(), [A]),
    "var": (lambda m, a: a.var(1), [A]),
    "std": (lambda m, a: a.std(), [A]),
    "logsumexp": (lambda m, a: m.logsumexp(a, 1), [A]),
    "softmax": (lambda m, a: m.softmax(a, 1), [A]),
    "log_softmax": (lambda m, a: m.log_softmax(a, 0), [A]),
    "dot": (lambda m, a, b: m.dot(a, b), [V4, V4 * 2]),
    "mv": (lambda m, a, v: m.mv(a, v), [A, V4]),
    "mm": (lambda m, a, b: a.mm(b), [A, M45]),
    "matmul_batched": (lambda m, a, b: a @ b, [B234, M45]),
    "matmul_vec": (lambda m, a, v: a @ v, [B234, V4]),
    "outer": (lambda m, a, b: m.outer(a, b), [V4, V4]),
    "reshape": (lambda m, a: a.reshape(2, 6), [A]),
    "view": (lambda m, a: a.view(-1), [A]),
    "squeeze": (lambda m, a: a.unsqueeze(0).squeeze(0), [A]),
    "unsqueeze": (lambda m, a: a.unsqueeze(1), [A]),
    "permute": (lambda m, a: a.permute(2, 0, 1), [B234]),
    "transpose": (lambda m, a: a.transpose(0, 1), [A]),
    "t": (lambda m, a: a.t(), [A]),
    "expand": (lambda m, a: a.expand(2, 4), [V4]),
    "repeat": (lambda m, a: a.repeat(2, 1), [A]),
    "cat": (lambda m, a, b: m.cat([a, b], 1), [A, B]),
    "stack": (lambda m, a, b: m.stack([a, b]), [A, B]),
    "index_int": (lambda m, a: a[1], [A]),
    "index_slice": (lambda m, a: a[:, 1:3], [A]),
    "index_list": (lambda m, a: a[[0, 2]], [A]),
    "index_mask": (lambda m, a: a[m.tensor(MASK)], [A]),
    "index_none": (lambda m, a: a[None], [A]),
    "narrow": (lambda m, a: a.narrow(1, 1, 2), [A]),
    "flip": (lambda m, a: a.flip(0), [A]),
    "clone": (lambda m, a: a.clone(), [A]),
    "to_float32": (lambda m, a: a.to(m.float32), [A]),
    "trace": (lambda m, a: m.trace(a), [A]),
    "tril": (lambda m, a: m.tril(a), [A]),
    "split": (lambda m, a: a.split(2, 1)[1], [A]),
    "unbind": (lambda m, a: a.unbind(0)[2], [A]),
}


def _run(m, name):
    fn, arrays = CASES[name]
    xs = [m.tensor(a, dtype=m.float64, requires_grad=True) for a in arrays]
    y = fn(m, *xs)
    g = np.random.default_rng(1).standard_normal(tuple(y.shape))
    y.backward(m.tensor(g, dtype=y.dtype))
    return y, xs


@pytest.mark.parametrize("name", sorted(CASES))
def test_parity(name):
    ty, txs = _run(torch, name)
    gy, gxs = _run(tg, name)
    assert tuple(gy.shape) == tuple(ty.shape)
    assert str(gy.dtype).split(".")[-1] == str(ty.dtype).split(".")[-1]
    np.testing.assert_allclose(gy.detach().numpy(), ty.detach().numpy(), rtol=1e-6, atol=1e-12)
    assert gy.grad_fn.name() == ty.grad_fn.name()
    for gx, tx in zip(gxs, txs):
        if tx.grad is None:
            assert gx.grad is None
            continue
        np.testing.assert_allclose(gx.grad.numpy(), tx.grad.numpy(), rtol=1e-6, atol=1e-12)


@pytest.mark.parametrize("name", ["mul", "exp", "softmax", "mm", "prod_dim", "norm", "var", "logsumexp", "matmul_batched", "sigmoid"])
def test_parity_second_order(name):
    fn, arrays = CASES[name]
    res = []
    for m in (torch, tg):
        xs = [m.tensor(a, dtype=m.float64, requires_grad=True) for a in arrays]
        y = fn(m, *xs)
        v = m.tensor(np.random.default_rng(2).standard_normal(tuple(y.shape)), dtype=m.float64)
        gs = m.autograd.grad(y, xs, v, create_graph=True)
        s = sum((g * g).sum() for g in gs)
        hs = m.autograd.grad(s, xs, allow_unused=True)
        res.append([None if h is None else h.detach().numpy() for h in hs])
    for t, g in zip(*res):
        if t is None or g is None:
            assert t is None or np.allclose(t, 0)
            assert g is None or np.allclose(g, 0)
        else:
            np.testing.assert_allclose(g, t, rtol=1e-6, atol=1e-12)
