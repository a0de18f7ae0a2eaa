"""PR20: an award far below comparable awards (the peer ratio computed by procrisk.ml.price).

Flagged when ``price_peer_ratio`` (award / median award of the peer group) is below ``threshold`` and the peer
group has at least ``min_peers`` other awards; clear when the ratio is at or above the threshold; not assessed
when there is no peer group (no ratio) or fewer peers than ``min_peers``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from procrisk.rules import values as v
from procrisk.rules.custom._columns import numbers
from procrisk.schema.columns import CONTRACTS

RATIO = CONTRACTS["price_peer_ratio"].name
COUNT = CONTRACTS["price_peer_count"].name


def peer_price_below(
    frame: pd.DataFrame,
    *,
    threshold: float = 0.5,
    min_peers: int = 5,
    ratio_column: str = RATIO,
    count_column: str = COUNT,
) -> pd.Series:
    """Flag an award below ``threshold`` times the median of at least ``min_peers`` comparable awards."""
    ratio = numbers(frame, ratio_column)
    peers = numbers(frame, count_column)
    unknown = np.isnan(ratio) | np.isnan(peers) | (peers < min_peers)
    return v.boolean_series(ratio < threshold, unknown, frame.index)
