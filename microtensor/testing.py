"""``microtensor.testing``: PyTorch's ``torch.testing`` (``assert_close`` with its tolerances and messages,
``make_tensor``)."""
from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from microtensor.creation import tensor
from microtensor.devices import check_cpu
from microtensor.dtypes import is_floating, promote_types, to_dtype
from microtensor.random import numpy_generator
from microtensor.tensor import Tensor

__all__ = ["assert_close", "make_tensor"]

# (rtol, atol) by dtype name, PyTorch's table; any other dtype compares exactly
_TOLERANCES = {"float16": (1e-3, 1e-5), "bfloat16": (1.6e-2, 1e-5), "float32": (1.3e-6, 1e-5),
               "float64": (1e-7, 1e-7), "complex64": (1.3e-6, 1e-5), "complex128": (1e-7, 1e-7)}


class _Mismatch(AssertionError):
    """A failed comparison; the message names the item where it happened when it is inside a container."""


def _tolerances(names: Sequence[str], rtol: float | None, atol: float | None) -> tuple[float, float]:
    if (rtol is None) != (atol is None):
        raise ValueError(f"Both 'rtol' and 'atol' must be either specified or omitted, but got no "
                         f"{'rtol' if rtol is None else 'atol'}.")
    if rtol is not None and atol is not None:
        return rtol, atol
    pairs = [_TOLERANCES.get(n, (0.0, 0.0)) for n in names]
    return max(p[0] for p in pairs), max(p[1] for p in pairs)


def _mismatch_message(identifier: str, equal: bool, extra: str, abs_diff: Any, rel_diff: Any, atol: float,
                      rtol: float, abs_idx: tuple | None = None, rel_idx: tuple | None = None) -> str:
    """PyTorch's ``_make_mismatch_msg``."""
    def line(kind: str, diff: Any, idx: tuple | None, tol: float) -> str:
        text = (f"{kind.title()} difference: {diff}" if idx is None else
                f"Greatest {kind} difference: {diff} at index {idx}")
        return text + ("" if equal else f" (up to {tol} allowed)") + "\n"
    msg = f"{identifier} are not {'equal' if equal else 'close'}!\n\n{extra}\n"
    return (msg + line("absolute", abs_diff, abs_idx, atol) + line("relative", rel_diff, rel_idx, rtol)).strip()


def _compare_numbers(actual: Any, expected: Any, rtol: float | None, atol: float | None, equal_nan: bool,
                     check_dtype: bool) -> None:
    if check_dtype and type(actual) is not type(expected):
        raise _Mismatch(f"The (d)types do not match: {type(actual)} != {type(expected)}.")
    exact = all(isinstance(x, (bool, int)) for x in (actual, expected))
    rtol, atol = _tolerances(["int64" if exact else "float64"], rtol, atol)
    if actual == expected or (equal_nan and math.isnan(actual) and math.isnan(expected)):
        return
    diff = abs(actual - expected)
    if not math.isfinite(diff) or diff > atol + rtol * abs(expected):
        raise _Mismatch(_scalar_message(actual, expected, rtol, atol))


def _compare_tensors(actual: Tensor, expected: Tensor, rtol: float | None, atol: float | None, equal_nan: bool,
                     check_dtype: bool) -> None:
    if actual.shape != expected.shape:
        raise _Mismatch(f"The values for attribute 'shape' do not match: {actual.shape!r} != {expected.shape!r}.")
    if check_dtype and actual.dtype != expected.dtype:
        raise _Mismatch(f"The values for attribute 'dtype' do not match: {actual.dtype!r} != {expected.dtype!r}.")
    rtol, atol = _tolerances([actual.dtype.name, expected.dtype.name], rtol, atol)
    common = np.dtype(promote_types(actual.dtype, expected.dtype).name)
    a, b = (x.detach().numpy().astype(common, copy=False) for x in (actual, expected))
    if not is_floating(a.dtype):                      # exact kinds compare (and report) as int64, as PyTorch does
        a, b = a.astype(np.int64), b.astype(np.int64)
    with np.errstate(invalid="ignore", over="ignore"):
        matches = np.isclose(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan) if a.size else np.ones(0, bool)
    if matches.all():
        return
    equal = rtol == 0 and atol == 0
    if a.ndim == 0:
        raise _Mismatch(_scalar_message(a.item(), b.item(), rtol, atol))
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        abs_diff = np.abs(a - b).ravel()
        abs_diff[matches.ravel()] = 0
        rel_diff = abs_diff / np.abs(b).ravel()
        rel_diff[matches.ravel()] = 0
    i, j = _argmax(abs_diff), _argmax(rel_diff)
    n, bad = matches.size, matches.size - int(matches.sum())
    raise _Mismatch(_mismatch_message(
        "Tensor-likes", equal, f"Mismatched elements: {bad} / {n} ({bad / n:.1%})", abs_diff[i].item(),
        rel_diff[j].item(), atol, rtol, _index(i, a.shape), _index(j, a.shape)))


def _index(flat: int, shape: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(int(k) for k in np.unravel_index(flat, shape))


def _argmax(x: np.ndarray) -> int:
    """The flat index of the largest value, NaN counting as largest (as torch.max does)."""
    nan = np.flatnonzero(np.isnan(x)) if is_floating(x.dtype) else np.zeros(0, np.intp)
    return int(nan[0]) if nan.size else int(np.argmax(x))


def _scalar_message(actual: Any, expected: Any, rtol: float, atol: float) -> str:
    diff = abs(actual - expected)
    rel = math.inf if expected == 0 else diff / abs(expected)
    return _mismatch_message("Scalars", rtol == 0 and atol == 0, f"Expected {expected} but got {actual}.", diff, rel,
                             atol, rtol)


def _compare(actual: Any, expected: Any, path: str, **options: Any) -> None:
    """Compare two inputs, recursing into sequences and mappings; a failure inside one names the item."""
    if isinstance(actual, Tensor) and isinstance(expected, Tensor):
        _at(path, _compare_tensors, actual, expected, options)
    elif isinstance(actual, (bool, int, float)) and isinstance(expected, (bool, int, float)):
        _at(path, _compare_numbers, actual, expected, options)
    elif _is_sequence(actual) and _is_sequence(expected):
        if len(actual) != len(expected):
            raise AssertionError(f"The length of the sequences mismatch: {len(actual)} != {len(expected)}")
        for k, (a, e) in enumerate(zip(actual, expected)):
            _compare(a, e, f"{path}[{k}]", **options)
    elif isinstance(actual, Mapping) and isinstance(expected, Mapping):
        missing = sorted(set(expected) - set(actual), key=repr)
        extra = sorted(set(actual) - set(expected), key=repr)
        if missing or extra:
            raise AssertionError(f"The keys of the mappings do not match:\nMissing keys in the actual mapping: "
                                 f"{missing}\nAdditional keys in the actual mapping: {extra}")
        for key in actual:
            _compare(actual[key], expected[key], f"{path}[{key!r}]", **options)
    elif not (actual is None and expected is None):
        raise TypeError(f"No comparison pair was able to handle inputs of type {type(actual)} and "
                        f"{type(expected)}.")


def _at(path: str, compare: Callable, actual: Any, expected: Any, options: dict) -> None:
    """Run one leaf comparison; inside a container its failure message ends naming the item."""
    try:
        compare(actual, expected, **options)
    except _Mismatch as e:
        raise _Mismatch(f"{e}\n\nThe failure occurred for item {path}" if path else str(e)) from None


def _is_sequence(x: Any) -> bool:
    return isinstance(x, Sequence) and not isinstance(x, str)


def assert_close(actual: Any, expected: Any, *, allow_subclasses: bool = True, rtol: float | None = None,
                 atol: float | None = None, equal_nan: bool = False, check_device: bool = True,
                 check_dtype: bool = True, check_layout: bool = True, check_stride: bool = False,
                 msg: str | Callable[[str], str] | None = None) -> None:
    """Assert that ``actual`` and ``expected`` are close, as ``torch.testing.assert_close``: tensors (same
    shape, and dtype unless ``check_dtype=False``) elementwise ``|actual - expected| <= atol + rtol *
    |expected|``, Python numbers alike, sequences and mappings item by item. Without ``rtol``/``atol``
    (give both or neither) they come from the dtype: float16 (1e-3, 1e-5), bfloat16 (1.6e-2, 1e-5), float32
    (1.3e-6, 1e-5), float64 (1e-7, 1e-7), exact otherwise. NaNs are equal only with ``equal_nan``. Every
    tensor is on the CPU, so ``check_device``, ``check_layout`` and ``check_stride`` check nothing more.
    ``msg`` replaces the message (a callable gets the generated one)."""
    try:
        _compare(actual, expected, "", rtol=rtol, atol=atol, equal_nan=equal_nan, check_dtype=check_dtype)
    except AssertionError as e:
        text = str(e)
        if msg is not None:
            text = msg(text) if callable(msg) else msg
        raise AssertionError(text) from None


def make_tensor(*shape: Any, dtype: Any, device: Any = None, low: float | None = None, high: float | None = None,
                requires_grad: bool = False, noncontiguous: bool = False, exclude_zero: bool = False,
                memory_format: Any = None) -> Tensor:
    """A tensor of ``shape`` filled with random values of ``dtype``, as ``torch.testing.make_tensor``: bool
    False/True; integers uniform in [low, high) (default [-9, 10), or [0, 10) unsigned); floats uniform in
    [low, high) (default [-9, 9)). With ``exclude_zero``, zeros are replaced by the dtype's smallest positive
    normal number (1 for integers and bool, ``finfo.tiny`` for floats). ``low``/``high`` outside the dtype's
    range are clamped to it."""
    check_cpu(device)
    dt = to_dtype(dtype, "make_tensor")
    dims = tuple(shape[0]) if len(shape) == 1 and isinstance(shape[0], (tuple, list)) else tuple(shape)
    np_dtype = np.dtype(dt.name)
    rng = numpy_generator(None)
    if np_dtype.kind == "b":
        values = rng.integers(0, 2, dims).astype(bool)
    elif np_dtype.kind in "iu":
        info = np.iinfo(np_dtype)
        first, stop = _bounds(dt, low, high, -9, 10, info.min, info.max + (np_dtype != np.int64))
        values = rng.integers(math.ceil(first), math.ceil(stop), dims).astype(np_dtype)
    else:
        finfo = np.finfo(np_dtype)
        first, stop = _bounds(dt, low, high, -9, 9, float(finfo.min), float(finfo.max))
        values = rng.uniform(first, stop, dims).astype(np_dtype)
    if exclude_zero:
        values[values == 0] = 1 if np_dtype.kind in "iub" else np.finfo(np_dtype).tiny
    return tensor(values, dtype=dt, requires_grad=requires_grad)


def _bounds(dt: Any, low: float | None, high: float | None, default_low: float, default_high: float,
            lowest: float, highest: float) -> tuple[float, float]:
    """make_tensor's [low, high) checked and clamped to [lowest, highest), as PyTorch's ``modify_low_high``."""
    low = default_low if low is None else low
    high = default_high if high is None else high
    if math.isnan(low) or math.isnan(high):
        raise ValueError(f"`low` and `high` cannot be NaN, but got low={low} and high={high}")
    if low >= high and not (low == high and dt.is_floating_point):
        raise ValueError(f"`low` must be less than `high`, but got {low} >= {high}")
    if high < lowest or low >= highest:
        raise ValueError(f"The value interval specified by `low` and `high` is [{low}, {high}), but {dt} only "
                         f"supports [{lowest}, {highest})")
    return min(max(low, lowest), highest), min(max(high, lowest), highest)
