"""Find the header row below any title rows, build clean unique column names, and finish the RawTable.

Shared by the CSV and Excel readers. :func:`find_header` chooses the header; :func:`finish_table` is the
readers' common last step (drop wholly blank rows and empty unnamed columns, wrap the Arrow columns as pandas
strings). The readers hand over the first rows of the file as text (``None`` or "" for an
empty cell) and, for Excel, the merged cell ranges. The rules:

* The header is the first row, within the first :data:`SCAN_ROWS` rows, that has at least two filled
  cells, is followed by a non-blank row and has (nearly) the most *label-like* cells, i.e. text that does not
  look like a number, date, boolean or spreadsheet error. A title row with a single filled cell is never the
  header.
* The row just below the header is a second header row when it holds only labels and they sit under a
  header cell merged across columns (Excel), or, without merge information, under the gap such a merge
  leaves (a label followed by empty header cells): "Value" over "Estimated" / "Awarded" gives
  "Value Estimated" and "Value Awarded". A row of merged group labels just above the best label row is
  taken as the first of two header rows.
* Names are trimmed, runs of whitespace (new lines included) become one space, an empty name becomes
  ``(unnamed N)`` with N the 1-based column position, and duplicates get `` (2)``, `` (3)``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from procrisk.ingest.raw import RawTable

SCAN_ROWS = 30  # the header must start within this many rows of the top
_HEADER_SHARE = 0.8  # a row needs this share of the best row's label count to be taken as the header

_VALUE = re.compile(
    r"""^(?:
        [-+(]?\s*[$€£¥]?\s*\d[\d\s.,'’]*\s*%?\)?          # numbers, amounts, percentages
      | \d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?  # dates, date-times
      | \d{1,2}:\d{2}(?::\d{2})?                          # times
      | true|false                                        # booleans as the Excel reader writes them
      | \#(?:N/A|DIV/0!|VALUE!|REF!|NAME\?|NUM!|NULL!|SPILL!|CALC!|GETTING_DATA)  # Excel errors
    )$""",
    re.IGNORECASE | re.VERBOSE,
)

Merge = tuple[int, int, int, int]  # first row, first column, last row, last column (0-based, inclusive)


@dataclass(frozen=True)
class HeaderChoice:
    """Which rows hold the header and the column names built from them."""

    index: int  # 0-based position, in the rows given, of the (first) header row
    depth: int  # 1, or 2 for a two-row header
    names: list[str]  # clean, unique names, one per column
    unnamed: list[bool]  # True where the header cell was empty and the name is "(unnamed N)"
    merged: list[tuple[int, int, str]] = field(default_factory=list)  # (first col, last col, text) spread

    @property
    def data_index(self) -> int:
        """0-based position, in the rows given, of the first row below the header."""
        return self.index + self.depth


def clean_header(value: object) -> str:
    """A header cell as a name: trimmed, with any run of whitespace or new lines folded to one space."""
    if value is None:
        return ""
    return " ".join(str(value).split())


def unique_names(names: Sequence[str]) -> list[str]:
    """Make names unique by suffixing `` (2)``, `` (3)``, ... to repeats, keeping the first as it is."""
    originals = set(names)
    used: set[str] = set()
    out = []
    for name in names:
        candidate, number = name, 1
        while candidate in used or (number > 1 and candidate in originals):
            number += 1
            candidate = f"{name} ({number})"
        used.add(candidate)
        out.append(candidate)
    return out


def looks_like_value(text: str) -> bool:
    """Whether a cell's text looks like a data value (number, date, boolean, error) rather than a label."""
    return bool(_VALUE.match(text))


def _cells(row: Sequence[str | None], width: int) -> list[str]:
    """A row as ``width`` clean strings ("" for empty)."""
    out = [clean_header(c) for c in row[:width]]
    return out + [""] * (width - len(out))


def _labels(row: Sequence[str]) -> int:
    """Number of filled cells that look like labels."""
    return sum(1 for c in row if c and not looks_like_value(c))


def _filled(row: Sequence[str]) -> int:
    """Number of filled cells."""
    return sum(1 for c in row if c)


def _pick_row(rows: list[list[str]]) -> int | None:
    """Index of the header row by the rules in the module docstring, or None when every row is empty."""
    limit = min(len(rows), SCAN_ROWS)
    nonblank = [i for i, r in enumerate(rows) if _filled(r)]
    if not nonblank:
        return None
    last = nonblank[-1]
    candidates = [i for i in range(limit) if _filled(rows[i]) >= 2 and i < last]
    if not candidates:
        candidates = [i for i in range(limit) if _filled(rows[i]) >= 2]
    if not candidates:
        return nonblank[0]
    best = max(_labels(rows[i]) for i in candidates)
    need = max(1, math.ceil(best * _HEADER_SHARE))
    return next(i for i in candidates if _labels(rows[i]) >= need)


def _spans(top: list[str], merges: Sequence[Merge], row: int) -> list[tuple[int, int]]:
    """Horizontal merged ranges (first col, last col) that include header row ``row``."""
    width = len(top)
    return [
        (c0, min(c1, width - 1))
        for r0, c0, r1, c1 in merges
        if r0 <= row <= r1 and c1 > c0 and c0 < width
    ]


def _is_sub_header(top: list[str], sub: list[str]) -> bool:
    """Whether ``sub`` looks like labels sitting under the gap left by merged header cells (no merge info)."""
    if not _filled(sub) or any(c and looks_like_value(c) for c in sub):
        return False
    if not any(t and not s for t, s in zip(top, sub, strict=True)):
        return False  # a sub-header leaves cells empty under headers that need no second part
    under_gap = False
    for j, s in enumerate(sub):
        if not s:
            continue
        if top[j]:
            if j + 1 >= len(top) or top[j + 1]:
                return False  # a label under a header that is not the start of a span
        else:
            if not any(top[:j]):
                return False
            under_gap = True
    return under_gap


def find_header(
    rows: Sequence[Sequence[str | None]], *, merges: Sequence[Merge] = (), header_index: int | None = None,
) -> HeaderChoice | None:
    """Choose the header row(s) among the first rows of a table and build the column names.

    ``rows`` are the first rows of the file (blank rows included, so positions match the file); ``merges`` are
    the merged ranges relative to those rows; ``header_index`` (0-based) forces the header row, in which case
    a second header row is only combined when a merged header cell proves it. Returns None when all rows are
    empty.
    """
    width = max((len(r) for r in rows), default=0)
    grid = [_cells(r, width) for r in rows]
    index = _pick_row(grid) if header_index is None else header_index
    if index is None or width == 0 or index >= len(grid):
        return None
    if header_index is None and index > 0 and _filled(grid[index - 1]) >= 2 and _spans(
        grid[index - 1], merges, index - 1
    ):
        index -= 1  # a row of merged group labels ("Value" over "Estimated", "Awarded") above the labels
    top = list(grid[index])
    sub = grid[index + 1] if index + 1 < len(grid) else [""] * width
    spans = _spans(top, merges, index)
    merged = []
    for c0, c1 in spans:
        text = top[c0] or next((top[j] for j in range(c0, c1 + 1) if top[j]), "")
        for j in range(c0, c1 + 1):
            top[j] = text
        merged.append((c0, c1, text))
    vertical = {c for r0, c0, r1, c1 in merges if r0 <= index < r1 for c in range(c0, c1 + 1)}
    depth = 1
    if index + 1 < len(grid) and not any(looks_like_value(c) for c in sub if c):
        if spans and any(sub[j] for c0, c1 in spans for j in range(c0, c1 + 1)):
            depth = 2
        elif header_index is None and not spans and _is_sub_header(top, sub):
            depth = 2
            for j in range(1, width):
                if not top[j] and sub[j] and top[j - 1]:
                    top[j] = top[j - 1]
                    if merged and merged[-1][1] == j - 1:
                        merged[-1] = (merged[-1][0], j, top[j])
                    else:
                        merged.append((j - 1, j, top[j]))
    names = []
    for j in range(width):
        parts = [top[j]]
        if depth == 2 and j not in vertical and sub[j] and sub[j] != top[j]:
            parts.append(sub[j])
        names.append(" ".join(p for p in parts if p))
    unnamed = [not n for n in names]
    names = [n or f"(unnamed {j + 1})" for j, n in enumerate(names)]
    return HeaderChoice(index, depth, unique_names(names), unnamed, merged)


def finish_table(
    path: Path, columns: list[pa.Array] | list[pa.ChunkedArray], *, names: list[str], unnamed: list[bool],
    row_numbers: np.ndarray, header_row: int, notes: list[str], sheet: str = "", extra_blank: int = 0,
) -> RawTable:
    """Drop wholly blank rows and empty unnamed columns and wrap the text columns as a RawTable.

    ``columns`` are Arrow string arrays with blanks already null; ``extra_blank`` counts blank rows the
    reader dropped before (empty CSV lines), so ``blank_rows`` covers both.
    """
    keep_cols = [j for j, col in enumerate(columns) if not (unnamed[j] and col.null_count == len(col))]
    dropped = len(columns) - len(keep_cols)
    if dropped:
        notes.append(f"{dropped} empty column(s) without a header left out")
    columns = [columns[j] for j in keep_cols]
    names = [names[j] for j in keep_cols]
    blank_rows = 0
    if columns and len(columns[0]):
        blank = columns[0].is_null()
        for col in columns[1:]:
            blank = pc.and_(blank, col.is_null())
        blank_rows = pc.sum(blank).as_py() or 0
        if blank_rows:
            keep = pc.invert(blank)
            columns = [pc.filter(col, keep) for col in columns]
            row_numbers = row_numbers[np.asarray(keep.to_numpy(zero_copy_only=False), dtype=bool)]
    blank_rows += extra_blank
    if blank_rows:
        notes.append(f"{blank_rows} blank row(s) left out")
    if columns:
        pairs = zip(names, columns, strict=True)
        arrays = {name: pd.arrays.ArrowStringArray(_large_text(column)) for name, column in pairs}
        frame = pd.DataFrame(arrays, copy=False)
    else:
        frame = pd.DataFrame(index=pd.RangeIndex(len(row_numbers)))
    return RawTable(frame=frame, row_numbers=np.asarray(row_numbers, dtype=np.int64), source_file=str(path),
                    sheet=sheet, header_row=header_row, blank_rows=blank_rows, notes=notes)


def _large_text(column: pa.Array | pa.ChunkedArray) -> pa.ChunkedArray:
    """A column as a large_string chunked array (what pandas' Arrow string array holds, so no copy)."""
    chunked = column if isinstance(column, pa.ChunkedArray) else pa.chunked_array([column])
    return chunked if chunked.type == pa.large_string() else chunked.cast(pa.large_string())
