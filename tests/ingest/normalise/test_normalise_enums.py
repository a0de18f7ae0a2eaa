"""Enumerated columns, yes / partly / no answers and booleans in English, French, Spanish and German."""

from __future__ import annotations

import pandas as pd
import pytest

from procrisk.ingest.normalise import normalise_column
from procrisk.ingest.normalise.enums import parse_answers, parse_bools, parse_enum
from procrisk.ingest.normalise.problems import describe
from procrisk.schema.columns import CONTRACTS, SUPPLIERS, TABLES


def _map(column_name: str, values: list[str | None], table: str = "contracts") -> list[object]:
    result = parse_enum(pd.Series(values, dtype="string"), TABLES[table][column_name])
    return [None if pd.isna(v) else v for v in result.values]


@pytest.mark.parametrize(
    ("text", "method"),
    [
        ("open", "open"),
        ("Open Tender", "open"),
        ("open procedure", "open"),
        ("RFP", "open"),
        ("RFQ", "open"),
        ("RFT", "open"),
        ("ITT", "open"),
        ("competitive", "open"),
        ("Public tender", "open"),
        ("Appel d'offres ouvert", "open"),
        ("Licitación Pública", "open"),
        ("Offenes Verfahren", "open"),
        ("restricted", "selective"),
        ("RFSQ", "selective"),
        ("Prequalification", "selective"),
        ("competitive dialogue", "selective"),
        ("Procédure restreinte", "selective"),
        ("Invitación restringida", "selective"),
        ("Invitación a cuando menos tres personas", "selective"),
        ("Nicht offenes Verfahren", "selective"),
        ("negotiated", "limited"),
        ("Negotiated without publication", "limited"),
        ("limited", "limited"),
        ("Procédure négociée", "limited"),
        ("Verhandlungsverfahren", "limited"),
        ("direct award", "direct"),
        ("Sole Source", "direct"),
        ("single-source", "direct"),
        ("Non-Competitive", "direct"),
        ("emergency direct", "direct"),
        ("gré à gré", "direct"),
        ("GRE A GRE", "direct"),
        ("Adjudicación Directa", "direct"),
        ("freihändige Vergabe", "direct"),
        ("Direktvergabe", "direct"),
    ],
)
def test_procurement_methods(text: str, method: str) -> None:
    assert _map("procurement_method", [text]) == [method]


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("Goods", "goods"),
        ("supplies", "goods"),
        ("Fournitures", "goods"),
        ("suministros", "goods"),
        ("Lieferung", "goods"),
        ("Services", "services"),
        ("servicios", "services"),
        ("Dienstleistung", "services"),
        ("Professional Services", "services"),
        ("works", "works"),
        ("Travaux", "works"),
        ("obras", "works"),
        ("Bauleistung", "works"),
        ("Construction Services", "works"),
    ],
)
def test_contract_types(text: str, kind: str) -> None:
    assert _map("contract_type", [text]) == [kind]


def test_goods_and_services_is_left_empty_with_a_note_not_guessed() -> None:
    result = parse_enum(
        pd.Series(["Goods and Services", "Goods & Services"], dtype="string"), CONTRACTS["contract_type"]
    )
    assert result.values.isna().all()
    assert result.problems.tolist() == [None, None]
    assert "several" in result.notes[0]


def test_unknown_value_is_a_warning_naming_the_allowed_values() -> None:
    result = parse_enum(pd.Series(["framework", None, ""], dtype="string"), CONTRACTS["procurement_method"])
    assert result.values.isna().all()
    assert result.problems.tolist() == ["enum.unknown", None, None]
    problem = describe("enum.unknown", CONTRACTS["procurement_method"].allowed)
    assert problem.severity == "warning"
    assert "open, selective, limited, direct" in problem.fix


@pytest.mark.parametrize(
    ("column", "table", "text", "value"),
    [
        ("ms_risk_rating", "contracts", "H", "high"),
        ("ms_risk_rating", "contracts", "Medium", "medium"),
        ("ms_risk_rating", "contracts", "amber", "medium"),
        ("award_basis", "contracts", "lowest price", "price_only"),
        ("award_basis", "contracts", "Price only", "price_only"),
        ("award_basis", "contracts", "MEAT", "price_quality"),
        ("award_basis", "contracts", "best price-quality ratio", "price_quality"),
        ("recruitment_fee_payer", "suppliers", "Employer", "employer"),
        ("recruitment_fee_payer", "suppliers", "workers pay", "worker"),
        ("recruitment_fee_payer", "suppliers", "both", "shared"),
        ("recruitment_fee_payer", "suppliers", "shared", "shared"),
        ("labour_violations", "suppliers", "None", "none"),
        ("labour_violations", "suppliers", "Serious", "serious"),
        ("grievance_mechanism", "suppliers", "partial", "partial"),
        ("remediation_procedure", "suppliers", "with referral", "with_referral"),
        ("wage_payment_frequency", "suppliers", "bi-weekly", "fortnightly"),
        ("wage_payment_frequency", "suppliers", "Monthly", "monthly"),
        ("wage_payment_frequency", "suppliers", "less often", "less_often"),
        ("clause_audit_rights", "contracts", "unannounced", "full"),
    ],
)
def test_other_enums(column: str, table: str, text: str, value: str) -> None:
    assert _map(column, [text], table) == [value]


def test_every_allowed_value_maps_to_itself_in_every_enum_column() -> None:
    for table in TABLES.values():
        for column in table.columns:
            if column.kind == "enum" and column.allowed:
                spellings = [*column.allowed, *(v.upper().replace("_", " ") for v in column.allowed)]
                result = parse_enum(pd.Series(spellings, dtype="string"), column)
                assert result.values.tolist() == [*column.allowed, *column.allowed], column.name


YES = ["yes", "Y", "oui", "Sí", "si", "ja", "TRUE", "1", "x", "✓"]
NO = ["no", "N", "non", "nein", "false", "0"]
PARTLY = ["partly", "partially", "in part", "Partiellement", "en partie", "parcialmente", "teilweise"]


def test_answers() -> None:
    result = parse_answers(pd.Series([*YES, *NO, *PARTLY, None, "", "maybe"], dtype="string"))
    expected = ["yes"] * len(YES) + ["no"] * len(NO) + ["partly"] * len(PARTLY) + [None, None, None]
    assert [None if pd.isna(v) else v for v in result.values] == expected
    assert result.problems.tolist() == [None] * (len(expected) - 1) + ["answer.unknown"]


def test_unanswered_stays_null_never_no() -> None:
    result = normalise_column(pd.Series([None, "  "], dtype="string"), SUPPLIERS["thb_conviction"])
    assert result.values.isna().all()


def test_bools() -> None:
    result = parse_bools(pd.Series([*YES, *NO, "partly", "maybe", None], dtype="string"))
    assert str(result.values.dtype) == "boolean"
    assert result.values.tolist()[: len(YES) + len(NO)] == [True] * len(YES) + [False] * len(NO)
    assert result.values.iloc[len(YES) + len(NO) :].isna().all()
    assert result.problems.tolist()[-3:] == ["bool.partly", "bool.unknown", None]


def test_bools_from_ocds_python_values() -> None:
    result = parse_bools(pd.Series([True, False, None, 1], dtype=object))
    assert result.values.tolist()[:2] == [True, False]
    assert pd.isna(result.values.iloc[2])
    assert bool(result.values.iloc[3]) is True
