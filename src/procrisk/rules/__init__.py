"""Rules as data: load and check the catalogue, evaluate it into an outcome matrix, explain rows on demand.

Public API (wired into procrisk.api and the CLI):

* ``load_catalogue(paths=None, settings=None) -> Catalogue`` and ``check_catalogue(paths=None) -> [RuleProblem]``
* ``load_settings(path) -> Settings``; ``Catalogue.with_settings(settings)``
* ``render_rule(rule) -> str`` (``procrisk rules show``)
* ``evaluate_table(catalogue, source, scope=..., suppliers=...) -> Outcomes`` (the int8 outcome matrix)
* ``evaluate(rule_or_rules, frame) -> DataFrame`` (the Findings table of a few rows)
* ``explain_row(rule, row, outcome, meta) -> Finding``; ``explain_entity(...) -> [Finding]``
* ``coverage_report(catalogue, contracts, suppliers)``, ``field_gaps(catalogue, contracts, suppliers)``
"""

from procrisk.rules.catalogue import Catalogue, check_catalogue, default_rules_dirs, load_catalogue
from procrisk.rules.coverage import coverage_report, field_gaps
from procrisk.rules.engine import Outcomes, evaluate, evaluate_frame, evaluate_table
from procrisk.rules.explain import Finding, explain_entity, explain_row
from procrisk.rules.model import Rule, RuleProblem
from procrisk.rules.outcomes import CLEAR, FLAGGED, NOT_APPLICABLE, NOT_ASSESSED, OUTCOME_CODES, OUTCOME_NAMES
from procrisk.rules.render import render_rule
from procrisk.rules.settings import Settings, load_settings
from procrisk.rules.sources import FrameSource, ParquetSource, PreparedSource

__all__ = [
    "CLEAR", "FLAGGED", "NOT_APPLICABLE", "NOT_ASSESSED", "OUTCOME_CODES", "OUTCOME_NAMES", "Catalogue", "Finding",
    "FrameSource", "Outcomes", "ParquetSource", "PreparedSource", "Rule", "RuleProblem", "Settings",
    "check_catalogue", "coverage_report", "default_rules_dirs", "evaluate", "evaluate_frame", "evaluate_table",
    "explain_entity", "explain_row", "field_gaps", "load_catalogue", "load_settings", "render_rule",
]
