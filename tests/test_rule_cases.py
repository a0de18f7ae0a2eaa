"""Run every rule case in tests/rules/cases/: each row's outcome must match the case's expectation."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest
import yaml

from procrisk.rules import evaluate, load_catalogue

CASE_FILES = sorted((Path(__file__).parent / "rules" / "cases").glob("*.yaml"))
AS_OF = date(2025, 6, 30)  # cases that depend on the run date set their own as_of


@pytest.fixture(scope="module")
def catalogue():
    """The shipped catalogue (rules/)."""
    return load_catalogue()


def _cases():
    for path in CASE_FILES:
        spec = yaml.safe_load(path.read_text(encoding="utf-8"))
        for name, case in spec["cases"].items():
            yield pytest.param(spec["rule"], case, id=f"{spec['rule']}-{name}")


@pytest.mark.parametrize(("code", "case"), list(_cases()))
def test_rule_case(catalogue, code, case):
    rule = catalogue.get(code).with_params(**case.get("params", {}))
    findings = evaluate(rule, pd.DataFrame(case["rows"]), as_of=case.get("as_of", AS_OF))
    assert dict(zip(findings["entity_id"], findings["outcome"], strict=True)) == case["expect"]
