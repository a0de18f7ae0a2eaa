"""The CSV reader: encodings, delimiters, title lines, line numbers, ragged rows and real published files."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest

from procrisk.errors import InputFileError, UsageError
from procrisk.ingest import csv_reader
from procrisk.ingest.csv_reader import detect_encoding, read_csv
from procrisk.ingest.headers import find_header, unique_names

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
HERE = FIXTURES / "ingest"
TABULAR = FIXTURES / "real" / "tabular"


def _cells(table: object, column: str) -> list[object]:
    """A column's cells as Python values, missing as None."""
    series = table.frame[column]  # type: ignore[attr-defined]
    return [None if pd.isna(v) else v for v in series]


def _all_string_dtype(frame: pd.DataFrame) -> bool:
    """Whether every column is a pandas string dtype with NA as missing."""
    return all(isinstance(t, pd.StringDtype) and t.na_value is pd.NA for t in frame.dtypes)


def test_semicolons_windows_1252_and_decimal_commas() -> None:
    """A Windows-1252 file with semicolons reads with "€", accents and decimal commas intact."""
    table = read_csv(HERE / "csv_semicolon-cp1252.csv")
    assert table.headers == ["Référence", "Fournisseur", "Montant (€)", "Date d'attribution"]
    assert _cells(table, "Montant (€)") == ["12 000,50", "€ 7 500,00", "1 234,5"]
    assert _cells(table, "Fournisseur")[2] == "Entreprise; avec point-virgule"
    assert table.row_numbers.tolist() == [2, 3, 4]
    assert any("Windows-1252" in n for n in table.notes)
    assert any("semicolon" in n for n in table.notes)


def test_given_encoding_and_delimiter_are_used() -> None:
    """An explicit encoding and delimiter override detection and are noted as given."""
    table = read_csv(HERE / "csv_semicolon-cp1252.csv", encoding="cp1252", delimiter=";")
    assert table.headers[0] == "Référence"
    assert "cp1252 (as given)" in table.notes[0]
    wrong = read_csv(HERE / "csv_semicolon-cp1252.csv", encoding="cp1252", delimiter=",")
    assert len(wrong.headers) < 4  # the user's choice is obeyed, even when it is wrong


def test_utf16_tab_separated() -> None:
    """Excel's "Unicode text" (UTF-16 LE with a BOM, tabs) reads with non-Latin text intact."""
    table = read_csv(HERE / "csv_utf16-tab.tsv")
    assert table.headers == ["Contract ID", "Supplier", "Country", "Value"]
    assert _cells(table, "Supplier") == ["Özdemir İnşaat", "北京建筑"]
    assert _cells(table, "Value") == ["1500", "2500.75"]
    assert "UTF-16 LE" in table.notes[0]
    assert "tab" in table.notes[1]


def test_utf8_byte_order_mark_is_not_part_of_the_first_header() -> None:
    """A UTF-8 BOM is skipped, so the first header is "ID", not "\\ufeffID"."""
    table = read_csv(HERE / "csv_utf8-bom.csv")
    assert table.headers == ["ID", "Supplier", "Amount"]
    assert _cells(table, "Supplier") == ["Café Ltd", "Zoë & Co"]


def test_title_lines_blank_rows_and_duplicate_headers() -> None:
    """Title lines are skipped, blank rows dropped and counted, duplicates suffixed, blanks missing."""
    table = read_csv(HERE / "csv_title-lines.csv")
    assert table.header_row == 3
    assert table.headers == ["Contract ID", "Supplier", "Notes", "Notes (2)", "Award date"]
    assert table.row_numbers.tolist() == [4, 6, 8]
    assert table.blank_rows == 2
    assert _cells(table, "Notes") == ["first", None, "x"]
    assert _cells(table, "Supplier")[2] == "  Gamma SA  "  # values stay as found; only blank cells become NA
    assert _all_string_dtype(table.frame)
    assert any("line 3" in n and "2 line(s) above it skipped" in n for n in table.notes)


def test_header_row_can_be_given() -> None:
    """An explicit header line is used; one that does not start a record is refused."""
    table = read_csv(HERE / "csv_title-lines.csv", header_row=3)
    assert table.headers[0] == "Contract ID"
    with pytest.raises(InputFileError, match=r"csv_title-lines\.csv: line 2 is blank"):
        read_csv(HERE / "csv_title-lines.csv", header_row=2)
    with pytest.raises(InputFileError, match=r"line 3 does not start a record"):
        read_csv(HERE / "csv_embedded-newlines.csv", header_row=3)
    with pytest.raises(UsageError):
        read_csv(HERE / "csv_title-lines.csv", header_row=0)


def test_embedded_new_lines_keep_exact_line_numbers() -> None:
    """Quoted values spanning lines stay whole and each record keeps the line it starts on."""
    table = read_csv(HERE / "csv_embedded-newlines.csv")
    expected = ["Cleaning, offices\nfloors 1-3", 'He said "no"', "Three\nline\nvalue", "plain"]
    assert _cells(table, "description") == expected
    assert table.row_numbers.tolist() == [2, 4, 6, 9]
    assert table.blank_rows == 1


def test_ragged_rows_are_padded_or_widened() -> None:
    """Short rows are padded with NA; extra cells go to "(unnamed N)" columns; a note says where."""
    table = read_csv(HERE / "csv_ragged-rows.csv")
    assert table.headers == ["a", "b", "c", "(unnamed 4)", "(unnamed 5)"]
    assert _cells(table, "c") == ["3", None, "8", "13"]
    assert _cells(table, "(unnamed 5)") == [None, None, "10", None]
    assert table.row_numbers.tolist() == [2, 3, 4, 5]
    assert any("fewer fields" in n and "line 3" in n for n in table.notes)
    assert any("more fields" in n and "line 4" in n for n in table.notes)


def test_headers_are_cleaned() -> None:
    """New lines and runs of spaces inside header cells fold to single spaces."""
    table = read_csv(HERE / "csv_messy-headers.csv")
    assert table.headers == ["Supplier name", "Contract value", "Country"]


def test_empty_and_missing_files() -> None:
    """An empty or missing file is an InputFileError naming it."""
    with pytest.raises(InputFileError, match=r"csv_empty\.csv: the file is empty"):
        read_csv(HERE / "csv_empty.csv")
    with pytest.raises(InputFileError, match=r"not found"):
        read_csv(HERE / "does-not-exist.csv")


def test_blank_only_and_binary_files(tmp_path: Path) -> None:
    """A file of blank lines or of binary bytes is refused with a reason."""
    blank = tmp_path / "blank.csv"
    blank.write_text("\n\n  \n")
    with pytest.raises(InputFileError, match=r"blank\.csv: the file has no text"):
        read_csv(blank)
    binary = tmp_path / "binary.csv"
    binary.write_bytes(b"\x00\x01\x02\x03" * 100)
    with pytest.raises(InputFileError, match=r"binary"):
        read_csv(binary)


def test_non_utf8_byte_far_into_the_file(tmp_path: Path) -> None:
    """A file whose first 100 KB are ASCII but which has a Windows-1252 "é" later still reads correctly."""
    lines = ["id,name"] + [f"{i},plain name {i}" for i in range(5000)] + ["5000,Société"]
    path = tmp_path / "late.csv"
    path.write_bytes(("\n".join(lines) + "\n").encode("cp1252"))
    table = read_csv(path)
    assert len(table) == 5001
    assert _cells(table, "name")[-1] == "Société"
    assert table.row_numbers[-1] == 5002
    assert "cp1252" in table.notes[0]


def test_line_numbers_stay_exact_past_the_sample(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Embedded new lines and blank lines far below the sampled start still give exact line numbers.

    pyarrow's block size is made small so that multi-line values (none in the sampled start) fall across
    blocks: pyarrow then refuses the read and the reader retries with ``newlines_in_values``.
    """
    monkeypatch.setattr(csv_reader, "_BLOCK", 1 << 16)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(["id", "note", "amount"])
    for i in range(30_000):
        note = f"multi, part one\nline, two {i}" if i > 100 and i % 7 == 6 else f"note {i}"
        writer.writerow([i, note, i * 2])
        if i == 20_000:
            buffer.write("\r\n")
    path = tmp_path / "long.csv"
    path.write_text(buffer.getvalue(), encoding="utf-8", newline="")
    table = read_csv(path)
    expected = _record_lines(path)
    assert len(table) == 30_000
    assert table.row_numbers.tolist() == expected
    assert table.blank_rows == 1
    assert _cells(table, "note")[6999] == "multi, part one\nline, two 6999"
    assert _cells(table, "note")[7000] == "note 7000"


def test_stray_quote_inside_a_value(tmp_path: Path) -> None:
    """An inch mark inside an unquoted value does not shift the line numbers of later records."""
    text = 'id,item,qty\n1,5" pipe,3\n2,"two\nlines",4\n3,plain,5\n'
    path = tmp_path / "inch.csv"
    path.write_text(text, encoding="utf-8")
    table = read_csv(path)
    assert _cells(table, "item") == ['5" pipe', "two\nlines", "plain"]
    assert table.row_numbers.tolist() == [2, 3, 5]


def test_cyrillic_windows_1251_is_recognised(tmp_path: Path) -> None:
    """Text that is not Western is handed to charset-normalizer and decoded right."""
    rows = ["Поставщик;Сумма;Город"] + [f"ООО Ромашка номер {i};{i}00;Москва" for i in range(40)]
    path = tmp_path / "ru.csv"
    path.write_bytes(("\n".join(rows) + "\n").encode("cp1251"))
    table = read_csv(path)
    assert table.headers == ["Поставщик", "Сумма", "Город"]
    assert _cells(table, "Город")[0] == "Москва"


def test_detect_encoding_cheap_checks() -> None:
    """BOMs, UTF-8, Windows-1252 (bytes 0x80-0x9F) and Latin-1 are told apart without charset-normalizer."""
    assert detect_encoding(b"\xef\xbb\xbfid,name\n")[0] == "utf-8-sig"
    assert detect_encoding("id\tname\n".encode("utf-16"))[0] == "utf-16"
    assert detect_encoding("id,name\n".encode("utf-16-le"))[0] == "utf-16-le"
    assert detect_encoding("Café,€ 5\n".encode())[0] == "utf-8"
    assert detect_encoding("Café,€ 5\n".encode("cp1252"))[0] == "cp1252"
    assert detect_encoding(b"Caf\xe9 \x81\n")[0] == "latin-1"
    assert detect_encoding(b"a\x00\x01b\x00")[0] == ""


def _record_lines(path: Path) -> list[int]:
    """First physical line of each non-empty data record, counted independently with the csv module."""
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.reader(fh)
        next(reader)
        starts, consumed = [], reader.line_num
        for row in reader:
            first, consumed = consumed + 1, reader.line_num
            if row:
                starts.append(first)
    return starts


@pytest.mark.parametrize(
    ("name", "rows"),
    [("toronto-bids-awarded-contracts.csv", 707), ("usaspending-dhs-ice-contract-subawards.csv", 175)],
)
def test_real_published_files(name: str, rows: int) -> None:
    """The real Toronto and USAspending files read with the row count, headers and line numbers of csv."""
    path = TABULAR / name
    with path.open(newline="", encoding="utf-8-sig") as fh:
        reference = list(csv.reader(fh))
    assert len(reference) - 1 == rows
    table = read_csv(path)
    assert len(table) == rows
    assert table.headers == [" ".join(h.split()) for h in reference[0]]
    assert table.row_numbers.tolist() == _record_lines(path)
    assert _all_string_dtype(table.frame)
    first = [None if not v.strip() else v for v in reference[1]]
    assert [None if pd.isna(v) else v for v in table.frame.iloc[0]] == first


def test_find_header_skips_titles_and_combines_two_rows() -> None:
    """Header detection ignores one-cell title rows and joins a sub-header row under a label gap."""
    rows = [
        ["Register 2024", None, None, None],
        [None, None, None, None],
        ["Ref", "Value", None, "Date"],
        [None, "Estimated", "Awarded", None],
        ["R1", "10", "12", "2024-01-01"],
    ]
    choice = find_header(rows)
    assert choice is not None
    assert (choice.index, choice.depth) == (2, 2)
    assert choice.names == ["Ref", "Value Estimated", "Value Awarded", "Date"]
    data_like = [["Name", None, "City"], ["Acme", "x", "Paris"]]
    choice = find_header(data_like)
    assert choice is not None
    assert choice.depth == 1  # a full data row is not a sub-header
    assert choice.names == ["Name", "(unnamed 2)", "City"]


def test_unique_names_do_not_collide_with_existing_suffixes() -> None:
    """Duplicates get (2), (3), skipping a name that already exists in the file."""
    assert unique_names(["A", "A", "A (2)", "A"]) == ["A", "A (3)", "A (2)", "A (4)"]


@pytest.mark.parametrize("chunk", [1, 2, 3, 5, 64])
def test_scan_counts_newlines_and_checks_utf8(monkeypatch: pytest.MonkeyPatch, chunk: int) -> None:
    """The scan beside pyarrow's parse counts newlines in slices of any size, and its UTF-8 check (pyarrow's
    parse no longer checks) refuses a bad byte, a character cut at the end or followed by ASCII, exactly where
    decoding the whole file would."""
    monkeypatch.setattr(csv_reader, "_CHUNK", chunk)
    good = "id,name\n1,Société €\n2,日本 😀\n".encode()
    cases = [good, good + b"3,x\xe9y\n", good[:-4] + b"\n", good[:-1] + b"\xf0\x9f", b"a\xc3" + b"bc\n"]
    for data in cases:
        try:
            data.decode("utf-8")
            expected = True
        except UnicodeDecodeError:
            expected = False
        newlines, ends, valid = csv_reader._scan(pa.py_buffer(data), b"\n")
        assert (newlines, ends, valid) == (data.count(b"\n"), data.endswith(b"\n"), expected), data


@pytest.mark.filterwarnings("error::pytest.PytestUnraisableExceptionWarning")
def test_bad_byte_only_in_a_ragged_row_takes_the_slow_path(tmp_path: Path) -> None:
    """A byte that is not UTF-8 inside a row with too many fields reads as a checked pyarrow read would: the
    ragged row sends the file down the Python path, which replaces the byte, and the encoding stays UTF-8; and
    pyarrow's failure to decode that row for the handler is not printed at the user."""
    lines = ["id,name"] + [f"{i},café {i}" for i in range(10_000)]  # past the bytes the encoding is guessed from
    path = tmp_path / "ragged.csv"
    path.write_bytes(("\n".join(lines) + "\n").encode() + b"10000,b\xe9d,extra\n")
    table = read_csv(path)
    assert len(table) == 10_001
    assert _cells(table, "name")[-1] == "b\ufffdd"
    assert "UTF-8" in table.notes[0]
    assert any("more fields" in note for note in table.notes)


@pytest.mark.parametrize("cells", [
    ["a", None, " "], ["a", " ", None], [None, "\u00a0"], ["\t", None, None], ["x", None], [None, None],
])
def test_whitespace_only_cells_become_missing_wherever_they_sit(cells: list[str | None]) -> None:
    """Whitespace-only cells become missing also right after an empty cell or at the end of a chunk (the quick
    first-byte look that skips the exact check must never miss one); other cells stay as found."""
    chunk = pa.array(cells, type=pa.large_string())
    column = csv_reader._blank_to_null(pa.chunked_array([chunk.slice(1), chunk]))
    expected = [None if c is None or not c.strip() else c for c in [*cells[1:], *cells]]
    assert column.to_pylist() == expected


def test_the_blank_value_check_is_sure_when_it_says_no() -> None:
    """A chunk may hold a whitespace-only value only if some value starts with a space, a control or a
    non-ASCII byte; empty values at its end (no first byte of their own) never make it say maybe."""
    from procrisk.ingest.csv_reader import _blank_to_null, _may_be_blank

    assert not _may_be_blank(pa.array(["a", "café", "", ""], type=pa.large_string()))
    assert not _may_be_blank(pa.array(["", None, ""], type=pa.large_string()))
    for values in (["a", " ", "", ""], ["a", "b", "\u00a0"], ["\t", "b"], ["a", "", "é", None]):
        assert _may_be_blank(pa.array(values, type=pa.large_string())), values
    sliced = pa.array(["x", "   ", "y", "", ""], type=pa.large_string()).slice(1)
    assert _may_be_blank(sliced)
    column = pa.chunked_array([pa.array(["a", " ", "b\u00a0", "", ""], type=pa.large_string())])
    assert _blank_to_null(column).to_pylist() == ["a", None, "b\u00a0", "", ""]
