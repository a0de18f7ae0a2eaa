"""Write the supplier self-assessment questionnaire responses, one row per supplier."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

from openpyxl.utils import get_column_letter

from procrisk.sample import messy
from procrisk.sample.geo import ENGLISH
from procrisk.sample.model import Supplier
from procrisk.sample.xlsx import HEADER_FILL, HEADER_FONT, TITLE_FONT, new_workbook, save

SHEET = "Responses"
TITLE = "Supplier self-assessment questionnaire — responses received to 31/12/2024"
HEADER_ROW = 3
FRENCH = frozenset({"FR", "BE"})

# canonical supplier column -> header as the questionnaire form exported it.
HEADERS: tuple[tuple[str, str], ...] = (
    ("supplier_id", "Supplier ID"),
    ("supplier_name", "Supplier name"),
    ("registration_ids", "Company numbers"),
    ("supplier_country", "Country"),
    ("annual_turnover", "Annual turnover"),
    ("turnover_currency", "Turnover currency"),
    ("employees", "Number of employees"),
    ("jurisdictions", "Countries of operation"),
    ("response_date", "Date of response"),
    ("thb_conviction", "B1 Trafficking conviction"),
    ("debarred", "Debarred"),
    ("labour_violations", "Labour law breaches"),
    ("self_cleaning_evidence", "Self-cleaning evidence"),
    ("open_allegations", "Open allegations"),
    ("production_countries", "Production countries"),
    ("origin_countries", "Countries of origin"),
    ("tier1_list_provided", "Tier 1 list provided"),
    ("tier2plus_mapped", "Tier 2+ mapped %"),
    ("share_migrant_workers", "Migrant workers %"),
    ("share_agency_workers", "Agency workers %"),
    ("share_seasonal_workers", "Seasonal workers %"),
    ("employer_housing", "Employer provided housing"),
    ("housing_inspected_date", "Housing inspection date"),
    ("housing_deductions_above_cost", "Housing charges above cost"),
    ("max_weekly_hours", "Max hours per week"),
    ("overtime_voluntary", "Voluntary overtime"),
    ("wage_payment_frequency", "Pay frequency"),
    ("paid_to_worker_account", "Wages to own account"),
    ("uses_labour_recruiters", "Uses labour recruiters"),
    ("recruiters_licensed", "Recruiters licensed"),
    ("recruiter_names_disclosed", "Recruiters named"),
    ("recruitment_fee_payer", "Who pays recruitment fees"),
    ("fee_policy_covers_related_costs", "Related costs covered"),
    ("fee_reimbursement_policy", "Fee repayment policy"),
    ("written_contracts", "Written contracts"),
    ("contract_in_worker_language", "Contracts in workers language"),
    ("contract_before_departure", "Contract before departure"),
    ("pre_hire_disclosure", "Job terms disclosed"),
    ("retains_identity_documents", "Holds worker documents"),
    ("deposits_required", "Deposits or bonds"),
    ("return_transport_paid", "Return travel paid"),
    ("permission_to_change_employer", "Permission needed to change employer"),
    ("forced_labour_policy_url", "Anti trafficking policy"),
    ("policy_flows_down", "Policy flows down"),
    ("last_risk_assessment_date", "Risk assessment date"),
    ("last_audit_date", "Social audit date"),
    ("audit_unannounced", "Unannounced audits"),
    ("open_critical_findings", "Open critical findings"),
    ("grievance_mechanism", "Grievance mechanism"),
    ("remediation_procedure", "Remediation"),
    ("training_coverage", "Staff trained %"),
    ("msat_completed", "MSAT completed"),
    ("compliance_plan", "Anti trafficking compliance plan"),
    ("eo13126_certification", "EO 13126 certification"),
    ("modern_slavery_statement_url", "Modern slavery statement URL"),
    ("statement_period_end", "Statement period end"),
    ("statement_approved_by_board", "Approved by board"),
    ("statement_signed_by_director", "Signed by director"),
    ("statement_registry_id", "Registry ID"),
    ("kpis_reported", "KPIs reported"),
    ("beneficial_owners_disclosed", "Beneficial owners disclosed"),
)
EXTRA_HEADER = "Comments"
COMMENTS = (
    "Answers cover UK operations only",
    "Statement being updated",
    "See attached policy pack",
    "Group-level answers",
    "Will send audit report on request",
    "Awaiting board sign-off",
)
ENUM_WORDS: dict[str, tuple[str, ...]] = {
    "employer": ("employer", "Employer", "Employer pays"),
    "worker": ("worker", "Worker", "workers"),
    "shared": ("shared", "Shared"),
    "none": ("None", "none"),
    "partial": ("Partial", "partial"),
    "full": ("Full", "full"),
    "minor": ("Minor", "minor"),
    "serious": ("Serious",),
    "generic": ("Generic",),
    "with_referral": ("With referral", "with referral"),
    "weekly": ("Weekly",),
    "monthly": ("Monthly", "monthly"),
    "fortnightly": ("Fortnightly",),
    "less_often": ("Less often", "less often"),
}
NOT_APPLICABLE = frozenset(
    {
        "recruiters_licensed",
        "recruiter_names_disclosed",
        "recruitment_fee_payer",
        "contract_before_departure",
        "return_transport_paid",
    }
)
SHARES = frozenset(
    {
        "tier2plus_mapped",
        "share_migrant_workers",
        "share_agency_workers",
        "share_seasonal_workers",
        "training_coverage",
    }
)
ANSWERS = frozenset(
    {
        "thb_conviction",
        "debarred",
        "self_cleaning_evidence",
        "open_allegations",
        "tier1_list_provided",
        "employer_housing",
        "housing_deductions_above_cost",
        "overtime_voluntary",
        "paid_to_worker_account",
        "uses_labour_recruiters",
        "recruiters_licensed",
        "recruiter_names_disclosed",
        "fee_policy_covers_related_costs",
        "fee_reimbursement_policy",
        "written_contracts",
        "contract_in_worker_language",
        "contract_before_departure",
        "pre_hire_disclosure",
        "retains_identity_documents",
        "deposits_required",
        "return_transport_paid",
        "permission_to_change_employer",
        "policy_flows_down",
        "audit_unannounced",
        "msat_completed",
        "compliance_plan",
        "eo13126_certification",
        "statement_approved_by_board",
        "statement_signed_by_director",
        "kpis_reported",
        "beneficial_owners_disclosed",
    }
)


def ids_cell(rng: random.Random, s: Supplier) -> str | None:
    """The company number: scheme-qualified mostly, sometimes bare; blank for a tenth of suppliers."""
    if s.company_number is None or rng.random() < 0.1:
        return None
    if s.identifier and rng.random() < 0.7:
        return s.identifier
    return s.company_number


def turnover_cell(rng: random.Random, s: Supplier) -> object:
    """Turnover as a plain number or as text with a currency symbol or separators."""
    if s.currency == "EUR" and rng.random() < 0.5:
        return f"€ {messy.group_digits(s.turnover, ' ', ',', decimals=0)}"
    if s.currency == "GBP" and rng.random() < 0.3:
        return f"£{messy.group_digits(s.turnover, ',', '.', decimals=0)}"
    if rng.random() < 0.2:
        return messy.group_digits(s.turnover, ",", ".", decimals=0)
    return s.turnover


def countries_cell(rng: random.Random, isos: object) -> str | None:
    """A list of countries as ISO codes ("CN; MY") or, sometimes, English names."""
    if not isinstance(isos, list) or not isos:
        return None
    codes = [str(c) for c in isos]
    if rng.random() < 0.25 and all(c in ENGLISH for c in codes):
        return ", ".join(ENGLISH[c] for c in codes)
    return "; ".join(codes)


def cell(rng: random.Random, s: Supplier, key: str) -> object:
    """The questionnaire cell for one canonical column of one supplier."""
    a = s.answers
    french = s.country in FRENCH or int(s.supplier_id[1:]) % 23 == 0
    value = a.get(key)
    if key == "supplier_id":
        return s.supplier_id
    if key == "supplier_name":
        return s.questionnaire_name
    if key == "registration_ids":
        return ids_cell(rng, s)
    if key == "supplier_country":
        return messy.country_cell(rng, s.country)
    if key == "annual_turnover":
        return turnover_cell(rng, s)
    if key == "turnover_currency":
        return {"GBP": rng.choice(("GBP", "GBP", "£")), "EUR": rng.choice(("EUR", "EUR", "€"))}.get(
            s.currency, s.currency
        )
    if key == "jurisdictions":
        return "; ".join(value) if isinstance(value, list) else None
    if key in ("production_countries", "origin_countries"):
        return countries_cell(rng, value)
    if key in SHARES:
        return messy.share_cell(rng, value if isinstance(value, float) else None)
    if key in NOT_APPLICABLE and value is None and a.get("uses_labour_recruiters") == "no":
        return "N/A" if rng.random() < 0.5 else None
    if key in ANSWERS:
        return messy.answer_cell(rng, value, french=french)
    if isinstance(value, str) and value in ENUM_WORDS:
        return rng.choice(ENUM_WORDS[value])
    if isinstance(value, dt.date):
        return messy.date_cell(rng, value, serial_rate=0.0)
    return value


def write_questionnaire(suppliers: list[Supplier], path: Path, rng: random.Random) -> None:
    """Write the questionnaire workbook: a title row, a blank row, the header and one row per supplier."""
    wb = new_workbook("procrisk sample")
    ws = wb.active
    assert ws is not None
    ws.title = SHEET
    ws.cell(row=1, column=1, value=TITLE).font = TITLE_FONT
    for col, (_, name) in enumerate((*HEADERS, ("", EXTRA_HEADER)), start=1):
        c = ws.cell(row=HEADER_ROW, column=col, value=name)
        c.font, c.fill = HEADER_FONT, HEADER_FILL
        ws.column_dimensions[get_column_letter(col)].width = 34 if col == 2 else 16
    for r, supplier in enumerate(suppliers, start=HEADER_ROW + 1):
        for col, (key, _) in enumerate(HEADERS, start=1):
            value = cell(rng, supplier, key)
            if value is None:
                continue
            target = ws.cell(row=r, column=col, value=value)
            if isinstance(value, dt.date):
                target.number_format = "DD/MM/YYYY"
            elif isinstance(value, float) and key in SHARES:
                target.number_format = "0%"
        if rng.random() < 0.08:
            ws.cell(row=r, column=len(HEADERS) + 1, value=rng.choice(COMMENTS))
    ws.freeze_panes = ws.cell(row=HEADER_ROW + 1, column=3)
    about = wb.create_sheet("About")
    for r, text in enumerate(
        (
            "Answers as given by suppliers; blanks are unanswered questions. N/A means not applicable.",
            "Shares are as typed (35 %, 0.35 or 35). Some suppliers answered in French (oui / non).",
            "Synthetic sample made by procrisk: every company, person and URL in it is invented.",
        ),
        start=1,
    ):
        about.cell(row=r, column=1, value=text)
    save(wb, path)
