"""Recurrent ops with torch's fused nodes: a whole LSTM layer (``MkldnnRnnLayerBackward0``),
the gate split of the recurrent cells (``UnsafeSplitBackward0``), the in-place transpose that
a ``batch_first`` RNN/GRU output gets (``TransposeBackward1``) and packing a padded batch
(``PackPaddedSequenceBackward0``).

torch's CPU build runs a float32 LSTM (no projection, not packed) through oneDNN, one node per
layer and direction; here that layer's forward is one NumPy loop over the time steps (no graph
per step).  Its derivative rules are written with tapegrad ops, so they differentiate again:

* the VJP runs back-propagation through time,
  ``dc_{t-1} = f_t * (dc_t + dh_t * o_t * (1 - tanh(c_t)^2))``, ``dh_{t-1} = dG_t W_hh``,
  then gets every weight's gradient from one matrix product over all steps.  An ordinary
  backward reads the gates the forward kept (its *workspace*, as oneDNN keeps one) in plain
  NumPy; under ``create_graph=True`` the rule recomputes the gates from the saved inputs with
  tapegrad ops, so the gradient is recorded and differentiates again;
* the JVP carries the tangents forward through the same recurrence (torch has none and raises
  ``NotImplementedError``; tapegrad's works, so ``jacfwd`` and ``hessian`` do too).

Example::

    >>> import tapegrad as torch
    >>> lstm = torch.nn.LSTM(3, 4)
    >>> out, (h, c) = lstm(torch.randn(5, 2, 3))
    >>> out.grad_fn.name()
    'MkldnnRnnLayerBackward0'
"""
from __future__ import annotations

from collections import OrderedDict
from typing import Any

import numpy as np

from ..autograd import grad_mode
from ._registry import general, linear
from .elementwise import SIGMOID, TANH
from .linalg import MM
from .reduction import SUM_DIM
from .shape import (CAT, PERMUTE, SPLIT, STACK, TRANSPOSE, _split_forward, _split_vjp,
                    reshape)


# -- one LSTM layer ------------------------------------------------------------------------------

def _order(steps: int, reverse: bool) -> range:
    return range(steps - 1, -1, -1) if reverse else range(steps)


# On the ordinary (array) path the forward keeps its gates for the backward, as torch's
# oneDNN kernel keeps a workspace: keyed by the arrays it read (checked by identity, so a
# reused id never matches), popped when used, at most a few kept.
_WORKSPACES: "OrderedDict[tuple, tuple]" = OrderedDict()
_MAX_WORKSPACES = 16


def _sigmoid_(a: np.ndarray) -> np.ndarray:
    """``1 / (1 + exp(-a))`` in place (exp may overflow to inf: the result is then 0)."""
    with np.errstate(over="ignore"):
        np.negative(a, out=a)
        np.exp(a, out=a)
    a += 1
    return np.reciprocal(a, out=a)


def _lstm_layer(input: np.ndarray, weight0: np.ndarray, weight1: np.ndarray,
                weight2: np.ndarray, weight3: np.ndarray, hx_: np.ndarray, cx_: np.ndarray,
                reverse: bool, workspace: bool = True) -> list:
    """``(output (T, B, H), h_T, c_T)`` of one direction: input ``(T, B, F)``, states ``(B, H)``;
    ``workspace=False`` when no gradient will be asked for (nothing kept for a backward).

    The additions follow the composed cells' order, ``(h W_hh^T + b_hh) + (x W_ih^T + b_ih)``,
    so both paths round alike."""
    steps, batch = input.shape[:2]
    hidden = weight1.shape[1]
    xg = (input.reshape(steps * batch, -1) @ weight0.T + weight2).reshape(steps, batch, -1)
    w_hh_t = weight1.T
    acts = np.empty((steps, batch, 4 * hidden), input.dtype)  # i, f, g, o after activation
    cells = np.empty((steps, batch, hidden), input.dtype)
    tanh_c = np.empty((steps, batch, hidden), input.dtype)
    out = np.empty((steps, batch, hidden), input.dtype)
    h, c = hx_, cx_
    for t in _order(steps, reverse):
        gates = acts[t]
        np.matmul(h, w_hh_t, out=gates)
        gates += weight3
        gates += xg[t]
        g = np.tanh(gates[:, 2 * hidden:3 * hidden])
        _sigmoid_(gates)
        gates[:, 2 * hidden:3 * hidden] = g
        c = np.multiply(gates[:, hidden:2 * hidden], c, out=cells[t])
        c += gates[:, :hidden] * g
        np.tanh(c, out=tanh_c[t])
        h = out[t]
        np.multiply(gates[:, 3 * hidden:], tanh_c[t], out=h)
    if workspace and grad_mode.state.enabled:
        key = (id(input), id(weight1), reverse)
        _WORKSPACES[key] = (input, weight0, weight1, weight2, weight3, hx_, cx_,
                            acts, cells, tanh_c, out)
        while len(_WORKSPACES) > _MAX_WORKSPACES:
            _WORKSPACES.popitem(last=False)
    return [out, h.copy(), c.copy()]


def _workspace(input: Any, *rest: Any, reverse: bool) -> tuple | None:
    """The forward's saved gates, if these very arrays made them."""
    if input.__class__ is not np.ndarray:
        return None
    key = (id(input), id(rest[1]), reverse)
    found = _WORKSPACES.get(key)
    if found is None or found[0] is not input or any(a is not b for a, b in zip(found[1:7], rest)):
        return None
    del _WORKSPACES[key]
    return found[7:]


def _np_grads(ws: tuple, grads: list, input: np.ndarray, w_ih: np.ndarray, w_hh: np.ndarray,
              hx: np.ndarray, cx: np.ndarray, reverse: bool) -> list:
    """Back-propagation through time on arrays, from the forward's workspace."""
    acts, cells, tanh_c, out = ws
    g_out, dh, dc = grads
    steps, batch, feat = input.shape
    hidden = w_hh.shape[1]
    order = _order(steps, reverse)
    shift = (lambda a, first: np.concatenate([a[1:], first[None]])) if reverse else \
        (lambda a, first: np.concatenate([first[None], a[:-1]]))
    c_prev, h_prev = shift(cells, cx), shift(out, hx)
    i, f = acts[..., :hidden], acts[..., hidden:2 * hidden]
    g, o = acts[..., 2 * hidden:3 * hidden], acts[..., 3 * hidden:]
    # d gates = (dc, dc, dc, dh) * scale, and dc gains dh * o * (1 - tanh(c)^2) each step
    scale = np.concatenate([g * i * (1 - i), c_prev * f * (1 - f), i * (1 - g * g),
                            tanh_c * o * (1 - o)], axis=-1).reshape(steps, batch, 4, hidden)
    through = o * (1 - tanh_c * tanh_c)
    dh = np.zeros((batch, hidden), input.dtype) if dh is None else dh.copy()
    dc = np.zeros((batch, hidden), input.dtype) if dc is None else dc.copy()
    d_gates = np.empty((steps, batch, 4, hidden), input.dtype)
    for t in reversed(order):
        if g_out is not None:
            dh += g_out[t]
        dc += dh * through[t]
        np.multiply(dc[:, None, :], scale[t, :, :3], out=d_gates[t, :, :3])
        np.multiply(dh, scale[t, :, 3], out=d_gates[t, :, 3])
        dc *= f[t]
        dh = d_gates[t].reshape(batch, 4 * hidden) @ w_hh
    dg = d_gates.reshape(steps * batch, 4 * hidden)
    d_b = dg.sum(0)
    return [(dg @ w_ih).reshape(steps, batch, feat),
            dg.T @ input.reshape(steps * batch, feat),
            dg.T @ h_prev.reshape(steps * batch, hidden), d_b, d_b.copy(), dh, dc]


def _np_dtype(x: Any) -> np.dtype:
    """A value's NumPy dtype, from its dtype's name (under vmap the data is not readable)."""
    return x.dtype if x.__class__ is np.ndarray else np.dtype(str(x.dtype).rsplit(".", 1)[-1])


def _add(a: Any, b: Any) -> Any:
    """``a + b`` where ``None`` is a zero."""
    if a is None:
        return b
    return a if b is None else a + b


def _mul(a: Any, b: Any) -> Any:
    return None if a is None or b is None else a * b


def _mm_t(a: Any, w: Any) -> Any:
    """``a @ w.T`` (None when ``a`` or ``w`` is a zero)."""
    return None if a is None or w is None else MM(a, TRANSPOSE(w, dim0=0, dim1=1))


def _steps_forward(input: Any, w_ih: Any, w_hh: Any, b_ih: Any, b_hh: Any, hx: Any, cx: Any,
                   reverse: bool) -> list:
    """The layer again with tapegrad ops: per step ``(h_prev, c_prev, i, f, g, o, tanh(c))``."""
    steps, batch, feat = tuple(input.shape)
    hidden = tuple(w_hh.shape)[1]
    x2 = reshape(input, shape=(steps * batch, feat))
    xg = reshape(_mm_t(x2, w_ih) + b_ih, shape=(steps, batch, 4 * hidden))
    h, c = hx, cx
    record = [None] * steps
    for t in _order(steps, reverse):
        gates = (_mm_t(h, w_hh) + b_hh) + xg[t]
        i, f, g, o = SPLIT(gates, dim=1, sizes=(hidden,) * 4)
        i, f, g, o = SIGMOID(i), SIGMOID(f), TANH(g), SIGMOID(o)
        c_new = f * c + i * g
        tc = TANH(c_new)
        record[t] = (h, c, i, f, g, o, tc)
        h, c = o * tc, c_new
    return record


def _lstm_grads(grads: list, input: Any, w_ih: Any, w_hh: Any, b_ih: Any, b_hh: Any, hx: Any,
                cx: Any, reverse: bool) -> list:
    """Gradients of all seven inputs by back-propagation through time."""
    g_out, dh, dc = grads
    steps, batch, feat = tuple(input.shape)
    hidden = tuple(w_hh.shape)[1]
    record = _steps_forward(input, w_ih, w_hh, b_ih, b_hh, hx, cx, reverse)
    zero = np.zeros((batch, 4 * hidden), _np_dtype(next(v for v in grads if v is not None)))
    d_gates = [None] * steps
    for t in reversed(_order(steps, reverse)):
        if g_out is not None:
            dh = _add(dh, g_out[t])
        h_prev, c_prev, i, f, g, o, tc = record[t]
        if dh is None and dc is None:  # nothing reaches this step yet
            d_gates[t] = zero
            continue
        d_o = _mul(dh, tc)
        dc = _add(dc, _mul(dh, o * (1 - tc * tc)))
        d_i, d_g, d_f = dc * g, dc * i, dc * c_prev
        dc = dc * f
        pieces = [d_i * (i * (1 - i)), d_f * (f * (1 - f)), d_g * (1 - g * g),
                  zero[:, :hidden] if d_o is None else d_o * (o * (1 - o))]
        d_gates[t] = CAT(*pieces, dim=1, sizes=(hidden,) * 4)
        dh = MM(d_gates[t], w_hh)
    dg = reshape(STACK(*d_gates, dim=0, count=steps), shape=(steps * batch, 4 * hidden))
    dg_t = TRANSPOSE(dg, dim0=0, dim1=1)
    h_prev = STACK(*[r[0] for r in record], dim=0, count=steps)
    d_input = reshape(MM(dg, w_ih), shape=(steps, batch, feat))
    d_w_ih = MM(dg_t, reshape(input, shape=(steps * batch, feat)))
    d_w_hh = MM(dg_t, reshape(h_prev, shape=(steps * batch, hidden)))
    # (two sums, not one result twice: the engine may accumulate into a leaf's grad in place)
    d_b = [SUM_DIM(dg, dim=(0,), keepdim=False) for _ in range(2)]
    if dh is None:
        dh = zero[:, :hidden]
    if dc is None:
        dc = zero[:, :hidden]
    return [d_input, d_w_ih, d_w_hh, *d_b, dh, dc]


# The engine runs a node's input rules one after the other with the same gradient list; the
# first computes all seven gradients and leaves them here for the others.
_last: list = [None, None, None]  # gradient list, saved input, gradients


def _vjp(k: int) -> Any:
    def rule(g: list, input: Any, weight0: Any, weight1: Any, weight2: Any, weight3: Any,
             hx_: Any, cx_: Any, reverse: bool) -> Any:
        if _last[0] is not g or _last[1] is not input:
            ws = _workspace(input, weight0, weight1, weight2, weight3, hx_, cx_,
                            reverse=reverse)
            grads = (_np_grads(ws, g, input, weight0, weight1, hx_, cx_, reverse)
                     if ws is not None else
                     _lstm_grads(g, input, weight0, weight1, weight2, weight3, hx_, cx_,
                                 reverse))
            _last[:] = [g, input, grads]
        return _last[2][k]
    return rule


def _lstm_jvp(tangents: list, input: Any, weight0: Any, weight1: Any, weight2: Any,
              weight3: Any, hx_: Any, cx_: Any, reverse: bool) -> list:
    """The tangents of ``(output, h_T, c_T)``, carried forward step by step."""
    t_in, t_wih, t_whh, t_bih, t_bhh, t_h, t_c = tangents
    steps, batch, feat = tuple(input.shape)
    hidden = tuple(weight1.shape)[1]
    record = _steps_forward(input, weight0, weight1, weight2, weight3, hx_, cx_, reverse)
    t_x2 = None if t_in is None else reshape(t_in, shape=(steps * batch, feat))
    t_xg = _add(_mm_t(t_x2, weight0), _mm_t(reshape(input, shape=(steps * batch, feat)), t_wih))
    if t_xg is not None:
        t_xg = reshape(t_xg, shape=(steps, batch, 4 * hidden))
    t_bias = _add(t_bih, t_bhh)
    outs = [None] * steps
    for t in _order(steps, reverse):
        h_prev, c_prev, i, f, g, o, tc = record[t]
        t_gates = _add(_add(_mm_t(t_h, weight1), _mm_t(h_prev, t_whh)), t_bias)
        if t_xg is not None:
            t_gates = _add(t_gates, t_xg[t])
        if t_gates is not None:
            ti, tf, tg_, to = SPLIT(t_gates, dim=len(tuple(t_gates.shape)) - 1,
                                    sizes=(hidden,) * 4)
            ti, tf = ti * (i * (1 - i)), tf * (f * (1 - f))
            tg_, to = tg_ * (1 - g * g), to * (o * (1 - o))
            t_c = _add(_add(_mul(t_c, f), tf * c_prev), ti * g + i * tg_)
            t_h = to * tc
        else:
            t_c = _mul(t_c, f)
            t_h = None
        if t_c is not None:
            t_h = _add(t_h, o * (1 - tc * tc) * t_c)
        outs[t] = t_h
    if all(v is None for v in outs):
        return [None, None, None]
    zero = np.zeros((batch, hidden), _np_dtype(next(v for v in outs if v is not None)))
    out = STACK(*[zero if v is None else v for v in outs], dim=0, count=steps)
    return [out, t_h, t_c]


MKLDNN_RNN_LAYER = general(
    "mkldnn_rnn_layer", _lstm_layer, "MkldnnRnnLayerBackward0",
    ("input", "weight0", "weight1", "weight2", "weight3", "hx_", "cx_"), multi_output=True,
    jvp=_lstm_jvp, doc="One LSTM layer, one direction: ``(output, h_T, c_T)``.",
    **{f"vjp_{name}": _vjp(k) for k, name in enumerate(
        ("input", "weight0", "weight1", "weight2", "weight3", "hx_", "cx_"))})


# -- the recurrent cells' gate split, and the batch_first output's in-place transpose ------------

UNSAFE_SPLIT = general(
    "unsafe_split", _split_forward, "UnsafeSplitBackward0", multi_output=True,
    vjp_input=_split_vjp, jvp=lambda t, dim, sizes: UNSAFE_SPLIT(t[0], dim=dim, sizes=sizes),
    doc="``split`` into ``sizes`` along ``dim``, as torch's cells split their gates.")

TRANSPOSE_INPLACE = linear(
    "transpose_inplace", lambda a, dim0, dim1: a.swapaxes(dim0, dim1).copy(),
    "TransposeBackward1", lambda g, dim0, dim1: TRANSPOSE(g, dim0=dim0, dim1=dim1),
    params=("dim0", "dim1"),
    doc="``transpose_`` of a fresh result (what a ``batch_first`` RNN/GRU returns).")


# -- packing a padded batch ----------------------------------------------------------------------

def _packed_rows(shape: tuple, batch_sizes: tuple, batch_first: bool) -> np.ndarray:
    """Which rows of the flattened ``(T*B, *)`` (or ``(B*T, *)``) input the packed data holds."""
    steps, batch = (shape[1], shape[0]) if batch_first else shape[:2]
    return np.array([j * steps + t if batch_first else t * batch + j
                     for t, b in enumerate(batch_sizes) for j in range(b)], dtype=np.int64)


def _pack(input: np.ndarray, batch_sizes: tuple, batch_first: bool) -> np.ndarray:
    rows = _packed_rows(input.shape, batch_sizes, batch_first)
    return input.reshape((-1,) + input.shape[2:])[rows]


def _unpack(input: np.ndarray, target: tuple, batch_sizes: tuple, batch_first: bool
            ) -> np.ndarray:
    target = tuple(target)
    out = np.zeros((target[0] * target[1],) + target[2:], input.dtype)
    out[_packed_rows(target, batch_sizes, batch_first)] = input
    return out.reshape(target)


PACK_PADDED = linear(
    "pack_padded_sequence", _pack, "PackPaddedSequenceBackward0",
    lambda g, input_shape, batch_sizes, batch_first: PACK_PADDED_BACKWARD(
        g, target=tuple(input_shape), batch_sizes=batch_sizes, batch_first=batch_first),
    params=("batch_sizes", "batch_first"),
    doc="The time steps of a padded batch, each with its ``batch_sizes[t]`` running sequences.")
PACK_PADDED_BACKWARD = linear(
    "pack_padded_sequence_backward", _unpack, "PackPaddedSequenceBackwardBackward0",
    lambda g, batch_sizes, batch_first: PACK_PADDED(g, batch_sizes=batch_sizes,
                                                    batch_first=batch_first),
    params=("target", "batch_sizes", "batch_first"),
    doc="Packed data spread back into a zero-padded batch (the gradient of packing).")


# -- batching rules (vmap) -------------------------------------------------------------------

def _to_back(x: Any) -> Any:
    """(V, ...) -> (..., V): the vmap batch dim out of the way of ops that index leading dims."""
    rank = len(tuple(x.shape))
    return PERMUTE(x, dims=tuple(range(1, rank)) + (0,))


def _to_front(x: Any) -> Any:
    rank = len(tuple(x.shape))
    return PERMUTE(x, dims=(rank - 1,) + tuple(range(rank - 1)))


def _packing_rule(level: Any, op: Any, args: tuple, params: dict) -> Any:
    from .._vmap._batched import wrap
    from .._vmap._rules import _front
    value = _to_back(_front(args[0], level))
    if "target" in params:
        params = {**params, "target": tuple(params["target"]) + (tuple(value.shape)[-1],)}
    return wrap(_to_front(op(value, **params)), level)


def _layer_rule(level: Any, op: Any, args: tuple, params: dict) -> Any:
    """The examples side by side in the layer's batch: (V, T, B, F) -> (T, V*B, F); weights
    that differ between examples run example by example."""
    from .._vmap._batched import wrap
    from .._vmap._rules import _front, _value, fallback
    input, w_ih, w_hh, b_ih, b_hh, hx, cx = args
    if any(_value(w, level) is not None for w in (w_ih, w_hh, b_ih, b_hh)):
        return fallback(level, op, args, params)
    x = _front(input, level)
    v, steps, batch, feat = tuple(x.shape)
    x = reshape(PERMUTE(x, dims=(1, 0, 2, 3)), shape=(steps, v * batch, feat))
    h, c = (reshape(_front(s, level), shape=(v * batch, -1)) for s in (hx, cx))
    out, h, c = op(x, w_ih, w_hh, b_ih, b_hh, h, c, **params)
    out = PERMUTE(reshape(out, shape=(steps, v, batch, -1)), dims=(1, 0, 2, 3))
    return tuple(wrap(r, level) for r in
                 (out, reshape(h, shape=(v, batch, -1)), reshape(c, shape=(v, batch, -1))))


def _declare_rules() -> None:
    from .._vmap import _rules as V
    V._declare(V.shift_dims, "unsafe_split", "transpose_inplace")
    V._declare(_packing_rule, "pack_padded_sequence", "pack_padded_sequence_backward")
    V._declare(_layer_rule, "mkldnn_rnn_layer")


_declare_rules()

__all__ = ["MKLDNN_RNN_LAYER", "UNSAFE_SPLIT", "TRANSPOSE_INPLACE", "PACK_PADDED",
           "PACK_PADDED_BACKWARD"]
