"""What each op saves for backward: modifying in place a tensor it did not save must not break backward, modifying
one it saved must raise, as in PyTorch (which saves an operand only when a needed gradient reads it)."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from helpers import requires_torch, torch

import microtensor as mt


def _leaf(lib: Any, values: list, grad: bool) -> Any:
    return lib.tensor(values, dtype=lib.float64, requires_grad=grad)


def _binary(op: Callable, grads: tuple[bool, bool], modify: int) -> Callable:
    """A case: ``op(a, b)`` where a, b require grad as ``grads`` says; the operand ``modify`` is changed."""
    def case(lib: Any) -> tuple:
        a, b = _leaf(lib, [0.5, -1.5], grads[0]), _leaf(lib, [2.0, 0.75], grads[1])
        return op(a, b), (a, b)[modify]
    return case


def _unary(op: Callable, modify: str) -> Callable:
    """A case: ``op(x)``; ``modify`` says which is changed, ``"input"`` or ``"output"``."""
    def case(lib: Any) -> tuple:
        x = _leaf(lib, [0.25, -0.5, 0.75], True)
        out = op(x)
        return out, x if modify == "input" else out
    return case


def _linear(lib: Any, grads: tuple[bool, bool], modify: int) -> tuple:
    x, w = _leaf(lib, [[0.5, -1.0]], grads[0]), _leaf(lib, [[1.5, 0.25], [-0.5, 2.0]], grads[1])
    return lib.nn.functional.linear(x, w), (x, w)[modify]


def mt_or_torch(t: Any) -> Any:
    """The library ``t`` belongs to."""
    return mt if isinstance(t, mt.Tensor) else torch


# name -> (case, whether backward raises)
SAVED = {
    "mul_grad_of_a_keeps_b_only_modify_a": (_binary(lambda a, b: a * b, (True, False), 0), False),
    "mul_grad_of_a_keeps_b_only_modify_b": (_binary(lambda a, b: a * b, (True, False), 1), True),
    "mul_grad_of_b_keeps_a_only_modify_b": (_binary(lambda a, b: a * b, (False, True), 1), False),
    "div_grad_of_a_modify_a": (_binary(lambda a, b: a / b, (True, False), 0), False),
    "div_grad_of_a_modify_b": (_binary(lambda a, b: a / b, (True, False), 1), True),
    "div_grad_of_b_modify_a": (_binary(lambda a, b: a / b, (False, True), 0), True),
    "div_by_number_modify_a": (_binary(lambda a, b: a / -1.5, (True, False), 0), False),
    "pow_tensor_exponent_modify_base": (_binary(lambda a, b: a ** b.round(), (True, False), 0), True),
    "pow_number_modify_base": (_binary(lambda a, b: a ** 3, (True, False), 0), True),
    "remainder_grad_of_a_modify_a": (_binary(lambda a, b: a % b, (True, False), 0), False),
    "remainder_grad_of_b_modify_a": (_binary(lambda a, b: a % b, (False, True), 0), True),
    "fmod_grad_of_a_modify_b": (_binary(lambda a, b: a.fmod(b), (True, False), 1), False),
    "lerp_grad_of_start_modify_end": (_binary(lambda a, b: a.lerp(b, 0.25), (True, False), 1), False),
    "lerp_tensor_weight_grad_of_start_modify_start": (
        _binary(lambda a, b: a.lerp(b * 2, b), (True, False), 0), False),
    "matmul_grad_of_a_modify_a": (_binary(lambda a, b: a.reshape(1, 2) @ b.reshape(2, 1), (True, False), 0), False),
    "matmul_grad_of_a_modify_b": (_binary(lambda a, b: a.reshape(1, 2) @ b.reshape(2, 1), (True, False), 1), True),
    "dot_grad_of_b_modify_b": (_binary(lambda a, b: a @ b, (False, True), 1), False),
    "dot_grad_of_b_modify_a": (_binary(lambda a, b: a @ b, (False, True), 0), True),
    "linear_grad_of_input_modify_input": (lambda lib: _linear(lib, (True, False), 0), False),
    "linear_grad_of_input_modify_weight": (lambda lib: _linear(lib, (True, False), 1), True),
    "linear_grad_of_weight_modify_weight": (lambda lib: _linear(lib, (False, True), 1), False),
    "maximum_modify_other": (_binary(lambda a, b: a.maximum(b), (True, False), 1), True),
    "atan2_modify_other": (_binary(lambda a, b: a.atan2(b), (True, False), 1), True),
    "l1_loss_modify_input": (_binary(lambda a, b: mt_or_torch(a).nn.functional.l1_loss(a, b), (True, False), 0),
                             False),
    "mse_loss_modify_target": (_binary(lambda a, b: mt_or_torch(a).nn.functional.mse_loss(a, b), (True, False), 1),
                               True),
    "kl_div_grad_of_input_modify_input": (
        _binary(lambda a, b: mt_or_torch(a).nn.functional.kl_div(a, b, reduction="sum"), (True, False), 0), False),
    "exp_modify_input": (_unary(lambda x: x.exp(), "input"), False),
    "exp_modify_output": (_unary(lambda x: x.exp(), "output"), True),
    "tanh_modify_input": (_unary(lambda x: x.tanh(), "input"), False),
    "tanh_modify_output": (_unary(lambda x: x.tanh(), "output"), True),
    "sigmoid_modify_input": (_unary(lambda x: x.sigmoid(), "input"), False),
    "sigmoid_modify_output": (_unary(lambda x: x.sigmoid(), "output"), True),
    "relu_modify_input": (_unary(lambda x: x.relu(), "input"), False),
    "relu_modify_output": (_unary(lambda x: x.relu(), "output"), True),
    "sqrt_modify_output": (_unary(lambda x: x.abs().sqrt(), "output"), True),
    "log_modify_output": (_unary(lambda x: (x + 1).log(), "output"), False),
    "sin_modify_output": (_unary(lambda x: x.sin(), "output"), False),
    "sin_modify_input": (_unary(lambda x: x.sin(), "input"), True),
    "softmax_modify_output": (_unary(lambda x: x.softmax(0), "output"), True),
    "log_softmax_modify_input": (_unary(lambda x: x.log_softmax(0), "input"), False),
    "leaky_relu_modify_input": (_unary(lambda x: mt_or_torch(x).nn.functional.leaky_relu(x, 0.1), "input"), True),
    "leaky_relu_modify_output": (_unary(lambda x: mt_or_torch(x).nn.functional.leaky_relu(x, 0.1), "output"), False),
    "elu_modify_input": (_unary(lambda x: mt_or_torch(x).nn.functional.elu(x), "input"), True),
    "elu_modify_output": (_unary(lambda x: mt_or_torch(x).nn.functional.elu(x), "output"), False),
    "amax_modify_output": (_unary(lambda x: x.amax(0), "output"), True),
}


def run(lib: Any, name: str) -> BaseException | None:
    """Build case ``name`` on ``lib``, change its chosen tensor in place under no_grad, backward; the error."""
    out, victim = SAVED[name][0](lib)
    with lib.no_grad():
        victim.mul_(2)
    try:
        (out * lib.tensor(np.arange(1.0, 1.0 + out.numel()).reshape(tuple(out.shape)))).sum().backward()
    except RuntimeError as error:
        return error
    return None


@pytest.mark.parametrize("name", SAVED)
def test_backward_raises_only_for_a_saved_tensor(name: str) -> None:
    error = run(mt, name)
    assert (error is not None) == SAVED[name][1], error
    if error is not None:
        assert "modified by an inplace operation" in str(error)


@requires_torch
@pytest.mark.parametrize("name", SAVED)
def test_saved_tensors_match_torch(name: str) -> None:
    assert (run(torch, name) is not None) == SAVED[name][1]
