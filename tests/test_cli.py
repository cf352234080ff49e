"""Tests for the ``tapegrad`` command line (``python -m tapegrad``)."""
from __future__ import annotations

import subprocess
import sys

import pytest


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "tapegrad", *args],
                          capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def demo_output() -> str:
    proc = _run("demo")
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


@pytest.mark.parametrize("expected", [
    "h=0.10000, numerical limit=2.30000",
    "h=0.00001, numerical limit=2.00003",
    ">>> x = torch.arange(4.0)",
    "tensor([0., 1., 2., 3.], requires_grad=True)",
    ">>> y = 2 * torch.dot(x, x)",
    "tensor(28., grad_fn=<MulBackward0>)",
    "tensor([ 0.,  4.,  8., 12.])",
    "tensor([True, True, True, True])",
    "tensor([1., 1., 1., 1.])",
    "tensor([0., 2., 4., 6.])",
    "tensor(True)",
    "(True, False)",
    "tensor(25., grad_fn=<AddBackward0>)",
    "(tensor(6.), None, tensor(1.))",
    "tensor(12., grad_fn=<MulBackward0>)",
    "tensor(6.)",
])
def test_demo_contains(demo_output: str, expected: str) -> None:
    assert expected in demo_output


def test_demo_results_follow_expressions(demo_output: str) -> None:
    lines = demo_output.splitlines()
    assert lines[lines.index(">>> x.grad is None") + 1] == "True"
    assert lines[lines.index(">>> d3y") + 1] == "tensor(6.)"
    assert demo_output.count("tensor([True, True, True, True])") == 3


def test_demo_is_deterministic(demo_output: str) -> None:
    assert _run("demo").stdout == demo_output


def test_help() -> None:
    proc = _run("--help")
    assert proc.returncode == 0
    assert "usage: tapegrad" in proc.stdout
    assert "demo" in proc.stdout


def test_demo_help() -> None:
    proc = _run("demo", "--help")
    assert proc.returncode == 0
    assert "usage: tapegrad demo" in proc.stdout


def test_main_in_process(capsys: pytest.CaptureFixture[str]) -> None:
    from tapegrad.cli import main

    assert main(["demo"]) == 0
    assert "tensor(28., grad_fn=<MulBackward0>)" in capsys.readouterr().out
    assert main([]) == 2
