"""The supplier overrides file: a user's confirm (same supplier) and split (different suppliers) decisions.

Decisions name suppliers by name and registration id, never by supplier_key, so they survive every re-run.
Format (YAML; documented in docs/ml.md)::

    confirm:                       # each entry: all these names and ids are ONE supplier
      - names: [Acme Ltd, ACME Holdings Limited]
        ids: [GB-COH-01234567]
        reason: Same company number on the invoices.
    split:                         # each entry: every listed name or id is a DIFFERENT supplier
      - names: [Acme Cleaning Ltd, Acme Claening Ltd]
        reason: Two companies; checked at Companies House.

A name matches every spelling with the same name key (so "ACME LTD." also matches "Acme Limited"); an id
matches rows that carry it. Unknown keys, empty entries and contradictions are rejected with the fix named.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from procrisk.errors import ConfigError
from procrisk.ml.identifiers import normalise_id
from procrisk.ml.normalise import name_key

TOP_KEYS = ("confirm", "split")
ENTRY_KEYS = ("names", "ids", "reason")


@dataclass(frozen=True)
class Decision:
    """One confirm or split entry: the name keys and ids it names, as written and normalised."""

    kind: str
    names: tuple[str, ...]
    ids: tuple[str, ...]
    reason: str = ""

    @property
    def members(self) -> tuple[tuple[str, str], ...]:
        """Each named member as ('name', name key) or ('id', id)."""
        return tuple(("name", name_key(n)) for n in self.names) + tuple(("id", i) for i in self.ids)


@dataclass(frozen=True)
class Overrides:
    """All decisions of one overrides file (empty when there is no file)."""

    confirm: tuple[Decision, ...] = ()
    split: tuple[Decision, ...] = ()
    path: str = ""

    def __len__(self) -> int:
        """The number of decisions."""
        return len(self.confirm) + len(self.split)


def _hint(key: str, allowed: tuple[str, ...]) -> str:
    """A 'did you mean' fragment for a misspelt key."""
    close = difflib.get_close_matches(key, allowed, n=1)
    return f"did you mean '{close[0]}'? " if close else ""


def _strings(value: Any, where: str, key: str) -> tuple[str, ...]:
    """A list of non-empty strings (a single string is accepted as a list of one)."""
    if value is None:
        return ()
    if isinstance(value, str | int):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str | int) and str(v).strip() for v in value):
        msg = f"{where}: '{key}' must be a list of non-empty names or ids, e.g. {key}: [Acme Ltd, Acme Limited]"
        raise ConfigError(msg)
    return tuple(str(v).strip() for v in value)


def _decision(kind: str, index: int, entry: Any, where: str) -> Decision:
    """Validate one confirm or split entry."""
    here = f"{where}: {kind}[{index}]"
    if not isinstance(entry, Mapping):
        msg = f"{here}: expected a mapping with 'names' and/or 'ids' (and an optional 'reason')"
        raise ConfigError(msg)
    for key in entry:
        if key not in ENTRY_KEYS:
            msg = f"{here}: unknown key '{key}'; {_hint(str(key), ENTRY_KEYS)}allowed: {', '.join(ENTRY_KEYS)}"
            raise ConfigError(msg)
    names = _strings(entry.get("names"), here, "names")
    ids = tuple(i for i in (normalise_id(v) for v in _strings(entry.get("ids"), here, "ids")) if i)
    if kind == "split" and any(not name_key(n) for n in names):
        msg = f"{here}: a name has no letters or digits left after normalisation; write the supplier's name"
        raise ConfigError(msg)
    decision = Decision(kind, names, ids, str(entry.get("reason") or ""))
    members = decision.members
    if kind == "split" and len(set(members)) < len(members):
        msg = (f"{here}: two names have the same name key ({', '.join(names)}), so they cannot be split by name; "
               "use their registration ids instead")
        raise ConfigError(msg)
    if len(set(members)) < 2:
        fix = ("name at least two different suppliers (names that differ after dropping case, accents and "
               "legal forms, or ids)")
        msg = f"{here}: {kind} needs two or more members; {fix}"
        raise ConfigError(msg)
    return decision


def parse_overrides(data: Any, where: str = "overrides") -> Overrides:
    """Validate an overrides mapping (as read from YAML) into Overrides."""
    if data is None:
        return Overrides(path=where)
    if not isinstance(data, Mapping):
        msg = f"{where}: expected a mapping with the keys {' and '.join(TOP_KEYS)}"
        raise ConfigError(msg)
    for key in data:
        if key not in TOP_KEYS:
            msg = f"{where}: unknown key '{key}'; {_hint(str(key), TOP_KEYS)}allowed: {', '.join(TOP_KEYS)}"
            raise ConfigError(msg)
    parsed: dict[str, tuple[Decision, ...]] = {}
    for kind in TOP_KEYS:
        entries = data.get(kind) or []
        if not isinstance(entries, list):
            msg = f"{where}: '{kind}' must be a list of entries, each with names and/or ids"
            raise ConfigError(msg)
        parsed[kind] = tuple(_decision(kind, i, e, where) for i, e in enumerate(entries))
    return Overrides(parsed["confirm"], parsed["split"], where)


def load_overrides(path: str | Path | None) -> Overrides:
    """Read and validate a supplier overrides YAML file (None or a missing optional path gives no decisions)."""
    if path is None:
        return Overrides()
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        msg = f"{path}: cannot read the supplier overrides file ({exc.strerror})"
        raise ConfigError(msg) from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        msg = f"{path}: not valid YAML ({exc})"
        raise ConfigError(msg) from None
    return parse_overrides(data, str(path))


def as_overrides(value: Overrides | Mapping[str, Any] | str | Path | None) -> Overrides:
    """Overrides from an Overrides object, a mapping as in the YAML file, a path, or None."""
    if isinstance(value, Overrides):
        return value
    if value is None:
        return Overrides()
    if isinstance(value, str | Path):
        return load_overrides(value)
    return parse_overrides(value)
