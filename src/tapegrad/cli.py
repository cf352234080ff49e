"""Command line interface for tapegrad.

``tapegrad demo`` replays the automatic-differentiation examples of
*Dive into Deep Learning* §2.4 (calculus) and §2.5 (autograd).  Each step
shows the Python source (prefixed by ``>>>``, continuation lines by ``...``)
followed by the result exactly as tapegrad prints it, like an interactive
session with ``import tapegrad as torch``.

Only the fixed, hard-coded demo snippets below are ever evaluated; the command
line never executes user input.
"""
from __future__ import annotations

import argparse
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
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``tapegrad`` command; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "demo":
        return run_demo(args.out)
    parser.print_help()
    return 2


if __name__ == "__main__":
    raise SystemExit(main())
