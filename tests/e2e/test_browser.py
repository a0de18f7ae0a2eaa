"""End to end in a real headless Chromium: upload the sample register, ingest, score, open the riskiest contract.

Playwright drives Debian's /usr/bin/chromium (scripts/ci-browser-deps.sh installs it; no browser download).
Screenshots of each step are saved under test-output/e2e/.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from helpers import ROOT, SAMPLE

CHROMIUM = Path("/usr/bin/chromium")
SHOTS = ROOT / "test-output" / "e2e"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SLOW = 600_000  # ms: ingest and scoring on a loaded 2-core machine

pytestmark = pytest.mark.slow


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    """``streamlit run app.py`` on a free localhost port with an empty workspace; yields its URL."""
    port = free_port()
    env = {**os.environ, "PROCRISK_WORKSPACE": str(tmp_path / "ws")}
    log = (tmp_path / "streamlit.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while True:
        try:
            with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                log.close()
                pytest.fail("streamlit did not start:\n" + (tmp_path / "streamlit.log").read_text())
            time.sleep(0.3)
    yield url
    proc.terminate()
    proc.wait(timeout=30)
    log.close()


def idle(page) -> None:
    """Wait until Streamlit has finished running the page script."""
    page.wait_for_function(
        "() => { const app = document.querySelector('[data-testid=\"stApp\"]');"
        " return app && app.dataset.testScriptState === 'notRunning'; }", timeout=SLOW)


def shot(page, name: str, height: int = 1000) -> None:
    """Save a screenshot under test-output/e2e/ (Streamlit scrolls inside the page: a tall window shows more)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": 1440, "height": height})
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
    page.set_viewport_size({"width": 1440, "height": 1000})


def test_upload_ingest_score_and_explain(server: str, tmp_path: Path):
    if not CHROMIUM.exists():
        pytest.fail("Debian's Chromium is missing at /usr/bin/chromium: run scripts/ci-browser-deps.sh "
                    "(apt-get install -y chromium) before the end-to-end test")
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=120_000)
    with sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            str(tmp_path / "profile"), executable_path=str(CHROMIUM), headless=True, args=ARGS,
            viewport={"width": 1440, "height": 1000})
        context.set_default_timeout(120_000)
        page = context.new_page()
        try:
            page.goto(server + "/upload")
            expect(page.get_by_role("heading", name="Upload and map")).to_be_visible()
            page.locator('input[type="file"]').set_input_files(str(SAMPLE / "contract_register.xlsx"))
            expect(page.get_by_text("2. Check the mapping and the issues")).to_be_visible(timeout=SLOW)
            expect(page.get_by_test_id("stDataFrame").first).to_be_visible()
            expect(page.get_by_role("button", name="Ingest into the workspace")).to_be_visible(timeout=SLOW)
            idle(page)
            expect(page.get_by_role("tab", name="Validation issues")).to_be_visible()
            expect(page.get_by_text("Rows read")).to_be_visible()
            shot(page, "01-mapping-and-issues", height=2000)

            page.get_by_role("button", name="Ingest into the workspace").click()
            expect(page.get_by_text("3000 rows read", exact=False)).to_be_visible(timeout=SLOW)
            idle(page)
            shot(page, "02-ingested")

            page.get_by_role("button", name="Score the workspace").click()
            expect(page.get_by_text("contract rows scored", exact=False)).to_be_visible(timeout=SLOW)
            idle(page)
            shot(page, "03-scored")

            page.get_by_role("link", name="Open the riskiest contracts").click()
            expect(page.get_by_role("heading", name="Contracts")).to_be_visible()
            idle(page)
            picker = page.get_by_test_id("stSelectbox").filter(has_text="Open a contract")
            picker.click()
            page.get_by_role("option").first.click()
            expect(page.get_by_role("tab", name="Findings")).to_be_visible(timeout=SLOW)
            idle(page)
            expect(page.get_by_text("Recommended action").first).to_be_visible()
            expect(page.get_by_text("Citation").first).to_be_visible()
            expect(page.get_by_text("OSCE Model Guidelines").first).to_be_visible()
            shot(page, "04-riskiest-contract-explained", height=2400)
        except Exception:
            shot(page, "failure")
            raise
        finally:
            context.close()
