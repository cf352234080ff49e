"""adjoint, tril/triu_indices, norm_except_dim, post-accumulate-grad hooks, set_anomaly_enabled."""
import torch
x = torch.arange(6.).view(2, 3)
print(torch.tril_indices(3, 3), torch.triu_indices(3, 4, 1), torch.tril_indices(4, 3, -1, dtype=torch.int32))
print(torch.norm_except_dim(x, 2, 0), torch.norm_except_dim(x, 3, 1), torch.norm_except_dim(x, 2, -1))
print(x.adjoint(), torch.adjoint(x).shape)
w = torch.ones(2, requires_grad=True)
h = w.register_post_accumulate_grad_hook(lambda t: print("post", t.grad))
(w * 3).sum().backward()
torch.autograd.grad((w * 3).sum(), w)
h.remove()
(w * 3).sum().backward()
print(w.grad)
for bad in (lambda: (w * 2).register_post_accumulate_grad_hook(print),
            lambda: torch.ones(2).register_post_accumulate_grad_hook(print),
            lambda: torch.ones(3).adjoint()):
    try:
        bad()
    except Exception as e:
        print(type(e).__name__, e)
torch.set_anomaly_enabled(True)
print(torch.is_anomaly_enabled())
torch.set_anomaly_enabled(False)
print(torch.is_anomaly_enabled())
