"""fmax and fmin: NumPy's NaN rules, PyTorch's dtype promotion and its gradient (ties and NaN pairs to input),
finite differences of first and second order, the PyTorch oracle."""
import math

import numpy as np
import pytest
from helpers import broadcast_pairs, check_gradients, compare_with_torch, rand, requires_torch, seeds, torch
from hypothesis import given, settings

import microtensor as mt

NAN = math.nan
OPS = ["fmax", "fmin"]


def _call(name, method):
    if method:
        return lambda a, b: getattr(a, name)(b)
    return lambda a, b: getattr(mt if isinstance(a, mt.Tensor) else torch, name)(a, b)


@pytest.mark.parametrize("method", [False, True])
@pytest.mark.parametrize("name", OPS)
@given(pair=broadcast_pairs, seed=seeds)
@settings(max_examples=10)
def test_gradcheck(name, method, pair, seed):
    check_gradients(_call(name, method), *rand(seed, *pair.input_shapes))


@requires_torch
@pytest.mark.filterwarnings("ignore:invalid value encountered")
@pytest.mark.parametrize("name", OPS)
def test_values_and_gradients_match_torch(name):
    a = np.array([1.0, NAN, 3.0, NAN, 2.0, -0.0, np.inf])
    b = np.array([2.0, 2.0, NAN, NAN, 2.0, 0.0, 1.0])
    compare_with_torch(_call(name, False), a, b)
    for shapes in [[(3, 1), (1, 4)], [(), (2, 3)], [(0, 3), (3,)]]:
        for dtype in (np.float32, np.float64):
            compare_with_torch(_call(name, True), *[x.astype(dtype) for x in rand(3, *shapes)])


@requires_torch
@pytest.mark.parametrize("name", OPS)
@pytest.mark.parametrize("dtypes", [("int64", "float32"), ("int32", "int64"), ("bool", "bool"),
                                    ("float32", "float64"), ("uint8", "int8")])
def test_dtype_promotion_matches_torch(name, dtypes):
    a, b = np.array([1, 0, 3]), np.array([2, 0, 1])
    ours = getattr(mt, name)(mt.tensor(a.astype(dtypes[0])), mt.tensor(b.astype(dtypes[1])))
    theirs = getattr(torch, name)(torch.tensor(a.astype(dtypes[0])), torch.tensor(b.astype(dtypes[1])))
    assert ours.dtype.name == str(theirs.dtype)[6:]
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


@pytest.mark.parametrize("name", OPS)
def test_errors_name_the_op(name):
    with pytest.raises(TypeError, match=rf"{name}\(\): argument 'other' \(position 2\) must be Tensor, not int"):
        getattr(mt, name)(mt.ones(2), 2)
    with pytest.raises(RuntimeError, match=r"\(2\) must match the size of tensor b \(3\)"):
        getattr(mt, name)(mt.ones(2), mt.ones(3))


def test_ties_send_the_gradient_to_input():
    a, b = mt.tensor([1.0, 2.0], requires_grad=True), mt.tensor([1.0, NAN], requires_grad=True)
    mt.fmin(a, b).sum().backward()
    assert a.grad.tolist() == [1.0, 1.0] and b.grad.tolist() == [0.0, 0.0]
