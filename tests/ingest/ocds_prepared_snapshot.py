"""Canonical dumps of what the pipeline makes of OCDS inputs (typed tables, quarantine, issues), for digests.

``tests/fixtures/ingest/prepared_ocds_golden.json`` holds, for each OCDS input of ``ocds_snapshot.inputs``, the
SHA-256 of ``dump(prepare_file(input))`` as the pipeline gave it before the speed work on the stage after
read_ocds (issue 2), retaken once on 2026-12-07 when OCDS registration ids stopped being stored as the text of
a Python list (only the suppliers' registration_ids cells of 19 inputs changed; compared dump by dump);
``python tests/ingest/ocds_prepared_snapshot.py`` rewrites it (``--check`` compares).
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ingest.ocds_snapshot import HAND, _cell, inputs, messy_lines, rewrite_or_check

PREPARED_GOLDEN = HAND / "prepared_ocds_golden.json"  # not ocds_*: inputs() reads those


def _frame(frame: Any) -> list[Any]:
    """Columns (in order), dtypes and every cell of a DataFrame."""
    return [[str(c), str(frame[c].dtype), [_cell(v) for v in frame[c].tolist()]] for c in frame.columns]


def dump(prepared: Any) -> str:
    """A canonical text of everything a Prepared holds but its hash."""
    parts = {
        "tables": {name: _frame(frame) for name, frame in sorted(prepared.tables.items())},
        "quarantine": _frame(prepared.quarantine), "issues": _frame(prepared.issues),
        "counts": [prepared.rows_read, prepared.rows_stored, prepared.rows_quarantined],
        "meta": [prepared.source_file, prepared.kind, prepared.sheet, prepared.mapping],
        "notes": prepared.notes,
    }
    return json.dumps(parts, ensure_ascii=False, default=str)


def compute(tmp: Path) -> dict[str, str]:
    """Digest of prepare_file on every OCDS input (the exception's type where it raises one)."""
    from procrisk.ingest.pipeline import prepare_file

    found = inputs(tmp)
    clean = tmp / "messy-without-lone-surrogates.jsonl"  # the messy file less its lone surrogates
    clean.write_text("\n".join(line for line in messy_lines() if "\\ud800" not in line) + "\n", encoding="utf-8")
    found["messy.jsonl (no lone surrogate)"] = clean
    out = {}
    for name, path in found.items():
        try:
            out[name] = hashlib.sha256(dump(prepare_file(path)).encode("utf-8")).hexdigest()
        except Exception as exc:  # recorded, so a change in what raises shows as a changed digest
            out[name] = f"raises {type(exc).__name__}"
    return out


if __name__ == "__main__":
    rewrite_or_check(compute, PREPARED_GOLDEN)
