"""torch.distributions.transforms, TransformedDistribution, biject_to/transform_to and the families built on
them: forward, inverse and log-det-Jacobians against PyTorch, and against autograd's Jacobian."""
from __future__ import annotations

import numpy as np
import pytest

import microtensor as mt
from tests.helpers import requires_torch, torch

D = mt.distributions
RNG = np.random.default_rng(0)
X = RNG.standard_normal((2, 3))
POS = RNG.uniform(0.5, 2.0, (2, 3))
SQUARE = RNG.standard_normal((2, 3, 3))

# name -> (transform on a library's distributions module, input array in the domain)
TRANSFORMS = {
    "exp": (lambda d: d.ExpTransform(), X),
    "exp_inv": (lambda d: d.ExpTransform().inv, POS),
    "power": (lambda d: d.PowerTransform(2.5), POS),
    "power_tensor": (lambda d: d.PowerTransform(d_tensor(d, [[0.5, 2.0, -1.5]])), POS),
    "sigmoid": (lambda d: d.SigmoidTransform(), X),
    "softplus": (lambda d: d.SoftplusTransform(), X),
    "tanh": (lambda d: d.TanhTransform(), X),
    "affine": (lambda d: d.AffineTransform(0.5, -2.0), X),
    "affine_event": (lambda d: d.AffineTransform(d_tensor(d, [1.0, 2.0, 3.0]), d_tensor(d, [0.5, -2.0, 3.0]),
                                                 event_dim=1), X),
    "stick_breaking": (lambda d: d.StickBreakingTransform(), X),
    "compose": (lambda d: d.ComposeTransform([d.AffineTransform(1.0, 2.0), d.ExpTransform(),
                                              d.PowerTransform(0.5)]), X),
    "independent": (lambda d: d.IndependentTransform(d.SigmoidTransform(), 1), X),
    "reshape": (lambda d: d.ReshapeTransform((3,), (3, 1)), X),
    "corr_cholesky": (lambda d: d.CorrCholeskyTransform(), X),
    "cat": (lambda d: d.CatTransform([d.ExpTransform(), d.SigmoidTransform()], dim=1, lengths=[1, 2]), X),
    "stack": (lambda d: d.StackTransform([d.ExpTransform(), d.TanhTransform(), d.AffineTransform(1.0, 3.0)],
                                         dim=1), X),
}


def d_tensor(d: object, value: object) -> object:
    """A float64 tensor of the library that owns the distributions module ``d``."""
    lib = torch if d is getattr(torch, "distributions", None) else mt
    return lib.tensor(value, dtype=lib.float64)


@requires_torch
@pytest.mark.parametrize("name", TRANSFORMS)
def test_transform_matches_torch(name: str) -> None:
    make, x = TRANSFORMS[name]
    ours, theirs = make(D), make(torch.distributions)
    xo, xt = mt.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    yo, yt = ours(xo), theirs(xt)
    np.testing.assert_allclose(yo.detach().numpy(), yt.detach().numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(ours.inv(yo).detach().numpy(), theirs.inv(yt).detach().numpy(), rtol=1e-8,
                               atol=1e-10)
    np.testing.assert_allclose(ours.inv(yo).detach().numpy(), x, rtol=1e-6, atol=1e-8)
    assert tuple(ours.forward_shape(x.shape)) == tuple(theirs.forward_shape(x.shape))
    assert tuple(ours.inverse_shape(yo.shape)) == tuple(theirs.inverse_shape(yt.shape))
    assert ours.bijective == theirs.bijective
    assert ours.domain.event_dim == theirs.domain.event_dim and ours.codomain.event_dim == theirs.codomain.event_dim
    if name == "stack":
        return  # PyTorch's StackTransform log_abs_det_jacobian is defined per slice; checked below
    lo, lt = ours.log_abs_det_jacobian(xo, yo), theirs.log_abs_det_jacobian(xt, yt)
    np.testing.assert_allclose(lo.detach().numpy(), lt.detach().numpy(), rtol=1e-8, atol=1e-10)
    assert lo.requires_grad == lt.requires_grad
    if not lt.requires_grad:
        return  # a constant Jacobian (affine, reshape)
    lo.sum().backward()
    lt.sum().backward()
    np.testing.assert_allclose(xo.grad.numpy(), xt.grad.numpy(), rtol=1e-7, atol=1e-10)


@pytest.mark.parametrize("name", ["exp", "sigmoid", "softplus", "tanh", "affine", "power", "compose"])
def test_log_abs_det_jacobian_is_autograds(name: str) -> None:
    """For elementwise transforms, log|dy/dx| equals the log of autograd's derivative."""
    make, x = TRANSFORMS[name]
    t = make(D)
    xs = mt.tensor(x, requires_grad=True)
    (dy,) = mt.autograd.grad(t(xs).sum(), xs)
    np.testing.assert_allclose(t.log_abs_det_jacobian(xs, t(xs)).detach().numpy(), np.log(np.abs(dy.numpy())),
                               rtol=1e-8)


def test_caching_and_inverse_identity() -> None:
    t = D.ExpTransform(cache_size=1)
    x = mt.randn(3)
    y = t(x)
    assert t.inv(y) is x and t(x) is y
    assert D.ExpTransform().inv.inv == D.ExpTransform() and D.ExpTransform().inv != D.ExpTransform()
    assert D.ExpTransform().with_cache(1)._cache_size == 1
    with pytest.raises(ValueError, match="cache_size must be 0 or 1"):
        D.ExpTransform(cache_size=2)
    assert D.identity_transform(x) is x
    assert D.ComposeTransform([D.ExpTransform(), D.AffineTransform(0.0, -1.0)]).sign == -1


@requires_torch
@pytest.mark.parametrize("constraint", ["real", "positive", "nonnegative", "greater_than(2.0)", "less_than(1.0)",
                                        "unit_interval", "interval(-1.0, 3.0)", "simplex", "corr_cholesky",
                                        "real_vector", "independent(constraints.positive, 1)", "lower_cholesky",
                                        "positive_definite"])
def test_biject_to_and_transform_to_match_torch(constraint: str) -> None:
    """Each registry maps a real vector into the constraint's set exactly as PyTorch's does."""
    ours = eval(f"constraints.{constraint}", {"constraints": D.constraints})
    theirs = eval(f"constraints.{constraint}", {"constraints": torch.distributions.constraints})
    event = {"simplex": (3,), "corr_cholesky": (3,), "lower_cholesky": (3, 3), "positive_definite": (3, 3)}
    x = RNG.standard_normal((2,) + event.get(constraint, (3,)))
    for our_registry, their_registry in ((D.biject_to, torch.distributions.biject_to),
                                         (D.transform_to, torch.distributions.transform_to)):
        try:
            expected = their_registry(theirs)(torch.tensor(x))
        except NotImplementedError as err:
            with pytest.raises(NotImplementedError, match=str(err)):
                our_registry(ours)
            continue
        got = our_registry(ours)(mt.tensor(x))
        np.testing.assert_allclose(got.numpy(), expected.numpy(), rtol=1e-10, atol=1e-12)
        assert bool(ours.check(got).all())


def test_biject_to_unknown_constraint_errors() -> None:
    with pytest.raises(NotImplementedError, match="Cannot transform _Boolean constraints"):
        D.biject_to(D.constraints.boolean)
    with pytest.raises(TypeError, match="Expected constraint to be either a Constraint subclass or instance"):
        D.biject_to.register(int, lambda c: D.ExpTransform())


@requires_torch
def test_transformed_distribution_shapes_and_log_prob_match_torch() -> None:
    """A Normal pushed through a reshape and a stick-breaking map: batch/event shapes, samples and log_prob."""
    def build(lib: object) -> object:
        d = lib.distributions
        base = d.Normal(lib.zeros(4, 6, dtype=lib.float64), lib.ones(4, 6, dtype=lib.float64))
        return d.TransformedDistribution(base, [d.ReshapeTransform((6,), (2, 3)),
                                                d.IndependentTransform(d.StickBreakingTransform(), 1)])
    ours, theirs = build(mt), build(torch)
    assert ours.batch_shape == mt.Size(theirs.batch_shape) and ours.event_shape == mt.Size(theirs.event_shape)
    sample = theirs.sample((2,))
    assert tuple(ours.sample((2,)).shape) == tuple(sample.shape)
    np.testing.assert_allclose(ours.log_prob(mt.tensor(sample.numpy())).numpy(), theirs.log_prob(sample).numpy(),
                               rtol=1e-8)
    assert tuple(ours.expand((3, 4)).sample().shape) == (3, 4, 2, 4)
    with pytest.raises(ValueError, match="transforms must be a Transform or list"):
        D.TransformedDistribution(D.Normal(0.0, 1.0), "exp")


@requires_torch
def test_straight_through_rsample_passes_probs_gradient() -> None:
    """The value is one-hot; the gradient is that of probs (what torch's straight-through estimator gives)."""
    logits = mt.tensor(X[0], requires_grad=True)
    weights = mt.tensor([1.0, -2.0, 0.5])
    mt.manual_seed(0)
    sample = D.OneHotCategoricalStraightThrough(logits=logits).rsample()
    assert sorted(sample.detach().tolist()) == [0.0, 0.0, 1.0]
    (sample * weights).sum().backward()
    tl = torch.tensor(X[0], requires_grad=True)
    (torch.softmax(tl, -1) * torch.tensor([1.0, -2.0, 0.5], dtype=torch.float64)).sum().backward()
    np.testing.assert_allclose(logits.grad.numpy(), tl.grad.numpy(), rtol=1e-12)


@requires_torch
def test_mixture_of_multivariate_components_matches_torch() -> None:
    """A Gaussian mixture over 2-d events (Independent Normal components): log_prob, mean, variance, cdf-free."""
    locs, scales, logits = RNG.standard_normal((5, 2)), RNG.uniform(0.5, 1.5, (5, 2)), RNG.standard_normal(5)

    def build(lib: object) -> object:
        d = lib.distributions
        comp = d.Independent(d.Normal(lib.tensor(locs), lib.tensor(scales)), 1)
        return d.MixtureSameFamily(d.Categorical(logits=lib.tensor(logits)), comp)
    ours, theirs = build(mt), build(torch)
    value = RNG.standard_normal((4, 2))
    np.testing.assert_allclose(ours.log_prob(mt.tensor(value)).numpy(), theirs.log_prob(torch.tensor(value)).numpy(),
                               rtol=1e-10)
    np.testing.assert_allclose(ours.mean.numpy(), theirs.mean.numpy(), rtol=1e-10)
    np.testing.assert_allclose(ours.variance.numpy(), theirs.variance.numpy(), rtol=1e-10)
    assert tuple(ours.sample((7,)).shape) == (7, 2)
    with pytest.raises(ValueError, match="does not equal `component_distribution.batch_shape\\[-1\\]`"):
        D.MixtureSameFamily(D.Categorical(logits=mt.zeros(3)), D.Normal(mt.zeros(4), 1.0))


@requires_torch
def test_binomial_and_multinomial_entropy_and_support_match_torch() -> None:
    probs = RNG.uniform(0.1, 0.9, 3)
    ours, theirs = D.Binomial(6, mt.tensor(probs)), torch.distributions.Binomial(6, torch.tensor(probs))
    np.testing.assert_allclose(ours.entropy().numpy(), theirs.entropy().numpy(), rtol=1e-10)
    np.testing.assert_allclose(ours.enumerate_support().numpy(), theirs.enumerate_support().numpy())
    ours_m = D.Multinomial(5, mt.tensor(probs))
    theirs_m = torch.distributions.Multinomial(5, torch.tensor(probs))
    # PyTorch computes lgamma(n + 1) of an int64 n in float32: agreement to float32 precision
    np.testing.assert_allclose(ours_m.entropy().numpy(), theirs_m.entropy().numpy(), rtol=1e-6)
    with pytest.raises(NotImplementedError, match="Inhomogeneous total count not supported by `entropy`"):
        D.Binomial(mt.tensor([2.0, 3.0]), mt.tensor([0.5, 0.5])).entropy()
    with pytest.raises(NotImplementedError, match="inhomogeneous total_count is not supported"):
        D.Multinomial(mt.tensor(3), mt.tensor([0.5, 0.5]))
    with pytest.raises(ValueError, match="to be positive but found invalid values"):
        D.Geometric(mt.tensor([0.0, 0.5]))


@requires_torch
def test_signatures_match_torch() -> None:
    """Every distribution and transform takes the same arguments, by the same names, as PyTorch's."""
    import inspect
    methods = ("__init__", "sample", "rsample", "log_prob", "cdf", "icdf", "entropy", "expand", "enumerate_support",
               "log_abs_det_jacobian", "forward_shape", "inverse_shape")
    for name in D.__all__:
        theirs, ours = getattr(torch.distributions, name), getattr(D, name)
        if not inspect.isclass(theirs):
            continue
        for method in methods:
            if hasattr(theirs, method):
                assert hasattr(ours, method), f"{name}.{method}"
                expected = list(inspect.signature(getattr(theirs, method)).parameters)
                assert list(inspect.signature(getattr(ours, method)).parameters) == expected, f"{name}.{method}"
