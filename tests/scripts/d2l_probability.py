import torch
from torch.distributions import multinomial
fair_probs = torch.ones([6]) / 6
s = multinomial.Multinomial(1, fair_probs).sample()
print(s.shape, s.dtype, s.sum())
counts = multinomial.Multinomial(10, fair_probs).sample((5,))
print(counts.shape, counts.dtype, counts.sum(dim=1))
counts = multinomial.Multinomial(1000, fair_probs).sample()
print(((counts / 1000) - 1 / 6).abs().max() < 0.05)
print(torch.distributions.Normal(0.0, 1.0).log_prob(torch.tensor(0.5)))
