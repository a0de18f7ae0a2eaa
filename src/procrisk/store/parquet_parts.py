"""Write one Parquet file from parts encoded in parallel threads, joined by rewriting the footer offsets.

pyarrow encodes a table's columns one after another on one core. A large table is cut into consecutive row
slices; each slice is written as a complete Parquet file in memory by its own thread (pyarrow frees the GIL
while it encodes and compresses). The bodies (column chunks) of the parts are then laid end to end behind one
``PAR1`` magic, and one footer lists every row group of every part in order, with each part's byte offsets
shifted by the bytes in front of it. The result is an ordinary Parquet file with one row group per part (or
more for very large parts): the same schema, rows, order and key-value metadata (the stored Arrow schema) as
``pyarrow.parquet.write_table`` gives, readable by any Parquet reader.

The footer is Thrift compact-protocol data (the ``FileMetaData`` of ``parquet.thrift``); :class:`_Reader`
and :func:`_write_struct` read and write it generically, keeping every field as found, so only the offsets
change (and, when asked, the Arrow schema the file declares: text written from dictionary arrays is declared
as the plain text it is, so readers get the same table as from plain text). Parts are written without a page
index or bloom filters (pyarrow's defaults), whose own contents would hold absolute offsets.
"""

from __future__ import annotations

import base64
import struct
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from procrisk.arrays import INT8_ENTRIES

MAGIC = b"PAR1"
MIN_PART_ROWS = 250_000  # below this many rows per part, one thread writes the whole table
_FIRST_ROWS = 4096  # rows first searched for the dictionary entries a part uses

# Thrift compact-protocol type codes
_TRUE, _FALSE, _BYTE, _I16, _I32, _I64, _DOUBLE, _BINARY, _LIST, _SET, _MAP, _STRUCT = range(1, 13)

ARROW_SCHEMA = b"ARROW:schema"  # the key-value entry in which Arrow writers store the Arrow schema

# Field ids (parquet.thrift) of the byte offsets into the file, per struct
_ROW_GROUPS, _NUM_ROWS, _KEY_VALUES = 4, 3, 5  # FileMetaData
_KEY, _VALUE = 1, 2  # KeyValue
_RG_COLUMNS, _RG_FILE_OFFSET, _RG_ORDINAL = 1, 5, 7  # RowGroup
_CC_FILE_OFFSET, _CC_META = 2, 3  # ColumnChunk
_CC_INDEX_OFFSETS = (4, 6)  # ColumnChunk: offset index, column index (absent: no page index written)
_CM_OFFSETS = (9, 10, 11, 14)  # ColumnMetaData: data page, index page, dictionary page, bloom filter

Field = list[Any]  # [field id, type code, value]


class _Reader:
    """A cursor over Thrift compact-protocol bytes that decodes structs into lists of fields."""

    def __init__(self, data: bytes) -> None:
        """Start reading ``data`` at its first byte."""
        self.data = data
        self.pos = 0

    def byte(self) -> int:
        """One unsigned byte."""
        value = self.data[self.pos]
        self.pos += 1
        return value

    def varint(self) -> int:
        """An unsigned LEB128 integer."""
        shift = result = 0
        while True:
            b = self.byte()
            result |= (b & 0x7F) << shift
            if not b & 0x80:
                return result
            shift += 7

    def zigzag(self) -> int:
        """A signed (zigzag-coded) integer."""
        n = self.varint()
        return (n >> 1) ^ -(n & 1)

    def value(self, kind: int) -> Any:
        """One value of the given type code (a bool inside a container is its raw byte)."""
        if kind in (_TRUE, _FALSE, _BYTE):
            return self.byte()
        if kind in (_I16, _I32, _I64):
            return self.zigzag()
        if kind == _DOUBLE:
            self.pos += 8
            return self.data[self.pos - 8:self.pos]
        if kind == _BINARY:
            size = self.varint()
            self.pos += size
            return self.data[self.pos - size:self.pos]
        if kind in (_LIST, _SET):
            head = self.byte()
            size, element = head >> 4, head & 0x0F
            if size == 15:
                size = self.varint()
            return (element, [self.value(element) for _ in range(size)])
        if kind == _MAP:
            size = self.varint()
            types = self.byte() if size else 0
            return (types, [(self.value(types >> 4), self.value(types & 0x0F)) for _ in range(size)])
        if kind == _STRUCT:
            return self.struct()
        msg = f"unknown Thrift compact type {kind}"
        raise ValueError(msg)

    def struct(self) -> list[Field]:
        """The fields of one struct, in the order written."""
        fields: list[Field] = []
        last = 0
        while True:
            head = self.byte()
            if head == 0:
                return fields
            kind, delta = head & 0x0F, head >> 4
            fid = last + delta if delta else self.zigzag()
            value = None if kind in (_TRUE, _FALSE) else self.value(kind)
            fields.append([fid, kind, value])
            last = fid


def _varint(n: int) -> bytes:
    """An unsigned LEB128 integer."""
    out = bytearray()
    while True:
        if n < 0x80:
            out.append(n)
            return bytes(out)
        out.append((n & 0x7F) | 0x80)
        n >>= 7


def _zigzag(n: int) -> bytes:
    """A signed integer, zigzag-coded."""
    return _varint((n << 1) ^ (n >> 63))


def _write_value(kind: int, value: Any, out: bytearray) -> None:
    """Append one value of the given type code."""
    if kind in (_TRUE, _FALSE, _BYTE):
        out.append(value)
    elif kind in (_I16, _I32, _I64):
        out += _zigzag(value)
    elif kind == _DOUBLE:
        out += value
    elif kind == _BINARY:
        out += _varint(len(value)) + value
    elif kind in (_LIST, _SET):
        element, items = value
        if len(items) < 15:
            out.append(len(items) << 4 | element)
        else:
            out.append(0xF0 | element)
            out += _varint(len(items))
        for item in items:
            _write_value(element, item, out)
    elif kind == _MAP:
        types, pairs = value
        out += _varint(len(pairs))
        if pairs:
            out.append(types)
        for key, item in pairs:
            _write_value(types >> 4, key, out)
            _write_value(types & 0x0F, item, out)
    elif kind == _STRUCT:
        _write_struct(value, out)
    else:
        msg = f"unknown Thrift compact type {kind}"
        raise ValueError(msg)


def _write_struct(fields: list[Field], out: bytearray) -> None:
    """Append one struct's fields and its stop byte."""
    last = 0
    for fid, kind, value in fields:
        delta = fid - last
        if 0 < delta <= 15:
            out.append(delta << 4 | kind)
        else:
            out.append(kind)
            out += _zigzag(fid)
        if kind not in (_TRUE, _FALSE):
            _write_value(kind, value, out)
        last = fid
    out.append(0)


def _get(fields: list[Field], fid: int) -> Field | None:
    """The field with this id, if the struct has it."""
    return next((f for f in fields if f[0] == fid), None)


def _shift(fields: list[Field], ids: tuple[int, ...], by: int) -> None:
    """Add ``by`` to each integer field among ``ids`` that is set (0 means unset: no offset is 0)."""
    for field in fields:
        if field[0] in ids and field[1] in (_I32, _I64) and field[2] > 0:
            field[2] += by


def _shift_row_group(row_group: list[Field], by: int) -> None:
    """Move every byte offset of one row group (and of its column chunks) by ``by`` bytes."""
    _shift(row_group, (_RG_FILE_OFFSET,), by)
    for chunk in _get(row_group, _RG_COLUMNS)[2][1]:
        _shift(chunk, (_CC_FILE_OFFSET, *_CC_INDEX_OFFSETS), by)
        meta = _get(chunk, _CC_META)
        if meta is not None:
            _shift(meta[2], _CM_OFFSETS, by)


def split_file(data: bytes | memoryview) -> tuple[memoryview, list[Field]]:
    """The body (bytes between the leading magic and the footer) and the decoded footer of a Parquet file."""
    data = memoryview(data).cast("B")
    if bytes(data[:4]) != MAGIC or bytes(data[-4:]) != MAGIC:
        msg = "not a Parquet file (no PAR1 magic)"
        raise ValueError(msg)
    (length,) = struct.unpack("<i", data[-8:-4])
    footer_start = len(data) - 8 - length
    return data[4:footer_start], _Reader(bytes(data[footer_start:-8])).struct()


def _declare(footer: list[Field], schema: pa.Schema) -> None:
    """Make a decoded footer declare ``schema`` as the file's Arrow schema (as an Arrow writer stores it)."""
    entries = _get(footer, _KEY_VALUES)
    for entry in [] if entries is None else entries[2][1]:
        if _get(entry, _KEY)[2] == ARROW_SCHEMA:
            _get(entry, _VALUE)[2] = base64.b64encode(schema.serialize().to_pybytes())
            return
    msg = "the Parquet footer holds no Arrow schema to replace"
    raise ValueError(msg)


def join_parts(parts: list[bytes | memoryview], arrow_schema: pa.Schema | None = None) -> list[bytes | memoryview]:
    """The pieces, in order, of one Parquet file holding the row groups of several files of the same schema.

    The pieces (magic, each part's body, footer, its length, magic) are views of the parts or small new
    bytes: written one after another they make the file, without copying the bodies into one buffer.
    ``arrow_schema``, when given, is the Arrow schema the file declares instead of the parts' own.
    """
    bodies, footers = zip(*(split_file(p) for p in parts), strict=True)
    merged = footers[0]
    row_groups: list[list[Field]] = []
    rows = 0
    shift = 0
    for body, footer in zip(bodies, footers, strict=True):
        for row_group in _get(footer, _ROW_GROUPS)[2][1]:
            _shift_row_group(row_group, shift)
            ordinal = _get(row_group, _RG_ORDINAL)
            if ordinal is not None:
                ordinal[2] = len(row_groups)
            row_groups.append(row_group)
        rows += _get(footer, _NUM_ROWS)[2]
        shift += len(body)
    _get(merged, _ROW_GROUPS)[2] = (_STRUCT, row_groups)
    _get(merged, _NUM_ROWS)[2] = rows
    if arrow_schema is not None:
        _declare(merged, arrow_schema)
    footer = bytearray()
    _write_struct(merged, footer)
    return [MAGIC, *bodies, bytes(footer), struct.pack("<i", len(footer)), MAGIC]


def _first_seen(indices: pa.Array, entries: int) -> np.ndarray:
    """The dictionary entries that ``indices`` use, in the order they first appear.

    The first rows usually show every entry (then nothing else is looked at); otherwise counting says how
    many entries are used, and a growing prefix is searched until it shows them all.
    """
    used = pc.unique(indices.slice(0, _FIRST_ROWS)).drop_null()
    if len(used) == entries or len(indices) <= _FIRST_ROWS:  # every entry seen: no need to count
        return used.to_numpy()
    counts = np.bincount(pc.fill_null(indices, entries).to_numpy(), minlength=entries + 1)
    wanted = int(np.count_nonzero(counts[:entries]))
    size = _FIRST_ROWS
    while len(used) < wanted and size < len(indices):
        size *= 8
        used = pc.unique(indices.slice(0, size)).drop_null()
    return used.to_numpy()


def _as_found(column: pa.ChunkedArray) -> pa.DictionaryArray:
    """A dictionary column whose dictionary holds only the values its rows use, in the order they first appear.

    That is the dictionary a Parquet writer builds from the plain values, so the file's dictionary pages (and
    the categories a reader makes of them) are the same as if the column had been written as plain text.
    """
    arr = column.combine_chunks()
    if len(arr.dictionary) == 1 and not arr.null_count and len(arr):
        return arr  # one text on every row
    used = _first_seen(arr.indices, len(arr.dictionary))
    if len(used) == len(arr.dictionary) and (used == np.arange(len(used))).all():
        return arr  # already so
    remap = np.zeros(len(arr.dictionary), dtype=arr.indices.type.to_pandas_dtype())
    remap[used] = np.arange(len(used))
    return pa.DictionaryArray.from_arrays(pa.array(remap).take(arr.indices), arr.dictionary.take(pa.array(used)))


def _narrow(arr: pa.DictionaryArray) -> pa.DictionaryArray:
    """The same values with int8 indices when the dictionary has at most ``INT8_ENTRIES`` entries.

    For the statistics the writer finds the entries each batch of indices uses; 8-bit indices it looks up in
    a table instead of hashing each one (a third less CPU for the bench table's dictionary columns). The
    file is byte for byte the same: Parquet stores the indices with as many bits as the dictionary needs.
    """
    if len(arr.dictionary) > INT8_ENTRIES or arr.indices.type == pa.int8():
        return arr
    return pa.DictionaryArray.from_arrays(arr.indices.cast(pa.int8()), arr.dictionary)


def _encode(table: pa.Table, options: dict[str, Any], *, narrow: bool = False) -> memoryview:
    """One table as a complete Parquet file in memory (a view of pyarrow's buffer, not a copy).

    Dictionary columns are written with the dictionaries a writer would build from their values (see
    :func:`_as_found`); with ``narrow`` (the file will declare another Arrow schema, so the index type it
    would store does not matter), small ones with 8-bit indices (see :func:`_narrow`).
    """
    for i, column in enumerate(table.columns):
        if pa.types.is_dictionary(column.type):
            found = _narrow(_as_found(column)) if narrow else _as_found(column)
            table = table.set_column(i, table.field(i).with_type(found.type), found)
    try:
        room = pa.allocate_buffer(_room(table))
        with pa.output_stream(room) as sink:
            pq.write_table(table, sink, **options)
            written = sink.tell()
    except (OSError, pa.ArrowInvalid, MemoryError):  # no room, or not enough: write into a growing buffer
        growing = pa.BufferOutputStream()
        pq.write_table(table, growing, **options)
        return memoryview(growing.getvalue()).cast("B")
    return memoryview(room.slice(0, written)).cast("B")  # unsigned bytes, as bytes objects compare


def _room(table: pa.Table) -> int:
    """Bytes to set aside for a table's Parquet file: more than its Arrow data, so the writer never grows its
    output (each growth copies it into fresh memory); only the pages written to are ever touched."""
    return int(table.nbytes * 1.25) + (64 << 10) * (table.num_columns + 16)


def parquet_pieces(table: pa.Table, workers: int, arrow_schema: pa.Schema | None = None,
                   **options: Any) -> list[bytes | memoryview]:
    """The Parquet file of ``table`` (``options`` as for ``pyarrow.parquet.write_table``) as pieces to write
    in order, encoded in parallel row parts.

    With fewer than ``MIN_PART_ROWS`` rows per worker, or one worker, it is one plain ``write_table``.
    ``arrow_schema`` is the Arrow schema the file declares when it differs from the table's (text columns held
    as dictionary arrays, declared as plain text: the Parquet data of both is the same).
    """
    declared = arrow_schema if arrow_schema is not None and not arrow_schema.equals(table.schema) else None
    parts = min(workers, table.num_rows // MIN_PART_ROWS)
    narrow = declared is not None
    if parts <= 1:
        encoded = [_encode(table, options, narrow=narrow)]
        return encoded if declared is None else join_parts(encoded, declared)
    size = -(-table.num_rows // parts)
    slices = [table.slice(start, size) for start in range(0, table.num_rows, size)]
    with ThreadPoolExecutor(max_workers=len(slices)) as pool:
        encoded = list(pool.map(lambda part: _encode(part, options, narrow=narrow), slices))
    return join_parts(encoded, declared)


def parquet_bytes(table: pa.Table, workers: int, **options: Any) -> bytes:
    """The whole Parquet file of :func:`parquet_pieces` as one bytes object."""
    return b"".join(parquet_pieces(table, workers, **options))
