"""Functional copies of the view ops (``permute_copy``, ``select_copy``, ... torch's
``*_copy`` functions), the split variants with torch's own grad_fn names
(``split_with_sizes``, ``unsafe_split``, ``unsafe_split_with_sizes``) and ``fill``.

A ``*_copy`` op has its view's values in a fresh array and its view's derivative rule; only
the node's name differs (``PermuteBackward0_copy``, as torch prints it).  So each is declared
from the view op it copies, reusing its transpose (the VJP) unchanged.
"""
from __future__ import annotations

import inspect
from typing import Any

import numpy as np

from ._registry import Op, elementwise, general, lift, linear, raw
from .index_scatter import np_dtype
from .index_views import DIAGONAL_ND, SLICE_SCATTER, slice_index
from .shape import (EXPAND, PERMUTE, RESHAPE, SELECT_ALONG, SQUEEZE, SQUEEZE_DIM, T_OP,
                    TRANSPOSE, UNSQUEEZE, _split_forward, _split_vjp, _unbind_vjp)
from .vision import TENSOR_UNFOLD

COPIES: dict[str, tuple[Op, Op]] = {}
"""``name -> (copy op, view op)``: vmap batches a copy with its view's rule."""


def _params_of(view: Op) -> tuple:
    """The keyword parameters of a linear view op (its JVP reads them after the tangents)."""
    names = list(inspect.signature(view._jvp).parameters)[1:]
    return tuple(n for n in names if n not in view.args)


def copy_of(view: Op, name: str, grad_fn: str) -> Op:
    """A linear op with ``view``'s values as a new array and ``view``'s transpose."""
    def forward(*arrays: Any, **params: Any) -> np.ndarray:
        return np.array(view.forward(*arrays, **params), copy=True)

    op = linear(name, forward, grad_fn, view.vjps[0], args=view.args, params=_params_of(view),
                doc=f"A new tensor with the values of ``{view.name}`` (not a view).")
    COPIES[name] = (op, view)
    return op


ALIAS_COPY = linear("alias_copy", lambda a: a.copy(), "AliasBackward0_copy", lambda g: g,
                    doc="A new tensor with input's values.")
DIAGONAL_COPY = copy_of(DIAGONAL_ND, "diagonal_copy", "DiagonalBackward0_copy")
EXPAND_COPY = copy_of(EXPAND, "expand_copy", "ExpandBackward0_copy")
PERMUTE_COPY = copy_of(PERMUTE, "permute_copy", "PermuteBackward0_copy")
SELECT_COPY = copy_of(SELECT_ALONG, "select_copy", "SelectBackward0_copy")
SQUEEZE_COPY = copy_of(SQUEEZE, "squeeze_copy", "SqueezeBackward0_copy")
SQUEEZE_DIM_COPY = copy_of(SQUEEZE_DIM, "squeeze_dim_copy", "SqueezeBackward1_copy")
SQUEEZE_DIMS_COPY = copy_of(SQUEEZE, "squeeze_dims_copy", "SqueezeBackward2_copy")
T_COPY = copy_of(T_OP, "t_copy", "TBackward0_copy")
TRANSPOSE_COPY = copy_of(TRANSPOSE, "transpose_copy", "TransposeBackward0_copy")
UNFOLD_COPY = copy_of(TENSOR_UNFOLD, "unfold_copy", "UnfoldBackward0_copy")
UNSQUEEZE_COPY = copy_of(UNSQUEEZE, "unsqueeze_copy", "UnsqueezeBackward0_copy")
VIEW_COPY = copy_of(RESHAPE, "view_copy", "ViewBackward0_copy")
SLICE_COPY = linear(
    "slice_copy", lambda a, dim, start, end, step: a[slice_index(a.shape, dim, start, end,
                                                                 step)].copy(),
    "SliceBackward0_copy",
    lambda g, input_shape, dim, start, end, step: SLICE_SCATTER(
        lift(g, np.zeros(tuple(input_shape), np_dtype(g))), g, dim=dim, start=start, end=end,
        step=step),
    params=("dim", "start", "end", "step"),
    doc="input's elements start:end:step along dim, as a new tensor.")


# -- splits ---------------------------------------------------------------------------------------
def _split_op(name: str, grad_fn: str) -> Op:
    holder: list = []
    op = general(name, lambda a, dim, sizes: [p.copy() for p in _split_forward(a, dim, sizes)],
                 grad_fn, multi_output=True, vjp_input=_split_vjp,
                 jvp=lambda t, dim, sizes: holder[0](t[0], dim=dim, sizes=sizes),
                 doc="input cut along dim into pieces of the given sizes.")
    holder.append(op)
    return op


SPLIT_WITH_SIZES = _split_op("split_with_sizes", "SplitWithSizesBackward0")
UNSAFE_SPLIT = _split_op("split_unsafe", "UnsafeSplitBackward0")
UNSAFE_SPLIT_WITH_SIZES = _split_op("unsafe_split_with_sizes", "UnsafeSplitWithSizesBackward0")
SPLIT_COPY = _split_op("split_copy", "SplitBackward0_copy")
SPLIT_WITH_SIZES_COPY = _split_op("split_with_sizes_copy", "SplitWithSizesBackward0_copy")
UNBIND_COPY = general(
    "unbind_copy", lambda a, dim: [np.take(a, i, axis=dim) for i in range(a.shape[dim])],
    "UnbindBackward0_copy", multi_output=True, vjp_input=_unbind_vjp,
    jvp=lambda t, dim: UNBIND_COPY(t[0], dim=dim),
    doc="input's slices along dim, as new tensors.")


# -- fill ---------------------------------------------------------------------------------------------
# torch.fill(x, v): a new tensor, FillBackward0 (a number) or FillBackward1 (a 0-d tensor, which
# gets the sum of the gradient); the in-place x.fill_ is elementwise.FILL.
FILL_OUT = elementwise("fill_out", lambda input, value: np.full_like(input, value),
                       "FillBackward0", input=0,
                       doc="``tapegrad.fill(x, number)``: the number everywhere, a zero gradient.")
FILL_OUT_TENSOR = elementwise("fill_out_tensor", lambda input, value: np.full_like(input, value),
                              "FillBackward1", ("input", "value"), promote=None, input=0, value=1,
                              doc="``tapegrad.fill(x, value)`` for a 0-d tensor value.")
