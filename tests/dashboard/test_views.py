"""AppTest of every dashboard page: it renders without exception, shows its key elements, and one interaction works."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from procrisk import api

VIEWS = "src/procrisk/dashboard/views"


def open_page(make: Callable[..., AppTest], workspace: Path, page: str, *, timeout: float = 30) -> AppTest:
    """Run the app once, switch to a page and run it."""
    at = make(workspace, timeout=timeout).run()
    assert not at.exception, at.exception
    if page != "overview":
        at.switch_page(f"{VIEWS}/{page}.py").run()
    assert not at.exception, at.exception
    return at


def table_with(at: AppTest, *columns: str):
    """The first table (dataframe or editor) that has all these columns, as a DataFrame."""
    for frame in at.dataframe:
        value = frame.value
        if set(columns) <= set(value.columns):
            return value
    raise AssertionError(f"no table with columns {columns}")


def metric(at: AppTest, label: str) -> str:
    """The value of the metric with this label."""
    return next(m.value for m in at.metric if m.label == label)


def test_overview_shows_kpis_charts_and_top_exposures(app_for, scored_workspace):
    at = open_page(app_for, scored_workspace, "overview")
    assert [t.value for t in at.title] == ["Overview"]
    labels = [m.label for m in at.metric]
    for label in ("Contracts", "Spend (GBP)", "High or critical", "High or critical spend (GBP)", "Average coverage"):
        assert label in labels
    assert len(at.get("vega_lite_chart")) == 4
    top = at.dataframe[0].value
    assert len(top) == 15
    assert top["exposure_rank"].tolist() == sorted(top["exposure_rank"].tolist())
    everything = int(metric(at, "Contracts").replace(",", ""))
    at.multiselect(key="band").set_value(["critical"]).run()
    assert not at.exception, at.exception
    critical = int(metric(at, "Contracts").replace(",", ""))
    results = api.load_results(scored_workspace)
    assert critical == int((results.contracts["band"].astype(str) == "critical").sum())
    assert 0 < critical < everything


def test_contracts_filter_changes_the_table(app_for, scored_workspace):
    at = open_page(app_for, scored_workspace, "contracts")
    table = at.dataframe[0].value
    assert len(table) == 50
    assert set(table["band"]) > {"low"}
    at.multiselect(key="band").set_value(["low"]).run()
    assert not at.exception, at.exception
    filtered = at.dataframe[0].value
    assert set(filtered["band"]) == {"low"}
    at.selectbox(key="ct_sort").set_value("award_value").run()
    values = at.dataframe[0].value["award_value"].dropna().tolist()
    assert values == sorted(values, reverse=True)


def test_contract_drill_down_explains_every_finding(app_for, scored_workspace):
    at = open_page(app_for, scored_workspace, "contracts")
    riskiest = str(at.dataframe[0].value.iloc[0]["contract_id"])
    at.selectbox(key="ct_open").set_value(riskiest).run()
    assert not at.exception, at.exception
    assert any(riskiest in h.value for h in at.subheader)
    assert [t.label for t in at.tabs][:3] == ["Findings", "Not assessed: data that would unlock", "Clear and n/a"]
    flagged = [e for e in at.expander if "·" in e.label]
    assert flagged, "the riskiest contract has flagged findings"
    captions = [c.value for c in at.caption]
    for heading in ("Evidence", "Recommended action", "Citation"):
        assert heading in captions
    assert any("OSCE" in m.value for m in at.markdown)
    missing = at.dataframe[-2].value
    assert "why not decided / what would unlock it" in missing.columns
    assert missing["why not decided / what would unlock it"].str.contains("missing").any()


def test_suppliers_profile_and_supply_chain(app_for, scored_workspace):
    at = open_page(app_for, scored_workspace, "suppliers", timeout=120)
    assert [t.value for t in at.title] == ["Suppliers"]
    assert "Supplier score" in [m.label for m in at.metric]
    charts = at.get("graphviz_chart")
    assert len(charts) == 1
    assert "digraph supply_chain" in charts[0].proto.spec
    assert any("Name variants" in m.value for m in at.markdown)
    second = at.selectbox(key="sp_open").options[1]
    at.selectbox(key="sp_open").set_value(second.split(" (")[-1].rstrip(")")).run()
    assert not at.exception, at.exception


def test_rules_catalogue_and_weight_change_moves_the_ranking(app_for, scored_workspace):
    at = open_page(app_for, scored_workspace, "rules")
    catalogue = table_with(at, "code", "instrument")
    assert len(catalogue) == len(api.load_catalogue())
    assert any("OSCE Model Guidelines" in m.value for m in at.markdown)
    if not hasattr(api, "what_if"):
        pytest.fail("procrisk.api.what_if is missing: the what-if ranking cannot be shown")
    before = table_with(at, "moved up")
    assert (before["moved up"] == 0).all()
    top_rule = api.load_results(scored_workspace).contracts.sort_values("exposure_rank").iloc[0]["fired"][0]
    at.selectbox(key="ru_quick_rule").set_value(top_rule).run()
    at.number_input(key=f"ru_quick_weight_{top_rule}").set_value(1).run()
    assert not at.exception, at.exception
    after = table_with(at, "moved up")
    assert (after["moved up"] != 0).any()
    settings = next(c.value for c in at.code if "procrisk settings" in c.value)
    assert f"{top_rule}:" in settings and "weight: 1" in settings


def test_data_quality_shows_coverage_gaps_and_issues(app_for, scored_workspace):
    at = open_page(app_for, scored_workspace, "data_quality", timeout=180)
    labels = [m.label for m in at.metric]
    assert {"Supported", "Partly supported", "Unsupported"} <= set(labels)
    coverage = table_with(at, "assessed_share")
    assert len(coverage) == len(api.load_catalogue())
    assert len(table_with(at, "weight_unlocked")) > 0
    issues = table_with(at, "problem", "fix")
    at.multiselect(key="dq_severity").set_value(["warning"]).run()
    assert set(table_with(at, "problem", "fix")["severity"]) <= {"warning"}
    assert len(issues) > 0


def test_reports_exports_the_current_filter(app_for, scored_workspace):
    at = open_page(app_for, scored_workspace, "reports")
    assert [t.value for t in at.title] == ["Reports"]
    assert len(at.get("download_button")) >= 1
    at.multiselect(key="band").set_value(["high", "critical"]).run()
    assert not at.exception, at.exception
    assert any("band" in m.value.lower() and "contracts" in m.value for m in at.markdown)


def test_upload_produces_a_mapping_and_issues_then_ingests(app_for, tmp_path):
    workspace = tmp_path / "fresh"
    register = (
        b"Contract reference,Supplier name,Awarded value,Award date,Supplier country,CPV code,Favourite colour\n"
        b"C-1,Alpha Cleaning Ltd,12000,2024-03-01,GB,90910000-9,blue\n"
        b"C-2,Beta Security Ltd,not a number,2024-04-01,Narnia,90910000-1,red\n"
        b"C-3,Gamma Catering Ltd,5400.50,31/02/2024,FR,55520000-1,green\n"
    )
    at = app_for(workspace).run()
    at.switch_page(f"{VIEWS}/upload.py").run()
    assert not at.exception, at.exception
    at.file_uploader(key="up_file").set_value(("register.csv", register, "text/csv")).run()
    assert not at.exception, at.exception
    mapping = at.data_editor(key="up_editor").value
    assert "Favourite colour" in mapping["column in file"].tolist()
    chosen = dict(zip(mapping["column in file"], mapping["maps to"], strict=True))
    assert chosen["Supplier name"] == "supplier_name"
    assert 0 <= mapping["confidence"].min() <= mapping["confidence"].max() <= 1
    issues = table_with(at, "problem", "fix")
    assert len(issues) >= 2
    assert {"problem", "fix", "severity"} <= set(issues.columns)
    at.multiselect(key="up_severity").set_value(["warning"]).run()
    assert set(table_with(at, "problem", "fix")["severity"]) <= {"warning"}
    at.button(key="up_save").click().run()
    assert (workspace / "mappings" / "register.yaml").is_file()
    at.button(key="up_ingest").click().run()
    assert not at.exception, at.exception
    assert any("3 rows read" in s.value for s in at.success)
    assert api.workspace_status(workspace)["table_rows"]["contracts"] >= 1
