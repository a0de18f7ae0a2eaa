"""Sector tier tables: CPV, UNSPSC and NAICS codes to high / medium / low, longest prefix winning."""

from __future__ import annotations

import pandas as pd
import pytest

from procrisk.reference import cpv, sectors


def test_every_cpv_division_has_a_tier() -> None:
    table = sectors.tier_table("CPV")
    divisions = set(table.loc[table["prefix"].str.len() == 2, "prefix"])
    assert divisions == set(cpv.divisions())
    assert len(divisions) == 45


@pytest.mark.parametrize("scheme", sectors.SCHEMES)
def test_tables_are_well_formed(scheme: str) -> None:
    table = sectors.tier_table(scheme)
    assert set(table["tier"]) <= {"high", "medium", "low"}
    assert table["prefix"].is_unique
    assert table["prefix"].str.fullmatch(r"\d{2,6}").all()
    assert (table["source"].str.len() > 0).all()
    # the tier assignment is the project's judgement and every row says so or names its source
    assert table["source"].str.contains("judgement|domain.md", regex=True).all()


def test_every_cpv_prefix_is_a_real_code() -> None:
    stems = cpv.stems()
    for prefix in sectors.tier_table("CPV")["prefix"]:
        assert prefix.ljust(8, "0") in stems, prefix
    for prefix in sectors.sector_terms()["cpv_prefix"]:
        assert prefix.ljust(8, "0") in stems, prefix


def test_longest_prefix_wins() -> None:
    codes = ["79710000", "79400000", "79000000", "90910000", "48000000", "99000000", None]
    stems = pd.Series(codes, dtype="string")
    found = sectors.lookup(stems, "CPV")
    assert found["tier"].tolist()[:5] == ["high", "low", "high", "high", "low"]
    assert found["prefix"].tolist()[:2] == ["7971", "794"]
    assert found["label"][0] == "Security services (CPV 7971)"
    assert found["tier"][5:].isna().all()


def test_naics_and_unspsc_examples() -> None:
    naics = sectors.lookup(pd.Series(["561320", "561720", "541511", "315210", "722310", "336111"]), "NAICS")
    assert naics["tier"].tolist() == ["high", "high", "low", "high", "high", "medium"]
    unspsc = sectors.lookup(pd.Series(["43232104", "43211503", "53102710", "80111604", "80101500"]), "UNSPSC")
    assert unspsc["tier"].tolist() == ["low", "high", "high", "high", "medium"]


@pytest.mark.parametrize(
    ("value", "expected"),
    [("CPV", "CPV"), ("cpv", "CPV"), ("CPV 2008", "CPV"), ("CPVS", None), ("UNSPSC", "UNSPSC"),
     ("unspsc v26", "UNSPSC"), ("NAICS", "NAICS"), ("naics_2022", "NAICS"), ("GSIN", None), (None, None)],
)
def test_scheme_name(value: str | None, expected: str | None) -> None:
    assert sectors.scheme_name(value) == expected


@pytest.mark.parametrize(
    ("code", "scheme", "stem"),
    [("18110000-3", "CPV", "18110000"), ("18110000", "CPV", "18110000"), ("45", "CPV", "45"),
     ("1811000x", "CPV", None), ("5617.20", "NAICS", "561720"), ("GB-123", "NAICS", None), (12, "CPV", None)],
)
def test_code_stem(code: object, scheme: str, stem: str | None) -> None:
    assert sectors.code_stem(code, scheme) == stem
