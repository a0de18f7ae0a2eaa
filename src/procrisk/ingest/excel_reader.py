"""Read one sheet of an XLSX/XLSM workbook into a RawTable of text cells, with python-calamine.

The file first passes :func:`procrisk.ingest.xlsx_safety.check_xlsx` (zip-bomb and XML-bomb checks);
macros in .xlsm files are never run, only cell values are read. Cells become text the way a user reads
them: dates as ``YYYY-MM-DD`` (``YYYY-MM-DDTHH:MM:SS`` when a time other than midnight is present), whole
numbers without ``.0``, other numbers in the shortest text that reads back to the same number (plain
notation where Arrow gives it, else Python's repr), booleans as ``true``/``false``, error cells as their
error text (``#N/A``; calamine reads them as empty, so they are taken from the sheet XML). Title rows
above the header, merged header cells and two-row headers are handled by
:mod:`procrisk.ingest.headers`; row numbers are the sheet's own 1-based row numbers.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
import re
import zipfile
from collections import defaultdict
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from python_calamine import CalamineSheet, CalamineWorkbook, SheetTypeEnum, SheetVisibleEnum

from procrisk.config import parallel_workers
from procrisk.errors import InputFileError, UsageError
from procrisk.ingest.headers import SCAN_ROWS, HeaderChoice, find_header, finish_table
from procrisk.ingest.raw import RawTable
from procrisk.ingest.xlsx_parallel import LargeSheet, PartFailed, large_sheet
from procrisk.ingest.xlsx_safety import XlsxInfo, check_xlsx
from procrisk.memory import collector_paused

_TEXT = pa.large_string()
_WHOLE_LIMIT = 1e16  # whole floats below this print as integers; above, repr's exponent form (1e+16)
_PLAIN_LOW, _PLAIN_HIGH = 1e-4, 1e10  # where Arrow's float text matches Python's repr
_SAVE_AGAIN = "open it in Excel and save it again"
_Errors = dict[tuple[int, int], str]  # (row, col) 0-based -> error text
_HEAD_ROWS = SCAN_ROWS + 2  # rows handed to header detection (the header plus a possible second header row)
_ERROR_CELL = re.compile(rb"<c\b([^>]*?)(?:/>|>(.*?)</c>)", re.DOTALL)  # a cell, self-closing or not
_CELL_REF = re.compile(rb"""\br\s*=\s*["']([A-Z]+)(\d+)["']""")
_ERROR_TYPE = re.compile(rb"""\bt\s*=\s*["']e["']""")
_VALUE = re.compile(rb"<v>([^<]*)</v>")
_SEPARATOR = "\x00"  # joins cell strings for one bulk conversion; XML text never holds it


def _fail(path: Path, reason: str, sheet: str | None = None) -> InputFileError:
    """An InputFileError whose one sentence names the file (and sheet)."""
    where = f"{path.name}, sheet '{sheet}'" if sheet else path.name
    return InputFileError(f"{where}: {reason}")


def _float_text(value: float) -> str:
    """A number as text: whole numbers without ``.0``, others as Python's shortest round-trip repr."""
    if value.is_integer() and abs(value) < _WHOLE_LIMIT:
        return str(int(value))
    return repr(value)


def _duration_text(value: dt.timedelta) -> str:
    """A duration as ``H:MM:SS`` (hours may exceed 24), as Excel shows ``[h]:mm:ss``."""
    seconds = round(value.total_seconds())
    sign = "-" if seconds < 0 else ""
    hours, rest = divmod(abs(seconds), 3600)
    return f"{sign}{hours}:{rest // 60:02d}:{rest % 60:02d}"


def cell_text(value: object) -> str | None:
    """One calamine cell value as the text a user reads (None for an empty or whitespace-only cell)."""
    kind = type(value)
    if kind is str:
        return value if value.strip() else None  # type: ignore[union-attr]
    if kind is float:
        return _float_text(value)  # type: ignore[arg-type]
    if kind is bool:
        return "true" if value else "false"
    if kind is int:
        return str(value)
    if kind is dt.datetime:
        if value.time() == dt.time(0):  # type: ignore[union-attr]
            return value.date().isoformat()  # type: ignore[union-attr]
        return value.replace(microsecond=0).isoformat()  # type: ignore[union-attr]
    if kind is dt.date or kind is dt.time:
        return value.isoformat()  # type: ignore[union-attr]
    if kind is dt.timedelta:
        return _duration_text(value)  # type: ignore[arg-type]
    if value is None:
        return None
    return str(value)


def _blank_to_null(array: pa.Array) -> pa.Array:
    """Empty and whitespace-only strings become null."""
    blank = pc.or_kleene(pc.equal(pc.binary_length(array), 0), pc.utf8_is_space(array))
    if pc.any(blank).as_py():
        return pc.if_else(blank, pa.scalar(None, _TEXT), array)
    return array


def _floats_text(values: np.ndarray) -> pa.Array:
    """Floats (object array) as text, exactly as :func:`_float_text` writes each one, but in bulk.

    Arrow's float-to-text gives the same shortest digits as Python's repr, and the same notation for
    1e-4 <= |x| < 1e10; outside that range (rare in tables) repr is used value by value.
    """
    data = values.astype(np.float64)
    size = np.abs(data)
    whole = (np.floor(data) == data) & (size < _WHOLE_LIMIT)
    text = pc.if_else(
        pa.array(whole),
        pa.array(np.where(whole, data, 0).astype(np.int64)).cast(_TEXT),
        pa.array(data).cast(_TEXT),
    )
    odd = ~whole & ~((size >= _PLAIN_LOW) & (size < _PLAIN_HIGH))
    if odd.any():
        fixed = np.asarray(text.to_numpy(zero_copy_only=False), dtype=object)
        fixed[odd] = [repr(v) for v in data[odd].tolist()]
        text = pa.array(fixed, _TEXT)
    return text


def _bools_text(values: np.ndarray) -> pa.Array:
    """Booleans (object array) as "true"/"false"."""
    return pc.if_else(pa.array(values.astype(bool)), pa.scalar("true", _TEXT), pa.scalar("false", _TEXT))


def _dates_text(values: np.ndarray) -> pa.Array:
    """Dates (object array of datetime.date) as YYYY-MM-DD."""
    return pa.array(values, pa.date32()).cast(_TEXT)


def _strings_text(values: np.ndarray) -> pa.Array:
    """Strings (object array) as text, empty and whitespace-only ones as null."""
    return _blank_to_null(pa.array(values, _TEXT))


def _others_text(values: np.ndarray) -> pa.Array:
    """Any other cell values (date-times, times, durations, ints) converted one by one."""
    return pa.array([cell_text(v) for v in values], _TEXT)


_BULK = {str: _strings_text, float: _floats_text, bool: _bools_text, dt.date: _dates_text}
_KIND_OF: defaultdict[type, int] = defaultdict(lambda: len(_BULK), {t: i for i, t in enumerate(_BULK)})


def _all_strings_text(body: list[list[object]], total: int) -> pa.Array | None:
    """All cells of ``body`` in row order as one text array when every cell is a string, else None.

    The strings are joined with NUL (which XML text cannot hold), encoded once and split again by Arrow:
    three C-speed passes instead of one Python object conversion per cell. None when a cell is not a
    string, cannot be encoded, or holds a NUL after all (the split would not give ``total`` pieces).
    """
    try:
        joined = _SEPARATOR.join(itertools.chain.from_iterable(body)).encode("utf-8")
    except (TypeError, UnicodeEncodeError):
        return None
    cells = pc.split_pattern(pa.array([joined], pa.large_binary()), _SEPARATOR.encode()).flatten()
    del joined
    if len(cells) != total:
        return None
    return _blank_to_null(cells.cast(_TEXT))


def _columns_text(body: list[list[object]], width: int) -> list[pa.Array]:
    """The cells of ``body`` (rows of calamine values, ``width`` each) as one text Arrow array per column.

    A grid of strings only (the common case) is converted in one go by :func:`_all_strings_text`. Otherwise
    cells are grouped by type in row order (the order calamine allocated them, which keeps memory access
    sequential), each group is converted in bulk, and each column is then gathered from the converted groups.
    """
    total = len(body) * width
    text = _all_strings_text(body, total) if total else None
    if text is not None:
        grid = np.arange(total, dtype=np.int64).reshape(len(body), width)
        return _gather(text, grid, width)
    flat = np.fromiter(itertools.chain.from_iterable(body), object, total)
    kinds = np.fromiter(map(_KIND_OF.__getitem__, map(type, flat)), np.int8, total)  # one pass, no compares
    position = np.empty(total, np.int64)
    pieces, offset = [], 0
    for kind, convert in enumerate([*_BULK.values(), _others_text]):
        where = np.flatnonzero(kinds == kind)
        if len(where):
            pieces.append(convert(flat[where]))
            position[where] = np.arange(offset, offset + len(where))
            offset += len(where)
    del flat, kinds
    text = pa.concat_arrays(pieces) if pieces else pa.array([], _TEXT)
    return _gather(text, position.reshape(len(body), width), width)


def _gather(text: pa.Array, grid: np.ndarray, width: int) -> list[pa.Array]:
    """Column ``j`` of the result holds ``text`` at the positions ``grid[:, j]``."""
    indices = [pa.array(np.ascontiguousarray(grid[:, j])) for j in range(width)]
    with ThreadPoolExecutor(max_workers=parallel_workers(4)) as pool:  # Arrow's take frees the GIL
        return list(pool.map(text.take, indices))


def _column_letter(index: int) -> str:
    """Excel column letters of a 0-based column index (0 -> A, 27 -> AB)."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _column_index(letters: bytes) -> int:
    """0-based column index of Excel column letters."""
    index = 0
    for char in letters:
        index = index * 26 + (char - 64)
    return index - 1


def _error_cells(path: Path, member: str) -> _Errors:
    """Error cells (``t="e"``) of one sheet part as {(row, col): "#N/A"}, 0-based; calamine reads them as "".

    Only called for sheets whose XML the safety scan saw an error value in; the part is streamed and
    matched with regular expressions, never parsed as XML.
    """
    found: _Errors = {}
    carry = b""
    with zipfile.ZipFile(path) as zf, zf.open(member) as fh:
        while chunk := fh.read(1 << 20):
            window = carry + chunk
            end = window.rfind(b"</c>")
            if end < 0:
                carry = window
                continue
            for match in _ERROR_CELL.finditer(window, 0, end + 4):
                attrs, body = match.groups()
                if body is None or not _ERROR_TYPE.search(attrs):
                    continue
                ref, value = _CELL_REF.search(attrs), _VALUE.search(body)
                if ref and value:
                    key = (int(ref.group(2)) - 1, _column_index(ref.group(1)))
                    found[key] = value.group(1).decode("utf-8", "replace")
            carry = window[end + 4:]
    return found


def _open(path: Path, kept: dict[str, bytearray] | None = None) -> tuple[CalamineWorkbook, XlsxInfo]:
    """Check the file is a safe workbook, then open it with calamine (``kept``: see ``check_xlsx``)."""
    if not path.exists():
        raise InputFileError(f"{path}: file not found; check the path")
    if path.is_dir():
        raise InputFileError(f"{path}: is a folder, not an .xlsx file")
    if path.stat().st_size == 0:
        raise _fail(path, "the file is empty (0 bytes); export the workbook again")
    info = check_xlsx(path, kept)
    try:
        return CalamineWorkbook.from_path(str(path)), info
    except Exception as exc:  # calamine raises several types for a damaged file
        raise _fail(path, f"the workbook cannot be read ({exc}); {_SAVE_AGAIN}") from None


def _worksheets(book: CalamineWorkbook) -> list[tuple[str, bool]]:
    """(name, visible) of the workbook's worksheets (chart and macro sheets left out), in workbook order."""
    return [
        (m.name, m.visible == SheetVisibleEnum.Visible)
        for m in book.sheets_metadata
        if m.typ == SheetTypeEnum.WorkSheet
    ]


def list_sheets(path: Path) -> list[str]:
    """Names of the worksheets of an XLSX/XLSM workbook, in workbook order (hidden ones included)."""
    book, _ = _open(path)
    with contextlib.closing(book):
        return [name for name, _ in _worksheets(book)]


def _load(book: CalamineWorkbook, name: str, path: Path) -> CalamineSheet:
    """One sheet, with calamine's errors turned into InputFileError."""
    try:
        return book.get_sheet_by_name(name)
    except Exception as exc:  # calamine raises several types for a damaged sheet
        raise _fail(path, f"the sheet cannot be read ({exc}); {_SAVE_AGAIN}", name) from None


def _head_text(rows: Sequence[Sequence[object]], errors: _Errors) -> list[list[str | None]]:
    """The first rows of a sheet as text, for header detection."""
    head = []
    for r, row in enumerate(rows[:_HEAD_ROWS]):
        cells = [cell_text(v) for v in row]
        for (er, ec), text in errors.items():
            if er == r and ec < len(cells):
                cells[ec] = text
        head.append(cells)
    return head


def _merges(sheet: CalamineSheet) -> list[tuple[int, int, int, int]]:
    """Merged ranges that touch the first rows, as (first row, first col, last row, last col), 0-based."""
    ranges = sheet.merged_cell_ranges or []
    return [(r0, c0, r1, c1) for (r0, c0), (r1, c1) in ranges if r0 < _HEAD_ROWS]


def _looks_like_table(sheet: CalamineSheet) -> bool:
    """Whether a sheet has a header with two or more names followed by a row with two or more filled cells."""
    if not sheet.height:
        return False
    head = _head_text(sheet.to_python(skip_empty_area=False, nrows=_HEAD_ROWS + 5), {})
    choice = find_header(head, merges=_merges(sheet))
    if choice is None or sum(not u for u in choice.unnamed) < 2:
        return False
    return any(sum(c is not None for c in row) >= 2 for row in head[choice.data_index:])


def _candidate(
    book: CalamineWorkbook, name: str, path: Path, info: XlsxInfo, kept: dict[str, bytearray],
) -> tuple[CalamineSheet, LargeSheet | None]:
    """A sheet to look at: the sheet itself, or for a large one a view of its first rows (and the large sheet).

    The view holds enough rows for header detection and keeps the merged ranges; when it has no cells the
    sheet is loaded whole, so that an empty top does not hide data further down.
    """
    member = info.sheet_parts.get(name, "")
    large = large_sheet(path, member, name, kept.pop(member, None), member in info.unusual_parts)
    if large is not None:
        head = large.head(_HEAD_ROWS + 5)
        if head is not None and head.height:
            return head, large
    return _load(book, name, path), None


def _choose_sheet(
    book: CalamineWorkbook, path: Path, sheet: str | None, info: XlsxInfo, kept: dict[str, bytearray],
) -> tuple[CalamineSheet, str, LargeSheet | None]:
    """The sheet to read (or a view of its first rows and the large sheet behind it) and a note saying why."""
    sheets = _worksheets(book)
    names = [n for n, _ in sheets]
    if not names:
        raise _fail(path, "the workbook has no worksheets")
    if sheet is not None:
        match = next((n for n in names if n == sheet), None) or next(
            (n for n in names if n.strip().casefold() == sheet.strip().casefold()), None
        )
        if match is None:
            listed = ", ".join(f"'{n}'" for n in names)
            raise _fail(path, f"there is no sheet '{sheet}'; the sheets are {listed}")
        candidate, large = _candidate(book, match, path, info, kept)
        return candidate, f"sheet '{match}' (as asked)", large
    ordered = [n for n, visible in sheets if visible] + [n for n, visible in sheets if not visible]
    first_filled: tuple[CalamineSheet, LargeSheet | None] | None = None
    for name in ordered:
        candidate, large = _candidate(book, name, path, info, kept)
        if _looks_like_table(candidate):
            others = "" if len(names) == 1 else f" ({len(names)} sheets; pass a sheet name to read another)"
            return candidate, f"sheet '{name}': the first sheet that looks like a table{others}", large
        if first_filled is None and candidate.height:
            first_filled = (candidate, large)
    if first_filled is None:
        raise _fail(path, "every sheet is empty; check this is the right file")
    chosen, large = first_filled
    return chosen, f"sheet '{chosen.name}': no sheet looks like a table; the first non-empty one", large


def _header_notes(choice: HeaderChoice, errors: int) -> list[str]:
    """Notes on the header rows, merged header cells and error cells."""
    row = choice.index + 1
    two = f"two-row header: rows {row} and {row + 1} combined"
    notes = [two if choice.depth == 2 else f"header row {row}"]
    for c0, c1, text in choice.merged:
        notes.append(f"header '{text}' covers columns {_column_letter(c0)}-{_column_letter(c1)}")
    if errors:
        notes.append(f"{errors} error cell(s) such as #N/A kept as their error text")
    return notes


def read_excel(path: Path, *, sheet: str | None = None, header_row: int | None = None) -> RawTable:
    """Read one sheet of an XLSX/XLSM file into a RawTable (see the module docstring for how cells read)."""
    path = Path(path)
    if header_row is not None and header_row < 1:
        raise UsageError(f"header row must be 1 or more (the sheet's row number), not {header_row}")
    kept: dict[str, bytearray] = {}  # large sheets' XML as the safety scan unpacked it, read without unpacking again
    book, info = _open(path, kept)
    with contextlib.closing(book), collector_paused():
        chosen, why, large = _choose_sheet(book, path, sheet, info, kept)
        kept.clear()
        name = chosen.name
        member = info.sheet_parts.get(name, "")
        errors = _error_cells(path, member) if member in info.error_parts else {}
        if large is not None and header_row is None and not errors:
            streamed = _build_streamed(path, large, chosen, why)
            if streamed is not None:
                return streamed
        rows = large.rows() if large is not None else None
        if rows is None:
            whole = chosen if large is None else _load(book, name, path)
            try:
                rows = whole.to_python(skip_empty_area=False)
            except Exception as exc:  # calamine raises several types for a damaged sheet
                raise _fail(path, f"the sheet cannot be read ({exc}); {_SAVE_AGAIN}", name) from None
        if header_row is not None and header_row > len(rows):
            raise _fail(path, f"header row {header_row} is below the last row ({len(rows)})", name)
        if header_row is not None and all(cell_text(v) is None for v in rows[header_row - 1]):
            reason = f"row {header_row} is blank, so it cannot be the header; check the row number"
            raise _fail(path, reason, name)
        choice = find_header(_head_text(rows, errors), merges=_merges(chosen),
                             header_index=None if header_row is None else header_row - 1)
        if choice is None:
            raise _fail(path, "the sheet is empty; pass the name of the sheet that holds the data", name)
        notes = [why, *_header_notes(choice, len(errors))]
        return _build(path, rows, choice, sheet=name, errors=errors, notes=notes)


def _build(
    path: Path, rows: list[list[object]], choice: HeaderChoice, *, sheet: str,
    errors: _Errors, notes: list[str],
) -> RawTable:
    """Convert the data rows below the header into the RawTable."""
    start = choice.data_index
    for (r, c), text in errors.items():
        if r < len(rows) and c < len(rows[r]):
            rows[r][c] = text
    body = rows[start:]
    lengths = np.fromiter(map(len, body), np.int64, len(body))
    width = max(len(choice.names), int(lengths.max(initial=0)))
    for i in np.flatnonzero(lengths < width).tolist():
        body[i].extend([""] * (width - int(lengths[i])))
    columns = _columns_text(body, width)
    del body
    names = [*choice.names, *(f"(unnamed {j + 1})" for j in range(len(choice.names), width))]
    unnamed = [*choice.unnamed, *([True] * (width - len(choice.names)))]
    numbers = np.arange(start + 1, len(rows) + 1)
    return finish_table(path, columns, names=names, unnamed=unnamed, row_numbers=numbers,
                        header_row=choice.index + 1, notes=notes, sheet=sheet)


@dataclass
class _Segment:
    """One part of a large sheet as text columns, and the empty rows between it and the part before."""

    gap: int  # empty rows before the part
    first_column: int  # sheet column of the part's first column
    columns: list[pa.Array]
    rows: int


def _part_columns(rows: list[list[object]]) -> list[pa.Array]:
    """One part's cells (rows from its first filled cell) as text columns, as :func:`_columns_text` converts."""
    lengths = np.fromiter(map(len, rows), np.int64, len(rows))
    width = int(lengths.max(initial=0))
    for i in np.flatnonzero(lengths < width).tolist():
        rows[i].extend([""] * (width - int(lengths[i])))
    return _columns_text(rows, width)


def _build_streamed(path: Path, large: LargeSheet, chosen: CalamineSheet, why: str) -> RawTable | None:
    """The RawTable of a large sheet, each part converted to text columns while later parts are still parsed.

    The same table :func:`_build` makes from the whole grid: a cell's text depends on the cell alone, cells
    outside a part (to its left or right, or in rows between parts) are empty, and the header is found on the
    grid's first rows padded to the sheet's width. None when the sheet cannot be read in parts.
    """
    pieces = large.pieces()
    if pieces is None:
        return None
    segments: list[_Segment] = []
    head: list[list[object]] = []
    total = 0
    try:
        for first_row, first_column, rows in pieces:
            if first_row < total:
                return None  # rows out of order: only a whole read places them as calamine does
            gap = first_row - total
            head.extend([] for _ in range(min(gap, max(0, _HEAD_ROWS - len(head)))))
            head.extend([*([""] * first_column), *row] for row in rows[: max(0, _HEAD_ROWS - len(head))])
            segments.append(_Segment(gap, first_column, _part_columns(rows), len(rows)))
            total = first_row + len(rows)
    except PartFailed:
        return None
    width = max((s.first_column + len(s.columns) for s in segments), default=0)
    grid_head = [[*row, *([""] * (width - len(row)))] for row in head]
    choice = find_header(_head_text(grid_head, {}), merges=_merges(chosen))
    if choice is None:
        raise _fail(path, "the sheet is empty; pass the name of the sheet that holds the data", chosen.name)
    start = choice.data_index
    width = max(width, len(choice.names))
    columns = []
    for j in range(width):
        chunks: list[pa.Array] = []
        for s in segments:
            if s.gap:
                chunks.append(pa.nulls(s.gap, _TEXT))
            inside = s.first_column <= j < s.first_column + len(s.columns)
            chunks.append(s.columns[j - s.first_column] if inside else pa.nulls(s.rows, _TEXT))
        columns.append(pa.chunked_array(chunks, type=_TEXT).slice(start))
    names = [*choice.names, *(f"(unnamed {j + 1})" for j in range(len(choice.names), width))]
    unnamed = [*choice.unnamed, *([True] * (width - len(choice.names)))]
    numbers = np.arange(start + 1, total + 1)
    return finish_table(path, columns, names=names, unnamed=unnamed, row_numbers=numbers,
                        header_row=choice.index + 1, notes=[why, *_header_notes(choice, 0)], sheet=chosen.name)
