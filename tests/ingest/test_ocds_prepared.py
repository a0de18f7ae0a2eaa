"""The pipeline makes the same typed tables, quarantine and issues of OCDS inputs as before the speed work."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd
import pytest

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


def test_the_cells_read_are_kept_out_of_collections_while_typed_and_released_after(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The objects an OCDS read leaves are frozen for the cyclic collector while the pipeline types them (its
    full collections would walk them all again), unfrozen afterwards, also when typing fails."""
    import gc

    from ingest.ocds_snapshot import REAL_OCDS
    from procrisk.ingest import pipeline
    from procrisk.ingest.ocds import tables

    seen: list[int] = []
    text_as_arrow = tables.text_as_arrow

    def counted(frame: object) -> object:
        """text_as_arrow, noting how many objects are frozen meanwhile."""
        seen.append(gc.get_freeze_count())
        return text_as_arrow(frame)  # type: ignore[arg-type]

    monkeypatch.setattr(tables, "text_as_arrow", counted)
    before = gc.get_freeze_count()
    pipeline.prepare_file(REAL_OCDS / "mexico-gacm_releases.jsonl")
    assert seen and min(seen) > before
    assert gc.get_freeze_count() == before

    def broken(frame: object) -> object:
        """A typing step that fails."""
        raise RuntimeError

    monkeypatch.setattr(tables, "text_as_arrow", broken)
    with pytest.raises(RuntimeError):
        pipeline.prepare_file(REAL_OCDS / "mexico-gacm_releases.jsonl")
    assert gc.get_freeze_count() == before


@pytest.mark.parametrize("workers", [2, 1])
def test_an_ocds_file_is_hashed_beside_its_read_once_the_workers_are_forked_and_its_sha256_reported(
        monkeypatch: pytest.MonkeyPatch, workers: int) -> None:
    """Read by worker processes, the file is hashed beside the read once they are all forked (a process is
    forked only while it runs no other thread); read in this process, once read (beside the typing). The
    file's SHA-256 is reported either way."""
    import hashlib
    import multiprocessing

    from ingest.ocds_snapshot import REAL_OCDS
    from procrisk.ingest import ocds, pipeline
    from procrisk.ingest.ocds import parallel

    monkeypatch.setattr(parallel, "MIN_BYTES", 0)
    monkeypatch.setattr(parallel, "BATCH_BYTES", 997)
    monkeypatch.setattr(parallel, "worker_count", lambda: workers)
    monkeypatch.setattr(parallel.threading, "active_count", lambda: 1)
    path = REAL_OCDS / "mexico-gacm_releases.jsonl"
    order: list[str] = []
    forked: list[int] = []
    read, digest = ocds.read_ocds, pipeline.file_sha256

    def reading(*args: object, **kwargs: object) -> object:
        """read_ocds, noting when it starts and ends."""
        order.append("read")
        try:
            return read(*args, **kwargs)  # type: ignore[arg-type]
        finally:
            order.append("read done")

    def hashing(file: Path) -> str:
        """file_sha256, noting when it starts and how many worker processes run then."""
        order.append("hash")
        forked.append(len(multiprocessing.active_children()))
        return digest(file)

    monkeypatch.setattr(ocds, "read_ocds", reading)
    monkeypatch.setattr(pipeline, "file_sha256", hashing)
    prepared = pipeline.prepare_file(path)
    if workers > 1:
        assert order == ["read", "hash", "read done"]
        assert forked[0] >= workers
    else:
        assert order == ["read", "read done", "hash"]
    assert prepared.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_file_and_a_folder_hash_the_same_in_chunks_of_any_size(monkeypatch: pytest.MonkeyPatch,
                                                                 tmp_path: Path) -> None:
    """file_sha256 hashes a file's bytes (a folder: each file's relative name then its bytes, in name order)
    whatever the chunk size."""
    import hashlib

    from procrisk.ingest import pipeline

    (tmp_path / "b").mkdir()
    files = {"a.json": b"x" * 1000, "b/c.json": bytes(range(256)) * 3, "b/d.json": b""}
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    folder = hashlib.sha256()
    for name in sorted(files):
        folder.update(name.encode())
        folder.update(files[name])
    for chunk in (7, 256, 1 << 20):
        monkeypatch.setattr(pipeline, "_HASH_CHUNK", chunk)
        assert pipeline.file_sha256(tmp_path / "a.json") == hashlib.sha256(files["a.json"]).hexdigest()
        assert pipeline.file_sha256(tmp_path) == folder.hexdigest()


def test_with_worker_processes_the_contracts_extras_come_written_by_them_and_unchanged(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Read with workers (tiny batches), every input gives the same stored tables, quarantine and issues, and the
    contracts' extras of a JSON Lines file are not written as JSON again here, nor the suppliers'."""
    from ingest.ocds_snapshot import REAL_OCDS
    from procrisk.ingest import pipeline
    from procrisk.ingest.ocds import parallel, tables

    monkeypatch.setattr(parallel, "MIN_BYTES", 0)
    monkeypatch.setattr(parallel, "BATCH_BYTES", 997)  # a few lines a batch, and lines longer than a batch
    monkeypatch.setattr(parallel, "worker_count", lambda: 2)
    monkeypatch.setattr(parallel.threading, "active_count", lambda: 1)
    differ = differing(PREPARED_GOLDEN, compute(tmp_path))
    assert not differ, f"prepare_file output changed with worker processes for {differ}"
    written: list[int] = []
    extras_text = tables.extras_text
    monkeypatch.setattr(tables, "extras_text", lambda values: (written.append(len(values)), extras_text(values))[1])
    prepared = pipeline.prepare_file(REAL_OCDS / "mexico-gacm_releases.jsonl")
    assert written == []
    assert prepared.tables["contracts"]["extras"].notna().all()


def test_an_infinite_amount_is_an_issue_and_a_zero_winning_bid_gap_is_not(tmp_path: Path) -> None:
    """A publisher's Infinity (or 1e400) is left empty with an issue naming its row and column; the reader's own
    infinite runner_up_price_gap of a zero winning bid is left empty without one."""
    from procrisk.ingest.pipeline import prepare_file

    bids = Path(__file__).resolve().parents[1] / "fixtures" / "ingest" / "ocds_bids.json"
    package = json.loads(bids.read_text(encoding="utf-8"))
    zero = next(r for r in package["releases"] if r["ocid"].endswith("gap-zero-winner"))
    award = zero["awards"][0]
    award["value"] = {"amount": 1e300, "currency": award.get("value", {}).get("currency", "GBP")}
    path = tmp_path / "package.json"
    path.write_text(json.dumps(package).replace("1e+300", "Infinity"), encoding="utf-8")
    prepared = prepare_file(path)
    contracts = prepared.tables["contracts"]
    row = contracts.index[contracts["ocid"] == zero["ocid"]][0]
    assert pd.isna(contracts.loc[row, "award_value"])
    assert pd.isna(contracts.loc[row, "runner_up_price_gap"])
    issues = prepared.issues
    found = issues[(issues["column"] == "award_value") & (issues["problem"].str.startswith("not a number"))]
    assert len(found) == 1 and found["source_row"].iloc[0] == contracts.loc[row, "source_row"]
    assert not (issues["column"] == "runner_up_price_gap").any()
