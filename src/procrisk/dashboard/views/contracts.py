"""Contracts: filter and sort every scored contract, then open one to see each finding and what data is missing."""

from __future__ import annotations

import math

import streamlit as st

from procrisk.dashboard import components as ui
from procrisk.dashboard import data, state
from procrisk.dashboard.filters import filter_panel
from procrisk.errors import ProcriskError

P = "ct"
PAGE_SIZES = (50, 100, 250, 500)


def key(name: str) -> str:
    """This page's session key for ``name``."""
    return state.prefixed(P, name)


def explanation(ws: str, run: str, contract_id: str) -> None:
    """The drill-down of one contract: score, flagged findings, not-assessed rules, and the rest."""
    try:
        exp = data.explanation(ws, run, contract_id)
    except ProcriskError as exc:
        st.error(str(exc))
        return
    score = exp.score
    st.subheader(f"Contract {contract_id}")
    st.markdown(f"{ui.badge(score.get('band'))} **{ui.md(score.get('title') or '')}**")
    st.caption(" · ".join(ui.md(x) for x in (score.get("supplier_name"), score.get("buyer_name"),
                                             score.get("sector_label"), score.get("award_date")) if x))
    cols = st.columns(6)
    cols[0].metric("Score", f"{score.get('score', 0):.0f}")
    cols[1].metric("Inherent", _num(score.get("inherent")))
    cols[2].metric("Control gaps", _num(score.get("control_gaps")))
    cols[3].metric("Process", _num(score.get("process")))
    cols[4].metric("Coverage", f"{(score.get('coverage') or 0):.0%}")
    cols[5].metric("Value", ui.money(score.get("award_value"), score.get("currency") or ""))
    if score.get("hard_flags"):
        st.error(f"Hard flag ({ui.md(score['hard_flags'])}): the band is critical whatever the score.")
    flagged, missing = exp.flagged, exp.not_assessed
    st.markdown(f"**{len(flagged)} rules flagged**, {len(missing)} not assessed, "
                f"{sum(f.outcome == 'clear' for f in exp.findings)} clear, "
                f"{sum(f.outcome == 'not_applicable' for f in exp.findings)} not applicable.")
    tab_flag, tab_missing, tab_rest = st.tabs(["Findings", "Not assessed: data that would unlock", "Clear and n/a"])
    with tab_flag:
        if not flagged:
            st.info("No rule flagged this contract.")
        for i, f in enumerate(flagged):
            ui.finding(f, expanded=i == 0)
    with tab_missing:
        st.dataframe(ui.findings_table(missing), hide_index=True, width="stretch")
    with tab_rest:
        rest = [f for f in exp.findings if f.outcome in ("clear", "not_applicable")]
        table = ui.findings_table(rest).rename(columns={"why not decided / what would unlock it": "note"})
        table.insert(2, "outcome", [f.outcome for f in rest])
        st.dataframe(table, hide_index=True, width="stretch")


def _num(value: float | None) -> str:
    """A sub-score as text ('–' when no rule of that part applies)."""
    return "–" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value:.0f}"


def render() -> None:
    """The contracts page."""
    ws = state.workspace()
    st.title("Contracts")
    run = data.latest_run(ws)
    if run is None:
        ui.no_run(data.status(ws))
        return
    filters = filter_panel(data.options(ws, run))
    total = data.count(ws, run, filters)
    left, mid, right, last = st.columns([2, 1, 1, 1])
    sort = left.selectbox("Sort by", list(state.SORTS), format_func=state.SORTS.get, key=key("sort"),
                          bind="query-params")
    descending = mid.toggle("Highest first", value=True, key=key("desc"))
    size = right.selectbox("Rows per page", PAGE_SIZES, key=key("size"))
    pages = max(1, math.ceil(total / size))
    number = last.number_input(f"Page (of {pages:,})", min_value=1, max_value=pages, value=1, key=key("page"))
    start = (int(number) - 1) * size
    st.caption(f"{total:,} contracts match ({filters.describe()}); showing {start + 1:,}–"
               f"{min(start + size, total):,}.")
    rows = data.page(ws, run, filters, sort, descending, start, size)
    selected = ui.contracts_grid(rows, key=key("table"), height=420)
    if selected and selected != st.session_state.get(key("selected")):
        st.session_state[key("selected")] = st.session_state[key("open")] = selected
    if key("open") not in st.session_state and st.query_params.get("contract"):
        st.session_state[key("open")] = st.query_params["contract"]
    current = st.session_state.get(key("open"))
    options = rows["contract_id"].astype(str).tolist() if not rows.empty else []
    if current and current not in options:
        options = [current, *options]
    chosen = st.selectbox("Open a contract", options, index=None, key=key("open"),
                          placeholder="Choose a contract, or select a row above")
    if chosen:
        st.query_params["contract"] = chosen
        explanation(ws, run, chosen)
    elif "contract" in st.query_params:
        del st.query_params["contract"]
    if rows.empty:
        st.info("No contract matches these filters.")


render()
