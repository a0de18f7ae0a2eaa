"""The registered checks: vectorised functions ``(frame, **params) -> boolean Series`` (True flagged, NA not assessed).

Generic checks live here and are listed in ``GENERIC_CHECKS``; dataset-relative ones are ``DatasetCheck``s
(``procrisk.rules.peer``); custom checks are listed in ``procrisk.rules.custom.CUSTOM_CHECKS``. The first line of
each docstring is the check's description in ``procrisk rules show`` and docs/rule-format.md.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from procrisk.rules import values as v

Check = Callable[..., Any]

# Parameters supplied by the engine at run time, never by a rule file or settings (older_than reads as_of).
RUNTIME_PARAMS = ("as_of",)
# Parameter names whose values name columns of the rule's table (custom checks follow the same convention).
COLUMN_PARAMS = ("column", "columns", "numerator", "denominator", "group_by")


def is_column_param(name: str) -> bool:
    """Whether a parameter of that name holds a column name or a list of column names."""
    return name in COLUMN_PARAMS or name.endswith(("_column", "_columns"))


@dataclass(frozen=True)
class DatasetCheck:
    """A dataset-relative check: ``fit`` computes thresholds over the whole table once, ``apply`` uses them.

    ``fit(frame, **params) -> meta`` sees every row the rule assesses (all batches) and returns a
    JSON-serialisable dict of the thresholds it computed (recorded in the run manifest).
    ``apply(frame, meta, **params) -> boolean Series`` flags one batch with those thresholds.
    ``row_meta(row, meta, **params) -> dict`` gives the thresholds that concern one row (evidence and
    ``{placeholders}``; its keys are listed in ``meta_keys``), ``reason(row, meta, **params) -> str | None`` why a
    row with all its fields could still not be assessed (for example a peer group below its minimum size).
    ``not_applicable(frame, **params) -> bool array`` (optional) marks rows the check does not apply to.
    Calling the check directly fits on the frame given and returns ``(series, meta)``.
    """

    fit: Callable[..., dict]
    apply: Callable[..., pd.Series]
    meta_keys: tuple[str, ...] = ()
    row_meta: Callable[..., dict] | None = None
    reason: Callable[..., str | None] | None = None
    doc: str = field(default="")
    not_applicable: Callable[..., np.ndarray] | None = None

    def __call__(self, frame: pd.DataFrame, **params: Any) -> tuple[pd.Series, dict]:
        """Fit on ``frame`` and flag it: returns ``(series, meta)``."""
        meta = self.fit(frame, **params)
        return self.apply(frame, meta, **params), meta

    @property
    def signature_target(self) -> Callable[..., Any]:
        """The function whose signature defines the check's parameters (``fit``)."""
        return self.fit


def signature_of(check: Check) -> inspect.Signature:
    """The parameters a rule may set for a check: its signature without ``frame`` and the runtime parameters."""
    target = check.signature_target if isinstance(check, DatasetCheck) else check
    sig = inspect.signature(target)
    params = [p for name, p in sig.parameters.items() if name not in ("frame", *RUNTIME_PARAMS)]
    return sig.replace(parameters=params)


@functools.cache
def accepts(check: Check, name: str) -> bool:
    """Whether the check takes a keyword argument ``name`` (the engine passes ``as_of`` only to those that do)."""
    target = check.signature_target if isinstance(check, DatasetCheck) else check
    return name in inspect.signature(target).parameters


def gate_of(check: Check) -> Callable[..., np.ndarray] | None:
    """The check's optional ``not_applicable(frame, **params) -> bool array`` (a field or a function attribute)."""
    return getattr(check, "not_applicable", None)


def description(check: Check) -> str:
    """The first line of a check's docstring."""
    doc = (check.doc or check.fit.__doc__ or "") if isinstance(check, DatasetCheck) else (check.__doc__ or "")
    return doc.strip().splitlines()[0] if doc.strip() else ""


# ---------------------------------------------------------------------------------------------------------
# generic checks


def in_set(frame: pd.DataFrame, column: str, values: Sequence[Any]) -> pd.Series:
    """Flag when the value is one of ``values`` (list columns: when any element is)."""
    series = frame[column]
    wanted = list(values)
    if v.is_list_column(series):
        found, missing = v.list_any(series, lambda s: s.isin([str(x) for x in wanted]).to_numpy())
    elif isinstance(series.dtype, pd.CategoricalDtype):
        found, missing = v.on_categories(series, lambda cats: cats.isin(wanted).to_numpy())
    else:
        found, missing = series.isin(wanted).to_numpy(dtype=bool), v.null_mask(series)
    return v.boolean_series(found, missing, frame.index)


def not_in_set(frame: pd.DataFrame, column: str, values: Sequence[Any]) -> pd.Series:
    """Flag when the value is not one of ``values`` (list columns: when any element is not)."""
    series = frame[column]
    wanted = list(values)
    if v.is_list_column(series):
        found, missing = v.list_any(series, lambda s: ~s.isin([str(x) for x in wanted]).to_numpy())
    elif isinstance(series.dtype, pd.CategoricalDtype):
        found, missing = v.on_categories(series, lambda cats: ~cats.isin(wanted).to_numpy())
    else:
        missing = v.null_mask(series)
        found = ~series.isin(wanted).to_numpy(dtype=bool) & ~missing
    return v.boolean_series(found, missing, frame.index)


def is_true(frame: pd.DataFrame, column: str) -> pd.Series:
    """Flag when the boolean value is true."""
    values, missing = v.bool_values(frame[column])
    return v.boolean_series(values, missing, frame.index)


def is_false(frame: pd.DataFrame, column: str) -> pd.Series:
    """Flag when the boolean value is false."""
    values, missing = v.bool_values(frame[column])
    return v.boolean_series(~values, missing, frame.index)


def above(frame: pd.DataFrame, column: str, threshold: float, inclusive: bool = False) -> pd.Series:
    """Flag when the number is above ``threshold`` (at or above it when ``inclusive``)."""
    x = v.numeric_values(frame[column])
    with np.errstate(invalid="ignore"):
        found = x >= threshold if inclusive else x > threshold
    return v.boolean_series(found, np.isnan(x), frame.index)


def below(frame: pd.DataFrame, column: str, threshold: float, inclusive: bool = False) -> pd.Series:
    """Flag when the number is below ``threshold`` (at or below it when ``inclusive``)."""
    x = v.numeric_values(frame[column])
    with np.errstate(invalid="ignore"):
        found = x <= threshold if inclusive else x < threshold
    return v.boolean_series(found, np.isnan(x), frame.index)


def any_above(frame: pd.DataFrame, columns: Sequence[str], threshold: float, inclusive: bool = False) -> pd.Series:
    """Flag when any of the numbers is above ``threshold``; not assessed when none is and one is missing."""
    found = np.zeros(len(frame), dtype=bool)
    unknown = np.zeros(len(frame), dtype=bool)
    for column in columns:
        x = v.numeric_values(frame[column])
        with np.errstate(invalid="ignore"):
            found |= x >= threshold if inclusive else x > threshold
        unknown |= np.isnan(x)
    return v.boolean_series(found, unknown & ~found, frame.index)


def _ratio(frame: pd.DataFrame, numerator: str, denominator: str) -> tuple[np.ndarray, np.ndarray]:
    """numerator / denominator and the rows where it is undefined (a value missing or a zero denominator)."""
    num = v.numeric_values(frame[numerator])
    den = v.numeric_values(frame[denominator])
    undefined = np.isnan(num) | np.isnan(den) | (den == 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(undefined, np.nan, num / np.where(den == 0, 1.0, den)), undefined


def ratio_below(frame: pd.DataFrame, numerator: str, denominator: str, threshold: float,
                inclusive: bool = False) -> pd.Series:
    """Flag when numerator / denominator is below ``threshold`` (not assessed when the denominator is 0)."""
    ratio, undefined = _ratio(frame, numerator, denominator)
    with np.errstate(invalid="ignore"):
        found = ratio <= threshold if inclusive else ratio < threshold
    return v.boolean_series(found, undefined, frame.index)


def ratio_above(frame: pd.DataFrame, numerator: str, denominator: str, threshold: float,
                inclusive: bool = False) -> pd.Series:
    """Flag when numerator / denominator is above ``threshold`` (not assessed when the denominator is 0)."""
    ratio, undefined = _ratio(frame, numerator, denominator)
    with np.errstate(invalid="ignore"):
        found = ratio >= threshold if inclusive else ratio > threshold
    return v.boolean_series(found, undefined, frame.index)


def older_than(frame: pd.DataFrame, column: str, days: int, as_of: date | None = None) -> pd.Series:
    """Flag when the date is more than ``days`` days before the run's ``as_of`` date (settings)."""
    day, missing = v.day_numbers(frame[column])
    reference = v.day_number(as_of or date.today())
    return v.boolean_series((reference - day) > days, missing, frame.index)


def missing(frame: pd.DataFrame, column: str) -> pd.Series:
    """Flag when the value is empty (null, blank text or an empty list); never not assessed."""
    series = frame[column]
    if v.is_list_column(series):
        lengths = series.map(len, na_action="ignore") if series.dtype == object else series.list.len()
        empty = series.isna().to_numpy(dtype=bool) | (pd.to_numeric(lengths, errors="coerce").fillna(0) == 0).to_numpy()
    elif isinstance(series.dtype, pd.CategoricalDtype):
        blank, null = v.on_categories(series, lambda cats: (cats.astype(str).str.strip() == "").to_numpy())
        empty = blank | null
    else:
        null = v.null_mask(series)
        text = v.text_values(series)
        empty = null | (text.str.strip() == "").fillna(value=False).to_numpy(dtype=bool)
    return v.boolean_series(empty, np.zeros(len(series), dtype=bool), frame.index)


def prefix_in(frame: pd.DataFrame, column: str, prefixes: Sequence[str]) -> pd.Series:
    """Flag when the code starts with one of ``prefixes`` (e.g. CPV divisions or groups)."""
    series = frame[column]
    starts = tuple(str(p) for p in prefixes)

    def match(values: pd.Series) -> np.ndarray:
        return v.text_values(values).str.startswith(starts).fillna(value=False).to_numpy(dtype=bool)

    found, missing_ = v.on_distinct(series, match)
    return v.boolean_series(found, missing_, frame.index)


def text_contains_any(frame: pd.DataFrame, columns: Sequence[str], terms: Sequence[str]) -> pd.Series:
    """Flag when any of the text columns mentions one of ``terms`` (whole words, any case)."""
    pattern = v.terms_pattern(terms)
    found = np.zeros(len(frame), dtype=bool)
    present = np.zeros(len(frame), dtype=bool)
    for column in columns:
        hits, missing_ = v.contains_pattern(frame[column], pattern)
        found |= hits
        present |= ~missing_
    return v.boolean_series(found, ~present & ~found, frame.index)


def classified_or_described(frame: pd.DataFrame, column: str, prefixes: Sequence[str],
                            text_columns: Sequence[str], terms: Sequence[str]) -> pd.Series:
    """Flag when the code starts with one of ``prefixes`` or a text column mentions one of ``terms``."""
    by_code = prefix_in(frame, column, prefixes)
    by_text = text_contains_any(frame, text_columns, terms)
    found = by_code.fillna(value=False).to_numpy(dtype=bool) | by_text.fillna(value=False).to_numpy(dtype=bool)
    unknown = by_code.isna().to_numpy() & by_text.isna().to_numpy()
    return v.boolean_series(found, unknown & ~found, frame.index)


GENERIC_CHECKS: dict[str, Check] = {
    "in_set": in_set,
    "not_in_set": not_in_set,
    "is_true": is_true,
    "is_false": is_false,
    "above": above,
    "below": below,
    "any_above": any_above,
    "ratio_below": ratio_below,
    "ratio_above": ratio_above,
    "older_than": older_than,
    "missing": missing,
    "prefix_in": prefix_in,
    "text_contains_any": text_contains_any,
    "classified_or_described": classified_or_described,
}


@functools.cache
def registry() -> Mapping[str, Check]:
    """Every registered check by name: the generic ones, the peer (dataset) ones and the custom ones."""
    from procrisk.rules.custom import CUSTOM_CHECKS
    from procrisk.rules.peer import PEER_CHECKS

    checks: dict[str, Check] = {**GENERIC_CHECKS, **PEER_CHECKS}
    for name, check in CUSTOM_CHECKS.items():
        if name in checks:
            msg = f"custom check {name!r} has the name of a generic check; rename it"
            raise ValueError(msg)
        checks[name] = check
    return checks
