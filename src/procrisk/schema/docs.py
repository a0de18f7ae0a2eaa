"""Render the canonical data model as Markdown (docs/data-model.md is generated from this, and tested)."""

from __future__ import annotations

from procrisk.schema.columns import ISSUE_COLUMNS, KINDS, PROVENANCE, TABLES, Column

HEADER = """# Data model

Generated from `src/procrisk/schema/columns.py` by `python -m procrisk.schema.docs > docs/data-model.md`;
a test fails when this file is out of date. Missing is a first-class value: an unanswered question stays
empty (null), never "no" or 0. Input columns with no canonical meaning are kept, as JSON, in `extras`.

Kinds: """ + ", ".join(f"`{k}`" for k in KINDS) + ".\n"


def _row(column: Column) -> str:
    """One Markdown table row for a column."""
    allowed = ", ".join(column.allowed) if column.allowed else ""
    synonyms = ", ".join(column.synonyms[:6]) + (" …" if len(column.synonyms) > 6 else "")
    flags = " (required)" if column.required else (" (derived)" if column.derived else "")
    meaning = column.meaning.replace("|", "\\|")
    return f"| `{column.name}`{flags} | {column.kind} | {meaning} | {allowed} | {synonyms} |"


def render_data_model() -> str:
    """The whole data-model document."""
    parts = [HEADER]
    for table in TABLES.values():
        parts.append(f"\n## `{table.name}`\n\nGrain: {table.grain}. Key: `{table.key}`.\n")
        parts.append("| column | kind | meaning | allowed values | header synonyms (first six) |")
        parts.append("| --- | --- | --- | --- | --- |")
        parts.extend(_row(c) for c in table.columns)
    parts.append("\n## Provenance columns (every stored row)\n")
    parts.append("| column | kind | meaning | | |\n| --- | --- | --- | --- | --- |")
    parts.extend(_row(c) for c in PROVENANCE)
    parts.append("\n## Issues table\n\nOne row per data problem; an `error` sends its row to quarantine.\n")
    parts.append("| column | kind | meaning | allowed values | |\n| --- | --- | --- | --- | --- |")
    parts.extend(_row(c) for c in ISSUE_COLUMNS)
    return "\n".join(parts) + "\n"


if __name__ == "__main__":
    print(render_data_model(), end="")
