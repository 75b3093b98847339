"""In-place changes of views are written into the graph of the tensor that owns the memory (PyTorch's CopySlices)."""
import numpy as np
import pytest
from helpers import requires_torch, torch

import microtensor as mt

SCENARIOS = {
    "column_mul_": lambda lib, x, w: _col(lib, x, w),
    "row_setitem_on_view": lambda lib, x, w: _row(lib, x, w),
    "transpose_view_iadd": lambda lib, x, w: _transposed(lib, x, w),
    "reshape_view_copy_": lambda lib, x, w: _reshaped(lib, x, w),
    "view_of_view": lambda lib, x, w: _nested(lib, x, w),
    "view_of_non_contiguous_result": lambda lib, x, w: _non_contiguous(lib, x, w),
}


def _col(lib, x, w):
    y = x * 2
    y[:, 1].mul_(w)
    return y


def _row(lib, x, w):
    y = x * 1.5
    y[0][2] = w[0] * 3
    return y


def _transposed(lib, x, w):
    y = x * 1
    y.t()[1] += w[1]
    return y


def _reshaped(lib, x, w):
    y = x + 0
    y.reshape(3, 2)[2].copy_(w)
    return y


def _nested(lib, x, w):
    y = x * 3
    y[1][1:].sub_(w)
    return y


def _non_contiguous(lib, x, w):
    z = x.t() * 2  # NumPy keeps the transposed (column-major) layout of the operand
    z[1].mul_(w)
    return z.t()


def _run(lib, name):
    x = lib.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], dtype=lib.float64, requires_grad=True)
    w = lib.tensor([0.5, -2.0], dtype=lib.float64, requires_grad=True)
    y = SCENARIOS[name](lib, x, w)
    weights = lib.tensor([[1.0, -2.0, 3.0], [0.5, 1.5, -1.0]], dtype=lib.float64)
    (y * weights).sum().backward()
    return y.detach().numpy(), x.grad.numpy(), w.grad.numpy()


EXPECTED_COL = (np.array([[2.0, 2.0, 6.0], [8.0, -20.0, 12.0]]),
                np.array([[2.0, -2.0, 6.0], [1.0, -6.0, -2.0]]),
                np.array([-8.0, 15.0]))


def test_column_view_gradients_by_hand():
    y, gx, gw = _run(mt, "column_mul_")
    for got, expected in zip((y, gx, gw), EXPECTED_COL):
        np.testing.assert_allclose(got, expected)


@requires_torch
@pytest.mark.parametrize("name", SCENARIOS)
def test_inplace_on_views_matches_torch(name):
    for ours, theirs in zip(_run(mt, name), _run(torch, name)):
        np.testing.assert_allclose(ours, theirs)


def test_non_contiguous_result_is_what_the_scenario_exercises():
    x = mt.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
    assert not (x.t() * 2)._data.flags.c_contiguous
    y, gx, gw = _run(mt, "view_of_non_contiguous_result")
    np.testing.assert_allclose(y, [[2.0, 2.0, 6.0], [8.0, -20.0, 12.0]])


def test_in_place_on_a_view_of_overlapping_memory_raises():
    y = (mt.tensor([1.0, 2.0], requires_grad=True) * 1).expand(3, 2).t()[0]
    with pytest.raises(RuntimeError, match="more than one element of the written-to tensor"):
        y.mul_(2.0)


def test_changing_a_saved_output_through_a_view_raises_at_backward():
    x = mt.tensor([[1.0, 2.0]], requires_grad=True)
    y = x.exp()                      # exp saves its output
    y[0][1] = 0.0
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


def test_view_of_a_leaf_that_requires_grad_refuses_in_place():
    x = mt.zeros(2, 3, requires_grad=True)
    with pytest.raises(RuntimeError, match="a view of a leaf Variable that requires grad"):
        x[0].add_(1)


def test_view_of_a_plain_tensor_gets_history_from_the_value():
    base = mt.zeros(2, 2, dtype=mt.float64)
    w = mt.tensor([1.0, 2.0], dtype=mt.float64, requires_grad=True)
    base[1].copy_(w * w)
    base.sum().backward()
    assert base.requires_grad
    np.testing.assert_allclose(w.grad.numpy(), [2.0, 4.0])


def test_without_grad_in_place_on_views_just_writes_memory():
    base = mt.zeros(2, 3)
    base[:, 1].fill_(7.0)
    base.t()[2] += 1
    assert base.tolist() == [[0.0, 7.0, 1.0], [0.0, 7.0, 1.0]]
