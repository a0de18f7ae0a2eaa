"""Unmapped input columns kept as one JSON object per row (the ``extras`` column), built without a per-row loop.

Each row's object lists every unmapped column in file order, ``null`` for an empty cell; a row with every
unmapped cell empty gets no object at all (missing). Text is written the way pandas' ``to_json`` writes it
(non-ASCII kept, ``/`` escaped as ``\\/``): each distinct cell value is encoded once, by pandas itself, and the
row objects are then joined from those pieces with one Arrow kernel.
"""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from procrisk.ingest.normalise.series import STRING, arrow_chunks, encode_arrow

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


def extras_json(frame: pd.DataFrame) -> pd.Series:
    """Unmapped input columns as one JSON object per row (missing when the row has none filled)."""
    if frame.shape[1] == 0:
        return pd.Series(pd.NA, index=frame.index, dtype="string")
    chunks = [arrow_chunks(frame.iloc[:, j]) for j in range(frame.shape[1])]
    if any(c is None for c in chunks) or len(set(frame.columns)) != frame.shape[1]:
        return _slow(frame)
    pieces: list[pa.Scalar | pa.Array] = []
    filled = None
    for j, (name, column) in enumerate(zip(frame.columns, chunks, strict=True)):
        codes, uniques = encode_arrow(column)
        cells = _encoded_values(uniques).take(pa.array(codes, mask=codes < 0))
        present = pc.is_valid(cells)
        filled = present if filled is None else pc.or_(filled, present)
        pieces.append(pa.scalar(("{" if j == 0 else ",") + _encoded_key(str(name)) + ":", pa.large_string()))
        pieces.append(pc.fill_null(cells, "null"))
    pieces.append(pa.scalar("}", pa.large_string()))
    joined = pc.binary_join_element_wise(*pieces, pa.scalar("", pa.large_string()))
    rows = pc.if_else(filled, joined, pa.scalar(None, pa.large_string()))
    return pd.Series(pd.arrays.ArrowStringArray(rows), index=frame.index, dtype=STRING)
