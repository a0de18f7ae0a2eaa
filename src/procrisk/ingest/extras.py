"""Unmapped input columns kept as one JSON object per row (the ``extras`` column), built without a per-row loop.

Each row's object lists every unmapped column in file order, ``null`` for an empty cell; a row with every
unmapped cell empty gets no object at all (missing). Text is written the way pandas' ``to_json`` writes it
(non-ASCII kept, ``/`` escaped as ``\\/``): each distinct cell value is encoded once, by pandas itself, and the
row objects are then joined from those pieces with one Arrow kernel: once per distinct combination of cells
when the rows repeat a few combinations (a notes column of a few values), else once per row.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from procrisk.ingest.normalise.series import (
    STRING,
    arrow_chunks,
    dictionary_text_series,
    encode_arrow,
    text_dictionary,
)

_KEY = "k"


def _json_lines(frame: pd.DataFrame) -> list[str]:
    """pandas' JSON record lines for a frame of text (missing as null)."""
    text = frame.astype(object).where(frame.notna(), None)
    return text.to_json(orient="records", lines=True, force_ascii=False).split("\n")[: len(frame)]


def _encoded_key(name: str) -> str:
    """A column name as pandas writes it as a JSON key (quotes included)."""
    line = _json_lines(pd.DataFrame({name: pd.Series([None], dtype=object)}))[0]
    return line[1: -len(":null}")]


def _encoded_values(values: pa.Array) -> pa.Array:
    """Each text value as pandas writes it as a JSON value (quotes and escapes included)."""
    if not len(values):
        return pa.array([], type=pa.large_string())
    frame = pd.DataFrame({_KEY: pd.Series(values.to_pylist(), dtype=object)})
    prefix = len('{"' + _KEY + '":')
    return pa.array([line[prefix:-1] for line in _json_lines(frame)], type=pa.large_string())


def _slow(frame: pd.DataFrame) -> pd.Series:
    """The row objects from pandas directly (for columns that do not hold Arrow text, e.g. OCDS objects)."""
    filled = frame.notna().any(axis=1)
    lines = _json_lines(frame)
    out = pd.Series(lines, index=frame.index, dtype="string")
    return out.where(filled, pd.NA)


def _objects(names: list[str], encoded: list[tuple[np.ndarray, pa.Array]]) -> pa.Array:
    """The JSON object of each row given by one code per column (-1: empty cell); null where all are empty."""
    pieces: list[pa.Scalar | pa.Array] = []
    filled = None
    for j, (name, (codes, uniques)) in enumerate(zip(names, encoded, strict=True)):
        cells = _encoded_values(uniques).take(pa.array(codes, mask=codes < 0))
        present = pc.is_valid(cells)
        filled = present if filled is None else pc.or_(filled, present)
        pieces.append(pa.scalar(("{" if j == 0 else ",") + _encoded_key(name) + ":", pa.large_string()))
        pieces.append(pc.fill_null(cells, "null"))
    pieces.append(pa.scalar("}", pa.large_string()))
    joined = pc.binary_join_element_wise(*pieces, pa.scalar("", pa.large_string()))
    return pc.if_else(filled, joined, pa.scalar(None, pa.large_string()))


def _combinations(codes: list[np.ndarray], rows: int) -> tuple[np.ndarray, list[np.ndarray]] | None:
    """(each row's combination, each column's code per combination) when the rows hold at most one distinct
    combination of cells per two rows, else None. Combinations are numbered in mixed radix (-1 counts as a code)."""
    sizes = [int(c.max(initial=-1)) + 2 for c in codes]
    count = math.prod(sizes)  # exact: no overflow however many columns
    if count > rows // 2:
        return None
    key = np.zeros(rows, dtype=np.int64)
    for column, size in zip(codes, sizes, strict=True):
        key = key * size + column + 1
    used = np.flatnonzero(np.bincount(key, minlength=count))
    position = np.zeros(count, dtype=np.int64)
    position[used] = np.arange(len(used))
    digits = np.unravel_index(used, sizes)
    return position[key], [d.astype(np.int64) - 1 for d in digits]


def extras_objects(frame: pd.DataFrame) -> tuple[pd.Series, pa.DictionaryArray | None]:
    """Unmapped input columns as one JSON object per row (missing when the row has none filled), and the same
    as a dictionary array (one object per distinct combination) when the rows repeat few combinations."""
    if frame.shape[1] == 0:
        return pd.Series(pd.NA, index=frame.index, dtype="string"), None
    chunks = [arrow_chunks(frame.iloc[:, j]) for j in range(frame.shape[1])]
    if any(c is None for c in chunks) or len(set(frame.columns)) != frame.shape[1]:
        return _slow(frame), None
    names = [str(name) for name in frame.columns]
    encoded = [encode_arrow(column) for column in chunks]
    combined = _combinations([codes for codes, _ in encoded], len(frame))
    if combined is None:
        rows = _objects(names, encoded)
        return pd.Series(pd.arrays.ArrowStringArray(rows), index=frame.index, dtype=STRING), None
    row_combination, digits = combined
    objects = _objects(names, [(d, uniques) for d, (_, uniques) in zip(digits, encoded, strict=True)])
    dictionary = text_dictionary(objects.to_pylist(), row_combination)
    return dictionary_text_series(dictionary, frame.index), dictionary
