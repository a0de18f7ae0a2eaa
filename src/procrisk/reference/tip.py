"""US State Department Trafficking in Persons (TIP) Report tiers per country: the latest year available.

The shipped file (Heiss & Kelley's compilation, 1999-2015) stops at 2015: no machine-readable 2016-2025
tiers were found. A jurisdiction can supply a newer file with ``load_tiers(path)``. Every tier carries the
year of the Report it comes from.
"""

from __future__ import annotations

import re
from functools import cache
from importlib.resources import files
from pathlib import Path

import pandas as pd

from procrisk.errors import ConfigError

DATA = files("procrisk.reference") / "data" / "tip"
TIP_FILE = "us-state-dept-tip-tiers_1999-2015.csv"
TIERS = ("tier_1", "tier_2", "tier_2_watch_list", "tier_3", "special_case")
# Worst-last order for "worst tier" questions: a Special Case (no government to assess, e.g. Somalia) ranks
# between the Tier 2 Watch List and Tier 3.
TIER_RANK = {"tier_1": 1, "tier_2": 2, "tier_2_watch_list": 3, "special_case": 4, "tier_3": 5}
_SPELLINGS = {
    "tier1": "tier_1", "1": "tier_1",
    "tier2": "tier_2", "2": "tier_2",
    "tier2watchlist": "tier_2_watch_list", "watchlist": "tier_2_watch_list", "tier2wl": "tier_2_watch_list",
    "2wl": "tier_2_watch_list", "tier2watch": "tier_2_watch_list",
    "tier3": "tier_3", "3": "tier_3",
    "specialcase": "special_case", "special": "special_case",
}


def parse_tier(values: pd.Series) -> pd.Series:
    """Raw tier text ('Tier 2    ', 'Watchlist', 'Special Case', ...) to the tier enum; NA when unranked."""
    key = values.astype("string").str.casefold().str.replace(r"[^a-z0-9]", "", regex=True)
    return key.map(_SPELLINGS).astype("string")


@cache
def _iso3_to_iso2() -> dict[str, str]:
    """ISO3 (as used by the shipped file, KOS included) -> ISO2."""
    table = pd.read_csv(DATA / "iso3_iso2.csv", dtype=str, keep_default_na=False)
    return dict(zip(table["iso3"], table["iso2"], strict=True))


def _history(raw: pd.DataFrame, source: str) -> pd.DataFrame:
    """Tidy country-year rows (iso2, country, year, tier) from a raw tier table; unranked rows dropped."""
    cols = {re.sub(r"[^a-z0-9]", "", c.casefold()): c for c in raw.columns}
    if "year" not in cols or "tier" not in cols or not ({"iso2", "iso", "iso3"} & set(cols)):
        msg = (f"{source}: a TIP tier file needs the columns year, tier and a country code (iso2, or "
               f"iso/iso3); found {list(raw.columns)}")
        raise ConfigError(msg)
    if "iso2" in cols:
        iso2 = raw[cols["iso2"]].str.strip().str.upper()
    else:
        iso3 = raw[cols.get("iso3", cols.get("iso"))].str.strip().str.upper()
        iso2 = iso3.map(_iso3_to_iso2())
        unknown = sorted(set(iso3[iso2.isna()]))
        if unknown:
            msg = f"{source}: ISO3 codes not in data/tip/iso3_iso2.csv: {unknown}; add them or use iso2"
            raise ConfigError(msg)
    name_col = cols.get("countryname", cols.get("country"))
    out = pd.DataFrame({
        "iso2": iso2.astype("string"),
        "country": raw[name_col].str.strip() if name_col else iso2,
        "year": pd.to_numeric(raw[cols["year"]], errors="coerce").astype("Int64"),
        "tier": parse_tier(raw[cols["tier"]]),
    })
    return out.dropna(subset=["iso2", "year", "tier"])


def load_history(path: str | Path | None = None) -> pd.DataFrame:
    """Every ranked country-year (iso2, country, year, tier) of the shipped file or the file at ``path``."""
    if path is None:
        raw = pd.read_csv(DATA / TIP_FILE, dtype=str, keep_default_na=False)
        history = _history(raw, TIP_FILE)
        overrides = pd.read_csv(DATA / "overrides.csv", dtype=str, keep_default_na=False)
        history = pd.concat([history, _history(overrides, "overrides.csv")], ignore_index=True)
        return history.drop_duplicates(["iso2", "year"], keep="last").reset_index(drop=True)
    file = Path(path)
    if not file.is_file():
        msg = f"TIP tier file not found: {file}"
        raise ConfigError(msg)
    raw = pd.read_csv(file, dtype=str, keep_default_na=False)
    return _history(raw, str(file))


def load_tiers(path: str | Path | None = None) -> pd.DataFrame:
    """Latest ranked tier per country (iso2, country, tier, year), from the shipped file or ``path``."""
    if path is None:
        return _shipped_tiers().copy()
    return _latest(load_history(path))


def _latest(history: pd.DataFrame) -> pd.DataFrame:
    """Keep each country's most recent ranked year."""
    latest = history.sort_values(["iso2", "year"]).groupby("iso2", sort=True).tail(1)
    return latest[["iso2", "country", "tier", "year"]].reset_index(drop=True)


@cache
def _shipped_tiers() -> pd.DataFrame:
    """The shipped latest tiers, computed once."""
    return _latest(load_history())


def latest_year(tiers: pd.DataFrame | None = None) -> int:
    """The most recent Report year in a tier table (2015 for the shipped file)."""
    table = _shipped_tiers() if tiers is None else tiers
    return int(table["year"].max())


def tier_of(countries: pd.Series, tiers: pd.DataFrame | None = None) -> pd.DataFrame:
    """Tier and year for each ISO2 country (NA for a missing, unknown or unranked country)."""
    table = (_shipped_tiers() if tiers is None else tiers).set_index("iso2")
    codes = countries.astype("string").str.strip().str.upper()
    return pd.DataFrame({
        "tier": codes.map(table["tier"]).astype("string"),
        "year": codes.map(table["year"]).astype("Int64"),
    }, index=countries.index)
