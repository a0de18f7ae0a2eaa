"""Tests of the seeded sample generator: determinism, messy layout, ground truth and OCDS validity."""

from __future__ import annotations

import csv
import json
import re
import zipfile
from collections import Counter
from pathlib import Path

import openpyxl
import pytest

from procrisk.errors import UsageError
from procrisk.sample import FILES, generate_sample
from procrisk.sample.__main__ import main
from procrisk.sample.generate import build_world
from procrisk.sample.risks import (
    CONTRACT_PATTERNS,
    PATTERNS,
    contract_patterns,
    process_patterns,
    supplier_patterns,
)

ROOT = Path(__file__).resolve().parents[2]
COMMITTED = ROOT / "sample_data"
OCDS_SCHEMA = Path(__file__).resolve().parents[1] / "fixtures" / "ocds-schema-1.1.5"
SMALL = {"contracts": 150, "suppliers": 45, "releases": 24}


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A small sample written once for the layout tests."""
    return generate_sample(tmp_path_factory.mktemp("small"), seed=11, **SMALL)


@pytest.fixture(scope="module")
def full(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The full-size sample with the default seed (what sample_data/ holds)."""
    return generate_sample(tmp_path_factory.mktemp("full"))


def planted(path: Path) -> list[dict[str, str]]:
    """The rows of a planted_risks.csv."""
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def column_values(path: Path, sheet: str, col: int, first_row: int) -> list[object]:
    """The values of one column of a sheet from ``first_row`` on."""
    ws = openpyxl.load_workbook(path, read_only=True)[sheet]
    return [r[0] for r in ws.iter_rows(min_row=first_row, min_col=col, max_col=col, values_only=True)]


def test_same_seed_gives_identical_bytes_and_other_seeds_differ(tmp_path: Path) -> None:
    a = generate_sample(tmp_path / "a", seed=5, **SMALL)
    b = generate_sample(tmp_path / "b", seed=5, **SMALL)
    c = generate_sample(tmp_path / "c", seed=6, **SMALL)
    assert set(a) == {"register", "questionnaire", "ocds", "planted"}
    for kind in a:
        assert a[kind].read_bytes() == b[kind].read_bytes(), kind
        assert a[kind].read_bytes() != c[kind].read_bytes(), kind


def test_register_is_messy_as_documented(small: dict[str, Path]) -> None:
    wb = openpyxl.load_workbook(small["register"])
    assert wb.sheetnames == ["Register 2024", "Notes"]
    ws = wb["Register 2024"]
    assert ws["A1"].value.endswith("— Contract register")
    assert ws["A2"].value == "Exported 2025-01-15"
    assert all(c.value is None for c in ws[3])
    merged = {str(r) for r in ws.merged_cells.ranges}
    assert {"A4:A5", "K4:L4", "N4:O4", "Q4:R4", "T4:U4", "V4:X4"} <= merged
    assert (ws["K4"].value, ws["K5"].value, ws["L5"].value) == ("Tender period", "Published", "Deadline")
    assert (ws["N4"].value, ws["N5"].value, ws["O5"].value) == ("Value", "Estimated", "Awarded")
    rows = list(ws.iter_rows(min_row=6, values_only=True))
    blanks = [i for i, r in enumerate(rows) if all(v is None for v in r)]
    assert len(blanks) == 1
    assert 0.3 < blanks[0] / len(rows) < 0.7
    cells = [v for r in rows for v in r if v is not None]
    texts = [v for v in cells if isinstance(v, str)]
    for bad in ("TBC", "31/02/2024", "Atlantis"):
        assert bad in texts
    suppliers = [r[4] for r in rows if r[4]]
    assert any(re.search(r";|\n| / ", s) for s in suppliers)
    assert any(re.fullmatch(r"\d\d/\d\d/\d{4}", t) for t in texts)
    date_cells = [r[i] for r in rows for i in (10, 11, 12, 16, 17, 23)]
    assert any(isinstance(v, int) and 40000 < v < 47000 for v in date_cells)  # bare Excel serial dates
    assert any(t.startswith("€ ") and "," in t for t in texts)
    assert any(re.fullmatch(r"\(\d[\d,]*\.\d\d\)", t) for t in texts)  # credit notes
    cpvs = [r[6] for r in rows]
    assert 0.2 < sum(v is None for v in cpvs) / len(cpvs) < 0.45
    assert any(isinstance(v, str) and re.fullmatch(r"\d{8}-\d", v) for v in cpvs)
    assert any(isinstance(v, str) and re.fullmatch(r"\d{8}", v) for v in cpvs)
    assert "Notes" in wb.sheetnames and wb["Notes"]["A1"].value


def test_questionnaire_covers_the_supplier_columns(small: dict[str, Path]) -> None:
    ws = openpyxl.load_workbook(small["questionnaire"])["Responses"]
    header = [c.value for c in ws[3]]
    assert header[:3] == ["Supplier ID", "Supplier name", "Company numbers"]
    wanted = {"Who pays recruitment fees", "Holds worker documents", "Modern slavery statement URL"}
    assert wanted <= set(header)
    rows = list(ws.iter_rows(min_row=4, values_only=True))
    assert len(rows) == SMALL["suppliers"]
    fee = header.index("Who pays recruitment fees")
    assert {str(r[fee]).lower() for r in rows if r[fee]} & {"worker", "workers"}


def test_every_planted_id_exists_in_its_file(small: dict[str, Path]) -> None:
    rows = planted(small["planted"])
    assert {r["pattern"] for r in rows} == set(PATTERNS)
    refs = set(column_values(small["register"], "Register 2024", 1, 6))
    ids = set(column_values(small["questionnaire"], "Responses", 1, 4))
    ocids = {r["ocid"] for r in json.loads(small["ocds"].read_text(encoding="utf-8"))["releases"]}
    known = {FILES["register"]: refs, FILES["questionnaire"]: ids, FILES["ocds"]: ocids}
    for row in rows:
        assert row["entity_id"] in known[row["file"]], row


def test_ground_truth_matches_intent_and_background_is_clean() -> None:
    suppliers, contracts, processes = build_world(3, 400, 60, 60)
    for c in contracts:
        found = {p for p, _ in contract_patterns(c)}
        assert set(c.intended) <= found if c.intended else not found, (c.ref, c.intended, found)
    for p in processes:
        found = {x for x, _ in process_patterns(p)}
        assert set(p.intended) <= found if p.intended else not found, (p.ocid, p.intended, found)
    assert any(supplier_patterns(s) for s in suppliers)
    assert not any(supplier_patterns(s) for s in suppliers if not s.risky)


def test_ocds_package_is_valid_and_has_the_expected_counts(small: dict[str, Path]) -> None:
    package = json.loads(small["ocds"].read_text(encoding="utf-8"))
    releases = package["releases"]
    assert package["version"] == "1.1"
    assert len(releases) == SMALL["releases"]
    per_ocid = Counter(r["ocid"] for r in releases)
    assert len(per_ocid) == SMALL["releases"] - SMALL["releases"] // 6
    assert sum(n == 2 for n in per_ocid.values()) == SMALL["releases"] // 6
    assert all(re.search(r"(Z|[+-]\d\d:\d\d)$", r["date"]) for r in releases)
    jsonschema = pytest.importorskip("jsonschema")
    if not OCDS_SCHEMA.is_dir():
        pytest.fail("tests/fixtures/ocds-schema-1.1.5 is missing")
    from referencing import Registry
    from referencing.jsonschema import DRAFT4

    schemas = [json.loads((OCDS_SCHEMA / n).read_text()) for n in ("release-package-schema.json",
                                                                  "release-schema.json")]
    registry = Registry().with_resources((s["id"], DRAFT4.create_resource(s)) for s in schemas)
    errors = list(jsonschema.Draft4Validator(schemas[0], registry=registry).iter_errors(package))
    assert not errors, [e.message for e in errors[:3]]


def test_sizes_below_the_minimum_are_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError):
        generate_sample(tmp_path, suppliers=10)
    with pytest.raises(UsageError):
        generate_sample(tmp_path, contracts=5)


def test_module_entry_point_writes_the_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sizes = ["--contracts", "120", "--suppliers", "40", "--releases", "12"]
    assert main(["--out", str(tmp_path), "--seed", "9", *sizes]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(FILES.values())
    assert main(["--out", str(tmp_path), "--suppliers", "3"]) == 1
    assert "error:" in capsys.readouterr().err


def test_full_size_sample_matches_the_committed_files(full: dict[str, Path]) -> None:
    for kind, name in FILES.items():
        committed = COMMITTED / name
        assert committed.is_file(), f"{committed} missing: run python -m procrisk.sample --out sample_data"
        fresh = full[kind]
        assert fresh.stat().st_size < 600_000
        if fresh.suffix == ".xlsx":
            with zipfile.ZipFile(fresh) as a, zipfile.ZipFile(committed) as b:
                assert a.namelist() == b.namelist()
                for member in a.namelist():
                    assert a.read(member) == b.read(member), f"{name}:{member} differs: regenerate"
        else:
            assert fresh.read_bytes() == committed.read_bytes(), f"{name} differs: regenerate sample_data"


def test_full_size_counts_match_the_readme(full: dict[str, Path]) -> None:
    rows = planted(full["planted"])
    counts = Counter((r["file"], r["pattern"]) for r in rows)
    readme = (COMMITTED / "README.md").read_text(encoding="utf-8")
    table = {(f, p): int(n) for p, f, n in re.findall(r"^\| `(\w+)` \| `([\w.]+)` \| (\d+) \|", readme, re.M)}
    assert table == dict(counts)
    contracts = {r["entity_id"] for r in rows if r["file"] == FILES["register"]}
    assert 0.05 <= len(contracts) / 3000 <= 0.10
    assert set(CONTRACT_PATTERNS) <= {p for f, p in counts if f == FILES["register"]}
