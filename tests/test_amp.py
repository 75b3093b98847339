"""amp: GradScaler("cpu") scales as PyTorch's does; the CUDA spellings and autocast disable themselves with
PyTorch's warnings; an enabled CPU autocast refuses clearly; the matmul-precision setting is recorded."""
import warnings

import numpy as np
import pytest
from helpers import requires_torch, torch

import microtensor as mt


def _train(lib, steps, growth_interval=2, poison=(3,)):
    """A small float32 regression trained with a CPU GradScaler; at the steps in ``poison`` the input holds
    an inf, so the gradients do and the scaler must skip the step and back off."""
    rng = np.random.default_rng(0)
    w0, x, y = rng.standard_normal((3, 1)), rng.standard_normal((8, 3)), rng.standard_normal((8, 1))
    w = lib.tensor(w0.astype(np.float32), requires_grad=True)
    opt = lib.optim.SGD([w], lr=0.1)
    scaler = lib.amp.GradScaler("cpu", init_scale=1024.0, growth_interval=growth_interval)
    scales, weights = [], []
    for step in range(steps):
        xb = x.copy()
        if step in poison:
            xb[0, 0] = np.inf
        opt.zero_grad()
        loss = ((lib.tensor(xb.astype(np.float32)) @ w - lib.tensor(y.astype(np.float32))) ** 2).mean()
        scaler.scale(loss).backward()
        scaler.step(opt)
        scaler.update()
        scales.append(scaler.get_scale())
        weights.append(w.detach().numpy().copy())
    return scales, weights, scaler.state_dict()


@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")   # NumPy, on the inf input
def test_cpu_scaler_skips_inf_steps_backs_off_and_grows():
    scales, weights, state = _train(mt, 6)
    assert scales == [1024.0, 2048.0, 2048.0, 1024.0, 1024.0, 2048.0]
    np.testing.assert_array_equal(weights[3], weights[2])          # the inf step was skipped
    assert not np.array_equal(weights[4], weights[3])
    assert state == {"scale": 2048.0, "growth_factor": 2.0, "backoff_factor": 0.5, "growth_interval": 2,
                     "_growth_tracker": 0}


@requires_torch
@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")
def test_cpu_scaler_matches_torch():
    ours, theirs = _train(mt, 7), _train(torch, 7)
    assert ours[0] == theirs[0]
    for a, b in zip(ours[1], theirs[1]):
        np.testing.assert_allclose(a, b, rtol=1e-6)
    assert ours[2] == theirs[2]


def test_unscale_then_clip_then_step():
    w = mt.tensor([3.0], requires_grad=True)
    opt = mt.optim.SGD([w], lr=1.0)
    scaler = mt.amp.GradScaler("cpu", init_scale=8.0)
    scaler.scale((w * 2).sum()).backward()
    assert w.grad.item() == 16.0
    scaler.unscale_(opt)
    assert w.grad.item() == 2.0
    with pytest.raises(RuntimeError, match="unscale_\\(\\) has already been called on this optimizer"):
        scaler.unscale_(opt)
    scaler.step(opt)
    assert w.item() == 1.0
    with pytest.raises(RuntimeError, match="step\\(\\) has already been called since the last update\\(\\)"):
        scaler.step(opt)
    scaler.update()
    with pytest.raises(RuntimeError, match="Closure use is not currently supported if GradScaler is enabled"):
        scaler.step(opt, closure=lambda: None)


def test_scale_of_several_outputs_and_bad_input():
    scaler = mt.amp.GradScaler("cpu", init_scale=4.0)
    a, b = scaler.scale([mt.ones(1), (mt.ones(2),)])
    assert a.tolist() == [4.0] and b[0].tolist() == [4.0, 4.0]
    with pytest.raises(ValueError, match="outputs must be a Tensor or an iterable of Tensors"):
        scaler.scale(3.0)
    with pytest.raises(ValueError, match="The growth factor must be > 1.0"):
        mt.amp.GradScaler("cpu", growth_factor=1.0)


@pytest.mark.filterwarnings("ignore:`torch.cuda.amp.GradScaler:FutureWarning")
@pytest.mark.parametrize("make", [lambda L: L.amp.GradScaler(), lambda L: L.amp.GradScaler("cuda"),
                                  lambda L: L.cuda.amp.GradScaler(enabled=True)])
def test_cuda_scaler_disables_itself_as_a_cpu_build_does(make):
    with pytest.warns(UserWarning, match="CUDA is not available.  Disabling."):
        scaler = make(mt)
    w = mt.tensor([1.0], requires_grad=True)
    opt = mt.optim.SGD([w], lr=0.5)
    loss = (w * 3).sum()
    assert scaler.scale(loss) is loss and not scaler.is_enabled() and scaler.get_scale() == 1.0
    loss.backward()
    scaler.step(opt)
    scaler.update()
    assert w.item() == -0.5 and scaler.state_dict() == {}


@requires_torch
def test_cuda_spellings_warn_as_torch():
    for lib in (mt, torch):
        with pytest.warns(FutureWarning, match=r"torch.amp.GradScaler\('cuda', args...\)"):
            lib.cuda.amp.GradScaler(enabled=False)
        with pytest.warns(FutureWarning, match=r"torch.amp.autocast\('cuda', args...\)"), \
                pytest.warns(UserWarning, match="Disabling autocast"):
            with lib.cuda.amp.autocast():
                pass


def test_autocast_runs_disabled_and_refuses_to_cast_on_the_cpu():
    with pytest.warns(UserWarning, match="CUDA is not available or torch_xla is imported. Disabling autocast."):
        with mt.autocast("cuda", dtype=mt.float16):
            y = mt.ones(2, 2) @ mt.ones(2, 2)
    assert y.dtype == mt.float32
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with mt.autocast(device_type="cpu", enabled=False):
            pass

        @mt.autocast("cpu", enabled=False)
        def f(x):
            return x * 2
        assert f(mt.ones(1)).item() == 2.0
    with pytest.raises(RuntimeError, match="microtensor has no mixed-precision autocast"):
        mt.autocast("cpu", dtype=mt.float16)
    with pytest.raises(ValueError, match="Expected `device_type` of type `str`"):
        mt.autocast(0)
    assert mt.autocast is mt.amp.autocast and not mt.amp.is_autocast_available("cpu")


@requires_torch
def test_matmul_precision_is_recorded_as_torch():
    for lib in (mt, torch):
        lib.set_float32_matmul_precision("high")
        assert lib.get_float32_matmul_precision() == "high"
        with pytest.warns(UserWarning, match="bad is not one of 'highest', 'high', or 'medium'"):
            lib.set_float32_matmul_precision("bad")
        assert lib.get_float32_matmul_precision() == "high"
        lib.set_float32_matmul_precision("highest")


@requires_torch
def test_module_half_matches_torch():
    ours, theirs = mt.nn.Linear(3, 2), torch.nn.Linear(3, 2)
    bn, tbn = mt.nn.BatchNorm1d(2).half(), torch.nn.BatchNorm1d(2).half()
    assert ours.half() is ours and ours.weight.dtype == mt.float16 and theirs.half().weight.dtype == torch.float16
    assert bn.running_mean.dtype == mt.float16 and tbn.running_mean.dtype == torch.float16
    assert bn.num_batches_tracked.dtype == mt.int64 and tbn.num_batches_tracked.dtype == torch.int64
