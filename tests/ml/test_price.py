"""PeerPriceScorer: peer groups, fallback to coarser groups, minimum peers, leave-one-out medians."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from procrisk.ml import PeerPriceScorer


def _rows(values, group="909", division="90", **extra):
    return pd.DataFrame({"award_value": values, "currency": "GBP", "country": "GB", "year": "2024",
                         "cpv_division": division, "cpv_group": group, **extra})


def test_price_ratio_to_leave_one_out_median():
    out = PeerPriceScorer(min_peers=5).fit_transform(_rows([100, 110, 95, 105, 98, 102, 40]))
    last = out.iloc[-1]
    peers = np.log([100, 110, 95, 105, 98, 102])
    assert last["price_peer_ratio"] == pytest.approx(40 / np.exp(np.median(peers)))  # median on log values
    assert last["price_peer_count"] == 6
    assert last["price_peer_group"] == "cleaning and sanitation services (CPV group 909), GB, 2024, GBP"
    assert last["price_anomaly_score"] > 3
    assert out["price_anomaly_score"].iloc[:-1].abs().max() < 2


def test_price_falls_back_to_division_then_all_when_peers_are_few():
    small = _rows([100, 98, 40], group="909")
    other = _rows([101, 99, 103, 97], group="905")
    elsewhere = _rows([500, 510, 490, 505, 495, 502], group="452", division="45")
    frame = pd.concat([small, other, elsewhere], ignore_index=True)
    out = PeerPriceScorer(min_peers=5).fit_transform(frame)
    assert out.loc[2, "price_peer_group"].startswith("sewage, refuse, cleaning and environmental services "
                                                     "(CPV division 90)")
    assert out.loc[2, "price_peer_count"] == 6
    strict = PeerPriceScorer(min_peers=8).fit_transform(frame)
    assert strict.loc[2, "price_peer_group"] == "all purchases, GB, 2024, GBP"
    assert strict.loc[7, "price_peer_count"] == 12


def test_price_no_peer_group_below_min_peers_at_every_level():
    out = PeerPriceScorer(min_peers=5, levels=("group",)).fit_transform(_rows([100, 98, 40]))
    assert out["price_peer_ratio"].isna().all()
    assert out["price_peer_count"].isna().all()
    assert out["price_peer_group"].isna().all()


def test_price_currency_country_and_year_separate_peers():
    frame = pd.concat([_rows([100, 100, 100, 100, 100]), _rows([10], currency="EUR")], ignore_index=True)
    frame.loc[5, "currency"] = "EUR"
    out = PeerPriceScorer(min_peers=1).fit_transform(frame)
    assert pd.isna(out.loc[5, "price_peer_ratio"])
    assert out.loc[0, "price_peer_count"] == 4


def test_price_inferred_rows_are_compared_but_never_peers():
    frame = _rows([100, 110, 95, 105, 98, 40, 1], category_inferred=[False] * 5 + [True, True])
    out = PeerPriceScorer(min_peers=4, levels=("group",)).fit_transform(frame)
    assert out.loc[5, "price_peer_count"] == 5
    assert out.loc[6, "price_peer_count"] == 5
    assert out.loc[0, "price_peer_count"] == 4
    assert out.loc[5, "price_peer_group"].endswith("(this contract's category is inferred)")


def test_price_estimate_ratio_and_invalid_values():
    frame = _rows([100, 0, None, 50, 60, 70], estimated_value=[200, 100, 100, None, 0, 70])
    out = PeerPriceScorer(min_peers=1).fit_transform(frame)
    assert out["price_estimate_ratio"].tolist()[0] == pytest.approx(0.5)
    assert out["price_estimate_ratio"].isna().tolist() == [False, True, True, True, True, False]
    assert out.loc[[1, 2], "price_peer_ratio"].isna().all()


def test_price_transform_compares_new_rows_with_all_fitted_peers():
    scorer = PeerPriceScorer(min_peers=5).fit(_rows([100, 110, 95, 105, 98, 102]))
    out = scorer.transform(_rows([50]))
    assert out.loc[0, "price_peer_count"] == 6
    assert out.loc[0, "price_peer_ratio"] == pytest.approx(50 / np.sqrt(100 * 102))
