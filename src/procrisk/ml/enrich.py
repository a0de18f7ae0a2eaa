"""enrich_with_models: fit the three estimators on a workspace's tables and add the columns rules read."""

from __future__ import annotations

import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from procrisk.ml.category import CategoryClassifier
from procrisk.ml.corpus import coded_rows, contract_text, cpv_groups
from procrisk.ml.overrides import load_overrides
from procrisk.ml.price import PeerPriceScorer
from procrisk.ml.resolver import SupplierResolver
from procrisk.schema.columns import CONTRACTS

SUPPLIER_KEY = CONTRACTS["supplier_key"].name
DIVISION = CONTRACTS["cpv_division"].name
DIVISION_INFERRED = CONTRACTS["cpv_division_inferred"].name
GROUP_INFERRED = CONTRACTS["cpv_group_inferred"].name
PROBABILITY = CONTRACTS["category_probability"].name
CODE = CONTRACTS["classification_code"].name
SCHEME = CONTRACTS["classification_scheme"].name
RESOLVER_COLUMNS = ("supplier_name", "supplier_id", "supplier_country", "source", "registration_ids")
MAX_DATA_ROWS = 10_000  # coded contracts (distinct texts) added to the category training set at most


def _resolver_input(frame: pd.DataFrame) -> pd.DataFrame:
    """The supplier columns the resolver reads (absent ones left out)."""
    return frame[[c for c in RESOLVER_COLUMNS if c in frame.columns]]


def resolve_suppliers(contracts: pd.DataFrame, suppliers: pd.DataFrame, resolver: SupplierResolver,
                      ) -> tuple[pd.Series, pd.Series]:
    """supplier_key for both tables, from one fit over the supplier rows of both."""
    parts = [_resolver_input(suppliers), _resolver_input(contracts)]
    both = pd.concat(parts, ignore_index=True, sort=False)
    if "supplier_name" not in both.columns:
        both["supplier_name"] = None
    keys = resolver.fit_transform(both)
    supplier_keys = pd.Series(keys[: len(suppliers)], index=suppliers.index, dtype="string")
    contract_keys = pd.Series(keys[len(suppliers):], index=contracts.index, dtype="string")
    return contract_keys, supplier_keys


def infer_categories(contracts: pd.DataFrame, model: CategoryClassifier) -> tuple[pd.DataFrame, dict[str, Any]]:
    """cpv_division_inferred, cpv_group_inferred and category_probability for contracts without a division."""
    out = pd.DataFrame({DIVISION_INFERRED: pd.Series(pd.NA, index=contracts.index, dtype="string"),
                        GROUP_INFERRED: pd.Series(pd.NA, index=contracts.index, dtype="string"),
                        PROBABILITY: pd.Series(pd.NA, index=contracts.index, dtype="Float64")})
    missing = contracts[DIVISION].isna() if DIVISION in contracts.columns else pd.Series(True, contracts.index)
    text = contract_text(contracts)
    wanted = missing & text.notna()
    meta: dict[str, Any] = {"rows_without_division": int(missing.sum()), "rows_inferred": int(wanted.sum())}
    if not wanted.any():
        meta["fitted"] = False
        return out, meta
    coded = coded_rows(contracts, MAX_DATA_ROWS, model.random_state, text)
    labels = [g if isinstance(g, str) else d for d, g in zip(coded["division"], coded["group"], strict=True)]
    model.fit(coded["text"].tolist(), labels)
    texts = text[wanted]
    distinct, codes = np.unique(texts.to_numpy(dtype=str), return_inverse=True)
    division, probability, group, _ = model.predict_group(distinct)
    out.loc[wanted, DIVISION_INFERRED] = division[codes]
    out.loc[wanted, PROBABILITY] = probability[codes].astype(float)
    out.loc[wanted, GROUP_INFERRED] = pd.array(group[codes], dtype="string")
    meta.update({"fitted": True, "params": model.get_params(), "training_rows": model.n_training_rows_,
                 "distinct_texts_predicted": len(distinct), "divisions": len(model.classes_)})
    return out, meta


def _year(contracts: pd.DataFrame) -> pd.Series:
    """The year of the award (else contract start, else tender start) as text."""
    year = pd.Series(pd.NA, index=contracts.index, dtype="Int64")
    for column in ("award_date", "contract_start", "tender_start"):
        if column in contracts.columns:
            found = pd.to_datetime(contracts[column], errors="coerce").dt.year.astype("Int64")
            year = year.fillna(found)
    return year.astype("string")


def _first_present(contracts: pd.DataFrame, columns: tuple[str, ...]) -> pd.Series:
    """The first non-null value among ``columns`` per row (as text)."""
    out = pd.Series(pd.NA, index=contracts.index, dtype="string")
    for column in columns:
        if column in contracts.columns:
            out = out.fillna(contracts[column].astype("string"))
    return out


def peer_frame(contracts: pd.DataFrame, inferred: pd.DataFrame, min_probability: float) -> pd.DataFrame:
    """The PeerPriceScorer input: values, currency, country, year and the observed or inferred CPV codes."""
    division = _first_present(contracts, (DIVISION,))
    code = contracts[CODE] if CODE in contracts.columns else pd.Series(pd.NA, index=contracts.index, dtype="string")
    group = cpv_groups(code, division)
    confident = inferred[PROBABILITY].fillna(0.0) >= float(min_probability)
    use = division.isna() & confident & inferred[DIVISION_INFERRED].notna()
    division = division.where(~use, inferred[DIVISION_INFERRED])
    group = group.where(~use, inferred[GROUP_INFERRED])
    return pd.DataFrame({
        "award_value": contracts["award_value"] if "award_value" in contracts.columns else np.nan,
        "estimated_value": contracts["estimated_value"] if "estimated_value" in contracts.columns else np.nan,
        "currency": _first_present(contracts, ("currency",)),
        "country": _first_present(contracts, ("buyer_country", "delivery_country")),
        "year": _year(contracts),
        "cpv_division": division,
        "cpv_group": group,
        "category_inferred": use,
    }, index=contracts.index)


def with_supplier_keys(contracts: pd.DataFrame, suppliers: pd.DataFrame, resolver: SupplierResolver | None = None,
                       *, overrides_path: Path | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Both tables with their supplier_key column (the resolver alone: what listing suppliers needs)."""
    if resolver is None:
        resolver = SupplierResolver(overrides=load_overrides(overrides_path))
    contract_keys, supplier_keys = resolve_suppliers(contracts, suppliers, resolver)
    return contracts.assign(**{SUPPLIER_KEY: contract_keys}), suppliers.assign(**{SUPPLIER_KEY: supplier_keys})


def enrich_with_models(contracts: pd.DataFrame, suppliers: pd.DataFrame, *, overrides_path: Path | None = None,
                       category_min_probability: float = 0.5, random_state: int = 0,
                       resolver_params: Mapping[str, Any] | None = None,
                       category_params: Mapping[str, Any] | None = None,
                       price_params: Mapping[str, Any] | None = None) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """Add supplier_key (both tables), the inferred category columns and the price_* columns.

    The category columns are filled only for contracts whose cpv_division is null (the prediction and its
    probability are stored whatever the probability; rules decide what is confident enough). Peer groups use
    an inferred division only at or above ``category_min_probability``. Returns (contracts, suppliers, meta)
    where meta records the parameters, thresholds, training-set and peer-group sizes and timings.
    """
    timings: dict[str, float] = {}
    cpu: dict[str, float] = {}
    start, clock = time.perf_counter(), time.process_time()
    overrides = load_overrides(overrides_path)
    resolver = SupplierResolver(overrides=overrides, **dict(resolver_params or {}))
    contracts, suppliers = with_supplier_keys(contracts, suppliers, resolver)
    timings["suppliers"] = round(time.perf_counter() - start, 3)
    cpu["suppliers"] = round(time.process_time() - clock, 3)

    start, clock = time.perf_counter(), time.process_time()
    model = CategoryClassifier(random_state=random_state, **dict(category_params or {}))
    inferred, category_meta = infer_categories(contracts, model)
    contracts = contracts.assign(**{c: inferred[c] for c in inferred.columns})
    timings["categories"] = round(time.perf_counter() - start, 3)
    cpu["categories"] = round(time.process_time() - clock, 3)

    start, clock = time.perf_counter(), time.process_time()
    scorer = PeerPriceScorer(**dict(price_params or {}))
    prices = scorer.fit_transform(peer_frame(contracts, inferred, category_min_probability))
    contracts = contracts.assign(**{c: prices[c] for c in prices.columns})
    timings["prices"] = round(time.perf_counter() - start, 3)
    cpu["prices"] = round(time.process_time() - clock, 3)

    meta = {
        "suppliers": {"params": {k: v for k, v in resolver.get_params().items() if k != "overrides"},
                      "overrides": str(overrides_path) if overrides_path else None,
                      "override_decisions": len(overrides), "records": resolver.n_records_,
                      "supplier_keys": resolver.n_clusters_, **resolver.stats_},
        "categories": {**category_meta, "min_probability_for_peers": category_min_probability},
        "prices": {"params": scorer.get_params(), "awards": scorer.n_valid_, "rows_by_level": scorer.level_counts_,
                   "peer_groups": {level: len(stats.index) for level, stats in scorer.stats_.items()}},
        "timings_s": timings,
        "cpu_s": cpu,
    }
    return contracts, suppliers, meta

