"""A rule as data: the ``Rule`` record and the validation of one rule file, collecting every problem found."""

from __future__ import annotations

import difflib
import functools
import re
import string
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from procrisk.errors import RuleError
from procrisk.rules.checks import DatasetCheck, is_column_param, registry
from procrisk.rules.params import param_problems
from procrisk.schema.columns import TABLES, Column

PILLARS = ("inherent", "recruitment", "transparency", "due_diligence", "process", "contract")
SCOPES = ("contract", "supplier")
SCOPE_TABLE = {"contract": "contracts", "supplier": "suppliers"}
SEVERITY_WEIGHTS = {"low": 1, "medium": 2, "high": 4, "critical": 5}
GUIDELINE_PILLARS = ("recruitment", "procurement", "transparency")
# Id and name columns every explanation may use, by scope.
ID_COLUMNS = {
    "contract": ("contract_id", "supplier_id", "supplier_name", "buyer_name", "title"),
    "supplier": ("supplier_id", "supplier_name"),
}
REQUIRED_KEYS = ("code", "name", "title", "summary", "pillar", "scope", "severity", "citation", "why", "check",
                 "explain", "action", "version")
OPTIONAL_KEYS = ("weight", "hard_flag", "unknown_risk", "params", "applies_when", "requires", "evidence",
                 "exclusions", "assumptions", "ilo_indicators")
ALLOWED_KEYS = REQUIRED_KEYS + OPTIONAL_KEYS
CITATION_KEYS = ("guideline", "instrument", "also")
CONDITION_KEYS = ("column", "in", "not_in")
CODE_PATTERN = re.compile(r"^(?:[A-Z]{2}\d{2}|R\d{3})$")
NAME_PATTERN = re.compile(r"^[a-z0-9_]+(?:\.[a-z0-9_]+)+$")
PLACEHOLDER_PATTERN = re.compile(r"^[a-z_][a-z0-9_]*$")
MAX_TITLE_WORDS = 6


@dataclass(frozen=True)
class RuleProblem:
    """One problem in a rule file: the file, the key, what is wrong and how to fix it."""

    file: str
    key: str
    problem: str
    fix: str

    def __str__(self) -> str:
        """One line: ``file: key: problem; fix``."""
        return f"{self.file}: {self.key}: {self.problem}; {self.fix}"


@dataclass(frozen=True)
class Citation:
    """Where a rule comes from: the OSCE guideline pillar and the concrete instrument of the testable condition."""

    guideline: str
    instrument: str
    also: tuple[str, ...] = ()


@dataclass(frozen=True)
class Condition:
    """One ``applies_when`` condition: the column's value must (``in``) or must not (``not_in``) be in ``values``."""

    column: str
    values: tuple[Any, ...]
    negate: bool = False

    def describe(self) -> str:
        """The condition as text, e.g. ``uses_labour_recruiters in [yes]``."""
        op = "not in" if self.negate else "in"
        return f"{self.column} {op} [{', '.join(str(v) for v in self.values)}]"


@dataclass(frozen=True)
class Rule:
    """One rule of the catalogue, loaded from YAML and validated (see docs/rule-format.md)."""

    code: str
    name: str
    title: str
    summary: str
    pillar: str
    scope: str
    severity: str
    weight: int
    citation: Citation
    why: str
    check: str
    params: Mapping[str, Any]
    explain: str
    action: str
    version: int
    hard_flag: bool = False
    unknown_risk: float | None = None
    applies_when: tuple[Condition, ...] = ()
    requires: tuple[str, ...] = ()
    evidence: tuple[str, ...] = ()
    exclusions: tuple[str, ...] = ()
    assumptions: tuple[str, ...] = ()
    ilo_indicators: tuple[str, ...] = ()
    path: Path | None = field(default=None, compare=False)

    @property
    def table(self) -> str:
        """The canonical table the rule reads (``contracts`` or ``suppliers``)."""
        return SCOPE_TABLE[self.scope]

    @functools.cached_property
    def check_fn(self) -> Any:
        """The registered check function (or ``DatasetCheck``)."""
        return registry()[self.check]

    @functools.cached_property
    def is_dataset_check(self) -> bool:
        """Whether the check is dataset-relative (fitted over the whole table)."""
        return isinstance(self.check_fn, DatasetCheck)

    @functools.cached_property
    def param_columns(self) -> tuple[str, ...]:
        """Columns named by the check's parameters, in parameter order."""
        cols: list[str] = []
        for name, value in self.params.items():
            if is_column_param(name) and value is not None:
                cols.extend([value] if isinstance(value, str) else list(value))
        return tuple(dict.fromkeys(cols))

    @functools.cached_property
    def columns(self) -> tuple[str, ...]:
        """Every column the rule reads: requires, parameter columns, applies_when columns."""
        return tuple(dict.fromkeys([*self.requires, *self.param_columns, *(c.column for c in self.applies_when)]))

    def effective_unknown_risk(self, default: float = 0.5) -> float:
        """The risk a not_assessed outcome carries: the rule's own value, else ``default``."""
        return default if self.unknown_risk is None else self.unknown_risk

    def with_params(self, **params: Any) -> Rule:
        """A copy with some parameters overridden; raises ``RuleError`` when they do not fit the check."""
        merged = {**self.params, **params}
        problems = param_problems(self.check_fn, merged, self.check)
        problems += column_problems(self, merged)
        if problems:
            where = str(self.path or self.code)
            msg = "; ".join(f"{where}: params: {p}; {f}" for p, f in problems)
            raise RuleError(msg)
        return replace(self, params=merged)


def suggest(word: str, options: Sequence[str]) -> str:
    """`` did you mean 'x'?`` for the closest option, or an empty string."""
    close = difflib.get_close_matches(word, list(options), n=1, cutoff=0.6)
    return f"did you mean {close[0]!r}? " if close else ""


def declared_column(table: str, name: Any) -> Column | None:
    """The declared column of a table, or None."""
    return TABLES[table].by_name.get(name) if isinstance(name, str) else None


def unknown_column(table: str, name: Any) -> tuple[str, str]:
    """(problem, fix) for a column the table does not declare."""
    return (f"{name!r} is not a column of {table}",
            f"{suggest(str(name), TABLES[table].names)}use a column declared in schema/columns.py")


def value_problems(table: str, column: str, values: Any) -> list[tuple[str, str]]:
    """Values that an enum, answer or bool column can never hold."""
    col = declared_column(table, column)
    if col is None or not isinstance(values, list | tuple):
        return []
    out = []
    for value in values:
        if col.kind == "bool" and not isinstance(value, bool):
            out.append((f"{value!r} is not a boolean value of {column}", "use true or false"))
        elif col.allowed and col.kind in ("enum", "answer") and value not in col.allowed:
            out.append((f"{value!r} is not an allowed value of {column}",
                        f"{suggest(str(value), col.allowed)}allowed: {', '.join(col.allowed)}"))
    return out


def column_problems(rule: Rule, params: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Parameter columns missing from the rule's table, and impossible ``values`` for enum/answer/bool columns."""
    out: list[tuple[str, str]] = []
    for name, value in params.items():
        if not is_column_param(name) or value is None:
            continue
        for col in [value] if isinstance(value, str) else list(value) if isinstance(value, list | tuple) else []:
            if declared_column(rule.table, col) is None:
                problem, fix = unknown_column(rule.table, col)
                out.append((f"{name}: {problem}", fix))
    if isinstance(params.get("column"), str) and "values" in params:
        out += [(f"values: {p}", f) for p, f in value_problems(rule.table, params["column"], params["values"])]
    return out


def placeholders(template: str) -> list[str]:
    """The ``{placeholder}`` field names of an explanation template (raises ValueError when malformed)."""
    return [name for _, name, _, _ in string.Formatter().parse(template) if name is not None]


def allowed_placeholders(rule: Rule) -> tuple[str, ...]:
    """Names an explanation may use: requires and parameter columns, parameter names, id/name and meta keys."""
    check = rule.check_fn
    meta_keys = check.meta_keys if isinstance(check, DatasetCheck) else ()
    condition_cols = tuple(c.column for c in rule.applies_when)
    return tuple(dict.fromkeys([*rule.requires, *rule.param_columns, *condition_cols, *rule.evidence,
                                *rule.params, *ID_COLUMNS[rule.scope], *meta_keys]))
