"""Shapes, views, joins, indexing (basic, advanced, masks, ellipsis) and their errors, as torch
prints them."""
import torch
x = torch.arange(24.).reshape(2, 3, 4)
cases = [
 lambda: x.view(6, 4).shape, lambda: x.view(-1).shape, lambda: x.reshape(4, -1).shape, lambda: x.view(5, 5), lambda: x.reshape(-1, -1),
 lambda: x.permute(2, 0, 1).shape, lambda: x.permute(0, 1), lambda: x.transpose(0, 2).shape, lambda: x.transpose(0, 3),
 lambda: x.mT.shape, lambda: x.squeeze().shape, lambda: torch.ones(1, 2, 1).squeeze().shape, lambda: torch.ones(1, 2, 1).squeeze(0).shape, lambda: torch.ones(1, 2, 1).squeeze((0, 2)).shape,
 lambda: x.unsqueeze(0).shape, lambda: x.unsqueeze(-1).shape, lambda: x.unsqueeze(4), lambda: x.flatten().shape, lambda: x.flatten(1).shape, lambda: x.flatten(0, 1).shape,
 lambda: torch.cat([x, x]).shape, lambda: torch.cat([x, x], dim=2).shape, lambda: torch.cat([x, torch.ones(2, 3)]), lambda: torch.cat((x[0], x[1]), 1).shape, lambda: torch.stack([x, x], 1).shape,
 lambda: torch.stack([x, torch.ones(2)]), lambda: x.expand(3, 2, 3, 4).shape, lambda: torch.ones(3, 1).expand(3, 4).shape, lambda: torch.ones(3, 1).expand(-1, 5).shape, lambda: torch.ones(3, 2).expand(3, 4),
 lambda: x.repeat(2, 1, 1).shape, lambda: torch.ones(2).repeat(3, 2).shape, lambda: x.split(2, dim=2)[0].shape, lambda: len(x.split([1, 3], 2)), lambda: len(x.chunk(3, 2)),
 lambda: [t.shape for t in x.unbind(1)], lambda: x.narrow(2, 1, 2).shape, lambda: x.flip(0)[0, 0], lambda: x.flip(0, 2)[0, 0], lambda: torch.flatten(x, start_dim=1).shape,
 lambda: x.contiguous().is_contiguous(), lambda: x.transpose(1, 2).view(-1), lambda: x.transpose(1, 2).reshape(-1).shape, lambda: x.view(2, 12).t().shape, lambda: torch.ones(2, 3, 4).t(),
 lambda: x.size(), lambda: x.shape[1:], lambda: x.numel(), lambda: x[0].shape, lambda: x[:, 1].shape, lambda: x[..., 2].shape, lambda: x[None].shape, lambda: x[:, None, :, None].shape,
 lambda: x[0, 1, 2], lambda: x[-1, -1], lambda: x[0, :, ::2], lambda: x[[0, 1], [1, 2]], lambda: x[:, [0, 2]].shape, lambda: x[x > 20], lambda: x[torch.tensor([True, False])].shape,
 lambda: x[0][torch.tensor([[0, 1], [2, 0]])].shape, lambda: x[1, torch.tensor([0, 2]), 1:3], lambda: x[2], lambda: x[0, 5], lambda: x[:, :, 4], lambda: x[[0, 2]],
 lambda: x.view_as(torch.ones(6, 4)).shape, lambda: x.reshape_as(torch.ones(4, 6)).shape, lambda: x.swapaxes(0, 1).shape, lambda: torch.movedim(x, 0, 2).shape if hasattr(torch, 'movedim') else None,
 lambda: x.masked_fill(x > 20, 0)[1, 2], lambda: torch.where(x > 20)[0], lambda: x.nonzero().shape, lambda: x.tolist()[1][2], lambda: x.item(), lambda: x[0, 0, 0].item(),
 lambda: x.sum(dim=(0, 2)), lambda: x.mean((-1, -2)), lambda: x.max(dim=-1).indices, lambda: torch.broadcast_tensors(torch.ones(2, 1), torch.ones(3))[0].shape if hasattr(torch, 'broadcast_tensors') else None,
 lambda: x.unflatten(2, (2, 2)).shape if hasattr(x, 'unflatten') else None, lambda: torch.tensor([3, 1, 2]).sort(), lambda: torch.tensor([[3, 1], [0, 5]]).argsort(dim=1),
 lambda: torch.tensor([1, 2, 3]).roll(1) if hasattr(torch, 'roll') else None, lambda: torch.tril(torch.ones(3, 3)), lambda: torch.diag(torch.tensor([1, 2])), lambda: torch.tensor([[1, 2], [3, 4]]).diagonal(),
 lambda: torch.tensor([1., 2.]).clone().requires_grad,
]
for i, f in enumerate(cases):
    try:
        print(i, f())
    except Exception as e:
        print(i, type(e).__name__, str(e)[:110])
# x.T on tensors that are not matrices: torch warns once per process for each kind
print(torch.ones(3).T.shape)
print(torch.ones(2, 3).T.shape)
print(torch.ones(2, 3, 4).T.shape)
print(torch.tensor(3.).T)
print(torch.ones(5).T.shape)

x = torch.arange(6.).reshape(2, 3).requires_grad_()
for f in [lambda: x[True], lambda: x[False], lambda: torch.tensor(3.)[0], lambda: x[1], lambda: x[-1, True]]:
    try:
        y = f(); print(y, y.shape)
        if y.requires_grad and y.numel():
            g, = torch.autograd.grad(y.sum(), x); print(g.tolist())
    except Exception as e: print(type(e).__name__, e)
