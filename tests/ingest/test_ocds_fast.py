"""The one-pass flattener of plain releases (fast.py) gives what the generic path gives, or steps aside."""

from __future__ import annotations

import copy
import json
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ingest.ocds_snapshot import REAL_OCDS, _cell, messy_lines
from procrisk.ingest.ocds.compile import compile_process
from procrisk.ingest.ocds.fast import flatten_plain
from procrisk.ingest.ocds.flatten import flatten_release
from procrisk.ingest.ocds.issues import IssueSink
from procrisk.ingest.ocds.sources import Source, Unit, _release_ocid
from procrisk.ingest.ocds.tables import pack


def _generic(release: dict[str, Any], ocid: str, kind: str) -> tuple[str, list[Any]]:
    """The packed rows, suppliers and schemes (as typed text) and issues of the generic path."""
    sink = IssueSink()
    compiled = compile_process([Unit(release, 1, (0, 1), "", "src", kind, ocid)], sink)
    flat = flatten_release(compiled, ocid=ocid, row=1, source="src", sink=sink)
    process = pack(flat, 1, "", sink.items, ocid)
    return _cell([process.rows, process.suppliers, process.schemes]), process.issues


def _check(release: dict[str, Any], kind: str = "release") -> bool:
    """Assert the fast result equals the generic one when there is one; return whether there was one."""
    ocid = _release_ocid(release, 1, None)
    if ocid is None:
        return False
    before = copy.deepcopy(release)
    fast = flatten_plain(release, ocid, "src", check_merge=kind == "release")
    assert release == before  # nothing is changed in place
    if fast is None:
        return False
    expected, issues = _generic(release, ocid, kind)
    assert issues == []
    assert _cell(list(fast)) == expected, json.dumps(release)[:500]
    return True


def _bench_release(rng: random.Random, i: int) -> dict[str, Any]:
    """A release like bench/ingest.py's (the benchmark's compiled releases)."""
    supplier = f"GB-COH-{rng.randrange(10**7, 10**8)}"
    return {
        "ocid": f"ocds-bench-{i}", "id": f"{i}-award", "date": "2024-03-01T00:00:00Z", "tag": ["award"],
        "initiationType": "tender", "buyer": {"id": "GB-GOV-1", "name": "Ministry of Works"},
        "parties": [{"id": "GB-GOV-1", "name": "Ministry of Works", "roles": ["buyer"],
                     "address": {"countryName": "United Kingdom"}},
                    {"id": supplier, "name": f"Supplier {i % 50} Ltd", "roles": ["supplier"],
                     "identifier": {"scheme": "GB-COH", "id": supplier[7:]},
                     "address": {"countryName": "United Kingdom"}}],
        "tender": {"id": f"T{i}", "title": "Cleaning services", "procurementMethod": "open",
                   "numberOfTenderers": rng.randrange(1, 6), "status": "complete",
                   "tenderPeriod": {"startDate": "2024-01-01T09:00:00Z", "endDate": "2024-01-20T12:00:00Z"},
                   "value": {"amount": 120000, "currency": "GBP"},
                   "items": [{"id": "1", "classification": {"scheme": "CPV", "id": "90910000"}}]},
        "awards": [{"id": f"A{i}", "status": "active", "date": "2024-03-01T00:00:00Z",
                    "value": {"amount": float(rng.randrange(50_000, 150_000)), "currency": "GBP"},
                    "suppliers": [{"id": supplier, "name": f"Supplier {i % 50} Ltd"}]}],
    }


_ODD_VALUES = ["", "  ", 0, 17, 2.5, True, None, [], {}, ["x"], {"a": 1}, "gbp", "EUR", "x", "2024-01-01",
               "2024-01-01T00:00:00Z", "GB-COH", "GB-COH-1", {"scheme": "GB-COH", "id": "9"},
               [{"id": "GB-COH-1", "name": "Other"}], [{"id": "1"}, {"id": "1"}], [{"name": "Only name"}],
               {"countryName": "France"}, {"amount": "10", "currency": "GBP"}, {"amount": 5}, ["tenderer"],
               {"startDate": "2024-04-01", "endDate": "2025-04-01"}, {"endDate": "2025-04-01T00:00:00Z"},
               [{"id": "GB-GOV-1", "name": "Ministry of Works", "address": {"countryName": "Spain"},
                 "identifier": {"scheme": "GB-GOV", "id": "GB-GOV-1"}}],
               {"id": "GB-GOV-1", "address": {"country": "ES"}, "additionalIdentifiers": [{"scheme": "XI-LEI",
                                                                                         "id": "L1"}]}]


def _paths(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every key path inside a JSON value."""
    if isinstance(value, dict):
        for key, inner in value.items():
            yield (*path, key)
            yield from _paths(inner, (*path, key))
    elif isinstance(value, list):
        for position, inner in enumerate(value):
            yield (*path, position)
            yield from _paths(inner, (*path, position))


def _variants(release: dict[str, Any], rng: random.Random, count: int) -> Iterator[dict[str, Any]]:
    """Copies of a release with one to three fields set to an odd value, deleted, or added."""
    paths = list(_paths(release))
    extra = [("contracts",), ("bids",), ("awards", 0, "items"), ("tender", "tenderers"), ("tender", "description"),
             ("awards", 0, "title"), ("tender", "classification"), ("tender", "deliveryAddresses"),
             ("parties", 1, "additionalIdentifiers"), ("tender", "mainProcurementCategory"),
             ("awards", 0, "contractPeriod"), ("parties", 0, "roles")]
    for _ in range(count):
        variant = copy.deepcopy(release)
        for _ in range(rng.randrange(1, 4)):
            path = rng.choice(paths + extra)
            holder: Any = variant
            try:
                for key in path[:-1]:
                    holder = holder[key]
                if rng.random() < 0.2 and isinstance(holder, dict):
                    holder.pop(path[-1], None)
                else:
                    holder[path[-1]] = copy.deepcopy(rng.choice(_ODD_VALUES))
            except (KeyError, IndexError, TypeError):
                continue
        yield variant


def test_plain_bench_releases_take_the_fast_path_with_the_generic_result() -> None:
    """The benchmark's releases are all plain, and each gives exactly the generic rows and suppliers."""
    rng = random.Random(1)
    assert all(_check(_bench_release(rng, i)) for i in range(500))


def test_changed_releases_give_the_generic_result_or_step_aside() -> None:
    """Thousands of releases with odd values, missing and added fields: same result, or None (generic)."""
    rng = random.Random(2)
    taken = sum(_check(variant) for i in range(150) for variant in _variants(_bench_release(rng, i), rng, 30))
    assert 300 < taken < 150 * 30  # both paths were exercised


def test_messy_lines_give_the_generic_result_or_step_aside() -> None:
    """Every release of the seeded messy JSON Lines (every listed defect) checks out."""
    taken = 0
    for line in messy_lines():
        try:
            value = json.loads(line)
        except ValueError:
            continue
        if isinstance(value, dict) and "releases" not in value and "compiledRelease" not in value:
            taken += _check(value)
    assert taken > 0


@pytest.mark.parametrize("path", sorted(REAL_OCDS.iterdir()), ids=lambda p: p.name)
def test_real_releases_and_compiled_releases_give_the_generic_result_or_step_aside(path: Path) -> None:
    """Every release and record compiledRelease of the real publishers' files checks out."""
    for unit in Source(path).units(IssueSink()):
        if unit.release.__class__ is dict and unit.kind in ("release", "compiled"):
            _check(unit.release, unit.kind)


@pytest.mark.parametrize("path", [("parties",), ("awards",), ("awards", 0, "suppliers"), ("awards", 0, "items"),
                                  ("tender", "items"), ("tender", "tenderers")])
def test_arrays_ocdsmerge_would_fold_go_to_the_generic_path(path: tuple[Any, ...]) -> None:
    """Two objects with the same id in an array the flattener reads: merged by ocdsmerge, so not plain."""
    from procrisk.ingest.ocds.compile import needs_merge

    release = _bench_release(random.Random(3), 1)
    holder: Any = release
    for key in path[:-1]:
        holder = holder[key]
    holder[path[-1]] = [{"id": "x", "name": "One"}, {"id": "x", "name": "Two"}]
    assert needs_merge(release)
    assert flatten_plain(release, "ocds-bench-1", "src") is None
    assert flatten_plain(release, "ocds-bench-1", "src", check_merge=False) is not None  # a compiledRelease


def _check_line(line: bytes) -> bool:
    """Assert a JSON Lines line read by flatten_line gives the generic result, or steps aside: always where the
    reader's fast path (parse, flatten_plain) does, and where the line is JSON msgspec refuses (NaN ...)."""
    from procrisk.ingest.ocds.fast import flatten_line
    from procrisk.ingest.ocds.sources import is_plain_release, parse

    typed = flatten_line(line, "src")
    try:
        value, replaced = parse(line)
    except ValueError:
        assert typed is None
        return False
    sink = IssueSink()
    ocid = _release_ocid(value, 1, sink) if is_plain_release(value) else None
    plain = flatten_plain(value, ocid, "src") if ocid is not None and not replaced and not sink.items else None
    if plain is None or typed is None:
        assert typed is None, line[:300]
        return False
    expected, issues = _generic(value, ocid, "release")
    assert issues == []
    assert (typed[0], _cell(list(typed[1]))) == (ocid, expected), line[:300]
    return True


def test_lines_read_typed_give_the_generic_result_or_step_aside() -> None:
    """A line decoded straight into the fields procrisk reads gives what parsing it whole gives, or None."""
    rng = random.Random(4)
    variants = [v for i in range(100) for v in _variants(_bench_release(rng, i), rng, 30)]
    lines = [json.dumps(v).encode() for v in variants]
    lines += [json.dumps({**_bench_release(rng, 1), **extra}).encode() for extra in (
        {"ocid": " ocds-x "}, {"ocid": "  "}, {"ocid": 5}, {"tag": "award"}, {"packageInfo": {"publisher": "P"}},
        {"releases": None}, {"records": []}, {"compiledRelease": {}}, {"contracts": []}, {"contracts": [{}]},
        {"bids": None}, {"bids": {}}, {"buyer": {}}, {"buyer": {"unknown": 1}}, {"buyer": {"id": None}},
        {"numberOfTenderers": True}, {"unread": {"deep": [1, {"x": None}]}})]
    nested = _bench_release(rng, 2)  # suppliers inside the award's items (an issue), or no suppliers at all
    nested["awards"][0]["items"] = [{"id": "1", "suppliers": nested["awards"][0].pop("suppliers")}]
    lines += [json.dumps(nested).encode(), json.dumps({**nested, "awards": [{"id": "A", "items": []}]}).encode(),
              json.dumps({**nested, "awards": [{"id": "A", "suppliers": None, "items": []}]}).encode()]
    plain = json.dumps(_bench_release(rng, 3)).encode()[:-1]  # fields procrisk skips must be valid JSON too
    lines += [plain + b', "unread": ' + text + b"}" for text in (
        b'"\xc0\xaf"', b'"\xf4\x90\x80\x80"', b'["\xff"]', b'"\\ud800"', b"1e400", b"NaN", b'"\xc3\xa9"',
        b'"a\x01b"', b"01", b"[[[[1]]]]", b'{"\\udc00": 1}')]
    lines += [b"[1]", b"nope", b'{"ocid": "a", "buyer": {"id": "\\ud800"}}', b'{"ocid": "a", "x": NaN}',
              b'{"ocid": "a", "ocid": "b", "buyer": {"id": "B"}}', *(m.encode() for m in messy_lines())]
    taken = sum(_check_line(line) for line in lines)
    assert 300 < taken < len(lines)


def test_kept_dates_and_shared_texts_change_no_result(monkeypatch: pytest.MonkeyPatch) -> None:
    """The day counts kept per tender period and the texts shared across releases give the same rows, also
    when their tables fill up and start again; a repeated text is then one object."""
    from procrisk.ingest.ocds import fast

    rng = random.Random(5)
    releases = [_bench_release(rng, i) for i in range(40)]
    for position, release in enumerate(releases):
        release["tender"]["tenderPeriod"]["endDate"] = f"2024-02-{1 + position % 7:02d}T12:00:00Z"
        release["tender"]["procurementMethod"] = ["open", "selective", "limited"][position % 3]
    lines = [json.dumps(release).encode() for release in releases]
    monkeypatch.setattr(fast, "_DAYS", {})
    monkeypatch.setattr(fast, "_SHARED", {})
    first = [fast.flatten_line(line, "src") for line in lines]
    assert first[0][1][0][0][4] is first[1][1][0][0][4]  # the buyer's name: one object
    monkeypatch.setattr(fast, "_DAYS", {})
    monkeypatch.setattr(fast, "_SHARED", {})
    monkeypatch.setattr(fast, "_DAYS_KEPT", 2)
    monkeypatch.setattr(fast, "_SHARED_KEPT", 3)
    again = [fast.flatten_line(line, "src") for line in lines]
    assert len(fast._DAYS) <= 2
    assert len(fast._SHARED) <= 3 + 20  # started again before a release's texts were added
    assert again == first
    assert all(_check(release) for release in releases)


def test_suppliers_share_their_roles_and_schemes_and_a_merge_changes_no_other_release() -> None:
    """Suppliers of the same roles and identifier schemes hold one set and one list (sent once per batch); an
    organisation that gains a role or a scheme within a release gets its own, and the suppliers of the releases
    read before it keep theirs (the generic result for each)."""
    from procrisk.ingest.ocds import fast

    rng = random.Random(9)
    first, second = _bench_release(rng, 1), _bench_release(rng, 2)
    grown = _bench_release(rng, 3)  # its supplier also tenders, under the same id from another scheme
    supplier = grown["parties"][1]["id"]
    grown["tender"]["tenderers"] = [{"name": "Tenderer", "identifier": {"scheme": "GB", "id": supplier[3:]}}]
    read = [fast.flatten_line(json.dumps(release).encode(), "src") for release in (first, second, grown)]
    (one,), (two,), (three,) = (packed[1][1] for packed in read)  # type: ignore[index]
    assert one[5] is two[5] and one[6] is two[6]  # roles {"supplier"}, schemes ["GB-COH"]: shared
    assert three[5] == {"supplier", "tenderer"} and three[6] == ["GB-COH", "GB"]
    assert one[5] == two[5] == {"supplier"} and one[6] == two[6] == ["GB-COH"]
    assert all(_check(release) for release in (first, second, grown))
