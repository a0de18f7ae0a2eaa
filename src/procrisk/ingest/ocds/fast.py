"""Flattens a plain, defect-free compiled release in one pass: the common shape of big JSON Lines files.

``flatten_plain`` gives exactly the rows, suppliers and classification schemes that ``flatten_release``
(flatten.py) packs for the same release, or None as soon as the release leaves the plain shape: anything
that would raise an issue (an empty string, a numeric id, a text amount, a lower-case currency, non-strict
tender dates ...), contracts or bids, a release without a buyer object, or arrays ocdsmerge would fold.
The generic flattener then reads that release, so its issues and values are unchanged. Each step mirrors the
generic one it replaces (same order of party resolution, same extras key order), without the JSON paths
and the issue bookkeeping that a plain release never needs.

The release is read as the msgspec Structs below, which hold only the fields procrisk reads: ``flatten_line``
decodes a JSON Lines line straight into them (the rest of the line is skipped, never built), and
``flatten_plain`` converts an already parsed release. An object where a Struct is expected fails the typed
read, which is not plain either. Leaf values stay ``Any``, so they are checked as the generic path checks
them; an ``id`` defaults to UNSET because ocdsmerge tells an absent id from a null one.
"""

from __future__ import annotations

from typing import Any

from msgspec import UNSET, DecodeError, Struct, UnsetType, ValidationError, convert
from msgspec.json import Decoder

from procrisk.ingest.ocds.cardinal_fields import period_days
from procrisk.ingest.ocds.flatten import _UPPER3, CONTRACT_FIELDS, SUPPLIER_ROLES, first_country, qualify, role_list

Packed = tuple[list[tuple[Any, ...]], list[tuple[Any, ...]], list[str]]  # rows, suppliers, schemes
# the row positions below are those of CONTRACT_FIELDS: a change there must be made here too
_LAYOUT = ("contract_id", "ocid", "source", "buyer_id", "buyer_name", "buyer_country", "supplier_id",
           "supplier_name", "supplier_country", "title", "description", "classification_scheme",
           "classification_code", "category", "contract_type", "procurement_method", "procurement_method_details",
           "tender_status", "number_of_tenderers", "tender_start", "tender_end", "submission_period_days",
           "estimated_value", "award_value", "currency", "lowest_other_bid_value", "runner_up_price_gap",
           "award_date", "contract_start", "contract_end", "delivery_country", "extras")
if CONTRACT_FIELDS != _LAYOUT:
    msg = "fast.py writes rows in an older CONTRACT_FIELDS order"
    raise ImportError(msg)
_SUPPLIER = frozenset({"supplier"})
_CURRENCIES: set[str] = set()  # currency codes _money found valid (three upper-case letters)
_TENDERER = frozenset({"tenderer"})


class _Value(Struct, gc=False):
    """An OCDS Value."""

    amount: Any = None
    currency: Any = None


class _Period(Struct, gc=False):
    """An OCDS Period."""

    startDate: Any = None  # noqa: N815 - the JSON names
    endDate: Any = None  # noqa: N815


class _Address(Struct, gc=False):
    """An OCDS Address (the fields giving a country)."""

    countryName: Any = None  # noqa: N815
    country: Any = None


class _Identifier(Struct, gc=False):
    """An OCDS Identifier."""

    scheme: Any = None
    id: Any = None
    legalName: Any = None  # noqa: N815


class _Classification(Struct, gc=False):
    """An OCDS Classification."""

    scheme: Any = None
    id: Any = None
    description: Any = None


class _Item(Struct, gc=False):
    """An OCDS Item."""

    id: Any = UNSET
    classification: _Classification | None = None
    deliveryAddress: _Address | None = None  # noqa: N815


class _Org(Struct, gc=False):
    """An OCDS Organization or OrganizationReference."""

    id: Any = UNSET
    name: Any = None
    identifier: _Identifier | None = None
    additionalIdentifiers: list[_Identifier] | None = None  # noqa: N815
    address: _Address | None = None
    roles: Any = None


class _Award(Struct, gc=False):
    """An OCDS Award."""

    id: Any = UNSET
    title: Any = None
    description: Any = None
    date: Any = None
    status: Any = None
    value: _Value | None = None
    contractPeriod: _Period | None = None  # noqa: N815
    items: list[_Item] | None = None
    suppliers: list[_Org] | UnsetType | None = UNSET


class _Tender(Struct, gc=False):
    """An OCDS Tender."""

    id: Any = None
    title: Any = None
    description: Any = None
    mainProcurementCategory: Any = None  # noqa: N815
    procurementMethod: Any = None  # noqa: N815
    procurementMethodDetails: Any = None  # noqa: N815
    status: Any = None
    numberOfTenderers: Any = None  # noqa: N815
    tenderPeriod: _Period | None = None  # noqa: N815
    value: _Value | None = None
    items: list[_Item] | None = None
    classification: _Classification | None = None
    tenderers: list[_Org] | None = None
    deliveryAddresses: list[_Address] | None = None  # noqa: N815
    deliveryAddress: _Address | None = None  # noqa: N815


class _Release(Struct, gc=False):
    """An OCDS release: the fields procrisk reads, and those that make a line something else."""

    ocid: Any = None
    tag: Any = None
    packageInfo: Any = None  # noqa: N815
    releases: Any = UNSET
    records: Any = UNSET
    compiledRelease: Any = UNSET  # noqa: N815
    contracts: Any = None
    bids: Any = None
    buyer: _Org | None = None
    parties: list[_Org] | None = None
    tender: _Tender | None = None
    awards: list[_Award] | None = None


_DECODE = Decoder(_Release).decode
_NO_TENDER = _Tender()
_EMPTY_ORG = _Org()


class _NotPlain(Exception):  # noqa: N818 - a signal, not an error: the generic flattener takes over
    """The release is not of the plain shape (the generic flattener reads it)."""


_NOT_PLAIN = _NotPlain()


def _text(value: Any) -> str | None:
    """A text value that needs no issue: None, or a string with something besides whitespace."""
    if value.__class__ is str:
        if value and not value.isspace():
            return value
    elif value is None:
        return None
    raise _NOT_PLAIN


def _money(value: _Value | None) -> tuple[Any, Any]:
    """(amount, currency) of an OCDS Value holding a JSON number and an upper-case three-letter code."""
    if value is None:
        return None, None
    amount, currency = value.amount, value.currency
    if amount is not None and amount.__class__ is not int and amount.__class__ is not float:
        raise _NOT_PLAIN
    if currency is not None and (currency.__class__ is not str or currency not in _CURRENCIES):
        if currency.__class__ is not str or not _UPPER3.fullmatch(currency):
            raise _NOT_PLAIN
        _CURRENCIES.add(currency)  # at most 26 ** 3 codes
    return amount, currency


def _period(value: _Period | None) -> tuple[str | None, str | None]:
    """(startDate, endDate) of an OCDS Period."""
    if value is None:
        return None, None
    return _text(value.startDate), _text(value.endDate)


def _classification(items: list[_Item]) -> tuple[Any, Any, Any] | None:
    """(scheme, code, description) of the first item with a classification."""
    for item in items:
        found = item.classification
        if found is not None and (found.id is not None or found.scheme is not None):
            return _text(found.scheme), _text(found.id), _text(found.description)
    return None


def _country(address: _Address | None) -> Any:
    """countryName, else country, of an Address (flatten._country)."""
    return None if address is None else first_country(address.countryName, address.country)


def _delivery_country(tender: _Tender, award_items: list[_Item]) -> Any:
    """The first delivery country given: tender.deliveryAddresses, then items' deliveryAddress (flatten's)."""
    for address in tender.deliveryAddresses or ():
        country = _country(address)
        if country:
            return country
    for items in (tender.items, award_items):
        for item in items or ():
            if item.deliveryAddress is not None:
                country = _country(item.deliveryAddress)
                if country:
                    return country
    return _country(tender.deliveryAddress)


def _identity(holder: _Org, fallback: _Org | None) -> tuple[Any, ...]:
    """(qualified id, registration ids, schemes, identifier, country) of an organisation (flatten.identity_of)."""
    identifier = holder.identifier
    if identifier is None and fallback is not None:
        identifier = fallback.identifier
    qualified = qualify(identifier.scheme, identifier.id) if identifier is not None else None
    registration = [qualified] if qualified else []
    for other in holder.additionalIdentifiers or ():
        other_id = qualify(other.scheme, other.id)
        if other_id and other_id not in registration:
            registration.append(other_id)
    scheme = identifier.scheme if identifier is not None else None
    schemes = (scheme.strip(),) if isinstance(scheme, str) and scheme.strip() else ()
    country = _country(holder.address)
    if country is None and fallback is not None:
        country = _country(fallback.address)
    return qualified, tuple(registration), schemes, identifier, country


class _Plain:
    """One plain release being flattened: its parties, the identities resolved, the suppliers seen."""

    __slots__ = ("identities", "parties", "schemes", "suppliers")

    def __init__(self, parties: list[_Org]) -> None:
        """Index the parties by id (first one wins)."""
        self.parties: dict[str, _Org] = {}
        for party in parties:
            party_id = party.id
            if party_id is not None and party_id is not UNSET:
                self.parties.setdefault(str(party_id), party)
        self.identities: dict[int, tuple[Any, ...]] = {}
        self.suppliers: dict[str, list[Any]] = {}
        self.schemes: list[str] = []

    def org(self, ref: _Org) -> tuple[Any, Any, Any, tuple[str, ...], tuple[str, ...]]:
        """(org id, name, country, registration ids, schemes) of a reference or party (flatten.resolve_org)."""
        ref_id = ref.id
        if ref_id is UNSET:
            ref_id = None
        party = self.parties.get(str(ref_id)) if ref_id is not None else None
        holder = party if party is not None else ref
        known = self.identities.get(id(holder))  # once per object (flatten._Reader.identity)
        if known is None:
            known = self.identities[id(holder)] = _identity(
                holder, ref if party is not None and party is not ref else None)
        qualified, registration, schemes, identifier, country = known
        org_id = qualified or _text(ref_id)
        if org_id is None and identifier is not None:
            org_id = _text(identifier.id)
        name = _text(ref.name)
        if name is None and party is not None and party is not ref:
            name = _text(party.name)
        if name is None and identifier is not None:
            name = _text(identifier.legalName)
        return org_id, name, country, registration, schemes

    def observe(self, org: tuple[Any, ...], roles: frozenset[str]) -> None:
        """Record an organisation seen as a supplier or tenderer (flatten._observe)."""
        org_id, name, country, registration, schemes = org
        if org_id is None and name is None:
            return
        key = org_id if org_id is not None else f"name:{name}"
        seen = self.suppliers.get(key)
        if seen is None:
            self.suppliers[key] = [key, org_id, name, country, list(registration), set(roles), list(schemes)]
            return
        seen[5] |= roles
        seen[2] = seen[2] or name
        seen[3] = seen[3] or country
        for item in registration:
            if item not in seen[4]:
                seen[4].append(item)
        for item in schemes:
            if item not in seen[6]:
                seen[6].append(item)


def _award_extras(extras: dict[str, str], award_id: str | None, status: Any) -> dict[str, Any]:
    """A row's extras: the tender's (never None), then the award's id and status when given, in this order."""
    made = extras.copy()
    if award_id is not None:
        made["award_id"] = award_id
    if status is not None:
        made["award_status"] = status
    return made


def _duplicate_ids(items: list[_Item] | list[_Org] | list[_Award]) -> bool:
    """Whether two objects of an array have ids ocdsmerge treats as the same (compile._duplicate_ids)."""
    ids = [str(item.id) for item in items if item.id is not UNSET]
    return len(set(ids)) != len(ids)


def _folds(release: _Release, tender: _Tender) -> bool:
    """compile.needs_merge for a release without contracts or bids: whether an array holds a repeated id."""
    awards = release.awards or ()
    # an array of fewer than two objects repeats nothing (the common case: no call made)
    for items in (release.parties, awards, tender.items, tender.tenderers):
        if items and len(items) > 1 and _duplicate_ids(items):
            return True
    for award in awards:
        for items in (award.suppliers, award.items):
            if items and len(items) > 1 and _duplicate_ids(items):
                return True
    return False


def flatten_line(line: bytes, source: str) -> tuple[str, Packed] | None:
    """(ocid, packed) of a JSON Lines line that is one plain release, read without parsing the rest; else None.

    None also for a line that needs anything of the generic reader: invalid or unusual JSON (anywhere in the
    line, read or skipped: invalid UTF-8 too), another kind of line (a package, a record), a read issue (no
    text ocid, a string tag, packageInfo ...).
    """
    try:
        release = _DECODE(line)
    except DecodeError:  # or a ValidationError (a subclass): the generic reader says what it is
        return None
    if not line.isascii():  # msgspec checks UTF-8 only in the strings it reads, not in those it skips
        try:
            line.decode()
        except UnicodeDecodeError:
            return None
    if release.releases is not UNSET or release.records is not UNSET or release.compiledRelease is not UNSET:
        return None
    ocid = release.ocid
    if ocid.__class__ is not str or release.tag.__class__ is str or release.packageInfo is not None:
        return None
    ocid = ocid.strip()
    if not ocid:
        return None
    try:
        packed = _flatten(release, ocid, source, check_merge=True)
    except _NotPlain:
        return None
    return None if packed is None else (ocid, packed)


def flatten_plain(release: dict[str, Any], ocid: str, source: str, *, check_merge: bool = True) -> Packed | None:
    """Rows (CONTRACT_FIELDS order), suppliers (SUPPLIER_SEEN order) and schemes of a plain release, else None.

    ``check_merge``: whether the release may hold arrays that ocdsmerge would fold (a release read alone;
    a record's compiledRelease is used as it is).
    """
    try:
        return _flatten(convert(release, _Release), ocid, source, check_merge=check_merge)
    except (_NotPlain, ValidationError):
        return None


def _flatten(release: _Release, ocid: str, source: str, *, check_merge: bool) -> Packed | None:
    """flatten_plain, raising _NotPlain where the release leaves the plain shape."""
    contracts = release.contracts
    if (contracts is not None and contracts != []) or release.bids is not None:
        return None
    tender = release.tender
    if tender is None:
        tender = _NO_TENDER
    if check_merge and _folds(release, tender):
        return None
    parties = release.parties or []
    plain = _Plain(parties)
    buyer = release.buyer
    if buyer is None or buyer == _EMPTY_ORG:  # an empty object, or one of fields procrisk does not read
        return None
    buyer_org = plain.org(buyer)
    buyer_id = _text(None if buyer.id is UNSET else buyer.id) or buyer_org[0]
    classification = _classification(tender.items or ())
    if classification is None and tender.classification is not None:
        given = tender.classification
        classification = (_text(given.scheme), _text(given.id), _text(given.description))
    if classification and classification[0]:
        plain.schemes.append(classification[0])
    period = tender.tenderPeriod
    days, not_strict = period_days(period.startDate, period.endDate) if period is not None else (None, False)
    tenderers = tender.numberOfTenderers
    if not_strict or (tenderers is not None and tenderers.__class__ is not int):
        return None
    start, end = _period(period)
    estimated, tender_currency = _money(tender.value)
    extras: dict[str, str] = {}
    if tender.id is not None:
        extras["tender_id"] = str(tender.id)
    title, description = _text(tender.title), _text(tender.description)
    scheme, code, category = classification if classification else (None, None, None)
    delivery = _delivery_country(tender, [])
    # the CONTRACT_FIELDS of every row: contract_id, supplier, award and extras fields are filled per row
    common = [None, ocid, source, buyer_id, buyer_org[1], buyer_org[2], None, None, None, title, description,
              scheme, code, category, _text(tender.mainProcurementCategory),
              _text(tender.procurementMethod), _text(tender.procurementMethodDetails),
              _text(tender.status), tenderers, start, end, days, estimated, None, tender_currency,
              None, None, None, None, None, delivery, None]
    rows: list[tuple[Any, ...]] = []
    awards = release.awards or ()
    if not awards:
        common[0], common[31] = ocid, extras
        rows.append(tuple(common))
    for position, award in enumerate(awards):
        _award_rows(plain, award, position, common, extras, rows)
    for party in parties:
        roles = SUPPLIER_ROLES.intersection(role_list(party.roles))
        if roles:
            plain.observe(plain.org(party), roles)
    for ref in tender.tenderers or ():
        plain.observe(plain.org(ref), _TENDERER)
    suppliers = [tuple(seen) for seen in plain.suppliers.values()]
    return rows, suppliers, plain.schemes


def _award_rows(plain: _Plain, award: _Award, position: int, common: list[Any], extras: dict[str, str],
                rows: list[tuple[Any, ...]]) -> None:
    """One row per supplier of an award (flatten._award_rows and _emit without contracts or bids)."""
    award_id = _text(None if award.id is UNSET else award.id)
    amount, currency = _money(award.value)
    start, end = _period(award.contractPeriod)
    award_items = award.items or []
    row = list(common)
    row[9] = _text(award.title) or common[9]
    row[10] = _text(award.description) or common[10]
    row[23], row[24] = amount, currency or common[24]
    row[27], row[28], row[29] = _text(award.date), start, end
    row[30] = common[30] or _delivery_country(_NO_TENDER, award_items)
    classification = _classification(award_items)
    if classification is not None:
        row[11], row[12], row[13] = classification
        if classification[0]:
            plain.schemes.append(classification[0])
    contract_id = f"{common[1]}/{award_id or f'award-{position + 1}'}"
    refs = award.suppliers
    if refs is UNSET:
        if award.items is not None:
            raise _NOT_PLAIN  # suppliers may be nested in the items (pre-1.0 layout, an issue)
        refs = None
    if not refs:
        row[0], row[31] = contract_id, _award_extras(extras, award_id, award.status)
        rows.append(tuple(row))
        return
    several = len(refs) > 1
    for number, ref in enumerate(refs, start=1):
        org = plain.org(ref)
        plain.observe(org, _SUPPLIER)
        row[0] = f"{contract_id}/{number}" if several else contract_id
        row[6], row[7], row[8] = org[0], org[1], org[2]
        row[31] = _award_extras(extras, award_id, award.status)
        rows.append(tuple(row))
