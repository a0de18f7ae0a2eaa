"""OCP red flag R018: a single tenderer in a competitive procedure, exactly as OCP Cardinal 0.0.8 decides it.

Cardinal (cardinal-indicators.md §4.2) reads the published number of tenderers (OCDS
``tender/numberOfTenderers``), never counts bids, and flags a process whose method is in
``procurement_methods`` (default open and selective; an empty list covers every method, including a missing
one) when that number equals 1. Cancelled tenders and excluded details are out of every indicator:
``not_applicable`` marks those rows, and the check leaves them NA.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

import numpy as np
import pandas as pd

from procrisk.rules import values as v
from procrisk.rules.custom import _ocp
from procrisk.rules.custom._columns import column
from procrisk.schema.columns import CONTRACTS

TENDERERS = CONTRACTS["number_of_tenderers"].name


not_applicable = functools.partial(_ocp.method_and_process_gate, procurement_methods=("open", "selective"))


def single_bid(
    frame: pd.DataFrame,
    *,
    procurement_methods: Sequence[str] = ("open", "selective"),
    excluded_procurement_method_details: Sequence[str] = (),
    tenderers_column: str = TENDERERS,
    method_column: str = _ocp.METHOD,
    details_column: str = _ocp.METHOD_DETAILS,
    status_column: str = _ocp.TENDER_STATUS,
) -> pd.Series:
    """Flag a competitive procedure that received exactly one tender (OCP R018, Cardinal 0.0.8)."""
    tenderers = v.numeric_values(column(frame, tenderers_column))
    gated = not_applicable(
        frame,
        procurement_methods=procurement_methods,
        excluded_procurement_method_details=excluded_procurement_method_details,
        method_column=method_column,
        details_column=details_column,
        status_column=status_column,
    )
    return v.boolean_series(tenderers == 1, np.isnan(tenderers) | gated, frame.index)


# Rows outside the indicator (Cardinal's process gate, the method list) are not_applicable, not clear: the
# engine reads this companion of the check (see gate_of in procrisk.rules.checks).
single_bid.not_applicable = not_applicable  # type: ignore[attr-defined]
