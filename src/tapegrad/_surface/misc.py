"""Family 'misc' of torch's surface (see tapegrad._surface): ``adjoint``, ``tril_indices`` /
``triu_indices``, ``norm_except_dim``, ``set_anomaly_enabled`` and
``Tensor.register_post_accumulate_grad_hook``."""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from .. import _creation as C, _reductions as Rd, _shaping as Sh
from .._tensor import Tensor, check_device
from ..autograd import _engine, anomaly_mode


def adjoint(input: Tensor) -> Tensor:
    """The conjugate transpose of the last two dimensions (a view; ``mT`` for real tensors)."""
    if input.ndim < 2:
        raise RuntimeError(f"tensor.adjoint() is only supported on matrices or batches of "
                           f"matrices. Got {input.ndim}-D tensor.")
    swapped = Sh.transpose(input, -2, -1)
    return swapped.conj() if input.is_complex() else swapped


def _triangle_indices(row: int, col: int, offset: int, lower: bool, dtype: Any,
                      device: Any) -> Tensor:
    check_device(device)
    rows, cols = (np.tril_indices if lower else np.triu_indices)(row, offset, col)
    dtype = dtype if dtype is not None else "int64"
    out = C.tensor(np.stack([rows, cols]).reshape(2, -1).astype(np.int64))
    return out if dtype == "int64" else out.to(dtype)


def tril_indices(row: int, col: int, offset: int = 0, *, dtype: Any = None,
                 device: Any = None, layout: Any = None) -> Tensor:
    """The (row, column) coordinates of the lower triangle of a ``row x col`` matrix (on and
    below diagonal ``offset``) as a 2 x N int64 tensor, in row-major order."""
    return _triangle_indices(row, col, offset, True, dtype, device)


def triu_indices(row: int, col: int, offset: int = 0, *, dtype: Any = None,
                 device: Any = None, layout: Any = None) -> Tensor:
    """The (row, column) coordinates of the upper triangle of a ``row x col`` matrix (on and
    above diagonal ``offset``) as a 2 x N int64 tensor, in row-major order."""
    return _triangle_indices(row, col, offset, False, dtype, device)


def norm_except_dim(v: Tensor, pow: float = 2, dim: int = 0) -> Tensor:
    """The ``pow``-norm of ``v`` over every dimension but ``dim``, shaped to broadcast against
    ``v`` (weight normalisation's ``g / ||v||``); ``dim=-1`` takes the norm of all of ``v``."""
    if dim == -1:
        return Rd.norm(v, pow)
    dim = dim % v.ndim
    others = tuple(d for d in range(v.ndim) if d != dim)
    return Rd.norm(v, pow, dim=others, keepdim=True)


def set_anomaly_enabled(enabled: bool, check_nan: bool = True) -> None:
    """Turn anomaly detection on or off (``torch.set_anomaly_enabled``; the functional form of
    ``autograd.set_detect_anomaly``)."""
    anomaly_mode._enable(enabled, check_nan, check_nan)


def register_post_accumulate_grad_hook(self: Tensor, hook: Callable[[Tensor], None]) -> Any:
    """Call ``hook(tensor)`` after ``backward()`` has accumulated this leaf's ``.grad`` (for
    optimizers that step parameter by parameter during backward).  Returns a handle with
    ``.remove()``."""
    if not self.requires_grad:
        raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
    if self.grad_fn is not None:
        raise RuntimeError("post accumulate grad hooks cannot be registered on non-leaf tensors")
    if self._hooks is None:
        self._hooks = []
    return _engine._RemovableHandle(self._hooks, (_engine.POST_ACCUMULATE, hook))


METHODS: dict = {"adjoint": adjoint,
                 "register_post_accumulate_grad_hook": register_post_accumulate_grad_hook}
INPLACE: dict = {}
FUNCTIONS: dict = {"adjoint": adjoint, "tril_indices": tril_indices,
                   "triu_indices": triu_indices, "norm_except_dim": norm_except_dim,
                   "set_anomaly_enabled": set_anomaly_enabled}
