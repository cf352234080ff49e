"""Higher-level autograd functions (``torch.autograd.functional``'s API).

``vjp``, ``jvp``, ``jacobian``, ``hessian``, ``hvp`` and ``vhp`` take a function and its inputs
(a Tensor or a tuple of Tensors) and return the requested derivative, shaped as torch does:

* the Jacobian of an output of shape ``(m...)`` with respect to an input of shape ``(n...)`` has
  shape ``(m..., n...)``; with several outputs and/or several inputs the result is a tuple
  (outputs) of tuples (inputs), flattened where the corresponding argument was not a tuple;
* results are detached (``requires_grad=False``) unless ``create_graph=True``, in which case
  they stay connected to the graph of inputs that require grad, for higher derivatives;
* with ``strict=False`` an output independent of an input gives zeros; ``strict=True`` raises.

Everything runs on the reverse-mode engine (``tapegrad.autograd.grad``):

* ``jvp`` uses the double-VJP trick: ``g(u) = J^T u`` is linear in a dummy ``u`` that requires
  grad, so ``d<g(u), v>/du = J v``;
* ``jacobian`` does one reverse pass per output element (row), retaining the graph.  Vectorised
  (batched) backward is **not implemented yet**: ``vectorize=True`` falls back to the same loop,
  and ``strategy="forward-mode"`` is accepted but computed with the same reverse-mode rows;
* ``hessian`` is the Jacobian of the (create_graph) Jacobian.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from .grad_mode import enable_grad

__all__ = ["vjp", "jvp", "jacobian", "hessian", "hvp", "vhp"]


def _tensor_cls():
    from tapegrad._tensor import Tensor
    return Tensor


# -- argument handling (mirrors torch/autograd/functional.py) ---------------------------------

def _as_tuple(inp: Any, arg_name: str | None = None, fn_name: str | None = None):
    """Return (tuple_of_tensors, was_tuple)."""
    Tensor = _tensor_cls()
    is_tuple = True
    if not isinstance(inp, tuple):
        inp = (inp,)
        is_tuple = False
    for i, el in enumerate(inp):
        if not isinstance(el, Tensor):
            if is_tuple:
                raise TypeError(f"The {arg_name} given to {fn_name} must be either a Tensor or a "
                                f"tuple of Tensors but the value at index {i} has type {type(el)}.")
            raise TypeError(f"The {arg_name} given to {fn_name} must be either a Tensor or a "
                            f"tuple of Tensors but the given {arg_name} has type {type(el)}.")
    return is_tuple, inp


def _tuple_postprocess(res: Any, to_unpack: Any):
    """Unpack the (tuple of) tuple(s) ``res`` where the original argument was not a tuple."""
    if isinstance(to_unpack, tuple):
        assert len(to_unpack) == 2
        if not to_unpack[1]:
            res = tuple(el[0] for el in res)
        if not to_unpack[0]:
            res = res[0]
    else:
        if not to_unpack:
            res = res[0]
    return res


def _grad_preprocess(inputs: tuple, create_graph: bool, need_graph: bool) -> tuple:
    """Fresh tensors to differentiate with respect to.

    With ``create_graph`` an input that already requires grad is aliased (``view_as``) so the
    result stays connected to the caller's graph, but is still a distinct tensor (no
    perturbation confusion when nested); otherwise it is a detached leaf.
    """
    res = []
    for inp in inputs:
        if create_graph and inp.requires_grad:
            res.append(inp.view_as(inp))
        else:
            res.append(inp.detach().requires_grad_(need_graph))
    return tuple(res)


def _grad_postprocess(inputs: tuple, create_graph: bool) -> tuple:
    Tensor = _tensor_cls()
    if isinstance(inputs[0], Tensor) if inputs else False:
        if not create_graph:
            return tuple(inp.detach() for inp in inputs)
        return inputs
    return tuple(_grad_postprocess(inp, create_graph) for inp in inputs)


def _validate_v(v: tuple, other: tuple, is_other_tuple: bool) -> None:
    if len(other) != len(v):
        if is_other_tuple:
            raise RuntimeError(f"v is a tuple of invalid length: should be {len(other)} but got "
                               f"{len(v)}.")
        raise RuntimeError("The given v should contain a single Tensor.")
    for idx, (el_v, el_other) in enumerate(zip(v, other)):
        if tuple(el_v.shape) != tuple(el_other.shape):
            prepend = f"Entry {idx} in " if is_other_tuple else ""
            raise RuntimeError(f"{prepend}v has invalid size: should be {el_other.shape} but got "
                               f"{el_v.shape}.")


def _check_requires_grad(inputs: tuple, input_type: str, strict: bool) -> None:
    if not strict:
        return
    if input_type not in ("outputs", "grad_inputs", "jacobian", "hessian"):
        raise RuntimeError("Invalid input_type to _check_requires_grad")
    for i, inp in enumerate(inputs):
        if inp is None:
            raise RuntimeError(f"The output of the user-provided function is independent of input "
                               f"{i}. This is not allowed in strict mode.")
        if not inp.requires_grad:
            if input_type == "hessian":
                raise RuntimeError(f"The hessian of the user-provided function with respect to "
                                   f"input {i} is independent of the input. This is not allowed "
                                   "in strict mode. You should ensure that your function is "
                                   "thrice differentiable and that the hessian depends on the "
                                   "inputs.")
            if input_type == "jacobian":
                raise RuntimeError(f"While computing the hessian, found that the jacobian of the "
                                   f"user-provided function with respect to input {i} is "
                                   "independent of the input. This is not allowed in strict mode. "
                                   "You should ensure that your function is twice differentiable "
                                   "and that the jacobian depends on the inputs (this would be "
                                   "violated by a linear function for example).")
            if input_type == "grad_inputs":
                raise RuntimeError(f"The gradient with respect to input {i} is independent of the "
                                   "inputs of the user-provided function. This is not allowed in "
                                   "strict mode.")
            raise RuntimeError(f"Output {i} of the user-provided function does not require "
                               "gradients. The outputs must be computed in a differentiable manner "
                               "from the input when running in strict mode.")


def _autograd_grad(outputs: tuple, inputs: tuple, grad_outputs: tuple | None = None,
                   create_graph: bool = False, retain_graph: bool | None = None) -> tuple:
    """``autograd.grad`` that skips outputs not requiring grad and allows unused inputs."""
    if grad_outputs is None:
        grad_outputs = (None,) * len(outputs)
    new_outputs, new_grad_outputs = [], []
    for out, g in zip(outputs, grad_outputs):
        if out is not None and out.requires_grad:
            new_outputs.append(out)
            new_grad_outputs.append(g)
    if not new_outputs:
        return (None,) * len(inputs)
    from tapegrad.autograd import grad as autograd_grad  # late: this module may be imported by the package
    return autograd_grad(tuple(new_outputs), inputs, tuple(new_grad_outputs),
                             retain_graph=retain_graph, create_graph=create_graph,
                             allow_unused=True)


def _fill_in_zeros(grads: tuple, refs: tuple, strict: bool, create_graph: bool,
                   stage: str) -> tuple:
    """Replace ``None`` gradients by zeros (or raise in strict mode)."""
    import tapegrad
    res = []
    for i, (g, ref) in enumerate(zip(grads, refs)):
        if g is None:
            if strict:
                if stage == "back":
                    raise RuntimeError(f"The output of the user-provided function is independent "
                                       f"of input {i}. This is not allowed in strict mode.")
                if stage == "back_trick":
                    raise RuntimeError(f"The gradient with respect to the input is independent of "
                                       f"entry {i} in the grad_outputs when using the double "
                                       "backward trick to compute forward mode gradients. This is "
                                       "not allowed in strict mode.")
                if stage == "double_back":
                    raise RuntimeError(f"The jacobian of the user-provided function is independent "
                                       f"of input {i}. This is not allowed in strict mode.")
                raise RuntimeError(f"The hessian of the user-provided function is independent of "
                                   f"entry {i} in the grad_jacobian. This is not allowed in strict "
                                   "mode as it prevents from using the double backward trick to "
                                   "replace forward mode AD.")
            g = tapegrad.zeros_like(ref)
        res.append(g)
    return tuple(res)


def _check_outputs(outputs: Any, fn_name: str) -> tuple:
    is_tuple, outputs = _as_tuple(outputs, "outputs of the user-provided function", fn_name)
    return is_tuple, outputs


# -- public API --------------------------------------------------------------------------------

def vjp(func: Callable, inputs: Any, v: Any = None, create_graph: bool = False,
        strict: bool = False):
    """Return ``(func(inputs), v^T J)``: the vector-Jacobian product at ``inputs``."""
    with enable_grad():
        is_inputs_tuple, inputs = _as_tuple(inputs, "inputs", "vjp")
        inputs = _grad_preprocess(inputs, create_graph=create_graph, need_graph=True)
        outputs = func(*inputs)
        is_outputs_tuple, outputs = _check_outputs(outputs, "vjp")
        _check_requires_grad(outputs, "outputs", strict=strict)
        if v is not None:
            _, v = _as_tuple(v, "v", "vjp")
            v = _grad_preprocess(v, create_graph=create_graph, need_graph=False)
            _validate_v(v, outputs, is_outputs_tuple)
        else:
            if len(outputs) != 1 or outputs[0].numel() != 1:
                raise RuntimeError("The vector v can only be None if the user-provided function "
                                   "returns a single Tensor with a single element.")
        grad_res = _autograd_grad(outputs, inputs, v, create_graph=create_graph)
        vjp_res = _fill_in_zeros(grad_res, inputs, strict, create_graph, "back")
    outputs = _grad_postprocess(outputs, create_graph)
    vjp_res = _grad_postprocess(vjp_res, create_graph)
    return (_tuple_postprocess(outputs, is_outputs_tuple),
            _tuple_postprocess(vjp_res, is_inputs_tuple))


def jvp(func: Callable, inputs: Any, v: Any = None, create_graph: bool = False,
        strict: bool = False):
    """Return ``(func(inputs), J v)``: the Jacobian-vector product, via the double-VJP trick."""
    import tapegrad
    with enable_grad():
        is_inputs_tuple, inputs = _as_tuple(inputs, "inputs", "jvp")
        inputs = _grad_preprocess(inputs, create_graph=create_graph, need_graph=True)
        if v is not None:
            _, v = _as_tuple(v, "v", "jvp")
            v = _grad_preprocess(v, create_graph=create_graph, need_graph=False)
            _validate_v(v, inputs, is_inputs_tuple)
        else:
            if len(inputs) != 1 or inputs[0].numel() != 1:
                raise RuntimeError("The vector v can only be None if the input to the "
                                   "user-provided function is a single Tensor with a single "
                                   "element.")
        outputs = func(*inputs)
        is_outputs_tuple, outputs = _check_outputs(outputs, "jvp")
        _check_requires_grad(outputs, "outputs", strict=strict)
        # g(u) = J^T u is linear in the dummy u; d<g(u), v>/du = J v.
        grad_outputs = tuple(tapegrad.zeros_like(out).requires_grad_(True) for out in outputs)
        grad_inputs = _autograd_grad(outputs, inputs, grad_outputs, create_graph=True)
        _check_requires_grad(grad_inputs, "grad_inputs", strict=strict)
        grad_res = _autograd_grad(grad_inputs, grad_outputs, v, create_graph=create_graph)
        jvp_res = _fill_in_zeros(grad_res, outputs, strict, create_graph, "back_trick")
    outputs = _grad_postprocess(outputs, create_graph)
    jvp_res = _grad_postprocess(jvp_res, create_graph)
    return (_tuple_postprocess(outputs, is_outputs_tuple),
            _tuple_postprocess(jvp_res, is_outputs_tuple))


def jacobian(func: Callable, inputs: Any, create_graph: bool = False, strict: bool = False,
             vectorize: bool = False, strategy: str = "reverse-mode"):
    """Return the Jacobian of ``func`` at ``inputs``.

    One reverse pass per output element, retaining the graph.  ``vectorize=True`` and
    ``strategy="forward-mode"`` are accepted but use the same row-by-row reverse computation
    (batched backward is not implemented yet).
    """
    import tapegrad
    if strategy not in ("forward-mode", "reverse-mode"):
        raise ValueError('Expected strategy to be either "forward-mode" or "reverse-mode". Hint: '
                         'If your function has more outputs than inputs, "forward-mode" tends to '
                         'be more performant. Otherwise, prefer to use "reverse-mode".')
    if strategy == "forward-mode":
        if create_graph:
            raise NotImplementedError("torch.autograd.functional.jacobian: `strategy=\"forward-"
                                      "mode\"` does not support `create_graph=True`")
        if not vectorize:
            raise NotImplementedError("torch.autograd.functional.jacobian: `strategy=\"forward-"
                                      "mode\"` only implemented together with `vectorize=True`.")
    with enable_grad():
        is_inputs_tuple, inputs = _as_tuple(inputs, "inputs", "jacobian")
        inputs = _grad_preprocess(inputs, create_graph=create_graph, need_graph=True)
        outputs = func(*inputs)
        is_outputs_tuple, outputs = _check_outputs(outputs, "jacobian")
        _check_requires_grad(outputs, "outputs", strict=strict)

        jacobian_rows: list[tuple] = []
        for i, out in enumerate(outputs):
            n_out = out.numel()
            # per input: a list of gradient rows (one per output element)
            rows: list[list] = [[] for _ in inputs]
            flat_seed = np.zeros(n_out, dtype=out.detach().numpy().dtype)
            for j in range(n_out):
                if out.requires_grad:
                    flat_seed[:] = 0
                    flat_seed[j] = 1
                    seed = tapegrad.tensor(flat_seed.reshape(tuple(out.shape)), dtype=out.dtype)
                    vj = _autograd_grad((out,), inputs, (seed,), retain_graph=True,
                                        create_graph=create_graph)
                else:
                    vj = (None,) * len(inputs)
                for el_idx, (row, vj_el, inp) in enumerate(zip(rows, vj, inputs)):
                    if vj_el is not None:
                        if strict and create_graph and not vj_el.requires_grad:
                            raise RuntimeError("The jacobian of the user-provided function is "
                                               "independent of input {}. This is not allowed in "
                                               "strict mode when create_graph=True.".format(i))
                        row.append(vj_el)
                    else:
                        if strict:
                            raise RuntimeError(f"Output {i} of the user-provided function is "
                                               f"independent of input {el_idx}. This is not "
                                               "allowed in strict mode.")
                        row.append(tapegrad.zeros_like(inp))
            per_input = []
            for row, inp in zip(rows, inputs):
                shape = tuple(out.shape) + tuple(inp.shape)
                if n_out == 0:
                    per_input.append(tapegrad.zeros(shape, dtype=inp.dtype))
                else:
                    per_input.append(tapegrad.stack(row, 0).reshape(shape))
            jacobian_rows.append(tuple(per_input))

    jacobian_res = _grad_postprocess(tuple(jacobian_rows), create_graph)
    return _tuple_postprocess(jacobian_res, (is_outputs_tuple, is_inputs_tuple))


def hessian(func: Callable, inputs: Any, create_graph: bool = False, strict: bool = False,
            vectorize: bool = False, outer_jacobian_strategy: str = "reverse-mode"):
    """Return the Hessian of the scalar function ``func`` at ``inputs``.

    For a single input of shape ``(n...)`` the result has shape ``(n..., n...)``; for a tuple of
    inputs it is a tuple of tuples ``H[i][j]`` of shape ``(in_i..., in_j...)``.
    """
    is_inputs_tuple, inputs = _as_tuple(inputs, "inputs", "hessian")
    if outer_jacobian_strategy not in ("forward-mode", "reverse-mode"):
        raise ValueError('Expected strategy to be either "forward-mode" or "reverse-mode".')

    def ensure_single_output_function(*inp):
        out = func(*inp)
        is_out_tuple, t_out = _as_tuple(out, "outputs of the user-provided function", "hessian")
        _check_requires_grad(t_out, "outputs", strict=strict)
        if is_out_tuple or not isinstance(out, _tensor_cls()):
            raise RuntimeError("The function given to hessian should return a single Tensor")
        if out.numel() != 1:
            raise RuntimeError("The Tensor returned by the function given to hessian should "
                               "contain a single element")
        return out.squeeze()

    def jac_func(*inp):
        jac = jacobian(ensure_single_output_function, inp, create_graph=True)
        _check_requires_grad(jac, "jacobian", strict=strict)
        return jac

    res = jacobian(jac_func, inputs, create_graph=create_graph, strict=strict,
                   vectorize=vectorize, strategy="reverse-mode")
    return _tuple_postprocess(res, (is_inputs_tuple, is_inputs_tuple))


def _scalar_output(outputs: Any, fn_name: str) -> tuple:
    is_outputs_tuple, outputs = _check_outputs(outputs, fn_name)
    if is_outputs_tuple or not isinstance(outputs[0], _tensor_cls()):
        raise RuntimeError(f"The function given to {fn_name} should return a single Tensor")
    if outputs[0].numel() != 1:
        raise RuntimeError(f"The Tensor returned by the function given to {fn_name} should "
                           "contain a single element")
    return outputs


def vhp(func: Callable, inputs: Any, v: Any = None, create_graph: bool = False,
        strict: bool = False):
    """Return ``(func(inputs), v^T H)`` for a scalar function ``func``."""
    with enable_grad():
        is_inputs_tuple, inputs = _as_tuple(inputs, "inputs", "vhp")
        inputs = _grad_preprocess(inputs, create_graph=create_graph, need_graph=True)
        if v is not None:
            _, v = _as_tuple(v, "v", "vhp")
            v = _grad_preprocess(v, create_graph=create_graph, need_graph=False)
            _validate_v(v, inputs, is_inputs_tuple)
        else:
            if len(inputs) != 1 or inputs[0].numel() != 1:
                raise RuntimeError("The vector v can only be None if the input to the "
                                   "user-provided function is a single Tensor with a single "
                                   "element.")
        outputs = _scalar_output(func(*inputs), "vhp")
        _check_requires_grad(outputs, "outputs", strict=strict)
        jac = _autograd_grad(outputs, inputs, create_graph=True)
        _check_requires_grad(jac, "jacobian", strict=strict)
        grad_res = _autograd_grad(jac, inputs, v, create_graph=create_graph)
        vhp_res = _fill_in_zeros(grad_res, inputs, strict, create_graph, "double_back")
    outputs = _grad_postprocess(outputs, create_graph)
    vhp_res = _grad_postprocess(vhp_res, create_graph)
    return _tuple_postprocess(outputs, False), _tuple_postprocess(vhp_res, is_inputs_tuple)


def hvp(func: Callable, inputs: Any, v: Any = None, create_graph: bool = False,
        strict: bool = False):
    """Return ``(func(inputs), H v)`` for a scalar function ``func`` (double-backward trick)."""
    import tapegrad
    with enable_grad():
        is_inputs_tuple, inputs = _as_tuple(inputs, "inputs", "hvp")
        inputs = _grad_preprocess(inputs, create_graph=create_graph, need_graph=True)
        if v is not None:
            _, v = _as_tuple(v, "v", "hvp")
            v = _grad_preprocess(v, create_graph=create_graph, need_graph=False)
            _validate_v(v, inputs, is_inputs_tuple)
        else:
            if len(inputs) != 1 or inputs[0].numel() != 1:
                raise RuntimeError("The vector v can only be None if the input to the "
                                   "user-provided function is a single Tensor with a single "
                                   "element.")
        outputs = _scalar_output(func(*inputs), "hvp")
        _check_requires_grad(outputs, "outputs", strict=strict)
        jac = _autograd_grad(outputs, inputs, create_graph=True)
        _check_requires_grad(jac, "jacobian", strict=strict)
        grad_jac = tuple(tapegrad.zeros_like(inp).requires_grad_(True) for inp in inputs)
        double_back = _autograd_grad(jac, inputs, grad_jac, create_graph=True)
        _check_requires_grad(jac, "hessian", strict=strict)
        grad_res = _autograd_grad(double_back, grad_jac, v, create_graph=create_graph)
        hvp_res = _fill_in_zeros(grad_res, inputs, strict, create_graph, "double_back_trick")
    outputs = _grad_postprocess(outputs, create_graph)
    hvp_res = _grad_postprocess(hvp_res, create_graph)
    return _tuple_postprocess(outputs, False), _tuple_postprocess(hvp_res, is_inputs_tuple)
