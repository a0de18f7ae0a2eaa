"""Reproducible and verifiable: the same inputs give the same content; verify says matches or lists changes."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from openpyxl import load_workbook

from procrisk.api import analyse, ingest_file
from procrisk.report import Filters, report_data, verify, write_report
from procrisk.report.digest import make_payload
from procrisk.rules import default_rules_dirs


@pytest.mark.parametrize(("name", "fmt"), [("report.xlsx", None), ("report.pdf", None), ("export", "csv")])
def test_unchanged_workspace_matches(scored_copy, tmp_path, name, fmt) -> None:
    path = tmp_path / name
    write_report(report_data(scored_copy, filters=Filters(bands=("critical", "high"))), path, fmt)
    result = verify(path, scored_copy)
    assert result.matches, result.differences
    assert result.differences == []
    assert result.summary.startswith("matches")


def test_a_new_run_on_the_same_inputs_gives_the_same_content(scored_copy) -> None:
    first = make_payload(report_data(scored_copy), "xlsx")
    analyse(scored_copy, as_of="2025-06-30")
    second_data = report_data(scored_copy)
    second = make_payload(second_data, "xlsx")
    assert second["run"]["run_id"] != first["run"]["run_id"]
    assert second["digest"] == first["digest"]


def test_changed_workspace_lists_what_differs(scored_copy, tmp_path, extra_register) -> None:
    path = tmp_path / "report.xlsx"
    write_report(report_data(scored_copy), path)
    added = ingest_file(extra_register, workspace=scored_copy, table="contracts").batch
    result = verify(path, scored_copy)
    assert not result.matches
    assert f"batch {added['batch_id']} added (file more.csv)" in result.differences
    assert "contract CR-90: added" in result.differences
    assert any(d.startswith("contracts: 37 -> 39") for d in result.differences)
    assert result.summary.startswith("differs")


def test_an_edited_workbook_is_found(scored_copy, tmp_path) -> None:
    path = tmp_path / "report.xlsx"
    data = report_data(scored_copy)
    write_report(data, path)
    book = load_workbook(path)
    book["Contracts"]["N2"] = 1.0  # the Score of the first contract
    book.save(path)
    result = verify(path, scored_copy)
    assert not result.matches
    key = data.contracts["key"].iloc[0]
    assert result.differences == [f"sheet Contracts row 2 ({key}): score 1.0 in the file, "
                                  f"{round(data.contracts['score'].iloc[0], 2):.1f} when written"]


def test_a_changed_rule_is_named(scored_copy, tmp_path) -> None:
    rules = tmp_path / "rules"
    shutil.copytree(default_rules_dirs()[0], rules)
    analyse(scored_copy, rules=rules, as_of="2025-06-30")
    path = tmp_path / "report.pdf"
    write_report(report_data(scored_copy), path)
    rule_file = next(rules.rglob("RC01_*.yaml"))
    rule_file.write_text(rule_file.read_text().replace("version: 1", "version: 2"))
    result = verify(path, scored_copy)
    assert not result.matches
    assert "rule RC01 version 1 -> 2" in result.differences
    assert any(d.startswith("rule catalogue changed") for d in result.differences)


def test_verify_uses_the_recorded_settings(scored_copy, tmp_path) -> None:
    settings = tmp_path / "settings.yaml"
    settings.write_text("jurisdiction: Test County\nbands: {medium: 10, high: 30, critical: 35}\n"
                        "rules: {RC01: {weight: 2}}\n")
    analyse(scored_copy, settings=settings, as_of="2025-06-30")
    path = tmp_path / "report.xlsx"
    data = report_data(scored_copy)
    assert data.jurisdiction == "Test County"
    write_report(data, path)
    result = verify(path, scored_copy)
    assert result.matches, result.differences


def test_not_a_report(tmp_path) -> None:
    from procrisk.errors import UsageError

    path = Path(tmp_path / "x.txt")
    path.write_text("hello")
    with pytest.raises(UsageError, match="not a procrisk report"):
        verify(path, tmp_path)
