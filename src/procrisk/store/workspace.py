"""The workspace on disk: immutable Parquet batches made visible by one atomic manifest commit.

Layout::

    <workspace>/manifest.json                  the only source of truth: committed batches and runs
    <workspace>/tables/<table>/<batch>.parquet canonical rows (zstd)
    <workspace>/quarantine/<batch>.parquet     rejected rows with their reasons and original cells
    <workspace>/issues/<batch>.parquet         every data problem found in the batch
    <workspace>/runs/<run>/...                 scoring runs (outcome matrix, scores, run manifest)
    <workspace>/mappings/<name>.yaml           saved column mappings
    <workspace>/.lock                          held by the one writer

A batch is written to files named by its id, each via temp file + fsync + rename, and becomes visible only
when the manifest that lists it replaces the old one (temp file, fsync, ``os.replace``, fsync of the folder).
A kill at any moment leaves either the old manifest (the new files are orphans, ignored and removed by the next
writer) or the new one with every file in place.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import os
import shutil
import time
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from procrisk.arrays import TextDictionary, constant_text, object_pointers
from procrisk.config import parallel_workers
from procrisk.errors import NotFoundError, WorkspaceError
from procrisk.schema.arrow import issues_schema, table_schema
from procrisk.schema.columns import TABLES
from procrisk.store.parquet_parts import parquet_pieces
from procrisk.store.parquet_take import take_rows
from procrisk.version import __version__

SCHEMA_VERSION = 1
MANIFEST = "manifest.json"
READ_BATCH_ROWS = 1 << 18  # rows per batch when a table is read a batch at a time


def fsync_dir(path: Path) -> None:
    """Flush a folder's entry table so a rename inside it survives a power cut."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write bytes to ``path`` atomically: temp file in the same folder, fsync, rename, fsync the folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with tmp.open("wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    tmp.replace(path)
    fsync_dir(path.parent)


_SAMPLE_ROWS = 20_000  # rows looked at to decide whether a column is worth dictionary-encoding
_DICTIONARY_MAX = 2_000  # distinct values in that sample above which dictionary encoding would be given up
_DICTIONARY_PAGE_BYTES = 8 << 20  # a column's dictionary may grow to this before the writer falls back to plain
# Data pages end at this many bytes, with no row limit (pyarrow's default ends them at 1 MiB or 20,000 rows):
# a column of nulls or of small dictionary indices then fills one page, not one per 20,000 rows, and each
# page costs the writer a compression context and the reader a page to set up. 128 KiB keeps plain columns
# (amounts, ids) in pages that zstd compresses as well as before.
_DATA_PAGE_BYTES = 128 << 10
_PAGE_ROWS = 1 << 30
# Values the writer takes at a time (pyarrow's default 1,024): each batch costs it a round of level, statistics
# and page-size bookkeeping (for a dictionary array, finding the values the batch uses); pages then end within
# one batch of 128 KiB (plain doubles: 64 KiB over).
_WRITE_BATCH = 8192


def dictionary_columns(table: pa.Table) -> list[str]:
    """Columns worth dictionary-encoding in Parquet: those whose first rows repeat values (at most 2,000
    distinct, or at most one distinct value per two rows).

    Parquet writers try a dictionary for every column and fall back to plain encoding once it grows too
    large; skipping the attempt for columns of mostly distinct values (ids, amounts, JSON) saves that work.
    Repeating ids and names (a supplier with many contracts) keep their dictionary: scoring reads such
    columns as dictionaries, which is cheaper than decoding their text page by page. The values stored are
    the same either way.
    """
    names = []
    for name, column in zip(table.column_names, table.columns, strict=True):
        if pa.types.is_list(column.type):
            names.append(f"{name}.list.element")  # the leaf column a list of strings is stored in
            continue
        head = column.slice(0, _SAMPLE_ROWS)
        if pa.types.is_dictionary(column.type):  # distinct entries of a dictionary: its distinct indices
            head = pa.chunked_array([chunk.indices for chunk in head.chunks], type=column.type.index_type)
        if head.null_count == len(head):
            names.append(name)
            continue
        distinct = pc.count_distinct(head).as_py()
        if distinct <= _DICTIONARY_MAX or distinct * 2 <= len(head):
            names.append(name)
    return names


def statistics_columns(table: pa.Table, dictionary: list[str]) -> list[str]:
    """Columns whose Parquet statistics (min, max, null count) are written: all but mostly distinct text.

    Text columns that are not worth a dictionary (ids, names, JSON extras) hold values spread over the
    whole range in every row group, so their min and max would prune nothing, and comparing every string
    is a fifth of the write. Nothing in procrisk filters on statistics; the values stored are the same.
    """
    wanted = set(dictionary)
    names = []
    for f in table.schema:
        kind = f.type.value_type if pa.types.is_dictionary(f.type) else f.type
        if pa.types.is_list(kind):
            names.append(f"{f.name}.list.element")
        elif f.name in wanted or not (pa.types.is_string(kind) or pa.types.is_large_string(kind)):
            names.append(f.name)
    return names


def atomic_write_parquet(path: Path, table: pa.Table, compression: str = "zstd", schema: pa.Schema | None = None,
                         ) -> None:
    """Write an Arrow table as Parquet atomically (temp file, fsync, rename).

    A large table is encoded in row parts by parallel threads (:mod:`procrisk.store.parquet_parts`): one
    row group per part, the same file ``pyarrow.parquet.write_table`` gives with that row-group size.
    ``schema`` is the Arrow schema the file declares when it differs from the table's: text columns handed
    over as dictionary arrays (see :func:`to_arrow`) are then read back as the plain text they are.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    dictionary = dictionary_columns(table)
    pieces = parquet_pieces(table, parallel_workers(2), arrow_schema=schema, compression=compression,
                            use_dictionary=dictionary,
                            dictionary_pagesize_limit=_DICTIONARY_PAGE_BYTES, data_page_size=_DATA_PAGE_BYTES,
                            max_rows_per_page=_PAGE_ROWS, write_batch_size=_WRITE_BATCH,
                            write_statistics=statistics_columns(table, dictionary))
    with tmp.open("wb") as fh:
        for piece in pieces:
            fh.write(piece)
        fh.flush()
        os.fsync(fh.fileno())
    tmp.replace(path)
    fsync_dir(path.parent)


def _done(task: Any, *args: Any) -> Future[Any]:
    """Run ``task(*args)`` now, in this thread, and give its result as a finished Future."""
    done: Future[Any] = Future()
    done.set_result(task(*args))
    return done


def _date_array(series: pd.Series, field: pa.Field) -> pa.Array:
    """A column of dates or date-times as date32 (the calendar date; missing stays null)."""
    if pd.api.types.is_datetime64_dtype(series.dtype):  # tz-naive: floor to the day without Python objects
        days = series.to_numpy().astype("datetime64[D]")
        return pa.array(days, type=field.type, mask=np.isnat(days))
    dates = pd.to_datetime(series).dt.date.astype(object).where(series.notna(), None)
    return pa.array(dates, type=field.type, from_pandas=True)


def _list_array(series: pd.Series, field: pa.Field) -> pa.Array:
    """A column of Python lists (or None) as an Arrow list array, each distinct list object converted once.

    Normalisers hand out one shared list object per distinct cell value, so converting by object identity
    costs one hash of its identity per row instead of one list conversion per row. Missing cells (None, NaN,
    NA) become null when their distinct objects are, so the cells are taken as they are, without a pass that
    first replaces every missing one.
    """
    values = np.ascontiguousarray(series.to_numpy(dtype=object))
    codes, _ = pd.factorize(object_pointers(values))
    first = np.empty(codes.max(initial=-1) + 1, dtype=np.int64)
    first[codes[::-1]] = np.arange(len(codes) - 1, -1, -1)  # the last write per code is its first row
    firsts = values[first]
    distinct = np.empty(len(firsts), dtype=object)
    for i, value in enumerate(firsts):  # element by element: lists must stay lists, not become an array axis
        distinct[i] = None if pd.api.types.is_scalar(value) and pd.isna(value) else value
    return pa.array(distinct, type=field.type, from_pandas=True).take(pa.array(codes))


_PARALLEL_ROWS = 100_000  # from this many rows, columns are converted by parallel threads


def _column_array(series: pd.Series, field: pa.Field) -> pa.Array | pa.ChunkedArray:
    """One column in its stored Arrow type."""
    if pa.types.is_date32(field.type):
        return _date_array(series, field)
    if pa.types.is_list(field.type) and series.dtype == object:
        return _list_array(series, field)
    return pa.array(series, type=field.type, from_pandas=True)


def to_arrow(frame: pd.DataFrame, schema: pa.Schema, ready: dict[str, pa.Array] | None = None) -> pa.Table:
    """Convert a frame to the stored Arrow schema: missing columns become nulls, extra columns are an error.

    ``ready`` holds text columns already in Arrow form, as dictionary arrays (of the frame's values, or of a
    column the frame lacks, such as a batch id on every row); they are taken as they are, so the table's
    schema has dictionary types where ``schema`` has text.
    A large frame's columns are converted in a small thread pool (Arrow casts and numpy work free the GIL);
    the columns are taken from the frame beforehand, so the threads only read their own Series.
    """
    ready = ready or {}
    unknown = [c for c in [*frame.columns, *ready] if c not in schema.names]
    if unknown:
        msg = f"columns not in the stored schema: {unknown}"
        raise ValueError(msg)
    text = (pa.string(), pa.large_string())
    for name, arr in ready.items():
        stored = schema.field(name).type
        if not (pa.types.is_dictionary(arr.type) and arr.type.value_type in text and stored in text
                and len(arr) == len(frame)):
            msg = f"column {name}: {arr.type} of {len(arr)} rows cannot stand for {stored} of {len(frame)} rows"
            raise ValueError(msg)
    columns = [(frame[f.name], f) for f in schema if f.name in frame.columns and f.name not in ready]
    if len(frame) < _PARALLEL_ROWS:
        arrays = [_column_array(*column) for column in columns]
    else:
        with ThreadPoolExecutor(max_workers=parallel_workers(2)) as pool:
            arrays = list(pool.map(lambda column: _column_array(*column), columns))
    given = ready | {f.name: array for (_, f), array in zip(columns, arrays, strict=True)}
    nulls: dict[pa.DataType, pa.Array] = {}  # columns the frame lacks: one array of nulls per type, shared
    for f in schema:
        if f.name not in given:
            if f.type not in nulls:
                nulls[f.type] = pa.nulls(len(frame), type=f.type)
            given[f.name] = nulls[f.type]
    fields = [f.with_type(ready[f.name].type) if f.name in ready else f for f in schema]
    return pa.Table.from_arrays([given[f.name] for f in schema], schema=pa.schema(fields, metadata=schema.metadata))


def _ready(frame: pd.DataFrame, texts: dict[str, TextDictionary], batch_id: str) -> dict[str, pa.Array]:
    """The columns of a batch's table to store as dictionary arrays: the batch id, and the text columns whose
    dictionary form is still valid (the column unchanged since it was made)."""
    ready = {name: text.dictionary for name, text in texts.items() if name in frame and text.holds(frame[name])}
    return {**ready, "batch_id": constant_text(batch_id, len(frame))}


@dataclass
class Batch:
    """Everything one ingest produced, ready to commit."""

    source_file: str
    source_sha256: str
    source_kind: str
    tables: dict[str, pd.DataFrame]
    quarantine: pd.DataFrame
    issues: pd.DataFrame
    rows_read: int
    rows_stored: int
    rows_quarantined: int
    mapping: dict[str, Any]
    notes: list[str]
    sheet: str = ""
    arrow: dict[str, dict[str, TextDictionary]] = field(default_factory=dict)  # per table: see ``Prepared.arrow``


class Workspace:
    """A procrisk workspace folder: read committed tables, commit new batches and runs under a lock."""

    def __init__(self, path: Path | str, *, lock_timeout: float = 30.0, compression: str = "zstd") -> None:
        """Open (without creating) the workspace at ``path``."""
        self.path = Path(path)
        self.lock_timeout = lock_timeout
        self.compression = compression

    # -- manifest ----------------------------------------------------------------------------------------

    @property
    def exists(self) -> bool:
        """Whether the folder has a committed manifest."""
        return (self.path / MANIFEST).is_file()

    def manifest(self) -> dict[str, Any]:
        """The committed manifest (an empty one for a new workspace)."""
        path = self.path / MANIFEST
        if not path.is_file():
            return {"schema_version": SCHEMA_VERSION, "batches": [], "runs": []}
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            msg = f"{path}: the workspace manifest cannot be read ({exc}); restore it from a backup"
            raise WorkspaceError(msg) from None
        if data.get("schema_version") != SCHEMA_VERSION:
            msg = (f"{path}: workspace schema version {data.get('schema_version')} is not "
                   f"{SCHEMA_VERSION}; re-ingest into a new workspace")
            raise WorkspaceError(msg)
        return data

    def _write_manifest(self, data: dict[str, Any]) -> None:
        """Commit a new manifest atomically."""
        atomic_write_bytes(self.path / MANIFEST, json.dumps(data, indent=2, sort_keys=True).encode("utf-8"))

    def batches(self, *, include_superseded: bool = False) -> list[dict[str, Any]]:
        """Committed batch entries, oldest first."""
        entries = self.manifest()["batches"]
        return [b for b in entries if include_superseded or not b.get("superseded_by")]

    # -- locking -----------------------------------------------------------------------------------------

    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        """Hold the workspace's writer lock; wait up to ``lock_timeout`` seconds, then fail clearly."""
        self.path.mkdir(parents=True, exist_ok=True)
        lock_path = self.path / ".lock"
        fh = lock_path.open("a+")
        deadline = time.monotonic() + self.lock_timeout
        while True:
            try:
                fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    fh.seek(0)
                    holder = fh.read().strip() or "another process"
                    fh.close()
                    msg = (f"workspace {self.path} is being written by {holder}; wait for it to finish "
                           f"and try again (waited {self.lock_timeout:g} s)")
                    raise WorkspaceError(msg) from None
                time.sleep(0.1)
        fh.seek(0)
        fh.truncate()
        fh.write(f"pid {os.getpid()} since {dt.datetime.now(dt.UTC).isoformat(timespec='seconds')}")
        fh.flush()
        try:
            yield
        finally:
            fh.seek(0)
            fh.truncate()
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
            fh.close()

    # -- batches -----------------------------------------------------------------------------------------

    def find_source(self, sha256: str, mapping: dict[str, Any]) -> dict[str, Any] | None:
        """The live batch that stored this exact file with this exact mapping, if any."""
        for entry in self.batches():
            if entry["source_sha256"] == sha256 and entry.get("mapping") == mapping:
                return entry
        return None

    def _collect_orphans(self, manifest: dict[str, Any]) -> None:
        """Remove files left by a writer that died before committing (not listed in the manifest)."""
        known = {b["batch_id"] for b in manifest["batches"]}
        known_runs = {r["run_id"] for r in manifest["runs"]}
        for folder in [self.path / "tables" / t for t in TABLES] + [self.path / "quarantine", self.path / "issues"]:
            if folder.is_dir():
                for file in folder.iterdir():
                    if file.name.startswith(".") or file.stem not in known:
                        file.unlink(missing_ok=True)
        runs = self.path / "runs"
        if runs.is_dir():
            for run_dir in runs.iterdir():
                if run_dir.name not in known_runs:
                    shutil.rmtree(run_dir, ignore_errors=True)

    def commit_batch(self, batch: Batch, *, replace: bool = False) -> dict[str, Any]:
        """Write a batch's files, then commit the manifest entry that makes it visible; return the entry."""
        with self.lock():
            manifest = self.manifest()
            self._collect_orphans(manifest)
            seq = 1 + max((int(b["batch_id"].split("-")[0]) for b in manifest["batches"]), default=0)
            batch_id = f"{seq:06d}-{batch.source_sha256[:10]}"
            counts: dict[str, int] = {}
            # each file is encoded in a thread (Parquet encoding frees the GIL) while the next table is turned
            # into Arrow here: an OCDS batch's suppliers while its contracts are written (workers 1: in turn)
            workers = parallel_workers(2)
            with ThreadPoolExecutor(max_workers=workers) as pool:
                submit = pool.submit if workers > 1 else _done
                written = []
                for name, frame in batch.tables.items():
                    counts[name] = len(frame)
                    schema = table_schema(name)
                    written.append(submit(
                        atomic_write_parquet, self.path / "tables" / name / f"{batch_id}.parquet",
                        to_arrow(frame.drop(columns=["batch_id"], errors="ignore"), schema,
                                 _ready(frame, batch.arrow.get(name, {}), batch_id)),
                        self.compression, schema))
                quarantine = batch.quarantine.assign(batch_id=batch_id)
                written.append(submit(atomic_write_parquet, self.path / "quarantine" / f"{batch_id}.parquet",
                                      pa.Table.from_pandas(quarantine.astype({"source_row": "Int64"}),
                                                           preserve_index=False), self.compression))
                written.append(submit(atomic_write_parquet, self.path / "issues" / f"{batch_id}.parquet",
                                      to_arrow(batch.issues, issues_schema()), self.compression))
                for write in written:
                    write.result()
            entry = {
                "batch_id": batch_id,
                "source_file": batch.source_file,
                "source_sheet": batch.sheet,
                "source_sha256": batch.source_sha256,
                "source_kind": batch.source_kind,
                "mapping": batch.mapping,
                "rows_read": batch.rows_read,
                "rows_stored": batch.rows_stored,
                "rows_quarantined": batch.rows_quarantined,
                "table_rows": counts,
                "issues": {"errors": int((batch.issues["severity"] == "error").sum()),
                           "warnings": int((batch.issues["severity"] == "warning").sum())},
                "notes": batch.notes,
                "schema_version": SCHEMA_VERSION,
                "procrisk_version": __version__,
                "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            }
            if replace:
                for old in manifest["batches"]:
                    if old["source_file"] == batch.source_file and not old.get("superseded_by"):
                        old["superseded_by"] = batch_id
            manifest["batches"].append(entry)
            self._write_manifest(manifest)
            return entry

    # -- scoring runs ------------------------------------------------------------------------------------

    def commit_run(self, run: dict[str, Any], tables: dict[str, pa.Table]) -> dict[str, Any]:
        """Write a scoring run's tables and record, then commit the manifest entry that makes it visible."""
        with self.lock():
            manifest = self.manifest()
            self._collect_orphans(manifest)
            seq = 1 + max((int(r["run_id"].split("-")[0]) for r in manifest["runs"]), default=0)
            run_id = f"{seq:04d}-{run['content_id'][:10]}"
            folder = self.path / "runs" / run_id
            record = {**run, "run_id": run_id}
            for name, table in tables.items():
                atomic_write_parquet(folder / f"{name}.parquet", table, self.compression)
            atomic_write_bytes(folder / "run.json", json.dumps(record, indent=2, sort_keys=True, default=str).encode())
            manifest["runs"].append({"run_id": run_id, "created_at": record.get("created_at"),
                                     "content_id": run["content_id"], "batches": run.get("batches", [])})
            self._write_manifest(manifest)
            return record

    def run_record(self, run_id: str | None = None) -> dict[str, Any]:
        """The record (run manifest) of a committed run; the latest when ``run_id`` is None."""
        runs = self.manifest()["runs"]
        if not runs:
            msg = f"workspace {self.path} has no scoring run yet: run procrisk score first"
            raise NotFoundError(msg)
        if run_id is None:
            run_id = runs[-1]["run_id"]
        elif run_id not in {r["run_id"] for r in runs}:
            msg = f"no scoring run '{run_id}' in {self.path}; runs: {', '.join(r['run_id'] for r in runs)}"
            raise NotFoundError(msg)
        return json.loads((self.path / "runs" / run_id / "run.json").read_text(encoding="utf-8"))

    def _run_file(self, run_id: str, name: str) -> Path:
        """The Parquet file of one table of a committed run."""
        return self.path / "runs" / run_id / f"{name}.parquet"

    def run_table(self, run_id: str, name: str, columns: list[str] | None = None) -> pd.DataFrame:
        """One table of a committed run (e.g. contract_scores), optionally only some columns."""
        table = pq.read_table(self._run_file(run_id, name), columns=columns)
        return table.to_pandas(types_mapper=_types_mapper, date_as_object=False)

    def run_table_rows(self, run_id: str, name: str, positions: list[int]) -> pd.DataFrame:
        """Some rows of one table of a committed run, indexed by their positions (reads only their row groups)."""
        table = take_rows([self._run_file(run_id, name)], positions)
        frame = table.to_pandas(types_mapper=_types_mapper, date_as_object=False)
        return frame.set_axis(pd.Index(positions), axis=0)

    def run_table_columns(self, run_id: str, name: str) -> list[str]:
        """The columns one table of a committed run holds (read from its footer only)."""
        return pq.read_schema(self._run_file(run_id, name)).names

    def run_table_batches(self, run_id: str, name: str, columns: list[str],
                          batch_size: int = READ_BATCH_ROWS) -> Iterator[pa.RecordBatch]:
        """One table of a committed run in row batches of only ``columns``, in row order (bounded memory)."""
        yield from pq.ParquetFile(self._run_file(run_id, name)).iter_batches(
            batch_size=batch_size, columns=columns)

    def table_files(self, name: str) -> list[Path]:
        """The Parquet files of a canonical table's live batches, in batch order."""
        return self._files(self.path / "tables" / name)

    # -- reading -----------------------------------------------------------------------------------------

    def _files(self, folder: Path, batch_ids: list[str] | None = None) -> list[Path]:
        """Files of live batches in a folder, in batch order."""
        ids = [b["batch_id"] for b in self.batches()]
        if batch_ids is not None:
            ids = [i for i in ids if i in batch_ids]
        return [folder / f"{i}.parquet" for i in ids if (folder / f"{i}.parquet").is_file()]

    def read_table(self, name: str, columns: list[str] | None = None,
                   batch_ids: list[str] | None = None) -> pd.DataFrame:
        """All live rows of a canonical table (optionally only some columns) as a DataFrame."""
        if name not in TABLES:
            msg = f"no table '{name}'; tables are: {', '.join(TABLES)}"
            raise NotFoundError(msg)
        schema = table_schema(name)
        if columns is not None:
            schema = pa.schema([schema.field(c) for c in columns])
        files = self._files(self.path / "tables" / name, batch_ids)
        if not files:
            return schema.empty_table().to_pandas()
        parts = [pq.read_table(f, columns=schema.names, schema=schema) for f in files]
        return pa.concat_tables(parts).to_pandas(types_mapper=_types_mapper, date_as_object=False)

    def table_batches(self, name: str, columns: list[str], batch_ids: list[str] | None = None,
                      batch_size: int = READ_BATCH_ROWS) -> Iterator[pa.RecordBatch]:
        """Live rows of a canonical table in row batches of only ``columns``, in the order ``read_table`` gives
        them (bounded memory: one batch at a time). Columns outside the stored schema are left out."""
        if name not in TABLES:
            msg = f"no table '{name}'; tables are: {', '.join(TABLES)}"
            raise NotFoundError(msg)
        schema = table_schema(name)
        wanted = [c for c in dict.fromkeys(columns) if c in schema.names]
        for file in self._files(self.path / "tables" / name, batch_ids):
            # the stored schema fills a column an older file lacks with nulls, as read_table does
            scanner = ds.dataset(file, schema=schema, format="parquet").scanner(columns=wanted, batch_size=batch_size)
            yield from scanner.to_batches()

    def read_issues(self, batch_ids: list[str] | None = None) -> pd.DataFrame:
        """The issues of live batches."""
        files = self._files(self.path / "issues", batch_ids)
        if not files:
            return issues_schema().empty_table().to_pandas()
        return pa.concat_tables([pq.read_table(f) for f in files]).to_pandas(types_mapper=_types_mapper)

    def read_quarantine(self, batch_ids: list[str] | None = None) -> pd.DataFrame:
        """Quarantined rows of live batches, with their reasons."""
        files = self._files(self.path / "quarantine", batch_ids)
        if not files:
            return pd.DataFrame(columns=["source_file", "source_sheet", "source_row", "table", "reasons",
                                         "cells", "batch_id"])
        return pd.concat([pq.read_table(f).to_pandas() for f in files], ignore_index=True)


def _types_mapper(arrow_type: pa.DataType) -> Any:
    """Map Arrow types to pandas nullable dtypes so missing stays missing (never False or 0)."""
    mapping = {pa.int64(): pd.Int64Dtype(), pa.float64(): pd.Float64Dtype(), pa.bool_(): pd.BooleanDtype(),
               pa.string(): pd.StringDtype()}
    return mapping.get(arrow_type)
