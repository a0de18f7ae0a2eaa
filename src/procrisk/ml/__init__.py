"""scikit-learn estimators that add columns the rules read: supplier keys, inferred CPV categories, peer prices.

The models never score by themselves: ``enrich_with_models`` adds ``supplier_key``, the inferred category
columns and the ``price_*`` columns, and rules (IR20, PR20) read them like any other column.
"""

from __future__ import annotations

import importlib
from typing import Any

# Loaded on first use: the formatting helpers (explain_ml, list_suppliers, name_key) must not pull in
# scikit-learn and scipy (about 3 s) for procrisk explain or the dashboard.
_HOMES = {
    "CategoryClassifier": "category",
    "Overrides": "overrides",
    "PeerPriceScorer": "price",
    "SupplierResolver": "resolver",
    "enrich_with_models": "enrich",
    "explain_ml": "profiles",
    "list_suppliers": "profiles",
    "load_overrides": "overrides",
    "name_key": "normalise",
    "with_supplier_keys": "enrich",
}

__all__ = [
    "CategoryClassifier", "Overrides", "PeerPriceScorer", "SupplierResolver", "enrich_with_models", "explain_ml",
    "list_suppliers", "load_overrides", "name_key", "with_supplier_keys",
]


def __getattr__(name: str) -> Any:
    """Import the submodule that defines ``name`` (PEP 562), once."""
    home = _HOMES.get(name)
    if home is None:
        msg = f"module 'procrisk.ml' has no attribute {name!r}"
        raise AttributeError(msg)
    value = getattr(importlib.import_module(f"procrisk.ml.{home}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    """The public names, loaded or not."""
    return sorted({*globals(), *_HOMES})
