"""Automatic and explicit column mapping."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from helpers import REAL
from procrisk.errors import ConfigError
from procrisk.ingest.mapping import dump_mapping, guess_table, load_mapping, score_header, suggest_mapping


def _headers(name: str) -> list[str]:
    with (REAL / "tabular" / name).open(encoding="utf-8") as fh:
        return next(csv.reader(fh))


@pytest.mark.parametrize(("header", "column"), [
    ("Contract Reference", "contract_id"),
    ("Successful Supplier", "supplier_name"),
    ("Awarded Amount", "award_value"),
    ("Value (£)", "award_value"),
    ("Montant attribué", "award_value"),
    ("Titulaire", "supplier_name"),
    ("Adjudicatario", "supplier_name"),
    ("Fecha de adjudicación", "award_date"),
    ("Auftragnehmer", "supplier_name"),
    ("Zuschlagsdatum", "award_date"),
    ("Pays d'origine", "origin_country"),
    ("CPV code", "classification_code"),
    ("No. of bids", "number_of_tenderers"),
    ("Sub-contractors", "subcontractors"),
    ("SUPPLIER_COUNTRY", "supplier_country"),
])
def test_common_headers_in_four_languages_map_with_high_confidence(header: str, column: str) -> None:
    found, confidence = score_header(header, "contracts")
    assert found == column
    assert confidence >= 0.75


def test_toronto_register_maps_its_key_columns() -> None:
    mapping = suggest_mapping(_headers("toronto-bids-awarded-contracts.csv"), "contracts")
    assert mapping.mapped["Successful Supplier"] == "supplier_name"
    assert mapping.mapped["Awarded Amount"] == "award_value"
    assert mapping.mapped["Award Date"] == "award_date"
    # "Division" and "Buyer Name" both name the buyer exactly; the first header wins and the other is kept as an
    # extra. For Toronto that is right: "Buyer Name" holds the purchasing agent's name, not the authority.
    assert mapping.mapped["Division"] == "buyer_name"
    assert "Buyer Name" not in mapping.mapped
    assert mapping.mapped["Solicitation Document Description"] == "description"
    assert len(set(mapping.mapped.values())) == len(mapping.mapped)  # one header per canonical column


def test_usaspending_subawards_map_supplier_amount_and_naics() -> None:
    mapping = suggest_mapping(_headers("usaspending-dhs-ice-contract-subawards.csv"), "contracts")
    assert mapping.mapped["subawardee_name"] == "supplier_name"
    assert mapping.mapped["subaward_amount"] == "award_value"
    assert mapping.mapped["subaward_naics_code"] == "classification_code"
    assert mapping.mapped["subaward_action_date"] == "award_date"


def test_questionnaire_headers_are_recognised_as_the_suppliers_table() -> None:
    headers = ["Company name", "Company number", "Country", "Uses labour recruiters", "Who pays recruitment fees",
               "Holds passports", "Modern slavery statement URL", "Annual turnover", "Grievance mechanism"]
    assert guess_table(headers) == "suppliers"
    assert guess_table(_headers("toronto-bids-awarded-contracts.csv")) == "contracts"


def test_mapping_file_round_trips_and_rejects_unknown_columns(tmp_path: Path) -> None:
    mapping = suggest_mapping(["Contract Ref", "Vendor", "Officer notes"], "contracts")
    path = tmp_path / "m.yaml"
    path.write_text(dump_mapping(mapping, source="register.xlsx"))
    loaded = load_mapping(path)
    assert loaded.columns == mapping.columns
    path.write_text("table: contracts\ncolumns:\n  Vendor: suplier_name\n")
    with pytest.raises(ConfigError, match="did you mean 'supplier_name'"):
        load_mapping(path)
    path.write_text("table: contracts\ncolumns:\n  A: title\n  B: title\n")
    with pytest.raises(ConfigError, match="mapped from both"):
        load_mapping(path)
    path.write_text("table: contracts\ncolums: {}\n")
    with pytest.raises(ConfigError, match="needs 'table' and a 'columns'"):
        load_mapping(path)


def test_headers_scored_in_threads_get_the_scores_they_get_alone() -> None:
    """The synonym matchers are reused from header to header (one set per thread), never shared between
    threads, so concurrent scoring gives each header the confidence it gets on its own."""
    from concurrent.futures import ThreadPoolExecutor

    from procrisk.ingest.mapping import score_header

    headers = [f"{word} {i}" for i in range(40) for word in ("Supplier nme", "Awrd value", "Contrct ref", "Buyr")]
    score_header.cache_clear()
    alone = [score_header(h, "contracts") for h in headers]
    for _ in range(5):
        score_header.cache_clear()
        with ThreadPoolExecutor(max_workers=4) as pool:
            together = list(pool.map(lambda h: score_header(h, "contracts"), headers))
        assert together == alone
    assert alone[0][0] == "supplier_name"


def test_the_mapping_file_says_why_a_header_was_left_unmapped(tmp_path: Path) -> None:
    """Toronto's "Division" and "Buyer Name" both read as buyer_name; the file names the header that took it,
    and a weak guess is called one, so the user knows what to edit."""
    mapping = suggest_mapping(_headers("toronto-bids-awarded-contracts.csv"), "contracts")
    text = dump_mapping(mapping, source="toronto.csv")
    assert "  Division: buyer_name  # confidence 1.00\n" in text
    assert ("  Buyer Name: null  # looks like buyer_name (1.00), which 'Division' maps to; swap them if this one "
            "is meant\n") in text
    weak = suggest_mapping(["Contract Ref", "Zzq"], "contracts", min_confidence=0.99)
    weak_text = dump_mapping(weak)
    guess, conf = score_header("Contract Ref", "contracts")
    assert f"  Contract Ref: null  # best guess {guess} ({conf:.2f}), too weak to map\n" in weak_text
    path = tmp_path / "m.yaml"
    path.write_text(text)
    assert load_mapping(path).columns == mapping.columns
