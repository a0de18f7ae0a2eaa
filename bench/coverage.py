"""Time api.coverage and api.missing_fields on a 2,000,000-contract workspace with a stored run (run by hand).

Builds, once, a workspace from bench/score.py's generated contracts and suppliers (their Parquet files become
the workspace's batches) and a stored run computed with the engine and the scorers (the generated enrichment
columns stand in for the model's, so no model is fitted), then reads the coverage report and the field gaps from
that run in a child process, printing wall and CPU seconds and the child's peak RSS.

    python bench/coverage.py [--rows 2000000] [--suppliers 60000] [--folder /tmp/procrisk-bench-coverage]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import multiprocessing
import os
import resource
import shutil
import time
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent


def _bench_score():
    """bench/score.py as a module (its generator and timing helpers)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("bench_score", HERE / "score.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def build(folder: Path, rows: int, suppliers: int) -> None:
    """Generate the data, lay it out as a workspace and store one run over it."""
    from procrisk.api.analyse import KEPT_DERIVED, _arrow, _supplier_outcome_table
    from procrisk.rules import ParquetSource, evaluate_table, load_catalogue
    from procrisk.scoring import score_contracts, score_suppliers
    from procrisk.store import Workspace
    from procrisk.store.workspace import SCHEMA_VERSION, atomic_write_bytes

    generated = folder / "generated"
    _bench_score().generate(generated, rows, suppliers)
    ws = Workspace(folder / "ws")
    entries = []
    for table in ("contracts", "suppliers"):
        for i, file in enumerate(sorted((generated / "tables" / table).rglob("*.parquet"))):
            batch_id = f"{len(entries) + 1:06d}-{table[:3]}{i:07d}"
            target = ws.path / "tables" / table / f"{batch_id}.parquet"
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(file, target)
            entries.append({"batch_id": batch_id, "source_file": file.name, "source_sha256": batch_id,
                            "source_kind": "parquet", "rows_read": 0, "rows_stored": 0, "rows_quarantined": 0,
                            "created_at": "2025-06-30T00:00:00+00:00"})
    atomic_write_bytes(ws.path / "manifest.json", json.dumps(
        {"schema_version": SCHEMA_VERSION, "batches": entries, "runs": []}).encode())
    catalogue = load_catalogue()
    as_of = dt.date(2025, 6, 30)
    sup = evaluate_table(catalogue, ParquetSource(ws.table_files("suppliers")), scope="supplier", as_of=as_of)
    con = evaluate_table(catalogue, ParquetSource(ws.table_files("contracts")), scope="contract", suppliers=sup,
                         as_of=as_of)
    scores = score_contracts(catalogue, con)
    derived = ParquetSource(ws.table_files("contracts"))
    names = [c for c in KEPT_DERIVED if c in derived.column_names and c not in scores.columns]
    contracts = pd.concat([derived.read(names).reset_index(drop=True), scores], axis=1)
    tables = {"contract_scores": _arrow(contracts),
              "contract_outcomes": __import__("pyarrow").Table.from_pandas(con.matrix, preserve_index=False),
              "supplier_scores": _arrow(score_suppliers(catalogue, scores, sup)),
              "supplier_outcomes": _supplier_outcome_table(sup)}
    record = {"content_id": "bench-coverage-0000", "created_at": "2025-06-30T00:00:00+00:00",
              "as_of": as_of.isoformat(), "batches": [{"batch_id": e["batch_id"]} for e in entries],
              "catalogue": catalogue.manifest(), "rules_dirs": [], "contracts": con.manifest(),
              "suppliers": sup.manifest()}
    ws.commit_run(json.loads(json.dumps(record, default=str)), tables)


def measure(folder: Path, queue: multiprocessing.Queue) -> None:
    """In a child process: the coverage report and the field gaps from the stored run."""
    from procrisk import api

    out = {}
    for name, call in (("coverage", api.coverage), ("missing_fields", api.missing_fields)):
        wall, cpu = time.perf_counter(), time.process_time()
        frame = call(folder / "ws")
        out[name] = (time.perf_counter() - wall, time.process_time() - cpu, len(frame))
    out["peak_gb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024
    queue.put(out)


def main() -> None:
    """Build once (kept in --folder), then measure in a child process."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2_000_000)
    parser.add_argument("--suppliers", type=int, default=60_000)
    parser.add_argument("--folder", type=Path, default=Path("/tmp/procrisk-bench-coverage"))
    args = parser.parse_args()
    if not (args.folder / "ws" / "runs").is_dir():
        start = time.perf_counter()
        args.folder.mkdir(parents=True, exist_ok=True)
        build(args.folder, args.rows, args.suppliers)
        print(f"built {args.rows:,} contracts with a stored run in {time.perf_counter() - start:.0f} s -> "
              f"{args.folder}")
    queue: multiprocessing.Queue = multiprocessing.get_context("spawn").Queue()
    child = multiprocessing.get_context("spawn").Process(target=measure, args=(args.folder, queue))
    child.start()
    child.join()
    if child.exitcode != 0:
        raise SystemExit(f"the measuring process failed (exit code {child.exitcode})")
    result = queue.get(timeout=10)
    for name in ("coverage", "missing_fields"):
        wall, cpu, n = result[name]
        print(f"{name:16s} wall {wall:6.2f} s  cpu {cpu:6.2f} s  ({n} rows)")
    print(f"peak RSS of the child: {result['peak_gb']:.2f} GB; load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
