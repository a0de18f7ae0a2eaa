"""The smaller report tables: contract keys, bands, top rules, data gaps, the rule catalogue, sources and issues."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from procrisk.report.filters import BANDS
from procrisk.report.findings import Sources
from procrisk.rules import Catalogue
from procrisk.rules import values as v
from procrisk.rules.explain import citation_text, format_value
from procrisk.rules.outcomes import CLEAR, FLAGGED, NOT_APPLICABLE, NOT_ASSESSED

if TYPE_CHECKING:
    from procrisk.report.data import ReportData

NO_QUESTIONNAIRE = "no questionnaire answers for the supplier"
UNDECIDED = "values present but the check could not decide"
TOP_RULES = 10


def contract_keys(contracts: pd.DataFrame) -> pd.Series:
    """A unique, readable key per contract row: its id, then the supplier, then file:row, then #n for ties."""
    key = contracts["contract_id"].astype("string").fillna("(no id)").astype(object)
    dup = key.duplicated(keep=False).to_numpy()
    if dup.any() and "supplier_name" in contracts:
        who = contracts["supplier_name"].astype("string")
        if "supplier_id" in contracts:
            who = who.fillna(contracts["supplier_id"].astype("string"))
        key[dup] = key[dup] + " / " + who[dup].fillna("?").astype(object)
        dup = key.duplicated(keep=False).to_numpy()
    if dup.any() and "source_file" in contracts:
        row = contracts["source_row"].astype("string").fillna("?") if "source_row" in contracts else "?"
        where = contracts["source_file"].astype("string").fillna("?") + ":" + row
        key[dup] = key[dup] + " @ " + where[dup].astype(object)
        dup = key.duplicated(keep=False).to_numpy()
    if dup.any():
        n = key.groupby(key).cumcount() + 1
        key[dup] = key[dup] + " #" + n[dup].astype(str)
    return key


def band_table(contracts: pd.DataFrame) -> pd.DataFrame:
    """Contracts per band (critical first): count, share and how many were forced critical by a hard flag."""
    total = max(len(contracts), 1)
    band = contracts["band"].astype("string")
    hard = contracts["hard_flags"].astype("string").fillna("").str.len().gt(0) if "hard_flags" in contracts \
        else pd.Series(False, index=contracts.index)
    rows = []
    for name in reversed(BANDS):
        mask = (band == name).fillna(value=False)
        rows.append({"band": name, "contracts": int(mask.sum()), "share": float(mask.sum()) / total,
                     "hard_flagged": int((mask & hard).sum())})
    return pd.DataFrame(rows)


def top_rules(catalogue: Catalogue, outcomes: pd.DataFrame, limit: int = TOP_RULES) -> pd.DataFrame:
    """The rules flagged on most contracts in scope: code, title, contracts flagged, share."""
    titles = {r.code: r.title for r in catalogue.rules}
    total = max(len(outcomes), 1)
    counts = [(code, int((outcomes[code].to_numpy() == FLAGGED).sum())) for code in outcomes.columns]
    counts = sorted([c for c in counts if c[1] > 0], key=lambda c: (-c[1], c[0]))[:limit]
    return pd.DataFrame({"rule_code": [c for c, _ in counts], "title": [titles.get(c, "") for c, _ in counts],
                         "contracts": [n for _, n in counts], "share": [n / total for _, n in counts]},
                        columns=["rule_code", "title", "contracts", "share"])


def _missing_counts(rule_columns: tuple[str, ...], frame: pd.DataFrame | None, rows: np.ndarray) -> dict[str, int]:
    """For the rows given, how many miss each of the rule's columns (a column the data lacks misses in all)."""
    out = {}
    for name in rule_columns:
        if frame is None or name not in frame.columns:
            out[name] = len(rows)
        else:
            out[name] = int(v.null_mask(frame[name].iloc[rows]).sum()) if len(rows) else 0
    return out


def not_assessed(catalogue: Catalogue, outcomes: pd.DataFrame,
                 sources: Sources) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Which rules could not be assessed on the contracts in scope and which missing fields block them.

    Returns (per rule: counts, the missing fields with their counts and what to collect; per field: the rules
    it would unlock, the contracts it is missing for and the rule weight it blocks).
    """
    by_code = {r.code: r for r in catalogue.rules}
    rule_rows, field_stats = [], {}
    for code in outcomes.columns:
        rule = by_code[code]
        col = outcomes[code].to_numpy()
        na = np.flatnonzero(col == NOT_ASSESSED)
        applicable = int((col != NOT_APPLICABLE).sum())
        if not len(na):
            continue
        counts: dict[str, int] = {}
        table = "contracts"
        if rule.scope == "supplier":
            table = "suppliers"
            links = sources.supplier_rows[na] if sources.supplier_rows is not None else np.full(len(na), -1)
            counts[NO_QUESTIONNAIRE] = int((links < 0).sum())
            linked = links[links >= 0]
            counts.update(_missing_counts(rule.columns, sources.suppliers, linked))
        else:
            counts.update(_missing_counts(rule.columns, sources.contracts, na))
        blocked = sum(counts.values())
        if blocked == 0:
            counts[UNDECIDED] = len(na)
        ranked = sorted(((k, n) for k, n in counts.items() if n > 0), key=lambda kv: (-kv[1], kv[0]))
        fields = [k for k, _ in ranked if k not in (NO_QUESTIONNAIRE, UNDECIDED)]
        where = "the supplier questionnaire" if rule.scope == "supplier" else "the contract register"
        unlock = f"collect {', '.join(fields)} in {where}" if fields else ""
        if counts.get(NO_QUESTIONNAIRE):
            unlock = "; ".join(x for x in ("obtain questionnaire answers from the suppliers", unlock) if x)
        rule_rows.append({
            "rule_code": code, "title": rule.title, "scope": rule.scope, "weight": rule.weight,
            "applicable": applicable, "not_assessed": len(na), "share": len(na) / applicable if applicable else 0.0,
            "missing": "; ".join(f"{k} ({n:,})" for k, n in ranked), "unlock": unlock,
        })
        for name, n in counts.items():
            if name in (NO_QUESTIONNAIRE, UNDECIDED) or n == 0:
                continue
            entry = field_stats.setdefault((table, name), {"field": name, "table": table, "rules": [],
                                                           "contracts": 0, "weight_blocked": 0})
            entry["rules"].append(code)
            entry["contracts"] = max(entry["contracts"], n)
            entry["weight_blocked"] += rule.weight * n
    per_rule = pd.DataFrame(rule_rows, columns=["rule_code", "title", "scope", "weight", "applicable", "not_assessed",
                                                "share", "missing", "unlock"])
    per_rule = per_rule.sort_values(["not_assessed", "rule_code"], ascending=[False, True], ignore_index=True)
    per_field = pd.DataFrame(list(field_stats.values()),
                             columns=["field", "table", "rules", "contracts", "weight_blocked"])
    per_field["rules"] = per_field["rules"].map(lambda codes: ", ".join(sorted(codes)))
    per_field = per_field.sort_values(["weight_blocked", "field"], ascending=[False, True], ignore_index=True)
    return per_rule, per_field


def _json(value: Any) -> str:
    """Compact, sorted JSON text ("" for empty values)."""
    if value in (None, {}, [], ()):
        return ""
    return json.dumps(value, sort_keys=True, default=str, ensure_ascii=False)


def rules_table(catalogue: Catalogue, codes: set[str], outcomes: pd.DataFrame,
                thresholds: Mapping[str, Any]) -> pd.DataFrame:
    """The rules the run used (``codes``): identity, effective weight and hard flag, parameters and thresholds,
    citation, texts, and the outcome counts over the contracts in scope."""
    default = float(catalogue.settings.default_unknown_risk)
    rows = []
    for rule in (r for r in catalogue.rules if r.code in codes):
        col = outcomes[rule.code].to_numpy() if rule.code in outcomes.columns else np.array([], dtype=np.int8)
        rows.append({
            "rule_code": rule.code, "title": rule.title, "pillar": rule.pillar, "scope": rule.scope,
            "severity": rule.severity, "weight": rule.weight, "hard_flag": rule.hard_flag,
            "unknown_risk": rule.effective_unknown_risk(default), "version": rule.version, "check": rule.check,
            "params": _json(dict(rule.params)), "thresholds": _json(thresholds.get(rule.code)),
            "requires": ", ".join(rule.requires), "citation": citation_text(rule),
            "guideline": rule.citation.guideline, "instrument": rule.citation.instrument, "summary": rule.summary,
            "why": rule.why, "action": rule.action, "exclusions": "; ".join(rule.exclusions),
            "assumptions": "; ".join(rule.assumptions),
            "flagged": int((col == FLAGGED).sum()), "clear": int((col == CLEAR).sum()),
            "not_assessed": int((col == NOT_ASSESSED).sum()), "not_applicable": int((col == NOT_APPLICABLE).sum()),
        })
    return pd.DataFrame(rows)


def source_table(manifest: Mapping[str, Any], issues: pd.DataFrame) -> pd.DataFrame:
    """One row per input batch of the run: file, sha256, rows read / stored / quarantined, errors, warnings."""
    counts = issues.groupby(["source_file", "severity"]).size() if len(issues) else pd.Series(dtype=np.int64)
    rows = []
    for b in manifest.get("batches", []):
        name = b.get("source_file")
        rows.append({"batch_id": b.get("batch_id"), "source_file": name, "source_kind": b.get("source_kind"),
                     "source_sha256": b.get("source_sha256"), "rows_read": b.get("rows_read"),
                     "rows_stored": b.get("rows_stored"), "rows_quarantined": b.get("rows_quarantined"),
                     "errors": int(counts.get((name, "error"), 0)), "warnings": int(counts.get((name, "warning"), 0))})
    return pd.DataFrame(rows, columns=["batch_id", "source_file", "source_kind", "source_sha256", "rows_read",
                                       "rows_stored", "rows_quarantined", "errors", "warnings"])


def data_quality(issues: pd.DataFrame, examples: int = 5) -> pd.DataFrame:
    """Issues grouped per source, severity, column and problem code: count, a problem and fix, example rows."""
    columns = ["source_file", "source_sheet", "table", "severity", "column", "code", "issues", "problem", "fix",
               "example_rows", "example_values"]
    if issues.empty:
        return pd.DataFrame(columns=columns)
    frame = issues.assign(**{c: issues[c].astype("string").fillna("") for c in
                             ("source_file", "source_sheet", "table", "severity", "column", "code")})
    keys = ["source_file", "source_sheet", "table", "severity", "column", "code"]
    rows = []
    for group, part in frame.groupby(keys, sort=True, dropna=False):
        ordered = part.sort_values("source_row", kind="stable")
        first = ordered.iloc[0]
        some_rows = ordered["source_row"].dropna().astype("int64").drop_duplicates().head(examples)
        some_values = ordered["value"].dropna().astype(str).drop_duplicates().head(3)
        rows.append({**dict(zip(keys, group, strict=True)), "issues": len(part), "problem": first["problem"],
                     "fix": first["fix"], "example_rows": ", ".join(str(x) for x in some_rows),
                     "example_values": "; ".join(some_values)})
    out = pd.DataFrame(rows, columns=columns)
    out["_error"] = out["severity"] != "error"
    return out.sort_values(["_error", "issues", "source_file", "column"], ascending=[True, False, True, True],
                           ignore_index=True).drop(columns="_error")


def _money_by_currency(frame: pd.DataFrame, column: str, limit: int = 3) -> str:
    """Sums of a money column per currency, largest first, e.g. ``GBP 1,200,000; EUR 30,000``."""
    if column not in frame or "currency" not in frame:
        return "none"
    values = pd.to_numeric(frame[column], errors="coerce")
    sums = values.groupby(frame["currency"].astype("string").fillna("(no currency)")).sum(min_count=1).dropna()
    if sums.empty:
        return "none"
    sums = sums.sort_values(ascending=False, kind="stable")
    text = "; ".join(f"{cur} {format_value(float(total))}" for cur, total in sums.head(limit).items())
    return text + (f"; {len(sums) - limit} more" if len(sums) > limit else "")


def summary_rows(data: ReportData) -> list[tuple[str, Any]]:
    """The key figures of a report, in reading order: scope, counts by band, findings, coverage, values, run."""
    c = data.contracts
    n = len(c)
    band = c["band"].astype("string")
    coverage = pd.to_numeric(c["coverage"], errors="coerce")
    batches = data.manifest.get("batches", [])
    catalogue = data.manifest.get("catalogue") or {}
    return [
        ("Scope", data.filters.describe()),
        ("Contracts in scope", n),
        ("Contracts in the run", data.total_contracts),
        ("Suppliers in scope", len(data.suppliers)),
        *((f"Contracts banded {b}", int((band == b).sum())) for b in reversed(BANDS)),
        ("Contracts with a hard flag", int(c["hard_flags"].astype("string").fillna("").str.len().gt(0).sum())),
        ("Findings (flagged contract-rule pairs)", len(data.findings)),
        ("Median coverage of the score", float(coverage.median()) if coverage.notna().any() else None),
        ("Contracts with coverage below 50 %", int((coverage < 0.5).sum())),
        ("Award value in scope", _money_by_currency(c, "award_value")),
        ("Exposure (score x value) in scope", _money_by_currency(c, "exposure")),
        ("Rules applied", len(data.rules)),
        ("Rule catalogue hash", str(catalogue.get("catalogue_hash", ""))[:16]),
        ("Reference date (as of)", data.as_of),
        ("Input batches", len(batches)),
        ("Rows quarantined at ingest", int(sum(b.get("rows_quarantined") or 0 for b in batches))),
        ("Data errors / warnings", f"{int(data.sources['errors'].sum()):,} / {int(data.sources['warnings'].sum()):,}"),
        ("Scoring run", data.run_id),
    ]
