"""Padding: ``pad`` (constant, reflect, replicate, circular) and ``constant_pad_nd``."""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from microtensor.autograd.function import Function
from microtensor.ops.checks import tensor_input
from microtensor.ops.indexing import index_select
from microtensor.tensor import Tensor


class ConstantPad(Function):
    """out = x with ``widths[d] = (before, after)`` elements of ``value`` added on each side of dim d (negative
    widths crop); the gradient is the grad with the widths negated (crop what was added, zero-fill the cropped)."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, x: np.ndarray, widths: tuple[tuple[int, int], ...], value: float) -> np.ndarray:
        ctx.widths = widths
        src = tuple(slice(max(-b, 0), n - max(-a, 0)) for (b, a), n in zip(widths, x.shape))
        out = np.full(tuple(n + b + a for (b, a), n in zip(widths, x.shape)), value, dtype=x.dtype)
        out[tuple(slice(max(b, 0), m - max(a, 0)) for (b, a), m in zip(widths, out.shape))] = x[src]
        return out

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple[Tensor, None, None]:
        return ConstantPad.apply(grad, tuple((-b, -a) for b, a in ctx.widths), 0), None, None


def _constant_pad(input: Tensor, pairs: list[tuple[int, int]], value: float) -> Tensor:
    """ConstantPad of the last ``len(pairs)`` dims, ``pairs`` in dim order; a negative size is an error."""
    widths = ((0, 0),) * (input.ndim - len(pairs)) + tuple(pairs)
    for d, ((b, a), n) in enumerate(zip(widths, input.shape)):
        if n + b + a < 0:
            raise RuntimeError(f"The input size {n}, plus negative padding {b} and {a} resulted in a negative "
                               f"output size, which is invalid. Check dimension {d} of your input.")
        if n + min(b, 0) + min(a, 0) < 0:
            raise RuntimeError(f"pad(): the negative padding ({b}, {a}) crops more than the {n} elements of dimension "
                               f"{d} of input {list(input.shape)}")
    return ConstantPad.apply(input, widths, value)


def pad(input: Tensor, pad: Sequence[int], mode: str = "constant", value: float | None = None) -> Tensor:
    """Pad the last ``len(pad) // 2`` dims of ``input``; ``pad`` lists (before, after) pairs from the LAST dim
    backwards: ``(left, right)``, ``(left, right, top, bottom)``, ...

    Args:
        input: the tensor to pad.
        pad: an even number of ints; negative values crop (in every mode).
        mode: ``'constant'`` (fill with ``value``), ``'reflect'`` (mirror without repeating the edge),
            ``'replicate'`` (repeat the edge) or ``'circular'`` (wrap around).
        value: the fill value of constant mode (0 when None).
    """
    tensor_input("pad", input)
    pad = tuple(int(p) for p in pad)
    k = len(pad) // 2
    if len(pad) % 2:
        raise RuntimeError(f"Padding length must be divisible by 2, got a pad of length {len(pad)}")
    if k > input.ndim:
        raise RuntimeError(f"Padding length should be less than or equal to two times the input dimension but got "
                           f"padding length {len(pad)} and input of dimension {input.ndim}")
    nd = input.ndim
    pairs = [(pad[2 * i], pad[2 * i + 1]) for i in range(k)][::-1]   # the first padded dim first
    if mode == "constant":
        return _constant_pad(input, pairs, 0 if value is None else value)
    if mode not in ("reflect", "replicate", "circular"):
        raise ValueError(f"pad(): unsupported padding mode {mode!r}; use 'constant', 'reflect', "
                                  "'replicate' or 'circular'")
    if value:
        raise ValueError(f'Padding mode "{mode}" doesn\'t take in value argument')
    if nd not in (k + 1, k + 2) or k > 3:
        raise RuntimeError(f"pad(): {mode} padding of the last {k} dim(s) needs a {k + 1}-D (unbatched) or "
                                  f"{k + 2}-D (batched) input, got an input of shape {list(input.shape)}")
    x = input
    for i, (b, a) in enumerate(pairs):
        d = nd - k + i
        n = x.shape[d]
        if mode == "reflect" and (b >= n or a >= n):
            raise RuntimeError(f"Argument #4: Padding size should be less than the corresponding input dimension, "
                               f"but got: padding ({b}, {a}) at dimension {d} of input {list(input.shape)}")
        if mode != "circular" and n + b + a <= 0:
            name = "DHW"[3 - k + i]
            raise RuntimeError(f"input ({name}: {n}) is too small. Calculated output {name}: {n + b + a}")
        if n + b + a < 0:
            raise RuntimeError("Negative padding value is resulting in an empty dimension")
        if mode == "circular" and n + min(b, 0) + min(a, 0) <= 0 < n + b + a:
            raise RuntimeError(f"pad(): circular padding ({b}, {a}) of dimension {d} of input {list(input.shape)} "
                               "crops it to nothing and has nothing left to wrap around")
        if mode == "circular" and (b > n or a > n):
            raise RuntimeError("Padding value causes wrapping around more than once.")
        if n == 0 and (b > 0 or a > 0):
            raise RuntimeError(f"pad(): {mode} padding needs a non-empty dimension {d}, input {list(input.shape)}")
        if b or a:
            x = index_select(x, d, Tensor._make(_source_indices(mode, n, b, a)))
    return x


def _source_indices(mode: str, n: int, before: int, after: int) -> np.ndarray:
    """The input index each output position of one padded dim reads, as PyTorch's kernels pick them: reflect and
    replicate read output j from position j - before of the whole input, mirrored or clamped into it; circular
    first crops the negative widths, then wraps around what is left."""
    if mode == "circular":
        start, stop = max(-before, 0), n - max(-after, 0)
        return start + (np.arange(n + before + after) - max(before, 0)) % max(stop - start, 1)
    pos = np.arange(n + before + after) - before
    if mode == "replicate":
        return np.clip(pos, 0, n - 1)
    pos = np.abs(pos)                                   # reflect about 0, then about n - 1
    return np.where(pos > n - 1, 2 * (n - 1) - pos, pos)


def constant_pad_nd(input: Tensor, pad: Sequence[int], value: float = 0) -> Tensor:
    """``torch.constant_pad_nd``: ``pad(input, pad, 'constant', value)``."""
    if len(pad) % 2 or len(pad) // 2 > input.ndim:
        raise RuntimeError(f"constant_pad_nd(): expected an even pad length of at most {2 * input.ndim}, "
                           f"got {len(pad)}")
    k = len(pad) // 2
    return _constant_pad(input, [(int(pad[2 * i]), int(pad[2 * i + 1])) for i in range(k)][::-1], value)
