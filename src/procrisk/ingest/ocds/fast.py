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
# One set of roles, and one list of identifier schemes, for all the suppliers having the same: never changed in
# place (tables.add_suppliers keeps a process's as they are, a merge makes new ones), each is sent once per batch
# (marshal's back-references) and made once
_ROLE_SETS: dict[frozenset[str], set[str]] = {}
_SCHEME_LISTS: dict[tuple[str, ...], list[str]] = {}  # cleared as _SHARED is
# period_days of (startDate, endDate) texts seen, and those texts (the first objects seen: shared, see _SHARED)
_DAYS: dict[tuple[str, str], tuple[int | None, bool, str, str]] = {}
_DAYS_KEPT = 8_192  # then the cache starts again (a few MB at most)
# One object for each text value of a kind that repeats across releases (names, codes, dates): the rows of a
# batch then hold it many times, which marshal writes (and the reader reads) as a back-reference.
_SHARED: dict[str, str] = {}
_SHARED_KEPT = 65_536  # then the table starts again (a few MB at most)


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


def _texts(*values: Any) -> None:
    """Check that each value is a text that needs no issue (_text), for values used as they are."""
    for value in values:
        if value is not None and (value.__class__ is not str or not value or value.isspace()):
            raise _NOT_PLAIN


def _shared(values: tuple[Any, ...]) -> tuple[Any, ...]:
    """``values`` (texts or None), each text as its _SHARED object."""
    share = _SHARED.setdefault
    return tuple([None if value is None else share(value, value) for value in values])


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


def _period_days(start: Any, end: Any) -> tuple[int | None, bool, Any, Any]:
    """period_days and the dates, kept for a pair of texts (publishers repeat their tender periods)."""
    if start.__class__ is not str or end.__class__ is not str:
        return *period_days(start, end), start, end
    key = (start, end)
    known = _DAYS.get(key)
    if known is None:
        if len(_DAYS) >= _DAYS_KEPT:
            _DAYS.clear()
        known = _DAYS[key] = (*period_days(start, end), start, end)
    return known


def _classification(items: list[_Item]) -> tuple[Any, Any, Any] | None:
    """(scheme, code, description) of the first item with a classification."""
    for item in items:
        found = item.classification
        if found is not None and (found.id is not None or found.scheme is not None):
            scheme, code, description = found.scheme, found.id, found.description
            _texts(scheme, code, description)
            return scheme, code, description
    return None


def _country(address: _Address | None) -> Any:
    """countryName, else country, of an Address (flatten._country)."""
    if address is None:
        return None
    name = address.countryName
    if name.__class__ is str and name and not name.isspace():  # the common case, as first_country reads it
        return name
    return first_country(name, address.country)


def _delivery_country(tender: _Tender, award_items: list[_Item] | None) -> Any:
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
    if identifier is None:
        qualified = None
        registration: list[str] = []
        schemes: tuple[str, ...] = ()
    else:
        scheme, ident = identifier.scheme, identifier.id
        if scheme.__class__ is str and ident.__class__ is str:  # the common case, as qualify reads it
            scheme, ident = scheme.strip(), ident.strip()
            qualified = (ident if ident.startswith(scheme + "-") else f"{scheme}-{ident}") if scheme and ident else None
            schemes = (scheme,) if scheme else ()
        else:
            qualified = qualify(scheme, ident)
            schemes = (scheme.strip(),) if isinstance(scheme, str) and scheme.strip() else ()
        registration = [qualified] if qualified else []
    additional = holder.additionalIdentifiers
    if additional:
        for other in additional:
            other_id = qualify(other.scheme, other.id)
            if other_id and other_id not in registration:
                registration.append(other_id)
    country = _country(holder.address)
    if country is None and fallback is not None:
        country = _country(fallback.address)
    if country is not None:
        country = _SHARED.setdefault(country, country)
    return qualified, tuple(registration), schemes, identifier, country


class _Plain:
    """One plain release being flattened: its parties, the identities resolved, the suppliers seen."""

    __slots__ = ("identities", "parties", "schemes", "suppliers")

    def __init__(self, parties: list[_Org] | None) -> None:
        """Index the parties by id (first one wins)."""
        index: dict[str, _Org] = {}
        for party in parties or ():
            party_id = party.id
            if party_id is not None and party_id is not UNSET:
                if party_id.__class__ is not str:
                    party_id = str(party_id)
                if party_id not in index:
                    index[party_id] = party
        self.parties = index
        self.identities: dict[int, tuple[Any, ...]] = {}
        self.suppliers: dict[str, list[Any]] = {}
        self.schemes: list[str] = []

    def observe_parties(self, parties: list[_Org]) -> None:
        """Record the parties of a supplier or tenderer role (flatten's loop over the parties)."""
        for party in parties:
            roles = party.roles
            if roles is None:
                continue
            if roles.__class__ is list and len(roles) == 1 and roles[0].__class__ is str:  # the common case
                role = roles[0]
                if role == "supplier":
                    self.org(party, _SUPPLIER)
                elif role == "tenderer":
                    self.org(party, _TENDERER)
                continue
            roles = SUPPLIER_ROLES.intersection(role_list(roles))
            if roles:
                self.org(party, roles)

    def org(self, ref: _Org, roles: frozenset[str] | None = None) -> tuple[Any, Any, Any]:
        """(org id, name, country) of a reference or party (flatten.resolve_org); with ``roles``, also recorded
        as a supplier or tenderer (flatten._observe)."""
        ref_id = ref.id
        if ref_id is UNSET or ref_id is None:
            ref_id = party = None
        else:
            party = self.parties.get(ref_id if ref_id.__class__ is str else str(ref_id))
        other = party is not None and party is not ref  # a reference completed from its party
        holder = party if other else ref
        known = self.identities.get(holder_id := id(holder))  # once per object (flatten._Reader.identity)
        if known is None:
            known = self.identities[holder_id] = _identity(holder, ref if other else None)
        qualified, registration, schemes, identifier, country = known
        if qualified:
            org_id = qualified
        elif ref_id is None:
            org_id = _text(identifier.id) if identifier is not None else None
        elif ref_id.__class__ is str and ref_id and not ref_id.isspace():
            org_id = ref_id
        else:
            raise _NOT_PLAIN
        name = ref.name
        if name is not None:
            if name.__class__ is not str or not name or name.isspace():
                raise _NOT_PLAIN
        elif other and party.name is not None:  # type: ignore[union-attr]
            name = _text(party.name)  # type: ignore[union-attr]
        if name is None and identifier is not None:
            name = _text(identifier.legalName)
        if roles is None or (org_id is None and name is None):
            return org_id, name, country
        key = org_id if org_id is not None else f"name:{name}"
        seen = self.suppliers.get(key)
        if seen is None:
            shared = _ROLE_SETS.get(roles)
            if shared is None:
                shared = _ROLE_SETS[roles] = set(roles)
            listed = _SCHEME_LISTS.get(schemes)
            if listed is None:
                if len(_SCHEME_LISTS) >= _SHARED_KEPT:
                    _SCHEME_LISTS.clear()
                listed = _SCHEME_LISTS[schemes] = list(schemes)
            self.suppliers[key] = [key, org_id, name, country, list(registration), shared, listed]
            return org_id, name, country
        # the set of roles and the list of schemes may be shared (_ROLE_SETS): a new one when they grow
        if not roles <= seen[5]:
            seen[5] = seen[5] | roles
        seen[2] = seen[2] or name
        seen[3] = seen[3] or country
        for item in registration:
            if item not in seen[4]:
                seen[4].append(item)
        for item in schemes:
            if item not in seen[6]:
                seen[6] = [*seen[6], item]
        return org_id, name, country


def _award_extras(tender_id: str | None, award_id: str | None, status: Any) -> dict[str, Any]:
    """A row's extras: the tender's id, then the award's id and status, each when given, in this order."""
    made: dict[str, Any] = {} if tender_id is None else {"tender_id": tender_id}
    if award_id is not None:
        made["award_id"] = award_id
    if status is not None:
        made["award_status"] = status
    return made


def _duplicate_ids(items: list[_Item] | list[_Org] | list[_Award]) -> bool:
    """Whether two objects of an array have ids ocdsmerge treats as the same (compile._duplicate_ids)."""
    if len(items) == 2:  # the common case: two text ids
        first, second = items[0].id, items[1].id
        if first.__class__ is str and second.__class__ is str:
            return first == second
    ids = [str(item.id) for item in items if item.id is not UNSET]
    return len(set(ids)) != len(ids)


def _folds(parties: list[_Org] | None, awards: list[_Award] | None, tender: _Tender) -> bool:
    """compile.needs_merge for a release without contracts or bids: whether an array holds a repeated id."""
    # an array of fewer than two objects repeats nothing (the common case: no call made)
    if parties and len(parties) > 1 and _duplicate_ids(parties):
        return True
    if awards:
        if len(awards) > 1 and _duplicate_ids(awards):
            return True
        for award in awards:
            suppliers, items = award.suppliers, award.items
            if suppliers and len(suppliers) > 1 and _duplicate_ids(suppliers):
                return True
            if items and len(items) > 1 and _duplicate_ids(items):
                return True
    items, tenderers = tender.items, tender.tenderers
    return bool((items and len(items) > 1 and _duplicate_ids(items))
                or (tenderers and len(tenderers) > 1 and _duplicate_ids(tenderers)))


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
    parties, awards = release.parties, release.awards
    if check_merge and _folds(parties, awards, tender):
        return None
    buyer = release.buyer
    if buyer is None or buyer == _EMPTY_ORG:  # an empty object, or one of fields procrisk does not read
        return None
    if len(_SHARED) > _SHARED_KEPT:
        _SHARED.clear()
    share = _SHARED.setdefault
    plain = _Plain(parties)
    buyer_id, buyer_name, buyer_country = plain.org(buyer)
    if buyer.id is not UNSET and buyer.id is not None:
        buyer_id = _text(buyer.id)
    if buyer_id is not None:
        buyer_id = share(buyer_id, buyer_id)
    if buyer_name is not None:
        buyer_name = share(buyer_name, buyer_name)
    items = tender.items
    classification = _classification(items) if items else None
    if classification is None and tender.classification is not None:
        given = tender.classification
        classification = (_text(given.scheme), _text(given.id), _text(given.description))
    if classification:
        scheme, code, category = classification
        if scheme is not None:
            scheme = share(scheme, scheme)
        if code is not None:
            code = share(code, code)
        if category is not None:
            category = share(category, category)
        if scheme:
            plain.schemes.append(scheme)
    else:
        scheme = code = category = None
    period = tender.tenderPeriod
    if period is None:
        days = start = end = None
    else:
        start, end = period.startDate, period.endDate
        days, not_strict, start, end = _period_days(start, end)
        if not_strict:
            return None
        if days is None:  # else both are strict RFC 3339 date-times: text that needs no issue
            start, end = _text(start), _text(end)
    tenderers = tender.numberOfTenderers
    if tenderers is not None and tenderers.__class__ is not int:
        return None
    estimated, tender_currency = _money(tender.value)
    tender_id = tender.id
    if tender_id is not None and tender_id.__class__ is not str:
        tender_id = str(tender_id)
    title, description, contract_type = tender.title, tender.description, tender.mainProcurementCategory
    method, details, status = tender.procurementMethod, tender.procurementMethodDetails, tender.status
    _texts(title, description, contract_type, method, details, status)
    if contract_type is not None:
        contract_type = share(contract_type, contract_type)
    if method is not None:
        method = share(method, method)
    if details is not None:
        details = share(details, details)
    if status is not None:
        status = share(status, status)
    if tender_currency is not None:
        tender_currency = share(tender_currency, tender_currency)
    delivery = None
    if tender.deliveryAddresses is not None or tender.deliveryAddress is not None:
        delivery = _delivery_country(tender, None)
    elif items:
        for item in items:
            if item.deliveryAddress is not None:
                delivery = _delivery_country(tender, None)
                break
    if delivery is not None:
        delivery = share(delivery, delivery)
    # each row's values in CONTRACT_FIELDS order (the layout checked above)
    rows: list[tuple[Any, ...]] = []
    if not awards:
        rows.append((ocid, ocid, source, buyer_id, buyer_name, buyer_country, None, None, None, title, description,
                     scheme, code, category, contract_type, method, details, status, tenderers, start, end, days,
                     estimated, None, tender_currency, None, None, None, None, None, delivery,
                     {} if tender_id is None else {"tender_id": tender_id}))
    for position, award in enumerate(awards or (), start=1):
        award_id, award_title, award_description, award_date = award.id, award.title, award.description, award.date
        if award_id is UNSET:
            award_id = None
        _texts(award_id, award_title, award_description, award_date)
        amount, currency = _money(award.value)
        currency = tender_currency if currency is None else share(currency, currency)
        if award_date is not None:
            award_date = share(award_date, award_date)
        contract_period = award.contractPeriod
        if contract_period is None:
            award_start = award_end = None
        else:
            award_start, award_end = _shared((_text(contract_period.startDate), _text(contract_period.endDate)))
        award_title = award_title or title
        award_description = award_description or description
        award_scheme, award_code, award_category, award_delivery = scheme, code, category, delivery
        award_items = award.items
        if award_items:
            if not delivery:
                award_delivery = _delivery_country(_NO_TENDER, award_items)
            found = _classification(award_items)
            if found is not None:
                award_scheme, award_code, award_category = _shared(found)
                if award_scheme:
                    plain.schemes.append(award_scheme)
        contract_id = f"{ocid}/{award_id}" if award_id else f"{ocid}/award-{position}"
        refs = award.suppliers
        if refs is UNSET:
            if award_items is not None:
                raise _NOT_PLAIN  # suppliers may be nested in the items (pre-1.0 layout, an issue)
            refs = None
        award_status = award.status
        if award_status.__class__ is str:
            award_status = share(award_status, award_status)
        full = tender_id is not None and award_id is not None and award_status is not None  # extras' common case
        if not refs:
            rows.append((contract_id, ocid, source, buyer_id, buyer_name, buyer_country, None, None, None,
                         award_title, award_description, award_scheme, award_code, award_category, contract_type,
                         method, details, status, tenderers, start, end, days, estimated, amount, currency,
                         None, None, award_date, award_start, award_end, award_delivery,
                         {"tender_id": tender_id, "award_id": award_id, "award_status": award_status} if full
                         else _award_extras(tender_id, award_id, award_status)))
            continue
        several = len(refs) > 1
        for number, ref in enumerate(refs, start=1):
            org = plain.org(ref, _SUPPLIER)
            rows.append((f"{contract_id}/{number}" if several else contract_id, ocid, source, buyer_id, buyer_name,
                         buyer_country, org[0], org[1], org[2], award_title, award_description, award_scheme,
                         award_code, award_category, contract_type, method, details, status, tenderers, start, end,
                         days, estimated, amount, currency, None, None, award_date, award_start, award_end,
                         award_delivery,
                         {"tender_id": tender_id, "award_id": award_id, "award_status": award_status} if full
                         else _award_extras(tender_id, award_id, award_status)))
    if parties:
        plain.observe_parties(parties)
    for ref in tender.tenderers or ():
        plain.org(ref, _TENDERER)
    suppliers = list(map(tuple, plain.suppliers.values()))
    return rows, suppliers, plain.schemes
