"""Sampling: bernoulli / bernoulli_, multinomial, the four forms of normal, poisson, binomial. The streams differ from
PyTorch's; the distributions are checked statistically (seeded, within a few standard errors), the shapes,
dtypes, gradients and errors against PyTorch."""
import math

import numpy as np
import pytest
from helpers import requires_torch, torch

import microtensor as mt

N = 200_000


def close_to(sample: np.ndarray, mean: float, sd: float, sigmas: float = 5.0) -> bool:
    """Whether the sample's mean is within ``sigmas`` standard errors of ``mean`` (for a population sd ``sd``)."""
    return abs(sample.mean() - mean) <= sigmas * sd / np.sqrt(sample.size)


def same_kind(ours, theirs) -> None:
    assert tuple(ours.shape) == tuple(theirs.shape)
    assert ours.dtype.name == str(theirs.dtype).replace("torch.", "")


# ----------------------------------------------------------------------------- bernoulli
@pytest.mark.parametrize("p", [0.0, 0.2, 0.5, 1.0])
def test_bernoulli_frequencies(p):
    mt.manual_seed(0)
    draws = mt.bernoulli(mt.full((N,), p)).numpy()
    assert set(np.unique(draws)) <= {0.0, 1.0}
    assert close_to(draws, p, max(np.sqrt(p * (1 - p)), 1e-9))
    other = mt.bernoulli(mt.zeros(N), 0.3).numpy()            # the float p overrides the tensor's values
    assert close_to(other, 0.3, np.sqrt(0.21))


def test_bernoulli_in_place_with_float_and_tensor_p():
    mt.manual_seed(1)
    x = mt.empty(N, dtype=mt.int64)
    version = x._version
    assert x.bernoulli_(0.25) is x and x._version > version and x.dtype == mt.int64
    assert close_to(x.numpy(), 0.25, np.sqrt(0.25 * 0.75))
    y = mt.empty(1000, 3)
    y.bernoulli_(mt.tensor([0.0, 1.0, 0.5]))                   # p broadcasts to self
    assert (y.numpy()[:, 0] == 0).all() and (y.numpy()[:, 1] == 1).all()
    assert close_to(y.numpy()[:, 2], 0.5, 0.5)
    b = mt.empty(10, dtype=mt.bool).bernoulli_(1.0)
    assert b.dtype == mt.bool and b.numpy().all()


def test_bernoulli_generator_reproduces():
    g = mt.Generator().manual_seed(5)
    a = mt.bernoulli(mt.full((50,), 0.5), generator=g)
    g.manual_seed(5)
    assert np.array_equal(a.numpy(), mt.full((50,), 0.5).bernoulli(generator=g).numpy())


@requires_torch
@pytest.mark.parametrize("shape, dtype", [((3, 4), "float32"), ((), "float64"), ((0, 2), "float32")])
def test_bernoulli_shapes_dtypes_and_zero_gradient_match_torch(shape, dtype):
    probs = np.full(shape, 0.5, dtype=dtype)
    ours_in, theirs_in = mt.tensor(probs, requires_grad=True), torch.tensor(probs, requires_grad=True)
    ours, theirs = mt.bernoulli(ours_in), torch.bernoulli(theirs_in)
    same_kind(ours, theirs)
    assert ours.requires_grad == theirs.requires_grad
    ours.sum().backward()
    theirs.sum().backward()
    assert np.array_equal(ours_in.grad.numpy(), theirs_in.grad.numpy())      # zeros
    same_kind(mt.bernoulli(mt.tensor(probs), 0.2), torch.bernoulli(torch.tensor(probs), 0.2))


@pytest.mark.parametrize("call, match", [
    (lambda: mt.bernoulli(mt.full((3,), 1.5)), r"bernoulli expects all elements of p to be in \[0, 1\]"),
    (lambda: mt.bernoulli(mt.full((3,), 0.5), p=1.2), r"bernoulli expects p to be in \[0, 1\], but got p=1.2"),
    (lambda: mt.bernoulli(mt.tensor([0, 1])), "expected a floating-point tensor of probabilities, got"),
    (lambda: mt.ones(3).bernoulli_(mt.tensor([0.0, 1.0])), r"p of shape \[2\] does not broadcast to self's shape"),
    (lambda: mt.ones(3).bernoulli_(mt.tensor([0.0, 1.0, 2.0])), r"bernoulli_ expects all elements of p"),
    (lambda: mt.ones(3).bernoulli_(-0.1), r"bernoulli_ expects p to be in \[0, 1\], but got p=-0.1"),
])
def test_bernoulli_errors(call, match):
    with pytest.raises(RuntimeError, match=match):
        call()


# ----------------------------------------------------------------------------- multinomial
def test_multinomial_with_replacement_frequencies():
    mt.manual_seed(2)
    weights = np.array([[1.0, 0.0, 3.0, 4.0], [0.0, 0.0, 0.0, 2.0]])
    draws = mt.multinomial(mt.tensor(weights), N, replacement=True).numpy()
    assert draws.shape == (2, N) and draws.dtype == np.int64
    for row, w in zip(draws, weights):
        for k, pk in enumerate(w / w.sum()):
            assert close_to(row == k, pk, max(np.sqrt(pk * (1 - pk)), 1e-9))


def test_multinomial_without_replacement_draws_distinct_in_proportion():
    mt.manual_seed(3)
    weights = mt.tensor([1.0, 2.0, 3.0, 0.0])
    rows = mt.multinomial(weights.expand(20_000, 4), 3).numpy()
    assert all(len(set(r)) == 3 for r in rows[:500]) and (rows != 3).all()   # weight 0 only once the rest ran out
    first = rows[:, 0]
    for k, pk in enumerate([1 / 6, 2 / 6, 3 / 6]):
        assert close_to(first == k, pk, np.sqrt(pk * (1 - pk)))
    assert sorted(mt.multinomial(weights, 4).tolist())[-1] == 3              # all four: the zero comes too
    assert mt.multinomial(weights, 4).tolist()[-1] == 3


@requires_torch
@pytest.mark.parametrize("shape, n, replacement", [((5,), 3, False), ((2, 5), 7, True), ((0, 3), 2, False),
                                                   ((3, 4), 4, False)])
def test_multinomial_shapes_and_dtypes_match_torch(shape, n, replacement):
    w = np.ones(shape, dtype=np.float64)
    same_kind(mt.multinomial(mt.tensor(w), n, replacement),
              torch.multinomial(torch.tensor(w), n, replacement))
    same_kind(mt.tensor(w).multinomial(num_samples=n, replacement=replacement),
              torch.tensor(w).multinomial(num_samples=n, replacement=replacement))


@pytest.mark.parametrize("call, match", [
    (lambda: mt.multinomial(mt.tensor([1.0, 0.0, 1.0]), 4), "cannot sample n_sample > prob_dist.size"),
    (lambda: mt.multinomial(mt.tensor([1.0, -1.0, 1.0]), 1), "probability tensor contains either `inf`, `nan` or"),
    (lambda: mt.multinomial(mt.tensor([1.0, float("nan")]), 1), "probability tensor contains either `inf`, `nan`"),
    (lambda: mt.multinomial(mt.tensor([1.0, float("inf")]), 1), "probability tensor contains either `inf`, `nan`"),
    (lambda: mt.multinomial(mt.tensor([0.0, 0.0]), 1), r"invalid multinomial distribution \(sum of probabilities"),
    (lambda: mt.multinomial(mt.tensor([1, 2]), 1), "multinomial only supports floating-point dtypes for input"),
    (lambda: mt.multinomial(mt.ones(2, 2, 2), 1), "prob_dist must be 1 or 2 dim"),
    (lambda: mt.multinomial(mt.ones(()), 1), "prob_dist must be 1 or 2 dim"),
    (lambda: mt.multinomial(mt.ones(2), 0), "cannot sample n_sample <= 0 samples"),
])
def test_multinomial_errors(call, match):
    with pytest.raises(RuntimeError, match=match):
        call()


# ----------------------------------------------------------------------------- normal
def test_normal_tensor_tensor_broadcasts_and_draws_each_element():
    mt.manual_seed(4)
    mean, std = mt.tensor([[-3.0], [5.0]]), mt.tensor([0.5, 2.0, 1.0])
    draws = np.stack([mt.normal(mean, std).numpy() for _ in range(20_000)])
    assert draws.shape == (20_000, 2, 3)
    for i, m in enumerate([-3.0, 5.0]):
        for j, s in enumerate([0.5, 2.0, 1.0]):
            column = draws[:, i, j]
            assert close_to(column, m, s)
            assert abs(column.std() - s) < 5 * s / np.sqrt(2 * column.size)


@pytest.mark.parametrize("form", ["float mean, tensor std", "tensor mean, float std", "tensor mean", "floats"])
def test_normal_forms_moments(form):
    mt.manual_seed(5)
    mean, std = 2.0, 1.0 if form == "tensor mean" else 3.0          # std defaults to 1
    draws = {"float mean, tensor std": lambda: mt.normal(mean, mt.full((N,), std)),
             "tensor mean, float std": lambda: mt.normal(mt.full((N,), mean), std),
             "tensor mean": lambda: mt.normal(mt.full((N,), mean)),
             "floats": lambda: mt.normal(mean, std, (N,))}[form]().numpy()
    assert close_to(draws, mean, std)
    assert abs(draws.std() - std) < 5 * std / np.sqrt(2 * N)


@requires_torch
@pytest.mark.parametrize("make", [
    lambda lib: lib.normal(lib.zeros(2, 1), lib.ones(3)),
    lambda lib: lib.normal(lib.zeros(3), lib.ones(3, dtype=lib.float64)),
    lambda lib: lib.normal(0.0, lib.ones(3, dtype=lib.float64)),
    lambda lib: lib.normal(lib.zeros(2, 3)),
    lambda lib: lib.normal(lib.zeros(3), std=lib.ones(3)),
    lambda lib: lib.normal(lib.zeros(3), 2.0),
    lambda lib: lib.normal(0, 1, (2,)),
    lambda lib: lib.normal(mean=0.0, std=1.0, size=[2, 2], dtype=lib.float64),
    lambda lib: lib.normal(lib.zeros(0, 2), 1.0),
], ids=range(9))
def test_normal_shapes_and_dtypes_match_torch(make):
    same_kind(make(mt), make(torch))


@requires_torch
@pytest.mark.parametrize("which", ["mean", "std", "both"])
def test_normal_gradient_is_zero_as_torch(which):
    def run(lib):
        mean = lib.zeros(3, requires_grad=which in ("mean", "both"))
        std = lib.ones(3, requires_grad=which in ("std", "both"))
        out = lib.normal(mean, std)
        out.sum().backward()
        return out.requires_grad, [None if t.grad is None else t.grad.tolist() for t in (mean, std)]
    assert run(mt) == run(torch)


@pytest.mark.parametrize("call, error, match", [
    (lambda: mt.normal(mt.zeros(3), -1.0), RuntimeError, "normal expects std >= 0.0, but found std -1"),
    (lambda: mt.normal(0, -1.0, (2,)), RuntimeError, "normal expects std >= 0.0, but found std -1"),
    (lambda: mt.normal(mt.zeros(3), mt.tensor([1.0, -1.0, 1.0])), RuntimeError, "normal expects all elements of std"),
    (lambda: mt.normal(mt.zeros(2, 3), mt.ones(3, 2)), RuntimeError, r"mean of shape \[2, 3\] and std of shape"),
    (lambda: mt.normal(mt.zeros(3, dtype=mt.int64), 1.0), RuntimeError, "expected a floating-point mean or std"),
    (lambda: mt.normal(mt.zeros(3), 1.0, size=(3,)), TypeError, "size is only taken with a float mean and std"),
    (lambda: mt.normal(0.0, 1.0), TypeError, "size is required"),
])
def test_normal_errors(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_normal_generator_reproduces():
    g = mt.Generator().manual_seed(7)
    a = mt.normal(mt.zeros(4), mt.ones(4), generator=g)
    g.manual_seed(7)
    assert np.array_equal(a.numpy(), mt.normal(mt.zeros(4), mt.ones(4), generator=g).numpy())


# ----------------------------------------------------------------------------- poisson
@pytest.mark.parametrize("rate", [0.0, 0.5, 4.0, 100.0])
def test_poisson_moments(rate):
    mt.manual_seed(8)
    draws = mt.poisson(mt.full((N,), rate)).numpy()
    assert (draws == np.round(draws)).all() and (draws >= 0).all()
    sd = max(np.sqrt(rate), 1e-9)
    assert close_to(draws, rate, sd)
    if rate:
        assert abs(draws.var() - rate) < 6 * rate * np.sqrt(2 / N + 1 / (rate * N))


@requires_torch
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_poisson_shape_dtype_and_zero_gradient_match_torch(dtype):
    rates = np.array([[1.0, 2.0, 0.0]], dtype=dtype)
    ours_in, theirs_in = mt.tensor(rates, requires_grad=True), torch.tensor(rates, requires_grad=True)
    ours, theirs = mt.poisson(ours_in), torch.poisson(theirs_in)
    same_kind(ours, theirs)
    ours.sum().backward()
    theirs.sum().backward()
    assert np.array_equal(ours_in.grad.numpy(), theirs_in.grad.numpy())
    g = mt.Generator().manual_seed(3)
    assert mt.poisson(mt.tensor(rates), generator=g).dtype.name == dtype


@pytest.mark.parametrize("rates, match", [
    ([-1.0, 2.0], "invalid Poisson rate, expected rate to be non-negative"),
    ([float("nan")], "invalid Poisson rate"),
    ([float("inf")], "invalid Poisson rate"),
    ([1, 2], "expected a floating-point tensor of rates"),
])
def test_poisson_errors(rates, match):
    with pytest.raises(RuntimeError, match=match):
        mt.poisson(mt.tensor(rates))


# ----------------------------------------------------------------------------- binomial (issue 22)
def test_binomial_moments_edges_and_generator():
    count = mt.tensor([[0.0], [1.0], [12.0], [400.0]]).expand(4, 20000)
    prob = mt.tensor([0.3])
    draws = mt.binomial(count, prob.expand(1, 20000))
    assert draws.shape == (4, 20000) and draws.dtype == mt.float32
    n = np.array([0.0, 1.0, 12.0, 400.0])
    np.testing.assert_allclose(draws.numpy().mean(1), n * 0.3, atol=0.35)
    np.testing.assert_allclose(draws.numpy().var(1), n * 0.3 * 0.7, rtol=0.05, atol=0.02)
    assert ((draws.numpy() >= 0) & (draws.numpy() <= n[:, None])).all()
    edges = mt.binomial(mt.tensor([5.0, -1.0, 5.0, 7.0, 3.0], dtype=mt.float64),
                        mt.tensor([0.0, 0.5, 1.0, 1.5, math.nan], dtype=mt.float64))
    assert edges.tolist()[:4] == [0.0, 0.0, 5.0, 7.0] and math.isnan(edges.tolist()[4])
    g1, g2 = mt.Generator().manual_seed(7), mt.Generator().manual_seed(7)
    a, b = mt.ones(50) * 9, mt.ones(50) * 0.4
    assert mt.equal(mt.binomial(a, b, generator=g1), mt.binomial(a, b, g2))
    mt.manual_seed(3)
    first = mt.binomial(a, b)
    mt.manual_seed(3)
    assert mt.equal(first, mt.binomial(a, b))


@requires_torch
@pytest.mark.parametrize("call", [
    lambda L: L.binomial(L.tensor([10, 5]), L.tensor([0.5, 0.2])),
    lambda L: L.binomial(L.tensor([10.0, 5.0]), L.tensor([0.5, 0.2], dtype=L.float64)),
    lambda L: L.binomial(L.tensor([10.0, 5.0]), 0.5),
])
def test_binomial_errors_match_torch(call):
    with pytest.raises((RuntimeError, TypeError, ValueError)) as theirs:
        call(torch)
    with pytest.raises(theirs.type) as ours:
        call(mt)
    assert str(ours.value) == str(theirs.value)


@requires_torch
def test_binomial_shapes_and_no_derivative_match_torch():
    for L in (mt, torch):
        count, prob = L.tensor([[10.0, 5.0]], requires_grad=True), L.tensor([0.5, 0.2, 0.1])[:2]
        out = L.binomial(count, prob)
        assert tuple(out.shape) == (1, 2) and out.requires_grad
        with pytest.raises(RuntimeError, match="derivative for aten::binomial is not implemented"):
            out.sum().backward()
        assert L.binomial(L.ones(0, 2), L.ones(2)).shape == (0, 2)
