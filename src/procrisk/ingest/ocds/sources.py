"""Reads releases from any OCDS layout: packages, records, JSON Lines, gzip, a bare release, a folder of them.

Every object comes out as a ``Unit`` that says where it sits in the input (``row``: the 1-based index of the
release or record in a package, the line number in JSON Lines; in a folder the count runs on across the files
in name order) and which ``chunk`` it came from, so the reader can read chosen chunks again later without
keeping every parsed release in memory.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, NamedTuple

import msgspec

from procrisk.errors import InputFileError
from procrisk.ingest.compression import INFLATE_ERRORS, open_gzip
from procrisk.ingest.ocds.fast import flatten_line
from procrisk.ingest.ocds.issues import IssueSink
from procrisk.ingest.ocds.tables import Process

if TYPE_CHECKING:
    from procrisk.ingest.ocds.block import Block

JSONL_SUFFIXES = (".jsonl", ".ndjson", ".jl")
SNIFF_BYTES = 65536
# Keys that show a JSON object is about a contracting process (used to tell OCDS from other JSON).
RELEASE_KEYS = frozenset({"ocid", "tender", "awards", "buyer", "parties", "planning", "contracts", "tag"})
PACKAGE_KEYS = frozenset({"releases", "records", "compiledRelease"})
CONTENT_KEYS = frozenset({"tender", "awards", "buyer", "parties", "planning", "contracts", "bids"})

Chunk = tuple[int, int]  # (member index, line number for JSON Lines or 0 for a whole JSON document)
_DECODE = msgspec.json.Decoder().decode


def loads(data: bytes) -> Any:
    """Parse JSON as ``json.loads`` does (with any unpaired surrogate escape read as U+FFFD); see :func:`parse`."""
    return parse(data)[0]


def parse(data: bytes) -> tuple[Any, int]:
    """Parse JSON as ``json.loads`` does, with msgspec's faster parser for the usual input; and count the
    unpaired surrogate escapes (``"\\ud800"`` alone) that were replaced by U+FFFD.

    msgspec gives the same values as json.loads for everything it accepts (big integers stay integers);
    what it refuses (NaN, Infinity, 1e400, lone surrogates, a UTF-8 BOM, other encodings, invalid JSON) goes
    to json.loads, which then gives its own value or its own error message. An unpaired surrogate is not a
    character: no UTF-8 text (a Parquet column, a report) can hold it, so it becomes U+FFFD, the replacement
    character, and the caller reports it.
    """
    try:
        return _DECODE(data), 0
    except msgspec.DecodeError:
        value = json.loads(data)
    if _SURROGATE_ESCAPE.search(data) is None:  # a surrogate only comes from an escape, in any UTF encoding
        return value, 0
    return _without_lone_surrogates(value)


_SURROGATE_ESCAPE = re.compile(rb"\\\x00{0,3}u\x00{0,3}[dD]")
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def _without_lone_surrogates(value: Any) -> tuple[Any, int]:
    """``value`` with every unpaired surrogate in its strings (keys included) replaced by U+FFFD, and how many."""
    if isinstance(value, str):
        return _LONE_SURROGATE.subn("\ufffd", value)
    if isinstance(value, list):
        pairs = [_without_lone_surrogates(v) for v in value]
        return [v for v, _ in pairs], sum(n for _, n in pairs)
    if isinstance(value, dict):
        out, total = {}, 0
        for name, item in value.items():
            clean_name, n_key = _without_lone_surrogates(name)
            out[clean_name], n_item = _without_lone_surrogates(item)
            total += n_key + n_item
        return out, total
    return value, 0


LONE_SURROGATE_PROBLEM = ("holds {count} unpaired UTF-16 surrogate escape(s) (such as \\ud800 without its pair), "
                          "which are not characters; each was read as U+FFFD (\ufffd)")
LONE_SURROGATE_FIX = ("Correct the text at the source: a \\uD800-\\uDBFF escape must be followed by a "
                      "\\uDC00-\\uDFFF escape (most often the publisher cut an emoji or a character in half).")


class Unit(NamedTuple):
    """One release (or a record's compiled release) read from the input, with where it came from.

    A NamedTuple rather than a frozen dataclass: one is made per release, and this is ~5x cheaper to make.
    """

    release: Any
    row: int
    chunk: Chunk
    member: str
    source: str
    kind: str  # "release", "compiled" (a record's compiledRelease), "linked" (no content), "unreadable"
    ocid: str | None
    line: bytes | None = None  # a JSON Lines release parsed in a worker: its line, parsed again only if needed
    packed: Any = None  # ... and the worker's Process for it, right when the process has this release only

    def parsed(self) -> Unit:
        """This unit with its release parsed (a worker-read unit keeps only its line)."""
        if self.line is None:
            return self
        return self._replace(release=loads(self.line), line=None, packed=None)


PENDING: Any = object()  # the release of a worker-read unit until ``Unit.parsed``


@dataclass(frozen=True)
class _At:
    """Where the units of one JSON value come from: chunk, folder member and source name."""

    chunk: Chunk
    member: str
    source: str


@dataclass
class Member:
    """One file of the input: the file itself, or one file of a folder."""

    path: Path
    index: int
    name: str  # name shown in issues: "" for a single-file input, the file name inside a folder
    jsonl: bool = False
    row_base: int = 0  # rows of earlier files in a folder
    rows: int = 0
    skipped: bool = False


@dataclass
class SourceStats:
    """What the first pass over the input found, for the reader's notes."""

    layouts: dict[str, int] = field(default_factory=dict)  # file formats: JSON, JSON Lines, gzip ...
    shapes: dict[str, int] = field(default_factory=dict)  # top-level values: release package, release ...
    records_compiled: int = 0
    records_merged: int = 0
    records_linked: int = 0


UNREADABLE = (OSError, EOFError, *INFLATE_ERRORS)  # a damaged or cut gzip file, a failing disk


def _open(path: Path) -> IO[bytes]:
    """Open a file for binary reading, decompressing gzip."""
    if path.name.lower().endswith(".gz"):
        return open_gzip(path)
    return path.open("rb")


def cut_short(path: Path, line: int, exc: BaseException) -> InputFileError:
    """The error for a file that stops being readable after ``line`` lines (nothing of it is stored)."""
    return InputFileError(f"{path}: the file cannot be read past line {line:,} ({exc}); it is damaged or was cut "
                          "short (a download that stopped early): download it again")


def _numbered_lines(handle: IO[bytes], path: Path) -> Iterator[tuple[int, bytes]]:
    """The file's lines numbered from 1; a damaged or cut gzip file is an input error naming the last line."""
    number = 0  # the last line read, named when the next one cannot be
    try:
        for number, line in enumerate(handle, start=1):
            yield number, line
    except UNREADABLE as exc:
        raise cut_short(path, number, exc) from None


def _inner_name(path: Path) -> str:
    """The file name without a trailing .gz."""
    name = path.name
    return name[:-3] if name.lower().endswith(".gz") else name


def _looks_like_jsonl(path: Path) -> bool:
    """Whether a file holds one JSON value per line (by suffix, else by its first two lines)."""
    inner = _inner_name(path).lower()
    if inner.endswith(JSONL_SUFFIXES):
        return True
    with _open(path) as handle:
        head = handle.read(SNIFF_BYTES)
    first, sep, rest = head.lstrip().partition(b"\n")
    first = first.strip()
    if not sep or not (first.startswith(b"{") and first.endswith(b"}")):
        return False
    if not rest.lstrip().startswith(b"{"):
        return False
    try:
        json.loads(first)
    except ValueError:
        return False
    return True


def _is_blank(path: Path) -> bool:
    """Whether a file is empty or holds only whitespace (after decompression)."""
    if path.stat().st_size == 0:
        return True
    with _open(path) as handle:
        while True:
            block = handle.read(SNIFF_BYTES)
            if not block:
                return True
            if block.strip():
                return False


def _publisher(package: dict[str, Any], default: str, sink: IssueSink | None) -> str:
    """The publisher's name of a package, else ``default``; a plain-string publisher is reported."""
    publisher = package.get("publisher")
    if isinstance(publisher, dict):
        name = publisher.get("name")
        if isinstance(name, str) and name.strip():
            return name.strip()
        return default
    if isinstance(publisher, str) and publisher.strip():
        if sink is not None:
            sink.add(None, "/publisher", publisher,
                     "the package's publisher is a plain string, not an object",
                     'Publish {"name": "..."} (OCDS Organization name); the string is used as the source.',
                     code="ocds.publisher_string")
        return publisher.strip()
    return default


def is_plain_release(value: Any) -> bool:
    """Whether a parsed JSON Lines line is one release (not a package, a record or another value)."""
    return value.__class__ is dict and not ("releases" in value or "records" in value
                                            or "compiledRelease" in value)


def _release_ocid(release: Any, row: int, sink: IssueSink | None, fallback: Any = None) -> str | None:
    """Check one release's shape and return its ocid as text (None when it has none)."""
    if not isinstance(release, dict):
        return None
    ocid = release.get("ocid", fallback)
    if ocid is None and fallback is not None:
        ocid = fallback
    info = release.get("packageInfo")  # not OCDS: some re-publishers copy their package metadata here
    if sink is not None and isinstance(info, dict) and isinstance(info.get("publisher"), str):
        sink.add(row, "/packageInfo/publisher", info["publisher"],
                 "the publisher is a plain string, not an object",
                 'Publish {"name": "..."} (OCDS Organization name).', code="ocds.publisher_string")
    if sink is not None and isinstance(release.get("tag"), str):
        sink.add(row, "/tag", release["tag"], "tag is a string, not an array of release tags",
                 'Publish tag as an array, e.g. ["award"]; the release is read anyway.',
                 code="ocds.tag_string")
    if isinstance(ocid, str) and ocid.strip():
        return ocid.strip()
    if isinstance(ocid, int | float) and not isinstance(ocid, bool):
        text = str(ocid)
        if sink is not None:
            sink.add(row, "/ocid", ocid, "ocid is a number, not a string; read as the text " + repr(text),
                     "Publish the ocid as a JSON string.", code="ocds.numeric_id")
        return text
    if sink is not None:
        sink.add(row, "/ocid", ocid, "the release has no ocid, so it cannot be tied to a contracting process",
                 "Add the ocid (prefix + process id) to the release; the row is quarantined until then.",
                 code="ocds.missing_ocid", severity="error")
    return None


def _is_linked(release: Any) -> bool:
    """Whether a record's release is only a link (url/date/tag) with no content."""
    return isinstance(release, dict) and "url" in release and not (CONTENT_KEYS & release.keys()) \
        and "ocid" not in release


class Source:
    """An OCDS input (a file, a gzip file or a folder of them) that can be read in full or chunk by chunk."""

    def __init__(self, path: Path) -> None:
        """List the member files of ``path``; raise InputFileError when it cannot be an OCDS input."""
        self.path = Path(path)
        if not self.path.exists():
            msg = f"{self.path}: no such file or folder"
            raise InputFileError(msg)
        self.is_dir = self.path.is_dir()
        self.default_source = self.path.name if self.is_dir else Path(_inner_name(self.path)).stem
        self.stats = SourceStats()
        self.lines: Any = None  # a parallel.LinePool that reads big JSON Lines files in worker processes
        if self.is_dir:
            files = sorted(p for p in self.path.iterdir() if p.is_file() and not p.name.startswith("."))
            self.members = [Member(p, i, p.name) for i, p in enumerate(files)]
            if not self.members:
                msg = f"{self.path}: the folder holds no files"
                raise InputFileError(msg)
        else:
            try:
                blank = _is_blank(self.path)
            except UNREADABLE as exc:
                msg = f"{self.path}: the file cannot be read ({exc})"
                raise InputFileError(msg) from exc
            if blank:
                msg = f"{self.path}: the file is empty"
                raise InputFileError(msg)
            self.members = [Member(self.path, 0, "")]

    def units(self, sink: IssueSink | None, wanted: set[Chunk] | None = None) -> Iterator[Unit | Block]:
        """Yield every Unit (or whole Block of worker-read lines) in input order; with ``wanted``, only some.

        With ``wanted``, only the Units of those chunks are yielded (a later pass, which never yields a Block).

        The first pass (``wanted`` is None) reports read-level defects to ``sink`` and fixes each member's row
        numbering; later passes report nothing and reuse that numbering.
        """
        first_pass = wanted is None
        wanted_members = {c[0] for c in wanted} if wanted is not None else set()
        kept_stats = self.stats
        if not first_pass:
            self.stats = SourceStats()  # a later pass must not count shapes and records again
        try:
            yield from self._members(sink, wanted, wanted_members)
        finally:
            self.stats = kept_stats

    def _members(self, sink: IssueSink | None, wanted: set[Chunk] | None,
                 wanted_members: set[int]) -> Iterator[Unit | Block]:
        """Yield the Units of each member file in name order (see ``units``)."""
        first_pass = wanted is None
        row_base = 0
        for member in self.members:
            if first_pass:
                member.row_base = row_base
                self._prepare(member, sink)
            elif member.index not in wanted_members:
                continue
            if member.skipped:
                continue
            member_sink = None
            if sink is not None:
                member_sink = IssueSink(member=member.name)
            if member.jsonl:
                yield from self._jsonl_units(member, member_sink, wanted)
            else:
                yield from self._document_units(member, member_sink)
            if sink is not None and member_sink is not None:
                sink.extend(member_sink)
            row_base = member.row_base + member.rows

    def _prepare(self, member: Member, sink: IssueSink | None) -> None:
        """Decide a member's layout on the first pass; skip (with a warning) empty files in a folder."""
        try:
            blank = self.is_dir and _is_blank(member.path)
        except UNREADABLE as exc:  # unreadable gzip, permissions
            self._unreadable_member(member, sink, f"the file cannot be read: {exc}")
            return
        if blank:
            member.skipped = True
            if sink is not None:
                skip = IssueSink(member=member.name)
                skip.add(None, "", member.name, "the file in the folder is empty and was skipped",
                         "Remove the empty file or publish its content.", code="ocds.empty_file")
                sink.extend(skip)
            return
        try:
            member.jsonl = _looks_like_jsonl(member.path)
        except UNREADABLE as exc:  # unreadable gzip, permissions
            self._unreadable_member(member, sink, f"the file cannot be read: {exc}")
            return
        layout = "JSON Lines" if member.jsonl else "JSON"
        if member.path.name.lower().endswith(".gz"):
            layout = f"gzip {layout}"
        self.stats.layouts[layout] = self.stats.layouts.get(layout, 0) + 1

    def _unreadable_member(self, member: Member, sink: IssueSink | None, problem: str) -> None:
        """Skip a folder member that cannot be read at all; a single-file input raises instead."""
        if not self.is_dir:
            msg = f"{member.path}: {problem}"
            raise InputFileError(msg)
        member.skipped = True
        if sink is not None:
            skip = IssueSink(member=member.name)
            skip.add(None, "", member.name, problem + "; the file was skipped",
                     "Check the file is complete OCDS JSON (re-download it if it was cut short).",
                     code="ocds.unreadable_file", severity="error")
            sink.extend(skip)

    def _jsonl_units(self, member: Member, sink: IssueSink | None,
                     wanted: set[Chunk] | None) -> Iterator[Unit | Block]:
        """Yield the Units of a JSON Lines member, one line at a time; a bad line is reported and skipped."""
        if wanted is None and self.lines is not None and self.lines.wants(member.path):
            yield from self._pooled_units(member, sink)
            return
        line_no = 0
        with _open(member.path) as handle:
            for number, line in _numbered_lines(handle, member.path):
                line_no = number
                if wanted is not None and (member.index, number) not in wanted:
                    continue
                if line.isspace() or not line:
                    continue
                yield from self._line_units(member, number, line, sink)
        if wanted is None:
            member.rows = line_no

    def _line_units(self, member: Member, number: int, line: bytes, sink: IssueSink | None) -> Iterator[Unit]:
        """Yield the Units of one non-blank JSON Lines line."""
        row = member.row_base + number
        at = _At((member.index, number), member.name, self.default_source)
        plain = flatten_line(line, at.source)
        if plain is not None:  # one plain release read typed: its Process stands unless its ocid comes again
            ocid, (rows, suppliers, schemes) = plain
            shapes = self.stats.shapes
            shapes["release"] = shapes.get("release", 0) + 1
            yield Unit(PENDING, row, at.chunk, member.name, at.source, "release", ocid, line,
                       Process(rows, suppliers, schemes, row, member.name, [], ocid, at.source))
            return
        try:
            value, replaced = parse(line)
        except ValueError as exc:
            if sink is not None:
                sink.add(row, f"line {number}", line[:200].decode("utf-8", "replace"),
                         f"line {number} is not valid JSON ({exc}); the line was skipped",
                         "Repair or remove the line (each line must be one complete JSON object).",
                         code="ocds.invalid_json", severity="error")
            yield Unit(None, row, at.chunk, member.name, at.source, "unreadable", None)
            return
        if replaced and sink is not None:
            sink.add(row, f"line {number}", line[:200].decode("utf-8", "replace"),
                     f"line {number} " + LONE_SURROGATE_PROBLEM.format(count=replaced), LONE_SURROGATE_FIX,
                     code="ocds.lone_surrogate")
        if is_plain_release(value):
            shapes = self.stats.shapes
            shapes["release"] = shapes.get("release", 0) + 1  # the common case, kept fast
            yield self._release_unit(value, row, at, sink)
        else:
            yield from self._value_units(value, row, at, sink, one_row=True)

    def _pooled_units(self, member: Member, sink: IssueSink | None) -> Iterator[Unit | Block]:
        """``_jsonl_units`` with plain release lines parsed, compiled and flattened in worker processes.

        A worker reads each plain release line as a process of its own (what it is unless its ocid comes
        again). A batch whose every line is a plain release with an ocid comes out whole, as the worker's
        Block (block.py), for the reader to take at once; the lines of any other batch come out as Units,
        and a line the worker left (invalid, a package, a record) is read here exactly as ``_line_units``
        reads it. The reader uses a worker's result, or parses the line again when the process has other
        releases.
        """
        shapes = self.stats.shapes
        for block in self.lines.read(member.path, member.index, member.name, self.default_source, member.row_base):
            if block.ocids() is not None:
                shapes["release"] = shapes.get("release", 0) + len(block)
                if sink is not None:
                    sink.items.extend(block.read_issues())
                yield block
                continue
            for position, number in enumerate(block.numbers):
                if block.entries[position] is None:
                    yield from self._line_units(member, number, block.line(position), sink)
                    continue
                shapes["release"] = shapes.get("release", 0) + 1
                if sink is not None:
                    sink.items.extend(block.read_issues(position))
                yield block.unit(position)
        member.rows = self.lines.last_line

    def _document_units(self, member: Member, sink: IssueSink | None) -> Iterator[Unit]:
        """Yield the Units of a whole-JSON member (package, record, release or array)."""
        try:
            with _open(member.path) as handle:
                data = handle.read()
        except UNREADABLE as exc:
            self._unreadable_member(member, sink, f"the file cannot be read ({exc}); it is damaged or was cut "
                                                  "short: download it again")
            return
        try:
            value, replaced = parse(data)
        except ValueError as exc:
            self._unreadable_member(member, sink, f"the file is not valid JSON ({exc})")
            return
        if replaced and sink is not None:
            sink.add(None, "file", member.name, "the file " + LONE_SURROGATE_PROBLEM.format(count=replaced),
                     LONE_SURROGATE_FIX, code="ocds.lone_surrogate")
        if not self._is_ocds(value):
            self._unreadable_member(member, sink, "the JSON holds no OCDS release, record or package")
            return
        count = 0
        at = _At((member.index, 0), member.name, self.default_source)
        for unit in self._value_units(value, member.row_base, at, sink, one_row=False):
            count = max(count, unit.row - member.row_base)
            yield unit
        member.rows = count

    @staticmethod
    def _is_ocds(value: Any) -> bool:
        """Whether a parsed JSON document looks like OCDS at all."""
        if isinstance(value, dict):
            return bool(PACKAGE_KEYS & value.keys() or RELEASE_KEYS & value.keys())
        if isinstance(value, list):
            return not value or any(isinstance(v, dict) and RELEASE_KEYS & v.keys() for v in value[:100])
        return False

    def _value_units(self, value: Any, base: int, at: _At, sink: IssueSink | None, *,
                     one_row: bool) -> Iterator[Unit]:
        """Yield the Units of one parsed JSON value; rows count on from ``base`` (or all equal it)."""
        counter = [0]

        def next_row() -> int:
            """The row of the next release or record."""
            if one_row:
                return base
            counter[0] += 1
            return base + counter[0]

        items = value if isinstance(value, list) else [value]
        for item in items:
            if isinstance(item, dict) and ("records" in item or ("releases" in item and "ocid" not in item)):
                yield from self._package_units(item, at, sink, next_row)
            elif isinstance(item, dict) and ("compiledRelease" in item or "releases" in item):
                self._note_shape("bare record")
                yield from self._record_units(item, next_row(), at, sink, path="")
            else:
                row = next_row()
                self._note_shape("bare release" if not isinstance(value, list) else "array of releases")
                yield self._release_unit(item, row, at, sink)

    def _note_shape(self, shape: str) -> None:
        """Count one top-level JSON value of a kind (package, record, release), for the notes."""
        self.stats.shapes[shape] = self.stats.shapes.get(shape, 0) + 1

    def _release_unit(self, release: Any, row: int, at: _At, sink: IssueSink | None, *, kind: str = "release",
                      fallback_ocid: Any = None, path: str = "") -> Unit:
        """Check one release and wrap it as a Unit."""
        if not isinstance(release, dict):
            if sink is not None:
                sink.add(row, path or "/", release, "the release is not a JSON object and was skipped",
                         "Each release must be a JSON object.", code="ocds.not_an_object", severity="error")
            return Unit(None, row, at.chunk, at.member, at.source, "unreadable", None)
        ocid = _release_ocid(release, row, sink, fallback_ocid)
        return Unit(release, row, at.chunk, at.member, at.source, kind, ocid)

    def _package_units(self, package: dict[str, Any], at: _At, sink: IssueSink | None,
                       next_row: Callable[[], int]) -> Iterator[Unit]:
        """Yield the Units of a release package or a record package."""
        at = _At(at.chunk, at.member, _publisher(package, self.default_source, sink))
        key = "records" if "records" in package else "releases"
        self._note_shape("record package" if key == "records" else "release package")
        items = package.get(key)
        if isinstance(items, dict):
            if sink is not None:
                sink.add(None, f"/{key}", "{...}", f"{key} is an object, not an array",
                         f"Publish {key} as an array; the single object is read.",
                         code="ocds.array_is_object")
            items = [items]
        if not isinstance(items, list):
            if sink is not None:
                sink.add(None, f"/{key}", items, f"the package has no {key} array",
                         f"Publish {key} as an array.", code="ocds.not_an_array")
            return
        for position, item in enumerate(items):
            row = next_row()
            if key == "records":
                yield from self._record_units(item, row, at, sink, path=f"/records/{position}")
            else:
                yield self._release_unit(item, row, at, sink, path=f"/releases/{position}")

    def _record_units(self, record: Any, row: int, at: _At, sink: IssueSink | None, *,
                      path: str) -> Iterator[Unit]:
        """Yield a record's compiledRelease, else its embedded releases (merged later), else its ocid only."""
        if not isinstance(record, dict):
            yield self._release_unit(record, row, at, sink, path=path)
            return
        ocid = record.get("ocid")
        compiled = record.get("compiledRelease")
        if isinstance(compiled, dict):
            self.stats.records_compiled += 1
            yield self._release_unit(compiled, row, at, sink, kind="compiled", fallback_ocid=ocid)
            return
        releases = record.get("releases")
        releases = releases if isinstance(releases, list) else []
        full = [r for r in releases if not _is_linked(r)]
        if full:
            self.stats.records_merged += 1
            for release in full:
                yield self._release_unit(release, row, at, sink, fallback_ocid=ocid)
            return
        self.stats.records_linked += 1
        url = next((r.get("url") for r in releases if isinstance(r, dict)), None)
        if sink is not None:
            sink.add(row, f"{path}/releases", url,
                     "the record has no compiledRelease and its releases are only links (url), so its "
                     "content is not in the file; only the ocid is kept",
                     "Publish the record with its compiledRelease (or embed the releases).",
                     code="ocds.linked_releases_only")
        yield self._release_unit({"ocid": ocid}, row, at, sink, kind="linked")
