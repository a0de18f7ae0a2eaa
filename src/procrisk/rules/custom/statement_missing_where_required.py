"""TR01: a supplier above a transparency law's turnover threshold gives no modern-slavery statement.

Each regime in ``regimes`` names a law with its turnover threshold in the law's currency (UK Modern Slavery
Act 2015 s.54: GBP 36m, at least; Australia Modern Slavery Act 2018 (Cth): AUD 100m, at least; California
Civil Code §1714.43: USD 100m, more than). A supplier is in a regime's scope when its jurisdictions list holds
one of the regime's ``jurisdictions`` (trimmed, any case) or its registration country is one of the regime's
``countries``; it is out of scope when the list names jurisdictions, none of them the regime's, and the
country is not the regime's. A turnover in another currency is compared only when ``fx_rates`` gives the rate
(``{from: {to: rate}}``: 1 unit of ``from`` = ``rate`` units of ``to``); currencies are never converted
silently; the thresholds and the rates applied are recorded as the check's meta in the run manifest (it is a
``DatasetCheck`` only for that record: nothing is fitted).

Outcome: a statement URL is given -> clear; some regime certainly requires a statement -> flagged; no regime
can require one -> clear; otherwise (turnover, currency rate or jurisdictions unknown) -> not assessed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from procrisk.rules import values as v
from procrisk.rules.checks import DatasetCheck
from procrisk.rules.custom._columns import (
    any_element,
    blank,
    column,
    list_elements,
    numbers,
    text_is_in_folded,
)
from procrisk.schema.columns import SUPPLIERS

URL = SUPPLIERS["modern_slavery_statement_url"].name
TURNOVER = SUPPLIERS["annual_turnover"].name
CURRENCY = SUPPLIERS["turnover_currency"].name
JURISDICTIONS = SUPPLIERS["jurisdictions"].name
COUNTRY = SUPPLIERS["supplier_country"].name

UK = {"name": "UK Modern Slavery Act 2015 s.54", "jurisdictions": ["GB", "UK", "United Kingdom"],
      "countries": ["GB"], "currency": "GBP", "amount": 36_000_000, "inclusive": True}
AU = {"name": "Australia Modern Slavery Act 2018 (Cth)", "jurisdictions": ["AU", "Australia"],
      "countries": ["AU"], "currency": "AUD", "amount": 100_000_000, "inclusive": True}
CA = {"name": "California Civil Code §1714.43", "jurisdictions": ["US-CA", "California"],
      "countries": [], "currency": "USD", "amount": 100_000_000, "inclusive": False}
REGIME_KEYS = ("name", "jurisdictions", "countries", "currency", "amount", "inclusive")


def rates_to(
    currency: pd.Series, target: str, fx_rates: Mapping[str, Mapping[str, float]]
) -> tuple[np.ndarray, dict[str, dict[str, float | int]]]:
    """Per row, the factor turning an amount in ``currency`` into ``target`` (NaN: no rate); rates used."""
    rate = np.where(text_is_in_folded(currency, [target]), 1.0, np.nan)
    used: dict[str, dict[str, float | int]] = {}
    for source, targets in fx_rates.items():
        factor = {str(k).strip().upper(): f for k, f in (targets or {}).items()}.get(target.upper())
        rows = text_is_in_folded(currency, [source])
        if factor is not None and str(source).strip().upper() != target.upper() and rows.any():
            rate = np.where(rows, float(factor), rate)
            pair = f"{str(source).strip().upper()}->{target.upper()}"
            used[pair] = {"rate": float(factor), "rows": int(rows.sum())}
    return rate, used


def regime_requires(
    frame: pd.DataFrame,
    regime: Mapping[str, Any],
    fx_rates: Mapping[str, Mapping[str, float]],
    columns: Mapping[str, str],
    elements: tuple[np.ndarray, pd.Series],
) -> tuple[np.ndarray, np.ndarray, dict[str, dict[str, float | int]]]:
    """(certainly required, cannot tell) for one regime, and the exchange rates applied."""
    rate, used = rates_to(column(frame, columns["currency"]), str(regime["currency"]), fx_rates)
    amount = numbers(frame, columns["turnover"]) * rate
    limit = float(regime["amount"])
    with np.errstate(invalid="ignore"):
        above = amount >= limit if regime.get("inclusive", True) else amount > limit
    parents, text = elements
    aliases = [str(x).strip().casefold() for x in regime.get("jurisdictions", ())]
    listed = any_element(parents, text.isin(aliases).to_numpy(dtype=bool), len(frame))
    named = any_element(parents, (text != "").to_numpy(dtype=bool), len(frame))
    registered = text_is_in_folded(column(frame, columns["country"]), regime.get("countries", ()))
    in_scope = listed | registered
    out_of_scope = named & ~in_scope
    required = in_scope & above
    not_required = out_of_scope | (~np.isnan(amount) & ~above)
    return required, ~required & ~not_required, used


def _outcome(frame: pd.DataFrame, params: Mapping[str, Any]) -> tuple[np.ndarray, np.ndarray]:
    """(flagged, not assessed) per row for the parameters given."""
    regimes = params.get("regimes", (UK, AU, CA))
    fx_rates = params.get("fx_rates") or {}
    columns = {
        "turnover": params.get("turnover_column", TURNOVER),
        "currency": params.get("currency_column", CURRENCY),
        "jurisdictions": params.get("jurisdictions_column", JURISDICTIONS),
        "country": params.get("country_column", COUNTRY),
    }
    elements = list_elements(column(frame, columns["jurisdictions"]))
    required = np.zeros(len(frame), dtype=bool)
    unknown = np.zeros(len(frame), dtype=bool)
    for regime in regimes:
        needs, cannot_tell, _ = regime_requires(frame, regime, fx_rates, columns, elements)
        required |= needs
        unknown |= cannot_tell
    has_statement = ~blank(column(frame, params.get("url_column", URL)))
    return required & ~has_statement, unknown & ~required & ~has_statement


def fit(
    frame: pd.DataFrame,
    *,
    regimes: Sequence[Mapping[str, Any]] = (UK, AU, CA),
    fx_rates: Mapping[str, Mapping[str, float]] | None = None,
    url_column: str = URL,
    turnover_column: str = TURNOVER,
    currency_column: str = CURRENCY,
    jurisdictions_column: str = JURISDICTIONS,
    country_column: str = COUNTRY,
) -> dict[str, Any]:
    """Flag a supplier above a transparency law's turnover threshold that gives no slavery statement."""
    applied: dict[str, Any] = {}
    currency = column(frame, currency_column)
    for regime in regimes:
        _, used = rates_to(currency, str(regime["currency"]), fx_rates or {})
        applied.update({f"{regime.get('name', regime.get('currency'))}: {k}": u for k, u in used.items()})
    return {
        "regimes": [{k: r.get(k) for k in REGIME_KEYS} for r in regimes],
        "fx_rates": dict(fx_rates or {}),
        "fx_rates_applied": applied,
    }


def apply(frame: pd.DataFrame, meta: Mapping[str, Any], **params: Any) -> pd.Series:
    """The outcome per supplier: flagged, clear, or NA when no law can be confirmed or ruled out."""
    del meta  # the thresholds are the parameters themselves; the meta only records them and the rates applied
    flagged, undecided = _outcome(frame, params)
    return v.boolean_series(flagged, undecided, frame.index)


def reason(row: Mapping[str, Any], meta: Mapping[str, Any], **params: Any) -> str | None:
    """Why a supplier without a statement was not assessed: turnover, rate or jurisdictions unknown."""
    del meta
    turnover = row.get(params.get("turnover_column", TURNOVER))
    currency = row.get(params.get("currency_column", CURRENCY))
    if turnover is None:
        return "annual_turnover is missing, so no statement threshold can be confirmed or ruled out"
    if currency is None:
        return "turnover_currency is missing, so the turnover cannot be compared with the thresholds"
    return (f"the turnover is in {currency} and fx_rates gives no rate to a threshold's currency, or the "
            "jurisdictions where the supplier does business are unknown")


statement_missing_where_required = DatasetCheck(fit=fit, apply=apply, reason=reason, doc=fit.__doc__ or "")
