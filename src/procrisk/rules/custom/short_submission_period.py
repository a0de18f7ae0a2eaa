"""OCP red flag R003: the submission period is shorter than a threshold, as OCP Cardinal 0.0.8 decides it.

Cardinal (cardinal-indicators.md §4.1): a process is flagged when its whole days between tender start and end
(``submission_period_days``, computed at ingest with Cardinal's strict RFC 3339 parsing and truncation toward
zero) are strictly below the threshold. The threshold is the per-``procurementMethodDetails`` value when one
is configured, else ``threshold``. A non-empty ``procurement_methods`` list limits the methods (a missing
method is then out); an empty list covers every method. Cancelled tenders and excluded details are out of
every indicator: ``not_applicable`` marks those rows, and the check leaves them NA.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from procrisk.rules import values as v
from procrisk.rules.custom import _ocp
from procrisk.rules.custom._columns import column, text_is_in
from procrisk.schema.columns import CONTRACTS

DAYS = CONTRACTS["submission_period_days"].name


not_applicable = _ocp.method_and_process_gate


def short_submission_period(
    frame: pd.DataFrame,
    *,
    threshold: int = 15,
    procurement_methods: Sequence[str] = (),
    procurement_method_details_thresholds: Mapping[str, int] | None = None,
    excluded_procurement_method_details: Sequence[str] = (),
    days_column: str = DAYS,
    method_column: str = _ocp.METHOD,
    details_column: str = _ocp.METHOD_DETAILS,
    status_column: str = _ocp.TENDER_STATUS,
) -> pd.Series:
    """Flag a submission period of fewer whole days than the threshold (OCP R003, Cardinal 0.0.8)."""
    days = v.numeric_values(column(frame, days_column))
    limits = np.full(len(frame), float(threshold))
    details = column(frame, details_column)
    for name, limit in (procurement_method_details_thresholds or {}).items():
        limits[text_is_in(details, [name])] = float(limit)
    gated = not_applicable(
        frame,
        procurement_methods=procurement_methods,
        excluded_procurement_method_details=excluded_procurement_method_details,
        method_column=method_column,
        details_column=details_column,
        status_column=status_column,
    )
    with np.errstate(invalid="ignore"):
        found = days < limits
    return v.boolean_series(found, np.isnan(days) | gated, frame.index)


# Rows outside the indicator (Cardinal's process gate, the method list) are not_applicable, not clear: the
# engine reads this companion of the check (see gate_of in procrisk.rules.checks).
short_submission_period.not_applicable = not_applicable  # type: ignore[attr-defined]
