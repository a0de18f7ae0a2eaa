"""Custom checks: each custom check is one module in this package, listed explicitly in CUSTOM_CHECKS.

A custom check has the same signature as a generic check in ``procrisk.rules.checks``: a function
``(frame: pd.DataFrame, **params) -> pd.Series`` of pandas ``boolean`` dtype aligned to ``frame.index``
(True = flagged, False = clear, NA = not assessed), with a one-sentence docstring. A dataset-relative check is
a ``procrisk.rules.checks.DatasetCheck`` (a fit step over the whole column, then an apply step per batch).
Add an entry ``"check_name": module.function`` below; the name is what rule files put under ``check:``.
"""

from __future__ import annotations

CUSTOM_CHECKS: dict = {}
