"""``repr`` of a tensor in PyTorch's format: ``tensor([1., 2.], requires_grad=True)``."""
from __future__ import annotations

import numpy as np

from microtensor import dtypes
from microtensor.tensor import Tensor

PRECISION = 4
THRESHOLD = 1000
EDGEITEMS = 3
LINEWIDTH = 80


def _float_formatter(values: np.ndarray):
    """PyTorch's choice: integers print as ``1.``, wide ranges in scientific notation, else 4 decimals."""
    finite = values[np.isfinite(values)]
    nonzero = np.abs(finite[finite != 0]).astype(np.float64)
    if finite.size == 0 or np.all(finite == np.round(finite)) and (nonzero.size == 0 or nonzero.max() < 1e8):
        width = max((len(f"{v:.0f}") for v in finite), default=1)
        return lambda v: (f"{v:.0f}." if np.isfinite(v) else str(v)).rjust(width + 1)
    if nonzero.size and (nonzero.max() / nonzero.min() > 1000.0 or nonzero.max() > 1e8 or nonzero.min() < 1e-4):
        fmt = f"{{:.{PRECISION}e}}"
    else:
        fmt = f"{{:.{PRECISION}f}}"
    width = max(len(fmt.format(v)) for v in finite)
    return lambda v: (fmt.format(v) if np.isfinite(v) else str(v)).rjust(width)


def _body(t: Tensor) -> str:
    data = t._data
    if data.size == 0:
        return "[]"
    if data.dtype.kind == "f":
        sample = data if data.size <= THRESHOLD else _edges(data)
        formatter = {"float_kind": _float_formatter(sample.ravel())}
    elif data.dtype == np.bool_:
        width = 5 if not data.all() else 4
        formatter = {"bool": lambda v: str(bool(v)).rjust(width)}
    else:
        formatter = None
    return np.array2string(data, separator=", ", prefix="tensor(", formatter=formatter, threshold=THRESHOLD,
                           edgeitems=EDGEITEMS, max_line_width=LINEWIDTH)


def _edges(data: np.ndarray) -> np.ndarray:
    """The elements a summarised print shows (the first and last EDGEITEMS along every dim)."""
    for axis in range(data.ndim):
        if data.shape[axis] > 2 * EDGEITEMS:
            data = np.concatenate([np.take(data, range(EDGEITEMS), axis),
                                   np.take(data, range(data.shape[axis] - EDGEITEMS, data.shape[axis]), axis)], axis)
    return data


def tensor_repr(t: Tensor) -> str:
    """The PyTorch-style representation of ``t``."""
    suffixes = []
    if t._data.size == 0 and t._data.shape != (0,):
        suffixes.append(f"size={tuple(t._data.shape)}")
    dt = t.dtype
    if dt not in (dtypes.get_default_dtype(), dtypes.int64, dtypes.bool_):
        suffixes.append(f"dtype={dt!r}")
    if t.grad_fn is not None:
        suffixes.append(f"grad_fn=<{t.grad_fn.name()}>")
    elif t._requires_grad:
        suffixes.append("requires_grad=True")
    return "tensor(" + ", ".join([_body(t)] + suffixes) + ")"
