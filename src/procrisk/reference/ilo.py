"""The ILO's 11 indicators of forced labour (2012) and which rules pick each one up.

Rule files name the indicators they pick up (``ilo_indicators: [debt_bondage, ...]``); this module holds the
indicator list and checks a rule -> indicators mapping against it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib.resources import files
from pathlib import Path

import yaml

DATA = files("procrisk.reference") / "data" / "ilo"
INDICATORS_FILE = "indicators.yaml"


@dataclass(frozen=True)
class Indicator:
    """One ILO forced-labour indicator: snake_case id, name, one-line description and source."""

    id: str
    name: str
    description: str
    source: str


@dataclass(frozen=True)
class Coverage:
    """Which rules pick up each indicator, which indicators no rule picks up, and ids no indicator has."""

    covered: dict[str, tuple[str, ...]]
    uncovered: tuple[str, ...]
    unknown: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def complete(self) -> bool:
        """Every indicator is picked up by a rule and every id used by a rule exists."""
        return not self.uncovered and not self.unknown


@cache
def _document() -> dict:
    """The parsed indicators.yaml."""
    return yaml.safe_load((DATA / INDICATORS_FILE).read_text(encoding="utf-8"))


@cache
def indicators() -> tuple[Indicator, ...]:
    """The 11 indicators in the ILO's order."""
    doc = _document()
    return tuple(Indicator(i["id"], i["name"], i["description"], doc["source"]) for i in doc["indicators"])


def indicator_ids() -> tuple[str, ...]:
    """The indicator ids in the ILO's order."""
    return tuple(i.id for i in indicators())


def coverage(mapping: Mapping[str, Iterable[str]]) -> Coverage:
    """Check a {rule_code: [indicator ids]} mapping against the 11 indicators."""
    ids = indicator_ids()
    covered: dict[str, list[str]] = {i: [] for i in ids}
    unknown: dict[str, tuple[str, ...]] = {}
    for code in sorted(mapping):
        used = list(mapping[code] or ())
        bad = tuple(i for i in used if i not in covered)
        if bad:
            unknown[code] = bad
        for i in used:
            if i in covered and code not in covered[i]:
                covered[i].append(code)
    return Coverage(
        covered={i: tuple(codes) for i, codes in covered.items() if codes},
        uncovered=tuple(i for i in ids if not covered[i]),
        unknown=unknown,
    )


def assert_full_coverage(mapping: Mapping[str, Iterable[str]]) -> Coverage:
    """Return the coverage of ``mapping``; raise ValueError naming the gaps unless all 11 are covered."""
    result = coverage(mapping)
    problems = []
    if result.unknown:
        listed = "; ".join(f"{c}: {list(v)}" for c, v in result.unknown.items())
        problems.append(f"unknown indicator ids {listed} (known: {list(indicator_ids())})")
    if result.uncovered:
        problems.append(f"no rule picks up {list(result.uncovered)}: add them to a rule's ilo_indicators")
    if problems:
        raise ValueError("ILO indicator coverage: " + " | ".join(problems))
    return result


def rule_file_indicators(paths: Iterable[Path]) -> dict[str, list[str]]:
    """Read {code: ilo_indicators} from rule YAML files (files without a code are skipped)."""
    out: dict[str, list[str]] = {}
    for path in sorted(paths):
        doc = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
        if isinstance(doc, dict) and doc.get("code"):
            out[str(doc["code"])] = [str(i) for i in doc.get("ilo_indicators") or ()]
    return out
