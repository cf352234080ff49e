import torch
x = torch.arange(4.0)
print(x)
x.requires_grad_(True)
print(x.grad)
y = 2 * torch.dot(x, x)
print(y)
y.backward()
print(x.grad)
print(x.grad == 4 * x)
x.grad.zero_()
y = x.sum()
y.backward()
print(x.grad)
x.grad.zero_()
y = x * x
y.sum().backward()
print(x.grad)
x.grad.zero_()
y = x * x
u = y.detach()
z = u * x
z.sum().backward()
print(x.grad == u)
x.grad.zero_()
y.sum().backward()
print(x.grad == 2 * x)
def f(a):
    b = a * 2
    while b.norm() < 1000:
        b = b * 2
    if b.sum() > 0:
        c = b
    else:
        c = 100 * b
    return c
a = torch.randn(size=(), requires_grad=True)
d = f(a)
d.backward()
print(a.grad == d / a)
x = torch.tensor(3.0, requires_grad=True)
y = torch.pow(x, 2)
print(x.requires_grad)
print(y.requires_grad)
y.backward()
print(x.grad)
x=torch.tensor(3.0,requires_grad=True)
y=torch.tensor(4.0,requires_grad=False)
z=torch.pow(x,2)+torch.pow(y,2)
print("x.requires_grad:",x.requires_grad)
print("y.requires_grad:",y.requires_grad)
print("z.requires_grad:",z.requires_grad)
z.backward()
print("x.grad:",x.grad)
print("y.grad:",y.grad)
print("z.grad:",z.grad)
print(z)
x = torch.tensor(3.0, requires_grad=True)
y = torch.tensor(4.0, requires_grad=False)
z = torch.pow(x, 2) + torch.pow(y, 2)
z.retain_grad()
z.backward()
print("x.grad:", x.grad, "y.grad:", y.grad, "z.grad:", z.grad)
x = torch.tensor(2.0, requires_grad=True)
y = x ** 3
(g1,) = torch.autograd.grad(y, x, create_graph=True)
(g2,) = torch.autograd.grad(g1, x, create_graph=True)
(g3,) = torch.autograd.grad(g2, x)
print(g1, g2, g3)
x = torch.tensor(1.0, requires_grad=True)
s = torch.sin(x)
d1, = torch.autograd.grad(s, x, create_graph=True); d2, = torch.autograd.grad(d1, x, create_graph=True); d3, = torch.autograd.grad(d2, x)
print(d1, d2, d3)
x = torch.arange(4.0, requires_grad=True)
y = x * x
y.backward(torch.ones(len(x)))
print(x.grad)
A = torch.arange(6.0).reshape(2, 3)
x = torch.ones(3, requires_grad=True)
(A @ x).backward(torch.ones(2)); print(x.grad)
x.grad = None
B = torch.arange(9.0).reshape(3, 3)
(x @ B @ x).backward(); print(x.grad, (B + B.T) @ x)
x = torch.ones(4, requires_grad=True); y=(x*x).sum(); y.backward()
try:
    y.backward()
except RuntimeError as e:
    print(e)
x = torch.ones(4, requires_grad=True); y=(x*x).sum(); y.backward(retain_graph=True); y.backward(); print(x.grad)
try:
    torch.ones(3, requires_grad=True).mul(2).backward()
except RuntimeError as e:
    print(e)
