"""Helpers shared by the normalisers: work on a column's distinct values and build typed output Series."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

STRING = pd.StringDtype("pyarrow")

# Cell contents that mean "no value" in any column (compared after trimming and case folding).
MISSING_TOKENS = frozenset({
    "", "-", "--", "---", "—", "–", "n/a", "na", "n.a.", "n.a", "#n/a", "null", "nil", "none given", "?",
    "not applicable", "not available", "s/o", "sans objet", "k.a.", "k. a.", "keine angabe", "no aplica",
    "nan", "#value!", "#ref!",
})


def is_missing_token(text: str) -> bool:
    """Whether a trimmed cell text stands for a missing value (n/a, -, —, ...)."""
    return text.strip().casefold() in MISSING_TOKENS


def _hashable(value: Any) -> Hashable:
    """A value usable as a factorize key (lists and dicts from OCDS become their text)."""
    if isinstance(value, list | dict | set):
        return str(value)
    return value


def distinct(values: pd.Series) -> tuple[np.ndarray, list[Any]]:
    """Factorize a column: (codes with -1 for missing, distinct non-missing values as Python objects)."""
    try:
        codes, uniques = pd.factorize(values, use_na_sentinel=True)
    except TypeError:  # unhashable cells (lists and dicts from OCDS): factorize their text instead
        codes, uniques = pd.factorize(values.map(_hashable), use_na_sentinel=True)
    return codes, list(uniques.tolist() if hasattr(uniques, "tolist") else uniques)


def spread(per_unique: list[Any] | np.ndarray, codes: np.ndarray, *, missing: Any = None) -> np.ndarray:
    """Map one result per distinct value back onto every row (``missing`` where the code is -1)."""
    table = np.empty(len(per_unique) + 1, dtype=object)
    for i, item in enumerate(per_unique):  # element by element: lists must stay Python lists
        table[i] = item
    table[-1] = missing
    return table[codes]


def spread_text(per_unique: list[str | None], codes: np.ndarray, index: pd.Index) -> pd.Series:
    """One text (or None) per distinct value mapped back onto every row as a string Series (Arrow take)."""
    table = pa.array(per_unique, type=pa.large_string())
    if not len(table):
        return arrow_text_series(pa.nulls(len(codes), pa.large_string()), index)
    return arrow_text_series(table.take(pa.array(codes, mask=codes < 0)), index)


def map_distinct(
    values: pd.Series, func: Callable[[Any], tuple[Any, str | None]],
) -> tuple[np.ndarray, np.ndarray, list[Any], np.ndarray]:
    """Apply ``func`` (value -> (result, problem code)) once per distinct value; return row arrays.

    Returns (results per row, problems per row, distinct values, codes).
    """
    codes, uniques = distinct(values)
    pairs = [func(u) for u in uniques]
    results = spread([p[0] for p in pairs], codes)
    problems = spread([p[1] for p in pairs], codes)
    return results, problems, uniques, codes


def arrow_text_series(arr: pa.Array | pa.ChunkedArray, index: pd.Index) -> pd.Series:
    """An Arrow string array as a pandas string Series (zero-copy)."""
    if not pa.types.is_large_string(arr.type):
        arr = arr.cast(pa.large_string())
    return pd.Series(pd.arrays.ArrowStringArray(arr), index=index, dtype=STRING)


def text_series(values: np.ndarray | list[Any], index: pd.Index) -> pd.Series:
    """An object array of str/None as a pandas string Series."""
    return arrow_text_series(pa.array(values, type=pa.large_string()), index)


def problem_series(problems: np.ndarray | list[Any] | None, index: pd.Index) -> pd.Series:
    """Per-row problem codes as an object Series (None where the row has no problem)."""
    if problems is None:
        return pd.Series(np.full(len(index), None, dtype=object), index=index, dtype=object)
    return pd.Series(np.asarray(problems, dtype=object), index=index, dtype=object)


def as_arrow_text(values: pd.Series) -> pa.Array:
    """A column as an Arrow string array (non-text objects rendered with str, missing as null)."""
    if isinstance(values.dtype, pd.StringDtype):
        arr = pa.array(values.array)
        return arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr
    obj = values.to_numpy(dtype=object, na_value=None)
    return pa.array([None if v is None else v if isinstance(v, str) else str(v) for v in obj],
                    type=pa.large_string())
