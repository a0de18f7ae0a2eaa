"""Custom checks: each custom check is one module in this package, listed explicitly in CUSTOM_CHECKS.

A custom check has the same signature as a generic check in ``procrisk.rules.checks``: a function ``(frame:
pd.DataFrame, **params) -> pd.Series`` of pandas ``boolean`` dtype aligned to ``frame.index`` (True = flagged,
False = clear, NA = not assessed), with a one-sentence docstring. A dataset-relative check is a
``procrisk.rules.checks.DatasetCheck`` (a fit step over the whole column, then an apply step per batch). Add
an entry ``"check_name": module.function`` below; the name is what rule files put under ``check:``.
"""

from __future__ import annotations

from procrisk.rules.custom import (
    abnormally_low_not_investigated,
    far_plan_threshold_exceeded,
    heavily_discounted_bid,
    inferred_sector,
    peer_price_below,
    price_close_to_winning_bid,
    short_submission_period,
    single_bid,
    statement_missing_where_required,
    unnamed_subcontracting,
)

CUSTOM_CHECKS: dict = {
    "abnormally_low_not_investigated": abnormally_low_not_investigated.abnormally_low_not_investigated,
    "far_plan_threshold_exceeded": far_plan_threshold_exceeded.far_plan_threshold_exceeded,
    "heavily_discounted_bid": heavily_discounted_bid.heavily_discounted_bid,
    "inferred_sector_in": inferred_sector.inferred_sector_in,
    "peer_price_below": peer_price_below.peer_price_below,
    "price_close_to_winning_bid": price_close_to_winning_bid.price_close_to_winning_bid,
    "short_submission_period": short_submission_period.short_submission_period,
    "single_bid": single_bid.single_bid,
    "statement_missing_where_required": statement_missing_where_required.statement_missing_where_required,
    "unnamed_subcontracting": unnamed_subcontracting.unnamed_subcontracting,
}
