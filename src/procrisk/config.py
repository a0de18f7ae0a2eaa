"""Program settings, declared once as (name, default, help); unknown keys are rejected with the fix named.

Precedence, lowest first: the defaults below, a YAML settings file (``--config``), environment variables
``PROCRISK_<NAME>`` (upper case), explicit keyword arguments (CLI options). Rule parameters, weights and
bands are not here: they live in the jurisdiction settings file read by ``procrisk.rules.settings``.
"""

from __future__ import annotations

import difflib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from procrisk.errors import ConfigError
from procrisk.memory import allow_huge_pages


@dataclass(frozen=True)
class Setting:
    """One setting: its name, default (which also fixes its type) and a one-line help text."""

    name: str
    default: Any
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting("workspace", "procrisk-workspace", "Folder holding the Parquet tables, manifest and quarantine."),
    Setting("lock_timeout", 30.0, "Seconds a writer waits for another writer's lock before giving up."),
    Setting("mapping_min_confidence", 0.6,
            "Automatic column mapping accepts a header only at or above this confidence (0..1)."),
    Setting("dayfirst", "auto", "How to read dates like 03/04/2025: auto (decide per column), day, or month."),
    Setting("compression", "zstd", "Parquet compression codec for stored tables."),
    Setting("max_upload_mb", 200, "Largest file the dashboard accepts, in megabytes."),
    Setting("workers", 0, "Threads and processes for parallel work (scoring batches, ingest columns and sheet "
            "parts, big OCDS JSON Lines files); 0 means the CPUs this process may use; 1 turns parallel work off."),
    Setting("huge_pages", False, "Let the kernel back big arrays with transparent huge pages. Off by default: zeroing "
            "fresh 2 MiB pages made scoring and ingest 20-30% slower on the reference machine (a virtual machine)."),
)
_BY_NAME = {s.name: s for s in SETTINGS}
ENV_PREFIX = "PROCRISK_"


def _suggest(name: str, options: list[str]) -> str:
    """A 'did you mean' hint for a misspelt key."""
    close = difflib.get_close_matches(name, options, n=1)
    return f"did you mean '{close[0]}'? " if close else ""


def _convert(setting: Setting, value: Any, where: str) -> Any:
    """Convert a raw value to the type of the setting's default, or raise ConfigError naming the fix."""
    kind = type(setting.default)
    if isinstance(value, kind) and not (kind is int and isinstance(value, bool)):
        return value
    try:
        if kind is bool:
            text = str(value).strip().lower()
            if text in {"1", "true", "yes", "on"}:
                return True
            if text in {"0", "false", "no", "off"}:
                return False
            raise ValueError(text)
        return kind(value)
    except (TypeError, ValueError):
        msg = f"{where}: setting '{setting.name}' should be a {kind.__name__} (like {setting.default!r}), got {value!r}"
        raise ConfigError(msg) from None


@dataclass(frozen=True)
class Config:
    """Resolved settings for one run."""

    values: dict[str, Any]

    def __getattr__(self, name: str) -> Any:
        """Read a setting as an attribute: ``config.workspace``."""
        try:
            return self.values[name]
        except KeyError:
            raise AttributeError(name) from None

    @property
    def workspace_path(self) -> Path:
        """The workspace folder as a Path."""
        return Path(self.values["workspace"]).expanduser()


def load_config(path: Path | None = None, **overrides: Any) -> Config:
    """Resolve settings from defaults, an optional YAML file, the environment, then explicit overrides."""
    values = {s.name: s.default for s in SETTINGS}
    if path is not None:
        try:
            data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
        except OSError as exc:
            msg = f"{path}: cannot read the settings file ({exc.strerror})"
            raise ConfigError(msg) from None
        except yaml.YAMLError as exc:
            msg = f"{path}: not valid YAML ({exc})"
            raise ConfigError(msg) from None
        if not isinstance(data, dict):
            msg = f"{path}: expected a mapping of setting names to values"
            raise ConfigError(msg)
        for key, value in data.items():
            if key not in _BY_NAME:
                msg = (f"{path}: unknown setting '{key}'; {_suggest(str(key), list(_BY_NAME))}"
                       f"allowed: {', '.join(_BY_NAME)}")
                raise ConfigError(msg)
            values[key] = _convert(_BY_NAME[key], value, str(path))
    for setting in SETTINGS:
        env = os.environ.get(ENV_PREFIX + setting.name.upper())
        if env is not None:
            values[setting.name] = _convert(setting, env, f"environment variable {ENV_PREFIX}{setting.name.upper()}")
    for key, value in overrides.items():
        if value is None:
            continue
        if key not in _BY_NAME:
            msg = f"unknown setting '{key}'; {_suggest(key, list(_BY_NAME))}allowed: {', '.join(_BY_NAME)}"
            raise ConfigError(msg)
        values[key] = _convert(_BY_NAME[key], value, "option")
    if values["workers"] < 0:
        msg = f"setting 'workers' must be 0 (automatic) or a positive number, got {values['workers']!r}"
        raise ConfigError(msg)
    if values["dayfirst"] not in {"auto", "day", "month"}:
        msg = f"setting 'dayfirst' must be auto, day or month, got {values['dayfirst']!r}"
        raise ConfigError(msg)
    return Config(values)


def available_cpus() -> int:
    """The CPUs this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def parallel_workers(cap: int) -> int:
    """Workers for parallel work: the ``workers`` setting (``PROCRISK_WORKERS``), else the CPUs, at most ``cap``."""
    chosen = load_config().workers
    return max(1, min(chosen or available_cpus(), cap))


def apply_process_settings(config: Config) -> None:
    """Apply the settings that tune the whole process (huge pages); the CLI and the dashboard call it at start."""
    allow_huge_pages(config.huge_pages)
