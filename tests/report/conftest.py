"""A small scored workspace with planted risks and hostile names, built once per test session."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from procrisk.api import analyse, ingest_file
from procrisk.report import ReportData, report_data

# Names a spreadsheet would run as formulas (no comma, semicolon or bar: ingest splits supplier lists on those).
INJECTIONS = ('=HYPERLINK("http://example.invalid/x")', "@SUM(1)", "-2+3", "+1+2 Trading")
# Suppliers: (id, name, country, recruitment_fee_payer, debarred, retains_identity_documents)
SUPPLIERS = [
    ("S1", INJECTIONS[0], "GB", "worker", "no", "no"),
    ("S2", INJECTIONS[1], "GB", "employer", "yes", "no"),
    ("S3", INJECTIONS[2], "MY", "shared", "no", "yes"),
    ("S4", INJECTIONS[3], "GB", "employer", "no", "no"),
    ("S5", "Zakład Łódź <b>& Søn</b>", "PL", "worker", "no", "no"),
    ("S6", "Acme Cleaning Ltd", "GB", "employer", "no", "no"),
    ("S7", "Brightstar Textiles", "BD", "", "", ""),
]
CONTRACT_HEADER = ("contract_id,title,buyer_name,supplier_id,supplier_name,supplier_country,classification_code,"
                   "procurement_method,award_date,award_value,currency,origin_country,number_of_tenderers,"
                   "has_anti_trafficking_clause")
CLEANING, TEXTILES, LAPTOPS = "90910000-9", "18110000-3", "30213100-6"


def _contracts(n: int = 36) -> str:
    """A register of ``n`` contracts spread over the suppliers, buyers, sectors and two years."""
    rows = [CONTRACT_HEADER]
    buyers = ("Health Trust", "City Council", "Ministry of Works")
    codes = (CLEANING, TEXTILES, LAPTOPS)
    for i in range(n):
        sid, name, country = SUPPLIERS[i % len(SUPPLIERS)][:3]
        quoted = '"' + name.replace('"', '""') + '"'
        cpv = codes[i % 3]
        origin = "BD" if cpv == TEXTILES else ""
        method = "direct" if i % 5 == 0 else "open"
        clause = "no" if i % 4 == 0 else "yes"
        title = "=2*3 services" if i == 7 else f"Service {i + 1}"
        rows.append(f"CR-{i + 1:02d},{title},{buyers[i % 3]},{sid},{quoted},{country},{cpv},{method},"
                    f"{2023 + i % 2}-{1 + i % 12:02d}-15,{(i + 1) * 10_000},GBP,{origin},{1 + i % 3},{clause}")
    rows.append(f"CR-{n + 1},Bad value,City Council,S6,Acme Cleaning Ltd,Atlantis,{CLEANING},open,2024-02-30,TBC,GBP,"
                ",2,yes")  # data problems: an unknown country, an impossible date, an amount "TBC"
    return "\n".join(rows) + "\n"


def _questionnaire() -> str:
    """Questionnaire answers of the suppliers."""
    rows = ["supplier_id,supplier_name,supplier_country,recruitment_fee_payer,debarred,retains_identity_documents"]
    for sid, name, country, fees, debarred, documents in SUPPLIERS:
        quoted = '"' + name.replace('"', '""') + '"'
        rows.append(f"{sid},{quoted},{country},{fees},{debarred},{documents}")
    return "\n".join(rows) + "\n"


def build_workspace(folder: Path) -> Path:
    """Ingest the register and the questionnaire into ``folder`` and score it; returns the workspace path."""
    data = folder / "inputs"
    data.mkdir(parents=True)
    (data / "register.csv").write_text(_contracts(), encoding="utf-8")
    (data / "questionnaire.csv").write_text(_questionnaire(), encoding="utf-8")
    ws = folder / "ws"
    ingest_file(data / "register.csv", workspace=ws, table="contracts")
    ingest_file(data / "questionnaire.csv", workspace=ws, table="suppliers")
    analyse(ws, as_of="2025-06-30")
    return ws


@pytest.fixture(scope="session")
def scored(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A scored workspace shared by the report tests (read only: copy it before changing it)."""
    return build_workspace(tmp_path_factory.mktemp("report"))


@pytest.fixture
def scored_copy(scored: Path, tmp_path: Path) -> Path:
    """A private copy of the scored workspace that a test may change."""
    target = tmp_path / "ws"
    shutil.copytree(scored, target)
    return target


@pytest.fixture(scope="session")
def data(scored: Path) -> ReportData:
    """The report data of the whole scored workspace."""
    return report_data(scored)


@pytest.fixture
def extra_register(tmp_path: Path) -> Path:
    """A second register adding two contracts (one for a debarred supplier)."""
    path = tmp_path / "more.csv"
    path.write_text(CONTRACT_HEADER + "\n"
                    f"CR-90,Late addition,City Council,S2,@SUM(1),GB,{CLEANING},direct,2024-05-01,55000,GBP,,1,no\n"
                    f"CR-91,Another one,Health Trust,S6,Acme Cleaning Ltd,GB,{LAPTOPS},open,2024-06-01,1000,GBP,,3,"
                    "yes\n",
                    encoding="utf-8")
    return path
