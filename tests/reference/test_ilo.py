"""The ILO's 11 forced-labour indicators and the check of which rules pick them up."""

from __future__ import annotations

from pathlib import Path

import pytest

from procrisk.reference import ilo

RULES = Path(__file__).resolve().parents[2] / "rules"
ELEVEN = (
    "abuse_of_vulnerability", "deception", "restriction_of_movement", "isolation",
    "physical_and_sexual_violence", "intimidation_and_threats", "retention_of_identity_documents",
    "withholding_of_wages", "debt_bondage", "abusive_working_and_living_conditions", "excessive_overtime",
)


def test_the_eleven_indicators_in_the_ilo_order() -> None:
    assert ilo.indicator_ids() == ELEVEN
    for indicator in ilo.indicators():
        assert indicator.name and indicator.description.endswith(".")
        assert indicator.source == ("ILO Indicators of Forced Labour (2012), ILO Special Action Programme to "
                                    "Combat Forced Labour")


def test_coverage_of_a_hand_made_mapping() -> None:
    mapping = {"RC01": ["debt_bondage"], "RC05": ["retention_of_identity_documents", "debt_bondage"],
               "XX01": ["debt_bondage", "forced_overtime"], "XX02": []}
    result = ilo.coverage(mapping)
    assert result.covered == {"retention_of_identity_documents": ("RC05",),
                              "debt_bondage": ("RC01", "RC05", "XX01")}
    assert result.unknown == {"XX01": ("forced_overtime",)}
    assert len(result.uncovered) == 9 and "deception" in result.uncovered
    assert not result.complete


def test_assert_full_coverage_names_the_gaps() -> None:
    with pytest.raises(ValueError, match=r"no rule picks up \['abuse_of_vulnerability'"):
        ilo.assert_full_coverage({"RC01": ["debt_bondage"]})
    with pytest.raises(ValueError, match="unknown indicator ids XX01: \\['forced_overtime'\\]"):
        ilo.assert_full_coverage({"XX01": ["forced_overtime"], **{f"R{i}": [i] for i in ELEVEN}})
    full = ilo.assert_full_coverage({f"R{n:02d}": [i] for n, i in enumerate(ELEVEN)})
    assert full.complete and set(full.covered) == set(ELEVEN)


def test_every_indicator_id_used_in_rule_files_exists() -> None:
    mapping = ilo.rule_file_indicators(RULES.rglob("*.yaml"))
    unknown = ilo.coverage(mapping).unknown
    assert not unknown, f"rule files use ids that are not ILO indicators: {unknown}"
