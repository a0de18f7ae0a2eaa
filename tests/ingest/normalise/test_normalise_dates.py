"""Dates: ISO, day-first or month-first decided per column, month names, Excel serials, typed datetimes."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from procrisk.ingest.normalise.dates import parse_dates


def _dates(values: list[object], **kwargs: object) -> tuple[list[str | None], list[str | None], list[str]]:
    """(ISO dates or None, problems, notes) for a column."""
    dtype = "string" if all(v is None or isinstance(v, str) for v in values) else object
    result = parse_dates(pd.Series(values, dtype=dtype), **kwargs)
    assert str(result.values.dtype) == "datetime64[s]"
    iso = [None if pd.isna(v) else v.date().isoformat() for v in result.values]
    return iso, result.problems.tolist(), result.notes


@pytest.mark.parametrize(
    "text",
    [
        "2025-04-03",
        "2025-04-03T10:00:00Z",
        "2025-04-03T23:30:00-05:00",
        "2025-04-03 10:00:00",
        "2025/04/03",
        "20250403",
        "April 3, 2025",
        "3 April 2025",
        "Thursday, April 3, 2025",
        "03-Apr-2025",
        "3 avril 2025",
        "3 de abril de 2025",
        "3. April 2025",
        "3 abr. 2025",
    ],
)
def test_reads_unambiguous_spellings(text: str) -> None:
    assert _dates([text])[:2] == (["2025-04-03"], [None])


def test_french_ordinal_and_german_month() -> None:
    assert _dates(["1er avril 2025", "3. März 2025"])[0] == ["2025-04-01", "2025-03-03"]


def test_first_field_above_twelve_makes_the_column_day_first() -> None:
    iso, problems, notes = _dates(["13/04/2025", "03/04/2025", "3.4.2025", "03-04-25"])
    assert iso == ["2025-04-13", "2025-04-03", "2025-04-03", "2025-04-03"]
    assert problems == [None] * 4
    assert notes == ["dates read day-first (DD/MM/YYYY)"]


def test_second_field_above_twelve_makes_the_column_month_first() -> None:
    iso, problems, notes = _dates(["04/13/2025", "03/04/2025"])
    assert iso == ["2025-04-13", "2025-03-04"]
    assert problems == [None, None]
    assert notes == ["dates read month-first (MM/DD/YYYY)"]


def test_contradictory_column_leaves_the_ambiguous_dates_empty() -> None:
    iso, problems, notes = _dates(["13/04/2025", "04/13/2025", "03/04/2025", "05/05/2025"])
    assert iso == ["2025-04-13", "2025-04-13", None, "2025-05-05"]
    assert problems == [None, None, "date.ambiguous", None]
    assert "mixes" in notes[0]


def test_undecidable_column_defaults_to_day_first_with_a_note() -> None:
    iso, problems, notes = _dates(["03/04/2025", "05/06/2025"])
    assert iso == ["2025-04-03", "2025-06-05"]
    assert problems == [None, None]
    assert "day-first" in notes[0]


def test_caller_decides_an_undecidable_column() -> None:
    assert _dates(["03/04/2025"], dayfirst=False)[0] == ["2025-03-04"]


def test_excel_serials_in_a_mostly_numeric_column() -> None:
    iso, problems, notes = _dates(["45750", "45751.75", "2025-04-05", 45753.0, 45754])
    assert iso == ["2025-04-03", "2025-04-04", "2025-04-05", "2025-04-06", "2025-04-07"]
    assert problems == [None] * 5
    assert notes


def test_unformatted_date_cells_among_text_dates_are_read_as_serials() -> None:
    # a register mixes typed dates, text dates and date cells that lost their format (bare serials)
    iso, problems, _ = _dates(["45750", "2025-04-03", "03/04/2025", "2025-04-04"])
    assert iso[0] == "2025-04-03"
    assert problems[0] is None


def test_small_numbers_in_a_column_of_dates_are_not_serials() -> None:
    iso, problems, _ = _dates(["12", "2025-04-03", "2025-04-04"])
    assert iso[0] is None
    assert problems[0] == "date.unparseable"


@pytest.mark.parametrize("text", ["1900-01-01", "01/01/1899", "2150-01-01", "1"])
def test_implausible_years_are_warnings(text: str) -> None:
    values = [text, "2025-04-03"] if text != "1" else ["1", "45750"]  # serial 1 is 1899-12-31
    iso, problems, _ = _dates(values)
    assert iso[0] is None
    assert problems[0] == "date.implausible"


@pytest.mark.parametrize("text", ["garbage", "31/02/2025", "2025-13-01", "April 2025"])
def test_unparseable_dates_are_warnings(text: str) -> None:
    assert _dates([text])[:2] == ([None], ["date.unparseable"])


@pytest.mark.parametrize("text", ["", "n/a", "-", None])
def test_missing_is_not_a_problem(text: str | None) -> None:
    assert _dates([text])[:2] == ([None], [None])


def test_typed_python_datetimes_keep_their_calendar_date() -> None:
    values = [
        dt.datetime(2025, 4, 3, 23, 59),
        dt.date(2025, 4, 4),
        pd.Timestamp("2025-04-05 13:00", tz="UTC"),
        "2025-04-06",
        None,
    ]
    assert _dates(values)[0] == ["2025-04-03", "2025-04-04", "2025-04-05", "2025-04-06", None]


def test_datetime_column_is_cut_to_midnight_without_time_zone() -> None:
    stamps = pd.Series(pd.to_datetime(["2025-04-03 23:00", "1950-01-01 00:00"])).dt.tz_localize(
        "Europe/Paris"
    )
    result = parse_dates(stamps)
    assert str(result.values.dtype) == "datetime64[s]"
    assert result.values.iloc[0] == pd.Timestamp("2025-04-03")
    assert result.problems.tolist() == [None, "date.implausible"]


def test_index_is_kept() -> None:
    result = parse_dates(pd.Series(["2025-04-03", None], index=["a", "b"], dtype="string"))
    assert list(result.values.index) == ["a", "b"]


_DAYS = st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2100, 12, 31))


@settings(max_examples=100, deadline=None, derandomize=True)
@given(days=st.lists(_DAYS, min_size=1, max_size=6))
def test_property_formats_read_back(days: list[dt.date]) -> None:
    expected = [d.isoformat() for d in days]
    assert _dates([d.isoformat() for d in days])[0] == expected
    assert _dates([d.strftime("%d/%m/%Y") for d in days], dayfirst=True)[0] == expected
    assert _dates([d.strftime("%m/%d/%Y") for d in days], dayfirst=False)[0] == expected
    assert _dates([d.strftime("%d.%m.%Y") for d in days])[0] == expected  # undecided defaults to day-first
    serials = [str((d - dt.date(1899, 12, 30)).days) for d in days]
    assert _dates(serials)[0] == expected


@settings(max_examples=60, deadline=None, derandomize=True)
@given(days=st.lists(_DAYS, min_size=1, max_size=6), proof=_DAYS.filter(lambda d: d.day > 12))
def test_property_one_proving_value_decides_the_order(days: list[dt.date], proof: dt.date) -> None:
    expected = [d.isoformat() for d in [*days, proof]]
    assert _dates([d.strftime("%d/%m/%Y") for d in [*days, proof]])[0] == expected
    assert _dates([d.strftime("%m/%d/%Y") for d in [*days, proof]])[0] == expected
