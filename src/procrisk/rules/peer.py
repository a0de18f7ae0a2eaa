"""Dataset-relative peer checks: thresholds fitted over the whole table (all batches), applied per batch."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

import numpy as np
import pandas as pd

from procrisk.rules import values as v
from procrisk.rules.checks import DatasetCheck
from procrisk.rules.quantiles import Fences, tukey_fences

Side = Literal["upper", "lower", "both"]
_FENCE_KEYS = ("n", "q1", "q3", "lower_fence", "upper_fence")


def _fences_meta(values: np.ndarray, min_group_size: int) -> dict[str, Any]:
    """Fences of one peer group, or the reason it is skipped (too few values, or no spread)."""
    if len(values) < min_group_size:
        return {"n": len(values), "skipped": f"{len(values)} peer values, fewer than the minimum {min_group_size}"}
    fences = tukey_fences(values) if len(values) else Fences(0, np.nan, np.nan, np.nan, np.nan)
    meta: dict[str, Any] = fences.as_meta()
    if fences.q1 == fences.q3:
        meta["no_spread"] = True  # Q1 = Q3: no value is an outlier, nothing is flagged
    return meta


def fit_iqr_outlier(frame: pd.DataFrame, column: str, side: Side = "upper", group_by: str | None = None,
                    min_group_size: int = 20) -> dict[str, Any]:
    """Flag values beyond the Tukey fence (type-8 quartiles, fma) of their peer group, fences inclusive."""
    x = v.numeric_values(frame[column])
    keep = ~np.isnan(x)
    meta: dict[str, Any] = {"side": side, "min_group_size": min_group_size}
    if group_by is None:
        meta.update(_fences_meta(np.sort(x[keep]), min_group_size))
        return meta
    groups = v.text_values(frame[group_by]).to_numpy(dtype=object, na_value=None)
    keep &= pd.notna(groups)
    codes, uniques = pd.factorize(groups[keep], sort=True)
    vals = x[keep]
    order = np.lexsort((vals, codes))
    codes, vals = codes[order], vals[order]
    bounds = np.searchsorted(codes, np.arange(len(uniques) + 1))
    meta["group_by"] = group_by
    meta["groups"] = {str(uniques[i]): _fences_meta(vals[bounds[i]:bounds[i + 1]], min_group_size)
                      for i in range(len(uniques))}
    return meta


def _flag(x: np.ndarray, lower: np.ndarray, upper: np.ndarray, side: Side) -> np.ndarray:
    """Inclusive comparison against the fences on the chosen side."""
    with np.errstate(invalid="ignore"):
        low = x <= lower
        high = x >= upper
    return {"upper": high, "lower": low, "both": high | low}[side]


def _number(value: Any) -> float:
    """A fence value as a float (None, as stored for NaN, becomes NaN)."""
    return np.nan if value is None else float(value)


def _usable(fences: Mapping[str, Any]) -> bool:
    """Whether a group's fences can flag (enough values)."""
    return "skipped" not in fences and fences.get("q1") is not None


def apply_iqr_outlier(frame: pd.DataFrame, meta: Mapping[str, Any], column: str, side: Side = "upper",
                      group_by: str | None = None, min_group_size: int = 20) -> pd.Series:
    """Flag the rows of one batch against the fences fitted over the whole table."""
    del min_group_size  # used by fit; kept so that both steps take the same parameters
    x = v.numeric_values(frame[column])
    n = len(frame)
    if group_by is None:
        fences = [meta] if _usable(meta) else []
        idx = np.zeros(n, dtype=np.int64) if fences else np.full(n, -1)
    else:
        names = list(meta.get("groups", {}))
        fences = [meta["groups"][g] for g in names]
        lookup = pd.Index(names)
        idx = lookup.get_indexer(v.text_values(frame[group_by]).to_numpy(dtype=object, na_value=None))
        usable = np.array([_usable(f) for f in fences] + [False], dtype=bool)
        idx = np.where(usable[idx], idx, -1)
    lower = np.array([_number(f.get("lower_fence")) for f in fences] + [np.nan], dtype=np.float64)
    upper = np.array([_number(f.get("upper_fence")) for f in fences] + [np.nan], dtype=np.float64)
    spread = np.array([not f.get("no_spread") for f in fences] + [False], dtype=bool)
    found = _flag(x, lower[idx], upper[idx], side) & spread[idx]
    unknown = np.isnan(x) | (idx < 0)
    return v.boolean_series(found, unknown, frame.index)


def _row_fences(row: Mapping[str, Any], meta: Mapping[str, Any], group_by: str | None) -> tuple[str | None, dict]:
    """The peer group of one row and its fences."""
    if group_by is None:
        return None, dict(meta)
    group = row.get(group_by)
    key = None if group is None or (isinstance(group, float) and np.isnan(group)) else str(group)
    return key, dict(meta.get("groups", {}).get(key, {})) if key is not None else {}


def row_meta_iqr_outlier(row: Mapping[str, Any], meta: Mapping[str, Any], column: str, side: Side = "upper",
                         group_by: str | None = None, min_group_size: int = 20) -> dict[str, Any]:
    """The fences that concern one row (its peer group's quartiles and fences)."""
    del column, side
    group, fences = _row_fences(row, meta, group_by)
    out: dict[str, Any] = {k: fences.get(k) for k in _FENCE_KEYS}
    out["group"] = group
    out["min_group_size"] = min_group_size
    return out


def reason_iqr_outlier(row: Mapping[str, Any], meta: Mapping[str, Any], column: str, side: Side = "upper",
                       group_by: str | None = None, min_group_size: int = 20) -> str | None:
    """Why a row with a value could not be assessed: its peer group is unknown or too small."""
    del column, side, min_group_size
    group, fences = _row_fences(row, meta, group_by)
    if group_by is not None and not fences:
        return f"no peer group {group_by}={group!r} in the data the fences were fitted on"
    if "skipped" in fences:
        where = f" ({group_by}={group})" if group_by else ""
        return f"peer group too small{where}: {fences['skipped']}"
    return None


iqr_outlier = DatasetCheck(
    fit=fit_iqr_outlier,
    apply=apply_iqr_outlier,
    meta_keys=(*_FENCE_KEYS, "group", "min_group_size"),
    row_meta=row_meta_iqr_outlier,
    reason=reason_iqr_outlier,
)

PEER_CHECKS: dict[str, DatasetCheck] = {"iqr_outlier": iqr_outlier}

