"""The dashboard's pages, listed once: each view is a script run by st.navigation (never imported)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import streamlit as st

HERE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class View:
    """One page: its script, title, icon, URL path and navigation section."""

    script: str
    title: str
    icon: str
    url: str
    section: str


PAGES: tuple[View, ...] = (
    View("overview.py", "Overview", ":material/dashboard:", "overview", "Explore"),
    View("contracts.py", "Contracts", ":material/receipt_long:", "contracts", "Explore"),
    View("suppliers.py", "Suppliers", ":material/factory:", "suppliers", "Explore"),
    View("upload.py", "Upload and map", ":material/upload_file:", "upload", "Data"),
    View("data_quality.py", "Data quality", ":material/fact_check:", "data-quality", "Data"),
    View("rules.py", "Rules and what-if", ":material/rule:", "rules", "Method"),
    View("reports.py", "Reports", ":material/download:", "reports", "Export"),
)
DEFAULT = "overview"


def page(url: str) -> st.Page:
    """The st.Page of the view with this URL path (for st.page_link and st.switch_page)."""
    view = next(v for v in PAGES if v.url == url)
    return st.Page(HERE / view.script, title=view.title, icon=view.icon, url_path=view.url,
                   default=view.url == DEFAULT)


def pages() -> dict[str, list[st.Page]]:
    """Every page, grouped by navigation section in display order."""
    sections: dict[str, list[st.Page]] = {}
    for view in PAGES:
        sections.setdefault(view.section, []).append(page(view.url))
    return sections
