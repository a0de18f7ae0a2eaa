"""The workspace commits batches atomically, keeps writers apart and reads back what it stored."""

from __future__ import annotations

import json
import multiprocessing
import time
from pathlib import Path

import pandas as pd
import pytest

from procrisk.errors import WorkspaceError
from procrisk.store import Batch, Workspace


def _batch(n: int = 3, name: str = "register.csv", sha: str = "a" * 64) -> Batch:
    contracts = pd.DataFrame({
        "contract_id": [f"C{i}" for i in range(n)],
        "award_value": pd.array([100.0 * i for i in range(n)], dtype="Float64"),
        "number_of_tenderers": pd.array([1] * n, dtype="Int64"),
        "has_anti_trafficking_clause": pd.array([True, None, False][:n] + [None] * max(0, n - 3), dtype="boolean"),
        "award_date": pd.to_datetime(["2024-01-02"] * n),
        "subcontractors": [["Acme Ltd", "Beta GmbH"]] + [None] * (n - 1),
        "source_file": name,
        "source_row": pd.array(range(2, n + 2), dtype="Int64"),
    })
    issues = pd.DataFrame([{"source_file": name, "source_sheet": "", "source_row": 5, "column": "Value",
                            "value": "TBC", "problem": "not a number", "fix": "type the amount",
                            "severity": "error", "table": "contracts", "code": "number.unparseable"}])
    quarantine = pd.DataFrame([{"source_file": name, "source_sheet": "", "source_row": 5, "table": "contracts",
                                "reasons": "Value: not a number", "cells": '{"Value": "TBC"}'}])
    return Batch(source_file=name, source_sha256=sha, source_kind="csv", tables={"contracts": contracts},
                 quarantine=quarantine, issues=issues, rows_read=n + 1, rows_stored=n, rows_quarantined=1,
                 mapping={"table": "contracts"}, notes=[])


def test_commit_then_read_round_trips_types_and_nulls(workspace: Path) -> None:
    ws = Workspace(workspace)
    entry = ws.commit_batch(_batch())
    assert entry["rows_read"] == entry["rows_stored"] + entry["rows_quarantined"]
    df = ws.read_table("contracts")
    assert list(df["contract_id"]) == ["C0", "C1", "C2"]
    assert df["has_anti_trafficking_clause"].isna().tolist() == [False, True, False]  # unknown stays unknown
    assert df["award_date"].iloc[0] == pd.Timestamp("2024-01-02")
    assert list(df["subcontractors"].iloc[0]) == ["Acme Ltd", "Beta GmbH"]
    assert set(df["batch_id"]) == {entry["batch_id"]}
    assert ws.read_issues()["code"].tolist() == ["number.unparseable"]
    assert ws.read_quarantine()["reasons"].tolist() == ["Value: not a number"]


@pytest.mark.parametrize("workers", ["1", "2"])
def test_files_written_side_by_side_are_those_written_in_turn(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                              workers: str) -> None:
    """A batch of two tables gives the same files, byte for byte, whether they are written by threads side by
    side or one after the other (workers 1)."""
    batch = _batch(5)
    batch.tables["suppliers"] = pd.DataFrame({"supplier_id": ["S1", "S2"], "supplier_name": ["Acme", "Beta"],
                                              "source_row": pd.array([2, 3], dtype="Int64")})
    files = []
    for setting in ("1", workers):
        monkeypatch.setenv("PROCRISK_WORKERS", setting)
        ws = Workspace(tmp_path / f"ws-{len(files)}")
        ws.commit_batch(batch)
        files.append({p.relative_to(ws.path): p.read_bytes() for p in sorted(ws.path.rglob("*.parquet"))})
    assert len(files[0]) == 4
    assert files[1] == files[0]


def test_replace_supersedes_the_earlier_batch_of_the_same_file(workspace: Path) -> None:
    ws = Workspace(workspace)
    first = ws.commit_batch(_batch(3))
    second = ws.commit_batch(_batch(2, sha="b" * 64), replace=True)
    assert [b["batch_id"] for b in ws.batches()] == [second["batch_id"]]
    assert len(ws.read_table("contracts")) == 2
    assert ws.batches(include_superseded=True)[0]["superseded_by"] == second["batch_id"]
    assert first["batch_id"] != second["batch_id"]


def test_find_source_recognises_an_identical_file_and_mapping(workspace: Path) -> None:
    ws = Workspace(workspace)
    ws.commit_batch(_batch())
    assert ws.find_source("a" * 64, {"table": "contracts"}) is not None
    assert ws.find_source("a" * 64, {"table": "suppliers"}) is None


def _hold_lock(path: str, ready: multiprocessing.Event, release: multiprocessing.Event) -> None:
    ws = Workspace(path)
    with ws.lock():
        ready.set()
        release.wait(10)


def test_second_writer_fails_with_a_clear_message_while_the_first_holds_the_lock(workspace: Path) -> None:
    ready, release = multiprocessing.Event(), multiprocessing.Event()
    holder = multiprocessing.Process(target=_hold_lock, args=(str(workspace), ready, release))
    holder.start()
    try:
        assert ready.wait(10)
        with pytest.raises(WorkspaceError, match="being written by pid"):
            Workspace(workspace, lock_timeout=0.3).commit_batch(_batch())
    finally:
        release.set()
        holder.join(10)
    Workspace(workspace, lock_timeout=5).commit_batch(_batch())  # free again


def test_orphan_files_from_a_dead_writer_are_ignored_and_cleaned(workspace: Path) -> None:
    ws = Workspace(workspace)
    ws.commit_batch(_batch())
    orphan = workspace / "tables" / "contracts" / "000002-deadbeef00.parquet"
    orphan.write_bytes(b"half written")
    assert len(ws.read_table("contracts")) == 3  # not in the manifest, so invisible
    ws.commit_batch(_batch(sha="c" * 64))
    assert not orphan.exists()


def test_a_damaged_manifest_is_reported_not_guessed(workspace: Path) -> None:
    ws = Workspace(workspace)
    ws.commit_batch(_batch())
    (workspace / "manifest.json").write_text("{not json")
    with pytest.raises(WorkspaceError, match="manifest cannot be read"):
        ws.batches()


def test_manifest_is_valid_json_with_the_batch_record(workspace: Path) -> None:
    ws = Workspace(workspace)
    ws.commit_batch(_batch())
    data = json.loads((workspace / "manifest.json").read_text())
    entry = data["batches"][0]
    for key in ("batch_id", "source_file", "source_sha256", "mapping", "rows_read", "rows_stored",
                "rows_quarantined", "schema_version", "procrisk_version", "created_at"):
        assert key in entry
    assert time.strptime(entry["created_at"][:19], "%Y-%m-%dT%H:%M:%S")
