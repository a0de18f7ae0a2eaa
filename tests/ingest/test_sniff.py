"""Format detection: by content, not name; a clear one-sentence error for everything procrisk cannot read."""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import pytest

from procrisk.errors import InputFileError
from procrisk.ingest.sniff import detect_format

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
HERE = FIXTURES / "ingest"
REAL = FIXTURES / "real"


@pytest.mark.parametrize(
    "name",
    ["csv_semicolon-cp1252.csv", "csv_utf16-tab.tsv", "csv_utf8-bom.csv", "csv_title-lines.csv",
     "csv_embedded-newlines.csv"],
)
def test_text_tables_are_csv(name: str) -> None:
    """CSV and TSV files in any of the supported encodings are "csv"."""
    assert detect_format(HERE / name) == "csv"


def test_real_csv_files_are_csv() -> None:
    """The real published CSV files are recognised."""
    for path in (REAL / "tabular").glob("*.csv"):
        assert detect_format(path) == "csv", path.name


@pytest.mark.parametrize("name", ["excel_title-rows-merged-header.xlsx", "excel_macro-enabled.xlsm"])
def test_workbooks_are_xlsx(name: str) -> None:
    """XLSX and XLSM workbooks are "xlsx"."""
    assert detect_format(HERE / name) == "xlsx"


def test_a_bracketed_title_is_not_json(tmp_path: Path) -> None:
    """A CSV whose title line starts with "[" is still a CSV; JSON Lines starting with "{" is OCDS."""
    titled = tmp_path / "register.csv"
    titled.write_text("[Draft] Contract register\nID,Supplier\n1,Acme\n", encoding="utf-8")
    assert detect_format(titled) == "csv"
    lines = tmp_path / "releases.txt"
    lines.write_text('{"ocid": "ocds-1", "id": "1"}\n', encoding="utf-8")
    assert detect_format(lines) == "ocds"


def test_content_wins_over_the_extension(tmp_path: Path) -> None:
    """A tab-separated file saved as .xls is a CSV; a workbook renamed .dat or .txt is still a workbook."""
    fake_xls = tmp_path / "export.xls"
    fake_xls.write_text("ID\tSupplier\n1\tAcme\n", encoding="utf-8")
    assert detect_format(fake_xls) == "csv"
    renamed = tmp_path / "register.dat"
    shutil.copy(HERE / "excel_two-row-header.xlsx", renamed)
    assert detect_format(renamed) == "xlsx"
    text = tmp_path / "table.txt"
    text.write_text("a;b\n1;2\n", encoding="utf-8")
    assert detect_format(text) == "csv"


def test_ocds_files_and_folders(tmp_path: Path) -> None:
    """OCDS JSON, JSON Lines, gzip-compressed JSON and a folder of JSON files are "ocds"."""
    package = REAL / "ocds" / "uganda-ppda_release-package.json"
    assert detect_format(package) == "ocds"
    assert detect_format(REAL / "ocds" / "mexico-gacm_releases.jsonl") == "ocds"
    folder = next(p for p in (REAL / "ocds").iterdir() if p.is_dir())
    assert detect_format(folder) == "ocds"
    compressed = tmp_path / "package.json.gz"
    compressed.write_bytes(gzip.compress(package.read_bytes(), mtime=0))
    assert detect_format(compressed) == "ocds"
    plain_gz = tmp_path / "data.gz"
    plain_gz.write_bytes(gzip.compress(b'{"releases": []}', mtime=0))
    assert detect_format(plain_gz) == "ocds"


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("excel_legacy.xls", ["excel_legacy.xls", ".xls", "save it as .xlsx"]),
        ("excel_encrypted.xlsx", ["excel_encrypted.xlsx", "password"]),
        ("excel_opendocument.ods", ["excel_opendocument.ods", ".ods", "save it as .xlsx"]),
        ("csv_empty.csv", ["csv_empty.csv", "empty"]),
        ("excel_not-a-zip.xlsx", ["excel_not-a-zip.xlsx", "not an .xlsx file", "save it as .xlsx"]),
    ],
)
def test_unreadable_files_get_a_clear_message(name: str, words: list[str]) -> None:
    """Legacy, encrypted, OpenDocument, empty and damaged files raise InputFileError naming file and fix."""
    with pytest.raises(InputFileError) as caught:
        detect_format(HERE / name)
    message = str(caught.value)
    assert "\n" not in message
    for word in words:
        assert word in message


def test_ods_is_rejected_by_content_too(tmp_path: Path) -> None:
    """An OpenDocument spreadsheet renamed .xlsx is still recognised and rejected."""
    renamed = tmp_path / "budget.xlsx"
    shutil.copy(HERE / "excel_opendocument.ods", renamed)
    with pytest.raises(InputFileError, match=r"OpenDocument"):
        detect_format(renamed)


@pytest.mark.parametrize(
    ("content", "name", "pattern"),
    [
        (b"<!DOCTYPE html><html><body><table><tr><td>1</td></tr></table>", "report.xls", r"web page"),
        (b"%PDF-1.7\n...", "register.pdf", r"PDF"),
        (b"\x00\x01\x02\x03binary\x00\x00\xff", "blob.bin", r"binary"),
        (b"PK\x03\x04" + b"\x00" * 40, "broken.zip", r"zip"),
    ],
)
def test_other_formats_are_refused(tmp_path: Path, content: bytes, name: str, pattern: str) -> None:
    """HTML saved as .xls, PDFs, binary data and damaged zips are refused with a reason."""
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(InputFileError, match=pattern) as caught:
        detect_format(path)
    assert name in str(caught.value)


def test_a_zip_that_is_not_a_workbook(tmp_path: Path) -> None:
    """A zip archive of other files is not taken for a workbook."""
    import zipfile

    path = tmp_path / "bundle.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("notes.txt", "hello")
    with pytest.raises(InputFileError, match=r"zip archive, not an .xlsx"):
        detect_format(path)


def test_missing_paths_and_folders_without_json(tmp_path: Path) -> None:
    """A missing path and a folder holding no OCDS files are errors that name the path."""
    with pytest.raises(InputFileError, match=r"not found"):
        detect_format(tmp_path / "nope.csv")
    (tmp_path / "readme.txt").write_text("hi")
    with pytest.raises(InputFileError, match=r"no \.json"):
        detect_format(tmp_path)
