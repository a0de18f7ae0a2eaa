"""Suppliers: one profile with contracts, aggregated risk, questionnaire gaps, name variants and the supply chain."""

from __future__ import annotations

import math

import pandas as pd
import streamlit as st

from procrisk.dashboard import components as ui
from procrisk.dashboard import data, state
from procrisk.errors import ProcriskError

P = "sp"
LIST_COLUMNS = ["exposure_rank", "supplier_name", "supplier_id", "band", "score", "own_score", "contracts", "spend",
                "currency", "has_questionnaire"]
CONTRACT_COLUMNS = ["contract_id", "title", "buyer_name", "award_date", "award_value", "currency", "score", "band",
                    "coverage", "fired"]
RECRUITMENT = (("uses_labour_recruiters", "uses recruiters"), ("recruiters_licensed", "licensed"),
               ("recruiter_names_disclosed", "named"), ("recruitment_fee_payer", "fees paid by"))


def key(name: str) -> str:
    """This page's session key for ``name``."""
    return state.prefixed(P, name)


def _list(value: object) -> list[str]:
    """A list cell (or None) as a list of text."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return []
    if isinstance(value, str):
        return [value]
    try:
        return [str(v) for v in value if v is not None]
    except TypeError:
        return [str(value)]


def supply_chain(ws: str, run: str, name: str, exp: object, contracts: pd.DataFrame) -> None:
    """The buyer -> supplier -> subcontractors / recruiters picture, with the countries involved."""
    ids = tuple(contracts["contract_id"].astype(str)) if "contract_id" in contracts else ()
    chain = data.supply_chain(ws, run, ids[:500]) if ids else None
    row = exp.rows[0] if exp.rows else {}
    subs = [s for cell in (chain["subcontractors"] if chain is not None else []) for s in _list(cell)]
    answers = [f"{label}: {row.get(col)}" for col, label in RECRUITMENT if row.get(col) is not None]
    recruiters = "Labour recruiters (" + "; ".join(answers) + ")" if answers else None
    countries = {
        "registered": _list(row.get("supplier_country")) or (
            contracts["supplier_country"].dropna().astype(str).unique().tolist() if "supplier_country" in contracts
            else []),
        "production sites": _list(row.get("production_countries")),
        "origin of goods": _list(row.get("origin_countries")) + (
            chain["origin_country"].dropna().astype(str).unique().tolist() if chain is not None else []),
        "delivery": chain["delivery_country"].dropna().astype(str).unique().tolist() if chain is not None else [],
    }
    buyers = contracts["buyer_name"].dropna().astype(str).unique().tolist()[:8] if "buyer_name" in contracts else []
    st.graphviz_chart(ui.supply_chain_dot(name, buyers, subs, recruiters, countries), width="stretch")
    if not subs and not recruiters:
        st.caption("No subcontractors are named and the questionnaire says nothing about recruiters: ask for both.")


def profile(ws: str, run: str, supplier: dict) -> None:
    """Everything about one supplier."""
    sid = str(supplier["supplier_id"])
    try:
        exp = data.supplier_explanation(ws, run, sid)
    except ProcriskError as exc:
        st.error(str(exc))
        return
    name = supplier.get("supplier_name") or sid
    key = supplier.get("resolved_supplier_key")
    contracts = data.supplier_contracts(ws, run, str(key)) if isinstance(key, str) and key else exp.contracts
    st.subheader(ui.md(name))
    st.markdown(f"{ui.badge(supplier.get('band'))} supplier id `{ui.md(sid)}`")
    cols = st.columns(5)
    cols[0].metric("Supplier score", f"{supplier.get('score', 0):.0f}",
                   help="Aggregated from its contracts and its own questionnaire answers")
    own = supplier.get("own_score")
    cols[1].metric("Questionnaire score", "–" if own is None or pd.isna(own) else f"{own:.0f}")
    cols[2].metric("Contracts", f"{int(supplier.get('contracts') or 0):,}")
    currency = str(supplier.get("currency") or "")
    cols[3].metric("Spend" if currency in ("", "mixed") else f"Spend ({currency})", ui.money(supplier.get("spend")),
                   help="Summed across currencies, not converted" if currency == "mixed" else None)
    cols[4].metric("Questionnaire", "answered" if supplier.get("has_questionnaire") else "missing")
    variants = sorted(set(_list(supplier.get("variants"))) | set(
        contracts["supplier_name"].dropna().astype(str) if "supplier_name" in contracts else []))
    ids = _list(supplier.get("ids"))
    st.markdown("**Name variants resolved into this supplier:** " + (", ".join(ui.md(v) for v in variants) or "none"))
    if ids:
        st.caption("Identifiers: " + ", ".join(ui.md(i) for i in ids))
    tab_chain, tab_contracts, tab_flags, tab_gaps = st.tabs(
        ["Supply chain", "Contracts", "Questionnaire findings", "Questionnaire gaps"])
    with tab_chain:
        supply_chain(ws, run, str(name), exp, contracts)
    with tab_contracts:
        cols_present = [c for c in CONTRACT_COLUMNS if c in contracts]
        st.dataframe(contracts[cols_present], hide_index=True, width="stretch",
                     column_config=ui.CONTRACT_COLUMNS)
    supplier_findings = [f for f in exp.findings if f.entity_type == "supplier"]
    with tab_flags:
        flagged = [f for f in supplier_findings if f.outcome == "flagged"]
        if not flagged:
            st.info("No questionnaire rule flagged this supplier.")
        for f in flagged:
            ui.finding(f)
    with tab_gaps:
        gaps = [f for f in supplier_findings if f.outcome == "not_assessed"]
        st.caption(f"{len(gaps)} questionnaire rules could not be decided: ask the supplier for these answers.")
        st.dataframe(ui.findings_table(gaps), hide_index=True, width="stretch")


def render() -> None:
    """The suppliers page."""
    ws = state.workspace()
    st.title("Suppliers")
    run = data.latest_run(ws)
    if run is None:
        ui.no_run(data.status(ws))
        return
    table = data.suppliers(ws, run)
    left, right = st.columns([2, 1])
    text = left.text_input("Find a supplier (name or id)", key=key("search"))
    bands = right.multiselect("Band", ["critical", "high", "medium", "low"], key=key("band"))
    shown = table
    if text:
        hay = shown["supplier_name"].astype(str) + " " + shown["supplier_id"].astype(str)
        shown = shown[hay.str.contains(text, case=False, regex=False)]
    if bands:
        shown = shown[shown["band"].astype(str).isin(bands)]
    st.caption(f"{len(shown):,} of {len(table):,} suppliers, largest exposure first. Select one to see its profile.")
    listed = shown.head(1000)[[c for c in LIST_COLUMNS if c in shown]].reset_index(drop=True)
    event = st.dataframe(listed, key=key("table"), hide_index=True, width="stretch", height=300,
                         on_select="rerun", selection_mode="single-row", column_config={
                             "exposure_rank": st.column_config.NumberColumn("Rank", format="%d"),
                             "score": st.column_config.ProgressColumn("Score", min_value=0, max_value=100,
                                                                      format="%.0f"),
                             "own_score": st.column_config.NumberColumn("Questionnaire score", format="%.0f"),
                             "spend": st.column_config.NumberColumn("Spend", format="%,.0f")})
    rows = event.selection.rows if event is not None and hasattr(event, "selection") else []
    ids = listed["supplier_id"].astype(str).tolist()
    if rows:
        st.session_state[key("open")] = ids[rows[0]]
    names = dict(zip(ids, listed["supplier_name"].astype(str), strict=True))
    current = st.session_state.get(key("open"))
    if current and current not in ids:
        ids = [current, *ids]
    chosen = st.selectbox("Supplier profile", ids, index=0 if ids and not current else None, key=key("open"),
                          format_func=lambda i: f"{names.get(i, i)} ({i})")
    if chosen:
        picked = table[table["supplier_id"].astype(str) == chosen]
        if not picked.empty:
            profile(ws, run, picked.iloc[0].to_dict())


render()
