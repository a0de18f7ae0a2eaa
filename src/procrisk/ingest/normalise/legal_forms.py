"""Company legal-form suffixes (Ltd, GmbH, S.A. de C.V., ...), written as they read once dots are removed."""

from __future__ import annotations

import re

# Each entry is lower case with dots removed and single spaces ("s.a. de c.v." -> "sa de cv").
LEGAL_FORMS: tuple[str, ...] = (
    "limited", "ltd", "ltda", "plc", "llc", "llp", "lp", "inc", "incorporated", "corp", "corporation",
    "co", "company", "cia", "gmbh", "ag", "kg", "kgaa", "ohg", "ug", "mbh", "se", "gmbh and co kg",
    "gmbh co kg", "sa", "sas", "sasu", "sarl", "sa de cv", "sab de cv", "sapi de cv", "s de rl",
    "s de rl de cv", "sc", "sl", "slu", "sau", "srl", "spa", "sapa", "snc", "bv", "nv", "bvba", "cv", "vof",
    "pty", "pty ltd", "proprietary limited", "oy", "oyj", "ab", "publ", "as", "asa", "a/s", "aps",
    "oü", "sp z oo",
    "sro", "as", "kft", "zrt", "nyrt", "doo", "dd", "ad", "ood", "eood", "srl de cv", "eirl", "eurl", "sci",
    "pvt", "pvt ltd", "private limited", "pte", "pte ltd", "sdn bhd", "bhd", "tbk", "pt", "jsc",
    "ojsc", "pjsc",
    "ooo", "zao", "oao", "kk", "yk", "co ltd", "corp ltd", "and co", "and company", "holdings", "group",
)
_DROPPABLE = tuple(f for f in LEGAL_FORMS if f not in {"holdings", "group", "pt", "sc", "sci", "cv"})
_ALTERNATION = "|".join(re.escape(f) for f in sorted(_DROPPABLE, key=len, reverse=True))
# One or more legal forms at the end of an already folded name (lower case, no dots, single spaces).
TRAILING_FORMS = rf"(?:\s(?:{_ALTERNATION}))+$"
_FORM_SET = frozenset(LEGAL_FORMS)


def is_legal_form(text: str) -> bool:
    """Whether a piece of text is only a legal form ("Inc.", "S.A. de C.V.", "LLC")."""
    folded = " ".join(text.casefold().replace(".", "").replace("&", " and ").replace(",", " ").split())
    return folded in _FORM_SET
