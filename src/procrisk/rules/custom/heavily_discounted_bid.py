"""OCP red flag R058: the winning bid is unusually far below the runner-up, as OCP Cardinal 0.0.8 decides it.

Cardinal (cardinal-indicators.md §3.3, §3.4, §4.11): over every process's ratio ``(lowest other valid bid -
winning bid) / winning bid`` (``runner_up_price_gap``, computed at ingest), take the type-8 quartiles and the
upper fence ``fma(Q3 - Q1, 1.5, Q3)``, or a configured ``threshold``. Flag nothing unless the fence (or the
threshold) > 0; otherwise flag ratios at or above the fence. R024 and R058 share one distribution, with one
value per ocid (rows without an ocid count one each); cancelled, excluded and price-filtered processes are
``not_applicable`` and left out of it.
"""

from __future__ import annotations

from procrisk.rules.custom._ocp import gap_fence_check

heavily_discounted_bid = gap_fence_check(
    "upper", "Flag a winning bid far below the runner-up, relative to the data set (OCP R058, Cardinal 0.0.8).")
