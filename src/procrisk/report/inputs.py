"""What a report reads besides the run's scores: the rows behind each finding and the data-quality issues."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from procrisk.api import Results, open_workspace
from procrisk.config import Config
from procrisk.reference.enrich import enrich_suppliers
from procrisk.report.findings import needed_columns
from procrisk.schema.arrow import issues_schema
from procrisk.schema.columns import CONTRACTS


@dataclass
class Inputs:
    """Evidence rows aligned with a run's tables, and the issues of the run's batches."""

    contracts: pd.DataFrame  # aligned with Results.contracts (its own columns plus the canonical ones rules read)
    suppliers: pd.DataFrame | None  # aligned with Results.supplier_outcomes (enriched suppliers table)
    issues: pd.DataFrame
    notes: list[str] = field(default_factory=list)


def _same_ids(left: pd.Series, right: pd.Series) -> bool:
    """Whether two id columns hold the same values in the same order (missing equal to missing)."""
    if len(left) != len(right):
        return False
    a = left.astype("string").fillna("\0").to_numpy(dtype=object)
    b = right.astype("string").fillna("\0").to_numpy(dtype=object)
    return bool(np.array_equal(a, b))


def empty_issues() -> pd.DataFrame:
    """An issues table with no rows."""
    return issues_schema().empty_table().to_pandas()


def inputs_from_results(results: Results) -> Inputs:
    """Inputs without a workspace: evidence only from the run's own contract columns, no issues."""
    return Inputs(results.contracts, None, empty_issues(),
                  ["Evidence shows only the columns stored with the run (no workspace was read)."])


def load_inputs(results: Results, workspace: Path | str | None = None, *, config: Config | None = None) -> Inputs:
    """Read, for the run's batches, the canonical columns findings show, the suppliers table and the issues."""
    ws = open_workspace(workspace, config=config)
    batch_ids = [b["batch_id"] for b in results.manifest.get("batches", [])]
    notes: list[str] = []
    contracts = results.contracts
    rules = list(results.catalogue.rules)
    wanted = [c for c in needed_columns(rules) if c in CONTRACTS.by_name and c not in contracts.columns]
    if wanted:
        rows = ws.read_table("contracts", columns=list(dict.fromkeys(["contract_id", *wanted])), batch_ids=batch_ids)
        if _same_ids(rows["contract_id"], contracts["contract_id"]):
            rows = rows.drop(columns=["contract_id"]).set_axis(contracts.index, axis=0)
            contracts = pd.concat([contracts, rows], axis=1)
        else:
            notes.append("The workspace no longer holds the run's contract rows as scored: evidence shows only the "
                         "columns stored with the run.")
    suppliers: pd.DataFrame | None = None
    table = ws.read_table("suppliers", batch_ids=batch_ids)
    scored = results.supplier_outcomes
    if "supplier_id" in scored.columns and _same_ids(table["supplier_id"], scored["supplier_id"]):
        suppliers = enrich_suppliers(table).reset_index(drop=True)
    elif len(table) or len(scored):
        notes.append("The workspace no longer holds the run's supplier rows as scored: supplier evidence is not "
                     "shown.")
    issues = ws.read_issues(batch_ids) if batch_ids else empty_issues()
    return Inputs(contracts, suppliers, issues, notes)



def stale_batches(results: Results, workspace: Path | str | None = None, *,
                  config: Config | None = None) -> list[str]:
    """How the workspace's live batches differ from the run's (batches added, superseded or removed)."""
    run = {b["batch_id"] for b in results.manifest.get("batches", [])}
    live = {b["batch_id"]: b for b in open_workspace(workspace, config=config).batches()}
    out = [f"batch {bid} ({live[bid].get('source_file')}) added" for bid in sorted(set(live) - run)]
    return out + [f"batch {bid} superseded or removed" for bid in sorted(run - set(live))]
