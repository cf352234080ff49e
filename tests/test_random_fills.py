"""In-place random fills (uniform_, normal_, bernoulli_, exponential_, ...): the draws follow
their distribution, keep the tensor's dtype and identity, and follow manual_seed."""
from __future__ import annotations

import numpy as np
import pytest

import tapegrad as tg

N = 20000


def _filled(name: str, *args, dtype=tg.float64) -> np.ndarray:
    x = tg.zeros(N, dtype=dtype)
    out = getattr(x, name)(*args)
    assert out is x and x.dtype is dtype
    return x.numpy()


def test_moments_match_the_distributions():
    assert abs(_filled("uniform_", 2.0, 4.0).mean() - 3.0) < 0.05
    assert abs(_filled("normal_", 1.0, 2.0).std() - 2.0) < 0.05
    b = _filled("bernoulli_", 0.3)
    assert set(np.unique(b)) <= {0.0, 1.0} and abs(b.mean() - 0.3) < 0.02
    assert abs(_filled("exponential_", 2.0).mean() - 0.5) < 0.02
    assert abs(np.log(_filled("log_normal_", 1.0, 0.5)).mean() - 1.0) < 0.02
    g = _filled("geometric_", 0.5)
    assert g.min() >= 1 and abs(g.mean() - 2.0) < 0.05
    assert abs(np.median(_filled("cauchy_", 3.0, 1.0)) - 3.0) < 0.05


def test_random_integers():
    r = _filled("random_", 2, 5, dtype=tg.int64)
    assert set(np.unique(r)) == {2, 3, 4}
    assert set(np.unique(_filled("random_", 3, dtype=tg.int64))) == {0, 1, 2}


def test_bernoulli_with_a_probability_tensor_and_the_seed():
    x = tg.zeros(3).bernoulli_(tg.tensor([0.0, 1.0, 0.0]))
    assert x.tolist() == [0.0, 1.0, 0.0]
    tg.manual_seed(5)
    first = tg.zeros(4).exponential_().tolist()
    tg.manual_seed(5)
    assert tg.zeros(4).exponential_().tolist() == first


def test_a_leaf_that_requires_grad_refuses():
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        tg.zeros(2, requires_grad=True).bernoulli_()
