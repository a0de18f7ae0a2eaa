"""Reading real and hand-made OCDS files: counts, defects as issues, flattened rows and Cardinal's inputs."""

from __future__ import annotations

import gzip
import json
import math
import shutil
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from ocdsmerge import Merger

from procrisk.errors import InputFileError
from procrisk.ingest.ocds import OcdsRead, read_ocds
from procrisk.ingest.ocds import reader as reader_module
from procrisk.ingest.ocds.cardinal_fields import (
    parse_rfc3339,
    strict_number_of_tenderers,
    submission_period_days,
)
from procrisk.ingest.ocds.compile import compile_process, merge_rules
from procrisk.ingest.ocds.flatten import flatten_release
from procrisk.ingest.ocds.issues import Issue, IssueSink, write_issues
from procrisk.ingest.ocds.sources import Source
from procrisk.schema.issues import IssueLog

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
REAL = FIXTURES / "real" / "ocds"
EXPECTED = FIXTURES / "real" / "cardinal-expected"
HAND = FIXTURES / "ingest"
REAL_INPUTS = sorted(p.name for p in REAL.iterdir())


def _issues(result: OcdsRead, code: str) -> pd.DataFrame:
    """The issues of one code."""
    frame = result.issues.frame()
    return frame[frame["code"] == code]


def _column(result: OcdsRead, name: str) -> list[Any]:
    """A contracts column as a list (all None when no row fills it)."""
    frame = result.contracts.frame
    return frame[name].tolist() if name in frame else [None] * len(frame)


def _plain_counts(path: Path) -> tuple[int, int]:
    """(releases or records, distinct ocids) of an input, counted with plain json, not with procrisk."""
    files = sorted(p for p in path.iterdir() if p.is_file()) if path.is_dir() else [path]
    releases, ocids = 0, set()
    for file in files:
        text = file.read_text(encoding="utf-8")
        if not text.strip():
            continue
        documents = [json.loads(line) for line in text.splitlines() if line.strip()] \
            if file.suffix == ".jsonl" else [json.loads(text)]
        for document in documents:
            items = document.get("records") or document.get("releases") or [document]
            releases += len(items)
            ocids.update(item["ocid"] for item in items)
    return releases, len(ocids)


def _cardinal_sets(result: OcdsRead) -> tuple[set[str], set[str]]:
    """The ocids R003 (submission period < 15 days) and R018 (open/selective, one tenderer) would flag."""
    r003, r018 = set(), set()
    names = ("ocid", "tender_status", "submission_period_days", "procurement_method", "number_of_tenderers")
    rows = zip(*(_column(result, name) for name in names), strict=True)
    for ocid, status, days, method, tenderers in rows:
        if ocid is None or status == "cancelled":
            continue
        if days is not None and days < 15:
            r003.add(ocid)
        if method in ("open", "selective") and tenderers == 1:
            r018.add(ocid)
    return r003, r018


# --- every real file ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", REAL_INPUTS)
def test_every_real_input_reads_with_the_counts_plain_json_gives(name: str) -> None:
    """Each real file or folder reads without an exception; releases and processes match a plain count."""
    result = read_ocds(REAL / name)
    releases, processes = _plain_counts(REAL / name)
    assert (result.releases_read, result.processes) == (releases, processes)
    ocids = {o for o in _column(result, "ocid") if o is not None}
    assert len(ocids) == processes  # every process gives at least one row
    assert result.contracts.table == "contracts"
    assert result.suppliers.table == "suppliers"
    assert len(result.contracts.row_numbers) == len(result.contracts.frame)
    assert result.contracts.frame["contract_id"].is_unique
    assert result.contracts.row_numbers.min() >= 1
    assert result.contracts.row_numbers.max() <= releases


def _expected_pairs() -> list[tuple[str, str]]:
    """(Cardinal output stem, which input) pairs: the compiled file and the original file it was made from."""
    stems = sorted(p.name.removesuffix(".cardinal.json") for p in EXPECTED.glob("*.cardinal.json"))
    return [(stem, kind) for stem in stems for kind in ("compiled", "original")]


@pytest.mark.parametrize(("stem", "kind"), _expected_pairs())
def test_cardinal_single_bid_and_short_period_inputs_match_cardinal(stem: str, kind: str) -> None:
    """R003 and R018 from our columns flag just Cardinal's ocids, on its compiled file and after our merge."""
    if kind == "compiled":
        path = EXPECTED / f"{stem}.compiled.jsonl"
    else:
        path = next(p for p in REAL.iterdir() if p.name.split(".")[0] == stem)
    flagged = json.loads((EXPECTED / f"{stem}.cardinal.json").read_text(encoding="utf-8")).get("OCID", {})
    r003, r018 = _cardinal_sets(read_ocds(path))
    assert r003 == {ocid for ocid, flags in flagged.items() if "R003" in flags}
    assert r018 == {ocid for ocid, flags in flagged.items() if "R018" in flags}


def test_cardinal_parity_is_not_trivial() -> None:
    """The parity files do exercise both flags (so the parity test can fail)."""
    r003, r018 = _cardinal_sets(read_ocds(REAL / "mexico-gacm_releases.jsonl"))
    assert (len(r003), len(r018)) == (28, 1)
    days = [d for d in _column(read_ocds(REAL / "mexico-gacm_releases.jsonl"), "submission_period_days") if d]
    assert max(days) >= 15  # processes with long periods exist and are not flagged


@pytest.mark.filterwarnings("ignore::ocdsmerge.exceptions.DuplicateIdValueWarning")
def test_single_releases_flatten_as_ocdsmerge_would_compile_them() -> None:
    """Skipping ocdsmerge for a lone release gives the rows merging gives (checked on every real release)."""
    merger = Merger(merge_rules=merge_rules())
    checked = 0
    for name in REAL_INPUTS:
        for unit in Source(REAL / name).units(IssueSink()):
            if unit.kind != "release" or unit.ocid is None:
                continue
            ours = compile_process([unit], IssueSink())
            reference = merger.create_compiled_release([unit.release])
            kwargs = {"ocid": unit.ocid, "row": unit.row, "source": "s"}
            a = flatten_release(ours, sink=IssueSink(), **kwargs)
            b = flatten_release(reference, sink=IssueSink(), **kwargs)
            assert a.contracts == b.contracts, (name, unit.row)
            assert a.suppliers == b.suppliers, (name, unit.row)
            checked += 1
    assert checked > 500


# --- real defects -------------------------------------------------------------------------------------------


def test_taiwan_awards_object_and_string_tag_are_issues_and_still_read() -> None:
    """Taiwan: awards is an object and tag a string; both are reported and the awards still give rows."""
    result = read_ocds(REAL / "taiwan_release-package.json")
    awards = _issues(result, "ocds.array_is_object")
    assert set(awards["column"]) == {"/awards"}
    assert sorted(awards["source_row"]) == list(range(1, 12))
    assert len(_issues(result, "ocds.tag_string")) == 11
    assert result.contracts.frame["supplier_name"].notna().sum() >= 11  # suppliers inside the award's items
    assert len(_issues(result, "ocds.nested_suppliers")) == 11
    publisher = _issues(result, "ocds.publisher_string")  # packageInfo.publisher is a plain string
    assert set(publisher["column"]) == {"/packageInfo/publisher"} and len(publisher) == 11


def test_montreal_string_tag_is_a_warning_per_release() -> None:
    """Montréal's releases carry tag as a string: one warning per release, at /tag."""
    result = read_ocds(REAL / "canada-montreal_release-package.json")
    tags = _issues(result, "ocds.tag_string")
    assert len(tags) == 20
    assert set(tags["column"]) == {"/tag"} and set(tags["severity"]) == {"warning"}
    assert set(tags["value"]) == {"award"}


def test_paraguay_duplicate_releases_collapse_into_twelve_processes() -> None:
    """Paraguay publishes each release twice: 70 releases, 20 duplicate (ocid, id) warnings, 12 processes."""
    result = read_ocds(REAL / "paraguay-dncp_release-package.json")
    duplicates = _issues(result, "ocds.duplicate_release")
    assert (result.releases_read, result.processes, len(duplicates)) == (70, 12, 20)
    assert set(duplicates["column"]) == {"/id"}
    assert any("duplicate releases" in note for note in result.notes)


def test_gacm_currency_typo_comes_through_raw() -> None:
    """GACM's 'MNX' currency typo is passed on unchanged for the currency normaliser to report."""
    result = read_ocds(REAL / "mexico-gacm_releases.jsonl")
    currencies = pd.Series(_column(result, "currency")).value_counts()
    assert currencies["MNX"] == 1
    assert currencies["MXN"] > 250


def test_nigeria_ad_hoc_identifier_schemes_are_kept_and_reported() -> None:
    """Nigeria's suppliers use ad-hoc schemes (NGA-DNL ...): ids stay scheme-qualified, schemes are noted."""
    result = read_ocds(REAL / "nigeria-bpp_release-package.json")
    suppliers = result.suppliers.frame.set_index("supplier_id")
    assert suppliers.loc["NGA-DNL-22686163", "registration_ids"] == ["NGA-DNL-22686163"]
    schemes = set(_issues(result, "ocds.identifier_scheme")["value"])
    assert "NGA-DNL" in schemes
    assert all(not s.startswith("NG-") for s in schemes)
    assert "NGA-DNL-22686163" in set(_column(result, "supplier_id"))


def test_compranet_suppliers_get_scheme_qualified_ids() -> None:
    """CompraNet suppliers carry MX-RFC identifiers: supplier ids and registration ids are 'MX-RFC-...'."""
    result = read_ocds(REAL / "mexico-apf-compranet_release-package.json")
    ids = result.suppliers.frame["supplier_id"]
    assert len(ids) == 8
    assert ids.str.startswith("MX-RFC-").all()
    assert all(r[0].startswith("MX-RFC-") for r in result.suppliers.frame["registration_ids"])
    rows = result.contracts.frame.dropna(subset=["supplier_id"])
    assert rows["supplier_id"].str.startswith("MX-RFC-").all()


def test_tenderers_that_never_won_are_suppliers_too() -> None:
    """Tenderers without an award are in the suppliers table (roles say so) and the notes count them."""
    result = read_ocds(REAL / "taiwan_release-package.json")
    roles = result.suppliers.frame["extras"].map(lambda e: tuple(e["roles"]))
    assert (roles == ("tenderer",)).sum() == 13
    assert any("13 tendered but never won" in note for note in result.notes)


def test_non_cpv_classification_schemes_are_noted_once_per_scheme() -> None:
    """GACM's Spanish category names as schemes: one warning per scheme, not one per row."""
    result = read_ocds(REAL / "mexico-gacm_releases.jsonl")
    notes = _issues(result, "ocds.classification_scheme")
    assert notes["value"].is_unique
    assert "EDIFICACION NO HABITACIONAL" in set(notes["value"])
    assert set(notes["severity"]) == {"warning"}


# --- layouts ------------------------------------------------------------------------------------------------


def _comparable(result: OcdsRead) -> pd.DataFrame:
    """The contracts as a comparable frame (extras as sorted JSON, row numbers included)."""
    frame = result.contracts.frame.copy()
    frame["extras"] = frame["extras"].map(lambda e: json.dumps(e, sort_keys=True, default=str))
    frame["row"] = result.contracts.row_numbers
    return frame.astype(str)


def test_gzip_reads_like_the_plain_file(tmp_path: Path) -> None:
    """A .jsonl.gz and a .json.gz give the same rows as the uncompressed files."""
    for name in ("mexico-gacm_releases.jsonl", "paraguay-dncp_release-package.json"):
        packed = tmp_path / f"{name}.gz"
        packed.write_bytes(gzip.compress((REAL / name).read_bytes()))
        plain, zipped = read_ocds(REAL / name), read_ocds(packed)
        assert zipped.releases_read == plain.releases_read
        pd.testing.assert_frame_equal(_comparable(zipped).drop(columns="source"),
                                      _comparable(plain).drop(columns="source"))
        assert any("gzip" in note for note in zipped.notes)


def test_json_lines_bad_line_package_line_and_scattered_process() -> None:
    """An invalid line is an error with its line number (and a quarantinable row); the rest still reads."""
    result = read_ocds(HAND / "ocds_lines.jsonl")
    assert (result.releases_read, result.processes) == (4, 3)
    bad = _issues(result, "ocds.invalid_json")
    assert bad[["source_row", "column", "severity"]].values.tolist() == [[3, "line 3", "error"]]
    frame = result.contracts.frame.assign(row=result.contracts.row_numbers).set_index("contract_id")
    assert frame.loc["#3", "row"] == 3  # the placeholder row the pipeline quarantines
    # line-a's tender (line 1) and award (inside the package on line 4) are merged into one process
    merged = frame.loc["line-a/AA", ["title", "supplier_name", "row"]].tolist()
    assert merged == ["Line A tender", "Supplier A", 1]
    assert frame.loc["line-c", "source"] == "Packaged line"
    assert frame.loc["line-d", "source"] == "ocds_lines"


def test_scattered_processes_are_read_again_with_a_small_window(monkeypatch: pytest.MonkeyPatch) -> None:
    """With a window of one process, ocids that come back are re-read at the end: the rows do not change."""
    whole = read_ocds(REAL / "mexico-gacm_releases.jsonl")
    monkeypatch.setattr(reader_module, "WINDOW_GROUPS", 1)
    monkeypatch.setattr(reader_module, "WINDOW_UNITS", 1)
    windowed = read_ocds(REAL / "mexico-gacm_releases.jsonl")
    pd.testing.assert_frame_equal(_comparable(windowed), _comparable(whole))
    assert len(_issues(windowed, "ocds.duplicate_release")) == 10
    assert any("read a second time" in note for note in windowed.notes)
    assert any("10 duplicate releases" in note for note in windowed.notes)


def test_folder_skips_an_empty_file_with_a_warning(tmp_path: Path) -> None:
    """A zero-byte file in a folder is skipped with a warning; the folder's releases merge across files."""
    folder = tmp_path / "jalisco"
    shutil.copytree(REAL / "mexico-jalisco_release-packages", folder)
    (folder / "zz-empty.json").write_bytes(b"")
    result = read_ocds(folder)
    empty = _issues(result, "ocds.empty_file")
    assert empty[["source_sheet", "severity"]].values.tolist() == [["zz-empty.json", "warning"]]
    assert (result.releases_read, result.processes) == (10, 3)
    files = {e["ocds_file"] for e in result.contracts.frame["extras"]}
    assert files <= {p.name for p in (REAL / "mexico-jalisco_release-packages").iterdir()}


def test_bare_release_and_array_of_releases(tmp_path: Path) -> None:
    """A file holding one release, or a JSON array of releases, reads like a package of them."""
    releases = json.loads((REAL / "nigeria-bpp_release-package.json").read_text(encoding="utf-8"))["releases"]
    (tmp_path / "one.json").write_text(json.dumps(releases[0]), encoding="utf-8")
    (tmp_path / "many.json").write_text(json.dumps(releases), encoding="utf-8")
    one, many = read_ocds(tmp_path / "one.json"), read_ocds(tmp_path / "many.json")
    assert (one.releases_read, one.processes) == (1, 1)
    assert (many.releases_read, many.processes) == (12, 12)
    assert set(_column(one, "source")) == {"one"}


def test_record_package_uses_compiled_release_else_merges_else_keeps_the_ocid() -> None:
    """Records: compiledRelease if present; embedded releases merged (later wins); link-only records noted."""
    result = read_ocds(HAND / "ocds_records.json")
    frame = result.contracts.frame.set_index("ocid")
    assert frame.loc["rec-compiled", "title"] == "From the compiled release"
    assert frame.loc["rec-embedded", ["title", "tender_status", "supplier_id"]].tolist() == [
        "New title", "complete", "S"]
    assert "rec-linked" in frame.index
    assert _issues(result, "ocds.linked_releases_only")["source_row"].tolist() == [3]
    assert result.processes == 3


@pytest.mark.parametrize("content", [b"", b"   \n", b'{"hello": "world"}', b'{"releases": [', b"[1, 2]"])
def test_unreadable_or_non_ocds_files_raise_input_file_error(tmp_path: Path, content: bytes) -> None:
    """A file with nothing OCDS in it is a usage problem (InputFileError), not a data issue."""
    path = tmp_path / "input.json"
    path.write_bytes(content)
    with pytest.raises(InputFileError):
        read_ocds(path)


def test_missing_path_raises_input_file_error(tmp_path: Path) -> None:
    """A path that does not exist raises InputFileError."""
    with pytest.raises(InputFileError):
        read_ocds(tmp_path / "nowhere.json")


def test_progress_reports_releases_read() -> None:
    """The progress callback ends with the number of releases read."""
    seen: list[int] = []
    result = read_ocds(REAL / "mexico-gacm_releases.jsonl", progress=seen.append)
    assert seen and seen[-1] == result.releases_read
    assert seen == sorted(seen)


# --- hand-made defects --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def defects() -> OcdsRead:
    """The hand-made file with one of each defect."""
    return read_ocds(HAND / "ocds_defects.json")


@pytest.mark.parametrize(("code", "row", "column", "severity"), [
    ("ocds.publisher_string", None, "/publisher", "warning"),
    ("ocds.tag_string", 1, "/tag", "warning"),
    ("ocds.numeric_id", 1, "/buyer/id", "warning"),
    ("ocds.numeric_id", 1, "/awards/0/id", "warning"),
    ("ocds.amount_text", 1, "/awards/0/value/amount", "warning"),
    ("ocds.amount_type", 1, "/tender/value/amount", "warning"),
    ("ocds.currency_case", 1, "/awards/0/value/currency", "warning"),
    ("ocds.empty_string", 1, "/parties/1/name", "warning"),
    ("ocds.tender_period_not_rfc3339", 1, "/tender/tenderPeriod", "warning"),
    ("ocds.number_of_tenderers_type", 1, "/tender/numberOfTenderers", "warning"),
    ("ocds.number_of_tenderers_type", 3, "/tender/numberOfTenderers", "warning"),
    ("ocds.missing_ocid", 2, "/ocid", "error"),
    ("ocds.missing_identifier", 1, "/parties/identifier", "warning"),
])
def test_each_defect_is_an_issue_at_its_json_path(defects: OcdsRead, code: str, row: int | None, column: str,
                                                  severity: str) -> None:
    """Every defect of the hand-made file is one issue with its row, JSON path and severity, and a fix."""
    found = _issues(defects, code)
    found = found[(found["column"] == column)
                  & (found["source_row"].isna() if row is None else found["source_row"] == row)]
    assert found["severity"].tolist() == [severity]
    assert len(found["fix"].iloc[0]) > 10


def test_defective_values_come_through_raw_or_null(defects: OcdsRead) -> None:
    """Text amounts and lower-case currencies stay raw for the normalisers; impossible values become null."""
    frame = defects.contracts.frame.set_index("contract_id")
    row = frame.loc["ocds-test-001/7"]
    assert (row["award_value"], row["currency"], row["buyer_id"]) == ("1000", "eur", "123")
    assert row["supplier_name"] == "Supplier One"  # the party's name is "", the reference's name is used
    assert row["extras"]["number_of_tenderers_raw"] == "1"
    assert "number_of_tenderers" not in frame  # "1", 1.0 and true are not JSON integers: nothing filled
    assert "estimated_value" not in frame  # the only tender value is an object
    assert row["submission_period_days"] is None  # date-only tender period
    assert frame.loc["ocds-test-003", "submission_period_days"] == 14  # 14 days 23:59:59


def test_release_without_ocid_gets_a_quarantinable_row_and_no_supplier(defects: OcdsRead) -> None:
    """A release without an ocid: one row at its own source_row with an error there; it adds no supplier."""
    table = defects.contracts
    position = list(table.row_numbers).index(2)
    assert table.frame.iloc[position]["ocid"] is None
    assert table.frame.iloc[position]["contract_id"] == "#2"
    assert ("contracts", 2) in defects.issues.error_rows
    assert len(defects.issues.error_rows) == 1
    assert defects.processes == 2


def test_suppliers_table_qualifies_ids_and_lists_registrations(defects: OcdsRead) -> None:
    """Suppliers: scheme-qualified ids where a scheme is given, else the id as published."""
    suppliers = defects.suppliers.frame.set_index("supplier_id")
    assert suppliers.loc["GB-COH-00000002", "registration_ids"] == ["GB-COH-00000002"]
    assert suppliers.loc["GB-COH-00000002", "supplier_country"] == "United Kingdom"
    assert suppliers.loc["S1", "registration_ids"] is None
    assert list(defects.suppliers.row_numbers) == [1, 1]


def test_identical_duplicate_release_is_dropped_with_a_warning(tmp_path: Path) -> None:
    """Two identical copies of a release: one warning saying it is an identical copy, one process."""
    release = {"ocid": "dup", "id": "r1", "date": "2024-01-01T00:00:00Z", "tag": ["tender"],
               "tender": {"id": "T", "title": "Twice"}}
    path = tmp_path / "dup.json"
    package = {"publisher": {"name": "P"}, "releases": [release, release]}
    path.write_text(json.dumps(package), encoding="utf-8")
    result = read_ocds(path)
    warning = _issues(result, "ocds.duplicate_release")
    assert warning["source_row"].tolist() == [2]
    assert "identical copy" in warning["problem"].iloc[0]
    assert len(result.contracts) == 1


def test_repeated_warnings_are_capped_with_a_summary() -> None:
    """Beyond the cap, warnings of one kind are summarised in one row; errors are never capped."""
    issues = [Issue(r, "/tag", "award", "tag is a string", "fix it", "ocds.tag_string") for r in range(1, 6)]
    issues += [Issue(row, "/ocid", None, "no ocid", "add it", "ocds.missing_ocid", severity="error")
               for row in range(6, 10)]
    log = IssueLog(source_file="f.json")
    left_out = write_issues(issues, log, cap=2)
    frame = log.frame()
    assert left_out == {("ocds.tag_string", "/tag"): 3}
    assert (frame["code"] == "ocds.tag_string").sum() == 3  # two listed and one summary
    assert frame["problem"].str.contains("3 more warnings").sum() == 1
    assert (frame["severity"] == "error").sum() == 4


# --- Cardinal-compatible fields -----------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "ok"), [
    ("2024-01-31T17:00:00Z", True),
    ("2024-01-31t17:00:00z", True),
    ("2024-01-31 17:00:00+01:00", True),
    ("2024-01-31T17:00:00.123456789123-05:30", True),
    ("2016-12-31T23:59:60Z", True),
    ("2024-01-31", False),
    ("2024-01-31T17:00:00", False),
    ("2024-01-31T17:00Z", False),
    ("2024-02-30T00:00:00Z", False),
    ("2024-01-31T24:00:00Z", False),
    ("2024-01-31T17:00:00+24:00", False),
    ("2024-01-31T17:00:00+0100", False),
    ("2024-01-31T17:00:00.Z", False),
    ("2024-01-31T17:00:00Z ", False),
    ("２０２４-01-31T17:00:00Z", False),
    (20240131, False),
])
def test_rfc3339_is_strict(value: Any, ok: bool) -> None:
    """Only strict RFC 3339 date-times with an offset parse (§4.1 step 3)."""
    assert (parse_rfc3339(value) is not None) == ok


@pytest.mark.parametrize(("start", "end", "days"), [
    ("2024-01-01T00:00:00Z", "2024-01-15T23:59:59Z", 14),
    ("2024-01-01T00:00:00Z", "2024-01-16T00:00:00Z", 15),
    ("2024-01-01T00:00:00+02:00", "2024-01-15T22:00:00Z", 15),
    ("2024-01-02T00:00:00Z", "2024-01-01T00:00:01Z", 0),  # -23:59:59 truncates toward zero, not to -1
    ("2024-01-03T00:00:00Z", "2024-01-01T00:00:00.5Z", -1),
    ("2024-01-01T00:00:00.999Z", "2024-01-02T00:00:00Z", 0),
])
def test_submission_period_truncates_toward_zero(start: str, end: str, days: int) -> None:
    """Whole days between the instants, seconds then days truncated toward zero (§4.1 step 4)."""
    assert submission_period_days({"tenderPeriod": {"startDate": start, "endDate": end}}) == (days, False)


def test_submission_period_is_null_without_strict_dates() -> None:
    """Date-only periods give no day count (and say so); a missing date or tender gives none silently."""
    assert submission_period_days({"tenderPeriod": {"startDate": "2024-01-01", "endDate": "2024-01-10"}}) == (
        None, True)
    assert submission_period_days({"tenderPeriod": {"endDate": "2024-01-10T00:00:00Z"}}) == (None, False)
    assert submission_period_days([]) == (None, False)


@pytest.mark.parametrize(("raw", "strict"), [(1, 1), (0, 0), (-1, -1), (1.0, None), ("1", None), (True, None),
                                             (None, None)])
def test_number_of_tenderers_counts_only_json_integers(raw: Any, strict: int | None) -> None:
    """numberOfTenderers counts only as a JSON integer (§3.6)."""
    assert strict_number_of_tenderers({"numberOfTenderers": raw}) == (strict, raw)


@pytest.fixture(scope="module")
def bids() -> pd.DataFrame:
    """The contracts of the hand-made bids file, indexed by contract id."""
    return read_ocds(HAND / "ocds_bids.json").contracts.frame.set_index("contract_id")


def test_runner_up_gap_uses_valid_single_tenderer_bids_in_the_winners_currency(bids: pd.DataFrame) -> None:
    """The lowest other valid bid (105, not the 102 joint bid, the EUR bid, text or disqualified ones)."""
    row = bids.loc["gap-basic/a1"]
    assert row["lowest_other_bid_value"] == 105.0
    assert row["runner_up_price_gap"] == pytest.approx(0.05)
    assert row["extras"]["bid_currency"] == "GBP"
    assert row["extras"]["lowest_other_tenderer"] == "Y"
    assert pd.isna(bids.loc["gap-basic/a0", "runner_up_price_gap"])  # the cancelled award's row


@pytest.mark.parametrize("contract_id", ["gap-pending-award/a1", "gap-winner-not-lowest/a1",
                                         "gap-two-suppliers/a1/1"])
def test_runner_up_gap_is_null_when_cardinal_skips_the_process(bids: pd.DataFrame, contract_id: str) -> None:
    """A pending award, a winner who did not bid lowest, or two suppliers on the award: no ratio."""
    assert bids.loc[contract_id, "runner_up_price_gap"] is None
    assert bids.loc[contract_id, "lowest_other_bid_value"] is None


def test_runner_up_gap_with_a_zero_winning_bid_is_infinite(bids: pd.DataFrame) -> None:
    """A winning amount of 0 gives +inf, as Cardinal's IEEE division does."""
    assert math.isinf(bids.loc["gap-zero-winner/a1", "runner_up_price_gap"])


def test_json_lines_are_recognised_without_the_jsonl_suffix(tmp_path: Path) -> None:
    """A .json file holding one release per line is read as JSON Lines (line numbers as rows)."""
    lines = (REAL / "mexico-gacm_releases.jsonl").read_text(encoding="utf-8").splitlines()[:5]
    path = tmp_path / "releases.json"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = read_ocds(path)
    assert (result.releases_read, result.processes) == (5, 2)  # ocid 10 on lines 1-3, ocid 100 on lines 4-5
    assert any("JSON Lines" in note for note in result.notes)
    assert set(result.contracts.row_numbers) == {1, 4}  # a process's row is the line of its first release


def _release_text(ocid: str, buyer_name: str) -> str:
    """One small release as JSON text, with the buyer's name spliced in as raw JSON string content."""
    body = {"ocid": ocid, "id": f"{ocid}-1", "date": "2024-01-01T00:00:00Z", "tag": ["award"],
            "buyer": {"id": "B1", "name": "BUYER"}, "parties": [{"id": "B1", "name": "BUYER", "roles": ["buyer"]}],
            "awards": [{"id": "A1", "suppliers": [{"id": "S1", "name": "Supplier"}]}]}
    return json.dumps(body).replace('"BUYER"', f'"{buyer_name}"')


@pytest.mark.parametrize("shape", ["jsonl", "package"])
def test_lone_surrogate_is_reported_and_stored_as_replacement_character(tmp_path: Path, shape: str) -> None:
    """A publisher's unpaired surrogate escape (\\ud800) is a warning naming the line or file, read as U+FFFD;
    the ingest stores the file (it used to stop with an internal UnicodeEncodeError), and a proper pair is kept."""
    from procrisk.ingest.pipeline import prepare_file

    # the buyer name comes twice (buyer and party), so two lone escapes on the first line
    lines = [_release_text("ocds-a-1", "Ministry \\ud800 of Works"), _release_text("ocds-a-2", "Smile \\ud83d\\ude00")]
    if shape == "jsonl":
        path = tmp_path / "lone.jsonl"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    else:
        path = tmp_path / "lone.json"
        path.write_text('{"uri": "u", "publishedDate": "2024-01-01T00:00:00Z", "releases": [' + ",".join(lines)
                        + "]}", encoding="utf-8")
    prepared = prepare_file(path)
    assert len(prepared.tables["contracts"]) == 2 and prepared.rows_quarantined == 0
    names = sorted(prepared.tables["contracts"]["buyer_name"].tolist())
    assert names == ["Ministry \ufffd of Works", "Smile \U0001F600"]
    issues = prepared.issues[prepared.issues["code"] == "ocds.lone_surrogate"]
    assert len(issues) == 1
    issue = issues.iloc[0]
    assert issue["severity"] == "warning" and "2 unpaired UTF-16 surrogate" in issue["problem"]
    assert issue["column"] == ("line 1" if shape == "jsonl" else "file")
    assert "must be followed by" in issue["fix"]


def test_stored_registration_ids_are_the_publishers_ids() -> None:
    """Paraguay's suppliers carry their RUC as an identifier: stored as that id, not as the text of a list."""
    from procrisk.ingest.pipeline import prepare_file

    suppliers = prepare_file(REAL / "paraguay-dncp_release-package.json").tables["suppliers"]
    ids = [i for cell in suppliers["registration_ids"].dropna() for i in cell]
    assert ids
    assert not [i for i in ids if i.startswith("[")]
    assert any(i.endswith("-80002612-8") for i in ids)


def test_suppliers_merge_across_processes_without_changing_any_process() -> None:
    """An organisation seen in several processes gets every role, registration id and scheme once, in the order
    first seen, with the first process's row and source; the processes' own suppliers are left as they were."""
    from procrisk.ingest.ocds.tables import Process, supplier_table

    first = ("GB-COH-1", "GB-COH-1", None, "GB", ["GB-COH-1"], {"tenderer"}, ["GB-COH"])
    second = ("GB-COH-1", "GB-COH-1", "Acme", "FR", ["GB-COH-1", "XI-LEI-9", "XI-LEI-9"], {"supplier"},
              ["GB-COH", "XI-LEI"])
    processes = [Process([], [first], [], 3, "", [], "ocds-1", "src-a"),
                 Process([], [second], [], 7, "", [], "ocds-2", "src-b")]
    before = [list(p.suppliers[0][4]) + sorted(p.suppliers[0][5]) + list(p.suppliers[0][6]) for p in processes]
    table, _, never_won, _ = supplier_table(processes, is_dir=False, name="x.jsonl")
    row = table.frame.iloc[0].to_dict()
    assert (row["supplier_name"], row["supplier_country"], row["source"]) == ("Acme", "GB", "src-a")
    assert row["registration_ids"] == ["GB-COH-1", "XI-LEI-9"]
    assert row["extras"] == {"roles": ["supplier", "tenderer"]}
    assert (list(table.row_numbers), never_won) == ([3], 0)
    assert [list(p.suppliers[0][4]) + sorted(p.suppliers[0][5]) + list(p.suppliers[0][6])
            for p in processes] == before


def test_runs_merged_by_a_worker_give_what_their_processes_give_one_by_one() -> None:
    """Suppliers and classification schemes merged per run of processes (as a worker merges its batch), then
    run after run, give the same suppliers (values, order, first row) and scheme warnings as merging every
    process in turn, also when an organisation or scheme comes again in a later run."""
    from procrisk.ingest.ocds.tables import (
        Merged,
        Process,
        add_schemes,
        add_suppliers,
        classification_issues,
        merge_suppliers,
    )

    def org(number: int, name: str | None, country: str | None, ids: list[str], roles: set[str]) -> tuple[object, ...]:
        """One organisation seen in a process."""
        return (f"GB-COH-{number}", f"GB-COH-{number}", name, country, ids, roles, ["GB-COH", f"S{number}"])

    processes = [
        Process([], [org(1, None, None, ["a"], {"tenderer"}), org(2, "Two", "FR", [], {"supplier"})], ["X", "X"],
                1, "", [], "ocds-1", "src-1"),
        Process([], [org(1, "One", "GB", ["b", "a"], {"supplier"})], ["CPV", "Y"], 2, "", [], "ocds-2", None),
        Process([], [org(3, "Three", None, [], {"tenderer"})], [], 3, "", [], "ocds-3", "src-3"),
        Process([], [org(1, "Uno", "ES", ["c"], {"tenderer"}), org(3, None, "DE", ["d"], {"supplier"})], ["Y", "X"],
                4, "", [], "ocds-4", "src-4"),
        Process([], [org(4, "Four", None, [], {"supplier"})], ["Z"], 5, "", [], "ocds-5", "src-5"),
    ]

    def run(part: list[Process]) -> Merged:
        """The part's processes merged as read_batch merges a batch."""
        suppliers: dict[str, list[object]] = {}
        schemes: dict[str, list[object]] = {}
        for p in part:
            add_suppliers(suppliers, p.suppliers, p.row, p.member, p.source)
            add_schemes(schemes, p.schemes, p.row, p.member)
        return Merged(part[0].row, suppliers, schemes, [])

    one_by_one = merge_suppliers(processes)
    mixed = [run(processes[:2]), processes[2], run(processes[3:])]
    assert list(merge_suppliers(mixed).items()) == list(one_by_one.items())
    mixed = [run(processes[:2]), processes[2], run(processes[3:])]
    assert classification_issues(mixed) == classification_issues(processes)
    assert [i.value for i in classification_issues(processes)] == ["X", "Y", "Z"]
    assert "(2 processes)" in classification_issues(processes)[0].problem


def test_identifier_warnings_name_the_first_organisation_and_count_every_one() -> None:
    """An organisation without identifiers is warned about at its own row; a scheme that is not org-id style
    once, at the first organisation using it, with the number of organisations using it."""
    from procrisk.ingest.ocds.tables import Process, supplier_table

    def org(number: int, ids: list[str], schemes: list[str]) -> tuple[object, ...]:
        """One organisation seen in a process."""
        return (f"k{number}", f"id-{number}", f"Org {number}", None, ids, {"supplier"}, schemes)

    both = [org(2, [], []), org(3, ["ZZ-3"], ["Local Register", "GB-COH"])]
    processes = [Process([], [org(1, ["GB-COH-1"], ["GB-COH"])], [], 2, "", [], "o-1", "s"),
                 Process([], both, [], 5, "", [], "o-2", "s"),
                 Process([], [org(4, ["ZZ-4"], ["Local Register"])], [], 9, "", [], "o-3", "s")]
    _, issues, _, _ = supplier_table(processes, is_dir=False, name="x.jsonl")
    assert [(i.code, i.row, i.value) for i in issues] == [
        ("ocds.missing_identifier", 5, "id-2"), ("ocds.identifier_scheme", 5, "Local Register")]
    assert "(2 organisations)" in issues[1].problem


@pytest.mark.parametrize("local", [False, True])
def test_identifier_scheme_warnings_are_the_same_from_runs_with_their_schemes(local: bool) -> None:
    """Runs merged by a worker, which bring the identifier schemes their suppliers use, give the warnings that
    the same processes give one by one, whether every scheme is org-id style (nothing counted) or not."""
    from procrisk.ingest.ocds.tables import Merged, Process, add_suppliers, identifier_schemes, supplier_table

    def org(number: int, schemes: list[str]) -> tuple[object, ...]:
        """One organisation seen in a process."""
        return (f"k{number}", f"id-{number}", f"Org {number}", None, [f"GB-COH-{number}"], {"supplier"}, schemes)

    def processes() -> list[Process]:
        """Four processes, the third naming a local register or not."""
        return [Process([], [org(1, ["GB-COH"]), org(2, [])], [], 2, "", [], "o-1", "s"),
                Process([], [org(3, ["GB-COH", "XI-LEI"])], [], 5, "", [], "o-2", "s"),
                Process([], [org(1, ["Local Register" if local else "GB-CHC"])], [], 7, "", [], "o-3", "s"),
                Process([], [org(4, ["GB-COH"])], [], 9, "", [], "o-4", "s")]

    def run(part: list[Process], *, listed: bool) -> Merged:
        """The part's processes merged as a worker merges a batch, with its schemes' list or without."""
        suppliers: dict[str, list[object]] = {}
        for p in part:
            add_suppliers(suppliers, p.suppliers, p.row, p.member, p.source)
        return Merged(part[0].row, suppliers, {}, [], identifier_schemes(suppliers) if listed else None)

    def issues(given: list[Process | Merged]) -> list[Issue]:
        """The suppliers table's issues."""
        return supplier_table(given, is_dir=False, name="x.jsonl").issues

    expected = issues(processes())
    for listed in (True, False):
        first, rest = processes(), processes()
        assert issues([run(first[:2], listed=listed), rest[2], run(rest[3:], listed=listed)]) == expected
        assert issues([processes()[0], run(processes()[1:], listed=listed)]) == expected
    assert [(i.code, i.row, i.value) for i in expected] == ([("ocds.identifier_scheme", 2, "Local Register")]
                                                            if local else [])  # at the row org 1 was first seen


def test_contract_columns_no_row_fills_are_left_out_of_the_frame() -> None:
    """Rows held as columns (worker batches) give the frame every column some row fills, however late, and
    none that no row fills."""
    import numpy

    from procrisk.ingest.ocds.flatten import CONTRACT_FIELDS
    from procrisk.ingest.ocds.tables import contract_table

    def rows(first: int, count: int, title: str | None) -> tuple[list[tuple[object, ...]], object, str, list[None]]:
        """A piece of ``count`` rows from row ``first``, the last one titled ``title``."""
        columns = [[None] * count for _ in CONTRACT_FIELDS]
        columns[CONTRACT_FIELDS.index("contract_id")] = [f"c{first + n}" for n in range(count)]
        columns[CONTRACT_FIELDS.index("title")][-1] = title
        return [tuple(c) for c in columns], numpy.arange(first, first + count), "", [None] * count

    table, _ = contract_table([], is_dir=False, name="x.jsonl", pieces=[rows(1, 3, None), rows(4, 3, "Late")])
    assert list(table.frame.columns) == ["contract_id", "title"]
    assert table.frame["title"].tolist() == [None] * 5 + ["Late"]


def test_suppliers_extras_come_as_the_json_text_the_pipeline_stores() -> None:
    """Each supplier's extras text is what the pipeline would write of its extras dict (each list of roles is
    written once and shared); in a folder, where the extras also name the file, the pipeline writes them."""
    from procrisk.ingest.ocds.tables import Process, extras_text, supplier_table

    def supplier(number: int, roles: set[str]) -> tuple[object, ...]:
        """One organisation seen in a process."""
        return (f"GB-COH-{number}", f"GB-COH-{number}", f"Org {number}", "GB", [], roles, [])

    roles = [{"supplier"}, {"tenderer"}, {"supplier", "tenderer"}, {"supplier"}, {"tenderer", "supplier"}]
    processes = [Process([], [supplier(n, found)], [], n, "a.jsonl", [], f"ocds-{n}", "src")
                 for n, found in enumerate(roles)]
    made = supplier_table(processes, is_dir=False, name="x.jsonl")
    assert made.extras is not None
    assert made.extras.tolist() == extras_text(made.raw.frame["extras"]).tolist()
    assert made.extras[0] is made.extras[3] and made.extras[2] is made.extras[4]
    dicts = made.raw.frame["extras"].tolist()  # the same roles share one (read-only) dict too
    assert dicts[2] == dicts[4] == {"roles": ["supplier", "tenderer"]}
    assert dicts[0] is dicts[3] and dicts[1] == {"roles": ["tenderer"]}
    in_folder = supplier_table(processes, is_dir=True, name="folder")
    assert in_folder.extras is None
    folder_dicts = in_folder.raw.frame["extras"].tolist()  # each names its file in a dict of its own
    assert folder_dicts[0] == folder_dicts[3] == {"roles": ["supplier"], "ocds_file": "a.jsonl"}
    assert folder_dicts[0] is not folder_dicts[3]
    assert dicts[0] == {"roles": ["supplier"]}  # the shared dict is left as it was
