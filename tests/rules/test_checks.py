"""Generic checks: flagged / clear / not assessed on every dtype the engine or a hand-built frame gives them."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from procrisk.rules import checks as c
from procrisk.rules.values import distinct, terms_pattern


def outcomes(series: pd.Series) -> list:
    """True / False / None per row."""
    assert isinstance(series.dtype, pd.BooleanDtype)
    return [None if pd.isna(x) else bool(x) for x in series]


def test_in_set_plain_categorical_and_list_columns_agree():
    values = ["worker", "employer", None, "shared"]
    plain = pd.DataFrame({"x": values}, index=[10, 11, 12, 13])
    cat = plain.astype({"x": "category"})
    assert outcomes(c.in_set(plain, "x", ["worker", "shared"])) == [True, False, None, True]
    assert outcomes(c.in_set(cat, "x", ["worker", "shared"])) == [True, False, None, True]
    assert c.in_set(plain, "x", ["worker"]).index.tolist() == [10, 11, 12, 13]
    lists = pd.DataFrame({"x": [["cotton", "rice"], [], None, np.array(["gold"])]})
    assert outcomes(c.in_set(lists, "x", ["gold", "rice"])) == [True, False, None, True]
    arrow = pd.DataFrame({"x": pd.array([["cotton"], [], None, ["gold", "x"]],
                                        dtype=pd.ArrowDtype(pa.list_(pa.string())))})
    assert outcomes(c.in_set(arrow, "x", ["gold"])) == [False, False, None, True]
    assert outcomes(c.not_in_set(arrow, "x", ["cotton"])) == [False, False, None, True]


def test_in_set_matches_booleans_and_numbers():
    frame = pd.DataFrame({"b": [True, False, None], "n": [1.0, 2.0, np.nan]})
    assert outcomes(c.in_set(frame, "b", [True])) == [True, False, None]
    assert outcomes(c.in_set(frame, "n", [2])) == [False, True, None]


def test_not_in_set_on_many_categories_uses_the_complement():
    frame = pd.DataFrame({"x": pd.Categorical([*list("abcdefghij"), None])})
    assert outcomes(c.not_in_set(frame, "x", ["a"])) == [False] + [True] * 9 + [None]
    assert outcomes(c.in_set(frame, "x", list("abcdefgh"))) == [True] * 8 + [False, False, None]


def test_is_true_and_is_false_on_object_and_nullable_columns():
    obj = pd.DataFrame({"b": [True, False, None, "true"]})
    nullable = pd.DataFrame({"b": pd.array([True, False, None, True], dtype="boolean")})
    assert outcomes(c.is_true(obj, "b")) == [True, False, None, True]
    assert outcomes(c.is_false(nullable, "b")) == [False, True, None, False]


def test_above_and_below_with_and_without_inclusive():
    frame = pd.DataFrame({"x": [60.0, 61.0, None, "59"]})
    assert outcomes(c.above(frame, "x", 60)) == [False, True, None, False]
    assert outcomes(c.above(frame, "x", 60, inclusive=True)) == [True, True, None, False]
    assert outcomes(c.below(frame, "x", 60)) == [False, False, None, True]


def test_any_above_is_three_valued():
    frame = pd.DataFrame({"a": [0.6, 0.1, 0.1, None], "b": [None, 0.2, None, None]})
    assert outcomes(c.any_above(frame, ["a", "b"], 0.5)) == [True, False, None, None]


def test_ratio_checks_leave_zero_and_missing_denominators_not_assessed():
    frame = pd.DataFrame({"n": [1.0, 3.0, 1.0, None], "d": [4.0, 4.0, 0.0, 2.0]})
    assert outcomes(c.ratio_below(frame, "n", "d", 0.5)) == [True, False, None, None]
    assert outcomes(c.ratio_above(frame, "n", "d", 0.75, inclusive=True)) == [False, True, None, None]


def test_older_than_counts_days_before_as_of():
    frame = pd.DataFrame({"d": [date(2024, 6, 29), date(2024, 6, 30), None, "2020-01-01"]})
    assert outcomes(c.older_than(frame, "d", 365, as_of=date(2025, 6, 30))) == [True, False, None, True]
    dt = pd.DataFrame({"d": pd.to_datetime(["2024-06-29", None])})
    assert outcomes(c.older_than(dt, "d", 365, as_of=date(2025, 6, 30))) == [True, None]


def test_missing_counts_blank_text_and_empty_lists():
    frame = pd.DataFrame({"t": ["GB", " ", None, ""], "l": [["x"], [], None, ["y"]]})
    assert outcomes(c.missing(frame, "t")) == [False, True, True, True]
    assert outcomes(c.missing(frame, "l")) == [False, True, True, False]
    assert outcomes(c.missing(frame.astype({"t": "category"}), "t")) == [False, True, True, True]


def test_prefix_in_on_codes():
    frame = pd.DataFrame({"code": ["79710000-4", "79100000-5", "45214200-2", None]})
    assert outcomes(c.prefix_in(frame, "code", ["797", "45"])) == [True, False, True, None]
    assert outcomes(c.prefix_in(frame.astype("category"), "code", ["797", "45"])) == [True, False, True, None]


def test_text_contains_any_whole_words_any_case_any_script():
    frame = pd.DataFrame({"t": ["Agency WORKERS needed", "agency workersX", "Überlassung von Personal", None, None],
                          "d": [None, None, None, "temporary staff", None]})
    terms = ["agency workers", "überlassung", "temporary staff"]
    assert outcomes(c.text_contains_any(frame, ["t", "d"], terms)) == [True, False, True, True, None]
    assert terms_pattern(["a.b"]).count(r"a\.b") == 1  # terms are data, escaped


def test_classified_or_described():
    frame = pd.DataFrame({"code": ["79620000-6", None, "90910000-9", None],
                          "t": [None, "labour hire", "cleaning", None]})
    result = c.classified_or_described(frame, "code", ["796"], ["t"], ["labour hire"])
    assert outcomes(result) == [True, True, False, None]


def test_distinct_values_are_computed_once_per_array():
    series = pd.Series(["a", "b", "a", None], dtype="str")
    codes, uniques = distinct(series)
    again_codes, again_uniques = distinct(series)
    assert again_codes is codes and again_uniques is uniques
    assert list(uniques) == ["a", "b"] and codes.tolist() == [0, 1, 0, -1]


@pytest.mark.parametrize("name", sorted(c.GENERIC_CHECKS))
def test_generic_checks_have_a_description(name):
    assert c.description(c.GENERIC_CHECKS[name]).startswith("Flag")
