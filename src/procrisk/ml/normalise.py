"""Supplier-name keys: fold case, accents, scripts and punctuation, then drop legal forms and country qualifiers.

``name_key("ACME LTD.") == name_key("Acme Limited") == name_key("Acme Ltd (UK)") == "acme"``. The key is the
exact-match level of supplier resolution; ``procrisk.ml.resolver`` compares keys by character n-grams on top.
This module is procrisk.ml's own (the ml layer may not import procrisk.ingest's normalisers).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from procrisk.ml.edits import osa_distance
from procrisk.ml.legal_forms import (
    ABBREVIATIONS,
    COUNTRY_QUALIFIERS,
    DROPPED_WORDS,
    LEGAL_FORMS,
    LONG_FORM_WORDS,
    PREFIX_FORMS,
    TRANSLITERATION,
)

_TRADING_AS = re.compile(r"\s(?:t/a|trading as|d/b/a|dba|a/k/a|formerly)\s", re.IGNORECASE)
_DELETE = str.maketrans("", "", ".'’`´")
_ASCII_SPACES = str.maketrans({chr(c): " " for c in range(128) if not chr(c).isalnum()})
_SLASH_INITIALS = re.compile(r"(?<![^\W_])(\w)/(\w)(?![^\W_])")
_NOT_WORD = re.compile(r"[\W_]+")
_TRANSLATE = str.maketrans(TRANSLITERATION)
_MAX_FORM_WORDS = 6


def fold(text: str) -> str:
    """Lower-case ASCII-ish words separated by single spaces: accents dropped, Cyrillic/Greek transliterated."""
    if text.isascii():
        text = text.lower()
    else:
        text = unicodedata.normalize("NFKC", text).casefold().translate(_TRANSLATE)
        text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    text = text.replace("&", " and ").replace("+", " and ").translate(_DELETE)
    if "/" in text:
        text = _SLASH_INITIALS.sub(r"\1\2", text)
    if text.isascii():
        return " ".join(text.translate(_ASCII_SPACES).split())
    return " ".join(_NOT_WORD.sub(" ", text).split())


def _phrases(spellings: tuple[str, ...] | list[str]) -> frozenset[tuple[str, ...]]:
    """Each spelling folded to a tuple of words."""
    return frozenset(tuple(fold(s).split()) for s in spellings if fold(s))


_SUFFIXES = _phrases([s for forms in LEGAL_FORMS.values() for s in forms] + list(COUNTRY_QUALIFIERS)) | {
    ("and", *p) for p in _phrases(["Co", "Company", "Cie", "Cia", "Compania"])
}
_PREFIXES = _phrases(PREFIX_FORMS)
_SUFFIX_ENDS = frozenset(p[-1] for p in _SUFFIXES)


@lru_cache(maxsize=1 << 16)
def _misspelt_form(word: str) -> str | None:
    """The long legal-form word that ``word`` misspells by one edit (two from nine letters), e.g. 'limted'."""
    if len(word) < 6 or word in LONG_FORM_WORDS:
        return None
    for form in LONG_FORM_WORDS:
        budget = 2 if len(form) >= 9 else 1
        if abs(len(form) - len(word)) > budget or (word[0] != form[0] and word[1] != form[1]):
            continue
        if osa_distance(word, form, budget) <= budget:
            return form
    return None


def _strip_suffixes(words: list[str]) -> list[str]:
    """Drop legal forms and country qualifiers from the end, repeatedly, keeping at least one word."""
    changed = True
    while changed and len(words) > 1:
        changed = False
        if words[-1] not in _SUFFIX_ENDS:
            fixed = _misspelt_form(words[-1])
            if fixed:
                words = [*words[:-1], fixed]
                changed = True
            continue
        for size in range(min(_MAX_FORM_WORDS, len(words) - 1), 0, -1):
            if tuple(words[-size:]) in _SUFFIXES:
                words = words[:-size]
                changed = True
                break
        else:
            fixed = _misspelt_form(words[-1])
            if fixed:
                words = [*words[:-1], fixed]
                changed = True
    return words


def _strip_prefixes(words: list[str]) -> list[str]:
    """Drop a legal form written before the name (PT, OOO, ...), keeping at least one word."""
    for size in range(min(3, len(words) - 1), 0, -1):
        if tuple(words[:size]) in _PREFIXES:
            return words[size:]
    return words


@lru_cache(maxsize=1 << 18)
def name_key(name: str) -> str:
    """The normalised key of a supplier name ("" when nothing is left, e.g. for punctuation only)."""
    head = _TRADING_AS.split(f" {name} ", maxsplit=1)[0]
    words = fold(head).split() or fold(name).split()
    words = _strip_prefixes(_strip_suffixes(words))
    kept = [w for w in words if w not in DROPPED_WORDS] or words
    kept = _strip_suffixes(kept)
    return " ".join(ABBREVIATIONS.get(w, w) for w in kept)


_DIGIT = re.compile(r"\d")


def digits_signature(key: str) -> tuple[str, ...]:
    """The words of a key that contain a digit, sorted ("fund 2 lp" -> ("2",)); names that differ here differ."""
    if not _DIGIT.search(key):
        return ()
    return tuple(sorted(w for w in key.split() if _DIGIT.search(w)))
