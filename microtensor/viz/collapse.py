"""``max_nodes``: collapse repeated structure first, cut what still does not fit.

Items (op, leaf and output nodes) are numbered 0..n-1 and joined by data-flow edges. Each item's level
is its longest distance to an output, so one step of an unrolled RNN (or one block of a ResNet stage)
covers the same few levels as every other step, and the levels' contents, read from the outputs
down, repeat with the block's depth as period. The longest periodic runs are collapsed: the repeat
nearest the outputs is drawn as the representative (labelled ``×k``), the other k - 1 become one summary
node. Leaves (named None) do not count in the levels' contents, since a weight shared by every step sits
at the level of its deepest use, and a leaf is hidden only when every op using it is. Graphs without enough
repetition are then cut: the items nearest the outputs are drawn and the rest become one
"N more nodes" summary. Graphs within ``max_nodes`` are drawn whole.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

MAX_PERIOD = 256    # deepest repeated block looked for, in levels


class Repeat(NamedTuple):
    """A collapsed run: the representative's items, the number of repeats, the summary of the others."""
    items: list
    count: int      # type: ignore[assignment]  # the field shadows tuple.count(); readers use r.count
    summary: int


class Plan(NamedTuple):
    """Which items are hidden behind which summary node, the summaries' labels and the repeats."""
    hidden: dict
    summaries: list
    repeats: list


def levels(n: int, edges: list[tuple[int, int]]) -> list[int]:
    """Each item's longest distance (in edges) to an item with no consumer."""
    producers: list[list[int]] = [[] for _ in range(n)]
    pending = [0] * n
    for src, dst in edges:
        producers[dst].append(src)
        pending[src] += 1
    level = [0] * n
    ready = [i for i in range(n) if pending[i] == 0]
    while ready:
        dst = ready.pop()
        for src in producers[dst]:
            level[src] = max(level[src], level[dst] + 1)
            pending[src] -= 1
            if pending[src] == 0:
                ready.append(src)
    return level


def plan(names: list[str | None], edges: list[tuple[int, int]], max_nodes: int | None) -> Plan:
    """How to draw ``len(names)`` items (``names``: their op names, None for leaves) in at most
    ``max_nodes`` nodes."""
    n = len(names)
    if max_nodes is None or n <= max_nodes:
        return Plan({}, [], [])
    if max_nodes < 2:
        raise ValueError(f"max_nodes must be at least 2 (one drawn node and one summary), got {max_nodes}")
    level = levels(n, edges)
    by_level: list[list[int]] = [[] for _ in range(max(level) + 1)]
    for i, lv in enumerate(level):
        by_level[lv].append(i)
    result = _collapse_repeats(names, by_level, edges, max_nodes)
    visible = [i for lv in by_level for i in lv if i not in result.hidden]
    keep = max_nodes - len(result.summaries) - 1
    if len(visible) + len(result.summaries) <= max_nodes:
        return result
    if keep < 1:    # too many repeats for so small a budget: cut only
        result, keep = Plan({}, [], []), max_nodes - 1
        visible = [i for lv in by_level for i in lv]
    cut = visible[keep:]
    index = len(result.summaries)
    result.summaries.append(f"... {len(cut)} more nodes not drawn\n(max_nodes={max_nodes})")
    result.hidden.update(dict.fromkeys(cut, index))
    return result


def _collapse_repeats(names: list[str | None], by_level: list[list[int]], edges: list[tuple[int, int]],
                      max_nodes: int) -> Plan:
    codes: dict[tuple, int] = {}
    sig = np.array([codes.setdefault(tuple(sorted(names[i] for i in items if names[i] is not None)), len(codes))
                    for items in by_level])
    consumers: dict[int, list[int]] = {}
    for src, dst in edges:
        if names[src] is None:
            consumers.setdefault(src, []).append(dst)
    counts = np.array([len(items) for items in by_level])
    cum = np.concatenate(([0], np.cumsum(counts)))
    removed, starts, periods, repeats = _runs(sig, cum)
    order = np.lexsort((periods, -removed))
    result = Plan({}, [], [])
    chosen: list[tuple[int, int]] = []
    total = int(cum[-1])
    for j in order:
        if total <= max_nodes or removed[j] < 2:
            break
        s, p, k = int(starts[j]), int(periods[j]), int(repeats[j])
        lo, hi = s, s + p * k
        if any(lo < b and a < hi for a, b in chosen):
            continue
        chosen.append((lo, hi))
        index = len(result.summaries)
        hidden = [i for lv in range(s + p, hi) for i in by_level[lv] if names[i] is not None]
        gone = set(hidden)
        hidden += [i for lv in range(s + p, hi) for i in by_level[lv]
                   if names[i] is None and all(c in gone for c in consumers.get(i, ()))]
        result.summaries.append(f"... {k - 1} more repeats of the block above\n({len(hidden)} nodes)")
        result.hidden.update(dict.fromkeys(hidden, index))
        result.repeats.append(Repeat([i for lv in range(s, s + p) for i in by_level[lv]], k, index))
        total -= len(hidden) - 1
    return result


def _runs(sig: np.ndarray, cum: np.ndarray) -> tuple[np.ndarray, ...]:
    """Every maximal periodic run of level signatures: nodes it would hide, first level, period, repeats."""
    found = []
    for p in range(1, min(len(sig) // 2, MAX_PERIOD) + 1):
        same = np.concatenate(([False], sig[:-p] == sig[p:], [False])).astype(np.int8)
        step = np.diff(same)
        starts, ends = np.flatnonzero(step == 1), np.flatnonzero(step == -1)
        k = (ends - starts + p) // p
        ok = k >= 2
        starts, k = starts[ok], k[ok]
        found.append((cum[starts + p * k] - cum[starts + p], starts, np.full(len(k), p), k))
    if not found:
        return tuple(np.zeros(0, dtype=np.int64) for _ in range(4))
    return tuple(np.concatenate(column) for column in zip(*found))
