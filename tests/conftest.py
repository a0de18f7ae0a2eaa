"""Shared fixtures: a fresh workspace path per test."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    """A path for a new, empty workspace."""
    return tmp_path / "ws"
