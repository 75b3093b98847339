"""bfloat16 ops computed as PyTorch's CPU kernels compute them: in float32, rounded to bfloat16 once at the end.

ml_dtypes' elementwise ufuncs already do this per element; reductions, products and softmax would accumulate in
bfloat16 itself (a different, less accurate result), so their forwards carry `computes_in_float32`.
"""
from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np

from microtensor.dtypes import BFLOAT16

_FLOAT32 = np.dtype(np.float32)


def computes_in_float32(forward: Callable) -> Callable:
    """Decorate an op's array ``forward(ctx, x, *args)``: when ``x`` is bfloat16, every bfloat16 array argument
    is widened to float32, the forward runs, and its float32 results are rounded to bfloat16. What the forward
    saved for backward is mapped back to the bfloat16 inputs and outputs, so backward sees the graph's own
    tensors (and their version counters), and other saved intermediates are rounded to bfloat16. Any other
    dtype costs one identity test."""
    @functools.wraps(forward)
    def wrapper(ctx: Any, x: Any, *args: Any, **kwargs: Any) -> Any:
        if getattr(x, "dtype", None) is not BFLOAT16:
            return forward(ctx, x, *args, **kwargs)
        originals = {}
        wide_args = []
        for a in (x, *args):
            if isinstance(a, np.ndarray) and a.dtype is BFLOAT16:
                wide = a.astype(_FLOAT32)
                originals[id(wide)] = (wide, a)
                a = wide
            elif a is BFLOAT16:                  # an accumulation dtype (sum's dtype=)
                a = _FLOAT32
            wide_args.append(a)
        out = forward(ctx, *wide_args, **kwargs)
        rounded = {}

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
    return wrapper


def _original(item: Any, originals: dict, rounded: dict) -> Any:
    """The bfloat16 array a saved float32 copy stands for (an input's or an output's); any other float32
    intermediate rounded to bfloat16, as PyTorch saves it in the tensor's dtype; else the item itself."""
    for table in (originals, rounded):
        entry = table.get(id(item))
        if entry is not None and entry[0] is item:
            return entry[1]
    if isinstance(item, np.ndarray) and item.dtype == _FLOAT32:
        return item.astype(BFLOAT16)
    return item
