"""topk with tied values returns torch's indices (the order its libstdc++ partial sorts leave),
in both of torch's branches (partial sort when 64 k <= n, nth_element otherwise), with NaNs,
largest and smallest, sorted or not; multinomial without replacement inherits it."""
from __future__ import annotations

import numpy as np
import pytest

import tapegrad as tg

torch = pytest.importorskip("torch")


@pytest.mark.parametrize("seed", range(6))
def test_topk_ties_match_torch(seed):
    rng = np.random.default_rng(seed)
    for _ in range(60):
        shape = tuple(int(s) for s in rng.integers(1, 150, int(rng.integers(1, 3))))
        x = rng.integers(0, int(rng.integers(1, 5)), shape).astype(np.float32)
        if rng.random() < 0.2:
            x.ravel()[rng.integers(0, x.size, 2)] = np.nan
        dim = int(rng.integers(0, len(shape)))
        k = int(rng.integers(0, shape[dim] + 1))
        largest, ordered = bool(rng.random() < 0.7), bool(rng.random() < 0.8)
        theirs = torch.topk(torch.from_numpy(x), k, dim=dim, largest=largest, sorted=ordered)
        ours = tg.topk(tg.tensor(x), k, dim=dim, largest=largest, sorted=ordered)
        np.testing.assert_array_equal(ours.indices.numpy(), theirs.indices.numpy())
        np.testing.assert_array_equal(ours.values.numpy(), theirs.values.numpy())


@pytest.mark.parametrize("probs, n", [([0.5, 0, 0.5, 0, 0, 0], 5), ([1.0] + [0.0] * 40, 5),
                                      ([0.0, 0.0, 0.0, 0.0, 0.0, 1.0], 4)])
def test_multinomial_picks_zero_probability_categories_in_torchs_order(probs, n):
    for m in (tg, torch):
        m.manual_seed(0)
    ours = tg.multinomial(tg.tensor(probs), n)
    theirs = torch.multinomial(torch.tensor(probs), n)
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
