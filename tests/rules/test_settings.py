"""Jurisdiction settings: unknown keys and codes are rejected with the fix named; overrides reach the rules."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import yaml

from procrisk.errors import ConfigError, InputFileError
from procrisk.rules import load_catalogue, load_settings
from procrisk.rules.settings import RULE_SETTINGS, SECTIONS, TOP_SETTINGS, Settings, parse_settings

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "settings" / "example-jurisdiction.yaml"


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue(ROOT / "rules")


def write(tmp_path: Path, data: dict) -> Path:
    path = tmp_path / "settings.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def test_defaults_without_a_file():
    settings = load_settings(None)
    assert settings == Settings()
    assert (settings.bands.medium, settings.bands.high, settings.bands.critical) == (20.0, 40.0, 60.0)
    assert settings.default_unknown_risk == 0.5


def test_unknown_key_under_a_rule_names_the_fix(tmp_path):
    path = write(tmp_path, {"rules": {"RC01": {"weigths": 3}}})
    with pytest.raises(ConfigError) as info:
        load_settings(path)
    message = str(info.value)
    assert f"{path}: unknown key 'weigths' under rules.RC01; did you mean 'weight'? allowed: enabled, weight" \
        in message
    assert "params" in message


def test_unknown_top_level_and_section_keys_are_all_reported(tmp_path):
    with pytest.raises(ConfigError) as info:
        parse_settings({"band": {}, "composite": {"baseline": 0.4, "amplifer": 0.6}}, "s.yaml")
    message = str(info.value)
    assert "s.yaml: unknown key 'band'; did you mean 'bands'?" in message
    assert "unknown key 'amplifer' under composite; did you mean 'amplifier'?" in message


def test_values_are_type_and_range_checked():
    bad = {"as_of": "yesterday", "default_unknown_risk": 2, "bands": {"medium": 50, "high": 40},
           "composite": {"baseline": 0.5, "amplifier": 0.6}, "rules": {"IR01": {"weight": 9, "enabled": "no"}}}
    with pytest.raises(ConfigError) as info:
        parse_settings(bad, "s.yaml")
    message = str(info.value)
    for text in ("as_of = 'yesterday' is not a date", "default_unknown_risk must be between 0 and 1",
                 "bands must increase", "baseline + composite.amplifier must equal 1",
                 "rules.IR01.weight must be between 1 and 5", "rules.IR01.enabled = 'no' is not a bool"):
        assert text in message


def test_unknown_rule_codes_and_bad_params_are_checked_against_the_catalogue(catalogue):
    settings = parse_settings({"rules": {"IR1": {"weight": 2}, "IR12": {"params": {"treshold": 0.4}},
                                         "IR09": {"params": {"values": "tier_3"}}}}, "s.yaml")
    with pytest.raises(ConfigError) as info:
        catalogue.with_settings(settings)
    message = str(info.value)
    assert "s.yaml: unknown rule code 'IR1' under rules; did you mean 'IR01'?" in message
    assert "rules.IR12.params: any_above has no parameter 'treshold'; did you mean 'threshold'?" in message
    assert "rules.IR09.params: values='tier_3' does not fit in_set; give values as a list" in message


def test_overrides_reach_the_rules(catalogue):
    settings = parse_settings({"as_of": date(2024, 1, 31), "rules": {
        "IR09": {"weight": 2, "params": {"values": ["tier_3"]}, "unknown_risk": 0.8, "hard_flag": True},
        "IR02": {"enabled": False}}})
    adjusted = catalogue.with_settings(settings)
    rule = adjusted.get("IR09")
    assert (rule.weight, rule.unknown_risk, rule.hard_flag) == (2, 0.8, True)
    assert rule.params == {"column": "supplier_country_tier", "values": ["tier_3"]}
    assert "IR02" not in adjusted.codes and len(adjusted) == len(catalogue) - 1
    assert adjusted.settings.as_of == date(2024, 1, 31)
    assert adjusted.manifest()["weights"]["IR09"] == 2
    assert catalogue.get("IR09").weight == 4  # the loaded catalogue is unchanged


def test_example_file_is_valid_for_the_shipped_catalogue(catalogue):
    settings = load_settings(EXAMPLE)
    adjusted = catalogue.with_settings(settings)
    assert adjusted.get("IR12").params["threshold"] == 0.4
    assert "R058" not in adjusted.codes
    assert settings.sha256 and settings.source == str(EXAMPLE)
    assert settings.as_of == date(2025, 6, 30)


def test_every_setting_is_in_the_example_file_and_the_methodology():
    example = EXAMPLE.read_text(encoding="utf-8")
    methodology = (ROOT / "docs" / "methodology.md").read_text(encoding="utf-8")
    names = [s.name for s in TOP_SETTINGS] + [s.name for group in SECTIONS.values() for s in group]
    names += [s.name for s in RULE_SETTINGS]
    for name in names:
        assert f"{name}:" in example or f"{name}: " in example, f"{name} missing from the example settings"
        assert f"`{name}`" in methodology, f"docs/methodology.md does not document {name}"


def test_missing_file_and_bad_yaml(tmp_path):
    with pytest.raises(InputFileError, match="cannot read the settings file"):
        load_settings(tmp_path / "nope.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("rules: [unclosed", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_settings(bad)
