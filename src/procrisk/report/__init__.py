"""Auditor reports: Excel and PDF evidence packs, CSV / Parquet exports, and their verification.

Public API (the CLI's ``procrisk report`` / ``procrisk verify`` and the dashboard call only these):

* ``Filters.make(buyer=, supplier=, period=, bands=)``: the scope of a report.
* ``report_data(workspace, filters=, run_id=, results=) -> ReportData``: the content, built once.
* ``write_report(data, out, fmt=None) -> Written``: xlsx, pdf (a file) or csv, parquet (a folder).
* ``render(data, fmt) -> bytes``: the same as bytes (csv and parquet as a zip), for download buttons.
* ``make_report(workspace, out, fmt=None, filters=, run_id=) -> Written``: both steps.
* ``verify(report, workspace) -> VerifyResult``: recompute from the workspace; ``matches`` or the differences.
"""

from __future__ import annotations

import io
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from procrisk.api import Results, load_results
from procrisk.config import Config
from procrisk.errors import UsageError
from procrisk.report.data import ReportData, build_report_data
from procrisk.report.filters import BANDS, Filters, parse_period
from procrisk.report.inputs import load_inputs, stale_batches
from procrisk.report.verify import VerifyResult, verify

FORMATS = ("xlsx", "pdf", "csv", "parquet")


@dataclass(frozen=True)
class Written:
    """What a report wrote: the path, its files, content digest, rows per table, scope and notes for the user."""

    path: Path
    files: tuple[Path, ...]
    digest: str
    counts: dict[str, int]
    scope: str = ""
    notes: tuple[str, ...] = ()


def report_data(workspace: Path | str | None = None, *, filters: Filters | None = None, run_id: str | None = None,
                results: Results | None = None, title: str | None = None, config: Config | None = None) -> ReportData:
    """The content of a report on a stored scoring run (the latest by default) within ``filters``."""
    results = results if results is not None else load_results(workspace, run_id, config=config)
    data = build_report_data(results, filters, inputs=load_inputs(results, workspace, config=config), title=title)
    changed = stale_batches(results, workspace, config=config)
    if changed:
        data.notes.append("The workspace changed after this scoring run (" + "; ".join(changed) + "); run "
                          "procrisk score to include the changes.")
    return data


def format_of(out: Path | str, fmt: str | None) -> str:
    """The report format: given, or from the output's suffix (.xlsx, .pdf; a folder needs --format)."""
    if fmt:
        if fmt not in FORMATS:
            msg = f"unknown report format {fmt!r}; use one of {', '.join(FORMATS)}"
            raise UsageError(msg)
        return fmt
    suffix = Path(out).suffix.lower().lstrip(".")
    if suffix in ("xlsx", "pdf"):
        return suffix
    msg = f"{out}: cannot tell the report format from the name; give --format {'|'.join(FORMATS)}"
    raise UsageError(msg)


def write_report(data: ReportData, out: Path | str, fmt: str | None = None) -> Written:
    """Write ``data`` as a workbook, a PDF, or a folder of CSV / Parquet tables with a side-car manifest."""
    from procrisk.report.pdf import write_pdf
    from procrisk.report.tabular import SIDECAR, TABLES, write_tables
    from procrisk.report.xlsx import write_xlsx

    fmt = format_of(out, fmt)
    out = Path(out)
    if fmt in ("xlsx", "pdf") and out.suffix.lower() != f".{fmt}":
        msg = f"{out}: a {fmt} report needs a file name ending in .{fmt}"
        raise UsageError(msg)
    if fmt in ("xlsx", "pdf"):
        out.parent.mkdir(parents=True, exist_ok=True)
        payload = (write_xlsx if fmt == "xlsx" else write_pdf)(data, out)
        files: tuple[Path, ...] = (out,)
    else:
        payload = write_tables(data, out, fmt)
        files = (*(out / f"{name}.{fmt}" for name in TABLES), out / SIDECAR)
    return Written(out, files, payload["digest"], dict(payload["counts"]), data.filters.describe(), tuple(data.notes))


def render(data: ReportData, fmt: str) -> bytes:
    """The report as bytes: the .xlsx or .pdf file, or a zip of the CSV / Parquet folder."""
    fmt = format_of("", fmt)
    with tempfile.TemporaryDirectory(prefix="procrisk-report-") as tmp:
        target = Path(tmp) / (f"report.{fmt}" if fmt in ("xlsx", "pdf") else "report")
        written = write_report(data, target, fmt)
        if fmt in ("xlsx", "pdf"):
            return target.read_bytes()
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in written.files:
                archive.write(path, f"procrisk-report/{path.name}")
        return out.getvalue()


def make_report(workspace: Path | str | None, out: Path | str, fmt: str | None = None, *,
                filters: Filters | None = None, run_id: str | None = None, title: str | None = None,
                config: Config | None = None) -> Written:
    """Build the report data of a workspace's scoring run and write it."""
    fmt = format_of(out, fmt)
    data = report_data(workspace, filters=filters, run_id=run_id, title=title, config=config)
    return write_report(data, out, fmt)


__all__ = ["BANDS", "FORMATS", "Filters", "ReportData", "VerifyResult", "Written", "build_report_data",
           "format_of", "make_report", "parse_period", "render", "report_data", "verify", "write_report"]
