"""einsum: products, sums, transposes, ellipsis, diagonals, three operands, errors; values,
grad_fn names and gradients as torch prints them (the diagonal's grad_fn differs, so it is not
printed)."""
import torch
torch.manual_seed(0)
a = torch.arange(6.).reshape(2, 3).requires_grad_(); b = torch.arange(12.).reshape(3, 4).requires_grad_()
c = torch.arange(30.).reshape(5, 2, 3).requires_grad_(); v = torch.tensor([1., 2., 3.], requires_grad=True)
d = torch.arange(24.).reshape(2, 3, 4).requires_grad_(); e = torch.arange(40.).reshape(2, 4, 5).requires_grad_()
cases = [('ij,jk->ik', (a, b)), ('ij,jk', (a, b)), ('bij,jk->bik', (c, b)), ('i,i->', (v, v)), ('ij->ji', (a,)), ('ij->', (a,)),
         ('...ij,jk->...ik', (c, b)), ('ij,ij->ij', (a, a)), ('i,j->ij', (v, v)), ('bij,bjk->bik', (d, e)), ('ij,jk,kl->il', (a, b, b.t())),
         ('ij->j', (a,)), ('bij->b', (d,)), ('ij,kj->ik', (a, a)), ('i,ij->j', (v, b)), ('ij,j', (a, v)), ('b i j , b j k -> b k i', (d, e)),
         ('...j,j->...', (c, v)), ('ba,ac', (a.t(), b[:2])), ('ij,jk->ik', (a,)), ('ij,jk->ix', (a, b)), ('ijk,jk->i', (a, b)),
         ('ij,jk->ik', (a, torch.ones(4, 4))), ('i,i', (torch.tensor([1, 2]), torch.tensor([3, 4])))]
for eq, ops in cases:
    try:
        r = torch.einsum(eq, *ops)
        print(eq, r.grad_fn.name() if r.grad_fn else None, r.tolist())
        if r.requires_grad:
            gs = torch.autograd.grad((r * r).sum(), [o for o in ops if o.requires_grad], allow_unused=True)
            print('  grads', [g.sum().item() for g in gs])
    except Exception as ex:
        print(eq, type(ex).__name__, str(ex)[:100])
print(torch.einsum('ij,jk->ik', [a, b]).shape)
m = torch.arange(9.).reshape(3, 3).requires_grad_()
for eq, ops in [('ii->i', (b[:, :3],)), ('ii', (m,)), ('ii->', (m,)), ('iji->j', (torch.arange(12.).reshape(2, 3, 2),)), ('ii,i->i', (m, v)), ('ij,ij->', (a, a)), ('ii->i', (torch.ones(2, 3),))]:
    try:
        r = torch.einsum(eq, *ops); print(eq, r.tolist())
        if r.requires_grad: print('  grads', [g.tolist() for g in torch.autograd.grad(r.sum(), [o for o in ops if o.requires_grad])])
    except Exception as ex: print(eq, type(ex).__name__, ex)
