"""The engine's shortcuts give exactly what the general paths give.

* Each op's fast entry (one or two plain operands, the hot path of every model) against
  ``Op.__call__``'s general path (``Op.record``): values, dtypes, grad_fn, edges, saved values,
  version checks and gradients, or the same error.
* Leaves take the gradient array the engine made instead of a copy, and only when nobody
  else holds it (seeds and hooks: tests/test_autograd.py; here, a gradient passed through
  unchanged to two leaves, and ids of dead arrays).
"""
from __future__ import annotations

import weakref

import numpy as np
import pytest

import tapegrad as tg
from tapegrad._ops._registry import REGISTRY, Op
from tapegrad._tensor import Tensor
from tapegrad.autograd import _engine

# Ops whose fast entry can take a call (one or two operands; with more it hands over).
FAST_OPS = sorted(name for name, op in REGISTRY.items()
                  if getattr(op, "fast", None) is not None and len(op.args) <= 2)


def _operands(n_args: int, dtype: str, second: str) -> tuple:
    """Fresh operands in (0.2, 0.8), a domain every elementwise op accepts."""
    rng = np.random.default_rng(7)
    a = tg.tensor(rng.uniform(0.2, 0.8, (3, 4)).astype(dtype), requires_grad=dtype[0] == "f")
    if n_args == 1:
        return (a,)
    if second == "tensor":
        b = tg.tensor(rng.uniform(0.2, 0.8, (3, 4)).astype(dtype), requires_grad=dtype[0] == "f")
    elif second == "row":  # broadcasts against a
        b = tg.tensor(rng.uniform(0.2, 0.8, (4,)).astype(dtype), requires_grad=dtype[0] == "f")
    elif second == "float":
        b = 0.37
    else:
        b = 3
    return (a, b)


def _run(call, args):
    """The result of ``call(*args)`` or the type of the error it raised."""
    try:
        return call(*args)
    except Exception as exc:  # noqa: BLE001 - the two paths must fail alike
        return type(exc)


def _describe(out, operands: tuple) -> tuple:
    """What a result is, down to its node (edges name operands by position): comparable
    between the two paths."""
    if not isinstance(out, Tensor):
        return ("raised", out)
    node = out.grad_fn
    position = {id(a): i for i, a in enumerate(operands)}
    edges = None if node is None else tuple(
        None if e is None else (position.get(id(e[0]), type(e[0])), *e[1:]) for e in node._next)
    return (out.dtype, out.shape, out.requires_grad, type(node).__name__, edges)


def _saved(out) -> list:
    node = out.grad_fn
    return [] if node is None or node._saved is None else [
        v._data if isinstance(v, Tensor) else v for v in node._saved]


@pytest.mark.parametrize("name", FAST_OPS)
@pytest.mark.parametrize("dtype,second", [("float64", "tensor"), ("float32", "row"),
                                         ("float64", "float"), ("float32", "int"),
                                         ("int64", "tensor"), ("int64", "float"),
                                         ("int64", "int")])
def test_fast_entry_records_what_the_general_path_records(name, dtype, second):
    op = REGISTRY[name]
    n_args = len(op.args)
    fast_args, general_args = _operands(n_args, dtype, second), _operands(n_args, dtype, second)
    fast = _run(op.fast, fast_args)
    general = _run(lambda *a: Op.__call__(op, *a), general_args)
    assert _describe(fast, fast_args) == _describe(general, general_args)
    if not isinstance(fast, Tensor):
        return
    assert np.array_equal(fast.detach().numpy(), general.detach().numpy(), equal_nan=True)
    fs, gs = _saved(fast), _saved(general)
    assert len(fs) == len(gs)
    for f, g in zip(fs, gs):
        assert type(f) is type(g)
        if isinstance(f, np.ndarray):
            assert np.array_equal(f, g, equal_nan=True)
        else:
            assert f == g
    checks = lambda t: [(c[1], c[2]) for c in t.grad_fn._checks] if t.grad_fn else []
    assert checks(fast) == checks(general)
    if fast.requires_grad:  # the gradients, or the same error (ops called off their domain)
        got = [_run(_grads, (r, args)) for r, args in ((fast, fast_args), (general, general_args))]
        if isinstance(got[0], list):
            for f, g in zip(*got):
                assert (f is None) == (g is None)
                assert f is None or np.allclose(f, g, equal_nan=True)
        else:
            assert got[0] is got[1]


def _grads(result, operands) -> list:
    wrt = [a for a in operands if isinstance(a, Tensor) and a.requires_grad]
    got = tg.autograd.grad(result.sum(), wrt, allow_unused=True)
    return [None if g is None else g.numpy() for g in got]


def test_fast_entry_keeps_version_checks():
    """A tensor the fast entry saved may not change in place before backward, nor may a result
    its rule reads (exp saves its result)."""
    x = tg.tensor([0.3, 0.6], requires_grad=True)
    y = x * 2
    z = tg.sin(y)       # saves y
    y.add_(1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        z.sum().backward()
    w = tg.exp(x * 1)   # saves its result
    w.mul_(2)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        w.sum().backward()


def test_fast_entry_on_arrays_and_under_no_grad():
    a = np.array([0.5, 0.25])
    assert np.array_equal(tg.sin(a), np.sin(a))           # rules call ops on plain arrays
    x = tg.tensor([0.5, 0.25], requires_grad=True)
    with tg.no_grad():
        y = x * 3
    assert y.grad_fn is None and not y.requires_grad
    assert tg.mul(x, 2).grad_fn.name() == "MulBackward0"  # the public function takes it too


def test_gradient_passed_to_two_leaves_is_not_shared():
    a = tg.tensor([1.0, 2.0], requires_grad=True)
    b = tg.tensor([5.0, 6.0], requires_grad=True)
    (a + b).sum().backward()
    assert not np.shares_memory(a.grad.numpy(), b.grad.numpy())
    a.grad.add_(10)
    assert b.grad.tolist() == [1.0, 1.0]


def test_leaf_takes_a_gradient_the_engine_made():
    """The array a rule made goes to .grad as is (no copy), and a later backward adds into it."""
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    (x * 3).sum().backward()
    first = x.grad
    assert first.numpy().flags.owndata
    (x * 3).sum().backward()
    assert x.grad is first and x.grad.tolist() == [6.0, 6.0]


def test_a_dead_pass_through_id_does_not_mark_a_new_array():
    """Pass-through gradients are remembered by weak reference: an array that reuses a dead
    one's id is not taken for it (a live one with that id still is)."""
    live = np.ones(3)
    other = np.ones(3)
    assert not _engine._owned(live, {id(live): weakref.ref(live)})
    assert _engine._owned(live, {id(live): weakref.ref(other)})   # the id, another array
    assert not _engine._owned(live[1:], {})                       # a view: never taken
