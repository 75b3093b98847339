"""``repr`` of a tensor in PyTorch's format: ``tensor([1., 2.], requires_grad=True)``.

The layout is PyTorch's (``torch/_tensor_str.py``) with its default print options: one formatter
for the whole tensor (chosen from the elements shown), as many elements per line as fit in
LINEWIDTH after the indent, and tensors of more than THRESHOLD elements summarised to their
first and last EDGEITEMS entries along every dim.
"""
from __future__ import annotations

import math

import numpy as np

from microtensor import dtypes
from microtensor.tensor import Tensor

PRECISION = 4
THRESHOLD = 1000
EDGEITEMS = 3
LINEWIDTH = 80


class _Formatter:
    """Formats every element of one tensor to the same width, as PyTorch's ``_Formatter`` does.

    Floats: integral values print as ``1.``; a range of nonzero magnitudes wider than 1000 (or beyond
    1e8, or below 1e-4 for non-integral values) switches to scientific notation; else PRECISION
    decimals. Other dtypes print as Python prints their values."""

    def __init__(self, values: np.ndarray) -> None:
        self.floating = values.dtype.kind == "f"
        self.int_mode, self.sci_mode, self.width = True, False, 1
        if not self.floating:
            self.width = max((len(str(v)) for v in values.tolist()), default=1)
            return
        finite = values[np.isfinite(values) & (values != 0)].astype(np.float64)
        if finite.size == 0:
            return
        magnitudes = np.abs(finite)
        lo, hi = magnitudes.min(), magnitudes.max()
        self.int_mode = bool(np.all(finite == np.ceil(finite)))
        self.sci_mode = hi / lo > 1000.0 or hi > 1.0e8 or (not self.int_mode and lo < 1.0e-4)
        if self.sci_mode:
            self.width = max(len(f"{v:.{PRECISION}e}") for v in finite.tolist())
        elif self.int_mode:
            self.width = max(len(f"{v:.0f}") + 1 for v in finite.tolist())
        else:
            self.width = max(len(f"{v:.{PRECISION}f}") for v in finite.tolist())

    def format(self, value: float) -> str:
        if not self.floating:
            text = str(value)
        elif self.sci_mode:
            text = f"{value:{self.width}.{PRECISION}e}"
        elif self.int_mode:
            text = f"{value:.0f}" + ("" if math.isinf(value) or math.isnan(value) else ".")
        else:
            text = f"{value:.{PRECISION}f}"
        return text.rjust(self.width)


def _summarized(data: np.ndarray) -> np.ndarray:
    """The elements a summarised print shows (the first and last EDGEITEMS along every dim)."""
    for axis in range(data.ndim):
        n = data.shape[axis]
        if n > 2 * EDGEITEMS:
            data = np.take(data, list(range(EDGEITEMS)) + list(range(n - EDGEITEMS, n)), axis)
    return data


def _vector(data: np.ndarray, indent: int, summarize: bool, fmt: _Formatter) -> str:
    per_line = max(1, (LINEWIDTH - indent) // (fmt.width + 2))   # each element is followed by ", "
    if summarize and data.shape[0] > 2 * EDGEITEMS:
        items = ([fmt.format(v) for v in data[:EDGEITEMS].tolist()] + [" ..."]
                 + [fmt.format(v) for v in data[-EDGEITEMS:].tolist()])
    else:
        items = [fmt.format(v) for v in data.tolist()]
    lines = [", ".join(items[i:i + per_line]) for i in range(0, len(items), per_line)]
    return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"


def _nested(data: np.ndarray, indent: int, summarize: bool, fmt: _Formatter) -> str:
    if data.ndim == 0:
        return fmt.format(data.item())
    if data.ndim == 1:
        return _vector(data, indent, summarize, fmt)
    n = data.shape[0]
    if summarize and n > 2 * EDGEITEMS:
        rows = ([_nested(data[i], indent + 1, summarize, fmt) for i in range(EDGEITEMS)] + ["..."]
                + [_nested(data[i], indent + 1, summarize, fmt) for i in range(n - EDGEITEMS, n)])
    else:
        rows = [_nested(data[i], indent + 1, summarize, fmt) for i in range(n)]
    return "[" + ("," + "\n" * (data.ndim - 1) + " " * (indent + 1)).join(rows) + "]"


def _body(data: np.ndarray, indent: int) -> str:
    summarize = data.size > THRESHOLD
    if data.dtype == np.float16:
        data = data.astype(np.float32)
    fmt = _Formatter((_summarized(data) if summarize else data).reshape(-1))
    return _nested(data, indent, summarize, fmt)


def _with_suffixes(text: str, suffixes: list[str], indent: int) -> str:
    """``text`` and the suffixes, each after ", " or, where it would pass LINEWIDTH, on a line of its own."""
    parts = [text]
    last_line = len(text) - text.rfind("\n") + 1
    for suffix in suffixes:
        if last_line + len(suffix) + 2 > LINEWIDTH:
            parts.append(",\n" + " " * indent + suffix)
            last_line = indent + len(suffix)
        else:
            parts.append(", " + suffix)
            last_line += len(suffix) + 2
    return "".join(parts) + ")"


def tensor_repr(t: Tensor) -> str:
    """The PyTorch-style representation of ``t``."""
    prefix = "tensor("
    data = t._data
    dt = t.dtype
    suffixes = []
    if data.size == 0:
        body = "[]"
        if data.ndim != 1:
            suffixes.append(f"size={tuple(data.shape)}")
        if dt != dtypes.get_default_dtype():        # no elements to tell an int tensor by
            suffixes.append(f"dtype={dt!r}")
    else:
        body = _body(data, len(prefix))
        if dt not in (dtypes.get_default_dtype(), dtypes.int64, dtypes.bool_):
            suffixes.append(f"dtype={dt!r}")
    if t.grad_fn is not None:
        suffixes.append(f"grad_fn=<{t.grad_fn.name()}>")
    elif t._requires_grad:
        suffixes.append("requires_grad=True")
    return _with_suffixes(prefix + body, suffixes, len(prefix))
