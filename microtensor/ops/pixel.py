"""Channel rearrangements of image tensors: pixel_shuffle / pixel_unshuffle (sub-pixel convolution) and
channel_shuffle (ShuffleNet); each is a reshape, a permute and a reshape, so the gradient is the inverse move."""
from __future__ import annotations

from microtensor.ops.checks import tensor_input
from microtensor.tensor import Tensor


def _check_image(op: str, x: Tensor, factor: int, name: str) -> None:
    if x.ndim < 3:
        raise RuntimeError(f"{op} expects input to have at least 3 dimensions, but got input with {x.ndim} "
                           "dimension(s)")
    if factor <= 0:
        raise RuntimeError(f"{op} expects a positive {name}, but got {factor}")


def pixel_shuffle(input: Tensor, upscale_factor: int) -> Tensor:
    """Rearrange (*, C * r^2, H, W) into (*, C, H * r, W * r), r = ``upscale_factor``.

    Args:
        input: a tensor with at least 3 dimensions whose channel count is divisible by r^2.
        upscale_factor: r, the factor by which height and width grow.
    """
    x = tensor_input("pixel_shuffle", input)
    r = int(upscale_factor)
    _check_image("pixel_shuffle", x, r, "upscale_factor")
    *batch, c, h, w = x.shape
    if c % (r * r):
        raise RuntimeError("pixel_shuffle expects its input's 'channel' dimension to be divisible by the square of "
                           f"upscale_factor, but input.size(-3)={c} is not divisible by {r * r}")
    b = len(batch)
    split = x.reshape(*batch, c // (r * r), r, r, h, w)
    moved = split.permute(*range(b), b, b + 3, b + 1, b + 4, b + 2)
    return moved.reshape(*batch, c // (r * r), h * r, w * r)


def pixel_unshuffle(input: Tensor, downscale_factor: int) -> Tensor:
    """Rearrange (*, C, H * r, W * r) into (*, C * r^2, H, W), r = ``downscale_factor``: pixel_shuffle's inverse.

    Args:
        input: a tensor with at least 3 dimensions whose height and width are divisible by r.
        downscale_factor: r, the factor by which height and width shrink.
    """
    x = tensor_input("pixel_unshuffle", input)
    r = int(downscale_factor)
    _check_image("pixel_unshuffle", x, r, "downscale_factor")
    *batch, c, h, w = x.shape
    for side, size in (("height", h), ("width", w)):
        if size % r:
            raise RuntimeError(f"pixel_unshuffle expects {side} to be divisible by downscale_factor, but input.size("
                               f"{-2 if side == 'height' else -1})={size} is not divisible by {r}")
    b = len(batch)
    split = x.reshape(*batch, c, h // r, r, w // r, r)
    moved = split.permute(*range(b), b, b + 2, b + 4, b + 1, b + 3)
    return moved.reshape(*batch, c * r * r, h // r, w // r)


def channel_shuffle(input: Tensor, groups: int) -> Tensor:
    """Interleave the channels of (N, C, *) from ``groups`` groups: channel g * (C / groups) + i goes to
    i * groups + g (ShuffleNet's shuffle after a group convolution).

    Args:
        input: a tensor with at least 3 dimensions whose channel count is divisible by ``groups``.
        groups: the number of groups to interleave.
    """
    x = tensor_input("channel_shuffle", input)
    g = int(groups)
    if g <= 0:
        raise RuntimeError(f"Number of groups to divide channels in must be positive. Value of groups:{g}")
    if x.ndim < 3:
        raise RuntimeError(f"channel_shuffle expects input with > 2 dims, but got input with sizes {list(x.shape)}")
    n, c, *rest = x.shape
    if c % g:
        raise RuntimeError(f"Number of channels must be divisible by groups. Got {c} channels and {g} groups.")
    return x.reshape(n, g, c // g, *rest).transpose(1, 2).reshape(x.shape)
