"""The verification record a report carries: its run parameters, content digests and per-entity fingerprints.

The digests cover what the report says (scores, findings, rules, data quality, scope, inputs and settings),
never when it was made: the same workspace, rules and settings give the same digests on any day.
"""

from __future__ import annotations

import hashlib
import json
import math
import zlib
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from procrisk.version import __version__

if TYPE_CHECKING:
    from procrisk.report.data import ReportData

PAYLOAD_FORMAT = "procrisk-report/1"
SECTIONS = ("inputs", "summary", "contracts", "findings", "suppliers", "not_assessed", "rules", "data_quality")
# Settings keys that name the file rather than the model (a verify re-run reads the settings from the report).
FILE_KEYS = ("source", "sha256")


def _text(value: Any) -> str:
    """One value as canonical text: missing empty, numbers rounded to 6 decimals, dates ISO."""
    if value is None or value is pd.NA or value is pd.NaT:
        return ""
    if isinstance(value, bool | np.bool_):
        return "true" if value else "false"
    if isinstance(value, int | np.integer):
        return str(int(value))
    if isinstance(value, float | np.floating):
        return "" if math.isnan(value) else f"{float(value):.6f}"
    if isinstance(value, datetime | pd.Timestamp):
        return value.date().isoformat() if value == pd.Timestamp(value).normalize() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list | tuple | np.ndarray):
        return ";".join(_text(x) for x in value)
    return str(value)


def column_texts(series: pd.Series) -> list[str]:
    """The canonical text of every value of a column, computed once per distinct value."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        table = np.array([*(_text(c) for c in series.cat.categories), ""], dtype=object)
        codes = series.cat.codes.to_numpy()
        return table[np.where(codes < 0, len(table) - 1, codes)].tolist()
    values = series.map(lambda x: tuple(x) if isinstance(x, list | np.ndarray) else x, na_action="ignore") \
        if series.dtype == object else series
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    if pd.api.types.is_float_dtype(uniques.dtype):  # many distinct scores: format them without per-value checks
        texts = ["" if math.isnan(v) else f"{v:.6f}" for v in np.asarray(uniques, dtype=np.float64).tolist()]
    else:
        texts = [_text(u) for u in list(uniques)]
    table = np.array([*texts, ""], dtype=object)
    return table[np.where(codes < 0, len(uniques), codes)].tolist()


def _update_arrow(h: Any, arr: pa.Array | pa.ChunkedArray) -> None:
    """Hash Arrow text as its values, each followed by the record separator (missing as empty)."""
    arr = arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr
    step = 200_000
    for start in range(0, len(arr), step):
        part = pc.fill_null(arr.slice(start, step).cast(pa.large_string()), "")
        joined = pc.binary_join_element_wise(part, pa.scalar("\x1e", pa.large_string()),
                                             pa.scalar("", pa.large_string()))
        offsets = np.frombuffer(joined.buffers()[1], dtype=np.int64)
        first, last = int(offsets[joined.offset]), int(offsets[joined.offset + len(joined)])
        h.update(memoryview(joined.buffers()[2])[first:last])


def _is_arrow_text(series: pd.Series) -> bool:
    """Whether a column holds Arrow text (hashed straight from its buffers)."""
    dtype = series.dtype
    if isinstance(dtype, pd.ArrowDtype):
        return pa.types.is_string(dtype.pyarrow_dtype) or pa.types.is_large_string(dtype.pyarrow_dtype)
    return isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow"


def frame_digest(frame: pd.DataFrame) -> str:
    """sha256 of a table's canonical text, column by column, rows in order."""
    h = hashlib.sha256()
    h.update(f"{len(frame)}\x1d".encode())
    for name in frame.columns:
        h.update(str(name).encode() + b"\x1f")
        series = frame[name]
        if _is_arrow_text(series):
            _update_arrow(h, pa.array(series.array))
        elif isinstance(series.dtype, pd.CategoricalDtype):
            texts = pa.array([*(_text(c) for c in series.cat.categories), ""], pa.large_string())
            codes = series.cat.codes.to_numpy()
            _update_arrow(h, pa.DictionaryArray.from_arrays(
                pa.array(np.where(codes < 0, len(texts) - 1, codes), pa.int32()), texts).dictionary_decode())
        else:
            texts = column_texts(series)
            step = 200_000
            for start in range(0, len(texts), step):  # each value followed by the record separator
                h.update(("\x1e".join(texts[start:start + step]) + "\x1e").encode("utf-8", "surrogatepass"))
        h.update(b"\x1d")
    return h.hexdigest()


def _json_digest(value: Any) -> str:
    """sha256 of sorted, compact JSON."""
    return hashlib.sha256(json.dumps(value, sort_keys=True, default=_text, separators=(",", ":")).encode()).hexdigest()


def model_settings(settings: dict[str, Any] | None) -> dict[str, Any]:
    """The settings without the keys that only name the file they came from."""
    return {k: v for k, v in (settings or {}).items() if k not in FILE_KEYS}


def parameters(data: ReportData) -> dict[str, Any]:
    """What decides a report's content besides the data rows: scope, inputs, rules, settings, reference data."""
    m = data.manifest
    catalogue = m.get("catalogue") or {}
    reference = {name: {"edition": (info or {}).get("edition"), "sha256": (info or {}).get("sha256")}
                 for name, info in sorted((m.get("reference") or {}).items())}
    thresholds = {**((m.get("suppliers") or {}).get("thresholds") or {}),
                  **((m.get("contracts") or {}).get("thresholds") or {})}
    return {
        "filters": data.filters.as_dict(),
        "as_of": data.as_of,
        "batches": [{k: b.get(k) for k in ("batch_id", "source_file", "source_sha256")} for b in m.get("batches", [])],
        "catalogue": {"hash": catalogue.get("catalogue_hash"), "versions": catalogue.get("versions") or {},
                      "weights": catalogue.get("weights") or {}, "hard_flags": catalogue.get("hard_flags") or [],
                      "settings": model_settings(catalogue.get("settings"))},
        "reference": reference,
        "thresholds": thresholds,
    }


def section_digests(data: ReportData) -> dict[str, str]:
    """A digest per report section (see SECTIONS)."""
    summary = pd.DataFrame(data.summary, columns=["label", "value"]).astype({"value": object})
    summary = summary[summary["label"] != "Scoring run"]  # the run id names the run, not its content
    return {
        "inputs": _json_digest(parameters(data)),
        "summary": frame_digest(summary.assign(value=summary["value"].map(_text))),
        "contracts": frame_digest(data.contracts),
        "findings": frame_digest(data.findings),
        "suppliers": frame_digest(data.suppliers),
        "not_assessed": _json_digest([frame_digest(data.not_assessed), frame_digest(data.field_gaps)]),
        "rules": frame_digest(data.rules),
        "data_quality": _json_digest([frame_digest(data.sources), frame_digest(data.issues)]),
    }


def content_digest(sections: dict[str, str]) -> str:
    """The one digest of a report's content (over its section digests)."""
    return _json_digest({k: sections[k] for k in SECTIONS})


def _flagged_codes(data: ReportData) -> list[str]:
    """Per contract of the report, its flagged rule codes (space-separated, heaviest first)."""
    n = len(data.contracts)
    f = data.findings
    if not len(f):
        return [""] * n
    keys = f["key"].astype("category")
    where = pd.Index(data.contracts["key"].astype(object)).get_indexer(keys.cat.categories.astype(object))
    pos = where[keys.cat.codes.to_numpy()]
    rules = f["rule_code"].astype("category")
    names = np.asarray(rules.cat.categories, dtype=object)[rules.cat.codes.to_numpy()].tolist()
    ends = np.cumsum(np.bincount(pos, minlength=n))  # findings are grouped by contract, in contract order
    starts = np.concatenate([[0], ends[:-1]])
    return [" ".join(names[a:b]) for a, b in zip(starts.tolist(), ends.tolist(), strict=True)]


def fingerprints(data: ReportData) -> dict[str, dict[str, list[Any]]]:
    """Per contract key [score, band, flagged rule codes] and per supplier id [score, band], for listing changes."""
    c = data.contracts
    scores = pd.to_numeric(c["score"], errors="coerce").round(2).astype(object)
    contracts = {str(k): [None if pd.isna(s) else float(s), str(b), f]
                 for k, s, b, f in zip(c["key"], scores, c["band"].astype(str), _flagged_codes(data), strict=True)}
    s = data.suppliers
    supplier_scores = pd.to_numeric(s["score"], errors="coerce").round(2).astype(object)
    suppliers = {str(k): [None if pd.isna(x) else float(x), str(b)]
                 for k, x, b in zip(s["supplier_id"], supplier_scores, s["band"].astype(str), strict=True)}
    return {"contracts": contracts, "suppliers": suppliers}


def make_payload(data: ReportData, report_format: str) -> dict[str, Any]:
    """The verification record a report embeds (hidden sheet, PDF attachment or side-car file)."""
    sections = section_digests(data)
    m = data.manifest
    return {
        "format": PAYLOAD_FORMAT,
        "report": {"title": data.title, "format": report_format, "written_by": __version__},
        "run": {"run_id": data.run_id, "created_at": data.created_at, "content_id": m.get("content_id"),
                "as_of": data.as_of, "procrisk_version": m.get("procrisk_version"),
                "rules_dirs": m.get("rules_dirs") or []},
        "parameters": parameters(data),
        "digest": content_digest(sections),
        "sections": sections,
        "counts": {"contracts": len(data.contracts), "findings": len(data.findings),
                   "suppliers": len(data.suppliers)},
        "fingerprints": fingerprints(data),
    }


def encode(payload: dict[str, Any]) -> bytes:
    """The payload as compact, sorted UTF-8 JSON."""
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def pack(payload: dict[str, Any]) -> bytes:
    """The payload compressed (zlib) for embedding in a workbook."""
    return zlib.compress(encode(payload), 6)


def unpack(blob: bytes) -> dict[str, Any]:
    """A payload from ``pack`` or plain JSON bytes."""
    raw = zlib.decompress(blob) if blob[:1] == b"x" else blob
    return json.loads(raw.decode("utf-8"))
