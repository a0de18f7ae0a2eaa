"""Row sources the engine reads in batches: an in-memory frame, Parquet files, or either with a prepare step.

A source gives the whole table for a few columns (the first pass of dataset-relative checks) and the table in
row batches for many columns, both in the same row order. Columns are converted to the dtypes the checks read
fastest: low-cardinality text as categoricals, booleans as nullable ``boolean``, dates as ``datetime64``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Protocol

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.dataset as ds

from procrisk.rules import values as v
from procrisk.schema.columns import TABLES

# Kinds read as dictionaries (categoricals): few distinct values. Free text and ids are read as plain strings
# (a dictionary over mostly distinct values costs a hash per row when the writer fell back to plain pages).
_DICTIONARY_KINDS = ("enum", "answer", "country", "currency")
_DICTIONARY_CODES = ("cpv_division", "classification_code", "classification_scheme", "tender_status")
# Other text columns are read as dictionaries in batches when the writer kept every page dictionary-encoded: a plain
# page stores a 4-byte length before each value, so a column chunk of at most this many bytes a row (dictionary page
# included) holds indices only, and decoding it costs an index a row instead of a string a row.
_COMPACT_BYTES_PER_ROW = 4
# Such free text stays a categorical in a batch only while its dictionaries hold at most one value per this many
# rows: a categorical costs a hash per dictionary value (unifying the chunks), decoding costs a copy per row.
_ROWS_PER_CATEGORY = 8


class Source(Protocol):
    """What the engine needs from a table: its size, its columns, whole columns and row batches."""

    @property
    def num_rows(self) -> int:
        """Number of rows."""
        ...

    @property
    def column_names(self) -> frozenset[str]:
        """Columns the source can give."""
        ...

    def read(self, columns: Sequence[str]) -> pd.DataFrame:
        """Every row, for these columns (those the source has)."""
        ...

    def batches(self, columns: Sequence[str], batch_size: int) -> Iterator[pd.DataFrame]:
        """The rows in order, in frames of at most ``batch_size`` rows, for these columns."""
        ...


def _kind(column: str) -> str | None:
    """The declared kind of a canonical column in any table, or None."""
    for table in TABLES.values():
        if column in table:
            return table[column].kind
    return None


def coerce(frame: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    """Give declared bool, date and number columns their dtypes (object columns from hand-built frames)."""
    changes = {}
    for column in columns:
        if column not in frame.columns:
            continue
        series = frame[column]
        kind = _kind(column)
        if kind == "bool" and not (pd.api.types.is_bool_dtype(series.dtype)
                                   or isinstance(series.dtype, pd.BooleanDtype)):
            values, missing = v.bool_values(series)
            changes[column] = pd.Series(pd.arrays.BooleanArray(values & ~missing, missing), index=frame.index)
        elif kind == "date" and not pd.api.types.is_datetime64_any_dtype(series.dtype):
            changes[column] = pd.to_datetime(series, errors="coerce")
        elif kind in ("int", "float", "share") and not pd.api.types.is_numeric_dtype(series.dtype):
            changes[column] = pd.to_numeric(series, errors="coerce").astype(np.float64)
    return frame.assign(**changes) if changes else frame


def missing_column(column: str, index: pd.Index) -> pd.Series:
    """An all-missing column typed by its declared kind (so that no check has to convert it row by row)."""
    n = len(index)
    kind = _kind(column)
    if kind == "bool":
        return pd.Series(pd.arrays.BooleanArray(np.zeros(n, dtype=bool), np.ones(n, dtype=bool)), index=index)
    if kind in ("int", "float", "share"):
        return pd.Series(np.full(n, np.nan), index=index)
    if kind == "date":
        return pd.Series(np.full(n, np.datetime64("NaT"), dtype="datetime64[ms]"), index=index)
    if kind == "list":
        return pd.Series(np.full(n, None, dtype=object), index=index, dtype=object)
    return pd.Series(pa.nulls(n, pa.large_string()).to_pandas().array, index=index)


def with_columns(frame: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    """The frame with every column in ``columns`` present (absent ones added as all-missing, typed by kind)."""
    absent = [c for c in dict.fromkeys(columns) if c not in frame.columns]
    if not absent:
        return frame
    return frame.assign(**{c: missing_column(c, frame.index) for c in absent})


class FrameSource:
    """An in-memory DataFrame as a source (row order = frame order)."""

    def __init__(self, frame: pd.DataFrame) -> None:
        """Wrap ``frame``."""
        self.frame = frame

    @property
    def num_rows(self) -> int:
        """Number of rows."""
        return len(self.frame)

    @property
    def column_names(self) -> frozenset[str]:
        """Columns of the frame."""
        return frozenset(map(str, self.frame.columns))

    def read(self, columns: Sequence[str]) -> pd.DataFrame:
        """Every row, for the columns the frame has."""
        return self.frame[[c for c in dict.fromkeys(columns) if c in self.column_names]]

    def batches(self, columns: Sequence[str], batch_size: int) -> Iterator[pd.DataFrame]:
        """Consecutive row slices."""
        sub = self.read(columns)
        for start in range(0, max(len(sub), 1), batch_size):
            yield sub.iloc[start:start + batch_size]


def _bits(buffer: pa.Buffer, offset: int, length: int) -> np.ndarray:
    """``length`` bits of an Arrow bitmap from bit ``offset``, one bool a bit."""
    packed = np.frombuffer(buffer, dtype=np.uint8)
    return np.unpackbits(packed, count=offset + length, bitorder="little")[offset:].view(bool)


def boolean_from_arrow(array: pa.Array | pa.ChunkedArray) -> pd.arrays.BooleanArray:
    """An Arrow boolean column as a pandas ``boolean`` array, unpacking the value and validity bitmaps with numpy
    (what pandas' own conversion gives, without its per-chunk copies and concatenation)."""
    chunks = array.chunks if isinstance(array, pa.ChunkedArray) else [array]
    n = sum(len(chunk) for chunk in chunks)
    if pa.types.is_null(array.type):
        return pd.arrays.BooleanArray(np.zeros(n, dtype=bool), np.ones(n, dtype=bool))
    data = np.empty(n, dtype=bool)
    mask = np.zeros(n, dtype=bool)
    pos = 0
    for chunk in chunks:
        m = len(chunk)
        if m:
            validity, values = chunk.buffers()[:2]
            data[pos:pos + m] = _bits(values, chunk.offset, m)
            if chunk.null_count:
                np.logical_not(_bits(validity, chunk.offset, m), out=mask[pos:pos + m])
        pos += m
    return pd.arrays.BooleanArray(data, mask)


class _BooleanFromBits(pd.BooleanDtype):
    """pandas' ``boolean`` dtype whose conversion from Arrow is ``boolean_from_arrow`` (same values, faster)."""

    def __from_arrow__(self, array: pa.Array | pa.ChunkedArray) -> pd.arrays.BooleanArray:
        """Convert with ``boolean_from_arrow``."""
        return boolean_from_arrow(array)


_BOOLEAN = _BooleanFromBits()


def _types_mapper(arrow_type: pa.DataType) -> object | None:
    """Nullable booleans and Arrow-backed lists; everything else keeps pyarrow's default conversion."""
    if pa.types.is_boolean(arrow_type):
        return _BOOLEAN
    if pa.types.is_list(arrow_type) or pa.types.is_large_list(arrow_type):
        return pd.ArrowDtype(arrow_type)
    return None


def arrow_to_frame(table: pa.Table, start: int = 0) -> pd.DataFrame:
    """Convert an Arrow table with the dtypes checks read fastest; the index counts rows from ``start``."""
    frame = table.to_pandas(types_mapper=_types_mapper, date_as_object=False, split_blocks=True, self_destruct=True)
    frame.index = pd.RangeIndex(start, start + len(frame))
    return frame


def _dataset(target: str | list[str], dictionary: Sequence[str]) -> ds.Dataset:
    """The files as one dataset, these columns read as dictionaries."""
    fmt = ds.ParquetFileFormat(read_options=ds.ParquetReadOptions(dictionary_columns=list(dictionary)))
    return ds.dataset(target, format=fmt)


def compact_text_columns(dataset: ds.Dataset, candidates: Sequence[str]) -> frozenset[str]:
    """The candidate string columns that every row group of every file stores as dictionary indices only.

    Judged from the footers: a dictionary page and at most ``_COMPACT_BYTES_PER_ROW`` uncompressed bytes a row. An
    empty dataset, a nested column or a file that cannot tell gives nothing (the plain read is always correct).
    """
    wanted = {c for c in candidates if pa.types.is_string(dataset.schema.field(c).type)
              or pa.types.is_large_string(dataset.schema.field(c).type)}
    if not wanted:
        return frozenset()
    compact = set(wanted)
    groups = 0
    for fragment in dataset.get_fragments():
        metadata = getattr(fragment, "metadata", None)
        if metadata is None:
            return frozenset()
        for r in range(metadata.num_row_groups):
            group = metadata.row_group(r)
            if group.num_rows == 0:
                continue
            groups += 1
            chunks = {group.column(i).path_in_schema: group.column(i) for i in range(group.num_columns)}
            for name in list(compact):
                chunk = chunks.get(name)
                if chunk is None or not chunk.has_dictionary_page or (
                        chunk.total_uncompressed_size > _COMPACT_BYTES_PER_ROW * group.num_rows):
                    compact.discard(name)
    return frozenset(compact) if groups else frozenset()


def _plain_strings(column: pa.ChunkedArray) -> pa.ChunkedArray:
    """A dictionary column decoded to its value type, chunk by chunk (the same strings as a plain read)."""
    return pa.chunked_array([chunk.dictionary.take(chunk.indices) for chunk in column.chunks],
                            type=column.type.value_type)


class ParquetSource:
    """Parquet files (a directory, a file or a list of files) read with pyarrow, only the columns asked for.

    ``categorical_text``: free-text columns (kind ``text``) that ``batches`` may give as categoricals because the
    files hold them as dictionaries throughout; a batch keeps them so when their dictionaries are small (repeated
    descriptions), and the engine turns those it carries into its outputs back into plain text. Other such columns
    (ids, codes, text with many distinct values) are read as dictionaries too, then decoded to plain strings,
    which is cheaper than decoding the pages as strings.
    """

    def __init__(self, paths: str | Path | Sequence[str | Path]) -> None:
        """Open the files as one dataset; text columns of low-cardinality kinds are read as dictionaries."""
        target = [str(p) for p in paths] if isinstance(paths, list | tuple) else str(paths)
        plain = ds.dataset(target, format="parquet")
        names = plain.schema.names
        dictionary = [c for c in names if _kind(c) in _DICTIONARY_KINDS or c in _DICTIONARY_CODES]
        self.dataset = _dataset(target, dictionary)
        compact = compact_text_columns(plain, [c for c in names if c not in dictionary])
        self.categorical_text = frozenset(c for c in compact if _kind(c) == "text")
        self._compact = compact
        self._batch_dataset = _dataset(target, [*dictionary, *sorted(compact)]) if compact else self.dataset
        # Counted now, from the footers: counting later waits behind a running scan on Arrow's thread pool.
        self._num_rows = plain.count_rows()

    @property
    def num_rows(self) -> int:
        """Number of rows over all files."""
        return self._num_rows

    @property
    def column_names(self) -> frozenset[str]:
        """Columns in the files' schema."""
        return frozenset(self.dataset.schema.names)

    def _present(self, columns: Sequence[str]) -> list[str]:
        """The requested columns the files have, each once."""
        return [c for c in dict.fromkeys(columns) if c in self.column_names]

    def read(self, columns: Sequence[str]) -> pd.DataFrame:
        """Every row, for these columns."""
        return arrow_to_frame(self.dataset.to_table(columns=self._present(columns)))

    def _batch_frame(self, table: pa.Table, start: int) -> pd.DataFrame:
        """One batch as a frame; compact columns other than free text with small dictionaries decoded to text."""
        for name in sorted(self._compact.intersection(table.column_names)):
            i = table.schema.get_field_index(name)
            column = table.column(i)
            values = sum(len(chunk.dictionary) for chunk in column.chunks)
            if name in self.categorical_text and values * _ROWS_PER_CATEGORY <= len(column):
                continue
            decoded = _plain_strings(column)
            table = table.set_column(i, table.schema.field(i).with_type(decoded.type), decoded)
        return arrow_to_frame(table, start)

    def batches(self, columns: Sequence[str], batch_size: int) -> Iterator[pd.DataFrame]:
        """Row batches of about ``batch_size`` rows, in file order."""
        scanner = self._batch_dataset.scanner(columns=self._present(columns), batch_size=min(batch_size, 1 << 20),
                                              fragment_readahead=1)
        pending: list[pa.RecordBatch] = []
        rows = 0
        start = 0
        for batch in scanner.to_batches():
            if batch.num_rows == 0:
                continue
            pending.append(batch)
            rows += batch.num_rows
            if rows >= batch_size:
                yield self._batch_frame(pa.Table.from_batches(pending), start)
                start += rows
                pending, rows = [], 0
        if pending or start == 0:
            schema = self._batch_dataset.schema
            table = pa.Table.from_batches(pending) if pending else schema.empty_table().select(
                self._present(columns))
            yield self._batch_frame(table, start)


class PreparedSource:
    """A source whose frames go through ``prepare`` (e.g. reference enrichment) before the rules see them."""

    def __init__(self, inner: Source, prepare: Callable[[pd.DataFrame], pd.DataFrame],
                 inputs: Sequence[str] = (), outputs: Sequence[str] = ()) -> None:
        """``prepare`` reads ``inputs`` (always fetched) and adds ``outputs`` to each frame."""
        self.inner = inner
        self.prepare = prepare
        self.inputs = tuple(inputs)
        self.outputs = tuple(outputs)

    @property
    def num_rows(self) -> int:
        """Number of rows of the inner source."""
        return self.inner.num_rows

    @property
    def column_names(self) -> frozenset[str]:
        """Inner columns plus the columns ``prepare`` adds."""
        return self.inner.column_names | frozenset(self.outputs)

    @property
    def categorical_text(self) -> frozenset[str]:
        """Free-text columns the inner source gives as categoricals (see ``ParquetSource``)."""
        return categorical_text(self.inner)

    def read(self, columns: Sequence[str]) -> pd.DataFrame:
        """Every row, prepared."""
        return self.prepare(self.inner.read([*columns, *self.inputs]))

    def batches(self, columns: Sequence[str], batch_size: int) -> Iterator[pd.DataFrame]:
        """Prepared row batches."""
        for frame in self.inner.batches([*columns, *self.inputs], batch_size):
            yield self.prepare(frame)


def categorical_text(source: Source) -> frozenset[str]:
    """Free-text columns a source gives as categoricals in its batches (none unless it says so)."""
    return frozenset(getattr(source, "categorical_text", ()))


def plain_text(series: pd.Series) -> pd.Series:
    """A categorical text column as plain text (str dtype), decoded through Arrow; other columns as they are."""
    if not isinstance(series.dtype, pd.CategoricalDtype):
        return series
    values = pa.array(series.array, from_pandas=True)
    decoded = values.dictionary.take(values.indices) if isinstance(values, pa.DictionaryArray) else values
    return pd.Series(decoded.to_pandas(types_mapper=_string_mapper).array, index=series.index, name=series.name)


def _string_mapper(arrow_type: pa.DataType) -> object | None:
    """Arrow strings as pandas' default str dtype."""
    return pd.StringDtype(na_value=np.nan) if pa.types.is_string(arrow_type) or pa.types.is_large_string(
        arrow_type) else None


def as_source(data: pd.DataFrame | Source) -> Source:
    """A DataFrame wrapped as a FrameSource; a source as is."""
    return FrameSource(data) if isinstance(data, pd.DataFrame) else data
