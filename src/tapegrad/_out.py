"""torch's ``out=`` argument, for every function whose torch counterpart takes it.

``tapegrad.exp(x, out=y)`` computes ``exp(x)`` and writes it into ``y``'s memory: ``y`` keeps
its identity (and is returned), views of ``y`` see the new values, and its version counter moves
on as after any in-place change.  The rules are torch's:

* an empty ``out`` is resized to the result's shape silently; one with elements but the wrong
  shape is resized with torch's deprecation ``UserWarning``;
* the result is cast into ``out``'s dtype when torch allows the cast (no float into an integer
  tensor, no number into bool, no complex into real); a few functions want ``out`` in exactly the
  result's dtype (``mm``, ``softmax``, ``argmax``: their own error messages are in the table);
* with grad mode on, a call whose result (or ``out``) requires grad is refused with torch's
  RuntimeError: autograd cannot record a write into a user's tensor;
* functions with several results take a tuple (``torch.max(x, 0, out=(values, indices))``) and
  return a ``return_types.<name>_out`` named tuple of those tensors;
* factory functions (``zeros``, ``arange``, ``rand``, ...) compute in ``out``'s dtype when no
  ``dtype=`` is given, as torch's do.

The names that take ``out=`` are frozen below (read from torch 2.13's Python signatures: the
``out`` keyword of ``torch/_C/_VariableFunctions.pyi`` and of the ``torch.linalg`` and
``torch.special`` docstrings).  :func:`wrap_namespace` wraps every such name a namespace holds;
``tapegrad/__init__.py`` calls it last, after every engineer's names exist.  A call without
``out=`` pays only the wrapper's one extra call::

    >>> y = tapegrad.empty(0)
    >>> tapegrad.exp(tapegrad.zeros(2), out=y)
    tensor([1., 1.])
"""
from __future__ import annotations

import functools
import warnings
from typing import Any, Callable, MutableMapping

import numpy as np

from ._tensor import Tensor
from .autograd import grad_mode

# -- which functions take out= (torch 2.13) ------------------------------------------------------
TORCH_OUT = frozenset("""
abs absolute acos acosh add addbmm addcdiv addcmul addmm addmv addr alias_copy all amax amin
aminmax angle any arange arccos arccosh arcsin arcsinh arctan arctan2 arctanh argmax argmin
argsort as_strided_copy asin asinh atan atan2 atanh baddbmm bernoulli bitwise_and
bitwise_left_shift bitwise_not bitwise_or bitwise_right_shift bitwise_xor bmm bucketize cat
ccol_indices_copy ceil chain_matmul cholesky cholesky_inverse cholesky_solve clamp clamp_max
clamp_min clip col_indices_copy column_stack complex concat concatenate conj_physical copysign cos
cosh cross crow_indices_copy cummax cummin cumprod cumsum deg2rad detach_copy diag diagonal_copy
diff digamma div divide dot dstack empty eq erf erfc erfinv exp exp2 expand_copy expm1 eye fix
float_power floor floor_divide fmax fmin fmod frac frexp frobenius_norm full gather gcd ge geqrf
ger greater greater_equal gt hardshrink heaviside histc histogram hspmm hstack hypot i0 igamma
igammac index_add index_copy index_reduce index_select indices_copy inner inverse isin isneginf
isposinf kron kthvalue lcm ldexp le lerp less less_equal lgamma linspace log log10 log1p log2
log_softmax logaddexp logaddexp2 logcumsumexp logical_and logical_not logical_or logical_xor logit
logspace logsumexp lstsq lt lu_solve lu_unpack masked_select matmul matrix_power matrix_rank max
maximum mean median min minimum mm mode msort mul multinomial multiply mv mvlgamma nan_to_num
nanmean nanmedian nanquantile nansum narrow_copy ne neg negative nextafter nonzero nonzero_static
norm normal not_equal nuclear_norm ones orgqr ormqr outer permute_copy polar polygamma pow prod
qr quantile rad2deg rand randint randn randperm range reciprocal remainder renorm round
row_indices_copy row_stack rsqrt scatter scatter_add scatter_reduce searchsorted select_copy sgn
sigmoid sign signbit sin sinc sinh slice_copy slice_scatter slogdet softmax solve sort split_copy
split_with_sizes_copy sqrt square squeeze_copy sspaddmm stack std sub subtract sum svd t_copy take
take_along_dim tan tanh tensordot threshold topk transpose_copy triangular_solve tril triu
true_divide trunc unbind_copy unfold_copy unsqueeze_copy values_copy var vdot view_as_complex_copy
view_as_real_copy view_copy vstack where xlogy zeros
""".split())
"""The ``tapegrad.<name>`` functions whose torch counterpart takes ``out=``."""

LINALG_OUT = frozenset("""
cholesky cholesky_ex cond cross det eig eigh eigvals eigvalsh householder_product inv inv_ex
ldl_factor ldl_factor_ex ldl_solve lu lu_factor lu_factor_ex lu_solve matmul matrix_norm
matrix_power matrix_rank multi_dot norm pinv qr slogdet solve solve_ex solve_triangular svd
svdvals tensorinv tensorsolve vecdot vector_norm
""".split())
"""The same for ``tapegrad.linalg``."""

SPECIAL_OUT = frozenset("""
airy_ai bessel_j0 bessel_j1 bessel_y0 bessel_y1 chebyshev_polynomial_t chebyshev_polynomial_u
chebyshev_polynomial_v chebyshev_polynomial_w digamma entr erf erfc erfcx erfinv exp2 expit expm1
gammainc gammaincc gammaln hermite_polynomial_h hermite_polynomial_he i0 i0e i1 i1e
laguerre_polynomial_l legendre_polynomial_p log1p log_ndtr logit logsumexp modified_bessel_i0
modified_bessel_i1 modified_bessel_k0 modified_bessel_k1 multigammaln ndtr ndtri polygamma psi
round scaled_modified_bessel_k0 scaled_modified_bessel_k1 shifted_chebyshev_polynomial_t
shifted_chebyshev_polynomial_u shifted_chebyshev_polynomial_v shifted_chebyshev_polynomial_w sinc
spherical_bessel_j0 xlog1py xlogy zeta
""".split())
"""The same for ``tapegrad.special``."""

# Factory functions: without dtype=, torch computes them in out's dtype (arange(3, out=f) is float).
FACTORIES = frozenset("arange empty eye full linspace logspace ones rand randint randn randperm "
                      "range zeros".split())

# The op torch names in the autograd refusal, where it is not the function's own name
# ("multiply(): functions with out=..." is "mul(): ..." in torch).  Keys of linalg and special
# functions carry their namespace; those not listed are named "linalg_<name>" / "special_<name>".
OP_NAMES = {
    **dict.fromkeys("multiply ger outer".split(), "mul"),
    **dict.fromkeys("divide true_divide".split(), "div"),
    **dict.fromkeys("concat concatenate row_stack vstack hstack column_stack dstack".split(),
                    "cat"),
    "subtract": "sub", "clip": "clamp", "absolute": "abs", "arccos": "acos", "arcsin": "asin",
    "arctan": "atan", "arctan2": "atan2", "arccosh": "acosh", "arcsinh": "asinh",
    "arctanh": "atanh", "negative": "neg", "fix": "trunc", "square": "pow",
    "norm": "linalg_vector_norm",
    "linalg.inv": "linalg_inv_ex", "linalg.det": "_linalg_det",
    "linalg.solve": "_linalg_solve_ex",
    "linalg.slogdet": "_linalg_slogdet", "linalg.matmul": "matmul", "linalg.cross": "linalg_cross",
    "special.expit": "sigmoid", "special.gammaln": "lgamma", "special.psi": "digamma",
    "special.multigammaln": "mvlgamma",
    **{f"special.{n}": n for n in "digamma erf erfc erfinv exp2 expm1 i0 log1p logit logsumexp "
                                   "polygamma round sinc xlogy".split()},
}


def op_name(key: str) -> str:
    """The name torch's autograd refusal gives for the function ``key`` (``"linalg.inv"``)."""
    name = OP_NAMES.get(key)
    if name is None:
        space, _, name = key.rpartition(".")
        name = f"{space}_{name}" if space else name
    return name


# -- dtype rules ---------------------------------------------------------------------------------
# torch's names for dtypes in its messages: the ScalarType name and the C++ type name.
_SCALAR_NAMES = {"float32": "Float", "float64": "Double", "float16": "Half", "int64": "Long",
                 "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool",
                 "complex64": "ComplexFloat", "complex128": "ComplexDouble"}
_CPP_NAMES = {"float32": "float", "float64": "double", "float16": "c10::Half",
              "int64": "long int", "int32": "int", "int16": "short int", "int8": "signed char",
              "uint8": "unsigned char", "bool": "bool", "complex64": "c10::complex<float>",
              "complex128": "c10::complex<double>"}

_EXACT = "Expected out tensor to have dtype {res_cpp}, but got {out_cpp} instead"
# Functions whose out must have exactly the result's dtype, each with the message torch gives.
EXACT_DTYPE = {
    **dict.fromkeys("mm bmm mv matmul addmm addmv addbmm baddbmm gather tril triu softmax "
                    "log_softmax norm cross argmax argmin sort".split(), _EXACT),
    "dot": "result dtype {out} does not match input dtype {res}",
    "vdot": "result dtype {out} does not match input dtype {res}",
    "inner": "tensordot: Expected the output tensor to have dtype {res}, but got an output "
             "tensor with dtype {out}",
    "tensordot": "tensordot: Expected the output tensor to have dtype {res}, but got an output "
                 "tensor with dtype {out}",
    "index_select": "index_select(): self and result must have the same scalar type",
    "masked_select": "masked_select(): self and result must have the same scalar type",
    "take": "take(): self and out expected to have the same dtype, but got self.dtype = {res} "
            "and out.dtype = {out}",
    "where": "Expected out type to be {res} but got {out}",
    "clamp": "Found dtype {out} but expected {res}",
    "clip": "Found dtype {out} but expected {res}",
    "abs": "Found dtype {out} but expected {res}",
    "absolute": "Found dtype {out} but expected {res}",
    "cummax": "expected scalar_type {res} but found {out}",
    "cummin": "expected scalar_type {res} but found {out}",
    "nonzero": "nonzero: Expected out tensor to have scalar type Long but got scalar type{out}",
}
# Functions that allow a cast but word the refusal their own way (the default is
# "result type Float can't be cast to the desired output type Long").
CAST_MESSAGES = {
    **dict.fromkeys("cat concat concatenate stack hstack vstack dstack column_stack row_stack"
                    .split(), (TypeError, "torch.cat(): input types can't be cast to the "
                                          "desired output type {out}")),
    "mean.dtype_out": (RuntimeError, "mean.dtype_out(): input types can't be cast to the "
                                     "desired output type {out}"),
    "diag": (RuntimeError, "diag: result type {res} can't be cast to the desired out= type "
                           "{out}"),
    "logsumexp": (RuntimeError, "logsumexp(): Expected floating point type for result tensor, "
                                "but got: {out}"),
}

_RESIZED = ("An output with one or more elements was resized since it had shape {old}, which "
            "does not match the required output shape {new}. This behavior is deprecated, and in "
            "a future PyTorch release outputs will not be resized unless they have zero elements. "
            "You can explicitly reuse an out tensor t by resizing it, inplace, to zero elements "
            "with t.resize_(0). (Triggered internally at "
            "/__w/pytorch/pytorch/aten/src/ATen/native/Resize.cpp:30.)")


def can_cast(src: np.dtype, dst: np.dtype) -> bool:
    """torch's ``can_cast`` on NumPy dtypes: no complex into real, no floating point into an
    integer, nothing but bool into bool."""
    if src.kind == "c" and dst.kind != "c":
        return False
    if src.kind in "fc" and dst.kind in "iub":
        return False
    return not (src.kind != "b" and dst.kind == "b")


def _names(res: np.dtype, out: np.dtype) -> dict:
    return {"res": _SCALAR_NAMES.get(res.name, res.name),
            "out": _SCALAR_NAMES.get(out.name, out.name),
            "res_cpp": _CPP_NAMES.get(res.name, res.name),
            "out_cpp": _CPP_NAMES.get(out.name, out.name)}


def _check_dtype(name: str, res: np.dtype, out: np.dtype, exact: bool) -> None:
    if res == out:
        return
    if exact:
        raise RuntimeError(EXACT_DTYPE.get(name, _EXACT).format(**_names(res, out)))
    if name == "diag" and can_cast(res, out):  # diag casts only what it need not: see torch
        raise RuntimeError(_EXACT.format(**_names(res, out)))
    if name == "logsumexp":
        if out.kind not in "fc":
            raise RuntimeError(CAST_MESSAGES[name][1].format(**_names(res, out)))
        return
    if not can_cast(res, out):
        kind, text = CAST_MESSAGES.get(
            name, (RuntimeError, "result type {res} can't be cast to the desired output type "
                                 "{out}"))
        raise kind(text.format(**_names(res, out)))


# -- writing a result into out -------------------------------------------------------------------
def write(name: str, result: Tensor, out: Any, exact: bool = False, stacklevel: int = 4,
          rule: str | None = None) -> Tensor:
    """Copy ``result`` into ``out`` with torch's out= rules (see the module docstring); return
    ``out``.  ``exact``: ``out`` must have the result's dtype; ``rule`` (default ``name``) picks
    the dtype error's message; ``stacklevel`` points the resize warning at the user's call."""
    if not isinstance(out, Tensor):
        raise TypeError(f"{name}(): argument 'out' must be Tensor, not {type(out).__name__}")
    data = result._data
    target = out._data
    rule = rule or name
    _check_dtype(rule, data.dtype, target.dtype, exact or rule in EXACT_DTYPE)
    # an expanded view (a zero stride): several of out's elements share one memory location
    if not target.flags.writeable or any(
            step == 0 and n > 1 for step, n in zip(target.strides, target.shape)):
        raise RuntimeError("unsupported operation: more than one element of the written-to "
                           "tensor refers to a single memory location. Please clone() the "
                           "tensor before performing the operation.")
    if target.shape == data.shape:
        np.copyto(target, data, casting="unsafe")  # into out's memory: its views see it
    else:
        if target.size:
            warnings.warn(_RESIZED.format(old=list(target.shape), new=list(data.shape)),
                          UserWarning, stacklevel=stacklevel)
        out._data = np.array(data, dtype=target.dtype, copy=True)  # torch's resize
    out._bump()
    return out


def _refuse_autograd(key: str, result: Any, out: Any) -> None:
    """torch's error when autograd would have to record a write into ``out``."""
    if not grad_mode.state.enabled:
        return
    results = result if isinstance(result, (tuple, list)) else (result,)
    outs = out if isinstance(out, (tuple, list)) else (out,)
    if any(isinstance(t, Tensor) and t._requires_grad for t in (*results, *outs)):
        prefix = "aten::" if key in FACTORIES else ""
        raise RuntimeError(f"{prefix}{op_name(key)}(): functions with out=... arguments don't "
                           "support automatic differentiation, but one of the arguments requires "
                           "grad.")


_OUT_TYPES: dict[type, type] = {}


def _out_type(result_type: type) -> type:
    """``return_types.<name>_out``: the named tuple torch returns for a tuple ``out``."""
    made = _OUT_TYPES.get(result_type)
    if made is None:
        fields = result_type._fields
        label = f"{result_type.__name__}_out"

        def __repr__(self: Any) -> str:
            parts = ",\n".join(f"{f}={getattr(self, f)!r}" for f in fields)
            return f"tapegrad.return_types.{label}(\n{parts})"

        made = _OUT_TYPES[result_type] = type(label, (result_type,),
                                              {"__slots__": (), "__repr__": __repr__})
    return made


def call_with_out(fn: Callable, key: str, args: tuple, kwargs: dict, out: Any) -> Any:
    """Run ``fn(*args, **kwargs)`` and write its result(s) into ``out`` (torch's out=).

    ``key`` names the function: ``"exp"``, or ``"linalg.inv"`` for a namespace's function."""
    name = key.rpartition(".")[2]
    if name in FACTORIES and "dtype" not in kwargs and isinstance(out, Tensor):
        kwargs["dtype"] = out.dtype  # torch computes a factory in out's dtype
    result = fn(*args, **kwargs)
    _refuse_autograd(key, result, out)
    if isinstance(result, tuple):
        if not isinstance(out, (tuple, list)) or len(out) != len(result):
            got = len(out) if isinstance(out, (tuple, list)) else 1
            raise TypeError(f"{name}(): argument 'out' must be tuple of {len(result)} Tensors, "
                            f"not {type(out).__name__ if got == 1 else f'{got} Tensors'}")
        written = []
        for r, o in zip(result, out):  # a loop, not a comprehension: keeps the warning's frame
            written.append(write(name, r, o, exact=True))
        if hasattr(result, "_fields"):
            return _out_type(type(result))(*written)
        return tuple(written)
    if isinstance(out, (tuple, list)):
        raise TypeError(f"{name}(): argument 'out' must be Tensor, not {type(out).__name__}")
    rule = None
    if key == "mean" and len(args) < 2 and "dim" not in kwargs:  # torch's mean over all dims
        rule = "mean.dtype_out"
    return write(name, result, out, rule=rule)


def with_out(fn: Callable, key: str) -> Callable:
    """``fn`` accepting torch's ``out=`` keyword (a call without it goes straight to ``fn``);
    ``key`` is its name, with its namespace for ``linalg``/``special`` (``"linalg.inv"``)."""
    if getattr(fn, "_takes_out", False):
        return fn

    def call(*args: Any, out: Any = None, **kwargs: Any) -> Any:
        if out is None:
            return fn(*args, **kwargs)
        return call_with_out(fn, key, args, kwargs, out)

    functools.update_wrapper(call, fn, assigned=("__module__", "__name__", "__qualname__",
                                                 "__doc__"), updated=())
    if not isinstance(getattr(fn, "__name__", None), str):  # a registry op: no __name__
        call.__name__ = call.__qualname__ = key.rpartition(".")[2]
    call._takes_out = True  # type: ignore[attr-defined]
    return call


def wrap_namespace(namespace: MutableMapping[str, Any], names: frozenset = TORCH_OUT,
                   prefix: str = "") -> None:
    """Give every callable of ``namespace`` named in ``names`` torch's ``out=``.

    Called at the end of ``tapegrad/__init__.py`` (``wrap_namespace(globals())``), and for
    ``tapegrad.linalg`` / ``tapegrad.special`` with their tables, so names added by any module
    before that line are covered.
    """
    for name in sorted(names):
        fn = namespace.get(name)
        if fn is not None and callable(fn) and not isinstance(fn, type):
            namespace[name] = with_out(fn, prefix + name)


def install(package_namespace: MutableMapping[str, Any]) -> None:
    """Wrap ``tapegrad``'s namespace and its ``linalg`` and ``special`` modules (see
    :func:`wrap_namespace`); the one call ``tapegrad/__init__.py`` makes, last."""
    wrap_namespace(package_namespace, TORCH_OUT)
    for module, names in (("linalg", LINALG_OUT), ("special", SPECIAL_OUT)):
        sub = package_namespace.get(module)
        if sub is not None:
            wrap_namespace(vars(sub), names, module + ".")
