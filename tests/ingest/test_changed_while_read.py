"""A file changed or cut short while it is read gives a clear error and stores nothing, never a crash."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from procrisk import api
from procrisk.errors import InputFileError
from procrisk.ingest import pipeline

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def _register(path: Path, rows: int = 500) -> Path:
    """A small contract register CSV that ends with a line end."""
    lines = ["contract_id,title,supplier_name,award_value,award_date"]
    lines += [f"C-{i},Cleaning services lot {i},Supplier {i % 7} Ltd,{1000 + i},2025-03-{1 + i % 28:02d}"
              for i in range(rows)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _appending_after(read: Any, path: Path) -> Any:
    """``read`` that appends a row to ``path`` once it has read it (another program saving meanwhile)."""
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        """Read, then change the file."""
        result = read(*args, **kwargs)
        with path.open("a", encoding="utf-8") as fh:
            fh.write("C-late,Late row,Late Ltd,1,2025-04-01\n")
        return result
    return wrapped


def test_a_register_changed_while_read_is_an_input_error_and_nothing_is_stored(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _register(tmp_path / "register.csv")
    monkeypatch.setattr(pipeline, "read_tabular", _appending_after(pipeline.read_tabular, path))
    workspace = tmp_path / "ws"
    with pytest.raises(InputFileError, match=r"register\.csv: the file changed while it was read"):
        api.ingest_file(path, workspace=workspace)
    assert not workspace.exists() or not api.open_workspace(workspace).batches()
    monkeypatch.undo()
    report = api.ingest_file(path, workspace=workspace)  # once saved, it ingests
    assert report.prepared.rows_read == 501


def test_an_ocds_file_changed_while_read_is_an_input_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from procrisk.ingest import ocds

    path = tmp_path / "releases.jsonl"
    package = json.loads((FIXTURES / "ingest" / "ocds_bids.json").read_text(encoding="utf-8"))
    path.write_text("".join(json.dumps(r) + "\n" for r in package["releases"]), encoding="utf-8")
    read = ocds.read_ocds

    def read_then_change(*args: Any, **kwargs: Any) -> Any:
        """Read, then rewrite the file with one release fewer."""
        result = read(*args, **kwargs)
        path.write_text("".join(json.dumps(r) + "\n" for r in package["releases"][1:]), encoding="utf-8")
        return result

    monkeypatch.setattr(ocds, "read_ocds", read_then_change)
    with pytest.raises(InputFileError, match=r"releases\.jsonl: the file changed while it was read"):
        pipeline.prepare_file(path)


def test_an_unchanged_file_and_folder_pass_the_check(tmp_path: Path) -> None:
    (tmp_path / "folder").mkdir()
    path = _register(tmp_path / "folder" / "register.csv")
    pipeline._unchanged(path, pipeline._signature(path))
    before = pipeline._signature(path.parent)
    pipeline._unchanged(path.parent, before)
    (path.parent / "more.csv").write_text("a\n1\n", encoding="utf-8")
    with pytest.raises(InputFileError, match="changed while it was read"):
        pipeline._unchanged(path.parent, before)


def test_a_csv_cut_short_during_its_parse_gives_an_error_not_a_killed_process(tmp_path: Path) -> None:
    """A file truncated while pyarrow parses it (a program saving it again): the reader holds its own copy of
    the bytes, so the process reports the change instead of dying of SIGBUS, as it did on a memory-mapped file."""
    path = _register(tmp_path / "register.csv", rows=20_000)
    script = textwrap.dedent(f"""
        import os
        from pathlib import Path
        from procrisk.errors import InputFileError
        from procrisk.ingest import csv_reader, pipeline

        parse = csv_reader._parse
        def truncating(data, layout, **kwargs):
            os.truncate({str(path)!r}, 0)
            return parse(data, layout, **kwargs)
        csv_reader._parse = truncating
        try:
            pipeline.prepare_file(Path({str(path)!r}))
        except InputFileError as exc:
            print("error:", exc)
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, (done.returncode, done.stderr[-2000:])
    assert "register.csv: the file changed while it was read" in done.stdout
