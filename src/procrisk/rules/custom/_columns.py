"""Column readers shared by the custom checks (absent columns, categorical text, list columns); not a check.

They build on ``procrisk.rules.values`` so that the custom checks take the same fast paths as the generic ones
for the dtypes the engine prepares (categorical text, nullable booleans, float64, Arrow lists).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from procrisk.rules import values as v


def column(frame: pd.DataFrame, name: str) -> pd.Series:
    """The column ``name`` of ``frame``, or an all-null column when the frame does not have it."""
    if name in frame.columns:
        return frame[name]
    return pd.Series(None, index=frame.index, dtype="object")


def numbers(frame: pd.DataFrame, name: str) -> np.ndarray:
    """A column as float64, NaN where missing or unreadable."""
    return v.numeric_values(column(frame, name))


def text_is_in(series: pd.Series, values: Iterable[str]) -> np.ndarray:
    """Rows whose text is exactly one of ``values`` (case-sensitive, untrimmed; missing is never in)."""
    wanted = [str(x) for x in values]
    if not wanted:
        return np.zeros(len(series), dtype=bool)
    if isinstance(series.dtype, pd.CategoricalDtype):
        found, _ = v.on_categories(series, lambda cats: cats.astype(str).isin(wanted).to_numpy())
        return found
    missing = v.null_mask(series)
    if missing.all():  # an absent or empty column: nothing to convert to text
        return np.zeros(len(series), dtype=bool)
    return v.text_values(series).isin(wanted).to_numpy(dtype=bool) & ~missing


def text_is_in_folded(series: pd.Series, values: Iterable[str]) -> np.ndarray:
    """Rows whose trimmed text is one of ``values`` ignoring case (missing is never in)."""
    wanted = [str(x).strip().casefold() for x in values]

    def match(text: pd.Series) -> np.ndarray:
        return text.astype(str).str.strip().str.casefold().isin(wanted).to_numpy(dtype=bool)

    if isinstance(series.dtype, pd.CategoricalDtype):
        found, _ = v.on_categories(series, match)
        return found
    return match(v.text_values(series).fillna("")) & ~v.null_mask(series)


def blank(series: pd.Series) -> np.ndarray:
    """Rows whose text is missing or only white space."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        empty, missing = v.on_categories(series, lambda cats: (cats.astype(str).str.strip() == "").to_numpy())
        return empty | missing
    empty = (v.text_values(series).str.strip() == "").fillna(value=False).to_numpy(dtype=bool)
    return v.null_mask(series) | empty


def list_elements(series: pd.Series) -> tuple[np.ndarray, pd.Series]:
    """Every element of a list column as trimmed, case-folded text, with the position of its row (one pass).

    Arrow lists are folded once per distinct element and spread back to the elements (names repeat).
    """
    if isinstance(series.dtype, pd.ArrowDtype):
        arr = pa.chunked_array(pa.array(series)).combine_chunks()
        parents = pc.list_parent_indices(arr).to_numpy(zero_copy_only=False)
        encoded = pc.dictionary_encode(arr.flatten())
        uniques = encoded.dictionary.to_pandas(types_mapper=pd.ArrowDtype).astype("str")
        folded = uniques.str.strip().str.casefold().array
        codes = encoded.indices.fill_null(-1).to_numpy(zero_copy_only=False)
        return np.asarray(parents, dtype=np.int64), pd.Series(folded.take(codes, allow_fill=True))
    positional = pd.Series(series.to_numpy(dtype=object), dtype=object)
    exploded = positional[positional.notna().to_numpy(dtype=bool)].explode()
    exploded = exploded[exploded.notna()]
    parents = exploded.index.to_numpy()
    flat = exploded.astype("str")
    return np.asarray(parents, dtype=np.int64), flat.str.strip().str.casefold().reset_index(drop=True)


def any_element(parents: np.ndarray, hits: np.ndarray, n: int) -> np.ndarray:
    """Per row (of ``n``), whether any of its elements is a hit."""
    return np.bincount(parents[np.asarray(hits, dtype=bool)], minlength=n)[:n] > 0


def list_has_name(series: pd.Series) -> np.ndarray:
    """Rows whose list holds at least one non-blank element (a null cell or an empty list holds none)."""
    parents, text = list_elements(series)
    return any_element(parents, (text != "").to_numpy(dtype=bool), len(series))


def list_contains_folded(series: pd.Series, values: Iterable[str]) -> np.ndarray:
    """Rows whose list holds one of ``values``, compared trimmed and ignoring case."""
    parents, text = list_elements(series)
    wanted = [str(x).strip().casefold() for x in values]
    return any_element(parents, text.isin(wanted).to_numpy(dtype=bool), len(series))
