"""Data quality and coverage: which rules the data supports, which fields are missing, and the issues per source."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from procrisk.dashboard import components as ui
from procrisk.dashboard import data, state
from procrisk.errors import ProcriskError
from procrisk.safety import neutralise_frame

P = "dq"


def key(name: str) -> str:
    """This page's session key for ``name``."""
    return state.prefixed(P, name)


def _joined(value: object) -> str:
    """A list cell as comma-separated text."""
    if value is None or isinstance(value, float):
        return ""
    return ", ".join(str(v) for v in value) if not isinstance(value, str) else value


def coverage_section(ws: str, run: str) -> None:
    """Per rule: supported, partial or unsupported, the share assessed and the fields that block it."""
    st.subheader("Which rules the data supports")
    try:
        cov = data.coverage(ws, run)
    except ProcriskError as exc:
        st.error(str(exc))
        return
    counts = cov["status"].value_counts()
    cols = st.columns(3)
    cols[0].metric("Supported", f"{counts.get('supported', 0)}", help="assessed for at least 95 % of the rows")
    cols[1].metric("Partly supported", f"{counts.get('partial', 0)}")
    cols[2].metric("Unsupported", f"{counts.get('unsupported', 0)}", help="no row has the data this rule reads")
    status = st.multiselect("Status", ["supported", "partial", "unsupported"], key=key("status"))
    shown = cov[cov["status"].isin(status)] if status else cov
    shown = shown.assign(absent_fields=shown["absent_fields"].map(_joined),
                         blocking_fields=shown["blocking_fields"].map(_joined))
    st.dataframe(shown, key=key("coverage"), hide_index=True, width="stretch", column_order=[
        "code", "title", "status", "assessed_share", "scope", "pillar", "weight", "applicable", "assessed", "flagged",
        "blocking_fields", "absent_fields"], column_config={
        "assessed_share": st.column_config.ProgressColumn("Assessed", min_value=0, max_value=1, format="percent"),
        "blocking_fields": st.column_config.TextColumn("Fields missing where not assessed"),
        "absent_fields": st.column_config.TextColumn("Fields absent from the data")})


def gaps_section(ws: str, run: str) -> None:
    """The missing fields that would unlock the most rule weight."""
    st.subheader("Which fields are missing")
    try:
        gaps = data.field_gaps(ws, run)
    except ProcriskError as exc:
        st.error(str(exc))
        return
    gaps = gaps.assign(rules=gaps["rules"].map(_joined))
    st.caption("Collect the top fields first: each would let the rules decide where they now cannot.")
    st.dataframe(gaps, key=key("gaps"), hide_index=True, width="stretch", column_config={
        "missing_share": st.column_config.ProgressColumn("Missing", min_value=0, max_value=1, format="percent"),
        "weight_unlocked": st.column_config.NumberColumn("Rule weight unlocked", format="%.2f"),
        "weight_blocked": st.column_config.NumberColumn("Rule weight blocked", format="%.2f")})


def issues_section(ws: str, info: dict) -> None:
    """Batches with their row counts, and the issues per source, filterable and downloadable."""
    st.subheader("Issues per source")
    batches = pd.DataFrame([{
        "file": b["source_file"], "sheet": b.get("source_sheet", ""), "batch": b["batch_id"],
        "rows read": b["rows_read"], "stored": b["rows_stored"], "quarantined": b["rows_quarantined"],
        "errors": b["issues"]["errors"], "warnings": b["issues"]["warnings"], "ingested": b["created_at"],
        "superseded by": b.get("superseded_by") or ""} for b in info["batches"]])
    st.dataframe(batches, hide_index=True, width="stretch")
    live = tuple(b["batch_id"] for b in info["batches"] if not b.get("superseded_by"))
    issues = data.issues(ws, live)
    if issues.empty:
        st.success("No data issues in the live batches.")
        return
    per = issues.groupby(["source_file", "severity", "code"], dropna=False).size().rename("issues").reset_index()
    st.dataframe(per.sort_values("issues", ascending=False), hide_index=True, width="stretch")
    left, right = st.columns(2)
    files = left.multiselect("File", sorted(issues["source_file"].astype(str).unique()), key=key("file"))
    severity = right.multiselect("Severity", ["error", "warning"], key=key("severity"))
    shown = issues
    if files:
        shown = shown[shown["source_file"].astype(str).isin(files)]
    if severity:
        shown = shown[shown["severity"].isin(severity)]
    st.dataframe(shown.head(5000), key=key("issues"), hide_index=True, width="stretch")
    st.caption(f"{len(shown):,} issues" + (" (first 5,000 shown)" if len(shown) > 5000 else ""))
    ui.csv_download("Download these issues (CSV)", lambda: neutralise_frame(shown), "procrisk-issues.csv",
                    key("download"))


def render() -> None:
    """The data quality page."""
    ws = state.workspace()
    st.title("Data quality and coverage")
    info = data.status(ws)
    run = data.latest_run(ws)
    if info is None:
        ui.no_run(info)
        return
    if run is None:
        st.info("Score the workspace to see which rules the data supports.")
    else:
        coverage_section(ws, run)
        gaps_section(ws, run)
    issues_section(ws, info)


render()
