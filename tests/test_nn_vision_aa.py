"""F.interpolate(antialias=True) (bilinear, bicubic, lanczos) against real torch: values,
gradients, grad_fn names and errors."""
from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import tapegrad  # noqa: E402
import tapegrad.nn.functional as F  # noqa: E402

TOL = {"float32": 2e-5, "float64": 1e-11}
SIZES = [dict(size=(3, 4)), dict(size=(13, 7)), dict(scale_factor=0.37),
         dict(scale_factor=(0.5, 2.0)), dict(size=(4, 5), align_corners=True),
         dict(scale_factor=0.3, recompute_scale_factor=True), dict(size=(9, 11)),
         dict(size=(1, 1))]


# (lanczos refuses align_corners=True: test_antialias_errors checks that)
MODES_SIZES = [(m, kw) for m in ("bilinear", "bicubic", "lanczos") for kw in SIZES
               if not (m == "lanczos" and kw.get("align_corners"))]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("mode,kw", MODES_SIZES)
def test_antialias_matches_torch(mode, kw, dtype):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(2, 3, 9, 11)).astype(dtype)
    tx = torch.tensor(x, requires_grad=True)
    ox = tapegrad.tensor(x, requires_grad=True)
    expected = torch.nn.functional.interpolate(tx, mode=mode, antialias=True, **kw)
    got = F.interpolate(ox, mode=mode, antialias=True, **kw)
    assert type(got.grad_fn).__name__ == type(expected.grad_fn).__name__
    assert tuple(got.shape) == tuple(expected.shape) and got.dtype == ox.dtype
    tol = TOL[dtype]
    np.testing.assert_allclose(got.detach().numpy(), expected.detach().numpy(), rtol=tol,
                               atol=tol)
    w = rng.normal(size=tuple(expected.shape)).astype(dtype)
    (expected * torch.tensor(w)).sum().backward()
    (got * tapegrad.tensor(w)).sum().backward()
    np.testing.assert_allclose(ox.grad.numpy(), tx.grad.numpy(), rtol=tol, atol=tol)


def test_antialias_printed_value_and_double_backward():
    x = np.arange(16.0).reshape(1, 1, 4, 4)
    ours = F.interpolate(tapegrad.tensor(x), size=(2, 2), mode="bilinear", antialias=True)
    theirs = torch.nn.functional.interpolate(torch.tensor(x), size=(2, 2), mode="bilinear",
                                             antialias=True)
    assert repr(ours).replace("tapegrad", "torch") == repr(theirs)
    xi = tapegrad.tensor(x, requires_grad=True)
    y = F.interpolate(xi, size=(3, 2), mode="bicubic", antialias=True)
    assert tapegrad.autograd.gradgradcheck(
        lambda a: F.interpolate(a, size=(3, 2), mode="bicubic", antialias=True) ** 2, (xi,))
    assert type(y.grad_fn).__name__ == "UpsampleBicubic2DAaBackward0"


def _error(fn, *args, **kw):
    try:
        fn(*args, **kw)
    except Exception as e:  # noqa: BLE001 - the type is what is compared
        return type(e).__name__, str(e)
    return None


@pytest.mark.parametrize("shape,kw", [
    ((1, 2, 5), dict(mode="linear", antialias=True)),
    ((1, 2, 5, 6), dict(mode="nearest", antialias=True)),
    ((1, 2, 5, 6), dict(mode="area", antialias=True)),
    ((1, 1, 2, 3, 4), dict(mode="trilinear", antialias=True)),
    ((1, 2, 5), dict(mode="bilinear", antialias=True)),
    ((1, 2, 5, 6), dict(mode="lanczos")),
    ((1, 2, 5, 6), dict(mode="lanczos", antialias=True, align_corners=True)),
    ((1, 2, 5), dict(mode="lanczos")), ((1, 2, 5, 6, 7), dict(mode="bicubic")),
    ((1, 2, 5), dict(mode="bicubic")), ((1, 2, 5, 6, 7), dict(mode="bilinear")),
])
def test_antialias_errors(shape, kw):
    x = np.ones(shape, np.float32)
    ours = _error(F.interpolate, tapegrad.tensor(x), scale_factor=0.5, **kw)
    theirs = _error(torch.nn.functional.interpolate, torch.tensor(x), scale_factor=0.5, **kw)
    assert ours is not None and ours == theirs
