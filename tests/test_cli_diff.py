"""``tapegrad diff``: derivatives of a math expression from the command line."""
from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

import pytest

from tapegrad.cli import main


def _diff(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    status = main(["diff", *args])
    out, err = capsys.readouterr()
    return status, out, err


def _lines(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, str]:
    status, out, err = _diff(capsys, *args)
    assert status == 0, err
    return dict(line.split(" = ", 1) for line in out.splitlines())


# -- values and derivatives, checked against hand-derived closed forms -------------------------

def test_polynomial_exact_output(capsys: pytest.CaptureFixture[str]) -> None:
    # f = 3x^2 - 4x, f' = 6x - 4: at x = 1, f = -1 and f' = 2.
    status, out, err = _diff(capsys, "3*x**2-4*x", "--at", "x=1")
    assert (status, out, err) == (0, "f = -1.0\ndf/dx = 2.0\n", "")


def test_two_variables(capsys: pytest.CaptureFixture[str]) -> None:
    # f = sin(x) y: df/dx = cos(x) y = 2, df/dy = sin(x) = 0 at (0, 2).
    assert _lines(capsys, "sin(x)*y", "--at", "x=0", "y=2") == {
        "f": "0.0", "df/dx": "2.0", "df/dy": "0.0"}


def test_at_may_be_repeated(capsys: pytest.CaptureFixture[str]) -> None:
    assert _lines(capsys, "x-y", "--at", "x=5", "--at", "y=2") == {
        "f": "3.0", "df/dx": "1.0", "df/dy": "-1.0"}


def test_third_derivative(capsys: pytest.CaptureFixture[str]) -> None:
    # x^3 at 2: 8, 3x^2 = 12, 6x = 12, 6.
    assert _lines(capsys, "x**3", "--at", "x=2", "--order", "3") == {
        "f": "8.0", "df/dx": "12.0", "d2f/dx2": "12.0", "d3f/dx3": "6.0"}


def test_exp_derivatives_all_one(capsys: pytest.CaptureFixture[str]) -> None:
    got = _lines(capsys, "exp(x)", "--at", "x=0", "--order", "6")
    assert got == {"f": "1.0", "df/dx": "1.0", **{f"d{k}f/dx{k}": "1.0" for k in range(2, 7)}}


def test_log_second_derivative(capsys: pytest.CaptureFixture[str]) -> None:
    # (log x)' = 1/x = 0.5, (log x)'' = -1/x^2 = -0.25 at x = 2 (exact in binary).
    got = _lines(capsys, "log(x)", "--at", "x=2", "--order", "2")
    assert float(got["f"]) == pytest.approx(math.log(2), rel=1e-15)
    assert (got["df/dx"], got["d2f/dx2"]) == ("0.5", "-0.25")


def test_sin_derivative_values(capsys: pytest.CaptureFixture[str]) -> None:
    got = _lines(capsys, "sin(x)", "--at", "x=0.7", "--order", "4")
    expected = [math.sin(0.7), math.cos(0.7), -math.sin(0.7), -math.cos(0.7), math.sin(0.7)]
    keys = ["f", "df/dx", "d2f/dx2", "d3f/dx3", "d4f/dx4"]
    assert [float(got[k]) for k in keys] == pytest.approx(expected, rel=1e-14)


def test_hessian_of_product(capsys: pytest.CaptureFixture[str]) -> None:
    assert _lines(capsys, "x*y", "--at", "x=1", "y=2", "--order", "2") == {
        "f": "2.0", "df/dx": "2.0", "df/dy": "1.0",
        "d2f/dx dx": "0.0", "d2f/dx dy": "1.0", "d2f/dy dx": "1.0", "d2f/dy dy": "0.0"}


def test_hessian_order_of_lines(capsys: pytest.CaptureFixture[str]) -> None:
    # f = x^2 y at (1, 3): grad (2xy, x^2) = (6, 1); Hessian [[2y, 2x], [2x, 0]].
    status, out, _ = _diff(capsys, "x**2*y", "--at", "x=1", "y=3", "--order", "2")
    assert status == 0
    assert out.splitlines() == ["f = 3.0", "df/dx = 6.0", "df/dy = 1.0", "d2f/dx dx = 6.0",
                                "d2f/dx dy = 2.0", "d2f/dy dx = 2.0", "d2f/dy dy = 0.0"]


@pytest.mark.parametrize("expr", ["sum(x**2)", "dot(x, x)", "norm(x)**2"])
def test_vector_gradient(capsys: pytest.CaptureFixture[str], expr: str) -> None:
    got = _lines(capsys, expr, "--at", "x=[1,2,3]")
    assert float(got["f"]) == pytest.approx(14.0, rel=1e-14)
    assert [float(v) for v in got["df/dx"].strip("[]").split(",")] == \
        pytest.approx([2.0, 4.0, 6.0], rel=1e-14)


def test_vector_hessian(capsys: pytest.CaptureFixture[str]) -> None:
    got = _lines(capsys, "dot(x, x)", "--at", "x=[1, 2, 3]", "--order", "2")
    assert got["d2f/dx dx"] == "[[2.0, 0.0, 0.0], [0.0, 2.0, 0.0], [0.0, 0.0, 2.0]]"


def test_mixed_scalar_and_vector_hessian(capsys: pytest.CaptureFixture[str]) -> None:
    # f = a |v|^2 at a = 2, v = (1, 3): df/da = |v|^2 = 10, df/dv = 2av = (4, 12),
    # d2f/da2 = 0, d2f/da dv = 2v = (2, 6), d2f/dv2 = 2a I.
    assert _lines(capsys, "a*sum(v**2)", "--at", "a=2", "v=[1,3]", "--order", "2") == {
        "f": "20.0", "df/da": "10.0", "df/dv": "[4.0, 12.0]",
        "d2f/da da": "0.0", "d2f/da dv": "[2.0, 6.0]", "d2f/dv da": "[2.0, 6.0]",
        "d2f/dv dv": "[[4.0, 0.0], [0.0, 4.0]]"}


def test_unused_variable_and_constant(capsys: pytest.CaptureFixture[str]) -> None:
    assert _lines(capsys, "2*x", "--at", "x=1", "y=5") == {"f": "2.0", "df/dx": "2.0",
                                                           "df/dy": "0.0"}
    assert _lines(capsys, "pi", "--at", "x=1", "--order", "2") == {
        "f": repr(math.pi), "df/dx": "0.0", "d2f/dx2": "0.0"}


def test_sigmoid_and_tanh(capsys: pytest.CaptureFixture[str]) -> None:
    # sigmoid' = s(1 - s) = 1/4 at 0; tanh' = 1 - tanh^2 = 1 at 0.
    assert _lines(capsys, "sigmoid(x)", "--at", "x=0") == {"f": "0.5", "df/dx": "0.25"}
    assert _lines(capsys, "tanh(x)", "--at", "x=0") == {"f": "0.0", "df/dx": "1.0"}


def test_trace(capsys: pytest.CaptureFixture[str]) -> None:
    import tapegrad

    if not hasattr(tapegrad.autograd, "trace_backward"):
        pytest.skip("autograd.trace_backward is not in this checkout")
    # d(x^2 + sin x)/dx = 2x + cos x; the leaf x collects it at the last step.
    status, out, err = _diff(capsys, "x*x + sin(x)", "--at", "x=2", "--trace")
    assert status == 0, err
    lines = out.splitlines()
    assert lines[2:4] == ["", "backward pass, step by step:"]
    assert float(lines[0].removeprefix("f = ")) == pytest.approx(4 + math.sin(2), rel=1e-15)
    assert float(lines[1].removeprefix("df/dx = ")) == pytest.approx(4 + math.cos(2), rel=1e-15)
    table = "\n".join(lines[4:])
    for words in ("AddBackward0", "MulBackward0", "SinBackward0", f"{4 + math.cos(2):.4f}"):
        assert words in table
    assert table.splitlines()[-1].split()[1] == "x"  # the leaf runs last
    status, out, _ = _diff(capsys, "2", "--at", "x=1", "--trace")
    assert status == 0 and out.endswith("backward pass: none (f does not depend on the "
                                        "variables)\n")


# -- bad input: one line on stderr, nothing on stdout, status 2 --------------------------------

@pytest.mark.parametrize("args, words", [
    (["y*2", "--at", "x=1"], "unknown name 'y'"),
    (["x", "--at", "x"], "NAME=VALUE"),
    (["x", "--at", "x="], "NAME=VALUE"),
    (["x", "--at", "x=abc"], "cannot read the value"),
    (["x", "--at", "x=__import__('os')"], "cannot read the value"),
    (["x", "--at", "x='1'"], "real number"),
    (["x", "--at", "x=[1,[2]]"], "rectangular"),
    (["x", "--at", "x=[]"], "1 to"),
    (["x", "--at", "x=1", "x=2"], "given twice"),
    (["sin", "--at", "sin=1"], "built-in name"),
    (["x", "--at", "1x=1"], "not a valid variable name"),
    (["x", "--at", "__x=1"], "not a valid variable name"),
    (["x +", "--at", "x=1"], "syntax error"),
    (["x*y", "--at", "x=1", "y=2", "--order", "3"], "single scalar variable"),
    (["x", "--at", "x=1", "--order", "0"], "--order"),
    (["x", "--at", "x=1", "--order", "11"], "--order"),
    (["x*2", "--at", "x=[1,2]"], "not a single number"),
    (["dot(x, y)", "--at", "x=[1,2]", "y=[1,2,3]"], "cannot evaluate"),
    (["x*y", "--at", "x=1", "y=2", "--plot", "p.svg"], "one scalar variable"),
    (["x", "--at", "x=[1,2]", "--plot", "p.svg"], "one scalar variable"),
    (["x", "--at", "x=1", "--graph", "g.xyz"], "unsupported"),
])
def test_bad_input(capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch:
                   pytest.MonkeyPatch, args: list[str], words: str) -> None:
    monkeypatch.chdir(tmp_path)
    status, out, err = _diff(capsys, *args)
    assert status == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("tapegrad diff: error: ")
    assert words in err
    assert list(tmp_path.iterdir()) == []


def test_usage_errors_are_one_line() -> None:
    for args in (["x"], ["x", "--at", "x=1", "--order", "two"], ["-x", "--at", "x=1"]):
        proc = subprocess.run([sys.executable, "-m", "tapegrad", "diff", *args],
                              capture_output=True, text=True, timeout=120)
        assert proc.returncode == 2 and proc.stdout == ""
        assert proc.stderr.count("\n") == 1 and proc.stderr.startswith("tapegrad diff: error: ")


def test_leading_minus_after_double_dash(capsys: pytest.CaptureFixture[str]) -> None:
    assert _lines(capsys, "--at", "x=3", "--", "-x**2") == {"f": "-9.0", "df/dx": "-6.0"}


# -- hostile expressions, through the real command line ---------------------------------------

def _hostile_cases(tmp: Path) -> list[str]:
    marker = tmp / "pwned"
    return [
        f"__import__('os').system('touch {marker}')",
        f"__import__('os').system('touch ' + '{marker}')",
        "().__class__.__bases__[0].__subclasses__()",
        "x.__class__",
        "open('/etc/passwd')",
        "lambda: 1",
        "[i for i in range(10**9)]",
        "9**9**9**9",
        "x" * 100_000,
        " " + "-" * 500 + "x",
        "-" * 500 + "x",  # refused by the argument parser: looks like an option
        "sin(x)" + "*x" * 600,
    ]


def test_hostile_expressions_refused(tmp_path: Path) -> None:
    cases = _hostile_cases(tmp_path)
    # Start every process at once, then collect: the refusals take no longer than one start.
    procs = [subprocess.Popen([sys.executable, "-m", "tapegrad", "diff", expr, "--at", "x=1"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              cwd=tmp_path) for expr in cases]
    for expr, proc in zip(cases, procs):
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 2, (expr[:60], err)
        assert out == ""
        assert err.count("\n") == 1 and err.startswith("tapegrad diff: error: "), err
    assert not (tmp_path / "pwned").exists()
    assert list(tmp_path.iterdir()) == []


def test_subprocess_output_and_help() -> None:
    proc = subprocess.run([sys.executable, "-m", "tapegrad", "diff", "3*x**2-4*x", "--at", "x=1"],
                          capture_output=True, text=True, timeout=120)
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "f = -1.0\ndf/dx = 2.0\n", "")
    proc = subprocess.run([sys.executable, "-m", "tapegrad", "diff", "--help"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0
    assert proc.stdout.startswith("usage: tapegrad diff")
    for words in ("df/dx = VALUE", "d2f/dx dy = VALUE", "--order", "--plot", "--graph",
                  "logsumexp", "never run as Python code"):
        assert words in proc.stdout


# -- files ----------------------------------------------------------------------------------

def test_graph_dot(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "g.dot"
    status, out, _ = _diff(capsys, "sin(x)*y", "--at", "x=1", "y=2", "--graph", str(path))
    assert status == 0 and out.startswith("f = ")
    text = path.read_text()
    assert text.startswith("digraph")
    assert "SinBackward0" in text and "MulBackward0" in text
    assert '"x\\n' in text and '"y\\n' in text  # leaves labelled with their names


def test_graph_svg(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    from tapegrad import viz

    if not hasattr(viz.Graph, "render_svg"):
        pytest.skip("viz has no built-in SVG renderer in this checkout")
    path = tmp_path / "g.svg"
    status, _, err = _diff(capsys, "exp(x)", "--at", "x=0", "--graph", str(path))
    assert status == 0, err
    text = path.read_text()
    assert "<svg" in text and "ExpBackward0" in text


def test_plot_svg(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    path = tmp_path / "tangent.svg"
    status, out, err = _diff(capsys, "x**2", "--at", "x=1", "--plot", str(path),
                             "--range", "-1", "3")
    assert status == 0, err
    assert out == "f = 1.0\ndf/dx = 2.0\n"
    text = path.read_text()
    assert "<svg" in text and "tangent at x=1" in text


def test_plot_without_matplotlib(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    for name in [m for m in sys.modules if m == "matplotlib" or m.startswith("matplotlib.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # makes the import fail
    path = tmp_path / "p.svg"
    status, out, err = _diff(capsys, "x**2", "--at", "x=1", "--plot", str(path))
    assert status == 1 and out == ""
    assert err.count("\n") == 1 and 'pip install "tapegrad[plot]"' in err
    assert not path.exists()
