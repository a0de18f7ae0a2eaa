"""Flattens one compiled release into canonical contract rows (award x supplier) and supplier observations.

Values stay as the publisher wrote them (text, numbers) for the pipeline's normalisers, except that empty
strings become null, numeric ids become text, and values of an impossible JSON type (an amount that is an
object) become null; each of these is reported as an issue at its JSON path.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from procrisk.ingest.ocds.cardinal_fields import price_gap, strict_number_of_tenderers, submission_period_days
from procrisk.ingest.ocds.issues import IssueSink
from procrisk.schema.columns import CONTRACTS, SUPPLIERS, Table


def _declared(table: Table, names: tuple[str, ...]) -> tuple[str, ...]:
    """Return ``names`` after checking each is a column of ``table`` (a programming error otherwise)."""
    unknown = [n for n in names if n not in table and n != "extras"]
    if unknown:
        msg = f"not columns of {table.name}: {unknown}"
        raise ValueError(msg)
    return names


CONTRACT_FIELDS = _declared(CONTRACTS, (
    "contract_id", "ocid", "source", "buyer_id", "buyer_name", "buyer_country", "supplier_id",
    "supplier_name", "supplier_country", "title", "description", "classification_scheme",
    "classification_code", "category", "contract_type", "procurement_method", "procurement_method_details",
    "tender_status", "number_of_tenderers", "tender_start", "tender_end", "submission_period_days",
    "estimated_value", "award_value", "currency", "lowest_other_bid_value", "runner_up_price_gap",
    "award_date", "contract_start", "contract_end", "delivery_country", "extras",
))
SUPPLIER_FIELDS = _declared(SUPPLIERS, (
    "supplier_id", "supplier_name", "supplier_country", "registration_ids", "source", "extras",
))
SUPPLIER_ROLES = frozenset({"supplier", "tenderer"})
FIX_EMPTY = "Leave the field out instead of publishing an empty string."
_UPPER3 = re.compile(r"[A-Z]{3}")


def _join(path: str, key: str) -> str:
    """A JSON path: ``path`` followed by ``key`` (either may be empty)."""
    return f"{path}/{key}" if key else path


@dataclass(slots=True)
class SupplierSeen:
    """One organisation seen as a supplier or tenderer in one process."""

    key: str  # supplier_id, else "name:<name>"
    supplier_id: str | None
    name: str | None
    country: Any
    registration_ids: list[str]
    roles: set[str]
    schemes: list[str]  # identifier schemes used (for the file-level scheme check)


@dataclass(slots=True)
class Flat:
    """The rows one compiled release gives."""

    contracts: list[dict[str, Any]] = field(default_factory=list)
    suppliers: dict[str, SupplierSeen] = field(default_factory=dict)
    classification_schemes: list[str] = field(default_factory=list)


class Org(NamedTuple):
    """An organisation reference resolved against the parties (a NamedTuple: made several times a release)."""

    ref_id: Any  # the reference's own id, raw (what Cardinal compares)
    org_id: str | None  # scheme-qualified id when known, else the id as given
    name: str | None
    country: Any
    registration_ids: tuple[str, ...]
    schemes: tuple[str, ...]


class _Identity(NamedTuple):
    """What an organisation's identifiers and address say (computed once per party or reference)."""

    qualified: str | None
    registration_ids: tuple[str, ...]
    schemes: tuple[str, ...]
    identifier: dict[str, Any] | None
    country: Any


def identity_of(holder: dict[str, Any], fallback: dict[str, Any] | None) -> _Identity:
    """What a party (or an inline reference, completed from its ``fallback`` party) says of its identifiers
    and country."""
    identifier = holder.get("identifier")
    if not isinstance(identifier, dict) and fallback is not None:
        identifier = fallback.get("identifier")
    if not isinstance(identifier, dict):
        identifier = None
    qualified = qualified_id(identifier)
    registration = [qualified] if qualified else []
    extra = holder.get("additionalIdentifiers")
    if isinstance(extra, list):
        for other in extra:
            other_id = qualified_id(other)
            if other_id and other_id not in registration:
                registration.append(other_id)
    scheme = identifier.get("scheme") if identifier else None
    schemes = (scheme.strip(),) if isinstance(scheme, str) and scheme.strip() else ()
    country = _country(holder.get("address"))
    if country is None and fallback is not None:
        country = _country(fallback.get("address"))
    return _Identity(qualified, tuple(registration), schemes, identifier, country)


class _Reader:
    """Reads fields of one compiled release, reporting defects at their JSON paths to a sink."""

    __slots__ = ("identities", "parties", "party_paths", "release", "row", "sink")

    def __init__(self, release: dict[str, Any], row: int, sink: IssueSink) -> None:
        """Bind the release, its source row and the sink for its issues."""
        self.release = release
        self.row = row
        self.sink = sink
        self.parties: dict[str, dict[str, Any]] = {}
        self.party_paths: dict[int, str] = {}
        self.identities: dict[int, _Identity] = {}

    def issue(self, path: str, value: Any, problem: str, fix: str, code: str) -> None:
        """Report one defect of this release."""
        self.sink.add(self.row, path, value, problem, fix, code=code)

    def text(self, value: Any, path: str, key: str = "", *, is_id: bool = False) -> str | None:
        """A text value as given; empty strings become None, numbers become text, objects are rejected."""
        if value is None:
            return None
        if value.__class__ is str:
            if value and not value.isspace():
                return value
            self.issue(_join(path, key), value, "empty string", FIX_EMPTY, "ocds.empty_string")
            return None
        if isinstance(value, int | float) and not isinstance(value, bool):
            text = str(value)
            if is_id:
                self.issue(_join(path, key), value,
                           f"id is a number, not a string; read as the text {text!r}",
                           "Publish ids as JSON strings.", "ocds.numeric_id")
            return text
        if isinstance(value, str):  # a str subclass
            return str(value) if value.strip() else None
        self.issue(_join(path, key), str(value)[:200], f"expected text, found a JSON {type(value).__name__}",
                   "Publish this field as a string.", "ocds.wrong_type")
        return None

    def array(self, parent: Any, key: str, path: str) -> list[dict[str, Any]]:
        """The objects of an array field; a lone object is read as a one-element array (and reported)."""
        value = parent.get(key) if parent.__class__ is dict else None
        if value is None:
            return []
        if value.__class__ is list:
            return [v for v in value if v.__class__ is dict]
        where = _join(path, key)
        if isinstance(value, dict):
            self.issue(where, "{...}", f"{key} is an object, not an array",
                       f"Publish {key} as an array of objects; the object is read as its only element.",
                       "ocds.array_is_object")
            return [value]
        self.issue(where, value, f"{key} is not an array", f"Publish {key} as an array of objects.",
                   "ocds.wrong_type")
        return []

    def obj(self, parent: Any, key: str, path: str) -> dict[str, Any]:
        """An object field, or {} when absent (a value of another type is reported)."""
        value = parent.get(key) if isinstance(parent, dict) else None
        if isinstance(value, dict):
            return value
        if value is not None:
            self.issue(_join(path, key), value, f"{key} is not an object", f"Publish {key} as a JSON object.",
                       "ocds.wrong_type")
        return {}

    def money(self, value: Any, path: str) -> tuple[Any, Any]:
        """(amount, currency) of an OCDS Value, raw; text amounts are kept and reported, objects dropped."""
        if value is None:
            return None, None
        if not isinstance(value, dict):
            self.issue(path, value, "value is not an object {amount, currency}",
                       'Publish {"amount": number, "currency": "XXX"}.', "ocds.wrong_type")
            if isinstance(value, int | float | str) and not isinstance(value, bool):
                return value, None
            return None, None
        return self._amount(value.get("amount"), path), self._currency(value.get("currency"), path)

    def _amount(self, amount: Any, path: str) -> Any:
        """An amount as given; text is kept (and reported), other non-numbers become None."""
        if amount is None or amount.__class__ in (int, float):
            return amount
        if isinstance(amount, str):
            if not amount.strip():
                self.issue(f"{path}/amount", amount, "empty string", FIX_EMPTY, "ocds.empty_string")
                return None
            self.issue(f"{path}/amount", amount, "amount is text, not a JSON number",
                       "Publish amounts as JSON numbers (1000, not \"1000\"); the text is parsed later.",
                       "ocds.amount_text")
            return amount
        if isinstance(amount, int | float) and not isinstance(amount, bool):
            return amount
        self.issue(f"{path}/amount", amount, f"amount is a JSON {type(amount).__name__}, not a number",
                   "Publish amounts as JSON numbers.", "ocds.amount_type")
        return None

    def _currency(self, currency: Any, path: str) -> Any:
        """A currency code as given; lower case is reported (the normaliser maps it), non-text dropped."""
        if currency is None:
            return None
        if not isinstance(currency, str):
            self.issue(f"{path}/currency", currency, "currency is not a string", "Publish an ISO 4217 code.",
                       "ocds.wrong_type")
            return None
        if not currency.strip():
            self.issue(f"{path}/currency", currency, "empty string", FIX_EMPTY, "ocds.empty_string")
            return None
        if not _UPPER3.fullmatch(currency) and _UPPER3.fullmatch(currency.strip().upper()):
            self.issue(f"{path}/currency", currency, "currency code is not in upper case",
                       "Publish ISO 4217 codes in upper case (EUR, not eur).", "ocds.currency_case")
        return currency

    def period(self, value: Any, path: str) -> tuple[str | None, str | None]:
        """(startDate, endDate) of an OCDS Period as raw text."""
        if not isinstance(value, dict):
            return None, None
        start = self.text(value.get("startDate"), path, "startDate")
        return start, self.text(value.get("endDate"), path, "endDate")

    def index_parties(self) -> list[dict[str, Any]]:
        """Index the parties by id (first one wins) and return them."""
        parties = self.array(self.release, "parties", "")
        for position, party in enumerate(parties):
            self.party_paths[id(party)] = f"/parties/{position}"
            party_id = party.get("id")
            if party_id is not None:
                self.parties.setdefault(str(party_id), party)
        return parties

    def identity(self, holder: dict[str, Any], fallback: dict[str, Any] | None) -> _Identity:
        """Identifiers and country of a party (or an inline reference), computed once per object."""
        known = self.identities.get(id(holder))
        if known is None:
            known = self.identities[id(holder)] = identity_of(holder, fallback)
        return known


def roles_of(party: dict[str, Any]) -> list[str]:
    """A party's roles as a list (a lone string role is accepted)."""
    return role_list(party.get("roles"))


def role_list(roles: Any) -> list[str]:
    """The roles of a party's raw ``roles`` value: its strings, a lone string as one role."""
    if isinstance(roles, str):
        return [roles]
    if isinstance(roles, list):
        return [r for r in roles if isinstance(r, str)]
    return []


def qualified_id(identifier: Any) -> str | None:
    """"SCHEME-ID" from an OCDS Identifier with a non-empty scheme and id, else None."""
    if not isinstance(identifier, dict):
        return None
    return qualify(identifier.get("scheme"), identifier.get("id"))


def qualify(scheme: Any, ident: Any) -> str | None:
    """"SCHEME-ID" from an identifier's raw scheme and id when both are non-empty (an integer id counts)."""
    if not isinstance(scheme, str) or not scheme.strip():
        return None
    if isinstance(ident, int) and not isinstance(ident, bool):
        ident = str(ident)
    if not isinstance(ident, str) or not ident.strip():
        return None
    scheme, ident = scheme.strip(), ident.strip()
    return ident if ident.startswith(scheme + "-") else f"{scheme}-{ident}"


def _country(address: Any) -> Any:
    """countryName, else country, of an OCDS Address (raw text; the normaliser maps names to ISO codes)."""
    if not isinstance(address, dict):
        return None
    return first_country(address.get("countryName"), address.get("country"))


def first_country(country_name: Any, country: Any) -> Any:
    """An Address's raw countryName, else its country: the first that is text with something besides spaces."""
    for value in (country_name, country):
        if isinstance(value, str) and value.strip():
            return value
    return None


def resolve_org(reader: _Reader, ref: dict[str, Any], path: str) -> Org:
    """Resolve an OrganizationReference (or a party) to its party and a scheme-qualified id."""
    ref_id = ref.get("id")
    party = reader.parties.get(str(ref_id)) if ref_id is not None else None
    holder = party if party is not None else ref
    found = reader.identity(holder, ref if party is not None and party is not ref else None)
    org_id = found.qualified or reader.text(ref_id, path, "id", is_id=True)
    if org_id is None and found.identifier is not None:
        org_id = reader.text(found.identifier.get("id"), path, "identifier/id", is_id=True)
    name = reader.text(ref.get("name"), path, "name")
    if name is None and party is not None and party is not ref:
        name = reader.text(party.get("name"), reader.party_paths.get(id(party), "/parties"), "name")
    if name is None and found.identifier is not None:
        name = reader.text(found.identifier.get("legalName"), path, "identifier/legalName")
    return Org(ref_id, org_id, name, found.country, found.registration_ids, found.schemes)


def _classification(reader: _Reader, items: list[dict[str, Any]], path: str) -> tuple[Any, Any, Any] | None:
    """(scheme, code, description) of the first item with a classification."""
    for position, item in enumerate(items):
        found = item.get("classification")
        if isinstance(found, dict) and (found.get("id") is not None or found.get("scheme") is not None):
            where = f"{path}/{position}/classification"
            return (reader.text(found.get("scheme"), where, "scheme"),
                    reader.text(found.get("id"), where, "id"),
                    reader.text(found.get("description"), where, "description"))
    return None


def _delivery_country(tender: dict[str, Any], award_items: list[dict[str, Any]]) -> Any:
    """The first delivery country given (tender.deliveryAddresses, then items' deliveryAddress)."""
    addresses = tender.get("deliveryAddresses")
    if isinstance(addresses, list):
        for address in addresses:
            country = _country(address)
            if country:
                return country
    items = tender.get("items")
    for item in [*(items if isinstance(items, list) else []), *award_items]:
        if isinstance(item, dict) and "deliveryAddress" in item:
            country = _country(item["deliveryAddress"])
            if country:
                return country
    return _country(tender.get("deliveryAddress"))


def _buyer(reader: _Reader, tender: dict[str, Any]) -> tuple[Any, Any, Any]:
    """(buyer_id, buyer_name, buyer_country): buyer, else the party with role buyer, else procuringEntity."""
    ref = reader.release.get("buyer")
    path = "/buyer"
    if not isinstance(ref, dict) or not ref:
        party = next((p for p in reader.parties.values() if "buyer" in roles_of(p)), None)
        if party is not None:
            ref, path = party, ""
        else:
            ref, path = tender.get("procuringEntity"), "/tender/procuringEntity"
        if not isinstance(ref, dict) or not ref:
            party = next((p for p in reader.parties.values() if "procuringEntity" in roles_of(p)), None)
            if party is None:
                return None, None, None
            ref, path = party, ""
    org = resolve_org(reader, ref, path)
    buyer_id = reader.text(ref.get("id"), path, "id", is_id=True) or org.org_id
    return buyer_id, org.name, org.country


def _supplier_refs(reader: _Reader, holder: dict[str, Any], path: str) -> list[tuple[dict[str, Any], str]]:
    """The supplier references of an award or contract, with their paths (pre-standard item suppliers too)."""
    refs = [(ref, f"{path}/suppliers/{i}") for i, ref in enumerate(reader.array(holder, "suppliers", path))]
    if refs or "suppliers" in holder:
        return refs
    items = holder.get("items")
    for i, item in enumerate(items if isinstance(items, list) else []):
        if isinstance(item, dict) and isinstance(item.get("suppliers"), list):
            refs.extend((ref, f"{path}/items/{i}/suppliers/{j}") for j, ref in enumerate(item["suppliers"])
                        if isinstance(ref, dict))
    if refs:
        reader.issue(f"{path}/items", len(refs), "suppliers are given inside the award's items (pre-OCDS 1.0 "
                     "layout), not in the award's suppliers array", "Publish awards[].suppliers.",
                     "ocds.nested_suppliers")
    return refs


def _observe(flat: Flat, org: Org, roles: set[str]) -> None:
    """Record an organisation seen as a supplier or tenderer in this process."""
    if org.org_id is None and org.name is None:
        return
    key = org.org_id if org.org_id is not None else f"name:{org.name}"
    seen = flat.suppliers.get(key)
    if seen is None:
        flat.suppliers[key] = SupplierSeen(key, org.org_id, org.name, org.country, list(org.registration_ids),
                                           set(roles), list(org.schemes))
        return
    seen.roles |= roles
    seen.name = seen.name or org.name
    seen.country = seen.country or org.country
    for registration in org.registration_ids:
        if registration not in seen.registration_ids:
            seen.registration_ids.append(registration)
    for scheme in org.schemes:
        if scheme not in seen.schemes:
            seen.schemes.append(scheme)


def _cardinal_inputs(reader: _Reader, extras: dict[str, Any]) -> tuple[int | None, int | None]:
    """(submission_period_days, number_of_tenderers), typed strictly as in Cardinal; says why one is empty."""
    tender = reader.release.get("tender")
    days, not_strict = submission_period_days(tender)
    if not_strict:
        period = tender["tenderPeriod"]
        reader.issue("/tender/tenderPeriod", f"{period.get('startDate')} .. {period.get('endDate')}",
                     "tender period dates have no time/offset; the submission period is not computed",
                     "Publish full RFC 3339 date-times with an offset (2024-01-31T17:00:00Z).",
                     "ocds.tender_period_not_rfc3339")
    tenderers, raw = strict_number_of_tenderers(tender)
    if raw is not None and tenderers is None:
        reader.issue("/tender/numberOfTenderers", raw,
                     f"numberOfTenderers is a JSON {type(raw).__name__}, not an integer; it is left empty "
                     "(OCDS says integer, and Cardinal's single-bid flag R018 counts only an integer)",
                     "Publish numberOfTenderers as a JSON integer (1, not \"1\" or 1.0).",
                     "ocds.number_of_tenderers_type")
        extras["number_of_tenderers_raw"] = raw
    return days, tenderers


def _process_fields(reader: _Reader, tender: dict[str, Any], *, ocid: str | None, source: str,
                    flat: Flat) -> tuple[dict[str, Any], dict[str, Any]]:
    """The columns every row of the process shares, and the shared extras."""
    buyer_id, buyer_name, buyer_country = _buyer(reader, tender)
    classification = _classification(reader, reader.array(tender, "items", "/tender"), "/tender/items")
    if classification is None and isinstance(tender.get("classification"), dict):
        plain = tender["classification"]
        where = "/tender/classification"
        classification = (reader.text(plain.get("scheme"), where, "scheme"),
                          reader.text(plain.get("id"), where, "id"),
                          reader.text(plain.get("description"), where, "description"))
    if classification and classification[0]:
        flat.classification_schemes.append(classification[0])
    extras: dict[str, Any] = {}
    days, tenderers = _cardinal_inputs(reader, extras)
    start, end = reader.period(tender.get("tenderPeriod"), "/tender/tenderPeriod")
    estimated, tender_currency = reader.money(tender.get("value"), "/tender/value")
    if tender.get("id") is not None:
        extras["tender_id"] = str(tender["id"])
    text = reader.text
    common = {
        "ocid": ocid, "source": source, "buyer_id": buyer_id, "buyer_name": buyer_name,
        "buyer_country": buyer_country,
        "title": text(tender.get("title"), "/tender/title"),
        "description": text(tender.get("description"), "/tender/description"),
        "classification_scheme": classification[0] if classification else None,
        "classification_code": classification[1] if classification else None,
        "category": classification[2] if classification else None,
        "contract_type": text(tender.get("mainProcurementCategory"), "/tender/mainProcurementCategory"),
        "procurement_method": text(tender.get("procurementMethod"), "/tender/procurementMethod"),
        "procurement_method_details": text(tender.get("procurementMethodDetails"),
                                           "/tender/procurementMethodDetails"),
        "tender_status": text(tender.get("status"), "/tender/status"),
        "number_of_tenderers": tenderers, "tender_start": start, "tender_end": end,
        "submission_period_days": days, "estimated_value": estimated, "currency": tender_currency,
        "delivery_country": _delivery_country(tender, []),
    }
    return common, extras


@dataclass(slots=True)
class _Rows:
    """Where the rows of one process go, and what they share."""

    reader: _Reader
    flat: Flat
    prefix: str
    common: dict[str, Any]
    extras: dict[str, Any]


def _award_rows(out: _Rows, awards: list[dict[str, Any]], contracts: list[dict[str, Any]]) -> None:
    """One row per award x supplier (an award without suppliers gives one row)."""
    reader, common = out.reader, out.common
    by_award: dict[str, list[dict[str, Any]]] = {}
    for contract in contracts:
        if contract.get("awardID") is not None:
            by_award.setdefault(str(contract["awardID"]), []).append(contract)
    gap = price_gap(reader.release)
    single = isinstance(reader.release.get("awards"), dict)
    for position, award in enumerate(awards):
        path = "/awards" if single else f"/awards/{position}"
        award_id = reader.text(award.get("id"), path, "id", is_id=True)
        linked = by_award.get(str(award["id"]), []) if award.get("id") is not None else []
        amount, currency = reader.money(award.get("value"), f"{path}/value")
        if amount is None and linked:
            amount, currency = reader.money(linked[0].get("value"), "/contracts/value")
        start, end = reader.period(award.get("contractPeriod"), f"{path}/contractPeriod")
        if start is None and end is None and linked:
            start, end = reader.period(linked[0].get("period"), "/contracts/period")
        award_items = reader.array(award, "items", path)
        row = {
            **common,
            "title": reader.text(award.get("title"), path, "title") or common["title"],
            "description": reader.text(award.get("description"), path, "description")
            or common["description"],
            "award_value": amount, "currency": currency or common["currency"],
            "award_date": reader.text(award.get("date"), path, "date"),
            "contract_start": start, "contract_end": end,
            "delivery_country": common["delivery_country"] or _delivery_country({}, award_items),
        }
        classification = _classification(reader, award_items, f"{path}/items")
        if classification is not None:
            row["classification_scheme"], row["classification_code"], row["category"] = classification
            if classification[0]:
                out.flat.classification_schemes.append(classification[0])
        extras = {**out.extras, "award_id": award_id, "award_status": award.get("status")}
        if linked:
            extras["contract_ids"] = [str(c.get("id")) for c in linked]
        key = award_id or f"award-{position + 1}"
        winner = gap if gap is not None and award.get("status") == "active" else None
        _emit(out, row, extras, f"{out.prefix}/{key}", _supplier_refs(reader, award, path), gap=winner)


def _emit(out: _Rows, row: dict[str, Any], extras: dict[str, Any], contract_id: str,
          refs: list[tuple[dict[str, Any], str]], *, gap: Any) -> None:
    """Append one row per supplier reference (or one row without a supplier)."""
    if not refs:
        out.flat.contracts.append({**row, "contract_id": contract_id, "extras": _clean(extras)})
        return
    for number, (ref, path) in enumerate(refs, start=1):
        org = resolve_org(out.reader, ref, path)
        _observe(out.flat, org, {"supplier"})
        supplier_row = {
            **row, "contract_id": contract_id if len(refs) == 1 else f"{contract_id}/{number}",
            "supplier_id": org.org_id, "supplier_name": org.name, "supplier_country": org.country,
        }
        row_extras = extras
        if gap is not None and org.ref_id == gap.winner_id:
            supplier_row["lowest_other_bid_value"] = gap.other_amount
            supplier_row["runner_up_price_gap"] = gap.ratio
            row_extras = {**extras, "bid_currency": gap.currency, "winner_bid_value": gap.winner_amount,
                          "lowest_other_tenderer": gap.other_id}
        supplier_row["extras"] = _clean(row_extras)
        out.flat.contracts.append(supplier_row)


def _clean(extras: dict[str, Any]) -> dict[str, Any]:
    """The extras without empty entries."""
    return {k: v for k, v in extras.items() if v is not None}


def _contract_rows(out: _Rows, contracts: list[dict[str, Any]]) -> None:
    """One row per contract x supplier when a process has contracts but no awards."""
    reader, common = out.reader, out.common
    for position, contract in enumerate(contracts):
        path = f"/contracts/{position}"
        contract_id = reader.text(contract.get("id"), path, "id", is_id=True)
        amount, currency = reader.money(contract.get("value"), f"{path}/value")
        start, end = reader.period(contract.get("period"), f"{path}/period")
        row = {
            **common,
            "title": reader.text(contract.get("title"), path, "title") or common["title"],
            "description": reader.text(contract.get("description"), path, "description")
            or common["description"],
            "award_value": amount, "currency": currency or common["currency"],
            "contract_start": start, "contract_end": end,
        }
        extras = {**out.extras, "contract_ids": [contract_id] if contract_id else None,
                  "contract_status": contract.get("status")}
        key = contract_id or f"contract-{position + 1}"
        _emit(out, row, extras, f"{out.prefix}/{key}", _supplier_refs(reader, contract, path), gap=None)


def _other_suppliers(reader: _Reader, tender: dict[str, Any], parties: list[dict[str, Any]],
                     flat: Flat) -> None:
    """Observe tenderers and supplier parties that are not award suppliers (bidders that did not win too)."""
    for party in parties:
        roles = SUPPLIER_ROLES.intersection(roles_of(party))
        if roles:
            _observe(flat, resolve_org(reader, party, reader.party_paths[id(party)]), roles)
    for position, ref in enumerate(reader.array(tender, "tenderers", "/tender")):
        _observe(flat, resolve_org(reader, ref, f"/tender/tenderers/{position}"), {"tenderer"})
    bids = reader.release.get("bids")
    details = bids.get("details") if isinstance(bids, dict) else None
    for position, bid in enumerate(details if isinstance(details, list) else []):
        if isinstance(bid, dict) and isinstance(bid.get("tenderers"), list):
            for number, ref in enumerate(bid["tenderers"]):
                if isinstance(ref, dict):
                    where = f"/bids/details/{position}/tenderers/{number}"
                    _observe(flat, resolve_org(reader, ref, where), {"tenderer"})


def flatten_release(release: dict[str, Any], *, ocid: str | None, row: int, source: str,
                    sink: IssueSink) -> Flat:
    """Flatten one compiled release: contract rows (award x supplier, or one row) and suppliers seen.

    ``ocid`` is None for a release without one: its rows get contract ids from ``#<row>`` and no suppliers
    are observed (the reader quarantines those rows).
    """
    reader = _Reader(release, row, sink)
    flat = Flat()
    parties = reader.index_parties()
    tender = reader.obj(release, "tender", "")
    common, extras = _process_fields(reader, tender, ocid=ocid, source=source, flat=flat)
    out = _Rows(reader, flat, ocid if ocid is not None else f"#{row}", common, extras)
    awards = reader.array(release, "awards", "")
    contracts = reader.array(release, "contracts", "")
    if awards:
        _award_rows(out, awards, contracts)
    elif contracts:
        _contract_rows(out, contracts)
    else:
        flat.contracts.append({**common, "contract_id": out.prefix, "extras": _clean(extras)})
    if ocid is None:
        flat.suppliers.clear()
    else:
        _other_suppliers(reader, tender, parties, flat)
    return flat
