"""Tensor.stride() and is_contiguous(memory_format=...): PyTorch's numbers for owned tensors and for views,
also of a convolution output kept in its private (C, N, H, W) layout."""
import numpy as np
import pytest
from helpers import requires_torch, torch

import microtensor as mt


def m(x):
    return torch if torch is not None and isinstance(x, torch.Tensor) else mt


# each makes a tensor from a (2, 3, 4, 5) float32 tensor
LAYOUTS = {
    "owned": lambda x: x,
    "0d": lambda x: x.sum(),
    "size0": lambda x: x[:, :0],
    "transpose": lambda x: x.transpose(0, 2),
    "permute": lambda x: x.permute(0, 2, 3, 1),
    "channels_last_copy": lambda x: x.permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2),
    "t": lambda x: x[0, 0].t(),
    "slice_step": lambda x: x[:, ::2, 1:],
    "select": lambda x: x[1],
    "select_inner": lambda x: x[:, :, 2],
    "expand": lambda x: x[:, :1].expand(2, 3, 4, 5),
    "unsqueeze": lambda x: x.unsqueeze(1),
    "unsqueeze_last": lambda x: x.unsqueeze(-1),
    "none_index": lambda x: x[None],
    "squeeze": lambda x: x[:, :1].squeeze(1),
    "narrow_size1": lambda x: x[:1, :1],
    "view": lambda x: x.view(6, 20),
    "diagonal": lambda x: x.diagonal(0, 2, 3),
    "unfold": lambda x: x.unfold(3, 2, 1),
    "reshape_copy": lambda x: x.transpose(0, 1).reshape(-1),
    "flip_copy": lambda x: x.flip(1),
}


@requires_torch
@pytest.mark.parametrize("name", LAYOUTS)
def test_strides_and_contiguity_match_torch(name):
    a = np.arange(120, dtype=np.float32).reshape(2, 3, 4, 5)
    ours, theirs = LAYOUTS[name](mt.tensor(a)), LAYOUTS[name](torch.tensor(a))
    assert ours.stride() == theirs.stride()
    for d in range(-ours.ndim, ours.ndim):
        assert ours.stride(d) == theirs.stride(dim=d)
    assert ours.is_contiguous() == theirs.is_contiguous()
    for ours_fmt, torch_fmt in [(mt.channels_last, torch.channels_last), (mt.channels_last_3d, torch.channels_last_3d),
                                (mt.preserve_format, torch.preserve_format),
                                (mt.contiguous_format, torch.contiguous_format)]:
        assert ours.is_contiguous(memory_format=ours_fmt) == theirs.is_contiguous(memory_format=torch_fmt)


@requires_torch
@pytest.mark.parametrize("view", [lambda y: y, lambda y: y[:, 1], lambda y: y[0], lambda y: y[..., 1:, ::2],
                                  lambda y: y.transpose(1, 3)], ids=["whole", "channel", "item", "window", "T"])
def test_convolution_output_reports_torch_strides(view):
    x, w = np.random.default_rng(0).standard_normal((2, 3, 6, 6)), np.ones((4, 3, 3, 3))
    ours = view(mt.nn.functional.conv2d(mt.tensor(x), mt.tensor(w)))
    theirs = view(torch.nn.functional.conv2d(torch.tensor(x), torch.tensor(w)))
    assert ours.stride() == theirs.stride()
    assert ours.is_contiguous() == theirs.is_contiguous()


def test_stride_errors():
    x = mt.zeros(2, 3)
    with pytest.raises(IndexError, match="Dimension out of range"):
        x.stride(2)
    with pytest.raises(TypeError, match="stride\\(\\): argument 'dim' \\(position 1\\) must be int, not str"):
        x.stride("a")
    with pytest.raises(TypeError, match="must be microtensor.memory_format, not str"):
        x.is_contiguous(memory_format="channels_last")
    with pytest.raises(TypeError):
        x.is_contiguous(mt.channels_last)   # keyword-only, as in PyTorch


def test_memory_formats_print_as_torch():
    assert repr(mt.channels_last) == "microtensor.channels_last"
    assert isinstance(mt.contiguous_format, mt.memory_format)
