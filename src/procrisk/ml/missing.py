"""One test for a missing cell value, whatever form it takes (None, NaN, pd.NA)."""

from __future__ import annotations

import math

import pandas as pd


def is_missing(value: object) -> bool:
    """Whether ``value`` is None, pd.NA or a float NaN."""
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))
