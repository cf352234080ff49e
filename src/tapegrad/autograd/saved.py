"""A node's saved values under torch's attribute names: ``y.grad_fn._saved_self``, ...

torch's generated ``grad_fn`` classes expose what their backward formula saved as ``_saved_<name>``
attributes (``_saved_self``, ``_saved_other``, ``_saved_result``, ``_saved_dim``,
``_saved_self_sym_sizes``, ...), and each saved tensor also as ``_raw_saved_<name>``.  Tools read
them: torchviz's ``make_dot(y, show_attrs=True, show_saved=True)`` draws every one of them.
tapegrad's nodes keep what the op's *rules* read, under the op's own argument names
(``input``, ``input_shape``); this module translates, per op, into torch's names and values::

    >>> x = tapegrad.ones(3, requires_grad=True)
    >>> y = (x * x).sum()
    >>> y.grad_fn._saved_self_sym_sizes
    (3,)
    >>> y.grad_fn.next_functions[0][0]._saved_self is x
    True

A spec maps a torch attribute to where its value lives (the names are the op's arguments):

* ``in:NAME``: the saved operand ``NAME`` (a tensor; a Python number shows as the 0-d tensor
  torch wraps it in; ``None`` when the rules did not need it, as in torch);
* ``res``: the op's result; ``t:NAME`` the saved operand transposed (torch saves ``weight.t()``);
* ``sizes:NAME`` / ``tsizes:NAME``: its shape (transposed), ``numel:NAME`` its element count,
  ``strides:NAME`` / ``tstrides:NAME`` its strides in elements (``()`` unless ``NAME`` requires
  grad, as in torch);
* ``param:NAME`` / ``raw:NAME``: a parameter or a plain-number operand; ``const:VALUE``.

Ops without an entry show their saved values by the general rule: ``input`` is ``self``,
``<name>_shape`` is ``<name>_sym_sizes``, everything else keeps its name.
"""
from __future__ import annotations

import ast
from typing import Any

import numpy as np

from . import _engine

# tapegrad op name -> "torch_attr=source ..." (torch's attributes, in any order: dir() sorts).
SPECS: dict[str, str] = {
    "add": "alpha=const:1", "sub": "alpha=const:1", "rsub": "alpha=const:1",
    "mul": "other=in:other self=in:input",
    "div": "other=in:other self=in:input",
    "pow": "exponent=raw:exponent self=in:input",
    "pow_tensor": "exponent=in:exponent result=res self=in:input",
    "sum": "self_sym_sizes=sizes:input",
    "sum_dim": "dim=param:dim keepdim=param:keepdim self_sym_sizes=sizes:input",
    "mean": "self_sym_numel=numel:input self_sym_sizes=sizes:input",
    "mean_dim": "dim=param:dim keepdim=param:keepdim self_sym_numel=numel:input "
                "self_sym_sizes=sizes:input",
    "linear": "alpha=const:1 beta=const:1 mat1=in:input mat1_sym_sizes=sizes:input "
              "mat1_sym_strides=strides:input mat2=t:weight mat2_sym_sizes=tsizes:weight "
              "mat2_sym_strides=tstrides:weight",
    "mm": "mat2=in:mat2 mat2_sym_sizes=sizes:mat2 mat2_sym_strides=strides:mat2 self=in:input "
          "self_sym_sizes=sizes:input self_sym_strides=strides:input",
    "matmul_MmBackward0": "mat2=in:other mat2_sym_sizes=sizes:other "
                          "mat2_sym_strides=strides:other self=in:input "
                          "self_sym_sizes=sizes:input self_sym_strides=strides:input",
    "mv": "self=in:input vec=in:vec", "matmul_MvBackward0": "self=in:input vec=in:other",
    "dot": "self=in:input tensor=in:other",
    "log_softmax": "dim=param:dim result=res", "softmax": "dim=param:dim result=res",
    "nll_loss": "ignore_index=param:ignore_index reduction=param:reduction self=in:input "
                "target=in:target total_weight=nll_total:target weight=in:weight",
    "reshape": "self_sym_sizes=sizes:input", "unsafe_view": "self_sym_sizes=sizes:input",
    "expand": "self_sym_sizes=sizes:input",
    "t": "", "neg": "", "clone": "", "contiguous": "",
    "mse_loss": "reduction=param:reduction self=in:input target=in:target",
    "binary_cross_entropy_with_logits": "pos_weight=in:pos_weight reduction=param:reduction "
                                        "self=in:input target=in:target weight=in:weight",
    "max": "result=res self=in:input", "min": "result=res self=in:input",
    "amax": "dim=param:dim keepdim=param:keepdim result=res self=in:input",
    "amin": "dim=param:dim keepdim=param:keepdim result=res self=in:input",
    "logsumexp": "dim=param:dim keepdim=param:keepdim result=res self=in:input",
    "cat": "dim=param:dim", "stack": "dim=param:dim",
}
_REDUCTIONS = {"none": 0, "mean": 1, "sum": 2}
_FREED = ("Trying to backward through the graph a second time (or directly access saved tensors "
          "after they have already been freed). Saved intermediate values of the graph are freed "
          "when you call .backward() or autograd.grad(). Specify retain_graph=True if you need to "
          "backward through the graph a second time or if you need to access saved tensors after "
          "calling backward.")


def _parse(spec: str) -> dict[str, tuple[str, str]]:
    out = {}
    for item in spec.split():
        attr, _, source = item.partition("=")
        kind, _, key = source.partition(":")
        out[attr] = (kind, key)
    return out


_PARSED: dict[str, dict] = {}


def _general(op: Any) -> dict[str, tuple[str, str]]:
    """torch's names for an op without an entry: input -> self, *_shape -> *_sym_sizes."""
    out = {}
    for name in op.saved_names:
        if name == "result":
            out["result"] = ("res", "")
        elif name in op.args:
            out["self" if name == "input" else name] = ("in", name)
        elif name.endswith("_shape") and name[:-6] in op.args:
            base = name[:-6]
            out[("self" if base == "input" else base) + "_sym_sizes"] = ("sizes", base)
        else:
            out[name] = ("param", name)
    return out


def attributes(node: Any) -> dict[str, tuple[str, str]]:
    """``{torch attribute (without "_saved_"): (kind, key)}`` for a node of a registry op."""
    op = node.op
    if op is None:
        return {}
    table = _PARSED.get(op.name)
    if table is None:
        spec = SPECS.get(op.name)
        table = _PARSED[op.name] = _parse(spec) if spec is not None else _general(op)
    return table


def names(node: Any) -> list[str]:
    """The ``_saved_*`` and ``_raw_saved_*`` attribute names of ``node``, as torch's would be."""
    out = []
    for attr, (kind, _) in attributes(node).items():
        out.append("_saved_" + attr)
        if kind in ("in", "res", "t", "nll_total"):
            out.append("_raw_saved_" + attr)
    return out


class SavedTensor:
    """What ``_raw_saved_<name>`` gives: the packed form of a saved tensor (torch's
    ``torch._C._autograd.SavedTensor``); tapegrad keeps no hooks on it."""

    __slots__ = ("_value",)

    def __init__(self, value: Any) -> None:
        self._value = value

    def register_hooks(self, pack_hook: Any, unpack_hook: Any) -> None:
        raise RuntimeError("tapegrad does not support hooks on a saved tensor; use "
                           "torch.autograd.graph.saved_tensors_hooks() instead")


def lookup(node: Any, name: str) -> Any:
    """``getattr(node, name)`` for ``_saved_*`` / ``_raw_saved_*``; AttributeError otherwise."""
    raw = name.startswith("_raw_saved_")
    attr = name[len("_raw_saved_"):] if raw else name[len("_saved_"):]
    entry = attributes(node).get(attr)
    if entry is None or (raw and entry[0] not in ("in", "res", "t", "nll_total")):
        raise AttributeError(f"'{type(node).__name__}' object has no attribute '{name}'")
    value = _value(node, *entry)
    return SavedTensor(value) if raw else value


def _slot(node: Any, key: str) -> Any:
    op = node.op
    saved = node._saved
    if saved is None:
        raise RuntimeError(_FREED)
    if key in op.saved_names:
        return saved[op.saved_names.index(key)]
    return None


def _as_tensor(value: Any) -> Any:
    Tensor = _engine._Tensor
    if value is None or isinstance(value, Tensor):
        return value
    return Tensor._make(np.asarray(value))  # a number: torch saves it as a 0-d tensor


def _operand(node: Any, key: str) -> Any:
    """The saved operand ``key``, or, where the rules kept only its shape, the result its
    producer saved (the same values: e.g. the log_softmax output that nll_loss reads)."""
    value = _slot(node, key)
    if value is not None or key not in node.op.args:
        return _as_tensor(value)
    if (key + "_shape") not in node.op.saved_names:
        return None
    edge = node._next[node.op.args.index(key)]
    producer = edge[0] if edge is not None else None
    if isinstance(producer, _engine._Tensor):  # a leaf: the operand itself
        return producer
    op = getattr(producer, "op", None)
    if op is not None and op.result_slot >= 0 and producer._saved is not None and edge[1] == 0:
        return _engine._Tensor._make(producer._saved[op.result_slot])
    return None


def _shape(node: Any, key: str) -> tuple | None:
    op = node.op
    if key + "_shape" in op.saved_names and node._saved is not None:
        return tuple(int(n) for n in _slot(node, key + "_shape"))
    if key in op.args:
        edge = node._next[op.args.index(key)]
        if edge is not None:
            return tuple(edge[2])
        value = _slot(node, key)
        if value is not None:
            return tuple(np.shape(getattr(value, "_data", value)))
    return None


def _requires_grad(node: Any, key: str) -> bool:
    op = node.op
    return key in op.args and node._next[op.args.index(key)] is not None


def _strides(shape: tuple) -> tuple:
    out, step = [], 1
    for n in reversed(shape):
        out.append(step)
        step *= max(n, 1)
    return tuple(reversed(out))


def _plain(value: Any) -> Any:
    """A parameter as torch's getter shows it: lists as tuples, negative ints as the unsigned
    64-bit number torch prints (dim=-1 shows 18446744073709551615)."""
    if isinstance(value, (list, tuple)):
        return tuple(_plain(v) for v in value)
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool) and value < 0:
        return int(value) + 2 ** 64
    return value.item() if isinstance(value, np.generic) else value


def _value(node: Any, kind: str, key: str) -> Any:
    if kind == "const":
        return ast.literal_eval(key)
    if kind == "in":
        return _operand(node, key)
    if kind == "res":
        value = _slot(node, "result")
        return None if value is None else _engine._Tensor._make(value, node, True)
    if kind == "t":
        value = _operand(node, key)
        return None if value is None else _engine._Tensor._make(value._data.T)
    if kind in ("sizes", "tsizes", "numel"):
        shape = _shape(node, key)
        if shape is None:
            return () if kind != "numel" else 0
        if kind == "numel":
            return int(np.prod(shape, dtype=np.int64))
        return shape if kind == "sizes" else shape[::-1]
    if kind in ("strides", "tstrides"):
        shape = _shape(node, key)
        if shape is None or not _requires_grad(node, key):
            return ()
        strides = _strides(shape)
        return strides if kind == "strides" else strides[::-1]
    if kind == "raw":
        value = _slot(node, key)
        return _plain(getattr(value, "_data", value)) if not isinstance(
            value, _engine._Tensor) else value
    if kind == "param":
        value = _slot(node, key)
        if key == "reduction" and isinstance(value, str):
            return _REDUCTIONS[value]
        return _plain(value)
    if kind == "nll_total":
        return _nll_total_weight(node)
    raise ValueError(f"unknown saved-value kind {kind!r}")


def _nll_total_weight(node: Any) -> Any:
    """nll_loss's ``total_weight``: the summed weight of the targets that count."""
    target = _slot(node, "target")
    weight = _slot(node, "weight")
    ignore = _slot(node, "ignore_index")
    if target is None:
        return None
    t = np.asarray(getattr(target, "_data", target))
    keep = t != ignore if ignore is not None else np.ones(t.shape, bool)
    if weight is None:
        total = np.float32(keep.sum())
    else:
        w = np.asarray(getattr(weight, "_data", weight))
        total = w[np.where(keep, t, 0)][keep].sum().astype(w.dtype)
    return _engine._Tensor._make(np.asarray(total, dtype=np.float32 if weight is None
                                            else total.dtype))


def torch_edges(node: Any) -> tuple:
    """The edges torch's graph has for a node of an op tapegrad fuses.

    ``linear`` is one ``AddmmBackward0`` over (input, weight, bias) here; torch records
    ``addmm(bias, input, weight.t())``: its edges are (bias, input, ``TBackward0`` -> weight).
    ``Node.next_functions`` keeps what it built, so the ``TBackward0`` node stays one object.
    """
    from .._ops._registry import REGISTRY
    input_edge, weight_edge, bias_edge = node._next
    t_node = None
    if weight_edge is not None:
        t_node = REGISTRY["t"].node_cls((weight_edge,), (), ())
    return (bias_edge, input_edge, t_node)
