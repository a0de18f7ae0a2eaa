"""Overview summaries of a scoring run: the small tables a dashboard's first page reads instead of every contract.

A run stores four of them beside its scores (``tables`` builds them when the run is committed):

* ``summary_kpis``: contracts, award value and coverage per (band, currency) cell;
* ``summary_breakdown``: contracts, value and exposure per (dimension, category, band) cell;
* ``summary_top``: the ``TOP`` largest exposures of each band, as the contracts table shows them;
* ``summary_options``: the values each filter offers (categories, rule titles, date and value range).

Every figure comes from the same functions whether it is read from these tables (all contracts, or some bands) or
computed from the rows that pass any other filter: a cell's sums are accumulated in row order either way, so the
two give identical results. ``prepare`` makes the contracts frame all of them are computed from.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from procrisk.scoring.bands import BANDS

if TYPE_CHECKING:
    from procrisk.rules.catalogue import Catalogue

UNKNOWN = "(unknown)"
TOP = 50
NAMES = ("summary_kpis", "summary_breakdown", "summary_top", "summary_options")
DIMENSIONS = {"sector": "sector_label", "country": "supplier_country", "buyer": "buyer_name", "year": "year"}
MEASURES = ("contracts", "value", "exposure")
CATEGORICAL = ("band", "sector_label", "supplier_country", "buyer_name", "supplier_name", "currency")
FRAME_COLUMNS = ("contract_id", "title", "supplier_name", "supplier_key", "buyer_name", "supplier_country",
                 "sector_label", "cpv_division", "award_date", "award_value", "currency", "score", "band", "coverage",
                 "flagged", "not_assessed", "exposure", "exposure_rank")
TABLE_COLUMNS = ("exposure_rank", "contract_id", "title", "supplier_name", "buyer_name", "supplier_country",
                 "sector_label", "award_date", "award_value", "currency", "score", "band", "coverage", "flagged",
                 "not_assessed")
_KEY, _POSITION = "_key", "_position"


# -- the contracts frame -------------------------------------------------------------------------------------------


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


def prepare(arrow: pa.Table) -> pd.DataFrame:
    """Contract scores as the dashboard filters them: ``FRAME_COLUMNS``, text as categoricals, band ordered, year.

    Categories keep the order values first appear in (Arrow's dictionary encoding, as Parquet's reader gives them).
    """
    arrow = arrow.select([c for c in FRAME_COLUMNS if c in arrow.column_names])
    for name in CATEGORICAL:
        if name in arrow.column_names:
            kind = arrow.schema.field(name).type
            if pa.types.is_string(kind) or pa.types.is_large_string(kind):
                index = arrow.schema.get_field_index(name)
                arrow = arrow.set_column(index, name, pc.dictionary_encode(arrow.column(index)))
    frame = arrow.to_pandas(date_as_object=False)
    for name in CATEGORICAL:
        if name in frame and not isinstance(frame[name].dtype, pd.CategoricalDtype):
            frame[name] = _category(frame[name])
    if "sector_label" not in frame:
        frame["sector_label"] = _category(frame.get("cpv_division", pd.Series(pd.NA, index=frame.index)))
    frame["band"] = frame["band"].cat.set_categories(list(BANDS), ordered=True)
    dates = pd.to_datetime(frame.get("award_date"), errors="coerce")
    frame["year"] = _category(dates.dt.year.astype("Int64").astype("string"))
    return frame


def _numbers(frame: pd.DataFrame, name: str) -> np.ndarray:
    """A column as float64 (missing and unparsable as NaN)."""
    return pd.to_numeric(frame[name], errors="coerce").to_numpy(dtype=float, na_value=np.nan)


def _band_codes(frame: pd.DataFrame, pos: np.ndarray | None) -> np.ndarray:
    """Band index per selected row (0 low .. 3 critical; -1 without a band), all rows when ``pos`` is None."""
    return _taken(frame["band"].cat.codes.to_numpy(), pos).astype(np.int64)


# -- KPIs ------------------------------------------------------------------------------------------------------------


def kpi_cube(frame: pd.DataFrame, pos: np.ndarray | None = None) -> pd.DataFrame:
    """Contracts, award value (missing as 0) and coverage (sum, count) per (band, currency) cell of the rows ``pos``.

    Cells are listed band by band (rows without a band last), currencies in category order (unknown last); empty
    cells are left out. ``currency_order`` is the currency's place in that order (it breaks ties between totals).
    """
    band = _band_codes(frame, pos)
    band = np.where(band < 0, len(BANDS), band)
    if "currency" in frame:
        names = [str(c) for c in frame["currency"].cat.categories] + [UNKNOWN]
        cur = _taken(frame["currency"].cat.codes.to_numpy(), pos).astype(np.int64)
        cur = np.where(cur < 0, len(names) - 1, cur)
    else:
        names, cur = [UNKNOWN], np.zeros(len(band), dtype=np.int64)
    cells = (len(BANDS) + 1) * len(names)
    cell = band * len(names) + cur
    value = np.nan_to_num(_taken(_numbers(frame, "award_value"), pos))
    coverage = _taken(_numbers(frame, "coverage"), pos)
    known = ~np.isnan(coverage)
    count = np.bincount(cell, minlength=cells)
    sums = np.bincount(cell, weights=value, minlength=cells)
    cov_sum = np.bincount(cell[known], weights=coverage[known], minlength=cells)
    cov_n = np.bincount(cell[known], minlength=cells)
    keep = np.flatnonzero(count)
    slots = [*BANDS, None]
    return pd.DataFrame({
        "band": pd.array([slots[i // len(names)] for i in keep], dtype="string"),
        "currency": [names[i % len(names)] for i in keep],
        "currency_order": (keep % len(names)).astype(np.int64),
        "contracts": count[keep].astype(np.int64),
        "value": sums[keep].astype(np.float64),
        "coverage_sum": cov_sum[keep].astype(np.float64),
        "coverage_n": cov_n[keep].astype(np.int64),
    })


def kpis(cube: pd.DataFrame, all_contracts: int, bands: Sequence[str] = ()) -> dict[str, Any]:
    """The headline figures of the cube's cells in ``bands`` (all cells when empty), as the overview shows them."""
    rows = cube[cube["band"].isin(list(bands)).fillna(False).to_numpy()] if bands else cube
    totals: dict[int, float] = {}
    risky_totals: dict[int, float] = {}
    names: dict[int, str] = {}
    counts = dict.fromkeys(BANDS, 0)
    contracts = risky = cov_n = 0
    cov_sum = 0.0
    risky_bands = set(BANDS[BANDS.index("high"):])
    for band, currency, place, cell, value, c_sum, c_n in zip(
            rows["band"], rows["currency"], rows["currency_order"], rows["contracts"], rows["value"],
            rows["coverage_sum"], rows["coverage_n"], strict=True):
        order, n = int(place), int(cell)
        names[order] = str(currency)
        totals[order] = totals.get(order, 0.0) + float(value)
        contracts += n
        cov_sum += float(c_sum)
        cov_n += int(c_n)
        if isinstance(band, str):
            counts[band] += n
            if band in risky_bands:
                risky += n
                risky_totals[order] = risky_totals.get(order, 0.0) + float(value)
    ranked = sorted((i for i in sorted(totals) if totals[i] > 0), key=lambda i: -totals[i])
    main = names[ranked[0]] if ranked else ""
    spend = totals[ranked[0]] if ranked else 0.0
    risky_spend = risky_totals.get(ranked[0], 0.0) if ranked else 0.0
    return {
        "contracts": contracts,
        "all_contracts": all_contracts,
        "currency": main,
        "spend": spend,
        "other_currencies": {names[i]: totals[i] for i in ranked[1:]},
        "high_critical": risky,
        "high_critical_share": risky / contracts if contracts else 0.0,
        "high_critical_spend": risky_spend,
        "high_critical_spend_share": risky_spend / spend if spend else 0.0,
        "coverage": cov_sum / cov_n if cov_n else 0.0,
        "bands": counts,
    }


# -- risk by dimension ---------------------------------------------------------------------------------------------


def _taken(values: np.ndarray, pos: np.ndarray | None) -> np.ndarray:
    """The values of the rows ``pos`` (all rows when None)."""
    return values if pos is None else values[pos]


def _dimension(frame: pd.DataFrame, dimension: str, pos: np.ndarray | None) -> tuple[list[str], np.ndarray]:
    """(categories with ``UNKNOWN`` last, category index of each row ``pos``) of a dimension."""
    col = frame[DIMENSIONS[dimension]]
    cats = [str(c) for c in col.cat.categories] + [UNKNOWN]
    codes = _taken(col.cat.codes.to_numpy(), pos).astype(np.int64)
    return cats, np.where(codes < 0, len(cats) - 1, codes)


def _weights(frame: pd.DataFrame, measure: str, pos: np.ndarray | None) -> np.ndarray | None:
    """What a measure adds up per row: nothing for contracts (they are counted), else value or exposure (NaN as 0)."""
    if measure == "contracts":
        return None
    return np.nan_to_num(_taken(_numbers(frame, "award_value" if measure == "value" else "exposure"), pos))


def _cells(codes: np.ndarray, n_cats: int, band: np.ndarray, weights: np.ndarray | None) -> np.ndarray:
    """The categories x bands matrix of counts (no weights) or sums, rows without a band left out."""
    banded = band >= 0
    if not banded.all():
        codes, band = codes[banded], band[banded]
        weights = None if weights is None else weights[banded]
    cells = np.bincount(codes * len(BANDS) + band, weights=weights, minlength=n_cats * len(BANDS))
    return cells.reshape(n_cats, len(BANDS))


def grid(frame: pd.DataFrame, pos: np.ndarray, dimension: str, measure: str) -> tuple[list[str], np.ndarray]:
    """(categories, categories x bands matrix) of contracts, value or exposure of the rows ``pos``.

    Categories are the column's in category order with ``UNKNOWN`` last; rows without a band are left out.
    """
    cats, codes = _dimension(frame, dimension, pos)
    return cats, _cells(codes, len(cats), _band_codes(frame, pos), _weights(frame, measure, pos))


def breakdown(cats: Sequence[str], cells: np.ndarray, dimension: str, top: int = 12) -> pd.DataFrame:
    """The ``top`` categories (most high and critical first, then most in all) per band, in long format.

    Ties keep category order; award years are listed in year order.
    """
    order = np.lexsort((-cells.sum(axis=1), -cells[:, 2:].sum(axis=1)))
    order = [i for i in order if cells[i].sum() > 0][:top]
    if dimension == "year":
        order = sorted(order, key=lambda i: cats[i])
    rows = [(cats[i], BANDS[b], float(cells[i, b]), rank) for rank, i in enumerate(order) for b in range(len(BANDS))]
    return pd.DataFrame(rows, columns=["category", "band", "value", "rank"])


def breakdown_cube(frame: pd.DataFrame) -> pd.DataFrame:
    """Every dimension's cells for all three measures (categories with no contract left out), in long format."""
    band = _band_codes(frame, None)
    weights = {measure: _weights(frame, measure, None) for measure in MEASURES}
    parts = []
    for dimension in DIMENSIONS:
        cats, codes = _dimension(frame, dimension, None)
        cells = {measure: _cells(codes, len(cats), band, w) for measure, w in weights.items()}
        keep = np.flatnonzero(cells["contracts"].sum(axis=1))
        parts.append(pd.DataFrame({
            "dimension": dimension,
            "category": np.repeat(np.array(cats, dtype=object)[keep], len(BANDS)),
            "band": np.tile(np.array(BANDS, dtype=object), len(keep)),
            **{measure: cells[measure][keep].ravel().astype(np.int64 if measure == "contracts" else np.float64)
               for measure in MEASURES},
        }))
    return pd.concat(parts, ignore_index=True)


def stored_grid(cube: pd.DataFrame, dimension: str, measure: str,
                bands: Sequence[str] = ()) -> tuple[list[str], np.ndarray]:
    """(categories, matrix) of one dimension and measure from ``breakdown_cube``, bands not chosen set to zero."""
    rows = cube[(cube["dimension"] == dimension).to_numpy()]
    cells = rows[measure].to_numpy().reshape(-1, len(BANDS)).copy()
    if bands:
        cells[:, [i for i, b in enumerate(BANDS) if b not in bands]] = 0
    return rows["category"].to_numpy()[::len(BANDS)].astype(str).tolist(), cells


# -- contracts in exposure order -----------------------------------------------------------------------------------


def order_key(frame: pd.DataFrame, sort: str, pos: np.ndarray | None, descending: bool) -> np.ndarray:
    """The ascending sort key of the rows ``pos`` (all when None): dates as days, missing numbers last."""
    col = frame[sort]
    if sort == "award_date":
        key = _taken(pd.to_datetime(col, errors="coerce").to_numpy(dtype="datetime64[D]").astype(np.float64), pos)
    else:
        key = _taken(_numbers(frame, sort), pos)
    return np.where(np.isnan(key), np.inf, -key if descending else key)


def ordered(pos: np.ndarray, key: np.ndarray, start: int, stop: int) -> np.ndarray:
    """The positions ranked ``start`` to ``stop`` by (key, position): as a full sort, but partial when few are asked."""
    stop = min(stop, len(pos))
    if stop <= start:
        return pos[:0]
    if stop < len(pos) // 4:  # a partial sort is much cheaper than sorting a million rows
        bound = np.partition(key, stop - 1)[stop - 1]
        candidates = np.flatnonzero(key <= bound)  # every row tied with the last one asked stays in the race
        pos, key = pos[candidates], key[candidates]
    return pos[np.lexsort((pos, key))[start:stop]]


def rows(frame: pd.DataFrame, chosen: np.ndarray, fired: list[list[str]] | None = None) -> pd.DataFrame:
    """The contracts table's columns of the rows ``chosen`` (text as strings), with their flagged rules if given."""
    cols = [c for c in TABLE_COLUMNS if c in frame]
    out = frame.iloc[chosen][cols].reset_index(drop=True)
    if fired is not None:
        out["fired"] = fired
    for name in out.columns:
        if isinstance(out[name].dtype, pd.CategoricalDtype):
            out[name] = out[name].astype("string")
    return out


def fired_lists(fired: pa.ChunkedArray | pa.Array, chosen: np.ndarray) -> list[list[str]]:
    """The flagged rule codes of the rows ``chosen`` as lists (an empty list when none)."""
    return [v or [] for v in fired.take(pa.array(chosen, type=pa.int64())).to_pylist()]


def top_rows(frame: pd.DataFrame, fired: pa.ChunkedArray | pa.Array | None, top: int = TOP) -> pd.DataFrame:
    """Per band (and rows without one), its ``top`` largest exposures with their flagged rules, key and position."""
    band = _band_codes(frame, None)
    key = order_key(frame, "exposure", None, descending=True)
    chosen = np.concatenate([ordered(np.flatnonzero(band == b), key[band == b], 0, top)
                             for b in (*range(len(BANDS)), -1)]).astype(np.int64)
    out = rows(frame, chosen, fired_lists(fired, chosen) if fired is not None else [[] for _ in chosen])
    out[_KEY] = key[chosen]
    out[_POSITION] = chosen
    return out


# -- filter options ------------------------------------------------------------------------------------------------


def options(frame: pd.DataFrame, rules: Sequence[tuple[str, str]]) -> pd.DataFrame:
    """The values each filter offers: sorted categories, rules with titles, first and last award date, top value."""
    records: list[tuple[str, str, str | None]] = []
    for kind, col in (("sector", "sector_label"), ("country", "supplier_country"), ("buyer", "buyer_name")):
        if col in frame:
            records += [(kind, v, None) for v in sorted(str(c) for c in frame[col].cat.categories)]
    records += [("rule", code, title) for code, title in rules]
    dates = pd.to_datetime(frame.get("award_date"), errors="coerce")
    if dates.notna().any():
        records += [("first_date", dates.min().date().isoformat(), None),
                    ("last_date", dates.max().date().isoformat(), None)]
    value = pd.to_numeric(frame.get("award_value"), errors="coerce")
    records.append(("max_value", repr(float(value.max()) if value.notna().any() else 0.0), None))
    return pd.DataFrame(records, columns=["kind", "value", "title"])


# -- the stored tables ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Summaries:
    """A run's overview summaries (see the module docstring), read from the run or computed from its contracts."""

    kpis: pd.DataFrame
    breakdown: pd.DataFrame
    top: pd.DataFrame
    options: pd.DataFrame

    @property
    def rows(self) -> int:
        """How many contract rows the run scored."""
        return int(self.kpis["contracts"].sum())

    def count(self, bands: Sequence[str] = ()) -> int:
        """How many contracts are in ``bands`` (all when empty)."""
        if not bands:
            return self.rows
        return int(self.kpis.loc[self.kpis["band"].isin(list(bands)).fillna(False).to_numpy(), "contracts"].sum())

    def page(self, bands: Sequence[str], start: int, size: int, *, with_fired: bool = True) -> pd.DataFrame | None:
        """Rows ``start`` to ``start + size`` in exposure order of the contracts in ``bands`` (all when empty), as
        ``rows`` gives them; None when some of them are not among the stored ``TOP`` of their band."""
        chosen = list(bands) if bands else [*BANDS, None]
        band = self.top["band"]
        if start + size > TOP and any(self._band_count(b) > TOP for b in chosen):
            return None
        picked = self.top[band.isin([b for b in chosen if b]).fillna(False).to_numpy()
                          | (band.isna().to_numpy() if None in chosen else False)]
        order = np.lexsort((picked[_POSITION].to_numpy(), picked[_KEY].to_numpy()))[start:start + size]
        out = picked.iloc[order].drop(columns=[_KEY, _POSITION]).reset_index(drop=True)
        fired = out.pop("fired").tolist()
        if with_fired:
            out["fired"] = fired  # assigned as ``rows`` does, so even an empty page has the same column types
        return out

    def _band_count(self, band: str | None) -> int:
        """How many contracts one band has (None: rows without a band)."""
        rows = self.kpis["band"].isna() if band is None else (self.kpis["band"] == band).fillna(False)
        return int(self.kpis.loc[rows.to_numpy(), "contracts"].sum())

    def option(self, kind: str) -> list[str]:
        """The values one filter offers (in stored order)."""
        return self.options.loc[(self.options["kind"] == kind).to_numpy(), "value"].astype(str).tolist()

    def rules(self) -> tuple[tuple[str, str], ...]:
        """(code, title) of each rule the run evaluated, by code."""
        picked = self.options[(self.options["kind"] == "rule").to_numpy()]
        return tuple((str(c), str(t)) for c, t in zip(picked["value"], picked["title"], strict=True))

    def date(self, kind: str) -> dt.date | None:
        """The first or last award date (``first_date`` / ``last_date``), if any contract has one."""
        found = self.option(kind)
        return dt.date.fromisoformat(found[0]) if found else None

    def max_value(self) -> float:
        """The largest award value (0 when none is known)."""
        return float(self.option("max_value")[0])

    def tables(self) -> dict[str, pa.Table]:
        """The summaries as the Arrow tables a run stores (names in ``NAMES``)."""
        return {name: pa.Table.from_pandas(frame, preserve_index=False)
                for name, frame in zip(NAMES, (self.kpis, self.breakdown, self.top, self.options), strict=True)}


def summarise(frame: pd.DataFrame, fired: pa.ChunkedArray | pa.Array | None,
              rules: Sequence[tuple[str, str]]) -> Summaries:
    """The summaries of a prepared contracts frame (``prepare``), with the rows' flagged rules and the run's rules."""
    return Summaries(kpi_cube(frame), breakdown_cube(frame), top_rows(frame, fired),
                     options(frame, sorted(rules)))


def tables(run: dict[str, pa.Table], catalogue: Catalogue) -> dict[str, pa.Table]:
    """The summary tables of a run about to be committed (``run`` holds its contract_scores and contract_outcomes)."""
    scores = run["contract_scores"]
    titles = {r.code: r.title for r in catalogue.rules}
    codes = run["contract_outcomes"].column_names
    fired = scores.column("fired") if "fired" in scores.column_names else None
    return summarise(prepare(scores), fired, [(c, titles.get(c, c)) for c in codes]).tables()


def read(folder: Path) -> Summaries | None:
    """The summaries stored in a run's folder, or None when the run was written without them."""
    paths = [folder / f"{name}.parquet" for name in NAMES]
    if not all(p.is_file() for p in paths):
        return None
    kpis_t, breakdown_t, top_t, options_t = (pq.ParquetFile(p).read() for p in paths)  # not the dataset layer
    fired = top_t.column("fired").to_pylist()
    top = top_t.drop_columns(["fired"]).to_pandas(date_as_object=False)
    top.insert(top.columns.get_loc(_KEY), "fired", [v or [] for v in fired])
    return Summaries(kpis_t.to_pandas(), breakdown_t.to_pandas(), top, options_t.to_pandas())
