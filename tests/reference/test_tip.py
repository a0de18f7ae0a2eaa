"""US TIP Report tiers: the latest year available per country, marked with its year, and newer files."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from procrisk.errors import ConfigError
from procrisk.reference import countries, tip


def test_raw_values_have_trailing_spaces_that_parsing_removes() -> None:
    raw = pd.read_csv(tip.DATA / tip.TIP_FILE, dtype=str, keep_default_na=False)
    assert {"Tier 2    ", "Watchlist    ", "Tier 1    ", "Tier 3", "NA"} == set(raw["tier"])
    parsed = tip.parse_tier(raw["tier"])
    assert set(parsed.dropna()) == {"tier_1", "tier_2", "tier_2_watch_list", "tier_3"}
    assert parsed[raw["tier"] == "NA"].isna().all()


@pytest.mark.parametrize(
    ("raw", "tier"),
    [("Tier 1", "tier_1"), ("Tier 2    ", "tier_2"), ("Watchlist", "tier_2_watch_list"),
     ("Tier 2 Watch List", "tier_2_watch_list"), ("tier_3", "tier_3"), ("Special Case", "special_case"),
     ("NA", None), ("", None)],
)
def test_parse_tier(raw: str, tier: str | None) -> None:
    assert tip.parse_tier(pd.Series([raw])).tolist() == [tier if tier else pd.NA]


def test_shipped_tiers_are_the_2015_report_marked_with_their_year() -> None:
    tiers = tip.load_tiers()
    assert tip.latest_year() == 2015
    assert (tiers["year"] == 2015).all()
    assert tiers["iso2"].is_unique
    assert set(tiers["tier"]) == set(tip.TIERS)
    assert set(tiers["iso2"]) <= countries.iso2_codes()
    by_iso = tiers.set_index("iso2")["tier"]
    assert by_iso["GB"] == "tier_1"
    assert by_iso["CN"] == "tier_2_watch_list"  # "Watchlist" in the raw file
    assert by_iso["KP"] == "tier_3"
    assert by_iso["XK"] == "tier_2"  # raw ISO3 "KOS"
    assert by_iso["NA"] == "tier_2_watch_list"  # Namibia, not a missing value
    assert by_iso["SO"] == "special_case"  # override from the 2015 Report
    assert by_iso["US"] == "tier_1"  # override: the compilation leaves the US out


def test_unranked_small_states_have_no_tier() -> None:
    found = tip.tier_of(pd.Series(["DM", "WS", None, "ZZ", " gb "]))
    assert found["tier"].isna().tolist() == [True, True, True, True, False]
    assert found["year"].tolist()[-1] == 2015


def test_a_newer_file_can_be_supplied(tmp_path: Path) -> None:
    newer = tmp_path / "tip_2024.csv"
    newer.write_text("country,iso2,year,tier\nChina,CN,2023,Tier 3\nChina,CN,2024,Tier 3\n"
                     "Somalia,SO,2024,Special Case\nUnited Kingdom,GB,2024,Tier 1\n", encoding="utf-8")
    tiers = tip.load_tiers(newer)
    assert tiers.set_index("iso2")[["tier", "year"]].to_dict("index") == {
        "CN": {"tier": "tier_3", "year": 2024}, "GB": {"tier": "tier_1", "year": 2024},
        "SO": {"tier": "special_case", "year": 2024},
    }
    found = tip.tier_of(pd.Series(["CN", "BD"]), tiers)
    assert found["tier"].tolist()[0] == "tier_3" and pd.isna(found["tier"][1])
    # the shipped table is untouched
    assert tip.load_tiers().set_index("iso2").at["CN", "year"] == 2015


def test_a_file_in_the_shipped_iso3_format_can_be_supplied(tmp_path: Path) -> None:
    newer = tmp_path / "tip.csv"
    newer.write_text('"countryname","iso","year","ccode","tier"\n"Kosovo","KOS",2016,347,"Tier 2    "\n',
                     encoding="utf-8")
    assert tip.load_tiers(newer).to_dict("records") == [
        {"iso2": "XK", "country": "Kosovo", "tier": "tier_2", "year": 2016}]


def test_bad_files_are_usage_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        tip.load_tiers(tmp_path / "missing.csv")
    bad = tmp_path / "bad.csv"
    bad.write_text("country,rank\nChina,3\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="year, tier and a country code"):
        tip.load_tiers(bad)
    unknown = tmp_path / "unknown.csv"
    unknown.write_text("iso3,year,tier\nXYZ,2024,Tier 1\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="XYZ"):
        tip.load_tiers(unknown)
