"""torch's ``out=`` argument (tapegrad._out): every case runs under tapegrad and under torch and
must agree on the returned object, the values and dtype written into ``out``, the resize
warning, and the error type and message."""
from __future__ import annotations

import ast
import inspect
import os
import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import tapegrad  # noqa: E402
from tapegrad import _out  # noqa: E402

# tapegrad/__init__.py wraps its namespace at import (``_out.install(globals())``); installing
# again is a no-op, and keeps these tests meaningful in a tree where that line is not merged yet.
_out.install(vars(tapegrad))

F32, F64, I64, I32, B = "float32", "float64", "int64", "int32", "bool"


def _t(m, values, dtype=F32, requires_grad=False):
    return m.tensor(values, dtype=getattr(m, dtype), requires_grad=requires_grad)


def _empty(m, shape=(0,), dtype=F32, requires_grad=False):
    return m.zeros(shape, dtype=getattr(m, dtype), requires_grad=requires_grad)


X = [0.5, -1.5, 2.0]
M = [[1.0, 2.0], [3.0, -4.0]]

# name: (call(m, out), out factory(m)); the out tensors are made fresh for each backend.
CASES = {
    "exp": (lambda m, o: m.exp(_t(m, X), out=o), lambda m: _empty(m)),
    "exp_resize_warns": (lambda m, o: m.exp(_t(m, X), out=o), lambda m: _empty(m, (2,))),
    "exp_into_float64": (lambda m, o: m.exp(_t(m, X), out=o), lambda m: _empty(m, (3,), F64)),
    "exp_into_long": (lambda m, o: m.exp(_t(m, X), out=o), lambda m: _empty(m, (3,), I64)),
    "exp_into_bool": (lambda m, o: m.exp(_t(m, X), out=o), lambda m: _empty(m, (3,), B)),
    "add": (lambda m, o: m.add(_t(m, X), 1, out=o), lambda m: _empty(m)),
    "add_alpha": (lambda m, o: m.add(_t(m, X), _t(m, X), alpha=2, out=o), lambda m: _empty(m)),
    "add_long_into_float": (lambda m, o: m.add(_t(m, [1, 2], I64), 1, out=o),
                            lambda m: _empty(m, (2,), F64)),
    "add_long_into_bool": (lambda m, o: m.add(_t(m, [1, 2], I64), 1, out=o),
                           lambda m: _empty(m, (2,), B)),
    "sub": (lambda m, o: m.sub(_t(m, X), 2.5, out=o), lambda m: _empty(m)),
    "mul": (lambda m, o: m.mul(_t(m, X), _t(m, X), out=o), lambda m: _empty(m)),
    "div": (lambda m, o: m.div(_t(m, X), 2, out=o), lambda m: _empty(m)),
    "div_floor": (lambda m, o: m.div(_t(m, X), 2, rounding_mode="floor", out=o),
                  lambda m: _empty(m)),
    "pow": (lambda m, o: m.pow(_t(m, X), 2, out=o), lambda m: _empty(m)),
    "maximum": (lambda m, o: m.maximum(_t(m, X), _t(m, [0.0, 0.0, 3.0]), out=o),
                lambda m: _empty(m)),
    "sigmoid": (lambda m, o: m.sigmoid(_t(m, X), out=o), lambda m: _empty(m)),
    "sqrt": (lambda m, o: m.sqrt(_t(m, [1.0, 4.0]), out=o), lambda m: _empty(m)),
    "clamp": (lambda m, o: m.clamp(_t(m, X), -1, 1, out=o), lambda m: _empty(m)),
    "clamp_into_double": (lambda m, o: m.clamp(_t(m, X), -1, 1, out=o),
                          lambda m: _empty(m, (3,), F64)),
    "abs_into_double": (lambda m, o: m.abs(_t(m, X), out=o), lambda m: _empty(m, (3,), F64)),
    "eq_into_bool": (lambda m, o: m.eq(_t(m, X), 2.0, out=o), lambda m: _empty(m, (3,), B)),
    "eq_into_float": (lambda m, o: m.eq(_t(m, X), 2.0, out=o), lambda m: _empty(m)),
    "where": (lambda m, o: m.where(_t(m, [True, False, True], B), _t(m, X), _t(m, X[::-1]),
                                   out=o),
              lambda m: _empty(m)),
    "where_into_double": (lambda m, o: m.where(_t(m, [True, False], B), _t(m, [1.0, 2.0]),
                                               _t(m, [3.0, 4.0]), out=o),
                          lambda m: _empty(m, (2,), F64)),
    "sum": (lambda m, o: m.sum(_t(m, M), 0, out=o), lambda m: _empty(m)),
    "sum_resize_warns": (lambda m, o: m.sum(_t(m, M), 1, out=o), lambda m: _empty(m, (5,))),
    "sum_into_long": (lambda m, o: m.sum(_t(m, [[1, 2], [3, 4]], I64), 0, out=o),
                      lambda m: _empty(m, (0,), I64)),
    "mean": (lambda m, o: m.mean(_t(m, M), 1, out=o), lambda m: _empty(m)),
    "mean_into_long": (lambda m, o: m.mean(_t(m, M), 1, out=o), lambda m: _empty(m, (2,), I64)),
    "mean_all_into_long": (lambda m, o: m.mean(_t(m, M), out=o), lambda m: _empty(m, (0,), I64)),
    "prod": (lambda m, o: m.prod(_t(m, M), 0, out=o), lambda m: _empty(m)),
    "cumsum": (lambda m, o: m.cumsum(_t(m, X), 0, out=o), lambda m: _empty(m)),
    "logsumexp": (lambda m, o: m.logsumexp(_t(m, M), 1, out=o), lambda m: _empty(m)),
    "logsumexp_into_long": (lambda m, o: m.logsumexp(_t(m, M), 1, out=o),
                            lambda m: _empty(m, (2,), I64)),
    "argmax": (lambda m, o: m.argmax(_t(m, X), out=o), lambda m: _empty(m, (0,), I64)),
    "argmax_into_double": (lambda m, o: m.argmax(_t(m, X), out=o),
                           lambda m: _empty(m, (0,), F64)),
    "matmul": (lambda m, o: m.matmul(_t(m, M), _t(m, M), out=o), lambda m: _empty(m)),
    "matmul_into_double": (lambda m, o: m.matmul(_t(m, M), _t(m, M), out=o),
                           lambda m: _empty(m, (2, 2), F64)),
    "mm": (lambda m, o: m.mm(_t(m, M), _t(m, M), out=o), lambda m: _empty(m, (2, 2))),
    "mm_into_long": (lambda m, o: m.mm(_t(m, M), _t(m, M), out=o), lambda m: _empty(m, (0,), I64)),
    "mv": (lambda m, o: m.mv(_t(m, M), _t(m, [1.0, 2.0]), out=o), lambda m: _empty(m)),
    "dot": (lambda m, o: m.dot(_t(m, X), _t(m, X), out=o), lambda m: _empty(m)),
    "dot_into_double": (lambda m, o: m.dot(_t(m, X), _t(m, X), out=o),
                        lambda m: _empty(m, (0,), F64)),
    "bmm": (lambda m, o: m.bmm(_t(m, [M]), _t(m, [M]), out=o), lambda m: _empty(m)),
    "cat": (lambda m, o: m.cat([_t(m, X), _t(m, X)], out=o), lambda m: _empty(m)),
    "cat_into_double": (lambda m, o: m.cat([_t(m, X)], out=o), lambda m: _empty(m, (0,), F64)),
    "cat_into_long": (lambda m, o: m.cat([_t(m, X)], out=o), lambda m: _empty(m, (0,), I64)),
    "stack": (lambda m, o: m.stack([_t(m, X), _t(m, X)], 1, out=o), lambda m: _empty(m)),
    "index_select": (lambda m, o: m.index_select(_t(m, M), 1, _t(m, [1], I64), out=o),
                     lambda m: _empty(m)),
    "index_select_into_double": (
        lambda m, o: m.index_select(_t(m, M), 1, _t(m, [1], I64), out=o),
        lambda m: _empty(m, (0,), F64)),
    "gather": (lambda m, o: m.gather(_t(m, M), 1, _t(m, [[1], [0]], I64), out=o),
               lambda m: _empty(m)),
    "tril": (lambda m, o: m.tril(_t(m, M), out=o), lambda m: _empty(m)),
    "softmax_into_double": (lambda m, o: m.softmax(_t(m, X), 0, out=o),
                            lambda m: _empty(m, (0,), F64)),
    "xlogy": (lambda m, o: m.xlogy(_t(m, X), 2.0, out=o), lambda m: _empty(m)),
    "expanded_out": (lambda m, o: m.exp(_t(m, [1.0, 2.0]), out=o),
                     lambda m: m.zeros(1).expand(2)),
    # tuple outs
    "max_dim": (lambda m, o: m.max(_t(m, M), 1, out=o),
                lambda m: (_empty(m), _empty(m, (0,), I64))),
    "min_dim_keepdim": (lambda m, o: m.min(_t(m, M), 0, keepdim=True, out=o),
                        lambda m: (_empty(m), _empty(m, (0,), I64))),
    "sort": (lambda m, o: m.sort(_t(m, X), out=o), lambda m: [_empty(m), _empty(m, (0,), I64)]),
    "sort_values_into_double": (lambda m, o: m.sort(_t(m, X), out=o),
                                lambda m: (_empty(m, (0,), F64), _empty(m, (0,), I64))),
    "topk": (lambda m, o: m.topk(_t(m, X), 2, out=o),
             lambda m: (_empty(m), _empty(m, (0,), I64))),
    "kthvalue": (lambda m, o: m.kthvalue(_t(m, X), 2, out=o),
                 lambda m: (_empty(m), _empty(m, (0,), I64))),
    # factories compute in out's dtype
    "arange": (lambda m, o: m.arange(4, out=o), lambda m: _empty(m)),
    "arange_into_long": (lambda m, o: m.arange(4, out=o), lambda m: _empty(m, (0,), I64)),
    "zeros_into_long": (lambda m, o: m.zeros(2, 2, out=o), lambda m: _empty(m, (0,), I64)),
    "ones": (lambda m, o: m.ones(3, out=o), lambda m: _empty(m, (3,), F64)),
    "full_into_long": (lambda m, o: m.full((3,), 2.5, out=o), lambda m: _empty(m, (0,), I64)),
    "linspace": (lambda m, o: m.linspace(0, 1, 5, out=o), lambda m: _empty(m, (0,), F64)),
    "eye": (lambda m, o: m.eye(3, out=o), lambda m: _empty(m)),
    # autograd refusals
    "requires_grad_input": (lambda m, o: m.exp(_t(m, X, requires_grad=True), out=o),
                            lambda m: _empty(m)),
    "requires_grad_alias_name": (lambda m, o: m.multiply(_t(m, X, requires_grad=True), 2, out=o),
                                 lambda m: _empty(m)),
    "requires_grad_matmul": (lambda m, o: m.matmul(_t(m, M, requires_grad=True), _t(m, M),
                                                   out=o), lambda m: _empty(m)),
    "requires_grad_out": (lambda m, o: m.exp(_t(m, X), out=o),
                          lambda m: _empty(m, (3,), requires_grad=True)),
    "requires_grad_factory": (lambda m, o: m.zeros(3, out=o),
                              lambda m: _empty(m, (3,), requires_grad=True)),
    "requires_grad_tuple": (lambda m, o: m.sort(_t(m, X, requires_grad=True), out=o),
                            lambda m: (_empty(m), _empty(m, (0,), I64))),
    "requires_grad_eq_allowed": (lambda m, o: m.eq(_t(m, X, requires_grad=True), 1.0, out=o),
                                 lambda m: _empty(m, (0,), B)),
    "requires_grad_detached": (lambda m, o: m.exp(_t(m, X, requires_grad=True).detach(), out=o),
                               lambda m: _empty(m)),
}


def _run(m, name):
    call, make_out = CASES[name]
    out = make_out(m)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result = call(m, out)
        except Exception as exc:  # noqa: BLE001  (the error itself is compared)
            return out, exc, [str(w.message) for w in caught]
    return out, result, [str(w.message) for w in caught]


def _arr(t):
    return np.asarray(t.detach().numpy() if hasattr(t, "detach") else t)


@pytest.mark.parametrize("name", sorted(CASES))
def test_out_matches_torch(name):
    our_out, ours, our_warnings = _run(tapegrad, name)
    their_out, theirs, their_warnings = _run(torch, name)
    assert our_warnings == their_warnings
    if isinstance(theirs, Exception):
        assert type(ours) is type(theirs), ours
        assert str(ours) == str(theirs)
        return
    assert not isinstance(ours, Exception), ours
    if isinstance(their_out, (tuple, list)):
        assert type(ours).__name__ == type(theirs).__name__  # return_types.sort_out
        assert repr(ours).replace("tapegrad", "torch") == repr(theirs)
        pairs = list(zip(our_out, their_out))
        assert all(a is b for a, b in zip(ours, our_out))
    else:
        assert ours is our_out  # the out tensor itself comes back
        pairs = [(our_out, their_out)]
    for a, b in pairs:
        assert str(a.dtype).replace("tapegrad", "torch") == str(b.dtype)
        assert tuple(a.shape) == tuple(b.shape)
        np.testing.assert_allclose(_arr(a), _arr(b), rtol=1e-6)


def test_views_of_out_see_the_result():
    for m in (tapegrad, torch):
        out = m.zeros(2, 3)
        flat = out.view(6)
        row = out[1]
        m.add(m.ones(2, 3), 1, out=out)
        assert _arr(flat).tolist() == [2.0] * 6
        assert _arr(row).tolist() == [2.0] * 3


def test_out_bumps_the_version_so_saved_tensors_notice():
    a = tapegrad.tensor([1.0, 2.0], requires_grad=True)
    out = tapegrad.zeros(2)
    y = a * out
    before = out._version
    tapegrad.exp(tapegrad.ones(2), out=out)
    assert out._version == before + 1
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


def test_no_grad_allows_out_for_inputs_that_require_grad():
    x = tapegrad.tensor(X, requires_grad=True)
    out = tapegrad.empty(0)
    with tapegrad.no_grad():
        assert tapegrad.exp(x, out=out) is out
    np.testing.assert_allclose(out.numpy(), np.exp(np.float32(X)), rtol=1e-6)
    assert not out.requires_grad


def test_linalg_and_special_take_out():
    ours = tapegrad.empty(0)
    theirs = torch.empty(0)
    tapegrad.special.expit(tapegrad.tensor(X), out=ours)
    torch.special.expit(torch.tensor(X), out=theirs)
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6)
    m = [[2.0, 1.0], [1.0, 3.0]]
    ours, theirs = tapegrad.empty(0), torch.empty(0)
    assert tapegrad.linalg.inv(tapegrad.tensor(m), out=ours) is ours
    torch.linalg.inv(torch.tensor(m), out=theirs)
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6)


def test_call_without_out_goes_straight_to_the_function():
    wrapped = tapegrad.exp
    assert wrapped._takes_out and wrapped.__wrapped__ is not wrapped
    x = tapegrad.tensor(X, requires_grad=True)
    y = wrapped(x)
    assert type(y.grad_fn).__name__ == "ExpBackward0"
    assert _out.with_out(wrapped, "exp") is wrapped  # wrapping twice changes nothing
    assert tapegrad.exp.__doc__ == wrapped.__wrapped__.__doc__


def _torch_out_names() -> set:
    """The torch functions whose Python signature has ``out``: read from torch's stubs."""
    path = os.path.join(os.path.dirname(torch.__file__), "_C", "_VariableFunctions.pyi")
    stub = set()
    for node in ast.walk(ast.parse(open(path).read())):
        if isinstance(node, ast.FunctionDef) and any(a.arg == "out"
                                                     for a in node.args.kwonlyargs):
            stub.add(node.name)
    names = set()
    for name in dir(torch):
        fn = getattr(torch, name)
        if name.startswith("_") or not callable(fn) or isinstance(fn, type):
            continue
        if type(fn).__name__ == "builtin_function_or_method":
            if name in stub:
                names.add(name)
        elif inspect.isfunction(fn):
            try:
                if "out" in inspect.signature(fn).parameters:
                    names.add(name)
            except (TypeError, ValueError):
                pass
    return names


# Left out of the table on purpose: backend kernels (cuDNN, MKL-DNN, batch-norm internals), a
# sparse-only op, a hashing helper, and symeig (removed from torch; calling it raises).
NOT_IN_TABLE = {"batch_norm_elemt", "cudnn_batch_norm", "cudnn_convolution",
                "mkldnn_adaptive_avg_pool2d", "native_batch_norm", "saddmm", "hash_tensor",
                "symeig"}


def test_table_is_torchs_list():
    expected = _torch_out_names()
    assert expected - NOT_IN_TABLE == _out.TORCH_OUT


def test_every_tapegrad_name_in_the_table_takes_out():
    for space, names in (("", _out.TORCH_OUT), ("linalg", _out.LINALG_OUT),
                         ("special", _out.SPECIAL_OUT)):
        module = getattr(tapegrad, space) if space else tapegrad
        for name in names:
            fn = vars(module).get(name)
            if fn is not None and callable(fn) and not isinstance(fn, type):
                assert getattr(fn, "_takes_out", False), f"{space}.{name}"


@pytest.mark.parametrize("name", ["flip", "clone", "relu", "trace", "det", "isnan"])
def test_names_without_out_in_torch_stay_unwrapped(name):
    assert name not in _out.TORCH_OUT
    fn = getattr(tapegrad, name, None)
    assert fn is None or not getattr(fn, "_takes_out", False)
