"""A large sheet read in parallel parts gives exactly the cells and the RawTable of a whole-sheet read."""

from __future__ import annotations

import tempfile
import zipfile
from pathlib import Path

import pytest
from python_calamine import CalamineWorkbook

from procrisk.ingest import xlsx_parallel, xlsx_safety
from procrisk.ingest.excel_reader import read_excel
from procrisk.ingest.raw import RawTable

ROOT = Path(__file__).resolve().parents[2]
WORKBOOKS = [
    ROOT / "tests" / "fixtures" / "ingest" / "excel_title-rows-merged-header.xlsx",
    ROOT / "tests" / "fixtures" / "ingest" / "excel_two-row-header.xlsx",
    ROOT / "tests" / "fixtures" / "ingest" / "excel_cover-sheet.xlsx",
    ROOT / "tests" / "fixtures" / "ingest" / "excel_macro-enabled.xlsm",
    ROOT / "sample_data" / "contract_register.xlsx",
    ROOT / "sample_data" / "supplier_questionnaire.xlsx",
]
_NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def _shared_strings_workbook(path: Path, *, numbered: bool = True) -> None:
    """A workbook as Excel writes it: shared strings, a date style, gaps between rows, a column starting late."""
    strings = ["Register", "Contract ID", "Supplier", "Value", "Signed", "Note", "Acme Ltd", "Beta GmbH", "late"]
    rows = ['<row r="1"><c r="A1" t="s"><v>0</v></c></row>',
            '<row r="3"><c r="A3" t="s"><v>1</v></c><c r="B3" t="s"><v>2</v></c><c r="C3" t="s"><v>3</v></c>'
            '<c r="D3" t="s"><v>4</v></c></row>']
    for r in range(4, 400):
        if r % 37 == 0:
            continue  # a gap: the row is simply absent
        cells = [f'<c r="A{r}"><v>{r}</v></c>' if not 100 <= r < 200 else "",  # parts starting in column B
                 f'<c r="B{r}" t="s"><v>{6 + r % 2}</v></c>',
                 f'<c r="C{r}"><v>{r * 1.5}</v></c>', f'<c r="D{r}" s="1"><v>{45000 + r}</v></c>']
        if r > 300:
            cells.append(f'<c r="F{r}" t="s"><v>8</v></c>')  # a column that appears only far down
        if r % 50 == 0:
            cells.append(f'<c r="E{r}" t="b"><v>1</v></c>')
        row = f'<row r="{r}">' if numbered else "<row>"
        rows.append(row + "".join(cells) + "</row>")
    sheet = (f'<?xml version="1.0" encoding="UTF-8"?><worksheet {_NS}><dimension ref="A1:F399"/><sheetData>'
             + "".join(rows) + '</sheetData><mergeCells count="1"><mergeCell ref="A1:D1"/></mergeCells></worksheet>')
    sst = (f'<?xml version="1.0" encoding="UTF-8"?><sst {_NS} count="{len(strings)}" uniqueCount="{len(strings)}">'
           + "".join(f"<si><t>{s}</t></si>" for s in strings) + "</sst>")
    styles = (f'<?xml version="1.0" encoding="UTF-8"?><styleSheet {_NS}><fonts count="1"><font/></fonts>'
              '<fills count="1"><fill/></fills><borders count="1"><border/></borders>'
              '<cellStyleXfs count="1"><xf/></cellStyleXfs><cellXfs count="2"><xf numFmtId="0"/>'
              '<xf numFmtId="14" applyNumberFormat="1"/></cellXfs></styleSheet>')
    parts = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
            'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/'
            'workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+'
            'xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-'
            'officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType='
            '"application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/><Override PartName='
            '"/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+'
            'xml"/></Types>'),
        "_rels/.rels": (
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
            f'2006/relationships"><Relationship Id="rId1" Type="{_REL}/officeDocument" Target="xl/workbook.xml"/>'
            "</Relationships>"),
        "xl/workbook.xml": (
            f'<?xml version="1.0" encoding="UTF-8"?><workbook {_NS} xmlns:r="{_REL}"><sheets><sheet name="Data" '
            'sheetId="1" r:id="rId1"/></sheets></workbook>'),
        "xl/_rels/workbook.xml.rels": (
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
            f'2006/relationships"><Relationship Id="rId1" Type="{_REL}/worksheet" Target="worksheets/sheet1.xml"/>'
            f'<Relationship Id="rId2" Type="{_REL}/sharedStrings" Target="sharedStrings.xml"/>'
            f'<Relationship Id="rId3" Type="{_REL}/styles" Target="styles.xml"/></Relationships>'),
        "xl/sharedStrings.xml": sst,
        "xl/styles.xml": styles,
        "xl/worksheets/sheet1.xml": sheet,
    }
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, text in parts.items():
            zf.writestr(name, text)


@pytest.fixture
def in_parts(monkeypatch: pytest.MonkeyPatch) -> None:
    """Treat every sheet as large and cut it into parts of a few kilobytes."""
    monkeypatch.setattr(xlsx_parallel, "PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr(xlsx_parallel, "_PART_BYTES", 4096)
    monkeypatch.setattr(xlsx_safety, "KEEP_MIN_BYTES", 0)
    xlsx_safety._checked.clear()


def _whole(path: Path, monkeypatch: pytest.MonkeyPatch) -> RawTable:
    """The RawTable read with every sheet read whole."""
    with monkeypatch.context() as patch:
        patch.setattr(xlsx_parallel, "PARALLEL_MIN_BYTES", 10**15)
        xlsx_safety._checked.clear()
        return read_excel(path)


def _same(a: RawTable, b: RawTable) -> None:
    """Two RawTables hold the same cells, dtypes, row numbers and notes."""
    assert a.headers == b.headers
    assert a.frame.equals(b.frame)
    assert [str(t) for t in a.frame.dtypes] == [str(t) for t in b.frame.dtypes]
    assert a.row_numbers.tolist() == b.row_numbers.tolist()
    assert (a.sheet, a.header_row, a.blank_rows, a.notes) == (b.sheet, b.header_row, b.blank_rows, b.notes)


@pytest.mark.parametrize("path", WORKBOOKS, ids=lambda p: p.name)
def test_workbooks_read_in_parts_equal_whole_reads(path: Path, in_parts: None,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    expected = _whole(path, monkeypatch)
    xlsx_safety._checked.clear()
    _same(read_excel(path), expected)


def test_shared_strings_gaps_and_late_columns_land_where_calamine_puts_them(tmp_path: Path, in_parts: None) -> None:
    path = tmp_path / "excel-like.xlsx"
    _shared_strings_workbook(path)
    book = CalamineWorkbook.from_path(str(path))
    whole = book.get_sheet_by_name("Data").to_python(skip_empty_area=False)
    book.close()
    parts = xlsx_parallel.read_sheet_rows(path, "xl/worksheets/sheet1.xml", "Data")
    assert parts == whole
    sheet = xlsx_parallel.large_sheet(path, "xl/worksheets/sheet1.xml", "Data")
    assert sheet is not None
    head = sheet.head(10)
    assert head is not None
    assert head.merged_cell_ranges == [((0, 0), (0, 3))]
    assert head.to_python(skip_empty_area=False)[:5] == [row[:len(head.to_python()[0])] for row in whole[:5]]


def test_excel_like_workbook_read_in_parts_equals_whole_read(tmp_path: Path, in_parts: None,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """Shared strings, a date style, absent rows, parts that start in column B and a late column."""
    path = tmp_path / "excel-like.xlsx"
    _shared_strings_workbook(path)
    expected = _whole(path, monkeypatch)
    xlsx_safety._checked.clear()
    table = read_excel(path)
    _same(table, expected)
    assert table.frame.shape[1] == 6
    assert table.frame.iloc[:, 5].notna().sum() > 0


def test_rows_without_numbers_are_read_whole(tmp_path: Path, in_parts: None, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "unnumbered.xlsx"
    _shared_strings_workbook(path, numbered=False)
    assert xlsx_parallel.read_sheet_rows(path, "xl/worksheets/sheet1.xml", "Data") is None
    expected = _whole(path, monkeypatch)
    xlsx_safety._checked.clear()
    _same(read_excel(path), expected)


@pytest.mark.parametrize("markup", ["<!-- a note -->", "<![CDATA[late]]>"], ids=["comment", "cdata"])
def test_sheets_with_comments_or_cdata_are_flagged_by_the_scan_and_read_whole(
    tmp_path: Path, in_parts: None, monkeypatch: pytest.MonkeyPatch, markup: str,
) -> None:
    """The safety scan notes a CDATA section or comment in a sheet (the parts reader then declines to cut
    it, exactly as when it searched the XML itself), and the table equals the whole read."""
    path = tmp_path / "markup.xlsx"
    _shared_strings_workbook(path)
    with zipfile.ZipFile(path) as src:
        parts = {i.filename: src.read(i.filename) for i in src.infolist()}
    member = "xl/worksheets/sheet1.xml"
    if "CDATA" in markup:
        parts[member] = parts[member].replace(b'<c r="A5"><v>5</v></c>', b'<c r="A5" t="inlineStr"><is><t>'
                                              + markup.encode() + b"</t></is></c>", 1)
    else:
        parts[member] = parts[member].replace(b'<row r="7">', markup.encode() + b'<row r="7">', 1)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for name, data in parts.items():
            dst.writestr(name, data)
    xlsx_safety._checked.clear()
    info = xlsx_safety.check_xlsx(path)
    assert info.unusual_parts == frozenset({member})
    assert xlsx_parallel.large_sheet(path, member, "Data", None, True).pieces() is None  # type: ignore[union-attr]
    assert xlsx_parallel.large_sheet(path, member, "Data").pieces() is None  # type: ignore[union-attr]
    expected = _whole(path, monkeypatch)
    xlsx_safety._checked.clear()
    _same(read_excel(path), expected)
    plain = tmp_path / "plain.xlsx"
    _shared_strings_workbook(plain)
    assert xlsx_safety.check_xlsx(plain).unusual_parts == frozenset()


@pytest.mark.parametrize("path", WORKBOOKS, ids=lambda p: p.name)
def test_part_copies_without_merged_ranges_read_the_same_cells(path: Path, in_parts: None) -> None:
    """The empty ``<mergeCells>`` put before the rows of a part copy (so that calamine does not read the
    rows twice looking for merged ranges) changes no cell: each sheet, copied whole both ways, reads the same
    rows from the same start, and only the merged ranges differ."""
    info = xlsx_safety.check_xlsx(path)
    for name, member in info.sheet_parts.items():
        sheet = xlsx_parallel.large_sheet(path, member, name)
        assert sheet is not None
        found = sheet._sheet_xml()
        if found is None:
            continue
        _, start, end = found
        plain = xlsx_parallel._parse_copy(sheet._copies([start, end])[0], name)
        quick = xlsx_parallel._parse_copy(sheet._copies([start, end], merges=False)[0], name)
        assert quick == plain
        book = CalamineWorkbook.from_filelike(sheet._copies([start, end], merges=False)[0]())
        assert book.get_sheet_by_name(name).merged_cell_ranges == []
        book.close()


def test_part_copies_in_temporary_files_are_removed(tmp_path: Path, in_parts: None,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """Part copies are written to a private temporary folder and nothing of it is left, whether the parts
    are all read, read through ``rows()``, or the reader stops after the first part."""
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    path = tmp_path / "excel-like.xlsx"
    _shared_strings_workbook(path)
    assert read_excel(path).frame.shape[0] > 300
    assert list(scratch.iterdir()) == []
    member = "xl/worksheets/sheet1.xml"
    assert xlsx_parallel.read_sheet_rows(path, member, "Data")
    assert list(scratch.iterdir()) == []
    sheet = xlsx_parallel.large_sheet(path, member, "Data")
    assert sheet is not None
    pieces = sheet.pieces()
    assert pieces is not None
    next(pieces)
    assert len(list(scratch.iterdir())) == 1  # the folder of part copies, while parts are read
    pieces.close()  # type: ignore[attr-defined]
    assert list(scratch.iterdir()) == []


def test_parts_stay_in_memory_without_a_temporary_folder(tmp_path: Path, in_parts: None,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """Where no temporary folder can be made, the part copies are kept in memory and the table is the same."""
    path = tmp_path / "excel-like.xlsx"
    _shared_strings_workbook(path)
    expected = _whole(path, monkeypatch)

    def refuse(*args: object, **kwargs: object) -> str:
        raise PermissionError("read-only temporary folder")

    monkeypatch.setattr(tempfile, "mkdtemp", refuse)
    xlsx_safety._checked.clear()
    _same(read_excel(path), expected)
