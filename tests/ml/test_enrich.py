"""enrich_with_models end to end: the new columns, supplier profiles, explanations and the rules reading them."""

from __future__ import annotations

import pandas as pd
import pytest

from procrisk.ml import enrich_with_models, explain_ml, list_suppliers
from procrisk.rules import evaluate, load_catalogue

CLEANING = ["Office cleaning", "Cleaning of schools", "Window cleaning", "Building cleaning", "Depot cleaning",
            "Library cleaning"]


@pytest.fixture(scope="module")
def enriched():
    names = ["ACME Ltd", "Acme Limited", "ACME LTD.", "Acme Ltd (UK)", "Acme Cleaning Ltd", "Acme Catering Ltd",
             "Beta Clean plc"]
    contracts = pd.DataFrame({
        "contract_id": [f"C{i}" for i in range(9)],
        "supplier_name": [*names, None, "Beta Clean PLC"],
        "title": [*CLEANING, "Office cleaning services for the civic centre", "Road resurfacing works", "Cleaning"],
        "description": None,
        "cpv_division": ["90"] * 6 + [None, None, "90"],
        "classification_code": ["90910000-9"] * 6 + [None, None, "90911200-8"],
        "award_value": [100_000, 110_000, 95_000, 105_000, 98_000, 102_000, 38_000, 500_000, 101_000],
        "award_date": pd.Timestamp("2024-05-01"),
        "currency": "GBP", "buyer_country": "GB",
        "estimated_value": [None] * 6 + [100_000, None, None],
    })
    suppliers = pd.DataFrame({"supplier_id": ["GB-COH-01234567"], "supplier_name": ["Acme Limited"],
                              "registration_ids": [["GB-COH-01234567"]], "source": ["questionnaire"]})
    return enrich_with_models(contracts, suppliers, category_min_probability=0.5, random_state=0)


def test_enrich_adds_every_ml_column(enriched):
    contracts, suppliers, _ = enriched
    for column in ("supplier_key", "cpv_division_inferred", "cpv_group_inferred", "category_probability",
                   "price_peer_ratio", "price_peer_median", "price_peer_count", "price_peer_group",
                   "price_anomaly_score", "price_estimate_ratio"):
        assert column in contracts.columns
    assert suppliers["supplier_key"].tolist() == ["GB-COH-01234567"]
    assert set(contracts.loc[:3, "supplier_key"]) == {"GB-COH-01234567"}
    assert contracts.loc[4, "supplier_key"] != contracts.loc[5, "supplier_key"]
    assert pd.isna(contracts.loc[7, "supplier_key"]) is False or contracts.loc[7, "supplier_key"] is pd.NA


def test_enrich_infers_only_missing_categories(enriched):
    contracts, _, meta = enriched
    assert contracts.loc[:5, "cpv_division_inferred"].isna().all()
    assert contracts.loc[6, "cpv_division_inferred"] == "90"
    assert contracts.loc[6, "category_probability"] >= 0.5
    assert contracts.loc[7, "cpv_division_inferred"] == "45"
    assert meta["categories"]["rows_inferred"] == 2
    assert meta["categories"]["training_rows"]["data"] >= 1


def test_enrich_prices_the_inferred_contract_against_observed_peers(enriched):
    contracts, _, meta = enriched
    row = contracts.loc[6]
    assert row["price_peer_count"] == 7
    assert row["price_peer_ratio"] == pytest.approx(38_000 / 101_000)
    assert row["price_estimate_ratio"] == pytest.approx(0.38)
    assert "category is inferred" in row["price_peer_group"]
    assert meta["prices"]["rows_by_level"]["group"] >= 7
    assert set(meta) == {"suppliers", "categories", "prices", "timings_s", "cpu_s"}


def test_enrich_is_deterministic():
    contracts = pd.DataFrame({"contract_id": ["A", "B", "C"], "supplier_name": ["Acme Ltd", "ACME LIMITED", "Beta"],
                              "cpv_division": "90", "classification_code": "90910000-9", "award_value": [1.0, 2, 3],
                              "currency": "GBP", "buyer_country": "GB"})
    suppliers = pd.DataFrame({"supplier_id": ["S1"], "supplier_name": ["Beta SA"]})
    first = enrich_with_models(contracts, suppliers, price_params={"min_peers": 1})
    second = enrich_with_models(contracts, suppliers, price_params={"min_peers": 1})
    pd.testing.assert_frame_equal(first[0], second[0])
    pd.testing.assert_frame_equal(first[1], second[1])
    assert first[2]["categories"]["fitted"] is False


def test_list_suppliers_aggregates_by_key(enriched):
    contracts, suppliers, _ = enriched
    table = list_suppliers(contracts, suppliers)
    acme = table.set_index("supplier_key").loc["GB-COH-01234567"]
    assert acme["n_contracts"] == 4
    assert acme["total_value"] == 410_000
    assert acme["canonical_name"] == "Acme Limited"
    assert set(acme["variants"]) == {"ACME Ltd", "Acme Limited", "ACME LTD.", "Acme Ltd (UK)"}
    assert acme["ids"] == ["GB-COH-01234567"]
    assert acme["sources"] == ["questionnaire"]
    beta = table[table["canonical_name"].str.startswith("Beta")].iloc[0]
    assert beta["n_contracts"] == 2


def test_list_suppliers_names_the_currency_of_each_suppliers_spend() -> None:
    """One currency: its code and the sum; several: "mixed" and no sum; none given: no currency."""
    contracts = pd.DataFrame({
        "supplier_key": ["K1", "K1", "K2", "K2", "K3", None],
        "supplier_name": ["One", "One", "Two", "Two", "Three", "Nobody"],
        "award_value": [100.0, 50.0, 10.0, 20.0, 5.0, 1.0],
        "currency": ["EUR", None, "EUR", "GBP", None, "USD"],
    })
    table = list_suppliers(contracts, pd.DataFrame()).set_index("supplier_key")
    assert table.loc["K1", "currency"] == "EUR" and table.loc["K1", "total_value"] == 150.0
    assert table.loc["K2", "currency"] == "mixed" and pd.isna(table.loc["K2", "total_value"])
    assert pd.isna(table.loc["K3", "currency"]) and table.loc["K3", "total_value"] == 5.0
    assert list(table.index) == ["K1", "K2", "K3"]


def test_explain_ml_describes_peers_and_inferred_category(enriched):
    contracts, _, _ = enriched
    text = explain_ml(contracts.loc[6].to_dict())
    assert text["price"].startswith("The award is 38 % of the median")
    assert "7 comparable contracts" in text["price"]
    assert "division 90" in text["category"] and "probability" in text["category"]


def test_rules_read_the_ml_columns(enriched):
    contracts, _, _ = enriched
    catalogue = load_catalogue()
    pr20 = evaluate(catalogue.get("PR20").with_params(min_peers=5), contracts)
    outcomes = dict(zip(pr20["entity_id"], pr20["outcome"], strict=True))
    assert outcomes["C6"] == "flagged"
    assert outcomes["C0"] == "clear"
    assert outcomes["C7"] == "clear"
    few = evaluate(catalogue.get("PR20").with_params(min_peers=20), contracts)
    assert set(few["outcome"]) == {"not_assessed"}
    ir20 = evaluate(catalogue.get("IR20"), contracts)
    outcomes = dict(zip(ir20["entity_id"], ir20["outcome"], strict=True))
    assert outcomes["C6"] == "flagged"
    assert outcomes["C0"] == "not_applicable"
    assert outcomes["C7"] == "flagged"


def test_the_formatting_helpers_load_without_scikit_learn() -> None:
    """procrisk explain formats the ML columns with explain_ml: that must not cost the ~3 s of importing
    scikit-learn and scipy (the estimators load on first use)."""
    import json
    import subprocess
    import sys

    script = ("import json, sys\n"
              "from procrisk.ml import explain_ml, list_suppliers, name_key\n"
              "print(json.dumps([m for m in ('sklearn', 'scipy') if m in sys.modules]))\n")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == []
    import procrisk.ml

    assert procrisk.ml.SupplierResolver.__name__ == "SupplierResolver"
