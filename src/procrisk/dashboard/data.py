"""Every read the dashboard makes, and the one module that uses st.cache_data / st.cache_resource.

Reads go through procrisk.api, except what the first page needs: the manifest and the run's overview summaries
(procrisk.scoring.summaries: a few KB stored with the run), so the Overview opens without importing the pipeline or
reading a million score rows. Heavy modules load on first use (``_OnFirstUse``): the filter sidebar is sent to the
browser before pandas, the scoring package or procrisk.api have loaded, and the browser draws it meanwhile.

A scoring run's contracts are loaded once per (workspace, run id) and kept as a resource (never mutated); filtered
row positions, table pages, KPIs and chart data are small and cached per filter. Filters on the risk band alone are
answered from the summaries; any other filter reads the contracts, which ``warm`` starts loading in the background
once the first page is shown. A new run has a new id, so caches keyed by it never serve stale results; ``clear()``
drops everything after an ingest.
"""

from __future__ import annotations

import datetime as dt
import importlib
import json
import threading
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import streamlit as st
import yaml

from procrisk.dashboard.state import Filters
from procrisk.errors import ProcriskError

if TYPE_CHECKING:
    from procrisk import api
    from procrisk.ingest.mapping import Mapping
    from procrisk.rules import Settings


class _OnFirstUse:
    """A module imported the first time one of its names is read (then it is just ``sys.modules``' entry)."""

    def __init__(self, name: str) -> None:
        """Name the module; nothing is imported yet."""
        self._name = name

    def __getattr__(self, attr: str) -> Any:
        """The module's attribute, importing the module if this is the first use."""
        return getattr(importlib.import_module(self._name), attr)


np = _OnFirstUse("numpy")
pd = _OnFirstUse("pandas")
pa = _OnFirstUse("pyarrow")
pc = _OnFirstUse("pyarrow.compute")
pq = _OnFirstUse("pyarrow.parquet")
sm = _OnFirstUse("procrisk.scoring.summaries")
store = _OnFirstUse("procrisk.store")

TTL = dt.timedelta(hours=1)
BANDS = ("low", "medium", "high", "critical")  # procrisk.scoring.BANDS, without importing scoring (a test checks)


@dataclass(frozen=True)
class Table:
    """A run's contracts ready for fast filtering: the projected score columns, text as categoricals."""

    frame: pd.DataFrame

    @property
    def rows(self) -> int:
        """Number of contract rows."""
        return len(self.frame)


@dataclass(frozen=True)
class Options:
    """The values each filter widget offers, from the whole run."""

    bands: tuple[str, ...]
    sectors: tuple[str, ...]
    countries: tuple[str, ...]
    buyers: tuple[str, ...]
    rules: tuple[tuple[str, str], ...]
    first_date: dt.date | None
    last_date: dt.date | None
    max_value: float


# -- workspace and run -------------------------------------------------------------------------------------------


def latest_run(workspace: str) -> str | None:
    """The id of the newest scoring run, or None (one small JSON read, deliberately not cached).

    The manifest is read here as JSON; one that does not parse is read again by procrisk.store, which says why.
    """
    path = Path(workspace) / "manifest.json"
    if not path.is_file():
        return None
    try:
        runs = json.loads(path.read_text(encoding="utf-8")).get("runs", [])
    except (OSError, ValueError, AttributeError):
        runs = store.Workspace(workspace).manifest().get("runs", [])
    return runs[-1]["run_id"] if runs else None


def status(workspace: str) -> dict[str, Any] | None:
    """Batches, rows and issue counts of the workspace, or None when nothing was ingested yet."""
    from procrisk import api

    try:
        return api.workspace_status(workspace)
    except ProcriskError:
        return None


@st.cache_resource(max_entries=2, show_spinner="Loading the scoring run…", ttl=TTL)
def results(workspace: str, run_id: str) -> api.Results:
    """A stored scoring run (kept in memory once per run; never mutate it)."""
    from procrisk import api

    return api.load_results(workspace, run_id)


def _run_file(workspace: str, run_id: str, name: str) -> Path:
    """The Parquet file of one table of a stored run (the layout procrisk.store writes)."""
    return Path(workspace) / "runs" / run_id / f"{name}.parquet"


def _read_table(workspace: str, run_id: str) -> Table:
    """The run's contracts, only the columns the pages filter, sort and show (text read as dictionaries)."""
    path = _run_file(workspace, run_id, "contract_scores")
    present = set(pq.read_schema(path).names)
    arrow = pq.read_table(path, columns=[c for c in sm.FRAME_COLUMNS if c in present],
                          read_dictionary=[c for c in sm.CATEGORICAL if c in present])
    return Table(sm.prepare(arrow))


WARM_DELAY = 3.0  # seconds the background read waits, so it does not slow the browser drawing the first page


@dataclass(frozen=True)
class _Warming:
    """A background read of a run's contracts: ``go`` starts it at once, ``result`` holds the table."""

    go: threading.Event
    result: Future[Table]


_WARMING: dict[tuple[str, str], _Warming] = {}
_WARM_LOCK = threading.Lock()


def _read_later(workspace: str, run_id: str, warming: _Warming) -> None:
    """Read the run's contracts after ``WARM_DELAY``, or at once when a page asks for them.

    Not at a lower CPU priority: the thread holds the GIL while pandas builds the frame, and a thread the OS seldom
    schedules would then stall the server's other threads too.
    """
    warming.go.wait(WARM_DELAY)
    try:
        warming.result.set_result(_read_table(workspace, run_id))
    except BaseException as exc:  # handed to whoever waits for the table, and shown there
        warming.result.set_exception(exc)


def warm(workspace: str, run_id: str, *, now: bool = False) -> Future[Table]:
    """Start loading the run's contracts in the background (once), so the first filter change finds them ready.

    The read waits ``WARM_DELAY`` seconds unless ``now`` (or a page asks for the contracts first). Returns the
    read's future (the server waits on it at start).
    """
    key = (workspace, run_id)
    with _WARM_LOCK:
        if key in _WARMING:
            warming = _WARMING[key]
            if now:
                warming.go.set()
            return warming.result
        for old in list(_WARMING)[:-1]:  # keep at most two runs, as the table cache does
            del _WARMING[old]
        warming = _WARMING[key] = _Warming(threading.Event(), Future())
    if now:
        warming.go.set()
    threading.Thread(target=_read_later, args=(workspace, run_id, warming), name="procrisk-warm",
                     daemon=True).start()
    return warming.result


@st.cache_resource(max_entries=2, show_spinner="Preparing the contracts…", ttl=TTL)
def table(workspace: str, run_id: str) -> Table:
    """The run's contracts, only the columns the pages filter, sort and show (text read as dictionaries)."""
    with _WARM_LOCK:
        pending = _WARMING.get((workspace, run_id))
    if pending is not None:
        pending.go.set()
        if pending.result.exception() is None:  # waits for the read under way
            return pending.result.result()
    return _read_table(workspace, run_id)  # (again, if the background read failed: here its error is shown)


@st.cache_resource(max_entries=2, show_spinner=False, ttl=TTL)
def fired(workspace: str, run_id: str) -> pa.ChunkedArray:
    """The flagged rule codes of every contract (heaviest first), kept in Arrow until a page is shown."""
    return pq.read_table(_run_file(workspace, run_id, "contract_scores"), columns=["fired"]).column("fired")


@st.cache_resource(max_entries=64, show_spinner=False, ttl=TTL)
def flagged_by(workspace: str, run_id: str, code: str) -> np.ndarray:
    """Whether each contract is flagged by one rule (one column of the stored outcome matrix)."""
    path = _run_file(workspace, run_id, "contract_outcomes")
    if code not in pq.read_schema(path).names:
        return np.zeros(0, dtype=bool)
    return pq.read_table(path, columns=[code]).column(code).to_numpy() == 1


@st.cache_resource(max_entries=4, show_spinner="Summarising the scoring run…", ttl=TTL)
def overview(workspace: str, run_id: str) -> sm.Summaries:
    """The run's overview summaries: read from the run (a few KB), else computed once from its contracts.

    Runs written before summaries were stored have none; they are computed here from the same contracts frame
    the filters use (the rule titles then come from the current catalogue).
    """
    stored = sm.read(Path(workspace) / "runs" / run_id)
    if stored is not None:
        return stored
    from procrisk import api

    titles = {r.code: r.title for r in api.load_catalogue()}
    codes = pq.read_schema(_run_file(workspace, run_id, "contract_outcomes")).names
    return sm.summarise(table(workspace, run_id).frame, fired(workspace, run_id),
                        [(c, titles.get(c, c)) for c in codes])


# -- filters ------------------------------------------------------------------------------------------------------


def _bands_only(filters: Filters) -> bool:
    """Whether the filters constrain nothing but the risk band (the summaries answer those)."""
    return filters == Filters(bands=filters.bands)


def _options(rows: list[dict[str, Any]]) -> Options:
    """Options from the rows of a run's ``summary_options`` table (kind, value, title)."""
    def kind(name: str) -> tuple[str, ...]:
        return tuple(str(r["value"]) for r in rows if r["kind"] == name)

    def date(name: str) -> dt.date | None:
        found = kind(name)
        return dt.date.fromisoformat(found[0]) if found else None

    return Options(
        bands=BANDS, sectors=kind("sector"), countries=kind("country"), buyers=kind("buyer"),
        rules=tuple((str(r["value"]), str(r["title"])) for r in rows if r["kind"] == "rule"),
        first_date=date("first_date"), last_date=date("last_date"), max_value=float(kind("max_value")[0]),
    )


@st.cache_data(max_entries=4, show_spinner=False, ttl=TTL)
def options(workspace: str, run_id: str) -> Options:
    """The values each filter offers (sorted; rules with their titles).

    Read from the run's stored options with pyarrow alone (no pandas: the sidebar is drawn while it loads);
    a run without summaries gets them from ``overview``.
    """
    path = Path(workspace) / "runs" / run_id / "summary_options.parquet"
    if path.is_file():
        return _options(pq.ParquetFile(path).read().to_pylist())
    return _options(overview(workspace, run_id).options.to_dict("records"))


def _isin(column: pd.Series, wanted: tuple[str, ...]) -> np.ndarray:
    """Rows whose categorical value is one of ``wanted`` (compared on integer codes)."""
    cats = column.cat.categories
    idx = np.flatnonzero(cats.isin(list(wanted)))
    return np.isin(column.cat.codes.to_numpy(), idx)


def _mask(workspace: str, run_id: str, t: Table, f: Filters) -> np.ndarray:
    """The rows that pass every filter."""
    frame = t.frame
    keep = np.ones(t.rows, dtype=bool)
    for wanted, col in ((f.bands, "band"), (f.sectors, "sector_label"), (f.countries, "supplier_country"),
                        (f.buyers, "buyer_name")):
        if wanted and col in frame:
            keep &= _isin(frame[col], wanted)
    if f.supplier and "supplier_name" in frame:
        cats = frame["supplier_name"].cat.categories.astype("string")
        hits = np.flatnonzero(cats.str.contains(f.supplier, case=False, regex=False).fillna(False).to_numpy())
        keep &= np.isin(frame["supplier_name"].cat.codes.to_numpy(), hits)
    if f.rules:
        hit = np.zeros(t.rows, dtype=bool)
        for code in f.rules:
            column = flagged_by(workspace, run_id, code)
            if len(column):
                hit |= column
        keep &= hit
    if (f.date_from or f.date_to) and "award_date" in frame:
        dates = pd.to_datetime(frame["award_date"], errors="coerce").to_numpy()
        if f.date_from:
            keep &= dates >= np.datetime64(f.date_from)
        if f.date_to:
            keep &= dates <= np.datetime64(f.date_to)
    if (f.value_min is not None or f.value_max is not None) and "award_value" in frame:
        value = pd.to_numeric(frame["award_value"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        with np.errstate(invalid="ignore"):
            if f.value_min is not None:
                keep &= value >= f.value_min
            if f.value_max is not None:
                keep &= value <= f.value_max
    if f.coverage_min > 0 and "coverage" in frame:
        cov = pd.to_numeric(frame["coverage"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        with np.errstate(invalid="ignore"):
            keep &= cov >= f.coverage_min
    return keep


@st.cache_data(max_entries=32, show_spinner=False, ttl=TTL)
def positions(workspace: str, run_id: str, filters: Filters) -> np.ndarray:
    """Row positions (int32) of the contracts that pass the filters."""
    t = table(workspace, run_id)
    if not filters.active:
        return np.arange(t.rows, dtype=np.int32)
    return np.flatnonzero(_mask(workspace, run_id, t, filters)).astype(np.int32)


def count(workspace: str, run_id: str, filters: Filters) -> int:
    """How many contracts pass the filters."""
    if _bands_only(filters):
        return overview(workspace, run_id).count(filters.bands)
    return len(positions(workspace, run_id, filters))


@st.cache_data(max_entries=64, show_spinner=False, ttl=TTL)
def page(workspace: str, run_id: str, filters: Filters, sort: str, descending: bool, start: int,
         size: int, *, with_fired: bool = True) -> pd.DataFrame:
    """One page of the filtered contracts in the chosen order (missing values last), display columns only.

    Ties keep row order, so consecutive pages neither repeat nor skip a contract.
    """
    if sort == "exposure" and descending and _bands_only(filters):
        stored = overview(workspace, run_id).page(filters.bands, start, size, with_fired=with_fired)
        if stored is not None:
            return stored
    t = table(workspace, run_id)
    pos = positions(workspace, run_id, filters)
    chosen = sm.ordered(pos, sm.order_key(t.frame, sort, pos, descending), start, start + size)
    return sm.rows(t.frame, chosen, sm.fired_lists(fired(workspace, run_id), chosen) if with_fired else None)


@st.cache_data(max_entries=32, show_spinner=False, ttl=TTL)
def summary(workspace: str, run_id: str, filters: Filters) -> dict[str, Any]:
    """KPIs of the filtered contracts: count, value by currency, high/critical share and value, mean coverage."""
    if _bands_only(filters):
        ov = overview(workspace, run_id)
        return sm.kpis(ov.kpis, ov.rows, filters.bands)
    t = table(workspace, run_id)
    return sm.kpis(sm.kpi_cube(t.frame, positions(workspace, run_id, filters)), t.rows)


@st.cache_data(max_entries=64, show_spinner=False, ttl=TTL)
def breakdown(workspace: str, run_id: str, filters: Filters, dimension: str, measure: str,
              top: int = 12) -> pd.DataFrame:
    """Contracts, value or exposure per band for the ``top`` categories of a dimension (long format)."""
    if _bands_only(filters):
        cats, cells = sm.stored_grid(overview(workspace, run_id).breakdown, dimension, measure, filters.bands)
    else:
        t = table(workspace, run_id)
        cats, cells = sm.grid(t.frame, positions(workspace, run_id, filters), dimension, measure)
    return sm.breakdown(cats, cells, dimension, top)


@st.cache_resource(max_entries=1, show_spinner="Reading the scores…", ttl=TTL)
def scores(workspace: str, run_id: str) -> pa.Table:
    """Every column of the run's contract scores, kept in Arrow (rows become pandas only when they are exported)."""
    return pq.read_table(_run_file(workspace, run_id, "contract_scores"))


def _store_dtype(arrow_type: pa.DataType) -> Any:
    """The pandas dtype procrisk.store gives a run's column of this type (Workspace.run_table), None: the default."""
    mapping = {pa.int64(): pd.Int64Dtype(), pa.float64(): pd.Float64Dtype(), pa.bool_(): pd.BooleanDtype(),
               pa.string(): pd.StringDtype()}
    return mapping.get(arrow_type)


def _score_rows(arrow: pa.Table, pos: np.ndarray) -> pd.DataFrame:
    """Rows ``pos`` of the contract scores with the dtypes the whole table has as procrisk.api.load_results reads it.

    pandas picks some dtypes from the values (a column of integers with a missing value becomes float), so one row
    with a missing value is borrowed for each column that has one, and dropped after the conversion.
    """
    borrowed = sorted({int(pc.index(pc.is_null(col), True).as_py()) for col in arrow.columns if col.null_count})
    rows = np.concatenate([np.asarray(pos, dtype=np.int64), np.asarray(borrowed, dtype=np.int64)])
    frame = arrow.take(pa.array(rows, type=pa.int64())).to_pandas(types_mapper=_store_dtype,
                                                                  date_as_object=False)
    return frame.iloc[:len(pos)].reset_index(drop=True)


@st.cache_data(max_entries=32, show_spinner=False, ttl=TTL)
def filtered_export(workspace: str, run_id: str, filters: Filters, limit: int | None = None) -> pd.DataFrame:
    """The filtered contracts with every score column, exposure order, cells safe for spreadsheets."""
    t = table(workspace, run_id)
    pos = positions(workspace, run_id, filters)
    rank = pd.to_numeric(t.frame["exposure_rank"], errors="coerce").to_numpy()[pos]
    pos = pos[np.argsort(rank, kind="stable")]
    if limit is not None:
        pos = pos[:limit]
    from procrisk.safety import neutralise_frame

    out = _score_rows(scores(workspace, run_id), pos)
    for name in ("fired", "ilab_goods"):
        if name in out:
            out[name] = out[name].map(lambda v: ";".join(v) if v is not None and len(v) else "")
    return neutralise_frame(out)


def report_scope(filters: Filters) -> tuple[Any, list[str]]:
    """The auditor-report scope (procrisk.report.Filters) closest to the dashboard filters, and what it leaves out."""
    from procrisk.report import Filters as ReportFilters

    buyer = filters.buyers[0] if len(filters.buyers) == 1 else None
    scope = ReportFilters.make(buyer=buyer, supplier=filters.supplier or None, date_from=filters.date_from,
                               date_to=filters.date_to, bands=filters.bands)
    left_out = [name for name, value in (("several buyers", len(filters.buyers) > 1), ("sector", filters.sectors),
                                         ("country", filters.countries), ("rule", filters.rules),
                                         ("value", filters.value_min is not None or filters.value_max is not None),
                                         ("coverage", filters.coverage_min > 0)) if value]
    return scope, left_out


def report_bytes(workspace: str, run_id: str, filters: Filters, fmt: str) -> bytes:
    """An auditor report of the current filter as file bytes (built when the download button is clicked)."""
    from procrisk import report

    scope, _ = report_scope(filters)
    content = report.report_data(workspace, filters=scope, run_id=run_id, results=results(workspace, run_id))
    return report.render(content, fmt)


# -- one contract, one supplier -------------------------------------------------------------------------------------


@st.cache_data(max_entries=64, show_spinner="Explaining…", ttl=TTL)
def explanation(workspace: str, run_id: str, contract_id: str) -> api.Explanation:
    """Every finding of one contract: evidence, citation, action and the data missing for not-assessed rules."""
    from procrisk import api

    return api.explain(contract_id, workspace, run_id, results=results(workspace, run_id))


@st.cache_data(max_entries=64, show_spinner="Explaining…", ttl=TTL)
def supplier_explanation(workspace: str, run_id: str, supplier: str) -> api.Explanation:
    """A supplier's own findings and the contracts that name it."""
    from procrisk import api

    return api.explain_supplier(supplier, workspace, run_id, results=results(workspace, run_id))


@st.cache_data(max_entries=4, show_spinner="Resolving supplier names…", ttl=TTL)
def suppliers(workspace: str, run_id: str) -> pd.DataFrame:
    """Scored suppliers, riskiest exposure first, with their resolved name variants where known."""
    from procrisk import api

    scored = results(workspace, run_id).suppliers.copy()
    try:
        resolved = api.list_suppliers(workspace)
    except ProcriskError:
        resolved = pd.DataFrame()
    if not resolved.empty and "ids" in resolved:
        by_id: dict[str, int] = {}
        for i, ids in enumerate(resolved["ids"]):
            for ident in [] if ids is None or isinstance(ids, float) else list(ids):
                by_id.setdefault(str(ident), i)
                by_id.setdefault(str(ident).rsplit(":", 1)[-1], i)
        for i, key in enumerate(resolved["supplier_key"].astype(str)):
            by_id.setdefault(key, i)
        row = scored["supplier_id"].astype(str).map(by_id)
        for name in ("supplier_key", "variants", "ids"):
            if name in resolved:
                values = resolved[name].to_numpy()
                scored[f"resolved_{name}" if name == "supplier_key" else name] = [
                    values[int(r)] if pd.notna(r) else None for r in row]
    if "exposure_rank" in scored:
        scored = scored.sort_values("exposure_rank", kind="stable")
    return scored.reset_index(drop=True)


@st.cache_data(max_entries=32, show_spinner=False, ttl=TTL)
def supplier_contracts(workspace: str, run_id: str, supplier_key: str) -> pd.DataFrame:
    """The scored contracts of one resolved supplier, riskiest exposure first."""
    t = table(workspace, run_id)
    if "supplier_key" not in t.frame:
        return pd.DataFrame()
    rows = t.frame[(t.frame["supplier_key"].astype("string") == supplier_key).fillna(False).to_numpy()]
    rows = rows.sort_values("exposure_rank")
    return rows.drop(columns=["year"], errors="ignore").reset_index(drop=True)


@st.cache_data(max_entries=32, show_spinner=False, ttl=TTL)
def supply_chain(workspace: str, run_id: str, contract_ids: tuple[str, ...]) -> pd.DataFrame:
    """Buyer, subcontractors and countries of some contracts, read from the stored contracts (projected)."""
    from procrisk import api

    ws = api.open_workspace(workspace)
    cols = ["contract_id", "buyer_name", "subcontractors", "delivery_country", "origin_country", "supplier_country"]
    frame = ws.read_table("contracts", columns=cols)
    return frame[frame["contract_id"].astype("string").isin(list(contract_ids))].reset_index(drop=True)


# -- rules, coverage, issues ----------------------------------------------------------------------------------------


@st.cache_data(max_entries=4, show_spinner=False, ttl=TTL)
def catalogue_frame(workspace: str, run_id: str) -> pd.DataFrame:
    """The run's rule catalogue as a table (weights and switches as the run used them)."""
    records = []
    for r in results(workspace, run_id).catalogue:
        records.append({
            "code": r.code, "title": r.title, "pillar": r.pillar, "scope": r.scope, "severity": r.severity,
            "weight": int(r.weight), "hard_flag": bool(r.hard_flag), "summary": r.summary,
            "guideline": r.citation.guideline, "instrument": r.citation.instrument,
            "also": "; ".join(r.citation.also), "requires": ", ".join(r.requires),
        })
    return pd.DataFrame.from_records(records)


@st.cache_data(max_entries=4, show_spinner="Measuring what the data supports…", ttl=TTL)
def coverage(workspace: str, run_id: str) -> pd.DataFrame:
    """Per rule: the share of rows it could assess and the fields that block it."""
    from procrisk import api

    return api.coverage(workspace, run_id=run_id)


@st.cache_data(max_entries=4, show_spinner="Finding the fields that would unlock most…", ttl=TTL)
def field_gaps(workspace: str, run_id: str) -> pd.DataFrame:
    """Fields whose absence blocks the most rule weight."""
    from procrisk import api

    return api.missing_fields(workspace, run_id=run_id)


@st.cache_data(max_entries=8, show_spinner=False, ttl=TTL)
def issues(workspace: str, batches: tuple[str, ...]) -> pd.DataFrame:
    """The data issues of the live batches (``batches`` only keys the cache)."""
    from procrisk import api

    return api.read_issues(workspace)


# -- what-if ------------------------------------------------------------------------------------------------------


def settings_text(base: Settings, rules: dict[str, dict[str, Any]], bands: dict[str, float],
                  params: dict[str, dict[str, Any]] | None = None) -> str:
    """A settings file (YAML) = the run's settings with rule switches, weights, hard flags, bands, params changed.

    Raises ConfigError (with every problem named) when the result is not a valid settings file.
    """
    from procrisk.rules.settings import parse_settings

    data = base.as_dict()
    for name in ("source", "sha256"):
        data.pop(name, None)
    merged: dict[str, dict[str, Any]] = {}
    for code, override in (data.pop("rules", None) or {}).items():
        kept = {k: v for k, v in override.items() if v is not None and v != {} and not (k == "enabled" and v)}
        if kept:
            merged[code] = kept
    for code, change in rules.items():
        merged.setdefault(code, {}).update(change)
    for code, values in (params or {}).items():
        if values:
            merged.setdefault(code, {})["params"] = {**merged.get(code, {}).get("params", {}), **values}
    data["bands"] = {**data.get("bands", {}), **bands}
    data["rules"] = {code: merged[code] for code in sorted(merged) if merged[code]}
    data = {k: v for k, v in data.items() if v not in (None, "", {})}
    text = "# procrisk settings saved from the dashboard's what-if\n" + yaml.safe_dump(
        data, sort_keys=False, allow_unicode=True, default_flow_style=False)
    parse_settings(yaml.safe_load(text), name="what-if settings")
    return text


@st.cache_data(max_entries=16, show_spinner="Re-scoring…", ttl=TTL)
def what_if(workspace: str, run_id: str, text: str) -> pd.DataFrame:
    """The run re-scored under the settings ``text`` from its stored outcome matrix (no re-run of the rules)."""
    from procrisk import api
    from procrisk.rules.settings import parse_settings

    settings = parse_settings(yaml.safe_load(text), name="what-if settings")
    return api.what_if(results(workspace, run_id), settings)


@st.cache_data(max_entries=16, show_spinner=False, ttl=TTL)
def ranking_move(workspace: str, run_id: str, text: str, top: int = 25) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(the new top contracts with their old and new rank, score and band; contracts per band before and after)."""
    res = results(workspace, run_id)
    new = what_if(workspace, run_id, text).reset_index(drop=True)
    old = res.contracts.reset_index(drop=True)
    order = np.argsort(pd.to_numeric(new["exposure_rank"]).to_numpy(), kind="stable")[:top]
    moved = pd.DataFrame({
        "new rank": pd.to_numeric(new["exposure_rank"]).to_numpy()[order],
        "old rank": pd.to_numeric(old["exposure_rank"]).to_numpy()[order],
        "contract_id": old["contract_id"].astype("string").to_numpy()[order],
        "title": old["title"].astype("string").to_numpy()[order] if "title" in old else "",
        "old score": pd.to_numeric(old["score"]).to_numpy()[order],
        "new score": pd.to_numeric(new["score"]).to_numpy()[order],
        "old band": old["band"].astype("string").to_numpy()[order],
        "new band": new["band"].astype("string").to_numpy()[order],
    })
    moved.insert(2, "moved up", moved["old rank"] - moved["new rank"])
    bands = pd.DataFrame({"before": old["band"].astype("string").value_counts(),
                          "after": new["band"].astype("string").value_counts()}).reindex(list(BANDS)).fillna(0)
    return moved, bands.astype(int).rename_axis("band").reset_index()


# -- uploads (not cached: they change the workspace) --------------------------------------------------------------


def mapping_path(workspace: str, file_name: str) -> Path:
    """Where the mapping saved for files called like ``file_name`` lives in the workspace."""
    stem = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in Path(file_name).stem) or "file"
    return Path(workspace) / "mappings" / f"{stem}.yaml"


def saved_mapping(workspace: str, file_name: str) -> Mapping | None:
    """The mapping saved for files of this name, if any (an unreadable one is ignored)."""
    from procrisk.ingest.mapping import load_mapping

    path = mapping_path(workspace, file_name)
    if not path.is_file():
        return None
    try:
        return load_mapping(path)
    except ProcriskError:
        return None


def save_mapping(workspace: str, file_name: str, mapping: Mapping) -> Path:
    """Save a mapping in the workspace so the next upload of a file with this name starts from it."""
    from procrisk.ingest.mapping import dump_mapping

    path = mapping_path(workspace, file_name)
    store.atomic_write_bytes(path, dump_mapping(mapping, source=Path(file_name).name).encode("utf-8"))
    return path


def clear() -> None:
    """Forget every cached read (after an ingest or a new scoring run)."""
    with _WARM_LOCK:
        _WARMING.clear()
    st.cache_data.clear()
    st.cache_resource.clear()


def stage_upload(folder: str, file_name: str, content: bytes) -> Path:
    """Write an uploaded file under its own name (no directories) in a private folder, for the api to read."""
    name = Path(file_name.replace("\\", "/")).name.strip() or "upload"
    target = Path(folder) / name
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    target.write_bytes(content)
    return target
