"""The 'bits' family against real torch: bitwise ops and operators, complex tensors, dtype views,
frombuffer, DLPack, threads and the process-wide switches, windows and small factories.

Each case is a function of the module (``tapegrad`` or ``torch``); it runs under both and must
give the same values, dtype and shape, or the same error type and message.
"""
from __future__ import annotations

import array
import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")
import tapegrad as tg  # noqa: E402


def _outcome(fn, module):
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return ("ok", fn(module))
    except Exception as exc:  # noqa: BLE001  (the error is what we compare)
        return ("error", type(exc).__name__, str(exc).replace("tapegrad", "torch"))


def _same(mine, theirs):
    if isinstance(theirs, torch.Tensor):
        assert isinstance(mine, tg.Tensor), mine
        assert str(mine.dtype).replace("tapegrad", "torch") == str(theirs.dtype)
        assert tuple(mine.shape) == tuple(theirs.shape)
        expected = theirs.detach().resolve_conj().resolve_neg().numpy()
        got = mine.detach().numpy()
        if expected.dtype.kind in "fc":
            np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-7, equal_nan=True)
        else:
            np.testing.assert_array_equal(got, expected)
    elif isinstance(theirs, (tuple, list)) and not isinstance(theirs, torch.Size):
        assert len(mine) == len(theirs)
        for m, t in zip(mine, theirs):
            _same(m, t)
    else:
        assert mine == theirs or str(mine).replace("tapegrad", "torch") == str(theirs)


def check(fn):
    mine, theirs = _outcome(fn, tg), _outcome(fn, torch)
    assert mine[0] == theirs[0], (mine, theirs)
    if theirs[0] == "error":
        assert mine[1:] == theirs[1:]
    else:
        _same(mine[1], theirs[1])


def _ints(m):
    return m.tensor([1, 2, 3, -4]), m.tensor([3, 1, 7, 2], dtype=m.int32)


# -- bitwise ------------------------------------------------------------------------------------
BITWISE = {
    "and": lambda m: _ints(m)[0] & _ints(m)[1],
    "or_int": lambda m: _ints(m)[0] | 5,
    "xor_reflected": lambda m: 5 ^ _ints(m)[0],
    "invert": lambda m: ~_ints(m)[0],
    "invert_bool": lambda m: ~m.tensor([True, False]),
    "bool_and": lambda m: m.tensor([True, False]) & m.tensor([True, True]),
    "bool_or_int": lambda m: m.tensor([True, False]) | 1,
    "bool_and_true": lambda m: m.bitwise_and(m.tensor([True, False]), True),
    "lshift": lambda m: _ints(m)[0] << 2,
    "rshift": lambda m: _ints(m)[0] >> 1,
    "rlshift": lambda m: 2 << _ints(m)[0].abs(),
    "lshift_tensor": lambda m: _ints(m)[0] << _ints(m)[1],
    "lshift_wide": lambda m: m.bitwise_left_shift(_ints(m)[0], 70),
    "lshift_negative": lambda m: m.tensor([5, -5]) << -1,
    "rshift_negative": lambda m: m.tensor([5, -5]) >> -1,
    "rshift_63": lambda m: m.tensor([5, -5]) >> 63,
    "rshift_64": lambda m: m.tensor([1, -1]) >> 64,
    "lshift_uint8_wraps": lambda m: m.tensor([200], dtype=m.uint8) << 1,
    "lshift_int8_wraps": lambda m: m.tensor([100], dtype=m.int8) << 1,
    "rshift_uint8_wide": lambda m: m.tensor([5], dtype=m.uint8) >> 9,
    "bool_lshift_int": lambda m: m.tensor([True, False]) << 1,
    "zero_dim_promotion": lambda m: m.tensor(5, dtype=m.int8) << m.tensor([1, 2]),
    "zero_dim_keeps_uint8": lambda m: m.tensor(3) & m.tensor([1, 2], dtype=m.uint8),
    "scalar_first": lambda m: m.bitwise_and(3, _ints(m)[0]),
    "shift_scalar_first": lambda m: m.bitwise_left_shift(1, _ints(m)[0].abs()),
    "method_not": lambda m: _ints(m)[0].bitwise_not(),
    "keyword_operands": lambda m: m.bitwise_xor(input=_ints(m)[0], other=_ints(m)[0]),
    "rand_method": lambda m: _ints(m)[0].__rand__(3),
    "float_and": lambda m: m.tensor([1.]) & _ints(m)[0],
    "float_scalar_and": lambda m: _ints(m)[0] & 1.5,
    "float_not": lambda m: m.bitwise_not(m.tensor([1.])),
    "complex_not": lambda m: m.bitwise_not(m.tensor([1 + 1j])),
    "float_invert": lambda m: ~m.tensor([1.]),
    "float_lshift": lambda m: m.tensor([1.]) << 1,
    "float_rshift_scalar": lambda m: _ints(m)[0] >> 1.0,
    "bool_shift_bool": lambda m: m.tensor([True]) << m.tensor([True]),
    "str_operand": lambda m: _ints(m)[0] & "x",
    "none_operand": lambda m: _ints(m)[0] << None,
}


@pytest.mark.parametrize("name", sorted(BITWISE))
def test_bitwise_matches_torch(name):
    check(BITWISE[name])


def _inplace_chain(m):
    c = _ints(m)[0].clone()
    c &= 6
    c |= _ints(m)[1]
    c <<= 1
    c >>= 2
    c ^= 1
    return c


INPLACE = {
    "operators": _inplace_chain,
    "named": lambda m: m.tensor([5, -5]).bitwise_right_shift_(1),
    "named_not": lambda m: m.tensor([5, 0]).bitwise_not_(),
    "named_left": lambda m: m.tensor([5, 1]).bitwise_left_shift_(m.tensor([1, 2])),
    "float_into_long": lambda m: m.tensor([1, 2]).__iand__(1.5),
    "long_into_bool": lambda m: m.tensor([True]).__ior__(m.tensor([1])),
}


@pytest.mark.parametrize("name", sorted(INPLACE))
def test_bitwise_in_place_matches_torch(name):
    check(INPLACE[name])


def test_in_place_bitwise_writes_into_the_tensor():
    a = tg.tensor([6, 3])
    b = a
    a &= 5
    assert b is a and a.tolist() == [4, 1]


def test_bitwise_results_never_require_grad():
    x = tg.tensor([1, 2])
    assert not (x & x).requires_grad and (x << 1).grad_fn is None


# -- complex tensors ----------------------------------------------------------------------------
def _z(m):
    return m.tensor([1 + 2j, -3.5 - 1j, 0j])


COMPLEX = {
    "real": lambda m: _z(m).real,
    "imag": lambda m: _z(m).imag,
    "real_of_float": lambda m: m.tensor([1., -2.]).real,
    "real_of_int": lambda m: m.real(m.tensor([1, -2])),
    "imag_of_float": lambda m: m.tensor([1., -2.]).imag,
    "imag_function": lambda m: m.imag(m.tensor([1.])),
    "angle": lambda m: _z(m).angle(),
    "angle_float": lambda m: m.tensor([1., -2., 0., -0., float("nan")]).angle(),
    "angle_int": lambda m: m.angle(m.tensor([1, -2, 0])),
    "angle_double": lambda m: m.tensor([-1.], dtype=m.float64).angle(),
    "conj": lambda m: _z(m).conj(),
    "conj_imag": lambda m: m.conj(_z(m)).imag,
    "conj_float": lambda m: m.tensor([1., -2.]).conj(),
    "conj_physical": lambda m: _z(m).conj_physical(),
    "conj_physical_int": lambda m: m.tensor([1, -2]).conj_physical(),
    "resolve_conj": lambda m: _z(m).resolve_conj(),
    "polar": lambda m: m.polar(m.tensor([1., 2.]), m.tensor([0., 1.5707963])),
    "polar_double": lambda m: m.polar(m.tensor([1.], dtype=m.float64),
                                      m.tensor([2.], dtype=m.float64)),
    "polar_mixed": lambda m: m.polar(m.tensor([1.], dtype=m.float64), m.tensor([0.])),
    "polar_ints": lambda m: m.polar(m.tensor([1]), m.tensor([0])),
    "complex": lambda m: m.complex(m.tensor([1., 2.]), m.tensor([3., 4.])),
    "complex_broadcast": lambda m: m.complex(m.tensor([1., 2.]), m.tensor([3.])),
    "complex_mixed": lambda m: m.complex(m.tensor([1.]), m.tensor([3.], dtype=m.float64)),
    "complex_ints": lambda m: m.complex(m.tensor([1]), m.tensor([3])),
    "view_as_real": lambda m: m.view_as_real(_z(m)),
    "view_as_real_strided": lambda m: m.view_as_real(_z(m)[::2]),
    "view_as_real_float": lambda m: m.view_as_real(m.tensor([1.])),
    "view_as_real_zero_dim": lambda m: m.view_as_real(m.tensor(1 + 2j)),
    "view_as_complex": lambda m: m.view_as_complex(m.tensor([[1., 2.], [3., 4.]])),
    "view_as_complex_vector": lambda m: m.view_as_complex(m.tensor([1., 2.])),
    "view_as_complex_size": lambda m: m.view_as_complex(m.tensor([1., 2., 3.])),
    "view_as_complex_long": lambda m: m.view_as_complex(m.tensor([[1, 2]])),
    "view_as_complex_stride": lambda m: m.view_as_complex(m.tensor([[1., 2.], [3., 4.]]).t()),
    "view_as_complex_odd": lambda m: m.view_as_complex(m.zeros(2, 3)[:, :2]),
    "view_as_real_copy": lambda m: m.view_as_real_copy(_z(m)),
    "view_as_complex_copy": lambda m: m.view_as_complex_copy(m.tensor([[1., 2.]])),
    "cfloat": lambda m: m.tensor([1., -2.]).cfloat(),
    "cdouble": lambda m: m.tensor([1, -2]).cdouble(),
    "is_complex": lambda m: (_z(m).is_complex(), m.is_complex(m.tensor([1.]))),
    "abs": lambda m: _z(m).abs(),
    "abs_builtin": lambda m: abs(_z(m)),
    "abs_function": lambda m: m.abs(_z(m)),
    "abs_int": lambda m: m.tensor([-3, 4]).abs(),
    "exp": lambda m: _z(m).exp(),
    "sum": lambda m: _z(m).sum(),
    "mean": lambda m: _z(m).mean(),
    "matmul": lambda m: _z(m) @ _z(m),
    "matrix_product": lambda m: m.tensor([[1 + 1j, 2], [3, 4j]]) @ m.tensor([[1j, 2], [3, 1]]),
    "div": lambda m: _z(m) / m.tensor([1., -2., 4.]),
    "mul_imaginary": lambda m: m.tensor([1., 2.]) * 1j,
    "tolist": lambda m: _z(m).tolist(),
    "item": lambda m: _z(m)[0].item(),
}


@pytest.mark.parametrize("name", sorted(COMPLEX))
def test_complex_matches_torch(name):
    check(COMPLEX[name])


PROMOTION = {
    "int_tensor_complex_tensor": lambda m: m.tensor([1]) + m.tensor([1j]),
    "uint8_complex128": lambda m: m.tensor([1], dtype=m.uint8) * m.tensor([1j], dtype=m.complex128),
    "double_complex64": lambda m: m.tensor([1.], dtype=m.float64) + m.tensor([1j]),
    "double_times_1j": lambda m: m.tensor([1.], dtype=m.float64) * 1j,
    "float_times_1j": lambda m: m.tensor([1.]) * 1j,
    "int_times_1j": lambda m: m.tensor([1]) * 1j,
    "double_zero_dim_complex64": lambda m: m.tensor([1.], dtype=m.float64) * m.tensor(1j),
    "float_zero_dim_complex128": lambda m: m.tensor([1.]) * m.tensor(1j, dtype=m.complex128),
    "complex64_zero_dim_double": lambda m: m.tensor([1j]) * m.tensor(1., dtype=m.float64),
    "zero_dims_double_1j": lambda m: m.tensor(1., dtype=m.float64) * 1j,
    "half_complex64": lambda m: m.tensor([1.], dtype=m.float16) + m.tensor([1j]),
    "int_zero_dim_double": lambda m: m.tensor([1]) * m.tensor(1., dtype=m.float64),
    "int8_python_int": lambda m: m.tensor([1], dtype=m.int8) & 300,
    "half_python_float": lambda m: m.tensor([1.], dtype=m.float16) * 2.5,
    "int_python_float": lambda m: m.tensor([1]) * 2.5,
}


@pytest.mark.parametrize("name", sorted(PROMOTION))
def test_complex_promotion_matches_torch(name):
    check(PROMOTION[name])


@pytest.mark.parametrize("expr", [
    "tensor([1+2j, -3.5-1j, 0j])", "tensor([1e10+1j, 1])", "tensor([1e-5+1j, 1])",
    "tensor([float('nan')+1j, float('inf')-2j])", "tensor(-0.5j)", "tensor([], dtype=M.complex64)",
    "tensor([[1+1j, 2.25-3j], [100+0.5j, -7j]], dtype=M.complex128)",
    "arange(12.).reshape(2, 6) * (1+1j)", "arange(30.).reshape(5, 6) * (0.5 - 1.25j)",
    "tensor([0.1+0.2j, 1000.5-2e5j])", "arange(2000.) * (1+2j)"])
def test_complex_printing_matches_torch(expr):
    mine = repr(eval("M." + expr, {"M": tg})).replace("tapegrad", "torch")
    assert mine == repr(eval("M." + expr, {"M": torch}))


def test_real_imag_are_views_that_write_through():
    z = tg.tensor([1 + 2j, 3 + 4j])
    z.real[0] = 10
    z.imag = tg.tensor([0., 5.])
    assert z.tolist() == [10 + 0j, 3 + 5j]
    tg.view_as_real(z)[1, 0] = -1
    assert z.tolist() == [10 + 0j, -1 + 5j]
    pairs = tg.tensor([[1., 2.]])
    tg.view_as_complex(pairs)[0] = 7j
    assert pairs.tolist() == [[0., 7.]]


@pytest.mark.parametrize("call", [
    lambda x: x.real, lambda x: x.imag, lambda x: x.angle(), lambda x: x.abs(),
    lambda x: tg.view_as_real(x), lambda x: x.conj()])
def test_complex_tensors_cannot_require_grad(call):
    z = tg.tensor([1 + 2j])
    with pytest.raises(RuntimeError, match="autograd through complex"):
        z.requires_grad_(True)
    with pytest.raises(RuntimeError, match="autograd through complex"):
        tg.tensor([1 + 2j], requires_grad=True)
    assert not call(z).requires_grad  # without recording there is nothing to get wrong


def test_a_complex_gradient_reaching_a_leaf_raises():
    x = tg.ones(2, requires_grad=True)
    y = x * 1j  # complex ops record, but their rules leave out the conjugations
    with pytest.raises(RuntimeError, match="autograd through complex"):
        y.backward(tg.ones(2, dtype=tg.complex64))
    assert x.grad is None


def test_complex_building_refuses_autograd():
    a = tg.tensor([1.], requires_grad=True)
    with pytest.raises(RuntimeError, match="autograd through complex"):
        tg.complex(a, a)
    with pytest.raises(RuntimeError, match="autograd through complex"):
        a.cfloat()


@pytest.mark.parametrize("call", [lambda m: m.tensor([1.]).chalf(),
                                  lambda m: m.complex(m.tensor([1.], dtype=m.float16),
                                                      m.tensor([1.], dtype=m.float16))])
def test_complex32_is_refused_clearly(call):
    with pytest.raises(RuntimeError, match="no complex32"):
        call(tg)
    assert call(torch).dtype == torch.complex32  # torch has it; we say why we do not


def test_angle_of_real_tensor_is_recorded_with_a_zero_gradient():
    x = tg.tensor([1., -2.], requires_grad=True)
    y = x.angle()
    assert y.grad_fn.name() == "AngleBackward0"
    y.sum().backward()
    assert x.grad.tolist() == [0., 0.]


# -- dtype views, frombuffer, DLPack ------------------------------------------------------------
def _f(m):
    return m.tensor([[1., 2., -0.5, 3.], [4., 5., 6., 7.]])


VIEWS = {
    "int32": lambda m: _f(m).view(m.int32),
    "int64": lambda m: _f(m).view(m.int64),
    "uint8": lambda m: _f(m).view(m.uint8),
    "float16": lambda m: _f(m).view(m.float16),
    "complex64": lambda m: _f(m).view(m.complex64),
    "bool": lambda m: _f(m).view(m.bool),
    "keyword": lambda m: _f(m).view(dtype=m.int32),
    "same_dtype": lambda m: _f(m).view(m.float32),
    "shape_still_works": lambda m: _f(m).view(4, 2),
    "shape_minus_one": lambda m: _f(m).view(-1),
    "odd_last_dim": lambda m: _f(m)[:, :3].view(m.int64),
    "sliced": lambda m: _f(m)[:, :2].view(m.int64),
    "transposed_grow": lambda m: _f(m).t().view(m.int64),
    "transposed_same": lambda m: _f(m).t().view(m.int32),
    "transposed_shrink": lambda m: _f(m).t().view(m.int16),
    "zero_dim_same": lambda m: m.tensor(1.).view(m.int32),
    "zero_dim_shrink": lambda m: m.tensor(1.).view(m.int16),
    "zero_dim_grow": lambda m: m.tensor(1.).view(m.float64),
    "not_divisible": lambda m: m.tensor([1., 2., 3.]).view(m.float64),
    "offset": lambda m: m.zeros(2, 4)[:, 1:3].view(m.float64),
    "empty": lambda m: m.zeros(0, 2).view(m.float64),
    "complex_to_float": lambda m: m.tensor([1 + 1j]).view(m.float32),
    "bool_to_uint8": lambda m: m.tensor([True, False]).view(m.uint8),
    "requires_grad_dropped": lambda m: m.tensor([1., 2.], requires_grad=True).view(m.int32),
    "same_dtype_drops_grad": lambda m: m.tensor([1.], requires_grad=True).view(
        m.float32).requires_grad,
}


@pytest.mark.parametrize("name", sorted(VIEWS))
def test_view_dtype_matches_torch(name):
    check(VIEWS[name])


def test_view_dtype_shares_memory():
    f = tg.tensor([1., 2.])
    f.view(tg.int32)[0] = 0
    assert f.tolist() == [0., 2.]


FROMBUFFER = {
    "int32": lambda m: m.frombuffer(bytearray(b"\x01\x00\x00\x00\x02\x00\x00\x00"),
                                    dtype=m.int32),
    "array": lambda m: m.frombuffer(array.array("f", [1., 2., 3.]), dtype=m.float32),
    "count_offset": lambda m: m.frombuffer(array.array("f", [1., 2., 3.]), dtype=m.float32,
                                           count=2, offset=4),
    "bytes": lambda m: m.frombuffer(b"abcd", dtype=m.uint8),
    "not_multiple": lambda m: m.frombuffer(bytearray(3), dtype=m.int32),
    "count_too_big": lambda m: m.frombuffer(bytearray(8), dtype=m.int32, count=3),
    "offset_at_end": lambda m: m.frombuffer(bytearray(8), dtype=m.int32, offset=8),
    "negative_offset": lambda m: m.frombuffer(bytearray(8), dtype=m.int32, offset=-1),
    "empty": lambda m: m.frombuffer(bytearray(0), dtype=m.int32),
    "count_zero": lambda m: m.frombuffer(bytearray(8), dtype=m.int32, count=0),
    "not_a_buffer": lambda m: m.frombuffer([1, 2], dtype=m.uint8),
    "no_dtype": lambda m: m.frombuffer(bytearray(b"ab")),
    "int_requires_grad": lambda m: m.frombuffer(bytearray(4), dtype=m.uint8, requires_grad=True),
    "float_requires_grad": lambda m: m.frombuffer(bytearray(8), dtype=m.float32,
                                                  requires_grad=True).requires_grad,
}


@pytest.mark.parametrize("name", sorted(FROMBUFFER))
def test_frombuffer_matches_torch(name):
    check(FROMBUFFER[name])


def test_frombuffer_shares_memory():
    ba = bytearray(8)
    tg.frombuffer(ba, dtype=tg.int32)[0] = 7
    assert ba == bytearray(b"\x07" + b"\x00" * 7)


@pytest.mark.parametrize("dtype", ["float32", "float64", "int64", "int32", "uint8", "bool"])
def test_dlpack_exchange_with_numpy_and_torch_shares_memory(dtype):
    a = np.zeros(4, dtype=dtype)
    t = tg.from_dlpack(a)
    assert str(t.dtype) == f"tapegrad.{dtype}"
    t[1] = 1
    assert a[1] == 1
    back = np.from_dlpack(t)
    back[2] = 1
    assert t[2].item() == 1
    theirs = torch.from_dlpack(t)  # tapegrad -> torch
    theirs[3] = 1
    assert a[3] == 1 and str(theirs.dtype) == f"torch.{dtype}"
    src = torch.zeros(3, dtype=getattr(torch, dtype))  # torch -> tapegrad
    mine = tg.from_dlpack(src)
    mine[0] = 1
    assert src[0].item() == 1


def test_dlpack_capsules_and_errors_match_torch():
    capsule = tg.to_dlpack(tg.arange(4).reshape(2, 2))
    assert tg.from_dlpack(capsule).tolist() == [[0, 1], [2, 3]]
    check(lambda m: m.from_dlpack(m.to_dlpack(m.arange(3))))
    check(lambda m: m.from_dlpack(3))
    check(lambda m: m.tensor([1.], requires_grad=True).__dlpack__())
    assert tg.tensor([1.]).__dlpack_device__() == tuple(torch.tensor([1.]).__dlpack_device__())
    strided = tg.arange(6.).reshape(2, 3).t()
    assert tg.from_dlpack(np.from_dlpack(strided)).stride() == strided.stride()


# -- threads and switches -----------------------------------------------------------------------
def test_set_num_threads_sets_numpys_blas():
    before = tg.get_num_threads()
    try:
        tg.set_num_threads(1)
        assert tg.get_num_threads() == 1
    finally:
        tg.set_num_threads(before)
    assert tg.get_num_threads() == before
    assert tg.get_num_interop_threads() >= 1


SWITCH_ERRORS = {
    "threads_zero": lambda m: m.set_num_threads(0),
    "threads_negative": lambda m: m.set_num_threads(-1),
    "threads_str": lambda m: m.set_num_threads("a"),
    "interop_zero": lambda m: m.set_num_interop_threads(0),
    "debug_mode_name": lambda m: m.set_deterministic_debug_mode("x"),
    "debug_mode_number": lambda m: m.set_deterministic_debug_mode(5),
    "debug_mode_float": lambda m: m.set_deterministic_debug_mode(1.5),
    "deterministic_int": lambda m: m.use_deterministic_algorithms(1),
    "default_tensor_type_long": lambda m: m.set_default_tensor_type("torch.LongTensor"),
    "get_device_int": lambda m: m.get_device(3),
    "default_device_cuda_tensor": lambda m: (m.set_default_device("cuda"), m.zeros(1)),
}


@pytest.mark.parametrize("name", sorted(SWITCH_ERRORS))
def test_switch_errors_match_torch(name):
    try:
        check(SWITCH_ERRORS[name])
    finally:
        torch.set_default_device(None)


def _determinism(m):
    seen = [m.are_deterministic_algorithms_enabled(), m.get_deterministic_debug_mode()]
    m.use_deterministic_algorithms(True)
    seen += [m.are_deterministic_algorithms_enabled(), m.get_deterministic_debug_mode()]
    m.use_deterministic_algorithms(True, warn_only=True)
    seen += [m.is_deterministic_algorithms_warn_only_enabled(), m.get_deterministic_debug_mode()]
    m.set_deterministic_debug_mode("error")
    seen += [m.is_deterministic_algorithms_warn_only_enabled(), m.get_deterministic_debug_mode()]
    m.set_deterministic_debug_mode(1)
    seen += [m.are_deterministic_algorithms_enabled(), m.get_deterministic_debug_mode()]
    m.set_deterministic_debug_mode("default")
    seen += [m.are_deterministic_algorithms_enabled(), m.get_deterministic_debug_mode()]
    return seen


def _precision(m):
    seen = [m.get_float32_matmul_precision()]
    m.set_float32_matmul_precision("medium")
    seen.append(m.get_float32_matmul_precision())
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        m.set_float32_matmul_precision("nonsense")
    seen += [m.get_float32_matmul_precision(), str(caught[0].message)]
    m.set_float32_matmul_precision("highest")
    return seen


def _warn_always(m):
    seen = [m.is_warn_always_enabled()]
    m.set_warn_always(True)
    seen.append(m.is_warn_always_enabled())
    m.set_warn_always(False)
    return seen + [m.is_warn_always_enabled()]


def _default_device(m):
    m.set_default_device("cpu")
    m.set_default_device(m.device("cpu"))
    m.set_default_device(None)
    return str(m.get_default_device())


def _default_tensor_type(m):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        m.set_default_tensor_type(m.DoubleTensor)
        seen = [str(m.get_default_dtype()), str(m.tensor([1.]).dtype)]
        m.set_default_tensor_type("torch.FloatTensor")
    seen.append(str(m.get_default_dtype()))
    return [s.replace("tapegrad", "torch") for s in seen] + [str(caught[0].message)]


SWITCHES = {"determinism": _determinism, "precision": _precision, "warn_always": _warn_always,
            "default_device": _default_device, "default_tensor_type": _default_tensor_type}


@pytest.mark.parametrize("name", sorted(SWITCHES))
def test_switches_match_torch(name):
    check(SWITCHES[name])


def test_set_flush_denormal_says_it_cannot():
    assert tg.set_flush_denormal(True) is False  # NumPy gives no control over the FPU mode


HELPERS = {
    "typename_float": lambda m: m.typename(m.zeros(2)),
    "typename_long": lambda m: m.typename(m.zeros(2, dtype=m.int64)),
    "typename_bool": lambda m: m.typename(m.zeros(2, dtype=m.bool)),
    "typename_complex": lambda m: m.typename(m.zeros(2, dtype=m.complex64)),
    "typename_half": lambda m: m.typename(m.zeros(2, dtype=m.float16)),
    "typename_int": lambda m: m.typename(3),
    "typename_str": lambda m: m.typename("s"),
    "broadcast": lambda m: tuple(m.broadcast_shapes((2, 1), (3,))),
    "broadcast_none": lambda m: tuple(m.broadcast_shapes()),
    "broadcast_int": lambda m: tuple(m.broadcast_shapes(2, (3, 1))),
    "broadcast_size_list": lambda m: tuple(m.broadcast_shapes(m.Size([1, 2]), [4, 1])),
    "broadcast_zero": lambda m: tuple(m.broadcast_shapes((0,), (1,))),
    "broadcast_mismatch": lambda m: m.broadcast_shapes((2,), (3,)),
    "broadcast_mismatch_later": lambda m: m.broadcast_shapes((5,), (2, 5), (3, 1, 5), (4,)),
    "broadcast_negative": lambda m: m.broadcast_shapes((-1,)),
    "get_device": lambda m: (m.get_device(m.zeros(1)), m.zeros(1).get_device()),
}


@pytest.mark.parametrize("name", sorted(HELPERS))
def test_helpers_match_torch(name):
    check(HELPERS[name])


def test_broadcast_shapes_returns_a_size():
    assert isinstance(tg.broadcast_shapes((2, 1), (3,)), tg.Size)


# -- windows and factories ----------------------------------------------------------------------
FACTORIES = {
    "hann": lambda m: m.hann_window(5),
    "hann_symmetric": lambda m: m.hann_window(5, periodic=False),
    "hann_one": lambda m: m.hann_window(1),
    "hann_empty": lambda m: m.hann_window(0),
    "hann_negative": lambda m: m.hann_window(-1),
    "hann_double": lambda m: m.hann_window(4, dtype=m.float64),
    "hann_half": lambda m: m.hann_window(7, dtype=m.float16),
    "hann_long": lambda m: m.hann_window(4, dtype=m.int64),
    "hann_float_length": lambda m: m.hann_window(2.5),
    "hann_requires_grad": lambda m: m.hann_window(3, requires_grad=True).requires_grad,
    "hamming": lambda m: m.hamming_window(5),
    "hamming_symmetric": lambda m: m.hamming_window(5, False),
    "hamming_alpha_beta": lambda m: m.hamming_window(5, True, 0.5, 0.4),
    "hamming_one": lambda m: m.hamming_window(1),
    "bartlett": lambda m: m.bartlett_window(5),
    "bartlett_symmetric": lambda m: m.bartlett_window(6, periodic=False),
    "bartlett_double": lambda m: m.bartlett_window(9, dtype=m.float64),
    "blackman": lambda m: m.blackman_window(5),
    "blackman_symmetric": lambda m: m.blackman_window(6, periodic=False),
    "blackman_double": lambda m: m.blackman_window(8, dtype=m.float64),
    "kaiser": lambda m: m.kaiser_window(5),
    "kaiser_symmetric": lambda m: m.kaiser_window(5, False),
    "kaiser_beta": lambda m: m.kaiser_window(6, True, 3.0),
    "kaiser_double": lambda m: m.kaiser_window(7, False, 5.0, dtype=m.float64),
    "kaiser_one": lambda m: m.kaiser_window(1),
    "range": lambda m: m.range(1, 4),
    "range_step": lambda m: m.range(1, 4, 0.5),
    "range_inexact": lambda m: m.range(0, 1, 0.3),
    "range_long": lambda m: m.range(1, 4, dtype=m.int64),
    "range_down": lambda m: m.range(4, 1, -1),
    "range_wrong_sign": lambda m: m.range(4, 1),
    "range_zero_step": lambda m: m.range(1, 4, 0),
    "empty_strided": lambda m: (m.empty_strided((2, 3), (1, 2)).stride(),
                                tuple(m.empty_strided((2, 3), (1, 2)).shape)),
    "empty_strided_dtype": lambda m: str(m.empty_strided((2, 3), (3, 1), dtype=m.int64).dtype),
    "empty_strided_mismatch": lambda m: m.empty_strided((2, 3), (1,)),
    "empty_permuted": lambda m: (m.empty_permuted((2, 3, 4), (0, 2, 1)).stride(),
                                 tuple(m.empty_permuted((2, 3, 4), (0, 2, 1)).shape)),
    "empty_permuted_duplicate": lambda m: m.empty_permuted((2, 3), (0, 0)),
    "empty_permuted_length": lambda m: m.empty_permuted((2, 3), (0,)),
    "new_empty_strided": lambda m: (
        m.zeros(2, dtype=m.int32).new_empty_strided((2, 2), (1, 2)).stride(),
        str(m.zeros(2, dtype=m.int32).new_empty_strided((2, 2), (1, 2)).dtype)),
    "dim_order": lambda m: (m.zeros(2, 3).dim_order(), m.zeros(2, 3).t().dim_order(),
                            m.zeros(2, 3, 4).permute(2, 0, 1).dim_order(),
                            m.zeros(()).dim_order()),
    "to_dense": lambda m: m.tensor([1., 2.]).to_dense(),
    "apply_": lambda m: m.tensor([1., 2.]).apply_(lambda v: v * 2),
    "apply_int": lambda m: m.tensor([1, 2]).apply_(lambda v: v / 3),
    "apply_requires_grad": lambda m: m.tensor([1.], requires_grad=True).apply_(lambda v: v),
    "apply_str": lambda m: m.tensor([1.]).apply_(lambda v: "x"),
    "map_": lambda m: m.tensor([1, 2]).map_(m.tensor([3, 4]), lambda a, b: a + b),
    "map_broadcast": lambda m: m.tensor([1., 2.]).map_(m.tensor([3.]), lambda a, b: a + b),
    "map_bad_shape": lambda m: m.tensor([1.]).map_(m.tensor([3., 4.]), lambda a, b: a + b),
    "map2_": lambda m: m.tensor([1., 2.]).map2_(m.tensor([3., 4.]), m.tensor([1., 1.]),
                                                lambda a, b, c: a * b + c),
    "as_subclass_not_tensor": lambda m: m.tensor([1.]).as_subclass(int),
}


@pytest.mark.parametrize("name", sorted(FACTORIES))
def test_factories_match_torch(name):
    check(FACTORIES[name])


def test_range_warns_as_torch():
    with pytest.warns(UserWarning, match="torch.range is deprecated"):
        tg.range(1, 2)


def test_as_subclass_shares_data_and_records_an_alias():
    class Mine(tg.Tensor):
        pass

    x = tg.tensor([1., 2.], requires_grad=True)
    y = x.as_subclass(Mine)
    assert type(y) is Mine and y.grad_fn.name() == "AliasBackward0" and not y.is_leaf
    (y * 2).sum().backward()
    assert x.grad.tolist() == [2., 2.]
    a = tg.tensor([1., 2.])
    a.as_subclass(Mine).add_(1)
    assert a.tolist() == [2., 3.]
