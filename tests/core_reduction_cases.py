"""Cases for tests/test_gradcheck.py's table (format: name -> (fn, [list of input-spec lists]);
see tests/core_alias_cases.py), for the registry ops of this family: the fused matrix products
(``_ops/stat_products.py``), the scans (``_ops/scan_ops.py``) and the statistics
(``_ops/stat_ops.py``), plus the compositions built on them (quantile, cov, ...)."""
from __future__ import annotations

import tapegrad as tg


def U(*shape, lo=-1.0, hi=1.0):
    return ("u", shape, lo, hi)


def D(*shape, scale=1.0):
    """Well-separated values: no ties for the ops that pick an element."""
    return ("d", shape, scale, None)


CASES = {
    "addmv": (lambda i, m, v: tg.addmv(i, m, v, beta=0.5, alpha=2.0),
              [[U(3), U(3, 4), U(4)], [U(1), U(2, 3), U(3)]]),
    "addr": (lambda i, a, b: tg.addr(i, a, b, beta=2.0, alpha=-1.5),
             [[U(3, 2), U(3), U(2)], [U(2), U(3), U(2)]]),
    "baddbmm": (lambda i, a, b: tg.baddbmm(i, a, b, beta=0.5, alpha=1.5),
                [[U(2, 3, 2), U(2, 3, 4), U(2, 4, 2)], [U(2), U(2, 2, 3), U(2, 3, 2)]]),
    "addbmm": (lambda i, a, b: tg.addbmm(i, a, b, alpha=0.5),
               [[U(3, 2), U(2, 3, 4), U(2, 4, 2)]]),
    "vdot": (tg.vdot, [[U(4), U(4)]]),
    "linalg_cross": (lambda a, b: tg.cross(a, b, dim=-1), [[U(2, 3), U(2, 3)], [U(4, 3), U(1, 3)]]),
    "block_diag": (lambda a, b, c: tg.block_diag(a, b, c), [[U(2, 3), U(2), U()]]),
    "cummax": (lambda x: tg.cummax(x, -1), [[D(2, 5)], [D(6)]]),
    "cummin": (lambda x: tg.cummin(x, 0), [[D(4, 2)], [D(5)]]),
    "logcumsumexp": (lambda x: tg.logcumsumexp(x, -1), [[U(2, 4, lo=-2.0, hi=2.0)], [U(5)]]),
    "nansum": (lambda x: tg.nansum(x, -1), [[U(2, 3)], [U(4)]]),
    "std_mean": (lambda x: tg.std_mean(x, 1), [[U(3, 4)]]),
    "std_mean_all": (lambda x: tg.std_mean(x, correction=0), [[U(2, 3)]]),
    "var_mean": (lambda x: tg.var_mean(x, (0,), keepdim=True), [[U(4, 3)]]),
    "aminmax": (lambda x: tg.aminmax(x, dim=1), [[D(3, 4)]]),
    "aminmax_all": (lambda x: tg.aminmax(x), [[D(2, 3)]]),
    "nanmedian": (lambda x: tg.nanmedian(x), [[D(7)], [D(2, 3)]]),
    "nanmedian_dim": (lambda x: tg.nanmedian(x, 1), [[D(3, 5)]]),
    "mode": (lambda x: tg.mode(x, 0), [[D(3, 4)]]),
    "dist": (lambda a, b: tg.dist(a, b), [[U(2, 3), U(3)]]),
    "dist_p3": (lambda a, b: tg.dist(a, b, 3), [[U(4), U(4, lo=1.5, hi=2.0)]]),
    "dist_inf": (lambda a, b: tg.dist(a, b, float("inf")), [[D(5), D(5, scale=0.1)]]),
    "squeeze_dims": (lambda x: tg.quantile(x, 0.3, dim=1), [[D(2, 5)]]),
    "quantile_q": (lambda x: tg.quantile(x, tg.tensor([0.2, 0.9], dtype=tg.float64)),
                   [[D(6)]]),
    "cov": (lambda x: tg.cov(x), [[U(2, 4)]]),
    "corrcoef": (lambda x: tg.corrcoef(x), [[U(3, 5)]]),
    "cumulative_trapezoid": (lambda y: tg.cumulative_trapezoid(y, dim=0), [[U(4, 2)]]),
    "norm_p": (lambda x: x.norm(p=3, dim=1), [[U(2, 3)]]),
    "norm_p1": (lambda x: tg.norm(x, 1), [[U(2, 3, lo=0.2, hi=1.0)]]),
    "norm_pinf": (lambda x: x.norm(p=float("inf"), dim=0), [[D(3, 2)]]),
    "renorm": (lambda x: tg.renorm(x, 2, 0, 0.8), [[U(3, 4)]]),
    "renorm_p3": (lambda x: x.renorm(3, 1, 0.5), [[U(2, 3, 2)]]),
    "pdist": (lambda x: tg.pdist(x), [[U(4, 3)]]),
    "pdist_p1": (lambda x: tg.pdist(x, 1.5), [[D(3, 2)]]),
    "gradient": (lambda x: tg.gradient(x, spacing=(tg.tensor([0.0, 1.0, 2.5, 4.0]),), dim=1),
                 [[U(2, 4)]]),
}
INDIRECT: set = set()
