"""bfloat16 tensors against PyTorch: conversions, creation, promotion, finfo, printing, and ops that compute in
float32 and round to bfloat16 once, as PyTorch's CPU kernels do (values, dtypes and gradients)."""
from __future__ import annotations

import pathlib
import re

import numpy as np
import pytest

import microtensor as mt
from tests.helpers import requires_torch, torch

RNG = np.random.default_rng(22)
SEED = 7                         # each test draws its own weights: xdist may run them in any order
X = RNG.standard_normal((3, 5)).astype(np.float32)
Y = RNG.standard_normal((3, 5)).astype(np.float32)
BF16_ULP = 2.0 ** -7             # bfloat16 keeps 8 significant bits: one unit in the last place, relative


def pair(array: np.ndarray, requires_grad: bool = False) -> tuple:
    """The same bfloat16 values as a microtensor and as a torch leaf."""
    ours = mt.tensor(array).bfloat16().detach().requires_grad_(requires_grad)
    theirs = torch.tensor(array).bfloat16().detach().requires_grad_(requires_grad)
    return ours, theirs


def assert_same(ours: mt.Tensor, theirs: torch.Tensor, ulps: float = 0) -> None:
    """Same shape and dtype, and the same values (within ``ulps`` bfloat16 units where summation order differs)."""
    assert ours.dtype.name == str(theirs.dtype).removeprefix("torch."), (ours.dtype, theirs.dtype)
    assert tuple(ours.shape) == tuple(theirs.shape)
    np.testing.assert_allclose(ours.detach().float().numpy(), theirs.detach().float().numpy(),
                               rtol=ulps * BF16_ULP, atol=1e-30 if not ulps else 1e-6)


@requires_torch
def test_dtype_names_and_predicates() -> None:
    x = mt.zeros(2, dtype=mt.bfloat16)
    assert repr(mt.bfloat16) == "microtensor.bfloat16" and mt.bfloat16.is_floating_point
    assert x.is_floating_point() and x.is_signed() and x.element_size() == 2
    assert mt.bfloat16.itemsize == torch.bfloat16.itemsize


@requires_torch
@pytest.mark.parametrize("convert", [lambda t, L: t.bfloat16(), lambda t, L: t.to(L.bfloat16),
                                     lambda t, L: t.to(dtype=L.bfloat16), lambda t, L: t.type(L.bfloat16)])
def test_conversions_both_ways(convert) -> None:
    values = np.array([1.0, 1 / 3, -2.71828, 1e-3, 65504.0, 1e38, -0.0, np.inf, np.nan], dtype=np.float32)
    ours, theirs = convert(mt.tensor(values), mt), convert(torch.tensor(values), torch)
    assert_same(ours, theirs)
    assert_same(ours.float(), theirs.float())
    assert_same(ours.double(), theirs.double())
    assert_same(ours[:4].half(), theirs[:4].half())
    ints = mt.tensor([1, -7, 300]).bfloat16(), torch.tensor([1, -7, 300]).bfloat16()
    assert_same(*ints)
    assert_same(ints[0].long(), ints[1].long())
    assert ours.bfloat16() is ours


@requires_torch
def test_creation_functions() -> None:
    for name, args in [("zeros", (2, 3)), ("ones", (4,)), ("full", ((2,), 0.1)), ("arange", (0, 2, 0.3)),
                       ("linspace", (0, 1, 5)), ("eye", (3,)), ("empty", (0, 2))]:
        ours = getattr(mt, name)(*args, dtype=mt.bfloat16)
        theirs = getattr(torch, name)(*args, dtype=torch.bfloat16)
        if name == "empty":
            assert ours.dtype is mt.bfloat16 and tuple(ours.shape) == tuple(theirs.shape)
        else:
            assert_same(ours, theirs)
    assert_same(mt.tensor([[0.1, 2], [3, 4.7]], dtype=mt.bfloat16), torch.tensor([[0.1, 2], [3, 4.7]],
                                                                                   dtype=torch.bfloat16))
    assert mt.randn(3, 2, dtype=mt.bfloat16).dtype is mt.bfloat16
    assert mt.rand(3, dtype=mt.bfloat16).dtype is mt.bfloat16
    assert mt.zeros_like(mt.ones(2), dtype=mt.bfloat16).dtype is mt.bfloat16
    like = mt.ones(2, dtype=mt.bfloat16)
    assert mt.zeros_like(like).dtype is mt.bfloat16 and mt.randn_like(like).dtype is mt.bfloat16


@requires_torch
def test_bfloat16_as_the_default_dtype() -> None:
    for lib in (mt, torch):
        lib.set_default_dtype(lib.bfloat16)
        try:
            made = [lib.tensor([1.5, 2.0]), lib.randn(2), lib.zeros(2), lib.arange(0.0, 1.0, 0.5),
                    lib.tensor([1, 2]) + 0.5, lib.nn.Linear(2, 2).weight]
            assert [str(t.dtype).split(".")[1] for t in made] == ["bfloat16"] * 6
            assert lib.get_default_dtype() == lib.bfloat16
        finally:
            lib.set_default_dtype(lib.float32)


@requires_torch
def test_legacy_type() -> None:
    ours, theirs = mt.BFloat16Tensor([1.5, 2.25]), torch.BFloat16Tensor([1.5, 2.25])
    assert_same(ours, theirs)
    assert isinstance(ours, mt.BFloat16Tensor) and not isinstance(mt.ones(1), mt.BFloat16Tensor)
    assert ours.type() == theirs.type() == "torch.BFloat16Tensor"
    assert mt.ones(2).type("torch.BFloat16Tensor").dtype is mt.bfloat16


@requires_torch
def test_finfo() -> None:
    ours, theirs = mt.finfo(mt.bfloat16), torch.finfo(torch.bfloat16)
    for field in ("bits", "eps", "max", "min", "tiny", "smallest_normal", "resolution", "dtype"):
        assert getattr(ours, field) == getattr(theirs, field), field


@requires_torch
def test_printing() -> None:
    for values in ([1.0, 2.5, -3.25, 1 / 3], [[1e-5, 123456.0]], [0.5]):
        ours, theirs = pair(np.array(values, dtype=np.float32))
        assert repr(ours) == repr(theirs).replace("torch.", "microtensor."), (repr(ours), repr(theirs))
    grad, _ = pair(X, requires_grad=True)
    assert "dtype=microtensor.bfloat16, requires_grad=True" in repr(grad)


SCALARS = [("int", 3), ("float", 2.5), ("bool", True)]
PARTNERS = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "bfloat16", "float32", "float64"]


@requires_torch
@pytest.mark.parametrize("other", PARTNERS)
def test_promotion_table(other: str) -> None:
    ours, theirs = getattr(mt, other), getattr(torch, other)
    assert mt.promote_types(mt.bfloat16, ours).name == str(torch.promote_types(torch.bfloat16, theirs))[6:]
    assert mt.promote_types(ours, mt.bfloat16).name == str(torch.promote_types(theirs, torch.bfloat16))[6:]
    a, b = mt.ones(2, dtype=mt.bfloat16), mt.ones(2, dtype=ours)
    ta, tb = torch.ones(2, dtype=torch.bfloat16), torch.ones(2, dtype=theirs)
    assert (a + b).dtype.name == str((ta + tb).dtype)[6:]
    assert mt.result_type(a, b).name == str(torch.result_type(ta, tb))[6:]
    zero_d, torch_zero_d = mt.ones((), dtype=ours), torch.ones((), dtype=theirs)
    assert (a * zero_d).dtype.name == str((ta * torch_zero_d).dtype)[6:]
    assert (b * mt.ones((), dtype=mt.bfloat16)).dtype.name == str((tb * torch.ones((), dtype=torch.bfloat16))
                                                                  .dtype)[6:]
    assert mt.can_cast(mt.bfloat16, ours) == torch.can_cast(torch.bfloat16, theirs)
    assert mt.can_cast(ours, mt.bfloat16) == torch.can_cast(theirs, torch.bfloat16)


@requires_torch
@pytest.mark.parametrize("name,value", SCALARS)
def test_promotion_with_python_numbers(name: str, value) -> None:
    ours, theirs = pair(X)
    assert_same(ours + value, theirs + value)
    assert_same(value * ours, value * theirs)
    assert mt.result_type(ours, value).name == str(torch.result_type(theirs, value))[6:]
    ints = mt.tensor([1, 2]), torch.tensor([1, 2])
    assert (ints[0] + mt.tensor(0.5, dtype=mt.bfloat16)).dtype.name == str(
        (ints[1] + torch.tensor(0.5, dtype=torch.bfloat16)).dtype)[6:]


BINARY = [lambda a, b: a + b, lambda a, b: a - b, lambda a, b: a * b, lambda a, b: a / b,
          lambda a, b: a.maximum(b), lambda a, b: a.atan2(b), lambda a, b: a.abs() ** b]
UNARY = [lambda a: a.exp(), lambda a: a.abs().log(), lambda a: a.tanh(), lambda a: a.sigmoid(),
         lambda a: a.abs().sqrt(), lambda a: a.sin(), lambda a: a.relu(), lambda a: a.neg(),
         lambda a: a * 0.3 + 1.7, lambda a: a.clamp(-0.5, 0.5), lambda a: a.reciprocal()]


@requires_torch
@pytest.mark.parametrize("op", BINARY)
def test_binary_arithmetic(op) -> None:
    (a, ta), (b, tb) = pair(X, True), pair(Y, True)
    out, expected = op(a, b), op(ta, tb)
    assert_same(out, expected)
    weight = np.random.default_rng(SEED).standard_normal(X.shape).astype(np.float32)
    (out * mt.tensor(weight).bfloat16()).sum().backward()
    (expected * torch.tensor(weight).bfloat16()).sum().backward()
    # backward formulas are compositions that round after each op, in PyTorch as here, in different orders
    assert_same(a.grad, ta.grad, ulps=2)
    assert_same(b.grad, tb.grad, ulps=2)


@requires_torch
@pytest.mark.parametrize("op", UNARY)
def test_unary_math(op) -> None:
    a, ta = pair(X, True)
    out, expected = op(a), op(ta)
    assert_same(out, expected)
    out.backward(mt.ones_like(out))
    expected.backward(torch.ones_like(expected))
    assert a.grad.dtype is mt.bfloat16
    assert_same(a.grad, ta.grad, ulps=1)


@requires_torch
def test_elementwise_rounds_once_in_float32() -> None:
    """1 + 2**-9 + 2**-9 is 1 in bfloat16 either way, but exp(x) of bfloat16 x is exp computed in float32, then
    rounded: the same bits as PyTorch for every input."""
    values = np.linspace(-10, 10, 2001, dtype=np.float32)
    ours, theirs = pair(values)
    for fn in ("exp", "tanh", "sigmoid", "sin", "erf"):
        assert_same(getattr(ours, fn)(), getattr(theirs, fn)())


@requires_torch
def test_matmul_and_linear_forward_backward() -> None:
    w = np.random.default_rng(SEED).standard_normal((4, 5)).astype(np.float32)
    bias = np.random.default_rng(SEED).standard_normal(4).astype(np.float32)
    (x, tx), (wt, twt) = pair(X, True), pair(w, True)
    (b, tb) = pair(bias, True)
    out, expected = mt.nn.functional.linear(x, wt, b), torch.nn.functional.linear(tx, twt, tb)
    assert_same(out, expected, ulps=1)
    out.pow(2).sum().backward()
    expected.pow(2).sum().backward()
    for ours, theirs in ((x.grad, tx.grad), (wt.grad, twt.grad), (b.grad, tb.grad)):
        assert_same(ours, theirs, ulps=2)
    (m, tm), (n, tn) = pair(X, True), pair(Y.T.copy(), True)
    assert_same(m @ n, tm @ tn, ulps=1)
    assert_same(mt.einsum("ij,jk->ik", m, n), torch.einsum("ij,jk->ik", tm, tn), ulps=1)
    assert_same(m[0].dot(n[:, 0]), tm[0].dot(tn[:, 0]), ulps=1)
    (m @ n).sum().backward()
    (tm @ tn).sum().backward()
    assert_same(m.grad, tm.grad, ulps=1)


CONVOLUTIONS = [lambda F, x, w: F.conv2d(x, w, padding=1), lambda F, x, w: F.conv2d(x, w, stride=2),
                lambda F, x, w: F.conv_transpose2d(x, w.transpose(0, 1)), lambda F, x, w: F.avg_pool2d(x, 2) * 1]


@requires_torch
@pytest.mark.parametrize("conv", CONVOLUTIONS)
def test_convolution_and_pooling(conv) -> None:
    """bfloat16 conv2d came out float32 (its GEMM widened); now every GEMM runs in float32 and rounds once."""
    rng = np.random.default_rng(SEED)
    (x, tx), (w, tw) = (pair(rng.standard_normal(shape).astype(np.float32), True)
                        for shape in ((2, 3, 8, 8), (4, 3, 3, 3)))
    out, expected = conv(mt.nn.functional, x, w), conv(torch.nn.functional, tx, tw)
    assert_same(out, expected, ulps=1)
    out.sum().backward()
    expected.sum().backward()
    assert_same(x.grad, tx.grad, ulps=1)
    if w.grad is not None:
        assert_same(w.grad, tw.grad, ulps=1)


@requires_torch
def test_linear_module_in_bfloat16() -> None:
    mt.manual_seed(0)
    ours = mt.nn.Linear(5, 4).bfloat16()
    theirs = torch.nn.Linear(5, 4).bfloat16()
    with torch.no_grad():
        theirs.weight.copy_(torch.tensor(ours.weight.detach().float().numpy()))
        theirs.bias.copy_(torch.tensor(ours.bias.detach().float().numpy()))
    assert ours.weight.dtype is mt.bfloat16 and ours.weight.requires_grad
    x, tx = pair(X)
    out, expected = ours(x), theirs(tx)
    assert_same(out, expected, ulps=1)
    out.sum().backward()
    expected.sum().backward()
    assert ours.weight.grad.dtype is mt.bfloat16
    assert_same(ours.weight.grad, theirs.weight.grad, ulps=1)
    assert_same(ours.bias.grad, theirs.bias.grad, ulps=1)


@requires_torch
@pytest.mark.parametrize("reduce", [lambda a: a.sum(), lambda a: a.mean(), lambda a: a.sum(1),
                                    lambda a: a.mean(0, keepdim=True), lambda a: a.sum(dtype=a.dtype),
                                    lambda a: a.prod(1), lambda a: a.var(1), lambda a: a.std(),
                                    lambda a: a.cumsum(1), lambda a: a.norm()])
def test_reductions_accumulate_in_float32(reduce) -> None:
    big = np.random.default_rng(SEED).standard_normal((8, 512)).astype(np.float32) + 1
    a, ta = pair(big, True)
    out, expected = reduce(a), reduce(ta)
    assert_same(out, expected, ulps=1)
    out.sum().backward()
    expected.sum().backward()
    assert a.grad.dtype is mt.bfloat16
    assert_same(a.grad, ta.grad, ulps=1)


@requires_torch
def test_logsumexp() -> None:
    """Forward within a unit of PyTorch's; the gradient exp(x - out) is PyTorch's formula at our output (one
    unit of out, near 8 here, moves exp by 3%)."""
    a, ta = pair(X * 3, True)
    out, expected = a.logsumexp(1), ta.logsumexp(1)
    assert_same(out, expected, ulps=1)
    out.sum().backward()
    assert_same(a.grad, (ta.detach() - torch.tensor(out.detach().float().numpy()).bfloat16()[:, None]).exp())


@requires_torch
@pytest.mark.parametrize("shape,dim", [((4, 6), None), ((4, 6), 1), ((5, 7, 9), 1), ((300, 8), 0)])
def test_prod_rounds_each_step_as_pytorch(shape: tuple, dim) -> None:
    """PyTorch's bfloat16 prod multiplies in bfloat16 one factor at a time (its cumprod goes through float32)."""
    a, ta = pair((np.random.default_rng(SEED).standard_normal(shape) * 0.3 + 1).astype(np.float32))
    assert_same(a.prod() if dim is None else a.prod(dim), ta.prod() if dim is None else ta.prod(dim))
    assert_same(a.cumprod(-1), ta.cumprod(-1))


@requires_torch
def test_sum_of_many_ones_is_exact() -> None:
    """Accumulating in bfloat16 would stop at 256 (256 + 1 rounds back to 256); PyTorch sums in float32."""
    ours, theirs = mt.ones(1000, dtype=mt.bfloat16), torch.ones(1000, dtype=torch.bfloat16)
    assert_same(ours.sum(), theirs.sum())
    assert_same(ours.cumsum(0), theirs.cumsum(0))
    assert float(ours.sum()) == 1000.0


@requires_torch
@pytest.mark.parametrize("dim", [0, 1, -1])
@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax_and_log_softmax(dim: int, name: str) -> None:
    """log_softmax: PyTorch's kernel rounds the sum of exponentials to bfloat16 before its log, so its results
    near 0 can differ from the float32-then-round value by a bfloat16 unit at 1 (2**-8)."""
    a, ta = pair(X * 3, True)
    out = getattr(mt.nn.functional, name)(a, dim=dim)
    expected = getattr(torch.nn.functional, name)(ta, dim=dim)
    if name == "softmax":
        assert_same(out, expected, ulps=1)
    else:
        assert out.dtype is mt.bfloat16
        np.testing.assert_allclose(out.detach().float().numpy(), expected.detach().float().numpy(),
                                   rtol=BF16_ULP, atol=2 ** -8)
    if name == "softmax":
        weight = np.random.default_rng(SEED).standard_normal(X.shape).astype(np.float32)
        (out * mt.tensor(weight).bfloat16()).sum().backward()
        (expected * torch.tensor(weight).bfloat16()).sum().backward()
        # y * (g - sum(g * y)) cancels: compare to bfloat16 precision of the gradient's largest value
        scale = float(ta.grad.float().abs().max())
        np.testing.assert_allclose(a.grad.float().numpy(), ta.grad.float().numpy(), rtol=2 * BF16_ULP,
                                   atol=2 * BF16_ULP * scale)
    else:
        out.sum().backward()
        assert a.grad.dtype is mt.bfloat16


LAYERS = [lambda F, a: F.gelu(a), lambda F, a: F.gelu(a, approximate="tanh"), lambda F, a: F.silu(a),
          lambda F, a: F.layer_norm(a, (5,)), lambda F, a: F.batch_norm(a, None, None, training=True),
          lambda F, a: F.mse_loss(a, a * 0.5 + 1, reduction="none"), lambda F, a: F.cross_entropy(a, a.argmax(1))]


@requires_torch
@pytest.mark.parametrize("layer", LAYERS)
def test_layers_in_bfloat16(layer) -> None:
    """Fused forwards compute in float32 and round once; composite backward formulas round after each op, as
    PyTorch's own composite ones do, so gradients agree to bfloat16 precision relative to their largest value."""
    a, ta = pair(X * 2, True)
    out, expected = layer(mt.nn.functional, a), layer(torch.nn.functional, ta)
    assert out.dtype is mt.bfloat16 and tuple(out.shape) == tuple(expected.shape)
    scale = float(expected.detach().float().abs().max())
    np.testing.assert_allclose(out.detach().float().numpy(), expected.detach().float().numpy(), rtol=BF16_ULP,
                               atol=4 * BF16_ULP * scale)
    weight = np.random.default_rng(SEED).standard_normal(tuple(out.shape)).astype(np.float32)
    (out * mt.tensor(weight).bfloat16()).sum().backward()
    (expected * torch.tensor(weight).bfloat16()).sum().backward()
    assert a.grad.dtype is mt.bfloat16
    grad_scale = float(ta.grad.float().abs().max())
    np.testing.assert_allclose(a.grad.float().numpy(), ta.grad.float().numpy(), rtol=2 * BF16_ULP,
                               atol=2 * BF16_ULP * grad_scale)


@requires_torch
@pytest.mark.parametrize("dtype", ["bfloat16", "float32", "float64"])
def test_hardswish_at_and_near_its_kinks(dtype: str) -> None:
    """One fused op (the composite x * hardtanh(x / 6 + 0.5) rounded x / 6 in bfloat16 and took the wrong side
    of a kink): PyTorch's values and its gradient, 0 at -3 and 1 at 3."""
    values = np.array([-4, -3, -2.9, -1, 0, 1, 2.9, 3, 3.1, 5], dtype=np.float32)
    a = mt.tensor(values).to(getattr(mt, dtype)).requires_grad_()
    ta = torch.tensor(values).to(getattr(torch, dtype)).requires_grad_()
    out, expected = mt.nn.functional.hardswish(a), torch.nn.functional.hardswish(ta)
    assert_same(out, expected)
    out.sum().backward()
    expected.sum().backward()
    assert_same(a.grad, ta.grad, ulps=1)       # x / 3 + 0.5 is two ops here, rounded after each in bfloat16


@requires_torch
@pytest.mark.parametrize("dtype", ["bfloat16", "float16"])
def test_rms_norm_works_in_float32_for_half_types(dtype: str) -> None:
    """PyTorch's rms_norm widens half types to float32, eps included (finfo(float32).eps, not the half's)."""
    values = np.array([[1e-3, 2e-3, -1e-3, 5e-4], [0.5, -2.0, 3.0, 0.25]], dtype=np.float32)
    weight = np.array([0.5, 1.0, 2.0, -1.0], dtype=np.float32)
    a = mt.tensor(values).to(getattr(mt, dtype)).requires_grad_()
    ta = torch.tensor(values).to(getattr(torch, dtype)).requires_grad_()
    w, tw = mt.tensor(weight).to(a.dtype), torch.tensor(weight).to(ta.dtype)
    out = mt.nn.functional.rms_norm(a, (4,), w)
    expected = torch.nn.functional.rms_norm(ta, (4,), tw)
    assert_same(out, expected, ulps=1)
    (out * out).sum().backward()
    (expected * expected).sum().backward()
    assert a.grad.dtype is a.dtype
    scale = float(ta.grad.float().abs().max())
    np.testing.assert_allclose(a.grad.float().numpy(), ta.grad.float().numpy(), rtol=2 * BF16_ULP,
                               atol=2 * BF16_ULP * scale)


@requires_torch
def test_cross_entropy_training_step() -> None:
    mt.manual_seed(1)
    model = mt.nn.Sequential(mt.nn.Linear(5, 8), mt.nn.ReLU(), mt.nn.Linear(8, 3)).bfloat16()
    opt = mt.optim.SGD(model.parameters(), lr=0.1)
    x = mt.tensor(X).bfloat16()
    target = mt.tensor([0, 2, 1])
    before = mt.nn.functional.cross_entropy(model(x), target)
    for _ in range(5):
        opt.zero_grad()
        loss = mt.nn.functional.cross_entropy(model(x), target)
        loss.backward()
        opt.step()
    assert loss.dtype is mt.bfloat16 and all(p.dtype is mt.bfloat16 for p in model.parameters())
    assert float(loss) < float(before)


@requires_torch
def test_errors_where_torch_errors() -> None:
    with pytest.raises(TypeError, match="iinfo"):
        mt.iinfo(mt.bfloat16)
    with pytest.raises(TypeError):
        torch.iinfo(torch.bfloat16)
    with pytest.raises(RuntimeError, match="floating point"):
        mt.tensor([1, 2]).requires_grad_()
    with pytest.raises(TypeError, match="floating-point"):
        mt.set_default_dtype(mt.int64)
    with pytest.raises(TypeError, match="floating-point"):
        torch.set_default_dtype(torch.int64)
    with pytest.raises(TypeError, match="dtype"):
        mt.zeros(2, dtype="bfloat16")
    for lib in (mt, torch):         # integer-only ops refuse bfloat16 as they refuse the other floats
        a = lib.ones(2, dtype=lib.bfloat16)
        for call, error in ((lambda: a << 1, NotImplementedError), (lambda: lib.gcd(a, a), NotImplementedError),
                            (lambda: lib.bincount(a), NotImplementedError), (lambda: lib.ones(3)[a], IndexError)):
            with pytest.raises(error):
                call()


def test_float_checks_go_through_one_predicate() -> None:
    """Every "is this dtype floating point" test calls dtypes.is_floating, which knows bfloat16 (kind "V");
    a bare kind check would treat bfloat16 tensors as integers."""
    root = pathlib.Path(__file__).resolve().parents[1]
    bare = re.compile(r"""kind\s*(==|!=)\s*["']f["']|kind\s+(not\s+)?in\s+["'][a-z]*f[a-z]*["']""")
    offenders = [f"{path.relative_to(root)}:{n}" for folder in ("microtensor", "nn", "optim")
                 for path in (root / folder).rglob("*.py") if path.name != "dtypes.py"
                 for n, line in enumerate(path.read_text().splitlines(), 1) if bare.search(line)]
    assert not offenders, f"use microtensor.dtypes.is_floating instead of a kind check: {offenders}"


@requires_torch
def test_save_and_load_keep_bfloat16(tmp_path: pathlib.Path) -> None:
    mt.manual_seed(2)
    model = mt.nn.Linear(3, 2).bfloat16()
    mt.save(model.state_dict(), tmp_path / "m.pt")
    loaded = mt.load(tmp_path / "m.pt")
    for name, value in model.state_dict().items():
        assert loaded[name].dtype is mt.bfloat16
        assert loaded[name].float().tolist() == value.float().tolist()
    transposed = mt.tensor([[1.5, 2.0], [3.0, -4.0]]).bfloat16().t()      # a strided view saves too
    mt.save({"t": transposed, "bits": mt.tensor([1, 2], dtype=mt.int16)}, tmp_path / "v.pt")
    again = mt.load(tmp_path / "v.pt")
    assert again["t"].dtype is mt.bfloat16 and again["t"].tolist() == [[1.5, 3.0], [2.0, -4.0]]
    assert again["bits"].dtype is mt.int16
