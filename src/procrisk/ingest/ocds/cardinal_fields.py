"""Per-process inputs of OCP Cardinal's red flags, computed with Cardinal's strict JSON typing.

See shared docs/cardinal-indicators.md: §4.1 (R003 submission period), §4.2 (R018 number of tenderers),
§3.2 (all awards final) and §3.3 (second-lowest-bid ratio of R024/R058), §3.6 (JSON types). Everything here
reads one compiled release and never coerces: a value of the wrong JSON type counts as absent, as in Cardinal.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

# Strict RFC 3339 as chrono's parse_from_rfc3339 accepts it (§4.1 step 3): date, T/t/space, time with
# seconds (60 allowed), optional fraction, required offset Z/z/±hh:mm. ASCII digits only; nothing after.
RFC3339 = re.compile(
    r"(?P<y>[0-9]{4})-(?P<mo>[0-9]{2})-(?P<d>[0-9]{2})[Tt ]"
    r"(?P<h>[0-9]{2}):(?P<mi>[0-9]{2}):(?P<s>[0-9]{2})(?:\.(?P<f>[0-9]+))?"
    r"(?:(?P<z>[Zz])|(?P<sign>[+-])(?P<oh>[0-9]{2}):(?P<om>[0-9]{2}))"
)
SECONDS_PER_DAY = 86_400
NANOS = 1_000_000_000
FINAL_IGNORED = ("cancelled", "unsuccessful")


def _is_number(value: Any) -> bool:
    """A JSON number (int or float, not bool)."""
    return isinstance(value, int | float) and not isinstance(value, bool)


def _days_from_civil(year: int, month: int, day: int) -> int:
    """Days since 1970-01-01 of a proleptic Gregorian date (works for year 0, unlike datetime)."""
    year -= month <= 2
    era = year // 400
    yoe = year - era * 400
    doy = (153 * (month + (-3 if month > 2 else 9)) + 2) // 5 + day - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146_097 + doe - 719_468


def _days_in_month(year: int, month: int) -> int:
    """Number of days in a month of the proleptic Gregorian calendar."""
    if month == 2:
        leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
        return 29 if leap else 28
    return 30 if month in (4, 6, 9, 11) else 31


def parse_rfc3339(value: Any) -> int | None:
    """Nanoseconds since the epoch of a strict RFC 3339 date-time string, or None when it is not one."""
    if value.__class__ is not str:
        return None
    return _parse_rfc3339(value)


@lru_cache(maxsize=65_536)  # publishers repeat dates (deadlines at noon, same-day notices)
def _parse_rfc3339(value: str) -> int | None:
    """parse_rfc3339 for a string (cached)."""
    m = RFC3339.fullmatch(value)
    if m is None:
        return None
    y, mo, d, h, mi, s, frac, _z, sign, oh, om = m.groups()
    year, month, day, hour, minute, second = int(y), int(mo), int(d), int(h), int(mi), int(s)
    if not (1 <= month <= 12 and 1 <= day <= _days_in_month(year, month)):
        return None
    if hour > 23 or minute > 59 or second > 60:
        return None
    offset = 0
    if sign:
        off_h, off_m = int(oh), int(om)
        if off_h > 23 or off_m > 59:
            return None
        offset = (off_h * 3600 + off_m * 60) * (1 if sign == "+" else -1)
    fraction = int(frac[:9].ljust(9, "0")) if frac else 0
    seconds = _days_from_civil(year, month, day) * SECONDS_PER_DAY + hour * 3600 + minute * 60 + second
    return (seconds - offset) * NANOS + fraction


def _trunc_div(numerator: int, denominator: int) -> int:
    """Integer division rounded toward zero (Rust's `/`), not toward minus infinity (Python's `//`)."""
    quotient = abs(numerator) // denominator
    return quotient if numerator >= 0 else -quotient


def submission_period_days(tender: Any) -> tuple[int | None, bool]:
    """R003's day count (§4.1 steps 1, 3, 4) and whether dates were given but are not strict RFC 3339.

    Whole days between tenderPeriod start and end, truncated toward zero (seconds first, then days);
    None when ``tender`` or ``tenderPeriod`` is not an object or a date is missing or not strict.
    """
    if not isinstance(tender, dict):
        return None, False
    period = tender.get("tenderPeriod")
    if not isinstance(period, dict):
        return None, False
    return period_days(period.get("startDate"), period.get("endDate"))


def period_days(start_raw: Any, end_raw: Any) -> tuple[int | None, bool]:
    """submission_period_days from a tenderPeriod's raw startDate and endDate."""
    start, end = parse_rfc3339(start_raw), parse_rfc3339(end_raw)
    if start is None or end is None:
        given = start_raw not in (None, "") and end_raw not in (None, "")
        return None, given
    seconds = _trunc_div(end - start, NANOS)
    return _trunc_div(seconds, SECONDS_PER_DAY), False


def strict_number_of_tenderers(tender: Any) -> tuple[int | None, Any]:
    """numberOfTenderers when it is a JSON integer literal (§3.6), else None; also the raw value."""
    if not isinstance(tender, dict):
        return None, None
    raw = tender.get("numberOfTenderers")
    if isinstance(raw, int) and not isinstance(raw, bool):
        return raw, raw
    return None, raw


@dataclass(frozen=True)
class PriceGap:
    """The second-lowest-bid comparison of one process (§3.3)."""

    winner_id: str  # /awards[]/suppliers[0]/id of the one active award
    winner_amount: float
    other_id: str
    other_amount: float
    currency: str
    ratio: float  # (other - winner) / winner; +inf or NaN when the winning amount is 0, as in Cardinal


def _awards_final(release: dict[str, Any]) -> list[dict[str, Any]] | None:
    """The complete (active) awards when the all-awards-final gate (§3.2) passes, else None."""
    awards = release.get("awards")
    bids = release.get("bids")
    details = bids.get("details") if isinstance(bids, dict) else None
    if not isinstance(awards, list) or not isinstance(details, list):
        return None
    complete = []
    for award in awards:
        status = award.get("status") if isinstance(award, dict) else None
        if not isinstance(status, str):
            continue
        if status == "active":
            complete.append(award)
        elif status not in FINAL_IGNORED:
            return None
    return complete


def _candidates(details: list[Any]) -> list[tuple[str, float, str]]:
    """Valid single-tenderer bids with a number amount and a string currency: (tenderer, amount, currency)."""
    found = []
    for bid in details:
        if not isinstance(bid, dict) or bid.get("status") != "valid":
            continue
        value, tenderers = bid.get("value"), bid.get("tenderers")
        if not isinstance(value, dict) or not _is_number(value.get("amount")) \
                or not isinstance(value.get("currency"), str):
            continue
        if not isinstance(tenderers, list) or len(tenderers) != 1 or not isinstance(tenderers[0], dict):
            continue
        tenderer = tenderers[0].get("id")
        if isinstance(tenderer, str):
            found.append((tenderer, float(value["amount"]), value["currency"]))
    return found


def price_gap(release: dict[str, Any]) -> PriceGap | None:
    """The R024/R058 ratio of one process (§3.3), with the winner's bid currency as the main currency.

    The price-comparison filter on procurementMethodDetails (§2.4) and the run's configured main currency are
    applied by the rule, from the procurement_method_details column and the returned ``currency``.
    """
    complete = _awards_final(release)
    if complete is None or len(complete) != 1:
        return None
    suppliers = complete[0].get("suppliers")
    if not isinstance(suppliers, list) or len(suppliers) != 1 or not isinstance(suppliers[0], dict):
        return None
    winner = suppliers[0].get("id")
    if not isinstance(winner, str):
        return None
    candidates = _candidates(release["bids"]["details"])
    currency = next((c for t, _, c in candidates if t == winner), None)
    if currency is None:
        return None
    best_winner: float | None = None
    best_other: tuple[str, float] | None = None
    for tenderer, amount, bid_currency in candidates:
        if bid_currency != currency:
            continue
        if tenderer == winner:
            if best_winner is None or amount < best_winner:
                best_winner = amount
        elif best_other is None or amount < best_other[1]:
            best_other = (tenderer, amount)
    if best_winner is None or best_other is None or best_other[1] < best_winner:
        return None
    difference = best_other[1] - best_winner
    zero_ratio = math.inf if difference > 0 else math.nan  # IEEE x/0, as Cardinal's Rust division gives
    ratio = zero_ratio if best_winner == 0 else difference / best_winner
    return PriceGap(winner, best_winner, best_other[0], best_other[1], currency, ratio)
