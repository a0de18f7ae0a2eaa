"""One batch of JSON Lines lines a worker process read: per line what the reader needs, the rows as columns.

A worker turns each plain release line into the Process it gives on its own; it sends the batch's contract
rows as one list of columns (CONTRACT_FIELDS order), so that the reader can keep a whole batch of
single-release processes without making a Python object per row. The reader takes a line out of its block
(``drop``) when its process turns out to have other releases too, and compiles that process itself.

A batch the reader may take whole (every line a plain release with an ocid: the worker merged its suppliers)
can come lean: each line's ocid and row count and the lines' issues in one list, without the per-line entries
(about a third of the data), which the reader needs only when a line's process turns out to have more
releases; the pool that read the batch then makes them again from the chunk (``origin.entries_of``) and stops
sending lean batches.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from itertools import accumulate, compress
from typing import Any

import numpy as np

from procrisk.ingest.ocds.flatten import CONTRACT_FIELDS
from procrisk.ingest.ocds.issues import Issue
from procrisk.ingest.ocds.sources import PENDING, Unit
from procrisk.ingest.ocds.tables import Merged, Piece, Process

# What a worker sends for one line: (ocid, read issues, row count, suppliers, schemes, issues) as plain
# tuples, or None when the reader reads that line itself (not a plain release, invalid JSON ...).
SOURCE = CONTRACT_FIELDS.index("source")
Entry = tuple[str | None, list[tuple[Any, ...]], int, list[tuple[Any, ...]], list[str], list[tuple[Any, ...]]]
# A batch's suppliers and classification schemes merged over its lines by the worker, and the identifier schemes
# those suppliers use (tables.Merged's)
Summary = tuple[dict[str, list[Any]], dict[str, list[Any]], list[str]]
# What a worker sends for a batch with a Summary instead of its entries: each line's ocid and row count, and
# the lines' read issues and issues (as plain tuples) in line order
Lean = tuple[list[str], list[int], list[tuple[Any, ...]], list[tuple[Any, ...]]]
MARSHAL_VERSION = 4  # with back-references: repeated strings (currencies, buyers) are sent once; faster both ways


def lines_of(chunk: bytes, first: int, *, ends: bool = True) -> list[tuple[int, bytes]]:
    """(line number, line) of the non-blank lines of whole lines of JSON Lines, as iterating over the file gives.

    A line is blank when it holds only whitespace; the last line may lack its line end. ``first`` is the
    number of the chunk's first line; ``ends``: whether each line keeps its line end (the text the reader
    shows in issues) or not (enough to parse it, and cheaper).
    """
    parts = chunk.split(b"\n")
    last = parts.pop()
    if ends:
        lines = [(number, part + b"\n") for number, part in enumerate(parts, start=first)
                 if part and not part.isspace()]
    else:
        lines = [(number, part) for number, part in enumerate(parts, start=first) if part and not part.isspace()]
    if last and not last.isspace():
        lines.append((first + len(parts), last))
    return lines


def rows_of(columns: Sequence[Sequence[Any]], start: int, count: int) -> list[tuple[Any, ...]]:
    """Rows ``start`` to ``start + count`` of rows held as columns, as tuples."""
    return list(zip(*(column[start:start + count] for column in columns), strict=True)) if count else []


def _issues(plain: list[tuple[Any, ...]]) -> list[Issue]:
    """Issues from tuples of their fields (the same empty list back when there is none)."""
    return [Issue(*i) for i in plain] if plain else []


class Block:
    """The worker's results for one batch of non-blank lines of a JSON Lines file, in line order."""

    __slots__ = ("_entries", "_index", "_lines", "_starts", "at", "columns", "counts", "cursor", "dropped", "extras",
                 "first", "index", "lean", "member", "merged", "numbers", "open", "origin", "row_base", "source",
                 "text")

    def __init__(self, text: bytes | None, first: int, numbers: list[int], entries: list[Entry | None] | None,
                 columns: Sequence[Sequence[Any]], *, index: int, member: str, source: str, row_base: int,
                 extras: Sequence[str | None], merged: Summary | None = None, lean: Lean | None = None,
                 origin: Any = None, at: tuple[str, int, int] | None = None) -> None:
        """Hold the ``text`` of whole lines (the first is line ``first``) and what the worker made of it.

        ``numbers`` are those of its non-blank lines, ``entries`` one per non-blank line (or None with ``lean``),
        ``columns`` their rows, ``extras`` each row's extras as JSON text (``tables.object_json``), ``merged``
        the lines' suppliers and schemes merged (None when the worker left some line to the reader); ``origin``
        the pool that makes a lean batch's entries again, ``at`` (file, offset, size) where its chunk is.
        """
        self.text, self.first, self.numbers = text, first, numbers
        self._lines: list[bytes] | None = None
        self._entries = entries
        self.lean = lean
        self.origin, self.at = origin, at
        self.columns = columns
        self.extras = extras
        self.merged = merged
        self.index, self.member, self.source, self.row_base = index, member, source, row_base
        self.counts = lean[1] if lean is not None else [e[2] if e is not None else 0 for e in entries or ()]
        self._starts: list[int] | None = None
        self.dropped: set[int] = set()
        self.open = 0  # lines whose process is still open in the reader's window
        self.cursor = 0  # the lines before it (but those dropped) have left the window
        self._index: dict[str, int] | None = None

    @property
    def entries(self) -> list[Entry | None]:
        """One entry per non-blank line (of a lean batch: made again from its chunk when first needed)."""
        if self._entries is None:
            assert self.origin is not None, "a lean batch without the pool that read it"
            self._entries = self.origin.entries_of(self)
        return self._entries

    def expect_views(self) -> None:
        """Say that some line's process has more releases (its lines will be looked at one by one): the pool
        that read this batch sends no more lean ones."""
        if self.origin is not None:
            self.origin.lean = False

    @property
    def starts(self) -> list[int]:
        """Where each line's rows start in the columns (and where the last ends)."""
        if self._starts is None:
            self._starts = [0, *accumulate(self.counts)]
        return self._starts

    def take(self) -> None:
        """Mark every line as an open process of its own (the reader took the block whole)."""
        self.open = len(self.numbers)

    def position(self, ocid: str) -> int:
        """The position of the line with this ocid (of a block taken whole: its ocids are distinct)."""
        if self._index is None:
            self._index = {ocid: position for position, ocid in enumerate(self.ocids() or ())}
        return self._index[ocid]

    def is_open(self, position: int) -> bool:
        """Whether a line not dropped is still open in the reader's window (lines leave it in order)."""
        return position >= self.cursor

    def leave(self, count: int) -> None:
        """The next ``count`` open lines, in line order, leave the window (see ``close``)."""
        if self.dropped:
            while count:
                if self.cursor not in self.dropped:
                    count -= 1
                    self.close()
                self.cursor += 1
            return
        self.cursor += count
        self.open -= count
        if not self.open:
            self.text = self._lines = None

    def close(self) -> None:
        """One line's process left the window; once none is open, let the lines' text go.

        It is never needed again: a process whose ocid comes back later is read from the file again.
        """
        self.open -= 1
        if not self.open:
            self.text = self._lines = None

    def line(self, position: int) -> bytes:
        """The text of one non-blank line (split from the chunk when first needed)."""
        if self._lines is None:
            assert self.text is not None, "a closed block's lines are gone"
            self._lines = [line for _, line in lines_of(self.text, self.first)]
        return self._lines[position]

    def __len__(self) -> int:
        """Number of lines."""
        return len(self.numbers)

    def ocids(self) -> list[str] | None:
        """Every line's ocid when each line is a plain release with an ocid the worker read, else None."""
        if self.lean is not None:
            return self.lean[0]
        ocids = [e[0] if e is not None else None for e in self.entries]
        return None if None in ocids else ocids  # type: ignore[return-value]

    def read_issues(self, position: int | None = None) -> list[Issue]:
        """The read-level issues of one line, or of every line in order (reported when the lines are taken)."""
        if position is not None:
            entry = self.entries[position]
            return _issues(entry[1]) if entry is not None else []
        if self.lean is not None:
            return _issues(self.lean[2])
        return [Issue(*i) for e in self.entries if e is not None and e[1] for i in e[1]]

    def chunk(self, position: int) -> tuple[int, int]:
        """The chunk (member index, line number) of one line."""
        return self.index, self.numbers[position]

    def process(self, position: int) -> Process:
        """The Process one line gives on its own (its rows rebuilt from the columns)."""
        ocid, _, count, suppliers, schemes, issues = self.entries[position]  # type: ignore[misc]
        rows = rows_of(self.columns, self.starts[position], count)
        return Process(rows, suppliers, schemes, self.row_base + self.numbers[position], self.member,
                       _issues(issues), ocid, rows[0][SOURCE] if rows else None)

    def unit(self, position: int) -> Unit:
        """One line as a Unit that carries the worker's Process (its release is parsed again if needed)."""
        number = self.numbers[position]
        return Unit(PENDING, self.row_base + number, (self.index, number), self.member, self.source, "release",
                    self.entries[position][0], self.line(position), self.process(position))  # type: ignore[index]

    def drop(self, position: int) -> None:
        """Leave a line's worker result out: the reader compiles its process from all its releases."""
        self.dropped.add(position)

    def run(self) -> Merged | None:
        """Every line's process at once, merged as the worker merged them, when every line is kept (else None)."""
        if self.merged is None or self.dropped or not self.numbers:
            return None
        issues = self.lean[3] if self.lean is not None else [i for e in self.entries for i in e[5]]  # type: ignore[index]
        suppliers, schemes, used = self.merged
        return Merged(self.row_base + self.numbers[0], suppliers, schemes, _issues(issues), used)

    def views(self) -> Iterator[Process]:
        """The Process of each line kept, without its rows (which ``kept_columns`` gives), in line order."""
        dropped, member, row_base, starts = self.dropped, self.member, self.row_base, self.starts
        sources = self.columns[SOURCE] if self.columns else ()
        for position, (entry, number) in enumerate(zip(self.entries, self.numbers, strict=True)):
            if position in dropped:
                continue
            ocid, _, count, suppliers, schemes, issues = entry  # type: ignore[misc]
            yield Process((), suppliers, schemes, row_base + number, member,
                          _issues(issues), ocid,
                          sources[starts[position]] if count else None)

    def kept_columns(self) -> Piece:
        """The columns of the rows of the lines kept, each row's source_row, the file and the rows' extras text."""
        counts = np.asarray(self.counts, dtype=np.int64)
        rows = np.asarray(self.numbers, dtype=np.int64) + self.row_base
        if not self.dropped:
            return self.columns, np.repeat(rows, counts), self.member, self.extras
        kept = np.ones(len(self.entries), dtype=bool)
        kept[list(self.dropped)] = False
        keep = np.repeat(kept, counts).tolist()
        return ([list(compress(column, keep)) for column in self.columns], np.repeat(rows[kept], counts[kept]),
                self.member, list(compress(self.extras, keep)))
