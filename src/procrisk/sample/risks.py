"""The planted risk patterns: their definitions, the checks that find them, and the ground-truth CSV."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from procrisk.sample.catalogue import HIGH_RISK_DIVISIONS
from procrisk.sample.geo import HIGH_RISK_ORIGINS, ILAB_FORCED_LABOUR
from procrisk.sample.model import Contract, Process, Supplier

STATEMENT_THRESHOLD_GBP = 36_000_000  # UK Modern Slavery Act 2015 s.54 turnover threshold
SHORT_PERIOD_DAYS = 15
FAR_BELOW_RATIO = 0.6
HEAVY_SUBCONTRACTING = 0.4

# pattern -> one-sentence definition (the README repeats these).
PATTERNS: dict[str, str] = {
    "high_risk_sector_and_origin": "CPV division in the high tier of domain.md §3.2 and goods from a TIP "
    "Tier 2 Watch List / Tier 3 country (2015 tiers file).",
    "ilab_good_from_listed_origin": "A good the contract buys is on the ILAB list with forced labour for the "
    "country of origin.",
    "no_anti_trafficking_clause_high_risk": "High-tier CPV division and the modern slavery clause column "
    "says No.",
    "single_bid": "Open procedure with exactly one bid.",
    "short_tender_period": "Open procedure with fewer than 15 days from publication to deadline.",
    "price_far_below_estimate": "Awarded value below 60 % of the estimated value.",
    "heavy_undisclosed_subcontracting": "More than 40 % subcontracted and no subcontractor named.",
    "missing_disclosure": "Annual turnover above £36m and no modern-slavery statement URL.",
    "workers_pay_recruitment_fees": "The supplier says workers pay the recruitment fees.",
    "identity_documents_retained": "The supplier says it or its agents hold workers' identity documents.",
    "debarred_supplier": "The supplier declares that it is debarred or excluded from public contracts.",
}
CONTRACT_PATTERNS = (
    "high_risk_sector_and_origin",
    "ilab_good_from_listed_origin",
    "no_anti_trafficking_clause_high_risk",
    "single_bid",
    "short_tender_period",
    "price_far_below_estimate",
    "heavy_undisclosed_subcontracting",
)
SUPPLIER_PATTERNS = (
    "missing_disclosure",
    "workers_pay_recruitment_fees",
    "identity_documents_retained",
    "debarred_supplier",
)
OCDS_PATTERNS = ("single_bid", "short_tender_period", "price_far_below_estimate")


@dataclass(frozen=True)
class Planted:
    """One ground-truth row: a pattern found in one entity of one file."""

    file: str
    entity_type: str
    entity_id: str
    pattern: str
    detail: str


def ilab_pairs(goods: tuple[str, ...], origin: str | None) -> list[str]:
    """The ILAB goods among ``goods`` listed with forced labour for ``origin``."""
    if origin is None:
        return []
    return [good for good in goods if origin in ILAB_FORCED_LABOUR.get(good, frozenset())]


def contract_patterns(c: Contract) -> list[tuple[str, str]]:
    """Every contract pattern the clean contract shows, with a one-line detail."""
    found: list[tuple[str, str]] = []
    high = c.division in HIGH_RISK_DIVISIONS
    if high and c.origin in HIGH_RISK_ORIGINS:
        found.append(("high_risk_sector_and_origin", f"CPV {c.cpv} (division {c.division}) from {c.origin}"))
    goods = ilab_pairs(c.category.ilab_goods, c.origin)
    if goods:
        found.append(
            ("ilab_good_from_listed_origin", f"{' / '.join(goods)} from {c.origin} (ILAB forced labour)")
        )
    if high and c.clause is False:
        found.append(("no_anti_trafficking_clause_high_risk", f"CPV division {c.division}, clause = N"))
    if c.procedure == "open" and c.bids == 1:
        found.append(("single_bid", "open procedure, 1 bid"))
    if c.procedure == "open" and c.published and c.deadline:
        days = (c.deadline - c.published).days
        if 0 <= days < SHORT_PERIOD_DAYS:
            found.append(
                ("short_tender_period", f"open procedure, {days} days ({c.published} to {c.deadline})")
            )
    if c.estimate and c.award < FAR_BELOW_RATIO * c.estimate and not c.credit_note:
        found.append(
            (
                "price_far_below_estimate",
                f"award {c.award:,.2f} is {c.award / c.estimate:.0%} of estimate {c.estimate:,.2f} "
                f"{c.currency}",
            )
        )
    if c.sub_share is not None and c.sub_share > HEAVY_SUBCONTRACTING and not c.subcontractors:
        found.append(("heavy_undisclosed_subcontracting", f"{c.sub_share:.0%} subcontracted, none named"))
    return found


def supplier_patterns(s: Supplier) -> list[tuple[str, str]]:
    """Every supplier pattern the clean questionnaire answers show, with a one-line detail."""
    a = s.answers
    found: list[tuple[str, str]] = []
    if s.turnover_gbp > STATEMENT_THRESHOLD_GBP and not a.get("modern_slavery_statement_url"):
        found.append(
            (
                "missing_disclosure",
                f"turnover {s.turnover:,.0f} {s.currency} (about £{s.turnover_gbp / 1e6:,.0f}m), "
                "no statement URL",
            )
        )
    if a.get("recruitment_fee_payer") == "worker":
        found.append(("workers_pay_recruitment_fees", "recruitment fee payer = worker"))
    if a.get("retains_identity_documents") == "yes":
        found.append(("identity_documents_retained", "retains identity documents = yes"))
    if a.get("debarred") == "yes":
        found.append(("debarred_supplier", "declares debarred = yes"))
    return found


def process_patterns(p: Process) -> list[tuple[str, str]]:
    """Every OCDS pattern the clean process shows, with a one-line detail."""
    found: list[tuple[str, str]] = []
    if not p.completed:
        return found
    if p.method == "open" and len(p.tenderers) == 1:
        found.append(("single_bid", "procurementMethod open, numberOfTenderers 1"))
    span = p.tender_end - p.tender_start
    if p.method == "open" and span.total_seconds() < SHORT_PERIOD_DAYS * 86400:
        found.append(("short_tender_period", f"procurementMethod open, tenderPeriod {span.days} days"))
    if p.award_value is not None and p.award_value < FAR_BELOW_RATIO * p.estimate:
        found.append(
            (
                "price_far_below_estimate",
                f"award {p.award_value:,.2f} is {p.award_value / p.estimate:.0%} of tender value "
                f"{p.estimate:,.2f} {p.currency}",
            )
        )
    return found


def ground_truth(
    file_names: dict[str, str], contracts: list[Contract], suppliers: list[Supplier], processes: list[Process]
) -> list[Planted]:
    """All planted rows, sorted by file, entity and pattern."""
    rows = [
        Planted(file_names["register"], "contract", c.ref, pat, det)
        for c in contracts
        for pat, det in contract_patterns(c)
    ]
    rows += [
        Planted(file_names["questionnaire"], "supplier", s.supplier_id, pat, det)
        for s in suppliers
        for pat, det in supplier_patterns(s)
    ]
    rows += [
        Planted(file_names["ocds"], "contract", p.ocid, pat, det)
        for p in processes
        for pat, det in process_patterns(p)
    ]
    return sorted(rows, key=lambda r: (r.file, r.entity_type, r.entity_id, r.pattern))


def write_planted(rows: list[Planted], path: Path) -> None:
    """Write the ground truth as CSV (UTF-8, LF line ends)."""
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(["file", "entity_type", "entity_id", "pattern", "detail"])
        for r in rows:
            writer.writerow([r.file, r.entity_type, r.entity_id, r.pattern, r.detail])
