"""Overview summaries: what a run stores equals what its contracts give, for every band filter, and on real data
the first page shows what the dashboard showed before summaries existed; runs without them still open."""

from __future__ import annotations

import itertools
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from helpers import REAL, ROOT
from procrisk import api
from procrisk.dashboard import data
from procrisk.dashboard.state import Filters
from procrisk.safety import neutralise_frame
from procrisk.scoring import BANDS
from procrisk.scoring import summaries as sm

REAL_FILES = (REAL / "tabular" / "toronto-bids-awarded-contracts.csv",
              REAL / "tabular" / "usaspending-dhs-ice-contract-subawards.csv",
              REAL / "ocds" / "paraguay-dncp_release-package.json",
              REAL / "ocds" / "uk-contracts-finder_release-package.json")
BAND_CHOICES = [c for r in range(len(BANDS) + 1) for c in itertools.combinations(BANDS, r)]
PAGES = ((0, 15), (0, 50), (20, 30), (45, 10), (0, 200))


@pytest.fixture(scope="module")
def real_workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Real registers and OCDS (four currencies, unknown currencies, missing values) ingested and scored."""
    folder = tmp_path_factory.mktemp("summaries") / "ws"
    for path in REAL_FILES:
        api.ingest_file(path, workspace=folder)
    api.analyse(folder)
    return folder


@pytest.fixture(params=["sample", "real"])
def scored(request: pytest.FixtureRequest) -> Path:
    """Each scored workspace in turn: the sample data, then the real files."""
    return request.getfixturevalue("scored_workspace" if request.param == "sample" else "real_workspace")


def run_folder(workspace: Path) -> Path:
    """The folder of the workspace's latest run."""
    return workspace / "runs" / api.open_workspace(workspace).run_record()["run_id"]


def contracts(workspace: Path) -> tuple[pd.DataFrame, pa.ChunkedArray]:
    """The run's contracts as the dashboard reads them (projected, text as dictionaries), and their fired rules."""
    path = run_folder(workspace) / "contract_scores.parquet"
    present = set(pq.read_schema(path).names)
    arrow = pq.read_table(path, columns=[c for c in sm.FRAME_COLUMNS if c in present],
                          read_dictionary=[c for c in sm.CATEGORICAL if c in present])
    return sm.prepare(arrow), pq.read_table(path, columns=["fired"]).column("fired")


def positions(frame: pd.DataFrame, bands: tuple[str, ...]) -> np.ndarray:
    """The rows in ``bands`` (all rows when empty), as the dashboard's filter finds them."""
    if not bands:
        return np.arange(len(frame), dtype=np.int32)
    return np.flatnonzero(frame["band"].astype("string").isin(bands).fillna(False).to_numpy()).astype(np.int32)


# -- what a run stores -------------------------------------------------------------------------------------------


def test_a_run_stores_summaries_equal_to_its_contracts(scored):
    stored = sm.read(run_folder(scored))
    assert stored is not None, "analyse stores the summaries with the run"
    frame, fired = contracts(scored)
    titles = {r.code: r.title for r in api.load_catalogue()}
    codes = pq.read_schema(run_folder(scored) / "contract_outcomes.parquet").names
    computed = sm.summarise(frame, fired, [(c, titles.get(c, c)) for c in codes])
    for name in ("kpis", "breakdown", "top", "options"):
        pd.testing.assert_frame_equal(getattr(stored, name), getattr(computed, name), check_exact=True)
    assert stored.rows == len(frame)
    sizes = {p.name: p.stat().st_size for p in run_folder(scored).glob("summary_*.parquet")}
    assert len(sizes) == len(sm.NAMES) and sum(sizes.values()) < 200_000


@pytest.mark.parametrize("bands", BAND_CHOICES, ids=lambda b: "+".join(b) or "all")
def test_summaries_equal_the_full_frame_for_every_band_filter(scored, bands):
    stored = sm.read(run_folder(scored))
    frame, fired = contracts(scored)
    pos = positions(frame, bands)
    assert stored.count(bands) == len(pos)
    assert sm.kpis(stored.kpis, stored.rows, bands) == sm.kpis(sm.kpi_cube(frame, pos), len(frame))
    for dimension in sm.DIMENSIONS:
        for measure in sm.MEASURES:
            fast = sm.breakdown(*sm.stored_grid(stored.breakdown, dimension, measure, bands), dimension)
            full = sm.breakdown(*sm.grid(frame, pos, dimension, measure), dimension)
            pd.testing.assert_frame_equal(fast, full, check_exact=True)
    for start, size in PAGES:
        for with_fired in (True, False):
            fast = stored.page(bands, start, size, with_fired=with_fired)
            if fast is None:  # beyond the stored top rows: the dashboard reads the contracts
                assert start + size > sm.TOP
                continue
            chosen = sm.ordered(pos, sm.order_key(frame, "exposure", pos, True), start, start + size)
            full = sm.rows(frame, chosen, sm.fired_lists(fired, chosen) if with_fired else None)
            pd.testing.assert_frame_equal(fast, full, check_exact=True)


# -- the dashboard before summaries (reference copies of the code they replace) ---------------------------------


def old_summary(frame: pd.DataFrame, pos: np.ndarray) -> dict:
    """data.summary as it was: KPIs straight from the filtered rows."""
    value = np.nan_to_num(pd.to_numeric(frame["award_value"], errors="coerce").to_numpy(dtype=float,
                                                                                         na_value=np.nan)[pos])
    band = frame["band"].cat.codes.to_numpy()[pos]
    risky = band >= BANDS.index("high")
    names = [str(c) for c in frame["currency"].cat.categories] + [sm.UNKNOWN]
    codes = frame["currency"].cat.codes.to_numpy()[pos].astype(np.int64)
    codes = np.where(codes < 0, len(names) - 1, codes)
    totals = np.bincount(codes, weights=value, minlength=len(names))
    risky_totals = np.bincount(codes[risky], weights=value[risky], minlength=len(names))
    order = [i for i in np.argsort(-totals, kind="stable") if totals[i] > 0]
    by_currency = pd.Series({names[i]: float(totals[i]) for i in order}, dtype=float)
    risky_currency = {names[i]: float(risky_totals[i]) for i in order}
    main = str(by_currency.index[0]) if len(by_currency) else ""
    coverage = pd.to_numeric(frame["coverage"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)[pos]
    return {
        "contracts": len(pos), "all_contracts": len(frame), "currency": main,
        "spend": float(by_currency.iloc[0]) if main else 0.0,
        "other_currencies": {str(k): float(v) for k, v in by_currency.iloc[1:].items()},
        "high_critical": int(risky.sum()), "high_critical_share": float(risky.mean()) if len(pos) else 0.0,
        "high_critical_spend": float(risky_currency.get(main, 0.0)) if main else 0.0,
        "high_critical_spend_share": float(risky_currency.get(main, 0.0) / by_currency.iloc[0])
        if main and by_currency.iloc[0] else 0.0,
        "coverage": float(np.nanmean(coverage)) if len(pos) and not np.isnan(coverage).all() else 0.0,
        "bands": {b: int((band == i).sum()) for i, b in enumerate(BANDS)},
    }


def old_breakdown(frame: pd.DataFrame, pos: np.ndarray, dimension: str, measure: str, top: int = 12) -> pd.DataFrame:
    """data.breakdown as it was."""
    col = frame[sm.DIMENSIONS[dimension]]
    cats = [str(c) for c in col.cat.categories] + [sm.UNKNOWN]
    codes = col.cat.codes.to_numpy()[pos].astype(np.int64)
    codes = np.where(codes < 0, len(cats) - 1, codes)
    band = frame["band"].cat.codes.to_numpy()[pos].astype(np.int64)
    weights = None
    if measure != "contracts":
        weights = np.nan_to_num(pd.to_numeric(frame["award_value" if measure == "value" else "exposure"],
                                              errors="coerce").to_numpy(dtype=float, na_value=np.nan)[pos])
    grid = np.bincount(codes * len(BANDS) + band, weights=weights,
                       minlength=len(cats) * len(BANDS)).reshape(len(cats), len(BANDS))
    order = np.lexsort((-grid.sum(axis=1), -grid[:, 2:].sum(axis=1)))
    order = [i for i in order if grid[i].sum() > 0][:top]
    if dimension == "year":
        order = sorted(order, key=lambda i: cats[i])
    rows = [(cats[i], BANDS[b], float(grid[i, b]), rank) for rank, i in enumerate(order) for b in range(len(BANDS))]
    return pd.DataFrame(rows, columns=["category", "band", "value", "rank"])


def old_page(frame: pd.DataFrame, fired: pa.ChunkedArray, pos: np.ndarray, start: int, size: int,
             with_fired: bool) -> pd.DataFrame:
    """data.page as it was, sorted by exposure, highest first (the full sort: the order the partial sort meant)."""
    key = pd.to_numeric(frame["exposure"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)[pos]
    key = np.where(np.isnan(key), np.inf, -key)
    chosen = pos[np.lexsort((pos, key))[start:min(start + size, len(pos))]]
    cols = [c for c in sm.TABLE_COLUMNS if c in frame]
    out = frame.iloc[chosen][cols].reset_index(drop=True)
    if with_fired:
        out["fired"] = [v or [] for v in fired.take(pa.array(chosen, type=pa.int64())).to_pylist()]
    for name in out.columns:
        if isinstance(out[name].dtype, pd.CategoricalDtype):
            out[name] = out[name].astype("string")
    return out


def same_kpis(new: dict, old: dict) -> None:
    """KPIs equal; sums of money and coverage may differ in the last bits (they are added band by band now)."""
    assert new.keys() == old.keys()
    for name, value in old.items():
        if isinstance(value, float):
            assert new[name] == pytest.approx(value, rel=1e-12, abs=1e-9), name
        elif isinstance(value, dict) and name == "other_currencies":
            assert list(new[name]) == list(value)
            assert list(new[name].values()) == pytest.approx(list(value.values()), rel=1e-12)
        else:
            assert new[name] == value, name


@pytest.mark.parametrize("bands", BAND_CHOICES, ids=lambda b: "+".join(b) or "all")
def test_the_first_page_shows_what_it_showed_before_summaries(real_workspace, bands):
    ws, run = str(real_workspace), data.latest_run(str(real_workspace))
    frame, fired = contracts(real_workspace)
    pos = positions(frame, bands)
    filters = Filters(bands=bands)
    same_kpis(data.summary(ws, run, filters), old_summary(frame, pos))
    assert data.count(ws, run, filters) == len(pos)
    for dimension in sm.DIMENSIONS:
        for measure in sm.MEASURES:
            pd.testing.assert_frame_equal(data.breakdown(ws, run, filters, dimension, measure),
                                          old_breakdown(frame, pos, dimension, measure), check_exact=True)
    for start, size in PAGES:
        for with_fired in (True, False):
            pd.testing.assert_frame_equal(
                data.page(ws, run, filters, "exposure", True, start, size, with_fired=with_fired),
                old_page(frame, fired, pos, start, size, with_fired), check_exact=True)


def test_other_filters_still_read_the_contracts(real_workspace):
    ws, run = str(real_workspace), data.latest_run(str(real_workspace))
    frame, _ = contracts(real_workspace)
    currency = frame["currency"].astype("string")
    assert currency.nunique() >= 3 and currency.isna().any()  # several currencies, and unknown ones
    countries = tuple(frame["supplier_country"].dropna().astype(str).unique()[:3])
    filters = Filters(bands=("medium", "high"), countries=countries)
    pos = data.positions(ws, run, filters)
    assert 0 < len(pos) < len(frame)
    same_kpis(data.summary(ws, run, filters), old_summary(frame, pos))
    assert data.count(ws, run, filters) == len(pos)
    for dimension in sm.DIMENSIONS:
        pd.testing.assert_frame_equal(data.breakdown(ws, run, filters, dimension, "value"),
                                      old_breakdown(frame, pos, dimension, "value"), check_exact=True)
    pd.testing.assert_frame_equal(data.page(ws, run, filters, "exposure", True, 0, 15, with_fired=False),
                                  old_page(frame, pa.chunked_array([pa.array([], pa.list_(pa.string()))]), pos,
                                           0, 15, with_fired=False), check_exact=True)


def test_options_equal_the_full_frame(real_workspace):
    ws, run = str(real_workspace), data.latest_run(str(real_workspace))
    frame, _ = contracts(real_workspace)
    opts = data.options(ws, run)
    assert opts.bands == tuple(BANDS)
    assert opts.sectors == tuple(sorted(str(c) for c in frame["sector_label"].cat.categories))
    assert opts.countries == tuple(sorted(str(c) for c in frame["supplier_country"].cat.categories))
    assert opts.buyers == tuple(sorted(str(c) for c in frame["buyer_name"].cat.categories))
    titles = {r.code: r.title for r in api.load_catalogue()}
    codes = sorted(pq.read_schema(run_folder(real_workspace) / "contract_outcomes.parquet").names)
    assert opts.rules == tuple((c, titles.get(c, c)) for c in codes)
    dates = pd.to_datetime(frame["award_date"], errors="coerce")
    assert (opts.first_date, opts.last_date) == (dates.min().date(), dates.max().date())
    assert opts.max_value == float(pd.to_numeric(frame["award_value"], errors="coerce").max())


@pytest.mark.parametrize("bands", [(), ("high",), ("critical", "low")], ids=lambda b: "+".join(b) or "all")
def test_exports_read_the_rows_they_need_as_load_results_gives_them(real_workspace, bands):
    ws, run = str(real_workspace), data.latest_run(str(real_workspace))
    filters = Filters(bands=bands)
    contracts_all = api.load_results(real_workspace).contracts  # what the export read before
    pos = data.positions(ws, run, filters)
    pos = pos[np.argsort(pd.to_numeric(contracts_all["exposure_rank"]).to_numpy()[pos], kind="stable")]
    for limit in (20, None):
        old = contracts_all.iloc[pos[:limit]].reset_index(drop=True)
        for name in ("fired", "ilab_goods"):
            old[name] = old[name].map(lambda v: ";".join(v) if v is not None and len(v) else "")
        pd.testing.assert_frame_equal(data.filtered_export(ws, run, filters, limit), neutralise_frame(old),
                                      check_exact=True)


# -- paging ------------------------------------------------------------------------------------------------------


def test_a_partial_sort_keeps_ties_in_row_order():
    rng = np.random.default_rng(7)
    key = rng.integers(0, 5, 4000).astype(float)  # many ties at every page boundary
    key[rng.integers(0, 4000, 300)] = np.inf  # missing values last
    pos = np.sort(rng.choice(100_000, 4000, replace=False)).astype(np.int32)
    full = pos[np.lexsort((pos, key))]
    for start, stop in ((0, 15), (0, 50), (50, 100), (999, 1000), (3990, 4100), (10, 10)):
        assert sm.ordered(pos, key, start, stop).tolist() == full[start:stop].tolist()
    pages = np.concatenate([sm.ordered(pos, key, s, s + 50) for s in range(0, 4000, 50)])
    assert pages.tolist() == full.tolist()  # consecutive pages neither repeat nor skip a tied row


# -- runs written before summaries existed -------------------------------------------------------------------------


@pytest.fixture
def old_run(scored_workspace: Path, tmp_path: Path) -> Path:
    """A copy of the sample workspace whose run has no summary files (as runs written before them)."""
    folder = tmp_path / "old"
    shutil.copytree(scored_workspace, folder)
    for name in sm.NAMES:
        (run_folder(folder) / f"{name}.parquet").unlink()
    return folder


def test_a_run_without_summaries_gets_them_computed(old_run, scored_workspace):
    assert sm.read(run_folder(old_run)) is None
    run = data.latest_run(str(old_run))
    computed = data.overview(str(old_run), run)
    stored = sm.read(run_folder(scored_workspace))
    for name in ("kpis", "breakdown", "top", "options"):
        pd.testing.assert_frame_equal(getattr(computed, name), getattr(stored, name), check_exact=True)
    assert not list(run_folder(old_run).glob("summary_*")), "opening a run never writes into it"


def test_the_overview_opens_a_run_without_summaries(app_for, old_run, scored_workspace):
    shown = []
    for workspace in (scored_workspace, old_run):
        at = app_for(workspace).run()
        assert not at.exception, at.exception
        assert len(at.get("vega_lite_chart")) == 4
        metrics = [(m.label, m.value) for m in at.metric]
        top = at.dataframe[0].value
        at.multiselect(key="band").set_value(["high", "critical"]).run()
        assert not at.exception, at.exception
        shown.append((metrics, top, [(m.label, m.value) for m in at.metric], at.dataframe[0].value))
    (metrics, top, filtered, top_filtered), (metrics_old, top_old, filtered_old, top_filtered_old) = shown
    assert metrics == metrics_old and filtered == filtered_old
    pd.testing.assert_frame_equal(top, top_old)
    pd.testing.assert_frame_equal(top_filtered, top_filtered_old)
    assert metrics != filtered


def _run_fresh(script: str, workspace: Path) -> object:
    """Run ``script`` in a fresh Python on ``workspace`` (nothing imported yet) and read the JSON it prints last."""
    env = {**os.environ, "PROCRISK_WORKSPACE": str(workspace),
           "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")])}
    out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=300,
                         check=False)
    assert out.returncode == 0, out.stderr[-2000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


# -- the first page's weight -----------------------------------------------------------------------------------------


def test_the_overview_sends_its_sidebar_first_and_imports_no_pipeline_models_or_reports(scored_workspace):
    script = (
        "import json, sys\n"
        "import streamlit as st\n"
        "from streamlit import config\n"
        "from streamlit.testing.v1 import AppTest\n"
        "loaded_at_sidebar = []\n"
        "multiselect = st.multiselect\n"
        "def spy(*args, **kwargs):\n"
        "    if not loaded_at_sidebar:\n"
        "        loaded_at_sidebar.append([m for m in ('pandas', 'procrisk.scoring') if m in sys.modules])\n"
        "    return multiselect(*args, **kwargs)\n"
        "st.multiselect = spy\n"
        "config.set_option('server.address', '127.0.0.1')\n"
        f"at = AppTest.from_file({str(ROOT / 'app.py')!r}, default_timeout=60).run()\n"
        "assert not at.exception, at.exception\n"
        "assert 'Top exposures (risk x value)' in [h.value for h in at.subheader]\n"
        "heavy = ('altair', 'sklearn', 'scipy', 'matplotlib', 'reportlab', 'openpyxl', 'procrisk.api', 'procrisk.ml',\n"
        "         'procrisk.report', 'procrisk.ingest', 'procrisk.reference.enrich')\n"
        "print(json.dumps({'sidebar': loaded_at_sidebar[0], 'page': [m for m in heavy if m in sys.modules]}))\n"
    )
    loaded = _run_fresh(script, scored_workspace)
    assert loaded == {"sidebar": [], "page": []}


def test_band_charts_give_every_category_a_row_of_its_own(app_for, scored_workspace):
    at = app_for(scored_workspace).run()
    specs = [json.loads(chart.proto.spec) for chart in at.get("vega_lite_chart")]
    assert sorted(s["title"] for s in specs) == ["Risk by award year", "Risk by buyer", "Risk by sector",
                                                 "Risk by supplier country"]
    for spec in specs:  # a fixed step per category: few award years no longer squeeze their labels together
        assert spec["height"] == {"step": 26}
        assert spec["encoding"]["y"]["axis"]["labelOverlap"] is False


def test_the_server_loads_the_first_pages_modules_and_the_latest_run_at_start(scored_workspace):
    script = (
        "import json, sys\n"
        "import streamlit as st\n"
        f"sys.path.insert(0, {str(ROOT)!r})\n"
        "import app\n"  # as streamlit run imports it to find the st.App it serves
        "assert isinstance(app.app, st.App)\n"
        "from procrisk.dashboard import data, server\n"
        "server.preload()\n"
        "server.load_latest_run()\n"
        "[(key, loaded)] = data._WARMING.items()\n"
        "heavy = ('sklearn', 'scipy', 'matplotlib', 'reportlab', 'openpyxl', 'altair', 'procrisk.api', 'procrisk.ml',\n"
        "         'procrisk.report', 'procrisk.ingest')\n"
        "print(json.dumps({'first_page': all(m in sys.modules for m in ('pandas', 'procrisk.scoring.summaries')),\n"
        "                  'heavy': [m for m in heavy if m in sys.modules], 'run': key[1],\n"
        "                  'rows': loaded.result.result(timeout=0).rows}))\n"
    )
    loaded = _run_fresh(script, scored_workspace)
    run = api.open_workspace(scored_workspace).run_record()
    assert loaded == {"first_page": True, "heavy": [], "run": run["run_id"], "rows": run["rows"]["contracts"]}
