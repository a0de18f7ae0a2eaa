"""Collects data problems as rows of the issues table (never exceptions)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from procrisk.schema.columns import ISSUE_NAMES

MAX_VALUE_CHARS = 200


def _text(value: Any) -> str:
    """Render an offending value for the issues table, truncated."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    text = str(value)
    return text if len(text) <= MAX_VALUE_CHARS else text[: MAX_VALUE_CHARS - 1] + "…"


@dataclass
class IssueLog:
    """An append-only list of issues for one input file, turned into a DataFrame at the end."""

    source_file: str
    source_sheet: str = ""
    rows: list[dict[str, Any]] = field(default_factory=list)

    def add(
        self,
        *,
        row: int | None,
        column: str,
        value: Any,
        problem: str,
        fix: str,
        severity: str = "warning",
        code: str,
        table: str = "contracts",
        sheet: str | None = None,
    ) -> None:
        """Record one problem with where it is, what is wrong and how to fix it."""
        self.rows.append({
            "source_file": self.source_file,
            "source_sheet": self.source_sheet if sheet is None else sheet,
            "source_row": row,
            "column": column,
            "value": _text(value),
            "problem": problem,
            "fix": fix,
            "severity": severity,
            "table": table,
            "code": code,
        })

    def extend_frame(self, frame: pd.DataFrame) -> None:
        """Append issues already shaped as a DataFrame (e.g. from a vectorised normaliser)."""
        if frame.empty:
            return
        filled = frame.assign(source_file=self.source_file)
        if "source_sheet" not in filled:
            filled = filled.assign(source_sheet=self.source_sheet)
        filled["value"] = filled["value"].map(_text)
        self.rows.extend(filled[list(ISSUE_NAMES)].to_dict("records"))

    def frame(self) -> pd.DataFrame:
        """All issues as a DataFrame with the issues-table columns, in the order found."""
        df = pd.DataFrame(self.rows, columns=list(ISSUE_NAMES))
        return df.astype({"source_row": "Int64"})

    @property
    def error_rows(self) -> set[tuple[str, int]]:
        """(table, source_row) pairs with at least one error: these rows go to quarantine."""
        return {(r["table"], r["source_row"]) for r in self.rows if r["severity"] == "error"}

    def __len__(self) -> int:
        """Number of issues so far."""
        return len(self.rows)
