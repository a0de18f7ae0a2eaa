"""Report scope: periods, buyer / supplier text, bands, and the same filters recorded and read back."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from procrisk.errors import UsageError
from procrisk.report import Filters, parse_period, report_data


@pytest.mark.parametrize(("text", "first", "last"), [
    ("2024", date(2024, 1, 1), date(2024, 12, 31)),
    ("2024-Q2", date(2024, 4, 1), date(2024, 6, 30)),
    ("2024-02", date(2024, 2, 1), date(2024, 2, 29)),
    ("2024-03-31", date(2024, 3, 31), date(2024, 3, 31)),
    ("2024-01-01..2024-06-30", date(2024, 1, 1), date(2024, 6, 30)),
    ("2024-07..", date(2024, 7, 1), None),
    ("..2023", None, date(2023, 12, 31)),
])
def test_parse_period(text, first, last) -> None:
    assert parse_period(text) == (first, last)


@pytest.mark.parametrize("text", ["last year", "2024-13", "2024-06-30..2024-01-01"])
def test_bad_periods_say_how_to_write_one(text) -> None:
    with pytest.raises(UsageError, match=r"period|ends before"):
        parse_period(text)


def test_unknown_band_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="bands are low, medium, high, critical"):
        Filters(bands=("severe",))


FRAME = pd.DataFrame({
    "buyer_name": ["Health  Trust", "City Council", None],
    "supplier_name": ["Acme Ltd", "=HYPERLINK(x)", "Beta"],
    "supplier_id": ["S1", "S2", None],
    "award_date": pd.to_datetime(["2024-03-01", "2023-12-31", None]),
    "band": pd.Categorical(["high", "low", "critical"]),
})


@pytest.mark.parametrize(("filters", "expected"), [
    (Filters(), [True, True, True]),
    (Filters(buyer="health trust"), [True, False, False]),
    (Filters(supplier="S2"), [False, True, False]),
    (Filters(supplier="=hyperlink"), [False, True, False]),
    (Filters.make(period="2024"), [True, False, False]),
    (Filters(bands=("critical", "high")), [True, False, True]),
])
def test_contract_mask(filters, expected) -> None:
    assert list(filters.contract_mask(FRAME)) == expected


def test_filters_round_trip_and_describe() -> None:
    filters = Filters.make(buyer="Health", period="2024-Q1", bands=["high", "critical"])
    assert Filters.from_dict(filters.as_dict()) == filters
    assert filters.describe() == 'buyer contains "Health"; awarded 2024-01-01 to 2024-03-31; bands high, critical'
    assert Filters().describe() == "whole workspace, no filter"


def test_a_filtered_report_holds_only_the_contracts_in_scope(scored, data) -> None:
    filters = Filters.make(buyer="city council", period="2024", bands=["critical"])
    part = report_data(scored, filters=filters)
    assert 0 < len(part.contracts) < len(data.contracts)
    assert set(part.contracts["buyer_name"]) == {"City Council"}
    assert set(part.contracts["band"].astype(str)) == {"critical"}
    assert part.contracts["award_date"].dt.year.eq(2024).all()
    assert set(part.findings["key"]) <= set(part.contracts["key"])
    assert dict(part.summary)["Scope"] == filters.describe()
    by_supplier = report_data(scored, filters=Filters(supplier="@SUM(1)"))
    assert set(by_supplier.contracts["supplier_name"]) == {"@SUM(1)"}
    assert list(by_supplier.suppliers["supplier_name"]) == ["@SUM(1)"]
