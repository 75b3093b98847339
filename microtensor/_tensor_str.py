"""``repr`` of a tensor in PyTorch's format: ``tensor([1., 2.], requires_grad=True)``.

The layout is PyTorch's (``torch/_tensor_str.py``), and so are the print options ``set_printoptions``
changes: one formatter for the whole tensor (chosen from the elements shown), as many elements per
line as fit in ``linewidth`` after the indent, and tensors of more than ``threshold`` elements
summarised to their first and last ``edgeitems`` entries along every dim.
"""
from __future__ import annotations

import math

import numpy as np

from microtensor import dtypes
from microtensor.dtypes import BFLOAT16, is_floating
from microtensor.tensor import Tensor


class PrintOptions:
    """The print options in force (PyTorch's defaults); ``set_printoptions`` changes them."""

    precision: int = 4
    threshold: float = 1000
    edgeitems: int = 3
    linewidth: int = 80
    sci_mode: bool | None = None


OPTS = PrintOptions()
_PROFILES = {"default": (4, 1000, 3, 80), "short": (2, 1000, 2, 80), "full": (4, math.inf, 3, 80)}


def set_printoptions(precision: int | None = None, threshold: float | None = None, edgeitems: int | None = None,
                     linewidth: int | None = None, profile: str | None = None, sci_mode: bool | None = None) -> None:
    """Set how tensors print, as ``torch.set_printoptions`` does.

    Args:
        precision: digits after the decimal point for floating-point values (default 4).
        threshold: tensors with more elements than this print summarised (default 1000).
        edgeitems: entries shown at the start and end of each summarised dim (default 3).
        linewidth: characters per line before wrapping (default 80).
        profile: ``"default"``, ``"short"`` (precision 2, edgeitems 2) or ``"full"`` (never summarise), set
            first; the other arguments then override it.
        sci_mode: True or False forces scientific notation on or off; None (the default, and what every call
            that omits it sets) lets the values decide.
    """
    if profile in _PROFILES:
        OPTS.precision, OPTS.threshold, OPTS.edgeitems, OPTS.linewidth = _PROFILES[profile]
    if precision is not None:
        OPTS.precision = precision
    if threshold is not None:
        OPTS.threshold = threshold
    if edgeitems is not None:
        OPTS.edgeitems = edgeitems
    if linewidth is not None:
        OPTS.linewidth = linewidth
    OPTS.sci_mode = sci_mode


class _Formatter:
    """Formats every element of one tensor to the same width, as PyTorch's ``_Formatter`` does.

    Floats: integral values print as ``1.``; a range of nonzero magnitudes wider than 1000 (or beyond
    1e8, or below 1e-4) switches to scientific notation unless ``sci_mode`` is set; else ``precision``
    decimals. Other dtypes print as Python prints their values."""

    def __init__(self, values: np.ndarray) -> None:
        self.floating = is_floating(values.dtype)
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
        auto = bool(hi / lo > 1000.0 or hi > 1.0e8 or lo < 1.0e-4)
        self.sci_mode = auto if OPTS.sci_mode is None else OPTS.sci_mode
        if self.sci_mode:
            self.width = max(len(f"{v:.{OPTS.precision}e}") for v in finite.tolist())
        elif self.int_mode:
            self.width = max(len(f"{v:.0f}") + 1 for v in finite.tolist())
        else:
            self.width = max(len(f"{v:.{OPTS.precision}f}") for v in finite.tolist())

    def format(self, value: float) -> str:
        if not self.floating:
            text = str(value)
        elif self.sci_mode:
            text = f"{value:{self.width}.{OPTS.precision}e}"
        elif self.int_mode:
            text = f"{value:.0f}" + ("" if math.isinf(value) or math.isnan(value) else ".")
        else:
            text = f"{value:.{OPTS.precision}f}"
        return text.rjust(self.width)


def _summarized(data: np.ndarray) -> np.ndarray:
    """The elements a summarised print shows (the first and last ``edgeitems`` along every dim)."""
    edge = OPTS.edgeitems
    for axis in range(data.ndim):
        n = data.shape[axis]
        if n > 2 * edge:
            data = np.take(data, list(range(edge)) + list(range(n - edge, n)), axis)
    return data


def _vector(data: np.ndarray, indent: int, summarize: bool, fmt: _Formatter) -> str:
    per_line = max(1, (OPTS.linewidth - indent) // (fmt.width + 2))   # each element is followed by ", "
    edge = OPTS.edgeitems
    if summarize and data.shape[0] > 2 * edge:
        items = ([fmt.format(v) for v in data[:edge].tolist()] + [" ..."]
                 + [fmt.format(v) for v in data[-edge:].tolist()])
    else:
        items = [fmt.format(v) for v in data.tolist()]
    lines = [", ".join(items[i:i + per_line]) for i in range(0, len(items), per_line)]
    return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"


def _nested(data: np.ndarray, indent: int, summarize: bool, fmt: _Formatter) -> str:
    if data.ndim == 0:
        return fmt.format(data.item())
    if data.ndim == 1:
        return _vector(data, indent, summarize, fmt)
    n, edge = data.shape[0], OPTS.edgeitems
    if summarize and n > 2 * edge:
        rows = ([_nested(data[i], indent + 1, summarize, fmt) for i in range(edge)] + ["..."]
                + [_nested(data[i], indent + 1, summarize, fmt) for i in range(n - edge, n)])
    else:
        rows = [_nested(data[i], indent + 1, summarize, fmt) for i in range(n)]
    return "[" + ("," + "\n" * (data.ndim - 1) + " " * (indent + 1)).join(rows) + "]"


def _body(data: np.ndarray, indent: int) -> str:
    summarize = data.size > OPTS.threshold
    if data.dtype == np.float16 or data.dtype == BFLOAT16:
        data = data.astype(np.float32)
    fmt = _Formatter((_summarized(data) if summarize else data).reshape(-1))
    return _nested(data, indent, summarize, fmt)


def _with_suffixes(text: str, suffixes: list[str], indent: int) -> str:
    """``text`` and the suffixes, each after ", " or, where it would pass ``linewidth``, on a line of its own."""
    parts = [text]
    last_line = len(text) - text.rfind("\n") + 1
    for suffix in suffixes:
        if last_line + len(suffix) + 2 > OPTS.linewidth:
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
