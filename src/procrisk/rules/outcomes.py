"""The four outcomes of an (entity, rule) pair and their int8 codes in the outcome matrix."""

from __future__ import annotations

FLAGGED = 1
CLEAR = 0
NOT_ASSESSED = -1
NOT_APPLICABLE = -2

OUTCOME_NAMES: dict[int, str] = {
    FLAGGED: "flagged",
    CLEAR: "clear",
    NOT_ASSESSED: "not_assessed",
    NOT_APPLICABLE: "not_applicable",
}
OUTCOME_CODES: dict[str, int] = {name: code for code, name in OUTCOME_NAMES.items()}

NO_SUPPLIER_ROW = "no questionnaire answers for this supplier"


def outcome_code(outcome: int | str) -> int:
    """The int8 code of an outcome given as its code or its name (``flagged``, ``clear``, ...)."""
    if isinstance(outcome, str):
        if outcome not in OUTCOME_CODES:
            msg = f"unknown outcome {outcome!r}; expected one of {', '.join(OUTCOME_CODES)}"
            raise ValueError(msg)
        return OUTCOME_CODES[outcome]
    code = int(outcome)
    if code not in OUTCOME_NAMES:
        msg = f"unknown outcome code {code}; expected one of {sorted(OUTCOME_NAMES)}"
        raise ValueError(msg)
    return code


def outcome_name(outcome: int | str) -> str:
    """The name of an outcome given as its code or its name."""
    return OUTCOME_NAMES[outcome_code(outcome)]
