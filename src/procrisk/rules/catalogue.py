"""Load, validate and hash the rule catalogue: every YAML file under the rule directories, all problems at once."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from procrisk.errors import ConfigError, NotFoundError, RuleError
from procrisk.reference.ilo import indicator_ids
from procrisk.rules.checks import registry
from procrisk.rules.model import (
    ALLOWED_KEYS,
    CITATION_KEYS,
    CODE_PATTERN,
    CONDITION_KEYS,
    GUIDELINE_PILLARS,
    MAX_TITLE_WORDS,
    NAME_PATTERN,
    PILLARS,
    PLACEHOLDER_PATTERN,
    REQUIRED_KEYS,
    SCOPE_TABLE,
    SCOPES,
    SEVERITY_WEIGHTS,
    Citation,
    Condition,
    Rule,
    RuleProblem,
    allowed_placeholders,
    column_problems,
    declared_column,
    placeholders,
    suggest,
    unknown_column,
    value_problems,
)
from procrisk.rules.params import param_problems
from procrisk.rules.settings import Settings, override_problems

PathsArg = str | Path | Iterable[str | Path] | None


def default_rules_dirs() -> list[Path]:
    """The rule directories: ``$PROCRISK_RULES`` (os.pathsep-separated) or ``<repo>/rules``."""
    env = os.environ.get("PROCRISK_RULES")
    if env:
        return [Path(p) for p in env.split(os.pathsep) if p]
    return [Path(__file__).resolve().parents[3] / "rules"]


def _roots(paths: PathsArg) -> list[Path]:
    """Directories or files to load, as paths."""
    if paths is None:
        return default_rules_dirs()
    if isinstance(paths, str | Path):
        return [Path(paths)]
    return [Path(p) for p in paths]


def rule_files(paths: PathsArg = None) -> list[tuple[Path, str]]:
    """Every rule file with the name it is hashed under (path relative to its root), sorted."""
    files: list[tuple[Path, str]] = []
    for root in _roots(paths):
        if root.is_dir():
            found = sorted(p for p in root.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file())
            files += [(p, p.relative_to(root).as_posix()) for p in found]
        else:
            files.append((root, root.name))
    return sorted(files, key=lambda item: (item[1], str(item[0])))


class _Problems:
    """Problems of one file, added as (key, problem, fix)."""

    def __init__(self, file: str) -> None:
        """Start an empty list for ``file``."""
        self.file = file
        self.items: list[RuleProblem] = []

    def add(self, key: str, problem: str, fix: str) -> None:
        """Record one problem."""
        self.items.append(RuleProblem(self.file, key, problem, fix))


def _text(data: Mapping[str, Any], key: str, out: _Problems) -> str:
    """A required non-empty string value."""
    value = data.get(key)
    if key in data and (not isinstance(value, str) or not value.strip()):
        out.add(key, "must be non-empty text", f"write the {key} as text")
        return ""
    return value.strip() if isinstance(value, str) else ""


def _choice(data: Mapping[str, Any], key: str, options: tuple[str, ...], out: _Problems) -> str:
    """A value that must be one of ``options``."""
    value = data.get(key)
    if key in data and value not in options:
        out.add(key, f"{value!r} is not allowed", f"{suggest(str(value), options)}use one of {', '.join(options)}")
        return options[0]
    return value if isinstance(value, str) else options[0]


def _text_list(data: Mapping[str, Any], key: str, out: _Problems) -> tuple[str, ...]:
    """An optional list of strings."""
    value = data.get(key, [])
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(x, str) and x.strip() for x in value):
        out.add(key, "must be a list of text items", f"write {key}: [first item, second item]")
        return ()
    return tuple(x.strip() for x in value)


def _citation(data: Mapping[str, Any], out: _Problems) -> Citation:
    """The citation block: guideline pillar and instrument, optional ``also`` list."""
    value = data.get("citation")
    if not isinstance(value, dict):
        if "citation" in data:
            out.add("citation", "must be a mapping with guideline and instrument",
                    "write citation: {guideline: procurement, instrument: <instrument and article>}")
        return Citation("", "")
    for key in value:
        if key not in CITATION_KEYS:
            out.add(f"citation.{key}", f"unknown key {key!r}", f"{suggest(str(key), CITATION_KEYS)}"
                    f"allowed keys: {', '.join(CITATION_KEYS)}")
    guideline = value.get("guideline")
    if guideline not in GUIDELINE_PILLARS:
        out.add("citation.guideline", f"{guideline!r} is not an OSCE Model Guidelines pillar",
                f"use one of {', '.join(GUIDELINE_PILLARS)}")
    instrument = value.get("instrument")
    if not isinstance(instrument, str) or not instrument.strip():
        out.add("citation.instrument", "is missing", "name the concrete instrument the condition derives from")
    also = _text_list(value, "also", out)
    return Citation(str(guideline or ""), str(instrument or "").strip(), also)


def _conditions(data: Mapping[str, Any], table: str, out: _Problems) -> tuple[Condition, ...]:
    """The ``applies_when`` list: each item ``{column, in: [...]}`` or ``{column, not_in: [...]}``."""
    value = data.get("applies_when", [])
    if value is None:
        return ()
    if not isinstance(value, list):
        out.add("applies_when", "must be a list of conditions", "write applies_when: [{column: x, in: [a, b]}]")
        return ()
    conditions = []
    for i, item in enumerate(value):
        key = f"applies_when[{i}]"
        if not isinstance(item, dict):
            out.add(key, "must be a mapping", "write {column: x, in: [a, b]}")
            continue
        for k in item:
            if k not in CONDITION_KEYS:
                out.add(f"{key}.{k}", f"unknown key {k!r}",
                        f"{suggest(str(k), CONDITION_KEYS)}allowed keys: {', '.join(CONDITION_KEYS)}")
        column = item.get("column")
        if declared_column(table, column) is None:
            problem, fix = unknown_column(table, column)
            out.add(f"{key}.column", problem, fix)
        ops = [k for k in ("in", "not_in") if k in item]
        if len(ops) != 1 or not isinstance(item[ops[0]] if ops else None, list) or not item[ops[0]]:
            out.add(key, "needs exactly one of in / not_in with a non-empty list", "write in: [a, b]")
            continue
        for problem, fix in value_problems(table, str(column), item[ops[0]]):
            out.add(f"{key}.{ops[0]}", problem, fix)
        conditions.append(Condition(str(column), tuple(item[ops[0]]), negate=ops[0] == "not_in"))
    return tuple(conditions)


def _column_list(data: Mapping[str, Any], key: str, table: str, out: _Problems) -> tuple[str, ...]:
    """A list of column names of the rule's table (``requires``, ``evidence``)."""
    value = data.get(key, [])
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(x, str) for x in value):
        out.add(key, "must be a list of column names", f"write {key}: [column_a, column_b]")
        return ()
    for col in value:
        if declared_column(table, col) is None:
            problem, fix = unknown_column(table, col)
            out.add(key, problem, fix)
    return tuple(value)


def _numbers(data: Mapping[str, Any], severity: str, out: _Problems) -> tuple[int, bool, float | None, int]:
    """weight (from severity unless set), hard_flag, unknown_risk and version."""
    weight = data.get("weight", SEVERITY_WEIGHTS.get(severity, 1))
    if isinstance(weight, bool) or not isinstance(weight, int) or not 1 <= weight <= 5:
        out.add("weight", f"{weight!r} is not a whole number from 1 to 5", "use 1, 2, 3, 4 or 5")
        weight = 1
    hard = data.get("hard_flag", False)
    if not isinstance(hard, bool):
        out.add("hard_flag", f"{hard!r} is not true or false", "use true or false")
        hard = False
    unknown = data.get("unknown_risk")
    if unknown is not None and (isinstance(unknown, bool) or not isinstance(unknown, int | float)
                                or not 0 <= unknown <= 1):
        out.add("unknown_risk", f"{unknown!r} is not a number from 0 to 1", "use e.g. 0.5")
        unknown = None
    version = data.get("version", 1)
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        out.add("version", f"{version!r} is not a positive whole number", "use 1, then bump it on changes")
        version = 1
    return weight, hard, None if unknown is None else float(unknown), version


def _identity(data: Mapping[str, Any], path: Path, out: _Problems) -> tuple[str, str, str]:
    """code (pattern, file name), name (dotted) and title (at most six words)."""
    code = data.get("code")
    if "code" in data and (not isinstance(code, str) or not CODE_PATTERN.match(code)):
        out.add("code", f"{code!r} is not a rule code", "use two capital letters and two digits (RC01), "
                "or R and three digits for an OCP red flag (R024)")
    elif isinstance(code, str) and not path.name.startswith(code):
        out.add("code", f"file name {path.name!r} does not start with the code {code!r}",
                f"rename the file to {code}_<short_name>{path.suffix}")
    name = data.get("name")
    if "name" in data and (not isinstance(name, str) or not NAME_PATTERN.match(name)):
        out.add("name", f"{name!r} is not a dotted lower-case name", "write e.g. recruitment.fees.paid_by_workers")
    title = _text(data, "title", out)
    if len(title.split()) > MAX_TITLE_WORDS:
        out.add("title", f"has {len(title.split())} words, more than {MAX_TITLE_WORDS}",
                "shorten it; the summary carries the detail")
    return str(code or ""), str(name or ""), title


def _check_and_params(data: Mapping[str, Any], out: _Problems) -> tuple[str, dict[str, Any]]:
    """The check name (registered) and its params (matching its signature)."""
    checks = registry()
    check = data.get("check")
    params = data.get("params", {}) or {}
    if "check" in data and check not in checks:
        out.add("check", f"{check!r} is not a registered check",
                f"{suggest(str(check), sorted(checks))}registered checks: {', '.join(sorted(checks))}")
        return "", params if isinstance(params, dict) else {}
    if check in checks:
        for problem, fix in param_problems(checks[check], params, str(check)):
            out.add("params", problem, fix)
    return str(check or ""), params if isinstance(params, dict) else {}


def parse_rule(data: Any, path: Path, file: str | None = None) -> tuple[Rule | None, list[RuleProblem]]:
    """Validate one rule file's data; returns the Rule (None when invalid) and every problem found."""
    out = _Problems(file or str(path))
    if not isinstance(data, dict):
        out.add("(file)", "is not a mapping of rule keys", "start the file with code: XX00 and the other keys")
        return None, out.items
    for key in data:
        if key not in ALLOWED_KEYS:
            out.add(str(key), f"unknown key {key!r}",
                    f"{suggest(str(key), ALLOWED_KEYS)}allowed keys: {', '.join(ALLOWED_KEYS)}")
    for key in REQUIRED_KEYS:
        if key not in data:
            out.add(key, "is missing", f"add {key}: (see docs/rule-format.md)")
    code, name, title = _identity(data, path, out)
    scope = _choice(data, "scope", SCOPES, out)
    severity = _choice(data, "severity", tuple(SEVERITY_WEIGHTS), out)
    weight, hard, unknown, version = _numbers(data, severity, out)
    check, params = _check_and_params(data, out)
    table = SCOPE_TABLE[scope]
    rule = Rule(
        code=code, name=name, title=title, summary=_text(data, "summary", out),
        pillar=_choice(data, "pillar", PILLARS, out), scope=scope, severity=severity, weight=weight,
        citation=_citation(data, out), why=_text(data, "why", out), check=check, params=params,
        explain=_text(data, "explain", out), action=_text(data, "action", out), version=version,
        hard_flag=hard, unknown_risk=unknown, applies_when=_conditions(data, table, out),
        requires=_column_list(data, "requires", table, out), evidence=_column_list(data, "evidence", table, out),
        exclusions=_text_list(data, "exclusions", out),
        assumptions=_text_list(data, "assumptions", out), ilo_indicators=_text_list(data, "ilo_indicators", out),
        path=path,
    )
    known = indicator_ids()
    for indicator in rule.ilo_indicators:
        if indicator not in known:
            out.add("ilo_indicators", f"{indicator!r} is not an ILO forced-labour indicator",
                    f"{suggest(indicator, known)}use one of {', '.join(known)} (reference/data/ilo)")
    if check:
        for problem, fix in column_problems(rule, params):
            out.add("params", problem, fix)
        _placeholder_problems(rule, out)
    return (rule if not out.items else None), out.items


def _placeholder_problems(rule: Rule, out: _Problems) -> None:
    """Every ``{placeholder}`` in explain must be a plain name the rule can fill."""
    try:
        names = placeholders(rule.explain)
    except ValueError as exc:
        out.add("explain", f"is not a valid template ({exc})", "balance the braces; write {{ for a literal brace")
        return
    allowed = allowed_placeholders(rule)
    for name in names:
        if not PLACEHOLDER_PATTERN.match(name):
            out.add("explain", f"placeholder {{{name}}} is not a plain column name",
                    "use {column_name} without attributes, indexes or positions")
        elif name not in allowed:
            out.add("explain", f"placeholder {{{name}}} is not a column the rule reads",
                    f"{suggest(name, allowed)}use one of {', '.join(allowed)}, or add it to requires")


# The safe loader, in its C implementation when PyYAML has one (same safe semantics, about 10x faster).
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _read(path: Path, file: str) -> tuple[Any, list[RuleProblem]]:
    """The YAML data of one file (the safe loader only), or the problem reading it."""
    try:
        return yaml.load(path.read_bytes(), Loader=_SAFE_LOADER), []  # noqa: S506 - a safe loader
    except OSError as exc:
        return None, [RuleProblem(file, "(file)", f"cannot be read ({exc.strerror or exc})", "check the path")]
    except yaml.YAMLError as exc:
        return None, [RuleProblem(file, "(file)", f"is not valid YAML ({exc})", "fix the YAML syntax")]


def _load(paths: PathsArg) -> tuple[list[Rule], list[RuleProblem], str, list[Path]]:
    """Rules, problems, sha256 and files of the catalogue at ``paths``."""
    digest = hashlib.sha256()
    rules: list[Rule] = []
    problems: list[RuleProblem] = []
    files = rule_files(paths)
    for root in _roots(paths):
        if not root.exists():
            problems.append(RuleProblem(str(root), "(path)", "does not exist",
                                        "give an existing rules directory or set PROCRISK_RULES"))
    seen_code: dict[str, str] = {}
    seen_name: dict[str, str] = {}
    for path, rel in files:
        raw = path.read_bytes() if path.is_file() else b""
        digest.update(rel.encode() + b"\0" + raw + b"\0")
        data, read_problems = _read(path, str(path))
        problems += read_problems
        if read_problems:
            continue
        rule, found = parse_rule(data, path)
        problems += found
        code = data.get("code") if isinstance(data, dict) else None
        name = data.get("name") if isinstance(data, dict) else None
        if isinstance(code, str) and code in seen_code:
            problems.append(RuleProblem(str(path), "code", f"code {code!r} is already used by {seen_code[code]}",
                                        "give this rule a new code; codes are never reused"))
        elif isinstance(code, str):
            seen_code[code] = str(path)
        if isinstance(name, str) and name in seen_name:
            problems.append(RuleProblem(str(path), "name", f"name {name!r} is already used by {seen_name[name]}",
                                        "give this rule a unique dotted name"))
        elif isinstance(name, str):
            seen_name[name] = str(path)
        if rule is not None:
            rules.append(rule)
    return rules, problems, digest.hexdigest(), [p for p, _ in files]


def check_catalogue(paths: PathsArg = None) -> list[RuleProblem]:
    """Every problem in the rule files at ``paths`` (default rule directories); empty when all is well."""
    return _load(paths)[1]


@dataclass(frozen=True)
class Catalogue:
    """The loaded rules (sorted by code), their hash and versions, and the settings applied to them."""

    rules: tuple[Rule, ...]
    hash: str
    files: tuple[Path, ...] = ()
    settings: Settings = field(default_factory=Settings)

    def __iter__(self) -> Iterator[Rule]:
        """Iterate over the rules in code order."""
        return iter(self.rules)

    def __len__(self) -> int:
        """Number of rules."""
        return len(self.rules)

    @property
    def codes(self) -> tuple[str, ...]:
        """Rule codes in order."""
        return tuple(r.code for r in self.rules)

    @property
    def versions(self) -> dict[str, int]:
        """``{code: version}`` of every rule."""
        return {r.code: r.version for r in self.rules}

    def get(self, code: str) -> Rule:
        """The rule with this code; NotFoundError naming the closest code when there is none."""
        for rule in self.rules:
            if rule.code == code:
                return rule
        msg = f"no rule {code!r}; {suggest(code, self.codes)}run `procrisk rules list` for the codes"
        raise NotFoundError(msg)

    def for_scope(self, scope: str) -> tuple[Rule, ...]:
        """The rules of one scope (``contract`` or ``supplier``)."""
        return tuple(r for r in self.rules if r.scope == scope)

    def with_settings(self, settings: Settings) -> Catalogue:
        """Apply a settings file: drop disabled rules, override weights, hard flags, unknown risks and params."""
        problems = override_problems(settings, {r.code: r for r in self.rules})
        if problems:
            raise ConfigError(" | ".join(problems))
        rules = []
        for rule in self.rules:
            o = settings.rules.get(rule.code)
            if o is None:
                rules.append(rule)
                continue
            if not o.enabled:
                continue
            rules.append(replace(
                rule,
                weight=rule.weight if o.weight is None else o.weight,
                hard_flag=rule.hard_flag if o.hard_flag is None else o.hard_flag,
                unknown_risk=rule.unknown_risk if o.unknown_risk is None else o.unknown_risk,
                params={**rule.params, **o.params},
            ))
        return replace(self, rules=tuple(rules), settings=settings)

    def manifest(self) -> dict[str, Any]:
        """What a run records about the catalogue: hash, versions, settings and the effective weights."""
        return {
            "catalogue_hash": self.hash,
            "versions": self.versions,
            "weights": {r.code: r.weight for r in self.rules},
            "hard_flags": [r.code for r in self.rules if r.hard_flag],
            "settings": self.settings.as_dict(),
        }


def load_catalogue(paths: PathsArg = None, settings: Settings | None = None) -> Catalogue:
    """Load every rule under ``paths`` (default ``$PROCRISK_RULES`` or ``<repo>/rules``); RuleError lists problems."""
    rules, problems, digest, files = _load(paths)
    if problems:
        shown = "; ".join(str(p) for p in problems[:5])
        more = f" (and {len(problems) - 5} more; run `procrisk rules check`)" if len(problems) > 5 else ""
        err = RuleError(f"{len(problems)} problem(s) in the rule catalogue: {shown}{more}")
        err.problems = problems  # type: ignore[attr-defined]
        raise err
    catalogue = Catalogue(tuple(sorted(rules, key=lambda r: r.code)), digest, tuple(files))
    return catalogue.with_settings(settings) if settings is not None else catalogue
