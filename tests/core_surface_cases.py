"""Cases for tests/test_gradcheck.py's table (format: name -> (fn, [list of input-spec lists]);
see tests/core_alias_cases.py), for the registry ops of this family: the in-place views
(``unsqueeze_``, ``t_``, ``as_strided_``...), ``as_strided`` and its copy/scatter forms,
``resize``, ``zero_``/``fill_`` on tensors that require grad and ``div`` with a rounding mode."""
from __future__ import annotations

import warnings

import tapegrad as tg
from tapegrad import _inplace_views
from tapegrad._ops import elementwise as E, fused as F


def U(*shape, lo=-1.0, hi=1.0):
    return ("u", shape, lo, hi)


def _resize(x):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Tensor.resize is deprecated (torch warns too)
        return x.resize(3, 2)


CASES = {
    # in-place views: a leaf that requires grad is refused, so each works on a copy (x * 1)
    "unsqueeze_": (lambda x: (x * 1).unsqueeze_(1), [[U(2, 3)], [U(3)]]),
    "squeeze_": (lambda x: (x * 1).squeeze_(), [[U(2, 1, 3)]]),
    "squeeze_dim_": (lambda x: (x * 1).squeeze_(1), [[U(2, 1, 3)]]),
    "squeeze_dims_": (lambda x: (x * 1).squeeze_((1, 2)), [[U(2, 1, 1, 3)]]),
    "transpose_": (lambda x: (x * 1).transpose_(0, 1), [[U(2, 3)], [U(2, 3, 2)]]),
    "t_": (lambda x: (x * 1).t_(), [[U(2, 3)]]),
    "resize": (_resize, [[U(6)], [U(2, 3)]]),
    # as_strided: overlapping places (strides (1, 1)) sum their gradients
    "as_strided": (lambda x: x.as_strided((2, 2), (1, 2), 1), [[U(6)], [U(2, 3)]]),
    "as_strided_overlap": (lambda x: x.as_strided((3, 2), (1, 1)), [[U(6)]]),
    "as_strided_of_view": (lambda x: (x * 1)[2:].as_strided((2, 2), (1, 1)), [[U(6)]]),
    "as_strided_": (lambda x: (x * 1).as_strided_((2, 2), (1, 2), 1), [[U(6)]]),
    "as_strided_copy": (lambda x: _inplace_views.as_strided_copy(x, (2, 2), (3, 1), 1), [[U(9)]]),
    "as_strided_scatter": (lambda a, b: a.as_strided_scatter(b, (2, 2), (3, 1), 1),
                           [[U(9), U(2, 2)], [U(3, 3), U(2, 2)]]),
    # zero_/fill_ on a tensor that requires grad: ZeroBackward0, FillBackward2/3
    "zero": (lambda x: (x * 1).zero_(), [[U(2, 3)]]),
    "fill": (lambda x: (x * 1).fill_(0.5), [[U(2, 3)]]),
    "fill_tensor": (lambda x, v: (x * 1).fill_(v[0]), [[U(2, 3), U(1)]]),
    "div_rounding": (lambda x, y: E.div_rounding(x, y, "trunc"),
                     [[U(3, lo=0.3, hi=0.45), U(3, lo=0.5, hi=0.6)]]),
    # the fused pointwise ops (_ops/fused.py)
    "fused_add_alpha": (lambda a, b: F.ADD_ALPHA(a, b, alpha=2.5), [[U(2, 3), U(3)]]),
    "fused_sub_alpha": (lambda a, b: F.SUB_ALPHA(a, b, alpha=0.5), [[U(2, 3), U(2, 3)]]),
    "fused_lerp": (lambda a, b: tg.lerp(a, b, 0.3), [[U(2, 3), U(2, 3)]]),
    "fused_lerp_far": (lambda a, b: tg.lerp(a, b, 0.8), [[U(3), U(2, 3)]]),
    "fused_lerp_tensor": (tg.lerp, [[U(2, 3), U(2, 3), U(2, 3, lo=0.0, hi=1.0)],
                                    [U(3), U(3), U(2, 3, lo=0.0, hi=1.0)]]),
    "fused_addcmul": (lambda a, b, c: tg.addcmul(a, b, c, value=0.5),
                      [[U(2, 3), U(2, 3), U(2, 3)], [U(3), U(2, 3), U(1)]]),
    "fused_addcdiv": (lambda a, b, c: tg.addcdiv(a, b, c, value=2.0),
                      [[U(2, 3), U(2, 3), U(2, 3, lo=0.5, hi=1.5)]]),
}
INDIRECT: set = {"mul_scalar"}  # pow's derivative formula: second-order graphs only
