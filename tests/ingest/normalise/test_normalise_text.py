"""Text, list and name-key columns."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pytest

from procrisk.ingest.normalise.lists import parse_country_list, parse_list, split_names
from procrisk.ingest.normalise.names import name_key
from procrisk.ingest.normalise.series import arrow_chunks
from procrisk.ingest.normalise.text import clean_text


def test_text_is_tidied_not_changed() -> None:
    values = pd.Series(
        [
            "  Cleaning  services ",
            "x\u200by",
            "tab\there",
            "Cafe\u0301",
            None,
            "   ",
            "nb\u00a0sp",
            "\ufeffBOM",
            "line\nbreak",
            "Zoë Ltd",
            "ctl\x01x",
            "中国  x",
        ],
        dtype="string",
    )
    result = clean_text(values)
    assert str(result.values.dtype) == "string"
    assert [None if pd.isna(v) else v for v in result.values] == [
        "Cleaning services",
        "xy",
        "tab here",
        "Café",
        None,
        None,
        "nb sp",
        "BOM",
        "line break",
        "Zoë Ltd",
        "ctl x",
        "中国 x",
    ]
    assert result.problems.isna().all()


def _arrow_text(chunks: list[list[str | None]]) -> pd.Series:
    """A pandas string column over an Arrow chunked array of these chunks (as the CSV reader gives)."""
    return pd.Series(pd.arrays.ArrowStringArray(pa.chunked_array(chunks, type=pa.large_string())),
                     dtype=pd.StringDtype("pyarrow"))


def test_tidy_text_is_handed_on_without_a_copy() -> None:
    """A column with nothing to tidy keeps its Arrow buffers (no copy of a million values), and so its values."""
    values = _arrow_text([["Acme Ltd", None, "Zoë Ltd"], ["Beta GmbH", "x 中国 y"]])
    result = clean_text(values)
    before, after = arrow_chunks(values), arrow_chunks(result.values)
    assert [c.buffers()[2].address for c in after.chunks] == [c.buffers()[2].address for c in before.chunks]
    assert result.values.tolist() == values.tolist()


@pytest.mark.parametrize("late", ["Beta GmbH", " Beta  GmbH "])
def test_a_repeating_column_is_checked_once_per_value_and_keeps_its_dictionary(late: str) -> None:
    """A column of few distinct values is handed on as it is when they are all tidy (the same buffers), cleaned
    once per distinct value when not; either way its dictionary holds the values handed on."""
    values = _arrow_text([["Acme Ltd", None] * 5_000, ["Acme Ltd", late] * 5_000])
    result = clean_text(values)
    assert result.values.tolist() == [v if pd.isna(v) else " ".join(v.split()) for v in values.tolist()]
    assert result.dictionaries["values"].to_pylist() == [None if pd.isna(v) else v for v in result.values]
    assert sorted(result.dictionaries["values"].dictionary.to_pylist()) == ["Acme Ltd", "Beta GmbH"]
    same = [c.buffers()[2].address for c in arrow_chunks(result.values).chunks] == [
        c.buffers()[2].address for c in arrow_chunks(values).chunks]
    assert same == (late == "Beta GmbH")


@pytest.mark.parametrize("late", ["two  spaces", " lead", "trail ", "", "ctl\x01", "nb\u00a0sp", "x\u200by"])
def test_one_untidy_value_in_a_later_chunk_is_cleaned(late: str) -> None:
    """Every chunk is checked, and each kind of untidy value (double space, trim, empty, control character,
    odd space, format character) makes the column be cleaned."""
    values = _arrow_text([["a", "b"], ["c", late]])
    expected = clean_text(pd.Series(["a", "b", "c", late], dtype="string")).values.tolist()
    assert clean_text(values).values.tolist() == expected
    assert expected[3] is pd.NA or expected[3] != late


def test_text_from_ocds_objects() -> None:
    result = clean_text(pd.Series([" a ", 12, None], dtype=object))
    assert [None if pd.isna(v) else v for v in result.values] == ["a", "12", None]


def test_text_cells_next_to_each_other_do_not_leak() -> None:
    result = clean_text(pd.Series(["end ", " start", "a", "  b"], dtype="string"))
    assert result.values.tolist() == ["end", "start", "a", "b"]


@pytest.mark.parametrize(
    ("cell", "names"),
    [
        ("XL ASSOCIATES, INC.", ["XL ASSOCIATES, INC."]),
        ("Acme Ltd, Beta GmbH", ["Acme Ltd", "Beta GmbH"]),
        ("Johnson & Johnson", ["Johnson & Johnson"]),
        ("Smith and Sons Ltd", ["Smith and Sons Ltd"]),
        (
            "Acme Ltd; Beta GmbH | Gamma SA\nDelta Oy / Epsilon AB",
            ["Acme Ltd", "Beta GmbH", "Gamma SA", "Delta Oy", "Epsilon AB"],
        ),
        ("Maersk A/S", ["Maersk A/S"]),
        ("Grupo Bimbo, S.A.B. de C.V.", ["Grupo Bimbo, S.A.B. de C.V."]),
        ("Acme, LLC; Beta, Inc.", ["Acme, LLC", "Beta, Inc."]),
        ("Acme Ltd; Acme Ltd", ["Acme Ltd"]),
        ("  Acme   Ltd  ", ["Acme Ltd"]),
    ],
)
def test_split_names(cell: str, names: list[str]) -> None:
    assert split_names(pd.Series([cell], dtype="string")).iloc[0] == names


def test_split_names_keeps_missing_and_index() -> None:
    result = split_names(pd.Series(["A; B", None, "A; B"], index=[5, 6, 7], dtype="string"))
    assert result.dtype == object
    assert list(result.index) == [5, 6, 7]
    assert result.tolist() == [["A", "B"], None, ["A", "B"]]


def test_plain_lists_and_country_lists() -> None:
    assert parse_list(pd.Series(["GB-COH-1, MX-RFC-2; x", None], dtype="string")).values.tolist() == [
        ["GB-COH-1", "MX-RFC-2", "x"],
        None,
    ]
    result = parse_country_list(pd.Series(["UK; France, Deutschland", "Atlantis, MX", None], dtype="string"))
    assert result.values.tolist() == [["GB", "FR", "DE"], ["MX"], None]
    assert result.problems.tolist() == [None, "country.unknown", None]


def test_name_key_groups_spellings_of_one_company() -> None:
    same = [
        "ACME Ltd",
        "Acme Limited",
        "ACME LTD.",
        "Acme Ltd (UK)",
        "Acme L.T.D",
        "acme  ltd",
        "Acme PLC",
        "Acme LLC",
        "Acme L.L.C.",
        "Acme Inc",
        "Acme Incorporated",
        "Acme Corp",
        "Acme Corporation",
        "Acme Co",
        "Acme Co., Ltd.",
        "Acme GmbH",
        "Acme AG",
        "Acme KG",
        "Acme S.A.",
        "Acme SA",
        "Acme S.A. de C.V.",
        "Acme S. de R.L.",
        "Acme SRL",
        "Acme S.R.L.",
        "Acme SAS",
        "Acme SARL",
        "Acme S.p.A.",
        "Acme B.V.",
        "Acme N.V.",
        "Acme Pty Ltd",
        "Acme (Pty) Ltd",
        "Acme Oy",
        "Acme AB",
        "Acme A/S",
        "ÁCME Ltd",
    ]
    keys = name_key(pd.Series(same, dtype="string"))
    assert set(keys) == {"acme"}


def test_name_key_keeps_companies_apart() -> None:
    keys = name_key(
        pd.Series(
            [
                "Acme Cleaning Ltd",
                "Acme Catering Ltd",
                "Johnson & Johnson",
                "Johnson and Johnson",
                "Müller GmbH & Co. KG",
                None,
                "Limited",
            ],
            dtype="string",
        )
    )
    assert keys.tolist()[:5] == [
        "acme cleaning",
        "acme catering",
        "johnson and johnson",
        "johnson and johnson",
        "muller",
    ]
    assert pd.isna(keys.iloc[5])
    assert keys.iloc[6] == "limited"  # a name that is only a legal form keeps it
    assert str(keys.dtype) == "string"


def test_rows_containing_finds_each_wanted_character_in_its_own_row() -> None:
    """Each of the wanted ASCII characters marks the row holding it (any chunk, missing rows never)."""
    from procrisk.ingest.normalise.series import rows_containing

    values = _arrow_text([["Acme; Beta", None, "Plain"], ["A|B", "x/y", "", "a\nb", "c,d", "é,"]])
    assert rows_containing(values, ";|\n/,").tolist() == [True, False, False, True, True, False, True, True, True]


def test_cells_that_already_are_lists_keep_their_items() -> None:
    """OCDS gives arrays (registration ids): their items are kept as they are, never the list's repr and never
    split again on the commas or slashes an id or a name may hold; text cells beside them still split."""
    values = pd.Series([["PY-RUC-80023118-0", "Acme, Inc."], "A; B", None, [], ["x", None, "x"]], dtype=object)
    assert parse_list(values).values.tolist() == [["PY-RUC-80023118-0", "Acme, Inc."], ["A", "B"], None, None,
                                                  ["x"]]
    assert split_names(values).tolist() == [["PY-RUC-80023118-0", "Acme, Inc."], ["A", "B"], None, None, ["x"]]


def test_one_item_lists_are_trimmed_and_a_missing_token_dropped_as_longer_ones() -> None:
    """A list of one id (the usual OCDS registration ids) is read as the same item in a longer list: spaces
    collapsed, a missing token ("n/a") or blank dropped, a number as its text."""
    values = pd.Series([[" GB-COH  1 "], ["n/a"], ["  "], [7], ["GB-COH  1", "n/a", " "]], dtype=object)
    assert parse_list(values).values.tolist() == [["GB-COH 1"], None, None, ["7"], ["GB-COH 1"]]
