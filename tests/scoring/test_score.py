"""Contract scores: the properties of docs/methodology.md (bounded, monotone, unknown is not clear) and its edges."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from procrisk.rules.engine import Outcomes
from procrisk.rules.model import Citation, Rule
from procrisk.rules.settings import Bands, Composite, Settings
from procrisk.scoring import BANDS, GROUPS, composite, score_contracts, score_outcomes
from procrisk.scoring.exposure import exposure_rank, exposure_values

PILLARS = ("inherent", "recruitment", "transparency", "due_diligence", "contract", "process")


def make_rule(code: str, pillar: str, weight: int = 2, hard: bool = False, unknown: float | None = None) -> Rule:
    return Rule(code=code, name=f"test.{code.lower()}", title="Test", summary="Test.", pillar=pillar,
                scope="contract", severity="medium", weight=weight, citation=Citation("procurement", "Test"),
                why="Test.", check="is_true", params={"column": "urgency_flag"}, explain="{contract_id}",
                action="Act.", version=1, hard_flag=hard, unknown_risk=unknown)


@st.composite
def matrices(draw, min_rows: int = 1):
    r = draw(st.integers(1, 9))
    rules = [make_rule(f"TS{j:02d}", draw(st.sampled_from(PILLARS)), draw(st.integers(1, 5)),
                       draw(st.booleans()), draw(st.sampled_from([None, 0.0, 0.3, 0.5, 1.0]))) for j in range(r)]
    n = draw(st.integers(min_rows, 6))
    cells = draw(st.lists(st.sampled_from([-2, -1, 0, 1]), min_size=n * r, max_size=n * r))
    values = np.asfortranarray(np.array(cells, dtype=np.int8).reshape(n, r))
    weights = draw(st.sampled_from([Composite(), Composite(0.0, 1.0, 1.0, 0.0), Composite(1.0, 0.0, 0.2, 0.8),
                                    Composite(0.25, 0.75, 0.9, 0.1)]))
    return rules, values, Settings(composite=weights, default_unknown_risk=draw(st.sampled_from([0.0, 0.5, 0.8])))


def scores(rules, values, settings_):
    return score_outcomes(values, rules, [r.code for r in rules], settings_)


def at_least(new: float, old: float) -> bool:
    """new >= old, where NaN (an empty sub-score) is below every number."""
    if math.isnan(old):
        return True
    return not math.isnan(new) and new >= old - 1e-9


@settings(max_examples=150, deadline=None)
@given(matrices())
def test_scores_are_bounded(case):
    rules, values, settings_ = case
    out = scores(rules, values, settings_)
    assert out["score"].between(0, 100).all()
    for column in (*GROUPS, "coverage", *(f"{g}_coverage" for g in GROUPS)):
        top = 100 if column in GROUPS else 1
        assert out[column].dropna().between(0, top).all()
    assert set(out["band"]) <= {"low", "medium", "high", "critical"}


@settings(max_examples=150, deadline=None)
@given(matrices(), st.data())
def test_changing_an_outcome_to_flagged_never_lowers_any_score(case, data):
    rules, values, settings_ = case
    i = data.draw(st.integers(0, values.shape[0] - 1))
    j = data.draw(st.integers(0, values.shape[1] - 1))
    before = scores(rules, values, settings_).iloc[i]
    changed = values.copy(order="F")
    changed[i, j] = 1
    after = scores(rules, changed, settings_).iloc[i]
    assert after["score"] >= before["score"] - 1e-9
    for group in GROUPS:
        assert at_least(after[group], before[group])
    assert BANDS.index(after["band"]) >= BANDS.index(before["band"])


@settings(max_examples=150, deadline=None)
@given(matrices(), st.data())
def test_not_assessed_is_never_read_as_clear(case, data):
    rules, values, settings_ = case
    i = data.draw(st.integers(0, values.shape[0] - 1))
    j = data.draw(st.integers(0, values.shape[1] - 1))
    rule = rules[j]
    assume(rule.effective_unknown_risk(settings_.default_unknown_risk) > 0)
    clear, unknown = values.copy(order="F"), values.copy(order="F")
    clear[i, j], unknown[i, j] = 0, -1
    a = scores(rules, clear, settings_).iloc[i]
    b = scores(rules, unknown, settings_).iloc[i]
    group = next(g for g in GROUPS if rule.pillar in {"inherent": ("inherent",), "process": ("process",)}.get(
        g, ("recruitment", "transparency", "due_diligence", "contract")))
    assert b[group] > a[group]
    assert b["score"] >= a["score"] - 1e-9
    assert b["coverage"] < a["coverage"] and b[f"{group}_coverage"] < a[f"{group}_coverage"]


def test_sub_scores_and_composite_by_hand():
    rules = [make_rule("IR1", "inherent", 4), make_rule("IR2", "inherent", 2), make_rule("CG1", "recruitment", 3),
             make_rule("CG2", "contract", 1, unknown=0.8), make_rule("PR1", "process", 2)]
    values = np.asfortranarray(np.array([[1, 0, -1, -1, -2]], dtype=np.int8))
    out = scores(rules, values, Settings()).iloc[0]
    assert out["inherent"] == pytest.approx(100 * 4 / 6)
    assert out["control_gaps"] == pytest.approx(100 * (3 * 0.5 + 1 * 0.8) / 4)
    assert math.isnan(out["process"]) and math.isnan(out["process_coverage"])
    assert out["score"] == pytest.approx(out["inherent"] * (0.4 + 0.6 * out["control_gaps"] / 100))
    assert out["coverage"] == pytest.approx(6 / 10)
    assert (out["flagged"], out["not_assessed"], out["applicable"]) == (1, 2, 4)


def test_empty_parts_are_left_out_of_the_formula():
    weights = Composite()
    nan = np.nan
    ir, cg, pr = np.array([50.0, nan, 50.0, nan, 80.0]), np.array([20.0, 20.0, nan, nan, nan]), \
        np.array([nan, 60.0, nan, nan, 40.0])
    out = composite(ir, cg, pr, weights)
    assert out[0] == pytest.approx(50 * (0.4 + 0.6 * 0.2))
    assert out[1] == pytest.approx(40.0)  # no IR: M alone
    assert out[2] == 50.0  # no CG, no PR: IR alone
    assert out[3] == 0.0  # nothing applies
    assert out[4] == pytest.approx(80 * (0.4 + 0.6 * 0.4))  # CG empty: M is PR


def test_hard_flags_force_critical_and_are_named():
    rules = [make_rule("IR1", "inherent", 1), make_rule("DD1", "due_diligence", 5, hard=True),
             make_rule("IR7", "inherent", 5, hard=True)]
    values = np.asfortranarray(np.array([[0, 1, 0], [0, 0, 1], [0, 1, 1], [0, -1, 0]], dtype=np.int8))
    out = scores(rules, values, Settings())
    assert out["band"].tolist() == ["critical", "critical", "critical", "low"]
    assert out["hard_flags"].astype(str).tolist() == ["DD1", "IR7", "DD1;IR7", ""]
    assert out["score"].iloc[0] < 20  # the arithmetic alone would say low


def test_band_cut_offs_come_from_the_settings():
    rules = [make_rule("IR1", "inherent", 1), make_rule("IR2", "inherent", 1), make_rule("IR3", "inherent", 1),
             make_rule("IR4", "inherent", 1)]
    values = np.asfortranarray(np.array([[1, 0, 0, 0], [1, 1, 0, 0], [1, 1, 1, 0]], dtype=np.int8))
    assert scores(rules, values, Settings())["band"].tolist() == ["medium", "high", "critical"]
    strict = Settings(bands=Bands(medium=30, high=60, critical=90))
    assert scores(rules, values, strict)["band"].tolist() == ["low", "medium", "high"]


def test_exposure_uses_award_then_estimate_and_ranks_unvalued_rows_last():
    exposure, basis = exposure_values(np.array([50.0, 80.0, 90.0, 10.0]),
                                      pd.Series([1000.0, None, None, -5.0]), pd.Series([None, 500.0, None, 200.0]))
    assert exposure.tolist()[:2] == [500.0, 400.0] and math.isnan(exposure[2]) and exposure[3] == 20.0
    assert basis.tolist() == [1, 2, 0, 2]
    assert exposure_rank(exposure, np.array([50.0, 80.0, 90.0, 10.0])).tolist() == [1, 2, 4, 3]


def test_score_contracts_from_an_outcome_matrix():
    rules = [make_rule("IR1", "inherent", 4), make_rule("PR1", "process", 2)]

    class FakeCatalogue:
        def __init__(self) -> None:
            self.rules = tuple(rules)
            self.settings = Settings()

    values = np.asfortranarray(np.array([[1, 1], [0, -1], [-1, 0]], dtype=np.int8))
    keys = pd.DataFrame({"contract_id": ["a", "b", "c"], "supplier_id": ["s", "s", None],
                         "award_value": [100.0, None, 50.0], "estimated_value": [None, 10.0, None],
                         "currency": ["EUR"] * 3})
    outcomes = Outcomes("contract", ("IR1", "PR1"), values, keys, supplier_rows=np.array([-1, -1, -1]))
    out = score_contracts(FakeCatalogue(), outcomes)
    assert out["contract_id"].tolist() == ["a", "b", "c"]
    assert out["score"].tolist()[:2] == [100.0, 0.0]
    assert out["exposure"].tolist()[0] == 100.0 and out["exposure_basis"].tolist()[1] == "estimated_value"
    assert out["exposure_rank"].tolist()[0] == 1
