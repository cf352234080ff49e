"""Tests for tapegrad._formatting: tensors must print byte-for-byte like PyTorch 2.x.

The hand-written expectations below were produced by torch 2.13 (with ``torch.`` spelled
``tapegrad.``).  The parity tests compare against a live torch on many random arrays and are
skipped when torch is not installed.
"""
from __future__ import annotations

import importlib.util
import math
import sys
from pathlib import Path

import numpy as np
import pytest

_SRC = Path(__file__).resolve().parents[1] / "src"


def _load_formatting():
    """Import tapegrad._formatting; fall back to loading the file if the package won't import."""
    if str(_SRC) not in sys.path:
        sys.path.insert(0, str(_SRC))
    try:
        from tapegrad import _formatting
        return _formatting
    except Exception:  # the package __init__ may be mid-rewrite; the module itself is standalone
        spec = importlib.util.spec_from_file_location("_tapegrad_formatting_under_test",
                                                      _SRC / "tapegrad" / "_formatting.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module


fmt = _load_formatting()
tensor_repr = fmt.tensor_repr

F64 = np.dtype("float64")
DEFAULTS = {"precision": 4, "threshold": 1000, "edgeitems": 3, "linewidth": 80, "sci_mode": None}


@pytest.fixture(autouse=True)
def _restore_print_options():
    """Every test starts and ends with default options, ours and torch's."""
    fmt.set_printoptions(profile="default")
    yield
    fmt.set_printoptions(profile="default")
    if "torch" in sys.modules:
        torch = sys.modules["torch"]
        torch.set_printoptions(profile="default")
        torch.set_default_dtype(torch.float32)


# --------------------------------------------------------------------------- hand-written cases

NAN, INF = float("nan"), float("inf")

# (data, keyword arguments, what torch prints)
EXPECTED = [
    (np.array(28.0, np.float32), {"grad_fn_name": "MulBackward0"}, "tensor(28., grad_fn=<MulBackward0>)"),
    (np.arange(4, dtype=np.float32), {"requires_grad": True}, "tensor([0., 1., 2., 3.], requires_grad=True)"),
    (np.array([1, 2], np.int32), {}, "tensor([1, 2], dtype=tapegrad.int32)"),
    (np.array([True, False]), {}, "tensor([ True, False])"),
    (np.zeros((0, 3), np.float32), {}, "tensor([], size=(0, 3))"),
    (np.zeros(0, np.int64), {}, "tensor([], dtype=tapegrad.int64)"),
    (np.zeros(0, np.float32), {}, "tensor([])"),
    (np.arange(2000), {}, "tensor([   0,    1,    2,  ..., 1997, 1998, 1999])"),
    (np.array([1e-5, 1.0, 123456.0], np.float32), {}, "tensor([1.0000e-05, 1.0000e+00, 1.2346e+05])"),
    (np.array([1e10, -1e-8, 0.0], np.float32), {}, "tensor([ 1.0000e+10, -1.0000e-08,  0.0000e+00])"),
    (np.array([0.1, 2.5, -3.14159], np.float32), {}, "tensor([ 0.1000,  2.5000, -3.1416])"),
    (np.array([1.0, NAN, INF, -INF], np.float32), {}, "tensor([1., nan, inf, -inf])"),
    (np.array([NAN, 0.0], np.float32), {}, "tensor([nan, 0.])"),
    (np.array([-0.0, 0.0, 1.0], np.float32), {}, "tensor([-0., 0., 1.])"),
    (np.array([0.1, 65504.0], np.float16), {}, "tensor([9.9976e-02, 6.5504e+04], dtype=tapegrad.float16)"),
    (np.array([1 / 3, 2.0]), {}, "tensor([0.3333, 2.0000], dtype=tapegrad.float64)"),
    (np.array([0, 255], np.uint8), {}, "tensor([  0, 255], dtype=tapegrad.uint8)"),
    (np.array(5), {}, "tensor(5)"),
    (np.array(3.14159, np.float32), {}, "tensor(3.1416)"),
    (np.float32(2.0), {}, "tensor(2.)"),  # NumPy scalars are accepted as 0-dim data
    (np.array([1 + 2j, -0.5 - 0.25j], np.complex64), {}, "tensor([ 1.0000+2.0000j, -0.5000-0.2500j])"),
    (np.array([1 + 2j, -0.5 - 1e-5j], np.complex64), {}, "tensor([ 1.0000+2.0000e+00j, -0.5000-1.0000e-05j])"),
    (np.array(3 + 4j, np.complex64), {}, "tensor(3.+4.j)"),
    (np.array([1j]), {}, "tensor([0.+1.j], dtype=tapegrad.complex128)"),
    (np.zeros(0, np.complex64), {}, "tensor([], dtype=tapegrad.complex64)"),
    (np.arange(12, dtype=np.float32).reshape(3, 4) / np.float32(3), {},
     "tensor([[0.0000, 0.3333, 0.6667, 1.0000],\n"
     "        [1.3333, 1.6667, 2.0000, 2.3333],\n"
     "        [2.6667, 3.0000, 3.3333, 3.6667]])"),
    (np.arange(8).reshape(2, 2, 2), {},
     "tensor([[[0, 1],\n"
     "         [2, 3]],\n"
     "\n"
     "        [[4, 5],\n"
     "         [6, 7]]])"),
    (np.ones((2, 3, 1, 2), np.int8), {},
     "tensor([[[[1, 1]],\n\n         [[1, 1]],\n\n         [[1, 1]]],\n\n\n"
     "        [[[1, 1]],\n\n         [[1, 1]],\n\n         [[1, 1]]]], dtype=tapegrad.int8)"),
    (np.linspace(0, 1, 20).astype(np.float32), {},
     "tensor([0.0000, 0.0526, 0.1053, 0.1579, 0.2105, 0.2632, 0.3158, 0.3684, 0.4211,\n"
     "        0.4737, 0.5263, 0.5789, 0.6316, 0.6842, 0.7368, 0.7895, 0.8421, 0.8947,\n"
     "        0.9474, 1.0000])"),
    (np.arange(40000, dtype=np.float32).reshape(200, 200), {},
     "tensor([[0.0000e+00, 1.0000e+00, 2.0000e+00,  ..., 1.9700e+02, 1.9800e+02,\n"
     "         1.9900e+02],\n"
     "        [2.0000e+02, 2.0100e+02, 2.0200e+02,  ..., 3.9700e+02, 3.9800e+02,\n"
     "         3.9900e+02],\n"
     "        [4.0000e+02, 4.0100e+02, 4.0200e+02,  ..., 5.9700e+02, 5.9800e+02,\n"
     "         5.9900e+02],\n"
     "        ...,\n"
     "        [3.9400e+04, 3.9401e+04, 3.9402e+04,  ..., 3.9597e+04, 3.9598e+04,\n"
     "         3.9599e+04],\n"
     "        [3.9600e+04, 3.9601e+04, 3.9602e+04,  ..., 3.9797e+04, 3.9798e+04,\n"
     "         3.9799e+04],\n"
     "        [3.9800e+04, 3.9801e+04, 3.9802e+04,  ..., 3.9997e+04, 3.9998e+04,\n"
     "         3.9999e+04]])"),
    # Suffixes: order dtype-then-autograd, wrapped onto an indented line past linewidth.
    (np.arange(18, dtype=np.float64).reshape(2, 9) * 1.5, {},
     "tensor([[ 0.0000,  1.5000,  3.0000,  4.5000,  6.0000,  7.5000,  9.0000, 10.5000,\n"
     "         12.0000],\n"
     "        [13.5000, 15.0000, 16.5000, 18.0000, 19.5000, 21.0000, 22.5000, 24.0000,\n"
     "         25.5000]], dtype=tapegrad.float64)"),
    (np.arange(15, dtype=np.int32) * 1000, {},
     "tensor([    0,  1000,  2000,  3000,  4000,  5000,  6000,  7000,  8000,  9000,\n"
     "        10000, 11000, 12000, 13000, 14000], dtype=tapegrad.int32)"),
    (np.arange(8, dtype=np.int32) * 10**6, {},
     "tensor([      0, 1000000, 2000000, 3000000, 4000000, 5000000, 6000000, 7000000],\n"
     "       dtype=tapegrad.int32)"),
    (np.arange(9, dtype=np.float64) * 1.5, {"grad_fn_name": "MulBackward0"},
     "tensor([ 0.0000,  1.5000,  3.0000,  4.5000,  6.0000,  7.5000,  9.0000, 10.5000,\n"
     "        12.0000], dtype=tapegrad.float64, grad_fn=<MulBackward0>)"),
    (np.linspace(0, 2, 5), {"grad_fn_name": "MulBackward0"},
     "tensor([0.0000, 0.5000, 1.0000, 1.5000, 2.0000], dtype=tapegrad.float64,\n"
     "       grad_fn=<MulBackward0>)"),
    # grad_fn wins over requires_grad, as in torch (a non-leaf always requires grad).
    (np.array(1.0, np.float32), {"grad_fn_name": "SumBackward0", "requires_grad": True},
     "tensor(1., grad_fn=<SumBackward0>)"),
    # Default dtype float64: float64 loses its suffix, float32 gains one, complex128 is default.
    (np.array([1.5, 2.0]), {"default_float": F64}, "tensor([1.5000, 2.0000])"),
    (np.array([1.5], np.float32), {"default_float": F64}, "tensor([1.5000], dtype=tapegrad.float32)"),
    (np.array([1j]), {"default_float": F64}, "tensor([0.+1.j])"),
    (np.zeros((2, 0)), {"default_float": F64}, "tensor([], size=(2, 0))"),
]


@pytest.mark.parametrize("data, kwargs, expected", EXPECTED, ids=[e[2][:40] for e in EXPECTED])
def test_known_outputs(data, kwargs, expected):
    assert tensor_repr(data, **kwargs) == expected


@pytest.mark.parametrize("options, data, expected", [
    ({"precision": 2}, np.array([1.12345, 2.0], np.float32), "tensor([1.12, 2.00])"),
    ({"threshold": 5}, np.arange(10), "tensor([0, 1, 2,  ..., 7, 8, 9])"),
    ({"threshold": 5, "edgeitems": 0}, np.arange(10.0, dtype=np.float32), "tensor([...], size=(10,))"),
    ({"threshold": 5, "edgeitems": 0}, np.ones((3, 4), np.float32), "tensor([...], size=(3, 4))"),
    ({"sci_mode": True}, np.array([1.0, 2.5], np.float32), "tensor([1.0000e+00, 2.5000e+00])"),
    ({"sci_mode": False}, np.array([1e-5, 1.0], np.float32), "tensor([0.0000, 1.0000])"),
])
def test_known_outputs_with_options(options, data, expected):
    fmt.set_printoptions(**options)
    assert tensor_repr(data) == expected


def test_printoptions_profiles_and_reset():
    assert fmt.get_printoptions() == DEFAULTS
    fmt.set_printoptions(profile="short")
    assert fmt.get_printoptions() == {**DEFAULTS, "precision": 2, "edgeitems": 2}
    fmt.set_printoptions(profile="full", precision=6)
    assert fmt.get_printoptions() == {**DEFAULTS, "threshold": math.inf, "precision": 6}
    fmt.set_printoptions(sci_mode=True)
    assert fmt.get_printoptions()["sci_mode"] is True
    fmt.set_printoptions(linewidth=100)  # like torch, any call without sci_mode resets it
    assert fmt.get_printoptions()["sci_mode"] is None
    assert fmt.get_printoptions()["precision"] == 6
    fmt.set_printoptions(profile="default")
    assert fmt.get_printoptions() == DEFAULTS


def test_get_printoptions_returns_a_copy_usable_as_kwargs():
    saved = fmt.get_printoptions()
    saved["precision"] = 99
    assert fmt.get_printoptions()["precision"] == 4
    fmt.set_printoptions(precision=1, sci_mode=False)
    snapshot = fmt.get_printoptions()
    fmt.set_printoptions(profile="default")
    fmt.set_printoptions(**snapshot)
    assert fmt.get_printoptions() == snapshot


def test_printoptions_context_manager_restores():
    with fmt.printoptions(precision=1, threshold=3):
        assert tensor_repr(np.array([1.25, 2.0, 3.0, 4.0], np.float32)) == "tensor([1.2, 2.0, 3.0, 4.0])"
        assert tensor_repr(np.arange(7)) == "tensor([0, 1, 2,  ..., 4, 5, 6])"
    assert fmt.get_printoptions() == DEFAULTS


def test_full_profile_never_summarises():
    fmt.set_printoptions(profile="full")
    text = tensor_repr(np.arange(1500))
    assert "..." not in text and text.count(",") == 1499


@pytest.mark.parametrize("value, spec, expected", [
    (np.float32(3.14159), ".2f", "3.14"),
    (np.array(3.14159, np.float32), ".3e", "3.142e+00"),
    (np.int64(5), ">4", "   5"),
    (np.array(True), "", "True"),
    (np.float32(0.1), "", "0.10000000149011612"),  # .item() of float32 is the exact double
    (2.5, "+.1f", "+2.5"),
])
def test_format_scalar(value, spec, expected):
    assert fmt.format_scalar(value, spec) == expected


# ------------------------------------------------------------------------------ torch parity

DTYPES = [np.float32, np.float64, np.float16, np.int64, np.int32, np.int16, np.int8, np.uint8,
          np.bool_, np.complex64, np.complex128]


def random_array(rng: np.random.Generator) -> np.ndarray:
    """An array of random dtype/shape/magnitude, often crossing the 1000-element threshold."""
    ndim = int(rng.integers(0, 5))
    style = rng.choice(["small", "big", "empty"], p=[0.55, 0.35, 0.10]) if ndim else "small"
    if style == "small":
        shape = [int(d) for d in rng.integers(1, 7, ndim)]
    elif style == "empty":
        shape = [int(d) for d in rng.integers(0, 4, ndim)]
        shape[int(rng.integers(ndim))] = 0
    else:  # stretch the first dim so the total lands around the threshold
        rest = [int(d) for d in rng.integers(2, 12, ndim - 1)]
        target = int(rng.integers(700, 3000))
        shape = [max(1, -(-target // int(np.prod(rest))))] + rest
    dtype = np.dtype(DTYPES[rng.integers(len(DTYPES))])
    scale = 10.0 ** rng.uniform(-8, 10)
    kind = rng.integers(4)
    x = rng.standard_normal(shape) * scale
    if kind == 1:
        x = np.round(x)  # integral floats exercise the "1." style
    elif kind == 2:
        x = np.round(rng.standard_normal(shape) * 20)
    elif kind == 3:
        x = rng.uniform(0, 1, shape) * scale
    if dtype.kind == "b":
        return np.asarray(rng.random(shape) < 0.5)
    if dtype.kind in "iu":
        info = np.iinfo(dtype)
        return np.asarray(np.clip(x, info.min, info.max)).astype(dtype)
    if x.size and rng.random() < 0.35:
        flat = x.reshape(-1)
        flat[rng.integers(0, flat.size, 3)] = rng.choice([NAN, INF, -INF, 0.0, -0.0], 3)
    if dtype.kind == "c":
        x = x + 1j * rng.standard_normal(shape) * 10.0 ** rng.uniform(-8, 10)
    with np.errstate(over="ignore", invalid="ignore"):  # float16 overflows to inf on purpose
        return np.asarray(x).astype(dtype)


def torch_repr(t) -> str:
    return repr(t).replace("torch.", "tapegrad.")


def _arrays(seed: int, count: int) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [random_array(rng) for _ in range(count)]


def _assert_all_match(pairs):
    """pairs: iterable of (ours, torch's) strings; report the first mismatch in full."""
    checked = 0
    for ours, theirs in pairs:
        assert ours == theirs, f"\nours:\n{ours}\ntorch:\n{theirs}"
        checked += 1
    assert checked > 0


@pytest.mark.parametrize("seed", range(12))
def test_parity_plain(seed):
    torch = pytest.importorskip("torch", reason="torch is needed for the parity tests")
    arrays = _arrays(seed, 80)
    _assert_all_match((tensor_repr(a), torch_repr(torch.from_numpy(a))) for a in arrays)


def test_parity_default_float64():
    torch = pytest.importorskip("torch", reason="torch is needed for the parity tests")
    arrays = _arrays(100, 200)
    torch.set_default_dtype(torch.float64)
    try:
        theirs = [torch_repr(torch.from_numpy(a)) for a in arrays]
    finally:
        torch.set_default_dtype(torch.float32)
    _assert_all_match(zip((tensor_repr(a, default_float=F64) for a in arrays), theirs))


def test_parity_requires_grad_and_grad_fn():
    torch = pytest.importorskip("torch", reason="torch is needed for the parity tests")
    arrays = [a for a in _arrays(200, 400) if a.dtype.kind in "fc"]
    pairs = []
    for a in arrays:
        leaf = torch.tensor(a, requires_grad=True)
        pairs.append((tensor_repr(a, requires_grad=True), torch_repr(leaf)))
        # Use torch's own result values so only the printing is under test.
        for result in (leaf * 1, leaf + 1, leaf.sum()):
            pairs.append((tensor_repr(result.detach().numpy(), grad_fn_name=type(result.grad_fn).__name__),
                          torch_repr(result)))
    _assert_all_match(pairs)


OPTION_SETS = [
    {"precision": 2}, {"precision": 0}, {"precision": 8},
    {"threshold": 5}, {"threshold": 0}, {"edgeitems": 1, "threshold": 10},
    {"edgeitems": 0, "threshold": 10}, {"edgeitems": 5},
    {"linewidth": 40}, {"linewidth": 200}, {"linewidth": 5},
    {"sci_mode": True}, {"sci_mode": False}, {"sci_mode": False, "precision": 1},
    {"profile": "short"}, {"profile": "full"}, {"profile": "short", "linewidth": 60},
]


@pytest.mark.parametrize("options", OPTION_SETS, ids=[str(o) for o in OPTION_SETS])
def test_parity_print_options(options):
    torch = pytest.importorskip("torch", reason="torch is needed for the parity tests")
    arrays = _arrays(300 + OPTION_SETS.index(options), 40)
    torch.set_printoptions(**options)
    fmt.set_printoptions(**options)
    try:
        theirs = [torch_repr(torch.from_numpy(a)) for a in arrays]
        ours = [tensor_repr(a) for a in arrays]
        theirs_grad = [torch_repr(torch.tensor(a, requires_grad=True) * 1) for a in arrays if a.dtype.kind == "f"]
        ours_grad = [tensor_repr(a, grad_fn_name="MulBackward0") for a in arrays if a.dtype.kind == "f"]
    finally:
        torch.set_printoptions(profile="default")
    _assert_all_match(zip(ours + ours_grad, theirs + theirs_grad))


def test_format_scalar_matches_tensor_format():
    torch = pytest.importorskip("torch", reason="torch is needed for the parity tests")
    values = [np.float32(3.14159), np.float64(-2.5e-7), np.int64(42), np.int8(-3), np.bool_(False),
              np.float16(0.1), np.complex64(1 + 2j)]
    specs = ["", ".2f", ">10", ".3e", "+"]
    pairs = []
    for v in values:
        for spec in specs:
            try:
                theirs = format(torch.tensor(v), spec)
            except (ValueError, TypeError) as exc:
                with pytest.raises(type(exc)):
                    fmt.format_scalar(v, spec)
                continue
            pairs.append((fmt.format_scalar(v, spec), theirs))
    _assert_all_match(pairs)
