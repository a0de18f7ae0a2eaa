"""Time the CSV and Excel readers on large generated files and print rows/s and peak memory (run by hand).

Usage: ``.venv/bin/python bench/readers.py [--csv-rows N] [--xlsx-rows N] [--only csv|xlsx] [--repeat N]``.
The CSV (1,000,000 rows x 25 columns) is written to a temporary folder on each run; the XLSX (200,000 rows x
25 columns) takes minutes to write with openpyxl, so it is cached in ``/tmp/procrisk-bench/`` and reused
while it exists. Each read runs in its own child process so that the peak resident memory
(``resource.getrusage(RUSAGE_SELF).ru_maxrss`` in the child) is that reader's alone. Each reader is preceded
by the bare library read it builds on ("-raw": pyarrow reading every column as strings, calamine returning
Python lists), so the overhead can be judged even on a busy machine.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
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
    """Write a ``rows`` x 25 UTF-8 CSV (comma, header on line 1, quotes only where a value holds a comma)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    rng = np.random.default_rng(7)
    countries = pa.array(_COUNTRIES)
    columns = []
    for col in range(COLUMNS):
        kind = col % 6
        if kind == 0:
            number = pa.array(rng.integers(0, 50_000, rows)).cast(pa.string())
            values = pc.binary_join_element_wise("Supplier ", number, " Ltd", "")
        elif kind == 1:
            values = pa.array(rng.integers(0, 10**9, rows) / 100).cast(pa.string())
        elif kind == 2:
            days = pa.array(rng.integers(16_000, 20_000, rows).astype("int32"), pa.date32())
            values = days.cast(pa.string())
        elif kind == 3:
            values = countries.take(pa.array(rng.integers(0, len(_COUNTRIES), rows)))
        elif kind == 4:
            code = pa.array(rng.integers(100_000, 999_999, rows)).cast(pa.string())
            values = pc.binary_join_element_wise("45", code, "-2", "")
        else:
            lot = pa.array(rng.integers(1, 99, rows)).cast(pa.string())
            values = pc.binary_join_element_wise('"Works, lot ', lot, '"', "")
        columns.append(values)
    lines = pc.binary_join_element_wise(*columns, ",")
    with path.open("w", encoding="utf-8", newline="") as fh:
        fh.write(",".join(f"Column {c + 1}" for c in range(COLUMNS)) + "\n")
        step = 100_000
        for start in range(0, rows, step):
            fh.write("\n".join(lines.slice(start, step).to_pylist()) + "\n")


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


def _raw_read(kind: str, path: Path) -> int:
    """The baseline: the bare library read (pyarrow, all columns as strings; calamine to Python lists)."""
    if kind == "csv":
        import pyarrow as pa
        import pyarrow.csv as pacsv

        with path.open(encoding="utf-8") as fh:
            width = fh.readline().count(",") + 1
        names = [f"c{j}" for j in range(width)]
        table = pacsv.read_csv(
            path,
            read_options=pacsv.ReadOptions(column_names=names, skip_rows=1),
            convert_options=pacsv.ConvertOptions(column_types=dict.fromkeys(names, pa.string())),
        )
        return table.num_rows
    from python_calamine import CalamineWorkbook

    with CalamineWorkbook.from_path(str(path)) as book:
        return len(book.get_sheet_by_index(0).to_python(skip_empty_area=False))


def _child(kind: str, path: str) -> None:
    """Read one file in this (child) process and print the timing as JSON."""
    from procrisk.ingest.csv_reader import read_csv
    from procrisk.ingest.excel_reader import read_excel

    start, cpu = time.perf_counter(), time.process_time()
    notes: list[str] = []
    if kind.endswith("-raw"):
        rows, columns = _raw_read(kind.removesuffix("-raw"), Path(path)), COLUMNS
    else:
        table = read_csv(Path(path)) if kind == "csv" else read_excel(Path(path))
        rows, columns, notes = len(table), table.frame.shape[1], table.notes
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"rows": rows, "columns": columns, "seconds": seconds, "cpu": cpu, "peak_mb": peak_mb,
                      "notes": notes}))


def _measure(kind: str, path: Path) -> dict:
    """Run the reader in a child process and return its figures."""
    out = subprocess.run([sys.executable, __file__, "--child", kind, str(path)], check=True,
                         capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _report(kind: str, path: Path, figures: dict) -> None:
    """Print one reader's figures."""
    rate = figures["rows"] / figures["seconds"]
    size_mb = path.stat().st_size / 1e6
    print(f"{kind:8} {figures['rows']:>9,} rows x {figures['columns']} cols  {size_mb:6.1f} MB  "
          f"{figures['seconds']:6.2f} s (CPU {figures['cpu']:5.2f} s)  {rate:>9,.0f} rows/s  "
          f"peak RSS {figures['peak_mb']:,.0f} MB")
    for note in figures["notes"]:
        print(f"         - {note}")


def _make(kind: str, path: Path, rows: int) -> None:
    """Write a test file in a child process, keeping this one small (children inherit its peak RSS)."""
    subprocess.run([sys.executable, __file__, "--make", kind, str(path), str(rows)], check=True)


def _run(kind: str, path: Path, repeat: int) -> None:
    """Time the bare library read and procrisk's reader, alternately, ``repeat`` times each."""
    print(f"load average before: {os.getloadavg()[0]:.1f} (on {os.cpu_count()} CPUs)")
    for _ in range(repeat):
        _report(f"{kind}-raw", path, _measure(f"{kind}-raw", path))
        _report(kind, path, _measure(kind, path))


def main() -> None:
    """Generate (or reuse) the files, time each reader, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--csv-rows", type=int, default=1_000_000)
    parser.add_argument("--xlsx-rows", type=int, default=200_000)
    parser.add_argument("--only", choices=["csv", "xlsx"])
    parser.add_argument("--repeat", type=int, default=2, help="runs of each reader (default 2)")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument("--make", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(*args.child)
        return
    if args.make:
        kind, target, rows = args.make
        (make_csv if kind == "csv" else make_xlsx)(Path(target), int(rows))
        return
    if args.only in (None, "csv"):
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / f"readers_{args.csv_rows}x{COLUMNS}.csv"
            start = time.perf_counter()
            _make("csv", path, args.csv_rows)
            print(f"wrote {path.name} in {time.perf_counter() - start:.1f} s")
            _run("csv", path, args.repeat)
    if args.only in (None, "xlsx"):
        path = CACHE / f"readers_{args.xlsx_rows}x{COLUMNS}.xlsx"
        if not path.exists():
            start = time.perf_counter()
            _make("xlsx", path, args.xlsx_rows)
            print(f"wrote {path} in {time.perf_counter() - start:.1f} s (cached for the next run)")
        _run("xlsx", path, args.repeat)


if __name__ == "__main__":
    main()
