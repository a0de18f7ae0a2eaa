"""Upload and map: drop a file, check the automatic column mapping and the issues, ingest, then score."""

from __future__ import annotations

import hashlib
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from procrisk import api
from procrisk.dashboard import components as ui
from procrisk.dashboard import data, state, views
from procrisk.errors import ProcriskError, UsageError
from procrisk.ingest.mapping import Mapping, dump_mapping
from procrisk.safety import neutralise_frame
from procrisk.schema.columns import TABLES

P = "up"  # session-key prefix of this page
TYPES = ["xlsx", "xlsm", "csv", "tsv", "txt", "json", "jsonl", "gz"]
KEEP = "(keep as extra)"


def key(name: str) -> str:
    """This page's session key for ``name``."""
    return state.prefixed(P, name)


def progress_bar(label: str) -> tuple[Any, Any]:
    """A progress bar, and the ``progress(stage, fraction)`` callback the api calls to move it."""
    slot = st.empty()
    bar = slot.progress(0.0, text=label)

    def update(stage: str, fraction: float) -> None:
        bar.progress(max(0.0, min(1.0, fraction)), text=f"{label}: {stage}")

    return update, slot


def staged(upload: Any) -> Path:
    """The uploaded file written once per upload to this session's private folder."""
    folder = st.session_state.setdefault(key("dir"), tempfile.mkdtemp(prefix="procrisk-upload-"))
    if st.session_state.get(key("file_id")) != upload.file_id:
        st.session_state[key("path")] = data.stage_upload(folder, upload.name, upload.getvalue())
        st.session_state[key("file_id")] = upload.file_id
        for name in ("suggestion", "checked", "ingested", "check_with"):
            st.session_state.pop(key(name), None)
    return st.session_state[key("path")]


def suggestion(ws: str, path: Path, table: str | None, sheet: str | None) -> tuple[Mapping | None, str]:
    """The mapping to start from: the one saved for this file name, else the automatic one (None for OCDS)."""
    wanted = (str(path), table, sheet)
    cached = st.session_state.get(key("suggestion"))
    if cached and cached[0] == wanted:
        return cached[1], cached[2]
    saved = data.saved_mapping(ws, path.name)
    if saved is not None and (table is None or saved.table == table):
        result: tuple[Mapping | None, str] = (saved, "saved")
    else:
        try:
            result = (api.suggest_mapping_file(path, table=table, sheet=sheet)[0], "automatic")
        except UsageError:
            result = (None, "ocds")
    st.session_state[key("suggestion")] = (wanted, *result)
    return result


def mapping_editor(mapping: Mapping) -> Mapping:
    """The mapping as an editable table (target column per header, with the confidence); returns the edit."""
    targets = [c.name for c in TABLES[mapping.table].mappable]
    frame = pd.DataFrame({
        "column in file": list(mapping.columns),
        "maps to": [c or KEEP for c in mapping.columns.values()],
        "confidence": [float(mapping.confidence.get(h, 0.0)) for h in mapping.columns],
    })
    edited = st.data_editor(
        frame, key=key("editor"), hide_index=True, width="stretch", disabled=["column in file", "confidence"],
        column_config={
            "column in file": st.column_config.TextColumn("Column in file"),
            "maps to": st.column_config.SelectboxColumn(f"Maps to ({mapping.table})", options=[KEEP, *targets],
                                                        required=True),
            "confidence": st.column_config.ProgressColumn("Confidence", min_value=0.0, max_value=1.0,
                                                          format="percent"),
        },
    )
    columns = {str(h): (None if t in (None, KEEP) else str(t))
               for h, t in zip(edited["column in file"], edited["maps to"], strict=True)}
    return Mapping(table=mapping.table, columns=columns, confidence=dict(mapping.confidence), sheet=mapping.sheet,
                   header_row=mapping.header_row, origin=mapping.origin, guesses=dict(mapping.guesses))


def mapping_file(path: Path, mapping: Mapping) -> Path:
    """The mapping written beside the staged upload (content-addressed, so an unchanged edit is the same file)."""
    text = dump_mapping(mapping, source=path.name)
    digest = hashlib.sha256(text.encode()).hexdigest()[:12]
    target = path.with_name(f"{path.stem}.mapping-{digest}.yaml")
    if not target.is_file():
        target.write_text(text, encoding="utf-8")
    return target


def check(path: Path, mapping_path: Path | None, table: str | None, sheet: str | None) -> Any:
    """Validate the upload with a mapping (once per file and mapping); the Prepared result or None on error."""
    wanted = (str(path), str(mapping_path), table, sheet)
    cached = st.session_state.get(key("checked"))
    if cached and cached[0] == wanted:
        return cached[1]
    update, slot = progress_bar("Checking every row")
    try:
        prepared = api.validate_file(path, table=table, sheet=sheet, mapping=mapping_path, progress=update)
    except ProcriskError as exc:
        st.error(str(exc))
        return None
    finally:
        slot.empty()
    st.session_state[key("checked")] = (wanted, prepared)
    return prepared


def issues_table(issues: pd.DataFrame, file_name: str) -> None:
    """The issues of the upload, filterable by severity, column and text, and downloadable as CSV."""
    if issues.empty:
        st.success("No issues: every row reads cleanly.")
        return
    left, mid, right = st.columns([1, 1, 2])
    severity = left.multiselect("Severity", ["error", "warning"], key=key("severity"))
    column = mid.multiselect("Column", sorted(issues["column"].dropna().astype(str).unique()), key=key("column"))
    text = right.text_input("Search problems and values", key=key("search"))
    shown = issues
    if severity:
        shown = shown[shown["severity"].isin(severity)]
    if column:
        shown = shown[shown["column"].astype(str).isin(column)]
    if text:
        hay = shown["problem"].astype(str) + " " + shown["value"].astype(str) + " " + shown["fix"].astype(str)
        shown = shown[hay.str.contains(text, case=False, regex=False)]
    st.caption(f"{len(shown):,} of {len(issues):,} issues")
    st.dataframe(shown, key=key("issues"), hide_index=True, width="stretch",
                 column_order=["severity", "source_sheet", "source_row", "column", "value", "problem", "fix", "code"])
    ui.csv_download("Download issues (CSV)", lambda: neutralise_frame(shown), f"{Path(file_name).stem}-issues.csv",
                    key("download"))


def results_of_check(prepared: Any, name: str) -> None:
    """Counts, notes, the issues and a preview of the rows as they will be stored."""
    cols = st.columns(5)
    cols[0].metric("Rows read", f"{prepared.rows_read:,}")
    cols[1].metric("Would be stored", f"{prepared.rows_stored:,}")
    cols[2].metric("Quarantined", f"{prepared.rows_quarantined:,}")
    cols[3].metric("Errors", f"{prepared.errors:,}")
    cols[4].metric("Warnings", f"{prepared.warnings:,}")
    for note in prepared.notes:
        st.caption(f"Note: {note}")
    issues_tab, preview_tab = st.tabs(["Validation issues", "Preview (as stored)"])
    with issues_tab:
        issues_table(prepared.issues, name)
    with preview_tab:
        for table, frame in prepared.tables.items():
            st.caption(f"{table}: first {min(len(frame), 50)} of {len(frame):,} rows")
            st.dataframe(frame.head(50), hide_index=True, width="stretch")


def ingest(ws: str, path: Path, mapping_path: Path | None, table: str | None, sheet: str | None) -> None:
    """Ingest the upload with a progress bar and remember the one-line summary."""
    update, _ = progress_bar("Ingesting")
    try:
        report = api.ingest_file(path, workspace=ws, table=table, sheet=sheet, mapping=mapping_path,
                                 replace=st.session_state.get(key("replace"), False), progress=update)
    except ProcriskError as exc:
        st.error(str(exc))
        return
    st.session_state[key("ingested")] = report.summary
    data.clear()
    st.rerun()


def score(ws: str) -> None:
    """Score the whole workspace with a progress bar and remember what the run found."""
    update, _ = progress_bar("Scoring")
    try:
        res = api.analyse(ws, progress=update)
    except ProcriskError as exc:
        st.error(str(exc))
        return
    bands = res.contracts["band"].astype("string").value_counts()
    st.session_state[key("scored")] = (
        f"Run {res.run_id}: {len(res.contracts):,} contract rows scored; "
        + ", ".join(f"{bands.get(b, 0):,} {b}" for b in ("critical", "high", "medium", "low")))
    data.clear()
    st.rerun()


def workspace_panel(ws: str) -> None:
    """What the workspace holds, and the button that scores it."""
    info = data.status(ws)
    st.subheader("3. Score")
    if info is None:
        st.caption(f"The workspace {ws} is empty.")
        return
    rows = ", ".join(f"{n:,} {t}" for t, n in sorted(info["table_rows"].items()))
    st.caption(f"Workspace {info['workspace']}: {info['live_batches']} files ingested ({rows}); "
               f"{info['rows_quarantined']:,} rows quarantined; {len(info['runs'])} scoring runs.")
    if st.button("Score the workspace", type="primary", key=key("score"), icon=":material/speed:"):
        score(ws)
    if st.session_state.get(key("scored")):
        st.success(st.session_state[key("scored")])
        left, right = st.columns(2)
        left.page_link(views.page("overview"), label="See the overview", icon=":material/dashboard:")
        right.page_link(views.page("contracts"), label="Open the riskiest contracts", icon=":material/receipt_long:")


def render() -> None:
    """The upload page."""
    ws = state.workspace()
    st.title("Upload and map")
    st.caption("Drop a contract register, award list or supplier questionnaire (XLSX or CSV) or an OCDS file. "
               "procrisk maps the columns, checks every row and reports each problem with its fix.")
    upload = st.file_uploader("1. Choose a file", type=TYPES, key=key("file"))
    if upload is not None:
        path = staged(upload)
        left, right = st.columns(2)
        choice = left.segmented_control("Table", ["automatic", "contracts", "suppliers"], default="automatic",
                                        key=key("table"))
        sheet = right.text_input("Sheet (blank: the first sheet that looks like a table)", key=key("sheet")).strip()
        table = None if choice in (None, "automatic") else choice
        sheet_arg = sheet or None
        try:
            start, origin = suggestion(ws, path, table, sheet_arg)
        except ProcriskError as exc:
            st.error(str(exc))
            start, origin = None, "error"
        if origin != "error":
            st.subheader("2. Check the mapping and the issues")
            check_path = ingest_path = None
            if start is not None:
                where = f"sheet {start.sheet!r}, header row {start.header_row}" if start.sheet else "the file"
                st.caption(("Starting from the mapping saved for this file name. " if origin == "saved" else
                            "Automatic mapping: check the low-confidence rows. ")
                           + f"Reading {where} as {start.table}. Unmapped columns are kept as extras.")
                edited = mapping_editor(start)
                table = edited.table
                check_path = ingest_path = data.mapping_path(ws, path.name) if origin == "saved" else None
                if edited.columns != start.columns:
                    ingest_path = mapping_file(path, edited)
                    check_path = st.session_state.get(key("check_with"), check_path)
                    if check_path != ingest_path:
                        st.warning("You changed the mapping: the issues below are for the previous one.")
                        if st.button("Check again with this mapping", key=key("recheck"), icon=":material/refresh:"):
                            st.session_state[key("check_with")] = check_path = ingest_path
                if st.button("Save this mapping for next time", key=key("save"), icon=":material/save:"):
                    saved = data.save_mapping(ws, path.name, edited)
                    st.toast(f"Mapping saved to {saved}")
            else:
                st.caption("OCDS needs no column mapping: releases are merged per process and flattened.")
            prepared = check(path, check_path, table, sheet_arg)
            if prepared is not None:
                results_of_check(prepared, path.name)
                st.checkbox("Replace earlier batches of this file", key=key("replace"))
                if st.button("Ingest into the workspace", type="primary", key=key("ingest"),
                             icon=":material/database_upload:"):
                    ingest(ws, path, ingest_path, table, sheet_arg)
            if st.session_state.get(key("ingested")):
                st.success(st.session_state[key("ingested")])
    workspace_panel(ws)


render()
