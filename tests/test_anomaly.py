"""Anomaly detection (torch's API and messages) and masked-where mode."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

import tapegrad as tg
from tapegrad.autograd import _engine


@pytest.fixture(autouse=True)
def _modes_off():
    yield
    tg.autograd.set_detect_anomaly(False)
    tg.autograd.set_masked_where(False)


def _sqrt_of_negative():
    x = tg.tensor([-1.0, 4.0], requires_grad=True)
    y = tg.sqrt(x)  # the line the warning must point at
    return x, (y * 0).sum()


def test_nan_in_backward_raises_torchs_error_with_the_forward_traceback():
    with pytest.warns(UserWarning, match="Anomaly Detection has been enabled"):
        ctx = tg.autograd.detect_anomaly()
    with ctx:
        x, z = _sqrt_of_negative()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            with pytest.raises(RuntimeError, match=r"^Function 'SqrtBackward0' returned nan values "
                                                   r"in its 0th output\.$"):
                z.backward()
    text = "\n".join(str(w.message) for w in caught)
    assert "Error detected in SqrtBackward0" in text
    assert "y = tg.sqrt(x)  # the line the warning must point at" in text
    assert "shapes: [2]" in text
    assert x.grad is None  # nothing was accumulated past the failing node
    assert not tg.is_anomaly_enabled()


def test_without_anomaly_mode_the_nan_just_flows():
    x, z = _sqrt_of_negative()
    z.backward()
    assert np.isnan(x.grad[0].item()) and x.grad[1].item() == 0.0


def test_set_detect_anomaly_records_tracebacks_in_metadata():
    tg.autograd.set_detect_anomaly(True)
    assert tg.is_anomaly_enabled() and tg.is_anomaly_check_nan_enabled()
    a = tg.tensor([1.0], requires_grad=True)
    b = a * 2
    frames = b.grad_fn.metadata["traceback_"]
    assert any("b = a * 2" in f for f in frames)
    assert not any("tapegrad" in f.split("\n")[0] for f in frames)
    tg.autograd.set_detect_anomaly(False)
    assert not tg.is_anomaly_enabled()
    assert (a * 3).grad_fn.metadata == {}
    assert _engine.observers == []


def test_check_nan_false_only_records():
    with tg.autograd.set_detect_anomaly(True, check_nan=False):
        assert not tg.is_anomaly_check_nan_enabled()
        x, z = _sqrt_of_negative()
        z.backward()  # no error
    assert np.isnan(x.grad[0].item())
    assert not tg.is_anomaly_enabled()


def test_check_inf_is_an_opt_in_extension():
    x = tg.tensor([0.0, 4.0], requires_grad=True)
    with tg.autograd.set_detect_anomaly(True):
        tg.sqrt(x).sum().backward()  # d sqrt/dx at 0 is inf: torch accepts it
    assert np.isinf(x.grad[0].item())
    x.grad = None
    # pytest.warns records every warning, overriding tapegrad's filter for NumPy's
    # divide-by-zero RuntimeWarning, and re-emits those it did not match: keep NumPy quiet here.
    with tg.autograd.set_detect_anomaly(True, check_inf=True), np.errstate(divide="ignore"):
        with pytest.warns(UserWarning, match="Error detected in SqrtBackward0"):
            with pytest.raises(RuntimeError, match="returned inf values in its 0th output"):
                tg.sqrt(x).sum().backward()


def test_decorator_form():
    @tg.autograd.set_detect_anomaly(True)
    def inside():
        return tg.is_anomaly_enabled()

    tg.autograd.set_detect_anomaly(False)
    assert inside() and not tg.is_anomaly_enabled()


def test_anomaly_mode_leaves_results_unchanged():
    x = tg.tensor([0.5, 1.5], requires_grad=True)
    with tg.autograd.set_detect_anomaly(True):
        (tg.exp(x) * tg.sin(x)).sum().backward()
    expected = np.exp([0.5, 1.5]) * (np.sin([0.5, 1.5]) + np.cos([0.5, 1.5]))
    np.testing.assert_allclose(x.grad.numpy(), expected, rtol=1e-6)


# -- masked where ------------------------------------------------------------------------------------
def test_where_of_sqrt_gives_nan_by_default_like_torch():
    x = tg.tensor([-1.0, 4.0], requires_grad=True)
    tg.where(x > 0, tg.sqrt(x), 0.0).sum().backward()
    assert np.isnan(x.grad[0].item())
    assert x.grad[1].item() == pytest.approx(0.25)


def test_masked_where_gives_an_exact_zero_for_the_untaken_branch():
    x = tg.tensor([-1.0, 0.0, 4.0], requires_grad=True)
    with tg.autograd.masked_where():
        assert tg.autograd.is_masked_where_enabled()
        tg.where(x > 0, tg.sqrt(x), 0.0).sum().backward()
    assert not tg.autograd.is_masked_where_enabled()
    assert x.grad.tolist() == [0.0, 0.0, 0.25]


def test_masked_where_through_a_chain_and_log():
    # log(x) at x <= 0 gives -inf/nan; 1/x at 0 is inf; both branches masked.
    x = tg.tensor([-2.0, 0.0, 3.0], dtype=tg.float64, requires_grad=True)
    with tg.autograd.masked_where():
        y = tg.where(x > 0, tg.log(x) * tg.exp(x), x * 2)
        y.sum().backward()
    assert x.grad.tolist() == pytest.approx([2.0, 2.0, np.exp(3) * (1 / 3 + np.log(3))])


def test_masked_where_with_create_graph():
    x = tg.tensor([-1.0, 4.0], dtype=tg.float64, requires_grad=True)
    with tg.autograd.masked_where():
        y = tg.where(x > 0, x ** 1.5, 0.0).sum()
        (g,) = tg.autograd.grad(y, x, create_graph=True)
        (h,) = tg.autograd.grad(g.sum(), x)
    assert g.tolist() == pytest.approx([0.0, 1.5 * 2.0])
    assert h.tolist() == pytest.approx([0.0, 0.75 / 2.0])


def test_set_masked_where_as_a_call():
    tg.autograd.set_masked_where(True)
    x = tg.tensor([-1.0], requires_grad=True)
    tg.where(x > 0, tg.sqrt(x), 0.0).sum().backward()
    assert x.grad.tolist() == [0.0]
    tg.autograd.set_masked_where(False)
    assert not tg.autograd.is_masked_where_enabled()


def test_nan_producing_ops_do_not_warn_like_numpy_would():
    import subprocess
    import sys
    code = ("import tapegrad as t\n"
            "x = t.tensor([-1.0, 0.0], requires_grad=True)\n"
            "(t.sqrt(x) + t.log(x) + x / x).sum().backward()\n"
            "print(x.grad)")
    done = subprocess.run([sys.executable, "-W", "error", "-c", code], capture_output=True,
                          text=True)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    assert "nan" in done.stdout
