"""Read a CSV/TSV file into a RawTable of text cells, finding encoding, delimiter, header and line numbers.

* **Encoding** (unless given): a byte-order mark (UTF-8, UTF-16 LE/BE), UTF-16 without one (by its zero
  bytes), valid UTF-8, then Windows-1252 for Western text (its bytes 0x80-0x9F are "€", "‚", ...; where
  Windows-1252 has no character the byte is read as Latin-1); charset-normalizer only when the text does not
  look Western. A file that is not UTF-8 is first transcoded, in chunks, to a temporary UTF-8 copy.
* **Delimiter** (unless given): the one of ``, ; TAB |`` that splits the sample lines into the most
  consistent number of fields (more than one).
* **Header**: the first lines are parsed and :func:`procrisk.ingest.headers.find_header` skips title lines.
* **Fast path**: pyarrow reads everything below the header as strings (no type inference, only "" is null).
  A record's line number is ``first data line + index`` when the file has no empty lines and no value spans
  lines (checked by counting newline bytes); otherwise the record starts are computed exactly from the
  newline and quote positions.
* **Ragged rows** (fewer or more fields than the header) send the whole file down a slower path with
  Python's csv module: short rows are padded with empty cells, the extra cells of long rows are kept in extra
  columns named ``(unnamed 26)`` etc., and a note says how many rows and the first line of each kind.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import io
import sys
import tempfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from procrisk.config import parallel_workers
from procrisk.errors import InputFileError, UsageError
from procrisk.ingest.headers import SCAN_ROWS, find_header, finish_table
from procrisk.ingest.normalise.series import string_buffers
from procrisk.ingest.raw import RawTable

DELIMITERS = (",", ";", "\t", "|")
_TEXT = pa.large_string()
_SAMPLE_BYTES = 256 * 1024  # bytes parsed to find the delimiter and the header
_DETECT_BYTES = 64 * 1024  # bytes looked at to guess an encoding
_SAMPLE_RECORDS = 200  # records used to compare delimiters
_CHUNK = 8 * 1024 * 1024
_BLOCK = 4 * 1024 * 1024  # pyarrow block size: fastest here for wide files
_NON_WESTERN_SHARE = 0.3  # above this share of non-ASCII letters, ask charset-normalizer
_LATIN1_FALLBACK = "procrisk-latin1-fallback"
_NAMES = {"\t": "tab", ",": "comma", ";": "semicolon", "|": "pipe"}
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"),
)


def _latin1_fallback(error: UnicodeError) -> tuple[str, int]:
    """Codec error handler: read a byte Windows-1252 leaves undefined (0x81, 0x8D, ...) as Latin-1."""
    if not isinstance(error, UnicodeDecodeError):
        raise error
    return error.object[error.start:error.end].decode("latin-1"), error.end


codecs.register_error(_LATIN1_FALLBACK, _latin1_fallback)


def _fail(path: Path, reason: str) -> InputFileError:
    """An InputFileError whose one sentence names the file."""
    return InputFileError(f"{path.name}: {reason}")


class _NotUtf8(Exception):  # noqa: N818 - internal signal, not an error the user sees
    """Raised inside the reader when a file guessed to be UTF-8 turns out not to be, further down."""


# --------------------------------------------------------------------------------------------- encoding


def _western(text: str) -> bool:
    """Whether decoded text looks like a Western European language (few letters outside ASCII)."""
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return True
    foreign = sum(1 for c in letters if ord(c) > 127)
    return foreign / len(letters) <= _NON_WESTERN_SHARE


def _utf16_without_bom(head: bytes) -> str | None:
    """'utf-16-le' / 'utf-16-be' when every other byte of the head is zero (UTF-16 text without a BOM)."""
    sample = head[: len(head) // 2 * 2][:4096]
    if len(sample) < 4:
        return None
    even, odd = sample[0::2], sample[1::2]
    if odd.count(0) > 0.8 * len(odd) and even.count(0) < 0.2 * len(even):
        return "utf-16-le"
    if even.count(0) > 0.8 * len(even) and odd.count(0) < 0.2 * len(odd):
        return "utf-16-be"
    return None


def _valid_utf8(data: bytes, final: bool) -> bool:
    """Whether bytes are UTF-8 (a character cut at the end is allowed unless ``final``)."""
    try:
        codecs.getincrementaldecoder("utf-8")().decode(data, final=final)
    except UnicodeDecodeError:
        return False
    return True


def _single_byte_encoding(data: bytes) -> tuple[str, str]:
    """Encoding and note for non-UTF-8 bytes: Windows-1252/Latin-1 if Western, else charset-normalizer."""
    text = data.decode("cp1252", _LATIN1_FALLBACK)
    if _western(text):
        undefined = any(b in data for b in (0x81, 0x8D, 0x8F, 0x90, 0x9D))
        if undefined and not any(0x80 <= b <= 0x9F and b not in (0x81, 0x8D, 0x8F, 0x90, 0x9D) for b in data):
            return "latin-1", "latin-1 (not UTF-8)"
        return "cp1252", "Windows-1252 (not UTF-8)"
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        return "cp1252", "Windows-1252 (a guess: the encoding could not be recognised; pass the encoding)"
    return best.encoding, f"{best.encoding} (detected by charset-normalizer)"


def detect_encoding(head: bytes, *, final: bool = False) -> tuple[str, str]:
    """Guess the encoding of a text file from its first bytes; returns (Python codec name, note).

    ``final`` says ``head`` is the whole file (so a multi-byte character may not be cut at its end).
    """
    for bom, name in _BOMS:
        if head.startswith(bom):
            if name == "utf-8-sig":
                return name, "UTF-8 with a byte-order mark"
            if name == "utf-16":
                return name, "UTF-16 " + ("LE" if bom == codecs.BOM_UTF16_LE else "BE") + " (byte-order mark)"
            return name, f"{name.upper()} (byte-order mark)"
    utf16 = _utf16_without_bom(head)
    if utf16:
        return utf16, f"{utf16.upper()} (no byte-order mark)"
    if b"\x00" in head:
        return "", "binary"
    if _valid_utf8(head, final):
        return "utf-8", "UTF-8"
    return _single_byte_encoding(head)


def _first_invalid_utf8(path: Path) -> int:
    """Byte offset of the first byte that is not valid UTF-8 (-1 if the file is valid)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    offset = 0
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                return offset + exc.start
            offset += len(chunk)
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return offset
    return -1


def _transcode(path: Path, encoding: str, target: Path) -> None:
    """Write ``path`` decoded from ``encoding`` to ``target`` as UTF-8, in chunks (constant memory)."""
    errors = _LATIN1_FALLBACK if encoding.replace("-", "").lower() in ("cp1252", "windows1252") else "strict"
    decoder = codecs.getincrementaldecoder(encoding)(errors)
    offset = 0
    try:
        with path.open("rb") as src, target.open("wb") as dst:
            while chunk := src.read(_CHUNK):
                dst.write(decoder.decode(chunk).encode("utf-8"))
                offset += len(chunk)
            dst.write(decoder.decode(b"", final=True).encode("utf-8"))
    except UnicodeDecodeError as exc:
        raise _fail(path, f"byte {offset + exc.start:,} is not valid {encoding}; pass the file's encoding "
                          "(for example utf-8, cp1252, latin-1) or save it as UTF-8") from None


@dataclass
class _Source:
    """A UTF-8 view of the input: the file itself or a transcoded temporary copy, and where text starts."""

    path: Path
    start: int  # bytes to skip (a UTF-8 byte-order mark)
    encoding: str
    note: str


@contextlib.contextmanager
def _utf8_source(path: Path, encoding: str | None) -> Iterator[_Source]:
    """Yield a UTF-8 version of the file (transcoding to a temporary file when needed)."""
    with path.open("rb") as fh:
        head = fh.read(_DETECT_BYTES)
        whole = len(head) < _DETECT_BYTES
    if encoding is None:
        encoding, note = detect_encoding(head, final=whole)
        if encoding == "":
            raise _fail(path, "the file holds binary data, not text; it is not a CSV or TSV file")
    else:
        try:
            encoding = codecs.lookup(encoding).name
        except LookupError:
            msg = f"unknown encoding '{encoding}'; use a name such as utf-8, cp1252 or latin-1"
            raise UsageError(msg) from None
        note = f"{encoding} (as given)"
    if encoding in ("utf-8", "utf-8-sig", "ascii"):
        start = len(codecs.BOM_UTF8) if head.startswith(codecs.BOM_UTF8) else 0
        yield _Source(path, start, encoding, note)
        return
    with tempfile.TemporaryDirectory(prefix="procrisk-csv-") as tmp:
        target = Path(tmp) / "utf8.csv"
        _transcode(path, encoding, target)
        yield _Source(target, 0, encoding, note)


# ------------------------------------------------------------------------------------- sample and header


@dataclass
class _Record:
    """One record of the sample: its first physical line (0-based), byte offset and cells."""

    line: int
    offset: int
    cells: list[str]
    lines: int  # physical lines the record spans


def _sample_lines(source: _Source) -> tuple[list[bytes], bytes, bool]:
    """The complete physical lines at the start of the file, the newline byte, and whether that is all."""
    with source.path.open("rb") as fh:
        fh.seek(source.start)
        data = fh.read(_SAMPLE_BYTES)
        at_end = not fh.read(1)
    newline = b"\n" if b"\n" in data or b"\r" not in data else b"\r"
    lines = data.split(newline)
    last = lines.pop()
    lines = [line + newline for line in lines]
    if at_end and last:
        lines.append(last)
    return lines, newline, at_end


def _parse_records(lines: list[bytes], delimiter: str, limit: int) -> list[_Record]:
    """Parse the sample lines into records with Python's csv module, tracking line numbers and offsets."""
    offsets = np.concatenate([[0], np.cumsum([len(b) for b in lines])]).tolist()
    texts = [b.decode("utf-8", "replace") for b in lines]
    reader = csv.reader(iter(texts), delimiter=delimiter, strict=False)
    records: list[_Record] = []
    consumed = 0
    while len(records) < limit:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error:
            break  # a quoted value still open at the end of the sample
        first, consumed = consumed, reader.line_num
        records.append(_Record(first, int(offsets[first]), cells, consumed - first))
    return records


def _field_count_score(records: list[_Record]) -> tuple[float, int]:
    """(share of records having the most common field count, that count) over the non-blank records."""
    counts = [len(r.cells) for r in records if any(c.strip() for c in r.cells)]
    if not counts:
        return 0.0, 0
    values, freq = np.unique(counts, return_counts=True)
    best = int(np.argmax(freq * 1000 + values))  # most common; ties to the larger count
    return float(freq[best] / len(counts)), int(values[best])


def _detect_delimiter(lines: list[bytes], suffix: str) -> str:
    """The delimiter among , ; TAB | that splits the sample into the most consistent field count (> 1)."""
    order = ("\t", ",", ";", "|") if suffix in (".tsv", ".tab") else DELIMITERS
    best, best_score = order[0], (0.0, 0)
    for delimiter in order:
        if not any(delimiter.encode() in line for line in lines):
            continue
        share, count = _field_count_score(_parse_records(lines, delimiter, _SAMPLE_RECORDS))
        if count > 1 and (share, count) > best_score:
            best, best_score = delimiter, (share, count)
    return best


# ------------------------------------------------------------------------------------------- reading


def _scan(data: pa.Buffer, newline: bytes) -> tuple[int, bool, bool]:
    """Newline bytes in ``data`` (counted a slice at a time), whether it ends with one, and whether it is UTF-8.

    The UTF-8 check is Arrow's, run once over the whole buffer viewed as one string value: far cheaper than
    pyarrow's CSV reader checking each of millions of values.
    """
    code = newline[0]
    array = np.frombuffer(data, np.uint8)
    count = sum(int(np.count_nonzero(array[i:i + _CHUNK] == code)) for i in range(0, len(array), _CHUNK))
    offsets = pa.py_buffer(np.array([0, len(array)], dtype=np.int64))
    try:
        pa.Array.from_buffers(pa.large_string(), 1, [None, offsets, data]).validate(full=True)
    except pa.ArrowInvalid:
        valid = False
    else:
        valid = True
    return count, bool(len(array)) and int(array[-1]) == code, valid


def _record_lines(path: Path, start: int, newline: bytes) -> tuple[np.ndarray, int]:
    """Exact first-line index (0-based, from ``start``) of each non-empty record, and the empty-line count.

    A newline ends a record unless it is inside quotes, i.e. preceded by an odd number of quote characters
    (doubled quotes inside a quoted value count twice, so the parity rule holds). Works in chunks.
    """
    nl_code, quote = newline[0], ord('"')
    ends: list[np.ndarray] = []  # line index (0-based) of each record-ending newline
    ends_pos: list[np.ndarray] = []
    cr_before: list[np.ndarray] = []
    quotes_so_far, lines_so_far, offset = 0, 0, 0
    previous_last = 0
    buffer = bytearray(_CHUNK)
    view = memoryview(buffer)
    tail_nonempty = False
    with path.open("rb", buffering=0) as fh:
        fh.seek(start)
        while size := fh.readinto(buffer):
            data = np.frombuffer(view[:size], np.uint8)
            newlines = np.flatnonzero(data == nl_code)
            quotes = np.flatnonzero(data == quote)
            parity = (quotes_so_far + np.searchsorted(quotes, newlines)) & 1
            boundary = parity == 0
            ends.append(lines_so_far + np.flatnonzero(boundary))
            ends_pos.append(offset + newlines[boundary])
            ending = newlines[boundary]
            before = np.where(ending > 0, data[np.maximum(ending - 1, 0)], previous_last)
            cr_before.append(before == 13)
            quotes_so_far += len(quotes)
            lines_so_far += len(newlines)
            previous_last = int(data[-1])
            offset += size
            last_boundary = int(newlines[boundary][-1]) if boundary.any() else -1
            if last_boundary >= 0:
                tail_nonempty = last_boundary < size - 1
            elif size:
                tail_nonempty = True
    end_line = np.concatenate(ends) if ends else np.zeros(0, np.int64)
    end_pos = np.concatenate(ends_pos) if ends_pos else np.zeros(0, np.int64)
    cr = np.concatenate(cr_before) if cr_before else np.zeros(0, bool)
    starts_pos = np.concatenate([[0], end_pos[:-1] + 1])
    starts_line = np.concatenate([[0], end_line[:-1] + 1])
    length = end_pos - starts_pos
    empty = (length == 0) | ((length == 1) & cr)
    lines = starts_line[~empty]
    if tail_nonempty:  # a last record without a final newline
        last_start = int(end_line[-1]) + 1 if len(end_line) else 0
        lines = np.append(lines, last_start)
    return lines.astype(np.int64), int(empty.sum())


class _Ragged(Exception):  # noqa: N818 - internal signal
    """pyarrow met rows with a different number of fields than the header."""


@contextlib.contextmanager
def _quiet_undecodable_rows(handler: Any) -> Iterator[None]:
    """Keep pyarrow from printing "Exception ignored ... UnicodeDecodeError" when a ragged row holds a byte that
    is not UTF-8 (it decodes the row for the invalid-row handler and fails; the unchecked parse then stops, and
    the UTF-8 scan beside it sends the file down the checked and the Python paths, which report the byte)."""
    previous = sys.unraisablehook

    def hook(unraisable: Any) -> None:
        """Drop pyarrow's decode failure on the way to ``handler``; hand anything else on."""
        if isinstance(unraisable.exc_value, UnicodeDecodeError) and unraisable.object is handler:
            return
        previous(unraisable)

    sys.unraisablehook = hook
    try:
        yield
    finally:
        sys.unraisablehook = previous


def _arrow_read(data: pa.Buffer, layout: _Layout, newlines_in_values: bool, check_utf8: bool) -> pa.Table:
    """Read the records below the header (``data``) with pyarrow, all columns as large strings ("" is null)."""
    names = [f"c{j}" for j in range(layout.width)]
    invalid = []

    def on_invalid(row: pacsv.InvalidRow) -> str:
        """Note a ragged row and skip it; the caller then takes the slow path."""
        invalid.append(row)
        return "skip"

    read = pacsv.ReadOptions(column_names=names, block_size=_BLOCK, use_threads=True)
    parse = pacsv.ParseOptions(
        delimiter=layout.delimiter, quote_char='"', double_quote=True, escape_char=False,
        newlines_in_values=newlines_in_values, ignore_empty_lines=True, invalid_row_handler=on_invalid,
    )
    convert = pacsv.ConvertOptions(column_types=dict.fromkeys(names, _TEXT), strings_can_be_null=True,
                                   null_values=[""], quoted_strings_can_be_null=True, check_utf8=check_utf8)
    with _quiet_undecodable_rows(on_invalid):
        table = pacsv.read_csv(pa.BufferReader(data), read_options=read, parse_options=parse,
                               convert_options=convert)
    if invalid:
        raise _Ragged
    return table


def _may_be_blank(chunk: pa.Array) -> bool:
    """Whether some value could be whitespace only: its first byte is a control, a space or non-ASCII."""
    offsets, data = string_buffers(chunk)
    if offsets[-1] == offsets[0]:
        return False
    # an empty value's offset is the next value's start: looking at that byte as well can only say "maybe"
    # more often, and then the exact check decides; the empty values at the end (their offset is the end of
    # the data) are left out, as none is blank
    first = data[offsets[:np.searchsorted(offsets, offsets[-1])]]
    return bool(((first <= 0x20) | (first >= 0x7F)).any())


def _blank_to_null(column: pa.ChunkedArray) -> pa.ChunkedArray:
    """Whitespace-only strings become null ("" already is); Arrow checks only the chunks that may have one."""
    chunks = []
    for chunk in column.chunks:
        blank = pc.utf8_is_space(chunk) if _may_be_blank(chunk) else None
        if blank is not None and pc.any(blank).as_py():
            chunks.append(pc.if_else(blank, pa.scalar(None, chunk.type), chunk))
        else:
            chunks.append(chunk)
    return pa.chunked_array(chunks, type=column.type)


@dataclass
class _Body:
    """The records below the header: text columns, their line numbers, and what happened on the way."""

    columns: list[pa.ChunkedArray]
    lines: np.ndarray  # 1-based physical line of each record
    empty_lines: int
    notes: list[str]


@dataclass
class _Layout:
    """Where the records start and how to split them, as decided from the sample."""

    offset: int  # byte offset of the first record below the header (in the UTF-8 source)
    first_line: int  # its 1-based physical line number
    width: int  # fields in the header
    delimiter: str
    newline: bytes
    multiline: bool  # a value in the sample spans lines


def _parse(data: pa.Buffer, layout: _Layout, *, check_utf8: bool) -> pa.Table:
    """Parse with pyarrow, once more allowing values over several lines when the chunker meets one."""
    try:
        return _arrow_read(data, layout, layout.multiline, check_utf8)
    except pa.ArrowInvalid as exc:
        if "chunker" in str(exc) and not layout.multiline:
            return _arrow_read(data, layout, True, check_utf8)
        if "UTF8" in str(exc) or "UTF-8" in str(exc):
            raise _NotUtf8 from None
        raise _Ragged from None


def _fast_body(source: _Source, layout: _Layout) -> _Body:
    """Read with pyarrow and number the records (by counting newlines, or exactly if that does not add up).

    The file is read into memory once (not memory-mapped: a file cut short while mapped, say by a program
    saving it again, would kill the process with SIGBUS instead of giving an error message; reading costs
    ~0.03 s more of 1M rows): pyarrow parses the bytes while a thread counts their newlines and checks that
    they are UTF-8 (faster than pyarrow checking each value). Only when they are not is the file parsed again
    with pyarrow's own check, so a ragged row and a bad byte are told apart as a checked read does.
    """
    with pa.OSFile(str(source.path)) as handle:
        data = handle.read_buffer().slice(layout.offset)
        with ThreadPoolExecutor(max_workers=1) as scanner:  # pyarrow frees the GIL while it parses
            scanned = scanner.submit(_scan, data, layout.newline)
            try:
                table = _parse(data, layout, check_utf8=False)
            except _Ragged:
                table = None
            newlines, ends_with_newline, valid = scanned.result()
        if not valid:
            table = _parse(data, layout, check_utf8=True)  # raises _NotUtf8, or _Ragged for bytes in a skipped row
        if table is None:
            raise _Ragged
    rows = table.num_rows
    at_end = source.path.stat().st_size <= layout.offset
    if newlines + (0 if ends_with_newline or at_end else 1) == rows:
        lines, empty = layout.first_line + np.arange(rows, dtype=np.int64), 0
    else:
        starts, empty = _record_lines(source.path, layout.offset, layout.newline)
        if len(starts) != rows:
            raise _Ragged  # quotes the parity rule cannot follow (a stray " inside a value)
        lines = layout.first_line + starts
    with ThreadPoolExecutor(max_workers=parallel_workers(4)) as pool:
        columns = list(pool.map(_blank_to_null, table.columns))
    return _Body(columns, lines, empty, [])


def _python_body(source: _Source, layout: _Layout) -> _Body:
    """Read with Python's csv module: pads short rows, keeps the extra cells of long rows in extra columns."""
    csv.field_size_limit(max(csv.field_size_limit(), 2**31 - 1))
    rows: list[list[str]] = []
    lines: list[int] = []
    empty, consumed = 0, 0
    short: list[int] = []
    long: list[int] = []
    with source.path.open("rb") as raw:
        raw.seek(layout.offset)
        text = io.TextIOWrapper(raw, encoding="utf-8", errors="replace", newline="")
        reader = csv.reader(text, delimiter=layout.delimiter, strict=False)
        try:
            for cells in reader:
                line, consumed = layout.first_line + consumed, reader.line_num
                if not cells:
                    empty += 1
                    continue
                if len(cells) != layout.width:
                    (short if len(cells) < layout.width else long).append(line)
                rows.append(cells)
                lines.append(line)
        except csv.Error as exc:
            raise _fail(source.path, f"line {layout.first_line + consumed} cannot be read ({exc})") from None
    columns = []
    for j in range(max([layout.width, *map(len, rows)])):
        values = [r[j] if j < len(r) and r[j] != "" else None for r in rows]
        columns.append(_blank_to_null(pa.chunked_array([pa.array(values, _TEXT)], _TEXT)))
    notes = []
    if short:
        notes.append(f"{len(short)} row(s) had fewer fields than the header (first at line {short[0]}); "
                     "their missing cells are empty")
    if long:
        notes.append(f"{len(long)} row(s) had more fields than the header (first at line {long[0]}); "
                     f"their extra cells are in columns '(unnamed {layout.width + 1})' onwards")
    return _Body(columns, np.asarray(lines, dtype=np.int64), empty, notes)


def _check_file(path: Path) -> None:
    """Fail clearly for a missing, folder or empty path."""
    if not path.exists():
        raise InputFileError(f"{path}: file not found; check the path")
    if path.is_dir():
        raise InputFileError(f"{path}: is a folder, not a CSV file")
    if path.stat().st_size == 0:
        raise _fail(path, "the file is empty (0 bytes); export the data again")


def read_csv(
    path: Path, *, encoding: str | None = None, delimiter: str | None = None, header_row: int | None = None,
) -> RawTable:
    """Read a CSV/TSV file into a RawTable (encoding, delimiter and header row detected unless given).

    ``header_row`` is the physical line number (1-based) of the header line. See the module docstring.
    """
    path = Path(path)
    _check_file(path)
    if delimiter is not None and len(delimiter) != 1:
        raise UsageError(f"the delimiter must be one character, not {delimiter!r}")
    if header_row is not None and header_row < 1:
        raise UsageError(f"header row must be 1 or more (the line number), not {header_row}")
    try:
        return _read(path, encoding, delimiter, header_row)
    except _NotUtf8:
        pass
    position = _first_invalid_utf8(path)
    with path.open("rb") as fh:
        fh.seek(max(0, position - _DETECT_BYTES // 2))
        window = fh.read(_DETECT_BYTES)
    guessed, _ = _single_byte_encoding(window)
    table = _read(path, guessed, delimiter, header_row)
    table.notes[0] = f"encoding {guessed}: the file starts as plain ASCII but byte {position:,} is not UTF-8"
    return table


def _header_index(path: Path, records: list[_Record], header_row: int | None) -> int | None:
    """The sample record a given header line number points at (None when not given)."""
    if header_row is None:
        return None
    index = next((i for i, r in enumerate(records) if r.line == header_row - 1), None)
    if index is None:
        scanned = records[-1].line + records[-1].lines
        raise _fail(path, f"line {header_row} does not start a record among the first {scanned} lines; "
                          "check the header line number")
    if not any(c.strip() for c in records[index].cells):
        raise _fail(path, f"line {header_row} is blank, so it cannot be the header; check the line number")
    return index


def _read(path: Path, encoding: str | None, delimiter: str | None, header_row: int | None) -> RawTable:
    """Read with a given or detected encoding; raises _NotUtf8 when a UTF-8 guess proves wrong."""
    with _utf8_source(path, encoding) as source:
        lines, newline, _ = _sample_lines(source)
        if not any(line.strip() for line in lines):
            raise _fail(path, "the file has no text in it (only blank lines); export the data again")
        chosen = delimiter or _detect_delimiter(lines, path.suffix.lower())
        records = _parse_records(lines, chosen, SCAN_ROWS + 2)
        index = _header_index(path, records, header_row)
        choice = find_header([r.cells for r in records], header_index=index)
        if choice is None:
            raise _fail(path, "the file has no header line; export the data again")
        if choice.data_index < len(records):
            below = records[choice.data_index]
            offset, first_line = below.offset, below.line + 1
        else:  # nothing below the header in the sample
            end = records[-1].line + records[-1].lines
            offset, first_line = sum(len(b) for b in lines[:end]), end + 1
        width = max(len(r.cells) for r in records[choice.index:choice.data_index])
        layout = _Layout(offset + source.start, first_line, width, chosen, newline,
                         any(r.lines > 1 for r in records))
        try:
            body = _fast_body(source, layout)
        except _Ragged:
            body = _python_body(source, layout)
        except _NotUtf8:
            if encoding is None:
                raise
            raise _fail(path, f"the file is not valid {source.encoding}; pass its encoding (for example "
                              "cp1252 or latin-1) or save it as UTF-8") from None
        extra = len(body.columns) - width
        names = [*choice.names[:width], *(f"(unnamed {j + 1})" for j in range(width, width + extra))]
        unnamed = [*choice.unnamed[:width], *([True] * extra)]
        header = records[choice.index].line + 1
        if choice.depth == 2:
            where = f"two-line header on lines {header} and {records[choice.index + 1].line + 1} combined"
        else:
            skipped = f" ({header - 1} line(s) above it skipped)" if header > 1 else ""
            where = f"header on line {header}{skipped}"
        as_given = " (as given)" if delimiter else ""
        notes = [f"encoding {source.note}", f"delimiter {_NAMES.get(chosen, repr(chosen))}{as_given}", where,
                 *body.notes]
        return finish_table(path, body.columns, names=names, unnamed=unnamed, row_numbers=body.lines,
                            header_row=header, notes=notes, extra_blank=body.empty_lines)
