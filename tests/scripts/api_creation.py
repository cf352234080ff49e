"""Creation functions, legacy typed constructors, new_* methods and tensor attributes, as torch
prints them."""
import torch
cases = [
 lambda: torch.zeros(2, 3), lambda: torch.zeros((2, 3), dtype=torch.long), lambda: torch.ones(3, device='cpu'),
 lambda: torch.arange(5), lambda: torch.arange(0, 1, 0.25), lambda: torch.arange(5, dtype=torch.float32), lambda: torch.arange(1, 4, 1.5),
 lambda: torch.arange(0.5, 3), lambda: torch.arange(10, 0, -3), lambda: torch.linspace(0, 1, 5), lambda: torch.linspace(-1, 1, steps=3, dtype=torch.float64),
 lambda: torch.full((2, 2), 7), lambda: torch.full((2,), 7.0), lambda: torch.full((2,), True), lambda: torch.eye(3), lambda: torch.eye(2, 3, dtype=torch.int32),
 lambda: torch.empty(2, 3).shape, lambda: torch.zeros_like(torch.ones(2, dtype=torch.int32)), lambda: torch.ones_like(torch.ones(2), dtype=torch.float64),
 lambda: torch.full_like(torch.ones(2), 3), lambda: torch.tensor([]), lambda: torch.tensor([[1, 2], [3, 4]], dtype=torch.float), lambda: torch.tensor(3),
 lambda: torch.tensor([1.5, 2]), lambda: torch.tensor([True, 1]), lambda: torch.tensor(2.5, requires_grad=True), lambda: torch.as_tensor([1, 2], dtype=torch.float64),
 lambda: torch.tensor([[1, 2], [3]]), lambda: torch.zeros(-1), lambda: torch.arange(0, 5, 0), lambda: torch.tensor([1, 2], requires_grad=True),
 lambda: torch.logspace(0, 2, 3), lambda: torch.zeros(2, 3).new_zeros(2), lambda: torch.ones(2).new_ones((1, 2)), lambda: torch.ones(2).new_tensor([1, 2]),
 lambda: torch.ones(2).new_full((2,), 5.), lambda: torch.ones(3, dtype=torch.bool), lambda: torch.zeros(0, 3), lambda: torch.tensor([[]]).shape,
 lambda: torch.ones(2, 2).numel(), lambda: torch.Tensor([1, 2]), lambda: torch.Tensor(2, 3).shape, lambda: torch.FloatTensor([1, 2]), lambda: torch.LongTensor([1, 2]),
 lambda: torch.tensor(float('inf')), lambda: torch.tensor([1e10, 1e-10]), lambda: torch.randn(2, 3).shape, lambda: torch.rand(2, generator=None).shape,
 lambda: torch.randint(0, 10, (3,)).dtype, lambda: torch.normal(0, 1, (2,)).shape, lambda: torch.arange(3).float().dtype, lambda: torch.arange(3).double().dtype,
 lambda: torch.zeros(2).long().dtype, lambda: torch.zeros(2).int().dtype, lambda: torch.zeros(2).bool().dtype, lambda: torch.zeros(2).half().dtype,
 lambda: torch.get_default_dtype(), lambda: torch.ones(2).dtype.is_floating_point, lambda: torch.tensor([1, 2]).dtype.itemsize if hasattr(torch.int64, 'itemsize') else None,
 lambda: torch.ones(2, 3).size(), lambda: torch.ones(2, 3).size(1), lambda: torch.ones(2, 3).size(-1), lambda: torch.ones(2, 3).dim(), lambda: len(torch.ones(4, 2)),
 lambda: torch.ones(2, 3).stride(), lambda: torch.ones(2, 3).t().is_contiguous(), lambda: torch.ones(2).device, lambda: torch.ones(2).is_cuda, lambda: torch.ones(2).element_size(),
 lambda: torch.ones(2).nbytes if hasattr(torch.ones(2), 'nbytes') else None, lambda: torch.ones(2).data_ptr() > 0, lambda: torch.ones(2).cpu(), lambda: torch.ones(2).to('cpu'),
 lambda: torch.ones(2).to(torch.float64), lambda: torch.ones(2).to('cpu', torch.int64), lambda: torch.ones(2).type(torch.int32), lambda: torch.ones(2).type(),
 lambda: torch.cuda.is_available(), lambda: torch.ones(2).cuda(), lambda: torch.device('cpu'), lambda: torch.ones(2, device=torch.device('cpu')),
]
for i, f in enumerate(cases):
    try:
        print(i, f())
    except Exception as e:
        print(i, type(e).__name__, str(e)[:100])
x = torch.ones(2, dtype=torch.float64, requires_grad=True)
print(x.new_zeros(2, 3).dtype, x.new_zeros((2,)).requires_grad, x.new_ones(2, dtype=torch.int64), x.new_full((2,), 3), x.new_tensor([1, 2]), x.new_tensor([1, 2], dtype=torch.int32), x.new_empty(3).shape, x.new_zeros(2, requires_grad=True))
print(isinstance(torch.ones(2), torch.FloatTensor), isinstance(torch.ones(2).long(), torch.FloatTensor), torch.FloatTensor(2, 3).shape, torch.LongTensor([1.7, 2]), torch.DoubleTensor([1]).dtype, torch.BoolTensor([1, 0]), torch.ByteTensor([1]).dtype, torch.IntTensor([3]).dtype)
print(torch.ones(2).type(torch.LongTensor), torch.ones(2).type('torch.DoubleTensor'), torch.ones(2).long().type())
