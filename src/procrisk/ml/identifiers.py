"""Registration ids for supplier resolution: one spelling per id, the scheme it belongs to, ids of a row.

A scheme-qualified id ("GB-COH-01234567", "MX-RFC-ABC010203XY1") is global. An id without a scheme ("10234")
only means something inside its publisher, so it is kept as "<source>:<id>" and never links two sources.
Ids that procrisk generated from a name ("NAME-...") are not identifiers and are dropped.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from procrisk.ml.missing import is_missing

_QUALIFIED = re.compile(r"^[A-Z]{2,}(?:-[A-Z0-9]+)*-[^-\s].*$")
GENERATED_PREFIX = "NAME-"
_ZERO_PAD = {"GB-COH": 8}


def normalise_id(value: object) -> str | None:
    """An id in one spelling (upper case, no spaces, UK company numbers padded to 8), or None when empty."""
    if is_missing(value):
        return None
    text = "".join(str(value).split()).upper()  # str.split and regex \s agree on what is a space
    if not text or text.startswith(GENERATED_PREFIX):
        return None
    scheme, _, local = text.rpartition("-")
    width = _ZERO_PAD.get(scheme)
    if width and local.isdigit():
        text = f"{scheme}-{local.zfill(width)}"
    return text


def is_qualified(identifier: str) -> bool:
    """Whether an id carries its scheme, e.g. 'GB-COH-01234567' (as opposed to a bare publisher number)."""
    return bool(_QUALIFIED.match(identifier))


def scheme_of(identifier: str) -> str:
    """The scheme part of an id: 'GB-COH' for 'GB-COH-01234567', the source for 'source:123'."""
    if ":" in identifier and not is_qualified(identifier):
        return identifier.split(":", 1)[0]
    return identifier.rpartition("-")[0]


def _as_list(value: object) -> list[object]:
    """A list cell (list, tuple, numpy array or a '; '-separated string) as a list."""
    if value is None:
        return []
    if isinstance(value, str):
        return [v for v in re.split(r"[;,|]", value) if v.strip()]
    if isinstance(value, Iterable):
        return list(value)
    return [value]


def row_ids(registration_ids: object = None, supplier_id: object = None, source: object = None) -> tuple[str, ...]:
    """The sorted ids of one row: its registration ids, plus supplier_id (scoped to the source if unqualified)."""
    found: set[str] = set()
    for value in _as_list(registration_ids):
        ident = normalise_id(value)
        if ident:
            found.add(ident if is_qualified(ident) else _scoped(ident, source) or ident)
    ident = normalise_id(supplier_id)
    if ident:
        scoped = ident if is_qualified(ident) else _scoped(ident, source)
        if scoped:
            found.add(scoped)
    return tuple(sorted(found))


def _scoped(ident: str, source: object) -> str | None:
    """'<source>:<id>' for an id without a scheme, or None when the source is unknown."""
    if is_missing(source) or not str(source).strip():
        return None
    return f"{str(source).strip()}:{ident}"
