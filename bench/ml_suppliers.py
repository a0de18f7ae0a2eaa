"""Benchmark: resolve 100,000 supplier names (target <= 60 s) and enrich 1,000,000 contracts.

    .venv/bin/python bench/ml_suppliers.py                  # both benchmarks
    .venv/bin/python bench/ml_suppliers.py --names 100000 --contracts 0

Names: the labelled evaluation set (real names and their variants, tests/fixtures/ml), topped up with made-up
companies (the first word of one real name joined to the rest of another) of which a third get a variant by
the evaluation set's rules, so the duplicate structure stays realistic. Contracts: synthetic rows with CPV
codes from the CPV list, log-normal prices per group, a third of the codes blanked.
"""

from __future__ import annotations

import argparse
import csv
import importlib.util
import random
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
EVAL = ROOT / "tests" / "fixtures" / "ml"


def _builder():
    """The evaluation-set builder module (for its variant rules)."""
    spec = importlib.util.spec_from_file_location("build_eval_set", EVAL / "build_eval_set.py")
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def bench_names(n: int, seed: int = 7) -> list[str]:
    """``n`` supplier names: the evaluation names, then made-up companies and their variants."""
    with (EVAL / "suppliers_eval.csv").open(encoding="utf-8", newline="") as fh:
        names = [row["name"] for row in csv.DictReader(fh)]
    rnd = random.Random(seed)
    builder = _builder()
    words = [name.split(" ") for name in names if " " in name]
    while len(names) < n:
        a, b = rnd.choice(words), rnd.choice(words)
        made = " ".join([a[0], *b[1:]])
        names.append(made)
        if rnd.random() < 1 / 3 and len(names) < n:
            variant = builder.variant(made, rnd, "bhrrc_2020")
            names.append(variant[0] if variant else made)
    return names[:n]


def bench_contracts(n: int, seed: int = 11) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``n`` synthetic contracts and their suppliers for the enrichment benchmark."""
    from procrisk.reference import cpv

    rng = np.random.default_rng(seed)
    entries = [c for c in (cpv.get(s) for s in sorted(cpv.stems())) if c and c.level != "division"]
    picked = rng.integers(0, len(entries), size=n)
    codes = np.array([entries[i].code for i in picked], dtype=object)
    titles = np.array([entries[i].description for i in picked], dtype=object)
    group_scale = {g: rng.uniform(9, 13) for g in {e.code8[:3] for e in entries}}
    centre = np.array([group_scale[entries[i].code8[:3]] for i in picked])
    award = np.exp(rng.normal(centre, 0.6))
    blank = rng.random(n) < 1 / 3
    division = np.array([c[:2] for c in codes], dtype=object)
    supplier_names = bench_names(min(n // 10, 100_000))
    suppliers = rng.integers(0, len(supplier_names), size=n)
    contracts = pd.DataFrame({
        "contract_id": [f"C{i}" for i in range(n)],
        "title": titles,
        "description": None,
        "classification_scheme": np.where(blank, None, "CPV"),
        "classification_code": np.where(blank, None, codes),
        "cpv_division": np.where(blank, None, division),
        "buyer_country": rng.choice(["GB", "FR", "DE"], size=n),
        "currency": "EUR",
        "award_value": award,
        "estimated_value": award * rng.uniform(0.8, 1.6, size=n),
        "award_date": pd.to_datetime("2020-01-01") + pd.to_timedelta(rng.integers(0, 1800, size=n), unit="D"),
        "supplier_name": np.array(supplier_names, dtype=object)[suppliers],
        "supplier_id": None,
        "supplier_country": "GB",
    })
    unique = sorted(set(supplier_names))
    table = pd.DataFrame({"supplier_id": [f"S{i}" for i in range(len(unique))], "supplier_name": unique})
    return contracts, table


def sweep(thresholds: list[float]) -> None:
    """Choose the threshold on half of the labelled entities (tune) and report it on the other half (test)."""
    import hashlib

    from procrisk.ml import SupplierResolver
    from procrisk.ml.evaluation import pairwise_scores

    names = pd.read_csv(EVAL / "suppliers_eval.csv", dtype=str, keep_default_na=False)
    half = names["entity"].map(lambda e: int(hashlib.sha256(e.encode()).hexdigest(), 16) % 2)
    best = None
    for threshold in thresholds:
        row = [f"threshold {threshold:.2f}"]
        for part in (0, 1):
            sub = names[half == part]
            frame = pd.DataFrame({"supplier_name": sub["name"], "supplier_country": sub["country"].replace("", None)})
            keys = SupplierResolver(threshold=threshold).fit_transform(frame)
            scores = pairwise_scores(list(sub["entity"]), list(keys))
            row.append(f"{'tune' if part == 0 else 'test'} P={scores['precision']:.4f} R={scores['recall']:.4f}")
            if part == 0 and scores["precision"] >= 0.98 and (best is None or scores["recall"] > best[1]):
                best = (threshold, scores["recall"])
        print("  ".join(row))
    print(f"chosen on the tune half (highest recall with precision >= 0.98): {best}")


def main() -> None:
    """Run the benchmarks and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--names", type=int, default=100_000)
    parser.add_argument("--contracts", type=int, default=1_000_000)
    parser.add_argument("--sweep", action="store_true", help="threshold sweep on the labelled set, then stop")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT / "src"))
    if args.sweep:
        sweep([0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9])
        return
    from procrisk.ml import SupplierResolver

    if args.names:
        names = bench_names(args.names)
        start, cpu = time.perf_counter(), time.process_time()
        resolver = SupplierResolver()
        keys = resolver.fit_transform(names)
        took, cpu = time.perf_counter() - start, time.process_time() - cpu
        print(f"resolver: {len(names):,} names -> {len(set(keys)):,} keys in {took:.1f} s wall, {cpu:.1f} s CPU "
              f"({len(names) / took:,.0f} names/s); {resolver.stats_}")
    if args.contracts:
        from procrisk.ml import enrich_with_models

        contracts, suppliers = bench_contracts(args.contracts)
        start, cpu = time.perf_counter(), time.process_time()
        _, _, meta = enrich_with_models(contracts, suppliers)
        took, cpu = time.perf_counter() - start, time.process_time() - cpu
        print(f"enrich: {len(contracts):,} contracts, {len(suppliers):,} suppliers in {took:.1f} s wall, "
              f"{cpu:.1f} s CPU; wall {meta['timings_s']}; CPU {meta['cpu_s']}; rows by peer level "
              f"{meta['prices']['rows_by_level']}; category training rows {meta['categories'].get('training_rows')}")


if __name__ == "__main__":
    main()
