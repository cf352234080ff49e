"""Command line interface for tapegrad.

``tapegrad demo`` replays the automatic-differentiation examples of
*Dive into Deep Learning* §2.4 (calculus) and §2.5 (autograd).  Each step
shows the Python source (prefixed by ``>>>``, continuation lines by ``...``)
followed by the result exactly as tapegrad prints it, like an interactive
session with ``import tapegrad as torch``.

Only the fixed, hard-coded demo snippets below are ever evaluated as Python.

``tapegrad diff`` differentiates a math expression at a point; the expression is
checked against a whitelist and interpreted by ``tapegrad._expr``, never run as
Python.  ``tapegrad run`` runs a script the user names (that is its purpose) with
``torch`` mapped to tapegrad by ``tapegrad._torch_alias``.
"""
from __future__ import annotations

import argparse
import sys
import warnings
from typing import Any, Sequence

# A demo is a list of sections: (header, [(narration or None, source), ...]).
Step = tuple[str | None, str]
Section = tuple[str, list[Step]]

DEMO: list[Section] = [
    ("2.4 Derivatives as limits", [
        ("Take f(x) = 3x^2 - 4x. Analytically f'(x) = 6x - 4, so f'(1) = 2.",
         "def f(x):\n    return 3 * x ** 2 - 4 * x"),
        ("The difference quotient (f(x + h) - f(x)) / h approximates the derivative.",
         "def numerical_lim(f, x, h):\n    return (f(x + h) - f(x)) / h"),
        ("Shrinking h makes the quotient approach 2.", "h = 0.1"),
        (None,
         "for i in range(5):\n"
         "    print(f'h={h:.5f}, numerical limit={numerical_lim(f, 1, h):.5f}')\n"
         "    h *= 0.1"),
    ]),
    ("2.5.1 A simple example: y = 2 x^T x", [
        ("Create a vector x holding 0, 1, 2, 3.", "x = torch.arange(4.0)"),
        (None, "x"),
        ("Ask autograd to record operations on x (same as arange(4.0, requires_grad=True)).",
         "x.requires_grad_(True)"),
        ("No gradient has been computed yet.", "x.grad is None"),
        ("Compute the scalar y; it remembers the function that produced it.",
         "y = 2 * torch.dot(x, x)"),
        (None, "y"),
        ("Back-propagate from y and read the gradient stored on x.", "y.backward()"),
        (None, "x.grad"),
        ("The gradient of 2 x^T x is 4x; check it.", "x.grad == 4 * x"),
        ("Gradients accumulate, so reset them before computing another function.",
         "x.grad.zero_()"),
        (None, "y = x.sum()"),
        (None, "y.backward()"),
        ("The gradient of a sum is a vector of ones.", "x.grad"),
    ]),
    ("2.5.2 Backward for non-scalar variables", [
        ("For a vector y we sum it first: this adds up the per-example gradients.",
         "x.grad.zero_()"),
        (None, "y = x * x"),
        ("Equivalent to y.backward(torch.ones(len(x))).", "y.sum().backward()"),
        (None, "x.grad"),
    ]),
    ("2.5.3 Detaching computation", [
        ("u = y.detach() has y's values but no history, so z = u * x treats u as a constant.",
         "x.grad.zero_()"),
        (None, "y = x * x"),
        (None, "u = y.detach()"),
        (None, "z = u * x"),
        (None, "z.sum().backward()"),
        ("The gradient of z with respect to x is therefore u.", "x.grad == u"),
        ("y itself still has its graph, and dy/dx = 2x.", "x.grad.zero_()"),
        (None, "y.sum().backward()"),
        (None, "x.grad == 2 * x"),
    ]),
    ("2.5.4 Gradients through Python control flow", [
        ("Loops and branches depending on the data are fine: the tape records what ran.",
         "def f(a):\n    b = a * 2\n    while b.norm() < 1000:\n        b = b * 2\n"
         "    if b.sum() > 0:\n        c = b\n    else:\n        c = 100 * b\n    return c"),
        ("A random scalar input (the demo seeds the generator beforehand).",
         "a = torch.randn(size=(), requires_grad=True)"),
        (None, "d = f(a)"),
        (None, "d.backward()"),
        ("f is linear in a (d = k * a), so its gradient is d / a.", "a.grad == d / a"),
    ]),
    ("Leaf and non-leaf tensors", [
        ("A tensor created by the user is a leaf; results of operations are not.",
         "x = torch.tensor(3.0, requires_grad=True)"),
        (None, "y = torch.pow(x, 2)"),
        (None, "x.requires_grad, y.requires_grad"),
        (None, "x.is_leaf, y.is_leaf"),
        ("dy/dx = 2x = 6.", "y.backward()"),
        (None, "x.grad"),
        ("Only leaves keep .grad by default; retain_grad() asks a non-leaf to keep it too.",
         "x = torch.tensor(3.0, requires_grad=True)"),
        (None, "y = torch.tensor(4.0, requires_grad=False)"),
        (None, "z = torch.pow(x, 2) + torch.pow(y, 2)"),
        (None, "z.retain_grad()"),
        (None, "z"),
        (None, "z.backward()"),
        ("y does not require grad, and dz/dz = 1.", "x.grad, y.grad, z.grad"),
    ]),
    ("Higher derivatives with torch.autograd.grad", [
        ("create_graph=True records the backward pass so it can be differentiated again.",
         "x = torch.tensor(2.0, requires_grad=True)"),
        (None, "y = x ** 3"),
        ("dy/dx = 3x^2 = 12.", "(dy,) = torch.autograd.grad(y, x, create_graph=True)"),
        (None, "dy"),
        ("d2y/dx2 = 6x = 12.", "(d2y,) = torch.autograd.grad(dy, x, create_graph=True)"),
        (None, "d2y"),
        ("d3y/dx3 = 6.", "(d3y,) = torch.autograd.grad(d2y, x)"),
        (None, "d3y"),
    ]),
    ("Seeing the backward pass (tapegrad.autograd.trace_backward, not in torch)", [
        ("trace_backward runs y.backward() and records every step the engine takes.",
         "x = torch.tensor([0.5, 1.0, 2.0], requires_grad=True)"),
        (None, "y = (x * x + torch.sin(x)).sum()"),
        (None, "trace = torch.autograd.trace_backward(y, names={'x': x})"),
        ("Each node receives the gradient of y with respect to its output and sends one "
         "gradient per input; x collects 2x + cos(x).", "print(trace)"),
        (None, "x.grad"),
    ]),
]

DEFAULT_OUT = "demo-output"


def _echo(source: str) -> None:
    """Print source the way an interactive session shows it."""
    lines = source.splitlines()
    print(">>> " + lines[0])
    for line in lines[1:]:
        print("... " + line)
    if len(lines) > 1:
        print("...")


def _run(source: str, namespace: dict[str, Any]) -> None:
    """Evaluate one fixed demo snippet, printing an expression's repr like the REPL."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            code = compile(source, "<demo>", "eval")
        except SyntaxError:
            exec(compile(source, "<demo>", "exec"), namespace)  # noqa: S102 (fixed demo code)
        else:
            result = eval(code, namespace)  # noqa: S307 (fixed demo code)
            if result is not None:
                print(repr(result))
    for w in caught:
        print(f"{w.category.__name__}: {w.message}")


def run_demo(out: str | None = DEFAULT_OUT) -> int:
    """Print the narrated walkthrough, write its pictures into ``out`` (unless None), and
    return a process exit status."""
    import tapegrad

    tapegrad.manual_seed(0)
    namespace: dict[str, Any] = {"torch": tapegrad}
    print("tapegrad autograd walkthrough (Dive into Deep Learning, sections 2.4-2.5)")
    print(">>> import tapegrad as torch")
    for header, steps in DEMO:
        print()
        print(f"== {header} ==")
        for narration, source in steps:
            if narration:
                print(f"# {narration}")
            _echo(source)
            _run(source, namespace)
    if out is not None:
        _write_demo_files(out)
    return 0


def _write_demo_files(out: str) -> None:
    """tangent.svg (needs matplotlib), graph.svg, graph.dot and backward.svg, all into ``out``."""
    import os

    import tapegrad
    from tapegrad import calculus, viz

    os.makedirs(out, exist_ok=True)
    print()
    print("== Pictures ==")
    try:
        import matplotlib
    except ImportError:
        print("# skipped tangent.svg: it needs matplotlib (pip install 'tapegrad[plot]')")
    else:
        path = os.path.join(out, "tangent.svg")
        # a fixed salt and no date make the SVG byte-for-byte reproducible
        with matplotlib.rc_context({"svg.hashsalt": "tapegrad-demo"}):
            ax = calculus.plot(lambda x: 3 * x ** 2 - 4 * x, x_range=(0, 3), tangent_at=1.0)
            ax.figure.savefig(path, metadata={"Date": None})
        print(f"wrote {path}: f(x) = 3x^2 - 4x and its tangent at x = 1 (slope 2)")
    x = tapegrad.tensor([0.5, 1.0, 2.0], requires_grad=True)
    y = (x * x + tapegrad.sin(x)).sum()
    trace = tapegrad.autograd.trace_backward(y, names={"x": x})
    graph = viz.draw(y, params={"x": x}, show_values=True, show_grads=True)
    for name, what in (("graph.svg", "the graph of y = (x * x + sin(x)).sum()"),
                       ("graph.dot", "the same graph as Graphviz DOT text")):
        graph.save(os.path.join(out, name), renderer="builtin")
        print(f"wrote {os.path.join(out, name)}: {what}")
    path = os.path.join(out, "backward.svg")
    trace.draw().save(path, renderer="builtin")
    print(f"wrote {path}: its backward pass, edges labelled with the gradients")
    print(f"Files written to {os.path.abspath(out)}")


# -- tapegrad diff ---------------------------------------------------------------------------

DIFF_EPILOG = """\
output (one line each; numbers printed as Python prints floats):
  f = VALUE             the value of EXPR at the point
  df/dx = VALUE         the gradient: one line per variable, in --at order
  d2f/dx2 = VALUE       one scalar variable and --order N: every derivative up to the N-th
  d2f/dx dy = VALUE     several (or vector) variables and --order 2: the Hessian, row by row
  (--trace then adds a blank line and a table of the backward pass of f, one row per step)
A vector variable gives a list (df/dx = [2.0, 4.0]); a variable EXPR does not use has
derivative 0.0.

EXPR may use numbers, the --at variables, pi, e, + - * / **, and the functions
  {functions}
(max/min with two arguments compare elementwise; with one they reduce, as sum does).
It is parsed and checked against this list, never run as Python code; anything else is
refused with exit status 2.  Quote EXPR for the shell; one starting with '-' needs a
leading space or parentheses: ' -x**2'.

examples:
  tapegrad diff '3*x**2 - 4*x' --at x=1
  tapegrad diff 'sin(x)*y' --at x=0 y=2 --order 2
  tapegrad diff 'sum(x**2)' --at 'x=[1,2,3]'
  tapegrad diff 'x**3' --at x=2 --order 3
  tapegrad diff 'x*x + sin(x)' --at x=2 --trace
  tapegrad diff 'sin(x)' --at x=1 --plot tangent.svg --graph graph.svg
"""

MAX_ORDER = 10          # repeated create_graph=True passes grow the graph each time
MAX_HESSIAN_SIZE = 100  # elements of all variables together, for --order 2
MAX_POINT_SIZE = 10000  # elements of one --at value


class _DiffError(Exception):
    """A one-line message for stderr and the exit status to return."""

    def __init__(self, message: str, status: int = 2) -> None:
        super().__init__(" ".join(message.split()))
        self.status = status


def _parse_point(items: Sequence[str]) -> dict[str, Any]:
    """``["x=1", "v=[1,2]"]`` -> ``{"x": array(1.), "v": array([1., 2.])}`` (float64)."""
    import ast
    import keyword

    import numpy as np

    from ._expr import CONSTANTS, FUNCTIONS

    point: dict[str, Any] = {}
    for item in items:
        name, sep, text = item.partition("=")
        name = name.strip()
        if not sep or not text.strip():
            raise _DiffError(f"--at expects NAME=VALUE, got {item[:40]!r}")
        if not name.isidentifier() or keyword.iskeyword(name) or name.startswith("_"):
            raise _DiffError(f"--at: {name[:40]!r} is not a valid variable name")
        if name in FUNCTIONS or name in CONSTANTS:
            raise _DiffError(f"--at: {name!r} is a built-in name; choose another variable name")
        if name in point:
            raise _DiffError(f"--at: {name!r} given twice")
        if len(text) > 10 * MAX_POINT_SIZE:
            raise _DiffError(f"--at: value of {name!r} is too long")
        try:
            value = ast.literal_eval(text.strip())  # literals only: never runs code
        except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
            raise _DiffError(f"--at: cannot read the value of {name!r}: {text[:40]!r}; "
                             "give a number or a list such as [1, 2, 3]") from None
        if not _all_real(value):
            raise _DiffError(f"--at: the value of {name!r} must be a real number or a list of "
                             "them")
        try:
            array = np.array(value, dtype=np.float64)
        except (ValueError, OverflowError):
            raise _DiffError(f"--at: the value of {name!r} is not a rectangular list of "
                             "numbers") from None
        if array.size > MAX_POINT_SIZE or array.size == 0:
            raise _DiffError(f"--at: the value of {name!r} must have 1 to {MAX_POINT_SIZE} "
                             "elements")
        point[name] = array
    return point


def _all_real(value: Any) -> bool:
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, (list, tuple)):
            stack.extend(item)
        elif isinstance(item, bool) or not isinstance(item, (int, float)):
            return False
    return True


def _fmt_number(value: Any) -> str:
    """A float as Python prints it (``-0.0`` as ``0.0``); arrays as nested lists."""
    import numpy as np

    array = np.asarray(value, dtype=np.float64)
    if array.ndim == 0:
        return repr(float(array) + 0.0)
    return "[" + ", ".join(_fmt_number(row) for row in array) + "]"


def _grads(out: Any, inputs: list[Any], create_graph: bool) -> list[Any]:
    """d out / d inputs, with zeros where ``out`` does not depend on an input."""
    import tapegrad

    if not out.requires_grad:
        return [tapegrad.zeros_like(t) for t in inputs]
    got = tapegrad.autograd.grad(out, inputs, create_graph=create_graph, retain_graph=True,
                                 allow_unused=True)
    return [tapegrad.zeros_like(t) if g is None else g for g, t in zip(got, inputs)]


def _derivative_lines(y: Any, leaves: dict[str, Any], order: int) -> list[str]:
    """The ``df/dx = ...`` lines (and higher orders) of the output format in DIFF_EPILOG."""
    import numpy as np

    names, inputs = list(leaves), list(leaves.values())
    if len(inputs) == 1 and inputs[0].dim() == 0:
        name, lines, d = names[0], [], y
        for k in range(1, order + 1):
            (d,) = _grads(d, inputs, create_graph=k < order)
            lines.append(f"d{k if k > 1 else ''}f/d{name}{k if k > 1 else ''} = "
                         f"{_fmt_number(d.detach().numpy())}")
        return lines
    first = _grads(y, inputs, create_graph=order > 1)
    lines = [f"df/d{n} = {_fmt_number(g.detach().numpy())}" for n, g in zip(names, first)]
    if order == 1:
        return lines
    for name_i, g in zip(names, first):
        flat = g.reshape(-1)
        rows = [_grads(flat[k], inputs, create_graph=False) for k in range(flat.numel())]
        for j, (name_j, x_j) in enumerate(zip(names, inputs)):
            block = np.stack([row[j].detach().numpy() for row in rows])
            block = block.reshape(tuple(g.shape) + tuple(x_j.shape))
            lines.append(f"d2f/d{name_i} d{name_j} = {_fmt_number(block)}")
    return lines


def _write_graph(y: Any, leaves: dict[str, Any], path: str) -> None:
    from .viz import draw

    try:
        draw(y, params=leaves).save(path)
    except ValueError as exc:  # unsupported suffix
        raise _DiffError(f"--graph: {exc}") from None
    except (RuntimeError, OSError) as exc:
        raise _DiffError(f"--graph: cannot write {path!r}: {exc}", status=1) from None


def _write_plot(expr: Any, name: str, x0: float, path: str,
                x_range: Sequence[float] | None) -> None:
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise _DiffError('--plot needs matplotlib; install it with pip install "tapegrad[plot]"',
                         status=1) from None
    import tapegrad
    from . import calculus
    from ._expr import evaluate

    def f(t: Any) -> Any:
        if t.dim() == 0:
            return evaluate(expr, {name: t})
        # Point by point, so reductions such as sum(x) keep their one-point meaning.
        return tapegrad.stack([evaluate(expr, {name: ti}).reshape(()) for ti in t.unbind()])

    lo, hi = x_range if x_range else (x0 - 2.0, x0 + 2.0)
    ax = calculus.plot(f, (lo, hi), tangent_at=x0,
                       labels=[f"f({name}) = {expr.source.strip()}",
                               f"tangent at {name}={x0:g}"])
    ax.set_xlabel(name)
    try:
        ax.figure.savefig(path, bbox_inches="tight")
    except ValueError as exc:  # unsupported suffix
        raise _DiffError(f"--plot: {exc}") from None
    except OSError as exc:
        raise _DiffError(f"--plot: cannot write {path!r}: {exc}", status=1) from None


def _trace_lines(y: Any, leaves: dict[str, Any]) -> list[str]:
    """The step-by-step first-order backward pass (tapegrad.autograd.trace_backward)."""
    try:
        from .autograd import trace_backward
    except ImportError:
        raise _DiffError("--trace needs tapegrad.autograd.trace_backward, which this "
                         "installation lacks", status=1) from None
    if not y.requires_grad:
        return ["", "backward pass: none (f does not depend on the variables)"]
    trace = trace_backward(y, retain_graph=True, names=leaves)
    return ["", "backward pass, step by step:", str(trace).rstrip("\n")]


def _diff(args: argparse.Namespace) -> list[str]:
    """Compute everything ``tapegrad diff`` prints; raise _DiffError on bad input."""
    import tapegrad
    from ._expr import ExprError, evaluate, parse

    point = _parse_point(args.at)
    try:
        expr = parse(args.expression, point)
    except ExprError as exc:
        raise _DiffError(str(exc)) from None
    if not 1 <= args.order <= MAX_ORDER:
        raise _DiffError(f"--order must be between 1 and {MAX_ORDER}")
    scalar_single = len(point) == 1 and next(iter(point.values())).ndim == 0
    if args.order > 2 and not scalar_single:
        raise _DiffError("--order above 2 needs a single scalar variable")
    if args.order == 2 and not scalar_single and \
            sum(a.size for a in point.values()) > MAX_HESSIAN_SIZE:
        raise _DiffError(f"--order 2: at most {MAX_HESSIAN_SIZE} variable elements in all")
    if args.plot and not scalar_single:
        raise _DiffError("--plot needs exactly one scalar variable")

    leaves = {n: tapegrad.tensor(a, dtype=tapegrad.float64, requires_grad=True)
              for n, a in point.items()}
    with tapegrad.enable_grad():
        try:
            y = evaluate(expr, leaves)
        except ExprError as exc:
            raise _DiffError(str(exc)) from None
        if y.numel() != 1:
            raise _DiffError(f"the expression gives shape {tuple(y.shape)}, not a single "
                             "number; reduce it, e.g. sum(...)")
        if y.dim():
            y = y.reshape(())  # a one-element vector: report it as a number
        if args.graph:
            _write_graph(y, leaves, args.graph)
        try:
            lines = [f"f = {_fmt_number(y.detach().numpy())}"]
            lines += _derivative_lines(y, leaves, args.order)
            if args.trace:
                lines += _trace_lines(y, leaves)
        except (RuntimeError, ValueError) as exc:
            raise _DiffError(f"cannot differentiate: {exc}", status=1) from None
    if args.plot:
        _write_plot(expr, next(iter(point)), float(next(iter(point.values()))), args.plot,
                    args.range)
    return lines


def run_diff(args: argparse.Namespace) -> int:
    """``tapegrad diff``: print the value and derivatives; return a process exit status."""
    try:
        lines = _diff(args)
    except _DiffError as exc:
        print(f"tapegrad diff: error: {exc}", file=sys.stderr)
        return exc.status
    print("\n".join(lines))
    return 0


def _add_diff_parser(sub: Any) -> None:
    import textwrap

    from ._expr import FUNCTIONS

    p = sub.add_parser(
        "diff", help="value and derivatives of a math expression at a point",
        description="Differentiate a math expression with tapegrad's autograd and print its "
                    "value and derivatives at a point.",
        epilog=DIFF_EPILOG.format(functions=textwrap.fill(
            ", ".join(sorted(FUNCTIONS)), width=84, subsequent_indent="  ")),
        formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("expression", metavar="EXPR", help="e.g. '3*x**2 - 4*x' or 'sum(x**2)'")
    p.add_argument("--at", nargs="+", action="extend", required=True, metavar="NAME=VALUE",
                   help="the point: x=1, or a vector x=[1,2,3]; several variables allowed")
    p.add_argument("--order", type=int, default=1, metavar="N",
                   help=f"highest derivative order (default 1; 2 gives the Hessian; up to "
                        f"{MAX_ORDER} for one scalar variable)")
    p.add_argument("--plot", metavar="FILE",
                   help="draw f and its tangent at the point (.svg, .png; needs matplotlib)")
    p.add_argument("--range", nargs=2, type=float, metavar=("LO", "HI"),
                   help="x range of --plot (default: the point +- 2)")
    p.add_argument("--graph", metavar="FILE",
                   help="write the computation graph (.dot/.gv: DOT text, .svg: SVG)")
    p.add_argument("--trace", action="store_true",
                   help="also print the first-order backward pass step by step")

    def one_line_error(message: str) -> None:  # replaces argparse's usage-and-error block
        print(f"tapegrad diff: error: {message}; see tapegrad diff --help", file=sys.stderr)
        raise SystemExit(2)

    p.error = one_line_error  # type: ignore[method-assign]


# -- tapegrad run ----------------------------------------------------------------------------

def _add_run_parser(sub: Any) -> None:
    p = sub.add_parser(
        "run", help="run a PyTorch script with torch mapped to tapegrad",
        description="Run SCRIPT as __main__ with `import torch` (and torch.autograd, "
                    "torch.distributions, torch.func, ...) loading tapegrad.  Arguments after "
                    "SCRIPT reach the script in sys.argv; the exit status is the script's.  "
                    "Parts of torch that tapegrad lacks (torch.fft, torch.jit, ...) raise "
                    "ImportError or AttributeError saying they are not implemented in "
                    "tapegrad yet.",
        epilog="example:\n  tapegrad run train.py --epochs 3",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("script", metavar="SCRIPT", help="path of the Python script")
    p.add_argument("args", nargs=argparse.REMAINDER, metavar="ARG",
                   help="arguments passed to the script")


def run_run(args: argparse.Namespace) -> int:
    """``tapegrad run``: run a script with torch aliased to tapegrad; return its exit status."""
    from ._torch_alias import run_script

    return run_script(args.script, args.args)


def build_parser() -> argparse.ArgumentParser:
    """Build the ``tapegrad`` argument parser."""
    parser = argparse.ArgumentParser(
        prog="tapegrad",
        description="tapegrad: PyTorch's autograd reimplemented on NumPy.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    demo = sub.add_parser(
        "demo", help="walk through the autograd examples of D2L sections 2.4-2.5",
        description="Print a narrated walkthrough of the Dive into Deep Learning "
                    "sections 2.4-2.5 autograd examples, evaluated with tapegrad, then "
                    "write its pictures into a folder.")
    demo.add_argument(
        "--out", metavar="DIR", default=DEFAULT_OUT,
        help=f"folder for the pictures (created if needed; default: ./{DEFAULT_OUT}): "
             "tangent.svg (f(x) = 3x^2 - 4x and its tangent at x = 1; needs matplotlib, "
             "skipped with a note otherwise), graph.svg and graph.dot (the computation graph "
             "of y = (x * x + sin(x)).sum()), backward.svg (its backward pass). SVG files are "
             "drawn by tapegrad itself; Graphviz is not needed")
    _add_diff_parser(sub)
    _add_run_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``tapegrad`` command; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "demo":
        return run_demo(args.out)
    if args.command == "diff":
        return run_diff(args)
    if args.command == "run":
        return run_run(args)
    parser.print_help()
    return 2


if __name__ == "__main__":
    raise SystemExit(main())
