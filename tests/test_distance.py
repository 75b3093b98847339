"""Distances: cdist, pdist, and cosine_similarity along any dim (with PyTorch's gradient at tiny norms)."""
import numpy as np
import pytest
from helpers import check_gradients, compare_with_torch, rand, requires_torch, seeds, torch
from hypothesis import given, settings
from hypothesis import strategies as st

import microtensor as mt
import microtensor.nn.functional as F

P_VALUES = [0.0, 0.5, 1.0, 1.5, 2.0, 3.0, float("inf")]
MODES = ["use_mm_for_euclid_dist_if_necessary", "use_mm_for_euclid_dist", "donot_use_mm_for_euclid_dist"]


def apart(seed: int, *shapes: tuple) -> list[np.ndarray]:
    """Arrays whose coordinates differ by far more than the finite-difference step (no ties, no zero diffs)."""
    rng = np.random.default_rng(seed)
    arrays = []
    for i, s in enumerate(shapes):
        n = int(np.prod(s))
        arrays.append((rng.permutation(n) * 0.37 + i * 0.11 + rng.uniform(0, 0.05, n)).reshape(s))
    return arrays


@st.composite
def cdist_shapes(draw):
    batch = draw(st.sampled_from([(), (2,), (1,), (2, 1)]))
    other = tuple(1 if draw(st.booleans()) else n for n in batch)[draw(st.integers(0, len(batch))):]
    p, r, m = draw(st.integers(1, 3)), draw(st.integers(1, 3)), draw(st.integers(1, 3))
    return batch + (p, m), other + (r, m)


@pytest.mark.parametrize("p", [p for p in P_VALUES if p != 0])
@given(shapes=cdist_shapes(), seed=seeds)
@settings(max_examples=8, deadline=None, derandomize=True)
def test_cdist_gradcheck(p, shapes, seed):
    check_gradients(lambda a, b: mt.cdist(a, b, p=p), *apart(seed % 1000, *shapes))


@requires_torch
@pytest.mark.parametrize("p", P_VALUES)
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("sa, sb", [((3, 2), (4, 2)), ((2, 3, 4), (1, 5, 4)), ((1, 3, 2), (2, 2, 2)), ((0, 2), (3, 2)),
                                    ((2, 0), (3, 0))])
def test_cdist_matches_torch(p, mode, sa, sb):
    compare_with_torch(lambda a, b: mt.cdist(a, b, p, compute_mode=mode), *rand(0, sa, sb),
                       torch_fn=lambda a, b: torch.cdist(a, b, p, compute_mode=mode))


@requires_torch
@pytest.mark.parametrize("p", P_VALUES)
def test_cdist_gradient_at_zero_distance_matches_torch(p):
    """Equal rows, and rows equal in one coordinate: PyTorch's gradient is 0 there (never NaN)."""
    a = np.array([[0.0, 0.0], [1.0, 1.0]])
    b = np.array([[0.0, 0.0], [3.0, 1.0]])
    compare_with_torch(lambda a, b: mt.cdist(a, b, p), a, b, torch_fn=lambda a, b: torch.cdist(a, b, p))


@pytest.mark.parametrize("call, error, match", [
    (lambda: mt.cdist(mt.ones(2, 3), mt.ones(2, 4)), RuntimeError, "X1 and X2 must have the same number of columns"),
    (lambda: mt.cdist(mt.ones(3), mt.ones(2, 3)), RuntimeError, "cdist only supports at least 2D tensors, X1 got: 1D"),
    (lambda: mt.cdist(mt.ones(2, 2, 3), mt.ones(3, 2, 3)), RuntimeError, "broadcast|size"),
    (lambda: mt.cdist(mt.ones(2, 3), mt.ones(2, 3), p=-1), RuntimeError, "only supports non-negative p values"),
    (lambda: mt.cdist(mt.ones(2, 3, dtype=mt.int64), mt.ones(2, 3)), RuntimeError,
     "cdist only supports floating-point dtypes, X1 got: Long"),
    (lambda: mt.cdist(mt.ones(2, 3), mt.ones(2, 3, dtype=mt.float64)), RuntimeError,
     "expected scalar type Float but found Double"),
    (lambda: mt.cdist(mt.ones(2, 3), mt.ones(2, 3), compute_mode="foo"), ValueError,
     "foo is not a valid value for compute_mode"),
    (lambda: mt.pdist(mt.ones(3)), RuntimeError, "pdist only supports 2D tensors, got: 1D"),
    (lambda: mt.pdist(mt.ones(3, 3), p=-1), RuntimeError, "pdist only supports non-negative p values"),
    (lambda: mt.pdist(mt.ones(3, 3, dtype=mt.int64)), RuntimeError, "pdist only supports floating-point dtypes"),
    (lambda: mt.cosine_similarity(mt.ones(2, 3), mt.ones(2, 3), dim=2), IndexError, "Dimension out of range"),
])
def test_distance_errors(call, error, match):
    with pytest.raises(error, match=match):
        call()


@pytest.mark.parametrize("p", [p for p in P_VALUES if p != 0])
@pytest.mark.parametrize("n", [2, 3, 4])
def test_pdist_gradcheck(p, n):
    check_gradients(lambda a: F.pdist(a, p), *apart(n, (n, 3)))


@requires_torch
@pytest.mark.parametrize("p", P_VALUES)
@pytest.mark.parametrize("shape", [(4, 3), (2, 1), (1, 3), (3, 0)])   # (0, M): PyTorch 2.13's backward crashes
def test_pdist_matches_torch(p, shape):
    compare_with_torch(lambda a: mt.pdist(a, p), *rand(1, shape), torch_fn=lambda a: torch.pdist(a, p))
    compare_with_torch(lambda a: F.pdist(a, p=p), *rand(1, shape), torch_fn=lambda a: torch.nn.functional.pdist(a, p=p))


@pytest.mark.parametrize("p", P_VALUES)
def test_pdist_of_no_rows_is_empty_with_an_empty_gradient(p):
    x = mt.zeros(0, 3, requires_grad=True)
    d = mt.pdist(x, p)
    assert d.shape == (0,) and d.dtype == mt.float32
    d.sum().backward()
    assert x.grad.shape == (0, 3)


@requires_torch
@pytest.mark.parametrize("p", P_VALUES)
def test_pdist_gradient_at_zero_distance_matches_torch(p):
    x = np.array([[0.0, 0.0], [0.0, 0.0], [1.0, 2.0]])
    compare_with_torch(lambda a: mt.pdist(a, p), x, torch_fn=lambda a: torch.pdist(a, p))


COSINE_CASES = [((4, 3), (4, 3), 1), ((4, 3), (4, 3), 0), ((2, 3, 4), (2, 3, 4), -1), ((2, 3, 4), (3, 1), 1),
                ((2, 1, 3), (4, 3), -1), ((3,), (3,), 0), ((2, 3, 4), (2, 3, 4), -3)]


@pytest.mark.parametrize("sa, sb, dim", COSINE_CASES, ids=str)
def test_cosine_similarity_gradcheck(sa, sb, dim):
    check_gradients(lambda a, b: F.cosine_similarity(a, b, dim=dim), *rand(2, sa, sb))


@requires_torch
@pytest.mark.parametrize("sa, sb, dim", COSINE_CASES, ids=str)
def test_cosine_similarity_matches_torch(sa, sb, dim):
    compare_with_torch(lambda a, b: mt.cosine_similarity(a, b, dim), *rand(3, sa, sb),
                       torch_fn=lambda a, b: torch.cosine_similarity(a, b, dim))


@requires_torch
def test_cosine_similarity_below_eps_matches_torch():
    """PyTorch clamps the norms to eps outside autograd: the gradient is the unclamped norm's, not 0."""
    a = np.array([[1e-9, 0.0], [1.0, 2.0]])
    b = np.array([[1.0, 1.0], [0.0, 0.0]])
    compare_with_torch(lambda a, b: F.cosine_similarity(a, b), a, b,
                       torch_fn=lambda a, b: torch.nn.functional.cosine_similarity(a, b), rtol=1e-7)


@requires_torch
def test_cosine_similarity_of_an_integer_and_a_float_tensor_matches_torch():
    a, b = np.arange(6).reshape(2, 3), np.arange(6).reshape(2, 3)[::-1].astype(np.float32)
    compare_with_torch(lambda a, b: mt.cosine_similarity(a, b), a, b,
                       torch_fn=lambda a, b: torch.cosine_similarity(a, b))


def test_cosine_similarity_of_two_integer_tensors_is_refused():
    with pytest.raises(RuntimeError, match="expected common dtype to be floating point, yet common dtype is Long"):
        mt.cosine_similarity(mt.arange(6).reshape(2, 3), mt.arange(6).reshape(2, 3))
