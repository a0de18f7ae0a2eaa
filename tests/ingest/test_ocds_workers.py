"""How many workers read big OCDS files, and what a user sees when one of them dies."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest

from helpers import REAL
from ingest.ocds_snapshot import digest
from procrisk.config import load_config
from procrisk.errors import ConfigError, InputFileError
from procrisk.ingest.ocds import OcdsRead, parallel, read_ocds
from procrisk.ingest.ocds import reader as reader_module
from procrisk.ingest.ocds.block import Block
from procrisk.ingest.ocds.flatten import CONTRACT_FIELDS
from procrisk.ingest.ocds.tables import Process, contract_table
from procrisk.rules.parallel import default_workers

JSONL = REAL / "ocds" / "mexico-gacm_releases.jsonl"


def _die(*args: object) -> bytes:
    """A worker that is killed mid-batch (as the out-of-memory killer would)."""
    os._exit(9)


def test_a_dead_worker_is_a_clear_input_error(monkeypatch: pytest.MonkeyPatch) -> None:
    """A worker process that dies makes read_ocds raise InputFileError naming the file and the way out."""
    monkeypatch.setattr(parallel, "MIN_BYTES", 0)
    monkeypatch.setattr(parallel, "worker_count", lambda: 2)
    monkeypatch.setattr(parallel.threading, "active_count", lambda: 1)
    monkeypatch.setattr(parallel, "read_batch", _die)
    with pytest.raises(InputFileError) as caught:
        read_ocds(JSONL)
    message = str(caught.value)
    assert JSONL.name in message
    assert "PROCRISK_WORKERS=1" in message
    assert "nothing was stored" in message


def test_workers_setting_caps_both_pools(monkeypatch: pytest.MonkeyPatch) -> None:
    """PROCRISK_WORKERS=1 turns parallel work off for scoring threads and OCDS processes alike."""
    monkeypatch.setenv("PROCRISK_WORKERS", "1")
    assert default_workers() == 1
    assert parallel.worker_count() == 1
    assert parallel.line_pool() is None
    monkeypatch.setenv("PROCRISK_WORKERS", "3")
    assert default_workers() == 3
    assert parallel.worker_count() == parallel.MAX_WORKERS


def test_workers_setting_rejects_a_negative_number(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A negative worker count is a settings error that names the setting."""
    monkeypatch.setenv("PROCRISK_WORKERS", "-2")
    with pytest.raises(ConfigError, match="'workers'"):
        load_config()


def _plain_release(number: int, ocid: str) -> str:
    """One plain release line (the shape workers flatten in one pass), its award numbered ``number``."""
    return json.dumps({
        "ocid": ocid, "id": f"r{number}", "date": "2024-03-01T00:00:00Z", "tag": ["award"],
        "buyer": {"id": "GB-GOV-1", "name": "Ministry of Works"},
        "parties": [{"id": "GB-GOV-1", "name": "Ministry of Works", "roles": ["buyer"]},
                    {"id": f"GB-COH-{number % 7}", "name": f"Supplier {number % 7} Ltd", "roles": ["supplier"],
                     "identifier": {"scheme": "GB-COH", "id": str(number % 7)}}],
        "tender": {"id": f"T{number}", "title": "Cleaning services", "numberOfTenderers": 3},
        "awards": [{"id": f"A{number}", "status": "active", "value": {"amount": 1000.0 + number, "currency": "GBP"},
                    "suppliers": [{"id": f"GB-COH-{number % 7}", "name": f"Supplier {number % 7} Ltd"}]}],
    })


def _read_alone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, ocids: list[str], *, groups: int,
                units: int) -> tuple[Path, OcdsRead]:
    """Write a release per ocid, read it in this process with a window of ``groups`` and ``units``, and set the
    pool up for the next read: two workers, batches of about 10 lines. Returns the file and that first read."""
    path = tmp_path / "releases.jsonl"
    path.write_text("".join(_plain_release(n, ocid) + "\n" for n, ocid in enumerate(ocids)), encoding="utf-8")
    monkeypatch.setattr(reader_module, "WINDOW_GROUPS", groups)
    monkeypatch.setattr(reader_module, "WINDOW_UNITS", units)
    monkeypatch.setattr(parallel, "worker_count", lambda: 1)
    alone = read_ocds(path)
    monkeypatch.setattr(parallel, "MIN_BYTES", 0)
    monkeypatch.setattr(parallel, "BATCH_BYTES", 10 * len(_plain_release(0, ocids[0])))  # about 10 lines
    monkeypatch.setattr(parallel, "worker_count", lambda: 2)
    monkeypatch.setattr(parallel.threading, "active_count", lambda: 1)
    return path, alone


def test_whole_worker_batches_give_what_reading_line_by_line_gives(monkeypatch: pytest.MonkeyPatch,
                                                                   tmp_path: Path) -> None:
    """Batches taken whole from the workers, with ocids that come again (in the window, after it, in the same
    batch), give the same tables, issues and notes as reading every line in this process."""
    ocids = [f"ocds-{n}" for n in range(120)]
    ocids[30] = ocids[27]  # again while its process is still open, from the next batch
    ocids[100] = ocids[3]  # again long after its process was evicted: read a second time
    ocids[41] = ocids[44]  # twice in one batch: that batch is taken line by line
    path, alone = _read_alone(tmp_path, monkeypatch, ocids, groups=20, units=20)
    dropped: list[int] = []
    drop = Block.drop
    monkeypatch.setattr(Block, "drop", lambda self, position: (dropped.append(position), drop(self, position)))
    pooled = read_ocds(path)
    assert len(dropped) == 2  # the two lines of whole batches whose process had another release
    assert digest(pooled) == digest(alone)
    assert any("read a second time" in note for note in pooled.notes)
    assert pooled.processes == 117


@pytest.mark.parametrize("batch_bytes", [1, 7, 64, 1 << 20])
def test_workers_number_the_lines_as_reading_the_file_does(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                           batch_bytes: int) -> None:
    """Cut into chunks at line ends (however small), the file gives the same non-blank lines, numbers and count
    of lines as iterating over it: blank and whitespace lines skipped, a last line without its line end kept."""
    text = b'{"a": 1}\n\n   \n{"b": "' + b"x" * 150 + b'"}\r\n \t\n{"c": 3}\n\n{"d": 4}'
    path = tmp_path / "lines.jsonl"
    path.write_bytes(text)
    monkeypatch.setattr(parallel, "BATCH_BYTES", batch_bytes)
    pool = parallel.LinePool(2)
    try:
        blocks = list(pool.read(path, 0, "", "source", 0))
    finally:
        pool.close()
    got = [(number, block.line(position)) for block in blocks for position, number in enumerate(block.numbers)]
    with path.open("rb") as handle:
        expected = [(number, line) for number, line in enumerate(handle, start=1) if line.strip()]
    assert got == expected
    assert pool.last_line == 8


def test_a_block_piece_without_rows_adds_nothing_to_the_contracts() -> None:
    """Lines that gave no contract row (or were all dropped) leave the contracts table as it is."""
    row = ("ocds-1/A1", "ocds-1", "source", *[None] * 28, {"award_id": "A1"})
    process = Process([row], [], [], 4, "", [], "ocds-1", "source")
    alone, _ = contract_table([process], is_dir=False, name="f.jsonl")
    no_rows = ([], np.array([], dtype=np.int64), "", [])  # what a worker sends for lines without rows: no column
    dropped = ([[] for _ in CONTRACT_FIELDS], np.array([], dtype=np.int64), "", [])  # every line dropped
    with_piece, _ = contract_table([process], is_dir=False, name="f.jsonl", pieces=[no_rows, dropped])
    assert with_piece.frame.equals(alone.frame)
    assert with_piece.row_numbers.tolist() == alone.row_numbers.tolist() == [4]


@pytest.mark.parametrize("pooled", [False, True])
@pytest.mark.parametrize("damage", ["cut", "flipped"])
def test_a_damaged_or_cut_gzip_file_is_a_clear_input_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                                           pooled: bool, damage: str) -> None:
    """A .jsonl.gz whose download stopped early, or whose bytes were damaged, names the file, the last line
    read and the fix, with or without worker processes (it used to be an internal error)."""
    import gzip

    if pooled:
        monkeypatch.setattr(parallel, "MIN_BYTES", 0)
        monkeypatch.setattr(parallel, "worker_count", lambda: 2)
        monkeypatch.setattr(parallel.threading, "active_count", lambda: 1)
        monkeypatch.setattr(parallel, "BATCH_BYTES", 4096)
    packed = bytearray(gzip.compress(JSONL.read_bytes()))
    if damage == "cut":
        packed = packed[: len(packed) // 2]
    else:
        packed[len(packed) // 2: len(packed) // 2 + 40] = b"\xff" * 40
    path = tmp_path / "releases.jsonl.gz"
    path.write_bytes(bytes(packed))
    with pytest.raises(InputFileError, match=r"releases\.jsonl\.gz: the file cannot be read past line [\d,]+ .*"
                                             r"download it again"):
        read_ocds(path)


def test_plain_lines_read_in_this_process_are_parsed_whole_only_when_their_process_needs_it(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Without workers a plain release line is read typed (only the fields procrisk reads), as a worker reads
    it; only the lines of a process with several releases, and lines that are not plain, are parsed whole.
    The result is the one parsing every line gives."""
    from procrisk.ingest.ocds import fast, sources

    ocids = [f"ocds-{n}" for n in range(40)]
    ocids[30] = ocids[27]  # again while its process is open
    ocids[39] = ocids[2]  # again after its process was evicted: read a second time
    lines = [_plain_release(n, ocid) for n, ocid in enumerate(ocids)]
    lines[10] = '{"ocid": "ocds-x", "tag": "award"}'  # a read issue: parsed whole
    lines[11] = "{not json"
    path = tmp_path / "releases.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    monkeypatch.setattr(reader_module, "WINDOW_GROUPS", 5)
    monkeypatch.setattr(reader_module, "line_pool", lambda: None)
    parsed: list[bytes] = []
    parse, loads = sources.parse, sources.loads

    def counted_parse(data: bytes) -> object:
        """sources.parse, noting the line."""
        parsed.append(data)
        return parse(data)

    def counted_loads(data: bytes) -> object:
        """sources.loads, noting the line."""
        parsed.append(data)
        return loads(data)

    monkeypatch.setattr(sources, "parse", counted_parse)
    monkeypatch.setattr(sources, "loads", counted_loads)
    typed = digest(read_ocds(path))
    assert sorted({json.loads(line).get("ocid", "?") if line.startswith(b"{\"") else "bad"
                   for line in parsed}) == ["bad", "ocds-2", "ocds-27", "ocds-x"]
    monkeypatch.setattr(sources, "flatten_line", lambda line, source: None)
    assert digest(read_ocds(path)) == typed
    assert fast.flatten_line(lines[0].encode(), "src") is not None


def _blocks_of(path: Path, pool: parallel.LinePool) -> list[tuple[object, ...]]:
    """What the pool's workers give for each chunk of a file: its line numbers, entries and columns."""
    return [(block.numbers, block.entries, block.columns) for block in pool.read(path, 0, "", "source", 0)]


def test_workers_give_the_same_batches_for_a_file_and_its_gzip_and_leave_no_files(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Workers read an uncompressed file's chunks themselves at their offsets and get a gzip file's chunks as
    bytes: both give the same batches; each result file is deleted once taken, the folder when the pool closes."""
    import gzip

    path = tmp_path / "releases.jsonl"
    path.write_text("".join(_plain_release(n, f"ocds-{n}") + "\n" for n in range(60)), encoding="utf-8")
    packed = tmp_path / "releases.jsonl.gz"
    packed.write_bytes(gzip.compress(path.read_bytes()))
    monkeypatch.setattr(parallel, "BATCH_BYTES", 7 * len(_plain_release(0, "ocds-0")))  # several chunks
    pool = parallel.LinePool(2)
    try:
        plain = _blocks_of(path, pool)
        assert not list(Path(pool.folder).iterdir())  # every result file was taken and deleted
        assert _blocks_of(packed, pool) == plain
    finally:
        pool.close()
    assert len(plain) > 3
    assert sum(len(numbers) for numbers, _, _ in plain) == 60
    assert not Path(pool.folder).exists()


def test_a_chunk_the_file_no_longer_holds_is_read_by_the_reader(tmp_path: Path) -> None:
    """A worker that finds fewer bytes at a chunk's offset than the reader cut (the file shrank meanwhile)
    leaves the chunk to the reader, which reads the bytes it holds: same result as a worker's."""
    chunk = "".join(_plain_release(n, f"ocds-{n}") + "\n" for n in range(3)).encode()
    path = tmp_path / "releases.jsonl"
    path.write_bytes(chunk[:-10])  # shorter than the chunk the reader holds
    assert parallel.read_span(str(path), 0, b"", len(chunk), 1, 0, "", "source", 0, str(tmp_path)) is None
    path.write_bytes(chunk)
    name = parallel.read_span(str(path), 0, b"", len(chunk), 1, 0, "", "source", 0, str(tmp_path))
    assert name is not None
    expected = parallel.read_batch(chunk, 1, 0, "", "source", 0)
    assert parallel._taken(name, chunk, 1, 0, "", "source", 0) == expected
    assert not Path(name).exists()
    assert parallel._taken(None, chunk, 1, 0, "", "source", 0) == expected


def test_a_result_the_folder_cannot_take_comes_through_the_pipe(tmp_path: Path) -> None:
    """A worker that cannot write its result file (the folder full or gone) sends the result itself, and
    leaves no part of the file behind."""
    chunk = "".join(_plain_release(n, f"ocds-{n}") + "\n" for n in range(3)).encode()
    path = tmp_path / "releases.jsonl"
    path.write_bytes(chunk)
    gone = str(tmp_path / "gone")
    made = parallel.read_span(str(path), 0, b"", len(chunk), 1, 0, "", "source", 0, gone)
    expected = parallel.read_batch(chunk, 1, 0, "", "source", 0)
    assert made == expected
    assert parallel._taken(made, chunk, 1, 0, "", "source", 0) == expected
    assert not (tmp_path / "gone").exists()


def test_result_folders_of_killed_reads_are_swept_at_the_next_read(tmp_path: Path) -> None:
    """A read killed before it could clean up leaves its result folder; the next read removes the folders whose
    process is gone and leaves those of running processes (and anything else) alone."""
    import subprocess
    import sys

    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True,
                          check=True).stdout.strip()
    dead = tmp_path / f"{parallel.FOLDER_PREFIX}{gone}-abc"
    (dead / "sub").mkdir(parents=True)
    (dead / "1-0-1").write_bytes(b"left behind")
    alive = tmp_path / f"{parallel.FOLDER_PREFIX}{os.getppid()}-xyz"
    alive.mkdir()
    other = tmp_path / "procrisk-ocds-notes"
    other.mkdir()
    assert parallel.sweep_folders(tmp_path) == 1
    assert not dead.exists() and alive.exists() and other.exists()


@pytest.mark.parametrize(("seed", "groups", "units"), [(1, 20, 20), (2, 25, 40), (3, 35, 30), (4, 7, 9)])
def test_blocks_in_the_window_leave_it_as_single_processes_would(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                                                 seed: int, groups: int, units: int) -> None:
    """Whole batches are one window entry each, several open at once, with ocids coming again at every
    distance (some before their line left the window, some after, some twice): the same tables, issues, notes
    (how many processes were read a second time) and counts as reading every line in this process."""
    rng = np.random.default_rng(seed)
    ocids = [f"ocds-{n}" for n in range(300)]
    for n in rng.choice(np.arange(12, 300), size=45, replace=False):
        ocids[n] = ocids[int(n) - int(rng.integers(1, min(int(n), 80)))]
    path, alone = _read_alone(tmp_path, monkeypatch, ocids, groups=groups, units=units)
    pooled = read_ocds(path)
    assert pooled.notes == alone.notes
    assert digest(pooled) == digest(alone)


def test_a_lean_batch_gets_its_entries_again_from_the_file_and_the_pool_stops_sending_lean_ones(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Batches of an uncompressed file come without their per-line entries; asked for them (a line's process has
    more releases), the pool makes them again from the chunk, as the worker made them, even once the chunk's text
    is gone, and sends the later batches whole."""
    path = tmp_path / "releases.jsonl"
    path.write_text("".join(_plain_release(n, f"ocds-{n}") + "\n" for n in range(60)), encoding="utf-8")
    monkeypatch.setattr(parallel, "BATCH_BYTES", 7 * len(_plain_release(0, "ocds-0")))  # several chunks
    monkeypatch.setattr(parallel, "IN_FLIGHT", 1)
    pool = parallel.LinePool(2)
    try:
        blocks = pool.read(path, 0, "", "source", 0)
        first = next(blocks)
        assert first.lean is not None and first._entries is None
        text, first.text = first.text, None  # its lines left the reader's window
        entries = first.entries
        assert not pool.lean
        rest = list(blocks)
    finally:
        pool.close()
    assert text is not None
    expected = parallel._block(parallel.read_batch(text, 1, 0, "", "source", 0), text, 1, 0, "", "source", 0)
    assert expected.lean is None
    assert entries == expected.entries
    assert first.ocids() == expected.ocids()
    assert first.run() == expected.run()
    assert rest[-1].lean is None  # asked after the first batch: the last ones came whole
    assert sum(len(block) for block in [first, *rest]) == 60 and len(rest) > 3


def test_a_file_changed_while_read_is_a_clear_input_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A lean batch's entries made again from a file that changed meanwhile would not be the worker's: the read
    stops with an input error rather than mixing two versions of the file."""
    path = tmp_path / "releases.jsonl"
    path.write_text("".join(_plain_release(n, f"ocds-{n}") + "\n" for n in range(20)), encoding="utf-8")
    monkeypatch.setattr(parallel, "BATCH_BYTES", 7 * len(_plain_release(0, "ocds-0")))
    pool = parallel.LinePool(2)
    try:
        first = next(pool.read(path, 0, "", "source", 0))
    finally:
        pool.close()
    path.write_text("".join(_plain_release(n, f"other-{n}") + "\n" for n in range(20)), encoding="utf-8")
    first.text = None
    with pytest.raises(InputFileError, match="changed while it was read"):
        _ = first.entries


def test_a_read_leaves_its_objects_to_no_young_collection() -> None:
    """read_ocds builds its rows with the collector off and then hands them to its oldest generation: the first
    collection afterwards does not walk them all (the youngest generation is nearly empty)."""
    import gc

    was_enabled = gc.isenabled()
    gc.enable()
    try:
        gc.collect()
        result = read_ocds(JSONL)
        young = len(gc.get_objects(generation=0)) + len(gc.get_objects(generation=1))
        assert result.releases_read > 300 and young < 100  # the read's thousands of cells are all in the oldest
    finally:
        if not was_enabled:
            gc.disable()
