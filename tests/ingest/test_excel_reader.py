"""The Excel reader: headers under titles, merged and two-row headers, cell text, sheet choice and safety."""

from __future__ import annotations

import csv
import datetime as dt
import random
import shutil
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from procrisk.errors import InputFileError, UsageError
from procrisk.ingest import xlsx_safety
from procrisk.ingest.excel_reader import _all_strings_text, _columns_text, cell_text, list_sheets, read_excel

HERE = Path(__file__).resolve().parents[1] / "fixtures" / "ingest"
REGISTER = HERE / "excel_title-rows-merged-header.xlsx"


def _cells(table: object, column: str) -> list[object]:
    """A column's cells as Python values, missing as None."""
    return [None if pd.isna(v) else v for v in table.frame[column]]  # type: ignore[attr-defined]


def test_title_rows_merged_two_row_header_and_blank_row() -> None:
    """Title rows are skipped, "Value" merged over two columns combines with the row below, blanks drop."""
    table = read_excel(REGISTER)
    assert table.headers == ["Contract ID", "Supplier name", "Value Estimated", "Value Awarded", "Award date",
                             "Signed", "Notes"]
    assert table.sheet == "Register"
    assert table.header_row == 4
    assert table.row_numbers.tolist() == [6, 7, 9, 10]
    assert table.blank_rows == 1
    assert all(isinstance(t, pd.StringDtype) and t.na_value is pd.NA for t in table.frame.dtypes)
    assert any("rows 4 and 5" in n for n in table.notes)
    assert any("'Value' covers columns C-D" in n for n in table.notes)
    assert any("sheet 'Register'" in n for n in table.notes)


def test_cells_read_as_a_user_sees_them() -> None:
    """Whole numbers lose ".0", dates are ISO, booleans true/false, errors keep their text, blanks are NA."""
    table = read_excel(REGISTER)
    assert _cells(table, "Value Estimated") == ["12000", "7500", "#N/A", "1e+20"]
    assert _cells(table, "Value Awarded") == ["12000.5", "0.3", "#DIV/0!", "-42"]
    assert _cells(table, "Award date") == ["2024-01-02", "2024-02-03T14:30:05", "2024-03-04", "2024-04-05"]
    assert _cells(table, "Signed") == ["true", "false", None, "true"]
    assert _cells(table, "Notes") == ["ok", None, "late", None]  # "   " is missing, not text
    assert _cells(table, "Supplier name")[3] == " Delta "
    assert any("2 error cell(s)" in n for n in table.notes)


def test_error_cells_next_to_self_closing_cells(tmp_path: Path) -> None:
    """Error cells are found wherever they sit, also right after an empty styled cell written as <c/>."""
    path = tmp_path / "errors.xlsx"
    with zipfile.ZipFile(REGISTER) as src, zipfile.ZipFile(path, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(
                    b'<c r="B6" t="inlineStr"><is><t>Acme Ltd</t></is></c><c r="C6" t="n"><v>12000</v></c>',
                    b'<c r="B6" s="0"/><c r="C6" t="e"><v>#REF!</v></c>',
                )
                assert b"#REF!" in data
            dst.writestr(item, data)
    table = read_excel(path)
    assert _cells(table, "Value Estimated")[:3] == ["#REF!", "7500", "#N/A"]
    assert _cells(table, "Supplier name")[0] is None


def test_given_header_row_still_combines_a_merged_header() -> None:
    """With the header row given, the merged "Value" cell still pulls in the row below."""
    table = read_excel(REGISTER, header_row=4)
    assert table.headers[2:4] == ["Value Estimated", "Value Awarded"]
    with pytest.raises(InputFileError, match=r"sheet 'Register': row 3 is blank"):
        read_excel(REGISTER, header_row=3)
    with pytest.raises(InputFileError, match=r"below the last row"):
        read_excel(REGISTER, header_row=500)
    with pytest.raises(UsageError):
        read_excel(REGISTER, header_row=0)


def test_two_row_header_without_merged_cells() -> None:
    """A label followed by an empty header cell, with labels below both, is a two-row header."""
    table = read_excel(HERE / "excel_two-row-header.xlsx")
    assert table.headers == ["Ref", "Value Estimated", "Value Awarded", "Country"]
    assert table.row_numbers.tolist() == [3, 4]
    assert _cells(table, "Value Awarded") == ["12", "18"]


def test_sheet_choice_and_listing() -> None:
    """The first sheet that looks like a table is read (a prose cover sheet is passed over); names work."""
    path = HERE / "excel_cover-sheet.xlsx"
    assert list_sheets(path) == ["Read me", "Contracts", "Lookup"]
    table = read_excel(path)
    assert table.sheet == "Contracts"
    assert table.headers == ["ID", "Supplier", "Amount"]
    assert "first sheet that looks like a table" in table.notes[0]
    hidden = read_excel(path, sheet="lookup")  # names match regardless of case
    assert hidden.sheet == "Lookup"
    assert _cells(hidden, "Meaning") == ["Awarded"]
    listed = r"no sheet 'Totals'; the sheets are 'Read me', 'Contracts', 'Lookup'"
    with pytest.raises(InputFileError, match=listed):
        read_excel(path, sheet="Totals")


def test_macro_enabled_workbook_reads_values_only() -> None:
    """An .xlsm reads like an .xlsx (its VBA project is never opened)."""
    table = read_excel(HERE / "excel_macro-enabled.xlsm")
    assert table.headers[0] == "Contract ID"
    assert len(table) == 4


def test_xml_bomb_is_rejected_before_calamine() -> None:
    """A sheet declaring billion-laughs entities is refused with a reason naming the file."""
    for call in (read_excel, list_sheets):
        with pytest.raises(InputFileError) as caught:
            call(HERE / "excel_xml-bomb.xlsx")
        message = str(caught.value)
        assert message.startswith("excel_xml-bomb.xlsx: ")
        assert "DTD or entity" in message
        assert "sheet1.xml" in message


def test_doctype_in_the_workbook_part_is_rejected(tmp_path: Path) -> None:
    """A DTD in workbook.xml is caught by the defusedxml parse."""
    path = tmp_path / "doctype.xlsx"
    with zipfile.ZipFile(REGISTER) as src, zipfile.ZipFile(path, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "xl/workbook.xml":
                data = data.replace(b"<workbook", b'<!DOCTYPE workbook [<!ENTITY x "y">]><workbook', 1)
            dst.writestr(item, data)
    with pytest.raises(InputFileError, match=r"doctype\.xlsx: xl/workbook\.xml declares a DTD"):
        read_excel(path)


def test_zip_bomb_is_rejected() -> None:
    """A member compressed about 1000 times is refused as a zip bomb."""
    with pytest.raises(InputFileError, match=r"excel_zip-bomb\.xlsx: .*compressed \d+ times \(limit 200\)"):
        read_excel(HERE / "excel_zip-bomb.xlsx")


def test_member_larger_than_declared_is_rejected(tmp_path: Path) -> None:
    """A sheet whose zip directory understates its unpacked size is refused once the scan sees the truth."""
    data = bytearray(REGISTER.read_bytes())
    name = b"xl/worksheets/sheet1.xml"
    entry = data.find(b"PK\x01\x02")  # the central-directory entries
    while entry >= 0 and data[entry + 46: entry + 46 + len(name)] != name:
        entry = data.find(b"PK\x01\x02", entry + 4)
    assert entry >= 0
    data[entry + 24: entry + 28] = (100).to_bytes(4, "little")  # declared unpacked size: 100 bytes
    path = tmp_path / "liar.xlsx"
    path.write_bytes(bytes(data))
    with pytest.raises(InputFileError, match=r"liar\.xlsx: member xl/worksheets/sheet1\.xml unpacks to more"):
        read_excel(path)


def test_total_unpacked_size_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    """A workbook that would unpack beyond the total limit is refused."""
    monkeypatch.setattr(xlsx_safety, "MAX_UNCOMPRESSED_BYTES", 10_000)
    xlsx_safety._checked.clear()
    with pytest.raises(InputFileError, match=r"would unpack to more than"):
        read_excel(HERE / "excel_two-row-header.xlsx")
    xlsx_safety._checked.clear()


@pytest.mark.parametrize(
    ("name", "pattern"),
    [
        ("excel_legacy.xls", r"excel_legacy\.xls: this is an old Excel 97-2003 \.xls workbook.*as \.xlsx"),
        ("excel_encrypted.xlsx", r"excel_encrypted\.xlsx: the workbook is password-protected"),
        ("excel_not-a-zip.xlsx", r"this is not an \.xlsx file; if it is an old \.xls, open it in Excel"),
    ],
)
def test_files_that_are_not_xlsx(name: str, pattern: str) -> None:
    """Legacy .xls, encrypted workbooks and other files get one sentence naming the file and the fix."""
    with pytest.raises(InputFileError, match=pattern):
        read_excel(HERE / name)


def test_empty_missing_and_damaged_files(tmp_path: Path) -> None:
    """Empty, missing and truncated workbooks are InputFileErrors, never calamine or zipfile tracebacks."""
    empty = tmp_path / "empty.xlsx"
    empty.write_bytes(b"")
    with pytest.raises(InputFileError, match=r"empty"):
        read_excel(empty)
    with pytest.raises(InputFileError, match=r"not found"):
        read_excel(tmp_path / "missing.xlsx")
    truncated = tmp_path / "truncated.xlsx"
    truncated.write_bytes(REGISTER.read_bytes()[:2000])
    with pytest.raises(InputFileError, match=r"truncated\.xlsx: the workbook is damaged or incomplete"):
        read_excel(truncated)
    no_sheet = tmp_path / "nosheet.xlsx"
    with zipfile.ZipFile(REGISTER) as src, zipfile.ZipFile(no_sheet, "w") as dst:
        for item in src.infolist():
            if item.filename != "xl/worksheets/sheet1.xml":
                dst.writestr(item, src.read(item))
    with pytest.raises(InputFileError, match=r"nosheet\.xlsx: the workbook is damaged: sheet .Register."):
        read_excel(no_sheet)


def test_renamed_copy_reads_the_same(tmp_path: Path) -> None:
    """The checks work on the content: a copy under another name reads identically."""
    copy = tmp_path / "copy.xlsm"
    shutil.copy(REGISTER, copy)
    assert read_excel(copy).frame.equals(read_excel(REGISTER).frame)


def test_cell_text_rules() -> None:
    """Each calamine value type becomes the text a user reads."""
    assert cell_text(12.0) == "12"
    assert cell_text(12000.5) == "12000.5"
    assert cell_text(-0.25) == "-0.25"
    assert cell_text(True) == "true"
    assert cell_text(7) == "7"
    assert cell_text(dt.date(2024, 1, 2)) == "2024-01-02"
    assert cell_text(dt.datetime(2024, 1, 2, 3, 4, 5, 600)) == "2024-01-02T03:04:05"
    assert cell_text(dt.datetime(2024, 1, 2)) == "2024-01-02"
    assert cell_text(dt.time(9, 30)) == "09:30:00"
    assert cell_text(dt.timedelta(hours=30, minutes=5)) == "30:05:00"
    assert cell_text("  ") is None
    assert cell_text("") is None


def test_bulk_conversion_matches_cell_by_cell() -> None:
    """The bulk column conversion gives the same text as converting each cell, for every mix of types."""
    rows = [
        [1.0, "a", True, dt.date(2024, 1, 1), 123456789012.25, "", dt.datetime(2024, 1, 1, 5), 0.1],
        [2.5, "", False, "", 1e-7, "n/a", dt.time(1, 2), 1e16],
        ["", "  ", "", dt.date(1999, 12, 31), 2.0**60, 3.0, dt.timedelta(minutes=90), -0.0],
    ]
    columns = _columns_text([list(r) for r in rows], 8)
    for j, column in enumerate(columns):
        expected = [cell_text(r[j]) for r in rows]
        assert column.to_pylist() == expected, j
    assert columns[4].to_pylist() == ["123456789012.25", "1e-07", "1.152921504606847e+18"]


REAL_TABULAR = Path(__file__).resolve().parents[1] / "fixtures" / "real" / "tabular"


@pytest.mark.parametrize("path", sorted(REAL_TABULAR.glob("*.csv")), ids=lambda p: p.name)
def test_all_string_grid_converts_like_cell_by_cell_on_real_registers(path: Path) -> None:
    """A grid of strings only (real register cells, blanks and padding kept) takes the one-pass join path
    and gives, column by column, the text :func:`cell_text` gives each cell."""
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    width = max(map(len, rows))
    rows = [[*row, *([""] * (width - len(row)))] for row in rows]
    rows[1][0] = "  \t "  # whitespace only reads as missing
    rows[2][1] = "Zürich — 東京 😀"
    assert _all_strings_text(rows, len(rows) * width) is not None  # the one-pass path is the one tested
    columns = _columns_text([list(r) for r in rows], width)
    for j, column in enumerate(columns):
        assert column.to_pylist() == [cell_text(r[j]) for r in rows], j


def test_strings_holding_a_nul_fall_back_to_the_grouped_conversion() -> None:
    """A NUL inside a cell (impossible in XML text, but calamine is not ours) still converts cell by cell."""
    rows = [["a\x00b", " ", "c"], ["", "d\x00", "\x00"]]
    assert _all_strings_text([list(r) for r in rows], 6) is None
    columns = _columns_text([list(r) for r in rows], 3)
    assert [c.to_pylist() for c in columns] == [["a\x00b", None], [None, "d\x00"], ["c", "\x00"]]


@pytest.mark.parametrize("read_ahead", [False, True], ids=["inline", "read-ahead"])
def test_marks_are_found_at_every_chunk_boundary(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                 read_ahead: bool) -> None:
    """A DTD mark or an error value is found wherever it falls against the scan's chunk edges, whether the
    part is unpacked inline or a chunk ahead in a thread; the unpacked bytes kept are the part's bytes."""
    monkeypatch.setattr(xlsx_safety, "_CHUNK", 64)
    monkeypatch.setattr(xlsx_safety, "_READ_AHEAD_BYTES", 0 if read_ahead else 1 << 40)
    filler = b"<row><c><v>1</v></c></row>" * 12
    for mark, forbidden in ((b"<!ENTITY", True), (b"<v>#N/A</v>", False)):
        for shift in range(0, 70, 3):
            data = b"<sheetData>" + filler[:shift] + mark + filler + b"</sheetData>"
            path = tmp_path / f"m{shift}.zip"
            with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
                zf.writestr("xl/worksheets/sheet1.xml", data)
            with zipfile.ZipFile(path) as zf:
                info = zf.getinfo("xl/worksheets/sheet1.xml")
                keep = bytearray()
                if forbidden:
                    with pytest.raises(InputFileError, match="DTD or entity"):
                        xlsx_safety._scan_part(zf, info, path, keep)
                else:
                    assert xlsx_safety._scan_part(zf, info, path, keep) == (True, False)
                    assert bytes(keep) == data


def test_read_ahead_hands_on_the_producers_error() -> None:
    """An exception while unpacking in the background thread is raised to the scan, and the thread ends."""
    def chunks() -> Iterator[bytes]:
        yield b"<a>"
        raise zipfile.BadZipFile("cut short")

    reader = xlsx_safety._read_ahead(chunks())
    assert next(reader) == b"<a>"
    with pytest.raises(zipfile.BadZipFile, match="cut short"):
        next(reader)
    stopped = xlsx_safety._read_ahead(iter([b"x"] * 100), depth=1)
    assert next(stopped) == b"x"
    stopped.close()  # the consumer gives up early: the producer stops instead of blocking on a full queue


def test_rare_byte_search_equals_the_plain_search(monkeypatch: pytest.MonkeyPatch) -> None:
    """The scan's searches through a mark's rare or last byte answer as ``find`` does: marks at the start, the end,
    after near misses (``&#233;`` before ``<v>#``), and with so many near misses that the plain search
    takes over."""
    monkeypatch.setattr(xlsx_safety, "_RARE_HITS", 5)
    pick = random.Random(7)
    pieces = [b"<v>", b"#", b"&#233;", b"<", b"!", b"<!", b"v>", b"x", b"<v>#", b"<!--", b"</c>"]
    for _ in range(3000):
        data = b"".join(pick.choice(pieces) for _ in range(pick.randrange(0, 12)))
        for mark, rare in ((b"<v>#", 3), (b"<!", 1)):
            assert xlsx_safety._holds(data, mark, rare) == (data.find(mark) >= 0), (data, mark)
            assert xlsx_safety._holds_many(data, mark) == (data.find(mark) >= 0), (data, mark)


def test_a_damaged_deflate_stream_is_a_damaged_workbook(tmp_path: Path) -> None:
    """Bytes flipped inside the packed sheet (a bad copy, a failing disk) name the file and the fix, not an
    internal inflate error."""
    with zipfile.ZipFile(REGISTER) as zf:
        info = zf.getinfo("xl/worksheets/sheet1.xml")
    with REGISTER.open("rb") as fh:
        xlsx_safety.seek_member_data(fh, info)
        start = fh.tell()
    assert info.compress_size > 400
    data = bytearray(REGISTER.read_bytes())
    for k in range(200, 400):
        data[start + k] ^= 0x5A
    damaged = tmp_path / "damaged.xlsx"
    damaged.write_bytes(bytes(data))
    with pytest.raises(InputFileError, match=r"damaged\.xlsx: the workbook's zip is damaged .*save it again"):
        read_excel(damaged)
