"""The run manifest as a report shows it: identity, scope, catalogue, settings, data and reference data."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

import pandas as pd

from procrisk.version import __version__

if TYPE_CHECKING:
    from procrisk.report.data import ReportData

SKIPPED_KEYS = ("timings", "timings_s", "cpu_s", "wall_s", "seconds")  # time measurements differ on every run


def flatten(value: Any, prefix: str = "") -> Iterator[tuple[str, Any]]:
    """Nested dicts as ``(dotted.key, value)`` pairs in key order; lists as compact JSON; timings skipped."""
    if isinstance(value, Mapping):
        for key in sorted(value, key=str):
            if str(key) in SKIPPED_KEYS:
                continue
            yield from flatten(value[key], f"{prefix}.{key}" if prefix else str(key))
    elif isinstance(value, list | tuple):
        yield prefix, json.dumps(value, default=str, ensure_ascii=False, sort_keys=True)
    else:
        yield prefix, value


def _scalar(value: Any) -> Any:
    """A value for a label/value row: None as empty text, others unchanged."""
    return "" if value is None else value


def manifest_sections(data: ReportData, digest: str, report_format: str) -> dict[str, Any]:
    """``identity``: (label, value) rows, value None for a section title; ``reference``: a table of datasets."""
    m = data.manifest
    catalogue = m.get("catalogue") or {}
    settings = catalogue.get("settings") or {}
    versions = catalogue.get("versions") or {}
    batches = m.get("batches", [])
    rows: list[tuple[str, Any]] = [
        ("Report", None),
        ("Title", data.title), ("Report format", report_format), ("Written by", f"procrisk {__version__}"),
        ("Content digest (sha256, checked by procrisk verify)", digest), ("Scope", data.filters.describe()),
        ("Filters as recorded", json.dumps(data.filters.as_dict(), sort_keys=True)),
        ("Scoring run", None),
        ("Run id", data.run_id), ("Run created at", data.created_at), ("Run content id", _scalar(m.get("content_id"))),
        ("Reference date (as of)", data.as_of), ("procrisk version of the run", _scalar(m.get("procrisk_version"))),
        ("Rule directories", ", ".join(m.get("rules_dirs") or []) or "the shipped catalogue (rules/)"),
        ("Rule catalogue", None),
        ("Catalogue hash (sha256 of the rule files)", _scalar(catalogue.get("catalogue_hash"))),
        ("Rules", len(versions)),
        ("Rule versions", ", ".join(f"{code} v{v}" for code, v in sorted(versions.items()))),
        ("Hard-flag rules", ", ".join(catalogue.get("hard_flags") or [])),
        ("Settings", None),
        ("Settings file", _scalar(settings.get("source")) or "none (defaults)"),
        ("Settings file sha256", _scalar(settings.get("sha256"))),
        *((f"settings.{k}", _scalar(v)) for k, v in flatten({k: v for k, v in settings.items()
                                                              if k not in ("source", "sha256")})),
        ("Data", None),
        ("Input batches", len(batches)),
        ("Rows stored", sum(int(b.get("rows_stored") or 0) for b in batches)),
        ("Rows quarantined", sum(int(b.get("rows_quarantined") or 0) for b in batches)),
    ]
    ml = m.get("ml")
    if ml:
        rows += [("Models (procrisk.ml)", None), *((f"ml.{k}", _scalar(v)) for k, v in flatten(ml))]
    reference = pd.DataFrame(
        [{"name": name, "edition": (info or {}).get("edition"), "sha256": (info or {}).get("sha256"),
          "source": (info or {}).get("source"), "licence": (info or {}).get("licence")}
         for name, info in sorted((m.get("reference") or {}).items())],
        columns=["name", "edition", "sha256", "source", "licence"])
    return {"identity": rows, "reference": reference}
