"""nn.CrossMapLRN2d (PyTorch's legacy windows; values against torch, gradients by finite differences), the
deprecated nn.Container, and nn.RNNCellBase as a base for custom cells."""
import warnings

import numpy as np
import pytest
from helpers import check_gradients, compare_modules_with_torch, rand, requires_torch, seeds, torch
from hypothesis import given, settings
from hypothesis import strategies as st

import microtensor as mt
from microtensor import nn


@requires_torch
@pytest.mark.parametrize("size, channels", [(3, 2), (3, 5), (5, 3), (4, 6), (1, 3), (2, 4), (7, 3), (3, 1)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_cross_map_lrn2d_values_match_torch(size, channels, dtype):
    x = rand(size, (2, channels, 3, 4))[0].astype(dtype) * 3
    ours, theirs = nn.CrossMapLRN2d(size, 0.1, 0.75, 2.0), torch.nn.CrossMapLRN2d(size, 0.1, 0.75, 2.0)
    assert repr(ours) == repr(theirs)
    out = ours(mt.tensor(x))
    assert out.dtype == mt.tensor(x).dtype
    np.testing.assert_allclose(out.numpy(), theirs(torch.tensor(x)).numpy(), rtol=1e-6 if dtype == np.float32
                               else 1e-13)
    # its windows are PyTorch's, not LocalResponseNorm's, wherever channel 0 drops out of a window
    if channels > size // 2 + 2:
        assert not np.allclose(out.numpy(), nn.LocalResponseNorm(size, 0.1, 0.75, 2.0)(mt.tensor(x)).numpy())


@given(seed=seeds, size=st.integers(1, 5), channels=st.integers(1, 5))
@settings(max_examples=10, deadline=None, derandomize=True)
def test_cross_map_lrn2d_gradcheck(seed, size, channels):
    x, = rand(seed, (2, channels, 2, 2))
    check_gradients(nn.CrossMapLRN2d(size, 0.5, 0.75, 1.5), x)


def test_cross_map_lrn2d_errors_and_defaults():
    with pytest.raises(ValueError, match="CrossMapLRN2d: Expected input to be 4D, got 3D instead."):
        nn.CrossMapLRN2d(3)(mt.randn(2, 3, 4))
    m = nn.CrossMapLRN2d(3)
    assert (m.alpha, m.beta, m.k) == (1e-4, 0.75, 1)
    assert m(mt.zeros(2, 0, 3, 3)).shape == (2, 0, 3, 3)
    assert nn.modules.normalization.CrossMapLRN2d is nn.CrossMapLRN2d


def test_container_is_deprecated_and_adds_its_modules():
    with pytest.warns(FutureWarning, match="`nn.Container` is deprecated"):
        c = nn.Container(a=nn.Linear(2, 3), b=nn.ReLU())
    assert list(dict(c.named_children())) == ["a", "b"] and len(list(c.parameters())) == 2
    with pytest.warns(FutureWarning, match="`nn.Container` is deprecated"):
        class Old(nn.Container):
            pass
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        Old(x=nn.Identity())
    assert nn.modules.container.Container is nn.Container


class TorchStyleCell:
    """A custom cell on RNNCellBase, written as a PyTorch user writes one."""

    @staticmethod
    def build(lib):
        class MinimalGRU(lib.nn.RNNCellBase):
            def __init__(self, input_size, hidden_size):
                super().__init__(input_size, hidden_size, bias=True, num_chunks=2)

            def forward(self, x, h):
                gates = x @ self.weight_ih.t() + self.bias_ih + h @ self.weight_hh.t() + self.bias_hh
                z, n = gates.chunk(2, 1)
                z = lib.sigmoid(z)
                return (1 - z) * lib.tanh(n) + z * h
        return MinimalGRU(3, 4)


@requires_torch
def test_rnn_cell_base_builds_a_custom_cell_as_torch():
    ours, theirs = TorchStyleCell.build(mt), TorchStyleCell.build(torch)
    assert repr(ours) == repr(theirs) == "MinimalGRU(3, 4)"
    assert [(n, tuple(p.shape)) for n, p in ours.named_parameters()] == \
        [(n, tuple(p.shape)) for n, p in theirs.named_parameters()]
    assert all(abs(p).max().item() <= 0.5 for p in ours.parameters())   # U(-1/sqrt(4), 1/sqrt(4))
    x, h = (a.astype(np.float32) for a in rand(0, (2, 3), (2, 4)))
    compare_modules_with_torch(ours, theirs, {"x": x, "h": h}, lambda m, t, lib: (m(t["x"], t["h"]),))
    assert isinstance(nn.LSTMCell(2, 3), nn.RNNCellBase) and nn.modules.rnn.RNNCellBase is nn.RNNCellBase
