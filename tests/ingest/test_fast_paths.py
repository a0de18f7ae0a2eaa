"""The vectorised ingest paths give exactly what the simpler per-row code they replaced gave.

Each reference below is the earlier implementation, kept here verbatim in spirit, and compared with the
fast one on the real registers in ``tests/fixtures/real/tabular`` and on generated messy values.
"""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from procrisk.ingest.csv_reader import read_csv
from procrisk.ingest.extras import extras_objects
from procrisk.ingest.normalise.dates import parse_dates
from procrisk.ingest.normalise.enums import parse_bools
from procrisk.ingest.normalise.numbers import _digits, parse_ints, parse_numbers, parse_shares
from procrisk.ingest.normalise.series import distinct, encode_arrow, keep_bytes, may_need_trim
from procrisk.ingest.normalise.text import _suspect_rows, clean_text, clean_text_array
from procrisk.ingest.pipeline import prepare_file
from procrisk.schema.arrow import table_schema
from procrisk.store.workspace import to_arrow

REAL = Path(__file__).resolve().parents[1] / "fixtures" / "real" / "tabular"
REGISTERS = sorted(REAL.glob("*.csv"))
_ODD = ["a/b", 'say "hi"', "back\\slash", "new\nline", "tab\there", "ünï ✓ 漢字", "\x0bv", "ctrl\x01",
        "emoji 😀", "<b>&amp;</b>", "  padded  ", "\u00a0nbsp", "", None]


def extras_json(frame: pd.DataFrame) -> pd.Series:
    """The extras column alone."""
    return extras_objects(frame)[0]


def _old_extras(frame: pd.DataFrame) -> pd.Series:
    """The earlier extras: pandas' to_json over the whole frame, split into lines."""
    if frame.shape[1] == 0:
        return pd.Series(pd.NA, index=frame.index, dtype="string")
    filled = frame.notna().any(axis=1)
    text = frame.astype(object).where(frame.notna(), None)
    lines = text.to_json(orient="records", lines=True, force_ascii=False).splitlines()
    out = pd.Series(lines, index=frame.index, dtype="string")
    return out.where(filled, pd.NA)


def _messy_frame(rows: int = 3000, seed: int = 4) -> pd.DataFrame:
    """Unmapped-looking text columns full of characters JSON has to escape."""
    rng = random.Random(seed)
    return pd.DataFrame({
        "Notes/comments": pd.array([rng.choice(_ODD) for _ in range(rows)], dtype="string[pyarrow]"),
        'Internal "code"': pd.array([rng.choice([*_ODD, f"id-{rng.randrange(99)}"]) for _ in range(rows)],
                                    dtype="string[pyarrow]"),
        "Ünïcode col": pd.array([rng.choice([None, None, "x", "é"]) for _ in range(rows)], dtype="string[pyarrow]"),
    })


@pytest.mark.parametrize("path", REGISTERS, ids=lambda p: p.name)
def test_extras_equal_pandas_to_json_on_real_registers(path: Path) -> None:
    frame = read_csv(path).frame
    for width in (1, 3, frame.shape[1]):
        part = frame.iloc[:, -width:]
        pd.testing.assert_series_equal(extras_json(part), _old_extras(part))


def test_extras_equal_pandas_to_json_on_escapes_and_empty_rows() -> None:
    frame = _messy_frame()
    pd.testing.assert_series_equal(extras_json(frame), _old_extras(frame))
    pd.testing.assert_series_equal(extras_json(frame.iloc[:, :0]), _old_extras(frame.iloc[:, :0]))


def test_extras_survive_line_separators_that_broke_the_line_split() -> None:
    frame = pd.DataFrame({"Note": pd.array(["a\u2028b", None, "c\x85d"], dtype="string[pyarrow]")})
    out = extras_json(frame)
    assert out.iloc[0] == '{"Note":"a\u2028b"}'
    assert pd.isna(out.iloc[1])
    assert out.iloc[2] == '{"Note":"c\x85d"}'


def _chunked(values: list[str | None], size: int = 7) -> pd.Series:
    """A string column backed by several Arrow chunks, as the CSV reader produces."""
    arr = pa.array(values, type=pa.large_string())
    chunks = [arr.slice(i, size) for i in range(0, len(arr), size)]
    return pd.Series(pd.arrays.ArrowStringArray(pa.chunked_array(chunks, type=pa.large_string())))


def test_distinct_matches_pandas_factorize() -> None:
    rng = random.Random(1)
    values = [rng.choice(["a", "b", None, "", " a", "é", "c"]) for _ in range(500)]
    series = _chunked(values)
    codes, uniques = distinct(series)
    expected_codes, expected_uniques = pd.factorize(series, use_na_sentinel=True)
    assert codes.tolist() == expected_codes.tolist()
    assert uniques == list(expected_uniques)
    assert encode_arrow(pa.chunked_array([], type=pa.large_string()))[0].tolist() == []


def test_keep_bytes_matches_the_regular_expressions() -> None:
    rng = random.Random(2)
    pieces = ["1", "2", "9", ".", ",", " ", "€", "£", "\u00a0", "k", "-", "(", "ü", "'"]
    values = ["".join(rng.choice(pieces) for _ in range(rng.randrange(0, 12))) for _ in range(2000)]
    arr = pa.array([None if i % 13 == 0 else v for i, v in enumerate(values)], type=pa.large_string())
    for sliced in (arr, arr.slice(5, 1500)):
        for sep in ("", ".", ","):
            table = np.zeros(256, dtype=bool)
            table[ord("0"): ord("9") + 1] = True
            for char in sep:
                table[ord(char)] = True
            expected = pc.replace_substring_regex(sliced, f"[^0-9{sep}]", "")
            assert keep_bytes(sliced, table).to_pylist() == expected.to_pylist()


def test_may_need_trim_is_never_wrong_when_it_says_no() -> None:
    rng = random.Random(3)
    for _ in range(300):
        values = ["".join(rng.choice(["a", " ", "\u00a0", "é", "\t", "b"]) for _ in range(rng.randrange(0, 5)))
                  for _ in range(5)]
        arr = pa.array(values, type=pa.large_string())
        if not may_need_trim(arr):
            assert pc.utf8_trim_whitespace(arr).to_pylist() == values


def test_text_cleaned_per_distinct_value_equals_cleaning_every_row() -> None:
    rng = random.Random(5)
    pool = ["  Cleaning  services ", "x\u200by", "Cafe\u0301", "nb\u00a0sp", "ok", "   ", None, "tab\there"]
    series = _chunked([rng.choice(pool) for _ in range(30_000)], size=4096)
    fast = clean_text(series).values
    slow = clean_text_array(pa.array(series.array).combine_chunks())
    assert [None if pd.isna(v) else v for v in fast] == slow.to_pylist()


def _old_prepared_dates(values: pd.Series) -> pd.Series:
    """The earlier date preparation: trim and cut ISO date-times on every row."""
    arr = pc.utf8_trim_whitespace(pa.array(values.array).combine_chunks())
    iso_time = pc.fill_null(pc.match_substring_regex(arr, r"^\d{4}-\d\d-\d\d[T ]\d"), False)
    arr = pc.if_else(iso_time, pc.utf8_slice_codeunits(arr, 0, 10), arr)
    return pd.Series(pd.arrays.ArrowStringArray(arr.cast(pa.large_string())), index=values.index)


def test_dates_prepared_per_distinct_value_read_the_same() -> None:
    rng = random.Random(6)
    pool = ["2024-01-03", " 03/04/2024 ", "13/04/2024", "2024-01-03T10:00:00Z", "2024-01-03 23:30", "45750",
            "April 3, 2025", "n/a", "1900-01-01", None, "04/13/2024", "2024-02-30"]
    series = _chunked([rng.choice(pool) for _ in range(5000)], size=333)
    fast = parse_dates(series)
    slow = parse_dates(_old_prepared_dates(series))  # already prepared: preparing again changes nothing
    pd.testing.assert_series_equal(fast.values, slow.values)
    assert fast.problems.tolist() == slow.problems.tolist()
    assert fast.notes == slow.notes


def test_booleans_from_the_lookup_equal_mapping_the_text() -> None:
    series = _chunked(["Yes", "No", "partly", "maybe", None, "TRUE", "0", "oui", "✓", "y"] * 50)
    out = parse_bools(series)
    assert str(out.values.dtype) == "boolean"
    assert [None if pd.isna(v) else bool(v) for v in out.values][:10] == [
        True, False, None, None, None, True, False, True, True, True]


def test_digits_without_regular_expressions_equal_them() -> None:
    """Keeping digits and the decimal separator by string replacement or byte filter, as the regex did."""
    rng = random.Random(7)
    values = ["".join(rng.choice("0123456789.,") for _ in range(rng.randrange(1, 9))) + "5" for _ in range(3000)]
    arr = pa.array(values, type=pa.large_string())
    for sep in (None, ".", ","):
        plain = arr if sep is None else arr.filter(pc.equal(pc.count_substring(arr, sep), 1))
        kept = pc.replace_substring_regex(plain, f"[^0-9{sep or ''}]", "")
        if sep == ",":
            kept = pc.replace_substring(kept, ",", ".")
        reference = pc.cast(kept, pa.float64()).to_numpy(zero_copy_only=False)
        for others in (frozenset(".,"), None):
            np.testing.assert_array_equal(_digits(plain, sep, others=others), reference)


@pytest.mark.parametrize("parse", [parse_numbers, parse_ints, parse_shares])
def test_number_columns_read_the_same_in_many_chunks_or_one(parse: object) -> None:
    rng = random.Random(8)
    pool = ["1,234.50", "€ 12 000,50", "(1,000)", "USD 5,000", "$5k", "2.5m", "1.234", "1,234", "n/a", "12.5",
            "abc", "1e5", "£1,000,000.00", "5 000", "1'000'000", "$330,000.00 CAD", "12,5", "1.234.567", "35 %"]
    values = [rng.choice(pool) for _ in range(60_000)] + [f"{rng.randrange(10**6):,}.{rng.randrange(99):02d}"
                                                        for _ in range(60_000)]
    chunked = parse(_chunked(values, size=8192))  # type: ignore[operator]
    single = parse(pd.Series(pd.array(values, dtype="string[pyarrow]")))  # type: ignore[operator]
    pd.testing.assert_series_equal(chunked.values, single.values)
    assert chunked.problems.tolist() == single.problems.tolist()
    assert chunked.notes == single.notes


def _old_to_arrow(frame: pd.DataFrame, schema: pa.Schema) -> pa.Table:
    """The earlier conversion: dates through Series.dt.date, lists through Python objects."""
    arrays = []
    for field in schema:
        if field.name not in frame.columns:
            arrays.append(pa.nulls(len(frame), type=field.type))
            continue
        series = frame[field.name]
        if pa.types.is_date32(field.type):
            series = pd.to_datetime(series).dt.date.astype(object).where(series.notna(), None)
        elif pa.types.is_list(field.type):
            series = series.astype(object).where(series.notna(), None)
        arrays.append(pa.array(series, type=field.type, from_pandas=True))
    return pa.Table.from_arrays(arrays, schema=schema)


@pytest.mark.parametrize("path", REGISTERS, ids=lambda p: p.name)
def test_stored_arrow_table_equals_the_earlier_conversion(path: Path) -> None:
    prepared = prepare_file(path)
    for name, frame in prepared.tables.items():
        schema = table_schema(name)
        stored = frame.assign(batch_id="b")
        assert to_arrow(stored, schema).equals(_old_to_arrow(stored, schema))


def test_dates_and_lists_convert_like_before() -> None:
    shared = ["X Ltd"]  # the same list object on several rows converts once, to each of them
    lists = pd.Series([["Acme Ltd", "Beta GmbH"], shared, None, shared, np.nan, ["Acme Ltd", "Beta GmbH"]],
                      dtype=object)
    frame = pd.DataFrame({
        "award_date": pd.to_datetime(["2024-01-02 00:00", None, "1899-12-31 23:00", "2024-03-01 10:30", None,
                                      "2031-05-06 00:00"]),
        "subcontractors": lists,
    })
    schema = table_schema("contracts")
    assert to_arrow(frame, schema).equals(_old_to_arrow(frame, schema))


_OLD_SUSPECT = np.zeros(256, dtype=bool)
_OLD_SUSPECT[[*range(0x20), 0x7F, 0xCC, 0xCD, 0xE2, 0xE3, 0xEF]] = True


def _old_suspect_rows(arr: pa.Array) -> np.ndarray:
    """The earlier byte scan: whole-buffer masks for every condition."""
    offsets_type = np.int64 if pa.types.is_large_string(arr.type) else np.int32
    offsets = np.frombuffer(arr.buffers()[1], dtype=offsets_type)[arr.offset: arr.offset + len(arr) + 1]
    rows = np.zeros(len(arr), dtype=bool)
    if arr.buffers()[2] is None or offsets[-1] == offsets[0]:
        return rows
    data = np.frombuffer(arr.buffers()[2], dtype=np.uint8)[offsets[0]: offsets[-1]]
    odd = _OLD_SUSPECT[data]
    pairs = (data[:-1] == 0x20) & (data[1:] == 0x20)
    pairs |= (data[:-1] == 0xC2) & ((data[1:] <= 0xA0) | (data[1:] == 0xAD))
    starts = offsets[1:-1] - offsets[0]
    pairs[starts[(starts > 0) & (starts < len(data))] - 1] = False
    odd[:-1] |= pairs
    hits = np.flatnonzero(odd)
    if len(hits):
        rows[np.searchsorted(offsets[1:] - offsets[0], hits, side="right")] = True
    return rows


def test_suspect_text_rows_equal_the_earlier_byte_scan() -> None:
    rng = random.Random(9)
    pieces = ["a", " ", "  ", "\u00a0", "\u0085", "\u00ad", "é", "\x01", "\u200b", "\u0301", "\u3000", "\ufeff",
              "Z", "Â", "¡"]
    for _ in range(400):
        values = [None if rng.random() < 0.1 else "".join(rng.choice(pieces) for _ in range(rng.randrange(6)))
                  for _ in range(rng.randrange(1, 40))]
        arr = pa.array(values, type=rng.choice([pa.string(), pa.large_string()]))
        if len(arr) > 3 and rng.random() < 0.5:
            arr = arr.slice(1, len(arr) - 2)
        assert _suspect_rows(arr).tolist() == _old_suspect_rows(arr).tolist(), values


def _old_candidates(names: pd.Series) -> pd.Series:
    """The earlier test for cells that may name several suppliers: a regular expression per cell."""
    return names.notna() & names.astype("string").str.contains(r"[;|\n/,]", regex=True).fillna(False)


@pytest.mark.parametrize("path", REGISTERS, ids=lambda p: p.stem)
def test_rows_containing_matches_regex_on_real_registers(path: Path) -> None:
    from procrisk.ingest.normalise.series import rows_containing

    frame = read_csv(path).frame
    for name in frame.columns:
        column = frame[name]
        assert rows_containing(column, ";|\n/,").tolist() == _old_candidates(column).tolist(), name


def test_rows_containing_on_chunks_slices_and_objects() -> None:
    from procrisk.ingest.normalise.series import rows_containing

    cells = [*_ODD, "Acme Ltd; Beta GmbH", "Ünï, SA", "x|y", "São Paulo/SP", "漢字;", ";", "plain"] * 7
    chunked = pa.chunked_array([pa.array(cells[:30], pa.large_string()), pa.array(cells[30:], pa.large_string())])
    series = pd.Series(pd.arrays.ArrowStringArray(chunked), dtype=pd.StringDtype("pyarrow"))
    assert rows_containing(series, ";|\n/,").tolist() == _old_candidates(series).tolist()
    part = series.iloc[5:60]
    assert rows_containing(part, ";|\n/,").tolist() == _old_candidates(part).tolist()
    assert rows_containing(part, ";|\n/,").index.equals(part.index)
    objects = pd.Series([*cells, 3, ["a;b"]], dtype=object)
    assert rows_containing(objects, ";|\n/,").tolist() == _old_candidates(objects).tolist()


def test_problem_rows_is_notna() -> None:
    from procrisk.ingest.normalise.series import problem_rows, problem_series

    index = pd.RangeIndex(12)
    cells = [None, "number.unparseable", np.nan, pd.NA, None, "date.ambiguous", "", 0, None, pd.NaT, "x", None]
    for series in (pd.Series(cells, dtype=object), problem_series(None, index), problem_series(cells, index),
                   pd.Series(["a", None] * 6, dtype="string"), pd.Series(np.arange(12.0)).where(lambda s: s > 3),
                   pd.Series([], dtype=object)):
        assert problem_rows(series).tolist() == series.notna().tolist()


def test_columns_without_problems_share_one_array_no_normaliser_can_write_into(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Columns of one length without a problem hold one read-only array of None (not a million references
    each): writing into it fails, so no column can hand its problems to another; a column with a problem still
    has it on its rows, and rows of the shared array or of a slice of it count as without a problem."""
    from procrisk.ingest.normalise.series import distinct_problems, problem_rows, problem_series

    index = pd.RangeIndex(5)
    codes = np.array([0, 2, -1, 1, 0], dtype=np.int64)
    clean = distinct_problems([None, None, None], codes, index)
    other = problem_series(None, index)
    assert clean.tolist() == [None] * 5 and np.shares_memory(clean.to_numpy(), other.to_numpy())
    with pytest.raises(ValueError, match="read-only"):
        clean.to_numpy()[1] = "country.unknown"
    with pytest.raises(ValueError, match="read-only"):
        other.iloc[1] = "country.unknown"
    assert other.tolist() == [None] * 5 and not problem_rows(other.iloc[1:]).any()
    with monkeypatch.context() as patch:  # the shared array is known without looking at its rows
        patch.setattr("procrisk.ingest.normalise.series.object_pointers", None)
        assert not problem_rows(other).any()
    found = distinct_problems([None, "country.unknown", None], codes, index)
    assert found.tolist() == [None, None, None, "country.unknown", None]
    assert problem_rows(found).tolist() == [False, False, False, True, False]
    assert problem_rows(pd.Series(["x"] * 5, dtype=object)).all()


@pytest.mark.parametrize("path", REGISTERS, ids=lambda p: p.stem)
def test_problem_rows_on_real_registers(path: Path) -> None:
    from procrisk.ingest.mapping import propose_mapping
    from procrisk.ingest.normalise import normalise_column
    from procrisk.ingest.normalise.series import problem_rows
    from procrisk.schema.columns import TABLES

    raw = read_csv(path)
    mapping = propose_mapping(raw.headers)
    for header, name in mapping.mapped.items():
        result = normalise_column(raw.frame[header], TABLES[mapping.table][name])
        assert problem_rows(result.problems).tolist() == result.problems.notna().tolist(), header


def _old_name_key(values: pd.Series) -> pd.Series:
    """The earlier name keys: distinct values as Python strings, keyed, spread back."""
    from procrisk.ingest.normalise.names import _key_array
    from procrisk.ingest.normalise.series import STRING

    codes, uniques = distinct(values)
    keys = _key_array(pa.array([str(u) for u in uniques], type=pa.large_string()))
    taken = keys.take(pa.array(codes, mask=codes < 0))
    return pd.Series(pd.arrays.ArrowStringArray(taken), index=values.index, dtype=STRING)


@pytest.mark.parametrize("path", REGISTERS, ids=lambda p: p.stem)
def test_name_key_on_arrow_dictionary_matches_python_strings(path: Path) -> None:
    from procrisk.ingest.normalise.names import name_key

    frame = read_csv(path).frame
    for header in frame.columns:
        pd.testing.assert_series_equal(name_key(frame[header]), _old_name_key(frame[header]))
    empty = pd.Series([None, None], dtype=pd.StringDtype("pyarrow"))
    pd.testing.assert_series_equal(name_key(empty), _old_name_key(empty))


@pytest.mark.parametrize("rows", [40, 3000])
def test_extras_of_few_combinations_are_built_once_each_and_kept_as_a_dictionary(rows: int) -> None:
    """Rows that repeat a few combinations of cells get the same objects as pandas writes, built once per
    combination, with the dictionary of them; rows of many combinations are built row by row (no dictionary)."""
    rng = random.Random(rows)
    frame = pd.DataFrame({
        "Officer notes": pd.array([rng.choice([None, "checked", "renewal due"]) for _ in range(rows)],
                                  dtype="string[pyarrow]"),
        "Flag": pd.array([rng.choice([None, "x", 'say "hi"/ok']) for _ in range(rows)], dtype="string[pyarrow]"),
    })
    out, dictionary = extras_objects(frame)
    pd.testing.assert_series_equal(out, _old_extras(frame))
    assert dictionary is not None and dictionary.to_pylist() == [None if pd.isna(v) else v for v in out]
    assert len(dictionary.dictionary) <= 8
    many = frame.assign(Id=pd.array([f"id-{i}" for i in range(rows)], dtype="string[pyarrow]"))
    out, dictionary = extras_objects(many)
    pd.testing.assert_series_equal(out, _old_extras(many))
    assert dictionary is None


def test_file_sha256_hashes_files_empty_files_and_folders(tmp_path: Path) -> None:
    """A file's hash is the SHA-256 of its bytes; a folder's covers each file's relative name and bytes in name
    order (an empty file adds only its name)."""
    import hashlib

    from procrisk.ingest.pipeline import file_sha256

    folder = tmp_path / "release"
    (folder / "sub").mkdir(parents=True)
    files = {"b.json": b'{"ocid": "x"}\n' * 1000, "a.json": b"", "sub/c.json": bytes(range(256)) * 9000}
    for name, data in files.items():
        (folder / name).write_bytes(data)
    for name, data in files.items():
        assert file_sha256(folder / name) == hashlib.sha256(data).hexdigest()
    expected = hashlib.sha256()
    for name in sorted(files, key=lambda n: folder / n):
        expected.update(name.encode())
        expected.update(files[name])
    assert file_sha256(folder) == expected.hexdigest()


def test_spread_of_nothing_but_none_fills_every_row_with_none() -> None:
    """A column whose distinct values all gave None (no problem found) gets None on every row; any other
    result, or another missing value (even a list), still goes to its rows."""
    from procrisk.ingest.normalise.series import spread

    codes = np.array([0, 2, -1, 1, 0], dtype=np.int64)
    filled = spread([None, None, None], codes)
    assert filled.dtype == object and filled.tolist() == [None] * 5
    shared: list[str] = []
    assert all(item is shared for item in spread([shared, shared], codes, missing=shared))
    assert spread([None, "x", None], codes).tolist() == [None, None, None, "x", None]
    assert spread([], np.zeros(0, dtype=np.int64)).tolist() == []


def _all_steps_key_array(arr: pa.Array) -> pa.Array:
    """The name keys with every step run (the earlier ``_key_array``), for comparison."""
    from procrisk.ingest.normalise import names

    plain = names._plain_words
    try:
        names._plain_words = lambda _arr: False
        return names._key_array(arr)
    finally:
        names._plain_words = plain


_NAME_PARTS = ["Acme", "ACME", "ltd", "Ltd", "42", " ", "  ", "(UK)", "&", "A/S", "S.A.", "O'Neill", "é", "ß",
               "Société", "\u00a0", "-", "Pty", "K\u212a", "İ", "_", "GmbH", "Co.", "\t", ""]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(st.sampled_from(_NAME_PARTS), max_size=6).map("".join), max_size=12))
def test_name_keys_of_plain_words_equal_every_step(names_: list[str]) -> None:
    """Names of only ASCII letters, digits and single spaces skip the accent, bracket and punctuation steps;
    any list of names gets exactly the keys of every step, whichever way it goes."""
    from procrisk.ingest.normalise.names import _key_array

    arr = pa.array(names_, type=pa.large_string())
    assert _key_array(arr).equals(_all_steps_key_array(arr))
    plain = pa.array([n for n in names_ if n.isascii() and n.replace(" ", "").isalnum() and "  " not in n],
                     type=pa.large_string())
    assert _key_array(plain).equals(_all_steps_key_array(plain))


def test_plain_words_are_ascii_letters_digits_and_single_spaces() -> None:
    from procrisk.ingest.normalise.names import _plain_words

    assert _plain_words(pa.array(["Supplier 42 Ltd", " Acme", ""], type=pa.large_string()))
    assert _plain_words(pa.array(["Supplier 42 Ltd", "Acme"]).slice(1))
    for odd in ["Acme  Ltd", "Acme & Co", "Acme (UK)", "Société", "A/S", "O'Neill", "Acme\tLtd", "a_b"]:
        assert not _plain_words(pa.array(["Supplier 42 Ltd", odd], type=pa.large_string())), odd
