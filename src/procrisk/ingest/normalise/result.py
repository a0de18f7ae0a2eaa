"""The value every normaliser returns: typed values, per-row problem codes, column notes and extras."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd
import pyarrow as pa


@dataclass
class Normalised:
    """A normalised column: typed values and per-row problem codes on the input's index, plus notes."""

    values: pd.Series  # typed result, same index as the input
    problems: pd.Series  # object dtype: None, or a problem code from PROBLEMS for that row
    notes: list[str]  # decisions taken for the whole column, e.g. "dates read day-first (DD/MM/YYYY)"
    extra: dict[str, pd.Series] = field(default_factory=dict)  # e.g. {"currency_hint": Series}
    # text outputs also as Arrow dictionary arrays (their distinct texts and one index per row), under "values"
    # or the extra's name, for the store to write without finding the distinct values again
    dictionaries: dict[str, pa.DictionaryArray] = field(default_factory=dict)
