"""Parquet (Arrow) types of the canonical tables, derived from the column declarations."""

from __future__ import annotations

import pyarrow as pa

from procrisk.schema.columns import ISSUE_COLUMNS, PROVENANCE, TABLES, Column

_ARROW = {
    "text": pa.string(),
    "code": pa.string(),
    "enum": pa.string(),
    "answer": pa.string(),
    "country": pa.string(),
    "currency": pa.string(),
    "bool": pa.bool_(),
    "int": pa.int64(),
    "float": pa.float64(),
    "share": pa.float64(),
    "date": pa.date32(),
    "list": pa.list_(pa.string()),
}


def arrow_type(column: Column) -> pa.DataType:
    """The Arrow type a column is stored as."""
    return _ARROW[column.kind]


def table_schema(table: str) -> pa.Schema:
    """The full stored schema of a canonical table: its columns, then the provenance columns."""
    cols = [*TABLES[table].columns, *[p for p in PROVENANCE if p.name not in TABLES[table]]]
    return pa.schema([pa.field(c.name, arrow_type(c)) for c in cols])


def issues_schema() -> pa.Schema:
    """The stored schema of the issues (and quarantine reasons) table."""
    return pa.schema([pa.field(c.name, arrow_type(c)) for c in ISSUE_COLUMNS])
