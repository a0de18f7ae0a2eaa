"""Benchmark the Excel evidence pack: 100,000 scored contracts, Findings sheet included (target <= 60 s, <= 2 GB).

A child process generates the contracts and suppliers (the generator of bench/score.py), evaluates the shipped
catalogue and scores them, and pickles the run as procrisk.api.Results plus the evidence rows; this process
loads it, builds the ReportData (findings for every flagged pair, rendered in bulk) and writes the workbook.
Peak RSS is this process's; generation and scoring are not measured.

    python bench/report.py [--rows 100000] [--suppliers 5000] [--pdf] [--csv]
"""

from __future__ import annotations

import argparse
import datetime as dt
import multiprocessing
import pickle
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent


def prepare(folder: Path, rows: int, suppliers: int) -> None:
    """Generate, evaluate and score (child process); pickle Results and Inputs into ``folder``."""
    sys.path.insert(0, str(BENCH))
    import score as generator  # bench/score.py

    from procrisk.api import Results
    from procrisk.reference.enrich import enrich_suppliers
    from procrisk.reference.versions import reference_versions
    from procrisk.report.inputs import Inputs, empty_issues
    from procrisk.rules import evaluate_table, load_catalogue
    from procrisk.scoring import score_contracts, score_suppliers

    contracts = generator.make_contracts(rows, suppliers).to_pandas()
    supplier_table = enrich_suppliers(generator.make_suppliers(suppliers).to_pandas())
    catalogue = load_catalogue()
    as_of = dt.date(2025, 6, 30)
    sup = evaluate_table(catalogue, supplier_table, scope="supplier", as_of=as_of)
    con = evaluate_table(catalogue, contracts, scope="contract", suppliers=sup, as_of=as_of)
    scores = score_contracts(catalogue, con)
    weights = {r.code: r.weight for r in catalogue.rules}
    order = sorted(con.codes, key=lambda c: (-weights[c], c))
    flagged = con.matrix[order].to_numpy() == 1
    scores["fired"] = [[order[j] for j in row.nonzero()[0]] for row in flagged]
    context = [c for c in ("title", "buyer_name", "supplier_country", "origin_country", "cpv_division",
                           "procurement_method", "award_date") if c in contracts.columns]
    table = scores.join(contracts[context]).assign(source_file="register.parquet", source_row=range(2, rows + 2))
    manifest = {
        "run_id": "0001-bench", "created_at": "2025-07-01T09:00:00+00:00", "as_of": as_of.isoformat(),
        "content_id": "bench", "procrisk_version": "bench",
        "batches": [{"batch_id": "000001-bench", "source_file": "register.parquet", "source_sha256": "0" * 64,
                     "source_kind": "parquet", "rows_read": rows, "rows_stored": rows, "rows_quarantined": 0}],
        "catalogue": catalogue.manifest(), "reference": reference_versions(),
        "contracts": con.manifest(), "suppliers": sup.manifest(),
    }
    supplier_outcomes = sup.keys[["supplier_id", "supplier_name"]].join(sup.matrix)
    results = Results("0001-bench", manifest, catalogue, table, con.matrix, score_suppliers(catalogue, scores, sup),
                      supplier_outcomes)
    inputs = Inputs(contracts.join(table[[c for c in table.columns if c not in contracts.columns]]), supplier_table,
                    empty_issues())
    with (folder / "run.pickle").open("wb") as fh:
        pickle.dump((results, inputs), fh, protocol=pickle.HIGHEST_PROTOCOL)


def main() -> None:
    """Prepare in a child process, then time ReportData and the workbook here."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--suppliers", type=int, default=5_000)
    parser.add_argument("--pdf", action="store_true", help="also time the PDF")
    parser.add_argument("--csv", action="store_true", help="also time the CSV export")
    parser.add_argument("--keep", action="store_true", help="keep the output folder")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="procrisk-bench-report-"))
    try:
        t = time.perf_counter()
        child = multiprocessing.get_context("spawn").Process(target=prepare, args=(folder, args.rows, args.suppliers))
        child.start()
        child.join()
        if child.exitcode:
            raise SystemExit(child.exitcode)
        print(f"prepared {args.rows:,} scored contracts in {time.perf_counter() - t:.1f} s (not measured)")
        from procrisk.report import build_report_data, write_report

        start = time.perf_counter()
        with (folder / "run.pickle").open("rb") as fh:
            results, inputs = pickle.load(fh)
        loaded = time.perf_counter()
        data = build_report_data(results, inputs=inputs)
        built = time.perf_counter()
        written = write_report(data, folder / "report.xlsx")
        done = time.perf_counter()
        size = (folder / "report.xlsx").stat().st_size / 1e6
        print(f"contracts {len(data.contracts):,}; findings {len(data.findings):,}; suppliers {len(data.suppliers):,}")
        print(f"load run              {loaded - start:7.2f} s")
        print(f"build ReportData      {built - loaded:7.2f} s")
        print(f"write workbook        {done - built:7.2f} s  ({size:.0f} MB, sheets: Findings split at 1,048,575 rows)")
        print(f"workbook total        {done - loaded:7.2f} s  (target <= 60 s)")
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024
        print(f"peak RSS so far       {peak:7.2f} GB (target <= 2 GB; run loaded, report data, workbook)")
        if args.pdf:
            t = time.perf_counter()
            write_report(data, folder / "report.pdf")
            print(f"write PDF             {time.perf_counter() - t:7.2f} s")
        if args.csv:
            t = time.perf_counter()
            write_report(data, folder / "csv", "csv")
            print(f"write CSV export      {time.perf_counter() - t:7.2f} s")
        if args.pdf or args.csv:
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024
            print(f"peak RSS at the end   {peak:7.2f} GB")
        print(f"content digest {written.digest[:16]}")
    finally:
        if args.keep:
            print(f"output kept in {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
