"""roll, masked_fill, movedim, unflatten, diagonal, broadcast_tensors, nonzero: values, grad_fn
names and gradients, as torch prints them."""
import torch
x = torch.arange(12.).reshape(3, 4).requires_grad_()
w = torch.linspace(-1, 1, 12).reshape(3, 4)
outs = {
 "roll": x.roll(1, 1), "roll2": torch.roll(x, shifts=(1, -2), dims=(0, 1)), "rollflat": x.roll(5),
 "masked": x.masked_fill(x > 5, -1.0), "masked_row": x.masked_fill(torch.tensor([True, False, True, False]), 0.5),
 "movedim": torch.movedim(x.reshape(3, 2, 2), 0, -1), "unflatten": x.unflatten(1, (2, 2)), "diag": x.diagonal(), "diag1": torch.diagonal(x, 1),
 "bcast": torch.broadcast_tensors(x, torch.ones(4))[0],
}
for k, y in outs.items():
    g, = torch.autograd.grad((y * y).sum(), x)
    print(k, y.grad_fn.name() if y.grad_fn else None, y.shape, g.tolist())
print(torch.nonzero(torch.tensor([[0, 1], [2, 0]])), torch.nonzero(torch.tensor([0, 3, 0, 1]), as_tuple=True), torch.tensor([1., 0.]).nonzero())
z = torch.zeros(2, 3); z.masked_fill_(torch.tensor([[True, False, True], [False, False, True]]), 7); print(z)
v = torch.tensor(2.0, requires_grad=True); y = torch.zeros(3).masked_fill(torch.tensor([True, False, True]), v); y.sum().backward(); print(v.grad)
for f in [lambda: x.masked_fill(torch.tensor([1, 0, 1, 0]), 1.), lambda: torch.roll(x, (1, 2), 0), lambda: torch.cat([x, torch.ones(4)])]:
    try: print(f())
    except Exception as e: print(type(e).__name__, e)
