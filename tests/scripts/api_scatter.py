"""scatter (the one-hot idiom, tensor and number sources, gradients), index_add (alpha, repeats,
in place), and their errors, as torch prints them."""
import torch
y = torch.tensor([2, 0, 1, 2])
print(torch.zeros(4, 3).scatter_(1, y.unsqueeze(1), 1.0))
print(torch.zeros(4, 3).scatter(1, y.unsqueeze(1), 1))
x = torch.arange(12.).reshape(3, 4).requires_grad_()
src = torch.arange(100., 106.).reshape(3, 2).requires_grad_()
idx = torch.tensor([[0, 1], [2, 3], [1, 0]])
out = x.scatter(1, idx, src)
print(out, out.grad_fn.name())
gx, gs = torch.autograd.grad((out * torch.arange(12.).reshape(3, 4)).sum(), [x, src])
print(gx, gs)
out2 = torch.scatter(x, 0, torch.tensor([[2, 1]]), src)
print(out2)
z = torch.zeros(5, 3)
print(z.index_add(0, torch.tensor([0, 4, 2]), torch.ones(3, 3)), z.index_add(0, torch.tensor([0, 0]), torch.arange(6.).reshape(2, 3), alpha=2))
s = torch.ones(2, 3, requires_grad=True); b = torch.zeros(4, 3, requires_grad=True)
r = b.index_add(0, torch.tensor([1, 3]), s, alpha=3.0)
gb, gs2 = torch.autograd.grad((r * torch.arange(12.).reshape(4, 3)).sum(), [b, s]); print(r, gb, gs2)
print(torch.zeros(3).index_add_(0, torch.tensor([1, 1]), torch.tensor([1., 2.])))
for f in [lambda: torch.zeros(2, 2).scatter(1, torch.tensor([[0, 5]]), 1.0), lambda: torch.zeros(3).index_add(0, torch.tensor([0]), torch.ones(2)),
          lambda: torch.zeros(2, 2).scatter(1, torch.tensor([[0.]]), 1.0), lambda: torch.zeros(2).scatter(0, torch.tensor([0]), torch.ones(1, dtype=torch.float64))]:
    try: print(f())
    except Exception as e: print(type(e).__name__, e)
