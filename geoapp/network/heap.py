"""Min-heaps for the compiled searches (numba): binary over (key, value) rows, 4-ary over key and value arrays."""

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


@numba.njit(cache=True, nogil=True, inline="always")
def heap4_push(keys, values, size, key, value):
    """Push on a 4-ary min-heap kept in two arrays (shallower than a binary one: fewer moves per pop)."""
    i = size
    while i > 0:
        parent = (i - 1) >> 2
        if keys[parent] <= key:
            break
        keys[i] = keys[parent]
        values[i] = values[parent]
        i = parent
    keys[i] = key
    values[i] = value
    return size + 1


@numba.njit(cache=True, nogil=True, inline="always")
def heap4_pop(keys, values, size):
    """Pop the smallest (key, value) of a 4-ary min-heap; returns key, value, new size."""
    key, value = keys[0], values[0]
    size -= 1
    last_key, last_value = keys[size], values[size]
    i = 0
    while True:
        first = 4 * i + 1
        if first >= size:
            break
        best, best_key = first, keys[first]
        for c in range(first + 1, min(first + 4, size)):
            if keys[c] < best_key:
                best, best_key = c, keys[c]
        if last_key <= best_key:
            break
        keys[i] = best_key
        values[i] = values[best]
        i = best
    keys[i] = last_key
    values[i] = last_value
    return key, value, size
