"""Tell what kind of input a path is ("csv", "xlsx" or "ocds") from its content, not only its extension.

Recognised: CSV/TSV/text tables (any encoding the CSV reader detects), XLSX/XLSM workbooks (a zip holding an
Excel workbook part), OCDS JSON, JSON Lines and their gzip-compressed forms, and a folder of OCDS JSON files.
Everything else raises :class:`~procrisk.errors.InputFileError` with one sentence naming the file and the
fix: legacy .xls and password-protected workbooks, .xlsb, OpenDocument .ods, Excel 2003 XML, HTML pages saved
as ".xls", PDFs, other zip archives, binary files, empty files and missing paths.
"""

from __future__ import annotations

import gzip
import re
import zipfile
import zlib
from pathlib import Path

from procrisk.errors import InputFileError
from procrisk.ingest.csv_reader import detect_encoding
from procrisk.ingest.xlsx_safety import not_xlsx_reason

_HEAD_BYTES = 64 * 1024
_OCDS_SUFFIXES = (".json", ".jsonl", ".json.gz", ".jsonl.gz", ".gz")
_SAVE_AS = "open it in Excel (or LibreOffice) and save it as .xlsx (Excel Workbook) or CSV"
_ODS_MIME = b"application/vnd.oasis.opendocument.spreadsheet"
_JSON_START = re.compile(r'\{\s*["}]|\[\s*[\[{\]"\d-]')  # an object or array, not a "[Draft] ..." title


def _fail(path: Path, reason: str) -> InputFileError:
    """An InputFileError whose one sentence names the file."""
    return InputFileError(f"{path.name}: {reason}")


def _zip_kind(path: Path) -> str:
    """'xlsx' for a zip holding an Excel workbook part; otherwise raise with what the zip is instead."""
    try:
        with zipfile.ZipFile(path) as zf:
            names = set(zf.namelist())
            mimetype = zf.read("mimetype")[:100] if "mimetype" in names else b""
    except (zipfile.BadZipFile, OSError) as exc:
        raise _fail(path, f"the zip archive is damaged ({exc}); export the file again") from None
    if mimetype.startswith(_ODS_MIME):
        raise _fail(path, f"this is an OpenDocument spreadsheet (.ods), not read by procrisk; {_SAVE_AS}")
    if "xl/workbook.bin" in names:
        raise _fail(path, f"this is a binary Excel workbook (.xlsb), not read by procrisk; {_SAVE_AS}")
    if "[Content_Types].xml" in names and any(n.startswith("xl/") for n in names):
        return "xlsx"
    if any(n.lower().endswith((".json", ".jsonl")) for n in names):
        raise _fail(path, "this is a zip archive of JSON files; unzip it and pass the folder")
    raise _fail(path, "this is a zip archive, not an .xlsx workbook; unzip it and pass the file inside")


def _gzip_head(path: Path) -> bytes:
    """The first decompressed bytes of a gzip file."""
    try:
        with gzip.open(path, "rb") as fh:
            return fh.read(_HEAD_BYTES)
    except (OSError, EOFError, zlib.error) as exc:
        raise _fail(path, f"the gzip file is damaged ({exc}); download it again") from None


def _text_kind(path: Path, head: bytes, whole: bool) -> str:
    """'ocds' for JSON text, 'csv' for other text; raise for HTML, XML spreadsheets and binary data."""
    encoding, _ = detect_encoding(head, final=whole)
    if not encoding:
        if path.suffix.lower() in (".xlsx", ".xlsm", ".xls"):
            raise _fail(path, not_xlsx_reason(path))
        raise _fail(path, "the file holds binary data, not text; it is not a CSV, XLSX or OCDS file")
    text = head.decode(encoding, "replace").lstrip("\ufeff \t\r\n")
    if _JSON_START.match(text):
        return "ocds"
    lowered = text[:2048].lower()
    if lowered.startswith(("<!doctype html", "<html")) or "<table" in lowered:
        raise _fail(path, f"this is a web page (HTML), not a spreadsheet, even if named .xls; {_SAVE_AS}")
    if lowered.startswith("<?xml") and "urn:schemas-microsoft-com:office:spreadsheet" in text[:_HEAD_BYTES]:
        raise _fail(path, f"this is an Excel 2003 XML spreadsheet, which procrisk does not read; {_SAVE_AS}")
    if lowered.startswith("<"):
        raise _fail(path, "this is an XML or HTML file, not a CSV, XLSX or OCDS file")
    return "csv"


def _folder_kind(path: Path) -> str:
    """'ocds' for a folder holding OCDS JSON files; raise otherwise."""
    files = [p for p in path.iterdir() if p.is_file() and p.name.lower().endswith(_OCDS_SUFFIXES)]
    if not files:
        raise _fail(path, "the folder holds no .json, .jsonl or .json.gz files; pass a file, or a folder of "
                          "OCDS JSON files")
    return "ocds"


def detect_format(path: Path) -> str:
    """Return "csv", "xlsx" or "ocds" for an input path, judged by content; raise InputFileError otherwise."""
    path = Path(path)
    if not path.exists():
        raise InputFileError(f"{path}: file not found; check the path")
    if path.is_dir():
        return _folder_kind(path)
    suffix = path.suffix.lower()
    if suffix == ".ods":
        raise _fail(path, f"OpenDocument spreadsheets (.ods) are not read; {_SAVE_AS}")
    size = path.stat().st_size
    if size == 0:
        raise _fail(path, "the file is empty (0 bytes); export or download it again")
    with path.open("rb") as fh:
        head = fh.read(_HEAD_BYTES)
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return _zip_kind(path)
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        raise _fail(path, not_xlsx_reason(path))
    if head.startswith(b"%PDF"):
        raise _fail(path, "this is a PDF, not a spreadsheet; export the data from its source as CSV or .xlsx")
    if head.startswith(b"\x1f\x8b"):
        inner = _gzip_head(path)
        if _JSON_START.match(inner.decode("utf-8", "replace").lstrip("\ufeff \t\r\n")):
            return "ocds"
        raise _fail(path, "this gzip file does not hold OCDS JSON; unzip it and pass the file inside")
    return _text_kind(path, head, size <= _HEAD_BYTES)
