"""torch's CPU random number streams: the generator, its kernels and the random functions."""
from .generator import (Generator, default_generator, get_rng_state, initial_seed, manual_seed,
                        seed, set_rng_state)
from .functions import (_sample_dirichlet, _standard_gamma, bernoulli, binomial, multinomial,
                        normal, poisson, rand, rand_like, randint, randint_like, randn, randn_like,
                        randperm)

__all__ = ["Generator", "default_generator", "get_rng_state", "initial_seed", "manual_seed",
           "seed", "set_rng_state", "bernoulli", "binomial", "multinomial", "normal", "poisson", "rand",
           "rand_like", "randint", "randint_like", "randn", "randn_like", "randperm"]
