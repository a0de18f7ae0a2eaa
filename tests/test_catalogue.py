"""Catalogue-wide invariants, per rule: the docs and data around every rule are tested, not only its code."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
import yaml

from procrisk.rules import check_catalogue, evaluate, load_catalogue, render_rule
from procrisk.rules.checks import GENERIC_CHECKS, description, registry
from procrisk.rules.model import GUIDELINE_PILLARS, MAX_TITLE_WORDS, placeholders

ROOT = Path(__file__).resolve().parents[1]
CASES = ROOT / "tests" / "rules" / "cases"
CATALOGUE = load_catalogue(ROOT / "rules")
CODES = [rule.code for rule in CATALOGUE]


def _case_file(code: str) -> dict:
    return yaml.safe_load((CASES / f"{code}.yaml").read_text(encoding="utf-8"))


def _expected(code: str) -> set[str]:
    return {outcome for case in _case_file(code)["cases"].values() for outcome in case["expect"].values()}


def test_the_shipped_catalogue_has_no_problems():
    assert check_catalogue(ROOT / "rules") == []


def test_codes_and_names_are_unique():
    assert len(set(CODES)) == len(CODES)
    assert len({rule.name for rule in CATALOGUE}) == len(CODES)


@pytest.mark.parametrize("code", CODES)
def test_rule_cites_a_guideline_pillar_and_an_instrument(code):
    citation = CATALOGUE.get(code).citation
    assert citation.guideline in GUIDELINE_PILLARS
    assert citation.instrument.strip()
    assert not re.search(r"<.*>", citation.instrument), "a placeholder left in the citation"


@pytest.mark.parametrize("code", CODES)
def test_file_name_starts_with_the_code(code):
    assert CATALOGUE.get(code).path.name.startswith(f"{code}_")


@pytest.mark.parametrize("code", CODES)
def test_title_is_short_and_action_present(code):
    rule = CATALOGUE.get(code)
    assert 0 < len(rule.title.split()) <= MAX_TITLE_WORDS
    assert rule.action.strip() and rule.why.strip() and rule.summary.strip()


@pytest.mark.parametrize("code", CODES)
def test_case_file_has_flagged_clear_and_not_assessed_rows(code):
    assert (CASES / f"{code}.yaml").exists(), f"add tests/rules/cases/{code}.yaml"
    assert _case_file(code)["rule"] == code
    expected = _expected(code)
    assert {"flagged", "clear"} <= expected
    if CATALOGUE.get(code).requires:
        assert "not_assessed" in expected
    if CATALOGUE.get(code).applies_when:
        assert "not_applicable" in expected or "not_assessed" in expected


@pytest.mark.parametrize("code", CODES)
def test_explanation_renders_from_the_flagged_case_rows(code):
    rule = CATALOGUE.get(code)
    rendered = []
    for case in _case_file(code)["cases"].values():
        flagged = {k for k, outcome in case["expect"].items() if outcome == "flagged"}
        if not flagged:
            continue
        findings = evaluate(rule.with_params(**case.get("params", {})), pd.DataFrame(case["rows"]),
                            as_of=case.get("as_of", "2025-06-30"))
        for finding in findings[findings["entity_id"].isin(flagged)].itertuples():
            assert finding.outcome == "flagged"
            assert finding.explanation and "{" not in finding.explanation
            rendered.append(finding.explanation)
    assert rendered, "no flagged case row rendered an explanation"
    assert set(placeholders(rule.explain)) <= set(re.findall(r"\w+", rule.explain))


@pytest.mark.parametrize("code", CODES)
def test_rule_page_shows_every_field(code):
    rule = CATALOGUE.get(code)
    page = render_rule(rule)
    for text in (rule.code, rule.title, rule.check, rule.citation.guideline, rule.pillar, rule.scope):
        assert text in page


def test_every_check_has_a_one_line_description_and_generic_ones_are_documented():
    doc = (ROOT / "docs" / "rule-format.md").read_text(encoding="utf-8")
    for name, check in registry().items():
        assert description(check), f"check {name} needs a docstring"
    for name in GENERIC_CHECKS:
        assert f"`{name}`" in doc, f"docs/rule-format.md does not document check {name}"
