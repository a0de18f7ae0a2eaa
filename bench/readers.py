"""Time the CSV and Excel readers on large generated files and print rows/s and peak memory (run by hand).

Usage: ``.venv/bin/python bench/readers.py [--csv-rows N] [--xlsx-rows N] [--only csv|xlsx]``. The CSV
(1,000,000 rows x 25 columns) is written to a temporary folder each run (pyarrow writes it in about a second);
the XLSX (200,000 rows x 25 columns) takes minutes to write with openpyxl, so it is cached in
``/tmp/procrisk-bench/`` and reused while it exists. Each reader runs in its own child process so that the peak
resident memory (``resource.getrusage(RUSAGE_CHILDREN).ru_maxrss``) is that reader's alone.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CACHE = Path("/tmp/procrisk-bench")
COLUMNS = 25
_COUNTRIES = ["FR", "Germany", "United Kingdom", "Côte d'Ivoire", "ES", "Viet Nam", "BR", "Bangladesh"]


def _cell(row: int, col: int, rng: random.Random) -> object:
    """One generated cell: a mix of names, amounts, dates, countries, codes, flags and blanks."""
    kind = col % 8
    if kind == 0:
        return f"Supplier {rng.randrange(50_000)} Ltd"
    if kind == 1:
        return round(rng.uniform(0, 1e7), 2)
    if kind == 2:
        return dt.date(2015, 1, 1) + dt.timedelta(days=rng.randrange(3650))
    if kind == 3:
        return rng.choice(_COUNTRIES)
    if kind == 4:
        return f"{rng.randrange(10_000_000, 99_999_999)}-{rng.randrange(10)}"
    if kind == 5:
        return rng.randrange(1, 500)
    if kind == 6:
        return rng.random() < 0.5
    return "" if rng.random() < 0.3 else f"Lot {row % 97}, part {col}"


def make_csv(path: Path, rows: int) -> None:
    """Write a ``rows`` x 25 UTF-8 CSV (comma, header on line 1) with pyarrow."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.csv as pacsv

    rng = np.random.default_rng(7)
    columns = {}
    for col in range(COLUMNS):
        kind = col % 5
        if kind == 0:
            values = np.char.add("Supplier ", rng.integers(0, 50_000, rows).astype(str))
        elif kind == 1:
            values = (rng.integers(0, 10**9, rows) / 100).astype(str)
        elif kind == 2:
            days = rng.integers(0, 3650, rows).astype("timedelta64[D]")
            values = np.datetime_as_string(np.datetime64("2015-01-01") + days)
        elif kind == 3:
            values = rng.choice(np.array(_COUNTRIES), rows)
        else:
            values = np.char.add("45", rng.integers(100_000, 999_999, rows).astype(str))
        columns[f"Column {col + 1}"] = pa.array(values)
    options = pacsv.WriteOptions(quoting_style="needed")
    pacsv.write_csv(pa.table(columns), path, write_options=options)


def make_xlsx(path: Path, rows: int) -> None:
    """Write a ``rows`` x 25 XLSX (a title row, a blank row, the header on row 3) with openpyxl write-only."""
    from openpyxl import Workbook

    rng = random.Random(7)
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Contracts")
    sheet.append(["Contract register (generated for the reader benchmark)"])
    sheet.append([])
    sheet.append([f"Column {c + 1}" for c in range(COLUMNS)])
    for row in range(rows):
        sheet.append([_cell(row, col, rng) for col in range(COLUMNS)])
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.xlsx")
    book.save(tmp)
    tmp.rename(path)


def _child(kind: str, path: str) -> None:
    """Read one file in this (child) process and print the timing as JSON."""
    from procrisk.ingest.csv_reader import read_csv
    from procrisk.ingest.excel_reader import read_excel

    start = time.perf_counter()
    table = read_csv(Path(path)) if kind == "csv" else read_excel(Path(path))
    seconds = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"rows": len(table), "columns": table.frame.shape[1], "seconds": seconds,
                      "peak_mb": peak_mb, "notes": table.notes}))


def _measure(kind: str, path: Path) -> dict:
    """Run the reader in a child process and return its figures."""
    out = subprocess.run([sys.executable, __file__, "--child", kind, str(path)], check=True,
                         capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _report(kind: str, path: Path, figures: dict) -> None:
    """Print one reader's figures."""
    rate = figures["rows"] / figures["seconds"]
    size_mb = path.stat().st_size / 1e6
    print(f"{kind:5} {figures['rows']:>9,} rows x {figures['columns']} cols  {size_mb:7.1f} MB  "
          f"{figures['seconds']:6.2f} s  {rate:>10,.0f} rows/s  peak RSS {figures['peak_mb']:,.0f} MB")
    for note in figures["notes"]:
        print(f"      - {note}")


def main() -> None:
    """Generate (or reuse) the files, time each reader, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--csv-rows", type=int, default=1_000_000)
    parser.add_argument("--xlsx-rows", type=int, default=200_000)
    parser.add_argument("--only", choices=["csv", "xlsx"])
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(*args.child)
        return
    if args.only in (None, "csv"):
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / f"readers_{args.csv_rows}x{COLUMNS}.csv"
            start = time.perf_counter()
            make_csv(path, args.csv_rows)
            print(f"wrote {path.name} in {time.perf_counter() - start:.1f} s")
            _report("csv", path, _measure("csv", path))
    if args.only in (None, "xlsx"):
        path = CACHE / f"readers_{args.xlsx_rows}x{COLUMNS}.xlsx"
        if not path.exists():
            start = time.perf_counter()
            make_xlsx(path, args.xlsx_rows)
            print(f"wrote {path} in {time.perf_counter() - start:.1f} s (cached for the next run)")
        _report("xlsx", path, _measure("xlsx", path))


if __name__ == "__main__":
    main()
