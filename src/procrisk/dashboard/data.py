"""Every read the dashboard makes, through procrisk.api: the one module that uses st.cache_data / st.cache_resource.

A scoring run is loaded once per (workspace, run id) and kept as a resource (never mutated); filtered row
positions, table pages, KPIs and chart data are small and cached per filter. A new run has a new id, so caches
keyed by it never serve stale results; ``clear()`` drops everything after an ingest.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import streamlit as st
import yaml

from procrisk import api
from procrisk.dashboard.state import Filters
from procrisk.errors import ProcriskError
from procrisk.ingest.mapping import Mapping, dump_mapping, load_mapping
from procrisk.rules import Settings
from procrisk.rules.settings import parse_settings
from procrisk.safety import neutralise_frame
from procrisk.scoring import BANDS
from procrisk.store import atomic_write_bytes

TTL = dt.timedelta(hours=1)
UNKNOWN = "(unknown)"
DIMENSIONS = {"sector": "sector_label", "country": "supplier_country", "buyer": "buyer_name", "year": "year"}
CATEGORICAL = ("band", "sector_label", "supplier_country", "buyer_name", "supplier_name", "currency")
FRAME_COLUMNS = ("contract_id", "title", "supplier_name", "supplier_key", "buyer_name", "supplier_country",
                 "sector_label", "cpv_division", "award_date", "award_value", "currency", "score", "band", "coverage",
                 "flagged", "not_assessed", "exposure", "exposure_rank")
TABLE_COLUMNS = ("exposure_rank", "contract_id", "title", "supplier_name", "buyer_name", "supplier_country",
                 "sector_label", "award_date", "award_value", "currency", "score", "band", "coverage", "flagged",
                 "not_assessed")
NUMERIC_SORTS = ("score", "exposure", "award_value", "coverage", "flagged", "not_assessed")


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
    """The id of the newest scoring run, or None (one small JSON read, deliberately not cached)."""
    ws = api.open_workspace(workspace)
    if not ws.exists:
        return None
    runs = ws.manifest().get("runs", [])
    return runs[-1]["run_id"] if runs else None


def status(workspace: str) -> dict[str, Any] | None:
    """Batches, rows and issue counts of the workspace, or None when nothing was ingested yet."""
    try:
        return api.workspace_status(workspace)
    except ProcriskError:
        return None


@st.cache_resource(max_entries=2, show_spinner="Loading the scoring run…", ttl=TTL)
def results(workspace: str, run_id: str) -> api.Results:
    """A stored scoring run (kept in memory once per run; never mutate it)."""
    return api.load_results(workspace, run_id)


def _category(series: pd.Series) -> pd.Categorical:
    """A text column as a categorical, built by Arrow's dictionary encoding (fast on millions of rows)."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        return series.cat.remove_unused_categories().array
    arr = pa.array(series.astype("string"), from_pandas=True)
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    arr = arr.dictionary_encode()
    codes = arr.indices.to_numpy(zero_copy_only=False)
    codes = np.where(np.isnan(codes), -1, codes).astype(np.int32) if codes.dtype.kind == "f" else codes
    return pd.Categorical.from_codes(codes.astype(np.int32), categories=pd.Index(arr.dictionary.to_pylist()))


def _run_file(workspace: str, run_id: str, name: str) -> Path:
    """The Parquet file of one table of a stored run (the layout procrisk.store writes)."""
    return api.open_workspace(workspace).path / "runs" / run_id / f"{name}.parquet"


@st.cache_resource(max_entries=2, show_spinner="Preparing the contracts…", ttl=TTL)
def table(workspace: str, run_id: str) -> Table:
    """The run's contracts, only the columns the pages filter, sort and show (text read as dictionaries)."""
    path = _run_file(workspace, run_id, "contract_scores")
    present = set(pq.read_schema(path).names)
    columns = [c for c in FRAME_COLUMNS if c in present]
    arrow = pq.read_table(path, columns=columns, read_dictionary=[c for c in CATEGORICAL if c in present])
    frame = arrow.to_pandas(date_as_object=False)
    for name in CATEGORICAL:
        if name in frame and not isinstance(frame[name].dtype, pd.CategoricalDtype):
            frame[name] = _category(frame[name])
    if "sector_label" not in frame:
        frame["sector_label"] = _category(frame.get("cpv_division", pd.Series(pd.NA, index=frame.index)))
    frame["band"] = frame["band"].cat.set_categories(list(BANDS), ordered=True)
    dates = pd.to_datetime(frame.get("award_date"), errors="coerce")
    frame["year"] = _category(dates.dt.year.astype("Int64").astype("string"))
    return Table(frame)


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


# -- filters ------------------------------------------------------------------------------------------------------


@st.cache_data(max_entries=4, show_spinner=False, ttl=TTL)
def options(workspace: str, run_id: str) -> Options:
    """The values each filter offers (sorted; rules with their titles)."""
    t = table(workspace, run_id)
    f = t.frame

    def values(col: str) -> tuple[str, ...]:
        return tuple(sorted(str(c) for c in f[col].cat.categories)) if col in f else ()

    titles = {r.code: r.title for r in api.load_catalogue()}
    codes = pq.read_schema(_run_file(workspace, run_id, "contract_outcomes")).names
    dates = pd.to_datetime(f.get("award_date"), errors="coerce")
    value = pd.to_numeric(f.get("award_value"), errors="coerce")
    return Options(
        bands=tuple(BANDS), sectors=values("sector_label"), countries=values("supplier_country"),
        buyers=values("buyer_name"), rules=tuple((c, titles.get(c, c)) for c in sorted(codes)),
        first_date=dates.min().date() if dates.notna().any() else None,
        last_date=dates.max().date() if dates.notna().any() else None,
        max_value=float(value.max()) if value.notna().any() else 0.0,
    )


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


def _sort_key(t: Table, sort: str) -> np.ndarray:
    """A float sort key for a column (dates as days; missing as NaN)."""
    col = t.frame[sort]
    if sort == "award_date":
        return pd.to_datetime(col, errors="coerce").to_numpy(dtype="datetime64[D]").astype(np.float64)
    return pd.to_numeric(col, errors="coerce").to_numpy(dtype=float, na_value=np.nan)


@st.cache_data(max_entries=64, show_spinner=False, ttl=TTL)
def page(workspace: str, run_id: str, filters: Filters, sort: str, descending: bool, start: int,
         size: int, *, with_fired: bool = True) -> pd.DataFrame:
    """One page of the filtered contracts in the chosen order (missing values last), display columns only."""
    t = table(workspace, run_id)
    pos = positions(workspace, run_id, filters)
    key = _sort_key(t, sort)[pos]
    key = np.where(np.isnan(key), np.inf, -key if descending else key)
    stop = min(start + size, len(pos))
    if stop <= start:
        chosen = pos[:0]
    elif stop < len(pos) // 4:  # a partial sort is much cheaper than sorting a million rows
        top = np.argpartition(key, stop - 1)[:stop]
        chosen = pos[top[np.lexsort((pos[top], key[top]))][start:stop]]
    else:
        chosen = pos[np.lexsort((pos, key))[start:stop]]
    cols = [c for c in TABLE_COLUMNS if c in t.frame]
    out = t.frame.iloc[chosen][cols].reset_index(drop=True)
    if with_fired:
        lists = fired(workspace, run_id).take(pa.array(chosen, type=pa.int64())).to_pylist()
        out["fired"] = [v or [] for v in lists]
    for name in out.columns:
        if isinstance(out[name].dtype, pd.CategoricalDtype):
            out[name] = out[name].astype("string")
    return out


@st.cache_data(max_entries=32, show_spinner=False, ttl=TTL)
def summary(workspace: str, run_id: str, filters: Filters) -> dict[str, Any]:
    """KPIs of the filtered contracts: count, value by currency, high/critical share and value, mean coverage."""
    t = table(workspace, run_id)
    pos = positions(workspace, run_id, filters)
    frame = t.frame
    value = pd.to_numeric(frame["award_value"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)[pos]
    value = np.nan_to_num(value)
    band = frame["band"].cat.codes.to_numpy()[pos]
    risky = band >= BANDS.index("high")
    if "currency" in frame:
        names = [str(c) for c in frame["currency"].cat.categories] + [UNKNOWN]
        codes = frame["currency"].cat.codes.to_numpy()[pos].astype(np.int64)
        codes = np.where(codes < 0, len(names) - 1, codes)
    else:
        names, codes = [UNKNOWN], np.zeros(len(pos), dtype=np.int64)
    totals = np.bincount(codes, weights=value, minlength=len(names))
    risky_totals = np.bincount(codes[risky], weights=value[risky], minlength=len(names))
    order = [i for i in np.argsort(-totals, kind="stable") if totals[i] > 0]
    by_currency = pd.Series({names[i]: float(totals[i]) for i in order}, dtype=float)
    risky_currency = {names[i]: float(risky_totals[i]) for i in order}
    main = str(by_currency.index[0]) if len(by_currency) else ""
    coverage = pd.to_numeric(frame["coverage"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)[pos]
    return {
        "contracts": len(pos),
        "all_contracts": t.rows,
        "currency": main,
        "spend": float(by_currency.iloc[0]) if main else 0.0,
        "other_currencies": {str(k): float(v) for k, v in by_currency.iloc[1:].items()},
        "high_critical": int(risky.sum()),
        "high_critical_share": float(risky.mean()) if len(pos) else 0.0,
        "high_critical_spend": float(risky_currency.get(main, 0.0)) if main else 0.0,
        "high_critical_spend_share": float(risky_currency.get(main, 0.0) / by_currency.iloc[0])
        if main and by_currency.iloc[0] else 0.0,
        "coverage": float(np.nanmean(coverage)) if len(pos) and not np.isnan(coverage).all() else 0.0,
        "bands": {b: int((band == i).sum()) for i, b in enumerate(BANDS)},
    }


@st.cache_data(max_entries=64, show_spinner=False, ttl=TTL)
def breakdown(workspace: str, run_id: str, filters: Filters, dimension: str, measure: str,
              top: int = 12) -> pd.DataFrame:
    """Contracts, value or exposure per band for the ``top`` categories of a dimension (long format)."""
    t = table(workspace, run_id)
    pos = positions(workspace, run_id, filters)
    col = t.frame[DIMENSIONS[dimension]]
    cats = [str(c) for c in col.cat.categories] + [UNKNOWN]
    codes = col.cat.codes.to_numpy()[pos].astype(np.int64)
    codes = np.where(codes < 0, len(cats) - 1, codes)
    band = t.frame["band"].cat.codes.to_numpy()[pos].astype(np.int64)
    weights = None
    if measure != "contracts":
        weights = np.nan_to_num(pd.to_numeric(t.frame["award_value" if measure == "value" else "exposure"],
                                              errors="coerce").to_numpy(dtype=float, na_value=np.nan)[pos])
    grid = np.bincount(codes * len(BANDS) + band, weights=weights,
                       minlength=len(cats) * len(BANDS)).reshape(len(cats), len(BANDS))
    order = np.lexsort((-grid.sum(axis=1), -grid[:, 2:].sum(axis=1)))
    order = [i for i in order if grid[i].sum() > 0][:top]
    if dimension == "year":
        order = sorted(order, key=lambda i: cats[i])
    rows = [(cats[i], BANDS[b], float(grid[i, b]), rank) for rank, i in enumerate(order) for b in range(len(BANDS))]
    return pd.DataFrame(rows, columns=["category", "band", "value", "rank"])


@st.cache_data(max_entries=32, show_spinner=False, ttl=TTL)
def filtered_export(workspace: str, run_id: str, filters: Filters, limit: int | None = None) -> pd.DataFrame:
    """The filtered contracts with every score column, exposure order, cells safe for spreadsheets."""
    t = table(workspace, run_id)
    pos = positions(workspace, run_id, filters)
    rank = pd.to_numeric(t.frame["exposure_rank"], errors="coerce").to_numpy()[pos]
    pos = pos[np.argsort(rank, kind="stable")]
    if limit is not None:
        pos = pos[:limit]
    out = results(workspace, run_id).contracts.iloc[pos].reset_index(drop=True)
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
    return api.explain(contract_id, workspace, run_id, results=results(workspace, run_id))


@st.cache_data(max_entries=64, show_spinner="Explaining…", ttl=TTL)
def supplier_explanation(workspace: str, run_id: str, supplier: str) -> api.Explanation:
    """A supplier's own findings and the contracts that name it."""
    return api.explain_supplier(supplier, workspace, run_id, results=results(workspace, run_id))


@st.cache_data(max_entries=4, show_spinner="Resolving supplier names…", ttl=TTL)
def suppliers(workspace: str, run_id: str) -> pd.DataFrame:
    """Scored suppliers, riskiest exposure first, with their resolved name variants where known."""
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
    return api.coverage(workspace)


@st.cache_data(max_entries=4, show_spinner="Finding the fields that would unlock most…", ttl=TTL)
def field_gaps(workspace: str, run_id: str) -> pd.DataFrame:
    """Fields whose absence blocks the most rule weight."""
    return api.missing_fields(workspace)


@st.cache_data(max_entries=8, show_spinner=False, ttl=TTL)
def issues(workspace: str, batches: tuple[str, ...]) -> pd.DataFrame:
    """The data issues of the live batches (``batches`` only keys the cache)."""
    return api.read_issues(workspace)


# -- what-if ------------------------------------------------------------------------------------------------------


def settings_text(base: Settings, rules: dict[str, dict[str, Any]], bands: dict[str, float],
                  params: dict[str, dict[str, Any]] | None = None) -> str:
    """A settings file (YAML) = the run's settings with rule switches, weights, hard flags, bands, params changed.

    Raises ConfigError (with every problem named) when the result is not a valid settings file.
    """
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
    path = mapping_path(workspace, file_name)
    if not path.is_file():
        return None
    try:
        return load_mapping(path)
    except ProcriskError:
        return None


def save_mapping(workspace: str, file_name: str, mapping: Mapping) -> Path:
    """Save a mapping in the workspace so the next upload of a file with this name starts from it."""
    path = mapping_path(workspace, file_name)
    atomic_write_bytes(path, dump_mapping(mapping, source=Path(file_name).name).encode("utf-8"))
    return path


def clear() -> None:
    """Forget every cached read (after an ingest or a new scoring run)."""
    st.cache_data.clear()
    st.cache_resource.clear()


def stage_upload(folder: str, file_name: str, content: bytes) -> Path:
    """Write an uploaded file under its own name (no directories) in a private folder, for the api to read."""
    name = Path(file_name.replace("\\", "/")).name.strip() or "upload"
    target = Path(folder) / name
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    target.write_bytes(content)
    return target
