"""``procrisk verify``: recompute a report from the workspace and say "matches" or list what differs.

A report carries its verification record (hidden ``_verify`` sheet, PDF attachment or side-car manifest): the
run parameters (input batches and their hashes, rule versions, settings, reference data, as-of date, filters),
content digests and per-contract fingerprints. Verify re-runs the analysis with those parameters on the
workspace as it is now, rebuilds the report data, compares, and checks that the file was not edited since.
"""

from __future__ import annotations

import base64
import inspect
import tempfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from procrisk.api import analyse
from procrisk.config import Config
from procrisk.errors import UsageError
from procrisk.report.data import ReportData, build_report_data
from procrisk.report.digest import PAYLOAD_FORMAT, SECTIONS, make_payload, model_settings, unpack
from procrisk.report.filters import Filters
from procrisk.report.inputs import load_inputs
from procrisk.report.manifest import flatten
from procrisk.report.pdf import read_attachment
from procrisk.report.tabular import changed_files, read_sidecar
from procrisk.report.xlsx import VERIFY_PREFIX, VERIFY_SHEET
from procrisk.version import __version__

LIMIT = 40  # changes listed per kind before "... and N more"
SECTION_NAMES = {"inputs": "inputs", "summary": "key figures", "contracts": "Contracts", "findings": "Findings",
                 "suppliers": "Suppliers", "not_assessed": "Not assessed", "rules": "Rules",
                 "data_quality": "Data quality"}


@dataclass(frozen=True)
class VerifyResult:
    """Whether a report matches its workspace, the differences found and notes that are not differences."""

    matches: bool
    differences: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    recorded_digest: str = ""
    current_digest: str = ""

    @property
    def summary(self) -> str:
        """One line: ``matches`` or ``differs (N differences)``."""
        if self.matches:
            return f"matches (content digest {self.recorded_digest[:16]})"
        return f"differs ({len(self.differences)} difference{'s' if len(self.differences) != 1 else ''})"


# -- reading the record ------------------------------------------------------------------------------------

def _kind(path: Path) -> str:
    """xlsx, pdf or tables (a csv / parquet export folder), from the path and the file's first bytes."""
    if path.is_dir() or path.suffix.lower() in (".json", ".csv", ".parquet"):
        return "tables"
    if not path.is_file():
        msg = f"{path}: no such report; give the .xlsx or .pdf file, or the folder of a csv / parquet export"
        raise UsageError(msg)
    with path.open("rb") as fh:
        head = fh.read(5)
    if head.startswith(b"%PDF"):
        return "pdf"
    if head.startswith(b"PK"):
        return "xlsx"
    msg = f"{path}: not a procrisk report (neither .xlsx, .pdf nor an export folder)"
    raise UsageError(msg)


def _sheet(path: Path, name: str) -> list[list[Any]] | None:
    """The rows of one sheet of a workbook (python-calamine), or None when the sheet is missing."""
    from python_calamine import CalamineWorkbook

    book = CalamineWorkbook.from_path(str(path))
    if name not in book.sheet_names:
        return None
    return book.get_sheet_by_name(name).to_python()


def _workbook_record(path: Path) -> dict[str, Any] | None:
    """The payload kept in a workbook's hidden sheet."""
    rows = _sheet(path, VERIFY_SHEET)
    if rows is None:
        return None
    text = "".join(str(r[0])[len(VERIFY_PREFIX):] for r in rows[1:] if r and str(r[0]).startswith(VERIFY_PREFIX))
    return unpack(base64.b64decode(text)) if text else None


def _unquote(value: Any) -> str:
    """A cell's text as written before neutralisation (the apostrophe procrisk added removed)."""
    text = "" if value is None else str(value)
    return text[1:] if text.startswith("'") and text[1:2] in ("=", "+", "-", "@", "\t", "\r") else text


def _edited_contracts(path: Path, recorded: Mapping[str, list[Any]]) -> list[str]:
    """Differences between the visible Contracts sheet and the scores recorded when the workbook was written."""
    rows = _sheet(path, "Contracts")
    if not rows:
        return ["sheet Contracts is missing"]
    header = [str(h) for h in rows[0]]
    try:
        at = {name: header.index(label) for name, label in (("key", "Contract"), ("score", "Score"), ("band", "Band"))}
    except ValueError:
        return ["sheet Contracts: the Contract, Score or Band column is missing or renamed"]
    out, seen = [], set()
    for number, row in enumerate(rows[1:], start=2):
        if not any(x not in (None, "") for x in row):
            continue
        key = _unquote(row[at["key"]])
        seen.add(key)
        if key not in recorded:
            out.append(f"sheet Contracts row {number}: contract {key} was not in the report as written")
            continue
        score, band = row[at["score"]], str(row[at["band"]] or "")
        was_score, was_band = recorded[key][0], recorded[key][1]
        if isinstance(score, int | float) and was_score is not None and float(np.round(score, 2)) != was_score:
            out.append(f"sheet Contracts row {number} ({key}): score {float(score):.1f} in the file, "
                       f"{was_score:.1f} when written")
        if band != was_band:
            out.append(f"sheet Contracts row {number} ({key}): band {band or '(empty)'} in the file, {was_band} when "
                       "written")
    out += [f"sheet Contracts: contract {key} was deleted from the sheet" for key in sorted(set(recorded) - seen)]
    return out


def read_record(report: Path | str) -> tuple[dict[str, Any], list[str], list[str]]:
    """(verification record, edits found in the file, notes) of a report file or export folder."""
    path = Path(report)
    kind = _kind(path)
    notes: list[str] = []
    if kind == "tables":
        payload, folder = read_sidecar(path)
        return payload, changed_files(payload, folder), notes
    if kind == "pdf":
        blob = read_attachment(path)
        payload = unpack(blob) if blob else None
        notes.append("The PDF's pages are not compared with its attached record; keep the PDF signed or hashed "
                     "to show it was not edited.")
        edits: list[str] = []
    else:
        payload = _workbook_record(path)
        edits = _edited_contracts(path, (payload or {}).get("fingerprints", {}).get("contracts", {})) if payload \
            else []
    if not payload or payload.get("format") != PAYLOAD_FORMAT:
        msg = f"{path}: no procrisk verification record in it (was it written by procrisk report?)"
        raise UsageError(msg)
    return payload, edits, notes


# -- recomputing ---------------------------------------------------------------------------------------------

def _settings_file(settings: Mapping[str, Any], folder: Path) -> Path:
    """The recorded settings as a settings file analyse can read."""
    data = model_settings(dict(settings))
    data["rules"] = {code: {k: v for k, v in (o or {}).items() if v is not None}
                     for code, o in (data.get("rules") or {}).items()}
    data = {k: v for k, v in data.items() if v is not None}
    path = folder / "settings.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=True), encoding="utf-8")
    return path


def recompute(payload: Mapping[str, Any], workspace: Path | str | None = None,
              progress: Callable[[str, float], None] | None = None, config: Config | None = None) -> ReportData:
    """Re-run the analysis with the recorded rules, settings and as-of date, and rebuild the report's data."""
    params = payload["parameters"]
    run = payload.get("run") or {}
    dirs = run.get("rules_dirs") or []
    options: dict[str, Any] = {"as_of": params.get("as_of") or None, "progress": progress, "config": config}
    if "store" in inspect.signature(analyse).parameters:
        options["store"] = False  # verifying must not add a run to the workspace
    with tempfile.TemporaryDirectory(prefix="procrisk-verify-") as tmp:
        settings = _settings_file(params["catalogue"]["settings"], Path(tmp))
        results = analyse(workspace, settings=settings, rules=dirs[0] if dirs else None, **options)
    inputs = load_inputs(results, workspace, config=config)
    return build_report_data(results, Filters.from_dict(params.get("filters")), inputs=inputs,
                             title=(payload.get("report") or {}).get("title"))


# -- comparing -------------------------------------------------------------------------------------------------

def _capped(lines: list[str], what: str, limit: int = LIMIT) -> list[str]:
    """At most ``limit`` lines, then one line counting the rest."""
    if len(lines) <= limit:
        return lines
    return [*lines[:limit], f"... and {len(lines) - limit:,} more {what}"]


def _batches(old: list[dict[str, Any]], new: list[dict[str, Any]]) -> Iterator[str]:
    """Input batches added, removed or changed."""
    before = {b["batch_id"]: b for b in old}
    after = {b["batch_id"]: b for b in new}
    for bid in sorted(set(after) - set(before)):
        yield f"batch {bid} added (file {after[bid].get('source_file')})"
    for bid in sorted(set(before) - set(after)):
        yield f"batch {bid} (file {before[bid].get('source_file')}) is no longer in the workspace"
    for bid in sorted(set(before) & set(after)):
        if before[bid].get("source_sha256") != after[bid].get("source_sha256"):
            yield f"batch {bid}: file hash changed"


def _mapping(old: Mapping[str, Any], new: Mapping[str, Any], label: Callable[[str], str]) -> Iterator[str]:
    """Keys added, removed or changed between two flat mappings."""
    for key in sorted(set(old) | set(new)):
        if key not in new:
            yield f"{label(key)} removed (was {old[key]})"
        elif key not in old:
            yield f"{label(key)} added ({new[key]})"
        elif old[key] != new[key]:
            yield f"{label(key)} {old[key]} -> {new[key]}"


def _rules(old: Mapping[str, Any], new: Mapping[str, Any]) -> Iterator[str]:
    """Rules added or removed, and version and weight changes of the rules in both catalogues."""
    was, now = old.get("versions", {}), new.get("versions", {})
    yield from (f"rule {c} added (version {now[c]})" for c in sorted(set(now) - set(was)))
    yield from (f"rule {c} removed (was version {was[c]})" for c in sorted(set(was) - set(now)))
    both = sorted(set(was) & set(now))
    yield from (f"rule {c} version {was[c]} -> {now[c]}" for c in both if was[c] != now[c])
    w_old, w_new = old.get("weights", {}), new.get("weights", {})
    yield from (f"rule {c} weight {w_old.get(c)} -> {w_new.get(c)}" for c in both if w_old.get(c) != w_new.get(c))


def _inputs(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
    """Differences in what decides the content: batches, rules, settings, reference data, thresholds, scope."""
    out = list(_batches(old.get("batches", []), new.get("batches", [])))
    oc, nc = old.get("catalogue", {}), new.get("catalogue", {})
    if oc.get("hash") != nc.get("hash"):
        out.append(f"rule catalogue changed (hash {str(oc.get('hash'))[:12]} -> {str(nc.get('hash'))[:12]})")
    out += _rules(oc, nc)
    if sorted(oc.get("hard_flags", [])) != sorted(nc.get("hard_flags", [])):
        out.append(f"hard-flag rules {', '.join(oc.get('hard_flags', []))} -> {', '.join(nc.get('hard_flags', []))}")
    out += _mapping(dict(flatten(oc.get("settings", {}))), dict(flatten(nc.get("settings", {}))),
                    lambda k: f"setting {k}")
    out += _mapping(dict(flatten(old.get("reference", {}))), dict(flatten(new.get("reference", {}))),
                    lambda k: f"reference data {k}")
    out += _mapping(dict(flatten(old.get("thresholds", {}))), dict(flatten(new.get("thresholds", {}))),
                    lambda k: f"computed threshold {k}")
    for key in ("as_of", "filters"):
        if old.get(key) != new.get(key):
            out.append(f"{key} {old.get(key)} -> {new.get(key)}")
    return out


def _score(value: Any) -> str:
    """A recorded score as text."""
    return "none" if value is None else f"{value:.1f}"


def _entities(kind: str, old: Mapping[str, list[Any]], new: Mapping[str, list[Any]]) -> list[str]:
    """Per contract or supplier: added, removed, score, band and flag changes."""
    out = [f"{kind} {k}: added" for k in sorted(set(new) - set(old))]
    out += [f"{kind} {k}: no longer in the report" for k in sorted(set(old) - set(new))]
    for key in sorted(set(old) & set(new)):
        a, b = old[key], new[key]
        parts = []
        if a[0] != b[0]:
            parts.append(f"score {_score(a[0])} -> {_score(b[0])}")
        if a[1] != b[1]:
            parts.append(f"band {a[1]} -> {b[1]}")
        if len(a) > 2 and a[2] != b[2]:
            was, now = set(a[2].split()), set(b[2].split())
            if now - was:
                parts.append(f"newly flagged {' '.join(sorted(now - was))}")
            if was - now:
                parts.append(f"no longer flagged {' '.join(sorted(was - now))}")
        if parts:
            out.append(f"{kind} {key}: {', '.join(parts)}")
    return out


def compare(recorded: Mapping[str, Any], current: Mapping[str, Any]) -> list[str]:
    """What differs between a report's record and the record of the same report recomputed now."""
    inputs = _capped(_inputs(recorded["parameters"], current["parameters"]), "input changes")
    out = list(inputs)
    old_fp, new_fp = recorded.get("fingerprints", {}), current.get("fingerprints", {})
    out += _capped(_entities("contract", old_fp.get("contracts", {}), new_fp.get("contracts", {})), "contract changes")
    out += _capped(_entities("supplier", old_fp.get("suppliers", {}), new_fp.get("suppliers", {})), "supplier changes")
    for name, before in (recorded.get("counts") or {}).items():
        after = (current.get("counts") or {}).get(name)
        if before != after:
            out.append(f"{name}: {before:,} -> {after:,}")
    for name in SECTIONS:
        if recorded["sections"].get(name) != current["sections"].get(name) and not (name == "inputs" and inputs):
            out.append(f"section {SECTION_NAMES[name]} differs")
    return out

def verify(report: Path | str, workspace: Path | str | None = None,
           progress: Callable[[str, float], None] | None = None, *, config: Config | None = None) -> VerifyResult:
    """Recompute ``report`` from ``workspace`` and compare: ``matches`` only when nothing differs."""
    recorded, edits, notes = read_record(report)
    data = recompute(recorded, workspace, progress, config)
    current = make_payload(data, recorded["report"].get("format", ""))
    differences = [*edits, *compare(recorded, current)]
    if recorded["digest"] != current["digest"] and not differences:
        differences.append("content digest differs")
    written_by = (recorded.get("report") or {}).get("written_by")
    if written_by and written_by != __version__:
        notes.append(f"The report was written by procrisk {written_by}; this is procrisk {__version__}.")
    return VerifyResult(matches=not differences, differences=differences, notes=notes,
                        recorded_digest=recorded["digest"], current_digest=current["digest"])
