"""Training text for category inference: CPV 2008 descriptions, shipped sector terms, and coded data rows."""

from __future__ import annotations

import csv
from functools import cache
from importlib.resources import files

import numpy as np
import pandas as pd

from procrisk.reference import cpv
from procrisk.schema.columns import CONTRACTS

TITLE = CONTRACTS["title"].name
DESCRIPTION = CONTRACTS["description"].name
CODE = CONTRACTS["classification_code"].name
DIVISION = CONTRACTS["cpv_division"].name


@cache
def reference_corpus() -> pd.DataFrame:
    """One row per CPV code description and per sector term: text, division, group (None above group level)."""
    rows = []
    for stem in sorted(cpv.stems()):
        entry = cpv.get(stem)
        if entry is None:
            continue
        group = stem[:3] if entry.level != "division" else None
        rows.append((entry.description, stem[:2], group, "cpv"))
    terms = files("procrisk.reference") / "data" / "sectors" / "sector_terms.csv"
    with terms.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            prefix = row["cpv_prefix"].strip()
            for term in row["terms"].split("|"):
                text = term.replace("*", "").strip()
                if text and len(prefix) >= 2:
                    rows.append((text, prefix[:2], prefix[:3] if len(prefix) >= 3 else None, "terms"))
    return pd.DataFrame(rows, columns=["text", "division", "group", "origin"])


def contract_text(frame: pd.DataFrame) -> pd.Series:
    """Title and description of each contract as one text (None when both are empty)."""
    parts = [frame[c].astype("string") for c in (TITLE, DESCRIPTION) if c in frame.columns]
    if not parts:
        return pd.Series(None, index=frame.index, dtype="object")
    text = parts[0].fillna("")
    for part in parts[1:]:
        text = text.str.cat(part.fillna(""), sep=" ")
    text = text.str.strip()
    return text.where(text.str.len() > 0).astype(object).where(lambda s: s.notna(), None)


def cpv_groups(code: pd.Series, division: pd.Series) -> pd.Series:
    """The 3-digit CPV group of each code below division level that agrees with the division (else null)."""
    stem = code.astype("string").str.replace("-", "", regex=False).str.strip().str.slice(0, 8)
    full = _flags(stem.str.len().eq(8))
    division_only = _flags(stem.str.slice(2).eq("000000"))
    agrees = _flags(stem.str.slice(0, 2).eq(division.astype("string")))
    return stem.str.slice(0, 3).where(pd.Series(full & ~division_only & agrees, index=code.index))


def _flags(values: pd.Series) -> np.ndarray:
    """A nullable boolean Series as a numpy bool array (missing is False)."""
    return values.fillna(value=False).to_numpy(dtype=bool)


def coded_rows(frame: pd.DataFrame, max_rows: int, random_state: int | np.random.RandomState | None,
               text: pd.Series | None = None) -> pd.DataFrame:
    """Distinct (text, division, group) of contracts with a valid CPV division, at most ``max_rows`` of them."""
    if DIVISION not in frame.columns:
        return pd.DataFrame(columns=["text", "division", "group", "origin"])
    text = contract_text(frame) if text is None else text
    division = frame[DIVISION].astype("string")
    code = frame[CODE] if CODE in frame.columns else pd.Series(pd.NA, index=frame.index, dtype="string")
    group = cpv_groups(code, division)
    rows = pd.DataFrame({"text": text, "division": division, "group": group}).dropna(subset=["text", "division"])
    rows = rows.drop_duplicates().reset_index(drop=True)
    if len(rows) > max_rows:
        rng = np.random.RandomState(random_state) if not isinstance(random_state, np.random.RandomState) \
            else random_state
        rows = rows.iloc[np.sort(rng.choice(len(rows), size=max_rows, replace=False))].reset_index(drop=True)
    rows["origin"] = "data"
    return rows.astype(object).where(rows.notna(), None)
