"""Inflating zip members and gzip files with ISA-L (the ``isal`` package), and what a damaged stream raises.

ISA-L has zlib's API and output at about three times its speed on XML and JSON; both the XLSX safety scan and
the OCDS reader use it, and both report ``INFLATE_ERRORS`` as a damaged file, never as an internal error.
"""

from __future__ import annotations

import zlib
from pathlib import Path
from typing import IO

from isal import igzip, isal_zlib

INFLATE_ERRORS = (zlib.error, isal_zlib.error)  # what a damaged deflate stream raises


def raw_inflater() -> isal_zlib.Decompress:
    """A decompressor of a raw deflate stream (a zip member's data)."""
    return isal_zlib.decompressobj(-isal_zlib.MAX_WBITS)


def open_gzip(path: Path) -> IO[bytes]:
    """A gzip file opened for binary reading, decompressed as it is read."""
    return igzip.open(path, "rb")
