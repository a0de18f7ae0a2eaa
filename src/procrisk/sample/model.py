"""The clean synthetic world (suppliers, contracts, OCDS processes) before it is written out messily."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from procrisk.sample.catalogue import Category
from procrisk.sample.geo import GBP_PER_UNIT, ID_SCHEME


@dataclass(eq=False)
class Supplier:
    """One invented supplier with its questionnaire answers keyed by canonical supplier column names."""

    supplier_id: str
    name: str
    trade: str
    country: str
    company_number: str | None
    turnover: float
    currency: str
    employees: int
    answers: dict[str, object] = field(default_factory=dict)
    questionnaire_name: str = ""
    risky: bool = False  # a foreign supplier from a high-risk origin, or one given a planted pattern

    @property
    def turnover_gbp(self) -> float:
        """Annual turnover converted to pounds at the fixed sample rates."""
        return self.turnover * GBP_PER_UNIT[self.currency]

    @property
    def scheme(self) -> str | None:
        """The org-id scheme of the company number, if the supplier has one."""
        return ID_SCHEME.get(self.country) if self.company_number else None

    @property
    def identifier(self) -> str | None:
        """The scheme-qualified company number, e.g. GB-COH-01234567."""
        return f"{self.scheme}-{self.company_number}" if self.scheme else None


@dataclass(eq=False)
class Contract:
    """One register row as the buyer meant it (clean values; the register writer makes it messy)."""

    ref: str
    category: Category
    cpv: str
    title: str
    description: str
    department: str
    suppliers: list[Supplier]
    procedure: str  # open | restricted | rfq | direct | negotiated
    bids: int | None
    published: dt.date | None
    deadline: dt.date | None
    award_date: dt.date
    estimate: float | None
    award: float
    currency: str
    start: dt.date
    end: dt.date
    origin: str | None
    sub_share: float | None
    subcontractors: list[str]
    clause: bool | None
    risk_assessed: bool | None
    last_review: dt.date | None
    notes: str | None = None
    intended: tuple[str, ...] = ()  # patterns the generator meant to plant
    bad: str | None = None  # kind of deliberately invalid value written for this row
    credit_note: bool = False

    @property
    def division(self) -> str:
        """Two-digit CPV division of the contract's code."""
        return self.cpv[:2]


@dataclass(eq=False)
class Process:
    """One OCDS contracting process (an ocid) with its tender, bids, award and contract."""

    ocid: str
    buyer: tuple[str, str, str]  # party id, name, GB-LAE code
    category: Category
    cpv: str
    title: str
    description: str
    method: str  # OCDS procurementMethod
    method_details: str
    tender_start: dt.datetime
    tender_end: dt.datetime
    estimate: float
    currency: str
    tenderers: list[Supplier]
    bid_values: list[float]
    bid_statuses: list[str]
    with_bids: bool
    award_date: dt.datetime | None
    award_value: float | None
    winner: Supplier | None
    contract_start: dt.date | None
    contract_end: dt.date | None
    award_criteria: str
    two_releases: bool
    intended: tuple[str, ...] = ()

    @property
    def completed(self) -> bool:
        """Whether the process has an award (else it is an open tender with one release)."""
        return self.winner is not None
