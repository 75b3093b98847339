"""The layers of nn against PyTorch's (copied weights: outputs, input and parameter gradients, state_dict keys
and shapes, repr), BatchNorm's running statistics, PyTorch's initialisation statistics, finite-difference
gradients through every layer, and the errors for bad input."""
import math

import numpy as np
import pytest
from helpers import requires_torch, torch

import microtensor as mt
from microtensor.autograd import gradcheck
from microtensor.nn import conv, dropout, linear, normalization, pooling, sparse

LAYERS = {name: getattr(module, name) for module, names in [
    (linear, ["Linear", "Bilinear"]),
    (conv, ["Conv1d", "Conv2d", "Conv3d", "ConvTranspose1d", "ConvTranspose2d", "ConvTranspose3d"]),
    (pooling, ["MaxPool1d", "MaxPool2d", "MaxPool3d", "AvgPool1d", "AvgPool2d", "AvgPool3d", "AdaptiveAvgPool2d"]),
    (normalization, ["BatchNorm1d", "BatchNorm2d", "LayerNorm", "GroupNorm"]),
    (dropout, ["Dropout", "Dropout2d"]),
    (sparse, ["Embedding"])] for name in names}

# (layer, constructor args, constructor kwargs, inputs): an input is a float shape, or ("ids", shape, high)
CASES = [
    ("Linear", (5, 3), {}, [(4, 5)]),
    ("Linear", (5, 3), {"bias": False}, [(2, 4, 5)]),
    ("Linear", (5, 3), {}, [(5,)]),
    ("Bilinear", (3, 4, 2), {}, [(5, 3), (5, 4)]),
    ("Bilinear", (3, 4, 2), {"bias": False}, [(2, 2, 3), (2, 2, 4)]),
    ("Conv1d", (3, 4, 3), {}, [(2, 3, 9)]),
    ("Conv1d", (4, 6, 3), {"stride": 2, "padding": 1, "dilation": 2, "groups": 2}, [(2, 4, 11)]),
    ("Conv1d", (3, 4, 4), {"padding": "same", "bias": False}, [(3, 8)]),
    ("Conv2d", (1, 6, 5), {"padding": 2}, [(2, 1, 7, 7)]),
    ("Conv2d", (3, 4, (3, 2)), {"stride": (2, 1), "padding": (1, 0), "bias": False}, [(2, 3, 7, 6)]),
    ("Conv2d", (4, 4, 3), {"groups": 4}, [(2, 4, 6, 6)]),
    ("Conv2d", (4, 6, 3), {"groups": 2, "stride": 2}, [(2, 4, 7, 7)]),
    ("Conv2d", (2, 4, 3), {"dilation": 2, "padding": "same"}, [(2, 2, 7, 7)]),
    ("Conv2d", (2, 4, 4), {"padding": "same"}, [(1, 2, 6, 5)]),
    ("Conv2d", (2, 3, 3), {"padding": "valid"}, [(2, 5, 5)]),
    ("ConvTranspose2d", (3, 4, 3), {}, [(2, 3, 5, 5)]),
    ("ConvTranspose2d", (4, 6, 3), {"stride": 2, "padding": 1, "output_padding": 1, "groups": 2}, [(2, 4, 4, 4)]),
    ("ConvTranspose2d", (2, 3, (2, 3)), {"stride": (2, 1), "dilation": 2, "bias": False}, [(2, 4, 3)]),
    ("Conv3d", (2, 4, 3), {"padding": 1}, [(2, 2, 4, 5, 4)]),
    ("Conv3d", (4, 6, (1, 2, 3)), {"stride": (1, 2, 1), "dilation": (2, 1, 1), "groups": 2, "bias": False},
     [(1, 4, 4, 5, 6)]),
    ("Conv3d", (2, 3, 2), {"padding": "same"}, [(2, 4, 3, 5)]),
    ("ConvTranspose1d", (3, 4, 3), {}, [(2, 3, 6)]),
    ("ConvTranspose1d", (4, 6, 3), {"stride": 2, "padding": 1, "output_padding": 1, "groups": 2, "dilation": 2},
     [(4, 5)]),
    ("ConvTranspose3d", (2, 3, 2), {"stride": 2}, [(1, 2, 2, 3, 2)]),
    ("ConvTranspose3d", (4, 2, (2, 1, 3)), {"stride": (1, 2, 2), "padding": (0, 0, 1), "output_padding": (0, 1, 1),
                                            "groups": 2, "bias": False}, [(4, 2, 2, 3)]),
    ("MaxPool3d", (2,), {}, [(2, 2, 4, 4, 4)]),
    ("MaxPool3d", ((3, 2, 2),), {"stride": (2, 1, 2), "padding": 1, "dilation": (1, 2, 1), "ceil_mode": True,
                                 "return_indices": True}, [(2, 5, 6, 5)]),
    ("AvgPool3d", (2,), {}, [(2, 2, 4, 4, 4)]),
    ("AvgPool3d", (3,), {"stride": 2, "padding": 1, "count_include_pad": False, "ceil_mode": True},
     [(1, 2, 5, 6, 5)]),
    ("AvgPool3d", ((1, 2, 2),), {"divisor_override": 3}, [(2, 3, 4, 4)]),
    ("MaxPool1d", (3,), {"stride": 2, "padding": 1}, [(2, 3, 10)]),
    ("MaxPool1d", (2,), {"dilation": 2, "ceil_mode": True}, [(2, 9)]),
    ("MaxPool2d", (2,), {}, [(2, 3, 8, 8)]),
    ("MaxPool2d", ((3, 2),), {"stride": (2, 1), "padding": 1, "dilation": (1, 2), "ceil_mode": True}, [(1, 2, 9, 8)]),
    ("MaxPool2d", (2,), {"return_indices": True}, [(2, 2, 6, 6)]),
    ("AvgPool1d", (3,), {"stride": 2, "padding": 1, "count_include_pad": False}, [(2, 3, 10)]),
    ("AvgPool1d", (2,), {"ceil_mode": True}, [(2, 3, 9)]),
    ("AvgPool2d", (2,), {}, [(2, 3, 8, 8)]),
    ("AvgPool2d", (3,), {"stride": 2, "padding": 1, "count_include_pad": False, "ceil_mode": True}, [(2, 2, 8, 7)]),
    ("AvgPool2d", (2,), {"divisor_override": 3}, [(3, 6, 6)]),
    ("AdaptiveAvgPool2d", ((3, 2),), {}, [(2, 3, 7, 5)]),
    ("AdaptiveAvgPool2d", (1,), {}, [(2, 3, 4, 4)]),
    ("AdaptiveAvgPool2d", ((None, 3),), {}, [(3, 5, 7)]),
    ("BatchNorm1d", (3,), {}, [(6, 3)]),
    ("BatchNorm1d", (3,), {"momentum": None, "affine": False}, [(4, 3, 5)]),
    ("BatchNorm2d", (3,), {}, [(4, 3, 5, 5)]),
    ("BatchNorm2d", (3,), {"track_running_stats": False, "eps": 1e-3}, [(4, 3, 2, 2)]),
    ("LayerNorm", (5,), {}, [(3, 5)]),
    ("LayerNorm", ((3, 4),), {"elementwise_affine": False}, [(2, 3, 4)]),
    ("LayerNorm", ((4,),), {"bias": False, "eps": 1e-3}, [(2, 3, 4)]),
    ("GroupNorm", (2, 4), {}, [(3, 4, 5)]),
    ("GroupNorm", (3, 6), {"affine": False}, [(2, 6, 2, 3)]),
    ("Embedding", (10, 4), {}, [("ids", (3, 5), 10)]),
    ("Embedding", (10, 4), {"padding_idx": 2}, [("ids", (4, 6), 10)]),
    ("Embedding", (6, 3), {"padding_idx": -1}, [("ids", (20,), 6)]),
    ("Embedding", (8, 3), {"max_norm": 1.0, "norm_type": 1.5, "scale_grad_by_freq": True}, [("ids", (4, 5), 8)]),
    ("Dropout", (), {"p": 0.3}, [(4, 5)]),
    ("Dropout2d", (0.2,), {}, [(2, 3, 4, 4)]),
]
IDS = [f"{name}{args}{kwargs or ''}" for name, args, kwargs, _ in CASES]
RANDOM_IN_TRAINING = ("Dropout", "Dropout2d")


def make_inputs(specs, seed=0):
    rng = np.random.default_rng(seed)
    arrays = []
    for spec in specs:
        if spec[0] == "ids":
            ids = rng.integers(0, spec[2], spec[1])
            ids.flat[:3] = [2, 5, spec[2] - 1]       # the padding rows are looked up too
            arrays.append(ids)
        else:
            arrays.append(rng.standard_normal(spec))
    return arrays


def first(out):
    return out[0] if isinstance(out, tuple) else out


def copy_from_torch(ours, theirs):
    """Load torch's state_dict into ours through NumPy (keys and shapes must agree first)."""
    assert {k: tuple(v.shape) for k, v in ours.state_dict().items()} == \
        {k: tuple(v.shape) for k, v in theirs.state_dict().items()}
    assert list(ours.state_dict()) == list(theirs.state_dict())
    ours.load_state_dict({k: mt.tensor(v.numpy()) for k, v in theirs.state_dict().items()})


def assert_close(ours, theirs, rtol=1e-7, atol=1e-9):
    assert tuple(ours.shape) == tuple(theirs.shape)
    assert ours.dtype.name == str(theirs.dtype).replace("torch.", "")
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=rtol, atol=atol)


def run_and_compare(ours, theirs, arrays, seed=1):
    """One forward and backward on both (float64): outputs, input gradients and parameter gradients equal."""
    xs = [mt.tensor(a, requires_grad=a.dtype.kind == "f") for a in arrays]
    ts = [torch.tensor(a, requires_grad=a.dtype.kind == "f") for a in arrays]
    out, expected = ours(*xs), theirs(*ts)
    outs = out if isinstance(out, tuple) else (out,)
    exps = expected if isinstance(expected, tuple) else (expected,)
    assert len(outs) == len(exps)
    for o, e in zip(outs, exps):
        assert_close(o, e)
    w = np.random.default_rng(seed).standard_normal(tuple(exps[0].shape))
    (first(out) * mt.tensor(w)).sum().backward()
    (exps[0] * torch.tensor(w)).sum().backward()
    for x, t in zip(xs, ts):
        if t.requires_grad:
            assert_close(x.grad, t.grad)
    params, expected_params = dict(ours.named_parameters()), dict(theirs.named_parameters())
    assert list(params) == list(expected_params)
    for name, p in params.items():
        assert_close(p.grad, expected_params[name].grad)


def build(name, args, kwargs):
    torch.manual_seed(0)
    theirs = getattr(torch.nn, name)(*args, **kwargs).double()
    ours = LAYERS[name](*args, **kwargs).double()
    return ours, theirs


@requires_torch
@pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel lengths")
@pytest.mark.parametrize("name,args,kwargs,inputs", CASES, ids=IDS)
def test_layer_matches_torch(name, args, kwargs, inputs):
    ours, theirs = build(name, args, kwargs)
    assert repr(ours) == repr(theirs)
    copy_from_torch(ours, theirs)
    arrays = make_inputs(inputs)
    if name in RANDOM_IN_TRAINING:
        ours.eval(), theirs.eval()
        run_and_compare(ours, theirs, arrays)
        return
    run_and_compare(ours, theirs, arrays)
    ours.zero_grad(), theirs.zero_grad()
    ours.eval(), theirs.eval()
    run_and_compare(ours, theirs, make_inputs(inputs, seed=2), seed=3)
    for key, value in theirs.state_dict().items():
        assert_close(ours.state_dict()[key], value)


# the padding_idx row's gradient is 0 by design (finite differences see 1; test_embedding_padding_idx checks it);
# max_norm rewrites the table during forward, so its finite differences are not those of one function
GRADCHECK_CASES = [(i, c) for i, c in zip(IDS, CASES) if c[0] not in RANDOM_IN_TRAINING
                   and "padding_idx" not in c[2] and "max_norm" not in c[2]]


@pytest.mark.parametrize("name,args,kwargs,inputs", [c for _, c in GRADCHECK_CASES],
                         ids=[i for i, _ in GRADCHECK_CASES])
def test_layer_gradcheck(name, args, kwargs, inputs):
    layer = LAYERS[name](*args, **kwargs).double()
    xs = [mt.tensor(a, requires_grad=a.dtype.kind == "f") for a in make_inputs(inputs)]
    params = list(layer.parameters())

    def fn(*tensors):     # the parameters are inputs too: gradcheck perturbs them in place
        return first(layer(*tensors[:len(xs)]))

    assert gradcheck(fn, tuple(xs) + tuple(params))


@requires_torch
@pytest.mark.parametrize("name,kwargs", [
    ("BatchNorm1d", {}), ("BatchNorm1d", {"momentum": None}), ("BatchNorm2d", {"momentum": None}),
    ("BatchNorm2d", {"momentum": 0.3, "affine": False}), ("BatchNorm2d", {"track_running_stats": False})])
def test_batchnorm_running_statistics(name, kwargs):
    ours, theirs = build(name, (3,), kwargs)
    copy_from_torch(ours, theirs)
    shape = (5, 3) if name == "BatchNorm1d" else (4, 3, 3, 2)
    rng = np.random.default_rng(0)
    for step in range(4):
        x = rng.standard_normal(shape) * (step + 1) + step
        assert_close(ours(mt.tensor(x)), theirs(torch.tensor(x)))
    for key, value in theirs.state_dict().items():
        assert_close(ours.state_dict()[key], value)
    if kwargs.get("track_running_stats", True):
        assert ours.num_batches_tracked.item() == 4
    ours.eval(), theirs.eval()
    x = rng.standard_normal(shape)
    assert_close(ours(mt.tensor(x)), theirs(torch.tensor(x)))
    for key, value in theirs.state_dict().items():
        assert_close(ours.state_dict()[key], value)


def test_batchnorm_cumulative_average_by_hand():
    bn = normalization.BatchNorm1d(2, momentum=None, affine=False).double()
    rng = np.random.default_rng(0)
    batches = [rng.standard_normal((6, 2)) + i for i in range(3)]
    for b in batches:
        bn(mt.tensor(b))
    np.testing.assert_allclose(bn.running_mean.numpy(), np.mean([b.mean(0) for b in batches], axis=0))
    np.testing.assert_allclose(bn.running_var.numpy(), np.mean([b.var(0, ddof=1) for b in batches], axis=0))
    bn.eval()
    x = rng.standard_normal((4, 2))
    expected = (x - bn.running_mean.numpy()) / np.sqrt(bn.running_var.numpy() + bn.eps)
    np.testing.assert_allclose(bn(mt.tensor(x)).numpy(), expected)
    assert bn.num_batches_tracked.item() == 3      # eval does not count


@requires_torch
@pytest.mark.parametrize("nd, output_size", [(2, [9, 9]), (2, [10, 10]), (2, [2, 4, 10, 9]), (1, [10]),
                                             (1, (2, 4, 9)), (3, [9, 10, 9]), (3, [2, 4, 10, 9, 10])])
def test_conv_transpose_output_size(nd, output_size):
    ours, theirs = build(f"ConvTranspose{nd}d", (4, 3, 3), {"stride": 2, "padding": 1})
    copy_from_torch(ours, theirs)
    x = np.random.default_rng(0).standard_normal((2, 4) + (5,) * nd)
    out = ours(mt.tensor(x), output_size=output_size)
    assert_close(out, theirs(torch.tensor(x), output_size=output_size))
    with pytest.raises(ValueError, match=r"requested an output size of \[12(, 12)*\], but valid sizes range from 9 "
                                         r"to 10"):
        ours(mt.tensor(x), output_size=[12] * nd)


def test_embedding_padding_idx_gets_no_gradient():
    emb = sparse.Embedding(5, 3, padding_idx=1)
    assert np.all(emb.weight.detach().numpy()[1] == 0)
    ids = mt.tensor([[0, 1, 1], [4, 1, 3]])
    out = emb(ids)
    assert out.shape == (2, 3, 3)
    np.testing.assert_array_equal(out.detach().numpy(), emb.weight.detach().numpy()[ids.numpy()])
    out.sum().backward()
    np.testing.assert_array_equal(emb.weight.grad.numpy()[:, 0], [1, 0, 0, 1, 1])


def test_embedding_from_pretrained():
    table = mt.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    emb = sparse.Embedding.from_pretrained(table)
    assert not emb.weight.requires_grad and (emb.num_embeddings, emb.embedding_dim) == (3, 2)
    np.testing.assert_array_equal(emb(mt.tensor([2, 0])).numpy(), [[5.0, 6.0], [1.0, 2.0]])
    assert sparse.Embedding.from_pretrained(table, freeze=False, padding_idx=0).weight.requires_grad
    with pytest.raises(ValueError, match="Embeddings parameter is expected to be 2-dimensional"):
        sparse.Embedding.from_pretrained(mt.ones(3))


@pytest.mark.parametrize("cls,shape", [(dropout.Dropout, (200, 50)), (dropout.Dropout2d, (40, 100, 3, 3))])
def test_dropout_training_and_eval(cls, shape):
    mt.manual_seed(0)
    layer = cls(p=0.25)
    x = mt.ones(shape, requires_grad=True)
    out = layer(x)
    values = out.detach().numpy()
    assert set(np.unique(values)) <= {0.0, np.float32(1 / 0.75)}
    assert (values == 0).mean() == pytest.approx(0.25, abs=0.02)
    if cls is dropout.Dropout2d:                  # whole channels are dropped
        assert np.all(values.min(axis=(2, 3)) == values.max(axis=(2, 3)))
    out.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), values)
    layer.eval()
    assert layer(x) is x or np.array_equal(layer(x).detach().numpy(), x.detach().numpy())


# ----------------------------------------------------------------------------- initialisation
def check_uniform(t, bound):
    x = t.detach().numpy().astype(np.float64).ravel()
    assert x.min() >= -bound and x.max() <= bound
    assert x.min() < -0.95 * bound and x.max() > 0.95 * bound
    assert x.mean() == pytest.approx(0, abs=0.02 * bound)
    assert x.std() == pytest.approx(bound / math.sqrt(3), rel=0.03)


@pytest.mark.parametrize("layer,fan_in", [
    (lambda: linear.Linear(400, 300), 400),
    (lambda: conv.Conv1d(20, 300, 5), 100),
    (lambda: conv.Conv2d(16, 64, 3), 144),
    (lambda: conv.Conv2d(32, 64, 3, groups=4), 72),
    (lambda: conv.ConvTranspose2d(64, 32, 3, groups=2), 144),
    (lambda: conv.Conv3d(8, 64, 3), 216),
    (lambda: conv.ConvTranspose1d(64, 300, 2, groups=2), 300),
    (lambda: conv.ConvTranspose3d(64, 32, (2, 3, 3), groups=4), 144),
    (lambda: linear.Bilinear(50, 7, 300), 50),
])
def test_weight_and_bias_init(layer, fan_in):
    mt.manual_seed(0)
    m = layer()
    # kaiming_uniform(a=sqrt(5)): bound = gain * sqrt(3 / fan_in), gain = sqrt(2 / (1 + 5)): 1 / sqrt(fan_in)
    check_uniform(m.weight, 1 / math.sqrt(fan_in))
    b = m.bias.detach().numpy()
    assert np.all(np.abs(b) <= 1 / math.sqrt(fan_in)) and np.abs(b).max() > 0.9 / math.sqrt(fan_in)
    assert m.weight.dtype == mt.float32 and m.weight.requires_grad and m.weight.is_leaf


@requires_torch
@pytest.mark.parametrize("name,args", [("Linear", (300, 200)), ("Conv2d", (16, 256, 3)),
                                       ("ConvTranspose2d", (16, 256, 3, 1, 0, 0, 2)), ("Bilinear", (20, 10, 300))])
def test_init_statistics_as_torch(name, args):
    mt.manual_seed(0), torch.manual_seed(0)
    ours, theirs = LAYERS[name](*args), getattr(torch.nn, name)(*args)
    for (key, p), (_, q) in zip(ours.named_parameters(), theirs.named_parameters()):
        a, b = p.detach().numpy(), q.detach().numpy()
        assert a.shape == b.shape and a.dtype == b.dtype
        assert np.abs(a).max() <= np.abs(b).max() * 1.05 and np.abs(b).max() <= np.abs(a).max() * 1.05, key
        assert a.std() == pytest.approx(b.std(), rel=0.15), key


def test_other_inits():
    mt.manual_seed(0)
    emb = sparse.Embedding(1000, 100)
    w = emb.weight.detach().numpy()
    assert w.mean() == pytest.approx(0, abs=0.01) and w.std() == pytest.approx(1, rel=0.01)
    for m in (normalization.BatchNorm2d(5), normalization.LayerNorm((2, 3)), normalization.GroupNorm(1, 5)):
        assert np.all(m.weight.detach().numpy() == 1) and np.all(m.bias.detach().numpy() == 0)
    bn = normalization.BatchNorm1d(4)
    assert np.all(bn.running_mean.numpy() == 0) and np.all(bn.running_var.numpy() == 1)
    assert bn.num_batches_tracked.dtype == mt.int64 and bn.num_batches_tracked.ndim == 0
    assert not bn.running_mean.requires_grad


def test_reset_parameters_redraws():
    lin = linear.Linear(8, 4)
    before = lin.weight.detach().numpy().copy()
    weight = lin.weight
    lin.reset_parameters()
    assert lin.weight is weight and not np.array_equal(before, lin.weight.detach().numpy())
    bn = normalization.BatchNorm1d(2)
    bn(mt.randn(4, 2) + 3)
    bn.reset_running_stats()
    assert bn.num_batches_tracked.item() == 0 and np.all(bn.running_mean.numpy() == 0)


# ----------------------------------------------------------------------------- bad input
@pytest.mark.parametrize("layer,shape,message", [
    (lambda: conv.Conv2d(3, 6, 5), (8, 1, 28, 28),
     r"Conv2d(3, 6, kernel_size=(5, 5)): expected input of shape (N, 3, H, W) or (3, H, W), got [8, 1, 28, 28]"),
    (lambda: conv.Conv2d(3, 6, 5), (3, 28),
     r"Conv2d(3, 6, kernel_size=(5, 5)): expected input of shape (N, 3, H, W) or (3, H, W), got [3, 28]"),
    (lambda: conv.Conv1d(2, 4, 3), (5, 3, 9),
     r"Conv1d(2, 4, kernel_size=(3,)): expected input of shape (N, 2, L) or (2, L), got [5, 3, 9]"),
    (lambda: conv.Conv3d(3, 6, 2), (1, 3, 4, 4),
     r"Conv3d(3, 6, kernel_size=(2, 2, 2)): expected input of shape (N, 3, D, H, W) or (3, D, H, W), got [1, 3, 4, 4]"),
    (lambda: conv.ConvTranspose1d(4, 2, 3), (2, 5),
     r"ConvTranspose1d(4, 2, kernel_size=(3,)): expected input of shape (N, 4, L) or (4, L), got [2, 5]"),
    (lambda: conv.ConvTranspose2d(4, 2, 3), (1, 2, 5, 5),
     r"ConvTranspose2d(4, 2, kernel_size=(3, 3)): expected input of shape (N, 4, H, W) or (4, H, W), "
     r"got [1, 2, 5, 5]"),
    (lambda: linear.Linear(4, 2), (3, 5),
     r"Linear(in_features=4, out_features=2): expected input with last dimension 4, got shape [3, 5]"),
    (lambda: linear.Linear(4, 2), (),
     r"Linear(in_features=4, out_features=2): expected input with last dimension 4, got shape []"),
    (lambda: normalization.BatchNorm2d(16), (8, 16),
     r"BatchNorm2d(16): expected 4D input (N, 16, H, W), got [8, 16]"),
    (lambda: normalization.BatchNorm2d(16), (8, 3, 4, 4),
     r"BatchNorm2d(16): expected 4D input (N, 16, H, W), got [8, 3, 4, 4]"),
    (lambda: normalization.BatchNorm1d(4), (8, 4, 2, 2),
     r"BatchNorm1d(4): expected 2D or 3D input (N, 4) or (N, 4, L), got [8, 4, 2, 2]"),
    (lambda: normalization.LayerNorm(4), (3, 5),
     r"LayerNorm((4,)): expected input with trailing dimensions [4], got [3, 5]"),
    (lambda: normalization.GroupNorm(2, 4), (3, 6),
     r"GroupNorm(2, 4): expected input of shape (N, 4, *), got [3, 6]"),
])
def test_bad_input_names_layer_and_shapes(layer, shape, message):
    m = layer()
    with pytest.raises(ValueError) as info:
        m(mt.zeros(shape))
    assert str(info.value) == message


def test_bilinear_bad_input():
    with pytest.raises(ValueError, match=r"Bilinear\(in1_features=3, in2_features=4, out_features=2\): expected "
                                         r"inputs with last dimensions 3 and 4, got shapes \[5, 3\] and \[5, 3\]"):
        linear.Bilinear(3, 4, 2)(mt.zeros(5, 3), mt.zeros(5, 3))


@pytest.mark.parametrize("make,message", [
    (lambda: conv.Conv2d(3, 6, 3, padding_mode="reflect"), "Conv2d: padding_mode='reflect' is not supported"),
    (lambda: conv.Conv3d(3, 6, 3, padding_mode="circular"), "Conv3d: padding_mode='circular' is not supported"),
    (lambda: conv.ConvTranspose3d(3, 6, 3, padding="same"), "ConvTranspose3d: padding must be an int or a tuple"),
    (lambda: conv.Conv3d(3, 6, 3, groups=2), "in_channels must be divisible by groups"),
    (lambda: conv.Conv2d(3, 6, 3, padding="full"), "Invalid padding string 'full'"),
    (lambda: conv.Conv2d(3, 6, 3, stride=2, padding="same"), "padding='same' is not supported for strided"),
    (lambda: conv.Conv2d(3, 6, 3, groups=2), "in_channels must be divisible by groups"),
    (lambda: conv.Conv2d(4, 6, 3, groups=4), "out_channels must be divisible by groups"),
    (lambda: conv.Conv1d(4, 4, 3, groups=0), "groups must be a positive integer"),
    (lambda: conv.ConvTranspose2d(4, 4, 3, padding="same"), "ConvTranspose2d: padding must be an int or a tuple"),
    (lambda: normalization.GroupNorm(3, 4), "num_channels must be divisible by num_groups"),
    (lambda: dropout.Dropout(1.5), "dropout probability has to be between 0 and 1, but got 1.5"),
    (lambda: sparse.Embedding(4, 2, padding_idx=4), "Padding_idx must be within num_embeddings"),
    (lambda: sparse.Embedding(4, 2, sparse=True), "sparse=True is not supported"),
])
def test_bad_arguments(make, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        make()
