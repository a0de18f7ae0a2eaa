"""Currency columns: ISO 4217 codes in any case and spacing, symbols (€ £ US$) and currency names."""

from __future__ import annotations

import re

import pandas as pd

from procrisk.ingest.normalise.result import Normalised
from procrisk.ingest.normalise.series import (
    distinct,
    distinct_problems,
    is_missing_token,
    text_result,
)
from procrisk.reference import currencies

_SPACE = re.compile(r"\s+")


def read_currency(text: str) -> tuple[str | None, str | None]:
    """One currency cell to (ISO code or None, problem code or None)."""
    if is_missing_token(text):
        return None, None
    folded = _SPACE.sub(" ", text.strip().casefold()).rstrip(".")
    compact = folded.replace(" ", "")
    if len(compact) == 3 and currencies.is_code(compact.upper()):
        return compact.upper(), None
    for key in (folded, compact):
        if key in currencies.SYMBOLS:
            return currencies.SYMBOLS[key], None
        if key in currencies.AMBIGUOUS_SYMBOLS:
            return currencies.AMBIGUOUS_SYMBOLS[key], "currency.ambiguous_symbol"
    if folded in currencies.title_index():
        return currencies.title_index()[folded], None
    return None, "currency.unknown"


def parse_currencies(values: pd.Series) -> Normalised:
    """Normalise each distinct currency cell once; unknown codes (e.g. the typo 'MNX') are left empty."""
    codes, uniques = distinct(values)
    pairs = [read_currency(str(u)) for u in uniques]
    return text_result([p[0] for p in pairs], codes, values.index,
                       distinct_problems([p[1] for p in pairs], codes, values.index), [])
