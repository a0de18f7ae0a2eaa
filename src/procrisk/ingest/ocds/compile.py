"""Merges the releases of one contracting process into a compiled release with ocdsmerge, offline.

The merge rules come from the OCDS 1.1.5 release schema shipped in ``procrisk/reference/data/ocds`` (offline).
A process with a single release (or a record's compiledRelease) is used as it is unless one of the arrays the
flattener reads holds two objects with the same ``id``: ocdsmerge would fold those into one, so only then is
the release passed through ocdsmerge. That keeps big JSON Lines files of compiled releases fast while giving
the same result as merging everything.
"""

from __future__ import annotations

import json
import re
import warnings
from functools import lru_cache
from importlib import resources
from typing import Any

from ocdsmerge import Merger
from ocdsmerge.exceptions import (
    DuplicateIdValueWarning,
    InconsistentTypeError,
    MissingDateKeyError,
    NonStringDateValueError,
    NullDateValueError,
)
from ocdsmerge.merge import CompiledRelease
from ocdsmerge.rules import MergeRules, get_merge_rules

from procrisk.ingest.ocds.issues import IssueSink
from procrisk.ingest.ocds.sources import Unit

READ_PATHS = frozenset({
    "parties", "awards", "awards.suppliers", "awards.items", "contracts", "contracts.suppliers",
    "contracts.items", "tender.items", "tender.tenderers", "bids.details", "bids.details.tenderers",
})
_WARNING_PATH = re.compile(r"in the `([^`]*)` array")


@lru_cache(maxsize=1)
def merge_rules() -> MergeRules:
    """The OCDS 1.1.5 merge rules, read once from the schema copy shipped with procrisk."""
    schema = resources.files("procrisk.reference").joinpath("data", "ocds", "release-schema.json")
    return get_merge_rules(json.loads(schema.read_text(encoding="utf-8")))


def _duplicate_ids(items: Any) -> bool:
    """Whether an array of objects holds two objects whose ``id`` ocdsmerge would treat as the same."""
    if items.__class__ is not list or len(items) < 2:
        return False
    ids = set()
    count = 0
    for item in items:
        if item.__class__ is not dict:
            return False  # an array holding non-objects is merged whole, not by id
        if "id" in item:
            ids.add(str(item["id"]))
            count += 1
    return len(ids) != count


def _any_duplicates(items: Any, nested: tuple[str, ...]) -> bool:
    """Whether an array, or a nested array of one of its objects, holds two objects with the same id."""
    if items.__class__ is not list:
        return False
    if _duplicate_ids(items):
        return True
    return any(item.__class__ is dict and _duplicate_ids(item.get(key)) for item in items for key in nested)


def needs_merge(release: dict[str, Any]) -> bool:
    """Whether merging a release alone would change what the flattener reads (duplicate ids in its arrays)."""
    tender, bids = release.get("tender"), release.get("bids")
    return (
        _duplicate_ids(release.get("parties"))
        or _any_duplicates(release.get("awards"), ("suppliers", "items"))
        or _any_duplicates(release.get("contracts"), ("suppliers", "items"))
        or (tender.__class__ is dict and (_duplicate_ids(tender.get("items"))
                                          or _duplicate_ids(tender.get("tenderers"))))
        or (bids.__class__ is dict and _any_duplicates(bids.get("details"), ("tenderers",)))
    )


def _report_duplicates(units: list[Unit], ocid: str, sink: IssueSink) -> list[dict[str, Any]]:
    """Drop identical copies of a release (same id, same content) and report every repeated release id."""
    seen: dict[str, Unit] = {}
    kept: list[dict[str, Any]] = []
    for unit in units:
        release_id = unit.release.get("id") if unit.kind == "release" else None
        if isinstance(release_id, str | int) and not isinstance(release_id, bool):
            key = str(release_id)
            first = seen.get(key)
            if first is not None:
                identical = first.release == unit.release
                what = "an identical copy, dropped" if identical else \
                    "different content: ocdsmerge keeps the values of the later release by date"
                sink.add(unit.row, "/id", release_id,
                         f"duplicate release: id {release_id!r} of ocid {ocid!r} was already read at row "
                         f"{first.row} ({what})",
                         "Publish each release once; a changed release needs a new id.",
                         code="ocds.duplicate_release")
                if identical:
                    continue
            else:
                seen[key] = unit
        kept.append(unit.release)
    return kept


def _merge(releases: list[dict[str, Any]], row: int, sink: IssueSink) -> dict[str, Any]:
    """Run ocdsmerge on the releases of one process, reporting what it had to work around."""
    rules = merge_rules()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", DuplicateIdValueWarning)
        try:
            compiled = Merger(merge_rules=rules).create_compiled_release(releases)
        except (MissingDateKeyError, NullDateValueError, NonStringDateValueError) as exc:
            sink.add(row, "/date", None,
                     f"a release of this process has no usable date ({exc}); its releases were merged in "
                     "file order",
                     "Give every release its date (ISO 8601).", code="ocds.release_date")
            compiled = _merge_in_order(releases, rules, row, sink)
        except InconsistentTypeError as exc:
            compiled = _last_release(releases, row, sink, exc)
    for warning in caught:
        if not issubclass(warning.category, DuplicateIdValueWarning):
            continue
        message = str(warning.message)
        match = _WARNING_PATH.search(message)
        path = match.group(1) if match else ""
        if path in READ_PATHS:
            sink.add(row, "/" + path.replace(".", "/"), "",
                     f"{message}: ocdsmerge merged them into one object",
                     "Give each object in the array its own id.", code="ocds.duplicate_object_id")
    return compiled


def _merge_in_order(releases: list[dict[str, Any]], rules: MergeRules, row: int,
                    sink: IssueSink) -> dict[str, Any]:
    """Merge releases in file order (used when their dates cannot be sorted)."""
    merged = CompiledRelease(merge_rules=rules)
    try:
        for release in releases:
            merged.append(release)
    except InconsistentTypeError as exc:
        return _last_release(releases, row, sink, exc)
    return merged.asdict()


def _last_release(releases: list[dict[str, Any]], row: int, sink: IssueSink,
                  exc: Exception) -> dict[str, Any]:
    """Fall back to the last release when the releases disagree on a field's JSON type."""
    sink.add(row, "/", None,
             f"the releases of this process cannot be merged ({exc}); the last release in the file is "
             "used alone",
             "Keep each field's JSON type the same in every release.", code="ocds.merge_failed")
    return releases[-1]


def compile_process(units: list[Unit], sink: IssueSink) -> dict[str, Any]:
    """The compiled release of one process from its units (releases, a record's compiledRelease or a link)."""
    if len(units) == 1:  # what the general case below gives for one unit, without its bookkeeping
        only = units[0]
        if only.kind in ("compiled", "linked") or not needs_merge(only.release):
            return only.release
        return _merge([only.release], only.row, sink)
    usable = [u for u in units if u.release is not None and u.kind != "linked"] or units[:1]
    ocid = units[0].ocid or ""
    releases = _report_duplicates(usable, ocid, sink)
    if len(releases) == 1:
        only = usable[0] if len(usable) == 1 else next(u for u in usable if u.release is releases[0])
        if only.kind in ("compiled", "linked") or not needs_merge(releases[0]):
            return releases[0]
    return _merge(releases, units[0].row, sink)
