"""In-place changes of views are written into the graph of the tensor that owns the memory (PyTorch's CopySlices)."""
import contextlib

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


# ----------------------------------------------------------------------------- issue 19's reproducers, by name
def test_view_taken_before_an_in_place_op_on_its_base_follows_the_new_history():
    x = mt.tensor([1., 2.], requires_grad=True)
    y = x * 1
    v = y.view(2)
    y.mul_(3)
    v.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [3., 3.])
    assert v.tolist() == [3., 6.]


def test_slice_taken_before_neg_on_its_base_gets_the_sign_of_the_new_history():
    x = mt.tensor([1., 2.], requires_grad=True)
    y = x * 2
    v = y[0:1]
    y.neg_()
    v.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [-2., 0.])


def test_in_place_op_through_a_zero_dim_view_keeps_its_own_derivative():
    x = mt.tensor([-2., .1, 3.], requires_grad=True)
    y = x * 1
    y[0].clamp_(-.5, .5)
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0., 1., 1.])


@pytest.mark.parametrize("view", ["t", "view", "reshape", "permute", "squeeze", "unsqueeze", "expand", "T"])
def test_change_through_any_view_under_no_grad_makes_backward_raise(view):
    make = {"t": lambda y: y.t(), "view": lambda y: y.view(6), "reshape": lambda y: y.reshape(3, 2),
            "permute": lambda y: y.permute(1, 0), "squeeze": lambda y: y.unsqueeze(0).squeeze(0),
            "unsqueeze": lambda y: y.unsqueeze(1), "expand": lambda y: y.expand(2, 2, 3), "T": lambda y: y.T}[view]
    x = mt.ones(2, 3, requires_grad=True)
    y = (x * 1).sigmoid()
    with mt.no_grad():
        if view == "expand":       # an expanded view refuses elementwise writes; its base is changed instead
            make(y)
            y.mul_(2)
        else:
            make(y).mul_(2)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


@pytest.mark.parametrize("flip", ["flip", "flipud", "fliplr"])
def test_flips_are_copies(flip):
    y = mt.tensor([[1., 2., 3.]])
    getattr(y, flip)(*((0,) if flip == "flip" else ())).add_(10)
    assert y.tolist() == [[1., 2., 3.]]


def test_view_of_a_transpose_raises_as_pytorch():
    x = mt.ones(2, 3)
    with pytest.raises(RuntimeError, match="view size is not compatible with input tensor's size and stride"):
        x.t().view(6)
    assert x.t().reshape(6).tolist() == [1.] * 6


def test_view_of_a_channels_first_convolution_output_shares_its_memory():
    x, w = mt.randn(2, 3, 5, 5), mt.randn(4, 3, 3, 3)
    y = mt.nn.functional.conv2d(x, w)
    flat = y.view(2, -1)         # y's layout is private: it moves to row-major memory, then the view aliases it
    flat.zero_()
    assert not y.numpy().any() and flat._base is y


@requires_torch
def test_restricted_views_raise_as_pytorch():
    def no_grad_view(lib):
        x = lib.ones(3, requires_grad=True)
        with lib.no_grad():
            v = x[:2]
        v.mul_(2)

    def multi_output_view(lib):
        a, _ = (lib.ones(2, requires_grad=True) * 1).unbind(0)
        a.mul_(2)

    def multi_output_view_used_after_its_base_changed(lib):
        b = lib.ones(2, requires_grad=True) * 1
        a, _ = b.unbind(0)
        b.mul_(2)
        a * 1

    for fn in (no_grad_view, multi_output_view, multi_output_view_used_after_its_base_changed):
        with pytest.raises(RuntimeError) as theirs:
            fn(torch)
        with pytest.raises(RuntimeError) as ours:
            fn(mt)
        assert str(ours.value) == str(theirs.value)


@requires_torch
@pytest.mark.parametrize("case", ["expanded add_", "expanded masked_fill_", "partial overlap", "full overlap",
                                  "disjoint", "strided"])
def test_overlap_checks_match_pytorch(case):
    def run(lib):
        base = lib.zeros(1).expand(3) if case.startswith("expanded") else lib.ones(4, 4)
        if case == "expanded add_":
            base.add_(1)
        elif case == "expanded masked_fill_":
            base.masked_fill_(lib.tensor([True, False, True]), 2.)
        elif case == "partial overlap":
            base.add_(base[0])
        elif case == "full overlap":
            base.add_(base.view(16).view(4, 4))
        elif case == "disjoint":
            base[:2].add_(base[2:])
        else:
            base[::2].add_(base[1::2])
        return base.tolist()

    def warns():
        if case == "expanded masked_fill_":
            return pytest.warns(UserWarning, match="on expanded tensors is deprecated")
        return contextlib.nullcontext()

    try:
        with warns():
            expected = run(torch)
    except RuntimeError as error:
        with pytest.raises(RuntimeError, match="refer"):
            run(mt)
        assert "refer" in str(error)
        return
    with warns():
        assert run(mt) == expected


@pytest.mark.parametrize("layout", ["contiguous", "transposed", "3d_permuted", "strided", "expanded", "one_element"])
def test_dense_is_true_for_every_gapless_layout_only(layout):
    from microtensor.ops.overlap import _dense
    a = np.zeros((2, 3, 4))
    array, dense = {"contiguous": (a, True), "transposed": (a.T, True), "3d_permuted": (a.transpose(1, 0, 2), True),
                    "strided": (a[:, ::2], False), "expanded": (np.broadcast_to(a[:1], (3, 3, 4)), False),
                    "one_element": (a[:1, :1, :1], True)}[layout]
    assert _dense(array) == dense
