"""Bands from scores: low / medium / high / critical by the settings' cut-offs, hard flags forcing critical."""

from __future__ import annotations

import numpy as np
import pandas as pd

from procrisk.rules.settings import Bands

BANDS = ("low", "medium", "high", "critical")
BAND_DTYPE = pd.CategoricalDtype(list(BANDS), ordered=True)


def band_codes(scores: np.ndarray, hard: np.ndarray, bands: Bands) -> np.ndarray:
    """Band index per row (0 low .. 3 critical): the highest cut-off reached; a hard flag gives critical."""
    scores = np.nan_to_num(np.asarray(scores, dtype=np.float64), nan=0.0)
    codes = ((scores >= bands.medium).astype(np.int8) + (scores >= bands.high).astype(np.int8)
             + (scores >= bands.critical).astype(np.int8))
    codes[np.asarray(hard, dtype=bool)] = len(BANDS) - 1
    return codes


def band_series(codes: np.ndarray) -> pd.Categorical:
    """Band indexes as an ordered categorical of band names."""
    return pd.Categorical.from_codes(np.asarray(codes, dtype=np.int8), dtype=BAND_DTYPE)
