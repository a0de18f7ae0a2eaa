"""Free text and codes: trim, collapse inner whitespace, drop zero-width and control characters, NFC."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from procrisk.ingest.normalise.result import Normalised
from procrisk.ingest.normalise.series import STRING, as_arrow_text, problem_series

# Zero-width and other format characters (Cf) go; control characters (Cc, tabs and new lines included)
# and odd spaces become one plain space.
_INVISIBLE = r"[\p{Cf}]"
_SPACES = r"[\p{Cc}\p{Z}\s]+"
_NEEDS_WORK = r"[\p{Cf}\p{Cc}\x{00A0}\x{2000}-\x{200B}\x{202F}\x{205F}\x{3000}]|\s\s|^\s|\s$"


def clean_text_array(arr: pa.Array) -> pa.Array:
    """Clean an Arrow string array; only the values that need it pass through the regex kernels."""
    result = arr
    if not pc.all(pc.string_is_ascii(arr), skip_nulls=True).as_py():
        result = pc.utf8_normalize(result, "NFC")
    dirty = pc.match_substring_regex(result, _NEEDS_WORK)
    if pc.any(dirty, skip_nulls=True).as_py():
        fixed = pc.replace_substring_regex(result, _INVISIBLE, "")
        fixed = pc.utf8_trim_whitespace(pc.replace_substring_regex(fixed, _SPACES, " "))
        result = pc.if_else(dirty, fixed, result)
    empty = pc.equal(pc.utf8_length(result), 0)
    return pc.if_else(empty, pa.scalar(None, pa.string()), result)


def clean_text(values: pd.Series) -> Normalised:
    """Normalise a text or code column (never a problem: text is kept as given, only tidied)."""
    cleaned = clean_text_array(as_arrow_text(values))
    out = pd.Series(cleaned.to_pandas(types_mapper={pa.string(): STRING}.get), dtype=STRING)
    out.index = values.index
    return Normalised(out, problem_series(None, values.index), [])
