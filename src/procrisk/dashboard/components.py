"""Tables and charts the views share: KPIs, band charts, contract tables, findings and the supply-chain picture.

Data from uploads is never rendered as HTML: tables and charts show it as text, markdown shows it escaped
(``md``), and the supply-chain picture quotes every label (``dot_quote``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import pandas as pd
import streamlit as st

from procrisk.dashboard import views
from procrisk.scoring import BANDS

BAND_COLOURS = {"low": "#8ab17d", "medium": "#e9c46a", "high": "#f4a261", "critical": "#9b2226"}
BAND_BADGE = {"low": "green", "medium": "orange", "high": "orange", "critical": "red"}
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~:$=])")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
MAX_LABEL = 60
ROW_STEP = 26  # pixels per category in the band charts


def md(text: Any) -> str:
    """Text from the data made inert for st.markdown (markdown, directives and HTML characters escaped)."""
    return _MD_SPECIAL.sub(r"\\\1", _CONTROL.sub(" ", "" if text is None else str(text)))


def badge(band: str | None) -> str:
    """A band as a coloured markdown badge (band names are fixed words, never data)."""
    name = band if band in BAND_BADGE else "low"
    return f":{BAND_BADGE[name]}-badge[{name}]" if band else ":gray-badge[not scored]"


def money(value: float | None, currency: str = "") -> str:
    """An amount as short readable text, e.g. ``GBP 12.4 M``."""
    if value is None or pd.isna(value):
        return "–"
    for div, unit in ((1e9, " bn"), (1e6, " M"), (1e3, " k")):
        if abs(value) >= div:
            return f"{currency} {value / div:,.1f}{unit}".strip()
    return f"{currency} {value:,.0f}".strip()


def no_run(status: dict[str, Any] | None) -> None:
    """Explain that there is nothing to show yet and link to the upload page."""
    if status is None:
        st.info("The workspace is empty: upload a contract register, a supplier questionnaire or an OCDS file.")
    else:
        st.info("The data is ingested but not scored yet: score it on the upload page.")
    st.page_link(views.page("upload"), label="Upload and score data", icon=":material/upload_file:")


# -- KPIs and charts ------------------------------------------------------------------------------------------------


def kpis(summary: dict[str, Any]) -> None:
    """The headline figures of the filtered contracts in one row of metrics."""
    cur = summary["currency"]
    cols = st.columns(5)
    cols[0].metric("Contracts", f"{summary['contracts']:,}", border=True,
                   help=f"of {summary['all_contracts']:,} scored contract rows")
    others = summary["other_currencies"]
    cols[1].metric(f"Spend ({cur})" if cur else "Spend", money(summary["spend"]), border=True,
                   help=("Also: " + ", ".join(money(v, k) for k, v in others.items())
                         + " (amounts are never converted between currencies)") if others else None)
    cols[2].metric("High or critical", f"{summary['high_critical_share']:.1%}", border=True,
                   help=f"{summary['high_critical']:,} contracts in the high or critical band")
    cols[3].metric(f"High or critical spend ({cur})" if cur else "High or critical spend",
                   money(summary["high_critical_spend"]), border=True,
                   help=f"{summary['high_critical_spend_share']:.1%} of the {cur} spend")
    cols[4].metric("Average coverage", f"{summary['coverage']:.0%}", border=True,
                   help="Share of applicable rule weight the data could assess")


def band_chart(frame: pd.DataFrame, title: str, measure: str) -> None:
    """A stacked horizontal bar chart of a measure per category and band (a Vega-Lite spec: no Altair to import).

    Each category gets a fixed row height, so labels never crowd together however few categories there are.
    """
    if frame.empty or frame["value"].sum() == 0:
        st.caption(f"{title}: nothing to show for these filters.")
        return
    label = {"contracts": "Contracts", "value": "Award value", "exposure": "Exposure"}[measure]
    order = frame.drop_duplicates("category").sort_values("rank")["category"].tolist()
    spec = {
        "title": title,
        "mark": {"type": "bar"},
        "height": {"step": ROW_STEP},
        "encoding": {
            "y": {"field": "category", "type": "nominal", "sort": order, "title": None,
                  "axis": {"labelLimit": 200, "labelOverlap": False}},
            "x": {"field": "value", "type": "quantitative", "title": label, "stack": "zero"},
            "color": {"field": "band", "type": "nominal",
                      "scale": {"domain": list(BANDS), "range": [BAND_COLOURS[b] for b in BANDS]},
                      "legend": {"orient": "bottom", "direction": "horizontal", "title": None}},
            "order": {"field": "band_order", "type": "quantitative"},
            "tooltip": [{"field": "category", "type": "nominal", "title": title},
                        {"field": "band", "type": "nominal"},
                        {"field": "value", "type": "quantitative", "title": label, "format": ",.0f"}],
        },
        "transform": [{"calculate": f"indexof({list(BANDS)!r}, datum.band)", "as": "band_order"}],
    }
    st.vega_lite_chart(frame, spec, width="stretch")


def band_counts(counts: dict[str, int]) -> None:
    """One line of band badges with counts."""
    st.markdown("  ".join(f"{badge(b)} {counts.get(b, 0):,}" for b in BANDS))


# -- tables -------------------------------------------------------------------------------------------------------

CONTRACT_COLUMNS: dict[str, Any] = {
    "exposure_rank": st.column_config.NumberColumn("Rank", help="1 = the most risk x value", format="%d"),
    "contract_id": st.column_config.TextColumn("Contract"),
    "title": st.column_config.TextColumn("Title", width="medium"),
    "supplier_name": st.column_config.TextColumn("Supplier"),
    "buyer_name": st.column_config.TextColumn("Buyer"),
    "supplier_country": st.column_config.TextColumn("Country", width="small"),
    "sector_label": st.column_config.TextColumn("Sector"),
    "award_date": st.column_config.DateColumn("Awarded", format="YYYY-MM-DD"),
    "award_value": st.column_config.NumberColumn("Value", format="%,.0f"),
    "currency": st.column_config.TextColumn("Cur.", width="small"),
    "score": st.column_config.ProgressColumn("Score", min_value=0, max_value=100, format="%.0f"),
    "band": st.column_config.TextColumn("Band", width="small"),
    "coverage": st.column_config.ProgressColumn("Coverage", min_value=0, max_value=1, format="percent"),
    "flagged": st.column_config.NumberColumn("Flags", format="%d", width="small"),
    "not_assessed": st.column_config.NumberColumn("Not assessed", format="%d", width="small"),
    "fired": st.column_config.ListColumn("Rules flagged (heaviest first)"),
}


def contracts_grid(frame: pd.DataFrame, key: str, height: int | str = "auto") -> str | None:
    """A contracts table with single-row selection; returns the selected contract id."""
    event = st.dataframe(frame, key=key, hide_index=True, column_config=CONTRACT_COLUMNS, on_select="rerun",
                         selection_mode="single-row", height=height, width="stretch")
    rows = event.selection.rows if event is not None and hasattr(event, "selection") else []
    return str(frame.iloc[rows[0]]["contract_id"]) if rows else None


def csv_download(label: str, make: Callable[[], pd.DataFrame], file_name: str, key: str) -> None:
    """A download button that builds the CSV only when clicked (cells already neutralised by the caller)."""
    st.download_button(label, data=lambda: make().to_csv(index=False).encode("utf-8"), file_name=file_name,
                       mime="text/csv", key=key, icon=":material/download:", on_click="ignore")


# -- findings -------------------------------------------------------------------------------------------------------


def _plain(value: Any) -> str:
    """A finding value as text for a table cell."""
    if value is None:
        return "(missing)"
    if isinstance(value, list | tuple):
        return ", ".join(map(str, value)) or "(none)"
    return str(value)


def evidence_frame(values: dict[str, Any]) -> pd.DataFrame:
    """Evidence or thresholds as a two-column table."""
    return pd.DataFrame({"field": list(values), "value": [_plain(v) for v in values.values()]})


def finding(f: Any, *, expanded: bool = False) -> None:
    """One flagged finding: its explanation, evidence, thresholds, recommended action and citation."""
    who = "supplier" if f.entity_type == "supplier" else "contract"
    with st.expander(f"{f.rule_code} · {f.title} ({who})", expanded=expanded, icon=":material/flag:"):
        st.markdown(md(f.explanation or f.reason or ""))
        left, right = st.columns(2)
        with left:
            st.caption("Evidence")
            st.dataframe(evidence_frame(f.evidence), hide_index=True, width="stretch")
            if f.thresholds:
                st.caption("Thresholds")
                st.dataframe(evidence_frame(f.thresholds), hide_index=True, width="stretch")
        with right:
            st.caption("Recommended action")
            st.markdown(md(f.action))
            st.caption("Citation")
            st.markdown(md(f.citation))
            st.caption(f"Rule version {f.rule_version}")


def findings_table(findings: Sequence[Any]) -> pd.DataFrame:
    """Not-assessed (or other) findings as a table: rule, title, why, and what is missing."""
    return pd.DataFrame({
        "rule": [f.rule_code for f in findings],
        "title": [f.title for f in findings],
        "applies to": [f.entity_type for f in findings],
        "why not decided / what would unlock it": [f.reason or "" for f in findings],
    })


# -- supply-chain picture -------------------------------------------------------------------------------------------


def dot_quote(text: Any, limit: int = MAX_LABEL) -> str:
    """A value as a quoted DOT string: control characters removed, quotes and backslashes escaped, shortened."""
    value = _CONTROL.sub(" ", "" if text is None else str(text)).strip()
    if len(value) > limit:
        value = value[: limit - 1] + "…"
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def supply_chain_dot(supplier: str, buyers: Iterable[str], subcontractors: Iterable[str],
                     recruiters: str | None, countries: dict[str, Iterable[str]]) -> str:
    """DOT text of buyer(s) -> supplier -> subcontractors and recruiters, with the countries involved."""
    lines = ["digraph supply_chain {", "  rankdir=LR;", '  node [shape=box, style="rounded,filled", '
             'fontname="Helvetica", fontsize=11, fillcolor="#f1f1f1", color="#999999"];',
             '  edge [color="#777777"];', f'  s [label={dot_quote(supplier)}, fillcolor="#f4a261"];']
    for i, buyer in enumerate(dict.fromkeys(buyers)):
        lines += [f'  b{i} [label={dot_quote(buyer)}, fillcolor="#bcd4e6"];', f'  b{i} -> s [label="buys from"];']
    for i, sub in enumerate(list(dict.fromkeys(subcontractors))[:12]):
        lines += [f"  sub{i} [label={dot_quote(sub)}];", f'  s -> sub{i} [label="subcontracts"];']
    if recruiters:
        lines += [f'  r [label={dot_quote(recruiters, 90)}, shape=ellipse, fillcolor="#ffe8cc"];',
                  '  s -> r [label="recruits through"];']
    for i, (role, listed) in enumerate(countries.items()):
        codes = [c for c in dict.fromkeys(listed) if c]
        if codes:
            label = f"{role}: {', '.join(codes[:8])}" + (" …" if len(codes) > 8 else "")
            lines += [f'  c{i} [label={dot_quote(label, 90)}, shape=note, fillcolor="#ffffff"];',
                      f"  s -> c{i} [style=dashed, arrowhead=none];"]
    lines.append("}")
    return "\n".join(lines)
