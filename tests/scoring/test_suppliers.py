"""Supplier scores: spend-weighted and worst-case contract scores, own answers, hard flags, unlinked suppliers."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from procrisk.rules.engine import Outcomes
from procrisk.rules.model import Citation, Rule
from procrisk.rules.settings import Settings
from procrisk.scoring import score_suppliers


def make_rule(code: str, pillar: str, scope: str, weight: int = 2, hard: bool = False) -> Rule:
    return Rule(code=code, name=f"test.{code.lower()}", title="Test", summary="Test.", pillar=pillar, scope=scope,
                severity="medium", weight=weight, citation=Citation("procurement", "Test"), why="Test.",
                check="is_true", params={"column": "urgency_flag"}, explain="{contract_id}", action="Act.",
                version=1, hard_flag=hard)


class FakeCatalogue:
    def __init__(self, rules: list[Rule]) -> None:
        self.rules = tuple(rules)
        self.settings = Settings()


RULES = [make_rule("SW1", "inherent", "supplier", 3), make_rule("SD1", "due_diligence", "supplier", 5, hard=True),
         make_rule("SR1", "recruitment", "supplier", 2)]


def supplier_outcomes() -> Outcomes:
    values = np.asfortranarray(np.array([[1, 0, 0], [0, 1, 0], [-1, 0, 1]], dtype=np.int8))
    keys = pd.DataFrame({"supplier_id": ["S1", "S2", "S3"], "supplier_name": ["One", "Two", "Three"],
                         "supplier_name_key": ["one", "two", "three"]})
    return Outcomes("supplier", ("SW1", "SD1", "SR1"), values, keys)


def contract_scores() -> pd.DataFrame:
    return pd.DataFrame({
        "contract_id": ["a", "b", "c", "d", "e", "f"],
        "supplier_id": ["S1", "S1", "X9", None, "X9", None],
        "supplier_name": ["One", "One", "Nine", "Ten Ltd", "Nine", None],
        "supplier_name_key": ["one", "one", "nine", "ten", "nine", None],
        "award_value": [300.0, 100.0, None, 50.0, None, 10.0],
        "currency": ["EUR", "EUR", "EUR", "GBP", "USD", "EUR"],
        "score": [20.0, 60.0, 40.0, 70.0, 10.0, 99.0],
        "band": pd.Categorical(["medium", "critical", "high", "critical", "low", "critical"],
                               categories=["low", "medium", "high", "critical"], ordered=True),
        "hard_flag": [False, False, False, True, False, False],
        "supplier_row": [0, 0, -1, -1, -1, -1],
    })


@pytest.fixture
def out() -> pd.DataFrame:
    return score_suppliers(FakeCatalogue(RULES), contract_scores(), supplier_outcomes()).set_index("supplier_id")


def test_spend_weighted_mean_and_worst_case(out):
    one = out.loc["S1"]
    assert one["contracts"] == 2 and one["spend"] == 400.0
    assert one["contract_score_mean"] == pytest.approx((20 * 300 + 60 * 100) / 400)
    assert one["score"] == one["contract_score_mean"]
    assert one["contract_score_max"] == 60.0 and one["worst_band"] == "critical"
    assert one["has_questionnaire"] and one["currency"] == "EUR"
    assert one["own_score"] == pytest.approx(100.0 * (0.4 + 0.6 * 0.0))


def test_plain_mean_when_no_contract_has_a_value_and_mixed_currencies(out):
    nine = out.loc["X9"]
    assert nine["contract_score_mean"] == pytest.approx(25.0)
    assert math.isnan(nine["spend"]) and math.isnan(nine["exposure"])
    assert nine["currency"] == "mixed" and not nine["has_questionnaire"] and math.isnan(nine["own_score"])
    assert nine["supplier_name"] == "Nine"


def test_suppliers_known_by_name_key_only_and_hard_flags_from_contracts(out):
    ten = out.loc["name:ten"]
    assert ten["contracts"] == 1 and ten["band"] == "critical" and ten["hard_flag"]
    assert "f" not in out.index  # a contract naming no supplier counts for nobody


def test_suppliers_without_contracts_use_their_own_score_and_hard_flags(out):
    two = out.loc["S2"]
    assert two["contracts"] == 0 and two["band"] == "critical" and two["hard_flag"]
    three = out.loc["S3"]
    assert three["score"] == pytest.approx(three["own_score"])
    assert three["own_coverage"] == pytest.approx(7 / 10)


def test_rows_are_ordered_by_exposure_rank():
    table = score_suppliers(FakeCatalogue(RULES), contract_scores(), supplier_outcomes())
    assert table["exposure_rank"].tolist() == list(range(1, len(table) + 1))
    assert table["supplier_id"].iloc[0] == "S1"  # 400 x 0.3 is the largest exposure


def test_without_a_suppliers_table():
    table = score_suppliers(FakeCatalogue(RULES), contract_scores().assign(supplier_row=-1), None)
    assert set(table["supplier_id"]) == {"S1", "X9", "name:ten"}
    assert not table["has_questionnaire"].any()


def test_categorical_columns_give_the_same_result():
    plain = score_suppliers(FakeCatalogue(RULES), contract_scores(), supplier_outcomes())
    cats = contract_scores().astype({"currency": "category", "supplier_name": "category"})
    pd.testing.assert_frame_equal(score_suppliers(FakeCatalogue(RULES), cats, supplier_outcomes()), plain)
