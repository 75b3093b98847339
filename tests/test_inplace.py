"""In-place ops: PyTorch's leaf rule, version counters, rebased history, the NumPy path under no_grad."""
import numpy as np
import pytest
from helpers import broadcastable_to, check_gradients, compare_with_torch, rand, requires_torch, seeds, torch
from hypothesis import example, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes

import microtensor as mt

# name -> (in-place call, input domain); every call works on mt and torch tensors alike
INPLACE = {
    "add_": (lambda y, x: y.add_(x, alpha=2), None), "sub_": (lambda y, x: y.sub_(x), None),
    "mul_": (lambda y, x: y.mul_(x), None), "div_": (lambda y, x: y.div_(x.abs() + 1), None),
    "pow_": (lambda y, x: y.pow_(2), None), "iadd": (lambda y, x: y.__iadd__(x * 3), None),
    "imul": (lambda y, x: y.__imul__(x), None), "itruediv": (lambda y, x: y.__itruediv__(2.0), None),
    "isub": (lambda y, x: y.__isub__(x), None), "ipow": (lambda y, x: y.__ipow__(3), None),
    "imod": (lambda y, x: y.__imod__(0.7), None), "remainder_": (lambda y, x: y.remainder_(x.abs() + 0.5), None),
    "fmod_": (lambda y, x: y.fmod_(1.3), None), "zero_": (lambda y, x: y.zero_(), None),
    "fill_": (lambda y, x: y.fill_(2.5), None), "fill_tensor": (lambda y, x: y.fill_(x.sum()), None),
    "copy_": (lambda y, x: y.copy_(x * 2), None), "copy_broadcast": (lambda y, x: y.copy_(x[:1] * 3), None),
    "clamp_": (lambda y, x: y.clamp_(-0.5, 0.5), None), "clip_": (lambda y, x: y.clip_(min=x * 0.5), None),
    "clamp_min_": (lambda y, x: y.clamp_min_(0.1), None), "clamp_max_": (lambda y, x: y.clamp_max_(0.1), None),
    "neg_": (lambda y, x: y.neg_(), None), "exp_": (lambda y, x: y.exp_(), None),
    "sqrt_": (lambda y, x: y.abs_().add_(0.5).sqrt_(), None), "relu_": (lambda y, x: y.relu_(), None),
    "sigmoid_": (lambda y, x: y.sigmoid_(), None), "tanh_": (lambda y, x: y.tanh_(), None),
    "abs_": (lambda y, x: y.abs_(), None), "sin_": (lambda y, x: y.sin_(), None),
    "log_": (lambda y, x: y.abs_().log_(), None), "reciprocal_": (lambda y, x: y.reciprocal_(), None),
    "square_": (lambda y, x: y.square_(), None), "erf_": (lambda y, x: y.erf_(), None),
    "floor_": (lambda y, x: y.floor_(), None), "round_": (lambda y, x: y.round_(decimals=1), None),
    "frac_": (lambda y, x: y.frac_(), None), "atan2_": (lambda y, x: y.atan2_(x), None),
    "lerp_": (lambda y, x: y.lerp_(x * 3, 0.25), None), "addcmul_": (lambda y, x: y.addcmul_(x, x, value=2), None),
    "addcdiv_": (lambda y, x: y.addcdiv_(x, x.abs() + 1, value=0.5), None),
}

DATA = np.array([[0.3, -1.2, 0.8], [1.5, -0.4, 2.2]])


@requires_torch
@pytest.mark.parametrize("name", INPLACE)
def test_history_on_non_leaf_matches_torch(name):
    """y = x * 2; y.op_(...); y = y + x: the gradient flows through the rewritten history, as in torch."""
    op, _ = INPLACE[name]

    def fn(x):
        y = x * 2
        out = op(y, x)
        assert out is y
        return y + x

    compare_with_torch(fn, DATA)
    compare_with_torch(fn, DATA.astype(np.float32))


FUNCTION_FORMS = {"zero_": (), "fill_": (2.5,), "clamp_": (-0.5, 0.5), "relu_": ()}


@requires_torch
@pytest.mark.parametrize("name", FUNCTION_FORMS)
def test_function_forms_match_torch(name):
    """torch.zero_(y) etc.: the function form changes its argument in place and returns it."""
    def call(lib):
        def fn(x):
            y = x * 2
            assert getattr(lib, name)(y, *FUNCTION_FORMS[name]) is y
            return y + x
        return fn

    compare_with_torch(call(mt), DATA, torch_fn=call(torch))


@requires_torch
def test_brief_example_matches_torch():
    def fn(x):
        y = x * 2
        y.mul_(3)
        y.add_(x)
        return y

    compare_with_torch(fn, DATA)
    x = mt.tensor(DATA, requires_grad=True)
    y = x * 2
    y.mul_(3)
    y.add_(x)
    y.sum().backward()
    assert x.grad.tolist() == [[7.0] * 3] * 2


@pytest.mark.parametrize("name", INPLACE)
def test_no_grad_path_matches_out_of_place(name):
    """Under no_grad on a leaf that requires grad: allowed, the same memory is written, the version bumps."""
    op, _ = INPLACE[name]
    x = mt.tensor(DATA, requires_grad=True)
    expected_input = mt.tensor(DATA)
    with mt.enable_grad():
        expected = op(expected_input.clone(), mt.tensor(DATA))
    memory = x._data
    version = x._version
    with mt.no_grad():
        out = op(x, mt.tensor(DATA))
    assert out is x and x._data is memory
    assert x._version > version
    assert x.requires_grad and x.grad_fn is None
    np.testing.assert_allclose(x.detach().numpy(), expected.numpy(), rtol=1e-12)


@pytest.mark.parametrize("name", INPLACE)
def test_leaf_that_requires_grad_is_refused(name):
    op, _ = INPLACE[name]
    x = mt.tensor(DATA, requires_grad=True)
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad is being used in an in-place"):
        op(x, mt.tensor(DATA))
    assert x._version == 0 and x.tolist() == DATA.tolist()


# ----------------------------------------------------------------------------- finite differences, no torch
def _iadd(y, b):
    y += b
    return y


def _isub(y, b):
    y -= b * 2
    return y


def _imul(y, b):
    y *= b
    return y


def _itruediv(y, b):
    y /= b.abs() + 0.5
    return y


def _iops_scalar(y, b):
    y += 1.5
    y *= -2.0
    y /= 4.0
    y -= 0.25
    return y


# name -> in-place call on y (a non-leaf of the target's shape) with b, whose shape broadcasts TO y's
GRADCHECK = {
    "add_": lambda y, b: y.add_(b), "add_alpha": lambda y, b: y.add_(b, alpha=0.5),
    "add_neg_alpha": lambda y, b: y.add_(b * b, alpha=-2), "add_scalar": lambda y, b: y.add_(3.0),
    "sub_": lambda y, b: y.sub_(b), "sub_alpha": lambda y, b: y.sub_(b, alpha=1.5),
    "mul_": lambda y, b: y.mul_(b), "mul_scalar": lambda y, b: y.mul_(-0.5),
    "div_": lambda y, b: y.div_(b.abs() + 0.5), "div_scalar": lambda y, b: y.div_(4.0),
    "zero_": lambda y, b: y.zero_(), "zero_fn": lambda y, b: mt.zero_(y),
    "fill_": lambda y, b: y.fill_(2.5), "fill_tensor": lambda y, b: y.fill_((b * b).sum()),
    "clamp_": lambda y, b: y.clamp_(-0.5, 0.5), "clamp_min_tensor": lambda y, b: y.clamp_(min=b),
    "clamp_both_tensors": lambda y, b: y.clamp_(b - 0.5, b + 0.5), "clamp_fn": lambda y, b: mt.clamp_(y, max=0.2),
    "copy_": lambda y, b: y.copy_(b * 2), "copy_square": lambda y, b: y.copy_(b * b),
    "iadd": _iadd, "isub": _isub, "imul": _imul, "itruediv": _itruediv, "iops_scalar": _iops_scalar,
    "chain": lambda y, b: y.mul_(b).add_(b, alpha=3).div_(b * b + 1),
}


@st.composite
def target_and_other(draw):
    """(the in-place target's shape, the other operand's shape): 0-d and size-1 dims, other broadcast to target."""
    target = draw(array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=3))
    return target, broadcastable_to(draw, target)


@pytest.mark.parametrize("name", GRADCHECK)
@given(pair=target_and_other(), seed=seeds)
@example(pair=((2, 3), (2, 3)), seed=0).via("same shape")
@example(pair=((2, 1, 3), (1, 3)), seed=1).via("size-1 and dropped leading dims")
@example(pair=((3, 2), (3, 1)), seed=2).via("stretched trailing dim")
@settings(max_examples=4, deadline=None, derandomize=True)
def test_inplace_gradcheck(name, pair, seed):
    """y = a * 1; y.op_(b) rewrites y's history: d/da and d/db of (y * a) (first and second order) by central
    differences, b broadcast to a's shape."""
    def fn(a, b):
        y = a * 1
        out = GRADCHECK[name](y, b)
        assert out is y and out.shape == a.shape
        return y * a          # uses the new value and the leaf: a wrong or missing rebase shows in d/da

    check_gradients(fn, *rand(seed, *pair))


# name -> in-place call on a view v of y (v = y[index]) with b broadcast to v's shape
VIEW_INDEX = {"row": 0, "strided_columns": (slice(None), slice(None, None, 2)), "all": ...}
VIEW_OPS = {"add_alpha": lambda v, b: v.add_(b, alpha=2), "imul": _imul, "copy_": lambda v, b: v.copy_(b * 3)}


@pytest.mark.parametrize("index", VIEW_INDEX)
@pytest.mark.parametrize("name", VIEW_OPS)
@given(data=st.data(), seed=seeds)
@settings(max_examples=3, deadline=None, derandomize=True)
def test_inplace_on_view_gradcheck(name, index, data, seed):
    """An in-place op through a view of a non-leaf reaches the base's history (PyTorch's CopySlices)."""
    target = data.draw(st.tuples(st.integers(1, 3), st.integers(2, 3)), label="base")
    other = broadcastable_to(data.draw, np.empty(target)[VIEW_INDEX[index]].shape)

    def fn(a, b):
        y = a * 1
        v = y[VIEW_INDEX[index]]
        assert VIEW_OPS[name](v, b) is v
        return y * a + v.sum()

    check_gradients(fn, *rand(seed, target, other))


def test_modified_saved_tensors_raise_at_backward():
    x = mt.tensor(DATA, requires_grad=True)
    y = x * 1
    z = y.sin()                # saves its input y
    y.mul_(2)
    with pytest.raises(RuntimeError, match="modified by an inplace operation.*is at version 1; expected version 0"):
        z.sum().backward()
    out = x.exp()              # saves its output
    out.add_(1)
    with pytest.raises(RuntimeError, match="output 0 of ExpBackward0"):
        out.sum().backward()
    for fn in (mt.tanh, mt.sigmoid, mt.sqrt):
        out = fn(x.abs() + 0.1)
        out.zero_()
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            out.sum().backward()
    y = x * 1
    z = y + 1                  # add saves nothing: modifying y afterwards is fine
    y.exp_()
    z.sum().backward()
    assert x.grad.tolist() == [[1.0] * 3] * 2


def test_version_counter_shared_with_detach_and_views():
    x = mt.tensor([1.0, 2.0])
    d = x.detach()
    x.add_(1)
    assert x._version == d._version == 1
    d.mul_(2)
    assert x.tolist() == [4.0, 6.0] and x._version == 2
    view = x._data
    x.clamp_(max=5.0)
    x.zero_()
    assert view.tolist() == [0.0, 0.0] and x._version == 4


@requires_torch
def test_copy_and_fill_gradients_match_torch():
    src = np.array([[1.0, -2.0, 3.0]])

    def copy_fn(x, s):
        y = x * 1
        y.copy_(s * 2)
        return y * y

    compare_with_torch(copy_fn, np.ones((2, 3)), src)

    def fill_fn(x, v):
        y = x * 3
        y.fill_(v.sum())
        return y * x

    compare_with_torch(fill_fn, np.ones((2, 3)), src)

    def zero_fn(x):
        y = x * 3
        y.zero_()
        return y + x

    compare_with_torch(zero_fn, src)


def test_copy_converts_dtypes_and_broadcasts():
    t = mt.zeros(2, 3, dtype=mt.int64)
    t.copy_(mt.tensor([1.7, -2.7, 3.2]))
    assert t.tolist() == [[1, -2, 3], [1, -2, 3]] and t.dtype == mt.int64
    t.fill_(7.9)
    assert t.tolist() == [[7, 7, 7], [7, 7, 7]]
    f = mt.zeros(2)
    f.copy_([1, 2])
    assert f.tolist() == [1.0, 2.0] and f.dtype == mt.float32
    leaf = mt.zeros(3)
    src = mt.tensor([1.0, 2.0, 3.0], requires_grad=True)
    leaf.copy_(src)            # a leaf that does not require grad takes src's history
    assert leaf.requires_grad and leaf.grad_fn is not None
    (leaf * 2).sum().backward()
    assert src.grad.tolist() == [2.0, 2.0, 2.0]


def test_integer_and_bool_inplace_ops():
    i = mt.tensor([7, -7, 9])
    i //= 2
    assert i.tolist() == [3, -4, 4]
    i %= 3
    assert i.tolist() == [0, 2, 1] and i.dtype == mt.int64
    i &= 6
    assert i.tolist() == [0, 2, 0]
    i |= 1
    assert i.tolist() == [1, 3, 1]
    i ^= 2
    assert i.tolist() == [3, 1, 3]
    b = mt.tensor([True, False, True])
    b &= mt.tensor([True, True, False])
    assert b.tolist() == [True, False, False] and b.dtype == mt.bool
    b |= True
    assert b.tolist() == [True, True, True]
    i.relu_()
    i.clamp_(max=2)
    assert i.tolist() == [2, 1, 2]


def test_errors():
    i = mt.tensor([1, 2])
    with pytest.raises(RuntimeError, match="exp_: result type float32 can't be cast to the desired output type int64"):
        i.exp_()
    with pytest.raises(RuntimeError, match="div_: result type float32 can't be cast to the desired output type int64"):
        i /= 2
    with pytest.raises(RuntimeError, match="ZeroDivisionError"):
        i %= 0
    with pytest.raises(RuntimeError, match="ZeroDivisionError"):
        i //= mt.tensor([1, 0])
    with pytest.raises(RuntimeError, match="bitwise_and"):
        f = mt.ones(2)
        f &= 1
    with pytest.raises(RuntimeError, match=r"add_: output with shape \[3\] doesn't match the broadcast shape \[2, 3\]"):
        mt.ones(3).add_(mt.ones(2, 3))
    with pytest.raises(RuntimeError, match=r"copy_: shapes \[2\] and \[3\] cannot be broadcast"):
        mt.ones(2).copy_(mt.ones(3))
    with pytest.raises(RuntimeError, match=r"copy_: the source of shape \[2, 1\] can't be broadcast to the "
                                           r"destination's shape \[3\]"):
        mt.ones(3).copy_(mt.ones(2, 1))
    with pytest.raises(RuntimeError, match="fill_ only supports 0-dimension value tensor but got tensor with 1"):
        mt.ones(3).fill_(mt.ones(1))
    with pytest.raises(RuntimeError, match="Subtraction, the `-` operator, with two bool tensors"):
        b = mt.tensor([True])
        b -= b
    with pytest.raises(RuntimeError, match="At least one of 'min' or 'max'"):
        mt.ones(2).clamp_()


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
@pytest.mark.parametrize("view", ["column", "column_1d", "every_other_row", "transpose"])
def test_neg_in_place_through_a_strided_view(dtype, view):
    """NumPy 2.4.6's in-place float32 negative writes wrong values through a strided view; neg_ must not."""
    data = np.arange(16.0).reshape(4, 4)
    x = mt.tensor(data, dtype=getattr(mt, dtype))
    pick = {"column": lambda t: t[:, 0:1], "column_1d": lambda t: t[:, 1], "every_other_row": lambda t: t[::2],
            "transpose": lambda t: t.T}[view]
    pick(x).neg_()
    expected = data.copy()
    region = pick(expected)
    region *= -1
    np.testing.assert_array_equal(x.numpy(), expected)
