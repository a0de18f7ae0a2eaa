"""read_ocds: read any OCDS input, compile each contracting process and flatten it to canonical tables.

Memory stays bounded on big JSON Lines files: releases are grouped per ocid in a window of recently seen
processes; a process that has not been touched for a while is compiled, flattened and its releases dropped.
When an ocid shows up again after its process was compiled, only the lines (or files) holding that ocid are
read a second time at the end and the process is compiled again from all its releases, so the result is the
same as grouping the whole file at once.

Big JSON Lines files (parallel.py) are parsed, compiled and flattened line by line in two forked worker
processes; this reader still takes every line in order through the same window, and uses a worker's result
only where the process turns out to have that one release. A worker's batch of plain releases with new,
distinct ocids (block.py) enters the window at once as one entry, its rows kept as the worker's columns; its
lines leave the window from the front as single processes would, one count for many lines.

Rows and their source_row: each contract row carries the 1-based index of the first release (package), line
(JSON Lines) or record (record package) of its process; in a folder the count runs on across the files in
name order and ``extras["ocds_file"]`` names the file.

Decisions:
* A release without an ocid cannot be merged with anything: it is flattened alone, given contract ids
  ``#<row>/...`` and an error issue at its row, so the pipeline quarantines its rows. It adds no suppliers.
* An invalid JSON line (or a release that is not an object) gives an error issue and one placeholder contract
  row at that line, so rows read = rows stored + rows quarantined still holds; the rest of the file is read.
* ``releases_read`` counts release objects read: each release, and each record once (its compiledRelease)
  unless it had to be merged from its embedded releases, which are then counted one by one.
"""

from __future__ import annotations

import gc
from collections import OrderedDict
from collections.abc import Callable, Iterator
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import chain, repeat
from operator import attrgetter
from pathlib import Path
from typing import Any

import numpy as np

from procrisk.errors import InputFileError
from procrisk.ingest.ocds.block import Block
from procrisk.ingest.ocds.flatten import Flat
from procrisk.ingest.ocds.issues import IssueSink, write_issues
from procrisk.ingest.ocds.parallel import line_pool
from procrisk.ingest.ocds.process import process_of
from procrisk.ingest.ocds.sources import Chunk, Source, Unit
from procrisk.ingest.ocds.tables import (
    Merged,
    Process,
    classification_issues,
    contract_table,
    pack,
    supplier_table,
)
from procrisk.ingest.raw import RawTable
from procrisk.memory import collector_paused
from procrisk.schema.issues import IssueLog

WINDOW_GROUPS = 2_000  # processes kept open while reading JSON Lines
WINDOW_UNITS = 20_000  # releases kept in memory while reading JSON Lines
PROGRESS_EVERY = 5_000


@dataclass
class OcdsRead:
    """What read_ocds returns: the two canonical tables (raw values), the issues and counts."""

    contracts: RawTable
    suppliers: RawTable
    issues: IssueLog
    releases_read: int
    processes: int
    notes: list[str] = field(default_factory=list)
    contract_extras: np.ndarray | None = None  # the contracts' extras as JSON text, when the workers made it
    supplier_extras: np.ndarray | None = None  # the suppliers' extras as JSON text (not in a folder)


class _Reader:
    """The state of one read_ocds call: open groups, finished processes, and counters."""

    def __init__(self, source: Source, progress: Callable[[int], None] | None,
                 forked: Callable[[], None] | None = None) -> None:
        """Start reading ``source``; ``forked``: see ``read_ocds``."""
        self.source = source
        self.progress = progress
        self.forked = forked
        self.results: dict[Any, Process] = {}
        # open processes by ocid, least recently touched first; a block taken whole is one entry (keyed by
        # itself) that stands for its open lines, each a process of one release
        self.pending: OrderedDict[str | Block, list[Unit] | Block] = OrderedDict()
        self.pending_units = 0
        self.extra_groups = 0  # open processes beyond len(pending): each block's open lines but one
        self.finished: dict[str, tuple[Chunk, ...]] = {}
        self.blocks: list[Block] = []  # blocks taken whole, in input order
        self.held: dict[str, Block] = {}  # ocids of the lines of blocks taken whole whose worker rows stand
        self.scattered: dict[str, set[Chunk]] = {}
        self.releases_read = 0
        self.unreadable = 0
        self.without_ocid = 0
        self.duplicates = 0

    @property
    def processes(self) -> int:
        """Number of contracting processes (distinct ocids) compiled: every result but the quarantined ones."""
        return len(self.results) + len(self.held) - self.unreadable - self.without_ocid

    def run(self, read_sink: IssueSink) -> None:
        """Read every unit, compile and flatten every process, then re-read scattered processes."""
        current_member = None
        groups, units = WINDOW_GROUPS, WINDOW_UNITS
        pending, take, evict = self.pending, self._take, self._evict
        for unit in self.source.units(read_sink):
            if unit.member != current_member:
                current_member = unit.member
                evict(groups, units)
            if unit.__class__ is Block:
                if self.forked is not None:  # the first block: the worker processes run
                    self.forked()
                    self.forked = None
                self._take_block(unit, groups, units)
                continue
            take(unit)
            # the same test as _evict's, made here first: it fails for most units. A unit of a whole JSON
            # document (chunk line 0) evicts nothing: the document is in memory anyway
            if unit.chunk[1] != 0 and (len(pending) + self.extra_groups > groups or self.pending_units > units):
                evict(groups, units)
        evict(0, 0)
        if self.scattered:
            self._regroup()
        if self.progress:
            self.progress(self.releases_read)

    def _take_block(self, block: Block, groups: int, units: int) -> None:
        """Take a worker's whole batch of plain releases: at once when every ocid is new, else line by line.

        Lines of new, distinct ocids each open a process of one release, all in one window entry: the worker's
        rows stand unless the ocid comes again. Evicting once after the batch leaves the same window as
        evicting after each line, as nothing in the batch touches an older process.
        """
        ocids = block.ocids()
        assert ocids is not None  # the source yields only such blocks whole
        pending, held = self.pending, self.held
        distinct = set(ocids)
        if len(distinct) != len(ocids) or not held.keys().isdisjoint(distinct) \
                or not pending.keys().isdisjoint(distinct) or not self.finished.keys().isdisjoint(distinct):
            for position in range(len(ocids)):
                self._take(block.unit(position))
                if len(pending) + self.extra_groups > groups or self.pending_units > units:
                    self._evict(groups, units)
            return
        before = self.releases_read
        self.releases_read += len(ocids)
        if self.progress:
            for done in range(before // PROGRESS_EVERY + 1, self.releases_read // PROGRESS_EVERY + 1):
                self.progress(done * PROGRESS_EVERY)
        held.update(zip(ocids, repeat(block)))
        self.blocks.append(block)
        block.take()
        if ocids:
            pending[block] = block
            self.extra_groups += len(ocids) - 1
            self.pending_units += len(ocids)
        self._evict(groups, units)

    def _take(self, unit: Unit) -> None:
        """Add one unit to its open process, or finish it at once when it has no ocid."""
        if unit.kind != "unreadable":
            self.releases_read += 1
            if self.progress and self.releases_read % PROGRESS_EVERY == 0:
                self.progress(self.releases_read)
        ocid = unit.ocid
        if unit.release is None or ocid is None:
            self._finish_alone(unit)
            return
        if ocid in self.finished:
            self.scattered.setdefault(ocid, set()).add(unit.chunk)
            return
        pending = self.pending
        group = pending.get(ocid)
        if group is None:
            if self.held and ocid in self.held:
                self._take_again(unit, self.held[ocid])
                return
            pending[ocid] = [unit]
        else:
            group.append(unit)
            pending.move_to_end(ocid)
        self.pending_units += 1

    def _take_again(self, unit: Unit, block: Block) -> None:
        """Take a unit whose ocid a line of a block taken whole has: its process has more releases after all.

        While the line is open its process becomes an open group of the line's unit and this one (touched
        now, so last in the window); once it left the window the process is read again at the end.
        """
        ocid = unit.ocid
        position = block.position(ocid)
        block.expect_views()
        if not block.is_open(position):
            self.scattered.setdefault(ocid, set()).add(unit.chunk)
            return
        del self.held[ocid]
        block.drop(position)
        self.pending[ocid] = [block.unit(position), unit]
        self.pending_units += 1  # the line's unit only moved from the block's entry to its own
        block.close()
        if block.open:
            self.extra_groups -= 1
        else:
            del self.pending[block]

    def _evict(self, limit_groups: int, limit_units: int) -> None:
        """Finish the least recently touched processes until the window limits hold."""
        pending, finished, results = self.pending, self.finished, self.results
        while pending and (len(pending) + self.extra_groups > limit_groups or self.pending_units > limit_units):
            ocid, units = pending.popitem(last=False)
            if units.__class__ is Block:  # lines of a block, each a process of its own: the worker's rows stand
                self._leave(units, limit_groups, limit_units)
                continue
            if len(units) == 1:  # the common case, kept short: _compile's first test made here
                only = units[0]
                self.pending_units -= 1
                finished[ocid] = (only.chunk,)
                results[ocid] = only.packed if only.packed is not None else self._compile(units, ocid)
                continue
            self.pending_units -= len(units)
            finished[ocid] = tuple(dict.fromkeys(u.chunk for u in units))
            results[ocid] = self._compile(units, ocid)

    def _leave(self, block: Block, limit_groups: int, limit_units: int) -> None:
        """Let the first open lines of a block (just popped from the window's front) leave the window until its
        limits hold, as that many single processes would one by one; the block stays first if some remain."""
        groups = len(self.pending) + 1 + self.extra_groups
        count = min(block.open, max(groups - limit_groups, self.pending_units - limit_units))
        block.leave(count)
        self.pending_units -= count
        if block.open:
            self.extra_groups -= count
            self.pending[block] = block
            self.pending.move_to_end(block, last=False)
        else:
            self.extra_groups -= count - 1

    def _compile(self, units: list[Unit], ocid: str | None) -> Process:
        """Compile and flatten one process from its units (a worker's result when it read the only one)."""
        if len(units) == 1 and units[0].packed is not None:
            return units[0].packed
        process = process_of([u.parsed() for u in units], ocid)
        self.duplicates += sum(1 for i in process.issues if i.code == "ocds.duplicate_release")
        return process

    def _finish_alone(self, unit: Unit) -> None:
        """Turn an unreadable or ocid-less release into its own (quarantined) rows."""
        key = ("#", unit.row, len(self.results))
        if unit.release is None:
            self.unreadable += 1
            flat = Flat(contracts=[{"contract_id": f"#{unit.row}", "source": unit.source,
                                    "extras": {"unreadable": True}}])
            self.results[key] = pack(flat, unit.row, unit.member, [], None)
            return
        self.without_ocid += 1
        self.results[key] = self._compile([unit], None)

    def _regroup(self) -> None:
        """Read the chunks of scattered processes again and compile each from all its releases."""
        wanted: set[Chunk] = set()
        held = self.held
        for ocid, chunks in self.scattered.items():
            wanted.update(chunks)
            block = held.get(ocid)
            wanted.update((block.chunk(block.position(ocid)),) if block is not None else self.finished[ocid])
        groups: dict[str, list[Unit]] = {ocid: [] for ocid in self.scattered}
        for unit in self.source.units(None, wanted):
            if unit.ocid in groups and unit.release is not None:
                groups[unit.ocid].append(unit)
        for ocid, units in groups.items():
            block = held.pop(ocid, None)
            if block is not None:  # a line of a block
                block.drop(block.position(ocid))
            else:
                before = self.results[ocid]
                self.duplicates -= sum(1 for i in before.issues if i.code == "ocds.duplicate_release")
            self.results[ocid] = self._compile(units, ocid)


def _notes(reader: _Reader, source: Source, *, never_won: int, suppliers: int, left_out: int) -> list[str]:
    """What the reader did, in words for the user."""
    files = ", ".join(f"{v} {k} file{'s' if v > 1 else ''}" for k, v in source.stats.layouts.items())
    shapes = ", ".join(f"{k} x{v}" for k, v in source.stats.shapes.items())
    notes = [f"OCDS: read {reader.releases_read} releases from {files} ({shapes}) into {reader.processes} "
             "contracting processes (releases merged per ocid with ocdsmerge and the OCDS 1.1.5 schema)"]
    stats = source.stats
    if stats.records_compiled or stats.records_merged or stats.records_linked:
        notes.append(f"records: {stats.records_compiled} used their compiledRelease, {stats.records_merged} "
                     f"were merged from their releases, {stats.records_linked} held only release links "
                     "(ocid kept)")
    if reader.duplicates:
        notes.append(f"{reader.duplicates} duplicate releases (same ocid and id) collapsed")
    if reader.scattered:
        notes.append(f"{len(reader.scattered)} processes had releases far apart in the input and were read a "
                     "second time to merge them")
    if reader.without_ocid:
        notes.append(f"{reader.without_ocid} releases have no ocid: their rows are quarantined")
    if reader.unreadable:
        notes.append(f"{reader.unreadable} lines or releases could not be read: one quarantined row each")
    notes.append(f"suppliers table: {suppliers} organisations (award suppliers, supplier parties and "
                 f"tenderers; {never_won} tendered but never won in this file)")
    if source.is_dir:
        notes.append("source_row counts releases across the folder's files in name order; extras.ocds_file "
                     "names the file")
    if left_out:
        notes.append(f"{left_out} repeated warnings are summarised rather than listed one by one")
    return notes


def _in_row_order(compiled: list[Process], blocks: list[Block]) -> list[Process | Merged]:
    """Every process by source_row: those compiled here (sorted), each block with every line kept as one run
    the worker merged (no other process has a row among its lines'), and the lines kept of the other blocks
    (rows left out)."""
    if not blocks:
        return [*compiled]
    runs: list[Merged] = []
    views: list[Iterator[Process]] = []
    for block in blocks:
        run = block.run()
        if run is None:
            views.append(block.views())
        else:
            runs.append(run)
    return sorted(chain(runs, *views, compiled), key=attrgetter("row"))


def _to_oldest_generation() -> None:
    """Move every object the collector tracks (the read's ~700,000 cells and rows) to its oldest generation at
    once, without a scan.

    Built with the collector off, they are all in the youngest generation: the first collection once it is on
    again would walk them all (~55-75 ms on the benchmark file) and the next ones again. ``freeze`` then
    ``unfreeze`` moves them in two list splices; they are still freed as usual when no longer referenced.
    """
    gc.freeze()
    gc.unfreeze()


@contextmanager
def frozen_for_collector() -> Iterator[None]:
    """Keep every object alive now (a read's cells: ~700,000 on 200,000 releases) out of the cyclic collector's
    scans, and pause the collector, until the block ends.

    The pipeline types the tables of a read in this block: its allocations would otherwise set off full
    collections that walk all those acyclic cells again (~0.4 CPU s on the benchmark file), and young
    collections that walk the cells it makes (the 200,000 registration-id lists: ~0.1 s). The objects are still
    freed as usual when no longer referenced; afterwards those alive are in the oldest generation, moved there
    without a scan (cyclic garbage made meanwhile waits for the next full collection).
    """
    was_enabled = gc.isenabled()
    gc.freeze()
    gc.disable()
    try:
        yield
    finally:
        _to_oldest_generation()  # the objects made meanwhile too
        if was_enabled:
            gc.enable()


def read_ocds(path: Path, *, progress: Callable[[int], None] | None = None,
              forked: Callable[[], None] | None = None) -> OcdsRead:
    """Read an OCDS file or folder and flatten it to canonical ``contracts`` and ``suppliers`` RawTables.

    Accepts release packages, record packages (compiledRelease, else the record's releases merged), JSON
    Lines of releases or packages, gzip of any of these, a bare release or record, a JSON array of releases,
    and a folder of such files. Data defects become rows of ``issues`` (never exceptions); a path that is
    missing, empty or not OCDS raises InputFileError. ``progress`` is called with the releases read so far.
    ``forked`` is called once, when the first results of worker processes come in, if the file (not a folder,
    whose next files may want workers of their own) is read by workers: they are all forked by then, so the
    caller may start a thread of its own (a fork beside a running thread can deadlock).
    """
    source = Source(Path(path))
    name = source.path.name
    reader = _Reader(source, progress, None if source.is_dir else forked)
    read_sink = IssueSink()
    source.lines = line_pool()
    with collector_paused():
        try:
            reader.run(read_sink)
        except BrokenProcessPool:
            msg = (f"{name}: a worker process reading this file stopped before it finished (often for lack of "
                   "memory); nothing was stored. Free memory and ingest again, or set PROCRISK_WORKERS=1 to "
                   "read it in one process")
            raise InputFileError(msg) from None
        finally:
            if source.lines is not None:
                source.lines.close()
            source.lines = None
        compiled = sorted(reader.results.values(), key=attrgetter("row"))
        contracts, contract_extras = contract_table(compiled, is_dir=source.is_dir, name=name,
                                                    pieces=[b.kept_columns() for b in reader.blocks])
        processes = _in_row_order(compiled, reader.blocks)
        suppliers, supplier_issues, never_won, supplier_extras = supplier_table(processes, is_dir=source.is_dir,
                                                                                name=name)
        issues = [*read_sink.items, *(i for p in processes for i in p.issues), *supplier_issues,
                  *classification_issues(processes)]
        log = IssueLog(source_file=name)
        left_out = write_issues(issues, log)
        notes = _notes(reader, source, never_won=never_won, suppliers=len(suppliers),
                       left_out=sum(left_out.values()))
        count = reader.processes
        # free the per-process objects while the collector is off: it would otherwise scan them all once
        del compiled, processes, issues, supplier_issues
        reader.results.clear()
        reader.finished.clear()
        reader.held.clear()
        reader.blocks.clear()
        _to_oldest_generation()
    contracts.notes.extend(notes)
    return OcdsRead(contracts=contracts, suppliers=suppliers, issues=log, releases_read=reader.releases_read,
                    processes=count, notes=notes, contract_extras=contract_extras,
                    supplier_extras=supplier_extras)
