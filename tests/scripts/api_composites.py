"""Stacking helpers, tile, meshgrid, diff, lerp, nan_to_num, masked_select, take,
repeat_interleave, tensordot, cdist, trapezoid, addmm/addcmul/addcdiv, unique, bincount,
searchsorted, bucketize, clamp_min/max, deg2rad, atan2, hypot, logaddexp, atleast_nd: values,
dtypes and gradients as torch prints them."""
import torch
torch.manual_seed(0)
a = torch.arange(6.).reshape(2, 3).requires_grad_(); b = torch.arange(6., 12.).reshape(2, 3).requires_grad_()
v = torch.tensor([1., 2., 3.], requires_grad=True); w = torch.tensor([4., 5., 6.], requires_grad=True)
def show(name, f):
    try:
        r = f()
        if isinstance(r, tuple):
            print(name, [t.tolist() for t in r])
            return
        print(name, r.dtype, r.tolist())
        if r.requires_grad:
            leaves = [t for t in (a, b, v, w) if t.requires_grad]
            gs = torch.autograd.grad((r * r).sum(), leaves, allow_unused=True)
            print("  grads", [None if g is None else [round(x, 3) for x in g.reshape(-1).tolist()] for g in gs])
    except Exception as e:
        print(name, type(e).__name__, str(e)[:100])
show("hstack", lambda: torch.hstack([a, b])); show("hstack1", lambda: torch.hstack([v, w]))
show("vstack", lambda: torch.vstack([v, w])); show("vstack2", lambda: torch.vstack([a, v]))
show("column_stack", lambda: torch.column_stack([v, w])); show("dstack", lambda: torch.dstack([v, w]).shape)
show("row_stack", lambda: torch.row_stack([v, w]))
show("tile", lambda: v.tile((2, 2))); show("tile2", lambda: torch.tile(a, (2,)))
show("meshgrid_ij", lambda: torch.meshgrid(v, torch.tensor([7., 8.]), indexing="ij"))
show("meshgrid_xy", lambda: torch.meshgrid(v, torch.tensor([7., 8.]), indexing="xy"))
show("diff", lambda: torch.diff(a * a)); show("diff2", lambda: (v * v * v).diff(n=2)); show("diff0", lambda: torch.diff(a, dim=0, prepend=b))
show("lerp", lambda: torch.lerp(v, w, 0.25)); show("lerp_t", lambda: v.lerp(w, torch.tensor([0.0, 0.5, 1.0])))
show("nan_to_num", lambda: torch.nan_to_num(torch.tensor([float('nan'), float('inf'), -float('inf'), 1.5]), nan=0.5))
show("nan_to_num_grad", lambda: torch.nan_to_num(v / (v - 2)))
show("masked_select", lambda: torch.masked_select(a, a > 2)); show("masked_select_b", lambda: a.masked_select(torch.tensor([True, False, True])))
show("take", lambda: torch.take(a, torch.tensor([[0, 5], [2, 2]])))
show("repeat_interleave", lambda: v.repeat_interleave(2)); show("ri_dim", lambda: torch.repeat_interleave(a, torch.tensor([1, 2]), dim=0))
show("ri_counts", lambda: torch.repeat_interleave(torch.tensor([2, 0, 3])))
show("tensordot", lambda: torch.tensordot(a, b.t(), dims=1)); show("tensordot2", lambda: torch.tensordot(a, b, dims=([0, 1], [0, 1])))
show("tensordot3", lambda: torch.tensordot(a.reshape(1, 2, 3), b.t().reshape(3, 2, 1), dims=([1, 2], [1, 0])))
show("cdist", lambda: torch.cdist(a, b)); show("cdist1", lambda: torch.cdist(a, b, p=1.0))
show("trapezoid", lambda: torch.trapezoid(v * v)); show("trapz_x", lambda: torch.trapz(a, torch.tensor([0., 1., 3.])))
show("trapz_dx", lambda: torch.trapezoid(v, dx=0.5))
show("addmm", lambda: torch.addmm(v, a.t(), b, beta=0.5, alpha=2)); show("addcmul", lambda: torch.addcmul(v, v, w, value=0.5))
show("addcdiv", lambda: v.addcdiv(w, v, value=2))
show("unique", lambda: torch.unique(torch.tensor([3, 1, 2, 3, 1]))); show("unique_all", lambda: torch.unique(torch.tensor([3, 1, 2, 3, 1]), return_inverse=True, return_counts=True))
show("unique_dim", lambda: torch.unique(torch.tensor([[1, 2], [1, 2], [0, 5]]), dim=0))
show("bincount", lambda: torch.bincount(torch.tensor([0, 2, 2, 5]))); show("bincount_w", lambda: torch.bincount(torch.tensor([0, 2, 2]), weights=torch.tensor([0.5, 1., 2.])))
show("searchsorted", lambda: torch.searchsorted(torch.tensor([1, 3, 5, 7]), torch.tensor([3, 6, 9])))
show("searchsorted_r", lambda: torch.searchsorted(torch.tensor([1, 3, 5, 7]), torch.tensor([3, 6]), right=True))
show("bucketize", lambda: torch.bucketize(torch.tensor([0.5, 3.0, 9.0]), torch.tensor([1., 3., 5.])))
show("clamp_min", lambda: v.clamp_min(2.0)); show("clamp_max", lambda: torch.clamp_max(v, 2.0))
show("deg2rad", lambda: torch.deg2rad(torch.tensor([180., 90.]))); show("rad2deg", lambda: v.rad2deg())
show("atan2", lambda: torch.atan2(v - 2, w - 5)); show("hypot", lambda: torch.hypot(v, w)); show("logaddexp", lambda: torch.logaddexp(v, w))
show("arctan2", lambda: torch.arctan2(torch.tensor([1., -1.]), torch.tensor([-1., -1.])))
show("atleast", lambda: [torch.atleast_1d(torch.tensor(1.)).shape, torch.atleast_2d(v).shape, torch.atleast_3d(a).shape, torch.atleast_3d(v).shape])
