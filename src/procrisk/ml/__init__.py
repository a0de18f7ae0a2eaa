"""scikit-learn estimators that add columns the rules read: supplier keys, inferred CPV categories, peer prices.

The models never score by themselves: ``enrich_with_models`` adds ``supplier_key``, the inferred category
columns and the ``price_*`` columns, and rules (IR20, PR20) read them like any other column.
"""

from procrisk.ml.category import CategoryClassifier
from procrisk.ml.enrich import enrich_with_models
from procrisk.ml.normalise import name_key
from procrisk.ml.overrides import Overrides, load_overrides
from procrisk.ml.price import PeerPriceScorer
from procrisk.ml.profiles import explain_ml, list_suppliers
from procrisk.ml.resolver import SupplierResolver

__all__ = [
    "CategoryClassifier",
    "Overrides",
    "PeerPriceScorer",
    "SupplierResolver",
    "enrich_with_models",
    "explain_ml",
    "list_suppliers",
    "load_overrides",
    "name_key",
]
