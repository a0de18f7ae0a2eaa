"""Calendar dates from ISO text, day-first or month-first numbers, month names, Excel serials and datetimes.

Day-first or month-first is decided per column: a first field above 12 ("13/04/2025") proves day-first, a
second field above 12 ("04/13/2025") proves month-first. When both occur, the values that could be read
either way ("03/04/2025") are left empty with ``date.ambiguous``; when neither occurs, the ``dayfirst``
argument decides (default: day-first) and a note says so. An unambiguous value is always read the only way
it can be.

Times and offsets are dropped, keeping the calendar date as written ("2025-04-03T23:30:00-05:00" is
2025-04-03): a deadline is a date in the buyer's own time zone. Excel serial numbers (45750 -> 2025-04-03)
are read only in a column that is mostly numbers. Years before 1990 or after 2100 are implausible for a
procurement register (often placeholders like 1900-01-01) and are left empty with ``date.implausible``.

Each distinct value is parsed once; ISO date-times are cut to their date first so they repeat.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from procrisk.ingest.normalise.result import Normalised
from procrisk.ingest.normalise.series import (
    distinct,
    distinct_problems,
    encode_arrow,
    is_missing_token,
    problem_series,
)

MIN_YEAR, MAX_YEAR = 1990, 2100
EXCEL_MAX_SERIAL = 2958465  # 9999-12-31
_EXCEL_EPOCH = np.datetime64("1899-12-30", "D")
_NAT = np.datetime64("NaT", "D")

_MONTHS: dict[str, int] = {}
for _number, _names in enumerate((
    "january jan janvier janv enero ene januar janner jaen",
    "february feb febr fevrier fev febrero februar",
    "march mar mars marzo marz maerz mrz",
    "april apr avril avr abril abr",
    "may mai mayo",
    "june jun juin junio juni",
    "july jul juillet juil julio juli",
    "august aug aout agosto ago",
    "september sep sept septembre septiembre setiembre set",
    "october oct octobre octubre oktober okt",
    "november nov novembre noviembre",
    "december dec decembre diciembre dic dezember dez",
), start=1):
    for _name in _names.split():
        _MONTHS[_name] = _number
_FILLER = frozenset({
    "de", "del", "of", "the", "le", "el", "den", "der", "am",
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
    "mon", "tue", "tues", "wed", "thu", "thur", "thurs", "fri", "sat", "sun",
    "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche",
    "lunes", "martes", "miercoles", "jueves", "viernes", "sabado", "domingo",
    "montag", "dienstag", "mittwoch", "donnerstag", "freitag", "samstag", "sonntag",
})
_ISO = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$")
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_PAIR = re.compile(r"^(\d{1,2})\s*([-/.])\s*(\d{1,2})\s*\2\s*(\d{4}|\d{2})$")
_NUMBER = re.compile(r"^\d+(\.\d+)?$")
_TIME = re.compile(
    r"(?:[T ]|\s+)\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?\s*(?:[ap]\.?m\.?)?\s*"
    r"(?:z|utc|gmt|[+\-]\d{2}:?\d{2})?$",
    re.IGNORECASE,
)
_ORDINAL = re.compile(r"^(\d{1,2})(?:st|nd|rd|th|er|re|eme|o|a|\.)?$")


def _fold(text: str) -> str:
    """Case- and accent-fold month words ("Février" -> "fevrier", "März" -> "marz")."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def _ymd(year: int, month: int, day: int) -> np.datetime64 | None:
    """A date, or None when the fields do not make one."""
    try:
        return np.datetime64(dt.date(year, month, day), "D")
    except ValueError:
        return None


def _year(text: str) -> int:
    """A four-digit year, or a two-digit one read as 2000-2069 / 1970-1999."""
    year = int(text)
    if len(text) == 2:
        return 2000 + year if year < 70 else 1900 + year
    return year


def _words(text: str) -> np.datetime64 | None:
    """A date written with a month name: "April 3, 2025", "3 avril 2025", "03-Apr-2025", "3. März 2025"."""
    tokens = [t for t in re.split(r"[\s,./\-]+", _fold(text)) if t and t not in _FILLER]
    month = day = year = None
    for token in tokens:
        if token in _MONTHS and month is None:
            month = _MONTHS[token]
        elif token.isdigit() and len(token) == 4 and year is None:
            year = int(token)
        elif (m := _ORDINAL.match(token)) and day is None:
            day = int(m.group(1))
        else:
            return None
    if month is None or day is None or year is None:
        return None
    return _ymd(year, month, day)


def _classify(value: Any) -> tuple[str, Any]:
    """Read one distinct value into ('date', datetime64), ('pair', (a, b, year)), ('serial', float),
    ('missing', None) or ('bad', None)."""
    if isinstance(value, dt.datetime | pd.Timestamp):
        return "date", np.datetime64(value.date(), "D")
    if isinstance(value, dt.date):
        return "date", np.datetime64(value, "D")
    if isinstance(value, np.datetime64):
        return ("missing", None) if np.isnat(value) else ("date", value.astype("datetime64[D]"))
    if isinstance(value, bool | np.bool_):
        return "bad", None
    if isinstance(value, int | float | np.number):
        return ("missing", None) if value != value else ("serial", float(value))  # noqa: PLR0124 (NaN test)
    text = str(value).strip()
    if is_missing_token(text):
        return "missing", None
    if ":" in text:  # a time needs one
        text = _TIME.sub("", text).strip()
    if m := _ISO.match(text):
        found = _ymd(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        return ("date", found) if found is not None else ("bad", None)
    if m := _PAIR.match(text):
        return "pair", (int(m.group(1)), int(m.group(3)), _year(m.group(4)))
    if m := _COMPACT.match(text):
        found = _ymd(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        if found is not None:
            return "date", found
    if _NUMBER.match(text):
        return "serial", float(text)
    found = _words(text)
    return ("date", found) if found is not None else ("bad", None)


def _decide_order(pairs: list[tuple[int, int, int]], weights: list[int], dayfirst: bool | None,
                  ) -> tuple[bool, bool, list[str]]:
    """(read day-first, the column is contradictory, notes) from the numeric dates of a column."""
    day_proof = sum(w for (a, b, _), w in zip(pairs, weights, strict=True) if a > 12 >= b)
    month_proof = sum(w for (a, b, _), w in zip(pairs, weights, strict=True) if b > 12 >= a)
    if dayfirst is not None:
        order = "day-first (DD/MM/YYYY)" if dayfirst else "month-first (MM/DD/YYYY)"
        return dayfirst, False, [f"dates read {order} as set by the caller"] if pairs else []
    if day_proof and month_proof:
        return True, True, [f"the column mixes day-first ({day_proof} values) and month-first "
                            f"({month_proof}) dates; dates that could be read either way were left empty"]
    if day_proof:
        return True, False, ["dates read day-first (DD/MM/YYYY)"]
    if month_proof:
        return False, False, ["dates read month-first (MM/DD/YYYY)"]
    ambiguous = any(a != b and a <= 12 and b <= 12 for a, b, _ in pairs)
    if ambiguous:
        return True, False, ["nothing in the column shows whether dates are day-first or month-first; read "
                             "day-first (DD/MM/YYYY)"]
    return True, False, []


def _prepare(arr: pa.Array) -> pa.Array:
    """Trim text and cut ISO date-times to their date, so that distinct values repeat (vectorised)."""
    arr = pc.utf8_trim_whitespace(arr)
    iso_time = pc.fill_null(pc.match_substring_regex(arr, r"^\d{4}-\d\d-\d\d[T ]\d"), False)
    if pc.any(iso_time).as_py():
        arr = pc.if_else(iso_time, pc.utf8_slice_codeunits(arr, 0, 10), arr)
    return arr


def _distinct_dates(values: pd.Series) -> tuple[np.ndarray, list[Any]]:
    """Factorize a date column after :func:`_prepare`, which runs once per distinct text, not per row."""
    raw_codes, raw_uniques = distinct(values)
    if values.dtype == object or not isinstance(values.dtype, pd.StringDtype):
        return raw_codes, raw_uniques
    codes, uniques = encode_arrow(_prepare(pa.array(raw_uniques, type=pa.large_string())))
    return np.append(codes, -1)[raw_codes], uniques.to_pylist()


def _from_datetimes(values: pd.Series) -> Normalised:
    """A column already typed as datetimes: keep the wall-clock date, drop the time and time zone."""
    stamps = values.dt.tz_localize(None) if values.dt.tz is not None else values
    days = stamps.dt.normalize().astype("datetime64[s]")
    years = days.dt.year
    implausible = days.notna() & ((years < MIN_YEAR) | (years > MAX_YEAR))
    problems = np.where(implausible.to_numpy(), "date.implausible", None).astype(object)
    return Normalised(days.where(~implausible), problem_series(problems, values.index), [])


SERIAL_PLAUSIBLE = (20_000, 80_000)  # Excel serials of 1954-10-03 .. 2119-01-10


def parse_dates(values: pd.Series, *, dayfirst: bool | None = None) -> Normalised:
    """Read a date column into datetime64[s] at midnight; ``dayfirst`` overrides the per-column decision."""
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        return _from_datetimes(values)
    codes, uniques = _distinct_dates(values)
    kinds = [_classify(u) for u in uniques]
    weights = np.bincount(codes[codes >= 0], minlength=len(uniques))
    notes: list[str] = []

    present = sum(int(w) for (k, _), w in zip(kinds, weights, strict=True) if k != "missing")
    numeric = sum(int(w) for (k, _), w in zip(kinds, weights, strict=True) if k == "serial")
    serials_ok = present > 0 and numeric * 2 > present
    if serials_ok:
        notes.append("numbers read as Excel serial dates (45750 = 2025-04-03)")

    pair_items = [(i, p) for i, (k, p) in enumerate(kinds) if k == "pair"]
    read_dayfirst, contradictory, order_notes = _decide_order(
        [p for _, p in pair_items], [int(weights[i]) for i, _ in pair_items], dayfirst)
    notes.extend(order_notes)

    days = np.full(len(uniques) + 1, _NAT)
    problems = np.full(len(uniques) + 1, None, dtype=object)
    for i, (kind, payload) in enumerate(kinds):
        found, problem = None, None
        if kind == "date":
            found = payload
        elif kind == "serial":
            # a whole number in 20000..80000 (1954..2119) in a date column is an Excel serial even when most
            # cells are text: spreadsheets mix typed dates, text dates and unformatted date cells
            if (serials_ok and 1 <= payload <= EXCEL_MAX_SERIAL) or (
                    SERIAL_PLAUSIBLE[0] <= payload <= SERIAL_PLAUSIBLE[1] and payload == int(payload)):
                found = _EXCEL_EPOCH + np.timedelta64(int(payload), "D")
            else:
                problem = "date.unparseable"
        elif kind == "pair":
            a, b, year = payload
            as_dmy, as_mdy = _ymd(year, b, a), _ymd(year, a, b)
            if as_dmy is not None and as_mdy is not None and as_dmy != as_mdy:
                if contradictory:
                    problem = "date.ambiguous"
                else:
                    found = as_dmy if read_dayfirst else as_mdy
            else:
                found = as_dmy if as_dmy is not None else as_mdy
                problem = None if found is not None else "date.unparseable"
        elif kind == "bad":
            problem = "date.unparseable"
        if found is not None:
            days[i] = found
        problems[i] = problem
    years = days.astype("datetime64[Y]").astype(np.int64) + 1970  # for all distinct dates at once
    implausible = ~np.isnat(days) & ((years < MIN_YEAR) | (years > MAX_YEAR))
    days[implausible], problems[implausible] = _NAT, "date.implausible"
    out = pd.Series(days.astype("datetime64[s]")[codes], index=values.index, copy=False)  # converted per distinct date
    return Normalised(out, distinct_problems(problems[:-1], codes, values.index), notes)
