"""torch's top-level forms of nn functions (``torch.conv2d``, ``torch.max_pool2d``,
``torch.dropout``, ``torch.embedding``, losses with enum reductions, ...) against real torch:
same signature, same values, same seeded draws."""
from __future__ import annotations

import numpy as np
import pytest

import tapegrad as tg

torch = pytest.importorskip("torch")

R = np.random.default_rng(3)
X4, W4 = R.standard_normal((2, 4, 7, 6)), R.standard_normal((6, 2, 3, 3))
X3, W3 = R.standard_normal((2, 4, 9)), R.standard_normal((4, 4, 2))
X5 = R.standard_normal((1, 2, 4, 5, 3))
A, B = R.standard_normal((5, 3)), R.standard_normal((5, 3))
S = np.where(R.random(5) < 0.5, -1.0, 1.0)

CALLS = {
    "conv1d": lambda L, t: L.conv1d(t(X3), t(W3), None, 2, 1),
    "conv2d": lambda L, t: L.conv2d(t(X4), t(W4), t(np.ones(6)), 1, 1, 1, 2),
    "conv3d": lambda L, t: L.conv3d(t(X5), t(R.standard_normal((3, 2, 2, 2, 2)))),
    "conv_transpose1d": lambda L, t: L.conv_transpose1d(t(X3), t(W3), None, 2, 0, 1),
    "conv_transpose2d": lambda L, t: L.conv_transpose2d(t(X4), t(R.standard_normal((4, 2, 3, 3))),
                                                        stride=2, padding=1),
    "conv_transpose3d": lambda L, t: L.conv_transpose3d(t(X5), t(R.standard_normal((2, 3, 2, 2, 2)))),
    "convolution": lambda L, t: L.convolution(t(X4), t(W4), None, [2, 1], [1, 0], [1, 1], False,
                                              [0, 0], 2),
    "convolution_transposed": lambda L, t: L.convolution(t(X4), t(R.standard_normal((4, 3, 3, 3))),
                                                         None, [2, 2], [1, 1], [1, 1], True,
                                                         [1, 0], 1),
    "avg_pool1d": lambda L, t: L.avg_pool1d(t(X3), 3, 2, 1, True, False),
    "max_pool1d": lambda L, t: L.max_pool1d(t(X3), 2),
    "max_pool2d": lambda L, t: L.max_pool2d(t(X4), [3, 2], [2, 1], 1, 1, True),
    "max_pool3d": lambda L, t: L.max_pool3d(t(X5), 2, padding=1),
    "embedding": lambda L, t: L.embedding(t(A), L.tensor([[0, 4], [2, 2]]), 2),
    "bilinear": lambda L, t: L.bilinear(t(A), t(B), t(R.standard_normal((4, 3, 3))), None),
    "group_norm": lambda L, t: L.group_norm(t(X4), 2, t(np.arange(4.0)), None, 1e-3),
    "instance_norm": lambda L, t: L.instance_norm(t(X4), None, None, None, None, True, 0.1,
                                                  1e-5, False),
    "pixel_shuffle": lambda L, t: L.pixel_shuffle(t(X4), 2),
    "pixel_unshuffle": lambda L, t: L.pixel_unshuffle(t(R.standard_normal((1, 2, 4, 6))), 2),
    "hinge_embedding_loss": lambda L, t: L.hinge_embedding_loss(t(A[:, 0]), t(S), 0.5, 0),
    "margin_ranking_loss": lambda L, t: L.margin_ranking_loss(t(A[:, 0]), t(B[:, 0]), t(S), 0.2, 2),
    "cosine_embedding_loss": lambda L, t: L.cosine_embedding_loss(t(A), t(B), t(S), 0.1, 1),
    "triplet_margin_loss": lambda L, t: L.triplet_margin_loss(t(A), t(B), t(A[::-1].copy()), 1.0,
                                                              2.0, 1e-6, True, 0),
    "poisson_nll_loss": lambda L, t: L.poisson_nll_loss(t(A), t(np.abs(B)), True, True, 1e-8, 1),
    "grid_sampler": lambda L, t: L.grid_sampler(t(X4), t(R.uniform(-1, 1, (2, 3, 3, 2))), 0, 1,
                                                False),
}


@pytest.mark.parametrize("name", list(CALLS))
def test_toplevel_form_matches_torch(name):
    results = []
    for lib in (tg, torch):
        def tensor(a, lib=lib):
            return lib.tensor(np.asarray(a), dtype=lib.float64, requires_grad=True)
        state = R.bit_generator.state
        out = CALLS[name](lib, tensor)
        R.bit_generator.state = state  # the other library sees the same random inputs
        results.append(out.detach().numpy())
    np.testing.assert_allclose(results[0], results[1], rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name", ["dropout", "alpha_dropout", "feature_dropout",
                                  "feature_alpha_dropout"])
@pytest.mark.parametrize("train", [True, False])
def test_toplevel_dropouts_draw_torch_masks(name, train):
    outs = []
    for lib in (tg, torch):
        lib.manual_seed(5)
        x = lib.tensor(X4, dtype=lib.float32)
        outs.append(getattr(lib, name)(x, 0.4, train).numpy())
        y = lib.tensor(X4, dtype=lib.float32)
        getattr(lib, name + "_")(y, 0.4, train)
        outs.append(y.numpy())
    np.testing.assert_array_equal(outs[0], outs[2])
    np.testing.assert_array_equal(outs[1], outs[3])


def test_torch_dropout_needs_train_positionally():
    with pytest.raises(TypeError):
        tg.dropout(tg.ones(3), 0.5)
