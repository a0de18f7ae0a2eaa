"""The fast engine path equals a plain reference on realistic data: outcome matrix, thresholds, supplier rows.

Fast: Parquet files read in small batches one ahead, low-cardinality text as categoricals, Arrow-backed strings
and lists, batches evaluated on two threads, R024/R058 fitted on one shared subset, supplier outcomes gathered
per batch. Reference: every rule evaluated at once on the same rows as plain Python objects (the checks'
general paths), in one thread, and the inherited supplier outcomes looked up row by row in Python.
"""

from __future__ import annotations

import importlib.util
import json
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.dataset as ds
import pytest

from helpers import ROOT
from procrisk.rules import ParquetSource, evaluate_frame, evaluate_table, load_catalogue
from procrisk.rules.outcomes import NOT_ASSESSED

AS_OF = date(2025, 6, 30)


def _bench():
    """bench/score.py, whose generator writes realistic contracts and suppliers (every column the rules read)."""
    spec = importlib.util.spec_from_file_location("bench_score", ROOT / "bench" / "score.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _generated(factory: pytest.TempPathFactory, name: str, rows: int, suppliers: int, files: int) -> Path:
    """The tables folder of a fresh bench dataset of this size."""
    folder = factory.mktemp(name)
    _bench().generate(folder, rows, suppliers, files=files)
    return folder / "tables"


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _generated(tmp_path_factory, "realistic", 6_000, 450, files=3)


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue()


def _plain(folder: Path) -> pd.DataFrame:
    """Every row as plain Python objects (None for missing), as a hand-built frame would hold them."""
    frame = ds.dataset(folder, format="parquet").to_table().to_pandas(date_as_object=True)
    return frame.astype(object).where(frame.notna(), None)


def _reference_inherit(contracts: pd.DataFrame, suppliers: pd.DataFrame, sup_values: np.ndarray) -> tuple:
    """Supplier row of each contract (by id, else name key, first match) and the outcomes it inherits."""
    first: dict[str, dict] = {"supplier_id": {}, "supplier_name_key": {}}
    for key, table in first.items():
        for pos, value in enumerate(suppliers[key]):
            if value is not None:
                table.setdefault(str(value), pos)
    rows = []
    for sid, name in zip(contracts["supplier_id"], contracts["supplier_name_key"], strict=True):
        pos = first["supplier_id"].get(str(sid)) if sid is not None else None
        if pos is None and name is not None:
            pos = first["supplier_name_key"].get(str(name))
        rows.append(-1 if pos is None else pos)
    rows = np.array(rows, dtype=np.int64)
    inherited = np.where((rows >= 0)[:, None], sup_values[np.maximum(rows, 0)], NOT_ASSESSED).astype(np.int8)
    return rows, inherited


def test_batched_threaded_parquet_path_equals_the_plain_reference(data, catalogue):
    suppliers = evaluate_table(catalogue, ParquetSource(data / "suppliers"), scope="supplier", as_of=AS_OF,
                               batch_size=97, workers=2)
    fast = evaluate_table(catalogue, ParquetSource(data / "contracts"), scope="contract", suppliers=suppliers,
                          as_of=AS_OF, batch_size=700, workers=2)
    own = [r for r in catalogue.rules if r.scope == "contract"]
    supplier_rules = [r for r in catalogue.rules if r.scope == "supplier"]
    plain_suppliers = _plain(data / "suppliers")
    sup_values, _ = evaluate_frame(supplier_rules, plain_suppliers, as_of=AS_OF)
    assert np.array_equal(suppliers.values, sup_values)
    plain = _plain(data / "contracts")
    values, meta = evaluate_frame(own, plain, as_of=AS_OF)
    assert np.array_equal(fast.values[:, :len(own)], values)
    assert json.dumps(fast.meta, sort_keys=True) == json.dumps(meta, sort_keys=True)
    assert set(meta) == {"R024", "R058", "DD13"} and meta["R024"]["n"] > 1000
    rows, inherited = _reference_inherit(plain, plain_suppliers, sup_values)
    assert np.array_equal(fast.supplier_rows, rows)
    assert np.array_equal(fast.values[:, len(own):], inherited)
    assert (rows >= 0).mean() > 0.3 and (rows < 0).mean() > 0.05  # both linked and unlinked contracts
    assert set(np.unique(fast.values)) == {-2, -1, 0, 1}


@pytest.mark.parametrize(("batch_size", "workers"), [(10_000, 1), (1_000, 2), (333, 3)])
def test_batches_and_workers_change_nothing(data, catalogue, batch_size, workers):
    suppliers = evaluate_table(catalogue, ParquetSource(data / "suppliers"), scope="supplier", as_of=AS_OF)
    reference = evaluate_table(catalogue, ParquetSource(data / "contracts"), scope="contract", suppliers=suppliers,
                               as_of=AS_OF, batch_size=10_000, workers=1)
    other = evaluate_table(catalogue, ParquetSource(data / "contracts"), scope="contract", suppliers=suppliers,
                           as_of=AS_OF, batch_size=batch_size, workers=workers)
    assert np.array_equal(other.values, reference.values)
    assert other.meta == reference.meta
    pd.testing.assert_frame_equal(other.keys, reference.keys)


def test_a_failing_fit_read_leaves_no_reader_thread(data, catalogue):
    import threading

    class FailingRead(ParquetSource):
        def read(self, columns):
            raise OSError("fit pass failed")

    with pytest.raises(OSError, match="fit pass failed"):
        evaluate_table(catalogue, FailingRead(data / "contracts"), scope="contract", as_of=AS_OF, batch_size=500)
    assert not [t for t in threading.enumerate() if t.name == "procrisk-batch-reader"]


def _plain_source(folder: Path) -> ParquetSource:
    """A ParquetSource that reads every text column as plain strings (no dictionary-encoded columns beyond kinds)."""
    source = ParquetSource(folder)
    source._batch_dataset = source.dataset
    source._compact = frozenset()
    source.categorical_text = frozenset()
    return source


@pytest.fixture(scope="module")
def repeated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Contracts whose supplier names repeat enough that Parquet keeps them dictionary-encoded."""
    return _generated(tmp_path_factory, "repeated", 24_000, 300, files=2)


def test_dictionary_pages_read_as_dictionaries_change_nothing(repeated, catalogue):
    data = repeated
    source = ParquetSource(data / "contracts")
    assert {"description", "supplier_name"} <= source.categorical_text  # repeated text, stored as dictionaries
    assert {"supplier_id", "supplier_name_key"} <= source._compact - source.categorical_text  # ids, given as text
    assert not {"title", "contract_id", "ocid"} & source._compact  # mostly distinct: plain pages
    frame = next(source.batches(["description", "supplier_id", "supplier_name", "title"], 10_000))
    assert isinstance(frame["description"].dtype, pd.CategoricalDtype)
    assert frame["supplier_id"].dtype == frame["title"].dtype == "str"
    names = [next(source.batches(["supplier_name"], size))["supplier_name"].dtype for size in (200, 10_000)]
    assert names[0] == "str" and isinstance(names[1], pd.CategoricalDtype)  # many names per row, then few
    suppliers = evaluate_table(catalogue, ParquetSource(data / "suppliers"), scope="supplier", as_of=AS_OF)
    plain = evaluate_table(catalogue, _plain_source(data / "contracts"), scope="contract", suppliers=suppliers,
                           as_of=AS_OF, batch_size=1_000, workers=2)
    for batch_size in (1_000, 5_000):  # supplier names decoded in the batches, then carried as categoricals
        fast = evaluate_table(catalogue, source, scope="contract", suppliers=suppliers, as_of=AS_OF,
                              batch_size=batch_size, workers=2)
        assert np.array_equal(fast.values, plain.values)
        assert fast.meta == plain.meta
        assert np.array_equal(fast.supplier_rows, plain.supplier_rows)
        pd.testing.assert_frame_equal(fast.keys, plain.keys)  # carried names come back as plain text


def test_plain_pages_or_an_empty_dataset_are_read_as_strings(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    from procrisk.rules.sources import compact_text_columns

    n = 5_000
    table = pa.table({"description": [f"unique text number {i}" for i in range(n)],
                      "title": ["same"] * n, "supplier_id": [None] * n})
    pq.write_table(table, tmp_path / "plain.parquet", use_dictionary=["title"])
    dataset = ds.dataset(tmp_path / "plain.parquet")
    assert compact_text_columns(dataset, ["description", "title"]) == {"title"}  # no dictionary page: plain
    pq.write_table(table.slice(0, 0), tmp_path / "empty.parquet")
    assert compact_text_columns(ds.dataset(tmp_path / "empty.parquet"), ["title"]) == frozenset()


@pytest.mark.parametrize("seed", range(5))
def test_booleans_unpacked_with_numpy_equal_pandas_conversion(seed):
    import pyarrow as pa

    from procrisk.rules.sources import boolean_from_arrow

    rng = np.random.default_rng(seed)
    chunks = []
    for _ in range(int(rng.integers(0, 6))):
        n = int(rng.integers(0, 300))
        values = rng.random(n) < 0.5
        mask = rng.random(n) < (0.0 if seed == 1 else 0.3)
        start = int(rng.integers(0, max(n, 1)))
        chunks.append(pa.array(values, mask=mask, type=pa.bool_()).slice(start))  # offsets that are not whole bytes
    column = pa.chunked_array(chunks, type=pa.bool_())
    expected = pd.BooleanDtype().__from_arrow__(column)
    got = boolean_from_arrow(column)
    assert got.equals(expected)
    assert np.array_equal(got._mask, expected._mask) and np.array_equal(got._data, expected._data)


@pytest.mark.parametrize("seed", range(3))
def test_first_row_of_each_ocid_equals_the_sorting_reference(seed):
    from procrisk.rules.custom._ocp import first_of_each

    rng = np.random.default_rng(seed)
    for _ in range(200):
        n = int(rng.integers(0, 60))
        codes, _ = pd.factorize(rng.integers(0, 9, n))  # order of appearance
        codes = np.where(rng.random(n) < 0.2, -1, codes)  # no ocid
        for case in (codes, codes[rng.random(n) < 0.6], rng.integers(-1, 6, n)):  # a subset; any order
            expected = case < 0
            _, first = np.unique(case, return_index=True)
            expected[first] = True
            assert np.array_equal(first_of_each(case), expected)
