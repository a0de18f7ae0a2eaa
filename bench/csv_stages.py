"""Where a CSV ingest's time goes, stage by stage (wall and CPU seconds each); run by hand, prints figures.

Runs ``procrisk.api.ingest_file`` on the benchmark register of ``bench/ingest.py`` (generated on first use)
with timers around its stages: reading the CSV (pyarrow, the newline count and the file hash run beside
it), normalising the columns (threads), the conversion to Arrow and the Parquet write of the canonical
table. "Other" is the rest: mapping, supplier splitting, validation, issues, quarantine and the manifest.
CPU seconds count every thread of the process, so a stage's CPU above its wall means it used both cores.

    python bench/csv_stages.py [--rows 1000000] [--repeat N]
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

from ingest import _ensure_csv  # the bench folder is not a package: import its sibling by path

Stages = dict[str, list[float]]


def _cpu() -> float:
    """CPU seconds (user + system, all threads) used so far by this process."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _timed(owner: Any, name: str, label: str | Callable[..., str], stages: Stages) -> None:
    """Replace ``owner.name`` by a wrapper adding its wall and CPU seconds to ``stages[label]``."""
    inner = getattr(owner, name)

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        """Call the original and add up its wall and CPU seconds."""
        key = label(*args) if callable(label) else label
        wall, cpu = time.perf_counter(), _cpu()
        try:
            return inner(*args, **kwargs)
        finally:
            spent = stages.setdefault(key, [0.0, 0.0])
            spent[0] += time.perf_counter() - wall
            spent[1] += _cpu() - cpu

    setattr(owner, name, wrapper)


def instrument() -> Stages:
    """Put timers around the stages (once per process); returns the dict they add up into."""
    from procrisk.ingest import csv_reader, pipeline
    from procrisk.store import workspace

    stages: Stages = {}
    _timed(csv_reader, "read_csv", "read CSV", stages)
    _timed(pipeline, "_normalise", "normalise columns", stages)
    _timed(workspace, "to_arrow", "to Arrow", stages)
    _timed(workspace, "atomic_write_parquet", lambda p, *_: f"write {p.parent.name}", stages)
    return stages


def run(path: Path, stages: Stages) -> tuple[float, float]:
    """Ingest the file once into a temporary workspace; (wall, CPU), the stages added up in ``stages``."""
    from procrisk import api

    stages.clear()
    with tempfile.TemporaryDirectory() as ws:
        wall, cpu = time.perf_counter(), _cpu()
        api.ingest_file(path, workspace=ws)
        return time.perf_counter() - wall, _cpu() - cpu


def main() -> None:
    """Generate the register if needed, ingest it, print the stages."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    from procrisk.config import apply_process_settings, load_config

    apply_process_settings(load_config())  # as every procrisk command and bench/ingest.py do (huge_pages)
    path = _ensure_csv(args.rows)
    stages = instrument()
    for _ in range(max(1, args.repeat)):
        load = os.getloadavg()[0]
        wall, cpu = run(path, stages)
        print(f"{args.rows:,} rows in {wall:.2f} s = {args.rows / wall:,.0f} rows/s; CPU {cpu:.2f} s "
              f"({cpu / wall:.2f} cores); load average {load:.2f} before, {os.getloadavg()[0]:.2f} after")
        for label, (stage_wall, stage_cpu) in stages.items():
            if stage_wall >= 0.005:
                print(f"  {label:<20} wall {stage_wall:5.2f} s  CPU {stage_cpu:5.2f} s")
        other = wall - sum(w for w, _ in stages.values() if w)
        print(f"  {'other':<20} wall {other:5.2f} s")


if __name__ == "__main__":
    main()
