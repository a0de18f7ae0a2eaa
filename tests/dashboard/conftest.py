"""Fixtures for the dashboard tests: one scored sample workspace per session, and an AppTest factory."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from streamlit import config as st_config
from streamlit.testing.v1 import AppTest

from helpers import ROOT, SAMPLE
from procrisk import api

APP = ROOT / "app.py"
TIMEOUT = 30
SAMPLES = ("contract_register.xlsx", "supplier_questionnaire.xlsx", "ocds_release_package.json")


@pytest.fixture(scope="session")
def scored_workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The three sample files ingested and scored once for every dashboard test."""
    folder = tmp_path_factory.mktemp("dashboard") / "ws"
    for name in SAMPLES:
        api.ingest_file(SAMPLE / name, workspace=folder)
    api.analyse(folder)
    return folder


@pytest.fixture
def app_for(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., AppTest]]:
    """Build an AppTest of app.py reading a given workspace (full error details, loopback address)."""
    saved = {k: st_config.get_option(k) for k in ("client.showErrorDetails", "server.address")}
    st_config.set_option("client.showErrorDetails", "full")
    st_config.set_option("server.address", "127.0.0.1")

    def make(workspace: Path, *, timeout: float = TIMEOUT) -> AppTest:
        monkeypatch.setenv("PROCRISK_WORKSPACE", str(workspace))
        return AppTest.from_file(str(APP), default_timeout=timeout)

    yield make
    for k, v in saved.items():
        st_config.set_option(k, v)
    os.environ.pop("PROCRISK_WORKSPACE", None)
