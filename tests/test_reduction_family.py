"""The 'reductions' family of issue 14 against real torch: scans (cummax, cummin,
logcumsumexp), statistics (std_mean, var_mean, nansum, nanmean, nanmedian, mode, aminmax, dist,
histc, histogram, cov, corrcoef, quantile, nanquantile, cumulative_trapezoid), the matrix
products (addmv, addr, addbmm, baddbmm, vdot, inner, kron, cross, block_diag, cartesian_prod,
combinations, chain_matmul, ger) and the reduction edge cases (0-d tensors reduced over dim 0
or -1; var/std with N - correction <= 0).

Every case is one function of the library module (``torch`` or ``tapegrad``) and its inputs;
both are run on the same numbers and compared: values, dtypes, shapes, grad_fn names,
gradients of a weighted sum of the float outputs, and errors (type and message).
"""
from __future__ import annotations

import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")
import tapegrad as tg  # noqa: E402

NAN = float("nan")
RNG = np.random.default_rng(14)
A34 = RNG.standard_normal((3, 4))
A235 = RNG.standard_normal((2, 3, 5))
V3, V4, V5 = RNG.standard_normal(3), RNG.standard_normal(4), RNG.standard_normal(5)
B234, B245 = RNG.standard_normal((2, 3, 4)), RNG.standard_normal((2, 4, 5))
M35 = RNG.standard_normal((3, 5))
WITH_NAN = np.array([[1.0, NAN, 3.0, 2.0], [4.0, NAN, NAN, 1.0], [2.0, 2.0, 5.0, 0.5]])
TIES = np.array([[1.0, 2.0, 2.0, 3.0, 3.0, 1.0], [5.0, 5.0, 4.0, 4.0, 4.0, 0.0]])
ROUNDED = np.round(RNG.standard_normal((4, 6)) * 1.5)

# name -> (fn(m, *tensors), input arrays); inputs are float32 tensors that require grad.
CASES = {
    # scans
    "cummax": (lambda m, x: m.cummax(x, 1), [A34]),
    "cummax_neg_dim": (lambda m, x: x.cummax(-2), [A34]),
    "cummax_nan": (lambda m, x: m.cummax(x, 1), [WITH_NAN]),
    "cummin": (lambda m, x: x.cummin(0), [A34]),
    "cummin_ties": (lambda m, x: m.cummin(x, 1), [TIES]),
    "cummax_0d": (lambda m, x: m.cummax(x.sum(), 0), [A34]),
    "logcumsumexp": (lambda m, x: m.logcumsumexp(x, 1), [A34]),
    "logcumsumexp_0": (lambda m, x: x.logcumsumexp(0), [A235 * 30]),
    # statistics
    "std_mean": (lambda m, x: m.std_mean(x, 1), [A34]),
    "std_mean_all": (lambda m, x: m.std_mean(x), [A34]),
    "std_mean_unbiased_pos": (lambda m, x: m.std_mean(x, 0, False), [A34]),
    "var_mean": (lambda m, x: m.var_mean(x, (0, 2), correction=0, keepdim=True), [A235]),
    "var_mean_all": (lambda m, x: m.var_mean(x), [A34]),
    "nansum": (lambda m, x: x.nansum(1), [WITH_NAN]),
    "nansum_all": (lambda m, x: m.nansum(x), [WITH_NAN]),
    "nansum_keep": (lambda m, x: m.nansum(x, (0, 1), keepdim=True), [A34]),
    "nanmean": (lambda m, x: x.nanmean(), [WITH_NAN]),
    "nanmean_dim": (lambda m, x: m.nanmean(x, 1, keepdim=True), [WITH_NAN]),
    "nanmedian": (lambda m, x: x.nanmedian(), [WITH_NAN]),
    "nanmedian_dim": (lambda m, x: m.nanmedian(x, 1), [WITH_NAN]),
    "nanmedian_keep": (lambda m, x: m.nanmedian(x, 0, keepdim=True), [A34]),
    "median_0d_dim": (lambda m, x: m.median(x.sum(), 0), [A34]),
    "mode": (lambda m, x: m.mode(x), [TIES]),
    "mode_dim0": (lambda m, x: x.mode(0, True), [ROUNDED]),
    "aminmax": (lambda m, x: x.aminmax(), [A34]),
    "aminmax_dim": (lambda m, x: m.aminmax(x, dim=1), [A34]),
    "aminmax_keep": (lambda m, x: m.aminmax(x, dim=-1, keepdim=True), [A235]),
    "dist": (lambda m, x, y: x.dist(y), [A34, V4]),
    "dist_p3": (lambda m, x, y: m.dist(x, y, 3), [A34, A34 * 2]),
    "dist_p1": (lambda m, x, y: m.dist(x, y, 1), [V5, V5 + 1]),
    "dist_inf": (lambda m, x, y: m.dist(x, y, float("inf")), [A34, V4]),
    "dist_p0": (lambda m, x: m.dist(x, x.detach() * 0.5, 0), [V4]),
    "cov": (lambda m, x: x.cov(), [A34]),
    "cov_1d": (lambda m, x: m.cov(x[0], correction=0), [A34]),
    "cov_weights": (lambda m, x: m.cov(x, fweights=m.tensor([1, 2, 1, 3]),
                                       aweights=m.tensor([0.5, 1.0, 2.0, 0.1])), [A34]),
    "corrcoef": (lambda m, x: m.corrcoef(x), [A34]),
    "cumulative_trapezoid": (lambda m, y: m.cumulative_trapezoid(y), [A34]),
    "cumulative_trapezoid_dx": (lambda m, y: m.cumulative_trapezoid(y, dx=0.5, dim=0), [A34]),
    "cumulative_trapezoid_x": (lambda m, y, x: m.cumulative_trapezoid(y, x), [A34, np.array(
        [0.0, 1.0, 3.0, 4.5])]),
    "renorm": (lambda m, x: x.renorm(2, 0, 1.0), [A34]),
    "renorm_p1_dim1": (lambda m, x: m.renorm(x, 1, 1, 2.0), [A34]),
    "renorm_p3_last": (lambda m, x: m.renorm(x, 3, -1, 0.5), [A235]),
    **{f"pdist_p{p}": ((lambda p: lambda m, x: m.pdist(x, p))(p), [A34])
       for p in (2, 1, 3, 0.5, float("inf"), 0)},
    "gradient": (lambda m, x: m.gradient(x), [A34]),
    "gradient_dim": (lambda m, x: m.gradient(x, dim=1), [A34]),
    "gradient_edge2": (lambda m, x: m.gradient(x, spacing=2.0, dim=0, edge_order=2), [A34]),
    "gradient_steps": (lambda m, x: m.gradient(x, spacing=[2.0, 0.5]), [A34]),
    "gradient_coords": (lambda m, x: m.gradient(x, spacing=(m.tensor([0.0, 1, 3, 4.5]),),
                                                dim=1, edge_order=2), [A34]),
    "gradient_coords1": (lambda m, x: m.gradient(x, spacing=(m.tensor([0.0, 1, 3]),), dim=0),
                         [A34]),
    # matrix products
    "addmv": (lambda m, i, a, v: m.addmv(i, a, v), [V3, A34, V4]),
    "addmv_scaled": (lambda m, i, a, v: i.addmv(a, v, beta=0.5, alpha=2), [V3[:1], A34, V4]),
    "addmv_beta0": (lambda m, i, a, v: m.addmv(i * NAN, a, v, beta=0), [V3, A34, V4]),
    "addr": (lambda m, i, a, b: m.addr(i, a, b, alpha=3), [A34, V3, V4]),
    "addr_method": (lambda m, i, a, b: i.addr(a, b, beta=2), [V4, V3, V4]),
    "addbmm": (lambda m, i, a, b: m.addbmm(i, a, b, beta=0.5, alpha=-1), [M35, B234, B245]),
    "baddbmm": (lambda m, i, a, b: i.baddbmm(a, b, alpha=2), [M35, B234, B245]),
    "vdot": (lambda m, a, b: m.vdot(a, b), [V4, V4 * 2]),
    "inner_1d": (lambda m, a, b: m.inner(a, b), [V4, V4]),
    "inner_nd": (lambda m, a, b: a.inner(b), [A235, M35]),
    "inner_0d": (lambda m, a, b: m.inner(a.sum(), b), [V3, A34]),
    "kron": (lambda m, a, b: m.kron(a, b), [A34, V3]),
    "kron_ranks": (lambda m, a, b: a.kron(b), [A235, A34]),
    "cross": (lambda m, a, b: m.cross(a, b, dim=-1), [A34[:, :3], A34[:, 1:]]),
    "cross_dim0": (lambda m, a, b: a.cross(b, dim=0), [A34[:, :3].T.copy(), A34[:, 1:].T.copy()]),
    "cross_broadcast": (lambda m, a, b: m.cross(a, b, dim=1), [A34[:, :3], A34[:1, 1:]]),
    "block_diag": (lambda m, a, b, c: m.block_diag(a, b, c.sum()), [A34, V3, V4]),
    "cartesian_prod": (lambda m, a, b: m.cartesian_prod(a, b), [V3, V4]),
    "cartesian_prod_3": (lambda m, a, b: m.cartesian_prod(a, b, a), [V3, V4[:2]]),
    "combinations": (lambda m, a: m.combinations(a), [V4]),
    "combinations_r3": (lambda m, a: m.combinations(a, 3, with_replacement=True), [V3]),
    "combinations_r1": (lambda m, a: m.combinations(a, r=1), [V3]),
    "ger": (lambda m, a, b: a.ger(b), [V3, V4]),
    # vector norms: one LinalgVectorNormBackward0 node for every p
    **{f"norm_p{p}": ((lambda p: lambda m, x: x.norm(p=p, dim=1))(p), [A34 * np.array(
        [1.0, 0.0, 1.0, 1.0])]) for p in (1, 3, 0.5, float("inf"), float("-inf"), 0, -1)},
    "norm_p1_all": (lambda m, x: m.norm(x, 1), [A34]),
    "norm_zero_p3": (lambda m, x: (x * 0).norm(p=3, dim=0, keepdim=True), [A34]),
    # reductions of a 0-d tensor along dim 0 / -1 (issue 14 item 7)
    **{f"{name}_0d_{d}": ((lambda name, d: lambda m, x: getattr(m, name)(x.sum(), d))(name, d),
                          [A34])
       for name in ("sum", "mean", "prod", "logsumexp", "amax", "amin", "nansum", "std", "var",
                    "max", "min", "argmax", "all", "any", "count_nonzero")
       for d in (0, -1)},
    "sum_0d_keepdim": (lambda m, x: m.sum(x.sum(), 0, keepdim=True), [A34]),
    "var_single": (lambda m, x: x[0, :1].var(), [A34]),
    "std_single_dim": (lambda m, x: x[:, :1].std(1), [A34]),
    "var_correction_too_big": (lambda m, x: m.var(x[0, :3], correction=3), [A34]),
    **{f"{f}_correction_{c}_dim": ((lambda f, c: lambda m, x: getattr(x, f)(
        1, correction=c, keepdim=True))(f, c), [A34]) for f in ("var", "std") for c in (4, 5)},
    "std_correction_too_big": (lambda m, x: m.std(x[0, :2], correction=3), [A34]),
    "var_empty": (lambda m, x: x[0, :0].var(), [A34]),
}


def _tensors(m, arrays):
    out = []
    for a in arrays:
        t = m.tensor(np.asarray(a, dtype=np.float32))
        out.append(t.requires_grad_())
    return out


def _flat(result):
    if isinstance(result, (tuple, list)):
        return [x for r in result for x in _flat(r)]
    return [result]


def _run(m, fn, arrays):
    """The case's outputs as (kind, payload) records, and its inputs' gradients."""
    xs = _tensors(m, arrays)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result = fn(m, *xs)
        except Exception as exc:  # noqa: BLE001 - the error itself is compared
            return [("error", type(exc).__name__, str(exc))], [], []
    outs = _flat(result)
    records = [(str(o.dtype).split(".")[-1], tuple(o.shape),
                None if o.grad_fn is None else type(o.grad_fn).__name__) for o in outs]
    values = [o.detach().numpy().astype(np.float64) for o in outs]
    diff = [o for o in outs if o.requires_grad]
    grads = []
    if diff:
        total = sum((o * m.arange(1.0, o.numel() + 1).reshape(o.shape)).sum() for o in diff)
        total.backward()
        grads = [None if x.grad is None else x.grad.numpy().astype(np.float64) for x in xs]
    warned = [str(w.message) for w in caught]
    return records + [("warnings", warned)], values, grads


@pytest.mark.parametrize("name", sorted(CASES))
def test_matches_torch(name):
    fn, arrays = CASES[name]
    want_records, want_values, want_grads = _run(torch, fn, arrays)
    got_records, got_values, got_grads = _run(tg, fn, arrays)
    assert got_records == want_records
    assert len(got_values) == len(want_values)
    for got, want in zip(got_values, want_values):
        np.testing.assert_allclose(got, want, rtol=2e-5, atol=2e-6, equal_nan=True)
    assert [g is None for g in got_grads] == [g is None for g in want_grads]
    for got, want in zip(got_grads, want_grads):
        if want is not None:
            np.testing.assert_allclose(got, want, rtol=2e-4, atol=2e-5, equal_nan=True)


# -- errors, dtypes and non-differentiable results -----------------------------------------------
ERRORS = {
    "addmv_sizes": lambda m: m.addmv(m.zeros(3), m.zeros(3, 4), m.zeros(5)),
    "addmv_ranks": lambda m: m.addmv(m.zeros(3), m.zeros(3, 4, 1), m.zeros(4)),
    "addmv_dtypes": lambda m: m.addmv(m.ones(3), m.ones(3, 2, dtype=m.float64), m.ones(2)),
    "addr_rank": lambda m: m.addr(m.zeros(3, 4), m.zeros(3, 1), m.zeros(4)),
    "addr_expand": lambda m: m.addr(m.zeros(2, 4), m.zeros(3), m.zeros(4)),
    "baddbmm_sizes": lambda m: m.baddbmm(m.zeros(2, 3, 5), m.zeros(2, 3, 4), m.zeros(3, 4, 5)),
    "addbmm_sizes": lambda m: m.addbmm(m.zeros(3, 5), m.zeros(2, 3, 4), m.zeros(2, 5, 5)),
    "addbmm_batch1_2d": lambda m: m.addbmm(m.zeros(3, 5), m.zeros(3, 4), m.zeros(2, 4, 5)),
    "addbmm_batch1_2d_fits": lambda m: m.addbmm(m.zeros(4, 5), m.zeros(3, 4), m.zeros(2, 4, 5)),
    "baddbmm_batch2_2d": lambda m: m.baddbmm(m.zeros(2, 3, 5), m.zeros(2, 3, 4), m.zeros(4, 5)),
    "baddbmm_batch1_2d": lambda m: m.baddbmm(m.zeros(3, 4, 5), m.zeros(3, 4), m.zeros(2, 4, 5)),
    "vdot_rank": lambda m: m.vdot(m.ones(3, 1), m.ones(3)),
    "vdot_sizes": lambda m: m.vdot(m.ones(3), m.ones(2)),
    "vdot_dtypes": lambda m: m.vdot(m.ones(3), m.ones(3, dtype=m.float64)),
    "inner_sizes": lambda m: m.inner(m.ones(2, 3), m.ones(4, 2)),
    "cross_no_3": lambda m: m.cross(m.ones(4, 4), m.ones(4, 4)),
    "cross_dim_len": lambda m: m.cross(m.ones(4, 3), m.ones(4, 3), dim=0),
    "cross_ranks": lambda m: m.cross(m.ones(2, 3), m.ones(3), dim=-1),
    "block_diag_3d": lambda m: m.block_diag(m.ones(2, 2, 2)),
    "cartesian_2d": lambda m: m.cartesian_prod(m.ones(2, 2)),
    "combinations_2d": lambda m: m.combinations(m.ones(2, 2)),
    "chain_matmul_1d": lambda m: m.chain_matmul(m.ones(3)),
    "logcumsumexp_int": lambda m: m.logcumsumexp(m.tensor([1, 2]), 0),
    "nanmean_int": lambda m: m.nanmean(m.tensor([1, 2])),
    "histc_int": lambda m: m.histc(m.tensor([1, 2])),
    "histc_range": lambda m: m.histc(m.tensor([1.0, 2.0]), 4, min=3, max=1),
    "quantile_q": lambda m: m.quantile(m.ones(3), 1.5),
    "quantile_q_tensor": lambda m: m.quantile(m.ones(3), m.tensor([1.5])),
    "quantile_q_dtype": lambda m: m.quantile(m.ones(3), m.tensor([0.5], dtype=m.float64)),
    "quantile_int": lambda m: m.quantile(m.tensor([1, 2]), 0.5),
    "quantile_interp": lambda m: m.quantile(m.ones(3), 0.5, interpolation="foo"),
    "quantile_empty": lambda m: m.quantile(m.tensor([]), 0.5),
    "quantile_q_2d": lambda m: m.quantile(m.ones(3), m.ones(2, 2)),
    "sum_0d_dim1": lambda m: m.tensor(2.0).sum(1),
    "cov_3d": lambda m: m.cov(m.ones(2, 2, 2)),
    "renorm_p0": lambda m: m.ones(2, 3).renorm(0, 0, 1.0),
    "renorm_maxnorm": lambda m: m.ones(2, 3).renorm(2, 0, -1.0),
    "renorm_1d": lambda m: m.ones(3).renorm(2, 0, 1.0),
    "pdist_1d": lambda m: m.pdist(m.ones(3)),
    "pdist_negative_p": lambda m: m.pdist(m.ones(3, 2), -1),
    "gradient_small": lambda m: m.gradient(m.ones(2, 3), dim=0, edge_order=2),
    "gradient_spacing_len": lambda m: m.gradient(m.ones(2, 3), spacing=[1.0, 2.0, 3.0]),
    **{f"{name}_repeated_dim": (lambda name: lambda m: getattr(m, name)(m.ones(2, 3), (0, -2)))(
        name) for name in ("sum", "mean", "nansum", "logsumexp", "var", "std", "amax", "amin",
                           "count_nonzero", "all", "any")},
    "norm_repeated_dim": lambda m: m.norm(m.ones(2, 3), dim=(1, -1)),
}


def _outcome(m, fn):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            r = fn(m)
        except Exception as exc:  # noqa: BLE001 - the error itself is compared
            return type(exc).__name__, str(exc)
    return "ok", [str(x.dtype).split(".")[-1] for x in _flat(r)], [x.tolist() for x in _flat(r)]


@pytest.mark.parametrize("name", sorted(ERRORS))
def test_errors_match_torch(name):
    want = _outcome(torch, ERRORS[name])
    assert want[0] != "ok", "the case should raise in torch"
    assert _outcome(tg, ERRORS[name]) == want


PLAIN = {
    "histc": lambda m: m.histc(m.tensor([1.0, 2, 1, 5, -1]), bins=4),
    "histc_range": lambda m: m.tensor([1.0, 2, 1, 5, -1]).histc(bins=3, min=0, max=3),
    "histc_equal": lambda m: m.histc(m.tensor([1.0, 1.0]), bins=4),
    "histc_empty": lambda m: m.histc(m.tensor([]), bins=3),
    "histogram": lambda m: m.histogram(m.tensor([1.0, 2, 1]), bins=4),
    "histogram_edges": lambda m: m.tensor([1.0, 2, 1]).histogram(m.tensor([0.0, 1.5, 3])),
    "histogram_weights": lambda m: m.histogram(m.tensor([1.0, 2, 3, 9]), 2, weight=m.tensor(
        [1.0, 2, 3, 4]), density=True),
    "histogram_range": lambda m: m.histogram(m.tensor([1.0, 2, 3, 9]), 4, range=(0.0, 4.0)),
    "nansum_int": lambda m: m.nansum(m.tensor([[1, 2, 3]], dtype=m.int32), 1),
    "cummax_int": lambda m: m.cummax(m.tensor([1, 3, 3, 2]), 0),
    "addmv_int": lambda m: m.addmv(m.ones(3, dtype=m.int64), m.ones(3, 2, dtype=m.int64),
                                   m.ones(2, dtype=m.int64), beta=2, alpha=3),
    "cov_int": lambda m: m.cov(m.tensor([[1, 2, 3], [2, 2, 5]])),
    "combinations_r0": lambda m: m.combinations(m.tensor([1, 2, 3]), r=0),
    "combinations_r4": lambda m: m.combinations(m.tensor([1, 2, 3]), r=4),
    "cartesian_int": lambda m: m.cartesian_prod(m.tensor([1, 2]), m.tensor([3, 4, 5])),
    "block_diag_empty": lambda m: m.block_diag(),
    "block_diag_mixed": lambda m: m.block_diag(m.tensor(1), m.tensor([2.0, 3])),
    "quantile_nan": lambda m: m.quantile(m.tensor(WITH_NAN, dtype=m.float32), 0.5, dim=1),
    "nanquantile": lambda m: m.nanquantile(m.tensor(WITH_NAN, dtype=m.float32),
                                           m.tensor([0.3, 0.7]), dim=1, keepdim=True),
    "nanquantile_all": lambda m: m.tensor(WITH_NAN, dtype=m.float32).nanquantile(0.4),
    "quantile_modes": lambda m: [m.quantile(m.tensor(A34, dtype=m.float32), 0.3, dim=0,
                                            interpolation=i)
                                 for i in ("linear", "lower", "higher", "midpoint", "nearest")],
    "renorm_inplace": lambda m: m.ones(2, 3).renorm_(2, 0, 1.0),
    "pdist_one_row": lambda m: m.pdist(m.ones(1, 3)),
    "gradient_int": lambda m: m.gradient(m.tensor([1, 4, 9, 16])),
    "histogramdd": lambda m: m.histogramdd(m.tensor(A34[:, :2].copy(), dtype=m.float32),
                                           bins=[2, 3], range=[-1.0, 1.0, 0.0, 2.0]),
    "histogramdd_edges": lambda m: m.histogramdd(m.tensor(A34[:, 1:3].copy(), dtype=m.float32),
                                                 bins=[m.tensor([-2.0, 0.0, 2.0]),
                                                       m.tensor([-1.0, 1.0])],
                                                 weight=m.arange(3.0), density=True),
    "kron_0d": lambda m: m.kron(m.tensor(2.0), m.arange(4.0)),
    "chain_matmul_one": lambda m: m.chain_matmul(m.ones(2, 3)),
    "var_mean_keep": lambda m: m.var_mean(m.tensor([[1.0, 5], [3, 2]]), dim=1, correction=0,
                                          keepdim=True),
}


@pytest.mark.parametrize("name", sorted(PLAIN))
def test_plain_results_match_torch(name):
    want = _outcome(torch, PLAIN[name])
    got = _outcome(tg, PLAIN[name])
    assert want[0] == "ok" and got[:2] == want[:2]
    for g, w in zip(got[2], want[2]):
        np.testing.assert_allclose(np.asarray(g, dtype=float), np.asarray(w, dtype=float),
                                   rtol=1e-5, atol=1e-6, equal_nan=True)


def test_named_tuples_print_as_torch():
    x = np.array([[1.0, 3.0, 2.0]], dtype=np.float32)
    for fn in (lambda m, t: m.cummax(t, 1), lambda m, t: m.aminmax(t),
               lambda m, t: m.mode(t), lambda m, t: m.nanmedian(t, 1),
               lambda m, t: m.histogram(t, 2)):
        want = repr(fn(torch, torch.tensor(x)))
        assert repr(fn(tg, tg.tensor(x))) == want.replace("torch", "tapegrad")


def test_deprecation_warnings_once():
    import tapegrad._surface.reductions as family
    family._WARNED.discard("cross")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        tg.cross(tg.ones(3, 2), tg.ones(3, 2))
        tg.cross(tg.ones(3, 2), tg.ones(3, 2))
    messages = [str(w.message) for w in caught]
    assert len(messages) == 1
    assert messages[0].startswith("Using torch.cross without specifying the dim arg is "
                                  "deprecated.")
    assert caught[0].filename == __file__  # attributed to the caller's line, as torch's


def test_inplace_products_write_into_self():
    for m in (torch, tg):
        y = m.ones(3, 4)
        out = y.addr_(m.arange(3.0), m.arange(4.0), beta=0.5)
        assert out is y
    want = torch.ones(3).addmv_(torch.ones(3, 2), torch.arange(2.0), alpha=2)
    got = tg.ones(3).addmv_(tg.ones(3, 2), tg.arange(2.0), alpha=2)
    np.testing.assert_allclose(got.numpy(), want.numpy())
    want = torch.ones(2, 3, 5).baddbmm_(torch.tensor(B234, dtype=torch.float32),
                                        torch.tensor(B245, dtype=torch.float32))
    got = tg.ones(2, 3, 5).baddbmm_(tg.tensor(B234, dtype=tg.float32),
                                    tg.tensor(B245, dtype=tg.float32))
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-5)
