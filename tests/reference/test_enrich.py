"""Reference enrichment of contracts and suppliers: what each column says, and when it stays null."""

from __future__ import annotations

import pandas as pd
import pytest

from procrisk.reference import enrich
from procrisk.schema.columns import ENRICHMENT_CONTRACTS

COLUMNS = ("title", "description", "category", "classification_scheme", "classification_code", "cpv_division",
           "origin_country", "supplier_country", "delivery_country")


def contracts(*rows: dict) -> pd.DataFrame:
    """A contracts frame with the enrichment inputs (absent keys are null)."""
    return pd.DataFrame([{c: row.get(c) for c in COLUMNS} for row in rows])


def py(value: object) -> object:
    """A cell as a plain Python value: None for any null, bool / int / str / list otherwise."""
    if isinstance(value, list):
        return value
    if pd.isna(value):
        return None
    return value.item() if hasattr(value, "item") else value


def one(**row: object) -> dict[str, object]:
    """The enriched enrichment columns of a single contract, as plain Python values."""
    out = enrich.enrich_contracts(contracts(row)).iloc[0]
    return {c: py(out[c]) for c in enrich.CONTRACT_COLUMNS}


def test_adds_exactly_the_enrichment_columns_with_their_types() -> None:
    frame = contracts({"title": "Cleaning"}).assign(contract_id="C1")
    out = enrich.enrich_contracts(frame)
    added = [c.name for c in ENRICHMENT_CONTRACTS]
    assert list(out.columns) == [*frame.columns, *added]
    assert out[["sector_tier", "sector_label", "supplier_country_tier"]].dtypes.eq("string").all()
    flags = ["ilab_good_listed", "ilab_forced_labour_pair", "ilab_child_labour_pair"]
    assert out[flags].dtypes.eq("boolean").all()
    assert str(out["tip_year"].dtype) == "Int64"
    assert frame.columns.tolist() == [*COLUMNS, "contract_id"]  # the input is not modified


def test_cotton_uniforms_from_bangladesh() -> None:
    row = one(title="Supply of cotton uniforms", origin_country="BD", supplier_country="GB")
    assert row["ilab_goods"] == ["Garments", "Cotton"]
    assert row["ilab_good_listed"] is True
    assert row["ilab_forced_labour_pair"] is True  # garments x Bangladesh is listed for forced labour
    assert row["ilab_child_labour_pair"] is True
    assert row["sector_tier"] == "high" and "(CPV 18)" in row["sector_label"]
    assert row["origin_country_tier"] == "tier_2" and row["supplier_country_tier"] == "tier_1"
    assert row["delivery_country_tier"] is None
    assert row["tip_year"] == 2015


def test_software_contract_is_low_with_no_listed_goods() -> None:
    row = one(title="Case management platform", classification_scheme="CPV", classification_code="48000000-8",
              origin_country="US")
    assert row["sector_tier"] == "low"
    assert row["sector_label"] == "Software package and information systems (CPV 48)"
    assert row["ilab_goods"] == []
    assert row["ilab_good_listed"] is False
    assert row["ilab_forced_labour_pair"] is False


def test_unknown_origin_gives_a_null_pair() -> None:
    row = one(title="Frozen fish fillets for school meals")
    assert row["ilab_goods"] == ["Fish", "Dried Fish", "Tilapia (fish)", "Nile Perch (fish)"]
    assert row["ilab_good_listed"] is True
    assert row["ilab_forced_labour_pair"] is None and row["ilab_child_labour_pair"] is None
    assert one(title="Frozen fish fillets", origin_country="TH")["ilab_forced_labour_pair"] is True
    assert one(title="Frozen fish fillets", origin_country="NO")["ilab_forced_labour_pair"] is False


def test_nothing_to_look_at_stays_null() -> None:
    row = one(supplier_country="FR")
    assert row["sector_tier"] is None and row["sector_label"] is None
    assert row["ilab_goods"] is None
    assert row["ilab_good_listed"] is None and row["ilab_forced_labour_pair"] is None
    assert row["supplier_country_tier"] == "tier_1" and row["tip_year"] == 2015
    empty = one()
    assert empty["tip_year"] is None and empty["supplier_country_tier"] is None


def test_text_without_a_match_is_not_low() -> None:
    row = one(title="Annual report")
    assert row["sector_tier"] is None
    assert row["ilab_goods"] == [] and row["ilab_good_listed"] is False


@pytest.mark.parametrize(
    ("title", "goods"),
    [
        ("Goldman Sachs advisory services", []),
        ("Gold bullion for the reserve", ["Gold"]),
        ("Charcoal for barbecues", ["Charcoal"]),
        ("Coal for the district heating plant", ["Coal"]),
        ("Finishing works", []),
        ("US Fish and Wildlife Service habitat survey", []),
        ("Coffee table and chairs", []),
        ("Building fabric maintenance", []),
        ("Brick and mortar retail study", []),
        ("Nitrile examination gloves", ["Rubber Gloves", "Gloves"]),
        ("Fourniture de vêtements de travail", ["Garments"]),
        ("Ropa de trabajo y calzado de seguridad", ["Garments", "Footwear", "Footwear (sandals)"]),
        ("Einmalhandschuhe und Baumwollhemden", ["Rubber Gloves", "Gloves", "Cotton"]),
        ("Décorations de Noël", ["Christmas Decorations"]),
        ("T-Shirts (100% coton)", ["Garments", "Cotton"]),
        ("Solar PV installation", ["Solar Modules", "Solar Cells", "Photovoltaic Wafers",
                                   "Photovoltaic Ingots"]),
    ],
)
def test_title_matching(title: str, goods: list[str]) -> None:
    assert one(title=title)["ilab_goods"] == goods


def test_downstream_goods_reach_the_pairs() -> None:
    solar = one(title="Solar panels for school roofs", origin_country="CN")
    assert solar["ilab_forced_labour_pair"] is True and solar["ilab_child_labour_pair"] is False
    battery = one(title="Lithium-ion batteries", origin_country="CN")
    assert battery["ilab_goods"] == ["Lithium-Ion Batteries"]
    assert battery["ilab_child_labour_pair"] is True and battery["ilab_forced_labour_pair"] is False
    palm = one(description="Refined palm oil for the kitchens", origin_country="ID")
    assert palm["ilab_child_labour_pair"] is True and palm["ilab_forced_labour_pair"] is False


def test_cpv_and_naics_codes_reach_the_goods() -> None:
    gloves = one(classification_scheme="CPV", classification_code="18424300-0", origin_country="MY")
    assert gloves["ilab_goods"] == ["Gloves", "Rubber Gloves"]
    assert gloves["ilab_forced_labour_pair"] is True
    assert gloves["sector_label"] == "Clothing accessories (CPV 1842)"
    unnamed = one(classification_code="18424300-0")  # a CPV code with check digit needs no scheme
    assert unnamed["ilab_goods"] == ["Gloves", "Rubber Gloves"]
    apparel = one(classification_scheme="NAICS", classification_code="315210", origin_country="VN")
    assert apparel["ilab_goods"] == ["Garments"] and apparel["ilab_forced_labour_pair"] is True
    assert apparel["sector_tier"] == "high"


def test_coarse_or_foreign_codes_do_not_say_no_listed_good() -> None:
    division = one(cpv_division="45")
    assert division["sector_tier"] == "high" and division["sector_label"] == "Construction work (CPV 45)"
    assert division["ilab_goods"] is None and division["ilab_good_listed"] is None
    unspsc = one(classification_scheme="UNSPSC", classification_code="43232104")
    assert unspsc["sector_tier"] == "low" and unspsc["ilab_goods"] is None
    group = one(classification_scheme="CPV", classification_code="45210000-2")
    assert group["ilab_goods"] == [] and group["ilab_good_listed"] is False


def test_a_code_wins_over_text_for_the_sector() -> None:
    row = one(title="Cleaning services", classification_scheme="CPV", classification_code="72000000-5")
    assert row["sector_tier"] == "low"
    text = one(title="Cleaning services and software")
    assert text["sector_tier"] == "high" and "text match: Cleaning services" in text["sector_label"]


def test_index_is_kept_and_old_enrichment_columns_are_replaced() -> None:
    frame = contracts({"title": "Toys"}, {"title": "Legal services"}).set_axis(["b", "b"])
    frame["sector_tier"] = "low"
    out = enrich.enrich_contracts(frame)
    assert out.index.tolist() == ["b", "b"]
    assert out["sector_tier"].tolist() == ["high", "low"]
    assert list(out.columns).count("sector_tier") == 1


def test_many_rows_map_the_same_as_one() -> None:
    sample = contracts(
        {"title": "Supply of cotton uniforms", "origin_country": "BD"},
        {"classification_scheme": "CPV", "classification_code": "48000000-8", "supplier_country": "US"},
        {"title": "Frozen fish fillets"},
        {},
    )
    big = pd.concat([sample] * 1_000, ignore_index=True)
    out = enrich.enrich_contracts(big)
    expected = enrich.enrich_contracts(sample)
    for column in enrich.CONTRACT_COLUMNS:
        want = [py(v) for v in expected[column]] * 1_000
        assert [py(v) for v in out[column]] == want, column
    assert enrich.enrich_contracts(big).equals(out)  # deterministic


def test_suppliers_get_their_own_and_worst_production_tier() -> None:
    suppliers = pd.DataFrame({
        "supplier_id": ["S1", "S2", "S3", "S4", "S5"],
        "supplier_country": ["GB", "CN", None, "ZZ", "SO"],
        "production_countries": [["GB", "CN", "KP"], ["SO", "GB"], [], None, ["ZZ", "DM"]],
    })
    out = enrich.enrich_suppliers(suppliers)
    own = [py(v) for v in out["supplier_country_tier"]]
    assert own == ["tier_1", "tier_2_watch_list", None, None, "special_case"]
    worst = [py(v) for v in out["production_countries_worst_tier"]]
    assert worst == ["tier_3", "special_case", None, None, None]
    assert list(out.columns) == [*suppliers.columns, *enrich.SUPPLIER_COLUMNS]


def test_reference_versions_fingerprint_every_shipped_file() -> None:
    import hashlib

    from procrisk.reference import versions

    found = versions.reference_versions()
    for name in ("sector_tiers", "ilab_goods", "ilab_crosswalk", "tip_tiers", "ilo_indicators"):
        entry = found[name]
        assert entry["name"] == name and entry["edition"] and entry["source"] and entry["licence"]
        assert len(entry["sha256"]) == 64
    assert found["ilab_goods"]["edition"] == "2022" and found["tip_tiers"]["edition"] == "2015"
    hashed = {path: digest for entry in found.values() for path, digest in entry["files"].items()}
    for folder in ("sectors", "ilab", "tip", "ilo"):
        for file in (versions.DATA / folder).iterdir():
            assert hashed[f"{folder}/{file.name}"] == hashlib.sha256(file.read_bytes()).hexdigest()
