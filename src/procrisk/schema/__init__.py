"""Canonical tables, their Parquet types and the issues-table shape."""

from procrisk.schema.columns import CONTRACTS, ISSUE_COLUMNS, ISSUE_NAMES, PROVENANCE, SUPPLIERS, TABLES, Column, Table
from procrisk.schema.issues import IssueLog

__all__ = [
    "CONTRACTS", "ISSUE_COLUMNS", "ISSUE_NAMES", "PROVENANCE", "SUPPLIERS", "TABLES", "Column", "IssueLog", "Table",
]
