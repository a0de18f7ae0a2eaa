"""take_rows: the rows at given positions of several Parquet files, as a whole-dataset take gives them."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest

from procrisk.store.parquet_take import take_rows


@pytest.fixture
def files(tmp_path: Path) -> list[Path]:
    """Three files of 7, 0 and 12 rows, in row groups of 3 and 5 rows."""
    paths = []
    start = 0
    for i, (rows, group) in enumerate([(7, 3), (0, 3), (12, 5)]):
        table = pa.table({"contract_id": [f"C{start + k}" for k in range(rows)],
                          "award_value": pa.array([float(start + k) if k % 4 else None for k in range(rows)])})
        path = tmp_path / f"part-{i}.parquet"
        pq.write_table(table, path, row_group_size=group)
        paths.append(path)
        start += rows
    return paths


def test_rows_come_back_in_the_order_asked_like_a_dataset_take(files: list[Path]) -> None:
    positions = [18, 0, 7, 6, 3, 3, 12]
    got = take_rows(files, positions)
    expected = ds.dataset([str(f) for f in files], format="parquet").take(pa.array(positions))
    assert got.equals(expected)
    assert got.column("contract_id").to_pylist() == [f"C{p}" for p in positions]


def test_no_positions_give_an_empty_table_with_the_schema(files: list[Path]) -> None:
    got = take_rows(files, [])
    assert got.num_rows == 0
    assert got.schema.names == ["contract_id", "award_value"]


@pytest.mark.parametrize("position", [19, -1])
def test_a_position_outside_the_rows_is_an_error(files: list[Path], position: int) -> None:
    with pytest.raises(IndexError, match="19 rows"):
        take_rows(files, [position])
