"""Supplier profiles by supplier_key (``procrisk suppliers``) and the ML part of ``procrisk explain``."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from procrisk.memory import collector_paused
from procrisk.ml.identifiers import row_ids
from procrisk.ml.missing import is_missing

PROFILE_COLUMNS = ("supplier_key", "canonical_name", "variants", "ids", "sources", "n_contracts", "total_value",
                   "currency")


def _values(frame: pd.DataFrame, column: str) -> list[Any]:
    """A column as a list (Nones when the column is absent)."""
    if column not in frame.columns:
        return [None] * len(frame)
    return [None if is_missing(v) else v for v in frame[column].tolist()]


def list_suppliers(contracts: pd.DataFrame, suppliers: pd.DataFrame) -> pd.DataFrame:
    """One row per supplier_key: canonical name (most used spelling), variants, ids, sources, contracts, value.

    ``total_value`` sums award_value when all of a supplier's contracts share one currency (``currency``);
    with mixed currencies it is null and ``currency`` reads "mixed". Sorted by number of contracts, then key.
    """
    names: dict[str, Counter] = {}
    ids: dict[str, set[str]] = {}
    sources: dict[str, set[str]] = {}
    with collector_paused():  # a Counter and two sets per supplier, no cycles
        for frame in (suppliers, contracts):
            if "supplier_key" not in frame.columns:
                continue
            rows = zip(_values(frame, "supplier_key"), _values(frame, "supplier_name"), _values(frame, "source"),
                       _values(frame, "registration_ids"), _values(frame, "supplier_id"), strict=True)
            for key, name, source, reg, sid in rows:
                if key is None:
                    continue
                names.setdefault(key, Counter())
                ids.setdefault(key, set()).update(row_ids(reg, sid, source))
                sources.setdefault(key, set())
                if name is not None:
                    names[key][str(name)] += 1
                if source is not None:
                    sources[key].add(str(source))
    counts, totals, currencies = _contract_totals(contracts)
    rows_out = []
    for key, spellings in names.items():
        spelled = sorted(spellings.items(), key=lambda item: (-item[1], item[0]))
        currency = currencies.get(key)
        rows_out.append({
            "supplier_key": key,
            "canonical_name": spelled[0][0] if spelled else None,
            "variants": [n for n, _ in spelled],
            "ids": sorted(ids[key]),
            "sources": sorted(sources[key]),
            "n_contracts": counts.get(key, 0),
            "total_value": totals.get(key) if currency != "mixed" else np.nan,
            "currency": currency,
        })
    out = pd.DataFrame(rows_out, columns=list(PROFILE_COLUMNS))
    out["n_contracts"] = out["n_contracts"].astype("int64")
    out["total_value"] = out["total_value"].astype("float64")
    return out.sort_values(["n_contracts", "supplier_key"], ascending=[False, True], kind="stable",
                           ignore_index=True)


def _contract_totals(contracts: pd.DataFrame) -> tuple[dict[str, int], dict[str, float], dict[str, str]]:
    """Per supplier_key: number of contracts, sum of award values, and the single currency or 'mixed'."""
    if "supplier_key" not in contracts.columns:
        return {}, {}, {}
    frame = pd.DataFrame({"key": contracts["supplier_key"].astype("string"),
                          "value": pd.to_numeric(contracts.get("award_value"), errors="coerce")
                          if "award_value" in contracts.columns else np.nan,
                          "currency": contracts["currency"].astype("string") if "currency" in contracts.columns
                          else pd.NA}).dropna(subset=["key"])
    grouped = frame.groupby("key", sort=False)
    counts = grouped.size().to_dict()
    totals = grouped["value"].sum(min_count=1).to_dict()
    distinct = frame[["key", "currency"]].dropna().drop_duplicates().groupby("key", sort=False)["currency"]
    kinds = pd.DataFrame({"n": distinct.size(), "first": distinct.first()})
    currencies = dict(zip(kinds.index, np.where(kinds["n"] == 1, kinds["first"], "mixed").tolist(), strict=True))
    return counts, totals, currencies


def _percent(value: Any) -> str:
    """A ratio as a whole percentage."""
    return f"{float(value) * 100:.0f} %"


def explain_ml(row: Mapping[str, Any]) -> dict[str, str]:
    """Sentences on a contract's ML columns for ``procrisk explain``: peer prices and the inferred category."""
    out: dict[str, str] = {}

    def get(name: str) -> Any:
        value = row.get(name)
        return None if is_missing(value) else value

    if get("price_peer_ratio") is not None and get("price_peer_count") is not None:
        out["price"] = (f"The award is {_percent(get('price_peer_ratio'))} of the median "
                        f"({get('price_peer_median'):,.0f}) of {int(get('price_peer_count'))} comparable contracts: "
                        f"{get('price_peer_group')}; robust low-price score {get('price_anomaly_score'):.1f}.")
    if get("price_estimate_ratio") is not None:
        out["estimate"] = f"The award is {_percent(get('price_estimate_ratio'))} of the buyer's estimate."
    if get("cpv_division_inferred") is not None:
        group = get("cpv_group_inferred")
        out["category"] = (f"The CPV code is missing; the category inferred from the title and description is "
                           f"division {get('cpv_division_inferred')}"
                           + (f", group {group}" if group else "")
                           + f" (probability {float(get('category_probability')):.2f}).")
    if get("supplier_key") is not None:
        out["supplier"] = f"Supplier entity {get('supplier_key')} (all spellings and ids of this supplier)."
    return out
