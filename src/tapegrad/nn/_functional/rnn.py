"""The arithmetic of the recurrent layers: one step of each cell, one layer over a sequence.

The cells and most layers are composed from ordinary tapegrad ops (``linear``, ``sigmoid``,
``tanh``, the gate split ``unsafe_split``, ``stack``, ``cat``), so their graphs are torch's
step by step.  A float32 LSTM without projection and not packed is one fused op per layer and
direction (``MkldnnRnnLayerBackward0``, see ``tapegrad._ops.rnn``), as torch's CPU build runs
it through oneDNN.  The formulas and the order of the additions follow torch's CPU kernels,
which keeps float32 results within rounding of torch's:

* RNN:  ``h' = act(W_hh h + b_hh + (W_ih x + b_ih))``
* LSTM: gates ``i, f, g, o`` (in that order), ``c' = f*c + i*g``, ``h' = o*tanh(c')``,
  then ``h' = h' @ W_hr.T`` when there is a projection
* GRU:  gates ``r, z, n``; the reset gate multiplies ``W_hn h + b_hn`` (not ``h``),
  ``n = tanh(W_in x + b_in + r*(W_hn h + b_hn))``, ``h' = (h - n)*z + n``

A layer first projects the whole sequence through ``W_ih`` (one matrix product, as torch
does on CPU) and then loops over the time steps.  Packed sequences (``batch_sizes``) run
the same loop on a shrinking batch.
"""
from __future__ import annotations

from typing import Any, Callable, Sequence

import tapegrad
from tapegrad import Tensor
from tapegrad._ops import rnn as _ops
from . import linear as _linear

__all__ = ["rnn_tanh_cell", "rnn_relu_cell", "lstm_cell", "gru_cell", "run_rnn"]

Hidden = Any  # a Tensor, or an (h, c) pair for the LSTM
Step = Callable[[Tensor, Hidden, Sequence[Any]], Hidden]


# --- one step, given the input already projected through W_ih (``igates``) -------------------

def _simple_step(act: Callable[[Tensor], Tensor]) -> Step:
    def step(igates: Tensor, h: Tensor, params: Sequence[Any]) -> Tensor:
        return act(_linear.linear(h, params[1], params[3]) + igates)
    return step


def _lstm_step(igates: Tensor, hc: tuple[Tensor, Tensor], params: Sequence[Any]
               ) -> tuple[Tensor, Tensor]:
    h, c = hc
    gates = _linear.linear(h, params[1], params[3]) + igates
    i, f, g, o = _ops.UNSAFE_SPLIT(gates, dim=1, sizes=(gates.shape[1] // 4,) * 4)
    i, f, g, o = i.sigmoid(), f.sigmoid(), g.tanh(), o.sigmoid()
    c_new = f * c + i * g
    h_new = o * c_new.tanh()
    if params[4] is not None:  # projection to proj_size
        h_new = tapegrad.matmul(h_new, params[4].t())
    return h_new, c_new


def _gru_step(igates: Tensor, h: Tensor, params: Sequence[Any]) -> Tensor:
    hgates = _linear.linear(h, params[1], params[3])
    sizes = (hgates.shape[1] // 3,) * 3
    i_r, i_z, i_n = _ops.UNSAFE_SPLIT(igates, dim=1, sizes=sizes)
    h_r, h_z, h_n = _ops.UNSAFE_SPLIT(hgates, dim=1, sizes=sizes)
    r = (h_r + i_r).sigmoid()
    z = (h_z + i_z).sigmoid()
    n = (i_n + h_n * r).tanh()
    return (h - n) * z + n


STEPS: dict[str, Step] = {
    "RNN_TANH": _simple_step(tapegrad.tanh),
    "RNN_RELU": _simple_step(tapegrad.relu),
    "LSTM": _lstm_step,
    "GRU": _gru_step,
}


# --- the standalone cells (nn.RNNCell & co.): 2-D input and hidden -----------------------

def rnn_tanh_cell(input: Tensor, hx: Tensor, w_ih: Tensor, w_hh: Tensor,
                  b_ih: Tensor | None = None, b_hh: Tensor | None = None) -> Tensor:
    """One Elman step, ``tanh(x W_ih^T + b_ih + h W_hh^T + b_hh)``."""
    return STEPS["RNN_TANH"](_linear.linear(input, w_ih, b_ih), hx, (w_ih, w_hh, b_ih, b_hh))


def rnn_relu_cell(input: Tensor, hx: Tensor, w_ih: Tensor, w_hh: Tensor,
                  b_ih: Tensor | None = None, b_hh: Tensor | None = None) -> Tensor:
    """One Elman step with ``relu`` in place of ``tanh``."""
    return STEPS["RNN_RELU"](_linear.linear(input, w_ih, b_ih), hx, (w_ih, w_hh, b_ih, b_hh))


def lstm_cell(input: Tensor, hx: tuple[Tensor, Tensor], w_ih: Tensor, w_hh: Tensor,
              b_ih: Tensor | None = None, b_hh: Tensor | None = None
              ) -> tuple[Tensor, Tensor]:
    """One LSTM step; returns ``(h', c')``."""
    return _lstm_step(_linear.linear(input, w_ih, b_ih), hx, (w_ih, w_hh, b_ih, b_hh, None))


def gru_cell(input: Tensor, hx: Tensor, w_ih: Tensor, w_hh: Tensor,
             b_ih: Tensor | None = None, b_hh: Tensor | None = None) -> Tensor:
    """One GRU step."""
    return _gru_step(_linear.linear(input, w_ih, b_ih), hx, (w_ih, w_hh, b_ih, b_hh))


# --- whole layers -------------------------------------------------------------------------

def _slice_hidden(h: Hidden, stop: int, start: int = 0) -> Hidden:
    if isinstance(h, tuple):
        return tuple(t[start:stop] for t in h)
    return h[start:stop]


def _cat_hidden(parts: list[Hidden]) -> Hidden:
    if isinstance(parts[0], tuple):
        return tuple(tapegrad.cat([p[k] for p in parts], 0) for k in range(len(parts[0])))
    return tapegrad.cat(parts, 0)


def _output_of(h: Hidden) -> Tensor:
    return h[0] if isinstance(h, tuple) else h


def _layer(step: Step, igates: Tensor, h0: Hidden, params: Sequence[Any], reverse: bool
           ) -> tuple[Tensor, Hidden]:
    """Run one direction of one layer over a padded sequence ``(T, B, G)``."""
    steps = igates.unbind(0)
    order = range(len(steps) - 1, -1, -1) if reverse else range(len(steps))
    h = h0
    outputs: list[Tensor] = [None] * len(steps)  # type: ignore[list-item]
    for t in order:
        h = step(steps[t], h, params)
        outputs[t] = _output_of(h)
    return tapegrad.stack(outputs, 0), h


def _packed_layer(step: Step, igates: Tensor, batch_sizes: list[int], h0: Hidden,
                  params: Sequence[Any], reverse: bool) -> tuple[Tensor, Hidden]:
    """Run one direction of one layer over packed data ``(sum(batch_sizes), G)``.

    Going forward, the batch shrinks: the rows that drop out hold their sequences' final
    states.  Going backward, it grows: newly joining rows start from their initial states.
    """
    offsets = [0]
    for b in batch_sizes:
        offsets.append(offsets[-1] + b)
    outputs: list[Tensor] = [None] * len(batch_sizes)  # type: ignore[list-item]
    if not reverse:
        h = h0
        finished: list[Hidden] = []
        last = batch_sizes[0]
        for t, b in enumerate(batch_sizes):
            if b < last:  # sequences b..last-1 ended at the previous step
                finished.append(_slice_hidden(h, last, b))
                h = _slice_hidden(h, b)
            last = b
            h = step(igates[offsets[t]:offsets[t + 1]], h, params)
            outputs[t] = _output_of(h)
        finished.append(h)
        final = _cat_hidden(finished[::-1]) if len(finished) > 1 else h
    else:
        last = batch_sizes[-1]
        h = _slice_hidden(h0, last)
        for t in range(len(batch_sizes) - 1, -1, -1):
            b = batch_sizes[t]
            if b > last:  # sequences last..b-1 start here
                h = _cat_hidden([h, _slice_hidden(h0, b, last)])
            last = b
            h = step(igates[offsets[t]:offsets[t + 1]], h, params)
            outputs[t] = _output_of(h)
        final = h
    return tapegrad.cat(outputs, 0), final


def _fused_lstm_layer(input: Tensor, h0: tuple[Tensor, Tensor], params: Sequence[Any],
                      reverse: bool) -> tuple[Tensor, tuple[Tensor, Tensor]]:
    """One float32 LSTM layer as torch's CPU build runs it: one ``MkldnnRnnLayerBackward0``
    node (absent biases are zeros that need no gradient)."""
    w_ih, w_hh, b_ih, b_hh = params[:4]
    if b_ih is None:
        b_ih = b_hh = tapegrad.zeros(w_ih.shape[0], dtype=w_ih.dtype)
    needs_grad = tapegrad.is_grad_enabled() and any(
        t is not None and t.requires_grad for t in (input, w_ih, w_hh, b_ih, b_hh, *h0))
    out, h, c = _ops.MKLDNN_RNN_LAYER(input, w_ih, w_hh, b_ih, b_hh, h0[0], h0[1],
                                      reverse=reverse, workspace=needs_grad)
    return out, (h, c)


def uses_fused_lstm(mode: str, input: Tensor, weights: Sequence[Sequence[Any]],
                    batch_sizes: list[int] | None) -> bool:
    """Whether torch's CPU build would run this LSTM through oneDNN: float32, no projection,
    not packed."""
    return (mode == "LSTM" and batch_sizes is None and input.dtype == tapegrad.float32
            and weights[0][4] is None)


def run_rnn(mode: str, input: Tensor, hx: Hidden, weights: Sequence[Sequence[Any]],
            num_layers: int, dropout: float, train: bool, bidirectional: bool,
            batch_sizes: list[int] | None = None) -> tuple[Tensor, Hidden]:
    """A multi-layer (bi)directional recurrence, ``input`` time-major ``(T, B, F)``.

    ``weights`` holds one ``(w_ih, w_hh, b_ih, b_hh, w_hr)`` tuple per layer and direction
    (``None`` where absent); ``hx`` is ``(L*D, B, H)`` (a pair for the LSTM).  Returns the
    last layer's output and the stacked final states, as torch's ``_VF.rnn_*`` do.
    Between layers, in training, dropout is drawn on each layer's output except the last.
    """
    step = STEPS[mode]
    is_lstm = mode == "LSTM"
    fused = uses_fused_lstm(mode, input, weights, batch_sizes)
    dirs = 2 if bidirectional else 1
    layer_input = input.contiguous() if fused else input
    finals: list[Hidden] = []
    for layer in range(num_layers):
        outs = []
        for d in range(dirs):
            idx = layer * dirs + d
            params = weights[idx]
            h0 = (hx[0][idx], hx[1][idx]) if is_lstm else hx[idx]
            if fused:
                out, h = _fused_lstm_layer(layer_input, h0, params, reverse=d == 1)
                outs.append(out)
                finals.append(h)
                continue
            igates = _linear.linear(layer_input, params[0], params[2])
            if batch_sizes is None:
                out, h = _layer(step, igates, h0, params, reverse=d == 1)
            else:
                out, h = _packed_layer(step, igates, batch_sizes, h0, params, reverse=d == 1)
            outs.append(out)
            finals.append(h)
        layer_input = outs[0] if dirs == 1 else tapegrad.cat(outs, -1)
        if dropout != 0 and train and layer < num_layers - 1:
            layer_input = _linear.dropout(layer_input, dropout, True)
    if is_lstm:
        return layer_input, (tapegrad.stack([h for h, _ in finals], 0),
                             tapegrad.stack([c for _, c in finals], 0))
    return layer_input, tapegrad.stack(finals, 0)
