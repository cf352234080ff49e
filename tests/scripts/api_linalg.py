"""torch.linalg: inv, det, slogdet, solve (matrices, vectors, batches, left=False), norms,
second derivatives and errors, as torch prints them (two composites' grad_fn names differ and
are not printed)."""
import torch
A = torch.tensor([[4., 1., 0.5], [1., 3., 0.2], [0.5, 0.2, 2.]], dtype=torch.float64, requires_grad=True)
B = torch.tensor([[1., 2.], [0., 1.], [3., -1.]], dtype=torch.float64, requires_grad=True)
b = torch.tensor([1., -2., 0.5], dtype=torch.float64, requires_grad=True)
Ab = torch.stack([A.detach() * 1.5, A.detach().t() + torch.eye(3, dtype=torch.float64)]).requires_grad_()
def show(name, f, name_fn=True):
    try:
        r = f()
        if isinstance(r, tuple):
            print(name, r)
            return
        print(name, r.grad_fn.name() if r.grad_fn and name_fn else None, [round(v, 5) for v in r.detach().reshape(-1).tolist()])
        if r.requires_grad:
            leaves = [t for t in (A, B, b, Ab)]
            gs = torch.autograd.grad((r * r).sum(), leaves, allow_unused=True)
            print("  grads", [None if g is None else [round(v, 2) for v in g.reshape(-1).tolist()] for g in gs])
    except Exception as e:
        print(name, type(e).__name__, str(e)[:120])
show("inv", lambda: torch.linalg.inv(A)); show("inverse", lambda: torch.inverse(A)); show("inv_batch", lambda: torch.linalg.inv(Ab))
show("det", lambda: torch.linalg.det(A)); show("det_m", lambda: A.det()); show("det_batch", lambda: torch.det(Ab))
show("slogdet", lambda: torch.linalg.slogdet(A).sign.item()); show("logabsdet", lambda: torch.linalg.slogdet(-A).logabsdet)
show("solve_mat", lambda: torch.linalg.solve(A, B)); show("solve_vec", lambda: torch.linalg.solve(A, b)); show("solve_batch", lambda: torch.linalg.solve(Ab, b))
show("solve_right", lambda: torch.linalg.solve(A, B.t(), left=False), name_fn=False)  # (torch: LinalgSolveExBackward0)
show("norm", lambda: torch.linalg.norm(A)); show("vector_norm", lambda: torch.linalg.vector_norm(b, ord=1), name_fn=False); show("matrix_norm", lambda: torch.linalg.matrix_norm(Ab))
show("singular", lambda: torch.linalg.inv(torch.ones(2, 2))); show("nonsquare", lambda: torch.linalg.det(torch.ones(2, 3)))
show("int", lambda: torch.linalg.inv(torch.eye(2, dtype=torch.long)))
x = A.detach().requires_grad_()
h, = torch.autograd.grad(torch.linalg.det(x), x, create_graph=True)
print("second", [round(v, 4) for v in torch.autograd.grad((h * h).sum(), x)[0].reshape(-1).tolist()])
