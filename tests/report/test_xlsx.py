"""The Excel evidence pack: every sheet's content, formats, safety, determinism, and a clean LibreOffice open."""

from __future__ import annotations

import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook

from procrisk.report import write_report
from procrisk.report import xlsx as xlsx_module
from procrisk.safety import FORMULA_PREFIXES

SHEETS = ["Summary", "Contracts", "Findings", "Suppliers", "Not assessed", "Rules", "Data quality", "Run manifest",
          "_verify"]


@pytest.fixture(scope="module")
def workbook_path(data, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("xlsx") / "report.xlsx"
    write_report(data, path)
    return path


@pytest.fixture(scope="module")
def book(workbook_path):
    return load_workbook(workbook_path)


def rows(ws) -> list[list]:
    return [list(r) for r in ws.iter_rows(values_only=True)]


def table(ws, header_row: int = 1) -> list[dict]:
    values = rows(ws)
    header = values[header_row - 1]
    return [dict(zip(header, r, strict=False)) for r in values[header_row:] if any(x is not None for x in r)]


def labelled(ws) -> dict:
    return {r[0]: r[1] for r in rows(ws) if r and r[0] is not None}


def test_sheets_in_order_with_the_verification_record_hidden(book) -> None:
    assert book.sheetnames == SHEETS
    assert book["_verify"].sheet_state == "hidden"
    assert all(book[name].sheet_state == "visible" for name in SHEETS[:-1])


def test_summary_has_key_figures_bands_charts_and_top_exposures(book, data) -> None:
    ws = book["Summary"]
    figures = labelled(ws)
    assert figures["Contracts in scope"] == len(data.contracts)
    assert figures["Findings (flagged contract-rule pairs)"] == len(data.findings)
    assert figures["Contracts banded critical"] == int((data.contracts["band"] == "critical").sum())
    assert "A flag is a reason to review, not proof" in ws["A4"].value
    assert len(ws._charts) == 2
    text = [str(v) for r in rows(ws) for v in r if v is not None]
    assert "Top 10 contracts by exposure" in text
    assert data.contracts["key"].iloc[0] in text


def test_contracts_sheet(book, data) -> None:
    ws = book["Contracts"]
    records = table(ws)
    assert len(records) == len(data.contracts)
    assert [r["Rank"] for r in records] == sorted(r["Rank"] for r in records)
    first = data.contracts.iloc[0]
    assert records[0]["Contract"] == first["key"]
    assert records[0]["Score"] == pytest.approx(first["score"])
    assert records[0]["Band"] == first["band"]
    assert records[0]["Top reasons"] == first["top_reasons"]
    assert ws.freeze_panes == "C2"
    assert ws.auto_filter.ref == f"A1:Z{len(records) + 1}"
    header = rows(ws)[0]
    formats = {h: ws.cell(row=2, column=i + 1).number_format for i, h in enumerate(header)}
    assert formats["Score"] == "0.0"
    assert formats["Coverage"] == "0%"
    assert formats["Award value"] == "#,##0.00"
    assert formats["Award date"] == "yyyy-mm-dd"
    bands = [rule.formula for cf in ws.conditional_formatting for rule in cf.rules]
    assert ['"critical"'] in bands and ['"low"'] in bands


def test_findings_sheet_has_one_row_per_finding_with_evidence_citation_and_action(book, data) -> None:
    records = table(book["Findings"])
    assert len(records) == len(data.findings)
    assert {r["Rule"] for r in records} == set(data.findings["rule_code"])
    for r in records:
        assert r["Explanation"] and r["Evidence (raw values)"] and r["Citation"] and r["Recommended action"]
    assert any(r["Rule"] == "DD02" and "debarred: yes" in r["Evidence (raw values)"] for r in records)
    assert all(r["Citation"].startswith("OSCE Model Guidelines (2018)") for r in records)


def test_suppliers_not_assessed_rules_and_data_quality_sheets(book, data, scored) -> None:
    suppliers = table(book["Suppliers"])
    assert len(suppliers) == len(data.suppliers)
    assert {r["Supplier ID"] for r in suppliers} == set(data.suppliers["supplier_id"])
    gaps = table(book["Not assessed"], header_row=2)
    assert any(r["Rule"] == "RC01" for r in gaps)
    text = " ".join(str(v) for r in rows(book["Not assessed"]) for v in r if v)
    assert "Fields to collect first" in text and "recruitment_fee_payer" in text
    rules = table(book["Rules"])
    assert len(rules) == len(data.rules)
    rc01 = next(r for r in rules if r["Rule"] == "RC01")
    assert rc01["Weight used"] == 5 and "FAR 52.222-50" in rc01["Citation"]
    quality = [str(v) for r in rows(book["Data quality"]) for v in r if v is not None]
    assert "register.csv" in quality and "Atlantis" in " ".join(quality)


def test_run_manifest_names_inputs_rules_settings_reference_and_version(book, data) -> None:
    manifest = labelled(book["Run manifest"])
    catalogue = data.manifest["catalogue"]
    assert manifest["Catalogue hash (sha256 of the rule files)"] == catalogue["catalogue_hash"]
    assert manifest["Run id"] == data.run_id
    assert manifest["Reference date (as of)"] == "2025-06-30"
    assert manifest["settings.bands.critical"] == 60
    assert manifest["Written by"].startswith("procrisk ")
    assert "RC01 v1" in manifest["Rule versions"]
    text = [str(v) for r in rows(book["Run manifest"]) for v in r if v is not None]
    for batch in data.manifest["batches"]:
        assert batch["source_sha256"] in text
    assert "tip_tiers" in text


def test_no_cell_can_run_as_a_formula(book) -> None:
    hostile = 0
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{ws.title}!{cell.coordinate} is a formula"
                if isinstance(cell.value, str):
                    assert not cell.value.startswith(FORMULA_PREFIXES), f"{ws.title}!{cell.coordinate}: {cell.value!r}"
                    hostile += cell.value.startswith(("'=", "'@", "'-", "'+"))
    assert hostile > 0
    names = {r["Supplier"] for r in table(book["Suppliers"])}
    assert {"'=HYPERLINK(\"http://example.invalid/x\")", "'@SUM(1)", "'-2+3", "'+1+2 Trading"} <= names


def test_plain_xlsx_without_macros_or_external_links(workbook_path) -> None:
    names = zipfile.ZipFile(workbook_path).namelist()
    assert not any(n.startswith("xl/externalLinks/") or "vbaProject" in n for n in names)
    types = zipfile.ZipFile(workbook_path).read("[Content_Types].xml").decode()
    assert "macroEnabled" not in types and "externalLink" not in types


def test_every_xml_part_is_well_formed(workbook_path) -> None:
    import xml.etree.ElementTree as ET

    archive = zipfile.ZipFile(workbook_path)
    for name in archive.namelist():
        if name.endswith((".xml", ".rels")):
            ET.fromstring(archive.read(name))  # raises on malformed XML
    assert "xl/sharedStrings.xml" in archive.namelist()


def test_same_data_same_bytes(data, tmp_path, workbook_path) -> None:
    again = tmp_path / "again.xlsx"
    write_report(data, again)
    assert again.read_bytes() == workbook_path.read_bytes()
    core = zipfile.ZipFile(again).read("docProps/core.xml").decode()
    assert data.created_at[:19].replace("+00:00", "") in core


def test_text_survives_xml_escaping(book) -> None:
    names = {r["Supplier"] for r in table(book["Suppliers"])}
    assert "Zakład Łódź <b>& Søn</b>" in names


def test_findings_continue_on_more_sheets_past_the_row_limit(data, tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(xlsx_module, "MAX_ROWS", 101)
    path = tmp_path / "split.xlsx"
    write_report(data, path)
    wb = load_workbook(path, read_only=True)
    parts = [n for n in wb.sheetnames if n.startswith("Findings")]
    assert parts[:2] == ["Findings", "Findings 2"]
    assert sum(wb[n].max_row - 1 for n in parts) == len(data.findings)


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice not installed (scripts/ci-report-deps.sh)")
def test_libreoffice_opens_every_sheet(workbook_path, data, tmp_path) -> None:
    out = tmp_path / "lo"
    done = subprocess.run(
        ["soffice", "--headless", f"-env:UserInstallation=file://{tmp_path / 'profile'}", "--convert-to",
         "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1", "--outdir", str(out),
         str(workbook_path)], capture_output=True, text=True, timeout=180, check=False)
    assert done.returncode == 0, done.stderr
    written = {p.name for p in out.glob("*.csv")}
    assert written == {f"report-{name}.csv" for name in SHEETS}
    contracts = (out / "report-Contracts.csv").read_text(encoding="utf-8").splitlines()
    assert len(contracts) == len(data.contracts) + 1
    assert contracts[0].startswith("Rank,Contract,")
