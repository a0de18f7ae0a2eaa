"""The supplier overrides file is validated strictly: unknown keys and impossible decisions name the fix."""

from __future__ import annotations

import pytest

from procrisk.errors import ConfigError
from procrisk.ml import load_overrides
from procrisk.ml.overrides import parse_overrides


def test_overrides_file_loads_confirm_and_split(tmp_path):
    path = tmp_path / "o.yaml"
    path.write_text("confirm:\n  - names: [Acme Ltd]\n    ids: [GB-COH-1234]\n    reason: checked\n"
                    "split:\n  - names: [Acme Cleaning Ltd, Acme Catering Ltd]\n", encoding="utf-8")
    overrides = load_overrides(path)
    assert len(overrides) == 2
    assert overrides.confirm[0].members == (("name", "acme"), ("id", "GB-COH-00001234"))


@pytest.mark.parametrize(("data", "message"), [
    ({"confirms": []}, "unknown key 'confirms'; did you mean 'confirm'"),
    ({"split": [{"name": ["A", "B"]}]}, r"split\[0\]: unknown key 'name'; did you mean 'names'"),
    ({"confirm": [{"names": ["Acme Ltd"]}]}, "confirm needs two or more members"),
    ({"confirm": [{"names": ["Acme Ltd", "ACME LIMITED"]}]}, "confirm needs two or more members"),
    ({"split": [{"names": ["Acme Ltd", "ACME LIMITED"]}]}, "use their registration ids instead"),
    ({"split": "Acme"}, "'split' must be a list of entries"),
    ({"confirm": [{"names": [""]}]}, "must be a list of non-empty names or ids"),
    (["confirm"], "expected a mapping"),
])
def test_overrides_invalid_entries_rejected_with_fix(data, message):
    with pytest.raises(ConfigError, match=message):
        parse_overrides(data)


def test_overrides_missing_file_and_bad_yaml(tmp_path):
    with pytest.raises(ConfigError, match="cannot read the supplier overrides file"):
        load_overrides(tmp_path / "nope.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("confirm: [", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_overrides(bad)
    assert len(load_overrides(None)) == 0
