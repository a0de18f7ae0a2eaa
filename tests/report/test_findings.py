"""Bulk findings say exactly what procrisk.rules.explain_row says for each flagged (contract, rule) pair."""

from __future__ import annotations

import numpy as np
import pandas as pd

from procrisk.api import load_results
from procrisk.report.data import _as_of, _thresholds, build_report_data
from procrisk.report.findings import Sources, formatted
from procrisk.report.inputs import load_inputs
from procrisk.rules import explain_row
from procrisk.rules.explain import format_value


def test_formatted_matches_format_value_for_every_kind_of_value() -> None:
    series = pd.Series([1.5, None, 12_000.0, 0.25], dtype="Float64")
    assert list(formatted(series)) == [format_value(x) for x in [1.5, None, 12_000.0, 0.25]]
    lists = pd.Series([["a", "b"], None, []], dtype=object)
    assert list(formatted(lists)) == ["a, b", "(missing)", "(none)"]
    days = pd.Series(pd.to_datetime(["2024-01-02", None]))
    assert list(formatted(days)) == ["2024-01-02", "(missing)"]
    assert list(formatted(pd.Series([0.5, 0.25]), ".0%")) == ["50%", "25%"]


def test_every_finding_equals_explain_row(scored) -> None:
    results = load_results(scored)
    inputs = load_inputs(results, scored)
    data = build_report_data(results, inputs=inputs)
    assert len(data.findings) == int((results.outcomes.to_numpy() == 1).sum())
    by_code = {r.code: r for r in results.catalogue.rules}
    # Without filters the report lists Results.contracts by exposure rank: map each key to its row there.
    rows_by_key = dict(zip(data.contracts["key"], np.argsort(results.contracts["exposure_rank"].to_numpy()),
                           strict=True))
    sources = Sources(inputs.contracts, inputs.suppliers, results.contracts["supplier_row"].to_numpy())
    meta = _thresholds(results.manifest)
    as_of = _as_of(results.manifest)
    for f in data.findings.itertuples():
        rule = by_code[f.rule_code]
        table = sources.table(rule)
        row = sources.rows(rule, np.array([rows_by_key[f.key]]), table.columns)[0]
        expected = explain_row(rule, row, 1, meta.get(rule.code), as_of=as_of)
        assert f.explanation == expected.explanation
        assert f.evidence == "; ".join(f"{k}: {format_value(v)}" for k, v in expected.evidence.items())
        assert f.citation == expected.citation
        assert f.action == expected.action


def test_findings_are_in_contract_order_heaviest_rule_first(data) -> None:
    rank = dict(zip(data.contracts["key"], data.contracts["exposure_rank"], strict=True))
    ranks = data.findings["key"].map(rank).to_numpy()
    assert (np.diff(ranks) >= 0).all()
    for _, part in data.findings.groupby("key", sort=False):
        assert list(part["weight"]) == sorted(part["weight"], reverse=True)
