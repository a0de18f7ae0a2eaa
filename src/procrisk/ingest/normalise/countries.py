"""Country columns: names in many languages, ISO codes and aliases to ISO 3166-1 alpha-2 codes."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from procrisk.ingest.normalise.result import Normalised
from procrisk.ingest.normalise.series import (
    distinct,
    distinct_problems,
    is_missing_token,
    text_result,
)
from procrisk.reference import countries


def _codes_column(uniques: list[Any], weights: np.ndarray) -> bool:
    """Whether most values are two-letter codes, so that "NA" there means Namibia, not 'not available'."""
    two = sum(int(w) for u, w in zip(uniques, weights, strict=True)
              if isinstance(u, str) and len(u.strip()) == 2 and u.strip().isalpha())
    return two * 2 > int(weights.sum())


def parse_countries(values: pd.Series) -> Normalised:
    """Resolve each distinct country name or code once; unknown names are left empty with a warning."""
    codes, uniques = distinct(values)
    weights = np.bincount(codes[codes >= 0], minlength=len(uniques))
    namibia = _codes_column(uniques, weights)
    notes: list[str] = []
    results: list[str | None] = []
    problems: list[str | None] = []
    for value in uniques:
        text = str(value).strip()
        if text.upper() == "NA" and namibia:
            results.append("NA")
            problems.append(None)
            continue
        if is_missing_token(text):
            if text.upper() == "NA":
                notes.append("'NA' read as not available (not Namibia): the column holds names, not codes")
            results.append(None)
            problems.append(None)
            continue
        iso2 = countries.lookup(text)
        results.append(iso2)
        problems.append(None if iso2 else "country.unknown")
    return text_result(results, codes, values.index, distinct_problems(problems, codes, values.index), notes)
