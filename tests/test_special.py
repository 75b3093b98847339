"""The special functions (lgamma, digamma, polygamma, erfinv, i0/i0e/i1/i1e, sinc, ndtr/ndtri/log_ndtr, entr,
logit, multigammaln) and the ``microtensor.special`` namespace: accuracy against SciPy and PyTorch over wide
ranges and tails, finite-difference gradients of first and second order, PyTorch's gradients, dtypes and
errors."""
import math

import numpy as np
import pytest
from helpers import broadcast_pairs, check_gradients, compare_with_torch, requires_torch, seeds, shapes, torch
from hypothesis import given, settings

import microtensor as mt
from microtensor import special

try:
    import scipy.special as sc
except ImportError:  # SciPy is an optional extra; its tests skip without it
    sc = None
requires_scipy = pytest.mark.skipif(sc is None, reason="SciPy is not installed")

rng = np.random.default_rng(0)
_WIDE = np.concatenate([rng.uniform(0, 3, 400), np.exp(rng.uniform(-20, 20, 400)), [0.5, 1.5, 2.5, 12.0, 1e300]])
_NEG = -np.exp(rng.uniform(-5, 5, 400))
_NEG = _NEG[_NEG != np.floor(_NEG)]
_UNIT = np.concatenate([rng.uniform(-1, 1, 400), 1 - np.exp(rng.uniform(-36, -1, 200)),
                        -1 + np.exp(rng.uniform(-36, -1, 200))])
_PROB = np.concatenate([rng.uniform(0, 1, 400), np.exp(rng.uniform(-700, -1, 200)),
                        1 - np.exp(rng.uniform(-36, -1, 200))])
_REAL = np.concatenate([rng.uniform(-10, 10, 400), -np.exp(rng.uniform(0, 7, 200)), np.exp(rng.uniform(-5, 6, 200))])

# name: (microtensor function, scipy name, float64 inputs, rtol, atol)
ACCURACY = {
    "lgamma": (mt.lgamma, "gammaln", np.concatenate([_WIDE, _NEG]), 1e-12, 1e-14),
    "digamma": (mt.digamma, "digamma", np.concatenate([_WIDE[_WIDE < 1e300], _NEG]), 1e-12, 1e-14),
    "trigamma": (lambda x: mt.polygamma(1, x), lambda x: sc.polygamma(1, x), np.concatenate([_WIDE, _NEG]), 1e-12, 0),
    "polygamma3": (lambda x: mt.polygamma(3, x), lambda x: sc.polygamma(3, x), _WIDE[_WIDE < 1e10], 1e-12, 0),
    "erfinv": (mt.erfinv, "erfinv", _UNIT, 1e-12, 0),
    "ndtri": (special.ndtri, "ndtri", _PROB, 1e-12, 0),
    "ndtr": (special.ndtr, "ndtr", _REAL, 1e-11, 1e-300),
    "log_ndtr": (special.log_ndtr, "log_ndtr", _REAL, 1e-11, 0),
    "i0": (mt.i0, "i0", np.concatenate([_REAL, [700.0, -700.0]]), 1e-13, 0),
    "i0e": (special.i0e, "i0e", np.concatenate([_REAL, [1e6, -1e6]]), 1e-13, 0),
    "i1": (special.i1, "i1", np.concatenate([_REAL, [700.0, -700.0, 0.0]]), 1e-13, 0),
    "i1e": (special.i1e, "i1e", np.concatenate([_REAL, [1e6, -1e6]]), 1e-13, 0),
    "sinc": (mt.sinc, "sinc", _REAL, 1e-13, 1e-16),
    "entr": (special.entr, "entr", np.concatenate([_WIDE, [0.0, -1.0]]), 1e-13, 0),
    "erfcx": (special.erfcx, "erfcx", np.concatenate([_REAL, [-30.0, 1e6]]), 1e-12, 0),
}


@requires_scipy
@pytest.mark.parametrize("name", ACCURACY)
def test_float64_matches_scipy(name):
    fn, ref, x, rtol, atol = ACCURACY[name]
    expected = (getattr(sc, ref) if isinstance(ref, str) else ref)(x)
    np.testing.assert_allclose(fn(mt.tensor(x)).numpy(), expected, rtol=rtol, atol=atol)


# torch's trigamma (and so the gradient of digamma) sums a short asymptotic series: about 1e-10 relative
TORCH_RTOL = {"trigamma": 1e-9, "digamma": 1e-9, "polygamma1": 1e-9}


@requires_torch
@pytest.mark.parametrize("name", ACCURACY)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_values_match_torch(name, dtype):
    fn, _, x, _, _ = ACCURACY[name]
    torch_fn = TORCH[name]
    with np.errstate(over="ignore"):
        x = x.astype(dtype)
    ours = fn(mt.tensor(x)).numpy()
    # the reference is torch's float64 value rounded to the dtype: torch's float32 kernels compute in float32
    # and lose digits (trigamma of negative inputs, lgamma near its zeros), ours compute in float64
    theirs = torch_fn(torch.tensor(x, dtype=torch.float64)).numpy().astype(dtype)
    assert ours.dtype == torch_fn(torch.tensor(x)).numpy().dtype
    rtol = 2e-6 if dtype == "float32" else TORCH_RTOL.get(name, 1e-11)
    np.testing.assert_allclose(ours, theirs, rtol=rtol, atol=1e-13)


def test_lgamma_is_exact_near_its_zeros():
    """lgamma(1 + z) and lgamma(2 + z) keep full relative precision as z -> 0 (reference: mpmath's values)."""
    x = mt.tensor([1.9997691412848557, 1 + 1e-10, 2 - 1e-10, 1 - 1e-8, 2.0000001], dtype=mt.float64)
    expected = [-9.758626143399075e-05, -5.772157125783244e-11, -4.2278437004755317e-11, 5.772156760265731e-09,
                4.227843666532498e-08]
    np.testing.assert_allclose(mt.lgamma(x).numpy(), expected, rtol=1e-13)


@pytest.mark.parametrize("fn, x, expected", [
    (mt.lgamma, [0.0, -1.0, -math.inf, math.inf, math.nan], [math.inf, math.inf, math.inf, math.inf, math.nan]),
    (mt.digamma, [0.0, -0.0, -2.0, math.inf], [-math.inf, math.inf, math.nan, math.inf]),
    (lambda x: mt.polygamma(2, x), [0.0, -1.0], [-math.inf, -math.inf]),
    (mt.erfinv, [1.0, -1.0, 1.5, 0.0], [math.inf, -math.inf, math.nan, 0.0]),
    (special.ndtri, [0.0, 1.0, 0.5, -0.1], [-math.inf, math.inf, 0.0, math.nan]),
    (mt.sinc, [0.0, -0.0], [1.0, 1.0]),
    (special.entr, [0.0, -2.0, math.nan], [0.0, -math.inf, math.nan]),
])
def test_special_values(fn, x, expected):
    np.testing.assert_array_equal(fn(mt.tensor(x, dtype=mt.float64)).numpy(), np.array(expected))


# name: (function, domain of its inputs)
GRADIENTS = {
    "lgamma": (mt.lgamma, lambda a: np.abs(a) + 0.1),
    "lgamma_negative": (mt.lgamma, lambda a: -0.25 - 0.5 * (np.abs(a) % 1)),
    "digamma": (mt.digamma, lambda a: np.abs(a) + 0.2),
    "polygamma1": (lambda x: mt.polygamma(1, x), lambda a: np.abs(a) + 0.2),
    "polygamma2": (lambda x: x.polygamma(2), lambda a: a * 0.2 - 0.5),
    "erfinv": (mt.erfinv, lambda a: np.tanh(a) * 0.9),
    "i0": (mt.i0, lambda a: 2 * a),
    "i0e": (special.i0e, lambda a: 2 * a),
    "i1": (special.i1, lambda a: 2 * a),
    "i1e": (special.i1e, lambda a: 2 * a),
    "sinc": (mt.sinc, lambda a: a + 0.05),
    "ndtr": (special.ndtr, lambda a: 2 * a),
    "ndtri": (special.ndtri, lambda a: 0.05 + 0.9 / (1 + np.exp(-a))),
    "log_ndtr": (special.log_ndtr, lambda a: 3 * a),
    "entr": (special.entr, lambda a: np.abs(a) + 0.1),
    "erfcx": (special.erfcx, lambda a: 2 * a),
    "logit": (mt.logit, lambda a: 0.05 + 0.9 / (1 + np.exp(-a))),
    "logit_eps": (lambda x: special.logit(x, eps=0.2), lambda a: 0.05 + 0.9 / (1 + np.exp(-a))),
    "multigammaln": (lambda x: special.multigammaln(x, 3), lambda a: np.abs(a) + 1.2),
}


@pytest.mark.parametrize("name", GRADIENTS)
@given(shape=shapes, seed=seeds)
@settings(max_examples=8, deadline=None)
def test_gradcheck(name, shape, seed):
    fn, domain = GRADIENTS[name]
    a = np.random.default_rng(seed).standard_normal(shape)
    check_gradients(fn, domain(np.asarray(a)))


@pytest.mark.parametrize("name", ["i1", "i1e", "sinc"])
def test_gradient_at_zero(name):
    x = mt.tensor([0.0], dtype=mt.float64, requires_grad=True)
    GRADIENTS[name][0](x).sum().backward()
    assert x.grad.item() == {"i1": 0.5, "i1e": 0.5, "sinc": 0.0}[name]


TORCH = {} if torch is None else {
    "lgamma": torch.lgamma, "lgamma_negative": torch.lgamma, "digamma": torch.digamma,
    "trigamma": lambda x: torch.polygamma(1, x), "polygamma1": lambda x: torch.polygamma(1, x),
    "polygamma2": lambda x: x.polygamma(2), "polygamma3": lambda x: torch.polygamma(3, x),
    "erfinv": torch.erfinv, "i0": torch.i0, "i0e": torch.special.i0e, "i1": torch.special.i1,
    "i1e": torch.special.i1e, "sinc": torch.sinc, "ndtr": torch.special.ndtr, "ndtri": torch.special.ndtri,
    "log_ndtr": torch.special.log_ndtr, "entr": torch.special.entr, "erfcx": torch.special.erfcx, "logit": torch.logit,
    "logit_eps": lambda x: torch.special.logit(x, eps=0.2),
    "multigammaln": lambda x: torch.special.multigammaln(x, 3),
}


@requires_torch
@pytest.mark.parametrize("name", GRADIENTS)
def test_forward_backward_match_torch(name):
    fn, domain = GRADIENTS[name]
    compare_with_torch(fn, domain(np.random.default_rng(3).standard_normal((3, 4))), torch_fn=TORCH[name],
                       rtol=TORCH_RTOL.get(name, 1e-10), atol=1e-12)


@requires_torch
@pytest.mark.parametrize("name", ["lgamma", "digamma", "erfinv", "i0", "i1e", "sinc", "log_ndtr"])
def test_second_derivative_matches_torch(name):
    fn, domain = GRADIENTS[name]
    x = domain(np.linspace(-1, 1, 7))
    ours = mt.tensor(x, requires_grad=True)
    theirs = torch.tensor(x, requires_grad=True)
    g, = mt.autograd.grad(fn(ours).sum(), ours, create_graph=True)
    tg, = torch.autograd.grad(TORCH[name](theirs).sum(), theirs, create_graph=True)
    gg, = mt.autograd.grad(g.sum(), ours)
    tgg, = torch.autograd.grad(tg.sum(), theirs)
    np.testing.assert_allclose(gg.numpy(), tgg.numpy(), rtol=1e-8, atol=1e-12)


@pytest.mark.parametrize("fn", [mt.lgamma, mt.digamma, mt.erfinv, mt.i0, mt.sinc, special.i1, special.ndtr,
                                lambda x: mt.polygamma(1, x), mt.logit])
@pytest.mark.parametrize("dtype", [mt.int64, mt.int32, mt.bool])
def test_integer_inputs_give_the_default_float(fn, dtype):
    assert fn(mt.tensor([0, 1], dtype=dtype)).dtype == mt.float32
    assert fn(mt.tensor([0.5], dtype=mt.float64)).dtype == mt.float64


def test_size_zero_inputs():
    for fn in (mt.lgamma, mt.digamma, mt.erfinv, mt.i0, special.i1e, special.log_ndtr):
        x = mt.zeros(0, 3, dtype=mt.float64, requires_grad=True)
        out = fn(x)
        assert out.shape == (0, 3)
        out.sum().backward()
        assert x.grad.shape == (0, 3)


@requires_torch
@pytest.mark.parametrize("name, args", [("lgamma_", ()), ("digamma_", ()), ("erfinv_", ()), ("i0_", ()),
                                        ("sinc_", ()), ("polygamma_", (2,)), ("logit_", ()), ("logit_", (0.3,))])
def test_inplace_forms_match_torch(name, args):
    x = np.array([0.2, 0.45, 0.7])
    ours, theirs = mt.tensor(x), torch.tensor(x)
    assert getattr(ours, name)(*args) is ours
    getattr(theirs, name)(*args)
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-12)
    assert ours._version == 1


def test_inplace_records_the_gradient():
    a = mt.tensor([0.3, 1.7], dtype=mt.float64, requires_grad=True)
    b = a * 1
    b.lgamma_()
    b.sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), mt.digamma(a.detach()).numpy())


def test_errors():
    with pytest.raises(RuntimeError, match=r"polygamma\(n, x\) does not support negative n, got n=-1"):
        mt.polygamma(-1, mt.tensor([1.0]))
    with pytest.raises(TypeError, match=r"polygamma\(\): argument 'n' \(position 1\) must be int, not float"):
        mt.polygamma(1.0, mt.tensor([1.0]))
    with pytest.raises(TypeError, match=r"lgamma\(\): argument 'input' \(position 1\) must be Tensor, not list"):
        mt.lgamma([1.0])
    with pytest.raises(RuntimeError, match=r"multigammaln\(\): all elements must be greater than \(p-1\)/2 = 1.0"):
        special.multigammaln(mt.tensor([1.0, 3.0]), 3)
    with pytest.raises(RuntimeError, match=r"multigammaln\(\): p has to be greater than or equal to 1, got p=0"):
        special.multigammaln(mt.tensor([1.0]), 0)
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad"):
        mt.tensor([1.0], requires_grad=True).lgamma_()


@requires_torch
def test_the_namespace_has_torch_special_names():
    for name in special.__all__:
        assert hasattr(torch.special, name), name
        assert callable(getattr(special, name))
    assert special.expit is mt.sigmoid and special.gammaln is mt.lgamma and special.psi is mt.digamma


@requires_torch
@pytest.mark.parametrize("name, call", [
    ("expit", lambda s, x: s.expit(x)),
    ("erf", lambda s, x: s.erf(x)),
    ("erfc", lambda s, x: s.erfc(x)),
    ("exp2", lambda s, x: s.exp2(x)),
    ("expm1", lambda s, x: s.expm1(x)),
    ("log1p", lambda s, x: s.log1p(x.abs())),
    ("round", lambda s, x: s.round(x, decimals=1)),
    ("logsumexp", lambda s, x: s.logsumexp(x, dim=1, keepdim=True)),
    ("softmax", lambda s, x: s.softmax(x, dim=-1)),
    ("log_softmax", lambda s, x: s.log_softmax(x, 0)),
    ("psi", lambda s, x: s.psi(x.abs() + 0.5)),
    ("gammaln", lambda s, x: s.gammaln(x.abs() + 0.5)),
    ("polygamma", lambda s, x: s.polygamma(2, input=x.abs() + 0.5)),
    ("logit", lambda s, x: s.logit(s.expit(x), eps=1e-6)),
    ("multigammaln", lambda s, x: s.multigammaln(x.abs() + 2, p=3)),
])
def test_namespace_aliases_match_torch(name, call):
    x = np.random.default_rng(1).standard_normal((3, 4))
    compare_with_torch(lambda t: call(special, t), x, torch_fn=lambda t: call(torch.special, t), rtol=1e-10)


BINARY = {"xlogy": (special.xlogy, lambda a: np.abs(a) + 0.1), "xlog1py": (special.xlog1py, lambda a: np.abs(a) - 0.9)}


@pytest.mark.parametrize("name", BINARY)
@given(pair=broadcast_pairs, seed=seeds)
@settings(max_examples=8, deadline=None)
def test_binary_gradcheck(name, pair, seed):
    fn, domain = BINARY[name]
    rng = np.random.default_rng(seed)
    x, y = (np.asarray(rng.standard_normal(s)) for s in pair.input_shapes)
    check_gradients(fn, x, domain(y))


@requires_torch
@pytest.mark.parametrize("name", BINARY)
def test_binary_matches_torch(name):
    fn, domain = BINARY[name]
    x = np.array([[0.0], [1.5], [-2.0]])
    y = np.array([0.0, -1.0, 3.0, np.nan, 0.5])
    compare_with_torch(fn, x, y, torch_fn=getattr(torch.special, name), rtol=1e-12)
    compare_with_torch(fn, x, domain(y[None, 2:]), torch_fn=getattr(torch.special, name), rtol=1e-12)
    for ours, theirs in [(fn(2, mt.tensor([1, 2])), getattr(torch.special, name)(2, torch.tensor([1, 2]))),
                         (fn(mt.tensor([0, 3]), 0.5), getattr(torch.special, name)(torch.tensor([0, 3]), 0.5)),
                         (fn(input=mt.tensor([1.0], dtype=mt.float64), other=mt.tensor([2.0])),
                          getattr(torch.special, name)(input=torch.tensor([1.0], dtype=torch.float64),
                                                       other=torch.tensor([2.0])))]:
        assert ours.dtype.name == str(theirs.dtype).replace("torch.", "")
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6)


@pytest.mark.parametrize("name", BINARY)
def test_binary_errors(name):
    fn = BINARY[name][0]
    with pytest.raises(TypeError, match=rf"{name}\(\): expected a Tensor for input or other"):
        fn(1.0, 2.0)
    with pytest.raises(RuntimeError, match=rf"{name}"):
        fn(mt.ones(2), mt.ones(3))


@requires_torch
def test_mvlgamma_is_multigammaln():
    x = np.array([2.5, 3.0, 7.25])
    compare_with_torch(lambda t: t.mvlgamma(2), x, rtol=1e-12)
    compare_with_torch(lambda t: mt.mvlgamma(t, p=4), x, torch_fn=lambda t: torch.mvlgamma(t, p=4), rtol=1e-12)
