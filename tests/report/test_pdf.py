"""The PDF report: its text carries the key facts, names are escaped, page 1 renders, the record is attached."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader

from procrisk.report import write_report
from procrisk.report.pdf import ATTACHMENT


@pytest.fixture(scope="module")
def pdf_path(data, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("pdf") / "report.pdf"
    write_report(data, path)
    return path


@pytest.fixture(scope="module")
def text(pdf_path) -> str:
    reader = PdfReader(pdf_path)
    return " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)


def test_pdf_text_has_the_key_facts(text, data) -> None:
    for phrase in ("Executive summary", "Methodology", "Top 15 contracts by exposure",
                   "Why these contracts are flagged", "suppliers by exposure", "Limitations", "Run manifest",
                   "a flag is a reason to review, not proof"):
        assert phrase.lower() in text.lower(), phrase
    assert f"This report covers {len(data.contracts):,} contracts" in text
    assert data.contracts["key"].iloc[0] in text
    assert data.manifest["catalogue"]["catalogue_hash"] in text.replace(" ", "")
    for batch in data.manifest["batches"]:
        assert batch["source_sha256"] in text.replace(" ", "")
    assert "IR x (0.4 + 0.6 x M / 100)" in text
    top = data.findings[data.findings["key"] == data.contracts["key"].iloc[0]].iloc[0]
    assert top["title"] in text


def test_pdf_prints_hostile_names_as_text(text) -> None:
    assert "Zakład Łódź <b>& Søn</b>" in text
    assert '=HYPERLINK("http://example.invalid/x")' in text
    assert "@SUM(1)" in text


def test_pdf_carries_the_verification_record_and_metadata(pdf_path, data) -> None:
    reader = PdfReader(pdf_path)
    record = json.loads(reader.attachments[ATTACHMENT][0])
    assert record["run"]["run_id"] == data.run_id
    assert record["counts"]["findings"] == len(data.findings)
    assert record["digest"] in reader.metadata.subject


def test_same_data_same_pdf(pdf_path, data, tmp_path) -> None:
    again = tmp_path / "again.pdf"
    write_report(data, again)
    assert again.read_bytes() == pdf_path.read_bytes()


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler-utils not installed (scripts/ci-report-deps.sh)")
def test_first_page_renders_with_text_and_charts(pdf_path, tmp_path) -> None:
    from PIL import Image

    subprocess.run(["pdftoppm", "-r", "50", "-png", "-f", "1", "-l", "1", str(pdf_path), str(tmp_path / "page")],
                   check=True, timeout=60)
    image = Image.open(io.BytesIO(next(tmp_path.glob("page*.png")).read_bytes())).convert("RGB")
    assert image.width < image.height  # A4 portrait
    colours = image.getcolors(maxcolors=1 << 20)
    assert colours is not None and len(colours) > 50  # text, table rules and coloured charts, not a blank page
    red = sum(n for n, (r, g, b) in colours if r > 150 and g < 60 and b < 60)
    assert red > 0  # the critical bar of the band chart
