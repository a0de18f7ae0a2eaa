"""Build the register's clean contracts: mostly low/medium-risk background rows plus planted risky ones."""

from __future__ import annotations

import datetime as dt
import math
import random

from procrisk.sample.catalogue import (
    AREAS,
    CATEGORIES,
    DEPARTMENTS,
    HIGH_RISK_DIVISIONS,
    LOTS,
    NOTES,
    SITES,
    THINGS,
    Category,
)
from procrisk.sample.geo import (
    ENGLISH,
    EUR_COUNTRIES,
    HIGH_RISK_ORIGINS,
    ILAB_FORCED_LABOUR,
    LOW_RISK_ORIGINS,
)
from procrisk.sample.model import Contract, Supplier
from procrisk.sample.names import NameMaker
from procrisk.sample.risks import CONTRACT_PATTERNS
from procrisk.sample.suppliers import LABOUR_TRADES, origin_pattern

YEAR_START = dt.date(2024, 1, 1)
ORIGIN_PATTERNS = ("high_risk_sector_and_origin", "ilab_good_from_listed_origin")
PROCEDURES = (("open", 0.4), ("rfq", 0.25), ("direct", 0.15), ("restricted", 0.1), ("negotiated", 0.1))
BAD_KINDS = ("amount_tbc", "date_31_feb", "country_atlantis", "cpv_letter_o", "deadline_before_published")
SAFE_SUPPLIER_COUNTRIES = frozenset(LOW_RISK_ORIGINS) | {"US", "MX"}


def low_risk_suppliers(suppliers: list[Supplier]) -> dict[str, list[Supplier]]:
    """Suppliers from low-risk countries, by trade (the only ones background rows use)."""
    out: dict[str, list[Supplier]] = {}
    for s in suppliers:
        if s.country in SAFE_SUPPLIER_COUNTRIES:
            out.setdefault(s.trade, []).append(s)
    return out


TEAMS = (
    "Housing",
    "Highways",
    "Facilities",
    "Adult Social Care",
    "Children's Services",
    "Parking Services",
    "Waste and Environment",
    "Libraries",
)


def wording(rng: random.Random, category: Category) -> tuple[str, str]:
    """A title and a description for one purchase, naming the same invented site, area or system."""
    ctx = {
        "site": rng.choice(SITES),
        "thing": rng.choice(THINGS),
        "dept": rng.choice(TEAMS),
        "area": rng.choice(AREAS),
        "route": rng.randint(1, 99),
        "made_of": category.made_of,
    }
    return rng.choice(category.titles).format(**ctx), category.description.format(**ctx)


class ContractMaker:
    """Makes contracts one at a time from a shared random stream and the supplier pool."""

    def __init__(self, rng: random.Random, suppliers: list[Supplier], names: NameMaker) -> None:
        """Index the supplier pool and prepare a pool of invented subcontractor names."""
        self.rng = rng
        self.safe = low_risk_suppliers(suppliers)
        self.foreign_risky = [s for s in suppliers if s.country not in SAFE_SUPPLIER_COUNTRIES]
        self.names = names
        self.subs: dict[str, list[str]] = {}

    # -- parts ----------------------------------------------------------------------------------------
    def category(
        self, *, trades: tuple[str, ...] | None = None, high: bool = False, goods: bool | None = None
    ) -> Category:
        """A category drawn by weight, restricted to trades, high-risk divisions or goods when asked."""
        cats = [
            c
            for c in CATEGORIES
            if c.trade in self.safe
            and (trades is None or c.trade in trades)
            and (not high or c.high_risk)
            and (goods is None or c.goods == goods)
        ]
        return self.rng.choices(cats, weights=[c.weight for c in cats])[0]

    def supplier(self, category: Category) -> Supplier:
        """A low-risk-country supplier of the category's trade."""
        return self.rng.choice(self.safe[category.trade])

    def dates(self, procedure: str, *, short: bool) -> tuple[dt.date | None, dt.date | None, dt.date]:
        """Published, deadline and award dates for a procedure (open tenders run 25-60 days unless short)."""
        rng = self.rng
        award = YEAR_START + dt.timedelta(days=rng.randint(0, 365))
        if procedure in ("direct", "negotiated"):
            return None, None, award
        deadline = award - dt.timedelta(days=rng.randint(14, 60))
        span = {"open": (25, 60), "restricted": (30, 50), "rfq": (10, 21)}[procedure]
        days = rng.randint(5, 12) if short else rng.randint(*span)
        return deadline - dt.timedelta(days=days), deadline, award

    def bids(self, procedure: str, *, single: bool) -> int | None:
        """Number of bids for a procedure (one only when planted single-bid)."""
        rng = self.rng
        if single:
            return 1
        if procedure == "open":
            return rng.randint(2, 9)
        if procedure == "restricted":
            return rng.randint(2, 6)
        if procedure == "rfq":
            return rng.randint(2, 5) if rng.random() < 0.9 else None
        if procedure == "negotiated":
            return rng.randint(1, 2)
        return 1 if rng.random() < 0.6 else None

    def subcontracting(self, category: Category, *, heavy: bool) -> tuple[float | None, list[str]]:
        """Subcontracted share and named subcontractors (a heavy share always names them unless planted)."""
        rng = self.rng
        if heavy:
            return round(rng.uniform(0.45, 0.85), 2), []
        roll = rng.random()
        if category.trade == "construction" and roll < 0.6:
            share = round(rng.uniform(0.2, 0.7), 2)
        elif category.trade in LABOUR_TRADES and not category.goods and roll < 0.3:
            share = round(rng.uniform(0.05, 0.35), 2)
        elif roll < 0.6:
            return 0.0, []
        else:
            return None, []
        if category.trade not in self.subs:
            self.subs[category.trade] = [self.names.company(category.trade, "GB") for _ in range(6)]
        return share, rng.sample(self.subs[category.trade], rng.randint(1, 3))

    def origin(self, category: Category, supplier: Supplier) -> str | None:
        """A low-risk country of origin for goods (the supplier's own country when it is foreign)."""
        if not category.goods:
            return None
        if supplier.country != "GB" and supplier.country in LOW_RISK_ORIGINS:
            return supplier.country
        if self.rng.random() < 0.35:
            return None
        return self.rng.choice(("GB", "GB", "GB", *LOW_RISK_ORIGINS))

    # -- whole contracts --------------------------------------------------------------------------------
    def make(
        self,
        category: Category,
        supplier: Supplier,
        patterns: tuple[str, ...] = (),
        origin: str | None = None,
    ) -> Contract:
        """One contract of a category for a supplier, showing exactly the requested patterns."""
        rng = self.rng
        planted = bool(patterns)
        cpvs = [
            c
            for c in category.cpvs
            if "no_anti_trafficking_clause_high_risk" not in patterns or c[:2] in HIGH_RISK_DIVISIONS
        ]
        cpv = rng.choice(cpvs)
        if "single_bid" in patterns or "short_tender_period" in patterns:
            procedure = "open"
        else:
            procedure = rng.choices([p for p, _ in PROCEDURES], weights=[w for _, w in PROCEDURES])[0]
        published, deadline, award_date = self.dates(procedure, short="short_tender_period" in patterns)
        award = round(
            10 ** rng.uniform(math.log10(category.low), math.log10(category.high)), rng.choice((0, 2))
        )
        estimate: float | None = round(award / rng.uniform(0.87, 1.15), -2)
        if "price_far_below_estimate" in patterns:
            assert estimate is not None
            award = round(estimate * rng.uniform(0.3, 0.55), 2)
        elif not planted and rng.random() < 0.25:
            estimate = None
        start = award_date + dt.timedelta(days=rng.randint(7, 45))
        end = start + dt.timedelta(days=365 * rng.randint(1, 4) - 1)
        share, subs = self.subcontracting(category, heavy="heavy_undisclosed_subcontracting" in patterns)
        high = cpv[:2] in HIGH_RISK_DIVISIONS
        if "no_anti_trafficking_clause_high_risk" in patterns:
            clause: bool | None = False
            assessed: bool | None = rng.choice((False, False, None))
        elif high:
            clause, assessed = True, rng.choice((True,) * 6 + (None,))
        else:
            clause = rng.choices((True, False, None), weights=(60, 25, 15))[0]
            assessed = rng.choices((True, False, None), weights=(40, 30, 30))[0]
        review = None
        if clause and rng.random() < 0.5 and start < dt.date(2025, 1, 10):
            review = start + dt.timedelta(days=rng.randint(0, (dt.date(2025, 1, 10) - start).days))
        currency = "EUR" if supplier.country in EUR_COUNTRIES or rng.random() < 0.08 else "GBP"
        if origin is None:
            origin = self.origin(category, supplier)
        title, description = wording(rng, category)
        if origin and rng.random() < (0.6 if planted else 0.3):
            description += f" Country of manufacture: {ENGLISH[origin]}."
        return Contract(
            ref="",
            category=category,
            cpv=cpv,
            title=title + rng.choice(LOTS),
            description=description,
            department=category.department if rng.random() < 0.9 else rng.choice(DEPARTMENTS),
            suppliers=[supplier],
            procedure=procedure,
            bids=self.bids(procedure, single="single_bid" in patterns),
            published=published,
            deadline=deadline,
            award_date=award_date,
            estimate=estimate,
            award=award,
            currency=currency,
            start=start,
            end=end,
            origin=origin,
            sub_share=share,
            subcontractors=subs,
            clause=clause,
            risk_assessed=assessed,
            last_review=review,
            notes=rng.choice(NOTES) if rng.random() < 0.2 else None,
            intended=patterns,
        )

    def background(self, category: Category | None = None, supplier: Supplier | None = None) -> Contract:
        """A low/medium-risk row: competitive, priced near estimate, low-risk origin, clause if high-risk."""
        category = category or self.category()
        return self.make(category, supplier or self.supplier(category))

    def add_joint_suppliers(self, contracts: list[Contract], k: int) -> None:
        """Give ``k`` background framework rows a second supplier of the same trade (one cell, two names)."""
        joint = [
            c
            for c in contracts
            if not c.intended and c.category.trade in LABOUR_TRADES and len(self.safe[c.category.trade]) > 1
        ]
        for c in self.rng.sample(joint, min(k, len(joint))):
            c.suppliers.append(
                self.rng.choice([s for s in self.safe[c.category.trade] if s is not c.suppliers[0]])
            )

    def planted(self, patterns: tuple[str, ...]) -> Contract:
        """A risky row showing ``patterns`` (an origin pattern first, if any)."""
        rng = self.rng
        if patterns[0] in ORIGIN_PATTERNS:
            return self.origin_contract(patterns)
        high = "no_anti_trafficking_clause_high_risk" in patterns
        trades = tuple(LABOUR_TRADES) if rng.random() < 0.8 or high else None
        goods = False if "heavy_undisclosed_subcontracting" in patterns else None
        category = self.category(trades=trades, high=high, goods=goods)
        return self.make(category, self.supplier(category), patterns)

    def origin_contract(self, patterns: tuple[str, ...]) -> Contract:
        """A goods contract whose origin shows the ILAB or high-risk-origin pattern."""
        rng = self.rng
        if self.foreign_risky:
            supplier = self.foreign_risky.pop(0)
            iso = supplier.country
            cats = [
                c
                for c in CATEGORIES
                if c.trade == supplier.trade and origin_pattern(c.cpvs, c.ilab_goods, iso)
            ]
            holds = {c.key: shown_origin_patterns(c, iso) for c in cats}
            wanted = [c for c in cats if patterns[0] in holds[c.key]]
            category = rng.choice(wanted or cats)
            patterns = (*holds[category.key], *patterns[1:]) if not wanted else patterns
            return self.make(category, supplier, patterns, origin=iso)
        if patterns[0] == "ilab_good_from_listed_origin":
            category = rng.choice([c for c in CATEGORIES if c.ilab_goods and c.trade in self.safe])
            countries = sorted(
                {iso for g in category.ilab_goods for iso in ILAB_FORCED_LABOUR[g]} & set(ENGLISH)
            )
        else:
            category = rng.choice([c for c in CATEGORIES if c.goods and c.high_risk and c.trade in self.safe])
            countries = sorted(HIGH_RISK_ORIGINS & set(ENGLISH))
        gb = [s for s in self.safe[category.trade] if s.country == "GB"] or self.safe[category.trade]
        return self.make(category, rng.choice(gb), patterns, origin=rng.choice(countries))


def shown_origin_patterns(category: Category, iso: str) -> tuple[str, ...]:
    """The origin patterns goods of ``category`` from ``iso`` show."""
    out = []
    if category.high_risk and iso in HIGH_RISK_ORIGINS:
        out.append("high_risk_sector_and_origin")
    if any(iso in ILAB_FORCED_LABOUR[g] for g in category.ilab_goods):
        out.append("ilab_good_from_listed_origin")
    return tuple(out)


def plan(rng: random.Random, n_planted: int) -> list[tuple[str, ...]]:
    """Pattern sets for the planted rows: each pattern in turn as primary, a third with a second pattern."""
    extras = (
        "single_bid",
        "short_tender_period",
        "price_far_below_estimate",
        "no_anti_trafficking_clause_high_risk",
    )
    out = []
    for i in range(n_planted):
        primary = CONTRACT_PATTERNS[i % len(CONTRACT_PATTERNS)]
        chosen = [primary]
        if rng.random() < 0.35:
            pool = [
                p
                for p in (
                    extras if primary in ORIGIN_PATTERNS else (*extras, "heavy_undisclosed_subcontracting")
                )
                if p != primary
            ]
            chosen.append(rng.choice(pool))
        out.append(tuple(chosen))
    return out


def build_contracts(
    rng: random.Random, suppliers: list[Supplier], n: int, names: NameMaker
) -> list[Contract]:
    """``n`` contracts: about 7 % planted, the rest background covering every low-risk supplier once."""
    maker = ContractMaker(rng, suppliers, names)
    n_planted = max(2 * len(CONTRACT_PATTERNS), round(n * 0.07))
    contracts = [maker.planted(p) for p in plan(rng, n_planted)]
    while maker.foreign_risky:
        contracts.append(maker.planted((rng.choice(ORIGIN_PATTERNS),)))
    seen = {id(s) for c in contracts for s in c.suppliers}
    for trade_suppliers in maker.safe.values():
        for s in trade_suppliers:
            if len(contracts) >= n:
                break
            if id(s) not in seen:
                cats = [c for c in CATEGORIES if c.trade == s.trade]
                contracts.append(maker.background(rng.choices(cats, [c.weight for c in cats])[0], s))
    while len(contracts) < n:
        contracts.append(maker.background())
    maker.add_joint_suppliers(contracts, max(3, n // 60))
    contracts.sort(key=lambda c: (c.award_date, c.title, c.award))
    width = max(4, len(str(len(contracts))))
    for i, contract in enumerate(contracts):
        contract.ref = f"KBC-2024-{i + 1:0{width}d}"
    mark_oddities(rng, contracts)
    return contracts


def mark_oddities(rng: random.Random, contracts: list[Contract]) -> None:
    """Turn a few background rows into credit notes and a handful into rows with invalid values."""
    plain = [c for c in contracts if not c.intended and len(c.suppliers) == 1]
    picks = rng.sample(plain, len(BAD_KINDS) + max(1, len(contracts) // 1000))
    for c, kind in zip(picks, BAD_KINDS, strict=False):
        c.bad = kind
        if kind == "deadline_before_published":
            if c.published is None or c.deadline is None:
                c.published = c.award_date - dt.timedelta(days=40)
            c.deadline = c.published - dt.timedelta(days=rng.randint(3, 20))
            c.procedure = "restricted"
    for c in picks[len(BAD_KINDS) :]:
        c.credit_note = True
        c.title = f"Credit note - {c.title}"
        c.award = round(c.award * rng.uniform(0.01, 0.1), 2)
        c.estimate = None
