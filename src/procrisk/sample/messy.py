"""Helpers that write one clean value the way a busy procurement officer types it."""

from __future__ import annotations

import datetime as dt
import random

from procrisk.sample.catalogue import CPV
from procrisk.sample.geo import ENGLISH, VARIANTS

EXCEL_EPOCH = dt.date(1899, 12, 30)
NBSP = "\u00a0"


def excel_serial(day: dt.date) -> int:
    """The Excel (1900 system) serial number of a date."""
    return (day - EXCEL_EPOCH).days


def date_cell(rng: random.Random, day: dt.date | None, *, serial_rate: float = 0.015) -> object:
    """A date as an Excel date cell, day-first text ("03/04/2024") or, rarely, a bare serial number."""
    if day is None:
        return None
    roll = rng.random()
    if roll < serial_rate:
        return excel_serial(day)
    if roll < 0.45:
        return day.strftime("%d/%m/%Y")
    return day


def group_digits(value: float, thousands: str, decimal: str, *, decimals: int = 2) -> str:
    """Format a number with the given thousands and decimal separators."""
    text = f"{abs(value):,.{decimals}f}"
    whole, _, frac = text.partition(".")
    whole = whole.replace(",", thousands)
    return f"{whole}{decimal}{frac}" if decimals else whole


def amount_cell(rng: random.Random, value: float | None, currency: str) -> object:
    """An amount as a number or as text in the styles of the currency's users ("€ 12 000,50", "1,234.50")."""
    if value is None:
        return None
    roll = rng.random()
    if currency == "EUR":
        if roll < 0.45:
            sep = NBSP if rng.random() < 0.2 else " "
            return f"€ {group_digits(value, sep, ',')}"
        if roll < 0.6:
            return f"{group_digits(value, ' ', ',')} €"
        if roll < 0.7:
            return f"EUR {group_digits(value, ',', '.')}"
        return round(value, 2)
    if roll < 0.55:
        return round(value, 2)
    if roll < 0.85:
        return group_digits(value, ",", ".")
    if roll < 0.95:
        return f"£{group_digits(value, ',', '.')}"
    return f"{value:.2f}"


def credit_cell(value: float) -> str:
    """A credit note amount in accounting style, e.g. "(1,000.00)"."""
    return f"({group_digits(value, ',', '.')})"


def country_cell(rng: random.Random, iso: str | None, *, foreign_rate: float = 0.12) -> str | None:
    """A country as an English name mostly, else an ISO code or a French/Spanish/German name, some padded."""
    if iso is None:
        return None
    # a foreign firm's country is often copied the way the firm spells it
    rate = foreign_rate + 0.08 if iso == "GB" else 0.4
    text = rng.choice(VARIANTS[iso]) if rng.random() < rate else ENGLISH[iso]
    if rng.random() < 0.03:
        text = text.lower()
    if rng.random() < 0.06:
        text += rng.choice((" ", "  ", NBSP))
    return text


def cpv_cell(rng: random.Random, code: str, *, valid_only: bool = False) -> object:
    """A CPV code with or without its check digit, as a number, with a label, or with a wrong check digit."""
    digits, check = code.split("-")
    roll = rng.random()
    if roll < 0.45:
        return code
    if roll < 0.78:
        return digits
    if roll < 0.86:
        if digits.startswith("0") and valid_only:
            return digits
        return int(digits)
    if roll < 0.96 or valid_only:
        return f"{code} {CPV[code]}"
    return f"{digits}-{(int(check) + rng.randint(1, 9)) % 10}"


def share_cell(rng: random.Random, share: float | None) -> object:
    """A proportion as "35 %", "35%" or 0.35 (never a bare 35 next to 0.35, which would be ambiguous)."""
    if share is None:
        return None
    pct = round(share * 100)
    roll = rng.random()
    if roll < 0.3:
        return f"{pct} %"
    if roll < 0.6:
        return f"{pct}%"
    return round(share, 2)


ANSWER_WORDS: dict[str, tuple[str, ...]] = {
    "yes": ("Yes", "Yes", "yes", "YES", "Y"),
    "no": ("No", "No", "no", "NO", "N"),
    "partly": ("Partly", "partly", "Partial", "In part"),
}
FRENCH_ANSWERS: dict[str, tuple[str, ...]] = {
    "yes": ("oui", "Oui"),
    "no": ("non", "Non"),
    "partly": ("partiellement", "en partie"),
}


def answer_cell(rng: random.Random, answer: object, *, french: bool = False) -> str | None:
    """A yes/partly/no answer in English or French spellings; None stays blank (unanswered)."""
    if answer is None:
        return None
    words = FRENCH_ANSWERS if french else ANSWER_WORDS
    return rng.choice(words[str(answer)])


def yn_cell(rng: random.Random, value: bool | None) -> str | None:
    """A buyer-side flag as Y/N, Yes/No or lower case."""
    if value is None:
        return None
    return rng.choice(("Y", "Y", "Yes", "y") if value else ("N", "N", "No", "n"))
