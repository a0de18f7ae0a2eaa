"""CSV and Parquet exports: the three tables, neutralised CSV cells, raw Parquet values, a side-car manifest."""

from __future__ import annotations

import csv
import json

import pandas as pd
import pytest

from procrisk.errors import UsageError
from procrisk.report import write_report
from procrisk.report.tabular import changed_files, read_sidecar
from procrisk.safety import FORMULA_PREFIXES


def test_csv_export(data, tmp_path) -> None:
    out = tmp_path / "export"
    written = write_report(data, out, "csv")
    assert sorted(p.name for p in written.files) == ["contracts.csv", "findings.csv", "manifest.json", "suppliers.csv"]
    with (out / "findings.csv").open(encoding="utf-8", newline="") as fh:
        findings = list(csv.DictReader(fh))
    assert len(findings) == len(data.findings)
    assert {"key", "rule_code", "explanation", "evidence", "citation", "action"} <= set(findings[0])
    with (out / "suppliers.csv").open(encoding="utf-8", newline="") as fh:
        names = [r["supplier_name"] for r in csv.DictReader(fh)]
    assert "'=HYPERLINK(\"http://example.invalid/x\")" in names and "'@SUM(1)" in names and "'-2+3" in names
    for name in ("contracts.csv", "findings.csv", "suppliers.csv"):
        with (out / name).open(encoding="utf-8", newline="") as fh:
            for row in csv.reader(fh):
                assert not any(cell.startswith(FORMULA_PREFIXES) for cell in row), (name, row)
    sidecar = json.loads((out / "manifest.json").read_text())
    assert sidecar["digest"] == written.digest
    assert set(sidecar["files"]) == {"contracts.csv", "findings.csv", "suppliers.csv"}


def test_parquet_export_keeps_raw_typed_values(data, tmp_path) -> None:
    out = tmp_path / "export"
    write_report(data, out, "parquet")
    suppliers = pd.read_parquet(out / "suppliers.parquet")
    assert '=HYPERLINK("http://example.invalid/x")' in set(suppliers["supplier_name"])
    contracts = pd.read_parquet(out / "contracts.parquet")
    assert len(contracts) == len(data.contracts)
    assert contracts["score"].dtype == "float64"
    assert len(pd.read_parquet(out / "findings.parquet")) == len(data.findings)


def test_an_edited_export_file_is_found(data, tmp_path) -> None:
    out = tmp_path / "export"
    write_report(data, out, "csv")
    payload, folder = read_sidecar(out / "contracts.csv")
    assert changed_files(payload, folder) == []
    (out / "contracts.csv").write_text((out / "contracts.csv").read_text().replace("critical", "low"))
    assert changed_files(payload, folder) == ["file contracts.csv was changed after procrisk wrote it (sha256 differs)"]


def test_csv_output_must_be_a_folder(data, tmp_path) -> None:
    with pytest.raises(UsageError, match="folder"):
        write_report(data, tmp_path / "scores.csv", "csv")
