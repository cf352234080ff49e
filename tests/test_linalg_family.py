"""tapegrad.linalg and the torch-level linear algebra against torch: values, gradients (first
order and, through create_graph, second), grad_fn names, dtypes, named-tuple results and errors.

Decompositions are unique only up to the sign of each singular vector / eigenvector / column of
Q, and NumPy's LAPACK may choose other signs than torch's: such outputs are compared squared
(elementwise), and gradients through losses that do not see the signs.
"""
from __future__ import annotations

import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")
import tapegrad as tg  # noqa: E402

# torch warns that its older spellings (torch.cholesky, torch.lu, ...) are deprecated
pytestmark = pytest.mark.filterwarnings("ignore:.*deprecated")

_rng = np.random.default_rng(3)
SQ = _rng.uniform(-1, 1, (3, 3))
SQ_B = _rng.uniform(-1, 1, (2, 3, 3))
TALL = _rng.uniform(-1, 1, (4, 3))
WIDE = _rng.uniform(-1, 1, (3, 4))
RHS = _rng.uniform(-1, 1, (3, 2))
VEC3 = _rng.uniform(-1, 1, (2, 3))
VEC = _rng.uniform(-1, 1, 4)
SPD = SQ @ SQ.T + 3 * np.eye(3)
SPD_B = SQ_B @ np.swapaxes(SQ_B, -1, -2) + 3 * np.eye(3)
SYM = SQ + SQ.T
LOW = np.tril(SQ) + 3 * np.eye(3)


def _sq(t):
    return t * t  # sign-free view of a factor


# name -> (fn(m, *tensors) -> tensor or tuple, inputs, sign_free)
CASES = {
    "cholesky": (lambda m, a: m.linalg.cholesky(a), [SPD], False),
    "cholesky_batch": (lambda m, a: m.linalg.cholesky(a), [SPD_B], False),
    "cholesky_upper": (lambda m, a: m.linalg.cholesky(a, upper=True), [SPD], False),
    "cholesky_ex": (lambda m, a: m.linalg.cholesky_ex(a), [SPD], False),
    "qr": (lambda m, a: m.linalg.qr(a), [TALL], True),
    "qr_wide": (lambda m, a: m.linalg.qr(a), [WIDE], True),
    "qr_complete": (lambda m, a: m.linalg.qr(a, "complete"), [WIDE], True),
    "svd": (lambda m, a: m.linalg.svd(a, full_matrices=False), [TALL], True),
    "svd_wide": (lambda m, a: m.linalg.svd(a, full_matrices=False), [WIDE], True),
    "svd_batch": (lambda m, a: m.linalg.svd(a), [SQ_B], True),
    "svdvals": (lambda m, a: m.linalg.svdvals(a), [WIDE], False),
    "eigh": (lambda m, a: m.linalg.eigh(a), [SYM], True),
    "eigh_upper": (lambda m, a: m.linalg.eigh(a, UPLO="U"), [SYM], True),
    "eigvalsh": (lambda m, a: m.linalg.eigvalsh(a), [SYM], False),
    "pinv": (lambda m, a: m.linalg.pinv(a), [TALL], False),
    "pinv_wide": (lambda m, a: m.linalg.pinv(a), [WIDE], False),
    "pinv_hermitian": (lambda m, a: m.linalg.pinv(a, hermitian=True), [SPD], False),
    "lstsq": (lambda m, a, b: m.linalg.lstsq(a, b).solution, [TALL, TALL[:, :2] + 1], False),
    "matrix_power3": (lambda m, a: m.linalg.matrix_power(a, 3), [SQ], False),
    "matrix_power5": (lambda m, a: m.linalg.matrix_power(a, 5), [SQ_B], False),
    "matrix_power_neg": (lambda m, a: m.linalg.matrix_power(a, -2), [SQ], False),
    "matrix_power1": (lambda m, a: m.linalg.matrix_power(a, 1), [SQ], False),
    "matrix_exp": (lambda m, a: m.linalg.matrix_exp(a), [SQ_B], False),
    "matrix_exp_big": (lambda m, a: m.linalg.matrix_exp(a * 4), [SQ], False),
    "multi_dot": (lambda m, a, b, c: m.linalg.multi_dot([a, b, c]), [TALL, SQ, RHS], False),
    "multi_dot_vec": (lambda m, v, a, b: m.linalg.multi_dot([v, a, b]), [VEC, TALL, SQ], False),
    "solve_triangular": (lambda m, a, b: m.linalg.solve_triangular(a, b, upper=False),
                         [LOW, RHS], False),
    "lstsq_wide": (lambda m, a, b: m.linalg.lstsq(a, b).solution, [WIDE, RHS], False),
    "solve_triangular_right": (lambda m, a, b: m.linalg.solve_triangular(
        a.mT, b.mT, upper=True, left=False, unitriangular=True), [LOW, RHS], False),
    "cross": (lambda m, a, b: m.linalg.cross(a, b), [VEC3, VEC3[::-1].copy()], False),
    "vecdot": (lambda m, a, b: m.linalg.vecdot(a, b, dim=0), [TALL, TALL * 2], False),
    "vander": (lambda m, x: m.linalg.vander(x), [VEC], False),
    "tensorinv": (lambda m, a: m.linalg.tensorinv(a.reshape(3, 3), ind=1), [SQ + 2 * np.eye(3)],
                  False),
    "tensorsolve": (lambda m, a, b: m.linalg.tensorsolve(a, b), [SQ + 2 * np.eye(3), VEC[:3]],
                    False),
    "inv_ex": (lambda m, a: m.linalg.inv_ex(a), [SQ], False),
    "solve_ex": (lambda m, a, b: m.linalg.solve_ex(a, b), [SQ, RHS], False),
    "diagonal": (lambda m, a: m.linalg.diagonal(a, offset=1), [WIDE], False),
    "matmul": (lambda m, a, b: m.linalg.matmul(a, b), [TALL, SQ], False),
    "cond": (lambda m, a: m.linalg.cond(a), [SQ], False),
    "cond_neg2": (lambda m, a: m.linalg.cond(a, -2), [TALL], False),
    "det": (lambda m, a: m.linalg.det(a), [SQ_B], False),
    "slogdet": (lambda m, a: m.linalg.slogdet(a).logabsdet, [SQ], False),
    "inv": (lambda m, a: m.linalg.inv(a), [SQ], False),
    "solve": (lambda m, a, b: m.linalg.solve(a, b), [SQ, RHS], False),
    "lu_factor": (lambda m, a: m.linalg.lu_factor(a).LU, [SQ], False),
    "lu_factor_batch": (lambda m, a: m.linalg.lu_factor(a).LU, [SQ_B], False),
    "lu": (lambda m, a: m.linalg.lu(a)[1:], [SQ], False),
    "lu_solve": (lambda m, a, b: m.linalg.lu_solve(*m.linalg.lu_factor(a), b), [SQ, RHS], False),
    "lu_solve_adjoint": (lambda m, a, b: m.linalg.lu_solve(*m.linalg.lu_factor(a), b.mT,
                                                           left=False, adjoint=True),
                         [SQ, RHS], False),
    "householder_product": (lambda m, a, t: m.linalg.householder_product(a, t),
                            [TALL, VEC[:3]], False),
    "norm_nuc": (lambda m, a: m.linalg.matrix_norm(a, "nuc"), [TALL], False),
    "norm_2": (lambda m, a: m.linalg.matrix_norm(a, 2), [TALL], False),
    "norm_m2": (lambda m, a: m.linalg.matrix_norm(a, -2), [TALL], False),
    "norm_1": (lambda m, a: m.linalg.matrix_norm(a, 1), [TALL], False),
    "norm_inf": (lambda m, a: m.linalg.matrix_norm(a, float("inf")), [TALL], False),
    "norm_ord2": (lambda m, a: m.linalg.norm(a, 2), [TALL], False),
    "norm_fro_dims": (lambda m, a: m.linalg.norm(a, "fro", dim=(0, 1)), [TALL], False),
    # torch-level spellings and Tensor methods
    "t_cholesky": (lambda m, a: m.cholesky(a), [SPD], False),
    "m_cholesky": (lambda m, a: a.cholesky(upper=True), [SPD], False),
    "t_cholesky_inverse": (lambda m, a: m.cholesky_inverse(a), [LOW], False),
    "m_cholesky_inverse_upper": (lambda m, a: a.mT.cholesky_inverse(upper=True), [LOW], False),
    "t_cholesky_solve": (lambda m, b, a: m.cholesky_solve(b, a), [RHS, LOW], False),
    "m_cholesky_solve_upper": (lambda m, a, b: b.cholesky_solve(a.mT, upper=True), [LOW, RHS],
                               False),
    "t_logdet": (lambda m, a: m.logdet(a), [SPD], False),
    "m_logdet_negative": (lambda m, a: a.logdet(), [-SPD], False),
    "t_pinverse": (lambda m, a: m.pinverse(a), [WIDE], False),
    "t_qr": (lambda m, a: m.qr(a), [TALL], True),
    "m_qr_some": (lambda m, a: a.qr(some=False), [WIDE], True),
    "t_svd": (lambda m, a: m.svd(a), [TALL], True),
    "m_svd_values": (lambda m, a: a.svd(compute_uv=False), [TALL], False),
    "t_triangular_solve": (lambda m, a, b: m.triangular_solve(b, a, upper=False), [LOW, RHS],
                           False),
    "m_triangular_solve_t": (lambda m, b, a: b.triangular_solve(a, transpose=True)[0],
                             [RHS, LOW.T.copy()], False),
    "t_matrix_power": (lambda m, a: m.matrix_power(a, 4), [SQ], False),
    "m_matrix_exp": (lambda m, a: a.matrix_exp(), [SQ], False),
    "t_frobenius_norm": (lambda m, a: m.frobenius_norm(a, dim=(0, 1)), [TALL], False),
    "t_nuclear_norm": (lambda m, a: m.nuclear_norm(a), [TALL], False),
    "t_lu_unpack": (lambda m, a: m.lu_unpack(*m.linalg.lu_factor(a))[1:], [SQ], False),
    "t_lu_solve": (lambda m, b, a: m.lu_solve(b, *m.linalg.lu_factor(a)), [RHS, SQ], False),
    "m_orgqr": (lambda m, a, t: a.orgqr(t), [TALL, VEC[:3]], False),
    "m_ormqr": (lambda m, a, t, c: a.ormqr(t, c, transpose=True), [TALL, VEC[:3], TALL],
                False),

}


def _outputs(out):
    outs = list(out) if isinstance(out, tuple) else [out]
    return [o for o in outs if isinstance(o, (tg.Tensor, torch.Tensor))]


def _float(outs):
    return [o for o in outs if o.dtype in (tg.float64, torch.float64) and o.numel()]


def _run(m, name, grad=True):
    fn, inputs, _ = CASES[name]
    xs = [(m.tensor(a, requires_grad=grad)) for a in inputs]
    return xs, _outputs(fn(m, *xs))


def _loss(m, outs, sign_free):
    total = 0
    for k, o in enumerate(_float(outs)):
        if not o.requires_grad:
            continue
        w = m.tensor(np.cos(np.arange(o.numel()) + k).reshape(tuple(o.shape)))
        total = total + ((_sq(o) if sign_free else o) * w).sum()
    return total


@pytest.mark.parametrize("name", sorted(CASES))
def test_values_dtypes_and_grad_fn_match_torch(name):
    sign_free = CASES[name][2]
    _, got = _run(tg, name)
    _, want = _run(torch, name)
    assert len(got) == len(want)
    for g, w in zip(got, want):
        assert str(g.dtype).split(".")[1] == str(w.dtype).split(".")[1]
        assert tuple(g.shape) == tuple(w.shape)
        gv, wv = g.detach().numpy(), w.detach().numpy()
        if sign_free and gv.dtype.kind == "f":
            gv, wv = gv * gv, wv * wv
        np.testing.assert_allclose(gv, wv, rtol=1e-7, atol=1e-9)


# grad_fn names that differ from torch's (the function is composed of recorded ops here)
COMPOSED = {"lu": "LinalgLuBackward0", "lu_solve": "LinalgLuSolveBackward0",
            "lu_solve_adjoint": "LinalgLuSolveBackward0", "t_lu_solve": "LinalgLuSolveBackward0",
            "t_lu_unpack": "LuUnpackBackward0",
            "householder_product": "LinalgHouseholderProductBackward0",
            "m_orgqr": "LinalgHouseholderProductBackward0", "m_ormqr": "OrmqrBackward0",
            "tensorinv": "ReshapeAliasBackward0",
            # the cloned coefficient (CloneBackward0 here)
            "t_triangular_solve": "TriangularSolveBackward0",
            # tapegrad's Tensor.norm(p='fro') records LinalgVectorNormBackward0
            "t_frobenius_norm": "NormBackward1"}


@pytest.mark.parametrize("name", sorted(CASES))
def test_grad_fn_names_match_torch(name):
    _, got = _run(tg, name)
    _, want = _run(torch, name)
    for g, w in zip(got, want):
        if w.grad_fn is None:
            assert g.grad_fn is None
            continue
        if name in COMPOSED and w.grad_fn.name() == COMPOSED[name]:
            assert g.grad_fn is not None
            continue
        assert type(g.grad_fn).__name__ == w.grad_fn.name()


@pytest.mark.parametrize("name", sorted(CASES))
def test_gradients_match_torch(name):
    sign_free = CASES[name][2]
    xs, got = _run(tg, name)
    ts, want = _run(torch, name)
    loss_g, loss_w = _loss(tg, got, sign_free), _loss(torch, want, sign_free)
    if isinstance(loss_w, int):
        assert isinstance(loss_g, int)
        return
    gs = tg.autograd.grad(loss_g, xs, allow_unused=True)
    ws = torch.autograd.grad(loss_w, ts, allow_unused=True)
    for g, w in zip(gs, ws):
        assert (g is None) == (w is None)
        if w is not None:
            np.testing.assert_allclose(g.numpy(), w.numpy(), rtol=1e-6, atol=1e-8)


SECOND = ["cholesky", "qr", "svd", "eigh", "pinv", "matrix_exp", "solve_triangular", "lu_factor",
          "det", "t_cholesky_inverse", "m_cholesky_solve_upper", "householder_product",
          "t_triangular_solve", "lu_solve", "m_ormqr"]


@pytest.mark.parametrize("name", SECOND)
def test_second_order_gradients_match_torch(name):
    sign_free = CASES[name][2]
    results = []
    for m in (tg, torch):
        xs, outs = _run(m, name)
        (g,) = m.autograd.grad(_loss(m, outs, sign_free), xs[:1], create_graph=True)
        (h,) = m.autograd.grad((g * g).sum(), xs[:1])
        results.append((g.detach().numpy(), h.numpy()))
    for got, want in zip(*results):
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("fn", [
    lambda m, a: m.linalg.cholesky(a @ a.mT + m.eye(3, dtype=a.dtype)),
    lambda m, a: m.linalg.svdvals(a), lambda m, a: m.linalg.eigvalsh(a + a.mT),
    lambda m, a: m.linalg.pinv(a), lambda m, a: m.linalg.matrix_exp(a),
    lambda m, a: m.linalg.lu_factor(a).LU, lambda m, a: m.linalg.matrix_rank(a),
    lambda m, a: m.linalg.lu_factor_ex(a).info, lambda m, a: m.linalg.cholesky_ex(a).info,
    lambda m, a: m.linalg.eigvals(a),
])
def test_result_dtypes_match_torch(fn, dtype):
    got = fn(tg, tg.tensor(SQ, dtype=getattr(tg, dtype)))
    want = fn(torch, torch.tensor(SQ, dtype=getattr(torch, dtype)))
    assert str(got.dtype).split(".")[1] == str(want.dtype).split(".")[1]
    if got.dtype not in (tg.complex64, tg.complex128):
        np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("name,fields", [
    ("linalg_qr", lambda m: m.linalg.qr(m.tensor(SQ))),
    ("linalg_svd", lambda m: m.linalg.svd(m.tensor(SQ))),
    ("linalg_eigh", lambda m: m.linalg.eigh(m.tensor(SYM))),
    ("linalg_eig", lambda m: m.linalg.eig(m.tensor(SQ))),
    ("linalg_cholesky_ex", lambda m: m.linalg.cholesky_ex(m.tensor(SPD))),
    ("linalg_inv_ex", lambda m: m.linalg.inv_ex(m.tensor(SQ))),
    ("linalg_solve_ex", lambda m: m.linalg.solve_ex(m.tensor(SQ), m.tensor(RHS))),
    ("linalg_lstsq", lambda m: m.linalg.lstsq(m.tensor(TALL), m.tensor(TALL))),
    ("linalg_lu", lambda m: m.linalg.lu(m.tensor(SQ))),
    ("linalg_lu_factor", lambda m: m.linalg.lu_factor(m.tensor(SQ))),
    ("linalg_lu_factor_ex", lambda m: m.linalg.lu_factor_ex(m.tensor(SQ))),
    ("qr", lambda m: m.qr(m.tensor(SQ))),
    ("svd", lambda m: m.svd(m.tensor(SQ))),
    ("triangular_solve", lambda m: m.triangular_solve(m.tensor(RHS), m.tensor(LOW))),
    ("geqrf", lambda m: m.geqrf(m.tensor(TALL))),
    ("slogdet", lambda m: m.slogdet(m.tensor(SQ))),
    ("linalg_slogdet", lambda m: m.tensor(SQ).slogdet() and m.linalg.slogdet(m.tensor(SQ))),
    ("linalg_ldl_factor", lambda m: m.linalg.ldl_factor(m.tensor(SYM))),
    ("linalg_ldl_factor_ex", lambda m: m.linalg.ldl_factor_ex(m.tensor(SYM))),
    ("lu_unpack", lambda m: m.lu_unpack(*m.linalg.lu_factor(m.tensor(SQ)))),
])
def test_named_tuples_like_torch(name, fields):
    got, want = fields(tg), fields(torch)
    assert type(got).__name__ == type(want).__name__ == name
    text = repr(got)
    assert text.startswith(f"tapegrad.return_types.{name}(\n")
    want_fields = [line.split("=")[0] for line in repr(want).splitlines()[1:]
                   if "=" in line and not line.startswith(" ")]
    got_fields = [line.split("=")[0] for line in text.splitlines()[1:]
                  if "=" in line and not line.startswith(" ")]
    assert got_fields == want_fields
    first = getattr(got, want_fields[0])
    assert first is got[0]
    assert len(tuple(got)) == len(tuple(want))


def test_eig_matches_torch_up_to_phase():
    a = SQ_B
    got = tg.linalg.eig(tg.tensor(a))
    want = torch.linalg.eig(torch.tensor(a))
    gw, gv = got.eigenvalues.numpy(), got.eigenvectors.numpy()
    ww, wv = want.eigenvalues.numpy(), want.eigenvectors.numpy()
    np.testing.assert_allclose(np.sort_complex(gw.reshape(-1)), np.sort_complex(ww.reshape(-1)))
    # A v = lambda v, unit-norm eigenvectors: the same columns up to a unit factor
    np.testing.assert_allclose(a @ gv, gv * gw[..., None, :], atol=1e-10)
    np.testing.assert_allclose(np.linalg.norm(gv, axis=-2), 1.0)
    for b in range(2):
        for j in range(3):
            k = np.argmin(np.abs(ww[b] - gw[b, j]))
            np.testing.assert_allclose(np.abs(np.vdot(wv[b, :, k], gv[b, :, j])), 1.0)
    np.testing.assert_allclose(np.sort_complex(tg.linalg.eigvals(tg.tensor(SQ)).numpy()),
                               np.sort_complex(torch.linalg.eigvals(torch.tensor(SQ)).numpy()))


SINGULAR = np.array([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [1.0, 0.0, 1.0]])


@pytest.mark.parametrize("matrix", [SINGULAR, np.array([[1.0, 2.0], [2.0, 4.0]]),
                                    np.array([[[1.0, 0.0], [0.0, 0.0]], [[2.0, 1.0], [1.0, 3.0]]])])
def test_det_gradient_at_singular_matrices_matches_torch(matrix):
    results = []
    for m in (tg, torch):
        x = m.tensor(matrix, requires_grad=True)
        (plain,) = m.autograd.grad(m.linalg.det(x).sum(), x)
        (g,) = m.autograd.grad(m.linalg.det(x).sum(), x, create_graph=True)
        (h,) = m.autograd.grad(g.sum(), x)
        results.append([plain.numpy(), g.detach().numpy(), h.numpy()])
    for got, want in zip(*results):
        np.testing.assert_allclose(got, want, atol=1e-12)


ERRORS = [
    lambda m: m.linalg.cholesky(m.tensor(-SPD)),
    lambda m: m.linalg.cholesky(m.tensor(np.stack([SPD, -SPD]))),
    lambda m: m.cholesky(m.tensor(-SPD)),
    lambda m: m.linalg.cholesky(m.tensor(TALL)),
    lambda m: m.linalg.cholesky_ex(m.tensor(-SPD), check_errors=True),
    lambda m: m.linalg.inv(m.tensor(SINGULAR)),
    lambda m: m.linalg.qr(m.tensor(SQ), mode="full"),
    lambda m: m.linalg.svd(m.tensor(VEC)),
    lambda m: m.linalg.eigh(m.tensor(TALL)),
    lambda m: m.linalg.eigh(m.tensor(SYM), UPLO="X"),
    lambda m: m.linalg.eigvals(m.tensor(TALL)),
    lambda m: m.linalg.solve_triangular(m.tensor(LOW), m.tensor(WIDE.T.copy()), upper=False),
    lambda m: m.linalg.cross(m.tensor(SQ), m.tensor(TALL[:3, :2].copy())),
    lambda m: m.linalg.matrix_power(m.tensor(TALL), 2),
    lambda m: m.linalg.matrix_norm(m.tensor(SQ), 3),
    lambda m: m.linalg.norm(m.tensor(SQ_B), 2),
    lambda m: m.linalg.multi_dot([m.tensor(SQ)]),
    lambda m: m.linalg.tensorinv(m.tensor(TALL), ind=1),
    lambda m: m.linalg.lu_factor(m.tensor(SINGULAR)),
    lambda m: m.linalg.lu_factor(m.tensor(np.stack([SQ, SINGULAR]))),
    lambda m: m.linalg.matrix_exp(m.tensor(TALL)),
    lambda m: m.linalg.det(m.tensor([[1, 2], [3, 4]])),
    lambda m: m.solve(m.tensor(SQ), m.tensor(SQ)),
    lambda m: m.matrix_rank(m.tensor(SQ)),
    lambda m: m.tensor(SQ).solve(m.tensor(SQ)),
    lambda m: m.eig(m.tensor(SQ)),
    lambda m: m.tensor(SYM).symeig(eigenvectors=True),
    lambda m: m.lstsq(m.tensor(SQ), m.tensor(SQ)),
    lambda m: m.ormqr(m.tensor(TALL), m.tensor(VEC[:3]), m.tensor(TALL[:2])),
    lambda m: m.linalg.ldl_factor(m.tensor(np.zeros((2, 2)))),
    lambda m: m.linalg.eigh(m.tensor([[2, 1], [1, 3]])),
    lambda m: m.linalg.eigvalsh(m.tensor(TALL)),
    lambda m: m.linalg.pinv(m.tensor([[2, 1], [1, 3]])),
    lambda m: m.linalg.pinv(m.tensor(VEC)),
    lambda m: m.linalg.lu_factor(m.tensor([[2, 1], [1, 3]])),
    lambda m: m.linalg.svdvals(m.tensor([[2, 1], [1, 3]])),
    lambda m: m.vander(m.tensor(SQ)),
    lambda m: m.vander(m.tensor(VEC), N=-1),
]


@pytest.mark.parametrize("i", range(len(ERRORS)))
def test_errors_match_torch(i):
    with pytest.raises(Exception) as want:
        ERRORS[i](torch)
    with pytest.raises(Exception) as got:
        ERRORS[i](tg)
    assert isinstance(got.value, RuntimeError) == isinstance(want.value, RuntimeError)
    assert isinstance(got.value, NotImplementedError) == isinstance(want.value,
                                                                    NotImplementedError)
    assert str(got.value) == str(want.value)
    if isinstance(want.value, torch.linalg.LinAlgError):
        assert isinstance(got.value, tg.linalg.LinAlgError)


@pytest.mark.parametrize("call", [
    lambda m: m.linalg.cholesky_ex(m.tensor([[1.0, 2.0], [2.0, 1.0]])),
    lambda m: m.linalg.cholesky_ex(m.tensor(-SPD)),
    lambda m: m.linalg.lu_factor_ex(m.tensor(SINGULAR)),
    lambda m: m.linalg.inv_ex(m.tensor(SQ)),
    lambda m: m.linalg.lstsq(m.tensor(TALL), m.tensor(TALL[:, :2].copy()), driver="gelsd"),
    lambda m: m.linalg.lstsq(m.tensor(TALL), m.tensor(TALL[:, :2].copy())),
    lambda m: m.linalg.matrix_rank(m.tensor(SINGULAR)),
    lambda m: m.linalg.matrix_rank(m.tensor(SINGULAR), hermitian=True),
    lambda m: m.linalg.matrix_rank(m.tensor(SQ_B), atol=0.5),
    lambda m: m.linalg.matrix_power(m.tensor(SQ), 0),
    lambda m: m.linalg.lu(m.tensor(WIDE)),
    lambda m: m.lu(m.tensor(SINGULAR), get_infos=True),
    lambda m: m.geqrf(m.tensor(SQ_B)),
    lambda m: m.linalg.pinv(m.tensor(SINGULAR)),
    lambda m: m.linalg.cond(m.tensor(SQ), "fro"),
    lambda m: m.linalg.cond(m.tensor(SINGULAR), 1),
    lambda m: m.linalg.vander(m.tensor([1, 2, 3]), N=4),
    lambda m: m.vander(m.tensor([1, 2, 3]), 2),
    # (torch.vander's own backward fails with an in-place error, so values only)
    lambda m: m.vander(m.tensor(VEC)),
    lambda m: m.vander(m.tensor(VEC), N=5, increasing=True),
    lambda m: m.vander(m.tensor([1.0, 2.0]), N=1),
    lambda m: m.vander(m.tensor([1.0, 2.0]), N=0),
    lambda m: m.linalg.ldl_factor_ex(m.tensor(SYM)),
    lambda m: m.linalg.ldl_factor_ex(m.tensor(SQ_B)),
    lambda m: m.linalg.ldl_factor(m.tensor(SYM * (1 - np.eye(3)))),  # 2 x 2 pivots
    lambda m: m.linalg.ldl_factor_ex(m.tensor(np.zeros((2, 2)))),
    lambda m: m.linalg.ldl_solve(*m.linalg.ldl_factor(m.tensor(SQ)), m.tensor(RHS)),
    lambda m: m.linalg.ldl_solve(*m.linalg.ldl_factor(m.tensor(SYM * (1 - np.eye(3)))),
                                 m.tensor(RHS)),
])
def test_nondifferentiable_results_match_torch(call):
    got, want = _outputs(call(tg)), _outputs(call(torch))
    assert len(got) == len(want)
    for g, w in zip(got, want):
        assert str(g.dtype).split(".")[1] == str(w.dtype).split(".")[1]
        np.testing.assert_allclose(g.numpy(), w.numpy(), rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize("fn", [
    lambda m, a: m.svd_lowrank(a, q=3),
    lambda m, a: m.svd_lowrank(a.mT, q=3, niter=1),
    lambda m, a: m.pca_lowrank(a),
])
def test_lowrank_follows_torchs_random_draws(fn):
    a = np.random.default_rng(5).uniform(-1, 1, (5, 4))
    results = []
    for m in (tg, torch):
        m.manual_seed(1)
        U, S, V = fn(m, m.tensor(a))
        results.append(((U * S) @ V.mT).numpy())
        results.append(S.numpy())
        results.append(m.randn(2).numpy())  # the stream moved on by the same draws
    for k in range(3):
        np.testing.assert_allclose(results[k], results[k + 3], rtol=1e-7, atol=1e-9)


def test_linalg_namespace_lists_torchs_functions():
    names = ["cholesky", "cholesky_ex", "cond", "cross", "det", "diagonal", "eig", "eigh",
             "eigvals", "eigvalsh", "householder_product", "inv", "inv_ex", "ldl_factor",
             "ldl_factor_ex",
             "ldl_solve", "lstsq", "lu",
             "lu_factor", "lu_factor_ex", "lu_solve", "matmul", "matrix_exp", "matrix_norm",
             "matrix_power", "matrix_rank", "multi_dot", "norm", "pinv", "qr", "slogdet",
             "solve", "solve_ex", "solve_triangular", "svd", "svdvals", "tensorinv",
             "tensorsolve", "vander", "vecdot", "vector_norm"]
    for name in names:
        assert hasattr(torch.linalg, name)
        assert name in dir(tg.linalg) and callable(getattr(tg.linalg, name))


@pytest.mark.parametrize("name,call", [
    ("cholesky", lambda m: m.cholesky(m.tensor(SPD))),
    ("qr", lambda m: m.tensor(SQ).qr()),
    ("lu", lambda m: m.lu(m.tensor(SQ))),
    ("nuclear_norm", lambda m: m.nuclear_norm(m.tensor(SQ))),
])
def test_older_spellings_warn_once_at_the_callers_line(name, call, monkeypatch):
    import tapegrad._surface.linalg as family
    monkeypatch.setattr(family, "_WARNED", set())
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        call(tg)
        call(tg)
    assert len(caught) == 1 and caught[0].category is UserWarning
    assert caught[0].filename == __file__
    assert str(caught[0].message).split(" is deprecated")[0].endswith(name)
