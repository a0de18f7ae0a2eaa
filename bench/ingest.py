"""Benchmark ingest end to end (read, map, normalise, validate, write Parquet); run by hand, prints figures.

Targets on the 2-core reference machine: CSV >= 300,000 rows/s, XLSX >= 30,000 rows/s, OCDS JSON Lines
>= 40,000 releases/s, peak RSS <= 2 GB for the 1,000,000-row CSV. Each format runs in its own process so that
peak RSS is measured per format. Besides wall time each run prints its CPU time (all threads) and the load
average, because on a shared machine the wall time says more about the neighbours than about the code:
CPU/wall above 1 means the run used both cores.

    python bench/ingest.py [--rows 1000000] [--xlsx-rows 200000] [--releases 200000] [--only csv|xlsx|ocds]
                           [--repeat N]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import resource
import tempfile
import time
from pathlib import Path
from queue import Empty

import numpy as np
import pandas as pd

CACHE = Path(tempfile.gettempdir()) / "procrisk-bench"
COUNTRIES = ["United Kingdom", "France", "Allemagne", "México", "China", "Bangladesh", "US", "DE", "Turkey", "India"]
METHODS = ["Open", "Restricted", "Direct award", "Negotiated without publication", "RFQ"]
TITLES = ["Cleaning services", "Security guarding", "Uniforms and workwear", "Laptops", "Solar panels",
          "Catering services", "Road maintenance works", "Software licences", "Nitrile gloves", "Office furniture"]


def make_frame(rows: int, seed: int = 7) -> pd.DataFrame:
    """A realistic 25-column contract register with messy formats."""
    rng = np.random.default_rng(seed)
    ids = np.arange(rows)
    start = pd.Timestamp("2020-01-01") + pd.to_timedelta(rng.integers(0, 1800, rows), unit="D")
    amounts = rng.lognormal(10, 1.5, rows).round(2)
    return pd.DataFrame({
        "Contract Reference": "CR-" + pd.Series(ids).astype(str),
        "Title": rng.choice(TITLES, rows),
        "Description": rng.choice(TITLES, rows) + " for the council",
        "Buyer": rng.choice(["Northshire Council", "Ministry of Works", "City Hospital Trust"], rows),
        "Buyer country": "United Kingdom",
        "Supplier": "Supplier " + pd.Series(rng.integers(0, 50_000, rows)).astype(str) + " Ltd",
        "Supplier ID": "GB-COH-" + pd.Series(rng.integers(10**7, 10**8, rows)).astype(str),
        "Supplier country": rng.choice(COUNTRIES, rows),
        "CPV code": rng.choice(["90910000-9", "79710000", "18110000-3", "30213100-6", "09331200-0"], rows),
        "Contract type": rng.choice(["Services", "Goods", "Works"], rows),
        "Procedure": rng.choice(METHODS, rows),
        "Number of bids": rng.integers(1, 9, rows).astype(str),
        "Tender published": start.strftime("%d/%m/%Y"),
        "Tender deadline": (start + pd.to_timedelta(rng.integers(5, 60, rows), unit="D")).strftime("%d/%m/%Y"),
        "Estimated value": pd.Series(amounts * 1.2).map("{:,.2f}".format),
        "Award value": pd.Series(amounts).map("{:,.2f}".format),
        "Currency": rng.choice(["GBP", "EUR", "gbp"], rows),
        "Award date": (start + pd.to_timedelta(90, unit="D")).strftime("%Y-%m-%d"),
        "Start date": (start + pd.to_timedelta(120, unit="D")).strftime("%Y-%m-%d"),
        "End date": (start + pd.to_timedelta(850, unit="D")).strftime("%Y-%m-%d"),
        "Country of origin": rng.choice(COUNTRIES, rows),
        "Subcontracting %": rng.choice(["0%", "10 %", "35%", "60%", ""], rows),
        "Subcontractors": rng.choice(["", "Acme Cleaning Ltd; Brightstar Facilities Ltd", "Beta GmbH"], rows),
        "Modern slavery clause": rng.choice(["Yes", "No", ""], rows),
        "Officer notes": rng.choice(["", "renewal due", "checked"], rows),
    })


def _peak_rss_mb() -> float:
    """Peak resident memory of this process in MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _cpu_seconds() -> tuple[float, float]:
    """CPU seconds (user + system) used so far by this process, and by its finished children (OCDS workers)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime, children.ru_utime + children.ru_stime


def _run(kind: str, path: str, rows: int, queue: multiprocessing.Queue) -> None:
    """Ingest one file in a fresh process and report (seconds, CPU seconds, rows stored, peak RSS)."""
    from procrisk import api
    from procrisk.config import apply_process_settings, load_config
    from procrisk.ingest import ocds

    apply_process_settings(load_config())  # as every procrisk command does (the huge_pages setting)
    read_ocds, spent = ocds.read_ocds, []

    def timed_read_ocds(*args: object, **kwargs: object) -> object:
        """read_ocds, timing its wall and CPU seconds (the OCDS reader's share of the ingest)."""
        t0, (own0, children0) = time.perf_counter(), _cpu_seconds()
        result = read_ocds(*args, **kwargs)
        (own1, children1) = _cpu_seconds()
        spent.append((time.perf_counter() - t0, own1 - own0, children1 - children0))
        return result

    ocds.read_ocds = timed_read_ocds
    from procrisk.ingest import excel_reader

    read_excel, excel_spent = excel_reader.read_excel, []

    def timed_read_excel(*args: object, **kwargs: object) -> object:
        """read_excel, timing its wall and CPU seconds (the XLSX reader's share of the ingest)."""
        t0, cpu0 = time.perf_counter(), _cpu_seconds()[0]
        result = read_excel(*args, **kwargs)
        excel_spent.append((time.perf_counter() - t0, _cpu_seconds()[0] - cpu0))
        return result

    excel_reader.read_excel = timed_read_excel
    with tempfile.TemporaryDirectory() as ws:
        t0, (own0, children0) = time.perf_counter(), _cpu_seconds()
        report = api.ingest_file(path, workspace=ws)
        seconds, (own1, children1) = time.perf_counter() - t0, _cpu_seconds()
    queue.put((kind, rows, seconds, (own1 - own0, children1 - children0), report.prepared.rows_stored,
               report.prepared.rows_quarantined, _peak_rss_mb(), spent, excel_spent))


def _ensure_csv(rows: int) -> Path:
    """Generate (or reuse) the benchmark CSV."""
    path = CACHE / f"register-{rows}.csv"
    if not path.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        make_frame(rows).to_csv(path, index=False)
    return path


def _ensure_xlsx(rows: int) -> Path:
    """Generate (or reuse) the benchmark XLSX (written with openpyxl's write-only mode)."""
    path = CACHE / f"register-{rows}.xlsx"
    if not path.exists():
        from openpyxl import Workbook

        CACHE.mkdir(parents=True, exist_ok=True)
        frame = make_frame(rows)
        wb = Workbook(write_only=True)
        ws = wb.create_sheet("Register")
        ws.append(["Northshire Council — contract register"])
        ws.append([])
        ws.append(list(frame.columns))
        for values in frame.itertuples(index=False):
            ws.append(list(values))
        wb.save(path)
    return path


def _ensure_jsonl(releases: int) -> Path:
    """Generate (or reuse) an OCDS JSON Lines file of compiled releases."""
    path = CACHE / f"releases-{releases}.jsonl"
    if not path.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        rng = np.random.default_rng(3)
        with path.open("w", encoding="utf-8") as fh:
            for i in range(releases):
                supplier = f"GB-COH-{rng.integers(10**7, 10**8)}"
                release = {
                    "ocid": f"ocds-bench-{i}", "id": f"{i}-award", "date": "2024-03-01T00:00:00Z",
                    "tag": ["award"], "initiationType": "tender",
                    "buyer": {"id": "GB-GOV-1", "name": "Ministry of Works"},
                    "parties": [{"id": "GB-GOV-1", "name": "Ministry of Works", "roles": ["buyer"],
                                 "address": {"countryName": "United Kingdom"}},
                                {"id": supplier, "name": f"Supplier {i % 5000} Ltd", "roles": ["supplier"],
                                 "identifier": {"scheme": "GB-COH", "id": supplier[7:]},
                                 "address": {"countryName": "United Kingdom"}}],
                    "tender": {"id": f"T{i}", "title": TITLES[i % len(TITLES)], "procurementMethod": "open",
                               "numberOfTenderers": int(rng.integers(1, 6)), "status": "complete",
                               "tenderPeriod": {"startDate": "2024-01-01T09:00:00Z",
                                                "endDate": "2024-01-20T12:00:00Z"},
                               "value": {"amount": 120000, "currency": "GBP"},
                               "items": [{"id": "1", "classification": {"scheme": "CPV", "id": "90910000"}}]},
                    "awards": [{"id": f"A{i}", "status": "active", "date": "2024-03-01T00:00:00Z",
                                "value": {"amount": float(rng.integers(50_000, 150_000)), "currency": "GBP"},
                                "suppliers": [{"id": supplier, "name": f"Supplier {i % 5000} Ltd"}]}],
                }
                fh.write(json.dumps(release) + "\n")
    return path


def _result(proc: multiprocessing.process.BaseProcess, queue: multiprocessing.Queue) -> tuple:
    """What the ingest process put on the queue; exits with a message if that process died first."""
    while True:
        try:
            return queue.get(timeout=1)
        except Empty:
            if not proc.is_alive():
                msg = f"the ingest process died (exit code {proc.exitcode}); its traceback is above"
                raise SystemExit(msg) from None


def main() -> None:
    """Generate the inputs, ingest each in its own process, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--xlsx-rows", type=int, default=200_000)
    parser.add_argument("--releases", type=int, default=200_000)
    parser.add_argument("--only", choices=["csv", "xlsx", "ocds"])
    parser.add_argument("--repeat", type=int, default=1, help="runs per format (each in a fresh process)")
    args = parser.parse_args()
    jobs = []
    if args.only in (None, "csv"):
        jobs.append(("csv", _ensure_csv(args.rows), args.rows))
    if args.only in (None, "xlsx"):
        jobs.append(("xlsx", _ensure_xlsx(args.xlsx_rows), args.xlsx_rows))
    if args.only in (None, "ocds"):
        jobs.append(("ocds jsonl", _ensure_jsonl(args.releases), args.releases))
    ctx = multiprocessing.get_context("spawn")
    for kind, path, rows in jobs:
        for _ in range(max(1, args.repeat)):
            load = os.getloadavg()[0]
            queue = ctx.Queue()
            proc = ctx.Process(target=_run, args=(kind, str(path), rows, queue))
            proc.start()
            label, count, seconds, (cpu, workers), stored, quarantined, rss, spent, excel_spent = _result(proc, queue)
            proc.join()
            total = cpu + workers
            print(f"{label:<10} {count:>9,} rows in {seconds:6.2f} s = {count / seconds:>9,.0f} rows/s; "
                  f"stored {stored:,} rows in all tables (OCDS: contracts + suppliers), quarantined {quarantined:,}; "
                  f"peak RSS {rss:,.0f} MB")
            print(f"{'':<10} CPU {cpu:.2f} s in the process + {workers:.2f} s in worker processes "
                  f"({total / seconds:.2f} cores; {count / total:,.0f} rows per CPU-second); "
                  f"load average {load:.2f} before, {os.getloadavg()[0]:.2f} after (machine: {os.cpu_count()} CPUs)")
            for wall, own, in_workers in spent:
                print(f"{'':<10} of which read_ocds: {wall:.2f} s wall = {count / wall:,.0f} releases/s; "
                      f"CPU {own:.2f} s in the process + {in_workers:.2f} s in its workers; "
                      "the rest is normalising and storing")
            for wall, own in excel_spent:
                print(f"{'':<10} of which read_excel: {wall:.2f} s wall = {count / wall:,.0f} rows/s; "
                      f"CPU {own:.2f} s (safety scan, parse, text columns); the rest is normalising and storing")


if __name__ == "__main__":
    main()
