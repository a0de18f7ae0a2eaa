"""The report package's front door: formats from names, bytes for download buttons, notes on stale runs."""

from __future__ import annotations

import io
import zipfile

import pytest

from procrisk.api import ingest_file
from procrisk.errors import UsageError
from procrisk.report import format_of, render, report_data


@pytest.mark.parametrize(("out", "fmt", "expected"), [("a.xlsx", None, "xlsx"), ("a.PDF", None, "pdf"),
                                                      ("folder", "csv", "csv"), ("a.xlsx", "parquet", "parquet")])
def test_format_of(out, fmt, expected) -> None:
    assert format_of(out, fmt) == expected


def test_format_must_be_known(tmp_path) -> None:
    with pytest.raises(UsageError, match="--format"):
        format_of(tmp_path / "report.txt", None)
    with pytest.raises(UsageError, match="unknown report format"):
        format_of("x", "docx")


def test_render_gives_bytes_for_each_format(data) -> None:
    assert render(data, "xlsx")[:2] == b"PK"
    assert render(data, "pdf")[:4] == b"%PDF"
    names = zipfile.ZipFile(io.BytesIO(render(data, "csv"))).namelist()
    assert sorted(names) == ["procrisk-report/contracts.csv", "procrisk-report/findings.csv",
                             "procrisk-report/manifest.json", "procrisk-report/suppliers.csv"]


def test_a_report_on_a_run_older_than_the_data_says_so(scored_copy, extra_register) -> None:
    ingest_file(extra_register, workspace=scored_copy, table="contracts")
    notes = report_data(scored_copy).notes
    assert any("changed after this scoring run" in n and "more.csv" in n for n in notes)
