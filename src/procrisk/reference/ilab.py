"""The US DOL ILAB List of Goods Produced by Child Labor or Forced Labor (2022) as good x country flags.

Downstream goods: the List also names goods made *with* a listed input (China: lithium-ion batteries with DRC
cobalt; polysilicon-based PV ingots, wafers, cells and modules; Indonesia: palm-oil derivatives). In the goods
file their three flags are all "No" and only ``derived_labor_exploitation`` / ``derived_country`` say so. We
keep the flags as listed and add ``any_child_labor`` / ``any_forced_labor``: listed for the good itself, or
listed for its input (``downstream_inputs.csv`` names the input good and country; the input's own flags in
the same file decide which kind of labour passes down).
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files

import pandas as pd

DATA = files("procrisk.reference") / "data" / "ilab"
EDITION = "2022"
GOODS_FILE = "ilab_goods_child_forced_labor.csv"
ADVANCEMENT_FILE = "ilab_country_advancement_levels.csv"
_FLAGS = ("child_labor", "forced_labor", "forced_child_labor")


def _read(name: str) -> pd.DataFrame:
    """Read one packaged CSV as text; 'NA' (Namibia) and empty cells stay text, never NaN."""
    return pd.read_csv(DATA / name, dtype=str, keep_default_na=False)


@cache
def country_iso2() -> dict[str, str]:
    """ILAB country name -> ISO alpha-2 code, for every country named in the shipped ILAB files."""
    table = _read("country_iso2.csv")
    return dict(zip(table["country"], table["iso2"], strict=True))


@cache
def iso2_exceptions() -> dict[str, str]:
    """ILAB names whose code is not an ISO 3166-1 code (Kosovo -> XK, user-assigned), with the reason."""
    table = _read("country_iso2.csv")
    hit = table["note"].str.startswith("exception")
    return dict(zip(table.loc[hit, "country"], table.loc[hit, "note"], strict=True))


@cache
def _downstream() -> pd.DataFrame:
    """The downstream goods with the input good and country each is made from."""
    return _read("downstream_inputs.csv")


@cache
def load_goods() -> pd.DataFrame:
    """One row per good x country of the 2022 List, flags as booleans, downstream goods resolved."""
    raw = _read(GOODS_FILE)
    iso = country_iso2()
    goods = pd.DataFrame({
        "good": raw["good"],
        "sector": raw["sector"],
        "country": raw["country"],
        "iso2": raw["country"].map(iso),
        **{flag: raw[flag].eq("Yes") for flag in _FLAGS},
        "downstream": raw["derived_labor_exploitation"].eq("Yes"),
    })
    down = _downstream().rename(columns={"input_country": "input_country_name"})
    goods = goods.merge(down[["good", "country", "input_good", "input_country_name"]], how="left",
                        on=["good", "country"])
    goods["input_iso2"] = goods["input_country_name"].map(iso)
    listed = goods.set_index(["good", "iso2"])[list(_FLAGS)]
    via = listed.reindex(pd.MultiIndex.from_arrays([goods["input_good"], goods["input_iso2"]]))
    via = via.fillna(False).astype(bool).to_numpy()
    child, forced, forced_child = (via[:, i] for i in range(3))
    goods["any_child_labor"] = goods["child_labor"] | goods["forced_child_labor"] | child | forced_child
    goods["any_forced_labor"] = goods["forced_labor"] | goods["forced_child_labor"] | forced | forced_child
    goods["edition"] = EDITION
    return goods.drop(columns="input_country_name")


@cache
def load_advancement_levels() -> pd.DataFrame:
    """ILAB Findings on the Worst Forms of Child Labor (reporting year 2022): level per country, with iso2."""
    table = _read(ADVANCEMENT_FILE)
    table.insert(1, "iso2", table["country"].map(country_iso2()))
    return table


@cache
def crosswalk() -> pd.DataFrame:
    """Goods public buyers buy -> ILAB goods, CPV and NAICS prefixes, match terms and stop terms."""
    table = _read("goods_cpv_crosswalk.csv")
    for col, sep in (("ilab_goods", "|"), ("cpv_prefixes", " "), ("naics_prefixes", " "), ("terms", "|"),
                     ("stop_terms", "|")):
        table[col] = [tuple(t for t in v.split(sep) if t) for v in table[col]]
    return table


@cache
def pair_flags() -> dict[str, dict[str, tuple[bool, bool]]]:
    """Per crosswalk good: ISO2 -> (child labour, forced labour) over its ILAB goods, downstream included."""
    by_name: dict[str, list[tuple[str, bool, bool]]] = {}
    goods = load_goods()
    columns = ("good", "iso2", "any_child_labor", "any_forced_labor")
    for name, iso2, cl, fl in goods[list(columns)].itertuples(index=False):
        by_name.setdefault(name, []).append((iso2, bool(cl), bool(fl)))
    out: dict[str, dict[str, tuple[bool, bool]]] = {}
    for key, names in zip(crosswalk()["good"], crosswalk()["ilab_goods"], strict=True):
        flags: dict[str, tuple[bool, bool]] = {}
        for iso2, cl, fl in (row for name in names for row in by_name[name]):
            old = flags.get(iso2, (False, False))
            flags[iso2] = (old[0] or cl, old[1] or fl)
        out[key] = flags
    return out
