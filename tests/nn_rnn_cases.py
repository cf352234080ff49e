"""Cases for tests/test_gradcheck.py's table (format: name -> (fn, [list of input-spec lists]);
see tests/core_alias_cases.py), for the registry ops of ``tapegrad._ops.rnn``: the fused LSTM
layer (both directions; its first-order rule runs on the forward's workspace, its second-order
one on tapegrad ops), the gate split, the in-place transpose and sequence packing."""
from __future__ import annotations

from tapegrad._ops import rnn as _R


def U(*shape, lo=-1.0, hi=1.0):
    return ("u", shape, lo, hi)


# input (T=3, B=2, F=3), w_ih (4H, F), w_hh (4H, H), b_ih, b_hh (4H,), hx, cx (B, H); H = 2
_LAYER = [U(3, 2, 3), U(8, 3), U(8, 2), U(8), U(8), U(2, 2), U(2, 2)]

CASES: dict = {
    "mkldnn_rnn_layer": (lambda *a: _R.MKLDNN_RNN_LAYER(*a, reverse=False), [_LAYER]),
    "mkldnn_rnn_layer_reverse": (lambda *a: _R.MKLDNN_RNN_LAYER(*a, reverse=True), [_LAYER]),
    "unsafe_split": (lambda x: _R.UNSAFE_SPLIT(x, dim=1, sizes=(2, 1, 3)), [[U(2, 6)]]),
    "transpose_inplace": (lambda x: _R.TRANSPOSE_INPLACE(x, dim0=0, dim1=1), [[U(3, 2, 2)]]),
    "pack_padded_sequence": (
        lambda x: _R.PACK_PADDED(x, batch_sizes=(3, 2, 1), batch_first=False), [[U(3, 3, 2)]]),
    "pack_padded_sequence_bf": (
        lambda x: _R.PACK_PADDED(x, batch_sizes=(2, 2, 1), batch_first=True), [[U(2, 3, 2)]]),
    "pack_padded_sequence_backward": (
        lambda g: _R.PACK_PADDED_BACKWARD(g, target=(3, 2, 2), batch_sizes=(2, 1, 1),
                                          batch_first=False), [[U(4, 2)]]),
}
INDIRECT: set = set()
