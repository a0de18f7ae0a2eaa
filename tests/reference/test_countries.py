"""The packaged country reference: every code and name resolves, and so do ILAB and TIP spellings."""

from __future__ import annotations

import csv
from importlib.resources import files
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from procrisk.reference.countries import country_name, iso2_codes, lookup, to_iso2

_ROWS = list(
    csv.DictReader(
        (files("procrisk.reference") / "data" / "countries" / "country-codes.csv").open(
            encoding="utf-8", newline=""
        )
    )
)
_NAMES = [
    line.split("\t", 1)
    for line in (Path(__file__).parent / "data" / "ilab_tip_country_names.txt")
    .read_text(encoding="utf-8")
    .splitlines()
    if line and not line.startswith("#")
]


def test_every_iso2_and_english_name_resolves_to_itself() -> None:
    for row in _ROWS:
        iso2 = row["ISO3166-1-Alpha-2"]
        if not iso2:
            continue
        assert lookup(iso2) == iso2
        assert lookup(iso2.lower()) == iso2
        assert lookup(row["ISO3166-1-Alpha-3"]) == iso2
        for column in ("official_name_en", "CLDR display name", "UNTERM English Short"):
            if row[column]:
                assert lookup(row[column]) == iso2, (column, row[column])


@settings(max_examples=100, deadline=None, derandomize=True)
@given(
    row=st.sampled_from([r for r in _ROWS if r["ISO3166-1-Alpha-2"]]),
    column=st.sampled_from(
        [
            "official_name_en",
            "official_name_fr",
            "official_name_es",
            "official_name_ru",
            "official_name_cn",
            "official_name_ar",
            "CLDR display name",
        ]
    ),
    upper=st.booleans(),
    pad=st.sampled_from(["", " ", "  ", "\t"]),
)
def test_property_names_in_six_languages_resolve_whatever_the_case_and_padding(
    row: dict[str, str],
    column: str,
    upper: bool,
    pad: str,
) -> None:
    name = row[column]
    if not name:
        return
    text = pad + (name.upper() if upper else name) + pad
    assert lookup(text) == row["ISO3166-1-Alpha-2"], text


@pytest.mark.parametrize(("source", "name"), _NAMES, ids=[f"{s}:{n}" for s, n in _NAMES])
def test_every_ilab_and_tip_country_resolves(source: str, name: str) -> None:
    assert lookup(name) is not None, f"{source} name {name!r} does not resolve"


@pytest.mark.parametrize(
    ("name", "iso2"),
    [
        ("United Kingdom ", "GB"),
        ("  PARAGUAY", "PY"),
        ("UK", "GB"),
        ("U.K.", "GB"),
        ("Great Britain", "GB"),
        ("England", "GB"),
        ("Scotland", "GB"),
        ("Wales", "GB"),
        ("USA", "US"),
        ("U.S.A.", "US"),
        ("US", "US"),
        ("United States of America", "US"),
        ("Burma", "MM"),
        ("Turkey", "TR"),
        ("Türkiye", "TR"),
        ("Turkey (Türkiye)", "TR"),
        ("Congo, Democratic Republic of the", "CD"),
        ("DRC", "CD"),
        ("Congo, Democratic Republic of the (DRC)", "CD"),
        ("Côte d'Ivoire", "CI"),
        ("Cote d’Ivoire", "CI"),
        ("Ivory Coast", "CI"),
        ("South Korea", "KR"),
        ("Korea, Republic of", "KR"),
        ("North Korea", "KP"),
        ("Taiwan", "TW"),
        ("Russia", "RU"),
        ("Vietnam", "VN"),
        ("Viet Nam", "VN"),
        ("Laos", "LA"),
        ("Iran", "IR"),
        ("Syria", "SY"),
        ("Bolivia", "BO"),
        ("Venezuela", "VE"),
        ("Tanzania", "TZ"),
        ("Moldova", "MD"),
        ("Czechia", "CZ"),
        ("Holland", "NL"),
        ("Netherlands", "NL"),
        ("México", "MX"),
        ("Mexique", "MX"),
        ("Deutschland", "DE"),
        ("Vereinigtes Königreich", "GB"),
        ("Großbritannien", "GB"),
        ("Elfenbeinküste", "CI"),
        ("Südkorea", "KR"),
        ("Russland", "RU"),
        ("Schweiz", "CH"),
        ("Allemagne", "DE"),
        ("Royaume-Uni", "GB"),
        ("Estados Unidos", "US"),
        ("España", "ES"),
        ("中国", "CN"),
        ("Россия", "RU"),
        ("المغرب", "MA"),
        ("Kosovo", "XK"),
        ("St. Lucia", "LC"),
        ("Saint Lucia", "LC"),
    ],
)
def test_aliases_and_translations(name: str, iso2: str) -> None:
    assert lookup(name) == iso2


@pytest.mark.parametrize("name", ["Atlantis", "Europe", "", "Korea, somewhere"])
def test_unknown_names_are_none(name: str) -> None:
    assert lookup(name) is None


def test_to_iso2_maps_each_distinct_name() -> None:
    assert to_iso2(["UK", "Burma", "UK", "Atlantis"]) == {"UK": "GB", "Burma": "MM", "Atlantis": None}


def test_country_name_and_codes() -> None:
    assert country_name("gb") == "United Kingdom"
    assert country_name("MX") == "Mexico"
    assert country_name("ZZ") is None
    assert {"GB", "NA", "XK"} <= iso2_codes()
    assert len(iso2_codes()) >= 249
