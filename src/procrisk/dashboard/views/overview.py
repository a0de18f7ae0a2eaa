"""Overview: headline KPIs, risk by sector, country, buyer and year, and the top exposures (risk x value)."""

from __future__ import annotations

import streamlit as st

from procrisk.dashboard import data, filters, state, views

P = "ov"
MEASURES = {"contracts": "Contracts", "value": "Award value", "exposure": "Exposure"}
CHARTS = (("sector", "Risk by sector"), ("country", "Risk by supplier country"), ("buyer", "Risk by buyer"),
          ("year", "Risk by award year"))
TOP = 15


def render() -> None:
    """The overview page (the sidebar goes first: the browser draws it while pandas and the charts load)."""
    ws = state.workspace()
    st.title("Overview")
    run = data.latest_run(ws)
    if run is None:
        from procrisk.dashboard import components as ui

        ui.no_run(data.status(ws))
        return
    chosen = filters.filter_panel(data.options(ws, run))
    from procrisk.dashboard import components as ui

    summary = data.summary(ws, run, chosen)
    st.caption(f"Scoring run {run} · {chosen.describe()}")
    ui.kpis(summary)
    ui.band_counts(summary["bands"])
    measure = st.segmented_control("Measure", list(MEASURES), format_func=MEASURES.get, default="contracts",
                                   key=state.prefixed(P, "measure"), required=True)
    if len(summary["other_currencies"]) and measure != "contracts":
        st.caption("Values are summed across currencies as given (no conversion).")
    left, right = st.columns(2)
    for i, (dimension, title) in enumerate(CHARTS):
        with left if i % 2 == 0 else right:
            ui.band_chart(data.breakdown(ws, run, chosen, dimension, measure), title, measure)
    st.subheader("Top exposures (risk x value)")
    top = data.page(ws, run, chosen, "exposure", True, 0, TOP, with_fired=False)
    picked = ui.contracts_grid(top, key=state.prefixed(P, "top"))
    if picked:
        st.switch_page(views.page("contracts"), query_params={"contract": picked})
    st.caption("Select a row to open its explanation on the Contracts page.")
    data.warm(ws, run)


render()
