"""Ingest: validate files and store them as workspace batches (the API behind procrisk ingest and the upload page)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from procrisk.config import Config, load_config
from procrisk.errors import UsageError, WorkspaceError
from procrisk.ingest.mapping import Mapping, dump_mapping, load_mapping, propose_mapping
from procrisk.ingest.pipeline import Prepared, Progress, prepare_file, read_tabular
from procrisk.ingest.sniff import detect_format
from procrisk.store import Batch, Workspace


@dataclass
class IngestReport:
    """What one ingest did: the batch committed (or why nothing was stored) and everything found."""

    prepared: Prepared
    batch: dict[str, Any] | None
    skipped: str = ""

    @property
    def summary(self) -> str:
        """One line a user reads first: rows read, stored, quarantined, issues."""
        p = self.prepared
        head = f"{p.source_file}{' [' + p.sheet + ']' if p.sheet else ''}"
        if self.skipped:
            return f"{head}: {self.skipped}"
        batch = f" as batch {self.batch['batch_id']}" if self.batch else " (dry run, nothing stored)"
        return (f"{head}: {p.rows_read} rows read, {p.rows_stored} stored, {p.rows_quarantined} quarantined"
                f"{batch}; {p.errors} errors, {p.warnings} warnings")


def open_workspace(workspace: Path | str | None = None, *, config: Config | None = None) -> Workspace:
    """The workspace named explicitly, or by the settings (PROCRISK_WORKSPACE, then the default folder)."""
    config = config or load_config()
    path = Path(workspace) if workspace is not None else config.workspace_path
    return Workspace(path, lock_timeout=config.lock_timeout, compression=config.compression)


def validate_file(
    path: Path | str, *, table: str | None = None, sheet: str | None = None, mapping: Path | str | None = None,
    config: Config | None = None, progress: Progress | None = None,
) -> Prepared:
    """Read, map, normalise and validate a file without storing it (``procrisk validate``)."""
    config = config or load_config()
    return prepare_file(
        Path(path), table=table, sheet=sheet, mapping=load_mapping(Path(mapping)) if mapping else None,
        dayfirst=config.dayfirst, min_confidence=config.mapping_min_confidence, progress=progress,
    )


def ingest_file(
    path: Path | str, *, workspace: Path | str | None = None, table: str | None = None, sheet: str | None = None,
    mapping: Path | str | None = None, replace: bool = False, config: Config | None = None,
    progress: Progress | None = None,
) -> IngestReport:
    """Ingest one file into the workspace as an immutable batch; an identical re-ingest stores nothing."""
    config = config or load_config()
    prepared = validate_file(path, table=table, sheet=sheet, mapping=mapping, config=config, progress=progress)
    ws = open_workspace(workspace, config=config)
    if not replace:
        existing = ws.find_source(prepared.sha256, prepared.mapping)
        if existing:
            return IngestReport(prepared, None, skipped=(
                f"already ingested as batch {existing['batch_id']} (identical file and mapping); nothing to do. "
                "Use --replace to store it again in place of the old batch"))
    if progress:
        progress("writing", 0.0)
    entry = ws.commit_batch(Batch(
        source_file=prepared.source_file, source_sha256=prepared.sha256, source_kind=prepared.kind,
        tables=prepared.tables, quarantine=prepared.quarantine, issues=prepared.issues,
        rows_read=prepared.rows_read, rows_stored=prepared.rows_stored,
        rows_quarantined=prepared.rows_quarantined, mapping=prepared.mapping, notes=prepared.notes,
        sheet=prepared.sheet, arrow=prepared.arrow,
    ), replace=replace)
    if progress:
        progress("writing", 1.0)
    return IngestReport(prepared, entry)


def suggest_mapping_file(
    path: Path | str, *, table: str | None = None, sheet: str | None = None, config: Config | None = None,
) -> tuple[Mapping, str]:
    """Propose a column mapping for a spreadsheet and render it as an editable YAML file."""
    config = config or load_config()
    path = Path(path)
    kind = detect_format(path)
    if kind == "ocds":
        msg = f"{path.name} is OCDS: it needs no column mapping"
        raise UsageError(msg)
    raw = read_tabular(path, kind, sheet=sheet)
    chosen = propose_mapping(raw.headers, table=table, min_confidence=config.mapping_min_confidence)
    chosen.sheet = raw.sheet or None
    chosen.header_row = raw.header_row
    return chosen, dump_mapping(chosen, source=path.name)


def workspace_status(workspace: Path | str | None = None, *, config: Config | None = None) -> dict[str, Any]:
    """Batches, row counts and issue counts of a workspace (``procrisk status``)."""
    ws = open_workspace(workspace, config=config)
    if not ws.exists:
        msg = (f"no workspace at {ws.path}: ingest a file first (procrisk ingest FILE), or point --workspace "
               "or PROCRISK_WORKSPACE at an existing one")
        raise WorkspaceError(msg)
    batches = ws.batches(include_superseded=True)
    live = [b for b in batches if not b.get("superseded_by")]
    totals: dict[str, int] = {}
    for b in live:
        for name, n in b["table_rows"].items():
            totals[name] = totals.get(name, 0) + n
    return {
        "workspace": str(ws.path),
        "batches": batches,
        "live_batches": len(live),
        "table_rows": totals,
        "rows_quarantined": sum(b["rows_quarantined"] for b in live),
        "errors": sum(b["issues"]["errors"] for b in live),
        "warnings": sum(b["issues"]["warnings"] for b in live),
        "runs": ws.manifest()["runs"],
    }


def read_issues(workspace: Path | str | None = None, *, config: Config | None = None) -> pd.DataFrame:
    """The issues of every live batch."""
    return open_workspace(workspace, config=config).read_issues()
