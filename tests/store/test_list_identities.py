"""List columns convert to Arrow by object identity: the pointer read gives what id() gives, and the lists."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from procrisk.schema.arrow import table_schema
from procrisk.store.workspace import _identities, _list_array


def test_identities_are_the_ids() -> None:
    shared, other = ["Acme Ltd", "Beta GmbH"], ["Gamma SA"]
    values = np.empty(1000, dtype=object)
    for i in range(1000):
        values[i] = [shared, other, None, "x", float("nan")][i % 5]
    assert _identities(values).tolist() == [id(v) for v in values]
    assert _identities(np.empty(0, dtype=object)).tolist() == []


def test_list_column_matches_per_row_conversion() -> None:
    shared, other = ["Acme Ltd", "Beta GmbH"], ["Gamma SA"]
    cells = [shared, None, other, shared, ["Acme Ltd", "Beta GmbH"], [], np.nan, other] * 50
    series = pd.Series(cells, dtype=object)
    field = table_schema("contracts").field("subcontractors")
    expected = pa.array([v if isinstance(v, list) else None for v in cells], type=field.type)
    assert _list_array(series, field).equals(expected)
    sliced = series.iloc[3:200]  # a view that does not start at the first element
    assert _list_array(sliced, field).equals(expected.slice(3, 197))
