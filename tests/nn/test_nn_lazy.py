"""Lazy modules: UninitializedParameter/UninitializedBuffer, LazyModuleMixin and the lazy layers, against
PyTorch's: shapes inferred on the first forward, the class they become, reprs and state_dict keys before and
after, outputs and gradients with copied weights in training and evaluation, load_state_dict materialising,
optimizers built before the first forward, dtype changes before it, copies, and the errors."""
import copy

import numpy as np
import pytest
from helpers import compare_modules_with_torch, rand, requires_torch, torch

import microtensor as mt
from microtensor import nn
from microtensor.nn.parameter import UninitializedBuffer, UninitializedParameter, is_lazy

# name -> (constructor arguments, input shape)
LAZY = {
    "LazyLinear": ((4,), (2, 5)),
    "LazyLinear_nobias_3d": ((3, False), (2, 3, 5)),
    "LazyBatchNorm1d": ((), (4, 3)),
    "LazyBatchNorm2d": ((1e-3, 0.2), (2, 3, 4, 4)),
    "LazyBatchNorm3d": ((), (2, 3, 2, 3, 2)),
    "LazyInstanceNorm1d": ((), (2, 3, 5)),
    "LazyInstanceNorm2d": ((1e-5, 0.1, False, True), (2, 3, 4, 4)),
    "LazyInstanceNorm3d": ((), (2, 3, 2, 3, 2)),
    "LazyConv1d": ((4, 3), (2, 3, 7)),
    "LazyConv2d": ((4, 3, 1, 1), (2, 3, 5, 5)),
    "LazyConv2d_unbatched_groups": ((4, 3, 2, 0, 1, 2), (6, 5, 5)),
    "LazyConvTranspose2d": ((4, 3, 2, 1, 1, 2), (2, 6, 3, 3)),
    "LazyConv3d": ((4, 2, 1, 1), (2, 3, 3, 4, 3)),
    "LazyConvTranspose1d": ((4, 3, 2, 1, 1, 2), (2, 6, 5)),
    "LazyConvTranspose3d": ((2, 2, 2), (2, 3, 2, 3, 2)),
}


def build(lib, name):
    args, _ = LAZY[name]
    return getattr(lib.nn, name.split("_")[0])(*args)


@requires_torch
@pytest.mark.parametrize("name", LAZY)
def test_lazy_module_matches_torch(name):
    ours, theirs = build(mt, name), build(torch, name)
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert ours.has_uninitialized_params() and theirs.has_uninitialized_params()
    x = rand(0, LAZY[name][1])[0].astype(np.float32)
    ours(mt.tensor(x)), theirs(torch.tensor(x))
    assert type(ours).__name__ == type(theirs).__name__ == type(theirs).__name__.replace("Lazy", "")
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert not ours.has_uninitialized_params() if hasattr(ours, "has_uninitialized_params") else True
    for key, value in theirs.state_dict().items():
        assert tuple(ours.state_dict()[key].shape) == tuple(value.shape), key
    with torch.no_grad():
        for p in theirs.parameters():
            p.uniform_(-1, 1)
    for mode in ("train", "eval"):
        getattr(ours, mode)(), getattr(theirs, mode)()
        x = rand(1, LAZY[name][1])[0].astype(np.float32)
        compare_modules_with_torch(ours, theirs, {"x": x}, lambda m, t, lib: (m(t["x"]),), rtol=1e-4, atol=1e-5)


@requires_torch
@pytest.mark.parametrize("name", LAZY)
def test_loading_a_state_dict_materialises_a_lazy_module(name):
    theirs = build(torch, name)
    x = rand(2, LAZY[name][1])[0].astype(np.float32)
    theirs(torch.tensor(x))
    ours = build(mt, name)
    result = ours.load_state_dict({k: mt.tensor(v.numpy()) for k, v in theirs.state_dict().items()})
    assert result.missing_keys == [] and result.unexpected_keys == []
    assert not ours.has_uninitialized_params() and type(ours).__name__.startswith("Lazy")   # as in PyTorch
    ours.eval(), theirs.eval()
    out = ours(mt.tensor(x))
    fresh = build(torch, name).eval()       # the layer PyTorch makes on a first forward, with the loaded state
    fresh(torch.tensor(x))
    fresh.load_state_dict(theirs.state_dict())
    np.testing.assert_allclose(out.detach().numpy(), fresh(torch.tensor(x)).detach().numpy(), rtol=1e-5, atol=1e-5)
    # the counts come from the loaded tensors (PyTorch leaves in_channels and num_features at 0 here)
    assert repr(ours) == repr(fresh)


@requires_torch
def test_an_optimizer_built_before_the_first_forward_trains_the_materialised_parameters():
    def net(lib):
        return lib.nn.Sequential(lib.nn.LazyLinear(6), lib.nn.ReLU(), lib.nn.LazyLinear(2))
    ours, theirs = net(mt), net(torch)
    opt_ours = mt.optim.SGD(ours.parameters(), lr=0.1, momentum=0.9)
    opt_theirs = torch.optim.SGD(theirs.parameters(), lr=0.1, momentum=0.9)
    x = rand(3, (5, 4))[0].astype(np.float32)
    ours(mt.tensor(x)), theirs(torch.tensor(x))
    ours.load_state_dict({k: mt.tensor(v.numpy()) for k, v in theirs.state_dict().items()})
    for _ in range(3):
        for model, opt, lib in ((ours, opt_ours, mt), (theirs, opt_theirs, torch)):
            opt.zero_grad()
            model(lib.tensor(x)).pow(2).sum().backward()
            opt.step()
    for key, value in theirs.state_dict().items():
        np.testing.assert_allclose(ours.state_dict()[key].numpy(), value.numpy(), rtol=1e-5, atol=1e-6)


def test_dtype_set_before_the_first_forward_is_kept():
    m = nn.LazyBatchNorm1d().double()
    assert m.weight.dtype == mt.float64 and is_lazy(m.weight) and is_lazy(m.running_mean)
    assert m.running_mean.dtype == mt.float64
    m(mt.randn(4, 3, dtype=mt.float64))
    assert type(m) is nn.BatchNorm1d and m.weight.dtype == m.running_var.dtype == mt.float64
    assert nn.LazyConv2d(2, 1, dtype=mt.float64).weight.dtype == mt.float64


def test_uninitialized_tensors_refuse_use_and_shape():
    p = UninitializedParameter()
    assert repr(p) == "<UninitializedParameter>" and p.requires_grad and p.is_leaf
    assert tuple(p.size()) == (0,) and p.dtype == mt.float32 and p.is_floating_point()
    with pytest.raises(ValueError, match="Attempted to use an uninitialized parameter"):
        p * 2
    with pytest.raises(ValueError, match="Attempted to use an uninitialized parameter"):
        mt.nn.functional.linear(mt.ones(2, 3), p)
    with pytest.raises(RuntimeError, match="Can't access the shape of an uninitialized parameter"):
        p.shape
    with pytest.raises(RuntimeError, match="Can't share memory"):
        p.share_memory_()
    b = UninitializedBuffer()
    assert repr(b) == "<UninitializedBuffer>" and not b.requires_grad
    b.materialize((2, 3), dtype=mt.float64)
    assert type(b) is mt.Tensor and b.shape == (2, 3) and b.dtype == mt.float64
    p.materialize((4,))
    assert type(p) is nn.Parameter and p.shape == (4,) and p.requires_grad
    assert (p * 2).shape == (4,)


def test_copies_of_lazy_modules_stay_lazy_and_independent():
    m = nn.LazyLinear(3)
    twin = copy.deepcopy(m)
    assert type(twin) is nn.LazyLinear and is_lazy(twin.weight) and twin.weight is not m.weight
    twin(mt.ones(2, 5))
    assert type(twin) is nn.Linear and type(m) is nn.LazyLinear and twin.in_features == 5
    m(mt.ones(1, 7))
    assert m.weight.shape == (3, 7)


def test_lazy_errors():
    with pytest.raises(RuntimeError, match=r"Expected 3D \(unbatched\) or 4D \(batched\) input to LazyConv2d"):
        nn.LazyConv2d(4, 3)(mt.randn(5, 5))
    with pytest.raises(ValueError, match="in_channels must be divisible by groups"):
        nn.LazyConv2d(4, 3, groups=2)(mt.randn(1, 3, 5, 5))
    with pytest.raises(RuntimeError, match="uninitialized parameter or buffer"):
        nn.Linear(5, 3).load_state_dict(nn.LazyLinear(3).state_dict())
    lazy = nn.LazyLinear(3)
    lazy.load_state_dict(nn.LazyLinear(3).state_dict())            # both lazy: nothing to copy
    assert type(lazy) is nn.LazyLinear and lazy.has_uninitialized_params()
    lazy.load_state_dict(nn.Linear(5, 3).state_dict())
    with pytest.raises(AssertionError, match="The in_features inferred from input: 4 is not equal to in_features"):
        lazy(mt.ones(2, 4))


def test_a_user_lazy_module_with_a_buffer():
    class Scale(nn.modules.lazy.LazyModuleMixin, nn.Module):
        def __init__(self):
            super().__init__()
            self.register_buffer("scale", UninitializedBuffer())
            self.weight = UninitializedParameter()

        def initialize_parameters(self, x):
            self.scale.materialize(x.shape[1:])
            self.weight.materialize(x.shape[1:])
            with mt.no_grad():
                self.scale.fill_(2.0)
                self.weight.fill_(0.5)

        def forward(self, x):
            return x * self.scale * self.weight

    m = Scale()
    assert list(m.state_dict()) == ["weight", "scale"] and m.has_uninitialized_params()
    assert m(mt.ones(2, 3)).tolist() == [[1.0] * 3] * 2
    assert type(m) is Scale and not m.has_uninitialized_params() and m.scale.shape == (3,)

    class Half(nn.modules.lazy.LazyModuleMixin, nn.Module):
        def __init__(self):
            super().__init__()
            self.weight = UninitializedParameter()

        def initialize_parameters(self, x):
            pass

    with pytest.raises(RuntimeError, match="module Half has not been fully initialized"):
        Half()(mt.ones(1))


def test_torch_paths():
    assert nn.modules.lazy.LazyModuleMixin is mt.nn.lazy.LazyModuleMixin
    assert nn.parameter.UninitializedParameter is nn.UninitializedParameter
    assert nn.modules.linear.LazyLinear is nn.LazyLinear
    assert nn.modules.conv.LazyConvTranspose2d is nn.LazyConvTranspose2d
    assert nn.modules.batchnorm.LazyBatchNorm3d is nn.LazyBatchNorm3d
    assert nn.modules.instancenorm.LazyInstanceNorm1d is nn.LazyInstanceNorm1d
