"""Helpers shared by the normalisers: work on a column's distinct values and build typed output Series."""

from __future__ import annotations

import weakref
from collections.abc import Hashable
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from procrisk.arrays import INT8_ENTRIES, object_pointers, repeated_text
from procrisk.ingest.normalise.result import Normalised

STRING = pd.StringDtype("pyarrow")

# row count -> the read-only array of Nones the problem columns of that length share while any of them lives
_NONE_ROWS: weakref.WeakValueDictionary[int, np.ndarray] = weakref.WeakValueDictionary()

# Cell contents that mean "no value" in any column (compared after trimming and case folding).
MISSING_TOKENS = frozenset({
    "", "-", "--", "---", "—", "–", "n/a", "na", "n.a.", "n.a", "#n/a", "null", "nil", "none given", "?",
    "not applicable", "not available", "s/o", "sans objet", "k.a.", "k. a.", "keine angabe", "no aplica",
    "nan", "#value!", "#ref!",
})


def is_missing_token(text: str) -> bool:
    """Whether a trimmed cell text stands for a missing value (n/a, -, —, ...)."""
    return text.strip().casefold() in MISSING_TOKENS


def _hashable(value: Any) -> Hashable:
    """A value usable as a factorize key (lists and dicts from OCDS become their text)."""
    if isinstance(value, list | dict | set):
        return str(value)
    return value


def arrow_chunks(values: pd.Series) -> pa.ChunkedArray | None:
    """The Arrow strings behind a pandas string column (no copy), or None for any other column."""
    dtype = values.dtype
    arrow_text = isinstance(dtype, pd.ArrowDtype) and (
        pa.types.is_string(dtype.pyarrow_dtype) or pa.types.is_large_string(dtype.pyarrow_dtype))
    if not arrow_text and not (isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow"):
        return None
    arr = pa.array(values.array)
    return arr if isinstance(arr, pa.ChunkedArray) else pa.chunked_array([arr])


def encode_arrow(arr: pa.Array | pa.ChunkedArray) -> tuple[np.ndarray, pa.Array]:
    """Dictionary-encode Arrow strings: (codes with -1 for null, distinct values in order of first appearance).

    The same as ``pandas.factorize`` on the column (which also asks Arrow for the encoding), without the
    detour through pandas.
    """
    chunked = arr if isinstance(arr, pa.ChunkedArray) else pa.chunked_array([arr])
    if chunked.num_chunks == 0 or len(chunked) == 0:
        return np.zeros(0, dtype=np.int64), pa.array([], type=chunked.type)
    encoded = pc.dictionary_encode(chunked)
    dictionaries = {len(chunk.dictionary) for chunk in encoded.chunks}
    if len(dictionaries) > 1:  # chunks encoded against different dictionaries: encode one combined chunk
        encoded = pa.chunked_array([pc.dictionary_encode(chunked.combine_chunks())])
    indices = pa.chunked_array([chunk.indices for chunk in encoded.chunks])
    codes = pc.fill_null(indices, -1).to_numpy().astype(np.int64)
    return codes, encoded.chunk(encoded.num_chunks - 1).dictionary


def distinct(values: pd.Series) -> tuple[np.ndarray, list[Any]]:
    """Factorize a column: (codes with -1 for missing, distinct non-missing values as Python objects)."""
    chunks = arrow_chunks(values)
    if chunks is not None:
        codes, dictionary = encode_arrow(chunks)
        return codes, dictionary.to_pylist()
    try:
        codes, uniques = pd.factorize(values, use_na_sentinel=True)
    except TypeError:  # unhashable cells (lists and dicts from OCDS): factorize their text instead
        codes, uniques = pd.factorize(values.map(_hashable), use_na_sentinel=True)
    return codes, list(uniques.tolist() if hasattr(uniques, "tolist") else uniques)


def spread(per_unique: list[Any] | np.ndarray, codes: np.ndarray, *, missing: Any = None) -> np.ndarray:
    """Map one result per distinct value back onto every row (``missing`` where the code is -1).

    When every result and ``missing`` are None (the problems of a column without any) the rows are filled with
    None directly, twice as fast as taking it for each row.
    """
    if missing is None and all(item is None for item in per_unique):
        return np.full(len(codes), None, dtype=object)
    table = np.empty(len(per_unique) + 1, dtype=object)
    for i, item in enumerate(per_unique):  # element by element: lists must stay Python lists
        table[i] = item
    table[-1] = missing
    return table[codes]


def text_dictionary(per_unique: list[str | None], codes: np.ndarray) -> pa.DictionaryArray:
    """One text (or None) per distinct value and each row's code (-1: missing) as an Arrow dictionary array.

    The dictionary holds each text once (results that coincide, such as "gbp" and "GBP" both read as "GBP",
    share one entry; None is a null index), as a Parquet writer takes it without looking at the rows again.
    Indices are 8-bit when there are at most 127 entries (what the store writes them as: see
    ``procrisk.store.parquet_parts._narrow``), else 32-bit.
    """
    entries: dict[str, int] = {}
    remap = np.full(len(per_unique) + 1, -1, dtype=np.int32)  # the last slot: code -1
    for i, text in enumerate(per_unique):
        if text is not None:
            remap[i] = entries.setdefault(text, len(entries))
    indices = remap.astype(np.int8 if len(entries) <= INT8_ENTRIES else np.int32)[codes]
    missing = indices < 0
    return pa.DictionaryArray.from_arrays(pa.array(indices, mask=missing) if missing.any() else pa.array(indices),
                                          pa.array(list(entries), type=pa.large_string()))


def dictionary_text_series(arr: pa.DictionaryArray, index: pd.Index) -> pd.Series:
    """The texts of an Arrow dictionary array, one per row, as a string Series (Arrow take; one text on every
    row shares one block of copies, see ``repeated_text``)."""
    if len(arr.dictionary) == 1 and not arr.null_count and len(arr):
        text = arr.dictionary.cast(pa.large_string())[0].as_py()
        return pd.Series(repeated_text(text, len(arr), STRING), index=index, copy=False)
    return arrow_text_series(arr.dictionary.take(arr.indices), index)


def text_result(per_unique: list[str | None], codes: np.ndarray, index: pd.Index, problems: pd.Series,
                notes: list[str]) -> Normalised:
    """A text column normalised once per distinct value: its texts on every row, with their dictionary."""
    dictionary = text_dictionary(per_unique, codes)
    return Normalised(dictionary_text_series(dictionary, index), problems, notes, dictionaries={"values": dictionary})


def arrow_text_series(arr: pa.Array | pa.ChunkedArray, index: pd.Index) -> pd.Series:
    """An Arrow string array as a pandas string Series (zero-copy)."""
    if not pa.types.is_large_string(arr.type):
        arr = arr.cast(pa.large_string())
    return pd.Series(pd.arrays.ArrowStringArray(arr), index=index, dtype=STRING)


def text_series(values: np.ndarray | list[Any], index: pd.Index) -> pd.Series:
    """An object array of str/None as a pandas string Series."""
    return arrow_text_series(pa.array(values, type=pa.large_string()), index)


def _no_problems(rows: int) -> np.ndarray:
    """A read-only object array of ``rows`` Nones, shared by the problem columns of that length without a problem.

    Filling (and later freeing) a million None references costs ~4 ms a column; read-only, so a normaliser that
    wrote into a shared array would fail loudly instead of giving other columns its problems.
    """
    shared = _NONE_ROWS.get(rows)
    if shared is None:
        shared = np.full(rows, None, dtype=object)
        shared.flags.writeable = False
        _NONE_ROWS[rows] = shared
    return shared


def _is_no_problems(values: np.ndarray) -> bool:
    """Whether ``values`` is (a view of the whole of) the shared array of Nones of its length."""
    shared = _NONE_ROWS.get(len(values))
    return (shared is not None and values.dtype == object and values.strides == shared.strides
            and values.__array_interface__["data"][0] == shared.__array_interface__["data"][0])


def problem_series(problems: np.ndarray | list[Any] | None, index: pd.Index) -> pd.Series:
    """Per-row problem codes as an object Series (None where the row has no problem).

    The Series wraps the array without copying it: callers hand over an array they no longer use. Without
    problems (``None``) it wraps the shared read-only array of Nones (see ``_no_problems``).
    """
    if problems is None:
        return pd.Series(_no_problems(len(index)), index=index, dtype=object, copy=False)
    return pd.Series(np.asarray(problems, dtype=object), index=index, dtype=object, copy=False)


def distinct_problems(per_unique: list[str | None] | np.ndarray, codes: np.ndarray, index: pd.Index) -> pd.Series:
    """One problem code (or None) per distinct value spread onto the rows (missing rows: None), as a Series."""
    if all(problem is None for problem in per_unique):
        return problem_series(None, index)
    return problem_series(spread(per_unique, codes), index)


def as_arrow_text(values: pd.Series) -> pa.Array:
    """A column as an Arrow string array (non-text objects rendered with str, missing as null)."""
    if isinstance(values.dtype, pd.StringDtype):
        arr = pa.array(values.array)
        return arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr
    obj = values.to_numpy(dtype=object, na_value=None)
    return pa.array([None if v is None else v if isinstance(v, str) else str(v) for v in obj],
                    type=pa.large_string())


def string_buffers(arr: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """(offsets, data) of an Arrow string array as numpy views: value i is ``data[offsets[i]:offsets[i + 1]]``.

    Offsets are absolute positions in ``data`` (a sliced array keeps its parent's data buffer).
    """
    offsets_type = np.int64 if pa.types.is_large_string(arr.type) else np.int32
    offsets = np.frombuffer(arr.buffers()[1], dtype=offsets_type)[arr.offset: arr.offset + len(arr) + 1]
    data_buffer = arr.buffers()[2]
    data = np.zeros(0, np.uint8) if data_buffer is None else np.frombuffer(data_buffer, dtype=np.uint8)
    return offsets, data


def may_need_trim(arr: pa.Array) -> bool:
    """Whether some value may start or end with whitespace, judged from its first and last bytes.

    Any byte outside printable ASCII counts (a multi-byte character may be a Unicode space), so a False is
    certain: trimming the array would change nothing.
    """
    offsets, data = string_buffers(arr)
    starts, ends = offsets[:-1], offsets[1:]
    filled = ends > starts
    if not filled.any():
        return False
    first, last = data[starts[filled]], data[ends[filled] - 1]
    return bool(((first <= 0x20) | (first >= 0x7F)).any() or ((last <= 0x20) | (last >= 0x7F)).any())


def keep_bytes(arr: pa.Array, keep: np.ndarray, replace: tuple[int, int] | None = None) -> pa.Array:
    """Each value with only the bytes that the 256-entry table ``keep`` marks (nulls stay null), as large strings.

    Meant for ASCII tables (digits, separators): every byte of a multi-byte character is >= 0x80, so such a
    character is dropped whole, exactly as a regular expression over characters would drop it.
    ``replace`` = (old byte, new byte) swaps one kept byte for another (e.g. a decimal comma for a point).
    """
    offsets, data = string_buffers(arr)
    segment = data[offsets[0]:offsets[-1]]
    positions = np.flatnonzero(keep[segment])
    kept = segment[positions]
    if replace is not None:
        kept[kept == replace[0]] = replace[1]
    new_offsets = np.searchsorted(positions, offsets - offsets[0]).astype(np.int64)  # kept bytes before each
    validity = None
    if arr.null_count:
        validity = pa.py_buffer(np.packbits(arr.is_valid().to_numpy(zero_copy_only=False), bitorder="little"))
    return pa.Array.from_buffers(pa.large_string(), len(arr),
                                 [validity, pa.py_buffer(new_offsets), pa.py_buffer(kept)], arr.null_count)


def _any_byte(data: np.ndarray, wanted: bytes) -> np.ndarray:
    """Whether each byte is one of ``wanted`` (one whole-array comparison per byte: faster than a table lookup)."""
    found = np.zeros(len(data), dtype=bool)
    for byte in dict.fromkeys(wanted):
        found |= data == byte
    return found


def rows_containing(values: pd.Series, chars: str) -> pd.Series:
    """Whether each cell contains any of the ASCII ``chars`` (False where missing), as a boolean Series.

    For Arrow text the UTF-8 bytes are scanned with numpy: an ASCII byte is never part of a multi-byte
    character, so a byte match is a character match, as ``str.contains("[...]")`` would find.
    """
    chunks = arrow_chunks(values)
    if chunks is None or not chars.isascii():
        pattern = "[" + "".join("\\" + c if c in "\\]^-[" else c for c in chars) + "]"
        found = values.astype("string").str.contains(pattern, regex=True).fillna(False)
        return (values.notna() & found).astype(bool)
    parts = []
    for chunk in chunks.chunks:
        offsets, data = string_buffers(chunk)
        rows = np.zeros(len(chunk), dtype=bool)
        if len(chunk) and offsets[-1] > offsets[0]:
            hits = offsets[0] + np.flatnonzero(_any_byte(data[offsets[0]:offsets[-1]], chars.encode()))
            rows[np.searchsorted(offsets[1:], hits, side="right")] = True
        parts.append(rows)
    flags = np.concatenate(parts) if parts else np.zeros(0, dtype=bool)
    return pd.Series(flags, index=values.index)


def problem_rows(problems: pd.Series) -> np.ndarray:
    """``problems.notna()`` as a numpy mask, fast for the usual object column of mostly None.

    Cells that are not the None object (a few problem codes) are checked with ``pd.notna``, so NaN or NA
    count as missing exactly as before; a column of another dtype takes ``notna`` directly.
    """
    if problems.dtype != object:
        return problems.notna().to_numpy()
    values = problems.to_numpy()
    if _is_no_problems(values):
        return np.zeros(len(values), dtype=bool)
    mask = object_pointers(values) != id(None)
    if mask.any():
        mask[mask] = pd.notna(values[mask])
    return mask
