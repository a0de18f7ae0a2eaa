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
    dictionary_text_series,
    encode_arrow,
    may_need_trim,
    problem_series,
    string_buffers,
    text_dictionary,
)

# Control bytes and the lead bytes of combining marks (CC, CD), general punctuation and odd spaces (E2),
# CJK symbols and ideographic space (E3) and the byte-order mark (EF) make a value suspect on their own; a
# C2 lead byte only together with the byte after it (as a space only when another space follows).
_SUSPECT, _C2 = 1, 3
_BYTE_CLASS = np.zeros(256, dtype=np.uint8)
_BYTE_CLASS[[*range(0x20), 0x7F, 0xCC, 0xCD, 0xE2, 0xE3, 0xEF]] = _SUSPECT
_BYTE_CLASS[0xC2] = _C2


def _suspect_rows(arr: pa.Array) -> np.ndarray:
    """Rows that need more than a trim: control bytes, two spaces in a row, odd spaces, format characters
    or combining marks (checked on the UTF-8 bytes with numpy: whole-buffer comparisons find the few control
    and non-ASCII bytes and the double spaces, and only those are looked at further).

    Plain accented letters (é is C3 A9) are not suspect: text from spreadsheets is almost always NFC already.
    A pair of bytes counts only inside one value, never across the end of one value and the start of the next.
    """
    offsets, data = string_buffers(arr)
    rows = np.zeros(len(arr), dtype=bool)
    if not len(data) or offsets[-1] == offsets[0]:
        return rows
    data = data[offsets[0]: offsets[-1]]
    ends = offsets[1:] - offsets[0]
    odd = np.flatnonzero((data < 0x20) | (data >= 0x7F))  # controls and non-ASCII bytes: few in most text
    kinds = _BYTE_CLASS[data[odd]]
    hits = odd[kinds == _SUSPECT]
    c2 = odd[(kinds == _C2) & (odd + 1 < len(data))]
    following = data[c2 + 1]
    c2 = c2[(following <= 0xA0) | (following == 0xAD)]  # C1 control, no-break space or soft hyphen after C2
    spaces = np.flatnonzero((data[:-1] == 0x20) & (data[1:] == 0x20))  # two spaces in a row
    pairs = np.concatenate([c2, spaces])
    pairs = pairs[np.searchsorted(ends, pairs, side="right") == np.searchsorted(ends, pairs + 1, side="right")]
    found = np.concatenate([hits, pairs])
    if len(found):
        rows[np.searchsorted(ends, found, side="right")] = True
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


def _tidy(chunks: pa.ChunkedArray) -> bool:
    """Whether cleaning would change nothing: no suspect row, nothing to trim, no empty value (checked per chunk)."""
    return not any(
        may_need_trim(chunk) or _suspect_rows(chunk).any() or pc.any(pc.equal(pc.binary_length(chunk), 0)).as_py()
        for chunk in chunks.chunks)


def clean_text(values: pd.Series) -> Normalised:
    """Normalise a text or code column (never a problem: text is kept as given, only tidied).

    A column that repeats itself is checked and cleaned once per distinct value and spread back to the rows
    (handed on as it is when every distinct value is tidy), its dictionary kept for the store; another tidy
    column (the usual case) is handed on as it is. The result is the same, value for value.
    """
    chunks = arrow_chunks(values)
    if chunks is not None and _repeats(chunks):
        codes, uniques = encode_arrow(chunks)
        tidy = _tidy(pa.chunked_array([uniques]))
        dictionary = text_dictionary((uniques if tidy else clean_text_array(uniques)).to_pylist(), codes)
        text = arrow_text_series(chunks, values.index) if tidy else dictionary_text_series(dictionary, values.index)
        return Normalised(text, problem_series(None, values.index), [], dictionaries={"values": dictionary})
    if chunks is not None and _tidy(chunks):
        cleaned = chunks
    else:
        cleaned = clean_text_array(as_arrow_text(values))
    return Normalised(arrow_text_series(cleaned, values.index), problem_series(None, values.index), [])
