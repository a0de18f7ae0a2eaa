"""Rules: browse the cited catalogue; what-if: change weights, switches and bands, see the ranking move, save."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pandas as pd
import streamlit as st
import yaml

from procrisk import api
from procrisk.dashboard import components as ui
from procrisk.dashboard import data, state
from procrisk.errors import ProcriskError

P = "ru"


def key(name: str) -> str:
    """This page's session key for ``name``."""
    return state.prefixed(P, name)


def browse(ws: str, run: str) -> None:
    """The catalogue as a filterable table, and one rule in full with its citation."""
    rules = data.catalogue_frame(ws, run)
    left, mid, right = st.columns([1, 1, 2])
    pillars = left.multiselect("Pillar", sorted(rules["pillar"].unique()), key=key("pillar"))
    scopes = mid.multiselect("Scope", sorted(rules["scope"].unique()), key=key("scope"))
    text = right.text_input("Search titles, summaries and citations", key=key("search"))
    shown = rules
    if pillars:
        shown = shown[shown["pillar"].isin(pillars)]
    if scopes:
        shown = shown[shown["scope"].isin(scopes)]
    if text:
        hay = shown[["code", "title", "summary", "instrument", "also"]].astype(str).agg(" ".join, axis=1)
        shown = shown[hay.str.contains(text, case=False, regex=False)]
    st.caption(f"{len(shown)} of {len(rules)} rules")
    st.dataframe(shown, key=key("table"), hide_index=True, width="stretch", height=320,
                 column_order=["code", "title", "pillar", "scope", "severity", "weight", "hard_flag", "instrument"])
    code = st.selectbox("Read a rule", shown["code"].tolist(), key=key("rule"), index=0 if len(shown) else None,
                        format_func=lambda c: f"{c} · {rules.set_index('code').at[c, 'title']}")
    if code:
        rule_card(ws, run, code)


def rule_card(ws: str, run: str, code: str) -> None:
    """One rule: what it checks, why it is a red flag, how it is explained, what to do, and where it comes from."""
    rule = data.results(ws, run).catalogue.get(code)
    with st.container(border=True):
        st.markdown(f"**{ui.md(rule.code)} · {ui.md(rule.title)}** (version {rule.version}, {ui.md(rule.pillar)}, "
                    f"{ui.md(rule.scope)}, weight {rule.weight}{', hard flag' if rule.hard_flag else ''})")
        st.markdown(ui.md(rule.summary))
        st.caption("Why it is a red flag")
        st.markdown(ui.md(rule.why))
        st.caption("Citation")
        st.markdown(f"OSCE Model Guidelines (2018), {ui.md(rule.citation.guideline)} pillar; "
                    f"{ui.md(rule.citation.instrument)}"
                    + "".join(f"; {ui.md(x)}" for x in rule.citation.also))
        st.caption("Recommended action")
        st.markdown(ui.md(rule.action))
        left, right = st.columns(2)
        left.caption(f"Check `{ui.md(rule.check)}` with parameters")
        left.code(yaml.safe_dump(dict(rule.params), sort_keys=False, allow_unicode=True) or "{}", language="yaml")
        right.caption("Reads")
        right.markdown(", ".join(f"`{ui.md(c)}`" for c in rule.columns) or "–")
        for label, items in (("Exclusions", rule.exclusions), ("Assumptions", rule.assumptions)):
            if items:
                right.caption(label)
                right.markdown("\n".join(f"- {ui.md(x)}" for x in items))


def editor(ws: str, run: str) -> dict[str, dict]:
    """Switches, weights and hard flags as an editable table; returns the rules whose values changed."""
    rules = data.catalogue_frame(ws, run)
    changes = quick_change(rules)
    base = rules[["code", "title", "pillar", "weight", "hard_flag"]].assign(enabled=True)
    edited = st.data_editor(
        base, key=key("editor"), hide_index=True, width="stretch", height=320,
        disabled=["code", "title", "pillar"],
        column_order=["enabled", "code", "title", "pillar", "weight", "hard_flag"],
        column_config={
            "enabled": st.column_config.CheckboxColumn("On"),
            "weight": st.column_config.NumberColumn("Weight", min_value=1, max_value=5, step=1, required=True),
            "hard_flag": st.column_config.CheckboxColumn("Hard flag")})
    for old, new in zip(base.itertuples(), edited.itertuples(), strict=True):
        change = {}
        if not new.enabled:
            change["enabled"] = False
        if int(new.weight) != int(old.weight):
            change["weight"] = int(new.weight)
        if bool(new.hard_flag) != bool(old.hard_flag):
            change["hard_flag"] = bool(new.hard_flag)
        if change:
            changes[old.code] = {**change, **changes.get(old.code, {})}
    return changes


def quick_change(rules: pd.DataFrame) -> dict[str, dict]:
    """One rule's weight and switch as plain widgets (the table below edits many at once)."""
    left, mid, right = st.columns([3, 1, 1], vertical_alignment="bottom")
    titles = dict(zip(rules["code"], rules["title"], strict=True))
    code = left.selectbox("Change one rule", rules["code"].tolist(), index=None, key=key("quick_rule"),
                          format_func=lambda c: f"{c} · {titles[c]}", placeholder="Choose a rule")
    if not code:
        return {}
    weight = int(rules.set_index("code").at[code, "weight"])
    new_weight = mid.number_input("Weight", 1, 5, weight, key=key(f"quick_weight_{code}"))
    enabled = right.toggle("On", value=True, key=key(f"quick_on_{code}"))
    change: dict = {}
    if int(new_weight) != weight:
        change["weight"] = int(new_weight)
    if not enabled:
        change["enabled"] = False
    return {code: change} if change else {}


def band_inputs(ws: str, run: str) -> dict[str, float]:
    """The band cut-offs as three number inputs."""
    bands = data.results(ws, run).catalogue.settings.bands
    cols = st.columns(3)
    return {name: float(col.number_input(f"{name.title()} from score", 1.0, 100.0, float(getattr(bands, name)),
                                         step=1.0, key=key(f"band_{name}")))
            for col, name in zip(cols, ("medium", "high", "critical"), strict=True)}


def params_input(ws: str, run: str) -> dict[str, dict]:
    """Check parameters (thresholds) of one rule as YAML; these need a full re-run to take effect."""
    codes = data.catalogue_frame(ws, run)["code"].tolist()
    code = st.selectbox("Rule", codes, index=None, key=key("param_rule"), placeholder="Choose a rule to change")
    if not code:
        return {}
    current = dict(data.results(ws, run).catalogue.get(code).params)
    text = st.text_area("Parameters (YAML)", yaml.safe_dump(current, sort_keys=False), key=key(f"params_{code}"))
    try:
        values = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        st.error(f"Not valid YAML: {exc}")
        return {}
    if not isinstance(values, dict):
        st.error("Give the parameters as a mapping of names to values.")
        return {}
    changed = {k: v for k, v in values.items() if current.get(k) != v}
    return {code: changed} if changed else {}


def what_if(ws: str, run: str) -> None:
    """Edit the settings, see the ranking move, save the result, or re-run with new thresholds."""
    st.caption("Switch rules off, change weights, hard flags and band cut-offs: the ranking below is re-scored from "
               "the stored outcomes at once. Threshold (parameter) changes need a full re-run.")
    changes = editor(ws, run)
    bands = band_inputs(ws, run)
    with st.expander("Thresholds (check parameters)"):
        params = params_input(ws, run)
    try:
        text = data.settings_text(data.results(ws, run).catalogue.settings, changes, bands, params)
    except ProcriskError as exc:
        st.error(str(exc))
        return
    if not hasattr(api, "what_if"):
        st.info("The what-if ranking needs procrisk.api.what_if, which this installation lacks.")
    else:
        moved, counts = data.ranking_move(ws, run, text)
        left, right = st.columns([3, 1])
        with left:
            st.markdown("**Top contracts under these settings**")
            st.dataframe(moved, key=key("moved"), hide_index=True, width="stretch", column_config={
                "moved up": st.column_config.NumberColumn("Moved up", format="%+d"),
                "old score": st.column_config.NumberColumn(format="%.1f"),
                "new score": st.column_config.NumberColumn(format="%.1f")})
        with right:
            st.markdown("**Contracts per band**")
            st.dataframe(counts, key=key("counts"), hide_index=True, width="stretch")
    st.download_button("Save as a settings file", text.encode("utf-8"), file_name="procrisk-settings.yaml",
                       mime="application/x-yaml", key=key("save"), icon=":material/save:", on_click="ignore")
    with st.expander("Settings file"):
        st.code(text, language="yaml")
    if st.button("Re-run the full analysis with these settings", key=key("rerun"), icon=":material/replay:"):
        rerun(ws, text)


def rerun(ws: str, text: str) -> None:
    """Score the workspace again under the edited settings (needed for threshold changes)."""
    bar = st.progress(0.0, text="Scoring")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "settings.yaml"
        path.write_text(text, encoding="utf-8")
        try:
            res = api.analyse(ws, settings=path,
                              progress=lambda s, f: bar.progress(min(1.0, f), text=f"Scoring: {s}"))
        except ProcriskError as exc:
            st.error(str(exc))
            return
    data.clear()
    st.success(f"New scoring run {res.run_id}: every page now shows it.")


def render() -> None:
    """The rules page."""
    ws = state.workspace()
    st.title("Rules and what-if")
    run = data.latest_run(ws)
    if run is None:
        ui.no_run(data.status(ws))
        return
    tab_browse, tab_whatif = st.tabs(["Catalogue", "What-if"])
    with tab_browse:
        browse(ws, run)
    with tab_whatif:
        what_if(ws, run)


render()
