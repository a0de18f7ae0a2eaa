"""Scores from the outcome matrix: contract and supplier scores, sub-scores, coverage, bands and exposure.

Public API: ``score_contracts(catalogue, outcomes) -> DataFrame``, ``score_suppliers(catalogue, contract_scores,
suppliers) -> DataFrame`` and ``score_outcomes(values, rules, codes, settings) -> DataFrame``; the model is
documented once in docs/methodology.md.
"""

from procrisk.scoring.bands import BANDS
from procrisk.scoring.score import GROUPS, SUBSCORES, composite, score_contracts, score_outcomes
from procrisk.scoring.suppliers import score_suppliers

__all__ = ["BANDS", "GROUPS", "SUBSCORES", "composite", "score_contracts", "score_outcomes", "score_suppliers"]
