"""ISO 4217 currency codes (OCDS 1.1.5 codelist) and the symbols and names that stand for them."""

from __future__ import annotations

import csv
from functools import cache
from importlib.resources import files

_DATA = files("procrisk.reference") / "data" / "currencies"

# Symbols and words that name one currency beyond doubt.
SYMBOLS: dict[str, str] = {
    "€": "EUR", "eur": "EUR", "euro": "EUR", "euros": "EUR",
    "£": "GBP", "gbp": "GBP", "pound sterling": "GBP", "sterling": "GBP",
    "us$": "USD", "u s$": "USD", "us dollar": "USD", "us dollars": "USD", "usd$": "USD",
    "c$": "CAD", "ca$": "CAD", "can$": "CAD", "a$": "AUD", "au$": "AUD", "nz$": "NZD", "hk$": "HKD",
    "s$": "SGD", "r$": "BRL", "mx$": "MXN", "mex$": "MXN", "₹": "INR", "₩": "KRW", "₦": "NGN", "₱": "PHP",
    "₽": "RUB", "₺": "TRY", "₴": "UAH", "₫": "VND", "₪": "ILS", "฿": "THB", "₲": "PYG", "₡": "CRC",
    "rmb": "CNY", "元": "CNY", "人民币": "CNY", "chf": "CHF", "fr": "CHF", "sfr": "CHF",
}
# Symbols shared by several currencies: read as the most common one, with a warning.
AMBIGUOUS_SYMBOLS: dict[str, str] = {"$": "USD", "¥": "JPY", "dollar": "USD", "dollars": "USD", "kr": "SEK"}


@cache
def _codes() -> dict[str, tuple[str, str]]:
    """Code -> (title, valid until) from the OCDS currency codelist, loaded once."""
    with (_DATA / "currency.csv").open(encoding="utf-8", newline="") as fh:
        return {row["Code"]: (row["Title"], row["Valid Until"]) for row in csv.DictReader(fh)}


def is_code(code: str) -> bool:
    """Whether ``code`` (upper case) is an ISO 4217 code in the codelist, current or historic."""
    return code in _codes()


def currency_title(code: str) -> str | None:
    """The codelist title of a currency code (e.g. 'Euro'), or None when unknown."""
    entry = _codes().get(code.strip().upper())
    return entry[0] if entry else None


def is_current(code: str) -> bool:
    """Whether the code is in the codelist and has no 'valid until' date."""
    entry = _codes().get(code)
    return entry is not None and not entry[1]


def codes() -> frozenset[str]:
    """Every code in the codelist."""
    return frozenset(_codes())


@cache
def title_index() -> dict[str, str]:
    """Lower-case currency titles that name one current code ("us dollar" -> USD, "mexican peso" -> MXN)."""
    seen: dict[str, set[str]] = {}
    for code, (title, until) in _codes().items():
        if not until:
            seen.setdefault(title.casefold(), set()).add(code)
    return {title: next(iter(found)) for title, found in seen.items() if len(found) == 1}
