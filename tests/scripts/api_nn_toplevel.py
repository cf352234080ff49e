"""torch-level forms of nn functions: adaptive pools, max_pool1d_with_indices, conv_tbc, embedding_renorm_, grid_sampler_2d, Tensor.hardshrink/prelu."""
import torch
torch.manual_seed(0)
x = torch.randn(2, 3, 7)
print(torch.adaptive_avg_pool1d(x, 3))
print(torch.adaptive_max_pool1d(x, 3))
print(torch.max_pool1d_with_indices(x, 2, 2))
t, w, b = torch.randn(5, 2, 3, requires_grad=True), torch.randn(3, 3, 4), torch.randn(4)
y = torch.conv_tbc(t, w, b, 1)
print(y.shape)
y.sum().backward()
print(t.grad)
e = torch.randn(5, 3) * 3
print(torch.embedding_renorm_(e, torch.tensor([0, 2, 2]), 1.0, 2.0) is e, e.norm(dim=1))
print(torch.grid_sampler_2d(torch.randn(1, 1, 3, 3), torch.zeros(1, 2, 2, 2), 0, 0, False))
print(x.hardshrink(0.7)[0, 0], x.prelu(torch.tensor([0.1, 0.2, 0.3]))[0, 0])
print(torch.grid_sampler_3d(torch.randn(1, 1, 2, 2, 2), torch.zeros(1, 1, 1, 1, 3), 0, 0, False))
