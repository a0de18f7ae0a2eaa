"""Read a few rows of Parquet files by position, touching only the row groups that hold them."""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from pathlib import Path

import pyarrow as pa
import pyarrow.dataset as ds


def take_rows(files: Sequence[Path], positions: Sequence[int]) -> pa.Table:
    """The rows at ``positions`` (0-based, over the files concatenated in order), in the order given.

    Each row is read from its own row group, projected to the dataset's schema (the first file's, as a
    whole-dataset read gives); a dataset ``take`` would read every column of every file for one row.
    """
    dataset = ds.dataset([str(f) for f in files], format="parquet")
    groups: list[tuple[int, int, ds.Fragment]] = []  # (first row, rows, a fragment of one row group)
    total = 0
    for fragment in dataset.get_fragments():
        for group in fragment.split_by_row_group():
            rows = sum(g.num_rows for g in group.row_groups)
            groups.append((total, rows, group))
            total += rows
    firsts = [first for first, _, _ in groups]
    tables = [dataset.schema.empty_table()]
    for position in positions:
        k = bisect.bisect_right(firsts, position) - 1
        if position < 0 or k < 0 or position >= groups[k][0] + groups[k][1]:
            msg = f"row {position} is beyond the {total} rows of {len(files)} file(s)"
            raise IndexError(msg)
        first, _, group = groups[k]
        tables.append(group.scanner(schema=dataset.schema).take(pa.array([position - first], type=pa.int64())))
    return pa.concat_tables(tables)
