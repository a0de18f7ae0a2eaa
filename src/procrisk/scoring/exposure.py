"""Exposure: score times money at stake, and the ranking that orders due diligence by it."""

from __future__ import annotations

import numpy as np
import pandas as pd


def exposure_values(scores: np.ndarray, award_value: pd.Series | None,
                    estimated_value: pd.Series | None) -> tuple[np.ndarray, np.ndarray]:
    """(exposure, basis): score / 100 x award_value, else x estimated_value; NaN when neither is known.

    Negative values count as unknown. basis is 0 none, 1 award_value, 2 estimated_value.
    """
    n = len(scores)
    award = _money(award_value, n)
    estimate = _money(estimated_value, n)
    basis = np.where(~np.isnan(award), 1, np.where(~np.isnan(estimate), 2, 0)).astype(np.int8)
    value = np.where(basis == 1, award, estimate)
    return np.asarray(scores, dtype=np.float64) / 100.0 * value, basis


def _money(values: pd.Series | None, n: int) -> np.ndarray:
    """A money column as float64, NaN for missing or negative amounts."""
    if values is None:
        return np.full(n, np.nan)
    out = pd.to_numeric(values, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
    with np.errstate(invalid="ignore"):
        return np.where(out < 0, np.nan, out)


def exposure_rank(exposure: np.ndarray, scores: np.ndarray) -> np.ndarray:
    """Rank 1..n: highest exposure first; rows without exposure after all others, by score (ties in a fixed order)."""
    exposure = np.asarray(exposure, dtype=np.float64)
    scores = np.nan_to_num(np.asarray(scores, dtype=np.float64))
    # One sort key: exposures (>= 0) above every missing one; missing ones in -1 .. -0.9 by score.
    key = np.where(np.isnan(exposure), -1.0 + np.clip(scores, 0.0, 100.0) / 1000.0, exposure)
    order = np.argsort(-key, kind="quicksort")  # deterministic; a stable sort costs twice as much
    rank = np.empty(len(exposure), dtype=np.int64)
    rank[order] = np.arange(1, len(exposure) + 1)
    return rank


BASIS_NAMES = np.array(["none", "award_value", "estimated_value"], dtype=object)
