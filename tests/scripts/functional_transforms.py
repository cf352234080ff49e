import torch
from torch.autograd.functional import jacobian, hessian, hvp
A = torch.tensor([[1., 2.], [3., 4.], [0.5, -1.]], dtype=torch.float64)
x = torch.tensor([0.3, -0.7], dtype=torch.float64)
print(jacobian(lambda x: torch.tanh(A @ x) * x.sum(), x))
print(hessian(lambda x: (100 * (x[1] - x[0] ** 2) ** 2 + (1 - x[0]) ** 2), x))
print(hvp(lambda x: (x ** 3).sum(), x, torch.ones(2, dtype=torch.float64)))
print(torch.func.grad(torch.func.grad(torch.sin))(torch.tensor(1.0)))
