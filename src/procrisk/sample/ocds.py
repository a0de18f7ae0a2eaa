"""Build OCDS 1.1 contracting processes and write them as one release package (with planted patterns)."""

from __future__ import annotations

import datetime as dt
import json
import math
import random
from pathlib import Path

from procrisk.sample.catalogue import CATEGORIES, CPV, Category
from procrisk.sample.contracts import SAFE_SUPPLIER_COUNTRIES, wording
from procrisk.sample.geo import ENGLISH
from procrisk.sample.model import Process, Supplier
from procrisk.sample.risks import OCDS_PATTERNS

OCID_PREFIX = "ocds-zz9smp"
BUYERS = (
    ("GB-LAE-ZKM", "Kestrelmoor Borough Council", "ZKM"),
    ("GB-LAE-ZAV", "Ashcombe Vale County Council", "ZAV"),
    ("GB-LAE-ZDM", "Dunmarren District Council", "ZDM"),
)
METHODS = (("open", 0.55), ("selective", 0.15), ("limited", 0.15), ("direct", 0.15))
METHOD_DETAILS = {
    "open": "Open procedure",
    "selective": "Restricted procedure",
    "limited": "Negotiated procedure without prior publication",
    "direct": "Direct award",
}
BID_EXTENSION = (
    "https://raw.githubusercontent.com/open-contracting-extensions/ocds_bid_extension/v1.1.5/extension.json"
)
PUBLISHED = "2025-01-15T09:00:00Z"


def last_sunday(year: int, month: int) -> dt.date:
    """The last Sunday of a month (UK clocks change on the last Sundays of March and October)."""
    day = dt.date(year, month + 1, 1) - dt.timedelta(days=1)
    return day - dt.timedelta(days=(day.weekday() + 1) % 7)


def stamp(moment: dt.datetime, *, utc: bool = False) -> str:
    """RFC 3339 date-time of a UK local time: with its +00:00/+01:00 offset, or converted to Z."""
    summer = last_sunday(moment.year, 3) <= moment.date() < last_sunday(moment.year, 10)
    if utc:
        return (moment - dt.timedelta(hours=1 if summer else 0)).strftime("%Y-%m-%dT%H:%M:%SZ")
    return moment.strftime("%Y-%m-%dT%H:%M:%S") + ("+01:00" if summer else "+00:00")


class ProcessMaker:
    """Makes OCDS processes from the low-risk suppliers of the shared pool."""

    def __init__(self, rng: random.Random, suppliers: list[Supplier]) -> None:
        """Index the low-risk suppliers by trade."""
        self.rng = rng
        self.pool = [s for s in suppliers if s.country in SAFE_SUPPLIER_COUNTRIES]
        self.by_trade: dict[str, list[Supplier]] = {}
        for s in self.pool:
            self.by_trade.setdefault(s.trade, []).append(s)

    def tenderers(self, category: Category, k: int) -> list[Supplier]:
        """``k`` distinct tenderers, from the category's trade first."""
        trade = list(self.by_trade.get(category.trade, []))
        self.rng.shuffle(trade)
        others = [s for s in self.pool if s not in trade]
        return (trade + self.rng.sample(others, max(0, k - len(trade))))[:k]

    def make(self, n: int, patterns: tuple[str, ...], *, completed: bool) -> Process:
        """Process number ``n``, showing exactly ``patterns`` (none for background)."""
        rng = self.rng
        cats = [c for c in CATEGORIES if c.trade in self.by_trade]
        category = rng.choices(cats, weights=[c.weight for c in cats])[0]
        buyer = rng.choice(BUYERS)
        method = (
            "open"
            if {"single_bid", "short_tender_period"} & set(patterns)
            else rng.choices([m for m, _ in METHODS], weights=[w for _, w in METHODS])[0]
        )
        if completed:
            start = dt.datetime(2024, 1, 2, 9) + dt.timedelta(
                days=rng.randint(0, 300), hours=rng.randint(0, 7)
            )
        else:
            start = dt.datetime(2024, 12, 1, 9) + dt.timedelta(
                days=rng.randint(0, 40), hours=rng.randint(0, 7)
            )
        low, high = {"open": (25, 45), "selective": (30, 45), "limited": (10, 20), "direct": (5, 10)}[method]
        if "short_tender_period" in patterns:
            low, high = 7, 12
        days = rng.randint(low, high) if completed else rng.randint(46, 70)
        end = (start + dt.timedelta(days=days)).replace(hour=12, minute=0)
        award = round(10 ** rng.uniform(math.log10(category.low), math.log10(category.high)), 2)
        estimate = round(award / rng.uniform(0.87, 1.15), -2)
        if "price_far_below_estimate" in patterns:
            award = round(estimate * rng.uniform(0.3, 0.55), 2)
        count = (
            1
            if "single_bid" in patterns
            else {
                "open": rng.randint(2, 6),
                "selective": rng.randint(2, 4),
                "limited": rng.randint(1, 3),
                "direct": 1,
            }[method]
        )
        tenderers = self.tenderers(category, count) if completed else []
        bid_values = [award] + [round(award * rng.uniform(1.02, 1.4), 2) for _ in tenderers[1:]]
        statuses = ["valid"] + [rng.choice(("valid",) * 9 + ("disqualified",)) for _ in tenderers[1:]]
        award_date = (end + dt.timedelta(days=rng.randint(15, 60))).replace(hour=10) if completed else None
        c_start = award_date.date() + dt.timedelta(days=rng.randint(14, 45)) if award_date else None
        title, description = wording(rng, category)
        return Process(
            ocid=f"{OCID_PREFIX}-{buyer[2]}-2024-{n:04d}",
            buyer=buyer,
            category=category,
            cpv=rng.choice(category.cpvs),
            title=title,
            description=description,
            method=method,
            method_details=METHOD_DETAILS[method],
            tender_start=start,
            tender_end=end,
            estimate=estimate,
            currency="GBP",
            tenderers=tenderers,
            bid_values=bid_values,
            bid_statuses=statuses,
            with_bids=completed and rng.random() < 0.4,
            award_date=award_date,
            award_value=award if completed else None,
            winner=tenderers[0] if completed else None,
            contract_start=c_start,
            contract_end=c_start + dt.timedelta(days=365 * rng.randint(1, 4) - 1) if c_start else None,
            award_criteria=rng.choice(("priceOnly", "ratedCriteria", "ratedCriteria")),
            two_releases=False,
            intended=patterns,
        )


def build_processes(rng: random.Random, suppliers: list[Supplier], releases: int) -> list[Process]:
    """Processes for ``releases`` releases: a sixth of ocids get a tender and a later award release."""
    n_two = releases // 6
    n_ocids = releases - n_two
    n_open = max(1, round(n_ocids * 0.08))
    per_pattern = max(1, round(n_ocids * 0.035))
    plans: list[tuple[str, ...]] = []
    for i in range(per_pattern * len(OCDS_PATTERNS)):
        first = OCDS_PATTERNS[i % len(OCDS_PATTERNS)]
        second = rng.choice([p for p in OCDS_PATTERNS if p != first]) if rng.random() < 0.25 else None
        plans.append((first, second) if second else (first,))
    plans += [()] * (n_ocids - n_open - len(plans))
    rng.shuffle(plans)
    maker = ProcessMaker(rng, suppliers)
    processes = [maker.make(i + 1, p, completed=True) for i, p in enumerate(plans)]
    processes += [maker.make(len(plans) + i + 1, (), completed=False) for i in range(n_open)]
    for p in rng.sample([p for p in processes if p.completed], n_two):
        p.two_releases = True
    return processes


def org(s: Supplier) -> dict[str, str]:
    """An OCDS organization reference to a supplier party."""
    return {"id": party_id(s), "name": s.name}


def party_id(s: Supplier) -> str:
    """The party id: the scheme-qualified company number where there is one."""
    return s.identifier or f"{OCID_PREFIX}-org-{s.supplier_id}"


def value(amount: float, currency: str) -> dict[str, object]:
    """An OCDS Value object."""
    return {"amount": amount, "currency": currency}


def parties(p: Process, *, awarded: bool) -> list[dict[str, object]]:
    """The buyer party and, once awarded, the winner (and the other tenderers when bids are published)."""
    buyer_id, buyer_name, code = p.buyer
    out: list[dict[str, object]] = [
        {
            "id": buyer_id,
            "name": buyer_name,
            "identifier": {"scheme": "GB-LAE", "id": code},
            "address": {"countryName": "United Kingdom"},
            "roles": ["buyer", "procuringEntity"],
        }
    ]
    if not awarded:
        return out
    for s in p.tenderers if p.with_bids else p.tenderers[:1]:
        party: dict[str, object] = {"id": party_id(s), "name": s.name}
        if s.identifier:
            party["identifier"] = {"scheme": s.scheme, "id": s.company_number}
        party["address"] = {"countryName": ENGLISH[s.country]}
        party["roles"] = ["supplier", "tenderer"] if s is p.winner else ["tenderer"]
        out.append(party)
    return out


def tender(p: Process, *, awarded: bool, utc: bool) -> dict[str, object]:
    """The tender section; numberOfTenderers and tenderers appear once the tender has closed."""
    code = p.cpv if p.ocid.endswith(("1", "5")) else p.cpv.split("-")[0]
    section: dict[str, object] = {
        "id": "tender-1",
        "title": p.title,
        "description": p.description,
        "status": "complete" if awarded else "active",
        "value": value(p.estimate, p.currency),
        "procurementMethod": p.method,
        "procurementMethodDetails": p.method_details,
        "mainProcurementCategory": p.category.contract_type,
        "awardCriteria": p.award_criteria,
        "items": [{"id": "1", "description": CPV[p.cpv], "classification": {"scheme": "CPV", "id": code}}],
        "tenderPeriod": {
            "startDate": stamp(p.tender_start, utc=utc),
            "endDate": stamp(p.tender_end, utc=utc),
        },
    }
    if awarded:
        section["numberOfTenderers"] = len(p.tenderers)
    if awarded and p.two_releases:  # the award release only updates what changed since the tender release
        return {k: section[k] for k in ("id", "status", "numberOfTenderers")}
    return section


def award_sections(p: Process, *, utc: bool) -> dict[str, object]:
    """The bids (for some processes), awards and contracts sections of an awarded process."""
    assert p.winner is not None and p.award_date is not None and p.award_value is not None
    assert p.contract_start is not None and p.contract_end is not None
    period = {
        "startDate": stamp(dt.datetime.combine(p.contract_start, dt.time()), utc=utc),
        "endDate": stamp(dt.datetime.combine(p.contract_end, dt.time(23, 59, 59)), utc=utc),
    }
    out: dict[str, object] = {}
    if p.with_bids:
        out["bids"] = {
            "details": [
                {
                    "id": f"bid-{i + 1}",
                    "date": stamp(p.tender_end - dt.timedelta(hours=i + 1), utc=utc),
                    "status": status,
                    "tenderers": [org(s)],
                    "value": value(amount, p.currency),
                }
                for i, (s, amount, status) in enumerate(
                    zip(p.tenderers, p.bid_values, p.bid_statuses, strict=True)
                )
            ]
        }
    award_id = "award-1"
    out["awards"] = [
        {
            "id": award_id,
            "status": "active",
            "date": stamp(p.award_date, utc=utc),
            "value": value(p.award_value, p.currency),
            "suppliers": [org(p.winner)],
        }
    ]
    out["contracts"] = [
        {
            "id": "contract-1",
            "awardID": award_id,
            "status": "active",
            "value": value(p.award_value, p.currency),
            "period": period,
            "dateSigned": stamp(p.award_date + dt.timedelta(days=7), utc=utc),
        }
    ]
    return out


def release(p: Process, stage: str) -> dict[str, object]:
    """One release of a process at a stage: "tender", "award" (update after a tender release) or "full"."""
    utc = p.ocid.endswith(("3", "7"))  # some publishers write UTC with Z instead of local offsets
    awarded = stage != "tender"
    tag = (
        ["tender"]
        if stage == "tender"
        else (["award", "contract"] if p.two_releases else ["tender", "award", "contract"])
    )
    date = p.award_date if awarded and p.award_date else p.tender_start
    body: dict[str, object] = {
        "ocid": p.ocid,
        "id": f"{p.ocid}-{stage}",
        "date": stamp(date, utc=utc),
        "tag": tag,
        "initiationType": "tender",
        "language": "en",
        "parties": parties(p, awarded=awarded),
        "buyer": {"id": p.buyer[0], "name": p.buyer[1]},
        "tender": tender(p, awarded=awarded, utc=utc),
    }
    if awarded:
        body |= award_sections(p, utc=utc)
    return body


def releases_of(p: Process) -> list[dict[str, object]]:
    """The process's releases: one (tender only, or everything) or a tender release then an award release."""
    if not p.completed:
        return [release(p, "tender")]
    if p.two_releases:
        return [release(p, "tender"), release(p, "award")]
    return [release(p, "full")]


def dump(package: dict[str, object]) -> str:
    """JSON text of the package: package fields one per line, then each release on one compact line."""
    head = {k: v for k, v in package.items() if k != "releases"}
    lines = ["{"]
    lines += [f" {json.dumps(k)}: {json.dumps(v, ensure_ascii=False)}," for k, v in head.items()]
    releases = package["releases"]
    assert isinstance(releases, list)
    lines.append(' "releases": [')
    body = [json.dumps(r, ensure_ascii=False, separators=(",", ":")) for r in releases]
    lines += [f"  {text}," for text in body[:-1]] + [f"  {body[-1]}"]
    lines += [" ]", "}"]
    return "\n".join(lines) + "\n"


def write_ocds(processes: list[Process], path: Path) -> int:
    """Write the release package (releases in date order); return the number of releases."""
    releases = [r for p in processes for r in releases_of(p)]
    releases.sort(key=lambda r: (str(r["date"]), str(r["id"])))
    package = {
        "uri": "https://kestrelmoor.example/ocds/release-package-2024.json",
        "version": "1.1",
        "extensions": [BID_EXTENSION],
        "publishedDate": PUBLISHED,
        "publisher": {
            "name": "procrisk synthetic sample (Kestrelmoor, Ashcombe Vale and Dunmarren councils)"
        },
        "license": "https://creativecommons.org/publicdomain/zero/1.0/",
        "publicationPolicy": "https://kestrelmoor.example/ocds/publication-policy",
        "releases": releases,
    }
    path.write_text(dump(package), encoding="utf-8")
    return len(releases)
