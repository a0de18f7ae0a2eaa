"""The rule loader: every problem of every file is found, named with its file, key and fix."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from procrisk.errors import NotFoundError, RuleError
from procrisk.rules import check_catalogue, load_catalogue, render_rule
from procrisk.rules.catalogue import default_rules_dirs

GOOD = {
    "code": "TT01",
    "name": "test.fees.paid_by_workers",
    "title": "Workers pay recruitment fees",
    "summary": "The supplier declares that workers bear recruitment fees.",
    "pillar": "recruitment",
    "scope": "supplier",
    "severity": "high",
    "citation": {"guideline": "recruitment", "instrument": "FAR 52.222-50(b)"},
    "why": "Fees charged to workers are a route into debt bondage.",
    "check": "in_set",
    "params": {"column": "recruitment_fee_payer", "values": ["worker", "shared"]},
    "requires": ["recruitment_fee_payer"],
    "explain": '{supplier_name} declares that fees are paid by "{recruitment_fee_payer}".',
    "action": "Ask for the recruitment agencies used.",
    "version": 1,
}


def write(folder: Path, data: dict, name: str | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / (name or f"{data.get('code', 'XX00')}_rule.yaml")
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def problems(tmp_path: Path, **changes) -> list:
    data = {**GOOD, **changes}
    for key, value in changes.items():
        if value is None:
            del data[key]
    write(tmp_path, data)
    return check_catalogue(tmp_path)


def test_a_valid_rule_loads_with_its_weight_from_severity(tmp_path):
    write(tmp_path, GOOD)
    catalogue = load_catalogue(tmp_path)
    rule = catalogue.get("TT01")
    assert rule.weight == 4 and rule.table == "suppliers"
    assert catalogue.versions == {"TT01": 1}
    assert len(catalogue.hash) == 64


def test_unknown_key_names_file_key_suggestion_and_allowed_keys(tmp_path):
    found = problems(tmp_path, weigth=3)
    assert len(found) == 1
    p = found[0]
    assert p.file.endswith("TT01_rule.yaml") and p.key == "weigth"
    assert "did you mean 'weight'?" in p.fix and "allowed keys:" in p.fix and "applies_when" in p.fix


def test_unknown_check_is_named_with_the_closest_registered_one(tmp_path):
    [p] = problems(tmp_path, check="in_sett")
    assert p.key == "check" and "'in_sett' is not a registered check" in p.problem
    assert "did you mean 'in_set'?" in p.fix


def test_params_must_match_the_check_signature(tmp_path):
    found = problems(tmp_path, params={"colum": "recruitment_fee_payer", "values": ["worker"]})
    texts = [f"{p.problem} | {p.fix}" for p in found]
    assert any("in_set has no parameter 'colum'" in t and "did you mean 'column'?" in t for t in texts)
    assert any("in_set needs parameter 'column'" in t for t in texts)


def test_param_types_follow_the_type_hints(tmp_path):
    found = problems(tmp_path, check="above", params={"column": "max_weekly_hours", "threshold": "sixty"},
                     requires=["max_weekly_hours"], explain="{supplier_name} works {max_weekly_hours} hours.")
    assert [p.key for p in found] == ["params"]
    assert "threshold='sixty' does not fit above" in found[0].problem


def test_run_time_parameters_cannot_be_set_by_a_rule(tmp_path):
    found = problems(tmp_path, check="older_than", params={"column": "last_audit_date", "days": 365,
                                                           "as_of": "2024-01-01"},
                     requires=["last_audit_date"], explain="{supplier_name} audited {last_audit_date}.")
    assert any("'as_of' is set by the run" in p.problem for p in found)


def test_unknown_columns_and_impossible_values_are_caught(tmp_path):
    found = problems(tmp_path, params={"column": "recruitment_fees_payer", "values": ["worker"]})
    assert any("'recruitment_fees_payer' is not a column of suppliers" in p.problem
               and "did you mean 'recruitment_fee_payer'?" in p.fix for p in found)
    found = problems(tmp_path, params={"column": "recruitment_fee_payer", "values": ["workers"]})
    assert any("'workers' is not an allowed value of recruitment_fee_payer" in p.problem for p in found)
    found = problems(tmp_path, applies_when=[{"column": "uses_labour_recruiters", "in": [True]}])
    assert any(p.key == "applies_when[0].in" for p in found)


def test_placeholders_must_be_columns_the_rule_reads(tmp_path):
    [p] = problems(tmp_path, explain="{supplier_name} pays {recruitment_fee}.")
    assert p.key == "explain" and "{recruitment_fee}" in p.problem
    assert "did you mean 'recruitment_fee_payer'?" in p.fix
    [p] = problems(tmp_path, explain="{supplier_name} sells to {buyer_name}.")  # a contract column
    assert "{buyer_name}" in p.problem
    found = problems(tmp_path, explain="{supplier_name.upper} and {0}")
    assert len(found) == 2 and all("not a plain column name" in p.problem for p in found)
    [p] = problems(tmp_path, explain="unbalanced {supplier_name")
    assert "not a valid template" in p.problem


def test_duplicate_codes_and_names_across_directories(tmp_path):
    write(tmp_path / "a", GOOD)
    write(tmp_path / "b", {**GOOD, "title": "Other title"}, name="TT01_other.yaml")
    found = check_catalogue([tmp_path / "a", tmp_path / "b"])
    assert {p.key for p in found} == {"code", "name"}
    assert any("code 'TT01' is already used by" in p.problem for p in found)


def test_file_name_must_start_with_the_code(tmp_path):
    write(tmp_path, GOOD, name="fees.yaml")
    [p] = check_catalogue(tmp_path)
    assert p.key == "code" and "does not start with the code" in p.problem and "TT01_" in p.fix


def test_citation_title_and_required_keys(tmp_path):
    found = problems(tmp_path, citation={"guideline": "procurment"}, title="A title with far too many words in it",
                     action=None)
    keys = {p.key for p in found}
    assert {"citation.guideline", "citation.instrument", "title", "action"} <= keys


def test_every_problem_of_every_file_is_collected(tmp_path):
    write(tmp_path, {**GOOD, "weigth": 1, "check": "nope"})
    write(tmp_path, {**GOOD, "code": "TT02", "name": "test.other", "pillar": "recruiting"})
    (tmp_path / "TT03_broken.yaml").write_text("code: [unclosed", encoding="utf-8")
    found = check_catalogue(tmp_path)
    assert {(Path(p.file).name, p.key) for p in found} >= {
        ("TT01_rule.yaml", "weigth"), ("TT01_rule.yaml", "check"), ("TT02_rule.yaml", "pillar"),
        ("TT03_broken.yaml", "(file)")}
    with pytest.raises(RuleError) as info:
        load_catalogue(tmp_path)
    assert len(info.value.problems) == len(found)
    assert "problem(s) in the rule catalogue" in str(info.value)


def test_hash_covers_paths_and_bytes_and_is_stable(tmp_path):
    write(tmp_path, GOOD)
    first = load_catalogue(tmp_path).hash
    assert load_catalogue(tmp_path).hash == first
    write(tmp_path, {**GOOD, "version": 2})
    assert load_catalogue(tmp_path).hash != first


def test_get_names_the_closest_code(tmp_path):
    write(tmp_path, GOOD)
    with pytest.raises(NotFoundError, match="did you mean 'TT01'"):
        load_catalogue(tmp_path).get("TT10")


def test_rules_directory_from_the_environment(tmp_path, monkeypatch):
    write(tmp_path, GOOD)
    monkeypatch.setenv("PROCRISK_RULES", str(tmp_path))
    assert default_rules_dirs() == [tmp_path]
    assert load_catalogue().codes == ("TT01",)


def test_with_params_validates_the_override(tmp_path):
    write(tmp_path, GOOD)
    rule = load_catalogue(tmp_path).get("TT01")
    assert rule.with_params(values=["worker"]).params["values"] == ["worker"]
    with pytest.raises(RuleError, match="no parameter 'valuez'"):
        rule.with_params(valuez=["worker"])


def test_render_rule_shows_the_rule_page(tmp_path):
    write(tmp_path, GOOD)
    page = render_rule(load_catalogue(tmp_path).get("TT01"))
    assert page.splitlines()[0].startswith("TT01  Workers pay recruitment fees")
    assert "in_set - Flag when the value is one of" in page
    assert "OSCE Model Guidelines (2018), recruitment pillar; FAR 52.222-50(b)" in page
