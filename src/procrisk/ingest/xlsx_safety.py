"""Check that an XLSX/XLSM file is safe to hand to calamine: a real zip, no zip bomb, no XML bomb.

Runs before calamine opens the file. The workbook is opened as a zip and rejected with an
:class:`~procrisk.errors.InputFileError` naming the file and the reason when

* it is not a zip at all (an old binary .xls, a password-protected workbook, something else),
* the members would unpack to more than :data:`MAX_UNCOMPRESSED_BYTES` in total, or a member larger than
  :data:`RATIO_MIN_BYTES` unpacked is compressed more than :data:`MAX_COMPRESSION_RATIO` times,
* ``[Content_Types].xml`` or the workbook part do not parse with defusedxml (DTDs and entities forbidden),
* any XML part (sheets, shared strings, styles, relationships) contains ``<!DOCTYPE`` or ``<!ENTITY``: the
  parts are streamed through an inflater and byte-scanned, never parsed, so a billion-laughs payload never
  expands.

Inflating uses ISA-L (:mod:`procrisk.ingest.compression`); a damaged deflate stream is reported like any other
damaged zip.

Macros in .xlsm files are never run: procrisk reads cell values only, and ``xl/vbaProject.bin`` is neither
scanned nor opened by anything in procrisk.
"""

from __future__ import annotations

import codecs
import contextlib
import posixpath
import queue
import struct
import threading
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, NamedTuple
from xml.etree.ElementTree import Element

import defusedxml.ElementTree as SafeET
import numpy as np
from defusedxml import DefusedXmlException

from procrisk.errors import InputFileError
from procrisk.ingest.compression import INFLATE_ERRORS, raw_inflater

MAX_UNCOMPRESSED_BYTES = 2 * 1024**3  # total unpacked size of all members
MAX_COMPRESSION_RATIO = 200  # unpacked / packed size of one member
RATIO_MIN_BYTES = 1024**2  # members smaller than this unpacked cannot be a bomb and are not ratio-checked
_CHUNK = 4 * 1024 * 1024
_SMALL_PART_LIMIT = 64 * 1024**2  # [Content_Types].xml, the workbook part and its rels are parsed whole
_MARKUP = b"<!"  # starts every mark below: one search per chunk, the others only where it occurs
_FORBIDDEN = (b"<!DOCTYPE", b"<!ENTITY")
_UNUSUAL = (b"<![CDATA[", b"<!--")  # legal, but a sheet holding them is not cut into parts
_RARE_HITS = 64  # hits of a mark's rare byte in one chunk before the plain search takes over
_ERROR_MARK = b"<v>#"  # the value of an error cell (#N/A, #DIV/0!); rare otherwise, so a cheap first filter
_READ_AHEAD_BYTES = 16 * 1024**2  # parts at least this large unpacked are inflated in a background thread
_END = object()  # the read-ahead queue's end marker
_OVERLAP = 16  # bytes kept from one chunk to the next so that a mark split across chunks is still found
_LOCAL_HEADER = 30
_SCANNED = (".xml", ".rels", ".vml")
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED_MARK = "EncryptedPackage".encode("utf-16-le")
_UTF16_STARTS = {b"\xff\xfe": "utf-16", b"\xfe\xff": "utf-16", b"<\x00": "utf-16-le", b"\x00<": "utf-16-be"}
_SAVE_AS = "open it in Excel and save it as .xlsx (Excel Workbook)"
_SAVE_AGAIN = "open it in Excel and save it again"
_CACHE_SIZE = 16
KEEP_MIN_BYTES = 32 * 1024**2  # sheet parts at least this large are handed to the reader unpacked, on request


@dataclass(frozen=True)
class XlsxInfo:
    """What the safety scan learnt on the way: where each sheet's XML is and which sheets hold error cells."""

    sheet_parts: dict[str, str]  # sheet name -> zip member of its XML, in workbook order
    error_parts: frozenset[str]  # sheet members that may hold error cells (calamine reads those as empty)
    unusual_parts: frozenset[str] = frozenset()  # sheet members holding CDATA sections or comments


_checked: dict[tuple[str, int, int], XlsxInfo] = {}


def _fail(path: Path, reason: str) -> InputFileError:
    """An InputFileError whose one sentence names the file."""
    return InputFileError(f"{path.name}: {reason}")


def ole_kind(path: Path) -> str | None:
    """'encrypted' or 'xls' for an OLE2 compound file (password-protected OOXML or legacy .xls); else None."""
    with path.open("rb") as fh:
        head = fh.read(_CHUNK)
        if not head.startswith(_OLE_MAGIC):
            return None
        size = path.stat().st_size
        tail = b""
        if size > len(head):
            fh.seek(max(len(head), size - _CHUNK))
            tail = fh.read()
    return "encrypted" if _ENCRYPTED_MARK in head or _ENCRYPTED_MARK in tail else "xls"


def not_xlsx_reason(path: Path) -> str:
    """The one-sentence reason and fix for a file that should be a workbook but is not a readable zip."""
    kind = ole_kind(path)
    if kind == "encrypted":
        return ("the workbook is password-protected (encrypted); open it in Excel, remove the password "
                "(File > Info > Protect Workbook > Encrypt with Password) and save it again")
    if kind == "xls":
        return f"this is an old Excel 97-2003 .xls workbook, which procrisk does not read; {_SAVE_AS}"
    with path.open("rb") as fh:
        if fh.read(4) == b"PK\x03\x04":
            return ("the workbook is damaged or incomplete (its zip directory is missing); download it "
                    "again or save it again from Excel")
    return f"this is not an .xlsx file; if it is an old .xls, {_SAVE_AS}"


def _local(tag: str) -> str:
    """An XML tag or attribute name without its namespace."""
    return tag.rsplit("}", 1)[-1]


def _parse_small(zf: zipfile.ZipFile, name: str, path: Path) -> Element:
    """Parse one small XML part with defusedxml (no DTD, no entities); reject the file otherwise."""
    info = zf.getinfo(name)
    if info.file_size > _SMALL_PART_LIMIT:
        raise _fail(path, f"the workbook part {name} is implausibly large ({info.file_size:,} bytes)")
    try:
        return SafeET.fromstring(zf.read(name), forbid_dtd=True)
    except DefusedXmlException as exc:
        raise _fail(path, f"{name} declares a DTD or entities ({type(exc).__name__}), which a workbook never "
                          "needs; the file may be malicious and was not read") from None
    except SafeET.ParseError as exc:
        raise _fail(path, f"{name} is not valid XML ({exc}); {_SAVE_AGAIN}") from None


def _workbook_part(zf: zipfile.ZipFile, path: Path) -> str:
    """The zip member holding the workbook, found through [Content_Types].xml."""
    names = set(zf.namelist())
    if "[Content_Types].xml" not in names:
        raise _fail(path, f"the zip has no [Content_Types].xml, so it is not an .xlsx workbook; {_SAVE_AS}")
    for item in _parse_small(zf, "[Content_Types].xml", path):
        content_type = item.get("ContentType", "")
        if _local(item.tag) == "Override" and ".main+xml" in content_type and "sheet" in content_type:
            return item.get("PartName", "").lstrip("/")
    if "xl/workbook.xml" in names:
        return "xl/workbook.xml"
    if "xl/workbook.bin" in names:
        raise _fail(path, f"this is a binary .xlsb workbook, which procrisk does not read; {_SAVE_AS}")
    raise _fail(path, f"the zip holds no Excel workbook part, so it is not an .xlsx file; {_SAVE_AS}")


def _sheet_parts(zf: zipfile.ZipFile, workbook: str, path: Path) -> dict[str, str]:
    """Sheet name -> zip member, from the workbook part and its relationships."""
    book = _parse_small(zf, workbook, path)
    folder, base = posixpath.split(workbook)
    rels_name = posixpath.join(folder, "_rels", base + ".rels")
    targets: dict[str, str] = {}
    if rels_name in zf.namelist():
        for rel in _parse_small(zf, rels_name, path):
            target = rel.get("Target", "")
            if target.startswith("/"):
                targets[rel.get("Id", "")] = target.lstrip("/")
            else:
                targets[rel.get("Id", "")] = posixpath.normpath(posixpath.join(folder, target))
    parts: dict[str, str] = {}
    for element in book.iter():
        if _local(element.tag) == "sheet":
            rid = next((v for k, v in element.attrib.items() if _local(k) == "id"), "")
            parts[element.get("name", "")] = targets.get(rid, "")
    return parts


def _check_sizes(zf: zipfile.ZipFile, path: Path) -> None:
    """Reject zip bombs by the declared sizes: total unpacked size and per-member compression ratio."""
    total = 0
    for info in zf.infolist():
        total += info.file_size
        if total > MAX_UNCOMPRESSED_BYTES:
            limit = f"{MAX_UNCOMPRESSED_BYTES / 1024**3:g} GiB"
            raise _fail(path, f"the workbook would unpack to more than {limit} (a zip bomb, or far too large "
                              "for one file); split it into smaller workbooks")
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size >= RATIO_MIN_BYTES and ratio > MAX_COMPRESSION_RATIO:
            raise _fail(path, f"member {info.filename} is compressed {ratio:,.0f} times (limit "
                              f"{MAX_COMPRESSION_RATIO}), the signature of a zip bomb; the file was not read")


def _utf16_decoder(head: bytes) -> codecs.IncrementalDecoder | None:
    """An incremental decoder for a UTF-16 XML part (by its BOM or its first ``<``), else None."""
    encoding = _UTF16_STARTS.get(head)
    return codecs.getincrementaldecoder(encoding)() if encoding else None


def seek_member_data(fh: BinaryIO, info: zipfile.ZipInfo) -> None:
    """Move ``fh`` (the open archive) to the first packed byte of member ``info``, past its local header."""
    fh.seek(info.header_offset)
    local = fh.read(_LOCAL_HEADER)
    if len(local) < _LOCAL_HEADER or local[:4] != b"PK\x03\x04":
        raise zipfile.BadZipFile(f"bad local header for {info.filename}")
    name_length, extra_length = struct.unpack("<HH", local[26:30])
    fh.seek(info.header_offset + _LOCAL_HEADER + name_length + extra_length)


def _member_chunks(zf: zipfile.ZipFile, info: zipfile.ZipInfo, path: Path) -> Iterator[bytes]:
    """The unpacked bytes of one member, in chunks, never more than its declared size.

    Deflated members are inflated straight from the file (no CRC pass, about a third faster); others go
    through zipfile.
    """
    if info.compress_type != zipfile.ZIP_DEFLATED or info.flag_bits & 0x1:
        with zf.open(info) as fh:
            while chunk := fh.read(_CHUNK):
                yield chunk
        return
    with path.open("rb") as fh:
        seek_member_data(fh, info)
        inflater = raw_inflater()
        left, produced = info.compress_size, 0
        while left > 0 and not inflater.eof:
            packed = fh.read(min(left, _CHUNK // 4))
            if not packed:
                raise zipfile.BadZipFile(f"{info.filename} is cut short")
            left -= len(packed)
            while packed:
                chunk = inflater.decompress(packed, _CHUNK)
                produced = _checked_size(produced + len(chunk), info, path)
                if chunk:
                    yield chunk
                packed = inflater.unconsumed_tail
        chunk = inflater.flush()
        if chunk:
            _checked_size(produced + len(chunk), info, path)
            yield chunk


def _checked_size(produced: int, info: zipfile.ZipInfo, path: Path) -> int:
    """Bytes unpacked so far, refusing more than the member's declared size."""
    if produced > info.file_size:
        raise _fail(path, f"member {info.filename} unpacks to more than its declared size; it may be a zip "
                          "bomb and was not read")
    return produced


def _read_ahead(chunks: Iterator[bytes], depth: int = 2) -> Iterator[bytes]:
    """The same chunks, produced up to ``depth`` ahead in a background thread (the inflater frees the GIL while
    inflating, so unpacking overlaps the byte scan); the producer's exceptions are raised here."""
    ready: queue.Queue[object] = queue.Queue(depth)
    stop = threading.Event()

    def offer(item: object) -> bool:
        """Queue ``item`` unless the consumer has stopped; whether it was queued."""
        while not stop.is_set():
            try:
                ready.put(item, timeout=0.05)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        """Run the chunk iterator to its end, an exception or the consumer's stop."""
        try:
            for chunk in chunks:
                if not offer(chunk):
                    return
            offer(_END)
        except BaseException as exc:  # handed to the consumer, which raises it
            offer(exc)
        finally:
            close = getattr(chunks, "close", None)
            if close is not None:
                close()

    worker = threading.Thread(target=produce, name="xlsx-inflate", daemon=True)
    worker.start()
    try:
        while (item := ready.get()) is not _END:
            if isinstance(item, BaseException):
                raise item
            yield item  # type: ignore[misc]
    finally:
        stop.set()
        worker.join()


def _found(marks: tuple[bytes, ...], chunk: bytes, edge: bytes) -> bool:
    """Whether any mark is in ``chunk`` or in ``edge`` (the bytes around the previous chunk's end)."""
    return any(edge.find(mark) >= 0 or chunk.find(mark) >= 0 for mark in marks)


def _holds_many(data: bytes, mark: bytes) -> bool:
    """Whether ``mark`` is in ``data``, for a mark whose last byte is common in some files (``#`` in ``&#233;``).

    numpy finds the mark's last byte and checks the bytes before each hit, in whole-array steps that free
    the GIL (so the unpacking thread keeps going) and cost less than a plain search; the result is that of
    ``data.find(mark) >= 0``.
    """
    last = len(mark) - 1
    if len(data) <= last:
        return False
    cells = np.frombuffer(data, np.uint8)
    hits = np.flatnonzero(cells[last:] == mark[last])
    if not len(hits):
        return False
    same = np.ones(len(hits), bool)
    for k in range(last):
        same &= cells[hits + k] == mark[k]
    return bool(same.any())


def _holds(data: bytes, mark: bytes, rare: int) -> bool:
    """Whether ``mark`` is in ``data``, found through its byte at ``rare``, one that XML seldom holds.

    A one-byte search runs at memory speed (memchr), ten times faster than a search for a short mark
    whose first byte is ``<``; each hit is checked in place. Where the rare byte turns out to be common
    the plain search takes over, so the result is always that of ``data.find(mark) >= 0``.
    """
    byte = mark[rare:rare + 1]
    at, hits = data.find(byte, rare), 0
    while at >= 0:
        if data.startswith(mark, at - rare):
            return True
        hits += 1
        if hits > _RARE_HITS:
            return data.find(mark, at - rare) >= 0
        at = data.find(byte, at + 1)
    return False


class _PartScan(NamedTuple):
    """What the scan of one part found besides its safety."""

    has_errors: bool  # an error cell value (``<v>#``) was seen
    unusual: bool  # a CDATA section or a comment was seen


def _scan_part(
    zf: zipfile.ZipFile, info: zipfile.ZipInfo, path: Path, keep: bytearray | None = None,
) -> _PartScan:
    """Stream one XML part looking for a DTD or entity declaration; return whether it holds error cells
    and CDATA sections or comments.

    ``keep`` (empty) receives the unpacked bytes on the way, for a reader that needs them; it grows by
    appending (no zero-filled buffer of the declared size first, which costs a pass over the memory).
    Each chunk is searched where it lies, and the join with the chunk before separately (``_OVERLAP``
    bytes either side, longer than any mark), so no chunk is copied; large parts are unpacked a chunk ahead
    in a thread.
    """
    has_errors, unusual, carry = False, False, b""
    decoder: codecs.IncrementalDecoder | None = None
    chunks = _member_chunks(zf, info, path)
    if info.file_size >= _READ_AHEAD_BYTES:
        chunks = _read_ahead(chunks)
    with contextlib.closing(chunks):
        for number, raw in enumerate(chunks):
            if number == 0:
                decoder = _utf16_decoder(raw[:2])
            if keep is not None:
                keep += raw
            chunk = decoder.decode(raw).encode("utf-8") if decoder is not None else raw
            edge = carry + chunk[:_OVERLAP]
            if edge.find(_MARKUP) >= 0 or _holds(chunk, _MARKUP, 1):  # rare: only then look for each kind
                if _found(_FORBIDDEN, chunk, edge):
                    raise _fail(path, f"{info.filename} contains a DTD or entity declaration (an XML bomb or "
                                      "an external-entity attack), which a real workbook never has; it was not "
                                      "read")
                unusual = unusual or _found(_UNUSUAL, chunk, edge)
            if not has_errors and (edge.find(_ERROR_MARK) >= 0 or _holds_many(chunk, _ERROR_MARK)):
                has_errors = True
            carry = chunk[-_OVERLAP:] if len(chunk) >= _OVERLAP else (carry + chunk)[-_OVERLAP:]
    return _PartScan(has_errors, unusual)


def _scan(path: Path, kept: dict[str, bytearray] | None = None) -> XlsxInfo:
    """Run every check on the zip; return the sheet parts and which of them hold error cells.

    With ``kept``, the unpacked XML of each sheet part of at least :data:`KEEP_MIN_BYTES` is stored in it
    (only once every part has passed), so the Excel reader need not unpack it a second time.
    """
    with zipfile.ZipFile(path) as zf:
        _check_sizes(zf, path)
        parts = _sheet_parts(zf, _workbook_part(zf, path), path)
        names = set(zf.namelist())
        missing = [name for name, member in parts.items() if member not in names]
        if missing:
            raise _fail(path, f"the workbook is damaged: sheet '{missing[0]}' has no data in the file; "
                              f"{_SAVE_AGAIN}")
        sheets = set(parts.values())
        errors, unusual = set(), set()
        unpacked: dict[str, bytearray] = {}
        for info in zf.infolist():
            if not info.filename.lower().endswith(_SCANNED):
                continue
            keep = None
            if kept is not None and info.filename in sheets and info.file_size >= KEEP_MIN_BYTES:
                keep = unpacked[info.filename] = bytearray()
            found = _scan_part(zf, info, path, keep)
            if found.has_errors and info.filename in sheets:
                errors.add(info.filename)
            if found.unusual and info.filename in sheets:
                unusual.add(info.filename)
    if kept is not None:
        kept.update(unpacked)
    return XlsxInfo(parts, frozenset(errors), frozenset(unusual))


def check_xlsx(path: Path, kept: dict[str, bytearray] | None = None) -> XlsxInfo:
    """Raise InputFileError unless ``path`` is a safe XLSX/XLSM; return where its sheets are (cached).

    ``kept`` receives the unpacked XML of large sheet parts when the file is scanned now (not when the result
    comes from the cache); see :func:`_scan`.
    """
    stat = path.stat()
    key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns)
    if key in _checked:
        return _checked[key]
    try:
        info = _scan(path, kept)
    except InputFileError:
        raise
    except (zipfile.BadZipFile, EOFError, OSError, *INFLATE_ERRORS) as exc:
        if zipfile.is_zipfile(path):
            raise _fail(path, f"the workbook's zip is damaged ({exc}); {_SAVE_AGAIN}") from None
        raise _fail(path, not_xlsx_reason(path)) from None
    except RuntimeError as exc:  # zipfile: "File ... is encrypted, password required"
        raise _fail(path, f"a part of the workbook is encrypted ({exc}); remove the password in Excel and "
                          "save it again") from None
    except NotImplementedError as exc:  # an unusual zip compression method
        reason = f"the workbook uses a zip feature procrisk cannot read ({exc}); {_SAVE_AGAIN}"
        raise _fail(path, reason) from None
    if len(_checked) >= _CACHE_SIZE:
        _checked.pop(next(iter(_checked)))
    _checked[key] = info
    return info
