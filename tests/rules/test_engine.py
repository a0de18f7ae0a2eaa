"""The engine: outcome-matrix semantics, batching and sources change nothing, dataset thresholds see the whole table."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml

from procrisk.rules import (
    FrameSource,
    ParquetSource,
    PreparedSource,
    evaluate,
    evaluate_table,
    explain_entity,
    explain_row,
    load_catalogue,
)
from procrisk.rules.checks import registry
from procrisk.rules.custom import CUSTOM_CHECKS
from procrisk.rules.outcomes import NO_SUPPLIER_ROW
from procrisk.rules.quantiles import tukey_fences

BASE = {
    "summary": "A test rule.", "severity": "high", "why": "Because.", "action": "Act.", "version": 1,
    "citation": {"guideline": "procurement", "instrument": "Test instrument"},
}
RULES = [
    {"code": "TA01", "name": "test.clause.missing", "title": "No clause", "pillar": "contract", "scope": "contract",
     "check": "is_false", "params": {"column": "has_anti_trafficking_clause"},
     "applies_when": [{"column": "contract_type", "in": ["services", "works"]}],
     "requires": ["has_anti_trafficking_clause"], "explain": "Contract {contract_id} has no clause."},
    {"code": "TA02", "name": "test.price.outlier", "title": "Price outlier", "pillar": "process",
     "scope": "contract", "check": "iqr_outlier",
     "params": {"column": "award_value", "group_by": "cpv_division", "min_group_size": 5},
     "requires": ["award_value"],
     "explain": "Contract {contract_id} costs {award_value}, above the fence {upper_fence} of {group}."},
    {"code": "TA03", "name": "test.review.stale", "title": "Review stale", "pillar": "contract", "scope": "contract",
     "check": "older_than", "params": {"column": "last_ms_review_date", "days": 365},
     "requires": ["last_ms_review_date"], "explain": "Contract {contract_id} last reviewed {last_ms_review_date}."},
    {"code": "TB01", "name": "test.fees.workers", "title": "Workers pay fees", "pillar": "recruitment",
     "scope": "supplier", "check": "in_set", "params": {"column": "recruitment_fee_payer", "values": ["worker"]},
     "applies_when": [{"column": "uses_labour_recruiters", "in": ["yes"]}],
     "requires": ["recruitment_fee_payer"], "explain": "{supplier_name} lets workers pay fees."},
    {"code": "TB02", "name": "test.exclusion.conviction", "title": "Conviction", "pillar": "due_diligence",
     "scope": "supplier", "check": "in_set", "params": {"column": "thb_conviction", "values": ["yes"]},
     "requires": ["thb_conviction"], "hard_flag": True, "severity": "critical",
     "explain": "{supplier_name} declares a conviction."},
]
AS_OF = date(2025, 6, 30)


@pytest.fixture(scope="module")
def catalogue(tmp_path_factory):
    folder = tmp_path_factory.mktemp("rules")
    for rule in RULES:
        (folder / f"{rule['code']}_test.yaml").write_text(yaml.safe_dump({**BASE, **rule}), encoding="utf-8")
    return load_catalogue(folder)


def make_contracts(n: int = 240, seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    nulls = rng.random(n) < 0.15
    return pd.DataFrame({
        "contract_id": [f"C{i}" for i in range(n)],
        "supplier_id": [None if i % 11 == 0 else f"S{i % 17}" for i in range(n)],
        "supplier_name_key": [f"s{i % 19}" for i in range(n)],
        "supplier_name": [f"Supplier {i % 17}" for i in range(n)],
        "contract_type": rng.choice(["goods", "services", "works", None], n),
        "has_anti_trafficking_clause": [None if m else bool(x) for m, x in zip(nulls, rng.random(n) < 0.5,
                                                                                 strict=True)],
        "award_value": np.where(rng.random(n) < 0.1, np.nan, rng.lognormal(10, 1, n).round(2)),
        "cpv_division": rng.choice(["45", "90", "72", "33"], n, p=[0.45, 0.45, 0.07, 0.03]),
        "last_ms_review_date": [None if m else date(2023, 1, 1) + pd.Timedelta(days=int(d)).to_pytimedelta()
                                for m, d in zip(rng.random(n) < 0.2, rng.integers(0, 900, n), strict=True)],
        "currency": "EUR",
    })


def make_suppliers() -> pd.DataFrame:
    ids = [f"S{i}" for i in range(12)] + [None, None]
    return pd.DataFrame({
        "supplier_id": ids,
        "supplier_name": [f"Supplier {i}" for i in range(14)],
        "supplier_name_key": [f"s{i}" for i in range(12)] + ["s13", "s18"],
        "uses_labour_recruiters": ["yes", "no", None, "yes"] * 3 + ["yes", "yes"],
        "recruitment_fee_payer": ["worker", "worker", "employer", None] * 3 + ["worker", "employer"],
        "thb_conviction": ["no"] * 11 + ["yes", "no", "no"],
    })


def test_outcome_precedence_not_applicable_then_not_assessed(catalogue):
    rule = catalogue.get("TA01")
    rows = pd.DataFrame({
        "contract_id": ["F", "C", "A", "A2", "N1", "N2"],
        "contract_type": ["services", "works", "goods", "goods", None, "services"],
        "has_anti_trafficking_clause": [False, True, False, None, False, None],
    })
    findings = evaluate(rule, rows, as_of=AS_OF)
    assert findings["outcome"].tolist() == ["flagged", "clear", "not_applicable", "not_applicable",
                                            "not_assessed", "not_assessed"]
    reasons = dict(zip(findings["entity_id"], findings["reason"], strict=True))
    assert reasons["N1"] == "applicability unknown: missing contract_type"
    assert reasons["N2"] == "missing has_anti_trafficking_clause"
    assert reasons["A"].startswith("does not apply: contract_type in [services, works] is false")
    assert findings.set_index("entity_id").loc["F", "explanation"] == "Contract F has no clause."


def test_matrix_is_int8_with_the_four_codes(catalogue):
    sup = evaluate_table(catalogue, make_suppliers(), scope="supplier", as_of=AS_OF)
    con = evaluate_table(catalogue, make_contracts(), scope="contract", suppliers=sup, as_of=AS_OF)
    assert con.values.dtype == np.int8 and con.codes == ("TA01", "TA02", "TA03", "TB01", "TB02")
    assert set(np.unique(con.values)) <= {-2, -1, 0, 1}
    assert set(np.unique(con.column("TA01"))) == {-2, -1, 0, 1}
    assert list(con.matrix.columns) == list(con.codes) and len(con) == 240
    assert sum(con.counts()["TA01"].values()) == 240
    manifest = con.manifest()
    assert manifest["as_of"] == "2025-06-30" and set(manifest["thresholds"]) == {"TA02"}
    assert json.loads(json.dumps(manifest))["thresholds"]["TA02"]["min_group_size"] == 5
    assert json.loads(json.dumps(catalogue.manifest()))["hard_flags"] == ["TB02"]


@pytest.mark.parametrize("batch_size", [3, 7, 64, 100_000])
def test_batching_gives_the_same_matrix_and_thresholds(catalogue, batch_size):
    contracts, suppliers = make_contracts(90), make_suppliers()
    sup_whole = evaluate_table(catalogue, suppliers, scope="supplier", as_of=AS_OF)
    whole = evaluate_table(catalogue, contracts, suppliers=sup_whole, as_of=AS_OF, batch_size=10**6)
    sup = evaluate_table(catalogue, suppliers, scope="supplier", as_of=AS_OF, batch_size=batch_size)
    batched = evaluate_table(catalogue, contracts, suppliers=sup, as_of=AS_OF, batch_size=batch_size)
    assert np.array_equal(whole.values, batched.values)
    assert whole.meta == batched.meta
    assert np.array_equal(whole.supplier_rows, batched.supplier_rows)
    pd.testing.assert_frame_equal(whole.keys, batched.keys)


def test_parquet_files_and_memory_give_the_same_result(catalogue, tmp_path):
    contracts = make_contracts()
    table = pa.Table.from_pandas(contracts.astype({"has_anti_trafficking_clause": "boolean"}), preserve_index=False)
    for i, start in enumerate(range(0, len(contracts), 100)):
        folder = tmp_path / f"batch={i:04d}"
        folder.mkdir()
        pq.write_table(table.slice(start, 100), folder / "part-0.parquet")
    memory = evaluate_table(catalogue, contracts, as_of=AS_OF, batch_size=50)
    files = evaluate_table(catalogue, ParquetSource(tmp_path), as_of=AS_OF, batch_size=50)
    assert np.array_equal(memory.values, files.values)
    assert memory.meta == files.meta
    assert files.keys["contract_id"].tolist() == contracts["contract_id"].tolist()


def test_runs_are_deterministic(catalogue):
    first = evaluate_table(catalogue, make_contracts(), as_of=AS_OF, batch_size=33)
    second = evaluate_table(catalogue, make_contracts(), as_of=AS_OF, batch_size=33)
    assert np.array_equal(first.values, second.values) and first.meta == second.meta


def test_dataset_thresholds_are_fitted_on_the_whole_table(catalogue):
    contracts = make_contracts()
    out = evaluate_table(catalogue, contracts, as_of=AS_OF, batch_size=5)
    groups = out.meta["TA02"]["groups"]
    values = contracts.loc[contracts["cpv_division"] == "45", "award_value"].dropna()
    expected = tukey_fences(values.to_numpy())
    assert groups["45"]["upper_fence"] == expected.upper_fence and groups["45"]["n"] == expected.n
    assert "skipped" in groups["33"] or groups["33"]["n"] >= 5
    flagged = out.column("TA02") == 1
    upper = contracts["cpv_division"].map({g: f.get("upper_fence") for g, f in groups.items()}).astype(float)
    assert (contracts.loc[flagged, "award_value"] >= upper[flagged]).all()
    assert flagged.any()


def test_small_peer_group_is_not_assessed_with_its_reason(catalogue):
    rule = catalogue.get("TA02")
    rows = pd.DataFrame({"contract_id": [f"C{i}" for i in range(8)],
                         "cpv_division": ["45"] * 6 + ["72"] * 2,
                         "award_value": [10.0, 11.0, 12.0, 13.0, 12.0, 500.0, 10.0, 11.0]})
    findings = evaluate(rule, rows, as_of=AS_OF).set_index("entity_id")
    assert findings.loc["C5", "outcome"] == "flagged"
    assert findings.loc["C5", "thresholds"]["group"] == "45"
    assert "above the fence" in findings.loc["C5", "explanation"]
    assert findings.loc["C6", "outcome"] == "not_assessed"
    assert findings.loc["C6", "reason"].startswith("peer group too small (cpv_division=72)")


def test_contracts_inherit_supplier_outcomes_by_id_then_name_key(catalogue):
    suppliers = make_suppliers()
    sup = evaluate_table(catalogue, suppliers, scope="supplier", as_of=AS_OF)
    contracts = pd.DataFrame({
        "contract_id": ["by_id", "by_key", "none", "id_unknown_key_known"],
        "supplier_id": ["S0", None, None, "S99"],
        "supplier_name_key": ["zzz", "s13", "nobody", "s18"],
    })
    con = evaluate_table(catalogue, contracts, suppliers=sup, as_of=AS_OF)
    assert con.supplier_rows.tolist() == [0, 12, -1, 13]
    tb01 = con.column("TB01").tolist()
    assert tb01 == [sup.column("TB01")[0], sup.column("TB01")[12], -1, sup.column("TB01")[13]]
    assert tb01[0] == 1 and con.column("TB02").tolist()[2] == -1
    finding = explain_row(catalogue.get("TB01"), None, -1)
    assert finding.reason == NO_SUPPLIER_ROW and finding.outcome == "not_assessed"


def test_hard_flag_supplier_row_and_explain_entity(catalogue):
    suppliers = make_suppliers()
    sup = evaluate_table(catalogue, suppliers, scope="supplier", as_of=AS_OF)
    contracts = pd.DataFrame({"contract_id": ["C1"], "supplier_id": ["S11"], "contract_type": ["goods"]})
    con = evaluate_table(catalogue, contracts, suppliers=sup, as_of=AS_OF)
    assert con.row(0)["TB02"] == "flagged"
    findings = explain_entity(list(catalogue), con.row(0), contracts.iloc[0], suppliers.iloc[11], con.meta,
                              as_of=AS_OF)
    by_code = {f.rule_code: f for f in findings}
    assert by_code["TB02"].explanation == "Supplier 11 declares a conviction."
    assert by_code["TB02"].evidence == {"thb_conviction": "yes"}
    assert by_code["TA01"].outcome == "not_applicable"
    assert by_code["TA03"].reason == "missing last_ms_review_date"
    assert by_code["TB02"].citation == "OSCE Model Guidelines (2018), procurement pillar; Test instrument"


def test_older_than_reads_as_of_and_shows_it_as_evidence(catalogue):
    rule = catalogue.get("TA03")
    rows = pd.DataFrame({"contract_id": ["old", "new"], "last_ms_review_date": ["2023-01-01", "2025-01-01"]})
    findings = evaluate(rule, rows, as_of="2025-06-30")
    assert findings["outcome"].tolist() == ["flagged", "clear"]
    assert findings["evidence"][0]["as_of"] == AS_OF
    later = evaluate(rule, rows, as_of=date(2026, 6, 30))
    assert later["outcome"].tolist() == ["flagged", "flagged"]


def test_a_check_can_declare_rows_not_applicable(catalogue, monkeypatch):
    def gated(frame: pd.DataFrame, column: str) -> pd.Series:
        """Flag when the value is above 1."""
        return pd.Series(frame[column] > 1, dtype="boolean")

    gated.not_applicable = lambda frame, column: (frame[column] < 0).to_numpy()
    monkeypatch.setitem(CUSTOM_CHECKS, "gated_test_check", gated)
    registry.cache_clear()
    try:
        folder_rule = {**BASE, "code": "TC01", "name": "test.gated", "title": "Gated", "pillar": "process",
                       "scope": "contract", "check": "gated_test_check", "params": {"column": "award_value"},
                       "explain": "{contract_id}"}
        from procrisk.rules.catalogue import parse_rule

        rule, problems = parse_rule(folder_rule, Path("TC01_gated.yaml"))
        assert problems == []
        rows = pd.DataFrame({"contract_id": ["F", "C", "A"], "award_value": [2.0, 0.5, -1.0]})
        findings = evaluate(rule, rows, as_of=AS_OF)
        assert findings["outcome"].tolist() == ["flagged", "clear", "not_applicable"]
        assert findings["reason"][2] == "does not apply: excluded by gated_test_check (see the rule's exclusions)"
    finally:
        monkeypatch.undo()
        registry.cache_clear()


def test_prepared_source_adds_columns_before_the_rules(catalogue):
    contracts = make_contracts().drop(columns=["contract_type"])

    def prepare(frame: pd.DataFrame) -> pd.DataFrame:
        return frame.assign(contract_type="services")

    source = PreparedSource(FrameSource(contracts), prepare, inputs=["contract_id"], outputs=["contract_type"])
    out = evaluate_table(catalogue, source, as_of=AS_OF, batch_size=50)
    assert -2 not in set(out.column("TA01").tolist())


def test_the_dataset_rules_columns_are_read_before_the_batches(catalogue):
    # A dataset rule's fit (R024, R058, DD13 in the catalogue) needs the whole columns and every batch waits for
    # it: reading them first keeps a running scan from delaying them.
    calls: list[str] = []

    class Recording(FrameSource):
        def read(self, columns):
            calls.append("read")
            return super().read(columns)

        def batches(self, columns, batch_size):
            calls.append("batches")
            yield from super().batches(columns, batch_size)

    out = evaluate_table(catalogue, Recording(make_contracts(40)), as_of=AS_OF, batch_size=10)
    assert calls[:2] == ["read", "batches"]  # (FrameSource.batches itself reads its rows later)
    assert "TA02" in out.meta  # the peer-outlier rule of the test catalogue was fitted


def test_a_failing_source_raises_its_error_and_stops_the_reader(catalogue):
    class Broken(FrameSource):
        def batches(self, columns, batch_size):
            yield from list(super().batches(columns, batch_size))[:1]
            raise OSError("disk gone")

    with pytest.raises(OSError, match="disk gone"):
        evaluate_table(catalogue, Broken(make_contracts(40)), as_of=AS_OF, batch_size=10)
