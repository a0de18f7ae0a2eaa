"""Session state the pages share: the workspace folder, the contract filters and the widget keys that hold them."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from typing import Any

import streamlit as st

from procrisk.config import load_config
from procrisk.errors import ProcriskError

# Keys of the shared filter widgets; each is also the query parameter that makes a filtered view shareable.
FILTER_KEYS = ("band", "sector", "country", "buyer", "supplier", "rule", "date", "value", "coverage")
SORTS = {
    "exposure": "Exposure (risk x value)",
    "score": "Risk score",
    "award_value": "Award value",
    "award_date": "Award date",
    "coverage": "Coverage",
    "flagged": "Rules flagged",
}


@dataclass(frozen=True)
class Filters:
    """The contract filters of the Overview, Contracts and Reports pages (empty = no constraint)."""

    bands: tuple[str, ...] = ()
    sectors: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    buyers: tuple[str, ...] = ()
    supplier: str = ""
    rules: tuple[str, ...] = ()
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    value_min: float | None = None
    value_max: float | None = None
    coverage_min: float = 0.0

    @property
    def active(self) -> bool:
        """Whether any filter constrains the rows."""
        return self != Filters()

    def as_dict(self) -> dict[str, Any]:
        """The constraints that are set, as plain data (for report headers and file names)."""
        out = {}
        for name, value in asdict(self).items():
            if value in ((), "", None, 0.0):
                continue
            out[name] = list(value) if isinstance(value, tuple) else value
        return out

    def describe(self) -> str:
        """The filters as one line a reader understands ("all contracts" when none is set)."""
        parts = []
        for name, value in self.as_dict().items():
            shown = ", ".join(map(str, value)) if isinstance(value, list) else str(value)
            parts.append(f"{name.replace('_', ' ')}: {shown}")
        return "; ".join(parts) if parts else "all contracts"


def workspace() -> str:
    """The workspace folder the dashboard reads: PROCRISK_WORKSPACE, else ./procrisk-workspace."""
    try:
        return str(load_config().workspace_path)
    except ProcriskError as exc:  # a malformed PROCRISK_* variable: say so on the page
        st.error(f"Settings problem: {exc}")
        st.stop()
        raise


def prefixed(page: str, name: str) -> str:
    """A page-specific session key, e.g. ``prefixed("ct", "page")`` -> ``ct_page``."""
    return f"{page}_{name}"
