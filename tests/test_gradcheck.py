"""gradcheck / gradgradcheck: they pass on correct ops and name the input, element and both values on wrong ones."""
import re

import numpy as np
import pytest

import microtensor as mt
from microtensor.autograd import GradcheckError, gradcheck, gradgradcheck


def inputs(*shapes, seed=0):
    rng = np.random.default_rng(seed)
    return tuple(mt.tensor(rng.standard_normal(s), dtype=mt.float64, requires_grad=True) for s in shapes)


class WrongSecondInput(mt.autograd.Function):
    """out = a * b, but the gradient of b is off by 10% (a deliberate bug)."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a * b

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        return grad * b, grad * a * 1.1


class FirstOrderOnly(mt.autograd.Function):
    """out = x ** 3 with a correct gradient whose own derivative is wrong (it detaches x)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x * x

    @staticmethod
    def backward(ctx, grad):
        x, = ctx.saved_tensors
        return grad * 3 * x.detach() ** 2


def test_pass_on_correct_ops():
    a, b = inputs((2, 3), (3,))
    assert gradcheck(lambda x, y: (x * y).exp().sum(0) / (1 + y * y), (a, b))
    assert gradgradcheck(lambda x, y: (x * y).exp().sum(0) / (1 + y * y), (a, b))
    assert gradcheck(lambda x: x.reshape(3, 2).expand(2, 3, 2).mean(), a)   # a single tensor, not a tuple
    c = mt.tensor([1.0, 2.0], dtype=mt.float64)                            # inputs that need no grad are skipped
    assert gradcheck(lambda x, k: x * k, (b[:2].detach().requires_grad_(), c))


def test_several_outputs():
    a, = inputs((3,))
    assert gradcheck(lambda x: (x.exp(), (x * x).sum()), (a,))
    assert gradgradcheck(lambda x: (x.exp(), (x * x).sum()), (a,))


def test_error_names_input_element_and_both_values():
    a, b = inputs((2, 2), (2, 2))
    with pytest.raises(GradcheckError) as info:
        gradcheck(WrongSecondInput.apply, (a, b))
    msg = str(info.value)
    assert "with respect to input 1" in msg and "element (0, 0)" in msg
    analytical, numerical = (float(v) for v in re.search(r"analytical (\S+) vs numerical (\S+)", msg).groups())
    assert analytical == pytest.approx(1.1 * numerical, rel=1e-6)
    assert numerical == pytest.approx(a.detach().numpy()[0, 0], rel=1e-6)   # d(a*b)[0,0]/db[0,0] = a[0,0]


def test_raise_exception_false_returns_false():
    a, b = inputs((2, 2), (2, 2))
    assert gradcheck(WrongSecondInput.apply, (a, b), raise_exception=False) is False
    x, = inputs((3,))
    assert gradcheck(FirstOrderOnly.apply, (x,))                         # the first order is right ...
    assert gradgradcheck(FirstOrderOnly.apply, (x,), raise_exception=False) is False   # ... the second is not
    with pytest.raises(GradcheckError, match="Jacobian mismatch"):
        gradgradcheck(FirstOrderOnly.apply, (x,))


def test_tolerances_are_honoured():
    a, b = inputs((2,), (2,))
    assert gradcheck(WrongSecondInput.apply, (a, b), rtol=0.2, atol=1e-3)
    assert not gradcheck(WrongSecondInput.apply, (a, b), rtol=0.01, raise_exception=False)


def test_inputs_are_left_unchanged():
    a, = inputs((2, 2))
    before = a.detach().numpy().copy()
    gradcheck(lambda x: x.exp(), (a,))
    gradgradcheck(lambda x: x.exp(), (a,))
    np.testing.assert_array_equal(a.detach().numpy(), before)
    assert a.grad is None


def test_zero_size_and_scalar_inputs():
    a = mt.tensor(0.7, dtype=mt.float64, requires_grad=True)
    assert gradcheck(lambda x: x.exp() * x, (a,))
    assert gradgradcheck(lambda x: x.exp() * x, (a,))
    empty = mt.tensor(np.zeros((0, 3)), dtype=mt.float64, requires_grad=True)
    assert gradcheck(lambda x: x * 2, (empty,))
