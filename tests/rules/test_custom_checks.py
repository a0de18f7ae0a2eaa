"""The custom checks called directly: vectorised behaviour, NA semantics, gates, fences, Cardinal parity."""

from __future__ import annotations

import inspect
import json
import math
from fractions import Fraction
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from procrisk.ingest.ocds import read_ocds
from procrisk.rules import load_catalogue
from procrisk.rules.catalogue import Catalogue
from procrisk.rules.checks import DatasetCheck, gate_of, is_column_param, signature_of
from procrisk.rules.custom import CUSTOM_CHECKS, _ocp
from procrisk.rules.custom.abnormally_low_not_investigated import abnormally_low_not_investigated
from procrisk.rules.custom.far_plan_threshold_exceeded import far_plan_threshold_exceeded
from procrisk.rules.custom.heavily_discounted_bid import heavily_discounted_bid
from procrisk.rules.custom.price_close_to_winning_bid import price_close_to_winning_bid
from procrisk.rules.custom.short_submission_period import short_submission_period
from procrisk.rules.custom.single_bid import single_bid
from procrisk.rules.custom.statement_missing_where_required import statement_missing_where_required
from procrisk.rules.custom.unnamed_subcontracting import unnamed_subcontracting
from procrisk.rules.engine import evaluate_frame, evaluate_table
from procrisk.rules.quantiles import quantile_type8
from procrisk.schema.columns import CONTRACTS, SUPPLIERS

EXPECTED = Path(__file__).resolve().parents[1] / "fixtures" / "real" / "cardinal-expected"
GAPS = [0.01, 0.10, 0.11, 0.12, 0.13, 0.14, 0.15, 0.90]
# The checks of the recruitment, transparency, due-diligence, process and contract rules (tested here).
CHECKS = ("abnormally_low_not_investigated", "far_plan_threshold_exceeded", "heavily_discounted_bid",
          "price_close_to_winning_bid", "short_submission_period", "single_bid",
          "statement_missing_where_required", "unnamed_subcontracting")


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    """The shipped catalogue, loaded once for this module."""
    return load_catalogue()


def outcome(series: pd.Series) -> list[object]:
    """A boolean Series as a list with None for NA (easy to compare)."""
    return [None if x is pd.NA else bool(x) for x in series.astype("boolean").tolist()]


def exact_fence(values: list[float], side: str) -> float:
    """The Tukey fence of the type-8 quartiles, computed exactly and rounded once (what fma gives)."""
    q1 = Fraction(quantile_type8(values, 0.25))
    q3 = Fraction(quantile_type8(values, 0.75))
    spread = Fraction(3, 2) * (q3 - q1)
    return float(q1 - spread) if side == "lower" else float(q3 + spread)


# --- registry -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", CHECKS)
def test_custom_check_is_documented_and_reads_only_declared_canonical_columns(name: str) -> None:
    """Each check has a one-sentence description; every *_column parameter defaults to a canonical column."""
    check = CUSTOM_CHECKS[name]
    target = check.fit if isinstance(check, DatasetCheck) else check
    first = (check.doc if isinstance(check, DatasetCheck) else check.__doc__ or "").strip().splitlines()[0]
    assert first.endswith(".")
    columns = set(CONTRACTS.names) | set(SUPPLIERS.names)
    params = signature_of(check).parameters
    assert params, name
    for pname, param in inspect.signature(target).parameters.items():
        if is_column_param(pname):
            assert param.default in columns, (name, pname)


def test_every_custom_check_is_used_by_a_shipped_rule(catalogue: Catalogue) -> None:
    """Each of these checks is registered and used by a rule (none is dead code)."""
    used = {rule.check for rule in catalogue}
    assert set(CHECKS) <= set(CUSTOM_CHECKS)
    assert set(CHECKS) <= used


# --- R003 ---------------------------------------------------------------------------------------------------


def test_r003_is_strict_and_handles_negative_spans_and_missing_days() -> None:
    """14 days flagged, 15 clear, negative flagged, missing NA; the index is kept."""
    frame = pd.DataFrame({"submission_period_days": [14, 15, -2, None, 0]}, index=[10, 11, 12, 13, 14])
    result = short_submission_period(frame)
    assert isinstance(result.dtype, pd.BooleanDtype)
    assert result.index.equals(frame.index)
    assert outcome(result) == [True, False, True, None, True]


def test_r003_per_details_threshold_and_exact_matching() -> None:
    """A per-details threshold replaces the default for that exact (case-sensitive) value only."""
    frame = pd.DataFrame({
        "submission_period_days": [7, 4, 7, 7],
        "procurement_method_details": ["x", "x", "X", None],
    })
    result = short_submission_period(frame, procurement_method_details_thresholds={"x": 5})
    assert outcome(result) == [False, True, True, True]


def test_r003_gate_marks_cancelled_excluded_and_methods_outside_the_list() -> None:
    """The gate is exact: 'cancelled' only, listed details only, and a missing method is out of a set list."""
    frame = pd.DataFrame({
        "submission_period_days": [3, 3, 3, 3, 3, 3],
        "tender_status": ["cancelled", "Cancelled", None, "active", "active", "active"],
        "procurement_method": ["open", "open", "open", "direct", None, "open"],
        "procurement_method_details": [None, None, None, None, None, "EXC"],
    })
    gate = gate_of(short_submission_period)
    assert gate is not None
    everything = gate(frame, procurement_methods=[], excluded_procurement_method_details=["EXC"])
    assert everything.tolist() == [True, False, False, False, False, True]
    limited = gate(frame, procurement_methods=["open"], excluded_procurement_method_details=[])
    assert limited.tolist() == [True, False, False, True, True, False]
    limited_outcome = outcome(short_submission_period(frame, procurement_methods=["open"]))
    assert limited_outcome[:4] == [None, True, True, None]


def test_r003_reads_categorical_columns_like_text() -> None:
    """The engine hands low-cardinality text over as categoricals; results do not change."""
    frame = pd.DataFrame({
        "submission_period_days": [3.0, 3.0, 3.0],
        "tender_status": pd.Categorical(["cancelled", "active", None]),
        "procurement_method": pd.Categorical(["open", "direct", "open"]),
    })
    gate = gate_of(short_submission_period)
    assert gate(frame, procurement_methods=["open"]).tolist() == [True, True, False]


# --- R018 ---------------------------------------------------------------------------------------------------


def test_r018_flags_exactly_one_tenderer_and_gates_methods() -> None:
    """One tenderer flagged; 0, 2 clear; missing NA; direct out of the default method list."""
    frame = pd.DataFrame({
        "number_of_tenderers": pd.array([1, 2, 0, None, 1], dtype="Int64"),
        "procurement_method": ["open", "selective", "open", "open", "direct"],
    })
    assert outcome(single_bid(frame)) == [True, False, False, None, None]
    assert gate_of(single_bid)(frame).tolist() == [False, False, False, False, True]
    assert not gate_of(single_bid)(frame, procurement_methods=[]).any()
    assert outcome(single_bid(frame, procurement_methods=[])) == [True, False, False, None, True]


# --- R024 / R058 --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("check", "side"), [(price_close_to_winning_bid, "lower"),
                                             (heavily_discounted_bid, "upper")])
def test_fences_are_exact_and_comparisons_inclusive(check: DatasetCheck, side: str) -> None:
    """The fitted fence equals the exact type-8/fma value; meta is JSON; the flagged rows are the outliers."""
    frame = pd.DataFrame({"ocid": [f"o-{i}" for i in range(len(GAPS))], "runner_up_price_gap": GAPS})
    meta = check.fit(frame)
    assert meta[f"{side}_fence"] == exact_fence(GAPS, side)
    assert meta["n"] == len(GAPS)
    assert meta["flagging"] is True
    json.dumps(meta)
    flagged = outcome(check.apply(frame, meta))
    assert flagged == ([True] + [False] * 7 if side == "lower" else [False] * 7 + [True])
    # a value exactly on the fence is flagged
    on_fence = pd.DataFrame({"runner_up_price_gap": [meta[f"{side}_fence"]]})
    assert outcome(check.apply(on_fence, meta)) == [True]


def test_r024_guard_q1_zero_flags_nothing_but_keeps_rows_assessed() -> None:
    """With Q1 = 0 the guard stops R024 from flagging; rows stay clear (not NA) unless the gap is missing."""
    frame = pd.DataFrame({"runner_up_price_gap": [0.0, 0.0, 0.0, 0.5, 1.0, None]})
    series, meta = price_close_to_winning_bid(frame)
    assert meta["q1"] == 0.0
    assert meta["flagging"] is False
    assert outcome(series) == [False] * 5 + [None]


def test_r058_guard_zero_fence_flags_nothing() -> None:
    """All gaps zero: the upper fence is 0 and nothing is flagged."""
    series, meta = heavily_discounted_bid(pd.DataFrame({"runner_up_price_gap": [0.0] * 4}))
    assert meta["upper_fence"] == 0.0
    assert outcome(series) == [False] * 4


def test_threshold_replaces_the_fence_and_must_be_positive() -> None:
    """A configured threshold is the fence (no quartiles in meta); a threshold <= 0 flags nothing."""
    frame = pd.DataFrame({"runner_up_price_gap": [0.0, 0.12, 0.2]})
    series, meta = price_close_to_winning_bid(frame, threshold=0.12)
    assert meta == {"n": 3, "lower_fence": 0.12, "flagging": True, "cardinal_meta": {"lower_fence": 0.12}}
    assert outcome(series) == [True, True, False]
    assert outcome(price_close_to_winning_bid(frame, threshold=0.0)[0]) == [False, False, False]
    assert outcome(heavily_discounted_bid(frame, threshold=-1.0)[0]) == [False, False, False]


def test_distribution_counts_each_ocid_once_and_rows_without_ocid_each() -> None:
    """Three rows of one ocid add one value; three rows without an ocid add three."""
    gaps = [0.1, 0.1, 0.1, 0.2, 0.3]
    one_process = pd.DataFrame({"ocid": ["a", "a", "a", "b", "c"], "runner_up_price_gap": gaps})
    assert price_close_to_winning_bid.fit(one_process)["n"] == 3
    no_ocid = pd.DataFrame({"ocid": [None, None, None, "b", "c"], "runner_up_price_gap": gaps})
    assert price_close_to_winning_bid.fit(no_ocid)["n"] == 5
    categorical = one_process.assign(ocid=pd.Categorical(one_process["ocid"]))
    assert price_close_to_winning_bid.fit(categorical)["n"] == 3


def test_gated_rows_leave_the_distribution_and_are_na() -> None:
    """Cancelled, excluded and price-filtered processes do not move the fence and are NA in apply."""
    base = pd.DataFrame({"ocid": [f"o-{i}" for i in range(len(GAPS))], "runner_up_price_gap": GAPS,
                         "tender_status": "active", "procurement_method_details": None})
    extra = pd.DataFrame({"ocid": ["x", "y", "z"], "runner_up_price_gap": [5.0, 5.0, 5.0],
                          "tender_status": ["cancelled", "active", "active"],
                          "procurement_method_details": [None, "EXC", "NPC"]})
    frame = pd.concat([base, extra], ignore_index=True)
    params = {"excluded_procurement_method_details": ["EXC"],
              "no_price_comparison_procurement_methods": ["NPC"]}
    meta = heavily_discounted_bid.fit(frame, **params)
    assert meta == heavily_discounted_bid.fit(base)
    assert outcome(heavily_discounted_bid.apply(frame, meta, **params))[-3:] == [None, None, None]
    allow = {"price_comparison_procurement_methods": ["NPC"],
             "no_price_comparison_procurement_methods": ["NPC"]}
    expected = [True] * len(GAPS) + [True, True, False]
    assert gate_of(heavily_discounted_bid)(frame, **allow).tolist() == expected


def test_empty_distribution_gives_null_meta_and_flags_nothing() -> None:
    """No gaps at all: quartiles and fence are null (Cardinal writes null) and every row is NA."""
    series, meta = heavily_discounted_bid(pd.DataFrame({"runner_up_price_gap": [None, None]}))
    assert (meta["q1"], meta["q3"], meta["upper_fence"], meta["flagging"]) == (None, None, None, False)
    assert outcome(series) == [None, None]


def test_cardinal_round_is_half_away_from_zero() -> None:
    """Meta rounding for display: 4 decimals, halves away from zero, non-finite as None."""
    assert _ocp.cardinal_round(0.00025) == 0.0003
    assert _ocp.cardinal_round(-0.00025) == -0.0003
    assert _ocp.cardinal_round(0.12344999) == 0.1234
    assert _ocp.cardinal_round(math.inf) is None
    assert _ocp.cardinal_round(None) is None


def test_dataset_fences_are_fitted_once_over_all_batches(catalogue: Catalogue) -> None:
    """evaluate_table fits on the whole table, so small batches give the same outcomes as one frame."""
    rules = [catalogue.get("R024"), catalogue.get("R058")]
    frame = pd.DataFrame({"contract_id": [f"c{i}" for i in range(len(GAPS))],
                          "ocid": [f"o-{i}" for i in range(len(GAPS))], "runner_up_price_gap": GAPS})
    whole, _ = evaluate_frame(rules, frame)
    batched = evaluate_table(rules, frame, scope="contract", batch_size=3)
    assert np.array_equal(batched.values, whole)
    assert batched.meta["R024"]["lower_fence"] == exact_fence(GAPS, "lower")


# --- PR04 ---------------------------------------------------------------------------------------------------


def test_abnormally_low_presumptions_per_number_of_tenders() -> None:
    """One tender vs the estimate, two vs the other bid, three or more vs the lowest possible mean."""
    frame = pd.DataFrame({
        "award_value": [74.0, 75.0, 79.0, 80.0, 84.0, 86.0],
        "estimated_value": [100.0, 100.0, None, None, None, None],
        "lowest_other_bid_value": [None, None, 100.0, 100.0, 100.0, 100.0],
        "number_of_tenderers": [1, 1, 2, 2, 3, 3],
        "abnormal_low_explanation_requested": [False] * 6,
    })
    assert outcome(abnormally_low_not_investigated(frame)) == [True, False, True, False, True, False]


def test_abnormally_low_na_semantics() -> None:
    """Untestable presumption -> NA unless an explanation was asked for; presumption with no record -> NA."""
    frame = pd.DataFrame({
        "award_value": [60.0, 60.0, 60.0, 60.0, 60.0, 60.0],
        "estimated_value": [None, None, 100.0, 100.0, 0.0, 100.0],
        "lowest_other_bid_value": [None, None, None, None, None, None],
        "number_of_tenderers": [1, 1, 1, None, 1, 0],
        "abnormal_low_explanation_requested": pd.array([False, True, None, False, False, False],
                                                       dtype="boolean"),
    })
    assert outcome(abnormally_low_not_investigated(frame)) == [None, False, None, None, None, None]


# --- TR01 ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("arrow", [False, True])
def test_statement_thresholds_scope_and_currency(arrow: bool) -> None:
    """UK >= GBP 36m, California > USD 100m; jurisdictions any case; other currencies NA without a rate."""
    lists = [["uk"], None, ["California"], ["US-CA"], ["FR"], ["UK"], ["UK"], None]
    frame = pd.DataFrame({
        "annual_turnover": [36e6, 50e6, 100_000_001.0, 100e6, 900e6, 50e6, None, 900e6],
        "turnover_currency": ["GBP", "GBP", "USD", "USD", "USD", "EUR", "GBP", "USD"],
        "jurisdictions": pd.Series(lists, dtype=pd.ArrowDtype(pa.list_(pa.string()))) if arrow else lists,
        "supplier_country": ["FR", "GB", "US", "US", "US", "FR", "GB", "US"],
        "modern_slavery_statement_url": [None, " ", None, None, None, None, None, None],
    })
    series, meta = statement_missing_where_required(frame)
    assert outcome(series) == [True, True, True, False, False, None, None, None]
    assert meta["fx_rates_applied"] == {}
    series, meta = statement_missing_where_required(frame, fx_rates={"EUR": {"GBP": 0.85}})
    assert outcome(series)[5] is True
    applied = {"UK Modern Slavery Act 2015 s.54: EUR->GBP": {"rate": 0.85, "rows": 1}}
    assert meta["fx_rates_applied"] == applied


def test_statement_given_is_clear_whatever_else_is_known() -> None:
    """A statement URL settles the rule even with no turnover or jurisdictions."""
    frame = pd.DataFrame({"modern_slavery_statement_url": ["https://example.org/statement"],
                          "annual_turnover": [None]})
    assert outcome(statement_missing_where_required(frame)[0]) == [False]


def test_statement_reason_names_the_missing_piece() -> None:
    """The reason hook says why a supplier without a statement could not be assessed."""
    reason = statement_missing_where_required.reason
    assert "annual_turnover is missing" in reason({"annual_turnover": None}, {})
    assert "EUR" in reason({"annual_turnover": 5e7, "turnover_currency": "EUR"}, {})


# --- DD13 ---------------------------------------------------------------------------------------------------


def test_far_threshold_is_strict_usd_and_records_rates() -> None:
    """Above USD 700,000 flagged; exactly 700,000 clear; other currencies only with a rate (recorded)."""
    frame = pd.DataFrame({"overseas_portion_value": [700_001.0, 700_000.0, 650_000.0, 650_000.0, None],
                          "currency": ["USD", "usd", "EUR", "GBP", "USD"]})
    series, meta = far_plan_threshold_exceeded(frame)
    assert outcome(series) == [True, False, None, None, None]
    series, meta = far_plan_threshold_exceeded(frame, fx_rates={"EUR": {"USD": 1.1}})
    assert outcome(series) == [True, False, True, None, None]
    assert meta == {"threshold_usd": 700000.0, "fx_rates": {"EUR": {"USD": 1.1}},
                    "fx_rates_applied": {"EUR->USD": {"rate": 1.1, "rows": 1}}}
    assert outcome(far_plan_threshold_exceeded(frame, threshold_usd=550_000.0)[0])[:2] == [True, True]


# --- CM08 ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("arrow", [False, True])
def test_unnamed_subcontracting_reads_list_columns(arrow: bool) -> None:
    """Empty, null and blank-only lists are unnamed; the threshold is strict; a missing share is NA."""
    names = [[], None, ["", " "], ["Acme"], [], None, ["Beta"]]
    frame = pd.DataFrame({
        "subcontracting_share": [0.31, 0.9, 0.5, 0.5, 0.3, None, None],
        "subcontractors": pd.Series(names, dtype=pd.ArrowDtype(pa.list_(pa.string()))) if arrow else names,
    })
    assert outcome(unnamed_subcontracting(frame)) == [True, True, True, False, False, None, False]


def test_custom_checks_are_vectorised_on_a_large_frame() -> None:
    """200,000 rows go through every contract-scope custom check without per-row Python (a smoke test)."""
    n = 200_000
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({
        "submission_period_days": rng.integers(-5, 60, n).astype(float),
        "number_of_tenderers": rng.integers(0, 5, n).astype(float),
        "procurement_method": pd.Categorical(rng.choice(["open", "selective", "direct"], n)),
        "tender_status": pd.Categorical(rng.choice(["active", "cancelled"], n)),
        "ocid": [f"o-{i // 2}" for i in range(n)],
        "runner_up_price_gap": rng.random(n),
        "award_value": rng.random(n) * 100, "estimated_value": rng.random(n) * 100,
        "lowest_other_bid_value": rng.random(n) * 100,
        "abnormal_low_explanation_requested": pd.array(rng.random(n) < 0.5, dtype="boolean"),
        "subcontracting_share": rng.random(n),
        "subcontractors": pd.Series([["A"], []] * (n // 2), dtype=pd.ArrowDtype(pa.list_(pa.string()))),
    })
    plain_checks = (short_submission_period, single_bid, abnormally_low_not_investigated,
                    unnamed_subcontracting)
    for check in plain_checks:
        assert len(check(frame)) == n
    for check in (price_close_to_winning_bid, heavily_discounted_bid):
        series, meta = check(frame)
        assert len(series) == n
        assert 0 < meta["n"] <= n // 2  # one value per ocid, two rows per ocid


# --- parity with OCP Cardinal on real files -----------------------------------------------------------------


@pytest.mark.parametrize("stem", sorted(p.name.removesuffix(".cardinal.json")
                                        for p in EXPECTED.glob("*.cardinal.json")))
def test_ocp_rules_flag_exactly_what_cardinal_flags(catalogue: Catalogue, stem: str) -> None:
    """R003, R018, R024 and R058 through the engine flag exactly Cardinal 0.0.8's ocids on the real files."""
    rules = [catalogue.get(code) for code in ("R003", "R018", "R024", "R058")]
    frame = read_ocds(EXPECTED / f"{stem}.compiled.jsonl").contracts.frame
    values, _ = evaluate_frame(rules, frame)
    expected = json.loads((EXPECTED / f"{stem}.cardinal.json").read_text(encoding="utf-8")).get("OCID", {})
    for j, rule in enumerate(rules):
        mine = set(frame["ocid"][values[:, j] == 1])
        assert mine == {ocid for ocid, flags in expected.items() if rule.code in flags}, rule.code
