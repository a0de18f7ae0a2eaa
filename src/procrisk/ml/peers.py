"""Peer statistics per group on log prices: sizes, medians (leave-one-out for members), robust spreads."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

MAD_TO_SD = 1.4826  # the MAD of a normal sample times this estimates its standard deviation


@dataclass(frozen=True)
class GroupStats:
    """Per-group statistics of log values: size, median, MAD, sorted values with offsets, member positions."""

    index: pd.Index  # group key -> position
    size: np.ndarray
    median: np.ndarray
    mad: np.ndarray
    start: np.ndarray
    sorted_values: np.ndarray
    member_group: np.ndarray  # per input row: group position, -1 when the row's key was null
    member_rank: np.ndarray  # per input row: rank of its value inside its group

    def positions(self, keys: pd.Index | pd.Series) -> np.ndarray:
        """Group position of each key (-1 when the group is unknown)."""
        return self.index.get_indexer(keys)


def group_stats(keys: pd.Series, log_values: np.ndarray) -> GroupStats:
    """Statistics of ``log_values`` grouped by ``keys`` (rows with a null key are left out)."""
    mask = keys.notna().to_numpy()
    codes, uniques = pd.factorize(keys[mask], sort=True)
    values = log_values[mask]
    order = np.lexsort((values, codes))
    sorted_codes, sorted_values = codes[order], values[order]
    size = np.bincount(sorted_codes, minlength=len(uniques)).astype(np.int64)
    start = np.concatenate([[0], np.cumsum(size)[:-1]]).astype(np.int64)
    median = _median_at(sorted_values, start, size)
    deviation = np.abs(sorted_values - np.repeat(median, size))
    mad = _median_at(deviation[np.lexsort((deviation, sorted_codes))], start, size)
    rank_in = np.empty(len(order), dtype=np.int64)
    rank_in[order] = np.arange(len(order)) - start[sorted_codes]
    member_group = np.full(len(keys), -1, dtype=np.int64)
    member_rank = np.full(len(keys), -1, dtype=np.int64)
    member_group[mask] = codes
    member_rank[mask] = rank_in
    return GroupStats(pd.Index(uniques), size, median, mad, start, sorted_values, member_group, member_rank)


def _median_at(sorted_values: np.ndarray, start: np.ndarray, size: np.ndarray) -> np.ndarray:
    """Median of each run ``sorted_values[start:start+size]`` (NaN for empty runs)."""
    out = np.full(len(size), np.nan)
    has = size > 0
    lo = start[has] + (size[has] - 1) // 2
    hi = start[has] + size[has] // 2
    out[has] = (sorted_values[lo] + sorted_values[hi]) / 2
    return out


def leave_one_out_median(stats: GroupStats, group: np.ndarray, rank: np.ndarray) -> np.ndarray:
    """Median of each member's group without the member itself (NaN when the member is alone).

    ``group`` and ``rank`` are the members' group positions and ranks (``member_group``/``member_rank``).
    """
    remaining = stats.size[group] - 1
    out = np.full(len(group), np.nan)
    ok = remaining > 0
    m, r, s = remaining[ok], rank[ok], stats.start[group[ok]]

    def kth(k: np.ndarray) -> np.ndarray:
        """The k-th smallest of the group once the member at rank r is removed."""
        return stats.sorted_values[s + np.where(k < r, k, k + 1)]

    out[ok] = (kth((m - 1) // 2) + kth(m // 2)) / 2
    return out
