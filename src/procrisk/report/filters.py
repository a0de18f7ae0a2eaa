"""The scope of a report: buyer, supplier, award period and bands, applied the same way by the CLI and dashboard."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from procrisk.errors import UsageError

BANDS = ("low", "medium", "high", "critical")
_QUARTER = re.compile(r"^(\d{4})-?[Qq]([1-4])$")
_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_YEAR = re.compile(r"^(\d{4})$")


def _day(text: str, *, end: bool) -> date:
    """A period bound: YYYY, YYYY-MM, YYYY-Qn or YYYY-MM-DD (a year, month or quarter gives its first or last day)."""
    text = text.strip()
    if m := _YEAR.match(text):
        year = int(m.group(1))
        return date(year, 12, 31) if end else date(year, 1, 1)
    if m := _QUARTER.match(text):
        year, quarter = int(m.group(1)), int(m.group(2))
        month = 3 * quarter if end else 3 * quarter - 2
        return date(year, month, calendar.monthrange(year, month)[1] if end else 1)
    if m := _MONTH.match(text):
        year, month = int(m.group(1)), int(m.group(2))
        if 1 <= month <= 12:
            return date(year, month, calendar.monthrange(year, month)[1] if end else 1)
    try:
        return date.fromisoformat(text)
    except ValueError:
        msg = (f"period {text!r} is not a date; write 2024, 2024-03, 2024-Q2, 2024-03-31 or a range "
               "2024-01-01..2024-06-30 (either end may be left open)")
        raise UsageError(msg) from None


def parse_period(text: str | None) -> tuple[date | None, date | None]:
    """``2024``, ``2024-Q2``, ``2024-03``, ``2024-03-31`` or ``FROM..TO`` (open ends allowed) as (first, last) day."""
    if text is None or not text.strip():
        return None, None
    if ".." in text:
        start, _, stop = text.partition("..")
        first = _day(start, end=False) if start.strip() else None
        last = _day(stop, end=True) if stop.strip() else None
    else:
        first, last = _day(text, end=False), _day(text, end=True)
    if first and last and first > last:
        msg = f"period {text!r} ends before it starts; write FROM..TO with FROM first"
        raise UsageError(msg)
    return first, last


def _norm(text: str) -> str:
    """Text folded for matching: lower case, runs of white space as one space, trimmed."""
    return " ".join(text.casefold().split())


def _contains(series: pd.Series | None, needle: str, n: int) -> np.ndarray:
    """Rows whose text contains ``needle`` (folded; missing never matches)."""
    if series is None:
        return np.zeros(n, dtype=bool)
    text = series.astype("string").str.casefold().str.split().str.join(" ")
    return text.str.contains(needle, regex=False).fillna(value=False).to_numpy(dtype=bool)


def _equals(series: pd.Series | None, value: str, n: int) -> np.ndarray:
    """Rows whose value is exactly ``value`` (missing never matches)."""
    if series is None:
        return np.zeros(n, dtype=bool)
    return (series.astype("string") == value).fillna(value=False).to_numpy(dtype=bool)


@dataclass(frozen=True)
class Filters:
    """Which contracts a report covers; empty filters cover the whole workspace.

    ``buyer`` matches buyer names containing the text (case and spacing ignored) or an exact buyer_id;
    ``supplier`` likewise on supplier names, supplier_id or supplier_key; ``date_from`` / ``date_to`` bound
    award_date (inclusive; contracts without an award date are left out once a period is set); ``bands``
    keeps contracts in those bands.
    """

    buyer: str | None = None
    supplier: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    bands: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        """Normalise empty text to None and check band names."""
        object.__setattr__(self, "buyer", (self.buyer or "").strip() or None)
        object.__setattr__(self, "supplier", (self.supplier or "").strip() or None)
        unknown = [b for b in self.bands if b not in BANDS]
        if unknown:
            msg = f"unknown band {unknown[0]!r}; bands are {', '.join(BANDS)}"
            raise UsageError(msg)
        object.__setattr__(self, "bands", tuple(b for b in BANDS if b in self.bands))
        if self.date_from and self.date_to and self.date_from > self.date_to:
            msg = f"the period ends ({self.date_to}) before it starts ({self.date_from})"
            raise UsageError(msg)

    @classmethod
    def make(cls, *, buyer: str | None = None, supplier: str | None = None, period: str | None = None,
             date_from: date | str | None = None, date_to: date | str | None = None,
             bands: tuple[str, ...] | list[str] | None = None) -> Filters:
        """Filters from user input: ``period`` text (see parse_period) or explicit from/to days."""
        first, last = parse_period(period)
        if date_from is not None:
            first = date_from if isinstance(date_from, date) else _day(str(date_from), end=False)
        if date_to is not None:
            last = date_to if isinstance(date_to, date) else _day(str(date_to), end=True)
        return cls(buyer=buyer, supplier=supplier, date_from=first, date_to=last, bands=tuple(bands or ()))

    @property
    def is_empty(self) -> bool:
        """Whether the report covers the whole workspace."""
        return not (self.buyer or self.supplier or self.date_from or self.date_to or self.bands)

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly form (recorded in the report so that verify applies the same scope)."""
        return {"buyer": self.buyer, "supplier": self.supplier,
                "date_from": self.date_from.isoformat() if self.date_from else None,
                "date_to": self.date_to.isoformat() if self.date_to else None, "bands": list(self.bands)}

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> Filters:
        """The filters recorded by ``as_dict``."""
        data = data or {}
        return cls.make(buyer=data.get("buyer"), supplier=data.get("supplier"), date_from=data.get("date_from"),
                        date_to=data.get("date_to"), bands=data.get("bands") or ())

    def describe(self) -> str:
        """The scope in words, e.g. ``buyer contains "health"; awarded 2024-01-01 to 2024-12-31; band critical``."""
        if self.is_empty:
            return "whole workspace, no filter"
        parts = []
        if self.buyer:
            parts.append(f'buyer contains "{self.buyer}"')
        if self.supplier:
            parts.append(f'supplier contains "{self.supplier}"')
        if self.date_from or self.date_to:
            start = self.date_from.isoformat() if self.date_from else "the first award"
            stop = self.date_to.isoformat() if self.date_to else "the last award"
            parts.append(f"awarded {start} to {stop}")
        if self.bands:
            parts.append(f"band{'s' if len(self.bands) > 1 else ''} {', '.join(self.bands)}")
        return "; ".join(parts)

    def contract_mask(self, contracts: pd.DataFrame) -> np.ndarray:
        """True for the contract rows in scope."""
        n = len(contracts)
        keep = np.ones(n, dtype=bool)
        if self.buyer:
            keep &= _contains(contracts.get("buyer_name"), _norm(self.buyer), n) | _equals(
                contracts.get("buyer_id"), self.buyer, n)
        if self.supplier:
            keep &= self._supplier_match(contracts)
        if self.date_from or self.date_to:
            days = pd.to_datetime(contracts.get("award_date", pd.Series(pd.NaT, index=contracts.index)),
                                  errors="coerce")
            have = days.notna().to_numpy(dtype=bool)
            keep &= have
            if self.date_from:
                keep &= (days >= pd.Timestamp(self.date_from)).fillna(value=False).to_numpy(dtype=bool)
            if self.date_to:
                keep &= (days <= pd.Timestamp(self.date_to)).fillna(value=False).to_numpy(dtype=bool)
        if self.bands:
            keep &= contracts["band"].astype("string").isin(self.bands).fillna(value=False).to_numpy(dtype=bool)
        return keep

    def _supplier_match(self, frame: pd.DataFrame) -> np.ndarray:
        """Rows whose supplier name contains the text or whose supplier_id / supplier_key equals it."""
        n = len(frame)
        text = self.supplier or ""
        return (_contains(frame.get("supplier_name"), _norm(text), n) | _equals(frame.get("supplier_id"), text, n)
                | _equals(frame.get("supplier_key"), text, n))

    def supplier_mask(self, suppliers: pd.DataFrame, linked: set[str]) -> np.ndarray:
        """True for the supplier rows in scope: every supplier without filters, else those of the contracts in
        scope (``linked`` supplier ids), plus, with a supplier filter alone, matching suppliers without contracts."""
        n = len(suppliers)
        if self.is_empty:
            return np.ones(n, dtype=bool)
        ids = suppliers["supplier_id"].astype("string")
        keep = ids.isin(list(linked)).fillna(value=False).to_numpy(dtype=bool)
        only_supplier = self.supplier and not (self.buyer or self.date_from or self.date_to or self.bands)
        if only_supplier:
            keep = keep | self._supplier_match(suppliers)
        return keep
