"""The one small hierarchy of program and usage errors; data problems are rows in an issues table instead."""

from __future__ import annotations


class ProcriskError(Exception):
    """Base of every error procrisk raises on purpose; the CLI prints it as one line and exits 1."""


class UsageError(ProcriskError, ValueError):
    """A command, argument or option was used wrongly; the message names the fix."""


class ConfigError(ProcriskError, ValueError):
    """A settings, mapping or rule file is invalid; the message names the file, the key and the fix."""


class InputFileError(ProcriskError, OSError):
    """An input file cannot be read at all (missing, empty, wrong format, unsafe); rows are never read."""


class WorkspaceError(ProcriskError, OSError):
    """The workspace is missing, locked by another writer, or damaged."""


class RuleError(ConfigError):
    """A rule file or the rule catalogue is invalid."""


class NotFoundError(ProcriskError, KeyError):
    """A contract, supplier, rule or batch named by the user does not exist."""

    def __str__(self) -> str:
        """Show the message itself, not KeyError's quoted repr."""
        return str(self.args[0]) if self.args else ""


class ProcriskWarning(UserWarning):
    """Base of procrisk's warnings."""
