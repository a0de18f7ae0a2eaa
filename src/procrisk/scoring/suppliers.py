"""Supplier scores: their contracts' scores (spend-weighted mean and worst case) beside their own answers' score."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from procrisk.rules.catalogue import Catalogue
from procrisk.rules.engine import Outcomes
from procrisk.scoring.bands import BAND_DTYPE, band_codes, band_series
from procrisk.scoring.exposure import exposure_rank
from procrisk.scoring.score import GROUPS, score_outcomes

COLUMNS = ("supplier_id", "supplier_name", "has_questionnaire", "contracts", "spend", "currency", "score", "band",
           "hard_flag", "contract_score_mean", "contract_score_max", "worst_band", "own_score", "own_coverage",
           *(f"own_{g}" for g in GROUPS), "exposure", "exposure_rank")


@dataclass(frozen=True)
class _Groups:
    """Each contract's supplier as an integer (-1 none) and the supplier id / name of every integer."""

    ids: np.ndarray  # per contract, index into labels
    labels: np.ndarray  # supplier_id (or "name:<key>") per group, object
    names: np.ndarray  # supplier name per group, object
    questionnaire: int  # groups 0 .. questionnaire-1 are suppliers-table rows


def _text(series: pd.Series | None, n: int) -> pa.Array:
    """A text column as an Arrow large_string array (all null when absent)."""
    if series is None:
        return pa.nulls(n, type=pa.large_string())
    arr = pa.array(series.astype("str"), type=pa.large_string(), from_pandas=True)
    return arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr


def _encode(values: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """(codes with -1 for null, distinct values as an object array)."""
    encoded = pc.dictionary_encode(values)
    codes = encoded.indices.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)
    return codes, np.asarray(encoded.dictionary.to_pylist(), dtype=object)


def _groups(contract_scores: pd.DataFrame, suppliers: Outcomes | None) -> _Groups:
    """Suppliers of contracts: the linked questionnaire row, else the supplier_key, supplier_id or name key."""
    n = len(contract_scores)
    rows = contract_scores["supplier_row"].to_numpy() if "supplier_row" in contract_scores else np.full(n, -1)
    # the resolved entity (procrisk.ml supplier_key) groups every spelling and id of a supplier when present
    sup_key = "supplier_key" if suppliers is not None and "supplier_key" in suppliers.keys else "supplier_id"
    sup_ids = suppliers.keys[sup_key].astype("str") if suppliers is not None else pd.Series([], dtype="str")
    sup_names = suppliers.keys["supplier_name"].astype("str") if suppliers is not None else sup_ids
    row_group, distinct_ids = _encode(_text(sup_ids, len(sup_ids)))  # questionnaire row -> its group
    q = len(distinct_ids)
    first_row = np.full(q, len(row_group), dtype=np.int64)
    np.minimum.at(first_row, row_group[row_group >= 0], np.flatnonzero(row_group >= 0))
    ids = np.full(n, -1, dtype=np.int64)
    linked = rows >= 0
    ids[linked] = row_group[rows[linked]]
    labels = [distinct_ids]
    names = [sup_names.to_numpy(dtype=object, na_value=None)[first_row] if q else np.array([], dtype=object)]
    offset = q
    for column, prefix in (("supplier_key", ""), ("supplier_id", ""), ("supplier_name_key", "name:")):
        todo = np.flatnonzero(ids < 0)
        if column not in contract_scores or not len(todo):
            continue
        codes, values = _encode(_text(contract_scores[column].iloc[todo], len(todo)))
        have = codes >= 0
        ids[todo[have]] = offset + codes[have]
        labels.append(np.array([prefix + str(x) for x in values], dtype=object))
        first = np.full(len(values), len(todo), dtype=np.int64)
        np.minimum.at(first, codes[have], np.flatnonzero(have))
        if "supplier_name" in contract_scores:  # the name on each group's first contract (only those converted)
            names.append(contract_scores["supplier_name"].iloc[todo[first]].to_numpy(dtype=object, na_value=None))
        else:
            names.append(np.full(len(values), None, dtype=object))
        offset += len(values)
    return _Groups(ids, np.concatenate(labels), np.concatenate(names), q)


def _own(catalogue: Catalogue, suppliers: Outcomes | None, groups: _Groups) -> pd.DataFrame:
    """Scores of each questionnaire supplier's own supplier-scope outcomes, one row per group 0..q-1."""
    if suppliers is None or groups.questionnaire == 0:
        return pd.DataFrame(index=pd.RangeIndex(0))
    own = score_outcomes(suppliers.values, catalogue.rules, suppliers.codes, catalogue.settings)
    key = "supplier_key" if "supplier_key" in suppliers.keys else "supplier_id"
    codes, _ = _encode(_text(suppliers.keys[key], len(suppliers)))
    keep = codes >= 0
    first = np.full(groups.questionnaire, len(codes), dtype=np.int64)
    np.minimum.at(first, codes[keep], np.flatnonzero(keep))
    picked = own.iloc[first].reset_index(drop=True)
    return pd.DataFrame({
        "own_score": picked["score"], "own_coverage": picked["coverage"], "own_hard_flag": picked["hard_flag"],
        **{f"own_{g}": picked[g] for g in GROUPS},
    })


def _bincount(ids: np.ndarray, weights: np.ndarray | None, size: int) -> np.ndarray:
    """Sum of weights (or count) per group id (ids >= 0 only; id -1 goes to a spare bin that is dropped, so the
    sums add the same values in the same order as over the kept rows)."""
    return np.bincount(ids + 1, weights=weights, minlength=size + 1)[1:size + 1]


def _code_range(ids: np.ndarray, codes: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """Per group, the smallest and the largest of a few small codes on its rows (-1 when it has none), from one
    count of (group, code) pairs."""
    k = int(codes.max(initial=-1)) + 1
    if k <= 0 or size == 0:
        none = np.full(size, -1, dtype=np.int64)
        return none, none.copy()
    pair = np.where((ids >= 0) & (codes >= 0), ids * k + codes, -1)
    seen = np.bincount(pair + 1, minlength=size * k + 1)[1:size * k + 1].reshape(size, k) > 0
    has = seen.any(axis=1)
    low = np.where(has, np.argmax(seen, axis=1), -1)
    high = np.where(has, k - 1 - np.argmax(seen[:, ::-1], axis=1), -1)
    return low.astype(np.int64), high.astype(np.int64)


def _largest_code(ids: np.ndarray, codes: np.ndarray, size: int, smallest: bool = False) -> np.ndarray:
    """Per group, the largest (or smallest) of a few small codes on its rows (-1 when it has none)."""
    low, high = _code_range(ids, codes, size)
    return low if smallest else high


_FEW_CODES = 16  # up to this many codes, counting (group, code) pairs beats ufunc.at


def score_suppliers(catalogue: Catalogue, contract_scores: pd.DataFrame,
                    suppliers: Outcomes | None = None) -> pd.DataFrame:
    """One row per supplier (from the suppliers table or named on contracts), riskiest exposure first.

    A contract counts for its linked questionnaire supplier (supplier_row), else its supplier_id, else
    ``name:<supplier_name_key>``. score = spend-weighted mean of its contract scores (by award_value; the
    plain mean when none of its contracts has a value), or its own score when it has no contract. own_score
    applies the composite to its own supplier-scope outcomes. band from score; any hard flag (its own or on a
    contract) makes it critical. spend = sum of award_value in ``currency`` ("mixed" when several);
    exposure = score / 100 x spend.
    """
    groups = _groups(contract_scores, suppliers)
    size = len(groups.labels)
    ids = groups.ids
    score = contract_scores["score"].to_numpy(dtype=np.float64)
    award = pd.to_numeric(contract_scores.get("award_value", pd.Series(np.nan, index=contract_scores.index)),
                          errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
    valued = ~np.isnan(award)
    weight = np.where(valued & (award > 0), award, 0.0)
    count = _bincount(ids, None, size)
    spend = np.where(_bincount(ids, valued.astype(np.float64), size) > 0,
                     _bincount(ids, np.where(valued, award, 0.0), size), np.nan)
    sw = _bincount(ids, weight, size)
    mean_plain = _bincount(ids, score, size) / np.maximum(count, 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        weighted = np.where(sw > 0, _bincount(ids, weight * score, size) / np.where(sw > 0, sw, 1.0), mean_plain)
    worst = np.full(size, -1.0)
    keep = ids >= 0
    np.maximum.at(worst, ids[keep], score[keep])
    worst_band = _largest_code(ids, contract_scores["band"].cat.codes.to_numpy(), size)
    hard = _bincount(ids, contract_scores["hard_flag"].to_numpy(dtype=np.float64), size) > 0
    currency = _currency(contract_scores, ids, size)
    own = _own(catalogue, suppliers, groups).reindex(pd.RangeIndex(size))
    has_contracts = count > 0
    mean = np.where(has_contracts, weighted, np.nan)
    final = np.where(has_contracts, mean, own["own_score"].to_numpy(dtype=np.float64, na_value=np.nan)
                     if "own_score" in own else np.nan)
    final = np.nan_to_num(final, nan=0.0)
    own_hard = own["own_hard_flag"].fillna(value=False).to_numpy(dtype=bool) if "own_hard_flag" in own \
        else np.zeros(size, dtype=bool)
    hard = hard | own_hard
    spend_exposure = final / 100.0 * spend
    out = pd.DataFrame({
        "supplier_id": pd.array(groups.labels, dtype="str"),
        "supplier_name": pd.array(groups.names, dtype="str"),
        "has_questionnaire": np.arange(size) < groups.questionnaire,
        "contracts": count.astype(np.int64), "spend": spend, "currency": currency, "score": final,
        "band": band_series(band_codes(final, hard, catalogue.settings.bands)), "hard_flag": hard,
        "contract_score_mean": mean, "contract_score_max": np.where(has_contracts, worst, np.nan),
        "worst_band": pd.Categorical.from_codes(worst_band, dtype=BAND_DTYPE),
        **{c: own[c].to_numpy(dtype=np.float64, na_value=np.nan) if c in own else np.full(size, np.nan)
           for c in ("own_score", "own_coverage", *(f"own_{g}" for g in GROUPS))},
        "exposure": spend_exposure,
        "exposure_rank": exposure_rank(spend_exposure, final),
    })
    return out[list(COLUMNS)].sort_values("exposure_rank", ignore_index=True)


def _currency(contract_scores: pd.DataFrame, ids: np.ndarray, size: int) -> pd.Series:
    """Currency of each supplier's contracts: the one currency, "mixed" when several, missing when none."""
    if "currency" not in contract_scores:
        return pd.Series([None] * size, dtype="str")
    currency = contract_scores["currency"]
    if isinstance(currency.dtype, pd.CategoricalDtype):
        codes = currency.cat.codes.to_numpy().astype(np.int64)
        values = np.asarray(currency.cat.categories, dtype=object)
    else:
        codes, values = _encode(_text(currency, len(ids)))
    if len(values) <= _FEW_CODES:
        low, high = _code_range(ids, codes, size)
    else:
        keep = (ids >= 0) & (codes >= 0)
        low = np.full(size, np.iinfo(np.int64).max)
        high = np.full(size, -1)
        np.minimum.at(low, ids[keep], codes[keep])
        np.maximum.at(high, ids[keep], codes[keep])
    names = np.append(values, None).astype(object)
    out = names[np.where(high >= 0, low, len(values))]
    out[(high >= 0) & (low != high)] = "mixed"
    return pd.Series(out, dtype="str")
