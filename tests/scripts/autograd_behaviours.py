import torch
x = torch.ones(4, requires_grad=True); y = x.exp(); y.add_(1)
try:
    y.sum().backward()
except RuntimeError as e:
    print(e)
try:
    torch.arange(3).requires_grad_()
except RuntimeError as e:
    print(e)
a = torch.ones(3, requires_grad=True)
b = a * 2
b.register_hook(lambda g: g * 10)
b.sum().backward(); print(a.grad)
x = torch.tensor([1.0, 2.0], requires_grad=True)
y = x * x
print(y.grad_fn.next_functions[0][0].__class__.__name__, y.is_leaf, x.is_leaf, y.requires_grad)
with torch.no_grad():
    z = x * 2
print(z.requires_grad, torch.is_grad_enabled())
@torch.no_grad()
def f(t): return t * 2
print(f(x).requires_grad)
z = x.detach(); print(z.requires_grad, z)
print(x.sum().item(), x.tolist(), f"{x.sum():.2f}")
x = torch.tensor([[1., 2.], [3., 4.]], requires_grad=True)
y = (x @ x).softmax(1).log_softmax(0).sum(); y.backward(); print(x.grad)
x.grad = None
(x[0, 1] * 3 + x[:, 0].sum()).backward(); print(x.grad)
x = torch.ones(3, requires_grad=True)
w = torch.zeros(3); w[1:] = x[:2] * 2; print(w)
w.sum().backward(); print(x.grad)
print(torch.tensor([1, 2]) / 2, torch.tensor([1, 2]) * 1.5, torch.tensor([True, False]) + 1, 7 // torch.tensor([2, 3]))
print(torch.tensor([1, 2], dtype=torch.int32) + torch.tensor(1.5, dtype=torch.float64))
print(torch.ones(2, 3).max(), torch.zeros(3, dtype=torch.float64).sum(), torch.arange(6).reshape(2,3).sum(1))
x = torch.tensor(2.0, requires_grad=True)
y = x ** 3
g, = torch.autograd.grad(y, x, create_graph=True)
print(g, g.requires_grad)
x = torch.randn(3, 3, requires_grad=True)
print(x.shape, x.dtype, x.device, x.grad_fn, x.T.shape)
print(torch.Tensor([1, 2]), torch.Tensor(2, 3).shape)
print(torch.tensor(range(3)), torch.tensor(np_arr := __import__('numpy').arange(3.0)))
