"""Country names in many languages, ISO codes and common aliases resolved to ISO 3166-1 alpha-2 codes."""

from __future__ import annotations

import csv
import re
import unicodedata
from collections.abc import Iterable
from functools import cache
from importlib.resources import files

_DATA = files("procrisk.reference") / "data" / "countries"

# Columns of country-codes.csv that hold a name or code meaning exactly one country.
_NAME_COLUMNS = (
    "ISO3166-1-Alpha-2", "ISO3166-1-Alpha-3", "official_name_en", "official_name_fr", "official_name_es",
    "official_name_ru", "official_name_cn", "official_name_ar", "UNTERM English Short",
    "UNTERM English Formal",
    "UNTERM French Short", "UNTERM French Formal", "UNTERM Spanish Short", "UNTERM Spanish Formal",
    "UNTERM Russian Short", "UNTERM Russian Formal", "UNTERM Chinese Short", "UNTERM Chinese Formal",
    "UNTERM Arabic Short", "UNTERM Arabic Formal", "CLDR display name",
)
_DISPLAY_OVERRIDES = {"GB": "United Kingdom", "US": "United States"}
_PUNCT = re.compile(r"[^\w\s]+")
_SPACE = re.compile(r"\s+")
_LEADING_ARTICLE = re.compile(r"^(the|l|la|le|les|el|los|las|die|der|das) ")
_PAREN = re.compile(r"\(([^)]*)\)")


def fold(name: str) -> str:
    """Fold a country name for lookup: accents, case, punctuation and surrounding whitespace ignored."""
    text = unicodedata.normalize("NFKD", name)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()
    text = _PUNCT.sub(" ", text.replace("&", " and ").replace("_", " "))
    text = _SPACE.sub(" ", text).strip()
    text = _LEADING_ARTICLE.sub("", text)
    return text.replace("saint ", "st ") if text.startswith("saint ") else text


def _candidates(name: str) -> list[str]:
    """Spellings worth looking up for one raw name: as given, without or inside brackets, comma inverted."""
    out = [name]
    if "(" in name:
        out.append(_PAREN.sub(" ", name))
        out.extend(m.group(1) for m in _PAREN.finditer(name))
    for text in list(out):
        if text.count(",") == 1:
            head, tail = text.split(",")
            out.append(f"{tail} {head}")
    return [fold(c) for c in out]


@cache
def _tables() -> tuple[dict[str, str], dict[str, str]]:
    """Build (folded name -> iso2, iso2 -> display name) once from the packaged CSV files."""
    index: dict[str, str] = {}
    weak: dict[str, str] = {}  # names with their bracketed part removed: used only where no full name matches
    clashes: set[str] = set()
    weak_clashes: set[str] = set()
    display: dict[str, str] = {}

    def add(name: str, iso2: str, *, is_weak: bool = False) -> None:
        """Index one folded name; a name claimed by two countries is dropped (aliases decide those)."""
        key = fold(name)
        target, clashed = (weak, weak_clashes) if is_weak else (index, clashes)
        if not key:
            return
        if target.get(key, iso2) != iso2:
            clashed.add(key)
        target.setdefault(key, iso2)

    with (_DATA / "country-codes.csv").open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            iso2 = row["ISO3166-1-Alpha-2"].strip()
            if not iso2:
                continue
            display[iso2] = (_DISPLAY_OVERRIDES.get(iso2) or row["CLDR display name"]
                             or row["official_name_en"])
            for column in _NAME_COLUMNS:
                value = row[column].strip()
                if value:
                    add(value, iso2)
                    if "(" in value:
                        add(_PAREN.sub(" ", value), iso2, is_weak=True)
    with (_DATA / "country-names-de.csv").open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            add(row["name_de"], row["iso2"])
            display.setdefault(row["iso2"], row["name_de"])
    for key in clashes:
        del index[key]
    for key, iso2 in weak.items():
        if key not in weak_clashes and key not in clashes:
            index.setdefault(key, iso2)
    with (_DATA / "aliases.csv").open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            index[fold(row["alias"])] = row["iso2"]
    display.setdefault("XK", "Kosovo")
    return index, display


def lookup(name: str) -> str | None:
    """The ISO alpha-2 code of one country name or code, or None when it is not recognised."""
    index = _tables()[0]
    for key in _candidates(name):
        if key in index:
            return index[key]
    return None


def to_iso2(names: Iterable[str]) -> dict[str, str | None]:
    """Map each distinct name to its ISO alpha-2 code (None when not recognised)."""
    return {name: lookup(name) for name in set(names)}


def country_name(iso2: str) -> str | None:
    """The English short name of an ISO alpha-2 code, or None for an unknown code."""
    return _tables()[1].get(iso2.strip().upper())


def iso2_codes() -> frozenset[str]:
    """Every ISO alpha-2 code the reference knows (plus XK for Kosovo)."""
    return frozenset(_tables()[1])
