"""Canonical dumps of read_ocds results and a seeded generator of messy OCDS JSON Lines, for golden digests.

``tests/fixtures/ingest/ocds_golden.json`` holds, for each input, the SHA-256 of ``dump(read_ocds(input))``
as the reader gave it before the speed work (issue 2); ``python tests/ingest/ocds_snapshot.py`` rewrites it.
A dump keeps every cell with its Python type, the row numbers, the issues, the notes and the counts, so two
results with the same digest are the same result.
"""

from __future__ import annotations

import hashlib
import json
import random
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures"
REAL_OCDS = FIXTURES / "real" / "ocds"
EXPECTED = FIXTURES / "real" / "cardinal-expected"
HAND = FIXTURES / "ingest"
GOLDEN = HAND / "ocds_golden.json"
MESSY_LINES = 4_000
SMALL_WINDOW = 7  # WINDOW_GROUPS and WINDOW_UNITS for the "scattered" variant of the messy file


def _cell(value: Any) -> str:
    """One value with its type, so 1, 1.0, "1" and True never dump alike."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_cell(k)}: {_cell(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return f"{type(value).__name__}[" + ", ".join(_cell(v) for v in value) + "]"
    return f"{type(value).__name__}:{value!r}"


def _frame(frame: Any) -> list[Any]:
    """Columns (in order), dtypes and every cell of a DataFrame."""
    return [[str(c), str(frame[c].dtype), [_cell(v) for v in frame[c].tolist()]] for c in frame.columns]


def dump(result: Any) -> str:
    """A canonical text of everything an OcdsRead holds."""
    contracts, suppliers = result.contracts, result.suppliers
    parts = {
        "contracts": _frame(contracts.frame), "contract_rows": [int(r) for r in contracts.row_numbers],
        "contracts_meta": [contracts.source_file, contracts.sheet, contracts.table, contracts.notes],
        "suppliers": _frame(suppliers.frame), "supplier_rows": [int(r) for r in suppliers.row_numbers],
        "suppliers_meta": [suppliers.source_file, suppliers.sheet, suppliers.table, suppliers.notes],
        "issues": [[_cell(v) for v in row.values()] for row in result.issues.rows],
        "counts": [result.releases_read, result.processes], "notes": result.notes,
    }
    return json.dumps(parts, ensure_ascii=False)


def digest(result: Any) -> str:
    """SHA-256 of the canonical dump."""
    return hashlib.sha256(dump(result).encode("utf-8")).hexdigest()


# --- a messy JSON Lines file -------------------------------------------------------------------------------

TITLES = ["Cleaning services", "Security guarding", "Uniforms and workwear", "Laptops", "Nitrile gloves"]


def _release(rng: random.Random, i: int, ocid: Any) -> dict[str, Any]:
    """One release like the benchmark's, with a chance of each real-data defect."""
    supplier = f"GB-COH-{rng.randrange(10**7, 10**8)}"
    pick = rng.random
    amount: Any = float(rng.randrange(50_000, 150_000))
    if pick() < 0.05:
        amount = str(int(amount))
    elif pick() < 0.03:
        amount = {"value": amount}
    elif pick() < 0.02:
        amount = ""
    elif pick() < 0.02:
        amount = int(amount)
    currency = rng.choice(["GBP", "GBP", "GBP", "gbp", "EUR", "", 826, " eur "])
    scheme = rng.choice(["GB-COH", "GB-COH", "GB-COH", "COMPANIES HOUSE", "", None])
    identifier: dict[str, Any] = {"scheme": scheme, "id": supplier[7:]}
    if pick() < 0.05:
        identifier = {"id": supplier[7:]}
    if pick() < 0.03:
        identifier["id"] = int(supplier[7:])
    supplier_party: dict[str, Any] = {
        "id": supplier, "name": rng.choice([f"Supplier {i % 500} Ltd", "", "  ", f"Fournisseur {i % 50} SàRL"]),
        "roles": rng.choice([["supplier"], ["supplier", "tenderer"], "supplier", ["tenderer"]]),
        "identifier": identifier,
        "address": rng.choice([{"countryName": "United Kingdom"}, {"country": "FR"}, {}, {"countryName": ""}]),
    }
    if pick() < 0.1:
        supplier_party["additionalIdentifiers"] = [{"scheme": "XI-LEI", "id": f"LEI{i}"}, {"scheme": "", "id": "x"}]
    buyer: Any = {"id": "GB-GOV-1", "name": "Ministry of Works"}
    if pick() < 0.05:
        buyer = {"id": 17, "name": "Numeric Buyer"}
    elif pick() < 0.05:
        buyer = {}
    start = rng.choice(["2024-01-01T09:00:00Z", "2024-01-01", "2024-01-01T09:00:00+01:00", "", None])
    end = rng.choice(["2024-01-20T12:00:00Z", "2024-01-10T08:59:59Z", "2024-01-20", "garbage"])
    tenderers: Any = rng.choice([1, 2, 5, "1", 1.0, True, None])
    classification = {"scheme": rng.choice(["CPV", "CPV", "cpv", "UNSPSC", "GSIN", ""]),
                      "id": rng.choice(["90910000", "79710000-4", 18110000, ""])}
    award_supplier = {"id": supplier, "name": rng.choice([f"Supplier {i % 500} Ltd", ""])}
    award: dict[str, Any] = {
        "id": rng.choice([f"A{i}", f"A{i}", i, ""]), "status": rng.choice(["active", "active", "pending", None]),
        "date": rng.choice(["2024-03-01T00:00:00Z", "", None]),
        "value": {"amount": amount, "currency": currency} if pick() > 0.03 else rng.choice(["1000", 5, None]),
        "suppliers": [award_supplier],
    }
    if pick() < 0.05:
        award["suppliers"].append({"name": "Name Only Ltd"})
    if pick() < 0.03:
        award["items"] = [{"id": "1", "classification": classification,
                           "deliveryAddress": {"countryName": "France"}}]
    release: dict[str, Any] = {
        "ocid": ocid, "id": f"{i}-award", "date": "2024-03-01T00:00:00Z",
        "tag": rng.choice([["award"], ["award"], "award", ["tender", "award"]]), "initiationType": "tender",
        "buyer": buyer,
        "parties": [{"id": "GB-GOV-1", "name": "Ministry of Works", "roles": ["buyer"],
                     "address": {"countryName": "United Kingdom"}}, supplier_party],
        "tender": {"id": f"T{i}", "title": rng.choice([*TITLES, "", "   "]), "procurementMethod": "open",
                   "numberOfTenderers": tenderers, "status": rng.choice(["complete", "active", "cancelled"]),
                   "tenderPeriod": {"startDate": start, "endDate": end},
                   "value": {"amount": 120000, "currency": "GBP"},
                   "items": [{"id": "1", "classification": classification}]},
        "awards": [award],
    }
    if pick() < 0.1:
        details = [{"id": "b1", "status": "valid", "value": {"amount": 900.0, "currency": "GBP"},
                    "tenderers": [{"id": supplier}]},
                   {"id": "b2", "status": "valid", "value": {"amount": rng.choice([1000, 950.5, 800]),
                                                              "currency": "GBP"},
                    "tenderers": [{"id": "GB-COH-OTHER", "name": "Other Bidder"}]}]
        release["bids"] = {"details": details}
        release["parties"].append({"id": "GB-COH-OTHER", "name": "Other Bidder", "roles": ["tenderer"],
                                   "identifier": {"scheme": "GB-COH", "id": "OTHER"}})
    if pick() < 0.03:
        release["awards"] = award  # awards as an object
    if pick() < 0.02 and isinstance(release["awards"], list):
        release["awards"].append(dict(award))  # two awards with the same id: ocdsmerge folds them
    if pick() < 0.02:
        release["contracts"] = [{"id": f"C{i}", "awardID": award["id"], "value": {"amount": 5, "currency": "GBP"},
                                 "period": {"startDate": "2024-04-01", "endDate": "2025-04-01"}}]
    if pick() < 0.02:
        del release["awards"]
        release["contracts"] = [{"id": f"C{i}", "title": "Contract only", "suppliers": [award_supplier]}]
    if pick() < 0.01:
        release["tender"]["deliveryAddresses"] = [{"countryName": "Bangladesh"}]
    return release


def messy_lines(count: int = MESSY_LINES, seed: int = 11) -> Iterator[str]:
    """JSON Lines with the real-data defects, repeated and scattered ocids, packages and broken lines."""
    rng = random.Random(seed)
    made: list[dict[str, Any]] = []
    for i in range(count):
        roll = rng.random()
        if roll < 0.01:
            yield ""
            continue
        if roll < 0.02:
            yield '{"ocid": "broken", "id": '
            continue
        if roll < 0.025:
            yield rng.choice(["42", "[1, 2]", '"text"', "null"])
            continue
        if roll < 0.035 and made:
            yield json.dumps(rng.choice(made))  # an identical duplicate, maybe far away
            continue
        if roll < 0.06 and made:
            again = dict(rng.choice(made))  # the same process again: a later release with a new id
            again["id"] = f"{again.get('id')}-amend-{i}"
            again["date"] = "2024-05-01T00:00:00Z"
            again["tender"] = {**again.get("tender", {}), "title": "Amended title"}
            yield json.dumps(again)
            continue
        ocid: Any = f"ocds-messy-{i}"
        if roll < 0.07:
            ocid = rng.choice([None, "", 12345, "  padded-ocid  "])
        release = _release(rng, i, ocid)
        if ocid is None:
            del release["ocid"]
        made.append(release)
        if roll < 0.08:
            second = _release(rng, i + 10**6, f"ocds-messy-pkg-{i}")
            yield json.dumps({"publisher": rng.choice([{"name": "Packager"}, "Stringy"]), "releases": [release,
                                                                                                      second]})
            continue
        if roll < 0.085:
            yield json.dumps({"ocid": release.get("ocid"), "compiledRelease": release})
            continue
        text = json.dumps(release, ensure_ascii=rng.random() < 0.5)
        if rng.random() < 0.005:
            text = text.replace('"Ministry of Works"', '"Ministry \\ud800 of Works"', 1)  # a lone surrogate
        if rng.random() < 0.005:
            text = text.replace('"initiationType": "tender"', '"initiationType": NaN', 1)
        if rng.random() < 0.005:
            text = text.replace('"initiationType": "tender"', '"initiationType": 123456789012345678901234567890', 1)
        if rng.random() < 0.005:
            text = text.replace('"initiationType": "tender"', '"initiationType": 1e400, "initiationType": "x"', 1)
        if rng.random() < 0.005:
            text = text.replace("120000", "120000.000000000000000000001", 1)
        yield text


def write_messy(path: Path, count: int = MESSY_LINES) -> Path:
    """Write the messy JSON Lines file to ``path``."""
    path.write_text("\n".join(messy_lines(count)) + "\n", encoding="utf-8")
    return path


def inputs(tmp: Path) -> dict[str, Path]:
    """Every input the golden digests cover: real files and folders, Cardinal's compiled files, hand-made
    files and the messy JSON Lines file (plain and gzip)."""
    import gzip

    found = {f"real/{p.name}": p for p in sorted(REAL_OCDS.iterdir())}
    found.update({f"expected/{p.name}": p for p in sorted(EXPECTED.glob("*.compiled.jsonl"))})
    found.update({f"hand/{p.name}": p for p in sorted(HAND.glob("ocds_*.json*")) if p != GOLDEN})
    messy = write_messy(tmp / "messy.jsonl")
    found["messy.jsonl"] = messy
    packed = tmp / "messy.jsonl.gz"
    packed.write_bytes(gzip.compress(messy.read_bytes()))
    found["messy.jsonl.gz"] = packed
    return found


def compute(tmp: Path) -> dict[str, str]:
    """Digest of read_ocds on every input, and on the messy file with a small window."""
    from procrisk.ingest.ocds import read_ocds
    from procrisk.ingest.ocds import reader as reader_module

    out = {name: digest(read_ocds(path)) for name, path in inputs(tmp).items()}
    groups, units = reader_module.WINDOW_GROUPS, reader_module.WINDOW_UNITS
    reader_module.WINDOW_GROUPS = reader_module.WINDOW_UNITS = SMALL_WINDOW
    try:
        out["messy.jsonl (small window)"] = digest(read_ocds(tmp / "messy.jsonl"))
    finally:
        reader_module.WINDOW_GROUPS, reader_module.WINDOW_UNITS = groups, units
    capped = reader_module.write_issues
    reader_module.write_issues = lambda issues, log: capped(issues, log, cap=10**9)
    try:
        out["messy.jsonl (every warning)"] = digest(read_ocds(tmp / "messy.jsonl"))
    finally:
        reader_module.write_issues = capped
    return out


def differing(golden: Path, digests: dict[str, str]) -> list[str]:
    """The inputs whose digest differs from the golden file's, or that only one of the two has."""
    known = json.loads(golden.read_text(encoding="utf-8"))
    return [k for k in sorted(set(known) | set(digests)) if known.get(k) != digests.get(k)]


def rewrite_or_check(compute_digests: Any, golden: Path) -> None:
    """The snapshot scripts' command line: rewrite ``golden`` from ``compute_digests``, or compare with ``--check``."""
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        digests = compute_digests(Path(folder))
    if "--check" in sys.argv:
        bad = differing(golden, digests)
        print("differ:", bad or "none")
        sys.exit(1 if bad else 0)
    golden.write_text(json.dumps(digests, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {len(digests)} digests to {golden}")


if __name__ == "__main__":
    rewrite_or_check(compute, GOLDEN)
