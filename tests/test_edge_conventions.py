"""Gradients at the points where finite differences cannot decide (0 ** 0, atan2(0, 0), ties, all--inf
slices, one-element var, norms at 0, ...): microtensor follows PyTorch's conventions, op by op.

Each case runs on microtensor and is compared (a) with PyTorch run on the same arrays when it is installed
and (b) always with PyTorch 2.13.0's numbers, pasted into the table: the values, the gradients of
sum(out * w) (w = 1, 2, 3, ... over each output, so every element's gradient is told apart) and, for the
cases that ask for it, the gradients of sum(grad * w) taken with create_graph.
"""
from __future__ import annotations

import warnings
from typing import Any, Callable, NamedTuple

import numpy as np
import pytest

import microtensor as mt
from tests.helpers import requires_torch, torch

nan, inf = float("nan"), float("inf")
zero = [0.0, -0.0]


class Case(NamedTuple):
    fn: Callable                 # fn(lib, *inputs) with lib microtensor or torch
    inputs: tuple                # float64 arrays, as nested lists
    out: list                    # PyTorch's outputs (a list: one entry per output)
    grad: list                   # PyTorch's first-order gradients, one per input (None: no gradient)
    grad2: list | None = None    # PyTorch's second-order gradients, for the cases that check them


CASES = {
    "pow_tensor_exponent_zero_base": Case(
        lambda m, x, y: x ** y,
        ([0.0, 0.0, 0.0, 0.0, 0.0, 0.0, -0.0, -0.0], [0.0, 1.0, 2.0, -1.0, -2.0, 0.5, 0.5, -1.0]),
        out=[[1.0, 0.0, 0.0, inf, inf, 0.0, 0.0, -inf]],
        grad=[[0.0, 2.0, 0.0, -inf, -inf, inf, inf, -inf], [0.0, 0.0, 0.0, -inf, -inf, 0.0, 0.0, inf]],
        grad2=[[nan, nan, nan, inf, inf, nan, nan, nan], [nan, nan, nan, inf, inf, nan, nan, nan]]),
    "pow_function_zero_base": Case(
        lambda m, x, y: m.pow(x, y),
        ([0.0, 0.0, 0.0, 0.0, 0.0], [0.0, 1.0, 3.0, -1.5, 0.5]),
        out=[[1.0, 0.0, 0.0, inf, 0.0]],
        grad=[[0.0, 2.0, 0.0, -inf, inf], [0.0, 0.0, 0.0, -inf, 0.0]],
        grad2=[[nan, nan, nan, inf, nan], [nan, nan, nan, inf, nan]]),
    "pow_negative_base": Case(
        lambda m, x, y: x ** y,
        ([-2.0, -2.0, -2.0, -0.5], [2.0, 0.5, -1.0, 0.0]),
        out=[[4.0, nan, -0.5, 1.0]],
        grad=[[-4.0, nan, -0.75, 0.0], [nan, nan, nan, nan]],
        grad2=[[nan, nan, nan, -32.0], [nan, nan, nan, nan]]),
    "pow_broadcast_zero_base": Case(
        lambda m, x, y: x ** y,
        ([[0.0], [2.0]], [0.0, 1.0, -1.0, 0.5]),
        out=[[[1.0, 0.0, inf, 0.0], [1.0, 2.0, 0.5, 1.4142135623730951]]],
        grad=[[[nan], [7.07842712474619]], [3.4657359027997265, 8.317766166719343, -inf, 7.842065147748378]],
        grad2=[[[nan], [56.984012052124434]], [nan, nan, inf, nan]]),
    "pow_scalar_exponent_0": Case(
        lambda m, x: x ** 0,
        ([0.0, -0.0, 1.0, -2.0],),
        out=[[1.0, 1.0, 1.0, 1.0]],
        grad=[[0.0, 0.0, 0.0, 0.0]],
        grad2=[None]),
    "pow_scalar_exponent_1": Case(
        lambda m, x: x ** 1,
        ([0.0, -0.0, 1.0, -2.0],),
        out=[[0.0, -0.0, 1.0, -2.0]],
        grad=[[1.0, 2.0, 3.0, 4.0]],
        grad2=[[0.0, 0.0, 0.0, 0.0]]),
    "pow_scalar_exponent_2": Case(
        lambda m, x: x ** 2,
        ([0.0, -0.0, 1.0, -2.0],),
        out=[[0.0, 0.0, 1.0, 4.0]],
        grad=[[0.0, -0.0, 6.0, -16.0]],
        grad2=[[2.0, 8.0, 18.0, 32.0]]),
    "pow_scalar_exponent_3": Case(
        lambda m, x: x ** 3,
        ([0.0, -0.0, 1.0, -2.0],),
        out=[[0.0, -0.0, 1.0, -8.0]],
        grad=[[0.0, 0.0, 9.0, 48.0]],
        grad2=[[0.0, -0.0, 54.0, -192.0]]),
    "pow_scalar_exponent_minus_1": Case(
        lambda m, x: x ** -1,
        ([0.0, -0.0, 1.0, -2.0],),
        out=[[inf, -inf, 1.0, -0.5]],
        grad=[[-inf, -inf, -3.0, -1.0]],
        grad2=[[inf, -inf, 18.0, -4.0]]),
    "pow_scalar_exponent_minus_2": Case(
        lambda m, x: x ** -2,
        ([0.0, -0.0, 1.0, -2.0],),
        out=[[inf, inf, 1.0, 0.25]],
        grad=[[-inf, inf, -6.0, 1.0]],
        grad2=[[inf, inf, 54.0, 6.0]]),
    "pow_scalar_exponent_0_5": Case(
        lambda m, x: x ** 0.5,
        ([0.0, -0.0, 1.0, -2.0],),
        out=[[0.0, -0.0, 1.0, nan]],
        grad=[[inf, -inf, 1.5, nan]],
        grad2=[[-inf, -inf, -2.25, nan]]),
    "pow_scalar_exponent_minus_0_5": Case(
        lambda m, x: x ** -0.5,
        ([0.0, -0.0, 1.0, -2.0],),
        out=[[inf, -inf, 1.0, nan]],
        grad=[[-inf, -inf, -1.5, nan]],
        grad2=[[inf, inf, 6.75, nan]]),
    "pow_scalar_exponent_1_5": Case(
        lambda m, x: x ** 1.5,
        ([0.0, -0.0, 1.0, -2.0],),
        out=[[0.0, 0.0, 1.0, nan]],
        grad=[[0.0, -0.0, 4.5, nan]],
        grad2=[[inf, -inf, 6.75, nan]]),
    "pow_scalar_exponent_2_5": Case(
        lambda m, x: x ** 2.5,
        ([0.0, -0.0, 1.0, -2.0],),
        out=[[0.0, 0.0, 1.0, nan]],
        grad=[[0.0, 0.0, 7.5, nan]],
        grad2=[[0.0, -0.0, 33.75, nan]]),
    "pow_function_scalar_exponent": Case(
        lambda m, x: m.pow(x, 2.5),
        ([0.0, -0.0, 1.0, -2.0],),
        out=[[0.0, 0.0, 1.0, nan]],
        grad=[[0.0, 0.0, 7.5, nan]],
        grad2=[[0.0, -0.0, 33.75, nan]]),
    "rpow_zero_base": Case(
        lambda m, y: (0.0 ** y, 0 ** y, m.pow(0.0, y)),
        ([0.0, 1.0, 2.0, -1.0, 0.5, -0.5],),
        out=[[1.0, 0.0, 0.0, inf, 0.0, inf], [1.0, 0.0, 0.0, inf, 0.0, inf], [1.0, 0.0, 0.0, inf, 0.0, inf]],
        grad=[[0.0, 0.0, 0.0, -inf, 0.0, -inf]],
        grad2=[[nan, nan, nan, inf, nan, inf]]),
    "rpow_negative_base": Case(
        lambda m, y: ((-2.0) ** y, (-0.5) ** y),
        ([0.0, 1.0, 2.0, -1.0, 0.5],),
        out=[[1.0, -2.0, 4.0, -0.5, nan], [1.0, -0.5, 0.25, -2.0, nan]],
        grad=[[nan, nan, nan, nan, nan]],
        grad2=[[nan, nan, nan, nan, nan]]),
    "pow_self_at_zero": Case(
        lambda m, x: x ** x,
        ([0.0, -0.0, 0.5],),
        out=[[1.0, 1.0, 0.7071067811865476]],
        grad=[[0.0, 0.0, 0.650933128356822]],
        grad2=[[nan, nan, 13.327144058467534]]),
    "atan2_at_origin": Case(
        lambda m, y, x: m.atan2(y, x),
        ([0.0, 0.0, -0.0, -0.0, 1.0, 0.0], [0.0, -0.0, 0.0, -0.0, 0.0, 1.0]),
        out=[[0.0, 3.141592653589793, -0.0, -3.141592653589793, 1.5707963267948966, 0.0]],
        grad=[[0.0, -0.0, 0.0, -0.0, 0.0, 6.0], [-0.0, -0.0, 0.0, 0.0, -5.0, -0.0]],
        grad2=[[nan, nan, nan, nan, 25.0, -36.0], [nan, nan, nan, nan, 25.0, -36.0]]),
    "logsumexp_neg_inf_rows": Case(
        lambda m, x: (m.logsumexp(x, 1), m.logsumexp(x, 0), m.logsumexp(x, (0, 1))),
        ([[-inf, -inf, -inf], [-inf, 0.0, 1.0], [2.0, -inf, -inf]],),
        out=[[-inf, 1.3132616875182228, 2.0], [2.0, 0.0, 1.0], 2.4076059644443806],
        grad=[[[nan, nan, nan], [0.0, 2.6279134159103705, 4.706845628314808], [4.665240955774822, 0.0, 0.0]]],
        grad2=[[[nan, nan, nan], [0.0, -0.5350409600927764, 0.2524535090133373], [0.28258745107944705, 0.0, 0.0]]]),
    "logsumexp_all_neg_inf": Case(
        lambda m, x: m.logsumexp(x, (0, 1)),
        ([[-inf, -inf], [-inf, -inf]],),
        out=[-inf],
        grad=[[[nan, nan], [nan, nan]]],
        grad2=[[[nan, nan], [nan, nan]]]),
    "softmax_neg_inf_rows": Case(
        lambda m, x: (m.softmax(x, 1), m.nn.functional.softmax(x, dim=0)),
        ([[-inf, -inf, -inf], [-inf, 0.0, 1.0], [2.0, -inf, -inf]],),
        out=[[[nan, nan, nan], [0.0, 0.26894142136999516, 0.7310585786300049], [1.0, 0.0, 0.0]],
             [[0.0, 0.0, 0.0], [0.0, 1.0, 1.0], [1.0, 0.0, 0.0]]],
        grad=[[[nan, nan, nan], [-0.0, -0.19661193324148196, 0.1966119332414816], [0.0, 0.0, 0.0]]],
        grad2=[[[nan, nan, nan], [0.0, 0.09085774767294881, -0.09085774767294785], [0.0, 0.0, 0.0]]]),
    "log_softmax_neg_inf_rows": Case(
        lambda m, x: (m.log_softmax(x, 1), m.nn.functional.log_softmax(x, dim=0)),
        ([[-inf, -inf, -inf], [-inf, 0.0, 1.0], [2.0, -inf, -inf]],),
        out=[[[nan, nan, nan], [-inf, -1.3132616875182228, -0.31326168751822286], [0.0, -inf, -inf]],
             [[-inf, -inf, -inf], [-inf, 0.0, 0.0], [0.0, -inf, -inf]]],
        grad=[[[nan, nan, nan], [8.0, -9.034121320549927, -16.96587867945007], [-22.0, 16.0, 18.0]]],
        grad2=[[[nan, nan, nan], [0.0, 2.949178998622224, -2.949178998622231], [0.0, 0.0, 0.0]]]),
    "var_std_one_element": Case(
        lambda m, x: (x.var(correction=0), x.var(correction=1), x.var(), x.std(correction=0), x.std(correction=1),
                      x.std()),
        ([3.0],),
        out=[0.0, nan, nan, 0.0, nan, nan],
        grad=[[nan]],
        grad2=[[nan]]),
    "var_std_one_element_dim": Case(
        lambda m, x: (x.var(1, correction=0), x.var(1), x.std(1, correction=0), x.std(1), m.var_mean(x, 1)[0],
                      m.std_mean(x, 1)[0]),
        ([[3.0], [-1.0]],),
        out=[[0.0, 0.0], [nan, nan], [0.0, 0.0], [nan, nan], [nan, nan], [nan, nan]],
        grad=[[[nan], [nan]]],
        grad2=[[[nan], [nan]]]),
    "std_constant": Case(
        lambda m, x: (x.std(), x.std(0, correction=0)),
        ([2.0, 2.0, 2.0],),
        out=[0.0, 0.0],
        grad=[[0.0, 0.0, 0.0]],
        grad2=[[0.0, 0.0, 0.0]]),
    "norm_at_zero": Case(
        lambda m, x: (m.norm(x), *(m.norm(x, p=p) for p in (1, inf, 'fro', 3, 0.5, 0))),
        ([[0.0, 0.0], [-0.0, 0.0]],),
        out=[0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
        grad=[[[0.0, 0.0], [0.0, 0.0]]]),
    "norm_at_zero_dim": Case(
        lambda m, x: (m.norm(x, dim=1), *(m.norm(x, p=p, dim=1) for p in (1, inf, -inf, 3, 0.5, 0))),
        ([[0.0, 0.0, 0.0], [3.0, 0.0, -4.0], [1.0, -1.0, 0.5]],),
        out=[[0.0, 5.0, 1.5], [0.0, 7.0, 2.5], [0.0, 4.0, 1.0], [0.0, 0.0, 0.5],
             [0.0, 4.497941445275415, 1.2856407953291176], [0.0, 13.928203230275509, 7.32842712474619],
             [0.0, 2.0, 3.0]],
        grad=[[[0.0, 0.0, 0.0], [8.399103780219574, 0.0, -10.91374450261078],
               [16.43634264284781, -16.43634264284781, 18.93903694906061]]]),
    "vector_norm_at_zero": Case(
        lambda m, x: (*(m.linalg.vector_norm(x, ord=p) for p in (2, 1, inf)),
                      *(m.linalg.vector_norm(x, ord=p, dim=1) for p in (2, 1, inf, 0.5))),
        ([[0.0, 0.0, 0.0], [3.0, 0.0, -4.0], [1.0, -1.0, 0.5]],),
        out=[5.220153254455275, 9.5, 4.0, [0.0, 5.0, 1.5], [0.0, 7.0, 2.5], [0.0, 4.0, 1.0],
             [0.0, 13.928203230275509, 7.32842712474619]],
        grad=[[[0.0, 0.0, 0.0], [9.084096847891194, 0.0, -12.098311835745797],
               [15.812885600603872, -15.812885600603872, 16.581064002760684]]]),
    "div_rounding_modes": Case(
        lambda m, x, y: (m.div(x, y, rounding_mode='floor'), m.div(x, y, rounding_mode='trunc')),
        ([7.0, -7.0, 1.0, 0.0, -1.0], [2.0, 2.0, 0.0, 0.0, 0.0]),
        out=[[3.0, -4.0, inf, nan, -inf], [3.0, -3.0, inf, nan, -inf]],
        grad=[[0.0, 0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0, 0.0]],
        grad2=[None, None]),
    "abs_at_zero": Case(
        lambda m, x: x.abs(),
        ([0.0, -0.0, 1.0, -2.0],),
        out=[[0.0, 0.0, 1.0, 2.0]],
        grad=[[0.0, 0.0, 3.0, -4.0]],
        grad2=[[0.0, 0.0, 0.0, 0.0]]),
    "sign_at_zero": Case(
        lambda m, x: x.sign(),
        ([0.0, -0.0, 1.0, -2.0],),
        out=[[0.0, 0.0, 1.0, -1.0]],
        grad=[[0.0, 0.0, 0.0, 0.0]],
        grad2=[None]),
    "sqrt_at_zero": Case(
        lambda m, x: x.sqrt(),
        ([0.0, -0.0, 1.0, -2.0],),
        out=[[0.0, -0.0, 1.0, nan]],
        grad=[[inf, -inf, 1.5, nan]],
        grad2=[[-inf, inf, -2.25, nan]]),
    "relu_at_zero": Case(
        lambda m, x: (x.relu(), m.nn.functional.relu(x)),
        ([0.0, -0.0, 1.0, -1.0, nan],),
        out=[[0.0, -0.0, 1.0, 0.0, nan], [0.0, -0.0, 1.0, 0.0, nan]],
        grad=[[0.0, 0.0, 6.0, 0.0, 10.0]],
        grad2=[[0.0, 0.0, 0.0, 0.0, 0.0]]),
    "clamp_at_bounds": Case(
        lambda m, x: (x.clamp(0.0, 1.0), x.clamp(min=0.0), x.clamp(max=1.0), x.clamp(1.0, 1.0), x.clamp(1.0, 0.0)),
        ([0.0, 1.0, 0.5, -1.0, 2.0],),
        out=[[0.0, 1.0, 0.5, 0.0, 1.0], [0.0, 1.0, 0.5, 0.0, 2.0], [0.0, 1.0, 0.5, -1.0, 1.0],
             [1.0, 1.0, 1.0, 1.0, 1.0], [0.0, 0.0, 0.0, 0.0, 0.0]],
        grad=[[3.0, 8.0, 9.0, 4.0, 5.0]],
        grad2=[None]),
    "clamp_tensor_bounds_ties": Case(
        lambda m, x, lo, hi: m.clamp(x, lo, hi),
        ([0.0, 1.0, 0.5, 1.0, 2.0], [0.0, 0.0, 0.5, 1.0, 3.0], [1.0, 1.0, 0.5, 1.0, 1.0]),
        out=[[0.0, 1.0, 0.5, 1.0, 1.0]],
        grad=[[1.0, 2.0, 3.0, 4.0, 0.0], [0.0, 0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0, 5.0]],
        grad2=[None, None, None]),
    "maximum_minimum_ties": Case(
        lambda m, x, y: (m.maximum(x, y), m.minimum(x, y)),
        ([1.0, 2.0, 0.0, -1.0, nan, nan], [1.0, 1.0, -0.0, 3.0, 1.0, nan]),
        out=[[1.0, 2.0, 0.0, 3.0, nan, nan], [1.0, 1.0, 0.0, -1.0, nan, nan]],
        grad=[[1.0, 2.0, 3.0, 4.0, 10.0, 12.0], [1.0, 2.0, 3.0, 4.0, 10.0, 12.0]],
        grad2=[None, None]),
    "max_min_whole_ties": Case(
        lambda m, x: (x.max(), x.min(), m.max(x), m.min(x)),
        ([[1.0, 3.0, 3.0], [3.0, 0.0, 0.0]],),
        out=[3.0, 0.0, 3.0, 0.0],
        grad=[[[0.0, 0.6666666666666666, 0.6666666666666666], [0.6666666666666666, 1.0, 1.0]]],
        grad2=[None]),
    "max_min_dim_ties": Case(
        lambda m, x: (*x.max(1), *x.min(1), *m.max(x, 0), *m.min(x, 0, keepdim=True)),
        ([[1.0, 3.0, 3.0], [3.0, 0.0, 0.0]],),
        out=[[3.0, 3.0], [1, 0], [1.0, 0.0], [0, 1], [3.0, 3.0, 3.0], [1, 0, 0], [[1.0, 0.0, 0.0]], [[0, 1, 1]]],
        grad=[[[2.0, 3.0, 3.0], [3.0, 4.0, 3.0]]],
        grad2=[None]),
    "amax_amin_ties": Case(
        lambda m, x: (x.amax(), x.amin(), x.amax(1), x.amin(0), m.amax(x, (0, 1)), m.amin(x, 1, keepdim=True)),
        ([[1.0, 3.0, 3.0], [3.0, 0.0, 0.0]],),
        out=[3.0, 0.0, [3.0, 3.0], [1.0, 0.0, 0.0], 3.0, [[1.0], [0.0]]],
        grad=[[[2.0, 1.1666666666666665, 1.1666666666666665], [2.666666666666667, 3.5, 4.5]]],
        grad2=[None]),
    "max_min_nan": Case(
        lambda m, x: (x.max(), x.min(), x.amax(1), x.amin(1), *x.max(1)),
        ([[1.0, nan, 3.0], [nan, nan, 0.0]],),
        out=[nan, nan, [nan, nan], [nan, nan], [nan, nan], [1, 0]],
        grad=[[[nan, nan, nan], [nan, nan, nan]]],
        grad2=[None]),
    "logsumexp_softmax_pos_inf": Case(
        lambda m, x: (m.logsumexp(x, 1), m.softmax(x, 1), m.log_softmax(x, 1)),
        ([[inf, 0.0, 1.0], [inf, inf, -inf], [-inf, -inf, 0.0]],),
        out=[[inf, inf, 0.0], [[nan, nan, nan], [nan, nan, nan], [0.0, 0.0, 1.0]],
             [[nan, nan, nan], [nan, nan, nan], [-inf, -inf, 0.0]]],
        grad=[[[nan, nan, nan], [nan, nan, nan], [7.0, 8.0, -12.0]]],
        grad2=[[[nan, nan, nan], [nan, nan, nan], [0.0, 0.0, 0.0]]]),
    "linalg_norm_at_zero": Case(
        lambda m, x: (m.linalg.norm(x), m.linalg.norm(x, dim=1), m.linalg.matrix_norm(x), x.norm(), x.norm(dim=0)),
        ([[0.0, 0.0, 0.0], [3.0, 0.0, -4.0]],),
        out=[5.0, [0.0, 5.0], 5.0, 5.0, [3.0, 0.0, 4.0]],
        grad=[[[0.0, 0.0, 0.0], [4.0, 0.0, -6.999999999999999]]]),
    "matrix_norm_zero": Case(
        lambda m, x: tuple(m.linalg.matrix_norm(x, ord=p) for p in ('fro', 'nuc', 2, 1, inf)),
        ([[0.0, 0.0], [0.0, 0.0]],),
        out=[0.0, 0.0, 0.0, 0.0, 0.0],
        grad=[[[1.5, 0.0], [0.0, 1.5]]]),
}


def _weighted_sum(lib: Any, tensors: list) -> Any:
    """sum(t * w) over the tensors that require grad, w = 1, 2, 3, ... in each (None when none does)."""
    terms = [(t * lib.tensor(np.arange(1.0, t.numel() + 1).reshape(tuple(t.shape)))).sum()
             for t in tensors if t is not None and t.requires_grad]
    return sum(terms[1:], terms[0]) if terms else None


def _as_list(t: Any) -> Any:
    return None if t is None else t.numpy(force=True).tolist()     # force: PyTorch may give a ZeroTensor


def run(lib: Any, case: Case, second_order: bool) -> dict:
    """The case's outputs, gradients (and second-order gradients) as nested lists, computed with ``lib``."""
    xs = [lib.tensor(np.asarray(a, dtype=np.float64), requires_grad=True) for a in case.inputs]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")          # NumPy's and PyTorch's warnings about the NaN they are meant to give
        out = case.fn(lib, *xs)
        outs = list(out) if isinstance(out, (tuple, list)) else [out]
        grads = lib.autograd.grad(_weighted_sum(lib, outs), xs, allow_unused=True, create_graph=second_order)
        result = {"out": [_as_list(o) for o in outs], "grad": [_as_list(g) for g in grads]}
        if second_order:
            loss = _weighted_sum(lib, list(grads))
            grads2 = lib.autograd.grad(loss, xs, allow_unused=True) if loss is not None else [None] * len(xs)
            result["grad2"] = [_as_list(g) for g in grads2]
    return result


def assert_same(ours: dict, expected: dict) -> None:
    """Equal up to rounding, with NaN and inf in the same places."""
    for key, exp in expected.items():
        assert len(ours[key]) == len(exp), key
        for i, (a, b) in enumerate(zip(ours[key], exp)):
            if a is None or b is None:           # None: no path from the input, a zero gradient
                assert not np.any(a if b is None else b), (key, i, a, b)
            else:
                np.testing.assert_allclose(np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64),
                                           rtol=1e-12, atol=1e-15, err_msg=f"{key}[{i}]")


@pytest.mark.parametrize("name", CASES)
def test_matches_pasted_torch_values(name):
    case = CASES[name]
    expected = {"out": case.out, "grad": case.grad}
    if case.grad2 is not None:
        expected["grad2"] = case.grad2
    assert_same(run(mt, case, case.grad2 is not None), expected)


@requires_torch
@pytest.mark.parametrize("name", CASES)
def test_matches_torch(name):
    case = CASES[name]
    assert_same(run(mt, case, case.grad2 is not None), run(torch, case, case.grad2 is not None))
