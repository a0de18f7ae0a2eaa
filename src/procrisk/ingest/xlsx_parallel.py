"""Read one large worksheet with calamine on several cores: its XML is cut at row boundaries into parts.

calamine parses a sheet in Rust without holding the GIL, but one sheet on one core. For a large sheet the
sheet XML (already checked by :mod:`procrisk.ingest.xlsx_safety`) is inflated once and cut at ``<row``
tags into a few pieces; each piece is wrapped, with the sheet's own opening and closing XML, into a small
uncompressed copy of the workbook (same styles, shared strings and workbook parts), written by the parse
thread to a private temporary file just before calamine reads it, and the copies are parsed in threads at
the same time. Rows keep their ``r`` numbers, so each cell lands where calamine puts
it when it reads the whole sheet; the parts are joined back into the grid ``to_python(skip_empty_area=False)``
returns. Anything unusual (rows without numbers, CDATA or comments in the sheet, prefixed tags calamine
might number differently) makes :func:`read_sheet_rows` return None and the caller reads the sheet whole.
"""

from __future__ import annotations

import functools
import io
import itertools
import re
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from python_calamine import CalamineSheet, CalamineWorkbook

from procrisk.config import parallel_workers
from procrisk.ingest.compression import INFLATE_ERRORS, raw_inflater
from procrisk.ingest.xlsx_safety import seek_member_data

PARALLEL_MIN_BYTES = 32 * 1024**2  # sheet XML below this is read whole: splitting would not pay
_PART_BYTES = 48 * 1024**2  # aim for parts of about this size (at least one per worker)
_SHEET_DATA = re.compile(rb"<sheetData\b[^>]*>")
_SHEET_DATA_END = b"</sheetData>"
_NO_MERGES = b"<mergeCells></mergeCells>"  # ends calamine's search for merged ranges before the rows
_ROW = b"<row"
_SHEET_PART = re.compile(r"^xl/(worksheets|chartsheets|dialogsheets|macrosheets)/[^/]+\.xml$", re.IGNORECASE)
_ROW_NUMBER = re.compile(rb"""<row\b[^>]*?\br\s*=\s*["'](\d+)["']""")
_EMPTY_SHEET = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData/>'
                b"</worksheet>")

Cell = object
Rows = list[list[Cell]]
Source = io.BytesIO | str  # a workbook copy in memory, or the name of its temporary file


def _inflate(path: Path, info: zipfile.ZipInfo) -> bytes:
    """The unpacked bytes of one deflated member (its size was already checked against zip bombs)."""
    with path.open("rb") as fh:
        seek_member_data(fh, info)
        packed = fh.read(info.compress_size)
    inflater = raw_inflater()
    data = inflater.decompress(packed, info.file_size + 1)
    if len(data) != info.file_size:
        raise zipfile.BadZipFile(f"{info.filename} does not unpack to its declared size")
    return data


def _cuts(xml: bytes, start: int, end: int, parts: int) -> list[int] | None:
    """Byte offsets of ``<row`` tags splitting rows ``start:end`` into ``parts`` pieces (None if unsafe)."""
    cuts = [start]
    for k in range(1, parts):
        at = xml.find(_ROW, start + (end - start) * k // parts, end)
        if at < 0 or at <= cuts[-1]:
            break
        number = _ROW_NUMBER.match(xml, at)
        if number is None:
            return None  # a row without its number would be placed after the part's start, not the sheet's
        cuts.append(at)
    cuts.append(end)
    return cuts


def _workbook_copy(
    infos: list[zipfile.ZipInfo], member: str, pieces: list[memoryview | bytes], others: dict[str, bytes],
    file: str | None = None,
) -> Source:
    """An uncompressed copy of the workbook (members ``infos``) whose sheet ``member`` holds the concatenated
    ``pieces``: in memory, or written to ``file`` (its name is returned).

    A part's copy goes to a file: calamine then reads it from the file itself, whereas an in-memory copy is
    read through Python ``read`` calls that hold the GIL, about a quarter of a part's parse time.
    """
    buffer = io.BytesIO() if file is None else file
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as out:
        for info in infos:
            if info.filename == member:
                entry = zipfile.ZipInfo(info.filename, date_time=info.date_time)
                with out.open(entry, "w", force_zip64=True) as fh:  # streamed: the rows are not copied first
                    for piece in pieces:
                        fh.write(piece)
            elif info.filename in others:
                out.writestr(info.filename, others[info.filename])
    if isinstance(buffer, io.BytesIO):
        buffer.seek(0)
    return buffer


def _parse(source: Source, name: str) -> tuple[Rows, tuple[int, int] | None]:
    """(rows of the part from its first filled cell, that cell's (row, column)) as calamine reads them; a copy
    in a file is deleted once read."""
    try:
        if isinstance(source, str):
            book = CalamineWorkbook.from_path(source)
        else:
            book = CalamineWorkbook.from_filelike(source)
        try:
            sheet = book.get_sheet_by_name(name)
            return sheet.to_python(skip_empty_area=True), sheet.start
        finally:
            book.close()
    finally:
        if isinstance(source, str):
            Path(source).unlink(missing_ok=True)


def _parse_copy(make: Callable[[], Source], name: str) -> tuple[Rows, tuple[int, int] | None]:
    """Make one part's workbook copy and parse it (see :func:`_parse`)."""
    return _parse(make(), name)


def _join(pieces: list[tuple[Rows, tuple[int, int] | None]]) -> Rows | None:
    """Place each part's rows at their row and column in one grid, as calamine gives a whole sheet
    (None when the parts' rows are not in ascending order)."""
    placed = [(start, rows) for rows, start in pieces if start is not None and rows]
    if not placed:
        return []
    width = max(start[1] + max(map(len, rows)) for start, rows in placed)
    grid: Rows = []
    for (row0, col0), rows in placed:
        if row0 < len(grid):
            return None
        while len(grid) < row0:
            grid.append([""] * width)
        for row in rows:
            grid.append([*([""] * col0), *row, *([""] * (width - col0 - len(row)))])
    return grid


class PartFailed(Exception):  # noqa: N818 - internal signal: read the sheet whole instead
    """calamine could not read one of the parts."""


class LargeSheet:
    """One large worksheet read in parts: a quick view of its first rows, then all of its cells."""

    def __init__(self, path: Path, member: str, name: str, xml: bytes | bytearray | None = None,
                 unusual: bool | None = None) -> None:
        """Remember where the sheet is; ``xml`` is its unpacked XML when the safety scan kept it, ``unusual``
        whether the scan saw CDATA sections or comments in it (None: not known, look)."""
        self.path, self.member, self.name = path, member, name
        self._xml: bytes | bytearray | None = xml
        self._unusual = unusual
        self._bounds: tuple[int, int] | None = None
        self._data_tag = 0  # where the <sheetData> tag starts
        self._folder: str | None = None  # the temporary folder of the part copies, while they exist
        self._looked = False

    def _sheet_xml(self) -> tuple[bytes | bytearray, int, int] | None:
        """The inflated sheet XML and where its rows start and end (None if it cannot be cut safely)."""
        if not self._looked:
            self._looked = True
            try:
                with zipfile.ZipFile(self.path) as zf:
                    info = zf.getinfo(self.member)
                    if self._xml is None or len(self._xml) != info.file_size:
                        self._xml = _inflate(self.path, info)
            except (zipfile.BadZipFile, *INFLATE_ERRORS, OSError, KeyError):
                return None  # the whole-sheet read reports the damage in its own words
            opening = _SHEET_DATA.search(self._xml)
            closing = self._xml.rfind(_SHEET_DATA_END)
            unsafe = self._unusual
            if unsafe is None:
                unsafe = b"<![CDATA[" in self._xml or b"<!--" in self._xml
            if opening is not None and closing >= opening.end() and not unsafe:
                self._bounds, self._data_tag = (opening.end(), closing), opening.start()
        if self._bounds is None or self._xml is None:
            return None
        return self._xml, *self._bounds

    def _copies(self, cuts: list[int], *, merges: bool = True, folder: str | None = None) -> list[Callable[[], Source]]:
        """Makers of the workbook copies holding the sheet's rows between successive cuts (each copy is made
        when asked for, so that the parse threads make them while other parts are parsed), in memory or as
        files in ``folder``.

        Without ``merges`` an empty ``<mergeCells>`` goes just before ``<sheetData>``: calamine looks for a
        sheet's merged ranges by reading its XML up to the first ``<mergeCells>``, which would otherwise be a
        second pass over all of the part's rows; the parts' merged ranges are never used (the header's come
        from :meth:`head`), and the cells read the same (tested).
        """
        xml, start, end = self._sheet_xml() or (b"", 0, 0)
        view = memoryview(xml)
        head: list[memoryview | bytes] = [view[:start]]
        if not merges:
            head = [view[:self._data_tag], _NO_MERGES, view[self._data_tag:start]]
        tail = view[end:]
        with zipfile.ZipFile(self.path) as zf:
            infos = zf.infolist()
            others = {i.filename: _EMPTY_SHEET if _SHEET_PART.match(i.filename) else zf.read(i.filename)
                      for i in infos
                      if i.filename != self.member and i.filename.lower().endswith((".xml", ".rels"))}
        return [functools.partial(_workbook_copy, infos, self.member, [*head, view[a:b], tail], others,
                                  None if folder is None else str(Path(folder) / f"part-{k}.xlsx"))
                for k, (a, b) in enumerate(itertools.pairwise(cuts))]

    def head(self, rows: int) -> CalamineSheet | None:
        """The sheet cut after its first ``rows`` row elements (merged ranges kept), or None if that fails."""
        found = self._sheet_xml()
        if found is None:
            return None
        xml, start, end = found
        positions: list[int] = []
        at = start
        while len(positions) <= rows and (at := xml.find(_ROW, at, end)) >= 0:
            positions.append(at)
            at += len(_ROW)
        cut = positions[rows] if len(positions) > rows else end
        try:
            book = CalamineWorkbook.from_filelike(self._copies([start, cut])[0]())  # type: ignore[arg-type]
            try:
                return book.get_sheet_by_name(self.name)
            finally:
                book.close()
        except Exception:  # any trouble: the caller reads the sheet whole instead
            return None

    def pieces(self) -> Iterator[tuple[int, int, Rows]] | None:
        """The parts' cells in sheet order as they are parsed: (first row, first column, rows from there).

        None if the sheet cannot be cut safely; iterating raises :class:`PartFailed` if a part cannot be read.
        Parsing runs ahead in threads while the caller works on the parts already handed out.
        """
        copies = self._split()
        return None if copies is None else self._parsed(copies)

    def _split(self) -> list[Callable[[], Source]] | None:
        """The sheet cut at row tags into makers of standalone part copies (files in a private temporary folder,
        removed by :meth:`_done`), or None if it cannot be cut safely."""
        found = self._sheet_xml()
        if found is None:
            return None
        xml, start, end = found
        parts = max(parallel_workers(4), -(-(end - start) // _PART_BYTES))
        cuts = _cuts(xml, start, end, parts)
        if cuts is None or len(cuts) < 3:
            return None
        try:
            self._folder = tempfile.mkdtemp(prefix="procrisk-xlsx-parts-")
        except OSError:  # no writable temporary folder: the copies stay in memory
            self._folder = None
        copies = self._copies(cuts, merges=False, folder=self._folder)
        self._xml, self._bounds = None, None  # the copy makers hold the XML now; it goes with the last of them
        return copies

    def _done(self) -> None:
        """Remove the folder of part copies (each copy is deleted once parsed; this catches the rest)."""
        if self._folder is not None:
            shutil.rmtree(self._folder, ignore_errors=True)
            self._folder = None

    def _parsed(self, copies: list[Callable[[], Source]]) -> Iterator[tuple[int, int, Rows]]:
        """Make and parse the copies in threads and hand out each part's cells in order."""
        try:
            with ThreadPoolExecutor(max_workers=parallel_workers(4)) as pool:
                futures = [pool.submit(_parse_copy, make, self.name) for make in copies]
                copies.clear()  # each copy (and at last the XML) is freed once its part is parsed
                for future in futures:
                    try:
                        rows, first = future.result()
                    except Exception as exc:
                        raise PartFailed(str(exc)) from exc
                    if first is not None and rows:
                        yield first[0], first[1], rows
        finally:
            self._done()  # after the pool has finished every part it was given

    def rows(self) -> Rows | None:
        """All cells as ``to_python(skip_empty_area=False)`` gives them, parsed in parallel parts (None if the
        sheet cannot be cut safely: the caller then reads it whole)."""
        copies = self._split()
        if copies is None:
            return None
        try:
            with ThreadPoolExecutor(max_workers=parallel_workers(4)) as pool:
                pieces = list(pool.map(lambda make: _parse_copy(make, self.name), copies))
        except Exception:  # any trouble with a part: the caller reads the sheet whole instead
            return None
        finally:
            self._done()
        return _join(pieces)


def large_sheet(path: Path, member: str, name: str, xml: bytes | bytearray | None = None,
                unusual: bool | None = None) -> LargeSheet | None:
    """A LargeSheet for a sheet whose XML is big enough to be worth reading in parts, else None.

    ``xml`` is the sheet's unpacked XML if the caller already has it (from the safety scan), ``unusual``
    whether the scan saw CDATA sections or comments in it (None when not known).
    """
    with zipfile.ZipFile(path) as zf:
        try:
            info = zf.getinfo(member)
        except KeyError:
            return None
    if info.file_size < PARALLEL_MIN_BYTES or info.compress_type != zipfile.ZIP_DEFLATED:
        return None
    return LargeSheet(path, member, name, xml, unusual)


def read_sheet_rows(path: Path, member: str, name: str) -> Rows | None:
    """The cells of sheet ``name`` (zip member ``member``) as ``to_python(skip_empty_area=False)`` gives them,
    parsed in parallel parts; None when the sheet is small or its XML is not one that can be cut safely."""
    sheet = large_sheet(path, member, name)
    return None if sheet is None else sheet.rows()
