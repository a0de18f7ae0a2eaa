"""The ingest side of the CLI, as a user drives it: summaries, issues, mapping files, status, errors."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from helpers import REAL
from procrisk.cli import main
from procrisk.store import Workspace


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """Run the real entry point; return (exit code, stdout, stderr)."""
    try:
        main([str(a) for a in args])
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    out = capsys.readouterr()
    return code, out.out, out.err


REGISTER = """\
Contract reference,Title,Supplier,Supplier country,Award value,Currency,Award date,CPV code,Procedure,Number of bids
CR-1,Office cleaning,Acme Cleaning Ltd,United Kingdom,"12,000.50",GBP,03/04/2024,90910000-9,Open,1
CR-2,Uniforms,Brightstar Textiles,Bangladesh,TBC,GBP,05/04/2024,18110000-3,Direct award,1
CR-3,Laptops,Comptech GmbH; Datavolt BV,Allemagne,"1,500.00",EUR,17/04/2024,30213100-6,Restricted,4
CR-4,Security guarding,Guardwell Services,Atlantis,900,GBP,21/04/2024,79710000,Open,2
,,,,"14,400.50",,,,,
"""


@pytest.fixture
def register(tmp_path: Path) -> Path:
    path = tmp_path / "register.csv"
    path.write_text(REGISTER, encoding="utf-8")
    return path


def test_ingest_prints_a_summary_and_stores_every_row_or_quarantines_it(capsys, workspace, register) -> None:
    code, out, err = run(capsys, "--workspace", workspace, "ingest", register)
    assert code == 0, err
    assert "register.csv: 5 rows read, 4 stored, 1 quarantined" in out
    assert "row 3, column Award value" in out  # the CSV line of CR-2, the header being line 1
    contracts = Workspace(workspace).read_table("contracts")
    assert sorted(contracts["contract_id"].unique()) == ["CR-1", "CR-2", "CR-3", "CR-4"]
    assert pd.isna(contracts.loc[contracts["contract_id"] == "CR-2", "award_value"].iloc[0])  # "TBC": kept, empty
    split = contracts[contracts["contract_id"] == "CR-3"]
    assert sorted(split["supplier_name"]) == ["Comptech GmbH", "Datavolt BV"]  # two suppliers in one cell
    assert set(split["supplier_country"]) == {"DE"}
    cr1 = contracts[contracts["contract_id"] == "CR-1"].iloc[0]
    assert cr1["award_value"] == pytest.approx(12000.5)
    assert cr1["award_date"] == pd.Timestamp("2024-04-03")
    assert cr1["classification_code"] == "90910000-9"
    assert cr1["cpv_division"] == "90"
    cr4 = contracts[contracts["contract_id"] == "CR-4"].iloc[0]
    assert pd.isna(cr4["supplier_country"])  # "Atlantis": unknown, kept empty with a warning
    assert cr4["classification_code"] == "79710000-4"  # check digit added
    quarantine = Workspace(workspace).read_quarantine()
    assert quarantine["source_row"].tolist() == [6]  # the totals row
    assert "totals" in quarantine["reasons"].iloc[0]


def test_identical_reingest_is_a_no_op_and_replace_supersedes(capsys, workspace, register) -> None:
    run(capsys, "--workspace", workspace, "ingest", register)
    code, out, _ = run(capsys, "--workspace", workspace, "ingest", register)
    assert code == 0
    assert "already ingested as batch" in out
    assert len(Workspace(workspace).batches()) == 1
    code, out, _ = run(capsys, "--workspace", workspace, "ingest", "--replace", register)
    assert code == 0
    batches = Workspace(workspace).batches(include_superseded=True)
    assert len(batches) == 2 and batches[0]["superseded_by"] == batches[1]["batch_id"]


def test_validate_stores_nothing_and_exits_1_on_errors(capsys, workspace, register, tmp_path) -> None:
    issues_csv = tmp_path / "issues.csv"
    code, out, _ = run(capsys, "--workspace", workspace, "validate", register, "--issues-csv", issues_csv)
    assert code == 1
    assert "1 errors" in out and "would be stored" in out
    assert not Workspace(workspace).exists
    issues = pd.read_csv(issues_csv)
    assert {"source_file", "source_row", "column", "value", "problem", "fix", "severity"} <= set(issues.columns)
    assert (issues["value"] == "Atlantis").any()


def test_mapping_suggest_writes_an_editable_file_that_ingest_uses(capsys, workspace, register, tmp_path) -> None:
    mapping = tmp_path / "mapping.yaml"
    code, _, _ = run(capsys, "mapping", "suggest", register, "--out", mapping)
    assert code == 0 and mapping.exists()
    text = mapping.read_text()
    assert "Supplier: supplier_name" in text and "confidence" in text
    mapping.write_text(text.replace("Title: title", "Title: description"))
    code, _, err = run(capsys, "--workspace", workspace, "ingest", register, "--mapping", mapping)
    assert code == 0, err
    contracts = Workspace(workspace).read_table("contracts")
    assert "Office cleaning" in set(contracts["description"])
    recorded = Workspace(workspace).batches()[0]["mapping"]
    assert recorded["columns"]["Title"] == "description"


def test_user_errors_are_one_line_and_exit_1(capsys, workspace, tmp_path) -> None:
    code, out, err = run(capsys, "--workspace", workspace, "ingest", tmp_path / "missing.xlsx")
    assert code == 1
    assert err.startswith("error: ") and "missing.xlsx" in err and "Traceback" not in err + out
    bad_mapping = tmp_path / "m.yaml"
    bad_mapping.write_text("table: contracts\ncolumns: {Title: titel}\n")
    (tmp_path / "r.csv").write_text("Title\nx\n")
    code, _, err = run(capsys, "--workspace", workspace, "ingest", tmp_path / "r.csv", "--mapping", bad_mapping)
    assert code == 1 and "did you mean 'title'" in err
    code, _, err = run(capsys, "--workspace", tmp_path / "nowhere", "status")
    assert code == 1 and "no workspace" in err


def test_status_lists_batches_and_counts(capsys, workspace, register) -> None:
    run(capsys, "--workspace", workspace, "ingest", register)
    code, out, _ = run(capsys, "--workspace", workspace, "status")
    assert code == 0
    assert "contracts: 5 rows" in out  # CR-3 split into two supplier rows
    assert "quarantined rows: 1" in out


def test_toronto_register_ingests_with_every_row_accounted_for(capsys, workspace) -> None:
    path = REAL / "tabular" / "toronto-bids-awarded-contracts.csv"
    code, _, err = run(capsys, "--workspace", workspace, "ingest", path)
    assert code == 0, err
    entry = Workspace(workspace).batches()[0]
    assert entry["rows_read"] == 707
    assert entry["rows_read"] == entry["rows_stored"] + entry["rows_quarantined"]


def test_usaspending_subawards_ingest_with_naics_codes_kept(capsys, workspace) -> None:
    path = REAL / "tabular" / "usaspending-dhs-ice-contract-subawards.csv"
    code, _, err = run(capsys, "--workspace", workspace, "ingest", path)
    assert code == 0, err
    entry = Workspace(workspace).batches()[0]
    assert entry["rows_read"] == 175 == entry["rows_stored"] + entry["rows_quarantined"]
    contracts = Workspace(workspace).read_table("contracts")
    assert contracts["classification_code"].str.fullmatch(r"\d{6}").fillna(False).any()
    assert json.loads(contracts["extras"].dropna().iloc[0])  # unmapped columns kept as extras
