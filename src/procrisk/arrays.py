"""Low-level helpers on numpy arrays that several layers share."""

from __future__ import annotations

import ctypes

import numpy as np


def object_pointers(values: np.ndarray) -> np.ndarray:
    """The identity of each object of an object array: its pointer, i.e. ``id()`` in CPython (a copy).

    Read straight from the array's buffer of object pointers while ``values`` holds the references, which is
    what ``np.fromiter(map(id, values))`` gives without a Python call per element.
    """
    values = np.ascontiguousarray(values, dtype=object)
    if not len(values):
        return np.zeros(0, dtype=np.uintp)
    pointers = (ctypes.c_size_t * len(values)).from_address(values.ctypes.data)
    return np.frombuffer(pointers, dtype=np.uintp).copy()
