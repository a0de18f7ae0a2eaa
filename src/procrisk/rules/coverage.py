"""What the data supports: per rule, the share of rows it could assess; per field, the rule weight it would unlock.

Both reports read one table per scope as ``ScopeData``: its outcome matrix, which columns it has and where each
column the rules read is missing. ``coverage_report`` and ``field_gaps`` build that by evaluating frames;
``procrisk.api.coverage`` builds it from a stored run without evaluating anything again.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from procrisk.rules.catalogue import Catalogue
from procrisk.rules.engine import BatchCache, evaluate_frame, prepare_frame
from procrisk.rules.model import Rule
from procrisk.rules.outcomes import CLEAR, FLAGGED, NOT_APPLICABLE, NOT_ASSESSED

SUPPORTED_SHARE = 0.95
SCOPE_TABLES = {"contract": "contracts", "supplier": "suppliers"}
COVERAGE_COLUMNS = ["code", "title", "scope", "pillar", "weight", "rows", "applicable", "assessed", "flagged",
                    "assessed_share", "status", "absent_fields", "blocking_fields"]
GAP_COLUMNS = ["field", "table", "present", "missing_share", "rules", "weight_unlocked", "weight_blocked"]


@dataclass(frozen=True)
class ScopeData:
    """One table as the reports read it: outcomes of its scope's rules, its columns and its missing cells.

    ``values[:, j]`` holds the outcomes of ``rules[j]``; ``nulls[c]`` is True where column ``c`` (every column
    the rules read) is missing, all True for a column the table does not have (not in ``present``).
    """

    rules: tuple[Rule, ...]
    values: np.ndarray
    rows: int
    present: frozenset[str]
    nulls: Mapping[str, np.ndarray]


def _blocking(rule: Rule) -> tuple[str, ...]:
    """Fields whose absence can leave the rule not assessed."""
    return rule.columns


def _status(share: float, rows: int) -> str:
    """supported / partial / unsupported from the assessed share."""
    if rows == 0 or share == 0:
        return "unsupported"
    return "supported" if share >= SUPPORTED_SHARE else "partial"


def _rules_and_as_of(catalogue: Catalogue | Sequence[Rule]) -> tuple[list[Rule], object]:
    """The rules in catalogue order and the settings' as_of date (None for a plain list of rules)."""
    as_of = catalogue.settings.as_of if isinstance(catalogue, Catalogue) else None
    return list(catalogue), as_of


def scopes_from_frames(catalogue: Catalogue | Sequence[Rule], contracts: pd.DataFrame | None,
                       suppliers: pd.DataFrame | None = None) -> dict[str, ScopeData]:
    """Evaluate each scope's rules on its frame (a missing table is an empty frame)."""
    rules, as_of = _rules_and_as_of(catalogue)
    tables = {"contract": contracts if contracts is not None else pd.DataFrame(),
              "supplier": suppliers if suppliers is not None else pd.DataFrame()}
    out = {}
    for scope, frame in tables.items():
        scoped = [r for r in rules if r.scope == scope]
        if not scoped:
            continue
        values, _ = evaluate_frame(scoped, frame, as_of=as_of)
        fields = list(dict.fromkeys(c for r in scoped for c in _blocking(r)))
        cache = BatchCache(prepare_frame(frame, fields))
        out[scope] = ScopeData(tuple(scoped), values, len(frame), frozenset(map(str, frame.columns)),
                               {c: cache.null(c) for c in fields})
    return out


def coverage_table(scopes: Mapping[str, ScopeData]) -> pd.DataFrame:
    """One row per rule: how many rows of its table it could assess, and which fields block the rest."""
    records = []
    for data in scopes.values():
        for j, rule in enumerate(data.rules):
            col = data.values[:, j]
            applicable = int((col != NOT_APPLICABLE).sum())
            assessed = int(((col == FLAGGED) | (col == CLEAR)).sum())
            blocked = col == NOT_ASSESSED
            counts = {c: int((data.nulls[c] & blocked).sum()) for c in _blocking(rule)}
            share = assessed / applicable if applicable else 0.0
            records.append({
                "code": rule.code, "title": rule.title, "scope": rule.scope, "pillar": rule.pillar,
                "weight": rule.weight, "rows": data.rows, "applicable": applicable, "assessed": assessed,
                "flagged": int((col == FLAGGED).sum()), "assessed_share": share,
                "status": _status(share, data.rows),
                "absent_fields": [c for c in rule.columns if c not in data.present],
                "blocking_fields": [c for c, k in sorted(counts.items(), key=lambda kv: -kv[1]) if k > 0],
            })
    return pd.DataFrame.from_records(records, columns=COVERAGE_COLUMNS)


def gaps_table(scopes: Mapping[str, ScopeData]) -> pd.DataFrame:
    """One row per field the rules read: which missing fields would unlock the most rule weight."""
    stats: dict[tuple[str, str], dict] = {}
    for scope, data in scopes.items():
        n = max(data.rows, 1)
        table = SCOPE_TABLES[scope]
        for j, rule in enumerate(data.rules):
            blocked = data.values[:, j] == NOT_ASSESSED
            fields = _blocking(rule)
            nulls = {c: data.nulls[c] for c in fields}
            missing = np.zeros(data.rows, dtype=np.int16)  # how many of the rule's fields each row misses
            for f in fields:
                missing += nulls[f]
            only_one = blocked & (missing == 1)  # filling the one missing field would let the rule decide
            for f in fields:
                entry = stats.setdefault((table, f), {
                    "field": f, "table": table, "present": f in data.present,
                    "missing_share": float(nulls[f].mean()) if data.rows else 1.0,
                    "rules": [], "weight_unlocked": 0.0, "weight_blocked": 0.0})
                entry["rules"].append(rule.code)
                entry["weight_unlocked"] += rule.weight * float((only_one & nulls[f]).sum()) / n
                entry["weight_blocked"] += rule.weight * float((blocked & nulls[f]).sum()) / n
    out = pd.DataFrame.from_records(list(stats.values()), columns=GAP_COLUMNS)
    return out.sort_values(["weight_unlocked", "weight_blocked", "field"], ascending=[False, False, True],
                           ignore_index=True)


def coverage_report(catalogue: Catalogue | Sequence[Rule], contracts: pd.DataFrame | None,
                    suppliers: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per rule: how many rows of its table it could assess, and which fields block the rest.

    Columns: code, title, scope, pillar, weight, rows, applicable, assessed, flagged, assessed_share
    (assessed / applicable), status (supported >= 95 %, partial, unsupported), absent_fields (read by the
    rule but not in the data at all) and blocking_fields (fields missing in not-assessed rows, most first).
    Supplier-scope rules are measured on the suppliers table.
    """
    return coverage_table(scopes_from_frames(catalogue, contracts, suppliers))


def field_gaps(catalogue: Catalogue | Sequence[Rule], contracts: pd.DataFrame | None,
               suppliers: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per field the rules read: which missing fields would unlock the most rule weight.

    weight_unlocked = sum over rules of weight x share of rows where this field is the only missing field
    keeping the rule not assessed (filling it alone lets the rule decide); weight_blocked counts every
    not-assessed row where the field is missing. Sorted by weight_unlocked, then weight_blocked.
    """
    return gaps_table(scopes_from_frames(catalogue, contracts, suppliers))
