"""procrisk: where public purchases may rest on trafficking for labour exploitation, why, and what to do.

The public API lives in :mod:`procrisk.api` and is re-exported here lazily, so ``import procrisk`` stays fast::

    import procrisk
    report = procrisk.ingest_file("register.xlsx", workspace="ws")
"""

from __future__ import annotations

from typing import Any

from procrisk.version import __version__

_API = (
    "ingest_file", "validate_file", "suggest_mapping_file", "workspace_status", "open_workspace", "read_issues",
    "analyse", "load_results", "explain", "explain_supplier", "coverage", "missing_fields", "list_suppliers",
    "load_catalogue",
)

__all__ = [  # noqa: PLE0604 (the API names are strings, listed once in _API)
    "__version__", *_API,
]


def __getattr__(name: str) -> Any:
    """Load the public API on first use."""
    if name in _API:
        from procrisk import api

        return getattr(api, name)
    msg = f"module 'procrisk' has no attribute {name!r}"
    raise AttributeError(msg)
