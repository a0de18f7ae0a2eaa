"""Parquet written in parallel parts is the file one writer gives with that row-group size, byte for byte."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest

from procrisk import api
from procrisk.schema.arrow import table_schema
from procrisk.store import Workspace, parquet_parts
from procrisk.store.workspace import dictionary_columns, to_arrow

REAL = Path(__file__).parents[1] / "fixtures" / "real" / "tabular" / "toronto-bids-awarded-contracts.csv"


@pytest.fixture
def contracts(tmp_path: Path) -> pa.Table:
    """The stored contracts of a real register, as the Arrow table the workspace writes."""
    prepared = api.validate_file(REAL)
    frame = prepared.tables["contracts"].assign(batch_id="000001-abc")
    table = to_arrow(frame, table_schema("contracts"))
    return pa.concat_tables([table] * 3)  # a few thousand rows, lists, dates, nulls and text


def _options(table: pa.Table) -> dict[str, object]:
    return {"compression": "zstd", "use_dictionary": dictionary_columns(table)}


def test_footer_round_trips_byte_for_byte(contracts: pa.Table) -> None:
    data = bytes(parquet_parts._encode(contracts, _options(contracts)))
    _, footer = parquet_parts.split_file(data)
    out = bytearray()
    parquet_parts._write_struct(footer, out)
    (length,) = __import__("struct").unpack("<i", data[-8:-4])
    assert bytes(out) == data[-8 - length:-8]


@pytest.mark.parametrize("workers", [2, 3])
def test_parallel_parts_equal_one_writer_with_that_row_group_size(
    contracts: pa.Table, workers: int, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(parquet_parts, "MIN_PART_ROWS", 100)
    joined = parquet_parts.parquet_bytes(contracts, workers, **_options(contracts))
    size = -(-contracts.num_rows // workers)
    reference = parquet_parts._encode(contracts, {**_options(contracts), "row_group_size": size})
    assert joined == reference
    read = pq.read_table(pa.BufferReader(joined))
    assert read.equals(pq.read_table(pa.BufferReader(parquet_parts._encode(contracts, _options(contracts)))))
    assert read.schema.equals(contracts.schema, check_metadata=False)
    assert pq.read_metadata(pa.BufferReader(joined)).num_row_groups == workers


def test_small_tables_are_one_plain_write(contracts: pa.Table) -> None:
    assert parquet_parts.parquet_bytes(contracts, 2, **_options(contracts)) == parquet_parts._encode(
        contracts, _options(contracts))


def test_a_file_larger_than_the_room_set_aside_is_written_again_into_a_growing_buffer(
    contracts: pa.Table, monkeypatch: pytest.MonkeyPatch,
) -> None:
    sink = pa.BufferOutputStream()
    pq.write_table(contracts, sink, **_options(contracts))
    assert parquet_parts._room(contracts) > sink.getvalue().size  # the room set aside is enough ...
    assert parquet_parts._encode(contracts, _options(contracts)) == sink.getvalue().to_pybytes()
    monkeypatch.setattr(parquet_parts, "_room", lambda _table: 100)  # ... and when it is not, the same bytes
    assert parquet_parts._encode(contracts, _options(contracts)) == sink.getvalue().to_pybytes()
    monkeypatch.setattr(parquet_parts, "_room", lambda _table: 1 << 60)  # ... and when it cannot be had
    assert parquet_parts._encode(contracts, _options(contracts)) == sink.getvalue().to_pybytes()


def test_workspace_reads_a_batch_written_in_parts(
    tmp_path: Path, contracts: pa.Table, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(parquet_parts, "MIN_PART_ROWS", 100)
    monkeypatch.setenv("PROCRISK_WORKERS", "2")
    report = api.ingest_file(REAL, workspace=tmp_path / "ws")
    ws = Workspace(tmp_path / "ws")
    (file,) = ws.table_files("contracts")
    assert pq.read_metadata(file).num_row_groups == 2
    stored = ws.read_table("contracts")
    assert len(stored) == len(report.prepared.tables["contracts"])
    assert stored["source_row"].tolist() == report.prepared.tables["contracts"]["source_row"].tolist()
    batches = list(ws.table_batches("contracts", ["contract_id"], batch_size=50))
    assert sum(b.num_rows for b in batches) == len(stored)
    taken = ds.dataset([str(file)], format="parquet").take(pa.array([0, len(stored) - 1]))
    assert taken.column("contract_id").to_pylist() == [stored["contract_id"].iloc[0], stored["contract_id"].iloc[-1]]


def test_not_parquet_is_refused() -> None:
    with pytest.raises(ValueError, match="PAR1"):
        parquet_parts.split_file(b"not a parquet file")


def test_statistics_only_where_they_can_prune(tmp_path: Path, contracts: pa.Table) -> None:
    from procrisk.store.workspace import atomic_write_parquet

    ids = pa.array([f"C{i}" for i in range(contracts.num_rows)], type=contracts.schema.field("contract_id").type)
    table = contracts.set_column(0, contracts.schema.field("contract_id"), ids)  # mostly distinct text
    path = tmp_path / "contracts.parquet"
    atomic_write_parquet(path, table)
    assert pq.read_table(path).equals(table)
    meta = pq.read_metadata(path).row_group(0)
    stats = {meta.column(j).path_in_schema: meta.column(j).is_stats_set for j in range(meta.num_columns)}
    assert stats["award_value"] and stats["award_date"] and stats["source_row"] and stats["currency"]
    assert stats["subcontractors.list.element"] and stats["supplier_name"]  # few distinct names here
    assert not stats["contract_id"]


def test_dictionary_columns_keep_repeating_ids_and_skip_distinct_ones() -> None:
    """Ids that repeat (a supplier with many contracts) get a dictionary even past 2,000 distinct values; ids
    that never repeat do not; an all-null column does (and does not stop the choice)."""
    n = 40_000
    table = pa.table({
        "contract_id": [f"C{i}" for i in range(n)],
        "supplier_id": [f"GB-COH-{i % 6_000:08d}" for i in range(n)],
        "empty": pa.nulls(n, pa.string()),
        "method": ["open", "direct"] * (n // 2),
    })
    chosen = dictionary_columns(table)
    assert chosen == ["supplier_id", "empty", "method"]
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink, compression="zstd", use_dictionary=chosen)
    group = pq.ParquetFile(pa.BufferReader(sink.getvalue())).metadata.row_group(0)
    encoded = {group.column(i).path_in_schema: group.column(i).has_dictionary_page for i in range(group.num_columns)}
    assert encoded == {"contract_id": False, "supplier_id": True, "empty": True, "method": True}


def test_a_dictionary_over_one_mebibyte_is_kept_to_the_end_of_the_column(tmp_path: Path) -> None:
    """The workspace writer lets a chosen column's dictionary grow past pyarrow's 1 MiB default, so a column of
    many repeated long names stays dictionary indices (small) instead of falling back to plain text pages."""
    from procrisk.store.workspace import atomic_write_parquet

    names = [f"{i:06d} " + "x" * 120 for i in range(10_000)]  # a 1.27 MB dictionary
    table = pa.table({"supplier_name": [names[i % 10_000] for i in range(200_000)]})
    atomic_write_parquet(tmp_path / "t.parquet", table)
    column = pq.ParquetFile(tmp_path / "t.parquet").metadata.row_group(0).column(0)
    assert column.has_dictionary_page
    assert column.total_uncompressed_size < 3_000_000  # plain pages after a fallback would hold ~24 MB
    assert pq.read_table(tmp_path / "t.parquet").equals(table)


def test_a_column_of_nulls_is_one_page_not_one_per_20000_rows(tmp_path: Path) -> None:
    from procrisk.store.workspace import atomic_write_parquet

    table = pa.table({"empty": pa.nulls(200_000, pa.string()), "n": pa.array([i % 7 for i in range(200_000)])})
    atomic_write_parquet(tmp_path / "t.parquet", table)
    column = pq.ParquetFile(tmp_path / "t.parquet").metadata.row_group(0).column(0)
    assert column.total_uncompressed_size < 100  # ten pages (pyarrow's default) take ~220 bytes
    assert pq.read_table(tmp_path / "t.parquet").equals(table)


def test_a_part_dictionary_keeps_the_values_its_rows_use_in_the_order_they_appear() -> None:
    """As a writer builds it from plain text: unused entries dropped, the order of first appearance, however
    late a value first appears; nulls stay null."""
    rows = ["b", None, "a"] * 10_000 + ["c"] + ["a"] * 50_000 + ["d"]
    column = pa.chunked_array([pa.DictionaryArray.from_arrays(
        pa.array([{"a": 0, "b": 1, "c": 2, "d": 3, "e": 4}.get(v) for v in rows], type=pa.int32()),
        pa.array(["a", "b", "c", "d", "e"]))])
    found = parquet_parts._as_found(column)
    assert found.dictionary.to_pylist() == ["b", "a", "c", "d"]
    assert found.to_pylist() == rows
    constant = pa.chunked_array([pa.DictionaryArray.from_arrays(pa.array([0, 0], pa.int32()), pa.array(["x"]))])
    assert parquet_parts._as_found(constant).to_pylist() == ["x", "x"]


def test_a_part_dictionary_whose_first_rows_use_every_entry_takes_their_order() -> None:
    """Every entry appears among the first rows (the usual case, decided without counting the rest): the
    dictionary follows their first appearance, with nulls anywhere."""
    rows = [None, "c", "a", None, "b"] * 20_000
    column = pa.chunked_array([pa.DictionaryArray.from_arrays(
        pa.array([{"a": 0, "b": 1, "c": 2}.get(v) for v in rows], type=pa.int32()), pa.array(["a", "b", "c"]))])
    found = parquet_parts._as_found(column)
    assert found.dictionary.to_pylist() == ["c", "a", "b"]
    assert found.to_pylist() == rows


@pytest.mark.parametrize("parts", [1, 2])
def test_small_dictionaries_are_written_with_8_bit_indices_to_the_same_bytes(
    parts: int, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Dictionaries of up to 127 entries of a table declared as plain text reach the writer with int8 indices
    (cheaper statistics); the file is byte for byte the one their int32 indices give. A larger dictionary
    keeps its indices, and so does a table whose file declares its own schema (its index types)."""
    rows = parquet_parts.MIN_PART_ROWS * parts
    small = pa.DictionaryArray.from_arrays(
        pa.array([None if i % 7 == 0 else (i * 31) % 127 for i in range(rows)], type=pa.int32()),
        pa.array([f"country {j}" for j in range(127)], type=pa.large_string()))
    large = pa.DictionaryArray.from_arrays(pa.array([i % 128 for i in range(rows)], type=pa.int32()),
                                           pa.array([f"title {j}" for j in range(128)], type=pa.large_string()))
    assert parquet_parts._narrow(small).indices.type == pa.int8()
    assert parquet_parts._narrow(small).to_pylist() == small.to_pylist()
    assert parquet_parts._narrow(large).indices.type == pa.int32()
    table = pa.table({"country": small, "title": large})
    plain = pa.schema([pa.field("country", pa.large_string()), pa.field("title", pa.large_string())])
    options = {"compression": "zstd", "use_dictionary": True, "write_statistics": True}
    narrowed = b"".join(parquet_parts.parquet_pieces(table, parts, arrow_schema=plain, **options))
    assert pq.read_table(pa.BufferReader(narrowed)).equals(table.cast(plain))
    own = b"".join(parquet_parts.parquet_pieces(table, parts, **options))
    assert pq.read_table(pa.BufferReader(own)).schema.field("country").type.index_type == pa.int32()
    monkeypatch.setattr(parquet_parts, "_narrow", lambda arr: arr)
    assert narrowed == b"".join(parquet_parts.parquet_pieces(table, parts, arrow_schema=plain, **options))
