"""The math expressions of ``tapegrad diff``: a whitelist parser and a tapegrad interpreter.

User text is parsed with :func:`ast.parse` and then checked node by node against a short
whitelist: numbers, the declared variables, the constants ``pi`` and ``e``, the operators
``+ - * / **``, unary ``+``/``-`` and calls of a fixed set of functions by bare name
(see :data:`FUNCTIONS`).  Anything else is refused with an :class:`ExprError` before a single
operation runs.  Evaluation walks the checked tree and applies tapegrad ops, so the result
carries an autograd graph; user text never reaches ``eval``, ``exec`` or ``compile``.

Example::

    >>> import tapegrad
    >>> e = parse("3*x**2 - 4*x", ["x"])
    >>> x = tapegrad.tensor(1.0, dtype=tapegrad.float64, requires_grad=True)
    >>> evaluate(e, {"x": x})
    tensor(-1., dtype=tapegrad.float64, grad_fn=<SubBackward0>)
"""
from __future__ import annotations

import ast
import math
import warnings
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Mapping

import numpy as np

import tapegrad
from tapegrad import Tensor

__all__ = ["ExprError", "Expression", "parse", "evaluate", "FUNCTIONS", "CONSTANTS"]

MAX_LENGTH = 1000        # characters of expression text
MAX_DEPTH = 64           # nesting levels of the syntax tree
MAX_EXPONENT = 1000.0    # largest |p| in ``a ** p`` when p does not depend on a variable

CONSTANTS: dict[str, float] = {"pi": math.pi, "e": math.e}


def _flat(fn: Callable[..., Tensor]) -> Callable[[Tensor], Tensor]:
    """A reduction over all elements (``logsumexp`` needs a dim, so flatten first)."""
    return lambda x: fn(x.reshape(-1), 0)


def _extremum(reduce: Callable[[Tensor], Tensor], pairwise: Callable[[Tensor, Tensor], Tensor]
              ) -> Callable[..., Tensor]:
    """torch's convention: ``max(x)`` reduces, ``max(a, b)`` compares elementwise."""
    return lambda a, b=None: reduce(a) if b is None else pairwise(a, b)


_ELEMENTWISE = ("sin cos tan asin acos atan sinh cosh tanh exp exp2 expm1 log log2 log10 log1p "
                "sqrt rsqrt sigmoid relu abs square reciprocal").split()

# name -> (fewest arguments, most arguments, implementation on tensors)
FUNCTIONS: dict[str, tuple[int, int, Callable[..., Tensor]]] = {
    **{name: (1, 1, getattr(tapegrad, name)) for name in _ELEMENTWISE},
    "sum": (1, 1, tapegrad.sum),
    "mean": (1, 1, tapegrad.mean),
    "prod": (1, 1, tapegrad.prod),
    "norm": (1, 1, tapegrad.norm),
    "logsumexp": (1, 1, _flat(tapegrad.logsumexp)),
    "max": (1, 2, _extremum(tapegrad.amax, tapegrad.maximum)),
    "min": (1, 2, _extremum(tapegrad.amin, tapegrad.minimum)),
    "maximum": (2, 2, tapegrad.maximum),
    "minimum": (2, 2, tapegrad.minimum),
    "dot": (2, 2, tapegrad.dot),
}

_BINARY = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**"}
_UNARY = {ast.UAdd: "+", ast.USub: "-"}
_REFUSED_OPERATORS = {ast.FloorDiv: "//", ast.Mod: "%", ast.MatMult: "@", ast.LShift: "<<",
                      ast.RShift: ">>", ast.BitOr: "|", ast.BitAnd: "&", ast.Not: "not",
                      ast.Invert: "~"}
# Friendly words for the node kinds people most often try.
_REFUSED_NODES = {ast.Attribute: "attribute access", ast.Subscript: "indexing",
                  ast.Lambda: "lambda", ast.ListComp: "comprehensions",
                  ast.SetComp: "comprehensions", ast.DictComp: "comprehensions",
                  ast.GeneratorExp: "generator expressions", ast.List: "lists",
                  ast.Tuple: "tuples", ast.Dict: "dicts", ast.Set: "sets",
                  ast.Compare: "comparisons", ast.BoolOp: "and/or", ast.IfExp: "if/else",
                  ast.NamedExpr: "assignment (:=)", ast.JoinedStr: "strings",
                  ast.Starred: "*arguments", ast.Await: "await", ast.Slice: "slices"}


class ExprError(ValueError):
    """A refused or malformed expression; the message is one line meant for the user."""


@dataclass(frozen=True)
class Expression:
    """A checked expression: its source, syntax tree and the variables it reads."""

    source: str
    tree: ast.expr
    variables: frozenset[str]


def _where(node: ast.AST) -> str:
    col = getattr(node, "col_offset", None)
    return "" if col is None else f" (at column {col + 1})"


def _check_depth(tree: ast.AST) -> None:
    """Refuse trees nested deeper than MAX_DEPTH; iterative, so it cannot overflow the stack."""
    stack = [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise ExprError(f"expression is nested too deeply (more than {MAX_DEPTH} levels)")
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))


def _number(value: Any, node: ast.AST) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ExprError(f"only real numbers are allowed as constants, not "
                        f"{type(value).__name__}{_where(node)}")
    try:
        return float(value)
    except OverflowError:
        raise ExprError(f"number too large{_where(node)}") from None


class _Checker:
    """Walks a parsed tree once; returns each node's constant value, or None if it varies."""

    def __init__(self, variables: frozenset[str]) -> None:
        self.declared = variables
        self.used: set[str] = set()

    def check(self, node: ast.AST) -> float | None:
        if isinstance(node, ast.Constant):
            return _number(node.value, node)
        if isinstance(node, ast.Name):
            return self._name(node)
        if isinstance(node, ast.UnaryOp):
            if type(node.op) not in _UNARY:
                raise self._refused_op(node.op, node)
            value = self.check(node.operand)
            return None if value is None else (-value if isinstance(node.op, ast.USub) else value)
        if isinstance(node, ast.BinOp):
            return self._binop(node)
        if isinstance(node, ast.Call):
            self._call(node)
            return None
        what = _REFUSED_NODES.get(type(node), type(node).__name__)
        raise ExprError(f"{what} not allowed{_where(node)}")

    def _name(self, node: ast.Name) -> float | None:
        name = node.id
        if name in self.declared:
            self.used.add(name)
            return None
        if name in CONSTANTS:
            return CONSTANTS[name]
        if name in FUNCTIONS:
            raise ExprError(f"{name} is a function; call it, e.g. {name}(x){_where(node)}")
        if name.startswith("_"):
            raise ExprError(f"name {name!r} is not allowed{_where(node)}")
        raise ExprError(f"unknown name {name!r}{_where(node)}; give its value with --at "
                        f"{name}=...")

    def _binop(self, node: ast.BinOp) -> float | None:
        if type(node.op) not in _BINARY:
            raise self._refused_op(node.op, node)
        left, right = self.check(node.left), self.check(node.right)
        if isinstance(node.op, ast.Pow) and right is not None and not abs(right) <= MAX_EXPONENT:
            raise ExprError(f"exponent too large{_where(node)}: at most {MAX_EXPONENT:g} in "
                            "magnitude")
        if left is None or right is None:
            return None
        with np.errstate(all="ignore"):  # float64 arithmetic: overflow gives inf, never a hang
            a, b = np.float64(left), np.float64(right)
            op = type(node.op)
            value = (a + b if op is ast.Add else a - b if op is ast.Sub else a * b
                     if op is ast.Mult else a / b if op is ast.Div else a ** b)
        return float(value)

    def _call(self, node: ast.Call) -> None:
        if not isinstance(node.func, ast.Name):
            raise ExprError(f"only calls of named functions are allowed{_where(node)}")
        name = node.func.id
        if name not in FUNCTIONS:
            raise ExprError(f"function {name!r} is not allowed{_where(node)}; the allowed "
                            "ones are listed by tapegrad diff --help")
        if node.keywords:
            raise ExprError(f"keyword arguments are not allowed{_where(node)}")
        low, high, _ = FUNCTIONS[name]
        if not low <= len(node.args) <= high:
            count = str(low) if low == high else f"{low} or {high}"
            raise ExprError(f"{name}() takes {count} argument{'s' * (high > 1)}, got "
                            f"{len(node.args)}{_where(node)}")
        for arg in node.args:
            self.check(arg)

    @staticmethod
    def _refused_op(op: ast.AST, node: ast.AST) -> ExprError:
        symbol = _REFUSED_OPERATORS.get(type(op), type(op).__name__)
        hint = "; use ** for powers" if isinstance(op, ast.BitXor) else ""
        symbol = "^" if isinstance(op, ast.BitXor) else symbol
        return ExprError(f"operator {symbol!r} is not allowed{_where(node)}{hint}")


def parse(text: str, variables: Iterable[str]) -> Expression:
    """Parse and check ``text``; raise :class:`ExprError` if anything is outside the whitelist."""
    if not isinstance(text, str):
        raise ExprError("expression must be a string")
    if len(text) > MAX_LENGTH:
        raise ExprError(f"expression too long ({len(text)} characters, at most {MAX_LENGTH})")
    if not text.strip():
        raise ExprError("empty expression")
    try:
        with warnings.catch_warnings():  # e.g. "'int' object is not callable" would add lines
            warnings.simplefilter("ignore")
            tree = ast.parse(text.strip(), mode="eval").body
    except SyntaxError as exc:
        col = f" at column {exc.offset}" if exc.offset else ""
        raise ExprError(f"syntax error{col}: {exc.msg}") from None
    except (ValueError, RecursionError, MemoryError) as exc:  # e.g. null bytes, deep nesting
        raise ExprError(f"cannot parse expression: {type(exc).__name__}") from None
    _check_depth(tree)
    checker = _Checker(frozenset(variables))
    checker.check(tree)
    return Expression(text, tree, frozenset(checker.used))


def _as_tensor(value: float | Tensor) -> Tensor:
    return value if isinstance(value, Tensor) else tapegrad.tensor(value, dtype=tapegrad.float64)


def _eval(node: ast.expr, env: Mapping[str, Tensor]) -> float | Tensor:
    # Constants stay Python floats until they meet a tensor, so ``x ** 2`` records
    # PowBackward0 (tensor ** number) exactly as torch would.
    if isinstance(node, ast.Constant):
        return float(node.value)
    if isinstance(node, ast.Name):
        return env[node.id] if node.id in env else CONSTANTS[node.id]
    if isinstance(node, ast.UnaryOp):
        value = _eval(node.operand, env)
        return -value if isinstance(node.op, ast.USub) else value
    if isinstance(node, ast.BinOp):
        a, b = _eval(node.left, env), _eval(node.right, env)
        if not isinstance(a, Tensor) and not isinstance(b, Tensor):
            a = tapegrad.tensor(a, dtype=tapegrad.float64)  # float64 math: no OverflowError
        op = type(node.op)
        return (a + b if op is ast.Add else a - b if op is ast.Sub else a * b
                if op is ast.Mult else a / b if op is ast.Div else a ** b)
    assert isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
    fn = FUNCTIONS[node.func.id][2]
    return fn(*(_as_tensor(_eval(arg, env)) for arg in node.args))


def evaluate(expr: Expression, env: Mapping[str, Tensor]) -> Tensor:
    """Compute ``expr`` with tapegrad ops, reading variables from ``env``.

    Returns a float64 tensor.  Errors raised by the ops themselves (say ``dot`` of vectors of
    different lengths) become an :class:`ExprError` carrying the op's first line of message.
    """
    missing = sorted(expr.variables - set(env))
    if missing:
        raise ExprError(f"no value for {missing[0]!r}; give it with --at {missing[0]}=...")
    try:
        with np.errstate(all="ignore"):
            return _as_tensor(_eval(expr.tree, env))
    except (RuntimeError, ValueError, TypeError, IndexError) as exc:
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise ExprError(f"cannot evaluate {expr.source.strip()!r}: {first}") from None
