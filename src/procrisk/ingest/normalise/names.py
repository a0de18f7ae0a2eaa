"""Supplier name keys: one key for the spellings of one company ("ACME Ltd", "Acme Limited", "Acme Ltd (UK)").

The key is case- and accent-folded, & is read as "and", dots and apostrophes are dropped ("S.A." -> "sa",
"O'Neill" -> "oneill"), other punctuation becomes a space, short bracketed country or form tags such as
"(UK)" or "(Pty)" are dropped, and legal forms at the end of the name (Ltd, PLC, LLC, Inc, GmbH, S.A. de C.V.,
S.p.A., B.V., Pty Ltd, Oy, A/S, ...) are removed. Distinct names are keyed once with Arrow string kernels.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from procrisk.ingest.normalise.legal_forms import TRAILING_FORMS
from procrisk.ingest.normalise.series import STRING, arrow_chunks, distinct, encode_arrow, string_buffers

_WORD_BYTES = np.zeros(256, dtype=bool)  # ASCII letters, digits and the space
_WORD_BYTES[[*b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 "]] = True


def _plain_words(arr: pa.Array) -> bool:
    """Whether every name is ASCII letters and digits with no two spaces in a row ("Supplier 42 Ltd").

    Accents, brackets, "&", "a/s", punctuation and runs of other characters are then absent: the steps for
    them would leave the lowercased names as they are. (Checked on the bytes; two spaces across the end of
    one name and the start of the next only send the names the general way.)
    """
    offsets, data = string_buffers(arr)
    names = data[offsets[0]:offsets[-1]]
    return bool(_WORD_BYTES[names].all()) and not ((names[:-1] == 0x20) & (names[1:] == 0x20)).any()


def _key_array(arr: pa.Array) -> pa.Array:
    """Name keys for an Arrow string array of names."""
    if _plain_words(arr):
        text = pc.utf8_lower(arr)
    else:
        text = pc.utf8_normalize(arr, "NFKD")
        text = pc.replace_substring_regex(text, r"\p{Mn}+", "")
        text = pc.replace_substring(pc.utf8_lower(text), "ß", "ss")
        text = pc.replace_substring_regex(text, r"\(\s*[a-z.]{1,5}\s*\)", " ")  # (UK), (U.K.), (Pty), (USA)
        text = pc.replace_substring(text, "&", " and ")
        text = pc.replace_substring(text, "a/s", "as")
        text = pc.replace_substring_regex(text, r"[.'’`´]", "")
        text = pc.replace_substring_regex(text, r"[^\p{L}\p{N}]+", " ")
    text = pc.utf8_trim_whitespace(text)
    stripped = pc.utf8_trim_whitespace(pc.replace_substring_regex(pc.binary_join_element_wise(
        pa.scalar(" ", text.type), text, pa.scalar("", text.type)), TRAILING_FORMS, ""))
    keep = pc.greater(pc.utf8_length(stripped), 0)
    text = pc.if_else(keep, stripped, text)
    return pc.if_else(pc.equal(pc.utf8_length(text), 0), pa.scalar(None, text.type), text)


def name_key(values: pd.Series) -> pd.Series:
    """The grouping key of each supplier name (string dtype; missing where the name is missing)."""
    chunks = arrow_chunks(values)
    if chunks is not None:  # Arrow text: key the dictionary as it is, without a detour through Python strings
        codes, dictionary = encode_arrow(chunks)
        keys = _key_array(dictionary.cast(pa.large_string()))
    else:
        codes, uniques = distinct(values)
        keys = _key_array(pa.array([str(u) for u in uniques], type=pa.large_string()))
    taken = keys.take(pa.array(codes, mask=codes < 0))
    return pd.Series(pd.arrays.ArrowStringArray(taken), index=values.index, dtype=STRING)
