"""The OCDS reader gives exactly what it gave before the speed work (issue 2), on real and messy inputs."""

from __future__ import annotations

import json
from pathlib import Path

from ingest.ocds_snapshot import GOLDEN, compute


def test_read_ocds_output_is_unchanged_on_every_real_and_messy_input(tmp_path: Path) -> None:
    """Every cell (with its type), row number, issue, note and count equals the digest the old reader gave."""
    known = json.loads(GOLDEN.read_text(encoding="utf-8"))
    found = compute(tmp_path)
    assert set(found) == set(known)
    differ = sorted(name for name in known if found[name] != known[name])
    assert not differ, f"read_ocds output changed for {differ}"
