"""Findings in bulk: one row per flagged (contract, rule) pair, rendered per rule over whole columns.

The text is the same as ``procrisk.rules.explain_row`` gives for one row (same ``format_value``, same template
filling, same evidence columns); only the work is vectorised: every distinct value of a column is formatted
once per report, and templates are filled column by column in Arrow, so a million findings take seconds and
their text is held compactly (Arrow strings, categoricals for the repeated columns).
"""

from __future__ import annotations

import string
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from procrisk.rules import Catalogue, Rule
from procrisk.rules.checks import DatasetCheck, accepts
from procrisk.rules.explain import MISSING_TEXT, citation_text, format_value, plain
from procrisk.rules.model import ID_COLUMNS, placeholders

FINDING_COLUMNS = ("key", "contract_id", "supplier_name", "buyer_name", "rule_code", "rule_version", "title",
                   "pillar", "scope", "weight", "hard_flag", "explanation", "evidence", "thresholds", "citation",
                   "action")
ID_FIELDS = ("key", "contract_id", "supplier_name", "buyer_name")
RULE_TEXT = ("rule_code", "title", "pillar", "scope", "citation", "action")
TEXT = pa.large_string()


def rule_order(catalogue: Catalogue, codes: Iterable[str]) -> list[str]:
    """Rule codes heaviest first, then by code (the order of a contract's ``fired`` list)."""
    weights = {r.code: r.weight for r in catalogue.rules}
    return sorted(codes, key=lambda c: (-weights.get(c, 0), c))


def needed_columns(rules: Iterable[Rule]) -> list[str]:
    """Columns a finding of these rules shows or fills its explanation from (columns, evidence, placeholders)."""
    out: list[str] = []
    for rule in rules:
        out += [*ID_COLUMNS[rule.scope], *rule.columns, *rule.evidence, *placeholders(rule.explain)]
    return list(dict.fromkeys(out))


def _hashable(value: Any) -> Any:
    """Lists and arrays as tuples so that they can be counted once (other values unchanged)."""
    if isinstance(value, list | tuple | np.ndarray):
        return tuple(plain(x) for x in value)
    return value


def encode(series: pd.Series, spec: str = "") -> tuple[np.ndarray, list[str]]:
    """(code per row, text per code): ``format_value`` of each distinct value once; the last code is missing."""
    try:
        codes, uniques = pd.factorize(series, use_na_sentinel=True)
    except TypeError:  # lists or arrays: count them as tuples
        codes, uniques = pd.factorize(series.map(_hashable, na_action="ignore"), use_na_sentinel=True)
    texts = [format_value(list(u) if isinstance(u, tuple) else u, spec) for u in list(uniques)]
    return np.where(codes < 0, len(texts), codes).astype(np.int32), [*texts, MISSING_TEXT]


def formatted(series: pd.Series, spec: str = "") -> np.ndarray:
    """``format_value`` of every value, as an object array of text."""
    codes, texts = encode(series, spec)
    return np.asarray(texts, dtype=object)[codes]


def decode(codes: np.ndarray, texts: list[str]) -> pa.Array:
    """Arrow text of ``texts[code]`` for every code."""
    return pa.DictionaryArray.from_arrays(pa.array(codes, pa.int32()), pa.array(texts, TEXT)).dictionary_decode()


def concat(parts: list[pa.Array | str], n: int) -> pa.Array:
    """Element-wise concatenation of text arrays and constant strings into ``n`` strings."""
    items = [pa.scalar(p, TEXT) if isinstance(p, str) else p for p in parts]
    return pc.binary_join_element_wise(pa.repeat(pa.scalar("", TEXT), n), *items, pa.scalar("", TEXT))


@dataclass
class Sources:
    """The rows a rule reads, aligned with the contracts in scope: their own row and their supplier's row."""

    contracts: pd.DataFrame  # one row per contract in scope (canonical, enriched and context columns)
    suppliers: pd.DataFrame | None = None  # the suppliers table as scored (enriched)
    supplier_rows: np.ndarray | None = None  # per contract in scope, its row in ``suppliers`` (-1 none)
    _codes: dict[tuple[str, str, str], tuple[np.ndarray, list[str]]] = field(default_factory=dict, repr=False)

    def table(self, rule: Rule) -> pd.DataFrame | None:
        """The table a rule reads."""
        return self.suppliers if rule.scope == "supplier" else self.contracts

    def positions(self, rule: Rule, contracts: np.ndarray) -> np.ndarray:
        """Row positions in the rule's table of the contracts at ``contracts`` (-1: no supplier row)."""
        if rule.scope != "supplier":
            return contracts
        if self.supplier_rows is None:
            return np.full(len(contracts), -1, dtype=np.int64)
        return self.supplier_rows[contracts]

    def has(self, rule: Rule, column: str) -> bool:
        """Whether the rule's table has the column."""
        table = self.table(rule)
        return table is not None and column in table.columns

    def texts(self, rule: Rule, column: str, contracts: np.ndarray, spec: str = "") -> pa.Array:
        """The formatted value of ``column`` for the contracts at ``contracts`` (the column formatted once)."""
        key = (rule.scope, column, spec)
        if key not in self._codes:
            self._codes[key] = encode(self.table(rule)[column], spec)  # type: ignore[index]
        codes, texts = self._codes[key]
        rows = self.positions(rule, contracts)
        return decode(np.where(rows >= 0, codes[np.maximum(rows, 0)], len(texts) - 1), texts)

    def rows(self, rule: Rule, contracts: np.ndarray, columns: Iterable[str]) -> list[dict[str, Any]]:
        """The rule's rows for the contracts at ``contracts`` as plain dicts of the columns given."""
        table = self.table(rule)
        rows = self.positions(rule, contracts)
        if table is None:
            return [{} for _ in rows]
        present = [c for c in dict.fromkeys(columns) if c in table.columns]
        picked = table[present].iloc[np.maximum(rows, 0)].to_dict(orient="records")
        return [{k: plain(v) for k, v in r.items()} if pos >= 0 else {} for r, pos in zip(picked, rows, strict=True)]


def _row_thresholds(rule: Rule, sources: Sources, contracts: np.ndarray,
                    meta: Mapping[str, Any] | None) -> list[dict[str, Any]] | None:
    """Per row, the thresholds a dataset-relative rule reports for it (None for other rules)."""
    check = rule.check_fn
    if not isinstance(check, DatasetCheck) or meta is None:
        return None
    if check.row_meta is None:
        fixed = {k: plain(x) for k, x in meta.items() if not isinstance(x, dict)}
        return [fixed] * len(contracts)
    table = sources.table(rule)
    columns = list(table.columns) if table is not None else []
    return [{k: plain(x) for k, x in check.row_meta(r, meta, **rule.params).items()}
            for r in sources.rows(rule, contracts, columns)]


def _placeholder(rule: Rule, name: str, spec: str, sources: Sources, contracts: np.ndarray,
                 thresholds: list[dict[str, Any]] | None) -> pa.Array | str:
    """The text a placeholder takes on every row: thresholds first, then the row's column, then a parameter."""
    if thresholds is not None and any(name in t for t in thresholds):
        return pa.array([format_value(t.get(name), spec) for t in thresholds], TEXT)
    if sources.has(rule, name):
        return sources.texts(rule, name, contracts, spec)
    if name in rule.params:
        return format_value(rule.params[name], spec)
    return MISSING_TEXT


def explanations(rule: Rule, sources: Sources, contracts: np.ndarray,
                 thresholds: list[dict[str, Any]] | None) -> pa.Array:
    """The rule's ``explain`` template filled for the contracts at ``contracts``."""
    parts: list[pa.Array | str] = []
    for literal, name, spec, _conv in string.Formatter().parse(rule.explain):
        parts.append(literal)
        if name is not None:
            parts.append(_placeholder(rule, name, spec or "", sources, contracts, thresholds))
    return concat(parts, len(contracts))


def evidence(rule: Rule, sources: Sources, contracts: np.ndarray, as_of: date | None) -> pa.Array:
    """The raw values behind each row's outcome as ``column: value; ...`` (the columns explain_row records)."""
    names = list(dict.fromkeys([*rule.columns, *rule.evidence]))
    parts: list[pa.Array | str] = []
    for i, name in enumerate(names):
        values = sources.texts(rule, name, contracts) if sources.has(rule, name) else MISSING_TEXT
        parts += [("; " if i else "") + f"{name}: ", values]
    if accepts(rule.check_fn, "as_of") and as_of is not None:
        parts.append(("; " if names else "") + f"as_of: {as_of.isoformat()}")
    return concat(parts, len(contracts))


def _threshold_text(thresholds: list[dict[str, Any]] | None, n: int) -> pa.Array:
    """Thresholds per row as ``name: value; ...`` (empty for rules with fixed parameters)."""
    if thresholds is None:
        return pa.repeat(pa.scalar("", TEXT), n)
    return pa.array(["; ".join(f"{k}: {format_value(v)}" for k, v in t.items()) for t in thresholds], TEXT)


def _rule_record(rule: Rule) -> dict[str, Any]:
    """The rule-level columns of a finding."""
    return {"rule_code": rule.code, "rule_version": rule.version, "title": rule.title, "pillar": rule.pillar,
            "scope": rule.scope, "weight": rule.weight, "hard_flag": rule.hard_flag,
            "citation": citation_text(rule), "action": rule.action}


def _categorical(codes: np.ndarray, values: list[Any]) -> pd.Categorical:
    """Values picked by codes as a categorical (repeated text is held once)."""
    categories, inverse = np.unique(np.asarray(values, dtype=object), return_inverse=True)
    return pd.Categorical.from_codes(inverse[codes], categories=categories)


def _ids(ids: pd.DataFrame, name: str, pos: np.ndarray) -> pd.Categorical:
    """An id column of the contracts picked by position, as a categorical."""
    column = ids[name] if name in ids.columns else pd.Series([None] * len(ids), dtype=object)
    codes, uniques = pd.factorize(column.astype("string"), use_na_sentinel=True)
    return pd.Categorical.from_codes(codes[pos], categories=pd.Index(uniques.astype(object)))


def _empty() -> pd.DataFrame:
    """A findings table with no rows."""
    return pd.DataFrame({c: pd.Series([], dtype=object) for c in FINDING_COLUMNS})


def build_findings(catalogue: Catalogue, outcomes: pd.DataFrame, ids: pd.DataFrame, sources: Sources,
                   thresholds: Mapping[str, Mapping[str, Any]], as_of: date | None) -> pd.DataFrame:
    """One row per flagged (contract, rule) of the contracts in scope, in contract order, heaviest rule first.

    ``outcomes`` (int8, a column per rule code) and ``ids`` (key, contract_id, supplier_name, buyer_name) are
    aligned with the contracts in scope; ``thresholds`` are the dataset-relative rules' thresholds of the run.
    Text columns are Arrow strings; id and rule columns are categoricals.
    """
    codes = rule_order(catalogue, [c for c in outcomes.columns if c in set(catalogue.codes)])
    by_code = {r.code: r for r in catalogue.rules}
    positions, ranks, texts, proofs, limits = [], [], [], [], []
    for rank, code in enumerate(codes):
        rule = by_code[code]
        idx = np.flatnonzero(outcomes[code].to_numpy() == 1)
        if not len(idx):
            continue
        per_row = _row_thresholds(rule, sources, idx, thresholds.get(code))
        positions.append(idx)
        ranks.append(np.full(len(idx), rank, dtype=np.int32))
        texts.append(explanations(rule, sources, idx, per_row))
        proofs.append(evidence(rule, sources, idx, as_of))
        limits.append(_threshold_text(per_row, len(idx)))
    if not positions:
        return _empty()
    pos = np.concatenate(positions)
    rank = np.concatenate(ranks)
    order = np.lexsort((rank, pos))
    pos, rank = pos[order], rank[order]
    take = pa.array(order)
    records = [_rule_record(by_code[c]) for c in codes]
    out: dict[str, Any] = {name: _ids(ids, name, pos) for name in ID_FIELDS}
    for name in ("rule_version", "weight", "hard_flag"):
        out[name] = np.asarray([r[name] for r in records], dtype=bool if name == "hard_flag" else np.int64)[rank]
    for name in RULE_TEXT:
        out[name] = _categorical(rank, [r[name] for r in records])
    for name, chunks in (("explanation", texts), ("evidence", proofs), ("thresholds", limits)):
        out[name] = pd.Series(pd.arrays.ArrowExtensionArray(pc.take(pa.concat_arrays(chunks), take)))
    return pd.DataFrame({c: out[c] for c in FINDING_COLUMNS})
