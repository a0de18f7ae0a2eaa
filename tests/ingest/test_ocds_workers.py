"""How many workers read big OCDS files, and what a user sees when one of them dies."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from helpers import REAL
from procrisk.config import load_config
from procrisk.errors import ConfigError, InputFileError
from procrisk.ingest.ocds import parallel, read_ocds
from procrisk.rules.parallel import default_workers

JSONL = REAL / "ocds" / "mexico-gacm_releases.jsonl"


def _die(*args: object) -> bytes:
    """A worker that is killed mid-batch (as the out-of-memory killer would)."""
    os._exit(9)


def test_a_dead_worker_is_a_clear_input_error(monkeypatch: pytest.MonkeyPatch) -> None:
    """A worker process that dies makes read_ocds raise InputFileError naming the file and the way out."""
    monkeypatch.setattr(parallel, "MIN_BYTES", 0)
    monkeypatch.setattr(parallel, "worker_count", lambda: 2)
    monkeypatch.setattr(parallel.threading, "active_count", lambda: 1)
    monkeypatch.setattr(parallel, "read_batch", _die)
    with pytest.raises(InputFileError) as caught:
        read_ocds(JSONL)
    message = str(caught.value)
    assert JSONL.name in message
    assert "PROCRISK_WORKERS=1" in message
    assert "nothing was stored" in message


def test_workers_setting_caps_both_pools(monkeypatch: pytest.MonkeyPatch) -> None:
    """PROCRISK_WORKERS=1 turns parallel work off for scoring threads and OCDS processes alike."""
    monkeypatch.setenv("PROCRISK_WORKERS", "1")
    assert default_workers() == 1
    assert parallel.worker_count() == 1
    assert parallel.line_pool() is None
    monkeypatch.setenv("PROCRISK_WORKERS", "3")
    assert default_workers() == 3
    assert parallel.worker_count() == parallel.MAX_WORKERS


def test_workers_setting_rejects_a_negative_number(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A negative worker count is a settings error that names the setting."""
    monkeypatch.setenv("PROCRISK_WORKERS", "-2")
    with pytest.raises(ConfigError, match="'workers'"):
        load_config()
