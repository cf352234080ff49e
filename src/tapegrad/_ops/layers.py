"""Fused layer ops with torch's own backward nodes: ``linear`` (AddmmBackward0) and
``embedding`` (EmbeddingBackward0).

``tapegrad.nn.functional`` calls them; they live in the core because a derivative rule is
declared once, here, beside its forward, written with tapegrad's ops (so ``create_graph``,
forward mode and vmap follow).  Their batching rules are declared here too.

* ``linear(input, weight, bias)``: ``input @ weight.T + bias`` for a 2-D input, one node as
  torch's ``addmm`` is (``nn.functional.linear`` reshapes other inputs around it, as torch does).
* ``embedding(weight, indices, padding_idx)``: the rows of ``weight`` at ``indices``; the
  gradient of the table is the output gradient added row by row into zeros, with the
  ``padding_idx`` row left at zero.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from . import _registry
from ._registry import general, linear
from . import elementwise as E, linalg as L, selection as X, shape as S


# -- linear ----------------------------------------------------------------------------------------
def _linear(input: np.ndarray, weight: np.ndarray, bias: np.ndarray) -> np.ndarray:
    out = input @ weight.T
    out += bias  # in place: the product is a fresh array
    return out


def _linear_jvp(tangents: list, input: Any, weight: Any) -> Any:
    t_input, t_weight, t_bias = tangents
    out = None
    if t_input is not None:
        out = t_input @ weight.T
    if t_weight is not None:
        term = input @ t_weight.T
        out = term if out is None else out + term
    if t_bias is not None:
        if out is None:
            return S.expand(t_bias, shape=(input.shape[0], weight.shape[0]))
        out = out + t_bias
    return out


LINEAR = general("linear", _linear, "AddmmBackward0", ("input", "weight", "bias"),
                 vjp_input=lambda g, weight: g @ weight,
                 vjp_weight=lambda g, input: g.T @ input,
                 vjp_bias=lambda g: g,  # the engine sums it over the rows (bias is 1-D)
                 jvp=_linear_jvp,
                 doc="input @ weight.T + bias for a 2-D input (torch's addmm in nn.Linear).")


# -- embedding -------------------------------------------------------------------------------------
def _embedding(weight: np.ndarray, indices: np.ndarray, padding_idx: int | None) -> np.ndarray:
    if indices.size and (indices.min() < 0 or indices.max() >= weight.shape[0]):
        raise IndexError("index out of range in self")
    return weight[indices]


# A table gradient from a one-hot product when the one-hot matrix (rows x lookups) is at most
# this many elements: one BLAS call instead of NumPy's slow unbuffered ``add.at``.
_ONE_HOT_LIMIT = 1 << 20


def _embedding_vjp(g: Any, weight_shape: tuple, indices: Any, padding_idx: int | None) -> Any:
    n, dim = weight_shape
    flat_index = S.reshape(S.reshape(indices, shape=(-1,)), shape=(-1, 1))
    rows = S.reshape(g, shape=(-1, dim))
    if padding_idx is not None:  # the padding row receives no gradient
        rows = E.MASKED_FILL(rows, E.EQ(flat_index, padding_idx), value=0.0)
    # The rules run on arrays (plain backward) or on Tensors (create_graph); neither under vmap.
    arrays = type(indices) is type(g) is np.ndarray
    if (arrays or type(indices) is type(g) is _registry.Tensor) and \
            n * int(np.prod(indices.shape)) <= _ONE_HOT_LIMIT:
        lookups = (indices if arrays else indices._data).reshape(-1)
        one_hot = np.zeros((n, lookups.size), dtype=rows.dtype if arrays else rows.dtype.np)
        one_hot[lookups, np.arange(lookups.size)] = 1
        return one_hot @ rows if arrays else L.MM(_registry.Tensor._make(one_hot), rows)
    index = S.expand(flat_index, shape=tuple(rows.shape))
    return X.SCATTER_ADD(X._zeros(rows, (n, dim)), index, rows, dim=0)


EMBEDDING = linear("embedding", _embedding, "EmbeddingBackward0", _embedding_vjp,
                   args=("weight", "indices"), params=("padding_idx",),
                   doc="The rows of weight at indices (nn.Embedding's lookup).")


# -- batching rules --------------------------------------------------------------------------------
def _linear_rule(level: Any, op: Any, args: tuple, params: dict) -> Any:
    """A batch of inputs against one weight: one 2-D product over every row; otherwise one
    batched matmul of the physical values."""
    from .._vmap import _rules as V
    x, w, b = args
    px, pw, pb = (V._value(a, level) for a in args)
    if pw is None and pb is None:
        batch, rows, width = px.shape
        out = op(S.RESHAPE(px, shape=(batch * rows, width)), w, b)
        return V.wrap(S.RESHAPE(out, shape=(batch, rows, w.shape[0])), level)
    out = L.matmul(V._front(x, level), S.TRANSPOSE(V._front(w, level), dim0=-2, dim1=-1))
    if pb is not None:
        b = S.RESHAPE(pb, shape=(pb.shape[0], 1, pb.shape[1]))
    return V.wrap(E.ADD(out, b), level)


def _embedding_rule(level: Any, op: Any, args: tuple, params: dict) -> Any:
    """One table and a batch of indices: one lookup.  A table per example: each example's rows
    gathered from its own table (example by example when a padding row must get no gradient)."""
    from .._vmap import _rules as V
    w, indices = args
    pw = V._value(w, level)
    if pw is None:
        return V.wrap(op(w, V._value(indices, level), **params), level)
    if params.get("padding_idx") is not None:
        return V.fallback(level, op, args, params)
    iv = V._front(indices, level)
    batch, dim = pw.shape[0], pw.shape[2]
    shape = tuple(iv.shape)
    flat = S.RESHAPE(iv, shape=(batch, -1, 1))
    index = S.EXPAND(flat, shape=(batch, flat.shape[1], dim))
    values = getattr(iv, "_data", None)  # plain indices (not batched at an outer level)
    if values is not None:  # torch's bounds error rather than gather's
        _embedding(np.zeros((pw.shape[1], 0)), values, None)
    out = X.GATHER(pw, index, dim=1)
    return V.wrap(S.RESHAPE(out, shape=shape + (dim,)), level)


def _declare_rules() -> None:
    from .._vmap import _rules as V
    V._declare(_linear_rule, "linear")
    V._declare(_embedding_rule, "embedding")


_declare_rules()
