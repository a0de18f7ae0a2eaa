"""Benchmark rule evaluation and scoring end to end; run by hand, prints figures.

Generates N contracts (default 2,000,000) and their suppliers with every canonical column the catalogue reads,
random but realistic (CPV mix, sector tiers, ILAB goods and origins, TIP tiers, questionnaire answers with gaps),
writes them with the workspace's Parquet writer under a workspace-like folder
(tables/<table>/batch=<id>/part-0.parquet) in a child process, then times, in this process: reading +
evaluating every rule in rules/ + contract and supplier scores.
Target on the 2-core reference machine: >= 500,000 contracts/s, peak RSS <= 3 GB.

    python bench/score.py [--rows 2000000] [--suppliers 60000] [--batch-size 500000] [--repeat 3] [--keep]

The machine is shared, so each phase is reported as the best of ``--repeat`` runs (wall and CPU separately), with
the load average before and after; CPU seconds count every thread of this process.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import resource
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

# (CPV code, sector tier, sector label, contract type, ILAB goods, title stems, share of contracts)
CPV = [
    ("90910000-9", "high", "Cleaning services", "services", (), ("Cleaning services", "Office cleaning",
                                                                  "Hospital cleaning services"), 8),
    ("79710000-4", "high", "Security services", "services", (), ("Security guarding", "Manned guarding"), 4),
    ("79620000-6", "high", "Supply of personnel", "services", (), ("Supply of temporary staff",
                                                                   "Agency workers framework"), 3),
    ("18110000-3", "high", "Clothing and footwear", "goods", ("cotton", "garments"), ("Staff uniforms",
                                                                                     "Cotton workwear"), 4),
    ("33141420-0", "high", "Medical consumables", "goods", ("gloves",), ("Nitrile gloves",
                                                                       "Examination gloves"), 3),
    ("09331200-0", "high", "Solar energy", "goods", ("polysilicon",), ("Solar panels supply",
                                                                      "Photovoltaic modules"), 2),
    ("30213100-6", "high", "Electronics", "goods", ("electronics",), ("Laptops", "Desktop computers"), 7),
    ("45214200-2", "high", "Construction work", "works", ("bricks",), ("School building works",
                                                                      "Road maintenance works"), 9),
    ("55520000-1", "high", "Catering services", "services", (), ("Catering services", "School meals"), 5),
    ("60100000-9", "high", "Transport services", "services", (), ("Passenger transport", "Courier services"), 4),
    ("85140000-2", "high", "Health and social work", "services", (), ("Home care services",
                                                                      "Residential care"), 5),
    ("15800000-6", "high", "Food products", "goods", ("cocoa", "rice"), ("Food supplies", "Groceries"), 5),
    ("39130000-2", "high", "Furniture", "goods", (), ("Office furniture", "Classroom furniture"), 3),
    ("24000000-4", "medium", "Chemical products", "goods", (), ("Laboratory chemicals",), 3),
    ("34100000-8", "medium", "Motor vehicles", "goods", (), ("Fleet vehicles", "Minibuses"), 3),
    ("50000000-5", "medium", "Repair and maintenance", "services", (), ("Maintenance of lifts",
                                                                        "Boiler servicing"), 5),
    ("79100000-5", "medium", "Legal services", "services", (), ("Legal advice", "Employment law advice"), 3),
    ("48000000-8", "low", "Software", "goods", (), ("Software licences", "Cloud subscriptions"), 6),
    ("72000000-5", "low", "IT services", "services", (), ("IT support services", "Website development"), 7),
    ("66000000-0", "low", "Financial services", "services", (), ("Insurance services", "Banking services"), 3),
    ("80000000-4", "low", "Education and training", "services", (), ("Training courses",
                                                                      "Leadership programme"), 4),
]
UNSPSC = ["76111500", "43211503", "53102710", "72101500"]
PLACES = [f"{a} {b}" for a in ("North", "South", "East", "West", "Central", "Upper", "Lower", "Greater")
          for b in ("Shire", "Vale", "Bay", "Hills", "Marsh", "Ford", "Field", "Moor", "Brook", "Haven")]
COUNTRIES = ["GB", "FR", "DE", "ES", "IT", "PL", "PT", "TR", "US", "CN", "IN", "BD", "VN", "MY", "PK", "KP"]
COUNTRY_P = [25, 12, 10, 6, 6, 5, 3, 4, 6, 9, 5, 3, 2, 2, 1.5, 0.5]
TIERS = {"GB": "tier_1", "FR": "tier_1", "DE": "tier_1", "ES": "tier_1", "IT": "tier_2", "PL": "tier_1",
         "PT": "tier_1", "TR": "tier_2", "US": "tier_1", "CN": "tier_3", "IN": "tier_2", "BD": "tier_2",
         "VN": "tier_2_watch_list", "MY": "tier_2_watch_list", "PK": "tier_2", "KP": "tier_3"}
FORCED = {("cotton", "CN"), ("garments", "CN"), ("garments", "BD"), ("garments", "MY"), ("gloves", "CN"),
          ("polysilicon", "CN"), ("electronics", "CN"), ("electronics", "MY"), ("bricks", "IN"), ("bricks", "CN"),
          ("bricks", "KP"), ("cotton", "PK")}
CHILD = {("cotton", "IN"), ("cotton", "PK"), ("bricks", "IN"), ("bricks", "PK"), ("cocoa", "CN"),
         ("rice", "IN"), ("garments", "IN"), ("electronics", "PK")}
ANSWERS = ["yes", "partly", "no"]
# Questions where "yes" is the red flag (most suppliers answer no), and the rare ones (exclusion grounds).
BAD_WHEN_YES = {"retains_identity_documents", "deposits_required", "permission_to_change_employer",
                "housing_deductions_above_cost", "open_allegations", "employer_housing"}
RARE_YES = {"thb_conviction", "debarred"}


def _nulls(rng: np.random.Generator, n: int, share: float) -> np.ndarray:
    """A mask of rows left empty."""
    return rng.random(n) < share


def _masked(values: np.ndarray | list, mask: np.ndarray, type_: pa.DataType | None = None) -> pa.Array:
    """An Arrow array with nulls where ``mask``."""
    return pa.array(values, type=type_, mask=mask)


def _pick(rng: np.random.Generator, n: int, values: list, p: list | None = None, null: float = 0.0,
          type_: pa.DataType | None = None) -> pa.Array:
    """Random choice from values (dictionary-style), with a share of nulls."""
    probs = None if p is None else np.asarray(p, dtype=float) / np.sum(p)
    idx = rng.choice(len(values), n, p=probs)
    return _masked(np.asarray(values, dtype=object)[idx], _nulls(rng, n, null), type_)


def _dates(rng: np.random.Generator, n: int, null: float, start: str = "2019-01-01", days: int = 2300) -> pa.Array:
    """Random dates from ``start``."""
    values = np.datetime64(start) + rng.integers(0, days, n).astype("timedelta64[D]")
    return _masked(values, _nulls(rng, n, null), pa.date32())


def _bools(rng: np.random.Generator, n: int, p_true: float, null: float) -> pa.Array:
    """Random booleans with nulls."""
    return _masked(rng.random(n) < p_true, _nulls(rng, n, null), pa.bool_())


def _join(*parts: pa.Array | str) -> pa.Array:
    """Concatenate string arrays (and literals) element-wise."""
    return pc.binary_join_element_wise(*parts, "")


def make_contracts(n: int, n_suppliers: int, seed: int = 11) -> pa.Table:
    """N contracts with the canonical columns the catalogue reads, enrichment columns filled in directly."""
    rng = np.random.default_rng(seed)
    weights = np.array([c[-1] for c in CPV], dtype=float)
    k = rng.choice(len(CPV), n, p=weights / weights.sum())
    code = np.array([c[0] for c in CPV], dtype=object)[k]
    tier = np.array([c[1] for c in CPV], dtype=object)[k]
    label = np.array([c[2] for c in CPV], dtype=object)[k]
    ctype = np.array([c[3] for c in CPV], dtype=object)[k]
    stem_lists = [c[5] for c in CPV]
    alt = rng.integers(0, 3, n)
    stems = np.array([[s[i % len(s)] for i in range(3)] for s in stem_lists], dtype=object)[k, alt]
    unspsc = rng.random(n) < 0.08
    no_code = rng.random(n) < 0.04
    code = np.where(unspsc, np.asarray(UNSPSC, dtype=object)[rng.integers(0, len(UNSPSC), n)], code)
    code_arr = _masked(code, no_code)
    division = _masked(np.array([c[:2] for c in code], dtype=object), unspsc | no_code)
    tier_arr = _masked(tier, no_code | (unspsc & (rng.random(n) < 0.5)))
    place = np.asarray(PLACES, dtype=object)[rng.integers(0, len(PLACES), n)]
    lot = rng.integers(1, 13, n).astype(str).astype(object)
    title = _join(pa.array(stems), " for ", pa.array(place), " (lot ", pa.array(lot), ")")
    description = _masked(np.char.add(stems.astype(str), np.where(rng.random(n) < 0.1,
                          " including agency staff on site", " as specified in the tender documents")).astype(object),
                          _nulls(rng, n, 0.35))
    goods_lists = [list(c[4]) for c in CPV]
    listed = np.array([bool(g) for g in goods_lists])[k] & ~unspsc & ~no_code
    goods = pa.array([goods_lists[i] if ok else [] for i, ok in zip(k, listed, strict=True)],
                     type=pa.list_(pa.string()))
    origin_idx = rng.choice(len(COUNTRIES), n, p=np.asarray(COUNTRY_P) / sum(COUNTRY_P))
    origin = np.asarray(COUNTRIES, dtype=object)[origin_idx]
    origin_missing = (ctype != "goods") | (rng.random(n) < 0.3)
    first_good = np.array([(g[0] if g else "") for g in goods_lists], dtype=object)[k]
    pair_fl = np.array([(g, o) in FORCED for g, o in zip(first_good, origin, strict=True)])
    pair_cl = np.array([(g, o) in CHILD for g, o in zip(first_good, origin, strict=True)])
    tier_of = np.vectorize(TIERS.get, otypes=[object])
    supplier_country = np.asarray(COUNTRIES, dtype=object)[rng.choice(len(COUNTRIES), n,
                                                                     p=np.asarray(COUNTRY_P) / sum(COUNTRY_P))]
    sup_missing = _nulls(rng, n, 0.1)
    supplier_num = (rng.pareto(1.2, n) * 2000).astype(np.int64) % int(n_suppliers * 1.3)
    supplier_id = np.char.add("GB-COH-", supplier_num.astype(str)).astype(object)
    award = rng.lognormal(11, 1.6, n).round(2)
    start = np.datetime64("2019-01-01") + rng.integers(0, 2300, n).astype("timedelta64[D]")
    period = rng.integers(3, 60, n)
    tenderers = rng.choice([1, 2, 3, 4, 5, 6, 8], n, p=[0.22, 0.2, 0.18, 0.15, 0.1, 0.1, 0.05])
    cols: dict[str, pa.Array] = {
        "contract_id": pa.array(np.char.add("C", np.arange(n).astype(str)).astype(object)),
        "ocid": pa.array(np.char.add("ocds-b5fd17-", (np.arange(n) * 10 // 13).astype(str)).astype(object)),
        "buyer_name": _pick(rng, n, [f"{p} Council" for p in PLACES] + ["Ministry of Works", "City Hospital Trust"]),
        "buyer_country": _pick(rng, n, ["GB", "FR", "DE", "ES"], [6, 2, 1, 1]),
        "supplier_id": _masked(supplier_id, sup_missing),
        "supplier_name": _masked(np.char.add("Supplier ", supplier_num.astype(str)).astype(object), sup_missing),
        "supplier_name_key": _masked(np.char.add("supplier ", supplier_num.astype(str)).astype(object), sup_missing),
        "supplier_country": _masked(supplier_country, sup_missing | _nulls(rng, n, 0.05)),
        "title": title,
        "description": description,
        "classification_scheme": _masked(np.where(unspsc, "UNSPSC", "CPV").astype(object), no_code),
        "classification_code": code_arr,
        "cpv_division": division,
        "contract_type": _masked(ctype, _nulls(rng, n, 0.1)),
        "procurement_method": _pick(rng, n, ["open", "selective", "limited", "direct"], [55, 15, 15, 15], 0.05),
        "procurement_method_details": _pick(rng, n, ["Open procedure", "Restricted procedure",
                                                     "Negotiated without publication", "Direct award"], null=0.2),
        "tender_status": _pick(rng, n, ["complete", "active", "cancelled"], [90, 9, 1], 0.05),
        "number_of_tenderers": _masked(tenderers, _nulls(rng, n, 0.15), pa.int64()),
        "tender_start": _masked(start, _nulls(rng, n, 0.1), pa.date32()),
        "tender_end": _masked(start + period.astype("timedelta64[D]"), _nulls(rng, n, 0.1), pa.date32()),
        "submission_period_days": _masked(period, _nulls(rng, n, 0.15), pa.int64()),
        "estimated_value": _masked((award * rng.uniform(0.8, 1.4, n)).round(2), _nulls(rng, n, 0.3)),
        "award_value": _masked(award, _nulls(rng, n, 0.05)),
        "currency": _pick(rng, n, ["GBP", "EUR", "USD"], [6, 3, 1]),
        "lowest_other_bid_value": _masked((award * rng.uniform(1.0, 1.5, n)).round(2),
                                          tenderers < 2),
        "runner_up_price_gap": _masked(rng.gamma(2.0, 0.06, n), (tenderers < 2) | _nulls(rng, n, 0.3)),
        "origin_country": _masked(origin, origin_missing),
        "subcontracting_share": _masked(rng.choice([0.0, 0.1, 0.2, 0.35, 0.5, 0.7], n), _nulls(rng, n, 0.4)),
        "subcontractors": pa.array([["Acme Facilities Ltd"] if x < 0.2 else ([] if x < 0.6 else None)
                                    for x in rng.random(n)], type=pa.list_(pa.string())),
        "subcontracting_declared": _bools(rng, n, 0.4, 0.3),
        "ms_risk_assessment_done": _bools(rng, n, 0.4, 0.3),
        "ms_risk_rating": _pick(rng, n, ["high", "medium", "low"], null=0.6),
        "has_ms_selection_questions": _bools(rng, n, 0.35, 0.35),
        "social_criteria_weight": _masked(rng.choice([0.0, 0.05, 0.1, 0.2], n), _nulls(rng, n, 0.5)),
        "award_basis": _pick(rng, n, ["price_only", "price_quality"], [4, 6], 0.3),
        "abnormal_low_explanation_requested": _bools(rng, n, 0.2, 0.6),
        "has_anti_trafficking_clause": _bools(rng, n, 0.5, 0.3),
        "clause_recruitment_fee_ban": _bools(rng, n, 0.3, 0.4),
        "clause_flow_down": _bools(rng, n, 0.4, 0.4),
        "clause_notification": _bools(rng, n, 0.4, 0.4),
        "clause_audit_rights": _pick(rng, n, ["none", "announced", "full"], null=0.4),
        "clause_remediation_plan": _bools(rng, n, 0.3, 0.4),
        "clause_supply_chain_updates": _bools(rng, n, 0.3, 0.4),
        "last_ms_review_date": _dates(rng, n, 0.5),
        "ms_findings_open": _masked(rng.poisson(0.2, n), _nulls(rng, n, 0.6), pa.int64()),
        "ms_finding_substantiated": _bools(rng, n, 0.002, 0.6),
        "overseas_portion_value": _masked((award * rng.uniform(0, 1, n)).round(2), _nulls(rng, n, 0.8)),
        "urgency_flag": _bools(rng, n, 0.05, 0.3),
        "hotline_posted": _bools(rng, n, 0.4, 0.5),
        "sector_tier": tier_arr,
        "sector_label": _masked(label, no_code),
        "ilab_goods": goods,
        "ilab_good_listed": _masked(listed, no_code, pa.bool_()),
        "ilab_forced_labour_pair": _masked(listed & pair_fl, origin_missing | no_code, pa.bool_()),
        "ilab_child_labour_pair": _masked(listed & pair_cl, origin_missing | no_code, pa.bool_()),
        "supplier_country_tier": _masked(tier_of(supplier_country), sup_missing),
        "origin_country_tier": _masked(tier_of(origin), origin_missing),
        "tip_year": pa.array(np.full(n, 2024), pa.int64()),
    }
    return pa.table(cols)


def make_suppliers(m: int, seed: int = 12) -> pa.Table:
    """M suppliers with questionnaire answers (a third of each answer left empty)."""
    rng = np.random.default_rng(seed)
    ids = np.arange(m)
    cols: dict[str, pa.Array] = {
        "supplier_id": pa.array(np.char.add("GB-COH-", ids.astype(str)).astype(object)),
        "supplier_name": pa.array(np.char.add("Supplier ", ids.astype(str)).astype(object)),
        "supplier_name_key": pa.array(np.char.add("supplier ", ids.astype(str)).astype(object)),
        "supplier_country": _pick(rng, m, COUNTRIES, COUNTRY_P, 0.05),
        "annual_turnover": _masked(rng.lognormal(16, 2, m).round(0), _nulls(rng, m, 0.3)),
        "turnover_currency": _pick(rng, m, ["GBP", "EUR", "USD", "AUD"], [5, 3, 2, 1], 0.3),
        "jurisdictions": pa.array([["GB"] if x < 0.5 else (["GB", "AU"] if x < 0.6 else None) for x in rng.random(m)],
                                  type=pa.list_(pa.string())),
        "production_countries": pa.array([[c] if x < 0.6 else None for c, x in
                                          zip(rng.choice(COUNTRIES, m), rng.random(m), strict=True)],
                                         type=pa.list_(pa.string())),
        "origin_countries": pa.array([[c] if x < 0.4 else None for c, x in
                                      zip(rng.choice(COUNTRIES, m), rng.random(m), strict=True)],
                                     type=pa.list_(pa.string())),
        "labour_violations": _pick(rng, m, ["none", "minor", "serious"], [85, 12, 3], 0.35),
        "recruitment_fee_payer": _pick(rng, m, ["employer", "shared", "worker"], [80, 12, 8], 0.4),
        "grievance_mechanism": _pick(rng, m, ["none", "partial", "full"], [2, 5, 3], 0.35),
        "remediation_procedure": _pick(rng, m, ["none", "generic", "with_referral"], [3, 5, 2], 0.4),
        "wage_payment_frequency": _pick(rng, m, ["weekly", "fortnightly", "monthly", "less_often"], [3, 2, 8, 1], 0.4),
        "forced_labour_policy_url": _masked(np.char.add("https://example.org/policy/", ids.astype(str)).astype(object),
                                            _nulls(rng, m, 0.5)),
        "modern_slavery_statement_url": _masked(np.char.add("https://example.org/msa/", ids.astype(str))
                                                .astype(object), _nulls(rng, m, 0.5)),
        "statement_registry_id": _masked(np.char.add("MSR-", ids.astype(str)).astype(object), _nulls(rng, m, 0.7)),
        "share_migrant_workers": _masked(rng.beta(1, 4, m).round(2), _nulls(rng, m, 0.4)),
        "share_agency_workers": _masked(rng.beta(1, 5, m).round(2), _nulls(rng, m, 0.4)),
        "share_seasonal_workers": _masked(rng.beta(1, 8, m).round(2), _nulls(rng, m, 0.4)),
        "tier2plus_mapped": _masked(rng.random(m).round(2), _nulls(rng, m, 0.5)),
        "training_coverage": _masked(rng.random(m).round(2), _nulls(rng, m, 0.4)),
        "max_weekly_hours": _masked(rng.normal(48, 8, m).round(0), _nulls(rng, m, 0.4)),
        "open_critical_findings": _masked(rng.poisson(0.3, m), _nulls(rng, m, 0.5), pa.int64()),
        "employees": _masked(rng.lognormal(4, 1.5, m).astype(np.int64), _nulls(rng, m, 0.3), pa.int64()),
    }
    for name, days in (("response_date", 800), ("housing_inspected_date", 1500), ("last_risk_assessment_date", 1500),
                       ("last_audit_date", 1500), ("statement_period_end", 1500)):
        cols[name] = _dates(rng, m, 0.4, "2021-01-01", days)
    from procrisk.schema.columns import SUPPLIERS

    for col in SUPPLIERS.columns:
        if col.kind == "answer" and col.name not in cols:
            bad = col.name in BAD_WHEN_YES
            rare = col.name in RARE_YES
            p = [0.4, 0.2, 99.4] if rare else [1, 1, 8] if bad else [6, 2, 2]
            cols[col.name] = _pick(rng, m, ANSWERS, p, 0.35)
    return pa.table(cols)


def generate(folder: Path, rows: int, suppliers: int, files: int = 4) -> None:
    """Write the contracts (in ``files`` batches) and the suppliers as Parquet under ``folder/tables``, with the
    workspace's own Parquet writer (its compression and dictionary choices), as an ingest stores them."""
    from procrisk.store.workspace import atomic_write_parquet

    contracts = make_contracts(rows, suppliers)
    per = -(-rows // files)
    tables = folder / "tables"
    for i in range(files):
        atomic_write_parquet(tables / "contracts" / f"batch={i + 1:04d}" / "part-0.parquet",
                             contracts.slice(i * per, per))
    atomic_write_parquet(tables / "suppliers" / "batch=0001" / "part-0.parquet", make_suppliers(suppliers))


class _Clock:
    """Wall-clock and CPU time of named phases (CPU time counts every thread of this process)."""

    def __init__(self) -> None:
        """Start both clocks."""
        self.wall, self.cpu = time.perf_counter(), time.process_time()
        self.start = (self.wall, self.cpu)
        self.phases: dict[str, tuple[float, float]] = {}

    def lap(self, name: str) -> None:
        """Record the time since the previous lap under ``name``."""
        wall, cpu = time.perf_counter(), time.process_time()
        self.phases[name] = (wall - self.wall, cpu - self.cpu)
        self.wall, self.cpu = wall, cpu

    def total(self) -> tuple[float, float]:
        """Wall and CPU seconds from the start to the last lap."""
        return self.wall - self.start[0], self.cpu - self.start[1]


def run(folder: Path, batch_size: int) -> tuple[_Clock, dict[str, float]]:
    """Read, evaluate every rule and score; returns the phase clock and counts."""
    from procrisk.rules import ParquetSource, evaluate_table, load_catalogue
    from procrisk.scoring import score_contracts, score_suppliers

    clock = _Clock()
    catalogue = load_catalogue()
    clock.lap("load catalogue")
    sup = evaluate_table(catalogue, ParquetSource(folder / "tables" / "suppliers"), scope="supplier",
                         batch_size=batch_size)
    clock.lap("suppliers: read + evaluate")
    con = evaluate_table(catalogue, ParquetSource(folder / "tables" / "contracts"), scope="contract",
                         suppliers=sup, batch_size=batch_size)
    clock.lap("contracts: read + evaluate")
    scores = score_contracts(catalogue, con)
    clock.lap("contract scores")
    supplier_scores = score_suppliers(catalogue, scores, sup)
    clock.lap("supplier scores")
    times: dict[str, float] = {}
    times["rules"] = float(len(catalogue))
    times["contracts"] = float(len(con))
    times["suppliers"] = float(len(supplier_scores))
    times["critical"] = float((scores["band"] == "critical").sum())
    return clock, times


def main() -> None:
    """Generate (child process), then time evaluation and scoring here."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2_000_000)
    parser.add_argument("--suppliers", type=int, default=60_000)
    from procrisk.rules.engine import DEFAULT_BATCH_SIZE

    parser.add_argument("--batch-size", type=int, default=DEFAULT_BATCH_SIZE,
                        help="rows per batch (default: the engine's, which procrisk score uses)")
    parser.add_argument("--folder", type=Path, default=None, help="reuse/generate data here")
    parser.add_argument("--repeat", type=int, default=1, help="runs to time; each phase reports its best")
    parser.add_argument("--keep", action="store_true", help="keep the generated folder")
    args = parser.parse_args()
    folder = args.folder or Path(tempfile.mkdtemp(prefix="procrisk-bench-score-"))
    if not (folder / "tables" / "contracts").exists():
        t = time.perf_counter()
        proc = multiprocessing.get_context("spawn").Process(target=generate, args=(folder, args.rows, args.suppliers))
        proc.start()
        proc.join()
        print(f"generated {args.rows:,} contracts, {args.suppliers:,} suppliers in {time.perf_counter() - t:.1f} s "
              f"-> {folder}")
    import procrisk.rules  # noqa: F401 - import time (pandas, pyarrow) is not part of the measurement
    from procrisk.config import apply_process_settings, load_config

    apply_process_settings(load_config())  # as every procrisk command does (the huge_pages setting)

    load_before = os.getloadavg()[0]
    runs = []
    try:
        for _ in range(max(1, args.repeat)):
            runs.append(run(folder, args.batch_size))
    finally:
        if not args.keep and args.folder is None:
            shutil.rmtree(folder, ignore_errors=True)
    peak_gb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024
    clocks = [clock for clock, _ in runs]
    times = runs[0][1]
    n = times["contracts"]
    label = f"best of {len(runs)}" if len(runs) > 1 else "one run"
    print(f"{'phase (' + label + ')':28s} {'wall s':>8s} {'cpu s':>8s}")
    for name in clocks[0].phases:
        wall = min(c.phases[name][0] for c in clocks)
        cpu = min(c.phases[name][1] for c in clocks)
        print(f"{name:28s} {wall:8.2f} {cpu:8.2f}")
    totals = [c.total() for c in clocks]
    wall, cpu = min(t[0] for t in totals), min(t[1] for t in totals)
    print(f"{'total':28s} {wall:8.2f} {cpu:8.2f}")
    if len(runs) > 1:
        print("every run (wall s / cpu s): " + ", ".join(f"{w:.2f}/{c:.2f}" for w, c in totals))
    print(f"rules: {times['rules']:.0f}; contracts: {n:,.0f}; suppliers scored: {times['suppliers']:,.0f}; "
          f"critical: {times['critical']:,.0f}")
    print(f"throughput: {n / wall:,.0f} contracts/s wall, {n / cpu:,.0f} contracts per CPU-second "
          "(target >= 500,000 contracts/s)")
    print(f"load average (1 min): {load_before:.1f} before, {os.getloadavg()[0]:.1f} after, on {os.cpu_count()} CPUs")
    print(f"peak RSS: {peak_gb:.2f} GB (target <= 3 GB)")


if __name__ == "__main__":
    main()
