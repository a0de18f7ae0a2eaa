"""Plain-text page of one rule, the same information the dashboard's rule page shows (``procrisk rules show``)."""

from __future__ import annotations

import textwrap

from procrisk.rules.checks import description
from procrisk.rules.explain import citation_text
from procrisk.rules.model import Rule

_WIDTH = 100


def _wrap(label: str, text: str) -> list[str]:
    """A labelled paragraph wrapped under its label."""
    body = textwrap.wrap(" ".join(text.split()), width=_WIDTH - 4) or [""]
    return [f"{label}:", *(f"    {line}" for line in body)]


def _items(label: str, items: tuple[str, ...] | list[str]) -> list[str]:
    """A labelled bullet list (nothing when empty)."""
    if not items:
        return []
    return [f"{label}:", *(f"  - {item}" for item in items)]


def render_rule(rule: Rule) -> str:
    """Every field of a rule as readable text: identity, scoring, check, applicability, citation, texts."""
    params = ", ".join(f"{k}={v!r}" for k, v in rule.params.items()) or "(none)"
    lines = [
        f"{rule.code}  {rule.title}  (v{rule.version})",
        f"name:        {rule.name}",
        f"pillar:      {rule.pillar}    scope: {rule.scope}",
        f"severity:    {rule.severity}    weight: {rule.weight}    hard flag: {'yes' if rule.hard_flag else 'no'}"
        f"    unknown risk: {'default' if rule.unknown_risk is None else rule.unknown_risk}",
        f"check:       {rule.check} - {description(rule.check_fn)}",
        f"params:      {params}",
        f"requires:    {', '.join(rule.requires) or '(nothing)'}",
        f"applies:     {' and '.join(c.describe() for c in rule.applies_when) or 'always'}",
        *_wrap("summary", rule.summary),
        *_wrap("why", rule.why),
        *_wrap("citation", citation_text(rule)),
        *_wrap("explanation template", rule.explain),
        *_wrap("action", rule.action),
        *_items("exclusions", rule.exclusions),
        *_items("assumptions", rule.assumptions),
        *_items("ILO indicators", rule.ilo_indicators),
    ]
    if rule.path is not None:
        lines.append(f"file:        {rule.path}")
    return "\n".join(lines)
