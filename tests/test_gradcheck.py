"""Reverse-mode gradients (first and second order) of every differentiable op vs finite differences."""
from __future__ import annotations

import numpy as np
import pytest

import tapegrad as tg
from tapegrad._ops._registry import REGISTRY
from tapegrad.autograd._engine import Node

EPS = 1e-6
TOL = 1e-5


def _rng(seed=0):
    return np.random.default_rng(seed)


def U(*shape, lo=-1.0, hi=1.0):
    return ("u", shape, lo, hi)


def P(*shape):  # positive, away from zero
    return ("u", shape, 0.5, 2.0)


def _make(specs, seed):
    rng = _rng(seed)
    out = []
    for kind, shape, lo, hi in specs:
        out.append(rng.uniform(lo, hi, size=shape).astype(np.float64))
    return out


_ZEROS = np.array([[1.0, 0.0, 1.0, 1.0], [1.0, 1.0, 0.0, 0.0]])
_COND = np.array([[True, False, True, False], [False, True, True, False], [True, True, False, False]])
_MASK = np.array([[True, False, True, True], [False, False, True, False], [True, True, False, True]])


def _setitem_basic(x, v):
    y = tg.zeros(3, 4, dtype=tg.float64)
    y[1:3, 0:2] = v
    return y * x


def _setitem_adv(x, v):
    y = tg.zeros(3, 4, dtype=tg.float64)
    y[[0, 2]] = v
    return y * x


def _inplace_on_view(x, w):
    y = x * 2.0
    v = y[:, 1:]          # a view of y: mul_ on it is recorded as CopySlices on y
    v.mul_(w)
    return y * v.sum()    # v's own history (AsStridedBackward0) is used too


def _iadd_into_constant_slice(x, v):
    z = tg.zeros(3, 4, dtype=tg.float64)
    z[1:, ::2] += v       # a view of a constant: z takes v's history (CopySlices)
    return z * x


def _distinct(*shape, scale=1.0):
    """Inputs with well-separated values (no ties for max/min/sort-like ops)."""
    return ("d", shape, scale, None)


def _make_any(specs, seed):
    rng = _rng(seed)
    out = []
    for spec in specs:
        kind, shape, a, b = spec
        if kind == "u":
            out.append(rng.uniform(a, b, size=shape).astype(np.float64))
        else:
            n = int(np.prod(shape))
            vals = rng.permutation(n).astype(np.float64) * 0.3 * a + rng.uniform(-0.05, 0.05, n)
            out.append(vals.reshape(shape))
    return out


# Index tensors for gather/scatter_add/index_select (repeats, so gradients accumulate).
_GATHER_IDX = np.array([[0, 3], [2, 2], [1, 0]])  # (3, 2) into dim 1 of a (3, 4) input
_GATHER0_IDX = np.array([[2, 0, 1], [2, 2, 0]])  # (2, 3) into dim 0 of a (3, 4) input
_GATHER_WIDE_IDX = np.array([[0, 3, 3, 1, 0, 2]])  # wider than the input along dim 1


# name -> (fn, [list of input-spec lists])
CASES = {
    # elementwise unary
    "sin": (tg.sin, [[U(3)], [U(2, 3)], [U(2, 1, 3)]]),
    "cos": (tg.cos, [[U(3)], [U(2, 3)]]),
    "tan": (tg.tan, [[U(3)], [U(2, 3)]]),
    "exp": (tg.exp, [[U(3)], [U(2, 3)]]),
    "exp2": (tg.exp2, [[U(3)], [U(2, 3)]]),
    "expm1": (tg.expm1, [[U(3)], [U(2, 3)]]),
    "log": (tg.log, [[P(3)], [P(2, 3)]]),
    "log2": (tg.log2, [[P(3)], [P(2, 3)]]),
    "log10": (tg.log10, [[P(3)], [P(2, 3)]]),
    "log1p": (tg.log1p, [[P(3)], [P(2, 3)]]),
    "sqrt": (tg.sqrt, [[P(3)], [P(2, 3)]]),
    "rsqrt": (tg.rsqrt, [[P(3)], [P(2, 3)]]),
    "reciprocal": (tg.reciprocal, [[P(3)], [P(2, 3)]]),
    "neg": (tg.neg, [[U(3)], [U(2, 3)]]),
    "asin": (tg.asin, [[U(3, lo=-0.8, hi=0.8)], [U(2, 3, lo=-0.8, hi=0.8)]]),
    "acos": (tg.acos, [[U(3, lo=-0.8, hi=0.8)], [U(2, 3, lo=-0.8, hi=0.8)]]),
    "atan": (tg.atan, [[U(3)], [U(2, 3)]]),
    "sinh": (tg.sinh, [[U(3)], [U(2, 3)]]),
    "cosh": (tg.cosh, [[U(3)], [U(2, 3)]]),
    "tanh": (tg.tanh, [[U(3)], [U(2, 3)]]),
    "sigmoid": (tg.sigmoid, [[U(3)], [U(2, 3)]]),
    "relu": (tg.relu, [[_distinct(5)], [_distinct(2, 3)]]),
    "abs": (tg.abs, [[_distinct(5)], [_distinct(2, 3)]]),
    "sign": (tg.sign, [[_distinct(5)], [_distinct(2, 3)]]),
    "floor": (lambda x: tg.floor(x * 3.3), [[U(5, lo=0.1, hi=0.25)], [U(2, 3, lo=0.35, hi=0.55)]]),
    "ceil": (lambda x: tg.ceil(x * 3.3), [[U(5, lo=0.1, hi=0.25)], [U(2, 3, lo=0.35, hi=0.55)]]),
    "round": (lambda x: tg.round(x * 3.3), [[U(5, lo=0.02, hi=0.12)], [U(2, 3, lo=0.35, hi=0.4)]]),
    "trunc": (lambda x: tg.trunc(x * 3.3), [[U(5, lo=0.1, hi=0.25)], [U(2, 3, lo=0.35, hi=0.55)]]),
    "frac": (lambda x: tg.frac(x * 3.3), [[U(5, lo=0.1, hi=0.25)], [U(2, 3, lo=0.35, hi=0.55)]]),
    "clamp": (lambda x: tg.clamp(x, -0.5, 0.5), [[_distinct(6, scale=0.35)], [_distinct(2, 3, scale=0.35)]]),
    "clamp_min": (lambda x: x.clamp(min=0.1), [[_distinct(6, scale=0.35)]]),
    "clamp_tensor": (lambda x, lo, hi: tg.clamp(x, lo, hi),
                     [[U(2, 4), U(4, lo=-0.6, hi=-0.1), U(2, 1, lo=0.1, hi=0.6)]]),
    "clamp_tensor_crossed": (lambda x, lo, hi: x.clamp(lo, hi),
                             [[U(6), U(6, lo=-0.2, hi=0.6), U(6, lo=-0.6, hi=0.2)]]),
    "clamp_tensor_min": (lambda x, lo: x.clamp(min=lo), [[U(2, 3), U(3, lo=-0.5, hi=0.5)]]),
    "clamp_tensor_max": (lambda x, hi: tg.clamp(x, max=hi), [[U(2, 3), U(2, 1, lo=-0.5, hi=0.5)]]),
    "pow_scalar": (lambda x: x ** 3, [[U(3)], [U(2, 3)]]),
    "pow_frac": (lambda x: tg.pow(x, 2.5), [[P(3)], [P(2, 3)]]),
    "pow_tensor": (tg.pow, [[P(3), U(3)], [P(2, 3), U(3)], [P(3, 1), U(1, 4)]]),
    "rpow": (lambda x: 2.0 ** x, [[U(3)], [U(2, 3)]]),
    "square": (tg.square, [[U(3)], [U(2, 3)]]),
    # special functions
    "erf": (tg.erf, [[U(3)], [U(2, 3, lo=-2.0, hi=2.0)]]),
    "erfc": (tg.erfc, [[U(3)], [U(2, 3, lo=-2.0, hi=2.0)]]),
    "lgamma": (tg.lgamma, [[P(3)], [U(2, 3, lo=-2.9, hi=-2.1)]]),
    "digamma": (tg.digamma, [[P(3)], [U(2, 3, lo=-1.9, hi=-1.1)]]),
    "polygamma1": (lambda x: tg.polygamma(1, x), [[P(3)], [U(2, 3, lo=-0.9, hi=-0.1)]]),
    "polygamma2": (lambda x: x.polygamma(2), [[P(2, 3)]]),
    "xlogy": (tg.xlogy, [[U(3), P(3)], [U(2, 3), P(3)], [U(3, 1), P(1, 4)]]),
    "xlogy_scalar_other": (lambda x: tg.xlogy(x, 2.5), [[U(2, 3)]]),
    "xlogy_scalar_self": (lambda x: tg.xlogy(1.5, x), [[P(2, 3)]]),
    # binary
    "add": (tg.add, [[U(3), U(3)], [U(3, 1), U(1, 4)], [U(2, 3), U(3)]]),
    "add_alpha": (lambda a, b: tg.add(a, b, alpha=2.5), [[U(2, 3), U(3)]]),
    "add_scalar": (lambda a: a + 1.5, [[U(2, 3)]]),
    "sub": (tg.sub, [[U(3), U(3)], [U(3, 1), U(1, 4)], [U(2, 3), U(3)]]),
    "rsub": (lambda a: 1.5 - a, [[U(2, 3)]]),
    "rsub_fn": (lambda a, b: tg.rsub(a, b), [[U(2, 3), U(3)]]),
    "mul": (tg.mul, [[U(3), U(3)], [U(3, 1), U(1, 4)], [U(2, 3), U(3)]]),
    "div": (tg.div, [[U(3), P(3)], [U(3, 1), P(1, 4)], [U(2, 3), P(3)]]),
    "rdiv": (lambda a: 2.0 / a, [[P(2, 3)]]),
    "remainder": (tg.remainder, [[U(4, lo=0.1, hi=0.9), U(4, lo=1.2, hi=1.5)], [U(2, 3, lo=2.6, hi=3.5), U(3, lo=1.2, hi=1.5)]]),
    "fmod": (tg.fmod, [[U(4, lo=0.1, hi=0.9), U(4, lo=1.2, hi=1.5)], [U(2, 3, lo=2.6, hi=3.5), U(3, lo=1.2, hi=1.5)]]),
    "maximum": (tg.maximum, [[_distinct(6), U(6, lo=0.01, hi=0.04)], [_distinct(2, 3), U(3, lo=0.01, hi=0.04)]]),
    "minimum": (tg.minimum, [[_distinct(6), U(6, lo=0.01, hi=0.04)], [_distinct(3, 1), U(1, 4, lo=0.01, hi=0.04)]]),
    "where": (lambda a, b: tg.where(tg.tensor(_COND), a, b), [[U(3, 4), U(3, 4)], [U(3, 1), U(4)]]),
    # reductions
    "sum": (tg.sum, [[U(3)], [U(2, 3)]]),
    "sum_dim": (lambda x: x.sum(1), [[U(2, 3)], [U(2, 3, 2)]]),
    "sum_keepdim": (lambda x: x.sum((0, 2), keepdim=True), [[U(2, 3, 2)]]),
    "mean": (tg.mean, [[U(3)], [U(2, 3)]]),
    "mean_dim": (lambda x: x.mean(-1, keepdim=True), [[U(2, 3)], [U(2, 3, 2)]]),
    "prod": (tg.prod, [[U(3)], [U(2, 3)]]),
    "prod_dim": (lambda x: tg.prod(x, 1), [[U(2, 3)], [U(2, 3, 2)]]),
    "prod_keepdim": (lambda x: tg.prod(x, 0, keepdim=True), [[U(2, 3)]]),
    "max": (tg.max, [[_distinct(5)], [_distinct(2, 3)]]),
    "min": (tg.min, [[_distinct(5)], [_distinct(2, 3)]]),
    "max_dim": (lambda x: tg.max(x, 1).values, [[_distinct(2, 3)], [_distinct(2, 3, 2)]]),
    "max_dim_keep": (lambda x: x.max(dim=0, keepdim=True)[0], [[_distinct(2, 3)]]),
    "min_dim": (lambda x: tg.min(x, 1).values, [[_distinct(2, 3)], [_distinct(2, 3, 2)]]),
    "amax": (lambda x: tg.amax(x, 1), [[_distinct(2, 3)], [_distinct(2, 3, 2)]]),
    "amax_all": (lambda x: tg.amax(x), [[_distinct(2, 3)]]),
    "amin": (lambda x: tg.amin(x, 0), [[_distinct(2, 3)], [_distinct(2, 3, 2)]]),
    "roll": (lambda x: tg.roll(x, (1, -2), (0, 1)), [[U(3, 4)]]),
    "roll_flat": (lambda x: x.roll(5), [[U(3, 4)]]),
    "masked_fill": (lambda x: x.masked_fill(tg.tensor(_COND), 0.5), [[U(3, 4)]]),
    "masked_fill_row": (lambda x: tg.masked_fill(x, tg.tensor(_COND[0]), -1.0), [[U(3, 4)]]),
    "movedim": (lambda x: tg.movedim(x, 0, -1), [[U(2, 3, 4)]]),
    "einsum_mm": (lambda a, b: tg.einsum("ij,jk->ik", a, b), [[U(2, 3), U(3, 4)]]),
    "einsum_batched": (lambda a, b: tg.einsum("bij,jk->bki", a, b), [[U(2, 4, 3), U(3, 2)]]),
    "einsum_three": (lambda a, b, c: tg.einsum("ij,kj,lk->il", a, b, c), [[U(2, 3), U(4, 3), U(2, 4)]]),
    "einsum_diag": (lambda m, v: tg.einsum("ii,i->i", m, v), [[U(3, 3), U(3)]]),
    "einsum_ellipsis": (lambda a, v: tg.einsum("...j,j->...", a, v), [[U(2, 4, 3), U(3)]]),
    "einsum_outer": (lambda u, v: tg.einsum("i,j", u, v), [[U(3), U(2)]]),
    "scatter": (lambda x, s: x.scatter(1, tg.tensor([[0, 2], [3, 1], [1, 0]]), s), [[U(3, 4), U(3, 2)]]),
    "scatter_value": (lambda x: tg.scatter(x, 0, tg.tensor([[2, 0, 1, 2]]), value=0.5), [[U(3, 4)]]),
    "index_add": (lambda x, s: x.index_add(0, tg.tensor([2, 0, 2]), s, alpha=1.5), [[U(3, 4), U(3, 4)]]),
    "atan2": (tg.atan2, [[U(3), U(3)], [U(2, 3), P(3)]]),
    "hypot": (tg.hypot, [[P(3), U(3)], [U(2, 3), P(3)]]),
    "logaddexp": (tg.logaddexp, [[U(3), U(3)], [U(2, 3), U(3)]]),
    # well-conditioned square matrices: the identity plus a small perturbation
    "inv": (lambda a: tg.linalg.inv(a + tg.eye(3, dtype=tg.float64)), [[U(3, 3, lo=-0.3, hi=0.3)], [U(2, 3, 3, lo=-0.3, hi=0.3)]]),
    "det": (lambda a: tg.linalg.det(a + tg.eye(3, dtype=tg.float64)), [[U(3, 3, lo=-0.3, hi=0.3)], [U(2, 3, 3, lo=-0.3, hi=0.3)]]),
    "logabsdet": (lambda a: tg.linalg.slogdet(a - 2 * tg.eye(3, dtype=tg.float64)).logabsdet, [[U(3, 3, lo=-0.3, hi=0.3)]]),
    "solve": (lambda a, b: tg.linalg.solve(a + tg.eye(3, dtype=tg.float64), b), [[U(3, 3, lo=-0.3, hi=0.3), U(3, 2)], [U(2, 3, 3, lo=-0.3, hi=0.3), U(3)]]),
    "solve_vec": (lambda a, b: tg.linalg.solve(a + tg.eye(3, dtype=tg.float64), b), [[U(3, 3, lo=-0.3, hi=0.3), U(3)], [U(2, 3, 3, lo=-0.3, hi=0.3), U(2, 3)]]),
    "kthvalue": (lambda x: tg.kthvalue(x, 2, 1).values, [[_distinct(2, 3)], [_distinct(2, 4, 2)]]),
    "kthvalue_keep": (lambda x: x.kthvalue(3, dim=0, keepdim=True)[0], [[_distinct(4, 3)]]),
    "median": (tg.median, [[_distinct(5)], [_distinct(2, 3)]]),
    "median_dim": (lambda x: tg.median(x, 1).values, [[_distinct(2, 3)], [_distinct(2, 4, 2)]]),
    "median_keep": (lambda x: x.median(dim=0, keepdim=True)[0], [[_distinct(4, 3)]]),
    "cumsum": (lambda x: tg.cumsum(x, 0), [[U(4)], [U(3, 2)]]),
    "cumsum1": (lambda x: x.cumsum(dim=1), [[U(3, 2)]]),
    "cumprod": (lambda x: tg.cumprod(x, 0), [[U(4)], [U(3, 2)]]),
    "cumprod1": (lambda x: x.cumprod(dim=1), [[U(3, 4)]]),
    # exact zeros in the input: the rules switch from y / x to the products without x_i
    "cumprod_zeros": (lambda x: (x * tg.tensor(_ZEROS)).cumprod(1), [[U(2, 4)]]),
    "cumprod_zeros0": (lambda x: (x * tg.tensor(_ZEROS.T)).cumprod(0), [[U(4, 2)]]),
    "norm": (tg.norm, [[U(3)], [U(2, 3)]]),
    "norm_dim": (lambda x: tg.norm(x, dim=1), [[U(2, 3)]]),
    "norm_p1": (lambda x: tg.norm(x, p=3), [[P(2, 3)]]),
    "var": (tg.var, [[U(3)], [U(2, 3)]]),
    "var_dim": (lambda x: tg.var(x, 1, keepdim=True), [[U(2, 3)]]),
    "std": (tg.std, [[U(3)], [U(2, 3)]]),
    "std_dim": (lambda x: tg.std(x, dim=0), [[U(2, 3)]]),
    "logsumexp": (lambda x: tg.logsumexp(x, 1), [[U(2, 3)], [U(2, 3, 2)]]),
    "logsumexp0": (lambda x: tg.logsumexp(x, 0, keepdim=True), [[U(4)]]),
    "softmax": (lambda x: tg.softmax(x, -1), [[U(4)], [U(2, 3)]]),
    "softmax0": (lambda x: tg.softmax(x, 0), [[U(2, 3)]]),
    "log_softmax": (lambda x: tg.log_softmax(x, -1), [[U(4)], [U(2, 3)]]),
    "log_softmax0": (lambda x: tg.log_softmax(x, 0), [[U(2, 3)]]),
    # linear algebra
    "dot": (tg.dot, [[U(3), U(3)], [U(5), U(5)]]),
    "mv": (tg.mv, [[U(2, 3), U(3)], [U(4, 2), U(2)]]),
    "mm": (tg.mm, [[U(2, 3), U(3, 4)], [U(1, 2), U(2, 2)]]),
    "matmul_mm": (tg.matmul, [[U(2, 3), U(3, 4)]]),
    "matmul_mv": (tg.matmul, [[U(2, 3), U(3)]]),
    "matmul_vm": (tg.matmul, [[U(3), U(3, 4)]]),
    "matmul_dot": (tg.matmul, [[U(3), U(3)]]),
    "matmul_batched": (lambda a, b: a @ b, [[U(2, 3, 4), U(4, 5)], [U(5), U(2, 5, 3)], [U(2, 1, 2, 3), U(3, 3, 2)], [U(2, 3, 4), U(4)]]),
    "bmm": (tg.bmm, [[U(2, 3, 4), U(2, 4, 2)]]),
    "outer": (tg.outer, [[U(3), U(4)]]),
    "trace": (tg.trace, [[U(3, 3)], [U(2, 3)]]),
    "diag_embed": (tg.diag, [[U(3)]]),
    "diag_extract": (tg.diag, [[U(3, 3)], [U(2, 4)]]),
    "tril": (tg.tril, [[U(3, 3)], [U(2, 4)]]),
    "triu": (lambda x: tg.triu(x, 1), [[U(3, 3)], [U(2, 4)]]),
    # shape
    "reshape": (lambda x: x.reshape(3, -1), [[U(2, 3)], [U(6, 1)]]),
    "reshape_copy": (lambda x: x.t().reshape(-1), [[U(2, 3)], [U(4, 5)]]),
    "view": (lambda x: x.view(-1), [[U(2, 3)], [U(3, 1, 2)]]),
    "flatten": (lambda x: tg.flatten(x, 1), [[U(2, 3, 2)]]),
    "flatten_all": (lambda x: x.flatten(), [[U(2, 3, 2)]]),
    "squeeze": (tg.squeeze, [[U(2, 1, 3)], [U(1, 3, 1)]]),
    "squeeze_dim": (lambda x: x.squeeze(1), [[U(2, 1, 3)]]),
    "unsqueeze": (lambda x: x.unsqueeze(1), [[U(2, 3)], [U(3)]]),
    "permute": (lambda x: x.permute(2, 0, 1), [[U(2, 3, 2)]]),
    "transpose": (lambda x: x.transpose(0, 1), [[U(2, 3)], [U(2, 3, 2)]]),
    "t": (tg.t, [[U(2, 3)], [U(3)]]),
    "T": (lambda x: x.T, [[U(2, 3)]]),
    "expand": (lambda x: x.expand(2, 3, 4), [[U(3, 1)], [U(4)]]),
    "expand_as": (lambda x, y: x.expand_as(y) * y, [[U(3, 1), U(3, 4)]]),
    "repeat": (lambda x: x.repeat(2, 3), [[U(2, 3)], [U(3)]]),
    "cat": (lambda a, b: tg.cat([a, b], 0), [[U(2, 3), U(1, 3)], [U(3), U(2)]]),
    "cat1": (lambda a, b: tg.cat((a, b), dim=1), [[U(2, 3), U(2, 1)]]),
    "stack": (lambda a, b: tg.stack([a, b], 1), [[U(2, 3), U(2, 3)], [U(3), U(3)]]),
    "split": (lambda x: x.split(2, 1), [[U(2, 5)]]),
    "split_sections": (lambda x: tg.split(x, [1, 3], 0), [[U(4, 2)]]),
    "chunk": (lambda x: x.chunk(3, 0), [[U(6, 2)], [U(5)]]),
    "unbind": (lambda x: x.unbind(1), [[U(2, 3)]]),
    "unbind0": (lambda x: tg.unbind(x), [[U(3)]]),
    "narrow": (lambda x: x.narrow(1, 1, 2), [[U(2, 4)]]),
    "flip": (lambda x: x.flip(0), [[U(3)], [U(2, 3)]]),
    "flip2": (lambda x: tg.flip(x, (0, 1)), [[U(2, 3)]]),
    "clone": (tg.clone, [[U(3)], [U(2, 3)]]),
    "contiguous": (lambda x: x.t().contiguous(), [[U(2, 3)]]),
    "to_float64": (lambda x: x.to(tg.float64) * x, [[U(3)]]),
    "to_float32_and_back": (lambda x: x.to(tg.float32).to(tg.float64) * 0 + x.to(tg.float64), [[U(3)]]),
    # indexing
    "index_int": (lambda x: x[1], [[U(3, 4)], [U(3)]]),
    "index_slice": (lambda x: x[1:, ::2], [[U(3, 4)]]),
    "index_slice1": (lambda x: x[:2], [[U(3)]]),
    "index_list": (lambda x: x[[0, 2, 2]], [[U(3, 4)], [U(3)]]),
    "index_mask": (lambda x: x[tg.tensor(_MASK)], [[U(3, 4)]]),
    "index_none": (lambda x: x[None], [[U(3, 4)]]),
    "index_none_mid": (lambda x: x[:, None], [[U(3, 4)]]),
    "index_ellipsis": (lambda x: x[...], [[U(3, 4)]]),
    "index_mixed": (lambda x: x[1, [0, 3]], [[U(3, 4)]]),
    "gather": (lambda x: tg.gather(x, 1, tg.tensor(_GATHER_IDX)), [[U(3, 4)]]),
    "gather0": (lambda x: x.gather(0, tg.tensor(_GATHER0_IDX)), [[U(3, 4)]]),
    "gather_wide": (lambda x: x.gather(1, tg.tensor(_GATHER_WIDE_IDX)), [[U(2, 4)]]),
    "scatter_add": (lambda x, s: tg.scatter_add(x, 1, tg.tensor(_GATHER_IDX), s),
                    [[U(3, 4), U(3, 2)], [U(3, 4), U(4, 3)]]),
    "scatter_add0": (lambda x, s: x.scatter_add(0, tg.tensor(_GATHER0_IDX), s),
                     [[U(3, 4), U(2, 3)]]),
    "index_select": (lambda x: tg.index_select(x, 0, tg.tensor([2, 0, 2])), [[U(3, 4)], [U(3)]]),
    # nn's fused ops (tapegrad/_ops/layers.py)
    "linear": (tg.nn.functional.linear, [[U(2, 3), U(4, 3), U(4)], [U(3), U(4, 3), U(4)],
                                         [U(2, 2, 3), U(4, 3), U(4)]]),
    "embedding": (lambda w: tg.nn.functional.embedding(tg.tensor([[0, 2], [2, 1]]), w),
                  [[U(3, 4)]]),
    "index_select1": (lambda x: x.index_select(1, tg.tensor([3, 1])), [[U(3, 4)]]),
    "sort": (tg.sort, [[_distinct(5)], [_distinct(2, 3)]]),
    "sort_desc0": (lambda x: x.sort(0, descending=True).values, [[_distinct(3, 2)]]),
    "topk": (lambda x: tg.topk(x, 2), [[_distinct(5)], [_distinct(2, 4)]]),
    "topk_smallest": (lambda x: x.topk(2, dim=0, largest=False).values, [[_distinct(3, 2)]]),
    "setitem_basic": (_setitem_basic, [[U(3, 4), U(2, 2)]]),
    "setitem_adv": (_setitem_adv, [[U(3, 4), U(2, 4)]]),
    "inplace_on_view": (_inplace_on_view, [[U(3, 4), U(3, 3)], [U(2, 3), U(2)]]),
    "iadd_into_constant_slice": (_iadd_into_constant_slice, [[U(3, 4), U(2, 2)]]),
}
# tapegrad.nn's registry ops, with their rows kept beside their tests
from nn_gradcheck_cases import NN_CASES, NN_INDIRECT  # noqa: E402
from nn_conv_cases import CASES as CONV_CASES, INDIRECT as CONV_INDIRECT  # noqa: E402
from nn_pooling_cases import POOLING_CASES, POOLING_INDIRECT  # noqa: E402
CASES.update(NN_CASES)
CASES.update(CONV_CASES)
CASES.update(POOLING_CASES)
from core_alias_cases import CASES as ALIAS_CASES, INDIRECT as ALIAS_INDIRECT  # noqa: E402
CASES.update(ALIAS_CASES)
from nn_grid_cases import CASES as GRID_CASES, INDIRECT as GRID_INDIRECT  # noqa: E402
CASES.update(GRID_CASES)
import importlib  # noqa: E402
FAMILY_CASE_MODULES = [importlib.import_module(name) for name in (
    "core_linalg_cases", "core_math_cases", "core_reduction_cases", "core_indexing_cases",
    "core_bits_cases", "core_surface_cases", "nn_rnn_cases", "nn_more_cases")]
for _module in FAMILY_CASE_MODULES:
    CASES.update(_module.CASES)


def _as_outputs(out):
    if isinstance(out, (tuple, list)):
        return [o for o in out if o.dtype == tg.float64]
    return [out]


# Known bugs in src (see the reasons); strict so that a fix is noticed.
XFAIL: dict = {}


def _ids(order):
    for name, (fn, shapes) in CASES.items():
        for i, specs in enumerate(shapes):
            reason = XFAIL.get((order, name)) or XFAIL.get((order, f"{name}-{i}"))
            marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
            yield pytest.param(name, i, id=f"{name}-{i}", marks=marks)


def _run(fn, arrays):
    return _as_outputs(fn(*[tg.tensor(a) for a in arrays]))


def _fd_grad(fn, arrays, vs):
    """Central differences of sum(v . f(x)) w.r.t. each input."""
    grads = []
    for k, a in enumerate(arrays):
        g = np.zeros_like(a)
        for idx in np.ndindex(a.shape):
            plus = [b.copy() for b in arrays]
            minus = [b.copy() for b in arrays]
            plus[k][idx] += EPS
            minus[k][idx] -= EPS
            fp = sum(float((o.numpy() * v).sum()) for o, v in zip(_run(fn, plus), vs))
            fm = sum(float((o.numpy() * v).sum()) for o, v in zip(_run(fn, minus), vs))
            g[idx] = (fp - fm) / (2 * EPS)
        grads.append(g)
    return grads


def _first_grad(fn, arrays, vs):
    xs = [tg.tensor(a, requires_grad=True) for a in arrays]
    outs = _as_outputs(fn(*xs))
    gs = tg.autograd.grad(outs, xs, [tg.tensor(v) for v in vs], allow_unused=True)
    return [np.zeros_like(a) if g is None else g.detach().numpy() for a, g in zip(arrays, gs)]


def graph_ops(tensors) -> set:
    """Names of the registry ops whose nodes appear in the graphs behind ``tensors``."""
    seen_nodes = set()
    names = set()
    stack = [t.grad_fn for t in tensors if t is not None and t.grad_fn is not None]
    while stack:
        node = stack.pop()
        if id(node) in seen_nodes:
            continue
        seen_nodes.add(id(node))
        names.add(type(node).op.name)
        for edge in node._next:
            if edge is not None and isinstance(edge[0], Node):
                stack.append(edge[0])
    return names


def _output_grads(arrays, fn, seed):
    rng = _rng(seed + 100)
    outs = _run(fn, arrays)
    return [rng.standard_normal(o.shape) for o in outs]


@pytest.mark.parametrize("name,i", list(_ids("first")))
def test_first_order(name, i):
    fn, shapes = CASES[name]
    arrays = _make_any(shapes[i], seed=i + 1)
    vs = _output_grads(arrays, fn, i)
    analytic = _first_grad(fn, arrays, vs)
    numeric = _fd_grad(fn, arrays, vs)
    for a, n in zip(analytic, numeric):
        assert a.shape == n.shape
        np.testing.assert_allclose(a, n, rtol=TOL, atol=TOL)


def _second_order(fn, arrays, vs, seed):
    """Differentiate s = sum(u . grad(f)(x, v)) w.r.t. x and v; return analytic, numeric, op names."""
    rng = _rng(seed + 200)
    us = [rng.standard_normal(a.shape) for a in arrays]
    xs = [tg.tensor(a, requires_grad=True) for a in arrays]
    vts = [tg.tensor(v, requires_grad=True) for v in vs]
    outs = _as_outputs(fn(*xs))
    gs = tg.autograd.grad(outs, xs, vts, create_graph=True, allow_unused=True)
    names = graph_ops([g for g in gs if g is not None])
    s = None
    for g, u in zip(gs, us):
        if g is None:
            continue
        term = (g * tg.tensor(u)).sum()
        s = term if s is None else s + term
    wrt = xs + vts
    if s is None or not s.requires_grad:
        analytic = [np.zeros_like(w.detach().numpy()) for w in wrt]
    else:
        hs = tg.autograd.grad(s, wrt, allow_unused=True)
        analytic = [np.zeros_like(w.detach().numpy()) if h is None else h.detach().numpy()
                    for w, h in zip(wrt, hs)]

    def first(vals):
        ar, vv = vals[:len(arrays)], vals[len(arrays):]
        g1 = _first_grad(fn, ar, vv)
        return sum(float((g * u).sum()) for g, u in zip(g1, us))

    allv = [a.copy() for a in arrays] + [v.copy() for v in vs]
    numeric = []
    for k, a in enumerate(allv):
        h = np.zeros_like(a)
        for idx in np.ndindex(a.shape):
            plus = [b.copy() for b in allv]
            minus = [b.copy() for b in allv]
            plus[k][idx] += EPS
            minus[k][idx] -= EPS
            h[idx] = (first(plus) - first(minus)) / (2 * EPS)
        numeric.append(h)
    return analytic, numeric, names


@pytest.mark.parametrize("name,i", list(_ids("second")))
def test_second_order(name, i):
    fn, shapes = CASES[name]
    arrays = _make_any(shapes[i], seed=i + 1)
    vs = _output_grads(arrays, fn, i)
    analytic, numeric, _ = _second_order(fn, arrays, vs, i)
    for a, n in zip(analytic, numeric):
        assert a.shape == n.shape
        np.testing.assert_allclose(a, n, rtol=TOL, atol=TOL)


# Internal ops that no public function records directly; they appear in gradient graphs.
INDIRECT = ({"index_backward", "sum_to_size", "select"} | NN_INDIRECT | CONV_INDIRECT
            | POOLING_INDIRECT | ALIAS_INDIRECT | GRID_INDIRECT
            | set().union(*(m.INDIRECT for m in FAMILY_CASE_MODULES)))

_coverage_cache: dict = {}


def _coverage():
    if not _coverage_cache:
        forward_ops, grad_graph_ops = set(), set()
        for name, (fn, shapes) in CASES.items():
            for i, specs in enumerate(shapes):
                arrays = _make_any(specs, seed=1)
                xs = [tg.tensor(a, requires_grad=True) for a in arrays]
                outs = _as_outputs(fn(*xs))
                forward_ops |= graph_ops(outs)
                try:
                    vts = [tg.tensor(np.ones(o.shape), requires_grad=True) for o in outs]
                    gs = tg.autograd.grad(outs, xs, vts, create_graph=True, allow_unused=True)
                except Exception:  # failures are reported by the gradcheck tests themselves
                    continue
                grad_graph_ops |= graph_ops([g for g in gs if g is not None])
        _coverage_cache["forward"] = forward_ops
        _coverage_cache["grad"] = grad_graph_ops
    return _coverage_cache["forward"], _coverage_cache["grad"]


def _registry_params():
    for n, op in sorted(REGISTRY.items()):
        if op.kind == "none":
            continue
        yield pytest.param(n, id=n)


@pytest.mark.parametrize("opname", list(_registry_params()))
def test_registry_op_is_covered(opname):
    forward_ops, grad_ops = _coverage()
    if opname in INDIRECT:
        assert opname in grad_ops, f"helper op {opname} never exercised in second-order graphs"
    else:
        assert opname in forward_ops, f"op {opname} is not exercised by the gradcheck table"


def test_allow_list_names_exist():
    assert INDIRECT <= set(REGISTRY)
    assert all(REGISTRY[n].kind != "none" for n in INDIRECT)
