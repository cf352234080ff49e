"""Tests for tapegrad.distributions: statistics, shapes, closed-form log_prob, gradients."""
import math

import numpy as np
import pytest

import tapegrad as torch
from tapegrad import distributions as D
from tapegrad.distributions import multinomial

N = 20000


def _np(t):
    return np.asarray(t._data, dtype=np.float64)


def test_d2l_multinomial_example():
    torch.manual_seed(0)
    s = multinomial.Multinomial(10, torch.ones([6]) / 6).sample((5,))
    assert tuple(s.shape) == (5, 6)
    assert s.dtype == torch.float32
    assert np.all(_np(s).sum(1) == 10)
    assert np.all(_np(s) >= 0) and np.all(_np(s) == np.round(_np(s)))


def test_exports_and_docstrings():
    for name in ["Distribution", "Multinomial", "Categorical", "Bernoulli", "Binomial", "Normal",
                 "Uniform", "Exponential", "Gamma", "Beta"]:
        cls = getattr(D, name)
        assert cls.__doc__ and len(cls.__doc__) > 80
    for word in ("total_count", "probs", "logits"):
        assert word in D.Multinomial.__doc__


@pytest.mark.parametrize("make", [
    lambda: D.Normal(torch.tensor([0.0, 1.0]), torch.tensor([1.0, 2.0])),
    lambda: D.Uniform(torch.tensor([0.0, -1.0]), torch.tensor([1.0, 3.0])),
    lambda: D.Exponential(torch.tensor([0.5, 2.0])),
    lambda: D.Bernoulli(torch.tensor([0.2, 0.7])),
    lambda: D.Binomial(5, torch.tensor([0.2, 0.7])),
    lambda: D.Categorical(torch.tensor([[0.2, 0.8], [0.5, 0.5]])),
    lambda: D.Multinomial(4, torch.tensor([[0.2, 0.8], [0.5, 0.5]])),
    lambda: D.Gamma(torch.tensor([0.5, 2.0]), torch.tensor(3.0)),
    lambda: D.Beta(torch.tensor([0.5, 2.0]), torch.tensor([1.0, 4.0])),
])
def test_reproducible_and_shapes(make):
    d = make()
    torch.manual_seed(123)
    a = d.sample((3, 4))
    torch.manual_seed(123)
    b = d.sample((3, 4))
    assert np.array_equal(a._data, b._data)
    assert tuple(a.shape) == (3, 4) + tuple(d.batch_shape) + tuple(d.event_shape)
    assert tuple(d.sample().shape) == tuple(d.batch_shape) + tuple(d.event_shape)
    assert not a.requires_grad


def test_batch_event_shapes():
    assert tuple(D.Normal(0.0, 1.0).batch_shape) == ()
    assert tuple(D.Normal(torch.zeros(3), 1.0).batch_shape) == (3,)
    m = D.Multinomial(3, torch.ones(2, 5))
    assert tuple(m.batch_shape) == (2,) and tuple(m.event_shape) == (5,)
    c = D.Categorical(logits=torch.zeros(2, 5))
    assert tuple(c.batch_shape) == (2,) and tuple(c.event_shape) == ()
    assert D.Categorical(torch.ones(4)).sample((7,)).dtype == torch.int64
    for d in [D.Normal(0.0, 1.0), D.Uniform(0.0, 1.0), D.Exponential(1.0), D.Bernoulli(0.5),
              D.Binomial(3, 0.5)]:
        assert d.sample((2,)).dtype == torch.float32


def _check_moments(samples, mean, var, k=5.0):
    x = _np(samples)
    n = x.shape[0]
    se_mean = np.sqrt(var / n)
    assert np.all(np.abs(x.mean(0) - mean) <= k * se_mean + 1e-9), (x.mean(0), mean)
    # variance of the sample variance is ~ 2 var^2 / n for near-normal data; be generous
    assert np.all(np.abs(x.var(0) - var) <= k * np.sqrt(4 * var ** 2 / n) + 1e-3 * var + 1e-9)


def test_sample_statistics():
    torch.manual_seed(0)
    loc, scale = np.array([0.0, 3.0]), np.array([1.0, 0.5])
    _check_moments(D.Normal(torch.tensor(loc), torch.tensor(scale)).sample((N,)), loc, scale ** 2)
    lo, hi = np.array([0.0, -2.0]), np.array([1.0, 4.0])
    _check_moments(D.Uniform(torch.tensor(lo), torch.tensor(hi)).sample((N,)), (lo + hi) / 2,
                   (hi - lo) ** 2 / 12)
    rate = np.array([0.5, 3.0])
    _check_moments(D.Exponential(torch.tensor(rate)).sample((N,)), 1 / rate, 1 / rate ** 2, k=6)
    p = np.array([0.1, 0.5, 0.9])
    _check_moments(D.Bernoulli(torch.tensor(p)).sample((N,)), p, p * (1 - p))
    _check_moments(D.Binomial(8, torch.tensor(p)).sample((N,)), 8 * p, 8 * p * (1 - p))
    q = np.array([0.1, 0.2, 0.3, 0.4])
    counts = D.Multinomial(10, torch.tensor(q)).sample((N,))
    _check_moments(counts, 10 * q, 10 * q * (1 - q))
    cat = _np(D.Categorical(torch.tensor(q * 7)).sample((N,)))   # unnormalised weights
    freq = np.bincount(cat.astype(int), minlength=4) / N
    assert np.all(np.abs(freq - q) < 5 * np.sqrt(q * (1 - q) / N))


def test_distribution_properties_closed_form():
    d = D.Normal(torch.tensor([1.0]), torch.tensor([2.0]))
    assert np.allclose(_np(d.mean), 1.0) and np.allclose(_np(d.variance), 4.0)
    assert np.allclose(_np(d.stddev), 2.0)
    assert np.allclose(_np(d.entropy()), 0.5 + 0.5 * math.log(2 * math.pi) + math.log(2.0))
    u = D.Uniform(torch.tensor(1.0), torch.tensor(4.0))
    assert np.allclose(_np(u.entropy()), math.log(3.0)) and np.allclose(_np(u.variance), 0.75)
    e = D.Exponential(torch.tensor(4.0))
    assert np.allclose(_np(e.mean), 0.25) and np.allclose(_np(e.entropy()), 1 - math.log(4.0))
    b = D.Bernoulli(torch.tensor(0.3))
    assert np.allclose(_np(b.entropy()), -(0.3 * math.log(0.3) + 0.7 * math.log(0.7)), atol=1e-6)
    c = D.Categorical(torch.tensor([0.2, 0.3, 0.5]))
    assert np.allclose(_np(c.entropy()), -sum(p * math.log(p) for p in (0.2, 0.3, 0.5)))
    bi = D.Binomial(4, torch.tensor(0.3))
    pmf = [math.comb(4, k) * 0.3 ** k * 0.7 ** (4 - k) for k in range(5)]
    assert np.allclose(_np(bi.entropy()), -sum(p * math.log(p) for p in pmf), atol=1e-5)
    m = D.Multinomial(6, torch.tensor([0.2, 0.3, 0.5]))
    assert np.allclose(_np(m.mean), [1.2, 1.8, 3.0]) and np.allclose(_np(m.variance),
                                                                     [0.96, 1.26, 1.5])


def test_log_prob_closed_forms():
    x = np.array([-1.0, 0.5, 2.0])
    lp = D.Normal(torch.tensor(0.5), torch.tensor(1.5)).log_prob(torch.tensor(x))
    want = -(x - 0.5) ** 2 / (2 * 1.5 ** 2) - math.log(1.5) - 0.5 * math.log(2 * math.pi)
    assert np.allclose(_np(lp), want, atol=1e-5)
    assert np.allclose(_np(D.Uniform(0.0, 4.0).log_prob(torch.tensor([0.0, 3.9]))), -math.log(4))
    lp = D.Exponential(torch.tensor(2.0)).log_prob(torch.tensor([0.0, 1.5]))
    assert np.allclose(_np(lp), [math.log(2), math.log(2) - 3.0])
    lp = D.Bernoulli(torch.tensor([0.3, 0.3])).log_prob(torch.tensor([1.0, 0.0]))
    assert np.allclose(_np(lp), [math.log(0.3), math.log(0.7)], atol=1e-6)
    lp = D.Bernoulli(logits=torch.tensor(0.0)).log_prob(torch.tensor(1.0))
    assert np.allclose(_np(lp), math.log(0.5))
    lp = D.Categorical(torch.tensor([1.0, 3.0])).log_prob(torch.tensor([0, 1, 1]))
    assert np.allclose(_np(lp), np.log([0.25, 0.75, 0.75]))
    lp = D.Binomial(6, torch.tensor(0.4)).log_prob(torch.tensor([0.0, 2.0, 6.0]))
    want = [math.log(math.comb(6, k) * 0.4 ** k * 0.6 ** (6 - k)) for k in (0, 2, 6)]
    assert np.allclose(_np(lp), want, atol=1e-5)
    q = [0.2, 0.3, 0.5]
    lp = D.Multinomial(5, torch.tensor(q)).log_prob(torch.tensor([1.0, 0.0, 4.0]))
    want = math.log(math.factorial(5) / (1 * 1 * math.factorial(4)) * 0.2 * 0.5 ** 4)
    assert np.allclose(_np(lp), want, atol=1e-5)
    # impossible category with zero count contributes nothing (no nan)
    lp = D.Multinomial(2, torch.tensor([0.0, 1.0])).log_prob(torch.tensor([0.0, 2.0]))
    assert np.allclose(_np(lp), 0.0, atol=1e-6)


def test_gradients_of_log_prob():
    loc = torch.tensor(0.3, requires_grad=True)
    scale = torch.tensor(1.7, requires_grad=True)
    x = 1.2
    D.Normal(loc, scale).log_prob(torch.tensor(x)).backward()
    assert np.allclose(loc.grad._data, (x - 0.3) / 1.7 ** 2)
    assert np.allclose(scale.grad._data, -1 / 1.7 + (x - 0.3) ** 2 / 1.7 ** 3)

    rate = torch.tensor(2.5, requires_grad=True)
    D.Exponential(rate).log_prob(torch.tensor(0.8)).backward()
    assert np.allclose(rate.grad._data, 1 / 2.5 - 0.8)

    p = torch.tensor([0.3, 0.6], requires_grad=True)
    D.Bernoulli(p).log_prob(torch.tensor([1.0, 0.0])).sum().backward()
    assert np.allclose(p.grad._data, [1 / 0.3, -1 / 0.4], rtol=1e-4)

    p = torch.tensor(0.4, requires_grad=True)
    D.Binomial(6, p).log_prob(torch.tensor(2.0)).backward()
    assert np.allclose(p.grad._data, 2 / 0.4 - 4 / 0.6, rtol=1e-4)

    logits = torch.tensor([0.1, -0.4, 0.8], requires_grad=True)
    D.Categorical(logits=logits).log_prob(torch.tensor(2)).backward()
    sm = np.exp([0.1, -0.4, 0.8]) / np.exp([0.1, -0.4, 0.8]).sum()
    assert np.allclose(logits.grad._data, np.eye(3)[2] - sm, atol=1e-6)

    logits = torch.tensor([0.1, -0.4, 0.8], requires_grad=True)
    counts = np.array([2.0, 1.0, 3.0])
    D.Multinomial(6, logits=logits).log_prob(torch.tensor(counts)).backward()
    assert np.allclose(logits.grad._data, counts - 6 * sm, atol=1e-5)

    low = torch.tensor(0.0, requires_grad=True)
    high = torch.tensor(4.0, requires_grad=True)
    D.Uniform(low, high).log_prob(torch.tensor(1.0)).backward()
    assert np.allclose(low.grad._data, 0.25) and np.allclose(high.grad._data, -0.25)


def test_rsample_gradients():
    loc = torch.tensor([1.0, -2.0], requires_grad=True)
    scale = torch.tensor([0.5, 2.0], requires_grad=True)
    torch.manual_seed(1)
    s = D.Normal(loc, scale).rsample((10,))
    assert s.requires_grad
    s.sum().backward()
    eps = (_np(s.detach()) - np.array([1.0, -2.0])) / np.array([0.5, 2.0])
    assert np.allclose(loc.grad._data, 10.0)
    assert np.allclose(scale.grad._data, eps.sum(0), atol=1e-4)

    low = torch.tensor(1.0, requires_grad=True)
    high = torch.tensor(3.0, requires_grad=True)
    s = D.Uniform(low, high).rsample((7,))
    s.sum().backward()
    u = (_np(s.detach()) - 1.0) / 2.0
    assert np.allclose(high.grad._data, u.sum(), atol=1e-5)
    assert np.allclose(low.grad._data, (1 - u).sum(), atol=1e-5)

    rate = torch.tensor(2.0, requires_grad=True)
    s = D.Exponential(rate).rsample((5,))
    s.sum().backward()
    assert np.allclose(rate.grad._data, -_np(s.detach()).sum() / 2.0, atol=1e-5)

    # sample() stays outside the graph
    assert not D.Normal(loc, scale).sample().requires_grad
    with pytest.raises(NotImplementedError):
        D.Bernoulli(0.5).rsample()


@pytest.mark.parametrize("make", [
    lambda: D.Normal(0.0, -1.0),
    lambda: D.Normal(torch.zeros(2), torch.tensor([1.0, 0.0])),
    lambda: D.Uniform(2.0, 1.0),
    lambda: D.Exponential(torch.tensor([-1.0])),
    lambda: D.Bernoulli(torch.tensor(1.5)),
    lambda: D.Bernoulli(),
    lambda: D.Bernoulli(probs=0.5, logits=0.0),
    lambda: D.Categorical(torch.tensor([-1.0, 2.0])),
    lambda: D.Categorical(),
    lambda: D.Binomial(-2, torch.tensor(0.5)),
    lambda: D.Multinomial(3, torch.tensor([-0.5, 1.5])),
    lambda: D.Normal(0.0, 1.0).log_prob(torch.tensor(float("nan"))),
    lambda: D.Exponential(1.0).log_prob(torch.tensor(-0.5)),
    lambda: D.Bernoulli(0.5).log_prob(torch.tensor(0.5)),
    lambda: D.Categorical(torch.ones(3)).log_prob(torch.tensor(3)),
    lambda: D.Binomial(3, torch.tensor(0.5)).log_prob(torch.tensor(4.0)),
    lambda: D.Gamma(torch.tensor(-1.0), 1.0),
    lambda: D.Gamma(1.0, torch.tensor([1.0, 0.0])),
    lambda: D.Beta(0.0, 1.0),
    lambda: D.Beta(torch.tensor([1.0]), torch.tensor([-2.0])),
    lambda: D.Gamma(2.0, 1.0).log_prob(torch.tensor(-0.5)),
    lambda: D.Beta(2.0, 2.0).log_prob(torch.tensor(1.5)),
])
def test_validation_errors(make):
    with pytest.raises(ValueError):
        make()


def test_validate_args_false_skips_checks():
    D.Normal(0.0, -1.0, validate_args=False)
    assert np.isnan(_np(D.Uniform(0.0, 1.0, validate_args=False).log_prob(
        torch.tensor(2.0)))) or np.isinf(_np(D.Uniform(0.0, 1.0, validate_args=False).log_prob(
            torch.tensor(2.0))))


# -- Gamma and Beta ----------------------------------------------------------------------------
def _check_mean_var(samples, mean, var, k=5.0):
    """Sample mean and variance within ``k`` standard errors, estimated from the draws."""
    x = _np(samples)
    n = x.shape[0]
    assert np.all(np.abs(x.mean(0) - mean) <= k * np.sqrt(var / n)), (x.mean(0), mean)
    m4 = ((x - x.mean(0)) ** 4).mean(0)
    se_var = np.sqrt(np.maximum(m4 - x.var(0) ** 2, 0) / n)
    assert np.all(np.abs(x.var(0) - var) <= k * se_var), (x.var(0), var)


def test_gamma_beta_sample_statistics():
    torch.manual_seed(0)
    c, r = np.array([0.3, 1.0, 4.0]), np.array([2.0, 0.5, 1.0])
    _check_mean_var(D.Gamma(torch.tensor(c), torch.tensor(r)).sample((N,)), c / r, c / r ** 2)
    c1, c0 = np.array([0.5, 2.0, 5.0]), np.array([0.5, 3.0, 1.0])
    t = c1 + c0
    s = D.Beta(torch.tensor(c1), torch.tensor(c0)).sample((N,))
    assert np.all((_np(s) > 0) & (_np(s) < 1))
    _check_mean_var(s, c1 / t, c1 * c0 / (t ** 2 * (t + 1)))


def test_gamma_beta_properties_and_closed_forms():
    g = D.Gamma(torch.tensor([0.5, 3.0]), torch.tensor(2.0))
    assert np.allclose(_np(g.mean), [0.25, 1.5]) and np.allclose(_np(g.variance), [0.125, 0.75])
    assert np.allclose(_np(g.mode), [0.0, 1.0])
    assert tuple(D.Gamma(2.0, 1.0).batch_shape) == () and tuple(g.batch_shape) == (2,)
    b = D.Beta(torch.tensor(3.0), torch.tensor(2.0))
    assert np.allclose(_np(b.mean), 0.6) and np.allclose(_np(b.variance), 6 / 150)
    assert np.allclose(_np(b.mode), 2 / 3)
    c = torch.tensor([0.4, 0.5, 2.0, 1.0, 0.5])
    assert np.allclose(_np(D.Beta(c, torch.tensor([0.7, 2.0, 0.5, 1.0, 1.0])).mode),
                       [1.0, 0.0, 1.0, np.nan, np.nan], equal_nan=True)
    assert tuple(D.Beta(2.0, 1.0).batch_shape) == () and tuple(b.event_shape) == ()

    x = np.array([0.1, 1.0, 4.5])
    lp = D.Gamma(torch.tensor(3.0), torch.tensor(2.0)).log_prob(torch.tensor(x))
    want = 3 * math.log(2.0) + 2 * np.log(x) - 2 * x - math.lgamma(3.0)
    assert np.allclose(_np(lp), want, atol=1e-5)
    x = np.array([0.05, 0.5, 0.9])
    lp = D.Beta(torch.tensor(2.5), torch.tensor(0.5)).log_prob(torch.tensor(x))
    want = 1.5 * np.log(x) - 0.5 * np.log1p(-x) - (math.lgamma(2.5) + math.lgamma(0.5)
                                                   - math.lgamma(3.0))
    assert np.allclose(_np(lp), want, atol=1e-5)

    # entropy against -integral f log f by the trapezoidal rule on a fine grid
    def entropy_by_quadrature(d, lo, hi):
        grid = np.linspace(lo, hi, 400001)
        lp = _np(d.log_prob(torch.tensor(grid)))
        f = np.exp(lp)
        return -np.trapezoid(f * lp, grid)
    g = D.Gamma(torch.tensor(3.0, dtype=torch.float64), torch.tensor(2.0, dtype=torch.float64))
    assert np.allclose(_np(g.entropy()), entropy_by_quadrature(g, 1e-12, 40.0), atol=1e-6)
    b = D.Beta(torch.tensor(2.5, dtype=torch.float64), torch.tensor(1.5, dtype=torch.float64))
    assert np.allclose(_np(b.entropy()), entropy_by_quadrature(b, 1e-12, 1 - 1e-12), atol=1e-6)


def test_gamma_beta_against_torch():
    real = pytest.importorskip("torch")
    c, r, x = [0.4, 2.0, 7.5], [1.5, 0.3, 2.0], [0.2, 3.0, 5.0]
    ours, theirs = D.Gamma(torch.tensor(c), torch.tensor(r)), real.distributions.Gamma(
        real.tensor(c), real.tensor(r))
    assert np.allclose(_np(ours.log_prob(torch.tensor(x))),
                       theirs.log_prob(real.tensor(x)).numpy(), atol=1e-5)
    assert np.allclose(_np(ours.entropy()), theirs.entropy().numpy(), atol=1e-5)
    c0, x = [0.7, 4.0, 1.0], [0.3, 0.5, 0.99]
    ours, theirs = D.Beta(torch.tensor(c), torch.tensor(c0)), real.distributions.Beta(
        real.tensor(c), real.tensor(c0))
    assert np.allclose(_np(ours.log_prob(torch.tensor(x))),
                       theirs.log_prob(real.tensor(x)).numpy(), atol=1e-5)
    assert np.allclose(_np(ours.entropy()), theirs.entropy().numpy(), atol=1e-5)
    assert np.allclose(_np(ours.mode), theirs.mode.numpy(), equal_nan=True)
    # torch's dx/dalpha is an approximation good to ~1e-3 relative; ours is far tighter
    from tapegrad.distributions.gamma import _standard_gamma_grad
    rng = np.random.default_rng(0)
    for a in [0.5, 1.0, 3.0, 20.0, 500.0]:
        draws = rng.standard_gamma(a, 200)
        want = real._standard_gamma_grad(real.tensor(np.full(200, a)), real.tensor(draws))
        assert np.allclose(_standard_gamma_grad(np.full(200, a), draws), want.numpy(),
                           rtol=2e-3)


def test_standard_gamma_grad_is_accurate():
    """dx/dalpha = -(dP/dalpha)(x; alpha) / f(x; alpha) against 40-digit arithmetic."""
    mp = pytest.importorskip("mpmath")
    from tapegrad.distributions.gamma import _standard_gamma_grad
    mp.mp.dps = 40
    rng = np.random.default_rng(1)
    for a in [1e-3, 0.1, 1.0, 2.5, 30.0, 1e4]:
        xs = np.maximum(np.concatenate([rng.standard_gamma(a, 3), [a * 0.999, a * 1.001]]),
                        1e-300)
        got = _standard_gamma_grad(np.full_like(xs, a), xs)
        for x, g in zip(xs, got):
            am, xm = mp.mpf(a), mp.mpf(float(x))
            dp = mp.diff(lambda t: mp.gammainc(t, 0, xm, regularized=True), am)
            want = -dp / (xm ** (am - 1) * mp.exp(-xm) / mp.gamma(am))
            assert abs(g - float(want)) <= 1e-10 * abs(float(want)), (a, x, g, want)


def test_gamma_beta_rsample_gradients():
    torch.manual_seed(2)
    n = 4000
    for a in [0.3, 2.0, 15.0]:
        # E[x] = a and E[x^2] = a (a + 1) for Gamma(a, 1): the per-draw pathwise derivatives
        # average to d/da of those, 1 and 2a + 1
        conc = torch.full((n,), a, dtype=torch.float64, requires_grad=True)
        x = D.Gamma(conc, 1.0).rsample()
        (x + x * x.detach()).sum().backward()   # d/da (x + x^2 / 2), per draw
        per_draw = conc.grad._data
        want = 1 + (2 * a + 1) / 2
        assert abs(per_draw.mean() - want) <= 5 * per_draw.std() / np.sqrt(n), (a, per_draw.mean())
    rate = torch.tensor(2.0, requires_grad=True)
    s = D.Gamma(torch.tensor(3.0), rate).rsample((6,))
    s.sum().backward()
    assert np.allclose(rate.grad._data, -_np(s.detach()).sum() / 2.0, rtol=1e-5)
    # Beta: E[x] = c1 / (c1 + c0), so the mean pathwise derivative is c0 / (c1 + c0)^2
    c1 = torch.full((n,), 2.0, dtype=torch.float64, requires_grad=True)
    D.Beta(c1, torch.tensor(3.0, dtype=torch.float64)).rsample().sum().backward()
    g = c1.grad._data
    assert abs(g.mean() - 3.0 / 25) <= 5 * g.std() / np.sqrt(n)
    assert not D.Gamma(conc, 1.0).sample().requires_grad
    assert not D.Beta(c1, 1.0).sample().requires_grad


def test_gamma_beta_log_prob_gradients_match_finite_differences():
    def fd_check(make, params, value, h=1e-6):
        ts = [torch.tensor(p, dtype=torch.float64, requires_grad=True) for p in params]
        make(*ts).log_prob(torch.tensor(value, dtype=torch.float64)).backward()
        for i in range(len(params)):
            up, down = list(params), list(params)
            up[i] += h
            down[i] -= h
            lp = [float(_np(make(*[torch.tensor(p, dtype=torch.float64) for p in ps]).log_prob(
                torch.tensor(value, dtype=torch.float64)))) for ps in (up, down)]
            assert np.isclose(float(ts[i].grad._data), (lp[0] - lp[1]) / (2 * h), rtol=1e-6,
                              atol=1e-7)
    fd_check(D.Gamma, [0.7, 1.3], 2.2)
    fd_check(D.Gamma, [5.0, 0.4], 0.3)
    fd_check(D.Beta, [0.6, 2.5], 0.35)
    fd_check(D.Beta, [4.0, 1.5], 0.9)
