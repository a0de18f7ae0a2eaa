"""Low-level helpers on numpy and Arrow arrays that several layers share."""

from __future__ import annotations

import ctypes
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa


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



def constant_text(text: str, rows: int) -> pa.DictionaryArray:
    """One text on every row, as an Arrow dictionary array of one entry (what a Parquet writer stores fastest)."""
    return pa.DictionaryArray.from_arrays(pa.array(np.zeros(rows, dtype=np.int32)),
                                          pa.array([text], type=pa.large_string()))


Buffers = list[tuple[int, int, list[int]]]


def arrow_buffers(values: pd.Series) -> Buffers | None:
    """Where the Arrow text behind a pandas column lives (per chunk: offset, length, buffer addresses);
    None for a column that is not Arrow text. Equal results mean the very same memory, not merely equal values.
    """
    dtype = values.dtype
    arrow_text = (isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow") or (
        isinstance(dtype, pd.ArrowDtype) and pa.types.is_large_string(dtype.pyarrow_dtype))
    if not arrow_text:
        return None
    data = values.array.__arrow_array__()  # the column's own Arrow data (Arrow's protocol): no copy
    chunks = data.chunks if isinstance(data, pa.ChunkedArray) else [data]
    return [(c.offset, len(c), [0 if b is None else b.address for b in c.buffers()]) for c in chunks]


@dataclass(frozen=True)
class TextDictionary:
    """A text column's values as an Arrow dictionary array, valid for the column backed by ``buffers``.

    A writer takes the dictionary only while the column still holds those very buffers (see
    :func:`arrow_buffers`): a column changed or replaced since no longer does, and is converted as it is.
    """

    buffers: Buffers
    dictionary: pa.DictionaryArray

    def holds(self, values: pd.Series) -> bool:
        """Whether ``values`` is still the column this dictionary was made for."""
        return len(values) == len(self.dictionary) and arrow_buffers(values) == self.buffers
