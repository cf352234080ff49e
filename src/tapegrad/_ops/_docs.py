"""Each op's docstring, written from its declaration, so ``help(tapegrad.sin)`` describes sin.

The docstring is built once, when the op is declared: its signature, its kind, its grad_fn,
which inputs are differentiable and whether a forward-mode rule exists; ``doc=`` in the
declaration puts a hand-written line on top.
"""
from __future__ import annotations

import types

from ._registry import Op, _param_names

_KINDS = {"elementwise": "Elementwise op", "linear": "Linear op (VJP: its transpose)",
          "bilinear": "Bilinear op (JVP: product rule)", "general": "General op"}


def describe(op: Op, summary: str | None) -> str:
    """The docstring of ``op``, from its declaration and ``summary`` (a hand-written line)."""
    params = []  # keyword parameters: the forward's own, then any other value a rule reads
    fwd = op.forward
    if isinstance(fwd, types.FunctionType) and fwd.__module__.startswith("tapegrad"):
        params = _param_names(fwd)[1 if op.variadic else len(op.args):]
    for n in op.saved_names:
        if n not in op.args and n not in params and n != "result" and not (
                n.endswith("_shape") and n[:-6] in op.args):
            params.append(n)
    if params and not op.variadic:
        params.insert(0, "*")
    returns = "tuple of Tensors" if op.multi_output else "Tensor"
    lines = [f"{op.name}({', '.join([*op.args, *params])}) -> {returns}", ""]
    if summary:
        lines.append(summary)
    if not op.differentiable:
        lines.append("Not differentiable: its result never requires grad (no grad_fn).")
        return "\n".join(lines)
    names = [a.lstrip("*") for a in op.args]
    wrt = [n for n, rule in zip(names, op.vjps) if rule is not None]
    rest = [n for n, rule in zip(names, op.vjps) if rule is None]
    what = _KINDS.get(op.kind, "Op")
    if "keepdim" in params:  # sum, mean, max, var, ...: a reduction over dim
        what = what.replace(" op", " reduction")
    if op.view:
        what += ", a view"
    not_wrt = " (not " + " and ".join(rest) + ")" if rest else ""
    lines.append(f"{what}, differentiable in {' and '.join(wrt)}{not_wrt}; "
                 f"grad_fn: {op.node_cls.__name__}.")
    if op._jvp is not None:
        lines.append("Reverse- and forward-mode (JVP) rules are declared beside it; higher "
                     "derivatives work.")
    else:
        lines.append("Its reverse-mode rule is declared beside it (higher derivatives work); no "
                     "forward mode (JVP).")
    return "\n".join(lines)
