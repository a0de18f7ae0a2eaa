"""The ILAB List of Goods (2022 edition) as good x ISO2 flags, downstream goods and the goods crosswalk."""

from __future__ import annotations

import pytest

from procrisk.reference import countries, cpv, ilab


def test_edition_and_counts_match_the_list() -> None:
    goods = ilab.load_goods()
    assert ilab.EDITION == "2022"
    assert len(goods) == 467
    assert goods["good"].nunique() == 169
    assert goods["iso2"].nunique() == 78
    assert goods["forced_labor"].sum() == 121
    assert goods["child_labor"].sum() == 414
    assert goods["forced_child_labor"].sum() == 54
    assert not goods.duplicated(["good", "iso2"]).any()


def test_every_ilab_country_resolves_to_iso2_or_is_a_listed_exception() -> None:
    names = ilab.country_iso2()
    goods = ilab.load_goods()
    levels = ilab.load_advancement_levels()
    assert set(goods["country"]) <= set(names)
    assert set(levels["country"]) <= set(names)
    assert goods["iso2"].notna().all() and levels["iso2"].notna().all()
    known = countries.iso2_codes() - {"XK"}
    odd = {name for name, iso2 in names.items() if iso2 not in known}
    assert odd == set(ilab.iso2_exceptions()) == {"Kosovo"}


def test_namibia_stays_na_not_missing() -> None:
    levels = ilab.load_advancement_levels().set_index("country")
    assert levels.at["Namibia", "iso2"] == "NA"


def test_forced_labour_pairs_named_in_the_domain_brief() -> None:
    goods = ilab.load_goods()

    def forced(name: str) -> set[str]:
        rows = goods[(goods["good"] == name) & goods["forced_labor"]]
        return set(rows["iso2"])

    assert forced("Garments") == {"AR", "BD", "BR", "CN", "IN", "MY", "TH", "VN"}
    assert forced("Cotton") == {"BJ", "BF", "CN", "KZ", "PK", "TJ", "TM"}
    assert forced("Electronics") == {"CN", "MY"}
    assert forced("Rubber Gloves") == {"MY"}
    assert forced("Polysilicon") == {"CN"}
    assert forced("Soccer Balls") == set()
    assert forced("Surgical Instruments") == set()


def test_downstream_goods_carry_no_flags_of_their_own_but_inherit_their_inputs() -> None:
    goods = ilab.load_goods().set_index(["good", "iso2"])
    down = goods[goods["downstream"]]
    assert len(down) == 10
    assert not down[["child_labor", "forced_labor", "forced_child_labor"]].any().any()
    assert down["input_good"].notna().all() and down["input_iso2"].notna().all()
    for good in ("Solar Modules", "Solar Cells", "Photovoltaic Wafers", "Photovoltaic Ingots"):
        assert goods.at[(good, "CN"), "any_forced_labor"], good
    battery = goods.loc[("Lithium-Ion Batteries", "CN")]
    assert battery["input_iso2"] == "CD"
    assert battery["any_child_labor"] and not battery["any_forced_labor"]
    for good in ("Crude Palm Oil", "Refined Palm Oil", "Crude Palm Kernel Oil", "Refined Palm Kernel Oil",
                 "Oleochemicals"):
        assert goods.at[(good, "ID"), "any_child_labor"] and not goods.at[(good, "ID"), "any_forced_labor"]
    listed = ilab.load_goods()
    assert listed["any_forced_labor"].sum() == 121 + 4


def test_downstream_inputs_agree_with_the_derived_country_in_the_list() -> None:
    raw = ilab._read(ilab.GOODS_FILE).set_index(["good", "country"])
    goods = ilab.load_goods().set_index(["good", "iso2"])
    for row in ilab._downstream().itertuples(index=False):
        assert raw.at[(row.good, row.country), "derived_country"] == row.input_country
        input_iso2 = ilab.country_iso2()[row.input_country]
        assert goods.loc[(row.input_good, input_iso2), ["child_labor", "forced_labor"]].any()


def test_crosswalk_names_only_listed_goods_and_real_cpv_codes() -> None:
    walk = ilab.crosswalk()
    listed = set(ilab.load_goods()["good"])
    stems = cpv.stems()
    assert walk["good"].is_unique
    for row in walk.itertuples(index=False):
        assert row.ilab_goods and set(row.ilab_goods) <= listed, row.good
        assert row.terms, row.good
        for prefix in (*row.cpv_prefixes, row.sector_prefix):
            assert prefix.isdigit() and prefix.ljust(8, "0") in stems, (row.good, prefix)
        assert all(p.isdigit() and 2 <= len(p) <= 6 for p in row.naics_prefixes), row.good


@pytest.mark.parametrize(
    "good",
    ["Garments", "Footwear", "Textiles", "Thread/Yarn", "Cotton", "Gloves", "Rubber Gloves", "Electronics",
     "Polysilicon", "Solar Modules", "Lithium-Ion Batteries", "Bricks", "Timber", "Fish", "Shrimp", "Coffee",
     "Cocoa", "Sugarcane", "Rice", "Tea", "Crude Palm Oil", "Gold", "Coal", "Toys", "Christmas Decorations",
     "Carpets", "Furniture", "Cattle", "Beef", "Tobacco", "Surgical Instruments", "Soccer Balls"],
)
def test_goods_public_buyers_buy_are_in_the_crosswalk(good: str) -> None:
    assert any(good in names for names in ilab.crosswalk()["ilab_goods"])


def test_pair_flags_combine_the_goods_of_a_crosswalk_row() -> None:
    flags = ilab.pair_flags()
    assert flags["garments"]["BD"] == (True, True)
    assert "BD" not in flags["cotton"]
    assert flags["solar_modules"] == {"CN": (False, True)}
    assert flags["rubber_gloves"]["MY"] == (False, True)
    assert flags["rubber_gloves"]["CN"] == (False, True)  # rubber gloves are gloves too
