"""OCP red flag R058: the winning bid is unusually far below the runner-up, as OCP Cardinal 0.0.8 decides it.

Cardinal (cardinal-indicators.md §3.3, §3.4, §4.11): over every process's ratio ``(lowest other valid bid -
winning bid) / winning bid`` (``runner_up_price_gap``, computed at ingest), take the type-8 quartiles and the
upper fence ``fma(Q3 - Q1, 1.5, Q3)``, or a configured ``threshold``. Flag nothing unless the fence (or the
threshold) > 0; otherwise flag ratios at or above the fence. R024 and R058 share one distribution, with one
value per ocid (rows without an ocid count one each); cancelled, excluded and price-filtered processes are
``not_applicable`` and left out of it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from procrisk.rules import values as v
from procrisk.rules.checks import DatasetCheck
from procrisk.rules.custom import _ocp

SIDE = "upper"
META_KEYS = ("q1", "q3", "upper_fence")


def not_applicable(
    frame: pd.DataFrame,
    *,
    no_price_comparison_procurement_methods: Sequence[str] = (),
    price_comparison_procurement_methods: Sequence[str] = (),
    excluded_procurement_method_details: Sequence[str] = (),
    details_column: str = _ocp.METHOD_DETAILS,
    status_column: str = _ocp.TENDER_STATUS,
    **_: object,
) -> np.ndarray:
    """Rows R058 does not apply to: cancelled, excluded details, or dropped by the price-comparison filter."""
    return _ocp.price_gate(
        frame,
        no_price_comparison_procurement_methods=no_price_comparison_procurement_methods,
        price_comparison_procurement_methods=price_comparison_procurement_methods,
        excluded_procurement_method_details=excluded_procurement_method_details,
        details_column=details_column,
        status_column=status_column,
    )


def fit(
    frame: pd.DataFrame,
    *,
    threshold: float | None = None,
    no_price_comparison_procurement_methods: Sequence[str] = (),
    price_comparison_procurement_methods: Sequence[str] = (),
    excluded_procurement_method_details: Sequence[str] = (),
    gap_column: str = _ocp.RUNNER_UP_GAP,
    ocid_column: str = _ocp.OCID,
    details_column: str = _ocp.METHOD_DETAILS,
    status_column: str = _ocp.TENDER_STATUS,
) -> dict[str, Any]:
    """Flag a winning bid far below the runner-up, relative to the data set (OCP R058, Cardinal 0.0.8)."""
    gated = not_applicable(
        frame,
        no_price_comparison_procurement_methods=no_price_comparison_procurement_methods,
        price_comparison_procurement_methods=price_comparison_procurement_methods,
        excluded_procurement_method_details=excluded_procurement_method_details,
        details_column=details_column,
        status_column=status_column,
    )
    values = _ocp.gap_distribution(frame, gated, gap_column, ocid_column)
    return _ocp.fit_gap_fence(values, SIDE, threshold)


def apply(frame: pd.DataFrame, meta: Mapping[str, Any], **params: Any) -> pd.Series:
    """Flag gaps at or above the fitted upper fence; NA where the gap is missing or the rule is gated out."""
    gated = not_applicable(frame, **params)
    gap = _ocp.gap_values(frame, gated, params.get("gap_column", _ocp.RUNNER_UP_GAP))
    return v.boolean_series(_ocp.apply_gap_fence(gap, meta, SIDE), np.isnan(gap), frame.index)


def row_meta(row: Mapping[str, Any], meta: Mapping[str, Any], **_: Any) -> dict[str, Any]:
    """The quartiles and upper fence the row was compared with (the same for every row)."""
    return {key: meta.get(key) for key in META_KEYS}


heavily_discounted_bid = DatasetCheck(
    fit=fit,
    apply=apply,
    meta_keys=META_KEYS,
    row_meta=row_meta,
    doc=fit.__doc__ or "",
    not_applicable=not_applicable,
)
