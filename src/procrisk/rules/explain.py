"""Findings on demand: the reason, evidence and rendered explanation of one (entity, rule) outcome."""

from __future__ import annotations

import math
import string
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd

from procrisk.rules.checks import DatasetCheck, accepts
from procrisk.rules.model import ID_COLUMNS, Rule
from procrisk.rules.outcomes import (
    FLAGGED,
    NO_SUPPLIER_ROW,
    NOT_APPLICABLE,
    NOT_ASSESSED,
    OUTCOME_NAMES,
    outcome_code,
)

MISSING_TEXT = "(missing)"


@dataclass(frozen=True)
class Finding:
    """One (entity, rule) outcome with its reason, raw evidence, thresholds, explanation, action and citation."""

    entity_type: str
    entity_id: str | None
    rule_code: str
    rule_version: int
    title: str
    outcome: str
    reason: str | None
    evidence: dict[str, Any]
    thresholds: dict[str, Any] = field(default_factory=dict)
    explanation: str | None = None
    action: str = ""
    citation: str = ""

    def as_dict(self) -> dict[str, Any]:
        """The finding as a plain dict (one row of a findings table)."""
        return asdict(self)


def plain(value: Any) -> Any:
    """A raw value as plain Python: missing -> None, numpy scalars -> Python, arrays -> lists, timestamps -> dates."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, np.ndarray | list | tuple):
        return [plain(x) for x in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.date() if value == value.normalize() else value.to_pydatetime()
    return value


def _row_dict(row: Mapping[str, Any] | pd.Series | None) -> dict[str, Any] | None:
    """A row as ``{column: plain value}``."""
    if row is None:
        return None
    items = row.items() if isinstance(row, pd.Series | Mapping) else dict(row).items()
    return {str(k): plain(val) for k, val in items}


def format_value(value: Any, spec: str = "") -> str:
    """A value as text in an explanation: missing, booleans, lists, dates and numbers made readable."""
    value = plain(value)
    if value is None:
        return MISSING_TEXT
    if spec:
        try:
            return format(value, spec)
        except (TypeError, ValueError):
            pass
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(format_value(x) for x in value) or "(none)"
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return f"{int(value):,}" if abs(value) >= 10_000 else str(int(value))
        return f"{value:,.2f}" if abs(value) >= 1000 else f"{value:.4g}"
    return str(value)


def render(template: str, values: Mapping[str, Any]) -> str:
    """Fill ``{placeholders}`` from ``values`` (format specs allowed); a name without a value reads (missing)."""
    parts = []
    for literal, name, spec, _conv in string.Formatter().parse(template):
        parts.append(literal)
        if name is not None:
            parts.append(format_value(values.get(name), spec or ""))
    return "".join(parts)


def citation_text(rule: Rule) -> str:
    """The rule's citation as one line: guideline pillar, instrument, further sources."""
    text = f"OSCE Model Guidelines (2018), {rule.citation.guideline} pillar; {rule.citation.instrument}"
    return text + "".join(f"; {extra}" for extra in rule.citation.also)


def _missing(rule: Rule, row: Mapping[str, Any]) -> list[str]:
    """Columns the rule reads that are missing in the row (requires first, then parameter columns)."""
    names = [*rule.requires, *rule.param_columns]
    return [c for c in dict.fromkeys(names) if row.get(c) is None]


def _not_applicable_reason(rule: Rule, row: Mapping[str, Any]) -> str:
    """The first applies_when condition that is false for the row."""
    for cond in rule.applies_when:
        value = row.get(cond.column)
        hit = value in cond.values if not isinstance(value, list) else any(x in cond.values for x in value)
        if value is not None and hit == cond.negate:
            return f"does not apply: {cond.describe()} is false ({cond.column} = {format_value(value)})"
    return f"does not apply: excluded by {rule.check} (see the rule's exclusions)"


def _not_assessed_reason(rule: Rule, row: Mapping[str, Any] | None, thresholds_reason: str | None) -> str:
    """Why the rule could not be assessed: no supplier row, unknown applicability, missing fields, or the check."""
    if row is None:
        return NO_SUPPLIER_ROW if rule.scope == "supplier" else "no row"
    unknown = [c.column for c in rule.applies_when if row.get(c.column) is None]
    if unknown:
        return f"applicability unknown: missing {', '.join(dict.fromkeys(unknown))}"
    missing = _missing(rule, row)
    if missing:
        return f"missing {', '.join(missing)}"
    if thresholds_reason:
        return thresholds_reason
    return f"the values given do not let {rule.check} decide (for example a zero denominator)"


def explain_row(rule: Rule, row: Mapping[str, Any] | pd.Series | None, outcome: int | str,
                meta: Mapping[str, Any] | None = None, *, as_of: date | None = None,
                entity_id: str | None = None) -> Finding:
    """The Finding of one row for one rule, given the outcome the engine computed (and its thresholds).

    ``row`` is the entity's row of the rule's own table: for a supplier-scope rule seen from a contract, the
    supplier's row, or None when the contract has no supplier row (reason: no questionnaire answers).
    """
    code = outcome_code(outcome)
    values = _row_dict(row)
    check = rule.check_fn
    thresholds: dict[str, Any] = {}
    dataset_reason = None
    if isinstance(check, DatasetCheck) and values is not None and meta is not None:
        if check.row_meta is not None:
            thresholds = {k: plain(x) for k, x in check.row_meta(values, meta, **rule.params).items()}
        if check.reason is not None:
            dataset_reason = check.reason(values, meta, **rule.params)
    elif isinstance(check, DatasetCheck) and meta is not None:
        thresholds = {k: plain(x) for k, x in meta.items() if not isinstance(x, dict)}
    evidence = {c: (values or {}).get(c) for c in dict.fromkeys([*rule.columns, *rule.evidence])}
    if accepts(check, "as_of") and as_of is not None:
        evidence["as_of"] = as_of
    reason = None
    if code == NOT_ASSESSED:
        reason = _not_assessed_reason(rule, values, dataset_reason)
    elif code == NOT_APPLICABLE:
        reason = _not_applicable_reason(rule, values or {})
    explanation = None
    if code == FLAGGED:
        fill = {**{c: (values or {}).get(c) for c in ID_COLUMNS[rule.scope]}, **rule.params, **(values or {}),
                **thresholds}
        explanation = render(rule.explain, fill)
    id_column = "contract_id" if rule.scope == "contract" else "supplier_id"
    return Finding(
        entity_type=rule.scope, entity_id=entity_id or (values or {}).get(id_column), rule_code=rule.code,
        rule_version=rule.version, title=rule.title, outcome=OUTCOME_NAMES[code], reason=reason,
        evidence=evidence, thresholds=thresholds, explanation=explanation, action=rule.action,
        citation=citation_text(rule),
    )


def explain_entity(rules: list[Rule] | tuple[Rule, ...], outcomes: Mapping[str, int | str],
                   row: Mapping[str, Any] | pd.Series | None, supplier_row: Mapping[str, Any] | pd.Series | None = None,
                   meta: Mapping[str, Mapping[str, Any]] | None = None, *, as_of: date | None = None) -> list[Finding]:
    """Findings of one entity for every rule in ``outcomes`` (``{code: outcome}``, e.g. ``Outcomes.row(i)``).

    For a contract, contract-scope rules read ``row`` and supplier-scope rules read ``supplier_row`` (None when
    the contract has no supplier row). For a supplier, pass the supplier's row as ``row``.
    """
    by_code = {r.code: r for r in rules}
    out = []
    for code, outcome in outcomes.items():
        rule = by_code[code]
        source = supplier_row if rule.scope == "supplier" and _is_contract_row(row) else row
        out.append(explain_row(rule, source, outcome, (meta or {}).get(code), as_of=as_of))
    return out


def _is_contract_row(row: Mapping[str, Any] | pd.Series | None) -> bool:
    """Whether a row is a contract row (it has a contract_id)."""
    return row is not None and "contract_id" in row
