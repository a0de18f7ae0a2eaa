"""Vectorised normalisers: a column of text in, typed values plus per-row problem codes out.

``normalise_column`` picks the normaliser from the canonical column's kind (and its name, for the columns
that need a special one). Every normaliser works on a column's distinct values or with Arrow kernels, so a
million-row column takes well under a second.
"""

from __future__ import annotations

import pandas as pd

from procrisk.ingest.normalise.countries import parse_countries
from procrisk.ingest.normalise.cpv import normalise_classification, normalise_scheme
from procrisk.ingest.normalise.currencies import parse_currencies
from procrisk.ingest.normalise.dates import parse_dates
from procrisk.ingest.normalise.enums import parse_answers, parse_bools, parse_enum
from procrisk.ingest.normalise.lists import parse_country_list, parse_list, parse_name_list
from procrisk.ingest.normalise.numbers import parse_ints, parse_numbers, parse_shares
from procrisk.ingest.normalise.result import Normalised
from procrisk.ingest.normalise.series import distinct, problem_series, text_result
from procrisk.ingest.normalise.text import clean_text
from procrisk.schema.columns import Column

__all__ = ["Normalised", "normalise_column"]

_NAME_LISTS = frozenset({"subcontractors"})
_COUNTRY_LISTS = frozenset({"production_countries", "origin_countries"})


def _schemes(values: pd.Series) -> Normalised:
    """A classification-scheme column on its own: canonical scheme names, others kept as given."""
    codes, uniques = distinct(values)
    return text_result([normalise_scheme(str(u)) for u in uniques], codes, values.index,
                       problem_series(None, values.index), [])


def _list(values: pd.Series, column: Column) -> Normalised:
    """Pick the list splitter for a list column: names, countries or plain items."""
    if column.name in _NAME_LISTS:
        return parse_name_list(values)
    if column.name in _COUNTRY_LISTS:
        return parse_country_list(values)
    return parse_list(values)


def normalise_column(values: pd.Series, column: Column) -> Normalised:
    """Dispatch on column.kind (and column.name for special enums) to the right normaliser."""
    if column.name == "classification_code":
        return normalise_classification(values, None)
    if column.name == "classification_scheme":
        return _schemes(values)
    kind = column.kind
    if kind in ("text", "code"):
        return clean_text(values)
    if kind == "enum":
        return parse_enum(values, column)
    if kind == "answer":
        return parse_answers(values)
    if kind == "bool":
        return parse_bools(values)
    if kind == "int":
        return parse_ints(values)
    if kind == "float":
        return parse_numbers(values, computed=column.derived)
    if kind == "share":
        return parse_shares(values)
    if kind == "date":
        return parse_dates(values)
    if kind == "country":
        return parse_countries(values)
    if kind == "currency":
        return parse_currencies(values)
    if kind == "list":
        return _list(values, column)
    msg = f"column {column.name}: no normaliser for kind {kind!r}"
    raise ValueError(msg)
