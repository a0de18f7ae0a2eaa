"""Vectorised readers that turn one column of any dtype into numpy arrays plus a missing mask, for checks.

Every reader has a fast path for the dtypes the engine prepares (categorical text, nullable boolean, float64,
datetime64, Arrow lists) and a general path for frames built by hand (object columns, YAML case rows).
"""

from __future__ import annotations

import re
import threading
import weakref
from collections.abc import Callable, Sequence
from datetime import date, datetime

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc


def boolean_series(values: np.ndarray, missing: np.ndarray, index: pd.Index) -> pd.Series:
    """A pandas ``boolean`` Series: True where ``values`` and not ``missing``, NA where ``missing``."""
    values = np.asarray(values, dtype=bool)
    missing = np.asarray(missing, dtype=bool)
    return pd.Series(pd.arrays.BooleanArray(values & ~missing, missing.copy()), index=index)


def null_mask(series: pd.Series) -> np.ndarray:
    """True where the value is missing (None, NaN, NaT, pd.NA)."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        return series.cat.codes.to_numpy() < 0
    if isinstance(series.dtype, pd.BooleanDtype):
        return masked_parts(series)[1].copy()
    return series.isna().to_numpy(dtype=bool)


def masked_parts(series: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """(values, missing) of a nullable boolean Series without copying; values are False where missing."""
    arr = series.array
    data, mask = getattr(arr, "_data", None), getattr(arr, "_mask", None)
    if isinstance(data, np.ndarray) and isinstance(mask, np.ndarray) and data.dtype == bool:
        return data & ~mask, mask  # pandas' masked-array internals: the fast path
    return series.to_numpy(dtype=bool, na_value=False), series.isna().to_numpy()


def is_list_column(series: pd.Series) -> bool:
    """Whether the column holds lists (an Arrow list dtype, or Python lists / numpy arrays in an object column)."""
    dtype = series.dtype
    if isinstance(dtype, pd.ArrowDtype):
        return pa.types.is_list(dtype.pyarrow_dtype) or pa.types.is_large_list(dtype.pyarrow_dtype)
    if not pd.api.types.is_object_dtype(dtype):
        return False
    first = series.first_valid_index()
    return first is not None and isinstance(series.loc[first], list | tuple | np.ndarray)


_FEW = 6  # up to this many matching categories, compare codes instead of gathering through a lookup table


def on_categories(series: pd.Series, predicate: Callable[[pd.Series], np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Evaluate ``predicate`` once per category of a categorical column and spread it to the rows."""
    categories = pd.Series(series.cat.categories)
    lut = np.asarray(predicate(categories), dtype=bool)
    codes = series.cat.codes.to_numpy()
    missing = codes < 0
    hits = np.flatnonzero(lut)
    if len(hits) <= _FEW:
        found = np.zeros(len(codes), dtype=bool)
        for code in hits:
            found |= codes == code
        return found, missing
    misses = np.flatnonzero(~lut)
    if len(misses) <= _FEW:
        found = ~missing
        for code in misses:
            found &= codes != code
        return found, missing
    return np.append(lut, False)[codes], missing  # code -1 (missing) reads the last slot


def text_values(series: pd.Series) -> pd.Series:
    """The column as text (str dtype), missing kept as missing; non-text values are converted with str()."""
    if pd.api.types.is_string_dtype(series.dtype) and series.dtype != object:
        return series
    missing = series.isna()
    return series.where(missing, series.astype(str)).astype("str")


def numeric_values(series: pd.Series) -> np.ndarray:
    """The column as float64 with NaN for missing or unparseable values."""
    if pd.api.types.is_float_dtype(series.dtype) and not isinstance(series.dtype, pd.ArrowDtype):
        return series.to_numpy(dtype=np.float64)
    if pd.api.types.is_numeric_dtype(series.dtype) and not pd.api.types.is_bool_dtype(series.dtype):
        return series.to_numpy(dtype=np.float64, na_value=np.nan)
    return pd.to_numeric(series, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)


_TRUE = (True, "true", "True", "TRUE", "yes", "Yes", "YES")
_FALSE = (False, "false", "False", "FALSE", "no", "No", "NO")


def bool_values(series: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """The column as (values, missing) booleans; anything other than a true/false value counts as missing."""
    dtype = series.dtype
    if isinstance(dtype, pd.BooleanDtype):
        values, missing = masked_parts(series)
        return values, missing.copy()
    if pd.api.types.is_bool_dtype(dtype) and not isinstance(dtype, pd.ArrowDtype):
        return series.to_numpy(dtype=bool), np.zeros(len(series), dtype=bool)
    if isinstance(dtype, pd.CategoricalDtype):
        values, _ = on_categories(series, lambda cats: cats.isin(_TRUE).to_numpy())
        known, _ = on_categories(series, lambda cats: cats.isin(_TRUE + _FALSE).to_numpy())
        return values, ~known
    values = series.isin(_TRUE).to_numpy(dtype=bool)
    known = values | series.isin(_FALSE).to_numpy(dtype=bool)
    return values, ~known


def day_numbers(series: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """The column as (days since 1970-01-01, missing); accepts datetime64, dates, datetimes and ISO text."""
    if not pd.api.types.is_datetime64_any_dtype(series.dtype):
        series = pd.to_datetime(series, errors="coerce")
    if getattr(series.dt, "tz", None) is not None:
        series = series.dt.tz_localize(None)
    missing = series.isna().to_numpy()
    days = series.to_numpy(dtype="datetime64[ns]").astype("datetime64[D]").astype(np.int64)
    return days, missing


def day_number(value: date | datetime | str) -> int:
    """Days since 1970-01-01 of one date (a datetime is cut to its date)."""
    return int(np.datetime64(pd.Timestamp(value).date(), "D").astype(np.int64))


def list_any(series: pd.Series, predicate: Callable[[pd.Series], np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """For a list column: (any element satisfies predicate, value missing); an empty list gives False."""
    n = len(series)
    dtype = series.dtype
    if isinstance(dtype, pd.ArrowDtype):
        arr = pa.chunked_array(pa.array(series)).combine_chunks()
        flat = arr.flatten()
        parents = pc.list_parent_indices(arr).to_numpy(zero_copy_only=False)
        hits = np.asarray(predicate(pd.Series(flat.to_pandas(types_mapper=pd.ArrowDtype).astype("str"))),
                          dtype=bool)
        found = np.bincount(parents[hits], minlength=n) > 0
        return found, arr.is_null().to_numpy(zero_copy_only=False)
    positional = pd.Series(series.to_numpy(dtype=object), dtype=object)
    missing = positional.isna().to_numpy(dtype=bool)
    exploded = positional[~missing].explode()
    exploded = exploded[exploded.notna()]
    hits = np.asarray(predicate(exploded.astype("str")), dtype=bool)
    found = np.bincount(exploded.index.to_numpy()[hits], minlength=n) > 0
    return found, missing


_EDGE = r"[^\pL\pN_]"  # RE2: a character that is not a letter, digit or underscore in any script


def terms_pattern(terms: Sequence[str]) -> str:
    """An RE2 regex matching any term as whole words in any script (terms are data, escaped)."""
    escaped = sorted((re.escape(t.strip().lower()) for t in terms if t.strip()), key=len, reverse=True)
    return rf"(?:^|{_EDGE})(?:" + "|".join(escaped) + rf")(?:{_EDGE}|$)"


def arrow_text(series: pd.Series) -> pa.Array:
    """The column as one Arrow large_string array (chunks combined), missing as null."""
    arr = pa.array(text_values(series), type=pa.large_string(), from_pandas=True)
    return arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr


_DISTINCT: dict[int, tuple[weakref.ref, np.ndarray, pd.Series]] = {}
_DISTINCT_SLOTS = 8
_DISTINCT_LOCK = threading.RLock()  # batches run on several threads; a freed array calls back under it


def distinct(series: pd.Series) -> tuple[np.ndarray, pd.Series]:
    """(codes, distinct values) of a text column: code -1 is missing. Computed once per column array and shared
    by every rule of a batch (a small cache keyed by the array, dropped when the array is freed)."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        return series.cat.codes.to_numpy(), pd.Series(series.cat.categories)
    arr = series.array
    key = id(arr)
    with _DISTINCT_LOCK:
        hit = _DISTINCT.get(key)
    if hit is not None and hit[0]() is arr:
        return hit[1], hit[2]
    codes, found = pd.factorize(text_values(series), use_na_sentinel=True)
    uniques = pd.Series(found, dtype="str")
    try:
        ref = weakref.ref(arr, lambda _r: _forget(key))
    except TypeError:  # an array type without weak references: no caching
        return codes, uniques
    with _DISTINCT_LOCK:
        while len(_DISTINCT) >= _DISTINCT_SLOTS:
            _DISTINCT.pop(next(iter(_DISTINCT)), None)
        _DISTINCT[key] = (ref, codes, uniques)
    return codes, uniques


def _forget(key: int) -> None:
    """Drop a cached column whose array was freed."""
    with _DISTINCT_LOCK:
        _DISTINCT.pop(key, None)


def on_distinct(series: pd.Series, predicate: Callable[[pd.Series], np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Evaluate ``predicate`` once per distinct text value and spread it to the rows (values, missing)."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        return on_categories(series, predicate)
    codes, uniques = distinct(series)
    lut = np.append(np.asarray(predicate(uniques), dtype=bool), False)
    return lut[codes], codes < 0


def contains_pattern(series: pd.Series, pattern: str) -> tuple[np.ndarray, np.ndarray]:
    """(text matches the RE2 pattern ignoring case, text missing), evaluated once per distinct text."""
    def match(values: pd.Series) -> np.ndarray:
        hits = pc.match_substring_regex(arrow_text(values), pattern, ignore_case=True)
        return hits.fill_null(False).to_numpy(zero_copy_only=False)

    return on_distinct(series, match)
