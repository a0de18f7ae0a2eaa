"""Turn one input file into typed canonical tables, a quarantine and an issues table (read, map, normalise, validate).

Nothing here writes to the workspace: ``procrisk.api.ingest_file`` hands the result to ``procrisk.store``.
Every input row ends up either stored or quarantined with its reasons: rows read = stored + quarantined.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pyarrow as pa

from procrisk.arrays import TextDictionary, constant_text, repeated_text
from procrisk.config import parallel_workers
from procrisk.errors import InputFileError, UsageError
from procrisk.ingest.extras import extras_objects
from procrisk.ingest.mapping import Mapping, propose_mapping
from procrisk.ingest.normalise import Normalised, normalise_column
from procrisk.ingest.normalise.cpv import normalise_classification
from procrisk.ingest.normalise.dates import parse_dates
from procrisk.ingest.normalise.lists import split_names
from procrisk.ingest.normalise.names import name_key
from procrisk.ingest.normalise.problems import describe
from procrisk.ingest.normalise.series import dictionary_text_series, problem_rows, rows_containing
from procrisk.ingest.raw import RawTable
from procrisk.ingest.sniff import detect_format
from procrisk.schema.columns import ISSUE_NAMES, TABLES, Column
from procrisk.schema.issues import IssueLog

if TYPE_CHECKING:
    from procrisk.ingest.ocds import OcdsRead

Progress = Callable[[str, float], None]
_QUARANTINE_COLUMNS = ["source_file", "source_sheet", "source_row", "table", "reasons", "cells"]
# A row with none of these (and no key) describes nothing: it is quarantined, never given a generated key.
_IDENTITY = {"contracts": ("contract_id", "title", "description", "supplier_name", "supplier_id"),
             "suppliers": ("supplier_id", "supplier_name", "registration_ids")}
_ROW = "_row"  # position of the input row in its RawTable; shared by the rows one input row splits into


@dataclass
class Prepared:
    """The typed result of reading one file, before it is stored."""

    source_file: str
    sha256: str
    kind: str
    sheet: str
    tables: dict[str, pd.DataFrame]
    quarantine: pd.DataFrame
    issues: pd.DataFrame
    rows_read: int
    rows_stored: int
    rows_quarantined: int
    mapping: dict[str, Any]
    notes: list[str] = field(default_factory=list)
    confidence: dict[str, float] = field(default_factory=dict)
    # per table, text columns of ``tables`` also as Arrow dictionary arrays (the normalisers' distinct values,
    # constants such as source_file), which the store writes as they are while the columns are unchanged
    arrow: dict[str, dict[str, TextDictionary]] = field(default_factory=dict)

    @property
    def errors(self) -> int:
        """Number of error-severity issues (each quarantined a row)."""
        return int((self.issues["severity"] == "error").sum())

    @property
    def warnings(self) -> int:
        """Number of warning-severity issues (rows kept)."""
        return int((self.issues["severity"] == "warning").sum())


_HASH_CHUNK = 8 << 20  # bytes read and hashed at a time (see file_sha256)


def _files(path: Path) -> list[Path]:
    """The file itself, or every file of a folder in name order (what is hashed and checked for changes)."""
    return sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]


def file_sha256(path: Path) -> str:
    """The SHA-256 of a file (or of every file of a folder, in name order).

    Read in 8 MiB chunks into one buffer: reading and hashing free the GIL, and each chunk takes it back (in a
    background thread beside busy Python work, 1 MiB chunks hashed the 200 MB benchmark file in 0.4-0.6 s
    instead of 0.16 s alone; 8 MiB ones wait for the GIL 8 times less often).
    """
    digest = hashlib.sha256()
    buffer = memoryview(bytearray(_HASH_CHUNK))
    for file in _files(path):
        if path.is_dir():
            digest.update(str(file.relative_to(path)).encode())
        with file.open("rb", buffering=0) as fh:
            while size := fh.readinto(buffer):
                digest.update(buffer[:size])
    return digest.hexdigest()


def _signature(path: Path) -> tuple[Any, ...]:
    """What tells whether a file (or any file of a folder) was changed: sizes, change times and inodes."""
    signature = []
    for file in _files(path):
        try:
            stat = file.stat()
        except OSError:  # removed meanwhile
            signature.append((str(file), None))
            continue
        signature.append((str(file), stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino))
    return tuple(signature)


def _unchanged(path: Path, before: tuple[Any, ...]) -> None:
    """Fail clearly when the file changed since ``before`` was taken: what was read and hashed may not match."""
    if _signature(path) != before:
        msg = (f"{path.name}: the file changed while it was read (is another program still writing it?); "
               "nothing was stored. Ingest it again once it is saved")
        raise InputFileError(msg)


def _in_background(task: Callable[..., Any], *args: Any) -> Future[Any]:
    """Start ``task(*args)`` in a thread of its own (for work that frees the GIL: hashing, Arrow, encoding)."""
    worker = ThreadPoolExecutor(max_workers=1)
    try:
        return worker.submit(task, *args)
    finally:
        worker.shutdown(wait=False)  # the task already submitted still runs to its end


def read_tabular(path: Path, kind: str, *, sheet: str | None = None, header_row: int | None = None) -> RawTable:
    """Read a CSV or XLSX file into a RawTable."""
    if kind == "csv":
        from procrisk.ingest.csv_reader import read_csv
        return read_csv(path, header_row=header_row)
    from procrisk.ingest.excel_reader import read_excel
    return read_excel(path, sheet=sheet, header_row=header_row)


def resolve_mapping(raw: RawTable, *, table: str | None, mapping: Mapping | None, min_confidence: float) -> Mapping:
    """The mapping to use: the given one (checked against the headers) or an automatic suggestion."""
    if mapping is not None:
        if table and table != mapping.table:
            msg = f"the mapping file is for '{mapping.table}' but --table says '{table}'; drop one of them"
            raise UsageError(msg)
        return mapping
    suggested = propose_mapping(raw.headers, table=table, min_confidence=min_confidence)
    suggested.sheet = raw.sheet or None
    suggested.header_row = raw.header_row
    return suggested


def _issue_rows(
    problems: pd.Series, raw_values: pd.Series, *, header: str, table: str, rows: pd.Series, required: bool,
    allowed: tuple[str, ...] = (),
) -> pd.DataFrame:
    """Issues-table rows for the problem codes found in one column."""
    mask = problem_rows(problems)
    if not mask.any():
        return pd.DataFrame(columns=list(ISSUE_NAMES))
    codes = problems[mask].astype(str)
    known = [describe(c, allowed) for c in codes]
    severity = ["error" if required or p.severity == "error" else "warning" for p in known]
    return pd.DataFrame({
        "source_sheet": None,
        "source_row": rows[mask].to_numpy(),
        "column": header,
        "value": raw_values[mask].astype(object).to_numpy(),
        "problem": [p.problem for p in known],
        "fix": [p.fix for p in known],
        "severity": severity,
        "table": table,
        "code": codes.to_numpy(),
    })


@dataclass
class _Typed:
    """One table after normalisation: typed frame plus the issue rows found."""

    frame: pd.DataFrame
    issues: list[pd.DataFrame]
    notes: list[str]
    name_keys: pd.Series | None = None  # supplier name keys, computed beside the supplier names
    # column -> its values in ``frame`` as an Arrow dictionary array (the normaliser's)
    dictionaries: dict[str, TextDictionary] = field(default_factory=dict)


def _normalise_one(canonical: pd.DataFrame, name: str, column: Column, dayfirst: str) -> Normalised | None:
    """Normalise one canonical column (None for a scheme column that the code column sets)."""
    values = canonical[name]
    if name == "classification_code":
        return normalise_classification(values, canonical.get("classification_scheme"))
    if column.kind == "date" and dayfirst != "auto":
        return parse_dates(values, dayfirst=dayfirst == "day")
    if name == "classification_scheme" and "classification_code" in canonical:
        return None  # set together with the codes
    return normalise_column(values, column)


def _normalise(
    canonical: pd.DataFrame, headers: dict[str, str], table: str, source_rows: pd.Series, *, dayfirst: str,
    progress: Progress | None = None,
) -> _Typed:
    """Type every canonical column, collecting issues with the input header each came from.

    Columns are normalised in a small thread pool (the Arrow and numpy work releases the GIL); results are
    taken in column order, so notes, issues and progress come out as they would one column at a time.
    """
    spec = TABLES[table]
    out = pd.DataFrame(index=canonical.index)
    issues: list[pd.DataFrame] = []
    notes: list[str] = []
    columns = [c for c in canonical.columns if c in spec]
    name_keys: pd.Series | None = None
    dictionaries: dict[str, TextDictionary] = {}

    def work(name: str) -> tuple[Normalised, pd.DataFrame, pd.Series | None] | None:
        """Normalise one column and build its issue rows (and, for supplier names, their keys)."""
        column = spec[name]
        result = _normalise_one(canonical, name, column, dayfirst)
        if result is None:
            return None
        found = _issue_rows(result.problems, canonical[name], header=headers.get(name, name), table=table,
                            rows=source_rows, required=column.required, allowed=column.allowed)
        return result, found, name_key(result.values) if name == "supplier_name" else None

    with ThreadPoolExecutor(max_workers=parallel_workers(2)) as pool:
        for i, (name, done) in enumerate(zip(columns, pool.map(work, columns), strict=True)):
            if done is None:
                continue
            result, found, keys = done
            name_keys = keys if keys is not None else name_keys
            targets = {"values": name}
            if name == "classification_code":
                out["classification_scheme"] = result.extra["scheme"]
                out["cpv_division"] = result.extra["cpv_division"]
                targets |= {"scheme": "classification_scheme", "cpv_division": "cpv_division"}
            out[name] = result.values
            outputs = {"values": result.values, **result.extra}
            for key, dictionary in result.dictionaries.items():
                text = TextDictionary.of(outputs[key], dictionary) if key in targets else None
                if text is not None:
                    dictionaries[targets[key]] = text
            for extra_name, extra in result.extra.items():
                if extra_name == "currency_hint":
                    out[f"_{name}_currency_hint"] = extra
            notes.extend(f"{headers.get(name, name)}: {n}" for n in result.notes)
            issues.append(found)
            if progress:
                progress(f"normalising {table}", (i + 1) / max(len(columns), 1))
    return _Typed(out, issues, notes, name_keys, dictionaries)


def _derive(frame: pd.DataFrame, table: str, *, stem: str, source_rows: pd.Series, log: IssueLog,
            notes: list[str], name_keys: pd.Series | None = None) -> pd.DataFrame:
    """Fill derived columns and generate missing keys (each generation is a warning issue).

    ``name_keys`` are the supplier name keys when already computed (beside the normalised names).
    """
    if "supplier_name" in frame:
        frame["supplier_name_key"] = name_key(frame["supplier_name"]) if name_keys is None else name_keys
    hints = [c for c in frame.columns if c.endswith("_currency_hint")]
    if "currency" in TABLES[table] and hints:
        hint = frame[hints[0]]
        for other in hints[1:]:  # the first hint found, left to right (what bfill(axis=1) gives, far faster)
            hint = hint.fillna(frame[other])
        if "currency" not in frame:
            frame["currency"] = pd.Series(pd.NA, index=frame.index, dtype="string")
        fill = frame["currency"].isna() & hint.notna()
        if fill.any():
            frame.loc[fill, "currency"] = hint[fill]
            notes.append(f"currency taken from the amount's symbol or code on {int(fill.sum())} rows")
    frame = frame.drop(columns=hints)
    if table == "contracts":
        if "submission_period_days" not in frame and {"tender_start", "tender_end"} <= set(frame.columns):
            days = (pd.to_datetime(frame["tender_end"]) - pd.to_datetime(frame["tender_start"])).dt.days
            frame["submission_period_days"] = days.astype("Int64")
        if "runner_up_price_gap" not in frame and {"lowest_other_bid_value", "award_value"} <= set(frame.columns):
            award = frame["award_value"].astype("Float64")
            other = frame["lowest_other_bid_value"].astype("Float64")
            gap = (other - award) / award
            frame["runner_up_price_gap"] = gap.where((other >= award) & (award > 0))
    key = TABLES[table].key
    missing = frame[key].isna() if key in frame else pd.Series(True, index=frame.index)
    identity = [c for c in _IDENTITY[table] if c in frame]
    empty = missing & (frame[identity].isna().all(axis=1) if identity else True)
    for row in source_rows[empty]:
        log.add(row=int(row), column=key, value="",
                problem=f"the row has no {', '.join(_IDENTITY[table])}: it describes no "
                        f"{table[:-1]} (a totals, subtotal or note row?)",
                fix="Delete totals and note rows from the data, or fill in what the row is about.",
                severity="error", code=f"{table}.no_identity", table=table)
    missing &= ~empty
    if missing.any():
        if table == "contracts":
            generated = stem + "#" + source_rows[missing].astype(str)
            fix = "Add a contract reference column, or map the one you have to contract_id."
        else:
            names = frame["supplier_name_key"] if "supplier_name_key" in frame else pd.Series(pd.NA, index=frame.index)
            generated = "NAME-" + names[missing].astype("string")
            fix = "Add the supplier's company number or id, or map it to supplier_id."
        if key not in frame:
            frame[key] = pd.Series(pd.NA, index=frame.index, dtype="string")
        frame.loc[missing, key] = generated
        for row, value in zip(source_rows[missing], generated, strict=True):
            if pd.isna(value):
                log.add(row=int(row), column=key, value="", problem=f"no {key} and nothing to derive one from",
                        fix=fix, severity="error", code=f"{key}.missing", table=table)
            else:
                log.add(row=int(row), column=key, value=value, problem=f"no {key}; generated '{value}'",
                        fix=fix, severity="warning", code=f"{key}.generated", table=table)
    return frame


def _stored_dictionaries(typed_frame: pd.DataFrame, stored: pd.DataFrame, typed: _Typed, keep: np.ndarray,
                         constants: dict[str, str]) -> dict[str, TextDictionary]:
    """The stored text columns as dictionary arrays: those still holding the normalisers' values (nothing
    changed them since), for the kept rows, and those set to one text on every row."""
    arrays: dict[str, pa.DictionaryArray] = {}
    mask = None if keep.all() else pa.array(keep)
    for name, text in typed.dictionaries.items():
        if name in typed_frame and text.holds(typed_frame[name]):
            arrays[name] = text.dictionary if mask is None else text.dictionary.filter(mask)
    arrays.update((name, constant_text(text, len(stored))) for name, text in constants.items())
    found = {name: TextDictionary.of(stored[name], arr) for name, arr in arrays.items()}
    return {name: text for name, text in found.items() if text is not None}


def _explode_suppliers(canonical: pd.DataFrame, notes: list[str]) -> pd.DataFrame:
    """One row per supplier when a cell names several ("Acme Ltd; Beta GmbH")."""
    if "supplier_name" not in canonical:
        return canonical
    names = canonical["supplier_name"]
    candidates = rows_containing(names, ";|\n/,")
    if not candidates.any():
        return canonical
    lists = split_names(names[candidates])
    several = lists.map(lambda v: isinstance(v, list) and len(v) > 1)
    if not several.any():
        return canonical
    exploded_part = canonical.loc[several[several].index].copy()
    exploded_part["supplier_name"] = lists[several]
    exploded_part = exploded_part.explode("supplier_name")
    if "supplier_id" in exploded_part:
        exploded_part["supplier_id"] = pd.NA  # one id cannot belong to several names
    notes.append(f"{int(several.sum())} rows name several suppliers in one cell: stored one row per supplier")
    rest = canonical.drop(index=several[several].index)
    return pd.concat([rest, exploded_part]).sort_values(_ROW, kind="stable")


def _extras_task(frame: pd.DataFrame, mapped: dict[str, str], table: str, mapping: Mapping,
                 made: np.ndarray | None = None) -> Future[tuple[pd.Series, pa.DictionaryArray | None]]:
    """The extras of every input row (and their dictionary, if any: see ``extras_objects``), computed in a
    background thread (Arrow work, mostly free of the GIL).

    ``made``: the OCDS extras as JSON text already (the OCDS workers and supplier_table write it), else None.
    """
    if "extras" in frame.columns and table == mapping.table and "extras" not in mapped:  # OCDS: dicts
        from procrisk.ingest.ocds.tables import extras_text

        if made is not None:
            done: Future[tuple[pd.Series, pa.DictionaryArray | None]] = Future()
            done.set_result((pd.Series(made, copy=False), None))  # text and None: the dtype extras_text infers
            return done
        return _in_background(lambda extras: (extras_text(extras), None), frame["extras"])
    return _in_background(extras_objects, frame[[h for h in frame.columns if h not in mapped]])


def _table_from_raw(
    raw: RawTable, table: str, mapping: Mapping, *, log: IssueLog, dayfirst: str, progress: Progress | None,
    ocds_extras: np.ndarray | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame, list[str], dict[str, TextDictionary]]:
    """Map, normalise and validate one RawTable; return (stored rows, quarantined rows, notes, the stored rows'
    text columns that have an Arrow dictionary form, see ``Prepared.arrow``).

    ``ocds_extras``: the OCDS extras as JSON text when the reader has them (``OcdsRead.contract_extras``,
    ``supplier_extras``).
    """
    notes: list[str] = []
    frame = raw.frame.reset_index(drop=True)
    mapped = {h: c for h, c in mapping.mapped.items() if h in frame.columns}
    absent = [h for h in mapping.mapped if h not in frame.columns]
    for header in absent:
        log.add(row=None, column=header, value="", problem="the mapping names this column but the file lacks it",
                fix="Correct the header in the file or remove it from the mapping file.", severity="warning",
                code="mapping.missing_column", table=table)
    canonical = pd.DataFrame({c: frame[h] for h, c in mapped.items()}, index=frame.index)
    extras = _extras_task(frame, mapped, table, mapping, ocds_extras)  # one per input row, built meanwhile
    canonical[_ROW] = np.arange(len(frame))
    if table == "contracts" and raw.table is None:  # OCDS rows are already one per supplier
        canonical = _explode_suppliers(canonical, notes)
    rows = pd.Series(raw.row_numbers[canonical[_ROW].to_numpy()], index=canonical.index)
    headers = {c: h for h, c in mapped.items()}
    typed = _normalise(canonical.drop(columns=[_ROW]), headers, table, rows, dayfirst=dayfirst, progress=progress)
    notes.extend(typed.notes)
    for part in typed.issues:
        if not part.empty:  # (an empty part adds nothing)
            log.extend_frame(part.assign(source_sheet=raw.sheet))
    stem = Path(raw.source_file).stem
    typed_frame = _derive(typed.frame, table, stem=stem, source_rows=rows, log=log, notes=notes,
                          name_keys=typed.name_keys)
    per_input_row, dictionary = extras.result()
    positions = canonical[_ROW].to_numpy()  # rows split from one input row share its extras
    if dictionary is None:
        per_row = per_input_row.take(positions)
        per_row.index = canonical.index
    else:
        dictionary = dictionary.take(pa.array(positions))
        per_row = dictionary_text_series(dictionary, canonical.index)
        text = TextDictionary.of(per_row, dictionary)
        if text is not None:
            typed.dictionaries["extras"] = text
    typed_frame["extras"] = per_row
    constants = {"source": stem} if "source" not in typed_frame or typed_frame["source"].isna().all() else {}
    constants |= {"source_file": raw.source_file, "source_sheet": raw.sheet}
    for name, text in constants.items():
        _set_constant(typed_frame, name, text)
    typed_frame["source_row"] = rows.astype("Int64")
    typed_frame[_ROW] = canonical[_ROW]
    bad_rows = {int(r) for t, r in log.error_rows if t == table and r is not None and not pd.isna(r)}
    if bad_rows:
        is_bad = typed_frame["source_row"].isin(bad_rows).fillna(False).to_numpy()
        # every row an input row split into shares its fate (OCDS: every row of the release)
        bad = typed_frame[_ROW].isin(set(typed_frame.loc[is_bad, _ROW])).to_numpy()
    else:  # no error: no row to look up
        bad = np.zeros(len(typed_frame), dtype=bool)
    quarantine = _quarantine(frame, typed_frame[_ROW].to_numpy()[bad], log, table, raw)
    stored = typed_frame.loc[~bad].drop(columns=[_ROW]).reset_index(drop=True)
    texts = {name: text for name, text in constants.items() if isinstance(text, str)}
    return stored, quarantine, notes, _stored_dictionaries(typed_frame, stored, typed, ~bad, texts)


def _set_constant(frame: pd.DataFrame, name: str, value: str | None) -> None:
    """Set a column to one value on every row, as ``frame[name] = value`` does; a text that pandas would store
    as Arrow text shares one block of copies instead of being copied onto every row (``repeated_text``)."""
    dtype = pd.Series([value]).dtype
    if isinstance(value, str) and isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow":
        frame[name] = repeated_text(value, len(frame), dtype)
    else:
        frame[name] = value


def _quarantine(frame: pd.DataFrame, bad: np.ndarray, log: IssueLog, table: str, raw: RawTable) -> pd.DataFrame:
    """Rejected input rows (one per input row) with their reasons and original cells.

    ``bad`` holds the input row positions (``_ROW``) of the rejected rows, repeated for split rows.
    """
    if not len(bad):
        return pd.DataFrame(columns=_QUARANTINE_COLUMNS)
    positions = sorted(set(bad.tolist()))
    reasons: dict[int, list[str]] = {}
    for issue in log.rows:
        if issue["severity"] == "error" and issue["table"] == table and issue["source_row"] is not None:
            reasons.setdefault(int(issue["source_row"]), []).append(f"{issue['column']}: {issue['problem']}")
    originals = frame.iloc[positions]
    cells = originals.astype(object).where(originals.notna(), None)
    cell_json = cells.to_json(orient="records", lines=True, force_ascii=False, default_handler=str).splitlines()
    source_rows = raw.row_numbers[positions]
    return pd.DataFrame({
        "source_file": raw.source_file,
        "source_sheet": raw.sheet,
        "source_row": source_rows.astype("int64"),
        "table": table,
        "reasons": ["; ".join(dict.fromkeys(reasons.get(int(r), ["rejected"]))) for r in source_rows],
        "cells": cell_json,
    })


def prepare_file(
    path: Path,
    *,
    table: str | None = None,
    sheet: str | None = None,
    mapping: Mapping | None = None,
    dayfirst: str = "auto",
    min_confidence: float = 0.6,
    progress: Progress | None = None,
) -> Prepared:
    """Read, map, normalise and validate one file (CSV, XLSX or OCDS) without storing anything."""
    path = Path(path)
    if not path.exists():
        msg = f"{path}: no such file"
        raise InputFileError(msg)
    before = _signature(path)
    kind = detect_format(path)
    if progress:
        progress("reading", 0.0)
    if kind == "ocds":  # hashed once its worker processes are forked (never beside a hashing thread), or read
        if table or mapping:
            msg = "OCDS files map themselves: drop --table and --mapping for them"
            raise UsageError(msg)
        prepared = _prepare_ocds(path, dayfirst=dayfirst, progress=progress)
        _unchanged(path, before)
        return prepared
    hashing = _in_background(file_sha256, path)
    raw = read_tabular(path, kind, sheet=sheet or (mapping.sheet if mapping else None),
                       header_row=mapping.header_row if mapping else None)
    raw.source_file = path.name
    sha = hashing.result()
    _unchanged(path, before)
    if progress:
        progress("reading", 1.0)
    chosen = resolve_mapping(raw, table=table, mapping=mapping, min_confidence=min_confidence)
    log = IssueLog(source_file=raw.source_file, source_sheet=raw.sheet)
    stored, quarantine, notes, arrow = _table_from_raw(raw, chosen.table, chosen, log=log, dayfirst=dayfirst,
                                                       progress=progress)
    unmapped = [h for h, c in chosen.columns.items() if c is None]
    if unmapped:
        notes.append(f"kept as extras (no canonical column): {', '.join(unmapped)}")
    return Prepared(
        source_file=raw.source_file, sha256=sha, kind=kind, sheet=raw.sheet, tables={chosen.table: stored},
        quarantine=quarantine, issues=log.frame(), rows_read=len(raw),
        rows_stored=len(raw) - len(quarantine), rows_quarantined=len(quarantine),
        mapping=chosen.as_record(), notes=[*raw.notes, *notes], confidence=chosen.confidence,
        arrow={chosen.table: arrow},
    )


def _prepare_ocds(path: Path, *, dayfirst: str, progress: Progress | None) -> Prepared:
    """Flatten an OCDS file and pass both tables through the same normalisation and validation."""
    from procrisk.ingest.ocds import frozen_for_collector, read_ocds

    started: list[Future[str]] = []
    # hashed beside the read once its worker processes are forked (this process mostly waits for them), else
    # once read, on the other core while the tables are typed
    result = read_ocds(path, forked=lambda: started.append(_in_background(file_sha256, path)))
    hashing = started[0] if started else _in_background(file_sha256, path)
    with frozen_for_collector():  # the read's cells are scanned by no collection while its tables are typed
        return _prepare_ocds_tables(path, hashing, result, dayfirst=dayfirst, progress=progress)


def _prepare_ocds_tables(path: Path, hashing: Future[str], result: OcdsRead, *, dayfirst: str,
                         progress: Progress | None) -> Prepared:
    """Pass both tables of an OCDS read through the same normalisation and validation."""
    from procrisk.ingest.ocds.tables import text_as_arrow

    log = result.issues
    tables: dict[str, pd.DataFrame] = {}
    arrows: dict[str, dict[str, TextDictionary]] = {}
    quarantines = []
    notes = list(result.notes)
    rows_read = 0
    for raw, made in ((result.contracts, result.contract_extras), (result.suppliers, result.supplier_extras)):
        if raw is None or len(raw) == 0:
            continue
        raw = replace(raw, frame=text_as_arrow(raw.frame))  # noqa: PLW2901 - text columns as Arrow strings
        identity = Mapping(table=raw.table or "contracts",
                           columns={h: h for h in raw.headers if h in TABLES[raw.table or "contracts"]})
        stored, quarantine, table_notes, arrows[identity.table] = _table_from_raw(
            raw, identity.table, identity, log=log, dayfirst=dayfirst, progress=progress, ocds_extras=made)
        tables[identity.table] = stored
        quarantines.append(quarantine)
        notes.extend(table_notes)
        rows_read += len(raw)
    quarantine = pd.concat(quarantines, ignore_index=True) if quarantines else pd.DataFrame(
        columns=_QUARANTINE_COLUMNS)
    stored_rows = rows_read - len(quarantine)
    return Prepared(
        source_file=path.name, sha256=hashing.result(), kind="ocds", sheet="", tables=tables, quarantine=quarantine,
        issues=log.frame(), rows_read=rows_read, rows_stored=stored_rows, rows_quarantined=len(quarantine),
        mapping={"table": "ocds", "origin": "OCDS flattening (award x supplier)"}, notes=notes, arrow=arrows,
    )
