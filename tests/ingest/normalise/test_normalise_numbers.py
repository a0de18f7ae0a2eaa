"""Amounts, counts and shares read from messy spreadsheet text."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from procrisk.ingest.normalise.numbers import parse_ints, parse_numbers, parse_shares
from procrisk.ingest.normalise.result import Normalised


def _text(values: list[object]) -> pd.Series:
    return pd.Series(values, dtype="string")


def _one(text: str) -> tuple[float | None, str | None, str | None]:
    """(value, problem, currency hint) of a one-value column."""
    result = parse_numbers(_text([text]))
    value = result.values.iloc[0]
    hint = result.extra["currency_hint"].iloc[0] if "currency_hint" in result.extra else None
    return (
        (None if pd.isna(value) else float(value)),
        result.problems.iloc[0],
        (None if pd.isna(hint) else hint),
    )


@pytest.mark.parametrize(
    ("text", "value", "currency"),
    [
        ("€ 12 000,50", 12000.5, "EUR"),
        ("12.000,50", 12000.5, None),
        ("1,234.50", 1234.5, None),
        ("1 234,5", 1234.5, None),
        ("(1,000.00)", -1000.0, None),
        ("-1000", -1000.0, None),
        ("1000-", -1000.0, None),
        ("1,000.00 USD", 1000.0, "USD"),
        ("USD 5,000.00", 5000.0, "USD"),
        ("US$ 3.5", 3.5, "USD"),
        ("£1,250.75", 1250.75, "GBP"),
        ("12,5", 12.5, None),
        ("1.000.000", 1_000_000.0, None),
        ("1'234.50", 1234.5, None),
        ("1.5E+3", 1500.0, None),
        ("Fr. 1'250.50", 1250.5, "CHF"),
    ],
)
def test_reads_messy_amounts(text: str, value: float, currency: str | None) -> None:
    got, problem, hint = _one(text)
    assert got == pytest.approx(value)
    assert problem is None
    assert hint == currency


@pytest.mark.parametrize("text", ["", "n/a", "N/A", "-", "—", "–", "nan"])
def test_missing_markers_are_missing_not_problems(text: str) -> None:
    assert _one(text)[:2] == (None, None)


@pytest.mark.parametrize("text", ["abc", "12 5", "1,2,3", "approx. 5000", "(12"])
def test_garbage_is_a_warning_and_null(text: str) -> None:
    assert _one(text)[:2] == (None, "number.unparseable")


def test_abbreviated_amounts_are_expanded_with_a_warning() -> None:
    result = parse_numbers(_text(["$5k", "2.5m", "3 Mio. EUR", "1 bn", "1.5 Mio."]))
    assert result.values.tolist() == [5000.0, 2_500_000.0, 3_000_000.0, 1e9, 1_500_000.0]
    assert result.problems.tolist() == ["number.abbreviated"] * 5
    hints = [None if pd.isna(h) else h for h in result.extra["currency_hint"]]
    assert hints == [None, None, "EUR", None, None]


def test_a_bare_dollar_sign_gives_no_currency_hint_but_a_code_does() -> None:
    assert _one("$ 12.50") == (12.5, None, None)
    assert _one("$330,000.00 CAD") == (330_000.0, None, "CAD")
    assert _one("C$ 1,000.00") == (1000.0, None, "CAD")


def test_decimal_comma_column_reads_dot_groups_as_thousands() -> None:
    result = parse_numbers(_text(["12,50", "1.234", "3,5"]))
    assert result.values.tolist() == [12.5, 1234.0, 3.5]
    assert result.problems.isna().all()
    assert any("','" in note for note in result.notes)


def test_decimal_dot_column_reads_comma_groups_as_thousands() -> None:
    result = parse_numbers(_text(["12.50", "1,234", "3.5"]))
    assert result.values.tolist() == [12.5, 1234.0, 3.5]
    assert result.problems.isna().all()


def test_undecidable_column_reads_dot_as_decimal_and_flags_each_ambiguous_row() -> None:
    result = parse_numbers(_text(["1.234", "12", "1,234"]))
    assert result.values.tolist() == [1.234, 12.0, 1234.0]
    assert result.problems.tolist() == ["number.ambiguous", None, "number.ambiguous"]
    assert result.notes


def test_caller_can_force_the_decimal_separator() -> None:
    result = parse_numbers(_text(["1.234", "12"]), decimal=",")
    assert result.values.tolist() == [1234.0, 12.0]
    assert result.problems.isna().all()


def test_output_is_float64_on_the_input_index() -> None:
    values = pd.Series(["1", None, "x"], index=[10, 20, 30], dtype="string")
    result = parse_numbers(values)
    assert str(result.values.dtype) == "Float64"
    assert list(result.values.index) == [10, 20, 30]
    assert result.problems.dtype == object
    assert result.values.isna().tolist() == [False, True, True]


def test_ocds_objects_keep_python_numbers() -> None:
    result = parse_numbers(pd.Series([1.5, 2, "1,000.50", None, True], dtype=object))
    assert result.values.tolist()[:3] == [1.5, 2.0, 1000.5]
    assert pd.isna(result.values.iloc[3])
    assert result.problems.tolist() == [None, None, None, None, "number.unparseable"]


@pytest.mark.parametrize("parse", [parse_numbers, parse_ints])
def test_ocds_columns_of_python_numbers_only_read_as_with_text_beside_them(parse: object) -> None:
    """A column holding only ints, floats and None (OCDS amounts, counts) gives what the same values give
    beside a text cell: the numbers as floats (huge ints rounded as float() does, NaN missing), no problem."""
    numbers = [7, 2.5, None, 10**20 + 1, float("nan"), -0.0, 3, 2**63 + 5]
    alone = parse(pd.Series(numbers, dtype=object))  # type: ignore[operator]
    mixed = parse(pd.Series([*numbers, "12"], dtype=object))  # type: ignore[operator]
    assert alone.values.tolist() == mixed.values.tolist()[:-1]
    assert [repr(v) for v in alone.values.tolist()] == [repr(v) for v in mixed.values.tolist()[:-1]]
    assert alone.problems.tolist() == mixed.problems.tolist()[:-1]
    assert (alone.notes, alone.extra.keys()) == (mixed.notes, mixed.extra.keys())
    assert str(alone.values.dtype) == str(mixed.values.dtype)


def test_a_large_repetitive_column_matches_the_small_one() -> None:
    small = ["€ 12 000,50", "1.234", "n/a", "abc", "(3,5)"]
    big = parse_numbers(_text(small * 20_000))
    one = parse_numbers(_text(small))
    assert big.values.iloc[:5].tolist() == one.values.tolist()
    assert big.problems.iloc[-5:].tolist() == one.problems.tolist()


def test_ints_accept_whole_numbers_only() -> None:
    result = parse_ints(_text(["3", "3.0", "2.5", "1,200", "three", None]))
    assert str(result.values.dtype) == "Int64"
    assert [None if pd.isna(v) else v for v in result.values] == [3, 3, None, 1200, None, None]
    assert result.problems.tolist() == [None, None, "number.not_integer", None, "number.unparseable", None]


def test_counts_too_large_or_infinite_are_flagged_never_stored_as_garbage() -> None:
    """A count beyond what a float holds exactly, or an infinity, is left empty with a problem: it was once
    stored as -9223372036854775808 without one."""
    result = parse_ints(_text(["1e20", "3", "-1e30", "9007199254740992"]))
    assert [None if pd.isna(v) else v for v in result.values] == [None, 3, None, 2**53]
    assert result.problems.tolist() == ["number.out_of_range", None, "number.out_of_range", None]
    floats = parse_ints(pd.Series([1e20, float("inf"), 4.0, float("nan")]))
    assert [None if pd.isna(v) else v for v in floats.values] == [None, None, 4, None]
    assert floats.problems.tolist() == ["number.out_of_range", "number.unparseable", None, None]


@pytest.mark.parametrize("parse", [parse_numbers, parse_ints, parse_shares])
def test_an_infinite_number_in_a_number_column_is_flagged_not_silently_emptied(
        parse: Callable[[pd.Series], Normalised]) -> None:
    """A float column's infinity (read by a spreadsheet library, say) is left empty with an issue."""
    result = parse(pd.Series([float("inf"), 3.0, np.nan, -float("inf")]))
    assert [pd.isna(v) for v in result.values] == [True, False, True, True]
    assert result.problems.tolist() == ["number.unparseable", None, None, "number.unparseable"]


def test_ints_read_an_undecidable_dot_group_as_thousands_with_a_warning() -> None:
    result = parse_ints(_text(["1.234", "12"]))
    assert result.values.tolist() == [1234, 12]
    assert result.problems.tolist() == ["number.ambiguous", None]


def test_shares_in_percent_column() -> None:
    result = parse_shares(_text(["35 %", "35%", "35", "100", "150", "-5", "0.5"]))
    values = result.values.tolist()
    assert values[:4] == pytest.approx([0.35, 0.35, 0.35, 1.0])
    assert pd.isna(values[4]) and pd.isna(values[5])
    # beside typed "35 %", a bare 0.5 is an Excel percent-formatted cell: the fraction 0.5
    assert values[6] == pytest.approx(0.5)
    assert result.problems.tolist() == [None, None, None, None, "share.out_of_range", "share.out_of_range", None]


def test_a_small_bare_share_among_bare_percentages_is_ambiguous() -> None:
    result = parse_shares(_text(["35", "60", "0.5"]))
    assert result.values.tolist() == pytest.approx([0.35, 0.6, 0.005])
    assert result.problems.tolist() == [None, None, "share.ambiguous"]


def test_shares_in_fraction_column() -> None:
    result = parse_shares(_text(["0.35", "1", "0", None]))
    assert result.values.tolist()[:3] == pytest.approx([0.35, 1.0, 0.0])
    assert result.problems.isna().all()
    assert any("fractions" in note for note in result.notes)


def _group(digits: str, sep: str) -> str:
    """Group an integer's digits in threes with ``sep``."""
    head = len(digits) % 3 or 3
    return sep.join([digits[:head]] + [digits[i : i + 3] for i in range(head, len(digits), 3)])


_STYLES = {
    "plain": lambda i, f: f"{i}.{f}",
    "us": lambda i, f: f"{_group(i, ',')}.{f}",
    "eu": lambda i, f: f"{_group(i, '.')},{f}",
    "fr": lambda i, f: f"{_group(i, ' ')},{f}",
    "ch": lambda i, f: f"{_group(i, chr(39))}.{f}",
    "eur-prefix": lambda i, f: f"€ {_group(i, ' ')},{f}",
    "usd-suffix": lambda i, f: f"{_group(i, ',')}.{f} USD",
    "negative-brackets": lambda i, f: f"({_group(i, ',')}.{f})",
}


@settings(max_examples=100, deadline=None, derandomize=True)
@given(
    cents=st.lists(st.integers(min_value=0, max_value=10**13), min_size=1, max_size=5),
    style=st.sampled_from(sorted(_STYLES)),
)
def test_property_formatted_amounts_read_back(cents: list[int], style: str) -> None:
    texts = [_STYLES[style](str(c // 100), f"{c % 100:02d}") for c in cents]
    result = parse_numbers(_text(texts))
    sign = -1 if style == "negative-brackets" else 1
    for c, got in zip(cents, result.values.tolist(), strict=True):
        assert math.isclose(got, sign * c / 100, rel_tol=1e-9, abs_tol=1e-9), (texts, got)
    assert result.problems.isna().all()


@settings(max_examples=60, deadline=None, derandomize=True)
@given(value=st.floats(min_value=-1e12, max_value=1e12, allow_nan=False))
def test_property_repr_of_floats_reads_back(value: float) -> None:
    text = np.format_float_positional(value, trim="-")
    got = parse_numbers(_text([text])).values.iloc[0]
    assert math.isclose(got, value, rel_tol=1e-9, abs_tol=1e-9)


@pytest.mark.parametrize(("parse", "cells"), [
    (parse_numbers, ["1,200.50", "3", None, "£40"]), (parse_numbers, ["3", "7.5", None]),
    (parse_ints, ["1,200,000", "3", None, "12"]), (parse_ints, ["3", "7", None]),
    (parse_shares, ["35%", "10 %", None, "0%"]), (parse_shares, ["0.5", "0.25", None]),
])
def test_problems_are_made_only_when_some_row_has_one(parse, cells: list[str | None]) -> None:
    """A column without problems shares the read-only array of Nones; one problem row gives a column of its own
    with the code on that row only, the numbers unchanged."""
    cells = cells * 20_000  # a column long enough for the per-distinct-value paths
    clean = parse(_text(cells))
    assert not clean.problems.to_numpy().flags.writeable
    assert clean.problems.isna().all()
    flawed = parse(_text([*cells, "twelve"]))
    assert flawed.problems.iloc[-1] == "number.unparseable"
    assert flawed.problems.iloc[:-1].isna().all()
    assert flawed.values.iloc[:-1].equals(clean.values)
    assert pd.isna(flawed.values.iloc[-1])


def test_an_infinite_python_number_in_an_ocds_column_is_flagged_not_silently_emptied() -> None:
    """JSON's Infinity or 1e400 (read by the OCDS parser as a Python inf) is left empty with an issue, both in a
    column of numbers only and beside text."""
    alone = parse_numbers(pd.Series([2.5, float("inf"), None, -float("inf"), 7], dtype=object))
    assert [pd.isna(v) for v in alone.values] == [False, True, True, True, False]
    assert alone.problems.tolist() == [None, "number.unparseable", None, "number.unparseable", None]
    mixed = parse_numbers(pd.Series([float("inf"), "1,5", 3], dtype=object))
    assert mixed.problems.tolist() == ["number.unparseable", None, None]


def test_a_computed_ratio_that_is_infinite_is_left_empty_without_an_issue() -> None:
    """procrisk's own runner_up_price_gap is inf for a zero winning bid (Cardinal's x/0): no data defect."""
    result = parse_numbers(pd.Series([float("inf"), 0.25, None], dtype=object), computed=True)
    assert [pd.isna(v) for v in result.values] == [True, False, True]
    assert result.problems.tolist() == [None, None, None]
