"""bfloat16 ops computed as PyTorch's CPU kernels compute them: in float32, rounded to bfloat16 once at the end.

ml_dtypes' elementwise ufuncs already do this per element; reductions, products and softmax would accumulate in
bfloat16 itself (a different, less accurate result), so their forwards start with
``if x.dtype is BFLOAT16: return in_float32(Op.forward, ctx, x, ...)``: one identity test for every other dtype.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from microtensor.dtypes import BFLOAT16

_FLOAT32 = np.dtype(np.float32)


def in_float32(forward: Callable, ctx: Any, *args: Any) -> Any:
    """Run an op's array ``forward(ctx, *args)`` with every bfloat16 array argument widened to float32 (and a
    bfloat16 accumulation dtype, as sum's ``dtype=``, replaced by float32); round its float32 results to
    bfloat16. What the forward saved for backward is mapped back to the bfloat16 inputs and outputs, so backward
    sees the graph's own tensors (and their version counters); other saved intermediates are rounded to
    bfloat16, as PyTorch saves them in the tensor's dtype."""
    originals: dict[int, tuple] = {}
    wide_args = []
    for a in args:
        if isinstance(a, np.ndarray) and a.dtype is BFLOAT16:
            wide = a.astype(_FLOAT32)
            originals[id(wide)] = (wide, a)
            a = wide
        elif a is BFLOAT16:
            a = _FLOAT32
        wide_args.append(a)
    out = forward(ctx, *wide_args)
    rounded: dict[int, tuple] = {}

    def narrow(o: Any) -> Any:
        if isinstance(o, (np.ndarray, np.generic)) and o.dtype == _FLOAT32:
            r = np.asarray(o).astype(BFLOAT16)
            rounded[id(o)] = (o, r)
            return r
        return o
    out = tuple(narrow(o) for o in out) if type(out) is tuple else narrow(out)
    saved = getattr(ctx, "_to_save", None)
    if saved:
        ctx._to_save = tuple(_original(s, originals, rounded) for s in saved)
    return out


def _original(item: Any, originals: dict, rounded: dict) -> Any:
    """The bfloat16 array a saved float32 copy stands for (an input's or an output's); any other float32
    intermediate rounded to bfloat16; else the item itself."""
    for table in (originals, rounded):
        entry = table.get(id(item))
        if entry is not None and entry[0] is item:
            return entry[1]
    if isinstance(item, np.ndarray) and item.dtype == _FLOAT32:
        return item.astype(BFLOAT16)
    return item
