"""Shared gates of the OCP Cardinal red-flag ports (R003, R018, R024, R058); not a check itself.

Cardinal 0.0.8 drops a process from every indicator when ``/tender/status`` is exactly ``"cancelled"`` or its
``/tender/procurementMethodDetails`` is on the ``[exclusions]`` list, and drops it from the price indicators
when the price-comparison filter says so (cardinal-indicators.md §2.2, §2.4). Here those processes are
``not_applicable``. Comparisons are exact: case-sensitive, nothing trimmed, as Cardinal compares strings.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from procrisk.rules import values as v
from procrisk.rules.checks import DatasetCheck
from procrisk.rules.custom._columns import column, text_is_in
from procrisk.rules.quantiles import lower_fence, quantile_type8_sorted, upper_fence
from procrisk.schema.columns import CONTRACTS

OCID = CONTRACTS["ocid"].name
TENDER_STATUS = CONTRACTS["tender_status"].name
METHOD = CONTRACTS["procurement_method"].name
METHOD_DETAILS = CONTRACTS["procurement_method_details"].name
RUNNER_UP_GAP = CONTRACTS["runner_up_price_gap"].name

CANCELLED = "cancelled"


def process_gate(
    frame: pd.DataFrame,
    excluded_procurement_method_details: Iterable[str] = (),
    details_column: str = METHOD_DETAILS,
    status_column: str = TENDER_STATUS,
) -> np.ndarray:
    """Rows Cardinal leaves out of every indicator: a cancelled tender or an excluded details value."""
    cancelled = text_is_in(column(frame, status_column), [CANCELLED])
    return cancelled | text_is_in(column(frame, details_column), excluded_procurement_method_details)


def method_gate(
    frame: pd.DataFrame, procurement_methods: Iterable[str], method_column: str = METHOD
) -> np.ndarray:
    """Rows whose procurement method is not in a non-empty method list (a missing method is not in it)."""
    methods = list(procurement_methods)
    if not methods:
        return np.zeros(len(frame), dtype=bool)
    return ~text_is_in(column(frame, method_column), methods)


def method_and_process_gate(
    frame: pd.DataFrame,
    *,
    procurement_methods: Sequence[str] = (),
    excluded_procurement_method_details: Sequence[str] = (),
    method_column: str = METHOD,
    details_column: str = METHOD_DETAILS,
    status_column: str = TENDER_STATUS,
    **_: object,
) -> np.ndarray:
    """Rows R003/R018 do not apply to: cancelled, excluded details, or a method outside a non-empty list."""
    return process_gate(frame, excluded_procurement_method_details, details_column, status_column) | (
        method_gate(frame, procurement_methods, method_column))


def price_gate(
    frame: pd.DataFrame,
    *,
    no_price_comparison_procurement_methods: Iterable[str] = (),
    price_comparison_procurement_methods: Iterable[str] = (),
    excluded_procurement_method_details: Iterable[str] = (),
    details_column: str = METHOD_DETAILS,
    status_column: str = TENDER_STATUS,
    **_: object,
) -> np.ndarray:
    """Rows R024/R058 leave out: the process gate, then the price filter (allow list, else deny list)."""
    details = column(frame, details_column)
    allow = list(price_comparison_procurement_methods)
    deny = no_price_comparison_procurement_methods
    dropped = ~text_is_in(details, allow) if allow else text_is_in(details, deny)
    return process_gate(frame, excluded_procurement_method_details, details_column, status_column) | dropped


def gap_values(frame: pd.DataFrame, gated: np.ndarray, gap_column: str = RUNNER_UP_GAP) -> np.ndarray:
    """The runner-up price gap as float64, NaN where missing or where the row is gated out."""
    gap = v.numeric_values(column(frame, gap_column))
    return np.where(gated, np.nan, gap)


def one_value_per_process(values: np.ndarray, ocids: pd.Series, usable: np.ndarray | None = None) -> np.ndarray:
    """The values (of the ``usable`` rows) with each ocid counted once (its first row); rows without an ocid count
    one each. The ocids are factorised once per column and shared by R024 and R058."""
    codes = _process_codes(ocids)
    if usable is not None:
        codes = codes[usable]
    if len(values) != len(codes):
        msg = f"{len(values)} values for {len(codes)} ocids"
        raise ValueError(msg)
    return values[first_of_each(codes)]


def first_of_each(codes: np.ndarray) -> np.ndarray:
    """True at the first row of each code >= 0, and at every row with code -1.

    Codes factorised in order of appearance (as ``pd.factorize`` and the cached ``distinct`` give them) first
    appear where they exceed every code before them: one pass, checked by counting the distinct codes; other
    orders (category codes, a subset of rows) fall back to sorting.
    """
    codes = np.asarray(codes, dtype=np.int64)
    keep = codes < 0  # no ocid: each row counts
    if not len(codes):
        return keep
    before = np.empty_like(codes)
    before[0] = -1
    np.maximum.accumulate(codes[:-1], out=before[1:])
    rising = codes > before
    present = codes[~keep]
    if int(np.count_nonzero(np.bincount(present))) == int(np.count_nonzero(rising)):
        return keep | rising  # each rising row is a first appearance, and there are as many as codes
    _, first = np.unique(codes, return_index=True)
    keep[first] = True
    return keep


def _process_codes(ocids: pd.Series) -> np.ndarray:
    """An integer per distinct ocid (-1 missing): category codes, the cached factorisation of a text column, or
    pandas' factorisation of other values (the same equality as ``Series.duplicated``)."""
    if isinstance(ocids.dtype, pd.CategoricalDtype) or (
            pd.api.types.is_string_dtype(ocids.dtype) and ocids.dtype != object):
        return v.distinct(ocids)[0]
    codes, _ = pd.factorize(ocids.to_numpy(dtype=object, na_value=None), use_na_sentinel=True)
    return codes


def gap_distribution(
    frame: pd.DataFrame, gated: np.ndarray, gap_column: str = RUNNER_UP_GAP, ocid_column: str = OCID
) -> np.ndarray:
    """The gaps of Cardinal's distribution: not gated, present, one value per ocid (rows without one each)."""
    gap = gap_values(frame, gated, gap_column)
    usable = ~np.isnan(gap)
    return one_value_per_process(gap[usable], column(frame, ocid_column), usable)


def cardinal_round(value: float | None) -> float | None:
    """Round like Cardinal's Meta: ``round(v * 10000) / 10000``, halves away from zero (Rust f64::round)."""
    if value is None or not np.isfinite(value):
        return None
    scaled = value * 10000.0
    whole = float(np.trunc(scaled))
    if abs(scaled - whole) >= 0.5:
        whole += float(np.sign(scaled))
    return whole / 10000.0


def finite_or_none(value: float) -> float | None:
    """The value as a float, or None for NaN and infinities (Cardinal writes them as null)."""
    return float(value) if np.isfinite(value) else None


def fit_gap_fence(
    values: np.ndarray, side: str, threshold: float | None
) -> dict[str, float | int | bool | dict | None]:
    """Cardinal's R024 (``side="lower"``) or R058 (``"upper"``) fence over the gaps, with its guard and Meta.

    Without a threshold: type-8 Q1 and Q3 and the fma fence; R024 flags only when Q1 > 0 and the fence > 0,
    R058 only when the fence > 0. With a threshold, it is the fence and must be > 0. ``cardinal_meta`` is
    Cardinal's Meta (rounded to 4 decimals, half away from zero) for display; comparisons use the raw fence.
    """
    key = f"{side}_fence"
    meta: dict[str, float | int | bool | dict | None] = {"n": int(values.size)}
    if threshold is not None:
        fence = float(threshold)
        flagging = fence > 0
        meta[key] = fence
    else:
        ordered = np.sort(np.asarray(values, dtype=np.float64))  # sorted once for both quartiles
        if ordered.size and np.isnan(ordered[-1]):  # NaN sorts last
            msg = "quantile_type8: values contain NaN; drop them first"
            raise ValueError(msg)
        q1 = quantile_type8_sorted(ordered, 0.25)
        q3 = quantile_type8_sorted(ordered, 0.75)
        fence = (lower_fence(q1, q3) if side == "lower" else upper_fence(q1, q3)) if values.size else math.nan
        flagging = bool(fence > 0 and (side == "upper" or q1 > 0))
        meta.update({"q1": finite_or_none(q1), "q3": finite_or_none(q3), key: finite_or_none(fence)})
    meta["flagging"] = bool(flagging)
    meta["cardinal_meta"] = {k: cardinal_round(meta[k]) for k in ("q1", "q3", key) if k in meta}
    return meta


def apply_gap_fence(gap: np.ndarray, meta: Mapping[str, object], side: str) -> np.ndarray:
    """Rows at or beyond the fitted fence (inclusive), all False when the guard stopped flagging."""
    fence = meta.get(f"{side}_fence")
    if not meta.get("flagging") or fence is None:
        return np.zeros(gap.shape, dtype=bool)
    with np.errstate(invalid="ignore"):
        return gap <= float(fence) if side == "lower" else gap >= float(fence)


def gap_fence_check(side: str, doc: str) -> DatasetCheck:
    """A Cardinal R024 ('lower' fence) or R058 ('upper' fence) check on the runner-up price gap."""
    meta_keys = ("q1", "q3", f"{side}_fence")

    def fit(
        frame: pd.DataFrame,
        *,
        threshold: float | None = None,
        no_price_comparison_procurement_methods: Sequence[str] = (),
        price_comparison_procurement_methods: Sequence[str] = (),
        excluded_procurement_method_details: Sequence[str] = (),
        gap_column: str = RUNNER_UP_GAP,
        ocid_column: str = OCID,
        details_column: str = METHOD_DETAILS,
        status_column: str = TENDER_STATUS,
    ) -> dict[str, Any]:
        """Fit the fence over the runner-up price gaps of the data set (one value per process)."""
        gated = price_gate(
            frame,
            no_price_comparison_procurement_methods=no_price_comparison_procurement_methods,
            price_comparison_procurement_methods=price_comparison_procurement_methods,
            excluded_procurement_method_details=excluded_procurement_method_details,
            details_column=details_column,
            status_column=status_column,
        )
        values = gap_distribution(frame, gated, gap_column, ocid_column)
        return fit_gap_fence(values, side, threshold)


    def apply(frame: pd.DataFrame, meta: Mapping[str, Any], **params: Any) -> pd.Series:
        """Flag gaps beyond the fitted fence; NA where the gap is missing or the rule is gated out."""
        gated = price_gate(frame, **params)
        gap = gap_values(frame, gated, params.get("gap_column", RUNNER_UP_GAP))
        return v.boolean_series(apply_gap_fence(gap, meta, side), np.isnan(gap), frame.index)


    def row_meta(row: Mapping[str, Any], meta: Mapping[str, Any], **_: Any) -> dict[str, Any]:
        """The quartiles and fence the row was compared with (the same for every row)."""
        return {key: meta.get(key) for key in meta_keys}



    return DatasetCheck(fit=fit, apply=apply, meta_keys=meta_keys, row_meta=row_meta, doc=doc,
                        not_applicable=price_gate)
