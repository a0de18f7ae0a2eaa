"""Benchmark the dashboard on a 1,000,000-contract workspace; run by hand, prints figures.

1. Scores the sample data for real (procrisk.api: ingest + analyse) in a small workspace, unless --from names one.
2. Scales that run to N contracts (default 1,000,000) in the workspace layout load_results reads: rows of the real
   run are drawn at random (scores and outcome rows stay consistent), then given unique ids, spread over 400 buyers,
   40,000 supplier names, seven award years and log-normal values; exposure and its rank are recomputed. The run's
   overview summaries are written as analyse writes them (--without-summaries: left out, as in runs written before
   they existed, so the dashboard computes them from the million rows).
3. Times the first page and a filter change, twice: in process with Streamlit's AppTest, and in a real headless
   Chromium (Debian's /usr/bin/chromium via Playwright) against ``streamlit run app.py`` on a free localhost port:
   the first session after the server starts in a browser just launched (fresh profile), a warm page, a filter
   change, and the first session after the server restarts in a new tab of the open browser (the server's cold
   start without the browser's). Wall and server CPU seconds are printed with the load
   average: the machine is shared, so wall clock alone is noisy.

Targets (issue): first page interactive <= 3 s (also the first session after server start), a filter change
answered <= 1 s.

    python bench/dashboard.py [--rows 1000000] [--from WORKSPACE] [--keep] [--no-browser] [--without-summaries]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ("contract_register.xlsx", "supplier_questionnaire.xlsx", "ocds_release_package.json")
CHROMIUM = Path("/usr/bin/chromium")
TARGET_FIRST, TARGET_FILTER = 3.0, 1.0


def small_workspace(folder: Path) -> Path:
    """Ingest and score the sample data for real (the run the big workspace is scaled from)."""
    from procrisk import api

    for name in SAMPLES:
        api.ingest_file(ROOT / "sample_data" / name, workspace=folder)
    api.analyse(folder)
    return folder


def _replace(table: pa.Table, name: str, values: pa.Array | np.ndarray) -> pa.Table:
    """The table with one column's values replaced (type kept)."""
    if name not in table.column_names:
        return table
    field = table.schema.field(name)
    return table.set_column(table.schema.get_field_index(name), field, pa.array(values, type=field.type))


def scale(small: Path, big: Path, rows: int, seed: int = 2018, *, summaries: bool = True) -> Path:
    """Write an N-contract workspace whose run is the small run's rows drawn at random and made distinct."""
    rng = np.random.default_rng(seed)
    manifest = json.loads((small / "manifest.json").read_text())
    run_id = manifest["runs"][-1]["run_id"]
    src_run = small / "runs" / run_id
    scores = pq.read_table(src_run / "contract_scores.parquet")
    outcomes = pq.read_table(src_run / "contract_outcomes.parquet")
    pick = rng.integers(0, scores.num_rows, rows)
    take = pa.array(pick)
    scores, outcomes = scores.take(take), outcomes.take(take)
    ids = np.char.add("BENCH-", np.char.zfill(np.arange(rows).astype(str), 7))
    buyers = np.array([f"Bench Authority {i:03d}" for i in range(400)], dtype=object)[rng.integers(0, 400, rows)]
    names = np.array([f"Bench Supplier {i:05d} Ltd" for i in range(40_000)], dtype=object)
    supplier = rng.integers(0, 40_000, rows)
    dates = np.datetime64("2019-01-01") + rng.integers(0, 7 * 365, rows).astype("timedelta64[D]")
    value = np.round(np.exp(rng.normal(11.0, 1.6, rows)), 2)
    score = scores.column("score").to_numpy()
    exposure = score / 100.0 * value
    rank = np.empty(rows, dtype=np.int64)
    rank[np.argsort(-exposure, kind="stable")] = np.arange(1, rows + 1)
    for name, values in (("contract_id", ids), ("buyer_name", buyers), ("supplier_name", names[supplier]),
                         ("supplier_key", np.char.add("BENCH-S", supplier.astype(str))),
                         ("supplier_id", np.char.add("BENCH-S", supplier.astype(str))),
                         ("award_value", value), ("exposure", exposure), ("exposure_rank", rank),
                         ("award_date", dates.astype("datetime64[ms]")), ("ocid", np.full(rows, None)),
                         ("currency", np.full(rows, "GBP"))):
        scores = _replace(scores, name, values)
    if big.exists():
        shutil.rmtree(big)
    (big / "runs" / run_id).mkdir(parents=True)
    for folder in ("tables", "issues", "quarantine", "mappings"):
        if (small / folder).is_dir():
            shutil.copytree(small / folder, big / folder)
    contracts = big / "tables" / "contracts"
    originals = sorted(contracts.glob("*.parquet"))
    canonical = pa.concat_tables([pq.read_table(f) for f in originals], promote_options="default").take(take)
    for name in ("contract_id", "buyer_name", "supplier_name", "award_value", "currency"):
        canonical = _replace(canonical, name, scores.column(name).to_numpy(zero_copy_only=False))
    for f in originals:
        f.unlink()
    batch_ids = [b["batch_id"] for b in manifest["batches"] if (small / "tables" / "contracts" /
                                                               f"{b['batch_id']}.parquet").is_file()]
    pq.write_table(canonical, contracts / f"{batch_ids[0]}.parquet", compression="zstd")
    for b in manifest["batches"]:
        if b["batch_id"] in batch_ids[1:]:
            b["table_rows"]["contracts"] = 0
        elif b["batch_id"] == batch_ids[0]:
            b["table_rows"]["contracts"] = rows
    for f in (src_run / "supplier_scores.parquet", src_run / "supplier_outcomes.parquet", src_run / "run.json"):
        shutil.copy2(f, big / "runs" / run_id / f.name)
    pq.write_table(scores, big / "runs" / run_id / "contract_scores.parquet", compression="zstd")
    pq.write_table(outcomes, big / "runs" / run_id / "contract_outcomes.parquet", compression="zstd")
    if summaries:  # what analyse stores with every run
        from procrisk import api
        from procrisk.scoring.summaries import tables

        run = {"contract_scores": scores, "contract_outcomes": outcomes}
        for name, table in tables(run, api.load_catalogue()).items():
            pq.write_table(table, big / "runs" / run_id / f"{name}.parquet", compression="zstd")
    (big / "manifest.json").write_text(json.dumps(manifest, indent=2))
    return big


def cpu_seconds(pid: int | None = None) -> float:
    """CPU seconds (user + system) used so far by a process (this one by default), from /proc on Linux."""
    if pid is None:
        return time.process_time()
    try:
        fields = Path(f"/proc/{pid}/stat").read_text(encoding="ascii").rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def load() -> str:
    """The 1, 5 and 15 minute load averages, as uptime shows them."""
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())


def apptest_times(workspace: Path) -> dict[str, tuple[float, float]]:
    """(wall, CPU) seconds of the Overview page in Streamlit's AppTest: first run, warm rerun, filter change."""
    from streamlit.testing.v1 import AppTest

    os.environ["PROCRISK_WORKSPACE"] = str(workspace)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    times = {}
    for name, step in (("first", at.run), ("rerun", at.run),
                       ("filter", lambda: at.multiselect(key="band").set_value(["critical"]).run())):
        t0, c0 = time.perf_counter(), cpu_seconds()
        step()
        times[name] = (time.perf_counter() - t0, cpu_seconds() - c0)
        assert not at.exception, at.exception
    return times


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url: str, timeout: float = 60.0) -> None:
    """Wait until the Streamlit server answers its health check."""
    import urllib.request

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as r:  # loopback only
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    msg = f"streamlit did not start at {url}"
    raise RuntimeError(msg)


def idle(page: object, timeout: float = 60_000) -> None:
    """Wait until Streamlit has finished running the script."""
    page.wait_for_function(
        "() => { const app = document.querySelector('[data-testid=\"stApp\"]');"
        " return app && app.dataset.testScriptState === 'notRunning'; }", timeout=timeout)


def start_server(workspace: Path, port: int | None = None) -> tuple[subprocess.Popen, str]:
    """``streamlit run app.py`` on a loopback port (a free one by default) once it answers its health check;
    (process, URL)."""
    port = port or free_port()
    url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "PROCRISK_WORKSPACE": str(workspace)}
    server = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_http(url)
    except RuntimeError:
        server.terminate()
        raise
    return server, url


def stop_server(server: subprocess.Popen) -> None:
    """Stop a server started by ``start_server``."""
    server.terminate()
    server.wait(timeout=30)


def first_page(page: object, url: str, server: subprocess.Popen) -> tuple[float, float]:
    """(wall, server CPU) seconds until the Overview is interactive: KPIs and top exposures shown, script idle."""
    t0, c0 = time.perf_counter(), cpu_seconds(server.pid)
    page.goto(url + "/")
    page.get_by_text("Top exposures").wait_for(timeout=120_000)
    page.locator('[data-testid="stMetricValue"]').first.wait_for(timeout=120_000)
    idle(page)
    return time.perf_counter() - t0, cpu_seconds(server.pid) - c0


def browser_times(workspace: Path) -> dict[str, tuple[float, float]]:
    """(wall, server CPU) seconds in headless Chromium against streamlit run.

    ``first``: the first session after the server starts, in a browser just launched with a fresh profile (nothing
    cached anywhere, and a new browser process: its own start-up counts); ``warm``: the page again in the same tab;
    ``filter``: choosing the critical band in the sidebar; ``restart``: the first session after the server restarts
    (same port), in a new tab of the browser already open: the server's cold start alone.
    """
    from playwright.sync_api import sync_playwright

    times = {}
    with sync_playwright() as pw, tempfile.TemporaryDirectory() as profile:
        context = pw.chromium.launch_persistent_context(
            profile, executable_path=str(CHROMIUM), headless=True, viewport={"width": 1400, "height": 1000},
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"])
        try:
            server, url = start_server(workspace)
            try:
                page = context.new_page()
                times["first"] = first_page(page, url, server)
                times["warm"] = first_page(page, url, server)
                before = page.locator('[data-testid="stMetricValue"]').first.inner_text()
                box = page.locator('[data-testid="stSidebar"] [data-testid="stMultiSelect"]').first
                box.click()
                option = page.get_by_role("option", name="critical")
                option.wait_for()
                t0, c0 = time.perf_counter(), cpu_seconds(server.pid)
                option.click()
                page.wait_for_function(
                    "(before) => { const m = document.querySelector('[data-testid=\"stMetricValue\"]');"
                    " return m && m.innerText !== before; }", arg=before, timeout=60_000)
                idle(page)
                times["filter"] = (time.perf_counter() - t0, cpu_seconds(server.pid) - c0)
                page.close()
            finally:
                stop_server(server)
            server, url = start_server(workspace, port=int(url.rsplit(":", 1)[1]))
            try:
                times["restart"] = first_page(context.new_page(), url, server)
            finally:
                stop_server(server)
        finally:
            context.close()
    return times


def verdict(seconds: float, target: float) -> str:
    """'ok' or 'OVER TARGET' for a wall time against its target."""
    return "ok" if seconds <= target else "OVER TARGET"


def main() -> None:
    """Build the big workspace, time the dashboard, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--from", dest="source", type=Path, help="A scored workspace to scale (default: sample)")
    parser.add_argument("--keep", action="store_true", help="Keep the generated workspace and print its path")
    parser.add_argument("--no-browser", action="store_true", help="Skip the headless-Chromium timings")
    parser.add_argument("--without-summaries", action="store_true",
                        help="Leave the run's overview summaries out (a run written before they were stored)")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="procrisk-bench-dashboard-"))
    try:
        t0 = time.perf_counter()
        small = args.source or small_workspace(tmp / "small")
        big = scale(small, tmp / "big", args.rows, summaries=not args.without_summaries)
        kind = "without overview summaries (computed on the fly)" if args.without_summaries else \
            "with overview summaries"
        print(f"workspace: {args.rows:,} contracts {kind}, generated in {time.perf_counter() - t0:.1f} s")
        print(f"load average before timing: {load()} (2 cores; other work on the machine slows wall clock)")
        at = apptest_times(big)
        print("AppTest  " + "; ".join(f"{label} {at[k][0]:.2f} s (cpu {at[k][1]:.2f} s)" for k, label in (
            ("first", "first run (cold caches)"), ("rerun", "rerun"), ("filter", "filter change"))))
        if args.no_browser:
            pass
        elif not CHROMIUM.exists():
            print("browser: skipped, /usr/bin/chromium missing (run scripts/ci-browser-deps.sh)")
        else:
            br = browser_times(big)
            (first, first_cpu), (restart, restart_cpu) = br["first"], br["restart"]
            (warm, warm_cpu), (change, change_cpu) = br["warm"], br["filter"]
            print(f"Chromium first session after server restart, new tab of an open browser: {restart:.2f} s, "
                  f"server cpu {restart_cpu:.2f} s (target <= {TARGET_FIRST:g} s) -> {verdict(restart, TARGET_FIRST)}")
            print(f"Chromium first session after server start, browser just launched (fresh profile): {first:.2f} s, "
                  f"server cpu {first_cpu:.2f} s (target <= {TARGET_FIRST:g} s) -> {verdict(first, TARGET_FIRST)}")
            print(f"Chromium warm first page {warm:.2f} s, server cpu {warm_cpu:.2f} s (target <= {TARGET_FIRST:g} s)"
                  f" -> {verdict(warm, TARGET_FIRST)}; filter change {change:.2f} s, server cpu {change_cpu:.2f} s "
                  f"(target <= {TARGET_FILTER:g} s) -> {verdict(change, TARGET_FILTER)}")
        print(f"load average after timing: {load()}")
        if args.keep:
            print(f"kept: {big}")
    finally:
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
