"""torch.distributions: values and gradients of log_prob, entropy, moments, cdf and kl_divergence against
PyTorch; reparameterized samples; sample statistics; validate_args errors; the private special functions."""
from __future__ import annotations

import math

import numpy as np
import pytest

import microtensor as mt
from microtensor.autograd import gradcheck, gradgradcheck
from microtensor.distributions import utils
from tests.helpers import requires_torch, torch

D = "distributions"
RNG = np.random.default_rng(0)
POS = RNG.uniform(0.5, 2.0, (3, 4))
POS2 = RNG.uniform(0.5, 2.0, (3, 4))
REAL = RNG.standard_normal((3, 4))
PROBS = RNG.uniform(0.1, 0.9, (3, 4))
LOWER = np.tril(RNG.standard_normal((2, 3, 3)) * 0.3) + 2 * np.eye(3)
COV = LOWER @ np.swapaxes(LOWER, -1, -2)
CORR_CHOLESKY = np.linalg.cholesky(np.array([[1.0, 0.3, 0.2], [0.3, 1.0, 0.1], [0.2, 0.1, 1.0]]))

# name -> (constructor on a library's module, parameter arrays, value array inside the support)
DISTS = {
    "normal": (lambda lib, a, b: lib.distributions.Normal(a, b), (REAL, POS), REAL + 0.3),
    "bernoulli_probs": (lambda lib, p: lib.distributions.Bernoulli(probs=p), (PROBS,), (PROBS > 0.5) * 1.0),
    "bernoulli_logits": (lambda lib, lg: lib.distributions.Bernoulli(logits=lg), (REAL,), (REAL > 0) * 1.0),
    "categorical_probs": (lambda lib, p: lib.distributions.Categorical(probs=p), (POS,), np.array([0, 3, 1])),
    "categorical_logits": (lambda lib, lg: lib.distributions.Categorical(logits=lg), (REAL,), np.array([2, 0, 3])),
    "one_hot": (lambda lib, lg: lib.distributions.OneHotCategorical(logits=lg), (REAL,), np.eye(4)[[1, 0, 3]]),
    "uniform": (lambda lib, a, b: lib.distributions.Uniform(a, a + b), (REAL, POS), REAL + 0.4 * POS),
    "beta": (lambda lib, a, b: lib.distributions.Beta(a, b), (POS, POS2), PROBS),
    "gamma": (lambda lib, a, b: lib.distributions.Gamma(a, b), (POS, POS2), POS2),
    "dirichlet": (lambda lib, a: lib.distributions.Dirichlet(a), (POS,), POS2 / POS2.sum(-1, keepdims=True)),
    "exponential": (lambda lib, r: lib.distributions.Exponential(r), (POS,), POS2),
    "laplace": (lambda lib, a, b: lib.distributions.Laplace(a, b), (REAL, POS), REAL + 0.3),
    "mvn_scale_tril": (lambda lib, m, s: lib.distributions.MultivariateNormal(m, scale_tril=s),
                       (REAL[:2, :3], LOWER), REAL[1:, 1:]),
    "mvn_covariance": (lambda lib, m, c: lib.distributions.MultivariateNormal(m, covariance_matrix=c),
                       (REAL[:2, :3], COV), REAL[1:, 1:]),
    "mvn_precision": (lambda lib, m, c: lib.distributions.MultivariateNormal(m, precision_matrix=c),
                      (REAL[:2, :3], COV), REAL[1:, 1:]),
    "independent": (lambda lib, a, b: lib.distributions.Independent(lib.distributions.Normal(a, b), 1),
                    (REAL, POS), REAL - 0.2),
    "log_normal": (lambda lib, a, b: lib.distributions.LogNormal(a, b), (REAL, POS), POS2),
    "half_normal": (lambda lib, b: lib.distributions.HalfNormal(b), (POS,), POS2),
    "cauchy": (lambda lib, a, b: lib.distributions.Cauchy(a, b), (REAL, POS), REAL + 0.3),
    "half_cauchy": (lambda lib, b: lib.distributions.HalfCauchy(b), (POS,), POS2),
    "gumbel": (lambda lib, a, b: lib.distributions.Gumbel(a, b), (REAL, POS), REAL + 0.3),
    "weibull": (lambda lib, a, b: lib.distributions.Weibull(a, b), (POS, POS2), POS2),
    "pareto": (lambda lib, a, b: lib.distributions.Pareto(a, b + 2), (POS, POS2), POS + POS2),
    "inverse_gamma": (lambda lib, a, b: lib.distributions.InverseGamma(a + 2, b), (POS, POS2), POS2),
    "kumaraswamy": (lambda lib, a, b: lib.distributions.Kumaraswamy(a, b), (POS, POS2), PROBS),
    "logistic_normal": (lambda lib, a, b: lib.distributions.LogisticNormal(a, b), (REAL[:, :3], POS[:, :3]),
                        POS2 / POS2.sum(-1, keepdims=True)),
    "chi2": (lambda lib, a: lib.distributions.Chi2(a), (POS,), POS2),
    "student_t": (lambda lib, a, b, c: lib.distributions.StudentT(a + 2, b, c), (POS, REAL, POS2), REAL + 0.3),
    "poisson": (lambda lib, r: lib.distributions.Poisson(r), (POS,), np.floor(POS2 * 2)),
    "binomial_probs": (lambda lib, p: lib.distributions.Binomial(5, probs=p), (PROBS,), np.floor(POS2 * 2)),
    "binomial_logits": (lambda lib, lg: lib.distributions.Binomial(5, logits=lg), (REAL,), np.floor(POS2 * 2)),
    "geometric": (lambda lib, p: lib.distributions.Geometric(probs=p), (PROBS,), np.floor(POS2 * 2)),
    "negative_binomial": (lambda lib, n, p: lib.distributions.NegativeBinomial(n, probs=p), (POS, PROBS),
                          np.floor(POS2 * 2)),
    "multinomial": (lambda lib, p: lib.distributions.Multinomial(6, probs=p), (POS,),
                    np.array([[1.0, 2, 0, 3], [0, 0, 6, 0], [2, 2, 1, 1]])),
    "relaxed_bernoulli": (lambda lib, t, p: lib.distributions.RelaxedBernoulli(t, probs=p), (POS, PROBS), PROBS),
    "relaxed_one_hot": (lambda lib, t, lg: lib.distributions.RelaxedOneHotCategorical(t, logits=lg),
                        (POS[:, :1], REAL),
                        POS2 / POS2.sum(-1, keepdims=True)),
    "straight_through": (lambda lib, lg: lib.distributions.OneHotCategoricalStraightThrough(logits=lg), (REAL,),
                         np.eye(4)[[1, 0, 3]]),
    "mixture": (lambda lib, lg, a, b: lib.distributions.MixtureSameFamily(
        lib.distributions.Categorical(logits=lg), lib.distributions.Normal(a, b)), (REAL, REAL, POS), REAL[:, 0]),
    "continuous_bernoulli": (lambda lib, p: lib.distributions.ContinuousBernoulli(p), (PROBS,), PROBS[::-1].copy()),
    "continuous_bernoulli_logits": (lambda lib, lg: lib.distributions.ContinuousBernoulli(logits=lg * 1e-3),
                                    (REAL,), PROBS),
    "fisher_snedecor": (lambda lib, a, b: lib.distributions.FisherSnedecor(a + 2, b + 4), (POS, POS2), POS2),
    "von_mises": (lambda lib, a, b: lib.distributions.VonMises(a, b), (REAL, POS), REAL + 0.3),
    "lowrank_mvn": (lambda lib, m, w, d: lib.distributions.LowRankMultivariateNormal(m, w, d),
                    (REAL[:2, :3], LOWER[:, :, :2], POS[:2, :3]), REAL[1:, 1:]),
    "lkj_cholesky": (lambda lib, c: lib.distributions.LKJCholesky(3, c), (POS[:, 0],), CORR_CHOLESKY),
    "wishart_covariance": (lambda lib, df, c: lib.distributions.Wishart(df + 3, covariance_matrix=c),
                           (POS[:2, 0], COV), COV[::-1] + np.eye(3)),
    "wishart_scale_tril": (lambda lib, df, s: lib.distributions.Wishart(df + 3, scale_tril=s), (POS[:2, 0], LOWER),
                           COV[::-1] + np.eye(3)),
    "transformed_affine_tanh": (lambda lib, a, b: lib.distributions.TransformedDistribution(
        lib.distributions.Normal(a, b), [lib.distributions.AffineTransform(0.5, 2.0),
                                         lib.distributions.TanhTransform()]), (REAL, POS), PROBS - 0.5),
}
PROPERTIES = ("log_prob", "entropy", "mean", "variance", "stddev", "cdf", "icdf")
HAS_CDF = {"normal", "uniform", "exponential", "laplace", "cauchy", "half_normal", "half_cauchy", "log_normal",
           "gumbel", "weibull", "pareto", "mixture", "continuous_bernoulli"}
HAS_ICDF = {"normal", "uniform", "exponential", "laplace", "cauchy", "half_normal", "half_cauchy", "log_normal",
            "gumbel", "weibull", "pareto", "continuous_bernoulli"}


def evaluate(lib: object, name: str, prop: str, params: list, value: object) -> object:
    """One property of the distribution `name`, on `lib`'s tensors."""
    make, _, _ = DISTS[name]
    dist = make(lib, *params)
    if prop in ("log_prob", "cdf"):
        return getattr(dist, prop)(value)
    if prop == "icdf":
        return dist.icdf(dist.cdf(value))
    if prop == "entropy":
        return dist.entropy()
    return getattr(dist, prop)


def cases() -> list:
    out = []
    for name in DISTS:
        for prop in PROPERTIES:
            if (prop == "cdf" and name not in HAS_CDF) or (prop == "icdf" and name not in HAS_ICDF):
                continue
            if prop in ("mean", "variance", "stddev") and name.startswith("categorical"):
                continue  # NaN by definition: checked in test_categorical_moments_are_nan
            out.append((name, prop))
    return out


@requires_torch
@pytest.mark.parametrize(("name", "prop"), cases())
def test_matches_torch_values_and_gradients(name: str, prop: str) -> None:
    _, arrays, value = DISTS[name]
    ours = [mt.tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    try:
        expected = evaluate(torch, name, prop, theirs, torch.tensor(value))
    except NotImplementedError:  # PyTorch leaves it undefined for this family: so must we
        with pytest.raises(NotImplementedError):
            evaluate(mt, name, prop, ours, mt.tensor(value))
        return
    out = evaluate(mt, name, prop, ours, mt.tensor(value))
    np.testing.assert_allclose(out.detach().numpy(), expected.detach().numpy(), rtol=1e-6, atol=1e-8)
    assert tuple(out.shape) == tuple(expected.shape)
    if not expected.requires_grad:
        return
    weights = np.random.default_rng(1).standard_normal(tuple(expected.shape))
    (out * mt.tensor(weights)).sum().backward()
    (expected * torch.tensor(weights)).sum().backward()
    assert_same_grads(ours, theirs)


def assert_same_grads(ours: list, theirs: list) -> None:
    """Each leaf's gradient equals PyTorch's (both None where the output does not depend on it)."""
    for a, b in zip(ours, theirs):
        assert (a.grad is None) == (b.grad is None)
        if b.grad is not None:
            np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-5, atol=1e-8)


KL_PAIRS = {
    "normal": (lambda lib, a, b, c, d: lib.distributions.Normal(a, b), (REAL, POS), (REAL * 0.5, POS2)),
    "bernoulli": (lambda lib, p: lib.distributions.Bernoulli(probs=p), (PROBS,), (PROBS[::-1].copy(),)),
    "categorical": (lambda lib, lg: lib.distributions.Categorical(logits=lg), (REAL,), (REAL[::-1].copy(),)),
    "one_hot": (lambda lib, p: lib.distributions.OneHotCategorical(probs=p), (POS,), (POS2,)),
    "uniform": (lambda lib, a, b: lib.distributions.Uniform(a, a + b), (REAL, POS), (REAL - 1, POS + 2)),
    "beta": (lambda lib, a, b: lib.distributions.Beta(a, b), (POS, POS2), (POS2, POS)),
    "gamma": (lambda lib, a, b: lib.distributions.Gamma(a, b), (POS, POS2), (POS2, POS)),
    "dirichlet": (lambda lib, a: lib.distributions.Dirichlet(a), (POS,), (POS2,)),
    "exponential": (lambda lib, r: lib.distributions.Exponential(r), (POS,), (POS2,)),
    "laplace": (lambda lib, a, b: lib.distributions.Laplace(a, b), (REAL, POS), (REAL * 0.5, POS2)),
    "mvn": (lambda lib, m, s: lib.distributions.MultivariateNormal(m, scale_tril=s), (REAL[:2, :3], LOWER),
            (REAL[1:, 1:], LOWER[::-1].copy())),
    "independent": (lambda lib, a, b: lib.distributions.Independent(lib.distributions.Normal(a, b), 2),
                    (REAL, POS), (REAL * 0.5, POS2)),
    "poisson": (lambda lib, r: lib.distributions.Poisson(r), (POS,), (POS2,)),
    "binomial": (lambda lib, p: lib.distributions.Binomial(4, p), (PROBS,), (PROBS[::-1].copy(),)),
    "geometric": (lambda lib, p: lib.distributions.Geometric(p), (PROBS,), (PROBS[::-1].copy(),)),
    "gumbel": (lambda lib, a, b: lib.distributions.Gumbel(a, b), (REAL, POS), (REAL * 0.5, POS2)),
    "half_normal": (lambda lib, b: lib.distributions.HalfNormal(b), (POS,), (POS2,)),
    "cauchy": (lambda lib, a, b: lib.distributions.Cauchy(a, b), (REAL, POS), (REAL * 0.5, POS2)),
    "pareto": (lambda lib, a, b: lib.distributions.Pareto(a, b), (POS, POS2), (POS2, POS)),
    "log_normal": (lambda lib, a, b: lib.distributions.LogNormal(a, b), (REAL, POS), (REAL * 0.5, POS2)),
    "chi2": (lambda lib, d: lib.distributions.Chi2(d), (POS,), (POS2,)),
}


def make_kl_pair(lib: object, name: str, p_arrays: list, q_arrays: list) -> tuple:
    make = KL_PAIRS[name][0]
    if name == "normal":
        return make(lib, *p_arrays, None, None), make(lib, *q_arrays, None, None)
    return make(lib, *p_arrays), make(lib, *q_arrays)


@requires_torch
@pytest.mark.parametrize("name", KL_PAIRS)
def test_kl_divergence_matches_torch(name: str) -> None:
    _, p_arrays, q_arrays = KL_PAIRS[name]
    ours = [mt.tensor(a, requires_grad=True) for a in p_arrays + q_arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in p_arrays + q_arrays]
    n = len(p_arrays)
    out = mt.distributions.kl_divergence(*make_kl_pair(mt, name, ours[:n], ours[n:]))
    expected = torch.distributions.kl_divergence(*make_kl_pair(torch, name, theirs[:n], theirs[n:]))
    np.testing.assert_allclose(out.detach().numpy(), expected.detach().numpy(), rtol=1e-6, atol=1e-8)
    out.sum().backward()
    expected.sum().backward()
    assert_same_grads(ours, theirs)


@requires_torch
def test_kl_infinite_where_support_differs() -> None:
    p = mt.distributions.Uniform(mt.tensor([0.0, 0.0]), mt.tensor([1.0, 2.0]))
    q = mt.distributions.Uniform(mt.tensor([0.5, -1.0]), mt.tensor([1.0, 3.0]))
    tp = torch.distributions.Uniform(torch.tensor([0.0, 0.0]), torch.tensor([1.0, 2.0]))
    tq = torch.distributions.Uniform(torch.tensor([0.5, -1.0]), torch.tensor([1.0, 3.0]))
    np.testing.assert_allclose(mt.distributions.kl_divergence(p, q).numpy(),
                               torch.distributions.kl_divergence(tp, tq).numpy())


def test_kl_unregistered_pair_and_register_kl() -> None:
    normal = mt.distributions.Normal(0.0, 1.0)
    laplace = mt.distributions.Laplace(0.0, 1.0)
    with pytest.raises(NotImplementedError, match="No KL\\(p \\|\\| q\\) is implemented for p type Normal and q "
                                                  "type Laplace"):
        mt.distributions.kl_divergence(normal, laplace)

    class MyNormal(mt.distributions.Normal):
        pass

    @mt.distributions.register_kl(MyNormal, mt.distributions.Laplace)
    def kl_mine(p: object, q: object) -> mt.Tensor:
        return mt.tensor(7.0)

    assert mt.distributions.kl_divergence(MyNormal(0.0, 1.0), laplace).item() == 7.0
    # a subclass falls back to its parent's closed form
    assert mt.distributions.kl_divergence(MyNormal(0.0, 1.0), normal).item() == 0.0
    with pytest.raises(TypeError, match="Expected type_p to be a Distribution subclass"):
        mt.distributions.register_kl(int, mt.distributions.Normal)


RSAMPLE = {
    "normal": (lambda a, b: mt.distributions.Normal(a, b), (REAL[0], POS[0])),
    "uniform": (lambda a, b: mt.distributions.Uniform(a, a + b), (REAL[0], POS[0])),
    "laplace": (lambda a, b: mt.distributions.Laplace(a, b), (REAL[0], POS[0])),
    "exponential": (lambda r: mt.distributions.Exponential(r), (POS[0],)),
    # finite differences step off the constraints' sets: project back onto them (lower, symmetric)
    "mvn": (lambda m, s: mt.distributions.MultivariateNormal(m, scale_tril=s.tril()), (REAL[0, :3], LOWER[0])),
    "mvn_cov": (lambda m, c: mt.distributions.MultivariateNormal(m, covariance_matrix=(c + c.mT) / 2),
                (REAL[0, :3], COV[0])),
    "log_normal": (lambda a, b: mt.distributions.LogNormal(a, b), (REAL[0], POS[0])),
    "half_normal": (lambda b: mt.distributions.HalfNormal(b), (POS[0],)),
    "cauchy": (lambda a, b: mt.distributions.Cauchy(a, b), (REAL[0], POS[0])),
    "gumbel": (lambda a, b: mt.distributions.Gumbel(a, b), (REAL[0], POS[0])),
    "weibull": (lambda a, b: mt.distributions.Weibull(a, b), (POS[0], POS2[0])),
    "pareto": (lambda a, b: mt.distributions.Pareto(a, b), (POS[0], POS2[0])),
    "kumaraswamy": (lambda a, b: mt.distributions.Kumaraswamy(a, b), (POS[0], POS2[0])),
    "continuous_bernoulli": (lambda p: mt.distributions.ContinuousBernoulli(p), (PROBS[0],)),
    "generalized_pareto": (lambda a, b, c: mt.distributions.GeneralizedPareto(a, b, c), (REAL[0], POS[0], PROBS[0])),
    "lowrank_mvn": (lambda m, w, d: mt.distributions.LowRankMultivariateNormal(m, w, d),
                    (REAL[0, :3], LOWER[0, :, :2], POS[0, :3])),
    "logistic_normal": (lambda a, b: mt.distributions.LogisticNormal(a, b), (REAL[0], POS[0])),
    "relaxed_bernoulli": (lambda t, lg: mt.distributions.RelaxedBernoulli(t, logits=lg), (POS[0], REAL[0])),
    "relaxed_one_hot": (lambda t, lg: mt.distributions.RelaxedOneHotCategorical(t, logits=lg), (POS[0, :1], REAL[0])),
}


@pytest.mark.parametrize("name", RSAMPLE)
def test_rsample_is_reparameterized(name: str) -> None:
    """The same noise (same seed) makes rsample a deterministic function of the parameters: finite differences
    of it match its gradient, first and second order."""
    make, arrays = RSAMPLE[name]

    def draw(*params: mt.Tensor) -> mt.Tensor:
        mt.manual_seed(3)
        return make(*params).rsample((2,))

    inputs = tuple(mt.tensor(a, requires_grad=True) for a in arrays)
    assert draw(*inputs).requires_grad and make(*inputs).has_rsample
    assert gradcheck(draw, inputs)
    assert gradgradcheck(draw, inputs)


SAMPLE_STATS = {
    "normal": mt.distributions.Normal(mt.tensor([0.5, -1.0]), mt.tensor([1.0, 2.0])),
    "bernoulli": mt.distributions.Bernoulli(probs=mt.tensor([0.2, 0.7])),
    "one_hot": mt.distributions.OneHotCategorical(probs=mt.tensor([0.2, 0.3, 0.5])),
    "uniform": mt.distributions.Uniform(mt.tensor([0.0, -2.0]), mt.tensor([1.0, 3.0])),
    "beta": mt.distributions.Beta(mt.tensor([0.5, 2.0]), mt.tensor([1.5, 3.0])),
    "gamma": mt.distributions.Gamma(mt.tensor([0.5, 3.0]), mt.tensor([2.0, 0.5])),
    "dirichlet": mt.distributions.Dirichlet(mt.tensor([0.5, 1.0, 2.0])),
    "exponential": mt.distributions.Exponential(mt.tensor([0.5, 3.0])),
    "laplace": mt.distributions.Laplace(mt.tensor([0.5, -1.0]), mt.tensor([1.0, 2.0])),
    "mvn": mt.distributions.MultivariateNormal(mt.tensor([1.0, -1.0]),
                                               covariance_matrix=mt.tensor([[2.0, 0.5], [0.5, 1.0]])),
    "log_normal": mt.distributions.LogNormal(mt.tensor([0.5, -1.0]), mt.tensor([0.3, 0.5])),
    "half_normal": mt.distributions.HalfNormal(mt.tensor([1.0, 2.0])),
    "gumbel": mt.distributions.Gumbel(mt.tensor([0.5, -1.0]), mt.tensor([1.0, 2.0])),
    "weibull": mt.distributions.Weibull(mt.tensor([1.0, 2.0]), mt.tensor([1.5, 3.0])),
    "pareto": mt.distributions.Pareto(mt.tensor([1.0, 2.0]), mt.tensor([5.0, 6.0])),
    "inverse_gamma": mt.distributions.InverseGamma(mt.tensor([5.0, 7.0]), mt.tensor([1.0, 2.0])),
    "kumaraswamy": mt.distributions.Kumaraswamy(mt.tensor([0.5, 2.0]), mt.tensor([1.5, 3.0])),
    "chi2": mt.distributions.Chi2(mt.tensor([1.0, 4.0])),
    "student_t": mt.distributions.StudentT(mt.tensor([5.0, 9.0]), mt.tensor([0.5, -1.0]), mt.tensor([1.0, 2.0])),
    "poisson": mt.distributions.Poisson(mt.tensor([0.5, 4.0])),
    "binomial": mt.distributions.Binomial(mt.tensor([5.0, 20.0]), mt.tensor([0.3, 0.8])),
    "geometric": mt.distributions.Geometric(mt.tensor([0.3, 0.8])),
    "negative_binomial": mt.distributions.NegativeBinomial(mt.tensor([3.0, 10.0]), mt.tensor([0.3, 0.6])),
    "multinomial": mt.distributions.Multinomial(10, mt.tensor([0.2, 0.3, 0.5])),
    "continuous_bernoulli": mt.distributions.ContinuousBernoulli(mt.tensor([0.2, 0.9])),
    "fisher_snedecor": mt.distributions.FisherSnedecor(mt.tensor([5.0, 9.0]), mt.tensor([12.0, 20.0])),
    "generalized_pareto": mt.distributions.GeneralizedPareto(mt.tensor([0.5, -1.0]), mt.tensor([1.0, 2.0]),
                                                             mt.tensor([0.1, -0.2])),
    "lowrank_mvn": mt.distributions.LowRankMultivariateNormal(mt.tensor([1.0, -1.0]), mt.tensor([[1.0], [0.5]]),
                                                              mt.tensor([0.5, 1.0])),
    "wishart": mt.distributions.Wishart(mt.tensor(6.0), mt.tensor([[2.0, 0.5], [0.5, 1.0]])),
    "mixture": mt.distributions.MixtureSameFamily(mt.distributions.Categorical(mt.tensor([0.3, 0.7])),
                                                  mt.distributions.Normal(mt.tensor([-2.0, 1.0]),
                                                                          mt.tensor([0.5, 1.0]))),
}


@pytest.mark.parametrize("name", SAMPLE_STATS)
def test_sample_mean_and_variance(name: str) -> None:
    """Seeded draws: the sample mean is within 5 standard errors of the mean, the variance within 10%."""
    dist = SAMPLE_STATS[name]
    mt.manual_seed(0)
    n = 20000
    draws = dist.sample((n,)).double().numpy()
    assert draws.shape == (n, *dist.batch_shape, *dist.event_shape)
    assert not dist.sample((2,)).requires_grad
    mean, var = dist.mean.double().numpy(), dist.variance.double().numpy()
    assert np.all(np.abs(draws.mean(0) - mean) < 5 * np.sqrt(var / n))
    np.testing.assert_allclose(draws.var(0), var, rtol=0.1)
    assert np.all(dist.support.check(mt.tensor(draws)).numpy())


def test_categorical_samples_and_moments_are_nan() -> None:
    dist = mt.distributions.Categorical(probs=mt.tensor([[0.2, 0.3, 0.5], [0.6, 0.3, 0.1]]))
    mt.manual_seed(0)
    draws = dist.sample((20000,))
    assert draws.dtype == mt.int64 and tuple(draws.shape) == (20000, 2)
    freq = np.stack([(draws.numpy() == k).mean(0) for k in range(3)], -1)
    np.testing.assert_allclose(freq, dist.probs.numpy(), atol=0.02)
    assert np.isnan(dist.mean.numpy()).all() and np.isnan(dist.variance.numpy()).all()
    assert dist.mode.tolist() == [2, 0]


@requires_torch
def test_reinforce_gradients_match_torch() -> None:
    """Categorical(logits=net(x)).log_prob(a) weighted by returns: the policy-gradient loss and its gradients."""
    rng = np.random.default_rng(0)
    x, actions, returns = rng.standard_normal((5, 4)), np.array([0, 2, 1, 1, 0]), rng.standard_normal(5)
    ours, theirs = mt.nn.Linear(4, 3).double(), torch.nn.Linear(4, 3).double()
    with torch.no_grad():
        theirs.weight.copy_(torch.tensor(ours.weight.detach().numpy()))
        theirs.bias.copy_(torch.tensor(ours.bias.detach().numpy()))
    loss = -(mt.distributions.Categorical(logits=ours(mt.tensor(x))).log_prob(mt.tensor(actions))
             * mt.tensor(returns)).mean()
    expected = -(torch.distributions.Categorical(logits=theirs(torch.tensor(x))).log_prob(torch.tensor(actions))
                 * torch.tensor(returns)).mean()
    loss.backward()
    expected.backward()
    np.testing.assert_allclose(loss.item(), expected.item(), rtol=1e-12)
    np.testing.assert_allclose(ours.weight.grad.numpy(), theirs.weight.grad.numpy(), rtol=1e-10)
    np.testing.assert_allclose(ours.bias.grad.numpy(), theirs.bias.grad.numpy(), rtol=1e-10)


def test_shapes_expand_and_enumerate_support() -> None:
    normal = mt.distributions.Normal(mt.zeros(3), 1.0)
    assert normal.batch_shape == mt.Size([3]) and normal.event_shape == mt.Size([])
    assert mt.distributions.Normal(0.0, 1.0).batch_shape == mt.Size([])
    expanded = normal.expand((2, 3))
    assert expanded.batch_shape == mt.Size([2, 3]) and tuple(expanded.sample((4,)).shape) == (4, 2, 3)
    mvn = mt.distributions.MultivariateNormal(mt.zeros(2), mt.eye(2)).expand((5,))
    assert tuple(mvn.covariance_matrix.shape) == (5, 2, 2) and tuple(mvn.log_prob(mt.zeros(5, 2)).shape) == (5,)
    diag = mt.distributions.Independent(mt.distributions.Normal(mt.zeros(4, 3), 1.0), 1)
    assert diag.batch_shape == mt.Size([4]) and diag.event_shape == mt.Size([3]) and diag.has_rsample
    assert mt.distributions.Bernoulli(mt.tensor([0.3, 0.6])).enumerate_support().tolist() == [[0.0, 0.0], [1.0, 1.0]]
    assert mt.distributions.Categorical(logits=mt.zeros(2, 3)).enumerate_support(expand=False).tolist() == \
        [[0], [1], [2]]


@requires_torch
def test_validate_args_messages_match_torch() -> None:
    with pytest.raises(ValueError) as ours:
        mt.distributions.Normal(mt.tensor([0.0]), mt.tensor([-1.0]))
    with pytest.raises(ValueError) as theirs:
        torch.distributions.Normal(torch.tensor([0.0]), torch.tensor([-1.0]))
    assert str(ours.value).split(" of distribution")[0] == str(theirs.value).split(" of distribution")[0]
    assert "to satisfy the constraint GreaterThan(lower_bound=0.0), but found invalid values" in str(ours.value)
    mt.distributions.Normal(mt.tensor([0.0]), mt.tensor([-1.0]), validate_args=False)
    with pytest.raises(ValueError, match="Expected value argument .* to be within the support \\(Boolean\\(\\)\\)"):
        mt.distributions.Bernoulli(probs=mt.tensor([0.5])).log_prob(mt.tensor([0.5]))
    with pytest.raises(ValueError, match="within the support \\(IntegerInterval\\(lower_bound=0, upper_bound=2\\)"):
        mt.distributions.Categorical(logits=mt.zeros(3)).log_prob(mt.tensor(3))
    with pytest.raises(ValueError, match="Either `probs` or `logits` must be specified, but not both."):
        mt.distributions.Categorical()
    with pytest.raises(ValueError, match="Uniform is not defined when low>= high"):
        mt.distributions.Uniform(1.0, 0.0)
    with pytest.raises(ValueError, match="Exactly one of covariance_matrix or precision_matrix or scale_tril"):
        mt.distributions.MultivariateNormal(mt.zeros(2))
    with pytest.raises(ValueError, match="The right-most size of value must match event_shape"):
        mt.distributions.Dirichlet(mt.ones(3)).log_prob(mt.ones(2) / 2)
    with pytest.raises(ValueError, match="satisfy the constraint Simplex"):
        mt.distributions.Categorical(probs=mt.tensor([0.5, -0.1]))


def test_set_default_validate_args() -> None:
    try:
        mt.distributions.Distribution.set_default_validate_args(False)
        assert mt.distributions.Normal(0.0, -1.0).scale.item() == -1.0
    finally:
        mt.distributions.Distribution.set_default_validate_args(True)
    with pytest.raises(ValueError):
        mt.distributions.Normal(0.0, -1.0)





def regularized_gamma(a: float, z: float) -> float:
    """P(a, z) by its power series, in float64 (test reference)."""
    n = np.arange(int(max(z - a, 0) + 12 * np.sqrt(z)) + 60)
    log_gamma = np.array([math.lgamma(a + k + 1) for k in n])
    return float(np.sum(np.exp((a + n) * math.log(z) - z - log_gamma)))


def gamma_quantile(a: float, u: float, low: float, high: float) -> float:
    """The z with P(a, z) = u, by bisection."""
    for _ in range(200):
        mid = (low + high) / 2
        low, high = (mid, high) if regularized_gamma(a, mid) < u else (low, mid)
    return (low + high) / 2


@pytest.mark.parametrize(("alpha", "z"), [(0.05, 1e-3), (0.5, 0.3), (2.0, 1.5), (10.0, 12.0), (100.0, 90.0),
                                          (0.5, 5.0)])
def test_standard_gamma_grad_matches_finite_differences(alpha: float, z: float) -> None:
    """The implicit gradient is the derivative of the quantile at a fixed CDF value."""
    u, h = regularized_gamma(alpha, z), 1e-5 * alpha
    expected = (gamma_quantile(alpha + h, u, z / 2, z * 2) - gamma_quantile(alpha - h, u, z / 2, z * 2)) / (2 * h)
    got = utils.standard_gamma_grad(mt.tensor([alpha], dtype=mt.float64), mt.tensor([z], dtype=mt.float64))
    np.testing.assert_allclose(got.item(), expected, rtol=1e-6)


def test_standard_gamma_grad_is_differentiable() -> None:
    alpha = mt.tensor([0.5, 2.0, 10.0], dtype=mt.float64, requires_grad=True)
    z = mt.tensor([0.3, 1.5, 12.0], dtype=mt.float64, requires_grad=True)
    assert gradcheck(utils.standard_gamma_grad, (alpha, z))
    assert gradgradcheck(utils.standard_gamma_grad, (alpha, z))


@requires_torch
def test_standard_gamma_grad_matches_torch() -> None:
    """PyTorch's _standard_gamma_grad is an approximation (about 1e-4 relative); ours sums the exact series."""
    alpha = np.array([0.05, 0.5, 2.0, 10.0, 100.0, 1000.0, 0.5, 3.0])
    z = np.array([1e-8, 0.3, 1.5, 12.0, 90.0, 1050.0, 5.0, 0.01])
    np.testing.assert_allclose(utils.standard_gamma_grad(mt.tensor(alpha), mt.tensor(z)).numpy(),
                               torch._standard_gamma_grad(torch.tensor(alpha), torch.tensor(z)).numpy(), rtol=1e-3)


IMPLICIT = {  # a distribution of (a, b), an expectation E[f(x)] of its samples, and that expectation's gradient
    "gamma": (lambda a, b: mt.distributions.Gamma(a, b), lambda x: x.log(),
              lambda a, b: (mt.polygamma(1, a), -1 / b)),
    "beta": (lambda a, b: mt.distributions.Beta(a, b), lambda x: x,
             lambda a, b: (b / (a + b) ** 2, -a / (a + b) ** 2)),
    "dirichlet": (lambda a, b: mt.distributions.Dirichlet(mt.stack([a, b], -1)), lambda x: x[..., 0],
                  lambda a, b: (b / (a + b) ** 2, -a / (a + b) ** 2)),
}


@pytest.mark.parametrize("name", IMPLICIT)
def test_implicit_rsample_gradient_is_unbiased(name: str) -> None:
    """The mean over seeded draws of d f(x)/d params is within 5 standard errors of d E[f(x)]/d params (each
    draw gets its own copy of the parameters, so one backward gives every draw's gradient)."""
    make, f, exact = IMPLICIT[name]
    n = 4000
    a = mt.tensor(np.tile([0.7, 3.0], (n, 1)), requires_grad=True)
    b = mt.tensor(np.tile([1.5, 0.8], (n, 1)), requires_grad=True)
    assert make(a, b).has_rsample
    mt.manual_seed(0)
    f(make(a, b).rsample()).sum().backward()
    for grad, expected in zip((a.grad, b.grad), exact(a.detach()[0], b.detach()[0])):
        draws = grad.numpy()
        np.testing.assert_array_less(np.abs(draws.mean(0) - expected.numpy()), 5 * draws.std(0) / np.sqrt(n) + 1e-12)


@requires_torch
def test_generalized_pareto_matches_torch_in_float32() -> None:
    """PyTorch's GeneralizedPareto compares its concentration with a float32 zero, so it only runs in float32."""
    arrays = [a.astype(np.float32) for a in (REAL, POS, REAL * 0.3, REAL + POS, PROBS)]
    ours = [mt.tensor(a, requires_grad=True) for a in arrays[:3]]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays[:3]]
    dist_o, dist_t = mt.distributions.GeneralizedPareto(*ours), torch.distributions.GeneralizedPareto(*theirs)
    value, prob = arrays[3], arrays[4]
    pairs = [(dist_o.log_prob(mt.tensor(value)), dist_t.log_prob(torch.tensor(value))),
             (dist_o.cdf(mt.tensor(value)), dist_t.cdf(torch.tensor(value))),
             (dist_o.icdf(mt.tensor(prob)), dist_t.icdf(torch.tensor(prob))),
             (dist_o.entropy(), dist_t.entropy()), (dist_o.mean, dist_t.mean), (dist_o.variance, dist_t.variance)]
    for out, expected in pairs:
        np.testing.assert_allclose(out.detach().numpy(), expected.detach().numpy(), rtol=2e-5, atol=1e-6)
    sum(o.sum() for o, _ in pairs[:3]).backward()
    sum(t.sum() for _, t in pairs[:3]).backward()
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-4, atol=1e-5)


def test_von_mises_samples_have_the_circular_moments() -> None:
    """Angles in [-pi, pi) whose mean resultant E[cos(x - loc)] is 1 - the circular variance, and whose
    E[sin(x - loc)] is 0."""
    dist = mt.distributions.VonMises(mt.tensor([0.5, -3.0, 2.0]), mt.tensor([4.0, 0.5, 1e-6]))
    mt.manual_seed(0)
    draws = dist.sample((20000,)).numpy()
    assert draws.min() >= -np.pi and draws.max() < np.pi
    centred = draws - dist.loc.numpy()
    np.testing.assert_allclose(np.cos(centred).mean(0), 1 - dist.variance.numpy(), atol=0.015)
    np.testing.assert_allclose(np.sin(centred).mean(0), 0.0, atol=0.015)


def test_lkj_cholesky_samples_are_correlation_factors() -> None:
    """Each draw is lower triangular with unit-norm rows; an off-diagonal correlation of a d x d matrix has the
    marginal Beta(eta - 1 + d/2, eta - 1 + d/2) on (-1, 1): for eta 1 and d 3, mean 0 and variance 1/4."""
    mt.manual_seed(0)
    draws = mt.distributions.LKJCholesky(3, 1.0).sample((20000,))
    assert bool(mt.distributions.constraints.corr_cholesky.check(draws).all())
    corr = (draws @ draws.mT).numpy()[:, 1, 0]
    assert abs(corr.mean()) < 0.02 and abs(corr.var() - 1 / 4) < 0.01
    with pytest.raises(ValueError, match="Expected dim to be an integer greater than or equal to 2. Found dim=1."):
        mt.distributions.LKJCholesky(1)
