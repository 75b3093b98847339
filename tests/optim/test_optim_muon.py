"""Muon against PyTorch's: the same steps up to bfloat16's precision (PyTorch's Newton-Schulz runs in bfloat16,
ours in the parameter's dtype), the orthogonalization itself, and PyTorch's argument errors."""
import numpy as np
import pytest
from helpers import requires_torch, torch

import microtensor as mt
from microtensor.optim.muon import zeropower_via_newtonschulz


@requires_torch
@pytest.mark.parametrize("shape", [(6, 4), (3, 8), (5, 5)])
@pytest.mark.parametrize("options", [{}, {"nesterov": False, "adjust_lr_fn": "match_rms_adamw", "lr": 0.02,
                                          "weight_decay": 0.0}, {"momentum": 0.5, "ns_steps": 3}])
def test_steps_match_torch_to_bfloat16_precision(shape, options):
    rng = np.random.default_rng(0)
    init = rng.standard_normal(shape).astype(np.float32)
    ours, theirs = mt.tensor(init, requires_grad=True), torch.tensor(init, requires_grad=True)
    opt, topt = mt.optim.Muon([ours], **options), torch.optim.Muon([theirs], **options)
    for _ in range(5):
        grad = rng.standard_normal(shape).astype(np.float32)
        ours.grad, theirs.grad = mt.tensor(grad), torch.tensor(grad)
        opt.step()
        topt.step()
    moved = np.abs(theirs.detach().numpy() - init).max()
    assert np.abs(ours.detach().numpy() - theirs.detach().numpy()).max() < 0.03 * moved
    np.testing.assert_allclose(opt.state[ours]["momentum_buffer"].numpy(),
                               topt.state[theirs]["momentum_buffer"].numpy(), rtol=1e-5, atol=1e-6)


def test_newton_schulz_orthogonalizes():
    """The quintic iteration maps every singular value into roughly (0.5, 1.5) and keeps U and V."""
    rng = np.random.default_rng(1)
    g = rng.standard_normal((8, 5)) @ np.diag([10.0, 3.0, 1.0, 0.3, 0.1]) @ rng.standard_normal((5, 5))
    out = zeropower_via_newtonschulz(g, (3.4445, -4.7750, 2.0315), 5, 1e-7)
    u, s, vt = np.linalg.svd(g, full_matrices=False)
    s_out = np.diag(u.T @ out @ vt.T)
    assert out.shape == g.shape and np.all((s_out > 0.5) & (s_out < 1.5))
    np.testing.assert_allclose(u.T @ out @ vt.T, np.diag(s_out), atol=1e-6)


def test_bad_arguments_raise_as_torch():
    with pytest.raises(ValueError, match="Muon only supports 2D parameters whereas we found a parameter with size"):
        mt.optim.Muon([mt.zeros(3, requires_grad=True)])
    w = mt.zeros(2, 2, requires_grad=True)
    with pytest.raises(ValueError, match="Adjust learning rate function cubic is not supported"):
        mt.optim.Muon([w], adjust_lr_fn="cubic")
    with pytest.raises(ValueError, match="momentum should be >= 0 but is: -1"):
        mt.optim.Muon([w], momentum=-1)
    with pytest.raises(ValueError, match="Number of steps must be less than 100"):
        zeropower_via_newtonschulz(np.ones((2, 2)), (1.0, 0.0, 0.0), 100, 1e-7)
