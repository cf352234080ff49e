"""tapegrad.special: the functions torch.special names, differentiable to second order.

Values are checked against torch in tests/scripts/api_special.py; here the derivatives of the
functions written with other ops are checked against finite differences.
"""
from __future__ import annotations

import numpy as np
import pytest

import tapegrad as tg
from tapegrad.autograd import gradcheck, gradgradcheck

S = tg.special


def _t(*values):
    return tg.tensor(np.array(values, dtype=np.float64), requires_grad=True)


CASES = {
    "logit": (lambda p: S.logit(p), [_t(0.1, 0.5, 0.8)]),
    "logit_eps": (lambda p: S.logit(p, eps=0.05), [_t(0.1, 0.5, 0.8)]),
    "xlog1py": (S.xlog1py, [_t(-1.5, 0.3, 2.0), _t(0.4, 1.5, -0.5)]),
    "entr": (S.entr, [_t(0.1, 0.5, 2.0)]),
    "ndtr": (S.ndtr, [_t(-2.0, 0.1, 1.5)]),
    "log_ndtr": (S.log_ndtr, [_t(-25.0, -21.0, -3.0, 0.5, 4.0)]),
    "sinc": (S.sinc, [_t(-1.3, 0.2, 0.7)]),
    "multigammaln": (lambda x: S.multigammaln(x, 3), [_t(1.5, 2.5, 4.0)]),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_first_and_second_derivatives(name):
    fn, inputs = CASES[name]
    assert gradcheck(fn, inputs)
    assert gradgradcheck(fn, inputs)


def test_edge_values():
    # 0 where input is 0, except where other is NaN (torch gives NaN there, as for xlogy)
    zero, nan = S.xlog1py(tg.tensor([0.0, 0.0]), tg.tensor([-1.0, float("nan")])).tolist()
    assert zero == 0.0 and np.isnan(nan)
    assert S.entr(tg.tensor([-1.0, 0.0])).tolist() == [float("-inf"), 0.0]
    assert S.entr(tg.tensor([0.5])).dtype is tg.float32
    assert S.sinc(tg.tensor([0.0])).tolist() == [1.0]
    # the far tail (erfc underflows there): log Phi(x) ~ -x^2/2 - log(-x) - log(2 pi)/2
    x = -100.0
    expected = -x * x / 2 - np.log(-x) - 0.5 * np.log(2 * np.pi) + np.log1p(-1 / x**2 + 3 / x**4)
    assert S.log_ndtr(tg.tensor([x], dtype=tg.float64)).item() == pytest.approx(expected, rel=1e-12)
    # torch.special's aliases compute what tapegrad's own ops compute (the top-level names may
    # be wrapped, e.g. for out=, so values are compared, not identities)
    x = tg.tensor([0.3, 1.7, 4.0], dtype=tg.float64)
    for alias, op in ((S.expit, tg.sigmoid), (S.gammaln, tg.lgamma), (S.psi, tg.digamma)):
        assert alias(x).tolist() == op(x).tolist()
        assert type(alias(x.requires_grad_()).grad_fn) is type(op(x).grad_fn)
        x = x.detach()
