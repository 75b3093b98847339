"""autograd.functional: jacobian, hessian, vjp, jvp, hvp, vhp, with PyTorch's signatures and result structures."""
import numpy as np
import pytest
from helpers import requires_torch, torch

import microtensor as mt
from microtensor.autograd import functional as F

rng = np.random.default_rng(0)
A, W, U = rng.standard_normal(3), rng.standard_normal((2, 3)), rng.standard_normal(2)


def two_in_two_out(x, w):
    return (w @ x).tanh(), (x * x).sum()


def scalar(x, w):
    return ((w @ x).tanh() ** 2).sum() + (x ** 3).sum() * w.sum()


def elementwise(x):
    return x.exp() * x


def numeric_jacobian(f, arrays, k, eps=1e-6):
    """d f(arrays) / d arrays[k] by central differences, shaped out.shape + in.shape."""
    base = np.asarray(f(*[mt.tensor(a) for a in arrays]).numpy())
    jac = np.empty(base.shape + arrays[k].shape)
    for idx in np.ndindex(arrays[k].shape):
        vals = []
        for sign in (1, -1):
            shifted = [a.copy() for a in arrays]
            shifted[k][idx] += sign * eps
            vals.append(f(*[mt.tensor(a) for a in shifted]).numpy())
        jac[(...,) + idx] = (vals[0] - vals[1]) / (2 * eps)
    return jac


def structure(result):
    """The nesting and shapes of a result: tuples of shapes."""
    if isinstance(result, tuple):
        return tuple(structure(r) for r in result)
    assert isinstance(result, mt.Tensor)
    return tuple(result.shape)


# ----------------------------------------------------------------------------- structures and values
def test_jacobian_structures():
    x, w = mt.tensor(A), mt.tensor(W)
    assert structure(F.jacobian(elementwise, x)) == (3, 3)
    assert structure(F.jacobian(lambda a: (a.exp(), a.sum()), x)) == ((3, 3), (3,))
    assert structure(F.jacobian(scalar, (x, w))) == ((3,), (2, 3))
    assert structure(F.jacobian(two_in_two_out, (x, w))) == (((2, 3), (2, 2, 3)), ((3,), (2, 3)))


def test_jacobian_matches_finite_differences():
    jac = F.jacobian(two_in_two_out, (mt.tensor(A), mt.tensor(W)))
    for i in range(2):
        for k in range(2):
            expected = numeric_jacobian(lambda *t: two_in_two_out(*t)[i], [A, W], k)
            np.testing.assert_allclose(jac[i][k].numpy(), expected, rtol=1e-6, atol=1e-8)


def test_hessian_structure_and_values():
    h = F.hessian(lambda x: (x ** 3).sum() * x[0], mt.tensor(A))
    assert structure(h) == (3, 3)
    blocks = F.hessian(scalar, (mt.tensor(A), mt.tensor(W)))
    assert structure(blocks) == (((3, 3), (3, 2, 3)), ((2, 3, 3), (2, 3, 2, 3)))
    # each block is the Jacobian of the gradient
    for i in range(2):
        for k in range(2):
            expected = numeric_jacobian(lambda *t: F.jacobian(scalar, t)[i], [A, W], k)
            np.testing.assert_allclose(blocks[i][k].numpy(), expected, rtol=1e-6, atol=1e-7)


def test_vjp_jvp_hvp_vhp_are_the_products_with_the_jacobian_and_hessian():
    x, w = mt.tensor(A), mt.tensor(W)
    jac = F.jacobian(lambda a, b: two_in_two_out(a, b)[0], (x, w))
    out, (vx, vw) = F.vjp(lambda a, b: two_in_two_out(a, b)[0], (x, w), mt.tensor(U))
    np.testing.assert_allclose(out.numpy(), np.tanh(W @ A))
    np.testing.assert_allclose(vx.numpy(), np.tensordot(U, jac[0].numpy(), 1), rtol=1e-12)
    np.testing.assert_allclose(vw.numpy(), np.tensordot(U, jac[1].numpy(), 1), rtol=1e-12)

    tx, tw = rng.standard_normal(3), rng.standard_normal((2, 3))
    outs, (jv0, jv1) = F.jvp(two_in_two_out, (x, w), (mt.tensor(tx), mt.tensor(tw)))
    assert isinstance(outs, tuple) and len(outs) == 2
    full = F.jacobian(two_in_two_out, (x, w))
    for jv, row in zip((jv0, jv1), full):
        expected = (np.tensordot(row[0].numpy(), tx, 1) + np.tensordot(row[1].numpy(), tw, 2))
        np.testing.assert_allclose(jv.numpy(), expected, rtol=1e-10, atol=1e-12)

    h = F.hessian(scalar, (x, w))
    expected_x = np.tensordot(h[0][0].numpy(), tx, 1) + np.tensordot(h[0][1].numpy(), tw, 2)
    expected_w = np.tensordot(h[1][0].numpy(), tx, 1) + np.tensordot(h[1][1].numpy(), tw, 2)
    for fn in (F.hvp, F.vhp):
        value, (hx, hw) = fn(scalar, (x, w), (mt.tensor(tx), mt.tensor(tw)))
        assert value.shape == ()
        np.testing.assert_allclose(hx.numpy(), expected_x, rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(hw.numpy(), expected_w, rtol=1e-10, atol=1e-12)


def test_single_tensor_inputs_give_single_tensors_and_v_may_be_omitted_for_scalars():
    x = mt.tensor(0.7, dtype=mt.float64)
    out, g = F.vjp(lambda a: a.exp() * a, x)
    assert isinstance(g, mt.Tensor) and g.item() == pytest.approx(np.exp(0.7) * 1.7)
    out, j = F.jvp(lambda a: a.exp() * a, x)
    assert j.item() == pytest.approx(np.exp(0.7) * 1.7)
    out, h = F.hvp(lambda a: a.exp() * a, x)
    assert h.item() == pytest.approx(np.exp(0.7) * 2.7)


def test_results_are_detached_and_the_inputs_untouched_without_create_graph():
    x = mt.tensor(A, requires_grad=True)
    h = x * 2                                 # an input with history
    out, g = F.vjp(lambda a: (a * a).sum(), h)
    jac = F.jacobian(elementwise, h)
    for t in (out, g, jac):
        assert not t.requires_grad and t.grad_fn is None
    assert x.grad is None and h.grad_fn.name() == "MulBackward0"


def test_create_graph_keeps_the_results_differentiable_back_to_the_inputs():
    x = mt.tensor(A, requires_grad=True)
    _, g = F.vjp(lambda a: (a ** 3).sum(), x, create_graph=True)     # g = 3 x^2
    g.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 6 * A, rtol=1e-12)
    x.grad = None
    jac = F.jacobian(elementwise, x, create_graph=True)             # diag((1 + x) e^x)
    jac.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), (2 + A) * np.exp(A), rtol=1e-12)
    x.grad = None
    h = F.hessian(lambda a: (a ** 4).sum(), x, create_graph=True)   # diag(12 x^2)
    h.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 24 * A, rtol=1e-12)


def test_independent_inputs_give_zeros_or_strict_errors():
    x, y = mt.tensor(A), mt.tensor(U)
    jac = F.jacobian(lambda a, b: a * 2, (x, y))
    np.testing.assert_array_equal(jac[1].numpy(), np.zeros((3, 2)))
    with pytest.raises(RuntimeError, match="Output 0 of the user-provided function is independent of input 1. "
                                           "This is not allowed in strict mode."):
        F.jacobian(lambda a, b: a * 2, (x, y), strict=True)
    _, (gx, gy) = F.vjp(lambda a, b: (a * a).sum(), (x, y))
    np.testing.assert_array_equal(gy.numpy(), [0.0, 0.0])
    with pytest.raises(RuntimeError, match="The output of the user-provided function is independent of input 1"):
        F.vjp(lambda a, b: (a * a).sum(), (x, y), strict=True)
    with pytest.raises(RuntimeError, match="Output 0 of the user-provided function does not require gradients"):
        F.vjp(lambda a: mt.ones(1).sum(), x, strict=True)
    with pytest.raises(RuntimeError, match="jacobian of the user-provided function with respect to input 0 is "
                                           "independent of the input"):
        F.hessian(lambda a: (a * 2).sum(), x, strict=True)
    h = F.hessian(lambda a: (a * 2).sum(), x)                       # linear: a zero Hessian
    np.testing.assert_array_equal(h.numpy(), np.zeros((3, 3)))


def test_bad_arguments():
    x = mt.tensor(A)
    with pytest.raises(RuntimeError, match="The vector v can only be None if the user-provided function returns a "
                                           "single Tensor with a single element."):
        F.vjp(elementwise, x)
    with pytest.raises(RuntimeError, match="The vector v can only be None if the input to the user-provided "
                                           "function is a single Tensor with a single element."):
        F.jvp(elementwise, x)
    with pytest.raises(RuntimeError, match="v has invalid size: should be"):
        F.vjp(elementwise, x, mt.ones(2, dtype=mt.float64))
    with pytest.raises(RuntimeError, match="v is a tuple of invalid length: should be 2 but got 1."):
        F.jvp(two_in_two_out, (x, mt.tensor(W)), (x,))
    with pytest.raises(RuntimeError, match="The Tensor returned by the function given to hessian should contain a "
                                           "single element"):
        F.hessian(elementwise, x)
    with pytest.raises(RuntimeError, match="The function given to hvp should return a single Tensor"):
        F.hvp(lambda a: (a.sum(), a.sum()), x, x)
    with pytest.raises(TypeError, match="The inputs given to jacobian must be either a Tensor or a tuple of "
                                        "Tensors but the value at index 1 has type"):
        F.jacobian(lambda a, b: a, (x, 3.0))
    with pytest.raises(TypeError, match="The outputs of the user-provided function given to vjp must be either a "
                                        "Tensor or a tuple of Tensors"):
        F.vjp(lambda a: 3.0, x)


# ----------------------------------------------------------------------------- against PyTorch
def same(ours, theirs):
    if isinstance(theirs, tuple):
        assert isinstance(ours, tuple) and len(ours) == len(theirs)
        for a, b in zip(ours, theirs):
            same(a, b)
    else:
        assert isinstance(ours, mt.Tensor) and tuple(ours.shape) == tuple(theirs.shape)
        assert ours.requires_grad == theirs.requires_grad
        np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-10, atol=1e-13)


def call(lib, name, fn, inputs, v=None, **kw):
    as_lib = lambda arrays: tuple(lib.tensor(a) for a in arrays) if isinstance(arrays, tuple) else lib.tensor(arrays)
    args = (fn, as_lib(inputs)) + ((as_lib(v),) if v is not None else ())
    return getattr(lib.autograd.functional, name)(*args, **kw)


CASES = {
    "jacobian_tuple": ("jacobian", two_in_two_out, (A, W), None),
    "jacobian_single": ("jacobian", elementwise, A, None),
    "hessian_tuple": ("hessian", scalar, (A, W), None),
    "hessian_single": ("hessian", lambda x: (x.exp() * x.sum()).sum(), A, None),
    "vjp": ("vjp", two_in_two_out, (A, W), (U, np.array(1.5))),
    "vjp_single": ("vjp", elementwise, A, A[::-1].copy()),
    "jvp": ("jvp", two_in_two_out, (A, W), (A[::-1].copy(), W * 2)),
    "jvp_single": ("jvp", elementwise, A, A[::-1].copy()),
    "hvp": ("hvp", scalar, (A, W), (A[::-1].copy(), W * 2)),
    "vhp": ("vhp", scalar, (A, W), (A[::-1].copy(), W * 2)),
}


@requires_torch
@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("create_graph", [False, True])
def test_matches_torch(case, create_graph):
    name, fn, inputs, v = CASES[case]
    same(call(mt, name, fn, inputs, v, create_graph=create_graph),
         call(torch, name, fn, inputs, v, create_graph=create_graph))
