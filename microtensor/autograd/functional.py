"""Higher-level autograd on functions: jacobian, hessian, vjp, jvp, hvp, vhp (PyTorch's signatures).

Each takes ``func`` and ``inputs`` (a Tensor or a tuple of Tensors) and returns results shaped like
PyTorch's: tuples where the inputs (or outputs) were tuples, single tensors otherwise. The inputs are
detached copies inside, so the caller's graph is untouched unless ``create_graph=True``. Forward-mode
products (``jvp``, ``hvp``) use the double-backward trick: the vjp is linear in its vector ``u``, so
differentiating ``u -> J^T u`` again, seeded with ``v``, gives ``J v``.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

import microtensor as mt
from microtensor.autograd.engine import grad as autograd_grad
from microtensor.autograd.grad_mode import enable_grad, is_grad_enabled, set_grad_enabled
from microtensor.tensor import Tensor

__all__ = ["vjp", "jvp", "jacobian", "hessian", "hvp", "vhp"]


def _as_tuple(x: Any, arg_name: str, fn_name: str) -> tuple[bool, tuple]:
    """(whether ``x`` was a tuple, ``x`` as a tuple of Tensors); a TypeError like PyTorch's otherwise."""
    is_tuple = isinstance(x, tuple)
    items = x if is_tuple else (x,)
    for i, el in enumerate(items):
        if not isinstance(el, Tensor):
            where = f"the value at index {i} has type" if is_tuple else f"the given {arg_name} has type"
            raise TypeError(f"The {arg_name} given to {fn_name} must be either a Tensor or a tuple of Tensors "
                            f"but {where} {type(el)}.")
    return is_tuple, items


def _unpack(res: tuple, is_tuple: bool) -> Any:
    return res if is_tuple else res[0]


def _preprocess(inputs: tuple, create_graph: bool, need_graph: bool) -> tuple:
    """Fresh tensor objects for the inputs: still in the caller's graph with ``create_graph``, else detached."""
    return tuple(t.clone() if create_graph and t._requires_grad else t.detach().requires_grad_(need_graph)
                 for t in inputs)


def _postprocess(res: Any, create_graph: bool) -> Any:
    if isinstance(res, Tensor):
        return res if create_graph else res.detach()
    return tuple(_postprocess(r, create_graph) for r in res)


def _validate_v(v: tuple, other: tuple, is_other_tuple: bool) -> None:
    if len(other) != len(v):
        if is_other_tuple:
            raise RuntimeError(f"v is a tuple of invalid length: should be {len(other)} but got {len(v)}.")
        raise RuntimeError("The given v should contain a single Tensor.")
    for i, (a, b) in enumerate(zip(v, other)):
        if a.shape != b.shape:
            prefix = f"Entry {i} in " if is_other_tuple else ""
            raise RuntimeError(f"{prefix}v has invalid size: should be {b.shape} but got {a.shape}.")


def _check_outputs(outputs: tuple, strict: bool) -> None:
    if strict:
        for i, out in enumerate(outputs):
            if not out._requires_grad:
                raise RuntimeError(f"Output {i} of the user-provided function does not require gradients. The "
                                   "outputs must be computed in a differentiable manner from the input when "
                                   "running in strict mode.")


def _grad(outputs: tuple, inputs: tuple, grad_outputs: tuple | None = None, create_graph: bool = False,
          retain_graph: bool | None = None) -> tuple:
    """autograd.grad over the outputs that require grad (None for every input when none does)."""
    grad_outputs = grad_outputs if grad_outputs is not None else (None,) * len(outputs)
    pairs = [(o, g) for o, g in zip(outputs, grad_outputs) if o is not None and o._requires_grad]
    if not pairs:
        return (None,) * len(inputs)
    return autograd_grad([o for o, _ in pairs], inputs, [g for _, g in pairs], retain_graph=retain_graph,
                         create_graph=create_graph, allow_unused=True)


_STRICT_NONE = {
    "back": "The output of the user-provided function is independent of input {i}. This is not allowed in "
            "strict mode.",
    "back_trick": "The gradient with respect to the input is independent of entry {i} in the grad_outputs when "
                  "using the double backward trick to compute forward mode gradients. This is not allowed in "
                  "strict mode.",
    "double_back": "The jacobian of the user-provided function is independent of input {i}. This is not "
                   "allowed in strict mode.",
    "double_back_trick": "The hessian of the user-provided function is independent of entry {i} in the "
                         "grad_jacobian. This is not allowed in strict mode as it prevents from using the double "
                         "backward trick to replace forward mode AD.",
}


def _fill_in_zeros(grads: tuple, refs: tuple, strict: bool, create_graph: bool, stage: str) -> tuple:
    """Zeros (shaped like ``refs``) for the None gradients; in strict mode an error instead."""
    res = []
    for i, g in enumerate(grads):
        if g is None:
            if strict:
                raise RuntimeError(_STRICT_NONE[stage].format(i=i))
            g = Tensor._make(np.zeros_like(refs[i]._data))
        elif strict and create_graph and not g._requires_grad:
            what = "hessian" if "double" in stage else "jacobian"
            raise RuntimeError(f"The {what} of the user-provided function is independent of input {i}. This is "
                               "not allowed in strict mode when create_graph=True.")
        res.append(g)
    return tuple(res)


def _check_independent(grads: tuple, strict: bool, kind: str) -> None:
    """Strict mode: every first derivative must itself depend on the inputs (hessian, hvp, vhp, jvp)."""
    if not strict:
        return
    for i, g in enumerate(grads):
        if g is None:
            raise RuntimeError(f"The output of the user-provided function is independent of input {i}. "
                               "This is not allowed in strict mode.")
        if not g._requires_grad:
            if kind == "grad_inputs":
                raise RuntimeError(f"The gradient with respect to input {i} is independent of the inputs of the "
                                   "user-provided function. This is not allowed in strict mode.")
            raise RuntimeError(f"While computing the hessian, found that the jacobian of the user-provided "
                               f"function with respect to input {i} is independent of the input. This is not "
                               "allowed in strict mode. You should ensure that your function is twice "
                               "differentiable and that the jacobian depends on the inputs (this would be "
                               "violated by a linear function for example).")


def _prepare_v(v: Any, like: tuple, is_like_tuple: bool, fn_name: str, create_graph: bool,
               none_message: str) -> tuple | None:
    if v is None:
        if len(like) != 1 or like[0].numel() != 1:
            raise RuntimeError(none_message)
        return None
    _, v = _as_tuple(v, "v", fn_name)
    v = _preprocess(v, create_graph, need_graph=False)
    _validate_v(v, like, is_like_tuple)
    return v


def vjp(func: Callable, inputs: Any, v: Any = None, create_graph: bool = False,
        strict: bool = False) -> tuple[Any, Any]:
    """The vector-Jacobian product ``v^T J`` of ``func`` at ``inputs``.

    Args:
        func: a function of the input tensors returning a Tensor or a tuple of Tensors.
        inputs: a Tensor or a tuple of Tensors.
        v: shaped like the outputs; may be omitted when ``func`` returns a single one-element tensor.
        create_graph: make the results differentiable (w.r.t. the inputs, which keep their graph).
        strict: raise when an output does not depend on an input instead of returning zeros.

    Returns:
        ``(func_output, vjp)``: the outputs (structured as ``func`` returned them) and the product,
        structured like ``inputs``.
    """
    with enable_grad():
        is_inputs_tuple, inputs = _as_tuple(inputs, "inputs", "vjp")
        inputs = _preprocess(inputs, create_graph, need_graph=True)
        is_outputs_tuple, outputs = _as_tuple(func(*inputs), "outputs of the user-provided function", "vjp")
        _check_outputs(outputs, strict)
        v = _prepare_v(v, outputs, is_outputs_tuple, "vjp", create_graph,
                       "The vector v can only be None if the user-provided function returns a single Tensor "
                       "with a single element.")
    with set_grad_enabled(create_graph or is_grad_enabled()):
        result = _fill_in_zeros(_grad(outputs, inputs, v, create_graph), inputs, strict, create_graph, "back")
    return (_unpack(_postprocess(outputs, create_graph), is_outputs_tuple),
            _unpack(_postprocess(result, create_graph), is_inputs_tuple))


def jvp(func: Callable, inputs: Any, v: Any = None, create_graph: bool = False,
        strict: bool = False) -> tuple[Any, Any]:
    """The Jacobian-vector product ``J v`` of ``func`` at ``inputs`` (by the double-backward trick).

    Args:
        func: a function of the input tensors returning a Tensor or a tuple of Tensors.
        inputs: a Tensor or a tuple of Tensors.
        v: shaped like the inputs; may be omitted when the input is a single one-element tensor.
        create_graph: make the results differentiable.
        strict: raise when an output does not depend on an input instead of returning zeros.

    Returns:
        ``(func_output, jvp)``, both structured as ``func``'s outputs.
    """
    with enable_grad():
        is_inputs_tuple, inputs = _as_tuple(inputs, "inputs", "jvp")
        inputs = _preprocess(inputs, create_graph, need_graph=True)
        v = _prepare_v(v, inputs, is_inputs_tuple, "jvp", create_graph,
                       "The vector v can only be None if the input to the user-provided function is a single "
                       "Tensor with a single element.")
        is_outputs_tuple, outputs = _as_tuple(func(*inputs), "outputs of the user-provided function", "jvp")
        _check_outputs(outputs, strict)
        # the vjp is linear in u, so u's value never matters; zeros keep NaN out of the second backward
        u = tuple(Tensor._make(np.zeros_like(o._data), True) for o in outputs)
        grad_inputs = _grad(outputs, inputs, u, create_graph=True)
        _check_independent(grad_inputs, strict, "grad_inputs")
    with set_grad_enabled(create_graph or is_grad_enabled()):
        result = _fill_in_zeros(_grad(grad_inputs, u, v, create_graph), outputs, strict, create_graph,
                                "back_trick")
    return (_unpack(_postprocess(outputs, create_graph), is_outputs_tuple),
            _unpack(_postprocess(result, create_graph), is_outputs_tuple))


def jacobian(func: Callable, inputs: Any, create_graph: bool = False, strict: bool = False,
             vectorize: bool = False, strategy: str = "reverse-mode") -> Any:
    """The Jacobian of ``func`` at ``inputs``: ``J[i][j]`` of shape ``output_i.shape + input_j.shape``.

    Args:
        func: a function of the input tensors returning a Tensor or a tuple of Tensors.
        inputs: a Tensor or a tuple of Tensors.
        create_graph: make the Jacobian differentiable (e.g. for ``hessian``).
        strict: raise when an output does not depend on an input instead of returning zeros.
        vectorize: accepted for PyTorch compatibility; the rows are computed one backward each.
        strategy: only ``"reverse-mode"``.

    Returns:
        A Tensor when inputs and outputs are single tensors; a tuple over the inputs (or outputs) when
        one of them is a tuple; a tuple (over outputs) of tuples (over inputs) when both are.
    """
    if strategy != "reverse-mode":
        raise ValueError(f'jacobian: strategy must be "reverse-mode" (microtensor has no forward-mode AD), '
                         f"got {strategy!r}")
    with enable_grad():
        is_inputs_tuple, inputs = _as_tuple(inputs, "inputs", "jacobian")
        inputs = _preprocess(inputs, create_graph, need_graph=True)
        is_outputs_tuple, outputs = _as_tuple(func(*inputs), "outputs of the user-provided function",
                                              "jacobian")
        _check_outputs(outputs, strict)
        if vectorize and strict:
            raise RuntimeError("torch.autograd.functional.jacobian: `strict=True` and `vectorized=True` are not "
                               "supported together. Please either set `strict=False` or `vectorize=False`.")
        jac = []
        for i, out in enumerate(outputs):
            rows: list[list[Tensor]] = [[] for _ in inputs]
            for k in range(out.numel()):
                seed = np.zeros(out._data.size, dtype=out._data.dtype)
                seed[k] = 1
                grads = _grad((out,), inputs, (Tensor._make(seed.reshape(out._data.shape)),),
                              create_graph=create_graph, retain_graph=True)
                for j, (g, inp) in enumerate(zip(grads, inputs)):
                    if g is None:
                        if strict:
                            raise RuntimeError(f"Output {i} of the user-provided function is independent of "
                                               f"input {j}. This is not allowed in strict mode.")
                        g = Tensor._make(np.zeros_like(inp._data))
                    elif strict and create_graph and not g._requires_grad:
                        raise RuntimeError(f"The jacobian of the user-provided function is independent of input "
                                           f"{i}. This is not allowed in strict mode when create_graph=True.")
                    rows[j].append(g)
            jac.append(tuple(_stack(r, out.shape + inp.shape) for r, inp in zip(rows, inputs)))
        result = _postprocess(tuple(jac), create_graph)
    if not is_inputs_tuple:
        result = tuple(row[0] for row in result)
    return result if is_outputs_tuple else result[0]


def _stack(rows: list[Tensor], shape: tuple) -> Tensor:
    if not rows:   # an output with no elements
        return Tensor._make(np.zeros(shape))
    return mt.stack(rows).reshape(shape)


def hessian(func: Callable, inputs: Any, create_graph: bool = False, strict: bool = False,
            vectorize: bool = False, outer_jacobian_strategy: str = "reverse-mode") -> Any:
    """The Hessian of a scalar function: ``H[i][j]`` of shape ``input_i.shape + input_j.shape``.

    Args:
        func: a function of the input tensors returning a one-element Tensor.
        inputs: a Tensor or a tuple of Tensors.
        create_graph: make the Hessian differentiable.
        strict: raise when the function is not twice differentiable in a way that depends on the inputs.
        vectorize, outer_jacobian_strategy: as in ``jacobian``.

    Returns:
        A Tensor for a single input, else a tuple of tuples.
    """
    is_inputs_tuple, inputs = _as_tuple(inputs, "inputs", "hessian")

    def single_output(*inp: Tensor) -> Tensor:
        out = func(*inp)
        is_out_tuple, t_out = _as_tuple(out, "outputs of the user-provided function", "hessian")
        _check_outputs(t_out, strict)
        if is_out_tuple:
            raise RuntimeError("The function given to hessian should return a single Tensor")
        if out.numel() != 1:
            raise RuntimeError("The Tensor returned by the function given to hessian should contain a single "
                               "element")
        return out.reshape(())

    def jac_func(*inp: Tensor) -> Any:
        jac = jacobian(single_output, inp, create_graph=True)
        _check_independent(jac if isinstance(jac, tuple) else (jac,), strict, "jacobian")
        return jac

    res = jacobian(jac_func, inputs, create_graph=create_graph, strict=strict, vectorize=vectorize,
                   strategy=outer_jacobian_strategy)
    return res if is_inputs_tuple else res[0][0]


def _second_order(name: str, func: Callable, inputs: Any, v: Any, create_graph: bool,
                  strict: bool) -> tuple[Any, Any]:
    """vhp and hvp: the gradient of ``<grad f, v>`` w.r.t. the inputs (the Hessian is symmetric)."""
    with enable_grad():
        is_inputs_tuple, inputs = _as_tuple(inputs, "inputs", name)
        inputs = _preprocess(inputs, create_graph, need_graph=True)
        v = _prepare_v(v, inputs, is_inputs_tuple, name, create_graph,
                       "The vector v can only be None if the input to the user-provided function is a single "
                       "Tensor with a single element.")
        is_outputs_tuple, outputs = _as_tuple(func(*inputs), "outputs of the user-provided function", name)
        _check_outputs(outputs, strict)
        if is_outputs_tuple:
            raise RuntimeError(f"The function given to {name} should return a single Tensor")
        if outputs[0].numel() != 1:
            raise RuntimeError(f"The Tensor returned by the function given to {name} should contain a single "
                               "element")
        jac = _grad(outputs, inputs, create_graph=True)
        _check_independent(jac, strict, "jacobian")
    with set_grad_enabled(create_graph or is_grad_enabled()):
        result = _fill_in_zeros(_grad(jac, inputs, v, create_graph), inputs, strict, create_graph, "double_back")
    return (_unpack(_postprocess(outputs, create_graph), is_outputs_tuple),
            _unpack(_postprocess(result, create_graph), is_inputs_tuple))


def vhp(func: Callable, inputs: Any, v: Any = None, create_graph: bool = False,
        strict: bool = False) -> tuple[Any, Any]:
    """The vector-Hessian product ``v^T H`` of a scalar ``func`` at ``inputs``.

    Args:
        func: a function of the input tensors returning a one-element Tensor.
        inputs: a Tensor or a tuple of Tensors.
        v: shaped like the inputs; may be omitted when the input is a single one-element tensor.
        create_graph: make the results differentiable.
        strict: raise when the Hessian does not depend on an input instead of returning zeros.

    Returns:
        ``(func_output, vhp)``, the product structured like ``inputs``.
    """
    return _second_order("vhp", func, inputs, v, create_graph, strict)


def hvp(func: Callable, inputs: Any, v: Any = None, create_graph: bool = False,
        strict: bool = False) -> tuple[Any, Any]:
    """The Hessian-vector product ``H v`` of a scalar ``func`` at ``inputs``; equal to ``vhp`` because the
    Hessian of a twice continuously differentiable function is symmetric.

    Args:
        func, inputs, v, create_graph, strict: as in ``vhp``.

    Returns:
        ``(func_output, hvp)``, the product structured like ``inputs``.
    """
    return _second_order("hvp", func, inputs, v, create_graph, strict)
