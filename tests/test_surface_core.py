"""Core edge cases against torch: in-place views that change the shape (unsqueeze_, t_,
as_strided_, resize_...), as_strided and its copy/scatter forms, integer division and powers,
the gradient of pow at 0, advanced indexing mixed with integers, range-function errors, writes
into expanded tensors, tensor() dtypes of NumPy scalars, zero_/fill_ records, and the rounding of
the fused pointwise kernels (add with alpha, lerp, addcmul, addcdiv).

Every check runs the same code under tapegrad and under torch and compares what comes out:
values, dtypes, shapes, strides, grad_fn names, gradients, or the error's type and message.
"""
from __future__ import annotations

import warnings

import numpy as np
import pytest

import tapegrad as tg
from tapegrad import _inplace_views
from tapegrad._ops import elementwise as E, fused as F

torch = pytest.importorskip("torch")


def _fn(m, name):
    """``m.<name>``, or tapegrad's function where the top-level name is not attached yet."""
    return getattr(m, name) if hasattr(m, name) else getattr(_inplace_views, name)


def _number(v):
    """A value as a comparable Python object: NaN as a string (NaN != NaN), floats to 7
    significant digits (NumPy's and torch's libm may differ in the last place)."""
    if isinstance(v, float):
        return "nan" if v != v else float(f"{v:.7g}")
    return v


def _summary(out):
    """What a result is, in plain Python: comparable between torch and tapegrad."""
    if isinstance(out, (tuple, list)):
        return [_summary(o) for o in out]
    if isinstance(out, (tg.Tensor, torch.Tensor)):
        fn = out.grad_fn
        values = [_number(v) for v in out.detach().numpy().ravel().tolist()]
        return ("tensor", str(out.dtype).split(".")[-1], tuple(out.shape), values,
                None if fn is None else type(fn).__name__)
    if isinstance(out, (tg.dtype, torch.dtype)):
        return str(out).split(".")[-1]
    return _number(out)


def _outcome(m, code):
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return _summary(code(m))
    except Exception as exc:  # noqa: BLE001 - both libraries must fail alike
        return ("raised", type(exc).__name__, str(exc))


def _same(code):
    got, want = _outcome(tg, code), _outcome(torch, code)
    assert got == want


def _with_grad(m, make, *shapes, weights=True):
    """``make(*leaves)`` and the gradients of ``sum(result * w)`` for fixed weights ``w``."""
    leaves = [m.arange(float(np.prod(s) or 1)).reshape(s).div(3).sub(1).requires_grad_()
              for s in shapes]
    out = make(*leaves)
    w = m.arange(float(out.numel())).reshape(out.shape).add(1) if weights else m.ones(out.shape)
    grads = m.autograd.grad((out * w).sum(), leaves, allow_unused=True)
    return out, list(grads)


# -- in-place views ------------------------------------------------------------------------------
INPLACE_VIEWS = {
    "unsqueeze_0": (lambda t: t.unsqueeze_(0), (2, 3)),
    "unsqueeze_-1": (lambda t: t.unsqueeze_(-1), (2, 3)),
    "squeeze_": (lambda t: t.squeeze_(), (1, 3, 1)),
    "squeeze_dim": (lambda t: t.squeeze_(0), (1, 3, 1)),
    "squeeze_dims": (lambda t: t.squeeze_((0, 2)), (1, 3, 1)),
    "squeeze_noop": (lambda t: t.squeeze_(1), (1, 3, 1)),
    "t_": (lambda t: t.t_(), (2, 3)),
    "t_1d": (lambda t: t.t_(), (3,)),
    "transpose_": (lambda t: t.transpose_(0, 2), (2, 3, 4)),
    "swapaxes_": (lambda t: t.swapaxes_(0, 1), (2, 3)),
    "swapdims_": (lambda t: t.swapdims_(1, 0), (2, 3)),
    "as_strided_": (lambda t: t.as_strided_((2, 2), (1, 2), 1), (6,)),
}


def _view_state(m, op, shape):
    x = m.arange(float(np.prod(shape))).reshape(shape)
    v0 = x._version
    r = op(x)
    return r is x, tuple(x.shape), x.stride(), x._version - v0, x.is_contiguous(), x.tolist()


@pytest.mark.parametrize("name", sorted(INPLACE_VIEWS))
def test_inplace_view_changes_the_tensor_itself(name):
    op, shape = INPLACE_VIEWS[name]
    _same(lambda m: _view_state(m, op, shape))


@pytest.mark.parametrize("name", sorted(INPLACE_VIEWS))
def test_inplace_view_records_torchs_node_and_gradient(name):
    op, shape = INPLACE_VIEWS[name]
    _same(lambda m: _with_grad(m, lambda y: op(y * 2), shape))


@pytest.mark.parametrize("name", sorted(INPLACE_VIEWS))
def test_inplace_view_refuses_a_leaf_that_requires_grad(name):
    op, shape = INPLACE_VIEWS[name]
    _same(lambda m: op(m.ones(shape, requires_grad=True)))


@pytest.mark.parametrize("name", sorted(INPLACE_VIEWS))
def test_inplace_view_of_a_leaf_under_no_grad(name):
    op, shape = INPLACE_VIEWS[name]

    def code(m):
        x = m.ones(shape, requires_grad=True)
        with m.no_grad():
            op(x)
        return tuple(x.shape), x.requires_grad, x.grad_fn is None

    _same(code)


@pytest.mark.parametrize("code", [
    lambda m: m.ones(2, 2, 2).t_(),
    lambda m: m.ones(2).unsqueeze_(3),
    lambda m: m.ones(2).transpose_(0, 2),
    lambda m: m.ones(1, 2).squeeze_(5),
], ids=["t_3d", "unsqueeze_range", "transpose_range", "squeeze_range"])
def test_inplace_view_errors(code):
    _same(code)


def test_inplace_view_of_a_view_then_written_through():
    def code(m):
        b = m.arange(6.)
        v = b[:4]
        v.unsqueeze_(0)
        v[0, 1] = 100
        w = m.arange(6.).reshape(2, 3).t()
        w.t_()
        w[0, 0] = -1
        return v._base is b, tuple(v.shape), v.stride(), b, w.is_contiguous(), w

    _same(code)


def test_inplace_view_then_inplace_op_on_a_view_of_a_graph_tensor():
    def code(m):
        y = m.arange(6., requires_grad=True)
        z = y * 1
        v = z[:4]
        v.unsqueeze_(0)
        names = [type(v.grad_fn).__name__]
        v.mul_(2)
        names += [type(z.grad_fn).__name__, type(v.grad_fn).__name__]
        (z * m.arange(6.)).sum().backward()
        return names, y.grad

    _same(code)


# -- as_strided, resize ----------------------------------------------------------------------------
STRIDED = {
    "view": lambda m: m.arange(9.).as_strided((2, 2), (3, 1), 1),
    "transposed": lambda m: m.arange(9.).as_strided((3, 3), (1, 3)),
    "offset_of_a_slice": lambda m: m.arange(12.).reshape(3, 4)[1:].as_strided((2, 2), (1, 2)),
    "explicit_offset": lambda m: m.arange(12.).reshape(3, 4)[1:].as_strided((2,), (1,), 0),
    "function": lambda m: _fn(m, "as_strided")(m.arange(9.), (3, 3), (1, 3)),
    "out_of_bounds": lambda m: m.arange(9.).as_strided((3, 4), (3, 1)),
    "negative_stride": lambda m: m.arange(9.).as_strided((2,), (-1,)),
    "length_mismatch": lambda m: m.arange(9.).as_strided((2, 2), (1,)),
    "copy": lambda m: _fn(m, "as_strided_copy")(m.arange(9.), (2, 2), (3, 1), 1),
    "scatter": lambda m: _fn(m, "as_strided_scatter")(m.zeros(9), m.arange(4.).reshape(2, 2),
                                                      (2, 2), (3, 1), 1),
    "scatter_method": lambda m: m.zeros(3, 3).as_strided_scatter(m.ones(2), (2,), (1,), 1),
    "scatter_of_a_slice": lambda m: m.zeros(3, 3)[1:].as_strided_scatter(m.ones(2), (2,), (1,),
                                                                           1),
    "scatter_of_a_transpose": lambda m: m.zeros(3, 3).t().as_strided_scatter(m.ones(2), (2,),
                                                                               (1,), 1),
    "scatter_wrong_src": lambda m: m.zeros(3).as_strided_scatter(m.ones(3), (2,), (1,)),
    "scatter_out_of_bounds": lambda m: m.zeros(3).as_strided_scatter(m.ones(2), (2,), (1,), 2),
}


@pytest.mark.parametrize("name", sorted(STRIDED))
def test_as_strided(name):
    _same(STRIDED[name])


def test_as_strided_is_a_view_of_the_storage():
    def code(m):
        x = m.arange(9.)
        y = x.as_strided((2, 2), (3, 1), 1)
        y[0, 0] = 100
        return y._base is x, y.stride(), y.storage_offset(), y.is_contiguous(), x

    _same(code)


STRIDED_GRADS = {
    "plain": (lambda w: w.as_strided((2, 2), (1, 2), 1), (6,)),
    "overlapping": (lambda w: w.as_strided((3, 2), (1, 1)), (6,)),
    "of_a_graph_tensor": (lambda w: (w * 2).as_strided((3, 2), (1, 1)), (6,)),
    "of_a_slice": (lambda w: (w * 1)[2:].as_strided((2, 2), (1, 1)), (6,)),
    "of_a_transpose": (lambda w: (w * 1).reshape(2, 3).t().as_strided((2, 2), (1, 1), 2), (6,)),
    "in_place": (lambda w: (w * 2).as_strided_((2,), (2,)), (4,)),
    "copy": (lambda w: _fn(tg if isinstance(w, tg.Tensor) else torch, "as_strided_copy")(
        w, (2, 2), (1, 2), 1), (6,)),
}


@pytest.mark.parametrize("name", sorted(STRIDED_GRADS))
def test_as_strided_gradients(name):
    make, shape = STRIDED_GRADS[name]
    _same(lambda m: _with_grad(m, make, shape))


def test_as_strided_scatter_gradient_of_src():
    # (torch's gradient for ``input`` is the complement of the right one in 2.13: it fails
    # torch's own gradcheck, so only src's is compared; tests/test_gradcheck.py checks both)
    def code(m):
        a = m.zeros(9, requires_grad=True)
        b = m.ones(2, 2, requires_grad=True)
        o = m.zeros(9).as_strided_scatter(b, (2, 2), (3, 1), 1) + a
        (o * m.arange(9.)).sum().backward()
        return type(o.grad_fn.next_functions[0][0]).__name__, o, b.grad

    _same(code)


def test_as_strided_scatter_input_gradient_is_the_mathematical_one():
    a = tg.zeros(9, requires_grad=True)
    out = a.as_strided_scatter(tg.ones(2, 2), (2, 2), (3, 1), 1)
    (out * tg.arange(9.)).sum().backward()
    assert a.grad.tolist() == [0, 0, 0, 3, 0, 0, 6, 7, 8]  # the places src did not replace


RESIZE = {
    "same_numel": lambda m: m.arange(6.).resize_(2, 3),
    "smaller": lambda m: m.arange(6.).resize_(2, 2),
    "tuple": lambda m: m.arange(6.).resize_((3,)),
    "list": lambda m: m.arange(6.).resize_([2, 1]),
    "empty": lambda m: m.arange(6.).resize_(0),
    "transposed_new_shape": lambda m: m.arange(6.).reshape(2, 3).t().resize_(2, 3),
    "transposed_same_shape": lambda m: m.arange(6.).reshape(2, 3).t().resize_(3, 2),
    "as_template": lambda m: m.arange(6.).resize_as_(m.zeros(3, 2)),
    "function_resize_as_": lambda m: _fn(m, "resize_as_")(m.arange(6.), m.zeros(2, 2)),
    "requires_grad_leaf": lambda m: m.ones(3, requires_grad=True).resize_(2),
    "requires_grad_nonleaf": lambda m: (m.ones(3, requires_grad=True) * 2).resize_(2),
    "requires_grad_same": lambda m: m.ones(3, requires_grad=True).resize_(3),
    "negative": lambda m: m.ones(3).resize_(-1),
    "deprecated_resize": lambda m: m.arange(6.).resize(2, 3),
    "deprecated_resize_numel": lambda m: m.arange(6.).resize(4),
    "deprecated_resize_grad": lambda m: m.ones(3, requires_grad=True).resize(1, 3),
    "deprecated_resize_as": lambda m: m.arange(6.).resize_as(m.zeros(2, 3)),
    "deprecated_resize_as_numel": lambda m: m.arange(6.).resize_as(m.zeros(4)),
    "deprecated_resize_as_grad": lambda m: m.ones(3, requires_grad=True).resize_as(m.ones(1, 3)),
}


@pytest.mark.parametrize("name", sorted(RESIZE))
def test_resize(name):
    _same(lambda m: (RESIZE[name](m), ))


def test_resize_keeps_identity_storage_and_counts_a_version():
    def code(m):
        x = m.arange(6.)
        v0 = x._version
        r = x.resize_(2, 2)
        big = m.arange(6.)
        big.resize_(8)
        v = m.arange(6.)[1:3]
        v.resize_(2, 2)
        return r is x, x._version - v0, x.stride(), tuple(big.shape), big[:6], v

    _same(code)


def test_resize_warns_as_torch():
    with pytest.warns(UserWarning, match="non-inplace resize is deprecated"):
        y = tg.arange(6.).resize(2, 3)
    with pytest.warns(UserWarning, match="non-inplace resize_as is deprecated"):
        z = tg.arange(6.).resize_as(y)
    assert y.shape == z.shape == (2, 3)


# -- integer arithmetic and powers -------------------------------------------------------------
ARITH = {
    "floordiv_int": lambda m: m.arange(-3, 6).reshape(3, 3) // 2,
    "floordiv_zero": lambda m: m.arange(6) // 0,
    "floordiv_zero_tensor": lambda m: m.arange(3) // m.tensor([1, 0, 1]),
    "mod_zero": lambda m: m.arange(6) % 0,
    "fmod_zero": lambda m: m.fmod(m.arange(6), 0),
    "fmod_bool": lambda m: m.fmod(m.tensor([True]), m.tensor([True])),
    "floordiv_float_zero": lambda m: m.arange(3.) // 0,
    "rfloordiv": lambda m: 7 // m.arange(1, 4),
    "remainder_float32_pyfloat": lambda m: m.ones(3) % 0.7,
    "remainder_fn_float32_pyfloat": lambda m: m.remainder(m.ones(3), 0.7),
    "remainder_int_pyfloat": lambda m: m.arange(6) % 2.5,
    "rremainder": lambda m: 2.5 % m.ones(3),
    "int_pow_negative": lambda m: m.arange(6) ** -1,
    "int_pow_fn_negative": lambda m: m.pow(m.arange(6), -2),
    "int_pow_inplace_negative": lambda m: m.tensor([2]).pow_(-1),
    "int_pow_negative_tensor": lambda m: m.tensor([0, 1, -1, 2, -2, 3]) ** m.tensor(
        [-1, -1, -1, -1, -1, -2]),
    "int_pow_negative_odd": lambda m: m.tensor([0, 1, -1, 2, -2, -1]) ** m.tensor(
        [-3, -3, -3, -3, -3, -2]),
    "number_pow_int_tensor": lambda m: [0 ** m.tensor([-1, 0, 1]), 1 ** m.tensor([-1, 0, 1]),
                                        (-1) ** m.tensor([-1, -2, 1]),
                                        2 ** m.tensor([-1, 2])],
    "uint8_pow_negative": lambda m: m.tensor([2, 3], dtype=m.uint8) ** m.tensor([-1, 0]),
    "int_pow_float": lambda m: [m.tensor([2]) ** -1.0, m.arange(4) ** 0.5],
    "bool_pow": lambda m: [m.tensor([True]) ** 2, m.tensor([True]) ** True],
    "bool_pow_bool_tensor": lambda m: m.tensor([True]) ** m.tensor([True]),
    "float_pow_inplace": lambda m: m.tensor([1.5, -2.0]).pow_(2),
}


@pytest.mark.parametrize("name", sorted(ARITH))
def test_integer_division_and_powers(name):
    _same(ARITH[name])


def _div(m, a, b, mode):
    """``div(a, b, rounding_mode=mode)``: tapegrad's op until _api.div calls it."""
    return m.div(a, b, rounding_mode=mode) if m is torch else E.div_rounding(a, b, mode)


DIVISIONS = {
    "int_int": lambda m: (m.tensor([5, -5, 7]), m.tensor([2, 2, -7])),
    "int_pyint": lambda m: (m.tensor([5, -5]), 2),
    "int_pyfloat": lambda m: (m.tensor([5, -5]), 2.0),
    "int8": lambda m: (m.tensor([5, -5], dtype=m.int8), 2),
    "float": lambda m: (m.tensor([1.0, 2.0, -3.5]), -1.5),
    "int_by_zero": lambda m: (m.tensor([5]), 0),
    "float_by_zero": lambda m: (m.tensor([5.0, -1.0, 0.0]), 0),
    "bool": lambda m: (m.tensor([True]), True),
}


@pytest.mark.parametrize("mode", ["trunc", "floor", None, "bad"])
@pytest.mark.parametrize("name", sorted(DIVISIONS))
def test_div_with_rounding_mode(name, mode):
    _same(lambda m: _div(m, *DIVISIONS[name](m), mode))


@pytest.mark.parametrize("mode", ["trunc", "floor"])
def test_div_with_rounding_mode_has_a_zero_gradient(mode):
    _same(lambda m: _with_grad(m, lambda x: _div(m, x, 2, mode), (4,)))


POW_EXPONENTS = [0.0, -1.0, 0.5, -0.5, 1.0, 2.0, 3.0]
POW_BASES = [0.0, 1.0, -1.0, float("nan"), float("inf"), 2.5]


@pytest.mark.parametrize("e", POW_EXPONENTS)
def test_pow_gradient_at_zero_and_special_values(e):
    def code(m):
        x = m.tensor(POW_BASES, requires_grad=True)
        y = m.tensor([e] * len(POW_BASES), requires_grad=True)
        scalar = m.autograd.grad((x ** e).sum(), x)
        both = m.autograd.grad((x ** y).sum(), [x, y])
        number_base = [m.autograd.grad((b ** y).sum(), y) for b in (0.0, 2.0, -2.0)]
        tensor_base = m.autograd.grad((m.tensor(0.0) ** y).sum(), y)
        return scalar, both, number_base, tensor_base

    _same(code)


def test_pow_second_order_at_zero():
    def code(m):
        x = m.tensor([0.0, 1.0, -1.0], requires_grad=True)
        y = m.tensor([0.0, 2.0, 0.5], requires_grad=True)
        gx, gy = m.autograd.grad((x ** y).sum(), [x, y], create_graph=True)
        return [g.detach() for g in (gx, gy)], m.autograd.grad(gx.sum() + gy.sum(), [x, y])

    _same(code)


# -- advanced indexing mixed with integers --------------------------------------------------------
INDICES = ["[[0,1], :, [0,1]]", "[:, [0,1], 0]", "[0, :, [1,2]]", "[[0],[1]]", "[None, [0],[1]]",
           "[..., [0],[1]]", "[[0], ..., [1]]", "[0, ..., [1, 2]]", "[1:, [1,2], None, 0]",
           "[0, m, 1]", "[1, m]", "[:, m, [0, 1]]", "[-1, :, t([[1],[3]])]",
           "[[[0],[1]], 1, [0,1,2]]", "[0, 1:, [1, 3]]", "[1, None, :, [0, 2]]",
           "[t(1), :, [0, 2]]", "[0, :, [True, False, True, False]]", "[1:, [0,1]]",
           "[0, [1,2]]", "[:, [0,1]]", "[[0,1], 1:]", "[1, :, [0, 2], None]"]


def _env(m, **more):
    return {"m": m.tensor([True, False, True]), "t": m.tensor, **more}


@pytest.mark.parametrize("index", INDICES)
def test_advanced_index_read(index):
    _same(lambda m: eval("x" + index, _env(m, x=m.arange(24.).reshape(2, 3, 4))))


@pytest.mark.parametrize("index", INDICES)
def test_advanced_index_write(index):
    def code(m):
        shape = eval("x" + index, _env(m, x=m.zeros(2, 3, 4))).shape
        z = m.zeros(2, 3, 4)
        exec("z" + index + " = v", _env(m, z=z, v=m.arange(1., 1. + np.prod(shape)).reshape(shape)))
        s = m.zeros(2, 3, 4)
        exec("s" + index + " = 7", _env(m, s=s))
        return z, s

    _same(code)


@pytest.mark.parametrize("index", INDICES)
def test_advanced_index_gradients(index):
    def code(m):
        got = _with_grad(m, lambda w: eval("w" + index, _env(m, w=w)), (2, 3, 4))
        w = m.arange(24.).reshape(2, 3, 4).requires_grad_()
        u = w * 1
        shape = eval("u" + index, _env(m, u=u)).shape
        v = m.ones(shape, requires_grad=True)
        exec("u" + index + " = v * 2", _env(m, u=u, v=v))
        (u * m.arange(24.).reshape(2, 3, 4)).sum().backward()
        return got, type(u.grad_fn).__name__, v.grad, w.grad

    _same(code)


# -- ranges ----------------------------------------------------------------------------------------
RANGES = {
    "linspace_negative": lambda m: m.linspace(0, 1, -1),
    "linspace_no_steps": lambda m: m.linspace(0, 1),
    "linspace_float_steps": lambda m: m.linspace(0, 1, 2.5),
    "linspace_str_steps": lambda m: m.linspace(0, 1, "3"),
    "linspace_tensor_ends": lambda m: m.linspace(m.tensor(0.), 1, 3),
    "linspace_tensor_steps": lambda m: m.linspace(0, 1, m.tensor(3)),
    "linspace_1d_start": lambda m: m.linspace(m.tensor([0., 1]), 1, 3),
    "linspace_1d_end": lambda m: m.linspace(0, m.ones(2), 3),
    "linspace_int": lambda m: m.linspace(0, 1, 3, dtype=m.int64),
    "linspace_zero_and_one": lambda m: [m.linspace(2, 3, 0), m.linspace(2, 3, 1)],
    "logspace_negative": lambda m: m.logspace(0, 1, -2),
    "logspace_no_steps": lambda m: m.logspace(0, 1),
    "logspace_1d": lambda m: m.logspace(m.tensor([0., 1]), 1, 3),
    "logspace_base": lambda m: m.logspace(0, 2, 3, base=2),
    "arange_zero_step": lambda m: m.arange(0, 10, 0),
    "arange_wrong_sign": lambda m: m.arange(10, 0, 1),
    "arange_wrong_sign_negative": lambda m: m.arange(0, 10, -1),
    "arange_inf": lambda m: m.arange(0, float("inf")),
    "arange_nan": lambda m: m.arange(0, float("nan")),
    "arange_inf_start": lambda m: m.arange(float("inf"), 3),
    "arange_too_many": lambda m: m.arange(0, 1e20, 1e-10),
    "arange_four_args": lambda m: m.arange(0, 3, 1, 2),
    "arange_no_args": lambda m: m.arange(),
    "arange_str": lambda m: m.arange("a"),
    "arange_str_end": lambda m: m.arange(0, "a"),
    "arange_bool": lambda m: m.arange(5, dtype=m.bool),
    "arange_values": lambda m: [m.arange(1, 2.5, 0.5), m.arange(m.tensor(3)), m.arange(5, 5),
                                m.arange(start=1, end=4), m.arange(end=4), m.arange(10, 0, -3),
                                m.arange(0.5, -1.5, -0.5, dtype=m.float64)],
}


@pytest.mark.parametrize("name", sorted(RANGES))
def test_range_functions(name):
    _same(RANGES[name])


# -- known core bugs -------------------------------------------------------------------------------
@pytest.mark.parametrize("make", [
    lambda np_: [np_.int8(3)], lambda np_: [np_.float32(1)], lambda np_: np_.float32(1),
    lambda np_: [np_.int8(1), np_.int16(2)], lambda np_: [np_.float32(1), np_.float64(2)],
    lambda np_: [np_.float32(1), 2.0], lambda np_: [np_.int8(1), 2], lambda np_: [np_.int8(1), 2.0],
    lambda np_: [np_.float16(1), np_.int64(2)], lambda np_: [[np_.int8(1)], [np_.uint8(200)]],
    lambda np_: [np_.int8(1), True], lambda np_: [1, np_.float32(2)],
    lambda np_: [2.0, np_.int32(1)], lambda np_: [2, np_.float16(1)],
])
@pytest.mark.parametrize("default", ["float32", "float64"])
def test_tensor_dtype_of_numpy_scalars(make, default):
    def code(m):
        old = m.get_default_dtype()
        m.set_default_dtype(getattr(m, default))
        try:
            return m.tensor(make(np)), m.as_tensor(make(np))
        finally:
            m.set_default_dtype(old)

    _same(code)


EXPANDED = {
    "add_": lambda m: m.zeros(3).expand(2, 3).add_(1),
    "mul_": lambda m: m.zeros(3).expand(2, 3).mul_(2),
    "sin_": lambda m: m.zeros(3).expand(2, 3).sin_(),
    "copy_": lambda m: m.zeros(3).expand(2, 3).copy_(m.ones(2, 3)),
    "zero_": lambda m: m.zeros(3).expand(2, 3).zero_(),
    "fill_": lambda m: m.zeros(3).expand(2, 3).fill_(1),
    "fill_tensor": lambda m: m.zeros(1, 3).expand(2, 3).fill_(m.tensor(2.)),
    "row_add_": lambda m: m.zeros(3).expand(2, 3)[0].add_(1),
    "row_copy_": lambda m: m.zeros(3).expand(2, 3)[1].copy_(m.ones(3)),
}


def _set(x, index, value):
    x[index] = value
    return x


EXPANDED.update({
    "setitem_row": lambda m: _set(m.zeros(3).expand(2, 3), 0, 1.5),
    "setitem_column": lambda m: _set(m.zeros(3).expand(2, 3), (slice(None), 1), 2.0),
    "setitem_all": lambda m: _set(m.zeros(3).expand(2, 3), Ellipsis, 1.0),
})


@pytest.mark.parametrize("name", sorted(EXPANDED))
def test_writes_into_an_expanded_tensor(name):
    def code(m):
        base = m.zeros(3)
        out = EXPANDED[name](m)
        return out, base

    _same(code)


def test_writes_through_an_expanded_tensor_reach_its_base():
    def code(m):
        a, b = m.zeros(3), m.zeros(3)
        a.expand(2, 3).fill_(5)
        b.expand(2, 3)[1].add_(5)
        return a, b

    _same(code)


def test_is_view_is_a_method():
    assert callable(tg.Tensor._is_view)
    _same(lambda m: [m.zeros(2)._is_view(), m.zeros(2)[0]._is_view(), m.zeros(2).detach()._is_view()])


@pytest.mark.parametrize("shapes", [[(2, 3), (4,)], [(2, 3), (5, 1, 3), (2,)],
                                    [(2, 1), (1, 3), (3, 2, 1)], [(0,), (1,)], [(0,), (2,)],
                                    [(3, 1), (1, 0)], [(2, 3)]])
def test_broadcast_tensors(shapes):
    _same(lambda m: [tuple(t.shape) for t in m.broadcast_tensors(*[m.zeros(s) for s in shapes])])


@pytest.mark.parametrize("divisor", ["int_vector", "int_scalar", "int8", "float"])
def test_division_by_an_integer_tensor_keeps_float32(divisor):
    def code(m):
        d = {"int_vector": m.tensor([3, 7]), "int_scalar": m.tensor(3),
             "int8": m.tensor([3, 7], dtype=m.int8), "float": m.tensor([3., 7.])}[divisor]
        x = m.tensor([1., 2.], requires_grad=True)
        g, = m.autograd.grad((x * x / d).sum(), x, create_graph=True)
        g2, = m.autograd.grad(g.sum(), x)
        return g.dtype, g.detach(), g2, m.autograd.grad((d / x).sum(), x)

    _same(code)


FILLS = {
    "zero_": lambda x: x.zero_(),
    "fill_number": lambda x: x.fill_(2),
    "fill_tensor": lambda x: x.fill_(x.new_tensor(3.)),
}


@pytest.mark.parametrize("name", sorted(FILLS))
def test_zero_and_fill_record_torchs_nodes(name):
    _same(lambda m: _with_grad(m, lambda x: FILLS[name](x * -1), (2, 3)))


def test_fill_with_a_tensor_that_requires_grad():
    def code(m):
        x = m.tensor([1., 2.], requires_grad=True)
        v = m.tensor(3., requires_grad=True)
        y = (x * 1).fill_(v)
        y.sum().backward()
        return y, v.grad, x.grad

    _same(code)


def test_fill_refuses_a_tensor_with_dimensions():
    _same(lambda m: m.zeros(3).fill_(m.ones(2)))


# -- fused kernels: torch's float32 results, bit for bit ------------------------------------------
def _bits(t):
    return t.detach().numpy().view(np.int32).tolist() if t.dtype == torch.float32 or \
        t.dtype == tg.float32 else t.detach().numpy().tolist()


def _data(m, n=20000):
    rng = np.random.default_rng(3)
    a, b = (m.tensor(rng.standard_normal(n).astype(np.float32)) for _ in range(2))
    c = m.tensor((rng.random(n) + 0.5).astype(np.float32))
    return a, b, c


FUSED = {
    "lerp_small_weight": lambda m, a, b, c: m.lerp(a, b, 0.3),
    "lerp_large_weight": lambda m, a, b, c: m.lerp(a, b, 0.7),
    "lerp_negative_weight": lambda m, a, b, c: m.lerp(a, b, -0.2),
    "lerp_tensor_weight": lambda m, a, b, c: m.lerp(a, b, c - 0.5),
    "lerp_inplace": lambda m, a, b, c: a.clone().lerp_(b, 0.6),
    "addcmul": lambda m, a, b, c: m.addcmul(a, b, c, value=0.3),
    "addcmul_negative": lambda m, a, b, c: m.addcmul(a, b, c, value=-2.5),
    "addcmul_inplace": lambda m, a, b, c: a.clone().addcmul_(b, c, value=0.2),
    "addcdiv": lambda m, a, b, c: m.addcdiv(a, b, c, value=0.3),
    "addcdiv_inplace": lambda m, a, b, c: a.clone().addcdiv_(b, c, value=0.1),
    "add_alpha": lambda m, a, b, c: m.add(a, b, alpha=0.1) if m is torch
    else F.ADD_ALPHA(a, b, alpha=0.1),
    "sub_alpha": lambda m, a, b, c: m.sub(a, b, alpha=-0.7) if m is torch
    else F.SUB_ALPHA(a, b, alpha=-0.7),
    "add_alpha_int": lambda m, a, b, c: m.add(m.tensor([1, 2]), m.tensor([3, 4]), alpha=2)
    if m is torch else F.ADD_ALPHA(m.tensor([1, 2]), m.tensor([3, 4]), alpha=2),
}


@pytest.mark.parametrize("name", sorted(FUSED))
def test_fused_kernels_round_as_torch(name):
    got = FUSED[name](tg, *_data(tg))
    want = FUSED[name](torch, *_data(torch))
    assert str(got.dtype).split(".")[-1] == str(want.dtype).split(".")[-1]
    assert _bits(got) == _bits(want)


FUSED_GRADS = {
    "lerp": (lambda m, x, y, w: m.lerp(x, y, 0.3)),
    "lerp_far": (lambda m, x, y, w: m.lerp(x, y, 0.8)),
    "lerp_tensor": (lambda m, x, y, w: m.lerp(x, y, w)),
    "addcmul": (lambda m, x, y, w: m.addcmul(x, y, w, value=2)),
    "addcdiv": (lambda m, x, y, w: m.addcdiv(x, y, w.add(2), value=2)),
    "addcdiv_int": (lambda m, x, y, w: m.addcdiv(x, m.tensor([1, 2]), m.tensor([1, 2]))),
}


@pytest.mark.parametrize("name", sorted(FUSED_GRADS))
def test_fused_kernels_record_torchs_nodes(name):
    make = FUSED_GRADS[name]
    _same(lambda m: _with_grad(m, lambda x, y, w: make(m, x, y, w), (2,), (2,), (2,)))


@pytest.mark.parametrize("create_graph", [False, True])
@pytest.mark.parametrize("divisor", ["int", "int_scalar", "float"])
def test_division_gradients_round_as_torch(divisor, create_graph):
    """DivBackward0 computes ``g / other`` and ``-g * ((input / other) / other)`` in float32."""
    def grads(m):
        rng = np.random.default_rng(5)
        x = m.tensor(rng.standard_normal(500).astype(np.float32), requires_grad=True)
        w = m.tensor(rng.standard_normal(500).astype(np.float32))
        d = {"int": m.tensor(rng.integers(1, 9, 500)), "int_scalar": m.tensor(3),
             "float": m.tensor(rng.standard_normal(500).astype(np.float32), requires_grad=True)
             }[divisor]
        wrt = [x, d] if d.requires_grad else [x]
        first = m.autograd.grad(x / d, wrt, w, create_graph=create_graph)
        second = m.autograd.grad(d / x, [x], w, create_graph=create_graph)
        return [_bits(g) for g in first + second]

    assert grads(tg) == grads(torch)


def test_pow_gradient_graph_under_create_graph():
    def code(m):
        x = m.tensor([0.0, 1.0, -1.0, 2.0], requires_grad=True)
        y = m.tensor([0.0, 2.0, 0.5, -1.0], requires_grad=True)
        gx, gy = m.autograd.grad((x ** y).sum(), [x, y], create_graph=True)
        return gx, gy

    _same(code)


@pytest.mark.parametrize("index", ["[:, [5]]", "[:, :, [5]]", "[[0], :, [5]]", "[0, :, [5]]",
                                   "[[5], 0]", "[:, [0], [7]]", "[[3]]", "[0, [1], [9]]",
                                   "[:, [-4]]", "[[0, 1], [2, -5]]"])
def test_index_array_out_of_bounds_names_torchs_dimension(index):
    def code(m):
        x = m.arange(24.).reshape(2, 3, 4)
        return eval("x" + index, {"x": x})

    _same(code)


@pytest.mark.parametrize("make", [
    lambda m: [m.tensor(1.), m.tensor(2.)], lambda m: [m.ones(2), m.tensor(2.)],
    lambda m: [m.ones(0), m.tensor(2.)], lambda m: [m.ones(2, 1), m.ones(2)]])
def test_cat_refuses_zero_dim_and_mismatched_ranks_as_torch(make):
    with pytest.raises(RuntimeError) as theirs:
        torch.cat(make(torch))
    with pytest.raises(RuntimeError) as ours:
        tg.cat(make(tg))
    assert str(ours.value) == str(theirs.value)
