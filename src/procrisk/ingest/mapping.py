"""Map input headers to canonical columns: automatically with a confidence each, or from a YAML mapping file."""

from __future__ import annotations

import difflib
import functools
import re
import threading
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from procrisk.errors import ConfigError, UsageError
from procrisk.schema.columns import TABLES, Table

_PARENS = re.compile(r"\([^)]*\)|\[[^\]]*\]")
_NON_WORD = re.compile(r"[^0-9a-z%#]+")


def normalise_header(header: str, *, drop_parentheses: bool = False) -> str:
    """Fold a header for matching: accents, case, punctuation, underscores and spacing."""
    text = unicodedata.normalize("NFKD", str(header))
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()
    if drop_parentheses:
        text = _PARENS.sub(" ", text)
    text = text.replace("nº", "no").replace("n°", "no").replace("#", " no ")
    return " ".join(_NON_WORD.sub(" ", text).split())


@dataclass(frozen=True)
class _Vocabulary:
    """Every normalised synonym of a table, with the canonical column it names."""

    exact: dict[str, str]
    token_sets: list[tuple[frozenset[str], str, str]]


def _vocabulary(table: Table) -> _Vocabulary:
    """Build the synonym index of a table (column names count as synonyms too)."""
    exact: dict[str, str] = {}
    token_sets: list[tuple[frozenset[str], str, str]] = []
    for column in table.mappable:
        for synonym in (column.name.replace("_", " "), *column.synonyms):
            key = normalise_header(synonym)
            exact.setdefault(key, column.name)
            token_sets.append((frozenset(key.split()), key, column.name))
    return _Vocabulary(exact, token_sets)


_VOCABULARIES = {name: _vocabulary(table) for name, table in TABLES.items()}
_MATCHERS = threading.local()  # per thread (a matcher is changed as it is used): table -> one per synonym


def _matchers(table: str) -> list[difflib.SequenceMatcher]:
    """A SequenceMatcher per synonym of a table, its synonym as the second sequence.

    A matcher indexes its second sequence once; the header to compare is set as the first one
    (``set_seq1``), so the synonyms are indexed once per thread instead of once per header and synonym.
    """
    cache: dict[str, list[difflib.SequenceMatcher]] = _MATCHERS.__dict__.setdefault("tables", {})
    if table not in cache:
        cache[table] = [difflib.SequenceMatcher(None, "", syn) for _, syn, _ in _VOCABULARIES[table].token_sets]
    return cache[table]


@functools.lru_cache(maxsize=4096)
def score_header(header: str, table: str) -> tuple[str | None, float]:
    """The best canonical column for one header and the confidence (0..1) of that guess."""
    vocab = _VOCABULARIES[table]
    best: tuple[str | None, float] = (None, 0.0)
    for variant in dict.fromkeys((normalise_header(header), normalise_header(header, drop_parentheses=True))):
        if not variant:
            continue
        if variant in vocab.exact:
            return vocab.exact[variant], 1.0
        tokens = frozenset(variant.split())
        for (syn_tokens, _, column), matcher in zip(vocab.token_sets, _matchers(table), strict=True):
            if syn_tokens and syn_tokens <= tokens:
                # every word of the synonym is in the header: strong, stronger when it covers more of it
                score = 0.75 + 0.2 * len(syn_tokens) / len(tokens)
            else:
                matcher.set_seq1(variant)
                if 0.92 * matcher.real_quick_ratio() <= best[1] or 0.92 * matcher.quick_ratio() <= best[1]:
                    continue  # cannot beat the best so far
                score = 0.92 * matcher.ratio()
            if score > best[1]:
                best = (column, score)
    return best[0], round(best[1], 3)


@dataclass
class Mapping:
    """Which canonical column each input header feeds (None: kept in extras), with confidences."""

    table: str
    columns: dict[str, str | None]
    confidence: dict[str, float] = field(default_factory=dict)
    sheet: str | None = None
    header_row: int | None = None
    origin: str = "automatic"
    # header -> the canonical column it scored best for (automatic mappings), also when it was left unmapped
    guesses: dict[str, str] = field(default_factory=dict)

    @property
    def mapped(self) -> dict[str, str]:
        """Header -> canonical column for the mapped headers only."""
        return {h: c for h, c in self.columns.items() if c}

    def as_record(self) -> dict[str, Any]:
        """The mapping as plain data, recorded with the batch in the manifest."""
        return {"table": self.table, "sheet": self.sheet, "header_row": self.header_row,
                "columns": dict(self.columns), "origin": self.origin}


def suggest_mapping(headers: list[str], table: str, *, min_confidence: float = 0.6) -> Mapping:
    """Propose a one-to-one header mapping for ``table``; weaker guesses lose to stronger ones."""
    scored = [(h, *score_header(h, table)) for h in headers]
    columns: dict[str, str | None] = dict.fromkeys(headers)
    confidence: dict[str, float] = {}
    guesses: dict[str, str] = {}
    taken: set[str] = set()
    for header, column, conf in sorted(scored, key=lambda t: (-t[2], headers.index(t[0]))):
        confidence[header] = conf
        if column:
            guesses[header] = column
        if column and conf >= min_confidence and column not in taken:
            columns[header] = column
            taken.add(column)
    return Mapping(table=table, columns=columns, confidence=confidence, guesses=guesses)


_SHARED = {"supplier_id", "supplier_name", "supplier_country", "source", "supplier_name_key"}


def guess_table(headers: list[str], *, min_confidence: float = 0.6) -> str:
    """Decide whether a sheet is a contract register or a supplier questionnaire from its headers."""
    def weight(table: str) -> float:
        mapping = suggest_mapping(headers, table, min_confidence=min_confidence)
        return sum(mapping.confidence[h] for h, c in mapping.mapped.items() if c not in _SHARED)
    return max(TABLES, key=lambda t: (weight(t), t == "contracts"))


def propose_mapping(headers: list[str], *, table: str | None = None, min_confidence: float = 0.6) -> Mapping:
    """An automatic mapping for the given (or guessed) table; an unknown table name is a usage error."""
    chosen = table or guess_table(headers, min_confidence=min_confidence)
    if chosen not in TABLES:
        msg = f"--table must be one of {', '.join(TABLES)}, not '{chosen}'"
        raise UsageError(msg)
    return suggest_mapping(headers, chosen, min_confidence=min_confidence)


def load_mapping(path: Path) -> Mapping:
    """Read a YAML mapping file, rejecting unknown keys and canonical names with the fix named."""
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        msg = f"{path}: cannot read the mapping file ({exc.strerror})"
        raise ConfigError(msg) from None
    except yaml.YAMLError as exc:
        msg = f"{path}: not valid YAML ({exc})"
        raise ConfigError(msg) from None
    allowed = {"table", "sheet", "header_row", "columns"}
    if not isinstance(data, dict) or not isinstance(data.get("columns"), dict):
        msg = f"{path}: a mapping file needs 'table' and a 'columns' mapping of input header -> canonical column"
        raise ConfigError(msg)
    for key in data:
        if key not in allowed:
            msg = f"{path}: unknown key '{key}'; allowed keys: {', '.join(sorted(allowed))}"
            raise ConfigError(msg)
    table = data.get("table", "contracts")
    if table not in TABLES:
        msg = f"{path}: table '{table}' is not one of {', '.join(TABLES)}"
        raise ConfigError(msg)
    names = {c.name for c in TABLES[table].mappable}
    seen: dict[str, str] = {}
    columns: dict[str, str | None] = {}
    for header, column in data["columns"].items():
        if column in (None, "", "extras"):
            columns[str(header)] = None
            continue
        if column not in names:
            close = difflib.get_close_matches(str(column), sorted(names), n=1)
            hint = f"did you mean '{close[0]}'? " if close else ""
            msg = (f"{path}: header '{header}' maps to '{column}', which is not a {table} column; {hint}"
                   f"use null to keep it as an extra (see docs/data-model.md for the column list)")
            raise ConfigError(msg)
        if column in seen:
            msg = f"{path}: '{column}' is mapped from both '{seen[column]}' and '{header}'; keep one"
            raise ConfigError(msg)
        seen[column] = str(header)
        columns[str(header)] = column
    return Mapping(table=table, columns=columns, sheet=data.get("sheet"), header_row=data.get("header_row"),
                   confidence=dict.fromkeys(columns, 1.0), origin=str(path))


def dump_mapping(mapping: Mapping, *, source: str = "") -> str:
    """Render a mapping as an editable YAML file, confidences and allowed columns in comments."""
    lines = [
        f"# procrisk column mapping{' for ' + source if source else ''}",
        "# Edit the right-hand side: a canonical column name, or null to keep the input column as an extra.",
        f"# {mapping.table} columns: " + ", ".join(c.name for c in TABLES[mapping.table].mappable),
        f"table: {mapping.table}",
    ]
    if mapping.sheet:
        lines.append(f"sheet: {yaml.safe_dump(mapping.sheet, allow_unicode=True).splitlines()[0]}")
    if mapping.header_row:
        lines.append(f"header_row: {mapping.header_row}")
    lines.append("columns:")
    owners = {column: header for header, column in mapping.columns.items() if column}
    for header, column in mapping.columns.items():
        key = yaml.safe_dump(header, allow_unicode=True, width=10_000).splitlines()[0]
        lines.append(f"  {key}: {column if column else 'null'}{_comment(mapping, header, owners)}")
    return "\n".join(lines) + "\n"


def _comment(mapping: Mapping, header: str, owners: dict[str, str]) -> str:
    """The comment beside one header's line: its confidence, and for one left unmapped, what it looked like."""
    conf = mapping.confidence.get(header)
    if conf is None:
        return ""
    guess = mapping.guesses.get(header)
    if mapping.columns.get(header) or guess is None:
        return f"  # confidence {conf:.2f}"
    owner = owners.get(guess)
    if owner is not None:  # two headers for one column: the stronger (or first) one has it
        return f"  # looks like {guess} ({conf:.2f}), which '{owner}' maps to; swap them if this one is meant"
    return f"  # best guess {guess} ({conf:.2f}), too weak to map"
