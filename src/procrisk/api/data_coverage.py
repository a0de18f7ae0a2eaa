"""Coverage and missing fields from a scoring run: outcomes as the run stored them, missing cells read in batches.

Nothing is evaluated or enriched again when the latest stored run is current (same live batches, same rule
files, no other settings asked for): the outcome matrices come from the run, the missing cells of the columns the
rules read from the run's batches (canonical columns) and from its contract table (the derived columns it
computed), one row batch at a time. Otherwise a run is computed without storing it (``analyse(store=False)``).
Memory: the outcome matrix of one scope, a bit-sized mask per column the rules read, and one row batch.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from procrisk.api.analyse import KEPT_DERIVED, Results, analyse, run_catalogue
from procrisk.api.ingest import open_workspace
from procrisk.config import Config
from procrisk.errors import WorkspaceError
from procrisk.reference.enrich import enrich_suppliers
from procrisk.rules import Catalogue, load_catalogue
from procrisk.rules import values as v
from procrisk.rules.coverage import ScopeData, coverage_table, gaps_table
from procrisk.rules.engine import BatchCache, prepare_frame
from procrisk.schema.arrow import table_schema
from procrisk.store import Workspace

# fills the missing-cell masks of some derived columns, returns the rows it saw
FillDerived = Callable[[dict[str, np.ndarray], list[str]], int]


def coverage(workspace: Path | str | None = None, *, settings: Path | str | None = None,
             config: Config | None = None, run_id: str | None = None) -> pd.DataFrame:
    """Per rule: how much of the data it can assess, and the fields that block it (``procrisk coverage``).

    Reads the stored run ``run_id`` (default: the latest, when it is current); ``settings`` asks for other
    settings than the run's, which computes an unsaved run.
    """
    return coverage_table(_scopes(workspace, settings, config, run_id))


def missing_fields(workspace: Path | str | None = None, *, config: Config | None = None,
                   run_id: str | None = None) -> pd.DataFrame:
    """Which missing fields would unlock the most rule weight if the data had them (from the run, as coverage)."""
    return gaps_table(_scopes(workspace, None, config, run_id))


def _scopes(workspace: Path | str | None, settings: Path | str | None, config: Config | None,
            run_id: str | None) -> dict[str, ScopeData]:
    """The contract and supplier scopes of the stored run, or of a run computed now when none is current."""
    ws = open_workspace(workspace, config=config)
    if not ws.exists or not ws.batches():
        msg = f"nothing in {ws.path} yet: ingest a file first"
        raise WorkspaceError(msg)
    record = _stored_run(ws, run_id) if settings is None else None
    if record is not None:
        scopes = _from_stored(ws, record)
        if scopes is not None:
            return scopes
    results = analyse(ws.path, settings=settings, config=config, store=False)
    return _from_results(ws, results)


def _stored_run(ws: Workspace, run_id: str | None) -> dict[str, Any] | None:
    """The record of the run to read: ``run_id``, else the latest when it scored the live batches with the
    current rule files; None when there is none."""
    runs = ws.manifest()["runs"]
    if run_id is not None:
        return ws.run_record(run_id)
    if not runs:
        return None
    record = ws.run_record(runs[-1]["run_id"])
    live = [b["batch_id"] for b in ws.batches()]
    scored = [b["batch_id"] for b in record.get("batches", [])]
    dirs = [Path(p) for p in record.get("rules_dirs", [])] or None
    same_rules = (record.get("catalogue") or {}).get("catalogue_hash") == load_catalogue(dirs).hash
    return record if live == scored and same_rules else None


def _from_stored(ws: Workspace, record: dict[str, Any]) -> dict[str, ScopeData] | None:
    """Both scopes from a stored run's tables; None when the workspace no longer holds the run's rows."""
    rid = record["run_id"]
    catalogue = run_catalogue(record)
    batch_ids = [b["batch_id"] for b in record.get("batches", [])]
    own = [r for r in catalogue.rules if r.scope == "contract"]
    values = _outcome_matrix(ws.run_table_batches(rid, "contract_outcomes", [r.code for r in own]),
                             int(record["contracts"]["rows"]), len(own))
    if values is None:
        return None
    stored = set(ws.run_table_columns(rid, "contract_scores"))

    def derived(nulls: dict[str, np.ndarray], columns: list[str]) -> int:
        return _fill_nulls(nulls, ws.run_table_batches(rid, "contract_scores", columns), len(values))

    contracts = _contract_scope(ws, own, values, batch_ids, stored & set(KEPT_DERIVED), derived)
    suppliers = _supplier_scope(ws, catalogue, ws.run_table(rid, "supplier_outcomes"), batch_ids)
    if contracts is None or suppliers is None:
        return None
    return {"contract": contracts, "supplier": suppliers}


def _outcome_matrix(batches: Iterable[pa.RecordBatch], n: int, width: int) -> np.ndarray | None:
    """The stored outcome matrix (int8, one column per rule) filled a row batch at a time; None when the
    table does not have the rows the run recorded."""
    values = np.empty((n, width), dtype=np.int8, order="F")
    pos = 0
    for batch in batches:
        m = batch.num_rows
        if pos + m > n or batch.num_columns != width:
            return None
        for j, column in enumerate(batch.columns):
            values[pos:pos + m, j] = column.to_numpy(zero_copy_only=False)
        pos += m
    return values if pos == n else None


def _from_results(ws: Workspace, results: Results) -> dict[str, ScopeData]:
    """Both scopes from a run computed in memory."""
    catalogue = results.catalogue
    batch_ids = [b["batch_id"] for b in results.manifest.get("batches", [])]
    own = [r for r in catalogue.rules if r.scope == "contract"]
    values = results.outcomes[[r.code for r in own]].to_numpy(dtype=np.int8)
    frame = results.contracts

    def derived(nulls: dict[str, np.ndarray], columns: list[str]) -> int:
        for name in columns:
            nulls[name][:] = v.null_mask(frame[name])
        return len(frame)

    contracts = _contract_scope(ws, own, values, batch_ids, set(frame.columns) & set(KEPT_DERIVED), derived)
    suppliers = _supplier_scope(ws, catalogue, results.supplier_outcomes, batch_ids)
    if contracts is None or suppliers is None:
        msg = f"the workspace {ws.path} changed while coverage was computed; try again"
        raise WorkspaceError(msg)
    return {"contract": contracts, "supplier": suppliers}


def _contract_scope(ws: Workspace, rules: list, values: np.ndarray, batch_ids: list[str], derived_names: set[str],
                    derived: FillDerived) -> ScopeData | None:
    """The contract scope: outcomes, and the missing cells of the columns the rules read (derived columns from
    the run, the others from the run's batches)."""
    n = values.shape[0]
    fields = list(dict.fromkeys(c for r in rules for c in r.columns))
    canonical = set(table_schema("contracts").names)
    from_run = [c for c in fields if c in derived_names]
    from_tables = [c for c in fields if c not in derived_names and c in canonical]
    nulls = {c: np.ones(n, dtype=bool) for c in fields}  # a column the data lacks is missing everywhere
    if _fill_nulls(nulls, ws.table_batches("contracts", from_tables, batch_ids), n) != n:
        return None
    if from_run and derived(nulls, from_run) != n:
        return None
    present = frozenset(canonical | derived_names)
    return ScopeData(tuple(rules), values, n, present, nulls)


def _fill_nulls(nulls: dict[str, np.ndarray], batches: Iterable[pa.RecordBatch], n: int) -> int:
    """Write where each column of the batches is missing (null or NaN) into ``nulls``; returns the rows seen."""
    pos = 0
    for batch in batches:
        m = batch.num_rows
        if pos + m > n:
            return pos + m
        for name in batch.schema.names:
            missing = pc.is_null(batch.column(name), nan_is_null=True)
            nulls[name][pos:pos + m] = missing.to_numpy(zero_copy_only=False)
        pos += m
    return pos


def _supplier_scope(ws: Workspace, catalogue: Catalogue, outcomes: pd.DataFrame,
                    batch_ids: list[str]) -> ScopeData | None:
    """The supplier scope: the run's supplier outcomes and the suppliers table (small) as the rules read it."""
    rules = [r for r in catalogue.rules if r.scope == "supplier"]
    table = ws.read_table("suppliers", batch_ids=batch_ids)
    if len(table) != len(outcomes):
        return None
    if "supplier_key" not in table:
        table = table.assign(supplier_key=pd.Series(pd.NA, index=table.index, dtype="string"))
    frame = enrich_suppliers(table)
    fields = list(dict.fromkeys(c for r in rules for c in r.columns))
    cache = BatchCache(prepare_frame(frame, fields))
    values = outcomes[[r.code for r in rules]].to_numpy(dtype=np.int8) if rules else np.empty((len(frame), 0))
    return ScopeData(tuple(rules), values, len(frame), frozenset(map(str, frame.columns)),
                     {c: cache.null(c) for c in fields})

