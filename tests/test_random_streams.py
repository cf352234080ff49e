"""tapegrad's random numbers against torch's CPU generator, bit for bit.

torch draws every random value on the CPU from one mt19937 stream per generator. tapegrad must
give the values torch gives *and* take as many 32-bit words from the stream, so that a program
mixing calls sees torch's numbers throughout: every draw below is followed by a normal and two
uniforms, which come out wrong if a draw took too many or too few words or mishandled torch's
cached normal (small normal draws make Box-Muller pairs and keep the spare value for the next
one). The generator's state is torch's 5056 bytes, byte for byte.

Uniform draws, integers and booleans must be identical. Values that pass through log, sin,
cos, tan or exp may differ from torch's by 2 ULP (libm against NumPy). The parameters of the
normal, log-normal and Cauchy draws keep the result away from cancellation (a mean far from 0 for
its std), where a 1-ULP difference before the final addition would become many ULP after it.
"""
from __future__ import annotations

import itertools
import warnings

import numpy as np
import pytest

import tapegrad as tg

torch = pytest.importorskip("torch")

EXACT, TRANSCENDENTAL = 0, 2  # the ULP tolerances
SEEDS = (0, 1, 42, 3407)
SIZES = (1, 3, 15, 16, 17, 100, 1000, (3, 7), (4, 16))
FLOATS = ("float32", "float64", "float16")


# -- comparing the two libraries ------------------------------------------------------------------
def _np(x) -> np.ndarray:
    """A result of either library (a tensor, or a Python number) as a NumPy array."""
    return np.asarray(x.numpy()) if hasattr(x, "numpy") else np.asarray(x)


def _assert_same(ours, theirs, maxulp: int = EXACT, what: str = "the draw") -> None:
    """Same dtype and shape; equal values, or floats within ``maxulp`` units in the last place."""
    a, b = _np(ours), _np(theirs)
    assert (a.dtype, a.shape) == (b.dtype, b.shape), \
        f"{what}: {a.dtype}{a.shape}, torch {b.dtype}{b.shape}"
    if maxulp and a.dtype.kind == "f":
        np.testing.assert_array_max_ulp(a, b, maxulp=maxulp)
    else:
        np.testing.assert_array_equal(a, b, err_msg=what)


def _seeded(draw, seed: int = 0) -> tuple:
    """``draw(module)`` after ``manual_seed(seed)``, in tapegrad and in torch."""
    results = []
    for m in (tg, torch):
        m.manual_seed(seed)
        results.append(draw(m))
    return tuple(results)


def _check_stream(draw, seed: int, maxulp: int) -> None:
    """The draw, and the normal and uniforms drawn after it, equal torch's."""
    def and_next(m):
        return draw(m), m.randn(1, dtype=m.float64), m.rand(2, dtype=m.float64)

    (ours, our_normal, our_uniform), (theirs, their_normal, their_uniform) = _seeded(and_next, seed)
    _assert_same(ours, theirs, maxulp)
    _assert_same(our_normal, their_normal, TRANSCENDENTAL, "the next normal (a cached one first)")
    _assert_same(our_uniform, their_uniform, EXACT, "the next uniforms (words used by the draw)")


def _raised(call):
    """(exception type, message) of what ``call()`` raises, or None when it returns."""
    try:
        call()
    except Exception as e:  # noqa: BLE001 - any exception is compared with torch's
        return type(e), str(e)
    return None


def _shape(size) -> tuple:
    return size if isinstance(size, tuple) else (size,)


def _filled(m, size, values, dtype):
    """A tensor of ``size`` cycling through ``values`` (the same numbers in both libraries)."""
    return m.tensor(np.resize(np.asarray(values, np.float64), _shape(size)).tolist(), dtype=dtype)


def _probabilities(m, size, dtype):
    n = int(np.prod(_shape(size)))
    return _filled(m, size, np.linspace(0.0, 1.0, n), dtype)


RATES = (0.0, 0.5, 3.0, 9.9, 10.0, 12.5, 100.0, 1e4)  # Poisson: below 10, 10 and above, and 0
MEANS, STDS = (5.0, -6.0, 8.0, -10.0, 7.0), (0.5, 1.0, 0.25, 0.75)


def _quietly(call):
    with warnings.catch_warnings():  # float randint beyond 2**24 warns in torch
        warnings.simplefilter("ignore")
        return call()


# -- 2. value parity: float draws, over sizes, dtypes and seeds -----------------------------------
# name: (draw(m, size, dtype, generator), ULP tolerance)
FLOAT_DRAWS = {
    "rand": (lambda m, n, dt, g: m.rand(n, dtype=dt, generator=g), EXACT),
    "randn": (lambda m, n, dt, g: m.randn(n, dtype=dt, generator=g), TRANSCENDENTAL),
    "rand_like": (lambda m, n, dt, g: m.rand_like(m.zeros(n, dtype=dt), generator=g), EXACT),
    "randn_like": (lambda m, n, dt, g: m.randn_like(m.zeros(n, dtype=dt), generator=g),
                   TRANSCENDENTAL),
    "normal(float,float,size)": (lambda m, n, dt, g: m.normal(-4.0, 0.5, _shape(n), dtype=dt,
                                                               generator=g), TRANSCENDENTAL),
    "normal(tensor,tensor)": (lambda m, n, dt, g: m.normal(_filled(m, n, MEANS, dt),
                                                           _filled(m, n, STDS, dt), generator=g),
                              TRANSCENDENTAL),
    "normal(tensor,float)": (lambda m, n, dt, g: m.normal(_filled(m, n, MEANS, dt), 0.5,
                                                          generator=g), TRANSCENDENTAL),
    "normal(float,tensor)": (lambda m, n, dt, g: m.normal(9.0, _filled(m, n, STDS, dt),
                                                          generator=g), TRANSCENDENTAL),
    "normal_": (lambda m, n, dt, g: m.zeros(n, dtype=dt).normal_(5.0, 0.5, generator=g),
                TRANSCENDENTAL),
    "uniform_(-2,5)": (lambda m, n, dt, g: m.zeros(n, dtype=dt).uniform_(-2.0, 5.0, generator=g),
                       EXACT),
    "uniform_(0.1,0.7)": (lambda m, n, dt, g: m.zeros(n, dtype=dt).uniform_(0.1, 0.7, generator=g),
                          EXACT),
    "exponential_": (lambda m, n, dt, g: m.zeros(n, dtype=dt).exponential_(1.5, generator=g),
                     TRANSCENDENTAL),
    "geometric_": (lambda m, n, dt, g: m.zeros(n, dtype=dt).geometric_(0.3, generator=g), EXACT),
    "log_normal_": (lambda m, n, dt, g: m.zeros(n, dtype=dt).log_normal_(0.5, 0.25, generator=g),
                    TRANSCENDENTAL),
    "cauchy_": (lambda m, n, dt, g: m.zeros(n, dtype=dt).cauchy_(0.0, 2.0, generator=g),
                TRANSCENDENTAL),
    "random_": (lambda m, n, dt, g: m.zeros(n, dtype=dt).random_(generator=g), EXACT),
    "random_(to)": (lambda m, n, dt, g: m.zeros(n, dtype=dt).random_(100, generator=g), EXACT),
    "random_(from,to)": (lambda m, n, dt, g: m.zeros(n, dtype=dt).random_(-50, 50, generator=g),
                         EXACT),
    "bernoulli(p)": (lambda m, n, dt, g: m.bernoulli(_probabilities(m, n, dt), generator=g), EXACT),
    "bernoulli(x,p=0.3)": (lambda m, n, dt, g: m.bernoulli(m.zeros(n, dtype=dt), p=0.3,
                                                           generator=g), EXACT),
    "bernoulli_(0.5)": (lambda m, n, dt, g: m.zeros(n, dtype=dt).bernoulli_(0.5, generator=g),
                        EXACT),
    "bernoulli_(tensor p)": (lambda m, n, dt, g: m.zeros(n, dtype=dt).bernoulli_(
        _probabilities(m, n, dt), generator=g), EXACT),
    "Tensor.bernoulli": (lambda m, n, dt, g: _probabilities(m, n, dt).bernoulli(generator=g),
                         EXACT),
    "poisson": (lambda m, n, dt, g: m.poisson(_filled(m, n, RATES, dt), generator=g), EXACT),
}

# every size with every dtype; the seeds take turns, so each draw meets all of them
FLOAT_GRID = [pytest.param(size, dtype, SEEDS[i % len(SEEDS)],
                           id=f"{size}-{dtype}-seed{SEEDS[i % len(SEEDS)]}".replace(" ", ""))
              for i, (size, dtype) in enumerate(itertools.product(SIZES, FLOATS))]


@pytest.mark.parametrize("size,dtype,seed", FLOAT_GRID)
@pytest.mark.parametrize("name", FLOAT_DRAWS)
def test_float_draws_match_torch(name, size, dtype, seed):
    draw, maxulp = FLOAT_DRAWS[name]
    _check_stream(lambda m: draw(m, size, getattr(m, dtype), None), seed, maxulp)


# -- 2. value parity: integers, booleans and other exact draws ------------------------------------
# name: draw(m, size, generator)
EXACT_DRAWS = {
    "randint(0,10)": lambda m, n, g: m.randint(0, 10, _shape(n), generator=g),
    "randint(10)": lambda m, n, g: m.randint(10, _shape(n), generator=g),
    "randint(0,2**30)": lambda m, n, g: m.randint(0, 2 ** 30, _shape(n), generator=g),
    "randint(-2**40,2**40)": lambda m, n, g: m.randint(-2 ** 40, 2 ** 40, _shape(n), generator=g),
    "randint(-100,100)-int32": lambda m, n, g: m.randint(-100, 100, _shape(n), dtype=m.int32,
                                                          generator=g),
    "randint(0,2**30)-int32": lambda m, n, g: m.randint(0, 2 ** 30, _shape(n), dtype=m.int32,
                                                         generator=g),
    "randint(0,10)-float32": lambda m, n, g: m.randint(0, 10, _shape(n), dtype=m.float32,
                                                        generator=g),
    "randint(0,2**30)-float32": lambda m, n, g: _quietly(
        lambda: m.randint(0, 2 ** 30, _shape(n), dtype=m.float32, generator=g)),
    "randint(-2**40,2**40)-float32": lambda m, n, g: _quietly(
        lambda: m.randint(-2 ** 40, 2 ** 40, _shape(n), dtype=m.float32, generator=g)),
    "randint(-2**40,2**40)-float64": lambda m, n, g: m.randint(-2 ** 40, 2 ** 40, _shape(n),
                                                                dtype=m.float64, generator=g),
    "randint_like(x,10)": lambda m, n, g: m.randint_like(m.zeros(n), 10, generator=g),
    "randint_like(x,-5,5)-int32": lambda m, n, g: m.randint_like(m.zeros(n, dtype=m.int32), -5, 5,
                                                                  generator=g),
    **{f"random_()-{dt}": (lambda dt: lambda m, n, g: m.zeros(n, dtype=getattr(m, dt)).random_(
        generator=g))(dt) for dt in ("int64", "int32", "uint8", "bool")},
    "random_(10)-int64": lambda m, n, g: m.zeros(n, dtype=m.int64).random_(10, generator=g),
    "random_(2**33)-int64": lambda m, n, g: m.zeros(n, dtype=m.int64).random_(2 ** 33, generator=g),
    "random_(7)-uint8": lambda m, n, g: m.zeros(n, dtype=m.uint8).random_(7, generator=g),
    "random_(2)-bool": lambda m, n, g: m.zeros(n, dtype=m.bool).random_(2, generator=g),
    "random_(-5,5)-int64": lambda m, n, g: m.zeros(n, dtype=m.int64).random_(-5, 5, generator=g),
    "random_(-2**40,2**40)-int64": lambda m, n, g: m.zeros(n, dtype=m.int64).random_(
        -2 ** 40, 2 ** 40, generator=g),
    "random_(-3,3)-int32": lambda m, n, g: m.zeros(n, dtype=m.int32).random_(-3, 3, generator=g),
    "random_(1,200)-uint8": lambda m, n, g: m.zeros(n, dtype=m.uint8).random_(1, 200, generator=g),
    "random_(5,None)-int64": lambda m, n, g: m.zeros(n, dtype=m.int64).random_(5, None,
                                                                                generator=g),
    "random_(-2**63,None)-int64": lambda m, n, g: m.zeros(n, dtype=m.int64).random_(
        -2 ** 63, None, generator=g),
    "bernoulli_(0.5)-int64": lambda m, n, g: m.zeros(n, dtype=m.int64).bernoulli_(0.5, generator=g),
    "bernoulli_(0.5)-bool": lambda m, n, g: m.zeros(n, dtype=m.bool).bernoulli_(0.5, generator=g),
    "bernoulli_(p float64)-float32": lambda m, n, g: m.zeros(n).bernoulli_(
        _probabilities(m, n, m.float64), generator=g),
    "bernoulli_(p float32)-int64": lambda m, n, g: m.zeros(n, dtype=m.int64).bernoulli_(
        _probabilities(m, n, m.float32), generator=g),
    "poisson(zeros)": lambda m, n, g: m.poisson(m.zeros(n), generator=g),
}

EXACT_GRID = [pytest.param(size, SEEDS[i % len(SEEDS)], id=f"{size}-seed{SEEDS[i % len(SEEDS)]}"
                           .replace(" ", "")) for i, size in enumerate(SIZES)]


@pytest.mark.parametrize("size,seed", EXACT_GRID)
@pytest.mark.parametrize("name", EXACT_DRAWS)
def test_exact_draws_match_torch(name, size, seed):
    _check_stream(lambda m: EXACT_DRAWS[name](m, size, None), seed, EXACT)


@pytest.mark.parametrize("seed", SEEDS[:2])
@pytest.mark.parametrize("n", [0, 1, 2, 5, 100, 10000])
def test_randperm_matches_torch(n, seed):
    _check_stream(lambda m: m.randperm(n), seed, EXACT)


def _weights(m, rows, dtype):
    """Unnormalised weights, with zeros; ``rows`` None gives a 1-D tensor of 6 categories."""
    w = np.resize([0.5, 2.0, 0.0, 1.0, 3.0, 0.25, 1.5], (rows or 1) * 6).reshape(rows or 1, 6)
    return m.tensor((w[0] if rows is None else w).tolist(), dtype=dtype)


# name: draw(m, generator)
MULTINOMIAL = {
    "1d-one": lambda m, g: m.multinomial(_weights(m, None, m.float32), 1, generator=g),
    "1d-several": lambda m, g: m.multinomial(_weights(m, None, m.float32), 4, generator=g),
    "1d-all-nonzero-and-a-zero": lambda m, g: m.multinomial(_weights(m, None, m.float32), 6,
                                                             generator=g),
    "1d-replacement-one": lambda m, g: m.multinomial(_weights(m, None, m.float32), 1, True,
                                                      generator=g),
    "1d-replacement-many": lambda m, g: m.multinomial(_weights(m, None, m.float32), 50,
                                                       replacement=True, generator=g),
    "2d-one": lambda m, g: m.multinomial(_weights(m, 4, m.float32), 1, generator=g),
    "2d-several": lambda m, g: m.multinomial(_weights(m, 4, m.float32), 3, generator=g),
    "2d-replacement": lambda m, g: m.multinomial(_weights(m, 4, m.float32), 20, True, generator=g),
    "float64": lambda m, g: m.multinomial(_weights(m, 3, m.float64), 2, generator=g),
    "float64-replacement": lambda m, g: m.multinomial(_weights(m, 3, m.float64), 7, True,
                                                       generator=g),
    "float16": lambda m, g: m.multinomial(_weights(m, 2, m.float16), 3, generator=g),
    "Tensor.multinomial": lambda m, g: _weights(m, 2, m.float32).multinomial(2, generator=g),
    "Tensor.multinomial-replacement": lambda m, g: _weights(m, None, m.float32).multinomial(
        9, replacement=True, generator=g),
}


@pytest.mark.parametrize("seed", SEEDS[1:])
@pytest.mark.parametrize("name", MULTINOMIAL)
def test_multinomial_matches_torch(name, seed):
    _check_stream(lambda m: MULTINOMIAL[name](m, None), seed, EXACT)


# mean and std of different shapes broadcast against each other
NORMAL_BROADCAST = {
    "tensor(3,1),tensor(4)": lambda m: m.normal(_filled(m, (3, 1), MEANS, m.float32),
                                                _filled(m, (4,), STDS, m.float32)),
    "tensor(),tensor(17)": lambda m: m.normal(m.tensor(6.0), _filled(m, 17, STDS, m.float32)),
    "tensor(3,1),float": lambda m: m.normal(_filled(m, (3, 1), MEANS, m.float32), 2.0),
    "float,tensor(2,1,20)": lambda m: m.normal(8.0, _filled(m, (2, 1, 20), STDS, m.float32)),
    "float64,float32": lambda m: m.normal(_filled(m, 17, MEANS, m.float64),
                                          _filled(m, 17, STDS, m.float32)),
}


@pytest.mark.parametrize("name", NORMAL_BROADCAST)
def test_normal_with_broadcast_mean_and_std_matches_torch(name):
    _check_stream(NORMAL_BROADCAST[name], 3407, TRANSCENDENTAL)


def test_float_randint_beyond_exact_integers_warns_like_torch():
    def warned(m):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            m.randint(0, 2 ** 30, (3,), dtype=m.float32)
            m.zeros(3, dtype=m.float64).random_(-2 ** 60, 2 ** 60)
        # torch appends where in its C++ source the warning was raised
        return [(w.category, str(w.message).split(" (Triggered internally")[0]) for w in caught]

    ours, theirs = _seeded(warned)
    assert len(theirs) == 3 and ours == theirs


# -- 1. seeds -------------------------------------------------------------------------------------
ALL_SEEDS = (0, 1, 42, 3407, 2 ** 31 - 1, 2 ** 32 + 5, 2 ** 63, 2 ** 64 - 1, -1, -2 ** 63)


@pytest.mark.parametrize("seed", ALL_SEEDS)
def test_manual_seed_matches_torch(seed):
    def seeded(m):
        gen = m.manual_seed(seed)
        assert isinstance(gen, m.Generator) and gen is m.default_generator
        other = m.Generator().manual_seed(seed)
        return (m.initial_seed(), gen.initial_seed(), other.initial_seed(), m.rand(5),
                m.randn(3, dtype=m.float64), m.randint(-2 ** 40, 2 ** 40, (4,)),
                m.rand(3, generator=other))

    ours, theirs = seeded(tg), seeded(torch)
    assert ours[:3] == theirs[:3] and all(type(s) is int for s in ours[:3])
    _assert_same(ours[3], theirs[3])
    _assert_same(ours[4], theirs[4], TRANSCENDENTAL)
    _assert_same(ours[5], theirs[5])
    _assert_same(ours[6], theirs[6], EXACT, "a Generator seeded alike")


@pytest.mark.parametrize("seed", [2 ** 64, -2 ** 63 - 1, 2 ** 70])
@pytest.mark.parametrize("how", ["manual_seed", "Generator.manual_seed"])
def test_seeds_out_of_range_fail_like_torch_and_change_nothing(how, seed):
    def attempt(m):
        m.manual_seed(5)
        gen = m.default_generator if how == "manual_seed" else m.Generator().manual_seed(5)
        reseed = m.manual_seed if how == "manual_seed" else gen.manual_seed
        error = _raised(lambda: reseed(seed))
        return error, gen.initial_seed(), m.rand(3, generator=gen)

    (our_error, our_seed, ours), (their_error, their_seed, theirs) = attempt(tg), attempt(torch)
    assert their_error == (ValueError, "Overflow when unpacking long long")
    assert our_error == their_error
    assert our_seed == their_seed == 5
    _assert_same(ours, theirs)


# -- 3. one stream, many calls --------------------------------------------------------------------
def _reseed_then_randn(m):
    m.manual_seed(11)  # reseeding forgets the cached normal
    return m.randn(2)


def _weights4(m):
    return m.tensor([0.1, 0.2, 0.3, 0.4])


# (what, draw(m), ULP tolerance), drawn in order from one stream
SEQUENCES = {
    "mixed": [
        ("rand(3)", lambda m: m.rand(3), EXACT),
        ("randn(5)", lambda m: m.randn(5), TRANSCENDENTAL),  # three pairs: one value cached
        ("randint(0,10,(4,))", lambda m: m.randint(0, 10, (4,)), EXACT),
        ("randn(1)", lambda m: m.randn(1), TRANSCENDENTAL),  # the cached value
        ("randn(20)", lambda m: m.randn(20), TRANSCENDENTAL),  # vectorised: no cache
        ("randperm(7)", lambda m: m.randperm(7), EXACT),
        ("normal(2,3,(3,))", lambda m: m.normal(2.0, 3.0, (3,)), TRANSCENDENTAL),
        ("multinomial", lambda m: m.multinomial(_weights4(m), 2), EXACT),
        ("bernoulli", lambda m: m.bernoulli(m.full((5,), 0.5)), EXACT),
        ("randn(1)", lambda m: m.randn(1), TRANSCENDENTAL),
        ("log_normal_ x3", lambda m: m.zeros(3).log_normal_(0.5, 0.25), TRANSCENDENTAL),
        ("randn(2) float64", lambda m: m.randn(2, dtype=m.float64), TRANSCENDENTAL),
        ("exponential_ x2", lambda m: m.zeros(2).exponential_(), TRANSCENDENTAL),
        ("rand(2) float64", lambda m: m.rand(2, dtype=m.float64), EXACT),
        ("normal_ x1", lambda m: m.zeros(1).normal_(5.0, 0.5), TRANSCENDENTAL),
        ("randint wide", lambda m: m.randint(-2 ** 40, 2 ** 40, (3,)), EXACT),
        ("poisson", lambda m: m.poisson(m.tensor([0.0, 2.5, 40.0])), EXACT),
        ("cauchy_ x3", lambda m: m.zeros(3).cauchy_(1.5, 0.5), TRANSCENDENTAL),
        ("geometric_ x4", lambda m: m.zeros(4).geometric_(0.25), EXACT),
        ("random_ int64", lambda m: m.zeros(2, dtype=m.int64).random_(), EXACT),
        ("bernoulli_(0.5) x5", lambda m: m.zeros(5).bernoulli_(0.5), EXACT),
        ("uniform_ x3", lambda m: m.zeros(3).uniform_(-1.0, 1.0), EXACT),
        ("randn(17)", lambda m: m.randn(17), TRANSCENDENTAL),
        ("rand_like", lambda m: m.rand_like(m.zeros(2, 2)), EXACT),
        ("multinomial replacement", lambda m: m.multinomial(_weights4(m), 6, True), EXACT),
        ("randn(1)", lambda m: m.randn(1), TRANSCENDENTAL),
        ("rand(5) float64", lambda m: m.rand(5, dtype=m.float64), EXACT),
    ],
    "cached-normal": [
        ("randn(1)", lambda m: m.randn(1), TRANSCENDENTAL),  # a pair: the spare is cached
        ("randn(1) float64", lambda m: m.randn(1, dtype=m.float64), TRANSCENDENTAL),  # the spare
        ("randn(3) float64", lambda m: m.randn(3, dtype=m.float64), TRANSCENDENTAL),
        ("rand(2)", lambda m: m.rand(2), EXACT),  # uniforms leave the cache alone
        ("normal_ x1 float16", lambda m: m.zeros(1, dtype=m.float16).normal_(), TRANSCENDENTAL),
        ("randn(16)", lambda m: m.randn(16), TRANSCENDENTAL),  # vectorised: cache kept
        ("randn_like x1", lambda m: m.randn_like(m.zeros(1)), TRANSCENDENTAL),
        ("log_normal_ x1", lambda m: m.zeros(1).log_normal_(0.5, 0.25), TRANSCENDENTAL),
        ("randn(1) float64", lambda m: m.randn(1, dtype=m.float64), TRANSCENDENTAL),
        ("randn(15) float64", lambda m: m.randn(15, dtype=m.float64), TRANSCENDENTAL),
        ("reseed, randn(2)", _reseed_then_randn, TRANSCENDENTAL),
        ("randn(1)", lambda m: m.randn(1), TRANSCENDENTAL),
        ("rand(3) float64", lambda m: m.rand(3, dtype=m.float64), EXACT),
    ],
}


@pytest.mark.parametrize("seed", [0, 3407])
@pytest.mark.parametrize("name", SEQUENCES)
def test_interleaved_draws_match_torch_in_order(name, seed):
    steps = SEQUENCES[name]
    ours, theirs = _seeded(lambda m: [draw(m) for _, draw, _ in steps], seed)
    for (what, _, maxulp), a, b in zip(steps, ours, theirs):
        _assert_same(a, b, maxulp, what)


# -- 4. explicit generators -----------------------------------------------------------------------
GENERATOR_DRAWS = [
    *[pytest.param(lambda m, g, d=draw, dt=dt: d(m, 17, getattr(m, dt), g), maxulp,
                   id=f"{name}-{dt}")
      for name, (draw, maxulp) in FLOAT_DRAWS.items() for dt in ("float32", "float64")],
    *[pytest.param(lambda m, g, d=draw: d(m, 17, g), EXACT, id=name)
      for name, draw in EXACT_DRAWS.items()],
    *[pytest.param(draw, EXACT, id=f"multinomial-{name}") for name, draw in MULTINOMIAL.items()],
    pytest.param(lambda m, g: m.randperm(100, generator=g), EXACT, id="randperm"),
    pytest.param(lambda m, g: m.normal(m.zeros(3, 1), m.ones(4), generator=g), TRANSCENDENTAL,
                 id="normal-broadcast"),
    pytest.param(lambda m, g: m.zeros(3).cauchy_(1.5, 0.5, generator=g), TRANSCENDENTAL,
                 id="cauchy_(1.5,0.5)"),
    pytest.param(lambda m, g: m.randn(5, generator=g), TRANSCENDENTAL, id="randn(5)-cached"),
]


@pytest.mark.parametrize("draw,maxulp", GENERATOR_DRAWS)
def test_a_generator_gives_torchs_draws_and_leaves_the_default_alone(draw, maxulp):
    def run(m):
        m.manual_seed(7)
        gen = m.Generator()
        assert gen.manual_seed(11) is gen
        first, second = draw(m, gen), draw(m, gen)
        return first, second, m.rand(3, dtype=m.float64), gen.initial_seed()

    ours, theirs = run(tg), run(torch)
    _assert_same(ours[0], theirs[0], maxulp, "the first draw from the generator")
    _assert_same(ours[1], theirs[1], maxulp, "the second draw from the generator")
    _assert_same(ours[2], theirs[2], EXACT, "the default generator, untouched by the draws")
    assert ours[3] == theirs[3] == 11


def test_a_fresh_generator_starts_where_torchs_does():
    ours, theirs = tg.Generator(), torch.Generator()
    assert ours.initial_seed() == theirs.initial_seed() == 67280421310721
    assert str(tg.Generator(device="cpu").device) == str(torch.Generator(device="cpu").device)
    _assert_same(tg.rand(5, generator=ours), torch.rand(5, generator=theirs))
    _assert_same(_np(ours.get_state()), _np(theirs.get_state()))


@pytest.mark.parametrize("which", ["Generator", "default"])
def test_seed_reseeds_from_entropy_and_reports_the_seed(which):
    gen = tg.Generator() if which == "Generator" else tg.default_generator
    first = gen.seed() if which == "Generator" else tg.seed()
    assert type(first) is int and 0 <= first < 2 ** 64
    assert gen.initial_seed() == first
    ours = tg.rand(4, dtype=tg.float64, generator=gen)
    theirs = torch.rand(4, dtype=torch.float64, generator=torch.Generator().manual_seed(first))
    _assert_same(ours, theirs)  # seed() seeds as manual_seed(seed) would
    assert gen.seed() != first  # 64 fresh bits each time


# -- 5. state -------------------------------------------------------------------------------------
# draws after which the 5056 bytes of state are compared
STATE_AFTER = {
    "seed only": lambda m: None,
    "rand(5)": lambda m: m.rand(5),
    "randn(3): a cached normal": lambda m: m.randn(3),
    "randn(3) float64": lambda m: m.randn(3, dtype=m.float64),
    "randn(2): no cache": lambda m: m.randn(2),
    "randn(3) twice: cache used": lambda m: (m.randn(3), m.randn(3)),
    "randn(17)": lambda m: m.randn(17),
    "log_normal_ x1": lambda m: m.zeros(1).log_normal_(),
    "700 uniforms: past a twist": lambda m: m.rand(700),
    "2000 draws of each kind": lambda m: (m.rand(2000, dtype=m.float64), m.randn(2001),
                                          m.randint(0, 10, (2000,)), m.randperm(500)),
}


@pytest.mark.parametrize("seed", [0, 2 ** 63 + 5])
@pytest.mark.parametrize("after", STATE_AFTER)
def test_rng_state_bytes_equal_torchs(after, seed):
    def state(m):
        STATE_AFTER[after](m)
        return m.get_rng_state()

    ours, theirs = _seeded(state, seed)
    assert isinstance(ours, tg.Tensor) and ours.dtype == tg.uint8 and tuple(ours.shape) == (5056,)
    _assert_same(ours, theirs)


def test_generator_state_bytes_equal_torchs():
    def state(m):
        gen = m.Generator().manual_seed(3407)
        gen_state = gen.get_state()
        m.randn(5, generator=gen)
        return gen_state, gen.get_state()

    (ours_before, ours_after), (theirs_before, theirs_after) = state(tg), state(torch)
    _assert_same(ours_before, theirs_before)
    _assert_same(ours_after, theirs_after)


@pytest.mark.parametrize("where", ["default", "Generator"])
def test_restoring_the_state_repeats_the_draws(where):
    m = tg
    gen = m.manual_seed(0) if where == "default" else m.Generator().manual_seed(0)
    m.randn(3, generator=gen)  # leaves a cached normal, which the state must carry
    saved = m.get_rng_state() if where == "default" else gen.get_state()
    first = [_np(x) for x in _draws_from(m, gen)]
    if where == "default":
        assert m.set_rng_state(saved) is None
    else:
        assert gen.set_state(saved) is gen
    second = [_np(x) for x in _draws_from(m, gen)]
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)


def _draws_from(m, gen):
    return (m.randn(1, generator=gen), m.rand(3, generator=gen), m.randn(17, generator=gen),
            m.randint(0, 2 ** 40, (3,), generator=gen))


def test_get_rng_state_returns_a_copy():
    tg.manual_seed(0)
    state = tg.get_rng_state()
    state[100] = (int(state[100]) + 1) % 256  # must not reach the generator
    torch.manual_seed(0)
    _assert_same(tg.get_rng_state(), torch.get_rng_state())


@pytest.mark.parametrize("where", ["default", "Generator"])
def test_torchs_saved_state_gives_torchs_next_draws(where):
    """A state saved by torch (with a cached normal) and loaded into tapegrad continues as torch."""
    torch.manual_seed(42)
    torch.rand(650)  # past the first twist
    torch.randn(3)  # leaves a cached normal
    saved = torch.get_rng_state()
    theirs = _draws_from(torch, None)
    state = tg.tensor(saved.numpy().tolist(), dtype=tg.uint8)
    if where == "default":
        tg.set_rng_state(state)
        gen = None
    else:
        gen = tg.Generator()
        gen.set_state(state)
    for a, b in zip(_draws_from(tg, gen), theirs):
        _assert_same(a, b, TRANSCENDENTAL)


BAD_STATES = {
    "a list": lambda m: [1, 2],
    "float": lambda m: m.zeros(5056),
    "int8": lambda m: m.zeros(5056, dtype=m.int8),
    "too short": lambda m: m.zeros(10, dtype=m.uint8),
    "too long": lambda m: m.zeros(5057, dtype=m.uint8),
    "empty": lambda m: m.zeros(0, dtype=m.uint8),
    "all zeros": lambda m: m.zeros(5056, dtype=m.uint8),
}


@pytest.mark.parametrize("where", ["set_rng_state", "Generator.set_state"])
@pytest.mark.parametrize("bad", BAD_STATES)
def test_a_bad_state_is_refused_like_torch(bad, where):
    def attempt(m):
        m.manual_seed(1)
        gen = m.Generator().manual_seed(1)
        state = BAD_STATES[bad](m)
        load = (lambda: m.set_rng_state(state)) if where == "set_rng_state" else (
            lambda: gen.set_state(state))
        return _raised(load), m.rand(2, generator=None if where == "set_rng_state" else gen)

    (our_error, ours), (their_error, theirs) = attempt(tg), attempt(torch)
    assert their_error is not None
    assert our_error == their_error
    _assert_same(ours, theirs, EXACT, "the draw after the refused state")


# -- 6. errors ------------------------------------------------------------------------------------
def _t(m, values, **kwargs):
    return m.tensor(values, **kwargs)


ERRORS = {
    "randn(-1)": lambda m: m.randn(-1),
    "rand(2,-3)": lambda m: m.rand(2, -3),
    "randint(0,10,(-1,))": lambda m: m.randint(0, 10, (-1,)),
    "randint(5,5)": lambda m: m.randint(5, 5, (3,)),
    "randint(5,3)": lambda m: m.randint(5, 3, (3,)),
    "randint int32 out of bounds": lambda m: m.randint(-2 ** 40, 2 ** 40, (3,), dtype=m.int32),
    "randint float16 out of bounds": lambda m: m.randint(0, 2 ** 30, (3,), dtype=m.float16),
    "multinomial negative": lambda m: m.multinomial(_t(m, [0.2, -0.1, 0.5]), 2),
    "multinomial nan": lambda m: m.multinomial(_t(m, [0.2, float("nan"), 0.5]), 2),
    "multinomial inf": lambda m: m.multinomial(_t(m, [0.2, float("inf"), 0.5]), 2),
    "multinomial all-zero row": lambda m: m.multinomial(_t(m, [[0.2, 0.5], [0.0, 0.0]]), 1),
    "multinomial all-zero replacement": lambda m: m.multinomial(_t(m, [0.0, 0.0]), 1, True),
    "multinomial n>categories": lambda m: m.multinomial(_t(m, [0.2, 0.3, 0.5]), 4),
    "multinomial n=0": lambda m: m.multinomial(_t(m, [0.2, 0.3, 0.5]), 0),
    "multinomial n=-1": lambda m: m.multinomial(_t(m, [0.2, 0.3, 0.5]), -1, True),
    "multinomial 3-d": lambda m: m.multinomial(m.ones(2, 2, 2), 1),
    "multinomial 0-d": lambda m: m.multinomial(m.tensor(1.0), 1),
    "multinomial integer probs": lambda m: m.multinomial(_t(m, [1, 2, 3]), 1),
    "multinomial empty": lambda m: m.multinomial(m.ones(0), 1),
    "bernoulli_(1.5)": lambda m: m.zeros(3).bernoulli_(1.5),
    "bernoulli_(-0.1)": lambda m: m.zeros(3).bernoulli_(-0.1),
    "bernoulli(x,p=1.5)": lambda m: m.bernoulli(m.zeros(3), p=1.5),
    "bernoulli(p>1 tensor)": lambda m: m.bernoulli(_t(m, [0.5, 1.5])),  # torch draws, then fails
    "normal(0,-1,size)": lambda m: m.normal(0.0, -1.0, (3,)),
    "normal(tensor,-1)": lambda m: m.normal(m.zeros(3), -1.0),
    "normal(0,negative tensor)": lambda m: m.normal(0.0, _t(m, [1.0, -1.0])),
    "normal(tensor,negative tensor)": lambda m: m.normal(m.zeros(2), _t(m, [1.0, -1.0])),
    "normal shapes that do not broadcast": lambda m: m.normal(m.zeros(2, 3), m.ones(3, 2)),
    "normal_(0,-1)": lambda m: m.zeros(3).normal_(0.0, -1.0),
    "log_normal_(0,0)": lambda m: m.zeros(3).log_normal_(0.0, 0.0),
    "cauchy_(0,-1)": lambda m: m.zeros(3).cauchy_(0.0, -1.0),
    "exponential_(0)": lambda m: m.zeros(3).exponential_(0),
    "exponential_(-1)": lambda m: m.zeros(3).exponential_(-1),
    "geometric_(0)": lambda m: m.zeros(3).geometric_(0),
    "geometric_(1)": lambda m: m.zeros(3).geometric_(1),
    "uniform_(3,2)": lambda m: m.zeros(3).uniform_(3, 2),
    "random_(5,3)": lambda m: m.zeros(3).random_(5, 3),
    "random_(0)": lambda m: m.zeros(3).random_(0),
    "random_(300) uint8": lambda m: m.zeros(3, dtype=m.uint8).random_(300),
    "random_(3) bool": lambda m: m.zeros(3, dtype=m.bool).random_(3),
    "randperm(-1)": lambda m: m.randperm(-1),
    "poisson(negative rate)": lambda m: m.poisson(_t(m, [1.0, -1.0])),
    "poisson(int64)": lambda m: m.poisson(_t(m, [1, 2])),
    "Generator(device='cuda')": lambda m: m.Generator(device="cuda"),
}


@pytest.mark.parametrize("name", ERRORS)
def test_errors_match_torch_and_leave_the_state_as_torch_does(name):
    def attempt(m):
        m.manual_seed(3)
        error = _raised(lambda: ERRORS[name](m))
        return error, _np(m.get_rng_state())

    (our_error, ours), (their_error, theirs) = attempt(tg), attempt(torch)
    assert their_error is not None
    assert our_error == their_error
    _assert_same(ours, theirs, EXACT, "the state after the error")


# -- 7. vmap's randomness -------------------------------------------------------------------------
VMAPPED = {
    "x+rand(())": lambda m: lambda x: x + m.rand(()),
    "x+randn(3)": lambda m: lambda x: x + m.randn(3),
    "rand_like(x)": lambda m: lambda x: m.rand_like(x),
    "normal_": lambda m: lambda x: x.clone().normal_(),
}


@pytest.mark.parametrize("randomness", ["same", "different"])
@pytest.mark.parametrize("name", VMAPPED)
def test_vmap_randomness_draws_as_torch_does(name, randomness):
    def run(m):
        batched = m.func.vmap(VMAPPED[name](m), randomness=randomness)
        return batched(m.zeros(4, 3)), m.rand(2)  # the next draw: the words vmap used

    (ours, our_next), (theirs, their_next) = _seeded(run, 0)
    _assert_same(ours, theirs, TRANSCENDENTAL)
    _assert_same(our_next, their_next)


@pytest.mark.parametrize("case", ["error mode", "same with a batched input", "bogus mode"])
def test_vmap_randomness_errors_match_torch(case):
    def run(m):
        function, randomness = {
            "error mode": (lambda x: x + m.rand(()), "error"),
            "same with a batched input": (lambda x: m.bernoulli(x), "same"),
            "bogus mode": (lambda x: x + m.rand(()), "bogus")}[case]
        error = _raised(lambda: m.func.vmap(function, randomness=randomness)(m.full((4, 2), 0.5)))
        return error, _np(m.get_rng_state())

    (our_error, ours), (their_error, theirs) = _seeded(run, 0)
    assert their_error is not None and our_error == their_error
    _assert_same(ours, theirs, EXACT, "the state after the error")


def test_vmap_different_bernoulli_matches_torch():
    def run(m):
        return m.func.vmap(lambda p: m.bernoulli(p), randomness="different")(m.full((4, 3), 0.5))

    ours, theirs = _seeded(run, 0)
    _assert_same(ours, theirs)


def test_vmap_different_draws_the_whole_batch_at_once_like_torch():
    """randn(3) in a batch of 8 is one randn(8, 3): 24 values take torch's blockwise path."""
    def run(m):
        noisy = m.func.vmap(lambda x: x + m.randn(3), randomness="different")
        return noisy(m.zeros(8, 3)), m.rand(2)

    (ours, our_next), (theirs, their_next) = _seeded(run)
    _assert_same(ours, theirs)
    _assert_same(our_next, their_next)


# -- 8. distributions sample through the same streams ------------------------------------------
def _dist(m, name):
    d = m.distributions
    t = m.tensor
    return {
        "Normal": lambda: d.Normal(t([0.0, 5.0]), t([1.0, 2.0])).sample((3,)),
        "Normal.rsample": lambda: d.Normal(t(1.0), t(2.0)).rsample((20,)),
        "Uniform": lambda: d.Uniform(t([0.0, -1.0]), t([1.0, 3.0])).sample((4,)),
        "Exponential": lambda: d.Exponential(t([1.0, 2.0])).sample((3,)),
        "Bernoulli": lambda: d.Bernoulli(t([0.2, 0.7])).sample((5,)),
        "Categorical": lambda: d.Categorical(t([0.2, 0.3, 0.5])).sample((6,)),
        "Categorical one": lambda: d.Categorical(logits=t([[1.0, 2.0, 3.0], [0.0, 0.0, 1.0]]))
        .sample(),
        "Multinomial": lambda: d.multinomial.Multinomial(10, m.ones(6) / 6).sample((5,)),
        "Gamma": lambda: d.Gamma(t([0.5, 1.0, 3.0]), t([1.0, 2.0, 1.0])).sample((3,)),
        "Beta": lambda: d.Beta(t([0.5, 2.0]), t([1.5, 3.0])).sample((3,)),
        "Binomial": lambda: d.Binomial(t([10.0, 100.0, 1000.0]), t([0.2, 0.5, 0.9])).sample((2,)),
    }[name]()


@pytest.mark.parametrize("seed", (0, 3407))
@pytest.mark.parametrize("name", ["Normal", "Normal.rsample", "Uniform", "Exponential",
                                  "Bernoulli", "Categorical", "Categorical one", "Multinomial",
                                  "Gamma", "Beta", "Binomial"])
def test_distributions_sample_torchs_numbers(name, seed):
    _check_stream(lambda m: _dist(m, name), seed, TRANSCENDENTAL)
