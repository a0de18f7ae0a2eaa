"""The shared contract filters in the sidebar (Overview, Contracts, Reports), bound to the URL.

Kept apart from ``components`` and importing neither pandas nor the scoring package: a page sends its sidebar to the
browser first, and the browser draws it while the server loads those for the rest of the page.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import streamlit as st

from procrisk.dashboard.data import Options
from procrisk.dashboard.state import Filters


def filter_panel(opts: Options) -> Filters:
    """The shared contract filters in the sidebar, bound to the URL so a filtered view can be shared."""
    common: dict[str, Any] = {"bind": "query-params", "persist_state": "session"}
    with st.sidebar:
        st.subheader("Filters")
        bands = st.multiselect("Risk band", opts.bands, key="band", **common)
        sectors = st.multiselect("Sector", opts.sectors, key="sector", **common)
        countries = st.multiselect("Supplier country", opts.countries, key="country", **common)
        buyers = st.multiselect("Buyer", opts.buyers, key="buyer", **common)
        supplier = st.text_input("Supplier name contains", key="supplier", **common)
        rules = st.multiselect("Rule flagged (any of)", [c for c, _ in opts.rules], key="rule",
                               format_func=dict(opts.rules).get, **common)
        left, right = st.columns(2)
        date_from = left.date_input("Awarded from", value=None, min_value=opts.first_date,
                                    max_value=opts.last_date, key="from", **common)
        date_to = right.date_input("Awarded to", value=None, min_value=opts.first_date,
                                   max_value=opts.last_date, key="to", **common)
        value_min = left.number_input("Value from", value=None, min_value=0.0, step=1000.0, key="min_value",
                                      **common)
        value_max = right.number_input("Value to", value=None, min_value=0.0, step=1000.0, key="max_value",
                                       **common)
        coverage = st.slider("Coverage at least (%)", 0, 100, 0, step=5, key="coverage", **common)
    return Filters(
        bands=tuple(bands), sectors=tuple(sectors), countries=tuple(countries), buyers=tuple(buyers),
        supplier=(supplier or "").strip(), rules=tuple(rules),
        date_from=date_from if isinstance(date_from, dt.date) else None,
        date_to=date_to if isinstance(date_to, dt.date) else None,
        value_min=value_min, value_max=value_max, coverage_min=coverage / 100.0,
    )
