"""A binary min-heap of (key, value) rows for the compiled searches (numba)."""

from __future__ import annotations

import numba
import numpy as np


@numba.njit(cache=True, nogil=True, inline="always")
def heap_push(heap, size, key, val):
    """Push (key, val) on a binary min-heap stored as (key, val) rows."""
    i = size
    while i > 0:
        parent = (i - 1) >> 1
        if heap[parent, 0] <= key:
            break
        heap[i, 0] = heap[parent, 0]
        heap[i, 1] = heap[parent, 1]
        i = parent
    heap[i, 0] = key
    heap[i, 1] = val
    return size + 1


@numba.njit(cache=True, nogil=True, inline="always")
def heap_pop(heap, size):
    """Pop the smallest (key, val); returns key, val, new size."""
    key, val = heap[0, 0], heap[0, 1]
    size -= 1
    last_key, last_val = heap[size, 0], heap[size, 1]
    i = 0
    while True:
        child = 2 * i + 1
        if child >= size:
            break
        if child + 1 < size and heap[child + 1, 0] < heap[child, 0]:
            child += 1
        if last_key <= heap[child, 0]:
            break
        heap[i, 0] = heap[child, 0]
        heap[i, 1] = heap[child, 1]
        i = child
    heap[i, 0] = last_key
    heap[i, 1] = last_val
    return key, np.int64(val), size
