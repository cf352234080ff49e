"""torch's alias names, in-place forms, small math functions and dtype helpers (tapegrad._aliases
and tapegrad._ops.extra_elementwise), compared with real torch: values, dtypes, gradients, grad_fn
names where tapegrad records torch's op, in-place identity and errors."""
from __future__ import annotations

import math

import numpy as np
import pytest

import tapegrad as tg

torch = pytest.importorskip("torch")

NAN, INF = math.nan, math.inf


def _both(data, dtype="float32", requires_grad=False):
    t = torch.tensor(data, dtype=getattr(torch, dtype), requires_grad=requires_grad)
    g = tg.tensor(data, dtype=getattr(tg, dtype), requires_grad=requires_grad)
    return t, g


def _same(g, t):
    assert str(g.dtype).replace("tapegrad", "torch") == str(t.dtype)
    assert tuple(g.shape) == tuple(t.shape)
    expected = t.detach().numpy(force=True)  # (torch's gradient of sgn is a ZeroTensor)
    np.testing.assert_allclose(g.detach().numpy(), expected, rtol=1e-6, atol=1e-7,
                               equal_nan=True)


XS = [[0.5, -1.25, 2.0, 0.0], [[0.3, -0.7], [1.5, -2.5]]]
UNARY = ["absolute", "arccos", "arcsin", "arctan", "arccosh", "arcsinh", "arctanh", "acosh",
         "asinh", "atanh", "negative", "fix", "sgn", "ravel", "msort", "signbit", "isposinf",
         "isneginf", "isreal", "positive"]


@pytest.mark.parametrize("name", UNARY)
@pytest.mark.parametrize("data", XS, ids=["1d", "2d"])
def test_unary_function_and_method(name, data):
    t, g = _both(data)
    _same(getattr(tg, name)(g), getattr(torch, name)(t))
    _same(getattr(g, name)(), getattr(t, name)())


@pytest.mark.parametrize("name", ["absolute", "negative", "fix", "sgn", "signbit", "isreal",
                                  "positive", "ravel", "msort"])
def test_unary_integer_inputs(name):
    t, g = _both([[3, -1], [0, 7]], "int64")
    _same(getattr(tg, name)(g), getattr(torch, name)(t))


def test_infinities():
    data = [INF, -INF, NAN, 1.0, -0.0]
    t, g = _both(data)
    for name in ("isposinf", "isneginf", "signbit", "isreal"):
        _same(getattr(tg, name)(g), getattr(torch, name)(t))


DIFFERENTIABLE = ["absolute", "arccos", "arcsin", "arctan", "arccosh", "arcsinh", "arctanh",
                  "acosh", "asinh", "atanh", "negative", "fix", "sgn", "ravel", "msort"]


@pytest.mark.parametrize("name", DIFFERENTIABLE)
def test_unary_gradient(name):
    data = [1.5, 2.5, 1.2] if "cosh" in name else [0.3, -0.6, 0.1]
    t, g = _both(data, "float64", requires_grad=True)
    yt, yg = getattr(t, name)(), getattr(g, name)()
    assert type(yg.grad_fn).__name__ == type(yt.grad_fn).__name__
    (yt * torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64)).sum().backward()
    (yg * tg.tensor([1.0, 2.0, 3.0], dtype=tg.float64)).sum().backward()
    _same(g.grad, t.grad)


BINARY = ["multiply", "divide", "subtract", "greater", "greater_equal", "less", "less_equal",
          "not_equal", "copysign", "fmax", "fmin", "logaddexp2", "float_power", "true_divide"]
A = [1.0, -2.0, NAN, 0.5, -0.0, 3.0]
B = [2.0, NAN, 1.0, 0.5, 1.0, -INF]


@pytest.mark.parametrize("name", BINARY)
def test_binary(name):
    (ta, ga), (tb, gb) = _both(A), _both(B)
    _same(getattr(tg, name)(ga, gb), getattr(torch, name)(ta, tb))
    _same(getattr(ga, name)(gb), getattr(ta, name)(tb))


@pytest.mark.parametrize("name", ["multiply", "divide", "subtract", "greater", "copysign",
                                  "float_power"])
@pytest.mark.parametrize("other", [2, -1.5])
def test_binary_with_number_and_integers(name, other):
    t, g = _both([[3, -1], [0, 7]], "int64")
    _same(getattr(tg, name)(g, other), getattr(torch, name)(t, other))


@pytest.mark.parametrize("name", ["multiply", "divide", "subtract", "copysign", "fmax", "fmin",
                                  "logaddexp2", "float_power"])
def test_binary_gradient(name):
    a, b = [0.5, -1.5, 2.0, 1.0], [1.5, 0.25, -3.0, 1.0]
    (ta, ga), (tb, gb) = (_both(a, "float64", True), _both(b, "float64", True))
    w = [1.0, 2.0, 3.0, 4.0]
    (getattr(torch, name)(ta, tb) * torch.tensor(w, dtype=torch.float64)).sum().backward()
    (getattr(tg, name)(ga, gb) * tg.tensor(w, dtype=tg.float64)).sum().backward()
    _same(ga.grad, ta.grad)
    if name != "copysign":  # torch gives other a zero gradient; tapegrad none (see report)
        _same(gb.grad, tb.grad)


def test_heaviside():
    (ta, ga), (tb, gb) = _both([-1.0, 0.0, 2.0, 0.0]), _both([0.5])
    _same(tg.heaviside(ga, gb), torch.heaviside(ta, tb))
    _same(ga.heaviside(gb), ta.heaviside(tb))
    with pytest.raises(RuntimeError, match="heaviside is not yet implemented for tensors with "
                                           "different dtypes."):
        tg.heaviside(ga, tg.tensor([1]))


def test_errors():
    with pytest.raises(RuntimeError, match=r"The `\+` operator, on a bool tensor is not "
                                           "supported."):
        tg.positive(tg.tensor([True]))
    with pytest.raises(NotImplementedError, match="\"logaddexp2_cpu\" not implemented for "
                                                  "'Long'"):
        tg.logaddexp2(tg.tensor([1]), tg.tensor([1]))
    with pytest.raises(RuntimeError, match="the base given to float_power_ has dtype Float but "
                                           "the operation's result requires dtype Double"):
        tg.rand(2).float_power_(2)


def test_swapdims():
    t, g = _both([[[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]])
    _same(tg.swapdims(g, 0, 2), torch.swapdims(t, 0, 2))
    _same(g.swapdims(1, 2), t.swapdims(1, 2))


INPLACE = [("exp_", ()), ("sigmoid_", ()), ("relu_", ()), ("tanh_", ()), ("abs_", ()),
           ("neg_", ()), ("floor_", ()), ("ceil_", ()), ("round_", ()), ("trunc_", ()),
           ("frac_", ()), ("reciprocal_", ()), ("sin_", ()), ("absolute_", ()), ("fix_", ()),
           ("negative_", ()), ("sgn_", ()), ("arctan_", ()), ("asinh_", ()), ("arcsinh_", ()),
           ("atanh_", ()), ("tril_", ()), ("triu_", (1,)), ("clamp_min_", (0.2,)),
           ("clamp_max_", (0.2,)), ("cumsum_", (0,)), ("cumprod_", (1,)), ("clip_", (-0.3, 0.3)),
           ("deg2rad_", ()), ("rad2deg_", ()), ("true_divide_", (2.0,)), ("multiply_", (3.0,)),
           ("divide_", (4.0,)), ("subtract_", (1.0,)), ("greater_", (0.0,)), ("eq_", (0.5,)),
           ("lt_", (0.0,)), ("not_equal_", (0.5,)), ("copysign_", (-1.0,)),
           ("nan_to_num_", ()), ("heaviside_", (None,))]
SQUARE = [[0.5, -0.25], [0.75, -0.5]]


def _args(args, lib):
    return tuple(lib.tensor([0.5]) if a is None else a for a in args)


@pytest.mark.parametrize("name,args", INPLACE, ids=[n for n, _ in INPLACE])
def test_inplace_method(name, args):
    t, g = _both(SQUARE)
    rt, rg = getattr(t, name)(*_args(args, torch)), getattr(g, name)(*_args(args, tg))
    assert rg is g and rt is t
    _same(g, t)


@pytest.mark.parametrize("name,args", [a for a in INPLACE if a[0] not in
                                       ("greater_", "eq_", "lt_", "not_equal_", "floor_",
                                        "ceil_", "round_", "trunc_", "fix_", "sgn_",
                                        "heaviside_",
                                        # torch: "derivative for 'inplace version of asinh'
                                        # is not implemented"; tapegrad differentiates them
                                        "asinh_", "arcsinh_", "atanh_")],
                         ids=lambda x: x if isinstance(x, str) else "")
def test_inplace_gradient(name, args):
    t, g = _both(SQUARE, "float64", requires_grad=True)
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad is being used in "
                                           "an in-place operation."):
        getattr(g, name)(*args)
    yt, yg = t * 1.5, g * 1.5
    getattr(yt, name)(*args)
    getattr(yg, name)(*args)
    # torch names some in-place nodes differently (AsinhBackward1, ClampMinBackward0)
    assert type(yg.grad_fn).__name__ == type(yt.grad_fn).__name__ or name in (
        "copysign_", "nan_to_num_", "deg2rad_", "rad2deg_", "asinh_", "arcsinh_", "atanh_",
        "arctanh_", "clamp_min_", "clamp_max_")
    yt.sum().backward()
    yg.sum().backward()
    _same(g.grad, t.grad)


@pytest.mark.parametrize("name", ["exp_", "sqrt_", "arccosh_", "sigmoid_", "clamp_min_", "fix_",
                                  "negative_", "detach_"])
def test_toplevel_inplace(name):
    t, g = _both([1.5, 2.0, 4.0])
    args = (1.8,) if name == "clamp_min_" else ()
    assert getattr(tg, name)(g, *args) is g
    getattr(torch, name)(t, *args)
    _same(g, t)


def test_float_power_inplace():
    t, g = _both([1.5, 2.0], "float64")
    assert g.float_power_(2) is g
    _same(g, t.float_power_(2))


DTYPES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64"]


@pytest.mark.parametrize("a", DTYPES)
def test_dtype_helpers(a):
    for b in DTYPES:
        assert str(tg.promote_types(getattr(tg, a), getattr(tg, b))).split(".")[1] == \
            str(torch.promote_types(getattr(torch, a), getattr(torch, b))).split(".")[1]
        assert tg.can_cast(getattr(tg, a), getattr(tg, b)) == \
            torch.can_cast(getattr(torch, a), getattr(torch, b))
    t, g = torch.zeros(2, dtype=getattr(torch, a)), tg.zeros(2, dtype=getattr(tg, a))
    assert g.is_signed() == t.is_signed() and tg.is_signed(g) == torch.is_signed(t)
    assert tg.is_complex(g) is torch.is_complex(t) is False
    assert tg.is_floating_point(g) == torch.is_floating_point(t) == g.is_floating_point()
    for other in (1, 2.5, True, torch.tensor(1.0, dtype=torch.float64), torch.ones(2)):
        mine = other if not isinstance(other, torch.Tensor) else tg.tensor(other.numpy())
        assert str(tg.result_type(g, mine)).split(".")[1] == \
            str(torch.result_type(t, other)).split(".")[1]


def test_scalar_tensor():
    for args, kw in [((3,), {}), ((2.5,), {"dtype": "int64"}), ((1,), {"dtype": "float64"})]:
        tk = {k: getattr(torch, v) for k, v in kw.items()}
        gk = {k: getattr(tg, v) for k, v in kw.items()}
        t, g = torch.scalar_tensor(*args, **tk), tg.scalar_tensor(*args, **gk)
        _same(g, t)
        assert repr(g) == repr(t).replace("torch.", "tapegrad.")
    for a, b in [(2, 3.0), (True, 2), (2.0, 1j), (False, True)]:
        assert str(tg.result_type(a, b)) == str(torch.result_type(a, b)).replace("torch",
                                                                                 "tapegrad")
