"""The timed workloads W1, W2, W3, W5, W6: each as a torch-like version and a NumPy floor.

Every ``w*_autograd(T)`` takes the library module (tapegrad or torch: same code for both) and
returns ``(step, grads)``: ``step()`` is one timed iteration, ``grads()`` the gradients (NumPy
arrays) at the initial state, checked against the floor's.  ``w*_numpy()`` is the floor: the
same maths in NumPy with a manually derived backward pass.  W4 (deep chain, peak memory) runs in
child processes and lives in ``run.py``.
"""
from __future__ import annotations

from types import ModuleType
from typing import Any, Callable

import numpy as np

Step = Callable[[], Any]          # one timed iteration
GradFn = Callable[[], list]       # gradients (as NumPy arrays) at the initial state


def to_numpy(t: Any) -> np.ndarray:
    """A tensor's values as a NumPy array of its own (for the gradient check)."""
    return np.array(t.detach().numpy(), copy=True)


# --------------------------------------------------------------------------------------
# W1: per-op overhead, 1,000 chained elementwise ops on a (4,) float64 tensor
# --------------------------------------------------------------------------------------
W1_OPS = 1000
W1_X0 = np.linspace(0.1, 0.9, 4)
# The cycle: y*0.9, y+0.1, sin(y), exp(0.5*y) (two ops: y*0.5 then exp), tanh(y).


def w1_chain(T: ModuleType, x: Any) -> Any:
    """W1's 1,000 chained ops applied to ``x`` (``per_op.py`` times them without backward)."""
    y = x
    for i in range(W1_OPS):
        k = i % 6
        if k == 0:
            y = y * 0.9
        elif k == 1:
            y = y + 0.1
        elif k == 2:
            y = T.sin(y)
        elif k == 3:
            y = y * 0.5
        elif k == 4:
            y = T.exp(y)
        else:
            y = T.tanh(y)
    return y


def w1_autograd(T: ModuleType) -> tuple[Step, GradFn]:
    def run() -> Any:
        x = T.tensor(W1_X0, requires_grad=True)
        w1_chain(T, x).sum().backward()
        return x.grad

    return run, lambda: [to_numpy(run())]


def w1_numpy() -> tuple[Step, GradFn]:
    def run() -> np.ndarray:
        y = W1_X0.copy()
        tape: list[tuple[int, np.ndarray | None]] = []
        for i in range(W1_OPS):
            k = i % 6
            if k == 0:
                tape.append((k, None)); y = y * 0.9
            elif k == 1:
                tape.append((k, None)); y = y + 0.1
            elif k == 2:
                tape.append((k, np.cos(y))); y = np.sin(y)
            elif k == 3:
                tape.append((k, None)); y = y * 0.5
            elif k == 4:
                y = np.exp(y); tape.append((k, y))
            else:
                y = np.tanh(y); tape.append((k, 1.0 - y * y))
        g = np.ones_like(y)
        for k, d in reversed(tape):
            if k == 0:
                g = g * 0.9
            elif k == 3:
                g = g * 0.5
            elif d is not None:
                g = g * d
        return g

    return run, lambda: [run()]


# --------------------------------------------------------------------------------------
# W2: MLP training step, 784-256-256-10, batch 128, float32
# --------------------------------------------------------------------------------------
W2_SIZES = (784, 256, 256, 10)
W2_BATCH = 128
W2_LR = 0.01


def w2_data() -> tuple[list[np.ndarray], np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    params: list[np.ndarray] = []
    for fan_in, fan_out in zip(W2_SIZES[:-1], W2_SIZES[1:]):
        bound = 1.0 / np.sqrt(fan_in)
        params.append(rng.uniform(-bound, bound, (fan_in, fan_out)).astype(np.float32))
        params.append(rng.uniform(-bound, bound, (fan_out,)).astype(np.float32))
    x = rng.standard_normal((W2_BATCH, W2_SIZES[0])).astype(np.float32)
    y = rng.integers(0, W2_SIZES[-1], W2_BATCH)
    return params, x, y


def w2_autograd(T: ModuleType) -> tuple[Step, GradFn]:
    init, xn, yn = w2_data()
    x, y = T.tensor(xn), T.tensor(yn)
    rows = T.arange(W2_BATCH)

    def make_params() -> list:
        return [T.tensor(p.copy(), requires_grad=True) for p in init]

    def loss_of(params: list) -> Any:
        h = x
        for i in range(0, len(params), 2):
            h = h @ params[i] + params[i + 1]
            if i + 2 < len(params):
                h = T.relu(h)
        logp = T.log_softmax(h, dim=1)
        return -(logp[rows, y]).mean()

    params = make_params()

    def step() -> None:
        loss_of(params).backward()
        with T.no_grad():
            for p in params:
                p -= W2_LR * p.grad
        for p in params:
            p.grad = None

    def grads() -> list:
        fresh = make_params()
        loss_of(fresh).backward()
        return [to_numpy(p.grad) for p in fresh]

    return step, grads


def w2_numpy_grads(params: list[np.ndarray], x: np.ndarray, y: np.ndarray) -> list[np.ndarray]:
    """Forward + manual backward of the MLP; returns d(loss)/d(param) for every param."""
    acts = [x]
    h = x
    n_layers = len(params) // 2
    for layer in range(n_layers):
        h = h @ params[2 * layer] + params[2 * layer + 1]
        if layer + 1 < n_layers:
            h = np.maximum(h, 0.0)
        acts.append(h)
    logits = acts[-1]
    shifted = logits - logits.max(axis=1, keepdims=True)
    probs = np.exp(shifted)
    probs /= probs.sum(axis=1, keepdims=True)
    g = probs
    g[np.arange(len(y)), y] -= 1.0
    g /= len(y)
    grads: list[np.ndarray] = [None] * len(params)  # type: ignore[list-item]
    for layer in reversed(range(n_layers)):
        a_in = acts[layer]
        grads[2 * layer] = a_in.T @ g
        grads[2 * layer + 1] = g.sum(axis=0)
        if layer > 0:
            g = (g @ params[2 * layer].T) * (a_in > 0)
    return grads


def w2_numpy() -> tuple[Step, GradFn]:
    init, x, y = w2_data()
    params = [p.copy() for p in init]

    def step() -> None:
        for p, g in zip(params, w2_numpy_grads(params, x, y)):
            p -= W2_LR * g

    return step, lambda: w2_numpy_grads([p.copy() for p in init], x, y)


# --------------------------------------------------------------------------------------
# W3: Hessian of the extended Rosenbrock function, n = 200 (float64)
# --------------------------------------------------------------------------------------
W3_N = 200
W3_X0 = np.random.default_rng(3).uniform(-1.0, 1.0, W3_N)


def rosenbrock(x: Any) -> Any:
    a, b = x[0::2], x[1::2]
    return (100.0 * (b - a * a) ** 2 + (1.0 - a) ** 2).sum()


def w3_autograd(T: ModuleType) -> tuple[Step, GradFn]:
    hessian = T.autograd.functional.hessian
    x = T.tensor(W3_X0)

    def run() -> Any:
        return hessian(rosenbrock, x)

    return run, lambda: [to_numpy(run())]


def w3_numpy() -> tuple[Step, GradFn]:
    def run() -> np.ndarray:
        a, b = W3_X0[0::2], W3_X0[1::2]
        h = np.zeros((W3_N, W3_N))
        i = np.arange(0, W3_N, 2)
        h[i, i] = 1200.0 * a * a - 400.0 * b + 2.0
        h[i, i + 1] = h[i + 1, i] = -400.0 * a
        h[i + 1, i + 1] = 200.0
        return h

    return run, lambda: [run()]


# --------------------------------------------------------------------------------------
# W5: Jacobian of f(x) = tanh(A @ x) * x, n = 200 (float64)
# --------------------------------------------------------------------------------------
W5_N = 200
_w5_rng = np.random.default_rng(5)
W5_A = _w5_rng.standard_normal((W5_N, W5_N)) / np.sqrt(W5_N)
W5_X0 = _w5_rng.standard_normal(W5_N)


def w5_autograd(T: ModuleType) -> tuple[Step, GradFn]:
    jacobian = T.autograd.functional.jacobian
    A, x = T.tensor(W5_A), T.tensor(W5_X0)

    def run() -> Any:
        return jacobian(lambda v: T.tanh(A @ v) * v, x)

    return run, lambda: [to_numpy(run())]


def w5_numpy() -> tuple[Step, GradFn]:
    def run() -> np.ndarray:
        t = np.tanh(W5_A @ W5_X0)
        jac = (W5_X0 * (1.0 - t * t))[:, None] * W5_A
        jac[np.diag_indices(W5_N)] += t
        return jac

    return run, lambda: [run()]


# --------------------------------------------------------------------------------------
# W6: small scalar MLP, 2-16-16-1 tanh, 50 points, MSE (float64)
# --------------------------------------------------------------------------------------
def w6_data() -> tuple[list[np.ndarray], np.ndarray, np.ndarray]:
    rng = np.random.default_rng(6)
    sizes = (2, 16, 16, 1)
    params: list[np.ndarray] = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        params.append(rng.standard_normal((fan_in, fan_out)) / np.sqrt(fan_in))
        params.append(np.zeros(fan_out))
    x = rng.uniform(-1.0, 1.0, (50, 2))
    y = np.sin(3.0 * x[:, :1]) * x[:, 1:]
    return params, x, y


def w6_autograd(T: ModuleType) -> tuple[Step, GradFn]:
    init, xn, yn = w6_data()
    x, y = T.tensor(xn), T.tensor(yn)
    params = [T.tensor(p, requires_grad=True) for p in init]

    def run() -> list:
        for p in params:
            p.grad = None
        h = x
        for i in range(0, len(params), 2):
            h = h @ params[i] + params[i + 1]
            if i + 2 < len(params):
                h = T.tanh(h)
        ((h - y) ** 2).mean().backward()
        return [p.grad for p in params]

    return run, lambda: [to_numpy(g) for g in run()]


def w6_numpy() -> tuple[Step, GradFn]:
    params, x, y = w6_data()

    def run() -> list[np.ndarray]:
        acts = [x]
        h = x
        n_layers = len(params) // 2
        for layer in range(n_layers):
            h = h @ params[2 * layer] + params[2 * layer + 1]
            if layer + 1 < n_layers:
                h = np.tanh(h)
            acts.append(h)
        g = 2.0 * (h - y) / h.size
        grads: list[np.ndarray] = [None] * len(params)  # type: ignore[list-item]
        for layer in reversed(range(n_layers)):
            a_in = acts[layer]
            grads[2 * layer] = a_in.T @ g
            grads[2 * layer + 1] = g.sum(axis=0)
            if layer > 0:
                g = (g @ params[2 * layer].T) * (1.0 - a_in * a_in)
        return grads

    return run, run
