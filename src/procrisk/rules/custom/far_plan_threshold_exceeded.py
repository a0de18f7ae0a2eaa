"""DD13: the part of a US federal contract done abroad is above the FAR 52.222-50(h) threshold.

Above the threshold, FAR 52.222-50(h) requires the contractor to keep an anti-trafficking compliance plan and
to certify it every year. ``overseas_portion_value`` is in the row's ``currency``; the threshold is in US
dollars and is compared only for USD rows, or for rows whose currency ``fx_rates`` converts (``{from: {USD:
rate}}``): never silently. The threshold and the rates applied are recorded as the check's meta in the run
manifest (a ``DatasetCheck`` only for that record: nothing is fitted). Whether the supplier has the plan is
the supplier rule DD14: the contracts table does not carry the supplier's answers.

Outcome: above the threshold -> flagged; at or below it -> clear; value missing or no rate -> not assessed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from procrisk.rules import values as v
from procrisk.rules.checks import DatasetCheck
from procrisk.rules.custom._columns import column, numbers, text_is_in_folded
from procrisk.schema.columns import CONTRACTS

OVERSEAS = CONTRACTS["overseas_portion_value"].name
CURRENCY = CONTRACTS["currency"].name

# FAR 52.222-50(h): USD 700,000 in the OCT 2025 clause text (two secondary sources); the 2020 text says
# USD 550,000. Confirm the clause date and amount on acquisition.gov for the contract's clause version.
FAR_THRESHOLD_USD = 700_000.0


def usd_amounts(
    frame: pd.DataFrame, value_column: str, currency_column: str, fx_rates: Mapping[str, Mapping[str, float]]
) -> tuple[np.ndarray, dict[str, dict[str, float | int]]]:
    """The values in US dollars (NaN when missing or when no rate is given), and the rates applied."""
    currency = column(frame, currency_column)
    rate = np.where(text_is_in_folded(currency, ["USD"]), 1.0, np.nan)
    applied: dict[str, dict[str, float | int]] = {}
    for source, targets in fx_rates.items():
        code = str(source).strip().upper()
        factor = {str(k).strip().upper(): f for k, f in (targets or {}).items()}.get("USD")
        rows = text_is_in_folded(currency, [code])
        if factor is not None and code != "USD" and rows.any():
            rate = np.where(rows, float(factor), rate)
            applied[f"{code}->USD"] = {"rate": float(factor), "rows": int(rows.sum())}
    return numbers(frame, value_column) * rate, applied


def fit(
    frame: pd.DataFrame,
    *,
    threshold_usd: float = FAR_THRESHOLD_USD,
    fx_rates: Mapping[str, Mapping[str, float]] | None = None,
    value_column: str = OVERSEAS,
    currency_column: str = CURRENCY,
) -> dict[str, Any]:
    """Flag an overseas portion above the FAR 52.222-50(h) compliance-plan threshold (US dollars)."""
    _, applied = usd_amounts(frame, value_column, currency_column, fx_rates or {})
    return {"threshold_usd": float(threshold_usd), "fx_rates": dict(fx_rates or {}),
            "fx_rates_applied": applied}


def apply(frame: pd.DataFrame, meta: Mapping[str, Any], **params: Any) -> pd.Series:
    """The outcome per contract: above the threshold, at or below it, or NA when the USD value is unknown."""
    usd, _ = usd_amounts(
        frame,
        params.get("value_column", OVERSEAS),
        params.get("currency_column", CURRENCY),
        params.get("fx_rates") or {},
    )
    with np.errstate(invalid="ignore"):
        above = usd > float(meta["threshold_usd"])
    return v.boolean_series(above, np.isnan(usd), frame.index)


def reason(row: Mapping[str, Any], meta: Mapping[str, Any], **params: Any) -> str | None:
    """Why a contract with an overseas value was not assessed: its currency has no rate to US dollars."""
    del meta
    currency = row.get(params.get("currency_column", CURRENCY))
    if currency is None:
        return "the currency of the overseas portion is missing, so it cannot be compared with the threshold"
    return (f"the overseas portion is in {currency} and fx_rates gives no {currency}->USD rate "
            "(amounts are never converted silently)")


far_plan_threshold_exceeded = DatasetCheck(fit=fit, apply=apply, reason=reason, doc=fit.__doc__ or "")
