"""Numbers from messy text: amounts ("€ 12 000,50", "(1,000)", "USD 5,000", "$5k"), counts and shares.

The decimal separator is decided once per column from the values themselves:

* a value with both separators proves its decimal separator (the rightmost one): "1.234,50", "1,234.50";
* a separator followed by 1-2 or 4+ digits is decimal ("12,5", "3.14159"), and a separator repeated in
  groups of three is a thousands separator ("1.234.567", "1,234,567");
* a single separator followed by exactly three digits ("1.234", "1,234") is ambiguous and is read with the
  column's convention; when nothing in the column decides it, '.' is decimal (so "1,234" is 1234 and "1.234"
  is 1.234), a note says so and each such row gets the warning ``number.ambiguous``.

Spaces, no-break spaces and apostrophes between digits group thousands. "(1,000)" and a trailing minus are
negative. Currency symbols and ISO codes before or after the number are removed and returned as a per-row
hint (``extra["currency_hint"]``); a symbol shared by several currencies ("$", "¥", "kr") gives no hint
unless a code names the currency ("$330,000.00 CAD" -> CAD). Abbreviated amounts ("$5k", "2.5m", "1 bn",
"3 Mio.") are expanded with the warning ``number.abbreviated``: registers do write them, and a warning lets a
user check the reading.
"n/a", "-", "—" and empty cells are missing, not problems.

Speed: a clean column is cast by Arrow in one pass. Otherwise each value is reduced to its *shape* (digits
replaced by 9, e.g. "€ 99 999,99"); shapes are few, so the Python parsing runs once per distinct shape and the
digits are extracted with vectorised Arrow kernels.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from procrisk.ingest.normalise.result import Normalised
from procrisk.ingest.normalise.series import (
    as_arrow_text,
    encode_arrow,
    is_missing_token,
    keep_bytes,
    may_need_trim,
    problem_series,
    string_buffers,
    text_series,
)
from procrisk.reference import currencies

_SCALES = {
    "k": 1e3, "thousand": 1e3, "mil": 1e3, "tsd": 1e3,
    "m": 1e6, "mn": 1e6, "mm": 1e6, "mio": 1e6, "million": 1e6, "millions": 1e6, "millones": 1e6,
    "b": 1e9, "bn": 1e9, "billion": 1e9, "billions": 1e9, "mrd": 1e9, "md": 1e9,
}
_SHAPE = re.compile(
    r"""^(?P<open>\()?\s*(?P<sign1>[+\-−])?\s*
    (?P<before>[^\d\s()+\-−.,%][^\d\s()+\-−%]*?)?\s*
    (?P<sign2>[+\-−])?\s*
    (?P<num>[.,]?\d[\d.,'\u00a0\u202f\u2009]*(?:\s\d[\d.,'\u00a0\u202f\u2009]*)*)\s*
    (?P<after>[^\d\s()+\-−%.,][^()%]*?)?\s*
    (?P<pct>%)?\s*
    (?P<sign3>-)?\s*(?P<close>\))?$""",
    re.VERBOSE,
)
_GROUPING = re.compile(r"[\s'\u00a0\u202f\u2009]")
_DOT_AMBIGUOUS = re.compile(r"^[1-9]\d{0,2}\.\d{3}$")
_COMMA_AMBIGUOUS = re.compile(r"^[1-9]\d{0,2},\d{3}$")
_INTEGER = re.compile(r"^\d+$")
_DOT_DECIMAL = re.compile(r"^\d*\.\d+$|^\d+\.$|^[1-9]\d{0,2}(,\d{3})+\.\d*$")
_COMMA_DECIMAL = re.compile(r"^\d*,\d+$|^[1-9]\d{0,2}(\.\d{3})+,\d*$")
_DOT_GROUPED = re.compile(r"^[1-9]\d{0,2}(\.\d{3}){2,}$")
_COMMA_GROUPED = re.compile(r"^[1-9]\d{0,2}(,\d{3}){2,}$")
_SCIENTIFIC = re.compile(r"^\d+(\.\d+)?[eE][+\-]?\d+$")


@dataclass(frozen=True)
class _Shape:
    """How one shape of value reads: its decimal separator, sign, scale, currency and ambiguity."""

    valid: bool
    decimal: str | None = None  # '.', ',' or None (no decimal part); for ambiguous shapes: the '.' reading
    ambiguous: str | None = None  # '.' or ',' when the shape is 9.999 or 9,999
    evidence: str | None = None  # '.' or ',' when the shape proves the column's decimal separator
    negative: bool = False
    scale: float = 1.0
    currency: str | None = None
    percent: bool = False
    missing: bool = False
    scientific: bool = False
    problem: str | None = None


def _currency(token: str | None) -> tuple[bool, str | None, bool]:
    """(is a currency or nothing, ISO code, ambiguous symbol) for the text before or after a number."""
    if not token:
        return True, None, False
    folded = token.strip().rstrip(".").casefold()
    if folded.upper() in currencies.codes() and len(folded) == 3:
        return True, folded.upper(), False
    if folded in currencies.SYMBOLS:
        return True, currencies.SYMBOLS[folded], False
    if folded in currencies.AMBIGUOUS_SYMBOLS:
        return True, currencies.AMBIGUOUS_SYMBOLS[folded], True
    return False, None, False


def _split_scale(token: str | None) -> tuple[float, str | None]:
    """Split a scale word ("k", "Mio.", "bn") off the start of the text after a number."""
    if not token:
        return 1.0, None
    words = token.replace(".", " ").split()
    first = words[0].casefold()
    if first in _SCALES:
        return _SCALES[first], " ".join(words[1:]) or None
    # "5kEUR" / "5MUSD": a scale glued to a currency code
    for size in (3, 2, 1):
        if len(first) > size and first[:size] in _SCALES and _currency(token[size:])[0]:
            return _SCALES[first[:size]], token[size:]
    return 1.0, token


def _read_shape(shape: str) -> _Shape:
    """Classify one value shape (digits written as 9) once for every value that has it."""
    text = shape.strip()
    if is_missing_token(text) or text.casefold() in {"nan"}:
        return _Shape(valid=True, missing=True)
    if _SCIENTIFIC.match(text.lstrip("+-")):
        return _Shape(valid=True, decimal=".", scientific=True, negative=text.startswith("-"))
    match = _SHAPE.match(text)
    if not match:
        return _Shape(valid=False, problem="number.unparseable")
    parts = match.groupdict()
    if bool(parts["open"]) != bool(parts["close"]):
        return _Shape(valid=False, problem="number.unparseable")
    scale, after = _split_scale(parts["after"])
    ok_before, cur_before, amb_before = _currency(parts["before"])
    ok_after, cur_after, amb_after = _currency(after)
    if not (ok_before and ok_after):
        return _Shape(valid=False, problem="number.unparseable")
    # "$" alone could be any dollar: no hint. "$330,000 CAD": the code says which dollar.
    cur_before = None if amb_before else cur_before
    cur_after = None if amb_after else cur_after
    if cur_before and cur_after and cur_before != cur_after:
        return _Shape(valid=False, problem="number.unparseable")
    signs = [s for s in (parts["sign1"], parts["sign2"], parts["sign3"]) if s]
    negative = bool(parts["open"]) ^ (sum(s in "-−" for s in signs) % 2 == 1)
    if len(signs) > 1:
        return _Shape(valid=False, problem="number.unparseable")
    core = _GROUPING.sub("", parts["num"])
    if _GROUPING.search(parts["num"].strip()) and not re.fullmatch(
        r"\d{1,3}([\s'\u00a0\u202f\u2009]\d{3})+([.,]\d+)?", parts["num"].strip(),
    ):
        return _Shape(valid=False, problem="number.unparseable")  # "12 5" is two numbers, not one
    common = {
        "negative": negative, "scale": scale, "currency": cur_before or cur_after,
        "percent": bool(parts["pct"]), "problem": "number.abbreviated" if scale != 1.0 else None,
    }
    if _INTEGER.match(core):
        return _Shape(valid=True, **common)
    if _DOT_AMBIGUOUS.match(core):
        return _Shape(valid=True, decimal=".", ambiguous=".", **common)
    if _COMMA_AMBIGUOUS.match(core):
        return _Shape(valid=True, decimal=None, ambiguous=",", **common)
    if _DOT_DECIMAL.match(core):
        return _Shape(valid=True, decimal=".", evidence=".", **common)
    if _COMMA_DECIMAL.match(core):
        return _Shape(valid=True, decimal=",", evidence=",", **common)
    if _DOT_GROUPED.match(core):
        return _Shape(valid=True, decimal=None, evidence=",", **common)
    if _COMMA_GROUPED.match(core):
        return _Shape(valid=True, decimal=None, evidence=".", **common)
    return _Shape(valid=False, problem="number.unparseable")


def _flag(problems: np.ndarray | None, rows: np.ndarray, code: str) -> np.ndarray | None:
    """``problems`` (None: no problem yet) with ``code`` on the rows ``rows`` marks; the array of a million
    Nones is made only once some row has a problem. ``problems`` is changed in place when it is an array."""
    if not rows.any():
        return problems
    if problems is None:
        problems = np.full(len(rows), None, dtype=object)
    problems[rows] = code
    return problems


@dataclass
class _Parsed:
    """Numbers read from a column, before they are typed as floats, integers or shares."""

    values: np.ndarray  # float64, NaN where missing or unparseable; this parse's own array (no view of the input)
    problems: np.ndarray | None  # object: None or a problem code per row; None when no row has a problem
    percent: np.ndarray  # bool: the value carried a % sign
    currency: np.ndarray | None  # object: ISO code or None per row; None when no row has one
    notes: list[str] = field(default_factory=list)


def _decide(shapes: list[_Shape], counts: np.ndarray, decimal: str | None) -> tuple[str | None, list[str]]:
    """The column's decimal separator from the shapes' evidence ('.', ',' or None when undecided)."""
    if decimal is not None:
        return decimal, [f"decimal separator '{decimal}' (set by the caller)"]
    dots = sum(int(n) for s, n in zip(shapes, counts, strict=True) if s.evidence == ".")
    commas = sum(int(n) for s, n in zip(shapes, counts, strict=True) if s.evidence == ",")
    ambiguous = sum(int(n) for s, n in zip(shapes, counts, strict=True) if s.ambiguous)
    if dots and commas:
        winner = "." if dots >= commas else ","
        return None, [f"the column mixes decimal separators ({dots} values with '.', {commas} with ','); "
                      f"values such as 1.234 or 1,234 were read with '{winner}' as decimal separator and "
                      "flagged"]
    if dots or commas:
        sep = "." if dots else ","
        return sep, [f"decimal separator '{sep}' (decided from the values)"] if ambiguous else []
    if ambiguous:
        return None, [f"{ambiguous} values such as 1,234 or 1.234 could use either separator and nothing in "
                      "the "
                      "column decides it; read with '.' as decimal separator and flagged"]
    return None, []


def _row_decimal(
    shape: _Shape, column: str | None, *, integer: bool, dots_win: bool,
) -> tuple[str | None, bool]:
    """(decimal separator used for this shape, whether the reading is uncertain)."""
    if not shape.ambiguous:
        return shape.decimal, False
    if column is None:
        if integer:
            return None, True
        sep = "." if dots_win else ","
        return (sep if shape.ambiguous == sep else None), True
    return (column if shape.ambiguous == column else None), False


def _byte_table(extra: str) -> np.ndarray:
    """A 256-entry table marking the ASCII digits and the characters of ``extra``."""
    table = np.zeros(256, dtype=bool)
    table[ord("0"): ord("9") + 1] = True
    for char in extra:
        table[ord(char)] = True
    return table


_DIGITS_AND = {sep: _byte_table(sep) for sep in ("", ".", ",")}


def _only_separators(arr: pa.Array, decimal: str | None, others: frozenset[str]) -> pa.Array | None:
    """The digits and decimal separator of values whose only other characters are ``.`` and ``,``.

    ``others`` are the characters besides digits that occur in ``arr``; None when that is not the case.
    Plain string replacement is several times faster than filtering bytes.
    """
    if not others <= {".", ","}:
        return None
    for char in sorted(others - {decimal}):
        arr = pc.replace_substring(arr, char, "")
    return pc.replace_substring(arr, ",", ".") if decimal == "," and "," in others else arr


def _digits(
    arr: pa.Array, decimal: str | None, *, scientific: bool = False, others: frozenset[str] | None = None,
) -> np.ndarray:
    """Cast values to float after keeping only digits and the decimal separator.

    ``others`` (optional) are the characters other than digits found in ``arr``, known from the shapes.
    """
    fast = None if scientific or others is None else _only_separators(arr, decimal, others)
    if fast is not None:
        kept = fast
    elif scientific:
        kept = pc.replace_substring_regex(arr, r"[^0-9.eE+\-]", "")
        kept = pc.replace_substring_regex(kept, r"^[+\-]", "")
    elif decimal == ",":
        kept = keep_bytes(arr, _DIGITS_AND[","], (ord(","), ord(".")))
    elif decimal == ".":
        kept = keep_bytes(arr, _DIGITS_AND["."])
    else:
        kept = keep_bytes(arr, _DIGITS_AND[""])
    try:
        return pc.cast(kept, pa.float64()).to_numpy(zero_copy_only=False)
    except pa.ArrowInvalid:  # a stray separator in the surrounding text ("1.5 Mio.", "Fr. 5"): value by value
        return np.array([_float(text, decimal) for text in arr.to_pylist()], dtype=np.float64)


_NUMBER_PART = re.compile(r"[.,]?\d(?:[\d.,'\u00a0\u202f\u2009]|\s(?=\d))*")


def _float(text: str | None, decimal: str | None) -> float:
    """The number inside one text (its first run of digits and separators), NaN when there is none."""
    found = _NUMBER_PART.search(text or "")
    if not found:
        return np.nan
    digits = re.sub(r"[^0-9]" if decimal is None else rf"[^0-9{re.escape(decimal)}]", "", found.group())
    try:
        return float(digits.replace(",", ".").rstrip("."))
    except ValueError:
        return np.nan


def _fast(arr: pa.Array, decimal: str | None, *, integer: bool) -> _Parsed | None:
    """Parse a column Arrow can cast as it is (plain numbers); None when some value needs the slow path."""
    try:
        pc.cast(arr.slice(0, 2_000), pa.float64())  # a failing cast can cost as much as a whole good one
        values = pc.cast(arr, pa.float64())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    out = values.to_numpy(zero_copy_only=False)  # with nulls a new array (NaN for null), else Arrow's own
    if not out.flags.writeable:
        out = out.copy()
    n = len(out)
    bad = np.isinf(out)  # not finite and not NaN
    problems = _flag(None, bad, "number.unparseable")
    out[bad] = np.nan
    notes: list[str] = []
    amb = _dot_thousands(arr)
    if amb.any():
        has_dot = pc.fill_null(pc.match_substring(arr, "."), False).to_numpy(zero_copy_only=False)
        scientific = pc.fill_null(pc.match_substring_regex(arr, "[eE]"), False).to_numpy(zero_copy_only=False)
        evidence = (has_dot & ~amb & ~scientific).any()
        column = decimal or ("." if evidence else None)
        if column == "," or (column is None and integer):
            out[amb] = np.round(out[amb] * 1000)
        if column is None:
            problems = _flag(problems, amb, "number.ambiguous")
            notes.append(f"{int(amb.sum())} values such as 1.234 could use either separator and nothing in "
                         "the "
                         "column decides it; read with "
                         + ("'.' as thousands separator" if integer else "'.' as decimal separator")
                         + " and flagged")
    return _Parsed(out, problems, np.zeros(n, dtype=bool), None, notes)


def _dot_thousands(arr: pa.Array) -> np.ndarray:
    """Rows reading like 1.234 (up to three digits, a point, three digits; an optional sign).

    The regular expression runs only on the rows of 5 to 8 bytes with a point fourth from the end.
    """
    offsets, data = string_buffers(arr)
    found = np.zeros(len(arr), dtype=bool)
    lengths = np.diff(offsets)
    rows = np.flatnonzero((lengths >= 5) & (lengths <= 8))
    rows = rows[data[offsets[rows + 1] - 4] == ord(".")] if len(rows) else rows
    if len(rows):
        hits = pc.match_substring_regex(arr.take(pa.array(rows)), r"^[+\-]?[1-9]\d{0,2}\.\d{3}$")
        found[rows] = pc.fill_null(hits, False).to_numpy(zero_copy_only=False)
    return found


def _shapes(arr: pa.Array) -> pa.Array:
    """Each value with its digits replaced by 9 ("€ 12 000,50" -> "€ 99 999,99"), done on the byte buffer."""
    if arr.buffers()[2] is None:
        return arr
    data = np.frombuffer(arr.buffers()[2], dtype=np.uint8)
    nines = data.copy()
    np.putmask(nines, (data >= ord("0")) & (data <= ord("9")), ord("9"))  # twice as fast as a table lookup
    return pa.Array.from_buffers(arr.type, len(arr), [arr.buffers()[0], arr.buffers()[1], pa.py_buffer(nines)],
                                 offset=arr.offset)


def _slow(arr: pa.Array, decimal: str | None, *, integer: bool, weights: np.ndarray | None = None) -> _Parsed:
    """Parse any column by its value shapes (digits replaced by 9), one Python decision per shape.

    ``weights`` counts the rows behind each value when ``arr`` holds a column's distinct values.
    """
    n = len(arr)
    shape_arr = _shapes(arr)
    codes, uniques = encode_arrow(shape_arr)
    shapes = [_read_shape(u) for u in uniques.to_pylist()]
    valid = codes >= 0
    counts = np.bincount(codes[valid], weights=None if weights is None else weights[valid],
                         minlength=len(shapes)).astype(np.int64)
    column, notes = _decide(shapes, counts, decimal)
    dots = sum(int(c) for s, c in zip(shapes, counts, strict=True) if s.evidence == ".")
    commas = sum(int(c) for s, c in zip(shapes, counts, strict=True) if s.evidence == ",")
    plans = [_row_decimal(s, column, integer=integer, dots_win=dots >= commas) for s in shapes]

    # per shape (and one extra slot for missing rows): -1 skip, 0 integer, 1 '.', 2 ',', 3 scientific
    shape_kind = np.array(
        [-1 if not s.valid or s.missing else 3 if s.scientific else {None: 0, ".": 1, ",": 2}[p[0]]
         for s, p in zip(shapes, plans, strict=True)] + [-1], dtype=np.int8)
    shape_problem = np.array(
        [("number.ambiguous" if p[1] else s.problem) for s, p in zip(shapes, plans, strict=True)] + [None],
        dtype=object)
    shape_factor = np.array([(-1.0 if s.negative else 1.0) * s.scale for s in shapes] + [1.0])
    kind = shape_kind[codes]
    problems = shape_problem[codes] if any(p is not None for p in shape_problem) else None
    percent = np.array([s.percent for s in shapes] + [False], dtype=bool)[codes]
    if any(s.currency for s in shapes):
        currency = np.array([s.currency for s in shapes] + [None], dtype=object)[codes]
    else:
        currency = None
    shape_texts = uniques.to_pylist()
    per_kind = np.bincount(kind.astype(np.intp) + 1, minlength=5)  # rows of each kind, -1 (skip) first
    values = None if n and per_kind[1:].max() == n else np.full(n, np.nan)  # None: one kind on every row
    for k, sep in ((0, None), (1, "."), (2, ","), (3, "sci")):
        if per_kind[k + 1]:
            rows = None if values is None else np.flatnonzero(kind == k)
            part = arr if rows is None else arr.take(pa.array(rows))
            others = frozenset("".join(t for t, j in zip(shape_texts, shape_kind, strict=False) if j == k)) - {"9"}
            numbers = _digits(part, None if sep == "sci" else sep, scientific=sep == "sci", others=others)
            if rows is None:
                values = np.array(numbers, dtype=np.float64)  # a copy of its own (Arrow's numbers are read-only)
            else:
                values[rows] = numbers
    if (shape_factor != 1.0).any():  # a sign or a scale (multiplying by 1 changes no number)
        values *= shape_factor[codes]
    problems = _flag(problems, (kind >= 0) & np.isnan(values), "number.unparseable")
    return _Parsed(values, problems, percent, currency, notes)


def _read(values: pd.Series, decimal: str | None = None, *, integer: bool = False) -> _Parsed:
    """Read a column of text (or of Python numbers, for OCDS) into floats with per-row problems."""
    if values.dtype == object:
        return _read_objects(values, decimal, integer=integer)
    if pd.api.types.is_numeric_dtype(values.dtype) and not pd.api.types.is_bool_dtype(values.dtype):
        out = values.astype("Float64").to_numpy(dtype=np.float64, na_value=np.nan, copy=True)
        infinite = np.isinf(out)
        out[infinite] = np.nan
        return _Parsed(out, _flag(None, infinite, "number.unparseable"), np.zeros(len(out), dtype=bool), None)
    arr = as_arrow_text(values)
    trimmed = pc.utf8_trim_whitespace(arr) if may_need_trim(arr) else arr
    empty = pc.equal(pc.binary_length(trimmed), 0)
    if pc.any(empty).as_py():
        trimmed = pc.if_else(empty, pa.scalar(None, trimmed.type), trimmed)
    return _fast(trimmed, decimal, integer=integer) or _slow_distinct(trimmed, decimal, integer=integer)


def _slow_distinct(arr: pa.Array, decimal: str | None, *, integer: bool) -> _Parsed:
    """Run the slow path on distinct values when a column repeats itself (checked on a sample)."""
    sample = arr.slice(0, 20_000)
    if len(arr) < 50_000 or len(pc.unique(sample)) * 3 > len(sample):
        return _slow(arr, decimal, integer=integer)
    codes, uniques = encode_arrow(arr)
    weights = np.bincount(codes[codes >= 0], minlength=len(uniques))
    parsed = _slow(uniques.cast(pa.large_string()), decimal, integer=integer, weights=weights)
    slots = np.where(codes < 0, len(uniques), codes)

    def take(per_unique: np.ndarray, missing: object) -> np.ndarray:
        """Per-row values from per-distinct values."""
        return np.append(per_unique, np.array([missing], dtype=per_unique.dtype))[slots]

    currency = None if parsed.currency is None else take(parsed.currency, None)
    problems = None if parsed.problems is None else take(parsed.problems, None)
    return _Parsed(take(parsed.values, np.nan), problems, take(parsed.percent, False), currency, parsed.notes)


_PLAIN_NUMBERS = frozenset({int, float, type(None)})


def _read_objects(values: pd.Series, decimal: str | None, *, integer: bool) -> _Parsed:
    """Read an object column: Python numbers are taken as they are, anything else as text."""
    obj = values.to_numpy(dtype=object)
    if set(map(type, obj)) <= _PLAIN_NUMBERS:  # OCDS amounts and counts: no text to read, no Python loop
        is_number = obj != None  # noqa: E711 (element-wise)
        parsed = _Parsed(np.full(len(obj), np.nan), None, np.zeros(len(obj), dtype=bool), None)
    else:
        is_number = np.array([isinstance(v, int | float | np.number) and not isinstance(v, bool | np.bool_)
                              for v in obj], dtype=bool)
        text_part = pd.Series(
            [None if is_number[i] or obj[i] is None or (isinstance(obj[i], float) and np.isnan(obj[i]))
             else str(obj[i]) for i in range(len(obj))], dtype="string")
        parsed = _read(text_part, decimal, integer=integer)
    if is_number.any():
        numbers = obj[is_number].astype(np.float64)  # float() of each, as the loop gave
        infinite = np.isinf(numbers)  # a JSON Infinity or 1e400: no number to keep
        parsed.values[is_number] = np.where(infinite, np.nan, numbers)
        if infinite.any():
            rows = np.zeros(len(obj), dtype=bool)
            rows[is_number] = infinite
            parsed.problems = _flag(parsed.problems, rows, "number.unparseable")
    return parsed


def _hint(parsed: _Parsed, index: pd.Index) -> dict[str, pd.Series]:
    """The currency-hint extra, present only when some value named a currency."""
    if parsed.currency is None:
        return {}
    return {"currency_hint": text_series(parsed.currency, index)}


def _float_array(numbers: np.ndarray) -> pd.arrays.FloatingArray:
    """Float64 values with NaN as missing, taking over ``numbers`` (an array the caller no longer uses).

    The same array as ``pd.array(numbers, dtype="Float64")`` (which copies the numbers first) with NaN set
    to missing (which copies them again).
    """
    return pd.arrays.FloatingArray(numbers, np.isnan(numbers))


def parse_numbers(values: pd.Series, *, decimal: str | None = None, computed: bool = False) -> Normalised:
    """Read amounts and other decimals into Float64; ``decimal`` forces the decimal separator.

    An infinite value is left empty with ``number.unparseable``; with ``computed`` (a column procrisk derives,
    such as the OCDS reader's runner_up_price_gap, infinite for a zero winning bid as Cardinal's x/0 gives) it
    is left empty without an issue: the rules read it as no comparable value.
    """
    parsed = _read(values, decimal)
    out = pd.Series(_float_array(parsed.values), index=values.index)
    problems = problem_series(None if computed else parsed.problems, values.index)
    return Normalised(out, problems, parsed.notes, _hint(parsed, values.index))


_LARGEST_COUNT = 2.0**53  # the largest whole number a float64 holds exactly (Int64 holds more, but it is read as one)


def parse_ints(values: pd.Series) -> Normalised:
    """Read counts into Int64: "3", "3.0", "1,200" and "1.200" (grouped) are whole numbers; "2.5" is not."""
    parsed = _read(values, integer=True)
    numbers = parsed.values
    rounded = np.round(numbers)
    fractional = np.abs(numbers - rounded) > 1e-9  # False where missing (NaN); infinities were made NaN
    problems = _flag(parsed.problems, fractional, "number.not_integer")
    too_large = np.abs(rounded) > _LARGEST_COUNT  # False where missing (NaN)
    problems = _flag(problems, too_large, "number.out_of_range")
    rounded[fractional | too_large] = np.nan
    out = pd.Series(_float_array(rounded), index=values.index).astype("Int64")
    return Normalised(out, problem_series(problems, values.index), parsed.notes, _hint(parsed, values.index))


def parse_shares(values: pd.Series) -> Normalised:
    """Read proportions into Float64 0..1: "35 %", "35%" and 35 are 0.35; so is 0.35 in a column of fractions.

    Per column: when no value has a % sign and every value is <= 1, values are fractions; otherwise values
    are percentages (divided by 100). In a column where some values carry a % sign, a bare value of at most 1
    is a fraction (an Excel percent-formatted cell); in a column without % signs it is flagged
    ``share.ambiguous`` and read as a percentage.
    Values above 100 % or below 0 are dropped with ``share.out_of_range``.
    """
    parsed = _read(values)
    numbers = parsed.values  # made for this call: changed in place
    problems = parsed.problems
    present = ~np.isnan(numbers)
    notes = list(parsed.notes)
    percent_scale = parsed.percent.any() or bool((numbers[present] > 1).any())
    if percent_scale:
        small = present & ~parsed.percent & (numbers > 0) & (numbers <= 1)
        if parsed.percent.any():
            # typed "35 %" beside Excel percent-formatted cells, which arrive as fractions (0.35): a bare value
            # of at most 1 is that fraction
            numbers = np.where(small, numbers, numbers / 100)
            notes.append("shares read as percentages (35 % -> 0.35); bare values of at most 1 as fractions")
        else:
            unflagged = small if problems is None else small & (problems == None)  # noqa: E711 (element-wise)
            problems = _flag(problems, unflagged, "share.ambiguous")
            numbers = numbers / 100
            notes.append("shares read as percentages (35 -> 0.35)")
    elif present.any():
        notes.append("shares read as fractions (every value is between 0 and 1 and none has a % sign)")
    out_of_range = present & ((numbers > 1 + 1e-12) | (numbers < 0))
    problems = _flag(problems, out_of_range, "share.out_of_range")
    numbers[out_of_range] = np.nan
    out = pd.Series(_float_array(numbers), index=values.index)
    return Normalised(out, problem_series(problems, values.index), notes)
