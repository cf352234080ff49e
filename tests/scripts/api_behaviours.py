"""Arithmetic, keyword operands, bool refusals, clamp promotion, median and cumulative ops:
what torch prints for each (a sweep kept as a script so make test checks it without torch)."""
import torch

# -- arith --
a = torch.tensor([1, 2, 3])
f = torch.tensor([0.5, 1.5, 2.5], requires_grad=True)
h = torch.tensor([0.5, 1.5, 2.5], dtype=torch.float32)
s = torch.tensor(2.0, requires_grad=True)
print(a + 1, a * 2.5, a / 2, a // 2, a ** 2)
print(f + 1, f * 2, 2 * f, 1 - f, f / 3, 3 / f, f ** 2, 2 ** f)
print(h + f.detach(), h * 2, (h * 2).dtype, (a * h).dtype, (a + s).dtype)
print(torch.sin(a), torch.exp(a).dtype, torch.neg(a), torch.abs(-a))
print(s * f, (s * f).grad_fn.name(), (f * s).sum())
y = (f * s + 1).tanh().sum()
y.backward()
print(f.grad, s.grad)
print(torch.relu(torch.tensor([-1, 2])), torch.maximum(a, torch.tensor([2, 2, 2])))
for bad in [lambda: f + torch.ones(2), lambda: torch.ones(2, 3) @ torch.ones(2, 3), lambda: torch.sin(torch.tensor([True]))]:
    try:
        print(bad())
    except Exception as e:
        print(type(e).__name__, e)
x = torch.tensor([[1., 2.], [3., 4.]], requires_grad=True)
print(x.mean(), x.sum(), x.mean(dim=0), x.sum(1, keepdim=True), torch.softmax(x, 1), torch.log_softmax(x, dim=0))
z = (x.mean() + x.sum(0).mean() + torch.log_softmax(x, 1)[0, 1])
z.backward()
print(x.grad)
print(torch.tensor(3) * 2, torch.tensor(3.5) + 1, (torch.tensor(3.5) + 1).shape)

# -- boolsub --
a = torch.tensor([1, 2]); b = torch.tensor([True, False])
for f in [lambda: a - True, lambda: b - 1, lambda: b - b, lambda: 1 - b, lambda: -b, lambda: torch.sub(a, True), lambda: torch.neg(b), lambda: b + b, lambda: b * 2.5, lambda: a.sub_(True), lambda: torch.rsub(b, 1)]:
    try:
        print(f())
    except Exception as e:
        print(type(e).__name__, e)

# -- kw --
x = torch.tensor([1.0, 2.0], requires_grad=True)
y = torch.tensor([3.0, 4.0])
tests = [lambda: torch.sin(input=x), lambda: torch.add(x, other=y), lambda: torch.add(input=x, other=y, alpha=2),
         lambda: torch.mul(x, other=2), lambda: torch.mul(input=x, other=y), lambda: torch.exp(input=x),
         lambda: torch.sub(x, other=y, alpha=2), lambda: torch.div(x, other=y), lambda: torch.pow(x, exponent=2),
         lambda: torch.matmul(input=x, other=y), lambda: torch.sum(input=x), lambda: torch.mean(x, dim=0),
         lambda: torch.tanh(x), lambda: x.mul(other=3), lambda: x.add(other=y), lambda: torch.maximum(x, other=y),
         lambda: torch.clamp(x, min=1.5), lambda: torch.relu(input=x), lambda: torch.sigmoid(input=x),
         lambda: torch.log_softmax(x, dim=0), lambda: torch.softmax(input=x, dim=0), lambda: x.pow(exponent=3),
         lambda: torch.where(x > 1, x, y), lambda: torch.abs(input=-x), lambda: torch.sqrt(input=x)]
for i, f in enumerate(tests):
    try:
        print(i, f())
    except Exception as e:
        print(i, type(e).__name__, str(e)[:80])

# -- clamp --
for dt in [torch.float16, torch.float32, torch.int64, torch.uint8, torch.bool]:
    x = torch.tensor([0, 1, 2]).to(dt)
    for lo, hi in [(0, 1), (0.5, 1.5), (None, 1), (0.5, None), (True, None)]:
        try:
            r = x.clamp(lo, hi); print(dt, lo, hi, r.dtype, r.tolist())
        except Exception as e:
            print(dt, lo, hi, type(e).__name__, e)
print(torch.softmax(torch.tensor([[0., 1., 2.]], dtype=torch.float16), 1))

# -- median --
i = torch.tensor([[0, 1, 2], [3, 0, 1]])
f = torch.tensor([[1., 0., 3.], [2., 4., 0.]])
for g in [lambda: i.median(), lambda: i.median(1), lambda: f.median(0, keepdim=True), lambda: torch.tensor([1., 2, 3, 4]).median(),
          lambda: torch.tensor([]).median(), lambda: torch.tensor([1., float('nan'), 3]).median(),
          lambda: torch.tensor([[1., float('nan'), 3], [4., 5., 6.]]).median(1), lambda: torch.median(f, dim=-1),
          lambda: torch.tensor(2.5).median(), lambda: torch.tensor(2.5).median(0), lambda: torch.tensor([True]).median(),
          lambda: torch.ones(2, 0).median(1), lambda: f.median(dim=1).values, lambda: torch.median(i, 0)[1]]:
    try: print(g())
    except Exception as e: print(type(e).__name__, e)
x = torch.tensor([[1., 0., 3.], [2., 4., 0.]], requires_grad=True)
m = x.median(); m.backward(); print(x.grad, m.grad_fn.name())
x.grad = None; v, ix = x.median(1); v.sum().backward(); print(x.grad, v.grad_fn.name(), ix)
y = torch.tensor([2., 1., 2., 2., 3.], requires_grad=True); y.median().backward(); print(y.grad)
y.grad = None; torch.median(y, 0).values.backward(); print(y.grad)

# -- cum0 --
x = torch.tensor(2.0, requires_grad=True)
for f in [lambda: x.cumprod(0), lambda: x.cumsum(0), lambda: x.cumprod(-1), lambda: torch.cumprod(torch.tensor([[1, 2], [3, 4]]), dim=1)]:
    try: print(f())
    except Exception as e: print(type(e).__name__, e)
y = x.cumprod(0); y.backward(); print(x.grad)
e = torch.ones(0, 3).cumprod(1); print(e.shape)
# -- kth --
x = torch.tensor([[3., 1., 2., 5.], [0., 4., 4., -1.]], requires_grad=True)
r = torch.kthvalue(x, 2)
print(r)
v, i = x.kthvalue(3, dim=0, keepdim=True) if False else x.kthvalue(1, dim=0, keepdim=True)
print(v, i)
(r.values.sum() + v.sum()).backward(); print(x.grad)
print(torch.tensor([1., float('nan'), 3.]).kthvalue(3), torch.tensor(2.5).kthvalue(1))
for f in [lambda: x.kthvalue(5), lambda: x.kthvalue(0)]:
    try: print(f())
    except Exception as e: print(type(e).__name__, e)

x = torch.tensor(2.5, requires_grad=True)
for f in [lambda: x.max(0), lambda: x.min(-1, keepdim=True), lambda: torch.tensor([]).max(0), lambda: torch.ones(0, 3).max(1)]:
    try: print(f())
    except Exception as e: print(type(e).__name__, e)
