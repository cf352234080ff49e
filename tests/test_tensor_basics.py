"""Tensor creation, dtypes, conversions and error messages."""
from __future__ import annotations

import re

import numpy as np
import pytest

import tapegrad as tg


def test_dtype_inference():
    assert tg.tensor(1.0).dtype == tg.float32
    assert tg.tensor(1).dtype == tg.int64
    assert tg.tensor(True).dtype == tg.bool
    assert tg.tensor([1, 2.5]).dtype == tg.float32
    assert tg.tensor([[1, 2], [3, 4]]).dtype == tg.int64
    for npd, tgd in [(np.float64, tg.float64), (np.float32, tg.float32), (np.int32, tg.int32),
                     (np.int64, tg.int64), (np.bool_, tg.bool), (np.uint8, tg.uint8)]:
        assert tg.tensor(np.zeros(3, dtype=npd)).dtype == tgd
        assert tg.from_numpy(np.zeros(3, dtype=npd)).dtype == tgd


def test_set_default_dtype_round_trip():
    old = tg.get_default_dtype()
    assert old == tg.float32
    try:
        tg.set_default_dtype(tg.float64)
        assert tg.get_default_dtype() == tg.float64
        assert tg.tensor(1.0).dtype == tg.float64
        assert tg.zeros(2).dtype == tg.float64
        assert tg.arange(0.0, 1.0, 0.5).dtype == tg.float64
        assert tg.tensor(1).dtype == tg.int64
    finally:
        tg.set_default_dtype(old)
    assert tg.get_default_dtype() == tg.float32
    assert tg.tensor(1.0).dtype == tg.float32


def test_arange():
    a = tg.arange(5)
    assert a.dtype == tg.int64 and a.tolist() == [0, 1, 2, 3, 4]
    b = tg.arange(0, 1, 0.25)
    assert b.dtype == tg.float32 and b.tolist() == [0.0, 0.25, 0.5, 0.75]
    c = tg.arange(1, 7, 2)
    assert c.tolist() == [1, 3, 5]
    assert tg.arange(3, dtype=tg.float64).dtype == tg.float64


def test_linspace():
    x = tg.linspace(0, 1, 5)
    assert x.dtype == tg.float32 and x.shape == (5,)
    np.testing.assert_allclose(x.numpy(), [0, 0.25, 0.5, 0.75, 1.0])


@pytest.mark.parametrize("fn", ["zeros", "ones", "empty", "rand", "randn"])
def test_creation_shapes(fn):
    f = getattr(tg, fn)
    assert f(2, 3).shape == (2, 3)
    assert f((2, 3)).shape == (2, 3)
    assert f([4]).shape == (4,)
    assert f(2, 3).dtype == tg.float32
    assert f(2, dtype=tg.float64).dtype == tg.float64
    assert tuple(f(2, 3).size()) == (2, 3)


def test_full_eye_like():
    f = tg.full((2, 2), 7.0)
    assert f.dtype == tg.float32 and f.tolist() == [[7.0, 7.0], [7.0, 7.0]]
    assert tg.full((2,), 3).dtype == tg.int64
    e = tg.eye(3)
    assert e.tolist() == np.eye(3).tolist() and e.dtype == tg.float32
    assert tg.eye(2, 3).shape == (2, 3)
    x = tg.tensor([[1, 2, 3]], dtype=tg.float64)
    for name, val in [("zeros_like", 0), ("ones_like", 1)]:
        y = getattr(tg, name)(x)
        assert y.shape == x.shape and y.dtype == tg.float64 and (y.numpy() == val).all()
    y = tg.full_like(x, 5)
    assert y.dtype == tg.float64 and y.tolist() == [[5.0, 5.0, 5.0]]
    assert tg.empty_like(x).shape == (1, 3)
    assert tg.rand_like(x).dtype == tg.float64
    assert tg.randn_like(x).shape == (1, 3)


def test_random_reproducible():
    tg.manual_seed(123)
    a, b, c = tg.rand(4), tg.randn(2, 2), tg.randint(0, 10, (5,))
    tg.manual_seed(123)
    a2, b2, c2 = tg.rand(4), tg.randn(2, 2), tg.randint(0, 10, (5,))
    assert a.tolist() == a2.tolist() and b.tolist() == b2.tolist() and c.tolist() == c2.tolist()
    assert c.dtype == tg.int64 and all(0 <= v < 10 for v in c.tolist())
    assert all(0 <= v < 1 for v in a.tolist())
    assert tg.rand(4).tolist() != a.tolist()


def test_from_numpy_shares_memory():
    arr = np.arange(4.0)
    t = tg.from_numpy(arr)
    arr[0] = 42.0
    assert t[0].item() == 42.0
    t.add_(1)
    assert arr[1] == 2.0
    assert t.dtype == tg.float64


def test_tensor_copies_data():
    arr = np.arange(4.0)
    t = tg.tensor(arr)
    arr[0] = 42.0
    assert t[0].item() == 0.0


def test_flip_returns_a_copy():
    # torch.flip copies: changing the result leaves the input alone (it is not a view).
    x = tg.arange(6.0).reshape(2, 3)
    for y in (tg.flip(x, (0,)), x.flip(1), x.flip(0, 1)):
        y.add_(1)
        assert x.tolist() == [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]
        assert y._base is None
    # ... and its gradient is still the flipped incoming gradient.
    x = tg.arange(6.0).reshape(2, 3).requires_grad_()
    w = tg.arange(6.0).reshape(2, 3) + 1
    y = tg.flip(x, (0, 1))
    assert y.grad_fn.name() == "FlipBackward0"
    (y * w).sum().backward()
    assert x.grad.tolist() == [[6.0, 5.0, 4.0], [3.0, 2.0, 1.0]]


def test_item_tolist_numpy():
    t = tg.tensor([[1.5, 2.0], [3.0, 4.0]])
    assert t.tolist() == [[1.5, 2.0], [3.0, 4.0]]
    assert isinstance(t[0, 0].item(), float)
    assert isinstance(tg.tensor(3).item(), int)
    assert isinstance(tg.tensor(True).item(), bool)
    n = t.numpy()
    assert isinstance(n, np.ndarray) and n.dtype == np.float32 and n.shape == (2, 2)
    with pytest.raises(RuntimeError, match="a Tensor with 4 elements cannot be converted to Scalar"):
        t.item()


def test_numpy_requires_grad_error():
    t = tg.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"Can't call numpy\(\) on Tensor that requires grad. Use tensor.detach\(\).numpy\(\) instead."):
        t.numpy()
    assert t.detach().numpy().tolist() == [1.0, 1.0]


def test_len_iter_bool():
    t = tg.tensor([[1, 2], [3, 4], [5, 6]])
    assert len(t) == 3
    assert [r.tolist() for r in t] == [[1, 2], [3, 4], [5, 6]]
    with pytest.raises(TypeError, match="len\\(\\) of a 0-d tensor"):
        len(tg.tensor(1.0))
    with pytest.raises(TypeError, match="iteration over a 0-d tensor"):
        iter(tg.tensor(1.0))
    with pytest.raises(RuntimeError, match="Boolean value of Tensor with more than one value is ambiguous"):
        bool(tg.tensor([1, 2]))
    assert bool(tg.tensor([3])) is True
    assert bool(tg.tensor(0.0)) is False


def test_ragged_list():
    with pytest.raises(ValueError, match=r"expected sequence of length 2 at dim 1 \(got 1\)"):
        tg.tensor([[1, 2], [3]])
    with pytest.raises(ValueError, match=r"expected sequence of length 2 at dim 2 \(got 1\)"):
        tg.tensor([[[1, 2], [3, 4]], [[1, 2], [3]]])


@pytest.mark.parametrize("data,message", [
    ([1, [2]], "'list' object cannot be interpreted as an integer"),   # torch's texts
    ([1, (2,)], "'tuple' object cannot be interpreted as an integer"),
    ([1.5, [2.0, 3.0]], "must be real number, not list"),
    ([[1], [2], 3], "not a sequence"),
])
def test_numbers_mixed_with_sequences_raise_typeerror(data, message):
    with pytest.raises(TypeError, match=f"^{message}$".replace("(", r"\(").replace(")", r"\)")):
        tg.tensor(data)


def test_broadcast_error():
    with pytest.raises(RuntimeError, match=r"The size of tensor a \(3\) must match the size of tensor b \(4\) at non-singleton dimension 1"):
        tg.ones(2, 3) + tg.ones(2, 4)


def test_matmul_mismatch():
    with pytest.raises(RuntimeError, match=r"mat1 and mat2 shapes cannot be multiplied \(2x3 and 4x5\)"):
        tg.ones(2, 3) @ tg.ones(4, 5)
    with pytest.raises(RuntimeError, match=r"mat1 and mat2 shapes cannot be multiplied \(2x3 and 4x5\)"):
        tg.mm(tg.ones(2, 3), tg.ones(4, 5))


def test_dim_out_of_range():
    with pytest.raises(IndexError, match=r"Dimension out of range \(expected to be in range of \[-2, 1\], but got 2\)"):
        tg.ones(2, 3).sum(2)
    with pytest.raises(IndexError, match="Dimension out of range"):
        tg.ones(2, 3).softmax(-3)
    with pytest.raises(IndexError, match="index 5 is out of bounds for dimension 0 with size 2"):
        tg.ones(2, 3)[5]


def test_device():
    t = tg.ones(2, device="cpu")
    assert str(t.device) == "cpu"
    assert tg.tensor([1.0], device=tg.device("cpu")).device.type == "cpu"
    assert t.to("cpu").tolist() == [1.0, 1.0]
    with pytest.raises((RuntimeError, AssertionError)):
        tg.ones(2, device="cuda")
    with pytest.raises((RuntimeError, AssertionError)):
        t.to("cuda")
    assert tg.cuda.is_available() is False


REPR_CASES = [
    "tensor(1.0)",
    "tensor(3)",
    "tensor([1.5, 2.0, -3.25])",
    "tensor([[1, 2], [3, 4]])",
    "tensor([True, False])",
    "tensor([1.0, 2.0], dtype=M.float64)",
    "tensor([1.0, 2.0], requires_grad=True)",
    "tensor([1.0, 2.0], requires_grad=True) * 2",
    "zeros(2, 0)",
    "tensor([1e-5, 1e5])",
    "arange(12.).reshape(3, 4)",
]


@pytest.mark.parametrize("expr", REPR_CASES)
def test_repr_matches_torch(expr):
    torch = pytest.importorskip("torch")
    expected = repr(eval(expr, {"M": torch, **{k: getattr(torch, k) for k in ("tensor", "zeros", "arange")}}))
    got = repr(eval(expr, {"M": tg, **{k: getattr(tg, k) for k in ("tensor", "zeros", "arange")}}))
    # tapegrad names its own dtypes (tapegrad.float64) where torch writes torch.float64
    assert got.replace("tapegrad.", "torch.") == expected


_BOOL_SUB = "Subtraction, the `-` operator, with a bool tensor is not supported"
_TWO_BOOL_SUB = "Subtraction, the `-` operator, with two bool tensors is not supported"
_BOOL_NEG = "Negation, the `-` operator, on a bool tensor is not supported"


@pytest.mark.parametrize("expr,message", [
    (lambda a, b: a - True, _BOOL_SUB), (lambda a, b: b - 1, _BOOL_SUB),
    (lambda a, b: 1 - b, _BOOL_SUB), (lambda a, b: tg.sub(a, True), _BOOL_SUB),
    (lambda a, b: tg.rsub(b, 1), _BOOL_SUB), (lambda a, b: a.sub_(True), _BOOL_SUB),
    (lambda a, b: b - b, _TWO_BOOL_SUB), (lambda a, b: -b, _BOOL_NEG),
    (lambda a, b: tg.neg(b), _BOOL_NEG)])
def test_subtracting_bools_is_refused_as_in_torch(expr, message):
    a, b = tg.tensor([1, 2]), tg.tensor([True, False])
    with pytest.raises(RuntimeError, match=re.escape(message)):
        expr(a, b)
    assert a.tolist() == [1, 2]  # an in-place attempt leaves the tensor as it was


def test_bools_still_add_and_multiply():
    b = tg.tensor([True, False])
    assert (b + b).tolist() == [True, False] and (b * 2.5).tolist() == [2.5, 0.0]
    x = tg.tensor([1.0, 2.0])
    x -= 1  # the in-place path for numbers is unchanged
    assert x.tolist() == [0.0, 1.0]


def test_operands_by_torch_keyword_names():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    y = tg.tensor([3.0, 4.0])
    assert tg.sin(input=x).grad_fn.name() == "SinBackward0"
    assert tg.maximum(x, other=y).tolist() == [3.0, 4.0]
    assert tg.mul(input=x, other=y).tolist() == [3.0, 8.0]
    assert tg.sigmoid(input=x).allclose(tg.sigmoid(x))
    assert x.pow(exponent=2).tolist() == [1.0, 4.0]
    assert tg.exp(input=tg.tensor([0.0])).tolist() == [1.0]
    with pytest.raises(TypeError, match="multiple values for argument 'input'"):
        tg.sin(x, input=x)


def test_new_factories_take_the_tensors_dtype():
    x = tg.tensor([1.0, 2.0], dtype=tg.float64, requires_grad=True)
    assert x.new_zeros(2, 3).dtype is tg.float64 and x.new_zeros(2, 3).shape == (2, 3)
    assert x.new_ones((2,), dtype=tg.int64).tolist() == [1, 1]
    assert x.new_full((2,), 3).tolist() == [3.0, 3.0] and x.new_full((2,), 3).dtype is tg.float64
    assert x.new_tensor([1, 2]).dtype is tg.float64
    assert not x.new_empty(3).requires_grad and x.new_zeros(2, requires_grad=True).requires_grad


def test_legacy_typed_constructors():
    assert tg.LongTensor([1.7, 2]).tolist() == [1, 2] and tg.LongTensor([1]).dtype is tg.int64
    assert tg.FloatTensor(2, 3).shape == (2, 3) and tg.FloatTensor(2, 3).dtype is tg.float32
    assert isinstance(tg.ones(2), tg.FloatTensor) and not isinstance(tg.ones(2), tg.LongTensor)
    assert tg.ones(2).type(tg.LongTensor).dtype is tg.int64
    assert tg.ones(2).type("torch.DoubleTensor").dtype is tg.float64
    assert tg.ones(2).long().type() == "torch.LongTensor"
    with pytest.raises(ValueError, match="invalid type"):
        tg.ones(2).type("torch.NoSuchTensor")


def test_an_element_picked_by_integers_is_a_view():
    """x[1, 2] (every dimension taken by an integer) is a 0-d view, as in torch: an in-place op
    on it changes x, and x[1][0] too (NumPy alone would return a copied scalar)."""
    x = tg.zeros(3, 3)
    x[1, 2].add_(1)
    x[1][0].add_(5)
    assert x.tolist() == [[0, 0, 0], [5, 0, 1], [0, 0, 0]]
    w = tg.ones(3, requires_grad=True)
    y = w * 2
    y[1].mul_(3)
    y.sum().backward()
    assert w.grad.tolist() == [2, 6, 2] and type(y.grad_fn).__name__ == "CopySlices"


def test_matmul_family_and_out_write_into_out():
    """PyTorch's tensor tutorial: torch.matmul(t, t.T, out=y3); out's memory takes the result,
    so a view of out sees it too."""
    t = tg.ones(4, 4)
    y3 = tg.zeros(4, 4)
    first_row = y3[0]
    assert tg.matmul(t, t.T, out=y3) is y3
    assert y3.tolist() == [[4.0] * 4] * 4 and first_row.tolist() == [4.0] * 4
    assert tg.mm(tg.ones(2, 3), tg.ones(3, 2), out=tg.empty(2, 2)).tolist() == [[3.0, 3.0]] * 2
    assert tg.mv(tg.ones(2, 2), tg.ones(2), out=tg.empty(2)).tolist() == [2.0, 2.0]
    assert tg.dot(tg.ones(3), tg.ones(3), out=tg.empty(())).item() == 3.0
    assert tg.bmm(tg.ones(1, 2, 3), tg.ones(1, 3, 1), out=tg.empty(1, 2, 1)).shape == (1, 2, 1)
