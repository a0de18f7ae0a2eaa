"""Through the whole pipeline (ingest, normalise, store, rules), the OCP red flags equal OCP Cardinal's results."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from helpers import REAL
from procrisk import api
from procrisk.rules import evaluate_table, load_catalogue

EXPECTED = REAL / "cardinal-expected"
OCP_CODES = ("R003", "R018", "R024", "R058")


def _original(stem: str) -> Path:
    """The publisher file a Cardinal result was computed from (same stem, .json/.jsonl or a folder)."""
    for candidate in (REAL / "ocds" / stem, REAL / "ocds" / f"{stem}.json", REAL / "ocds" / f"{stem}.jsonl"):
        if candidate.exists():
            return candidate
    raise FileNotFoundError(stem)


STEMS = sorted(p.name.removesuffix(".cardinal.json") for p in EXPECTED.glob("*.cardinal.json"))


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue()


@pytest.mark.parametrize("stem", STEMS)
def test_ocp_flags_equal_cardinal_on_the_publishers_own_file(stem: str, catalogue, tmp_path: Path) -> None:
    report = api.ingest_file(_original(stem), workspace=tmp_path / "ws")
    assert report.prepared.rows_read == report.prepared.rows_stored + report.prepared.rows_quarantined
    contracts = api.open_workspace(tmp_path / "ws").read_table("contracts")
    rules = [catalogue.get(code) for code in OCP_CODES]
    outcomes = evaluate_table(rules, contracts, scope="contract", carry=("contract_id",))
    expected = json.loads((EXPECTED / f"{stem}.cardinal.json").read_text(encoding="utf-8")).get("OCID", {})
    for code in OCP_CODES:
        flagged = set(contracts["ocid"][outcomes.column(code) == 1])
        assert flagged == {ocid for ocid, flags in expected.items() if code in flags}, code


def test_the_parity_files_do_exercise_the_flags() -> None:
    """Guard against a vacuous pass: the expected files hold R003 and R018 flags to match."""
    total = {"R003": 0, "R018": 0}
    for stem in STEMS:
        flags = json.loads((EXPECTED / f"{stem}.cardinal.json").read_text(encoding="utf-8")).get("OCID", {})
        for code in total:
            total[code] += sum(code in f for f in flags.values())
    assert total["R003"] >= 40 and total["R018"] >= 4
