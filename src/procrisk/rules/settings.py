"""The jurisdiction settings file: rule overrides, weights, bands, composite weights and ``as_of``, declared once.

Every setting is declared as ``Setting(name, default, help)``; its type comes from the default (or ``kind``).
settings/example-jurisdiction.yaml lists them all with their defaults. Unknown keys, unknown rule codes and
badly typed values are rejected with a message naming the file, the key and the fix.
"""

from __future__ import annotations

import contextlib
import dataclasses
import difflib
import hashlib
import math
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import yaml

from procrisk.errors import ConfigError, InputFileError


@dataclass(frozen=True)
class Setting:
    """One setting: its name, default and one-line help; ``kind`` when the default (None) does not give the type."""

    name: str
    default: Any
    help: str
    kind: type | None = None

    @property
    def type(self) -> type:
        """The type a value must have."""
        return self.kind or type(self.default)


TOP_SETTINGS = (
    Setting("jurisdiction", "", "Name of the jurisdiction or buyer these settings are for (shown in reports)."),
    Setting("as_of", None, "Reference date for older_than checks (YYYY-MM-DD); default: the day of the run.",
            kind=date),
    Setting("default_unknown_risk", 0.5, "Risk (0..1) a not_assessed outcome carries when the rule sets none."),
)
BAND_SETTINGS = (
    Setting("medium", 20.0, "Lowest contract score (0..100) banded medium."),
    Setting("high", 40.0, "Lowest contract score banded high."),
    Setting("critical", 60.0, "Lowest contract score banded critical (a hard flag is critical whatever the score)."),
)
COMPOSITE_SETTINGS = (
    Setting("baseline", 0.4, "Share of the inherent-risk score kept whatever the controls (a in IR x (a + b x M))."),
    Setting("amplifier", 0.6, "Share of the inherent-risk score driven by control gaps and process (b); a + b = 1."),
    Setting("control_gaps", 0.5, "Weight of the control-gaps sub-score in M, the mean of control gaps and process."),
    Setting("process", 0.5, "Weight of the process sub-score in M."),
)
RULE_SETTINGS = (
    Setting("enabled", True, "false removes the rule from the run (it is then neither scored nor reported)."),
    Setting("weight", None, "Weight 1..5, replacing the rule's own weight.", kind=int),
    Setting("hard_flag", None, "true: a flag forces the band to critical; false: it does not.", kind=bool),
    Setting("unknown_risk", None, "Risk (0..1) a not_assessed outcome of this rule carries.", kind=float),
    Setting("params", {}, "Check parameters replacing the rule's own (validated against the check)."),
)
SECTIONS: dict[str, tuple[Setting, ...]] = {"bands": BAND_SETTINGS, "composite": COMPOSITE_SETTINGS}
TOP_KEYS = (*(s.name for s in TOP_SETTINGS), *SECTIONS, "rules")


@dataclass(frozen=True)
class Bands:
    """Lowest contract score of each band above low."""

    medium: float = 20.0
    high: float = 40.0
    critical: float = 60.0


@dataclass(frozen=True)
class Composite:
    """Weights of the composite ``overall = IR x (baseline + amplifier x M / 100)``, M = weighted mean(CG, PR)."""

    baseline: float = 0.4
    amplifier: float = 0.6
    control_gaps: float = 0.5
    process: float = 0.5


@dataclass(frozen=True)
class RuleOverride:
    """What the settings file changes for one rule."""

    enabled: bool = True
    weight: int | None = None
    hard_flag: bool | None = None
    unknown_risk: float | None = None
    params: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Settings:
    """A validated jurisdiction settings file (all defaults when no file is given)."""

    jurisdiction: str = ""
    as_of: date | None = None
    default_unknown_risk: float = 0.5
    bands: Bands = field(default_factory=Bands)
    composite: Composite = field(default_factory=Composite)
    rules: Mapping[str, RuleOverride] = field(default_factory=dict)
    source: str | None = None
    sha256: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """The settings as JSON-friendly data (for the run manifest)."""
        data = asdict(self)
        data["as_of"] = self.as_of.isoformat() if self.as_of else None
        return data


def _suggest(word: str, options: list[str] | tuple[str, ...]) -> str:
    """``did you mean 'x'? `` for the closest option (a rule code with its digits padded first), or ``""``."""
    code = re.fullmatch(r"([A-Za-z]+)(\d+)", word)
    if code:
        padded = f"{code.group(1).upper()}{int(code.group(2)):02d}"
        if padded in options and padded != word:
            return f"did you mean {padded!r}? "
    close = difflib.get_close_matches(word, list(options), n=1, cutoff=0.6)
    return f"did you mean {close[0]!r}? " if close else ""


class _Collector:
    """Collects every problem of one settings file before raising one ConfigError."""

    def __init__(self, name: str) -> None:
        """Start an empty list for the file called ``name``."""
        self.name = name
        self.problems: list[str] = []

    def add(self, message: str) -> None:
        """Record one problem."""
        self.problems.append(f"{self.name}: {message}")

    def unknown(self, key: Any, where: str, allowed: tuple[str, ...] | list[str]) -> None:
        """Record an unknown key with the closest allowed key and the full list."""
        under = f" under {where}" if where else ""
        self.add(f"unknown key {key!r}{under}; {_suggest(str(key), allowed)}allowed: {', '.join(allowed)}")

    def raise_if_any(self) -> None:
        """Raise ConfigError listing every problem recorded."""
        if self.problems:
            raise ConfigError(" | ".join(self.problems))


def _typed(value: Any, setting: Setting, where: str, out: _Collector) -> Any:
    """The value if it fits the setting's type, else the default (and a recorded problem)."""
    want = setting.type
    if want is date and isinstance(value, str):
        with contextlib.suppress(ValueError):
            value = date.fromisoformat(value)
    ok = (value is None and setting.default is None) or (
        isinstance(value, bool) if want is bool else
        isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
        if want is float else
        isinstance(value, int) and not isinstance(value, bool) if want is int else
        isinstance(value, date) and not isinstance(value, datetime) if want is date else
        isinstance(value, want))
    if not ok:
        out.add(f"{where} = {value!r} is not a {want.__name__}; give a {want.__name__}"
                + (" written YYYY-MM-DD" if want is date else ""))
        return setting.default
    return float(value) if want is float and value is not None else value


def _section(data: Any, settings: tuple[Setting, ...], where: str, out: _Collector) -> dict[str, Any]:
    """Validate one mapping of settings and return name -> value (defaults filled in)."""
    values = {s.name: s.default for s in settings}
    if data is None:
        return values
    if not isinstance(data, dict):
        out.add(f"{where} must be a mapping of {', '.join(values)}")
        return values
    allowed = [s.name for s in settings]
    for key, value in data.items():
        setting = next((s for s in settings if s.name == key), None)
        if setting is None:
            out.unknown(key, where, allowed)
        else:
            values[key] = _typed(value, setting, f"{where}.{key}" if where else key, out)
    return values


def _check_numbers(top: dict[str, Any], bands: dict[str, Any], comp: dict[str, Any], out: _Collector) -> None:
    """Ranges: risks in 0..1, bands increasing within 0..100, composite weights non-negative with a + b = 1."""
    if not 0 <= top["default_unknown_risk"] <= 1:
        out.add("default_unknown_risk must be between 0 and 1")
    if not 0 < bands["medium"] < bands["high"] < bands["critical"] <= 100:
        out.add("bands must increase: 0 < medium < high < critical <= 100")
    if any(comp[k] < 0 for k in comp):
        out.add("composite weights must not be negative")
    if not math.isclose(comp["baseline"] + comp["amplifier"], 1.0, abs_tol=1e-9):
        out.add("composite.baseline + composite.amplifier must equal 1 (so the score stays within 0..100)")
    if comp["control_gaps"] + comp["process"] <= 0:
        out.add("composite.control_gaps + composite.process must be above 0")


def _rules(data: Any, out: _Collector) -> dict[str, RuleOverride]:
    """Validate the per-rule overrides (structure only; codes and params are checked against the catalogue)."""
    if data is None:
        return {}
    if not isinstance(data, dict):
        out.add("rules must be a mapping of rule codes to overrides")
        return {}
    overrides = {}
    for code, body in data.items():
        values = _section(body if body is not None else {}, RULE_SETTINGS, f"rules.{code}", out)
        unknown = values["unknown_risk"]
        if unknown is not None and not 0 <= unknown <= 1:
            out.add(f"rules.{code}.unknown_risk must be between 0 and 1")
        weight = values["weight"]
        if weight is not None and not 1 <= weight <= 5:
            out.add(f"rules.{code}.weight must be between 1 and 5")
        if not isinstance(values["params"], dict):
            values["params"] = {}
        overrides[str(code)] = RuleOverride(**values)
    return overrides


def parse_settings(data: Any, name: str = "settings") -> Settings:
    """Validate settings already read from YAML; raises ConfigError naming every problem and its fix."""
    out = _Collector(name)
    if data is None:
        data = {}
    if not isinstance(data, dict):
        out.add("the file must be a mapping of settings")
        out.raise_if_any()
    for key in data:
        if key not in TOP_KEYS:
            out.unknown(key, "", TOP_KEYS)
    top = _section({k: data[k] for k in data if k in {s.name for s in TOP_SETTINGS}}, TOP_SETTINGS, "", out)
    bands = _section(data.get("bands"), BAND_SETTINGS, "bands", out)
    comp = _section(data.get("composite"), COMPOSITE_SETTINGS, "composite", out)
    rules = _rules(data.get("rules"), out)
    _check_numbers(top, bands, comp, out)
    out.raise_if_any()
    return Settings(**top, bands=Bands(**bands), composite=Composite(**comp), rules=rules, source=name)


def load_settings(path: str | Path | None) -> Settings:
    """Read and validate a jurisdiction settings file (YAML, safe_load); None gives the defaults."""
    if path is None:
        return Settings()
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        msg = f"{path}: cannot read the settings file ({exc.strerror or exc}); check the path"
        raise InputFileError(msg) from exc
    try:
        data = yaml.safe_load(raw)
    except yaml.YAMLError as exc:
        msg = f"{path}: not valid YAML ({exc}); fix the syntax"
        raise ConfigError(msg) from exc
    settings = parse_settings(data, str(path))
    return dataclasses.replace(settings, sha256=hashlib.sha256(raw).hexdigest())


def override_problems(settings: Settings, rules: Mapping[str, Any]) -> list[str]:
    """Problems of the per-rule overrides against the loaded rules: unknown codes and params unfit for the check."""
    from procrisk.rules.model import column_problems
    from procrisk.rules.params import param_problems

    name = settings.source or "settings"
    problems = []
    codes = sorted(rules)
    for code, override in settings.rules.items():
        rule = rules.get(code)
        if rule is None:
            problems.append(f"{name}: unknown rule code {code!r} under rules; {_suggest(code, codes)}"
                            f"known codes: {', '.join(codes)}")
            continue
        if override.params:
            merged = {**rule.params, **override.params}
            for problem, fix in [*param_problems(rule.check_fn, merged, rule.check), *column_problems(rule, merged)]:
                problems.append(f"{name}: rules.{code}.params: {problem}; {fix}")
    return problems
