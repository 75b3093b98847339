"""InstanceNorm1d/2d/3d, BatchNorm3d and SyncBatchNorm against PyTorch's modules with copied state: outputs,
gradients and running statistics over several steps in training and evaluation, state_dict keys, repr, unbatched
inputs, warnings and errors; SyncBatchNorm.convert_sync_batchnorm."""
import warnings

import numpy as np
import pytest
from helpers import compare_modules_with_torch, copy_torch_weights, rand, requires_torch, torch

import microtensor as mt
from microtensor import nn

LAYOUTS = {"InstanceNorm1d": [(2, 3, 5), (3, 5)], "InstanceNorm2d": [(2, 3, 4, 3), (3, 2, 4)],
           "InstanceNorm3d": [(2, 3, 2, 3, 2), (3, 2, 2, 3)], "BatchNorm3d": [(2, 3, 2, 3, 2)],
           "SyncBatchNorm": [(4, 3), (2, 3, 4), (2, 3, 2, 2), (2, 3, 2, 2, 2)]}
OPTIONS = [{}, {"affine": True}, {"track_running_stats": True}, {"affine": True, "track_running_stats": True},
           {"affine": True, "track_running_stats": True, "momentum": None}, {"momentum": 0.3, "eps": 1e-3},
           {"affine": True, "bias": False}, {"affine": False, "track_running_stats": False}]


def build(lib, name, options):
    return getattr(lib.nn, name)(3, **options)


@requires_torch
@pytest.mark.parametrize("options", OPTIONS, ids=str)
@pytest.mark.parametrize("name, shape", [(n, s) for n, shapes in LAYOUTS.items() for s in shapes])
def test_norm_module_matches_torch_in_training_then_evaluation(name, shape, options):
    ours, theirs = build(mt, name, options), build(torch, name, options)
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    if theirs.weight is not None:
        with torch.no_grad():
            theirs.weight.uniform_(0.5, 1.5)
    if theirs.bias is not None:
        with torch.no_grad():
            theirs.bias.uniform_(-0.5, 0.5)
    for step in range(3):        # the running statistics move the same way, step after step
        x = rand(step, shape)[0].astype(np.float32) * 2 + 0.5
        compare_modules_with_torch(ours, theirs, {"x": x}, lambda m, t, lib: (m(t["x"]),), rtol=1e-4, atol=1e-5)
        for key, value in theirs.state_dict().items():
            np.testing.assert_allclose(ours.state_dict()[key].numpy(), value.numpy(), rtol=1e-5, atol=1e-6,
                                       err_msg=key)
    ours.eval(), theirs.eval()
    x = rand(9, shape)[0].astype(np.float32)
    compare_modules_with_torch(ours, theirs, {"x": x}, lambda m, t, lib: (m(t["x"]),), rtol=1e-4, atol=1e-5)


@requires_torch
def test_instance_norm_loads_torchs_state_dict_and_evaluates_with_it():
    theirs = torch.nn.InstanceNorm2d(3, affine=True, track_running_stats=True)
    with torch.no_grad():
        theirs.running_mean.uniform_(-1, 1)
        theirs.running_var.uniform_(0.5, 2)
    ours = nn.InstanceNorm2d(3, affine=True, track_running_stats=True)
    copy_torch_weights(ours, theirs)
    ours.eval(), theirs.eval()
    x = rand(0, (2, 3, 4, 4))[0].astype(np.float32)
    np.testing.assert_allclose(ours(mt.tensor(x)).detach().numpy(), theirs(torch.tensor(x)).detach().numpy(),
                               rtol=1e-5, atol=1e-6)


def test_instance_norm_channel_mismatch_warns_without_affine_and_raises_with_it():
    with pytest.warns(UserWarning, match=r"input's size at dim=1 does not match num_features"):
        out = nn.InstanceNorm1d(4)(mt.randn(2, 3, 5))
    assert out.shape == (2, 3, 5)
    with pytest.warns(UserWarning, match=r"input's size at dim=0 does not match num_features"):
        nn.InstanceNorm1d(4)(mt.randn(3, 5))
    with pytest.raises(ValueError, match=r"expected input's size at dim=1 to match num_features \(4\), but got: 3"):
        nn.InstanceNorm1d(4, affine=True)(mt.randn(2, 3, 5))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        nn.InstanceNorm1d(3)(mt.randn(2, 3, 5))


@pytest.mark.parametrize("cls, bad, message", [
    (nn.InstanceNorm1d, (2, 3, 4, 5), "expected 2D or 3D input (got 4D input)"),
    (nn.InstanceNorm2d, (5,), "expected 3D or 4D input (got 1D input)"),
    (nn.InstanceNorm3d, (2, 3, 4), "expected 4D or 5D input (got 3D input)"),
    (nn.BatchNorm3d, (2, 3, 4), "5D input"),
    (nn.SyncBatchNorm, (3,), "expected at least 2D input (got 1D input)"),
])
def test_norm_module_rank_errors(cls, bad, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        cls(3)(mt.randn(*bad))


def test_norm_module_errors_as_torch():
    with pytest.raises(ValueError, match="Expected more than 1 spatial element when training"):
        nn.InstanceNorm2d(3)(mt.randn(2, 3, 1, 1))
    with pytest.raises(ValueError, match="SyncBatchNorm number of input channels should be non-zero"):
        nn.SyncBatchNorm(3)(mt.randn(2, 0, 4))
    with pytest.raises(ValueError, match="Expected more than 1 value per channel when training"):
        nn.SyncBatchNorm(3)(mt.randn(1, 3))


def test_instance_norm_defaults_and_paths():
    m = nn.InstanceNorm3d(4)
    assert (m.affine, m.track_running_stats, m.weight, m.running_mean) == (False, False, None, None)
    assert list(m.state_dict()) == []
    assert nn.modules.instancenorm.InstanceNorm3d is nn.InstanceNorm3d
    assert nn.modules.batchnorm.BatchNorm3d is nn.BatchNorm3d
    assert nn.modules.batchnorm.SyncBatchNorm is nn.SyncBatchNorm
    assert nn.SyncBatchNorm(2, process_group="group").process_group == "group"


@requires_torch
def test_convert_sync_batchnorm_replaces_every_batch_norm_and_keeps_its_state():
    def net(lib):
        return lib.nn.Sequential(lib.nn.Conv2d(3, 3, 1), lib.nn.BatchNorm2d(3),
                                 lib.nn.Sequential(lib.nn.BatchNorm1d(3, affine=False), lib.nn.ReLU()),
                                 lib.nn.BatchNorm3d(3, momentum=None, track_running_stats=False))
    ours, theirs = net(mt), net(torch)
    ours[1].running_mean.fill_(2.0)
    ours[2][0].eval()
    weight = ours[1].weight
    converted = nn.SyncBatchNorm.convert_sync_batchnorm(ours, process_group="pg")
    expected = torch.nn.SyncBatchNorm.convert_sync_batchnorm(theirs)
    assert repr(converted) == repr(expected)
    assert list(converted.state_dict()) == list(expected.state_dict())
    assert converted is ours and isinstance(converted[1], nn.SyncBatchNorm)
    assert converted[1].weight is weight and converted[1].running_mean.tolist() == [2.0, 2.0, 2.0]
    assert converted[1].process_group == "pg" and not converted[2][0].training and converted[1].training
    assert converted[3].running_mean is None and converted[3].momentum is None
    alone = nn.SyncBatchNorm.convert_sync_batchnorm(nn.BatchNorm1d(3))
    assert type(alone) is nn.SyncBatchNorm
