"""``tapegrad run``: PyTorch-style scripts with ``torch`` mapped to tapegrad."""
from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import tapegrad
from tapegrad._torch_alias import run_script, torch_alias
from tapegrad.cli import main


def _script(tmp_path: Path, source: str, name: str = "script.py") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(source))
    return path


def _run(script: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "tapegrad", "run", str(script), *args],
                          capture_output=True, text=True, timeout=120, cwd=script.parent)


def _run_here(capsys: pytest.CaptureFixture[str], script: Path) -> tuple[int, str, str]:
    """``tapegrad run`` in this process (much faster than a fresh interpreter)."""
    status = main(["run", str(script)])
    out, err = capsys.readouterr()
    return status, out, err


GRADIENT_SCRIPT = """\
    import torch
    import torch.autograd
    from torch.autograd import grad
    import torch.distributions
    from torch.distributions.multinomial import Multinomial
    import torch.func

    x = torch.arange(4.0, requires_grad=True)
    y = 2 * torch.dot(x, x)
    y.backward()
    print(x.grad)
    t = torch.tensor(2.0, requires_grad=True)
    (d,) = grad(t ** 3, t)
    print(d.item(), torch.func.grad(lambda u: u.sin())(torch.tensor(0.0)).item())
    print(isinstance(x, torch.Tensor), torch.Tensor.__module__.startswith("tapegrad"))
    print(Multinomial is torch.distributions.Multinomial, torch.autograd.grad is grad)
"""


def test_gradient_script(tmp_path: Path) -> None:
    proc = _run(_script(tmp_path, GRADIENT_SCRIPT))
    assert proc.returncode == 0, proc.stderr
    # d(2 x.x)/dx = 4x; d(t^3)/dt = 3t^2 = 12 at 2; sin'(0) = 1.
    assert proc.stdout.splitlines() == ["tensor([ 0.,  4.,  8., 12.])", "12.0 1.0",
                                        "True True", "True True"]


@pytest.mark.parametrize("statement, name", [
    ("import torch.fft", "torch.fft"),
    ("from torch import fft", "torch.fft"),
    ("import torch.sparse.nn as S", "torch.sparse"),
    ("import torch.jit", "torch.jit"),
    ("from torch.utils.cpp_extension import load", "torch.utils.cpp_extension"),
    ("import torch.autograd.no_such_module", "torch.autograd.no_such_module"),
])
def test_missing_module(capsys: pytest.CaptureFixture[str], tmp_path: Path, statement: str,
                        name: str) -> None:
    script = _script(tmp_path, f"import torch\n{statement}\nprint('unreachable')\n")
    status, out, err = _run_here(capsys, script)
    assert status == 1 and out == ""
    assert err.strip().splitlines()[-1] == (
        f"ModuleNotFoundError: {name} is not implemented in tapegrad yet")
    assert "script.py" in err and "runpy" not in err


def test_missing_module_in_fresh_interpreter(tmp_path: Path) -> None:
    proc = _run(_script(tmp_path, "import torch.fft\n"))
    assert proc.returncode == 1 and proc.stdout == ""
    assert proc.stderr.strip().splitlines()[-1] == (
        "ModuleNotFoundError: torch.fft is not implemented in tapegrad yet")


def test_missing_attribute(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    status, out, err = _run_here(capsys, _script(tmp_path, """\
        import torch
        print(hasattr(torch, "some_missing_function"), hasattr(torch, "exp"))
        torch.some_missing_function(1)
    """))
    assert (status, out) == (1, "False True\n")
    assert err.strip().splitlines()[-1] == (
        "AttributeError: tapegrad does not implement torch.some_missing_function yet")


def test_argv_main_and_script_dir(tmp_path: Path) -> None:
    _script(tmp_path, "VALUE = 42\n", name="helper_module_for_run.py")
    script = _script(tmp_path, """\
        import sys
        import helper_module_for_run
        print(sys.argv)
        print(__name__, helper_module_for_run.VALUE)
    """)
    proc = subprocess.run([sys.executable, "-m", "tapegrad", "run", str(script), "a b", "--flag",
                           "-x", "--help"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == [repr([str(script), "a b", "--flag", "-x", "--help"]),
                                        "__main__ 42"]


@pytest.mark.parametrize("ending, status", [("sys.exit(3)", 3), ("sys.exit(0)", 0),
                                            ("pass", 0), ("raise ValueError('boom')", 1)])
def test_exit_status(capsys: pytest.CaptureFixture[str], tmp_path: Path, ending: str,
                     status: int) -> None:
    got, out, _ = _run_here(capsys, _script(tmp_path, f"import sys, torch\nprint('ran')\n"
                                                      f"{ending}\n"))
    assert (got, out) == (status, "ran\n")


def test_exit_status_of_process(tmp_path: Path) -> None:
    proc = _run(_script(tmp_path, "import sys, torch\nsys.exit(3)\n"))
    assert proc.returncode == 3


def test_missing_script(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    status, _, err = _run_here(capsys, tmp_path / "nope.py")
    assert status == 2 and "nope.py" in err


def test_help() -> None:
    proc = subprocess.run([sys.executable, "-m", "tapegrad", "run", "--help"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0
    assert proc.stdout.startswith("usage: tapegrad run")
    assert "not implemented in tapegrad yet" in proc.stdout


def test_in_process_restores_state(tmp_path: Path) -> None:
    """run_script leaves sys.argv, sys.path and any real torch module as they were."""
    before = (sys.argv[:], sys.path[:], sys.modules.get("torch"), sys.meta_path[:])
    script = _script(tmp_path, """\
        import sys, torch
        assert torch.tensor is __import__("tapegrad").tensor
        sys.exit(int(sys.argv[1]))
    """)
    assert run_script(str(script), ["7"]) == 7
    assert (sys.argv, sys.path, sys.modules.get("torch"), sys.meta_path) == before


def test_alias_is_scoped() -> None:
    with torch_alias():
        import torch  # noqa: F811 (the alias)
        assert torch.exp is tapegrad.exp
        with pytest.raises(AttributeError, match="tapegrad does not implement torch.nope yet"):
            torch.nope
    # Plain tapegrad keeps Python's usual behaviour.
    assert not hasattr(tapegrad, "nope")
    with pytest.raises(AttributeError, match="has no attribute 'nope'"):
        tapegrad.nope
