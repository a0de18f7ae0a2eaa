"""The packaged CPV 2008 list: descriptions, divisions, groups and check digits."""

from __future__ import annotations

import pytest

from procrisk.reference import cpv


def test_list_has_every_level() -> None:
    assert len(cpv.stems()) == 9458
    assert len(cpv.divisions()) == 45


def test_describe_accepts_the_usual_spellings() -> None:
    for code in ("03000000-1", "03000000", "3000000", " 03000000-1 "):
        assert cpv.describe(code) == "Agricultural, farming, fishing, forestry and related products"
    assert cpv.describe("12345678") is None


def test_division_and_group_labels() -> None:
    assert cpv.division_label("45") == "Construction work"
    assert cpv.division_label("3") == cpv.describe("03000000")
    assert cpv.group_label("03111000-2") == "Agricultural and horticultural products"
    assert cpv.group_label("12345678") is None


@pytest.mark.parametrize(
    ("stem", "digit"), [("03000000", "1"), ("45000000", "7"), ("72000000", "5"), ("09000000", "3")]
)
def test_published_check_digits(stem: str, digit: str) -> None:
    assert cpv.check_digit(stem) == digit
    entry = cpv.get(stem)
    assert entry is not None and entry.code == f"{stem}-{digit}" and entry.division == stem[:2]
