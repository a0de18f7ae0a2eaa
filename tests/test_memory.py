"""The huge_pages setting: every procrisk command opts its process (and its forked workers) out of huge pages."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from procrisk.memory import allow_huge_pages, huge_pages_disabled

pytestmark = pytest.mark.skipif(huge_pages_disabled() is None, reason="the kernel does not report THP_enabled")

PROBE = """
import multiprocessing, sys
from procrisk import cli
from procrisk.memory import allow_huge_pages, huge_pages_disabled
try:
    cli.main(sys.argv[1:])
except SystemExit:
    pass
child = multiprocessing.get_context("fork").Pool(1)
print(huge_pages_disabled(), child.apply(huge_pages_disabled))
child.close()
"""


def _probe(tmp_path: Path, huge_pages: str | None) -> str:
    """Run `procrisk status` in a fresh interpreter, then print whether it and a forked child are opted out."""
    env = {k: v for k, v in os.environ.items() if k != "PROCRISK_HUGE_PAGES"}
    if huge_pages is not None:
        env["PROCRISK_HUGE_PAGES"] = huge_pages
    result = subprocess.run([sys.executable, "-c", PROBE, "--workspace", str(tmp_path / "ws"), "status"],
                            capture_output=True, text=True, env=env, check=True, timeout=120)
    return result.stdout.strip().splitlines()[-1]


def test_a_command_opts_its_process_and_forked_workers_out_of_huge_pages(tmp_path: Path) -> None:
    """By default the process and the workers it forks run without transparent huge pages."""
    assert _probe(tmp_path, None) == "True True"


def test_the_setting_lets_the_process_use_huge_pages(tmp_path: Path) -> None:
    """huge_pages: true (here PROCRISK_HUGE_PAGES=1) lets the process use them, even if its parent opted out."""
    was_disabled = huge_pages_disabled()
    allow_huge_pages(False)  # the child inherits the opt-out ...
    try:
        assert _probe(tmp_path, "1") == "False False"  # ... and the setting lifts it
    finally:
        allow_huge_pages(not was_disabled)


def test_a_bad_value_is_a_clear_error(tmp_path: Path) -> None:
    """A value that is not yes/no names the setting and an example."""
    result = subprocess.run([sys.executable, "-m", "procrisk", "--workspace", str(tmp_path / "ws"), "status"],
                            capture_output=True, text=True, env={**os.environ, "PROCRISK_HUGE_PAGES": "maybe"},
                            check=False, timeout=120)
    assert result.returncode == 1
    assert "PROCRISK_HUGE_PAGES" in result.stderr and "huge_pages" in result.stderr


def test_the_dashboard_server_applies_the_setting_before_it_loads_anything(tmp_path: Path) -> None:
    """The server's start (its lifespan calls apply_settings first) opts the process out; a bad setting is left
    for the pages to show, not raised at start."""
    probe = ("from procrisk.dashboard import server\nfrom procrisk.memory import huge_pages_disabled\n"
             "server.apply_settings()\nprint(huge_pages_disabled())\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PROCRISK_")}
    env["PROCRISK_WORKSPACE"] = str(tmp_path / "ws")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=env, check=True,
                            timeout=120)
    assert result.stdout.strip() == "True"
    env["PROCRISK_HUGE_PAGES"] = "maybe"
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=env, check=False,
                            timeout=120)
    assert result.returncode == 0, result.stderr  # no exception at start: the pages report the bad setting
