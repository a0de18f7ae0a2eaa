"""The rule engine: every rule once per row batch, vectorised, into a compact int8 outcome matrix.

Outcome of one (entity, rule): ``applies_when`` definitely false -> not_applicable (-2); a condition unknown or a
``requires`` column missing -> not_assessed (-1); otherwise the check decides: True flagged (1), False clear (0),
NA not_assessed (-1). Dataset-relative checks are fitted once over the whole table, on a thread of their own
while the batches' other rules are evaluated; each batch applies them once the thresholds are known.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from pandas.api.types import union_categoricals

from procrisk.rules import values as v
from procrisk.rules.catalogue import Catalogue
from procrisk.rules.checks import accepts, gate_of
from procrisk.rules.model import Condition, Rule
from procrisk.rules.outcomes import NOT_ASSESSED, OUTCOME_NAMES
from procrisk.rules.parallel import Prefetched, default_workers, ordered_map
from procrisk.rules.sources import Source, as_source, categorical_text, coerce, plain_text, with_columns

ENTITY_ID = {"contract": "contract_id", "supplier": "supplier_id"}
CONTRACT_CARRY = ("contract_id", "supplier_id", "supplier_name", "supplier_name_key", "award_value",
                  "estimated_value", "currency")
SUPPLIER_CARRY = ("supplier_id", "supplier_name", "supplier_name_key")
DEFAULT_BATCH_SIZE = 500_000


class BatchCache:
    """Per-batch derived arrays shared by all rules: missing masks and applies_when results."""

    def __init__(self, frame: pd.DataFrame) -> None:
        """Start empty caches for ``frame``."""
        self.frame = frame
        self._null: dict[str, np.ndarray] = {}
        self._any_null: dict[tuple[str, ...], np.ndarray] = {}
        self._conditions: dict[Condition, tuple[np.ndarray, np.ndarray]] = {}
        self._applicability: dict[tuple[Condition, ...], tuple[np.ndarray, np.ndarray]] = {}

    def null(self, column: str) -> np.ndarray:
        """True where the column is missing."""
        if column not in self._null:
            self._null[column] = v.null_mask(self.frame[column])
        return self._null[column]

    def any_null(self, columns: Sequence[str]) -> np.ndarray:
        """True where any of the columns is missing."""
        key = tuple(columns)
        if key not in self._any_null:
            out = np.zeros(len(self.frame), dtype=bool)
            for column in key:
                out |= self.null(column)
            self._any_null[key] = out
        return self._any_null[key]

    def condition(self, cond: Condition) -> tuple[np.ndarray, np.ndarray]:
        """(condition holds, condition unknown) for one applies_when condition."""
        if cond not in self._conditions:
            series = self.frame[cond.column]
            unknown = self.null(cond.column)
            wanted = list(cond.values)
            if v.is_list_column(series):
                hit, _ = v.list_any(series, lambda s: s.isin([str(x) for x in wanted]).to_numpy())
            elif isinstance(series.dtype, pd.CategoricalDtype):
                hit, _ = v.on_categories(series, lambda cats: cats.isin(wanted).to_numpy())
            elif isinstance(series.dtype, pd.BooleanDtype):
                values, _ = v.masked_parts(series)
                hit = np.zeros(len(series), dtype=bool)
                if any(x is True for x in wanted):
                    hit |= values
                if any(x is False for x in wanted):
                    hit |= ~values
            else:
                hit = series.isin(wanted).to_numpy(dtype=bool)
            holds = (~hit if cond.negate else hit) & ~unknown
            self._conditions[cond] = (holds, unknown)
        return self._conditions[cond]

    def applicability(self, conditions: Sequence[Condition]) -> tuple[np.ndarray, np.ndarray]:
        """(not applicable: a condition is definitely false, unknown: none false but one unknown)."""
        key = tuple(conditions)
        if key not in self._applicability:
            n = len(self.frame)
            false = np.zeros(n, dtype=bool)
            unknown = np.zeros(n, dtype=bool)
            for cond in key:
                holds, unk = self.condition(cond)
                false |= ~holds & ~unk
                unknown |= unk
            self._applicability[key] = (false, unknown & ~false)
        return self._applicability[key]


def _call_params(rule: Rule, as_of: date) -> dict[str, Any]:
    """The rule's params plus ``as_of`` for checks that take it."""
    params = dict(rule.params)
    if accepts(rule.check_fn, "as_of"):
        params["as_of"] = as_of
    return params


def _result_arrays(rule: Rule, result: Any, frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """(flagged, not assessed) arrays from a check's Series; a malformed result is a programming error."""
    if isinstance(result, tuple):  # a dataset check called directly returns (series, meta)
        result = result[0]
    if not isinstance(result, pd.Series) or len(result) != len(frame):
        msg = f"check {rule.check} of {rule.code} returned {type(result).__name__}, not a Series of {len(frame)} rows"
        raise TypeError(msg)
    if result.index is not frame.index and not result.index.equals(frame.index):
        msg = f"check {rule.check} of {rule.code} returned a Series not aligned to the frame's index"
        raise TypeError(msg)
    if isinstance(result.dtype, pd.BooleanDtype):
        return v.masked_parts(result)
    return v.bool_values(result)


def check_gate(rule: Rule, frame: pd.DataFrame, params: Mapping[str, Any]) -> np.ndarray | None:
    """Rows the check itself declares not applicable (its optional ``not_applicable`` hook), else None."""
    gate = gate_of(rule.check_fn)
    if gate is None:
        return None
    return np.asarray(gate(frame, **{k: x for k, x in params.items() if k != "as_of"}), dtype=bool)


def assessable_mask(rule: Rule, cache: BatchCache) -> np.ndarray:
    """Rows the rule applies to with every required field present (those a dataset check is fitted on)."""
    not_applicable, unknown = cache.applicability(rule.applies_when)
    mask = ~(not_applicable | unknown | cache.any_null(rule.requires))
    gate = check_gate(rule, cache.frame, rule.params)
    return mask if gate is None else mask & ~gate


def rule_outcomes(rule: Rule, frame: pd.DataFrame, cache: BatchCache, meta: Mapping[str, Any] | None,
                  as_of: date) -> np.ndarray:
    """The int8 outcome of one rule for every row of one batch (1-byte arithmetic, no per-row Python)."""
    params = _call_params(rule, as_of)
    check = rule.check_fn
    result = check.apply(frame, meta or {}, **params) if rule.is_dataset_check else check(frame, **params)
    flagged, undecided = _result_arrays(rule, result, frame)
    not_applicable, unknown = cache.applicability(rule.applies_when)
    na = undecided | unknown | cache.any_null(rule.requires) if rule.requires else undecided | unknown
    out = (flagged & ~na).view(np.int8) - na.view(np.int8)  # 1 flagged, 0 clear, -1 not assessed
    gate = check_gate(rule, frame, params)
    if gate is not None:
        not_applicable = not_applicable | gate
    if rule.applies_when or gate is not None:
        out -= not_applicable.view(np.int8) * (out + 2)  # -2 where not applicable
    return out


def prepare_frame(frame: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    """Add absent columns as missing and give declared columns their dtypes."""
    return coerce(with_columns(frame, columns), columns)


_Subsets = list[tuple[pd.DataFrame, np.ndarray, pd.DataFrame]]


def _assessed_rows(rule: Rule, frame: pd.DataFrame, memo: _Subsets) -> pd.DataFrame:
    """The rows of ``frame`` the rule assesses; rules with the same rows (R024 and R058) share one subset frame, so
    that what a check caches on its columns (``procrisk.rules.values.distinct``) serves both."""
    prepared = prepare_frame(frame, rule.columns)
    mask = assessable_mask(rule, BatchCache(prepared))
    for seen, seen_mask, rows in memo:
        if seen is prepared and np.array_equal(seen_mask, mask):
            return rows
    rows = prepared[mask]
    memo.append((prepared, mask, rows))
    return rows


def fit_rule(rule: Rule, frame: pd.DataFrame, as_of: date, memo: _Subsets | None = None) -> dict[str, Any]:
    """Fit a dataset-relative rule on the rows it assesses; returns its thresholds (meta)."""
    rows = _assessed_rows(rule, frame, memo if memo is not None else [])
    return rule.check_fn.fit(rows, **_call_params(rule, as_of))


def evaluate_frame(rules: Sequence[Rule], frame: pd.DataFrame, *, as_of: date | None = None,
                   meta: Mapping[str, Mapping[str, Any]] | None = None) -> tuple[np.ndarray, dict[str, dict]]:
    """Outcomes (rows x rules, int8) of rules on one frame; dataset checks without ``meta`` are fitted on it."""
    as_of = as_date(as_of) or date.today()
    columns = list(dict.fromkeys(c for r in rules for c in r.columns))
    frame = prepare_frame(frame, columns)
    cache = BatchCache(frame)
    fitted: dict[str, dict] = {}
    out = np.empty((len(frame), len(rules)), dtype=np.int8, order="F")
    for j, rule in enumerate(rules):
        rule_meta = None
        if rule.is_dataset_check:
            rule_meta = dict(meta[rule.code]) if meta and rule.code in meta else fit_rule(rule, frame, as_of)
            fitted[rule.code] = rule_meta
        out[:, j] = rule_outcomes(rule, frame, cache, rule_meta, as_of)
    return out, fitted


@dataclass
class Outcomes:
    """The outcome matrix of one table: one int8 column per rule, rows in table order, plus carried id columns.

    ``values[i, j]`` is the outcome of row ``i`` for rule ``codes[j]`` (1 flagged, 0 clear, -1 not_assessed,
    -2 not_applicable). ``keys`` holds the id and value columns scoring needs, aligned by position.
    ``supplier_rows`` (contracts only) is the position of each contract's supplier in the suppliers
    outcomes (-1: no questionnaire row). ``meta`` holds the thresholds of dataset-relative rules.
    """

    scope: str
    codes: tuple[str, ...]
    values: np.ndarray
    keys: pd.DataFrame
    meta: dict[str, dict] = field(default_factory=dict)
    as_of: date = field(default_factory=date.today)
    supplier_rows: np.ndarray | None = None

    def __len__(self) -> int:
        """Number of rows."""
        return self.values.shape[0]

    @property
    def matrix(self) -> pd.DataFrame:
        """The outcome matrix as a DataFrame of int8 columns named by rule code (no copy)."""
        return pd.DataFrame(self.values, columns=list(self.codes), copy=False)

    def column(self, code: str) -> np.ndarray:
        """Outcomes of one rule for every row."""
        return self.values[:, self.codes.index(code)]

    def positions(self, entity_id: str) -> np.ndarray:
        """Row positions whose entity id equals ``entity_id``."""
        ids = self.keys[ENTITY_ID[self.scope]]
        return np.flatnonzero((ids == entity_id).to_numpy(dtype=bool, na_value=False))

    def row(self, position: int) -> dict[str, str]:
        """``{code: outcome name}`` of one row."""
        return {code: OUTCOME_NAMES[int(x)] for code, x in zip(self.codes, self.values[position], strict=True)}

    def counts(self) -> dict[str, dict[str, int]]:
        """Per rule, how many rows have each outcome."""
        out = {}
        for j, code in enumerate(self.codes):
            tally = np.bincount(self.values[:, j].astype(np.int64) + 2, minlength=4)
            out[code] = {OUTCOME_NAMES[k - 2]: int(tally[k]) for k in range(4)}
        return out

    def manifest(self) -> dict[str, Any]:
        """What the run manifest records: rows, as_of, thresholds of dataset checks and outcome counts."""
        return {"scope": self.scope, "rows": len(self), "as_of": self.as_of.isoformat(),
                "thresholds": self.meta, "counts": self.counts()}


def supplier_rows(frame: pd.DataFrame, suppliers: Outcomes | None) -> np.ndarray:
    """Position of each contract's supplier row: by supplier_id, else by supplier_name_key; -1 when none."""
    return _lookup_rows(frame, _supplier_lookup(suppliers))


def as_date(value: date | str | None) -> date | None:
    """A run date given as a date, a datetime or ISO text (None stays None)."""
    if value is None:
        return None
    if isinstance(value, datetime):  # pd.Timestamp too
        return value.date()
    if isinstance(value, date):
        return value
    return pd.Timestamp(value).date()


def _rules_of(rules: Catalogue | Iterable[Rule] | Rule) -> tuple[list[Rule], date | None]:
    """The rules as a list, and the catalogue's settings date when a catalogue is given."""
    if isinstance(rules, Rule):
        return [rules], None
    if isinstance(rules, Catalogue):
        return list(rules.rules), rules.settings.as_of
    return list(rules), None


def _carry_part(frame: pd.DataFrame, carry: Sequence[str], decode: Iterable[str] = ()) -> pd.DataFrame:
    """The carried columns of one batch (absent ones as missing); ``decode``: categoricals given back as text."""
    part = with_columns(frame, carry)[list(carry)].reset_index(drop=True)
    changes = {c: plain_text(part[c]) for c in decode if c in part.columns}
    return part.assign(**changes) if changes else part


def _concat_parts(parts: list[pd.DataFrame], carry: Sequence[str]) -> pd.DataFrame:
    """Batches of carried columns as one frame; categoricals are unioned, not turned into objects."""
    if not parts:
        return with_columns(pd.DataFrame(), carry)
    columns = {}
    for c in carry:
        pieces = [p[c] for p in parts]
        if all(isinstance(x.dtype, pd.CategoricalDtype) for x in pieces):
            columns[c] = pd.Series(union_categoricals([x.array for x in pieces], ignore_order=True))
        else:
            columns[c] = pd.concat(pieces, ignore_index=True)
    return pd.DataFrame(columns)


def fit_dataset_rules(rules: Sequence[Rule], source: Source, as_of: date) -> tuple[dict[str, dict], pd.DataFrame]:
    """First pass: fit every dataset-relative rule over the whole table, reading their columns once.

    Returns the thresholds per rule and the columns read (kept, so that the batches need not read them again).
    """
    frame = read_pinned(rules, source)
    return fit_pinned(rules, frame, as_of), frame


def read_pinned(rules: Sequence[Rule], source: Source) -> pd.DataFrame:
    """The whole columns the dataset-relative rules read (none: an empty frame), rows numbered from 0."""
    fitted = [r for r in rules if r.is_dataset_check]
    if not fitted:
        return pd.DataFrame(index=pd.RangeIndex(0))
    needed = list(dict.fromkeys(c for r in fitted for c in r.columns))
    frame = source.read(needed)
    return frame[[c for c in needed if c in frame.columns]].set_axis(pd.RangeIndex(len(frame)), axis=0)


def fit_pinned(rules: Sequence[Rule], frame: pd.DataFrame, as_of: date) -> dict[str, dict]:
    """The thresholds of every dataset-relative rule, fitted on the whole columns ``read_pinned`` gave."""
    memo: _Subsets = []
    return {rule.code: fit_rule(rule, frame, as_of, memo) for rule in rules if rule.is_dataset_check}


def _supplier_lookup(suppliers: Outcomes | None) -> dict[str, pa.Array]:
    """The supplier key columns as Arrow value sets (built once, probed by every batch)."""
    if suppliers is None or len(suppliers) == 0:
        return {}
    return {key: pa.array(suppliers.keys[key].astype("str"), type=pa.large_string(), from_pandas=True)
            for key in ("supplier_id", "supplier_name_key") if key in suppliers.keys.columns}


def _lookup_rows(frame: pd.DataFrame, lookup: Mapping[str, pa.Array]) -> np.ndarray:
    """Position of each row's supplier: by supplier_id, else by supplier_name_key; -1 when none."""
    n = len(frame)
    rows = np.full(n, -1, dtype=np.int64)
    for key, table in lookup.items():
        if key not in frame.columns:
            continue
        todo = np.flatnonzero(rows < 0)
        if len(todo) == 0:
            break
        values = frame[key] if len(todo) == n else frame[key].iloc[todo]
        probe = pa.array(values.astype("str"), type=pa.large_string(), from_pandas=True)
        found = pc.index_in(probe, value_set=table, skip_nulls=True)
        rows[todo] = found.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)
    return rows


def _inherited_table(suppliers: Outcomes | None, inherited: Sequence[Rule]) -> np.ndarray:
    """The supplier outcomes of the inherited rules, one column each, with a last row of not_assessed for
    contracts without a supplier row (built once, gathered from by every batch)."""
    m = 0 if suppliers is None else len(suppliers)
    table = np.full((m + 1, len(inherited)), NOT_ASSESSED, dtype=np.int8, order="F")
    for k, rule in enumerate(inherited):
        if m:
            table[:m, k] = suppliers.values[:, suppliers.codes.index(rule.code)]
    return table


def _inherit(values: np.ndarray, start: int, rows: np.ndarray, table: np.ndarray) -> None:
    """Write the supplier-scope outcomes of each contract's supplier row (-1 where it has none)."""
    first = values.shape[1] - table.shape[1]
    block = values[start:start + len(rows), first:]
    slot = np.where(rows < 0, table.shape[0] - 1, rows)  # -1: the last row, not assessed
    for k in range(table.shape[1]):
        np.take(table[:, k], slot, out=block[:, k], mode="clip")


@dataclass
class _Batch:
    """One row batch to evaluate and where its rows go in the outcome matrix."""

    start: int
    frame: pd.DataFrame


def evaluate_table(rules: Catalogue | Iterable[Rule], source: pd.DataFrame | Source, *, scope: str = "contract",
                   suppliers: Outcomes | None = None, as_of: date | str | None = None,
                   batch_size: int = DEFAULT_BATCH_SIZE, carry: Sequence[str] | None = None,
                   workers: int | None = None) -> Outcomes:
    """Evaluate every rule of a scope over a whole table in row batches and return its outcome matrix.

    ``scope="supplier"``: the supplier-scope rules on the suppliers table. ``scope="contract"``: the
    contract-scope rules on the contracts table, and every supplier-scope rule inherited from ``suppliers``
    (the supplier outcomes; joined by supplier_id, else supplier_name_key; no supplier row -> not_assessed).
    ``as_of`` defaults to the catalogue's settings, else today. Batches are read one ahead and evaluated on
    ``workers`` threads (default: the CPUs, see ``procrisk.rules.parallel``); the result does not depend on
    either. Memory: a few batches of the columns the rules read, plus the int8 matrix and the carried id/value
    columns of every row.
    """
    rule_list, settings_as_of = _rules_of(rules)
    as_of = as_date(as_of) or settings_as_of or date.today()
    source = as_source(source)
    own = [r for r in rule_list if r.scope == scope]
    inherited = [r for r in rule_list if r.scope == "supplier"] if scope == "contract" else []
    codes = tuple(r.code for r in own + inherited)
    carry = tuple(carry if carry is not None else CONTRACT_CARRY if scope == "contract" else SUPPLIER_CARRY)
    decode = sorted(categorical_text(source).intersection(carry))  # read as categoricals, carried as text
    reader, pinned = _read_ahead(own, source, carry, batch_size)
    # The dataset rules are fitted on a thread of their own while the batches are evaluated: each batch waits
    # for the thresholds only once its other rules are done.
    fitting = ThreadPoolExecutor(max_workers=1, thread_name_prefix="procrisk-fit")
    try:
        thresholds = fitting.submit(fit_pinned, own, pinned, as_of)
        n = source.num_rows
        values = np.empty((n, len(codes)), dtype=np.int8, order="F")
        srows = np.full(n, -1, dtype=np.int64) if scope == "contract" else None
        lookup = _supplier_lookup(suppliers) if scope == "contract" else {}
        table = _inherited_table(suppliers, inherited)
        first = [j for j, r in enumerate(own) if not r.is_dataset_check]
        later = [j for j, r in enumerate(own) if r.is_dataset_check]

        def run(item: _Batch) -> pd.DataFrame:
            start, batch = item.start, item.frame
            rows = slice(start, start + len(batch))
            if first:
                values[rows, first], _ = evaluate_frame([own[j] for j in first], batch, as_of=as_of)
            if later:
                values[rows, later], _ = evaluate_frame([own[j] for j in later], batch, as_of=as_of,
                                                        meta=thresholds.result())
            part = _carry_part(batch, carry, decode)
            if srows is not None:
                srows[rows] = _lookup_rows(part, lookup)
                _inherit(values, start, srows[rows], table)
            return part

        parts = list(ordered_map(run, _with_pinned(reader, pinned, n), workers or default_workers()))
        meta = thresholds.result()
    finally:
        reader.close()
        fitting.shutdown(wait=True, cancel_futures=True)
    keys = _concat_parts(parts, carry)
    return Outcomes(scope, codes, values, keys, meta, as_of, srows)


def _read_ahead(own: Sequence[Rule], source: Source, carry: Sequence[str],
                batch_size: int) -> tuple[Prefetched, pd.DataFrame]:
    """Read the whole columns the dataset rules pin, then start reading the batches (two ahead, without those
    columns); returns the running reader and the pinned columns.

    The pinned columns come first: the dataset rules' fit needs them and every batch waits for the fit, while a
    scan started earlier would take Arrow's threads and delay them.
    """
    wanted = list(dict.fromkeys([*(c for r in own for c in r.columns), *carry]))
    pinned = read_pinned(own, source)
    reader = Prefetched(source.batches([c for c in wanted if c not in pinned.columns], batch_size), ahead=2)
    return reader, pinned


def _with_pinned(reader: Iterable[pd.DataFrame], pinned: pd.DataFrame, n: int) -> Iterator[_Batch]:
    """The batches read, each with its rows of the pinned columns and its start row; checks the row count."""
    pos = 0
    for read in reader:
        m = len(read)
        if not m:
            continue
        if pos + m > n:
            msg = f"the source gave more than the {n} rows it reports"
            raise RuntimeError(msg)
        batch = read
        if len(pinned.columns):
            kept = pinned.iloc[pos:pos + m].set_axis(read.index, axis=0)
            batch = pd.concat([read.drop(columns=[c for c in kept.columns if c in read.columns]), kept], axis=1)
        yield _Batch(pos, batch)
        pos += m
    if pos != n:
        msg = f"the source gave {pos} rows in batches but reports {n}"
        raise RuntimeError(msg)


def evaluate(rules: Rule | Catalogue | Iterable[Rule], frame: pd.DataFrame, *, as_of: date | str | None = None,
             meta: Mapping[str, Mapping[str, Any]] | None = None) -> pd.DataFrame:
    """The Findings table of a few rows: one row per (entity, rule) with outcome, reason, evidence, explanation.

    For small frames (rule cases, rows a user opens or exports); each rule reads ``frame`` as its own scope's
    table. Dataset-relative rules use ``meta`` (thresholds from a full run) when given, else fit on ``frame``.
    """
    from procrisk.rules.explain import explain_row

    rule_list, settings_as_of = _rules_of(rules)
    as_of = as_date(as_of) or settings_as_of or date.today()
    values, fitted = evaluate_frame(rule_list, frame, as_of=as_of, meta=meta)
    records = []
    rows = frame.to_dict(orient="records")
    for j, rule in enumerate(rule_list):
        rule_meta = (meta or {}).get(rule.code) or fitted.get(rule.code)
        for i, row in enumerate(rows):
            records.append(explain_row(rule, row, int(values[i, j]), rule_meta, as_of=as_of).as_dict())
    columns = ["entity_type", "entity_id", "rule_code", "rule_version", "title", "outcome", "reason", "evidence",
               "thresholds", "explanation", "action", "citation"]
    return pd.DataFrame({c: pd.Series([r[c] for r in records], dtype=object) for c in columns})
