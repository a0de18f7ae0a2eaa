"""Save openpyxl workbooks byte-for-byte reproducibly (fixed document dates, zip times and entry order)."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.writer.excel import ExcelWriter

FIXED = dt.datetime(2025, 1, 15, 9, 0, 0)
ZIP_TIME = (2025, 1, 15, 9, 0, 0)
HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
TITLE_FONT = Font(bold=True, size=14)
CENTRE = Alignment(horizontal="center", vertical="center", wrap_text=True)


def new_workbook(creator: str) -> Workbook:
    """A workbook whose document properties carry fixed dates and a fixed author."""
    wb = Workbook()
    wb.properties.creator = creator
    wb.properties.lastModifiedBy = creator
    wb.properties.created = FIXED
    wb.properties.modified = FIXED
    return wb


def save(wb: Workbook, path: Path) -> None:
    """Write ``wb`` to ``path`` so that the same workbook always gives the same bytes."""
    wb.properties.created = FIXED
    wb.properties.modified = FIXED
    raw = io.BytesIO()
    with zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(wb, archive).save()
    out = io.BytesIO()
    with zipfile.ZipFile(raw) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for name in src.namelist():
            info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            dst.writestr(info, src.read(name))
    path.write_bytes(out.getvalue())
