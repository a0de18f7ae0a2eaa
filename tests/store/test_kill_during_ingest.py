"""A kill at any moment of an ingest leaves the workspace as it was before, or as after."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from procrisk.store import Workspace

ROWS = 60_000


@pytest.fixture(scope="module")
def big_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("kill") / "big.csv"
    n = ROWS
    pd.DataFrame({
        "Contract reference": [f"K-{i}" for i in range(n)],
        "Title": ["Cleaning services"] * n,
        "Supplier": [f"Supplier {i % 997} Ltd" for i in range(n)],
        "Award value": [f"{1000 + i:,}.50" for i in range(n)],
        "Award date": ["03/04/2024"] * n,
        "Supplier country": ["United Kingdom"] * n,
    }).to_csv(path, index=False)
    return path


def _check_consistent(ws: Workspace) -> int:
    """Every committed batch is complete and its counts hold; return the number of committed batches."""
    batches = ws.batches()
    for entry in batches:
        assert entry["rows_read"] == entry["rows_stored"] + entry["rows_quarantined"]
        stored = ws.read_table("contracts", columns=["contract_id", "batch_id"], batch_ids=[entry["batch_id"]])
        assert len(stored) == entry["table_rows"]["contracts"]
    return len(batches)


@pytest.mark.slow
def test_killing_an_ingest_at_any_moment_leaves_no_half_batch(big_csv: Path, tmp_path: Path) -> None:
    workspace = tmp_path / "ws"
    env = {**os.environ, "PROCRISK_WORKSPACE": str(workspace)}
    # A reference run measures how long a whole ingest takes, then kills land across that span.
    t0 = time.monotonic()
    subprocess.run([sys.executable, "-m", "procrisk", "-q", "ingest", str(big_csv)], env=env, check=True,
                   capture_output=True, timeout=300)
    duration = time.monotonic() - t0
    assert _check_consistent(Workspace(workspace)) == 1
    committed = 1
    for fraction in (0.2, 0.45, 0.6, 0.75, 0.85, 0.92, 0.97, 1.0):
        proc = subprocess.Popen([sys.executable, "-m", "procrisk", "-q", "ingest", "--replace", str(big_csv)],
                                env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(duration * fraction)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=60)
        ws = Workspace(workspace)
        now = _check_consistent(ws)
        assert now in (committed, committed + 1)  # before, or after: never in between
        committed = now
        assert len(ws.read_table("contracts", columns=["contract_id"])) == ROWS  # exactly one live copy
    # the workspace still takes writes after all those kills, and leaves no orphans behind
    subprocess.run([sys.executable, "-m", "procrisk", "-q", "ingest", "--replace", str(big_csv)], env=env,
                   check=True, capture_output=True, timeout=300)
    ws = Workspace(workspace)
    live = {f"{b['batch_id']}.parquet" for b in ws.batches(include_superseded=True)}
    assert {p.name for p in (workspace / "tables" / "contracts").iterdir()} <= live
