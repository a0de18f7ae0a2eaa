"""Free text and codes: trim, collapse inner whitespace, drop zero-width and control characters, NFC."""

from __future__ import annotations

import re
import unicodedata
from functools import cache

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from procrisk.ingest.normalise.result import Normalised
from procrisk.ingest.normalise.series import (
    arrow_chunks,
    arrow_text_series,
    as_arrow_text,
    encode_arrow,
    may_need_trim,
    problem_series,
)

# Control bytes and the lead bytes of combining marks (CC, CD), general punctuation and odd spaces (E2),
# CJK symbols and ideographic space (E3) and the byte-order mark (EF).
_SUSPECT_BYTES = np.zeros(256, dtype=bool)
_SUSPECT_BYTES[[*range(0x20), 0x7F, 0xCC, 0xCD, 0xE2, 0xE3, 0xEF]] = True


def _suspect_rows(arr: pa.Array) -> np.ndarray:
    """Rows that need more than a trim: control bytes, two spaces in a row, odd spaces, format characters
    or combining marks (checked on the UTF-8 bytes with numpy, so a clean column costs a few passes).

    Plain accented letters (é is C3 A9) are not suspect: text from spreadsheets is almost always NFC already.
    """
    offsets_type = np.int64 if pa.types.is_large_string(arr.type) else np.int32
    offsets = np.frombuffer(arr.buffers()[1], dtype=offsets_type)[arr.offset: arr.offset + len(arr) + 1]
    rows = np.zeros(len(arr), dtype=bool)
    if arr.buffers()[2] is None or offsets[-1] == offsets[0]:
        return rows
    data = np.frombuffer(arr.buffers()[2], dtype=np.uint8)[offsets[0]: offsets[-1]]
    odd = _SUSPECT_BYTES[data]
    pairs = (data[:-1] == 0x20) & (data[1:] == 0x20)  # two spaces in a row, not across two cells
    # C1 control, no-break space, soft hyphen
    pairs |= (data[:-1] == 0xC2) & ((data[1:] <= 0xA0) | (data[1:] == 0xAD))
    starts = offsets[1:-1] - offsets[0]
    pairs[starts[(starts > 0) & (starts < len(data))] - 1] = False
    odd[:-1] |= pairs
    hits = np.flatnonzero(odd)
    if len(hits):
        rows[np.searchsorted(offsets[1:] - offsets[0], hits, side="right")] = True
    return rows


_ASCII_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")


@cache
def _invisible() -> re.Pattern[str]:
    """A pattern for format characters (Cf, e.g. zero-width space) and control characters (Cc)."""
    ranges: list[list[int]] = []
    for cp in range(0x10000):
        if unicodedata.category(chr(cp)) in ("Cf", "Cc"):
            if ranges and ranges[-1][1] == cp - 1:
                ranges[-1][1] = cp
            else:
                ranges.append([cp, cp])
    body = "".join(re.escape(chr(lo)) + ("" if lo == hi else "-" + re.escape(chr(hi))) for lo, hi in ranges)
    return re.compile(f"[{body}]")


def clean_cell(text: str) -> str:
    """Tidy one cell: NFC, format and control characters dropped, every run of whitespace one space."""
    if text.isascii():
        return " ".join(_ASCII_CONTROL.sub(" ", text).split())
    text = unicodedata.normalize("NFC", text)
    text = _invisible().sub(lambda m: " " if unicodedata.category(m.group()) == "Cc" else "", text)
    return " ".join(text.split())


def clean_text_array(arr: pa.Array) -> pa.Array:
    """Clean an Arrow string array: a vectorised trim for all, Python only for the suspect values."""
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    suspect = _suspect_rows(arr)
    result = pc.utf8_trim_whitespace(arr) if may_need_trim(arr) else arr
    if suspect.any():
        mask = pa.array(suspect)
        part = pa.array([clean_cell(t) for t in arr.filter(mask).to_pylist()], type=arr.type)
        result = pc.replace_with_mask(result, mask, part)
    empty = pc.equal(pc.binary_length(result), 0)
    if pc.any(empty).as_py():
        result = pc.if_else(empty, pa.scalar(None, result.type), result)
    return result


_SAMPLE = 20_000  # rows looked at to decide whether a column repeats itself


def _repeats(chunks: pa.ChunkedArray) -> bool:
    """Whether a column has few distinct values (judged on its first rows), so cleaning them once pays."""
    head = chunks.slice(0, _SAMPLE)
    return pc.count_distinct(head).as_py() * 2 <= len(head)


def clean_text(values: pd.Series) -> Normalised:
    """Normalise a text or code column (never a problem: text is kept as given, only tidied).

    A column that repeats itself is cleaned once per distinct value and spread back to the rows; the
    result is the same, value for value.
    """
    chunks = arrow_chunks(values)
    if chunks is not None and _repeats(chunks):
        codes, uniques = encode_arrow(chunks)
        cleaned = clean_text_array(uniques).take(pa.array(codes, mask=codes < 0))
    else:
        cleaned = clean_text_array(as_arrow_text(values))
    return Normalised(arrow_text_series(cleaned, values.index), problem_series(None, values.index), [])
