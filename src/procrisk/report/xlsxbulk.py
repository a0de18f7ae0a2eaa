"""Fast rows for big worksheets: cell XML built a column at a time in Arrow, streamed into the saved workbook.

openpyxl builds the workbook (styles, header, filters, frozen panes, conditional formats) with one styled
template row per big sheet; ``finish`` then replaces that row by every data row, reusing the template's style
of each column, and rewrites the zip with fixed timestamps so the same content gives the same file.
openpyxl writes one Python object per cell (about 50,000 cells a second); this writes millions.

Text from data is neutralised (procrisk.safety's prefixes), XML-escaped and cut to Excel's 32,767 characters.
Categorical columns (rule titles, citations, names) go to the shared-string table once; other text is inline.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from procrisk.safety import FORMULA_PREFIXES

MAX_CELL_CHARS = 32_767  # Excel's limit for the text of one cell
CHUNK_ROWS = 50_000
TEXT = pa.large_string()
_ILLEGAL_XML = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x{fffe}\x{ffff}]"
_EXCEL_EPOCH = np.datetime64("1899-12-30", "D")
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
SST_PART = "xl/sharedStrings.xml"
SST_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"


@dataclass(frozen=True)
class Col:
    """One column of a sheet: frame column, header, kind (text, number, date, bool), width and number format."""

    name: str
    header: str
    kind: str = "text"
    width: float = 14.0
    number_format: str | None = None


@dataclass(frozen=True)
class Bulk:
    """A worksheet whose data rows are streamed: its title, the frame and the columns written."""

    title: str
    frame: pd.DataFrame
    columns: tuple[Col, ...]


@dataclass
class SharedStrings:
    """The shared-string table: each distinct text once, in order of first use."""

    index: dict[str, int] = field(default_factory=dict)

    def codes(self, texts: list[str]) -> np.ndarray:
        """The table position of each text (added when new)."""
        return np.array([self.index.setdefault(t, len(self.index)) for t in texts], dtype=np.int64)

    def xml(self) -> bytes:
        """The sharedStrings.xml part."""
        items = escape_text(pa.array(list(self.index), TEXT))
        body = pc.binary_join_element_wise(pa.scalar('<si><t xml:space="preserve">', TEXT), items,
                                           pa.scalar("</t></si>", TEXT), pa.scalar("", TEXT))
        head = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst xmlns="{_MAIN}" '
                f'uniqueCount="{len(self.index)}">').encode()
        return head + _payload(body) + b"</sst>"


def letter(index: int) -> str:
    """The column letter of a 1-based column index (1 -> A, 27 -> AA)."""
    out = ""
    while index:
        index, rem = divmod(index - 1, 26)
        out = chr(65 + rem) + out
    return out


def neutralise_text(values: pa.Array) -> pa.Array:
    """Text a spreadsheet would run as a formula, prefixed with an apostrophe (as procrisk.safety.neutralise)."""
    risky = None
    for prefix in FORMULA_PREFIXES:
        hit = pc.starts_with(values, prefix)
        risky = hit if risky is None else pc.or_(risky, hit)
    quoted = pc.binary_join_element_wise(pa.scalar("'", TEXT), values, pa.scalar("", TEXT))
    return pc.if_else(pc.fill_null(risky, False), quoted, values)


def escape_text(values: pa.Array) -> pa.Array:
    """Text made safe for XML: illegal control characters dropped, &, < and > escaped, cut to Excel's limit."""
    text = pc.utf8_slice_codeunits(values, 0, MAX_CELL_CHARS)
    text = pc.replace_substring_regex(text, _ILLEGAL_XML, "")
    for raw, escaped in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;")):
        text = pc.replace_substring(text, raw, escaped)
    return text


def text_array(series: pd.Series) -> pa.Array:
    """A text column (categoricals too) as Arrow large strings; missing and empty text as null."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        categories = pa.array([str(c) for c in series.cat.categories], TEXT)
        codes = series.cat.codes.to_numpy()
        arr = pa.DictionaryArray.from_arrays(pa.array(codes, mask=codes < 0).cast(pa.int32()),
                                             categories).dictionary_decode()
    elif isinstance(series.dtype, pd.ArrowDtype | pd.StringDtype):
        arr = pa.array(series.array)
        arr = arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr
        arr = arr.cast(TEXT)
    else:
        values = series.astype(object).where(series.notna(), None)
        values = values.map(lambda x: x if isinstance(x, str) else str(x), na_action="ignore")
        arr = pa.array(values.to_numpy(dtype=object), type=TEXT, from_pandas=True)
    return pc.if_else(pc.equal(arr, ""), pa.scalar(None, TEXT), arr)


def _shared(series: pd.Series, table: SharedStrings) -> pa.Array:
    """A categorical text column as shared-string positions (null where missing or empty)."""
    categories = [str(c) for c in series.cat.categories]
    safe = neutralise_text(pa.array(categories, TEXT)).to_pylist()
    where = table.codes(safe)
    codes = series.cat.codes.to_numpy()
    empty = np.array([c == "" for c in categories] + [True])
    missing = codes < 0
    picked = where[np.where(missing, 0, codes)] if len(where) else np.zeros(len(codes), dtype=np.int64)
    return pc.cast(pa.array(picked, mask=missing | empty[np.where(missing, len(categories), codes)]), TEXT)


def value_strings(series: pd.Series, kind: str) -> pa.Array:
    """The ``<v>`` text (or the inline text, neutralised and escaped) of every cell; null where left empty."""
    if kind == "text":
        return escape_text(neutralise_text(text_array(series)))
    if kind == "bool":
        mask = series.isna().to_numpy(dtype=bool)
        flags = series.fillna(value=False).astype(bool).to_numpy()
        return pa.array(np.where(flags, "1", "0").astype(object), type=TEXT, mask=mask)
    if kind == "date":
        days = pd.to_datetime(series, errors="coerce").to_numpy(dtype="datetime64[D]")
        mask = np.isnat(days)
        serial = (days - _EXCEL_EPOCH).astype(np.int64)
        return pc.cast(pa.array(serial, mask=mask), TEXT)
    numbers = pd.to_numeric(series, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
    mask = ~np.isfinite(numbers)
    return pc.cast(pa.array(numbers, mask=mask), TEXT)


def _s(text: str) -> pa.Scalar:
    """A large_string scalar (every array joined here is large_string)."""
    return pa.scalar(text, TEXT)


def _cells(values: pa.Array, rows: pa.Array, col: str, style: str, kind: str) -> pa.Array:
    """Cell XML for one column of a chunk (null where the value is missing)."""
    s = f' s="{style}"' if style else ""
    if kind == "inline":
        head, tail = f'"{s} t="inlineStr"><is><t xml:space="preserve">', "</t></is></c>"
    elif kind == "shared":
        head, tail = f'"{s} t="s"><v>', "</v></c>"
    elif kind == "bool":
        head, tail = f'"{s} t="b"><v>', "</v></c>"
    else:
        head, tail = f'"{s}><v>', "</v></c>"
    return pc.binary_join_element_wise(_s(f'<c r="{col}'), rows, _s(head), values, _s(tail), _s(""),
                                       null_handling="emit_null")


def row_chunks(bulk: Bulk, styles: Sequence[str], table: SharedStrings, first_row: int = 2,
               chunk_rows: int = CHUNK_ROWS) -> Iterator[bytes]:
    """The ``<row>`` XML of every data row, in chunks of bytes (each chunk converted and escaped on its own)."""
    letters = [letter(i + 1) for i in range(len(bulk.columns))]
    shared = {c.name: _shared(bulk.frame[c.name], table) for c in bulk.columns
              if c.kind == "text" and isinstance(bulk.frame[c.name].dtype, pd.CategoricalDtype)}
    n = len(bulk.frame)
    for start in range(0, n, chunk_rows):
        stop = min(n, start + chunk_rows)
        part = bulk.frame.iloc[start:stop]
        rows = pc.cast(pa.array(np.arange(first_row + start, first_row + stop, dtype=np.int64)), TEXT)
        cells = []
        for j, col in enumerate(bulk.columns):
            if col.name in shared:
                values, kind = shared[col.name].slice(start, stop - start), "shared"
            else:
                values = value_strings(part[col.name], col.kind)
                kind = "inline" if col.kind == "text" else col.kind
            cells.append(_cells(values, rows, letters[j], styles[j], kind))
        xml = pc.binary_join_element_wise(_s('<row r="'), rows, _s('">'), *cells, _s("</row>"), _s(""),
                                          null_handling="replace", null_replacement="")
        yield _payload(xml)


def _payload(arr: pa.Array) -> bytes:
    """The data bytes of a null-free text array: its strings one after the other."""
    arr = arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr
    if not len(arr):
        return b""
    offsets = np.frombuffer(arr.buffers()[1], dtype=np.int64 if pa.types.is_large_string(arr.type) else np.int32)
    start, stop = int(offsets[arr.offset]), int(offsets[arr.offset + len(arr)])
    return arr.buffers()[2].slice(start, stop - start).to_pybytes()


def _sheet_parts(archive: zipfile.ZipFile) -> dict[str, str]:
    """``{sheet title: part name}`` from the workbook and its relationships."""
    import xml.etree.ElementTree as ET

    book = ET.fromstring(archive.read("xl/workbook.xml"))  # noqa: S314 - our own freshly written workbook
    rels = ET.fromstring(archive.read("xl/_rels/workbook.xml.rels"))  # noqa: S314
    targets = {r.get("Id"): r.get("Target") for r in rels}
    out = {}
    for sheet in book.iter(f"{{{_MAIN}}}sheet"):
        target = targets[sheet.get(f"{{{_RELS}}}id")]
        out[sheet.get("name")] = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
    return out


_TEMPLATE = re.compile(rb'<row r="2"[^>]*>(.*?)</row>', re.S)
_CELL = re.compile(rb'<c r="([A-Z]+)2"([^>]*?)/?>')
_STYLE = re.compile(rb's="(\d+)"')


def _split(xml: bytes, columns: int, rows: int) -> tuple[bytes, bytes, list[str]]:
    """(XML before the data rows, XML after them, style id per column) of a sheet holding one template row."""
    match = _TEMPLATE.search(xml)
    if match is None:
        msg = "the template row of a bulk sheet is missing"
        raise ValueError(msg)
    styles = {m.group(1).decode(): (_STYLE.search(m.group(2)) or [b"", b""])[1] for m in _CELL.finditer(match[1])}
    ids = [(styles.get(letter(i + 1)) or b"").decode() for i in range(columns)]
    head = re.sub(rb'<dimension ref="[^"]*"\s*/>', f'<dimension ref="A1:{letter(columns)}{rows + 1}"/>'.encode(),
                  xml[:match.start()])
    return head, xml[match.end():], ids


def _info(name: str, stamp: datetime, level: int) -> zipfile.ZipInfo:
    """A zip entry with a fixed timestamp and deflate compression at ``level``."""
    info = zipfile.ZipInfo(name, date_time=(max(stamp.year, 1980), stamp.month, stamp.day, stamp.hour, stamp.minute,
                                            stamp.second))
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o600 << 16
    setattr(info, "compress_level" if hasattr(zipfile.ZipInfo, "compress_level") else "_compresslevel", level)
    return info


def _register_sst(name: str, data: bytes) -> bytes:
    """Content types and workbook relationships that name the shared-string part."""
    if name == "[Content_Types].xml" and b"sharedStrings" not in data:
        return data.replace(b"</Types>", f'<Override PartName="/{SST_PART}" ContentType="{SST_TYPE}"/></Types>'
                            .encode())
    if name == "xl/_rels/workbook.xml.rels" and b"sharedStrings" not in data:
        rel = f'<Relationship Id="rIdProcriskSST" Type="{_RELS}/sharedStrings" Target="sharedStrings.xml"/>'
        return data.replace(b"</Relationships>", rel.encode() + b"</Relationships>")
    return data


def finish(saved: bytes, bulks: Sequence[Bulk], out: io.BufferedIOBase, stamp: datetime,
           replace: dict[str, bytes] | None = None, compresslevel: int = 1) -> None:
    """Write the workbook ``saved`` by openpyxl to ``out`` with every bulk sheet's rows streamed in.

    ``replace`` swaps whole parts (e.g. ``docProps/core.xml`` with fixed dates); every entry gets ``stamp``.
    """
    source = zipfile.ZipFile(io.BytesIO(saved))
    if SST_PART in source.namelist():
        msg = "openpyxl wrote a shared-string table; procrisk's bulk writer expects inline strings only"
        raise RuntimeError(msg)
    parts = _sheet_parts(source)
    by_part = {parts[b.title]: b for b in bulks}
    table = SharedStrings()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as target:
        for item in source.infolist():
            name = item.filename
            if name in by_part:
                bulk = by_part[name]
                head, tail, styles = _split(source.read(name), len(bulk.columns), len(bulk.frame))
                with target.open(_info(name, stamp, compresslevel), "w", force_zip64=True) as sink:
                    sink.write(head)
                    for chunk in row_chunks(bulk, styles, table):
                        sink.write(chunk)
                    sink.write(tail)
            else:
                data = (replace or {}).get(name, source.read(name))
                target.writestr(_info(name, stamp, 6), _register_sst(name, data))
        target.writestr(_info(SST_PART, stamp, 6), table.xml())
