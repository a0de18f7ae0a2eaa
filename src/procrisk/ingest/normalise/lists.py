"""List columns: several names, ids or countries in one cell split into a Python list per row.

Names split on ";", "|", new lines and " / " (with spaces, so "A/S" survives), and on "," only where the
piece after the comma is not a legal form ("XL ASSOCIATES, INC." stays one name, "Acme Ltd, Beta GmbH" is
two). " and " and " & " never split: "Johnson & Johnson" is one company.
"""

from __future__ import annotations

import re
from operator import itemgetter
from typing import Any

import numpy as np
import pandas as pd

from procrisk.ingest.normalise.legal_forms import is_legal_form
from procrisk.ingest.normalise.result import Normalised
from procrisk.ingest.normalise.series import (
    MISSING_TOKENS,
    distinct,
    distinct_problems,
    is_missing_token,
    problem_series,
    spread,
)
from procrisk.reference import countries

_STRONG = re.compile(r"\s*(?:[;|\n\r\t]|\s/\s)\s*")
_COMMA = re.compile(r"\s*,\s*")
_ITEM = re.compile(r"\s*(?:[;|\n\r\t,]|\s/\s)\s*")


def _dedupe(items: list[str]) -> list[str]:
    """Trimmed, non-empty items in first-seen order without repeats."""
    seen: dict[str, None] = {}
    for item in items:
        text = " ".join(item.split())
        if text and not is_missing_token(text):
            seen.setdefault(text, None)
    return list(seen)


_ANY_SEPARATOR = re.compile(r"[;|\n\r\t,]|\s/\s")


def split_name_cell(text: str) -> list[str]:
    """Split one cell naming several organisations, keeping legal-form suffixes with their name."""
    if not _ANY_SEPARATOR.search(text):
        return _dedupe([text])
    names: list[str] = []
    for chunk in _STRONG.split(text):
        pieces = _COMMA.split(chunk)
        merged: list[str] = []
        for piece in pieces:
            if merged and (is_legal_form(piece) or not piece):
                merged[-1] = f"{merged[-1]}, {piece}" if piece else merged[-1]
            else:
                merged.append(piece)
        names.extend(merged)
    return _dedupe(names)


def _given_lists(values: pd.Series) -> np.ndarray | None:
    """Where the cells already are lists (OCDS gives arrays), a mask of them; None when none is."""
    if values.dtype != object or not len(values):
        return None
    kinds = set(map(type, values.to_numpy()))  # one pass in C; most columns hold one or two types
    if kinds <= {list, tuple}:
        return np.ones(len(values), dtype=bool)
    if not any(issubclass(kind, list | tuple) for kind in kinds):
        return None
    mask = np.fromiter((isinstance(v, list | tuple) for v in values), dtype=bool, count=len(values))
    return mask if mask.any() else None


def _items(cell: list[Any] | tuple[Any, ...]) -> list[str] | None:
    """The items of a list a file gave as a list, as trimmed text (never split again, never the list's repr)."""
    if len(cell) == 1 and cell[0].__class__ is str:  # the common case (an OCDS registration id), kept short
        text = " ".join(cell[0].split())
        return [text] if text and not is_missing_token(text) else None
    return _dedupe([str(item) for item in cell if item is not None]) or None


_LONGEST_TOKEN = max(map(len, MISSING_TOKENS))


def _tidy_texts(cells: list[Any]) -> list[str] | None:
    """The texts of the cells when every cell is a list of one text that ``_items`` gives back as it is (trimmed,
    single-spaced, not empty, no missing-value token), else None: checked with passes in C over all cells
    instead of one Python step each."""
    if not cells or set(map(type, cells)) != {list} or set(map(len, cells)) != {1}:
        return None
    texts = list(map(itemgetter(0), cells))
    if set(map(type, texts)) != {str} or not all(texts):
        return None
    # each text is its own " ".join(text.split()) when, joined with NUL (not whitespace), they are so together
    # and no space stands beside a NUL (at the end of one text or the start of the next)
    joined = "\x00".join(texts)
    if " ".join(joined.split()) != joined or " \x00" in joined or "\x00 " in joined:
        return None
    # (strip() changes none of them; casefold never shortens a text, so one longer than every token is none)
    if min(map(len, texts)) <= _LONGEST_TOKEN and not MISSING_TOKENS.isdisjoint(map(str.casefold, texts)):
        return None
    return texts


def _given_items(cells: list[Any]) -> list[list[str] | None]:
    """``_items`` of every cell (lists a file gave), each a list of its own."""
    texts = _tidy_texts(cells)
    if texts is not None:  # the common case (OCDS registration ids): each cell's text as it is
        return [[text] for text in texts]
    return [_items(cell) for cell in cells]


def _per_distinct(values: pd.Series, func: Any) -> pd.Series:
    """Apply a cell -> list function once per distinct value; missing cells stay None; cells that already are
    lists keep their items."""
    given = _given_lists(values)
    codes, uniques = distinct(values if given is None else values.where(~given, None))
    lists = [func(str(u)) or None for u in uniques]
    out = pd.Series(spread(lists, codes), index=values.index, dtype=object, copy=False)
    if given is not None:
        cells = values.to_numpy(dtype=object)[given].tolist()
        out[given] = pd.Series(_given_items(cells), index=values.index[given], dtype=object)
    return out


def split_names(values: pd.Series) -> pd.Series:
    """Each cell as a list of organisation names (None where the cell is empty)."""
    return _per_distinct(values, split_name_cell)


def parse_name_list(values: pd.Series) -> Normalised:
    """A list column of names (e.g. subcontractors)."""
    return Normalised(split_names(values), problem_series(None, values.index), [])


def parse_list(values: pd.Series) -> Normalised:
    """A list column of ids or short values, split on ; | , new lines and ' / '."""
    return Normalised(_per_distinct(values, lambda text: _dedupe(_ITEM.split(text))),
                      problem_series(None, values.index), [])


def parse_country_list(values: pd.Series) -> Normalised:
    """A list column of countries: split, then each item resolved to an ISO alpha-2 code.

    Unknown items are dropped from the list and the row is flagged ``country.unknown``.
    """
    codes, uniques = distinct(values)
    lists: list[list[str] | None] = []
    problems: list[str | None] = []
    for value in uniques:
        items = _dedupe(_ITEM.split(str(value)))
        found = [countries.lookup(item) for item in items]
        known = list(dict.fromkeys(code for code in found if code))
        lists.append(known or None)
        problems.append("country.unknown" if any(code is None for code in found) else None)
    return Normalised(pd.Series(spread(lists, codes), index=values.index, dtype=object, copy=False),
                      distinct_problems(problems, codes, values.index), [])
