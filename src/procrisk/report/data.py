"""ReportData: everything one report shows, built once from a scoring run and filters; every writer renders it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from procrisk.api import Results
from procrisk.report.filters import BANDS, Filters
from procrisk.report.findings import Sources, build_findings, rule_order
from procrisk.report.inputs import Inputs, inputs_from_results
from procrisk.report.tables import (
    band_table,
    contract_keys,
    data_quality,
    not_assessed,
    rules_table,
    source_table,
    summary_rows,
    top_rules,
)

CONTRACT_COLUMNS = ("exposure_rank", "key", "contract_id", "title", "buyer_name", "supplier_name", "supplier_country",
                    "origin_country", "cpv_division", "procurement_method", "award_date", "award_value", "currency",
                    "score", "band", "hard_flags", "inherent", "control_gaps", "process", "coverage", "flagged",
                    "not_assessed", "exposure", "top_reasons", "source_file", "source_row")
SUPPLIER_COLUMNS = ("exposure_rank", "supplier_id", "supplier_name", "has_questionnaire", "contracts", "spend",
                    "currency", "score", "band", "hard_flag", "contract_score_mean", "contract_score_max",
                    "worst_band", "own_score", "own_coverage", "own_flags", "exposure")
TOP_REASONS = 3
DEFAULT_TITLE = "procrisk evidence report: labour-trafficking risk in public contracts"


@dataclass
class ReportData:
    """One report's content: scope, run manifest, KPIs and every table, in a fixed order."""

    title: str
    run_id: str
    created_at: str
    as_of: str
    filters: Filters
    manifest: dict[str, Any]
    summary: list[tuple[str, Any]]
    bands: pd.DataFrame
    top_rules: pd.DataFrame
    contracts: pd.DataFrame
    findings: pd.DataFrame
    suppliers: pd.DataFrame
    not_assessed: pd.DataFrame
    field_gaps: pd.DataFrame
    rules: pd.DataFrame
    sources: pd.DataFrame
    issues: pd.DataFrame
    notes: list[str] = field(default_factory=list)
    total_contracts: int = 0

    @property
    def jurisdiction(self) -> str:
        """The jurisdiction named in the run's settings ("" when none)."""
        return str(self.settings.get("jurisdiction") or "")

    @property
    def settings(self) -> dict[str, Any]:
        """The run's settings as recorded."""
        return dict((self.manifest.get("catalogue") or {}).get("settings") or {})


def _as_list(value: Any) -> list[str]:
    """A stored list cell (list, tuple, array or missing) as a list of text."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return []
    if isinstance(value, str):
        return [x for x in value.split(";") if x]
    return [str(x) for x in value]


def _reasons(fired: pd.Series, titles: dict[str, str]) -> np.ndarray:
    """Per contract, its heaviest flagged rules as ``CODE title; ...`` (at most TOP_REASONS)."""
    cache: dict[tuple[str, ...], str] = {}
    out = np.empty(len(fired), dtype=object)
    for i, value in enumerate(fired.to_numpy(dtype=object)):
        codes = tuple(_as_list(value)[:TOP_REASONS])
        text = cache.get(codes)
        if text is None:
            text = cache[codes] = "; ".join(f"{c} {titles.get(c, '')}".strip() for c in codes)
        out[i] = text
    return out


def supplier_labels(results: Results) -> pd.Series:
    """Each contract's supplier as Results.suppliers names it: its questionnaire row, its id, else name:<key>."""
    contracts = results.contracts
    n = len(contracts)
    label = pd.Series([None] * n, dtype=object, index=contracts.index)
    rows = contracts["supplier_row"].to_numpy(dtype=np.int64, na_value=-1) if "supplier_row" in contracts \
        else np.full(n, -1)
    outcome_ids = results.supplier_outcomes.get("supplier_id")
    if outcome_ids is not None and len(outcome_ids):
        ids = outcome_ids.astype("string").to_numpy(dtype=object, na_value=None)
        linked = rows >= 0
        label[linked] = ids[rows[linked]]
    if "supplier_id" in contracts:
        own = contracts["supplier_id"].astype("string")
        label = label.where(label.notna(), own.astype(object).where(own.notna(), None))
    if "supplier_name_key" in contracts:
        key = "name:" + contracts["supplier_name_key"].astype("string")
        label = label.where(label.notna(), key.astype(object).where(key.notna(), None))
    return label


def _supplier_flags(results: Results, codes: list[str]) -> dict[str, str]:
    """``{supplier_id: "CODE; CODE"}`` of the supplier-scope rules each questionnaire supplier is flagged for."""
    table = results.supplier_outcomes
    present = [c for c in codes if c in table.columns]
    if "supplier_id" not in table.columns or not present:
        return {}
    values = table[present].to_numpy() == 1
    out: dict[str, str] = {}
    ids = table["supplier_id"].astype("string").to_numpy(dtype=object, na_value=None)
    for i in np.flatnonzero(values.any(axis=1)):
        if ids[i] is not None and ids[i] not in out:
            out[ids[i]] = "; ".join(c for c, hit in zip(present, values[i], strict=True) if hit)
    return out


def _select(frame: pd.DataFrame, columns: tuple[str, ...]) -> pd.DataFrame:
    """The named columns in order (absent ones as missing)."""
    return pd.DataFrame({c: frame[c] if c in frame.columns else pd.Series([None] * len(frame), dtype=object,
                                                                          index=frame.index) for c in columns})


def _contracts(results: Results, keep: np.ndarray, keys: pd.Series) -> pd.DataFrame:
    """The contracts in scope with their report columns, highest exposure first."""
    scoped = results.contracts.iloc[np.flatnonzero(keep)]
    titles = {r.code: r.title for r in results.catalogue.rules}
    frame = scoped.assign(key=keys.iloc[np.flatnonzero(keep)].to_numpy(),
                          top_reasons=_reasons(scoped.get("fired", pd.Series([[]] * len(scoped))), titles))
    if "hard_flags" in frame:
        frame["hard_flags"] = frame["hard_flags"].astype("string").fillna("")
    if "award_date" in frame:
        frame["award_date"] = pd.to_datetime(frame["award_date"], errors="coerce")
    out = _select(frame, CONTRACT_COLUMNS)
    out["band"] = pd.Categorical(out["band"].astype("string"), categories=list(BANDS), ordered=True)
    return out.sort_values("exposure_rank", kind="stable")


def _suppliers(results: Results, filters: Filters, linked: set[str], codes: list[str]) -> pd.DataFrame:
    """The suppliers in scope, highest exposure first, with the supplier-scope rules their own answers flag."""
    table = results.suppliers
    scoped = table[filters.supplier_mask(table, linked)]
    flags = _supplier_flags(results, codes)
    own = scoped["supplier_id"].astype("string").map(lambda s: flags.get(s, "") if isinstance(s, str) else "")
    out = _select(scoped.assign(own_flags=own), SUPPLIER_COLUMNS)
    for name in ("band", "worst_band"):
        out[name] = pd.Categorical(out[name].astype("string"), categories=list(BANDS), ordered=True)
    return out.sort_values(["exposure_rank", "supplier_id"], kind="stable").reset_index(drop=True)


def _thresholds(manifest: dict[str, Any]) -> dict[str, Any]:
    """The dataset-relative thresholds of the run, contract and supplier rules together."""
    out: dict[str, Any] = {}
    for scope in ("suppliers", "contracts"):
        out.update((manifest.get(scope) or {}).get("thresholds") or {})
    return out


def _run_codes(results: Results) -> set[str]:
    """The rule codes the run evaluated (its manifest's versions, else its outcome columns)."""
    versions = (results.manifest.get("catalogue") or {}).get("versions")
    return set(versions) if versions else set(results.outcomes.columns)


def _as_of(manifest: dict[str, Any]) -> date | None:
    """The run's reference date."""
    value = manifest.get("as_of") or (manifest.get("contracts") or {}).get("as_of")
    return date.fromisoformat(str(value)[:10]) if value else None


def build_report_data(results: Results, filters: Filters | None = None, *, inputs: Inputs | None = None,
                      title: str | None = None) -> ReportData:
    """The content of a report on ``results`` limited to ``filters`` (``inputs`` from ``load_inputs``)."""
    filters = filters or Filters()
    inputs = inputs or inputs_from_results(results)
    manifest = results.manifest
    catalogue = results.catalogue
    keep = filters.contract_mask(results.contracts)
    positions = np.flatnonzero(keep)
    keys = contract_keys(results.contracts)
    contracts = _contracts(results, keep, keys)
    order = contracts.index.to_numpy()  # positions in Results.contracts, highest exposure first
    contracts = contracts.reset_index(drop=True)
    codes = rule_order(catalogue, [c for c in results.outcomes.columns if c in set(catalogue.codes)])
    outcomes = results.outcomes.iloc[order][codes].reset_index(drop=True)
    supplier_rows = results.contracts["supplier_row"].to_numpy(dtype=np.int64, na_value=-1)[order] \
        if "supplier_row" in results.contracts else None
    sources = Sources(inputs.contracts.iloc[order].reset_index(drop=True), inputs.suppliers, supplier_rows)
    as_of = _as_of(manifest)
    ids = contracts[["key", "contract_id", "supplier_name", "buyer_name"]]
    findings = build_findings(catalogue, outcomes, ids, sources, _thresholds(manifest), as_of)
    linked = {x for x in supplier_labels(results).iloc[positions] if isinstance(x, str)}
    suppliers = _suppliers(results, filters, linked, codes)
    gaps, fields = not_assessed(catalogue, outcomes, sources)
    sources_table = source_table(manifest, inputs.issues)
    issues = data_quality(inputs.issues)
    bands = band_table(contracts)
    top = top_rules(catalogue, outcomes)
    notes = list(inputs.notes)
    recorded_hash = (manifest.get("catalogue") or {}).get("catalogue_hash")
    if recorded_hash and recorded_hash != catalogue.hash:
        notes.append("The rule files changed after this scoring run (catalogue hash "
                     f"{recorded_hash[:12]}, now {catalogue.hash[:12]}): rule texts are today's; score again to "
                     "apply the current rules.")
    currencies = contracts["currency"].dropna().astype("string").unique() if "currency" in contracts else []
    if len(currencies) > 1:
        notes.append(f"Values are in {len(currencies)} currencies ({', '.join(sorted(currencies)[:6])}"
                     f"{', ...' if len(currencies) > 6 else ''}); totals and exposures are given per currency.")
    data = ReportData(
        title=title or DEFAULT_TITLE, run_id=str(results.run_id), created_at=str(manifest.get("created_at") or ""),
        as_of=as_of.isoformat() if as_of else "", filters=filters, manifest=manifest, summary=[], bands=bands,
        top_rules=top, contracts=contracts, findings=findings, suppliers=suppliers, not_assessed=gaps,
        field_gaps=fields, rules=rules_table(catalogue, _run_codes(results), outcomes, _thresholds(manifest)),
        sources=sources_table,
        issues=issues, notes=notes, total_contracts=len(results.contracts),
    )
    data.summary = summary_rows(data)
    return data
