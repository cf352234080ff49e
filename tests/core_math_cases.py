"""Cases for tests/test_gradcheck.py's table (format: name -> (fn, [list of input-spec lists]);
see tests/core_alias_cases.py), for the registry ops of ``tapegrad._ops.special_ops``: the
differentiable special functions (erfinv, i0/i1/i0e/i1e, erfcx, ndtri, sinc, logit, mvlgamma,
igamma/igammac and zeta in their second argument, ldexp, nextafter, frexp's mantissa)."""
from __future__ import annotations

import numpy as np

import tapegrad as tg


def U(*shape, lo=-1.0, hi=1.0):
    return ("u", shape, lo, hi)


_A = tg.tensor(np.array([0.7, 1.5, 2.5], dtype=np.float64))     # igamma's first argument
_S = tg.tensor(np.array([2.5, 3.0, 4.5], dtype=np.float64))     # zeta's exponent
_E = tg.tensor(np.array([1, 0, 3]))  # ldexp: integer exponents (torch: 0 gradient if < 0)
_TO = tg.tensor(np.array([5.0, -5.0, 0.0], dtype=np.float64))   # nextafter's targets

CASES = {
    "erfinv": (tg.erfinv, [[U(3, lo=-0.9, hi=0.9)], [U(2, 3, lo=-0.5, hi=0.5)]]),
    "i0": (tg.i0, [[U(3, lo=-3.0, hi=3.0)], [U(2, 3)]]),
    "special_i1": (tg.special.i1, [[U(3, lo=-3.0, hi=3.0)], [U(2, 3, lo=0.2, hi=2.0)]]),
    "special_i0e": (tg.special.i0e, [[U(3, lo=0.2, hi=3.0)], [U(2, 3, lo=-3.0, hi=-0.2)]]),
    "special_i1e": (tg.special.i1e, [[U(3, lo=0.2, hi=3.0)], [U(2, 3, lo=-3.0, hi=-0.2)]]),
    "special_erfcx": (tg.special.erfcx, [[U(3, lo=-2.0, hi=3.0)], [U(2, 3)]]),
    "special_ndtri": (tg.special.ndtri, [[U(3, lo=0.05, hi=0.95)], [U(2, 3, lo=0.2, hi=0.8)]]),
    "sinc": (tg.sinc, [[U(3, lo=-2.0, hi=2.0)], [U(2, 3, lo=0.1, hi=0.9)]]),
    "logit": (tg.logit, [[U(3, lo=0.1, hi=0.9)], [U(2, 3, lo=0.3, hi=0.7)]]),
    "logit_eps": (lambda x: tg.logit(x, eps=0.2), [[U(3, lo=0.25, hi=0.75)]]),
    "mvlgamma": (lambda x: tg.mvlgamma(x, 3), [[U(3, lo=1.5, hi=4.0)], [U(2, 3, lo=2.0, hi=3.0)]]),
    "igamma": (lambda x: tg.igamma(_A, x), [[U(3, lo=0.5, hi=3.0)]]),
    "igammac": (lambda x: tg.igammac(_A, x), [[U(3, lo=0.5, hi=3.0)]]),
    "special_zeta": (lambda q: tg.special.zeta(_S, q), [[U(3, lo=0.5, hi=3.0)]]),
    "special_zeta_scalar_self": (lambda q: tg.special.zeta(2.5, q), [[U(3, lo=0.5, hi=3.0)]]),
    "ldexp": (lambda x: tg.ldexp(x, _E), [[U(3)]]),
    "ldexp_both": (tg.ldexp, [[U(3), U(3, lo=-2.0, hi=2.0)]]),
    "nextafter": (lambda x: tg.nextafter(x, _TO), [[U(3)]]),
    "frexp": (lambda x: tg.frexp(x)[0], [[U(3, lo=0.6, hi=3.0)], [U(2, 3, lo=-3.0, hi=-0.6)]]),
}
INDIRECT: set = set()

CASES.update({
    "special_xlog1py": (tg.special.xlog1py, [[U(3), U(3, lo=-0.5, hi=2.0)],
                                             [U(2, 3), U(3, lo=0.0, hi=1.0)]]),
    "special_xlog1py_scalar_other": (lambda x: tg.special.xlog1py(x, 0.7), [[U(3)]]),
    "special_xlog1py_scalar_self": (lambda y: tg.special.xlog1py(1.5, y),
                                    [[U(3, lo=-0.5, hi=2.0)]]),
})
