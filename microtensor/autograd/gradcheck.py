"""Finite-difference checks of gradients: gradcheck and gradgradcheck (central differences in float64)."""
from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from microtensor.autograd.engine import grad as autograd_grad
from microtensor.autograd.grad_mode import enable_grad, no_grad
from microtensor.tensor import Tensor


class GradcheckError(RuntimeError):
    """Raised by gradcheck when the analytic and numeric Jacobians disagree."""


def _tuple(x: Any) -> tuple:
    return tuple(x) if isinstance(x, (tuple, list)) else (x,)


def _differentiable_outputs(fn: Callable, inputs: tuple) -> list[Tensor]:
    return [o for o in _tuple(fn(*inputs)) if isinstance(o, Tensor) and o._requires_grad]


def _differentiable_mask(fn: Callable, inputs: tuple) -> list[bool]:
    """Which of ``fn``'s outputs require grad: the rows both Jacobians are built from."""
    with enable_grad():
        return [isinstance(o, Tensor) and o._requires_grad for o in _tuple(fn(*inputs))]


def _outputs_flat(fn: Callable, inputs: tuple, mask: list[bool]) -> np.ndarray:
    with no_grad():
        outs = [o for o, keep in zip(_tuple(fn(*inputs)), mask) if keep]
    return np.concatenate([o._data.ravel().astype(np.float64) for o in outs]) if outs else np.zeros(0)


def numerical_jacobian(fn: Callable, inputs: tuple, wrt: Tensor, eps: float) -> np.ndarray:
    """d(differentiable outputs, flattened) / d(wrt, flattened) by central differences:
    shape (out_numel, in_numel)."""
    mask = _differentiable_mask(fn, inputs)
    flat = wrt._data.reshape(-1)  # a view: writing to it perturbs the input in place
    columns = []
    for k in range(flat.size):
        orig = flat[k]
        flat[k] = orig + eps
        plus = _outputs_flat(fn, inputs, mask)
        flat[k] = orig - eps
        minus = _outputs_flat(fn, inputs, mask)
        flat[k] = orig
        columns.append((plus - minus) / (2 * eps))
    out_numel = _outputs_flat(fn, inputs, mask).size
    return np.stack(columns, axis=1) if columns else np.zeros((out_numel, 0))


def analytical_jacobian(fn: Callable, inputs: tuple, wrt: Sequence[Tensor]) -> list[np.ndarray]:
    """d(all outputs, flattened) / d(each of wrt) by one backward pass per output element."""
    outputs = _differentiable_outputs(fn, inputs)
    total = sum(o._data.size for o in outputs)
    jacobians = [np.zeros((total, t._data.size)) for t in wrt]
    row = 0
    for o in outputs:
        for k in range(o._data.size):
            seed = np.zeros(o._data.size, dtype=o._data.dtype)
            seed[k] = 1
            grads = autograd_grad(o, wrt, Tensor._make(seed.reshape(o._data.shape)), retain_graph=True,
                                  allow_unused=True)
            for j, g in zip(jacobians, grads):
                if g is not None:
                    j[row] = g._data.ravel()
            row += 1
    return jacobians


def gradcheck(func: Callable, inputs: Any, *, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3,
              raise_exception: bool = True, **_: Any) -> bool:
    """Check the gradients ``func`` computes against central finite differences.

    Args:
        func: a function of the ``inputs`` returning a tensor or a tuple of tensors.
        inputs: a tensor or tuple of tensors; those with ``requires_grad`` are checked
            (use float64: float32 differences are too coarse).
        eps: the finite-difference step.
        atol, rtol: the tolerance ``|analytic - numeric| <= atol + rtol * |numeric|``.
        raise_exception: raise a ``GradcheckError`` naming the input, the element and both
            values on failure; when False, return False instead.
    """
    inputs = _tuple(inputs)
    wrt = [t for t in inputs if isinstance(t, Tensor) and t._requires_grad]
    analytic = analytical_jacobian(func, inputs, wrt)
    for t, a in zip(wrt, analytic):
        index = next(i for i, x in enumerate(inputs) if x is t)
        n = numerical_jacobian(func, inputs, t, eps)
        bad = np.abs(a - n) > atol + rtol * np.abs(n)
        if bad.any():
            out_k, in_k = (int(v) for v in np.argwhere(bad)[0])
            element = np.unravel_index(in_k, t._data.shape) if t._data.ndim else ()
            message = (f"Jacobian mismatch for output element {out_k} with respect to input {index} "
                       f"(shape {list(t._data.shape)}), element {tuple(int(e) for e in element)}: "
                       f"analytical {float(a[out_k, in_k])!r} vs numerical {float(n[out_k, in_k])!r} "
                       f"({int(bad.sum())} of {bad.size} entries differ; atol={atol}, rtol={rtol})")
            if raise_exception:
                raise GradcheckError(message)
            return False
    return True


def gradgradcheck(func: Callable, inputs: Any, grad_outputs: Any = None, *, eps: float = 1e-6,
                  atol: float = 1e-5, rtol: float = 1e-3, raise_exception: bool = True, seed: int = 0,
                  **_: Any) -> bool:
    """Check second derivatives: gradcheck of the (create_graph) backward of ``func``.

    Args:
        func, inputs, eps, atol, rtol, raise_exception: as in ``gradcheck``.
        grad_outputs: the vectors the backward is seeded with (random float64 when None).
    """
    inputs = _tuple(inputs)
    wrt = [t for t in inputs if isinstance(t, Tensor) and t._requires_grad]
    outputs = _differentiable_outputs(func, inputs)
    if grad_outputs is None:
        rng = np.random.default_rng(seed)
        grad_outputs = tuple(Tensor._make(rng.standard_normal(o._data.shape).astype(o._data.dtype), True)
                             for o in outputs)
    grad_outputs = _tuple(grad_outputs)
    n_in = len(inputs)

    def first_derivative(*args: Tensor) -> tuple:
        ins, gos = args[:n_in], args[n_in:]
        with enable_grad():  # the numeric pass runs under no_grad, but the first derivative needs a graph
            outs = _differentiable_outputs(func, ins)
            diff = [t for t in ins if isinstance(t, Tensor) and t._requires_grad]
            grads = autograd_grad(outs, diff, gos, create_graph=True, allow_unused=True)
        return tuple(g if g is not None else Tensor._make(np.zeros_like(t._data)) for g, t in zip(grads, diff))

    if not wrt:
        return True
    return gradcheck(first_derivative, inputs + grad_outputs, eps=eps, atol=atol, rtol=rtol,
                     raise_exception=raise_exception)
