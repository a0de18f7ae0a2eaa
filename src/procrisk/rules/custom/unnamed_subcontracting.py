"""CM08: a large share of the contract is subcontracted and no subcontractor is named.

Flagged when ``subcontracting_share`` is above ``share_threshold`` (strictly) and ``subcontractors`` is empty
(null, an empty list, or a list of blank names); clear when the share is at or below the threshold or at least
one subcontractor is named; not assessed when the share is missing and no subcontractor is named.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from procrisk.rules import values as v
from procrisk.rules.custom._columns import column, list_has_name, numbers
from procrisk.schema.columns import CONTRACTS

SHARE = CONTRACTS["subcontracting_share"].name
SUBCONTRACTORS = CONTRACTS["subcontractors"].name


def unnamed_subcontracting(
    frame: pd.DataFrame,
    *,
    share_threshold: float = 0.3,
    share_column: str = SHARE,
    names_column: str = SUBCONTRACTORS,
) -> pd.Series:
    """Flag a subcontracting share above the threshold with no subcontractor named."""
    share = numbers(frame, share_column)
    named = list_has_name(column(frame, names_column))
    with np.errstate(invalid="ignore"):
        large = share > share_threshold
    return v.boolean_series(large & ~named, np.isnan(share) & ~named, frame.index)
