"""PR04: an apparently abnormally low winning price with no explanation requested (Dir. 2014/24/EU art. 69).

The Directive sets no numbers, so the presumption of an abnormally low tender uses the Spanish RGLCAP art. 85
presumptions (domain.md PROC-04):

* one tender: the award is below ``one_bidder_share_of_estimate`` (75 %) of the buyer's estimate;
* two tenders: the winner is more than ``two_bidder_gap`` (20 %) below the other tender;
* three or more: the winner is more than ``many_bidder_gap_below_mean`` (10 %) below the arithmetic mean of
  the offers. Only the lowest other bid is stored, so the mean is taken as if every other offer equalled it,
  the lowest value the mean of all offers can have.

Outcome: presumption and no explanation requested -> flagged; explanation requested, or no presumption ->
clear; presumption untestable (missing award, tender count, estimate or other bid) or presumption with the
explanation field missing -> not assessed. A recorded request for an explanation is clear even when the
presumption cannot be tested: the buyer did investigate.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from procrisk.rules import values as v
from procrisk.rules.custom._columns import column, numbers
from procrisk.schema.columns import CONTRACTS

AWARD = CONTRACTS["award_value"].name
ESTIMATE = CONTRACTS["estimated_value"].name
TENDERERS = CONTRACTS["number_of_tenderers"].name
OTHER_BID = CONTRACTS["lowest_other_bid_value"].name
EXPLANATION = CONTRACTS["abnormal_low_explanation_requested"].name


def presumed_abnormally_low(
    frame: pd.DataFrame,
    *,
    one_bidder_share_of_estimate: float = 0.75,
    two_bidder_gap: float = 0.20,
    many_bidder_gap_below_mean: float = 0.10,
    award_column: str = AWARD,
    estimate_column: str = ESTIMATE,
    tenderers_column: str = TENDERERS,
    other_bid_column: str = OTHER_BID,
) -> tuple[np.ndarray, np.ndarray]:
    """(presumed abnormally low, cannot tell) per row, as two boolean arrays."""
    award = numbers(frame, award_column)
    estimate = numbers(frame, estimate_column)
    estimate = np.where(estimate > 0, estimate, np.nan)
    other = numbers(frame, other_bid_column)
    n = numbers(frame, tenderers_column)
    with np.errstate(invalid="ignore", divide="ignore"):
        test = np.select(
            [n == 1, n == 2, n >= 3],
            [award < estimate * one_bidder_share_of_estimate,
             award < other * (1.0 - two_bidder_gap),
             award < (award + (n - 1.0) * other) / n * (1.0 - many_bidder_gap_below_mean)],
            default=False,
        )
        inputs = np.select([n == 1, n >= 2], [estimate, other], default=np.nan)
    unknown = np.isnan(award) | np.isnan(inputs) | ~(n >= 1)
    return test & ~unknown, unknown


def abnormally_low_not_investigated(
    frame: pd.DataFrame,
    *,
    one_bidder_share_of_estimate: float = 0.75,
    two_bidder_gap: float = 0.20,
    many_bidder_gap_below_mean: float = 0.10,
    award_column: str = AWARD,
    estimate_column: str = ESTIMATE,
    tenderers_column: str = TENDERERS,
    other_bid_column: str = OTHER_BID,
    explanation_column: str = EXPLANATION,
) -> pd.Series:
    """Flag a presumed abnormally low winning price when no explanation was requested (art. 69)."""
    presumed, unknown = presumed_abnormally_low(
        frame,
        one_bidder_share_of_estimate=one_bidder_share_of_estimate,
        two_bidder_gap=two_bidder_gap,
        many_bidder_gap_below_mean=many_bidder_gap_below_mean,
        award_column=award_column,
        estimate_column=estimate_column,
        tenderers_column=tenderers_column,
        other_bid_column=other_bid_column,
    )
    asked, asked_missing = v.bool_values(column(frame, explanation_column))
    asked = asked & ~asked_missing
    flagged = presumed & ~asked & ~asked_missing
    undecided = ~asked & (unknown | (presumed & asked_missing))
    return v.boolean_series(flagged, undecided, frame.index)
