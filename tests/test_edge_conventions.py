"""Gradients at the points where finite differences cannot decide (0 ** 0, atan2(0, 0), ties, all -inf
slices, one-element var, norms at 0, an inf gradient arriving at a mask, the index sort, topk, kthvalue and
median pick among ties, ...): microtensor follows PyTorch's conventions, op by op.

Each case runs on microtensor and is compared (a) with PyTorch run on the same arrays when it is installed
and (b) always with PyTorch 2.13.0's numbers, pasted into the table: the values and, output by output, the
gradients of sum(out * w) (w = 1, 2, 3, ..., so every element's gradient is told apart) and the
second-order gradients, those of sum(grad * w) with the gradients taken with create_graph.
"""
from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np
import pytest

import microtensor as mt
from tests.helpers import requires_torch, torch

nan, inf = float("nan"), float("inf")


class Case(NamedTuple):
    fn: Callable                 # fn(lib, *inputs) with lib microtensor or torch
    inputs: tuple                # float64 arrays, as nested lists
    out: list                    # PyTorch's outputs (a list: one entry per output)
    grad: list                   # PyTorch's gradients: for each output, one per input (None: no path to it)
    grad2: list                  # PyTorch's second-order gradients, the same way


CASES = {
    "pow_tensor_exponent_zero_base": Case(
        lambda m, x, y: x ** y,
        ([0.0, 0.0, 0.0, 0.0, 0.0, 0.0, -0.0, -0.0], [0.0, 1.0, 2.0, -1.0, -2.0, 0.5, 0.5, -1.0]),
        out=[[1.0, 0.0, 0.0, inf, inf, 0.0, 0.0, -inf]],
        grad=[[[0.0, 2.0, 0.0, -inf, -inf, inf, inf, -inf], [0.0, 0.0, 0.0, -inf, -inf, 0.0, 0.0, inf]]],
        grad2=[[[nan, nan, nan, inf, inf, nan, nan, nan], [nan, nan, nan, inf, inf, nan, nan, nan]]]),
    "pow_function_zero_base": Case(
        lambda m, x, y: m.pow(x, y),
        ([0.0, 0.0, 0.0, 0.0, 0.0], [0.0, 1.0, 3.0, -1.5, 0.5]),
        out=[[1.0, 0.0, 0.0, inf, 0.0]],
        grad=[[[0.0, 2.0, 0.0, -inf, inf], [0.0, 0.0, 0.0, -inf, 0.0]]],
        grad2=[[[nan, nan, nan, inf, nan], [nan, nan, nan, inf, nan]]]),
    "pow_negative_base": Case(
        lambda m, x, y: x ** y,
        ([-2.0, -2.0, -2.0, -0.5], [2.0, 0.5, -1.0, 0.0]),
        out=[[4.0, nan, -0.5, 1.0]],
        grad=[[[-4.0, nan, -0.75, 0.0], [nan, nan, nan, nan]]],
        grad2=[[[nan, nan, nan, -32.0], [nan, nan, nan, nan]]]),
    "pow_broadcast_zero_base": Case(
        lambda m, x, y: x ** y,
        ([[0.0], [2.0]], [0.0, 1.0, -1.0, 0.5]),
        out=[[[1.0, 0.0, inf, 0.0], [1.0, 2.0, 0.5, 1.4142135623730951]]],
        grad=[[[[nan], [7.07842712474619]], [3.4657359027997265, 8.317766166719343, -inf, 7.842065147748378]]],
        grad2=[[[[nan], [56.984012052124434]], [nan, nan, inf, nan]]]),
    "pow_scalar_exponent_0": Case(
        lambda m, x: x ** 0,
        ([0.0, -0.0, 1.0, -2.0],),
        out=[[1.0, 1.0, 1.0, 1.0]],
        grad=[[[0.0, 0.0, 0.0, 0.0]]],
        grad2=[[None]]),
    "pow_scalar_exponent_1": Case(
        lambda m, x: x ** 1,
        ([0.0, -0.0, 1.0, -2.0],),
        out=[[0.0, -0.0, 1.0, -2.0]],
        grad=[[[1.0, 2.0, 3.0, 4.0]]],
        grad2=[[[0.0, 0.0, 0.0, 0.0]]]),
    "pow_scalar_exponent_2": Case(
        lambda m, x: x ** 2,
        ([0.0, -0.0, 1.0, -2.0],),
        out=[[0.0, 0.0, 1.0, 4.0]],
        grad=[[[0.0, -0.0, 6.0, -16.0]]],
        grad2=[[[2.0, 8.0, 18.0, 32.0]]]),
    "pow_scalar_exponent_3": Case(
        lambda m, x: x ** 3,
        ([0.0, -0.0, 1.0, -2.0],),
        out=[[0.0, -0.0, 1.0, -8.0]],
        grad=[[[0.0, 0.0, 9.0, 48.0]]],
        grad2=[[[0.0, -0.0, 54.0, -192.0]]]),
    "pow_scalar_exponent_minus_1": Case(
        lambda m, x: x ** -1,
        ([0.0, -0.0, 1.0, -2.0],),
        out=[[inf, -inf, 1.0, -0.5]],
        grad=[[[-inf, -inf, -3.0, -1.0]]],
        grad2=[[[inf, -inf, 18.0, -4.0]]]),
    "pow_scalar_exponent_minus_2": Case(
        lambda m, x: x ** -2,
        ([0.0, -0.0, 1.0, -2.0],),
        out=[[inf, inf, 1.0, 0.25]],
        grad=[[[-inf, inf, -6.0, 1.0]]],
        grad2=[[[inf, inf, 54.0, 6.0]]]),
    "pow_scalar_exponent_0_5": Case(
        lambda m, x: x ** 0.5,
        ([0.0, -0.0, 1.0, -2.0],),
        out=[[0.0, -0.0, 1.0, nan]],
        grad=[[[inf, -inf, 1.5, nan]]],
        grad2=[[[-inf, -inf, -2.25, nan]]]),
    "pow_scalar_exponent_minus_0_5": Case(
        lambda m, x: x ** -0.5,
        ([0.0, -0.0, 1.0, -2.0],),
        out=[[inf, -inf, 1.0, nan]],
        grad=[[[-inf, -inf, -1.5, nan]]],
        grad2=[[[inf, inf, 6.75, nan]]]),
    "pow_scalar_exponent_1_5": Case(
        lambda m, x: x ** 1.5,
        ([0.0, -0.0, 1.0, -2.0],),
        out=[[0.0, 0.0, 1.0, nan]],
        grad=[[[0.0, -0.0, 4.5, nan]]],
        grad2=[[[inf, -inf, 6.75, nan]]]),
    "pow_scalar_exponent_2_5": Case(
        lambda m, x: x ** 2.5,
        ([0.0, -0.0, 1.0, -2.0],),
        out=[[0.0, 0.0, 1.0, nan]],
        grad=[[[0.0, 0.0, 7.5, nan]]],
        grad2=[[[0.0, -0.0, 33.75, nan]]]),
    "pow_function_scalar_exponent": Case(
        lambda m, x: m.pow(x, 2.5),
        ([0.0, -0.0, 1.0, -2.0],),
        out=[[0.0, 0.0, 1.0, nan]],
        grad=[[[0.0, 0.0, 7.5, nan]]],
        grad2=[[[0.0, -0.0, 33.75, nan]]]),
    "pow_self_at_zero": Case(
        lambda m, x: x ** x,
        ([0.0, -0.0, 0.5],),
        out=[[1.0, 1.0, 0.7071067811865476]],
        grad=[[[0.0, 0.0, 0.650933128356822]]],
        grad2=[[[nan, nan, 13.327144058467534]]]),
    "rpow_zero_base": Case(
        lambda m, y: (0.0 ** y, 0 ** y, m.pow(0.0, y)),
        ([0.0, 1.0, 2.0, -1.0, 0.5, -0.5],),
        out=[[1.0, 0.0, 0.0, inf, 0.0, inf], [1.0, 0.0, 0.0, inf, 0.0, inf], [1.0, 0.0, 0.0, inf, 0.0, inf]],
        grad=[[[0.0, 0.0, 0.0, -inf, 0.0, -inf]], [[0.0, 0.0, 0.0, -inf, 0.0, -inf]],
              [[0.0, 0.0, 0.0, -inf, 0.0, -inf]]],
        grad2=[[[nan, nan, nan, inf, nan, inf]], [[nan, nan, nan, inf, nan, inf]], [[nan, nan, nan, inf, nan, inf]]]),
    "rpow_negative_base": Case(
        lambda m, y: ((-2.0) ** y, (-0.5) ** y),
        ([0.0, 1.0, 2.0, -1.0, 0.5],),
        out=[[1.0, -2.0, 4.0, -0.5, nan], [1.0, -0.5, 0.25, -2.0, nan]],
        grad=[[[nan, nan, nan, nan, nan]], [[nan, nan, nan, nan, nan]]],
        grad2=[[[nan, nan, nan, nan, nan]], [[nan, nan, nan, nan, nan]]]),
    "atan2_at_origin": Case(
        lambda m, y, x: m.atan2(y, x),
        ([0.0, 0.0, -0.0, -0.0, 1.0, 0.0], [0.0, -0.0, 0.0, -0.0, 0.0, 1.0]),
        out=[[0.0, 3.141592653589793, -0.0, -3.141592653589793, 1.5707963267948966, 0.0]],
        grad=[[[0.0, -0.0, 0.0, -0.0, 0.0, 6.0], [-0.0, -0.0, 0.0, 0.0, -5.0, -0.0]]],
        grad2=[[[nan, nan, nan, nan, 25.0, -36.0], [nan, nan, nan, nan, 25.0, -36.0]]]),
    "logsumexp_neg_inf_rows": Case(
        lambda m, x: (m.logsumexp(x, 1), m.logsumexp(x, 0), m.logsumexp(x, (0, 1))),
        ([[-inf, -inf, -inf], [-inf, 0.0, 1.0], [2.0, -inf, -inf]],),
        out=[[-inf, 1.3132616875182228, 2.0], [2.0, 0.0, 1.0], 2.4076059644443806],
        grad=[[[[nan, nan, nan], [0.0, 0.5378828427399902, 1.4621171572600098], [3.0, 0.0, 0.0]]],
              [[[0.0, 0.0, 0.0], [0.0, 2.0, 3.0], [1.0, 0.0, 0.0]]],
              [[[0.0, 0.0, 0.0], [0.0, 0.09003057317038043, 0.24472847105479759], [0.6652409557748217, 0.0, 0.0]]]],
        grad2=[[[[nan, nan, nan], [0.0, -0.3932238664829635, 0.39322386648296437], [0.0, 0.0, 0.0]]],
               [[[0.0, 0.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]]],
               [[[0.0, 0.0, 0.0], [0.0, -0.14181709360981187, -0.14077035746962951], [0.2825874510794435, 0.0, 0.0]]]]),
    "logsumexp_all_neg_inf": Case(
        lambda m, x: m.logsumexp(x, (0, 1)),
        ([[-inf, -inf], [-inf, -inf]],),
        out=[-inf],
        grad=[[[[nan, nan], [nan, nan]]]],
        grad2=[[[[nan, nan], [nan, nan]]]]),
    "softmax_neg_inf_rows": Case(
        lambda m, x: (m.softmax(x, 1), m.nn.functional.softmax(x, dim=0)),
        ([[-inf, -inf, -inf], [-inf, 0.0, 1.0], [2.0, -inf, -inf]],),
        out=[[[nan, nan, nan], [0.0, 0.26894142136999516, 0.7310585786300049], [1.0, 0.0, 0.0]],
             [[0.0, 0.0, 0.0], [0.0, 1.0, 1.0], [1.0, 0.0, 0.0]]],
        grad=[[[[nan, nan, nan], [-0.0, -0.19661193324148196, 0.1966119332414816], [0.0, 0.0, 0.0]]],
              [[[-0.0, -0.0, -0.0], [-0.0, 0.0, 0.0], [0.0, 0.0, 0.0]]]],
        grad2=[[[[nan, nan, nan], [0.0, 0.09085774767294881, -0.09085774767294785], [0.0, 0.0, 0.0]]],
               [[[0.0, 0.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]]]]),
    "log_softmax_neg_inf_rows": Case(
        lambda m, x: (m.log_softmax(x, 1), m.nn.functional.log_softmax(x, dim=0)),
        ([[-inf, -inf, -inf], [-inf, 0.0, 1.0], [2.0, -inf, -inf]],),
        out=[[[nan, nan, nan], [-inf, -1.3132616875182228, -0.31326168751822286], [0.0, -inf, -inf]],
             [[-inf, -inf, -inf], [-inf, 0.0, 0.0], [0.0, -inf, -inf]]],
        grad=[[[[nan, nan, nan], [4.0, 0.9658786794500734, -4.965878679450073], [-17.0, 8.0, 9.0]]],
              [[[1.0, 2.0, 3.0], [4.0, -10.0, -12.0], [-5.0, 8.0, 9.0]]]],
        grad2=[[[[nan, nan, nan], [0.0, 2.949178998622224, -2.949178998622231], [0.0, 0.0, 0.0]]],
               [[[0.0, 0.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]]]]),
    "logsumexp_softmax_pos_inf": Case(
        lambda m, x: (m.logsumexp(x, 1), m.softmax(x, 1), m.log_softmax(x, 1)),
        ([[inf, 0.0, 1.0], [inf, inf, -inf], [-inf, -inf, 0.0]],),
        out=[[inf, inf, 0.0], [[nan, nan, nan], [nan, nan, nan], [0.0, 0.0, 1.0]],
             [[nan, nan, nan], [nan, nan, nan], [-inf, -inf, 0.0]]],
        grad=[[[[nan, 0.0, 0.0], [nan, nan, 0.0], [0.0, 0.0, 3.0]]],
              [[[nan, nan, nan], [nan, nan, nan], [-0.0, -0.0, 0.0]]],
              [[[nan, nan, nan], [nan, nan, nan], [7.0, 8.0, -15.0]]]],
        grad2=[[[[nan, nan, nan], [nan, nan, nan], [0.0, 0.0, 0.0]]],
               [[[nan, nan, nan], [nan, nan, nan], [0.0, 0.0, 0.0]]],
               [[[nan, nan, nan], [nan, nan, nan], [0.0, 0.0, 0.0]]]]),
    "var_std_one_element": Case(
        lambda m, x: (x.var(correction=0), x.var(correction=1), x.var(), x.std(correction=0), x.std(correction=1),
                      x.std()),
        ([3.0],),
        out=[0.0, nan, nan, 0.0, nan, nan],
        grad=[[[0.0]], [[nan]], [[nan]], [[0.0]], [[nan]], [[nan]]],
        grad2=[[[0.0]], [None], [None], [[0.0]], [[nan]], [[nan]]]),
    "var_std_one_element_dim": Case(
        lambda m, x: (x.var(1, correction=0), x.var(1), x.std(1, correction=0), x.std(1), m.var_mean(x, 1)[0],
                      m.std_mean(x, 1)[0]),
        ([[3.0], [-1.0]],),
        out=[[0.0, 0.0], [nan, nan], [0.0, 0.0], [nan, nan], [nan, nan], [nan, nan]],
        grad=[[[[0.0], [0.0]]], [[[nan], [nan]]], [[[0.0], [0.0]]], [[[nan], [nan]]], [[[nan], [nan]]],
              [[[nan], [nan]]]],
        grad2=[[[[0.0], [0.0]]], [[[nan], [nan]]], [[[0.0], [0.0]]], [[[nan], [nan]]], [[[nan], [nan]]],
               [[[nan], [nan]]]]),
    "var_std_no_dof": Case(
        lambda m, x: (x.var(correction=3), x.var(0, correction=3), x.std(correction=3), x.std(0, correction=3),
                      x.var(correction=2)),
        ([1.0, 2.0, 2.0],),
        out=[inf, inf, inf, inf, 0.6666666666666666],
        grad=[[[inf, inf, inf]], [[-inf, inf, inf]], [[nan, nan, nan]], [[nan, nan, nan]],
              [[-1.3333333333333335, 0.6666666666666665, 0.6666666666666665]]],
        grad2=[[None], [[nan, nan, nan]], [[nan, nan, nan]], [[nan, nan, nan]], [[-2.0, 0.0, 2.0]]]),
    "var_std_zero_dim": Case(
        lambda m, x: (x.var(), x.var(0), x.std(correction=0), x.std(0)),
        (3.0,),
        out=[nan, nan, 0.0, nan],
        grad=[[nan], [nan], [0.0], [nan]],
        grad2=[[None], [None], [0.0], [nan]]),
    "std_constant": Case(
        lambda m, x: (x.std(), x.std(0, correction=0)),
        ([2.0, 2.0, 2.0],),
        out=[0.0, 0.0],
        grad=[[[0.0, 0.0, 0.0]], [[0.0, 0.0, 0.0]]],
        grad2=[[[0.0, 0.0, 0.0]], [[0.0, 0.0, 0.0]]]),
    "norm_at_zero": Case(
        lambda m, x: (m.norm(x), *(m.norm(x, p=p) for p in (1, inf, 'fro', 3, 0.5, 0))),
        ([[0.0, 0.0], [-0.0, 0.0]],),
        out=[0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
        grad=[[[[0.0, 0.0], [0.0, 0.0]]], [[[0.0, 0.0], [0.0, 0.0]]], [[[0.0, 0.0], [0.0, 0.0]]],
              [[[0.0, 0.0], [0.0, 0.0]]], [[[0.0, 0.0], [-0.0, 0.0]]], [[[0.0, 0.0], [0.0, 0.0]]], [None]],
        grad2=[[[[nan, nan], [nan, nan]]], [[[0.0, 0.0], [0.0, 0.0]]], [[[0.0, 0.0], [0.0, 0.0]]],
               [[[nan, nan], [nan, nan]]], [[[0.0, 0.0], [0.0, 0.0]]], [[[nan, nan], [nan, nan]]], [None]]),
    "norm_at_zero_dim": Case(
        lambda m, x: (m.norm(x, dim=1), *(m.norm(x, p=p, dim=1) for p in (1, inf, -inf, 3, 0.5, 0))),
        ([[0.0, 0.0, 0.0], [3.0, 0.0, -4.0], [1.0, -1.0, 0.5]],),
        out=[[0.0, 5.0, 1.5], [0.0, 7.0, 2.5], [0.0, 4.0, 1.0], [0.0, 0.0, 0.5],
             [0.0, 4.497941445275415, 1.2856407953291176], [0.0, 13.928203230275509, 7.32842712474619],
             [0.0, 2.0, 3.0]],
        grad=[[[[0.0, 0.0, 0.0], [1.2, 0.0, -1.6], [2.0, -2.0, 1.0]]],
              [[[0.0, 0.0, 0.0], [2.0, 0.0, -2.0], [3.0, -3.0, 3.0]]],
              [[[0.0, 0.0, 0.0], [0.0, 0.0, -2.0], [1.5, -1.5, 0.0]]],
              [[[0.0, 0.0, 0.0], [0.0, 0.0, -0.0], [0.0, -0.0, 3.0]]],
              [[[0.0, 0.0, 0.0], [0.8897027034610712, 0.0, -1.5816936950419043],
                [1.8150222992881664, -1.8150222992881664, 0.4537555748220416]]],
              [[[0.0, 0.0, 0.0], [4.309401076758504, 0.0, -3.732050807568877],
                [8.121320343559642, -8.121320343559642, 11.48528137423857]]],
              [None]],
        grad2=[[[[nan, nan, nan], [2.176, 2.0, 1.632], [10.88888888888889, 19.11111111111111, 16.444444444444443]]],
               [[[0.0, 0.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]]],
               [[[0.0, 0.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]]],
               [[[0.0, 0.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]]],
               [[[0.0, 0.0, 0.0], [3.545774876797236, 0.0, 2.6593311575979266],
                 [23.274991837930603, 31.175677140714388, 15.801370605567564]]],
               [[[nan, nan, nan], [-3.2716515254078793, nan, -2.45373864405591],
                 [-10.832738110421971, -50.07716446627535, -78.48885271170678]]],
               [None]]),
    "norm_nan": Case(
        lambda m, x: (*(m.norm(x, p=p, dim=1) for p in (2, 1, inf, -inf, 3, 1.5, 0.5, 0)), m.norm(x)),
        ([[nan, 1.0, 0.0], [0.0, 0.0, 0.0]],),
        out=[[nan, 0.0], [nan, 0.0], [nan, 0.0], [nan, 0.0], [nan, 0.0], [nan, 0.0], [nan, 0.0], [2.0, 0.0], nan],
        grad=[[[[nan, nan, nan], [0.0, 0.0, 0.0]]], [[[0.0, 1.0, 0.0], [0.0, 0.0, 0.0]]],
              [[[0.0, 0.0, 0.0], [0.0, 0.0, 0.0]]], [[[0.0, 0.0, 0.0], [0.0, 0.0, 0.0]]],
              [[[nan, nan, nan], [0.0, 0.0, 0.0]]], [[[nan, nan, nan], [0.0, 0.0, 0.0]]],
              [[[nan, nan, nan], [0.0, 0.0, 0.0]]], [None], [[[nan, nan, nan], [nan, nan, nan]]]],
        grad2=[[[[nan, nan, nan], [nan, nan, nan]]], [[[0.0, 0.0, 0.0], [0.0, 0.0, 0.0]]],
               [[[0.0, 0.0, 0.0], [0.0, 0.0, 0.0]]], [[[0.0, 0.0, 0.0], [0.0, 0.0, 0.0]]],
               [[[nan, nan, nan], [0.0, 0.0, 0.0]]], [[[nan, nan, nan], [nan, nan, nan]]],
               [[[nan, nan, nan], [nan, nan, nan]]], [None], [[[nan, nan, nan], [nan, nan, nan]]]]),
    "vector_norm_at_zero": Case(
        lambda m, x: (*(m.linalg.vector_norm(x, ord=p) for p in (2, 1, inf)),
                      *(m.linalg.vector_norm(x, ord=p, dim=1) for p in (2, 1, inf, 0.5))),
        ([[0.0, 0.0, 0.0], [3.0, 0.0, -4.0], [1.0, -1.0, 0.5]],),
        out=[5.220153254455275, 9.5, 4.0, [0.0, 5.0, 1.5], [0.0, 7.0, 2.5], [0.0, 4.0, 1.0],
             [0.0, 13.928203230275509, 7.32842712474619]],
        grad=[[[[0.0, 0.0, 0.0], [0.5746957711326908, 0.0, -0.7662610281769211],
                [0.19156525704423027, -0.19156525704423027, 0.09578262852211514]]],
              [[[0.0, 0.0, 0.0], [1.0, 0.0, -1.0], [1.0, -1.0, 1.0]]],
              [[[0.0, 0.0, 0.0], [0.0, 0.0, -1.0], [0.0, -0.0, 0.0]]],
              [[[0.0, 0.0, 0.0], [1.2, 0.0, -1.6], [2.0, -2.0, 1.0]]],
              [[[0.0, 0.0, 0.0], [2.0, 0.0, -2.0], [3.0, -3.0, 3.0]]],
              [[[0.0, 0.0, 0.0], [0.0, 0.0, -2.0], [1.5, -1.5, 0.0]]],
              [[[0.0, 0.0, 0.0], [4.309401076758504, 0.0, -3.732050807568877],
                [8.121320343559642, -8.121320343559642, 11.48528137423857]]]],
        grad2=[[[[0.19156525704423027, 0.38313051408846055, 0.5746957711326908],
                 [0.9455239292641824, 0.9578262852211513, 0.9103743408156998],
                 [1.4007110996720322, 1.4727677559914218, 1.7539644635792828]]],
               [[[0.0, 0.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]]],
               [[[0.0, 0.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]]],
               [[[nan, nan, nan], [2.176, 2.0, 1.632], [10.88888888888889, 19.11111111111111, 16.444444444444443]]],
               [[[0.0, 0.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]]],
               [[[0.0, 0.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]]],
               [[[nan, nan, nan], [-3.2716515254078793, nan, -2.45373864405591],
                 [-10.832738110421971, -50.07716446627535, -78.48885271170678]]]]),
    "linalg_norm_at_zero": Case(
        lambda m, x: (m.linalg.norm(x), m.linalg.norm(x, dim=1), m.linalg.matrix_norm(x), x.norm(), x.norm(dim=0)),
        ([[0.0, 0.0, 0.0], [3.0, 0.0, -4.0]],),
        out=[5.0, [0.0, 5.0], 5.0, 5.0, [3.0, 0.0, 4.0]],
        grad=[[[[0.0, 0.0, 0.0], [0.6, 0.0, -0.8]]], [[[0.0, 0.0, 0.0], [1.2, 0.0, -1.6]]],
              [[[0.0, 0.0, 0.0], [0.6, 0.0, -0.8]]], [[[0.0, 0.0, 0.0], [0.6, 0.0, -0.8]]],
              [[[0.0, 0.0, 0.0], [1.0, 0.0, -3.0]]]],
        grad2=[[[[0.2, 0.4, 0.6], [1.088, 1.0, 0.816]]], [[[nan, nan, nan], [2.176, 2.0, 1.632]]],
               [[[0.2, 0.4, 0.6], [1.088, 1.0, 0.816]]], [[[0.2, 0.4, 0.6], [1.088, 1.0, 0.816]]],
               [[[0.3333333333333333, nan, 2.25], [0.0, nan, 0.0]]]]),
    "matrix_norm_zero": Case(
        lambda m, x: tuple(m.linalg.matrix_norm(x, ord=p) for p in ('fro', 'nuc', 2, 1, inf)),
        ([[0.0, 0.0], [0.0, 0.0]],),
        out=[0.0, 0.0, 0.0, 0.0, 0.0],
        grad=[[[[0.0, 0.0], [0.0, 0.0]]], [[[1.0, 0.0], [0.0, 1.0]]], [[[0.5, 0.0], [0.0, 0.5]]],
              [[[0.0, 0.0], [0.0, 0.0]]], [[[0.0, 0.0], [0.0, 0.0]]]],
        grad2=[[[[nan, nan], [nan, nan]]], [[[nan, nan], [nan, nan]]], [[[nan, nan], [nan, nan]]],
               [[[0.0, 0.0], [0.0, 0.0]]], [[[0.0, 0.0], [0.0, 0.0]]]]),
    "div_rounding_modes": Case(
        lambda m, x, y: (m.div(x, y, rounding_mode='floor'), m.div(x, y, rounding_mode='trunc')),
        ([7.0, -7.0, 1.0, 0.0, -1.0], [2.0, 2.0, 0.0, 0.0, 0.0]),
        out=[[3.0, -4.0, inf, nan, -inf], [3.0, -3.0, inf, nan, -inf]],
        grad=[[[0.0, 0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0, 0.0]],
              [[0.0, 0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0, 0.0]]],
        grad2=[[None, None], [None, None]]),
    "abs_at_zero": Case(
        lambda m, x: x.abs(),
        ([0.0, -0.0, 1.0, -2.0],),
        out=[[0.0, 0.0, 1.0, 2.0]],
        grad=[[[0.0, 0.0, 3.0, -4.0]]],
        grad2=[[[0.0, 0.0, 0.0, 0.0]]]),
    "sign_at_zero": Case(
        lambda m, x: x.sign(),
        ([0.0, -0.0, 1.0, -2.0],),
        out=[[0.0, 0.0, 1.0, -1.0]],
        grad=[[[0.0, 0.0, 0.0, 0.0]]],
        grad2=[[None]]),
    "sqrt_at_zero": Case(
        lambda m, x: x.sqrt(),
        ([0.0, -0.0, 1.0, -2.0],),
        out=[[0.0, -0.0, 1.0, nan]],
        grad=[[[inf, -inf, 1.5, nan]]],
        grad2=[[[-inf, inf, -2.25, nan]]]),
    "relu_at_zero": Case(
        lambda m, x: (x.relu(), m.nn.functional.relu(x)),
        ([0.0, -0.0, 1.0, -1.0, nan],),
        out=[[0.0, -0.0, 1.0, 0.0, nan], [0.0, -0.0, 1.0, 0.0, nan]],
        grad=[[[0.0, 0.0, 3.0, 0.0, 5.0]], [[0.0, 0.0, 3.0, 0.0, 5.0]]],
        grad2=[[[0.0, 0.0, 0.0, 0.0, 0.0]], [[0.0, 0.0, 0.0, 0.0, 0.0]]]),
    "clamp_at_bounds": Case(
        lambda m, x: (x.clamp(0.0, 1.0), x.clamp(min=0.0), x.clamp(max=1.0), x.clamp(1.0, 1.0), x.clamp(1.0, 0.0)),
        ([0.0, 1.0, 0.5, -1.0, 2.0],),
        out=[[0.0, 1.0, 0.5, 0.0, 1.0], [0.0, 1.0, 0.5, 0.0, 2.0], [0.0, 1.0, 0.5, -1.0, 1.0],
             [1.0, 1.0, 1.0, 1.0, 1.0], [0.0, 0.0, 0.0, 0.0, 0.0]],
        grad=[[[1.0, 2.0, 3.0, 0.0, 0.0]], [[1.0, 2.0, 3.0, 0.0, 5.0]], [[1.0, 2.0, 3.0, 4.0, 0.0]],
              [[0.0, 2.0, 0.0, 0.0, 0.0]], [[0.0, 0.0, 0.0, 0.0, 0.0]]],
        grad2=[[None], [None], [None], [None], [None]]),
    "clamp_tensor_bounds_ties": Case(
        lambda m, x, lo, hi: m.clamp(x, lo, hi),
        ([0.0, 1.0, 0.5, 1.0, 2.0], [0.0, 0.0, 0.5, 1.0, 3.0], [1.0, 1.0, 0.5, 1.0, 1.0]),
        out=[[0.0, 1.0, 0.5, 1.0, 1.0]],
        grad=[[[1.0, 2.0, 3.0, 4.0, 0.0], [0.0, 0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0, 5.0]]],
        grad2=[[None, None, None]]),
    "maximum_minimum_ties": Case(
        lambda m, x, y: (m.maximum(x, y), m.minimum(x, y)),
        ([1.0, 2.0, 0.0, -1.0, nan, nan], [1.0, 1.0, -0.0, 3.0, 1.0, nan]),
        out=[[1.0, 2.0, 0.0, 3.0, nan, nan], [1.0, 1.0, 0.0, -1.0, nan, nan]],
        grad=[[[0.5, 2.0, 1.5, 0.0, 5.0, 6.0], [0.5, 0.0, 1.5, 4.0, 5.0, 6.0]],
              [[0.5, 0.0, 1.5, 4.0, 5.0, 6.0], [0.5, 2.0, 1.5, 0.0, 5.0, 6.0]]],
        grad2=[[None, None], [None, None]]),
    "max_min_whole_ties": Case(
        lambda m, x: (x.max(), x.min(), m.max(x), m.min(x)),
        ([[1.0, 3.0, 3.0], [3.0, 0.0, 0.0]],),
        out=[3.0, 0.0, 3.0, 0.0],
        grad=[[[[0.0, 0.3333333333333333, 0.3333333333333333], [0.3333333333333333, 0.0, 0.0]]],
              [[[0.0, 0.0, 0.0], [0.0, 0.5, 0.5]]],
              [[[0.0, 0.3333333333333333, 0.3333333333333333], [0.3333333333333333, 0.0, 0.0]]],
              [[[0.0, 0.0, 0.0], [0.0, 0.5, 0.5]]]],
        grad2=[[None], [None], [None], [None]]),
    "max_min_dim_ties": Case(
        lambda m, x: (*x.max(1), *x.min(1), *m.max(x, 0), *m.min(x, 0, keepdim=True)),
        ([[1.0, 3.0, 3.0], [3.0, 0.0, 0.0]],),
        out=[[3.0, 3.0], [1, 0], [1.0, 0.0], [0, 1], [3.0, 3.0, 3.0], [1, 0, 0], [[1.0, 0.0, 0.0]], [[0, 1, 1]]],
        grad=[[[[0.0, 1.0, 0.0], [2.0, 0.0, 0.0]]], [None], [[[1.0, 0.0, 0.0], [0.0, 2.0, 0.0]]], [None],
              [[[0.0, 2.0, 3.0], [1.0, 0.0, 0.0]]], [None], [[[1.0, 0.0, 0.0], [0.0, 2.0, 3.0]]], [None]],
        grad2=[[None], [None], [None], [None], [None], [None], [None], [None]]),
    "amax_amin_ties": Case(
        lambda m, x: (x.amax(), x.amin(), x.amax(1), x.amin(0), m.amax(x, (0, 1)), m.amin(x, 1, keepdim=True)),
        ([[1.0, 3.0, 3.0], [3.0, 0.0, 0.0]],),
        out=[3.0, 0.0, [3.0, 3.0], [1.0, 0.0, 0.0], 3.0, [[1.0], [0.0]]],
        grad=[[[[0.0, 0.3333333333333333, 0.3333333333333333], [0.3333333333333333, 0.0, 0.0]]],
              [[[0.0, 0.0, 0.0], [0.0, 0.5, 0.5]]], [[[0.0, 0.5, 0.5], [2.0, 0.0, 0.0]]],
              [[[1.0, 0.0, 0.0], [0.0, 2.0, 3.0]]],
              [[[0.0, 0.3333333333333333, 0.3333333333333333], [0.3333333333333333, 0.0, 0.0]]],
              [[[1.0, 0.0, 0.0], [0.0, 1.0, 1.0]]]],
        grad2=[[None], [None], [None], [None], [None], [None]]),
    "max_min_nan": Case(
        lambda m, x: (x.max(), x.min(), x.amax(1), x.amin(1), *x.max(1)),
        ([[1.0, nan, 3.0], [nan, nan, 0.0]],),
        out=[nan, nan, [nan, nan], [nan, nan], [nan, nan], [1, 0]],
        grad=[[[[0.0, 0.3333333333333333, 0.0], [0.3333333333333333, 0.3333333333333333, 0.0]]],
              [[[0.0, 0.3333333333333333, 0.0], [0.3333333333333333, 0.3333333333333333, 0.0]]],
              [[[nan, nan, nan], [nan, nan, nan]]], [[[nan, nan, nan], [nan, nan, nan]]],
              [[[0.0, 1.0, 0.0], [2.0, 0.0, 0.0]]], [None]],
        grad2=[[None], [None], [None], [None], [None], [None]]),
    "zero_gradient_times_inf": Case(
        lambda m, x, y: (x ** 0 * inf, m.div(x, y, rounding_mode='floor') * inf,
                         m.div(x, y, rounding_mode='trunc') * inf),
        ([[1.0, 3.0, 3.0], [-1.0, 0.0, 2.0]], [[1.0, 2.0, 4.0], [0.5, 0.0, 2.0]]),
        out=[[[inf, inf, inf], [inf, inf, inf]], [[inf, inf, nan], [-inf, nan, inf]],
             [[inf, inf, nan], [-inf, nan, inf]]],
        grad=[[[[0.0, 0.0, 0.0], [0.0, 0.0, 0.0]], None],
              [[[0.0, 0.0, 0.0], [0.0, 0.0, 0.0]], [[0.0, 0.0, 0.0], [0.0, 0.0, 0.0]]],
              [[[0.0, 0.0, 0.0], [0.0, 0.0, 0.0]], [[0.0, 0.0, 0.0], [0.0, 0.0, 0.0]]]],
        grad2=[[None, None], [None, None], [None, None]]),
    "masked_gradient_times_inf": Case(
        lambda m, x, y: (m.where(x > 0, x, y) * inf, m.maximum(x, y) * inf, m.minimum(x, y) * inf,
                         x.max() * inf, x.max(1)[0] * inf, x.min(0)[0] * inf, x.amax(1) * inf, x.relu() * inf,
                         x.clamp(0.0, 2.0) * inf),
        ([[1.0, 3.0, 3.0], [-1.0, 0.0, 2.0]], [[1.0, 2.0, 4.0], [0.5, 0.0, 2.0]]),
        out=[[[inf, inf, inf], [inf, nan, inf]], [[inf, inf, inf], [inf, nan, inf]],
             [[inf, inf, inf], [-inf, nan, inf]], inf, [inf, inf], [-inf, nan, inf], [inf, inf],
             [[inf, inf, inf], [nan, nan, inf]], [[inf, inf, inf], [nan, nan, inf]]],
        grad=[[[[inf, inf, inf], [0.0, 0.0, inf]], [[0.0, 0.0, 0.0], [inf, inf, 0.0]]],
              [[[inf, inf, 0.0], [0.0, inf, inf]], [[inf, 0.0, inf], [inf, inf, inf]]],
              [[[inf, 0.0, inf], [inf, inf, inf]], [[inf, inf, 0.0], [0.0, inf, inf]]],
              [[[0.0, inf, inf], [0.0, 0.0, 0.0]], None], [[[0.0, inf, 0.0], [0.0, 0.0, inf]], None],
              [[[0.0, 0.0, 0.0], [inf, inf, inf]], None], [[[nan, inf, inf], [nan, nan, inf]], None],
              [[[inf, inf, inf], [0.0, 0.0, inf]], None], [[[inf, 0.0, 0.0], [0.0, inf, inf]], None]],
        grad2=[[None, None], [None, None], [None, None], [None, None], [None, None], [None, None], [None, None],
               [[[0.0, 0.0, 0.0], [0.0, 0.0, 0.0]], None], [None, None]]),
    "sort_ties": Case(
        lambda m, x: (*x.sort(1), *m.sort(x, dim=1, descending=True, stable=True), *x.sort(dim=0, stable=True),
                      m.msort(x)),
        ([[1.0, 3.0, 3.0, 1.0], [3.0, 0.0, 0.0, nan]],),
        out=[[[1.0, 1.0, 3.0, 3.0], [0.0, 0.0, 3.0, nan]], [[0, 3, 1, 2], [1, 2, 0, 3]],
             [[3.0, 3.0, 1.0, 1.0], [nan, 3.0, 0.0, 0.0]], [[1, 2, 0, 3], [3, 0, 1, 2]],
             [[1.0, 0.0, 0.0, 1.0], [3.0, 3.0, 3.0, nan]], [[0, 1, 1, 0], [1, 0, 0, 1]],
             [[1.0, 0.0, 0.0, 1.0], [3.0, 3.0, 3.0, nan]]],
        grad=[[[[1.0, 3.0, 4.0, 2.0], [7.0, 5.0, 6.0, 8.0]]], [None], [[[3.0, 1.0, 2.0, 4.0], [6.0, 7.0, 8.0, 5.0]]],
              [None], [[[1.0, 6.0, 7.0, 4.0], [5.0, 2.0, 3.0, 8.0]]], [None],
              [[[1.0, 6.0, 7.0, 4.0], [5.0, 2.0, 3.0, 8.0]]]],
        grad2=[[None], [None], [None], [None], [None], [None], [None]]),
    "topk_ties": Case(
        lambda m, x: (*x.topk(2, 1), *m.topk(x, 3, 1, largest=False), *x.topk(1, 0)),
        ([[1.0, 3.0, 3.0, 1.0, 3.0], [2.0, 2.0, 0.0, 2.0, 0.0]],),
        out=[[[3.0, 3.0], [2.0, 2.0]], [[2, 4], [0, 3]], [[1.0, 1.0, 3.0], [0.0, 0.0, 2.0]], [[0, 3, 2], [2, 4, 0]],
             [[2.0, 3.0, 3.0, 2.0, 3.0]], [[1, 0, 0, 1, 0]]],
        grad=[[[[0.0, 0.0, 1.0, 0.0, 2.0], [3.0, 0.0, 0.0, 4.0, 0.0]]], [None],
              [[[1.0, 0.0, 3.0, 2.0, 0.0], [6.0, 0.0, 4.0, 0.0, 5.0]]], [None],
              [[[0.0, 2.0, 3.0, 0.0, 5.0], [1.0, 0.0, 0.0, 4.0, 0.0]]], [None]],
        grad2=[[None], [None], [None], [None], [None], [None]]),
    "kthvalue_ties": Case(
        lambda m, x: (*x.kthvalue(2, 1), *m.kthvalue(x, 4, 1, keepdim=True), *x.kthvalue(1, 0)),
        ([[1.0, 3.0, 3.0, 1.0, 3.0], [2.0, 2.0, 0.0, 2.0, 0.0]],),
        out=[[1.0, 0.0], [0, 4], [[3.0], [2.0]], [[1], [1]], [1.0, 2.0, 0.0, 1.0, 0.0], [0, 1, 1, 0, 1]],
        grad=[[[[1.0, 0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0, 2.0]]], [None],
              [[[0.0, 1.0, 0.0, 0.0, 0.0], [0.0, 2.0, 0.0, 0.0, 0.0]]], [None],
              [[[1.0, 0.0, 0.0, 4.0, 0.0], [0.0, 2.0, 3.0, 0.0, 5.0]]], [None]],
        grad2=[[None], [None], [None], [None], [None], [None]]),
    "median_ties": Case(
        lambda m, x: (x.median(), m.median(x[0]), *x.median(1), *m.median(x, 0, keepdim=True), x.nanmedian(),
                      *x.nanmedian(1)),
        ([[1.0, 3.0, 3.0, 1.0], [3.0, 0.0, 0.0, 3.0], [nan, 2.0, nan, 2.0]],),
        out=[nan, 1.0, [1.0, 0.0, nan], [3, 2, 0], [[nan, 2.0, nan, 2.0]], [[2, 2, 2, 2]], 2.0, [1.0, 0.0, 2.0],
             [3, 2, 1]],
        grad=[[[[0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.5, 0.0, 0.5, 0.0]]],
              [[[0.5, 0.0, 0.0, 0.5], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0]]],
              [[[0.0, 0.0, 0.0, 1.0], [0.0, 0.0, 2.0, 0.0], [3.0, 0.0, 0.0, 0.0]]], [None],
              [[[0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [1.0, 2.0, 3.0, 4.0]]], [None],
              [[[0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.5, 0.0, 0.5]]],
              [[[0.0, 0.0, 0.0, 1.0], [0.0, 0.0, 2.0, 0.0], [0.0, 3.0, 0.0, 0.0]]], [None]],
        grad2=[[None], [None], [None], [None], [None], [None], [None], [None], [None]]),
}


def _weighted_sum(lib: Any, tensors: Any) -> Any:
    """sum(t * w) over the tensors that require grad, w = 1, 2, 3, ... in each (None when none does)."""
    terms = [(t * lib.tensor(np.arange(1.0, t.numel() + 1).reshape(tuple(t.shape)))).sum()
             for t in tensors if t is not None and t.requires_grad]
    return sum(terms[1:], terms[0]) if terms else None


def _grads(lib: Any, loss: Any, xs: list, create_graph: bool) -> list:
    if loss is None:
        return [None] * len(xs)
    return list(lib.autograd.grad(loss, xs, allow_unused=True, retain_graph=True, create_graph=create_graph))


def _as_list(t: Any) -> Any:
    return None if t is None else t.numpy(force=True).tolist()     # force: PyTorch may give a ZeroTensor


def run(lib: Any, case: Case) -> dict:
    """The case's outputs and, for each output, its gradients and second-order gradients (one per input) as
    nested lists, computed with ``lib``."""
    xs = [lib.tensor(np.asarray(a, dtype=np.float64), requires_grad=True) for a in case.inputs]
    result = {"out": [], "grad": [], "grad2": []}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")          # NumPy's and PyTorch's warnings about the NaN they are meant to give
        out = case.fn(lib, *xs)
        for o in out if isinstance(out, (tuple, list)) else [out]:
            grads = _grads(lib, _weighted_sum(lib, [o]), xs, create_graph=True)
            grads2 = _grads(lib, _weighted_sum(lib, grads), xs, create_graph=False)
            result["out"].append(_as_list(o))
            result["grad"].append([_as_list(g) for g in grads])
            result["grad2"].append([_as_list(g) for g in grads2])
    return result


def assert_same(ours: dict, expected: dict) -> None:
    """Equal up to rounding, with NaN and inf in the same places."""
    for key in ("out", "grad", "grad2"):
        a_all, b_all = ours[key], expected[key]
        if key != "out":                         # one list per output, of one gradient per input
            a_all, b_all = sum(a_all, []), sum(b_all, [])
        assert len(a_all) == len(b_all), key
        for i, (a, b) in enumerate(zip(a_all, b_all)):
            if a is None or b is None:           # None: no path from the input, a zero gradient
                assert not np.any(a if b is None else b), (key, i, a, b)
            else:
                np.testing.assert_allclose(np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64),
                                           rtol=1e-12, atol=1e-15, err_msg=f"{key}[{i}]")


@pytest.mark.parametrize("name", CASES)
def test_matches_pasted_torch_values(name):
    case = CASES[name]
    assert_same(run(mt, case), {"out": case.out, "grad": case.grad, "grad2": case.grad2})


@requires_torch
@pytest.mark.parametrize("name", CASES)
def test_matches_torch(name):
    assert_same(run(mt, CASES[name]), run(torch, CASES[name]))
