import warnings
warnings.filterwarnings("ignore", message=".*torch.jit.script.*")  # torch-internal, on importing torch.func

import torch
import torch.autograd.forward_ad as fwAD
from torch.func import jvp, jacfwd, jacrev, hessian, vmap, grad

torch.set_printoptions(precision=4)
x = torch.tensor([0.5, 2.0, -1.0], dtype=torch.float64)

# dual numbers
with fwAD.dual_level():
    d = fwAD.make_dual(x, torch.tensor([1.0, 0.0, 0.0], dtype=torch.float64))
    y = torch.tanh(d) * d.exp()
    print(y)
    p, t = fwAD.unpack_dual(y)
    print(p, t)
    s = y.sum()
    print(s)
    z = torch.stack([d, d * 2]).softmax(0)
    print(fwAD.unpack_dual(z).tangent)
    w = d.clone()
    w.mul_(2)
    print(fwAD.unpack_dual(w).tangent)
print(fwAD.unpack_dual(y).tangent)

# functional transforms
f = lambda v: (v ** 3).sum() + v[0] * v[1] - torch.logsumexp(v, 0)
print(jvp(f, (x,), (torch.ones(3, dtype=torch.float64),)))
print(jacfwd(torch.sin)(x))
print(hessian(f)(x))
print(jacfwd(jacrev(f))(x))
print(vmap(grad(f))(torch.stack([x, x * 2])))

# custom Function
class Cube(torch.autograd.Function):
    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return a ** 3

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        return g * 3 * a ** 2

a = x.clone().requires_grad_()
out = Cube.apply(a)
print(out)
out.sum().backward()
print(a.grad)
print(torch.autograd.gradcheck(Cube.apply, (a,)), torch.autograd.gradgradcheck(Cube.apply, (a,)))

# anomaly bookkeeping
print(torch.is_anomaly_enabled())
with torch.autograd.set_detect_anomaly(True):
    print(torch.is_anomaly_enabled(), torch.is_anomaly_check_nan_enabled())
print(torch.is_anomaly_enabled())
print(torch.tensor([1, 2]).flip(0), torch.tensor(__import__("numpy").float64(1.5)).dtype)
