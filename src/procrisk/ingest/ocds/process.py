"""Compiles and flattens the units of one contracting process into a packed Process (shared by the reader
and its worker processes, so both give the same result)."""

from __future__ import annotations

from procrisk.ingest.ocds.compile import compile_process
from procrisk.ingest.ocds.fast import flatten_plain
from procrisk.ingest.ocds.flatten import flatten_release
from procrisk.ingest.ocds.issues import IssueSink
from procrisk.ingest.ocds.sources import Unit
from procrisk.ingest.ocds.tables import Process, pack


def process_of(units: list[Unit], ocid: str | None) -> Process:
    """Compile one process from its units (all with their releases parsed) and flatten it.

    A process of one plain release (the common case) is flattened by fast.py; anything else, or a release
    that turns out not to be plain, by compile_process and flatten_release.
    """
    if len(units) == 1 and ocid is not None and units[0].kind in ("release", "compiled"):
        only = units[0]
        if only.release.__class__ is dict:
            plain = flatten_plain(only.release, ocid, only.source, check_merge=only.kind == "release")
            if plain is not None:
                return Process(plain[0], plain[1], plain[2], only.row, only.member, [], ocid,
                               only.source)
    first = units[0] if len(units) == 1 else min(units, key=lambda u: u.row)
    sink = IssueSink(member=first.member)
    release = compile_process(units, sink)
    flat = flatten_release(release, ocid=ocid, row=first.row, source=first.source, sink=sink)
    return pack(flat, first.row, first.member, sink.items, ocid)
