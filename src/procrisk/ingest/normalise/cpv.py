"""CPV 2008 codes ("03000000-1", "3000000", "03000000 - 1", "03000000-1 Agricultural products") and the
classification scheme beside them (CPV, UNSPSC, NAICS or another scheme kept as given).

Check digits are validated by lookup in the CPV 2008 list (see ``procrisk.reference.cpv``: no arithmetic
check-digit rule fits every published code). A known code with a wrong check digit is corrected and flagged
``cpv.check_digit``; a code that is not in the list is kept as given and flagged ``cpv.unknown``.
"""

from __future__ import annotations

import re
import unicodedata

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from procrisk.ingest.normalise.result import Normalised
from procrisk.ingest.normalise.series import (
    STRING,
    arrow_chunks,
    as_arrow_text,
    dictionary_text_series,
    distinct,
    distinct_problems,
    is_missing_token,
    text_dictionary,
)
from procrisk.reference import cpv

_CODE = re.compile(
    r"^(?P<stem>\d{7,8})(?:\.0)?(?:\s*-\s*(?P<check>\d)(?!\d))?(?:(?:\s*[-–:]\s*|\s+)(?P<text>\D.*))?$",
)
_SCHEMES = {
    "cpv": "CPV", "cpv2008": "CPV", "cpv 2008": "CPV", "common procurement vocabulary": "CPV",
    "unspsc": "UNSPSC", "naics": "NAICS", "cpc": "CPC", "gsin": "GSIN", "oecd": "OECD", "hs": "HS",
    "cucop": "CUCoP",
}
_SEP = "\x1f"  # joins a scheme and a code into one key


def normalise_scheme(text: str | None) -> str | None:
    """A scheme name in canonical spelling (CPV, UNSPSC, NAICS, ...) or as given, trimmed; None if empty."""
    if text is None:
        return None
    trimmed = " ".join(str(text).split())
    if not trimmed or is_missing_token(trimmed):
        return None
    folded = unicodedata.normalize("NFKD", trimmed).casefold().replace("-", " ").replace("_", " ")
    return _SCHEMES.get(folded, _SCHEMES.get(folded.replace(" ", ""), trimmed))


def read_cpv(text: str) -> tuple[str | None, str | None, str | None, bool]:
    """One CPV cell to (code, problem, division, looks like CPV). Unknown codes are kept as given."""
    trimmed = " ".join(text.split())
    match = _CODE.match(trimmed)
    if not match:
        return trimmed, "cpv.unknown", None, False
    stem = match["stem"].zfill(8)
    entry = cpv.get(stem)
    if entry is None:
        given = f"{stem}-{match['check']}" if match["check"] else stem
        return given, "cpv.unknown", None, bool(match["check"])
    if match["check"] and match["check"] != entry.check_digit:
        return entry.code, "cpv.check_digit", entry.division, True
    return entry.code, None, entry.division, True


def parse_cpv(values: pd.Series) -> Normalised:
    """Validate a column of CPV codes; ``extra["cpv_division"]`` holds the two-digit division."""
    return normalise_classification(values, pd.Series("CPV", index=values.index, dtype="string"))


def _keys(codes: pd.Series, schemes: pd.Series | None) -> pd.Series:
    """One text key per row joining the normalised scheme and the code, so pairs are parsed once."""
    code_arr = as_arrow_text(codes)
    if schemes is None:
        scheme_arr = pa.nulls(len(codes), pa.large_string())
    else:
        scheme_codes, scheme_uniques = distinct(schemes)
        table = pa.array([normalise_scheme(s) for s in scheme_uniques], type=pa.large_string())
        scheme_arr = table.take(pa.array(scheme_codes, mask=scheme_codes < 0))
    joined = pc.binary_join_element_wise(pc.fill_null(scheme_arr, ""),
                                         pc.fill_null(code_arr.cast(pa.large_string()), ""),
                                         pa.scalar(_SEP, pa.large_string()))
    return pd.Series(pd.arrays.ArrowStringArray(joined), index=codes.index)


def _read_pair(key: str) -> tuple[str | None, str | None, str | None, str | None, bool]:
    """(code, scheme, problem, division, scheme inferred) for one 'scheme<SEP>code' key."""
    scheme, _, code = key.partition(_SEP)
    code = " ".join(code.split())
    if not code or is_missing_token(code):
        return None, scheme or None, None, None, False
    if scheme == "CPV":
        value, problem, division, _ = read_cpv(code)
        return value, scheme, problem, division, False
    if scheme:
        return code, scheme, None, None, False
    value, problem, division, looks = read_cpv(code)
    if looks:
        return value, "CPV", problem, division, True
    return code, None, None, None, False


def normalise_classification(codes: pd.Series, schemes: pd.Series | None) -> Normalised:
    """Validate CPV rows, keep other schemes' codes as given (trimmed), infer CPV where no scheme is given.

    A row with no scheme is CPV when its code is in the CPV list or is written with a dash and check digit
    ("12345678-9"). Extras: ``scheme`` (canonical scheme name) and ``cpv_division`` (two digits, CPV only).
    """
    if schemes is None and arrow_chunks(codes) is not None:  # one key per distinct code, not per row
        row_codes, code_uniques = distinct(codes)
        keys = _keys(pd.Series(code_uniques, dtype=STRING), None)
        key_codes, uniques = distinct(keys)
        row_codes = np.append(np.asarray(key_codes, dtype=np.int64), -1)[row_codes]
        if (row_codes < 0).any():  # a missing code reads as an empty one, as the joined key would
            row_codes = np.where(row_codes < 0, len(uniques), row_codes)
            uniques = [*uniques, _SEP]
    else:
        row_codes, uniques = distinct(_keys(codes, schemes))
    parsed = [_read_pair(k) for k in uniques]
    index = codes.index
    dictionaries = {"values": text_dictionary([p[0] for p in parsed], row_codes),
                    "scheme": text_dictionary([p[1] for p in parsed], row_codes),
                    "cpv_division": text_dictionary([p[3] for p in parsed], row_codes)}
    texts = {name: dictionary_text_series(dictionary, index) for name, dictionary in dictionaries.items()}
    notes: list[str] = []
    if any(p[4] for p in parsed):
        notes.append("classification scheme CPV inferred from the codes where no scheme was given")
    return Normalised(texts.pop("values"), distinct_problems([p[2] for p in parsed], row_codes, index), notes, texts,
                      dictionaries)
