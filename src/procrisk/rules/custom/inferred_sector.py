"""IR20: a high-risk sector read from the category inferred from the contract's text (procrisk.ml.category).

Applies only to contracts without an observed CPV division (those are IR01's); flagged when the inferred
division is in ``divisions`` and the inferred group is not in ``except_groups``; clear when it is not; not
assessed when there is no inferred division or its probability is below ``min_probability``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from procrisk.rules import values as v
from procrisk.rules.custom._columns import column, numbers, text_is_in
from procrisk.schema.columns import CONTRACTS

OBSERVED = CONTRACTS["cpv_division"].name
DIVISION = CONTRACTS["cpv_division_inferred"].name
GROUP = CONTRACTS["cpv_group_inferred"].name
PROBABILITY = CONTRACTS["category_probability"].name


def not_applicable(frame: pd.DataFrame, *, observed_column: str = OBSERVED, **_: object) -> np.ndarray:
    """Rows with an observed CPV division: the sector is known, so the inferred category is not used."""
    return ~v.null_mask(column(frame, observed_column))


def inferred_sector_in(
    frame: pd.DataFrame,
    *,
    divisions: Sequence[str] = (),
    except_groups: Sequence[str] = (),
    min_probability: float = 0.5,
    division_column: str = DIVISION,
    group_column: str = GROUP,
    probability_column: str = PROBABILITY,
    observed_column: str = OBSERVED,
) -> pd.Series:
    """Flag an inferred CPV division listed as high risk, when its probability reaches ``min_probability``."""
    division = column(frame, division_column)
    probability = numbers(frame, probability_column)
    hit = text_is_in(division, divisions) & ~text_is_in(column(frame, group_column), except_groups)
    unknown = v.null_mask(division) | np.isnan(probability) | (probability < min_probability)
    unknown |= not_applicable(frame, observed_column=observed_column)
    return v.boolean_series(hit, unknown, frame.index)


# Contracts with an observed division are not_applicable (IR01 reads them), not clear: the engine reads this
# companion of the check (see gate_of in procrisk.rules.checks).
inferred_sector_in.not_applicable = not_applicable  # type: ignore[attr-defined]
