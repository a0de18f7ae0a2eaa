"""Write the messy contract register: title rows, a merged two-row header, mixed formats, a blank line."""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path

from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from procrisk.sample import messy
from procrisk.sample.model import Contract
from procrisk.sample.xlsx import CENTRE, HEADER_FILL, HEADER_FONT, TITLE_FONT, new_workbook, save

COUNCIL = "Kestrelmoor Borough Council"
SHEET = "Register 2024"
TITLE_ROWS = (f"{COUNCIL} — Contract register", "Exported 2025-01-15")
HEADER_ROW = 4  # first of the two header rows; data start two rows below
PROCEDURE_WORDS: dict[str, tuple[str, ...]] = {
    "open": ("Open", "Open", "Open procedure", "open"),
    "restricted": ("Restricted", "Restricted procedure"),
    "rfq": ("RFQ", "RFQ", "Request for quotation"),
    "direct": ("Direct award", "Direct Award"),
    "negotiated": (
        "Negotiated without publication",
        "Negotiated without publication",
        "negotiated without publication",
    ),
}
TYPE_WORDS = {"goods": ("Goods", "Goods", "Supplies"), "services": ("Services",), "works": ("Works",)}
SEPARATORS = ("; ", "; ", ";", "\n", " / ")

Cell = Callable[[random.Random, Contract], object]


def suppliers_cell(rng: random.Random, c: Contract) -> str:
    """Supplier name(s); several in one cell are joined with ; or a line break."""
    names = [s.name for s in c.suppliers]
    if len(names) == 1 and rng.random() < 0.01:
        names = [names[0].upper()]
    return rng.choice(SEPARATORS).join(names) if len(names) > 1 else names[0]


def supplier_country_cell(rng: random.Random, c: Contract) -> object:
    """The (first) supplier's country, messily spelled; "Atlantis" for the bad row."""
    if c.bad == "country_atlantis":
        return "Atlantis"
    return messy.country_cell(rng, c.suppliers[0].country)


def cpv_cell(rng: random.Random, c: Contract) -> object:
    """The CPV code in one of several shapes; blank for a third of background rows."""
    if c.bad == "cpv_letter_o":
        return c.cpv.replace("0", "O", 1)
    if c.intended:
        return messy.cpv_cell(rng, c.cpv, valid_only=True)
    if rng.random() < 0.36:
        return None
    return messy.cpv_cell(rng, c.cpv)


def award_cell(rng: random.Random, c: Contract) -> object:
    """The awarded value: a number or text, "(1,234.00)" for credit notes, "TBC" for the bad row."""
    if c.bad == "amount_tbc":
        return "TBC"
    if c.credit_note:
        return messy.credit_cell(c.award)
    return messy.amount_cell(rng, c.award, c.currency)


def award_date_cell(rng: random.Random, c: Contract) -> object:
    """The award date, or the impossible "31/02/2024" for the bad row."""
    if c.bad == "date_31_feb":
        return "31/02/2024"
    return messy.date_cell(rng, c.award_date)


def currency_cell(rng: random.Random, c: Contract) -> str:
    """The currency as an ISO code mostly, sometimes a symbol."""
    if c.currency == "EUR":
        return rng.choice(("EUR", "EUR", "EUR", "€"))
    return rng.choice(("GBP",) * 12 + ("£", "gbp"))


def subcontractors_cell(rng: random.Random, c: Contract) -> str | None:
    """Free text naming the subcontractors, as officers write it."""
    if not c.subcontractors:
        return None
    text = rng.choice((", ", "; ", " and ")).join(c.subcontractors)
    return rng.choice((text, text, f"{text} (scaffolding and M&E)", f"Named: {text}"))


def bids_cell(rng: random.Random, c: Contract) -> object:
    """Number of bids as a number, now and then as text."""
    if c.bids is None:
        return None
    return str(c.bids) if rng.random() < 0.1 else c.bids


def yn(value_of: Callable[[Contract], bool | None]) -> Cell:
    """A Y/N cell maker for a boolean attribute."""
    return lambda rng, c: messy.yn_cell(rng, value_of(c))


COLUMNS: tuple[tuple[str | None, str, Cell], ...] = (
    (None, "Contract ref.", lambda rng, c: c.ref),
    (None, "Title", lambda rng, c: c.title),
    (None, "Description", lambda rng, c: c.description),
    (None, "Department", lambda rng, c: c.department),
    (None, "Supplier(s)", suppliers_cell),
    (None, "Supplier country", supplier_country_cell),
    (None, "CPV code", cpv_cell),
    (None, "Contract type", lambda rng, c: rng.choice(TYPE_WORDS[c.category.contract_type])),
    (None, "Procedure", lambda rng, c: rng.choice(PROCEDURE_WORDS[c.procedure])),
    (None, "No. of bids", bids_cell),
    ("Tender period", "Published", lambda rng, c: messy.date_cell(rng, c.published)),
    ("Tender period", "Deadline", lambda rng, c: messy.date_cell(rng, c.deadline)),
    (None, "Award date", award_date_cell),
    ("Value", "Estimated", lambda rng, c: messy.amount_cell(rng, c.estimate, c.currency)),
    ("Value", "Awarded", award_cell),
    (None, "Currency", currency_cell),
    ("Contract period", "Start", lambda rng, c: messy.date_cell(rng, c.start)),
    ("Contract period", "End", lambda rng, c: messy.date_cell(rng, c.end)),
    (None, "Country of origin", lambda rng, c: messy.country_cell(rng, c.origin)),
    ("Subcontracting", "Subcontracting %", lambda rng, c: messy.share_cell(rng, c.sub_share)),
    ("Subcontracting", "Subcontractors", subcontractors_cell),
    ("Modern slavery", "MS clause (Y/N)", yn(lambda c: c.clause)),
    (
        "Modern slavery",
        "Risk assessment done",
        lambda rng, c: (
            None
            if c.risk_assessed is None
            else rng.choice(("yes", "Yes") if c.risk_assessed else ("no", "No"))
        ),
    ),
    ("Modern slavery", "Last monitoring date", lambda rng, c: messy.date_cell(rng, c.last_review)),
    (None, "Officer notes", lambda rng, c: c.notes),
)
WIDTHS = (16, 38, 60, 20, 36, 16, 14, 10, 18, 8, 12, 12, 12, 14, 14, 9, 12, 12, 16, 12, 36, 10, 12, 14, 30)
NOTES_TEXT = (
    f"{COUNCIL}: contract register 2024 — notes",
    "",
    "This register lists contracts awarded in the 2024 calendar year with a value above £5,000,",
    "published under the Local Government Transparency Code. Values exclude VAT. Where the currency",
    "column says EUR the values are in euro as tendered. Dates before July 2024 were typed by hand",
    "from the old system, so formats vary.",
    "Framework call-offs with several suppliers list all of them in one cell.",
    "The modern slavery columns record whether the contract includes the council's modern slavery",
    "clause, whether a risk assessment was done before tender and when contract management last",
    "reviewed the risks.",
    "Please report errors to the procurement team. This is a synthetic sample: every name in it is invented.",
)


def header(ws: Worksheet) -> None:
    """Write the two title rows and the two-row header with its merged cells."""
    for row, text in enumerate(TITLE_ROWS, start=1):
        ws.cell(row=row, column=1, value=text).font = TITLE_FONT if row == 1 else HEADER_FONT
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=8)
    top, sub = HEADER_ROW, HEADER_ROW + 1
    col = 1
    while col <= len(COLUMNS):
        group, name, _ = COLUMNS[col - 1]
        if group is None:
            ws.cell(row=top, column=col, value=name)
            ws.merge_cells(start_row=top, start_column=col, end_row=sub, end_column=col)
            col += 1
            continue
        span = sum(1 for g, _, _ in COLUMNS if g == group)
        ws.cell(row=top, column=col, value=group)
        ws.merge_cells(start_row=top, start_column=col, end_row=top, end_column=col + span - 1)
        for k in range(span):
            ws.cell(row=sub, column=col + k, value=COLUMNS[col - 1 + k][1])
        col += span
    for row in (top, sub):
        for col in range(1, len(COLUMNS) + 1):
            cell = ws.cell(row=row, column=col)
            cell.font, cell.fill, cell.alignment = HEADER_FONT, HEADER_FILL, CENTRE
    for col, width in enumerate(WIDTHS, start=1):
        ws.column_dimensions[get_column_letter(col)].width = width
    ws.freeze_panes = ws.cell(row=sub + 1, column=2)


def write_register(contracts: list[Contract], path: Path, rng: random.Random) -> dict[str, int]:
    """Write the register workbook; return the Excel row of the blank line and of each bad row."""
    wb = new_workbook(COUNCIL)
    ws = wb.active
    assert ws is not None
    ws.title = SHEET
    header(ws)
    row = HEADER_ROW + 2
    blank_after = len(contracts) // 2
    rows: dict[str, int] = {}
    for i, contract in enumerate(contracts):
        if i == blank_after:
            rows["blank"] = row
            row += 1
        for col, (_, _, make) in enumerate(COLUMNS, start=1):
            value = make(rng, contract)
            if value is None:
                continue
            cell = ws.cell(row=row, column=col, value=value)
            if hasattr(value, "isoformat"):
                cell.number_format = "DD/MM/YYYY"
        if contract.bad:
            rows[contract.bad] = row
        row += 1
    notes = wb.create_sheet("Notes")
    for r, text in enumerate(NOTES_TEXT, start=1):
        notes.cell(row=r, column=1, value=text or None)
    notes.column_dimensions["A"].width = 110
    save(wb, path)
    return rows
