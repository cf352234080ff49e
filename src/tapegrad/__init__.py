"""tapegrad: PyTorch's autograd in readable Python on top of NumPy.

Use it as you would use torch::

    import tapegrad as torch
    x = torch.arange(4.0, requires_grad=True)
    y = 2 * torch.dot(x, x)
    y.backward()
    x.grad          # tensor([ 0.,  4.,  8., 12.])
"""
from __future__ import annotations

import re as _re
import types as _types
import warnings as _warnings

# torch computes sqrt(-1) or 0/0 silently (NaN); NumPy would warn from inside tapegrad's ops.
_warnings.filterwarnings("ignore", category=RuntimeWarning, module=_re.escape(__name__) + r"\.")

from . import _dtype  # noqa: E402
from ._dtype import (bool, cdouble, cfloat, complex64, complex128, double, dtype, float, float16,
                     float32, float64, get_default_dtype, half, int, int8, int16, int32, int64, long,
                     set_default_dtype, short, uint8)
from ._tensor import Size, Tensor, device
from . import _tensor as _tensor_module
from ._ops import _registry
from ._ops import elementwise as _E
from ._ops import special as _SP
from . import _methods  # noqa: F401  (attaches Tensor methods)
from ._api import (add, bmm, clamp, clip, diag, div, divide, dot, ger, inner, matmul, mm, mul,
                   multiply, mv, outer, polygamma, pow, rsub, square, sub, subtract, trace, tril,
                   triu, true_divide, where, xlogy)
from ._reductions import (all, amax, amin, any, argmax, argmin, count_nonzero, cumprod, cumsum,
                          kthvalue, log_softmax, logsumexp, max, mean, median, min, norm, prod,
                          softmax, std, sum, var)
from ._selecting import (argsort, gather, index_add, index_select, scatter, scatter_add, sort,
                         topk)
from ._composites import (addcdiv, addcmul, addmm, bincount, bucketize, cdist, clamp_max,
                          clamp_min, column_stack, deg2rad, diff, dstack, hstack, lerp,
                          masked_select, meshgrid, nan_to_num, rad2deg, repeat_interleave,
                          row_stack, searchsorted, take, tensordot, tile, trapezoid, trapz, unique,
                          vstack)
from ._shaping import (allclose, atleast_1d, atleast_2d, atleast_3d, broadcast_tensors, broadcast_to, cat, chunk, clone, concat,
                       concatenate, detach, equal, expand_as, flatten,
                       is_floating_point, is_tensor, isclose, masked_fill, moveaxis, movedim,
                       narrow, numel, permute, repeat, reshape, roll, split, squeeze,
                       stack, swapaxes, swapdims, t, transpose, unbind, unflatten, unsqueeze)
from ._creation import (arange, as_tensor, asarray, empty, empty_like, eye, from_numpy, full,
                        full_like, linspace, logspace, ones, ones_like, tensor, zeros, zeros_like)
from ._random import (Generator, _sample_dirichlet, _standard_gamma, bernoulli, binomial,
                      default_generator, get_rng_state, initial_seed,
                      manual_seed, multinomial, normal, poisson, rand, rand_like, randint,
                      randint_like, randn, randn_like, randperm, seed, set_rng_state)
from . import _creation as _creation_module
from ._einsum import einsum
from ._formatting import get_printoptions, printoptions, set_printoptions
from ._public import public_dir as _public_dir
from . import autograd
from . import calculus, distributions, func, linalg, random, special, viz
from .func import vmap  # torch.vmap is torch.func.vmap
from .autograd.grad_mode import (enable_grad, inference_mode, is_grad_enabled, no_grad,
                                 set_grad_enabled)
from .autograd.anomaly_mode import is_anomaly_check_nan_enabled, is_anomaly_enabled

__version__ = "0.1.0"

# Elementwise functions under torch's names.
neg, negative, exp, exp2, expm1, log, log2, log10, log1p = (_E.NEG, _E.NEG, _E.EXP, _E.EXP2,
                                                           _E.EXPM1, _E.LOG, _E.LOG2, _E.LOG10,
                                                           _E.LOG1P)
sqrt, rsqrt, sin, cos, tan, asin, acos, atan = (_E.SQRT, _E.RSQRT, _E.SIN, _E.COS, _E.TAN, _E.ASIN,
                                                _E.ACOS, _E.ATAN)
sinh, cosh, tanh, sigmoid, relu, abs, sign = (_E.SINH, _E.COSH, _E.TANH, _E.SIGMOID, _E.RELU,
                                              _E.ABS, _E.SIGN)
floor, ceil, round, trunc, frac, reciprocal = (_E.FLOOR, _E.CEIL, _E.ROUND, _E.TRUNC, _E.FRAC,
                                               _E.RECIPROCAL)
atan2 = arctan2 = _E.ATAN2
inverse, det, slogdet = linalg.inv, linalg.det, linalg.slogdet
hypot, logaddexp = _E.HYPOT, _E.LOGADDEXP
arcsin, arccos, arctan, absolute = asin, acos, atan, abs
maximum, minimum, remainder, fmod, floor_divide = (_E.MAXIMUM, _E.MINIMUM, _E.REMAINDER, _E.FMOD,
                                                   _E.FLOOR_DIVIDE)
eq, ne, lt, le, gt, ge = _E.EQ, _E.NE, _E.LT, _E.LE, _E.GT, _E.GE
greater, greater_equal, less, less_equal, not_equal = gt, ge, lt, le, ne
logical_and, logical_or, logical_xor, logical_not = (_E.LOGICAL_AND, _E.LOGICAL_OR,
                                                     _E.LOGICAL_XOR, _E.LOGICAL_NOT)
isnan, isinf, isfinite = _E.ISNAN, _E.ISINF, _E.ISFINITE
erf, erfc, lgamma, digamma = _SP.ERF, _SP.ERFC, _SP.LGAMMA, _SP.DIGAMMA
# torch's other names, in-place functions (torch.exp_) and dtype helpers (torch.promote_types)
from . import _aliases as _aliases_module  # noqa: E402
for _name, _fn in _aliases_module.toplevel().items():
    globals().setdefault(_name, _fn)
from . import _surface as _surface_module  # noqa: E402
from ._inplace_views import (as_strided, as_strided_, as_strided_copy,  # noqa: E402
                             as_strided_scatter, resize_as_)
globals().update(_surface_module.functions())
del _name, _fn


class cuda:
    """torch.cuda stand-in: tapegrad has no GPU backend."""

    @staticmethod
    def is_available():
        """Always False: tapegrad computes on the CPU."""
        return False

    @staticmethod
    def device_count() -> int:
        """Always 0: there are no CUDA devices to use."""
        return 0

    @staticmethod
    def manual_seed(seed: int) -> None:
        """Accepted and ignored (there is no CUDA generator), so seeding code runs unchanged."""

    manual_seed_all = manual_seed


class backends:
    """torch.backends stand-in: only ``backends.mps.is_available()`` (always False)."""

    class mps:
        """torch.backends.mps stand-in: tapegrad has no Apple GPU backend."""

        @staticmethod
        def is_available():
            """Always False: tapegrad computes on the CPU."""
            return False


FloatTensor, DoubleTensor, HalfTensor, LongTensor, IntTensor, ShortTensor, CharTensor, \
    ByteTensor, BoolTensor = _creation_module.LEGACY_TYPES.values()

_registry.bind(Tensor, _tensor_module.check_view, _tensor_module.view_generation)
from . import _api as _api_module  # noqa: E402
_api_module.name_public_classes(globals())  # type(x) prints <class 'tapegrad.Tensor'>

def as_torch(enable: bool = True) -> None:
    """Make ``import torch`` give tapegrad everywhere from now on (``as_torch(False)`` undoes it),
    so a notebook and the libraries it imports (D2L's ``d2l``) run on tapegrad unchanged.

    Call it first, before anything imports torch. In Jupyter, ``%load_ext tapegrad`` does the
    same (``%unload_ext tapegrad`` undoes it).
    """
    from ._torch_alias import as_torch as _as_torch
    _as_torch(enable)


def load_ipython_extension(ipython: object) -> None:
    """``%load_ext tapegrad``: ``import torch`` gives tapegrad in this session."""
    as_torch(True)


def unload_ipython_extension(ipython: object) -> None:
    """``%unload_ext tapegrad``: ``import torch`` is torch again."""
    as_torch(False)


import math as _math  # noqa: E402
inf, nan, pi, e = _math.inf, _math.nan, _math.pi, _math.e  # torch.inf, torch.pi, ...


class memory_format:
    """torch's memory formats (``torch.contiguous_format``, ...): accepted where torch takes
    ``memory_format=``; tapegrad's arrays have one layout, so they change nothing."""

    def __init__(self, name: str) -> None:
        self._name = name

    def __repr__(self) -> str:
        return f"tapegrad.{self._name}"


contiguous_format, preserve_format, channels_last, channels_last_3d = (
    memory_format(n) for n in ("contiguous_format", "preserve_format", "channels_last",
                               "channels_last_3d"))


# The learner's next chapters, built on the names above (they import tapegrad's public API).
from . import nn, optim, utils  # noqa: E402
from .nn._functional.toplevel import *  # noqa: E402,F401,F403  (torch.conv2d, torch.selu, ...)
from .serialization import *  # noqa: E402,F401,F403

from . import _out as _out_module  # noqa: E402
_out_module.install(globals())  # out= on every function torch gives it, once every name exists

# The public API for ``from tapegrad import *``: every name above except submodules and the
# ``_`` helpers.  dir(tapegrad) shows it plus the submodules (tapegrad.autograd, ...).
__all__ = sorted(_name for _name, _value in globals().items()
                 if not _name.startswith("_") and _name != "annotations"
                 and not isinstance(_value, _types.ModuleType))


def __dir__() -> list[str]:
    return _public_dir(globals())
