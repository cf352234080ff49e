"""MultiheadAttention and the Transformer against torch: parameters (names, shapes, seeded
values), reprs, outputs with every kind of mask, attention weights, and gradients."""
from __future__ import annotations

import numpy as np
import pytest

import tapegrad as tg

torch = pytest.importorskip("torch")
# both libraries warn that nested tensors are off for these encoders (checked in one test below)
pytestmark = pytest.mark.filterwarnings("ignore:enable_nested_tensor is True")


def _both(build):
    """``build(module)`` after ``manual_seed(0)`` in tapegrad and in torch."""
    out = []
    for m in (tg, torch):
        m.manual_seed(0)
        out.append(build(m))
    return out


def _close(a, b, tol=2e-5):
    a = a.detach().numpy() if hasattr(a, "detach") else np.asarray(a)
    b = b.detach().numpy() if hasattr(b, "detach") else np.asarray(b)
    np.testing.assert_allclose(a, b, rtol=tol, atol=tol)


def _weighted_loss(m, out):
    g = m.Generator().manual_seed(7)
    return (out * m.randn(out.shape, generator=g)).sum()


MHA_CASES = {
    "self": dict(args=(8, 2), same=True, kwargs={}),
    "cross": dict(args=(8, 2), same=False, kwargs={}),
    "masks": dict(args=(8, 4), same=True, kwargs={"masks": True}),
    "no weights": dict(args=(8, 2), same=True, kwargs={"need_weights": False}),
    "per head": dict(args=(8, 2), same=False, kwargs={"average_attn_weights": False}),
    "batch_first kdim vdim bias_kv": dict(args=(8, 4), same=False,
                                           ctor={"batch_first": True, "kdim": 6, "vdim": 5,
                                                 "add_bias_kv": True}, kwargs={}),
    "no bias, zero attn": dict(args=(8, 2), same=False,
                               ctor={"bias": False, "add_zero_attn": True}, kwargs={}),
}


@pytest.mark.parametrize("name", MHA_CASES)
def test_multihead_attention_matches_torch(name):
    case = MHA_CASES[name]
    ctor = case.get("ctor", {})

    def run(m):
        mha = m.nn.MultiheadAttention(*case["args"], **ctor)
        bf = ctor.get("batch_first", False)
        L, S, N = 5, 4, 3
        shape = (lambda n, t, e: (t, n, e)) if not bf else (lambda n, t, e: (n, t, e))
        q = m.randn(*shape(N, L, 8))
        if case["same"]:
            k = v = q
        else:
            k = m.randn(*shape(N, S, ctor.get("kdim", 8)))
            v = m.randn(*shape(N, S, ctor.get("vdim", 8)))
        kwargs = dict(case["kwargs"])
        if kwargs.pop("masks", False):
            kwargs["attn_mask"] = m.triu(m.ones(L, L, dtype=m.bool), diagonal=1)
            kwargs["key_padding_mask"] = m.tensor([[False] * 4 + [True], [False] * 5,
                                                   [False] * 3 + [True] * 2])
        out, weights = mha(q, k, v, **kwargs)
        _weighted_loss(m, out).backward()
        grads = [p.grad for p in mha.parameters()]
        return repr(mha), [n for n, _ in mha.named_parameters()], out, weights, grads

    (r1, n1, o1, w1, g1), (r2, n2, o2, w2, g2) = _both(run)
    assert r1 == r2.replace("torch", "tapegrad") or r1 == r2
    assert n1 == n2
    _close(o1, o2)
    assert (w1 is None) == (w2 is None)
    if w1 is not None:
        _close(w1, w2)
    for a, b in zip(g1, g2):
        _close(a, b, 1e-4)


@pytest.mark.parametrize("norm_first", [False, True])
@pytest.mark.parametrize("activation", ["relu", "gelu"])
def test_transformer_matches_torch(norm_first, activation):
    def run(m):
        model = m.nn.Transformer(d_model=8, nhead=2, num_encoder_layers=2, num_decoder_layers=1,
                                 dim_feedforward=16, dropout=0.0, batch_first=True,
                                 norm_first=norm_first, activation=activation)
        src, tgt = m.randn(2, 5, 8), m.randn(2, 4, 8)
        mask = m.nn.Transformer.generate_square_subsequent_mask(4)
        out = model(src, tgt, tgt_mask=mask,
                    src_key_padding_mask=m.tensor([[False] * 5, [False] * 4 + [True]]))
        _weighted_loss(m, out).backward()
        return out, [p.grad for p in model.parameters()], mask

    (o1, g1, m1), (o2, g2, m2) = _both(run)
    _close(o1, o2)
    _close(m1, m2)
    for a, b in zip(g1, g2):
        _close(a, b, 1e-4)


def test_encoder_warns_as_torch_and_layers_print_as_torch():
    with pytest.warns(UserWarning, match="enable_nested_tensor is True, but self.use_nested_"
                                         "tensor is False because encoder_layer.self_attn."
                                         "batch_first was not True"):
        tg.nn.TransformerEncoder(tg.nn.TransformerEncoderLayer(8, 2, 16), 2)
    ours = repr(tg.nn.TransformerEncoderLayer(8, 2, 16))
    theirs = repr(torch.nn.TransformerEncoderLayer(8, 2, 16))
    assert ours == theirs


def test_bad_arguments_fail_as_torch():
    with pytest.raises(AssertionError, match="embed_dim must be divisible by num_heads"):
        tg.nn.MultiheadAttention(10, 3)
    model = tg.nn.Transformer(d_model=8, nhead=2, num_encoder_layers=1, num_decoder_layers=1,
                              dim_feedforward=16)
    with pytest.raises(RuntimeError, match="the batch number of src and tgt must be equal"):
        model(tg.randn(5, 2, 8), tg.randn(4, 3, 8))
