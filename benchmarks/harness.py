"""What every workload shares: timing, PyTorch's thread settings, memory readings and the result table.

A workload module defines a ``WORKLOAD = Workload(...)``: its name, a ``run(**params)``
returning ``Row``s, and the parameters of its full, quick (``--quick``) and tiny
(the smoke test) sizes. ``benchmarks/__init__.py`` lists the workloads.

The engines are microtensor eager, microtensor's ``compile`` (``mt-compiled``), PyTorch eager on one
thread and on its default threads, PyTorch's ``torch.compile`` (``torch-compile``, on as many threads
as ``matching_torch`` names) and the hand-written NumPy floor.
"""
from __future__ import annotations

import contextlib
import gc
import os
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

try:
    import torch
except ImportError:  # PyTorch is optional: its columns are left empty
    torch = None

ENGINES = ("microtensor", "mt-compiled", "torch-1thread", "torch-default", "torch-compile", "numpy-floor")


@dataclass
class Row:
    """One measured quantity of a workload, in every engine that has it.

    ``targets`` maps an engine (``"torch"`` meaning PyTorch with as many threads as NumPy's
    BLAS has, see ``matching_torch``, or ``"numpy-floor"``) to the largest microtensor/engine ratio that meets
    the issue's target, ``compiled_targets`` likewise for mt-compiled/engine; ``limit`` is for rows judged on
    one engine's value alone (``limit_engine``'s); ``agree`` is a relative tolerance within which every
    engine's value must equal microtensor's, but for mt-compiled's, which must equal it exactly (a replay
    runs eager's kernels).
    """

    workload: str
    metric: str
    unit: str
    values: dict[str, float | None]
    targets: dict[str, float] = field(default_factory=dict)
    compiled_targets: dict[str, float] = field(default_factory=dict)
    limit: float | None = None
    limit_engine: str = "microtensor"
    agree: float | None = None
    target_text: str = ""
    digits: int = 3

    def ratio(self, engine: str, subject: str = "microtensor") -> float | None:
        """``subject``'s value over ``engine``'s, or None when either is missing."""
        ours, theirs = self.values.get(subject), self.values.get(engine)
        if ours is None or not theirs:
            return None
        return ours / theirs

    def verdict(self) -> str:
        """'met', 'MISSED (...)' or '' when the row has no target (or the engines it names did not run)."""
        misses, judged = [], False
        for subject, targets, prefix in (("microtensor", self.targets, ""),
                                         ("mt-compiled", self.compiled_targets, "compiled ")):
            for engine, bound in targets.items():
                engine = matching_torch() if engine == "torch" else engine
                ratio = self.ratio(engine, subject)
                if ratio is None:
                    continue
                judged = True
                if ratio > bound:
                    misses.append(f"{prefix}{ratio:.2f}x {engine}")
        value = self.values.get(self.limit_engine)
        if self.limit is not None and value is not None:
            judged = True
            if value > self.limit:
                misses.append(f"{self.limit_engine} {value:.3g} > {self.limit:.3g}")
        if self.agree is not None:
            ours = self.values.get("microtensor")
            compiled = self.values.get("mt-compiled")
            if ours is not None and compiled is not None:
                judged = True
                if compiled != ours:
                    misses.append(f"mt-compiled differs from eager ({compiled:.9g} != {ours:.9g})")
            for engine in ENGINES[2:]:                  # the engines other than microtensor's two
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
    has_floor: bool = True   # whether it times a hand-written NumPy floor (a ResNet's would be a second engine)


@contextlib.contextmanager
def torch_threads_restored() -> Iterator[None]:
    """Run the block, then put PyTorch's intra-op thread count back as it was."""
    before = torch.get_num_threads() if torch is not None else None
    try:
        yield
    finally:
        if torch is not None:
            torch.set_num_threads(before)


def time_engines(microtensor_fn: Callable[[], Any] | None, torch_fn: Callable[[], Any] | None,
                 numpy_fn: Callable[[], Any] | None, repeats: int, warmup: int, settle: int = 5,
                 compiled_fn: Callable[[], Any] | None = None,
                 torch_compiled_fn: Callable[[], Any] | None = None) -> dict[str, float | None]:
    """Median seconds of each engine's callable (None: not timed here), PyTorch's eager both single-threaded
    and with its default threads, ``torch_compiled_fn`` on ``matching_torch``'s threads. The engines take
    turns within each repeat, so a change in the machine's load during the run touches them all alike.

    Each timed call follows ``settle`` untimed calls of the same engine. A training loop runs one
    engine's step over and over; the first steps after another engine ran find the caches and the
    allocator's free lists in that engine's state. Measured on LeNet-5 with the engines taking single
    turns: right after a PyTorch step, microtensor's step took about 1 ms longer and the floor's about
    0.3 ms longer than in runs of their own (microtensor/floor 1.27 against 1.18). Two settling calls
    left it at 1.22-1.24, five at 1.18-1.20. A workload whose one call is already a long run (the
    chains) passes ``settle=0``."""
    runs = {"microtensor": (microtensor_fn, None), "mt-compiled": (compiled_fn, None), "numpy-floor": (numpy_fn, None)}
    if torch is not None:
        default = torch.get_num_threads()
        runs["torch-1thread"] = (torch_fn, 1)
        runs["torch-default"] = (torch_fn, default)
        runs["torch-compile"] = (torch_compiled_fn, 1 if matching_torch() == "torch-1thread" else default)
    runs = {name: run for name, run in runs.items() if run[0] is not None}
    samples: dict[str, list[float]] = {name: [] for name in runs}
    gc.collect()
    gc.freeze()     # what is alive now (PyTorch's modules, say) is left out of the collections between runs
    try:
        with torch_threads_restored():
            for _ in range(warmup):
                for fn, threads in runs.values():
                    if threads is not None:
                        torch.set_num_threads(threads)
                    fn()
            for _ in range(repeats):
                for name, (fn, threads) in runs.items():
                    if threads is not None:
                        torch.set_num_threads(threads)
                    for _ in range(settle):
                        fn()
                    gc.collect()
                    start = time.perf_counter()
                    fn()
                    samples[name].append(time.perf_counter() - start)
    finally:
        gc.unfreeze()
    values: dict[str, float | None] = dict.fromkeys(ENGINES)
    values.update({name: statistics.median(times) for name, times in samples.items()})
    return values


def scaled(values: dict[str, float | None], factor: float) -> dict[str, float | None]:
    """Every present value multiplied by ``factor`` (seconds to microseconds per op, say)."""
    return {k: None if v is None else v * factor for k, v in values.items()}


def loss_rows(workload: str, losses: dict[str, list[float] | None]) -> list[Row]:
    """The rows checking that every engine's losses of its first two steps (``losses[engine]``, None: not run)
    equal microtensor's: within 1e-4, and mt-compiled's exactly."""
    rows = []
    for k, metric in enumerate(("loss, step 1", "loss, step 2 (after one update)")):
        values = {engine: None if run is None else run[k] for engine, run in losses.items()}
        rows.append(Row(workload, metric, "", values, digits=6, agree=1e-4,
                        target_text="all equal (1e-4; compiled: exactly)"))
    return rows


def rss_bytes() -> int | None:
    """This process's resident set size, from /proc (None where there is no /proc)."""
    try:
        with open("/proc/self/statm") as f:
            resident_pages = int(f.read().split()[1])
    except (OSError, IndexError, ValueError):
        return None
    return resident_pages * os.sysconf("SC_PAGE_SIZE")


BLAS_THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def blas_thread_settings() -> list[str]:
    """The environment variables that fix NumPy's BLAS thread count (read once, as NumPy loads), as NAME=value."""
    return [f"{k}={os.environ[k]}" for k in BLAS_THREAD_VARIABLES if k in os.environ]


def matching_torch() -> str:
    """The PyTorch column that runs on as many threads as microtensor's GEMMs (NumPy's BLAS): torch-1thread
    when a variable pins the BLAS to one thread, else torch-default. Targets against "torch" compare these
    two, like with like; the table shows the ratio to both."""
    return "torch-1thread" if any(s.endswith("=1") for s in blas_thread_settings()) else "torch-default"


def environment() -> str:
    """One line naming the versions and thread settings the numbers depend on."""
    import numpy as np
    parts = [f"Python {sys.version.split()[0]}", f"NumPy {np.__version__}", f"{os.cpu_count()} CPUs"]
    if torch is None:
        parts.append("PyTorch not installed (its columns are empty)")
    else:
        parts.append(f"PyTorch {torch.__version__} (default {torch.get_num_threads()} threads)")
    blas = blas_thread_settings()
    parts.append(f"NumPy's BLAS threads: {', '.join(blas) if blas else 'its default'} (targets against torch "
                 f"use {matching_torch()})")
    return ", ".join(parts)


def _number(x: float | None, unit: str, digits: int) -> str:
    if x is None:
        return "-"
    return f"{x:.{digits}g} {unit}".rstrip()


def _ratio(x: float | None) -> str:
    return "-" if x is None else f"{x:.2f}x"


RATIOS = (("mt/torch-1t", "microtensor", "torch-1thread"), ("mt/torch-def", "microtensor", "torch-default"),
          ("mt/np-floor", "microtensor", "numpy-floor"), ("cmp/mt", "mt-compiled", "microtensor"),
          ("cmp/torch-1t", "mt-compiled", "torch-1thread"), ("cmp/np-floor", "mt-compiled", "numpy-floor"))
HEADER = ("workload", "metric", *ENGINES, *(column for column, _, _ in RATIOS), "target", "verdict")


def format_table(rows: list[Row]) -> str:
    """The rows as one aligned text table with the ratio columns (``RATIOS``), the targets and verdicts."""
    cells = [HEADER]
    for r in rows:
        cells.append((r.workload, r.metric, *(_number(r.values.get(e), r.unit, r.digits) for e in ENGINES),
                      *(_ratio(r.ratio(engine, subject)) for _, subject, engine in RATIOS),
                      r.target_text, r.verdict()))
    widths = [max(len(row[i]) for row in cells) for i in range(len(HEADER))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)
