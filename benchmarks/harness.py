"""What every workload shares: timing, PyTorch's thread settings, memory readings and the result table.

A workload module defines a ``WORKLOAD = Workload(...)``: its name, a ``run(**params)``
returning ``Row``s, and the parameters of its full, quick (``--quick``) and tiny
(the smoke test) sizes. ``benchmarks/__init__.py`` lists the workloads.
"""
from __future__ import annotations

import contextlib
import gc
import os
import statistics
import sys
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

try:
    import torch
except ImportError:  # PyTorch is optional: its columns are left empty
    torch = None

ENGINES = ("microtensor", "torch-1thread", "torch-default", "numpy-floor")


@dataclass
class Row:
    """One measured quantity of a workload, in every engine that has it.

    ``targets`` maps an engine (``"torch"`` meaning the faster of the two PyTorch
    settings, or ``"numpy-floor"``) to the largest microtensor/engine ratio that meets
    the issue's target; ``limit`` is for rows judged on microtensor's value alone;
    ``agree`` is a relative tolerance within which every engine's value must equal microtensor's.
    """

    workload: str
    metric: str
    unit: str
    values: dict[str, float | None]
    targets: dict[str, float] = field(default_factory=dict)
    limit: float | None = None
    agree: float | None = None
    target_text: str = ""
    digits: int = 3

    def ratio(self, engine: str) -> float | None:
        """microtensor's value over ``engine``'s, or None when either is missing."""
        ours, theirs = self.values.get("microtensor"), self.values.get(engine)
        if ours is None or not theirs:
            return None
        return ours / theirs

    def verdict(self) -> str:
        """'met', 'MISSED (...)' or '' when the row has no target (or the engines it names did not run)."""
        misses, judged = [], False
        for engine, bound in self.targets.items():
            if engine == "torch":
                ratios = [r for r in (self.ratio("torch-1thread"), self.ratio("torch-default")) if r is not None]
                ratio = max(ratios) if ratios else None
            else:
                ratio = self.ratio(engine)
            if ratio is None:
                continue
            judged = True
            if ratio > bound:
                misses.append(f"{ratio:.2f}x {engine}")
        if self.limit is not None and self.values.get("microtensor") is not None:
            judged = True
            if self.values["microtensor"] > self.limit:
                misses.append(f"{self.values['microtensor']:.3g} > {self.limit:.3g}")
        if self.agree is not None:
            for engine in ENGINES[1:]:
                ratio = self.ratio(engine)
                if ratio is not None:
                    judged = True
                    if abs(ratio - 1) > self.agree:
                        misses.append(f"{engine} differs by {abs(ratio - 1):.1e}")
        if not judged:
            return ""
        return "MISSED (" + ", ".join(misses) + ")" if misses else "met"


@dataclass
class Workload:
    """A registered benchmark: ``run(**full)`` normally, ``run(**quick)`` with --quick, ``run(**tiny)`` in tests."""

    name: str
    description: str
    run: Callable[..., list[Row]]
    full: dict[str, Any]
    quick: dict[str, Any]
    tiny: dict[str, Any]


def median_seconds(fn: Callable[[], Any], repeats: int, warmup: int) -> float:
    """The median wall time of ``fn()`` over ``repeats`` calls, after ``warmup`` untimed calls."""
    for _ in range(warmup):
        fn()
    gc.collect()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


@contextlib.contextmanager
def torch_threads(n: int | None) -> Iterator[None]:
    """Run the block with PyTorch's intra-op thread count set to ``n`` (None: unchanged), then restore it."""
    before = torch.get_num_threads()
    if n is not None:
        torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def time_engines(microtensor_fn: Callable[[], Any] | None, torch_fn: Callable[[], Any] | None,
                 numpy_fn: Callable[[], Any], repeats: int, warmup: int) -> dict[str, float | None]:
    """Median seconds of each engine's callable (None: not timed here); PyTorch's both single-threaded
    and with its default threads."""
    values: dict[str, float | None] = dict.fromkeys(ENGINES)
    if microtensor_fn is not None:
        values["microtensor"] = median_seconds(microtensor_fn, repeats, warmup)
    if torch is not None and torch_fn is not None:
        with torch_threads(1):
            values["torch-1thread"] = median_seconds(torch_fn, repeats, warmup)
        with torch_threads(None):
            values["torch-default"] = median_seconds(torch_fn, repeats, warmup)
    values["numpy-floor"] = median_seconds(numpy_fn, repeats, warmup)
    return values


def scaled(values: dict[str, float | None], factor: float) -> dict[str, float | None]:
    """Every present value multiplied by ``factor`` (seconds to microseconds per op, say)."""
    return {k: None if v is None else v * factor for k, v in values.items()}


def rss_bytes() -> int | None:
    """This process's resident set size, from /proc (None where there is no /proc)."""
    try:
        with open("/proc/self/statm") as f:
            resident_pages = int(f.read().split()[1])
    except (OSError, IndexError, ValueError):
        return None
    return resident_pages * os.sysconf("SC_PAGE_SIZE")


def environment() -> str:
    """One line naming the versions and thread settings the numbers depend on."""
    import numpy as np
    parts = [f"Python {sys.version.split()[0]}", f"NumPy {np.__version__}", f"{os.cpu_count()} CPUs"]
    if torch is None:
        parts.append("PyTorch not installed (its columns are empty)")
    else:
        parts.append(f"PyTorch {torch.__version__} (default {torch.get_num_threads()} threads)")
    parts.append("NumPy's BLAS uses its default threads")
    return ", ".join(parts)


def _number(x: float | None, unit: str, digits: int) -> str:
    if x is None:
        return "-"
    return f"{x:.{digits}g} {unit}".rstrip()


def _ratio(x: float | None) -> str:
    return "-" if x is None else f"{x:.2f}x"


HEADER = ("workload", "metric", *ENGINES, "mt/torch-1t", "mt/torch-def", "mt/np-floor", "target", "verdict")


def format_table(rows: list[Row]) -> str:
    """The rows as one aligned text table with the three ratio columns, the targets and verdicts."""
    cells = [HEADER]
    for r in rows:
        cells.append((r.workload, r.metric, *(_number(r.values.get(e), r.unit, r.digits) for e in ENGINES),
                      _ratio(r.ratio("torch-1thread")), _ratio(r.ratio("torch-default")),
                      _ratio(r.ratio("numpy-floor")), r.target_text, r.verdict()))
    widths = [max(len(row[i]) for row in cells) for i in range(len(HEADER))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)
