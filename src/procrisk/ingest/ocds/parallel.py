"""Reads big JSON Lines files with worker processes: each parses, compiles and flattens batches of lines.

The reader stays in charge of order, grouping and issues: a worker only turns each plain release line into
(ocid, its read issues, the Process it gives on its own), and returns None for any other line, which the
reader then reads itself. Workers send back plain tuples as marshal data (no pickle of the data read), a
batch's contract rows as columns, so handing work over costs little (block.py). The bytes do not go through
the pool's pipes, whose threads in this process wait for the GIL while it loads a batch: a worker reads its
chunk of an uncompressed file itself at the chunk's offset, and leaves its result in a file of a temporary
folder that this process reads when it takes the batch.
"""

from __future__ import annotations

import gc
import marshal
import multiprocessing
import os
import shutil
import tempfile
import threading
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import fields
from itertools import chain
from json.encoder import encode_basestring  # type: ignore[attr-defined]
from pathlib import Path
from typing import Any

import numpy as np

from procrisk.config import parallel_workers
from procrisk.errors import InputFileError
from procrisk.ingest.ocds.block import MARSHAL_VERSION, SOURCE, Block, Entry, Lean, Summary, rows_of
from procrisk.ingest.ocds.fast import flatten_line
from procrisk.ingest.ocds.issues import Issue, IssueSink
from procrisk.ingest.ocds.process import process_of
from procrisk.ingest.ocds.sources import UNREADABLE, Unit, _open, _release_ocid, cut_short, is_plain_release, parse
from procrisk.ingest.ocds.tables import EXTRAS, add_schemes, add_suppliers, identifier_schemes, object_json

MIN_BYTES = 8 << 20  # smaller files are read in this process (forking the workers costs ~0.1 s, ~1,000 lines)
BATCH_BYTES = 2 << 20  # bytes of whole lines handed to a worker at a time (about 2,000 releases of 1 KB)
IN_FLIGHT = 3  # batches queued per worker, which bounds memory
MAX_WORKERS = 2
SHARED_MEMORY = Path("/dev/shm")  # noqa: S108 (memory, on Linux: mkdtemp makes a private folder in it)
FOLDER_PREFIX = "procrisk-ocds-"  # then the reading process id and a random part
_ISSUE_FIELDS = tuple(f.name for f in fields(Issue))
_STRING = encode_basestring  # a str as json.dumps(..., ensure_ascii=False) writes it (json's C function)


def read_batch(chunk: bytes, first: int, index: int, member: str, source: str, row_base: int,
               lean: bool = False) -> bytes:
    """The numbers of a chunk's non-blank lines, each one's Entry (block.py) or None, and all rows as columns.

    ``chunk`` holds whole lines, the first of which is line ``first``; a line's Entry is None when it is not
    one plain release (the reader reads it itself). A line is first read typed, only the fields procrisk
    reads (fast.flatten_line); one that path steps aside for is parsed whole and compiled as before.

    Sent as marshal data (plain tuples, lists, dicts and sets: what JSON values and rows are made of), which
    the reader reads back faster than a pickle; each Process's row, file and ocid are its line's own. Each
    row's extras also come as the JSON text the pipeline stores, made here rather than in the reader. ``lean``:
    a batch the reader may take whole comes without its entries (block.Lean).
    """
    return _encode(*_batch(chunk, first, index, member, source, row_base), lean=lean)


def _batch(chunk: bytes, first: int, index: int, member: str, source: str, row_base: int,
           ) -> tuple[list[int], list[Entry | None], list[list[tuple[Any, ...]]], Summary | None]:
    """``read_batch``'s line numbers, entries, each line's rows and merged summary, before they are encoded.

    The summary: the batch's suppliers merged and classification schemes counted over its lines in order, and
    the identifier schemes of those suppliers (tables.Merged), for the reader to take at once with the batch;
    merged as the lines are read with the reader's own tables.add_suppliers and add_schemes, and None from the
    first line left to the reader (no use then).
    """
    numbers: list[int] = []
    entries: list[Entry | None] = []
    rows: list[list[tuple[Any, ...]]] = []
    suppliers: dict[str, list[Any]] = {}
    schemes: dict[str, list[Any]] = {}
    whole = True  # every line so far is a plain release with an ocid: the summary is kept
    for number, line in enumerate(chunk.split(b"\n"), first):  # block.lines_of(ends=False), without its list
        if not line or line.isspace():
            continue
        numbers.append(number)
        plain = flatten_line(line, source)
        if plain is not None:  # the common case: one plain release, read without its other fields
            ocid, (own, found, used) = plain
            entries.append((ocid, [], len(own), found, used, []))
            rows.append(own)
        else:
            entry, own = _parsed(line, number, index, member, source, row_base)
            entries.append(entry)
            rows.append(own)
            if entry is None or entry[0] is None:
                whole = False
                continue
            found, used = entry[3], entry[4]
        if whole:
            if found:
                add_suppliers(suppliers, found, row_base + number, member, own[0][SOURCE] if own else None)
            if used:
                add_schemes(schemes, used, row_base + number, member)
    return numbers, entries, rows, (suppliers, schemes, identifier_schemes(suppliers)) if whole else None


def _parsed(line: bytes, number: int, index: int, member: str, source: str, row_base: int,
            ) -> tuple[Entry | None, list[tuple[Any, ...]]]:
    """The entry and rows of a line the typed read stepped aside for: parsed whole and compiled (None and no
    row when it is not one plain release)."""
    try:
        value, replaced = parse(line)
    except ValueError:
        return None, []
    if replaced or not is_plain_release(value):  # the reader reports what it replaced
        return None, []
    row = row_base + number
    sink = IssueSink(member=member)
    ocid = _release_ocid(value, row, sink)
    process = process_of([Unit(value, row, (index, number), member, source, "release", ocid)], ocid)
    return (ocid, _plain(sink.items), len(process.rows), process.suppliers, process.schemes,
            _plain(process.issues)), process.rows


def read_span(path: str | None, offset: int, chunk: bytes, size: int, first: int, index: int, member: str,
              source: str, row_base: int, folder: str, lean: bool = False) -> str | bytes | None:
    """In a worker: ``read_batch`` of a chunk, read from ``path`` at ``offset`` when a path is given; the
    result is written to a file in ``folder``, whose name is returned (the result itself when the folder
    takes no more, None when the file no longer holds ``size`` bytes there: the reader then reads the chunk
    it has itself); ``lean`` as ``read_batch`` takes it."""
    if path is not None:
        chunk = _pread(path, offset, size)
        if len(chunk) != size:
            return None
    data = read_batch(chunk, first, index, member, source, row_base, lean)
    name = Path(folder, f"{os.getpid()}-{index}-{first}")
    try:
        name.write_bytes(data)
    except OSError:  # the folder is full (a small /dev/shm): send the result through the pool's pipe
        name.unlink(missing_ok=True)
        return data
    return str(name)


def _taken(made: str | bytes | None, chunk: bytes, first: int, index: int, member: str, source: str,
           row_base: int) -> bytes:
    """What ``read_batch`` gave for a chunk: read from the worker's file (then deleted), sent by the worker,
    or made here."""
    if made is None:
        return read_batch(chunk, first, index, member, source, row_base)
    if made.__class__ is bytes:
        return made
    result = Path(made)
    data = result.read_bytes()
    result.unlink()
    return data


def _plain(issues: list[Issue]) -> list[tuple[Any, ...]]:
    """Issues as tuples of their fields."""
    return [tuple(getattr(issue, name) for name in _ISSUE_FIELDS) for issue in issues]


def _encode(numbers: list[int], entries: list[Entry | None], rows: list[list[tuple[Any, ...]]],
            merged: Summary | None = None, *, lean: bool = False) -> bytes:
    """marshal data of a batch's line numbers, entries, rows (as columns), the rows' extras as JSON text and the
    batch's ``merged`` summary; lines it cannot carry go to the reader (and the summary is dropped). With
    ``lean`` and a summary, the entries are left out (block.Lean instead).

    ``rows`` is emptied first: a value then held by its column alone is written without marshal's
    back-reference bookkeeping, which doubles the cost of writing values held twice.
    """
    columns = _columns(rows)
    rows.clear()
    try:
        if merged is None or not lean:
            return marshal.dumps((numbers, entries, columns, _extras_json(columns), merged, None), MARSHAL_VERSION)
        return marshal.dumps((numbers, None, columns, _extras_json(columns), merged, _lean(entries)),
                             MARSHAL_VERSION)
    except ValueError:  # never seen with values parsed from JSON: a safety net, the reader reads those lines
        own = _per_line(columns, entries)
        for position, entry in enumerate(entries):
            try:
                marshal.dumps((entry, own[position]), MARSHAL_VERSION)
            except ValueError:
                entries[position], own[position] = None, []
        columns = _columns(own)
        return marshal.dumps((numbers, entries, columns, _extras_json(columns), None, None), MARSHAL_VERSION)


def _lean(entries: list[Entry | None]) -> Lean:
    """What the reader needs of a batch's entries to take it whole (block.Lean)."""
    return ([e[0] for e in entries], [e[2] for e in entries],  # type: ignore[misc,index]
            [i for e in entries if e[1] for i in e[1]], [i for e in entries if e[5] for i in e[5]])  # type: ignore[index]


def _extras_json(columns: list[tuple[Any, ...]]) -> list[str | None]:
    """Each row's extras as ``object_json`` writes them (none when there is no row).

    The extras fast.py makes (a tender's id, an award's id and status) are written here from their keys, sorted
    as json.dumps sorts them, each text escaped by json's own string encoder: ~0.5 us a row instead of ~1.1;
    any other dict (another key, a value that is not text) goes to ``object_json``.
    """
    if not columns:
        return []
    texts: list[str | None] = []
    add = texts.append
    for value in columns[EXTRAS]:
        try:
            if len(value) == 3:  # the three keys of an award's extras
                add(f'{{"award_id": {_STRING(value["award_id"])}, "award_status": {_STRING(value["award_status"])}, '
                    f'"tender_id": {_STRING(value["tender_id"])}}}')
                continue
            if len(value) == 1:
                add(f'{{"tender_id": {_STRING(value["tender_id"])}}}')
                continue
        except (KeyError, TypeError):  # other keys, a value that is not text (or no dict)
            pass
        add(object_json(value))
    return texts


def _per_line(columns: list[tuple[Any, ...]], entries: list[Entry | None]) -> list[list[tuple[Any, ...]]]:
    """Each line's rows again, from the columns and the lines' row counts."""
    own, start = [], 0
    for entry in entries:
        count = entry[2] if entry is not None else 0
        own.append(rows_of(columns, start, count))
        start += count
    return own


def _columns(rows: list[list[tuple[Any, ...]]]) -> list[tuple[Any, ...]]:
    """The rows of every line, one after the other, as columns (none when there is no row)."""
    return list(zip(*chain.from_iterable(rows), strict=True))


def _block(data: bytes, chunk: bytes, first: int, index: int, member: str, source: str, row_base: int,
           origin: LinePool | None = None, at: tuple[str, int, int] | None = None) -> Block:
    """The Block of one chunk from what ``read_batch`` returned for it (``origin`` and ``at``: see Block)."""
    # only ever data our own forked worker just made from this chunk, never bytes from a file
    numbers, entries, columns, extras, merged, lean = marshal.loads(data)  # noqa: S302
    return Block(chunk, first, numbers, entries, columns, index=index, member=member, source=source,
                 row_base=row_base, extras=extras, merged=merged, lean=lean, origin=origin, at=at)


def worker_count() -> int:
    """How many worker processes to use: the ``workers`` setting, else one per CPU, at most MAX_WORKERS."""
    return parallel_workers(MAX_WORKERS)


def sweep_folders(where: Path) -> int:
    """Remove the result folders in ``where`` of reads whose process is gone (killed before it could clean up);
    return how many.

    A folder's name carries the id of the process that made it; one whose process still runs (or whose id was
    reused meanwhile) is left alone, so a killed read's few megabytes go at the next read at the latest.
    """
    removed = 0
    for folder in where.glob(f"{FOLDER_PREFIX}*"):
        owner = folder.name.removeprefix(FOLDER_PREFIX).split("-", 1)[0]
        if not owner.isdigit() or int(owner) == os.getpid() or _running(int(owner)):
            continue
        shutil.rmtree(folder, ignore_errors=True)
        removed += 1
    return removed


def _running(pid: int) -> bool:
    """Whether a process with this id exists (owned by anyone)."""
    try:
        os.kill(pid, 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return False
    except OSError:  # it exists but is not ours (PermissionError), or cannot be told: keep its folder
        return True
    return True


class LinePool:
    """Worker processes for the big JSON Lines files of one read_ocds call (started when first needed)."""

    def __init__(self, workers: int) -> None:
        """Use ``workers`` processes (at least 2, else reading in this process is as fast)."""
        self.workers = workers
        self.executor: ProcessPoolExecutor | None = None
        self.folder = ""  # where the workers leave their results (a temporary folder, in memory if possible)
        self.last_line = 0
        # whether workers send batches of an uncompressed file lean (block.py); off for good once the reader
        # needs some lean batch's entries (a file whose processes have releases far apart)
        self.lean = True

    def wants(self, path: Path) -> bool:
        """Whether to read a JSON Lines file with workers: it is big and this process runs a single thread.

        Workers are forked (cheap: nothing is imported again). Forking a process that runs other threads can
        deadlock, and spawning instead would run the importing script again (the dashboard's, under
        Streamlit), so a multi-threaded process reads in its own thread. Workers run with the cyclic
        collector off, like the reader: a batch's objects hold no cycles and are freed when it is done.
        """
        if self.workers < 2 or os.name != "posix" or threading.active_count() > 1:
            return False
        try:
            return path.stat().st_size >= MIN_BYTES
        except OSError:
            return False

    def _start(self) -> ProcessPoolExecutor:
        """Fork the workers (once per read_ocds call)."""
        if self.executor is None:
            where = SHARED_MEMORY if SHARED_MEMORY.is_dir() else Path(tempfile.gettempdir())
            sweep_folders(where)
            self.folder = tempfile.mkdtemp(prefix=f"{FOLDER_PREFIX}{os.getpid()}-", dir=where)
            self.executor = ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("fork"),
                                                initializer=gc.disable)
        return self.executor

    def read(self, path: Path, index: int, member: str, source: str, row_base: int) -> Iterator[Block]:
        """Yield a Block of the workers' results for each chunk of whole lines of a file, in file order.

        This process only cuts the file into chunks at line ends and counts their lines; the workers split
        them into lines. ``last_line`` is the number of the file's last line (blank or not) once it is read.
        """
        executor = self._start()
        queued: deque[tuple[bytes, int, int, Future[str | bytes | None]]] = deque()
        first = 1  # the number of the next chunk's first line
        offset = 0  # the file offset of the next chunk's first byte
        plain = None if path.name.lower().endswith(".gz") else str(path)  # workers read the chunks themselves

        def submit(chunk: bytes) -> None:
            """Hand a chunk to a worker: its offset in a plain file (lean while the pool is), else its bytes."""
            queued.append((chunk, first, offset, executor.submit(
                read_span, plain, offset, b"" if plain else chunk, len(chunk), first, index, member, source,
                row_base, self.folder, plain is not None and self.lean)))

        def taken() -> Block:
            """The Block of the oldest chunk handed over, once its worker is done with it."""
            done, at, start, future = queued.popleft()
            where = (plain, start, len(done)) if plain is not None else None
            return _block(_taken(future.result(), done, at, index, member, source, row_base), done, at, index,
                          member, source, row_base, self, where)

        with _open(path) as handle:
            tail: list[bytes] = []  # the start of a line read but not ended yet
            while data := _read(handle, path, first):
                cut = data.rfind(b"\n") + 1
                if not cut:  # no line end yet: a line longer than BATCH_BYTES
                    tail.append(data)
                    continue
                chunk = b"".join([*tail, memoryview(data)[:cut]]) if tail else data[:cut]  # one copy
                tail = [data[cut:]] if cut < len(data) else []
                submit(chunk)
                first += _line_ends(chunk)
                offset += len(chunk)
                while len(queued) > IN_FLIGHT * self.workers:
                    yield taken()
            if tail:  # the last line has no line end
                submit(b"".join(tail))
                first += 1
        self.last_line = first - 1
        while queued:
            yield taken()

    def entries_of(self, block: Block) -> list[Entry | None]:
        """The entries of a lean batch, made again here from its chunk (read again from the file once its text
        is gone); no more lean batches after this one."""
        self.lean = False
        assert block.at is not None and block.lean is not None
        path, offset, size = block.at
        text = block.text
        if text is None:
            text = _pread(path, offset, size)
        numbers, entries, _, _ = _batch(text, block.first, block.index, block.member, block.source, block.row_base)
        if numbers != block.numbers or [e[0] if e is not None else None for e in entries] != block.lean[0] \
                or [e[2] if e is not None else 0 for e in entries] != block.lean[1]:
            msg = (f"{path}: the file changed while it was read (lines {block.first:,} and on differ); nothing was "
                   "stored: ingest it again once it is no longer being written")
            raise InputFileError(msg)
        return entries

    def close(self) -> None:
        """Stop the workers."""
        if self.executor is not None:
            self.executor.shutdown(wait=True, cancel_futures=True)
            self.executor = None
            shutil.rmtree(self.folder, ignore_errors=True)


def _pread(path: str, offset: int, size: int) -> bytes:
    """Up to ``size`` bytes of a file from ``offset`` (fewer when the file is shorter now)."""
    with Path(path).open("rb") as handle:
        return os.pread(handle.fileno(), size, offset)


def _line_ends(chunk: bytes) -> int:
    """How many line ends a chunk holds (numpy: ~3x faster than ``bytes.count`` on 2 MiB)."""
    return int(np.count_nonzero(np.frombuffer(chunk, dtype=np.uint8) == ord("\n")))


def _read(handle: Any, path: Path, line: int) -> bytes:
    """The next BATCH_BYTES of the file; a damaged or cut gzip file is an input error naming the line."""
    try:
        return handle.read(BATCH_BYTES)
    except UNREADABLE as exc:
        raise cut_short(path, line - 1, exc) from None


def line_pool() -> LinePool | None:
    """A LinePool when this machine has more than one CPU for us, else None."""
    workers = worker_count()
    return LinePool(workers) if workers > 1 else None
