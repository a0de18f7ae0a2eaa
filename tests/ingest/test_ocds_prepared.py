"""The pipeline makes the same typed tables, quarantine and issues of OCDS inputs as before the speed work."""

from __future__ import annotations

import json
import math
from pathlib import Path

from ingest.ocds_prepared_snapshot import PREPARED_GOLDEN, compute
from ingest.ocds_snapshot import differing
from procrisk.ingest.ocds.tables import object_json


def test_prepared_ocds_output_is_unchanged_on_every_real_and_messy_input(tmp_path: Path) -> None:
    """Every stored cell (with its dtype), quarantined row, issue, note and count equals the old digest."""
    differ = differing(PREPARED_GOLDEN, compute(tmp_path))
    assert not differ, f"prepare_file output changed (or an input came or went) for {differ}"


def test_object_json_writes_what_json_dumps_writes() -> None:
    """The extras text is json.dumps's (sorted keys, non-ASCII kept, NaN and big numbers as json writes them)."""
    values = [
        {"b": 1.5, "a": "é/\u2028\x00\"\\", "c": [1, None, True, {"z": math.nan, "y": math.inf}]},
        {"k": -math.inf, "n": 10**30, "f": 1e16, "g": 0.1, "h": -0.0, "s": "\ud800"},
        {"roles": ["supplier", "tenderer"], "ocds_file": "a.json"},
    ]
    for value in values:
        assert object_json(value) == json.dumps(value, ensure_ascii=False, sort_keys=True)
    assert object_json({}) is None
    assert object_json(None) is None
    assert object_json("text") is None


def test_text_columns_go_to_the_normalisers_as_arrow_strings_and_the_rest_as_they_are() -> None:
    """Only columns of text and None change dtype; numbers, lists, dicts and lone surrogates stay objects."""
    import pandas as pd

    from procrisk.ingest.ocds.tables import text_as_arrow

    frame = pd.DataFrame({
        "title": pd.Series(["a", None, "é"], dtype=object), "amount": pd.Series([1, "2", None], dtype=object),
        "nan": pd.Series(["x", math.nan, None], dtype=object), "ids": pd.Series([["x"], None, []], dtype=object),
        "odd": pd.Series(["\ud800", "b", None], dtype=object), "extras": pd.Series(["x", "y", "z"], dtype=object),
    })
    out = text_as_arrow(frame)
    assert list(out.columns) == list(frame.columns)
    assert [str(out[c].dtype) for c in out.columns] == ["string", "object", "object", "object", "object", "object"]
    assert out["title"].tolist() == ["a", pd.NA, "é"]
    for name in ("amount", "nan", "ids", "odd", "extras"):
        assert out[name] is frame[name] or out[name].equals(frame[name])
