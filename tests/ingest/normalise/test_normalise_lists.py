"""List columns given as lists (OCDS arrays): the one-pass check for tidy one-text lists gives what the
per-cell path gives."""

from __future__ import annotations

import pandas as pd
import pytest

from procrisk.ingest.normalise.lists import _given_items, _items, _tidy_texts, parse_list

_TIDY = ["GB-COH-01234567", "MX-RFC-ABC", "a b", "Ünïcode ß", "x" * 40]
_UNTIDY = ["", " GB-1", "GB-1 ", "GB  1", "GB\t1", "GB\xa01", "GB\u20281", "GB\x1c1", "\u3000", "n/a", "N/A", "NaN",
           "-", "a\x00 b", "a \x00b", "\n"]


@pytest.mark.parametrize("odd", _UNTIDY)
def test_an_untidy_text_anywhere_gives_the_per_cell_result(odd: str) -> None:
    """One cell the fast check cannot vouch for sends every cell the per-cell way, with the same result."""
    for position in (0, 2, 5):
        cells = [[text] for text in _TIDY]
        cells.insert(position, [odd])
        assert _tidy_texts(cells) is None
        assert _given_items(cells) == [_items(cell) for cell in cells]


@pytest.mark.parametrize("cells", [
    [["a"], ["b", "c"]], [["a"], ("b",)], [["a"], [1]], [["a"], [None]], [["a"], []], [["a", "a"]],
])
def test_other_lists_go_the_per_cell_way(cells: list) -> None:
    """Lists of several items, tuples, numbers and empty lists give what ``_items`` gives each."""
    assert _given_items(cells) == [_items(cell) for cell in cells]


def test_tidy_lists_are_copied() -> None:
    """Each tidy cell comes back as an equal list of its own (never the input list itself)."""
    cells = [[text] for text in _TIDY]
    assert _tidy_texts(cells) == _TIDY
    out = _given_items(cells)
    assert out == cells
    assert all(a is not b for a, b in zip(out, cells, strict=True))


def test_parse_list_of_given_lists_and_text() -> None:
    """A column mixing lists, text and missing cells: lists keep their items, text is split, None stays None."""
    values = pd.Series([["GB-COH-1"], "A; B", None, ["X-1", " X-1 ", "Y"], [" "]], dtype=object)
    assert parse_list(values).values.tolist() == [["GB-COH-1"], ["A", "B"], None, ["X-1", "Y"], None]
    only_lists = pd.Series([["GB-COH-1"], ["GB-COH-2"]], dtype=object)
    assert parse_list(only_lists).values.tolist() == [["GB-COH-1"], ["GB-COH-2"]]
