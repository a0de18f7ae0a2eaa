"""Paths to test data, importable from any test as ``from helpers import REAL``."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
REAL = FIXTURES / "real"
SAMPLE = ROOT / "sample_data"
