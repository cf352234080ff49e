"""Endurance: long training loops keep memory flat, threads don't interfere, long chains work.

The 1,000,000-op chain is a soak test (``make soak``); the rest runs in ``make test``.
"""
from __future__ import annotations

import gc
import sys
import threading
import weakref

import numpy as np
import pytest

import tapegrad as tg


def _rss_mib() -> float:
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / (1024 if sys.platform != "darwin" else 1024 ** 2)


def _mlp(seed: int = 0):
    rng = np.random.default_rng(seed)
    sizes = [784, 256, 256, 10]
    params = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        w = tg.tensor(rng.normal(0, fan_in ** -0.5, (fan_in, fan_out)).astype(np.float32),
                      requires_grad=True)
        b = tg.zeros(fan_out, requires_grad=True)
        params += [w, b]
    return params


def _step(params, x, y, lr=0.01):
    h = x
    for i in range(0, len(params), 2):
        h = h @ params[i] + params[i + 1]
        if i < len(params) - 2:
            h = h.relu()
    loss = -h.log_softmax(1)[tg.arange(len(y)), y].mean()
    loss.backward()
    with tg.no_grad():
        for p in params:
            p -= lr * p.grad
            p.grad = None
    return loss


def test_training_loop_keeps_memory_flat_and_frees_graphs():
    rng = np.random.default_rng(1)
    x = tg.tensor(rng.normal(size=(128, 784)).astype(np.float32))
    y = tg.tensor(rng.integers(0, 10, 128))
    params = _mlp()
    for _ in range(100):  # warm up allocator pools
        _step(params, x, y)
    gc.collect()
    start = _rss_mib()
    nodes = []
    for i in range(2000):
        loss = _step(params, x, y)
        if i % 500 == 0:
            nodes.append(weakref.ref(loss.grad_fn))
        del loss
    gc.collect()
    growth = _rss_mib() - start
    assert growth < 25, f"RSS grew by {growth:.1f} MiB over 2,000 steps"
    assert all(ref() is None for ref in nodes), "a training step's graph outlived its loss"


def _grad_of(seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    w = tg.tensor(rng.normal(size=(32, 32)), requires_grad=True)
    x = tg.tensor(rng.normal(size=(16, 32)))
    for _ in range(30):
        x = (x @ w).tanh()
    x.sum().backward()
    return w.grad.numpy().copy()


def test_threads_backward_on_separate_graphs_match_sequential():
    expected = {s: _grad_of(s) for s in range(4)}
    results: dict = {}

    def work(s: int) -> None:
        for _ in range(5):
            results.setdefault(s, []).append(_grad_of(s))

    threads = [threading.Thread(target=work, args=(s,)) for s in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for s in range(4):
        for g in results[s]:
            np.testing.assert_array_equal(g, expected[s])


def test_grad_mode_is_per_thread_during_backward():
    seen = []

    def other() -> None:
        seen.append(tg.is_grad_enabled())

    with tg.no_grad():
        t = threading.Thread(target=other)
        t.start()
        t.join()
    assert seen == [True]


def _chain(n: int) -> None:
    x = tg.ones(16, dtype=tg.float64, requires_grad=True)
    y = x
    for _ in range(n):
        y = y * 1.0001 + 0.0001
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.full(16, 1.0001 ** n), rtol=1e-9)


def test_chain_of_100k_ops_has_no_recursion_error():
    _chain(100_000)


@pytest.mark.soak
def test_chain_of_a_million_ops():
    _chain(1_000_000)
