"""PyTorch's CPU sorting and selection algorithms, replayed step by step on one slice.

Among equal elements, which index ``sort`` (not stable), ``topk`` and ``kthvalue`` return is decided by
the order in which their algorithms happen to swap elements: libstdc++'s ``std::sort``,
``std::nth_element`` and ``std::partial_sort`` (what PyTorch's Linux wheels are built with) and ATen's
``quick_select_template``. Replaying them is the only way to return the same indices; the sorting ops
call these only for slices that have ties (elsewhere every algorithm gives the same answer).

Each function takes ``keys``, the slice as integer ranks (equal elements equal, NaN above everything),
and a strict weak order ``less`` on keys, and returns the final arrangement as a list of positions.
"""
from __future__ import annotations

from collections.abc import Callable

Less = Callable[[int, int], bool]

INSERTION_SORT_MAX = 16      # libstdc++'s _S_threshold: std::sort of this few elements is an insertion sort (stable)


def _median_to_first(o: list, k: list, result: int, a: int, b: int, c: int, less: Less) -> None:
    """libstdc++'s ``__move_median_to_first``: swap the median of o[a], o[b], o[c] into o[result]."""
    ka, kb, kc = k[o[a]], k[o[b]], k[o[c]]
    if less(ka, kb):
        pick = b if less(kb, kc) else c if less(ka, kc) else a
    else:
        pick = a if less(ka, kc) else c if less(kb, kc) else b
    o[result], o[pick] = o[pick], o[result]


def _partition_pivot(o: list, k: list, first: int, last: int, less: Less) -> int:
    """libstdc++'s ``__unguarded_partition_pivot``: median-of-three into ``first``, partition the rest
    around it; returns the cut."""
    _median_to_first(o, k, first, first + 1, first + (last - first) // 2, last - 1, less)
    pivot, lo, hi = k[o[first]], first + 1, last
    while True:
        while less(k[o[lo]], pivot):
            lo += 1
        hi -= 1
        while less(pivot, k[o[hi]]):
            hi -= 1
        if lo >= hi:
            return lo
        o[lo], o[hi] = o[hi], o[lo]
        lo += 1


def _insertion_sort(o: list, k: list, first: int, last: int, less: Less, unguarded_from: int | None = None) -> None:
    """libstdc++'s ``__insertion_sort``: an element less than the first moves straight to the front, any
    other one moves down while it is less than its neighbour; from ``unguarded_from`` on, its
    ``__unguarded_insertion_sort`` (no check against the first). The two differ only for an order that is not
    a strict weak one (``<`` on values with NaN, which ``mode`` sorts by)."""
    for i in range(first + 1, last):
        item, j = o[i], i
        if (unguarded_from is None or i < unguarded_from) and less(k[item], k[o[first]]):
            o[first + 1:i + 1] = o[first:i]
            o[first] = item
            continue
        while j > first and less(k[item], k[o[j - 1]]):
            o[j] = o[j - 1]
            j -= 1
        o[j] = item


def _adjust_heap(o: list, k: list, first: int, hole: int, length: int, item: int, less: Less) -> None:
    """libstdc++'s ``__adjust_heap`` (with its ``__push_heap``) on the heap o[first:first + length]."""
    top, child = hole, hole
    while child < (length - 1) // 2:
        child = 2 * (child + 1)
        if less(k[o[first + child]], k[o[first + child - 1]]):
            child -= 1
        o[first + hole] = o[first + child]
        hole = child
    if length % 2 == 0 and child == (length - 2) // 2:
        child = 2 * (child + 1)
        o[first + hole] = o[first + child - 1]
        hole = child - 1
    parent = (hole - 1) // 2
    while hole > top and less(k[o[first + parent]], k[item]):
        o[first + hole] = o[first + parent]
        hole, parent = parent, (parent - 1) // 2
    o[first + hole] = item


def _pop_heap(o: list, k: list, first: int, last: int, result: int, less: Less) -> None:
    item = o[result]
    o[result] = o[first]
    _adjust_heap(o, k, first, 0, last - first, item, less)


def _heap_select(o: list, k: list, first: int, middle: int, last: int, less: Less) -> None:
    length = middle - first
    if length >= 2:
        for parent in range((length - 2) // 2, -1, -1):
            _adjust_heap(o, k, first, parent, length, o[first + parent], less)
    for i in range(middle, last):
        if less(k[o[i]], k[o[first]]):
            _pop_heap(o, k, first, middle, i, less)


def _partial_sort(o: list, k: list, first: int, middle: int, last: int, less: Less) -> None:
    """libstdc++'s ``__partial_sort``: heap-select the smallest into o[first:middle], then heap-sort them."""
    _heap_select(o, k, first, middle, last, less)
    while middle - first > 1:
        middle -= 1
        _pop_heap(o, k, first, middle, middle, less)


def _lg(n: int) -> int:
    return n.bit_length() - 1


def std_sort(keys: list, less: Less, order: list | None = None, last: int | None = None) -> list:
    """``std::sort`` of the first ``last`` positions of ``order`` (all of it when None; ``order`` defaults to
    the identity and is rearranged in place): introsort, then insertion sort."""
    o = list(range(len(keys))) if order is None else order
    last = len(o) if last is None else last
    if last > 1:
        stack = [(0, last, 2 * _lg(last))]
        while stack:
            first, end, depth = stack.pop()
            while end - first > INSERTION_SORT_MAX:
                if depth == 0:
                    _partial_sort(o, keys, first, end, end, less)
                    break
                depth -= 1
                cut = _partition_pivot(o, keys, first, end, less)
                stack.append((cut, end, depth))
                end = cut
        _insertion_sort(o, keys, 0, last, less, INSERTION_SORT_MAX)     # libstdc++'s __final_insertion_sort
    return o


def nth_element(keys: list, nth: int, less: Less) -> list:
    """``std::nth_element``: introselect, then insertion sort of the last short run."""
    o = list(range(len(keys)))
    first, last = 0, len(keys)
    if first == last or nth == last:
        return o
    depth = 2 * _lg(last)
    while last - first > 3:
        if depth == 0:
            _heap_select(o, keys, first, nth + 1, last, less)
            o[first], o[nth] = o[nth], o[first]
            return o
        depth -= 1
        cut = _partition_pivot(o, keys, first, last, less)
        if cut <= nth:
            first = cut
        else:
            last = cut
    _insertion_sort(o, keys, first, last, less)
    return o


def partial_sort(keys: list, middle: int, less: Less) -> list:
    """``std::partial_sort(first, first + middle, last)``."""
    o = list(range(len(keys)))
    _partial_sort(o, keys, 0, middle, len(keys), less)
    return o


def topk_order(keys: list, k: int, less: Less, sorted: bool) -> list:
    """ATen's topk on one slice (k >= 1): ``std::partial_sort`` when k is small next to the slice, else
    ``std::nth_element`` with the k-th in place, then, if ``sorted``, ``std::sort`` of the ones before it."""
    if k * 64 <= len(keys):
        return partial_sort(keys, k, less)
    order = nth_element(keys, k - 1, less)
    if sorted:
        std_sort(keys, less, order, k - 1)
    return order


def quick_select(keys: list, k: int) -> list:
    """ATen's ``quick_select_template`` (kthvalue's), ascending with NaN last: the k-th smallest lands at k."""
    o = list(range(len(keys)))
    lo, hi = 0, len(keys) - 1

    def swap(i: int, j: int) -> None:
        o[i], o[j] = o[j], o[i]

    while hi > lo:
        if hi == lo + 1:
            if keys[o[lo]] > keys[o[hi]]:
                swap(lo, hi)
            break
        swap(lo + (hi - lo) // 2, lo + 1)
        if keys[o[lo + 1]] > keys[o[hi]]:
            swap(lo + 1, hi)
        if keys[o[lo]] > keys[o[hi]]:
            swap(lo, hi)
        if keys[o[lo + 1]] > keys[o[lo]]:
            swap(lo + 1, lo)
        i, j, pivot = lo + 1, hi, keys[o[lo]]
        while True:
            i += 1
            while pivot > keys[o[i]]:
                i += 1
            j -= 1
            while keys[o[j]] > pivot:
                j -= 1
            if j < i:
                break
            swap(i, j)
        swap(lo, j)
        if j <= k:
            lo = i
        if j >= k:
            hi = j - 1
    return o
