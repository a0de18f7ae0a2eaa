"""What a worker makes of a batch of lines: its summary merged as the lines are read, its extras written as text."""

from __future__ import annotations

import json
from typing import Any

import pytest

from ingest.ocds_snapshot import messy_lines
from ingest.test_ocds_workers import _plain_release
from procrisk.ingest.ocds import parallel
from procrisk.ingest.ocds.block import SOURCE, Entry, Summary, lines_of
from procrisk.ingest.ocds.flatten import CONTRACT_FIELDS
from procrisk.ingest.ocds.tables import EXTRAS, add_schemes, add_suppliers, identifier_schemes, object_json


def _merged_line_by_line(numbers: list[int], entries: list[Entry | None], rows: list[list[tuple[Any, ...]]],
                         member: str, row_base: int) -> Summary | None:
    """The summary as the reader would merge the batch's processes one by one (None if a line is left to it)."""
    suppliers: dict[str, list[Any]] = {}
    schemes: dict[str, list[Any]] = {}
    for number, entry, own in zip(numbers, entries, rows, strict=True):
        if entry is None or entry[0] is None:
            return None
        if entry[3]:
            add_suppliers(suppliers, entry[3], row_base + number, member, own[0][SOURCE] if own else None)
        if entry[4]:
            add_schemes(schemes, entry[4], row_base + number, member)
    return suppliers, schemes, identifier_schemes(suppliers)


def _twice_classified(number: int, ocid: str) -> str:
    """A plain release whose award names a second supplier, whose tenderer is another line's supplier and whose
    items use two schemes (one of them twice)."""
    release = json.loads(_plain_release(number, ocid))
    release["tender"]["items"] = [{"id": "1", "classification": {"scheme": "CPV", "id": "90910000"}},
                                  {"id": "2", "classification": {"scheme": "UNSPSC", "id": "1"}}]
    release["awards"][0]["items"] = [{"id": "1", "classification": {"scheme": "UNSPSC", "id": "2"}}]
    release["awards"][0]["suppliers"].append({"id": "GB-COH-99", "name": f"Other {number % 3}"})
    release["parties"][1]["identifier"]["scheme"] = ["GB-COH", "XI-LEI"][number % 2]
    release["tender"]["tenderers"] = [{"id": f"GB-COH-{(number + 1) % 7}", "name": f"Supplier {(number + 1) % 7}"}]
    return json.dumps(release)


@pytest.mark.parametrize("kind", ["plain", "several", "messy", "one_left"])
def test_the_summary_merged_as_lines_are_read_is_the_one_merged_line_by_line(kind: str) -> None:
    """Suppliers seen again (in one line, in later lines), schemes counted once per line, lines the typed read
    steps aside for, and a line left to the reader (no summary then): as merging the lines one by one gives."""
    if kind == "messy":
        lines = list(messy_lines(400))
    else:
        lines = [(_twice_classified if kind == "several" else _plain_release)(n, f"ocds-{n}") for n in range(40)]
    if kind == "one_left":
        lines.insert(17, '{"not": "a release"')  # invalid JSON: the reader reads that line
    chunk = "".join(line + "\n" for line in lines).encode()
    numbers, entries, rows, summary = parallel._batch(chunk, 5, 0, "member", "source", 100)
    assert summary == _merged_line_by_line(numbers, entries, rows, "member", 100)
    assert (summary is None) == (kind in ("messy", "one_left"))
    if kind == "several":
        assert summary is not None and any(len(known[5]) > 1 for known in summary[0].values())
        assert summary[1]["UNSPSC"][2] == 40


EXTRAS_CASES: list[Any] = [
    {"tender_id": "T1", "award_id": "A1", "award_status": "active"},
    {"award_status": "pending", "tender_id": "T2", "award_id": "A2"},  # the same keys in another order
    {"tender_id": 'T "quoted" \\ back', "award_id": "Ä\u00e9\u4e2d\U0001f600", "award_status": "line\nend\ttab\x01"},
    {"tender_id": "\ud800 lone", "award_id": "\u2028\u2029", "award_status": ""},
    {"tender_id": "T3"},
    {"tender_id": "T4", "award_id": "A4", "award_status": 3},  # a status that is not text
    {"tender_id": None, "award_id": "A5", "award_status": "active"},
    {"tender_id": "T6", "award_id": "A6", "other": "x"},  # three keys, not the award's
    {"award_id": "A7"}, {"award_status": "active"}, {"tender_id": 7}, {"tender_id": ["T8"]},
    {"tender_id": "T9", "award_id": "A9"}, {"tender_id": "T10", "award_id": "A10", "award_status": "x", "n": 1},
    {}, None, "abc", ["tender_id", "award_id", "award_status"], {"ocds_file": "a.json", "roles": ["supplier"]},
]


def test_extras_text_is_the_one_json_dumps_writes() -> None:
    """Each row's extras text is ``json.dumps(value, ensure_ascii=False, sort_keys=True)`` of a non-empty dict
    (None else), whatever its keys, their order, its values and the characters to escape."""
    columns: list[tuple[Any, ...]] = [(None,) * len(EXTRAS_CASES) for _ in CONTRACT_FIELDS]
    columns[EXTRAS] = tuple(EXTRAS_CASES)
    expected = [json.dumps(v, ensure_ascii=False, sort_keys=True) if isinstance(v, dict) and v else None
                for v in EXTRAS_CASES]
    assert parallel._extras_json(columns) == expected == list(map(object_json, EXTRAS_CASES))
    assert parallel._extras_json([]) == []


@pytest.mark.parametrize("text", [b'{"a": 1}\n\n   \n{"b": 2}\r\n \t\n{"c": 3}\n\n{"d": 4}', b"\n\n", b" ", b"",
                                  b'{"a": 1}\n \r\n', b'\n{"a": 1}\n\t'])
def test_a_worker_numbers_the_lines_as_the_block_splits_them(text: bytes) -> None:
    """The worker's line numbers are those of block.lines_of: blank and whitespace lines skipped, a last line
    without its line end kept (the reader takes a line's text by its position among them)."""
    numbers = parallel._batch(text, 7, 0, "", "source", 0)[0]
    assert numbers == [number for number, _ in lines_of(text, 7)] == [number for number, _ in lines_of(text, 7,
                                                                                                       ends=False)]
