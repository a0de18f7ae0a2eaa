"""Assembles flattened processes into the contracts and suppliers RawTables, with the file-level issues."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from procrisk.ingest.ocds.flatten import CONTRACT_FIELDS, SUPPLIER_FIELDS, Flat, SupplierSeen
from procrisk.ingest.ocds.issues import Issue
from procrisk.ingest.raw import RawTable

ORG_ID_SCHEME = re.compile(r"[A-Z]{2}-[A-Z0-9]+")  # org-id.guide list codes: GB-COH, MX-RFC, XI-LEI ...
STANDARD_CLASSIFICATIONS = ("CPV", "UNSPSC")


@dataclass
class Process:
    """One compiled and flattened process (or an unreadable or ocid-less release) with its issues."""

    flat: Flat
    row: int
    member: str
    issues: list[Issue]
    ocid: str | None


@dataclass
class _Supplier:
    """One organisation merged over every process it appears in, with where it was first seen."""

    seen: SupplierSeen
    row: int
    member: str
    source: str


def _frame(rows: list[dict[str, Any]], fields: tuple[str, ...]) -> pd.DataFrame:
    """A DataFrame of object columns holding raw values, with only the columns some row fills."""
    columns = [c for c in fields if any(r.get(c) is not None for r in rows)]
    data = {c: pd.Series([r.get(c) for r in rows], dtype=object) for c in columns}
    return pd.DataFrame(data, columns=columns)


def contract_table(processes: list[Process], *, is_dir: bool, name: str) -> RawTable:
    """The contracts RawTable in source order, with contract ids made unique within the input."""
    rows: list[dict[str, Any]] = []
    numbers: list[int] = []
    used: set[str] = set()
    for process in processes:
        for row in process.flat.contracts:
            contract_id = row["contract_id"]
            if contract_id in used:
                suffix = 2
                while f"{contract_id}~{suffix}" in used:
                    suffix += 1
                row["contract_id"] = contract_id = f"{contract_id}~{suffix}"
            used.add(contract_id)
            if is_dir and process.member:
                row["extras"] = {**row.get("extras", {}), "ocds_file": process.member}
            rows.append(row)
            numbers.append(process.row)
    return RawTable(frame=_frame(rows, CONTRACT_FIELDS), row_numbers=np.asarray(numbers, dtype=np.int64),
                    source_file=name, table="contracts")


def _merge_suppliers(processes: list[Process]) -> dict[str, _Supplier]:
    """Every organisation seen as supplier or tenderer, merged by supplier id (or name) across processes."""
    merged: dict[str, _Supplier] = {}
    for process in processes:
        if process.ocid is None:
            continue
        source = next((r.get("source") for r in process.flat.contracts), None) or ""
        for seen in process.flat.suppliers.values():
            known = merged.get(seen.key)
            if known is None:
                copy = SupplierSeen(seen.key, seen.supplier_id, seen.name, seen.country,
                                    list(seen.registration_ids), set(seen.roles), list(seen.schemes))
                merged[seen.key] = _Supplier(copy, process.row, process.member, source)
                continue
            agg = known.seen
            agg.roles |= seen.roles
            agg.name = agg.name or seen.name
            agg.country = agg.country or seen.country
            agg.registration_ids.extend(r for r in seen.registration_ids if r not in agg.registration_ids)
            agg.schemes.extend(s for s in seen.schemes if s not in agg.schemes)
    return merged


def _identifier_issues(suppliers: dict[str, _Supplier]) -> list[Issue]:
    """A warning per organisation without a usable identifier, and one per scheme that is not org-id style."""
    issues = []
    schemes: dict[str, tuple[_Supplier, int]] = {}
    for supplier in suppliers.values():
        agg = supplier.seen
        if not agg.registration_ids:
            issues.append(Issue(
                supplier.row, "/parties/identifier", agg.supplier_id or agg.name,
                "the organisation has no identifier with both scheme and id, so it cannot be matched to a "
                "company register",
                "Publish identifier.scheme (org-id.guide code, e.g. GB-COH) and identifier.id for every "
                "supplier and tenderer.", "ocds.missing_identifier", table="suppliers",
                member=supplier.member))
        for scheme in agg.schemes:
            first, count = schemes.get(scheme, (supplier, 0))
            schemes[scheme] = (first, count + 1)
    for scheme, (first, count) in schemes.items():
        if not ORG_ID_SCHEME.fullmatch(scheme):
            issues.append(Issue(
                first.row, "/parties/identifier/scheme", scheme,
                f"identifier scheme {scheme!r} is not an org-id.guide code (XX-REGISTER), so its ids cannot "
                f"be matched with other publishers' ({count} organisations)",
                "Use the org-id.guide code of the register (e.g. NG-CAC for Nigeria's Corporate Affairs "
                "Commission).", "ocds.identifier_scheme", table="suppliers", member=first.member))
    return issues


def supplier_table(processes: list[Process], *, is_dir: bool, name: str) -> tuple[RawTable, list[Issue], int]:
    """The suppliers RawTable (one row per organisation), its identifier issues, and how many never won."""
    merged = _merge_suppliers(processes)
    rows, numbers = [], []
    never_won = 0
    for supplier in merged.values():
        agg = supplier.seen
        extras: dict[str, Any] = {"roles": sorted(agg.roles)}
        if is_dir and supplier.member:
            extras["ocds_file"] = supplier.member
        never_won += "supplier" not in agg.roles
        rows.append({"supplier_id": agg.supplier_id, "supplier_name": agg.name,
                     "supplier_country": agg.country, "registration_ids": list(agg.registration_ids) or None,
                     "source": supplier.source, "extras": extras})
        numbers.append(supplier.row)
    table = RawTable(frame=_frame(rows, SUPPLIER_FIELDS), row_numbers=np.asarray(numbers, dtype=np.int64),
                     source_file=name, table="suppliers")
    return table, _identifier_issues(merged), never_won


def classification_issues(processes: list[Process]) -> list[Issue]:
    """One warning per classification scheme that is not CPV or UNSPSC, at the first process using it."""
    first: dict[str, tuple[Process, int]] = {}
    for process in processes:
        for scheme in dict.fromkeys(process.flat.classification_schemes):
            known, count = first.get(scheme, (process, 0))
            first[scheme] = (known, count + 1)
    issues = []
    for scheme, (process, count) in first.items():
        if scheme.strip().upper() in STANDARD_CLASSIFICATIONS:
            continue
        issues.append(Issue(
            process.row, "/tender/items/classification/scheme", scheme,
            f"classification scheme {scheme!r} is not CPV ({count} processes): the sector risk tier falls "
            "back to title and description terms",
            "Nothing to fix in the file; add a CPV code (additionalClassifications) where you can.",
            "ocds.classification_scheme", member=process.member))
    return issues
