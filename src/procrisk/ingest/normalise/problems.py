"""Every problem code a normaliser can report, with its severity, what is wrong and how to fix it.

A bad value in an optional column is a warning: the row is kept and the value set to null (or corrected,
where ``nulls_value`` is False). The pipeline raises the severity to error when the column is required.
"""

from __future__ import annotations

from dataclasses import dataclass, replace


@dataclass(frozen=True)
class Problem:
    """One kind of data problem: severity, what is wrong, how to fix it, and whether the value was dropped."""

    severity: str  # "error" | "warning"
    problem: str
    fix: str
    nulls_value: bool = True  # False: the value was kept or corrected, not dropped


W = "warning"

PROBLEMS: dict[str, Problem] = {
    "number.unparseable": Problem(W, "not a number; the value was left empty",
                                  "Write a plain number such as 12000.50 (currency in its own column)."),
    "number.ambiguous": Problem(W, "could be read with ',' or '.' as the decimal separator; read with the "
                                "column's convention", "Check the value; write it with a decimal part "
                                "(1,234.00 or 1.234,00) or without thousands separators.", nulls_value=False),
    "number.abbreviated": Problem(W, "an abbreviated amount (k, m, bn) was expanded",
                                  "Check the value and write the full amount.", nulls_value=False),
    "number.not_integer": Problem(W, "expected a whole number; the value was left empty",
                                  "Write a whole number such as 3."),
    "number.out_of_range": Problem(W, "too large for a count (more than 9,007,199,254,740,992); the value "
                                   "was left empty", "Check the value: write the count as a whole number such as 3."),
    "share.out_of_range": Problem(W, "a share must be between 0 and 100 %; the value was left empty",
                                  "Write a percentage between 0 and 100 (e.g. 35 %) or a fraction 0..1."),
    "share.ambiguous": Problem(W, "a value below 1 in a column of percentages was read as a percentage "
                               "(0.5 -> 0.5 %)", "Write the % sign, or use one scale for the whole column.",
                               nulls_value=False),
    "date.unparseable": Problem(W, "not a date; the value was left empty",
                                "Write the date as YYYY-MM-DD (e.g. 2025-04-03)."),
    "date.ambiguous": Problem(W, "the column mixes day-first and month-first dates, so this date could be "
                              "either; the value was left empty", "Write the date as YYYY-MM-DD."),
    "date.implausible": Problem(W, "the year is before 1990 or after 2100; the value was left empty",
                                "Check the date (placeholder dates such as 1900-01-01 count as missing)."),
    "country.unknown": Problem(W, "not a recognised country; the value was left empty",
                               "Use the English country name or its ISO code (e.g. GB, MX)."),
    "currency.unknown": Problem(W, "not an ISO 4217 currency code; the value was left empty",
                                "Use the three-letter ISO code, e.g. EUR, USD, MXN."),
    "currency.ambiguous_symbol": Problem(W, "the symbol is used by several currencies; read as the most "
                                         "common "
                                         "one ($ as USD, ¥ as JPY, kr as SEK)",
                                         "Use the three-letter ISO code, e.g. USD, CAD, CNY.",
                                         nulls_value=False),
    "cpv.unknown": Problem(W, "not a CPV 2008 code; the value was kept but no division was derived",
                           "Use a CPV 2008 code such as 03000000-1, or name the classification scheme.",
                           nulls_value=False),
    "cpv.check_digit": Problem(W, "the CPV check digit is wrong; the code was corrected from the CPV list",
                               "Check the code; the digit after the dash should match the CPV list.",
                               nulls_value=False),
    "enum.unknown": Problem(W, "not one of the allowed values; the value was left empty",
                            "Use one of the allowed values for this column."),
    "answer.unknown": Problem(W, "not a yes / partly / no answer; the value was left empty",
                              "Answer yes, partly or no (unanswered stays empty)."),
    "bool.unknown": Problem(W, "not a yes / no value; the value was left empty", "Write yes or no."),
    "bool.partly": Problem(W, "'partly' is not a yes / no value; the value was left empty",
                           "Write yes or no; put qualifications in a comment column."),
}


def describe(code: str, allowed: tuple[str, ...] = ()) -> Problem:
    """The Problem for a code, its fix naming the column's allowed values (pass ``column.allowed``)."""
    found = PROBLEMS[code]
    if code == "enum.unknown" and allowed:
        return replace(found, fix=f"Use one of: {', '.join(allowed)}.")
    return found
