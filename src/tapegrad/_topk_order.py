"""Which indices torch's CPU ``topk`` returns when values tie.

torch selects the top k of a row with the C++ standard library (GCC's libstdc++): a partial
sort (heap selection, then heap sort) when ``64 * k <= n``, else ``nth_element`` (introselect)
followed by a sort of the first ``k - 1`` elements. Neither is stable, so among equal values the
indices come out in an order that depends on those algorithms' exact steps. When the top k are
all distinct and strictly above the rest, any correct method gives torch's answer, and NumPy's
does; otherwise :func:`topk_indices` replays libstdc++'s steps (in Python, so only rows with
ties pay for it).
"""
from __future__ import annotations

from typing import Callable

import numpy as np

Less = Callable[[tuple, tuple], bool]


def topk_indices(row: np.ndarray, k: int, largest: bool = True, sorted: bool = True,
                 order: np.ndarray | None = None) -> np.ndarray:
    """The indices of the ``k`` largest (or smallest) values of a 1-D ``row`` in the order
    torch's CPU ``topk`` gives them (NaN counts as the largest value). ``order``: the row's
    stable sorting order (largest first when ``largest``), if already known."""
    n = row.shape[0]
    partial = k * 64 <= n
    if order is None:
        order = np.argsort(-row if largest else row, kind="stable")
    if (sorted or partial) and not np.isnan(row).any() and not _has_ties(row, order, k):
        return order[:k]
    items = [(float(v), i) for i, v in enumerate(row.tolist())]
    less = _before_largest if largest else _before_smallest
    if partial:
        _partial_sort(items, k, less)
    elif k:
        _introselect(items, 0, k - 1, n, 2 * (n.bit_length() - 1), less)
        if sorted:
            _sort(items, 0, k - 1, less)
    return np.array([i for _, i in items[:k]], dtype=np.int64)


def _has_ties(row: np.ndarray, order: np.ndarray, k: int) -> bool:
    """Whether ties could change the answer: equal values among the top k, or the k-th value
    equal to the best of the rest (rows holding NaN are sent to the replay before this)."""
    head = row[order[:k + 1]]
    return bool((head[1:] == head[:-1]).any())


def _before_largest(a: tuple, b: tuple) -> bool:
    """torch's comparator for largest: NaN first, then greater values."""
    x, y = a[0], b[0]
    return (x != x and y == y) or x > y


def _before_smallest(a: tuple, b: tuple) -> bool:
    x, y = a[0], b[0]
    return (x == x and y != y) or x < y


# -- libstdc++'s algorithms, step for step ---------------------------------------------------
def _insertion_sort(a: list, first: int, last: int, less: Less) -> None:
    for i in range(first + 1, last):
        value = a[i]
        if less(value, a[first]):
            a[first + 1:i + 1] = a[first:i]
            a[first] = value
        else:
            j = i
            while less(value, a[j - 1]):
                a[j] = a[j - 1]
                j -= 1
            a[j] = value


def _median_to_first(a: list, result: int, x: int, y: int, z: int, less: Less) -> None:
    if less(a[x], a[y]):
        pick = y if less(a[y], a[z]) else (z if less(a[x], a[z]) else x)
    else:
        pick = x if less(a[x], a[z]) else (z if less(a[y], a[z]) else y)
    a[result], a[pick] = a[pick], a[result]


def _partition_pivot(a: list, first: int, last: int, less: Less) -> int:
    mid = first + (last - first) // 2
    _median_to_first(a, first, first + 1, mid, last - 1, less)
    pivot, lo, hi = a[first], first + 1, last
    while True:
        while less(a[lo], pivot):
            lo += 1
        hi -= 1
        while less(pivot, a[hi]):
            hi -= 1
        if not lo < hi:
            return lo
        a[lo], a[hi] = a[hi], a[lo]
        lo += 1


def _introselect(a: list, first: int, nth: int, last: int, depth: int, less: Less) -> None:
    while last - first > 3:
        if depth == 0:
            _heap_select(a, first, nth + 1, last, less)
            a[first], a[nth] = a[nth], a[first]
            return
        depth -= 1
        cut = _partition_pivot(a, first, last, less)
        if cut <= nth:
            first = cut
        else:
            last = cut
    _insertion_sort(a, first, last, less)


def _sort(a: list, first: int, last: int, less: Less) -> None:
    if last - first < 2:
        return
    stack = [(first, last, 2 * ((last - first).bit_length() - 1))]
    while stack:  # the introsort loop, its recursion on the right part made a stack
        lo, hi, depth = stack.pop()
        while hi - lo > 16:
            if depth == 0:
                _heap_select(a, lo, hi, hi, less)
                _sort_heap(a, lo, hi, less)
                break
            depth -= 1
            cut = _partition_pivot(a, lo, hi, less)
            stack.append((cut, hi, depth))
            hi = cut
    if last - first > 16:
        _insertion_sort(a, first, first + 16, less)
        for i in range(first + 16, last):
            value, j = a[i], i
            while less(value, a[j - 1]):
                a[j] = a[j - 1]
                j -= 1
            a[j] = value
    else:
        _insertion_sort(a, first, last, less)


def _adjust_heap(a: list, first: int, hole: int, length: int, value: tuple, less: Less) -> None:
    top, child = hole, hole
    while child < (length - 1) // 2:
        child = 2 * (child + 1)
        if less(a[first + child], a[first + child - 1]):
            child -= 1
        a[first + hole] = a[first + child]
        hole = child
    if length % 2 == 0 and child == (length - 2) // 2:
        child = 2 * (child + 1)
        a[first + hole] = a[first + child - 1]
        hole = child - 1
    parent = (hole - 1) // 2
    while hole > top and less(a[first + parent], value):
        a[first + hole] = a[first + parent]
        hole = parent
        parent = (hole - 1) // 2
    a[first + hole] = value


def _heap_select(a: list, first: int, middle: int, last: int, less: Less) -> None:
    length = middle - first
    if length >= 2:
        for parent in range((length - 2) // 2, -1, -1):
            _adjust_heap(a, first, parent, length, a[first + parent], less)
    for i in range(middle, last):
        if less(a[i], a[first]):
            value, a[i] = a[i], a[first]
            _adjust_heap(a, first, 0, length, value, less)


def _sort_heap(a: list, first: int, last: int, less: Less) -> None:
    while last - first > 1:
        last -= 1
        value, a[last] = a[last], a[first]
        _adjust_heap(a, first, 0, last - first, value, less)


def _partial_sort(a: list, k: int, less: Less) -> None:
    _heap_select(a, 0, k, len(a), less)
    _sort_heap(a, 0, k, less)
