"""Text columns handed to the store as dictionary arrays are stored exactly as the plain text would be."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from procrisk import api
from procrisk.arrays import _REPEAT_ROWS, constant_text
from procrisk.ingest.normalise.series import arrow_text_series, dictionary_text_series, text_dictionary
from procrisk.ingest.pipeline import _set_constant
from procrisk.schema.arrow import table_schema
from procrisk.store import Batch, Workspace, parquet_parts
from procrisk.store.workspace import atomic_write_parquet, to_arrow

REGISTER = """Contract Reference,Title,Supplier,Supplier country,Award value,Currency,Procedure,CPV code,Officer notes
CR-1,Cleaning,Acme Ltd,United Kingdom,"£1,200.00",,Open,30213100-6,checked
CR-2, Cleaning  services ,Beta GmbH,Allemagne,"2,000.00",EUR,Restricted,79710000,
CR-3,Laptops,Acme Ltd,Atlantis,"3,000.00",gbp,Open,30213100-6,renewal due
,,,,,,,,a note on its own
CR-5,Laptops,Gamma SA,France,"4,000.00",EUR,Direct award,90910000-9,checked
"""


@pytest.fixture
def register(tmp_path: Path) -> Path:
    """A small register: a currency taken from an amount's symbol, an unknown country, a row with nothing in it
    but a note (quarantined), repeated values in every text column; its second half lists the rows the other
    way round and names a country the first half does not."""
    header, *rows = REGISTER.splitlines()
    later = [row.replace("France", "Spain") for row in reversed(rows)]
    path = tmp_path / "register.csv"
    path.write_text("\n".join([header, *rows * 20, *later * 20]) + "\n", encoding="utf-8")
    return path


def test_text_dictionary_holds_each_text_once() -> None:
    arr = text_dictionary(["GBP", None, "GBP", "EUR"], np.array([0, 1, 2, 3, -1, 3]))
    assert arr.dictionary.to_pylist() == ["GBP", "EUR"]
    assert arr.to_pylist() == ["GBP", None, "GBP", "EUR", None, "EUR"]
    assert text_dictionary([], np.array([-1, -1])).to_pylist() == [None, None]
    assert arr.indices.type == pa.int8()  # few entries: the 8-bit indices the store writes
    many = text_dictionary([f"t{i}" for i in range(300)], np.arange(300))
    assert many.indices.type == pa.int32()
    assert many.to_pylist() == [f"t{i}" for i in range(300)]


@pytest.mark.parametrize("rows", [0, 3, _REPEAT_ROWS, _REPEAT_ROWS + 1, 2 * _REPEAT_ROWS + 5])
def test_a_constant_column_is_what_assigning_the_value_gives(rows: int) -> None:
    """A text set on every row (shared blocks of copies) has the values and dtype of ``frame[name] = text``;
    other values are assigned as they are."""
    shared, assigned = pd.DataFrame({"n": np.arange(rows)}), pd.DataFrame({"n": np.arange(rows)})
    for name, value in (("source_file", "register.csv"), ("source_sheet", ""), ("none", None), ("number", 7)):
        _set_constant(shared, name, value)
        assigned[name] = value
    pd.testing.assert_frame_equal(shared, assigned)
    blocks = shared["source_file"].array.__arrow_array__()
    assert len({chunk.buffers()[2].address for chunk in blocks.chunks}) <= 1


@pytest.mark.parametrize("cells", [["CPV"] * 70_000, [""] * 3, ["CPV", None, "CPV"], ["GB", "FR"] * 5])
def test_dictionary_text_is_the_dictionary_taken_row_by_row(cells: list[str | None]) -> None:
    """One text on every row (shared blocks of copies) reads as the take of the dictionary does, dtype too."""
    arr = pa.array(cells, type=pa.large_string()).dictionary_encode()
    index = pd.RangeIndex(len(cells))
    pd.testing.assert_series_equal(dictionary_text_series(arr, index),
                                   arrow_text_series(arr.dictionary.take(arr.indices), index))


def test_prepared_dictionaries_hold_the_stored_values(register: Path) -> None:
    """Each dictionary the pipeline hands on decodes to its column, quarantined rows left out; a column changed
    after normalising (currency filled from the amount's £) is not among them unless it still matches."""
    prepared = api.validate_file(register)
    frame = prepared.tables["contracts"]
    arrow = prepared.arrow["contracts"]
    assert prepared.rows_quarantined == 40
    assert {"title", "supplier_name", "supplier_country", "procurement_method", "classification_code", "extras",
            "classification_scheme", "cpv_division", "source_file", "source_sheet"} <= set(arrow)
    assert set(frame["title"]) == {"Cleaning", "Cleaning services", "Laptops"}
    for name, text in arrow.items():
        assert text.holds(frame[name])
        assert text.dictionary.to_pylist() == frame[name].astype(object).where(frame[name].notna(), None).tolist()
    assert frame["currency"].iloc[0] == "GBP"


def test_ingest_stores_the_same_tables_as_from_plain_text(
    tmp_path: Path, register: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The workspace files read back (plainly and as dictionaries, as scoring reads them) as when every column
    is converted from the frame, also when the table is written in parallel parts."""
    monkeypatch.setattr(parquet_parts, "MIN_PART_ROWS", 50)
    monkeypatch.setenv("PROCRISK_WORKERS", "2")
    report = api.ingest_file(register, workspace=tmp_path / "ws")
    (file,) = Workspace(tmp_path / "ws").table_files("contracts")
    schema = table_schema("contracts")
    plain = tmp_path / "plain.parquet"
    frame = report.prepared.tables["contracts"].assign(batch_id=report.batch["batch_id"])
    atomic_write_parquet(plain, to_arrow(frame, schema))
    assert pq.read_metadata(file).num_row_groups == 2
    assert pq.read_table(file).equals(pq.read_table(plain))
    assert pq.read_schema(file).equals(pq.read_schema(plain), check_metadata=True)
    texts = [f.name for f in schema if f.type == pa.string()]
    by_dictionary = pq.read_table(file, read_dictionary=texts)
    expected = pq.read_table(plain, read_dictionary=texts)
    for name in texts:  # the same dictionary pages: the same categories, in the same order, per row group
        for got, want in zip(by_dictionary.column(name).chunks, expected.column(name).chunks, strict=True):
            assert got.dictionary.equals(want.dictionary) and got.indices.equals(want.indices), name


def test_a_column_changed_after_preparing_is_stored_as_changed(tmp_path: Path, register: Path) -> None:
    prepared = api.validate_file(register)
    frame = prepared.tables["contracts"]
    assert "supplier_country" in prepared.arrow["contracts"]
    frame["supplier_country"] = pd.Series("NZ", index=frame.index, dtype=frame["supplier_country"].dtype)
    ws = Workspace(tmp_path / "ws")
    ws.commit_batch(Batch(source_file=prepared.source_file, source_sha256=prepared.sha256, source_kind="csv",
                          tables=prepared.tables, quarantine=prepared.quarantine, issues=prepared.issues,
                          rows_read=prepared.rows_read, rows_stored=prepared.rows_stored,
                          rows_quarantined=prepared.rows_quarantined, mapping=prepared.mapping, notes=[],
                          arrow=prepared.arrow))
    assert set(ws.read_table("contracts")["supplier_country"]) == {"NZ"}


def test_to_arrow_refuses_a_dictionary_that_cannot_stand_for_the_column() -> None:
    schema = table_schema("contracts")
    frame = pd.DataFrame({"contract_id": ["C1", "C2"]})
    with pytest.raises(ValueError, match="cannot stand for"):
        to_arrow(frame, schema, {"currency": constant_text("GBP", 3)})
    with pytest.raises(ValueError, match="not in the stored schema"):
        to_arrow(frame, schema, {"no_such_column": constant_text("x", 2)})
    table = to_arrow(frame, schema, {"currency": pc.dictionary_encode(pa.array(["GBP", None]))})
    assert table.column("currency").to_pylist() == ["GBP", None]

