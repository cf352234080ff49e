"""Check derivatives against finite differences: ``gradcheck`` and ``gradgradcheck`` (torch's API).

``gradcheck(func, inputs)`` compares, for every output and every input that requires grad, the
Jacobian computed by central differences,

    J[j, m] = (out_m(x + eps e_j) - out_m(x - eps e_j)) / (2 eps),

with the one autograd computes (reverse mode: one backward per output element; forward mode with
``check_forward_ad=True``).  Jacobians are laid out as torch prints them: one row per input
element, one column per output element.  A mismatch raises ``GradcheckError`` (or returns False
with ``raise_exception=False``) naming the output and input by their index among the
differentiable ones, with both Jacobians in the message.  Use float64 inputs: with float32 the
differences are too coarse for the default tolerances.

``gradgradcheck`` checks second derivatives by running ``gradcheck`` on the function that maps
(inputs, grad_outputs) to the vector-Jacobian product computed with ``create_graph=True``.

``tapegrad.autograd.gradcheck`` is the function (this module is still importable as
``tapegrad.autograd.gradcheck`` for ``from ... import GradcheckError``, as in torch).
"""
from __future__ import annotations

import warnings
from typing import Any, Callable

import numpy as np

from . import _engine

__all__ = ["gradcheck", "gradgradcheck", "GradcheckError"]


class GradcheckError(RuntimeError):
    """Raised by ``gradcheck`` and ``gradgradcheck`` when a check fails."""


_DOUBLE_WARNING = ("Input #{} requires gradient and is not a double precision floating point or "
                   "complex. This check will likely fail if all the inputs are not of double "
                   "precision floating point or complex. ")
_BATCHED_HELP = ("gradcheck or gradgradcheck failed while testing batched gradient computation "
                 "(vmap over the backward pass). Pass check_batched_grad=False to skip this "
                 "check.")
_UNDEFINED_HELP = ('Please look at "Notes about undefined output gradients" in '
                   '"tools/autograd/derivatives.yaml"')


def gradcheck(func: Callable, inputs: Any, *, eps: float = 1e-6, atol: float = 1e-5,
              rtol: float = 1e-3, raise_exception: bool = True, nondet_tol: float = 0.0,
              check_undefined_grad: bool = True, check_grad_dtypes: bool = False,
              check_batched_grad: bool = False, check_batched_forward_grad: bool = False,
              check_forward_ad: bool = False, check_backward_ad: bool = True,
              fast_mode: bool = False, masked: bool | None = None) -> bool:
    """Check the gradients of ``func`` at ``inputs`` against finite differences.

    ``inputs`` is a tensor or a tuple of arguments; those that are float64 tensors with
    ``requires_grad=True`` are checked.  Returns True, or raises ``GradcheckError`` (returns
    False when ``raise_exception=False``).  ``fast_mode=True`` compares one random projection
    ``v^T J u`` per (output, input) pair and computes full Jacobians only to confirm a failure.
    ``check_undefined_grad`` checks that a multi-output function accepts gradients for only some
    of its outputs; ``check_batched_grad`` that ``tapegrad.func.vmap`` over the backward pass
    gives the same gradients as one backward per grad_output.  ``masked`` concerns sparse tensors, which tapegrad does not have; it is
    accepted and ignored.

    Example::

        x = tapegrad.randn(3, dtype=tapegrad.float64, requires_grad=True)
        tapegrad.autograd.gradcheck(tapegrad.sin, (x,))     # True
    """
    if not (check_forward_ad or check_backward_ad):
        raise AssertionError("Expected at least one of check_forward_ad or check_backward_ad to "
                             "be True")
    _requires("check_batched_grad", check_batched_grad, "check_backward_ad", check_backward_ad)
    _requires("check_batched_forward_grad", check_batched_forward_grad, "check_forward_ad",
              check_forward_ad)
    checker = _Checker(func, inputs, eps, atol, rtol, nondet_tol, check_grad_dtypes)
    try:
        return checker.run(check_undefined_grad=check_undefined_grad,
                           check_batched_grad=check_batched_grad,
                           check_batched_forward_grad=check_batched_forward_grad,
                           check_forward_ad=check_forward_ad,
                           check_backward_ad=check_backward_ad, fast_mode=fast_mode)
    except GradcheckError:
        if raise_exception:
            raise
        return False


def _requires(option: str, value: bool, needed: str, needed_value: bool) -> None:
    """torch's error for an option that only makes sense with another one switched on."""
    if value and not needed_value:
        raise AssertionError(f"Setting {option}=True requires {needed} to be True")


def gradgradcheck(func: Callable, inputs: Any, grad_outputs: Any = None, *, eps: float = 1e-6,
                  atol: float = 1e-5, rtol: float = 1e-3, gen_non_contig_grad_outputs: bool = False,
                  raise_exception: bool = True, nondet_tol: float = 0.0,
                  check_undefined_grad: bool = True, check_grad_dtypes: bool = False,
                  check_batched_grad: bool = False, check_fwd_over_rev: bool = False,
                  check_rev_over_rev: bool = True, fast_mode: bool = False,
                  masked: bool = False) -> bool:
    """Check second derivatives: ``gradcheck`` of ``(inputs, v) -> grad(func(inputs), inputs, v)``.

    Both the inputs that require grad and the vectors ``v`` (``grad_outputs``; random in [-1, 1)
    from a fixed seed when not given) are perturbed, so the check covers the derivative of the
    backward pass with respect to the incoming gradient as well.
    """
    if not (check_fwd_over_rev or check_rev_over_rev):
        raise AssertionError("Expected at least one of check_fwd_over_rev or check_rev_over_rev "
                             "to be True")
    _requires("check_undefined_grad", check_undefined_grad, "check_rev_over_rev",
              check_rev_over_rev)
    _requires("check_batched_grad", check_batched_grad, "check_rev_over_rev", check_rev_over_rev)
    import tapegrad

    args = _as_tuple(inputs)
    if grad_outputs is None:
        outs = _differentiable(func(*args))
        rng = np.random.default_rng(0)
        vs = []
        for o in outs:
            dtype = o._data.dtype if o._data.dtype.kind in "fc" else np.dtype(np.float64)
            data = rng.uniform(-1.0, 1.0, o._data.shape).astype(dtype)
            if gen_non_contig_grad_outputs and data.size > 1:
                spread = np.empty(data.shape + (2,), dtype=dtype)
                spread[..., 0] = data
                data = spread[..., 0]   # a strided view: not contiguous
            vs.append(tapegrad.Tensor._make(data, None, True))
        grad_outputs = tuple(vs)
    else:
        grad_outputs = _as_tuple(grad_outputs)
    n_grads = len(grad_outputs)

    def vjp_of_func(*all_args: Any) -> tuple:
        primals, vs = all_args[:len(all_args) - n_grads], all_args[len(all_args) - n_grads:]
        outs = _differentiable(func(*primals))
        wrt = [a for a in primals if _requires_grad(a)]
        grads = tapegrad.autograd.grad(outs, wrt, vs, create_graph=True, allow_unused=True)
        return tuple(g for g in grads if g is not None)

    return gradcheck(vjp_of_func, args + tuple(grad_outputs), eps=eps, atol=atol, rtol=rtol,
                     raise_exception=raise_exception, nondet_tol=nondet_tol,
                     check_undefined_grad=check_undefined_grad,
                     check_grad_dtypes=check_grad_dtypes, check_batched_grad=check_batched_grad,
                     check_forward_ad=check_fwd_over_rev, check_backward_ad=check_rev_over_rev,
                     fast_mode=fast_mode, masked=masked)


# -- helpers -------------------------------------------------------------------------------------
def _as_tuple(x: Any) -> tuple:
    if isinstance(x, tuple):
        return x
    if isinstance(x, list):
        return tuple(x)
    return (x,)


def _requires_grad(x: Any) -> bool:
    return isinstance(x, _engine._Tensor) and x._requires_grad


def _differentiable(out: Any) -> tuple:
    return tuple(o for o in _as_tuple(out) if _requires_grad(o))


def _tensors(out: Any) -> list:
    return [o for o in _as_tuple(out) if isinstance(o, _engine._Tensor)]


def _show(array: np.ndarray) -> str:
    return repr(_engine._Tensor._make(array))


def _mismatch(out_idx: int, in_idx: int, numerical: np.ndarray, analytical: np.ndarray,
              forward: bool = False) -> str:
    mode = "computed with forward mode " if forward else ""
    return (f"Jacobian {mode}mismatch for output {out_idx:d} with respect to input {in_idx:d},\n"
            f"numerical:{_show(numerical)}\nanalytical:{_show(analytical)}\n")


def _allclose(a: np.ndarray, n: np.ndarray, rtol: float, atol: float) -> bool:
    """torch.allclose(a, n): |a - n| <= atol + rtol * |n| everywhere."""
    return bool(np.allclose(a, n, rtol=rtol, atol=atol))


class _Checker:
    """The state of one gradcheck: the function, its inputs and the outputs at those inputs."""

    def __init__(self, func: Callable, inputs: Any, eps: float, atol: float, rtol: float,
                 nondet_tol: float, check_grad_dtypes: bool) -> None:
        self.func = func
        self.inputs = _as_tuple(inputs)
        self.eps, self.atol, self.rtol = eps, atol, rtol
        self.nondet_tol = nondet_tol
        self.check_grad_dtypes = check_grad_dtypes
        self._check_inputs()
        self.wrt = [i for i, a in enumerate(self.inputs) if _requires_grad(a)]
        self._numerical_jac: list | None = None

    def _check_inputs(self) -> None:
        any_requires_grad = False
        for idx, a in enumerate(self.inputs):
            if not _requires_grad(a):
                continue
            any_requires_grad = True
            data = a._data
            if data.dtype.kind == "c":
                raise NotImplementedError("tapegrad's gradcheck does not check complex inputs "
                                          f"(input #{idx} is {a.dtype})")
            if data.dtype != np.float64:
                warnings.warn(_DOUBLE_WARNING.format(idx), UserWarning, stacklevel=4)
            if any(st == 0 and n > 1 for st, n in zip(data.strides, data.shape)):
                raise RuntimeError(f"The {idx}th input has a dimension with stride 0. gradcheck "
                                   "only supports inputs that are non-overlapping to be able to "
                                   "compute the numerical gradients correctly. You should call "
                                   ".contiguous on the input before passing it to gradcheck.")
        if not any_requires_grad:
            raise ValueError("gradcheck expects at least one input tensor to require gradient, "
                             "but none of them have requires_grad=True.")

    # -- the whole check -----------------------------------------------------------------------
    def run(self, *, check_undefined_grad: bool, check_batched_grad: bool,
            check_batched_forward_grad: bool, check_forward_ad: bool, check_backward_ad: bool,
            fast_mode: bool) -> bool:
        if check_batched_forward_grad:
            raise NotImplementedError("check_batched_forward_grad needs forward-mode AD under "
                                      "vmap, which tapegrad does not implement")
        func_out = self.func(*self.inputs)
        tensors = _tensors(func_out)
        for o in tensors:
            if o._data.dtype.kind == "c" and o._requires_grad:
                raise NotImplementedError("tapegrad's gradcheck does not check complex outputs")
        outputs = [o for o in tensors if o._requires_grad]
        # Positions (among the Tensor outputs) of the differentiable outputs.
        self.out_pos = [k for k, o in enumerate(tensors) if o._requires_grad]
        if not outputs:
            return self._check_no_differentiable_outputs()
        modes = ([False] if check_backward_ad else []) + ([True] if check_forward_ad else [])
        for forward in modes:
            if fast_mode:
                self._fast_check(outputs, forward)
            else:
                self._slow_check(outputs, forward)
        if not check_backward_ad:
            return True
        if check_batched_grad:
            for k, out in enumerate(outputs):
                self._check_batched_grad(out, k)
        self._check_backward_scales_with_grad_output(outputs)
        if check_undefined_grad:
            self._check_undefined_grad()
        return True

    # -- Jacobians -----------------------------------------------------------------------------
    def _evaluate(self) -> list:
        """The Tensor outputs of ``func`` at the current (perturbed) inputs, as arrays."""
        return [o._data.copy() for o in _tensors(self.func(*self.inputs))]

    def _numerical(self) -> list:
        """jac[k][i]: (numel of input i, numel of output k) by central differences, all outputs."""
        if self._numerical_jac is None:
            self._numerical_jac = self._compute_numerical()
        return self._numerical_jac

    def _compute_numerical(self) -> list:
        base = self._evaluate()
        jac = [[np.zeros((self.inputs[p]._data.size, o.size),
                         dtype=o.dtype if o.dtype.kind == "f" else np.float64) for p in self.wrt]
               for o in base]
        for i, p in enumerate(self.wrt):
            for j, (minus, plus) in enumerate(self._perturbations(p, None)):
                for k, (a, b) in enumerate(zip(minus, plus)):
                    self._same_layout(base[k], a, b, j)
                    if a.dtype.kind not in "fc":   # e.g. a mask: compare its values as numbers
                        a, b = a.astype(np.float64), b.astype(np.float64)
                    jac[k][i][j] = ((b - a) / (2 * self.eps)).ravel()
        return jac

    def _perturbations(self, p: int, direction: np.ndarray | None):
        """Yield (outputs at x - eps d, outputs at x + eps d) for each unit vector d of input
        ``p`` in turn, or once for d = ``direction``; the input is restored exactly each time."""
        x = self.inputs[p]
        original = x._data
        if not original.flags.writeable:
            x._data = original.copy()
        arr = x._data
        spots = [...] if direction is not None else np.ndindex(arr.shape)
        step = self.eps if direction is None else self.eps * direction
        try:
            for idx in spots:
                orig = arr[idx].copy()
                try:
                    arr[idx] = orig - step
                    minus = self._evaluate()
                    arr[idx] = orig + step
                    plus = self._evaluate()
                finally:
                    arr[idx] = orig
                yield minus, plus
        finally:
            x._data = original

    def _same_layout(self, base: np.ndarray, a: np.ndarray, b: np.ndarray, idx: int) -> None:
        for o in (a, b):
            if o.shape != base.shape:
                raise AssertionError(f"Expected `func` to return outputs with the same shape when "
                                     f"inputs are perturbed on index {idx} by {self.eps}, but "
                                     f"got: shapes {base.shape} and {o.shape}.")
            if o.dtype != base.dtype:
                raise AssertionError(f"Expected `func` to return outputs with the same dtype when "
                                     f"inputs are perturbed on index {idx} by {self.eps}, but "
                                     f"got: dtypes {base.dtype} and {o.dtype}.")

    def _vjp(self, output: Any, v: np.ndarray) -> list:
        """Gradients of <v, output> w.r.t. each checked input (zeros where unused), as arrays."""
        import tapegrad
        wrt = [self.inputs[p] for p in self.wrt]
        seed = tapegrad.Tensor._make(np.asarray(v, dtype=output._data.dtype))
        grads = tapegrad.autograd.grad([output], wrt, [seed], retain_graph=True,
                                       allow_unused=True)
        out = []
        for x, g in zip(wrt, grads):
            if g is None:
                out.append(np.zeros(x._data.shape, dtype=x._data.dtype))
                continue
            if g._data.shape != x._data.shape:
                raise GradcheckError("Analytical gradient has incorrect size")
            if self.check_grad_dtypes and g._data.dtype != x._data.dtype:
                raise GradcheckError("Gradient has dtype mismatch")
            out.append(g._data)
        return out

    def _reverse(self, output: Any) -> list:
        """jac[i] for one output, from one backward per output element."""
        n = output._data.size
        jac = [np.zeros((self.inputs[p]._data.size, n), dtype=self.inputs[p]._data.dtype)
               for p in self.wrt]
        for m in range(n):
            v = np.zeros(n)
            v[m] = 1.0
            for i, g in enumerate(self._vjp(output, v.reshape(output._data.shape))):
                jac[i][:, m] = g.ravel()
        return jac

    def _forward(self) -> list:
        """jac[k][i] for the differentiable outputs, one forward-mode pass per input element."""
        fwAD = _forward_ad()
        jac = None
        for i, p in enumerate(self.wrt):
            size = self.inputs[p]._data.size
            for j in range(size):
                onehot = np.zeros(size)
                onehot[j] = 1.0
                tangents = self._forward_tangents(fwAD, {p: onehot})
                if jac is None:
                    jac = [[np.zeros((self.inputs[q]._data.size, t.size), dtype=t.dtype)
                            for q in self.wrt] for t in tangents]
                for k, t in enumerate(tangents):
                    jac[k][i][j] = t.ravel()
        return jac

    def _forward_tangents(self, fwAD: Any, directions: dict) -> list:
        """Tangents of the differentiable outputs for input tangents ``directions`` (else zero)."""
        import tapegrad
        with fwAD.dual_level():
            args = list(self.inputs)
            for p in self.wrt:
                x = self.inputs[p]
                d = directions.get(p)
                t = np.zeros(x._data.shape, x._data.dtype) if d is None else \
                    np.asarray(d, dtype=x._data.dtype).reshape(x._data.shape)
                args[p] = fwAD.make_dual(x, tapegrad.Tensor._make(t))
            outs = _tensors(self.func(*args))
            result = []
            for k in self.out_pos:
                o = outs[k]
                _, tangent = fwAD.unpack_dual(o)
                result.append(np.zeros(o._data.shape, o._data.dtype) if tangent is None
                              else np.array(tangent._data))
        return result

    # -- checks --------------------------------------------------------------------------------
    def _slow_check(self, outputs: list, forward: bool) -> None:
        numerical = self._numerical()
        numerical = [numerical[k] for k in self.out_pos]
        if forward:
            analytical = self._forward()
            for k, (a_row, n_row) in enumerate(zip(analytical, numerical)):
                for i, (a, n) in enumerate(zip(a_row, n_row)):
                    if not _allclose(a, n, self.rtol, self.atol):
                        raise GradcheckError(_mismatch(k, i, n, a, forward=True))
            return
        for k, out in enumerate(outputs):
            first = self._reverse(out)
            for i, (a, n) in enumerate(zip(first, numerical[k])):
                if not _allclose(a, n, self.rtol, self.atol):
                    raise GradcheckError(_mismatch(k, i, n, a))
            again = self._reverse(out)
            for a, b in zip(first, again):
                if a.size and float(np.max(np.abs(a - b))) > self.nondet_tol:
                    raise GradcheckError(
                        "Backward is not reentrant, i.e., running backward with same input and "
                        "grad_output multiple times gives different values, although analytical "
                        "gradient matches numerical gradient.The tolerance for nondeterminism "
                        f"was {self.nondet_tol}.\n\nIf the backward is meant to be "
                        "nondeterministic, pass a larger nondet_tol.")

    def _fast_check(self, outputs: list, forward: bool) -> None:
        """Compare v^T J u (random u, v from a fixed seed) per (output, input) pair.

        A pair that disagrees is confirmed with full Jacobians, whose mismatch is the error:
        fast mode can be cheaper than the slow check but never stricter.
        """
        rng = np.random.default_rng(0)
        us = {p: _unit(rng.uniform(-1.0, 1.0, self.inputs[p]._data.shape)) for p in self.wrt}
        vs = [_unit(rng.uniform(-1.0, 1.0, o._data.shape)) for o in outputs]
        if not forward:
            vjps = [self._vjp(o, v) for o, v in zip(outputs, vs)]
        fwAD = _forward_ad() if forward else None
        for i, p in enumerate(self.wrt):
            u = us[p]
            ((minus, plus),) = self._perturbations(p, u)
            ju = [(plus[k] - minus[k]) / (2 * self.eps) for k in self.out_pos]
            if forward:
                analytic_ju = self._forward_tangents(fwAD, {p: u})
            for k, v in enumerate(vs):
                numerical = float(np.vdot(v, ju[k]))
                if forward:
                    analytical = float(np.vdot(v, analytic_ju[k]))
                else:
                    analytical = float(np.vdot(vjps[k][i], u))
                tol = self.atol * np.abs(u).sum() * np.abs(v).sum() + self.rtol * abs(numerical)
                if not abs(analytical - numerical) <= tol:
                    self._confirm(outputs, k, i, forward)

    def _confirm(self, outputs: list, k: int, i: int, forward: bool) -> None:
        numerical = self._numerical()[self.out_pos[k]][i]
        if forward:
            analytical = self._forward()[k][i]
        else:
            analytical = self._reverse(outputs[k])[i]
        if not _allclose(analytical, numerical, self.rtol, self.atol):
            raise GradcheckError(_mismatch(k, i, numerical, analytical, forward=forward))

    def _check_batched_grad(self, output: Any, k: int) -> None:
        """vmap over the backward pass (two random grad_outputs at once) must match two passes."""
        import tapegrad
        vmap = getattr(tapegrad.func, "vmap", None)
        if vmap is None:
            raise NotImplementedError("check_batched_grad needs tapegrad.func.vmap, which this "
                                      "tapegrad does not have")
        wrt = [self.inputs[p] for p in self.wrt]

        def vjp(v: Any) -> tuple:
            grads = tapegrad.autograd.grad([output], wrt, [v], retain_graph=True,
                                           allow_unused=True)
            return tuple(tapegrad.zeros_like(x.detach()) if g is None else g
                         for g, x in zip(grads, wrt))

        rng = np.random.default_rng(1)
        data = output._data
        vs = rng.standard_normal((2,) + data.shape).astype(data.dtype)
        expected = [np.stack(shards) for shards in
                    zip(*[[g._data for g in vjp(tapegrad.Tensor._make(v))] for v in vs])]
        try:
            got = vmap(vjp)(tapegrad.Tensor._make(vs))
        except RuntimeError as exc:
            raise GradcheckError(f"While computing batched gradients, got: {exc}\n\n"
                                 f"{_BATCHED_HELP}") from exc
        for i, (res, exp) in enumerate(zip(got, expected)):
            if not np.allclose(res._data, exp, rtol=1e-5, atol=1e-8):
                raise GradcheckError(f"For output {k} and input {i}:\n\n{_BATCHED_HELP}\n\n"
                                     f"Got:\n{_show(res._data)}\n\nExpected:\n{_show(exp)}")

    def _check_no_differentiable_outputs(self) -> bool:
        for row in self._numerical():
            for n in row:
                if np.any(n != 0):
                    raise GradcheckError("Numerical gradient for function expected to be zero")
        return True

    def _check_backward_scales_with_grad_output(self, outputs: list) -> None:
        """Zero gradients for the outputs must give zero gradients for the inputs."""
        import tapegrad
        wrt = [self.inputs[p] for p in self.wrt]
        zeros = [tapegrad.Tensor._make(np.zeros_like(o._data)) for o in outputs]
        grads = tapegrad.autograd.grad(outputs, wrt, zeros, allow_unused=True)
        for g, x in zip(grads, wrt):
            if g is None:
                continue
            if np.any(g._data != 0):
                raise GradcheckError("backward not multiplied by grad_output")
            if g._data.dtype != x._data.dtype:
                raise GradcheckError("grad is incorrect type")
            if g._data.shape != x._data.shape:
                raise GradcheckError("grad is incorrect size")

    def _check_undefined_grad(self) -> None:
        """With several outputs, backward must work when some of them get no gradient at all.

        (An output that is left out of ``grad`` sends no gradient to its node; a node none of
        whose outputs gets one is skipped by the engine, so the all-undefined case always holds.)
        """
        import tapegrad
        wrt = [self.inputs[p] for p in self.wrt]
        outputs = _differentiable(self.func(*self.inputs))
        if len(outputs) < 2:
            return
        for left_out in range(len(outputs)):
            fresh = _differentiable(self.func(*self.inputs))
            kept = [o for j, o in enumerate(fresh) if j != left_out]
            zeros = [tapegrad.Tensor._make(np.zeros_like(o._data)) for o in kept]
            try:
                grads = tapegrad.autograd.grad(kept, wrt, zeros, allow_unused=True)
            except RuntimeError as exc:
                raise GradcheckError("Expected backward function to handle undefined output "
                                     f"grads. {_UNDEFINED_HELP}") from exc
            for g in grads:
                if g is not None and np.any(g._data != 0):
                    raise GradcheckError("Expected all input grads to be undefined or zero when "
                                         "all output grads are undefined or zero. "
                                         f"{_UNDEFINED_HELP}")


def _unit(a: np.ndarray) -> np.ndarray:
    norm = np.linalg.norm(a)
    return a / norm if norm > 0 else a


def _forward_ad() -> Any:
    try:
        from tapegrad.autograd import forward_ad
    except ImportError:
        raise NotImplementedError("gradcheck(check_forward_ad=True) needs "
                                  "tapegrad.autograd.forward_ad, which this tapegrad does not "
                                  "have yet") from None
    return forward_ad
