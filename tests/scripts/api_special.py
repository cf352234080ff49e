"""torch.special: values and gradients of each function (and log_ndtr far into both tails), as
torch prints them."""
import torch
x = torch.tensor([-1.5, -0.2, 0.0, 0.3, 2.0], requires_grad=True)
p = torch.tensor([0.1, 0.5, 0.9], requires_grad=True)
outs = {
 "erf": torch.special.erf(x), "erfc": torch.special.erfc(x), "expit": torch.special.expit(x), "expm1": torch.special.expm1(x),
 "exp2": torch.special.exp2(x), "log1p": torch.special.log1p(p), "logit": torch.special.logit(p), "logit_eps": torch.special.logit(x, eps=1e-3),
 "ndtr": torch.special.ndtr(x), "log_ndtr": torch.special.log_ndtr(x), "sinc": torch.special.sinc(x), "entr": torch.special.entr(p),
 "xlog1py": torch.special.xlog1py(x, p.repeat(2)[:5]), "xlogy": torch.special.xlogy(p, p), "gammaln": torch.special.gammaln(p),
 "digamma": torch.special.digamma(p), "psi": torch.special.psi(p), "polygamma": torch.special.polygamma(1, p),
 "multigammaln": torch.special.multigammaln(p + 2, 3), "softmax": torch.special.softmax(x, 0), "log_softmax": torch.special.log_softmax(x, dim=0),
 "logsumexp": torch.special.logsumexp(x, 0), "round": torch.special.round(x),
}
for k, y in outs.items():
    leaves = [t for t in (x, p) if t.requires_grad]
    gs = torch.autograd.grad(y.sum(), leaves, allow_unused=True)
    print(k, [round(v, 5) for v in y.detach().tolist()] if y.ndim else round(y.item(), 5),
          [None if g is None else [round(v, 4) for v in g.tolist()] for g in gs])
print(torch.special.entr(torch.tensor([-1.0, 0.0, 1.0])), torch.special.log_ndtr(torch.tensor([-30.0, 0.0])), torch.special.sinc(torch.tensor([0.0, 0.5, 1.0])))
xd = torch.tensor([-100., -40., -25., -20.5, -19.5, -10., -3., 0., 2., 8., 30.], dtype=torch.float64)
print([f"{v:.12e}" for v in torch.special.log_ndtr(xd).tolist()])
print(sorted(n for n in dir(torch.special) if n in ("erf", "expit", "logit", "xlog1py", "ndtr", "log_ndtr", "entr", "sinc", "psi", "gammaln", "multigammaln")))
