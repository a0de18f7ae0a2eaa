"""Validation of a rule's ``params`` against its check's signature (names, required ones, and value types)."""

from __future__ import annotations

import difflib
import functools
import inspect
import types
import typing
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from procrisk.rules.checks import RUNTIME_PARAMS, DatasetCheck, signature_of


def _hints(check: Any) -> dict[str, Any]:
    """Resolved type hints of the check's parameters (empty when they cannot be resolved)."""
    target = check.fit if isinstance(check, DatasetCheck) else check
    try:
        return dict(_resolved_hints(target))
    except TypeError:  # an unhashable callable: resolve it each time
        return _resolve(target)


@functools.lru_cache(maxsize=512)
def _resolved_hints(target: Any) -> dict[str, Any]:
    """``_resolve`` once per check function (every rule of a catalogue load asks again; hints do not change)."""
    return _resolve(target)


def _resolve(target: Any) -> dict[str, Any]:
    """typing.get_type_hints, or nothing when the hints cannot be resolved."""
    try:
        return typing.get_type_hints(target)
    except (NameError, TypeError):  # a custom check with unresolvable hints: names are still checked
        return {}


def type_ok(value: Any, hint: Any) -> bool:
    """Whether a YAML value fits a parameter's type hint (str, int, float, bool, date, lists, unions, Literal)."""
    if hint is Any or hint is inspect.Parameter.empty:
        return True
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        return any(type_ok(value, a) for a in args)
    if origin is typing.Literal:
        return value in args
    if hint is type(None):
        return value is None
    if origin in (list, tuple, Sequence, typing.Sequence) or hint in (list, tuple):
        if not isinstance(value, list | tuple):
            return False
        inner = args[0] if args else Any
        return all(type_ok(item, inner) for item in value)
    if origin in (dict, Mapping) or hint is dict:
        return isinstance(value, dict)
    if hint is bool:
        return isinstance(value, bool)
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if hint is float:
        return isinstance(value, int | float) and not isinstance(value, bool)
    if hint is str:
        return isinstance(value, str)
    if hint is date:
        return isinstance(value, date)
    return isinstance(hint, type) and isinstance(value, hint)


_NAMES = {bool: "true or false", int: "a whole number", float: "a number", str: "text", date: "a date",
          dict: "a mapping"}


def _hint_text(hint: Any) -> str:
    """A type hint in words: ``a list of text``, ``a number or null``."""
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if hint in _NAMES:
        return _NAMES[hint]
    if hint is type(None):
        return "null"
    if origin in (typing.Union, types.UnionType):
        return " or ".join(_hint_text(a) for a in args)
    if origin is typing.Literal:
        return "one of " + ", ".join(repr(a) for a in args)
    if origin in (list, tuple, Sequence, typing.Sequence) or hint in (list, tuple):
        inner = args[0] if args else Any
        return "a list" if inner is Any else f"a list of {_hint_text(inner)}"
    return str(hint).replace("typing.", "").replace("collections.abc.", "")


def param_problems(check: Any, params: Mapping[str, Any], check_name: str) -> list[tuple[str, str]]:
    """Problems of ``params`` for ``check``: unknown or runtime names, missing required ones, wrong types."""
    if not isinstance(params, Mapping):
        return [("params must be a mapping of parameter names to values", "write params: {name: value, ...}")]
    sig = signature_of(check)
    allowed = list(sig.parameters)
    out: list[tuple[str, str]] = []
    for name in params:
        if name in RUNTIME_PARAMS:
            out.append((f"{name!r} is set by the run, not by the rule",
                        f"remove it; set {name} in the jurisdiction settings file"))
        elif name not in sig.parameters:
            close = difflib.get_close_matches(str(name), allowed, n=1, cutoff=0.6)
            hint = f"did you mean {close[0]!r}? " if close else ""
            out.append((f"{check_name} has no parameter {name!r}",
                        f"{hint}parameters of {check_name}: {', '.join(allowed) or '(none)'}"))
    for name, p in sig.parameters.items():
        if p.default is inspect.Parameter.empty and p.kind is not inspect.Parameter.VAR_KEYWORD \
                and name not in params:
            out.append((f"{check_name} needs parameter {name!r}", f"add {name}: <value> under params"))
    hints = _hints(check)
    for name, value in params.items():
        if name in sig.parameters and name in hints and not type_ok(value, hints[name]):
            out.append((f"{name}={value!r} does not fit {check_name}",
                        f"give {name} as {_hint_text(hints[name])}"))
    return out
