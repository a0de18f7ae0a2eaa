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


INT8_ENTRIES = 127  # dictionaries of at most this many entries are stored with 8-bit indices


def constant_text(text: str, rows: int) -> pa.DictionaryArray:
    """One text on every row, as an Arrow dictionary array of one entry (what a Parquet writer stores fastest;
    8-bit indices, as the store writes them)."""
    return pa.DictionaryArray.from_arrays(pa.array(np.zeros(rows, dtype=np.int8)),
                                          pa.array([text], type=pa.large_string()))


_REPEAT_ROWS = 1 << 16  # rows of the one block of text that every chunk of a repeated text points at


def repeated_text(text: str, rows: int, dtype: pd.StringDtype) -> pd.api.extensions.ExtensionArray:
    """``rows`` copies of one text as a pandas Arrow string array of ``dtype`` (an Arrow-backed string dtype).

    The values are those of ``frame[name] = text``, but the Arrow chunks all point at one block of
    ``_REPEAT_ROWS`` copies, so a million rows hold a few hundred KB, not a million copies written into fresh
    memory (whose page faults cost more than the copying).
    """
    block = pa.repeat(pa.scalar(text, type=pa.large_string()), min(rows, _REPEAT_ROWS))
    chunks = [block] * (rows // _REPEAT_ROWS) + ([block.slice(0, rows % _REPEAT_ROWS)] if rows % _REPEAT_ROWS else [])
    return pd.arrays.ArrowStringArray(pa.chunked_array(chunks, type=pa.large_string()), dtype=dtype)


def _arrow_text(values: pd.Series) -> pa.ChunkedArray | None:
    """The Arrow data behind a pandas text column (Arrow's own protocol: no copy); None for other columns."""
    dtype = values.dtype
    arrow_text = (isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow") or (
        isinstance(dtype, pd.ArrowDtype) and pa.types.is_large_string(dtype.pyarrow_dtype))
    if not arrow_text:
        return None
    data = values.array.__arrow_array__()
    return data if isinstance(data, pa.ChunkedArray) else pa.chunked_array([data])


def _where(data: pa.ChunkedArray) -> list[tuple[int, int, list[int]]]:
    """Where Arrow data lives: per chunk its offset, length and buffer addresses."""
    return [(c.offset, len(c), [0 if b is None else b.address for b in c.buffers()]) for c in data.chunks]


@dataclass(frozen=True)
class TextDictionary:
    """A text column's values as an Arrow dictionary array, valid for the column backed by ``data``.

    A writer takes the dictionary only while the column still holds that very Arrow data (the same memory,
    which ``data`` keeps alive, so no other array can take its place): a column changed or replaced since
    no longer does, and is converted as it is.
    """

    data: pa.ChunkedArray
    dictionary: pa.DictionaryArray

    @classmethod
    def of(cls, values: pd.Series, dictionary: pa.DictionaryArray) -> TextDictionary | None:
        """The dictionary of a column (None when the column is not Arrow text)."""
        data = _arrow_text(values)
        return None if data is None else cls(data, dictionary)

    def holds(self, values: pd.Series) -> bool:
        """Whether ``values`` is still the column this dictionary was made for."""
        data = _arrow_text(values)
        return data is not None and len(values) == len(self.dictionary) and _where(data) == _where(self.data)
