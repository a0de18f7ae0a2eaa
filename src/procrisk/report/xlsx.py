"""The Excel evidence pack: Summary, Contracts, Findings, Suppliers, Not assessed, Rules, Data quality, Run manifest.

Every text cell from data is neutralised against formula injection (procrisk.safety); the workbook is a plain
.xlsx (no macros, no external links, no formulas); its content and file bytes depend only on the report data.
"""

from __future__ import annotations

import base64
import io
import math
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.formatting.rule import CellIsRule
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.xml.functions import tostring

from procrisk.report.data import ReportData
from procrisk.report.digest import make_payload, pack
from procrisk.report.manifest import manifest_sections
from procrisk.report.text import LIMITATIONS, REVIEW_NOT_PROOF
from procrisk.report.xlsxbulk import Bulk, Col, finish, letter
from procrisk.safety import neutralise
from procrisk.version import __version__

MAX_ROWS = 1_048_576  # Excel's rows per sheet, header included
VERIFY_SHEET = "_verify"
VERIFY_CHUNK = 32_000
VERIFY_PREFIX = "b64:"
TOP = 10
HEADER_FONT = Font(bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="1F3864")
TITLE_FONT = Font(bold=True, size=14)
SECTION_FONT = Font(bold=True, size=12)
BAND_STYLES = {  # band -> (fill, font colour)
    "critical": ("C00000", "FFFFFF"), "high": ("F4B183", "000000"), "medium": ("FFE699", "000000"),
    "low": ("C6EFCE", "000000"),
}
SCORE, PERCENT, MONEY, WHOLE, DAY = "0.0", "0%", "#,##0.00", "#,##0", "yyyy-mm-dd"

CONTRACTS = (
    Col("exposure_rank", "Rank", "number", 7, "0"), Col("key", "Contract", width=18),
    Col("contract_id", "Contract ID", width=16), Col("title", "Title", width=40), Col("buyer_name", "Buyer", width=28),
    Col("supplier_name", "Supplier", width=28), Col("supplier_country", "Supplier country", width=9),
    Col("origin_country", "Origin country", width=9), Col("cpv_division", "CPV division", width=9),
    Col("procurement_method", "Procedure", width=10), Col("award_date", "Award date", "date", 11, DAY),
    Col("award_value", "Award value", "number", 15, MONEY), Col("currency", "Currency", width=8),
    Col("score", "Score", "number", 8, SCORE), Col("band", "Band", width=10),
    Col("hard_flags", "Hard flags", width=12),
    Col("inherent", "Inherent risk", "number", 9, SCORE), Col("control_gaps", "Control gaps", "number", 9, SCORE),
    Col("process", "Process red flags", "number", 9, SCORE), Col("coverage", "Coverage", "number", 9, PERCENT),
    Col("flagged", "Rules flagged", "number", 8, "0"), Col("not_assessed", "Rules not assessed", "number", 9, "0"),
    Col("exposure", "Exposure (score x value)", "number", 15, WHOLE), Col("top_reasons", "Top reasons", width=60),
    Col("source_file", "Source file", width=22), Col("source_row", "Source row", "number", 8, "0"),
)
FINDINGS = (
    Col("key", "Contract", width=18), Col("contract_id", "Contract ID", width=16),
    Col("supplier_name", "Supplier", width=26), Col("buyer_name", "Buyer", width=26), Col("rule_code", "Rule", width=7),
    Col("rule_version", "Rule version", "number", 7, "0"), Col("title", "Finding", width=32),
    Col("pillar", "Pillar", width=13), Col("scope", "Read from", width=9), Col("weight", "Weight", "number", 7, "0"),
    Col("hard_flag", "Hard flag", "bool", 7), Col("explanation", "Explanation", width=70),
    Col("evidence", "Evidence (raw values)", width=50), Col("thresholds", "Thresholds", width=20),
    Col("citation", "Citation", width=45), Col("action", "Recommended action", width=70),
)
SUPPLIERS = (
    Col("exposure_rank", "Rank", "number", 7, "0"), Col("supplier_id", "Supplier ID", width=18),
    Col("supplier_name", "Supplier", width=30), Col("has_questionnaire", "Questionnaire", "bool", 9),
    Col("contracts", "Contracts", "number", 9, "0"), Col("spend", "Spend", "number", 15, MONEY),
    Col("currency", "Currency", width=8), Col("score", "Score", "number", 8, SCORE), Col("band", "Band", width=10),
    Col("hard_flag", "Hard flag", "bool", 7), Col("contract_score_mean", "Mean contract score", "number", 9, SCORE),
    Col("contract_score_max", "Worst contract score", "number", 9, SCORE), Col("worst_band", "Worst band", width=10),
    Col("own_score", "Own answers score", "number", 9, SCORE),
    Col("own_coverage", "Own coverage", "number", 9, PERCENT),
    Col("own_flags", "Own answers flagged", width=30), Col("exposure", "Exposure (score x spend)", "number", 15, WHOLE),
)
NOT_ASSESSED = (
    Col("rule_code", "Rule", width=7), Col("title", "Rule title", width=32), Col("scope", "Read from", width=9),
    Col("weight", "Weight", "number", 7, "0"), Col("applicable", "Contracts it applies to", "number", 10, WHOLE),
    Col("not_assessed", "Not assessed", "number", 10, WHOLE), Col("share", "Share not assessed", "number", 9, PERCENT),
    Col("missing", "Missing data (contracts)", width=50), Col("unlock", "What would unlock it", width=60),
)
FIELD_GAPS = (
    Col("field", "Field", width=30), Col("table", "Table", width=10), Col("rules", "Rules it would unlock", width=40),
    Col("contracts", "Contracts missing it", "number", 10, WHOLE),
    Col("weight_blocked", "Rule weight blocked (weight x contracts)", "number", 12, WHOLE),
)
RULES = (
    Col("rule_code", "Rule", width=7), Col("title", "Title", width=30), Col("pillar", "Pillar", width=13),
    Col("scope", "Scope", width=9), Col("severity", "Severity", width=9),
    Col("weight", "Weight used", "number", 7, "0"),
    Col("hard_flag", "Hard flag", "bool", 7), Col("unknown_risk", "Unknown risk", "number", 8, "0.00"),
    Col("version", "Version", "number", 7, "0"), Col("check", "Check", width=20), Col("params", "Parameters", width=40),
    Col("thresholds", "Thresholds computed", width=30), Col("requires", "Requires", width=30),
    Col("citation", "Citation", width=50), Col("summary", "Summary", width=60), Col("why", "Why it matters", width=60),
    Col("action", "Recommended action", width=60), Col("exclusions", "Exclusions", width=40),
    Col("assumptions", "Assumptions", width=40), Col("flagged", "Flagged", "number", 8, WHOLE),
    Col("clear", "Clear", "number", 8, WHOLE), Col("not_assessed", "Not assessed", "number", 8, WHOLE),
    Col("not_applicable", "Not applicable", "number", 8, WHOLE),
)
SOURCES = (
    Col("batch_id", "Batch", width=20), Col("source_file", "Source file", width=30),
    Col("source_kind", "Kind", width=8),
    Col("source_sha256", "SHA-256", width=66), Col("rows_read", "Rows read", "number", 10, WHOLE),
    Col("rows_stored", "Rows stored", "number", 10, WHOLE), Col("rows_quarantined", "Quarantined", "number", 10, WHOLE),
    Col("errors", "Errors", "number", 8, WHOLE), Col("warnings", "Warnings", "number", 8, WHOLE),
)
ISSUES = (
    Col("source_file", "Source file", width=30), Col("source_sheet", "Sheet", width=12),
    Col("table", "Table", width=10),
    Col("severity", "Severity", width=8), Col("column", "Column", width=22), Col("code", "Problem code", width=22),
    Col("issues", "Rows", "number", 8, WHOLE), Col("problem", "Problem", width=50), Col("fix", "Fix", width=50),
    Col("example_rows", "Example rows", width=20), Col("example_values", "Example values", width=30),
)


def cell_value(value: Any) -> Any:
    """A value openpyxl can write: missing None, numpy scalars as Python, timestamps as dates, text neutralised."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.date() if value == value.normalize() else value.to_pydatetime()
    if isinstance(value, list | tuple | np.ndarray):
        return neutralise("; ".join(str(x) for x in value))
    return neutralise(value) if isinstance(value, str) else value


def _header(ws: Worksheet, row: int, columns: Sequence[Col]) -> None:
    """A styled header row and the column widths."""
    for j, col in enumerate(columns, start=1):
        cell = ws.cell(row=row, column=j, value=col.header)
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        current = ws.column_dimensions[letter(j)].width or 0
        ws.column_dimensions[letter(j)].width = max(current, col.width)


def _band_rules(ws: Worksheet, ref: str) -> None:
    """Colour band names in a range: critical red, high orange, medium yellow, low green."""
    for band, (fill, font) in BAND_STYLES.items():
        ws.conditional_formatting.add(ref, CellIsRule(operator="equal", formula=[f'"{band}"'],
                                                      fill=PatternFill("solid", fgColor=fill, bgColor=fill),
                                                      font=Font(color=font)))


def _band_columns(ws: Worksheet, columns: Sequence[Col], first: int, last: int) -> None:
    """Band colouring on every band column of a table spanning rows first..last."""
    for j, col in enumerate(columns, start=1):
        if col.name in ("band", "worst_band") and last >= first:
            _band_rules(ws, f"{letter(j)}{first}:{letter(j)}{last}")


def _table(ws: Worksheet, top: int, frame: pd.DataFrame, columns: Sequence[Col], *, data: bool = True) -> int:
    """Write a small table (header at row ``top``) with openpyxl; returns the next free row."""
    _header(ws, top, columns)
    values = frame.reindex(columns=[c.name for c in columns])
    for i, record in enumerate(values.itertuples(index=False, name=None), start=top + 1):
        for j, (col, value) in enumerate(zip(columns, record, strict=True), start=1):
            cell = ws.cell(row=i, column=j, value=cell_value(value) if data else value)
            if col.number_format:
                cell.number_format = col.number_format
    _band_columns(ws, columns, top + 1, top + len(values))
    return top + len(values) + 2


def _bulk_sheet(wb: Workbook, title: str, frame: pd.DataFrame, columns: Sequence[Col], freeze: str) -> Bulk:
    """A big sheet: header, one styled template row, filter, frozen header and band colours; rows come later."""
    ws = wb.create_sheet(title)
    _header(ws, 1, columns)
    for j, col in enumerate(columns, start=1):
        cell = ws.cell(row=2, column=j)
        if col.number_format:
            cell.number_format = col.number_format
    last = len(frame) + 1
    ws.auto_filter.ref = f"A1:{letter(len(columns))}{max(last, 1)}"
    ws.freeze_panes = freeze
    _band_columns(ws, columns, 2, last)
    return Bulk(title, frame, tuple(columns))  # text is neutralised and escaped as the rows are streamed


def _parts(frame: pd.DataFrame) -> list[pd.DataFrame]:
    """A frame cut into pieces that fit on one sheet each, below a header (at least one piece)."""
    limit = MAX_ROWS - 1
    if len(frame) <= limit:
        return [frame]
    return [frame.iloc[i:i + limit] for i in range(0, len(frame), limit)]


def _chart(ws: Worksheet, title: str, labels: Reference, values: Reference, anchor: str, *, horizontal: bool) -> None:
    """A bar chart of one table column, placed at ``anchor``."""
    chart = BarChart()
    chart.type = "bar" if horizontal else "col"
    chart.title = title
    chart.legend = None
    chart.height, chart.width = 7.5, 16
    chart.add_data(values, titles_from_data=True)
    chart.set_categories(labels)
    ws.add_chart(chart, anchor)


def _summary(wb: Workbook, data: ReportData) -> None:
    """Title, scope, key figures, bands and most frequent flags (with charts), top contracts and suppliers."""
    ws = wb.active
    ws.title = "Summary"
    ws["A1"] = cell_value(data.title)
    ws["A1"].font = TITLE_FONT
    ws["A2"] = cell_value(f"Scope: {data.filters.describe()}")
    ws["A3"] = cell_value(f"Scoring run {data.run_id} of {data.created_at}; reference date {data.as_of}")
    ws["A4"] = REVIEW_NOT_PROOF
    ws["A4"].font = Font(italic=True)
    ws.column_dimensions["A"].width = 42
    ws.column_dimensions["B"].width = 40
    row = 6
    ws.cell(row=row, column=1, value="Key figures").font = SECTION_FONT
    for label, value in data.summary:
        row += 1
        ws.cell(row=row, column=1, value=label)
        cell = ws.cell(row=row, column=2, value=cell_value(value))
        cell.alignment = Alignment(horizontal="left")
        if isinstance(value, float) and "coverage" in label.lower():
            cell.number_format = PERCENT
        elif isinstance(value, int):
            cell.number_format = WHOLE
    row += 2
    ws.cell(row=row, column=1, value="Contracts by band").font = SECTION_FONT
    band_cols = (Col("band", "Band"), Col("contracts", "Contracts", "number", number_format=WHOLE),
                 Col("share", "Share", "number", number_format=PERCENT),
                 Col("hard_flagged", "Forced critical by a hard flag", "number", number_format=WHOLE))
    top = row + 1
    row = _table(ws, top, data.bands, band_cols)
    _chart(ws, "Contracts by band", Reference(ws, min_col=1, min_row=top + 1, max_row=top + len(data.bands)),
           Reference(ws, min_col=2, min_row=top, max_row=top + len(data.bands)), "F6", horizontal=False)
    ws.cell(row=row, column=1, value="Most frequent flags").font = SECTION_FONT
    top = row + 1
    rule_cols = (Col("rule_code", "Rule"), Col("title", "Title"),
                 Col("contracts", "Contracts flagged", "number", number_format=WHOLE),
                 Col("share", "Share", "number", number_format=PERCENT))
    row = _table(ws, top, data.top_rules, rule_cols)
    if len(data.top_rules):
        _chart(ws, "Most frequent flags (contracts)",
               Reference(ws, min_col=1, min_row=top + 1, max_row=top + len(data.top_rules)),
               Reference(ws, min_col=3, min_row=top, max_row=top + len(data.top_rules)), "F22", horizontal=True)
    ws.cell(row=row, column=1, value=f"Top {TOP} contracts by exposure").font = SECTION_FONT
    picked = ("exposure_rank", "key", "buyer_name", "supplier_name", "award_value", "currency", "score", "band",
              "coverage", "top_reasons")
    row = _table(ws, row + 1, data.contracts.head(TOP), [c for c in CONTRACTS if c.name in picked])
    ws.cell(row=row, column=1, value=f"Top {TOP} suppliers by exposure").font = SECTION_FONT
    picked = ("exposure_rank", "supplier_id", "supplier_name", "contracts", "spend", "currency", "score", "band",
              "own_flags")
    row = _table(ws, row + 1, data.suppliers.head(TOP), [c for c in SUPPLIERS if c.name in picked])
    ws.cell(row=row, column=1, value="Limitations").font = SECTION_FONT
    for note in [*LIMITATIONS, *data.notes]:
        row += 1
        ws.cell(row=row, column=1, value=cell_value(note))


def _text_rows(ws: Worksheet, rows: Iterable[tuple[str, Any]], start: int) -> int:
    """Label/value rows; section rows (value None) in bold; returns the next free row."""
    row = start
    for label, value in rows:
        cell = ws.cell(row=row, column=1, value=cell_value(label))
        if value is None:
            cell.font = SECTION_FONT
        else:
            ws.cell(row=row, column=2, value=cell_value(value))
        row += 1
    return row + 1


def _manifest(wb: Workbook, data: ReportData, digest: str) -> None:
    """Run manifest: report and run identity, scope, catalogue, settings, reference data and the input files."""
    ws = wb.create_sheet("Run manifest")
    ws.column_dimensions["A"].width = 40
    ws.column_dimensions["B"].width = 70
    sections = manifest_sections(data, digest, "xlsx")
    row = _text_rows(ws, sections["identity"], 1)
    ws.cell(row=row, column=1, value="Input files (batches)").font = SECTION_FONT
    row = _table(ws, row + 1, data.sources, SOURCES)
    ws.cell(row=row, column=1, value="Reference data").font = SECTION_FONT
    ref_cols = (Col("name", "Dataset", width=40), Col("edition", "Edition", width=70), Col("sha256", "SHA-256"),
                Col("source", "Source"), Col("licence", "Licence"))
    _table(ws, row + 1, sections["reference"], ref_cols)


def _verify_sheet(wb: Workbook, blob: bytes) -> None:
    """The hidden verification record: base64 of the compressed payload in cells of at most 32,000 characters."""
    ws = wb.create_sheet(VERIFY_SHEET)
    ws.sheet_state = "hidden"
    ws["A1"] = "procrisk verification record, read by `procrisk verify`; do not edit"
    text = base64.b64encode(blob).decode("ascii")
    for i in range(0, len(text), VERIFY_CHUNK):
        ws.cell(row=2 + i // VERIFY_CHUNK, column=1, value=VERIFY_PREFIX + text[i:i + VERIFY_CHUNK])


def _stamp(data: ReportData) -> datetime:
    """The run's creation time (naive UTC), the only time a workbook carries."""
    try:
        stamp = datetime.fromisoformat(data.created_at)
    except ValueError:
        return datetime(2000, 1, 1)
    return stamp.astimezone(UTC).replace(tzinfo=None) if stamp.tzinfo else stamp


def build_workbook(data: ReportData) -> tuple[Workbook, list[Bulk], dict[str, Any]]:
    """The openpyxl workbook (big sheets as templates), the big sheets' rows and the verification payload."""
    payload = make_payload(data, "xlsx")
    wb = Workbook()
    _summary(wb, data)
    bulks = [_bulk_sheet(wb, "Contracts", data.contracts, CONTRACTS, "C2")]
    for i, part in enumerate(_parts(data.findings)):
        bulks.append(_bulk_sheet(wb, "Findings" if i == 0 else f"Findings {i + 1}", part, FINDINGS, "B2"))
    bulks.append(_bulk_sheet(wb, "Suppliers", data.suppliers, SUPPLIERS, "C2"))
    ws = wb.create_sheet("Not assessed")
    ws["A1"] = "Rules that could not be assessed on the contracts in scope, and the data that would unlock them"
    ws["A1"].font = SECTION_FONT
    row = _table(ws, 2, data.not_assessed, NOT_ASSESSED)
    ws.cell(row=row, column=1, value="Fields to collect first (most rule weight unlocked)").font = SECTION_FONT
    _table(ws, row + 1, data.field_gaps, FIELD_GAPS)
    ws.freeze_panes = "A3"
    ws = wb.create_sheet("Rules")
    _table(ws, 1, data.rules, RULES)
    ws.auto_filter.ref = f"A1:{letter(len(RULES))}{len(data.rules) + 1}"
    ws.freeze_panes = "B2"
    ws = wb.create_sheet("Data quality")
    ws["A1"] = "Input files: rows read, stored and quarantined, and data problems found at ingest"
    ws["A1"].font = SECTION_FONT
    row = _table(ws, 2, data.sources, SOURCES)
    ws.cell(row=row, column=1, value="Data problems per source, column and problem").font = SECTION_FONT
    _table(ws, row + 1, data.issues, ISSUES)
    _manifest(wb, data, payload["digest"])
    _verify_sheet(wb, pack(payload))
    stamp = _stamp(data)
    props = wb.properties
    props.title = data.title[:250]
    props.creator = f"procrisk {__version__}"
    props.subject = f"content digest {payload['digest']}"
    props.created = props.modified = stamp
    props.lastModifiedBy = "procrisk"
    return wb, bulks, payload


def write_xlsx(data: ReportData, path: Path | str) -> dict[str, Any]:
    """Write the workbook to ``path`` (atomically); returns the verification payload it embeds."""
    wb, bulks, payload = build_workbook(data)
    saved = io.BytesIO()
    wb.save(saved)
    stamp = _stamp(data)
    wb.properties.modified = stamp  # openpyxl stamps "now" while saving; the file keeps the run's time
    core = b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' + tostring(wb.properties.to_tree())
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp")
    with tmp.open("wb") as out:
        finish(saved.getvalue(), bulks, out, stamp, replace={"docProps/core.xml": core})
    tmp.replace(path)
    return payload


def read_verify_sheet(path: Path | str) -> bytes | None:
    """The packed payload of a workbook's hidden verification sheet (None when it has none)."""
    from openpyxl import load_workbook

    wb = load_workbook(path, read_only=True)
    try:
        if VERIFY_SHEET not in wb.sheetnames:
            return None
        cells = [row[0] for row in wb[VERIFY_SHEET].iter_rows(min_row=2, max_col=1, values_only=True)]
    finally:
        wb.close()
    text = "".join(c[len(VERIFY_PREFIX):] for c in cells if isinstance(c, str) and c.startswith(VERIFY_PREFIX))
    return base64.b64decode(text) if text else None


__all__ = ["CONTRACTS", "FINDINGS", "SUPPLIERS", "build_workbook", "cell_value", "read_verify_sheet", "write_xlsx"]
