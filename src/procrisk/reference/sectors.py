"""Sector risk tiers: CPV, UNSPSC and NAICS codes to a high / medium / low tier, the longest prefix winning.

The tier tables (``data/sectors/*_tiers.csv``) hold the project's judgement, based on the sources named in
each row's ``source`` (UK PPN 02/23, the ILAB List, the UK GLAA, Walk Free; mapping in domain.md §3.2).
``sector_terms.csv`` gives words that point to a CPV prefix when a contract has no usable code.
"""

from __future__ import annotations

import re
from functools import cache
from importlib.resources import files

import numpy as np
import pandas as pd

DATA = files("procrisk.reference") / "data" / "sectors"
SCHEMES = ("CPV", "UNSPSC", "NAICS")
TIER_RANK = {"low": 1, "medium": 2, "high": 3}
_FILES = {"CPV": "cpv_tiers.csv", "UNSPSC": "unspsc_tiers.csv", "NAICS": "naics_tiers.csv"}
# Accepted code shapes per scheme, after spaces and dots are removed: CPV keeps the 8-digit stem (a check
# digit after "-" is dropped), UNSPSC has 2-10 digits, NAICS 2-6 digits.
_SHAPES = {
    "CPV": re.compile(r"^(\d{2,8})(?:-\d)?$"),
    "UNSPSC": re.compile(r"^(\d{2,10})$"),
    "NAICS": re.compile(r"^(\d{2,6})$"),
}


def _read(name: str) -> pd.DataFrame:
    """Read one packaged CSV with every value as text and no value turned into NA."""
    return pd.read_csv(DATA / name, dtype=str, keep_default_na=False)


@cache
def tier_table(scheme: str) -> pd.DataFrame:
    """The tier table of one scheme (CPV, UNSPSC or NAICS): prefix, tier, label, source, note."""
    table = _read(_FILES[scheme])
    bad = sorted(set(table["tier"]) - set(TIER_RANK))
    if bad:
        msg = f"{_FILES[scheme]}: unknown tier(s) {bad}; use high, medium or low"
        raise ValueError(msg)
    return table


@cache
def sector_terms() -> pd.DataFrame:
    """Words that point to a CPV prefix when no code is usable: cpv_prefix, terms, stop_terms, note."""
    table = _read("sector_terms.csv")
    for col in ("terms", "stop_terms"):
        table[col] = [tuple(t for t in v.split("|") if t) for v in table[col]]
    return table


def scheme_name(value: object) -> str | None:
    """One classification_scheme value as CPV, UNSPSC or NAICS (anything else, e.g. CPVS, as None)."""
    if not isinstance(value, str):
        return None
    key = re.sub(r"[\s_.-]+", "", value.upper())
    if key in ("CPV", "CPV2008"):
        return "CPV"
    return next((s for s in ("UNSPSC", "NAICS") if key.startswith(s)), None)


def code_stem(code: object, scheme: str) -> str | None:
    """The digits a code is looked up by (CPV: the 8-digit stem, check digit dropped); None when malformed."""
    if not isinstance(code, str):
        return None
    found = _SHAPES[scheme].match(re.sub(r"[\s.]", "", code))
    return found.group(1) if found else None


@cache
def _index(scheme: str) -> tuple[dict[str, tuple[str, str]], tuple[int, ...]]:
    """prefix -> (tier, display label) for one scheme, and the prefix lengths longest first."""
    table = tier_table(scheme)
    rows = table[["prefix", "tier", "label"]].itertuples(index=False)
    index = {p: (t, f"{lab} ({scheme} {p})") for p, t, lab in rows}
    return index, tuple(sorted({len(p) for p in index}, reverse=True))


def match(stem: str, scheme: str = "CPV") -> tuple[str, str, str] | None:
    """(prefix, tier, label) of the longest table prefix that one code stem starts with, or None."""
    index, lengths = _index(scheme)
    for n in lengths:
        if len(stem) >= n and stem[:n] in index:
            return (stem[:n], *index[stem[:n]])
    return None


def lookup(stems: pd.Series, scheme: str) -> pd.DataFrame:
    """Tier, label and matched prefix of each code stem (longest prefix wins); NA where nothing matches."""
    codes, uniques = pd.factorize(stems.astype("string"), use_na_sentinel=True)
    found = [match(str(u), scheme) or (None, None, None) for u in uniques]
    columns = {}
    for k, name in enumerate(("prefix", "tier", "label")):
        values = np.array([*(f[k] for f in found), None], dtype=object)
        columns[name] = pd.array(values[codes], dtype="string")
    return pd.DataFrame(columns, index=stems.index)[["tier", "label", "prefix"]]


def tier_of_prefix(prefix: str, scheme: str = "CPV") -> tuple[str, str] | None:
    """The (tier, label) that applies to one prefix or code, or None when no table row covers it."""
    found = match(prefix, scheme)
    return None if found is None else (found[1], found[2])
