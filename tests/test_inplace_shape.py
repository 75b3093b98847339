"""In-place shape ops (squeeze_, unsqueeze_, t_, transpose_): shapes, version bumps, views and gradients as in
PyTorch, finite differences through them, and their errors."""
import numpy as np
import pytest
from helpers import check_gradients, rand, requires_torch, torch

import microtensor as mt

OPS = {
    "unsqueeze_": lambda x: x.unsqueeze_(1),
    "unsqueeze_neg": lambda x: x.unsqueeze_(-1),
    "squeeze_": lambda x: x.unsqueeze_(0).squeeze_(),
    "squeeze_dim": lambda x: x.unsqueeze_(2).squeeze_(2),
    "squeeze_dims": lambda x: x.unsqueeze_(0).unsqueeze_(0).squeeze_((0, 1)),
    "t_": lambda x: x.t_(),
    "transpose_": lambda x: x.transpose_(0, -1),
}


@pytest.mark.parametrize("name", OPS)
def test_inplace_shape_gradcheck(name):
    check_gradients(lambda x: OPS[name](x * 1) * 2, *rand(0, (2, 3)))


@requires_torch
@pytest.mark.parametrize("on_view", [False, True], ids=["tensor", "view"])
@pytest.mark.parametrize("name", OPS)
def test_inplace_shape_matches_torch(name, on_view):
    a = np.random.default_rng(0).standard_normal((2, 3))
    results = []
    for lib in (mt, torch):
        leaf = lib.tensor(a, requires_grad=True)
        base = leaf * 2
        x = base[:, :] if on_view else base
        version = x._version
        out = OPS[name](x)
        assert out is x
        (x * lib.tensor(np.arange(x.numel(), dtype=np.float64).reshape(tuple(x.shape)))).sum().backward()
        results.append((tuple(x.shape), x._version - version, x.detach().numpy().copy(), leaf.grad.numpy()))
    ours, theirs = results
    assert ours[:2] == theirs[:2]
    np.testing.assert_allclose(ours[2], theirs[2])
    np.testing.assert_allclose(ours[3], theirs[3])


def test_a_view_stays_a_view_of_its_base():
    base = mt.zeros(2, 3)
    v = base[0]
    assert v.unsqueeze_(0) is v and tuple(v.shape) == (1, 3) and v._base is base
    base.add_(1)
    assert v.tolist() == [[1.0, 1.0, 1.0]]
    assert base._version == v._version == 2


def test_a_changed_view_still_gives_its_base_gradients():
    a = mt.tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    c = (a * 2).t()
    c.t_()
    c.mul_(2)
    c.sum().backward()
    assert a.grad.tolist() == [[4.0] * 3] * 2


def test_saved_tensors_see_the_version_bump():
    a = mt.ones(2, 3, requires_grad=True)
    b = a * 1
    y = b * b
    b.unsqueeze_(0)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


@pytest.mark.parametrize("fn, error, match", [
    (lambda: mt.zeros(2, 3, requires_grad=True).unsqueeze_(0), RuntimeError, "a leaf Variable that requires grad"),
    (lambda: mt.zeros(2, 3, requires_grad=True).t_(), RuntimeError, "a leaf Variable that requires grad"),
    (lambda: mt.zeros(2, 3, 4).t_(), RuntimeError, r"t_\(\) expects a tensor with <= 2 dimensions, but self is 3D"),
    (lambda: mt.zeros(2).unsqueeze_(3), IndexError, "Dimension out of range"),
    (lambda: mt.zeros(2, 3).transpose_(0, 2), IndexError, "Dimension out of range"),
])
def test_inplace_shape_errors(fn, error, match):
    with pytest.raises(error, match=match):
        fn()


def test_leaf_may_change_shape_under_no_grad():
    a = mt.zeros(2, requires_grad=True)
    with mt.no_grad():
        a.unsqueeze_(0)
    assert tuple(a.shape) == (1, 2) and a.requires_grad and a.is_leaf
