# Seeded draws from every random function, printed at full precision: tapegrad must print
# torch's numbers (the D2L 2.6 probability code with a seed, a makemore-style sampler, and
# torch's state bytes).
import torch
from torch.distributions import multinomial

torch.set_printoptions(precision=8)
torch.manual_seed(42)
print(torch.rand(3), torch.rand(2, 2, dtype=torch.float64))
print(torch.randn(5), torch.randn(17))
print(torch.randn(3, dtype=torch.float64))
print(torch.randint(0, 10, (6,)), torch.randint(-2**40, 2**40, (3,)), torch.randint(5, (4,), dtype=torch.int32))
print(torch.randperm(12))
print(torch.normal(2.0, 0.5, (4,)), torch.normal(torch.arange(4.0), torch.ones(4)))
print(torch.normal(torch.zeros(2, 1), 3.0), torch.normal(1.0, torch.full((20,), 2.0)))
print(torch.empty(4).uniform_(-2, 3), torch.empty(4).normal_(10, 0.1))
print(torch.empty(3).exponential_(2.0), torch.empty(3).geometric_(0.25))
print(torch.empty(3).log_normal_(0.0, 0.5), torch.empty(3).cauchy_(0.0, 2.0))
print(torch.empty(5, dtype=torch.int64).random_(), torch.empty(5).random_(3, 9))
p = torch.tensor([0.1, 0.6, 0.3])
print(torch.bernoulli(p.expand(2, 3)), torch.empty(6).bernoulli_(0.4))
print(torch.multinomial(p, 8, replacement=True), torch.multinomial(p, 2), torch.multinomial(p, 1))
print(torch.poisson(torch.tensor([0.5, 4.0, 25.0])))
print(torch.rand_like(p), torch.randn_like(p), torch.randint_like(p, 3, 7))

# D2L 2.6, seeded
torch.manual_seed(0)
fair_probs = torch.ones([6]) / 6
print(multinomial.Multinomial(1, fair_probs).sample())
print(multinomial.Multinomial(10, fair_probs).sample())
counts = multinomial.Multinomial(1000, fair_probs).sample()
print(counts / 1000)
counts = multinomial.Multinomial(10, fair_probs).sample((500,))
cum_counts = counts.cumsum(dim=0)
estimates = cum_counts / cum_counts.sum(dim=1, keepdims=True)
print(estimates[-1])

# makemore-style sampling with its own generator
g = torch.Generator().manual_seed(2147483647)
P = torch.rand(27, 27, generator=g)
P /= P.sum(1, keepdim=True)
out, ix = [], 0
while len(out) < 30:
    ix = torch.multinomial(P[ix], num_samples=1, replacement=True, generator=g).item()
    out.append(ix)
print(out, g.initial_seed())

state = torch.get_rng_state()
print(state.shape, state.dtype, state[:24].tolist(), int(state.sum()))
a = torch.randn(3)
torch.set_rng_state(state)
print(torch.equal(a, torch.randn(3)))
