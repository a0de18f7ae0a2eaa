"""Conversion to the stored Arrow types: list columns by object identity (the pointer read gives id()), threads."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from procrisk.arrays import object_pointers
from procrisk.schema.arrow import table_schema
from procrisk.store.workspace import _list_array


def test_identities_are_the_ids() -> None:
    shared, other = ["Acme Ltd", "Beta GmbH"], ["Gamma SA"]
    values = np.empty(1000, dtype=object)
    for i in range(1000):
        values[i] = [shared, other, None, "x", float("nan")][i % 5]
    assert object_pointers(values).tolist() == [id(v) for v in values]
    assert object_pointers(np.empty(0, dtype=object)).tolist() == []


def test_list_column_matches_per_row_conversion() -> None:
    shared, other = ["Acme Ltd", "Beta GmbH"], ["Gamma SA"]
    cells = [shared, None, other, shared, ["Acme Ltd", "Beta GmbH"], [], np.nan, other, pd.NA] * 50
    series = pd.Series(cells, dtype=object)
    field = table_schema("contracts").field("subcontractors")
    expected = pa.array([v if isinstance(v, list) else None for v in cells], type=field.type)
    assert _list_array(series, field).equals(expected)
    sliced = series.iloc[3:200]  # a view that does not start at the first element
    assert _list_array(sliced, field).equals(expected.slice(3, 197))


def test_threaded_conversion_equals_one_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    from procrisk import api
    from procrisk.store import workspace

    real = Path(__file__).parents[1] / "fixtures" / "real" / "tabular" / "toronto-bids-awarded-contracts.csv"
    frame = api.validate_file(real).tables["contracts"].assign(batch_id="000001-abc")
    schema = table_schema("contracts")
    one = workspace.to_arrow(frame, schema)
    monkeypatch.setattr(workspace, "_PARALLEL_ROWS", 1)
    monkeypatch.setenv("PROCRISK_WORKERS", "2")
    assert workspace.to_arrow(frame, schema).equals(one)
