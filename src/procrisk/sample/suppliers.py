"""Build the invented supplier pool and its questionnaire answers, planting the supplier-level patterns."""

from __future__ import annotations

import datetime as dt
import random
import re
from collections import defaultdict

from procrisk.errors import UsageError
from procrisk.sample.catalogue import CATEGORIES, HIGH_RISK_DIVISIONS
from procrisk.sample.geo import (
    CURRENCY,
    EUR_COUNTRIES,
    GBP_PER_UNIT,
    HIGH_RISK_ORIGINS,
    ILAB_FORCED_LABOUR,
    LOW_RISK_ORIGINS,
)
from procrisk.sample.model import Supplier
from procrisk.sample.names import NameMaker, name_variant

MIN_SUPPLIERS = 40
GOODS_TRADES = ("garments", "ppe", "it_hardware", "solar", "furniture", "food", "building_materials")
LABOUR_TRADES = (
    "cleaning",
    "security",
    "catering",
    "staffing",
    "care",
    "construction",
    "waste",
    "laundry",
    "grounds",
    "transport",
    "garments",
    "ppe",
    "food",
)
FOREIGN_LOW_RISK = {
    "software": ("US", "MX", "MX", "IE", "DE", "FR", "ES", "DK", "SE"),
    "consultancy": ("IE", "DE", "FR", "ES", "NL", "US", "MX"),
    "cleaning": ("IE", "DE", "FR", "ES"),
    "furniture": ("DE", "FR", "ES", "IT", "PL"),
    "garments": ("PT", "DE", "ES"),
    "it_hardware": ("DE", "NL", "IE"),
    "ppe": ("DE", "BE", "NL"),
    "food": ("NL", "DK", "ES", "BE"),
}


# One supplier of each of these (trade, country) pairs always exists, so that every sample shows a Mexican,
# German, Spanish and French firm (and their country names in Spanish, French and German).
SHOWCASE = (("software", "MX"), ("cleaning", "DE"), ("consultancy", "ES"), ("furniture", "FR"))


def risky_origins(trade: str) -> list[str]:
    """Origins that make every category of a goods trade show an origin pattern."""
    cats = [c for c in CATEGORIES if c.trade == trade]
    out = []
    for iso in sorted(
        {iso for c in cats for g in c.ilab_goods for iso in ILAB_FORCED_LABOUR[g]} | HIGH_RISK_ORIGINS
    ):
        if any(origin_pattern(c.cpvs, c.ilab_goods, iso) for c in cats) and iso in CURRENCY:
            out.append(iso)
    return out


def origin_pattern(cpvs: tuple[str, ...], goods: tuple[str, ...], iso: str) -> bool:
    """Whether goods of these CPV codes from ``iso`` show high_risk_sector_and_origin or the ILAB pattern."""
    high = all(code[:2] in HIGH_RISK_DIVISIONS for code in cpvs)
    return (high and iso in HIGH_RISK_ORIGINS) or any(iso in ILAB_FORCED_LABOUR[g] for g in goods)


def trade_weights() -> dict[str, float]:
    """Supplier-pool weight per trade: the sum of its categories' weights."""
    weights: dict[str, float] = defaultdict(float)
    for c in CATEGORIES:
        weights[c.trade] += c.weight
    return dict(sorted(weights.items()))


def company_number(rng: random.Random, iso: str) -> str | None:
    """A made-up company number in the shape the country's register uses (None for some)."""
    if iso == "GB":
        return (
            f"SC{rng.randint(100000, 799999)}"
            if rng.random() < 0.06
            else f"{rng.randint(1000000, 15999999):08d}"
        )
    shapes = {
        "IE": lambda: str(rng.randint(100000, 799999)),
        "DE": lambda: f"HRB {rng.randint(1000, 99999)}",
        "FR": lambda: str(rng.randint(300000000, 999999999)),
        "ES": lambda: f"B{rng.randint(10**7, 10**8 - 1)}",
        "NL": lambda: str(rng.randint(10**7, 10**8 - 1)),
        "CN": lambda: str(rng.randint(10**14, 10**15 - 1)),
        "MY": lambda: f"{rng.randint(100000, 999999)}-{rng.choice('ADHKMPTVXW')}",
        "IN": lambda: (
            f"U{rng.randint(10000, 99999)}DL{rng.randint(2000, 2020)}PTC{rng.randint(100000, 999999)}"
        ),
        "MX": lambda: (
            f"{''.join(rng.choice('ABCDEFGHJKLMNPRSTVXZ') for _ in range(3))}"
            f"{rng.randint(100101, 991231)}{rng.choice('ABC')}{rng.randint(10, 99)}"
        ),
        "US": lambda: f"{rng.randint(10, 99)}-{rng.randint(1000000, 9999999)}",
    }
    make = shapes.get(iso)
    return make() if make else None


def build_suppliers(rng: random.Random, n: int, names: NameMaker) -> list[Supplier]:
    """Create ``n`` suppliers across trades and countries, with answers; plant the supplier patterns."""
    weights = trade_weights()
    if n < MIN_SUPPLIERS:
        msg = f"suppliers={n}: the sample needs at least {MIN_SUPPLIERS} suppliers"
        raise UsageError(msg)
    trades = list(weights) + rng.choices(list(weights), weights=list(weights.values()), k=n - len(weights))
    rng.shuffle(trades)
    n_foreign_risky = max(2, round(n * 0.05))
    suppliers: list[Supplier] = []
    risky_slots = pick_risky_slots(rng, trades, n_foreign_risky)
    showcase = {trades.index(t): iso for t, iso in SHOWCASE if trades.index(t) not in risky_slots}
    for i, trade in enumerate(trades):
        if i in risky_slots:
            iso = rng.choice(risky_origins(trade))
        elif i in showcase:
            iso = showcase[i]
        elif trade in FOREIGN_LOW_RISK and rng.random() < 0.18:
            iso = rng.choice(FOREIGN_LOW_RISK[trade])
        else:
            iso = "GB"
        suppliers.append(make_supplier(rng, i, trade, iso, names, risky=i in risky_slots))
    plant_supplier_patterns(rng, suppliers)
    for s in suppliers:
        s.answers = answers(rng, s) | s.answers
        s.questionnaire_name = name_variant(s.name, rng) if rng.random() < 0.05 else s.name
    return suppliers


def pick_risky_slots(rng: random.Random, trades: list[str], k: int) -> set[int]:
    """Up to ``k`` goods-trade slots for high-risk foreign suppliers, leaving each trade a low-risk one."""
    slots = [i for i, t in enumerate(trades) if t in GOODS_TRADES]
    rng.shuffle(slots)
    left = {t: trades.count(t) for t in GOODS_TRADES}
    chosen: set[int] = set()
    for i in slots:
        if len(chosen) == k:
            break
        if left[trades[i]] > 1:
            chosen.add(i)
            left[trades[i]] -= 1
    return chosen


def make_supplier(
    rng: random.Random, i: int, trade: str, iso: str, names: NameMaker, *, risky: bool
) -> Supplier:
    """One supplier with a turnover kept clear of the £36m statement threshold band."""
    currency = "EUR" if iso in EUR_COUNTRIES else CURRENCY[iso]
    turnover_gbp = 10 ** rng.uniform(5.3, 8.6)
    if 28e6 <= turnover_gbp <= 48e6:
        turnover_gbp = rng.choice((rng.uniform(2e6, 25e6), rng.uniform(55e6, 150e6)))
    turnover = round(turnover_gbp / GBP_PER_UNIT[currency], -3)
    employees = max(3, int(turnover_gbp / rng.uniform(40_000, 120_000)))
    name = names.company(trade, iso)
    return Supplier(
        f"S{10001 + i}",
        name,
        trade,
        iso,
        company_number(rng, iso),
        turnover,
        currency,
        employees,
        risky=risky,
    )


def plant_supplier_patterns(rng: random.Random, suppliers: list[Supplier]) -> None:
    """Give a few suppliers the answers of the supplier patterns (fees, documents, disclosure, debarment)."""
    n = len(suppliers)
    labour = [s for s in suppliers if s.trade in LABOUR_TRADES]
    labour.sort(key=lambda s: (not s.risky, rng.random()))
    fees = labour[: max(1, round(n * 0.04))]
    for s in fees:
        s.answers.update(recruitment_fee_payer="worker", uses_labour_recruiters="yes")
    rest = [s for s in labour if s not in fees]
    docs = fees[: len(fees) // 2] + rest[: max(0, max(1, round(n * 0.03)) - len(fees) // 2)]
    for s in docs:
        s.answers["retains_identity_documents"] = "yes"
    big = [s for s in suppliers if s.country == "GB" and s not in fees and s not in docs]
    for s in rng.sample(big, max(1, round(n * 0.03))):
        s.turnover = round(rng.uniform(40e6, 400e6), -3)
        s.employees = int(s.turnover / rng.uniform(40_000, 90_000))
        s.answers.update(
            modern_slavery_statement_url=None,
            statement_period_end=None,
            statement_approved_by_board=None,
            statement_signed_by_director=None,
            statement_registry_id=None,
            kpis_reported=None,
        )
    debar_pool = [s for s in suppliers if s.trade in LABOUR_TRADES and "debarred" not in s.answers]
    for s in rng.sample(debar_pool, max(1, round(n * 0.0125))):
        s.answers.update(debarred="yes", labour_violations="serious", self_cleaning_evidence="no")
    for s in suppliers:
        if s.answers:
            s.risky = True


def maybe(rng: random.Random, value: object, blank: float = 0.07) -> object:
    """``value``, or None (unanswered) with probability ``blank``."""
    return None if rng.random() < blank else value


def pick(rng: random.Random, good: str, bad: str, p_bad: float, other: str | None = None) -> str:
    """``bad`` with probability ``p_bad`` else ``good`` (or ``other`` some of the time)."""
    if rng.random() < p_bad:
        return bad
    if other and rng.random() < 0.2:
        return other
    return good


def slug(name: str) -> str:
    """A URL-safe slug of a company name (ASCII letters and digits)."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower().encode("ascii", "ignore").decode()).strip("-")


def answers(rng: random.Random, s: Supplier) -> dict[str, object]:
    """Background questionnaire answers: riskier suppliers answer worse, yet never plant a pattern."""
    bad = 0.35 if s.risky else 0.06
    big = s.turnover_gbp > 36e6
    labour = s.trade in LABOUR_TRADES
    goods = s.trade in GOODS_TRADES
    site = "https://www." + slug(s.name) + ".example"
    day = dt.date(2024, 1, 1) + dt.timedelta(days=rng.randint(0, 364))
    recruiters = "yes" if (labour and rng.random() < 0.5) else "no"
    housing = "yes" if (s.risky and labour and rng.random() < 0.5) else "no"
    has_statement = big or rng.random() < 0.35
    origins = [s.country] if goods and s.country not in LOW_RISK_ORIGINS else []
    if goods and s.country == "GB":
        origins = rng.sample(["GB", "DE", "PL", "PT", "IT"], 2)
    return {
        "annual_turnover": s.turnover,
        "turnover_currency": s.currency,
        "employees": s.employees,
        "jurisdictions": maybe(rng, rng.choice((["UK"], ["UK", "EU"], ["UK", "Australia"], ["EU"]))),
        "response_date": day,
        "thb_conviction": maybe(rng, "no", 0.04),
        "debarred": maybe(rng, "no", 0.05),
        "labour_violations": maybe(rng, pick(rng, "none", "minor", bad)),
        "self_cleaning_evidence": None,
        "open_allegations": maybe(rng, pick(rng, "no", "yes", bad / 3)),
        "production_countries": [s.country],
        "origin_countries": origins or None,
        "tier1_list_provided": maybe(rng, pick(rng, "yes", "no", bad, "partly")) if goods else None,
        "tier2plus_mapped": round(rng.uniform(0.0, 0.3) if s.risky else rng.uniform(0.3, 0.95), 2)
        if goods
        else None,
        "share_migrant_workers": round(rng.uniform(0.3, 0.8) if s.risky else rng.uniform(0.0, 0.3), 2),
        "share_agency_workers": round(rng.uniform(0.0, 0.4), 2) if labour else round(rng.uniform(0, 0.1), 2),
        "share_seasonal_workers": maybe(rng, round(rng.uniform(0, 0.2), 2), 0.3) if labour else None,
        "employer_housing": housing,
        "housing_inspected_date": (day - dt.timedelta(days=rng.randint(30, 700)))
        if housing == "yes"
        else None,
        "housing_deductions_above_cost": maybe(rng, pick(rng, "no", "yes", bad))
        if housing == "yes"
        else None,
        "max_weekly_hours": float(
            rng.choice((40, 45, 48, 48, 50)) if not s.risky else rng.choice((60, 66, 72))
        ),
        "overtime_voluntary": maybe(rng, pick(rng, "yes", "no", bad, "partly")),
        "wage_payment_frequency": maybe(
            rng,
            rng.choice(("weekly", "monthly", "monthly", "fortnightly"))
            if not s.risky
            else rng.choice(("monthly", "less_often")),
        ),
        "paid_to_worker_account": maybe(rng, pick(rng, "yes", "no", bad)),
        "uses_labour_recruiters": recruiters,
        "recruiters_licensed": maybe(rng, pick(rng, "yes", "no", bad, "partly"))
        if recruiters == "yes"
        else None,
        "recruiter_names_disclosed": maybe(rng, pick(rng, "yes", "no", bad)) if recruiters == "yes" else None,
        "recruitment_fee_payer": (
            maybe(rng, "shared" if rng.random() < 0.06 else "employer", 0.05) if recruiters == "yes" else None
        ),
        "fee_policy_covers_related_costs": maybe(rng, pick(rng, "yes", "no", bad, "partly"))
        if labour
        else None,
        "fee_reimbursement_policy": maybe(rng, pick(rng, "yes", "no", bad)) if labour else None,
        "written_contracts": maybe(rng, pick(rng, "yes", "no", bad / 2)),
        "contract_in_worker_language": maybe(rng, pick(rng, "yes", "no", bad, "partly")),
        "contract_before_departure": maybe(rng, pick(rng, "yes", "no", bad), 0.2)
        if recruiters == "yes"
        else None,
        "pre_hire_disclosure": maybe(rng, pick(rng, "yes", "no", bad, "partly")),
        "retains_identity_documents": maybe(rng, "no", 0.08),
        "deposits_required": maybe(rng, pick(rng, "no", "yes", bad / 2)),
        "return_transport_paid": maybe(rng, pick(rng, "yes", "no", bad), 0.2)
        if recruiters == "yes"
        else None,
        "permission_to_change_employer": maybe(rng, pick(rng, "no", "yes", bad / 2)),
        "forced_labour_policy_url": maybe(rng, f"{site}/policies/anti-slavery", 0.05 if not s.risky else 0.5),
        "policy_flows_down": maybe(rng, pick(rng, "yes", "no", bad, "partly")),
        "last_risk_assessment_date": maybe(rng, day - dt.timedelta(days=rng.randint(20, 900)), 0.1),
        "last_audit_date": maybe(rng, day - dt.timedelta(days=rng.randint(30, 1100)), 0.3)
        if goods or labour
        else None,
        "audit_unannounced": maybe(rng, pick(rng, "yes", "no", 0.5 if s.risky else 0.3)) if goods else None,
        "open_critical_findings": (rng.randint(2, 6) if s.risky else rng.choice((0, 0, 0, 1)))
        if goods
        else None,
        "grievance_mechanism": maybe(rng, pick(rng, "full", "none", bad, "partial")),
        "remediation_procedure": maybe(rng, pick(rng, "with_referral", "none", bad, "generic")),
        "training_coverage": maybe(
            rng, round(rng.uniform(0.1, 0.4) if s.risky else rng.uniform(0.5, 1.0), 2)
        ),
        "msat_completed": maybe(rng, pick(rng, "yes", "no", bad + 0.1)),
        "compliance_plan": None,
        "eo13126_certification": None,
        "modern_slavery_statement_url": f"{site}/modern-slavery-statement-2024" if has_statement else None,
        "statement_period_end": dt.date(rng.choice((2023, 2024)), rng.choice((3, 12)), 31)
        if has_statement
        else None,
        "statement_approved_by_board": maybe(rng, pick(rng, "yes", "no", bad)) if has_statement else None,
        "statement_signed_by_director": maybe(rng, "yes") if has_statement else None,
        "statement_registry_id": maybe(rng, f"MSR-{rng.randint(10000, 99999)}", 0.3)
        if has_statement
        else None,
        "kpis_reported": maybe(rng, pick(rng, "yes", "no", 0.4, "partly")) if has_statement else None,
        "beneficial_owners_disclosed": maybe(rng, pick(rng, "yes", "no", bad)),
    }
