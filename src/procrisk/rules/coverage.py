"""What the data supports: per rule, the share of rows it could assess; per field, the rule weight it would unlock."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from procrisk.rules.catalogue import Catalogue
from procrisk.rules.engine import BatchCache, evaluate_frame, prepare_frame
from procrisk.rules.model import Rule
from procrisk.rules.outcomes import CLEAR, FLAGGED, NOT_APPLICABLE, NOT_ASSESSED

SUPPORTED_SHARE = 0.95


def _tables(contracts: pd.DataFrame | None, suppliers: pd.DataFrame | None) -> dict[str, pd.DataFrame]:
    """The frame each scope reads (an empty frame when a table is not given)."""
    return {"contract": contracts if contracts is not None else pd.DataFrame(),
            "supplier": suppliers if suppliers is not None else pd.DataFrame()}


def _blocking(rule: Rule) -> tuple[str, ...]:
    """Fields whose absence can leave the rule not assessed."""
    return rule.columns


def _status(share: float, rows: int) -> str:
    """supported / partial / unsupported from the assessed share."""
    if rows == 0 or share == 0:
        return "unsupported"
    return "supported" if share >= SUPPORTED_SHARE else "partial"


def coverage_report(catalogue: Catalogue | Sequence[Rule], contracts: pd.DataFrame | None,
                    suppliers: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per rule: how many rows of its table it could assess, and which fields block the rest.

    Columns: code, title, scope, pillar, weight, rows, applicable, assessed, flagged, assessed_share
    (assessed / applicable), status (supported >= 95 %, partial, unsupported), absent_fields (read by the
    rule but not in the data at all) and blocking_fields (fields missing in not-assessed rows, most first).
    Supplier-scope rules are measured on the suppliers table.
    """
    rules = list(catalogue)
    tables = _tables(contracts, suppliers)
    as_of = catalogue.settings.as_of if isinstance(catalogue, Catalogue) else None
    records = []
    for scope, frame in tables.items():
        scoped = [r for r in rules if r.scope == scope]
        if not scoped:
            continue
        values, _ = evaluate_frame(scoped, frame, as_of=as_of)
        prepared = prepare_frame(frame, [c for r in scoped for c in r.columns])
        cache = BatchCache(prepared)
        for j, rule in enumerate(scoped):
            col = values[:, j]
            applicable = int((col != NOT_APPLICABLE).sum())
            assessed = int(((col == FLAGGED) | (col == CLEAR)).sum())
            blocked = col == NOT_ASSESSED
            counts = {c: int((cache.null(c) & blocked).sum()) for c in _blocking(rule)}
            share = assessed / applicable if applicable else 0.0
            records.append({
                "code": rule.code, "title": rule.title, "scope": rule.scope, "pillar": rule.pillar,
                "weight": rule.weight, "rows": len(frame), "applicable": applicable, "assessed": assessed,
                "flagged": int((col == FLAGGED).sum()), "assessed_share": share,
                "status": _status(share, len(frame)),
                "absent_fields": [c for c in rule.columns if c not in frame.columns],
                "blocking_fields": [c for c, k in sorted(counts.items(), key=lambda kv: -kv[1]) if k > 0],
            })
    return pd.DataFrame.from_records(records, columns=[
        "code", "title", "scope", "pillar", "weight", "rows", "applicable", "assessed", "flagged",
        "assessed_share", "status", "absent_fields", "blocking_fields"])


def field_gaps(catalogue: Catalogue | Sequence[Rule], contracts: pd.DataFrame | None,
               suppliers: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per field the rules read: which missing fields would unlock the most rule weight.

    weight_unlocked = sum over rules of weight x share of rows where this field is the only missing field
    keeping the rule not assessed (filling it alone lets the rule decide); weight_blocked counts every
    not-assessed row where the field is missing. Sorted by weight_unlocked, then weight_blocked.
    """
    rules = list(catalogue)
    tables = _tables(contracts, suppliers)
    as_of = catalogue.settings.as_of if isinstance(catalogue, Catalogue) else None
    stats: dict[tuple[str, str], dict] = {}
    for scope, frame in tables.items():
        scoped = [r for r in rules if r.scope == scope]
        if not scoped:
            continue
        n = max(len(frame), 1)
        values, _ = evaluate_frame(scoped, frame, as_of=as_of)
        prepared = prepare_frame(frame, [c for r in scoped for c in r.columns])
        cache = BatchCache(prepared)
        table = "contracts" if scope == "contract" else "suppliers"
        for j, rule in enumerate(scoped):
            blocked = values[:, j] == NOT_ASSESSED
            fields = _blocking(rule)
            nulls = {c: cache.null(c) for c in fields}
            for f in fields:
                others = np.zeros(len(frame), dtype=bool)
                for g in fields:
                    if g != f:
                        others |= nulls[g]
                entry = stats.setdefault((table, f), {
                    "field": f, "table": table, "present": f in frame.columns,
                    "missing_share": float(nulls[f].mean()) if len(frame) else 1.0,
                    "rules": [], "weight_unlocked": 0.0, "weight_blocked": 0.0})
                entry["rules"].append(rule.code)
                entry["weight_unlocked"] += rule.weight * float((blocked & nulls[f] & ~others).sum()) / n
                entry["weight_blocked"] += rule.weight * float((blocked & nulls[f]).sum()) / n
    out = pd.DataFrame.from_records(list(stats.values()), columns=[
        "field", "table", "present", "missing_share", "rules", "weight_unlocked", "weight_blocked"])
    return out.sort_values(["weight_unlocked", "weight_blocked", "field"], ascending=[False, False, True],
                           ignore_index=True)
