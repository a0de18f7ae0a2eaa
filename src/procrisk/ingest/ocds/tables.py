"""Assembles flattened processes into the contracts and suppliers RawTables, with the file-level issues."""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Sequence
from functools import partial
from itertools import chain, filterfalse, repeat
from json.encoder import c_make_encoder, encode_basestring  # type: ignore[attr-defined]
from operator import contains, is_not, itemgetter
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
import pyarrow as pa

from procrisk.ingest.ocds.flatten import CONTRACT_FIELDS, SUPPLIER_FIELDS, Flat
from procrisk.ingest.ocds.issues import Issue
from procrisk.ingest.raw import RawTable

ORG_ID_SCHEME = re.compile(r"[A-Z]{2}-[A-Z0-9]+")  # org-id.guide list codes: GB-COH, MX-RFC, XI-LEI ...
STANDARD_CLASSIFICATIONS = ("CPV", "UNSPSC")
_TEXT = pd.StringDtype("pyarrow")
# json.dumps(..., ensure_ascii=False, sort_keys=True)'s C encoder, made once (None without json's C module)
_JSON_ENCODE = None if c_make_encoder is None else c_make_encoder(
    None, json.JSONEncoder().default, encode_basestring, None, ": ", ", ", True, False, True)


# Contract rows held as columns (CONTRACT_FIELDS order), each row's source_row, the file they come from, and
# each row's extras as JSON text (object_json, made by the worker)
Piece = tuple[Sequence[Sequence[Any]], np.ndarray, str, Sequence[str | None]]


class Process(NamedTuple):
    """One compiled and flattened process (or an unreadable or ocid-less release) with its issues.

    Rows and suppliers are packed as tuples (``CONTRACT_FIELDS`` and ``SUPPLIER_SEEN`` order): they turn into
    columns with one ``zip`` and cost little to send from a worker process.
    """

    rows: list[tuple[Any, ...]]
    suppliers: list[tuple[Any, ...]]
    schemes: list[str]  # classification schemes used, in order
    row: int
    member: str
    issues: list[Issue]
    ocid: str | None
    source: str | None  # the source of its first row: the suppliers it names are credited to it


SUPPLIER_SEEN = ("key", "supplier_id", "name", "country", "registration_ids", "roles", "schemes")
_SEEN_SCHEMES = SUPPLIER_SEEN.index("schemes")
_IS_SET = partial(is_not, None)  # stops at the first value that is not None
_SOURCE = CONTRACT_FIELDS.index("source")
_CONTRACT_ID = CONTRACT_FIELDS.index("contract_id")
EXTRAS = CONTRACT_FIELDS.index("extras")  # where a contract row holds its extras
_KEPT = ("contract_id", "extras")  # contract columns made even when no row fills them (contract_table reads them)


def pack(flat: Flat, row: int, member: str, issues: list[Issue], ocid: str | None) -> Process:
    """A Process from a Flat: each contract row as a tuple in CONTRACT_FIELDS order (absent keys as None)."""
    rows = [tuple(map(r.get, CONTRACT_FIELDS)) for r in flat.contracts]
    suppliers = [(s.key, s.supplier_id, s.name, s.country, s.registration_ids, s.roles, s.schemes)
                 for s in flat.suppliers.values()]
    return Process(rows, suppliers, flat.classification_schemes, row, member, issues, ocid,
                   rows[0][_SOURCE] if rows else None)


# A supplier merged over the processes it appears in: a list (made once per organisation, so kept cheap)
# [key, supplier_id, name, country, registration_ids, roles, schemes, row, member, source], with the row,
# file and source of the process it was first seen in.
_ID, _NAME, _COUNTRY, _REGISTRATIONS, _ROLES, _SCHEMES, _ROW, _MEMBER, _FROM = range(1, 10)


def _column(values: tuple[Any, ...] | list[Any] | np.ndarray) -> pd.Series:
    """An object Series holding the raw values as they are (lists and dicts stay single cells)."""
    if values.__class__ is not np.ndarray:
        values = np.fromiter(values, dtype=object, count=len(values))
    return pd.Series(values, dtype=object, copy=False)


def _frame(columns: dict[str, tuple[Any, ...] | list[Any]]) -> pd.DataFrame:
    """A DataFrame of object columns holding raw values, with only the columns some row fills."""
    kept = [c for c, values in columns.items() if any(map(_IS_SET, values))]
    return pd.DataFrame({c: _column(columns[c]) for c in kept}, columns=kept, copy=False)  # columns not stacked


def text_as_arrow(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with each column that holds only text (and None) as pandas Arrow strings, the rest as it is.

    For the pipeline: the normalisers read Arrow strings without a Python pass over every cell, and make the
    same of them as of the same text in an object column. Extras (dicts), lists, numbers and text Arrow
    refuses (lone surrogates) stay objects.
    """
    columns: dict[str, pd.Series] = {}
    for name in frame.columns:
        values = frame[name]
        if name != "extras" and values.dtype == object:
            try:
                text = pa.array(values.to_numpy(), type=pa.large_string())
            except (pa.ArrowInvalid, pa.ArrowTypeError, UnicodeEncodeError):
                pass
            else:
                values = pd.Series(pd.arrays.ArrowStringArray(text), index=frame.index, dtype=_TEXT)
        columns[name] = values
    return pd.DataFrame(columns, index=frame.index, columns=frame.columns)


def object_json(value: Any) -> str | None:
    """A non-empty dict as ``json.dumps(value, ensure_ascii=False, sort_keys=True)`` writes it, else None."""
    if not isinstance(value, dict) or not value:
        return None
    if _JSON_ENCODE is None:
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return "".join(_JSON_ENCODE(value, 0))


def extras_text(values: pd.Series) -> pd.Series:
    """The extras dicts as JSON text (``object_json`` of each value), for the pipeline's extras column."""
    return values.map(object_json)


def _unique_ids(ids: list[str]) -> list[str]:
    """The ids with each repeat suffixed ``~2``, ``~3`` ... (the first free suffix), in order."""
    used: set[str] = set()
    for position, given in enumerate(ids):
        unique = given
        if given in used:
            suffix = 2
            while f"{given}~{suffix}" in used:
                suffix += 1
            ids[position] = unique = f"{given}~{suffix}"
        used.add(unique)
    return ids


def contract_table(processes: list[Process], *, is_dir: bool, name: str,
                   pieces: Sequence[Piece] = ()) -> tuple[RawTable, np.ndarray | None]:
    """The contracts RawTable in source order, with contract ids made unique within the input, and its extras
    as JSON text (``object_json``) when the pieces brought theirs (None otherwise: the pipeline makes it).

    ``pieces`` are rows already held as columns (the lines of worker blocks, block.py), in source order; the
    processes' rows go between them by source_row.
    """
    rows = [row for process in processes for row in process.rows]
    numbers = np.fromiter((p.row for p in processes for _ in p.rows), dtype=np.int64, count=len(rows))
    columns = dict(zip(CONTRACT_FIELDS, zip(*rows, strict=True), strict=True)) if rows else \
        dict.fromkeys(CONTRACT_FIELDS, ())
    members = [p.member for p in processes for _ in p.rows] if is_dir else []
    pieces = [piece for piece in pieces if len(piece[1])]  # a piece without rows has no columns either
    texts = None
    if pieces:
        columns, numbers, members, texts = _with_pieces(pieces, columns, numbers, members, is_dir=is_dir)
    ids = columns["contract_id"]
    if len(set(ids)) != len(ids):  # some id repeats (the set test is far faster than the loop when none does)
        columns["contract_id"] = _unique_ids(list(ids))
    if is_dir:
        columns["extras"] = [{**(extras if extras is not None else {}), "ocds_file": member} if member else extras
                             for extras, member in zip(columns["extras"], members, strict=True)]
    return RawTable(frame=_frame(columns), row_numbers=numbers, source_file=name, table="contracts"), texts


def _some_set(values: Sequence[Any]) -> bool:
    """Whether a value is not None (quick on a column of None: ``count`` skips each by identity)."""
    return bool(values) and (values[0] is not None or values.count(None) != len(values))


def _with_pieces(pieces: Sequence[Piece], columns: dict[str, Sequence[Any]], numbers: np.ndarray,
                 members: list[str], *, is_dir: bool,
                 ) -> tuple[dict[str, Sequence[Any]], np.ndarray, list[str], np.ndarray | None]:
    """The pieces' rows, then the processes' rows, put in source_row order (a stable sort), and their extras as
    JSON text (None in a folder, where the extras get the file's name yet); a column no row fills is left out
    (the frame would drop it), but for those contract_table reads."""
    numbers = np.concatenate([*(piece[1] for piece in pieces), numbers])
    count = len(numbers)  # each column made once, as the object array the frame holds; none no row fills
    parts = {field: [*(piece[0][at] for piece in pieces), columns[field]] for at, field in enumerate(CONTRACT_FIELDS)}
    joined = {field: np.fromiter(chain.from_iterable(values), dtype=object, count=count)
              for field, values in parts.items() if field in _KEPT or any(map(_some_set, values))}
    texts = None if is_dir else np.fromiter(
        chain.from_iterable([*(piece[3] for piece in pieces), map(object_json, columns["extras"])]),
        dtype=object, count=count)
    if is_dir:
        members = [*chain.from_iterable(repeat(piece[2], len(piece[1])) for piece in pieces), *members]
    if len(numbers) > 1 and bool((numbers[1:] < numbers[:-1]).any()):
        order = np.argsort(numbers, kind="stable")
        numbers = numbers[order]
        joined = {field: values[order] for field, values in joined.items()}
        members = [members[i] for i in order.tolist()] if is_dir else members
        texts = texts[order] if texts is not None else None
    return joined, numbers, members, texts


class Merged(NamedTuple):
    """Processes of consecutive rows, no other process's row between them, already merged (a worker's batch of
    lines): their suppliers as ``merge_suppliers`` merges them, their classification schemes counted, their issues.
    """

    row: int  # the first process's row: where the run goes among the other processes
    suppliers: dict[str, list[Any]]  # see add_suppliers
    schemes: dict[str, list[Any]]  # see add_schemes
    issues: list[Issue]
    # every identifier scheme its suppliers use (see identifier_schemes), None when not known
    identifier_schemes: list[str] | None = None


def merge_suppliers(processes: Sequence[Process | Merged]) -> dict[str, list[Any]]:
    """Every organisation seen as supplier or tenderer, merged by supplier id (or name) across processes (and
    runs of processes already merged), in row order."""
    merged: dict[str, list[Any]] = {}
    for process in processes:
        if process.__class__ is Merged:
            _add_merged(merged, process.suppliers)
        elif process.ocid is not None and process.suppliers:
            add_suppliers(merged, process.suppliers, process.row, process.member, process.source)
    return merged


def add_suppliers(merged: dict[str, list[Any]], suppliers: list[tuple[Any, ...]], row: int, member: str,
                  source: str | None) -> None:
    """Merge the suppliers of one process (at ``row`` of ``member``, its first row's ``source``) into ``merged``.

    An organisation first seen keeps its process's lists and set (no copy: most are seen once); a merge puts
    new ones in their place and never changes those of a process.
    """
    source = source or ""
    for key, supplier_id, name, country, registration_ids, roles, schemes in suppliers:
        known = merged.get(key)
        if known is None:
            merged[key] = [key, supplier_id, name, country, registration_ids, roles, schemes, row, member, source]
            continue
        _merge_one(known, name, country, registration_ids, roles, schemes)


def _merge_one(known: list[Any], name: Any, country: Any, registration_ids: list[str], roles: set[str],
               schemes: list[str]) -> None:
    """Merge what a later process says of an organisation into what is known of it."""
    known[_ROLES] = known[_ROLES] | roles
    known[_NAME] = known[_NAME] or name
    known[_COUNTRY] = known[_COUNTRY] or country
    known[_REGISTRATIONS] = _joined(known[_REGISTRATIONS], registration_ids)
    known[_SCHEMES] = _joined(known[_SCHEMES], schemes)


def _add_merged(merged: dict[str, list[Any]], later: dict[str, list[Any]]) -> None:
    """Merge suppliers already merged over a run of later processes into ``merged`` (as merging those processes
    one by one would: every merge step keeps the first value, or joins in order); ``later`` is used up."""
    for key in merged.keys() & later.keys():
        known = merged[key]
        _, _, name, country, registration_ids, roles, schemes, *_ = later[key]
        _merge_one(known, name, country, registration_ids, roles, schemes)
        later[key] = known  # the update below then leaves it where it is
    merged.update(later)


def _joined(known: list[str], more: list[str]) -> list[str]:
    """The items of ``known`` followed by those of ``more`` it lacks, each once (``known`` itself when it lacks
    none)."""
    joined = None
    for item in more:
        if item not in (known if joined is None else joined):
            if joined is None:
                joined = list(known)
            joined.append(item)
    return known if joined is None else joined


def identifier_schemes(suppliers: dict[str, list[Any]]) -> list[str]:
    """Every identifier scheme the merged suppliers use, each once (a worker sends its batch's with the batch)."""
    return list(dict.fromkeys(chain.from_iterable(map(itemgetter(_SCHEMES), suppliers.values()))))


def _schemes_used(processes: Sequence[Process | Merged]) -> set[str] | None:
    """Every identifier scheme the suppliers merged from ``processes`` can use (as ``merge_suppliers`` takes
    them), from the runs' lists and the other processes' suppliers; None when some run came without its list."""
    used: set[str] = set()
    for process in processes:
        if process.__class__ is Merged:
            if process.identifier_schemes is None:
                return None
            used.update(process.identifier_schemes)
        elif process.ocid is not None:
            for supplier in process.suppliers:
                used.update(supplier[_SEEN_SCHEMES])
    return used


def _identifier_issues(suppliers: dict[str, list[Any]], used: set[str] | None = None) -> list[Issue]:
    """A warning per organisation without a usable identifier, and one per scheme that is not org-id style.

    ``used``: the schemes the suppliers can use, when known (``_schemes_used``): when each is org-id style,
    no organisation's schemes are counted (a pass over every one of them, ~60-80 ms on 200,000).
    """
    organisations = suppliers.values()
    issues = [Issue(
        supplier[_ROW], "/parties/identifier", supplier[_ID] or supplier[_NAME],
        "the organisation has no identifier with both scheme and id, so it cannot be matched to a company register",
        "Publish identifier.scheme (org-id.guide code, e.g. GB-COH) and identifier.id for every supplier and "
        "tenderer.", "ocds.missing_identifier", table="suppliers", member=supplier[_MEMBER])
        for supplier in filterfalse(itemgetter(_REGISTRATIONS), organisations)]
    if used is not None and all(map(ORG_ID_SCHEME.fullmatch, used)):
        return issues  # no scheme to warn about
    counts = Counter(chain.from_iterable(map(itemgetter(_SCHEMES), organisations)))  # in order first seen
    first: dict[str, list[Any]] = {}  # the first organisation using each scheme
    for supplier in organisations if counts else ():
        for scheme in supplier[_SCHEMES]:
            first.setdefault(scheme, supplier)
        if len(first) == len(counts):
            break
    for scheme, count in counts.items():
        if not ORG_ID_SCHEME.fullmatch(scheme):
            issues.append(Issue(
                first[scheme][_ROW], "/parties/identifier/scheme", scheme,
                f"identifier scheme {scheme!r} is not an org-id.guide code (XX-REGISTER), so its ids cannot "
                f"be matched with other publishers' ({count} organisations)",
                "Use the org-id.guide code of the register (e.g. NG-CAC for Nigeria's Corporate Affairs "
                "Commission).", "ocds.identifier_scheme", table="suppliers", member=first[scheme][_MEMBER]))
    return issues


class Suppliers(NamedTuple):
    """The suppliers RawTable, its identifier issues, how many never won, and its extras as JSON text."""

    raw: RawTable
    issues: list[Issue]
    never_won: int
    extras: np.ndarray | None  # each row's extras as object_json writes them (None in a folder)


def supplier_table(processes: Sequence[Process | Merged], *, is_dir: bool, name: str) -> Suppliers:
    """The suppliers RawTable (one row per organisation), its identifier issues, how many never won, and its
    extras as JSON text (written once per distinct list of roles)."""
    used = _schemes_used(processes)  # (before the merge, which uses up the runs' suppliers)
    merged = merge_suppliers(processes)
    count = len(merged)
    _, ids, names, countries, registrations, roles, _, rows, members, sources = \
        zip(*merged.values(), strict=True) if merged else ((),) * 10  # one column per field, made in C
    extras, texts = _roles_extras(roles)
    if is_dir:  # a dict of its own for each row that names its file
        extras = [{**extra, "ocds_file": member} if member else extra
                  for extra, member in zip(extras, members, strict=True)]
    never_won = count - sum(map(contains, roles, repeat("supplier")))
    columns = {
        "supplier_id": ids, "supplier_name": names, "supplier_country": countries,
        "registration_ids": [found or None for found in registrations], "source": sources, "extras": extras,
    }
    assert tuple(columns) == SUPPLIER_FIELDS
    numbers = np.fromiter(rows, dtype=np.int64, count=count)
    table = RawTable(frame=_frame(columns), row_numbers=numbers, source_file=name, table="suppliers")
    return Suppliers(table, _identifier_issues(merged, used), never_won, None if is_dir else texts)


def _roles_extras(roles: Sequence[set[str]]) -> tuple[list[dict[str, Any]], np.ndarray]:
    """Each organisation's extras, ``{"roles": [its roles, sorted]}``, and their JSON text (``object_json``):
    each distinct set of roles sorted and written once, its dict and text shared by the rows having it.

    Like every cell of a RawTable, the dicts are read, never changed (a folder's rows get dicts of their own
    that also name their file).
    """
    known: dict[frozenset[str], tuple[dict[str, Any], str | None]] = {}
    extras, texts = [], []
    for found in roles:
        key = frozenset(found)
        made = known.get(key)
        if made is None:
            extra = {"roles": sorted(found)}
            made = known[key] = (extra, object_json(extra))
        extras.append(made[0])
        texts.append(made[1])
    return extras, np.fromiter(texts, dtype=object, count=len(texts))


def add_schemes(first: dict[str, list[Any]], schemes: list[str], row: int, member: str) -> None:
    """Count one process (at ``row`` of ``member``) for each classification scheme it uses: ``first`` maps a
    scheme to [row, member, processes using it] of the first process using it."""
    for scheme in dict.fromkeys(schemes):
        _count_scheme(first, scheme, row, member, 1)


def _count_scheme(first: dict[str, list[Any]], scheme: str, row: int, member: str, count: int) -> None:
    """Add ``count`` processes to a scheme's count, first seen at ``row`` of ``member`` if it is new."""
    known = first.get(scheme)
    if known is None:
        first[scheme] = [row, member, count]
    else:
        known[2] += count


def classification_issues(processes: Sequence[Process | Merged]) -> list[Issue]:
    """One warning per classification scheme that is not CPV or UNSPSC, at the first process using it."""
    first: dict[str, list[Any]] = {}
    for process in processes:
        if process.__class__ is Merged:
            for scheme, (row, member, count) in process.schemes.items():
                _count_scheme(first, scheme, row, member, count)
        else:
            add_schemes(first, process.schemes, process.row, process.member)
    issues = []
    for scheme, (row, member, count) in first.items():
        if scheme.strip().upper() in STANDARD_CLASSIFICATIONS:
            continue
        issues.append(Issue(
            row, "/tender/items/classification/scheme", scheme,
            f"classification scheme {scheme!r} is not CPV ({count} processes): the sector risk tier falls "
            "back to title and description terms",
            "Nothing to fix in the file; add a CPV code (additionalClassifications) where you can.",
            "ocds.classification_scheme", member=member))
    return issues
