"""Flattens a plain, defect-free compiled release in one pass: the common shape of big JSON Lines files.

``flatten_plain`` gives exactly the rows, suppliers and classification schemes that ``flatten_release``
(flatten.py) packs for the same release, or None as soon as the release leaves the plain shape: anything
that would raise an issue (an empty string, a numeric id, a text amount, a lower-case currency, non-strict
tender dates ...), contracts or bids, a release without a buyer object, or arrays ocdsmerge would fold.
The generic flattener then reads that release, so its issues and values are unchanged. Each step mirrors the
generic one it replaces (same order of party resolution, same extras key order), without the JSON paths
and the issue bookkeeping that a plain release never needs.
"""

from __future__ import annotations

from typing import Any

from procrisk.ingest.ocds.cardinal_fields import strict_number_of_tenderers, submission_period_days
from procrisk.ingest.ocds.compile import _duplicate_ids
from procrisk.ingest.ocds.flatten import (
    _UPPER3,
    CONTRACT_FIELDS,
    SUPPLIER_ROLES,
    _delivery_country,
    identity_of,
    roles_of,
)

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
_TENDERER = frozenset({"tenderer"})


class _NotPlain(Exception):  # noqa: N818 - a signal, not an error: the generic flattener takes over
    """The release is not of the plain shape (the generic flattener reads it)."""


_NOT_PLAIN = _NotPlain()


def _text(value: Any) -> str | None:
    """A text value that needs no issue: None, or a string with something besides whitespace."""
    if value is None:
        return None
    if value.__class__ is str and value and not value.isspace():
        return value
    raise _NOT_PLAIN


def _array(parent: dict[str, Any], key: str) -> list[dict[str, Any]]:
    """The objects of an array field (absent: empty); a value that is not an array is not plain."""
    value = parent.get(key)
    if value is None:
        return []
    if value.__class__ is not list:
        raise _NOT_PLAIN
    return [v for v in value if v.__class__ is dict]


def _money(value: Any) -> tuple[Any, Any]:
    """(amount, currency) of an OCDS Value holding a JSON number and an upper-case three-letter code."""
    if value is None:
        return None, None
    if value.__class__ is not dict:
        raise _NOT_PLAIN
    amount, currency = value.get("amount"), value.get("currency")
    if amount is not None and amount.__class__ is not int and amount.__class__ is not float:
        raise _NOT_PLAIN
    if currency is not None and (currency.__class__ is not str or not _UPPER3.fullmatch(currency)):
        raise _NOT_PLAIN
    return amount, currency


def _period(value: Any) -> tuple[str | None, str | None]:
    """(startDate, endDate) of an OCDS Period."""
    if value.__class__ is not dict:
        return None, None
    return _text(value.get("startDate")), _text(value.get("endDate"))


def _classification(items: list[dict[str, Any]]) -> tuple[Any, Any, Any] | None:
    """(scheme, code, description) of the first item with a classification."""
    for item in items:
        found = item.get("classification")
        if found.__class__ is dict and (found.get("id") is not None or found.get("scheme") is not None):
            return _text(found.get("scheme")), _text(found.get("id")), _text(found.get("description"))
    return None


class _Plain:
    """One plain release being flattened: its parties, the identities resolved, the suppliers seen."""

    __slots__ = ("identities", "parties", "schemes", "suppliers")

    def __init__(self, parties: list[dict[str, Any]]) -> None:
        """Index the parties by id (first one wins)."""
        self.parties: dict[str, dict[str, Any]] = {}
        for party in parties:
            party_id = party.get("id")
            if party_id is not None:
                self.parties.setdefault(str(party_id), party)
        self.identities: dict[int, tuple[Any, ...]] = {}
        self.suppliers: dict[str, list[Any]] = {}
        self.schemes: list[str] = []

    def identity(self, holder: dict[str, Any], fallback: dict[str, Any] | None) -> tuple[Any, ...]:
        """(qualified id, registration ids, schemes, identifier, country), once per object (_Reader.identity)."""
        known = self.identities.get(id(holder))
        if known is None:
            known = self.identities[id(holder)] = identity_of(holder, fallback)
        return known

    def org(self, ref: dict[str, Any]) -> tuple[Any, Any, Any, tuple[str, ...], tuple[str, ...]]:
        """(org id, name, country, registration ids, schemes) of a reference or party (flatten.resolve_org)."""
        ref_id = ref.get("id")
        party = self.parties.get(str(ref_id)) if ref_id is not None else None
        holder = party if party is not None else ref
        qualified, registration, schemes, identifier, country = self.identity(
            holder, ref if party is not None and party is not ref else None)
        org_id = qualified or _text(ref_id)
        if org_id is None and identifier is not None:
            org_id = _text(identifier.get("id"))
        name = _text(ref.get("name"))
        if name is None and party is not None and party is not ref:
            name = _text(party.get("name"))
        if name is None and identifier is not None:
            name = _text(identifier.get("legalName"))
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


def _clean(extras: dict[str, Any]) -> dict[str, Any]:
    """The extras without empty entries."""
    return {k: v for k, v in extras.items() if v is not None}


def _folds(release: dict[str, Any], tender: dict[str, Any]) -> bool:
    """compile.needs_merge for a release without contracts or bids: whether an array holds a repeated id."""
    awards = release.get("awards")
    for items in (release.get("parties"), awards, tender.get("items"), tender.get("tenderers")):
        if items.__class__ is list and len(items) > 1 and _duplicate_ids(items):
            return True
    if awards.__class__ is list:
        for award in awards:
            if award.__class__ is dict:
                for key in ("suppliers", "items"):
                    items = award.get(key)
                    if items.__class__ is list and len(items) > 1 and _duplicate_ids(items):
                        return True
    return False


def flatten_plain(release: dict[str, Any], ocid: str, source: str, *, check_merge: bool = True) -> Packed | None:
    """Rows (CONTRACT_FIELDS order), suppliers (SUPPLIER_SEEN order) and schemes of a plain release, else None.

    ``check_merge``: whether the release may hold arrays that ocdsmerge would fold (a release read alone;
    a record's compiledRelease is used as it is).
    """
    try:
        return _flatten(release, ocid, source, check_merge=check_merge)
    except _NotPlain:
        return None


def _flatten(release: dict[str, Any], ocid: str, source: str, *, check_merge: bool) -> Packed | None:
    """flatten_plain, raising _NotPlain where the release leaves the plain shape."""
    contracts, bids = release.get("contracts"), release.get("bids")
    if (contracts is not None and contracts != []) or bids is not None:
        return None
    tender = release.get("tender")
    if tender is None:
        tender = {}
    elif tender.__class__ is not dict:
        return None
    if check_merge and _folds(release, tender):
        return None
    parties = _array(release, "parties")
    plain = _Plain(parties)
    buyer = release.get("buyer")
    if buyer.__class__ is not dict or not buyer:
        return None
    buyer_org = plain.org(buyer)
    buyer_id = _text(buyer.get("id")) or buyer_org[0]
    classification = _classification(_array(tender, "items"))
    if classification is None and tender.get("classification").__class__ is dict:
        given = tender["classification"]
        classification = (_text(given.get("scheme")), _text(given.get("id")), _text(given.get("description")))
    if classification and classification[0]:
        plain.schemes.append(classification[0])
    days, not_strict = submission_period_days(release.get("tender"))
    tenderers, raw = strict_number_of_tenderers(release.get("tender"))
    if not_strict or (raw is not None and tenderers is None):
        return None
    start, end = _period(tender.get("tenderPeriod"))
    estimated, tender_currency = _money(tender.get("value"))
    extras: dict[str, Any] = {}
    if tender.get("id") is not None:
        extras["tender_id"] = str(tender["id"])
    title, description = _text(tender.get("title")), _text(tender.get("description"))
    scheme, code, category = classification if classification else (None, None, None)
    delivery = _delivery_country(tender, [])
    # the CONTRACT_FIELDS of every row: contract_id, supplier, award and extras fields are filled per row
    common = [None, ocid, source, buyer_id, buyer_org[1], buyer_org[2], None, None, None, title, description,
              scheme, code, category, _text(tender.get("mainProcurementCategory")),
              _text(tender.get("procurementMethod")), _text(tender.get("procurementMethodDetails")),
              _text(tender.get("status")), tenderers, start, end, days, estimated, None, tender_currency,
              None, None, None, None, None, delivery, None]
    rows: list[tuple[Any, ...]] = []
    awards = _array(release, "awards")
    if not awards:
        common[0], common[31] = ocid, _clean(extras)
        rows.append(tuple(common))
    for position, award in enumerate(awards):
        _award_rows(plain, award, position, common, extras, rows)
    for party in parties:
        roles = SUPPLIER_ROLES.intersection(roles_of(party))
        if roles:
            plain.observe(plain.org(party), roles)
    for ref in _array(tender, "tenderers"):
        plain.observe(plain.org(ref), _TENDERER)
    suppliers = [tuple(seen) for seen in plain.suppliers.values()]
    return rows, suppliers, plain.schemes


def _award_rows(plain: _Plain, award: dict[str, Any], position: int, common: list[Any], extras: dict[str, Any],
                rows: list[tuple[Any, ...]]) -> None:
    """One row per supplier of an award (flatten._award_rows and _emit without contracts or bids)."""
    award_id = _text(award.get("id"))
    amount, currency = _money(award.get("value"))
    start, end = _period(award.get("contractPeriod"))
    award_items = _array(award, "items")
    row = list(common)
    row[9] = _text(award.get("title")) or common[9]
    row[10] = _text(award.get("description")) or common[10]
    row[23], row[24] = amount, currency or common[24]
    row[27], row[28], row[29] = _text(award.get("date")), start, end
    row[30] = common[30] or _delivery_country({}, award_items)
    classification = _classification(award_items)
    if classification is not None:
        row[11], row[12], row[13] = classification
        if classification[0]:
            plain.schemes.append(classification[0])
    award_extras = {**extras, "award_id": award_id, "award_status": award.get("status")}
    contract_id = f"{common[1]}/{award_id or f'award-{position + 1}'}"
    refs = _array(award, "suppliers")
    if not refs and "suppliers" not in award and award.get("items") is not None:
        raise _NOT_PLAIN  # suppliers may be nested in the items (pre-1.0 layout, an issue)
    if not refs:
        row[0], row[31] = contract_id, _clean(award_extras)
        rows.append(tuple(row))
        return
    several = len(refs) > 1
    for number, ref in enumerate(refs, start=1):
        org = plain.org(ref)
        plain.observe(org, _SUPPLIER)
        row[0] = f"{contract_id}/{number}" if several else contract_id
        row[6], row[7], row[8] = org[0], org[1], org[2]
        row[31] = _clean(award_extras)
        rows.append(tuple(row))
