"""CSV and Parquet exports of scores and findings for other tools, with a side-car manifest for verification.

``write_tables(data, folder, "csv")`` writes ``contracts.csv``, ``findings.csv``, ``suppliers.csv`` and
``manifest.json`` (the verification record plus the sha256 of each file). CSV cells that a spreadsheet would
run as formulas are neutralised; Parquet keeps the raw typed values.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from procrisk.errors import UsageError
from procrisk.report.data import ReportData
from procrisk.report.digest import make_payload
from procrisk.report.xlsxbulk import TEXT, neutralise_text, text_array

TABLES = ("contracts", "findings", "suppliers")
FORMATS = ("csv", "parquet")
SIDECAR = "manifest.json"
CHUNK_ROWS = 200_000


def _column(series: pd.Series) -> pa.Array:
    """One column as Arrow: categoricals as text, dates as ISO days, text as large strings."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        return text_array(series)
    if pd.api.types.is_datetime64_any_dtype(series):
        return pa.array(series.dt.strftime("%Y-%m-%d").astype(object).where(series.notna(), None), TEXT)
    if isinstance(series.dtype, pd.ArrowDtype | pd.StringDtype) or series.dtype == object:
        return text_array(series)
    return pa.array(series, from_pandas=True)


def _arrow(frame: pd.DataFrame, *, csv: bool) -> pa.Table:
    """A report table as Arrow; for CSV, text a spreadsheet would run as a formula is neutralised."""
    columns = {}
    for name in frame.columns:
        arr = _column(frame[name])
        columns[name] = neutralise_text(arr) if csv and pa.types.is_large_string(arr.type) else arr
    return pa.table(columns)


def _sha256(path: Path) -> str:
    """sha256 of a file's bytes."""
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _write(frame: pd.DataFrame, path: Path, fmt: str) -> None:
    """One table as CSV (UTF-8, neutralised, LF line ends) or Parquet (zstd), atomically."""
    tmp = path.with_name(f".{path.name}.tmp")
    writer: Any = None
    schema: pa.Schema | None = None
    try:
        for start in range(0, max(len(frame), 1), CHUNK_ROWS):  # a chunk at a time keeps memory flat
            table = _arrow(frame.iloc[start:start + CHUNK_ROWS], csv=fmt == "csv")
            if schema is None:
                schema = table.schema
                writer = (pacsv.CSVWriter(tmp, schema, write_options=pacsv.WriteOptions(quoting_style="needed"))
                          if fmt == "csv" else pq.ParquetWriter(tmp, schema, compression="zstd"))
            writer.write_table(table if table.schema == schema else table.cast(schema))
    finally:
        if writer is not None:
            writer.close()
    tmp.replace(path)


def write_tables(data: ReportData, folder: Path | str, fmt: str = "csv") -> dict[str, Any]:
    """Write the contracts, findings and suppliers tables and the side-car manifest into ``folder``."""
    if fmt not in FORMATS:
        msg = f"unknown table format {fmt!r}; use one of {', '.join(FORMATS)}"
        raise UsageError(msg)
    folder = Path(folder)
    if folder.suffix.lower() in (".csv", ".parquet", ".xlsx", ".pdf"):
        msg = (f"{folder}: {fmt} output is a folder of files (contracts, findings, suppliers and {SIDECAR}); "
               f"give a folder name, e.g. --out {folder.with_suffix('')}")
        raise UsageError(msg)
    folder.mkdir(parents=True, exist_ok=True)
    payload = make_payload(data, fmt)
    files = {}
    for name in TABLES:
        path = folder / f"{name}.{fmt}"
        _write(getattr(data, name), path, fmt)
        files[path.name] = _sha256(path)
    payload["files"] = files
    sidecar = folder / SIDECAR
    tmp = sidecar.with_name(f".{sidecar.name}.tmp")
    tmp.write_text(json.dumps(payload, indent=1, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")
    tmp.replace(sidecar)
    return payload


def read_sidecar(path: Path | str) -> tuple[dict[str, Any], Path]:
    """The side-car manifest of an export (given the folder, the manifest or one of its files) and the folder."""
    path = Path(path)
    folder = path if path.is_dir() else path.parent
    sidecar = folder / SIDECAR
    if not sidecar.is_file():
        msg = f"{path}: no {SIDECAR} beside it; verify needs the folder procrisk report wrote"
        raise UsageError(msg)
    return json.loads(sidecar.read_text(encoding="utf-8")), folder


def changed_files(payload: dict[str, Any], folder: Path) -> list[str]:
    """Files of an export that are missing or whose bytes differ from what was written."""
    out = []
    for name, digest in sorted((payload.get("files") or {}).items()):
        path = folder / name
        if not path.is_file():
            out.append(f"file {name} is missing")
        elif _sha256(path) != digest:
            out.append(f"file {name} was changed after procrisk wrote it (sha256 differs)")
    return out
