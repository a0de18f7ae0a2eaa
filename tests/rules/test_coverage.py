"""Coverage report: which rules the data supports, and which missing fields would unlock the most rule weight."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from procrisk.rules import coverage_report, field_gaps, load_catalogue

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue(ROOT / "rules")


CONTRACTS = pd.DataFrame({
    "contract_id": ["a", "b", "c", "d"],
    "sector_tier": ["high", "low", "medium", "high"],
    "contract_type": ["goods", "goods", "services", None],
    "origin_country": [None, "CN", None, None],
})
SUPPLIERS = pd.DataFrame({
    "supplier_id": ["s1", "s2"],
    "share_migrant_workers": [0.6, None],
    "share_agency_workers": [0.1, None],
    "share_seasonal_workers": [0.0, None],
})


def test_rules_the_data_supports(catalogue):
    report = coverage_report(catalogue, CONTRACTS, SUPPLIERS).set_index("code")
    ir01 = report.loc["IR01"]
    assert (ir01["status"], ir01["assessed_share"], ir01["flagged"]) == ("supported", 1.0, 2)
    ir10 = report.loc["IR10"]  # goods only; no origin tier in the data
    assert ir10["applicable"] == 3 and ir10["assessed"] == 0 and ir10["status"] == "unsupported"
    assert ir10["absent_fields"] == ["origin_country_tier"]
    assert ir10["blocking_fields"][0] == "origin_country_tier"
    ir12 = report.loc["IR12"]
    assert ir12["scope"] == "supplier" and ir12["status"] == "partial" and ir12["assessed_share"] == 0.5
    assert report.loc["IR11", "assessed"] == 2  # missing origin is itself the evidence


def test_fields_ranked_by_the_rule_weight_they_would_unlock(catalogue):
    gaps = field_gaps(catalogue, CONTRACTS, SUPPLIERS)
    assert list(gaps.columns) == ["field", "table", "present", "missing_share", "rules", "weight_unlocked",
                                  "weight_blocked"]
    assert gaps["weight_unlocked"].is_monotonic_decreasing
    tier = gaps.set_index(["table", "field"]).loc[("contracts", "supplier_country_tier")]
    assert not tier["present"] and tier["missing_share"] == 1.0 and "IR09" in tier["rules"]
    assert tier["weight_unlocked"] == pytest.approx(4.0)  # IR09 (weight 4) on every contract
    ctype = gaps.set_index(["table", "field"]).loc[("contracts", "contract_type")]
    assert ctype["missing_share"] == 0.25
