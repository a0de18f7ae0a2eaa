"""The OCDS reader gives exactly what it gave before the speed work (issue 2), on real and messy inputs."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from ingest.ocds_snapshot import GOLDEN, MESSY_LINES, REAL_OCDS, compute, differing, digest
from procrisk.ingest.ocds import parallel, read_ocds
from procrisk.ingest.ocds.sources import loads, parse


def test_read_ocds_output_is_unchanged_on_every_real_and_messy_input(tmp_path: Path) -> None:
    """Every cell (with its type), row number, issue, note and count equals the digest the old reader gave."""
    differ = differing(GOLDEN, compute(tmp_path))
    assert not differ, f"read_ocds output changed (or an input came or went) for {differ}"


@pytest.mark.parametrize("text", [
    b'{"a": 1, "b": 2, "a": 3}', b'{"a": NaN, "b": -Infinity}', b'{"a": 123456789012345678901234567890}',
    b'{"a": -9223372036854775809}', b'{"a": 1e400}', b'\xef\xbb\xbf{"a": 1}', b'{"a": -0.0}',
    b'{"a": 120000.000000000000000000001}', b'{"a": 2.2250738585072011e-308}', b'{"a": "\\u0000\\t"}',
    b'{"a": "x\ty"}', b'\xff', b'{"a": 1}{"b": 2}', b'{"a": ', '{"a": "\u00e9\u4e2d"}'.encode("utf-16"),
    b' [1, 2.5, "3", true, null] \r\n',
])
def test_loads_gives_what_json_loads_gives(text: bytes) -> None:
    """The fast parser's value, or its error message, is json.loads's, for the inputs where the two differ."""
    try:
        expected: object = ("value", repr(json.loads(text)))
    except ValueError as exc:
        expected = ("error", str(exc))
    try:
        found: object = ("value", repr(loads(text)))
    except ValueError as exc:
        found = ("error", str(exc))
    assert found == expected


@pytest.mark.parametrize(("text", "value", "replaced"), [
    (b'"\\ud800"', "\ufffd", 1),
    (b'{"\\udc00": ["a\\ud83d", "\\ud83d\\ude00"]}', {"\ufffd": ["a\ufffd", "\U0001F600"]}, 2),
    ('"\\ud800 \u00e9"'.encode("utf-16"), "\ufffd \u00e9", 1), (b'"\\u00e9 \\ud83d\\ude00"', "\u00e9 \U0001F600", 0),
])
def test_parse_reads_unpaired_surrogates_as_replacement_characters(text: bytes, value: object, replaced: int) -> None:
    """Where json.loads keeps an unpaired surrogate (which no UTF-8 text can hold), parse gives U+FFFD and counts
    it, in keys and values and in any UTF encoding; a proper pair stays one character."""
    assert parse(text) == (value, replaced)
    assert loads(text) == value


def test_loads_parses_numbers_like_json_loads() -> None:
    """Random integers and decimals (long, tiny, huge exponents) parse to the same value and type."""
    rng = random.Random(5)
    for _ in range(20_000):
        kind = rng.random()
        if kind < 0.3:
            text = repr(rng.uniform(-1e6, 1e6))
        elif kind < 0.6:
            text = f"{rng.uniform(0, 10) * 10.0 ** rng.randrange(-320, 308):.{rng.randrange(0, 25)}e}"
        elif kind < 0.8:
            text = f"{rng.randrange(-10**25, 10**25)}.{rng.randrange(0, 10**rng.randrange(1, 30))}"
        else:
            text = str(rng.randrange(-10**30, 10**30))
        ours, theirs = loads(text.encode()), json.loads(text)
        assert (type(ours), repr(ours)) == (type(theirs), repr(theirs)), text


def test_worker_processes_give_the_same_output(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Reading every JSON Lines input with worker processes (tiny batches) gives the same digests."""
    monkeypatch.setattr(parallel, "MIN_BYTES", 0)
    monkeypatch.setattr(parallel, "BATCH_BYTES", 997)  # a few lines a batch, and lines longer than a batch
    monkeypatch.setattr(parallel, "worker_count", lambda: 2)
    used: list[int] = []
    read = parallel.LinePool.read

    def counted(self: parallel.LinePool, *args: object) -> object:
        """LinePool.read, counting the lines the workers read."""
        for block in read(self, *args):
            used.append(len(block))
            yield block

    monkeypatch.setattr(parallel.LinePool, "read", counted)
    differ = differing(GOLDEN, compute(tmp_path))
    assert sum(used) > MESSY_LINES  # the workers did read the JSON Lines files
    assert not differ, f"read_ocds output changed with worker processes for {differ}"


def test_a_process_running_threads_reads_without_workers(monkeypatch: pytest.MonkeyPatch) -> None:
    """With other threads running (the dashboard), nothing is forked: the file is read here, same output."""
    monkeypatch.setattr(parallel, "MIN_BYTES", 0)
    monkeypatch.setattr(parallel, "worker_count", lambda: 2)
    monkeypatch.setattr(parallel.threading, "active_count", lambda: 2)
    started: list[object] = []
    monkeypatch.setattr(parallel, "ProcessPoolExecutor", lambda *a, **k: started.append(a))
    known = json.loads(GOLDEN.read_text(encoding="utf-8"))
    assert digest(read_ocds(REAL_OCDS / "mexico-gacm_releases.jsonl")) == known["real/mexico-gacm_releases.jsonl"]
    assert not started


def test_a_result_marshal_cannot_carry_is_left_to_the_reader() -> None:
    """A worker's result holding a value marshal refuses becomes None: the reader then reads that line itself."""
    row = ("row", "ocid-1", "source", *[None] * 28, {"extras": [1, 2.5, None, True]})
    fine = ("ocid-1", [], 1, [("k", None, "n", None, [], {"supplier"}, [])], ["CPV"], [])
    odd = ("ocid-2", [], 1, [], [], [])
    data = parallel._encode([1, 2], [fine, odd], [[row], [(object(), *row[1:])]])
    block = parallel._block(data, b"{}\n{}\n", 1, 0, "", "source", 0)
    assert block.entries[1] is None
    assert block.ocids() is None  # so the source hands out its lines one by one
    process = block.process(0)
    assert (process.ocid, process.rows, process.suppliers, process.row) == ("ocid-1", [row], fine[3], 1)
