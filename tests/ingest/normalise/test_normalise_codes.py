"""Country, currency and CPV / classification columns."""

from __future__ import annotations

import csv
from importlib.resources import files

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from procrisk.ingest.normalise.countries import parse_countries
from procrisk.ingest.normalise.cpv import normalise_classification, parse_cpv
from procrisk.ingest.normalise.currencies import parse_currencies


def _plain(series: pd.Series) -> list[object]:
    return [None if pd.isna(v) else v for v in series]


def test_countries_resolve_with_unknowns_flagged() -> None:
    values = pd.Series(
        ["United Kingdom ", "  PARAGUAY", "México", "Burma", "Atlantis", None, "n/a"],
        index=list("abcdefg"),
        dtype="string",
    )
    result = parse_countries(values)
    assert str(result.values.dtype) == "string"
    assert list(result.values.index) == list("abcdefg")
    assert _plain(result.values) == ["GB", "PY", "MX", "MM", None, None, None]
    assert result.problems.tolist() == [None, None, None, None, "country.unknown", None, None]


def test_na_is_namibia_only_in_a_column_of_codes() -> None:
    assert _plain(parse_countries(pd.Series(["GB", "NA", "MX"], dtype="string")).values) == ["GB", "NA", "MX"]
    names = parse_countries(pd.Series(["Mexico", "NA", "France"], dtype="string"))
    assert _plain(names.values) == ["MX", None, "FR"]
    assert names.problems.tolist() == [None, None, None]
    assert names.notes


def test_currencies() -> None:
    values = pd.Series(
        ["usd", " eur ", "€", "£", "US$", "$", "¥", "MNX", "Euro", "Mexican Peso", None, ""], dtype="string"
    )
    result = parse_currencies(values)
    assert _plain(result.values) == [
        "USD",
        "EUR",
        "EUR",
        "GBP",
        "USD",
        "USD",
        "JPY",
        None,
        "EUR",
        "MXN",
        None,
        None,
    ]
    assert (
        result.problems.tolist()
        == [None] * 5 + ["currency.ambiguous_symbol"] * 2 + ["currency.unknown"] + [None] * 4
    )


@pytest.mark.parametrize(
    "text",
    [
        "03000000-1",
        "03000000",
        "3000000",
        "03000000 - 1",
        "03000000-1 Agricultural products",
        " 03000000-1 ",
        "03000000 Agricultural",
    ],
)
def test_cpv_spellings(text: str) -> None:
    result = parse_cpv(pd.Series([text], dtype="string"))
    assert result.values.iloc[0] == "03000000-1"
    assert result.problems.iloc[0] is None
    assert result.extra["cpv_division"].iloc[0] == "03"


def test_cpv_from_excel_numbers() -> None:
    result = parse_cpv(pd.Series([3000000, 45000000.0], dtype=object))
    assert _plain(result.values) == ["03000000-1", "45000000-7"]


def test_cpv_wrong_check_digit_is_corrected_and_flagged() -> None:
    result = parse_cpv(pd.Series(["03000000-7"], dtype="string"))
    assert result.values.iloc[0] == "03000000-1"
    assert result.problems.iloc[0] == "cpv.check_digit"


@pytest.mark.parametrize("text", ["12345678", "12345678-9", "abc", "0300000-1x"])
def test_cpv_unknown_codes_are_kept_and_flagged(text: str) -> None:
    result = parse_cpv(pd.Series([text], dtype="string"))
    assert result.problems.iloc[0] == "cpv.unknown"
    assert pd.isna(result.extra["cpv_division"].iloc[0])
    assert result.values.iloc[0] is not pd.NA


_CODES = list(
    csv.DictReader(
        (files("procrisk.reference") / "data" / "cpv" / "cpv_2008_en.csv").open(encoding="utf-8", newline="")
    )
)


def test_every_cpv_code_normalises_to_itself_in_every_spelling() -> None:
    canonical = [r["code"] for r in _CODES]
    for spelling in (
        [r["code"] for r in _CODES],
        [r["code8"] for r in _CODES],
        [r["code8"].lstrip("0") for r in _CODES],
        [f"{r['code8']} - {r['check_digit']}" for r in _CODES],
    ):
        result = parse_cpv(pd.Series(spelling, dtype="string"))
        assert _plain(result.values) == canonical
        assert result.problems.isna().all()
        assert _plain(result.extra["cpv_division"]) == [r["division"] for r in _CODES]


@settings(max_examples=60, deadline=None, derandomize=True)
@given(row=st.sampled_from(_CODES), wrong=st.integers(0, 9))
def test_property_a_wrong_check_digit_is_reported(row: dict[str, str], wrong: int) -> None:
    if str(wrong) == row["check_digit"]:
        return
    result = parse_cpv(pd.Series([f"{row['code8']}-{wrong}"], dtype="string"))
    assert result.values.iloc[0] == row["code"]
    assert result.problems.iloc[0] == "cpv.check_digit"


def test_classification_keeps_other_schemes_and_infers_cpv() -> None:
    codes = pd.Series(
        ["03000000-1", "43211503", " 236220 ", "45000000", "12345678-9", "12345678", None, "72000000-5"],
        dtype="string",
    )
    schemes = pd.Series([None, "UNSPSC", "naics", None, None, None, "CPV", "cpv"], dtype="string")
    result = normalise_classification(codes, schemes)
    assert _plain(result.values) == [
        "03000000-1",
        "43211503",
        "236220",
        "45000000-7",
        "12345678-9",
        "12345678",
        None,
        "72000000-5",
    ]
    assert _plain(result.extra["scheme"]) == ["CPV", "UNSPSC", "NAICS", "CPV", "CPV", None, "CPV", "CPV"]
    assert _plain(result.extra["cpv_division"]) == ["03", None, None, "45", None, None, None, "72"]
    assert result.problems.tolist() == [None, None, None, None, "cpv.unknown", None, None, None]
    assert result.notes


def test_classification_with_no_scheme_column() -> None:
    result = normalise_classification(pd.Series(["03000000-1", "UNKNOWN-CODE"], dtype="string"), None)
    assert _plain(result.extra["scheme"]) == ["CPV", None]
    assert _plain(result.values) == ["03000000-1", "UNKNOWN-CODE"]
