"""Explain and cover: every finding of one contract or supplier, and which rules the data supports."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from procrisk.api.analyse import KEPT_DERIVED as DERIVED
from procrisk.api.analyse import Results, load_results, run_catalogue
from procrisk.api.ingest import open_workspace
from procrisk.config import Config
from procrisk.errors import NotFoundError
from procrisk.reference.enrich import enrich_contracts, enrich_suppliers
from procrisk.rules import Finding, explain_entity
from procrisk.rules.explain import plain
from procrisk.rules.outcomes import OUTCOME_NAMES
from procrisk.schema.arrow import table_schema
from procrisk.store.parquet_take import take_rows

_OUTCOME_ORDER = {"flagged": 0, "not_assessed": 1, "clear": 2, "not_applicable": 3}


@dataclass
class Explanation:
    """Everything behind one entity's score: its rows, its score row, and one finding per rule."""

    entity_type: str
    entity_id: str
    rows: list[dict[str, Any]]
    score: dict[str, Any]
    findings: list[Finding]
    contracts: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def flagged(self) -> list[Finding]:
        """Findings that raised a flag, heaviest first."""
        return [f for f in self.findings if f.outcome == "flagged"]

    @property
    def not_assessed(self) -> list[Finding]:
        """Rules the data could not decide, with the fields that would unlock them."""
        return [f for f in self.findings if f.outcome == "not_assessed"]


def _take(files: list[Path], positions: list[int]) -> pd.DataFrame:
    """Rows at positions of the concatenated Parquet files (the order the engine read them in)."""
    if not files:
        return pd.DataFrame()
    return take_rows(files, positions).to_pandas(date_as_object=False)


def _ordered(findings: list[Finding], weights: dict[str, float]) -> list[Finding]:
    """Flagged first (heaviest first), then not assessed, clear, not applicable."""
    return sorted(findings, key=lambda f: (_OUTCOME_ORDER.get(f.outcome, 9), -weights.get(f.rule_code, 0),
                                           f.rule_code))


def explain(contract_id: str, workspace: Path | str | None = None, run_id: str | None = None, *,
            config: Config | None = None, results: Results | None = None) -> Explanation:
    """Every finding of one contract (all its supplier rows): evidence, citation, action, and what is missing."""
    ws = open_workspace(workspace, config=config)
    if results is not None:
        run, manifest, catalogue = results.run_id, results.manifest, results.catalogue
        ids = results.contracts["contract_id"].astype("string")
    else:  # read the run's rows of this contract only, not the whole run
        manifest = ws.run_record(run_id)
        run, catalogue = manifest["run_id"], run_catalogue(manifest)
        ids = ws.run_table(run, "contract_scores", columns=["contract_id"])["contract_id"].astype("string")
    matches = ids.index[ids == str(contract_id)]
    if len(matches) == 0:
        hint = ids[ids.str.contains(str(contract_id), regex=False, na=False)].head(3).tolist()
        more = f"; did you mean {', '.join(hint)}?" if hint else ""
        msg = f"no contract '{contract_id}' in run {run}{more}"
        raise NotFoundError(msg)
    positions = [int(i) for i in matches]
    if results is not None:
        scores, outcomes = results.contracts.loc[positions], results.outcomes.loc[positions]
    else:
        scores = ws.run_table_rows(run, "contract_scores", positions)
        outcomes = ws.run_table_rows(run, "contract_outcomes", positions)
    canonical = _take(ws.table_files("contracts"), positions).set_axis(scores.index, axis=0)
    # the run's derived values (reference enrichment, ML columns fitted on all rows) replace the stored nulls
    derived = scores[[c for c in scores.columns if c not in canonical.columns or c in DERIVED]]
    rows = pd.concat([canonical.drop(columns=[c for c in derived.columns if c in canonical.columns]), derived], axis=1)
    rows = enrich_contracts(rows).set_axis(scores.index, axis=0)
    for name in derived.columns:  # the run's own derived values win (ML columns were fitted on all rows)
        rows[name] = derived[name]
    suppliers = _supplier_rows(ws)
    weights = {r.code: r.weight for r in catalogue.rules}
    findings: list[Finding] = []
    as_of = pd.Timestamp(manifest["as_of"]).date()
    meta = manifest["contracts"]["thresholds"]
    for pos in positions:
        row = rows.loc[pos]
        srow = scores.loc[pos]
        outcome_row = {code: OUTCOME_NAMES[int(v)] for code, v in outcomes.loc[pos].items()}
        supplier_row = None
        supplier_pos = int(srow.get("supplier_row", -1)) if pd.notna(srow.get("supplier_row", -1)) else -1
        if supplier_pos >= 0 and suppliers is not None:
            supplier_row = suppliers.iloc[supplier_pos]
        findings.extend(explain_entity(list(catalogue.rules), outcome_row, row, supplier_row, meta, as_of=as_of))
    score = {k: plain(v) for k, v in scores.iloc[0].items()}
    return Explanation("contract", str(contract_id), [{k: plain(v) for k, v in r.items()} for _, r in rows.iterrows()],
                       score, _ordered(findings, weights))


def _supplier_rows(ws: Any) -> pd.DataFrame | None:
    """The suppliers table as scored (same order as the supplier outcome matrix), with enrichment."""
    suppliers = ws.read_table("suppliers")
    if suppliers.empty:
        return None
    return enrich_suppliers(suppliers)


def explain_supplier(supplier_id: str, workspace: Path | str | None = None, run_id: str | None = None, *,
                     config: Config | None = None, results: Results | None = None) -> Explanation:
    """A supplier's own findings (questionnaire rules) and the contracts that name it."""
    ws = open_workspace(workspace, config=config)
    results = results or load_results(ws.path, run_id, config=config)
    suppliers = _supplier_rows(ws)
    sid = str(supplier_id)
    contracts = results.contracts
    linked_mask = pd.Series(False, index=contracts.index)
    for col in ("supplier_id", "supplier_key", "supplier_name"):
        if col in contracts:
            linked_mask |= (contracts[col].astype("string") == sid).fillna(False)
    linked = contracts[linked_mask]
    findings: list[Finding] = []
    rows: list[dict[str, Any]] = []
    if suppliers is not None:
        own = pd.Series(False, index=suppliers.index)
        for col in ("supplier_id", "supplier_name"):
            if col in suppliers:
                own |= (suppliers[col].astype("string") == sid).fillna(False)
        hit = suppliers.index[own]
        if len(hit) == 0 and "supplier_key" in linked and len(linked):
            pos = linked.get("supplier_row")
            hit = [int(p) for p in pos if pd.notna(p) and int(p) >= 0][:1] if pos is not None else []
        for i in hit:
            row = suppliers.iloc[int(i)]
            outcome_row = {c: OUTCOME_NAMES[int(v)] for c, v in results.supplier_outcomes.iloc[int(i)].items()
                           if c not in ("supplier_id", "supplier_name")}
            findings.extend(explain_entity(list(results.catalogue.rules), outcome_row, row, None,
                                           results.manifest["suppliers"]["thresholds"],
                                           as_of=pd.Timestamp(results.manifest["as_of"]).date()))
            rows.append({k: plain(v) for k, v in row.items()})
    if not rows and linked.empty:
        msg = f"no supplier '{supplier_id}' in run {results.run_id} (give a supplier id, key or exact name)"
        raise NotFoundError(msg)
    scored = results.suppliers
    match = pd.Series(False, index=scored.index)
    for col in ("supplier_id", "supplier_key", "key", "supplier_name"):
        if col in scored:
            match |= scored[col].astype("string") == sid
    score = {k: plain(v) for k, v in scored[match].iloc[0].items()} if match.any() else {}
    weights = {r.code: r.weight for r in results.catalogue.rules}
    return Explanation("supplier", sid, rows, score, _ordered(findings, weights), contracts=linked)


def list_suppliers(workspace: Path | str | None = None, *, config: Config | None = None) -> pd.DataFrame:
    """Resolved suppliers (one row per supplier_key) with their name variants, ids and contracts."""
    ws = open_workspace(workspace, config=config)
    from procrisk.ml import list_suppliers as ml_list_suppliers
    from procrisk.ml import with_supplier_keys
    from procrisk.ml.enrich import RESOLVER_COLUMNS

    wanted = [*RESOLVER_COLUMNS, "award_value", "currency"]  # what resolving and listing read
    contracts = ws.read_table("contracts", columns=[c for c in wanted if c in table_schema("contracts").names])
    suppliers = ws.read_table("suppliers")
    contracts, suppliers = with_supplier_keys(contracts, suppliers, overrides_path=_overrides(ws))
    return ml_list_suppliers(contracts, suppliers)


def _overrides(ws: Any) -> Path | None:
    """The workspace's supplier-match overrides file, when present."""
    path = ws.path / "supplier-overrides.yaml"
    return path if path.is_file() else None
