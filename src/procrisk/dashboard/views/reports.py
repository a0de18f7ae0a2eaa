"""Reports: export the contracts of the current filter (CSV now; Excel and PDF from procrisk.report when present)."""

from __future__ import annotations

import streamlit as st

from procrisk.dashboard import components as ui
from procrisk.dashboard import data, state
from procrisk.dashboard.filters import filter_panel

P = "rp"
FORMATS = {"xlsx": ("Excel evidence pack", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
           "pdf": ("PDF report", "application/pdf"), "csv": ("CSV tables (zip)", "application/zip")}


def key(name: str) -> str:
    """This page's session key for ``name``."""
    return state.prefixed(P, name)


def auditor_files(ws: str, run: str, filters: state.Filters) -> None:
    """Download buttons for the auditor reports (procrisk.report) of the current filter, built on click."""
    scope, left_out = data.report_scope(filters)
    st.markdown(f"**Auditor reports** (procrisk.report, verifiable with `procrisk verify`): {ui.md(scope.describe())}")
    if left_out:
        st.caption("These reports apply band, award period, one buyer and the supplier text; "
                   f"{', '.join(left_out)} apply to the contracts CSV only.")
    cols = st.columns(len(FORMATS))
    for col, (fmt, (label, mime)) in zip(cols, FORMATS.items(), strict=True):
        col.download_button(
            f"Download the {label}", data=lambda fmt=fmt: data.report_bytes(ws, run, filters, fmt),
            file_name=f"procrisk-report-{run}.{'zip' if fmt == 'csv' else fmt}", mime=mime, key=key(fmt),
            icon=":material/description:", on_click="ignore")


def render() -> None:
    """The reports page."""
    ws = state.workspace()
    st.title("Reports")
    run = data.latest_run(ws)
    if run is None:
        ui.no_run(data.status(ws))
        return
    filters = filter_panel(data.options(ws, run))
    summary = data.summary(ws, run, filters)
    st.markdown(f"**{summary['contracts']:,} contracts** in the export ({ui.md(filters.describe())}), "
                f"from scoring run `{ui.md(run)}`.")
    ui.band_counts(summary["bands"])
    st.caption("Set the filters in the sidebar (they are shared with the Overview and Contracts pages). "
               "Files list contracts largest exposure first; cells are safe to open in a spreadsheet.")
    ui.csv_download("Download the filtered contracts (CSV)", lambda: data.filtered_export(ws, run, filters),
                    f"procrisk-contracts-{run}.csv", key("contracts"))
    auditor_files(ws, run, filters)
    with st.expander("Preview (first 20 rows)"):
        st.dataframe(data.filtered_export(ws, run, filters, limit=20), hide_index=True, width="stretch")


render()
