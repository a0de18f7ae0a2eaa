"""R024/R058: rows the price gate leaves out are not_applicable through the engine and the whole pipeline.

Cancelled tenders, excluded procurement_method_details and procedures the price-comparison filter drops are out
of Cardinal's indicator (cardinal-indicators.md §2.2, §2.4): the check's ``not_applicable`` hook makes them
not_applicable (not not_assessed), they stay out of the fence's distribution, and it holds for Parquet sources
read in batches on several threads as for a frame evaluated at once.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
import yaml

from helpers import SAMPLE
from procrisk import api
from procrisk.rules import ParquetSource, evaluate, evaluate_table, load_catalogue
from procrisk.rules.checks import gate_of
from procrisk.rules.custom._ocp import price_gate
from procrisk.rules.outcomes import NOT_APPLICABLE, NOT_ASSESSED
from procrisk.rules.quantiles import tukey_fences
from procrisk.schema.arrow import table_schema
from procrisk.store.workspace import to_arrow

GAPS = [0.01, 0.10, 0.11, 0.12, 0.13, 0.14, 0.15, 0.90, 0.05, 0.2, 0.25, 0.3]
PARAMS = {"excluded_procurement_method_details": ["EXC"], "no_price_comparison_procurement_methods": ["NPC"]}


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue()


def _contracts() -> pd.DataFrame:
    """Ungated processes with gaps, then one of each gated kind (with extreme gaps) and ungated rows without one."""
    n = len(GAPS)
    base = pd.DataFrame({"contract_id": [f"C{i}" for i in range(n)], "ocid": [f"ocds-{i}" for i in range(n)],
                         "runner_up_price_gap": GAPS, "tender_status": "complete",
                         "procurement_method_details": None})
    gated = pd.DataFrame({
        "contract_id": ["CANCELLED", "EXCLUDED", "NO_PRICE", "CANCELLED_NO_GAP", "NO_GAP"],
        "ocid": ["ocds-x", "ocds-y", "ocds-z", "ocds-w", "ocds-v"],
        "runner_up_price_gap": [0.0, 5.0, 0.0, None, None],
        "tender_status": ["cancelled", "complete", "active", "cancelled", "complete"],
        "procurement_method_details": [None, "EXC", "NPC", None, None],
    })
    return pd.concat([base, gated], ignore_index=True).assign(batch_id="b1")


def _outcomes(values: np.ndarray, frame: pd.DataFrame, column: int) -> dict[str, int]:
    return dict(zip(frame["contract_id"], values[:, column].tolist(), strict=True))


@pytest.mark.parametrize("code", ["R024", "R058"])
def test_gated_rows_are_not_applicable_from_parquet_in_batches_on_threads(catalogue, code, tmp_path: Path):
    rule = catalogue.get(code).with_params(**PARAMS)
    frame = _contracts()
    path = tmp_path / "contracts.parquet"
    pq.write_table(to_arrow(frame, table_schema("contracts")), path)  # the stored schema and dtypes
    whole = evaluate_table([rule], frame, scope="contract", workers=1, batch_size=10_000)
    batched = evaluate_table([rule], ParquetSource(path), scope="contract", workers=2, batch_size=4)
    assert np.array_equal(batched.values, whole.values)
    got = _outcomes(batched.values, frame, 0)
    for gated in ("CANCELLED", "EXCLUDED", "NO_PRICE", "CANCELLED_NO_GAP"):
        assert got[gated] == NOT_APPLICABLE, gated
    assert got["NO_GAP"] == NOT_ASSESSED  # in the indicator, but no gap to compare
    assert all(got[f"C{i}"] in (0, 1) for i in range(len(GAPS)))
    # the gated gaps (0.0 and 5.0 would move both fences) stay out of the distribution
    fences = tukey_fences(GAPS)
    side = "lower_fence" if code == "R024" else "upper_fence"
    assert batched.meta[code][side] == getattr(fences, side)
    assert batched.meta[code]["n"] == len(GAPS)
    counts = batched.counts()[code]
    assert counts["not_applicable"] == 4 and counts["not_assessed"] == 1


def test_the_hook_is_the_price_gate_and_the_findings_say_why(catalogue):
    rule = catalogue.get("R024").with_params(**PARAMS)
    assert gate_of(rule.check_fn) is price_gate
    findings = evaluate(rule, _contracts(), as_of="2025-06-30").set_index("entity_id")
    for gated in ("CANCELLED", "EXCLUDED", "NO_PRICE"):
        assert findings.loc[gated, "outcome"] == "not_applicable"
        assert findings.loc[gated, "reason"].startswith("does not apply: excluded by price_close_to_winning_bid")
    assert findings.loc["NO_GAP", "outcome"] == "not_assessed"
    allow = catalogue.get("R058").with_params(price_comparison_procurement_methods=["Open procedure"])
    findings = evaluate(allow, _contracts(), as_of="2025-06-30").set_index("entity_id")
    assert (findings["outcome"] == "not_applicable").all()  # no details value is on the allow list


def _with_gap(release: dict) -> bool:
    """Whether a release has a runner-up gap: one active award, the winner bid lowest among >= 2 valid bids."""
    awards = [a for a in release.get("awards", []) if a.get("status") == "active"]
    bids = [b for b in (release.get("bids") or {}).get("details", []) if b.get("status") == "valid"]
    if len(awards) != 1 or len(bids) < 2:
        return False
    winner = awards[0]["suppliers"][0]["id"]
    own = [b["value"]["amount"] for b in bids if b["tenderers"][0]["id"] == winner]
    other = [b["value"]["amount"] for b in bids if b["tenderers"][0]["id"] != winner]
    return bool(own and other and min(other) >= min(own) > 0)


def test_cancelled_and_price_filtered_processes_are_not_applicable_in_a_stored_run(tmp_path: Path):
    package = json.loads((SAMPLE / "ocds_release_package.json").read_text(encoding="utf-8"))
    candidates = [r for r in package["releases"] if _with_gap(r)]
    assert len(candidates) >= 12
    cancelled, filtered = candidates[0], candidates[1]
    cancelled["tender"]["status"] = "cancelled"
    filtered["tender"]["procurementMethodDetails"] = "NPC"
    path = tmp_path / "package.json"
    path.write_text(json.dumps(package), encoding="utf-8")
    settings = tmp_path / "settings.yaml"
    settings.write_text(yaml.safe_dump({"rules": {code: {"params": {"no_price_comparison_procurement_methods": ["NPC"]}}
                                                  for code in ("R024", "R058")}}), encoding="utf-8")
    ws = tmp_path / "ws"
    api.ingest_file(path, workspace=ws)
    gaps = api.open_workspace(ws).read_table("contracts", columns=["ocid", "runner_up_price_gap"])
    for release in (cancelled, filtered):
        assert gaps.loc[gaps["ocid"] == release["ocid"], "runner_up_price_gap"].notna().all()
    api.analyse(ws, settings=settings)
    results = api.load_results(ws)
    ocids = results.contracts["ocid"].astype("string")
    for code in ("R024", "R058"):
        outcome = results.outcomes[code]
        for release in (cancelled, filtered):
            assert (outcome[ocids == release["ocid"]] == NOT_APPLICABLE).all(), (code, release["ocid"])
        others = gaps["runner_up_price_gap"].notna() & ~ocids.isin([cancelled["ocid"], filtered["ocid"]])
        assert outcome[others.to_numpy()].isin([0, 1]).all()
    contract_id = results.contracts.loc[ocids == cancelled["ocid"], "contract_id"].iloc[0]
    finding = next(f for f in api.explain(contract_id, ws).findings if f.rule_code == "R058")
    assert finding.outcome == "not_applicable"
    assert finding.reason == "does not apply: excluded by heavily_discounted_bid (see the rule's exclusions)"
