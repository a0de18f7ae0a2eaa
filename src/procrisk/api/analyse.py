"""Analyse: enrich, evaluate the catalogue, score, and store the run (the API behind procrisk score)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from procrisk.api.ingest import open_workspace
from procrisk.config import Config, load_config
from procrisk.errors import WorkspaceError
from procrisk.ingest.pipeline import Progress
from procrisk.reference.enrich import CONTRACT_COLUMNS as REFERENCE_OUT
from procrisk.reference.enrich import enrich_contracts, enrich_suppliers
from procrisk.reference.versions import reference_versions
from procrisk.rules import (
    Catalogue,
    FrameSource,
    Outcomes,
    ParquetSource,
    PreparedSource,
    evaluate_table,
    load_catalogue,
    load_settings,
)
from procrisk.rules.engine import CONTRACT_CARRY, SUPPLIER_CARRY
from procrisk.rules.settings import Settings, parse_settings
from procrisk.schema.arrow import table_schema
from procrisk.schema.columns import CONTRACTS, ML_CONTRACTS
from procrisk.scoring import score_contracts, score_outcomes, score_suppliers
from procrisk.scoring.exposure import exposure_rank, exposure_values
from procrisk.scoring.summaries import tables as summary_tables
from procrisk.store import Workspace
from procrisk.version import __version__

ML_OUT = tuple(c.name for c in ML_CONTRACTS)
BAND_ORDER = {"critical": 0, "high": 1, "medium": 2, "low": 3}
# Columns the estimators read (procrisk.ml) and the reference enrichment reads (procrisk.reference.enrich).
ML_INPUTS = ("contract_id", "supplier_id", "supplier_name", "supplier_name_key", "title", "description", "category",
             "classification_scheme", "classification_code", "cpv_division", "buyer_country", "supplier_country",
             "delivery_country", "origin_country", "award_date", "award_value", "estimated_value", "currency",
             "source", "contract_type")
# Contract columns kept beside the scores in every run (what the dashboard and reports show).
CONTEXT = ("contract_id", "ocid", "supplier_id", "supplier_name", "buyer_name", "title", "supplier_country",
           "origin_country", "delivery_country", "cpv_division", "classification_code", "award_date", "award_value",
           "estimated_value", "currency", "procurement_method", "number_of_tenderers", "source", "source_file",
           "source_row", "batch_id")
KEPT_DERIVED = (*REFERENCE_OUT, *ML_OUT)


@dataclass
class Results:
    """One scoring run: its manifest, the catalogue it used, scores and outcome matrices."""

    run_id: str
    manifest: dict[str, Any]
    catalogue: Catalogue
    contracts: pd.DataFrame
    outcomes: pd.DataFrame
    suppliers: pd.DataFrame
    supplier_outcomes: pd.DataFrame


def _as_of(ws: Workspace, catalogue: Catalogue, as_of: str | dt.date | None) -> dt.date:
    """The run's reference date: explicit, else the settings', else the date of the newest live batch.

    Defaulting to the data's own date (not today) keeps runs reproducible: the same workspace, rules and settings
    give the same outcomes on any later day.
    """
    if as_of is not None:
        return as_of if isinstance(as_of, dt.date) else dt.date.fromisoformat(str(as_of))
    configured = getattr(catalogue.settings, "as_of", None)
    if configured:
        return configured if isinstance(configured, dt.date) else dt.date.fromisoformat(str(configured))
    newest = max(b["created_at"] for b in ws.batches())
    return dt.date.fromisoformat(newest[:10])


def _content_id(parts: dict[str, Any]) -> str:
    """A digest of everything that decides a run's content (inputs, rules, settings, reference data, version)."""
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()


def _fired(values: np.ndarray, codes: list[str], weights: dict[str, float]) -> pd.Series:
    """Per row, the flagged rule codes, heaviest first (lists; rows flagging the same rules share one list).

    The rows' flag patterns are packed to bytes and made distinct; one list is built per distinct pattern
    (usually far fewer than rows), not one per row.
    """
    order = np.array(sorted(range(len(codes)), key=lambda j: (-weights.get(codes[j], 0), codes[j])), dtype=np.int64)
    n = values.shape[0]
    if not len(order):
        return pd.Series([[] for _ in range(n)], dtype=object)
    packed = np.ascontiguousarray(np.packbits(values[:, order] == 1, axis=1))
    keys = packed.view(np.dtype((np.void, packed.shape[1]))).reshape(-1)  # one byte string per row
    patterns, inverse = np.unique(keys, return_inverse=True)
    ranked = np.array(codes, dtype=object)[order]
    flags = np.unpackbits(patterns.view(np.uint8).reshape(len(patterns), packed.shape[1]), axis=1,
                          count=len(order)).astype(bool)
    lists = np.empty(len(patterns), dtype=object)
    for k in range(len(patterns)):
        lists[k] = ranked[flags[k]].tolist()
    return pd.Series(lists[inverse.reshape(-1)], dtype=object)


def _contracts_source(ws: Workspace) -> ParquetSource | FrameSource:
    """The live contract rows as a batch source (an empty frame when nothing was ingested)."""
    files = ws.table_files("contracts")
    if files:
        return ParquetSource(files)
    return FrameSource(table_schema("contracts").empty_table().to_pandas())


def analyse(
    workspace: Path | str | None = None, *, settings: Path | str | None = None, rules: Path | str | None = None,
    config: Config | None = None, progress: Progress | None = None, as_of: str | dt.date | None = None,
    store: bool = True,
) -> Results:
    """Score every contract and supplier in the workspace against the catalogue and store the run.

    ``store=False`` computes the same run without writing it (``procrisk verify`` recomputes this way).
    """
    config = config or load_config()
    ws = open_workspace(workspace, config=config)
    if not ws.exists or not ws.batches():
        msg = f"nothing to score in {ws.path}: ingest a register, questionnaire or OCDS file first"
        raise WorkspaceError(msg)
    settings_obj = load_settings(Path(settings)) if settings else None
    catalogue = load_catalogue([Path(rules)] if rules else None, settings=settings_obj)
    run_as_of = _as_of(ws, catalogue, as_of)

    def step(stage: str, fraction: float) -> None:
        if progress:
            progress(stage, fraction)

    step("enriching", 0.0)
    base = _contracts_source(ws)
    needed = list(dict.fromkeys([*ML_INPUTS, *CONTEXT]))
    context = base.read([c for c in needed if c in base.column_names])
    for name in needed:
        if name not in context:
            context[name] = pd.Series(pd.NA, index=context.index, dtype=object)
    suppliers = ws.read_table("suppliers")
    from procrisk.ml import enrich_with_models  # scikit-learn and scipy load only when a run needs them

    context, suppliers, ml_meta = enrich_with_models(context, suppliers, overrides_path=_overrides(ws))
    context = enrich_contracts(context).set_axis(pd.RangeIndex(len(context)), axis=0)
    derived = context[[c for c in (*REFERENCE_OUT, *ML_OUT) if c in context.columns]]
    step("enriching", 1.0)

    def prepare(batch: pd.DataFrame) -> pd.DataFrame:
        part = derived.iloc[batch.index[0]:batch.index[0] + len(batch)] if len(batch) else derived.iloc[:0]
        part = part.set_axis(batch.index, axis=0)
        return pd.concat([batch.drop(columns=[c for c in part.columns if c in batch.columns]), part], axis=1)

    source = PreparedSource(base, prepare, outputs=tuple(derived.columns))
    if "supplier_key" not in suppliers:
        suppliers = suppliers.assign(supplier_key=pd.Series(pd.NA, index=suppliers.index, dtype="string"))
    step("scoring suppliers", 0.0)
    supplier_frame = enrich_suppliers(suppliers)
    supplier_outcomes = evaluate_table(catalogue, supplier_frame, scope="supplier", as_of=run_as_of,
                                       carry=(*SUPPLIER_CARRY, "supplier_key"))
    step("scoring contracts", 0.0)
    contract_outcomes = evaluate_table(catalogue, source, scope="contract", suppliers=supplier_outcomes,
                                       as_of=run_as_of, carry=(*CONTRACT_CARRY, "supplier_key"))
    step("scoring contracts", 1.0)
    scores = score_contracts(catalogue, contract_outcomes)
    supplier_scores = score_suppliers(catalogue, scores, supplier_outcomes)
    weights = {r.code: r.weight for r in catalogue.rules}
    contracts = _contract_table(context, scores, contract_outcomes, weights)
    batches = [{k: b[k] for k in ("batch_id", "source_file", "source_sha256", "source_kind", "rows_read",
                                  "rows_stored", "rows_quarantined")} for b in ws.batches()]
    references = reference_versions()
    decided_by = {
        "batches": [(b["batch_id"], b["source_sha256"]) for b in batches],
        "catalogue": catalogue.hash, "settings": catalogue.settings.as_dict(), "as_of": run_as_of.isoformat(),
        "reference": {k: v.get("sha256") for k, v in references.items()}, "procrisk": __version__,
    }
    record = {
        "content_id": _content_id(decided_by),
        "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "as_of": run_as_of.isoformat(),
        "procrisk_version": __version__,
        "batches": batches,
        "catalogue": catalogue.manifest(),
        "rules_dirs": [str(p) for p in ([Path(rules)] if rules else [])],
        "reference": references,
        "ml": ml_meta,
        "contracts": contract_outcomes.manifest(),
        "suppliers": supplier_outcomes.manifest(),
        "rows": {"contracts": len(contracts), "suppliers": len(supplier_scores)},
    }
    step("writing", 0.0)
    tables = {
        "contract_scores": _arrow(contracts),
        "contract_outcomes": pa.Table.from_pandas(contract_outcomes.matrix, preserve_index=False),
        "supplier_scores": _arrow(supplier_scores),
        "supplier_outcomes": _supplier_outcome_table(supplier_outcomes),
    }
    if store:
        record = ws.commit_run(record, {**tables, **summary_tables(tables, catalogue)})
    else:
        record = {**record, "run_id": f"unsaved-{record['content_id'][:10]}"}
    # the record as it reads back from run.json (sorted keys, plain types), so a fresh and a stored run compare equal
    record = json.loads(json.dumps(record, sort_keys=True, default=str))
    step("writing", 1.0)
    return Results(record["run_id"], record, catalogue, contracts, contract_outcomes.matrix, supplier_scores,
                   _supplier_outcome_table(supplier_outcomes).to_pandas())


def _overrides(ws: Workspace) -> Path | None:
    """The workspace's supplier-match overrides file, when the user keeps one there."""
    path = ws.path / "supplier-overrides.yaml"
    return path if path.is_file() else None


def _contract_table(context: pd.DataFrame, scores: pd.DataFrame, outcomes: Outcomes,
                    weights: dict[str, float]) -> pd.DataFrame:
    """Scores beside the contract context and the derived columns people filter on."""
    keep = [c for c in (*CONTEXT, *KEPT_DERIVED) if c in context.columns and c not in scores.columns]
    table = pd.concat([context[keep].reset_index(drop=True), scores.reset_index(drop=True)], axis=1)
    table["fired"] = _fired(outcomes.values, list(outcomes.codes), weights)
    table["risk_rank"] = risk_rank(table["band"], table["score"], table["contract_id"])
    return table


def risk_rank(band: pd.Series, score: pd.Series, contract_id: pd.Series) -> np.ndarray:
    """1 = riskiest: hard-flagged (critical) contracts first, then by band, then by score; ties by contract id."""
    severity = band.astype("string").map(BAND_ORDER).fillna(len(BAND_ORDER)).astype(int)
    order = np.lexsort((contract_id.astype("string").fillna("").to_numpy(),
                        -score.to_numpy(dtype=float, na_value=0.0), severity.to_numpy()))
    rank = np.empty(len(band), dtype=np.int64)
    rank[order] = np.arange(1, len(band) + 1)
    return rank


def what_if(results: Results, settings: Settings) -> pd.DataFrame:
    """Re-score a stored run under other weights, enabled rules, bands or composite weights (no re-evaluation).

    Returns one row per contract row of ``results.contracts`` (same order): contract_id, score, band,
    hard_flag, sub-scores, coverage, exposure, exposure_rank and risk_rank. Rule parameters (thresholds) change
    outcomes, not weights: they need a new run (``analyse(settings=...)``).
    """
    dirs = [Path(p) for p in results.manifest.get("rules_dirs", [])] or None
    catalogue = load_catalogue(dirs).with_settings(settings)
    codes = [c for c in results.outcomes.columns if c in catalogue.codes]
    values = np.ascontiguousarray(results.outcomes[codes].to_numpy(dtype=np.int8))
    frame = score_outcomes(values, [catalogue.get(c) for c in codes], codes, settings)
    contracts = results.contracts
    exposure, _ = exposure_values(frame["score"].to_numpy(), contracts.get("award_value"),
                                  contracts.get("estimated_value"))
    frame.insert(0, "contract_id", contracts["contract_id"].to_numpy())
    frame["exposure"] = exposure
    frame["exposure_rank"] = exposure_rank(exposure, frame["score"].to_numpy())
    frame["risk_rank"] = risk_rank(frame["band"], frame["score"], frame["contract_id"])
    return frame


def _arrow(frame: pd.DataFrame) -> pa.Table:
    """A score table as Arrow, with categoricals and object columns made plain and storable."""
    out = frame.copy()
    for name in out.columns:
        series = out[name]
        if isinstance(series.dtype, pd.CategoricalDtype):
            out[name] = series.astype("string")
        elif series.dtype == object and name not in ("fired", "hard_flags", "ilab_goods", "variants", "ids",
                                                     "sources"):
            out[name] = series.map(lambda v: None if v is None or v is pd.NA else v)
    return pa.Table.from_pandas(out, preserve_index=False)


def _supplier_outcome_table(outcomes: Outcomes) -> pa.Table:
    """The supplier outcome matrix with the supplier ids it belongs to."""
    keys = outcomes.keys.reset_index(drop=True)
    frame = pd.concat([keys[[c for c in ("supplier_id", "supplier_name") if c in keys.columns]],
                       outcomes.matrix], axis=1)
    return pa.Table.from_pandas(frame, preserve_index=False)


def _settings_data(recorded: dict[str, Any]) -> dict[str, Any]:
    """The recorded settings as a settings file would say them (provenance keys and unset values dropped)."""
    def clean(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: clean(v) for k, v in value.items() if v is not None and v != {}}
        return value
    data = clean({k: v for k, v in recorded.items() if k not in ("source", "sha256")})
    data["rules"] = {code: clean(o) for code, o in recorded.get("rules", {}).items()}
    return data


def run_catalogue(record: dict[str, Any]) -> Catalogue:
    """The catalogue a stored run used: its rule files with the settings it recorded."""
    settings = parse_settings(_settings_data(record["catalogue"]["settings"]), name=f"run {record['run_id']}")
    dirs = [Path(p) for p in record.get("rules_dirs", [])] or None
    return load_catalogue(dirs, settings=settings)


def load_results(workspace: Path | str | None = None, run_id: str | None = None, *,
                 config: Config | None = None) -> Results:
    """A stored run (the latest by default), read back from the workspace without recomputing anything."""
    ws = open_workspace(workspace, config=config)
    record = ws.run_record(run_id)
    rid = record["run_id"]
    catalogue = run_catalogue(record)
    return Results(
        rid, record, catalogue, ws.run_table(rid, "contract_scores"), ws.run_table(rid, "contract_outcomes"),
        ws.run_table(rid, "supplier_scores"), ws.run_table(rid, "supplier_outcomes"),
    )


CONTRACT_COLUMNS = CONTRACTS.names  # re-exported for views that list canonical columns
