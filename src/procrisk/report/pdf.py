"""The PDF evidence report (reportlab): summary, methodology, top contracts and suppliers with reasons, charts,
data gaps, limitations and the run manifest, with the verification record attached as a file.

Every text from data is XML-escaped before it enters reportlab's Paragraph markup.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import numpy as np
import pandas as pd

from procrisk.report.charts import bands_chart, rules_chart, scores_chart
from procrisk.report.data import ReportData
from procrisk.report.digest import encode, make_payload
from procrisk.report.manifest import manifest_sections
from procrisk.report.text import LIMITATIONS, REVIEW_NOT_PROOF, methodology
from procrisk.rules.explain import format_value

ATTACHMENT = "procrisk-verify.json"
TOP_CONTRACTS = 15
EXPLAINED = 10
FINDINGS_SHOWN = 5
TOP_SUPPLIERS = 15
FONT, BOLD = "DejaVuSans", "DejaVuSans-Bold"
BAND_HEX = {"critical": "#C00000", "high": "#C55A11", "medium": "#BF8F00", "low": "#548235"}


def _fonts() -> None:
    """Register DejaVu Sans (shipped with matplotlib) so that names in any European script print correctly."""
    from matplotlib import get_data_path
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    if FONT in pdfmetrics.getRegisteredFontNames():
        return
    folder = Path(get_data_path()) / "fonts" / "ttf"
    pdfmetrics.registerFont(TTFont(FONT, str(folder / "DejaVuSans.ttf")))
    pdfmetrics.registerFont(TTFont(BOLD, str(folder / "DejaVuSans-Bold.ttf")))
    pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=BOLD, italic=FONT, boldItalic=BOLD)


def _styles() -> dict[str, Any]:
    """Paragraph styles: body, small, headings, title."""
    from reportlab.lib.styles import ParagraphStyle

    body = ParagraphStyle("body", fontName=FONT, fontSize=9, leading=12, spaceAfter=4)
    return {
        "body": body,
        "small": ParagraphStyle("small", parent=body, fontSize=7.5, leading=9.5, spaceAfter=0),
        "lead": ParagraphStyle("lead", parent=body, fontSize=7.5, leading=9.5, spaceAfter=2, keepWithNext=1),
        "cell": ParagraphStyle("cell", parent=body, fontSize=7, leading=8.5, spaceAfter=0),
        "head": ParagraphStyle("head", parent=body, fontName=BOLD, fontSize=7, leading=8.5, spaceAfter=0,
                               textColor="#FFFFFF"),
        "title": ParagraphStyle("title", parent=body, fontName=BOLD, fontSize=17, leading=21, spaceAfter=6),
        "h1": ParagraphStyle("h1", parent=body, fontName=BOLD, fontSize=13, leading=16, spaceBefore=10,
                             spaceAfter=5, textColor="#1F3864", keepWithNext=1),
        "h2": ParagraphStyle("h2", parent=body, fontName=BOLD, fontSize=10, leading=13, spaceBefore=6, spaceAfter=2,
                             keepWithNext=1),
        "finding": ParagraphStyle("finding", parent=body, fontSize=7.5, leading=9.5, spaceAfter=3, leftIndent=8),
        "note": ParagraphStyle("note", parent=body, fontSize=9, leading=12, backColor="#FFF2CC", borderPadding=5,
                               spaceBefore=4, spaceAfter=8),
    }


def _text(value: Any) -> str:
    """Any value as escaped Paragraph text (missing values as an empty string)."""
    if value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and np.isnan(value)):
        return ""
    if isinstance(value, int | np.integer) and not isinstance(value, bool):
        return f"{int(value):,}"
    return escape(value if isinstance(value, str) else format_value(value))


def _band(value: Any) -> str:
    """A band name coloured like the workbook's band cells."""
    name = _text(value)
    return f'<font color="{BAND_HEX.get(name, "#000000")}"><b>{name}</b></font>' if name else ""


def _score(value: Any) -> str:
    """A score with one decimal."""
    return "" if value is None or pd.isna(value) else f"{float(value):.1f}"


def _percent(value: Any) -> str:
    """A share as a whole percentage."""
    return "" if value is None or pd.isna(value) else f"{float(value):.0%}"


def _table(rows: Sequence[Sequence[str]], widths: Sequence[float], styles: dict[str, Any], *,
           header: bool = True) -> Any:
    """A table of already-escaped cell texts, wrapped in Paragraphs, with a dark header row."""
    from reportlab.lib import colors
    from reportlab.platypus import Paragraph, Table, TableStyle

    cells = [[Paragraph(c, styles["head"] if header and i == 0 else styles["cell"]) for c in row]
             for i, row in enumerate(rows)]
    table = Table(cells, colWidths=list(widths), repeatRows=1 if header else 0)
    commands = [("VALIGN", (0, 0), (-1, -1), "TOP"), ("GRID", (0, 0), (-1, -1), 0.25, colors.HexColor("#BFBFBF")),
                ("LEFTPADDING", (0, 0), (-1, -1), 3), ("RIGHTPADDING", (0, 0), (-1, -1), 3)]
    if header:
        commands.append(("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#1F3864")))
    table.setStyle(TableStyle(commands))
    return table


def _image(png: bytes, width: float) -> Any:
    """A PNG as a flowable of the given width (height from the image's aspect ratio)."""
    from reportlab.lib.utils import ImageReader
    from reportlab.platypus import Image

    w, h = ImageReader(io.BytesIO(png)).getSize()
    return Image(io.BytesIO(png), width=width, height=width * h / w)


def _executive(data: ReportData) -> str:
    """The opening paragraph: how many contracts, how many critical or high, the main reasons."""
    c = data.contracts
    n = len(c)
    band = c["band"].astype("string")
    critical, high = int((band == "critical").sum()), int((band == "high").sum())
    hard = int(c["hard_flags"].astype("string").fillna("").str.len().gt(0).sum())
    reasons = ", ".join(f"{_text(r.title)} ({r.contracts:,})" for r in data.top_rules.head(3).itertuples())
    text = (f"This report covers {n:,} contracts and {len(data.suppliers):,} suppliers (scope: "
            f"{_text(data.filters.describe())}), scored against {len(data.rules)} cited rules as of "
            f"{_text(data.as_of)}. "
            f"<b>{critical:,}</b> contracts are critical ({hard:,} of them because of a hard flag) and <b>{high:,}</b> "
            f"high. ")
    if reasons:
        text += f"The most frequent flags are {reasons}. "
    return text + (f"{len(data.findings):,} findings (flagged contract-rule pairs) are listed with their evidence in "
                   "the Excel evidence pack; the contracts with the highest exposure are explained below.")


def _summary(data: ReportData, styles: dict[str, Any], width: float) -> list[Any]:
    """Title, scope, the review-not-proof warning, the executive summary, key figures and charts."""
    from reportlab.platypus import Paragraph, Spacer, Table

    story = [Paragraph(_text(data.title), styles["title"])]
    if data.jurisdiction:
        story.append(Paragraph(f"Jurisdiction: {_text(data.jurisdiction)}", styles["body"]))
    story += [
        Paragraph(f"Scope: {_text(data.filters.describe())}. Scoring run {_text(data.run_id)} of "
                  f"{_text(data.created_at)}; reference date {_text(data.as_of)}.", styles["small"]),
        Paragraph(_text(REVIEW_NOT_PROOF), styles["note"]),
        Paragraph("Executive summary", styles["h1"]),
        Paragraph(_executive(data), styles["body"]),
    ]
    rows = [["Key figure", "Value"]] + [[_text(k), _text(_percent(v) if "coverage" in k.lower() and
                                                          isinstance(v, float) else v)]
                                         for k, v in data.summary]
    story += [_table(rows, [width * 0.45, width * 0.55], styles), Spacer(1, 8)]
    charts = Table([[_image(bands_chart(data.bands), width * 0.47), _image(rules_chart(data.top_rules), width * 0.5)]],
                   colWidths=[width * 0.49, width * 0.51])
    return [*story, charts]


def _method(data: ReportData, styles: dict[str, Any], width: float) -> list[Any]:
    """How the scores were computed, with the run's settings, and the score distribution."""
    from reportlab.platypus import Paragraph

    cuts = tuple(float((data.settings.get("bands") or {}).get(k, d)) for k, d in
                 (("medium", 20.0), ("high", 40.0), ("critical", 60.0)))
    story = [Paragraph("Methodology", styles["h1"])]
    story += [Paragraph(_text(p), styles["body"]) for p in methodology(data.settings)]
    return [*story, _image(scores_chart(data.contracts, cuts), width)]  # type: ignore[arg-type]


def _contracts(data: ReportData, styles: dict[str, Any], width: float) -> list[Any]:
    """The contracts with the highest exposure: a table, then each one's reasons with evidence and actions."""
    from reportlab.platypus import KeepTogether, Paragraph

    top = data.contracts.head(TOP_CONTRACTS)
    story = [Paragraph(f"Top {len(top)} contracts by exposure", styles["h1"]),
             Paragraph("Exposure = score / 100 x award value: the contracts where most is at stake come first "
                       "(values in each contract's own currency).", styles["lead"])]
    rows = [["#", "Contract", "Buyer", "Supplier", "Award value", "Score", "Band", "Coverage"]]
    rows += [[_text(r.exposure_rank), _text(r.key), _text(r.buyer_name), _text(r.supplier_name),
              f"{_text(r.currency)} {_text(r.award_value)}".strip(), _score(r.score), _band(r.band),
              _percent(r.coverage)] for r in top.itertuples()]
    story.append(_table(rows, [w * width for w in (0.05, 0.15, 0.19, 0.21, 0.14, 0.07, 0.09, 0.1)], styles))
    story.append(Paragraph("Why these contracts are flagged", styles["h1"]))
    explained = top.head(EXPLAINED)
    picked = data.findings[data.findings["key"].isin(set(explained["key"]))]
    by_key = dict(iter(picked.groupby("key", sort=False, observed=True)))
    for i, r in enumerate(explained.itertuples(), start=1):
        head = (f"{i}. {_text(r.key)}: {_text(r.title)} ({_text(r.buyer_name)} to {_text(r.supplier_name)})")
        hard = f", hard flag {_text(r.hard_flags)}" if isinstance(r.hard_flags, str) and r.hard_flags else ""
        line = (f"Score {_score(r.score)}, band {_band(r.band)}{hard}; coverage {_percent(r.coverage)}; "
                f"{_text(r.flagged)} rules flagged, {_text(r.not_assessed)} not assessed.")
        block = [Paragraph(head, styles["h2"]), Paragraph(line, styles["small"])]
        findings = by_key.get(r.key, data.findings.head(0)).head(FINDINGS_SHOWN)
        for f in findings.itertuples():
            block.append(Paragraph(
                f"<b>{_text(f.rule_code)} {_text(f.title)}</b>: {_text(f.explanation)} "
                f"<i>Evidence:</i> {_text(f.evidence)}. <i>Action:</i> {_text(f.action)} "
                f"<i>Source:</i> {_text(f.citation)}.", styles["finding"]))
        more = int(r.flagged or 0) - len(findings) if not pd.isna(r.flagged) else 0
        if more > 0:
            block.append(Paragraph(f"... and {more} more finding(s) in the Excel evidence pack.", styles["finding"]))
        story.append(KeepTogether(block))
    return story


def _titled(codes: Any, titles: dict[str, str]) -> str:
    """``RC01; DD02`` as ``RC01 Workers pay recruitment fees; DD02 Supplier currently debarred``."""
    if not isinstance(codes, str) or not codes:
        return ""
    return "; ".join(f"{c} {titles.get(c, '')}".strip() for c in codes.split("; "))


def _suppliers(data: ReportData, styles: dict[str, Any], width: float) -> list[Any]:
    """The suppliers with the highest exposure."""
    from reportlab.platypus import Paragraph

    top = data.suppliers.head(TOP_SUPPLIERS)
    titles = dict(zip(data.rules["rule_code"], data.rules["title"], strict=True)) if len(data.rules) else {}
    rows = [["#", "Supplier", "Contracts", "Spend", "Score", "Band", "Own answers flagged"]]
    rows += [[_text(r.exposure_rank), f"{_text(r.supplier_name)} ({_text(r.supplier_id)})", _text(r.contracts),
              f"{_text(r.currency)} {_text(r.spend)}".strip(), _score(r.score), _band(r.band),
              _text(_titled(r.own_flags, titles))]
             for r in top.itertuples()]
    return [Paragraph(f"Top {len(top)} suppliers by exposure", styles["h1"]),
            Paragraph("A supplier's score is the value-weighted mean of its contract scores (its own questionnaire "
                      "answers are already part of them); exposure = score / 100 x spend. The last column names the "
                      "rules its own answers are flagged for.", styles["lead"]),
            _table(rows, [w * width for w in (0.05, 0.3, 0.08, 0.15, 0.07, 0.09, 0.26)], styles)]


def _gaps(data: ReportData, styles: dict[str, Any], width: float) -> list[Any]:
    """The fields to collect first and the data-quality summary per input file."""
    from reportlab.platypus import Paragraph

    story = [Paragraph("Data gaps: what would unlock more rules", styles["h1"]),
             Paragraph("Rules that cannot be assessed carry part of the risk of a flag. Collecting these fields "
                       "lets them decide (full list on the Not assessed sheet).", styles["lead"])]
    rows = [["Field", "Table", "Rules it would unlock", "Contracts missing it"]]
    rows += [[_text(r.field), _text(r.table), _text(r.rules), _text(r.contracts)]
             for r in data.field_gaps.head(12).itertuples()]
    story.append(_table(rows, [w * width for w in (0.3, 0.12, 0.4, 0.18)], styles))
    story.append(Paragraph("Data quality of the inputs", styles["h1"]))
    rows = [["File", "Kind", "Rows read", "Stored", "Quarantined", "Errors", "Warnings"]]
    rows += [[_text(r.source_file), _text(r.source_kind), _text(r.rows_read), _text(r.rows_stored),
              _text(r.rows_quarantined), _text(r.errors), _text(r.warnings)] for r in data.sources.itertuples()]
    story.append(_table(rows, [w * width for w in (0.34, 0.1, 0.12, 0.11, 0.12, 0.1, 0.11)], styles))
    return story


def _manifest(data: ReportData, digest: str, styles: dict[str, Any], width: float) -> list[Any]:
    """The run manifest: identity, catalogue and settings, input files with their hashes, reference data."""
    from reportlab.platypus import Paragraph

    sections = manifest_sections(data, digest, "pdf")
    story = [Paragraph("Run manifest", styles["h1"]),
             Paragraph("What this report was computed from. <i>procrisk verify</i> recomputes it from the workspace "
                       "and compares the content digest.", styles["lead"])]
    rows = []
    for label, value in sections["identity"]:
        if value is None:
            rows.append([f"<b>{_text(label)}</b>", ""])
        else:
            rows.append([_text(label), _text(value)])
    story.append(_table(rows, [width * 0.38, width * 0.62], styles, header=False))
    story.append(Paragraph("Input files", styles["h2"]))
    rows = [["Batch", "File", "SHA-256", "Rows stored"]]
    rows += [[_text(r.batch_id), _text(r.source_file), _text(r.source_sha256), _text(r.rows_stored)]
             for r in data.sources.itertuples()]
    story.append(_table(rows, [w * width for w in (0.17, 0.25, 0.46, 0.12)], styles))
    story.append(Paragraph("Reference data", styles["h2"]))
    rows = [["Dataset", "Edition", "SHA-256"]]
    rows += [[_text(r.name), _text(r.edition), _text(r.sha256)] for r in sections["reference"].itertuples()]
    story.append(_table(rows, [w * width for w in (0.2, 0.34, 0.46)], styles))
    return story


def build_pdf(data: ReportData, payload: dict[str, Any]) -> bytes:
    """The PDF bytes (reportlab in invariant mode: no creation time, a fixed document id)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate

    _fonts()
    styles = _styles()
    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=A4, leftMargin=16 * mm, rightMargin=16 * mm, topMargin=16 * mm,
                            bottomMargin=16 * mm, title=data.title, author="procrisk",
                            subject=f"content digest {payload['digest']}", creator="procrisk",
                            keywords=f"procrisk verify {payload['digest']}", invariant=1)
    width = doc.width
    digest = payload["digest"]

    def footer(canvas: Any, document: Any) -> None:
        canvas.saveState()
        canvas.setFont(FONT, 7)
        canvas.setFillColorRGB(0.35, 0.35, 0.35)
        canvas.drawString(16 * mm, 9 * mm, f"procrisk evidence report | run {data.run_id} | content digest "
                                           f"{digest[:16]} | a flag is a reason to review, not proof")
        canvas.drawRightString(A4[0] - 16 * mm, 9 * mm, f"page {document.page}")
        canvas.restoreState()

    story = _summary(data, styles, width)
    story += [PageBreak(), *_method(data, styles, width)]
    story += _contracts(data, styles, width)
    story += _suppliers(data, styles, width)
    story += _gaps(data, styles, width)
    story.append(Paragraph("Limitations", styles["h1"]))
    story += [Paragraph(f"• {_text(n)}", styles["body"]) for n in [*LIMITATIONS[1:], *data.notes]]
    story += [PageBreak(), *_manifest(data, digest, styles, width)]
    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return out.getvalue()


def attach(pdf: bytes, name: str, content: bytes) -> bytes:
    """The PDF with a file attached (pypdf); the document id of the original is kept."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    writer.add_attachment(name, content)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def write_pdf(data: ReportData, path: Path | str) -> dict[str, Any]:
    """Write the PDF report to ``path`` (atomically); returns the verification payload it carries."""
    payload = make_payload(data, "pdf")
    pdf = attach(build_pdf(data, payload), ATTACHMENT, encode(payload))
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(pdf)
    tmp.replace(path)
    return payload


def read_attachment(path: Path | str) -> bytes | None:
    """The verification record attached to a PDF report (None when it has none)."""
    from pypdf import PdfReader

    found = PdfReader(str(path)).attachments.get(ATTACHMENT)
    return found[0] if found else None
