"""Tests for the ``tapegrad`` command line (``python -m tapegrad``)."""
from __future__ import annotations

import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "tapegrad", *args],
                          capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("demo") / "pictures"


@pytest.fixture(scope="module")
def demo_output(demo_dir: Path) -> str:
    proc = _run("demo", "--out", str(demo_dir))
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


def test_demo_is_deterministic(demo_output: str, demo_dir: Path) -> None:
    assert _run("demo", "--out", str(demo_dir)).stdout == demo_output


def test_help() -> None:
    proc = _run("--help")
    assert proc.returncode == 0
    assert "usage: tapegrad" in proc.stdout
    assert "demo" in proc.stdout


def test_demo_help() -> None:
    proc = _run("demo", "--help")
    assert proc.returncode == 0
    assert "usage: tapegrad demo" in proc.stdout
    assert "--out DIR" in proc.stdout and "tangent.svg" in proc.stdout


def test_main_in_process(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    from tapegrad.cli import main

    assert main(["demo", "--out", str(tmp_path)]) == 0
    assert "tensor(28., grad_fn=<MulBackward0>)" in capsys.readouterr().out
    assert main([]) == 2


SVG = "{http://www.w3.org/2000/svg}"


def _points(path_d: str) -> list[tuple[float, float]]:
    nums = [float(v) for v in re.findall(r"-?\d+(?:\.\d+)?(?:e-?\d+)?", path_d)]
    return list(zip(nums[::2], nums[1::2]))


def _line_points(root: ET.Element, gid: str) -> list[tuple[float, float]]:
    (group,) = [g for g in root.iter(SVG + "g") if g.get("id") == gid]
    (path,) = group.iter(SVG + "path")
    return _points(path.get("d"))


def test_demo_writes_pictures(demo_output: str, demo_dir: Path) -> None:
    # tangent.svg needs matplotlib (the 'plot' extra that make test installs); without it the
    # demo says so, as test_demo_without_matplotlib checks
    tangent = ["tangent.svg"] if _has_matplotlib() else []
    assert sorted(p.name for p in demo_dir.iterdir()) == sorted([
        "backward.svg", "graph.dot", "graph.svg", *tangent])
    assert demo_output.rstrip().splitlines()[-1] == f"Files written to {demo_dir.resolve()}"

    graph = ET.parse(demo_dir / "graph.svg").getroot()
    texts = [t.text for t in graph.iter(SVG + "text")]
    for name in ("x", "MulBackward0", "SinBackward0", "AddBackward0", "SumBackward0"):
        assert name in texts
    nodes = [g for g in graph.iter(SVG + "g") if g.get("class") == "node"]
    assert len(nodes) == 6  # x, Mul, Sin, Add, Sum, output
    assert "SinBackward0" in (demo_dir / "graph.dot").read_text()
    backward = ET.parse(demo_dir / "backward.svg").getroot()
    assert "5. x" in [t.text for t in backward.iter(SVG + "text")]


def _has_matplotlib() -> bool:
    import importlib.util
    return importlib.util.find_spec("matplotlib") is not None


def test_demo_draws_the_tangent(demo_output: str, demo_dir: Path) -> None:
    pytest.importorskip("matplotlib", reason="the tangent plot needs the 'plot' extra")
    root = ET.parse(demo_dir / "tangent.svg").getroot()
    curve = _line_points(root, "calculus-f")
    tangent = _line_points(root, "calculus-tangent")
    assert len(curve) == 100 and len(tangent) == 100

    def bends(pts: list[tuple[float, float]]) -> float:
        (x0, y0), (x1, y1) = pts[0], pts[-1]
        return max(abs((x1 - x0) * (y - y0) - (y1 - y0) * (x - x0)) for x, y in pts)

    assert bends(tangent) < 1e-3 * bends(curve)  # one straight line, one parabola
    # the tangent touches the curve at x = 1, a third of the way along x in [0, 3]
    touch = min(range(100), key=lambda i: abs(curve[i][1] - tangent[i][1]))
    assert abs(touch - 33) <= 1


def test_demo_without_matplotlib(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                 capsys: pytest.CaptureFixture[str]) -> None:
    from tapegrad.cli import main

    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib -> ImportError
    assert main(["demo", "--out", str(tmp_path / "out")]) == 0
    out = capsys.readouterr().out
    assert "skipped tangent.svg" in out and "tapegrad[plot]" in out
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "backward.svg", "graph.dot", "graph.svg"]
