"""OCP red flag R024: the runner-up bid is unusually close to the winner's, as OCP Cardinal 0.0.8 decides it.

Cardinal (cardinal-indicators.md §3.3, §3.4, §4.3): over every process's ratio ``(lowest other valid bid -
winning bid) / winning bid`` (``runner_up_price_gap``, computed at ingest), take the type-8 quartiles and the
lower fence ``fma(Q3 - Q1, -1.5, Q1)``, or a configured ``threshold``. Flag nothing unless Q1 > 0 and the
fence > 0 (with a threshold: threshold > 0); otherwise flag ratios at or below the fence. The distribution
holds one value per ocid (rows without an ocid count one each); cancelled, excluded and price-filtered
processes are ``not_applicable`` and left out of it.
"""

from __future__ import annotations

from procrisk.rules.custom._ocp import gap_fence_check

price_close_to_winning_bid = gap_fence_check(
    "lower", "Flag a runner-up bid close to the winning bid, relative to the data set (OCP R024, Cardinal 0.0.8).")
