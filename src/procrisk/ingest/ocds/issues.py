"""Collects OCDS data defects as issue rows, capping repeated warnings so a big file's issues stay usable."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from procrisk.schema.issues import IssueLog

WARNING_CAP = 500  # warnings listed per (code, column); errors are never capped (each one quarantines a row)


@dataclass(frozen=True)
class Issue:
    """One data problem found in an OCDS file, before it is written to the IssueLog."""

    row: int | None
    column: str
    value: Any
    problem: str
    fix: str
    code: str
    severity: str = "warning"
    table: str = "contracts"
    member: str = ""  # file inside a directory input; "" for a single file


class IssueSink:
    """An append-only list of Issues for one process or one pass over the input."""

    def __init__(self, *, member: str = "") -> None:
        """Start empty; ``member`` names the file inside a directory input the issues come from."""
        self.items: list[Issue] = []
        self.member = member

    def add(
        self,
        row: int | None,
        column: str,
        value: Any,
        problem: str,
        fix: str,
        *,
        code: str,
        severity: str = "warning",
        table: str = "contracts",
    ) -> None:
        """Record one problem at a JSON path of a release (``column``) and its source row."""
        self.items.append(Issue(row, column, value, problem, fix, code, severity, table, self.member))

    def extend(self, other: IssueSink) -> None:
        """Append every issue of ``other``."""
        self.items.extend(other.items)

    def __len__(self) -> int:
        """Number of issues collected."""
        return len(self.items)


def write_issues(issues: list[Issue], log: IssueLog, *, cap: int = WARNING_CAP) -> dict[tuple[str, str], int]:
    """Write issues to ``log`` in source-row order, at most ``cap`` warnings per (code, column).

    Returns the number of warnings left out per (code, column); one summary warning per such pair is added to
    the log so a reader knows more exist.
    """
    ordered = sorted(issues, key=lambda i: -1 if i.row is None else i.row)
    shown: Counter[tuple[str, str]] = Counter()
    left_out: Counter[tuple[str, str]] = Counter()
    first_left_out: dict[tuple[str, str], Issue] = {}
    written: set[tuple[Any, ...]] = set()
    for issue in ordered:
        identity = (issue.row, issue.column, issue.code, issue.member, issue.table, issue.problem)
        if identity in written:  # the same defect reached by two paths (a party and a reference to it)
            continue
        written.add(identity)
        key = (issue.code, issue.column)
        if issue.severity == "warning":
            if shown[key] >= cap:
                left_out[key] += 1
                first_left_out.setdefault(key, issue)
                continue
            shown[key] += 1
        log.add(row=issue.row, column=issue.column, value=issue.value, problem=issue.problem, fix=issue.fix,
                severity=issue.severity, code=issue.code, table=issue.table, sheet=issue.member or None)
    for key, count in left_out.items():
        first = first_left_out[key]
        log.add(row=None, column=first.column, value="",
                problem=f"{count} more warnings like '{first.problem}' are not listed one by one",
                fix=first.fix, severity="warning", code=first.code, table=first.table)
    return dict(left_out)
